package digest

import (
	"context"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/feedwatch/feedwatch/internal/model"
	"github.com/feedwatch/feedwatch/internal/normalize"
	"github.com/feedwatch/feedwatch/internal/render"
	"github.com/feedwatch/feedwatch/internal/store"
	"github.com/feedwatch/feedwatch/internal/story"
	"github.com/feedwatch/feedwatch/internal/topic"
)

// Section is what one topic's part of a mail holds, before rendering: the
// matches FromSeq < seq <= ToSeq (only the strongest, with BestOnly),
// grouped into stories, ordered and cut.
type Section struct {
	Topic       topic.Topic
	FromSeq     int64
	ToSeq       int64
	BestOnly    bool
	PeriodStart time.Time
	PeriodEnd   time.Time
	// Stories are every story of the range, in the order the mail shows
	// them; Items are the first MaxItems of them as the mail shows them,
	// ItemIDs their headlines' item ids, More the number cut.
	Stories []Story
	Items   []render.Item
	ItemIDs []int64
	More    int
	// Matches is how many matches of the range the section shows (after
	// BestOnly), Skipped how many it passed over.
	Matches, Skipped int
}

// Empty says whether the section has nothing to show.
func (s Section) Empty() bool { return len(s.Stories) == 0 }

// Story is one event: its headline report and the others.
type Story struct {
	Headline store.MatchedItem
	Others   []store.MatchedItem
	// Update: the story was in an earlier range, so these reports are new
	// ones of a story already mailed.
	Update bool
}

// plan builds topic t's section for the matches from < seq <= to, with
// headlines in lang where a story has one.
func (b *Builder) plan(ctx context.Context, t topic.Topic, from, to int64, bestOnly bool, best float64, lang string, start, end time.Time) (Section, error) {
	s := Section{Topic: t, FromSeq: from, ToSeq: to, BestOnly: bestOnly, PeriodStart: start, PeriodEnd: end}
	if to <= from {
		return s, nil
	}
	matched, err := b.store.MatchedItems(ctx, t.ID, from, to)
	if err != nil {
		return Section{}, err
	}
	// Placed by the dispatch before it plans; a preview places them here,
	// in memory.
	if err := b.storiesInMemory(ctx, t, matched); err != nil {
		return Section{}, err
	}
	kept := matched[:0]
	for _, m := range matched {
		if bestOnly && m.Match.Score < best {
			s.Skipped++
			continue
		}
		kept = append(kept, m)
	}
	s.Matches = len(kept)
	if s.Stories, err = b.group(ctx, t, kept, from, lang); err != nil {
		return Section{}, err
	}
	s.Items, s.ItemIDs, s.More = items(s.Stories, t.Digest)
	return s, nil
}

// items turns stories into what the mail shows, cut to the topic's
// maximum, with the item id of each one's headline.
func items(stories []Story, d topic.Digest) ([]render.Item, []int64, int) {
	maxItems := d.MaxItems
	if maxItems <= 0 {
		maxItems = topic.DefaultMaxItems
	}
	more := 0
	if len(stories) > maxItems {
		more = len(stories) - maxItems
		stories = stories[:maxItems]
	}
	if d.Sections == topic.SectionsSource {
		// Cut first, so that the maximum keeps the best stories, then
		// group what is left by source, keeping each source's order.
		stories = slices.Clone(stories)
		sort.SliceStable(stories, func(i, j int) bool { return SourceOf(stories[i].Headline) < SourceOf(stories[j].Headline) })
	}
	out := make([]render.Item, len(stories))
	ids := make([]int64, len(stories))
	for i, s := range stories {
		out[i], ids[i] = storyItem(s), s.Headline.Item.ID
		if d.Sections == topic.SectionsSource {
			out[i].Section = out[i].Source
		}
	}
	return out, ids, more
}

// storyItem is how a mail shows story s: its headline, and its other
// reports as "also reported by" with their outlets; an update shows the
// headline an earlier mail gave the story, and its new reports.
func storyItem(s Story) render.Item {
	h := s.Headline
	it := render.Item{
		Title: h.Item.Title, Link: LinkOf(h.Item), Source: SourceOf(h), Lang: LangOf(h.Item),
		Published: h.Item.Published, SummaryHTML: h.Item.Summary, Terms: shownTerms(h.Match), Update: s.Update,
	}
	links := map[string]bool{}
	if !s.Update {
		links[it.Link] = true
	}
	for _, o := range s.Others {
		link := LinkOf(o.Item)
		if links[link] {
			continue // one article in two feeds
		}
		links[link] = true
		it.AlsoReportedBy = append(it.AlsoReportedBy, render.Source{Name: SourceOf(o), Link: link, Lang: LangOf(o.Item)})
	}
	it.Outlets = s.outlets()
	return it
}

// SourceOf names the outlet of a matched item: its feed's title, else the
// feed's host.
func SourceOf(m store.MatchedItem) string {
	if m.FeedTitle != "" {
		return m.FeedTitle
	}
	return hostOf(m.FeedURL)
}

// LinkOf is the link a reader follows: the canonical one, without the
// trackers the publisher added.
func LinkOf(it model.Item) string {
	if it.CanonicalLink != "" {
		return it.CanonicalLink
	}
	return it.Link
}

// maxShownTerms keeps the "matched" line readable; the rules list the
// defining terms (places, people, treaties) before the supporting ones.
const maxShownTerms = 8

// shownTerms is what a reader is shown of why m matched: the words the
// rules found in the text ("spokesman", not the rule's "spokes*"), once
// each, or for a match made before words were kept, its rule spellings
// without the editor's "=" (exact case) and "*" (prefix) marks.
func shownTerms(m model.Match) []string {
	terms := m.Words
	if len(terms) == 0 {
		terms = m.Terms
	}
	var out []string
	seen := map[string]bool{}
	for _, t := range terms {
		t = strings.TrimSuffix(strings.TrimPrefix(t, "="), "*")
		key := strings.ToLower(t)
		if t == "" || seen[key] || slices.ContainsFunc(out, func(o string) bool { return containsWords(strings.ToLower(o), key) }) {
			continue
		}
		seen[key] = true
		out = append(out, t)
		if len(out) == maxShownTerms {
			break
		}
	}
	return out
}

// containsWords reports whether the words of short stand in long as whole
// words: "White House" in "Kremlin and White House".
func containsWords(long, short string) bool {
	i := strings.Index(" "+long+" ", " "+short+" ")
	return i >= 0 && len(short) < len(long)
}

func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	return strings.TrimPrefix(u.Hostname(), "www.")
}

// LangOf says which language an item is in, "ru" or "en", from the
// letters of its title and summary; "" when it cannot tell.
func LangOf(it model.Item) string {
	return story.Lang(it.Title + " " + normalize.Text(it.Summary))
}
