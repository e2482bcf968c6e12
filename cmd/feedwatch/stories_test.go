package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"html"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// The labelled sets of testdata/stories: tuning.jsonl, on which the
// grouping was tuned; holdout.jsonl, written before the grouping code;
// unseen.jsonl, written before the grouping was changed for the digest;
// unseen2.jsonl, written before it was changed again and measured once,
// after; unseen3.jsonl, a busy stretch from few outlets among other
// news, unseen4.jsonl, two busy days, and unseen5.jsonl to
// unseen55.jsonl, each written before the next change and measured once.
var storySets = []string{"tuning", "holdout", "unseen", "unseen2", "unseen3", "unseen4", "unseen5", "unseen6", "unseen7", "unseen8", "unseen9", "unseen10", "unseen11", "unseen12", "unseen13", "unseen14", "unseen15", "unseen16", "unseen17", "unseen18", "unseen19", "unseen20", "unseen21", "unseen22", "unseen23", "unseen24", "unseen25", "unseen26", "unseen27", "unseen28", "unseen29", "unseen30", "unseen31", "unseen32", "unseen33", "unseen34", "unseen35", "unseen36", "unseen37", "unseen38", "unseen39", "unseen40", "unseen41", "unseen42", "unseen43", "unseen44", "unseen45", "unseen46", "unseen47", "unseen48", "unseen49", "unseen50", "unseen51", "unseen52", "unseen53", "unseen54", "unseen55"}

// storyFloors are what each set must keep, in every variant: the goal
// (pairwise precision 0.90, recall 0.80) on the sets it holds for, and a
// little under the lowest measured figures on the sets the method falls
// short on (docs/digest.md, "Measured").
var storyFloors = map[string]struct{ P, R float64 }{
	"tuning":   {0.90, 0.80},
	"holdout":  {0.90, 0.80},
	"unseen":   {0.96, 0.88},
	"unseen2":  {0.96, 0.85},
	"unseen3":  {0.82, 0.77},
	"unseen4":  {0.87, 0.77},
	"unseen5":  {0.77, 0.74},
	"unseen6":  {0.89, 0.61},
	"unseen7":  {0.86, 0.96},
	"unseen8":  {0.90, 0.84},
	"unseen9":  {0.9, 0.89},
	"unseen10": {0.87, 0.93},
	"unseen11": {0.95, 0.78},
	"unseen12": {0.97, 0.94},
	"unseen13": {0.85, 0.84},
	"unseen14": {0.76, 0.80},
	"unseen15": {0.85, 0.82},
	"unseen16": {0.82, 0.89},
	"unseen17": {0.79, 0.82},
	"unseen18": {0.97, 0.83},
	"unseen19": {0.80, 0.78},
	"unseen20": {0.87, 0.73},
	"unseen21": {0.88, 0.85},
	"unseen22": {0.76, 0.58},
	"unseen23": {0.65, 0.63},
	"unseen24": {0.63, 0.6},
	"unseen25": {0.85, 0.89},
	"unseen26": {0.85, 0.87},
	"unseen27": {0.91, 0.86},
	"unseen28": {0.9, 0.91},
	"unseen29": {0.92, 0.81},
	"unseen30": {0.84, 0.83},
	"unseen31": {0.84, 0.87},
	"unseen32": {0.88, 0.82},
	"unseen33": {0.86, 0.86},
	"unseen34": {0.86, 0.76},
	"unseen35": {0.91, 0.67},
	"unseen36": {0.88, 0.65},
	"unseen37": {0.87, 0.70},
	"unseen38": {0.83, 0.70},
	"unseen39": {0.76, 0.72},
	"unseen40": {0.86, 0.78},
	"unseen41": {0.83, 0.80},
	"unseen42": {0.87, 0.73},
	"unseen43": {0.95, 0.74},
	"unseen44": {0.82, 0.83},
	"unseen45": {0.87, 0.86},
	"unseen46": {0.74, 0.77},
	"unseen47": {0.78, 0.73},
	"unseen48": {0.93, 0.76},
	"unseen49": {0.84, 0.70},
	"unseen50": {0.82, 0.73},
	"unseen51": {0.81, 0.74},
	"unseen52": {0.72, 0.73},
	"unseen53": {0.91, 0.92},
	"unseen54": {0.94, 0.77},
	"unseen55": {0.88, 0.85},
}

// TestPreviewJSONGroupsStories serves each labelled set of
// testdata/stories as the RSS feeds of its outlets, polls them with the
// shipped topic, and reads `digest --preview --json` as an outside
// measurement would: pairwise precision and recall of "these two reports
// are one story" over the reports the topic matched, English and Russian
// together.
func TestPreviewJSONGroupsStories(t *testing.T) {
	for _, set := range storySets {
		t.Run(set, func(t *testing.T) {
			sf := newStoryFeeds(t, readLabelledSet(t, set))
			cfg := sf.config(t)
			pollAll(t, cfg)
			m := sf.measure(t, cfg)
			t.Logf("%s, served whole: %v", set, m)
			if m.matched < len(sf.reports)*3/4 {
				t.Errorf("only %d of %d reports matched the topic", m.matched, len(sf.reports))
			}
			m.atFloor(t, set)
		})
	}
}

// TestPreviewJSONGroupsStoriesWithGaps leaves a random 15% of each set's
// reports out of the feeds, on top of those the topic's rules leave out:
// a story's reports are seldom all there. Five draws per set, averaged.
func TestPreviewJSONGroupsStoriesWithGaps(t *testing.T) {
	if testing.Short() {
		t.Skip("fifteen polls of the labelled sets")
	}
	for _, set := range storySets {
		t.Run(set, func(t *testing.T) {
			all := readLabelledSet(t, set)
			var mean storyMetrics
			const draws = 5
			for seed := uint64(1); seed <= draws; seed++ {
				rng := rand.New(rand.NewPCG(seed, 15))
				var kept []labelledReport
				for _, r := range all {
					if rng.Float64() >= 0.15 {
						kept = append(kept, r)
					}
				}
				sf := newStoryFeeds(t, kept)
				cfg := sf.config(t)
				pollAll(t, cfg)
				m := sf.measure(t, cfg)
				t.Logf("%s, draw %d: %v", set, seed, m)
				mean.P += m.P / draws
				mean.R += m.R / draws
			}
			t.Logf("%s, 15%% of reports left out (mean of %d draws): precision %.3f, recall %.3f", set, draws, mean.P, mean.R)
			mean.atFloor(t, set)
		})
	}
}

// TestPreviewJSONGroupsStoriesLate serves each set as feeds that carry a
// report only from some time after it was published, up to six hours, as
// outlets post and feeds refresh: the topic's feeds are polled every hour
// of the simulated days and the digest dispatched after each poll, so
// that stories are formed a poll at a time, each dispatch restoring the
// grouper from the store, and late reports join stories formed without
// them. Under the race detector, where its 300 polls and dispatches take
// five minutes, it serves only the last set, the one the grouping was not
// tuned on; internal/story measures every set in the same condition
// (TestPipelineConditions).
func TestPreviewJSONGroupsStoriesLate(t *testing.T) {
	if testing.Short() {
		t.Skip("a poll and a dispatch for every simulated hour with news")
	}
	sets := storySets
	if raceEnabled {
		sets = sets[len(sets)-1:]
	}
	for _, set := range sets {
		t.Run(set, func(t *testing.T) {
			sf := newStoryFeeds(t, readLabelledSet(t, set))
			rng := rand.New(rand.NewPCG(6, 1))
			arrives := map[string]time.Time{}
			var hours []time.Time
			seen := map[time.Time]bool{}
			for _, r := range sf.reports {
				at := r.Published.Add(time.Duration(rng.Int64N(int64(6 * time.Hour))))
				arrives[r.ID] = at
				// Polled at the top of each hour: what arrived in the
				// hour before is there.
				h := at.Truncate(time.Hour).Add(time.Hour)
				if !seen[h] {
					seen[h] = true
					hours = append(hours, h)
				}
			}
			sort.Slice(hours, func(i, j int) bool { return hours[i].Before(hours[j]) })
			cfg := sf.config(t)
			for _, h := range hours {
				sf.show(func(r labelledReport) bool { return !arrives[r.ID].After(h) })
				pollAll(t, cfg)
				if code, out, errOut := runCLI(t, nil, "digest", "--config", cfg); code != 0 {
					t.Fatalf("digest at %v: %d\n%s\n%s", h, code, out, errOut)
				}
			}
			m := sf.measure(t, cfg)
			t.Logf("%s, reports up to 6 h late, %d polls: %v", set, len(hours), m)
			m.atFloor(t, set)
		})
	}
}

// labelledReport is a line of testdata/stories.
type labelledReport struct {
	ID, Event, Title, Summary, Source string
	Published                         time.Time
}

func readLabelledSet(t *testing.T, set string) []labelledReport {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "testdata", "stories", set+".jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []labelledReport
	for sc := bufio.NewScanner(f); sc.Scan(); {
		var r labelledReport
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

// inThePast moves a set whose reports lie after now, less an hour, back
// by whole weeks until none does, keeping the hours between them and
// their weekdays. The poller takes a date more than a day after the fetch
// for a wrong clock and stamps the item with the fetch time
// (normalize.MaxFutureSkew): served as written, a set dated in the
// future would reach grouping with every report published at once.
func inThePast(reports []labelledReport, now time.Time) []labelledReport {
	var latest time.Time
	for _, r := range reports {
		if r.Published.After(latest) {
			latest = r.Published
		}
	}
	const week = 7 * 24 * time.Hour
	limit := now.Add(-time.Hour)
	if !latest.After(limit) {
		return reports
	}
	shift := (latest.Sub(limit)/week + 1) * week
	for i := range reports {
		reports[i].Published = reports[i].Published.Add(-shift)
	}
	return reports
}

// storyFeeds serves labelled reports as the RSS feeds of their outlets,
// each feed carrying the reports that shown lets through. The reports are
// served moved into the past when they are dated in the future
// (inThePast); reports holds them as served.
type storyFeeds struct {
	reports []labelledReport
	srv     *httptest.Server
	feeds   []string          // feed URLs
	eventOf map[string]string // link -> event

	mu    sync.Mutex
	shown func(labelledReport) bool
}

func newStoryFeeds(t *testing.T, reports []labelledReport) *storyFeeds {
	t.Helper()
	reports = inThePast(slices.Clone(reports), time.Now())
	sf := &storyFeeds{reports: reports, eventOf: map[string]string{}, shown: func(labelledReport) bool { return true }}
	bySource := map[string][]labelledReport{}
	for _, r := range reports {
		bySource[r.Source] = append(bySource[r.Source], r)
	}
	var sources []string
	for s := range bySource {
		sources = append(sources, s)
	}
	sort.Strings(sources)
	mux := http.NewServeMux()
	sf.srv = httptest.NewServer(mux)
	t.Cleanup(sf.srv.Close)
	for i, source := range sources {
		path := fmt.Sprintf("/feed%d.rss", i)
		for _, r := range bySource[source] {
			sf.eventOf[fmt.Sprintf("https://outlet%d.example/%s", i, r.ID)] = r.Event
		}
		mux.HandleFunc(path, func(w http.ResponseWriter, _ *http.Request) {
			var b strings.Builder
			fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>%s</title><link>https://outlet%d.example/</link><description>news</description>`,
				html.EscapeString(source), i)
			sf.mu.Lock()
			shown := sf.shown
			sf.mu.Unlock()
			for _, r := range bySource[source] {
				if !shown(r) {
					continue
				}
				link := fmt.Sprintf("https://outlet%d.example/%s", i, r.ID)
				fmt.Fprintf(&b, `<item><title>%s</title><link>%s</link><guid>%s</guid><pubDate>%s</pubDate><description>%s</description></item>`,
					html.EscapeString(r.Title), link, link, r.Published.Format(time.RFC1123Z), html.EscapeString(r.Summary))
			}
			b.WriteString(`</channel></rss>`)
			w.Header().Set("Content-Type", "application/rss+xml")
			fmt.Fprint(w, b.String())
		})
		sf.feeds = append(sf.feeds, sf.srv.URL+path)
	}
	return sf
}

// show sets which reports the feeds carry from now on.
func (sf *storyFeeds) show(f func(labelledReport) bool) {
	sf.mu.Lock()
	sf.shown = f
	sf.mu.Unlock()
}

// config writes a configuration that polls the feeds with the shipped
// topics, and returns its path.
func (sf *storyFeeds) config(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	var feeds strings.Builder
	for _, u := range sf.feeds {
		fmt.Fprintf(&feeds, "  - url: %s\n", u)
	}
	cfg := filepath.Join(dir, "feedwatch.yaml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(`data_dir: %s
topics_file: %s
log: {level: warn, format: text}
retention: {max_age: 0s}
web: {listen: ""}
feeds:
%s`, dir, filepath.Join("..", "..", "config", "topics.yaml"), feeds.String())), 0o600); err != nil {
		t.Fatal(err)
	}
	return cfg
}

func pollAll(t *testing.T, cfg string) {
	t.Helper()
	if code, out, errOut := runCLI(t, nil, "poll", "--all", "--config", cfg); code != 0 {
		t.Fatalf("poll: %d\n%s\n%s", code, out, errOut)
	}
}

// storyMetrics are pairwise precision and recall over the reports the
// topic matched.
type storyMetrics struct {
	P, R                  float64
	matched, stories      int
	right, joined, missed int
}

func (m storyMetrics) String() string {
	return fmt.Sprintf("%d reports matched, %d stories; pairwise precision %.3f, recall %.3f (%d pairs right, %d wrongly joined, %d missed)",
		m.matched, m.stories, m.P, m.R, m.right, m.joined, m.missed)
}

func (m storyMetrics) atFloor(t *testing.T, set string) {
	t.Helper()
	f := storyFloors[set]
	if m.P < f.P || m.R < f.R {
		t.Errorf("pairwise precision %.3f, recall %.3f: want at least %.2f and %.2f", m.P, m.R, f.P, f.R)
	}
}

// measure reads `digest --preview --json` and scores its stories against
// the labels.
func (sf *storyFeeds) measure(t *testing.T, cfg string) storyMetrics {
	t.Helper()
	code, out, errOut := runCLI(t, nil, "digest", "--preview", "--json", "--topic", "us-russia", "--config", cfg)
	if code != 0 {
		t.Fatalf("digest --preview --json: %d\n%s", code, errOut)
	}
	var preview struct {
		Topic   string
		Stories []struct {
			Title, Link string
			Items       []struct{ Title, Link, Source, Lang string }
		}
	}
	if err := json.Unmarshal([]byte(out), &preview); err != nil {
		t.Fatalf("not one JSON object: %v\n%s", err, out)
	}
	storyOf := map[string]int{}
	for i, s := range preview.Stories {
		if s.Title == "" || s.Link == "" || len(s.Items) == 0 {
			t.Errorf("story %d: %+v", i, s)
		}
		for _, it := range s.Items {
			if _, dup := storyOf[it.Link]; dup {
				t.Errorf("%s is in two stories", it.Link)
			}
			if _, ok := sf.eventOf[it.Link]; !ok {
				t.Errorf("%s: not a labelled report", it.Link)
			}
			if it.Lang != "en" && it.Lang != "ru" {
				t.Errorf("%s: lang %q", it.Link, it.Lang)
			}
			storyOf[it.Link] = i
		}
	}
	var links []string
	for l := range storyOf {
		links = append(links, l)
	}
	m := storyMetrics{matched: len(links), stories: len(preview.Stories)}
	for i := range links {
		for j := i + 1; j < len(links); j++ {
			same := sf.eventOf[links[i]] == sf.eventOf[links[j]]
			grouped := storyOf[links[i]] == storyOf[links[j]]
			switch {
			case same && grouped:
				m.right++
			case grouped:
				m.joined++
			case same:
				m.missed++
			}
		}
	}
	m.P = float64(m.right) / float64(max(m.right+m.joined, 1))
	m.R = float64(m.right) / float64(max(m.right+m.missed, 1))
	if testing.Verbose() {
		// What went wrong, by event: the stories that hold more than one,
		// and the events told in more than one story.
		eventsIn := map[int]map[string]int{}
		storiesOf := map[string]map[int]int{}
		for l, s := range storyOf {
			e := sf.eventOf[l]
			if eventsIn[s] == nil {
				eventsIn[s] = map[string]int{}
			}
			if storiesOf[e] == nil {
				storiesOf[e] = map[int]int{}
			}
			eventsIn[s][e]++
			storiesOf[e][s]++
		}
		var b strings.Builder
		for s, es := range eventsIn {
			if len(es) > 1 {
				fmt.Fprintf(&b, "  story %d %q joins %v\n", s, preview.Stories[s].Title, es)
			}
		}
		for e, ss := range storiesOf {
			if len(ss) > 1 {
				fmt.Fprintf(&b, "  %s is split: reports per story %v\n", e, ss)
			}
		}
		t.Logf("errors:\n%s", b.String())
	}
	return m
}
