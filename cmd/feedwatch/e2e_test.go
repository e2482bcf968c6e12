package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/feedwatch/feedwatch/internal/store"
)

// runCLI runs feedwatch in-process and returns its exit code and output.
func runCLI(t *testing.T, env []string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(""), &stdout, &stderr, env, nil)
	return code, stdout.String(), stderr.String()
}

// feedServer serves testdata/e2e; the wire feed gains a duplicate of its
// first item on the second request, as real feeds repeat items across polls.
func feedServer(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	for _, name := range []string{"wire.rss", "sports.rss", "local.atom"} {
		body, err := os.ReadFile(filepath.Join("testdata", "e2e", name))
		if err != nil {
			t.Fatal(err)
		}
		mux.HandleFunc("/"+name, func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(name, ".atom") {
				w.Header().Set("Content-Type", "application/atom+xml")
			} else {
				w.Header().Set("Content-Type", "application/rss+xml")
			}
			w.Write(body)
		})
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func writeConfig(t *testing.T, dir, feedBase string) string {
	t.Helper()
	cfg := fmt.Sprintf(`data_dir: %[1]s
topics_file: ""
log: {level: warn, format: text}
poll: {workers: 4, timeout: 5s}
feeds:
  - url: %[2]s/wire.rss
  - url: %[2]s/sports.rss
    title: Sports desk
  - url: %[2]s/local.atom
mail:
  from: "feedwatch test <digest@feedwatch.test>"
web: {listen: "", base_url: "https://news.feedwatch.test"}
retention: {max_age: 0s}  # the fixtures have fixed dates
`, dir, feedBase)
	path := filepath.Join(dir, "feedwatch.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestEndToEnd(t *testing.T) {
	srv := feedServer(t)
	dir := t.TempDir()
	cfgPath := writeConfig(t, dir, srv.URL)

	code, out, errOut := runCLI(t, nil, "poll", "--config", cfgPath)
	if code != 0 {
		t.Fatalf("poll: exit %d\n%s\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "total: 3 feeds, 3 ok, 0 failed; items 6 new, 0 seen; 1 matches") {
		t.Errorf("first poll summary:\n%s", out)
	}
	code, out, errOut = runCLI(t, nil, "poll", "--config", cfgPath, "--all")
	if code != 0 {
		t.Fatalf("second poll: exit %d\n%s\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "items 0 new") {
		t.Errorf("second poll stored items again:\n%s", out)
	}

	st, err := store.Open(context.Background(), filepath.Join(dir, "feedwatch.db"))
	if err != nil {
		t.Fatal(err)
	}
	var items, distinct int
	st.DB().QueryRow("SELECT count(*), count(DISTINCT feed_id || key) FROM items").Scan(&items, &distinct)
	st.Close()
	if items != 6 || distinct != 6 {
		t.Errorf("items stored = %d (%d distinct), want 6", items, distinct)
	}

	if code, out, errOut = runCLI(t, nil, "subscribers", "add", "reader@feedwatch.test", "--topic", "us-russia", "--config", cfgPath, "--tz", "Europe/Berlin"); code != 0 {
		t.Fatalf("subscribers add: exit %d\n%s\n%s", code, out, errOut)
	}

	previewDir := filepath.Join(dir, "preview")
	if code, out, errOut = runCLI(t, nil, "digest", "--preview", "--out", previewDir, "--config", cfgPath); code != 0 {
		t.Fatalf("digest --preview: exit %d\n%s\n%s", code, out, errOut)
	}
	html, err := os.ReadFile(filepath.Join(previewDir, "digest-us-russia.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"US and Russia open arms control talks in Geneva", "https://wire.example/2026/11/us-russia-arms-talks"} {
		if !strings.Contains(string(html), want) {
			t.Errorf("preview lacks %q", want)
		}
	}
	for _, unwanted := range []string{"Bavaria", "Capitals", "figure skater", "Idaho", "bike lanes"} {
		if strings.Contains(string(html), unwanted) {
			t.Errorf("preview holds irrelevant item %q", unwanted)
		}
	}
	if entries, _ := os.ReadDir(filepath.Join(dir, "outbox")); len(entries) != 0 {
		t.Fatalf("--preview sent mail: %v", entries)
	}

	// Not due yet: the subscription follows the topic's 07:00.
	if code, out, errOut = runCLI(t, nil, "digest", "--config", cfgPath); code != 0 || !strings.Contains(out, "digest: 0 mails queued") {
		t.Fatalf("digest before its time: exit %d\n%s\n%s", code, out, errOut)
	}
	if code, out, errOut = runCLI(t, nil, "digest", "--now", "--config", cfgPath); code != 0 {
		t.Fatalf("digest --now: exit %d\n%s\n%s", code, out, errOut)
	}
	emls, _ := filepath.Glob(filepath.Join(dir, "outbox", "*.eml"))
	if len(emls) != 1 {
		t.Fatalf("outbox holds %d .eml files, want 1:\n%s", len(emls), out)
	}
	checkMessage(t, emls[0], "US and Russia open arms control talks in Geneva")

	// Running it again sends nothing new.
	if code, out, _ = runCLI(t, nil, "digest", "--now", "--config", cfgPath); code != 0 || !strings.Contains(out, "digest: 0 mails queued") {
		t.Fatalf("second digest: exit %d\n%s", code, out)
	}
	if emls, _ = filepath.Glob(filepath.Join(dir, "outbox", "*.eml")); len(emls) != 1 {
		t.Fatalf("second digest wrote more mail: %d files", len(emls))
	}
}

// checkMessage parses an .eml file as a MIME message and checks that it has
// a text and an HTML part that both name the story.
func checkMessage(t *testing.T, path, story string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	msg, err := mail.ReadMessage(f)
	if err != nil {
		t.Fatalf("%s is not a mail message: %v", path, err)
	}
	for _, h := range []string{"Message-Id", "Date", "List-Id", "List-Unsubscribe", "List-Unsubscribe-Post"} {
		if msg.Header.Get(h) == "" {
			t.Errorf("header %s missing", h)
		}
	}
	if got := msg.Header.Get("List-Unsubscribe"); !strings.Contains(got, "<https://news.feedwatch.test/unsubscribe?token=") || !strings.Contains(got, "<mailto:digest@feedwatch.test?subject=unsubscribe>") {
		t.Errorf("List-Unsubscribe = %q", got)
	}
	mediaType, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mediaType != "multipart/alternative" {
		t.Fatalf("Content-Type = %q (%v)", msg.Header.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	parts := map[string]string{}
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		body, err := io.ReadAll(decodePart(p))
		if err != nil {
			t.Fatal(err)
		}
		parts[ct] = string(body)
	}
	for _, ct := range []string{"text/plain", "text/html"} {
		if !strings.Contains(parts[ct], story) {
			t.Errorf("%s part does not name %q:\n%.500s", ct, story, parts[ct])
		}
	}
}
