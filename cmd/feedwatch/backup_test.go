package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestBackupCommand(t *testing.T) {
	feeds := feedServer(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "feedwatch.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf("data_dir: %s\ntopics_file: \"\"\nlog:\n  level: error\nfeeds:\n  - url: %s/wire.rss\n", filepath.Join(dir, "data"), feeds.URL)), 0o600)
	cli := func(args ...string) (int, string, string) {
		t.Helper()
		return runCLI(t, nil, append(args, "--config", cfg)...)
	}
	if code, out, errOut := cli("poll", "--all"); code != 0 {
		t.Fatalf("poll: %d\n%s\n%s", code, out, errOut)
	}

	// To a file; the copy works as a database.
	file := filepath.Join(dir, "copy.db")
	code, out, errOut := cli("backup", file)
	if code != 0 || !strings.Contains(out, "to "+file) || strings.Contains(out, " 0 items") {
		t.Fatalf("backup FILE: %d\n%s\n%s", code, out, errOut)
	}
	restored := filepath.Join(dir, "restored.yaml")
	os.WriteFile(restored, []byte(fmt.Sprintf("database: %s\ntopics_file: \"\"\nfeeds: []\n", file)), 0o600)
	if code, out, _ := runCLI(t, nil, "feeds", "list", "--config", restored); code != 0 || !strings.Contains(out, feeds.URL+"/wire.rss") {
		t.Errorf("feeds list on the backup: %d\n%s", code, out)
	}
	// Never over an existing file.
	if code, _, errOut := cli("backup", file); code == 0 || !strings.Contains(errOut, file) || !strings.Contains(errOut, "exists") {
		t.Errorf("backup over an existing file: %d %s", code, errOut)
	}

	// To a directory, keeping the two newest of its backups. A hand-made
	// copy with a similar name, other files and a backup still being
	// written are left; the temporary file of a backup killed hours ago
	// goes.
	backups := filepath.Join(dir, "backups")
	os.Mkdir(backups, 0o750)
	for _, name := range []string{"feedwatch-20240101T000000Z.db", "feedwatch-20250101T000000Z.db", "feedwatch-before-upgrade.db",
		"notes.txt", ".feedwatch-20240101T000000Z.db.tmp-1", ".feedwatch-20990101T000000Z.db.tmp-2"} {
		os.WriteFile(filepath.Join(backups, name), []byte("x"), 0o600)
	}
	hoursAgo := time.Now().Add(-3 * time.Hour)
	os.Chtimes(filepath.Join(backups, ".feedwatch-20240101T000000Z.db.tmp-1"), hoursAgo, hoursAgo)
	code, out, errOut = cli("backup", backups, "--keep", "2")
	if code != 0 || !strings.Contains(out, "deleted old backup "+filepath.Join(backups, "feedwatch-20240101T000000Z.db")) {
		t.Fatalf("backup DIR --keep 2: %d\n%s\n%s", code, out, errOut)
	}
	entries, _ := os.ReadDir(backups)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	// ReadDir sorts by name: dot files first.
	if len(names) != 5 || names[0] != ".feedwatch-20990101T000000Z.db.tmp-2" || names[1] != "feedwatch-20250101T000000Z.db" ||
		!strings.Contains(out, "to "+filepath.Join(backups, names[2])) || names[3] != "feedwatch-before-upgrade.db" || names[4] != "notes.txt" {
		t.Errorf("backups left: %v\n%s", names, out)
	}

	// A folder that does not exist yet is made when the name ends in a slash.
	code, out, errOut = cli("backup", filepath.Join(dir, "new-folder")+string(filepath.Separator))
	if made, _ := filepath.Glob(filepath.Join(dir, "new-folder", "feedwatch-*Z.db")); code != 0 || len(made) != 1 {
		t.Errorf("backup NEWDIR/: %d, made %v\n%s\n%s", code, made, out, errOut)
	}
	if code, _, errOut := cli("backup", file, "--keep", "2"); code == 0 || !strings.Contains(errOut, "--keep needs a directory") {
		t.Errorf("--keep with a file: %d %s", code, errOut)
	}
}
