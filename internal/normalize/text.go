package normalize

import (
	"strings"

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
		return strings.Join(strings.Fields(s), " ")
	}
	var b strings.Builder
	z := html.NewTokenizer(strings.NewReader(s))
	skip := 0 // depth inside elements whose text is not content
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

// inline lists elements that do not separate words.
var inline = map[atom.Atom]bool{
	atom.A: true, atom.Abbr: true, atom.B: true, atom.Bdi: true, atom.Bdo: true, atom.Cite: true,
	atom.Code: true, atom.Data: true, atom.Dfn: true, atom.Em: true, atom.I: true, atom.Kbd: true,
	atom.Mark: true, atom.Q: true, atom.S: true, atom.Samp: true, atom.Small: true, atom.Span: true,
	atom.Strong: true, atom.Sub: true, atom.Sup: true, atom.Time: true, atom.U: true, atom.Var: true,
	atom.Font: true, atom.Tt: true, atom.Big: true, atom.Strike: true, atom.Del: true, atom.Ins: true,
	atom.Acronym: true, atom.Wbr: true, atom.Label: true,
}
