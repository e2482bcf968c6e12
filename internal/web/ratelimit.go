package web

import (
	"math"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"
)

// maxBuckets bounds the limiter's memory when many addresses post; full
// buckets are dropped first since they carry no state worth keeping.
const maxBuckets = 10000

// limiter is a token bucket per client address: rate tokens per minute,
// holding at most burst.
type limiter struct {
	rate  float64 // tokens per second
	burst float64
	now   func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newLimiter(perMinute float64, now func() time.Time) *limiter {
	return &limiter{
		rate:    perMinute / 60,
		burst:   math.Max(1, math.Ceil(perMinute)),
		now:     now,
		buckets: map[string]*bucket{},
	}
}

// allow takes one token from key's bucket and reports whether there was one.
func (l *limiter) allow(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) >= maxBuckets {
			l.prune(now)
		}
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[key] = b
	}
	if el := now.Sub(b.last).Seconds(); el > 0 {
		b.tokens = math.Min(l.burst, b.tokens+el*l.rate)
	}
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

func (l *limiter) prune(now time.Time) {
	for k, b := range l.buckets {
		if b.tokens+now.Sub(b.last).Seconds()*l.rate >= l.burst {
			delete(l.buckets, k)
		}
	}
	// Still full of active clients: forget them all rather than grow without
	// bound; at worst a few get a fresh burst.
	if len(l.buckets) >= maxBuckets {
		clear(l.buckets)
	}
}

// clientKey is the bucket a request counts against: its client address,
// or for IPv6 the address's /64, which one host usually holds whole and
// could otherwise walk through to get a fresh bucket per address.
func clientKey(r *http.Request, trustProxy bool) string {
	ip := clientIP(r, trustProxy)
	if a, err := netip.ParseAddr(ip); err == nil && a.Is6() && !a.Is4In6() {
		if p, err := a.Prefix(64); err == nil {
			return p.String()
		}
	}
	return ip
}

// clientIP is the address a request came from: the peer, or behind a
// trusted proxy the last X-Forwarded-For hop (the one the proxy added).
func clientIP(r *http.Request, trustProxy bool) string {
	if trustProxy {
		if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
			parts := strings.Split(xff[len(xff)-1], ",")
			if ip := strings.TrimSpace(parts[len(parts)-1]); ip != "" {
				return ip
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func (s *server) rateLimited(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ip := clientIP(r, s.opts.TrustProxy)
		if !s.limiter.allow(clientKey(r, s.opts.TrustProxy)) {
			w.Header().Set("Retry-After", "60")
			s.render(w, r, http.StatusTooManyRequests, "error", page{Title: "Too many requests",
				Data: "Too many requests from your address. Please wait a minute and try again."})
			s.log.Warn("rate limited", "path", r.URL.Path, "client", ip)
			return
		}
		h(w, r)
	}
}
