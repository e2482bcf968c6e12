package service

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/feedwatch/feedwatch/internal/mailaddr"
	"github.com/feedwatch/feedwatch/internal/model"
	"github.com/feedwatch/feedwatch/internal/schedule"
	"github.com/feedwatch/feedwatch/internal/store"
	"github.com/feedwatch/feedwatch/internal/topic"
)

// SubscriptionFilter selects subscriptions; zero fields select all.
type SubscriptionFilter struct {
	TopicID string
	Status  string
	Email   string // this address only
}

// Subscriptions lists subscriptions by address then topic. A topic that
// is neither in the topics file nor has subscriptions is a typo: Invalid.
func (s *Service) Subscriptions(ctx context.Context, f SubscriptionFilter) ([]model.Subscription, error) {
	switch f.Status {
	case "", model.SubscriptionActive, model.SubscriptionPending, model.SubscriptionUnsubscribed, model.SubscriptionSuspended:
	default:
		return nil, invalid("status", "status %q is not one of active, pending, unsubscribed, suspended", f.Status)
	}
	all, err := s.st.Subscriptions(ctx)
	if err != nil {
		return nil, err
	}
	var out []model.Subscription
	known := f.TopicID == ""
	for _, sub := range all {
		if f.TopicID != "" && sub.TopicID == f.TopicID {
			known = true
		}
		if (f.TopicID == "" || sub.TopicID == f.TopicID) && (f.Status == "" || sub.Status == f.Status) &&
			(f.Email == "" || strings.EqualFold(sub.Email, strings.TrimSpace(f.Email))) {
			out = append(out, sub)
		}
	}
	if !known {
		if err := s.checkTopic(f.TopicID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Subscription returns email's subscription to topicID.
func (s *Service) Subscription(ctx context.Context, email, topicID string) (model.Subscription, error) {
	sub, err := s.st.Subscription(ctx, email, topicID)
	return sub, wrapStore(err, fmt.Sprintf("subscription of %s to %s", strings.TrimSpace(email), topicID))
}

func (s *Service) checkTopic(id string) error {
	set := s.opts.Topics()
	if _, ok := set.Topic(id); ok {
		return nil
	}
	var ids []string
	for _, t := range set.Topics() {
		ids = append(ids, t.ID)
	}
	return invalid("topic", "unknown topic %q (topics: %s)", id, strings.Join(ids, ", "))
}

// Languages are those a subscriber may ask to head a story with: the ones
// internal/story tells apart.
var Languages = []string{"en", "ru"}

// SubscriberInput is a subscriber's own settings, shared by all its
// subscriptions. Nil fields keep what is stored; a new subscriber has no
// name, the server's zone, any language, one mail for the subscriptions
// due together and no pause.
type SubscriberInput struct {
	Name *string
	// TimeZone is an IANA name ("Europe/Berlin") for delivery times and
	// the times in mails; "" is the server's zone.
	TimeZone *string
	// Lang is the language whose report heads a story that has one (see
	// Languages); "" is any.
	Lang *string
	// Combine puts the subscriptions due together into one mail.
	Combine *bool
	// PausedUntil holds every mail back until the start of a day
	// (YYYY-MM-DD, in the subscriber's zone) or an RFC 3339 time; the
	// matches wait. "" ends a pause.
	PausedUntil *string
}

// ScheduleInput is when and how much one subscription receives. Nil
// fields keep what is stored; a new subscription follows its topic's
// schedule with every match.
type ScheduleInput struct {
	// Frequency is topic (or ""), instant, daily or weekly.
	Frequency *string
	// DeliverAt is HH:MM in the subscriber's zone, for daily and weekly.
	// A subscription that becomes daily or weekly without one starts at
	// its topic's time when the topic runs daily or weekly, else at 07:00.
	DeliverAt *string
	// Weekday is mon … sun, for weekly (default: the topic's day, else
	// Monday).
	Weekday *string
	// BestOnly keeps only matches at or above the topic's best_score.
	BestOnly *bool
}

// SubscriptionInput is one address's subscription to one topic as the
// operator sets it, with the subscriber's own settings.
type SubscriptionInput struct {
	Email   string
	TopicID string
	// Status for SetSubscription: active, unsubscribed or suspended; ""
	// keeps it.
	Status     string
	Subscriber SubscriberInput
	Schedule   ScheduleInput
}

// checkAddress normalises the address and checks the topic.
func (s *Service) checkAddress(in *SubscriptionInput) (topic.Topic, error) {
	addr, err := mailaddr.Parse(in.Email)
	if err != nil {
		return topic.Topic{}, &Error{Kind: Invalid, Field: "email", Msg: err.Error(), Err: err}
	}
	in.Email = addr
	if in.TopicID == "" {
		return topic.Topic{}, invalid("topic", "a topic is needed")
	}
	if err := s.checkTopic(in.TopicID); err != nil {
		return topic.Topic{}, err
	}
	t, _ := s.opts.Topics().Topic(in.TopicID)
	return t, nil
}

// settings checks in and turns it into the store's settings. zone is the
// subscriber's stored zone, in which a pause's date is read unless in
// changes it.
func (s *Service) settings(in SubscriberInput, zone string) (store.SubscriberSettings, error) {
	var set store.SubscriberSettings
	if in.Name != nil {
		name := strings.TrimSpace(*in.Name)
		if len(name) > 200 {
			return set, invalid("name", "name longer than 200 characters")
		}
		set.Name = &name
	}
	if in.TimeZone != nil {
		z := strings.TrimSpace(*in.TimeZone)
		if z != "" {
			if _, err := time.LoadLocation(z); err != nil || z == "Local" {
				return set, invalid("time_zone", "time zone %q: not a known IANA zone (e.g. Europe/Berlin)", z)
			}
		}
		set.TimeZone, zone = &z, z
	}
	if in.Lang != nil {
		l := strings.ToLower(strings.TrimSpace(*in.Lang))
		if l != "" && !slices.Contains(Languages, l) {
			return set, invalid("lang", "language %q: want one of %s, or none for any", l, strings.Join(Languages, ", "))
		}
		set.Lang = &l
	}
	set.Combine = in.Combine
	if in.PausedUntil != nil {
		until, err := s.pauseUntil(*in.PausedUntil, zone)
		if err != nil {
			return set, err
		}
		set.PausedUntil = &until
	}
	return set, nil
}

// pauseUntil reads a pause's end: a date, whose start in zone (the
// server's when empty) it is, or an RFC 3339 time; "" (no pause) is the
// zero time.
func (s *Service) pauseUntil(v, zone string) (time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, nil
	}
	loc := time.Local
	if zone != "" {
		if l, err := time.LoadLocation(zone); err == nil {
			loc = l
		}
	}
	until, err := time.Parse(time.RFC3339, v)
	if err != nil {
		if until, err = time.ParseInLocation(time.DateOnly, v, loc); err != nil {
			return time.Time{}, invalid("paused_until", "pause until %q: want a date (2026-12-24) or an RFC 3339 time, or nothing to end the pause", v)
		}
	}
	if !until.After(s.now()) {
		return time.Time{}, invalid("paused_until", "pause until %q: that is not in the future", v)
	}
	return until, nil
}

// applySchedule applies in to cur, the stored schedule (the zero one for a new
// subscription), for topic t.
func applySchedule(t topic.Topic, cur model.Schedule, in ScheduleInput) (model.Schedule, error) {
	next := cur
	if in.Frequency != nil {
		f := strings.ToLower(strings.TrimSpace(*in.Frequency))
		if f == FrequencyTopic {
			f = model.FrequencyTopic
		}
		switch f {
		case model.FrequencyTopic, model.FrequencyInstant, model.FrequencyDaily, model.FrequencyWeekly:
		default:
			return cur, invalid("frequency", "frequency %q: want topic, instant, daily or weekly", f)
		}
		next.Frequency = f
	}
	timed := func(f string) bool { return f == model.FrequencyDaily || f == model.FrequencyWeekly }
	// A subscription that comes to a time or a day of its own starts at
	// its topic's, as the preferences page offers.
	fromTopic, _, topicTimed := schedule.FromSpec(t.Digest.Schedule)
	if timed(next.Frequency) && !timed(cur.Frequency) {
		next.DeliverAt = 7 * 60
		if topicTimed {
			next.DeliverAt = fromTopic.DeliverAt
		}
	}
	if next.Frequency == model.FrequencyWeekly && cur.Frequency != model.FrequencyWeekly {
		next.Weekday = time.Monday
		if topicTimed && fromTopic.Frequency == model.FrequencyWeekly {
			next.Weekday = fromTopic.Weekday
		}
	}
	if in.DeliverAt != nil {
		m, ok := schedule.ParseClock(*in.DeliverAt)
		switch {
		case !ok:
			return cur, invalid("deliver_at", "delivery time %q: want HH:MM, e.g. 07:30", *in.DeliverAt)
		case !timed(next.Frequency):
			return cur, invalid("deliver_at", "a delivery time goes with frequency daily or weekly")
		}
		next.DeliverAt = m
	}
	if in.Weekday != nil {
		d, ok := schedule.ParseWeekday(*in.Weekday)
		switch {
		case !ok:
			return cur, invalid("weekday", "weekday %q: want mon, tue, wed, thu, fri, sat or sun", *in.Weekday)
		case next.Frequency != model.FrequencyWeekly:
			return cur, invalid("weekday", "a weekday goes with frequency weekly")
		}
		next.Weekday = d
	}
	if in.BestOnly != nil {
		next.BestOnly = *in.BestOnly
	}
	return next, nil
}

// FrequencyTopic is how the command line, the pages and the API name
// model.FrequencyTopic, the topic's own schedule.
const FrequencyTopic = "topic"

// FrequencyName is a schedule's frequency as the API writes it.
func FrequencyName(f string) string {
	if f == model.FrequencyTopic {
		return FrequencyTopic
	}
	return f
}

// ScheduleTimes are a schedule's time (HH:MM) and day (mon … sun) as
// forms and the API write them, each empty where the frequency has none.
func ScheduleTimes(sch model.Schedule) (deliverAt, weekday string) {
	switch sch.Frequency {
	case model.FrequencyWeekly:
		weekday = schedule.DayName(sch.Weekday)
		fallthrough
	case model.FrequencyDaily:
		deliverAt = schedule.Clock(sch.DeliverAt)
	}
	return deliverAt, weekday
}

// zoneOf is email's stored zone, "" when it has no subscriber row yet.
func (s *Service) zoneOf(ctx context.Context, email string) (string, error) {
	sub, _, err := s.st.Subscriber(ctx, email)
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	}
	return sub.TimeZone, err
}

// Subscribe subscribes an address, active at once: the operator vouches
// for it, so there is no confirmation mail. An existing subscription is
// made active (starting afresh when it was not) and takes the schedule and
// settings given.
func (s *Service) Subscribe(ctx context.Context, in SubscriptionInput) (model.Subscription, error) {
	t, err := s.checkAddress(&in)
	if err != nil {
		return model.Subscription{}, err
	}
	cur, err := s.st.Subscription(ctx, in.Email, in.TopicID)
	found := err == nil
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return model.Subscription{}, err
	}
	zone := cur.TimeZone
	if !found {
		if zone, err = s.zoneOf(ctx, in.Email); err != nil {
			return model.Subscription{}, err
		}
	}
	set, err := s.settings(in.Subscriber, zone)
	if err != nil {
		return model.Subscription{}, err
	}
	sch, err := applySchedule(t, cur.Schedule, in.Schedule)
	if err != nil {
		return model.Subscription{}, err
	}
	change := store.SubscriptionChange{Email: in.Email, TopicID: in.TopicID, Create: true, Status: model.SubscriptionActive, Settings: set}
	if !found || sch != cur.Schedule {
		change.Schedule = &sch
	}
	sub, err := s.st.ChangeSubscription(ctx, change)
	if err != nil {
		return sub, err
	}
	s.record(ctx, "subscriber.add", sub.Email, describe(sub))
	return sub, nil
}

// SetSubscription changes an existing subscription: its status, its
// schedule and the subscriber's settings, together.
func (s *Service) SetSubscription(ctx context.Context, in SubscriptionInput) (model.Subscription, error) {
	t, err := s.checkAddress(&in)
	if err != nil {
		return model.Subscription{}, err
	}
	cur, err := s.st.Subscription(ctx, in.Email, in.TopicID)
	if err != nil {
		return cur, wrapStore(err, fmt.Sprintf("subscription of %s to %s", in.Email, in.TopicID))
	}
	switch in.Status {
	case "", cur.Status, model.SubscriptionActive, model.SubscriptionUnsubscribed, model.SubscriptionSuspended:
	default:
		return cur, invalid("status", "status %q is not one of active, unsubscribed, suspended", in.Status)
	}
	set, err := s.settings(in.Subscriber, cur.TimeZone)
	if err != nil {
		return cur, err
	}
	sch, err := applySchedule(t, cur.Schedule, in.Schedule)
	if err != nil {
		return cur, err
	}
	change := store.SubscriptionChange{Email: in.Email, TopicID: in.TopicID, Status: in.Status, Settings: set}
	if sch != cur.Schedule {
		change.Schedule = &sch
	}
	sub, err := s.st.ChangeSubscription(ctx, change)
	if err != nil {
		return sub, wrapStore(err, fmt.Sprintf("subscription of %s to %s", in.Email, in.TopicID))
	}
	s.record(ctx, "subscription.edit", sub.Email, describe(sub))
	return sub, nil
}

// SetSubscriber changes an address's own settings, which all its
// subscriptions share.
func (s *Service) SetSubscriber(ctx context.Context, email string, in SubscriberInput) (model.Subscriber, error) {
	cur, _, err := s.st.Subscriber(ctx, email)
	if err != nil {
		return cur, wrapStoreField(err, "email", fmt.Sprintf("subscriber %s", strings.TrimSpace(email)))
	}
	set, err := s.settings(in, cur.TimeZone)
	if err != nil {
		return cur, err
	}
	if err := s.st.SetSubscriber(ctx, cur.Email, set); err != nil {
		return cur, err
	}
	sub, _, err := s.st.Subscriber(ctx, cur.Email)
	if err != nil {
		return sub, err
	}
	s.record(ctx, "subscriber.edit", sub.Email, describeSubscriber(sub.TimeZone, sub.Lang, sub.Combine, sub.PausedUntil))
	return sub, nil
}

// describe says a subscription for the activity log.
func describe(sub model.Subscription) string {
	out := fmt.Sprintf("%s: %s, %s", sub.TopicID, sub.Status, schedule.Describe(sub.Schedule))
	if d := describeSubscriber(sub.TimeZone, sub.Lang, sub.Combine, sub.PausedUntil); d != "" {
		out += "; " + d
	}
	return out
}

func describeSubscriber(zone, lang string, combine bool, paused time.Time) string {
	var parts []string
	if zone != "" {
		parts = append(parts, "zone "+zone)
	}
	if lang != "" {
		parts = append(parts, "language "+lang)
	}
	if combine {
		parts = append(parts, "combined mail")
	}
	if !paused.IsZero() {
		parts = append(parts, "paused until "+paused.UTC().Format(time.RFC3339))
	}
	return strings.Join(parts, ", ")
}

// Unsubscribe ends an address's subscription to topicID, or to every
// topic when topicID is empty, and reports how many changed.
func (s *Service) Unsubscribe(ctx context.Context, email, topicID string) (int, error) {
	n, err := s.st.Unsubscribe(ctx, email, topicID)
	if err != nil {
		return 0, err
	}
	if n == 0 {
		to := ""
		if topicID != "" {
			to = " to " + topicID
		}
		return 0, &Error{Kind: NotFound, Field: "email", Msg: fmt.Sprintf("%s has no active subscription%s", email, to)}
	}
	s.record(ctx, "subscriber.remove", strings.TrimSpace(email), topicID)
	return n, nil
}

// EraseSubscriber deletes an address with its subscriptions and queued
// mail (an erasure request).
func (s *Service) EraseSubscriber(ctx context.Context, email string) error {
	if err := s.st.RemoveSubscriber(ctx, email); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return &Error{Kind: NotFound, Field: "email", Msg: fmt.Sprintf("subscriber %s not found", email), Err: err}
		}
		return err
	}
	// The address itself is what was erased: the log keeps no copy.
	if err := s.st.RedactActivity(ctx, strings.TrimSpace(email), erased); err != nil {
		return err
	}
	s.record(ctx, "subscriber.erase", erased, "")
	return nil
}

// erased stands for an erased address in the activity log.
const erased = "(erased address)"

// ExportSubscriptionsCSV writes the subscriptions f selects as CSV with a
// header row.
func (s *Service) ExportSubscriptionsCSV(ctx context.Context, w io.Writer, f SubscriptionFilter) error {
	subs, err := s.Subscriptions(ctx, f)
	if err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"email", "name", "topic", "status", "time_zone", "created_at", "confirmed_at", "changed_at",
		"frequency", "deliver_at", "weekday", "best_only", "lang", "combine", "paused_until"})
	for _, sub := range subs {
		at, day := ScheduleTimes(sub.Schedule)
		_ = cw.Write([]string{csvSafe(sub.Email), csvSafe(sub.Name), sub.TopicID, sub.Status, sub.TimeZone,
			stamp(sub.CreatedAt), stamp(sub.ConfirmedAt), stamp(sub.ChangedAt),
			FrequencyName(sub.Frequency), at, day, strconv.FormatBool(sub.BestOnly), sub.Lang, strconv.FormatBool(sub.Combine), stamp(sub.PausedUntil)})
	}
	cw.Flush()
	return cw.Error()
}

// csvSafe keeps a spreadsheet from reading a cell as a formula (CSV
// injection): names come from strangers.
func csvSafe(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
