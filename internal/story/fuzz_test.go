package story

import (
	"testing"
	"time"
)

// FuzzAdd feeds arbitrary titles and summaries: Add must not panic, and
// must return the report's own id or the id of a report added before.
func FuzzAdd(f *testing.F) {
	f.Add("Путин и Уиткофф провели переговоры в Петербурге", "Встреча продолжалась 4,5 часа.", "Putin meets Witkoff in St. Petersburg", "U.S. envoy's 4.5-hour talks")
	f.Add("", "", ".", "'s")
	f.Add("Эр-Рияд\u00ad", "\xff\xfe", "U.S.A.", "Space Command's Kosmos-2601")
	f.Fuzz(func(t *testing.T, t1, s1, t2, s2 string) {
		t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		g := New(Options{Aliases: [][]string{{t1, t2}}})
		seen := map[int64]bool{}
		for i, r := range []Report{
			{ID: 1, Title: t1, Text: s1, Published: t0},
			{ID: 2, Title: t2, Text: s2, Published: t0.Add(time.Hour)},
			{ID: 3, Title: t1 + " " + t2, Text: s2 + s1},
		} {
			id := g.Add(r)
			if id != r.ID && !seen[id] {
				t.Fatalf("report %d: story %d is no earlier report", i+1, id)
			}
			seen[r.ID] = true
		}
		_ = Key(t1)
		_ = Lang(s1)
	})
}
