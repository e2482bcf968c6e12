package parse

import (
	"strings"
	"testing"
)

// TestCut finds every entry of the documents it can cut, and refuses the
// ones it cannot cut with certainty, so that they are parsed whole.
func TestCut(t *testing.T) {
	for _, tc := range []struct {
		name, doc string
		entries   []string // nil: must not be cut
	}{
		{"rss", `<?xml version="1.0"?><rss><channel><title>T</title><item><title>a</title></item>
<item><title>b &amp; c</title><description><![CDATA[<item>not an entry</item>]]></description></item></channel></rss>`,
			[]string{"<item><title>a</title></item>", "<item><title>b &amp; c</title><description><![CDATA[<item>not an entry</item>]]></description></item>"}},
		{"atom", `<feed xmlns="http://www.w3.org/2005/Atom"><!-- <entry> --><entry xml:base="/x/"><link href="a>b"/></entry><entry><id>2</id></entry></feed>`,
			[]string{`<entry xml:base="/x/"><link href="a>b"/></entry>`, "<entry><id>2</id></entry>"}},
		{"rdf", `<rdf:RDF><channel><items><rdf:Seq><rdf:li resource="x"/></rdf:Seq></items></channel><item rdf:about="x"><title>x</title></item></rdf:RDF>`,
			[]string{`<item rdf:about="x"><title>x</title></item>`}},
		{"no entries", `<rss><channel><title>T</title></channel></rss>`, []string{}},
		{"doctype", `<!DOCTYPE rss [<!ENTITY a "b">]><rss><channel><item>&a;</item></channel></rss>`, nil},
		{"json", `{"version":"https://jsonfeed.org/version/1.1","items":[]}`, nil},
		{"nested", `<feed><entry><content><entry/></content></entry></feed>`, nil},
		{"prefixed", `<feed><atom:entry><id>1</id></atom:entry></feed>`, nil},
		{"other case", `<rss><channel><Item><title>a</title></Item></channel></rss>`, nil},
		{"different depths", `<rss><channel><item>a</item></channel><item>b</item></rss>`, nil},
		{"empty entry", `<rss><channel><item/></channel></rss>`, nil},
		{"unclosed", `<rss><channel><item><title>a</title></channel></rss>`, nil},
		{"unclosed comment", `<rss><channel><!-- <item></channel></rss>`, nil},
		{"truncated", `<rss><channel><item><title>a</title></item><item><ti`, nil},
	} {
		l, ok := Cut([]byte(tc.doc), "")
		if ok != (tc.entries != nil) {
			t.Errorf("%s: cut %t, want %t", tc.name, ok, tc.entries != nil)
			continue
		}
		if !ok {
			continue
		}
		var got []string
		for _, s := range l.Entries {
			got = append(got, string(l.Data[s.Start:s.End]))
		}
		if strings.Join(got, "\n") != strings.Join(tc.entries, "\n") || len(got) != len(tc.entries) {
			t.Errorf("%s: entries\n%q\nwant\n%q", tc.name, got, tc.entries)
		}
	}
}

// TestWithout leaves out exactly the dropped entries, and the parse of
// what is left finds the others as the whole document's parse does.
func TestWithout(t *testing.T) {
	doc := `<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title>
<item><guid>a</guid><title>A</title></item>
<item><guid>b</guid><title>B</title></item>
<item><guid>c</guid><title>C</title></item>
</channel></rss>`
	l, ok := Cut([]byte(doc), "application/rss+xml")
	if !ok || len(l.Entries) != 3 {
		t.Fatalf("cut %t, %d entries", ok, len(l.Entries))
	}
	f, err := Parse(l.Without([]bool{true, false, true}), "", "https://x.example/")
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Entries) != 1 || f.Entries[0].GUID != "b" || f.Title != "T" {
		t.Errorf("without a and c: %+v", f)
	}
}

// TestFingerprint: an entry's fingerprint changes with its bytes, with
// the URL its links resolve against and with the markup above the entries
// (an xml:base, a namespace), not with the text of the channel's elements.
func TestFingerprint(t *testing.T) {
	print := func(doc, url string) uint64 {
		l, ok := Cut([]byte(doc), "")
		if !ok {
			t.Fatalf("not cut: %s", doc)
		}
		return l.Fingerprint(len(l.Entries)-1, url)
	}
	base := print(`<rss><channel><lastBuildDate>Mon</lastBuildDate><item>a</item></channel></rss>`, "https://x/")
	for _, tc := range []struct {
		doc, url string
		same     bool
	}{
		{`<rss><channel><lastBuildDate>Tue</lastBuildDate><item>a</item></channel></rss>`, "https://x/", true},
		{`<rss><channel><lastBuildDate>Mon</lastBuildDate><item>new</item><item>a</item></channel></rss>`, "https://x/", true},
		{`<rss><channel><lastBuildDate>Mon</lastBuildDate><item>b</item></channel></rss>`, "https://x/", false},
		{`<rss><channel><lastBuildDate>Mon</lastBuildDate><item>a</item></channel></rss>`, "https://y/", false},
		{`<rss><channel xml:base="https://z/"><lastBuildDate>Mon</lastBuildDate><item>a</item></channel></rss>`, "https://x/", false},
	} {
		if got := print(tc.doc, tc.url) == base; got != tc.same {
			t.Errorf("%s at %s: same fingerprint %t, want %t", tc.doc, tc.url, got, tc.same)
		}
	}
}

// FuzzCut: Cut never panics, its entries lie in order inside the
// document, and leaving none out gives the document back.
func FuzzCut(f *testing.F) {
	f.Add([]byte(`<rss><channel><item><title>a</title></item><item>b</item></channel></rss>`))
	f.Add([]byte(`<feed><!-- x --><entry a=">"><![CDATA[</entry>]]></entry></feed>`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		l, ok := Cut(doc, "")
		if !ok {
			return
		}
		at := 0
		for _, s := range l.Entries {
			if s.Start < at || s.End <= s.Start || s.End > len(l.Data) {
				t.Fatalf("entry %v out of order or bounds (after %d, %d bytes)", s, at, len(l.Data))
			}
			at = s.End
		}
		if string(l.Without(make([]bool, len(l.Entries)))) != string(l.Data) {
			t.Fatal("Without(none) is not the document")
		}
	})
}
