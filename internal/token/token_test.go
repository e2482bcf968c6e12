package token

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestVerify(t *testing.T) {
	secret := []byte("s3cret")
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	c := Claims{Purpose: Unsubscribe, Email: "a@example.org", Topic: "us-russia", Expires: now.Add(time.Hour)}
	good := Sign(secret, c)
	got, err := Verify(secret, good, Unsubscribe, now)
	if err != nil || got.Email != c.Email || got.Topic != c.Topic {
		t.Fatalf("Verify(good) = %+v, %v", got, err)
	}
	other := Sign(secret, Claims{Purpose: Unsubscribe, Email: "b@example.org", Topic: "us-russia", Expires: now.Add(time.Hour)})
	enc, _, _ := strings.Cut(good, ".")
	_, otherSig, _ := strings.Cut(other, ".")
	tests := []struct {
		name    string
		tok     string
		purpose string
		at      time.Time
		want    error
	}{
		{"expired", good, Unsubscribe, now.Add(2 * time.Hour), ErrExpired},
		{"other purpose", good, Confirm, now, ErrInvalid},
		{"other secret", Sign([]byte("x"), c), Unsubscribe, now, ErrInvalid},
		{"signature of another address", enc + "." + otherSig, Unsubscribe, now, ErrInvalid},
		{"garbage", "not-a-token", Unsubscribe, now, ErrInvalid},
		{"empty", "", Unsubscribe, now, ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Verify(secret, tt.tok, tt.purpose, tt.at); !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

// TestExpiredKeepsClaims: an expired token still says whose it was, so a
// page can offer that address a new link; a forged one says nothing.
func TestExpiredKeepsClaims(t *testing.T) {
	secret := []byte("s3cret")
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	tok := Sign(secret, Claims{Purpose: Manage, Email: "a@example.org", Expires: now.Add(-time.Second)})
	c, err := Verify(secret, tok, Manage, now)
	if !errors.Is(err, ErrExpired) || c.Email != "a@example.org" || c.Purpose != Manage {
		t.Errorf("expired: %+v, %v", c, err)
	}
	enc, _, _ := strings.Cut(tok, ".")
	if c, err := Verify(secret, enc+".forged", Manage, now); !errors.Is(err, ErrInvalid) || c != (Claims{}) {
		t.Errorf("forged: %+v, %v", c, err)
	}
	if c, err := Verify(secret, tok, Feed, now); !errors.Is(err, ErrInvalid) || c != (Claims{}) {
		t.Errorf("other purpose: %+v, %v", c, err)
	}
}

// TestKey: a token's key is signed with the rest; one without a key and
// one with another key are different tokens.
func TestKey(t *testing.T) {
	secret := []byte("s3cret")
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	c := Claims{Purpose: Feed, Email: "a@example.org", Topic: "t", Key: "k1", Expires: now.Add(time.Hour)}
	got, err := Verify(secret, Sign(secret, c), Feed, now)
	if err != nil || got != c {
		t.Fatalf("Verify = %+v, %v; want %+v", got, err, c)
	}
	c2 := c
	c2.Key = "k2"
	if Sign(secret, c) == Sign(secret, c2) {
		t.Error("tokens with different keys are equal")
	}
}
