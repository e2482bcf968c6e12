package digest

import (
	"context"
	"errors"
	"fmt"

	"github.com/feedwatch/feedwatch/internal/model"
	"github.com/feedwatch/feedwatch/internal/render"
	"github.com/feedwatch/feedwatch/internal/store"
	"github.com/feedwatch/feedwatch/internal/topic"
)

// Preview is the section t's next digest holds for a subscription that
// follows the topic and has just begun: its matches of the look-back
// period, every one of them and not only the strongest. It reads the store
// and changes nothing.
func (b *Builder) Preview(ctx context.Context, t topic.Topic) (Section, error) {
	now := b.opts.Now().UTC()
	lookback := t.Digest.Lookback
	if lookback <= 0 {
		lookback = topic.DefaultLookback
	}
	start := now.Add(-lookback)
	from, err := b.store.MatchSeqBefore(ctx, t.ID, start)
	if err != nil {
		return Section{}, err
	}
	to, err := b.store.TopicMaxSeq(ctx, t.ID)
	if err != nil {
		return Section{}, err
	}
	return b.plan(ctx, t, from, max(to, from), false, 0, "", start, now)
}

// RenderPreview renders a preview section as a mail to sub (the zero
// Subscription: to nobody, as the archive shows it).
func (b *Builder) RenderPreview(s Section, sub model.Subscription) (render.Rendered, error) {
	p := &plannedSection{sec: s}
	if sub.Email == "" {
		return b.renderer.Mail(b.archiveMail(s), render.Recipient{})
	}
	return b.renderer.Mail(b.renderMail(model.KindDigest, []*plannedSection{p}), b.recipient(sub, []*plannedSection{p}))
}

// PendingMail is a mail a subscriber would be sent next, rendered.
type PendingMail struct {
	Kind     string
	Topics   []string
	Rendered render.Rendered
	Raw      []byte // the message as it would be queued
}

// PendingFor renders what email would be sent next: for each group of its
// active subscriptions that share a mail, the matches past their cursors,
// whenever that mail is due. Nothing is recorded; sections that have no
// digest row yet link to the archive's index.
func (b *Builder) PendingFor(ctx context.Context, set *topic.Set, email string) ([]PendingMail, error) {
	_, subs, err := b.store.Subscriber(ctx, email)
	if err != nil {
		return nil, err
	}
	topics, err := b.topicStates(ctx, set, "")
	if err != nil {
		return nil, err
	}
	at := b.opts.Now().UTC()
	var active []model.Subscription
	for _, s := range subs {
		if s.Status != model.SubscriptionActive || topics[s.TopicID] == nil {
			continue
		}
		if s.CursorSeq < 0 {
			// Not placed yet: where the next dispatch would place it.
			if s.CursorSeq, err = b.startCursor(ctx, s, topics[s.TopicID].Topic, at); err != nil {
				return nil, err
			}
		}
		active = append(active, s)
	}
	if len(active) == 0 {
		return nil, fmt.Errorf("%s has no active subscription: %w", email, store.ErrNotFound)
	}
	r := &run{b: b, at: at, topics: topics, sections: map[sectionKey]*plannedSection{}, batches: map[string]*render.Batch{}}
	var out []PendingMail
	for _, group := range mailGroups(active, topics) {
		kind := alertOrDigest(group[0])
		var used []*plannedSection
		for _, s := range group {
			p, err := r.section(ctx, s)
			if err != nil {
				return nil, err
			}
			if !p.empty() || (kind == model.KindDigest && topics[s.TopicID].Digest.Empty == topic.EmptyNote) {
				if d, err := b.store.SectionDigest(ctx, s.TopicID, p.sec.FromSeq, p.sec.ToSeq, p.sec.BestOnly); err == nil {
					p.digest = d
				} else if !errors.Is(err, store.ErrNotFound) {
					return nil, err
				}
				used = append(used, p)
			}
		}
		if len(used) == 0 {
			continue
		}
		d, rendered, err := b.message(b.renderer.Batch(b.renderMail(kind, used)), kind, group[0], used, at)
		if err != nil {
			return nil, err
		}
		pm := PendingMail{Kind: kind, Raw: d.Message, Rendered: rendered}
		for _, p := range used {
			pm.Topics = append(pm.Topics, p.sec.Topic.ID)
		}
		out = append(out, pm)
	}
	return out, nil
}
