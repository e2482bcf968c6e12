package fetch

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/andybalholm/brotli"
)

const feedBody = `<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>`

// newClient returns a client for tests against httptest servers on
// 127.0.0.1: DenyPrivate is off, so first hops may reach loopback, but
// redirect hops are still checked.
func newClient(t *testing.T, opts Options) *Client {
	t.Helper()
	c := New(opts)
	t.Cleanup(c.Close)
	return c
}

// loopback lets redirect hops reach httptest servers, which listen on
// 127.0.0.1; without it every redirect test would be refused as private.
var loopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}

func serve(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func TestFetchOK(t *testing.T) {
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if ua := r.Header.Get("User-Agent"); ua != "feedwatch/test (+http://x)" {
			t.Errorf("User-Agent = %q", ua)
		}
		if !strings.Contains(r.Header.Get("Accept"), "application/rss+xml") {
			t.Errorf("Accept = %q", r.Header.Get("Accept"))
		}
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Last-Modified", "Mon, 02 Jan 2006 15:04:05 GMT")
		w.Header().Set("Cache-Control", "public, max-age=600")
		io.WriteString(w, feedBody)
	})
	c := newClient(t, Options{UserAgent: "feedwatch/test (+http://x)"})
	resp, err := c.Fetch(context.Background(), Request{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	if string(resp.Body) != feedBody || resp.StatusCode != 200 || resp.NotModified {
		t.Errorf("resp = %+v", resp)
	}
	if resp.ETag != `"v1"` || resp.LastModified != "Mon, 02 Jan 2006 15:04:05 GMT" {
		t.Errorf("validators = %q %q", resp.ETag, resp.LastModified)
	}
	if resp.MaxAge != 10*time.Minute {
		t.Errorf("MaxAge = %v, want 10m", resp.MaxAge)
	}
	if resp.ContentType != "application/rss+xml; charset=utf-8" || resp.URL != srv.URL || resp.PermanentURL != "" {
		t.Errorf("resp = %+v", resp)
	}
}

func TestFetchNotModified(t *testing.T) {
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == `"v1"` && r.Header.Get("If-Modified-Since") == "Mon, 02 Jan 2006 15:04:05 GMT" {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		io.WriteString(w, feedBody)
	})
	c := newClient(t, Options{})
	resp, err := c.Fetch(context.Background(), Request{URL: srv.URL, ETag: `"v1"`, LastModified: "Mon, 02 Jan 2006 15:04:05 GMT"})
	if err != nil {
		t.Fatal(err)
	}
	if !resp.NotModified || resp.StatusCode != 304 || len(resp.Body) != 0 {
		t.Errorf("resp = %+v", resp)
	}
	// The server did not repeat the validators: the ones sent are kept.
	if resp.ETag != `"v1"` || resp.LastModified != "Mon, 02 Jan 2006 15:04:05 GMT" {
		t.Errorf("validators = %q %q", resp.ETag, resp.LastModified)
	}
}

func TestFetchCompressed(t *testing.T) {
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if ae := r.Header.Get("Accept-Encoding"); ae != "gzip, deflate, br" {
			t.Errorf("Accept-Encoding = %q", ae)
		}
		switch r.URL.Path {
		case "/br":
			w.Header().Set("Content-Encoding", "br")
			zw := brotli.NewWriter(w)
			io.WriteString(zw, feedBody)
			zw.Close()
		case "/raw-deflate":
			w.Header().Set("Content-Encoding", "deflate")
			zw, _ := flate.NewWriter(w, flate.DefaultCompression)
			io.WriteString(zw, feedBody)
			zw.Close()
		case "/gz":
			w.Header().Set("Content-Encoding", "gzip")
			zw := gzip.NewWriter(w)
			io.WriteString(zw, feedBody)
			zw.Close()
		case "/deflate":
			w.Header().Set("Content-Encoding", "deflate")
			zw := zlib.NewWriter(w)
			io.WriteString(zw, feedBody)
			zw.Close()
		}
	})
	c := newClient(t, Options{})
	for _, p := range []string{"/gz", "/deflate", "/raw-deflate", "/br"} {
		resp, err := c.Fetch(context.Background(), Request{URL: srv.URL + p})
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if string(resp.Body) != feedBody {
			t.Errorf("%s: body = %q", p, resp.Body)
		}
	}
}

// zeros is an endless-looking reader of n zero bytes that allocates nothing.
type zeros struct{ n int64 }

func (z *zeros) Read(p []byte) (int, error) {
	if z.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > z.n {
		p = p[:z.n]
	}
	clear(p)
	z.n -= int64(len(p))
	return len(p), nil
}

func TestFetchCompressionBomb(t *testing.T) {
	// 1 GB of zeros, compressed while streaming: the server only ever
	// produces what the client reads, so the test is cheap as long as the
	// client stops at the cap.
	for _, tc := range []struct {
		encoding string
		writer   func(io.Writer) io.WriteCloser
	}{
		{"gzip", func(w io.Writer) io.WriteCloser { zw, _ := gzip.NewWriterLevel(w, gzip.BestSpeed); return zw }},
		{"br", func(w io.Writer) io.WriteCloser { return brotli.NewWriterLevel(w, brotli.BestSpeed) }},
	} {
		t.Run(tc.encoding, func(t *testing.T) {
			const bomb = 1 << 30
			src := &zeros{n: bomb}
			done := make(chan struct{})
			srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
				defer close(done)
				w.Header().Set("Content-Encoding", tc.encoding)
				zw := tc.writer(w)
				io.Copy(zw, src)
				zw.Close()
			})
			c := newClient(t, Options{MaxBytes: 1 << 20})
			_, err := c.Fetch(context.Background(), Request{URL: srv.URL})
			if err == nil || !strings.Contains(err.Error(), "1048576-byte limit") || !strings.Contains(err.Error(), srv.URL) {
				t.Fatalf("err = %v, want the cap and URL named", err)
			}
			// The server only compresses what the client reads (and what
			// the connection buffers): once the client stops at the cap,
			// its writes fail and it stops too, far short of the bomb.
			srv.CloseClientConnections()
			<-done
			if inflated := bomb - src.n; inflated > 64<<20 {
				t.Errorf("the server compressed %d MB before the client stopped reading: the bomb was inflated past the cap", inflated>>20)
			}
		})
	}
}

func TestFetchBodyCap(t *testing.T) {
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, strings.Repeat("x", 1001))
	})
	c := newClient(t, Options{MaxBytes: 1000})
	if _, err := c.Fetch(context.Background(), Request{URL: srv.URL}); err == nil || !strings.Contains(err.Error(), "1000-byte limit") {
		t.Fatalf("err = %v", err)
	}
	c = newClient(t, Options{MaxBytes: 1001})
	if resp, err := c.Fetch(context.Background(), Request{URL: srv.URL}); err != nil || len(resp.Body) != 1001 {
		t.Fatalf("exactly at the cap: %v", err)
	}
}

func TestFetchRedirectLoop(t *testing.T) {
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/a" {
			http.Redirect(w, r, "/b", http.StatusFound)
		} else {
			http.Redirect(w, r, "/a", http.StatusFound)
		}
	})
	c := newClient(t, Options{AllowNets: loopback})
	_, err := c.Fetch(context.Background(), Request{URL: srv.URL + "/a"})
	if err == nil || !strings.Contains(err.Error(), "redirect loop") {
		t.Fatalf("err = %v", err)
	}
}

func TestFetchTooManyRedirects(t *testing.T) {
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		var n int
		fmt.Sscanf(r.URL.Path, "/%d", &n)
		http.Redirect(w, r, fmt.Sprintf("/%d", n+1), http.StatusFound)
	})
	c := newClient(t, Options{MaxRedirects: 3, AllowNets: loopback})
	_, err := c.Fetch(context.Background(), Request{URL: srv.URL + "/0"})
	if err == nil || !strings.Contains(err.Error(), "stopped after 3 redirects") {
		t.Fatalf("err = %v", err)
	}
	// Below zero (poll.max_redirects: 0) not even the first is followed.
	none := newClient(t, Options{MaxRedirects: -1, AllowNets: loopback})
	if _, err := none.Fetch(context.Background(), Request{URL: srv.URL + "/0"}); err == nil || !strings.Contains(err.Error(), "redirects are not followed") {
		t.Fatalf("MaxRedirects -1: err = %v", err)
	}
}

func TestFetchRefusesSchemes(t *testing.T) {
	for _, target := range []string{"file:///etc/passwd", "ftp://example.com/feed", "gopher://example.com/"} {
		srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Location", target)
			w.WriteHeader(http.StatusMovedPermanently)
		})
		c := newClient(t, Options{})
		_, err := c.Fetch(context.Background(), Request{URL: srv.URL})
		if err == nil || !strings.Contains(err.Error(), "unsupported scheme") {
			t.Errorf("redirect to %s: err = %v", target, err)
		}
		if _, err := c.Fetch(context.Background(), Request{URL: target}); err == nil || !strings.Contains(err.Error(), "unsupported scheme") {
			t.Errorf("direct %s: err = %v", target, err)
		}
	}
}

func TestFetchPermanentURL(t *testing.T) {
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/old":
			http.Redirect(w, r, "/older", http.StatusMovedPermanently)
		case "/older":
			http.Redirect(w, r, "/new", http.StatusPermanentRedirect)
		case "/temp":
			http.Redirect(w, r, "/old", http.StatusFound)
		case "/new":
			io.WriteString(w, feedBody)
		}
	})
	c := newClient(t, Options{AllowNets: loopback})
	resp, err := c.Fetch(context.Background(), Request{URL: srv.URL + "/old"})
	if err != nil {
		t.Fatal(err)
	}
	if resp.URL != srv.URL+"/new" || resp.PermanentURL != srv.URL+"/new" {
		t.Errorf("301+308: URL %q PermanentURL %q", resp.URL, resp.PermanentURL)
	}
	resp, err = c.Fetch(context.Background(), Request{URL: srv.URL + "/temp"})
	if err != nil {
		t.Fatal(err)
	}
	if resp.URL != srv.URL+"/new" || resp.PermanentURL != "" {
		t.Errorf("302 then 301s: URL %q PermanentURL %q, want no PermanentURL", resp.URL, resp.PermanentURL)
	}
}

func TestFetchRetryAfter(t *testing.T) {
	date := time.Now().Add(2 * time.Hour).UTC().Format(http.TimeFormat)
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/secs":
			w.Header().Set("Retry-After", "120")
			w.WriteHeader(http.StatusTooManyRequests)
		case "/date":
			w.Header().Set("Retry-After", date)
			w.WriteHeader(http.StatusServiceUnavailable)
		case "/none":
			w.WriteHeader(http.StatusNotFound)
		}
	})
	c := newClient(t, Options{})
	check := func(path string, code int, lo, hi time.Duration) {
		t.Helper()
		_, err := c.Fetch(context.Background(), Request{URL: srv.URL + path})
		var se *StatusError
		if !errors.As(err, &se) {
			t.Fatalf("%s: err = %v, want *StatusError", path, err)
		}
		if se.Code != code || se.RetryAfter < lo || se.RetryAfter > hi || se.URL != srv.URL+path {
			t.Errorf("%s: %+v", path, se)
		}
		if !strings.Contains(err.Error(), srv.URL+path) {
			t.Errorf("%s: error %q does not name the URL", path, err)
		}
	}
	check("/secs", 429, 120*time.Second, 120*time.Second)
	check("/date", 503, 2*time.Hour-time.Minute, 2*time.Hour)
	check("/none", 404, 0, 0)
}

func TestMaxAgeExpires(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	h := http.Header{}
	h.Set("Date", now.Format(http.TimeFormat))
	h.Set("Expires", now.Add(time.Hour).Format(http.TimeFormat))
	if got := maxAge(h, now.Add(-time.Hour)); got != time.Hour {
		t.Errorf("Expires: %v", got)
	}
	h.Set("Cache-Control", "max-age=60")
	if got := maxAge(h, now); got != time.Minute {
		t.Errorf("max-age beats Expires: %v", got)
	}
	h.Set("Cache-Control", "no-cache")
	if got := maxAge(h, now); got != 0 {
		t.Errorf("no-cache: %v", got)
	}
}

func TestFetchBasicAuth(t *testing.T) {
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		u, p, ok := r.BasicAuth()
		if !ok || u != "alice" || p != "s3cret" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		io.WriteString(w, feedBody)
	})
	c := newClient(t, Options{})
	if _, err := c.Fetch(context.Background(), Request{URL: srv.URL, Username: "alice", Password: "s3cret"}); err != nil {
		t.Fatal(err)
	}
	var se *StatusError
	if _, err := c.Fetch(context.Background(), Request{URL: srv.URL}); !errors.As(err, &se) || se.Code != 401 {
		t.Fatalf("without credentials: %v", err)
	}
}

func TestFetchTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	defer close(release)
	c := newClient(t, Options{Timeout: 200 * time.Millisecond})
	start := time.Now()
	_, err := c.Fetch(context.Background(), Request{URL: srv.URL})
	if err == nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want deadline exceeded", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v, Timeout not honoured", d)
	}

	// A server that sends headers and then stalls the body is caught too.
	slow := serve(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "<rss>")
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	if _, err := c.Fetch(context.Background(), Request{URL: slow.URL}); err == nil {
		t.Fatal("stalled body: no error")
	}
}

func TestFetchBadTLS(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, feedBody)
	}))
	// The handshake failure is the point; keep it out of the test log.
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	defer srv.Close()
	c := newClient(t, Options{})
	_, err := c.Fetch(context.Background(), Request{URL: srv.URL})
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("err = %v, want a certificate error", err)
	}
}

func TestFetchDenyPrivate(t *testing.T) {
	target := serve(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "internal secrets")
	})
	redirector := serve(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL+"/metadata", http.StatusFound)
	})

	// DenyPrivate off, first hop on loopback allowed, redirect to loopback
	// refused anyway.
	c := newClient(t, Options{})
	_, err := c.Fetch(context.Background(), Request{URL: redirector.URL})
	if !errors.Is(err, ErrPrivateAddress) {
		t.Errorf("redirect to 127.0.0.1: err = %v, want ErrPrivateAddress", err)
	}

	// DenyPrivate on: the first hop is refused unless the feed is trusted,
	// and the redirect from a trusted feed is refused still.
	c = newClient(t, Options{DenyPrivate: true})
	if _, err := c.Fetch(context.Background(), Request{URL: target.URL}); !errors.Is(err, ErrPrivateAddress) {
		t.Errorf("untrusted first hop: err = %v", err)
	}
	if _, err := c.Fetch(context.Background(), Request{URL: target.URL, Trusted: true}); err != nil {
		t.Errorf("trusted first hop: %v", err)
	}
	// The pooled connection to target from the trusted fetch must not be
	// reused by this redirect hop.
	if _, err := c.Fetch(context.Background(), Request{URL: redirector.URL, Trusted: true}); !errors.Is(err, ErrPrivateAddress) {
		t.Errorf("trusted feed redirecting to 127.0.0.1: err = %v", err)
	}

	// AllowNets lets an operator open a range on purpose.
	c = newClient(t, Options{DenyPrivate: true, AllowNets: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	resp, err := c.Fetch(context.Background(), Request{URL: redirector.URL})
	if err != nil || string(resp.Body) != "internal secrets" {
		t.Errorf("AllowNets: %v", err)
	}
}

func TestIsPublic(t *testing.T) {
	for _, s := range []string{"127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "::1", "fe80::1", "fd00:ec2::254", "::ffff:127.0.0.1", "224.0.0.1"} {
		if IsPublic(netip.MustParseAddr(s)) {
			t.Errorf("%s is public", s)
		}
	}
	for _, s := range []string{"93.184.216.34", "2606:4700::1111", "8.8.8.8"} {
		if !IsPublic(netip.MustParseAddr(s)) {
			t.Errorf("%s is not public", s)
		}
	}
}

// TestReadAtMost reads bodies of known and unknown size up to the limit,
// in one piece or several, and refuses one byte more.
func TestReadAtMost(t *testing.T) {
	const limit = 3*firstPiece + 10
	for _, n := range []int{0, 1, firstPiece - 1, firstPiece, firstPiece + 1, 3 * firstPiece, limit, limit + 1, 5 * limit} {
		body := bytes.Repeat([]byte("x"), n)
		for _, size := range []int64{-1, int64(n)} {
			if n > limit && size >= 0 {
				continue // readBody refuses it by its Content-Length, unread
			}
			got, err := readAtMost(bytes.NewReader(body), limit, size)
			if n > limit {
				if !errors.Is(err, errTooLarge) {
					t.Errorf("%d bytes (size %d): %v, want errTooLarge", n, size, err)
				}
				continue
			}
			if err != nil || !bytes.Equal(got, body) {
				t.Errorf("%d bytes (size %d): %d bytes read, %v", n, size, len(got), err)
			}
		}
	}
}

// TestReadAtMostCutShort: a body that ends before its end (a connection
// closed early) is an error, with or without a Content-Length.
func TestReadAtMostCutShort(t *testing.T) {
	for _, size := range []int64{-1, 100} {
		r := io.MultiReader(strings.NewReader("<rss>"), iotest.ErrReader(io.ErrUnexpectedEOF))
		if _, err := readAtMost(r, 1<<20, size); !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("size %d: %v, want io.ErrUnexpectedEOF", size, err)
		}
	}
}
