package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTopicsLabelsAndSuggest: labels go in from a file and out as JSON
// lines that eval reads, and suggest proposes the term a rules file lacks.
func TestTopicsLabelsAndSuggest(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "feedwatch.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf("data_dir: %s\ntopics_file: \"\"\nlog: {level: error}\nfeeds: []\n", dir)), 0o600)
	extra := filepath.Join("..", "..", "testdata", "relevance", "extra.jsonl")

	code, out, errOut := runCLI(t, nil, "topics", "labels", "import", extra, "--config", cfg)
	if code != 0 || !strings.Contains(out, "labels new or changed") {
		t.Fatalf("import: exit %d\n%s%s", code, out, errOut)
	}
	lines := 0
	if b, err := os.ReadFile(extra); err == nil {
		for l := range strings.Lines(string(b)) {
			if strings.TrimSpace(l) != "" {
				lines++
			}
		}
	}
	if !strings.Contains(out, fmt.Sprintf(": %d labels", lines)) {
		t.Errorf("import says %q, want %d labels", out, lines)
	}
	exported := filepath.Join(dir, "labels.jsonl")
	if code, out, errOut = runCLI(t, nil, "topics", "labels", "export", "--topic", "us-russia", "--out", exported, "--config", cfg); code != 0 {
		t.Fatalf("export: exit %d\n%s%s", code, out, errOut)
	}
	if !strings.Contains(errOut, fmt.Sprintf("wrote %d labelled items", lines)) {
		t.Errorf("export says %q", errOut)
	}
	// eval reads the export and gets the same figures as from the file.
	_, fromFile, _ := runCLI(t, nil, "topics", "eval", "--labels", extra, "--config", cfg)
	code, fromExport, errOut := runCLI(t, nil, "topics", "eval", "--labels", exported, "--config", cfg)
	if code != 0 {
		t.Fatalf("eval of the export: exit %d\n%s", code, errOut)
	}
	figures := func(s string) string {
		for l := range strings.Lines(s) {
			if strings.Contains(l, "precision") {
				return strings.TrimSpace(l)
			}
		}
		return ""
	}
	if figures(fromFile) == "" || figures(fromFile) != figures(fromExport) {
		t.Errorf("eval of the file %q, of the export %q", figures(fromFile), figures(fromExport))
	}

	// A rules file without "Washington" on the American side: suggest
	// (from the database's labels) proposes it first for that group.
	shipped, err := os.ReadFile(filepath.Join("..", "..", "config", "topics.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	cut := strings.Replace(string(shipped), "          - Washington\n", "", 1)
	if cut == string(shipped) {
		t.Fatal("no Washington line in the shipped rules")
	}
	rules := filepath.Join(dir, "cut.yaml")
	os.WriteFile(rules, []byte(cut), 0o600)
	code, out, errOut = runCLI(t, nil, "topics", "suggest", "--topics", rules, "--config", cfg)
	if code != 0 {
		t.Fatalf("suggest: exit %d\n%s%s", code, out, errOut)
	}
	if !strings.Contains(out, `1. add "Washington" to group "American side"`) || !strings.Contains(out, "fixes ") {
		t.Errorf("suggest:\n%s", out)
	}
	// The same from the file, without the database.
	code, out, _ = runCLI(t, nil, "topics", "suggest", "--topics", rules, "--labels", extra, "--days", "0", "--config", cfg)
	if code != 0 || !strings.Contains(out, `add "Washington" to group "American side"`) {
		t.Errorf("suggest --labels: exit %d\n%s", code, out)
	}
}

// TestTopicsFileLocations: topics_seed fills a missing topics_file, and
// with no topics_file the data folder's topics.yaml (the workbench's first
// save) wins over the built-in topics.
func TestTopicsFileLocations(t *testing.T) {
	dir := t.TempDir()
	seed := filepath.Join(dir, "shipped.yaml")
	os.WriteFile(seed, []byte("topics:\n  - id: seeded\n    name: Seeded\n    rules:\n      any: [x]\n"), 0o600)
	data := filepath.Join(dir, "data")
	cfg := filepath.Join(dir, "feedwatch.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf("data_dir: %s\ntopics_file: %s\ntopics_seed: %s\nfeeds: []\n", data, filepath.Join(data, "topics.yaml"), seed)), 0o600)
	code, out, errOut := runCLI(t, nil, "topics", "list", "--config", cfg)
	if code != 0 || !strings.Contains(out, "seeded") {
		t.Fatalf("seeded list: exit %d\n%s%s", code, out, errOut)
	}
	if b, err := os.ReadFile(filepath.Join(data, "topics.yaml")); err != nil || !strings.Contains(string(b), "id: seeded") {
		t.Fatalf("seeded file = %q, %v", b, err)
	}
	// The seed is a first start's only: an edited file stays.
	os.WriteFile(filepath.Join(data, "topics.yaml"), []byte("topics:\n  - id: edited\n    name: Edited\n    rules:\n      any: [y]\n"), 0o600)
	if _, out, _ = runCLI(t, nil, "topics", "list", "--config", cfg); !strings.Contains(out, "edited") {
		t.Errorf("after editing: %s", out)
	}
	// A seed that is not there is an error naming the key.
	os.Remove(filepath.Join(data, "topics.yaml"))
	os.Remove(seed)
	if code, _, errOut = runCLI(t, nil, "topics", "list", "--config", cfg); code == 0 || !strings.Contains(errOut, "topics_seed") {
		t.Errorf("missing seed: exit %d %s", code, errOut)
	}

	// No topics_file: the built-in topics, until data/topics.yaml exists.
	os.WriteFile(cfg, []byte(fmt.Sprintf("data_dir: %s\ntopics_file: \"\"\nfeeds: []\n", data)), 0o600)
	if _, out, _ = runCLI(t, nil, "topics", "list", "--config", cfg); !strings.Contains(out, "us-russia") {
		t.Errorf("built-in: %s", out)
	}
	os.WriteFile(filepath.Join(data, "topics.yaml"), []byte("topics:\n  - id: workbench\n    name: Workbench\n    rules:\n      any: [z]\n"), 0o600)
	if _, out, _ = runCLI(t, nil, "topics", "list", "--config", cfg); !strings.Contains(out, "workbench") || strings.Contains(out, "us-russia") {
		t.Errorf("after the workbench saved: %s", out)
	}
}
