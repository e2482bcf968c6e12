package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/feedwatch/feedwatch/internal/links"
	"github.com/feedwatch/feedwatch/internal/model"
	"github.com/feedwatch/feedwatch/internal/schedule"
	"github.com/feedwatch/feedwatch/internal/store"
	"github.com/feedwatch/feedwatch/internal/token"
	"github.com/feedwatch/feedwatch/internal/topic"
)

// The preferences page: every topic with what the subscriber chose for it,
// and the settings that span topics. The link in every mail (a Manage
// token) opens it without a password, so each change is a POST that
// carries that token and the page's CSRF token. Changes take effect for
// the next delivery; the store keeps the matches already waiting.

// pauseMaxDays is how far ahead a pause may reach; for longer, unsubscribing
// says it better.
const pauseMaxDays = 366

// doneNotices are what the page says after a change, by the done
// parameter of the redirect that follows it.
var doneNotices = map[string]string{
	"saved":        "Saved. Your changes apply from the next delivery; matches already waiting are not lost.",
	"paused":       "Paused. Nothing is sent until the date you chose; the matches wait and come after.",
	"resumed":      "Resumed. The matches that waited go out with your next delivery.",
	"unsubscribed": "You are unsubscribed from every topic. Tick a topic and save to subscribe again.",
	"feeds":        "New feed links made. The old ones no longer work: give your feed reader the new ones.",
}

var languages = []struct{ code, label string }{{"", "Any language"}, {"en", "English"}, {"ru", "Russian"}}

// weekdays in the order the page lists them, with the values it posts.
var weekdays = []struct {
	value string
	day   time.Weekday
}{{"mon", time.Monday}, {"tue", time.Tuesday}, {"wed", time.Wednesday}, {"thu", time.Thursday},
	{"fri", time.Friday}, {"sat", time.Saturday}, {"sun", time.Sunday}}

func weekdayValue(d time.Weekday) string {
	for _, w := range weekdays {
		if w.day == d {
			return w.value
		}
	}
	return "mon"
}

// choice is what the page's form says about one topic.
type choice struct {
	Subscribed bool
	Frequency  string
	At         string // HH:MM
	Day        string // mon … sun
	Best       bool
}

func (c choice) schedule() model.Schedule {
	at, _ := schedule.ParseClock(c.At)
	day, _ := schedule.ParseWeekday(c.Day)
	return model.Schedule{Frequency: c.Frequency, DeliverAt: at, Weekday: day, BestOnly: c.Best}
}

// sameSchedule compares what matters of two schedules: a time means
// nothing to instant mail or to the topic's schedule, a day only to
// weekly mail.
func sameSchedule(a, b model.Schedule) bool {
	if a.Frequency != b.Frequency || a.BestOnly != b.BestOnly {
		return false
	}
	switch a.Frequency {
	case model.FrequencyDaily:
		return a.DeliverAt == b.DeliverAt
	case model.FrequencyWeekly:
		return a.DeliverAt == b.DeliverAt && a.Weekday == b.Weekday
	}
	return true
}

// prefsForm is the page's form: from the store, or as posted.
type prefsForm struct {
	Zone    string
	Lang    string
	Combine bool
	Topics  map[string]choice
	Until   string // the pause form's date, as posted
}

// formFromStore fills the form with what sub has chosen. A topic it has
// no subscription to follows the topic's schedule, the default for new
// subscriptions; its time and day, like those of a subscription that
// follows the topic or is instant, start at the topic's own.
func formFromStore(set *topic.Set, sub model.Subscriber, subs []model.Subscription) prefsForm {
	f := prefsForm{Zone: sub.TimeZone, Lang: sub.Lang, Combine: sub.Combine, Topics: map[string]choice{}}
	for _, t := range set.Topics() {
		c := choice{At: "07:00", Day: "mon"}
		if ts, _, ok := schedule.FromSpec(t.Digest.Schedule); ok {
			c.At, c.Day = schedule.Clock(ts.DeliverAt), weekdayValue(ts.Weekday)
		}
		if i := slices.IndexFunc(subs, func(s model.Subscription) bool { return s.TopicID == t.ID }); i >= 0 {
			sc := subs[i]
			c.Subscribed = sc.Status == model.SubscriptionActive || sc.Status == model.SubscriptionPending
			c.Frequency, c.Best = sc.Frequency, sc.BestOnly
			if sc.Frequency == model.FrequencyDaily || sc.Frequency == model.FrequencyWeekly {
				c.At, c.Day = schedule.Clock(sc.DeliverAt), weekdayValue(sc.Weekday)
			}
		}
		f.Topics[t.ID] = c
	}
	return f
}

// fieldTopic splits a per-topic field name ("freq.us-russia").
func fieldTopic(name string) (field, id string, ok bool) {
	field, id, ok = strings.Cut(name, ".")
	if !ok || !slices.Contains([]string{"freq", "at", "day", "best"}, field) {
		return "", "", false
	}
	return field, id, true
}

// parsePrefsForm reads the posted form over stored and checks every
// value; errs maps a field to what is wrong with it.
func (s *server) parsePrefsForm(r *http.Request, set *topic.Set, stored prefsForm) (prefsForm, map[string]string) {
	pf := r.PostForm
	f := prefsForm{Zone: stored.Zone, Lang: stored.Lang, Combine: pf.Get("combine") == "on", Topics: map[string]choice{}}
	errs := map[string]string{}
	if pf.Has("tz") {
		f.Zone = strings.TrimSpace(pf.Get("tz"))
		// Unset is a choice only for a subscriber who has not made one.
		if _, ok := s.zones.location(f.Zone); !ok && f.Zone != "" {
			errs["tz"] = fmt.Sprintf("%q is not a time zone we know. Please choose one from the list.", f.Zone)
		} else if f.Zone == "" && stored.Zone != "" {
			errs["tz"] = "Please choose a time zone from the list."
		}
	}
	if pf.Has("lang") {
		f.Lang = pf.Get("lang")
		if !slices.ContainsFunc(languages, func(l struct{ code, label string }) bool { return l.code == f.Lang }) {
			errs["lang"] = fmt.Sprintf("%q is not one of the languages offered.", f.Lang)
		}
	}
	var unknown []string
	for _, id := range pf["topic"] {
		if _, ok := set.Topic(id); !ok {
			unknown = append(unknown, id)
		}
	}
	for name := range pf {
		if _, id, ok := fieldTopic(name); ok {
			if _, known := set.Topic(id); !known && !slices.Contains(unknown, id) {
				unknown = append(unknown, id)
			}
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		errs["topics"] = fmt.Sprintf("There is no topic %q. Reload the page to see the topics there are.", strings.Join(unknown, `", "`))
	}
	for _, t := range set.Topics() {
		id := t.ID
		c := stored.Topics[id]
		c.Subscribed = slices.Contains(pf["topic"], id)
		if pf.Has("freq." + id) {
			c.Frequency = pf.Get("freq." + id)
			switch c.Frequency {
			case model.FrequencyTopic, model.FrequencyInstant, model.FrequencyDaily, model.FrequencyWeekly:
			default:
				errs["freq."+id] = "Please choose how often from the list."
			}
		}
		timed := c.Frequency == model.FrequencyDaily || c.Frequency == model.FrequencyWeekly
		if pf.Has("at." + id) {
			v := strings.TrimSpace(pf.Get("at." + id))
			if m, ok := schedule.ParseClock(v); ok {
				c.At = schedule.Clock(m)
			} else if v != "" || timed {
				c.At = v
				errs["at."+id] = "Please give the time as hours and minutes, from 00:00 to 23:59."
			}
		}
		if pf.Has("day." + id) {
			v := pf.Get("day." + id)
			if d, ok := schedule.ParseWeekday(v); ok {
				c.Day = weekdayValue(d)
			} else if v != "" || c.Frequency == model.FrequencyWeekly {
				errs["day."+id] = "Please choose a day of the week."
			}
		}
		if pf.Has("best." + id) {
			switch pf.Get("best." + id) {
			case "":
				c.Best = false
			case "best":
				c.Best = true
			default:
				errs["best."+id] = "Please choose how many from the list."
			}
		}
		f.Topics[id] = c
	}
	return f, errs
}

// changes is what saving f over sub's stored choices does.
func changes(set *topic.Set, sub model.Subscriber, subs []model.Subscription, f prefsForm) store.Preferences {
	var p store.Preferences
	if f.Zone != sub.TimeZone {
		p.Settings.TimeZone = &f.Zone
	}
	if f.Lang != sub.Lang {
		p.Settings.Lang = &f.Lang
	}
	if f.Combine != sub.Combine {
		p.Settings.Combine = &f.Combine
	}
	for _, t := range set.Topics() {
		c := f.Topics[t.ID]
		sch := c.schedule()
		status := ""
		var stored model.Schedule
		if i := slices.IndexFunc(subs, func(s model.Subscription) bool { return s.TopicID == t.ID }); i >= 0 {
			status, stored = subs[i].Status, subs[i].Schedule
		}
		switch {
		case c.Subscribed && status == model.SubscriptionActive:
			if !sameSchedule(sch, stored) {
				p.Reschedule = append(p.Reschedule, store.TopicSchedule{TopicID: t.ID, Schedule: sch})
			}
		case c.Subscribed:
			// The link proves the address: no confirmation mail.
			p.Subscribe = append(p.Subscribe, store.TopicSchedule{TopicID: t.ID, Schedule: sch})
		case status == model.SubscriptionActive || status == model.SubscriptionPending:
			p.Unsubscribe = append(p.Unsubscribe, t.ID)
		}
	}
	return p
}

// manageClaims checks the token of a preferences link. An expired one
// gets a page that mails a new link to the same address; a bad one an
// error. Either way it answers itself and returns false.
func (s *server) manageClaims(w http.ResponseWriter, r *http.Request, tok string) (token.Claims, bool) {
	c, err := token.Verify(s.opts.Secret, tok, token.Manage, s.now())
	if errors.Is(err, token.ErrExpired) {
		s.log.Info("manage link expired", "path", r.URL.Path)
		s.render(w, r, http.StatusBadRequest, "newlink", page{Title: "This link has expired", Data: c.Email})
		return c, false
	}
	if err != nil {
		s.badToken(w, r, err)
		return c, false
	}
	return c, true
}

// subscriber loads email's subscriber; when it is gone (erased) it says so
// and returns false.
func (s *server) subscriber(w http.ResponseWriter, r *http.Request, email string) (model.Subscriber, []model.Subscription, bool) {
	sub, subs, err := s.opts.Store.Subscriber(r.Context(), email)
	if errors.Is(err, store.ErrNotFound) {
		s.fail(w, r, http.StatusGone, "There is nothing to manage for this address any more: it was erased. To subscribe again, use the start page.", err)
		return sub, nil, false
	}
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "Something went wrong on our side. Please try again later.", err)
		return sub, nil, false
	}
	return sub, subs, true
}

// manager is the subscriber a manage link was signed for.
type manager struct {
	token string // the link's token, for the page's forms and redirects
	email string
	sub   model.Subscriber
	subs  []model.Subscription
}

// manageRequest checks a request's manage token and loads the subscriber
// it was signed for; when it returns false it has answered the request.
func (s *server) manageRequest(w http.ResponseWriter, r *http.Request, tok string) (manager, bool) {
	c, ok := s.manageClaims(w, r, tok)
	if !ok {
		return manager{}, false
	}
	sub, subs, ok := s.subscriber(w, r, c.Email)
	if !ok {
		return manager{}, false
	}
	return manager{token: tok, email: c.Email, sub: sub, subs: subs}, true
}

// redirectPrefs sends the browser back to the page after a change, so
// that reloading it does not post the change again.
func (s *server) redirectPrefs(w http.ResponseWriter, r *http.Request, tok, done string) {
	http.Redirect(w, r, s.link(links.PreferencesPath, url.Values{"token": {tok}, "done": {done}}), http.StatusSeeOther)
}

func (s *server) preferences(w http.ResponseWriter, r *http.Request) {
	m, ok := s.manageRequest(w, r, r.URL.Query().Get("token"))
	if !ok {
		return
	}
	set := s.opts.Topics()
	s.showPreferences(w, r, http.StatusOK, prefsPage{token: m.token, set: set, sub: m.sub, subs: m.subs,
		form: formFromStore(set, m.sub, m.subs), notice: doneNotices[r.URL.Query().Get("done")]})
}

func (s *server) savePreferences(w http.ResponseWriter, r *http.Request) {
	m, ok := s.manageRequest(w, r, r.PostForm.Get("token"))
	if !ok {
		return
	}
	set := s.opts.Topics()
	form, errs := s.parsePrefsForm(r, set, formFromStore(set, m.sub, m.subs))
	if len(errs) > 0 {
		s.log.Info("preferences refused", "path", r.URL.Path, "fields", strings.Join(sortedKeys(errs), ","))
		s.showPreferences(w, r, http.StatusBadRequest, prefsPage{token: m.token, set: set, sub: m.sub, subs: m.subs, form: form, errs: errs})
		return
	}
	p := changes(set, m.sub, m.subs, form)
	if err := s.opts.Store.SetPreferences(r.Context(), m.email, p); err != nil {
		s.fail(w, r, http.StatusInternalServerError, "Your changes could not be saved. Please try again later.", err)
		return
	}
	s.log.Info("preferences saved", "path", r.URL.Path, "subscriber_id", m.sub.ID, "subscribed", len(p.Subscribe),
		"rescheduled", len(p.Reschedule), "unsubscribed", len(p.Unsubscribe))
	s.redirectPrefs(w, r, m.token, "saved")
}

// pause holds every mail back until the start of a date in the
// subscriber's zone, or ends a pause (action=resume).
func (s *server) pause(w http.ResponseWriter, r *http.Request) {
	m, ok := s.manageRequest(w, r, r.PostForm.Get("token"))
	if !ok {
		return
	}
	var until time.Time // zero: resume
	done := "resumed"
	if r.PostForm.Get("action") != "resume" {
		done = "paused"
		set := s.opts.Topics()
		form := formFromStore(set, m.sub, m.subs)
		form.Until = r.PostForm.Get("until")
		var msg string
		until, msg = s.pauseUntil(form.Until, s.location(m.sub.TimeZone))
		if msg != "" {
			s.showPreferences(w, r, http.StatusBadRequest, prefsPage{token: m.token, set: set, sub: m.sub, subs: m.subs, form: form, errs: map[string]string{"until": msg}})
			return
		}
	}
	if err := s.opts.Store.SetSubscriber(r.Context(), m.email, store.SubscriberSettings{PausedUntil: &until}); err != nil {
		s.fail(w, r, http.StatusInternalServerError, "Your change could not be saved. Please try again later.", err)
		return
	}
	s.log.Info("subscriber "+done, "path", r.URL.Path, "subscriber_id", m.sub.ID)
	s.redirectPrefs(w, r, m.token, done)
}

// pauseUntil reads a pause's end date, in loc, and checks it; msg says
// what is wrong.
func (s *server) pauseUntil(v string, loc *time.Location) (until time.Time, msg string) {
	d, err := time.ParseInLocation(time.DateOnly, strings.TrimSpace(v), loc)
	if err != nil {
		return time.Time{}, "Please choose the date your mail should start again."
	}
	y, m, day := s.now().In(loc).Date()
	today := time.Date(y, m, day, 0, 0, 0, 0, loc)
	switch {
	case !d.After(today):
		return time.Time{}, "That date is not in the future. Please choose a date after today: mail starts again on that day."
	case d.After(today.AddDate(0, 0, pauseMaxDays)):
		return time.Time{}, "A pause can last a year at most. To stop for longer, unsubscribe."
	}
	return d, ""
}

func (s *server) unsubscribeAll(w http.ResponseWriter, r *http.Request) {
	m, ok := s.manageRequest(w, r, r.PostForm.Get("token"))
	if !ok {
		return
	}
	n, err := s.opts.Store.Unsubscribe(r.Context(), m.email, "")
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "Something went wrong on our side. Please try again later.", err)
		return
	}
	s.log.Info("unsubscribed from everything", "path", r.URL.Path, "subscriber_id", m.sub.ID, "changed", n)
	s.redirectPrefs(w, r, m.token, "unsubscribed")
}

type eraseData struct {
	Token, Email string
}

// erase deletes the address with its subscriptions and the record of its
// mails, as `feedwatch subscribers remove --erase` does, after a second
// click on a page that says what it does.
func (s *server) erase(w http.ResponseWriter, r *http.Request) {
	m, ok := s.manageRequest(w, r, r.PostForm.Get("token"))
	if !ok {
		return
	}
	if r.PostForm.Get("confirm") != "yes" {
		s.render(w, r, http.StatusOK, "erase", page{Title: "Erase your address", Data: eraseData{Token: m.token, Email: m.email}})
		return
	}
	err := s.opts.Store.RemoveSubscriber(r.Context(), m.email)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		s.fail(w, r, http.StatusInternalServerError, "Something went wrong on our side. Please try again later.", err)
		return
	}
	s.log.Info("subscriber erased", "path", r.URL.Path, "subscriber_id", m.sub.ID)
	s.render(w, r, http.StatusOK, "erased", page{Title: "Erased", Data: m.email})
}

// newFeedLinks replaces the subscriber's feed key, which ends every feed
// link made with the old one.
func (s *server) newFeedLinks(w http.ResponseWriter, r *http.Request) {
	m, ok := s.manageRequest(w, r, r.PostForm.Get("token"))
	if !ok {
		return
	}
	if _, err := s.opts.Store.RotateFeedKey(r.Context(), m.email); err != nil {
		s.fail(w, r, http.StatusInternalServerError, "Something went wrong on our side. Please try again later.", err)
		return
	}
	s.log.Info("feed links replaced", "path", r.URL.Path, "subscriber_id", m.sub.ID)
	s.redirectPrefs(w, r, m.token, "feeds")
}

// location is a subscriber's zone, or the server's when they chose none
// (as schedule.Delivery does).
func (s *server) location(zone string) *time.Location {
	if loc, ok := s.zones.location(zone); ok {
		return loc
	}
	return time.Local
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// prefsPage is what showPreferences needs.
type prefsPage struct {
	token  string
	set    *topic.Set
	sub    model.Subscriber
	subs   []model.Subscription
	form   prefsForm
	errs   map[string]string
	notice string
}

type option struct {
	Value, Label string
	Selected     bool
}

// prefsData is what preferences.html shows.
type prefsData struct {
	Token, Email string
	Notice       string
	Errors       map[string]string
	// ZoneUnset: no zone chosen yet, so the page's script may propose the
	// browser's.
	ZoneUnset  bool
	ZoneGroups []zoneOptionGroup
	ServerZone string // what an unset zone means
	LocalNow   string // the time now in the subscriber's zone
	Langs      []option
	Combine    bool
	Topics     []topicView

	PausedUntil                    string // formatted; empty when not paused
	PauseValue, PauseMin, PauseMax string
	PrivateFeeds                   bool // the page shows links that a new feed key would replace
}

type topicView struct {
	ID, Name, Description string
	Status                string // the subscription's, "" for none
	Subscribed            bool
	Frequencies           []option
	TopicSchedule         string // what the topic's schedule is
	At                    string
	Days                  []option
	HowMany               []option
	Next                  string // when the next mail goes out
	Waiting               string // how many matches wait for it
	Public                bool
	FeedAtom, FeedJSON    string
}

func (s *server) showPreferences(w http.ResponseWriter, r *http.Request, status int, pp prefsPage) {
	data, err := s.prefsData(r.Context(), pp)
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "Your preferences could not be loaded. Please try again later.", err)
		return
	}
	title := "Your subscriptions"
	if len(pp.errs) > 0 {
		title = "Please check your choices"
	}
	s.render(w, r, status, "preferences", page{Title: title, Data: data})
}

func (s *server) prefsData(ctx context.Context, pp prefsPage) (prefsData, error) {
	now := s.now()
	loc := s.location(pp.sub.TimeZone)
	d := prefsData{
		Token: pp.token, Email: pp.sub.Email, Notice: pp.notice, Errors: pp.errs,
		ZoneUnset:  pp.form.Zone == "",
		ZoneGroups: s.zones.options(now, pp.form.Zone),
		ServerZone: utcOffset(now.In(time.Local)),
		LocalNow:   now.In(loc).Format("Monday 2 January, 15:04 MST"),
		Combine:    pp.form.Combine,
	}
	for _, l := range languages {
		d.Langs = append(d.Langs, option{Value: l.code, Label: l.label, Selected: l.code == pp.form.Lang})
	}
	tomorrow := now.In(loc).AddDate(0, 0, 1)
	d.PauseMin = tomorrow.Format(time.DateOnly)
	d.PauseMax = now.In(loc).AddDate(0, 0, pauseMaxDays).Format(time.DateOnly)
	d.PauseValue = pp.form.Until
	if pp.sub.PausedUntil.After(now) {
		d.PausedUntil = pp.sub.PausedUntil.In(loc).Format("Monday 2 January 2006")
		if d.PauseValue == "" {
			d.PauseValue = pp.sub.PausedUntil.In(loc).Format(time.DateOnly)
		}
	}
	feedKey := pp.sub.FeedKey
	best := map[string]float64{}
	for _, t := range pp.set.Topics() {
		c := pp.form.Topics[t.ID]
		tv := topicView{ID: t.ID, Name: t.Name, Description: t.Description, Subscribed: c.Subscribed, At: c.At, Public: t.Public,
			TopicSchedule: topicScheduleText(t, pp.sub.TimeZone != "")}
		var stored *model.Subscription
		if i := slices.IndexFunc(pp.subs, func(s model.Subscription) bool { return s.TopicID == t.ID }); i >= 0 {
			stored = &pp.subs[i]
			tv.Status = stored.Status
		}
		tv.Frequencies = []option{
			{Value: model.FrequencyTopic, Label: "The topic's schedule"},
			{Value: model.FrequencyInstant, Label: "As it happens (soon after each new match)"},
			{Value: model.FrequencyDaily, Label: "Once a day"},
			{Value: model.FrequencyWeekly, Label: "Once a week"},
		}
		for i := range tv.Frequencies {
			tv.Frequencies[i].Selected = tv.Frequencies[i].Value == c.Frequency
		}
		for _, wd := range weekdays {
			tv.Days = append(tv.Days, option{Value: wd.value, Label: wd.day.String(), Selected: wd.value == c.Day})
		}
		strongest := "Only the strongest (top quarter)"
		if t.Digest.BestScore > 0 {
			strongest = "Only the strongest (score ≥ " + strconv.FormatFloat(t.Digest.BestScore, 'g', -1, 64) + ")"
		}
		tv.HowMany = []option{{Value: "", Label: "All matches", Selected: !c.Best}, {Value: "best", Label: strongest, Selected: c.Best}}

		if stored != nil && stored.Status == model.SubscriptionActive {
			tv.Next = nextDeliveryText(*stored, t, now)
			w, err := s.waitingText(ctx, *stored, t, now, best)
			if err != nil {
				return d, err
			}
			tv.Waiting = w
		}
		switch {
		case t.Public:
			tv.FeedAtom = links.FeedURL(s.base.String(), nil, "", t.ID, "", links.Atom)
			tv.FeedJSON = links.FeedURL(s.base.String(), nil, "", t.ID, "", links.JSON)
		case stored != nil && stored.Status == model.SubscriptionActive:
			if feedKey == "" {
				// Made on first need, here rather than at sign-up, so that
				// only subscribers who see a feed link have a key.
				k, err := s.opts.Store.EnsureFeedKey(ctx, pp.sub.Email)
				if err != nil {
					return d, err
				}
				feedKey = k
			}
			tv.FeedAtom = links.FeedURL(s.base.String(), s.opts.Secret, pp.sub.Email, t.ID, feedKey, links.Atom)
			tv.FeedJSON = links.FeedURL(s.base.String(), s.opts.Secret, pp.sub.Email, t.ID, feedKey, links.JSON)
			d.PrivateFeeds = true
		}
		d.Topics = append(d.Topics, tv)
	}
	return d, nil
}

// topicScheduleText says what following the topic's schedule means.
func topicScheduleText(t topic.Topic, zoneSet bool) string {
	fs, zone, ok := schedule.FromSpec(t.Digest.Schedule)
	if !ok {
		return "The topic's schedule: " + t.Digest.Schedule + " (cron, server time)."
	}
	// The page's times are in the subscriber's zone, or the server's
	// while they have none; a spec with its own zone keeps that one then.
	at := schedule.Clock(fs.DeliverAt)
	if !zoneSet && zone != "" {
		at += " " + zone + " time"
	}
	if fs.Frequency == model.FrequencyWeekly {
		return "The topic's schedule: weekly on " + fs.Weekday.String() + " at " + at + "."
	}
	return "The topic's schedule: daily at " + at + "."
}

// nextDeliveryText says when sc's next mail goes out, in the zone of its
// schedule. A paused subscriber's due mail goes out when the pause ends.
func nextDeliveryText(sc model.Subscription, t topic.Topic, now time.Time) string {
	pausedUntil := time.Time{}
	if sc.PausedUntil.After(now) {
		pausedUntil = sc.PausedUntil
	}
	d := schedule.Delivery{Schedule: sc.Schedule, Zone: sc.TimeZone, TopicSpec: t.Digest.Schedule}
	_, loc, _ := d.Effective()
	const layout = "Monday 2 January, 15:04 MST"
	if sc.Frequency == model.FrequencyInstant {
		if !pausedUntil.IsZero() {
			return "After your pause, from " + pausedUntil.In(loc).Format(layout)
		}
		return "Soon after each new match"
	}
	next := sc.NextAt
	if next.IsZero() || next.Before(now) {
		next = d.NextDelivery(now)
	}
	if !pausedUntil.IsZero() && next.Before(pausedUntil) {
		return "When your pause ends, " + pausedUntil.In(loc).Format(layout)
	}
	if next.IsZero() {
		return "None: the topic's schedule does not run again"
	}
	return next.In(loc).Format(layout)
}

// waitingText counts the matches waiting for sc's next mail. best caches
// each topic's "strongest" score for the request.
func (s *server) waitingText(ctx context.Context, sc model.Subscription, t topic.Topic, now time.Time, best map[string]float64) (string, error) {
	if sc.CursorSeq < 0 {
		return "Your first mail carries what the topic caught in the " + lookbackText(t.Digest.Lookback) + " before it.", nil
	}
	minScore := 0.0
	if sc.BestOnly {
		v, ok := best[t.ID]
		if !ok {
			var err error
			if v, err = s.opts.Store.StrongestScore(ctx, t.ID, t.Digest.BestScore, now); err != nil {
				return "", err
			}
			best[t.ID] = v
		}
		minScore = v
	}
	n, err := s.opts.Store.PendingMatches(ctx, t.ID, sc.CursorSeq, minScore)
	if err != nil {
		return "", err
	}
	switch n {
	case 0:
		return "Nothing waiting yet.", nil
	case 1:
		return "1 match waiting.", nil
	}
	return strconv.Itoa(n) + " matches waiting.", nil
}

func lookbackText(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		if days := int(d / (24 * time.Hour)); days != 1 {
			return strconv.Itoa(days) + " days"
		}
		return "day"
	}
	return strings.TrimSuffix(strings.TrimSuffix(d.String(), "0s"), "0m")
}
