package web

import (
	"net/http"
	"strconv"
	"testing"
	"time"
)

func TestLimiterRefillsAndStaysBounded(t *testing.T) {
	c := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	l := newLimiter(6, c.Now) // one token every 10 s, burst 6
	for i := 0; i < 6; i++ {
		if !l.allow("a") {
			t.Fatalf("request %d refused within the burst", i)
		}
	}
	if l.allow("a") {
		t.Fatal("request past the burst allowed")
	}
	if !l.allow("b") {
		t.Fatal("another client was limited")
	}
	c.Add(10 * time.Second)
	if !l.allow("a") || l.allow("a") {
		t.Fatal("refill is not one token per 10 s")
	}
	for i := 0; i < maxBuckets+10; i++ {
		l.allow("10.0.0." + strconv.Itoa(i))
	}
	l.mu.Lock()
	n := len(l.buckets)
	l.mu.Unlock()
	if n > maxBuckets {
		t.Errorf("%d buckets kept, limit %d", n, maxBuckets)
	}
}

func TestClientIP(t *testing.T) {
	r, _ := http.NewRequest(http.MethodPost, "/subscribe", nil)
	r.RemoteAddr = "192.0.2.7:5555"
	r.Header.Set("X-Forwarded-For", "203.0.113.9, 198.51.100.4")
	if got := clientIP(r, false); got != "192.0.2.7" {
		t.Errorf("untrusted = %q", got)
	}
	// Behind a proxy the last hop is the one the proxy saw; earlier entries
	// are whatever the client claimed.
	if got := clientIP(r, true); got != "198.51.100.4" {
		t.Errorf("trusted = %q", got)
	}
}
