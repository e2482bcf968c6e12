package digest

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/feedwatch/feedwatch/internal/mail"
	"github.com/feedwatch/feedwatch/internal/model"
	"github.com/feedwatch/feedwatch/internal/render"
	"github.com/feedwatch/feedwatch/internal/store"
	"github.com/feedwatch/feedwatch/internal/token"
	"github.com/feedwatch/feedwatch/internal/topic"
)

// run is one dispatch: the time it works at, the topics' state, and the
// sections and shared renders its mails have in common, since subscribers
// whose cursors stand together get the same sections.
type run struct {
	b        *Builder
	at       time.Time
	topics   map[string]*topicState
	sections map[sectionKey]*plannedSection
	batches  map[string]*render.Batch
}

// sectionKey is what decides a section's content. Subscriptions at the
// same cursor share it, and its period too: the first one's, which for
// subscriptions mailed together is theirs as well.
type sectionKey struct {
	topic    string
	from, to int64
	bestOnly bool
	lang     string // of the headlines
}

func (k sectionKey) String() string {
	return fmt.Sprintf("%s/%d/%d/%t/%s", k.topic, k.from, k.to, k.bestOnly, k.lang)
}

// plannedSection is a section with, once a mail uses it, its digest row.
// It keeps what its mails show, not every story of its range (see
// section).
type plannedSection struct {
	key     sectionKey
	sec     Section
	stories int // len(sec.Stories) before they were dropped
	digest  model.Digest
}

// empty says whether the section has nothing to show.
func (p *plannedSection) empty() bool { return p.stories == 0 }

// plannedMail is what a mailing carries, for the result.
type plannedMail struct {
	topics []string
}

// cacheLimit bounds the sections a dispatch keeps between chunks, and
// batchLimit the bytes of its shared renders: a render of a busy day's
// digest is about 60 KB, and a mail's subscribers in 24 zones need 24 of
// them.
const (
	cacheLimit = 256
	batchLimit = 16 << 20
)

func (r *run) trim() {
	if len(r.sections) > cacheLimit {
		clear(r.sections)
	}
	size := 0
	for _, b := range r.batches {
		size += b.Size()
	}
	if size > batchLimit || len(r.batches) > cacheLimit {
		clear(r.batches)
		size = 0
	}
	if r.b.afterTrim != nil {
		stories, items := 0, 0
		for _, p := range r.sections {
			stories, items = max(stories, len(p.sec.Stories)), max(items, len(p.sec.Items))
		}
		r.b.afterTrim(len(r.sections), stories, items, size)
	}
}

// section is the part of sub's next mail from its topic.
func (r *run) section(ctx context.Context, sub model.Subscription) (*plannedSection, error) {
	t := r.topics[sub.TopicID]
	from := max(sub.CursorSeq, 0)
	to := max(t.toSeq, from)
	key := sectionKey{topic: t.ID, from: from, to: to, bestOnly: sub.BestOnly, lang: sub.Lang}
	if p, ok := r.sections[key]; ok {
		return p, nil
	}
	start := periodStart(sub, t.Topic, r.at)
	var best float64
	if sub.BestOnly {
		var err error
		if best, err = r.b.topicBest(ctx, t); err != nil {
			return nil, err
		}
	}
	sec, err := r.b.plan(ctx, t.Topic, from, to, sub.BestOnly, best, sub.Lang, start, r.at)
	if err != nil {
		return nil, err
	}
	// A week's range can hold a thousand matches, and a dispatch keeps up
	// to cacheLimit sections; a mail shows only the first max_items
	// stories (sec.Items), so the stories themselves are not kept.
	p := &plannedSection{key: key, sec: sec, stories: len(sec.Stories)}
	p.sec.Stories = nil
	r.sections[key] = p
	return p, nil
}

// periodStart is where the period of sub's next mail begins: its last mail,
// or its look-back before it became active.
func periodStart(sub model.Subscription, t topic.Topic, now time.Time) time.Time {
	if !sub.LastSentAt.IsZero() {
		return sub.LastSentAt
	}
	lookback := t.Digest.Lookback
	if lookback <= 0 {
		lookback = topic.DefaultLookback
	}
	since := sub.ChangedAt
	if since.IsZero() || since.After(now) {
		since = now
	}
	return since.Add(-lookback)
}

// record makes sure p's digest row exists, with its archive copy.
func (r *run) record(ctx context.Context, p *plannedSection) error {
	if p.digest.ID != 0 {
		return nil
	}
	archive, err := r.b.renderer.Mail(r.b.archiveMail(p.sec), render.Recipient{})
	if err != nil {
		return fmt.Errorf("render archive copy of %s: %w", p.sec.Topic.ID, err)
	}
	d, err := r.b.store.AddDigest(ctx, model.Digest{
		TopicID: p.sec.Topic.ID, FromSeq: p.sec.FromSeq, ToSeq: p.sec.ToSeq, BestOnly: p.sec.BestOnly,
		PeriodStart: p.sec.PeriodStart, PeriodEnd: p.sec.PeriodEnd, ItemCount: p.stories,
		Subject: archive.Subject, HTML: archive.HTML, Text: archive.Text,
	})
	if err != nil {
		return err
	}
	p.digest = d
	return nil
}

// archiveMail is how the archive shows a section: as the mails did, for
// nobody in particular.
func (b *Builder) archiveMail(s Section) render.Mail {
	return render.Mail{Sections: []render.Section{{
		TopicID: s.Topic.ID, TopicName: s.Topic.Name, TopicDescription: s.Topic.Description,
		PeriodStart: s.PeriodStart, PeriodEnd: s.PeriodEnd, Items: s.Items, More: s.More,
	}}}
}

// mailing plans the mail of a group of one subscriber's subscriptions that
// are due together, records its sections and renders it.
func (r *run) mailing(ctx context.Context, group []model.Subscription) (store.Mailing, plannedMail, error) {
	if len(group) == 0 {
		return store.Mailing{}, plannedMail{}, errNoRecipient
	}
	sub := group[0]
	kind := alertOrDigest(sub)
	m := store.Mailing{SubscriberID: sub.SubscriberID}
	var used []*plannedSection
	news := false
	for _, s := range group {
		t := r.topics[s.TopicID]
		p, err := r.section(ctx, s)
		if err != nil {
			return m, plannedMail{}, err
		}
		mv := store.Move{TopicID: s.TopicID, FromSeq: s.CursorSeq, ToSeq: p.sec.ToSeq, NextAt: r.b.nextAfter(s, t.Topic, r.at)}
		if !p.empty() || (kind == model.KindDigest && t.Digest.Empty == topic.EmptyNote) {
			used = append(used, p)
			news = news || !p.empty()
		}
		m.Moves = append(m.Moves, mv)
	}
	// Nothing new anywhere: a note when a topic asks for one, else no mail.
	if !news && (kind == model.KindAlert || len(used) == 0) {
		return m, plannedMail{}, nil
	}
	var pm plannedMail
	for _, p := range used {
		if err := r.record(ctx, p); err != nil {
			return m, plannedMail{}, err
		}
		for i := range m.Moves {
			if m.Moves[i].TopicID == p.sec.Topic.ID {
				m.Moves[i].DigestID = p.digest.ID
			}
		}
		pm.topics = append(pm.topics, p.sec.Topic.ID)
	}
	d, _, err := r.b.message(r.batch(kind, used), kind, sub, used, r.at)
	if err != nil {
		return m, plannedMail{}, err
	}
	m.Delivery = &d
	return m, pm, nil
}

// batch returns the shared render of a mail of kind with sections used.
func (r *run) batch(kind string, used []*plannedSection) *render.Batch {
	keys := make([]string, len(used))
	for i, p := range used {
		keys[i] = p.key.String()
	}
	key := kind + "|" + strings.Join(keys, "|")
	if b, ok := r.batches[key]; ok {
		return b
	}
	r.b.sharingChecked.Do(func() {
		if err := r.b.renderer.SharedRendering(); err != nil {
			// Still correct, only slower: said so that an operator who
			// changed a template knows why digests take longer.
			r.b.log.Warn("every digest message is rendered in full", "error", err)
		}
	})
	b := r.b.renderer.Batch(r.b.renderMail(kind, used))
	r.batches[key] = b
	return b
}

// renderMail is what every recipient of a mail with sections used sees.
func (b *Builder) renderMail(kind string, used []*plannedSection) render.Mail {
	m := render.Mail{Kind: kind}
	for _, p := range used {
		m.Sections = append(m.Sections, render.Section{
			TopicID: p.sec.Topic.ID, TopicName: p.sec.Topic.Name, TopicDescription: p.sec.Topic.Description,
			PeriodStart: p.sec.PeriodStart, PeriodEnd: p.sec.PeriodEnd, Items: p.sec.Items, More: p.sec.More,
			ArchiveURL: b.archiveURL(p.digest.ID),
		})
	}
	return m
}

// message renders sub's copy of a mail and builds the message to queue.
func (b *Builder) message(batch *render.Batch, kind string, sub model.Subscription, used []*plannedSection, now time.Time) (model.Delivery, render.Rendered, error) {
	ids := make([]string, len(used))
	names := make([]string, len(used))
	for i, p := range used {
		ids[i], names[i] = p.sec.Topic.ID, p.sec.Topic.Name
	}
	rc := b.recipient(sub, used)
	r, err := batch.Mail(rc)
	if err != nil {
		return model.Delivery{}, r, fmt.Errorf("render: %w", err)
	}
	raw, msgID, err := mail.Build(mail.Message{
		From: b.opts.From, To: sub.Email, ToName: sub.Name,
		Subject: r.Subject, Text: r.Text, HTML: r.HTML, Date: now,
		ListID:            fmt.Sprintf("%s <%s>", listName(names), listID(ids, b.opts.BaseURL)),
		UnsubscribeURL:    rc.UnsubscribeURL,
		UnsubscribeMailto: b.unsubscribeMailto(),
		DKIM:              b.opts.DKIM,
		Headers:           map[string]string{"X-Feedwatch-Topic": strings.Join(ids, ","), "X-Feedwatch-Kind": kind},
	})
	if err != nil {
		return model.Delivery{}, r, fmt.Errorf("build message: %w", err)
	}
	return model.Delivery{Kind: kind, SubscriberID: sub.SubscriberID, Email: sub.Email, MessageID: msgID, Message: raw}, r, nil
}

// recipient is what sub's copy of a mail with sections used shows of sub:
// its address, zone and links, the feedback links of every item among
// them. The links are signed once here and used in body and headers
// alike: each signing reads the clock, and a second passing in between
// would make them differ.
func (b *Builder) recipient(sub model.Subscription, used []*plannedSection) render.Recipient {
	rc := render.Recipient{Email: sub.Email, Name: sub.Name}
	if sub.Email == "" || len(used) == 0 {
		return rc
	}
	ids := make([]string, len(used))
	for i, p := range used {
		ids[i] = p.sec.Topic.ID
	}
	rc.UnsubscribeURL = b.UnsubscribeURL(sub.Email, strings.Join(ids, ","))
	rc.ManageURL = b.ManageURL(sub.Email)
	fl := token.Links{BaseURL: b.opts.BaseURL, Secret: b.opts.Secret, Now: b.opts.Now}
	rc.MissedURL = fl.Missed(sub.Email, ids[0])
	for i, p := range used {
		if len(used) > 1 {
			rc.SectionUnsubscribeURLs = append(rc.SectionUnsubscribeURLs, b.UnsubscribeURL(sub.Email, ids[i]))
		}
		notAbout := make([]string, len(p.sec.ItemIDs))
		for j, item := range p.sec.ItemIDs {
			notAbout[j] = fl.NotAbout(sub.Email, ids[i], item)
		}
		rc.FeedbackURLs = append(rc.FeedbackURLs, notAbout)
	}
	rc.Location = b.zone(sub.TimeZone)
	return rc
}
