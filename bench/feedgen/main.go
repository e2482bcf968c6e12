// Command feedgen serves synthetic RSS and Atom feeds on loopback addresses
// for the polling benchmark (bench/poll.sh) and writes a feedwatch
// configuration that lists them.
//
// GET /_advance moves every feed on by one step, as a busy feed moves
// between two polls: one new entry at the top, the oldest gone, so the
// body, its ETag and its Last-Modified change. With --dump-dir the new
// documents are written to DIR-stepN for bench/parsebare, before the
// answer. The steady-state poll of bench/poll.sh polls after one step.
//
// The feeds are spread over --hosts loopback addresses (127.0.0.2, 127.0.0.3,
// …, all routed to lo on Linux without any setup) because feedwatch limits
// concurrent requests per host name (poll.per_host), and one address would
// serialise the whole benchmark behind that limit. Every document is built
// once at start from a fixed seed, so two runs serve the same bytes and the
// ETags stay valid across feedwatch runs.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"hash/fnv"
	"html"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

func main() {
	n := flag.Int("n", 2000, "number of feeds")
	hosts := flag.Int("hosts", 64, "loopback addresses to spread the feeds over (127.0.0.2 onwards)")
	port := flag.Int("port", 18700, "port to listen on, the same on every address")
	latency := flag.Duration("latency", 0, "delay before every response, 304s included")
	items := flag.Int("items", 25, "items per feed")
	large := flag.Int("large", 0, "items of feed 0 instead (0: as many as the others), for the memory of one long document")
	writeConfig := flag.String("write-config", "", "write a feedwatch configuration listing the feeds to this file")
	dataDir := flag.String("data-dir", "", "data_dir for the written configuration (default: beside it)")
	workers := flag.Int("workers", 32, "poll.workers for the written configuration")
	perHost := flag.Int("per-host", 2, "poll.per_host for the written configuration")
	dumpDir := flag.String("dump-dir", "", "also write every document to this folder, for bench/parsebare")
	flag.Parse()
	if *n < 1 || *hosts < 1 || *hosts > 250 {
		log.Fatal("feedgen: need --n >= 1 and 1 <= --hosts <= 250")
	}

	h := &handler{n: *n, items: *items, large: *large, hosts: *hosts, port: *port, latency: *latency, dumpDir: *dumpDir}
	if err := h.advanceTo(0); err != nil {
		log.Fatal(err)
	}
	docs := h.current.Load().docs
	var servers []*http.Server
	for k := range *hosts {
		addr := net.JoinHostPort(hostAddr(k), strconv.Itoa(*port))
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			log.Fatalf("feedgen: listen %s: %v", addr, err)
		}
		srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
		servers = append(servers, srv)
		go func() {
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Fatalf("feedgen: serve %s: %v", addr, err)
			}
		}()
	}
	if *writeConfig != "" {
		dir := *dataDir
		if dir == "" {
			dir = filepath.Join(filepath.Dir(*writeConfig), "data")
		}
		if err := writeConfigFile(*writeConfig, dir, *workers, *perHost, docs); err != nil {
			log.Fatal(err)
		}
	}
	var total int
	for _, d := range docs {
		total += len(d.body)
	}
	log.Printf("feedgen: %d feeds (%d KB on average) on %d addresses, port %d, latency %s", *n, total/len(docs)/1024, *hosts, *port, *latency)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	for _, s := range servers {
		s.Close()
	}
}

// hostAddr is the k-th loopback address; 127.0.0.1 is left out so the
// benchmark never competes with whatever else listens there.
func hostAddr(k int) string { return fmt.Sprintf("127.0.0.%d", k+2) }

type doc struct {
	url, path, ctype, etag string
	body                   []byte
}

// lastModified is fixed so that If-Modified-Since also works across runs;
// each step adds a minute to it.
var lastModified = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

// corpus is every feed's document at one step.
type corpus struct {
	step         int
	docs         []doc
	lastModified time.Time
}

type handler struct {
	n, items, large, hosts, port int
	latency                      time.Duration
	dumpDir                      string
	current                      atomic.Pointer[corpus]
	advanceMu                    sync.Mutex
	// Counts of full and 304 responses, served at /_stats so that poll.sh
	// can show that a second poll fetched no body at all.
	full, notModified atomic.Int64
}

// advanceTo builds every document at step and serves them from then on.
func (h *handler) advanceTo(step int) error {
	c := &corpus{step: step, docs: make([]doc, h.n), lastModified: lastModified.Add(time.Duration(step) * time.Minute)}
	for i := range c.docs {
		items := h.items
		if i == 0 && h.large > 0 {
			items = h.large
		}
		c.docs[i] = generate(i, items, h.hosts, h.port, step)
	}
	if h.dumpDir != "" {
		dir := h.dumpDir
		if step > 0 {
			dir = fmt.Sprintf("%s-step%d", h.dumpDir, step)
		}
		if err := dump(dir, c.docs); err != nil {
			return err
		}
	}
	h.current.Store(c)
	return nil
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/_stats":
		fmt.Fprintf(w, "200=%d 304=%d\n", h.full.Load(), h.notModified.Load())
		return
	case "/_advance":
		h.advanceMu.Lock()
		defer h.advanceMu.Unlock()
		if err := h.advanceTo(h.current.Load().step + 1); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		fmt.Fprintf(w, "step=%d\n", h.current.Load().step)
		return
	}
	if h.latency > 0 {
		time.Sleep(h.latency)
	}
	c := h.current.Load()
	var i int
	if _, err := fmt.Sscanf(r.URL.Path, "/feed%d.xml", &i); err != nil || i < 0 || i >= len(c.docs) {
		http.NotFound(w, r)
		return
	}
	d := c.docs[i]
	lastModified := c.lastModified
	w.Header().Set("ETag", d.etag)
	w.Header().Set("Last-Modified", lastModified.Format(http.TimeFormat))
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		if inm == d.etag {
			h.notModified.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
	} else if ims, err := http.ParseTime(r.Header.Get("If-Modified-Since")); err == nil && !lastModified.After(ims) {
		h.notModified.Add(1)
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.full.Add(1)
	w.Header().Set("Content-Type", d.ctype)
	w.Header().Set("Content-Length", strconv.Itoa(len(d.body)))
	w.Write(d.body)
}

func writeConfigFile(path, dataDir string, workers, perHost int, docs []doc) error {
	abs, err := filepath.Abs(dataDir)
	if err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# Written by bench/feedgen for bench/poll.sh.\ndata_dir: %s\n", abs)
	// The built-in topics (us-russia) are used, so that matching does real work.
	b.WriteString("log:\n  level: error\n  format: text\n")
	fmt.Fprintf(&b, "poll:\n  workers: %d\n  per_host: %d\n  timeout: 30s\n  interval: 30m\n  min_interval: 5m\n  max_interval: 24h\n", workers, perHost)
	b.WriteString("web:\n  listen: \"\"\nfeeds:\n")
	for _, d := range docs {
		fmt.Fprintf(&b, "  - url: %s\n", d.url)
	}
	// Written whole and renamed so that poll.sh, which waits for the file,
	// never reads half of it.
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(b.String()), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func dump(dir string, docs []doc) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for i, d := range docs {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("feed%05d.xml", i)), d.body, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// Vocabulary for the synthetic text. About one item in five is about US–
// Russia relations so that the shipped topic's rules match some items and
// reject others after real work.
var (
	words = strings.Fields(`government minister officials said on Tuesday that the new policy would
		affect markets across the region while analysts expected further talks in the coming weeks
		parliament budget election economy trade agreement energy prices inflation central bank report
		committee hearing investigation court ruling protest city council infrastructure transport
		health ministry hospital schools teachers union strike negotiations spokesperson statement
		climate summit emissions farmers harvest exports imports shipping port authorities police`)
	subjects = []string{"Kremlin", "Washington", "Moscow", "the State Department", "Russian diplomats", "US officials",
		"the White House", "Lavrov", "Blinken", "the US ambassador to Russia", "Russia's foreign ministry"}
	business = []string{"sanctions", "arms control talks", "a prisoner exchange", "the New START treaty", "embassy staff",
		"a summit", "expelled diplomats", "espionage charges", "nuclear talks"}
	plain = []string{"Rail strike", "Budget vote", "Harvest forecast", "Port expansion", "Court ruling", "Hospital funding",
		"City council", "Energy prices", "School reform", "Trade figures", "Climate pledge", "Election campaign"}
)

// id is an entry's number as its GUID and link spell it: the first
// document's as they always were, later ones as n1, n2, …
func id(n int) string {
	if n < 0 {
		return fmt.Sprintf("n%d", -n)
	}
	return strconv.Itoa(n)
}

func sentence(r *rand.Rand, n int) string {
	var b strings.Builder
	for j := range n {
		if j > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(words[r.IntN(len(words))])
	}
	s := b.String()
	return strings.ToUpper(s[:1]) + s[1:] + "."
}

// entry is one synthetic item: a title and an HTML summary of 300–800 bytes.
func entry(r *rand.Rand) (title, summary string) {
	var b strings.Builder
	// Sentences are added while under target, so summaries come out at
	// 300–800 bytes.
	target := 250 + r.IntN(450)
	related := r.IntN(5) == 0
	if related {
		title = fmt.Sprintf("%s and %s discuss %s", subjects[r.IntN(len(subjects))], subjects[r.IntN(len(subjects))], business[r.IntN(len(business))])
	} else {
		title = fmt.Sprintf("%s: %s", plain[r.IntN(len(plain))], strings.TrimSuffix(sentence(r, 6), "."))
	}
	b.WriteString("<p>")
	if related {
		fmt.Fprintf(&b, "<strong>%s</strong> said US-Russia relations were at a turning point after %s. ", subjects[r.IntN(len(subjects))], business[r.IntN(len(business))])
	}
	for b.Len() < target {
		b.WriteString(sentence(r, 8+r.IntN(10)))
		if r.IntN(4) == 0 {
			b.WriteString("</p><p>")
		} else {
			b.WriteByte(' ')
		}
	}
	b.WriteString(`<a href="https://example.org/more">Read more</a></p>`)
	return title, b.String()
}

// genEntry is one entry of a synthetic feed; n is its number (negative for
// the entries that steps add above the first document's).
type genEntry struct {
	n              int
	title, summary string
	when           time.Time
	author         int
}

// generate builds feed i at step: the first document's entries, less the
// step oldest, under step newer ones. The first document's entries come
// from one random stream in order, so each keeps its bytes at every step;
// each newer one has a stream of its own.
func generate(i, items, hosts, port, step int) doc {
	r := rand.New(rand.NewPCG(uint64(i), 0xfeed))
	host := net.JoinHostPort(hostAddr(i%hosts), strconv.Itoa(port))
	d := doc{path: fmt.Sprintf("/feed%d.xml", i)}
	d.url = "http://" + host + d.path
	site := fmt.Sprintf("https://news%d.example", i)
	newest := lastModified.Add(-time.Duration(r.IntN(3600)) * time.Second)
	var entries []genEntry
	for k := step; k >= 1; k-- {
		rk := rand.New(rand.NewPCG(uint64(i), 0xfeed0000+uint64(k)))
		e := genEntry{n: -k}
		e.title, e.summary = entry(rk)
		e.when = newest.Add(time.Duration(k)*47*time.Minute - time.Duration(rk.IntN(600))*time.Second)
		e.author = rk.IntN(40)
		entries = append(entries, e)
	}
	for j := range max(items-step, 0) {
		e := genEntry{n: j}
		e.title, e.summary = entry(r)
		e.when = newest.Add(-time.Duration(j)*47*time.Minute - time.Duration(r.IntN(600))*time.Second)
		e.author = r.IntN(40)
		entries = append(entries, e)
	}
	if len(entries) > 0 && entries[0].n < 0 {
		newest = entries[0].when
	}
	var b strings.Builder
	atom := i%3 == 2 // a third Atom, the rest RSS 2.0
	if atom {
		d.ctype = "application/atom+xml; charset=utf-8"
		fmt.Fprintf(&b, `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">
  <title>Synthetic News %d</title>
  <id>%s/</id>
  <link rel="alternate" href="%s/"/>
  <link rel="self" href="%s"/>
  <updated>%s</updated>
`, i, site, site, d.url, newest.Format(time.RFC3339))
	} else {
		d.ctype = "application/rss+xml; charset=utf-8"
		fmt.Fprintf(&b, `<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel>
  <title>Synthetic News %d</title>
  <link>%s/</link>
  <description>Synthetic feed %d for the feedwatch polling benchmark</description>
  <language>en</language>
  <ttl>30</ttl>
`, i, site, i)
	}
	for _, e := range entries {
		title, summary, when, j := e.title, e.summary, e.when, id(e.n)
		link := fmt.Sprintf("%s/%d/story-%d-%s.html?utm_source=rss", site, when.Year(), i, j)
		if atom {
			fmt.Fprintf(&b, `  <entry>
    <title>%s</title>
    <id>tag:news%d.example,2026:%s</id>
    <link rel="alternate" type="text/html" href="%s"/>
    <published>%s</published>
    <updated>%s</updated>
    <author><name>Reporter %d</name></author>
    <summary type="html">%s</summary>
  </entry>
`, html.EscapeString(title), i, j, html.EscapeString(link), when.Format(time.RFC3339), when.Format(time.RFC3339), e.author, html.EscapeString(summary))
		} else {
			fmt.Fprintf(&b, `  <item>
    <title>%s</title>
    <link>%s</link>
    <guid isPermaLink="false">news%d-%s</guid>
    <pubDate>%s</pubDate>
    <dc:creator>Reporter %d</dc:creator>
    <category>World</category>
    <description><![CDATA[%s]]></description>
  </item>
`, html.EscapeString(title), html.EscapeString(link), i, j, when.Format(time.RFC1123Z), e.author, summary)
		}
	}
	if atom {
		b.WriteString("</feed>\n")
	} else {
		b.WriteString("</channel>\n</rss>\n")
	}
	d.body = []byte(b.String())
	h := fnv.New64a()
	h.Write(d.body)
	d.etag = fmt.Sprintf(`"%016x"`, h.Sum64())
	return d
}
