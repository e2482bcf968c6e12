package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/feedwatch/feedwatch/internal/labels"
	"github.com/feedwatch/feedwatch/internal/match"
	"github.com/feedwatch/feedwatch/internal/store"
	"github.com/feedwatch/feedwatch/internal/suggest"
	"github.com/feedwatch/feedwatch/internal/topic"
)

// The editors' side of readers' feedback: the missed-item reports with
// why the rules passed each story by, the labelled items with the rules'
// verdict on each, and buttons that confirm or overrule.

// labelsListMax bounds the reports and labels listed on the page.
const labelsListMax = 200

type labelsData struct {
	Topics   []topic.Topic
	Topic    topic.Topic
	Reports  []reportRow
	Labels   []labelRow
	Figures  suggest.Figures
	Decided  int
	Imported string // a notice after an import
	Error    string
	Text     string // the pasted JSONL, kept after an error
}

type reportRow struct {
	store.MissedReport
	Result *match.Result // nil when the story is not stored
}

type labelRow struct {
	store.LabelledItem
	Relevant, Decided bool
	Source            string
	Editor            *store.Judgment
	Result            match.Result
}

// Right reports whether the rules in force agree with the verdict.
func (l labelRow) Right() bool { return l.Result.Matched == l.Relevant }

func (s *server) labelsTopic(r *http.Request, id string) (topic.Topic, []topic.Topic, bool) {
	topics := s.opts.Topics().Topics()
	if len(topics) == 0 {
		return topic.Topic{}, nil, false
	}
	if id == "" {
		return topics[0], topics, true
	}
	for _, t := range topics {
		if t.ID == id {
			return t, topics, true
		}
	}
	return topic.Topic{}, topics, false
}

func (s *server) labelsPage(w http.ResponseWriter, r *http.Request) {
	t, topics, ok := s.labelsTopic(r, r.URL.Query().Get("topic"))
	if !ok {
		s.notFound(w, r)
		return
	}
	d := labelsData{Topics: topics, Topic: t}
	if n := r.URL.Query().Get("imported"); n != "" {
		if k, err := strconv.Atoi(n); err == nil {
			d.Imported = fmt.Sprintf("Imported: %d labels new or changed.", k)
		}
	}
	s.renderLabels(w, r, http.StatusOK, d)
}

func (s *server) renderLabels(w http.ResponseWriter, r *http.Request, status int, d labelsData) {
	ctx := r.Context()
	set := s.opts.Topics()
	reports, err := s.opts.Store.MissedReports(ctx, d.Topic.ID, labelsListMax)
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "The labels could not be loaded; see the log.", err)
		return
	}
	for _, rep := range reports {
		row := reportRow{MissedReport: rep}
		if rep.ItemID != 0 {
			res, err := set.MatchTopic(d.Topic.ID, topic.TextDocument(rep.Item.Title, rep.Item.Summary, rep.Item.Content))
			if err == nil {
				row.Result = &res
			}
		}
		d.Reports = append(d.Reports, row)
	}
	ls, err := s.opts.Store.Labels(ctx, d.Topic.ID)
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "The labels could not be loaded; see the log.", err)
		return
	}
	for i, l := range ls {
		if i == labelsListMax {
			break
		}
		row := labelRow{LabelledItem: l}
		row.Relevant, row.Decided, row.Source = l.Verdict()
		for k := range l.Judgments {
			if l.Judgments[k].Source == store.SourceEditor {
				row.Editor = &l.Judgments[k]
			}
		}
		row.Result, _ = set.MatchTopic(d.Topic.ID, topic.TextDocument(l.Title, l.Summary, l.Content))
		d.Labels = append(d.Labels, row)
	}
	decided := labels.Decided(ls)
	d.Decided = len(decided)
	if d.Figures, err = suggest.Measure(d.Topic.Rules, decided); err != nil {
		s.fail(w, r, http.StatusInternalServerError, "The labels could not be measured; see the log.", err)
		return
	}
	s.render(w, r, status, "labels", page{Title: "Labels", Admin: true, CSRF: s.csrf.token(w, r), Data: d})
}

// labelsJudge is the confirm and overrule buttons: on a labelled item (id)
// or on a missed report (report), relevant or not; a report without a
// stored story can only be dismissed.
func (s *server) labelsJudge(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	f := r.PostForm
	t, _, ok := s.labelsTopic(r, f.Get("topic"))
	if !ok {
		s.notFound(w, r)
		return
	}
	verdict := f.Get("verdict")
	relevant := verdict == "relevant"
	if verdict != "relevant" && verdict != "not" && verdict != "dismiss" && verdict != "delete" {
		s.fail(w, r, http.StatusBadRequest, "Unknown verdict.", fmt.Errorf("verdict %q", verdict))
		return
	}
	var err error
	anchor := ""
	switch {
	case f.Get("report") != "":
		id, perr := strconv.ParseInt(f.Get("report"), 10, 64)
		item, ierr := strconv.ParseInt(f.Get("item"), 10, 64)
		if perr != nil {
			s.fail(w, r, http.StatusBadRequest, "Unknown report.", perr)
			return
		}
		if verdict == "relevant" || verdict == "not" {
			if ierr != nil || item == 0 {
				s.fail(w, r, http.StatusBadRequest, "This report's story is not stored; it can only be dismissed.", fmt.Errorf("report %d has no item", id))
				return
			}
			_, err = s.opts.Store.LabelItemAsEditor(ctx, t.ID, item, relevant, "missed report")
		}
		if err == nil {
			err = s.opts.Store.ResolveMissedReport(ctx, id)
		}
		anchor = "reports"
	case f.Get("id") != "":
		id, perr := strconv.ParseInt(f.Get("id"), 10, 64)
		if perr != nil {
			s.fail(w, r, http.StatusBadRequest, "Unknown label.", perr)
			return
		}
		if verdict == "delete" {
			err = s.opts.Store.DeleteLabel(ctx, id)
		} else {
			err = s.opts.Store.JudgeAsEditor(ctx, id, relevant, strings.TrimSpace(f.Get("note")))
		}
		anchor = "label-" + strconv.FormatInt(id, 10)
	default:
		s.fail(w, r, http.StatusBadRequest, "Nothing to judge.", errors.New("no id or report"))
		return
	}
	if errors.Is(err, store.ErrNotFound) {
		s.fail(w, r, http.StatusNotFound, "That label or report is gone (someone else may have dealt with it).", err)
		return
	}
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "The verdict could not be saved; see the log.", err)
		return
	}
	s.log.Info("editor verdict", "topic", t.ID, "verdict", verdict, "label", f.Get("id"), "report", f.Get("report"))
	http.Redirect(w, r, "/admin/labels?"+url.Values{"topic": {t.ID}}.Encode()+"#"+anchor, http.StatusSeeOther)
}

// labelsImport stores pasted JSON Lines as imported labels of a topic.
func (s *server) labelsImport(w http.ResponseWriter, r *http.Request) {
	t, topics, ok := s.labelsTopic(r, r.PostForm.Get("topic"))
	if !ok {
		s.notFound(w, r)
		return
	}
	text := strings.ReplaceAll(r.PostForm.Get("jsonl"), "\r\n", "\n")
	n, err := labels.Import(r.Context(), s.opts.Store, t.ID, strings.NewReader(text), "pasted labels")
	if err != nil {
		s.log.Info("labels not imported", "topic", t.ID, "error", err)
		s.renderLabels(w, r, http.StatusUnprocessableEntity, labelsData{Topics: topics, Topic: t, Error: err.Error(), Text: text})
		return
	}
	s.log.Info("labels imported", "topic", t.ID, "changed", n)
	http.Redirect(w, r, "/admin/labels?"+url.Values{"topic": {t.ID}, "imported": {strconv.Itoa(n)}}.Encode(), http.StatusSeeOther)
}

// labelsExport downloads a topic's decided labels as JSON Lines.
func (s *server) labelsExport(w http.ResponseWriter, r *http.Request) {
	t, _, ok := s.labelsTopic(r, r.URL.Query().Get("topic"))
	if !ok {
		s.notFound(w, r)
		return
	}
	ls, err := s.opts.Store.Labels(r.Context(), t.ID)
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "The labels could not be loaded; see the log.", err)
		return
	}
	w.Header().Set("Content-Type", "application/x-ndjson; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="labels-%s.jsonl"`, t.ID))
	if _, err := labels.Export(w, ls); err != nil {
		s.log.Warn("labels export cut short", "topic", t.ID, "error", err)
	}
}
