package match

import (
	"strings"
	"testing"
)

// BenchmarkTokenize isolates the part of matching that does not depend on
// the rules, to tell the two costs apart.
func BenchmarkTokenize(b *testing.B) {
	text := strings.Repeat("Russia and the United States held a fresh round of talks in Istanbul on Thursday, the Kremlin said. Лавров заявил, что Россия готова к диалогу с США. ", 7)
	var tz tokenizer
	var toks []token
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		toks = tz.tokenize(text, false, toks[:0])
	}
}
