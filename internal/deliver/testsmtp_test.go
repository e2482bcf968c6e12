package deliver

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	fwmail "github.com/feedwatch/feedwatch/internal/mail"
)

// smtpMessage is one message the test server accepted.
type smtpMessage struct {
	from string
	to   []string
	data []byte
	tls  bool
	user string
}

// smtpServer is a real go-smtp server on a loopback port. It counts what a
// relay would see (connections, RCPT and DATA commands, accepted messages)
// and lets a test answer each command its own way, to inject the failures a
// real relay produces.
type smtpServer struct {
	host string
	port int
	pool *x509.CertPool // trusts the server's certificate

	mu    sync.Mutex
	msgs  []smtpMessage
	conns int
	rcpts int
	datas int
	// onRcpt is called for every RCPT with its 1-based number; a non-nil
	// error is the reply.
	onRcpt func(n int, to string) error
	// onData is called for every DATA with its 1-based number before the
	// body is read. It may read part of r, close c's connection, sleep, or
	// return an error as the reply; nil lets the message be accepted.
	onData func(n int, c *smtp.Conn, r io.Reader) error
	// afterData runs once a message is stored, before the server replies
	// 250: the acceptance window.
	afterData func(n int)
	users     map[string]string
}

type smtpServerOptions struct {
	startTLS bool              // offer STARTTLS with a generated certificate
	users    map[string]string // require AUTH (PLAIN or LOGIN) as one of these
}

func newSMTPServer(t testing.TB, so smtpServerOptions) *smtpServer {
	t.Helper()
	s := &smtpServer{users: so.users}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		s.mu.Lock()
		s.conns++
		s.mu.Unlock()
		return &smtpSession{srv: s, conn: c}, nil
	}))
	srv.Domain = "localhost"
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	if so.startTLS {
		cert, pool := testCert(t)
		s.pool = pool
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		// AllowInsecureAuth stays false: AUTH is then advertised only after
		// STARTTLS, so a login that works proves the client encrypted first.
	} else {
		srv.AllowInsecureAuth = true
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.host, s.port = "127.0.0.1", l.Addr().(*net.TCPAddr).Port
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(l); err != nil && !errors.Is(err, smtp.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
			t.Errorf("smtp server: %v", err)
		}
	}()
	t.Cleanup(func() {
		_ = srv.Close()
		_ = l.Close() // Serve may not have registered it yet
		<-done
	})
	return s
}

// sender returns an SMTP sender for this server without TLS.
func (s *smtpServer) sender(timeout time.Duration) *fwmail.SMTPSender {
	return fwmail.NewSMTP(s.options(timeout))
}

func (s *smtpServer) options(timeout time.Duration) fwmail.SMTPOptions {
	return fwmail.SMTPOptions{Host: s.host, Port: s.port, TLS: fwmail.TLSNone, Timeout: timeout, HELO: "client.test"}
}

func (s *smtpServer) messages() []smtpMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]smtpMessage(nil), s.msgs...)
}

// counts returns connections, RCPT commands and DATA commands seen.
func (s *smtpServer) counts() (conns, rcpts, datas int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conns, s.rcpts, s.datas
}

// perRecipient counts accepted messages by envelope recipient.
func (s *smtpServer) perRecipient() map[string]int {
	out := map[string]int{}
	for _, m := range s.messages() {
		for _, to := range m.to {
			out[to]++
		}
	}
	return out
}

type smtpSession struct {
	srv  *smtpServer
	conn *smtp.Conn
	from string
	to   []string
	user string
}

func (s *smtpSession) AuthMechanisms() []string {
	if s.srv.users == nil {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *smtpSession) Auth(mech string) (sasl.Server, error) {
	if mech != sasl.Plain {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if want, ok := s.srv.users[user]; !ok || want != pass {
			return smtp.ErrAuthFailed
		}
		s.user = user
		return nil
	}), nil
}

func (s *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	if s.srv.users != nil && s.user == "" {
		return smtp.ErrAuthRequired
	}
	s.from = from
	return nil
}

func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.srv.mu.Lock()
	s.srv.rcpts++
	n, hook := s.srv.rcpts, s.srv.onRcpt
	s.srv.mu.Unlock()
	if hook != nil {
		if err := hook(n, to); err != nil {
			return err
		}
	}
	s.to = append(s.to, to)
	return nil
}

func (s *smtpSession) Data(r io.Reader) error {
	s.srv.mu.Lock()
	s.srv.datas++
	n, hook, after := s.srv.datas, s.srv.onData, s.srv.afterData
	s.srv.mu.Unlock()
	if hook != nil {
		if err := hook(n, s.conn, r); err != nil {
			return err
		}
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	_, isTLS := s.conn.TLSConnectionState()
	s.srv.mu.Lock()
	s.srv.msgs = append(s.srv.msgs, smtpMessage{from: s.from, to: s.to, data: b, tls: isTLS, user: s.user})
	s.srv.mu.Unlock()
	if after != nil {
		after(n)
	}
	return nil
}

func (s *smtpSession) Reset()        { s.from, s.to = "", nil }
func (s *smtpSession) Logout() error { return nil }

// smtpReply is an SMTP error reply with an enhanced status code.
func smtpReply(code int, enhanced smtp.EnhancedCode, msg string) error {
	return &smtp.SMTPError{Code: code, EnhancedCode: enhanced, Message: msg}
}

// testCert makes a self-signed certificate for 127.0.0.1 and a pool that
// trusts it, so the client verifies the chain as it would in production
// rather than skipping verification.
func testCert(t testing.TB) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "feedwatch deliver test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}
