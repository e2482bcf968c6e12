package store

import (
	"context"
	"encoding/json"
	"fmt"
)

// TopicFeedItems returns topicID's newest limit matches with their items
// and feeds, newest match first: the entries of the topic's Atom and JSON
// feeds. It walks the (topic_id, seq) index backwards and stops at limit.
func (s *Store) TopicFeedItems(ctx context.Context, topicID string, limit int) ([]MatchedItem, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT m.seq, m.score, m.terms, m.matched_at,
		i.id, i.feed_id, i.key, i.guid, i.link, i.canonical_link, i.title, i.summary, i.content, i.author,
		i.published_at, i.updated_at, i.date_missing, i.fetched_at, f.title, f.url
		FROM matches m JOIN items i ON i.id = m.item_id JOIN feeds f ON f.id = i.feed_id
		WHERE m.topic_id = ? ORDER BY m.seq DESC LIMIT ?`, topicID, limit)
	if err != nil {
		return nil, fmt.Errorf("feed items of %s: %w", topicID, err)
	}
	defer rows.Close()
	var out []MatchedItem
	for rows.Next() {
		var mi MatchedItem
		var terms, matchedAt, published, updated, fetched string
		it := &mi.Item
		if err := rows.Scan(&mi.Seq, &mi.Match.Score, &terms, &matchedAt, &it.ID, &it.FeedID, &it.Key, &it.GUID, &it.Link,
			&it.CanonicalLink, &it.Title, &it.Summary, &it.Content, &it.Author, &published, &updated, &it.DateMissing,
			&fetched, &mi.FeedTitle, &mi.FeedURL); err != nil {
			return nil, fmt.Errorf("scan feed item of %s: %w", topicID, err)
		}
		// The terms are what a reader sees as categories, not what the
		// entry is: unreadable ones leave it without.
		_ = json.Unmarshal([]byte(terms), &mi.Match.Terms)
		mi.Match.ItemID, mi.Match.TopicID, mi.Match.MatchedAt = it.ID, topicID, parseTS(matchedAt)
		it.Published, it.Updated, it.FetchedAt = parseTS(published), parseTS(updated), parseTS(fetched)
		out = append(out, mi)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("feed items of %s: %w", topicID, err)
	}
	return out, nil
}
