// Package normalize turns parsed entries into model.Items: absolute and
// canonical links, plain-text titles, truncated bodies, a date for every item
// and a stable de-duplication key. It is pure: no I/O, no clock (the fetch
// time is passed in), and it never sanitises HTML for display; render does.
package normalize

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
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
)

// Items normalises every entry of feed, fetched from feedURL at fetchedAt.
// ID and FeedID are left zero for the store to set.
func Items(feed *parse.Feed, feedURL string, fetchedAt time.Time) []model.Item {
	if feed == nil {
		return nil
	}
	fetchedAt = fetchedAt.UTC()
	items := make([]model.Item, 0, len(feed.Entries))
	for _, e := range feed.Entries {
		items = append(items, item(e, feed, feedURL, fetchedAt))
	}
	return items
}

func item(e parse.Entry, feed *parse.Feed, feedURL string, fetchedAt time.Time) model.Item {
	base := feedURL
	if e.Base != "" {
		base = e.Base
	}
	link := truncateBytes(Resolve(base, e.Link), MaxLinkBytes)
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
	it.Key = key(it)
	return it
}

// key picks the identity of an item within its feed: the GUID when the
// feed gives one, else the canonical link, else a hash of what the reader
// sees, so an item with neither is still stored once.
func key(it model.Item) string {
	switch {
	case it.GUID != "":
		return "guid:" + it.GUID
	case it.CanonicalLink != "":
		return "link:" + it.CanonicalLink
	default:
		sum := sha256.Sum256([]byte(it.Title + "\x00" + it.SummaryText))
		return "hash:" + hex.EncodeToString(sum[:])[:32]
	}
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
