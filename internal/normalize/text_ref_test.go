package normalize

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/feedwatch/feedwatch/internal/parse"
)

// textReference is Text as first written, the plain way: tokens into a
// builder, then strings.Fields to collapse white space. Text must give the
// same result for every input.
func textReference(s string) string {
	if s == "" {
		return ""
	}
	if len(s) > maxTextInput {
		s = truncateBytes(s, maxTextInput)
	}
	if !strings.ContainsAny(s, "<&") {
		return strings.Join(strings.Fields(s), " ")
	}
	var b strings.Builder
	z := html.NewTokenizer(strings.NewReader(s))
	skip := 0
	for {
		switch z.Next() {
		case html.ErrorToken:
			return strings.Join(strings.Fields(b.String()), " ")
		case html.TextToken:
			if skip == 0 {
				b.Write(z.Text())
			}
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			switch a {
			case atom.Script, atom.Style, atom.Template:
				if z.Token().Type == html.StartTagToken {
					skip++
				} else if skip > 0 {
					skip--
				}
				continue
			}
			if !inline[a] {
				b.WriteByte(' ')
			}
		}
	}
}

var textCases = []string{
	"", " ", "plain", "  two\t\n words  ", "a\u00a0b\u2003c\u0085d", "<p>a</p><p>b</p>", "x&nbsp;&nbsp;y",
	"<b>Mos</b>cow", "<script>var a = '<p>';</script>text", "\xff\xfe bad \xc3", "&#x2003;lead and trail&#32;",
	"<p>\u3000全角\u3000</p>", "Москва\u00a0и\u00a0Вашингтон", "<br/><br/>", "a<!-- c -->b", "<![CDATA[x]]>y",
}

// TestTextMatchesReference runs Text and textReference over hand-picked
// cases and every title and summary of the bundled and shared feeds.
func TestTextMatchesReference(t *testing.T) {
	inputs := append([]string(nil), textCases...)
	var paths []string
	for _, pattern := range []string{"../ingest/testdata/bench/*.xml", "../../../shared/testdata/realworld/*", "../demo/feeds/*"} {
		found, _ := filepath.Glob(pattern)
		paths = append(paths, found...)
	}
	for _, p := range paths {
		body, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		f, err := parse.Parse(body, "", "http://x.example/")
		if err != nil {
			continue
		}
		for _, e := range f.Entries {
			inputs = append(inputs, e.Title, e.Summary, e.Content)
		}
	}
	if len(inputs) < 200 {
		t.Fatalf("only %d inputs: are the feed folders where the test expects them?", len(inputs))
	}
	for _, in := range inputs {
		if got, want := Text(in), textReference(in); got != want {
			t.Errorf("Text(%.80q) =\n%.200q\nwant\n%.200q", in, got, want)
		}
	}
}

func FuzzText(f *testing.F) {
	for _, c := range textCases {
		f.Add(c)
	}
	f.Fuzz(func(t *testing.T, in string) {
		if got, want := Text(in), textReference(in); got != want {
			t.Fatalf("Text(%q) = %q, want %q", in, got, want)
		}
	})
}
