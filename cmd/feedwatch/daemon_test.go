package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/smtptest"
	"github.com/feedwatch/feedwatch/internal/store"
)

// buildBinary compiles feedwatch once per test run.
var buildOnce struct {
	sync.Once
	path string
	err  error
}

func feedwatchBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "feedwatch-bin-")
		if err != nil {
			buildOnce.err = err
			return
		}
		buildOnce.path = filepath.Join(dir, "feedwatch")
		out, err := exec.Command("go", "build", "-o", buildOnce.path, ".").CombinedOutput()
		if err != nil {
			buildOnce.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildOnce.err != nil {
		t.Fatal(buildOnce.err)
	}
	return buildOnce.path
}

// syncBuffer is a bytes.Buffer safe for a process writing and a test reading.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// shippedTopicsWithSchedule copies the shipped topics file with every
// digest schedule replaced.
func shippedTopicsWithSchedule(t *testing.T, path, schedule string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "config", "topics.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	s := strings.ReplaceAll(string(b), `schedule: "0 7 * * *"`, fmt.Sprintf("schedule: %q", schedule))
	if s == string(b) {
		t.Fatal("shipped topics file has no schedule \"0 7 * * *\" to replace")
	}
	if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
}

// freeAddr returns a loopback address with a port that was free a moment ago.
// runDaemon runs `feedwatch run --config cfg` in-process until the test
// ends, and returns its log once its web server listens.
func runDaemon(t *testing.T, name, cfg string, environ []string) *syncBuffer {
	t.Helper()
	logs := &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"run", "--config", cfg, "--shutdown-timeout", "5s"}, strings.NewReader(""), logs, logs, environ, nil)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			t.Errorf("%s: daemon still running 15s after it was told to stop", name)
		}
		if t.Failed() {
			t.Logf("%s daemon log:\n%s", name, logs.String())
		}
	})
	waitFor(t, 20*time.Second, name+" web server", func() bool { return strings.Contains(logs.String(), "web server listening") })
	return logs
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func TestDaemon(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the daemon as a process")
	}
	bin := feedwatchBinary(t)
	feeds := feedServer(t)
	smtpSrv := smtptest.Start(t, smtptest.Options{})

	dir := t.TempDir()
	webAddr := freeAddr(t)
	topicsPath := filepath.Join(dir, "topics.yaml")
	shippedTopicsWithSchedule(t, topicsPath, "@every 2s")
	cfgPath := filepath.Join(dir, "feedwatch.yaml")
	cfg := fmt.Sprintf(`data_dir: %[1]s
topics_file: %[2]s
log: {level: info, format: json}
poll: {schedule: "@every 1s", interval: 1s, min_interval: 1s, timeout: 5s}
feeds:
  - url: %[3]s/wire.rss
  - url: %[3]s/sports.rss
mail:
  from: "feedwatch <digest@feedwatch.test>"
  smtp: {host: 127.0.0.1, port: %[4]d, tls: none}
web: {listen: "%[5]s", base_url: "https://news.feedwatch.test"}
retention: {max_age: 0s}
backup: {schedule: "@every 1s", dir: %[1]s/backups, keep: 2}
`, dir, topicsPath, feeds.URL, smtpSrv.Port, webAddr)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	// Instant: the alert follows the first poll.
	if code, out, errOut := runCLI(t, nil, "subscribers", "add", "reader@feedwatch.test", "--topic", "us-russia", "--frequency", "instant", "--config", cfgPath); code != 0 {
		t.Fatalf("subscribers add: %d %s %s", code, out, errOut)
	}

	var logs syncBuffer
	cmd := exec.Command(bin, "run", "--config", cfgPath, "--shutdown-timeout", "10s")
	cmd.Env = append(os.Environ(), "FEEDWATCH_TEST_ADMIN_TOKEN=reload-token")
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
		}
	}()

	waitFor(t, 30*time.Second, "an alert to reach the SMTP server", func() bool { return len(smtpSrv.Messages()) >= 1 })
	msg := string(smtpSrv.Messages()[0].Data)
	if !strings.Contains(msg, "US and Russia open arms control talks in Geneva") || !strings.Contains(msg, "X-Feedwatch-Kind: alert") {
		t.Errorf("alert lacks the relevant story:\n%.800s", msg)
	}

	// The web server answers health, readiness and metrics.
	for path, want := range map[string]string{"/healthz": "ok", "/readyz": "ready", "/metrics": "feedwatch_polls_total",
		"/metrics?store": `feedwatch_feeds{status="ok"} 2`, "/metrics?items": "\nfeedwatch_items ", "/metrics?outbox": `feedwatch_outbox{status="sent"}`} {
		resp, err := http.Get("http://" + webAddr + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), want) {
			t.Errorf("GET %s: %d %.300s", path, resp.StatusCode, body)
		}
	}

	// A second daemon on the same database refuses to start.
	second := exec.Command(bin, "run", "--config", cfgPath)
	out, err := second.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "another feedwatch daemon is running") {
		t.Errorf("second daemon: err %v, output:\n%s", err, out)
	}

	// Backups every second, the two newest kept, each a whole database with
	// the items polled before it.
	waitFor(t, 20*time.Second, "three backups in the log", func() bool {
		return strings.Count(logs.String(), `"msg":"database backed up"`) >= 3
	})
	if resp, err := http.Get("http://" + webAddr + "/metrics"); err != nil {
		t.Error(err)
	} else {
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !regexp.MustCompile(`(?m)^feedwatch_backups_total\{result="ok"\} [1-9]`).Match(body) ||
			!strings.Contains(string(body), `feedwatch_backups_total{result="failed"} 0`) {
			t.Errorf("backups not in /metrics:\n%s", regexp.MustCompile(`(?m)^feedwatch_.*backup.*$`).FindAll(body, -1))
		}
	}

	// CLI commands work while the daemon runs.
	if code, out, errOut := runCLI(t, nil, "feeds", "list", "--config", cfgPath); code != 0 || !strings.Contains(out, "wire.rss") {
		t.Errorf("feeds list during run: %d\n%s\n%s", code, out, errOut)
	}

	// A good edit of the topics file is picked up without a signal.
	shippedTopicsWithSchedule(t, topicsPath, "@every 3s")
	waitFor(t, 10*time.Second, "the edited topics file to be reloaded", func() bool {
		return strings.Contains(logs.String(), `"msg":"topics reloaded","reason":"topics file changed"`)
	})

	// The admin pages are off until a reload names an admin user: the web
	// server follows the config file as the jobs do.
	admin := func() int {
		req, _ := http.NewRequest("GET", "http://"+webAddr+"/admin", nil)
		req.Header.Set("Authorization", "Bearer reload-token")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := admin(); code != http.StatusNotFound {
		t.Errorf("GET /admin before the reload: %d, want 404 (admin off)", code)
	}
	edited := strings.Replace(cfg, `web: {listen: "`, `web: {admin_token_env: FEEDWATCH_TEST_ADMIN_TOKEN, listen: "`, 1)
	if err := os.WriteFile(cfgPath, []byte(edited), 0o600); err != nil {
		t.Fatal(err)
	}

	// A broken topics file is reported and the old rules stay in force.
	if err := os.WriteFile(topicsPath, []byte("topics:\n  - id: broken\n    rules: {any: [}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd.Process.Signal(syscall.SIGHUP)
	waitFor(t, 10*time.Second, "the rejected reload in the log", func() bool {
		return strings.Contains(logs.String(), "topics not reloaded")
	})
	waitFor(t, 5*time.Second, "the config reload in the log", func() bool {
		return strings.Contains(logs.String(), `"msg":"config reloaded"`)
	})
	if code := admin(); code != http.StatusOK {
		t.Errorf("GET /admin after the reload: %d, want 200", code)
	}
	select {
	case err := <-exited:
		t.Fatalf("daemon exited after a bad reload: %v\n%s", err, logs.String())
	case <-time.After(1500 * time.Millisecond):
	}

	start := time.Now()
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("daemon exit after SIGTERM: %v\n%s", err, logs.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("daemon still running 15s after SIGTERM\n%s", logs.String())
	}
	t.Logf("stopped %s after SIGTERM", time.Since(start).Round(time.Millisecond))
	if !strings.Contains(logs.String(), "feedwatch stopped") {
		t.Errorf("no clean stop in the log:\n%s", logs.String())
	}

	// Counted once the daemon has stopped: while it runs, a backup may be
	// between its new file and deleting the oldest.
	backups, _ := filepath.Glob(filepath.Join(dir, "backups", "*"))
	if len(backups) != 2 {
		t.Errorf("backup folder holds %v, want the 2 newest backups and nothing else", backups)
	} else if info, err := store.Backup(context.Background(), backups[1], filepath.Join(dir, "copy-of-backup.db")); err != nil || info.Items == 0 {
		t.Errorf("newest backup %s: %+v, %v", backups[1], info, err)
	}

	st, err := store.Open(context.Background(), filepath.Join(dir, "feedwatch.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.IntegrityCheck(context.Background()); err != nil {
		t.Error(err)
	}
	sent, _ := st.Deliveries(context.Background(), "sent", 10)
	if len(sent) != len(smtpSrv.Messages()) {
		t.Errorf("%d deliveries recorded sent, server received %d", len(sent), len(smtpSrv.Messages()))
	}
}
