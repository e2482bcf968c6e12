package main

import (
	"context"
	"fmt"
	"net/http"
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
	"github.com/feedwatch/feedwatch/internal/store"
	"github.com/feedwatch/feedwatch/internal/token"
)

// TestFeedbackLoop drives the loop from readers to rules in a running
// `feedwatch run` and headless Chromium: three subscribers receive a
// digest; two say one of its stories is not about the topic and one
// reports a story it missed; the editor sees both with the rules'
// explanations, applies a suggestion that fixes the miss in the
// workbench, sees the figures move and saves; `topics rematch` then puts
// the missed story in the next digest. Screenshots go where TestBrowser's
// go.
// The readers' links are the ones in their mails.
func TestFeedbackLoop(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the daemon and a browser")
	}
	chromium := browsertest.ExecPath()
	if chromium == "" {
		t.Skip("no chromium or chrome binary found (CI installs Debian's chromium); skipping the browser test")
	}
	const (
		good      = "Kremlin and White House agree to resume talks on embassies"
		notAbout  = "Russian and American painters open joint exhibition in Moscow"
		missed    = "Navy destroyer shadows Russian spy ship in the North Atlantic"
		missedURL = "https://desk.example/2026/12/spy-ship?utm_campaign=share"
		adminUser = "editor"
		adminPass = "correct horse battery staple"
		passEnv   = "FEEDWATCH_TEST_FEEDBACK_ADMIN_PASSWORD"
		secret    = "feedback-loop-test-secret-0123456789"
	)
	readers := []string{"reader-a@feedwatch.test", "reader-b@feedwatch.test", "reader-c@feedwatch.test"}
	shots := browsertest.Artifacts(t)
	bin := feedwatchBinary(t)
	desk, err := os.ReadFile(filepath.Join("testdata", "feedback", "desk.rss"))
	if err != nil {
		t.Fatal(err)
	}
	feed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write(desk)
	}))
	t.Cleanup(feed.Close)
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
  - url: %[3]s/desk.rss
mail:
  from: "feedwatch <digest@feedwatch.test>"
  smtp: {host: 127.0.0.1, port: %[4]d, tls: none}
web:
  listen: "%[5]s"
  base_url: "%[6]s"
  admin_user: %[7]s
  admin_password_env: %[8]s
retention: {max_age: 0s}  # the fixtures have fixed dates
`, dir, topicsPath, feed.URL, smtpSrv.Port, webAddr, base, adminUser, passEnv)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{"FEEDWATCH_SECRET=" + secret}
	for _, r := range readers {
		if code, out, errOut := runCLI(t, env, "subscribers", "add", r, "--topic", "us-russia", "--config", cfgPath); code != 0 {
			t.Fatalf("subscribers add %s: exit %d\n%s%s", r, code, out, errOut)
		}
	}

	logs := startDaemonProcess(t, bin, cfgPath, passEnv+"="+adminPass, env[0])

	// 1. Three subscribers receive the digest, with the two stories the
	// rules take and without the one they miss.
	digests := map[string]string{}
	for _, r := range readers {
		m := browsertest.WaitMail(t, smtpSrv, r, "the digest for "+r, 30*time.Second, func(m browsertest.Mail) bool {
			return m.Header.Get("X-Feedwatch-Topic") == "us-russia"
		})
		if !strings.Contains(m.Text, good) || !strings.Contains(m.Text, notAbout) || strings.Contains(m.Text, missed) {
			t.Fatalf("%s's digest:\n%s", r, m.Text)
		}
		digests[r] = strings.ReplaceAll(m.Text, "\r\n", "\n")
	}
	st, err := store.Open(context.Background(), filepath.Join(dir, "feedwatch.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	itemID := func(title string) int64 {
		t.Helper()
		var id int64
		if err := st.DB().QueryRow("SELECT id FROM items WHERE title = ?", title).Scan(&id); err != nil {
			t.Fatalf("item %q: %v", title, err)
		}
		return id
	}
	// notAboutLink is the "Not about" link under story title in a digest's
	// text part; missedLink the footer's "Missed something?".
	notAboutLink := func(text, title string) string {
		t.Helper()
		_, story, ok := strings.Cut(text, title+"\n")
		story, _, _ = strings.Cut(story, "----------------")
		_, link, found := strings.Cut(story, "Not about US–Russia relations? ")
		link, _, _ = strings.Cut(link, "\n")
		if !ok || !found || !strings.HasPrefix(link, base+"/feedback?") {
			t.Fatalf("no Not-about link under %q in:\n%s", title, text)
		}
		return link
	}
	missedLink := func(text string) string {
		t.Helper()
		_, link, ok := strings.Cut(text, "Missed something? ")
		link, _, _ = strings.Cut(link, "\n")
		if !ok || !strings.HasPrefix(link, base+"/missed?") {
			t.Fatalf("no Missed link in:\n%s", text)
		}
		return link
	}

	b := startBrowser(t, chromium, 90*time.Second)
	checkPage := func(step string) { t.Helper(); reportProblems(t, b, step) }

	// 2. Two readers say the exhibition is not about the topic: the link
	// shows a page with one button, and the button records.
	for i, r := range readers[:2] {
		link := notAboutLink(digests[r], notAbout)
		if f, err := token.VerifyFeedback([]byte(secret), strings.TrimPrefix(link, base+"/feedback?t="), token.NotAbout, time.Now()); err != nil ||
			f.ItemID != itemID(notAbout) || f.Email != r {
			t.Fatalf("%s's link %s is for %+v (%v)", r, link, f, err)
		}
		if status := b.Load(t, "open the Not about link", chromedp.Navigate(link)); status != 200 {
			t.Fatalf("GET not-about link = %d: %s", status, b.Text(t, "main"))
		}
		if got := b.Text(t, "main"); !strings.Contains(got, notAbout) || !strings.Contains(got, "Nothing is recorded until you press it") {
			t.Errorf("the not-about page:\n%s", got)
		}
		if i == 0 {
			b.SaveScreenshot(t, shots, "10-feedback.png")
		}
		checkPage("feedback page")
		if status := b.Load(t, "press Not about", chromedp.Click(chromedp.CSS(`form[action="/feedback"] button[type=submit]`))); status != 200 {
			t.Fatalf("POST /feedback = %d: %s", status, b.Text(t, "main"))
		}
		if h := b.Text(t, "h1"); h != "Thank you" || !strings.Contains(b.Text(t, "main"), "Take it back") {
			t.Fatalf("after the click: %q\n%s", h, b.Text(t, "main"))
		}
		if i == 0 {
			b.SaveScreenshot(t, shots, "11-feedback-thanks.png")
		}
		checkPage("feedback thanks")
	}

	// 3. The third reports the missed story (a shared link, with tracking).
	if status := b.Load(t, "open the Missed link", chromedp.Navigate(missedLink(digests[readers[2]]))); status != 200 {
		t.Fatalf("GET missed link = %d: %s", status, b.Text(t, "main"))
	}
	b.Do(t, "fill the missed form",
		chromedp.WaitVisible(chromedp.ID("url")),
		chromedp.SendKeys(chromedp.ID("url"), missedURL),
		chromedp.SendKeys(chromedp.ID("note"), "A US Navy ship and a Russian spy ship: surely on topic."),
	)
	b.SaveScreenshot(t, shots, "12-missed-form.png")
	checkPage("missed form")
	if status := b.Load(t, "send the report", chromedp.Click(chromedp.CSS(`form.missed button[type=submit]`))); status != 200 {
		t.Fatalf("POST /missed = %d: %s", status, b.Text(t, "main"))
	}
	if got := b.Text(t, "main"); !strings.Contains(got, "feedwatch has this story") || !strings.Contains(got, missed) {
		t.Errorf("after the report:\n%s", got)
	}
	b.SaveScreenshot(t, shots, "13-missed-thanks.png")
	checkPage("missed thanks")

	// 4. The editor sees the report with why the rules passed it by, and
	// the readers' label.
	if _, err := chromedp.Call(b.Ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(b.Ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{
		Headers: network.Headers{"Authorization": basicAuth(adminUser, adminPass)},
	}); err != nil {
		t.Fatal(err)
	}
	if status := b.Load(t, "open /admin/labels", chromedp.Navigate(base+"/admin/labels")); status != 200 {
		t.Fatalf("GET /admin/labels = %d: %s", status, b.Text(t, "main"))
	}
	reports := b.Text(t, "table.reports")
	if !strings.Contains(reports, missed) || !strings.Contains(reports, "missing: American side") || !strings.Contains(reports, "surely on topic") {
		t.Errorf("the reports table:\n%s", reports)
	}
	labelled := b.Text(t, "table.labels")
	if !strings.Contains(labelled, notAbout) || !strings.Contains(labelled, "2 not about it") || !strings.Contains(labelled, "1 missed it") {
		t.Errorf("the labels table:\n%s", labelled)
	}
	b.SaveScreenshot(t, shots, "14-admin-labels.png")
	checkPage("admin labels")

	// 5. The workbench measures the rules on the labels and proposes an
	// edit that fixes the miss; Apply puts it in the text, not the file.
	if status := b.Load(t, "open /admin/topics", chromedp.Navigate(base+"/admin/topics")); status != 200 {
		t.Fatalf("GET /admin/topics = %d", status)
	}
	if status := b.Load(t, "click Preview", chromedp.Click(chromedp.CSS(`button[formaction="/admin/topics/preview"]`))); status != 200 {
		t.Fatalf("POST preview = %d: %s", status, b.Text(t, "main"))
	}
	figures := func() string {
		return browsertest.Eval[string](t, b, `(() => { const s = document.querySelector('#preview section.ptopic[data-topic="us-russia"] .figures'); return s ? s.innerText : ''; })()`)
	}
	// Two labels: the exhibition (a false positive) and the miss.
	if got := figures(); !strings.Contains(got, "precision 0.000") || !strings.Contains(got, "recall 0.000") {
		t.Errorf("figures before the edit: %q", got)
	}
	orig, err := os.ReadFile(topicsPath)
	if err != nil {
		t.Fatal(err)
	}
	// The first suggestion whose "Fixes" names the missed story.
	applied := browsertest.Eval[string](t, b, fmt.Sprintf(`(() => {
		for (const li of document.querySelectorAll('#preview ul.suggestions li')) {
			if (li.innerText.includes('Fixes 1') && li.innerText.includes(%q)) {
				li.querySelector('button[data-apply]').click();
				return li.querySelector('code.change').textContent;
			}
		}
		return '';
	})()`, missed))
	if applied == "" {
		t.Fatalf("no suggestion fixes the missed story:\n%s", b.Text(t, "#preview"))
	}
	b.WaitText(t, "#apply-status", "Applied in the text", 10*time.Second)
	b.WaitText(t, `#preview section.ptopic[data-topic="us-russia"] .figures`, "recall 1.000", 15*time.Second)
	text := browsertest.Eval[string](t, b, `document.getElementById('text').value`)
	t.Logf("applied: %s", applied)
	if text == string(orig) {
		t.Fatal("the suggestion did not change the text")
	}
	if cur, _ := os.ReadFile(topicsPath); string(cur) != string(orig) {
		t.Error("applying wrote the file")
	}
	b.SaveScreenshot(t, shots, "15-workbench-suggestion.png")
	checkPage("workbench after applying")

	// 6. Save, then rematch: the missed story goes into the next digest.
	if status := b.Load(t, "click Save", chromedp.Click(chromedp.CSS(`form#editor button[type=submit]:not([formaction])`))); status != 200 {
		t.Fatalf("save = %d: %s", status, b.Text(t, "main"))
	}
	if got := b.Text(t, "main"); !strings.Contains(got, "Saved.") {
		t.Errorf("after saving:\n%.500s", got)
	}
	if cur, _ := os.ReadFile(topicsPath); string(cur) != text {
		t.Error("the saved file is not the editor's text")
	}
	checkPage("saved")
	waitFor(t, 15*time.Second, "the daemon to reload the saved rules", func() bool {
		return strings.Contains(logs.String(), "topics reloaded")
	})
	code, out, errOut := runCLI(t, env, "topics", "rematch", "--config", cfgPath)
	if code != 0 || !strings.Contains(out, "1 new matches") {
		t.Fatalf("topics rematch: exit %d\n%s%s", code, out, errOut)
	}
	next := browsertest.WaitMail(t, smtpSrv, readers[0], "the next digest", 30*time.Second, func(m browsertest.Mail) bool {
		return strings.Contains(m.Text, missed)
	})
	if strings.Contains(next.Text, good) {
		t.Errorf("the next digest repeats an earlier story:\n%s", next.Text)
	}
}
