// Package daemon runs jobs on cron schedules (robfig/cron/v3; package
// schedule reads topics' specs with the same parser): standard five-field specs, CRON_TZ= prefixes and
// descriptors such as "@every 15m". A job never overlaps itself, a panic in
// a job is logged with its stack and does not end the process, and Stop
// waits for running jobs up to a deadline.
package daemon

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	"github.com/robfig/cron/v3"
)

// Parser accepts what the configuration documents: five fields, optional
// CRON_TZ=Zone prefix, and @descriptors.
var parser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// ParseSchedule checks a spec and returns its schedule.
func ParseSchedule(spec string) (cron.Schedule, error) {
	s, err := parser.Parse(spec)
	if err != nil {
		return nil, fmt.Errorf("schedule %q: %w", spec, err)
	}
	return s, nil
}

// JobStatus is what an operator (or /readyz) wants to know about a job.
type JobStatus struct {
	Name        string
	Spec        string
	Running     bool
	LastStart   time.Time
	LastEnd     time.Time
	LastError   string
	Runs, Fails int
	Next        time.Time
}

// Scheduler runs named jobs.
type Scheduler struct {
	cron *cron.Cron
	ctx  context.Context // cancelled by Stop: jobs see it
	stop context.CancelFunc
	log  *slog.Logger
	now  func() time.Time
	loc  *time.Location // specs without CRON_TZ are in this zone

	mu   sync.Mutex
	jobs map[string]*job
	// running counts runs in progress, whether cron or RunNow started them,
	// so that Stop waits for both.
	running sync.WaitGroup
}

type job struct {
	name, spec string
	id         cron.EntryID
	run        func(ctx context.Context) error
	// running is held while the job runs: no overlap. A job replaced by
	// Add under the same name shares it with its replacement, so that a
	// reload cannot start a poll beside one still running.
	running *sync.Mutex
	status  JobStatus
}

// New returns a stopped Scheduler.
func New(log *slog.Logger, loc *time.Location) *Scheduler {
	if loc == nil {
		loc = time.Local
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Scheduler{
		cron: cron.New(cron.WithParser(parser), cron.WithLocation(loc)),
		ctx:  ctx, stop: cancel, log: log, now: time.Now, loc: loc,
		jobs: map[string]*job{},
	}
}

// Add schedules fn under name, replacing a job of the same name.
func (s *Scheduler) Add(name, spec string, fn func(ctx context.Context) error) error {
	sched, err := ParseSchedule(spec)
	if err != nil {
		return fmt.Errorf("job %s: %w", name, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	j := &job{name: name, spec: spec, run: fn, status: JobStatus{Name: name, Spec: spec}, running: &sync.Mutex{}}
	if old, ok := s.jobs[name]; ok {
		s.cron.Remove(old.id)
		j.running = old.running
	}
	j.id = s.cron.Schedule(sched, cron.FuncJob(func() { s.runJob(j) }))
	s.jobs[name] = j
	return nil
}

// Remove unschedules a job; a run in progress finishes.
func (s *Scheduler) Remove(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if j, ok := s.jobs[name]; ok {
		s.cron.Remove(j.id)
		delete(s.jobs, name)
	}
}

// RunNow runs a job at once in the caller's goroutine (skipped when it is
// already running) and reports whether it ran.
func (s *Scheduler) RunNow(name string) bool {
	s.mu.Lock()
	j, ok := s.jobs[name]
	s.mu.Unlock()
	if !ok {
		return false
	}
	return s.runJob(j)
}

func (s *Scheduler) runJob(j *job) (ran bool) {
	if !j.running.TryLock() {
		s.log.Warn("job still running: this run is skipped", "job", j.name)
		return false
	}
	defer j.running.Unlock()
	s.mu.Lock()
	if s.ctx.Err() != nil {
		s.mu.Unlock()
		return false
	}
	s.running.Add(1)
	s.mu.Unlock()
	defer s.running.Done()
	start := s.now()
	s.setStatus(j, func(st *JobStatus) { st.Running, st.LastStart = true, start })
	err := s.safeRun(j)
	end := s.now()
	s.setStatus(j, func(st *JobStatus) {
		st.Running, st.LastEnd = false, end
		st.Runs++
		st.LastError = ""
		if err != nil {
			st.Fails++
			st.LastError = err.Error()
		}
	})
	if err != nil && s.ctx.Err() == nil {
		s.log.Error("job failed", "job", j.name, "error", err, "duration_ms", end.Sub(start).Milliseconds())
	} else {
		s.log.Debug("job done", "job", j.name, "duration_ms", end.Sub(start).Milliseconds())
	}
	return true
}

// safeRun turns a panic into an error, logged with its stack, so that one
// bad job does not take the daemon down.
func (s *Scheduler) safeRun(j *job) (err error) {
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("job panicked", "job", j.name, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return j.run(s.ctx)
}

func (s *Scheduler) setStatus(j *job, f func(*JobStatus)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(&j.status)
}

// Status returns every job's state.
func (s *Scheduler) Status() []JobStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []JobStatus
	for _, j := range s.jobs {
		st := j.status
		st.Next = s.cron.Entry(j.id).Next
		out = append(out, st)
	}
	return out
}

// Start begins running jobs on their schedules.
func (s *Scheduler) Start() { s.cron.Start() }

// Stop stops scheduling and cancels the context that jobs see, which tells
// them to take no new work (no next feed, no next message) while what is in
// flight finishes under its own timeouts; it then waits for running jobs
// until ctx ends and reports whether they all finished.
func (s *Scheduler) Stop(ctx context.Context) bool {
	done := s.cron.Stop()
	s.mu.Lock()
	s.stop() // under mu: no run can register after this
	s.mu.Unlock()
	all := make(chan struct{})
	go func() {
		<-done.Done()
		s.running.Wait()
		close(all)
	}()
	select {
	case <-all:
		return true
	case <-ctx.Done():
		return false
	}
}
