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
}

func (a *app) close() {
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
	path := override
	if path == "" {
		cfg, err := a.loadConfig()
		if err != nil {
			return nil, err
		}
		path = cfg.TopicsFile
	}
	set, err := readTopics(path)
	if err != nil {
		return nil, err
	}
	a.setTopics(set)
	return set, nil
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
		BaseURL: cfg.Web.BaseURL, Secret: secret, DKIM: dkim, Logger: a.logger()}), nil
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

var errNotSupported = errors.New("not yet supported")
