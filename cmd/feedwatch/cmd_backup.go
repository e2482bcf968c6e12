package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/feedwatch/feedwatch/internal/service"
	"github.com/feedwatch/feedwatch/internal/store"
)

func cmdBackup(ctx context.Context, a *cli, args []string) error {
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
		info, deleted, err = service.BackupToDir(ctx, cfg.Database, dest, *keep, start)
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
