package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/feedwatch/feedwatch/internal/model"
)

// ItemFilter selects items for ItemsPage. Zero fields select everything.
type ItemFilter struct {
	FeedID  int64
	TopicID string // items that matched this topic
	Matched *bool  // items that matched some topic (true) or none (false)
	Since   time.Time
	Before  int64 // cursor: items with a smaller id
	Limit   int
}

// ListedItem is an item with the topics it matched.
type ListedItem struct {
	model.Item
	Topics []string
}

// ItemsPage returns items newest (highest id) first.
func (s *Store) ItemsPage(ctx context.Context, f ItemFilter) ([]ListedItem, error) {
	var where []string
	var args []any
	if f.FeedID != 0 {
		where = append(where, "i.feed_id = ?")
		args = append(args, f.FeedID)
	}
	if f.TopicID != "" {
		where = append(where, "i.id IN (SELECT item_id FROM matches WHERE topic_id = ?)")
		args = append(args, f.TopicID)
	}
	if f.Matched != nil {
		not := ""
		if !*f.Matched {
			not = "NOT "
		}
		where = append(where, not+"EXISTS (SELECT 1 FROM matches m WHERE m.item_id = i.id)")
	}
	if !f.Since.IsZero() {
		// Items are stored in the order they are fetched, so the first
		// one fetched since then bounds the ids: a range on the primary
		// key instead of a walk through every item newest first.
		where = append(where, "i.id >= coalesce((SELECT id FROM items WHERE fetched_at >= ? ORDER BY fetched_at, id LIMIT 1), 1 << 62) AND i.fetched_at >= ?")
		args = append(args, ts(f.Since), ts(f.Since))
	}
	if f.Before > 0 {
		where = append(where, "i.id < ?")
		args = append(args, f.Before)
	}
	q := `SELECT i.id, i.feed_id, i.key, i.guid, i.link, i.canonical_link, i.title, i.summary, i.author,
		i.published_at, i.updated_at, i.date_missing, i.fetched_at,
		coalesce((SELECT group_concat(topic_id, ',') FROM matches m WHERE m.item_id = i.id), '') FROM items i`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY i.id DESC LIMIT ?"
	args = append(args, max(f.Limit, 1))
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list items: %w", err)
	}
	defer rows.Close()
	var out []ListedItem
	for rows.Next() {
		var it ListedItem
		var published, updated, fetched, topics string
		if err := rows.Scan(&it.ID, &it.FeedID, &it.Key, &it.GUID, &it.Link, &it.CanonicalLink, &it.Title, &it.Summary,
			&it.Author, &published, &updated, &it.DateMissing, &fetched, &topics); err != nil {
			return nil, fmt.Errorf("scan item: %w", err)
		}
		it.Published, it.Updated, it.FetchedAt = parseTS(published), parseTS(updated), parseTS(fetched)
		if topics != "" {
			it.Topics = strings.Split(topics, ",")
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// DeliveryByID returns one delivery (without its message) or ErrNotFound.
func (s *Store) DeliveryByID(ctx context.Context, id int64) (model.Delivery, error) {
	ds, err := s.queryDeliveriesWhere(ctx, "WHERE d.id = ?", id)
	if err != nil {
		return model.Delivery{}, err
	}
	if len(ds) == 0 {
		return model.Delivery{}, fmt.Errorf("delivery %d: %w", id, ErrNotFound)
	}
	return ds[0], nil
}

// DeliveriesPage lists deliveries newest first, in status when given, with
// ids below before when it is above 0.
func (s *Store) DeliveriesPage(ctx context.Context, status string, before int64, limit int) ([]model.Delivery, error) {
	var where []string
	var args []any
	if status != "" {
		where = append(where, "d.status = ?")
		args = append(args, status)
	}
	if before > 0 {
		where = append(where, "d.id < ?")
		args = append(args, before)
	}
	q := ""
	if len(where) > 0 {
		q = "WHERE " + strings.Join(where, " AND ")
	}
	return s.queryDeliveriesWhere(ctx, q+" ORDER BY d.id DESC LIMIT ?", append(args, max(limit, 1))...)
}

func (s *Store) queryDeliveriesWhere(ctx context.Context, where string, args ...any) ([]model.Delivery, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT "+deliveryColumns+" FROM deliveries d "+where, args...)
	if err != nil {
		return nil, fmt.Errorf("list deliveries: %w", err)
	}
	defer rows.Close()
	var out []model.Delivery
	for rows.Next() {
		d, err := scanDelivery(rows, false)
		if err != nil {
			return nil, fmt.Errorf("scan delivery: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}
