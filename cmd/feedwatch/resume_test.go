package main

import (
	"context"
	"errors"
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

// TestDaemonFinishesIncompleteDigest starts `feedwatch run` on a database
// holding a digest whose build was cut short after its first subscriber,
// with send_missed off and the topic's schedule a year away, and checks
// that the daemon finishes and sends that digest at start: each subscriber
// receives it once, the one queued before the cut included.
func TestDaemonFinishesIncompleteDigest(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	srv := smtptest.Start(t, smtptest.Options{})
	topicsPath := filepath.Join(dir, "topics.yaml")
	shippedTopicsWithSchedule(t, topicsPath, "0 7 1 1 *")
	cfg := filepath.Join(dir, "feedwatch.yaml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(`data_dir: %s
topics_file: %s
log: {level: info, format: json}
mail:
  from: "feedwatch <digest@feedwatch.test>"
  smtp: {host: 127.0.0.1, port: %d, tls: none, timeout: 10s}
web: {listen: "", base_url: "https://news.feedwatch.test"}
digest: {send_missed: false}
`, dir, topicsPath, srv.Port)), 0o600); err != nil {
		t.Fatal(err)
	}

	st, err := store.Open(ctx, filepath.Join(dir, "feedwatch.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	const readers = 5
	var subs []model.Subscription
	for i := range readers {
		sub, err := st.Subscribe(ctx, model.Subscription{Email: fmt.Sprintf("r%d@feedwatch.test", i), TopicID: "us-russia", Status: model.SubscriptionActive})
		if err != nil {
			t.Fatal(err)
		}
		subs = append(subs, sub)
	}
	now := time.Now().UTC()
	d, err := st.StartDigest(ctx, store.NewDigest{Digest: model.Digest{TopicID: "us-russia", PeriodStart: now.Add(-24 * time.Hour), PeriodEnd: now}})
	if err != nil {
		t.Fatal(err)
	}
	first := "Message-ID: <first@feedwatch.test>\r\nSubject: queued before the cut\r\n\r\nbody\r\n"
	if _, err := st.QueueDeliveries(ctx, d.ID, []model.Delivery{{SubscriberID: subs[0].SubscriberID, Email: subs[0].Email,
		MessageID: "first@feedwatch.test", Message: []byte(first)}}); err != nil {
		t.Fatal(err)
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
	waitFor(t, 30*time.Second, "the digest to reach every subscriber", func() bool {
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
	if _, err := st.IncompleteDigest(ctx, "us-russia"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("digest still incomplete after the daemon ran: %v\n%s", err, logs.String())
	}
	last, err := st.LastDigest(ctx, "us-russia")
	if err != nil || last.ID != d.ID {
		t.Errorf("newest digest = %d (%v), want the finished one, %d: the daemon started a new period", last.ID, err, d.ID)
	}
}
