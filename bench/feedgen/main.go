// Command feedgen serves synthetic RSS and Atom feeds on loopback addresses
// for the polling benchmark (bench/poll.sh) and writes a feedwatch
// configuration that lists them.
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
	writeConfig := flag.String("write-config", "", "write a feedwatch configuration listing the feeds to this file")
	dataDir := flag.String("data-dir", "", "data_dir for the written configuration (default: beside it)")
	workers := flag.Int("workers", 32, "poll.workers for the written configuration")
	perHost := flag.Int("per-host", 2, "poll.per_host for the written configuration")
	dumpDir := flag.String("dump-dir", "", "also write every document to this folder, for bench/parsebare")
	flag.Parse()
	if *n < 1 || *hosts < 1 || *hosts > 250 {
		log.Fatal("feedgen: need --n >= 1 and 1 <= --hosts <= 250")
	}

	docs := make([]doc, *n)
	for i := range docs {
		docs[i] = generate(i, *items, *hosts, *port)
	}
	if *dumpDir != "" {
		if err := dump(*dumpDir, docs); err != nil {
			log.Fatal(err)
		}
	}

	h := &handler{docs: docs, latency: *latency}
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

// lastModified is fixed so that If-Modified-Since also works across runs.
var lastModified = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

type handler struct {
	docs    []doc
	latency time.Duration
	// Counts of full and 304 responses, served at /_stats so that poll.sh
	// can show that a second poll fetched no body at all.
	full, notModified atomic.Int64
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/_stats" {
		fmt.Fprintf(w, "200=%d 304=%d\n", h.full.Load(), h.notModified.Load())
		return
	}
	if h.latency > 0 {
		time.Sleep(h.latency)
	}
	var i int
	if _, err := fmt.Sscanf(r.URL.Path, "/feed%d.xml", &i); err != nil || i < 0 || i >= len(h.docs) {
		http.NotFound(w, r)
		return
	}
	d := h.docs[i]
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

func generate(i, items, hosts, port int) doc {
	r := rand.New(rand.NewPCG(uint64(i), 0xfeed))
	host := net.JoinHostPort(hostAddr(i%hosts), strconv.Itoa(port))
	d := doc{path: fmt.Sprintf("/feed%d.xml", i)}
	d.url = "http://" + host + d.path
	site := fmt.Sprintf("https://news%d.example", i)
	newest := lastModified.Add(-time.Duration(r.IntN(3600)) * time.Second)
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
	for j := range items {
		title, summary := entry(r)
		when := newest.Add(-time.Duration(j)*47*time.Minute - time.Duration(r.IntN(600))*time.Second)
		link := fmt.Sprintf("%s/%d/story-%d-%d.html?utm_source=rss", site, when.Year(), i, j)
		if atom {
			fmt.Fprintf(&b, `  <entry>
    <title>%s</title>
    <id>tag:news%d.example,2026:%d</id>
    <link rel="alternate" type="text/html" href="%s"/>
    <published>%s</published>
    <updated>%s</updated>
    <author><name>Reporter %d</name></author>
    <summary type="html">%s</summary>
  </entry>
`, html.EscapeString(title), i, j, html.EscapeString(link), when.Format(time.RFC3339), when.Format(time.RFC3339), r.IntN(40), html.EscapeString(summary))
		} else {
			fmt.Fprintf(&b, `  <item>
    <title>%s</title>
    <link>%s</link>
    <guid isPermaLink="false">news%d-%d</guid>
    <pubDate>%s</pubDate>
    <dc:creator>Reporter %d</dc:creator>
    <category>World</category>
    <description><![CDATA[%s]]></description>
  </item>
`, html.EscapeString(title), html.EscapeString(link), i, j, when.Format(time.RFC1123Z), r.IntN(40), summary)
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
