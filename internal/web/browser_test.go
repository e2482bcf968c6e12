package web

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/feedwatch/feedwatch/internal/browsertest"
	"github.com/feedwatch/feedwatch/internal/model"
	"github.com/feedwatch/feedwatch/internal/store"
)

var docScreenshots = flag.Bool("doc-screenshots", false, "write the preferences page's screenshots to docs/img for the documentation")

// browserTopics are topics as an operator might run them, so that the
// screenshots show what a subscriber would see.
const browserTopics = `topics:
  - id: us-russia
    name: US–Russia relations
    description: Diplomacy, sanctions, arms control, prisoner exchanges and embassies between the two governments.
    public: true
    rules:
      any: [Kremlin]
  - id: arctic
    name: The Arctic
    description: Shipping routes, sea ice, the Arctic Council and the military in the far north.
    digest:
      schedule: "0 8 * * 1"
    rules:
      any: [Arctic]
  - id: energy
    name: Energy markets
    description: Oil, gas and power prices, pipelines and OPEC decisions.
    digest:
      best_score: 2
    rules:
      any: [OPEC]
`

// TestBrowserPreferences drives the preferences page in headless Chromium
// the way a subscriber would: sign up, open the manage link from the
// confirmation mail the SMTP server received, see the zone proposed from
// the browser, change frequency, time and zone, take a second topic into
// the same mail, pause, and erase the address. It also loads the page with
// scripts off, and takes screenshots in a phone-sized and a desktop
// window (with -doc-screenshots, into docs/img for the documentation).
func TestBrowserPreferences(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser")
	}
	chromium := browsertest.ExecPath()
	if chromium == "" {
		t.Skip("no chromium or chrome binary found (CI installs Debian's chromium); skipping the browser test")
	}
	ctx := context.Background()
	e := newEnv(t, nil)
	e.topics = mustTopics(t, browserTopics)
	e.addMatches("us-russia", 5)
	e.addMatches("energy", 3)
	shots := browsertest.Artifacts(t)
	b := browsertest.Start(t, chromium, browsertest.Options{Timeout: 2 * time.Minute, Width: 1280, Height: 900})
	checkPage := func(step string) {
		t.Helper()
		for _, p := range b.TakeProblems() {
			t.Errorf("%s: %s", step, p)
		}
	}
	// The reader's browser is in New York; the server knows no zone for
	// them yet.
	if _, err := chromedp.Call(b.Ctx, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: "America/New_York"}); err != nil {
		t.Fatal(err)
	}
	const addr = "browser-reader@feedwatch.test"

	// 1. Sign up for one topic, and open the manage link of the
	// confirmation mail; confirm from the same mail.
	if status := b.Load(t, "open /", chromedp.Navigate(e.srv.URL+"/")); status != 200 {
		t.Fatalf("GET / = %d", status)
	}
	b.Do(t, "fill the subscribe form",
		chromedp.SendKeys(chromedp.ID("email"), addr),
		chromedp.Click(chromedp.CSS(`input[name=topic][value="us-russia"]`)))
	if status := b.Load(t, "subscribe", chromedp.Click(chromedp.CSS(`form[action="/subscribe"] button`))); status != 200 {
		t.Fatalf("POST /subscribe = %d: %s", status, b.Text(t, "main"))
	}
	confirmation := browsertest.WaitMail(t, e.smtp, addr, "the confirmation mail", 10*time.Second, func(m browsertest.Mail) bool {
		return strings.Contains(m.Text, "/confirm?token=")
	})
	confirmURL := browsertest.LinkIn(confirmation.Text, e.srv.URL, "/confirm")
	manageURL := browsertest.LinkIn(confirmation.Text, e.srv.URL, "/preferences")
	if confirmURL == "" || manageURL == "" || browsertest.LinkIn(confirmation.HTML, e.srv.URL, "/preferences") != manageURL {
		t.Fatalf("confirmation mail links: confirm %q, manage %q\n%s", confirmURL, manageURL, confirmation.Text)
	}
	if status := b.Load(t, "open the confirm link", chromedp.Navigate(confirmURL)); status != 200 {
		t.Fatalf("GET confirm = %d", status)
	}
	if sub, _ := e.store.Subscription(ctx, addr, "us-russia"); sub.Status != model.SubscriptionPending {
		t.Fatalf("opening the confirm link made the subscription %s", sub.Status)
	}
	if status := b.Load(t, "press Confirm", chromedp.Click(chromedp.CSS(`form[action="/confirm"] button`))); status != 200 {
		t.Fatalf("POST /confirm = %d: %s", status, b.Text(t, "main"))
	}
	if h := b.Text(t, "h1"); h != "You are subscribed" {
		t.Fatalf("after confirming: %q", h)
	}
	checkPage("confirm")

	if status := b.Load(t, "open the manage link", chromedp.Navigate(manageURL)); status != 200 {
		t.Fatalf("GET manage link = %d: %s", status, b.Text(t, "main"))
	}
	if h := b.Text(t, "h1"); h != "Your subscriptions" {
		t.Fatalf("the manage link shows %q", h)
	}
	// The script proposes the browser's zone; nothing is saved yet.
	b.WaitText(t, "#tz-hint", "Proposed from your browser: America/New_York", 5*time.Second)
	if got := browsertest.Eval[string](t, b, `document.getElementById('tz').value`); got != "America/New_York" {
		t.Errorf("zone select = %q, want the browser's", got)
	}
	if sub, _, _ := e.store.Subscriber(ctx, addr); sub.TimeZone != "" {
		t.Errorf("the proposal was saved without a click: %q", sub.TimeZone)
	}
	// Only the fields that matter for the chosen frequency show.
	shown := func(sel string) bool {
		return browsertest.Eval[bool](t, b, fmt.Sprintf(`getComputedStyle(document.querySelector(%q)).display !== 'none'`, sel))
	}
	if shown("#topic-us-russia .field.at") || shown("#topic-us-russia .field.day") || !shown("#topic-us-russia .field.best") {
		t.Error("the topic's schedule shows a time or day field, or hides how many")
	}
	if !strings.Contains(b.Text(t, "#topic-us-russia"), "The topic's schedule: daily at 07:00.") {
		t.Errorf("the topic's schedule is not explained:\n%s", b.Text(t, "#topic-us-russia"))
	}
	checkPage("preferences")

	// 2. Weekly on Friday at 18:30 in Tokyo for both topics, one mail.
	b.Do(t, "choose weekly",
		chromedp.SetValue(chromedp.ID("freq-us-russia"), "weekly"),
		chromedp.SetValue(chromedp.ID("at-us-russia"), "18:30"),
		chromedp.SetValue(chromedp.ID("day-us-russia"), "fri"),
		chromedp.Click(chromedp.CSS(`input[name=topic][value="energy"]`)),
		chromedp.SetValue(chromedp.ID("freq-energy"), "weekly"),
		chromedp.SetValue(chromedp.ID("at-energy"), "18:30"),
		chromedp.SetValue(chromedp.ID("day-energy"), "fri"),
		chromedp.SetValue(chromedp.ID("best-energy"), "best"),
		chromedp.SetValue(chromedp.ID("tz"), "Asia/Tokyo"))
	if !shown("#topic-us-russia .field.at") || !shown("#topic-us-russia .field.day") {
		t.Error("weekly shows no time or day field")
	}
	if !browsertest.Eval[bool](t, b, `document.getElementById('combine').checked`) {
		t.Error("one mail for subscriptions due together is not on by default")
	}
	if status := b.Load(t, "save", chromedp.Click(chromedp.CSS(`.save-bar button`))); status != 200 {
		t.Fatalf("save = %d: %s", status, b.Text(t, "main"))
	}
	if got := b.Text(t, "main p.ok"); !strings.HasPrefix(got, "Saved.") {
		t.Errorf("after saving: %q", got)
	}
	sub, subs, err := e.store.Subscriber(ctx, addr)
	if err != nil {
		t.Fatal(err)
	}
	if sub.TimeZone != "Asia/Tokyo" || !sub.Combine || len(subs) != 2 {
		t.Fatalf("after saving: %+v %+v", sub, subs)
	}
	weekly := model.Schedule{Frequency: model.FrequencyWeekly, DeliverAt: 18*60 + 30, Weekday: time.Friday}
	for _, s := range subs {
		want := weekly
		want.BestOnly = s.TopicID == "energy"
		if s.Status != model.SubscriptionActive || s.Schedule != want {
			t.Errorf("%s = %s %+v, want active %+v", s.TopicID, s.Status, s.Schedule, want)
		}
	}
	if got := b.Text(t, "#topic-us-russia .meta"); !strings.Contains(got, "Friday 27 November, 18:30 JST") {
		t.Errorf("next mail of us-russia: %q", got)
	}
	if got := b.Text(t, "#topic-energy .meta"); !strings.Contains(got, "Friday 27 November, 18:30 JST") || !strings.Contains(got, "first mail") {
		t.Errorf("next mail of energy: %q", got)
	}
	checkPage("saved")

	// The screenshots for the docs: the page as saved, whole, in a
	// desktop window and on a phone.
	desktop := pageShot(t, b, 1280, 900, 1, false)
	b.Load(t, "reload on a phone", chromedp.Navigate(manageURL))
	phone := pageShot(t, b, 390, 844, 2, true)
	b.Load(t, "reload on a desktop", chromedp.Navigate(manageURL))
	for name, png := range map[string][]byte{"preferences-desktop.png": desktop, "preferences-phone.png": phone} {
		if err := os.WriteFile(filepath.Join(shots, name), png, 0o644); err != nil {
			t.Fatal(err)
		}
		if *docScreenshots {
			if err := os.WriteFile(filepath.Join("..", "..", "docs", "img", name), png, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	checkPage("phone")

	// 3. Pause until a date (the server's clock is 20 November 2026).
	b.Load(t, "reload", chromedp.Navigate(manageURL))
	b.Do(t, "choose a date", chromedp.SetValue(chromedp.ID("until"), "2026-12-01"))
	if status := b.Load(t, "pause", chromedp.Click(chromedp.CSS(`#pause form:last-of-type button`))); status != 200 {
		t.Fatalf("pause = %d: %s", status, b.Text(t, "main"))
	}
	if got := b.Text(t, "main p.notice"); !strings.Contains(got, "paused until Tuesday 1 December 2026") {
		t.Errorf("after pausing: %q", got)
	}
	if sub, _, _ := e.store.Subscriber(ctx, addr); !sub.PausedUntil.Equal(time.Date(2026, 11, 30, 15, 0, 0, 0, time.UTC)) {
		t.Errorf("paused until %s, want midnight in Tokyo", sub.PausedUntil)
	}
	b.SaveScreenshot(t, shots, "preferences-paused.png")
	checkPage("paused")

	// 4. Erase, after the second click.
	if status := b.Load(t, "erase", chromedp.Click(chromedp.CSS(`form[action="/preferences/erase"] button`))); status != 200 {
		t.Fatalf("erase = %d", status)
	}
	if h := b.Text(t, "h1"); h != "Erase your address?" {
		t.Fatalf("the erase button shows %q", h)
	}
	if _, _, err := e.store.Subscriber(ctx, addr); err != nil {
		t.Fatalf("the first click erased: %v", err)
	}
	if status := b.Load(t, "erase for good", chromedp.Click(chromedp.CSS(`form[action="/preferences/erase"] button`))); status != 200 {
		t.Fatalf("erase = %d", status)
	}
	if h := b.Text(t, "h1"); h != "Your address is erased" {
		t.Fatalf("after erasing: %q", h)
	}
	if _, _, err := e.store.Subscriber(ctx, addr); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("after erasing: %v", err)
	}
	checkPage("erased")

	// 5. Without scripts the page works as well: nothing is proposed, and
	// saving keeps the zone unset.
	e.subscribe("noscript@feedwatch.test", model.Subscription{TopicID: "arctic"})
	if _, err := chromedp.Call(b.Ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
	b.Load(t, "open without scripts", chromedp.Navigate(e.srv.URL+e.manageLink("noscript@feedwatch.test")))
	if got := browsertest.Eval[string](t, b, `(() => { const s = document.getElementById('tz'); return s.value + '|' + s.selectedOptions[0].textContent })()`); !strings.HasPrefix(got, "|Not chosen yet") {
		t.Errorf("without scripts the zone shows %q", got)
	}
	if !strings.Contains(b.Text(t, "#topic-arctic"), "The topic's schedule: weekly on Monday at 08:00.") {
		t.Errorf("arctic:\n%s", b.Text(t, "#topic-arctic"))
	}
	b.Do(t, "choose daily", chromedp.SetValue(chromedp.ID("freq-arctic"), "daily"), chromedp.SetValue(chromedp.ID("at-arctic"), "06:45"))
	if status := b.Load(t, "save without scripts", chromedp.Click(chromedp.CSS(`.save-bar button`))); status != 200 {
		t.Fatalf("save = %d", status)
	}
	if s, _ := e.store.Subscription(ctx, "noscript@feedwatch.test", "arctic"); s.Frequency != model.FrequencyDaily || s.DeliverAt != 6*60+45 || s.TimeZone != "" {
		t.Errorf("saved without scripts: %+v", s)
	}
	checkPage("without scripts")
}

// pageShot shows the page in a window of width×height (at scale, as a
// phone when mobile), checks that it needs no sideways scrolling, and
// returns a PNG of all of it. The window is made as tall as the page for
// the picture, so that the sticky Save bar sits where it ends rather than
// over the middle.
func pageShot(t *testing.T, b *browsertest.Session, width, height int64, scale float64, mobile bool) []byte {
	t.Helper()
	metrics := emulation.SetDeviceMetricsOverrideParams{Width: width, Height: height, DeviceScaleFactor: scale, Mobile: mobile}
	if _, err := chromedp.Call(b.Ctx, emulation.SetDeviceMetricsOverride, metrics); err != nil {
		t.Fatal(err)
	}
	if w := browsertest.Eval[int64](t, b, `document.documentElement.scrollWidth`); w > width {
		t.Errorf("the page is %dpx wide in a %dpx window", w, width)
	}
	metrics.Height = browsertest.Eval[int64](t, b, `document.documentElement.scrollHeight`)
	if _, err := chromedp.Call(b.Ctx, emulation.SetDeviceMetricsOverride, metrics); err != nil {
		t.Fatal(err)
	}
	png := b.Screenshot(t)
	if _, err := chromedp.Call(b.Ctx, emulation.ClearDeviceMetricsOverride, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	return png
}
