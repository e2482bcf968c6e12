// Package normalize turns parsed entries into model.Items: absolute and
// canonical links, plain-text titles, truncated bodies, a date for every item
// and a stable de-duplication key. It is pure: no I/O, no clock (the fetch
// time is passed in), and it never sanitises HTML for display; render does.
package normalize

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/feedwatch/feedwatch/internal/model"
	"github.com/feedwatch/feedwatch/internal/parse"
)

// Limits on what one item may carry into the store. A feed is untrusted
// input; one entry with a megabyte title must not bloat every digest.
const (
	MaxTitleRunes = 1000
	MaxBodyBytes  = 64 << 10
	MaxGUIDBytes  = 2048
	MaxLinkBytes  = 4096
	// MaxItems bounds the entries kept from one document. Real feeds carry
	// tens to a few thousand; a hostile one with 100,000 would hold the
	// database's single write lock for longer than other feeds wait for it
	// (busy_timeout), so their polls would fail. The newest are kept.
	MaxItems = 5000
	// MaxFutureSkew is how far after the fetch an item's date may lie.
	MaxFutureSkew = 24 * time.Hour
)

// Items normalises every entry of feed, fetched from feedURL at fetchedAt.
// ID and FeedID are left zero for the store to set.
func Items(feed *parse.Feed, feedURL string, fetchedAt time.Time) []model.Item {
	items, _ := ItemsExcept[bool](feed, feedURL, fetchedAt, nil, nil)
	return items
}

// ItemsExcept is Items without the entries already stored, and reports
// how many it left out: keys are the entries' keys as Keys gives them for
// the same arguments, and known has those that are stored. A changed
// feed mostly repeats entries stored before; a poll asks the store which
// of Keys it holds and normalises and matches only the rest. The items
// take their keys from keys; keys that do not fit the document (another
// count) are made again, and nothing is left out.
func ItemsExcept[V any](feed *parse.Feed, feedURL string, fetchedAt time.Time, keys []string, known map[string]V) (items []model.Item, skipped int) {
	if feed == nil {
		return nil, 0
	}
	fetchedAt = fetchedAt.UTC()
	entries := newest(feed.Entries, MaxItems, fetchedAt)
	if len(keys) != len(entries) {
		keys, known = keysOf(entries, feedURL), nil
	}
	items = make([]model.Item, 0, len(entries))
	for i, e := range entries {
		if _, ok := known[keys[i]]; ok {
			skipped++
			continue
		}
		it := item(e, feed, feedURL, fetchedAt)
		it.Key = keys[i]
		items = append(items, it)
	}
	return items, skipped
}

// Keys returns the Key of every entry Items keeps, in the same order,
// without normalising the entries' text.
func Keys(feed *parse.Feed, feedURL string, fetchedAt time.Time) []string {
	if feed == nil {
		return nil
	}
	return keysOf(newest(feed.Entries, MaxItems, fetchedAt.UTC()), feedURL)
}

// keysOf is the key of each of a document's entries: the one place a key
// is made, for Keys and Items alike.
func keysOf(entries []parse.Entry, feedURL string) []string {
	ids := identsOf(entries, feedURL)
	mode := keyingOf(ids)
	keys := make([]string, len(entries))
	for i, e := range entries {
		keys[i] = entryKey(e, ids[i], mode)
	}
	return keys
}

// Recognised is an entry of a document that a poll recognised as one the
// feed has stored, without parsing it again: its GUID, link and key as
// stored.
type Recognised struct{ GUID, Link, Key string }

// KeysBeside is Keys for a document that lists the recognised entries
// besides feed's: those count for how the document's entries are told
// apart, as they would if they had been parsed. ok is false when a
// recognised entry's key is not the one it would get in this document
// (the way its entries are told apart changed): the caller must then parse
// the document whole.
func KeysBeside(feed *parse.Feed, feedURL string, fetchedAt time.Time, recognised []Recognised) (keys []string, ok bool) {
	if feed == nil {
		return nil, false
	}
	entries := newest(feed.Entries, MaxItems, fetchedAt.UTC())
	ids := identsOf(entries, feedURL)
	all := ids
	for _, r := range recognised {
		all = append(all[:len(all):len(all)], ident{guid: r.GUID, link: r.Link})
	}
	mode := keyingOf(all)
	for _, r := range recognised {
		if mode.key(ident{guid: r.GUID, link: r.Link}) != r.Key {
			return nil, false
		}
	}
	keys = make([]string, len(entries))
	for i, e := range entries {
		keys[i] = entryKey(e, ids[i], mode)
	}
	return keys, true
}

// ident is what tells an entry apart: its GUID and its absolute link, as
// Item stores them.
type ident struct{ guid, link string }

func identsOf(entries []parse.Entry, feedURL string) []ident {
	ids := make([]ident, len(entries))
	for i, e := range entries {
		ids[i] = ident{guid: truncateBytes(strings.TrimSpace(e.GUID), MaxGUIDBytes), link: entryLink(e, feedURL)}
	}
	return ids
}

// keying is how a document's entries are told apart. Most feeds give each
// entry its own GUID, or its own link; keyingOf notices the two ways feeds
// get this wrong, which would otherwise store the first such entry and
// take every later one for it.
type keying struct {
	// sharedGUIDs: one GUID stands on entries with different links (a
	// feed that puts its own URL, or "1", in every <guid>). Entries are
	// then told apart by their links.
	sharedGUIDs bool
	// fragments: entries' links differ only after '#' (changelog#v1.2,
	// changelog#v1.3, /#!/story/1). The fragment then stays in the key.
	fragments bool
}

func keyingOf(ids []ident) keying {
	var k keying
	linkOfGUID := map[string]string{}
	linkOfCanonical := map[string]string{}
	for _, id := range ids {
		if id.guid != "" {
			if first, ok := linkOfGUID[id.guid]; ok && first != id.link {
				k.sharedGUIDs = true
			} else if !ok {
				linkOfGUID[id.guid] = id.link
			}
		}
		if canonical := CanonicalLink(id.link); canonical != "" {
			if first, ok := linkOfCanonical[canonical]; ok && fragment(first) != fragment(id.link) {
				k.fragments = true
			} else if !ok {
				linkOfCanonical[canonical] = id.link
			}
		}
	}
	return k
}

// fragment is the part of link after '#', "" when it has none.
func fragment(link string) string {
	if _, f, ok := strings.Cut(link, "#"); ok {
		return f
	}
	return ""
}

// entryKey picks the identity of an entry within its feed: the GUID when
// the feed gives one (and gives each entry its own), else the canonical
// link, else a hash of what the reader sees (title and summary as item
// makes them), so an entry with neither is still stored once.
func entryKey(e parse.Entry, id ident, mode keying) string {
	if k := mode.key(id); k != "" {
		return k
	}
	return hashKey(truncateRunes(Text(e.Title), MaxTitleRunes), Text(truncateBytes(e.Summary, MaxBodyBytes)))
}

// key is the key of an entry with id, "" when it has neither GUID nor link.
func (mode keying) key(id ident) string {
	if id.guid != "" && !mode.sharedGUIDs {
		return "guid:" + id.guid
	}
	if canonical := CanonicalLink(id.link); canonical != "" {
		return linkKey(canonical, id.link, mode)
	}
	if id.guid != "" {
		return "guid:" + id.guid
	}
	return ""
}

func linkKey(canonical, link string, mode keying) string {
	if f := fragment(link); mode.fragments && f != "" {
		return "link:" + canonical + "#" + f
	}
	return "link:" + canonical
}

// entryLink is e's link made absolute against its xml:base or the feed.
func entryLink(e parse.Entry, feedURL string) string {
	base := feedURL
	if e.Base != "" {
		base = e.Base
	}
	return truncateBytes(Resolve(base, e.Link), MaxLinkBytes)
}

// Newest keeps the n most recently published of entries, in document
// order, as Items does with MaxItems: a poll caps a document with it first.
func Newest(entries []parse.Entry, n int, fetchedAt time.Time) []parse.Entry {
	return newest(entries, n, fetchedAt.UTC())
}

// newest keeps the n most recently published entries in document order,
// choosing before normalising so that a huge feed costs no more than n
// entries. Undated entries count as published at the fetch, so they are
// kept first; among equal dates the document's order decides, so a feed
// that lists newest first keeps its head.
func newest(entries []parse.Entry, n int, fetchedAt time.Time) []parse.Entry {
	if len(entries) <= n {
		return entries
	}
	date := func(e parse.Entry) time.Time {
		d := e.Published
		if d.IsZero() {
			d = e.Updated
		}
		if d.IsZero() || d.After(fetchedAt.Add(MaxFutureSkew)) {
			d = fetchedAt
		}
		return d
	}
	idx := make([]int, len(entries))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return date(entries[idx[a]]).After(date(entries[idx[b]])) })
	idx = idx[:n]
	sort.Ints(idx)
	out := make([]parse.Entry, n)
	for i, j := range idx {
		out[i] = entries[j]
	}
	return out
}

// item normalises e; its Key is set by the caller (keysOf).
func item(e parse.Entry, feed *parse.Feed, feedURL string, fetchedAt time.Time) model.Item {
	link := entryLink(e, feedURL)
	it := model.Item{
		GUID:          truncateBytes(strings.TrimSpace(e.GUID), MaxGUIDBytes),
		Link:          link,
		CanonicalLink: CanonicalLink(link),
		Title:         truncateRunes(Text(e.Title), MaxTitleRunes),
		Summary:       truncateBytes(e.Summary, MaxBodyBytes),
		Content:       truncateBytes(e.Content, MaxBodyBytes),
		Author:        truncateRunes(Text(e.Author), 200),
		Updated:       e.Updated.UTC(),
		FetchedAt:     fetchedAt,
		Lang:          feed.Language,
	}
	it.SummaryText = Text(it.Summary)
	it.ContentText = Text(it.Content)
	switch {
	case !e.Published.IsZero():
		it.Published = e.Published.UTC()
	case !e.Updated.IsZero():
		it.Published = e.Updated.UTC()
	default:
		it.Published = fetchedAt
		it.DateMissing = true
	}
	// A date after the fetch (beyond a day of zone mistakes) is a typo or a
	// trick to stay on top of every list sorted by recency; the fetch time is
	// the best estimate of when the item appeared.
	if it.Published.After(fetchedAt.Add(MaxFutureSkew)) {
		it.Published = fetchedAt
	}
	return it
}

func hashKey(title, summaryText string) string {
	sum := sha256.Sum256([]byte(title + "\x00" + summaryText))
	return "hash:" + hex.EncodeToString(sum[:])[:32]
}

// Resolve makes ref absolute against base. An unparseable ref is returned
// trimmed but otherwise as published; an empty ref stays empty.
func Resolve(base, ref string) string {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return ""
	}
	r, err := url.Parse(ref)
	if err != nil {
		return ref
	}
	if r.IsAbs() {
		return r.String()
	}
	b, err := url.Parse(strings.TrimSpace(base))
	if err != nil || !b.IsAbs() {
		return r.String()
	}
	return b.ResolveReference(r).String()
}

// truncateBytes cuts s to at most n bytes on a rune boundary.
func truncateBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i := 0
	for j := range s {
		if i == n {
			return strings.TrimSpace(s[:j]) + "…"
		}
		i++
	}
	return s
}

// Title is a feed's or entry's title as feedwatch stores it: plain text,
// at most MaxTitleRunes.
func Title(s string) string { return truncateRunes(Text(s), MaxTitleRunes) }
