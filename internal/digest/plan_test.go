package digest

import (
	"github.com/feedwatch/feedwatch/internal/model"
	"strings"
	"testing"
)

func TestShownTerms(t *testing.T) {
	// A match made before words were kept shows its rule spellings.
	got := shownTerms(model.Match{Terms: []string{"=US", "Russia", "sanction*", "russia", "a", "b", "c", "d", "e", "f"}})
	want := []string{"US", "Russia", "sanction", "a", "b", "c", "d", "e"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("shownTerms = %q, want %q", got, want)
	}
	// A word of a phrase already shown is not shown again.
	got = shownTerms(model.Match{Words: []string{"Kremlin and White House", "Kremlin", "White House", "talks"}})
	if want := []string{"Kremlin and White House", "talks"}; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("shownTerms = %q, want %q", got, want)
	}
	// One made since shows the words found in the text.
	got = shownTerms(model.Match{Terms: []string{"spokes*", "embass*"}, Words: []string{"spokesman", "embassy", "Embassy"}})
	if want := []string{"spokesman", "embassy"}; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("shownTerms = %q, want %q", got, want)
	}
}
