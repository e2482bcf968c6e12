package story

import (
	_ "embed"
	"strings"
)

// glossaryText is the news glossary (glossary.txt): the common words of
// the news in both languages, so that a Russian and an English report of
// one event share the words they tell it with ("rescue" and «спасатели»,
// "laboratory" and «лаборатория»), as two reports in one language do.
// Words are compared within a language; across languages, the glossary's
// words are (kindGloss).
//
//go:embed glossary.txt
var glossaryText string

var glossary, glossaryForms = parseConcepts(withoutComments(glossaryText))

// withoutComments drops the lines that start with #.
func withoutComments(s string) string {
	var b strings.Builder
	for line := range strings.Lines(s) {
		if !strings.HasPrefix(strings.TrimSpace(line), "#") {
			b.WriteString(line)
		}
	}
	return b.String()
}
