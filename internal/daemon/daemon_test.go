package daemon

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestParseSchedule(t *testing.T) {
	for _, ok := range []string{"0 7 * * *", "CRON_TZ=Europe/Moscow 0 7 * * 1-5", "@every 15m", "@daily", "*/5 * * * *"} {
		if _, err := ParseSchedule(ok); err != nil {
			t.Errorf("ParseSchedule(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"", "0 7 * *", "@every soon", "61 * * * *", "CRON_TZ=Nowhere/City 0 7 * * *"} {
		if _, err := ParseSchedule(bad); err == nil {
			t.Errorf("ParseSchedule(%q) succeeded", bad)
		}
	}
}

func TestJobsDoNotOverlapAndSurvivePanics(t *testing.T) {
	var logs syncBuf
	s := New(slog.New(slog.NewTextHandler(&logs, nil)), time.UTC)
	var running, maxRunning, runs atomic.Int32
	release := make(chan struct{})
	if err := s.Add("slow", "@every 1h", func(ctx context.Context) error {
		n := running.Add(1)
		defer running.Add(-1)
		if n > maxRunning.Load() {
			maxRunning.Store(n)
		}
		runs.Add(1)
		<-release
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	done := make(chan bool)
	go func() { done <- s.RunNow("slow") }()
	for runs.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	if s.RunNow("slow") {
		t.Error("a second run started while the first was running")
	}
	// Replacing the job, as a reload does, does not let the replacement
	// run beside the run still in progress.
	if err := s.Add("slow", "@every 2h", func(ctx context.Context) error { runs.Add(1); return nil }); err != nil {
		t.Fatal(err)
	}
	if s.RunNow("slow") {
		t.Error("the replacement started while the replaced job was running")
	}
	close(release)
	if !<-done {
		t.Error("first run did not run")
	}
	if !s.RunNow("slow") || runs.Load() != 2 {
		t.Errorf("the replacement did not run once the first had finished (runs %d)", runs.Load())
	}
	if maxRunning.Load() != 1 {
		t.Errorf("max concurrent runs = %d", maxRunning.Load())
	}

	if err := s.Add("bad", "@every 1h", func(ctx context.Context) error { panic("boom") }); err != nil {
		t.Fatal(err)
	}
	if !s.RunNow("bad") {
		t.Fatal("panicking job did not run")
	}
	if !strings.Contains(logs.String(), "job panicked") || !strings.Contains(logs.String(), "boom") || !strings.Contains(logs.String(), "daemon_test.go") {
		t.Errorf("panic not logged with its stack:\n%s", logs.String())
	}
	for _, st := range s.Status() {
		if st.Name == "bad" && (st.Fails != 1 || !strings.Contains(st.LastError, "boom")) {
			t.Errorf("status of the panicking job: %+v", st)
		}
	}
	if err := s.Add("broken", "every day", func(context.Context) error { return nil }); err == nil {
		t.Error("a bad spec was accepted")
	}
}

func TestStopCancelsAndWaits(t *testing.T) {
	s := New(slog.New(slog.DiscardHandler), time.UTC)
	started := make(chan struct{})
	var sawCancel atomic.Bool
	s.Add("loop", "@every 1h", func(ctx context.Context) error {
		close(started)
		<-ctx.Done()
		time.Sleep(50 * time.Millisecond) // finishing in-flight work
		sawCancel.Store(true)
		return ctx.Err()
	})
	s.Start()
	go s.RunNow("loop")
	<-started
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if !s.Stop(ctx) || !sawCancel.Load() {
		t.Fatal("Stop did not wait for the running job")
	}
	if s.RunNow("loop") {
		t.Error("a job ran after Stop")
	}
}
