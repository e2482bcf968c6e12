package match

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// MinPrefix is the shortest stem a prefix term may have. Shorter stems
// ("us*", "ру*") match so many words that they are almost always a mistake.
const MinPrefix = 3

// Term is one compiled rule term: a word or a phrase, as the editor spelled
// it, split into words the way the matcher will see them.
type Term struct {
	Spelling      string // as written in the rules, kept for explanations
	CaseSensitive bool
	Words         []Word
}

// Word is one word of a term.
type Word struct {
	Orig   string // spelling with case, for case-sensitive terms
	Fold   string
	Prefix bool // the term ended this word with *
}

// ErrTerm is wrapped by every term parsing error.
var ErrTerm = errors.New("invalid term")

// ParseTerm compiles the editor's spelling of one term. Syntax:
//
//	word or two words   case-insensitive word or phrase
//	=US                 a leading "=" makes the whole term case-sensitive
//	sanction*           a trailing "*" on a word makes it a prefix
//
// Punctuation and hyphens inside the term are separators, exactly as in
// the text, so "US-Russia" matches "U.S.–Russia" and "US/Russia".
func ParseTerm(spelling string, foldDiacritics bool) (Term, error) {
	t := Term{Spelling: spelling}
	s := strings.TrimSpace(spelling)
	if s == "" {
		return t, fmt.Errorf("%w: empty term", ErrTerm)
	}
	if strings.HasPrefix(s, "=") {
		t.CaseSensitive = true
		s = strings.TrimSpace(s[1:])
	}
	// A word followed directly by more letters after "*" ("ab*c") would be
	// parsed as two words; the editor almost certainly meant something else.
	for i := strings.Index(s, "*"); i >= 0 && i+1 < len(s); i = nextStar(s, i) {
		r, _ := utf8.DecodeRuneInString(s[i+1:])
		if isWordRune(r) {
			return t, fmt.Errorf("%w %q: \"*\" is only allowed at the end of a word", ErrTerm, spelling)
		}
	}
	// Split on "*" first so the star stays attached to the word before it.
	chunks := strings.SplitAfter(s, "*")
	for _, chunk := range chunks {
		prefix := strings.HasSuffix(chunk, "*")
		body := strings.TrimSuffix(chunk, "*")
		toks := tokenize(body, foldDiacritics, nil)
		if prefix {
			if len(toks) == 0 {
				return t, fmt.Errorf("%w %q: \"*\" must follow a word", ErrTerm, spelling)
			}
			last := len(body)
			r, _ := utf8.DecodeLastRuneInString(body)
			if last == 0 || !isWordRune(r) {
				return t, fmt.Errorf("%w %q: \"*\" must directly follow a word, with no space", ErrTerm, spelling)
			}
		}
		for k, tok := range toks {
			w := Word{Orig: withoutYo(tok.Orig), Fold: tok.Fold}
			if prefix && k == len(toks)-1 {
				w.Prefix = true
				if utf8.RuneCountInString(w.Fold) < MinPrefix {
					return t, fmt.Errorf("%w %q: prefix %q is shorter than %d letters and would match almost anything", ErrTerm, spelling, w.Orig+"*", MinPrefix)
				}
			}
			t.Words = append(t.Words, w)
		}
	}
	if len(t.Words) == 0 {
		return t, fmt.Errorf("%w %q: no letters or digits, so it can never match", ErrTerm, spelling)
	}
	return t, nil
}

// Key identifies terms that match exactly the same texts: a term used by
// several topics is looked up once, and a topics file may not list one
// twice.
func (t Term) Key() string {
	var b strings.Builder
	if t.CaseSensitive {
		b.WriteByte('=')
	}
	for i, w := range t.Words {
		if i > 0 {
			b.WriteByte(' ')
		}
		if t.CaseSensitive {
			b.WriteString(w.Orig)
		} else {
			b.WriteString(w.Fold)
		}
		if w.Prefix {
			b.WriteByte('*')
		}
	}
	return b.String()
}

// matchWord reports whether tok satisfies w.
func (t *Term) matchWord(w *Word, tok *token) bool {
	if t.CaseSensitive {
		orig := withoutYo(tok.Orig)
		if w.Prefix {
			return strings.HasPrefix(orig, w.Orig)
		}
		return orig == w.Orig
	}
	if w.Prefix {
		return strings.HasPrefix(tok.Fold, w.Fold)
	}
	return tok.Fold == w.Fold
}

// Covers reports whether every text matched by t is also matched by o, as
// far as a simple word-by-word comparison can tell. Topic validation uses
// it to find terms that an exclusion would always veto.
func (t Term) Covers(o Term) bool {
	if len(o.Words) > len(t.Words) {
		return false
	}
	// o must occur as a contiguous run of t's words.
	for s := 0; s+len(o.Words) <= len(t.Words); s++ {
		ok := true
		for k, ow := range o.Words {
			tw := t.Words[s+k]
			if o.CaseSensitive && !t.CaseSensitive {
				ok = false
				break
			}
			if tw.Prefix && !ow.Prefix {
				ok = false
				break
			}
			var a, b string
			if o.CaseSensitive {
				a, b = tw.Orig, ow.Orig
			} else {
				a, b = tw.Fold, ow.Fold
			}
			if ow.Prefix {
				if !strings.HasPrefix(a, b) {
					ok = false
					break
				}
			} else if a != b {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

func nextStar(s string, i int) int {
	j := strings.Index(s[i+1:], "*")
	if j < 0 {
		return -1
	}
	return i + 1 + j
}

var yo = strings.NewReplacer("ё", "е", "Ё", "Е")

// withoutYo writes ё as е, as case-insensitive matching does (appendFold):
// Russian news writes "Пётр" and "Петр" alike, with or without case.
func withoutYo(s string) string {
	if strings.ContainsAny(s, "ёЁ") {
		return yo.Replace(s)
	}
	return s
}
