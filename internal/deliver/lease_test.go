package deliver

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/mail"
	"github.com/feedwatch/feedwatch/internal/model"
	"github.com/feedwatch/feedwatch/internal/smtptest"
	"github.com/feedwatch/feedwatch/internal/store"
)

// queueDigest records one digest for n active subscribers of topic t.
func queueActiveDigest(t *testing.T, st *store.Store, n int) []model.Subscription {
	t.Helper()
	ctx := context.Background()
	var subs []model.Subscription
	nd := store.NewDigest{Digest: model.Digest{TopicID: "t"}, FromSeq: 0, ToSeq: 1}
	for i := 0; i < n; i++ {
		sub, err := st.Subscribe(ctx, model.Subscription{Email: fmt.Sprintf("r%d@example.org", i), TopicID: "t", Status: model.SubscriptionActive})
		if err != nil {
			t.Fatal(err)
		}
		subs = append(subs, sub)
		raw, id, err := mail.Build(mail.Message{From: "f <f@example.org>", To: sub.Email, Subject: "s", Text: "t", HTML: "<p>h</p>", Date: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		nd.Deliveries = append(nd.Deliveries, model.Delivery{SubscriberID: sub.SubscriberID, Email: sub.Email, MessageID: id, Message: raw})
	}
	if _, err := st.CreateDigest(ctx, nd); err != nil {
		t.Fatal(err)
	}
	return subs
}

func openLeaseStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "feedwatch.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func TestOneSenderPerDatabase(t *testing.T) {
	ctx := context.Background()
	st := openLeaseStore(t)
	queueActiveDigest(t, st, 3)
	srv := smtptest.Start(t, smtptest.Options{})
	sender := func() mail.Sender {
		return mail.NewSMTP(mail.SMTPOptions{Host: srv.Host, Port: srv.Port, TLS: "none", Timeout: 5 * time.Second})
	}

	// Another sender holds the lease: this one sends nothing.
	if err := st.AcquireLease(ctx, leaseName, "otherhost:1:1", time.Minute, ownerGone); err != nil {
		t.Fatal(err)
	}
	sum, err := New(st, sender(), Options{From: "f@example.org"}).Drain(ctx)
	if err != nil || sum.BusyBy == "" || sum.Sent != 0 || len(srv.Messages()) != 0 {
		t.Fatalf("drain while another holds the lease: %+v, %v, %d messages", sum, err, len(srv.Messages()))
	}

	// A holder on this host whose process is gone is taken over at once.
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	st.ReleaseLease(ctx, leaseName, "otherhost:1:1")
	if err := st.AcquireLease(ctx, leaseName, fmt.Sprintf("%s:%d:1", hostname(), dead.Process.Pid), time.Minute, ownerGone); err != nil {
		t.Fatal(err)
	}
	sum, err = New(st, sender(), Options{From: "f@example.org"}).Drain(ctx)
	if err != nil || sum.Sent != 3 || len(srv.Messages()) != 3 {
		t.Fatalf("drain after the holder died: %+v, %v, %d messages", sum, err, len(srv.Messages()))
	}
	// The lease is released after a drain.
	if err := st.AcquireLease(ctx, leaseName, "otherhost:2:2", time.Minute, ownerGone); err != nil {
		t.Errorf("lease still held after drain: %v", err)
	}
}

func TestUnsubscribedBeforeSendingGetsNothing(t *testing.T) {
	ctx := context.Background()
	st := openLeaseStore(t)
	subs := queueActiveDigest(t, st, 2)
	if _, err := st.Unsubscribe(ctx, subs[0].Email, "t"); err != nil {
		t.Fatal(err)
	}
	srv := smtptest.Start(t, smtptest.Options{})
	sum, err := New(st, mail.NewSMTP(mail.SMTPOptions{Host: srv.Host, Port: srv.Port, TLS: "none", Timeout: 5 * time.Second}), Options{From: "f@example.org"}).Drain(ctx)
	if err != nil || sum.Sent != 1 || sum.Cancelled != 1 {
		t.Fatalf("drain: %+v, %v", sum, err)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 || msgs[0].To[0] != subs[1].Email {
		t.Fatalf("server got %+v", msgs)
	}
	failed, _ := st.Deliveries(ctx, "failed", 10)
	if len(failed) != 1 || failed[0].Email != subs[0].Email {
		t.Errorf("failed deliveries: %+v", failed)
	}
}
