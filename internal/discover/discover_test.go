package discover

import (
	"reflect"
	"testing"
)

func TestFeeds(t *testing.T) {
	page := `<!doctype html><html><head><base href="https://news.example/world/">
<link rel="stylesheet" href="/s.css">
<link rel="alternate" type="application/rss+xml" title="World" href="rss.xml">
<link rel="Alternate" type="application/atom+xml" title="Atom" href="https://news.example/atom">
<link rel="alternate" type="application/rss+xml" href="rss.xml">
<link rel="alternate" type="text/html" hreflang="ru" href="/ru/">
<link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">
</head><body><link rel="alternate" type="application/rss+xml" href="/late.xml"></body></html>`
	got := Feeds([]byte(page), "https://news.example/world/index.html")
	want := []Link{
		{URL: "https://news.example/world/rss.xml", Title: "World", Type: "application/rss+xml"},
		{URL: "https://news.example/atom", Title: "Atom", Type: "application/atom+xml"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Feeds = %+v\nwant %+v", got, want)
	}
	if got := Feeds([]byte("<html><body>no feeds</body></html>"), "https://x.example/"); len(got) != 0 {
		t.Errorf("Feeds(no feeds) = %+v", got)
	}
}
