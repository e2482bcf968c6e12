package parse

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"io"
	"sort"
	"strings"
	"unicode/utf8"
)

// rawEntry is what a second, plain pass over the XML finds for one entry
// that gofeed does not expose: the effective xml:base and every date-like
// child, in preference order.
type rawEntry struct {
	base     string
	link     string // text of a <link> without href (RSS, Atom 0.3)
	linkPrio int
	guid     string
	// guidLink: the guid is a permalink (RSS isPermaLink absent or true).
	guidLink   bool
	mediaTitle string
	hrefs      []relHref // <link href> children, in document order
	titleB64   string    // decoded Atom 0.3 mode="base64" title
	published  []string
	updated    []string
}

type relHref struct{ rel, href string }

type rawDoc struct {
	entries []rawEntry
	ttl     int // minutes
	lang    string
}

const (
	xmlNS   = "http://www.w3.org/XML/1998/namespace"
	mediaNS = "http://search.yahoo.com/mrss/"
)

func attr(t xml.StartElement, name string) string {
	for _, a := range t.Attr {
		if strings.EqualFold(a.Name.Local, name) {
			return a.Value
		}
	}
	return ""
}

// dateKind says which date an element carries and how much it is preferred
// (lower first). The mapping follows the specs and python feedparser:
// dc:date and dcterms:modified are modification dates, dcterms:issued and
// Atom 0.3 <issued> are publication dates, dcterms:created is a fallback.
type dateKind struct {
	published bool
	prio      int
}

var dateElems = map[string]dateKind{
	"pubdate":   {true, 0},
	"published": {true, 1},
	"issued":    {true, 2},
	"created":   {true, 3},
	"updated":   {false, 0},
	"modified":  {false, 1},
	"date":      {false, 2},
	"lastmod":   {false, 3},
}

type prioText struct {
	prio int
	text string
}

// scanRaw walks data (UTF-8, declaration fixed) with encoding/xml in
// non-strict mode. encoding/xml never expands entities declared in a
// DOCTYPE, so a billion-laughs document costs no more than its size.
func scanRaw(data []byte, feedURL string) *rawDoc {
	doc := &rawDoc{}
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = false
	d.Entity = xml.HTMLEntity
	// The body is UTF-8 already; any label left in a declaration is a lie.
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }

	type frame struct{ base string }
	var (
		stack      []frame
		sawBase    bool
		entryDepth = -1
		cur        *rawEntry
		pubs, upds []prioText
		collect    func(string)
		collectAt  = -1
		text       strings.Builder
	)
	for {
		tok, err := d.Token()
		if err != nil {
			break
		}
		switch t := tok.(type) {
		case xml.StartElement:
			base := feedURL
			if len(stack) > 0 {
				base = stack[len(stack)-1].base
			}
			for _, a := range t.Attr {
				if a.Name.Local == "base" && (a.Name.Space == xmlNS || a.Name.Space == "xml") {
					base = resolveBase(base, a.Value)
					sawBase = true
				}
				if a.Name.Local == "lang" && (a.Name.Space == xmlNS || a.Name.Space == "xml") && len(stack) == 0 && doc.lang == "" {
					doc.lang = strings.TrimSpace(a.Value)
				}
			}
			stack = append(stack, frame{base: base})
			depth := len(stack)
			local := strings.ToLower(t.Name.Local)
			switch {
			case cur == nil && (local == "item" || local == "entry"):
				cur = &rawEntry{}
				if sawBase {
					cur.base = base
				}
				entryDepth = depth
				pubs, upds = pubs[:0], upds[:0]
			case cur != nil && collect == nil && local == "title" && t.Name.Space == mediaNS && cur.mediaTitle == "":
				text.Reset()
				collectAt = depth
				collect = func(s string) { cur.mediaTitle = s }
			case cur != nil && depth == entryDepth+1 && collect == nil:
				if k, ok := dateElems[local]; ok {
					text.Reset()
					collectAt = depth
					collect = func(s string) {
						if k.published {
							pubs = append(pubs, prioText{k.prio, s})
						} else {
							upds = append(upds, prioText{k.prio, s})
						}
					}
				} else if local == "link" && attr(t, "href") != "" {
					cur.hrefs = append(cur.hrefs, relHref{strings.ToLower(strings.TrimSpace(attr(t, "rel"))), strings.TrimSpace(attr(t, "href"))})
				} else if local == "link" {
					// Atom 0.3 puts the URL in the text; prefer the
					// alternate link, as the spec intends.
					prio := 2
					switch strings.ToLower(attr(t, "rel")) {
					case "alternate":
						prio = 0
					case "":
						prio = 1
					}
					text.Reset()
					collectAt = depth
					collect = func(s string) {
						if cur.link == "" || prio < cur.linkPrio {
							cur.link, cur.linkPrio = s, prio
						}
					}
				} else if local == "guid" {
					cur.guidLink = !strings.EqualFold(strings.TrimSpace(attr(t, "isPermaLink")), "false")
					text.Reset()
					collectAt = depth
					collect = func(s string) { cur.guid = s }
				} else if local == "title" && strings.EqualFold(attr(t, "mode"), "base64") {
					text.Reset()
					collectAt = depth
					collect = func(s string) {
						if b, err := base64.StdEncoding.DecodeString(s); err == nil && utf8.Valid(b) {
							cur.titleB64 = string(b)
						}
					}
				}
			case cur == nil && collect == nil && local == "ttl":
				text.Reset()
				collectAt = depth
				collect = func(s string) { doc.ttl = atoiPositive(s) }
			case cur == nil && collect == nil && local == "language" && doc.lang == "":
				text.Reset()
				collectAt = depth
				collect = func(s string) { doc.lang = s }
			}
		case xml.CharData:
			if collect != nil && text.Len() < 4096 {
				text.Write(t)
			}
		case xml.EndElement:
			depth := len(stack)
			if collect != nil && depth == collectAt {
				if s := strings.TrimSpace(text.String()); s != "" {
					collect(s)
				}
				collect, collectAt = nil, -1
			}
			if cur != nil && depth == entryDepth {
				sort.SliceStable(pubs, func(i, j int) bool { return pubs[i].prio < pubs[j].prio })
				sort.SliceStable(upds, func(i, j int) bool { return upds[i].prio < upds[j].prio })
				for _, p := range pubs {
					cur.published = append(cur.published, p.text)
				}
				for _, u := range upds {
					cur.updated = append(cur.updated, u.text)
				}
				doc.entries = append(doc.entries, *cur)
				cur, entryDepth = nil, -1
			}
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		}
	}
	return doc
}
