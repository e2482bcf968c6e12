// Package app is feedwatch as a program. App turns a config.Config into
// the parts that do the work (the store, the topics, the fetcher, poller,
// digest builder, outbox, the operations of internal/service and the web
// handler), and Daemon runs them: the jobs on their schedules, the reloads
// of the config file and the topics file, the web server, the lock on the
// database and the order of shutdown.
//
// cmd/feedwatch reads flags and finds the config file, calls in here and
// prints; its one-off commands and the daemon build each part the same
// way, here. This package wires and schedules; what a part does is decided
// in that part's own package (ingest polls, digest selects and renders,
// deliver sends, service changes). The scheduler itself is internal/daemon;
// the operations, internal/service, own no schedule and no server, which
// is why the daemon is neither of them.
package app

import (
	"context"
	"log/slog"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/feedwatch/feedwatch/internal/config"
	"github.com/feedwatch/feedwatch/internal/metrics"
	"github.com/feedwatch/feedwatch/internal/model"
	"github.com/feedwatch/feedwatch/internal/service"
	"github.com/feedwatch/feedwatch/internal/store"
	"github.com/feedwatch/feedwatch/internal/topic"
)

// Options are what an App needs besides the config.
type Options struct {
	// Environ is where the config's *_env keys are looked up (secrets,
	// passwords); os.Environ() in production.
	Environ []string
	Logger  *slog.Logger
	// Version is the program's, for the fetcher's User-Agent and the API.
	Version string
	// SetMemoryLimit makes memory_limit the process's soft memory limit:
	// debug.SetMemoryLimit in the program. Nil leaves the limit alone, as
	// commands run in-process by tests must.
	SetMemoryLimit func(int64) int64
}

// App holds what has been opened for one config, so that each part is
// opened once and closed at the end. Its methods are safe for concurrent
// use: the daemon's jobs, its web server and a reload share one App.
type App struct {
	environ        []string
	log            *slog.Logger
	version        string
	setMemoryLimit func(int64) int64

	mu      sync.RWMutex
	cfg     config.Config // a reload replaces it
	topics  *topic.Set    // nil until read; a reload replaces it
	st      *store.Store
	metrics *metrics.Metrics // nil outside the daemon; its methods are nil-safe
	svc     *service.Service
}

// New returns the App for cfg. Nothing is opened until asked for.
func New(cfg config.Config, opts Options) *App {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Version == "" {
		opts.Version = "dev"
	}
	a := &App{environ: opts.Environ, log: opts.Logger, version: opts.Version, setMemoryLimit: opts.SetMemoryLimit, cfg: cfg}
	a.applyMemoryLimit(cfg)
	return a
}

// applyMemoryLimit sets the runtime's soft memory limit to memory_limit,
// unless GOMEMLIMIT is in the environment: the runtime has read that at
// start, and the operator's word for this process wins over the file.
func (a *App) applyMemoryLimit(cfg config.Config) {
	if a.setMemoryLimit == nil || a.getenv("GOMEMLIMIT") != "" {
		return
	}
	limit := int64(cfg.MemoryLimit)
	if limit == 0 {
		limit = math.MaxInt64 // the runtime's "no limit"
	}
	a.setMemoryLimit(limit)
}

func (a *App) getenv(name string) string {
	for _, kv := range a.environ {
		if k, v, ok := strings.Cut(kv, "="); ok && k == name {
			return v
		}
	}
	return ""
}

// Config is the configuration in force.
func (a *App) Config() config.Config {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.cfg
}

func (a *App) setConfig(cfg config.Config) {
	a.mu.Lock()
	a.cfg = cfg
	a.mu.Unlock()
}

// Logger is the program's logger.
func (a *App) Logger() *slog.Logger { return a.log }

// Environ is the environment the config's *_env keys are read from.
func (a *App) Environ() []string { return a.environ }

// setMetrics makes the outboxes built from now on count deliveries in m.
func (a *App) setMetrics(m *metrics.Metrics) {
	a.mu.Lock()
	a.metrics = m
	a.mu.Unlock()
}

func (a *App) metricsOrNil() *metrics.Metrics {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.metrics
}

// Store opens the database once, and brings the config file's feeds, when
// a file was read, into it.
func (a *App) Store(ctx context.Context) (*store.Store, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.st != nil {
		return a.st, nil
	}
	st, err := store.Open(ctx, a.cfg.Database)
	if err != nil {
		return nil, err
	}
	if a.cfg.Path == "" && len(a.cfg.Feeds) == 0 {
		// No config file was read (no --config, no $FEEDWATCH_CONFIG, no
		// ./config/feedwatch.yaml) and nothing declares feeds: syncing an
		// empty list would turn the daemon's config feeds into ones
		// `feeds remove` can delete. (The demo declares its feeds
		// without a file.)
		a.st = st
		return st, nil
	}
	if err := st.SyncConfigFeeds(ctx, configFeeds(a.cfg, a.environ)); err != nil {
		st.Close()
		return nil, err
	}
	a.st = st
	return st, nil
}

// configFeeds are the feeds cfg declares, as the store keeps them.
func configFeeds(cfg config.Config, environ []string) []model.Feed {
	feeds := make([]model.Feed, 0, len(cfg.Feeds))
	for _, f := range cfg.Feeds {
		feeds = append(feeds, model.Feed{URL: f.URL, Title: f.Title, Enabled: !f.Disabled, Interval: time.Duration(f.Interval),
			Username: f.Username, Password: config.FeedPassword(f, environ)})
	}
	return feeds
}

// Close closes the command line's service and the database.
func (a *App) Close() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.svc != nil {
		a.svc.Close()
		a.svc = nil
	}
	if a.st != nil {
		a.st.Close()
		a.st = nil
	}
}
