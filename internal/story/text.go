package story

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Lang tells English from Russian by the script of the letters: "ru" when
// at least a third of them are Cyrillic (Russian reports quote Latin
// acronyms and brands, OFAC, Fox News; English reports rarely quote
// Cyrillic), else "en"; "" for text with neither (a number, nothing).
func Lang(text string) string {
	var cyr, lat int
	for _, r := range text {
		switch {
		case r >= 0x400 && r <= 0x4FF:
			cyr++
		case r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'):
			lat++
		case unicode.Is(unicode.Latin, r):
			lat++
		}
	}
	switch {
	case cyr == 0 && lat == 0:
		return ""
	case 2*cyr >= lat:
		return "ru"
	}
	return "en"
}

// word is one word of a title or summary.
type word struct {
	lower string // lower case, ё read as е
	cap   bool   // starts with a capital letter
	upper bool   // all capitals and at least two letters: an acronym (МИД, OFAC)
	first bool   // first word of a sentence, where a capital says nothing
	next  bool   // first word of a sentence after a full stop, "!" or "?"
	colon bool   // first word after a colon: "Песков: встреча не планируется"
	cyr   bool   // written in Cyrillic
	digit bool   // a number (2601, 4.5)
	// joined: the word follows a letter across a hyphen, as the number of
	// a designation does ("МиГ-31", "RC-135").
	joined bool
}

// words splits text into words. Letters and digits make words; everything
// else separates them, so "Эр-Рияд" is two words and "Космос-2601" a name
// and a number. Dotted abbreviations ("U.S.") are one word, an English
// possessive ("Russia's") loses its "'s", and a decimal point stays inside
// its number.
func words(text string, dst []word) []word {
	if !norm.NFC.IsNormalString(text) {
		text = norm.NFC.String(text)
	}
	sentenceStart, afterStop, afterColon := true, false, false
	var b strings.Builder
	i := 0
	for i < len(text) {
		r, size := utf8.DecodeRuneInString(text[i:])
		if !isWordRune(r) {
			if r == '.' || r == '!' || r == '?' || r == ':' || r == ';' || r == '—' || r == '«' || r == '"' || r == '“' {
				sentenceStart = true
			}
			if r == '.' || r == '!' || r == '?' {
				afterStop = len(dst) > 0
			}
			if r == ':' {
				afterColon = len(dst) > 0
			}
			i += size
			continue
		}
		// One word: letters and digits, with dots inside "U.S." and "4.5".
		b.Reset()
		start := i
		var letters, uppers int
		allDigits := true
		for i < len(text) {
			r, size = utf8.DecodeRuneInString(text[i:])
			if isWordRune(r) {
				if unicode.IsLetter(r) {
					letters++
					allDigits = false
					if unicode.IsUpper(r) {
						uppers++
					}
				}
				b.WriteRune(r)
				i += size
				continue
			}
			if r == '.' && i+1 < len(text) {
				next, _ := utf8.DecodeRuneInString(text[i+1:])
				prev, _ := utf8.DecodeLastRuneInString(text[start:i])
				// U.S. and U.K.: single capitals joined by dots.
				if unicode.IsUpper(prev) && unicode.IsUpper(next) && (i-start == utf8.RuneLen(prev) || text[i-utf8.RuneLen(prev)-1] == '.') {
					i++
					continue
				}
				if unicode.IsDigit(prev) && unicode.IsDigit(next) {
					b.WriteByte('.')
					i++
					continue
				}
			}
			if isApostrophe(r) && i+size < len(text) {
				rest := text[i+size:]
				if (strings.HasPrefix(rest, "s") || strings.HasPrefix(rest, "S")) && (len(rest) == 1 || !isWordRune(firstRune(rest[1:]))) {
					i += size + 1
				}
			}
			break
		}
		s := b.String()
		first, _ := utf8.DecodeRuneInString(s)
		joined := false
		if start > 1 && text[start-1] == '-' {
			before, _ := utf8.DecodeLastRuneInString(text[:start-1])
			joined = unicode.IsLetter(before)
		}
		w := word{
			lower:  fold(s),
			cap:    unicode.IsUpper(first),
			upper:  letters >= 2 && uppers == letters,
			first:  sentenceStart,
			next:   afterStop,
			colon:  afterColon,
			cyr:    first >= 0x400 && first <= 0x4FF,
			digit:  allDigits,
			joined: joined,
		}
		sentenceStart, afterStop, afterColon = false, false, false
		dst = append(dst, w)
	}
	return dst
}

func firstRune(s string) rune {
	r, _ := utf8.DecodeRuneInString(s)
	return r
}

func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

func isApostrophe(r rune) bool { return r == '\'' || r == '’' || r == 'ʼ' }

// fold lower-cases s and reads ё as е, as Russian text mostly writes it.
func fold(s string) string {
	s = strings.ToLower(s)
	if strings.ContainsRune(s, 'ё') {
		s = strings.ReplaceAll(s, "ё", "е")
	}
	return s
}

// Russian endings, longest first within each length, removed by stem. The
// list covers the case endings of nouns and adjectives and the commonest
// verb endings; it is not a full morphology, only enough for two forms of
// one word ("переговоры", "переговорах") to meet on one stem.
var ruEndings = func() [][]string {
	list := strings.Fields(`
		иями ями ами ого его ому ему ыми ими ией иях ием ешь ете ует уют ала ила али или ать ять ить ыть
		ов ев ей ой ий ый ая яя ое ее ые ие ых их ым им ом ем ам ям ах ях ую юю ия ие ии ию ет ют ут ит ат ят ла ло ли ся
		а я о е и ы у ю ь й`)
	byLen := make([][]string, 5)
	for _, e := range list {
		n := utf8.RuneCountInString(e)
		byLen[n] = append(byLen[n], e)
	}
	return byLen
}()

// stem returns the form of a lower-case word that its inflections share:
// one Russian ending removed (keeping at least four letters), or for
// English the plural, -ing and -ed.
func stem(w string, cyr bool) string {
	if cyr {
		n := utf8.RuneCountInString(w)
	endings:
		for l := 4; l >= 1; l-- {
			if n-l < 3 {
				continue
			}
			for _, e := range ruEndings[l] {
				if strings.HasSuffix(w, e) {
					w = w[:len(w)-len(e)]
					break endings
				}
			}
		}
		// The е of -ец drops when an ending follows: дворец, дворца;
		// американец, американцы.
		if s, ok := strings.CutSuffix(w, "ец"); ok && utf8.RuneCountInString(s) >= 3 {
			w = s + "ц"
		}
		return w
	}
	n := len(w)
	switch {
	case n > 4 && strings.HasSuffix(w, "ies"):
		w = w[:n-3] + "y"
	case n > 4 && strings.HasSuffix(w, "sses"):
		w = w[:n-2]
	case n > 3 && strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") && !strings.HasSuffix(w, "us") && !strings.HasSuffix(w, "is"):
		w = w[:n-1]
	}
	n = len(w)
	switch {
	case n > 5 && strings.HasSuffix(w, "ing"):
		w = w[:n-3]
	case n > 4 && strings.HasSuffix(w, "ed"):
		w = w[:n-2]
	}
	if len(w) > 4 && strings.HasSuffix(w, "e") {
		w = w[:len(w)-1]
	}
	return w
}

// Cyrillic letters in Latin, as English-language news writes Russian names.
var translit = map[rune]string{
	'а': "a", 'б': "b", 'в': "v", 'г': "g", 'д': "d", 'е': "e", 'ё': "e", 'ж': "zh",
	'з': "z", 'и': "i", 'й': "y", 'к': "k", 'л': "l", 'м': "m", 'н': "n", 'о': "o",
	'п': "p", 'р': "r", 'с': "s", 'т': "t", 'у': "u", 'ф': "f", 'х': "kh", 'ц': "ts",
	'ч': "ch", 'ш': "sh", 'щ': "shch", 'ъ': "", 'ы': "y", 'ь': "", 'э': "e", 'ю': "yu",
	'я': "ya", 'і': "i", 'ї': "yi", 'є': "ye", 'ґ': "g",
}

// Russian case endings that contain a consonant. Key drops vowels, so
// Лаврова and Лаврову already meet Lavrov; these must go first: Лавровым,
// Уиткоффом, Зеленского, Путиных.
var ruConsonantEndings = []string{"ами", "ями", "ого", "его", "ому", "ему", "ыми", "ими", "ым", "им", "ом", "ем", "ых", "их", "ах", "ях", "ам", "ям"}

// Key is the spelling-independent form of a name, the same for its
// Cyrillic and Latin spellings and for its Russian case forms: Лавров,
// Лаврова, Лавровым and Lavrov give "lvrv"; Уиткоффом and Witkoff "tkf";
// Дарчиев and Darchiev "drcv". It transliterates Cyrillic, reads English
// spellings the way Russian renders them (w and y as vowels, j as дж, c as
// к or с), drops vowels and h, and merges doubled letters. Names that
// Russian renders by sound rather than by letter (Washington, Вашингтон)
// need an alias.
func Key(name string) string {
	w := fold(name)
	cyr := false
	for _, r := range w {
		if r >= 0x400 && r <= 0x4FF {
			cyr = true
			break
		}
	}
	var b strings.Builder
	if cyr {
		for _, e := range ruConsonantEndings {
			if strings.HasSuffix(w, e) && utf8.RuneCountInString(w)-utf8.RuneCountInString(e) >= 3 {
				w = w[:len(w)-len(e)]
				break
			}
		}
		for _, r := range w {
			if t, ok := translit[r]; ok {
				b.WriteString(t)
			} else if r == 'ч' {
				b.WriteString("ch")
			} else {
				b.WriteRune(r)
			}
		}
		w = b.String()
		b.Reset()
	}
	// Latin digraphs first, so that their h does not survive on its own.
	w = latinDigraphs.Replace(w)
	var prev rune
	rs := []rune(w)
	for i, r := range rs {
		var out rune
		switch r {
		case 'a', 'e', 'i', 'o', 'u', 'y', 'w', 'h', '\'':
			prev = 0
			continue
		case 'c':
			if i+1 < len(rs) && (rs[i+1] == 'e' || rs[i+1] == 'i' || rs[i+1] == 'y') {
				out = 's'
			} else {
				out = 'k'
			}
		case 'q':
			out = 'k'
		case 'x':
			if prev != 'k' {
				b.WriteRune('k')
			}
			out = 's'
		default:
			out = r
		}
		if out == prev {
			continue
		}
		b.WriteRune(out)
		prev = out
	}
	k := b.String()
	if len(k) < 2 {
		// A name of vowels and one consonant (Ия, Io) keeps its letters.
		return w
	}
	return k
}

// latinDigraphs maps English and transliterated letter pairs to one letter
// each: č stands for ch/ч and ĉ for ts/ц, so that neither is read as c (к
// or с) plus another letter.
var latinDigraphs = strings.NewReplacer(
	"shch", "s", "sch", "s", "sh", "s", "zh", "z", "kh", "h",
	"tch", "č", "ch", "č", "ts", "ĉ", "tz", "ĉ", "ck", "k",
	"ph", "f", "th", "t", "dh", "d", "gh", "g", "wh", "u", "j", "dz",
)
