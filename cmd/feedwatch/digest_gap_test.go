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
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "feedwatch.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	sched := daemon.New(slog.New(slog.DiscardHandler), time.UTC)
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
