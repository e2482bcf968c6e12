package normalize

import (
	"fmt"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/parse"
)

// TestItemsLimits: a document with more than MaxItems entries keeps the
// newest, in document order, and dates after the fetch become the fetch
// time.
func TestItemsLimits(t *testing.T) {
	fetched := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	var entries []parse.Entry
	for i := range MaxItems + 10 {
		// The last ten are the newest, listed at the end (oldest-first feed).
		entries = append(entries, parse.Entry{GUID: fmt.Sprint(i), Published: fetched.Add(time.Duration(i-MaxItems-10) * time.Minute)})
	}
	entries = append(entries, parse.Entry{GUID: "future", Published: fetched.Add(400 * 24 * time.Hour)})
	items := Items(&parse.Feed{Entries: entries}, "http://x.example/", fetched)
	if len(items) != MaxItems {
		t.Fatalf("%d items, want %d", len(items), MaxItems)
	}
	if items[0].GUID != "11" || items[len(items)-1].GUID != "future" {
		t.Errorf("kept %s … %s, want the newest (11 … future) in document order", items[0].GUID, items[len(items)-1].GUID)
	}
	if last := items[len(items)-1]; !last.Published.Equal(fetched) {
		t.Errorf("future date stored as %v, want the fetch time", last.Published)
	}
}
