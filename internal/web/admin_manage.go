package web

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/feedwatch/feedwatch/internal/ingest"
	"github.com/feedwatch/feedwatch/internal/metrics"
	"github.com/feedwatch/feedwatch/internal/model"
	"github.com/feedwatch/feedwatch/internal/schedule"
	"github.com/feedwatch/feedwatch/internal/service"
	"github.com/feedwatch/feedwatch/internal/store"
)

// The admin pages that manage feeds, subscribers, the outbox and API keys.
// Each action calls the same service method as the command line and the
// API; a POST renders the page again with what happened.

// maxOPMLBytes bounds an uploaded OPML file: a few thousand feeds.
const maxOPMLBytes = 4 << 20

func (s *server) manageRoutes(mux *http.ServeMux) {
	if s.opts.Service == nil {
		return
	}
	mux.HandleFunc("GET /admin/feeds", s.admin(s.feedsPage))
	mux.HandleFunc("POST /admin/feeds", s.admin(s.form(maxFormBytes, s.feedAdd)))
	mux.HandleFunc("POST /admin/feeds/import", s.admin(s.upload(maxOPMLBytes, s.feedsImport)))
	mux.HandleFunc("GET /admin/feeds/export.opml", s.admin(s.feedsExport))
	mux.HandleFunc("GET /admin/feeds/{id}", s.admin(s.feedPage))
	mux.HandleFunc("POST /admin/feeds/{id}", s.admin(s.form(maxFormBytes, s.feedEdit)))
	mux.HandleFunc("POST /admin/feeds/{id}/{action}", s.admin(s.form(maxFormBytes, s.feedAction)))
	mux.HandleFunc("GET /admin/subscribers", s.admin(s.subscribersPage))
	mux.HandleFunc("GET /admin/subscribers/export.csv", s.admin(s.subscribersExport))
	mux.HandleFunc("POST /admin/subscribers/{action}", s.admin(s.form(maxFormBytes, s.subscriberAction)))
	mux.HandleFunc("GET /admin/outbox", s.admin(s.outboxPage))
	mux.HandleFunc("POST /admin/outbox/retry", s.admin(s.form(maxFormBytes, s.outboxRetry)))
	mux.HandleFunc("GET /admin/apikeys", s.admin(s.apiKeysPage))
	mux.HandleFunc("POST /admin/apikeys/{action}", s.admin(s.form(maxFormBytes, s.apiKeyAction)))
}

// upload is form for multipart bodies (a file).
func (s *server) upload(limit int64, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := s.cop.Check(r); err != nil {
			s.fail(w, r, http.StatusForbidden, "This form was sent from another site. Go back, reload the page and try again.", fmt.Errorf("cross-origin request refused: %w", err))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		// A post that is not multipart has no file, but it is still a
		// post: its token is checked like any other before it is refused.
		if err := r.ParseMultipartForm(limit); err != nil && !errors.Is(err, http.ErrNotMultipart) {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				s.fail(w, r, http.StatusRequestEntityTooLarge, "What you sent is too large.", err)
			} else {
				s.fail(w, r, http.StatusBadRequest, "The form could not be read.", err)
			}
			return
		}
		if !adminByBearer(r) && !s.csrf.valid(r) {
			s.fail(w, r, http.StatusForbidden, "This form has expired. Go back, reload the page and try again.", errors.New("csrf token missing or wrong"))
			return
		}
		h(w, r)
	}
}

// acting is r's context carrying the signed-in admin for the activity log.
func acting(r *http.Request) *http.Request {
	return r.WithContext(service.WithActor(r.Context(), service.Actor{Via: service.ViaWeb, Name: adminUser(r)}))
}

// notice is what a POST did, shown above the page it renders again.
type notice struct {
	OK, Error string
	Field     string
}

// outcome turns an operation's error into a notice: a service error's
// message is fit for the admin; anything else is logged and summarised.
func (s *server) outcome(r *http.Request, ok string, err error) (notice, int) {
	if err == nil {
		return notice{OK: ok}, http.StatusOK
	}
	var se *service.Error
	if errors.As(err, &se) {
		status := http.StatusBadRequest
		switch se.Kind {
		case service.NotFound:
			status = http.StatusNotFound
		case service.Conflict, service.ReadOnly:
			status = http.StatusConflict
		case service.Unreachable:
			status = http.StatusUnprocessableEntity
		case service.Unsupported:
			status = http.StatusNotImplemented
		}
		s.log.Info("admin action refused", "path", r.URL.Path, "user", adminUser(r), "error", err)
		return notice{Error: se.Error(), Field: se.Field}, status
	}
	s.log.Error("admin action failed", "path", r.URL.Path, "user", adminUser(r), "error", err)
	return notice{Error: "That did not work; the log says why."}, http.StatusInternalServerError
}

type feedsData struct {
	Notice     notice
	Feeds      []feedRow
	URL, Title string
	Candidates []service.Candidate
	Now        time.Time
}

func (s *server) feedsPage(w http.ResponseWriter, r *http.Request) {
	s.renderFeeds(w, r, http.StatusOK, feedsData{})
}

func (s *server) renderFeeds(w http.ResponseWriter, r *http.Request, status int, d feedsData) {
	feeds, err := s.opts.Service.Feeds(r.Context())
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "The feeds could not be loaded; see the log.", err)
		return
	}
	d.Now = s.now()
	for _, f := range feeds {
		d.Feeds = append(d.Feeds, feedRow{Feed: f, Status: metrics.FeedStatus(f, d.Now)})
	}
	s.render(w, r, status, "manage_feeds", page{Title: "Feeds", Admin: true, Data: d})
}

func (s *server) feedAdd(w http.ResponseWriter, r *http.Request) {
	r = acting(r)
	f := r.PostForm
	nf := service.NewFeed{URL: strings.TrimSpace(f.Get("url")), Title: strings.TrimSpace(f.Get("title")), PickURL: f.Get("pick_url")}
	res, err := s.opts.Service.AddFeed(r.Context(), nf)
	var se *service.Error
	if errors.As(err, &se) && se.Kind == service.Choose {
		s.renderFeeds(w, r, http.StatusOK, feedsData{URL: nf.URL, Title: nf.Title, Candidates: se.Candidates,
			Notice: notice{OK: se.Msg}})
		return
	}
	var msg []string
	for _, f := range res.Added {
		msg = append(msg, "Added "+f.URL+".")
	}
	for _, f := range res.Existing {
		msg = append(msg, f.URL+" was already there.")
	}
	n, status := s.outcome(r, strings.Join(msg, " "), err)
	d := feedsData{Notice: n}
	if err != nil {
		d.URL, d.Title = nf.URL, nf.Title
	}
	s.renderFeeds(w, r, status, d)
}

func (s *server) feedsImport(w http.ResponseWriter, r *http.Request) {
	r = acting(r)
	file, hdr, err := r.FormFile("file")
	if err != nil {
		s.renderFeeds(w, r, http.StatusBadRequest, feedsData{Notice: notice{Error: "Choose an OPML file to import.", Field: "file"}})
		return
	}
	defer file.Close()
	res, err := s.opts.Service.ImportOPML(r.Context(), file, hdr.Filename, nil)
	n, status := s.outcome(r, fmt.Sprintf("Imported %d feeds (%d already present) from %s.", res.Added, res.Present, hdr.Filename), err)
	s.renderFeeds(w, r, status, feedsData{Notice: n})
}

func (s *server) feedsExport(w http.ResponseWriter, r *http.Request) {
	var buf bytes.Buffer
	if err := s.opts.Service.ExportOPML(r.Context(), &buf); err != nil {
		s.fail(w, r, http.StatusInternalServerError, "The feeds could not be exported; see the log.", err)
		return
	}
	w.Header().Set("Content-Type", "text/x-opml; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="feedwatch-feeds.opml"`)
	_, _ = w.Write(buf.Bytes())
}

type feedData struct {
	Notice   notice
	Feed     model.Feed
	Status   string
	Interval string
	Polls    []pollRow
	Items    []store.ListedItem
	Matched  int
}

type pollRow struct {
	store.Poll
	Took string
}

// feedItemsMax is how many of its latest items a feed's page lists.
const feedItemsMax = 50

func (s *server) feedByPath(w http.ResponseWriter, r *http.Request) (model.Feed, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.notFound(w, r)
		return model.Feed{}, false
	}
	f, err := s.opts.Service.Feed(r.Context(), id)
	if errors.Is(err, service.ErrNotFound) {
		s.notFound(w, r)
		return f, false
	}
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "The feed could not be loaded; see the log.", err)
		return f, false
	}
	return f, true
}

func (s *server) feedPage(w http.ResponseWriter, r *http.Request) {
	if f, ok := s.feedByPath(w, r); ok {
		s.renderFeed(w, r, http.StatusOK, f, notice{})
	}
}

func (s *server) renderFeed(w http.ResponseWriter, r *http.Request, status int, f model.Feed, n notice) {
	ctx := r.Context()
	d := feedData{Notice: n, Feed: f, Status: metrics.FeedStatus(f, s.now())}
	if f.Interval > 0 {
		d.Interval = f.Interval.String()
	}
	polls, err := s.opts.Service.FeedPolls(ctx, f.ID)
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "The feed could not be loaded; see the log.", err)
		return
	}
	for _, p := range polls {
		d.Polls = append(d.Polls, pollRow{Poll: p, Took: p.Duration.Round(time.Millisecond).String()})
	}
	if d.Items, err = s.opts.Service.Items(ctx, store.ItemFilter{FeedID: f.ID, Limit: feedItemsMax}); err != nil {
		s.fail(w, r, http.StatusInternalServerError, "The feed could not be loaded; see the log.", err)
		return
	}
	for _, it := range d.Items {
		if len(it.Topics) > 0 {
			d.Matched++
		}
	}
	title := f.Title
	if title == "" {
		title = f.URL
	}
	s.render(w, r, status, "manage_feed", page{Title: title, Admin: true, Data: d})
}

func (s *server) feedEdit(w http.ResponseWriter, r *http.Request) {
	f, ok := s.feedByPath(w, r)
	if !ok {
		return
	}
	r = acting(r)
	title := strings.TrimSpace(r.PostForm.Get("title"))
	var interval time.Duration
	if v := strings.TrimSpace(r.PostForm.Get("interval")); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			s.renderFeed(w, r, http.StatusBadRequest, f, notice{Error: fmt.Sprintf("Interval %q: write it like 30m or 2h, or leave it empty for the default.", v), Field: "interval"})
			return
		}
		interval = d
	}
	nf, err := s.opts.Service.UpdateFeed(r.Context(), f.URL, service.FeedChange{Title: &title, Interval: &interval})
	n, status := s.outcome(r, "Saved.", err)
	if err != nil {
		nf = f
	}
	s.renderFeed(w, r, status, nf, n)
}

func (s *server) feedAction(w http.ResponseWriter, r *http.Request) {
	f, ok := s.feedByPath(w, r)
	if !ok {
		return
	}
	r = acting(r)
	ctx := r.Context()
	svc := s.opts.Service
	var err error
	var done string
	switch r.PathValue("action") {
	case "enable", "disable":
		err = svc.SetFeedEnabled(ctx, f.URL, r.PathValue("action") == "enable")
		done = r.PathValue("action") + "d."
		done = strings.ToUpper(done[:1]) + done[1:]
	case "remove":
		if err = svc.RemoveFeed(ctx, f.URL); err == nil {
			s.renderFeeds(w, r, http.StatusOK, feedsData{Notice: notice{OK: "Removed " + f.URL + " with its items."}})
			return
		}
	case "refresh":
		var res ingest.FeedResult
		if res, err = svc.RefreshFeed(ctx, f.URL); err == nil {
			done = describePoll(res)
		}
	default:
		s.notFound(w, r)
		return
	}
	n, status := s.outcome(r, done, err)
	if nf, ferr := svc.Feed(ctx, f.ID); ferr == nil {
		f = nf
	}
	s.renderFeed(w, r, status, f, n)
}

// describePoll says what one poll did, for the notice after "Poll now".
func describePoll(r ingest.FeedResult) string {
	if r.Err != nil {
		return fmt.Sprintf("Polled: failed after %s: %v", r.Duration.Round(time.Millisecond), r.Err)
	}
	return fmt.Sprintf("Polled: %s in %s, %d new items, %d matches.", r.Outcome, r.Duration.Round(time.Millisecond), r.New, r.Matches)
}

type subscribersData struct {
	Notice        notice
	Subscriptions []subscriptionRow
	Topics        []topicOption
	Filter        service.SubscriptionFilter
	Form          subscriptionForm // the add form, as posted when it was refused
	Query         string           // the filter as a query string, for the CSV link
	Frequencies   []option
	Weekdays      []option
	Languages     []option
}

// subscriptionForm is the add form's fields.
type subscriptionForm struct {
	Email, TopicID, Name, TimeZone string
	Frequency, At, Day             string
	Best                           bool
}

// subscriptionRow is a subscription with its schedule as the change form
// shows it.
type subscriptionRow struct {
	model.Subscription
	Schedule  string // in words
	Frequency string // as the form posts it
	At, Day   string // HH:MM, mon … sun; the topic's (else 07:00, mon) where the schedule has none
	Paused    string // the day mail starts again, YYYY-MM-DD in the subscriber's zone; "" when not paused
}

type topicOption struct{ ID, Name string }

func (s *server) topicOptions() []topicOption {
	var out []topicOption
	for _, t := range s.opts.Topics().Topics() {
		out = append(out, topicOption{ID: t.ID, Name: t.Name})
	}
	return out
}

func subscriptionFilter(q url.Values) service.SubscriptionFilter {
	return service.SubscriptionFilter{TopicID: q.Get("topic"), Status: q.Get("status"), Email: q.Get("email")}
}

func (s *server) subscribersPage(w http.ResponseWriter, r *http.Request) {
	s.renderSubscribers(w, r, http.StatusOK, subscribersData{Filter: subscriptionFilter(r.URL.Query())})
}

func (s *server) renderSubscribers(w http.ResponseWriter, r *http.Request, status int, d subscribersData) {
	subs, err := s.opts.Service.Subscriptions(r.Context(), d.Filter)
	var se *service.Error
	if errors.As(err, &se) {
		d.Notice = notice{Error: se.Error(), Field: se.Field}
		d.Filter = service.SubscriptionFilter{}
		status = http.StatusBadRequest
		subs, err = s.opts.Service.Subscriptions(r.Context(), d.Filter)
	}
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "The subscribers could not be loaded; see the log.", err)
		return
	}
	now := s.now()
	set := s.opts.Topics()
	for _, sub := range subs {
		row := subscriptionRow{Subscription: sub, Schedule: schedule.Describe(sub.Schedule), Frequency: service.FrequencyName(sub.Frequency), At: "07:00", Day: "mon"}
		// What the form offers for a subscription without a time of its
		// own is what the service gives it: the topic's time and day.
		if t, ok := set.Topic(sub.TopicID); ok {
			if ts, _, ok := schedule.FromSpec(t.Digest.Schedule); ok {
				row.At = schedule.Clock(ts.DeliverAt)
				if ts.Frequency == model.FrequencyWeekly {
					row.Day = schedule.DayName(ts.Weekday)
				}
			}
		}
		if at, day := service.ScheduleTimes(sub.Schedule); at != "" {
			row.At = at
			if day != "" {
				row.Day = day
			}
		}
		if sub.PausedUntil.After(now) {
			row.Paused = sub.PausedUntil.In(s.location(sub.TimeZone)).Format(time.DateOnly)
		}
		d.Subscriptions = append(d.Subscriptions, row)
	}
	d.Topics = s.topicOptions()
	d.Query = url.Values{"topic": {d.Filter.TopicID}, "status": {d.Filter.Status}, "email": {d.Filter.Email}}.Encode()
	d.Frequencies = []option{{Value: service.FrequencyTopic, Label: "the topic's schedule"}, {Value: model.FrequencyInstant, Label: "instant"},
		{Value: model.FrequencyDaily, Label: "daily"}, {Value: model.FrequencyWeekly, Label: "weekly"}}
	for _, wd := range weekdays {
		d.Weekdays = append(d.Weekdays, option{Value: wd.value, Label: wd.day.String()})
	}
	d.Languages = []option{{Value: "", Label: "any language"}}
	for _, l := range service.Languages {
		d.Languages = append(d.Languages, option{Value: l, Label: l})
	}
	s.render(w, r, status, "manage_subscribers", page{Title: "Subscribers", Admin: true, Data: d})
}

// formField is a posted text field, nil when the form has none by that
// name: a form changes only what it carries.
func formField(f url.Values, name string) *string {
	if !f.Has(name) {
		return nil
	}
	v := strings.TrimSpace(f.Get(name))
	return &v
}

// formCheckbox is a checkbox that the form announces with a hidden field
// of the same name (value "off"), so that an unticked box still says so.
func formCheckbox(f url.Values, name string) *bool {
	if !f.Has(name) {
		return nil
	}
	on := slices.Contains(f[name], "on")
	return &on
}

// subscriptionInput reads the add and change forms. A time and a day are
// passed on only with the frequencies they go with: the forms carry them
// whatever the frequency chosen.
func subscriptionInput(f url.Values) service.SubscriptionInput {
	in := service.SubscriptionInput{Email: strings.TrimSpace(f.Get("email")), TopicID: f.Get("topic"), Status: f.Get("status"),
		Subscriber: service.SubscriberInput{Name: formField(f, "name"), TimeZone: formField(f, "time_zone"), Lang: formField(f, "lang"),
			Combine: formCheckbox(f, "combine"), PausedUntil: formField(f, "paused_until")},
		Schedule: service.ScheduleInput{Frequency: formField(f, "frequency"), BestOnly: formCheckbox(f, "best_only")}}
	freq := f.Get("frequency")
	if (freq == model.FrequencyDaily || freq == model.FrequencyWeekly) && f.Get("deliver_at") != "" {
		in.Schedule.DeliverAt = formField(f, "deliver_at")
	}
	if freq == model.FrequencyWeekly && f.Get("weekday") != "" {
		in.Schedule.Weekday = formField(f, "weekday")
	}
	return in
}

func (s *server) subscriberAction(w http.ResponseWriter, r *http.Request) {
	r = acting(r)
	ctx := r.Context()
	f := r.PostForm
	in := subscriptionInput(f)
	svc := s.opts.Service
	var err error
	var done string
	switch r.PathValue("action") {
	case "add":
		// An empty name or zone on the add form leaves an existing
		// subscriber's as they are.
		if in.Subscriber.Name != nil && *in.Subscriber.Name == "" {
			in.Subscriber.Name = nil
		}
		if in.Subscriber.TimeZone != nil && *in.Subscriber.TimeZone == "" {
			in.Subscriber.TimeZone = nil
		}
		var sub model.Subscription
		if sub, err = svc.Subscribe(ctx, in); err == nil {
			done = fmt.Sprintf("%s subscribed to %s (active). Mail: %s.", sub.Email, sub.TopicID, schedule.Describe(sub.Schedule))
		}
	case "change":
		var sub model.Subscription
		if sub, err = svc.SetSubscription(ctx, in); err == nil {
			done = fmt.Sprintf("%s: %s is now %s. Mail: %s.", sub.Email, sub.TopicID, sub.Status, schedule.Describe(sub.Schedule))
		}
	case "remove":
		var n int
		if n, err = svc.Unsubscribe(ctx, in.Email, in.TopicID); err == nil {
			done = fmt.Sprintf("%s unsubscribed from %d topic(s).", in.Email, n)
		}
	case "erase":
		if err = svc.EraseSubscriber(ctx, in.Email); err == nil {
			done = "Erased the address with its subscriptions and queued mail."
		}
	default:
		s.notFound(w, r)
		return
	}
	n, status := s.outcome(r, done, err)
	d := subscribersData{Notice: n, Filter: subscriptionFilter(r.URL.Query())}
	if err != nil && r.PathValue("action") == "add" {
		d.Form = subscriptionForm{Email: in.Email, TopicID: in.TopicID, Name: f.Get("name"), TimeZone: f.Get("time_zone"),
			Frequency: f.Get("frequency"), At: f.Get("deliver_at"), Day: f.Get("weekday"), Best: slices.Contains(f["best_only"], "on")}
	}
	s.renderSubscribers(w, r, status, d)
}

func (s *server) subscribersExport(w http.ResponseWriter, r *http.Request) {
	var buf bytes.Buffer
	if err := s.opts.Service.ExportSubscriptionsCSV(r.Context(), &buf, subscriptionFilter(r.URL.Query())); err != nil {
		n, status := s.outcome(r, "", err)
		s.render(w, r, status, "error", page{Title: "Export", Admin: true, Data: n.Error})
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="feedwatch-subscribers.csv"`)
	_, _ = w.Write(buf.Bytes())
}

type outboxData struct {
	Notice     notice
	Status     string
	Deliveries []model.Delivery
	Failed     int
}

func (s *server) outboxPage(w http.ResponseWriter, r *http.Request) {
	s.renderOutbox(w, r, http.StatusOK, outboxData{Status: r.URL.Query().Get("status")})
}

func (s *server) renderOutbox(w http.ResponseWriter, r *http.Request, status int, d outboxData) {
	ds, err := s.opts.Service.Deliveries(r.Context(), service.DeliveryFilter{Status: d.Status, Limit: 200})
	if errors.Is(err, service.ErrInvalid) {
		d.Status, status = "", http.StatusBadRequest
		d.Notice = notice{Error: err.Error(), Field: "status"}
		ds, err = s.opts.Service.Deliveries(r.Context(), service.DeliveryFilter{Limit: 200})
	}
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "The outbox could not be loaded; see the log.", err)
		return
	}
	counts, err := s.opts.Store.DeliveryCounts(r.Context())
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "The outbox could not be loaded; see the log.", err)
		return
	}
	d.Deliveries, d.Failed = ds, counts[model.DeliveryFailed]
	s.render(w, r, status, "manage_outbox", page{Title: "Outbox", Admin: true, Data: d})
}

func (s *server) outboxRetry(w http.ResponseWriter, r *http.Request) {
	r = acting(r)
	var id int64
	if v := r.PostForm.Get("id"); v != "" {
		var err error
		if id, err = strconv.ParseInt(v, 10, 64); err != nil || id <= 0 {
			s.renderOutbox(w, r, http.StatusBadRequest, outboxData{Notice: notice{Error: "No such delivery.", Field: "id"}})
			return
		}
	}
	res, err := s.opts.Service.RetryDeliveries(r.Context(), id)
	done := fmt.Sprintf("%d failed deliveries queued again", res.Queued)
	if res.Sent != nil {
		done += fmt.Sprintf("; sent %d, %d to retry, %d failed", res.Sent.Sent, res.Sent.Retrying, res.Sent.Failed)
	} else {
		done += "; the daemon sends them within a minute"
	}
	n, status := s.outcome(r, done+".", err)
	s.renderOutbox(w, r, status, outboxData{Notice: n, Status: r.URL.Query().Get("status")})
}

type apiKeysData struct {
	Notice notice
	Keys   []store.APIKey
	NewKey string // shown once, right after it was made
}

func (s *server) apiKeysPage(w http.ResponseWriter, r *http.Request) {
	s.renderAPIKeys(w, r, http.StatusOK, apiKeysData{})
}

func (s *server) renderAPIKeys(w http.ResponseWriter, r *http.Request, status int, d apiKeysData) {
	keys, err := s.opts.Service.APIKeys(r.Context())
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "The keys could not be loaded; see the log.", err)
		return
	}
	d.Keys = keys
	s.render(w, r, status, "manage_apikeys", page{Title: "API keys", Admin: true, Data: d})
}

func (s *server) apiKeyAction(w http.ResponseWriter, r *http.Request) {
	r = acting(r)
	name := strings.TrimSpace(r.PostForm.Get("name"))
	var d apiKeysData
	var err error
	var done string
	switch r.PathValue("action") {
	case "create":
		var key string
		if key, _, err = s.opts.Service.CreateAPIKey(r.Context(), name, r.PostForm.Get("read_only") != ""); err == nil {
			d.NewKey = key
			done = fmt.Sprintf("Key %q made. Copy it now: it is not shown again.", name)
		}
	case "revoke":
		if err = s.opts.Service.RevokeAPIKey(r.Context(), name); err == nil {
			done = fmt.Sprintf("Key %q revoked.", name)
		}
	default:
		s.notFound(w, r)
		return
	}
	var status int
	d.Notice, status = s.outcome(r, done, err)
	s.renderAPIKeys(w, r, status, d)
}
