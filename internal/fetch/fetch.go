// Package fetch performs one HTTP GET of a feed URL done right: conditional
// headers, size and time limits counted on decompressed bytes, checked
// redirects, refusal of private addresses, and Retry-After/Cache-Control
// parsing. It owns HTTP only and must never look at what the body contains;
// parsing is internal/parse's job.
package fetch

import (
	"bufio"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/andybalholm/brotli"
)

// Defaults applied by New to zero Options fields.
const (
	DefaultTimeout               = 20 * time.Second
	DefaultConnectTimeout        = 10 * time.Second
	DefaultTLSHandshakeTimeout   = 10 * time.Second
	DefaultResponseHeaderTimeout = 15 * time.Second
	DefaultMaxBytes              = 16 << 20
	DefaultMaxRedirects          = 5
	DefaultUserAgent             = "feedwatch/dev (+https://github.com/feedwatch/feedwatch)"
)

// maxHeaderBytes caps a response's header block.
const maxHeaderBytes = 256 << 10

// accept prefers feed types but still takes anything: many servers label
// feeds text/html or application/octet-stream, and parse decides.
const accept = "application/rss+xml, application/atom+xml, application/feed+json, application/rdf+xml;q=0.9, application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5"

// Options configures a Client. Zero fields take the defaults above.
type Options struct {
	Timeout               time.Duration // total per request, body included
	ConnectTimeout        time.Duration
	TLSHandshakeTimeout   time.Duration
	ResponseHeaderTimeout time.Duration
	MaxBytes              int64 // counted after decompression, so a gzip bomb stops at the cap
	MaxRedirects          int   // 0: DefaultMaxRedirects; below 0: none followed
	UserAgent             string

	// DenyPrivate refuses connections to loopback, private, link-local,
	// CGNAT, multicast and unspecified addresses (cloud metadata services
	// live there). The check runs on the resolved IP at dial time, so a
	// hostname that resolves differently on the second lookup (DNS
	// rebinding) is still caught. Redirect hops are always checked this way,
	// whatever DenyPrivate says, unless the address is in AllowNets: a public
	// feed must not be able to bounce the daemon into the local network.
	//
	// With an HTTP proxy from the environment the dial goes to the proxy,
	// so the check sees the proxy's address; a proxy on a private address
	// therefore needs to be listed in AllowNets, and the proxy must then do
	// its own filtering.
	DenyPrivate bool
	AllowNets   []netip.Prefix
}

// Request is one fetch of one feed.
type Request struct {
	URL          string
	ETag         string
	LastModified string
	Username     string
	Password     string
	// Trusted marks an operator-configured feed: its first hop may use any
	// address (an intranet feed is legitimate). Redirects are still checked.
	Trusted bool
}

// Response is a successful (2xx or 304) fetch.
type Response struct {
	URL          string // final URL after redirects
	StatusCode   int
	NotModified  bool // 304: Body is empty, keep the previous parse
	Body         []byte
	ContentType  string
	ETag         string
	LastModified string
	// PermanentURL is set when every redirect hop was 301 or 308, so the
	// subscription may be moved to the new location. A single 302/307 hop
	// anywhere in the chain leaves it empty.
	PermanentURL string
	MaxAge       time.Duration // from Cache-Control max-age, else Expires; 0 if none
	Duration     time.Duration
}

// StatusError is a response with a status other than 2xx or 304.
type StatusError struct {
	URL        string
	Code       int
	RetryAfter time.Duration // from Retry-After (seconds or HTTP date); 0 if none
}

func (e *StatusError) Error() string {
	if e.RetryAfter > 0 {
		return fmt.Sprintf("fetch %s: HTTP %d %s (retry after %s)", e.URL, e.Code, http.StatusText(e.Code), e.RetryAfter)
	}
	return fmt.Sprintf("fetch %s: HTTP %d %s", e.URL, e.Code, http.StatusText(e.Code))
}

// ErrPrivateAddress is returned (wrapped) when a connection to a refused
// address was attempted.
var ErrPrivateAddress = errors.New("refusing to connect to a private or local address")

// Client fetches feeds. It is safe for concurrent use and should be reused so
// that connections are pooled.
type Client struct {
	opts Options
	// open may dial any address; it serves only first hops that are trusted
	// or made while DenyPrivate is off. guarded checks every dialled IP.
	// Two transports, not one with a per-request flag, because a pooled
	// connection opened to a private host for a trusted first hop must never
	// be reused by a redirect hop to the same host.
	open    *http.Transport
	guarded *http.Transport
	hc      *http.Client
	now     func() time.Time
}

// New returns a Client with opts, defaults filled in.
func New(opts Options) *Client {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.ConnectTimeout <= 0 {
		opts.ConnectTimeout = DefaultConnectTimeout
	}
	if opts.TLSHandshakeTimeout <= 0 {
		opts.TLSHandshakeTimeout = DefaultTLSHandshakeTimeout
	}
	if opts.ResponseHeaderTimeout <= 0 {
		opts.ResponseHeaderTimeout = DefaultResponseHeaderTimeout
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = DefaultMaxBytes
	}
	if opts.MaxRedirects == 0 {
		opts.MaxRedirects = DefaultMaxRedirects
	}
	if opts.UserAgent == "" {
		opts.UserAgent = DefaultUserAgent
	}
	c := &Client{opts: opts, now: time.Now}
	c.open = c.transport(nil)
	c.guarded = c.transport(c.checkDial)
	c.hc = &http.Client{
		Transport:     roundTripper{c},
		CheckRedirect: c.checkRedirect,
	}
	return c
}

func (c *Client) transport(control func(string, string, syscall.RawConn) error) *http.Transport {
	d := &net.Dialer{Timeout: c.opts.ConnectTimeout, KeepAlive: 30 * time.Second, Control: control}
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           d.DialContext,
		ForceAttemptHTTP2:     true,
		TLSHandshakeTimeout:   c.opts.TLSHandshakeTimeout,
		ResponseHeaderTimeout: c.opts.ResponseHeaderTimeout,
		ExpectContinueTimeout: time.Second,
		// Feed servers need a few kilobytes of headers; the default 10 MB
		// per response lets a hostile one pin that much per worker.
		MaxResponseHeaderBytes: maxHeaderBytes,
		MaxIdleConns:           100,
		MaxIdleConnsPerHost:    4,
		IdleConnTimeout:        90 * time.Second,
		// We send Accept-Encoding and inflate ourselves so that MaxBytes
		// counts decompressed bytes and deflate and brotli are supported too.
		DisableCompression: true,
	}
}

// Close releases idle connections.
func (c *Client) Close() {
	c.open.CloseIdleConnections()
	c.guarded.CloseIdleConnections()
}

// fetchState follows one Fetch across its redirect hops.
type fetchState struct {
	trusted   bool
	hops      int  // round trips started
	permanent bool // every redirect so far was 301/308
}

type stateKey struct{}

type roundTripper struct{ c *Client }

func (rt roundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	st, _ := req.Context().Value(stateKey{}).(*fetchState)
	first := st == nil || st.hops == 0
	if st != nil {
		st.hops++
	}
	if first && (!rt.c.opts.DenyPrivate || (st != nil && st.trusted)) {
		return rt.c.open.RoundTrip(req)
	}
	return rt.c.guarded.RoundTrip(req)
}

func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	// Fetch names the target ("redirected to URL: ..."), so these do not.
	if s := req.URL.Scheme; s != "http" && s != "https" {
		return fmt.Errorf("redirect to unsupported scheme %q", s)
	}
	if c.opts.MaxRedirects < 0 {
		return errors.New("redirects are not followed (poll.max_redirects is 0)")
	}
	if len(via) > c.opts.MaxRedirects {
		return fmt.Errorf("stopped after %d redirects", c.opts.MaxRedirects)
	}
	for _, v := range via {
		if v.URL.String() == req.URL.String() {
			return errors.New("redirect loop")
		}
	}
	if st, ok := req.Context().Value(stateKey{}).(*fetchState); ok && req.Response != nil {
		if code := req.Response.StatusCode; code != http.StatusMovedPermanently && code != http.StatusPermanentRedirect {
			st.permanent = false
		}
	}
	return nil
}

// checkDial runs after DNS resolution with the concrete IP about to be
// dialled, which is what makes the check immune to DNS rebinding.
func (c *Client) checkDial(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("dial %s: %w", address, err)
	}
	ip := ap.Addr().Unmap()
	for _, p := range c.opts.AllowNets {
		if p.Contains(ip) {
			return nil
		}
	}
	if !IsPublic(ip) {
		// net wraps this as "dial tcp ADDRESS: ...", which names the address
		// already; Control runs before connect(2), so nothing was sent.
		return ErrPrivateAddress
	}
	return nil
}

// nonPublic lists ranges that IsPrivate/IsLoopback & co. do not cover but
// that still must not be reachable from feed URLs.
var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),      // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),  // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),   // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"),  // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),    // reserved, includes broadcast
	netip.MustParsePrefix("64:ff9b::/96"),   // NAT64 can embed private v4
	netip.MustParsePrefix("64:ff9b:1::/48"), // local-use NAT64
	netip.MustParsePrefix("2002::/16"),      // 6to4 can embed private v4
}

// IsPublic reports whether ip is a globally routable unicast address.
func IsPublic(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() ||
		ip.IsLinkLocalMulticast() || ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

// Fetch GETs req.URL. A 2xx or 304 gives a Response; any other status gives
// a *StatusError; everything else (DNS, TLS, timeouts, limits, refused
// redirects) an error naming the URL.
func (c *Client) Fetch(ctx context.Context, req Request) (*Response, error) {
	start := c.now()
	u, err := url.Parse(req.URL)
	if err != nil {
		return nil, fmt.Errorf("fetch: %w", err)
	}
	// Errors are logged and shown in `feeds list`: never with a password
	// that the URL itself carries.
	name := u.Redacted()
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("fetch %s: unsupported scheme %q", name, u.Scheme)
	}
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	st := &fetchState{trusted: req.Trusted, permanent: true}
	ctx = context.WithValue(ctx, stateKey{}, st)

	hreq, err := http.NewRequestWithContext(ctx, http.MethodGet, req.URL, nil)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", name, err)
	}
	hreq.Header.Set("User-Agent", c.opts.UserAgent)
	hreq.Header.Set("Accept", accept)
	hreq.Header.Set("Accept-Encoding", "gzip, deflate, br")
	if req.ETag != "" {
		hreq.Header.Set("If-None-Match", req.ETag)
	}
	if req.LastModified != "" {
		hreq.Header.Set("If-Modified-Since", req.LastModified)
	}
	if req.Username != "" || req.Password != "" {
		// net/http drops Authorization when a redirect leaves the host,
		// so credentials are not leaked to a third party.
		hreq.SetBasicAuth(req.Username, req.Password)
	}

	resp, err := c.hc.Do(hreq)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", name, c.explain(ctx, hreq.URL, err))
	}
	defer resp.Body.Close()

	out := &Response{
		URL:          resp.Request.URL.String(),
		StatusCode:   resp.StatusCode,
		ContentType:  resp.Header.Get("Content-Type"),
		ETag:         resp.Header.Get("ETag"),
		LastModified: resp.Header.Get("Last-Modified"),
	}
	if st.hops > 1 && st.permanent {
		out.PermanentURL = out.URL
	}
	now := c.now()
	out.MaxAge = maxAge(resp.Header, now)

	switch {
	case resp.StatusCode == http.StatusNotModified:
		out.NotModified = true
		// A 304 need not repeat the validators; keep the ones we sent so
		// the caller can store the response as is.
		if out.ETag == "" {
			out.ETag = req.ETag
		}
		if out.LastModified == "" {
			out.LastModified = req.LastModified
		}
		out.Duration = c.now().Sub(start)
		return out, nil
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		// Drain a little so the connection can be reused.
		_, _ = io.CopyN(io.Discard, resp.Body, 4<<10)
		return nil, &StatusError{URL: name, Code: resp.StatusCode, RetryAfter: retryAfter(resp.Header.Get("Retry-After"), now)}
	}

	body, err := c.readBody(resp)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", name, c.explain(ctx, hreq.URL, err))
	}
	out.Body = body
	out.Duration = c.now().Sub(start)
	return out, nil
}

// explain rewrites a client error for the operator: the *url.Error layer
// repeats the method and URL our own wrapping names, except when the failing
// request was a redirect hop, whose URL is then the useful part; and a bare
// "context deadline exceeded" does not say which limit was hit.
func (c *Client) explain(ctx context.Context, first *url.URL, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
		if ue.URL != "" && ue.URL != first.String() && ue.URL != starred(first) {
			err = fmt.Errorf("redirected to %s: %w", redactURL(ue.URL), err)
		}
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) && errors.Is(err, context.DeadlineExceeded) {
		err = fmt.Errorf("no complete response within %s (timeout): %w", c.opts.Timeout, err)
	}
	return err
}

// starred is u as net/http names it in a *url.Error when it carries a
// password: "user:***@host".
func starred(u *url.URL) string {
	if _, ok := u.User.Password(); !ok {
		return u.String()
	}
	// Built as net/http builds it: url.UserPassword would escape the stars.
	return strings.Replace(u.String(), u.User.String()+"@", u.User.Username()+":***@", 1)
}

func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	return u.Redacted()
}

// readBody inflates the body by its Content-Encoding and reads at most
// MaxBytes of the result.
func (c *Client) readBody(resp *http.Response) ([]byte, error) {
	var r io.Reader = resp.Body
	size := int64(-1) // the body's length when known before reading it
	switch enc := strings.ToLower(strings.TrimSpace(resp.Header.Get("Content-Encoding"))); enc {
	case "", "identity":
		size = resp.ContentLength
		if size > c.opts.MaxBytes {
			// Said up front: nothing is read.
			return nil, fmt.Errorf("body exceeds the %d-byte limit", c.opts.MaxBytes)
		}
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			return nil, fmt.Errorf("gzip body: %w", err)
		}
		defer zr.Close()
		r = zr
	case "deflate":
		// "deflate" is meant to be zlib-wrapped, but some servers send raw
		// DEFLATE; peek at the header to tell them apart.
		br := bufio.NewReader(resp.Body)
		hdr, _ := br.Peek(2)
		if len(hdr) == 2 && hdr[0]&0x0f == 8 && (uint16(hdr[0])<<8|uint16(hdr[1]))%31 == 0 {
			zr, err := zlib.NewReader(br)
			if err != nil {
				return nil, fmt.Errorf("deflate body: %w", err)
			}
			defer zr.Close()
			r = zr
		} else {
			fr := flate.NewReader(br)
			defer fr.Close()
			r = fr
		}
	case "br":
		r = brotli.NewReader(resp.Body)
	default:
		return nil, fmt.Errorf("unsupported Content-Encoding %q", enc)
	}
	body, err := readAtMost(r, c.opts.MaxBytes, size)
	if err != nil {
		if errors.Is(err, errTooLarge) {
			return nil, fmt.Errorf("body exceeds the %d-byte limit", c.opts.MaxBytes)
		}
		if enc := resp.Header.Get("Content-Encoding"); enc != "" {
			return nil, fmt.Errorf("read %s body: %w", strings.ToLower(strings.TrimSpace(enc)), err)
		}
		return nil, fmt.Errorf("read body: %w", err)
	}
	return body, nil
}

var errTooLarge = errors.New("too large")

// A body of unknown size is read in pieces of firstPiece bytes, each
// twice the one before up to lastPiece.
const (
	firstPiece = 32 << 10
	lastPiece  = 1 << 20
)

// readAtMost reads r to its end, failing with errTooLarge past limit
// bytes. A body of known size is read into one buffer of that size; one of
// unknown size in pieces, joined at the end. A doubling buffer held up to
// three times the limit while it grew (the old array, the new one twice
// its size) for a body that was then refused: five hostile servers at
// once put some 250 MB in the heap.
func readAtMost(r io.Reader, limit, size int64) ([]byte, error) {
	if size >= 0 {
		buf := make([]byte, size+1) // one more, to see a body longer than it said
		n, err := fill(r, buf)
		if err != nil || n <= int(size) {
			return buf[:n], err
		}
		// Longer than its Content-Length: read on as a body of unknown size.
		rest, err := readAtMost(r, limit-int64(n), -1)
		if err != nil {
			return nil, err
		}
		return append(buf, rest...), nil
	}
	var pieces [][]byte
	var total int64
	for next := int64(firstPiece); ; next = min(2*next, lastPiece) {
		piece := make([]byte, min(next, limit-total+1))
		n, err := fill(r, piece)
		total += int64(n)
		if err != nil {
			return nil, err
		}
		if total > limit {
			return nil, errTooLarge
		}
		pieces = append(pieces, piece[:n])
		if n < len(piece) {
			break // the end
		}
	}
	if len(pieces) == 1 {
		return pieces[0], nil
	}
	return bytes.Join(pieces, nil), nil
}

// fill reads into buf until it is full or r ends; unlike io.ReadFull it
// tells the body's end (io.EOF: no error) from a body cut short
// (io.ErrUnexpectedEOF from net/http, which must stay an error).
func fill(r io.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := r.Read(buf[n:])
		n += m
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// retryAfter parses Retry-After as delay-seconds or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		// Cap absurd values instead of overflowing Duration.
		if secs > 365*24*3600 {
			secs = 365 * 24 * 3600
		}
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

// maxAge reads how long the server says the response stays fresh:
// Cache-Control max-age wins over Expires (RFC 9111 5.3).
func maxAge(h http.Header, now time.Time) time.Duration {
	for _, cc := range h.Values("Cache-Control") {
		for _, part := range strings.Split(cc, ",") {
			k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
			switch strings.ToLower(k) {
			case "no-store", "no-cache":
				return 0
			case "max-age":
				secs, err := strconv.ParseInt(strings.Trim(v, `"`), 10, 64)
				if err != nil || secs <= 0 {
					return 0
				}
				if secs > 365*24*3600 {
					secs = 365 * 24 * 3600
				}
				return time.Duration(secs) * time.Second
			}
		}
	}
	if e := h.Get("Expires"); e != "" {
		t, err := http.ParseTime(e)
		if err != nil {
			return 0
		}
		// Measure against the server's clock when it gave one, so skew
		// between the two machines does not matter.
		if d, err := http.ParseTime(h.Get("Date")); err == nil {
			now = d
		}
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

// Redacted returns raw with any password in it replaced, for logs and
// error messages.
func Redacted(raw string) string { return redactURL(raw) }
