package mail

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/wneessen/go-mail/smtp"
)

// Sender delivers raw RFC 5322 messages.
type Sender interface {
	Send(ctx context.Context, from string, to []string, raw []byte) error
	Close() error
}

// SendError is a failed delivery. Temporary says whether trying the same
// message again later may succeed: SMTP 4xx replies, timeouts, connection
// loss and failures before the recipient was even named (connect, TLS,
// authentication, MAIL FROM: the server's or the operator's problem, not the
// recipient's). Permanent failures are 5xx replies to RCPT or DATA.
type SendError struct {
	Temporary bool
	Code      int    // SMTP reply code; 0 when the server never replied
	Reply     string // the server's reply text
	Stage     string // connect, tls, auth, mail, rcpt, data
	Err       error
}

func (e *SendError) Error() string {
	kind := "permanent"
	if e.Temporary {
		kind = "temporary"
	}
	if e.Code != 0 {
		return fmt.Sprintf("smtp %s: %s failure: %d %s", e.Stage, kind, e.Code, e.Reply)
	}
	return fmt.Sprintf("smtp %s: %s failure: %v", e.Stage, kind, e.Err)
}

func (e *SendError) Unwrap() error { return e.Err }

// IsTemporary reports whether err is worth retrying later. Errors that are
// not a *SendError (a bad argument, say) are not.
func IsTemporary(err error) bool {
	var se *SendError
	return errors.As(err, &se) && se.Temporary
}

// TLS modes of SMTPOptions.TLS.
const (
	TLSImplicit      = "tls"           // TLS from the first byte, usually port 465
	TLSStartTLS      = "starttls"      // STARTTLS required; fail if not offered
	TLSOpportunistic = "opportunistic" // STARTTLS when offered, else plain
	TLSNone          = "none"          // plain text; only for a local relay
)

// SMTPOptions configures an SMTPSender.
type SMTPOptions struct {
	Host               string
	Port               int
	TLS                string // see the TLS* constants; empty means starttls
	Username, Password string
	Auth               string // "", "plain", "login", "cram-md5"; plain when Username is set
	Timeout            time.Duration
	// DataTimeout bounds sending the body and waiting for the server's
	// verdict on it; 0 is RFC 5321's ten minutes (or Timeout, when longer).
	DataTimeout        time.Duration
	InsecureSkipVerify bool           // tests only
	RootCAs            *x509.CertPool // tests
	HELO               string         // name to greet with; the host name when empty
}

// SMTPSender sends over one SMTP connection that it keeps open between
// Send calls, because a digest run sends hundreds of mails and a TLS
// handshake plus AUTH per mail is slow and looks abusive to providers. A
// dropped connection is re-established on the next Send. Sends are
// serialised.
type SMTPSender struct {
	opts SMTPOptions

	mu     sync.Mutex
	client *smtp.Client
	conn   net.Conn
}

// NewSMTP returns a sender for opts. It does not connect until Send.
func NewSMTP(opts SMTPOptions) *SMTPSender {
	if opts.Timeout <= 0 {
		opts.Timeout = 30 * time.Second
	}
	if opts.TLS == "" {
		opts.TLS = TLSStartTLS
	}
	if opts.Port == 0 {
		opts.Port = 587
		if opts.TLS == TLSImplicit {
			opts.Port = 465
		}
	}
	return &SMTPSender{opts: opts}
}

// Send transmits raw unchanged to the recipients in to.
func (s *SMTPSender) Send(ctx context.Context, from string, to []string, raw []byte) error {
	if len(to) == 0 {
		return errors.New("smtp send: no recipients")
	}
	s.mu.Lock()
	defer s.mu.Unlock()

	if s.client != nil {
		// RSET both checks that the kept connection is still alive and
		// clears any half-finished transaction.
		if err := s.withDeadline(ctx, s.client.Reset); err != nil {
			s.drop()
		}
	}
	if s.client == nil {
		if err := s.connect(ctx); err != nil {
			return err
		}
	}

	err := s.transaction(ctx, from, to, raw)
	if err != nil {
		var se *SendError
		if errors.As(err, &se) && se.Code == 0 {
			// No SMTP reply means the connection is in an unknown state.
			s.drop()
		} else if rerr := s.withDeadline(ctx, s.client.Reset); rerr != nil {
			s.drop()
		}
	}
	return err
}

func (s *SMTPSender) transaction(ctx context.Context, from string, to []string, raw []byte) error {
	if err := s.withDeadline(ctx, func() error { return s.client.Mail("<" + from + ">") }); err != nil {
		return classify("mail", err, true)
	}
	for _, rcpt := range to {
		if err := s.withDeadline(ctx, func() error { return s.client.Rcpt("<" + rcpt + ">") }); err != nil {
			return classify("rcpt", fmt.Errorf("rcpt %s: %w", rcpt, err), false)
		}
	}
	var body io.WriteCloser
	err := s.withDeadline(ctx, func() error {
		w, err := s.client.Data()
		if err != nil {
			return err
		}
		body = w
		return nil
	})
	if err == nil {
		// Sending the body and waiting for the server's verdict on it:
		// RFC 5321 (4.5.3.2.6) gives the verdict ten minutes, which
		// content scanners use. A reply cut off sooner is a message the
		// server may have accepted, and a retry would send it again.
		timeout := s.opts.DataTimeout
		if timeout <= 0 {
			timeout = max(s.opts.Timeout, dataReplyTimeout)
		}
		err = s.withTimeout(ctx, timeout, func() error {
			if _, err := body.Write(raw); err != nil {
				_ = body.Close()
				return err
			}
			return body.Close()
		})
	}
	if err != nil {
		return classify("data", err, false)
	}
	return nil
}

// dataReplyTimeout is how long the server may take to answer the end of a
// message (RFC 5321's "DATA termination" timeout).
const dataReplyTimeout = 10 * time.Minute

// withDeadline runs one exchange with the connection deadline set from the
// timeout and ctx, and aborts it when ctx is cancelled: go-mail's smtp client
// takes no context, so the deadline is how cancellation reaches the socket.
func (s *SMTPSender) withDeadline(ctx context.Context, f func() error) error {
	return s.withTimeout(ctx, s.opts.Timeout, f)
}

// withTimeout is withDeadline with a timeout of its own.
func (s *SMTPSender) withTimeout(ctx context.Context, timeout time.Duration, f func() error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	deadline := time.Now().Add(timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	conn := s.conn
	if err := conn.SetDeadline(deadline); err != nil {
		return err
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	err := f()
	if !stop() && ctx.Err() != nil && err != nil {
		err = fmt.Errorf("%w (%w)", ctx.Err(), err)
	}
	return err
}

func (s *SMTPSender) connect(ctx context.Context) error {
	o := s.opts
	addr := net.JoinHostPort(o.Host, strconv.Itoa(o.Port))
	tlsConfig := &tls.Config{
		ServerName:         o.Host,
		RootCAs:            o.RootCAs,
		InsecureSkipVerify: o.InsecureSkipVerify, //nolint:gosec // tests only, documented
		MinVersion:         tls.VersionTLS12,
	}

	dialer := net.Dialer{Timeout: o.Timeout}
	conn, err := dialer.DialContext(ctx, "tcp", addr)
	if err != nil {
		return &SendError{Temporary: true, Stage: "connect", Err: fmt.Errorf("dial %s: %w", addr, err)}
	}
	if o.TLS == TLSImplicit {
		tc := tls.Client(conn, tlsConfig)
		hctx, cancel := context.WithTimeout(ctx, o.Timeout)
		err := tc.HandshakeContext(hctx)
		cancel()
		if err != nil {
			_ = conn.Close()
			return &SendError{Temporary: true, Stage: "tls", Err: fmt.Errorf("tls handshake with %s: %w", addr, err)}
		}
		conn = tc
	}
	s.conn = conn

	// The greeting is read inside NewClient, so the deadline must be set
	// before it.
	var client *smtp.Client
	err = s.withDeadline(ctx, func() error {
		var err error
		client, err = smtp.NewClient(conn, o.Host)
		return err
	})
	if err != nil {
		_ = conn.Close()
		s.conn = nil
		return classify("connect", fmt.Errorf("greeting from %s: %w", addr, err), true)
	}
	s.client = client

	fail := func(stage string, err error) error {
		s.drop()
		return classify(stage, fmt.Errorf("%s: %w", addr, err), true)
	}
	helo := o.HELO
	if helo == "" {
		helo, _ = os.Hostname()
		if helo == "" {
			helo = "localhost"
		}
	}
	if err := s.withDeadline(ctx, func() error { return client.Hello(helo) }); err != nil {
		return fail("connect", fmt.Errorf("ehlo: %w", err))
	}

	switch o.TLS {
	case TLSImplicit, TLSNone:
	case TLSStartTLS, TLSOpportunistic:
		ok, _ := client.Extension("STARTTLS")
		if !ok && o.TLS == TLSStartTLS {
			return fail("tls", errors.New("server does not offer STARTTLS, which is required (tls: starttls)"))
		}
		if ok {
			if err := s.withDeadline(ctx, func() error { return client.StartTLS(tlsConfig) }); err != nil {
				return fail("tls", fmt.Errorf("starttls: %w", err))
			}
		}
	default:
		return fail("connect", fmt.Errorf("unknown tls mode %q", o.TLS))
	}

	if o.Username != "" || o.Auth != "" {
		var a smtp.Auth
		// allowUnenc is false: go-mail then refuses to send a password over
		// plain text to anything but localhost, whatever the server claims.
		switch o.Auth {
		case "", "plain":
			a = smtp.PlainAuth("", o.Username, o.Password, o.Host, false)
		case "login":
			a = smtp.LoginAuth(o.Username, o.Password, o.Host, false)
		case "cram-md5":
			a = smtp.CRAMMD5Auth(o.Username, o.Password)
		default:
			return fail("auth", fmt.Errorf("unknown auth mechanism %q", o.Auth))
		}
		if err := s.withDeadline(ctx, func() error { return client.Auth(a) }); err != nil {
			return fail("auth", fmt.Errorf("auth %s as %s: %w", o.Auth, o.Username, err))
		}
	}
	return nil
}

// drop closes the connection without QUIT; it is used when the connection is
// already broken or in an unknown state.
func (s *SMTPSender) drop() {
	if s.client != nil {
		_ = s.client.Close()
	} else if s.conn != nil {
		_ = s.conn.Close()
	}
	s.client, s.conn = nil, nil
}

// Close says QUIT and closes the kept connection, if any.
func (s *SMTPSender) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.client == nil {
		return nil
	}
	err := s.withDeadline(context.Background(), s.client.Quit)
	s.drop()
	if err != nil {
		return fmt.Errorf("smtp quit: %w", err)
	}
	return nil
}

// classify turns an error from go-mail's smtp client into a *SendError.
// senderSide marks stages before any recipient is named, whose 5xx replies
// (bad credentials, rejected sender) are the operator's to fix and so are
// retried rather than charged to the recipient.
func classify(stage string, err error, senderSide bool) error {
	se := &SendError{Stage: stage, Err: err, Temporary: true}
	var te *textproto.Error
	if errors.As(err, &te) {
		se.Code, se.Reply = te.Code, te.Msg
		se.Temporary = te.Code < 500 || senderSide
	}
	return se
}
