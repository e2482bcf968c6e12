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
	if isDir {
		dest = filepath.Join(dest, "feedwatch-"+time.Now().UTC().Format("20060102T150405Z")+".db")
	}
	start := time.Now()
	info, err := store.Backup(ctx, cfg.Database, dest)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "backed up %s to %s: schema %d, %d items, %.1f MB, %s\n", cfg.Database, info.Path,
		info.SchemaVersion, info.Items, float64(info.Bytes)/(1<<20), time.Since(start).Round(time.Millisecond))
	if *keep > 0 {
		return pruneBackups(a, rest[0], *keep)
	}
	return nil
}

// pruneBackups deletes all but the keep newest backups in dir. Their names
// sort by time.
func pruneBackups(a *app, dir string, keep int) error {
	names, err := filepath.Glob(filepath.Join(dir, backupPattern))
	if err != nil {
		return err
	}
	slices.Sort(names)
	for _, old := range names[:max(0, len(names)-keep)] {
		if err := os.Remove(old); err != nil {
			return fmt.Errorf("delete old backup: %w", err)
		}
		fmt.Fprintf(a.stdout, "deleted old backup %s\n", old)
	}
	return nil
}
