package mail

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/feedwatch/feedwatch/internal/smtptest"
)

func testMessage(t *testing.T, subject string) ([]byte, string) {
	t.Helper()
	raw, id, err := Build(Message{
		From: "feedwatch <digest@example.org>", To: "reader@example.net", ToName: "Reader",
		Subject: subject, Text: "Hello\n.\nA line with a leading dot above.\n", HTML: "<p>Hello</p>",
		Date:   time.Date(2025, 3, 10, 6, 0, 0, 0, time.UTC),
		ListID: "US–Russia relations <us-russia.feedwatch.example.org>", UnsubscribeURL: "https://feedwatch.example.org/u?t=1",
	})
	if err != nil {
		t.Fatal(err)
	}
	return raw, id
}

// smtpOptions points a sender at ts without TLS.
func smtpOptions(ts *smtptest.Server) SMTPOptions {
	return SMTPOptions{Host: ts.Host, Port: ts.Port, TLS: TLSNone, Timeout: 5 * time.Second, HELO: "client.test"}
}

func send(t *testing.T, s Sender, raw []byte) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return s.Send(ctx, "bounces@example.org", []string{"reader@example.net"}, raw)
}

func TestSendSuccessReusesConnection(t *testing.T) {
	ts := smtptest.Start(t, smtptest.Options{})
	s := NewSMTP(smtpOptions(ts))
	defer s.Close()

	raw1, id1 := testMessage(t, "first")
	raw2, _ := testMessage(t, "second")
	if err := send(t, s, raw1); err != nil {
		t.Fatal(err)
	}
	if err := send(t, s, raw2); err != nil {
		t.Fatal(err)
	}
	got := ts.Messages()
	if len(got) != 2 {
		t.Fatalf("received %d messages, want 2", len(got))
	}
	if !bytes.Equal(got[0].Data, raw1) || !bytes.Equal(got[1].Data, raw2) {
		t.Errorf("delivered bytes differ from built bytes:\n%q\nwant\n%q", got[0].Data, raw1)
	}
	if !bytes.Contains(got[0].Data, []byte("Message-ID: <"+id1+">")) {
		t.Errorf("delivered message lacks Message-ID %s", id1)
	}
	if got[0].From != "bounces@example.org" || len(got[0].To) != 1 || got[0].To[0] != "reader@example.net" {
		t.Errorf("envelope = %q %q", got[0].From, got[0].To)
	}
	if n := ts.Sessions(); n != 1 {
		t.Errorf("%d SMTP sessions, want 1 reused connection", n)
	}
}

func TestSendTemporaryThenRetry(t *testing.T) {
	ts := smtptest.Start(t, smtptest.Options{OnRcpt: func(n int, _ string) error {
		if n == 1 {
			return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
		}
		return nil
	}})
	s := NewSMTP(smtpOptions(ts))
	defer s.Close()
	raw, _ := testMessage(t, "retry")

	err := send(t, s, raw)
	var se *SendError
	if !errors.As(err, &se) || !IsTemporary(err) || se.Code != 451 || se.Stage != "rcpt" {
		t.Fatalf("err = %#v, want temporary 451 at rcpt", err)
	}
	if err := send(t, s, raw); err != nil {
		t.Fatalf("retry: %v", err)
	}
	if n := len(ts.Messages()); n != 1 {
		t.Errorf("received %d messages, want 1", n)
	}
}

func TestSendPermanent(t *testing.T) {
	var accepting atomic.Bool
	ts := smtptest.Start(t, smtptest.Options{OnRcpt: func(int, string) error {
		if accepting.Load() {
			return nil
		}
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
	}})
	s := NewSMTP(smtpOptions(ts))
	defer s.Close()
	raw, _ := testMessage(t, "permanent")

	err := send(t, s, raw)
	var se *SendError
	if !errors.As(err, &se) || IsTemporary(err) || se.Code != 550 || !strings.Contains(se.Reply, "no such user") {
		t.Fatalf("err = %#v, want permanent 550 with reply", err)
	}
	if n := len(ts.Messages()); n != 0 {
		t.Errorf("received %d messages, want 0", n)
	}
	// The connection survives a rejected recipient.
	accepting.Store(true)
	if err := send(t, s, raw); err != nil {
		t.Fatal(err)
	}
	if n := ts.Sessions(); n != 1 {
		t.Errorf("%d sessions, want 1", n)
	}
}

func TestSendConnectionDroppedMidData(t *testing.T) {
	var healed atomic.Bool
	ts := smtptest.Start(t, smtptest.Options{OnData: func(_ int, c net.Conn, r io.Reader) error {
		if healed.Load() {
			return nil
		}
		_, _ = io.CopyN(io.Discard, r, 100)
		_ = c.Close()
		return errors.New("dropped")
	}})
	s := NewSMTP(smtpOptions(ts))
	defer s.Close()
	raw, _ := testMessage(t, "dropped")

	err := send(t, s, raw)
	if !IsTemporary(err) {
		t.Fatalf("err = %v, want temporary", err)
	}
	healed.Store(true)
	// The next Send reconnects.
	if err := send(t, s, raw); err != nil {
		t.Fatalf("after drop: %v", err)
	}
	if n := len(ts.Messages()); n != 1 {
		t.Errorf("received %d messages, want 1", n)
	}
	if n := ts.Sessions(); n != 2 {
		t.Errorf("%d sessions, want 2", n)
	}
}

func TestSendContextCancelled(t *testing.T) {
	release := make(chan struct{})
	ts := smtptest.Start(t, smtptest.Options{OnData: func(_ int, _ net.Conn, r io.Reader) error {
		_, _ = io.Copy(io.Discard, r)
		<-release // a server that never answers DATA
		return nil
	}})
	t.Cleanup(func() { close(release) })
	s := NewSMTP(smtpOptions(ts))
	defer s.Close()
	raw, _ := testMessage(t, "stuck")

	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := s.Send(ctx, "bounces@example.org", []string{"reader@example.net"}, raw)
	if !IsTemporary(err) {
		t.Fatalf("err = %v, want temporary", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Send took %v after its context expired", d)
	}
}

func TestSendTLSAndAuth(t *testing.T) {
	users := map[string]string{"alice": "s3cret"}
	for _, tc := range []struct {
		name     string
		so       smtptest.Options
		tls      string
		auth     string
		wantTLS  bool
		wantUser string
	}{
		{"starttls plain", smtptest.Options{StartTLS: true, Users: users}, TLSStartTLS, "plain", true, "alice"},
		{"starttls login", smtptest.Options{StartTLS: true, Users: users}, TLSStartTLS, "login", true, "alice"},
		{"implicit tls", smtptest.Options{ImplicitTLS: true, Users: users}, TLSImplicit, "", true, "alice"},
		{"opportunistic with starttls", smtptest.Options{StartTLS: true}, TLSOpportunistic, "", true, ""},
		{"opportunistic without", smtptest.Options{}, TLSOpportunistic, "", false, ""},
		{"plain auth over localhost", smtptest.Options{Users: users}, TLSNone, "plain", false, "alice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := smtptest.Start(t, tc.so)
			o := smtpOptions(ts)
			o.TLS, o.RootCAs = tc.tls, ts.RootCAs
			if tc.so.Users != nil {
				o.Username, o.Password, o.Auth = "alice", "s3cret", tc.auth
			}
			s := NewSMTP(o)
			defer s.Close()
			raw, _ := testMessage(t, tc.name)
			if err := send(t, s, raw); err != nil {
				t.Fatal(err)
			}
			got := ts.Messages()
			if len(got) != 1 {
				t.Fatalf("received %d, want 1", len(got))
			}
			if got[0].TLS != tc.wantTLS || got[0].User != tc.wantUser {
				t.Errorf("tls=%v user=%q, want %v %q", got[0].TLS, got[0].User, tc.wantTLS, tc.wantUser)
			}
			if !bytes.Equal(got[0].Data, raw) {
				t.Error("delivered bytes differ")
			}
		})
	}
}

func TestSendFailures(t *testing.T) {
	t.Run("starttls required but not offered", func(t *testing.T) {
		ts := smtptest.Start(t, smtptest.Options{})
		o := smtpOptions(ts)
		o.TLS = TLSStartTLS
		err := send(t, NewSMTP(o), []byte("x"))
		var se *SendError
		if !errors.As(err, &se) || se.Stage != "tls" || !se.Temporary {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("untrusted certificate", func(t *testing.T) {
		ts := smtptest.Start(t, smtptest.Options{StartTLS: true})
		o := smtpOptions(ts)
		o.TLS = TLSStartTLS // no RootCAs: the system pool does not know the test CA
		err := send(t, NewSMTP(o), []byte("x"))
		if err == nil || !strings.Contains(err.Error(), "certificate") {
			t.Fatalf("err = %v, want certificate error", err)
		}
	})
	t.Run("wrong password", func(t *testing.T) {
		ts := smtptest.Start(t, smtptest.Options{StartTLS: true, Users: map[string]string{"alice": "s3cret"}})
		o := smtpOptions(ts)
		o.TLS, o.RootCAs, o.Username, o.Password = TLSStartTLS, ts.RootCAs, "alice", "wrong"
		err := send(t, NewSMTP(o), []byte("x"))
		var se *SendError
		if !errors.As(err, &se) || se.Stage != "auth" || se.Code != 535 {
			t.Fatalf("err = %#v, want 535 at auth", err)
		}
	})
	t.Run("nothing listening", func(t *testing.T) {
		ts := smtptest.Start(t, smtptest.Options{})
		o := smtpOptions(ts)
		o.Port = 1 // privileged and unused on a test machine
		err := send(t, NewSMTP(o), []byte("x"))
		if !IsTemporary(err) {
			t.Fatalf("err = %v, want temporary", err)
		}
	})
}

// TestSendWaitsForASlowVerdict: a relay that scans the message before it
// answers the end of DATA gets longer than the command timeout (RFC 5321's
// ten minutes): cut off sooner, a message the relay accepts would be sent
// again on every retry.
func TestSendWaitsForASlowVerdict(t *testing.T) {
	ts := smtptest.Start(t, smtptest.Options{Delay: 1500 * time.Millisecond})
	o := smtpOptions(ts)
	o.Timeout = 500 * time.Millisecond
	s := NewSMTP(o)
	defer s.Close()
	raw, _ := testMessage(t, "scanned")
	if err := send(t, s, raw); err != nil {
		t.Fatalf("a verdict after 1.5 s with a 0.5 s command timeout: %v", err)
	}
	if n := len(ts.Messages()); n != 1 {
		t.Errorf("received %d messages, want 1", n)
	}
}
