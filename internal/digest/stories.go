package digest

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/feedwatch/feedwatch/internal/normalize"
	"github.com/feedwatch/feedwatch/internal/store"
	"github.com/feedwatch/feedwatch/internal/story"
	"github.com/feedwatch/feedwatch/internal/topic"
)

// grouperState is a topic's story grouper, kept between dispatches so that
// each places only the matches that are new since the last one.
type grouperState struct {
	g       *story.Grouper
	aliases string // the topic's aliases it was made with
	lastSeq int64  // the newest match it has seen
}

// restoreSpan is how far back a grouper made afresh is given the matches
// already in stories: a story stays open for story.DefaultWindow after its
// latest report, and reports are matched some time after they were
// published.
const restoreSpan = story.DefaultWindow + 24*time.Hour

// placeStories puts topic t's matches up to t.toSeq that are in no story
// yet into stories, and records where. Only then are mails planned, so that
// a story's reports are one story in every mail.
func (b *Builder) placeStories(ctx context.Context, t *topicState) error {
	unplaced, err := b.store.UnplacedMatches(ctx, t.ID, t.toSeq)
	if err != nil || len(unplaced) == 0 {
		return err
	}
	b.groupMu.Lock()
	defer b.groupMu.Unlock()
	gs, err := b.grouper(ctx, t.Topic)
	if err != nil {
		return err
	}
	placed := make(map[int64]int64, len(unplaced))
	var merges []store.StoryMerge
	for _, m := range byPublication(unplaced) {
		placed[m.Seq] = gs.g.Add(report(m))
		gs.lastSeq = max(gs.lastSeq, m.Seq)
		// A report that fits two stories can show them to be one: the
		// later is relabelled, in the store and among this dispatch's.
		for _, mg := range gs.g.Merges() {
			merges = append(merges, store.StoryMerge{From: mg.From, Into: mg.Into})
			for seq, s := range placed {
				if s == mg.From {
					placed[seq] = mg.Into
				}
			}
		}
	}
	if err := b.store.PlaceInStories(ctx, t.ID, placed, merges); err != nil {
		// The grouper now holds placements the store does not: start
		// afresh next time.
		delete(b.groupers, t.ID)
		return fmt.Errorf("stories of %s: %w", t.ID, err)
	}
	return nil
}

// grouper returns t's grouper, restored from the store when this process
// has none, when the topic's aliases changed, or when another process
// placed matches since.
func (b *Builder) grouper(ctx context.Context, t topic.Topic) (*grouperState, error) {
	aliases := fmt.Sprint(t.Aliases)
	if gs, ok := b.groupers[t.ID]; ok && gs.aliases == aliases {
		n, err := b.store.PlacedAfter(ctx, t.ID, gs.lastSeq)
		if err != nil {
			return nil, err
		}
		if n == 0 {
			return gs, nil
		}
	}
	gs, err := b.restoreGrouper(ctx, t)
	if err != nil {
		return nil, err
	}
	gs.aliases = aliases
	b.groupers[t.ID] = gs
	return gs, nil
}

// restoreGrouper makes a grouper for t holding the stories of the last
// restoreSpan, as the store records them.
func (b *Builder) restoreGrouper(ctx context.Context, t topic.Topic) (*grouperState, error) {
	gs := &grouperState{g: story.New(story.Options{Aliases: t.Aliases})}
	placed, err := b.store.PlacedMatchesSince(ctx, t.ID, b.opts.Now().Add(-restoreSpan))
	if err != nil {
		return nil, err
	}
	for _, m := range placed {
		gs.g.Seed(report(m), m.Story)
		gs.lastSeq = max(gs.lastSeq, m.Seq)
	}
	return gs, nil
}

// storiesInMemory places matches that are in no story yet as the next
// dispatch would, without recording anything: for previews.
func (b *Builder) storiesInMemory(ctx context.Context, t topic.Topic, matched []store.MatchedItem) error {
	var unplaced []int
	for i := range matched {
		if matched[i].Story == 0 {
			unplaced = append(unplaced, i)
		}
	}
	if len(unplaced) == 0 {
		return nil
	}
	gs, err := b.restoreGrouper(ctx, t)
	if err != nil {
		return err
	}
	sort.SliceStable(unplaced, func(a, b int) bool {
		return matched[unplaced[a]].Item.Published.Before(matched[unplaced[b]].Item.Published)
	})
	for _, i := range unplaced {
		matched[i].Story = gs.g.Add(report(matched[i]))
		for _, mg := range gs.g.Merges() {
			for j := range matched {
				if matched[j].Story == mg.From {
					matched[j].Story = mg.Into
				}
			}
		}
	}
	return nil
}

// byPublication returns matches in the order they were published, those
// published together in the order they were matched. One poll brings each
// feed's reports together, days of them on a first poll, and a grouper
// given them feed by feed would see most reports out of time, after the
// stories they belong to had closed.
func byPublication(ms []store.MatchedItem) []store.MatchedItem {
	out := slices.Clone(ms)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Item.Published.Before(out[j].Item.Published) })
	return out
}

// report is a match as story grouping reads it.
func report(m store.MatchedItem) story.Report {
	return story.Report{ID: m.Item.ID, Title: m.Item.Title, Text: normalize.Text(m.Item.Summary), Source: SourceOf(m),
		Published: m.Item.Published}
}

// group turns a range's matches into its stories, in the order a mail
// shows them: by how many outlets carry a story, then its headline's
// score, then its newest report. A story whose first report came before
// the range (from) was in an earlier mail: its reports here are an update,
// under the headline that mail gave it. Otherwise the headline is the
// report with the highest score, the earliest of equals, in lang first
// when it is set and a report is in it.
func (b *Builder) group(ctx context.Context, t topic.Topic, matched []store.MatchedItem, from int64, lang string) ([]Story, error) {
	byStory := map[int64][]store.MatchedItem{}
	var order []int64
	items := map[int64]bool{}
	for _, m := range matched {
		id := m.Story
		if id == 0 {
			id = m.Item.ID // in no story: a story of its own
		}
		if _, ok := byStory[id]; !ok {
			order = append(order, id)
		}
		byStory[id] = append(byStory[id], m)
		items[m.Item.ID] = true
	}
	out := make([]Story, 0, len(order))
	for _, id := range order {
		reports := byStory[id]
		s := Story{}
		if !items[id] && from > 0 {
			earlier, err := b.store.StoryHeadline(ctx, t.ID, id, from)
			if err == nil {
				s = Story{Headline: earlier, Others: reports, Update: true}
				out = append(out, s)
				continue
			}
		}
		h := headline(reports, lang)
		s.Headline = reports[h]
		s.Others = append(append(s.Others, reports[:h]...), reports[h+1:]...)
		out = append(out, s)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if oa, ob := a.outlets(), b.outlets(); oa != ob {
			return oa > ob
		}
		if a.Headline.Match.Score != b.Headline.Match.Score {
			return a.Headline.Match.Score > b.Headline.Match.Score
		}
		return a.latest().After(b.latest())
	})
	return out, nil
}

// headline picks a story's headline among its reports.
func headline(reports []store.MatchedItem, lang string) int {
	best := -1
	better := func(i, j int) bool {
		a, b := reports[i], reports[j]
		if a.Match.Score != b.Match.Score {
			return a.Match.Score > b.Match.Score
		}
		return a.Item.Published.Before(b.Item.Published)
	}
	for i := range reports {
		if lang != "" && LangOf(reports[i].Item) != lang {
			continue
		}
		if best < 0 || better(i, best) {
			best = i
		}
	}
	if best >= 0 {
		return best
	}
	best = 0
	for i := range reports {
		if better(i, best) {
			best = i
		}
	}
	return best
}

// outlets counts the outlets that carry s.
func (s Story) outlets() int {
	seen := map[string]bool{SourceOf(s.Headline): true}
	for _, o := range s.Others {
		seen[SourceOf(o)] = true
	}
	return len(seen)
}

// latest is when s's newest report was published.
func (s Story) latest() time.Time {
	t := s.Headline.Item.Published
	for _, o := range s.Others {
		if o.Item.Published.After(t) {
			t = o.Item.Published
		}
	}
	return t
}
