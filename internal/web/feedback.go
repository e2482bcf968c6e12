package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/feedwatch/feedwatch/internal/model"
	"github.com/feedwatch/feedwatch/internal/store"
	"github.com/feedwatch/feedwatch/internal/token"
)

// Readers' feedback: the "Not about <topic>?" link beside every item of a
// mail and the "Missed something?" link in its footer (token.Links makes
// both). A GET only shows a page with one button, because mail scanners
// and link previews open every link; the button's POST records.

// feedbackDailyCap is how many judgments and reports one reader may make
// in 24 hours: more than anyone reads, few enough that a script with a
// stolen mail cannot flood the editor's labels.
const feedbackDailyCap = 50

// anonymousMissedRate is how many missed-item reports a client without a
// reader's link (the archive's form) may send a minute.
const anonymousMissedRate = 2

// Form limits of a missed-item report.
const (
	maxReportURL  = 2000
	maxReportNote = 1000
)

type feedbackData struct {
	Token     string
	TopicName string
	Item      model.Item
	Judged    bool // the reader has said "not about"
	Done      string
}

// notAbout checks a "Not about" link: signed, in time, for an item the
// reader received. It answers the request itself when the link fails.
func (s *server) notAbout(w http.ResponseWriter, r *http.Request, tok string) (token.Feedback, model.Item, bool) {
	f, err := token.VerifyFeedback(s.opts.Secret, tok, token.NotAbout, s.now())
	if err != nil {
		s.badFeedbackLink(w, r, err)
		return f, model.Item{}, false
	}
	ok, err := s.opts.Store.Received(r.Context(), f.Email, f.Topic, f.ItemID)
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "Something went wrong on our side. Please try again later.", err)
		return f, model.Item{}, false
	}
	if !ok {
		s.fail(w, r, http.StatusForbidden, "This link is for a story that was not sent to this address, so it cannot be judged from here.",
			fmt.Errorf("feedback on item %d of %s that the reader did not receive", f.ItemID, f.Topic))
		return f, model.Item{}, false
	}
	it, err := s.opts.Store.Item(r.Context(), f.ItemID)
	if errors.Is(err, store.ErrNotFound) {
		s.fail(w, r, http.StatusGone, "This story is no longer kept, so it cannot be judged any more. Thank you all the same.", err)
		return f, it, false
	}
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "Something went wrong on our side. Please try again later.", err)
		return f, it, false
	}
	return f, it, true
}

func (s *server) badFeedbackLink(w http.ResponseWriter, r *http.Request, err error) {
	msg := "This link is not valid. Please copy the whole link from the mail."
	if errors.Is(err, token.ErrExpired) {
		msg = "This link has expired: a story can be judged for " + fmt.Sprint(token.FeedbackTTL.Hours()/24) + " days. The links in a more recent digest work."
	}
	s.fail(w, r, http.StatusBadRequest, msg, err)
}

func (s *server) topicName(id string) string {
	if t, ok := s.opts.Topics().Topic(id); ok {
		return t.Name
	}
	return id
}

// feedbackPage shows the one button, or what the reader said already with
// the button that takes it back.
func (s *server) feedbackPage(w http.ResponseWriter, r *http.Request) {
	tok := r.URL.Query().Get("t")
	f, it, ok := s.notAbout(w, r, tok)
	if !ok {
		return
	}
	d := feedbackData{Token: tok, TopicName: s.topicName(f.Topic), Item: it}
	_, err := s.opts.Store.ReaderVerdict(r.Context(), f.Topic, f.ItemID, token.ReaderHash(s.opts.Secret, f.Email))
	switch {
	case err == nil:
		d.Judged = true
	case !errors.Is(err, store.ErrNotFound):
		s.fail(w, r, http.StatusInternalServerError, "Something went wrong on our side. Please try again later.", err)
		return
	}
	s.render(w, r, http.StatusOK, "feedback", page{Title: "Not about " + d.TopicName + "?", CSRF: s.csrf.token(w, r), Data: d})
}

// feedbackPost records the reader's "not about" or takes it back.
func (s *server) feedbackPost(w http.ResponseWriter, r *http.Request) {
	tok := r.PostForm.Get("t")
	f, it, ok := s.notAbout(w, r, tok)
	if !ok {
		return
	}
	ctx := r.Context()
	reader := token.ReaderHash(s.opts.Secret, f.Email)
	d := feedbackData{Token: tok, TopicName: s.topicName(f.Topic), Item: it}
	switch r.PostForm.Get("action") {
	case "withdraw":
		if _, err := s.opts.Store.WithdrawJudgment(ctx, f.Topic, f.ItemID, reader); err != nil {
			s.fail(w, r, http.StatusInternalServerError, "Something went wrong on our side. Please try again later.", err)
			return
		}
		d.Done = "withdrawn"
		s.log.Info("feedback withdrawn", "topic", f.Topic, "item_id", f.ItemID)
	default:
		var subID int64
		if sub, err := s.opts.Store.Subscription(ctx, f.Email, f.Topic); err == nil {
			subID = sub.SubscriberID
		}
		existed, err := s.opts.Store.JudgeAsReader(ctx, store.ReaderJudgment{TopicID: f.Topic, ItemID: f.ItemID, Relevant: false,
			Reader: reader, SubscriberID: subID, DailyCap: feedbackDailyCap})
		if errors.Is(err, store.ErrDailyCap) {
			s.fail(w, r, http.StatusTooManyRequests, "You have sent us a lot of judgments today. Thank you! Please come back tomorrow for more.", err)
			return
		}
		if err != nil {
			s.fail(w, r, http.StatusInternalServerError, "Something went wrong on our side. Please try again later.", err)
			return
		}
		d.Judged, d.Done = true, "judged"
		s.log.Info("feedback: not about topic", "topic", f.Topic, "item_id", f.ItemID, "repeat", existed)
	}
	s.render(w, r, http.StatusOK, "feedback", page{Title: "Thank you", CSRF: s.csrf.token(w, r), Data: d})
}

type missedData struct {
	Token     string // a reader's link; empty on the archive's form
	TopicID   string
	TopicName string
	URL, Note string
	Error     string
	Report    *store.MissedReport
}

// missedTopic reads who reports for which topic: the reader of a signed
// link, or (without one) an anonymous visitor naming a topic.
func (s *server) missedTopic(w http.ResponseWriter, r *http.Request, tok, topicID string) (missedData, token.Feedback, bool) {
	d := missedData{Token: tok}
	var f token.Feedback
	if tok != "" {
		var err error
		if f, err = token.VerifyFeedback(s.opts.Secret, tok, token.Missed, s.now()); err != nil {
			s.badFeedbackLink(w, r, err)
			return d, f, false
		}
		topicID = f.Topic
	}
	t, ok := s.opts.Topics().Topic(topicID)
	if !ok {
		s.notFound(w, r)
		return d, f, false
	}
	d.TopicID, d.TopicName = t.ID, t.Name
	return d, f, true
}

func (s *server) missedPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d, _, ok := s.missedTopic(w, r, q.Get("t"), q.Get("topic"))
	if !ok {
		return
	}
	s.render(w, r, http.StatusOK, "missed", page{Title: "Missed something?", CSRF: s.csrf.token(w, r), Data: d})
}

func (s *server) missedPost(w http.ResponseWriter, r *http.Request) {
	d, f, ok := s.missedTopic(w, r, r.PostForm.Get("t"), r.PostForm.Get("topic"))
	if !ok {
		return
	}
	d.URL, d.Note = strings.TrimSpace(r.PostForm.Get("url")), strings.TrimSpace(r.PostForm.Get("note"))
	again := func(msg string) {
		d.Error = msg
		s.render(w, r, http.StatusBadRequest, "missed", page{Title: "Missed something?", CSRF: s.csrf.token(w, r), Data: d})
	}
	u, err := url.Parse(d.URL)
	switch {
	case d.URL == "":
		again("Please give the address (URL) of the story.")
		return
	case len(d.URL) > maxReportURL || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		again("That does not look like the address of a web page. Please copy it from the browser's address bar (it starts with https://).")
		return
	case len(d.Note) > maxReportNote:
		again(fmt.Sprintf("Please keep the note under %d characters.", maxReportNote))
		return
	}
	rep := store.MissedReport{TopicID: d.TopicID, URL: d.URL, Note: d.Note}
	if f.Email != "" {
		rep.Reader = token.ReaderHash(s.opts.Secret, f.Email)
		if sub, err := s.opts.Store.Subscription(r.Context(), f.Email, f.Topic); err == nil {
			rep.SubscriberID = sub.SubscriberID
		}
	} else if !s.missedLimiter.allow(clientKey(r, s.opts.TrustProxy)) {
		w.Header().Set("Retry-After", "60")
		s.render(w, r, http.StatusTooManyRequests, "error", page{Title: "Too many requests",
			Data: "Too many reports from your address. Please wait a minute and try again."})
		return
	}
	rep, err = s.opts.Store.ReportMissed(r.Context(), rep, feedbackDailyCap)
	if errors.Is(err, store.ErrDailyCap) {
		s.fail(w, r, http.StatusTooManyRequests, "You have sent us a lot of reports today. Thank you! Please come back tomorrow for more.", err)
		return
	}
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "Something went wrong on our side. Please try again later.", err)
		return
	}
	s.log.Info("missed item reported", "topic", rep.TopicID, "report_id", rep.ID, "item_id", rep.ItemID, "anonymous", rep.Reader == "")
	d.Report = &rep
	s.render(w, r, http.StatusOK, "missed", page{Title: "Thank you", CSRF: s.csrf.token(w, r), Data: d})
}

// withMissedLink adds the "Missed something?" link to an archived digest
// as it is served: the archive has no reader, so it carries the anonymous
// form's link (rate-limited per client) and no "Not about" links, which
// need one vote per reader.
func withMissedLink(doc, topicID string) string {
	link := `<p style="margin:24px auto;max-width:640px;padding:0 16px;font:14px/1.5 sans-serif;color:#52525b">` +
		`Missed something? <a href="/missed?topic=` + url.QueryEscape(topicID) + `">Tell the editors about a story this digest should have carried</a>.</p>`
	if i := strings.LastIndex(strings.ToLower(doc), "</body>"); i >= 0 {
		return doc[:i] + link + doc[i:]
	}
	return doc + link
}
