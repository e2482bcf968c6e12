package digest_test

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/digest"
	"github.com/feedwatch/feedwatch/internal/model"
)

// labelledReport is a line of testdata/stories.
type labelledReport struct {
	ID, Event, Title, Summary, Lang, Source string
	Published                               time.Time
}

func readStories(t *testing.T, events ...string) []labelledReport {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "testdata", "stories", "tuning.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want := map[string]bool{}
	for _, e := range events {
		want[e] = true
	}
	var out []labelledReport
	for sc := bufio.NewScanner(f); sc.Scan(); {
		var r labelledReport
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		if want[r.Event] {
			out = append(out, r)
		}
	}
	return out
}

// storeReports saves reports as matches of topic news, each from a feed
// named for its outlet.
func (e *buildEnv) storeReports(t *testing.T, reports []labelledReport) {
	t.Helper()
	ctx := context.Background()
	for _, r := range reports {
		f, err := e.st.AddFeed(ctx, model.Feed{URL: "https://" + strings.ReplaceAll(strings.ToLower(r.Source), " ", "-") + ".example/rss",
			Title: r.Source, Enabled: true})
		if err != nil {
			f, err = e.st.FeedByURL(ctx, "https://"+strings.ReplaceAll(strings.ToLower(r.Source), " ", "-")+".example/rss")
			if err != nil {
				t.Fatal(err)
			}
			f.Title = r.Source
		}
		link := "https://" + f.Title + ".example/" + r.ID
		if _, err := e.st.SaveFetch(ctx, f, []model.Item{{Key: r.ID, Title: r.Title, Link: link, CanonicalLink: link,
			Summary: "<p>" + r.Summary + "</p>", Published: r.Published, FetchedAt: e.now}},
			[][]model.Match{{{TopicID: "news", Score: 20, Terms: []string{"talks"}}}}); err != nil {
			t.Fatal(err)
		}
	}
}

// TestStoriesInMails: reports of one event from several outlets, in
// English and Russian, are one story, headed in the subscriber's language,
// with the others as "also reported by" with their languages; a later
// report of a story already mailed comes as an update under the headline
// it had, not as a new story.
func TestStoriesInMails(t *testing.T) {
	e := newDispatchEnv(t, digest.Options{})
	e.subscribe(t, model.Subscription{Email: "ru@example.org"})
	lang := "ru"
	if err := e.st.SetSubscriber(context.Background(), "ru@example.org", storeLang(&lang)); err != nil {
		t.Fatal(err)
	}
	riyadh := readStories(t, "t-riyadh-talks-1")
	tariffs := readStories(t, "t-tariff-ultimatum")
	if len(riyadh) != 6 || len(tariffs) != 5 {
		t.Fatalf("testdata: %d and %d reports", len(riyadh), len(tariffs))
	}
	// TASS's report of the Riyadh talks comes a day late.
	late := riyadh[1]
	e.now = riyadh[0].Published.Add(48 * time.Hour)
	e.storeReports(t, append(append([]labelledReport{}, riyadh[:1]...), riyadh[2:]...))
	e.storeReports(t, tariffs)
	if res := e.dispatchNow(t); res.Mails != 1 {
		t.Fatalf("%d mails", res.Mails)
	}
	first := messageParts(t, outbox(t, e.st)[0].Message)
	if n := strings.Count(first.Text, "\nAlso reported by:"); n < 2 {
		t.Errorf("%d stories with other reports, want the two events':\n%s", n, first.Text)
	}
	if !strings.Contains(first.Text, " · 5 outlets") {
		t.Errorf("no story of 5 outlets:\n%s", first.Text)
	}
	// Headlines in the subscriber's language.
	for _, block := range strings.Split(first.Text, "----------------------------------------------------------------------")[1:] {
		head, _, _ := strings.Cut(strings.TrimSpace(block), "\n")
		if !strings.ContainsAny(head, "абвгдеёжзийклмнопрстуфхцчшщыэюя") && strings.Contains(block, "Also reported by") {
			t.Errorf("headline %q is not in Russian", head)
		}
	}
	if !strings.Contains(first.Text, "(en):") {
		t.Errorf("other reports do not say their language:\n%s", first.Text)
	}

	e.now = e.now.Add(24 * time.Hour)
	e.storeReports(t, []labelledReport{late})
	if res := e.dispatchNow(t); res.Mails != 1 {
		t.Fatalf("%d mails after the late report", res.Mails)
	}
	dls := outbox(t, e.st)
	second := messageParts(t, dls[len(dls)-1].Message)
	if !strings.Contains(second.Text, "Update: ") || !strings.Contains(second.Text, "1 more report:") || !strings.Contains(second.Text, late.Source+" (") {
		t.Errorf("the late report is not an update of its story:\n%s", second.Text)
	}
	if strings.Contains(second.Text, tariffs[0].Title) {
		t.Errorf("the second mail repeats another story:\n%s", second.Text)
	}
}

// TestStoriesMergeWhenShownToBeOne: two reports of one event that share
// too little to join (a Russian wire on the companies, an English report
// on the president) are mailed as two stories; a third report that fits
// both shows them to be one, and the store then has them as one story, so
// that the third comes as an update of the first and the second is never
// shown as a story of its own again.
func TestStoriesMergeWhenShownToBeOne(t *testing.T) {
	ctx := context.Background()
	e := newDispatchEnv(t, digest.Options{})
	e.subscribe(t, model.Subscription{Email: "a@example.org"})
	byID := map[string]labelledReport{}
	for _, r := range readStories(t, "t-rosneft-lukoil-sanctions") {
		byID[r.ID] = r
	}
	russian, president, wire := byID["t044"], byID["t045"], byID["t043"]
	if russian.ID == "" || president.ID == "" || wire.ID == "" {
		t.Fatal("testdata: t043, t044 and t045 are the Rosneft and Lukoil sanctions")
	}
	e.now = president.Published.Add(time.Hour)
	e.storeReports(t, []labelledReport{russian, president})
	if res := e.dispatchNow(t); res.Mails != 1 {
		t.Fatalf("%d mails", res.Mails)
	}
	first := messageParts(t, outbox(t, e.st)[0].Message)
	if strings.Contains(first.Text, "Also reported by") {
		t.Fatalf("the two reports are one story from the start; the test needs two:\n%s", first.Text)
	}

	e.now = e.now.Add(2 * time.Hour)
	e.storeReports(t, []labelledReport{wire})
	if res := e.dispatchNow(t); res.Mails != 1 {
		t.Fatalf("%d mails after the third report", res.Mails)
	}
	matched, err := e.st.MatchedItems(ctx, "news", 0, 1<<40)
	if err != nil {
		t.Fatal(err)
	}
	stories := map[int64]bool{}
	for _, m := range matched {
		stories[m.Story] = true
	}
	if len(matched) != 3 || len(stories) != 1 {
		t.Fatalf("%d matches in %d stories, want 3 in 1: %+v", len(matched), len(stories), stories)
	}
	dls := outbox(t, e.st)
	second := messageParts(t, dls[len(dls)-1].Message)
	if !strings.Contains(second.Text, "Update: "+russian.Title) || !strings.Contains(second.Text, "1 more report:") {
		t.Errorf("the third report is not an update under the first story's headline:\n%s", second.Text)
	}
}
