package digest

import (
	"context"
	"fmt"

	"github.com/feedwatch/feedwatch/internal/model"
	"github.com/feedwatch/feedwatch/internal/render"
	"github.com/feedwatch/feedwatch/internal/topic"
)

func (b *Builder) SetAfterChunk(f func(queued int)) { b.afterChunk = f }
func (b *Builder) SetAfterPlace(f func(read int))   { b.afterPlace = f }
func (b *Builder) SetAfterTrim(f func(sections, stories, items, batchBytes int)) {
	b.afterTrim = f
}

// RenderDelivered renders on its own, in full and without a shared
// render, the mail that delivery d carried to sub, from the sections it
// records; it returns them too.
func (b *Builder) RenderDelivered(ctx context.Context, set *topic.Set, d model.Delivery, sub model.Subscription) (render.Rendered, []model.Digest, error) {
	digests, err := b.store.DeliveryDigests(ctx, d.ID)
	if err != nil {
		return render.Rendered{}, nil, err
	}
	topics, err := b.topicStates(ctx, set, "")
	if err != nil {
		return render.Rendered{}, nil, err
	}
	var used []*plannedSection
	for _, g := range digests {
		t, ok := topics[g.TopicID]
		if !ok {
			return render.Rendered{}, nil, fmt.Errorf("topic %s gone", g.TopicID)
		}
		best, err := b.topicBest(ctx, t)
		if err != nil {
			return render.Rendered{}, nil, err
		}
		s, err := b.plan(ctx, t.Topic, g.FromSeq, g.ToSeq, g.BestOnly, best, sub.Lang, g.PeriodStart, g.PeriodEnd)
		if err != nil {
			return render.Rendered{}, nil, err
		}
		used = append(used, &plannedSection{sec: s, digest: g})
	}
	r, err := b.renderer.Mail(b.renderMail(d.Kind, used), b.recipient(sub, used))
	return r, digests, err
}
