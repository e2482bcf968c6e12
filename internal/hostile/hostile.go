// Package hostile serves misbehaving feed servers on loopback addresses, for
// tests and the bench script: servers that never answer, trickle, send a
// gigabyte or a gzip bomb, redirect in loops or into the local network, send
// HTML, broken or explosive XML, absurd dates and sizes, error statuses and
// bad certificates, next to any number of healthy feeds.
//
// Everything listens on 127.0.0.0/8 only. Healthy feeds are spread over
// 127.0.0.2 upwards and each hostile case gets its own address in
// 127.0.1.0/24, so per-host limits in a poller do not serialise them; tests
// may allow 127.0.1.0/24 (HostileNet) as an intranet and still expect
// redirects to 127.0.0.1 (the canary) to be refused. Large bodies are
// generated while they are written and never held in memory. The package
// must never dial anything itself.
package hostile

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/andybalholm/brotli"
)

// HostileNet holds the addresses of the hostile cases.
var HostileNet = netip.MustParsePrefix("127.0.1.0/24")

// Options size a Set.
type Options struct {
	HealthyFeeds int // healthy feeds to serve (default 1000)
	HealthyHosts int // loopback addresses to spread them over (default 100, at most 250)
	ItemsPerFeed int // items in each healthy feed (default 3)
	// ManyItems is the size of the "many-items" case (default 100,000).
	ManyItems int
	// TrickleEvery is the pause between bytes of the slow cases (default 1s).
	TrickleEvery time.Duration
}

// Set is a running collection of healthy and hostile servers.
type Set struct {
	opts    Options
	healthy []string
	hostile map[string]string
	canary  net.Listener

	canaryConns atomic.Int64
	generation  atomic.Int64 // see Advance
	lastHealthy atomic.Int64 // unix nanoseconds of the last healthy request
	requests    sync.Map     // path -> *atomic.Int64

	srv     *http.Server
	tlsSrvs []*httptest.Server
	raw     []net.Listener
	done    chan struct{}

	// manyItems and hugeTitles are the bodies of the two largest cases,
	// built before the first request: written in one piece they reach the
	// client at loopback speed even on a busy machine under the race
	// detector, so the fetch timeout measures the client, not the server.
	manyItems, hugeTitles []byte

	mu    sync.Mutex
	conns map[net.Conn]struct{}
	wg    sync.WaitGroup
}

// Start listens on every address and serves until Close.
func Start(opts Options) (*Set, error) {
	if opts.HealthyFeeds <= 0 {
		opts.HealthyFeeds = 1000
	}
	if opts.HealthyHosts <= 0 {
		opts.HealthyHosts = 100
	}
	opts.HealthyHosts = min(opts.HealthyHosts, 250, opts.HealthyFeeds)
	if opts.ItemsPerFeed <= 0 {
		opts.ItemsPerFeed = 3
	}
	if opts.ManyItems <= 0 {
		opts.ManyItems = 100_000
	}
	if opts.TrickleEvery <= 0 {
		opts.TrickleEvery = time.Second
	}
	s := &Set{opts: opts, hostile: map[string]string{}, done: make(chan struct{}), conns: map[net.Conn]struct{}{}}
	s.manyItems = manyItemsBody(opts.ManyItems)
	s.hugeTitles = hugeTitlesBody()
	s.srv = &http.Server{Handler: http.HandlerFunc(s.serveHTTP), ReadHeaderTimeout: 10 * time.Second}
	if err := s.start(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func manyItemsBody(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0"?><rss version="2.0"><channel><title>many</title>`)
	for k := range n {
		fmt.Fprintf(&b, "<item><guid>m%d</guid><title>Item %d</title></item>\n", k, k)
	}
	b.WriteString(`</channel></rss>`)
	return b.Bytes()
}

func hugeTitlesBody() []byte {
	var b bytes.Buffer
	big := strings.Repeat("word ", 200_000)
	b.WriteString(`<?xml version="1.0"?><rss version="2.0"><channel><title>` + big + `</title>`)
	fmt.Fprintf(&b, "<item><guid>big-0</guid><title>%s</title></item>", big)
	fmt.Fprintf(&b, "<item><guid>big-1</guid><title>Big summary</title><description>%s</description></item>", big)
	fmt.Fprintf(&b, "<item><guid>big-2-%s</guid><title>Big author</title><author>%s</author></item>", strings.Repeat("g", 1<<20), big)
	b.WriteString(`</channel></rss>`)
	return b.Bytes()
}

func (s *Set) start() error {
	var err error
	// The canary stands for every local service a redirect must not reach.
	if s.canary, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		return fmt.Errorf("hostile: canary: %w", err)
	}
	s.wg.Add(1)
	go s.acceptAndHold(s.canary, func(c net.Conn) { s.canaryConns.Add(1); c.Close() })

	hostPorts := make([]string, s.opts.HealthyHosts)
	for i := range hostPorts {
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.%d:0", i+2))
		if err != nil {
			return fmt.Errorf("hostile: healthy host %d: %w", i, err)
		}
		hostPorts[i] = ln.Addr().String()
		go s.srv.Serve(ln)
	}
	for n := range s.opts.HealthyFeeds {
		s.healthy = append(s.healthy, fmt.Sprintf("http://%s/feed/%d.rss", hostPorts[n%len(hostPorts)], n))
	}

	for i, c := range cases {
		addr := fmt.Sprintf("127.0.1.%d:0", i+1)
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return fmt.Errorf("hostile: case %s: %w", c.name, err)
		}
		scheme := "http"
		switch c.listen {
		case listenHTTP:
			go s.srv.Serve(ln)
		case listenTLS:
			ts := httptest.NewUnstartedServer(http.HandlerFunc(s.serveHTTP))
			ts.Listener.Close()
			ts.Listener = ln
			ts.StartTLS()
			s.tlsSrvs = append(s.tlsSrvs, ts)
			scheme = "https"
		case listenHang:
			s.raw = append(s.raw, ln)
			s.wg.Add(1)
			go s.acceptAndHold(ln, func(net.Conn) {}) // read nothing, answer nothing
		case listenSlowHeaders:
			s.raw = append(s.raw, ln)
			s.wg.Add(1)
			go s.acceptAndHold(ln, s.slowHeaders)
		}
		s.hostile[c.name] = fmt.Sprintf("%s://%s/%s", scheme, ln.Addr(), c.name)
	}
	return nil
}

// acceptAndHold accepts until ln closes and hands each connection to fn;
// connections stay open until fn closes them or the Set closes.
func (s *Set) acceptAndHold(ln net.Listener, fn func(net.Conn)) {
	defer s.wg.Done()
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.conns[c] = struct{}{}
		s.mu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			fn(c)
		}()
	}
}

// slowHeaders writes a valid response one byte per TrickleEvery, so that
// the status line itself never completes within a sane timeout.
func (s *Set) slowHeaders(c net.Conn) {
	defer c.Close()
	// Read the request first, as a server does: bytes sent before the
	// request has been written reach the client as an unsolicited response
	// on an idle connection, and the case would test that race instead.
	br := bufio.NewReader(c)
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return
		}
		if line == "\r\n" || line == "\n" {
			break
		}
	}
	resp := "HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n\r\n" + rss("slow", 1)
	for i := range len(resp) {
		if _, err := c.Write([]byte{resp[i]}); err != nil {
			return
		}
		select {
		case <-time.After(s.opts.TrickleEvery):
		case <-s.done:
			return
		}
	}
}

// Close stops every server and drops held connections.
func (s *Set) Close() {
	select {
	case <-s.done:
		return
	default:
	}
	close(s.done)
	if s.canary != nil {
		s.canary.Close()
	}
	for _, ln := range s.raw {
		ln.Close()
	}
	s.mu.Lock()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.srv.Close()
	for _, ts := range s.tlsSrvs {
		ts.Close()
	}
	s.wg.Wait()
}

// Healthy returns the URLs of the healthy feeds; feed n is at index n.
func (s *Set) Healthy() []string { return s.healthy }

// HealthyGUIDs returns the GUIDs healthy feed n serves.
func (s *Set) HealthyGUIDs(n int) []string {
	out := make([]string, s.opts.ItemsPerFeed)
	for k := range out {
		out[k] = healthyGUID(n, k)
	}
	return out
}

// Advance makes every healthy feed publish ItemsPerFeed new items; each
// feed keeps listing the two generations before, as real feeds keep their
// latest entries. It returns the new generation (the first is 0).
func (s *Set) Advance() int { return int(s.generation.Add(1)) }

// LastHealthyRequest is when a healthy feed was last requested: a poller
// that requested one a moment ago is in the middle of a poll.
func (s *Set) LastHealthyRequest() time.Time {
	if n := s.lastHealthy.Load(); n != 0 {
		return time.Unix(0, n)
	}
	return time.Time{}
}

// Hostile returns the URL of every hostile case by name.
func (s *Set) Hostile() map[string]string { return s.hostile }

// Names lists the hostile cases, sorted.
func Names() []string {
	out := make([]string, len(cases))
	for i, c := range cases {
		out[i] = c.name
	}
	sort.Strings(out)
	return out
}

// Describe says what a case does, for test names and reports.
func Describe(name string) string {
	for _, c := range cases {
		if c.name == name {
			return c.what
		}
	}
	return ""
}

// CanaryConnections counts connections made to the canary, the stand-in
// for local services that redirects point at. It must stay zero.
func (s *Set) CanaryConnections() int64 { return s.canaryConns.Load() }

// Requests counts requests served for a path ("/redirect-loop").
func (s *Set) Requests(path string) int64 {
	if v, ok := s.requests.Load(path); ok {
		return v.(*atomic.Int64).Load()
	}
	return 0
}

// ManyItems is the number of entries of the "many-items" case.
func (s *Set) ManyItems() int { return s.opts.ManyItems }

func (s *Set) canaryPort() string {
	_, port, _ := net.SplitHostPort(s.canary.Addr().String())
	return port
}

func (s *Set) serveHTTP(w http.ResponseWriter, r *http.Request) {
	v, _ := s.requests.LoadOrStore(r.URL.Path, new(atomic.Int64))
	v.(*atomic.Int64).Add(1)
	if rest, ok := strings.CutPrefix(r.URL.Path, "/feed/"); ok {
		s.lastHealthy.Store(time.Now().UnixNano())
		n, err := strconv.Atoi(strings.TrimSuffix(rest, ".rss"))
		if err != nil || n < 0 || n >= s.opts.HealthyFeeds {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		io.WriteString(w, s.healthyFeed(n))
		return
	}
	name, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	for _, c := range cases {
		if c.name == name && c.serve != nil {
			c.serve(s, w, r)
			return
		}
	}
	http.NotFound(w, r)
}

func healthyGUID(n, k int) string { return fmt.Sprintf("healthy-%d-%d", n, k) }

// generationGUID is item k of feed n in generation g; generation 0 keeps
// the plain form HealthyGUIDs returns.
func generationGUID(n, k, g int) string {
	if g == 0 {
		return healthyGUID(n, k)
	}
	return fmt.Sprintf("healthy-%d-%d-g%d", n, k, g)
}

// healthyFeed is feed n: ItemsPerFeed items for each of the latest three
// generations, newest first; the first item of every tenth feed is about
// US–Russia talks so that matching and digests have work too.
func (s *Set) healthyFeed(n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Healthy %d</title><link>http://healthy.test/%d</link>`, n, n)
	cur := int(s.generation.Load())
	for g := cur; g >= max(0, cur-2); g-- {
		for k := range s.opts.ItemsPerFeed {
			title := fmt.Sprintf("Local council story %d of feed %d", k, n)
			if g > 0 {
				title += fmt.Sprintf(", update %d", g)
			}
			if k == 0 && n%10 == 0 {
				title = "US and Russia open arms control talks in Geneva"
				if g > 0 {
					title = fmt.Sprintf("Round %d of US–Russia arms control talks: %s sanctions on the agenda of feed %d", g, []string{"new", "old", "banking", "energy"}[g%4], n)
				}
			}
			fmt.Fprintf(&b, `<item><guid isPermaLink="false">%s</guid><title>%s</title><link>http://healthy.test/%d/%d/%d</link>
<description>Summary of story %d; the Kremlin and the White House said the talks on the New START treaty would go on.</description>
<pubDate>Mon, 02 Nov 2026 10:%02d:00 GMT</pubDate></item>`, generationGUID(n, k, g), title, n, g, k, k, (g+k)%60)
		}
	}
	b.WriteString("</channel></rss>")
	return b.String()
}

// rss is a small valid feed used as the payload of slow cases.
func rss(name string, items int) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>%s</title>`, name)
	for k := range items {
		fmt.Fprintf(&b, `<item><guid>%s-%d</guid><title>%s item %d</title></item>`, name, k, name, k)
	}
	b.WriteString("</channel></rss>")
	return b.String()
}

// writeStream writes size bytes made of head and then repeated filler,
// from one small buffer, stopping at the first write error (the client
// gave up).
func writeStream(w io.Writer, head string, size int64) {
	if _, err := io.WriteString(w, head); err != nil {
		return
	}
	chunk := bytes.Repeat([]byte("<item><title>filler</title></item>\n"), 1024)
	for left := size - int64(len(head)); left > 0; {
		n := min(int64(len(chunk)), left)
		if _, err := w.Write(chunk[:n]); err != nil {
			return
		}
		left -= n
	}
}

// bombMember is one gzip member that inflates to 16 MiB of spaces; a bomb
// is that member repeated, which gzip readers accept as one stream
// (RFC 1952 multi-member), so a gigabyte costs a megabyte on the wire and
// only milliseconds to build (BestSpeed: the ratio hardly matters, the
// build time does on a busy test machine).
var bombMember = sync.OnceValue(func() []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	zw.Write(bytes.Repeat([]byte(" "), 16<<20))
	zw.Close()
	return buf.Bytes()
})

// zlibBomb is one zlib stream of about 80 KiB inflating to 64 MiB of
// spaces, four times the default body cap. zlib has no multi-member form,
// so this one is built whole, at BestSpeed to keep that quick.
var zlibBomb = sync.OnceValue(func() []byte {
	var buf bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&buf, zlib.BestSpeed)
	block := bytes.Repeat([]byte(" "), 1<<20)
	for range 64 {
		zw.Write(block)
	}
	zw.Close()
	return buf.Bytes()
})

// brotliBomb is a brotli stream inflating to 64 MiB of spaces; brotli's
// back-references make it a few hundred bytes.
var brotliBomb = sync.OnceValue(func() []byte {
	var buf bytes.Buffer
	bw := brotli.NewWriterLevel(&buf, brotli.BestSpeed)
	block := bytes.Repeat([]byte(" "), 1<<20)
	for range 64 {
		bw.Write(block)
	}
	bw.Close()
	return buf.Bytes()
})

// waitGone blocks until the client hangs up or the Set closes.
func (s *Set) waitGone(r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-s.done:
	}
}

// trickle sends headers, then one byte of a valid feed per TrickleEvery.
func (s *Set) trickle(w http.ResponseWriter, r *http.Request, body string) {
	w.Header().Set("Content-Type", "application/rss+xml")
	w.WriteHeader(http.StatusOK)
	fl := w.(http.Flusher)
	fl.Flush()
	for i := range len(body) {
		if _, err := io.WriteString(w, body[i:i+1]); err != nil {
			return
		}
		fl.Flush()
		select {
		case <-time.After(s.opts.TrickleEvery):
		case <-r.Context().Done():
			return
		case <-s.done:
			return
		}
	}
}

// errHijack would mean an HTTP/2 connection; the cases are served over
// HTTP/1.1, where net/http always hands the connection over.
var errHijack = errors.New("hostile: cannot hijack")

// hijack takes the raw connection for cases that must break HTTP framing.
func hijack(w http.ResponseWriter) (net.Conn, error) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		return nil, errHijack
	}
	c, _, err := hj.Hijack()
	return c, err
}
