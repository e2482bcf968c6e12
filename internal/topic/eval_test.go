package topic

import "testing"

// TestLabelledDocumentIsText: `topics test` and `topics eval` give the
// matcher text as the poller does, not the feed's HTML.
func TestLabelledDocumentIsText(t *testing.T) {
	d := Labelled{Title: "Moscow &amp; Washington: a frosty week", Summary: "<p>Envoys <b>met</b>&nbsp;again.</p>"}.Document()
	if d.Title != "Moscow & Washington: a frosty week" || d.Summary != "Envoys met again." {
		t.Errorf("document = %q, %q", d.Title, d.Summary)
	}
}
