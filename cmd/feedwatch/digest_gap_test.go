package main

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/daemon"
	"github.com/feedwatch/feedwatch/internal/model"
	"github.com/feedwatch/feedwatch/internal/store"
	"github.com/feedwatch/feedwatch/internal/topic"
)

// TestDigestTooSoon: a daily digest is not built again an hour after the
// last one (the second run cron makes as the clocks go back), is built
// half a day later, and an incomplete one is always finished.
func TestDigestTooSoon(t *testing.T) {
	ctx := context.Background()
	st, sched := openGapStore(t)
	daily := topic.Topic{ID: "t", Digest: topic.Digest{Schedule: "30 1 * * *"}}
	sent := time.Date(2026, 11, 1, 5, 30, 0, 0, time.UTC)
	st.Now = func() time.Time { return sent }

	if why := digestTooSoon(ctx, st, sched, daily, sent.Add(time.Hour)); why != "" {
		t.Errorf("no digest yet: skipped (%s)", why)
	}
	d, err := st.StartDigest(ctx, store.NewDigest{Digest: model.Digest{TopicID: "t", PeriodStart: sent.Add(-24 * time.Hour), PeriodEnd: sent}, FromSeq: 0, ToSeq: 3})
	if err != nil {
		t.Fatal(err)
	}
	if why := digestTooSoon(ctx, st, sched, daily, sent.Add(time.Hour)); why != "" {
		t.Errorf("an incomplete digest an hour later: skipped (%s)", why)
	}
	if err := st.CompleteDigest(ctx, d.ID); err != nil {
		t.Fatal(err)
	}
	if why := digestTooSoon(ctx, st, sched, daily, sent.Add(time.Hour)); why == "" {
		t.Error("a second daily digest an hour after the first was not skipped")
	}
	if why := digestTooSoon(ctx, st, sched, daily, sent.Add(13*time.Hour)); why != "" {
		t.Errorf("13 hours later: skipped (%s)", why)
	}
}

// TestLastDigestRun: send_missed reckons from the later of the topic's
// last digest and its job's last run, so a quiet day's run that sent
// nothing is not taken for a missed one at the next start.
func TestLastDigestRun(t *testing.T) {
	ctx := context.Background()
	st, sched := openGapStore(t)
	day := func(n, hour int) time.Time { return time.Date(2026, 11, n, hour, 0, 0, 0, time.UTC) }

	if last, err := lastDigestRun(ctx, st, "t"); err != nil || !last.IsZero() {
		t.Fatalf("never ran: %v, %v", last, err)
	}
	st.Now = func() time.Time { return day(1, 7) }
	if _, err := st.CreateDigest(ctx, store.NewDigest{Digest: model.Digest{TopicID: "t", PeriodStart: day(0, 7), PeriodEnd: day(1, 7)}, FromSeq: 0, ToSeq: 3}); err != nil {
		t.Fatal(err)
	}
	if last, _ := lastDigestRun(ctx, st, "t"); !last.Equal(day(1, 7)) {
		t.Errorf("after a digest: %v", last)
	}
	// Day 2's 07:00 run had nothing to send; the daemon restarts at 10:00.
	if err := st.SetSetting(ctx, digestRunKey("t"), day(2, 7).Format(time.RFC3339)); err != nil {
		t.Fatal(err)
	}
	last, _ := lastDigestRun(ctx, st, "t")
	if !last.Equal(day(2, 7)) {
		t.Errorf("after a quiet run: %v", last)
	}
	if _, missed, _ := sched.Missed("0 7 * * *", last, day(2, 10)); missed {
		t.Error("a quiet run is taken for a missed digest")
	}
	if _, missed, _ := sched.Missed("0 7 * * *", last, day(3, 10)); !missed {
		t.Error("a run missed while down on day 3 is not seen")
	}
}

// openGapStore opens a fresh database and a UTC scheduler for the digest
// timing tests.
func openGapStore(t *testing.T) (*store.Store, *daemon.Scheduler) {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "feedwatch.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st, daemon.New(slog.New(slog.DiscardHandler), time.UTC)
}
