package store

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/model"
)

func TestSetPreferences(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t)
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return now }
	const email = "a@example.org"
	daily := model.Schedule{Frequency: model.FrequencyDaily, DeliverAt: 8*60 + 30}
	for _, sub := range []model.Subscription{
		{Email: email, TopicID: "kept", Status: model.SubscriptionActive},
		{Email: email, TopicID: "back", Status: model.SubscriptionActive, Schedule: daily},
		{Email: email, TopicID: "pending", Status: model.SubscriptionPending},
		{Email: email, TopicID: "dropped", Status: model.SubscriptionActive},
	} {
		if _, err := s.Subscribe(ctx, sub); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Unsubscribe(ctx, email, "back"); err != nil {
		t.Fatal(err)
	}
	// The dispatcher has placed "kept": its cursor must survive a new schedule.
	if err := s.PlaceSubscriptions(ctx, []Placement{{SubscriberID: 1, TopicID: "kept", CursorSeq: 7, NextAt: now.Add(time.Hour)}}); err != nil {
		t.Fatal(err)
	}

	zone, lang, combine, until := "Asia/Tokyo", "ru", false, now.AddDate(0, 0, 10)
	weekly := model.Schedule{Frequency: model.FrequencyWeekly, DeliverAt: 18 * 60, Weekday: time.Friday, BestOnly: true}
	err := s.SetPreferences(ctx, email, Preferences{
		Settings:    SubscriberSettings{TimeZone: &zone, Lang: &lang, Combine: &combine, PausedUntil: &until},
		Subscribe:   []TopicSchedule{{TopicID: "new", Schedule: model.Schedule{Frequency: model.FrequencyInstant}}, {TopicID: "back"}, {TopicID: "pending", Schedule: daily}},
		Reschedule:  []TopicSchedule{{TopicID: "kept", Schedule: weekly}},
		Unsubscribe: []string{"dropped"},
	})
	if err != nil {
		t.Fatal(err)
	}
	sub, subs, err := s.Subscriber(ctx, email)
	if err != nil {
		t.Fatal(err)
	}
	if sub.TimeZone != zone || sub.Lang != lang || sub.Combine || !sub.PausedUntil.Equal(until) {
		t.Errorf("subscriber = %+v", sub)
	}
	got := map[string]model.Subscription{}
	for _, s := range subs {
		got[s.TopicID] = s
	}
	want := map[string]struct {
		status string
		sch    model.Schedule
		cursor int64
	}{
		"kept":    {model.SubscriptionActive, weekly, 7},
		"new":     {model.SubscriptionActive, model.Schedule{Frequency: model.FrequencyInstant, DeliverAt: 0, Weekday: 0}, Unstarted},
		"back":    {model.SubscriptionActive, model.Schedule{}, Unstarted}, // the topic's schedule again, not daily
		"pending": {model.SubscriptionActive, daily, Unstarted},
		"dropped": {model.SubscriptionUnsubscribed, model.Schedule{}, 0},
	}
	for id, w := range want {
		g, ok := got[id]
		if !ok {
			t.Errorf("%s: no subscription", id)
			continue
		}
		if g.Status != w.status || g.Schedule != w.sch || (w.status == model.SubscriptionActive && g.CursorSeq != w.cursor) {
			t.Errorf("%s = status %s, schedule %+v, cursor %d; want %s, %+v, %d", id, g.Status, g.Schedule, g.CursorSeq, w.status, w.sch, w.cursor)
		}
		if g.Status == model.SubscriptionActive && !g.NextAt.IsZero() {
			t.Errorf("%s: next delivery %s kept; a new schedule or zone is worked out again", id, g.NextAt)
		}
	}
}

// TestSetPreferencesAllOrNothing: a step that fails leaves every change
// of the same save unmade.
func TestSetPreferencesAllOrNothing(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t)
	const email = "a@example.org"
	if _, err := s.Subscribe(ctx, model.Subscription{Email: email, TopicID: "t", Status: model.SubscriptionActive}); err != nil {
		t.Fatal(err)
	}
	zone := "Europe/Paris"
	err := s.SetPreferences(ctx, email, Preferences{
		Settings:   SubscriberSettings{TimeZone: &zone},
		Subscribe:  []TopicSchedule{{TopicID: "u"}},
		Reschedule: []TopicSchedule{{TopicID: "never-subscribed", Schedule: model.Schedule{Frequency: model.FrequencyDaily}}},
	})
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
	sub, subs, err := s.Subscriber(ctx, email)
	if err != nil {
		t.Fatal(err)
	}
	if sub.TimeZone != "" || len(subs) != 1 {
		t.Errorf("a failed save changed things: zone %q, %d subscriptions", sub.TimeZone, len(subs))
	}

	if err := s.SetPreferences(ctx, "nobody@example.org", Preferences{Subscribe: []TopicSchedule{{TopicID: "t"}}}); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown address: err = %v, want ErrNotFound", err)
	}
	if _, _, err := s.Subscriber(ctx, "nobody@example.org"); !errors.Is(err, ErrNotFound) {
		t.Errorf("a save for an unknown address made it: %v", err)
	}
}

func TestEnsureFeedKey(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t)
	const email = "a@example.org"
	if _, err := s.EnsureFeedKey(ctx, email); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown address: %v", err)
	}
	if _, err := s.Subscribe(ctx, model.Subscription{Email: email, TopicID: "t", Status: model.SubscriptionActive}); err != nil {
		t.Fatal(err)
	}
	k1, err := s.EnsureFeedKey(ctx, email)
	if err != nil || len(k1) != 24 {
		t.Fatalf("first key = %q, %v", k1, err)
	}
	if k, err := s.EnsureFeedKey(ctx, email); err != nil || k != k1 {
		t.Errorf("second call = %q, %v; want the same key %q", k, err, k1)
	}
	k2, err := s.RotateFeedKey(ctx, email)
	if err != nil || k2 == k1 || len(k2) != 24 {
		t.Fatalf("rotated = %q, %v", k2, err)
	}
	if k, _ := s.EnsureFeedKey(ctx, email); k != k2 {
		t.Errorf("after rotating = %q, want %q", k, k2)
	}
	if sub, _, _ := s.Subscriber(ctx, email); sub.FeedKey != k2 {
		t.Errorf("Subscriber's key = %q, want %q", sub.FeedKey, k2)
	}
}

// matchItems stores n items of feed url matching topicID with scores
// 1..n, one a minute from start.
func matchItems(t *testing.T, s *Store, url, topicID string, n int, start time.Time) {
	t.Helper()
	var items []model.Item
	var matches [][]model.Match
	for i := 1; i <= n; i++ {
		at := start.Add(time.Duration(i) * time.Minute)
		items = append(items, model.Item{Key: fmt.Sprintf("%s-%d", topicID, i), Title: fmt.Sprintf("%s %d", topicID, i),
			Link: fmt.Sprintf("https://news.example/%s/%d", topicID, i), Summary: "<p>s</p>", Published: at, FetchedAt: at})
		matches = append(matches, []model.Match{{TopicID: topicID, Score: float64(i), Terms: []string{"term", fmt.Sprint(i)}}})
	}
	saveItems(t, s, url, items, matches)
}

func TestUpperQuartileScore(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t)
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return now }
	if q, err := s.UpperQuartileScore(ctx, "t", now.Add(-time.Hour)); err != nil || q != 0 {
		t.Errorf("no matches: %v, %v", q, err)
	}
	matchItems(t, s, "https://a.example/feed", "t", 8, now)
	matchItems(t, s, "https://b.example/feed", "other", 20, now)
	// Scores 1..8: a quarter (two) reach 7.
	if q, err := s.UpperQuartileScore(ctx, "t", now.Add(-time.Hour)); err != nil || q != 7 {
		t.Errorf("8 matches: %v, %v; want 7", q, err)
	}
	if q, _ := s.UpperQuartileScore(ctx, "t", now.Add(time.Hour)); q != 0 {
		t.Errorf("nothing since: %v", q)
	}
}

func TestTopicFeedItems(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t)
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return now }
	matchItems(t, s, "https://a.example/feed", "t", 5, now)
	matchItems(t, s, "https://b.example/feed", "other", 3, now)
	got, err := s.TopicFeedItems(ctx, "t", 3)
	if err != nil {
		t.Fatal(err)
	}
	var titles []string
	for _, mi := range got {
		titles = append(titles, mi.Item.Title)
		if mi.FeedURL != "https://a.example/feed" || mi.Match.TopicID != "t" || len(mi.Match.Terms) != 2 || mi.Match.MatchedAt.IsZero() || mi.Item.Published.IsZero() {
			t.Errorf("entry %+v", mi)
		}
	}
	if fmt.Sprint(titles) != "[t 5 t 4 t 3]" {
		t.Errorf("titles = %v, want the newest three, newest first", titles)
	}
	if got, _ := s.TopicFeedItems(ctx, "none", 50); len(got) != 0 {
		t.Errorf("a topic without matches has %d entries", len(got))
	}
}

func TestChangeSubscription(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t)
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return now }
	const email = "a@example.org"
	name, zone, lang, on := "Ann", "Europe/Berlin", "ru", true
	until := now.AddDate(0, 0, 3)
	daily := model.Schedule{Frequency: model.FrequencyDaily, DeliverAt: 8 * 60}

	if _, err := s.ChangeSubscription(ctx, SubscriptionChange{Email: email, TopicID: "t", Status: model.SubscriptionActive}); !errors.Is(err, ErrNotFound) {
		t.Errorf("a change of a subscription that is not there: %v", err)
	}
	got, err := s.ChangeSubscription(ctx, SubscriptionChange{Email: email, TopicID: "t", Create: true, Status: model.SubscriptionActive,
		Schedule: &daily, Settings: SubscriberSettings{Name: &name, TimeZone: &zone, Lang: &lang, Combine: &on, PausedUntil: &until}})
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != model.SubscriptionActive || got.Schedule != daily || got.Name != name || got.TimeZone != zone || got.Lang != lang ||
		!got.Combine || !got.PausedUntil.Equal(until) || got.CursorSeq != Unstarted || got.ConfirmedAt.IsZero() {
		t.Fatalf("created: %+v", got)
	}
	if err := s.PlaceSubscriptions(ctx, []Placement{{SubscriberID: got.SubscriberID, TopicID: "t", CursorSeq: 4, NextAt: now.Add(time.Hour)}}); err != nil {
		t.Fatal(err)
	}
	// A new schedule and a cleared name and pause: the cursor stays.
	weekly := model.Schedule{Frequency: model.FrequencyWeekly, DeliverAt: 9 * 60, Weekday: time.Friday, BestOnly: true}
	empty, none := "", time.Time{}
	if got, err = s.ChangeSubscription(ctx, SubscriptionChange{Email: email, TopicID: "t", Schedule: &weekly,
		Settings: SubscriberSettings{Name: &empty, PausedUntil: &none}}); err != nil {
		t.Fatal(err)
	}
	if got.Schedule != weekly || got.Name != "" || !got.PausedUntil.IsZero() || got.TimeZone != zone || got.CursorSeq != 4 || !got.NextAt.IsZero() {
		t.Errorf("rescheduled: %+v", got)
	}
	for _, step := range []struct {
		status string
		cursor int64
	}{
		{model.SubscriptionSuspended, 4},
		{model.SubscriptionUnsubscribed, 4},
		{model.SubscriptionActive, Unstarted}, // back: starts afresh
	} {
		if got, err = s.ChangeSubscription(ctx, SubscriptionChange{Email: email, TopicID: "t", Status: step.status}); err != nil {
			t.Fatal(err)
		}
		if got.Status != step.status || got.CursorSeq != step.cursor || got.Schedule != weekly {
			t.Errorf("to %s: %+v", step.status, got)
		}
	}
	// An unsubscribed subscription is not made.
	bad := model.Schedule{Frequency: model.FrequencyDaily}
	if _, err := s.ChangeSubscription(ctx, SubscriptionChange{Email: email, TopicID: "other", Create: true, Status: model.SubscriptionUnsubscribed,
		Schedule: &bad}); !errors.Is(err, ErrNotFound) {
		t.Errorf("creating an unsubscribed subscription: %v", err)
	}
	if subs, _ := s.Subscriptions(ctx); len(subs) != 1 {
		t.Errorf("subscriptions after a refused change: %+v", subs)
	}
}
