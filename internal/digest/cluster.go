package digest

import (
	"strings"
	"unicode"
)

// SimilarityThreshold is the Jaccard similarity of two titles' word
// shingles at or above which they are taken for the same story. Measured on
// the cases in cluster_test.go: rewrites of one wire story by different
// outlets score 0.45–0.8, different stories on the same subject stay below 0.25.
const SimilarityThreshold = 0.4

// shingles returns the set of word pairs of a title (and its single words
// when it has fewer than four), after case folding and with punctuation and
// stop words dropped, so that "U.S., Russia agree to talks" and "US and
// Russia agree on talks" compare on what they say.
func shingles(title string) map[string]struct{} {
	var words []string
	for _, w := range strings.FieldsFunc(strings.ToLower(title), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}) {
		if _, stop := stopWords[w]; stop || len([]rune(w)) < 2 && !unicode.IsDigit([]rune(w)[0]) {
			continue
		}
		words = append(words, w)
	}
	set := map[string]struct{}{}
	if len(words) < 4 {
		for _, w := range words {
			set[w] = struct{}{}
		}
	}
	for i := 0; i+1 < len(words); i++ {
		set[words[i]+" "+words[i+1]] = struct{}{}
	}
	return set
}

// jaccard is |a ∩ b| / |a ∪ b|; two empty sets are not similar.
func jaccard(a, b map[string]struct{}) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	inter := 0
	for k := range a {
		if _, ok := b[k]; ok {
			inter++
		}
	}
	return float64(inter) / float64(len(a)+len(b)-inter)
}

// Similar reports whether two titles tell the same story.
func Similar(a, b string) bool {
	return jaccard(shingles(a), shingles(b)) >= SimilarityThreshold
}

var stopWords = func() map[string]struct{} {
	m := map[string]struct{}{}
	for _, w := range strings.Fields(`a an the and or of to in on at for with by from as is are was were be been
		it its that this says said after over amid into about но и в во на с со по к о об от для из что как`) {
		m[w] = struct{}{}
	}
	return m
}()
