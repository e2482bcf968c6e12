package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/feedwatch/feedwatch/internal/config"
	"github.com/feedwatch/feedwatch/internal/daemon"
	"github.com/feedwatch/feedwatch/internal/deliver"
	"github.com/feedwatch/feedwatch/internal/digest"
	"github.com/feedwatch/feedwatch/internal/ingest"
	"github.com/feedwatch/feedwatch/internal/mail"
	"github.com/feedwatch/feedwatch/internal/metrics"
	"github.com/feedwatch/feedwatch/internal/model"
	"github.com/feedwatch/feedwatch/internal/service"
	"github.com/feedwatch/feedwatch/internal/store"
	"github.com/feedwatch/feedwatch/internal/topic"
	"github.com/feedwatch/feedwatch/internal/web"
)

func cmdRun(ctx context.Context, a *app, args []string) error {
	fs := newFlags(a, "run", "[--config F]", "Run the daemon: poll feeds and send each topic's digest on their schedules.\nSIGINT/SIGTERM stop it cleanly (a second signal exits at once); SIGHUP reloads\nthe config file (feeds, polling, retention, mail, templates, the web server's\nsettings) and the topics file.")
	a.configFlagVar(fs)
	grace := fs.Duration("shutdown-timeout", 30*time.Second, "how long in-flight work may take to finish on shutdown")
	if rest, err := parseFlags(fs, args); err != nil {
		return err
	} else if len(rest) > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, rest[0])
	}
	// SIGHUP is caught from the start: its default action ends the
	// process, and a reload sent while the daemon is still starting (as
	// systemd's ExecReload may) is then applied once it has started.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	cfg, err := a.loadConfig()
	if err != nil {
		return err
	}
	log := a.logger()
	unlock, err := lockDaemon(cfg.Database)
	if err != nil {
		return err
	}
	// The database is closed before the lock is let go, so that a daemon
	// started right after this one never shares the file with it.
	defer func() {
		a.close()
		unlock()
	}()

	// Check everything before starting anything, so that a broken topics
	// file or template fails at start, not at send time.
	if cfg.Web.Listen != "" {
		if err := cfg.CheckAdmin(a.environ); err != nil {
			return err
		}
	}
	set, err := a.loadTopics("")
	if err != nil {
		return err
	}
	// Opened before the metrics, whose store collector (feeds by status,
	// items, the outbox) needs it.
	st, err := a.openStore(ctx)
	if err != nil {
		return err
	}
	if n, err := st.RecountItems(ctx); err != nil {
		return err
	} else if n > 0 {
		log.Warn("feeds' item counts corrected: an older feedwatch wrote to this database", "feeds", n)
	}
	a.metrics = metrics.New(st)
	// Each topic's series, and its last digest's time, from the start:
	// alerts on "time since the last digest" survive a restart.
	observeTopics := func(set *topic.Set) {
		for _, t := range set.Topics() {
			last, err := st.LastDigest(ctx, t.ID)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				log.Warn("last digest time not known to the metrics", "topic", t.ID, "error", err)
			}
			a.metrics.Topic(t.ID, last.CreatedAt)
		}
	}
	observeTopics(set)
	first, err := newPipeline(ctx, a)
	if err != nil {
		return err
	}
	var cur atomic.Pointer[pipeline] // swapped whole by a reload
	cur.Store(first)
	defer func() { cur.Load().sender.Close() }()
	where := first.where

	sched := daemon.New(log, time.Local)
	var lastPoll atomic.Int64 // unix nanoseconds of the last finished poll run
	drain := func(ctx context.Context) error {
		_, err := cur.Load().outbox.Drain(ctx)
		return err
	}
	pollJob := func(ctx context.Context) error {
		sum, err := cur.Load().poller.PollDue(ctx, false, func(r ingest.FeedResult) {
			a.metrics.ObservePoll(string(r.Outcome), r.Err, r.New, r.MatchesByTopic)
		})
		a.metrics.ObservePollRun(time.Now())
		lastPoll.Store(time.Now().UnixNano())
		if err == nil || errors.Is(err, context.Canceled) {
			log.Info("poll done", "feeds", sum.Feeds, "ok", sum.OK, "failed", sum.Failed, "new_items", sum.New, "matches", sum.Matches, "duration_ms", sum.Duration.Milliseconds())
		}
		// Instant alerts go out in the poll cycle that found their
		// matches; when a dispatch is already running, the next one a
		// minute later takes them.
		if ctx.Err() == nil {
			sched.RunNow("dispatch")
		}
		return err
	}
	if err := sched.Add("poll", cfg.Poll.Schedule, pollJob); err != nil {
		return fmt.Errorf("poll.schedule: %w", err)
	}
	if err := sched.Add("outbox", "@every 1m", drain); err != nil {
		return err
	}
	// The retention a reload sets is read by each run.
	var retention atomic.Int64
	retention.Store(int64(cfg.Retention.MaxAge))
	{
		if err := sched.Add("prune", "@every 1h", func(ctx context.Context) error {
			maxAge := time.Duration(retention.Load())
			if maxAge <= 0 {
				return nil // retention.max_age 0: keep everything
			}
			n, err := st.PruneItems(ctx, time.Now().Add(-maxAge), 500)
			if n > 0 {
				log.Info("pruned old items", "items", n, "older_than", maxAge.String())
			}
			if err != nil {
				return err
			}
			// Sent messages are kept a month for inquiries, then only
			// their record (Message-ID, reply, time) stays.
			m, err := st.PruneSentMessages(ctx, time.Now().Add(-30*24*time.Hour))
			if m > 0 {
				log.Info("emptied old sent messages", "deliveries", m)
			}
			return err
		}); err != nil {
			return err
		}
	}
	if spec := cfg.Backup.Schedule; spec != "" {
		if err := sched.Add("backup", spec, func(ctx context.Context) error {
			start := time.Now()
			info, deleted, err := service.BackupToDir(ctx, cfg.Database, cfg.Backup.Dir, cfg.Backup.Keep, start)
			if info.Path != "" {
				log.Info("database backed up", "file", info.Path, "items", info.Items, "bytes", info.Bytes,
					"deleted_old", len(deleted), "duration_ms", time.Since(start).Milliseconds())
			}
			// A backup written whose old ones could not be deleted still
			// counts as taken; the error is the job's, in the log.
			var written error
			if info.Path == "" {
				written = err
			}
			a.metrics.ObserveBackup(time.Now(), info.Bytes, written)
			return err
		}); err != nil {
			return fmt.Errorf("backup.schedule: %w", err)
		}
	}
	// Every subscription has its own schedule, so one job looks every
	// minute for what is due and sends it.
	if err := sched.Add("dispatch", "@every 1m", func(ctx context.Context) error {
		res, err := cur.Load().builder.Dispatch(ctx, a.currentTopics().(*topic.Set), "")
		for id := range res.Topics {
			a.metrics.ObserveDigest(id, time.Now())
		}
		if res.Mails > 0 || res.Lost > 0 {
			log.Info("mails queued", "mails", res.Mails, "moved_without_mail", res.Moved, "left_to_next_dispatch", res.Lost)
		}
		if err != nil {
			return err
		}
		return drain(ctx)
	}); err != nil {
		return err
	}

	// reload runs from the file watcher and on SIGHUP: one at a time.
	var reloadMu sync.Mutex
	reload := func(reason string) {
		reloadMu.Lock()
		defer reloadMu.Unlock()
		next, err := a.readConfiguredTopics(cfg)
		if err != nil {
			log.Error("topics not reloaded: the previous rules stay in force", "reason", reason, "error", err)
			return
		}
		a.setTopics(next)
		observeTopics(next)
		log.Info("topics reloaded", "reason", reason, "topics", len(next.Topics()))
	}
	var web *webServer // nil while web.listen is empty
	// reloadConfig applies a changed config file: its feeds, the polling,
	// mail, retention and web settings and the templates. The database,
	// web.listen, logging, topics_file and backup keep their settings until
	// a restart.
	reloadConfig := func() {
		old := a.cfg
		fresh, err := config.Load(old.Path, a.environ)
		if err != nil {
			log.Error("config not reloaded: the previous settings stay in force", "error", err)
			return
		}
		if fresh.Database != old.Database || fresh.Web.Listen != old.Web.Listen || fresh.Log != old.Log ||
			fresh.TopicsFile != old.TopicsFile || fresh.Backup != old.Backup {
			log.Warn("database, web.listen, log, topics_file and backup changes take effect at the next start")
		}
		fresh.Database, fresh.Web.Listen, fresh.Log, fresh.TopicsFile, fresh.Backup = old.Database, old.Web.Listen, old.Log, old.TopicsFile, old.Backup
		a.cfg = fresh
		a.applyMemoryLimit(fresh)
		next, err := newPipeline(ctx, a)
		var nextWeb *webParts
		if err == nil && web != nil {
			if nextWeb, err = buildWeb(ctx, a, fresh, &lastPoll); err != nil {
				next.sender.Close()
			}
		}
		if err == nil && fresh.Poll.Schedule != old.Poll.Schedule {
			if err = sched.Add("poll", fresh.Poll.Schedule, pollJob); err != nil {
				next.sender.Close()
				if nextWeb != nil {
					nextWeb.close()
				}
			}
		}
		if err != nil {
			a.cfg = old
			log.Error("config not reloaded: the previous settings stay in force", "error", err)
			return
		}
		retention.Store(int64(fresh.Retention.MaxAge))
		prev := cur.Swap(next)
		// A drain or a sign-up may still be using the old senders: close
		// them once that has had time to end.
		time.AfterFunc(2*time.Minute, func() { prev.sender.Close(); prev.poller.Close() })
		if nextWeb != nil {
			prevWeb := web.parts.Swap(nextWeb)
			time.AfterFunc(2*time.Minute, prevWeb.close)
		}
		feeds := make([]model.Feed, 0, len(fresh.Feeds))
		for _, f := range fresh.Feeds {
			feeds = append(feeds, model.Feed{URL: f.URL, Title: f.Title, Enabled: !f.Disabled, Interval: time.Duration(f.Interval),
				Username: f.Username, Password: config.FeedPassword(f, a.environ)})
		}
		if err := st.SyncConfigFeeds(ctx, feeds); err != nil {
			log.Error("config feeds not reloaded", "error", err)
		}
		log.Info("config reloaded", "feeds", len(feeds), "mail", next.where, "poll_schedule", fresh.Poll.Schedule)
	}

	watchCtx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	// topicsPath is watched even before it exists: the rules workbench's
	// first save creates it, and the daemon then switches to it.
	go watchFile(watchCtx, topicsPath(cfg), 2*time.Second, func() { reload("topics file changed") })

	if web, err = startWeb(ctx, a, cfg, &lastPoll); err != nil {
		return err
	}

	log.Info("feedwatch started", "version", version, "config", cfg.Path, "database", cfg.Database, "mail", where,
		"poll_schedule", cfg.Poll.Schedule, "topics", len(set.Topics()))
	sched.Start()
	// Mails whose time passed while feedwatch was down go out at once,
	// one per subscription however many periods it missed, unless the
	// operator said not to.
	if !cfg.Digest.SendMissed {
		if n, err := first.builder.SkipMissed(ctx, set); err != nil {
			log.Warn("missed mails not skipped: they go out now", "error", err)
		} else if n > 0 {
			log.Info("mails missed while feedwatch was down skipped to their next time", "subscriptions", n)
		}
	}
	// Poll at once rather than a schedule's length after start, then send
	// what is due and what an earlier run left in the outbox.
	go func() {
		sched.RunNow("poll")
		sched.RunNow("dispatch")
		sched.RunNow("outbox")
	}()

	for {
		select {
		case <-hup:
			reloadConfig()
			reload("SIGHUP")
			continue
		case <-ctx.Done():
		}
		break
	}
	// A second signal now ends the process at once.
	if a.stopSignals != nil {
		a.stopSignals()
	}
	log.Info("shutting down: finishing in-flight work", "timeout", grace.String())
	stopCtx, cancel := context.WithTimeout(context.Background(), *grace)
	defer cancel()
	if web != nil {
		if err := web.srv.Shutdown(stopCtx); err != nil {
			log.Warn("web server shutdown", "error", err)
		}
		web.parts.Load().close()
	}
	if !sched.Stop(stopCtx) {
		log.Warn("shutdown deadline passed with jobs still running")
	}
	log.Info("feedwatch stopped")
	return nil
}

// pipeline is what the daemon's jobs run with; a config reload builds a
// new one and swaps it in whole.
type pipeline struct {
	poller  *ingest.Poller
	builder *digest.Builder
	outbox  *deliver.Outbox
	sender  mail.Sender
	where   string
}

func newPipeline(ctx context.Context, a *app) (*pipeline, error) {
	poller, err := a.poller(ctx)
	if err != nil {
		return nil, err
	}
	builder, err := a.digestBuilder(ctx)
	if err != nil {
		return nil, err
	}
	outbox, sender, where, err := a.outbox(ctx)
	if err != nil {
		return nil, err
	}
	return &pipeline{poller: poller, builder: builder, outbox: outbox, sender: sender, where: where}, nil
}

// webServer is the daemon's web server. Its handler is rebuilt by a config
// reload, so that mail settings, the signing key, admin credentials, limits
// and the readiness schedule follow the file as the jobs do; only the
// listening address needs a restart.
type webServer struct {
	srv   *http.Server
	parts atomic.Pointer[webParts]
}

// webParts is one build of the handler with the sender its sign-up mails go
// through.
type webParts struct {
	handler http.Handler
	sender  mail.Sender
	service *service.Service
}

// close releases the parts' connections once no request uses them.
func (p *webParts) close() {
	p.sender.Close()
	p.service.Close()
}

func (w *webServer) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	w.parts.Load().handler.ServeHTTP(rw, r)
}

// buildWeb makes the web handler for cfg.
func buildWeb(ctx context.Context, a *app, cfg config.Config, lastPoll *atomic.Int64) (*webParts, error) {
	r, secret, dkim, err := a.mailParts(ctx, cfg)
	if err != nil {
		return nil, err
	}
	pollSched, err := daemon.ParseSchedule(cfg.Poll.Schedule)
	if err != nil {
		return nil, err
	}
	// The last poll is late when two of its periods (at least 15 minutes)
	// have passed without one finishing.
	next := pollSched.Next(time.Now())
	late := max(2*pollSched.Next(next).Sub(next), 15*time.Minute)
	started := time.Now()
	ready := func(ctx context.Context) error {
		last := time.Unix(0, lastPoll.Load())
		if lastPoll.Load() == 0 || last.Before(started) {
			last = started // a reload restarts the clock: the schedule may have changed
		}
		if time.Since(last) > late {
			return fmt.Errorf("last poll finished %s ago (expected every %s)", time.Since(last).Round(time.Second), late/2)
		}
		return nil
	}
	svc, err := a.newService(ctx, true)
	if err != nil {
		return nil, err
	}
	sender, _ := a.sender(cfg)
	h, err := web.New(web.Options{
		Service: svc, Version: version,
		DKIM:  dkim,
		Store: a.store, Topics: func() *topic.Set { a.mu.RLock(); defer a.mu.RUnlock(); return a.topics },
		Renderer: r, Sender: sender, From: cfg.Mail.From, BaseURL: cfg.Web.BaseURL, Secret: secret,
		AdminUser: cfg.Web.AdminUser, AdminPassword: cfg.AdminPassword(a.environ), AdminToken: cfg.AdminToken(a.environ),
		TopicsFile: topicsPath(cfg), BuiltinTopics: builtinTopics(), DataDir: cfg.DataDir,
		PreviewDays: cfg.Web.PreviewDays, SubscribeRate: cfg.Web.SubscribeRate,
		TrustProxy: cfg.Web.TrustProxy, MetricsToken: cfg.MetricsToken(a.environ),
		Ready: ready, Metrics: a.metrics, Logger: a.logger(),
	})
	if err != nil {
		sender.Close()
		svc.Close()
		return nil, err // web.New's errors say "web:"
	}
	return &webParts{handler: h, sender: sender, service: svc}, nil
}

// startWeb starts the web server when web.listen is set. Listening happens
// here, so that a taken port fails the start instead of a later log line.
func startWeb(ctx context.Context, a *app, cfg config.Config, lastPoll *atomic.Int64) (*webServer, error) {
	if cfg.Web.Listen == "" {
		return nil, nil
	}
	log := a.logger()
	parts, err := buildWeb(ctx, a, cfg, lastPoll)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", cfg.Web.Listen)
	if err != nil {
		parts.close()
		return nil, fmt.Errorf("web.listen: %w", err)
	}
	w := &webServer{}
	w.parts.Store(parts)
	w.srv = &http.Server{
		Handler:           w,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	go func() {
		if err := w.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("web server stopped", "error", err)
		}
	}()
	log.Info("web server listening", "addr", ln.Addr().String(), "base_url", cfg.Web.BaseURL,
		"admin", cfg.Web.AdminUser != "" || cfg.AdminToken(a.environ) != "")
	return w, nil
}

// watchFile calls changed when path's modification time or size changes.
// Polling the file keeps this free of platform-specific notification APIs
// and works on network file systems and with editors that replace files.
func watchFile(ctx context.Context, path string, every time.Duration, changed func()) {
	if path == "" {
		return
	}
	stat := func() (time.Time, int64) {
		fi, err := os.Stat(path)
		if err != nil {
			return time.Time{}, -1
		}
		return fi.ModTime(), fi.Size()
	}
	mod, size := stat()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		m, s := stat()
		if s >= 0 && (!m.Equal(mod) || s != size) {
			mod, size = m, s
			changed()
		}
	}
}

// lockDaemon takes an exclusive lock beside the database so that a second
// daemon on the same file refuses to start. CLI commands do not take it.
func lockDaemon(dbPath string) (func(), error) {
	path := dbPath + ".lock"
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o640)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		pid, _ := os.ReadFile(path)
		return nil, fmt.Errorf("another feedwatch daemon is running on %s (pid %s, lock %s); stop it first", dbPath, string(pid), path)
	}
	f.Truncate(0)
	fmt.Fprintf(f, "%d", os.Getpid())
	return func() { f.Close() }, nil
}
