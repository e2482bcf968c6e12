package render

import (
	"bytes"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/inbucket/html2text"
	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/net/html"
)

// summaryLimit is the number of text characters of a summary kept in a
// digest: about four lines in a mail client, enough to decide whether to
// click through.
const summaryLimit = 400

// summaryPolicy is built once: bluemonday policies are safe for concurrent
// use after construction, and building one is not free.
var summaryPolicy = newSummaryPolicy()

// newSummaryPolicy allows the inline formatting of user-generated content but
// no images at all: feed summaries carry tracking pixels and remote images
// that mail clients would load on open. Scripts, styles, iframes and event
// handlers are never allowed by bluemonday unless named, and none are named.
func newSummaryPolicy() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowElements("p", "br", "b", "strong", "i", "em", "u", "s", "del", "ins",
		"small", "sub", "sup", "q", "cite", "abbr", "code", "pre", "blockquote",
		"ul", "ol", "li", "span")
	p.AllowURLSchemes("http", "https", "mailto")
	p.RequireParseableURLs(true)
	p.AllowRelativeURLs(false)
	p.AllowAttrs("href").OnElements("a")
	// Digest readers click through to third-party sites; noopener keeps them
	// from scripting the webmail tab, noreferrer keeps the archive URL private.
	p.RequireNoFollowOnLinks(true)
	p.RequireNoReferrerOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	return p
}

// sanitizeSummary cleans feed HTML and shortens it to about limit characters
// of text, cutting on a word boundary and closing every element it left open.
func sanitizeSummary(raw string, limit int) string {
	clean := summaryPolicy.Sanitize(raw)
	return strings.TrimSpace(truncateHTML(clean, limit))
}

// voidElements never have an end tag, so they are not pushed on the stack of
// open elements.
var voidElements = map[string]bool{"br": true, "hr": true, "img": true, "wbr": true}

// truncateHTML walks the tokens of already sanitised HTML, counting text
// runes. A regexp cut could split a tag or an entity; a token walk cannot.
func truncateHTML(s string, limit int) string {
	z := html.NewTokenizer(strings.NewReader(s))
	var out bytes.Buffer
	var open []string
	n := 0
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			// io.EOF: the whole summary fits. Other errors cannot happen
			// on an in-memory reader. Elements the feed left open are
			// closed here too: an unclosed <b> or <s> would otherwise be
			// reopened by the browser after the summary's </div> and
			// restyle the rest of the digest.
			for i := len(open) - 1; i >= 0; i-- {
				out.WriteString("</" + open[i] + ">")
			}
			return out.String()
		case html.TextToken:
			text := string(z.Text())
			// Collapse feed whitespace so the count reflects what is shown.
			text = collapseSpace(text)
			rc := utf8.RuneCountInString(text)
			if n+rc <= limit {
				out.WriteString(html.EscapeString(text))
				n += rc
				continue
			}
			out.WriteString(html.EscapeString(cutWords(text, limit-n, n == 0)))
			out.WriteString("…")
			for i := len(open) - 1; i >= 0; i-- {
				out.WriteString("</" + open[i] + ">")
			}
			return out.String()
		case html.StartTagToken:
			tok := z.Token()
			if !voidElements[tok.Data] {
				open = append(open, tok.Data)
			}
			out.WriteString(tok.String())
		case html.SelfClosingTagToken:
			out.WriteString(z.Token().String())
		case html.EndTagToken:
			tok := z.Token()
			for i := len(open) - 1; i >= 0; i-- {
				if open[i] == tok.Data {
					// Mis-nested markup (<b><i></b>) closes what was opened
					// inside first, so the output nests properly.
					for j := len(open) - 1; j > i; j-- {
						out.WriteString("</" + open[j] + ">")
					}
					open = open[:i]
					out.WriteString(tok.String())
					break
				}
			}
		}
	}
}

// cutWords returns the longest prefix of s with at most max runes that ends
// at a word boundary, without trailing space or punctuation. midWord allows a
// cut inside a single enormous word (a URL) when nothing else would be shown.
func cutWords(s string, max int, midWord bool) string {
	if max <= 0 {
		return ""
	}
	runes := []rune(s)
	if len(runes) <= max {
		return s
	}
	cut := max
	for cut > 0 && !unicode.IsSpace(runes[cut]) {
		cut--
	}
	if cut == 0 && midWord {
		cut = max
	}
	return strings.TrimRightFunc(string(runes[:cut]), func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsPunct(r)
	})
}

func collapseSpace(s string) string {
	var b strings.Builder
	prevSpace := false
	for _, r := range s {
		if unicode.IsSpace(r) {
			if !prevSpace {
				b.WriteByte(' ')
			}
			prevSpace = true
			continue
		}
		prevSpace = false
		b.WriteRune(r)
	}
	return b.String()
}

// htmlToText turns sanitised summary HTML into plain text for the text part.
// html2text knows paragraphs, lists and links; a regexp would not.
func htmlToText(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	return html2text.FromString(s, html2text.Options{})
}

// textWidth is where the text part wraps: readable in a terminal client and
// below the 78-character line length RFC 5322 recommends.
const textWidth = 76

// wrapText breaks each line of s on spaces at width runes. Words longer than
// width (URLs) stay whole on their own line: a URL cut in two is not
// clickable.
func wrapText(s string, width int) string {
	lines := strings.Split(s, "\n")
	var out []string
	for _, line := range lines {
		words := strings.Fields(line)
		if len(words) == 0 {
			out = append(out, "")
			continue
		}
		cur, n := words[0], utf8.RuneCountInString(words[0])
		for _, w := range words[1:] {
			wn := utf8.RuneCountInString(w)
			if n+1+wn > width {
				out = append(out, cur)
				cur, n = w, wn
				continue
			}
			cur += " " + w
			n += 1 + wn
		}
		out = append(out, cur)
	}
	return strings.Join(out, "\n")
}

// SanitizeSummary is the sanitiser of digests for other readers of feed
// HTML (the topic feeds): the same policy, cut at about limit characters
// of text with every element closed.
func SanitizeSummary(raw string, limit int) string { return sanitizeSummary(raw, limit) }

// SummaryLimit is how much text of a summary a digest keeps.
const SummaryLimit = summaryLimit
