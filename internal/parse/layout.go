package parse

import (
	"bytes"
	"hash/crc64"
)

// Layout is an RSS or Atom document cut at its entries, without parsing
// them: a changed feed mostly repeats entries it listed before, byte for
// byte, and a poll that recognises them by their bytes needs to parse only
// the others (Without), which is most of what a poll of a changed feed
// would otherwise cost.
type Layout struct {
	// Data is the document in UTF-8, as Parse reads it; Without cuts from
	// it and Parse takes the result as it is.
	Data []byte
	// Entries are the document's <item> and <entry> elements, in order.
	Entries []Span
	// head is a hash of the start tags before the first entry, attributes
	// included and text left out: what an entry's meaning may depend on
	// beyond its own bytes (the format, namespaces, xml:base). A channel's
	// changing <lastBuildDate> or <updated> text does not change it.
	head uint64
}

// Span is one entry's bytes in Layout.Data, its start and end tags included.
type Span struct{ Start, End int }

var crcTable = crc64.MakeTable(crc64.ECMA)

// Cut returns body's layout. ok is false when the document cannot be cut
// with certainty, and the caller must parse it whole: JSON and anything not
// XML, a DOCTYPE (it may declare entities), entries nested in entries or at
// different depths, a prefixed or differently cased item/entry element,
// unclosed markup, an empty-element entry.
func Cut(body []byte, contentType string) (l *Layout, ok bool) {
	if len(body) > MaxInput {
		return nil, false
	}
	trimmed := bytes.TrimLeft(body, " \t\r\n\x00\xef\xbb\xbf\xfe\xff")
	if len(trimmed) == 0 || trimmed[0] == '{' {
		return nil, false
	}
	data := toUTF8(body, contentType)
	l = &Layout{Data: data}
	var (
		depth      int
		entryDepth = -1 // depth of the entries' start tags, once one is seen
		entryStart = -1 // start of the entry being read
		head       uint64
	)
	for i := 0; ; {
		j := bytes.IndexByte(data[i:], '<')
		if j < 0 {
			break
		}
		i += j
		rest := data[i:]
		switch {
		case bytes.HasPrefix(rest, []byte("<!--")):
			k := bytes.Index(rest[4:], []byte("-->"))
			if k < 0 {
				return nil, false
			}
			i += 4 + k + 3
		case bytes.HasPrefix(rest, []byte("<![CDATA[")):
			k := bytes.Index(rest, []byte("]]>"))
			if k < 0 {
				return nil, false
			}
			i += k + 3
		case bytes.HasPrefix(rest, []byte("<!")):
			return nil, false
		case bytes.HasPrefix(rest, []byte("<?")):
			k := bytes.Index(rest, []byte("?>"))
			if k < 0 {
				return nil, false
			}
			i += k + 2
		case len(rest) > 1 && rest[1] == '/':
			k := bytes.IndexByte(rest, '>')
			if k < 0 {
				return nil, false
			}
			name := bytes.TrimSpace(rest[2:k])
			depth--
			if isEntryName(name) {
				if entryStart < 0 || depth != entryDepth {
					return nil, false
				}
				l.Entries = append(l.Entries, Span{entryStart, i + k + 1})
				entryStart = -1
			} else if looksLikeEntry(name) {
				return nil, false
			}
			if depth < 0 {
				return nil, false
			}
			i += k + 1
		default:
			k := tagEnd(rest)
			if k < 0 {
				return nil, false
			}
			tag := rest[:k+1]
			name := tagName(tag)
			selfClosing := tag[len(tag)-2] == '/'
			switch {
			case isEntryName(name):
				if entryStart >= 0 || selfClosing || (entryDepth >= 0 && depth != entryDepth) {
					return nil, false
				}
				entryDepth, entryStart = depth, i
			case looksLikeEntry(name):
				return nil, false
			}
			if entryDepth < 0 {
				head = crc64.Update(head, crcTable, tag)
			}
			if !selfClosing {
				depth++
			}
			i += k + 1
		}
	}
	if depth != 0 || entryStart >= 0 {
		return nil, false
	}
	l.head = head
	return l, true
}

// tagEnd is the index of the '>' that closes the start tag at the
// beginning of b, skipping quoted attribute values (which may hold '>');
// -1 when there is none.
func tagEnd(b []byte) int {
	var quote byte
	for i := 1; i < len(b); i++ {
		c := b[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '>':
			if i < 2 {
				return -1
			}
			return i
		case c == '<':
			return -1
		}
	}
	return -1
}

// tagName is the element name of a start tag.
func tagName(tag []byte) []byte {
	end := 1
	for end < len(tag) {
		switch tag[end] {
		case ' ', '\t', '\r', '\n', '/', '>':
			return tag[1:end]
		}
		end++
	}
	return tag[1:end]
}

func isEntryName(name []byte) bool {
	return string(name) == "item" || string(name) == "entry"
}

// looksLikeEntry reports names that a parser may take for an entry but
// Cut does not cut at: another case, or a namespace prefix.
func looksLikeEntry(name []byte) bool {
	if i := bytes.LastIndexByte(name, ':'); i >= 0 {
		name = name[i+1:]
	}
	return bytes.EqualFold(name, []byte("item")) || bytes.EqualFold(name, []byte("entry"))
}

// Fingerprint identifies entry i by its bytes, the document's head and the
// URL its links are resolved against: the same fingerprint in the next
// document of the same feed is the same entry, parsed to the same result.
func (l *Layout) Fingerprint(i int, feedURL string) uint64 {
	h := crc64.Update(l.head, crcTable, []byte(feedURL))
	s := l.Entries[i]
	return crc64.Update(h, crcTable, l.Data[s.Start:s.End])
}

// Without returns the document with the entries for which drop[i] is true
// left out; everything else stays as it was, in order.
func (l *Layout) Without(drop []bool) []byte {
	return l.appendWithout(make([]byte, 0, len(l.Data)), func(i int) bool { return drop[i] })
}

// Only appends to dst the document with only entries from up to (not
// including) to, and everything that is not an entry: a document too long
// to parse at once is parsed a part at a time.
func (l *Layout) Only(dst []byte, from, to int) []byte {
	return l.appendWithout(dst, func(i int) bool { return i < from || i >= to })
}

func (l *Layout) appendWithout(out []byte, drop func(i int) bool) []byte {
	at := 0
	for i, s := range l.Entries {
		if !drop(i) {
			continue
		}
		out = append(out, l.Data[at:s.Start]...)
		at = s.End
	}
	return append(out, l.Data[at:]...)
}
