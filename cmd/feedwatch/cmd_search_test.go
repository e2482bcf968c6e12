package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/model"
	"github.com/feedwatch/feedwatch/internal/store"
)

func TestSearchCommand(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.Open(ctx, filepath.Join(dir, "feedwatch.db"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := st.AddFeed(ctx, model.Feed{URL: "https://a.example/feed", Title: "Wire"})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	_, err = st.SaveFetch(ctx, f, []model.Item{
		{Key: "1", Title: "Лавров встретился с послом США", Summary: "<p>Переговоры в Москве\x1b[31m.</p>", Link: "https://a.example/1", Published: at, FetchedAt: at},
		{Key: "2", Title: "Rail strike", Summary: "<p>Trains stopped in Moscow.</p>", Link: "https://a.example/2", Published: at, FetchedAt: at},
	}, [][]model.Match{{{TopicID: "us-russia", Score: 3}}, nil})
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	env := []string{"FEEDWATCH_DATA_DIR=" + dir, "FEEDWATCH_LOG_LEVEL=error"}

	code, out, errOut := runCLI(t, env, "search", "ЛАВРОВ")
	if code != 0 || !strings.Contains(out, "[Лавров] встретился с послом США") || !strings.Contains(out, "https://a.example/1") || !strings.HasSuffix(out, "1 items\n") {
		t.Errorf("search ЛАВРОВ: %d\n%s%s", code, out, errOut)
	}
	if strings.Contains(out, "\x1b") {
		t.Errorf("terminal escape from a feed reached the output: %q", out)
	}
	code, out, _ = runCLI(t, env, "search", "moscow*", "--topic", "us-russia", "--json")
	if code != 0 || strings.Count(out, "\n") != 0 {
		// "Москве" is not "moscow": nothing in the topic.
		t.Errorf("search moscow --topic: %d %q", code, out)
	}
	code, out, _ = runCLI(t, env, "search", "--limit", "1", "moscow", "OR", "москве")
	if code != 0 || strings.Count(out, "https://a.example/") != 1 || !strings.Contains(out, "--limit shows more") {
		t.Errorf("search --limit 1: %d\n%s", code, out)
	}
	if code, out, _ = runCLI(t, env, "search", `"unbalanced`, "(", "NEAR"); code != 0 || !strings.Contains(out, "no stored item matches") {
		t.Errorf("odd query: %d %q", code, out)
	}
	if code, _, errOut = runCLI(t, env, "search", "x", "--topic", "nope"); code != 2 || !strings.Contains(errOut, "unknown topic") {
		t.Errorf("unknown topic: %d %q", code, errOut)
	}
	if code, _, _ = runCLI(t, env, "search"); code != 2 {
		t.Errorf("no query: exit %d, want 2", code)
	}
}
