package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/feedwatch/feedwatch/internal/store"
)

func TestAPIKeysCommands(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "feedwatch.yaml")
	os.WriteFile(cfg, []byte("data_dir: "+dir+"\ntopics_file: \"\"\nweb: {listen: \"\"}\n"), 0o600)
	cli := func(args ...string) (int, string, string) {
		t.Helper()
		return runCLI(t, nil, append(args, "--config", cfg)...)
	}
	code, out, errOut := cli("apikeys", "create", "dashboard", "--read-only")
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	key := lines[len(lines)-1]
	if code != 0 || !strings.HasPrefix(key, "fwk_") || strings.ContainsAny(key, " \t") {
		t.Fatalf("create = %d\n%s%s", code, out, errOut)
	}
	if code, _, errOut := cli("apikeys", "create", "dashboard"); code != 1 || !strings.Contains(errOut, "already exists") {
		t.Errorf("the same name again = %d %s", code, errOut)
	}
	if code, _, errOut := cli("apikeys", "create", "two words"); code != 1 || !strings.Contains(errOut, "letters, digits") {
		t.Errorf("a bad name = %d %s", code, errOut)
	}
	if code, _, _ := cli("apikeys", "create"); code != 2 {
		t.Errorf("no name = %d, want 2", code)
	}
	code, out, _ = cli("apikeys", "list")
	if code != 0 || !strings.Contains(out, "dashboard") || !strings.Contains(out, "read-only") || strings.Contains(out, key) {
		t.Errorf("list = %d\n%s", code, out)
	}
	// Only the hash is stored.
	raw, _ := os.ReadFile(filepath.Join(dir, "feedwatch.db"))
	if strings.Contains(string(raw), key) {
		t.Error("the database holds the key itself")
	}
	if code, out, _ := cli("apikeys", "revoke", "dashboard"); code != 0 || !strings.Contains(out, "revoked dashboard") {
		t.Errorf("revoke = %d %s", code, out)
	}
	if code, _, errOut := cli("apikeys", "revoke", "dashboard"); code != 1 || !strings.Contains(errOut, "not found") {
		t.Errorf("revoke twice = %d %s", code, errOut)
	}
	st, err := store.Open(context.Background(), filepath.Join(dir, "feedwatch.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	keys, _ := st.APIKeys(context.Background())
	if len(keys) != 1 || keys[0].RevokedAt.IsZero() {
		t.Errorf("keys = %+v", keys)
	}
	acts, _ := st.Activities(context.Background(), 10)
	if len(acts) != 2 || acts[0].Actor != "cli" || acts[0].Action != "apikey.revoke" {
		t.Errorf("activity = %+v", acts)
	}
}

// TestBrokenTopicsFileLeavesOtherOperations: commands that do not need the
// topics work while the topics file is broken; those that do say why not.
func TestBrokenTopicsFileLeavesOtherOperations(t *testing.T) {
	dir := t.TempDir()
	topics := filepath.Join(dir, "topics.yaml")
	os.WriteFile(topics, []byte("topics:\n  - id: x\n    rules: [\n"), 0o600)
	cfg := filepath.Join(dir, "feedwatch.yaml")
	os.WriteFile(cfg, []byte("data_dir: "+dir+"\ntopics_file: "+topics+"\nweb: {listen: \"\"}\n"), 0o600)
	for _, args := range [][]string{{"feeds", "list"}, {"apikeys", "list"}, {"outbox", "list"}, {"feeds", "export"}} {
		if code, out, errOut := runCLI(t, nil, append(args, "--config", cfg)...); code != 0 {
			t.Errorf("%v with a broken topics file = %d\n%s%s", args, code, out, errOut)
		}
	}
	if code, _, errOut := runCLI(t, nil, "subscribers", "add", "a@example.org", "--topic", "x", "--config", cfg); code != 1 || !strings.Contains(errOut, "topics.yaml") {
		t.Errorf("subscribers add with a broken topics file = %d %s", code, errOut)
	}
}
