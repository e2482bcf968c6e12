package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/feedwatch/feedwatch/internal/config"
	"github.com/feedwatch/feedwatch/internal/daemon"
	"github.com/feedwatch/feedwatch/internal/deliver"
	"github.com/feedwatch/feedwatch/internal/digest"
	"github.com/feedwatch/feedwatch/internal/ingest"
	"github.com/feedwatch/feedwatch/internal/mail"
	"github.com/feedwatch/feedwatch/internal/metrics"
	"github.com/feedwatch/feedwatch/internal/service"
	"github.com/feedwatch/feedwatch/internal/store"
	"github.com/feedwatch/feedwatch/internal/topic"
)

// DaemonOptions tune a Daemon; the zero value is what `feedwatch run`
// uses.
type DaemonOptions struct {
	// WatchEvery is how often the topics file is looked at for changes
	// (default 2s).
	WatchEvery time.Duration
	// RetireAfter is how long the parts a reload replaced stay open for
	// work that may still be using them: a drain, a sign-up's mail
	// (default 2m). Stop closes them sooner.
	RetireAfter time.Duration
	// Location is the zone of cron specs without CRON_TZ (default
	// time.Local).
	Location *time.Location
}

// Daemon is `feedwatch run`: it polls feeds, dispatches what is due every
// minute and after each poll, drains the outbox, prunes, backs up, serves
// the web pages and the API, and follows changes to the config file
// (Reload) and the topics file (watched). Start, Reload and Stop are what
// a process calls on signals; tests call them in-process.
type Daemon struct {
	app  *App
	opts DaemonOptions
	log  *slog.Logger

	// Set by Start. cfg is the config as started: database, web.listen,
	// log, topics_file and backup keep its values until a restart.
	cfg     config.Config
	st      *store.Store
	metrics *metrics.Metrics
	sched   *daemon.Scheduler
	web     *webServer // nil while web.listen is empty
	unlock  func()
	ctx     context.Context // the daemon's own: reloads and the file watcher; Stop cancels it
	cancel  context.CancelFunc
	bg      sync.WaitGroup // the file watcher and the first runs

	cur       atomic.Pointer[pipeline] // swapped whole by a reload
	retention atomic.Int64             // retention.max_age, which a reload may change
	lastPoll  atomic.Int64             // unix nanoseconds of the last finished poll run

	reloadMu  sync.Mutex // one reload at a time
	retiredMu sync.Mutex
	retired   []*retiredParts

	stateMu sync.Mutex
	started bool
	stopped bool
	running atomic.Bool // between a successful Start and Stop: reloads apply
}

// NewDaemon returns the daemon that runs a's parts. Stop closes a.
func NewDaemon(a *App, opts DaemonOptions) *Daemon {
	if opts.WatchEvery <= 0 {
		opts.WatchEvery = 2 * time.Second
	}
	if opts.RetireAfter <= 0 {
		opts.RetireAfter = 2 * time.Minute
	}
	if opts.Location == nil {
		opts.Location = time.Local
	}
	return &Daemon{app: a, opts: opts, log: a.log}
}

// pipeline is what the daemon's jobs run with; a config reload builds a
// new one and swaps it in whole.
type pipeline struct {
	poller  *ingest.Poller
	builder *digest.Builder
	outbox  *deliver.Outbox
	sender  mail.Sender
	where   string // where mail goes, for the log
}

func (p *pipeline) close() {
	p.sender.Close()
	p.poller.Close()
}

func (d *Daemon) newPipeline(ctx context.Context, cfg config.Config) (*pipeline, error) {
	poller, err := d.app.poller(ctx, cfg)
	if err != nil {
		return nil, err
	}
	builder, err := d.app.digestBuilder(ctx, cfg)
	if err != nil {
		poller.Close()
		return nil, err
	}
	outbox, sender, where, err := d.app.outbox(ctx, cfg)
	if err != nil {
		poller.Close()
		return nil, err
	}
	return &pipeline{poller: poller, builder: builder, outbox: outbox, sender: sender, where: where}, nil
}

// Start takes the lock on the database, checks and builds everything, and
// then starts the jobs, the web server and the watch on the topics file.
// Everything is checked before anything starts, so that a broken topics
// file, template or web setting fails the start rather than a later job.
// ctx bounds the start only: the daemon runs until Stop.
func (d *Daemon) Start(ctx context.Context) (err error) {
	d.stateMu.Lock()
	defer d.stateMu.Unlock()
	if d.started {
		return errors.New("daemon already started")
	}
	d.started = true
	cfg := d.app.Config()
	d.cfg = cfg
	unlock, err := lockDatabase(cfg.Database)
	if err != nil {
		return err
	}
	d.unlock = unlock
	d.ctx, d.cancel = context.WithCancel(context.WithoutCancel(ctx))
	defer func() {
		if err != nil {
			d.abort()
			d.stopped = true // nothing left to stop
		}
	}()

	if cfg.Web.Listen != "" {
		if err := cfg.CheckAdmin(d.app.environ); err != nil {
			return err
		}
	}
	// Stamped before the topics are read, so that an edit made meanwhile
	// is not missed.
	topicsStamp := stampOf(TopicsPath(cfg))
	set, err := d.app.Topics()
	if err != nil {
		return err
	}
	// Opened before the metrics, whose store collector (feeds by status,
	// items, the outbox) needs it.
	if d.st, err = d.app.Store(ctx); err != nil {
		return err
	}
	if n, err := d.st.RecountItems(ctx); err != nil {
		return err
	} else if n > 0 {
		d.log.Warn("feeds' item counts corrected: an older feedwatch wrote to this database", "feeds", n)
	}
	d.metrics = metrics.New(d.st)
	d.app.setMetrics(d.metrics)
	d.observeTopics(ctx, set)
	first, err := d.newPipeline(ctx, cfg)
	if err != nil {
		return err
	}
	d.cur.Store(first)
	d.retention.Store(int64(cfg.Retention.MaxAge))
	if err := d.addJobs(cfg); err != nil {
		return err
	}
	if d.web, err = d.startWeb(ctx, cfg); err != nil {
		return err
	}
	// Mails whose time passed while feedwatch was down go out at once,
	// one per subscription however many periods it missed, unless the
	// operator said not to. Skipped before any dispatch can run.
	if !cfg.Digest.SendMissed {
		if n, err := first.builder.SkipMissed(ctx, set); err != nil {
			d.log.Warn("missed mails not skipped: they go out now", "error", err)
		} else if n > 0 {
			d.log.Info("mails missed while feedwatch was down skipped to their next time", "subscriptions", n)
		}
	}

	d.log.Info("feedwatch started", "version", d.app.version, "config", cfg.Path, "database", cfg.Database, "mail", first.where,
		"poll_schedule", cfg.Poll.Schedule, "topics", len(set.Topics()))
	d.running.Store(true) // reloads apply from here on
	d.sched.Start()
	// Poll at once rather than a schedule's length after start, then send
	// what is due and what an earlier run left in the outbox.
	d.bg.Add(2)
	go func() {
		defer d.bg.Done()
		d.sched.RunNow("poll")
		d.sched.RunNow("dispatch")
		d.sched.RunNow("outbox")
	}()
	// The path is watched even before it exists: the rules workbench's
	// first save creates it, and the daemon then switches to it.
	go func() {
		defer d.bg.Done()
		watchFile(d.ctx, TopicsPath(cfg), d.opts.WatchEvery, topicsStamp, func() { _ = d.reloadTopics("topics file changed") })
	}()
	return nil
}

// errNotRunning answers a reload of a daemon not started or stopped.
var errNotRunning = errors.New("the daemon is not running")

// abort undoes a start that failed part way.
func (d *Daemon) abort() {
	if d.web != nil {
		_ = d.web.srv.Close()
		d.web.parts.Load().close()
		d.web = nil
	}
	if p := d.cur.Load(); p != nil {
		p.close()
	}
	d.cancel()
	d.app.Close()
	d.unlock()
}

// observeTopics gives each topic its series, with its last digest's time,
// so that alerts on "time since the last digest" survive a restart.
func (d *Daemon) observeTopics(ctx context.Context, set *topic.Set) {
	for _, t := range set.Topics() {
		last, err := d.st.LastDigest(ctx, t.ID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			d.log.Warn("last digest time not known to the metrics", "topic", t.ID, "error", err)
		}
		d.metrics.Topic(t.ID, last.CreatedAt)
	}
}

// addJobs schedules the daemon's jobs.
func (d *Daemon) addJobs(cfg config.Config) error {
	d.sched = daemon.New(d.log, d.opts.Location)
	if err := d.sched.Add("poll", cfg.Poll.Schedule, d.poll); err != nil {
		return fmt.Errorf("poll.schedule: %w", err)
	}
	if err := d.sched.Add("outbox", "@every 1m", d.drain); err != nil {
		return err
	}
	// Every subscription has its own schedule, so one job looks every
	// minute for what is due and sends it.
	if err := d.sched.Add("dispatch", "@every 1m", d.dispatch); err != nil {
		return err
	}
	if err := d.sched.Add("prune", "@every 1h", d.prune); err != nil {
		return err
	}
	if cfg.Backup.Schedule != "" {
		if err := d.sched.Add("backup", cfg.Backup.Schedule, d.backup); err != nil {
			return fmt.Errorf("backup.schedule: %w", err)
		}
	}
	return nil
}

func (d *Daemon) poll(ctx context.Context) error {
	sum, err := d.cur.Load().poller.PollDue(ctx, false, func(r ingest.FeedResult) {
		d.metrics.ObservePoll(string(r.Outcome), r.Err, r.New, r.MatchesByTopic)
	})
	d.metrics.ObservePollRun(time.Now())
	d.lastPoll.Store(time.Now().UnixNano())
	if err == nil || errors.Is(err, context.Canceled) {
		d.log.Info("poll done", "feeds", sum.Feeds, "ok", sum.OK, "failed", sum.Failed, "new_items", sum.New, "matches", sum.Matches,
			"duration_ms", sum.Duration.Milliseconds())
	}
	// Instant alerts go out in the poll cycle that found their matches;
	// when a dispatch is already running, the next one a minute later
	// takes them.
	if ctx.Err() == nil {
		d.sched.RunNow("dispatch")
	}
	return err
}

func (d *Daemon) drain(ctx context.Context) error {
	_, err := d.cur.Load().outbox.Drain(ctx)
	return err
}

func (d *Daemon) dispatch(ctx context.Context) error {
	res, err := d.cur.Load().builder.Dispatch(ctx, d.app.CurrentTopics(), "")
	for id := range res.Topics {
		d.metrics.ObserveDigest(id, time.Now())
	}
	if res.Mails > 0 || res.Lost > 0 {
		d.log.Info("mails queued", "mails", res.Mails, "moved_without_mail", res.Moved, "left_to_next_dispatch", res.Lost)
	}
	if err != nil {
		return err
	}
	return d.drain(ctx)
}

// prune deletes items older than the retention a reload last set, and
// empties old sent messages.
func (d *Daemon) prune(ctx context.Context) error {
	maxAge := time.Duration(d.retention.Load())
	if maxAge <= 0 {
		return nil // retention.max_age 0: keep everything
	}
	n, err := d.st.PruneItems(ctx, time.Now().Add(-maxAge), 500)
	if n > 0 {
		d.log.Info("pruned old items", "items", n, "older_than", maxAge.String())
	}
	if err != nil {
		return err
	}
	// Sent messages are kept a month for inquiries, then only their record
	// (Message-ID, reply, time) stays.
	m, err := d.st.PruneSentMessages(ctx, time.Now().Add(-30*24*time.Hour))
	if m > 0 {
		d.log.Info("emptied old sent messages", "deliveries", m)
	}
	return err
}

func (d *Daemon) backup(ctx context.Context) error {
	b := d.cfg.Backup
	start := time.Now()
	info, deleted, err := service.BackupToDir(ctx, d.cfg.Database, b.Dir, b.Keep, start)
	if info.Path != "" {
		d.log.Info("database backed up", "file", info.Path, "items", info.Items, "bytes", info.Bytes,
			"deleted_old", len(deleted), "duration_ms", time.Since(start).Milliseconds())
	}
	// A backup written whose old ones could not be deleted still counts as
	// taken; the error is the job's, in the log.
	var written error
	if info.Path == "" {
		written = err
	}
	d.metrics.ObserveBackup(time.Now(), info.Bytes, written)
	return err
}

// Reload reads the config file and the topics file again, as SIGHUP asks.
// What does not load is reported, and the previous settings or rules stay
// in force.
func (d *Daemon) Reload() error {
	return errors.Join(d.reloadConfig(), d.reloadTopics("reload"))
}

// reloadTopics puts the topics file's rules in force, or keeps the
// previous ones when it does not load.
func (d *Daemon) reloadTopics(reason string) error {
	d.reloadMu.Lock()
	defer d.reloadMu.Unlock()
	if !d.running.Load() {
		return errNotRunning
	}
	next, err := d.app.readConfiguredTopics(d.app.Config())
	if err != nil {
		d.log.Error("topics not reloaded: the previous rules stay in force", "reason", reason, "error", err)
		return fmt.Errorf("topics not reloaded: %w", err)
	}
	d.app.SetTopics(next)
	d.observeTopics(d.ctx, next)
	d.log.Info("topics reloaded", "reason", reason, "topics", len(next.Topics()))
	return nil
}

// reloadConfig applies a changed config file: its feeds, the polling,
// mail, retention and web settings and the templates. The database,
// web.listen, logging, topics_file and backup keep their settings until a
// restart. The new pipeline and web handler are built whole before
// either is swapped in, so a config that fails anywhere changes nothing.
func (d *Daemon) reloadConfig() error {
	d.reloadMu.Lock()
	defer d.reloadMu.Unlock()
	if !d.running.Load() {
		return errNotRunning
	}
	old := d.app.Config()
	fresh, err := config.Load(old.Path, d.app.environ)
	if err != nil {
		d.log.Error("config not reloaded: the previous settings stay in force", "error", err)
		return fmt.Errorf("config not reloaded: %w", err)
	}
	if fresh.Database != old.Database || fresh.Web.Listen != old.Web.Listen || fresh.Log != old.Log ||
		fresh.TopicsFile != old.TopicsFile || fresh.Backup != old.Backup {
		d.log.Warn("database, web.listen, log, topics_file and backup changes take effect at the next start")
	}
	fresh.Database, fresh.Web.Listen, fresh.Log, fresh.TopicsFile, fresh.Backup = old.Database, old.Web.Listen, old.Log, old.TopicsFile, old.Backup
	d.app.applyMemoryLimit(fresh)
	next, err := d.newPipeline(d.ctx, fresh)
	var nextWeb *webParts
	if err == nil && d.web != nil {
		if nextWeb, err = d.buildWeb(d.ctx, fresh); err != nil {
			next.close()
		}
	}
	if err == nil && fresh.Poll.Schedule != old.Poll.Schedule {
		if err = d.sched.Add("poll", fresh.Poll.Schedule, d.poll); err != nil {
			err = fmt.Errorf("poll.schedule: %w", err)
			next.close()
			if nextWeb != nil {
				nextWeb.close()
			}
		}
	}
	if err != nil {
		d.log.Error("config not reloaded: the previous settings stay in force", "error", err)
		return fmt.Errorf("config not reloaded: %w", err)
	}
	d.app.setConfig(fresh)
	d.retention.Store(int64(fresh.Retention.MaxAge))
	// A drain or a sign-up may still be using the old parts: they are
	// closed once that has had time to end.
	d.retire(d.cur.Swap(next).close)
	if nextWeb != nil {
		d.retire(d.web.parts.Swap(nextWeb).close)
	}
	feeds := configFeeds(fresh, d.app.environ)
	if err := d.st.SyncConfigFeeds(d.ctx, feeds); err != nil {
		d.log.Error("config feeds not reloaded", "error", err)
	}
	d.log.Info("config reloaded", "feeds", len(feeds), "mail", next.where, "poll_schedule", fresh.Poll.Schedule)
	return nil
}

// retiredParts are parts a reload replaced, closed after RetireAfter or
// at Stop, whichever comes first.
type retiredParts struct {
	timer *time.Timer
	once  sync.Once
	close func()
	done  atomic.Bool
}

func (r *retiredParts) closeNow() {
	r.once.Do(func() {
		r.close()
		r.done.Store(true)
	})
}

func (d *Daemon) retire(close func()) {
	r := &retiredParts{close: close}
	r.timer = time.AfterFunc(d.opts.RetireAfter, r.closeNow)
	d.retiredMu.Lock()
	defer d.retiredMu.Unlock()
	kept := d.retired[:0]
	for _, p := range d.retired {
		if !p.done.Load() {
			kept = append(kept, p)
		}
	}
	d.retired = append(kept, r)
}

// Stop shuts down in order: the web server finishes its requests, the
// jobs take no new work and those running finish (a poll its feeds in
// flight, a drain the message it is sending) until ctx ends; then the
// mail connections and the database are closed, and the lock let go last,
// so that a daemon started right after this one never shares the file
// with it. It reports an error when ctx ended with jobs still running.
func (d *Daemon) Stop(ctx context.Context) error {
	d.stateMu.Lock()
	defer d.stateMu.Unlock()
	if !d.started || d.stopped {
		return nil
	}
	d.stopped = true
	// A reload under way ends first; none starts after this.
	d.reloadMu.Lock()
	d.running.Store(false)
	d.reloadMu.Unlock()
	if deadline, ok := ctx.Deadline(); ok {
		d.log.Info("shutting down: finishing in-flight work", "timeout", time.Until(deadline).Round(time.Second).String())
	} else {
		d.log.Info("shutting down: finishing in-flight work")
	}
	d.cancel()
	if d.web != nil {
		if err := d.web.srv.Shutdown(ctx); err != nil {
			d.log.Warn("web server shutdown", "error", err)
		}
		d.web.parts.Load().close()
	}
	finished := d.sched.Stop(ctx)
	if finished {
		d.bg.Wait() // the watcher ends with d.ctx; the first runs with the scheduler
	}
	d.cur.Load().close()
	d.retiredMu.Lock()
	for _, r := range d.retired {
		r.timer.Stop()
		r.closeNow()
	}
	d.retired = nil
	d.retiredMu.Unlock()
	d.app.Close()
	d.unlock()
	if !finished {
		d.log.Warn("shutdown deadline passed with jobs still running")
		return errors.New("shutdown deadline passed with jobs still running")
	}
	d.log.Info("feedwatch stopped")
	return nil
}

// WebAddr is the address the web server listens on ("" without one): the
// port chosen when web.listen asks for port 0.
func (d *Daemon) WebAddr() string {
	if d.web == nil {
		return ""
	}
	return d.web.addr
}

// Jobs reports the state of each job.
func (d *Daemon) Jobs() []daemon.JobStatus {
	if d.sched == nil {
		return nil
	}
	return d.sched.Status()
}
