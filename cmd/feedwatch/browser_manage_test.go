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
	"github.com/feedwatch/feedwatch/internal/model"
	"github.com/feedwatch/feedwatch/internal/smtptest"
	"github.com/feedwatch/feedwatch/internal/store"
)

// TestBrowserManage drives the admin pages that manage feedwatch in
// headless Chromium: add a feed from a web page's address and pick the one
// it advertises, see its first poll on its page, import an OPML file, add
// and remove a subscriber, retry a failed delivery, and find each change in
// the activity list. Screenshots go where TestBrowser's go, prefixed
// "manage-".
func TestBrowserManage(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the daemon and a browser")
	}
	chromium := browsertest.ExecPath()
	if chromium == "" {
		t.Skip("no chromium or chrome binary found (CI installs Debian's chromium); skipping the browser test")
	}
	const (
		adminUser = "operator"
		adminPass = "manage the feeds"
		passEnv   = "FEEDWATCH_TEST_MANAGE_PASSWORD"
		reader    = "manage-reader@feedwatch.test"
		bounced   = "bounced@feedwatch.test"
	)
	shots := browsertest.Artifacts(t)
	bin := feedwatchBinary(t)
	feeds := feedServer(t)
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<html><head><title>Local paper</title>
<link rel="alternate" type="application/atom+xml" title="Local news" href="%[1]s/local.atom">
<link rel="alternate" type="application/rss+xml" title="Sports" href="%[1]s/sports.rss">
</head><body>The local paper</body></html>`, feeds.URL)
	}))
	t.Cleanup(site.Close)
	smtpSrv := smtptest.Start(t, smtptest.Options{})

	dir := t.TempDir()
	webAddr := freeAddr(t)
	base := "http://" + webAddr
	cfgPath := filepath.Join(dir, "feedwatch.yaml")
	cfg := fmt.Sprintf(`data_dir: %[1]s
topics_file: ""
log: {level: info, format: json}
poll: {schedule: "@every 1s", interval: 1h, timeout: 5s}
mail:
  from: "feedwatch <digest@feedwatch.test>"
  smtp: {host: 127.0.0.1, port: %[2]d, tls: none}
web:
  listen: "%[3]s"
  base_url: "%[4]s"
  admin_user: %[5]s
  admin_password_env: %[6]s
  allow_private: [127.0.0.0/8]  # the test's feeds are on loopback
retention: {max_age: 0s}
`, dir, smtpSrv.Port, webAddr, base, adminUser, passEnv)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	// A delivery the mail server refused, for the outbox page.
	seed := &channel{name: "seed", dir: dir}
	seed.seedFailed(t, bounced)
	opmlPath := filepath.Join(t.TempDir(), "subscriptions.opml")
	// The imported feeds are on the test's server too: the daemon polls them.
	os.WriteFile(opmlPath, []byte(fmt.Sprintf(`<?xml version="1.0"?><opml version="2.0"><head><title>From another reader</title></head><body>
<outline text="World desk" xmlUrl="%[1]s/wire.rss"/>
<outline text="Sports desk" xmlUrl="%[1]s/sports.rss"/></body></opml>`, feeds.URL)), 0o600)

	startDaemonProcess(t, bin, cfgPath, passEnv+"="+adminPass)

	b := startBrowser(t, chromium, 90*time.Second)
	checkPage := func(step string) { t.Helper(); reportProblems(t, b, step) }
	if _, err := chromedp.Call(b.Ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(b.Ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{
		Headers: network.Headers{"Authorization": basicAuth(adminUser, adminPass)},
	}); err != nil {
		t.Fatal(err)
	}

	// 1. Add a feed by the address of the web page that advertises it.
	if status := b.Load(t, "open /admin/feeds", chromedp.Navigate(base+"/admin/feeds")); status != 200 {
		t.Fatalf("GET /admin/feeds = %d: %s", status, b.Text(t, "main"))
	}
	b.Do(t, "type the page's address", chromedp.SendKeys(chromedp.CSS(`#add-feed input[name=url]`), site.URL+"/"))
	b.Load(t, "check and add", chromedp.Click(chromedp.CSS(`#add-feed button`)))
	b.WaitText(t, "main", "advertising 2 feeds", 5*time.Second)
	b.SaveScreenshot(t, shots, "manage-01-pick-feed.png")
	checkPage("pick a feed")
	local := feeds.URL + "/local.atom"
	b.Do(t, "pick the local feed", chromedp.Click(chromedp.CSS(fmt.Sprintf(`#pick-feed input[value=%q]`, local))))
	b.Load(t, "add the picked feed", chromedp.Click(chromedp.CSS(`#pick-feed button`)))
	b.WaitText(t, "main p.ok", "Added "+local, 5*time.Second)
	if got := b.Text(t, "main table"); !strings.Contains(got, "Test Local News") || strings.Contains(got, "sports.rss") {
		t.Errorf("the feeds list after the pick:\n%s", got)
	}
	b.SaveScreenshot(t, shots, "manage-02-feed-added.png")
	checkPage("feed added")

	// 2. Its own page shows its first poll, by the daemon, with its items.
	feedPage := browsertest.Eval[string](t, b, `Array.from(document.querySelectorAll('main table a')).find(a => a.textContent.includes('Test Local News')).href`)
	deadline := time.Now().Add(20 * time.Second)
	for {
		b.Load(t, "open the feed's page", chromedp.Navigate(feedPage))
		if strings.Contains(browsertest.Eval[string](t, b, `(document.querySelector('#polls') || {innerText: ''}).innerText`), "ok") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no poll on the feed's page after 20s:\n%s", b.Text(t, "main"))
		}
		time.Sleep(500 * time.Millisecond)
	}
	if got := b.Text(t, "#items"); !strings.Contains(got, "City council approves bike lanes") {
		t.Errorf("the feed's page lists no items:\n%s", got)
	}
	b.SaveScreenshot(t, shots, "manage-03-feed-page.png")
	checkPage("feed page")

	// 3. Import an OPML file.
	b.Load(t, "open /admin/feeds", chromedp.Navigate(base+"/admin/feeds"))
	b.Do(t, "choose the OPML file", chromedp.SetUploadFiles(chromedp.CSS(`#import-opml input[type=file]`), []string{opmlPath}))
	b.Load(t, "import", chromedp.Click(chromedp.CSS(`#import-opml button`)))
	b.WaitText(t, "main p.ok", "Imported 2 feeds (0 already present) from subscriptions.opml", 5*time.Second)
	if got := b.Text(t, "main"); !strings.Contains(got, feeds.URL+"/wire.rss") || !strings.Contains(got, "World desk") {
		t.Errorf("the imported feed is not listed:\n%s", got)
	}
	b.SaveScreenshot(t, shots, "manage-04-opml-imported.png")
	checkPage("OPML import")

	// 4. Add a subscriber, then remove them.
	b.Load(t, "open /admin/subscribers", chromedp.Navigate(base+"/admin/subscribers"))
	b.Do(t, "fill the subscriber form",
		chromedp.SendKeys(chromedp.CSS(`#add-subscriber input[name=email]`), reader),
		chromedp.SetValue(chromedp.CSS(`#add-subscriber select[name=topic]`), "us-russia"),
		chromedp.SendKeys(chromedp.CSS(`#add-subscriber input[name=name]`), "Manage Reader"),
	)
	b.Load(t, "subscribe", chromedp.Click(chromedp.CSS(`#add-subscriber button`)))
	b.WaitText(t, "main p.ok", reader+" subscribed to us-russia (active)", 5*time.Second)
	b.SaveScreenshot(t, shots, "manage-05-subscriber-added.png")
	checkPage("subscriber added")
	row := fmt.Sprintf(`Array.from(document.querySelectorAll('#subscriptions tr')).find(r => r.innerText.includes(%q))`, reader)
	b.Load(t, "unsubscribe", chromedp.Evaluate[chromedp.Void](row+`.querySelector('form[action="/admin/subscribers/remove"] button').click()`))
	b.WaitText(t, "main p.ok", reader+" unsubscribed from 1 topic(s)", 5*time.Second)
	if got := browsertest.Eval[string](t, b, row+`.innerText`); !strings.Contains(got, "unsubscribed") {
		t.Errorf("the subscriber's row after removing: %q", got)
	}
	b.SaveScreenshot(t, shots, "manage-06-subscriber-removed.png")
	checkPage("subscriber removed")

	// 5. Retry the failed delivery, seeing the server's last reply first.
	b.Load(t, "open the failed deliveries", chromedp.Navigate(base+"/admin/outbox?status=failed"))
	if got := b.Text(t, "#deliveries"); !strings.Contains(got, "550 5.1.1 no such mailbox") || !strings.Contains(got, bounced) {
		t.Errorf("the outbox lacks the failed delivery and its reply:\n%s", got)
	}
	b.SaveScreenshot(t, shots, "manage-07-outbox-failed.png")
	b.Load(t, "retry", chromedp.Click(chromedp.CSS(`#deliveries form button`)))
	b.WaitText(t, "main p.ok", "1 failed deliveries queued again; sent 1", 10*time.Second)
	b.SaveScreenshot(t, shots, "manage-08-outbox-retried.png")
	checkPage("outbox retried")
	browsertest.WaitMail(t, smtpSrv, bounced, "the retried delivery", 10*time.Second, func(browsertest.Mail) bool { return true })

	// 6. Every change is on the overview, with who made it.
	b.Load(t, "open /admin", chromedp.Navigate(base+"/admin"))
	activity := b.Text(t, "#activity")
	for _, want := range []string{"feed.add", "feed.import", "subscriber.add", "subscriber.remove", "outbox.retry", "web:" + adminUser} {
		if !strings.Contains(activity, want) {
			t.Errorf("the activity list lacks %q:\n%s", want, activity)
		}
	}
	b.SaveScreenshot(t, shots, "manage-09-activity.png")
	checkPage("activity")

	// The database agrees with what the pages said.
	st, err := store.Open(context.Background(), filepath.Join(dir, "feedwatch.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if f, err := st.FeedByURL(context.Background(), local); err != nil || f.Origin != "web" {
		t.Errorf("the picked feed: %+v, %v (want origin web)", f, err)
	}
	if sub, _ := st.Subscription(context.Background(), reader, "us-russia"); sub.Status != model.SubscriptionUnsubscribed {
		t.Errorf("the subscriber's status = %q", sub.Status)
	}
}
