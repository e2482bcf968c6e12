package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// APIKey is a stored API key: its name, scope and use, never the key.
type APIKey struct {
	ID         int64
	Name       string
	ReadOnly   bool
	CreatedAt  time.Time
	LastUsedAt time.Time
	RevokedAt  time.Time
}

// ErrExists is returned when a name that must be unique is taken.
var ErrExists = errors.New("already exists")

const apiKeyColumns = "id, name, read_only, created_at, last_used_at, revoked_at"

func scanAPIKey(sc interface{ Scan(...any) error }) (APIKey, error) {
	var k APIKey
	var created, used, revoked string
	err := sc.Scan(&k.ID, &k.Name, &k.ReadOnly, &created, &used, &revoked)
	k.CreatedAt, k.LastUsedAt, k.RevokedAt = parseTS(created), parseTS(used), parseTS(revoked)
	return k, err
}

// AddAPIKey stores a key under name by its hash. A name in use, even by a
// revoked key, is ErrExists: the activity log refers to keys by name.
func (s *Store) AddAPIKey(ctx context.Context, name, hash string, readOnly bool) (APIKey, error) {
	row := s.db.QueryRowContext(ctx, `INSERT INTO api_keys (name, hash, read_only, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT DO NOTHING RETURNING `+apiKeyColumns, name, hash, readOnly, ts(s.now()))
	k, err := scanAPIKey(row)
	if errors.Is(err, sql.ErrNoRows) {
		return APIKey{}, fmt.Errorf("api key %q: %w", name, ErrExists)
	}
	if err != nil {
		return APIKey{}, fmt.Errorf("add api key %q: %w", name, err)
	}
	return k, nil
}

// APIKeys returns every key, revoked ones too, by name.
func (s *Store) APIKeys(ctx context.Context) ([]APIKey, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT "+apiKeyColumns+" FROM api_keys ORDER BY name")
	if err != nil {
		return nil, fmt.Errorf("list api keys: %w", err)
	}
	defer rows.Close()
	var out []APIKey
	for rows.Next() {
		k, err := scanAPIKey(rows)
		if err != nil {
			return nil, fmt.Errorf("scan api key: %w", err)
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// APIKeyByHash returns the key with hash that is not revoked, noting its
// use (at most once a minute, so reads stay reads), or ErrNotFound.
func (s *Store) APIKeyByHash(ctx context.Context, hash string) (APIKey, error) {
	row := s.db.QueryRowContext(ctx, "SELECT "+apiKeyColumns+" FROM api_keys WHERE hash = ? AND revoked_at = ''", hash)
	k, err := scanAPIKey(row)
	if errors.Is(err, sql.ErrNoRows) {
		return APIKey{}, fmt.Errorf("api key: %w", ErrNotFound)
	}
	if err != nil {
		return APIKey{}, fmt.Errorf("api key: %w", err)
	}
	now := s.now()
	if now.Sub(k.LastUsedAt) > time.Minute {
		if _, err := s.db.ExecContext(ctx, "UPDATE api_keys SET last_used_at = ? WHERE id = ?", ts(now), k.ID); err != nil {
			return APIKey{}, fmt.Errorf("api key %q: %w", k.Name, err)
		}
		k.LastUsedAt = now
	}
	return k, nil
}

// RevokeAPIKey revokes the key called name; ErrNotFound when there is no
// such key that is still valid.
func (s *Store) RevokeAPIKey(ctx context.Context, name string) error {
	res, err := s.db.ExecContext(ctx, "UPDATE api_keys SET revoked_at = ? WHERE name = ? AND revoked_at = ''", ts(s.now()), strings.TrimSpace(name))
	if err != nil {
		return fmt.Errorf("revoke api key %q: %w", name, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("api key %q: %w", name, ErrNotFound)
	}
	return nil
}
