package normalize

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// maxTextInput bounds the HTML Text tokenises; bodies are truncated before
// this anyway, but Text is exported and may be handed anything.
const maxTextInput = 1 << 20

// Text renders HTML as plain text: tags dropped, entities decoded, the
// contents of script/style/template dropped, and all whitespace collapsed
// to single spaces. Block-level tags become spaces so that words in
// adjacent paragraphs do not run together.
func Text(s string) string {
	if s == "" {
		return ""
	}
	if len(s) > maxTextInput {
		s = truncateBytes(s, maxTextInput)
	}
	// Plain text without markup or entities needs no tokenizer; this is
	// the common case for titles.
	if !strings.ContainsAny(s, "<&") {
		return collapseSpace(s)
	}
	var out spaceCollapser
	out.b = make([]byte, 0, len(s))
	z := html.NewTokenizer(strings.NewReader(s))
	skip := 0 // depth inside elements whose text is not content
	for {
		switch z.Next() {
		case html.ErrorToken:
			return string(out.b)
		case html.TextToken:
			if skip == 0 {
				out.write(z.Text())
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
				out.space = true
			}
		}
	}
}

// collapseSpace is strings.Join(strings.Fields(s), " ") without building
// the list of fields when s needs no change.
func collapseSpace(s string) string {
	var out spaceCollapser
	out.b = make([]byte, 0, len(s))
	out.write([]byte(s))
	if string(out.b) == s {
		return s
	}
	return string(out.b)
}

// spaceCollapser appends text with every run of white space (as
// unicode.IsSpace, the definition strings.Fields uses) turned into one
// space and none at either end, in one pass over the text.
type spaceCollapser struct {
	b     []byte
	space bool // white space was seen since the last word
}

func (c *spaceCollapser) write(p []byte) {
	for len(p) > 0 {
		if n := spaceRun(p, true); n > 0 {
			c.space = true
			p = p[n:]
			continue
		}
		word := spaceRun(p, false)
		if c.space && len(c.b) > 0 {
			c.b = append(c.b, ' ')
		}
		c.space = false
		c.b = append(c.b, p[:word]...)
		p = p[word:]
	}
}

// spaceRun is the length of p's leading run of white space (space true)
// or of other characters (space false).
func spaceRun(p []byte, space bool) int {
	i := 0
	for i < len(p) {
		if b := p[i]; b < utf8.RuneSelf {
			if asciiSpace[b] != space {
				return i
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(p[i:])
		if unicode.IsSpace(r) != space {
			return i
		}
		i += size
	}
	return i
}

var asciiSpace = [utf8.RuneSelf]bool{'\t': true, '\n': true, '\v': true, '\f': true, '\r': true, ' ': true}

// inline lists elements that do not separate words.
var inline = map[atom.Atom]bool{
	atom.A: true, atom.Abbr: true, atom.B: true, atom.Bdi: true, atom.Bdo: true, atom.Cite: true,
	atom.Code: true, atom.Data: true, atom.Dfn: true, atom.Em: true, atom.I: true, atom.Kbd: true,
	atom.Mark: true, atom.Q: true, atom.S: true, atom.Samp: true, atom.Small: true, atom.Span: true,
	atom.Strong: true, atom.Sub: true, atom.Sup: true, atom.Time: true, atom.U: true, atom.Var: true,
	atom.Font: true, atom.Tt: true, atom.Big: true, atom.Strike: true, atom.Del: true, atom.Ins: true,
	atom.Acronym: true, atom.Wbr: true, atom.Label: true,
}
