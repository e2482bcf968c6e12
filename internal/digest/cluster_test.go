package digest

import (
	"github.com/feedwatch/feedwatch/internal/model"
	"strings"
	"testing"
)

func TestSimilar(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"US and Russia agree to hold talks on strategic stability in Vienna", "US, Russia agree to hold strategic stability talks in Vienna", true},
		{"Lavrov: Moscow ready to listen to Washington's ideas on Ukraine", "Lavrov says Moscow ready to listen to Washington ideas on Ukraine", true},
		{"Russia expels two US diplomats in tit-for-tat move", "Russia expels two U.S. diplomats in tit-for-tat move - TASS", true},
		{"Россия и США обменялись заключёнными в Абу-Даби", "Россия и США обменялись заключёнными", true},
		{"US imposes new sanctions on Russian banks", "Russia vows response to new US sanctions on banks", false},
		{"US and Russia agree to hold talks on strategic stability", "Kremlin says no date set for Putin–Trump summit", false},
		{"Russian ambassador summoned over embassy incident", "US ambassador to Russia meets Lavrov", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got := jaccard(shingles(tt.a), shingles(tt.b))
		if (got >= SimilarityThreshold) != tt.want {
			t.Errorf("similarity(%q, %q) = %.2f; want same story = %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestShownTerms(t *testing.T) {
	// A match made before words were kept shows its rule spellings.
	got := shownTerms(model.Match{Terms: []string{"=US", "Russia", "sanction*", "russia", "a", "b", "c", "d", "e", "f"}})
	want := []string{"US", "Russia", "sanction", "a", "b", "c", "d", "e"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("shownTerms = %q, want %q", got, want)
	}
	// One made since shows the words found in the text.
	got = shownTerms(model.Match{Terms: []string{"spokes*", "embass*"}, Words: []string{"spokesman", "embassy", "Embassy"}})
	if want := []string{"spokesman", "embassy"}; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("shownTerms = %q, want %q", got, want)
	}
}
