package story

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"
)

// A digest groups only the reports its topic's rules matched, and gets
// them when its feeds are polled: some reports of an event are missing
// and some arrive hours after others published later. condition is one
// such way of seeing a labelled set.
type condition struct {
	name   string
	drop   float64       // share of reports left out, at random
	jitter time.Duration // each report late by up to this
	seeds  int           // orders averaged over
}

var conditions = []condition{
	{"in publication order", 0, 0, 1},
	{"up to 6 h late", 0, 6 * time.Hour, 3},
	{"15% left out", 0.15, 0, 20},
	{"15% left out, up to 6 h late", 0.15, 6 * time.Hour, 20},
}

// apply returns set as condition c sees it with seed.
func (c condition) apply(set []labelled, seed uint64) []labelled {
	out := set
	if c.drop > 0 {
		rng := rand.New(rand.NewPCG(seed, 15))
		out = nil
		for _, l := range set {
			if rng.Float64() >= c.drop {
				out = append(out, l)
			}
		}
	}
	if c.jitter == 0 {
		return arrival(out, 0, 0)
	}
	return arrival(out, c.jitter, seed)
}

// measure is the mean precision and recall of grouping set under c.
func (c condition) measure(set []labelled, opts Options) metrics {
	var m metrics
	for seed := uint64(1); seed <= uint64(c.seeds); seed++ {
		got, _ := evaluate(c.apply(set, seed), opts)
		m.P += got.P / float64(c.seeds)
		m.R += got.R / float64(c.seeds)
	}
	if m.P+m.R > 0 {
		m.F1 = 2 * m.P * m.R / (m.P + m.R)
	}
	return m
}

// TestPipelineConditions prints precision and recall of each set under
// each condition (-v): how grouping fares with the reports a digest
// really gets. The floors are in TestGroupingQuality.
func TestPipelineConditions(t *testing.T) {
	sets := readSets
	if s := os.Getenv("STORY_SETS"); s != "" {
		sets = strings.Split(s, ",")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n| set | condition | P | R | F1 |\n|---|---|---|---|---|\n")
	for _, name := range sets {
		set := loadSet(t, name)
		for _, c := range conditions {
			m := c.measure(set, Options{})
			fmt.Fprintf(&b, "| %s | %s | %.3f | %.3f | %.3f |\n", name, c.name, m.P, m.R, m.F1)
		}
	}
	t.Log(b.String())
}

// TestConditionErrors counts, over the orders of each condition, the
// pairs of events that grouping joined and the events it split: the way to
// read what a condition costs. STORY_ERRORS=holdout.jsonl go test
// ./internal/story/ -run TestConditionErrors -v
func TestConditionErrors(t *testing.T) {
	name := os.Getenv("STORY_ERRORS")
	if name == "" {
		t.Skip("set STORY_ERRORS=tuning.jsonl")
	}
	set := loadSet(t, name)
	for _, c := range conditions {
		joined, split := map[string]int{}, map[string]int{}
		for seed := uint64(1); seed <= uint64(c.seeds); seed++ {
			s := c.apply(set, seed)
			_, got := evaluate(s, Options{})
			rs := reports(s)
			for i := range rs {
				for j := i + 1; j < len(rs); j++ {
					same := got[rs[i].ID] == got[rs[j].ID]
					a, b := s[i], s[j]
					if a.ID > b.ID {
						a, b = b, a
					}
					switch {
					case same && a.Event != b.Event:
						joined[a.Event+" + "+b.Event]++
					case !same && a.Event == b.Event:
						split[a.ID+" / "+b.ID+" "+a.Event]++
					}
				}
			}
		}
		var b strings.Builder
		fmt.Fprintf(&b, "%s: pairs wrongly joined (times over %d orders):\n", c.name, c.seeds)
		for k, n := range joined {
			fmt.Fprintf(&b, "  %3d  %s\n", n, k)
		}
		fmt.Fprintf(&b, "pairs split:\n")
		for k, n := range split {
			fmt.Fprintf(&b, "  %3d  %s\n", n, k)
		}
		t.Log(b.String())
	}
}
