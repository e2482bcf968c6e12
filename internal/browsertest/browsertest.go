// Package browsertest drives a headless Chromium for tests of feedwatch's
// pages (chromedp), and reads the mails that lead to them: one session per
// test, the problems its pages report (uncaught script exceptions, console
// and browser log errors, a CSP violation among them), screenshots, and
// the links in received messages. It is for tests only.
package browsertest

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
	"github.com/chromedp/cdproto/emulation"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/feedwatch/feedwatch/internal/smtptest"
)

// ExecPath finds the Chromium (or Chrome) binary to drive: Debian's
// /usr/bin/chromium first, as CI installs it, then the usual names on PATH.
// It is empty when there is none.
func ExecPath() string {
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome-stable", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// Options of a session.
type Options struct {
	Timeout       time.Duration // for the whole session; 0: a minute
	Width, Height int           // the window; 0: 1280×900
	// Expected reports a browser log entry that is not a problem: a status
	// that a page answers on purpose (401 before signing in) is logged as
	// an error by Chromium.
	Expected func(*cdplog.Entry) bool
}

// Session is one headless Chromium with one tab.
type Session struct {
	Ctx    context.Context
	output syncBuffer // the browser's own stdout and stderr

	mu       sync.Mutex
	problems []string
}

// Start starts headless Chromium at path with a fresh profile. It is
// closed when the test ends, before the test's temporary directories go.
func Start(t *testing.T, path string, o Options) *Session {
	t.Helper()
	if o.Timeout == 0 {
		o.Timeout = time.Minute
	}
	if o.Width == 0 || o.Height == 0 {
		o.Width, o.Height = 1280, 900
	}
	if o.Expected == nil {
		o.Expected = func(*cdplog.Entry) bool { return false }
	}
	b := &Session{}
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
		chromedp.WindowSize(o.Width, o.Height),
		chromedp.CombinedOutput(&b.output),
	)
	deadline, cancelDeadline := context.WithTimeout(context.Background(), o.Timeout)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(deadline, opts...)
	ctx, cancelTab := chromedp.NewContext(allocCtx, chromedp.WithErrorf(t.Logf))
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc() // waits for the browser to exit
		cancelDeadline()
		if t.Failed() {
			t.Logf("browser output:\n%s", b.OutputText())
		}
	})
	b.Ctx = ctx
	// The first action starts the browser; the event subscriptions need the
	// tab, and the Log domain must be on for its entries to arrive.
	if _, err := chromedp.Call(ctx, cdplog.Enable, cdp.Empty{}); err != nil {
		t.Fatalf("start chromium %s: %v\n%s", path, err, b.OutputText())
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
			if e.Level != cdplog.EntryLevelError || o.Expected(e) {
				continue
			}
			b.problem(fmt.Sprintf("browser log (%s) %s: %s", e.Source, e.URL, e.Text))
		}
	}()
	return b
}

// OutputText is what the browser printed, without the complaints about
// the missing D-Bus that a container always has.
func (b *Session) OutputText() string {
	var keep []string
	for l := range strings.Lines(b.output.String()) {
		if !strings.Contains(l, "dbus/") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "")
}

func (b *Session) problem(s string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.problems = append(b.problems, s)
}

// TakeProblems returns and forgets what the pages reported so far.
func (b *Session) TakeProblems() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	p := b.problems
	b.problems = nil
	return p
}

// Do runs actions and fails the test, naming step, on the first error.
func (b *Session) Do(t *testing.T, step string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(b.Ctx, actions...); err != nil {
		t.Fatalf("%s: %v", step, err)
	}
}

// Load runs actions that cause a navigation (a link, a form's button) and
// returns the loaded page's HTTP status.
func (b *Session) Load(t *testing.T, step string, actions ...chromedp.Action[chromedp.Void]) int {
	t.Helper()
	resp, err := chromedp.RunResponse(b.Ctx, actions...)
	if err != nil {
		t.Fatalf("%s: %v", step, err)
	}
	return int(resp.Status)
}

// Eval evaluates a JavaScript expression in the page.
func Eval[T any](t *testing.T, b *Session, expr string) T {
	t.Helper()
	v, err := chromedp.Run(b.Ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// Text is the rendered text of the first element that sel matches.
func (b *Session) Text(t *testing.T, sel string) string {
	t.Helper()
	s, err := chromedp.Run(b.Ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// WaitText waits until the element that sel matches shows want.
func (b *Session) WaitText(t *testing.T, sel, want string, timeout time.Duration) {
	t.Helper()
	expr := fmt.Sprintf(`(() => { const e = document.querySelector(%q); return !!e && e.innerText.includes(%q); })()`, sel, want)
	if _, err := chromedp.Run(b.Ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(timeout), chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
		got, _ := chromedp.Run(b.Ctx, chromedp.Evaluate[string](fmt.Sprintf(`(document.querySelector(%q) || {innerText: "(no element)"}).innerText`, sel)))
		t.Fatalf("waiting for %s to show %q: %v; it shows:\n%s", sel, want, err, got)
	}
}

// Artifacts is the folder for screenshots: $FEEDWATCH_ARTIFACTS/browser
// when set (CI keeps it), else a temporary one.
func Artifacts(t *testing.T) string {
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

// Screenshot returns the whole page as a PNG.
func (b *Session) Screenshot(t *testing.T) []byte {
	t.Helper()
	png, err := chromedp.Run(b.Ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	return png
}

// ScreenshotAt returns the whole page as a PNG as a window of width ×
// height CSS pixels shows it, at scale device pixels a CSS pixel, as a
// phone (mobile) or not. It fails the test when the page is wider than
// the window: it would scroll sideways there.
func (b *Session) ScreenshotAt(t *testing.T, width, height int64, scale float64, mobile bool) []byte {
	t.Helper()
	metrics := emulation.SetDeviceMetricsOverrideParams{Width: width, Height: height, DeviceScaleFactor: scale, Mobile: mobile}
	if _, err := chromedp.Call(b.Ctx, emulation.SetDeviceMetricsOverride, metrics); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if _, err := chromedp.Call(b.Ctx, emulation.ClearDeviceMetricsOverride, cdp.Empty{}); err != nil {
			t.Fatal(err)
		}
	}()
	if w := Eval[int64](t, b, `document.documentElement.scrollWidth`); w > width {
		t.Errorf("the page is %dpx wide in a %dpx window", w, width)
	}
	metrics.Height = max(height, Eval[int64](t, b, `document.documentElement.scrollHeight`))
	if _, err := chromedp.Call(b.Ctx, emulation.SetDeviceMetricsOverride, metrics); err != nil {
		t.Fatal(err)
	}
	return b.Screenshot(t)
}

// SaveScreenshot saves the whole page as dir/name.
func (b *Session) SaveScreenshot(t *testing.T, dir, name string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), b.Screenshot(t), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Mail is a received message with its text and HTML bodies decoded.
type Mail struct {
	Header     mail.Header
	Text, HTML string
}

// ParseMail reads a raw message.
func ParseMail(t *testing.T, raw []byte) Mail {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("not a mail message: %v\n%.500s", err, raw)
	}
	pm := Mail{Header: msg.Header}
	if err := pm.addPart(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body); err != nil {
		t.Fatalf("read message body: %v\n%.1000s", err, raw)
	}
	return pm
}

// addPart keeps the first text/plain and text/html bodies under a part of
// type contentType, descending into multiparts.
func (pm *Mail) addPart(contentType, encoding string, body io.Reader) error {
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
			// header); base64 is undone here.
			var r io.Reader = p
			if strings.EqualFold(p.Header.Get("Content-Transfer-Encoding"), "base64") {
				r = base64.NewDecoder(base64.StdEncoding, p)
			}
			if err := pm.addPart(p.Header.Get("Content-Type"), "", r); err != nil {
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

// WaitMail waits for a message to addr that match accepts and returns it.
func WaitMail(t *testing.T, srv *smtptest.Server, addr, what string, timeout time.Duration, match func(Mail) bool) Mail {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		for _, m := range srv.Messages() {
			if !slices.Contains(m.To, addr) {
				continue
			}
			if pm := ParseMail(t, m.Data); match(pm) {
				return pm
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// LinkIn finds the first link to base+path (with its query) in a mail's
// text, or in its HTML with the entities undone.
func LinkIn(body, base, path string) string {
	re := regexp.MustCompile(regexp.QuoteMeta(base+path) + `\?[^\s"'<>]+`)
	return html.UnescapeString(re.FindString(body))
}

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
