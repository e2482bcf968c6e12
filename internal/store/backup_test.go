package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/model"
)

// TestBackupWhileWriting: a backup taken while another connection keeps
// storing items is a consistent snapshot: it opens, passes the integrity
// check, holds at least what was stored before it began, and its feeds'
// item counts agree with its items.
func TestBackupWhileWriting(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(ctx, filepath.Join(dir, "feedwatch.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	f, err := s.AddFeed(ctx, model.Feed{URL: "https://a.example/feed"})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	var saved atomic.Int64
	save := func(round int) {
		items := make([]model.Item, 50)
		for i := range items {
			items[i] = model.Item{Key: fmt.Sprintf("r%d-%d", round, i), Title: "Talks resume", Summary: "<p>Envoys met.</p>", Published: at, FetchedAt: at}
		}
		if _, err := s.SaveFetch(ctx, f, items, nil); err != nil {
			t.Error(err)
			return
		}
		saved.Add(int64(len(items)))
	}
	for round := range 20 {
		save(round)
	}
	before := int(saved.Load())

	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for round := 20; ; round++ {
			select {
			case <-stop:
				return
			default:
				save(round)
			}
		}
	}()
	dest := filepath.Join(dir, "backup.db")
	info, err := Backup(ctx, s.Path(), dest)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if info.Path != dest || info.SchemaVersion != LatestVersion() || info.Items < before || info.Bytes == 0 {
		t.Errorf("Backup = %+v; want at least %d items at schema %d", info, before, LatestVersion())
	}
	if fi, err := os.Stat(dest); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("backup's mode: %v, %v; want 0600 (it holds addresses and feed passwords)", fi.Mode(), err)
	}
	if leftovers, _ := filepath.Glob(filepath.Join(dir, ".backup.db.tmp-*")); len(leftovers) != 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}

	b, err := Open(ctx, dest)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.IntegrityCheck(ctx); err != nil {
		t.Fatal(err)
	}
	n, err := b.ItemCount(ctx)
	if err != nil || n != info.Items {
		t.Errorf("backup's feeds count %d items (%v), it holds %d", n, err, info.Items)
	}
	if hits, err := b.Search(ctx, "envoys", 1<<20); err != nil || len(hits) != info.Items {
		t.Errorf("backup's search index finds %d of %d items (%v)", len(hits), info.Items, err)
	}

	// A second backup to the same name is refused and leaves the first.
	if _, err := Backup(ctx, s.Path(), dest); !errors.Is(err, fs.ErrExist) {
		t.Errorf("backup over an existing file: %v", err)
	}
	if again, err := checkBackup(ctx, dest); err != nil || again.Items != info.Items {
		t.Errorf("existing backup changed: %+v, %v", again, err)
	}
}

// TestBackupDoesNotMigrateOrCreate: a backup of an older database keeps its
// schema (taken before an upgrade, it must hold what the old version
// wrote), and a backup of a database that is not there creates nothing.
func TestBackupDoesNotMigrateOrCreate(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	src := filepath.Join(dir, "old.db")
	old, err := OpenAt(ctx, src, 3)
	if err != nil {
		t.Fatal(err)
	}
	seedAt(t, old, 3)
	old.Close()

	info, err := Backup(ctx, src, filepath.Join(dir, "old-backup.db"))
	if err != nil {
		t.Fatal(err)
	}
	if info.SchemaVersion != 3 || info.Items != 1 {
		t.Errorf("Backup of a v3 database = %+v", info)
	}
	if v := schemaOf(t, src); v != 3 {
		t.Errorf("source migrated to v%d by the backup", v)
	}

	noFolder := filepath.Join(dir, "no-such-folder", "b.db")
	if _, err := Backup(ctx, src, noFolder); !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "folder: stat "+filepath.Dir(noFolder)) {
		t.Errorf("backup into a missing folder: %v", err)
	}
	missing := filepath.Join(dir, "missing.db")
	_, err = Backup(ctx, missing, filepath.Join(dir, "b.db"))
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), missing) {
		t.Errorf("backup of a missing database: %v", err)
	}
	for _, p := range []string{missing, filepath.Join(dir, "b.db")} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%s created", p)
		}
	}
}

func schemaOf(t *testing.T, path string) int {
	t.Helper()
	db, err := openPlain(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var v int
	if err := db.QueryRow("PRAGMA user_version").Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}
