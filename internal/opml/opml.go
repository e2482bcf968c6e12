// Package opml reads and writes OPML 2.0 subscription lists, the format in
// which Miniflux, FreshRSS, newsboat and most readers import and export feeds.
package opml

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"
)

// Feed is one subscription.
type Feed struct {
	URL      string // xmlUrl
	Title    string
	HTMLURL  string
	Category string // the enclosing outline's title, if any
}

type document struct {
	XMLName xml.Name  `xml:"opml"`
	Version string    `xml:"version,attr"`
	Head    head      `xml:"head"`
	Body    []outline `xml:"body>outline"`
}

type head struct {
	Title       string `xml:"title,omitempty"`
	DateCreated string `xml:"dateCreated,omitempty"`
}

type outline struct {
	Text     string    `xml:"text,attr"`
	Title    string    `xml:"title,attr,omitempty"`
	Type     string    `xml:"type,attr,omitempty"`
	XMLURL   string    `xml:"xmlUrl,attr,omitempty"`
	HTMLURL  string    `xml:"htmlUrl,attr,omitempty"`
	Outlines []outline `xml:"outline"`
}

// Read returns the feeds of an OPML document, flattening categories. name is
// used in errors.
func Read(r io.Reader, name string) ([]Feed, error) {
	var doc document
	dec := xml.NewDecoder(r)
	dec.Strict = false
	dec.CharsetReader = func(label string, in io.Reader) (io.Reader, error) {
		if strings.EqualFold(label, "utf-8") || strings.EqualFold(label, "us-ascii") {
			return in, nil
		}
		return nil, fmt.Errorf("encoding %q is not supported, save the file as UTF-8", label)
	}
	if err := dec.Decode(&doc); err != nil {
		line, _ := dec.InputPos()
		return nil, fmt.Errorf("%s:%d: not an OPML document: %w", name, line, err)
	}
	var out []Feed
	var walk func(list []outline, category string)
	walk = func(list []outline, category string) {
		for _, o := range list {
			title := strings.TrimSpace(o.Title)
			if title == "" {
				title = strings.TrimSpace(o.Text)
			}
			// Some exporters (newsboat) put the feed URL in "url" or type it
			// "atom"; an outline with xmlUrl is a feed whatever its type.
			if u := strings.TrimSpace(o.XMLURL); u != "" {
				out = append(out, Feed{URL: u, Title: title, HTMLURL: strings.TrimSpace(o.HTMLURL), Category: category})
			}
			if len(o.Outlines) > 0 {
				walk(o.Outlines, title)
			}
		}
	}
	walk(doc.Body, "")
	return out, nil
}

// Write writes feeds as OPML 2.0, grouped by category.
func Write(w io.Writer, title string, feeds []Feed, now time.Time) error {
	doc := document{Version: "2.0", Head: head{Title: title, DateCreated: now.UTC().Format(time.RFC1123Z)}}
	cats := map[string]int{}
	for _, f := range feeds {
		o := outline{Text: f.Title, Title: f.Title, Type: "rss", XMLURL: f.URL, HTMLURL: f.HTMLURL}
		if o.Text == "" {
			o.Text = f.URL
		}
		if f.Category == "" {
			doc.Body = append(doc.Body, o)
			continue
		}
		i, ok := cats[f.Category]
		if !ok {
			i = len(doc.Body)
			cats[f.Category] = i
			doc.Body = append(doc.Body, outline{Text: f.Category, Title: f.Category})
		}
		doc.Body[i].Outlines = append(doc.Body[i].Outlines, o)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("write opml: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}
