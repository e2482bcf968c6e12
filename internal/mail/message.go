// Package mail builds RFC 5322 messages and hands them to an SMTP server or
// to a directory of .eml files. It is the only importer of go-mail.
//
// Build renders a message once, so the bytes stored in the outbox, the
// Message-ID recorded with them and the bytes delivered are the same; senders
// transmit raw bytes and never rewrite them. This package knows nothing of
// digests, subscribers or retries: it reports whether a failure is temporary
// and leaves the decision to the caller.
package mail

import (
	"bytes"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"mime"
	"net/mail"
	"sort"
	"strings"
	"time"
	"unicode"

	gomail "github.com/wneessen/go-mail"
)

// Message is one mail to one recipient.
type Message struct {
	From      string // "feedwatch <digest@example.org>"
	To        string
	ToName    string
	Subject   string
	Text      string
	HTML      string
	MessageID string // without angle brackets; generated when empty
	Date      time.Time
	// ListID is "phrase <list.id>" (RFC 2919); the phrase may be non-ASCII.
	ListID string
	// UnsubscribeURL must be https for one-click unsubscribe (RFC 8058).
	UnsubscribeURL    string
	UnsubscribeMailto string // address; "?subject=unsubscribe" is added
	Headers           map[string]string
	// DKIM, when set, signs the message.
	DKIM *DKIM
}

// partEncoding chooses the smaller transfer encoding for a body part.
// Quoted-printable keeps ASCII as it is and writes every other byte as
// three; base64 writes every byte as 4/3 and a line break every 76. A
// digest in Russian, where most bytes are Cyrillic, is about half the
// size in base64, which keeps big digests under what mail providers clip
// or refuse; English stays quoted-printable, readable in the raw message.
func partEncoding(body string) gomail.PartOption {
	other := 0
	for i := 0; i < len(body); i++ {
		if body[i] >= 0x80 {
			other++
		}
	}
	// 1 + 2f (quoted-printable) against 4/3 × 77/76 (base64), for a
	// fraction f of non-ASCII bytes: the break-even is f ≈ 0.18.
	if other*100 > len(body)*18 {
		return gomail.WithPartEncoding(gomail.EncodingB64)
	}
	return gomail.WithPartEncoding(gomail.EncodingQP)
}

// Build renders m as RFC 5322 bytes: multipart/alternative with the text part
// first and the HTML part last, as RFC 2046 wants the preferred part last.
// It returns the Message-ID without angle brackets.
func Build(m Message) (raw []byte, messageID string, err error) {
	from, err := mail.ParseAddress(OneLine(m.From))
	if err != nil {
		return nil, "", fmt.Errorf("build mail: from %q: %w", m.From, err)
	}
	to, err := mail.ParseAddress(OneLine(m.To))
	if err != nil {
		return nil, "", fmt.Errorf("build mail: to %q: %w", m.To, err)
	}
	if name := OneLine(m.ToName); name != "" {
		to.Name = name
	}
	if m.Text == "" && m.HTML == "" {
		return nil, "", errors.New("build mail: no body")
	}

	messageID = strings.Trim(OneLine(m.MessageID), "<> ")
	if messageID == "" {
		messageID, err = NewMessageID(from.Address)
		if err != nil {
			return nil, "", fmt.Errorf("build mail: %w", err)
		}
	}
	date := m.Date
	if date.IsZero() {
		date = time.Now()
	}

	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	msg.FromMailAddress(from)
	msg.ToMailAddress(to)
	msg.Subject(OneLine(m.Subject))
	msg.SetMessageIDWithValue(messageID)
	msg.SetDateWithValue(date)
	// Digests are bulk mail; this keeps out-of-office replies away.
	msg.SetBulk()

	if m.ListID != "" {
		listID, err := formatListID(OneLine(m.ListID))
		if err != nil {
			return nil, "", fmt.Errorf("build mail: list id %q: %w", m.ListID, err)
		}
		// Preformatted: go-mail would encode the whole value as one encoded
		// word and hide the <list.id> part inside it.
		msg.SetGenHeaderPreformatted(headerListID, listID)
	}
	var unsub []string
	if u := OneLine(m.UnsubscribeURL); u != "" {
		unsub = append(unsub, "<"+u+">")
	}
	if a := OneLine(m.UnsubscribeMailto); a != "" {
		a = strings.TrimPrefix(a, "mailto:")
		if !strings.Contains(a, "?") {
			a += "?subject=unsubscribe"
		}
		unsub = append(unsub, "<mailto:"+a+">")
	}
	if len(unsub) > 0 {
		msg.SetGenHeaderPreformatted(gomail.HeaderListUnsubscribe, strings.Join(unsub, ", "))
	}
	// RFC 8058: one-click only when there is an https URI to POST to.
	if strings.HasPrefix(OneLine(m.UnsubscribeURL), "https://") {
		msg.SetGenHeaderPreformatted(gomail.HeaderListUnsubscribePost, "List-Unsubscribe=One-Click")
	}

	keys := make([]string, 0, len(m.Headers))
	for k := range m.Headers {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !validHeaderName(k) {
			return nil, "", fmt.Errorf("build mail: invalid header name %q", k)
		}
		msg.SetGenHeader(gomail.Header(k), OneLine(m.Headers[k]))
	}

	switch {
	case m.Text != "" && m.HTML != "":
		msg.SetBodyString(gomail.TypeTextPlain, m.Text, partEncoding(m.Text))
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML, partEncoding(m.HTML))
	case m.Text != "":
		msg.SetBodyString(gomail.TypeTextPlain, m.Text, partEncoding(m.Text))
	default:
		msg.SetBodyString(gomail.TypeTextHTML, m.HTML, partEncoding(m.HTML))
	}

	var buf bytes.Buffer
	if _, err := msg.WriteTo(&buf); err != nil {
		return nil, "", fmt.Errorf("build mail to %s: %w", to.Address, err)
	}
	if m.DKIM != nil {
		signed, err := m.DKIM.Sign(buf.Bytes())
		if err != nil {
			return nil, "", fmt.Errorf("build mail: %w", err)
		}
		return signed, messageID, nil
	}
	return buf.Bytes(), messageID, nil
}

// NewMessageID returns a unique id "random@domain" with the domain of the
// sender address, so replies and bounces point at the sending domain rather
// than at the host name of whatever container sent it.
func NewMessageID(fromAddr string) (string, error) {
	domain := "localhost"
	if i := strings.LastIndexByte(fromAddr, '@'); i >= 0 && i < len(fromAddr)-1 {
		domain = fromAddr[i+1:]
	}
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("message id: %w", err)
	}
	enc := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:])
	return strings.ToLower(enc) + "@" + domain, nil
}

// formatListID turns "phrase <id>" into a header value whose phrase is
// RFC 2047-encoded when it is not ASCII, keeping "<id>" readable.
func formatListID(s string) (string, error) {
	i := strings.LastIndexByte(s, '<')
	if i < 0 || !strings.HasSuffix(s, ">") {
		if strings.ContainsAny(s, " <>") || s == "" {
			return "", errors.New(`want "phrase <list.id>" or "list.id"`)
		}
		return "<" + s + ">", nil
	}
	phrase := strings.TrimSpace(s[:i])
	id := s[i:]
	if phrase == "" {
		return id, nil
	}
	return mime.QEncoding.Encode("UTF-8", phrase) + " " + id, nil
}

// OneLine strips CR, LF and other control characters (and the Unicode line
// and paragraph separators) and collapses runs of white space: a header
// value, or text that becomes one (a subject made from a feed title), must
// never be able to add a header line.
func OneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

func validHeaderName(k string) bool {
	if k == "" {
		return false
	}
	for _, r := range k {
		if r <= ' ' || r > '~' || r == ':' {
			return false
		}
	}
	return true
}

// headerListID is missing from go-mail's header constants (RFC 2919).
const headerListID gomail.Header = "List-Id"
