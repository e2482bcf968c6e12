package main

import (
	"encoding/base64"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"

	"github.com/feedwatch/feedwatch/internal/browsertest"
)

// startBrowser starts headless Chromium at path for this package's page
// tests (internal/browsertest), with the statuses its pages answer on
// purpose not counted as problems.
func startBrowser(t *testing.T, path string, timeout time.Duration) *browsertest.Session {
	t.Helper()
	return browsertest.Start(t, path, browsertest.Options{Timeout: timeout, Expected: expectedStatus})
}

// startDaemonProcess runs `bin run --config cfgPath` as a process with env
// added to this one's, stops it with SIGTERM when the test ends, and
// returns its log once its web server listens.
func startDaemonProcess(t *testing.T, bin, cfgPath string, env ...string) *syncBuffer {
	t.Helper()
	logs := &syncBuffer{}
	cmd := exec.Command(bin, "run", "--config", cfgPath, "--shutdown-timeout", "5s")
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-exited
			t.Error("daemon still running 10s after SIGTERM")
		}
		if t.Failed() {
			t.Logf("daemon log:\n%s", logs.String())
		}
	})
	waitFor(t, 15*time.Second, "the web server to listen", func() bool {
		return strings.Contains(logs.String(), "web server listening")
	})
	return logs
}

// reportProblems fails the test with what the browser's pages reported
// since the last call: script exceptions and logged errors.
func reportProblems(t *testing.T, b *browsertest.Session, step string) {
	t.Helper()
	for _, p := range b.TakeProblems() {
		t.Errorf("%s: %s", step, p)
	}
}

// expectedStatus reports whether e is Chromium noting a response status
// the pages answer on purpose: 401 for admin pages without credentials, 422
// for a preview of a broken topics file.
func expectedStatus(e *cdplog.Entry) bool {
	return e.Source == cdplog.EntrySourceNetwork &&
		(strings.Contains(e.Text, "status of 401 ") || strings.Contains(e.Text, "status of 422 "))
}

// basicAuth is the value of an Authorization header for user and password.
func basicAuth(user, password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
}

// gatedFeed serves the feed at upstream+path only once released, and a valid
// feed without items before: a digest built before the test's subscriber
// confirmed would take the story and leave the next digest empty.
type gatedFeed struct {
	mu       sync.Mutex
	released bool
	upstream string
}

func (g *gatedFeed) release() {
	g.mu.Lock()
	g.released = true
	g.mu.Unlock()
}

func (g *gatedFeed) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	released := g.released
	g.mu.Unlock()
	if !released {
		w.Header().Set("Content-Type", "application/rss+xml")
		_, _ = io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Test Wire</title><link>https://wire.example/</link><description>Not yet</description></channel></rss>
`)
		return
	}
	resp, err := http.Get(g.upstream + r.URL.Path)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	w.Header().Set("Content-Type", resp.Header.Get("Content-Type"))
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, resp.Body)
}
