package render

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/net/html"
)

// renderVoid are the elements with no end tag in the HTML the templates and
// the summary policy produce.
var renderVoid = map[string]bool{"br": true, "hr": true, "img": true, "meta": true, "link": true, "wbr": true, "col": true, "input": true, "area": true, "base": true, "source": true}

// wellFormed walks the tokens of doc and checks that every end tag closes
// the element opened last: a summary cut in the middle must have had its
// elements closed, and no feed markup may close the template's.
func wellFormed(doc string) error {
	z := html.NewTokenizer(strings.NewReader(doc))
	var open []string
	for {
		switch z.Next() {
		case html.ErrorToken:
			if len(open) > 0 {
				return fmt.Errorf("unclosed elements at the end: %v", open)
			}
			return nil
		case html.StartTagToken:
			name, _ := z.TagName()
			if !renderVoid[string(name)] {
				open = append(open, string(name))
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			if len(open) == 0 || open[len(open)-1] != string(name) {
				return fmt.Errorf("</%s> closes %v", name, open)
			}
			open = open[:len(open)-1]
		}
	}
}

// executable lists what in doc could run: script-like elements, event
// handlers and script URLs, as a browser would parse them.
func executable(doc string) []string {
	var out []string
	if strings.Contains(strings.ToLower(doc), "<script") {
		out = append(out, "<script")
	}
	root, err := html.Parse(strings.NewReader(doc))
	if err != nil {
		return append(out, err.Error())
	}
	for n := range root.Descendants() {
		if n.Type != html.ElementNode {
			continue
		}
		switch n.Data {
		case "script", "iframe", "object", "embed", "form", "svg", "math", "base", "img", "input", "button":
			out = append(out, "<"+n.Data+">")
		}
		for _, a := range n.Attr {
			v := strings.Map(func(r rune) rune {
				if r <= ' ' {
					return -1
				}
				return r
			}, strings.ToLower(a.Val))
			switch {
			case strings.HasPrefix(strings.ToLower(a.Key), "on"):
				out = append(out, fmt.Sprintf("<%s %s>", n.Data, a.Key))
			case strings.HasPrefix(v, "javascript:") || strings.HasPrefix(v, "vbscript:") || strings.HasPrefix(v, "data:"):
				out = append(out, fmt.Sprintf("<%s %s=%q>", n.Data, a.Key, a.Val))
			case a.Key == "style" && (strings.Contains(v, "expression(") || strings.Contains(v, "url(")):
				out = append(out, fmt.Sprintf("<%s style=%q>", n.Data, a.Val))
			}
		}
	}
	return out
}

// FuzzRenderDigest renders a digest whose feed-supplied fields are
// arbitrary and checks the HTML stays well-formed, carries nothing
// executable, and the subject stays one line.
func FuzzRenderDigest(f *testing.F) {
	r := mustRendererF(f)
	f.Add("Talks resume", "https://news.example/a", "<p>Long <b>bold <i>text</i></b> here</p>", "Example", "US–Russia")
	f.Add("<script>alert(1)</script>", "javascript:alert(1)", `<a href="java&#x09;script:alert(1)" onclick="x()">x</a><img src=x onerror=alert(1)>`, "</td></tr></table>", "x\r\nBcc: y")
	f.Add("t", "http://a.example/", "<p><b><i><u>"+strings.Repeat("word ", 200)+"</u></i></b></p>", "s", "n")
	f.Add("t", "http://a.example/", "<b>unclosed <i>tags <blockquote>and more", "s", "n")
	f.Add("t", "http://a.example/", "</p></div></td></tr></table></body></html><p>", "s", "n")
	f.Add("t", "http://a.example/", "<b><i>mis</b>nested</i> <ul><li>one<li>two</ul>", "s", "n")
	f.Add("t", "http://a.example/", "<div style=\"width:expression(alert(1))\"><svg onload=alert(1)>", "s", "n")
	end := time.Date(2026, 11, 2, 7, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, title, link, summary, source, topicName string) {
		d := Digest{
			TopicID: "t", TopicName: topicName, PeriodStart: end.Add(-24 * time.Hour), PeriodEnd: end,
			Items: []Item{
				{Title: title, Link: link, Source: source, Published: end.Add(-time.Hour), SummaryHTML: summary,
					Terms: []string{title}, AlsoReportedBy: []Source{{Name: source, Link: link}}},
				{Title: "second", Link: "https://b.example/", Source: "b", Published: end, SummaryHTML: summary + summary},
			},
			ArchiveURL: "https://feedwatch.example/digests/1", UnsubscribeURL: "https://feedwatch.example/u?t=1",
			Recipient: "reader@example.org",
		}
		out, err := r.Digest(d)
		if err != nil {
			t.Fatalf("render: %v", err)
		}
		if strings.ContainsAny(out.Subject, "\r\n") {
			t.Fatalf("subject spans lines: %q", out.Subject)
		}
		if p := executable(out.HTML); len(p) > 0 {
			t.Fatalf("executable content %q in:\n%s", p, out.HTML)
		}
		// The summary as sanitised and cut is what feed markup can affect.
		if err := wellFormed(sanitizeSummary(summary, summaryLimit)); err != nil {
			t.Fatalf("summary %q: %v", summary, err)
		}
		if _, err := html.Parse(strings.NewReader(out.HTML)); err != nil {
			t.Fatalf("HTML does not parse: %v", err)
		}
	})
}

func mustRendererF(f *testing.F) *Renderer {
	f.Helper()
	r, err := New(os.DirFS(templatesDir))
	if err != nil {
		f.Fatal(err)
	}
	return r
}

// FuzzSanitizeSummary drives the sanitiser and the cut alone, hundreds of
// times faster than FuzzRenderDigest (which inlines CSS for every input):
// the output must be well-formed, carry nothing executable, and hold about
// summaryLimit characters of text.
func FuzzSanitizeSummary(f *testing.F) {
	for _, s := range []string{
		"<p>Long <b>bold <i>text</i></b> here</p>", "<b><i>mis</b>nested</i>", "<b>unclosed <i>tags",
		`<a href="java&#x09;script:alert(1)" onclick="x()">x</a><img src=x onerror=alert(1)>`,
		"<p>" + strings.Repeat("word ", 200) + "</p>", "&lt;script&gt;", "<ul><li>one<li>two</ul>",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		out := sanitizeSummary(raw, summaryLimit)
		if err := wellFormed(out); err != nil {
			t.Fatalf("%q -> %q: %v", raw, out, err)
		}
		if p := executable("<div>" + out + "</div>"); len(p) > 0 {
			t.Fatalf("%q -> %q: executable %q", raw, out, p)
		}
		// The cut counts runes of text, whitespace collapsed as it is
		// shown, and may add "…".
		n := 0
		z := html.NewTokenizer(strings.NewReader(out))
		for tt := z.Next(); tt != html.ErrorToken; tt = z.Next() {
			if tt == html.TextToken {
				n += utf8.RuneCountInString(collapseSpace(string(z.Text())))
			}
		}
		if n > summaryLimit+1 {
			t.Fatalf("%d characters of text kept, limit %d: %q", n, summaryLimit, out)
		}
	})
}
