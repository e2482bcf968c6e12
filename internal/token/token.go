// Package token makes and checks the signed tokens in confirmation,
// unsubscribe and feedback links. A token binds a purpose, an address, a
// topic (and for feedback an item) and an expiry under an HMAC-SHA256 of a
// server secret, so it cannot be forged, stretched in time or moved to
// another address, item or purpose. It also makes the keyed hash that
// stands for a reader's address in labels.
package token

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Purposes.
const (
	Confirm     = "confirm"
	Unsubscribe = "unsubscribe"
	// Manage opens a subscriber's preferences page without a password.
	Manage = "manage"
	// Feed reads a non-public topic's feeds; its Key is the subscriber's
	// feed key, so that a new key ends the old links.
	Feed = "feed"
)

// ManageTTL is how long a link to the preferences page works. It opens
// everything, erasure included, without a password, so it lasts a season
// rather than the decade of an unsubscribe link; every mail carries a fresh
// one, and the page mails a new one on request.
const ManageTTL = 90 * 24 * time.Hour

var (
	ErrInvalid = errors.New("invalid token")
	ErrExpired = errors.New("expired token")
)

// Claims is what a token says.
type Claims struct {
	Purpose string
	Email   string
	Topic   string // empty: every topic
	Key     string // optional: a value the holder must still have (Feed)
	Expires time.Time
}

// NewSecret returns a random secret, hex encoded, for first start.
func NewSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("new secret: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// Sign returns the token for c.
func Sign(secret []byte, c Claims) string {
	parts := []string{c.Purpose, c.Email, c.Topic, strconv.FormatInt(c.Expires.Unix(), 10)}
	if c.Key != "" {
		parts = append(parts, c.Key)
	}
	payload := strings.Join(parts, "\n")
	enc := base64.RawURLEncoding.EncodeToString([]byte(payload))
	return enc + "." + mac(secret, enc)
}

// Verify checks a token for purpose at time now and returns its claims.
// An expired token's claims come back with ErrExpired, so that a page can
// offer a new link to the same address; any other error returns none.
func Verify(secret []byte, tok, purpose string, now time.Time) (Claims, error) {
	enc, sig, ok := strings.Cut(tok, ".")
	if !ok || !hmac.Equal([]byte(sig), []byte(mac(secret, enc))) {
		return Claims{}, ErrInvalid
	}
	raw, err := base64.RawURLEncoding.DecodeString(enc)
	if err != nil {
		return Claims{}, ErrInvalid
	}
	parts := strings.Split(string(raw), "\n")
	if len(parts) != 4 && len(parts) != 5 {
		return Claims{}, ErrInvalid
	}
	exp, err := strconv.ParseInt(parts[3], 10, 64)
	if err != nil {
		return Claims{}, ErrInvalid
	}
	c := Claims{Purpose: parts[0], Email: parts[1], Topic: parts[2], Expires: time.Unix(exp, 0).UTC()}
	if len(parts) == 5 {
		c.Key = parts[4]
	}
	if c.Purpose != purpose {
		return Claims{}, ErrInvalid
	}
	if !now.Before(c.Expires) {
		return c, ErrExpired
	}
	return c, nil
}

func mac(secret []byte, msg string) string {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte(msg))
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}
