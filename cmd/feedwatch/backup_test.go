package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
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

	// To a directory, keeping the two newest of its backups and nothing
	// else touched.
	backups := filepath.Join(dir, "backups")
	os.Mkdir(backups, 0o750)
	for _, name := range []string{"feedwatch-20240101T000000Z.db", "feedwatch-20250101T000000Z.db", "notes.txt"} {
		os.WriteFile(filepath.Join(backups, name), []byte("x"), 0o600)
	}
	code, out, errOut = cli("backup", backups, "--keep", "2")
	if code != 0 || !strings.Contains(out, "deleted old backup "+filepath.Join(backups, "feedwatch-20240101T000000Z.db")) {
		t.Fatalf("backup DIR --keep 2: %d\n%s\n%s", code, out, errOut)
	}
	left, _ := filepath.Glob(filepath.Join(backups, "*"))
	var names []string
	for _, p := range left {
		names = append(names, filepath.Base(p))
	}
	if len(names) != 3 || names[0] != "feedwatch-20250101T000000Z.db" || names[2] != "notes.txt" ||
		!strings.Contains(out, "to "+filepath.Join(backups, names[1])) {
		t.Errorf("backups left: %v", names)
	}
	if code, _, errOut := cli("backup", file+".new", "--keep", "2"); code == 0 || !strings.Contains(errOut, "--keep needs a directory") {
		t.Errorf("--keep with a file: %d %s", code, errOut)
	}
}
