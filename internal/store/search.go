package store

import (
	"context"
	"database/sql/driver"
	"fmt"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/feedwatch/feedwatch/internal/normalize"
	"modernc.org/sqlite"
)

// The search index (migrations 0004 and 0005) calls html_text from its
// update trigger and the migration that indexed older items, so every
// connection this program opens must know it. Registering on the driver
// does that for all of them. It is normalize.Text, the text the rules
// match and SaveFetches indexes new items with.
func init() {
	sqlite.MustRegisterDeterministicScalarFunction("html_text", 1, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		switch v := args[0].(type) {
		case string:
			return normalize.Text(v), nil
		case []byte:
			return normalize.Text(string(v)), nil
		default:
			return "", nil
		}
	})
}

// Marks delimit the matched words in SearchHit.Title and Snippet. They are
// control characters that never occur in stored text, so a caller can
// escape the text for its medium first and then turn the marks into
// <mark> or brackets (see Highlight).
const (
	MarkStart = "\x02"
	MarkEnd   = "\x03"
)

// SearchHit is one item found by Search.
type SearchHit struct {
	ItemID    int64
	FeedID    int64
	FeedTitle string
	FeedURL   string
	Link      string // canonical when known
	Published time.Time
	Title     string // with MarkStart/MarkEnd around matched words
	Snippet   string // the summary's best passage, marked the same way
}

// Highlight renders s, a SearchHit's Title or Snippet: every piece of text
// goes through escape (html.EscapeString for a page, nil for a terminal)
// and the marks become open and close.
func Highlight(s, open, close string, escape func(string) string) string {
	if escape == nil {
		escape = func(s string) string { return s }
	}
	var b strings.Builder
	for s != "" {
		i := strings.IndexAny(s, MarkStart+MarkEnd)
		if i < 0 {
			b.WriteString(escape(s))
			break
		}
		b.WriteString(escape(s[:i]))
		if s[i:i+1] == MarkStart {
			b.WriteString(open)
		} else {
			b.WriteString(close)
		}
		s = s[i+1:]
	}
	return b.String()
}

// Search returns up to limit stored items whose title or summary match
// query, newest first. query is what a person typed: words (all must
// occur, in any form of case and diacritics), "quoted phrases", prefix*
// words, -excluded words and OR between alternatives; nothing in it can be
// an FTS5 syntax error. A query with no word to search for finds nothing.
func (s *Store) Search(ctx context.Context, query string, limit int) ([]SearchHit, error) {
	return s.search(ctx, "", query, limit)
}

// SearchTopic is Search among the items that matched topicID.
func (s *Store) SearchTopic(ctx context.Context, topicID, query string, limit int) ([]SearchHit, error) {
	return s.search(ctx, topicID, query, limit)
}

func (s *Store) search(ctx context.Context, topicID, query string, limit int) ([]SearchHit, error) {
	match, terms := parseQuery(query)
	if match == "" || limit <= 0 {
		return []SearchHit{}, nil
	}
	// Newest first rather than by bm25: FTS5 walks its doclists in rowid
	// order and stops at the limit, while ranking must score every match
	// first, which took tens of milliseconds for a common word in a
	// million items. Item ids grow with fetch time.
	q := `SELECT i.id, i.feed_id, f.title, f.url, i.link, i.canonical_link, i.published_at, i.title, i.summary
		FROM items_fts JOIN items i ON i.id = items_fts.rowid JOIN feeds f ON f.id = i.feed_id
		WHERE items_fts MATCH ?1`
	if topicID != "" {
		q += ` AND EXISTS (SELECT 1 FROM matches m WHERE m.item_id = i.id AND m.topic_id = ?3)`
	}
	q += ` ORDER BY items_fts.rowid DESC LIMIT ?2`
	args := []any{match, limit}
	if topicID != "" {
		args = append(args, topicID)
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("search %q: %w", query, err)
	}
	defer rows.Close()
	hits := []SearchHit{}
	for rows.Next() {
		var h SearchHit
		var link, canonical, published, title, summary string
		if err := rows.Scan(&h.ItemID, &h.FeedID, &h.FeedTitle, &h.FeedURL, &link, &canonical, &published, &title, &summary); err != nil {
			return nil, fmt.Errorf("search %q: %w", query, err)
		}
		h.Link = canonical
		if h.Link == "" {
			h.Link = link
		}
		h.Published = parseTS(published)
		h.Title = mark(title, terms, 0)
		h.Snippet = mark(normalize.Text(summary), terms, snippetWords)
		hits = append(hits, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("search %q: %w", query, err)
	}
	return hits, nil
}

// snippetWords is how many words of a summary a hit shows.
const snippetWords = 24

// hlTerm is one searched word as the index compares it.
type hlTerm struct {
	folded string
	prefix bool
}

// fold is what unicode61 with remove_diacritics 2 makes of a token:
// lower case, without the diacritics of Latin letters (other scripts
// keep theirs: "й" stays "й").
func fold(tok string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(tok) {
		if r <= unicode.MaxASCII || !unicode.Is(unicode.Latin, r) {
			b.WriteRune(r)
			continue
		}
		for _, d := range norm.NFD.String(string(r)) {
			if !unicode.Is(unicode.Mn, d) {
				b.WriteRune(d)
			}
		}
	}
	return b.String()
}

// isTokenRune is unicode61's idea of a word character: letters, digits
// and private-use characters; everything else separates words.
func isTokenRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsNumber(r) || unicode.Is(unicode.Co, r)
}

// tokens splits text into unicode61's tokens, as byte ranges.
func tokens(text string) [][2]int {
	var out [][2]int
	start := -1
	for i, r := range text {
		switch {
		case isTokenRune(r) && start < 0:
			start = i
		case !isTokenRune(r) && start >= 0:
			out = append(out, [2]int{start, i})
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, [2]int{start, len(text)})
	}
	return out
}

// mark puts MarkStart and MarkEnd around the words of text that a search
// term matches. With window > 0 it keeps only the window words with the
// most matches (the first such passage), with "…" where text was cut.
// The index keeps no text (0004_search.sql), so this replaces FTS5's
// highlight() and snippet(); a phrase's words are marked wherever they
// occur.
func mark(text string, terms []hlTerm, window int) string {
	toks := tokens(text)
	hit := make([]bool, len(toks))
	for i, t := range toks {
		f := fold(text[t[0]:t[1]])
		for _, term := range terms {
			if f == term.folded || term.prefix && strings.HasPrefix(f, term.folded) {
				hit[i] = true
				break
			}
		}
	}
	from, to := 0, len(toks)
	if window > 0 && len(toks) > window {
		best, count := 0, 0
		for i := range window {
			if hit[i] {
				count++
			}
		}
		bestCount := count
		for i := 1; i+window <= len(toks); i++ {
			if hit[i-1] {
				count--
			}
			if hit[i+window-1] {
				count++
			}
			if count > bestCount {
				best, bestCount = i, count
			}
		}
		// Show some words before the first match rather than ending on it.
		first := best
		for first < best+window-1 && !hit[first] {
			first++
		}
		from = max(0, min(first-window/4, len(toks)-window))
		to = from + window
	}
	var b strings.Builder
	pos := 0
	if from > 0 {
		b.WriteString("…")
		pos = toks[from][0]
	}
	end := len(text)
	if to < len(toks) {
		end = toks[to-1][1]
	}
	for i := from; i < to; i++ {
		if !hit[i] {
			continue
		}
		b.WriteString(text[pos:toks[i][0]])
		b.WriteString(MarkStart)
		b.WriteString(text[toks[i][0]:toks[i][1]])
		b.WriteString(MarkEnd)
		pos = toks[i][1]
	}
	b.WriteString(text[pos:end])
	if end < len(text) {
		b.WriteString("…")
	}
	return b.String()
}

var yoReplacer = strings.NewReplacer("ё", "е", "Ё", "Е")

// parseQuery turns what a person typed into an FTS5 query that cannot be a
// syntax error: every word and phrase is quoted (so AND, NEAR, column
// names, colons, brackets and stray quotes are plain text), a trailing *
// makes a prefix search, a leading - excludes, an upper-case OR joins two
// alternatives. Words with no letter or digit are dropped: FTS5 would find
// nothing for them. "" means there is nothing to search for. The terms are
// the words to highlight in the hits.
func parseQuery(input string) (string, []hlTerm) {
	type term struct {
		text    string
		prefix  bool
		exclude bool
		or      bool // joined to the previous term by OR
	}
	var terms []term
	orNext, excludeNext := false, false
	// Control characters (NUL ends an FTS5 string early) are spaces.
	input = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, input)
	for rest := strings.TrimSpace(input); rest != ""; rest = strings.TrimLeftFunc(rest, unicode.IsSpace) {
		t := term{or: orNext, exclude: excludeNext}
		orNext, excludeNext = false, false
		if rest[0] == '-' && len(rest) > 1 && rest[1] != ' ' {
			t.exclude = true
			rest = rest[1:]
		}
		if rest[0] == '"' {
			end := strings.IndexByte(rest[1:], '"')
			if end < 0 {
				t.text, rest = rest[1:], "" // an unclosed phrase runs to the end
			} else {
				t.text, rest = rest[1:1+end], rest[2+end:]
			}
		} else {
			end := strings.IndexFunc(rest, func(r rune) bool { return unicode.IsSpace(r) || r == '"' })
			if end < 0 {
				end = len(rest)
			}
			t.text, rest = rest[:end], rest[end:]
		}
		if strings.HasPrefix(rest, "*") {
			t.prefix, rest = true, rest[1:]
		}
		if strings.HasSuffix(t.text, "*") {
			t.prefix, t.text = true, strings.TrimRight(t.text, "*")
		}
		switch t.text {
		case "OR":
			if !t.prefix && len(terms) > 0 {
				orNext = true
				continue
			}
		case "AND":
			continue
		case "NOT":
			excludeNext = true
			continue
		}
		if !strings.ContainsFunc(t.text, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) {
			continue
		}
		terms = append(terms, t)
	}
	quote := func(t term) string {
		q := `"` + strings.ReplaceAll(t.text, `"`, `""`) + `"`
		if t.prefix {
			q += "*"
		}
		// unicode61 removes Latin diacritics only, so "ё" and "е" stay
		// two letters; most Russian text writes "е" for both, so a word
		// typed with "ё" also looks for its "е" spelling.
		if e := yoReplacer.Replace(t.text); e != t.text {
			alt := `"` + strings.ReplaceAll(e, `"`, `""`) + `"`
			if t.prefix {
				alt += "*"
			}
			q = "(" + q + " OR " + alt + ")"
		}
		return q
	}
	// FTS5 binds AND tighter than OR, and NOT needs a left side: build the
	// groups of alternatives, AND them, then subtract the exclusions.
	var groups [][]string
	var excluded []string
	for _, t := range terms {
		switch {
		case t.exclude:
			excluded = append(excluded, quote(t))
		case t.or && len(groups) > 0:
			groups[len(groups)-1] = append(groups[len(groups)-1], quote(t))
		default:
			groups = append(groups, []string{quote(t)})
		}
	}
	if len(groups) == 0 {
		return "", nil
	}
	parts := make([]string, len(groups))
	for i, g := range groups {
		parts[i] = strings.Join(g, " OR ")
		if len(g) > 1 {
			parts[i] = "(" + parts[i] + ")"
		}
	}
	q := strings.Join(parts, " AND ")
	for _, e := range excluded {
		q = "(" + q + ") NOT " + e
	}
	var hl []hlTerm
	for _, t := range terms {
		if t.exclude {
			continue
		}
		words := tokens(t.text)
		for i, w := range words {
			// Only a phrase's last word is a prefix ("the quick bro"*).
			prefix := t.prefix && i == len(words)-1
			f := fold(t.text[w[0]:w[1]])
			hl = append(hl, hlTerm{folded: f, prefix: prefix})
			if e := yoReplacer.Replace(f); e != f {
				hl = append(hl, hlTerm{folded: e, prefix: prefix})
			}
		}
	}
	return q, hl
}
