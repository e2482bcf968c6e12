// Package digest builds topics' digests: it selects the matches made since
// the topic's previous digest, merges copies of one story from several
// feeds, orders and cuts the list, records the digest, then renders one
// message per subscriber (the part they share once per time zone) and
// queues them in the outbox a chunk at a time, resuming a digest whose
// build was cut short. Sending is the deliver package's job.
package digest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	netmail "net/mail"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/feedwatch/feedwatch/internal/mail"
	"github.com/feedwatch/feedwatch/internal/model"
	"github.com/feedwatch/feedwatch/internal/render"
	"github.com/feedwatch/feedwatch/internal/store"
	"github.com/feedwatch/feedwatch/internal/token"
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
	// Chunk is how many subscribers' messages are rendered and queued per
	// transaction (default DefaultChunk).
	Chunk  int
	Now    func() time.Time
	Logger *slog.Logger
}

// DefaultChunk bounds what a build holds in memory: about 12 MB of
// messages the size of a busy day's (61 KB), however many subscribers
// there are. Smaller chunks save little next to the rest of the process;
// larger ones cost memory and keep SQLite's one write lock from polling
// and the outbox for longer (about 35 ms for 200 messages) without making
// the build faster (docs/performance.md, "Mail").
const DefaultChunk = 200

// Builder builds digests.
type Builder struct {
	store    *store.Store
	renderer *render.Renderer
	opts     Options
	log      *slog.Logger
	// afterChunk, when set, runs after each chunk is committed: tests stop
	// a build there to show that the next one finishes it.
	afterChunk func(queued int)
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
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if err := r.SharedRendering(); err != nil {
		// Still correct, only slower: said once so an operator who
		// changed a template knows why digests take longer.
		opts.Logger.Warn("every digest message is rendered in full", "error", err)
	}
	return &Builder{store: st, renderer: r, opts: opts, log: opts.Logger}
}

// Plan is the content of a topic's next digest, before rendering.
type Plan struct {
	Topic       topic.Topic
	FromSeq     int64
	ToSeq       int64
	PeriodStart time.Time
	PeriodEnd   time.Time
	Items       []render.Item // merged, ordered and cut to the maximum
	Total       int           // stories before the cut
	More        int           // stories cut
	// DigestID is the recorded digest this plan finishes, when a build of
	// it was cut short; 0 for a new digest.
	DigestID int64
}

// Plan selects what topic's next digest holds. It reads a snapshot and
// changes nothing. When an earlier build stopped before every subscriber's
// message was queued, the next digest is that one: it is planned again over
// the range of matches it recorded, which gives the same stories, so that
// the subscribers still waiting for it get what the others got.
func (b *Builder) Plan(ctx context.Context, t topic.Topic) (Plan, error) {
	inc, err := b.store.IncompleteDigest(ctx, t.ID)
	switch {
	case err == nil:
		p := Plan{Topic: t, FromSeq: inc.FromSeq, ToSeq: inc.ToSeq, PeriodStart: inc.Digest.PeriodStart,
			PeriodEnd: inc.Digest.PeriodEnd, DigestID: inc.Digest.ID}
		return b.fillStories(ctx, p)
	case !errors.Is(err, store.ErrNotFound):
		return Plan{}, err
	}
	now := b.opts.Now().UTC()
	start, err := b.store.NextDigestStart(ctx, t.ID)
	if err != nil {
		return Plan{}, err
	}
	p := Plan{Topic: t, FromSeq: start.FromSeq, PeriodStart: start.PeriodStart, PeriodEnd: now}
	if !start.HasPrevious {
		lookback := t.Digest.Lookback
		if lookback <= 0 {
			lookback = 24 * time.Hour
		}
		p.PeriodStart = now.Add(-lookback)
		if p.FromSeq, err = b.store.MatchSeqBefore(ctx, t.ID, p.PeriodStart); err != nil {
			return Plan{}, err
		}
	}
	if p.ToSeq, err = b.store.MaxMatchSeq(ctx); err != nil {
		return Plan{}, err
	}
	p.ToSeq = max(p.ToSeq, p.FromSeq)
	return b.fillStories(ctx, p)
}

// fillStories fills in p's stories: the topic's matches from p.FromSeq (not
// included) to p.ToSeq, merged, ordered and cut. It depends only on that
// range and the topic's settings.
func (b *Builder) fillStories(ctx context.Context, p Plan) (Plan, error) {
	t := p.Topic
	matched, err := b.store.MatchedItems(ctx, t.ID, p.FromSeq, p.ToSeq)
	if err != nil {
		return Plan{}, err
	}
	stories := merge(matched)
	p.Total = len(stories)
	if t.Digest.Sections == topic.SectionsSource {
		// Cut first, so that the maximum keeps the best stories, then
		// group what is left by source, keeping each source's order.
		if maxItems := t.Digest.MaxItems; maxItems > 0 && len(stories) > maxItems {
			p.More = len(stories) - maxItems
			stories = stories[:maxItems]
		}
		for i := range stories {
			stories[i].Section = stories[i].Source
		}
		sort.SliceStable(stories, func(i, j int) bool { return stories[i].Section < stories[j].Section })
	}
	maxItems := t.Digest.MaxItems
	if maxItems <= 0 {
		maxItems = 50
	}
	if len(stories) > maxItems {
		p.More = len(stories) - maxItems
		stories = stories[:maxItems]
	}
	p.Items = stories
	return p, nil
}

// merge orders matched items by score then recency and folds copies of one
// story (same canonical link, or similar titles) into the first, highest
// ranked, as "also reported by".
func merge(matched []store.MatchedItem) []render.Item {
	sort.SliceStable(matched, func(i, j int) bool {
		a, b := matched[i], matched[j]
		if a.Match.Score != b.Match.Score {
			return a.Match.Score > b.Match.Score
		}
		return a.Item.Published.After(b.Item.Published)
	})
	type story struct {
		item     render.Item
		link     string
		shingles map[string]struct{}
	}
	var stories []*story
	for _, m := range matched {
		sh := shingles(m.Item.Title)
		source := m.FeedTitle
		if source == "" {
			source = hostOf(m.FeedURL)
		}
		var same *story
		for _, s := range stories {
			if (m.Item.CanonicalLink != "" && m.Item.CanonicalLink == s.link) || jaccard(sh, s.shingles) >= SimilarityThreshold {
				same = s
				break
			}
		}
		if same != nil {
			if same.item.Source != source && !hasSource(same.item.AlsoReportedBy, source) {
				same.item.AlsoReportedBy = append(same.item.AlsoReportedBy, render.Source{Name: source, Link: linkOf(m.Item)})
			}
			continue
		}
		stories = append(stories, &story{
			item: render.Item{
				Title: m.Item.Title, Link: linkOf(m.Item), Source: source, Published: m.Item.Published,
				SummaryHTML: m.Item.Summary, Terms: shownTerms(m.Match.Terms),
			},
			link:     m.Item.CanonicalLink,
			shingles: sh,
		})
	}
	out := make([]render.Item, len(stories))
	for i, s := range stories {
		out[i] = s.item
	}
	return out
}

// linkOf is the link a reader follows: the canonical one, without the
// trackers the publisher added.
func linkOf(it model.Item) string {
	if it.CanonicalLink != "" {
		return it.CanonicalLink
	}
	return it.Link
}

// maxShownTerms keeps the "matched" line readable; the rules list the
// defining terms (places, people, treaties) before the supporting ones.
const maxShownTerms = 8

// shownTerms turns rule spellings into what a reader recognises: without
// the editor's "=" (exact case) and "*" (prefix) marks, once each.
func shownTerms(terms []string) []string {
	out := make([]string, 0, min(len(terms), maxShownTerms))
	seen := map[string]bool{}
	for _, t := range terms {
		t = strings.TrimSuffix(strings.TrimPrefix(t, "="), "*")
		if t == "" || seen[strings.ToLower(t)] {
			continue
		}
		seen[strings.ToLower(t)] = true
		out = append(out, t)
		if len(out) == maxShownTerms {
			break
		}
	}
	return out
}

func hasSource(list []render.Source, name string) bool {
	for _, s := range list {
		if s.Name == name {
			return true
		}
	}
	return false
}

func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	return strings.TrimPrefix(u.Hostname(), "www.")
}

// Render renders plan for one recipient (empty recipient: the archive copy).
func (b *Builder) Render(p Plan, sub model.Subscription, digestID int64) (render.Rendered, error) {
	d := b.digest(p, digestID)
	rc := b.recipient(sub, p.Topic.ID, nil)
	d.Recipient, d.RecipientName, d.UnsubscribeURL, d.Location = rc.Email, rc.Name, rc.UnsubscribeURL, rc.Location
	return b.renderer.Digest(d)
}

// digest is what every copy of plan's digest shows.
func (b *Builder) digest(p Plan, digestID int64) render.Digest {
	d := render.Digest{
		TopicID: p.Topic.ID, TopicName: p.Topic.Name, TopicDescription: p.Topic.Description,
		PeriodStart: p.PeriodStart, PeriodEnd: p.PeriodEnd, Items: p.Items, More: p.More,
	}
	if digestID > 0 {
		d.ArchiveURL = b.url("/digests/%d", digestID)
	} else {
		d.ArchiveURL = b.url("/digests")
	}
	return d
}

// recipient is what sub's copy of topicID's digest shows of sub. zones
// caches loaded time zones by name: loading one reads the zone database.
// A nil zones loads every time.
func (b *Builder) recipient(sub model.Subscription, topicID string, zones map[string]*time.Location) render.Recipient {
	rc := render.Recipient{Email: sub.Email, Name: sub.Name}
	if sub.Email == "" {
		return rc
	}
	rc.UnsubscribeURL = b.UnsubscribeURL(sub.Email, topicID)
	if sub.TimeZone == "" {
		return rc
	}
	loc, ok := zones[sub.TimeZone]
	if !ok {
		// An unknown zone shows UTC, as nil does.
		if l, err := time.LoadLocation(sub.TimeZone); err == nil {
			loc = l
		}
		if zones != nil {
			zones[sub.TimeZone] = loc
		}
	}
	rc.Location = loc
	return rc
}

func (b *Builder) unsubscribeMailto() string {
	if b.opts.UnsubscribeMailto != "" {
		return b.opts.UnsubscribeMailto
	}
	if a, err := netmail.ParseAddress(b.opts.From); err == nil {
		return a.Address
	}
	return ""
}

// UnsubscribeURL is the signed one-click link for email and topicID.
func (b *Builder) UnsubscribeURL(email, topicID string) string {
	tok := token.Sign(b.opts.Secret, token.Claims{Purpose: token.Unsubscribe, Email: email, Topic: topicID,
		Expires: b.opts.Now().Add(b.opts.UnsubscribeTTL)})
	return b.url("/unsubscribe?token=%s", url.QueryEscape(tok))
}

func (b *Builder) url(format string, args ...any) string {
	return strings.TrimRight(b.opts.BaseURL, "/") + fmt.Sprintf(format, args...)
}

// Result says what Build did for one topic.
type Result struct {
	Digest model.Digest
	Queued int // deliveries this call added to the outbox
	// Resumed says that the digest was recorded by an earlier build that
	// had not queued every subscriber's message.
	Resumed bool
	Skipped string // why nothing was built, when nothing was
}

// Build builds topic's due digest and queues one message per active
// subscriber. The digest is recorded first, marked incomplete. Messages
// are then rendered and queued a chunk of subscribers per transaction, so
// that memory does not grow with the number of subscribers, and the digest
// is marked complete once no active subscriber lacks a delivery of it. If
// the build stops in between (the process is killed, ctx ends, a chunk
// fails), what was queued stays queued and may be sent, and the next Build
// finishes this digest for the subscribers still without one before any
// new period is started.
func (b *Builder) Build(ctx context.Context, t topic.Topic) (Result, error) {
	p, err := b.Plan(ctx, t)
	if err != nil {
		return Result{}, fmt.Errorf("digest %s: %w", t.ID, err)
	}
	var res Result
	if p.DigestID != 0 {
		if res.Digest, err = b.store.Digest(ctx, p.DigestID); err != nil {
			return Result{}, fmt.Errorf("digest %s: resume: %w", t.ID, err)
		}
		res.Resumed = true
		b.log.Info("finishing a digest whose build was cut short", "topic", t.ID, "digest_id", p.DigestID,
			"created_at", res.Digest.CreatedAt)
	} else {
		if len(p.Items) == 0 && t.Digest.Empty != "note" {
			return Result{Skipped: "no new items"}, nil
		}
		if res.Digest, err = b.start(ctx, p); errors.Is(err, store.ErrDigestExists) {
			return Result{Skipped: "built concurrently by another process"}, nil
		} else if err != nil {
			return Result{}, fmt.Errorf("digest %s: %w", t.ID, err)
		}
	}
	res.Queued, err = b.queue(ctx, p, res.Digest.ID)
	if err != nil {
		return res, fmt.Errorf("digest %s: %d messages queued, the next build queues the rest: %w", t.ID, res.Queued, err)
	}
	if err := b.store.CompleteDigest(ctx, res.Digest.ID); err != nil {
		return res, fmt.Errorf("digest %s: %w", t.ID, err)
	}
	b.log.Info("digest built", "topic", t.ID, "digest_id", res.Digest.ID, "items", res.Digest.ItemCount,
		"deliveries", res.Queued, "resumed", res.Resumed)
	return res, nil
}

// start records plan's digest, incomplete and with its archive copy.
func (b *Builder) start(ctx context.Context, p Plan) (model.Digest, error) {
	archive, err := b.Render(p, model.Subscription{}, 0)
	if err != nil {
		return model.Digest{}, fmt.Errorf("render archive copy: %w", err)
	}
	d, err := b.store.StartDigest(ctx, store.NewDigest{
		Digest: model.Digest{TopicID: p.Topic.ID, PeriodStart: p.PeriodStart, PeriodEnd: p.PeriodEnd,
			ItemCount: len(p.Items) + p.More, Subject: archive.Subject, HTML: archive.HTML, Text: archive.Text},
		FromSeq: p.FromSeq, ToSeq: p.ToSeq,
	})
	if err != nil {
		return model.Digest{}, err
	}
	// The archive copy links to itself once its id is known.
	final, err := b.Render(p, model.Subscription{}, d.ID)
	if err == nil {
		err = b.store.UpdateDigestArchive(ctx, d.ID, final.HTML, final.Text)
	}
	if err != nil {
		b.log.Warn("archive copy keeps its link to the archive index", "digest_id", d.ID, "error", err)
	}
	return d, nil
}

// queue renders and queues digest digestID's message for every active
// subscriber of the topic who has no delivery of it yet, Options.Chunk
// subscribers per transaction, and returns how many it queued. Only one
// chunk's messages are in memory at a time. Subscribers are taken in id
// order, so a build renders each of them once; whoever is active when the
// build reaches their id gets the digest, which is how a build that
// resumes includes those who subscribed after the digest was started.
func (b *Builder) queue(ctx context.Context, p Plan, digestID int64) (int, error) {
	t := p.Topic
	// Every copy shares the rendered digest; a copy differs only in its
	// recipient, so the templates and the CSS inlining run once per time
	// zone instead of once per subscriber.
	batch := b.renderer.Batch(b.digest(p, digestID))
	zones := map[string]*time.Location{}
	list := fmt.Sprintf("%s <%s>", t.Name, listID(t.ID, b.opts.BaseURL))
	mailto := b.unsubscribeMailto()
	headers := map[string]string{"X-Feedwatch-Topic": t.ID}
	queued := 0
	var after int64
	for {
		if err := ctx.Err(); err != nil {
			return queued, err
		}
		subs, err := b.store.UnqueuedSubscriptions(ctx, digestID, after, b.opts.Chunk)
		if err != nil {
			return queued, err
		}
		if len(subs) == 0 {
			return queued, nil
		}
		chunk := make([]model.Delivery, 0, len(subs))
		for _, sub := range subs {
			// One unsubscribe URL for body and header: each signing reads
			// the clock, and a second passing in between would make them
			// differ.
			rc := b.recipient(sub, t.ID, zones)
			r, err := batch.Digest(rc)
			if err != nil {
				return queued, fmt.Errorf("render for %s: %w", sub.Email, err)
			}
			raw, msgID, err := mail.Build(mail.Message{
				From: b.opts.From, To: sub.Email, ToName: sub.Name,
				Subject: r.Subject, Text: r.Text, HTML: r.HTML, Date: b.opts.Now(),
				ListID:            list,
				UnsubscribeURL:    rc.UnsubscribeURL,
				UnsubscribeMailto: mailto,
				DKIM:              b.opts.DKIM,
				Headers:           headers,
			})
			if err != nil {
				return queued, fmt.Errorf("build message for %s: %w", sub.Email, err)
			}
			chunk = append(chunk, model.Delivery{SubscriberID: sub.SubscriberID, Email: sub.Email, MessageID: msgID, Message: raw})
		}
		n, err := b.store.QueueDeliveries(ctx, digestID, chunk)
		if err != nil {
			return queued, err
		}
		queued += n
		after = subs[len(subs)-1].SubscriberID
		if b.afterChunk != nil {
			b.afterChunk(queued)
		}
	}
}

// listID is the RFC 2919 list identifier: topic id under the web host.
func listID(topicID, baseURL string) string {
	host := "feedwatch.localhost"
	if u, err := url.Parse(baseURL); err == nil && u.Hostname() != "" && strings.Contains(u.Hostname(), ".") && !isIP(u.Hostname()) {
		host = u.Hostname()
	}
	return topicID + "." + host
}

func isIP(h string) bool { return net.ParseIP(h) != nil }
