package topic

import (
	"strings"
	"testing"
)

// TestLabelledDocumentIsText: `topics test` and `topics eval` give the
// matcher text as the poller does, not the feed's HTML.
func TestLabelledDocumentIsText(t *testing.T) {
	d := Labelled{Title: "Moscow &amp; Washington: a frosty week", Summary: "<p>Envoys <b>met</b>&nbsp;again.</p>"}.Document()
	if d.Title != "Moscow & Washington: a frosty week" || d.Summary != "Envoys met again." {
		t.Errorf("document = %q, %q", d.Title, d.Summary)
	}
}

// TestLongerIgnorePhraseIsNotRedundant: in ignore, a longer phrase hides
// more words than the shorter one it contains, so both may be listed.
func TestLongerIgnorePhraseIsNotRedundant(t *testing.T) {
	const doc = `topics:
  - id: t
    name: T
    rules:
      any: [Kremlin]
      ignore: [Washington state, Washington state Senate]
`
	if _, err := Parse(strings.NewReader(doc), "topics.yaml"); err != nil {
		t.Error(err)
	}
}
