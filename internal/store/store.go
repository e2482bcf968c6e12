// Package store owns every SQL statement of feedwatch. It opens the SQLite
// database (modernc.org/sqlite, WAL, foreign keys, busy timeout), applies the
// embedded migrations at start and answers one question per method. Multi-step
// writes run in one transaction. Times are stored in UTC.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// ErrNotFound is returned when the asked-for row does not exist.
var ErrNotFound = errors.New("not found")

//go:embed migrations/*.sql
var migrationFS embed.FS

// Store is an open feedwatch database.
type Store struct {
	db   *sql.DB
	path string
	// Now is the clock; tests replace it.
	Now func() time.Time
	// stmts are statements prepared once (prepared), for the ones a poll
	// runs for every feed: SQLite's parser would otherwise cost about as
	// much as running them.
	stmts sync.Map // query text -> *sql.Stmt
}

// Open opens (creating if needed) the database at path and migrates it to
// the latest schema.
func Open(ctx context.Context, path string) (*Store, error) {
	return OpenAt(ctx, path, -1)
}

// OpenAt is Open stopping at schema version target (-1: latest). Tests use it
// to build databases of earlier versions.
func OpenAt(ctx context.Context, path string, target int) (*Store, error) {
	return open(ctx, path, target, nil)
}

// OpenCounting is Open with every statement the Store runs counted in the
// returned Statements: for tests that bound the queries an operation
// makes. A Store from Open counts nothing and pays nothing for it.
func OpenCounting(ctx context.Context, path string) (*Store, *Statements, error) {
	c := &Statements{}
	s, err := open(ctx, path, -1, c)
	if err != nil {
		return nil, nil, err
	}
	c.Reset() // the migrations' statements are not the caller's
	return s, c, nil
}

func open(ctx context.Context, path string, target int, count *Statements) (*Store, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("open database %s: %w", path, err)
		}
	}
	q := url.Values{}
	// auto_vacuum only takes effect before the first table is created, so
	// it comes first and makes every new database give pruned pages back to
	// the file system (PruneItems runs incremental_vacuum). On an existing
	// database it changes nothing until a one-off VACUUM (see
	// docs/performance.md, "Retention").
	// journal_size_limit: a daemon keeps the database open for months, and
	// without a limit the write-ahead log keeps the largest size it ever
	// reached (while a backup or a long read held checkpoints back) until
	// it is closed; with one, the log is cut back after a checkpoint.
	for _, p := range []string{"auto_vacuum(incremental)", "busy_timeout(10000)", "journal_mode(wal)", "foreign_keys(1)", "synchronous(normal)", "journal_size_limit(67108864)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	dsn := "file:" + path + "?" + q.Encode()
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	if count != nil {
		inner := db.Driver()
		db.Close()
		db = sql.OpenDB(&countingConnector{inner: inner, dsn: dsn, count: count})
	}
	// SQLite has one writer; a small pool of readers is enough and keeps
	// writers from queueing behind many idle connections.
	db.SetMaxOpenConns(8)
	// and keeps them open: database/sql keeps two idle by default, so a
	// poll's workers closed and opened connections all the time, and each
	// new one ran the pragmas above (waiting in the busy handler while a
	// commit held the lock) and started with an empty page cache.
	db.SetMaxIdleConns(8)
	s := &Store{db: db, path: path, Now: time.Now}
	if err := s.migrate(ctx, target); err != nil {
		db.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	return s, nil
}

// Close closes the database.
func (s *Store) Close() error {
	s.stmts.Range(func(_, st any) bool {
		st.(*sql.Stmt).Close()
		return true
	})
	return s.db.Close()
}

// prepared returns q prepared once for the whole Store; database/sql
// prepares it again on each connection that runs it.
func (s *Store) prepared(ctx context.Context, q string) (*sql.Stmt, error) {
	if st, ok := s.stmts.Load(q); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := s.db.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	if prev, loaded := s.stmts.LoadOrStore(q, st); loaded {
		st.Close()
		return prev.(*sql.Stmt), nil
	}
	return st, nil
}

// Path is the database file.
func (s *Store) Path() string { return s.path }

// DB exposes the handle for tests and diagnostics (integrity checks).
func (s *Store) DB() *sql.DB { return s.db }

type migration struct {
	version int
	name    string
	sql     string
}

func migrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFS, "migrations")
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: name must start with a number", e.Name())
		}
		body, err := migrationFS.ReadFile("migrations/" + e.Name())
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: e.Name(), sql: string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	for i, m := range out {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %s: expected version %d", m.name, i+1)
		}
	}
	return out, nil
}

// LatestVersion is the schema version this build migrates to.
func LatestVersion() int {
	ms, err := migrations()
	if err != nil {
		return 0
	}
	return len(ms)
}

// SchemaVersion reports the database's schema version.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := s.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v)
	return v, err
}

// migrate applies, each in its own transaction, the migrations the database
// has not seen. Forward only: a database newer than this build is refused.
func (s *Store) migrate(ctx context.Context, target int) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	if target < 0 || target > len(ms) {
		target = len(ms)
	}
	current, err := s.SchemaVersion(ctx)
	if err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if current > len(ms) {
		return fmt.Errorf("schema version %d is newer than this feedwatch (%d): upgrade feedwatch", current, len(ms))
	}
	for _, m := range ms[current:target] {
		if err := s.apply(ctx, m); err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
	}
	return nil
}

// foreignKeysOff marks a migration that rebuilds a table other tables
// refer to. SQLite's way (https://sqlite.org/lang_altertable.html, "other
// kinds of table schema changes") turns foreign keys off around the
// transaction, since dropping the old table with them on would delete the
// rows that refer to it, and checks them before committing.
const foreignKeysOff = "-- migrate: foreign_keys off"

// apply runs one migration in its own transaction on one connection.
func (s *Store) apply(ctx context.Context, m migration) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	fkOff := strings.HasPrefix(m.sql, foreignKeysOff)
	if fkOff {
		if _, err := conn.ExecContext(ctx, "PRAGMA foreign_keys = OFF"); err != nil {
			return err
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA foreign_keys = ON")
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return err
	}
	if fkOff {
		rows, err := tx.QueryContext(ctx, "PRAGMA foreign_key_check")
		if err != nil {
			return err
		}
		broken := rows.Next()
		rows.Close()
		if broken {
			return errors.New("foreign keys broken by the rebuild")
		}
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", m.version)); err != nil {
		return err
	}
	return tx.Commit()
}

// IntegrityCheck runs PRAGMA integrity_check and returns its verdict.
func (s *Store) IntegrityCheck(ctx context.Context) error {
	rows, err := s.db.QueryContext(ctx, "PRAGMA integrity_check")
	if err != nil {
		return err
	}
	defer rows.Close()
	var msgs []string
	for rows.Next() {
		var m string
		if err := rows.Scan(&m); err != nil {
			return err
		}
		msgs = append(msgs, m)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(msgs) == 1 && msgs[0] == "ok" {
		return nil
	}
	return fmt.Errorf("integrity check: %s", strings.Join(msgs, "; "))
}

const timeLayout = "2006-01-02T15:04:05.000Z"

// ts formats t for storage; the zero time is stored as "".
func ts(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(timeLayout)
}

// parseTS reads a stored time; "" is the zero time.
func parseTS(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(timeLayout, s)
	if err != nil {
		t, _ = time.Parse(time.RFC3339Nano, s)
	}
	return t.UTC()
}

func (s *Store) now() time.Time { return s.Now().UTC() }

// Setting returns a stored setting or ErrNotFound.
func (s *Store) Setting(ctx context.Context, key string) (string, error) {
	var v string
	err := s.db.QueryRowContext(ctx, "SELECT value FROM settings WHERE key = ?", key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("setting %s: %w", key, ErrNotFound)
	}
	return v, err
}

// SetSetting stores a setting, replacing its value.
func (s *Store) SetSetting(ctx context.Context, key, value string) error {
	if _, err := s.db.ExecContext(ctx, "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", key, value); err != nil {
		return fmt.Errorf("store setting %s: %w", key, err)
	}
	return nil
}

// SettingOrInit returns the stored setting, storing init() first when absent.
// Concurrent callers all get the one value that won.
func (s *Store) SettingOrInit(ctx context.Context, key string, init func() (string, error)) (string, error) {
	if v, err := s.Setting(ctx, key); err == nil {
		return v, nil
	}
	v, err := init()
	if err != nil {
		return "", err
	}
	if _, err := s.db.ExecContext(ctx, "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING", key, v); err != nil {
		return "", fmt.Errorf("store setting %s: %w", key, err)
	}
	return s.Setting(ctx, key)
}
