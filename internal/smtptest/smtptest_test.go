package smtptest

import (
	"bufio"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// closeWithin fails the test when s.Close does not return in time. It then
// closes the listener itself so that the Close Start registered can return:
// a hang shows up as a failure rather than as a stuck test binary.
func closeWithin(t *testing.T, s *Server, d time.Duration) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- s.Close() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("close: %v", err)
		}
	case <-time.After(d):
		_ = s.ln.Close()
		t.Fatalf("close did not return within %v", d)
	}
}

// Close must not wait on Serve registering its listener: called at once
// after Start it usually runs before the serving goroutine has started.
func TestCloseBeforeServe(t *testing.T) {
	for range 200 {
		closeWithin(t, Start(t, Options{}), 5*time.Second)
	}
}

// An explicit Close, another one, and the one Start registered for the end
// of the test all return.
func TestCloseTwice(t *testing.T) {
	s := Start(t, Options{})
	closeWithin(t, s, 5*time.Second)
	closeWithin(t, s, 5*time.Second)
}

func TestCloseConcurrently(t *testing.T) {
	s := Start(t, Options{})
	for range 3 {
		go s.Close()
	}
	closeWithin(t, s, 5*time.Second)
}

// A client that holds its connection open, and a hook that never returns
// by itself, do not hold Close up.
func TestCloseWithBusyConnections(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	s := Start(t, Options{OnData: func(int, net.Conn, io.Reader) error {
		<-release
		return nil
	}})
	addr := net.JoinHostPort(s.Host, strconv.Itoa(s.Port))

	idle, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	if line, err := bufio.NewReader(idle).ReadString('\n'); err != nil || !strings.HasPrefix(line, "220 ") {
		t.Fatalf("greeting %q, %v", line, err)
	}

	c, err := smtp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sent := make(chan error, 1)
	go func() {
		sent <- c.SendMail("a@example.org", []string{"b@example.org"}, strings.NewReader("Subject: x\r\n\r\nx\r\n"))
	}()
	deadline := time.Now().Add(5 * time.Second)
	for s.dataCount() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the client never reached DATA")
		}
		time.Sleep(time.Millisecond)
	}

	closeWithin(t, s, 5*time.Second)
	if err := <-sent; err == nil {
		t.Error("the message went through a closed server")
	}
}

func (s *Server) dataCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.datas
}
