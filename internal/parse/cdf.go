package parse

import (
	"bytes"
	"encoding/xml"
	"io"
	"strings"
)

// parseCDF reads Microsoft's Channel Definition Format (1997), which gofeed
// does not know: <CHANNEL HREF BASE LASTMOD> with <ITEM HREF LASTMOD>
// children carrying <TITLE> and <ABSTRACT>. It still turns up in old
// intranet portals. It returns nil when the root is not a CDF channel.
func parseCDF(data []byte, feedURL string) *Feed {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = false
	d.Entity = xml.HTMLEntity
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }

	var (
		feed  *Feed
		base  string
		cur   *Entry
		depth int
		field *string
		text  strings.Builder
	)
	for {
		tok, err := d.Token()
		if err != nil {
			break
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			name := strings.ToLower(t.Name.Local)
			switch {
			case depth == 1:
				if name != "channel" {
					return nil
				}
				feed = &Feed{Format: "cdf", Link: attr(t, "href")}
				if b := attr(t, "base"); b != "" {
					base = resolveBase(feedURL, b)
				}
			case name == "item" && cur == nil:
				feed.Entries = append(feed.Entries, Entry{Link: attr(t, "href"), Base: base})
				cur = &feed.Entries[len(feed.Entries)-1]
				if lm := attr(t, "lastmod"); lm != "" {
					cur.UpdatedRaw, cur.Updated = lm, ParseDate(lm)
				}
			case name == "title" || name == "abstract":
				target := &feed.Title
				if cur != nil {
					target = &cur.Title
					if name == "abstract" {
						target = &cur.Summary
					}
				} else if name == "abstract" {
					target = nil
				}
				if target != nil {
					field = target
					text.Reset()
				}
			}
		case xml.CharData:
			if field != nil {
				text.Write(t)
			}
		case xml.EndElement:
			name := strings.ToLower(t.Name.Local)
			if field != nil && (name == "title" || name == "abstract") {
				*field = strings.TrimSpace(text.String())
				field = nil
			}
			if name == "item" {
				// cur points into feed.Entries; drop it before the next
				// append can move the slice.
				cur = nil
			}
			depth--
		}
	}
	return feed
}
