package main

import (
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/feedwatch/feedwatch/internal/browsertest"
	"github.com/feedwatch/feedwatch/internal/smtptest"
)

// TestBrowser drives the web UI of a running `feedwatch run` in headless
// Chromium the way a reader and an editor would: subscribe, confirm from
// the mail (its link, then the page's button), receive a digest, unsubscribe from its link, then sign in to
// the admin pages and edit the topics with the live preview. Screenshots of
// every page go to $FEEDWATCH_ARTIFACTS/browser (else a temporary folder).
func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the daemon and a browser")
	}
	chromium := browsertest.ExecPath()
	if chromium == "" {
		t.Skip("no chromium or chrome binary found (CI installs Debian's chromium); skipping the browser test")
	}
	const (
		story     = "US and Russia open arms control talks in Geneva"
		reader    = "browser-reader@feedwatch.test"
		adminUser = "editor"
		adminPass = "correct horse battery staple"
		passEnv   = "FEEDWATCH_TEST_BROWSER_ADMIN_PASSWORD"
	)
	start := time.Now()
	shots := browsertest.Artifacts(t)
	bin := feedwatchBinary(t)
	feeds := feedServer(t)
	wire := &gatedFeed{upstream: feeds.URL}
	wireSrv := httptest.NewServer(wire)
	t.Cleanup(wireSrv.Close)
	smtpSrv := smtptest.Start(t, smtptest.Options{})

	dir := t.TempDir()
	webAddr := freeAddr(t)
	base := "http://" + webAddr
	topicsPath := filepath.Join(dir, "topics.yaml")
	shippedTopicsWithSchedule(t, topicsPath, "@every 3s")
	cfgPath := filepath.Join(dir, "feedwatch.yaml")
	cfg := fmt.Sprintf(`data_dir: %[1]s
topics_file: %[2]s
log: {level: info, format: json}
poll: {schedule: "@every 1s", interval: 1s, min_interval: 1s, timeout: 5s}
feeds:
  - url: %[3]s/wire.rss
  - url: %[4]s/sports.rss
    title: Sports desk
  - url: %[4]s/local.atom
mail:
  from: "feedwatch <digest@feedwatch.test>"
  smtp: {host: 127.0.0.1, port: %[5]d, tls: none}
web:
  listen: "%[6]s"
  base_url: "%[7]s"
  admin_user: %[8]s
  admin_password_env: %[9]s
retention: {max_age: 0s}  # the fixtures have fixed dates
`, dir, topicsPath, wireSrv.URL, feeds.URL, smtpSrv.Port, webAddr, base, adminUser, passEnv)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}

	startDaemonProcess(t, bin, cfgPath, passEnv+"="+adminPass)

	b := startBrowser(t, chromium, 60*time.Second)
	checkPage := func(step string) { t.Helper(); reportProblems(t, b, step) }

	// 1. Subscribe on the start page.
	if status := b.Load(t, "open /", chromedp.Navigate(base+"/")); status != 200 {
		t.Fatalf("GET / = %d", status)
	}
	b.Do(t, "fill the subscribe form",
		chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SendKeys(chromedp.ID("email"), reader),
		chromedp.Click(chromedp.CSS(`input[name=topic][value="us-russia"]`)),
	)
	if !browsertest.Eval[bool](t, b, `document.querySelector('input[name=topic][value="us-russia"]').checked`) {
		t.Fatal("the us-russia box is not ticked after the click")
	}
	b.SaveScreenshot(t, shots, "01-index.png")
	checkPage("start page")
	if status := b.Load(t, "submit the subscribe form", chromedp.Click(chromedp.CSS(`form[action="/subscribe"] button[type=submit]`))); status != 200 {
		t.Fatalf("POST /subscribe = %d: %s", status, b.Text(t, "main"))
	}
	if h := b.Text(t, "h1"); h != "Check your mail" {
		t.Fatalf("after subscribing the page says %q:\n%s", h, b.Text(t, "main"))
	}
	if got := b.Text(t, "main"); !strings.Contains(got, reader) {
		t.Errorf("the sent page does not name the address:\n%s", got)
	}
	b.SaveScreenshot(t, shots, "02-sent.png")
	checkPage("sent page")

	// 2. Confirm with the link from the mail.
	confirmMail := browsertest.WaitMail(t, smtpSrv, reader, "the confirmation mail", 10*time.Second, func(m browsertest.Mail) bool {
		return strings.Contains(m.Text, "/confirm?token=")
	})
	confirmURL := browsertest.LinkIn(confirmMail.Text, base, "/confirm")
	if confirmURL == "" {
		t.Fatalf("no confirm link under %s in the text part:\n%s", base, confirmMail.Text)
	}
	if got := browsertest.LinkIn(confirmMail.HTML, base, "/confirm"); got != confirmURL {
		t.Errorf("HTML part links %q, text part %q", got, confirmURL)
	}
	if status := b.Load(t, "open the confirm link", chromedp.Navigate(confirmURL)); status != 200 {
		t.Fatalf("GET confirm link = %d: %s", status, b.Text(t, "main"))
	}
	// The link shows a button; only pressing it confirms, so that mail
	// scanners following links confirm nobody.
	if status := b.Load(t, "press Confirm", chromedp.Click(chromedp.CSS(`form[action="/confirm"] button`))); status != 200 {
		t.Fatalf("POST /confirm = %d: %s", status, b.Text(t, "main"))
	}
	if h := b.Text(t, "h1"); h != "You are subscribed" {
		t.Fatalf("the confirm link shows %q:\n%s", h, b.Text(t, "main"))
	}
	if got := b.Text(t, "main"); !strings.Contains(got, "US–Russia relations") {
		t.Errorf("the confirmed page does not name the topic:\n%s", got)
	}
	b.SaveScreenshot(t, shots, "03-confirmed.png")
	checkPage("confirmed page")

	// 3. The story appears only now, so the next digest has a subscriber
	// to send it to; then unsubscribe with the digest's link.
	wire.release()
	digest := browsertest.WaitMail(t, smtpSrv, reader, "a digest mail", 20*time.Second, func(m browsertest.Mail) bool {
		return m.Header.Get("X-Feedwatch-Topic") == "us-russia"
	})
	for _, part := range []struct{ name, body string }{{"text", digest.Text}, {"HTML", digest.HTML}} {
		if !strings.Contains(part.body, story) {
			t.Errorf("the digest's %s part lacks %q:\n%.1500s", part.name, story, part.body)
		}
	}
	unsubURL := ""
	if h := digest.Header.Get("List-Unsubscribe"); h != "" {
		unsubURL = browsertest.LinkIn(strings.Join(strings.Fields(h), ""), base, "/unsubscribe")
	}
	if unsubURL == "" {
		t.Errorf("no unsubscribe link under %s in List-Unsubscribe %q", base, digest.Header.Get("List-Unsubscribe"))
		unsubURL = browsertest.LinkIn(digest.HTML, base, "/unsubscribe")
	}
	if browsertest.LinkIn(digest.HTML, base, "/unsubscribe") == "" {
		t.Errorf("the digest's HTML has no unsubscribe link under %s", base)
	}
	if unsubURL == "" {
		t.Fatal("no unsubscribe link in the digest")
	}
	if status := b.Load(t, "open the unsubscribe link", chromedp.Navigate(unsubURL)); status != 200 {
		t.Fatalf("GET unsubscribe link = %d: %s", status, b.Text(t, "main"))
	}
	if got := b.Text(t, "main"); !strings.Contains(got, "Stop receiving the digest for US–Russia relations?") {
		t.Errorf("the unsubscribe page asks:\n%s", got)
	}
	b.SaveScreenshot(t, shots, "04-unsubscribe.png")
	checkPage("unsubscribe page")
	if status := b.Load(t, "click Unsubscribe", chromedp.Click(chromedp.CSS(`form[action="/unsubscribe"] button`))); status != 200 {
		t.Fatalf("POST /unsubscribe = %d: %s", status, b.Text(t, "main"))
	}
	if h := b.Text(t, "h1"); h != "You are unsubscribed" {
		t.Fatalf("after the click the page says %q:\n%s", h, b.Text(t, "main"))
	}
	b.SaveScreenshot(t, shots, "05-unsubscribed.png")
	checkPage("unsubscribed page")
	code, out, errOut := runCLI(t, nil, "subscribers", "list", "--config", cfgPath)
	if code != 0 {
		t.Fatalf("subscribers list: exit %d\n%s\n%s", code, out, errOut)
	}
	if fields := subscriberLine(out, reader, "us-russia"); len(fields) < 3 || fields[2] != "unsubscribed" {
		t.Errorf("subscribers list after unsubscribing:\n%s", out)
	}

	// The public archive lists the digest, and its copy renders under the
	// archive's strict CSP without anything blocked.
	if status := b.Load(t, "open /digests", chromedp.Navigate(base+"/digests")); status != 200 {
		t.Fatalf("GET /digests = %d", status)
	}
	if status := b.Load(t, "open the archived digest", chromedp.Click(chromedp.CSS(`main table a[href^="/digests/"]`))); status != 200 {
		t.Fatalf("GET archived digest = %d", status)
	}
	if got := b.Text(t, "body"); !strings.Contains(got, story) {
		t.Errorf("the archived digest lacks the story:\n%.1500s", got)
	}
	b.SaveScreenshot(t, shots, "09-archive.png")
	checkPage("archived digest")

	// 4. Admin. Without credentials it is 401; headless Chromium cancels the
	// sign-in prompt of a navigation, so a page's script asks (not the
	// archived digest's, whose CSP allows no requests).
	b.Load(t, "open /", chromedp.Navigate(base+"/"))
	noAuth, err := chromedp.Run(b.Ctx, chromedp.Evaluate[int](`fetch('/admin', {credentials: 'omit'}).then(r => r.status)`, chromedp.EvalAwaitPromise))
	if err != nil || noAuth != 401 {
		t.Errorf("GET /admin without credentials = %d (%v), want 401", noAuth, err)
	}
	// From here on the browser sends the basic credentials with every
	// request, as it would after the sign-in prompt.
	if _, err := chromedp.Call(b.Ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(b.Ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{
		Headers: network.Headers{"Authorization": basicAuth(adminUser, adminPass)},
	}); err != nil {
		t.Fatal(err)
	}
	if status := b.Load(t, "open /admin", chromedp.Navigate(base+"/admin")); status != 200 {
		t.Fatalf("GET /admin = %d: %s", status, b.Text(t, "main"))
	}
	if h := b.Text(t, "h1"); h != "Overview" {
		t.Fatalf("/admin shows %q", h)
	}
	// One sparkline per topic and the items-per-feed chart, each drawn with
	// bars of real size.
	charts := browsertest.Eval[[]float64](t, b, `Array.from(document.querySelectorAll('main svg[role=img]')).map(s => s.getBoundingClientRect().width * s.getBoundingClientRect().height)`)
	if len(charts) < 2 {
		t.Errorf("the overview has %d charts, want a topic's and the feeds'", len(charts))
	}
	for i, area := range charts {
		if area <= 0 {
			t.Errorf("chart %d is drawn with no area", i)
		}
	}
	if n := browsertest.Eval[int](t, b, `Array.from(document.querySelectorAll('main svg rect.bar')).filter(r => r.getBBox().height > 0).length`); n < 2 {
		t.Errorf("the charts have %d visible bars, want the day's match and the feeds' items", n)
	}
	if got := b.Text(t, "main"); !strings.Contains(got, reader) || !strings.Contains(got, "unsubscribed") || !strings.Contains(got, story) {
		t.Errorf("the overview lacks the subscription or the story:\n%.3000s", got)
	}
	// The status badges are badges, not message boxes (the "ok" badge once
	// took the green bar of the "Saved" message).
	if got := browsertest.Eval[string](t, b, `getComputedStyle(document.querySelector('main .status.ok')).borderLeftWidth`); got != "0px" {
		t.Errorf("the ok status badge has a %s left border", got)
	}
	b.SaveScreenshot(t, shots, "06-admin.png")
	checkPage("admin overview")

	// The editor: a new term makes a stored item match, and the live preview
	// (the page's script, after typing pauses) says so.
	if status := b.Load(t, "open /admin/topics", chromedp.Navigate(base+"/admin/topics")); status != 200 {
		t.Fatalf("GET /admin/topics = %d: %s", status, b.Text(t, "main"))
	}
	b.Do(t, "wait for the editor", chromedp.WaitVisible(chromedp.ID("text")))
	if got := b.Text(t, "#preview"); strings.TrimSpace(got) != "" {
		t.Errorf("the preview shows something before any edit:\n%s", got)
	}
	const newTerm, newStory = "Bavaria", "Heavy snow closes schools across Bavaria"
	typeAfter(t, b, "\n      any:\n", "        - "+newTerm+"\n")
	b.WaitText(t, "#preview", newStory, 10*time.Second)
	section := browsertest.Eval[string](t, b, `(() => {
		for (const s of document.querySelectorAll('#preview section.ptopic')) {
			if (s.querySelector('h3 code')?.textContent === 'us-russia') return s.innerText;
		}
		return '';
	})()`)
	if !strings.Contains(section, "1 newly match") || !strings.Contains(section, "Newly matching\n"+newStory) || !strings.Contains(section, newTerm) {
		t.Errorf("the preview of us-russia does not show the new match with its term:\n%s", section)
	}
	b.SaveScreenshot(t, shots, "07-topics-preview.png")
	checkPage("topics preview")

	// A rule with an unknown key: the preview turns into the error, with the
	// line, in place.
	line := typeAfter(t, b, "\n    rules:\n", "      colour: blue\n")
	b.WaitText(t, "#preview .error", fmt.Sprintf("Line %d:", line), 10*time.Second)
	errText := b.Text(t, "#preview .error")
	if !strings.Contains(errText, `unknown key "colour"`) {
		t.Errorf("the error does not name the key:\n%s", errText)
	}
	if bad := b.Text(t, "#preview .error pre.src .bad"); !strings.Contains(bad, fmt.Sprintf("%d | ", line)) || !strings.Contains(bad, "colour: blue") {
		t.Errorf("the marked source line is %q, want line %d with the key", bad, line)
	}
	if strings.Contains(b.Text(t, "#preview"), newStory) {
		t.Error("the preview still lists matches under a broken file")
	}
	b.SaveScreenshot(t, shots, "08-topics-error.png")
	checkPage("topics error")

	// Without the script, the Preview button posts the whole page (with its
	// CSRF token) and shows the same error.
	if status := b.Load(t, "click Preview", chromedp.Click(chromedp.CSS(`button[formaction="/admin/topics/preview"]`))); status != 422 {
		t.Errorf("POST /admin/topics/preview = %d, want 422: %s", status, b.Text(t, "main"))
	}
	b.WaitText(t, "#preview .error", fmt.Sprintf("Line %d:", line), 5*time.Second)
	if got := browsertest.Eval[string](t, b, `document.getElementById('text').value`); !strings.Contains(got, "colour: blue") || !strings.Contains(got, "- "+newTerm) {
		t.Errorf("the editor lost the edits after Preview:\n%.500s", got)
	}
	checkPage("topics after Preview")

	if cur, err := os.ReadFile(topicsPath); err != nil || strings.Contains(string(cur), "colour") {
		t.Errorf("the preview changed the topics file (err %v)", err)
	}
	checkPage("end")
	t.Logf("browser test took %s", time.Since(start).Round(time.Millisecond))
}

// typeAfter puts the caret in the topics editor right after the first
// marker and types text there with key events, as a person would. It
// returns the line number the typing starts on.
func typeAfter(t *testing.T, b *browsertest.Session, marker, text string) int {
	t.Helper()
	pos := browsertest.Eval[int](t, b, fmt.Sprintf(`(() => {
		const t = document.getElementById('text');
		const i = t.value.indexOf(%q);
		if (i < 0) return -1;
		const at = i + %d;
		t.focus();
		t.setSelectionRange(at, at);
		return at;
	})()`, marker, len([]rune(marker))))
	if pos < 0 {
		t.Fatalf("the editor has no %q", marker)
	}
	before := browsertest.Eval[string](t, b, fmt.Sprintf(`document.getElementById('text').value.slice(0, %d)`, pos))
	b.Do(t, "type into the editor", chromedp.KeyEvent(text))
	if got := browsertest.Eval[string](t, b, `document.getElementById('text').value`); !strings.Contains(got, marker+text) {
		t.Fatalf("after typing %q the editor holds:\n%.1500s", text, got)
	}
	return strings.Count(before, "\n") + 1
}

// subscriberLine returns the fields of the `subscribers list` line for
// email and topic, or nil.
func subscriberLine(out, email, topicID string) []string {
	for l := range strings.Lines(out) {
		f := strings.Fields(l)
		if len(f) >= 3 && f[0] == email && f[1] == topicID {
			return f
		}
	}
	return nil
}
