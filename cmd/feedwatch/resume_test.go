package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/model"
	"github.com/feedwatch/feedwatch/internal/smtptest"
	"github.com/feedwatch/feedwatch/internal/store"
)

// TestDaemonSendsWhatWasLeft starts `feedwatch run` on a database left by
// a daemon that stopped after queueing one subscriber's mail and before
// the others' time came and went: the daemon sends the queued mail, and one
// mail to each subscriber whose time passed while it was down, at start,
// each once.
func TestDaemonSendsWhatWasLeft(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	srv := smtptest.Start(t, smtptest.Options{})
	topicsPath := filepath.Join(dir, "topics.yaml")
	shipped, err := os.ReadFile(filepath.Join("..", "..", "config", "topics.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(topicsPath, shipped, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "feedwatch.yaml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(`data_dir: %s
topics_file: %s
log: {level: info, format: json}
mail:
  from: "feedwatch <digest@feedwatch.test>"
  smtp: {host: 127.0.0.1, port: %d, tls: none, timeout: 10s}
web: {listen: "", base_url: "https://news.feedwatch.test"}
`, dir, topicsPath, srv.Port)), 0o600); err != nil {
		t.Fatal(err)
	}

	st, err := store.Open(ctx, filepath.Join(dir, "feedwatch.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Now().UTC()
	feed, err := st.AddFeed(ctx, model.Feed{URL: "https://wire.example/rss", Title: "Wire", Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.SaveFetch(ctx, feed, []model.Item{{Key: "1", Title: "Lavrov and Rubio meet in Riyadh", Link: "https://wire.example/1",
		Published: now.Add(-3 * time.Hour), FetchedAt: now.Add(-3 * time.Hour)}}, [][]model.Match{{{TopicID: "us-russia", Score: 20}}}); err != nil {
		t.Fatal(err)
	}
	top, _ := st.TopicMaxSeq(ctx, "us-russia")
	const readers = 5
	var subs []model.Subscription
	for i := range readers {
		sub, err := st.Subscribe(ctx, model.Subscription{Email: fmt.Sprintf("r%d@feedwatch.test", i), TopicID: "us-russia", Status: model.SubscriptionActive})
		if err != nil {
			t.Fatal(err)
		}
		// Their mail was due two hours ago.
		if err := st.PlaceSubscriptions(ctx, []store.Placement{{SubscriberID: sub.SubscriberID, TopicID: "us-russia", CursorSeq: 0, NextAt: now.Add(-2 * time.Hour)}}); err != nil {
			t.Fatal(err)
		}
		subs = append(subs, sub)
	}
	// The daemon that stopped had queued r0's mail, and not sent it.
	section, err := st.AddDigest(ctx, model.Digest{TopicID: "us-russia", FromSeq: 0, ToSeq: top, ItemCount: 1})
	if err != nil {
		t.Fatal(err)
	}
	first := "Message-ID: <first@feedwatch.test>\r\nSubject: queued before the stop\r\n\r\nbody\r\n"
	if n, err := st.RecordMailings(ctx, []store.Mailing{{SubscriberID: subs[0].SubscriberID,
		Delivery: &model.Delivery{Email: subs[0].Email, MessageID: "first@feedwatch.test", Message: []byte(first)},
		Moves:    []store.Move{{TopicID: "us-russia", DigestID: section.ID, FromSeq: 0, ToSeq: top, NextAt: now.Add(22 * time.Hour)}}}}); err != nil || n != 1 {
		t.Fatalf("RecordMailings = %d, %v", n, err)
	}

	var logs syncBuffer
	cmd := exec.Command(feedwatchBinary(t), "run", "--config", cfg)
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			<-done
		}
	})
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("daemon's log:\n%s", logs.String())
		}
	})
	waitFor(t, 30*time.Second, "a mail to reach every subscriber", func() bool {
		return len(srv.Messages()) >= readers
	})
	cmd.Process.Signal(syscall.SIGTERM)
	if err := <-done; err != nil {
		t.Errorf("run: %v\n%s", err, logs.String())
	}

	got := map[string]int{}
	for _, m := range srv.Messages() {
		got[m.To[0]]++
	}
	for _, sub := range subs {
		if got[sub.Email] != 1 {
			t.Errorf("%s received %d messages, want 1", sub.Email, got[sub.Email])
		}
	}
	if len(srv.Messages()) != readers {
		t.Errorf("server received %d messages for %d readers", len(srv.Messages()), readers)
	}
	for _, sub := range subs {
		got, err := st.Subscription(ctx, sub.Email, "us-russia")
		if err != nil || got.CursorSeq != top || !got.NextAt.After(now) {
			t.Errorf("%s after the daemon: %+v, %v", sub.Email, got, err)
		}
	}
}
