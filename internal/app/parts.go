package app

import (
	"context"
	"fmt"
	"io/fs"
	"net/netip"
	"sync"
	"time"

	feedwatch "github.com/feedwatch/feedwatch"
	"github.com/feedwatch/feedwatch/internal/config"
	"github.com/feedwatch/feedwatch/internal/deliver"
	"github.com/feedwatch/feedwatch/internal/digest"
	"github.com/feedwatch/feedwatch/internal/fetch"
	"github.com/feedwatch/feedwatch/internal/ingest"
	"github.com/feedwatch/feedwatch/internal/mail"
	"github.com/feedwatch/feedwatch/internal/model"
	"github.com/feedwatch/feedwatch/internal/render"
	"github.com/feedwatch/feedwatch/internal/service"
	"github.com/feedwatch/feedwatch/internal/token"
)

// Each part is built from a config passed in, not from the one in force,
// so that a reload can build the next pipeline from the new file and put
// it in force only once every part of it was built.

// Renderer is the digest templates: the shipped ones with templates_dir
// over them.
func (a *App) Renderer() (*render.Renderer, error) { return renderer(a.Config()) }

func renderer(cfg config.Config) (*render.Renderer, error) {
	base, err := fs.Sub(feedwatch.Defaults, "templates")
	if err != nil {
		return nil, err
	}
	if cfg.TemplatesDir == "" {
		return render.New(base)
	}
	return render.New(render.Overlay(base, cfg.TemplatesDir))
}

func (a *App) fetcher(cfg config.Config) *fetch.Client {
	var allow []netip.Prefix
	for _, n := range cfg.Web.AllowPrivate {
		if p, err := netip.ParsePrefix(n); err == nil { // validated with the config
			allow = append(allow, p)
		}
	}
	return fetch.New(fetch.Options{
		Timeout:      time.Duration(cfg.Poll.Timeout),
		MaxBytes:     cfg.Poll.MaxBytes,
		MaxRedirects: maxRedirects(cfg.Poll.MaxRedirects),
		UserAgent:    fmt.Sprintf("feedwatch/%s (+%s)", a.version, cfg.Poll.Contact),
		AllowNets:    allow,
		// Feeds from the config file and the command line are trusted:
		// their first request may reach a private address. Feeds added on
		// the web or the API are not, nor is any redirect.
		DenyPrivate: true,
	})
}

// maxRedirects maps poll.max_redirects onto fetch.Options, where 0 asks
// for the default: the config's 0 means follow none.
func maxRedirects(n int) int {
	if n == 0 {
		return -1
	}
	return n
}

// Poller polls feeds into the store, matching against the topics in force.
func (a *App) Poller(ctx context.Context) (*ingest.Poller, error) { return a.poller(ctx, a.Config()) }

func (a *App) poller(ctx context.Context, cfg config.Config) (*ingest.Poller, error) {
	st, err := a.Store(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := a.Topics(); err != nil {
		return nil, err
	}
	return ingest.New(st, a.fetcher(cfg), func() ingest.Matcher { return a.CurrentTopics() }, ingest.Options{
		Workers: cfg.Poll.Workers, PerHost: cfg.Poll.PerHost,
		Interval: time.Duration(cfg.Poll.Interval), MinInterval: time.Duration(cfg.Poll.MinInterval),
		MaxInterval: time.Duration(cfg.Poll.MaxInterval), MaxAge: time.Duration(cfg.Retention.MaxAge),
		MaxEntries: cfg.Poll.MaxEntries, Logger: a.log,
	}), nil
}

// secret returns the key that signs links: the configured one, else one
// made and stored on first use.
func (a *App) secret(ctx context.Context, cfg config.Config) ([]byte, error) {
	if env := cfg.Secret(a.environ); env != "" {
		return []byte(env), nil
	}
	st, err := a.Store(ctx)
	if err != nil {
		return nil, err
	}
	s, err := st.SettingOrInit(ctx, "token_secret", token.NewSecret)
	if err != nil {
		return nil, err
	}
	return []byte(s), nil
}

// DigestBuilder selects, renders and queues the subscribers' mail.
func (a *App) DigestBuilder(ctx context.Context) (*digest.Builder, error) {
	return a.digestBuilder(ctx, a.Config())
}

func (a *App) digestBuilder(ctx context.Context, cfg config.Config) (*digest.Builder, error) {
	st, err := a.Store(ctx)
	if err != nil {
		return nil, err
	}
	r, secret, dkim, err := a.mailParts(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return digest.New(st, r, digest.Options{From: cfg.Mail.From, UnsubscribeMailto: cfg.Mail.UnsubscribeMailto,
		BaseURL: cfg.Web.BaseURL, Secret: secret, DKIM: dkim, AlertsPerHour: cfg.Alerts.MaxPerHour, Logger: a.log}), nil
}

// mailParts are what every mail feedwatch writes needs: the templates, the
// key that signs its links and the DKIM signer.
func (a *App) mailParts(ctx context.Context, cfg config.Config) (*render.Renderer, []byte, *mail.DKIM, error) {
	r, err := renderer(cfg)
	if err != nil {
		return nil, nil, nil, err
	}
	secret, err := a.secret(ctx, cfg)
	if err != nil {
		return nil, nil, nil, err
	}
	dkim, err := DKIM(cfg)
	if err != nil {
		return nil, nil, nil, err
	}
	return r, secret, dkim, nil
}

// DKIM reads the signing key when mail.dkim is set (nil otherwise).
func DKIM(cfg config.Config) (*mail.DKIM, error) {
	d := cfg.Mail.DKIM
	if d.Domain == "" {
		return nil, nil
	}
	return mail.LoadDKIM(d.Domain, d.Selector, d.KeyFile)
}

// Sender is SMTP when a host is configured, else .eml files in the outbox
// folder; where says which, for the log. The caller closes it.
func (a *App) Sender() (s mail.Sender, where string) { return a.sender(a.Config()) }

func (a *App) sender(cfg config.Config) (mail.Sender, string) {
	if cfg.Mail.SMTP.Host == "" {
		return mail.NewDir(cfg.Mail.OutboxDir), "eml files in " + cfg.Mail.OutboxDir
	}
	s := cfg.Mail.SMTP
	return mail.NewSMTP(mail.SMTPOptions{
		Host: s.Host, Port: s.Port, TLS: s.TLS, Auth: s.Auth, Username: s.Username,
		Password: cfg.SMTPPassword(a.environ), Timeout: time.Duration(s.Timeout),
	}), fmt.Sprintf("SMTP %s:%d", s.Host, s.Port)
}

// Outbox drains queued mail through a sender of its own, which the caller
// closes.
func (a *App) Outbox(ctx context.Context) (*deliver.Outbox, mail.Sender, string, error) {
	return a.outbox(ctx, a.Config())
}

func (a *App) outbox(ctx context.Context, cfg config.Config) (*deliver.Outbox, mail.Sender, string, error) {
	st, err := a.Store(ctx)
	if err != nil {
		return nil, nil, "", err
	}
	sender, where := a.sender(cfg)
	return deliver.New(st, sender, deliver.Options{From: cfg.Mail.From, Rate: cfg.Mail.Rate, Logger: a.log,
		Observe: a.metricsOrNil().ObserveDelivery}), sender, where, nil
}

// Service returns the operations over the database for the command line,
// made once; Close closes it.
func (a *App) Service(ctx context.Context) (*service.Service, error) {
	a.mu.RLock()
	svc := a.svc
	a.mu.RUnlock()
	if svc != nil {
		return svc, nil
	}
	svc, err := a.newService(ctx, a.Config(), false)
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.svc != nil { // made meanwhile
		svc.Close()
		return a.svc, nil
	}
	a.svc = svc
	return svc, nil
}

// newService builds the operations; with send, a retry in the outbox
// sends what is due at once (the daemon's web pages and API), else it
// leaves that to the caller.
func (a *App) newService(ctx context.Context, cfg config.Config, send bool) (*service.Service, error) {
	st, err := a.Store(ctx)
	if err != nil {
		return nil, err
	}
	var poller *ingest.Poller
	var pollerMu sync.Mutex
	var sendNow func(ctx context.Context) (deliver.Summary, error)
	if send {
		sendNow = func(ctx context.Context) (deliver.Summary, error) {
			ob, sender, _, err := a.outbox(ctx, cfg)
			if err != nil {
				return deliver.Summary{}, err
			}
			defer sender.Close()
			return ob.Drain(ctx)
		}
	}
	fetcher := a.fetcher(cfg)
	return service.New(service.Options{
		Store: st, Fetcher: fetcher,
		Topics: a.topicsOrNone,
		Poll: func(ctx context.Context, f model.Feed) ingest.FeedResult {
			pollerMu.Lock()
			defer pollerMu.Unlock()
			if poller == nil {
				p, err := a.poller(ctx, cfg)
				if err != nil {
					return ingest.FeedResult{Feed: f, Outcome: ingest.OutcomeFailed, Err: err}
				}
				poller = p
			}
			return poller.PollFeed(ctx, f)
		},
		Send: sendNow,
		PreviewDigest: func(ctx context.Context, topicID string) (service.DigestPreview, error) {
			return a.previewDigest(ctx, cfg, topicID)
		},
		OnClose: func() {
			fetcher.Close()
			pollerMu.Lock()
			defer pollerMu.Unlock()
			if poller != nil {
				poller.Close()
			}
		},
		Logger: a.log,
	})
}

// previewDigest renders a topic's next digest for its first active
// subscriber (or a stand-in) without recording anything, as `digest
// --preview` does.
func (a *App) previewDigest(ctx context.Context, cfg config.Config, topicID string) (service.DigestPreview, error) {
	b, err := a.digestBuilder(ctx, cfg)
	if err != nil {
		return service.DigestPreview{}, err
	}
	set, err := a.Topics()
	if err != nil {
		return service.DigestPreview{}, err
	}
	t, ok := set.Topic(topicID)
	if !ok {
		return service.DigestPreview{}, fmt.Errorf("unknown topic %q", topicID)
	}
	p, err := b.Preview(ctx, t)
	if err != nil {
		return service.DigestPreview{}, err
	}
	st, err := a.Store(ctx)
	if err != nil {
		return service.DigestPreview{}, err
	}
	recipient := model.Subscription{Email: "preview@example.invalid", TopicID: t.ID}
	if subs, err := st.ActiveSubscriptions(ctx, t.ID); err == nil && len(subs) > 0 {
		recipient = subs[0]
	}
	r, err := b.RenderPreview(p, recipient)
	if err != nil {
		return service.DigestPreview{}, err
	}
	return service.DigestPreview{TopicID: t.ID, Subject: r.Subject, HTML: r.HTML, Text: r.Text, Items: len(p.Items),
		Recipient: recipient.Email, FromSeq: p.FromSeq, ToSeq: p.ToSeq, Nothing: len(p.Items) == 0}, nil
}
