package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
)

const (
	csrfCookie = "feedwatch_csrf"
	csrfField  = "csrf"
)

// csrf is a double-submit cookie: each browser gets a random cookie, and
// forms carry an HMAC of it under the server secret. A cross-site page can
// make the browser send the cookie but can neither read it nor compute the
// HMAC, and a planted cookie is useless without the secret.
type csrf struct {
	key    []byte
	secure bool
}

func newCSRF(secret []byte, secure bool) *csrf {
	// A key of its own, so a CSRF token can never double as a link token.
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("feedwatch csrf key"))
	return &csrf{key: m.Sum(nil), secure: secure}
}

func (c *csrf) sign(cookie string) string {
	m := hmac.New(sha256.New, c.key)
	m.Write([]byte(cookie))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// token returns the form token for this client, setting its cookie first
// when it has none.
func (c *csrf) token(w http.ResponseWriter, r *http.Request) string {
	if ck, err := r.Cookie(csrfCookie); err == nil && len(ck.Value) >= 32 {
		return c.sign(ck.Value)
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand panics instead)
	v := base64.RawURLEncoding.EncodeToString(b)
	// The cookie also rides on r so that a page rendered in this same
	// request, after a POST that set it, signs the right value.
	r.AddCookie(&http.Cookie{Name: csrfCookie, Value: v})
	http.SetCookie(w, &http.Cookie{
		Name: csrfCookie, Value: v, Path: "/", HttpOnly: true, Secure: c.secure,
		SameSite: http.SameSiteLaxMode, MaxAge: 30 * 24 * 3600,
	})
	return c.sign(v)
}

// valid reports whether r's form token matches its cookie. The form must
// have been parsed.
func (c *csrf) valid(r *http.Request) bool {
	ck, err := r.Cookie(csrfCookie)
	if err != nil || len(ck.Value) < 32 {
		return false
	}
	got := r.PostForm.Get(csrfField)
	return got != "" && hmac.Equal([]byte(got), []byte(c.sign(ck.Value)))
}
