package story

import (
	"runtime"
	"testing"
	"time"
)

// BenchmarkGroupDay measures grouping one day of 2,000 matched reports
// with the window already full of the three days before, as in a running
// daemon. It reports CPU seconds per day of reports (the goal is under 1).
func BenchmarkGroupDay(b *testing.B) {
	s := newSynth(b, 2)
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	const perDay = 2000
	var warm [][]Report
	for d := range 3 {
		warm = append(warm, s.day(start.AddDate(0, 0, d), perDay))
	}
	days := make([][]Report, 8)
	for i := range days {
		days[i] = s.day(start.AddDate(0, 0, 3+i), perDay)
	}
	b.ResetTimer()
	var cpu time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		g := New(Options{})
		for _, d := range warm {
			for _, r := range d {
				g.Add(r)
			}
		}
		day := days[i%len(days)]
		b.StartTimer()
		c0 := cpuTime()
		for _, r := range day {
			g.Add(r)
		}
		cpu += cpuTime() - c0
	}
	// CPU time, not wall time: the machine is shared, and the goal is
	// about what grouping costs.
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/day")
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N*perDay), "cpu-µs/report")
}

// TestSoak feeds 30 days of 2,000 reports a day and checks that what the
// Grouper holds stays the window's worth: the number of reports and
// stories it retains, and the live heap, do not grow with the days.
func TestSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("30 days of reports: a minute of CPU")
	}
	if raceEnabled {
		// The detector's shadow memory is what the heap figures would
		// measure, and it makes the minute ten.
		t.Skip("the soak measures memory; run it without -race")
	}
	s := newSynth(t, 3)
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	g := New(Options{})
	const perDay = 2000
	var maxReports, maxStories int
	var heapAt [31]uint64
	var storiesAt [31]int
	var merges int
	for d := range 30 {
		for _, r := range s.day(start.AddDate(0, 0, d), perDay) {
			g.Add(r)
			// The caller relabels after each report (digest.Stories).
			merges += len(g.Merges())
		}
		st, rs := g.Size()
		storiesAt[d+1] = st
		if d >= 5 {
			maxReports, maxStories = max(maxReports, rs), max(maxStories, st)
		}
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		heapAt[d+1] = ms.HeapAlloc
		if d%5 == 4 {
			t.Logf("day %2d: %d stories, %d reports held, %d merges so far, live heap %.1f MiB", d+1, st, rs, merges, float64(ms.HeapAlloc)/(1<<20))
		}
	}
	// The window holds three days and the day's reports spread over 36
	// hours after their event: at most about 5 days of reports.
	if limit := 5 * perDay; maxReports > limit {
		t.Errorf("held up to %d reports, want at most %d (the window's worth)", maxReports, limit)
	}
	if maxStories > maxReports {
		t.Errorf("held %d stories for %d reports", maxStories, maxReports)
	}
	if _, rs := g.Size(); rs < 2*perDay {
		t.Errorf("held only %d reports at the end: the window is not being kept", rs)
	}
	// Stories held: the last ten days' peak against days 6–10.
	var earlyStories, lateStories int
	for d := 6; d <= 10; d++ {
		earlyStories = max(earlyStories, storiesAt[d])
	}
	for d := 21; d <= 30; d++ {
		lateStories = max(lateStories, storiesAt[d])
	}
	if float64(lateStories) > 1.25*float64(earlyStories) {
		t.Errorf("stories held grew from %d to %d", earlyStories, lateStories)
	}
	// Live heap: the last ten days' peak against the peak of days 6–10.
	var early, late uint64
	for d := 6; d <= 10; d++ {
		early = max(early, heapAt[d])
	}
	for d := 21; d <= 30; d++ {
		late = max(late, heapAt[d])
	}
	t.Logf("live heap peak: days 6–10 %.1f MiB, days 21–30 %.1f MiB", float64(early)/(1<<20), float64(late)/(1<<20))
	if float64(late) > 1.25*float64(early) {
		t.Errorf("live heap grew from %.1f MiB to %.1f MiB", float64(early)/(1<<20), float64(late)/(1<<20))
	}
}
