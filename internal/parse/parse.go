// Package parse turns a fetched body into raw feed entries. It is the only
// importer of gofeed. It owns character-set detection, format detection and
// the recovery of what gofeed misses (xml:base per entry, Dublin Core and
// odd date formats, RSS <ttl>). It must never fetch anything, resolve links
// for storage or clean HTML: that is normalize's and render's job.
package parse

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"
	ext "github.com/mmcdole/gofeed/extensions"
)

// ErrNotAFeed is returned (wrapped) when the body is not RSS, Atom or JSON
// Feed at all: an HTML page, an empty body, some other XML or JSON.
var ErrNotAFeed = errors.New("not a feed")

// MaxInput bounds the body Parse accepts. fetch caps bodies already; this
// guards callers that did not, because the XML parsers hold the whole tree
// of an entry in memory.
const MaxInput = 64 << 20

// Feed is a parsed feed.
type Feed struct {
	Title    string
	Link     string
	Language string
	TTL      time.Duration // RSS <ttl>; 0 when absent
	// UpdatePeriod is the syndication module's <sy:updatePeriod> divided by
	// <sy:updateFrequency> (WordPress writes both into every feed); 0 when
	// absent. Like TTL, the publisher's word on how often to look.
	UpdatePeriod time.Duration
	Format       string // "rss", "atom", "json" or "cdf"
	Entries      []Entry
}

// Entry is one item as the feed gave it: text is raw (HTML or plain), links
// may be relative to Base.
type Entry struct {
	GUID    string
	Link    string
	Title   string
	Summary string // raw HTML or text
	Content string
	Author  string

	// Published and Updated are UTC and zero when absent or unparseable.
	Published    time.Time
	Updated      time.Time
	PublishedRaw string
	UpdatedRaw   string

	// Base is the effective xml:base for this entry, resolved against the
	// feed URL, for resolving relative links; empty when the document sets
	// none.
	Base string
}

// Parse parses body, served with contentType from feedURL. Errors wrap
// ErrNotAFeed or describe the syntax error; Parse never panics.
func Parse(body []byte, contentType, feedURL string) (feed *Feed, err error) {
	defer func() {
		// gofeed and its XML pull parser are third-party code run on hostile
		// input; one bad document must not take the daemon down.
		if r := recover(); r != nil {
			feed, err = nil, fmt.Errorf("parse %s: parser panic: %v", feedURL, r)
		}
	}()
	if len(body) > MaxInput {
		return nil, fmt.Errorf("parse %s: body of %d bytes exceeds the %d-byte limit", feedURL, len(body), MaxInput)
	}
	trimmed := bytes.TrimLeft(body, " \t\r\n\x00\xef\xbb\xbf\xfe\xff")
	if len(trimmed) == 0 {
		return nil, fmt.Errorf("parse %s: empty body: %w", feedURL, ErrNotAFeed)
	}

	var data []byte
	if trimmed[0] == '{' {
		data = trimmed
		if !jsonFeedLike(data) {
			return nil, fmt.Errorf("parse %s: JSON without a JSON Feed version: %w", feedURL, ErrNotAFeed)
		}
	} else {
		data = toUTF8(body, contentType)
	}

	parser := gofeed.NewParser()
	// gofeed looks for an entry's image by parsing its HTML when the feed
	// names none; feedwatch shows no images, and that parse was a sixth of
	// gofeed's time on RSS.
	parser.RSSTranslator = &gofeed.DefaultRSSTranslator{DisableContentImageScan: true}
	gf, err := parser.Parse(bytes.NewReader(data))
	if err != nil {
		if errors.Is(err, gofeed.ErrFeedTypeNotDetected) {
			if cdf := parseCDF(data, feedURL); cdf != nil {
				return cdf, nil
			}
			return nil, fmt.Errorf("parse %s: %s: %w", feedURL, describe(data), ErrNotAFeed)
		}
		return nil, fmt.Errorf("parse %s: %w", feedURL, err)
	}

	feed = &Feed{
		Title:    strings.TrimSpace(gf.Title),
		Link:     strings.TrimSpace(gf.Link),
		Language: strings.TrimSpace(gf.Language),
		Format:   gf.FeedType,
	}
	feed.UpdatePeriod = updatePeriod(gf.Extensions["sy"])
	var raw *rawDoc
	if feed.Format == "rss" {
		feed.TTL = quickTTL(data)
	}
	if feed.Format != "json" && needsRawScan(gf, data) {
		raw = scanRaw(data, feedURL)
		if raw.ttl > 0 {
			feed.TTL = time.Duration(raw.ttl) * time.Minute
		}
		if feed.Language == "" {
			feed.Language = raw.lang
		}
	}
	// The raw scan finds entries in document order, as gofeed does; only
	// trust the pairing when both saw the same number.
	paired := raw != nil && len(raw.entries) == len(gf.Items)

	feed.Entries = make([]Entry, 0, len(gf.Items))
	for i, it := range gf.Items {
		if it == nil {
			continue
		}
		e := Entry{
			GUID:         strings.TrimSpace(it.GUID),
			Link:         strings.TrimSpace(it.Link),
			Title:        it.Title,
			Summary:      it.Description,
			Content:      it.Content,
			Author:       author(it),
			PublishedRaw: strings.TrimSpace(it.Published),
			UpdatedRaw:   strings.TrimSpace(it.Updated),
		}
		if e.Link == "" && len(it.Links) > 0 {
			e.Link = strings.TrimSpace(it.Links[0])
		}
		e.Published = zoned(sane(it.PublishedParsed), e.PublishedRaw)
		e.Updated = zoned(sane(it.UpdatedParsed), e.UpdatedRaw)
		if paired {
			re := raw.entries[i]
			e.Base = re.base
			fillDate(&e.Published, &e.PublishedRaw, re.published)
			fillDate(&e.Updated, &e.UpdatedRaw, re.updated)
			if e.Link == "" {
				e.Link = re.link
			}
			// RSS: a guid is the permalink unless isPermaLink="false",
			// but only if it is a web URL at all.
			if e.Link == "" && re.guidLink && isWebURL(re.guid) {
				e.Link = re.guid
			}
			e.Link = preferAlternate(e.Link, re)
			if re.titleB64 != "" {
				e.Title = re.titleB64
			}
			if strings.TrimSpace(e.Title) == "" {
				e.Title = re.mediaTitle
			}
		}
		// An Atom id (or an RSS guid we could not pair) that is an
		// absolute web URL is the entry's permalink in practice.
		if e.Link == "" && (feed.Format == "atom" || feed.Format == "json") && isWebURL(e.GUID) {
			e.Link = e.GUID
		}
		if e.Published.IsZero() && e.PublishedRaw != "" {
			e.Published = ParseDate(e.PublishedRaw)
		}
		if e.Updated.IsZero() && e.UpdatedRaw != "" {
			e.Updated = ParseDate(e.UpdatedRaw)
		}
		feed.Entries = append(feed.Entries, e)
	}
	return feed, nil
}

// fillDate sets *t from the first candidate that parses, when gofeed found
// nothing usable.
// needsRawScan reports whether the document may hold what only the second,
// raw pass recovers: xml:base, <ttl>, base64 or media titles, Atom's several
// links per entry, or an entry gofeed left without a link, date or title.
// An ordinary RSS feed needs none of it, and the pass costs half as much as
// gofeed's own parse.
func needsRawScan(gf *gofeed.Feed, data []byte) bool {
	if gf.FeedType != "rss" && gf.FeedType != "atom" {
		return true
	}
	for _, marker := range rawMarkers {
		if bytes.Contains(data, marker) {
			return true
		}
	}
	for _, it := range gf.Items {
		if it == nil || strings.TrimSpace(it.Link) == "" || strings.TrimSpace(it.Title) == "" ||
			(it.PublishedParsed == nil && it.UpdatedParsed == nil) || len(it.Links) > 1 {
			return true
		}
	}
	return false
}

var rawMarkers = [][]byte{[]byte("xml:base"), []byte("base64"), []byte("media:")}

// quickTTL finds an RSS channel's <ttl> (minutes) without the raw pass.
func quickTTL(data []byte) time.Duration {
	i := bytes.Index(data, []byte("<ttl>"))
	if i < 0 {
		return 0
	}
	rest := data[i+len("<ttl>"):]
	j := bytes.Index(rest, []byte("</ttl>"))
	if j < 0 || j > 16 {
		return 0
	}
	n := atoiPositive(strings.TrimSpace(string(rest[:j])))
	return time.Duration(n) * time.Minute
}

// syPeriods are <sy:updatePeriod>'s values.
var syPeriods = map[string]time.Duration{
	"hourly": time.Hour, "daily": 24 * time.Hour, "weekly": 7 * 24 * time.Hour,
	"monthly": 30 * 24 * time.Hour, "yearly": 365 * 24 * time.Hour,
}

// updatePeriod reads the syndication module's elements: updatePeriod (daily
// when only a frequency is given, as the module says) divided by
// updateFrequency (1 when absent or not a positive number).
func updatePeriod(sy map[string][]ext.Extension) time.Duration {
	value := func(name string) string {
		if v := sy[name]; len(v) > 0 {
			return strings.ToLower(strings.TrimSpace(v[0].Value))
		}
		return ""
	}
	name, freq := value("updatePeriod"), value("updateFrequency")
	if name == "" && freq == "" {
		return 0
	}
	period, ok := syPeriods[name]
	if name == "" {
		period, ok = 24*time.Hour, true
	}
	if !ok {
		return 0
	}
	if n, err := strconv.Atoi(freq); err == nil && n > 0 {
		period /= time.Duration(n)
	}
	return period
}

// zoned is gofeed's date t, read again from raw when raw ends in a zone
// abbreviation: Go's time.Parse takes an abbreviation it does not know
// ("MSK", "CEST") as UTC, so "14:00:00 MSK" came out three hours late.
// ParseDate replaces the names it knows by their offsets first.
func zoned(t time.Time, raw string) time.Time {
	if t.IsZero() {
		return t
	}
	i := strings.LastIndexByte(raw, ' ')
	name := raw[i+1:]
	if off, ok := zones[name]; !ok || off == "+0000" || !isAlpha(name) {
		return t
	}
	if p := ParseDate(raw); !p.IsZero() {
		return p
	}
	return t
}

func fillDate(t *time.Time, rawText *string, candidates []string) {
	if !t.IsZero() {
		return
	}
	for _, c := range candidates {
		if d := ParseDate(c); !d.IsZero() {
			*t, *rawText = d, c
			return
		}
	}
	if *rawText == "" && len(candidates) > 0 {
		*rawText = candidates[0]
	}
}

func sane(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return clamp(*t)
}

func author(it *gofeed.Item) string {
	for _, p := range append([]*gofeed.Person{it.Author}, it.Authors...) {
		if p == nil {
			continue
		}
		if p.Name != "" {
			return strings.TrimSpace(p.Name)
		}
		if p.Email != "" {
			return strings.TrimSpace(p.Email)
		}
	}
	if it.DublinCoreExt != nil && len(it.DublinCoreExt.Creator) > 0 {
		return strings.TrimSpace(it.DublinCoreExt.Creator[0])
	}
	return ""
}

// jsonFeedLike reports whether a JSON object looks like a JSON Feed, so an
// API error document is reported as not a feed rather than as an empty one.
func jsonFeedLike(b []byte) bool {
	head := b
	if len(head) > 64<<10 {
		head = head[:64<<10]
	}
	return bytes.Contains(head, []byte("jsonfeed.org/version")) || bytes.Contains(head, []byte(`"items"`))
}

// describe names what the document is, for ErrNotAFeed messages.
func describe(b []byte) string {
	head := strings.ToLower(string(b[:min(len(b), 1024)]))
	switch {
	case strings.Contains(head, "<html") || strings.Contains(head, "<!doctype html"):
		return "an HTML page"
	case strings.HasPrefix(strings.TrimSpace(head), "<"):
		return "XML without an rss, RDF or feed root"
	default:
		return "neither XML nor JSON"
	}
}

// resolveBase resolves ref against base; it returns base when ref is
// unusable.
func resolveBase(base, ref string) string {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return base
	}
	r, err := url.Parse(ref)
	if err != nil {
		return base
	}
	if base == "" {
		return r.String()
	}
	b, err := url.Parse(base)
	if err != nil {
		return r.String()
	}
	return b.ResolveReference(r).String()
}

func atoiPositive(s string) int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n <= 0 {
		return 0
	}
	// A TTL longer than a month is a typo or a joke; ignore it.
	if n > 31*24*60 {
		return 0
	}
	return n
}

func isWebURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// preferAlternate swaps a link gofeed took from a rel="enclosure" (or other
// non-page) <link> for the entry's alternate link, when it has one: the
// reader wants the article, not the MP3.
func preferAlternate(link string, re rawEntry) string {
	var alternate string
	fromOther := false
	for _, h := range re.hrefs {
		if h.rel == "" || h.rel == "alternate" {
			if alternate == "" {
				alternate = h.href
			}
			continue
		}
		if link == h.href || link == resolveBase(re.base, h.href) {
			fromOther = true
		}
	}
	if fromOther && alternate != "" {
		return alternate
	}
	return link
}
