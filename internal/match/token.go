package match

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// token is one word of a text. Orig keeps the spelling as written so that
// case-sensitive terms (US, not us) can be checked; Fold is the form every
// lookup uses.
type token struct {
	Orig string
	Fold string
	Pos  int // word index within the field
	// Start and End are the word's bytes in the text tokenize was given
	// (after NFC): what a reader sees, "U.S." or "Kremlin's" included.
	Start, End int
}

// isWordRune reports whether r belongs inside a word. Combining marks stay
// with their letter so that decomposed accents do not split a word in two.
func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return asciiWord[r]
	}
	if invisible(r) {
		return true // inside a word; appendFold drops it
	}
	// Basic Cyrillic is most of the non-ASCII text feedwatch reads; all of
	// it is letters and combining marks except the thousands sign U+0482.
	if r >= 0x400 && r <= 0x4FF {
		return r != 0x482
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

var asciiWord = func() (t [utf8.RuneSelf]bool) {
	for c := range t {
		t[c] = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
	}
	return t
}()

// invisible reports the characters that break no word and show nothing:
// the soft hyphen (&shy;, which sites put inside long words) and the
// zero-width space, joiners and no-break space. "Krem&shy;lin" is Kremlin.
func invisible(r rune) bool {
	return r == 0xAD || (r >= 0x200B && r <= 0x200D) || r == 0x2060 || r == 0xFEFF
}

func isApostrophe(r rune) bool {
	return r == '\'' || r == '’' || r == 'ʼ'
}

// tokenize splits text into words. Everything that is not a letter or digit
// separates words, which is what makes "US-Russia", "US–Russia", "US/Russia"
// and "US Russia" the same sequence. Two spellings need help beyond that:
// dotted abbreviations ("U.S.", "U.K.") become one word, and the English
// possessive ("Russia's") loses its "'s" so it does not break phrases.
func tokenize(text string, foldDiacritics bool, dst []token) []token {
	var tz tokenizer
	return tz.tokenize(nfc(text), foldDiacritics, dst)
}

// nfc gives text one spelling for what Unicode can write two ways: "й" is
// one character or "и" with a combining breve, and terms are typed in the
// first form. The check is quick for text that is already composed.
func nfc(text string) string {
	if !norm.NFC.IsNormalString(text) {
		return norm.NFC.String(text)
	}
	return text
}

// tokenizer keeps the buffers of tokenize between calls.
type tokenizer struct {
	arena  []byte
	bounds []int
}

// tokenize splits text, which must be in NFC (nfc), into words.
func (tz *tokenizer) tokenize(text string, foldDiacritics bool, dst []token) []token {
	i := 0
	pos := 0
	first := len(dst)
	// Folded words are written one after another into arena and turned into
	// one string at the end: one allocation per field instead of one per
	// capitalised or non-ASCII word.
	arena := tz.arena[:0]
	bounds := tz.bounds[:0]
	defer func() { tz.arena, tz.bounds = arena, bounds }()
	for i < len(text) {
		var r rune
		var size int
		if c := text[i]; c < utf8.RuneSelf {
			if !asciiWord[c] {
				i++
				continue
			}
			r, size = rune(c), 1
		} else {
			r, size = utf8.DecodeRuneInString(text[i:])
			if !isWordRune(r) {
				i += size
				continue
			}
		}
		start := i
		i = scanWord(text, i)
		word := text[start:i]
		if size == len(word) && unicode.IsLetter(r) {
			if abbr, end, ok := scanAbbrev(text, start); ok {
				word, i = abbr, end
			}
		}
		end := i
		// Apostrophes: possessive 's is dropped, others (O'Brien) are joined.
		for i < len(text) {
			a, asz := utf8.DecodeRuneInString(text[i:])
			if !isApostrophe(a) {
				break
			}
			next, _ := utf8.DecodeRuneInString(text[i+asz:])
			if !isWordRune(next) {
				break
			}
			after := scanWord(text, i+asz)
			rest := text[i+asz : after]
			i = after
			if rest == "s" || rest == "S" {
				break
			}
			word += rest
			end = after
		}
		if isFolded(word) {
			dst = append(dst, token{Orig: word, Fold: word, Pos: pos, Start: start, End: end})
			bounds = append(bounds, -1, -1)
		} else {
			a := len(arena)
			arena = appendFold(arena, word, foldDiacritics)
			dst = append(dst, token{Orig: word, Pos: pos, Start: start, End: end})
			bounds = append(bounds, a, len(arena))
		}
		pos++
	}
	if len(arena) > 0 {
		folded := string(arena)
		for k := first; k < len(dst); k++ {
			if a := bounds[2*(k-first)]; a >= 0 {
				dst[k].Fold = folded[a:bounds[2*(k-first)+1]]
			}
		}
	}
	return dst
}

// isFolded reports whether word is lower-case ASCII, the common case that
// needs no folding at all.
func isFolded(word string) bool {
	for k := 0; k < len(word); k++ {
		c := word[k]
		if c >= utf8.RuneSelf || c >= 'A' && c <= 'Z' {
			return false
		}
	}
	return true
}

func scanWord(text string, i int) int {
	for i < len(text) {
		if c := text[i]; c < utf8.RuneSelf {
			if !asciiWord[c] {
				break
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		if !isWordRune(r) {
			break
		}
		i += size
	}
	return i
}

// scanAbbrev recognises single letters joined by dots ("U.S.", "U.S",
// "D.C.") starting at i and returns them as one word without the dots.
func scanAbbrev(text string, i int) (string, int, bool) {
	var letters []byte
	j := i
	n := 0
	for {
		r, size := utf8.DecodeRuneInString(text[j:])
		if !unicode.IsLetter(r) {
			break
		}
		after := j + size
		if after < len(text) {
			if nr, _ := utf8.DecodeRuneInString(text[after:]); isWordRune(nr) {
				break
			}
		}
		letters = utf8.AppendRune(letters, r)
		n++
		j = after
		if j >= len(text) || text[j] != '.' {
			break
		}
		if j+1 >= len(text) {
			j++ // trailing dot of "U.S." at the end of the text
			break
		}
		if nr, _ := utf8.DecodeRuneInString(text[j+1:]); !unicode.IsLetter(nr) {
			j++
			break
		}
		j++
	}
	if n < 2 {
		return "", 0, false
	}
	return string(letters), j, true
}

// appendFold lower-cases a word (full Unicode simple folding, which covers
// Latin and Cyrillic) and maps ё to е, because Russian news writes "Пётр"
// and "Петр" interchangeably. Other diacritics are removed only on request:
// in some languages they distinguish words.
func appendFold(dst []byte, word string, foldDiacritics bool) []byte {
	for _, r := range word {
		if r < utf8.RuneSelf {
			if r >= 'A' && r <= 'Z' {
				r += 'a' - 'A'
			}
			dst = append(dst, byte(r))
			continue
		}
		if invisible(r) {
			continue
		}
		switch {
		case r >= 'а' && r <= 'џ':
			// already lower case
		case r >= 'А' && r <= 'Я':
			r += 'а' - 'А'
		case r >= 'Ѐ' && r <= 'Џ':
			r += 'ѐ' - 'Ѐ'
		default:
			r = unicode.ToLower(r)
		}
		switch {
		case r == 'ё':
			r = 'е'
		case foldDiacritics && unicode.Is(unicode.Mn, r):
			continue
		case foldDiacritics:
			if s, ok := latinFold[r]; ok {
				dst = append(dst, s...)
				continue
			}
		}
		dst = utf8.AppendRune(dst, r)
	}
	return dst
}

// latinFold strips the accents of precomposed Latin letters. The table is
// deliberately small: it covers the letters that occur in names in English
// and Russian news (Łukaszenka, Zelenskyy's transliterations, Müller).
var latinFold = func() map[rune]string {
	m := map[rune]string{'ß': "ss", 'æ': "ae", 'œ': "oe", 'ø': "o", 'ł': "l", 'đ': "d", 'ð': "d", 'þ': "th", 'ı': "i"}
	groups := map[string]string{
		"a": "àáâãäåāăą", "c": "çćĉċč", "d": "ď", "e": "èéêëēĕėęě", "g": "ĝğġģ",
		"h": "ĥħ", "i": "ìíîïĩīĭį", "j": "ĵ", "k": "ķ", "l": "ĺļľŀ", "n": "ñńņňŉ",
		"o": "òóôõöōŏő", "r": "ŕŗř", "s": "śŝşšș", "t": "ţťŧț", "u": "ùúûüũūŭůűų",
		"w": "ŵ", "y": "ýÿŷ", "z": "źżž",
	}
	for base, letters := range groups {
		for _, r := range letters {
			if r < utf8.RuneSelf {
				continue
			}
			m[r] = base
		}
	}
	return m
}()

// TextWord is one word of a text as the matcher reads it: Text as written
// (dotted abbreviations without their dots, "US"), Fold as compared.
type TextWord struct{ Text, Fold string }

// SplitWords splits text into words exactly as matching does, for tools
// that propose terms from the words of items.
func SplitWords(text string, foldDiacritics bool) []TextWord {
	toks := tokenize(text, foldDiacritics, nil)
	out := make([]TextWord, len(toks))
	for i, t := range toks {
		out[i] = TextWord{Text: t.Orig, Fold: t.Fold}
	}
	return out
}
