package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/feedwatch/feedwatch/internal/ingest"
	"github.com/feedwatch/feedwatch/internal/metrics"
	"github.com/feedwatch/feedwatch/internal/model"
	"github.com/feedwatch/feedwatch/internal/service"
	"github.com/feedwatch/feedwatch/internal/store"
	"github.com/feedwatch/feedwatch/internal/topic"
)

// The API's JSON shapes. Times are RFC 3339 in UTC, null when unknown.

func jsonTime(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	v := t.UTC().Format(time.RFC3339)
	return &v
}

type feedJSON struct {
	ID              int64   `json:"id"`
	URL             string  `json:"url"`
	Title           string  `json:"title"`
	Origin          string  `json:"origin"`
	Enabled         bool    `json:"enabled"`
	Status          string  `json:"status"`
	IntervalSeconds int64   `json:"interval_seconds"`
	ItemCount       int     `json:"item_count"`
	LastPollAt      *string `json:"last_poll_at"`
	LastSuccessAt   *string `json:"last_success_at"`
	NextPollAt      *string `json:"next_poll_at"`
	LastErrorAt     *string `json:"last_error_at"`
	LastError       string  `json:"last_error"`
	ErrorCount      int     `json:"error_count"`
}

func (s *server) feedJSON(f model.Feed) feedJSON {
	return feedJSON{ID: f.ID, URL: f.URL, Title: f.Title, Origin: f.Origin, Enabled: f.Enabled, Status: metrics.FeedStatus(f, s.now()),
		IntervalSeconds: int64(f.Interval / time.Second), ItemCount: f.ItemCount, LastPollAt: jsonTime(f.LastPollAt),
		LastSuccessAt: jsonTime(f.LastSuccessAt), NextPollAt: jsonTime(f.NextPollAt), LastErrorAt: jsonTime(f.LastErrorAt),
		LastError: f.LastError, ErrorCount: f.ErrorCount}
}

func (s *server) apiHealth(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	status, reason := "ok", ""
	err := s.opts.Store.DB().PingContext(ctx)
	if err != nil {
		err = fmt.Errorf("database: %w", err)
	} else if s.opts.Ready != nil {
		err = s.opts.Ready(ctx)
	}
	code := http.StatusOK
	if err != nil {
		// The key holder is an operator: the reason is theirs to read.
		status, reason, code = "not_ready", err.Error(), http.StatusServiceUnavailable
	}
	return writeJSON(w, r, code, map[string]string{"status": status, "reason": reason})
}

func (s *server) apiVersion(w http.ResponseWriter, r *http.Request) error {
	v, err := s.opts.Store.SchemaVersion(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, r, http.StatusOK, map[string]any{"version": s.opts.Version, "api": "v1", "schema": v})
}

func (s *server) apiFeeds(w http.ResponseWriter, r *http.Request) error {
	after, limit, err := parsePage(r, decodeIDCursor)
	if err != nil {
		return err
	}
	feeds, err := s.opts.Service.Feeds(r.Context())
	if err != nil {
		return err
	}
	// Feeds are listed by id, lowest first; the cursor is the last id of
	// the page before.
	var out []feedJSON
	for _, f := range feeds {
		if f.ID > after && len(out) < limit {
			out = append(out, s.feedJSON(f))
		}
	}
	p := pageOf(out, limit, func(f feedJSON) int64 { return f.ID })
	if len(out) == limit && out[len(out)-1].ID == feeds[len(feeds)-1].ID {
		p.NextCursor = ""
	}
	return writeJSON(w, r, http.StatusOK, p)
}

// pathFeed is the feed whose id the request's path holds: an id that is
// no number and one that no feed has are both 404.
func (s *server) pathFeed(r *http.Request) (model.Feed, error) {
	id, err := pathID(r)
	if err != nil {
		return model.Feed{}, err
	}
	return s.opts.Service.Feed(r.Context(), id)
}

func (s *server) apiFeed(w http.ResponseWriter, r *http.Request) error {
	f, err := s.pathFeed(r)
	if err != nil {
		return err
	}
	return writeJSON(w, r, http.StatusOK, s.feedJSON(f))
}

type feedCreate struct {
	URL      string `json:"url"`
	Title    string `json:"title"`
	PickURL  string `json:"pick_url"`
	AllFound bool   `json:"all_found"`
}

func (s *server) apiFeedCreate(w http.ResponseWriter, r *http.Request) error {
	var in feedCreate
	if err := readJSON(r, &in); err != nil {
		return err
	}
	res, err := s.opts.Service.AddFeed(r.Context(), service.NewFeed{URL: in.URL, Title: in.Title, PickURL: in.PickURL, AllFound: in.AllFound})
	if err != nil {
		return err
	}
	out := struct {
		Added    []feedJSON `json:"added"`
		Existing []feedJSON `json:"existing"`
	}{Added: []feedJSON{}, Existing: []feedJSON{}}
	for _, f := range res.Added {
		out.Added = append(out.Added, s.feedJSON(f))
	}
	for _, f := range res.Existing {
		out.Existing = append(out.Existing, s.feedJSON(f))
	}
	status := http.StatusCreated
	if len(res.Added) == 0 {
		status = http.StatusOK
	}
	return writeJSON(w, r, status, out)
}

type feedUpdate struct {
	Title           *string `json:"title"`
	IntervalSeconds *int64  `json:"interval_seconds"`
	Enabled         *bool   `json:"enabled"`
}

func (s *server) apiFeedUpdate(w http.ResponseWriter, r *http.Request) error {
	// Unlike its neighbours it does not call pathFeed: the body is checked
	// before the feed is looked up, so a bad body is 400 whether or not the
	// feed exists.
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in feedUpdate
	if err := readJSON(r, &in); err != nil {
		return err
	}
	f, err := s.opts.Service.Feed(r.Context(), id)
	if err != nil {
		return err
	}
	ch := service.FeedChange{Title: in.Title, Enabled: in.Enabled}
	if in.IntervalSeconds != nil {
		d := time.Duration(*in.IntervalSeconds) * time.Second
		ch.Interval = &d
	}
	if f, err = s.opts.Service.UpdateFeed(r.Context(), f.URL, ch); err != nil {
		return err
	}
	return writeJSON(w, r, http.StatusOK, s.feedJSON(f))
}

func (s *server) apiFeedDelete(w http.ResponseWriter, r *http.Request) error {
	f, err := s.pathFeed(r)
	if err != nil {
		return err
	}
	if err := s.opts.Service.RemoveFeed(r.Context(), f.URL); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type pollJSON struct {
	At         *string `json:"at"`
	Outcome    string  `json:"outcome"`
	DurationMS int64   `json:"duration_ms"`
	NewItems   int     `json:"new_items"`
	Matches    int     `json:"matches"`
	Error      string  `json:"error"`
}

func pollOf(p store.Poll) pollJSON {
	return pollJSON{At: jsonTime(p.At), Outcome: p.Outcome, DurationMS: p.Duration.Milliseconds(), NewItems: p.New, Matches: p.Matches, Error: p.Error}
}

func (s *server) apiFeedRefresh(w http.ResponseWriter, r *http.Request) error {
	f, err := s.pathFeed(r)
	if err != nil {
		return err
	}
	res, err := s.opts.Service.RefreshFeed(r.Context(), f.URL)
	if err != nil {
		return err
	}
	return writeJSON(w, r, http.StatusOK, struct {
		Feed feedJSON `json:"feed"`
		Poll pollJSON `json:"poll"`
	}{s.feedJSON(res.Feed), pollOf(ingest.PollRecord(res))})
}

func (s *server) apiFeedPolls(w http.ResponseWriter, r *http.Request) error {
	f, err := s.pathFeed(r)
	if err != nil {
		return err
	}
	polls, err := s.opts.Service.FeedPolls(r.Context(), f.ID)
	if err != nil {
		return err
	}
	out := []pollJSON{}
	for _, p := range polls {
		out = append(out, pollOf(p))
	}
	return writeJSON(w, r, http.StatusOK, apiPage[pollJSON]{Items: out})
}

type itemJSON struct {
	ID          int64    `json:"id"`
	FeedID      int64    `json:"feed_id"`
	Title       string   `json:"title"`
	Link        string   `json:"link"`
	Author      string   `json:"author"`
	Summary     string   `json:"summary"`
	PublishedAt *string  `json:"published_at"`
	FetchedAt   *string  `json:"fetched_at"`
	Topics      []string `json:"topics"`
}

func (s *server) apiItems(w http.ResponseWriter, r *http.Request) error {
	before, limit, err := parsePage(r, decodeIDCursor)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := store.ItemFilter{TopicID: q.Get("topic"), Before: before, Limit: limit}
	if v := q.Get("feed"); v != "" {
		if f.FeedID, err = strconv.ParseInt(v, 10, 64); err != nil {
			return apiErr(http.StatusBadRequest, "invalid", "feed", "feed %q: want a feed id", v)
		}
	}
	if f.Since, err = parseSince(q.Get("since")); err != nil {
		return err
	}
	if v := q.Get("matched"); v != "" {
		m, err := strconv.ParseBool(v)
		if err != nil {
			return apiErr(http.StatusBadRequest, "invalid", "matched", "matched %q: want true or false", v)
		}
		f.Matched = &m
	}
	items, err := s.opts.Service.Items(r.Context(), f)
	if err != nil {
		return err
	}
	out := []itemJSON{}
	for _, it := range items {
		topics := it.Topics
		if topics == nil {
			topics = []string{}
		}
		out = append(out, itemJSON{ID: it.ID, FeedID: it.FeedID, Title: it.Title, Link: it.Link, Author: it.Author, Summary: it.Summary,
			PublishedAt: jsonTime(it.Published), FetchedAt: jsonTime(it.FetchedAt), Topics: topics})
	}
	return writeJSON(w, r, http.StatusOK, pageOf(out, limit, func(i itemJSON) int64 { return i.ID }))
}

type hitJSON struct {
	ItemID      int64   `json:"item_id"`
	FeedID      int64   `json:"feed_id"`
	FeedTitle   string  `json:"feed_title"`
	Title       string  `json:"title"`
	Snippet     string  `json:"snippet"`
	Link        string  `json:"link"`
	PublishedAt *string `json:"published_at"`
}

// searchDefaultLimit is how many hits a search answers without ?limit=,
// as many as feedwatch search prints.
const searchDefaultLimit = 20

func (s *server) apiSearch(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	limit, err := parseLimit(q, searchDefaultLimit)
	if err != nil {
		return err
	}
	hits, err := s.opts.Service.Search(r.Context(), q.Get("q"), q.Get("topic"), limit)
	if err != nil {
		return err
	}
	// Matched words are marked for the admin page; the API gives text.
	plain := strings.NewReplacer(store.MarkStart, "", store.MarkEnd, "")
	out := []hitJSON{}
	for _, h := range hits {
		out = append(out, hitJSON{ItemID: h.ItemID, FeedID: h.FeedID, FeedTitle: h.FeedTitle, Title: plain.Replace(h.Title),
			Snippet: plain.Replace(h.Snippet), Link: h.Link, PublishedAt: jsonTime(h.Published)})
	}
	return writeJSON(w, r, http.StatusOK, apiPage[hitJSON]{Items: out})
}

type groupJSON struct {
	Name  string   `json:"name"`
	Terms []string `json:"terms"`
}

type rulesJSON struct {
	Any            []string           `json:"any"`
	All            []groupJSON        `json:"all"`
	Not            []string           `json:"not"`
	Ignore         []string           `json:"ignore"`
	Others         []string           `json:"others"`
	OthersNeeds    []string           `json:"others_needs"`
	OthersApart    []string           `json:"others_apart"`
	Both           []string           `json:"both"`
	BothGroups     []string           `json:"both_groups"`
	BothUnless     []string           `json:"both_unless"`
	Near           int                `json:"near"`
	MinScore       float64            `json:"min_score"`
	Weights        map[string]float64 `json:"weights"`
	FoldDiacritics bool               `json:"fold_diacritics"`
}

type topicJSON struct {
	ID          string     `json:"id"`
	Name        string     `json:"name"`
	Description string     `json:"description"`
	Schedule    string     `json:"schedule"`
	Rules       *rulesJSON `json:"rules,omitempty"`
}

func nonNil(v []string) []string {
	if v == nil {
		return []string{}
	}
	return v
}

func topicOf(t topic.Topic, rules bool) topicJSON {
	out := topicJSON{ID: t.ID, Name: t.Name, Description: t.Description, Schedule: t.Digest.Schedule}
	if rules {
		rj := &rulesJSON{Any: nonNil(t.Rules.Any), All: []groupJSON{}, Not: nonNil(t.Rules.Not), Ignore: nonNil(t.Rules.Ignore),
			Others: nonNil(t.Rules.Others), OthersNeeds: nonNil(t.Rules.OthersNeed), OthersApart: nonNil(t.Rules.OthersApart),
			Both: nonNil(t.Rules.Both), BothGroups: nonNil(t.Rules.BothGroups), BothUnless: nonNil(t.Rules.BothUnless),
			Near: t.Rules.Near, MinScore: t.Rules.MinScore, Weights: t.Rules.Weights, FoldDiacritics: t.Rules.FoldDiacritics}
		if rj.Weights == nil {
			rj.Weights = map[string]float64{}
		}
		for _, g := range t.Rules.All {
			rj.All = append(rj.All, groupJSON{Name: g.Name, Terms: nonNil(g.Terms)})
		}
		out.Rules = rj
	}
	return out
}

func (s *server) apiTopics(w http.ResponseWriter, r *http.Request) error {
	out := []topicJSON{}
	for _, t := range s.opts.Service.Topics().Topics() {
		out = append(out, topicOf(t, false))
	}
	return writeJSON(w, r, http.StatusOK, apiPage[topicJSON]{Items: out})
}

func (s *server) apiTopic(w http.ResponseWriter, r *http.Request) error {
	t, err := s.opts.Service.Topic(r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, r, http.StatusOK, topicOf(t, true))
}

type rulesText struct {
	Text string `json:"text"`
}

func (s *server) apiTopicsValidate(w http.ResponseWriter, r *http.Request) error {
	var in rulesText
	if err := readJSON(r, &in); err != nil {
		return err
	}
	set, ee := parseEdited(in.Text)
	if ee != nil {
		return writeJSON(w, r, http.StatusOK, map[string]any{"valid": false, "line": ee.Line, "message": ee.Msg, "topics": []topicJSON{}})
	}
	out := []topicJSON{}
	for _, t := range set.Topics() {
		out = append(out, topicOf(t, true))
	}
	return writeJSON(w, r, http.StatusOK, map[string]any{"valid": true, "line": 0, "message": "", "topics": out})
}

type previewTopicJSON struct {
	ID        string   `json:"id"`
	Name      string   `json:"name"`
	Added     bool     `json:"added"`
	Removed   bool     `json:"removed"`
	Matches   int      `json:"matches"`
	New       int      `json:"new"`
	Gone      int      `json:"gone"`
	NewItems  []string `json:"new_items"`
	GoneItems []string `json:"gone_items"`
}

func (s *server) apiTopicsPreview(w http.ResponseWriter, r *http.Request) error {
	var in rulesText
	if err := readJSON(r, &in); err != nil {
		return err
	}
	set, ee := parseEdited(in.Text)
	if ee != nil {
		e := apiErr(http.StatusUnprocessableEntity, "invalid", "text", "%s", ee.Msg)
		if ee.Line > 0 {
			e.Message = fmt.Sprintf("line %d: %s", ee.Line, ee.Msg)
		}
		return e
	}
	p, err := s.preview(r.Context(), set)
	if err != nil {
		return err
	}
	out := []previewTopicJSON{}
	for _, t := range p.Topics {
		pt := previewTopicJSON{ID: t.ID, Name: t.Name, Added: t.Added, Removed: t.Removed, Matches: t.Matches, New: t.New, Gone: t.Gone,
			NewItems: []string{}, GoneItems: []string{}}
		for _, it := range t.NewList {
			pt.NewItems = append(pt.NewItems, it.Title)
		}
		for _, it := range t.GoneList {
			pt.GoneItems = append(pt.GoneItems, it.Title)
		}
		out = append(out, pt)
	}
	return writeJSON(w, r, http.StatusOK, map[string]any{"items": p.Items, "since": jsonTime(p.Since), "topics": out})
}

type evalIn struct {
	Text   string `json:"text"`   // rules to evaluate; empty: the current ones
	Labels string `json:"labels"` // JSON lines with "relevant": true/false
}

type evalCaseJSON struct {
	ID     string `json:"id"`
	Title  string `json:"title"`
	Reason string `json:"reason"`
}

func (s *server) apiTopicEval(w http.ResponseWriter, r *http.Request) error {
	var in evalIn
	if err := readJSON(r, &in); err != nil {
		return err
	}
	rep, err := s.opts.Service.EvaluateTopic(r.PathValue("id"), in.Text, strings.NewReader(in.Labels))
	if err != nil {
		return err
	}
	cases := func(cs []topic.EvalCase) []evalCaseJSON {
		out := []evalCaseJSON{}
		for _, c := range cs {
			out = append(out, evalCaseJSON{ID: c.Item.ID, Title: c.Item.Title, Reason: c.Result.Reason})
		}
		return out
	}
	return writeJSON(w, r, http.StatusOK, map[string]any{"topic": rep.TopicID, "tp": rep.TP, "fp": rep.FP, "fn": rep.FN, "tn": rep.TN,
		"precision": rep.Precision, "recall": rep.Recall, "f1": rep.F1,
		"false_positives": cases(rep.FalsePositives), "false_negatives": cases(rep.FalseNegatives)})
}

// subscriptionJSON is one address's subscription to one topic, with its
// schedule and the subscriber's own settings.
type subscriptionJSON struct {
	Email       string  `json:"email"`
	Name        string  `json:"name"`
	TimeZone    string  `json:"time_zone"`
	Lang        string  `json:"lang"`
	Combine     bool    `json:"combine"`
	PausedUntil *string `json:"paused_until"`
	Topic       string  `json:"topic"`
	Status      string  `json:"status"`
	Frequency   string  `json:"frequency"`
	DeliverAt   *string `json:"deliver_at"`
	Weekday     *string `json:"weekday"`
	BestOnly    bool    `json:"best_only"`
	CreatedAt   *string `json:"created_at"`
	ConfirmedAt *string `json:"confirmed_at"`
	ChangedAt   *string `json:"changed_at"`
}

// orNull is v, or null when it is empty.
func orNull(v string) *string {
	if v == "" {
		return nil
	}
	return &v
}

func (s *server) subscriptionJSON(sub model.Subscription) subscriptionJSON {
	at, day := service.ScheduleTimes(sub.Schedule)
	return subscriptionJSON{Email: sub.Email, Name: sub.Name, TimeZone: sub.TimeZone, Lang: sub.Lang, Combine: sub.Combine,
		PausedUntil: s.pausedUntil(sub.PausedUntil), Topic: sub.TopicID, Status: sub.Status,
		Frequency: service.FrequencyName(sub.Frequency), DeliverAt: orNull(at), Weekday: orNull(day), BestOnly: sub.BestOnly,
		CreatedAt: jsonTime(sub.CreatedAt), ConfirmedAt: jsonTime(sub.ConfirmedAt), ChangedAt: jsonTime(sub.ChangedAt)}
}

// pausedUntil is a pause's end while it lasts, else null.
func (s *server) pausedUntil(t time.Time) *string {
	if !t.After(s.now()) {
		return nil
	}
	return jsonTime(t)
}

func (s *server) apiSubscriptions(w http.ResponseWriter, r *http.Request) error {
	after, limit, err := parsePage(r, decodeKeyCursor)
	if err != nil {
		return err
	}
	subs, err := s.opts.Service.Subscriptions(r.Context(), subscriptionFilter(r.URL.Query()))
	if err != nil {
		return err
	}
	// Subscriptions come by address, then topic: the cursor is the last
	// pair a page held.
	out := []subscriptionJSON{}
	next := ""
	for _, sub := range subs {
		k := strings.ToLower(sub.Email) + "\x00" + sub.TopicID
		if after != "" && k <= after {
			continue
		}
		if len(out) == limit {
			next = encodeKeyCursor(strings.ToLower(out[len(out)-1].Email) + "\x00" + out[len(out)-1].Topic)
			break
		}
		out = append(out, s.subscriptionJSON(sub))
	}
	return writeJSON(w, r, http.StatusOK, apiPage[subscriptionJSON]{Items: out, NextCursor: next})
}

func (s *server) apiSubscription(w http.ResponseWriter, r *http.Request) error {
	sub, err := s.opts.Service.Subscription(r.Context(), r.PathValue("email"), r.PathValue("topic"))
	if err != nil {
		return err
	}
	return writeJSON(w, r, http.StatusOK, s.subscriptionJSON(sub))
}

// subscriptionIn is what a client sends to subscribe or change a
// subscription: fields left out keep what is stored; the service's
// SubscriptionInput is the one place fields are checked.
type subscriptionIn struct {
	Email       string    `json:"email"`
	Topic       string    `json:"topic"`
	Status      string    `json:"status"`
	Name        clearable `json:"name"`
	TimeZone    clearable `json:"time_zone"`
	Lang        clearable `json:"lang"`
	Combine     *bool     `json:"combine"`
	PausedUntil clearable `json:"paused_until"`
	Frequency   *string   `json:"frequency"`
	DeliverAt   *string   `json:"deliver_at"`
	Weekday     *string   `json:"weekday"`
	BestOnly    *bool     `json:"best_only"`
}

// clearable is a string field that null, like "", sets empty (no name,
// the server's zone, any language, no pause) and that absence leaves.
type clearable struct {
	set bool
	v   string
}

func (c *clearable) UnmarshalJSON(b []byte) error {
	c.set = true
	if string(b) == "null" {
		c.v = ""
		return nil
	}
	return json.Unmarshal(b, &c.v)
}

func (c clearable) ptr() *string {
	if !c.set {
		return nil
	}
	return &c.v
}

func (in subscriptionIn) input() service.SubscriptionInput {
	return service.SubscriptionInput{Email: in.Email, TopicID: in.Topic, Status: in.Status,
		Subscriber: service.SubscriberInput{Name: in.Name.ptr(), TimeZone: in.TimeZone.ptr(), Lang: in.Lang.ptr(), Combine: in.Combine,
			PausedUntil: in.PausedUntil.ptr()},
		Schedule: service.ScheduleInput{Frequency: in.Frequency, DeliverAt: in.DeliverAt, Weekday: in.Weekday, BestOnly: in.BestOnly}}
}

func (s *server) apiSubscriptionCreate(w http.ResponseWriter, r *http.Request) error {
	var in subscriptionIn
	if err := readJSON(r, &in); err != nil {
		return err
	}
	if in.Status != "" && in.Status != model.SubscriptionActive {
		return apiErr(http.StatusBadRequest, "invalid", "status", "a subscription made here is active at once; leave status out")
	}
	sub, err := s.opts.Service.Subscribe(r.Context(), in.input())
	if err != nil {
		return err
	}
	return writeJSON(w, r, http.StatusCreated, s.subscriptionJSON(sub))
}

func (s *server) apiSubscriptionUpdate(w http.ResponseWriter, r *http.Request) error {
	var in subscriptionIn
	if err := readJSON(r, &in); err != nil {
		return err
	}
	if (in.Email != "" && !strings.EqualFold(in.Email, r.PathValue("email"))) || (in.Topic != "" && in.Topic != r.PathValue("topic")) {
		return apiErr(http.StatusBadRequest, "invalid", "email", "the address and topic are the ones in the path")
	}
	in.Email, in.Topic = r.PathValue("email"), r.PathValue("topic")
	sub, err := s.opts.Service.SetSubscription(r.Context(), in.input())
	if err != nil {
		return err
	}
	return writeJSON(w, r, http.StatusOK, s.subscriptionJSON(sub))
}

func (s *server) apiSubscriptionDelete(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.opts.Service.Unsubscribe(r.Context(), r.PathValue("email"), r.PathValue("topic")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type subscriberJSON struct {
	Email         string             `json:"email"`
	Name          string             `json:"name"`
	TimeZone      string             `json:"time_zone"`
	Lang          string             `json:"lang"`
	Combine       bool               `json:"combine"`
	PausedUntil   *string            `json:"paused_until"`
	Subscriptions []subscriptionJSON `json:"subscriptions"`
}

func (s *server) apiSubscribers(w http.ResponseWriter, r *http.Request) error {
	after, limit, err := parsePage(r, decodeKeyCursor)
	if err != nil {
		return err
	}
	subs, err := s.opts.Service.Subscriptions(r.Context(), subscriptionFilter(r.URL.Query()))
	if err != nil {
		return err
	}
	out := []subscriberJSON{}
	next := ""
	for _, sub := range subs {
		k := strings.ToLower(sub.Email)
		if after != "" && k <= after {
			continue
		}
		if n := len(out); n == 0 || !strings.EqualFold(out[n-1].Email, sub.Email) {
			if n == limit {
				next = encodeKeyCursor(strings.ToLower(out[n-1].Email))
				break
			}
			out = append(out, subscriberJSON{Email: sub.Email, Name: sub.Name, TimeZone: sub.TimeZone, Lang: sub.Lang, Combine: sub.Combine,
				PausedUntil: s.pausedUntil(sub.PausedUntil), Subscriptions: []subscriptionJSON{}})
		}
		out[len(out)-1].Subscriptions = append(out[len(out)-1].Subscriptions, s.subscriptionJSON(sub))
	}
	return writeJSON(w, r, http.StatusOK, apiPage[subscriberJSON]{Items: out, NextCursor: next})
}

func (s *server) apiSubscriberErase(w http.ResponseWriter, r *http.Request) error {
	if err := s.opts.Service.EraseSubscriber(r.Context(), r.PathValue("email")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type digestJSON struct {
	ID          int64   `json:"id"`
	Topic       string  `json:"topic"`
	Subject     string  `json:"subject"`
	PeriodStart *string `json:"period_start"`
	PeriodEnd   *string `json:"period_end"`
	CreatedAt   *string `json:"created_at"`
	ItemCount   int     `json:"item_count"`
	HTML        *string `json:"html,omitempty"`
	Text        *string `json:"text,omitempty"`
}

func digestOf(d model.Digest, bodies bool) digestJSON {
	out := digestJSON{ID: d.ID, Topic: d.TopicID, Subject: d.Subject, PeriodStart: jsonTime(d.PeriodStart), PeriodEnd: jsonTime(d.PeriodEnd),
		CreatedAt: jsonTime(d.CreatedAt), ItemCount: d.ItemCount}
	if bodies {
		out.HTML, out.Text = &d.HTML, &d.Text
	}
	return out
}

func (s *server) apiDigests(w http.ResponseWriter, r *http.Request) error {
	before, limit, err := parsePage(r, decodeIDCursor)
	if err != nil {
		return err
	}
	ds, err := s.opts.Service.Digests(r.Context(), before, limit)
	if err != nil {
		return err
	}
	out := []digestJSON{}
	for _, d := range ds {
		out = append(out, digestOf(d, false))
	}
	return writeJSON(w, r, http.StatusOK, pageOf(out, limit, func(d digestJSON) int64 { return d.ID }))
}

func (s *server) apiDigest(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	d, err := s.opts.Service.Digest(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, r, http.StatusOK, digestOf(d, true))
}

// apiDigestPreview is thin on purpose: what a preview holds follows the
// digest builder.
func (s *server) apiDigestPreview(w http.ResponseWriter, r *http.Request) error {
	topicID := r.URL.Query().Get("topic")
	if topicID == "" {
		return apiErr(http.StatusBadRequest, "invalid", "topic", "name a topic: ?topic=ID")
	}
	p, err := s.opts.Service.PreviewDigest(r.Context(), topicID)
	if err != nil {
		return err
	}
	return writeJSON(w, r, http.StatusOK, map[string]any{"topic": p.TopicID, "subject": p.Subject, "html": p.HTML, "text": p.Text,
		"items": p.Items, "recipient": p.Recipient, "nothing_new": p.Nothing})
}

type deliveryJSON struct {
	ID            int64    `json:"id"`
	Kind          string   `json:"kind"`
	Topics        []string `json:"topics"`
	Email         string   `json:"email"`
	Status        string   `json:"status"`
	Attempts      int      `json:"attempts"`
	NextAttemptAt *string  `json:"next_attempt_at"`
	SentAt        *string  `json:"sent_at"`
	LastReply     string   `json:"last_reply"`
	CreatedAt     *string  `json:"created_at"`
}

func deliveryOf(d model.Delivery) deliveryJSON {
	next := jsonTime(d.NextAttemptAt)
	if d.Status != model.DeliveryQueued {
		next = nil
	}
	topics := d.Topics
	if topics == nil {
		topics = []string{}
	}
	return deliveryJSON{ID: d.ID, Kind: d.Kind, Topics: topics, Email: d.Email, Status: d.Status, Attempts: d.Attempts, NextAttemptAt: next,
		SentAt: jsonTime(d.SentAt), LastReply: d.LastError, CreatedAt: jsonTime(d.CreatedAt)}
}

func (s *server) apiDeliveries(w http.ResponseWriter, r *http.Request) error {
	before, limit, err := parsePage(r, decodeIDCursor)
	if err != nil {
		return err
	}
	ds, err := s.opts.Service.Deliveries(r.Context(), service.DeliveryFilter{Status: r.URL.Query().Get("status"), Before: before, Limit: limit})
	if err != nil {
		return err
	}
	out := []deliveryJSON{}
	for _, d := range ds {
		out = append(out, deliveryOf(d))
	}
	return writeJSON(w, r, http.StatusOK, pageOf(out, limit, func(d deliveryJSON) int64 { return d.ID }))
}

type retryJSON struct {
	Queued   int  `json:"queued"`
	Sent     *int `json:"sent"`
	Retrying *int `json:"retrying"`
	Failed   *int `json:"failed"`
}

func retryOf(res service.RetryResult) retryJSON {
	out := retryJSON{Queued: res.Queued}
	if res.Sent != nil {
		out.Sent, out.Retrying, out.Failed = &res.Sent.Sent, &res.Sent.Retrying, &res.Sent.Failed
	}
	return out
}

func (s *server) apiDeliveriesRetry(w http.ResponseWriter, r *http.Request) error {
	res, err := s.opts.Service.RetryDeliveries(r.Context(), 0)
	if err != nil {
		return err
	}
	return writeJSON(w, r, http.StatusOK, retryOf(res))
}

func (s *server) apiDeliveryRetry(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	res, err := s.opts.Service.RetryDeliveries(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, r, http.StatusOK, retryOf(res))
}
