package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/feedwatch/feedwatch/internal/store"
)

// backupPattern names the backups `feedwatch backup DIR` writes; --keep
// deletes only files of this shape, never anything else in DIR.
const backupPattern = "feedwatch-*.db"

func cmdBackup(ctx context.Context, a *app, args []string) error {
	fs := newFlags(a, "backup", "FILE|DIR [--keep N]", `Write a consistent copy of the database while the daemon runs (SQLite's
VACUUM INTO: a compacted snapshot of one moment, checked before it is given
its name). FILE must not exist. Given a directory, the copy is named
feedwatch-YYYYMMDDTHHMMSSZ.db there, and --keep N then deletes all but the
N newest such files. The database is not migrated first, so a backup taken
before an upgrade holds what the running version wrote.

To restore: stop the daemon, replace the database file with the copy,
remove the old file's -wal and -shm files, start the daemon.`)
	a.configFlagVar(fs)
	keep := fs.Int("keep", 0, "with a directory: keep this many newest backups, delete older ones (0: keep all)")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return fmt.Errorf("%w: want one FILE or DIR", errUsage)
	}
	cfg, err := a.loadConfig()
	if err != nil {
		return err
	}
	dest := rest[0]
	fi, err := os.Stat(dest)
	isDir := err == nil && fi.IsDir()
	if *keep < 0 || (*keep > 0 && !isDir) {
		return fmt.Errorf("%w: --keep needs a directory and a positive number", errUsage)
	}
	start := time.Now()
	var info store.BackupInfo
	var deleted []string
	if isDir {
		info, deleted, err = backupToDir(ctx, cfg.Database, dest, *keep, start)
	} else {
		info, err = store.Backup(ctx, cfg.Database, dest)
	}
	if info.Path != "" { // also when deleting old backups failed after it
		fmt.Fprintf(a.stdout, "backed up %s to %s: schema %d, %d items, %.1f MB, %s\n", cfg.Database, info.Path,
			info.SchemaVersion, info.Items, float64(info.Bytes)/(1<<20), time.Since(start).Round(time.Millisecond))
	}
	for _, old := range deleted {
		fmt.Fprintf(a.stdout, "deleted old backup %s\n", old)
	}
	return err
}

// backupToDir backs src up into dir (made if missing) under a name that
// sorts by time, then deletes all but the keep newest (0 keeps all) and
// returns what it deleted. `feedwatch backup DIR` and the daemon's backup
// job both use it.
func backupToDir(ctx context.Context, src, dir string, keep int, now time.Time) (store.BackupInfo, []string, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return store.BackupInfo{}, nil, fmt.Errorf("backup folder: %w", err)
	}
	dest := filepath.Join(dir, "feedwatch-"+now.UTC().Format("20060102T150405Z")+".db")
	info, err := store.Backup(ctx, src, dest)
	if err != nil || keep == 0 {
		return info, nil, err
	}
	deleted, err := pruneBackups(dir, keep)
	return info, deleted, err
}

// pruneBackups deletes all but the keep newest backups in dir. Their names
// sort by time.
func pruneBackups(dir string, keep int) ([]string, error) {
	names, err := filepath.Glob(filepath.Join(dir, backupPattern))
	if err != nil {
		return nil, err
	}
	slices.Sort(names)
	var deleted []string
	for _, old := range names[:max(0, len(names)-keep)] {
		if err := os.Remove(old); err != nil {
			return deleted, fmt.Errorf("delete old backup: %w", err)
		}
		deleted = append(deleted, old)
	}
	return deleted, nil
}
