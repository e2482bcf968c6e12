package parse

import (
	"bytes"
	"mime"
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// xmlDecl matches the XML declaration and captures its encoding value, so
// that it can be read and, after we have converted the bytes, rewritten to
// utf-8 (otherwise the XML decoder would convert a second time).
var xmlDecl = regexp.MustCompile(`^(\s*<\?xml[^>]*?encoding\s*=\s*["'])([^"']*)(["'][^>]*\?>)`)

// toUTF8 returns body converted to UTF-8, with any XML declaration's
// encoding rewritten to utf-8. Feeds lie about their encoding often, so the
// declaration and the Content-Type charset are candidates, not orders:
//
//  1. A byte-order mark is authoritative (UTF-8, UTF-16LE/BE).
//  2. Bytes that are valid UTF-8 are UTF-8, whatever the labels say:
//     legacy 8-bit text with non-ASCII letters is practically never valid
//     UTF-8, while "UTF-8 declared as ISO-8859-1" is a common mistake. So
//     are bytes that are mostly valid UTF-8, with the few others replaced.
//  3. Otherwise the Content-Type charset, then the declaration, when they
//     name an encoding we know and it is not UTF-8 (which we know is wrong).
//     A Latin-1/windows-1252 label on text that is plainly Cyrillic is
//     overruled by the heuristic in 4.
//  4. Otherwise guess: windows-1251 or KOI8-R when the high bytes form
//     whole words (Cyrillic), else windows-1252 (a superset of the
//     printable ISO-8859-1, and what "Latin-1" pages really are).
func toUTF8(body []byte, contentType string) []byte {
	switch {
	case bytes.HasPrefix(body, []byte{0xEF, 0xBB, 0xBF}):
		return fixDecl(body[3:])
	case bytes.HasPrefix(body, []byte{0xFF, 0xFE}), bytes.HasPrefix(body, []byte{0xFE, 0xFF}):
		return decodeWith(unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM), body)
	case bytes.HasPrefix(body, []byte{'<', 0, '?', 0}):
		return decodeWith(unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), body)
	case bytes.HasPrefix(body, []byte{0, '<', 0, '?'}):
		return decodeWith(unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM), body)
	}
	if utf8.Valid(body) {
		return fixDecl(body)
	}
	if mostlyUTF8(body) {
		// A few bad bytes (a description cut in the middle of a
		// character) do not make a UTF-8 document another encoding;
		// read as one, all of it would come out garbled.
		return fixDecl(bytes.ToValidUTF8(body, []byte("\uFFFD")))
	}
	var labels []string
	if _, params, err := mime.ParseMediaType(contentType); err == nil && params["charset"] != "" {
		labels = append(labels, params["charset"])
	}
	if m := xmlDecl.FindSubmatch(body); m != nil {
		labels = append(labels, string(m[2]))
	}
	for _, label := range labels {
		enc, name := charset.Lookup(strings.TrimSpace(label))
		if enc == nil || name == "utf-8" || strings.HasPrefix(name, "utf-16") {
			continue
		}
		if (name == "windows-1252" || name == "iso-8859-1") && cyrillic(body) != nil {
			break
		}
		return decodeWith(enc, body)
	}
	if enc := cyrillic(body); enc != nil {
		return decodeWith(enc, body)
	}
	return decodeWith(charmap.Windows1252, body)
}

// mostlyUTF8 reports whether body's bytes above ASCII are mostly whole
// UTF-8 sequences: at least four for every byte that fits none. Legacy
// 8-bit text hardly ever forms one (Cyrillic in windows-1251 and KOI8-R
// uses 0xC0-0xFF, which cannot follow a lead byte; a Latin accent is a
// lone high byte among ASCII letters).
func mostlyUTF8(body []byte) bool {
	var multi, bad int
	for i := 0; i < len(body); {
		if body[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRune(body[i:])
		if r == utf8.RuneError && size == 1 {
			bad++
		} else {
			multi++
		}
		i += size
	}
	return multi > 0 && multi >= 4*bad
}

func decodeWith(enc encoding.Encoding, body []byte) []byte {
	out, _, err := transform.Bytes(enc.NewDecoder(), body)
	if err != nil {
		// The decoders we use replace bad input rather than fail; if one
		// does fail, Latin-1-like decoding keeps every byte visible.
		out, _, _ = transform.Bytes(charmap.Windows1252.NewDecoder(), body)
	}
	return fixDecl(out)
}

func fixDecl(b []byte) []byte {
	if m := xmlDecl.FindSubmatchIndex(b); m != nil {
		if string(b[m[4]:m[5]]) == "utf-8" {
			return b // already says so: no copy of the whole document
		}
		out := make([]byte, 0, len(b))
		out = append(out, b[:m[3]]...)
		out = append(out, "utf-8"...)
		out = append(out, b[m[6]:]...)
		return out
	}
	return b
}

// cyrillic guesses whether undeclared 8-bit text is Russian-like Cyrillic
// and, if so, which of the two common encodings it is in. In Cyrillic text
// words are made of high bytes only; in Latin text high bytes are lone
// accents inside ASCII words. Between the two Cyrillic encodings, lowercase
// letters (most of any text) sit at 0xE0-0xFF in windows-1251 and at
// 0xC0-0xDF in KOI8-R.
func cyrillic(body []byte) encoding.Encoding {
	var runs, longRuns, run, lower, upper int
	flush := func() {
		if run > 0 {
			runs++
			if run >= 3 {
				longRuns++
			}
		}
		run = 0
	}
	for _, c := range body {
		switch {
		case c >= 0xC0:
			run++
			if c >= 0xE0 {
				lower++
			} else {
				upper++
			}
		case c >= 0x80:
			run++
		default:
			flush()
		}
	}
	flush()
	if runs < 3 || longRuns*2 < runs {
		return nil
	}
	if upper > lower {
		return charmap.KOI8R
	}
	return charmap.Windows1251
}
