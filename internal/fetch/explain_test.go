package fetch

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestErrorsSayWhatHappened: a timeout names the limit, a failure on the
// first hop does not claim a redirect (even when net/http stars the
// password in the URL it reports), and a failure on a redirect hop names
// the target.
func TestErrorsSayWhatHappened(t *testing.T) {
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	defer hang.Close()
	c := New(Options{Timeout: 200 * time.Millisecond})
	u := strings.Replace(hang.URL, "http://", "http://reader:secret@", 1)
	_, err := c.Fetch(context.Background(), Request{URL: u, Trusted: true})
	if err == nil || !strings.Contains(err.Error(), "no complete response within 200ms (timeout)") ||
		strings.Contains(err.Error(), "redirected to") || strings.Contains(err.Error(), "secret") {
		t.Errorf("timeout on the first hop: %v", err)
	}

	redirector := httptest.NewServer(http.RedirectHandler("http://10.0.0.1/feed", http.StatusFound))
	defer redirector.Close()
	_, err = c.Fetch(context.Background(), Request{URL: redirector.URL, Trusted: true})
	if err == nil || !strings.Contains(err.Error(), "redirected to http://10.0.0.1/feed: dial tcp 10.0.0.1:80: refusing") {
		t.Errorf("refused redirect: %v", err)
	}
}
