package ingest

import (
	"context"
	"time"

	"github.com/feedwatch/feedwatch/internal/fetch"
	"github.com/feedwatch/feedwatch/internal/model"
	"github.com/feedwatch/feedwatch/internal/normalize"
	"github.com/feedwatch/feedwatch/internal/parse"
	"github.com/feedwatch/feedwatch/internal/store"
)

// reading is a changed document made ready for normalising: its entries
// parsed, their keys, and which of them the feed has stored.
//
// A changed feed mostly lists entries it listed before, byte for byte. The
// entries the feed's fingerprints recognise (store.EntryPrints) are
// not parsed at all: the document is parsed without them, which makes the
// poll of a feed with one new entry among twenty-five cost about one
// entry's parse instead of twenty-five (docs/performance.md, "Steady
// state").
type reading struct {
	// doc holds the entries to normalise: all of the document's, or those
	// not recognised.
	doc *parse.Feed
	// parsed counts the entries parsed, before any cap.
	parsed int
	// keys are doc.Entries' keys (nil: normalize makes them), stored
	// which of them the feed has stored, with the items' ids.
	keys   []string
	stored map[string]int64
	// recognised are the entries left out of doc, stored already.
	recognised []store.StoredEntry
	// prints are the fingerprints to keep for the next poll (nil: keep
	// the feed's as they are).
	prints []store.Print
}

// read parses a changed document, leaving out the entries the feed's
// fingerprints recognise when it can, and the whole of it otherwise.
func (p *Poller) read(ctx context.Context, f model.Feed, resp *fetch.Response, now time.Time) (*reading, error) {
	layout, cut := parse.Cut(resp.Body, resp.ContentType)
	known := !f.LastSuccessAt.IsZero() && f.ID != 0 // a feed never polled with success has stored nothing
	if cut && known && len(layout.Entries) <= p.opts.MaxEntries {
		if rd := p.readRecognising(ctx, f, layout, resp, now); rd != nil {
			return rd, nil
		}
	}
	var doc *parse.Feed
	var err error
	if cut && len(layout.Entries) > p.opts.MaxEntries {
		doc, err = parseNewest(layout, resp, p.opts.MaxEntries, now)
	} else {
		body := resp.Body
		if cut {
			body = layout.Data // in UTF-8 already: not converted twice
		}
		doc, err = parse.Parse(body, resp.ContentType, resp.URL)
	}
	if err != nil {
		return nil, err
	}
	rd := &reading{doc: doc, parsed: len(doc.Entries)}
	if cut {
		rd.parsed = len(layout.Entries)
	}
	if n := rd.parsed; n > p.opts.MaxEntries {
		p.log.Warn("feed lists more entries than poll.max_entries: only the newest are read", "feed_url", fetch.Redacted(f.URL),
			"entries", n, "max_entries", p.opts.MaxEntries)
		doc.Entries = normalize.Newest(doc.Entries, p.opts.MaxEntries, now)
		cut = false // the entries no longer stand where the layout has them
	}
	if !known && !cut {
		return rd, nil
	}
	rd.keys = normalize.Keys(doc, resp.URL, now)
	if known {
		// When the query fails, every entry is processed and the store
		// skips the known ones as it always does: slower, never wrong.
		if rd.stored, err = p.store.StoredKeys(ctx, f.ID, rd.keys); err != nil {
			p.log.Debug("known items not read; processing all", "feed_url", fetch.Redacted(f.URL), "err", err)
			rd.stored = nil
		}
	}
	if cut && len(layout.Entries) == len(doc.Entries) {
		rd.prints = make([]store.Print, len(rd.keys))
		for i, k := range rd.keys {
			rd.prints[i] = store.Print{Hash: layout.Fingerprint(i, resp.URL), ItemID: rd.stored[k], Key: k}
		}
	} else {
		rd.prints = []store.Print{} // fingerprints of another document would mislead
	}
	return rd, nil
}

// parseChunk is how many entries parseNewest parses at once.
const parseChunk = 250

// parseNewest parses a document that lists more than max entries a part at
// a time, keeping the newest max: the parser's tree of one part is in
// memory at once, never that of a 100,000-entry document. The entries kept
// are those a parse of the whole document and normalize.Newest would keep.
func parseNewest(layout *parse.Layout, resp *fetch.Response, max int, now time.Time) (*parse.Feed, error) {
	var doc *parse.Feed
	var kept []parse.Entry
	var buf []byte
	n := len(layout.Entries)
	for from := 0; from < n; from += parseChunk {
		to := min(from+parseChunk, n)
		buf = layout.Only(buf[:0], from, to)
		part, err := parse.Parse(buf, resp.ContentType, resp.URL)
		if err != nil {
			return nil, err
		}
		if len(part.Entries) != to-from {
			// The parser does not see the entries where the layout has
			// them: parse the document whole.
			return parse.Parse(layout.Data, resp.ContentType, resp.URL)
		}
		kept = normalize.Newest(append(kept, part.Entries...), max, now)
		if doc == nil {
			doc = part
		}
	}
	if doc == nil {
		return parse.Parse(layout.Data, resp.ContentType, resp.URL)
	}
	doc.Entries = kept
	return doc, nil
}

// readRecognising reads a document without the entries whose fingerprints
// the feed holds; nil when that cannot be done with certainty, and the
// document must be read whole.
func (p *Poller) readRecognising(ctx context.Context, f model.Feed, layout *parse.Layout, resp *fetch.Response, now time.Time) *reading {
	prints, err := p.store.EntryPrints(ctx, f.ID)
	if err != nil || len(prints) == 0 {
		return nil
	}
	itemOf := make(map[uint64]int64, len(prints))
	for _, ep := range prints {
		itemOf[ep.Hash] = ep.ItemID
	}
	hashes := make([]uint64, len(layout.Entries))
	var ids []int64
	for i := range layout.Entries {
		hashes[i] = layout.Fingerprint(i, resp.URL)
		if id, ok := itemOf[hashes[i]]; ok {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	rows, err := p.store.StoredEntries(ctx, f.ID, ids)
	if err != nil {
		p.log.Debug("recognised entries not read; reading the document whole", "feed_url", fetch.Redacted(f.URL), "err", err)
		return nil
	}
	rd := &reading{}
	drop := make([]bool, len(layout.Entries))
	var beside []normalize.Recognised
	for i, h := range hashes {
		// An entry whose item was pruned since is read again, as it
		// would be without fingerprints.
		if e, ok := rows[itemOf[h]]; ok {
			drop[i] = true
			rd.recognised = append(rd.recognised, e)
			beside = append(beside, normalize.Recognised{GUID: e.GUID, Link: e.Link, Key: e.Key})
		}
	}
	if len(rd.recognised) == 0 {
		return nil
	}
	doc, err := parse.Parse(layout.Without(drop), resp.ContentType, resp.URL)
	if err != nil || len(doc.Entries) != len(layout.Entries)-len(rd.recognised) {
		return nil // the whole document's parse reports what is wrong
	}
	keys, ok := normalize.KeysBeside(doc, resp.URL, now, beside)
	if !ok {
		return nil
	}
	stored, err := p.store.StoredKeys(ctx, f.ID, keys)
	if err != nil {
		return nil
	}
	rd.doc, rd.parsed, rd.keys, rd.stored = doc, len(doc.Entries), keys, stored
	rd.prints = make([]store.Print, 0, len(layout.Entries))
	r, k := 0, 0
	for i, h := range hashes {
		if drop[i] {
			rd.prints = append(rd.prints, store.Print{Hash: h, ItemID: rd.recognised[r].ID})
			r++
			continue
		}
		rd.prints = append(rd.prints, store.Print{Hash: h, ItemID: stored[keys[k]], Key: keys[k]})
		k++
	}
	return rd
}

// seen are the keys of the stored entries the document lists, when it has
// undated entries: the store marks the undated among them seen, which only
// undated items need (retention dates them by their first fetch). Most
// documents have none, and their polls write nothing more.
func (rd *reading) seen() []string {
	undated := false
	for _, e := range rd.recognised {
		undated = undated || e.DateMissing
	}
	for _, e := range rd.doc.Entries {
		undated = undated || (e.Published.IsZero() && e.Updated.IsZero())
	}
	if !undated {
		return nil
	}
	var seen []string
	for _, e := range rd.recognised {
		seen = append(seen, e.Key)
	}
	for _, k := range rd.keys {
		if _, ok := rd.stored[k]; ok {
			seen = append(seen, k)
		}
	}
	return seen
}
