package render

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"golang.org/x/net/html"

	"github.com/feedwatch/feedwatch/internal/mail"
)

// Recipient is what one subscriber's copy of a digest differs in from the
// next subscriber's.
type Recipient struct {
	Email, Name    string
	UnsubscribeURL string
	Location       *time.Location // subscriber's zone; nil = UTC
}

// Batch renders one digest for many recipients. Inlining the CSS is most of
// the cost of a message and its result is the same for every recipient in
// one time zone, so a Batch renders the templates once per zone with
// placeholders where the recipient's values go and fills them in for each
// recipient. Every copy is byte for byte what Renderer.Digest renders for
// the same digest and recipient; where that cannot be had by filling in (see
// SharedRendering, and unsubscribe URLs with characters that escaping would
// change), the copy is rendered in full.
//
// A Batch is not safe for concurrent use.
type Batch struct {
	r      *Renderer
	d      Digest
	shells map[shellKey]*shell
}

// Batch returns a Batch for d. d's Recipient, RecipientName, UnsubscribeURL
// and Location are ignored: each copy takes them from its Recipient.
func (r *Renderer) Batch(d Digest) *Batch {
	return &Batch{r: r, d: d, shells: map[shellKey]*shell{}}
}

// Digest renders rc's copy of the batch's digest: what Renderer.Digest
// renders for the digest with rc's values.
func (b *Batch) Digest(rc Recipient) (Rendered, error) {
	if b.r.SharedRendering() == nil {
		out, ok, err := b.fill(rc)
		if err != nil || ok {
			return out, err
		}
	}
	return b.r.Digest(b.digestFor(rc))
}

func (b *Batch) digestFor(rc Recipient) Digest {
	d := b.d
	d.Recipient, d.RecipientName, d.UnsubscribeURL, d.Location = rc.Email, rc.Name, rc.UnsubscribeURL, rc.Location
	return d
}

// The recipient's values, in the order of a shell's holes.
const (
	holeEmail = iota
	holeName
	holeUnsubscribe
	numHoles
)

// markPrefix is how much of a mark, found where no whole placeholder is,
// shows a value the template cut or reformatted: "fw" and four random hex
// digits, rare enough in feed content that a false alarm (which only
// renders that digest's copies in full) hardly ever happens.
const markPrefix = 6

// holeKinds are the letters after a shell's mark that say which hole it is.
// They are not hex digits, so a mark cannot run into one.
const holeKinds = "rnu"

// shellKey is what decides a shell's content besides the digest: the zone
// of the times, and which values are empty, because templates test them
// ({{if .Recipient}}) and a placeholder is never empty.
type shellKey struct {
	loc *time.Location
	has [numHoles]bool
}

// shell is the digest rendered with placeholders, each part cut at them.
type shell struct {
	subject, html, text layout
	// mangled: a template changed a placeholder, so values cannot be
	// filled in and every copy is rendered in full.
	mangled bool
}

// fill renders rc's copy from a shell. ok is false when rc's copy has to be
// rendered in full.
func (b *Batch) fill(rc Recipient) (out Rendered, ok bool, err error) {
	// The view applies the same to each of these before a template sees it.
	vals := [numHoles]string{mail.OneLine(rc.Email), mail.OneLine(rc.Name), safeURL(rc.UnsubscribeURL)}
	if !verbatimURL(vals[holeUnsubscribe]) {
		return Rendered{}, false, nil
	}
	k := shellKey{loc: rc.Location}
	for i, v := range vals {
		k.has[i] = v != ""
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
	var esc [numHoles]string
	for i, v := range vals {
		esc[i] = html.EscapeString(v)
	}
	return Rendered{Subject: s.subject.fill(&vals), HTML: s.html.fill(&esc), Text: s.text.fill(&vals)}, true, nil
}

func (b *Batch) shell(k shellKey) (*shell, error) {
	d := b.digestFor(Recipient{Location: k.loc})
	v, err := newDigestView(d)
	if err != nil {
		return nil, err
	}
	mark, err := newMark(v, rand.Reader)
	if err != nil {
		return nil, err
	}
	// Set after newDigestView: safeURL would drop a placeholder that has
	// no scheme, and oneLine would leave it as it is.
	holes := [numHoles]*string{&v.Recipient, &v.RecipientName, &v.UnsubscribeURL}
	for i, p := range holes {
		if k.has[i] {
			*p = mark + holeKinds[i:i+1]
		}
	}
	out, err := b.r.render(v, DigestSubject, DigestHTML, DigestText)
	if err != nil {
		return nil, err
	}
	s := &shell{}
	for _, part := range []struct {
		dst *layout
		src string
	}{{&s.subject, out.Subject}, {&s.html, out.HTML}, {&s.text, out.Text}} {
		var ok bool
		if *part.dst, ok = cutLayout(part.src, mark); !ok {
			return &shell{mangled: true}, nil
		}
	}
	return s, nil
}

// newMark returns a random prefix for a shell's placeholders. Feed content
// is in the shell too, and a placeholder found in it would be filled with a
// subscriber's address: 128 random bits cannot be guessed by a publisher,
// and the check below makes even a lucky guess harmless. Every string that
// reaches the templates is in v, already sanitised, so content that only
// turns into the mark later (an entity in a summary) is caught too: the
// sanitiser has already decoded it.
func newMark(v digestView, random io.Reader) (string, error) {
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
	holes []int
	size  int // bytes of lit
}

// cutLayout cuts s at mark and the kind letter after it. ok is false when a
// mark has no kind after it, or when what is left still holds the mark's
// first characters in any case: only a template that cuts or reformats a
// value (printf, slice, upper) leaves those, possibly in a branch the
// sample digests of SharedRendering never reach.
func cutLayout(s, mark string) (l layout, ok bool) {
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
	l.size = len(s)
	for {
		i := strings.Index(s, mark)
		if i < 0 {
			break
		}
		rest := s[i+len(mark):]
		kind := -1
		if rest != "" {
			kind = strings.IndexByte(holeKinds, rest[0])
		}
		if kind < 0 {
			return layout{}, false
		}
		l.lit = append(l.lit, s[:i])
		l.holes = append(l.holes, kind)
		l.size -= len(mark) + 1
		s = rest[1:]
	}
	l.lit = append(l.lit, s)
	return l, true
}

func (l layout) fill(vals *[numHoles]string) string {
	n := l.size
	for _, h := range l.holes {
		n += len(vals[h])
	}
	var b strings.Builder
	b.Grow(n)
	b.WriteString(l.lit[0])
	for i, h := range l.holes {
		b.WriteString(vals[h])
		b.WriteString(l.lit[i+1])
	}
	return b.String()
}

// SharedRendering says whether a Batch fills recipients' values into shared
// renders (nil) or renders every copy in full, and why. Filling in is exact
// where templates print the values as text or as attribute values, and the
// unsubscribe URL also as a whole link. An operator's template that puts an
// address into a mailto: link or a script, or pads it with printf, changes
// it in ways a placeholder does not show, and so does CSS that selects on an
// unsubscribe link's href. The templates are checked once, on first use, by
// rendering sample digests for awkward recipients both ways.
func (r *Renderer) SharedRendering() error {
	r.shareOnce.Do(func() { r.shareErr = r.checkSharing() })
	return r.shareErr
}

// sharingProbes carry every character html/template escapes in text, in
// attributes or in URLs, non-ASCII, and each combination of empty values
// that templates might test.
var sharingProbes = []Recipient{
	{
		Email: `o'neil+"digest"&<co>@example.org`, Name: `Zoë "Z" O'Neil & <Co> +1; a=b`,
		UnsubscribeURL: "https://example.org/unsubscribe?token=aZ09-_.~!$*+,;=:@/?[]&x=1#top",
		Location:       time.FixedZone("+0530", 5*3600+1800),
	},
	{Email: "a@example.org"},
	{Name: "Name only", UnsubscribeURL: "mailto:u@example.org"},
}

func (r *Renderer) checkSharing() error {
	for _, d := range []Digest{sampleDigest(), {TopicName: "sample"}} {
		b := r.Batch(d)
		for _, rc := range sharingProbes {
			got, ok, err := b.fill(rc)
			if err != nil {
				return fmt.Errorf("render: shared rendering: %w", err)
			}
			if !ok {
				return errors.New("render: templates change the placeholders of recipient values")
			}
			want, err := r.Digest(b.digestFor(rc))
			if err != nil {
				return fmt.Errorf("render: shared rendering: %w", err)
			}
			for _, part := range []struct{ name, got, want string }{
				{DigestSubject, got.Subject, want.Subject}, {DigestHTML, got.HTML, want.HTML}, {DigestText, got.Text, want.Text},
			} {
				if part.got != part.want {
					return fmt.Errorf("render: %s shows recipient values other than as text or links", part.name)
				}
			}
		}
	}
	return nil
}
