package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	feedwatch "github.com/feedwatch/feedwatch"
	"github.com/feedwatch/feedwatch/internal/config"
	"github.com/feedwatch/feedwatch/internal/deliver"
	"github.com/feedwatch/feedwatch/internal/digest"
	"github.com/feedwatch/feedwatch/internal/fetch"
	"github.com/feedwatch/feedwatch/internal/ingest"
	"github.com/feedwatch/feedwatch/internal/mail"
	"github.com/feedwatch/feedwatch/internal/metrics"
	"github.com/feedwatch/feedwatch/internal/model"
	"github.com/feedwatch/feedwatch/internal/render"
	"github.com/feedwatch/feedwatch/internal/service"
	"github.com/feedwatch/feedwatch/internal/store"
	"github.com/feedwatch/feedwatch/internal/token"
	"github.com/feedwatch/feedwatch/internal/topic"
	"github.com/mattn/go-isatty"
)

// defaultConfigPath is read when it exists and nothing else is named.
const defaultConfigPath = "config/feedwatch.yaml"

// app holds what a command has opened, so that each is opened once and
// closed at the end.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	environ        []string
	stopSignals    func()

	configFlag string
	cfg        config.Config
	log        *slog.Logger
	store      *store.Store
	metrics    *metrics.Metrics // nil outside the daemon; its methods are nil-safe

	mu     sync.RWMutex
	topics *topic.Set

	svc *service.Service
}

func (a *app) close() {
	if a.svc != nil {
		a.svc.Close()
	}
	if a.store != nil {
		a.store.Close()
		a.store = nil
	}
}

// configFlagVar adds --config to fs.
func (a *app) configFlagVar(fs *flag.FlagSet) {
	fs.StringVar(&a.configFlag, "config", "", "configuration file (default $FEEDWATCH_CONFIG, else ./"+defaultConfigPath+" when present)")
}

func (a *app) getenv(name string) string {
	for _, kv := range a.environ {
		if k, v, ok := strings.Cut(kv, "="); ok && k == name {
			return v
		}
	}
	return ""
}

// loadConfig reads the configuration once.
func (a *app) loadConfig() (config.Config, error) {
	if a.cfg.DataDir != "" {
		return a.cfg, nil
	}
	path := a.configFlag
	if path == "" {
		path = a.getenv("FEEDWATCH_CONFIG")
	}
	if path == "" {
		if _, err := os.Stat(defaultConfigPath); err == nil {
			path = defaultConfigPath
		}
	}
	cfg, err := config.Load(path, a.environ)
	if err != nil {
		return config.Config{}, err
	}
	a.cfg = cfg
	a.applyMemoryLimit(cfg)
	a.log = newLogger(a.stderr, cfg.Log)
	for _, w := range cfg.Warnings {
		a.log.Warn(w)
	}
	return cfg, nil
}

// applyMemoryLimit sets the runtime's soft memory limit to memory_limit,
// unless GOMEMLIMIT is in the environment: the runtime has read that at
// start, and the operator's word for this process wins over the file.
func (a *app) applyMemoryLimit(cfg config.Config) {
	if a.getenv("GOMEMLIMIT") != "" {
		return
	}
	limit := int64(cfg.MemoryLimit)
	if limit == 0 {
		limit = math.MaxInt64 // the runtime's "no limit"
	}
	setMemoryLimit(limit)
}

func newLogger(w io.Writer, c config.Log) *slog.Logger {
	level := map[string]slog.Level{"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError}[c.Level]
	opts := &slog.HandlerOptions{Level: level}
	format := c.Format
	if format == "auto" {
		format = "json"
		if f, ok := w.(*os.File); ok && isatty.IsTerminal(f.Fd()) {
			format = "text"
		}
	}
	if format == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

func (a *app) logger() *slog.Logger {
	if a.log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return a.log
}

// openStore opens the database and brings the config file's feeds, when a
// file was read, into it.
func (a *app) openStore(ctx context.Context) (*store.Store, error) {
	if a.store != nil {
		return a.store, nil
	}
	cfg, err := a.loadConfig()
	if err != nil {
		return nil, err
	}
	st, err := store.Open(ctx, cfg.Database)
	if err != nil {
		return nil, err
	}
	if cfg.Path == "" && len(cfg.Feeds) == 0 {
		// No config file was read (no --config, no $FEEDWATCH_CONFIG, no
		// ./config/feedwatch.yaml) and nothing declares feeds: syncing an
		// empty list would turn the daemon's config feeds into ones
		// `feeds remove` can delete. (The demo declares its feeds
		// without a file.)
		a.store = st
		return st, nil
	}
	feeds := make([]model.Feed, 0, len(cfg.Feeds))
	for _, f := range cfg.Feeds {
		feeds = append(feeds, model.Feed{URL: f.URL, Title: f.Title, Enabled: !f.Disabled, Interval: time.Duration(f.Interval),
			Username: f.Username, Password: config.FeedPassword(f, a.environ)})
	}
	if err := st.SyncConfigFeeds(ctx, feeds); err != nil {
		st.Close()
		return nil, err
	}
	a.store = st
	return st, nil
}

// loadTopics reads the topics file (or the built-in one) once.
func (a *app) loadTopics(override string) (*topic.Set, error) {
	a.mu.RLock()
	t := a.topics
	a.mu.RUnlock()
	if t != nil && override == "" {
		return t, nil
	}
	var set *topic.Set
	if override != "" {
		s, err := readTopics(override)
		if err != nil {
			return nil, err
		}
		set = s
	} else {
		cfg, err := a.loadConfig()
		if err != nil {
			return nil, err
		}
		if set, err = a.readConfiguredTopics(cfg); err != nil {
			return nil, err
		}
	}
	a.setTopics(set)
	return set, nil
}

// topicsPath is the topics file feedwatch reads and the rules workbench
// saves: topics_file, or when that is empty topics.yaml in the data
// folder, which exists once the workbench has saved (until then the
// built-in topics are in use). The daemon watches this path, so the
// workbench's first save switches it to the new file.
func topicsPath(cfg config.Config) string {
	if cfg.TopicsFile != "" {
		return cfg.TopicsFile
	}
	return filepath.Join(cfg.DataDir, "topics.yaml")
}

// readConfiguredTopics reads the topics cfg names (topicsPath): the file,
// first copied from topics_seed when it does not exist yet; or the
// built-in topics while no topics_file is set and the workbench has made
// no file in the data folder.
func (a *app) readConfiguredTopics(cfg config.Config) (*topic.Set, error) {
	path := topicsPath(cfg)
	if cfg.TopicsFile != "" && cfg.TopicsSeed != "" {
		created, err := seedFile(path, cfg.TopicsSeed)
		if err != nil {
			return nil, fmt.Errorf("topics_seed: %w", err)
		}
		if created {
			a.logger().Info("topics file created from the seed", "file", path, "seed", cfg.TopicsSeed)
		}
	}
	if cfg.TopicsFile == "" {
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			return readTopics("")
		}
	}
	return readTopics(path)
}

// seedFile copies seed to path unless path exists, and reports whether
// it did. The copy is made beside path and renamed, so a reader never
// sees half a file, and two starts at once cannot both write it.
func seedFile(path, seed string) (bool, error) {
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		return false, nil // there, or unreadable: reading it says which
	}
	data, err := os.ReadFile(seed)
	if err != nil {
		return false, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return false, fmt.Errorf("create %s from %s: %w", path, seed, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".seed-*")
	if err != nil {
		return false, fmt.Errorf("create %s from %s: %w", path, seed, err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(data)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err == nil {
		// A link fails when path appeared meanwhile, where a rename would
		// replace it.
		err = os.Link(tmp.Name(), path)
		if errors.Is(err, fs.ErrExist) {
			return false, nil
		}
	}
	if err != nil {
		return false, fmt.Errorf("create %s from %s: %w", path, seed, err)
	}
	return true, nil
}

// builtinTopics is the text of the built-in topics file, which the rules
// workbench opens while no topics file exists.
func builtinTopics() []byte {
	b, _ := fs.ReadFile(feedwatch.Defaults, "config/topics.yaml")
	return b
}

func readTopics(path string) (*topic.Set, error) {
	if path == "" {
		f, err := feedwatch.Defaults.Open("config/topics.yaml")
		if err != nil {
			return nil, fmt.Errorf("built-in topics: %w", err)
		}
		defer f.Close()
		return topic.Parse(f, "built-in config/topics.yaml")
	}
	return topic.Load(path)
}

func (a *app) setTopics(s *topic.Set) {
	a.mu.Lock()
	a.topics = s
	a.mu.Unlock()
}

// currentTopics is what the poller matches against; reloads swap it.
func (a *app) currentTopics() ingest.Matcher {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.topics
}

func (a *app) templatesFS(cfg config.Config) (fs.FS, error) {
	base, err := fs.Sub(feedwatch.Defaults, "templates")
	if err != nil {
		return nil, err
	}
	if cfg.TemplatesDir == "" {
		return base, nil
	}
	return render.Overlay(base, cfg.TemplatesDir), nil
}

func (a *app) renderer(cfg config.Config) (*render.Renderer, error) {
	fsys, err := a.templatesFS(cfg)
	if err != nil {
		return nil, err
	}
	return render.New(fsys)
}

func (a *app) fetcher(cfg config.Config) *fetch.Client {
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
		UserAgent:    fmt.Sprintf("feedwatch/%s (+%s)", version, cfg.Poll.Contact),
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

func (a *app) poller(ctx context.Context) (*ingest.Poller, error) {
	cfg, err := a.loadConfig()
	if err != nil {
		return nil, err
	}
	st, err := a.openStore(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := a.loadTopics(""); err != nil {
		return nil, err
	}
	return ingest.New(st, a.fetcher(cfg), a.currentTopics, ingest.Options{
		Workers: cfg.Poll.Workers, PerHost: cfg.Poll.PerHost,
		Interval: time.Duration(cfg.Poll.Interval), MinInterval: time.Duration(cfg.Poll.MinInterval),
		MaxInterval: time.Duration(cfg.Poll.MaxInterval), MaxAge: time.Duration(cfg.Retention.MaxAge),
		MaxEntries: cfg.Poll.MaxEntries, Logger: a.logger(),
	}), nil
}

// service returns the operations over the database, for the command line
// (and, in the daemon, the web and the API).
func (a *app) service(ctx context.Context) (*service.Service, error) {
	if a.svc != nil {
		return a.svc, nil
	}
	svc, err := a.newService(ctx, false)
	if err != nil {
		return nil, err
	}
	a.svc = svc
	return svc, nil
}

// newService builds the operations; with send, a retry in the outbox
// sends what is due at once (the daemon's web pages and API), else it
// leaves that to the caller.
func (a *app) newService(ctx context.Context, send bool) (*service.Service, error) {
	cfg, err := a.loadConfig()
	if err != nil {
		return nil, err
	}
	st, err := a.openStore(ctx)
	if err != nil {
		return nil, err
	}
	var poller *ingest.Poller
	var pollerMu sync.Mutex
	var sendNow func(ctx context.Context) (deliver.Summary, error)
	if send {
		sendNow = func(ctx context.Context) (deliver.Summary, error) {
			ob, sender, _, err := a.outbox(ctx)
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
				p, err := a.poller(ctx)
				if err != nil {
					return ingest.FeedResult{Feed: f, Outcome: ingest.OutcomeFailed, Err: err}
				}
				poller = p
			}
			return poller.PollFeed(ctx, f)
		},
		Send: sendNow,
		PreviewDigest: func(ctx context.Context, topicID string) (service.DigestPreview, error) {
			return a.previewDigest(ctx, topicID)
		},
		Logger: a.logger(),
	})
}

// topicsOrNone is the topics for the service, read when an operation
// first needs them: commands on feeds, the outbox or API keys work with a
// broken topics file, and one that needs topics says what is wrong with it
// (the commands that take a topic read the file first and stop there).
func (a *app) topicsOrNone() *topic.Set {
	set, err := a.loadTopics("")
	if err != nil {
		a.logger().Error("topics", "error", err)
		empty, _ := topic.New(nil)
		return empty
	}
	return set
}

// previewDigest renders a topic's next digest for its first active
// subscriber (or a stand-in) without recording anything, as `digest
// --preview` does.
func (a *app) previewDigest(ctx context.Context, topicID string) (service.DigestPreview, error) {
	b, err := a.digestBuilder(ctx)
	if err != nil {
		return service.DigestPreview{}, err
	}
	set, err := a.loadTopics("")
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
	recipient := model.Subscription{Email: "preview@example.invalid", TopicID: t.ID}
	if subs, err := a.store.ActiveSubscriptions(ctx, t.ID); err == nil && len(subs) > 0 {
		recipient = subs[0]
	}
	r, err := b.RenderPreview(p, recipient)
	if err != nil {
		return service.DigestPreview{}, err
	}
	return service.DigestPreview{TopicID: t.ID, Subject: r.Subject, HTML: r.HTML, Text: r.Text, Items: len(p.Items),
		Recipient: recipient.Email, FromSeq: p.FromSeq, ToSeq: p.ToSeq, Nothing: len(p.Items) == 0}, nil
}

// secret returns the key that signs links, made and stored on first use.
func (a *app) secret(ctx context.Context) ([]byte, error) {
	st, err := a.openStore(ctx)
	if err != nil {
		return nil, err
	}
	if cfg, err := a.loadConfig(); err == nil {
		if env := cfg.Secret(a.environ); env != "" {
			return []byte(env), nil
		}
	}
	s, err := st.SettingOrInit(ctx, "token_secret", token.NewSecret)
	if err != nil {
		return nil, err
	}
	return []byte(s), nil
}

func (a *app) digestBuilder(ctx context.Context) (*digest.Builder, error) {
	cfg, err := a.loadConfig()
	if err != nil {
		return nil, err
	}
	st, err := a.openStore(ctx)
	if err != nil {
		return nil, err
	}
	r, secret, dkim, err := a.mailParts(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return digest.New(st, r, digest.Options{From: cfg.Mail.From, UnsubscribeMailto: cfg.Mail.UnsubscribeMailto,
		BaseURL: cfg.Web.BaseURL, Secret: secret, DKIM: dkim, AlertsPerHour: cfg.Alerts.MaxPerHour, Logger: a.logger()}), nil
}

// mailParts are what every mail feedwatch writes needs: the templates, the
// key that signs its links and the DKIM signer.
func (a *app) mailParts(ctx context.Context, cfg config.Config) (*render.Renderer, []byte, *mail.DKIM, error) {
	r, err := a.renderer(cfg)
	if err != nil {
		return nil, nil, nil, err
	}
	secret, err := a.secret(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	dkim, err := loadDKIM(cfg)
	if err != nil {
		return nil, nil, nil, err
	}
	return r, secret, dkim, nil
}

// loadDKIM reads the signing key when mail.dkim is set (nil otherwise).
func loadDKIM(cfg config.Config) (*mail.DKIM, error) {
	d := cfg.Mail.DKIM
	if d.Domain == "" {
		return nil, nil
	}
	return mail.LoadDKIM(d.Domain, d.Selector, d.KeyFile)
}

// sender is SMTP when a host is configured, else .eml files in the outbox folder.
func (a *app) sender(cfg config.Config) (mail.Sender, string) {
	if cfg.Mail.SMTP.Host == "" {
		return mail.NewDir(cfg.Mail.OutboxDir), "eml files in " + cfg.Mail.OutboxDir
	}
	s := cfg.Mail.SMTP
	return mail.NewSMTP(mail.SMTPOptions{
		Host: s.Host, Port: s.Port, TLS: s.TLS, Auth: s.Auth, Username: s.Username,
		Password: cfg.SMTPPassword(a.environ), Timeout: time.Duration(s.Timeout),
	}), fmt.Sprintf("SMTP %s:%d", s.Host, s.Port)
}

func (a *app) outbox(ctx context.Context) (*deliver.Outbox, mail.Sender, string, error) {
	cfg, err := a.loadConfig()
	if err != nil {
		return nil, nil, "", err
	}
	st, err := a.openStore(ctx)
	if err != nil {
		return nil, nil, "", err
	}
	sender, where := a.sender(cfg)
	return deliver.New(st, sender, deliver.Options{From: cfg.Mail.From, Rate: cfg.Mail.Rate, Logger: a.logger(),
		Observe: a.metrics.ObserveDelivery}), sender, where, nil
}

// topicsToRun returns the topic named by id, or all topics when id is empty.
func topicsToRun(set *topic.Set, id string) ([]topic.Topic, error) {
	if id == "" {
		return set.Topics(), nil
	}
	t, ok := set.Topic(id)
	if !ok {
		var ids []string
		for _, t := range set.Topics() {
			ids = append(ids, t.ID)
		}
		return nil, fmt.Errorf("unknown topic %q (topics: %s)", id, strings.Join(ids, ", "))
	}
	return []topic.Topic{t}, nil
}

// interactive says whether a person is at the keyboard: standard input and
// output are both terminals.
func (a *app) interactive() bool {
	f, ok := a.stdin.(*os.File)
	return ok && isatty.IsTerminal(f.Fd()) && isTerminal(a.stdout)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && isatty.IsTerminal(f.Fd())
}

func absPath(p string) string {
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return p
}
