package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/feedwatch/feedwatch/internal/store"
)

// backupName matches the backups `feedwatch backup DIR` writes; --keep
// deletes only files of exactly this shape, never anything else in DIR
// (not even a hand-made feedwatch-before-upgrade.db).
var backupName = regexp.MustCompile(`^feedwatch-\d{8}T\d{6}Z\.db$`)

// staleTemp is how old a backup's temporary file must be for backupToDir to
// take it for the leftover of a backup that was killed: a running backup
// writes to it all the time.
const staleTemp = time.Hour

func cmdBackup(ctx context.Context, a *app, args []string) error {
	fs := newFlags(a, "backup", "FILE|DIR [--keep N]", `Write a consistent copy of the database while the daemon runs (SQLite's
VACUUM INTO: a compacted snapshot of one moment, checked before it is given
its name; readable by its owner only). FILE must not exist. Given a
directory (made when missing if the name ends in / or --keep is given), the
copy is named feedwatch-YYYYMMDDTHHMMSSZ.db there, and --keep N then
deletes all but the N newest files of that shape. The database is not
migrated first, so a backup taken before an upgrade holds what the running
version wrote.

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
	exists := err == nil
	// A folder that does not exist yet is made when the name ends in a
	// slash or --keep asks for rotation.
	isDir := (exists && fi.IsDir()) || (!exists && (strings.HasSuffix(dest, string(filepath.Separator)) || *keep > 0))
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
	if err != nil {
		return info, nil, err
	}
	deleted, err := pruneBackups(dir, keep, now)
	return info, deleted, err
}

// pruneBackups deletes all but the keep newest backups in dir (keep 0:
// none), whose names sort by time, and the temporary files of backups
// killed before they finished.
func pruneBackups(dir string, keep int, now time.Time) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var backups, deleted []string
	for _, e := range entries {
		name := e.Name()
		if backupName.MatchString(name) {
			backups = append(backups, name)
			continue
		}
		if strings.HasPrefix(name, ".feedwatch-") && strings.Contains(name, ".db.tmp-") {
			if info, err := e.Info(); err == nil && now.Sub(info.ModTime()) > staleTemp {
				if err := os.Remove(filepath.Join(dir, name)); err != nil {
					return deleted, fmt.Errorf("delete unfinished backup: %w", err)
				}
				deleted = append(deleted, filepath.Join(dir, name))
			}
		}
	}
	if keep == 0 {
		return deleted, nil
	}
	slices.Sort(backups)
	for _, name := range backups[:max(0, len(backups)-keep)] {
		old := filepath.Join(dir, name)
		if err := os.Remove(old); err != nil {
			return deleted, fmt.Errorf("delete old backup: %w", err)
		}
		deleted = append(deleted, old)
	}
	return deleted, nil
}
