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
