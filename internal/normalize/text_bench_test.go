package normalize

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/feedwatch/feedwatch/internal/parse"
)

// BenchmarkText renders the summaries of feedgen's documents
// (internal/ingest/testdata/bench) as plain text, as every new item's are.
func BenchmarkText(b *testing.B) {
	paths, _ := filepath.Glob("../ingest/testdata/bench/*.xml")
	var summaries []string
	size := 0
	for _, p := range paths {
		body, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		f, err := parse.Parse(body, "application/xml", "http://bench.test/")
		if err != nil {
			b.Fatal(err)
		}
		for _, e := range f.Entries {
			summaries = append(summaries, e.Summary)
			size += len(e.Summary)
		}
	}
	if len(summaries) == 0 {
		b.Fatal("no summaries")
	}
	b.SetBytes(int64(size))
	for b.Loop() {
		for _, s := range summaries {
			Text(s)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(summaries))/1000, "µs/summary")
}
