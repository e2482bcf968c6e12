package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"syscall"
)

// BackupInfo describes a finished backup.
type BackupInfo struct {
	Path          string
	SchemaVersion int
	Items         int
	Bytes         int64
}

// Backup writes a consistent copy of the database at src to dest while
// other processes (a running daemon) go on reading and writing it: VACUUM
// INTO copies one read transaction's snapshot, compacted, which a copy of
// the file and its write-ahead log taken by cp could not promise.
//
// It does not migrate src, so that a backup taken before an upgrade holds
// the schema the previous version wrote. The copy is written beside dest
// under a temporary name, checked (integrity, schema version) and only then
// linked to dest, so dest is either a whole, checked backup or absent.
// An existing dest is never overwritten. The copy is readable by its owner
// only.
func Backup(ctx context.Context, src, dest string) (BackupInfo, error) {
	fail := func(err error) (BackupInfo, error) {
		return BackupInfo{}, fmt.Errorf("back up %s to %s: %w", src, dest, err)
	}
	if _, err := os.Stat(src); err != nil {
		return fail(err) // opening would create an empty database
	}
	if _, err := os.Lstat(dest); err == nil {
		return fail(fs.ErrExist)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fail(err)
	}
	if _, err := os.Stat(filepath.Dir(dest)); err != nil {
		return fail(fmt.Errorf("folder: %w", err)) // rather than the temporary file's name
	}
	tmp, err := os.CreateTemp(filepath.Dir(dest), "."+filepath.Base(dest)+".tmp-*")
	if err != nil {
		return fail(err)
	}
	// VACUUM INTO writes into the empty file CreateTemp made, keeping its
	// mode 0600: the copy holds subscribers' addresses and feed passwords.
	tmpPath := tmp.Name()
	tmp.Close()
	defer os.Remove(tmpPath)

	db, err := openPlain(src)
	if err != nil {
		return fail(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "VACUUM INTO ?", tmpPath); err != nil {
		return fail(err)
	}
	info, err := checkBackup(ctx, tmpPath)
	if err != nil {
		return fail(fmt.Errorf("the copy failed its check: %w", err))
	}
	// Link, not rename: it fails rather than replace a dest that appeared
	// meanwhile. File systems without hard links (FAT on a USB disk, some
	// network shares) refuse with EPERM or ENOTSUP and get a rename, dest
	// having been checked above: there, a dest made in between by another
	// program would be replaced.
	if err := os.Link(tmpPath, dest); err != nil {
		if !errors.Is(err, syscall.EPERM) && !errors.Is(err, syscall.ENOTSUP) {
			return fail(err)
		}
		if _, serr := os.Lstat(dest); serr == nil {
			return fail(fs.ErrExist)
		}
		if err := os.Rename(tmpPath, dest); err != nil {
			return fail(err)
		}
	}
	info.Path = dest
	return info, nil
}

// openPlain opens path without migrating it; busy_timeout lets it wait
// for a writer's transaction rather than fail at once.
func openPlain(path string) (*sql.DB, error) {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	return db, nil
}

func checkBackup(ctx context.Context, path string) (BackupInfo, error) {
	db, err := openPlain(path)
	if err != nil {
		return BackupInfo{}, err
	}
	defer db.Close()
	var verdict string
	if err := db.QueryRowContext(ctx, "PRAGMA quick_check").Scan(&verdict); err != nil {
		return BackupInfo{}, err
	}
	if verdict != "ok" {
		return BackupInfo{}, fmt.Errorf("quick_check: %s", verdict)
	}
	var info BackupInfo
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&info.SchemaVersion); err != nil {
		return BackupInfo{}, err
	}
	if info.SchemaVersion >= 1 {
		if err := db.QueryRowContext(ctx, "SELECT count(*) FROM items").Scan(&info.Items); err != nil {
			return BackupInfo{}, err
		}
	}
	if fi, err := os.Stat(path); err == nil {
		info.Bytes = fi.Size()
	}
	return info, nil
}
