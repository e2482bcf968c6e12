package topic

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/feedwatch/feedwatch/internal/match"
	"github.com/feedwatch/feedwatch/internal/normalize"
)

// Labelled is one item with an editor's judgement, one JSON object a line.
type Labelled struct {
	ID       string `json:"id"`
	Title    string `json:"title"`
	Summary  string `json:"summary"`
	Content  string `json:"content"`
	Link     string `json:"link"`
	Relevant bool   `json:"relevant"`
	Why      string `json:"why"`
}

// Document returns the item as the matcher sees it: as text, the way the
// poller gives a stored item to the matcher ("&amp;" is "&", tags go).
func (l Labelled) Document() match.Document {
	return TextDocument(l.Title, l.Summary, l.Content)
}

// TextDocument is what the poller hands the matcher for an item with
// this title, summary and content as feeds carry them (HTML or text).
func TextDocument(title, summary, content string) match.Document {
	return match.Document{Title: normalize.Title(title), Summary: normalize.Text(summary), Content: normalize.Text(content)}
}

// ReadLabelled reads JSON Lines; blank lines and lines starting with "#"
// are skipped. Every item needs an id and an explicit "relevant", because a
// forgotten label silently counted as false would distort the figures.
func ReadLabelled(r io.Reader, name string) ([]Labelled, error) {
	var items []Labelled
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 16<<20)
	seen := map[string]int{}
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 || b[0] == '#' {
			continue
		}
		var raw struct {
			Labelled
			Relevant *bool `json:"relevant"`
		}
		if err := json.Unmarshal(b, &raw); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, line, err)
		}
		if raw.ID == "" {
			return nil, fmt.Errorf("%s:%d: missing \"id\"", name, line)
		}
		if raw.Relevant == nil {
			return nil, fmt.Errorf("%s:%d: item %s: missing \"relevant\" (true or false)", name, line, raw.ID)
		}
		if prev, dup := seen[raw.ID]; dup {
			return nil, fmt.Errorf("%s:%d: item %s: duplicate id (first on line %d)", name, line, raw.ID, prev)
		}
		seen[raw.ID] = line
		it := raw.Labelled
		it.Relevant = *raw.Relevant
		items = append(items, it)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return items, nil
}

// EvalReport is how a topic's rules fare against labelled items.
type EvalReport struct {
	TopicID                        string
	TP, FP, FN, TN                 int
	Precision, Recall, F1          float64
	FalsePositives, FalseNegatives []EvalCase
}

// EvalCase is one item the rules got wrong, with the rules' explanation.
type EvalCase struct {
	Item   Labelled
	Result match.Result
}

// Evaluate runs one topic over the items and counts agreements.
func Evaluate(s *Set, topicID string, items []Labelled) (EvalReport, error) {
	rep := EvalReport{TopicID: topicID}
	for _, it := range items {
		res, err := s.MatchTopic(topicID, it.Document())
		if err != nil {
			return rep, fmt.Errorf("evaluate: %w", err)
		}
		switch {
		case res.Matched && it.Relevant:
			rep.TP++
		case res.Matched:
			rep.FP++
			rep.FalsePositives = append(rep.FalsePositives, EvalCase{it, res})
		case it.Relevant:
			rep.FN++
			rep.FalseNegatives = append(rep.FalseNegatives, EvalCase{it, res})
		default:
			rep.TN++
		}
	}
	// With nothing predicted (or nothing relevant) the ratio is undefined;
	// 0 is the value that cannot be mistaken for success.
	if rep.TP+rep.FP > 0 {
		rep.Precision = float64(rep.TP) / float64(rep.TP+rep.FP)
	}
	if rep.TP+rep.FN > 0 {
		rep.Recall = float64(rep.TP) / float64(rep.TP+rep.FN)
	}
	if rep.Precision+rep.Recall > 0 {
		rep.F1 = 2 * rep.Precision * rep.Recall / (rep.Precision + rep.Recall)
	}
	return rep, nil
}

// WriteText writes the report for an editor: the figures, then every
// mistake with the rules' own explanation of it.
func (r EvalReport) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "topic %s: %d items\n", r.TopicID, r.TP+r.FP+r.FN+r.TN)
	fmt.Fprintf(&b, "  precision %.3f  recall %.3f  F1 %.3f\n", r.Precision, r.Recall, r.F1)
	fmt.Fprintf(&b, "  true positives %d, false positives %d, false negatives %d, true negatives %d\n", r.TP, r.FP, r.FN, r.TN)
	section := func(title, hint string, cases []EvalCase) {
		fmt.Fprintf(&b, "\n%s (%d) — %s\n", title, len(cases), hint)
		for _, c := range cases {
			fmt.Fprintf(&b, "  %s  %s\n", c.Item.ID, c.Item.Title)
			if c.Item.Why != "" {
				fmt.Fprintf(&b, "      label: %s\n", c.Item.Why)
			}
			fmt.Fprintf(&b, "      rules: %s\n", c.Result.Reason)
		}
	}
	section("False positives", "matched but labelled not relevant", r.FalsePositives)
	section("False negatives", "labelled relevant but not matched", r.FalseNegatives)
	_, err := io.WriteString(w, b.String())
	return err
}
