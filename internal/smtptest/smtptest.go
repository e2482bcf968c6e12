// Package smtptest runs a real SMTP server (github.com/emersion/go-smtp) on a
// loopback port for tests: it speaks the protocol over TCP, with STARTTLS,
// implicit TLS and AUTH when asked, keeps every message it accepted, and
// lets a test inject the failures real relays produce. It is for tests only.
package smtptest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Options say what the server offers and how it misbehaves. They are fixed
// at Start, so the server's goroutines read them without locking; a test
// that wants a hook to change its answer midway keeps that state itself.
//
// Hooks run on the server's connection goroutines, possibly several at
// once, and are numbered across all connections, so "the first RCPT" means
// the first the server saw, whichever connection it came on.
type Options struct {
	// StartTLS offers STARTTLS with a certificate that Server.RootCAs
	// trusts. AUTH is then advertised only after STARTTLS, so a login that
	// works proves the client encrypted first.
	StartTLS bool
	// ImplicitTLS speaks TLS from the first byte, as relays on port 465 do.
	ImplicitTLS bool
	// Users, when set, makes AUTH (PLAIN or LOGIN) as one of these
	// user/password pairs a condition of MAIL. Without StartTLS AUTH is
	// offered over plain text too, so that a test can check a client that
	// sends a password in the clear to localhost and nowhere else.
	Users map[string]string

	// OnRcpt runs at the n-th RCPT; a non-nil error is the reply (a
	// *smtp.SMTPError carries its code). It rejects recipients for good or
	// for now, or sleeps to make a reply late enough to time a client out.
	OnRcpt func(n int, to string) error
	// OnData runs at the n-th DATA, before the server reads the body. It
	// may read part of body and close conn (a line that dies mid-message),
	// sleep or block (a relay that does not answer), or return an error as
	// the reply (a content filter); nil lets the message be accepted.
	OnData func(n int, conn net.Conn, body io.Reader) error
	// Delay holds every DATA reply this long after the whole body has
	// arrived and before the message is stored, so that a batch of
	// messages takes long enough for a client to be killed in the middle.
	Delay time.Duration
	// OnAccept runs once the n-th DATA's message is stored and before the
	// server replies 250: the acceptance window, in which a client that
	// gives up on the reply will send a message the server already holds.
	OnAccept func(n int)
}

// Message is one accepted message.
type Message struct {
	From string
	To   []string
	Data []byte
	TLS  bool   // it came over an encrypted connection
	User string // who logged in with AUTH, "" when nobody did
	Auth string // the SASL mechanism User logged in with
}

// Server is a running test server.
type Server struct {
	Host string
	Port int
	// RootCAs trusts the server's self-signed certificate (nil without
	// TLS), so a client verifies the chain as it would in production
	// rather than skipping verification.
	RootCAs *x509.CertPool

	opts      Options
	srv       *smtp.Server
	ln        net.Listener
	served    chan struct{} // closed when Serve has returned
	serveErr  error         // written before served is closed
	closeOnce sync.Once

	logMu sync.Mutex
	tb    testing.TB // nil once the test has ended

	mu       sync.Mutex
	messages []Message
	sessions int
	rcpts    int
	datas    int
}

// Start listens on 127.0.0.1 on a free port and serves until the test ends.
func Start(tb testing.TB, o Options) *Server {
	tb.Helper()
	s := &Server{opts: o, served: make(chan struct{})}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		s.mu.Lock()
		s.sessions++
		s.mu.Unlock()
		return &session{s: s, conn: c}, nil
	}))
	s.srv.Domain = "localhost"
	s.srv.ErrorLog = serverLog{s}
	s.srv.ReadTimeout = 30 * time.Second
	s.srv.WriteTimeout = 30 * time.Second
	s.srv.AllowInsecureAuth = !o.StartTLS

	var tlsConfig *tls.Config
	if o.StartTLS || o.ImplicitTLS {
		cert, pool, err := certificate()
		if err != nil {
			tb.Fatalf("smtptest: %v", err)
		}
		s.RootCAs = pool
		tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	if o.StartTLS {
		s.srv.TLSConfig = tlsConfig
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("smtptest: %v", err)
	}
	s.Host, s.Port = "127.0.0.1", ln.Addr().(*net.TCPAddr).Port
	if o.ImplicitTLS {
		ln = tls.NewListener(ln, tlsConfig)
	}
	s.ln = ln
	go func() {
		defer close(s.served)
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, smtp.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
			s.serveErr = fmt.Errorf("smtptest: serve: %w", err)
		}
	}()
	s.tb = tb
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Error(err)
		}
		s.logMu.Lock()
		s.tb = nil // the test is over: testing panics on a later Logf
		s.logMu.Unlock()
	})
	return s
}

// log takes go-smtp's error lines (a client that hung up, a TLS handshake
// that failed: what fault-injection tests cause on purpose) into the test's
// log, where `go test -v` shows them under the test that caused them,
// instead of onto standard error.
type serverLog struct{ s *Server }

func (l serverLog) Printf(format string, v ...any) { l.write(fmt.Sprintf(format, v...)) }
func (l serverLog) Println(v ...any)               { l.write(fmt.Sprintln(v...)) }

func (l serverLog) write(line string) {
	l.s.logMu.Lock()
	defer l.s.logMu.Unlock()
	if l.s.tb != nil {
		l.s.tb.Logf("smtptest: %s", strings.TrimSuffix(line, "\n"))
	}
}

// Close stops the server: it stops accepting, cuts every connection and
// waits for the accept loop to end, then reports whether that loop failed.
// Start arranges for it to run when the test ends; calling it before, or
// more than once, is safe. Hooks still running are not waited for, so a
// hook that blocks cannot hang the test's cleanup.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		_ = s.srv.Close()
		// go-smtp closes only the listeners Serve has registered. When
		// Close comes first, Serve would register the listener afterwards
		// and accept forever; closed here, it makes Serve return at once.
		_ = s.ln.Close()
		<-s.served
	})
	return s.serveErr
}

// Messages returns a copy of what was accepted so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// Sessions counts the connections the server has taken, which shows
// whether a client kept one open or had to reconnect.
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions
}

// Rcpts counts RCPT commands, which shows whether a client tried a
// recipient again, whether the server accepted it or not.
func (s *Server) Rcpts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rcpts
}

// next increments a counter of s and returns its new value.
func (s *Server) next(counter *int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	*counter++
	return *counter
}

type session struct {
	s    *Server
	conn *smtp.Conn
	from string
	to   []string
	user string
	mech string
}

func (se *session) AuthMechanisms() []string {
	if se.s.opts.Users == nil {
		return nil
	}
	return []string{sasl.Plain, sasl.Login}
}

func (se *session) Auth(mech string) (sasl.Server, error) {
	check := func(user, pass string) error {
		if want, ok := se.s.opts.Users[user]; !ok || want != pass {
			return smtp.ErrAuthFailed
		}
		se.user, se.mech = user, mech
		return nil
	}
	switch mech {
	case sasl.Plain:
		return sasl.NewPlainServer(func(_, user, pass string) error { return check(user, pass) }), nil
	case sasl.Login:
		return &loginServer{check: check}, nil
	}
	return nil, smtp.ErrAuthUnknownMechanism
}

func (se *session) Mail(from string, _ *smtp.MailOptions) error {
	if se.s.opts.Users != nil && se.user == "" {
		return smtp.ErrAuthRequired
	}
	se.from = from
	return nil
}

func (se *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	n := se.s.next(&se.s.rcpts)
	if hook := se.s.opts.OnRcpt; hook != nil {
		if err := hook(n, to); err != nil {
			return err
		}
	}
	se.to = append(se.to, to)
	return nil
}

func (se *session) Data(r io.Reader) error {
	s := se.s
	n := s.next(&s.datas)
	if hook := s.opts.OnData; hook != nil {
		if err := hook(n, se.conn.Conn(), r); err != nil {
			return err
		}
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	time.Sleep(s.opts.Delay)
	_, isTLS := se.conn.TLSConnectionState()
	m := Message{From: se.from, To: append([]string(nil), se.to...), Data: b, TLS: isTLS, User: se.user, Auth: se.mech}
	s.mu.Lock()
	s.messages = append(s.messages, m)
	s.mu.Unlock()
	if hook := s.opts.OnAccept; hook != nil {
		hook(n)
	}
	return nil
}

func (se *session) Reset() { se.from, se.to = "", nil }

func (se *session) Logout() error { return nil }

// loginServer is the server side of AUTH LOGIN, which go-sasl lacks: two
// prompts, username then password.
type loginServer struct {
	check func(user, pass string) error
	step  int
	user  string
}

func (l *loginServer) Next(resp []byte) ([]byte, bool, error) {
	switch l.step {
	case 0:
		l.step++
		if resp != nil { // an initial response carries the username
			l.user = string(resp)
			l.step++
			return []byte("Password:"), false, nil
		}
		return []byte("Username:"), false, nil
	case 1:
		l.step++
		l.user = string(resp)
		return []byte("Password:"), false, nil
	default:
		return nil, true, l.check(l.user, string(resp))
	}
}

// certificate makes a self-signed certificate for 127.0.0.1 and localhost
// and a pool that trusts it.
func certificate() (tls.Certificate, *x509.CertPool, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "feedwatch smtptest"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool, nil
}
