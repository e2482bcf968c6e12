// Package labels turns the labelled items the store keeps (readers',
// editors' and imported judgments) into what the rules are measured on,
// and reads and writes them as the JSON Lines that `topics eval --labels`
// reads. It owns no storage and no rules; the web pages and the commands
// use it alike.
package labels

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/feedwatch/feedwatch/internal/store"
	"github.com/feedwatch/feedwatch/internal/suggest"
	"github.com/feedwatch/feedwatch/internal/topic"
)

// Line is one exported item: the fields topic.ReadLabelled reads, plus
// where the verdict came from.
type Line struct {
	ID       string `json:"id"`
	Topic    string `json:"topic"`
	Title    string `json:"title"`
	Summary  string `json:"summary,omitempty"`
	Content  string `json:"content,omitempty"`
	Link     string `json:"link,omitempty"`
	Relevant bool   `json:"relevant"`
	Why      string `json:"why,omitempty"`
	Source   string `json:"source"`
	Readers  string `json:"readers,omitempty"` // "2 not relevant, 1 relevant"
}

// Decided returns the items whose judgments add up to a verdict (see
// store.LabelledItem.Verdict), as the rules are measured on them.
func Decided(ls []store.LabelledItem) []suggest.Item {
	var out []suggest.Item
	for _, l := range ls {
		rel, ok, _ := l.Verdict()
		if !ok {
			continue
		}
		out = append(out, suggest.Item{ID: l.Key, Title: l.Title, Relevant: rel,
			Doc: topic.TextDocument(l.Title, l.Summary, l.Content)})
	}
	return out
}

// Export writes the decided items as JSON Lines, one object a line.
func Export(w io.Writer, ls []store.LabelledItem) (int, error) {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	n := 0
	for _, l := range ls {
		rel, ok, src := l.Verdict()
		if !ok {
			continue
		}
		line := Line{ID: l.Key, Topic: l.TopicID, Title: l.Title, Summary: l.Summary, Content: l.Content, Link: l.Link,
			Relevant: rel, Source: src, Why: note(l, src)}
		if l.ReadersYes+l.ReadersNot > 0 {
			line.Readers = fmt.Sprintf("%d not relevant, %d relevant", l.ReadersNot, l.ReadersYes)
		}
		if err := enc.Encode(line); err != nil {
			return n, fmt.Errorf("export labels: %w", err)
		}
		n++
	}
	return n, nil
}

// note is the verdict's own note, or what it was.
func note(l store.LabelledItem, src string) string {
	for _, j := range l.Judgments {
		if j.Source == src && j.Note != "" {
			return j.Note
		}
	}
	switch src {
	case store.SourceReader:
		return "readers"
	case store.SourceEditor:
		return "editor"
	}
	return ""
}

// Import reads labelled JSON Lines (as `topics eval --labels` reads them)
// and stores them for topicID as imported labels. name is used in errors.
// It returns how many verdicts were new or changed.
func Import(ctx context.Context, st *store.Store, topicID string, r io.Reader, name string) (int, error) {
	items, err := topic.ReadLabelled(r, name)
	if err != nil {
		return 0, err
	}
	if len(items) == 0 {
		return 0, fmt.Errorf("%s: no labelled items", name)
	}
	ls := make([]store.ImportedLabel, len(items))
	for i, it := range items {
		ls[i] = store.ImportedLabel{Key: it.ID, Title: it.Title, Summary: it.Summary, Content: it.Content, Link: it.Link, Relevant: it.Relevant, Note: it.Why}
	}
	return st.ImportLabels(ctx, topicID, ls)
}
