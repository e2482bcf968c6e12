package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"html"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/http"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/feedwatch/feedwatch/internal/smtptest"
)

// browserExecPath finds the Chromium (or Chrome) binary to drive: Debian's
// /usr/bin/chromium first, as CI installs it, then the usual names on PATH.
func browserExecPath() string {
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome-stable", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// browserSession is one headless Chromium with one tab, and what the pages
// in it reported: uncaught script exceptions and console or browser log
// errors (a CSP violation is one).
type browserSession struct {
	ctx    context.Context
	output syncBuffer // the browser's own stdout and stderr

	mu       sync.Mutex
	problems []string
}

// startBrowser starts headless Chromium at path with a fresh profile. It is
// closed when the test ends, before the test's temporary directories go.
func startBrowser(t *testing.T, path string, timeout time.Duration) *browserSession {
	t.Helper()
	b := &browserSession{}
	profile := filepath.Join(t.TempDir(), "profile")
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox, // CI runs as root, where Chromium's sandbox refuses to start
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 900),
		chromedp.CombinedOutput(&b.output),
	)
	deadline, cancelDeadline := context.WithTimeout(context.Background(), timeout)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(deadline, opts...)
	ctx, cancelTab := chromedp.NewContext(allocCtx, chromedp.WithErrorf(t.Logf))
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc() // waits for the browser to exit
		cancelDeadline()
		if t.Failed() {
			t.Logf("browser output:\n%s", b.outputText())
		}
	})
	b.ctx = ctx
	// The first action starts the browser; the event subscriptions need the
	// tab, and the Log domain must be on for its entries to arrive.
	if _, err := chromedp.Call(ctx, cdplog.Enable, cdp.Empty{}); err != nil {
		t.Fatalf("start chromium %s: %v\n%s", path, err, b.outputText())
	}
	exceptions := chromedp.Events(ctx, runtime.ExceptionThrown)
	entries := chromedp.Events(ctx, cdplog.EntryAdded)
	go func() {
		for ev, err := range exceptions {
			if err != nil {
				return
			}
			d := ev.ExceptionDetails
			msg := d.Text
			if d.Exception != nil && d.Exception.Description != "" {
				msg += " " + d.Exception.Description
			}
			b.problem(fmt.Sprintf("script exception at %s:%d: %s", d.URL, d.LineNumber+1, msg))
		}
	}()
	go func() {
		for ev, err := range entries {
			if err != nil {
				return
			}
			e := ev.Entry
			if e.Level != cdplog.EntryLevelError || expectedStatus(e) {
				continue
			}
			b.problem(fmt.Sprintf("browser log (%s) %s: %s", e.Source, e.URL, e.Text))
		}
	}()
	return b
}

// expectedStatus reports whether e is Chromium noting a response status
// the pages answer on purpose: 401 for admin pages without credentials, 422
// for a preview of a broken topics file.
func expectedStatus(e *cdplog.Entry) bool {
	return e.Source == cdplog.EntrySourceNetwork &&
		(strings.Contains(e.Text, "status of 401 ") || strings.Contains(e.Text, "status of 422 "))
}

// outputText is what the browser printed, without the complaints about
// the missing D-Bus that a container always has.
func (b *browserSession) outputText() string {
	var keep []string
	for l := range strings.Lines(b.output.String()) {
		if !strings.Contains(l, "dbus/") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "")
}

func (b *browserSession) problem(s string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.problems = append(b.problems, s)
}

// takeProblems returns and forgets what the pages reported so far.
func (b *browserSession) takeProblems() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	p := b.problems
	b.problems = nil
	return p
}

// do runs actions and fails the test, naming step, on the first error.
func (b *browserSession) do(t *testing.T, step string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		t.Fatalf("%s: %v", step, err)
	}
}

// load runs actions that cause a navigation (a link, a form's button) and
// returns the loaded page's HTTP status.
func (b *browserSession) load(t *testing.T, step string, actions ...chromedp.Action[chromedp.Void]) int {
	t.Helper()
	resp, err := chromedp.RunResponse(b.ctx, actions...)
	if err != nil {
		t.Fatalf("%s: %v", step, err)
	}
	return int(resp.Status)
}

// eval evaluates a JavaScript expression in the page.
func browserEval[T any](t *testing.T, b *browserSession, expr string) T {
	t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// text is the rendered text of the first element that sel matches.
func (b *browserSession) text(t *testing.T, sel string) string {
	t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// waitText waits until the element that sel matches shows want.
func (b *browserSession) waitText(t *testing.T, sel, want string, timeout time.Duration) {
	t.Helper()
	expr := fmt.Sprintf(`(() => { const e = document.querySelector(%q); return !!e && e.innerText.includes(%q); })()`, sel, want)
	if _, err := chromedp.Run(b.ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(timeout), chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
		got, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](fmt.Sprintf(`(document.querySelector(%q) || {innerText: "(no element)"}).innerText`, sel)))
		t.Fatalf("waiting for %s to show %q: %v; it shows:\n%s", sel, want, err, got)
	}
}

// browserArtifacts is the folder for the screenshots: $FEEDWATCH_ARTIFACTS/browser
// when set (CI keeps it), else a temporary one.
func browserArtifacts(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if root := os.Getenv("FEEDWATCH_ARTIFACTS"); root != "" {
		dir = filepath.Join(root, "browser")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("screenshots in %s", dir)
	return dir
}

// screenshot saves the whole page as dir/name.
func (b *browserSession) screenshot(t *testing.T, dir, name string) {
	t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// parsedMail is a received message with its text and HTML bodies decoded.
type parsedMail struct {
	Header     mail.Header
	Text, HTML string
}

func parseMail(t *testing.T, raw []byte) parsedMail {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("not a mail message: %v\n%.500s", err, raw)
	}
	pm := parsedMail{Header: msg.Header}
	if err := pm.addPart(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body); err != nil {
		t.Fatalf("read message body: %v\n%.1000s", err, raw)
	}
	return pm
}

// addPart keeps the first text/plain and text/html bodies under a part of
// type contentType, descending into multiparts.
func (pm *parsedMail) addPart(contentType, encoding string, body io.Reader) error {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt = "text/plain"
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			// NextPart has already undone quoted-printable (and dropped the
			// header); decodePart handles base64.
			if err := pm.addPart(p.Header.Get("Content-Type"), "", decodePart(p)); err != nil {
				return err
			}
		}
	}
	switch strings.ToLower(encoding) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	switch {
	case mt == "text/plain" && pm.Text == "":
		pm.Text = string(b)
	case mt == "text/html" && pm.HTML == "":
		pm.HTML = string(b)
	}
	return nil
}

// waitMail waits for a message to addr that match accepts and returns it.
func waitMail(t *testing.T, srv *smtptest.Server, addr, what string, timeout time.Duration, match func(parsedMail) bool) parsedMail {
	t.Helper()
	var found *parsedMail
	waitFor(t, timeout, what, func() bool {
		for _, m := range srv.Messages() {
			if !slices.Contains(m.To, addr) {
				continue
			}
			if pm := parseMail(t, m.Data); match(pm) {
				found = &pm
				return true
			}
		}
		return false
	})
	return *found
}

// linkIn finds the first link to base+path (with its query) in a mail's
// text, or in its HTML with the entities undone.
func linkIn(body, base, path string) string {
	re := regexp.MustCompile(regexp.QuoteMeta(base+path) + `\?[^\s"'<>]+`)
	return html.UnescapeString(re.FindString(body))
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
