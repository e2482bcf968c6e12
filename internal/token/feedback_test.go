package token

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestFeedbackTokens(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	claims := Feedback{Kind: NotAbout, Email: "reader@example.org", Topic: "us-russia", ItemID: 4711, Expires: now.Add(FeedbackTTL)}
	good := SignFeedback(secret, claims)
	got, err := VerifyFeedback(secret, good, NotAbout, now)
	if err != nil || got != claims {
		t.Fatalf("VerifyFeedback(good) = %+v, %v; want %+v", got, err, claims)
	}
	// Splicing: another token's claims under this token's signature.
	splice := func(f Feedback) string {
		other := SignFeedback(secret, f)
		enc, _, _ := strings.Cut(other, ".")
		_, sig, _ := strings.Cut(good, ".")
		return enc + "." + sig
	}
	otherItem, otherReader, longer := claims, claims, claims
	otherItem.ItemID = 4712
	otherReader.Email = "someone-else@example.org"
	longer.Expires = longer.Expires.Add(365 * 24 * time.Hour)
	missed := SignFeedback(secret, Feedback{Kind: Missed, Email: claims.Email, Topic: claims.Topic, Expires: claims.Expires})
	unsub := Sign(secret, Claims{Purpose: Unsubscribe, Email: claims.Email, Topic: claims.Topic, Expires: claims.Expires})
	tests := []struct {
		name, tok, kind string
		at              time.Time
		want            error
	}{
		{"expired", good, NotAbout, now.Add(FeedbackTTL), ErrExpired},
		{"forged with another secret", SignFeedback([]byte("another secret of some length"), claims), NotAbout, now, ErrInvalid},
		{"another item", splice(otherItem), NotAbout, now, ErrInvalid},
		{"another reader", splice(otherReader), NotAbout, now, ErrInvalid},
		{"stretched expiry", splice(longer), NotAbout, now, ErrInvalid},
		{"a missed link is no judgment", missed, NotAbout, now, ErrInvalid},
		{"a judgment link is no missed link", good, Missed, now, ErrInvalid},
		{"an unsubscribe token is no feedback token", unsub, NotAbout, now, ErrInvalid},
		{"truncated signature", good[:len(good)-2], NotAbout, now, ErrInvalid},
		{"garbage", "%%%.%%%", NotAbout, now, ErrInvalid},
		{"empty", "", NotAbout, now, ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := VerifyFeedback(secret, tt.tok, tt.kind, tt.at); !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
		})
	}
	// An address with the separator in it survives the round trip.
	odd := Feedback{Kind: Missed, Email: `"a|b"@example.org`, Topic: "t", Expires: now.Add(time.Hour)}
	if got, err := VerifyFeedback(secret, SignFeedback(secret, odd), Missed, now); err != nil || got != odd {
		t.Errorf("odd address: %+v, %v", got, err)
	}
}

// TestFeedbackLinks: mails carry one link per item, so they stay short,
// and each verifies to what it was made for.
func TestFeedbackLinks(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	l := Links{BaseURL: "https://news.example.org/", Secret: secret, Now: func() time.Time { return now }}
	const email = "firstname.lastname@example.org"
	na := l.NotAbout(email, "us-russia", 123456)
	if !strings.HasPrefix(na, "https://news.example.org/feedback?t=") || len(na) > 150 {
		t.Errorf("NotAbout link = %q (%d bytes)", na, len(na))
	}
	u, _ := url.Parse(na)
	f, err := VerifyFeedback(secret, u.Query().Get("t"), NotAbout, now)
	if err != nil || f.Email != email || f.Topic != "us-russia" || f.ItemID != 123456 || !f.Expires.Equal(now.Add(FeedbackTTL)) {
		t.Errorf("NotAbout link says %+v, %v", f, err)
	}
	m := l.Missed(email, "us-russia")
	u, _ = url.Parse(m)
	if u.Path != "/missed" {
		t.Errorf("Missed link = %q", m)
	}
	if f, err := VerifyFeedback(secret, u.Query().Get("t"), Missed, now); err != nil || f.Email != email || f.ItemID != 0 {
		t.Errorf("Missed link says %+v, %v", f, err)
	}
}

func TestReaderHash(t *testing.T) {
	a := []byte("0123456789abcdef0123456789abcdef")
	h := ReaderHash(a, "Reader@Example.org ")
	if h != ReaderHash(a, "reader@example.org") {
		t.Error("the hash depends on case or spaces")
	}
	if h == ReaderHash([]byte("another secret, another hash!!"), "reader@example.org") || h == ReaderHash(a, "other@example.org") {
		t.Error("the hash does not depend on the secret and the address")
	}
	if strings.Contains(h, "reader") || len(h) != 64 {
		t.Errorf("hash = %q", h)
	}
}
