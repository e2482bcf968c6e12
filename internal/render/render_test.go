package render

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/golden from the current output")

// templatesDir is the shipped templates folder; tests render what ships.
const templatesDir = "../../templates"

func mustRenderer(t *testing.T) *Renderer {
	t.Helper()
	r, err := New(os.DirFS(templatesDir))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// fixtureDigest is the golden data set: fixed times in a non-UTC zone, a
// Cyrillic item, and an item whose summary tries every trick a hostile feed
// might: script, event handler, javascript: link, tracking pixel, iframe,
// style, CR/LF in the title.
func fixtureDigest(t *testing.T) Digest {
	t.Helper()
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	end := time.Date(2025, 3, 10, 6, 0, 0, 0, time.UTC)
	long := strings.Repeat("Negotiators met again on Monday to discuss the treaty. ", 12)
	return Digest{
		TopicID: "us-russia", TopicName: "US–Russia relations",
		TopicDescription: "Diplomacy, sanctions and arms control",
		PeriodStart:      end.Add(-24 * time.Hour), PeriodEnd: end,
		Items: []Item{
			{
				Title: "Talks resume in Geneva", Link: "https://news.example.com/geneva",
				Source: "Example News", Published: time.Date(2025, 3, 9, 14, 30, 0, 0, time.UTC),
				SummaryHTML:    "<p>" + long + "</p><p>Second paragraph.</p>",
				Terms:          []string{"Geneva", "treaty"},
				AlsoReportedBy: []Source{{Name: "Wire One", Link: "https://wire.example.net/1"}, {Name: "Daily Two", Link: "https://daily.example.org/2"}},
			},
			{
				Title: "Переговоры в Женеве продолжаются", Link: "https://ru.example.com/ženeva",
				Source: "Пример Новости", Published: time.Date(2025, 3, 9, 20, 5, 0, 0, time.UTC),
				SummaryHTML: "<p>Делегации <b>России</b> и США встретились в понедельник.</p>",
				Terms:       []string{"Женева"},
			},
			{
				Title: "Breaking\r\nBcc: victim@example.com", Link: "https://evil.example.com/x",
				Source: "Evil Feed", Published: time.Date(2025, 3, 9, 23, 59, 0, 0, time.UTC),
				SummaryHTML: `<p onclick="steal()">Click <a href="javascript:alert(1)">here</a>` +
					` or <a href="https://ok.example.com/" onmouseover="x()">there</a>.</p>` +
					`<script>alert(document.cookie)</script><img src="https://track.example.com/p.gif" width="1" height="1">` +
					`<img src=x onerror="alert(2)"><iframe src="https://evil.example.com/"></iframe><style>body{display:none}</style>`,
				Terms:          []string{"sanctions"},
				AlsoReportedBy: []Source{{Name: "Evil Mirror", Link: "javascript:alert(3)"}},
			},
		},
		More:           4,
		ArchiveURL:     "https://feedwatch.example.org/archive/us-russia/2025-03-10",
		UnsubscribeURL: "https://feedwatch.example.org/unsubscribe?t=tok",
		ManageURL:      "https://feedwatch.example.org/manage?t=tok",
		Recipient:      "reader@example.org", RecipientName: "Reader",
		Location: berlin,
	}
}

func TestDigestGolden(t *testing.T) {
	r := mustRenderer(t)
	got, err := r.Digest(fixtureDigest(t))
	if err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string]string{
		"digest.html": got.HTML, "digest.txt": got.Text, "subject.txt": got.Subject + "\n",
	} {
		path := filepath.Join("testdata", "golden", name)
		if *update {
			if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test -update to create it)", err)
		}
		if string(want) != content {
			t.Errorf("%s differs from golden file; run go test ./internal/render/ -update and review the diff", name)
		}
	}
}

func TestDigestHTMLSafe(t *testing.T) {
	r := mustRenderer(t)
	got, err := r.Digest(fixtureDigest(t))
	if err != nil {
		t.Fatal(err)
	}
	h := strings.ToLower(got.HTML)
	for _, bad := range []string{"<script", "javascript:", "<iframe", "track.example.com", "<img", "steal()", "display:none}"} {
		if strings.Contains(h, bad) {
			t.Errorf("HTML contains %q", bad)
		}
	}
	if m := regexp.MustCompile(`\son[a-z]+\s*=`).FindString(h); m != "" {
		t.Errorf("HTML contains event handler attribute %q", m)
	}
	if !strings.Contains(got.HTML, `style="`) {
		t.Error("no inlined style= attributes")
	}
	for _, m := range regexp.MustCompile(`width[:=]\s*"?(\d+)px`).FindAllStringSubmatch(got.HTML, -1) {
		if n, _ := strconv.Atoi(m[1]); n > 640 {
			t.Errorf("width %dpx > 640", n)
		}
	}
	for _, m := range regexp.MustCompile(`width="(\d+)"`).FindAllStringSubmatch(got.HTML, -1) {
		if n, _ := strconv.Atoi(m[1]); n > 640 {
			t.Errorf("width attribute %d > 640", n)
		}
	}
	for _, want := range []string{
		`prefers-color-scheme: dark`, `name="color-scheme"`, `class="preheader"`,
		`rel="nofollow noreferrer noopener"`, `href="https://ok.example.com/"`,
		`Matched: <b>`, `Переговоры в Женеве продолжаются`,
		`href="https://feedwatch.example.org/unsubscribe?t=tok"`,
		`And 4 more stories`,
		// 14:30 UTC is 15:30 in Berlin in March (CET).
		`9 Mar 2025 15:30 CET`,
	} {
		if !strings.Contains(got.HTML, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	if strings.ContainsAny(got.Subject, "\r\n") {
		t.Errorf("subject has CR/LF: %q", got.Subject)
	}
	if strings.Contains(got.Text, "<") && strings.Contains(got.Text, "<script") {
		t.Error("text part contains markup")
	}
}

func TestDigestNothingNew(t *testing.T) {
	r := mustRenderer(t)
	d := fixtureDigest(t)
	d.Items, d.More = nil, 0
	got, err := r.Digest(d)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(got.Subject, "nothing new") {
		t.Errorf("subject %q", got.Subject)
	}
	if !strings.Contains(got.Text, "Nothing new matched") || !strings.Contains(got.HTML, "Nothing new matched") {
		t.Error("no nothing-new note")
	}
}

func TestSanitizeTruncate(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"<p>short</p>", "<p>short</p>"},
		{"<p>one two <b>three four</b> five</p>", "<p>one two <b>three…</b></p>"},
		{"<ul><li>alpha beta</li><li>gamma</li></ul>", "<ul><li>alpha beta</li><li>…</li></ul>"},
	} {
		if got := sanitizeSummary(tc.in, 14); got != tc.want {
			t.Errorf("sanitizeSummary(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestWrapText(t *testing.T) {
	got := wrapText("aaa bbb ccc https://example.org/a/very/long/url ddd\n\nnext", 8)
	want := "aaa bbb\nccc\nhttps://example.org/a/very/long/url\nddd\n\nnext"
	if got != want {
		t.Errorf("wrapText = %q, want %q", got, want)
	}
}

func TestConfirm(t *testing.T) {
	r := mustRenderer(t)
	got, err := r.Confirm(Confirm{
		TopicNames: []string{"US–Russia relations", "Climate\npolicy"}, ConfirmURL: "https://feedwatch.example.org/confirm?t=abc",
		Recipient: "reader@example.org", Expires: time.Date(2025, 3, 12, 6, 0, 0, 0, time.UTC),
	})
	if err != nil {
		t.Fatal(err)
	}
	if got.Subject != "Confirm your subscription to US–Russia relations, Climate policy" {
		t.Errorf("subject %q", got.Subject)
	}
	for _, part := range []string{got.HTML, got.Text} {
		if !strings.Contains(part, "https://feedwatch.example.org/confirm?t=abc") {
			t.Error("confirm URL missing")
		}
	}
}

// TestNewReportsFileAndLine checks that a broken operator template fails at
// start with its file name and line, and that Overlay replaces by name.
func TestNewReportsFileAndLine(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, DigestSubject), []byte("ok\n{{.Nope"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := New(Overlay(os.DirFS(templatesDir), dir))
	if err == nil || !strings.Contains(err.Error(), "subject.txt.tmpl:2") {
		t.Fatalf("err = %v, want file and line", err)
	}

	if err := os.WriteFile(filepath.Join(dir, DigestSubject), []byte("Custom {{.TopicName}}"), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := New(Overlay(os.DirFS(templatesDir), dir))
	if err != nil {
		t.Fatal(err)
	}
	got, err := r.Digest(fixtureDigest(t))
	if err != nil {
		t.Fatal(err)
	}
	if got.Subject != "Custom US–Russia relations" {
		t.Errorf("overlay subject %q", got.Subject)
	}

	// A field the data does not have fails in New's dry run, not later.
	bad := fstest.MapFS{}
	for _, n := range required {
		b, _ := os.ReadFile(filepath.Join(templatesDir, n))
		bad[n] = &fstest.MapFile{Data: b}
	}
	bad[DigestHTML] = &fstest.MapFile{Data: []byte("<p>\n{{.Missing}}</p>")}
	if _, err := New(bad); err == nil || !strings.Contains(err.Error(), "digest.html.tmpl:2") {
		t.Errorf("err = %v, want digest.html.tmpl:2", err)
	}

	// html/template reports context errors only on execution; the dry run
	// brings them forward to New.
	bad[DigestHTML] = &fstest.MapFile{Data: []byte(`<a href="{{.TopicName}}>x</a>`)}
	if _, err := New(bad); err == nil || !strings.Contains(err.Error(), "digest.html.tmpl") {
		t.Errorf("err = %v, want digest.html.tmpl", err)
	}

	if _, err := New(Overlay(os.DirFS(templatesDir), filepath.Join(dir, "missing"))); err == nil {
		t.Error("missing overlay dir accepted")
	}
}
