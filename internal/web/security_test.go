package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestAdminSignInBackoff(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.TrustProxy = true })
	try := func(c *http.Client, client, user, pass string) response {
		req, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/admin", nil)
		req.Header.Set("X-Forwarded-For", client)
		req.SetBasicAuth(user, pass)
		return e.do(c, req)
	}
	// The admin signs in once from this browser: it gets a device cookie.
	admin := e.newClient()
	if r := try(admin, "198.51.100.7", "admin", "s3cret"); r.status != http.StatusOK {
		t.Fatalf("first sign-in = %d", r.status)
	}
	for i := range lockoutFree {
		if r := try(nil, "198.51.100.7", "admin", fmt.Sprintf("guess-%d", i)); r.status != http.StatusUnauthorized {
			t.Fatalf("guess %d = %d, want 401", i, r.status)
		}
	}
	// The sixth failure locks the address and the user name for a second,
	// the next for two, and so on.
	try(nil, "198.51.100.7", "admin", "guess-x")
	r := try(nil, "198.51.100.7", "admin", "s3cret")
	if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") != "1" {
		t.Errorf("locked: right password from a new client = %d, Retry-After %q; want 429, 1", r.status, r.header.Get("Retry-After"))
	}
	// Another address trying the same user name is locked too: guessing
	// from many addresses gains nothing.
	if r := try(nil, "203.0.113.9", "admin", "s3cret"); r.status != http.StatusTooManyRequests {
		t.Errorf("locked user from another address = %d, want 429", r.status)
	}
	// The browser that signed in before is let in despite both locks: a
	// shared proxy address or a known user name cannot lock the admin out.
	if r := try(admin, "198.51.100.7", "admin", "s3cret"); r.status != http.StatusOK {
		t.Errorf("known device while locked = %d, want 200", r.status)
	}
	// ...and a known device with a wrong password is still refused.
	if r := try(admin, "198.51.100.7", "admin", "wrong"); r.status != http.StatusUnauthorized {
		t.Errorf("known device, wrong password = %d, want 401", r.status)
	}
	e.clock.Add(2 * time.Second)
	try(nil, "198.51.100.7", "admin", "guess-y")
	if r := try(nil, "198.51.100.7", "admin", "s3cret"); r.header.Get("Retry-After") != "4" {
		t.Errorf("backoff after the 8th failure: Retry-After %q, want 4 (doubling)", r.header.Get("Retry-After"))
	}
	// Another IPv6 address of the same /64 shares the first one's lock.
	for i := range lockoutFree + 1 {
		try(nil, "2001:db8:1:2::1", "nobody", fmt.Sprintf("guess-%d", i))
	}
	if r := try(nil, "2001:db8:1:2::ffff", "other", "x"); r.status != http.StatusTooManyRequests {
		t.Errorf("same /64 = %d, want 429", r.status)
	}
	e.clock.Add(time.Hour)
	if r := try(nil, "198.51.100.7", "admin", "s3cret"); r.status != http.StatusOK {
		t.Errorf("right password after the lock ends = %d, want 200", r.status)
	}
	// The scheme's name is case-insensitive (RFC 9110).
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/admin", nil)
	req.Header.Set("Authorization", "bearer tok-123")
	if r := e.do(nil, req); r.status != http.StatusOK {
		t.Errorf("lower-case bearer = %d, want 200", r.status)
	}
}

func TestAdminAuthenticatesBeforeMethodAndForm(t *testing.T) {
	e := newEnv(t, nil)
	for _, tc := range []struct{ method, path string }{
		{http.MethodPost, "/admin"},
		{http.MethodDelete, "/admin"},
		{http.MethodPost, "/admin/search"},
		{http.MethodPut, "/admin/topics"},
		{http.MethodPost, "/admin/topics"},
		{http.MethodPost, "/admin/no-such-page"},
		{http.MethodGet, "/admin/no-such-page"},
	} {
		req, _ := http.NewRequest(tc.method, e.srv.URL+tc.path, strings.NewReader("text=x"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		if r := e.do(nil, req); r.status != http.StatusUnauthorized || r.header.Get("Allow") != "" {
			t.Errorf("%s %s without credentials = %d (Allow %q), want 401", tc.method, tc.path, r.status, r.header.Get("Allow"))
		}
	}
	for _, tc := range []struct {
		method, path string
		want         int
		allow        string
	}{
		{http.MethodPost, "/admin", 405, "GET, HEAD"},
		{http.MethodDelete, "/admin/topics", 405, "GET, HEAD, POST"},
		{http.MethodPost, "/admin/search", 405, "GET, HEAD"},
		{http.MethodGet, "/admin/no-such-page", 404, ""},
	} {
		req, _ := http.NewRequest(tc.method, e.srv.URL+tc.path, nil)
		req.SetBasicAuth("admin", "s3cret")
		r := e.do(nil, req)
		if r.status != tc.want || r.header.Get("Allow") != tc.allow {
			t.Errorf("%s %s signed in = %d, Allow %q; want %d, %q", tc.method, tc.path, r.status, r.header.Get("Allow"), tc.want, tc.allow)
		}
	}
	// A cross-site post is refused after signing in, before the form is read.
	r := e.post("/admin/topics/preview", url.Values{"text": {"x"}}, func(r *http.Request) {
		r.SetBasicAuth("admin", "s3cret")
		r.Header.Set("Sec-Fetch-Site", "cross-site")
	})
	if r.status != http.StatusForbidden {
		t.Errorf("cross-site admin post = %d, want 403", r.status)
	}
}

func TestMetricsToken(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.MetricsToken = "scrape-me" })
	for _, tc := range []struct {
		auth string
		want int
	}{
		{"", 401},
		{"Bearer wrong", 401},
		{"Basic c2NyYXBlLW1lOg==", 401},
		{"Bearer scrape-me", 200},
		{"bearer scrape-me", 200},
	} {
		req, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/metrics", nil)
		if tc.auth != "" {
			req.Header.Set("Authorization", tc.auth)
		}
		r := e.do(nil, req)
		if r.status != tc.want {
			t.Errorf("metrics with %q = %d, want %d", tc.auth, r.status, tc.want)
		}
		if tc.want == 401 && (!strings.Contains(r.header.Get("WWW-Authenticate"), "Bearer") || strings.Contains(r.body, "feedwatch_")) {
			t.Errorf("metrics with %q: challenge %q, body %.80q", tc.auth, r.header.Get("WWW-Authenticate"), r.body)
		}
	}
	if r := newEnv(t, nil).get("/metrics"); r.status != 200 {
		t.Errorf("metrics without a token configured = %d, want 200 (public as before)", r.status)
	}
}

// TestAdminAPIKeySignIn: a valid API key gets into the admin pages even
// while failures lock the client's address and the user name; a read-only
// key only looks.
func TestAdminAPIKeySignIn(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.TrustProxy = true })
	rw, _, err := e.svc.CreateAPIKey(context.Background(), "ops", false)
	if err != nil {
		t.Fatal(err)
	}
	ro, _, _ := e.svc.CreateAPIKey(context.Background(), "viewer", true)
	for i := range lockoutFree + 2 {
		req, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/admin", nil)
		req.Header.Set("X-Forwarded-For", "198.51.100.7")
		req.SetBasicAuth("admin", fmt.Sprintf("guess-%d", i))
		e.do(nil, req)
	}
	try := func(method, path, key string) int {
		req, _ := http.NewRequest(method, e.srv.URL+path, strings.NewReader(url.Values{"name": {"x"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-For", "198.51.100.7")
		req.Header.Set("Authorization", "Bearer "+key)
		return e.do(nil, req).status
	}
	if got := try("GET", "/admin", rw); got != 200 {
		t.Errorf("read-write key from a locked address = %d, want 200", got)
	}
	if got := try("GET", "/admin/feeds", ro); got != 200 {
		t.Errorf("read-only key looking = %d, want 200", got)
	}
	if got := try("POST", "/admin/apikeys/create", ro); got != 401 {
		t.Errorf("read-only key changing = %d, want 401", got)
	}
	if got := try("POST", "/admin/apikeys/create", rw); got != 200 {
		t.Errorf("read-write key posting without a CSRF token (a script) = %d, want 200", got)
	}
	if got := try("GET", "/admin", "fwk_wrong"); got != 401 {
		t.Errorf("a wrong key = %d, want 401", got)
	}
	acts, _ := e.svc.Activities(context.Background(), 5)
	if len(acts) == 0 || acts[0].Actor != "web:key:ops" {
		t.Errorf("the change is logged as %+v", acts)
	}
}
