package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/feedwatch/feedwatch/internal/labels"
	"github.com/feedwatch/feedwatch/internal/model"
	"github.com/feedwatch/feedwatch/internal/suggest"
	"github.com/feedwatch/feedwatch/internal/topic"
)

// The rules workbench: beside the editor, each topic's labelled items
// measured with the text in the editor, its false positives and misses
// with the rules' explanations, and suggested edits that land in the
// editor's text with one click.

const (
	// suggestRecentMax is how many of the previewed stored items the
	// suggestions say they would change: enough for a week of a busy
	// topic, few enough for a preview on every pause in typing.
	suggestRecentMax = 2000
	suggestionsShown = 8
	// labelsShownMax bounds the labelled items listed per topic.
	labelsShownMax = 100
	// namesShown bounds the items named per list of a suggestion.
	namesShown = 5
)

type labelsPreview struct {
	Count          int
	Now, Edited    suggest.Figures // rules in force, rules in the editor
	FalsePositives []previewItem   // under the edited rules
	Misses         []previewItem
	Items          []labelledView
	MoreItems      int
	Suggestions    []suggestionView
}

type labelledView struct {
	Title    string
	Relevant bool
	Matched  bool
	Reason   string
}

type suggestionView struct {
	Text                       string // "add "Navy" to group "American side""
	Why                        string
	Apply                      string // the change, for the apply button
	Fixes, Breaks, Newly, Lost names
	After                      suggest.Figures
}

type names struct {
	N    int
	List []string
	More int
}

func namesOf(items []suggest.Item) names {
	n := names{N: len(items)}
	for i, it := range items {
		if i == namesShown {
			n.More = len(items) - i
			break
		}
		n.List = append(n.List, it.Title)
	}
	return n
}

// applyRequest is what an apply button carries.
type applyRequest struct {
	Topic string       `json:"topic"`
	Edit  topic.Change `json:"edit"`
}

// previewLabels adds, per topic with labelled items, the figures of the
// rules in force and of the edited ones, the mistakes and suggestions.
func (s *server) previewLabels(ctx context.Context, p *previewData, current, edited *topic.Set, stored []model.Item) error {
	var recent []suggest.Item
	for i, it := range stored {
		if i == suggestRecentMax {
			break
		}
		recent = append(recent, suggest.Item{ID: fmt.Sprint(it.ID), Title: it.Title,
			Doc: topic.TextDocument(it.Title, it.Summary, it.Content)})
	}
	for i := range p.Topics {
		pt := &p.Topics[i]
		t, ok := edited.Topic(pt.ID)
		if !ok {
			continue
		}
		ls, err := s.opts.Store.Labels(ctx, pt.ID)
		if err != nil {
			return err
		}
		decided := labels.Decided(ls)
		if len(decided) == 0 {
			continue
		}
		lp := &labelsPreview{Count: len(decided)}
		if cur, ok := current.Topic(pt.ID); ok {
			if lp.Now, err = suggest.Measure(cur.Rules, decided); err != nil {
				return err
			}
		}
		if lp.Edited, err = suggest.Measure(t.Rules, decided); err != nil {
			return err
		}
		for _, it := range decided {
			res, err := edited.MatchTopic(pt.ID, it.Doc)
			if err != nil {
				return err
			}
			pi := previewItem{Title: it.Title, Reason: res.Reason, Words: res.Words}
			switch {
			case res.Matched && !it.Relevant:
				lp.FalsePositives = append(lp.FalsePositives, pi)
			case !res.Matched && it.Relevant:
				lp.Misses = append(lp.Misses, pi)
			}
			if len(lp.Items) < labelsShownMax {
				lp.Items = append(lp.Items, labelledView{Title: it.Title, Relevant: it.Relevant, Matched: res.Matched, Reason: res.Reason})
			} else {
				lp.MoreItems++
			}
		}
		sugs, err := suggest.Suggest(t.Rules, decided, recent, suggest.Options{Max: suggestionsShown})
		if err != nil {
			return err
		}
		for _, sg := range sugs {
			b, _ := json.Marshal(applyRequest{Topic: pt.ID, Edit: sg.Change})
			lp.Suggestions = append(lp.Suggestions, suggestionView{Text: sg.Change.String(), Why: sg.Why, Apply: string(b),
				Fixes: namesOf(sg.Fixes), Breaks: namesOf(sg.Breaks), Newly: namesOf(sg.Newly), Lost: namesOf(sg.Lost), After: sg.After})
		}
		pt.Labels = lp
	}
	return nil
}

// topicsApply makes a suggested edit in the editor's text (never in the
// file). The page's script asks for the new text alone; without it the
// whole page comes back with the text and its preview.
func (s *server) topicsApply(w http.ResponseWriter, r *http.Request) {
	d := s.editorBase()
	d.Text, d.Base = editedText(r), r.PostForm.Get("base")
	var req applyRequest
	var err error
	if jerr := json.Unmarshal([]byte(r.PostForm.Get("apply")), &req); jerr != nil {
		err = fmt.Errorf("the suggestion could not be read: %w", jerr)
	} else {
		var text string
		if text, err = topic.ApplyText(d.Text, req.Topic, req.Edit); err == nil {
			d.Text = text
		}
	}
	if r.Header.Get("X-Apply-Only") == "1" {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		if err != nil {
			w.WriteHeader(http.StatusUnprocessableEntity)
			fmt.Fprintln(w, err)
			return
		}
		fmt.Fprint(w, d.Text)
		return
	}
	status := http.StatusOK
	if err != nil {
		status = http.StatusUnprocessableEntity
		d.Notice = "Not applied: " + strings.TrimPrefix(err.Error(), "apply ")
	} else {
		d.Applied = req.Edit.String()
	}
	set, ee := parseEdited(d.Text)
	if ee != nil {
		d.Error, status = ee, http.StatusUnprocessableEntity
	} else {
		p, err := s.preview(r.Context(), set)
		if err != nil {
			s.fail(w, r, http.StatusInternalServerError, "The preview could not be computed; see the log.", err)
			return
		}
		d.Preview = p
	}
	s.render(w, r, status, "topics", page{Title: "Topics", Admin: true, Data: d})
}
