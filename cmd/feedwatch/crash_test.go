package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/smtptest"
	"github.com/feedwatch/feedwatch/internal/store"
)

// The crash test runs the real binary, kills it with SIGKILL in the middle
// of sending a digest to 200 subscribers and starts it again. Whatever the
// kill interrupts, every subscriber must end up with the digest once; the
// only allowed exception is the one message the server had accepted when
// the process died, before it could record that (docs/mail.md, "Exactly
// once, and the one exception").

const crashSubscribers = 200

// crashTemplate makes, once, a data folder holding a database with the
// built-in us-russia topic's 200 subscribers and one polled relevant item,
// through the CLI in-process. Each run copies it, so that every kill starts
// from the same state without redoing the setup.
func crashTemplate(t *testing.T) (dir, feedURL string) {
	t.Helper()
	feed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Crash Wire</title><link>https://wire.example/</link><description>crash test</description>
<item><title>US and Russia open arms control talks in Geneva</title><link>https://wire.example/2026/11/us-russia-arms-talks</link>
<guid>crash-1</guid><pubDate>%s</pubDate>
<description>Delegations from Washington and Moscow began two days of strategic stability consultations.</description></item>
<item><title>Heavy snow closes schools across Bavaria</title><link>https://wire.example/2026/11/bavaria-snow</link>
<guid>crash-2</guid><pubDate>%[1]s</pubDate><description>Schools in Munich and Nuremberg stayed shut.</description></item>
</channel></rss>`, time.Now().UTC().Format(time.RFC1123Z))
	}))
	defer feed.Close()
	// The copies keep naming this feed although it is gone by then: the
	// configured feeds are synced into the database at every start, and a
	// feed missing from the file would take its items with it.
	feedURL = feed.URL + "/wire.rss"

	dir = t.TempDir()
	cfg := writeCrashConfig(t, dir, feedURL, 0)
	for i := 1; i <= crashSubscribers; i++ {
		if code, out, errOut := runCLI(t, nil, "subscribers", "add", crashAddress(i), "--topic", "us-russia", "--config", cfg); code != 0 {
			t.Fatalf("subscribers add: exit %d\n%s\n%s", code, out, errOut)
		}
	}
	code, out, errOut := runCLI(t, nil, "poll", "--config", cfg)
	if code != 0 || !strings.Contains(out, "1 matches") {
		t.Fatalf("poll: exit %d, want 1 match\n%s\n%s", code, out, errOut)
	}
	return dir, feedURL
}

func crashAddress(i int) string { return fmt.Sprintf("reader%03d@crash.test", i) }

// writeCrashConfig points mail at the test SMTP server, when there is one.
func writeCrashConfig(t *testing.T, dir, feedURL string, smtpPort int) string {
	t.Helper()
	smtpHost := ""
	if smtpPort > 0 {
		smtpHost = "127.0.0.1"
	}
	cfg := fmt.Sprintf(`data_dir: %s
topics_file: ""
log: {level: warn, format: text}
feeds:
  - url: %s
mail:
  from: "feedwatch crash test <digest@feedwatch.test>"
  smtp: {host: %q, port: %d, tls: none, timeout: 5s}
web: {listen: "", base_url: "https://news.feedwatch.test"}
`, dir, feedURL, smtpHost, max(smtpPort, 25))
	path := filepath.Join(dir, "feedwatch.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// copyDataDir copies the template's database (and a WAL, should one have
// been left) into a fresh folder.
func copyDataDir(t *testing.T, from string) string {
	t.Helper()
	to := t.TempDir()
	for _, name := range []string{"feedwatch.db", "feedwatch.db-wal"} {
		b, err := os.ReadFile(filepath.Join(from, name))
		if errors.Is(err, os.ErrNotExist) && name != "feedwatch.db" {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return to
}

// crashProcess is one feedwatch subprocess.
type crashProcess struct {
	cmd    *exec.Cmd
	out    outputBuffer
	exited chan struct{}
	err    error
}

func startFeedwatch(t *testing.T, bin, dir string, args ...string) *crashProcess {
	t.Helper()
	p := &crashProcess{exited: make(chan struct{})}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Dir = dir
	// A clean environment: FEEDWATCH_* variables of whoever runs the tests
	// must not change the configuration.
	p.cmd.Env = []string{"HOME=" + dir, "TZ=UTC"}
	p.cmd.Stdout, p.cmd.Stderr = &p.out, &p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.exited
	})
	return p
}

// kill sends SIGKILL and waits until the process is gone, so that whatever
// the server does next, the process can no longer record anything.
func (p *crashProcess) kill() {
	_ = p.cmd.Process.Kill()
	<-p.exited
}

func (p *crashProcess) wait(t *testing.T, timeout time.Duration) {
	t.Helper()
	select {
	case <-p.exited:
	case <-time.After(timeout):
		p.kill()
		t.Fatalf("feedwatch %v did not finish within %v:\n%s", p.cmd.Args[1:], timeout, p.out.String())
	}
}

func TestCrashMidBatchDeliversEachOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and sends 600 messages")
	}
	bin := feedwatchBinary(t)
	tmpl, feedURL := crashTemplate(t)

	cases := []struct {
		name string
		// where the kill falls
		at string // "window": after the server stored message n, before its 250
		// "rcpt": at the n-th RCPT, before the message was sent
		// "any": a random moment soon after the n-th message was stored
		n int
		// restart runs this command to finish the batch
		restart []string
		// wantDup is the number of duplicates the kill must cause; -1: 0 or 1
		wantDup int
	}{
		{"killed in the acceptance window", "window", 80, []string{"outbox", "retry"}, 1},
		{"killed before DATA", "rcpt", 101, []string{"digest", "--now"}, 0},
		{"killed at a random moment", "any", 60 + rand.IntN(80), []string{"outbox", "retry"}, -1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// The server's goroutines kill the process the test goroutine
			// starts; the atomic makes that hand-over visible to -race.
			var proc atomic.Pointer[crashProcess]
			killed := make(chan struct{})
			var once sync.Once
			// Acting only once is also what leaves the restart undisturbed:
			// the hooks stay installed for the server's whole life.
			killNow := func() { once.Do(func() { proc.Load().kill(); close(killed) }) }
			// OnAccept's n numbers DATA commands, failed ones too; the kill
			// points are numbered in messages the server stored.
			var stored atomic.Int64
			opts := smtptest.Options{Delay: 5 * time.Millisecond}
			switch tc.at {
			case "window":
				opts.OnAccept = func(int) {
					if int(stored.Add(1)) == tc.n {
						killNow()
					}
				}
			case "rcpt":
				opts.OnRcpt = func(n int, _ string) error {
					if n == tc.n {
						killNow()
					}
					return nil
				}
			case "any":
				var late sync.Once
				opts.OnAccept = func(int) {
					if int(stored.Add(1)) < tc.n {
						return
					}
					// Not in the hook: waiting there would hold the 250
					// back and so always kill in the acceptance window.
					late.Do(func() {
						go func() {
							time.Sleep(time.Duration(rand.IntN(6000)) * time.Microsecond)
							killNow()
						}()
					})
				}
			}
			srv := smtptest.Start(t, opts)
			dir := copyDataDir(t, tmpl)
			cfg := writeCrashConfig(t, dir, feedURL, srv.Port)

			p := startFeedwatch(t, bin, dir, "digest", "--now", "--config", cfg)
			proc.Store(p)
			select {
			case <-killed:
			case <-p.exited:
				// The kill waits for the exit before it reports.
				select {
				case <-killed:
				case <-time.After(2 * time.Second):
					t.Fatalf("feedwatch digest finished before the kill (%d messages):\n%s", len(srv.Messages()), p.out.String())
				}
			case <-time.After(20 * time.Second):
				t.Fatalf("no kill after 20s, %d messages:\n%s", len(srv.Messages()), p.out.String())
			}
			// A message whose last byte arrived before the kill may still
			// be in the slowed DATA handler; let it land before counting.
			time.Sleep(50 * time.Millisecond)
			atKill := len(srv.Messages())

			again := startFeedwatch(t, bin, dir, append(tc.restart, "--config", cfg)...)
			again.wait(t, 20*time.Second)
			if again.err != nil {
				t.Fatalf("restart %v: %v\n%s", tc.restart, again.err, again.out.String())
			}
			t.Logf("killed after %d of %d messages; restart %v: %s", atKill, crashSubscribers, tc.restart, strings.TrimSpace(again.out.String()))

			checkCrashDeliveries(t, srv, atKill, tc.wantDup)
			checkCrashStore(t, filepath.Join(dir, "feedwatch.db"))
		})
	}
}

// checkCrashDeliveries asserts that every subscriber got the digest, and
// that a second copy, if any, is the one message the server accepted last
// before the kill, byte for byte the same.
func checkCrashDeliveries(t *testing.T, srv *smtptest.Server, atKill, wantDup int) {
	t.Helper()
	msgs := srv.Messages()
	byAddr := map[string][]smtptest.Message{}
	for _, m := range msgs {
		byAddr[crashRcpt(m)] = append(byAddr[crashRcpt(m)], m)
	}
	var dups []string
	for i := 1; i <= crashSubscribers; i++ {
		addr := crashAddress(i)
		switch got := byAddr[addr]; {
		case len(got) == 0:
			t.Errorf("%s received nothing", addr)
		case len(got) == 2:
			dups = append(dups, addr)
			if !bytes.Equal(got[0].Data, got[1].Data) {
				t.Errorf("%s received two different messages", addr)
			}
		case len(got) > 2:
			t.Errorf("%s received %d copies", addr, len(got))
		}
	}
	if len(byAddr) != crashSubscribers {
		t.Errorf("messages went to %d addresses, want %d", len(byAddr), crashSubscribers)
	}
	switch {
	case wantDup >= 0 && len(dups) != wantDup:
		t.Errorf("%d duplicates %v, want %d", len(dups), dups, wantDup)
	case len(dups) > 1:
		t.Errorf("%d duplicates %v: a kill may repeat at most one message", len(dups), dups)
	}
	if len(dups) == 1 && atKill > 0 && crashRcpt(msgs[atKill-1]) != dups[0] {
		t.Errorf("duplicate to %s, but the message in flight at the kill went to %s", dups[0], crashRcpt(msgs[atKill-1]))
	}
	t.Logf("%d messages for %d subscribers, duplicates: %v", len(msgs), crashSubscribers, dups)
	if len(msgs) != crashSubscribers+len(dups) {
		t.Errorf("server accepted %d messages, want %d", len(msgs), crashSubscribers+len(dups))
	}
}

// crashRcpt names whom m went to. Each digest goes to one subscriber; a
// message to several counts for none of them, so the checks fail on it.
func crashRcpt(m smtptest.Message) string { return strings.Join(m.To, ",") }

// checkCrashStore asserts that the database survived the kill intact and
// records every delivery as sent, once.
func checkCrashStore(t *testing.T, path string) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.IntegrityCheck(ctx); err != nil {
		t.Error(err)
	}
	var digests, sent, other, attempts int
	if err := st.DB().QueryRow("SELECT count(*) FROM digests").Scan(&digests); err != nil {
		t.Fatal(err)
	}
	if err := st.DB().QueryRow(`SELECT count(*) FILTER (WHERE status = 'sent'), count(*) FILTER (WHERE status != 'sent'),
		coalesce(sum(attempts), 0) FROM deliveries`).Scan(&sent, &other, &attempts); err != nil {
		t.Fatal(err)
	}
	if digests != 1 || sent != crashSubscribers || other != 0 {
		t.Errorf("store holds %d digests and %d sent + %d other deliveries, want 1 digest and %d sent", digests, sent, other, crashSubscribers)
	}
	// The interrupted attempt was never recorded: one attempt each.
	if attempts != crashSubscribers {
		t.Errorf("%d attempts recorded for %d deliveries, want one each", attempts, crashSubscribers)
	}
}

// outputBuffer collects a subprocess's output; the test may read it while
// the process still writes.
type outputBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *outputBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *outputBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}
