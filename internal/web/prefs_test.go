package web

import (
	"context"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/links"
	fwmail "github.com/feedwatch/feedwatch/internal/mail"
	"github.com/feedwatch/feedwatch/internal/model"
	"github.com/feedwatch/feedwatch/internal/store"
	"github.com/feedwatch/feedwatch/internal/token"
)

const reader = "reader@example.org"

// subscribe makes reader's subscriptions as the CLI would.
func (e *env) subscribe(email string, subs ...model.Subscription) {
	e.t.Helper()
	for _, s := range subs {
		s.Email = email
		if s.Status == "" {
			s.Status = model.SubscriptionActive
		}
		if _, err := e.store.Subscribe(context.Background(), s); err != nil {
			e.t.Fatal(err)
		}
	}
}

// manageLink is a preferences link (a path) for email, valid from now.
func (e *env) manageLink(email string) string {
	u, err := url.Parse(links.ManageURL(e.srv.URL, e.secret, email, e.clock.Now()))
	if err != nil {
		e.t.Fatal(err)
	}
	return u.RequestURI()
}

// snapshot is everything the store holds about a subscriber, to show that
// a refused request changed nothing.
func (e *env) snapshot(email string) string {
	e.t.Helper()
	sub, subs, err := e.store.Subscriber(context.Background(), email)
	if err != nil {
		return err.Error()
	}
	return fmt.Sprintf("%+v %+v", sub, subs)
}

// addMatches stores n new items of one feed matching topicID, a minute
// apart up to a minute before now, with scores 1..n; the newest has the
// highest score. Calls at different times add different items.
func (e *env) addMatches(topicID string, n int) {
	e.t.Helper()
	ctx := context.Background()
	f, err := e.store.AddFeed(ctx, model.Feed{URL: "https://wire.example/" + topicID + ".rss", Title: "The Wire"})
	if err != nil {
		e.t.Fatal(err)
	}
	now := e.clock.Now()
	var items []model.Item
	var matches [][]model.Match
	for i := 1; i <= n; i++ {
		at := now.Add(time.Duration(i-n-1) * time.Minute)
		items = append(items, model.Item{Key: fmt.Sprintf("%s-%d-%d", topicID, now.Unix(), i), Title: fmt.Sprintf("Story %d about %s", i, topicID),
			Link: fmt.Sprintf("https://wire.example/%s/%d?utm_source=x", topicID, i), CanonicalLink: fmt.Sprintf("https://wire.example/%s/%d", topicID, i),
			Summary:   fmt.Sprintf(`<p>Summary %d <script>alert(1)</script><img src="https://t.example/p.gif"> <b>bold</b></p>`, i),
			Published: at, FetchedAt: at})
		matches = append(matches, []model.Match{{TopicID: topicID, Score: float64(i), Terms: []string{"=" + topicID, topicID + "*", "release"}}})
	}
	if _, err := e.store.SaveFetch(ctx, f, items, matches); err != nil {
		e.t.Fatal(err)
	}
}

// prefsForm loads the preferences page at link and returns its main form
// as a browser would post it, with the CSRF cookie in the client's jar.
func (e *env) prefsForm(link string) url.Values {
	e.t.Helper()
	r := e.get(link)
	if r.status != http.StatusOK {
		e.t.Fatalf("GET %s = %d:\n%s", link, r.status, r.body)
	}
	return formValues(e.t, r.body, "/preferences")
}

// formValues is what the form with action posts as it stands: its inputs'
// values, ticked boxes and selected options.
func formValues(t *testing.T, body, action string) url.Values {
	t.Helper()
	start := strings.Index(body, `action="`+action+`"`)
	if start < 0 {
		t.Fatalf("no form for %s", action)
	}
	form := body[start:]
	form = form[:strings.Index(form, "</form>")]
	v := url.Values{}
	attr := func(tag, name string) (string, bool) {
		m := regexp.MustCompile(`\s` + name + `="([^"]*)"`).FindStringSubmatch(tag)
		if m == nil {
			return "", strings.Contains(tag, " "+name+">") || strings.Contains(tag, " "+name+" ")
		}
		return html.UnescapeString(m[1]), true
	}
	for _, tag := range regexp.MustCompile(`<input[^>]*>`).FindAllString(form, -1) {
		name, _ := attr(tag, "name")
		typ, _ := attr(tag, "type")
		val, hasVal := attr(tag, "value")
		if name == "" {
			continue
		}
		if typ == "checkbox" {
			if _, on := attr(tag, "checked"); !on {
				continue
			}
			if !hasVal {
				val = "on"
			}
		}
		v.Add(name, val)
	}
	for _, m := range regexp.MustCompile(`(?s)<select name="([^"]+)"[^>]*>(.*?)</select>`).FindAllStringSubmatch(form, -1) {
		sel := regexp.MustCompile(`<option value="([^"]*)" selected>`).FindStringSubmatch(m[2])
		if sel == nil {
			sel = regexp.MustCompile(`<option value="([^"]*)"`).FindStringSubmatch(m[2])
		}
		v.Set(m[1], html.UnescapeString(sel[1]))
	}
	return v
}

func TestPreferencesPage(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	e.subscribe(reader, model.Subscription{TopicID: "golang", Schedule: model.Schedule{Frequency: model.FrequencyDaily, DeliverAt: 8*60 + 30}})
	if err := e.store.SetSubscriber(ctx, reader, store.SubscriberSettings{TimeZone: ptr("Europe/Berlin")}); err != nil {
		t.Fatal(err)
	}
	e.addMatches("golang", 3)
	// The dispatcher placed the subscription before the last two matches.
	if err := e.store.PlaceSubscriptions(ctx, []store.Placement{{SubscriberID: 1, TopicID: "golang", CursorSeq: 1}}); err != nil {
		t.Fatal(err)
	}
	r := e.get(e.manageLink(reader))
	if r.status != 200 {
		t.Fatalf("GET = %d\n%s", r.status, r.body)
	}
	text := html.UnescapeString(r.body)
	for _, want := range []string{
		"Your subscriptions", reader,
		// Every topic, subscribed or not.
		`name="topic" value="golang" class="sub" checked`, `name="topic" value="rust" class="sub">`, "Go language", "Rust", "not subscribed",
		// The choices, with what the topic's schedule means.
		`<option value="daily" selected>Once a day</option>`, `value="08:30"`, "The topic's schedule: daily at 07:00.", `<option value="">The topic's schedule</option>`,
		`<option value="instant">`, `<option value="weekly">`, `name="day.golang"`, `name="best.golang"`, "Only the strongest",
		// Next delivery, in the subscriber's zone, and what waits for it.
		"Next mail: <strong>Saturday 21 November, 08:30 CET</strong>", "2 matches waiting.",
		// Settings across topics.
		`<option value="Europe/Berlin" selected>Berlin (UTC+01:00)</option>`, `<optgroup label="America">`, `name="lang"`, `name="combine" id="combine" checked`,
		`action="/preferences/pause"`, `type="date" name="until"`, `action="/preferences/unsubscribe"`, `action="/preferences/erase"`,
		`<script src="/static/prefs.js" defer></script>`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	// The subscriber has a zone: no "not chosen" entry for the script.
	if strings.Contains(r.body, "Not chosen yet") {
		t.Error("an unset zone is offered to a subscriber who has one")
	}
	if r.header.Get("Cache-Control") != "no-store" || r.header.Get("Referrer-Policy") != "no-referrer" {
		t.Errorf("headers: %v", r.header)
	}
	// A private topic's feed links carry the subscriber's feed key, made now.
	sub, _, _ := e.store.Subscriber(ctx, reader)
	if sub.FeedKey == "" {
		t.Fatal("no feed key made for the feed links")
	}
	want := html.EscapeString(links.FeedURL(e.srv.URL, e.secret, reader, "golang", sub.FeedKey, links.Atom))
	if !strings.Contains(r.body, want) || !strings.Contains(r.body, `action="/preferences/feed-links"`) {
		t.Errorf("the page lacks the feed link %s", want)
	}
	// GET changes nothing else, and a second GET keeps the key.
	before := e.snapshot(reader)
	e.get(e.manageLink(reader))
	if after := e.snapshot(reader); after != before {
		t.Errorf("a second GET changed the subscriber:\n%s\n%s", before, after)
	}
}

func ptr[T any](v T) *T { return &v }

// TestPreferencesUnsetZone: without a zone the page offers "not chosen",
// selected, for the script to replace with the browser's.
func TestPreferencesUnsetZone(t *testing.T) {
	e := newEnv(t, nil)
	e.subscribe(reader, model.Subscription{TopicID: "golang"})
	r := e.get(e.manageLink(reader))
	if !strings.Contains(r.body, `<option value="" selected>Not chosen yet: server time`) || !strings.Contains(r.body, "The topic&#39;s schedule: daily at 07:00.") {
		t.Errorf("unset zone:\n%s", r.body)
	}
	// Saving the form as it stands keeps the zone unset.
	form := e.prefsForm(e.manageLink(reader))
	if r := e.post("/preferences", form, nil); r.status != http.StatusSeeOther {
		t.Fatalf("save = %d\n%s", r.status, r.body)
	}
	if sub, _, _ := e.store.Subscriber(context.Background(), reader); sub.TimeZone != "" {
		t.Errorf("zone = %q", sub.TimeZone)
	}
}

func TestPreferencesRejectsBadLinks(t *testing.T) {
	e := newEnv(t, nil)
	e.subscribe(reader, model.Subscription{TopicID: "golang"})
	now := e.clock.Now()
	good := token.Sign(e.secret, token.Claims{Purpose: token.Manage, Email: reader, Expires: now.Add(time.Hour)})
	enc, sig, _ := strings.Cut(good, ".")
	other := token.Sign(e.secret, token.Claims{Purpose: token.Manage, Email: "other@example.org", Expires: now.Add(time.Hour)})
	otherEnc, _, _ := strings.Cut(other, ".")
	for name, tok := range map[string]string{
		"forged signature":    enc + "." + strings.Repeat("A", len(sig)),
		"other secret":        token.Sign([]byte("another secret of enough length"), token.Claims{Purpose: token.Manage, Email: reader, Expires: now.Add(time.Hour)}),
		"other address":       otherEnc + "." + sig,
		"unsubscribe purpose": token.Sign(e.secret, token.Claims{Purpose: token.Unsubscribe, Email: reader, Expires: now.Add(time.Hour)}),
		"confirm purpose":     token.Sign(e.secret, token.Claims{Purpose: token.Confirm, Email: reader, Topic: "golang", Expires: now.Add(time.Hour)}),
		"feed purpose":        token.Sign(e.secret, token.Claims{Purpose: token.Feed, Email: reader, Topic: "golang", Key: "k", Expires: now.Add(time.Hour)}),
		"garbage":             "../../etc/passwd",
		"empty":               "",
	} {
		r := e.get("/preferences?token=" + url.QueryEscape(tok))
		if r.status != 400 || strings.Contains(r.body, reader) || strings.Contains(r.body, `action="/preferences"`) || !strings.Contains(r.body, "not valid") {
			t.Errorf("%s: %d\n%s", name, r.status, r.body)
		}
	}

	// An expired link offers to mail a new one to its address.
	old := token.Sign(e.secret, token.Claims{Purpose: token.Manage, Email: reader, Expires: now.Add(-time.Minute)})
	r := e.get("/preferences?token=" + url.QueryEscape(old))
	if r.status != 400 || !strings.Contains(r.body, "This link has expired") || !strings.Contains(r.body, `action="/manage-link"`) ||
		!strings.Contains(r.body, `value="`+reader+`"`) || strings.Contains(r.body, `action="/preferences"`) {
		t.Fatalf("expired: %d\n%s", r.status, r.body)
	}
	// … and its form works.
	form := formValues(t, r.body, "/manage-link")
	if r := e.post("/manage-link", form, nil); r.status != 200 || len(e.smtp.Messages()) != 1 {
		t.Errorf("new link from the expired page = %d, %d mails", r.status, len(e.smtp.Messages()))
	}
	// A POST with an expired link changes nothing either.
	csrf := e.csrfFrom("/", false)
	before := e.snapshot(reader)
	for _, path := range []string{"/preferences", "/preferences/pause", "/preferences/unsubscribe", "/preferences/erase", "/preferences/feed-links"} {
		if r := e.post(path, url.Values{"csrf": {csrf}, "token": {old}, "confirm": {"yes"}, "until": {"2026-12-24"}}, nil); r.status != 400 {
			t.Errorf("POST %s with an expired link = %d", path, r.status)
		}
		if r := e.post(path, url.Values{"csrf": {csrf}, "token": {enc + ".x"}, "confirm": {"yes"}, "until": {"2026-12-24"}}, nil); r.status != 400 {
			t.Errorf("POST %s with a forged link = %d", path, r.status)
		}
	}
	if after := e.snapshot(reader); after != before {
		t.Errorf("bad links changed the subscriber:\n%s\n%s", before, after)
	}

	// A link to an address that is gone.
	r = e.get(e.manageLink("nobody@example.org"))
	if r.status != http.StatusGone || !strings.Contains(r.body, "erased") {
		t.Errorf("unknown address = %d\n%s", r.status, r.body)
	}
}

func TestPreferencesSave(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	e.subscribe(reader, model.Subscription{TopicID: "golang", Schedule: model.Schedule{Frequency: model.FrequencyDaily, DeliverAt: 7 * 60}})
	e.addMatches("golang", 4)
	if err := e.store.PlaceSubscriptions(ctx, []store.Placement{{SubscriberID: 1, TopicID: "golang", CursorSeq: 2, NextAt: e.clock.Now().Add(19 * time.Hour)}}); err != nil {
		t.Fatal(err)
	}
	link := e.manageLink(reader)
	form := e.prefsForm(link)
	form.Set("freq.golang", "weekly")
	form.Set("at.golang", "18:15")
	form.Set("day.golang", "fri")
	form.Set("best.golang", "best")
	form.Add("topic", "rust") // a new topic
	form.Set("freq.rust", "instant")
	form.Set("tz", "Asia/Tokyo")
	form.Set("lang", "ru")
	form.Del("combine") // the box unticked
	r := e.post("/preferences", form, nil)
	if r.status != http.StatusSeeOther {
		t.Fatalf("save = %d\n%s", r.status, r.body)
	}
	loc := r.header.Get("Location")
	if !strings.HasPrefix(loc, e.srv.URL+"/preferences?") || !strings.Contains(loc, "done=saved") {
		t.Errorf("redirect to %q", loc)
	}
	sub, subs, err := e.store.Subscriber(ctx, reader)
	if err != nil {
		t.Fatal(err)
	}
	if sub.TimeZone != "Asia/Tokyo" || sub.Lang != "ru" || sub.Combine {
		t.Errorf("subscriber = %+v", sub)
	}
	if len(subs) != 2 {
		t.Fatalf("subscriptions = %+v", subs)
	}
	g, rs := subs[0], subs[1]
	if want := (model.Schedule{Frequency: model.FrequencyWeekly, DeliverAt: 18*60 + 15, Weekday: time.Friday, BestOnly: true}); g.Schedule != want || g.Status != model.SubscriptionActive {
		t.Errorf("golang = %+v, want %+v", g, want)
	}
	// The cursor stays: matches waiting for the old schedule go into the
	// next mail on the new one. The next time is worked out again.
	if g.CursorSeq != 2 || !g.NextAt.IsZero() {
		t.Errorf("golang cursor %d, next %s; want 2 and unplaced", g.CursorSeq, g.NextAt)
	}
	// Subscribing from the page is active at once: the link proves the
	// address, so no confirmation mail goes out.
	if rs.TopicID != "rust" || rs.Status != model.SubscriptionActive || rs.Frequency != model.FrequencyInstant || rs.CursorSeq != store.Unstarted {
		t.Errorf("rust = %+v", rs)
	}
	if n := len(e.smtp.Messages()); n != 0 {
		t.Errorf("%d mails sent for a subscription made on the page", n)
	}
	// The page after the redirect says so and shows the new choices.
	r = e.get(strings.TrimPrefix(loc, e.srv.URL))
	for _, want := range []string{"Saved.", `<option value="weekly" selected>`, `value="18:15"`, `<option value="fri" selected>Friday</option>`,
		`<option value="best" selected>`, `<option value="Asia/Tokyo" selected>`, `<option value="ru" selected>Russian</option>`,
		`name="combine" id="combine">`, `name="topic" value="rust" class="sub" checked`, "Soon after each new match",
		"Your first mail carries what the topic caught in the day before it."} {
		if !strings.Contains(r.body, want) {
			t.Errorf("the page after saving lacks %q", want)
		}
	}
	// Only the strongest: the top quarter of four scores (1..4) is 4, and
	// two matches wait past the cursor, one of them that strong.
	if !strings.Contains(r.body, "1 match waiting.") {
		t.Errorf("waiting count for the strongest matches wrong:\n%s", r.body)
	}

	// Unticking a topic unsubscribes it; saving the same again changes
	// nothing more.
	form = e.prefsForm(link)
	form.Del("topic")
	form.Add("topic", "rust")
	if r := e.post("/preferences", form, nil); r.status != http.StatusSeeOther {
		t.Fatalf("second save = %d", r.status)
	}
	if s, _ := e.store.Subscription(ctx, reader, "golang"); s.Status != model.SubscriptionUnsubscribed {
		t.Errorf("unticked golang = %s", s.Status)
	}
	before := e.snapshot(reader)
	if r := e.post("/preferences", e.prefsForm(link), nil); r.status != http.StatusSeeOther {
		t.Fatalf("third save = %d", r.status)
	}
	if after := e.snapshot(reader); after != before {
		t.Errorf("saving the page as it is changed things:\n%s\n%s", before, after)
	}
}

// TestPreferencesConfirmsPending: a sign-up still waiting for its
// confirmation shows ticked; saving the page activates it.
func TestPreferencesConfirmsPending(t *testing.T) {
	e := newEnv(t, nil)
	e.subscribe(reader, model.Subscription{TopicID: "golang", Status: model.SubscriptionPending})
	link := e.manageLink(reader)
	form := e.prefsForm(link)
	if got := form["topic"]; !reflect.DeepEqual(got, []string{"golang"}) {
		t.Fatalf("ticked = %v", got)
	}
	if r := e.post("/preferences", form, nil); r.status != http.StatusSeeOther {
		t.Fatalf("save = %d", r.status)
	}
	if s, _ := e.store.Subscription(context.Background(), reader, "golang"); s.Status != model.SubscriptionActive {
		t.Errorf("golang = %s", s.Status)
	}
}

func TestPreferencesRejectsBadInput(t *testing.T) {
	e := newEnv(t, nil)
	e.subscribe(reader, model.Subscription{TopicID: "golang", Schedule: model.Schedule{Frequency: model.FrequencyDaily, DeliverAt: 7 * 60}})
	link := e.manageLink(reader)
	cases := []struct {
		name  string
		edit  func(url.Values)
		field string // marked invalid
		msg   string
	}{
		{"unknown zone", func(f url.Values) { f.Set("tz", "Mars/Olympus_Mons") }, "tz", "is not a time zone we know"},
		{"zone left unset", func(f url.Values) { f.Set("tz", "") }, "", ""}, // no error for a subscriber without one
		{"hour out of range", func(f url.Values) { f.Set("at.golang", "24:00") }, "at.golang", "from 00:00 to 23:59"},
		{"minute out of range", func(f url.Values) { f.Set("at.golang", "07:60") }, "at.golang", "from 00:00 to 23:59"},
		{"not a time", func(f url.Values) { f.Set("at.golang", "7pm") }, "at.golang", "hours and minutes"},
		{"no time for daily", func(f url.Values) { f.Set("at.golang", "") }, "at.golang", "hours and minutes"},
		{"bad time for weekly", func(f url.Values) { f.Set("freq.golang", "weekly"); f.Set("at.golang", "-1:00") }, "at.golang", "hours and minutes"},
		{"unknown frequency", func(f url.Values) { f.Set("freq.golang", "hourly") }, "freq.golang", "how often"},
		{"unknown day", func(f url.Values) { f.Set("freq.golang", "weekly"); f.Set("day.golang", "someday") }, "day.golang", "day of the week"},
		{"unknown how many", func(f url.Values) { f.Set("best.golang", "most") }, "best.golang", "how many"},
		{"unknown language", func(f url.Values) { f.Set("lang", "de") }, "lang", "not one of the languages"},
		{"unknown topic ticked", func(f url.Values) { f.Add("topic", "cobol") }, "", `There is no topic &#34;cobol&#34;`},
		{"unknown topic field", func(f url.Values) { f.Set("freq.cobol", "daily") }, "", `There is no topic &#34;cobol&#34;`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			form := e.prefsForm(link)
			before := e.snapshot(reader)
			// A valid change alongside, which must not be made either.
			form.Set("lang", "en")
			c.edit(form)
			r := e.post("/preferences", form, nil)
			if c.msg == "" {
				if r.status != http.StatusSeeOther {
					t.Errorf("status %d, want 303\n%s", r.status, r.body)
				}
				return
			}
			if r.status != http.StatusBadRequest || !strings.Contains(r.body, "Nothing was changed") || !strings.Contains(r.body, c.msg) {
				t.Errorf("status %d, want 400 with %q\n%s", r.status, c.msg, r.body)
			}
			if c.field != "" && !regexp.MustCompile(`class="field[^"]*invalid"[^>]*>\s*<label for="`+strings.ReplaceAll(c.field, ".", "-")).MatchString(r.body) {
				t.Errorf("field %s not marked invalid", c.field)
			}
			if after := e.snapshot(reader); after != before {
				t.Errorf("a refused save changed the subscriber:\n%s\n%s", before, after)
			}
			// The page keeps a time as typed, to correct it.
			if v := form.Get(c.field); strings.HasPrefix(c.field, "at.") && v != "" && !strings.Contains(r.body, `value="`+html.EscapeString(v)+`"`) {
				t.Errorf("the page lost the value %q", v)
			}
		})
	}
}

// TestPreferencesPostsNeedCSRF: every form of the page, posted without
// the page's token, or with another client's, is refused and changes
// nothing.
func TestPreferencesPostsNeedCSRF(t *testing.T) {
	e := newEnv(t, nil)
	e.subscribe(reader, model.Subscription{TopicID: "golang"})
	tok := token.Sign(e.secret, token.Claims{Purpose: token.Manage, Email: reader, Expires: e.clock.Now().Add(time.Hour)})
	before := e.snapshot(reader)
	for _, path := range []string{"/preferences", "/preferences/pause", "/preferences/unsubscribe", "/preferences/erase", "/preferences/feed-links", "/manage-link"} {
		form := url.Values{"token": {tok}, "topic": {"rust"}, "until": {"2026-12-24"}, "confirm": {"yes"}, "email": {reader}}
		if r := e.post(path, form, nil); r.status != http.StatusForbidden {
			t.Errorf("%s without CSRF = %d", path, r.status)
		}
		form.Set("csrf", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
		if r := e.post(path, form, nil); r.status != http.StatusForbidden {
			t.Errorf("%s with a wrong CSRF token = %d", path, r.status)
		}
		form.Set("csrf", e.csrfFrom("/", false))
		if r := e.post(path, form, func(r *http.Request) { r.Header.Set("Sec-Fetch-Site", "cross-site") }); r.status != http.StatusForbidden {
			t.Errorf("%s cross-site = %d", path, r.status)
		}
	}
	if after := e.snapshot(reader); after != before {
		t.Errorf("refused posts changed the subscriber:\n%s\n%s", before, after)
	}
	if n := len(e.smtp.Messages()); n != 0 {
		t.Errorf("refused posts sent %d mails", n)
	}
}

func TestPreferencesPause(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	e.subscribe(reader, model.Subscription{TopicID: "golang"})
	// The subscriber is in Tokyo, where it is already 21:00 on 20 November.
	if err := e.store.SetSubscriber(ctx, reader, store.SubscriberSettings{TimeZone: ptr("Asia/Tokyo")}); err != nil {
		t.Fatal(err)
	}
	link := e.manageLink(reader)
	page := e.get(link)
	form := formValues(t, page.body, "/preferences/pause")
	if !strings.Contains(page.body, `min="2026-11-21"`) || !strings.Contains(page.body, `max="2027-11-21"`) {
		t.Errorf("date limits not in the subscriber's zone:\n%s", page.body)
	}
	for _, c := range []struct{ until, msg string }{
		{"2026-11-19", "not in the future"},
		{"2026-11-20", "not in the future"}, // today, in Tokyo
		{"2027-11-22", "a year at most"},
		{"someday", "choose the date"},
		{"", "choose the date"},
		{"2026-02-30", "choose the date"},
	} {
		before := e.snapshot(reader)
		form.Set("until", c.until)
		r := e.post("/preferences/pause", form, nil)
		if r.status != http.StatusBadRequest || !strings.Contains(r.body, c.msg) || !strings.Contains(r.body, "Nothing was changed") {
			t.Errorf("pause until %q = %d, want 400 saying %q", c.until, r.status, c.msg)
		}
		if after := e.snapshot(reader); after != before {
			t.Errorf("refused pause until %q changed the subscriber", c.until)
		}
	}
	form.Set("until", "2026-11-23")
	r := e.post("/preferences/pause", form, nil)
	if r.status != http.StatusSeeOther || !strings.Contains(r.header.Get("Location"), "done=paused") {
		t.Fatalf("pause = %d %s", r.status, r.header.Get("Location"))
	}
	sub, _, _ := e.store.Subscriber(ctx, reader)
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	if want := time.Date(2026, 11, 23, 0, 0, 0, 0, tokyo); !sub.PausedUntil.Equal(want) {
		t.Errorf("paused until %s, want %s", sub.PausedUntil, want)
	}
	page = e.get(link)
	for _, want := range []string{"paused until <strong>Monday 23 November 2026</strong>", "Resume now", "When your pause ends, Monday 23 November, 00:00 JST"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("the paused page lacks %q", want)
		}
	}
	resume := formValues(t, page.body[strings.Index(page.body, `id="pause"`):], "/preferences/pause")
	if resume.Get("action") != "resume" {
		t.Fatalf("first pause form is not Resume: %v", resume)
	}
	if r := e.post("/preferences/pause", resume, nil); r.status != http.StatusSeeOther || !strings.Contains(r.header.Get("Location"), "done=resumed") {
		t.Fatalf("resume = %d", r.status)
	}
	if sub, _, _ := e.store.Subscriber(ctx, reader); !sub.PausedUntil.IsZero() {
		t.Errorf("still paused until %s", sub.PausedUntil)
	}
}

func TestPreferencesUnsubscribeAllAndErase(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	e.subscribe(reader, model.Subscription{TopicID: "golang"}, model.Subscription{TopicID: "rust"})
	e.subscribe("other@example.org", model.Subscription{TopicID: "golang"})
	link := e.manageLink(reader)
	page := e.get(link)
	if r := e.post("/preferences/unsubscribe", formValues(t, page.body, "/preferences/unsubscribe"), nil); r.status != http.StatusSeeOther {
		t.Fatalf("unsubscribe = %d", r.status)
	}
	_, subs, _ := e.store.Subscriber(ctx, reader)
	for _, s := range subs {
		if s.Status != model.SubscriptionUnsubscribed {
			t.Errorf("%s = %s", s.TopicID, s.Status)
		}
	}

	// Erase asks first, and the first click deletes nothing.
	page = e.get(link)
	r := e.post("/preferences/erase", formValues(t, page.body, "/preferences/erase"), nil)
	if r.status != 200 || !strings.Contains(r.body, "Erase your address?") || !strings.Contains(r.body, `name="confirm" value="yes"`) {
		t.Fatalf("erase page = %d\n%s", r.status, r.body)
	}
	if _, _, err := e.store.Subscriber(ctx, reader); err != nil {
		t.Fatalf("the first click erased: %v", err)
	}
	r = e.post("/preferences/erase", formValues(t, r.body, "/preferences/erase"), nil)
	if r.status != 200 || !strings.Contains(r.body, "Your address is erased") {
		t.Fatalf("erase = %d\n%s", r.status, r.body)
	}
	if _, _, err := e.store.Subscriber(ctx, reader); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("after erasing: %v", err)
	}
	if _, _, err := e.store.Subscriber(ctx, "other@example.org"); err != nil {
		t.Errorf("another subscriber went too: %v", err)
	}
	// The link now says the address is gone; it makes nothing again.
	if r := e.get(link); r.status != http.StatusGone {
		t.Errorf("GET after erasing = %d", r.status)
	}
	form := e.prefsForm(e.manageLink("other@example.org"))
	form.Set("token", token.Sign(e.secret, token.Claims{Purpose: token.Manage, Email: reader, Expires: e.clock.Now().Add(time.Hour)}))
	if r := e.post("/preferences", form, nil); r.status != http.StatusGone {
		t.Errorf("save after erasing = %d", r.status)
	}
	if _, _, err := e.store.Subscriber(ctx, reader); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a save after erasing brought the address back: %v", err)
	}
}

func TestManageLink(t *testing.T) {
	e := newEnv(t, nil)
	e.subscribe(reader, model.Subscription{TopicID: "golang"})
	index := e.get("/")
	if !strings.Contains(index.body, "Already subscribed?") {
		t.Fatal("the start page does not offer the manage link")
	}
	form := formValues(t, index.body, "/manage-link")
	form.Set("email", reader)
	known := e.post("/manage-link", form, nil)
	form.Set("email", "stranger@example.org")
	unknown := e.post("/manage-link", form, nil)
	if known.status != 200 || known.status != unknown.status ||
		strings.ReplaceAll(known.body, reader, "X") != strings.ReplaceAll(unknown.body, "stranger@example.org", "X") {
		t.Fatalf("known and unknown addresses answered differently: %d, %d\n%s\n%s", known.status, unknown.status, known.body, unknown.body)
	}
	msgs := e.smtp.Messages()
	if len(msgs) != 1 || msgs[0].To[0] != reader {
		t.Fatalf("mails = %+v", msgs)
	}
	body := textBody(t, msgs[0].Data)
	link := regexp.MustCompile(`https?://\S+/preferences\?token=\S+`).FindString(body)
	if !strings.HasPrefix(link, e.srv.URL+"/preferences?token=") {
		t.Fatalf("no manage link in:\n%s", body)
	}
	if r := e.get(strings.TrimPrefix(link, e.srv.URL)); r.status != 200 || !strings.Contains(r.body, "Your subscriptions") {
		t.Errorf("the mailed link = %d", r.status)
	}
	// One mail per address per cooldown, shared with confirmations.
	form.Set("email", reader)
	if r := e.post("/manage-link", form, nil); r.body != known.body {
		t.Errorf("a repeat answered differently")
	}
	if n := len(e.smtp.Messages()); n != 1 {
		t.Errorf("%d mails within the cooldown", n)
	}
	e.clock.Add(confirmCooldown + time.Second)
	e.post("/manage-link", form, nil)
	if n := len(e.smtp.Messages()); n != 2 {
		t.Errorf("%d mails after the cooldown, want 2", n)
	}
	// A bad address is said so, on the start page.
	form.Set("email", "not an address")
	if r := e.post("/manage-link", form, nil); r.status != 400 || !strings.Contains(r.body, "does not look like an e-mail address") || !strings.Contains(r.body, `value="not an address"`) {
		t.Errorf("bad address = %d", r.status)
	}
}

func TestManageLinkRateLimit(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.SubscribeRate = 2 })
	csrf := e.csrfFrom("/", false)
	form := url.Values{"csrf": {csrf}, "email": {"x@example.org"}}
	for i := range 2 {
		if r := e.post("/manage-link", form, nil); r.status != 200 {
			t.Fatalf("request %d = %d", i, r.status)
		}
	}
	r := e.post("/manage-link", form, nil)
	if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") == "" {
		t.Errorf("third request = %d", r.status)
	}
}

// TestManageLinkMailFailure: a relay that is down does not tell who is
// subscribed either; the log says what happened, and asking again tries
// again.
func TestManageLinkMailFailure(t *testing.T) {
	down := fwmail.NewSMTP(fwmail.SMTPOptions{Host: "127.0.0.1", Port: 9, TLS: fwmail.TLSNone, Timeout: 2 * time.Second})
	e := newEnv(t, func(o *Options) { o.Sender = down })
	e.subscribe(reader, model.Subscription{TopicID: "golang"})
	csrf := e.csrfFrom("/", false)
	r := e.post("/manage-link", url.Values{"csrf": {csrf}, "email": {reader}}, nil)
	if r.status != 200 || !strings.Contains(r.body, "Check your mail") {
		t.Errorf("with the relay down = %d", r.status)
	}
	if !strings.Contains(e.logs.String(), "manage link not sent") {
		t.Errorf("the log lacks the failure:\n%s", e.logs.String())
	}
	before := strings.Count(e.logs.String(), "manage link not sent")
	e.post("/manage-link", url.Values{"csrf": {csrf}, "email": {reader}}, nil)
	if after := strings.Count(e.logs.String(), "manage link not sent"); after != before+1 {
		t.Errorf("asking again after a failure made %d attempts, want 1", after-before)
	}
}

// TestConfirmationMailManageLink: the confirmation carries a manage link
// that opens the page, and the confirmed page offers one too.
func TestConfirmationMailManageLink(t *testing.T) {
	e := newEnv(t, nil)
	csrf := e.csrfFrom("/", false)
	e.post("/subscribe", url.Values{"csrf": {csrf}, "email": {reader}, "topic": {"golang"}}, nil)
	msgs := e.smtp.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d mails", len(msgs))
	}
	body := textBody(t, msgs[0].Data)
	if !strings.Contains(body, "Manage your subscription") {
		t.Errorf("the confirmation lacks the manage paragraph:\n%s", body)
	}
	manage := regexp.MustCompile(`https?://\S+/preferences\?token=\S+`).FindString(body)
	r := e.get(strings.TrimPrefix(manage, e.srv.URL))
	if r.status != 200 || !strings.Contains(r.body, "not confirmed: saving confirms it") {
		t.Errorf("manage link from the confirmation = %d\n%s", r.status, r.body)
	}
	r = e.pressConfirm(strings.TrimPrefix(confirmLinkRE.FindString(body), e.srv.URL))
	if r.status != 200 || !strings.Contains(r.body, "Choose when and how often") || !strings.Contains(r.body, "/preferences?token=") {
		t.Errorf("confirmed page = %d\n%s", r.status, r.body)
	}
}

func TestTopicScheduleText(t *testing.T) {
	for _, c := range []struct {
		spec    string
		zoneSet bool
		want    string
	}{
		{"0 7 * * *", false, "The topic's schedule: daily at 07:00."},
		{"30 8 * * 1", true, "The topic's schedule: weekly on Monday at 08:30."},
		{"CRON_TZ=Europe/Moscow 0 9 * * *", false, "The topic's schedule: daily at 09:00 Europe/Moscow time."},
		{"CRON_TZ=Europe/Moscow 0 9 * * *", true, "The topic's schedule: daily at 09:00."}, // in the subscriber's zone
		{"0 7,19 * * *", false, "The topic's schedule: 0 7,19 * * * (cron, server time)."},
		{"@every 3h", true, "The topic's schedule: @every 3h (cron, server time)."},
	} {
		tp := mustTopics(t, "topics:\n  - id: t\n    name: T\n    digest:\n      schedule: \""+c.spec+"\"\n    rules:\n      any: [x]\n").Topics()[0]
		if got := topicScheduleText(tp, c.zoneSet); got != c.want {
			t.Errorf("%q (zone set %v) = %q, want %q", c.spec, c.zoneSet, got, c.want)
		}
	}
}

func TestNextDeliveryText(t *testing.T) {
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	tp := mustTopics(t, testTopics).Topics()[0]
	daily := model.Schedule{Frequency: model.FrequencyDaily, DeliverAt: 9 * 60}
	for _, c := range []struct {
		name string
		sub  model.Subscription
		want string
	}{
		{"daily in Berlin, not placed yet", model.Subscription{TimeZone: "Europe/Berlin", Schedule: daily}, "Saturday 21 November, 09:00 CET"},
		{"placed by the dispatcher", model.Subscription{TimeZone: "Europe/Berlin", Schedule: daily, NextAt: time.Date(2026, 11, 20, 20, 0, 0, 0, time.UTC)}, "Friday 20 November, 21:00 CET"},
		{"instant", model.Subscription{Schedule: model.Schedule{Frequency: model.FrequencyInstant}}, "Soon after each new match"},
		{"instant, paused", model.Subscription{TimeZone: "UTC", Schedule: model.Schedule{Frequency: model.FrequencyInstant}, PausedUntil: now.Add(48 * time.Hour)},
			"After your pause, from Sunday 22 November, 12:00 UTC"},
		{"due during a pause", model.Subscription{TimeZone: "UTC", Schedule: daily, PausedUntil: now.Add(48 * time.Hour)}, "When your pause ends, Sunday 22 November, 12:00 UTC"},
		{"due after a pause", model.Subscription{TimeZone: "UTC", Schedule: daily, PausedUntil: now.Add(time.Hour)}, "Saturday 21 November, 09:00 UTC"},
	} {
		if got := nextDeliveryText(c.sub, tp, now); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

// TestPreferencesZoneCannotBeUnset: a subscriber with a zone chooses
// another, not none.
func TestPreferencesZoneCannotBeUnset(t *testing.T) {
	e := newEnv(t, nil)
	e.subscribe(reader, model.Subscription{TopicID: "golang"})
	if err := e.store.SetSubscriber(context.Background(), reader, store.SubscriberSettings{TimeZone: ptr("Europe/Paris")}); err != nil {
		t.Fatal(err)
	}
	form := e.prefsForm(e.manageLink(reader))
	form.Set("tz", "")
	if r := e.post("/preferences", form, nil); r.status != 400 || !strings.Contains(r.body, "Please choose a time zone from the list.") {
		t.Errorf("unsetting the zone = %d", r.status)
	}
	if sub, _, _ := e.store.Subscriber(context.Background(), reader); sub.TimeZone != "Europe/Paris" {
		t.Errorf("zone = %q", sub.TimeZone)
	}
}
