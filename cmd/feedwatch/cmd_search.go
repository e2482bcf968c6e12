package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/feedwatch/feedwatch/internal/store"
)

func cmdSearch(ctx context.Context, a *cli, args []string) error {
	fs := newFlags(a, "search", "QUERY… [--limit N] [--topic ID] [--json]",
		"Search the stored items' titles and summaries, newest first. All words must occur, in any case;\n"+
			`"quoted words" are a phrase, word* a prefix, -word excluded, and OR joins alternatives.`)
	a.configFlagVar(fs)
	limit := fs.Int("limit", 20, "at most this many items")
	topicID := fs.String("topic", "", "only items that matched this topic")
	asJSON := fs.Bool("json", false, "one JSON object per item: item_id, published, feed, title, snippet, link")
	words, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	query := strings.Join(words, " ")
	if strings.TrimSpace(query) == "" {
		return fmt.Errorf("%w: want a query", errUsage)
	}
	if *limit < 1 {
		return fmt.Errorf("%w: --limit must be at least 1", errUsage)
	}
	if *topicID != "" {
		set, err := a.loadTopics("")
		if err != nil {
			return err
		}
		if _, err := topicsToRun(set, *topicID); err != nil {
			return fmt.Errorf("%w: %v", errUsage, err)
		}
	}
	svc, err := a.service(ctx)
	if err != nil {
		return err
	}
	hits, err := svc.Search(ctx, query, *topicID, *limit)
	if err != nil {
		return err
	}

	if *asJSON {
		enc := json.NewEncoder(a.stdout)
		for _, h := range hits {
			feed := h.FeedTitle
			if feed == "" {
				feed = h.FeedURL
			}
			if err := enc.Encode(map[string]any{
				"item_id": h.ItemID, "published": h.Published.Format(time.RFC3339), "feed": feed,
				"title": store.Highlight(h.Title, "", "", nil), "snippet": store.Highlight(h.Snippet, "", "", nil), "link": h.Link,
			}); err != nil {
				return err
			}
		}
		return nil
	}
	// Bold on a terminal, brackets in a file or pipe. Feed text is not
	// trusted: control characters (terminal escapes) are dropped.
	open, close := "[", "]"
	if isTerminal(a.stdout) {
		open, close = "\x1b[1m", "\x1b[0m"
	}
	for _, h := range hits {
		feed := h.FeedTitle
		if feed == "" {
			feed = h.FeedURL
		}
		fmt.Fprintf(a.stdout, "%s  %s\n  %s\n", h.Published.Format("2006-01-02 15:04"), printable(feed), store.Highlight(h.Title, open, close, printable))
		if h.Snippet != "" {
			fmt.Fprintf(a.stdout, "  %s\n", store.Highlight(h.Snippet, open, close, printable))
		}
		fmt.Fprintf(a.stdout, "  %s\n\n", printable(h.Link))
	}
	switch {
	case len(hits) == 0:
		fmt.Fprintln(a.stdout, "no stored item matches")
	case len(hits) == *limit:
		fmt.Fprintf(a.stdout, "%d items (the newest; --limit shows more)\n", len(hits))
	default:
		fmt.Fprintf(a.stdout, "%d items\n", len(hits))
	}
	return nil
}

// printable drops control characters, so that a feed cannot move the
// cursor or recolour the operator's terminal.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
}
