package render

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/html"
)

// Batch renders one mail for many recipients. Inlining the CSS is most of
// the cost of a message and its result is the same for every recipient in
// one time zone, so a Batch renders the templates once per zone with
// placeholders where the recipient's values go and fills them in for each
// recipient. Every copy is byte for byte what Renderer.Mail renders for
// the same mail and recipient; where that cannot be had by filling in (see
// SharedRendering, and links with characters that escaping would change),
// the copy is rendered in full.
//
// A Batch is not safe for concurrent use.
type Batch struct {
	r      *Renderer
	m      Mail
	shells map[shellKey]*shell
}

// Batch returns a Batch for m.
func (r *Renderer) Batch(m Mail) *Batch {
	return &Batch{r: r, m: m, shells: map[shellKey]*shell{}}
}

// Mail renders rc's copy of the batch's mail: what Renderer.Mail renders
// for it.
func (b *Batch) Mail(rc Recipient) (Rendered, error) {
	if b.r.SharedRendering() == nil {
		out, ok, err := b.fill(rc)
		if err != nil || ok {
			return out, err
		}
	}
	return b.r.Mail(b.m, rc)
}

// Size is about how many bytes the batch's shared renders hold: one per
// time zone (and combination of empty values) its copies were made for.
func (b *Batch) Size() int {
	n := 0
	for _, s := range b.shells {
		n += s.subject.size + s.html.size + s.text.size
	}
	return n
}

// markPrefix is how much of a mark, found where no whole placeholder is,
// shows a value the template cut or reformatted: "fw" and four random hex
// digits, rare enough in feed content that a false alarm (which only
// renders that mail's copies in full) hardly ever happens.
const markPrefix = 6

// slotKinds are every kind of slot, in the order of shellKey.has.
const slotKinds = "rnumksv"

// placeholderEnd closes a placeholder's index; not a hex or decimal digit.
const placeholderEnd = 'q'

// shellKey is what decides a shell's content besides the mail: the zone of
// the times, and which kinds of value are empty, because templates test
// them ({{if .Recipient}}) and a placeholder is never empty.
type shellKey struct {
	loc *time.Location
	has [len(slotKinds)]bool
}

// shell is the mail rendered with placeholders, each part cut at them.
type shell struct {
	subject, html, text layout
	// mangled: a template changed a placeholder, so values cannot be
	// filled in and every copy is rendered in full.
	mangled bool
}

// fill renders rc's copy from a shell. ok is false when rc's copy has to be
// rendered in full.
func (b *Batch) fill(rc Recipient) (out Rendered, ok bool, err error) {
	val := fullValues(rc)
	k := shellKey{loc: rc.Location}
	// Every value of a kind is empty or none is: templates may test one
	// and a shell has one answer per kind.
	var seen [len(slotKinds)]bool
	for _, sl := range b.slots() {
		i := strings.IndexByte(slotKinds, sl.kind)
		v := val(sl)
		if urlSlot(sl.kind) && !verbatimURL(v) {
			return Rendered{}, false, nil
		}
		if !seen[i] {
			seen[i], k.has[i] = true, v != ""
		} else if k.has[i] != (v != "") {
			return Rendered{}, false, nil
		}
	}
	s, ok := b.shells[k]
	if !ok {
		if s, err = b.shell(k); err != nil {
			return Rendered{}, false, err
		}
		b.shells[k] = s
	}
	if s.mangled {
		return Rendered{}, false, nil
	}
	// Subject and text part print values as they are. In the HTML part
	// html/template escapes them and premailer parses the document and
	// writes it out again with x/net/html, which leaves exactly
	// html.EscapeString of the value in text and in attribute values; a
	// URL made only of verbatimURL's characters passes html/template's URL
	// normalisation unchanged.
	esc := func(s slot) string { return html.EscapeString(val(s)) }
	return Rendered{Subject: s.subject.fill(val), HTML: s.html.fill(esc), Text: s.text.fill(val)}, true, nil
}

// slots lists every recipient value the batch's mail shows.
func (b *Batch) slots() []slot {
	out := []slot{{kind: slotEmail}, {kind: slotName}, {kind: slotUnsubscribe}, {kind: slotManage}, {kind: slotMissed}}
	for i, sec := range b.m.Sections {
		if len(b.m.Sections) > 1 {
			out = append(out, slot{kind: slotSection, section: i})
		}
		for j := range sec.Items {
			out = append(out, slot{kind: slotFeedback, section: i, item: j})
		}
	}
	return out
}

func (b *Batch) shell(k shellKey) (*shell, error) {
	// A view with every value empty holds all the content a placeholder
	// must not be found in.
	bare, err := newMailView(b.m, k.loc, func(slot) string { return "" })
	if err != nil {
		return nil, err
	}
	mark, err := newMark(bare, rand.Reader)
	if err != nil {
		return nil, err
	}
	v, err := newMailView(b.m, k.loc, func(s slot) string {
		if !k.has[strings.IndexByte(slotKinds, s.kind)] {
			return ""
		}
		return placeholder(mark, s, b.m)
	})
	if err != nil {
		return nil, err
	}
	out, err := b.r.render(v, DigestSubject, DigestHTML, DigestText)
	if err != nil {
		return nil, err
	}
	sh := &shell{}
	for _, part := range []struct {
		dst *layout
		src string
	}{{&sh.subject, out.Subject}, {&sh.html, out.HTML}, {&sh.text, out.Text}} {
		var ok bool
		if *part.dst, ok = cutLayout(part.src, mark, b.m); !ok {
			return &shell{mangled: true}, nil
		}
	}
	return sh, nil
}

// placeholder is the mark, the slot's kind and its number among the mail's
// slots of that kind, and placeholderEnd.
func placeholder(mark string, s slot, m Mail) string {
	return mark + string(s.kind) + strconv.Itoa(slotNumber(s, m)) + string(placeholderEnd)
}

// slotNumber numbers a mail's slots of one kind: sections by their index,
// items by their place among every section's items.
func slotNumber(s slot, m Mail) int {
	switch s.kind {
	case slotSection:
		return s.section
	case slotFeedback:
		n := s.item
		for _, sec := range m.Sections[:s.section] {
			n += len(sec.Items)
		}
		return n
	}
	return 0
}

// slotOf is the slot numbered n among m's slots of kind.
func slotOf(kind byte, n int, m Mail) (slot, bool) {
	switch kind {
	case slotSection:
		return slot{kind: kind, section: n}, n < len(m.Sections)
	case slotFeedback:
		for i, sec := range m.Sections {
			if n < len(sec.Items) {
				return slot{kind: kind, section: i, item: n}, true
			}
			n -= len(sec.Items)
		}
		return slot{}, false
	}
	return slot{kind: kind}, n == 0
}

// newMark returns a random prefix for a shell's placeholders. Feed content
// is in the shell too, and a placeholder found in it would be filled with a
// subscriber's address: 128 random bits cannot be guessed by a publisher,
// and the check below makes even a lucky guess harmless. Every string that
// reaches the templates is in v, already sanitised, so content that only
// turns into the mark later (an entity in a summary) is caught too: the
// sanitiser has already decoded it.
func newMark(v mailView, random io.Reader) (string, error) {
	content := fmt.Sprint(v)
	for range 3 {
		var b [16]byte
		if _, err := io.ReadFull(random, b[:]); err != nil {
			return "", fmt.Errorf("render: placeholder: %w", err)
		}
		mark := "fw" + hex.EncodeToString(b[:])
		if !strings.Contains(content, mark) {
			return mark, nil
		}
	}
	return "", errors.New("render: placeholder: digest content contains every random mark tried")
}

// verbatimURL reports whether every character of u is one that
// html/template's URL normalisation keeps and HTML escaping leaves alone or
// turns into an entity, and that is not white space. '%' is left out: the
// normalisation keeps it or not depending on what follows. Unsubscribe URLs
// are the base URL and a base64url token, so a URL with anything else is
// rare enough to render in full.
func verbatimURL(u string) bool {
	for i := 0; i < len(u); i++ {
		c := u[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' {
			continue
		}
		if !strings.ContainsRune("-._~!#$&*+,/:;=?@[]", rune(c)) {
			return false
		}
	}
	return true
}

// layout is a rendered part cut at its placeholders: lit[0], the value of
// holes[0], lit[1], … lit[len(holes)].
type layout struct {
	lit   []string
	holes []slot
	size  int // bytes of lit
}

// cutLayout cuts s at the placeholders of mark in mail m. ok is false when
// a mark is not followed by a kind, a number of a slot m has and
// placeholderEnd, or when what is left still holds the mark's first
// characters in any case: only a template that cuts or reformats a value
// (printf, slice, upper) leaves those, possibly in a branch the sample
// mails of SharedRendering never reach.
func cutLayout(s, mark string, m Mail) (l layout, ok bool) {
	defer func() {
		if !ok {
			return
		}
		prefix := strings.ToLower(mark[:min(markPrefix, len(mark))])
		for _, lit := range l.lit {
			if strings.Contains(strings.ToLower(lit), prefix) {
				l, ok = layout{}, false
				return
			}
		}
	}()
	for {
		i := strings.Index(s, mark)
		if i < 0 {
			break
		}
		rest := s[i+len(mark):]
		if rest == "" || strings.IndexByte(slotKinds, rest[0]) < 0 {
			return layout{}, false
		}
		kind := rest[0]
		digits := 0
		for 1+digits < len(rest) && '0' <= rest[1+digits] && rest[1+digits] <= '9' {
			digits++
		}
		if digits == 0 || 1+digits >= len(rest) || rest[1+digits] != placeholderEnd {
			return layout{}, false
		}
		n, err := strconv.Atoi(rest[1 : 1+digits])
		if err != nil {
			return layout{}, false
		}
		sl, found := slotOf(kind, n, m)
		if !found {
			return layout{}, false
		}
		l.lit = append(l.lit, s[:i])
		l.size += i
		l.holes = append(l.holes, sl)
		s = rest[2+digits:]
	}
	l.lit = append(l.lit, s)
	l.size += len(s)
	return l, true
}

func (l layout) fill(val values) string {
	vals := make([]string, len(l.holes))
	n := l.size
	for i, h := range l.holes {
		vals[i] = val(h)
		n += len(vals[i])
	}
	var b strings.Builder
	b.Grow(n)
	b.WriteString(l.lit[0])
	for i := range l.holes {
		b.WriteString(vals[i])
		b.WriteString(l.lit[i+1])
	}
	return b.String()
}

// SharedRendering says whether a Batch fills recipients' values into shared
// renders (nil) or renders every copy in full, and why. Filling in is exact
// where templates print the values as text or as attribute values, and the
// links also as whole links. An operator's template that puts an address
// into a mailto: link or a script, or pads it with printf, changes it in
// ways a placeholder does not show, and so does CSS that selects on a
// link's href. The templates are checked once, on first use, by rendering
// the sample mails for awkward recipients both ways.
func (r *Renderer) SharedRendering() error {
	r.shareOnce.Do(func() { r.shareErr = r.checkSharing() })
	return r.shareErr
}

// sharingProbes carry every character html/template escapes in text, in
// attributes or in URLs, non-ASCII, and each combination of empty values
// that templates might test.
func sharingProbes(m Mail) []Recipient {
	awkward := Recipient{
		Email: `o'neil+"digest"&<co>@example.org`, Name: `Zoë "Z" O'Neil & <Co> +1; a=b`,
		UnsubscribeURL: "https://example.org/unsubscribe?token=aZ09-_.~!$*+,;=:@/?[]&x=1#top",
		ManageURL:      "https://example.org/preferences?token=aZ09-_.~!$*+,;=:@/?[]&x=1#top",
		MissedURL:      "https://example.org/missed?token=a.b",
		Location:       time.FixedZone("+0530", 5*3600+1800),
	}
	for i, sec := range m.Sections {
		awkward.SectionUnsubscribeURLs = append(awkward.SectionUnsubscribeURLs, "https://example.org/unsubscribe?token=s"+strconv.Itoa(i)+"&a=b")
		var links []string
		for j := range sec.Items {
			links = append(links, "https://example.org/feedback?token="+strconv.Itoa(i)+"."+strconv.Itoa(j)+"&a=b")
		}
		awkward.FeedbackURLs = append(awkward.FeedbackURLs, links)
	}
	return []Recipient{
		awkward,
		{Email: "a@example.org"},
		{Name: "Name only", UnsubscribeURL: "mailto:u@example.org"},
	}
}

func (r *Renderer) checkSharing() error {
	for _, sample := range sampleMails() {
		b := r.Batch(sample.mail)
		for _, rc := range sharingProbes(sample.mail) {
			got, ok, err := b.fill(rc)
			if err != nil {
				return fmt.Errorf("render: shared rendering: %w", err)
			}
			if !ok {
				return errors.New("render: templates change the placeholders of recipient values")
			}
			want, err := r.Mail(sample.mail, rc)
			if err != nil {
				return fmt.Errorf("render: shared rendering: %w", err)
			}
			for _, part := range []struct{ name, got, want string }{
				{DigestSubject, got.Subject, want.Subject}, {DigestHTML, got.HTML, want.HTML}, {DigestText, got.Text, want.Text},
			} {
				if part.got != part.want {
					return fmt.Errorf("render: %s shows recipient values other than as text or links (%s)", part.name, sample.name)
				}
			}
		}
	}
	return nil
}
