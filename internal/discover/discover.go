// Package discover finds the feeds a web page advertises with
// <link rel="alternate" type="application/rss+xml" href="…">.
package discover

import (
	"bytes"
	"net/url"
	"strings"

	"golang.org/x/net/html"
)

// Link is one advertised feed.
type Link struct {
	URL   string
	Title string
	Type  string
}

var feedTypes = map[string]bool{
	"application/rss+xml":   true,
	"application/atom+xml":  true,
	"application/feed+json": true,
	"application/json":      true,
	"application/rdf+xml":   true,
	"text/xml":              true,
	"application/xml":       true,
}

// Feeds returns the feeds advertised in page, with hrefs resolved against
// pageURL (and the page's <base href>), without duplicates, in page order.
func Feeds(page []byte, pageURL string) []Link {
	base, err := url.Parse(pageURL)
	if err != nil {
		return nil
	}
	var out []Link
	seen := map[string]bool{}
	z := html.NewTokenizer(bytes.NewReader(page))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return out
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		name, hasAttr := z.TagName()
		tag := string(name)
		if tag == "body" {
			return out // feeds are advertised in <head>
		}
		if !hasAttr || (tag != "link" && tag != "base") {
			continue
		}
		attrs := map[string]string{}
		for {
			k, v, more := z.TagAttr()
			attrs[string(k)] = string(v)
			if !more {
				break
			}
		}
		if tag == "base" {
			if b, err := base.Parse(attrs["href"]); err == nil {
				base = b
			}
			continue
		}
		rels := strings.Fields(strings.ToLower(attrs["rel"]))
		typ := strings.ToLower(strings.TrimSpace(attrs["type"]))
		if !contains(rels, "alternate") || !feedTypes[typ] || attrs["href"] == "" {
			continue
		}
		u, err := base.Parse(strings.TrimSpace(attrs["href"]))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || seen[u.String()] {
			continue
		}
		seen[u.String()] = true
		out = append(out, Link{URL: u.String(), Title: strings.TrimSpace(attrs["title"]), Type: typ})
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
