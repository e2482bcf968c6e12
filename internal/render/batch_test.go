package render

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// awkwardRecipients have every character that HTML, URLs or the text part
// treat specially, invalid UTF-8, line breaks, placeholder look-alikes,
// empty values and zones with odd offsets. shared says whether the copy can
// be filled in rather than rendered in full.
func awkwardRecipients(t *testing.T) []struct {
	rc     Recipient
	shared bool
} {
	t.Helper()
	zone := func(name string) *time.Location {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Fatal(err)
		}
		return loc
	}
	berlin, kolkata, chatham := zone("Europe/Berlin"), zone("Asia/Kolkata"), zone("Pacific/Chatham")
	unsub := "https://feedwatch.example.org/unsubscribe?token=dW5zdWJzY3JpYmUK.Q453ifsfp4idUiaYFMH4Vy-_"
	return []struct {
		rc     Recipient
		shared bool
	}{
		{Recipient{Email: "reader@example.org", Name: "Reader", UnsubscribeURL: unsub, Location: berlin}, true},
		{Recipient{Email: "reader@example.org", Name: "Reader", UnsubscribeURL: unsub}, true},
		{Recipient{Email: `o'neil+"digest"&<co>@example.org`, Name: `Zoë "Z" O'Neil & <Co> +1`, UnsubscribeURL: unsub + "&x=1", Location: kolkata}, true},
		{Recipient{Email: "crlf@example.org\r\nBcc: victim@example.com", Name: "Bobby\tTables\r\n\u2028x", UnsubscribeURL: unsub, Location: chatham}, true},
		{Recipient{Email: "bad\xff\xfeutf8@example.org", Name: "\x00nul\x7fdel\u0085nel", UnsubscribeURL: unsub, Location: berlin}, true},
		{Recipient{Email: "  spaced@example.org  ", Name: "   ", UnsubscribeURL: unsub, Location: berlin}, true},
		{Recipient{Email: "lookalike@example.org", Name: "fw0123456789abcdef0123456789abcdefr fwr fw", UnsubscribeURL: unsub, Location: berlin}, true},
		{Recipient{Email: "entities@example.org", Name: "&amp; &#39; &lt;b&gt; &#x66;", UnsubscribeURL: unsub, Location: time.UTC}, true},
		{Recipient{Email: "nolink@example.org", Name: "No Link", Location: berlin}, true},
		{Recipient{Email: "mailto@example.org", UnsubscribeURL: "mailto:unsubscribe@example.org?subject=unsubscribe"}, true},
		{Recipient{Name: "Archive-like, no address", UnsubscribeURL: unsub}, true},
		{Recipient{}, true},
		// Characters html/template's URL normalisation would change: these
		// copies are rendered in full.
		{Recipient{Email: "pct@example.org", UnsubscribeURL: "https://feedwatch.example.org/feed%20watch/u?t=a%2Bb", Location: berlin}, false},
		{Recipient{Email: "quote@example.org", UnsubscribeURL: "https://feedwatch.example.org/it's/u?t=\"x\"<y>", Location: berlin}, false},
		{Recipient{Email: "script@example.org", UnsubscribeURL: "javascript:alert(1)", Location: berlin}, true},
		{Recipient{Email: "idn@example.org", UnsubscribeURL: "https://例え.example/u?t=ä", Location: kolkata}, false},
	}
}

// mailOf is d's mail without its recipient.
func mailOf(d Digest) Mail {
	m, _ := d.Parts()
	return m
}

// TestBatchMatchesDigest renders the golden data set, and variants of it,
// for awkward recipients through one Batch and each on its own, and wants
// the same bytes.
func TestBatchMatchesDigest(t *testing.T) {
	r := mustRenderer(t)
	if err := r.SharedRendering(); err != nil {
		t.Fatalf("shipped templates are not shared: %v", err)
	}
	fixture := fixtureDigest(t)
	empty := fixture
	empty.Items, empty.More = nil, 0
	sections := fixture
	sections.Items = append([]Item(nil), fixture.Items...)
	for i := range sections.Items {
		sections.Items[i].Section = sections.Items[i].Source
	}
	noArchive := fixture
	noArchive.ArchiveURL, noArchive.ManageURL = "", ""
	for _, tc := range []struct {
		name string
		d    Digest
	}{{"golden data", fixture}, {"nothing new", empty}, {"sections", sections}, {"no archive", noArchive}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			recipients := awkwardRecipients(t)
			wants := make([]Rendered, len(recipients))
			for i, rcase := range recipients {
				var err error
				if wants[i], err = r.Mail(mailOf(tc.d), rcase.rc); err != nil {
					t.Fatal(err)
				}
			}
			b := r.Batch(mailOf(tc.d))
			// Twice, so the second round uses the shells of the first.
			for round := range 2 {
				for i, rcase := range recipients {
					want := wants[i]
					got, err := b.Mail(rcase.rc)
					if err != nil {
						t.Fatal(err)
					}
					comparePart(t, i, "subject", got.Subject, want.Subject)
					comparePart(t, i, "HTML", got.HTML, want.HTML)
					comparePart(t, i, "text", got.Text, want.Text)
					if _, ok, err := b.fill(rcase.rc); err != nil || ok != rcase.shared {
						t.Errorf("round %d, recipient %d: filled in = %v (%v), want %v", round, i, ok, err, rcase.shared)
					}
				}
			}
		})
	}
}

func comparePart(t *testing.T, i int, part, got, want string) {
	t.Helper()
	if got == want {
		return
	}
	at := 0
	for at < len(got) && at < len(want) && got[at] == want[at] {
		at++
	}
	from := max(0, at-60)
	t.Errorf("recipient %d: %s differs at byte %d:\n got …%q…\nwant …%q…", i, part, at,
		got[from:min(len(got), at+60)], want[from:min(len(want), at+60)])
}

// TestBatchEscapesRecipient pins how a hostile address comes out in each
// part: as html/template and premailer escape it in the HTML part, as it is
// in the text part.
func TestBatchEscapesRecipient(t *testing.T) {
	r := mustRenderer(t)
	b := r.Batch(mailOf(fixtureDigest(t)))
	got, err := b.Mail(Recipient{Email: `o'neil+"digest"&<co>@example.org`,
		UnsubscribeURL: "https://feedwatch.example.org/unsubscribe?token=abc&x=1"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ part, body, want string }{
		{"HTML", got.HTML, `as o&#39;neil+&#34;digest&#34;&amp;&lt;co&gt;@example.org.<br/>`},
		{"HTML", got.HTML, `href="https://feedwatch.example.org/unsubscribe?token=abc&amp;x=1"`},
		{"text", got.Text, `as o'neil+"digest"&<co>@example.org.` + "\n"},
		{"text", got.Text, "Unsubscribe: https://feedwatch.example.org/unsubscribe?token=abc&x=1\n"},
	} {
		if !strings.Contains(tc.body, tc.want) {
			t.Errorf("%s part lacks %q", tc.part, tc.want)
		}
	}
}

// TestBatchOperatorTemplates checks templates that use recipient values in
// other places: shared where filling in stays exact, rendered in full where
// it would not be, and the same bytes as Digest either way.
func TestBatchOperatorTemplates(t *testing.T) {
	for _, tc := range []struct {
		name, file, old, new string
		shared               bool
	}{
		{"shipped", DigestHTML, "", "", true},
		{"name in subject", DigestSubject, "{{.TopicName}}:", "{{.TopicName}} for {{.RecipientName}}:", true},
		{"name in attribute", DigestHTML, `<td class="footer">`, `<td class="footer" title="{{.RecipientName}} &lt;{{.Recipient}}&gt;">`, true},
		{"name in unquoted attribute", DigestHTML, `<td class="footer">`, `<td class="footer" title={{.RecipientName}}>`, true},
		{"greeting if named", DigestText, "{{- range $s := .Sections}}", "{{if .RecipientName}}Hello {{.RecipientName}},{{end}}\n{{- range $s := .Sections}}", true},
		{"unsubscribe text in HTML", DigestHTML, "<br>", "<br>{{.UnsubscribeURL}} ", true},
		{"address in mailto link", DigestHTML, "<br>", `<br><a href="mailto:{{.Recipient}}">me</a>`, false},
		{"unsubscribe in query", DigestHTML, "<br>", `<br><a href="https://example.org/r?to={{.UnsubscribeURL}}">x</a>`, false},
		{"address in script", DigestHTML, "</body>", `<script>var r = {{.Recipient}};</script></body>`, false},
		{"padded address", DigestText, "View in browser", `{{printf "%-40s|" .Recipient}}` + "\nView in browser", false},
		{"cut address", DigestText, "View in browser", `{{if .Recipient}}{{slice .Recipient 0 3}}{{end}}` + "\nView in browser", false},
		{"address length", DigestSubject, "{{.TopicName}}:", "{{.TopicName}} {{len .Recipient}}:", false},
		{"CSS on the link", DigestHTML, ".footer a {", `.footer a[href^="https"] { font-weight: bold; } .footer a {`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := editedRenderer(t, tc.file, tc.old, tc.new)
			if err := r.SharedRendering(); (err == nil) != tc.shared {
				t.Errorf("SharedRendering() = %v, want shared %v", err, tc.shared)
			}
			// The sample exercises every branch of the shipped templates
			// and renders faster than the golden data set.
			compareWithFull(t, r, sampleDigest())
		})
	}
}

// TestNewMarkAvoidsContent feeds newMark random bytes whose first mark is in
// the digest already: it must take the next one.
func TestNewMarkAvoidsContent(t *testing.T) {
	first, second := bytes.Repeat([]byte{0xab}, 16), bytes.Repeat([]byte{0xcd}, 16)
	d := fixtureDigest(t)
	d.Items[0].Title = "Breaking: fw" + hex.EncodeToString(first) + "r"
	v, err := newMailView(mailOf(d), nil, func(slot) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	mark, err := newMark(v, bytes.NewReader(append(first, second...)))
	if err != nil {
		t.Fatal(err)
	}
	if want := "fw" + hex.EncodeToString(second); mark != want {
		t.Errorf("mark %s, want %s", mark, want)
	}
	// The summary is checked as sanitised: an entity the sanitiser decodes
	// counts as the text it stands for.
	d = fixtureDigest(t)
	d.Items[0].SummaryHTML = "<p>&#x66;w" + hex.EncodeToString(first) + "</p>"
	if v, err = newMailView(mailOf(d), nil, func(slot) string { return "" }); err != nil {
		t.Fatal(err)
	}
	if _, err := newMark(v, bytes.NewReader(bytes.Repeat(first, 3))); err == nil {
		t.Error("a mark found in the sanitised summary was accepted")
	}
}

func TestCutLayout(t *testing.T) {
	const mark = "fwX"
	m := Mail{Sections: []Section{{Items: make([]Item, 2)}, {Items: make([]Item, 1)}}}
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"", "", true},
		{"no holes", "no holes", true},
		{"fwXr0q", "[r]", true},
		{"a fwXr0q b fwXn0q c fwXu0q d fwXr0qfwXr0q", "a [r] b [n] c [u] d [r][r]", true},
		{"fwXs1q fwXv0q fwXv2q", "[s1] [v0.0] [v1.0]", true},
		{"a fwX", "", false},
		{"a fwXq", "", false},
		{"a fwXr", "", false},                 // no number
		{"a fwXr0", "", false},                // no end
		{"a fwXrq", "", false},                // an empty number
		{"a fwXv3q", "", false},               // no fourth item
		{"a fwXs2q", "", false},               // no third section
		{"a fwXr0q b FWXN0Q", "", false},      // a value upper-cased
		{"a fwXr0q b fw", "a [r] b fw", true}, // too short to be a piece of a mark
	} {
		l, ok := cutLayout(tc.in, mark, m)
		if ok != tc.ok {
			t.Errorf("cutLayout(%q): ok = %v", tc.in, ok)
			continue
		}
		if !ok {
			continue
		}
		got := l.fill(func(s slot) string {
			switch s.kind {
			case slotSection:
				return fmt.Sprintf("[s%d]", s.section)
			case slotFeedback:
				return fmt.Sprintf("[v%d.%d]", s.section, s.item)
			}
			return "[" + string(s.kind) + "]"
		})
		if got != tc.want {
			t.Errorf("cutLayout(%q).fill = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestBatchSize: a batch holds a shared render per zone its copies were
// made for, and says how large they are, so that its user can bound what
// it keeps.
func TestBatchSize(t *testing.T) {
	r := mustRenderer(t)
	b := r.Batch(mailOf(fixtureDigest(t)))
	if n := b.Size(); n != 0 {
		t.Fatalf("Size before any copy = %d, want 0", n)
	}
	rc := Recipient{Email: "reader@example.org", UnsubscribeURL: "https://example.org/unsubscribe?token=abc"}
	got, err := b.Mail(rc)
	if err != nil {
		t.Fatal(err)
	}
	one := b.Size()
	if parts := len(got.Subject) + len(got.HTML) + len(got.Text); one < parts/2 || one > parts {
		t.Errorf("Size after one zone = %d, for a copy of %d bytes", one, parts)
	}
	if _, err := b.Mail(rc); err != nil {
		t.Fatal(err)
	}
	if n := b.Size(); n != one {
		t.Errorf("Size after a second copy in the same zone = %d, want %d", n, one)
	}
	rc.Location = time.FixedZone("+0530", 5*3600+1800)
	if _, err := b.Mail(rc); err != nil {
		t.Fatal(err)
	}
	if n := b.Size(); n < 2*one-100 || n > 2*one+100 {
		t.Errorf("Size after a second zone = %d, want about %d", n, 2*one)
	}
}

func BenchmarkBatchDigest(b *testing.B) {
	r, err := New(os.DirFS(templatesDir))
	if err != nil {
		b.Fatal(err)
	}
	d := sampleDigest()
	for i := range 20 {
		it := d.Items[0]
		it.Title = strings.Repeat("word ", i+3)
		it.SummaryHTML = "<p>" + strings.Repeat("Negotiators met again on Monday. ", 8) + "</p>"
		d.Items = append(d.Items, it)
	}
	rc := Recipient{Email: "reader@example.org", Name: "Reader", UnsubscribeURL: "https://example.org/unsubscribe?token=abc.def"}
	b.Run("Digest", func(b *testing.B) {
		for b.Loop() {
			if _, err := r.Mail(mailOf(d), rc); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Batch", func(b *testing.B) {
		batch := r.Batch(mailOf(d))
		for b.Loop() {
			if _, err := batch.Mail(rc); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// FuzzBatchDigest fills arbitrary recipient values, and feed text that may
// look like a placeholder, into a shared render and wants what rendering
// the copy on its own gives.
func FuzzBatchDigest(f *testing.F) {
	r := mustRendererF(f)
	f.Add("reader@example.org", "Reader", "https://feedwatch.example/u?token=abc.def", "Talks resume")
	f.Add(`o'neil+"digest"&<co>@example.org`, `Zoë "Z" <O'Neil> & Co`, "https://x.example/u?t=a&b=+;c", "fw00r & <b>")
	f.Add("crlf@example.org\r\nBcc: x@example.com", "\x00\t\u2028 \xff", "mailto:u@example.org", "fwr fwn fwu")
	f.Add("", "", "", "")
	f.Add("a@b", "  x  ", "https://x.example/%41%", "&#102;w")
	end := time.Date(2026, 11, 2, 7, 0, 0, 0, time.UTC)
	berlin := time.FixedZone("CET", 3600)
	f.Fuzz(func(t *testing.T, email, name, unsub, title string) {
		d := Digest{
			TopicID: "t", TopicName: "Topic", PeriodStart: end.Add(-24 * time.Hour), PeriodEnd: end,
			Items: []Item{{Title: title, Link: "https://a.example/", Source: title, Published: end.Add(-time.Hour),
				SummaryHTML: "<p>" + title + "</p>", Terms: []string{title}}},
			ArchiveURL: "https://feedwatch.example/digests/1",
		}
		rc := Recipient{Email: email, Name: name, UnsubscribeURL: unsub, Location: berlin}
		want, err := r.Mail(mailOf(d), rc)
		if err != nil {
			t.Fatal(err)
		}
		got, err := r.Batch(mailOf(d)).Mail(rc)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("batch copy differs:\n got %+v\nwant %+v", got, want)
		}
	})
}

// TestBatchReformatInRareBranch: a template that cuts a recipient value in
// a branch the sample digests of SharedRendering do not reach passes that
// check; the digest that reaches the branch must still come out as its own
// full rendering, not with a piece of a placeholder in it.
func TestBatchReformatInRareBranch(t *testing.T) {
	r := editedRenderer(t, DigestText, "View in browser", `{{if gt .Count 30}}Hello {{printf "%.12s" .RecipientName}}{{end}}`+"\nView in browser")
	if err := r.SharedRendering(); err != nil {
		t.Fatalf("the samples reach the branch after all (%v): the test needs a rarer one", err)
	}
	d := sampleDigest()
	d.More = 40 // Count > 30: the branch runs
	compareWithFull(t, r, d)
}

// editedRenderer loads the shipped templates with old replaced by new in
// file (nothing replaced when old is empty).
func editedRenderer(t *testing.T, file, old, new string) *Renderer {
	t.Helper()
	fsys := fstest.MapFS{}
	for _, n := range required {
		data, err := os.ReadFile(filepath.Join(templatesDir, n))
		if err != nil {
			t.Fatal(err)
		}
		if n == file && old != "" {
			if !bytes.Contains(data, []byte(old)) {
				t.Fatalf("%s lacks %q", n, old)
			}
			data = bytes.Replace(data, []byte(old), []byte(new), 1)
		}
		fsys[n] = &fstest.MapFile{Data: data}
	}
	r, err := New(fsys)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// compareWithFull renders d for every awkward recipient both through b and
// in full, and compares the parts.
func compareWithFull(t *testing.T, r *Renderer, d Digest) {
	t.Helper()
	b := r.Batch(mailOf(d))
	for i, rcase := range awkwardRecipients(t) {
		want, err := r.Mail(mailOf(d), rcase.rc)
		if err != nil {
			t.Fatal(err)
		}
		got, err := b.Mail(rcase.rc)
		if err != nil {
			t.Fatal(err)
		}
		comparePart(t, i, "subject", got.Subject, want.Subject)
		comparePart(t, i, "HTML", got.HTML, want.HTML)
		comparePart(t, i, "text", got.Text, want.Text)
	}
}
