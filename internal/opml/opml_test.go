package opml

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestReadExports(t *testing.T) {
	tests := []struct {
		file  string
		want  int
		first Feed
	}{
		{"miniflux.opml", 3, Feed{URL: "https://feeds.bbci.co.uk/news/world/rss.xml", Title: "BBC News - World", HTMLURL: "https://www.bbc.co.uk/news/world", Category: "World"}},
		{"freshrss.opml", 2, Feed{URL: "https://ria.ru/export/rss2/archive/index.xml", Title: "РИА Новости", HTMLURL: "https://ria.ru/", Category: "Uncategorized"}},
		{"newsboat.opml", 2, Feed{URL: "https://rss.nytimes.com/services/xml/rss/nyt/World.xml", Title: "NYT > World News", HTMLURL: "https://www.nytimes.com/section/world"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f, err := os.Open(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			feeds, err := Read(f, tt.file)
			if err != nil {
				t.Fatal(err)
			}
			if len(feeds) != tt.want || !reflect.DeepEqual(feeds[0], tt.first) {
				t.Fatalf("Read = %+v", feeds)
			}
			// Round trip: what we write reads back the same.
			var buf bytes.Buffer
			if err := Write(&buf, "feedwatch", feeds, time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)); err != nil {
				t.Fatal(err)
			}
			again, err := Read(&buf, "written")
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(again, feeds) {
				t.Errorf("round trip:\n got %+v\nwant %+v", again, feeds)
			}
		})
	}
}

func TestReadRejectsNonOPML(t *testing.T) {
	_, err := Read(strings.NewReader("<html><body>\n<p>hello</p>"), "page.html")
	if err == nil || !strings.Contains(err.Error(), "page.html") {
		t.Fatalf("err = %v", err)
	}
}
