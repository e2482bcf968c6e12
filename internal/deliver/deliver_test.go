package deliver

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	fwmail "github.com/feedwatch/feedwatch/internal/mail"
	"github.com/feedwatch/feedwatch/internal/model"
	"github.com/feedwatch/feedwatch/internal/smtptest"
	"github.com/feedwatch/feedwatch/internal/store"
)

const testTopic = "us-russia"

// clock is the fixed, hand-advanced time that both the store and the outbox
// read, so that "due", backoff and GiveUpAfter are exact.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 10, 6, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// mustOpenStore opens a real SQLite database in a temp folder on clk.
func mustOpenStore(tb testing.TB, clk *clock) *store.Store {
	tb.Helper()
	st, err := store.Open(context.Background(), filepath.Join(tb.TempDir(), "feedwatch.db"))
	if err != nil {
		tb.Fatal(err)
	}
	st.Now = clk.Now
	tb.Cleanup(func() {
		if err := st.IntegrityCheck(context.Background()); err != nil {
			tb.Errorf("after the test: %v", err)
		}
		st.Close()
	})
	return st
}

// subscribe makes each address an active subscriber of testTopic.
func subscribe(tb testing.TB, st *store.Store, emails ...string) []model.Subscription {
	tb.Helper()
	var out []model.Subscription
	for _, e := range emails {
		sub, err := st.Subscribe(context.Background(), model.Subscription{Email: e, TopicID: testTopic, Status: model.SubscriptionActive})
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, sub)
	}
	return out
}

// addresses returns n distinct subscriber addresses.
func addresses(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("reader%03d@example.net", i+1)
	}
	return out
}

// queueDigest records the topic's next digest with one message per
// subscription, built by mail.Build as the digest builder builds them, in
// one CreateDigest transaction.
func queueDigest(tb testing.TB, st *store.Store, clk *clock, subs []model.Subscription) model.Digest {
	tb.Helper()
	ctx := context.Background()
	// Each digest covers the range after the last one, as the builder's do.
	var from int64
	if last, err := st.LastDigest(ctx, testTopic); err == nil {
		from = last.ToSeq
	}
	nd := store.NewDigest{
		Digest: model.Digest{TopicID: testTopic, PeriodStart: clk.Now().Add(-24 * time.Hour), PeriodEnd: clk.Now(),
			ItemCount: 1, Subject: "US–Russia relations: 1 story", HTML: "<p>archive</p>", Text: "archive"},
		FromSeq: from, ToSeq: from + 1,
	}
	for _, sub := range subs {
		raw, id, err := fwmail.Build(fwmail.Message{
			From: "feedwatch <digest@feedwatch.test>", To: sub.Email,
			Subject: nd.Digest.Subject, Date: clk.Now(),
			Text:   "US and Russia open arms control talks in Geneva\n.\nA line with a leading dot above.\n",
			HTML:   "<p>US and Russia open arms control talks in Geneva</p>",
			ListID: "US–Russia relations <us-russia.feedwatch.test>", UnsubscribeURL: "https://feedwatch.test/unsubscribe?token=x",
		})
		if err != nil {
			tb.Fatal(err)
		}
		nd.Deliveries = append(nd.Deliveries, model.Delivery{SubscriberID: sub.SubscriberID, Email: sub.Email, MessageID: id, Message: raw})
	}
	d, err := st.CreateDigest(ctx, nd)
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

// deliveries returns the outbox by address (one digest per test, unless the
// test says otherwise: then the newest wins).
func deliveries(tb testing.TB, st *store.Store) map[string]model.Delivery {
	tb.Helper()
	ds, err := st.Deliveries(context.Background(), "", 10000)
	if err != nil {
		tb.Fatal(err)
	}
	out := map[string]model.Delivery{}
	for i := len(ds) - 1; i >= 0; i-- {
		out[ds[i].Email] = ds[i]
	}
	return out
}

func newOutbox(st *store.Store, s fwmail.Sender, clk *clock, opts Options) *Outbox {
	opts.From = "feedwatch <bounces@feedwatch.test>"
	opts.Now = clk.Now
	if opts.RetryBase == 0 {
		opts.RetryBase = time.Minute
	}
	if opts.RetryMax == 0 {
		opts.RetryMax = time.Hour
	}
	return New(st, s, opts)
}

// smtpOptions points a sender at srv without TLS.
func smtpOptions(srv *smtptest.Server, timeout time.Duration) fwmail.SMTPOptions {
	return fwmail.SMTPOptions{Host: srv.Host, Port: srv.Port, TLS: fwmail.TLSNone, Timeout: timeout, HELO: "client.test"}
}

func smtpSender(srv *smtptest.Server, timeout time.Duration) *fwmail.SMTPSender {
	return fwmail.NewSMTP(smtpOptions(srv, timeout))
}

// smtpReply is an SMTP error reply with an enhanced status code.
func smtpReply(code int, enhanced smtp.EnhancedCode, msg string) error {
	return &smtp.SMTPError{Code: code, EnhancedCode: enhanced, Message: msg}
}

func drain(tb testing.TB, o *Outbox) Summary {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	sum, err := o.Drain(ctx)
	if err != nil {
		tb.Fatalf("drain: %v", err)
	}
	return sum
}

func wantSummary(tb testing.TB, got, want Summary) {
	tb.Helper()
	if got != want {
		tb.Errorf("drain summary = %+v, want %+v", got, want)
	}
}

// wantDelivery checks one delivery's state, attempts and, when reply is not
// empty, that the recorded error holds it.
func wantDelivery(tb testing.TB, d model.Delivery, status string, attempts int, reply string) {
	tb.Helper()
	if d.Status != status || d.Attempts != attempts {
		tb.Errorf("delivery to %s: status %s after %d attempts (last: %q), want %s after %d", d.Email, d.Status, d.Attempts, d.LastError, status, attempts)
	}
	if reply != "" && !strings.Contains(d.LastError, reply) {
		tb.Errorf("delivery to %s: last error %q does not hold %q", d.Email, d.LastError, reply)
	}
}

// wantReceived checks that the server accepted exactly one message for each
// of emails and nothing else.
func wantReceived(tb testing.TB, srv *smtptest.Server, emails ...string) {
	tb.Helper()
	got := perRecipient(srv)
	total := 0
	for _, n := range got {
		total += n
	}
	if total != len(emails) {
		tb.Errorf("server accepted %d messages, want %d: %v", total, len(emails), got)
	}
	for _, e := range emails {
		if got[e] != 1 {
			tb.Errorf("server accepted %d messages for %s, want 1", got[e], e)
		}
	}
}

// perRecipient counts accepted messages by envelope recipient.
func perRecipient(srv *smtptest.Server) map[string]int {
	out := map[string]int{}
	for _, m := range srv.Messages() {
		for _, to := range m.To {
			out[to]++
		}
	}
	return out
}

func bounces(tb testing.TB, st *store.Store, email string) int {
	tb.Helper()
	var n int
	if err := st.DB().QueryRow("SELECT bounces FROM subscribers WHERE email = ?", email).Scan(&n); err != nil {
		tb.Fatal(err)
	}
	return n
}

func subscriptionStatus(tb testing.TB, st *store.Store, email string) string {
	tb.Helper()
	sub, err := st.Subscription(context.Background(), email, testTopic)
	if err != nil {
		tb.Fatal(err)
	}
	return sub.Status
}

func TestDrainSendsEveryMessageOnceOverOneConnection(t *testing.T) {
	clk := newClock()
	st := mustOpenStore(t, clk)
	emails := addresses(5)
	queueDigest(t, st, clk, subscribe(t, st, emails...))
	srv := smtptest.Start(t, smtptest.Options{})
	sender := smtpSender(srv, 5*time.Second)
	defer sender.Close()
	ob := newOutbox(st, sender, clk, Options{})

	wantSummary(t, drain(t, ob), Summary{Sent: 5})
	wantReceived(t, srv, emails...)
	stored := deliveries(t, st)
	for _, m := range srv.Messages() {
		if m.From != "bounces@feedwatch.test" {
			t.Errorf("envelope sender %q, want the bare address of Options.From", m.From)
		}
		d := stored[m.To[0]]
		wantDelivery(t, d, "sent", 1, "")
		if !d.SentAt.Equal(clk.Now()) {
			t.Errorf("delivery to %s sent_at %v, want %v", d.Email, d.SentAt, clk.Now())
		}
		if !bytes.Contains(m.Data, []byte("Message-ID: <"+d.MessageID+">")) {
			t.Errorf("message to %s does not carry the recorded Message-ID %s", d.Email, d.MessageID)
		}
	}
	if full, err := st.DueDeliveries(context.Background(), clk.Now(), 10); err != nil || len(full) != 0 {
		t.Errorf("after drain: %d due deliveries (%v)", len(full), err)
	}
	if conns := srv.Sessions(); conns != 1 {
		t.Errorf("%d SMTP connections for 5 messages, want 1 kept open", conns)
	}

	// A second drain finds nothing due and sends nothing.
	clk.Advance(24 * time.Hour)
	wantSummary(t, drain(t, ob), Summary{})
	wantReceived(t, srv, emails...)
}

func TestDrainSendsStoredBytesUnchanged(t *testing.T) {
	clk := newClock()
	st := mustOpenStore(t, clk)
	subs := subscribe(t, st, "reader@example.net")
	queueDigest(t, st, clk, subs)
	due, err := st.DueDeliveries(context.Background(), clk.Now(), 10)
	if err != nil || len(due) != 1 {
		t.Fatalf("due deliveries: %d, %v", len(due), err)
	}
	srv := smtptest.Start(t, smtptest.Options{})
	sender := smtpSender(srv, 5*time.Second)
	defer sender.Close()
	drain(t, newOutbox(st, sender, clk, Options{}))
	got := srv.Messages()
	if len(got) != 1 {
		t.Fatalf("server accepted %d messages, want 1", len(got))
	}
	// go-smtp hands the body over with CRLF line ends and the dot-stuffing
	// undone, which is what the stored message holds.
	if !bytes.Equal(got[0].Data, due[0].Message) {
		t.Errorf("delivered bytes differ from the outbox copy:\n%q\nwant\n%q", got[0].Data, due[0].Message)
	}
}

func TestDrainRetriesTemporaryRcptFailure(t *testing.T) {
	clk := newClock()
	st := mustOpenStore(t, clk)
	queueDigest(t, st, clk, subscribe(t, st, "reader@example.net"))
	srv := smtptest.Start(t, smtptest.Options{OnRcpt: func(n int, _ string) error {
		if n == 1 {
			return smtpReply(451, smtp.EnhancedCode{4, 3, 0}, "mailbox busy, try again later")
		}
		return nil
	}})
	sender := smtpSender(srv, 5*time.Second)
	defer sender.Close()
	ob := newOutbox(st, sender, clk, Options{RetryBase: time.Minute, RetryMax: time.Hour})

	wantSummary(t, drain(t, ob), Summary{Retrying: 1})
	d := deliveries(t, st)["reader@example.net"]
	wantDelivery(t, d, "queued", 1, "451 4.3.0 mailbox busy, try again later")
	// The first backoff is RetryBase less up to 20% jitter.
	if wait := d.NextAttemptAt.Sub(clk.Now()); wait < 48*time.Second || wait > time.Minute {
		t.Errorf("next attempt in %v, want 48s..1m", wait)
	}
	if n := bounces(t, st, "reader@example.net"); n != 0 {
		t.Errorf("a temporary failure counted %d bounces", n)
	}
	wantReceived(t, srv)

	// Not due yet: nothing is tried.
	clk.Advance(30 * time.Second)
	wantSummary(t, drain(t, ob), Summary{})
	if rcpts := srv.Rcpts(); rcpts != 1 {
		t.Errorf("%d RCPT commands before the retry was due, want 1", rcpts)
	}

	clk.Advance(31 * time.Second)
	wantSummary(t, drain(t, ob), Summary{Sent: 1})
	wantDelivery(t, deliveries(t, st)["reader@example.net"], "sent", 2, "")
	wantReceived(t, srv, "reader@example.net")
}

func TestDrainPermanentFailureBouncesAndSuspends(t *testing.T) {
	clk := newClock()
	st := mustOpenStore(t, clk)
	const bad, good = "gone@example.net", "reader@example.net"
	subs := subscribe(t, st, bad, good)
	srv := smtptest.Start(t, smtptest.Options{OnRcpt: func(_ int, to string) error {
		if to == bad {
			return smtpReply(550, smtp.EnhancedCode{5, 1, 1}, "no such mailbox here")
		}
		return nil
	}})
	sender := smtpSender(srv, 5*time.Second)
	defer sender.Close()
	ob := newOutbox(st, sender, clk, Options{SuspendAfter: 2})

	queueDigest(t, st, clk, subs)
	wantSummary(t, drain(t, ob), Summary{Sent: 1, Failed: 1})
	wantDelivery(t, deliveries(t, st)[bad], "failed", 1, "550 5.1.1 no such mailbox here")
	if n := bounces(t, st, bad); n != 1 {
		t.Errorf("bounces = %d after one rejection, want 1", n)
	}
	if s := subscriptionStatus(t, st, bad); s != model.SubscriptionActive {
		t.Errorf("subscription %s after one bounce, want active (SuspendAfter 2)", s)
	}

	// Permanent means never retried, however long we wait.
	rcptsBefore := srv.Rcpts()
	clk.Advance(48 * time.Hour)
	wantSummary(t, drain(t, ob), Summary{})
	if rcpts := srv.Rcpts(); rcpts != rcptsBefore {
		t.Errorf("a permanently failed delivery was tried again (%d RCPT, want %d)", rcpts, rcptsBefore)
	}

	queueDigest(t, st, clk, subs)
	wantSummary(t, drain(t, ob), Summary{Sent: 1, Failed: 1})
	if n := bounces(t, st, bad); n != 2 {
		t.Errorf("bounces = %d after two rejections, want 2", n)
	}
	if s := subscriptionStatus(t, st, bad); s != model.SubscriptionSuspended {
		t.Errorf("subscription %s after SuspendAfter bounces, want suspended", s)
	}
	if s := subscriptionStatus(t, st, good); s != model.SubscriptionActive {
		t.Errorf("the good subscriber is %s", s)
	}
	if n := perRecipient(srv)[good]; n != 2 {
		t.Errorf("good subscriber received %d messages, want 2 (one per digest)", n)
	}
	if n := perRecipient(srv)[bad]; n != 0 {
		t.Errorf("rejected subscriber received %d messages", n)
	}
}

// A digest the relay refuses at DATA (a content filter) is refused for
// every subscriber alike: it fails without suspending anybody.
func TestDrainRejectedAtDataDoesNotSuspend(t *testing.T) {
	clk := newClock()
	st := mustOpenStore(t, clk)
	subs := subscribe(t, st, "reader@example.net")
	srv := smtptest.Start(t, smtptest.Options{OnData: func(int, net.Conn, io.Reader) error {
		return smtpReply(554, smtp.EnhancedCode{5, 7, 1}, "message content rejected")
	}})
	sender := smtpSender(srv, 5*time.Second)
	defer sender.Close()
	ob := newOutbox(st, sender, clk, Options{SuspendAfter: 1})

	queueDigest(t, st, clk, subs)
	wantSummary(t, drain(t, ob), Summary{Failed: 1})
	wantDelivery(t, deliveries(t, st)["reader@example.net"], "failed", 1, "554 5.7.1 message content rejected")
	if s := subscriptionStatus(t, st, "reader@example.net"); s != model.SubscriptionActive {
		t.Errorf("subscription %s after a content rejection, want active", s)
	}
}

func TestDrainConnectionDroppedMidData(t *testing.T) {
	clk := newClock()
	st := mustOpenStore(t, clk)
	emails := addresses(3)
	queueDigest(t, st, clk, subscribe(t, st, emails...))
	srv := smtptest.Start(t, smtptest.Options{OnData: func(n int, c net.Conn, r io.Reader) error {
		if n != 1 {
			return nil
		}
		// Half the message arrives, then the line goes dead.
		if _, err := io.ReadFull(r, make([]byte, 200)); err != nil {
			return err
		}
		_ = c.Close()
		return io.ErrUnexpectedEOF
	}})
	sender := smtpSender(srv, 5*time.Second)
	defer sender.Close()
	ob := newOutbox(st, sender, clk, Options{})

	// The first message is cut off; the other two go out on a new connection.
	wantSummary(t, drain(t, ob), Summary{Sent: 2, Retrying: 1})
	first := deliveries(t, st)[emails[0]]
	wantDelivery(t, first, "queued", 1, "smtp data: temporary failure")
	wantReceived(t, srv, emails[1:]...)

	clk.Advance(time.Hour)
	wantSummary(t, drain(t, ob), Summary{Sent: 1})
	wantDelivery(t, deliveries(t, st)[emails[0]], "sent", 2, "")
	wantReceived(t, srv, emails...)
	if conns := srv.Sessions(); conns != 2 {
		t.Errorf("%d connections, want 2 (the dropped one and its replacement)", conns)
	}
}

func TestDrainStartTLSAndAuthPlain(t *testing.T) {
	clk := newClock()
	st := mustOpenStore(t, clk)
	emails := addresses(2)
	subs := subscribe(t, st, emails...)
	srv := smtptest.Start(t, smtptest.Options{StartTLS: true, Users: map[string]string{"feedwatch": "s3cret"}})

	t.Run("wrong password is retried, not bounced", func(t *testing.T) {
		queueDigest(t, st, clk, subs)
		opts := smtpOptions(srv, 5*time.Second)
		opts.TLS, opts.RootCAs = fwmail.TLSStartTLS, srv.RootCAs
		opts.Username, opts.Password = "feedwatch", "wrong"
		sender := fwmail.NewSMTP(opts)
		defer sender.Close()
		wantSummary(t, drain(t, newOutbox(st, sender, clk, Options{SuspendAfter: 1})), Summary{Retrying: 2})
		for _, e := range emails {
			wantDelivery(t, deliveries(t, st)[e], "queued", 1, "smtp auth: temporary failure")
			if n := bounces(t, st, e); n != 0 {
				t.Errorf("%s charged %d bounces for the operator's password", e, n)
			}
		}
		wantReceived(t, srv)
	})

	t.Run("right password", func(t *testing.T) {
		opts := smtpOptions(srv, 5*time.Second)
		opts.TLS, opts.RootCAs = fwmail.TLSStartTLS, srv.RootCAs
		opts.Username, opts.Password = "feedwatch", "s3cret"
		sender := fwmail.NewSMTP(opts)
		defer sender.Close()
		clk.Advance(time.Hour)
		wantSummary(t, drain(t, newOutbox(st, sender, clk, Options{})), Summary{Sent: 2})
		wantReceived(t, srv, emails...)
		for _, m := range srv.Messages() {
			if !m.TLS || m.User != "feedwatch" || m.Auth != "PLAIN" {
				t.Errorf("message to %v: tls %v, user %q, auth %q; want STARTTLS and AUTH PLAIN as feedwatch", m.To, m.TLS, m.User, m.Auth)
			}
		}
		for _, e := range emails {
			wantDelivery(t, deliveries(t, st)[e], "sent", 2, "")
		}
	})

	t.Run("server without STARTTLS is refused", func(t *testing.T) {
		plain := smtptest.Start(t, smtptest.Options{})
		queueDigest(t, st, clk, subs[:1])
		opts := smtpOptions(plain, 5*time.Second)
		opts.TLS = fwmail.TLSStartTLS
		sender := fwmail.NewSMTP(opts)
		defer sender.Close()
		wantSummary(t, drain(t, newOutbox(st, sender, clk, Options{})), Summary{Retrying: 1})
		wantDelivery(t, deliveries(t, st)[emails[0]], "queued", 1, "does not offer STARTTLS")
		wantReceived(t, plain)
	})
}

func TestDrainSlowReplyTimesOutAndRetries(t *testing.T) {
	clk := newClock()
	st := mustOpenStore(t, clk)
	queueDigest(t, st, clk, subscribe(t, st, "reader@example.net"))
	const timeout = 300 * time.Millisecond
	// The stall is ten times the timeout so that the bound below, loose
	// enough for a busy machine, still shows the drain did not wait it out.
	srv := smtptest.Start(t, smtptest.Options{OnRcpt: func(n int, _ string) error {
		if n == 1 {
			time.Sleep(10 * timeout)
		}
		return nil
	}})
	sender := smtpSender(srv, timeout)
	defer sender.Close()
	ob := newOutbox(st, sender, clk, Options{})

	start := time.Now()
	wantSummary(t, drain(t, ob), Summary{Retrying: 1})
	if took := time.Since(start); took > 5*timeout {
		t.Errorf("a stalled server held the drain for %v, want about the %v timeout", took, timeout)
	}
	wantDelivery(t, deliveries(t, st)["reader@example.net"], "queued", 1, "timeout")
	wantReceived(t, srv)

	clk.Advance(time.Hour)
	wantSummary(t, drain(t, ob), Summary{Sent: 1})
	wantDelivery(t, deliveries(t, st)["reader@example.net"], "sent", 2, "")
	wantReceived(t, srv, "reader@example.net")
}

// The one duplicate the outbox cannot prevent: the server has taken the
// whole message but its reply to the end of DATA never arrives in time (by
// default ten minutes; here shortened), so the delivery is retried and the
// recipient gets the same message (with the same Message-ID) twice.
// docs/mail.md, "Exactly once, and the one exception", describes it.
func TestDrainLateDataReplyIsTheAcceptanceWindow(t *testing.T) {
	clk := newClock()
	st := mustOpenStore(t, clk)
	queueDigest(t, st, clk, subscribe(t, st, "reader@example.net"))
	const timeout = 300 * time.Millisecond
	srv := smtptest.Start(t, smtptest.Options{OnAccept: func(n int) {
		if n == 1 {
			time.Sleep(3 * timeout)
		}
	}})
	o := smtpOptions(srv, timeout)
	o.DataTimeout = timeout
	sender := fwmail.NewSMTP(o)
	defer sender.Close()
	ob := newOutbox(st, sender, clk, Options{})

	wantSummary(t, drain(t, ob), Summary{Retrying: 1})
	clk.Advance(time.Hour)
	wantSummary(t, drain(t, ob), Summary{Sent: 1})
	got := srv.Messages()
	if len(got) != 2 {
		t.Fatalf("server accepted %d copies, want 2 (the late reply and the retry)", len(got))
	}
	if !bytes.Equal(got[0].Data, got[1].Data) {
		t.Error("the retried copy differs from the first: receivers cannot tell it is the same message")
	}
}

func TestDrainGivesUpAfter(t *testing.T) {
	clk := newClock()
	st := mustOpenStore(t, clk)
	queueDigest(t, st, clk, subscribe(t, st, "reader@example.net"))
	srv := smtptest.Start(t, smtptest.Options{OnRcpt: func(int, string) error {
		return smtpReply(452, smtp.EnhancedCode{4, 2, 2}, "mailbox full")
	}})
	sender := smtpSender(srv, 5*time.Second)
	defer sender.Close()
	ob := newOutbox(st, sender, clk, Options{RetryBase: time.Minute, RetryMax: 10 * time.Minute, GiveUpAfter: time.Hour, SuspendAfter: 1})

	wantSummary(t, drain(t, ob), Summary{Retrying: 1})
	clk.Advance(30 * time.Minute)
	wantSummary(t, drain(t, ob), Summary{Retrying: 1})
	wantDelivery(t, deliveries(t, st)["reader@example.net"], "queued", 2, "452 4.2.2 mailbox full")

	// Past GiveUpAfter since it was queued: the next temporary failure is final.
	clk.Advance(31 * time.Minute)
	wantSummary(t, drain(t, ob), Summary{Failed: 1})
	wantDelivery(t, deliveries(t, st)["reader@example.net"], "failed", 3, "452 4.2.2 mailbox full")
	if s := subscriptionStatus(t, st, "reader@example.net"); s != model.SubscriptionActive {
		t.Errorf("giving up on temporary failures suspended the subscriber (%s)", s)
	}
	clk.Advance(24 * time.Hour)
	wantSummary(t, drain(t, ob), Summary{})
	if rcpts := srv.Rcpts(); rcpts != 3 {
		t.Errorf("%d RCPT commands, want 3", rcpts)
	}
	wantReceived(t, srv)

	// `outbox retry` starts the give-up clock again: the retried delivery
	// gets GiveUpAfter of its own rather than failing for good at once.
	if n, err := st.RetryFailed(context.Background(), 0); err != nil || n != 1 {
		t.Fatalf("RetryFailed = %d, %v", n, err)
	}
	wantSummary(t, drain(t, ob), Summary{Retrying: 1})
	wantDelivery(t, deliveries(t, st)["reader@example.net"], "queued", 1, "452 4.2.2 mailbox full")
}

func TestDrainRateReusesOneConnection(t *testing.T) {
	clk := newClock()
	st := mustOpenStore(t, clk)
	emails := addresses(20)
	queueDigest(t, st, clk, subscribe(t, st, emails...))
	srv := smtptest.Start(t, smtptest.Options{})
	sender := smtpSender(srv, 5*time.Second)
	defer sender.Close()
	const rate = 100.0
	ob := newOutbox(st, sender, clk, Options{Rate: rate, Batch: 7})

	start := time.Now()
	wantSummary(t, drain(t, ob), Summary{Sent: 20})
	took := time.Since(start)
	if min := time.Duration(float64(len(emails)-1) / rate * float64(time.Second)); took < min {
		t.Errorf("20 messages at %v/s took %v, want at least %v", rate, took, min)
	}
	wantReceived(t, srv, emails...)
	if conns := srv.Sessions(); conns != 1 {
		t.Errorf("%d connections for 20 rate-limited messages over three batches, want 1", conns)
	}
}

// The daemon drains from the outbox job and from each digest job, which can
// run at the same time; every message must still go out once.
func TestConcurrentDrainsSendOnce(t *testing.T) {
	clk := newClock()
	st := mustOpenStore(t, clk)
	emails := addresses(30)
	queueDigest(t, st, clk, subscribe(t, st, emails...))
	srv := smtptest.Start(t, smtptest.Options{OnData: func(int, net.Conn, io.Reader) error {
		time.Sleep(2 * time.Millisecond)
		return nil
	}})
	sender := smtpSender(srv, 5*time.Second)
	defer sender.Close()
	ob := newOutbox(st, sender, clk, Options{})

	var wg sync.WaitGroup
	sums := make([]Summary, 3)
	for i := range sums {
		wg.Go(func() { sums[i] = drain(t, ob) })
	}
	wg.Wait()
	total := 0
	for _, s := range sums {
		total += s.Sent
	}
	if total != 30 {
		t.Errorf("drains report %d sent, want 30: %+v", total, sums)
	}
	wantReceived(t, srv, emails...)
}

// A sender error that is not an SMTP rejection (here: the .eml folder cannot
// be created) is the operator's problem: retried, never a bounce.
func TestDrainLocalFailureIsRetried(t *testing.T) {
	clk := newClock()
	st := mustOpenStore(t, clk)
	queueDigest(t, st, clk, subscribe(t, st, "reader@example.net"))
	blocker := filepath.Join(t.TempDir(), "not-a-dir")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(blocker, "outbox")
	ob := newOutbox(st, fwmail.NewDir(dir), clk, Options{SuspendAfter: 1})

	wantSummary(t, drain(t, ob), Summary{Retrying: 1})
	wantDelivery(t, deliveries(t, st)["reader@example.net"], "queued", 1, "write eml")
	if n := bounces(t, st, "reader@example.net"); n != 0 {
		t.Errorf("a local write failure counted %d bounces", n)
	}

	// Once the folder can be made, the retry writes the message.
	if err := os.Remove(blocker); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Hour)
	wantSummary(t, drain(t, ob), Summary{Sent: 1})
	emls, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
	if len(emls) != 1 {
		t.Fatalf("%d .eml files, want 1", len(emls))
	}
	raw, err := os.ReadFile(emls[0])
	if err != nil {
		t.Fatal(err)
	}
	hdr, err := textproto.NewReader(bufio.NewReader(bytes.NewReader(raw))).ReadMIMEHeader()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := hdr.Get("Message-Id"), "<"+deliveries(t, st)["reader@example.net"].MessageID+">"; got != want {
		t.Errorf(".eml Message-ID %s, want %s", got, want)
	}
}

func TestDrainStopsWhenContextEnds(t *testing.T) {
	clk := newClock()
	st := mustOpenStore(t, clk)
	emails := addresses(10)
	queueDigest(t, st, clk, subscribe(t, st, emails...))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := smtptest.Start(t, smtptest.Options{OnAccept: func(n int) {
		if n == 3 {
			cancel()
		}
	}})
	sender := smtpSender(srv, 5*time.Second)
	defer sender.Close()
	ob := newOutbox(st, sender, clk, Options{})

	sum, err := ob.Drain(ctx)
	if err != context.Canceled {
		t.Errorf("drain returned %v, want context.Canceled", err)
	}
	// The message in flight when ctx ended is finished and recorded: its
	// answer is what prevents a duplicate.
	if sum.Sent != 3 {
		t.Errorf("sent %d before stopping, want 3", sum.Sent)
	}
	sent, err := st.Deliveries(context.Background(), "sent", 100)
	if err != nil || len(sent) != 3 {
		t.Errorf("%d deliveries recorded sent, want 3 (%v)", len(sent), err)
	}
	wantSummary(t, drain(t, ob), Summary{Sent: 7})
	wantReceived(t, srv, emails...)
}

// Options.Rate comes from the configuration unchecked above zero; a rate no
// ticker can express must not panic the drain.
func TestDrainHugeRateIsUnlimited(t *testing.T) {
	clk := newClock()
	st := mustOpenStore(t, clk)
	queueDigest(t, st, clk, subscribe(t, st, "reader@example.net"))
	srv := smtptest.Start(t, smtptest.Options{})
	sender := smtpSender(srv, 5*time.Second)
	defer sender.Close()
	wantSummary(t, drain(t, newOutbox(st, sender, clk, Options{Rate: 1e12})), Summary{Sent: 1})
	wantReceived(t, srv, "reader@example.net")
}
