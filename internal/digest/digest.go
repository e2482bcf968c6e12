// Package digest sends each subscription its mail when it is due: the
// daily, weekly or topic-scheduled digest at the subscriber's own time in
// their own zone, instant alerts within a poll cycle under an hourly cap,
// one mail for a subscriber's subscriptions that are due together. For each
// mail it selects the matches past the subscription's cursor, groups them
// into stories, orders and cuts them, records each section's archive copy,
// renders one message per subscriber (the part they share once per time
// zone) and queues the messages in the outbox, a chunk of subscribers per
// transaction, moving each subscription's cursor in the same transaction.
// Sending is the deliver package's job.
package digest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/feedwatch/feedwatch/internal/mail"
	"github.com/feedwatch/feedwatch/internal/model"
	"github.com/feedwatch/feedwatch/internal/render"
	"github.com/feedwatch/feedwatch/internal/schedule"
	"github.com/feedwatch/feedwatch/internal/store"
	"github.com/feedwatch/feedwatch/internal/topic"
)

// Options configure building.
type Options struct {
	From string // sender address
	// UnsubscribeMailto receives "unsubscribe" mails (List-Unsubscribe's
	// mailto); empty: the From address.
	UnsubscribeMailto string
	// DKIM, when set, signs every message.
	DKIM    *mail.DKIM
	BaseURL string // web base for archive and unsubscribe links
	Secret  []byte // signs unsubscribe tokens
	// UnsubscribeTTL is how long an unsubscribe link in a mail works.
	UnsubscribeTTL time.Duration
	// AlertsPerHour caps the instant alerts one subscriber is sent in an
	// hour (default DefaultAlertsPerHour); what goes over waits.
	AlertsPerHour int
	// Chunk is how many subscribers' messages are rendered and queued per
	// transaction, and how many new subscriptions are placed per
	// transaction (default DefaultChunk).
	Chunk int
	// Local is the server's zone: topic schedules without CRON_TZ, and
	// subscribers without a zone of their own, run in it (default
	// time.Local).
	Local  *time.Location
	Now    func() time.Time
	Logger *slog.Logger
}

// DefaultChunk bounds what a dispatch holds in memory: about 12 MB of
// messages the size of a busy day's (61 KB), however many subscribers
// there are. Smaller chunks save little next to the rest of the process;
// larger ones cost memory and keep SQLite's one write lock from polling
// and the outbox for longer (about 35 ms for 200 messages) without making
// the build faster (docs/performance.md, "Mail").
const DefaultChunk = 200

// DefaultAlertsPerHour is alerts.max_per_hour's default.
const DefaultAlertsPerHour = 6

// Builder builds and queues subscribers' mails.
type Builder struct {
	store    *store.Store
	renderer *render.Renderer
	opts     Options
	log      *slog.Logger
	// afterChunk, when set, runs after each chunk is committed: tests stop
	// a dispatch there to show that the next one finishes it. afterPlace
	// runs after each chunk of placements, with how many it read.
	afterChunk func(queued int)
	afterPlace func(read int)
	// afterTrim runs after a chunk's caches are trimmed, with what they
	// keep: sections, the most stories and items one holds, and the bytes
	// of shared renders.
	afterTrim func(sections, stories, items, batchBytes int)
	// sharingChecked says, once, at the first mail rendered, why every
	// copy is rendered in full if it is: the check renders sample mails,
	// which a command that renders none (a preview, a quiet dispatch)
	// need not pay for.
	sharingChecked sync.Once
	// zones caches loaded time zones by name: loading one reads the zone
	// database.
	zones sync.Map
	// groupers are the topics' story groupers (see placeStories).
	groupMu  sync.Mutex
	groupers map[string]*grouperState
}

// New returns a Builder.
func New(st *store.Store, r *render.Renderer, opts Options) *Builder {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.UnsubscribeTTL <= 0 {
		// As long as anyone keeps a mail: an unsubscribe link that stops
		// working is a reason to press "report spam" instead.
		opts.UnsubscribeTTL = 10 * 365 * 24 * time.Hour
	}
	if opts.Chunk <= 0 {
		opts.Chunk = DefaultChunk
	}
	if opts.AlertsPerHour <= 0 {
		opts.AlertsPerHour = DefaultAlertsPerHour
	}
	if opts.Local == nil {
		opts.Local = time.Local
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Builder{store: st, renderer: r, opts: opts, log: opts.Logger, groupers: map[string]*grouperState{}}
}

// Result says what a dispatch did.
type Result struct {
	Mails int // queued in the outbox
	// Moved counts subscriptions that moved on without a mail: nothing
	// new, or nothing strong enough.
	Moved int
	// Lost counts mails left out because their subscription had moved in
	// the meantime (another dispatcher, an unsubscribe): nothing is sent
	// twice, and nothing is lost, since the next dispatch plans again.
	Lost int
	// Topics counts, per topic, the mails that carried a section of it.
	Topics map[string]int
}

// Dispatch queues every mail that is due at now: each subscription whose
// scheduled time has come, and each instant one with new matches under the
// hourly cap. With topicID set, only that topic's subscriptions. A
// subscriber's subscriptions that are due together share one mail unless
// they turned that off. Mails are queued a chunk of subscribers per
// transaction with the subscriptions' new cursors, so a dispatch that stops
// part way (killed, ctx ended, a chunk failed) leaves the rest due, and the
// next one sends them.
func (b *Builder) Dispatch(ctx context.Context, set *topic.Set, topicID string) (Result, error) {
	return b.dispatch(ctx, set, topicID, false)
}

// DispatchNow is Dispatch with every active subscription due: scheduled
// ones get what has come since their last mail now, and their schedule
// stays as it was. It is `feedwatch digest --now`.
func (b *Builder) DispatchNow(ctx context.Context, set *topic.Set, topicID string) (Result, error) {
	return b.dispatch(ctx, set, topicID, true)
}

func (b *Builder) dispatch(ctx context.Context, set *topic.Set, topicID string, now bool) (Result, error) {
	res := Result{Topics: map[string]int{}}
	at := b.opts.Now().UTC()
	topics, err := b.topicStates(ctx, set, topicID)
	if err != nil {
		return res, err
	}
	if err := b.place(ctx, topics, at); err != nil {
		return res, err
	}
	for _, t := range topics {
		if err := b.placeStories(ctx, t); err != nil {
			return res, err
		}
	}
	run := &run{b: b, at: at, topics: topics, sections: map[sectionKey]*plannedSection{}, batches: map[string]*render.Batch{}}
	for _, next := range b.duePages(at, now) {
		for {
			if err := ctx.Err(); err != nil {
				return res, err
			}
			subs, err := next(ctx)
			if err != nil {
				return res, err
			}
			if len(subs) == 0 {
				break
			}
			if err := run.chunk(ctx, subs, &res); err != nil {
				return res, err
			}
		}
	}
	return res, nil
}

// duePage returns the next chunk of a dispatch's due subscriptions, none
// at the end.
type duePage func(context.Context) ([]model.Subscription, error)

// duePages returns what a dispatch at at reads its chunks from. The
// dispatch that runs every minute finds the few that are due through the
// store's indexes, alerts and then digests; `digest --now` (now) walks
// every subscriber, since every one is due.
func (b *Builder) duePages(at time.Time, now bool) []duePage {
	if now {
		var after int64
		return []duePage{func(ctx context.Context) ([]model.Subscription, error) {
			subs, err := b.store.DueSubscriptions(ctx, at.AddDate(100, 0, 0), int(^uint(0)>>1), after, b.opts.Chunk)
			if len(subs) > 0 {
				after = subs[len(subs)-1].SubscriberID
			}
			return subs, err
		}}
	}
	var afterAlert int64
	var afterDigest store.DigestKey
	return []duePage{
		func(ctx context.Context) ([]model.Subscription, error) {
			subs, err := b.store.DueAlerts(ctx, at, b.opts.AlertsPerHour, afterAlert, b.opts.Chunk)
			if len(subs) > 0 {
				afterAlert = subs[len(subs)-1].SubscriberID
			}
			return subs, err
		},
		func(ctx context.Context) ([]model.Subscription, error) {
			subs, err := b.store.DueDigests(ctx, at, afterDigest, b.opts.Chunk)
			if len(subs) > 0 {
				last := subs[len(subs)-1]
				afterDigest = store.DigestKey{NextAt: last.NextAt, SubscriberID: last.SubscriberID}
			}
			return subs, err
		},
	}
}

// chunk plans, renders and records the mails of one chunk of due
// subscriptions, in one transaction, and counts them in res.
func (r *run) chunk(ctx context.Context, subs []model.Subscription, res *Result) error {
	b := r.b
	var mailings []store.Mailing
	var planned []plannedMail
	for _, group := range mailGroups(subs, r.topics) {
		m, pm, err := r.mailing(ctx, group)
		if err != nil {
			return fmt.Errorf("mail to %s: %w", group[0].Email, err)
		}
		mailings = append(mailings, m)
		planned = append(planned, pm)
	}
	queued, err := b.store.RecordMailings(ctx, mailings)
	if err != nil {
		return err
	}
	res.Mails += queued
	for i, m := range mailings {
		if m.Delivery == nil {
			res.Moved += len(m.Moves)
			continue
		}
		for _, t := range planned[i].topics {
			res.Topics[t]++
		}
	}
	res.Lost += countMails(mailings) - queued
	if b.afterChunk != nil {
		b.afterChunk(res.Mails)
	}
	// A chunk's sections and renders serve the next chunk only when
	// its subscribers stand where these did; the first chunks of a
	// large list usually do, so the caches stay, but bounded.
	r.trim()
	return nil
}

func countMails(ms []store.Mailing) int {
	n := 0
	for _, m := range ms {
		if m.Delivery != nil {
			n++
		}
	}
	return n
}

// topicState is what a dispatch knows of one topic: its settings, its
// newest match when the dispatch began, and, once a subscription that
// wants only the strongest asks, what counts as strongest.
type topicState struct {
	topic.Topic
	order int // in the topics file: sections come in this order
	toSeq int64
	best  *float64
}

// bestScore is t's score for the strongest matches, worked out once per
// dispatch.
func (b *Builder) topicBest(ctx context.Context, t *topicState) (float64, error) {
	if t.best == nil {
		v, err := b.bestScore(ctx, t.Topic)
		if err != nil {
			return 0, err
		}
		t.best = &v
	}
	return *t.best, nil
}

func (b *Builder) topicStates(ctx context.Context, set *topic.Set, only string) (map[string]*topicState, error) {
	out := map[string]*topicState{}
	for i, t := range set.Topics() {
		if only != "" && t.ID != only {
			continue
		}
		to, err := b.store.TopicMaxSeq(ctx, t.ID)
		if err != nil {
			return nil, err
		}
		out[t.ID] = &topicState{Topic: t, order: i, toSeq: to}
	}
	if only != "" && len(out) == 0 {
		return nil, fmt.Errorf("topic %q: %w", only, topic.ErrUnknownTopic)
	}
	return out, nil
}

// bestScore is the score at or above which t's matches are among its
// strongest.
func (b *Builder) bestScore(ctx context.Context, t topic.Topic) (float64, error) {
	return b.store.StrongestScore(ctx, t.ID, t.Digest.BestScore, b.opts.Now())
}

// mailGroups splits a chunk's due subscriptions into mails: per
// subscriber, those due together share one when the subscriber combines
// (instant ones together, scheduled ones due at the same time), each has
// its own otherwise. Subscriptions of topics not in the dispatch are left
// for another.
func mailGroups(subs []model.Subscription, topics map[string]*topicState) [][]model.Subscription {
	var out [][]model.Subscription
	index := map[string]int{}
	for _, s := range subs {
		if _, ok := topics[s.TopicID]; !ok {
			continue
		}
		key := fmt.Sprintf("%d/%s/%s", s.SubscriberID, alertOrDigest(s), s.NextAt.Format(time.RFC3339))
		if !s.Combine {
			key += "/" + s.TopicID
		}
		if i, ok := index[key]; ok {
			out[i] = append(out[i], s)
			continue
		}
		index[key] = len(out)
		out = append(out, []model.Subscription{s})
	}
	for _, g := range out {
		sort.SliceStable(g, func(i, j int) bool { return topics[g[i].TopicID].order < topics[g[j].TopicID].order })
	}
	return out
}

func alertOrDigest(s model.Subscription) string {
	if s.Frequency == model.FrequencyInstant {
		return model.KindAlert
	}
	return model.KindDigest
}

// delivery is the subscription's schedule as the schedule package reads it.
func (b *Builder) delivery(s model.Subscription, t topic.Topic) schedule.Delivery {
	return schedule.Delivery{Schedule: s.Schedule, Zone: s.TimeZone, TopicSpec: t.Digest.Schedule, Local: b.opts.Local}
}

// NextDelivery returns when sub's next mail is due (zero for instant
// subscriptions): for the preferences page and `subscribers list`.
func (b *Builder) NextDelivery(sub model.Subscription, t topic.Topic) time.Time {
	if sub.Frequency == model.FrequencyInstant {
		return time.Time{}
	}
	if !sub.NextAt.IsZero() {
		return sub.NextAt
	}
	return b.delivery(sub, t).NextDelivery(b.opts.Now())
}

// place works out the cursor of each subscription that has just become
// active (the topic's matches of its look-back before it did) and the next
// delivery time of each new or rescheduled one. They are read and placed
// a chunk at a time, each chunk in a transaction: a day's sign-ups are
// few, but the upgrade to per-subscription schedules left every
// subscription to place, and so does a list of subscribers added at once.
func (b *Builder) place(ctx context.Context, topics map[string]*topicState, now time.Time) error {
	var after store.SubscriptionKey
	for {
		subs, err := b.store.UnplacedSubscriptions(ctx, after, b.opts.Chunk)
		if err != nil || len(subs) == 0 {
			return err
		}
		after = store.KeyOf(subs[len(subs)-1])
		var ps []store.Placement
		for _, s := range subs {
			t, ok := topics[s.TopicID]
			if !ok {
				continue
			}
			p := store.Placement{SubscriberID: s.SubscriberID, TopicID: s.TopicID, CursorSeq: s.CursorSeq}
			if s.CursorSeq < 0 {
				if p.CursorSeq, err = b.startCursor(ctx, s, t.Topic, now); err != nil {
					return err
				}
			}
			if s.Frequency != model.FrequencyInstant && s.NextAt.IsZero() {
				// A paused subscription's next mail is the first after the pause.
				p.NextAt = b.delivery(s, t.Topic).NextDelivery(maxTime(now, s.PausedUntil))
			}
			ps = append(ps, p)
		}
		if err := b.store.PlaceSubscriptions(ctx, ps); err != nil {
			return err
		}
		if b.afterPlace != nil {
			b.afterPlace(len(subs))
		}
	}
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// startCursor is where a subscription that has just become active starts:
// after the topic's matches made before its look-back ended at that time,
// so that the first mail carries the matches of one look-back period.
func (b *Builder) startCursor(ctx context.Context, s model.Subscription, t topic.Topic, now time.Time) (int64, error) {
	return b.store.MatchSeqBefore(ctx, t.ID, periodStart(model.Subscription{ChangedAt: s.ChangedAt}, t, now))
}

// nextAfter is the next scheduled time of a subscription mailed at now:
// the next one after now once its time has come, the same one when it was
// sent early (DispatchNow), and none for instant ones.
func (b *Builder) nextAfter(s model.Subscription, t topic.Topic, now time.Time) time.Time {
	if s.Frequency == model.FrequencyInstant {
		return time.Time{}
	}
	if s.NextAt.After(now) {
		return s.NextAt
	}
	return b.delivery(s, t).NextDelivery(now)
}

// errNoRecipient is returned for a mail planned with no subscriptions.
var errNoRecipient = errors.New("no subscription")

// listID is the RFC 2919 list identifier: the topic ids (or "digest" for
// a mail of several) under the web host.
func listID(topicIDs []string, baseURL string) string {
	id := "digest"
	if len(topicIDs) == 1 {
		id = topicIDs[0]
	}
	host := "feedwatch.localhost"
	if h := webHost(baseURL); h != "" {
		host = h
	}
	return id + "." + host
}

// listName is the List-Id's phrase.
func listName(names []string) string {
	return strings.Join(names, ", ")
}

// SkipMissed gives every scheduled subscription whose time passed while
// feedwatch was not running its next time after now, without sending
// anything: what digest.send_missed off asks for. Its matches wait for that
// mail. It returns how many it moved.
func (b *Builder) SkipMissed(ctx context.Context, set *topic.Set) (int, error) {
	now := b.opts.Now().UTC()
	n := 0
	var after store.SubscriptionKey
	for {
		// A page at a time: after a long stop, every scheduled
		// subscription is overdue.
		subs, err := b.store.OverdueSubscriptions(ctx, now, after, b.opts.Chunk)
		if err != nil || len(subs) == 0 {
			return n, err
		}
		after = store.KeyOf(subs[len(subs)-1])
		for _, s := range subs {
			t, ok := set.Topic(s.TopicID)
			if !ok {
				continue
			}
			if err := b.store.Reschedule(ctx, s.SubscriberID, s.TopicID, s.NextAt, b.delivery(s, t).NextDelivery(now)); err != nil {
				return n, err
			}
			n++
		}
	}
}

// Waiting counts the matches waiting for sub's next mail: past its cursor
// (where the next dispatch would place it, for one not placed yet), and
// only the strongest for a subscription that wants those.
func (b *Builder) Waiting(ctx context.Context, sub model.Subscription, t topic.Topic) (int, error) {
	cursor := sub.CursorSeq
	if cursor < 0 {
		var err error
		if cursor, err = b.startCursor(ctx, sub, t, b.opts.Now().UTC()); err != nil {
			return 0, err
		}
	}
	minScore := 0.0
	if sub.BestOnly {
		var err error
		if minScore, err = b.bestScore(ctx, t); err != nil {
			return 0, err
		}
	}
	return b.store.PendingMatches(ctx, t.ID, cursor, minScore)
}
