package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/feedwatch/feedwatch/internal/service"
)

// Admin sign-in backoff. Failures are counted per client address and per
// user name: the first lockoutFree of either are free, after that each one
// locks the key for twice as long as the one before, up to lockoutMax.
// Guessing a password then takes centuries, while one address behind a
// proxy, or a user name everyone can guess, never locks out a client that
// has signed in before (its device cookie) or holds an API key: both prove
// something no guesser has.
const (
	lockoutFree   = 5
	lockoutBase   = time.Second
	lockoutMax    = 15 * time.Minute
	lockoutForget = 24 * time.Hour // a key quiet this long starts afresh
)

// deviceCookie marks a browser that signed in with the password; see
// lockout.
const deviceCookie = "feedwatch_admin_device"

type lockout struct {
	now func() time.Time

	mu   sync.Mutex
	keys map[string]*strikes
}

type strikes struct {
	fails int
	last  time.Time
	until time.Time
}

func newLockout(now func() time.Time) *lockout {
	return &lockout{now: now, keys: map[string]*strikes{}}
}

// wait returns how long the longest lock among keys still lasts (0: none).
func (l *lockout) wait(keys ...string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	var d time.Duration
	for _, k := range keys {
		if s, ok := l.keys[k]; ok && s.until.After(now) {
			d = max(d, s.until.Sub(now))
		}
	}
	return d
}

// fail counts one failure against each key.
func (l *lockout) fail(keys ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if len(l.keys) >= maxBuckets {
		for k, s := range l.keys {
			if now.Sub(s.last) > lockoutForget || !s.until.After(now) && s.fails < lockoutFree {
				delete(l.keys, k)
			}
		}
		if len(l.keys) >= maxBuckets {
			clear(l.keys)
		}
	}
	for _, k := range keys {
		s, ok := l.keys[k]
		if !ok || now.Sub(s.last) > lockoutForget {
			s = &strikes{}
			l.keys[k] = s
		}
		s.fails++
		s.last = now
		if n := s.fails - lockoutFree; n > 0 {
			d := lockoutMax
			if n <= 20 {
				d = min(lockoutBase<<(n-1), lockoutMax)
			}
			s.until = now.Add(d)
		}
	}
}

// forget clears keys after a successful sign-in.
func (l *lockout) forget(keys ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, k := range keys {
		delete(l.keys, k)
	}
}

// device signs user for the device cookie, with a key of its own so the
// value can never double as a CSRF or link token.
func (s *server) device(user string) string {
	m := hmac.New(sha256.New, s.opts.Secret)
	m.Write([]byte("feedwatch admin device\x00" + user + "\x00" + s.opts.AdminPassword))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// knownDevice reports whether r carries the device cookie of a browser that
// signed in as the configured user with the current password.
func (s *server) knownDevice(r *http.Request) bool {
	if s.opts.AdminUser == "" {
		return false
	}
	c, err := r.Cookie(deviceCookie)
	return err == nil && hmac.Equal([]byte(c.Value), []byte(s.device(s.opts.AdminUser)))
}

func (s *server) setDevice(w http.ResponseWriter, r *http.Request) {
	if s.knownDevice(r) {
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: deviceCookie, Value: s.device(s.opts.AdminUser), Path: "/admin", HttpOnly: true,
		Secure: s.base.Scheme == "https", SameSite: http.SameSiteStrictMode, MaxAge: 365 * 24 * 3600,
	})
}

// lockKeys are the keys a sign-in counts against: the client's address
// and, when it names one, the user.
func lockKeys(r *http.Request, trustProxy bool) []string {
	keys := []string{"addr:" + clientKey(r, trustProxy)}
	if user, _, ok := r.BasicAuth(); ok && user != "" {
		keys = append(keys, "user:"+strings.ToLower(user))
	}
	return keys
}

// isAPIKey says whether cred has the shape of an API key: such a bearer
// is checked as a key, never as the admin token.
func (s *server) isAPIKey(cred string) bool {
	return s.opts.Service != nil && strings.HasPrefix(cred, service.KeyPrefix)
}

// apiKeyAdmin lets a valid API key into the admin pages: a read-write key
// anywhere, a read-only one for looking only.
func (s *server) apiKeyAdmin(r *http.Request, cred string) (string, bool) {
	k, err := s.opts.Service.Authenticate(r.Context(), cred)
	if err != nil {
		return "", false
	}
	if k.ReadOnly && r.Method != http.MethodGet && r.Method != http.MethodHead {
		return "", false
	}
	return k.Name, true
}
