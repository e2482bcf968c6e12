package main

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/feedwatch/feedwatch/internal/browsertest"
)

var docScreenshots = flag.Bool("doc-screenshots", false, "write the digest's screenshots to docs/img for the documentation")

// TestBrowserDigestStories renders the digest of five days of the tuning
// set's reports (a call of the foreign ministers, the summit called off,
// sanctions on the oil companies and a buyer pausing), served as feeds and
// polled with the shipped topic, with `digest --preview --out`, and opens
// it in headless Chromium: every story shows its headline once, its other
// reports as "also reported by" with their languages and the number of
// outlets. Screenshots of the page in a desktop window (1280×900) and on a
// phone (390×844) go to the artifacts, and with -doc-screenshots to
// docs/img for docs/digest.md.
func TestBrowserDigestStories(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser")
	}
	chromium := browsertest.ExecPath()
	if chromium == "" {
		t.Skip("no chromium or chrome binary found (CI installs Debian's chromium); skipping the browser test")
	}
	from := time.Date(2026, 10, 20, 0, 0, 0, 0, time.UTC)
	var reports []labelledReport
	events := map[string]bool{}
	for _, r := range readLabelledSet(t, "tuning") {
		if !r.Published.Before(from) && r.Published.Before(from.AddDate(0, 0, 5)) {
			reports = append(reports, r)
			events[r.Event] = true
		}
	}
	if len(reports) < 12 || len(events) < 4 {
		t.Fatalf("testdata: %d reports of %d events from %s", len(reports), len(events), from.Format(time.DateOnly))
	}
	sf := newStoryFeeds(t, reports)
	cfg := sf.config(t)
	pollAll(t, cfg)
	out := t.TempDir()
	if code, stdout, stderr := runCLI(t, nil, "digest", "--preview", "--topic", "us-russia", "--out", out, "--config", cfg); code != 0 {
		t.Fatalf("digest --preview --out: %d\n%s\n%s", code, stdout, stderr)
	}
	page := filepath.Join(out, "digest-us-russia.html")
	if _, err := os.Stat(page); err != nil {
		t.Fatal(err)
	}

	b := browsertest.Start(t, chromium, browsertest.Options{})
	b.Load(t, "open the digest", chromedp.Navigate("file://"+page))
	stories := browsertest.Eval[int](t, b, `document.querySelectorAll("td.item").length`)
	grouped := browsertest.Eval[int](t, b, `[...document.querySelectorAll("td.item .also")].filter(e => e.innerText.startsWith("Also reported by:")).length`)
	bilingual := browsertest.Eval[int](t, b, `[...document.querySelectorAll("td.item .also")].filter(e => e.innerText.includes("(en)") && e.innerText.includes("(ru)")).length`)
	outlets := browsertest.Eval[int](t, b, `[...document.querySelectorAll("td.item .meta")].filter(e => / · \d+ outlets$/.test(e.innerText)).length`)
	t.Logf("%d reports of %d events: %d stories, %d with other reports, %d of them in both languages", len(reports), len(events), stories, grouped, bilingual)
	if stories < len(events)-1 || stories > len(events)+2 {
		t.Errorf("%d stories for %d events", stories, len(events))
	}
	if grouped < 3 || bilingual < 2 || outlets != grouped {
		t.Errorf("%d stories with other reports, %d in both languages, %d that count their outlets; want 3, 2 and all of them", grouped, bilingual, outlets)
	}
	headlines := browsertest.Eval[[]string](t, b, `[...document.querySelectorAll("td.item .title")].map(e => e.innerText)`)
	seen := map[string]bool{}
	for _, h := range headlines {
		if seen[h] {
			t.Errorf("headline %q twice", h)
		}
		seen[h] = true
	}
	if text := b.Text(t, "body"); strings.Contains(text, "Update:") {
		t.Errorf("a preview for a new subscriber shows an update:\n%s", text)
	}
	for _, p := range b.TakeProblems() {
		t.Error(p)
	}

	shots := browsertest.Artifacts(t)
	desktop := b.ScreenshotAt(t, 1280, 900, 1, false)
	phone := b.ScreenshotAt(t, 390, 844, 2, true)
	for name, png := range map[string][]byte{"digest-desktop.png": desktop, "digest-phone.png": phone} {
		if err := os.WriteFile(filepath.Join(shots, name), png, 0o644); err != nil {
			t.Fatal(err)
		}
		if *docScreenshots {
			if err := os.WriteFile(filepath.Join("..", "..", "docs", "img", name), png, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}
