package story

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// labelled is one line of testdata/stories/*.jsonl.
type labelled struct {
	ID        string    `json:"id"`
	Event     string    `json:"event"`
	Title     string    `json:"title"`
	Summary   string    `json:"summary"`
	Lang      string    `json:"lang"`
	Source    string    `json:"source"`
	Published time.Time `json:"published"`
}

func loadSet(tb testing.TB, name string) []labelled {
	tb.Helper()
	path := filepath.Join("..", "..", "testdata", "stories", name)
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var out []labelled
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for line := 1; sc.Scan(); line++ {
		var l labelled
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			tb.Fatalf("%s:%d: %v", path, line, err)
		}
		if l.ID == "" || l.Event == "" || l.Title == "" || l.Published.IsZero() {
			tb.Fatalf("%s:%d: id, event, title and published are required", path, line)
		}
		out = append(out, l)
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}

// arrival orders a set as a poller would see it: by publication time,
// each report late by up to jitter (0: exactly in publication order).
func arrival(set []labelled, jitter time.Duration, seed uint64) []labelled {
	out := slices.Clone(set)
	rng := rand.New(rand.NewPCG(seed, 1))
	late := make(map[string]time.Time, len(out))
	for _, l := range out {
		d := time.Duration(0)
		if jitter > 0 {
			d = time.Duration(rng.Int64N(int64(jitter)))
		}
		late[l.ID] = l.Published.Add(d)
	}
	slices.SortStableFunc(out, func(a, b labelled) int {
		if c := late[a.ID].Compare(late[b.ID]); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out
}

func reports(set []labelled) []Report {
	out := make([]Report, len(set))
	for i, l := range set {
		out[i] = Report{ID: int64(i + 1), Title: l.Title, Text: l.Summary, Lang: l.Lang, Source: l.Source, Published: l.Published}
	}
	return out
}

// metrics are pairwise: of the pairs of reports put in one story, how many
// are one event (precision); of the pairs that are one event, how many
// were put in one story (recall).
type metrics struct {
	P, R, F1         float64
	Pairs, TruePairs int
	Stories, Events  int
}

func (m metrics) String() string {
	return fmt.Sprintf("P %.3f  R %.3f  F1 %.3f  stories %d / events %d", m.P, m.R, m.F1, m.Stories, m.Events)
}

func evaluate(set []labelled, opts Options) (metrics, map[int64]int64) {
	rs := reports(set)
	got := Group(rs, opts)
	var m metrics
	var tp, predicted, actual int
	for i := range rs {
		for j := i + 1; j < len(rs); j++ {
			same := got[rs[i].ID] == got[rs[j].ID]
			truth := set[i].Event == set[j].Event
			if same {
				predicted++
			}
			if truth {
				actual++
			}
			if same && truth {
				tp++
			}
		}
	}
	m.Pairs, m.TruePairs = predicted, actual
	m.P, m.R = 1, 1
	if predicted > 0 {
		m.P = float64(tp) / float64(predicted)
	}
	if actual > 0 {
		m.R = float64(tp) / float64(actual)
	}
	if m.P+m.R > 0 {
		m.F1 = 2 * m.P * m.R / (m.P + m.R)
	}
	stories, events := map[int64]bool{}, map[string]bool{}
	for i, r := range rs {
		stories[got[r.ID]] = true
		events[set[i].Event] = true
	}
	m.Stories, m.Events = len(stories), len(events)
	return m, got
}

// explainErrors lists the wrongly joined and wrongly split reports, for -v.
func explainErrors(set []labelled, got map[int64]int64) string {
	var b strings.Builder
	rs := reports(set)
	byStory := map[int64][]int{}
	for i, r := range rs {
		byStory[got[r.ID]] = append(byStory[got[r.ID]], i)
	}
	ids := make([]int64, 0, len(byStory))
	for id := range byStory {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		members := byStory[id]
		events := map[string]bool{}
		for _, i := range members {
			events[set[i].Event] = true
		}
		if len(events) > 1 {
			fmt.Fprintf(&b, "MERGED story %d:\n", id)
			for _, i := range members {
				fmt.Fprintf(&b, "    %s %-28s %s\n", set[i].ID, set[i].Event, set[i].Title)
			}
		}
	}
	storiesOf := map[string]map[int64]bool{}
	for i, r := range rs {
		if storiesOf[set[i].Event] == nil {
			storiesOf[set[i].Event] = map[int64]bool{}
		}
		storiesOf[set[i].Event][got[r.ID]] = true
	}
	for i, l := range set {
		if len(storiesOf[l.Event]) > 1 {
			fmt.Fprintf(&b, "SPLIT %-28s story %-4d %s %s\n", l.Event, got[rs[i].ID], l.ID, l.Title)
		}
	}
	return b.String()
}

// TestTrace prints, for each report of STORY_TRACE's set, the scores
// against the stories it was compared with (a tool for reading errors).
func TestTrace(t *testing.T) {
	name := os.Getenv("STORY_TRACE")
	if name == "" {
		t.Skip("set STORY_TRACE=tuning.jsonl")
	}
	set := arrival(loadSet(t, name), 0, 0)
	rs := reports(set)
	event := map[int64]string{}
	for i, r := range rs {
		event[r.ID] = set[i].ID + " " + set[i].Event
	}
	p := defaultParams
	var b strings.Builder
	p.trace = func(r Report, story int64, score float64) {
		if score > 0.05 {
			fmt.Fprintf(&b, "   %.3f  %s | %s\n", score, event[story], event[r.ID])
		}
	}
	g := New(Options{p: &p})
	for _, r := range rs {
		fmt.Fprintf(&b, "%s %s -> ", event[r.ID], r.Title)
		id := g.Add(r)
		fmt.Fprintf(&b, "story of %s\n", event[id])
	}
	t.Log("\n" + b.String())
}
