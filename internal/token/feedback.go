package token

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Feedback link kinds.
const (
	// NotAbout is the "Not about <topic>?" link beside each item of a mail.
	NotAbout = "notabout"
	// Missed is the "Missed something?" link in a mail's footer.
	Missed = "missed"
)

// FeedbackTTL is how long a feedback link works: as long as the items it
// names are kept (retention.max_age's default). A judgment of an item
// that is gone could not be shown to the editor anyway.
const FeedbackTTL = 90 * 24 * time.Hour

// Feedback is what a feedback link says: who may use it, for which topic
// and (for NotAbout) which item, until when.
type Feedback struct {
	Kind    string // NotAbout or Missed
	Email   string
	Topic   string
	ItemID  int64 // NotAbout only
	Expires time.Time
}

var kindCode = map[string]string{NotAbout: "n", Missed: "m"}

// SignFeedback returns the token for f. A mail carries one per item, so it
// is compact: the claims, then a MAC cut to 128 bits (as much as a
// forger must guess, which is plenty for a link that records a vote).
func SignFeedback(secret []byte, f Feedback) string {
	payload := strings.Join([]string{kindCode[f.Kind], strconv.FormatInt(f.Expires.Unix(), 36),
		strconv.FormatInt(f.ItemID, 36), f.Topic, f.Email}, "|")
	enc := base64.RawURLEncoding.EncodeToString([]byte(payload))
	return enc + "." + feedbackMAC(secret, enc)
}

// VerifyFeedback checks a feedback token of kind at time now and returns
// its claims. A token whose claims were changed in any way (another item,
// another reader, a later expiry) is ErrInvalid; one past its expiry,
// ErrExpired.
func VerifyFeedback(secret []byte, tok, kind string, now time.Time) (Feedback, error) {
	enc, sig, ok := strings.Cut(tok, ".")
	if !ok || !hmac.Equal([]byte(sig), []byte(feedbackMAC(secret, enc))) {
		return Feedback{}, ErrInvalid
	}
	raw, err := base64.RawURLEncoding.DecodeString(enc)
	if err != nil {
		return Feedback{}, ErrInvalid
	}
	// The address comes last and may itself hold "|".
	parts := strings.SplitN(string(raw), "|", 5)
	if len(parts) != 5 || parts[0] != kindCode[kind] {
		return Feedback{}, ErrInvalid
	}
	exp, err1 := strconv.ParseInt(parts[1], 36, 64)
	item, err2 := strconv.ParseInt(parts[2], 36, 64)
	if err1 != nil || err2 != nil || (kind == NotAbout) != (item > 0) {
		return Feedback{}, ErrInvalid
	}
	f := Feedback{Kind: kind, Expires: time.Unix(exp, 0).UTC(), ItemID: item, Topic: parts[3], Email: parts[4]}
	if !now.Before(f.Expires) {
		return f, ErrExpired
	}
	return f, nil
}

// feedbackMAC signs under a key of the feedback links' own, so that no
// other token of the server's can be passed off as one.
func feedbackMAC(secret []byte, msg string) string {
	h := hmac.New(sha256.New, derive(secret, "feedwatch feedback links"))
	h.Write([]byte(msg))
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:16])
}

func derive(secret []byte, purpose string) []byte {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte(purpose))
	return h.Sum(nil)
}

// ReaderHash is the one-way keyed hash of a reader's address that labels
// keep instead of the address: equal for one address (in any case), not
// computable from the address without the server's secret.
func ReaderHash(secret []byte, email string) string {
	h := hmac.New(sha256.New, derive(secret, "feedwatch reader hash"))
	h.Write([]byte(strings.ToLower(strings.TrimSpace(email))))
	return hex.EncodeToString(h.Sum(nil))
}

// Links makes the feedback links that digests and alerts carry.
type Links struct {
	BaseURL string // web.base_url
	Secret  []byte // the key that signs every link
	TTL     time.Duration
	Now     func() time.Time
}

// NotAbout is the "Not about <topic>?" link for one item of one reader's
// mail: it opens a page with one button, and only the button records.
func (l Links) NotAbout(email, topicID string, itemID int64) string {
	return l.link("/feedback", Feedback{Kind: NotAbout, Email: email, Topic: topicID, ItemID: itemID})
}

// Missed is the "Missed something?" link of one reader's mail of topicID:
// a form for the URL of a story the digest should have carried.
func (l Links) Missed(email, topicID string) string {
	return l.link("/missed", Feedback{Kind: Missed, Email: email, Topic: topicID})
}

func (l Links) link(path string, f Feedback) string {
	now, ttl := time.Now, l.TTL
	if l.Now != nil {
		now = l.Now
	}
	if ttl <= 0 {
		ttl = FeedbackTTL
	}
	f.Expires = now().Add(ttl)
	return strings.TrimRight(l.BaseURL, "/") + path + "?t=" + url.QueryEscape(SignFeedback(l.Secret, f))
}
