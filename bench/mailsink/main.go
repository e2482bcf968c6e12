// Command mailsink is the receiving end of the mail benchmark (bench/mail.sh):
// a real SMTP server (emersion/go-smtp) on loopback that accepts every
// message, throws the body away and counts messages, bytes and connections.
// It prints its listening addresses when ready and a summary when it is
// interrupted (SIGINT or SIGTERM), which the benchmark does once feedwatch
// has exited, so no reply is ever cut off.
//
// It can also serve one file over HTTP (-feed), so the benchmark's single
// feed needs no other server.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/emersion/go-smtp"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "SMTP address")
	feed := flag.String("feed", "", "also serve this file at http://127.0.0.1:PORT/feed.xml")
	flag.Parse()

	s := &sink{}
	srv := smtp.NewServer(s)
	srv.Domain = "mailsink.localhost"
	srv.ReadTimeout = time.Minute
	srv.WriteTimeout = time.Minute
	srv.MaxMessageBytes = 32 << 20
	l, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatal(err)
	}
	go func() {
		if err := srv.Serve(l); err != nil && !errors.Is(err, smtp.ErrServerClosed) {
			log.Fatal(err)
		}
	}()
	fmt.Printf("smtp %s\n", l.Addr())

	if *feed != "" {
		hl, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			log.Fatal(err)
		}
		mux := http.NewServeMux()
		mux.HandleFunc("/feed.xml", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/rss+xml")
			http.ServeFile(w, r, *feed)
		})
		go func() { log.Fatal(http.Serve(hl, mux)) }()
		fmt.Printf("feed http://%s/feed.xml\n", hl.Addr())
	}

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
	_ = srv.Close()
	s.report(os.Stdout)
}

// sink is the go-smtp backend: one session per connection.
type sink struct {
	mu          sync.Mutex
	conns       int
	messages    int
	bytes       int64
	first, last time.Time
}

func (s *sink) NewSession(*smtp.Conn) (smtp.Session, error) {
	s.mu.Lock()
	s.conns++
	s.mu.Unlock()
	return session{s}, nil
}

func (s *sink) report(w io.Writer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	span := s.last.Sub(s.first)
	rate := 0.0
	if span > 0 && s.messages > 1 {
		rate = float64(s.messages-1) / span.Seconds()
	}
	avg := int64(0)
	if s.messages > 0 {
		avg = s.bytes / int64(s.messages)
	}
	fmt.Fprintf(w, "received %d messages, %d bytes (%d per message), over %d connections\n", s.messages, s.bytes, avg, s.conns)
	fmt.Fprintf(w, "first to last message %.2fs: %.0f messages/s\n", span.Seconds(), rate)
	// Unix times, so the benchmark can split feedwatch's run into the part
	// before the first message arrived (render and queue) and the rest.
	fmt.Fprintf(w, "first_unix %.3f\nlast_unix %.3f\n", unix(s.first), unix(s.last))
}

type session struct{ s *sink }

func (session) Mail(string, *smtp.MailOptions) error { return nil }
func (session) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (session) Reset()                               {}
func (session) Logout() error                        { return nil }

func (ss session) Data(r io.Reader) error {
	n, err := io.Copy(io.Discard, r)
	if err != nil {
		return err
	}
	s := ss.s
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.messages == 0 {
		s.first = now
	}
	s.last = now
	s.messages++
	s.bytes += n
	return nil
}

func unix(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }
