package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFeedsCommands(t *testing.T) {
	feeds := feedServer(t)
	mux := http.NewServeMux()
	mux.HandleFunc("/page", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<html><head><title>News</title>
<link rel="alternate" type="application/rss+xml" title="Wire" href="%[1]s/wire.rss">
<link rel="alternate" type="application/atom+xml" title="Local" href="%[1]s/local.atom">
</head><body>hello</body></html>`, feeds.URL)
	})
	mux.HandleFunc("/private.rss", func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "reader" || p != "s3cret" {
			w.Header().Set("WWW-Authenticate", `Basic realm="feeds"`)
			http.Error(w, "who are you?", http.StatusUnauthorized)
			return
		}
		body, _ := os.ReadFile(filepath.Join("testdata", "e2e", "sports.rss"))
		w.Write(body)
	})
	site := httptest.NewServer(mux)
	defer site.Close()

	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "feedwatch.yaml")
	os.WriteFile(cfgPath, []byte(fmt.Sprintf("data_dir: %s\ntopics_file: \"\"\nfeeds:\n  - url: %s/wire.rss\n    title: Wire from config\n", dir, feeds.URL)), 0o600)
	cli := func(args ...string) (int, string, string) {
		t.Helper()
		return runCLI(t, []string{"FEED_PASSWORD=s3cret"}, append(args, "--config", cfgPath)...)
	}

	// A page advertising two feeds lists them and adds none.
	code, out, _ := cli("feeds", "add", site.URL+"/page")
	if code == 0 || !strings.Contains(out, "advertising 2 feeds") || !strings.Contains(out, "local.atom") {
		t.Fatalf("feeds add PAGE: %d\n%s", code, out)
	}
	if code, out, errOut := cli("feeds", "add", site.URL+"/page", "--pick", "2"); code != 0 || !strings.Contains(out, "added "+feeds.URL+"/local.atom") {
		t.Fatalf("feeds add PAGE --pick 2: %d\n%s\n%s", code, out, errOut)
	}
	// Basic auth: refused without credentials, added with them.
	if code, _, errOut := cli("feeds", "add", site.URL+"/private.rss"); code == 0 || !strings.Contains(errOut, "401") {
		t.Errorf("feeds add without credentials: %d %s", code, errOut)
	}
	if code, out, errOut := cli("feeds", "add", site.URL+"/private.rss", "--username", "reader", "--password-env", "FEED_PASSWORD"); code != 0 {
		t.Fatalf("feeds add with credentials: %d\n%s\n%s", code, out, errOut)
	}
	if code, out, errOut := cli("feeds", "add", "ftp://example.org/feed"); code == 0 || !strings.Contains(errOut, "not an http or https URL") {
		t.Errorf("feeds add ftp: %d %s %s", code, out, errOut)
	}

	code, out, _ = cli("feeds", "list")
	if code != 0 {
		t.Errorf("feeds list = %d", code)
	}
	for _, want := range []string{"Wire from config", "config", feeds.URL + "/local.atom", "new"} {
		if !strings.Contains(out, want) {
			t.Errorf("feeds list lacks %q:\n%s", want, out)
		}
	}
	// Config feeds are removed in the config file, not here.
	if code, _, errOut := cli("feeds", "remove", feeds.URL+"/wire.rss"); code == 0 || !strings.Contains(errOut, "config file") {
		t.Errorf("remove config feed: %d %s", code, errOut)
	}
	// ... and so is their enabled flag, which the file sets at every start.
	if code, _, errOut := cli("feeds", "disable", feeds.URL+"/wire.rss"); code == 0 || !strings.Contains(errOut, "disabled: true") {
		t.Errorf("disable config feed: %d %s", code, errOut)
	}
	if code, out, errOut := cli("feeds", "disable", feeds.URL+"/local.atom"); code != 0 || !strings.Contains(out, "disabled "+feeds.URL+"/local.atom") {
		t.Errorf("disable: %d %s %s", code, out, errOut)
	}
	// Adding a stored feed again says so rather than "added".
	if code, out, _ := cli("feeds", "add", feeds.URL+"/local.atom"); code != 0 || !strings.Contains(out, "already stored "+feeds.URL+"/local.atom") {
		t.Errorf("feeds add of a stored feed: %d %s", code, out)
	}
	if _, out, _ = cli("feeds", "list"); !strings.Contains(out, "disabled") {
		t.Errorf("disabled feed not shown as such:\n%s", out)
	}

	// Export, then import into a fresh database: the same feeds.
	exportPath := filepath.Join(dir, "feeds.opml")
	if code, _, errOut := cli("feeds", "export", "--out", exportPath); code != 0 {
		t.Fatalf("export: %s", errOut)
	}
	dir2 := t.TempDir()
	cfg2 := filepath.Join(dir2, "feedwatch.yaml")
	os.WriteFile(cfg2, []byte(fmt.Sprintf("data_dir: %s\ntopics_file: \"\"\n", dir2)), 0o600)
	code, out, errOut := runCLI(t, nil, "feeds", "import", exportPath, "--config", cfg2)
	if code != 0 || !strings.Contains(out, "imported 3 feeds") {
		t.Fatalf("import: %d\n%s\n%s", code, out, errOut)
	}
	if code, out, _ = runCLI(t, nil, "feeds", "import", exportPath, "--config", cfg2); code != 0 || !strings.Contains(out, "imported 0 feeds (3 already present)") {
		t.Errorf("second import: %s", out)
	}
	if code, _, errOut = runCLI(t, nil, "feeds", "import", filepath.Join("testdata", "e2e", "wire.rss"), "--config", cfg2); code == 0 || !strings.Contains(errOut, "wire.rss") {
		t.Errorf("importing a non-OPML file: %d %s", code, errOut)
	}
}

// TestNoConfigFileKeepsConfigFeeds: a command run without any config file
// (the operator forgot FEEDWATCH_CONFIG) must not turn the daemon's config
// feeds into database feeds that `feeds remove` would then delete.
func TestNoConfigFileKeepsConfigFeeds(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "feedwatch.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf("data_dir: %s\ntopics_file: \"\"\nfeeds:\n  - url: https://wire.example/feed.rss\n", dir)), 0o600)
	if code, _, errOut := runCLI(t, nil, "feeds", "list", "--config", cfg); code != 0 {
		t.Fatalf("feeds list: %s", errOut)
	}
	env := []string{"FEEDWATCH_DATABASE=" + filepath.Join(dir, "feedwatch.db")} // and no config file
	if code, _, errOut := runCLI(t, env, "feeds", "remove", "https://wire.example/feed.rss"); code == 0 || !strings.Contains(errOut, "config file") {
		t.Errorf("feeds remove of a config feed without the config file: %d %s", code, errOut)
	}
	if _, out, _ := runCLI(t, env, "feeds", "list"); !strings.Contains(out, "config") {
		t.Errorf("config feed lost its origin:\n%s", out)
	}
}
