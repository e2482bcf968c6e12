package hostile

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

type listenKind int

const (
	listenHTTP        listenKind = iota
	listenTLS                    // HTTPS with a certificate no client trusts
	listenHang                   // raw TCP: accepts and never answers
	listenSlowHeaders            // raw TCP: the response one byte at a time
)

type hostileCase struct {
	name   string
	what   string
	listen listenKind
	serve  func(s *Set, w http.ResponseWriter, r *http.Request)
}

func redirectTo(target func(s *Set) string) func(*Set, http.ResponseWriter, *http.Request) {
	return func(s *Set, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", target(s))
		w.WriteHeader(http.StatusFound)
	}
}

func fixed(status int, contentType, body string, headers ...string) func(*Set, http.ResponseWriter, *http.Request) {
	return func(s *Set, w http.ResponseWriter, r *http.Request) {
		if contentType != "" {
			w.Header().Set("Content-Type", contentType)
		}
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

func item(guid, title, date string) string {
	return fmt.Sprintf(`<item><guid>%s</guid><title>%s</title><link>http://odd.test/%s</link><pubDate>%s</pubDate></item>`,
		guid, title, guid, date)
}

func channel(title, items string) string {
	return `<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>` + title + `</title>` + items + `</channel></rss>`
}

const gib = 1 << 30

// cases are served on 127.0.1.1, 127.0.1.2, … in this order.
var cases = []hostileCase{
	// Time.
	{name: "hang", what: "accepts the connection and never answers", listen: listenHang},
	{name: "slow-headers", what: "sends the status line and headers one byte a second", listen: listenSlowHeaders},
	{name: "trickle", what: "sends headers, then the body one byte a second", serve: func(s *Set, w http.ResponseWriter, r *http.Request) {
		s.trickle(w, r, rss("trickle", 50))
	}},
	{name: "stall-body", what: "sends headers and half a feed, then nothing", serve: func(s *Set, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		body := rss("stall", 5)
		io.WriteString(w, body[:len(body)/2])
		w.(http.Flusher).Flush()
		s.waitGone(r)
	}},

	// Size.
	{name: "huge-body", what: "a 1 GiB body with Content-Length, generated while written", serve: func(s *Set, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Header().Set("Content-Length", strconv.Itoa(gib))
		writeStream(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>huge</title>`, gib)
	}},
	{name: "huge-body-chunked", what: "a 1 GiB chunked body without Content-Length", serve: func(s *Set, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		writeStream(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>huge</title>`, gib)
	}},
	{name: "gzip-bomb", what: "about 1 MiB of gzip that inflates to 1 GiB", serve: func(s *Set, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Header().Set("Content-Encoding", "gzip")
		m := bombMember()
		for range gib / (16 << 20) {
			if _, err := w.Write(m); err != nil {
				return
			}
		}
	}},
	{name: "deflate-bomb", what: "an 80 KiB zlib stream that inflates to 64 MiB", serve: func(s *Set, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Header().Set("Content-Encoding", "deflate")
		w.Write(zlibBomb())
	}},
	{name: "gzip-garbage", what: "Content-Encoding: gzip on a body that is not gzip",
		serve: fixed(200, "application/rss+xml", rss("plain", 1), "Content-Encoding", "gzip")},
	{name: "brotli-bomb", what: "a brotli stream of a few hundred bytes that inflates to 64 MiB", serve: func(s *Set, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Header().Set("Content-Encoding", "br")
		w.Write(brotliBomb())
	}},
	{name: "brotli-garbage", what: "Content-Encoding: br on a body that is not brotli",
		serve: fixed(200, "application/rss+xml", rss("plain", 1), "Content-Encoding", "br")},
	{name: "encoding-zstd", what: "a Content-Encoding that was not asked for (zstd)",
		serve: fixed(200, "application/rss+xml", "\x28\xb5\x2f\xfd", "Content-Encoding", "zstd")},
	{name: "short-body", what: "Content-Length promises more than is sent", serve: func(s *Set, w http.ResponseWriter, r *http.Request) {
		c, err := hijack(w)
		if err != nil {
			return
		}
		defer c.Close()
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Length: 100000\r\n\r\n"+rss("short", 1))
	}},
	{name: "huge-header", what: "a 2 MiB response header", serve: func(s *Set, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Padding", strings.Repeat("a", 2<<20))
		io.WriteString(w, rss("header", 1))
	}},

	// Redirects.
	{name: "redirect-loop", what: "redirects to itself", serve: redirectTo(func(s *Set) string { return s.hostile["redirect-loop"] })},
	{name: "redirect-pingpong", what: "redirects between two URLs", serve: func(s *Set, w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("b") == "" {
			http.Redirect(w, r, s.hostile["redirect-pingpong"]+"?b=1", http.StatusFound)
			return
		}
		http.Redirect(w, r, s.hostile["redirect-pingpong"], http.StatusMovedPermanently)
	}},
	{name: "redirect-chain", what: "redirects to a new URL every time", serve: func(s *Set, w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		http.Redirect(w, r, fmt.Sprintf("%s?n=%d", s.hostile["redirect-chain"], n+1), http.StatusTemporaryRedirect)
	}},
	{name: "redirect-file", what: "redirects to file:///etc/passwd", serve: redirectTo(func(*Set) string { return "file:///etc/passwd" })},
	{name: "redirect-gopher", what: "redirects to gopher://", serve: redirectTo(func(*Set) string { return "gopher://127.0.0.1:70/1" })},
	{name: "redirect-ftp", what: "redirects to ftp://", serve: redirectTo(func(*Set) string { return "ftp://127.0.0.1/feed.xml" })},
	{name: "redirect-javascript", what: "redirects to javascript:", serve: redirectTo(func(*Set) string { return "javascript:alert(1)" })},
	{name: "redirect-loopback", what: "redirects to 127.0.0.1 on another port (the canary)", serve: redirectTo(func(s *Set) string {
		return "http://127.0.0.1:" + s.canaryPort() + "/admin"
	})},
	{name: "redirect-localhost", what: "redirects to localhost (the canary)", serve: redirectTo(func(s *Set) string {
		return "http://localhost:" + s.canaryPort() + "/admin"
	})},
	{name: "redirect-ipv6-loopback", what: "redirects to [::1]", serve: redirectTo(func(s *Set) string {
		return "http://[::1]:" + s.canaryPort() + "/admin"
	})},
	{name: "redirect-mapped-loopback", what: "redirects to [::ffff:127.0.0.1] (the canary)", serve: redirectTo(func(s *Set) string {
		return "http://[::ffff:127.0.0.1]:" + s.canaryPort() + "/admin"
	})},
	{name: "redirect-unspecified", what: "redirects to 0.0.0.0, which reaches local services", serve: redirectTo(func(s *Set) string {
		return "http://0.0.0.0:" + s.canaryPort() + "/admin"
	})},
	{name: "redirect-private-10", what: "redirects to 10.0.0.1", serve: redirectTo(func(*Set) string { return "http://10.0.0.1/" })},
	{name: "redirect-private-172", what: "redirects to 172.16.0.1", serve: redirectTo(func(*Set) string { return "http://172.16.0.1/" })},
	{name: "redirect-private-192", what: "redirects to 192.168.0.1", serve: redirectTo(func(*Set) string { return "http://192.168.0.1/" })},
	{name: "redirect-metadata", what: "redirects to the cloud metadata service 169.254.169.254", serve: redirectTo(func(*Set) string {
		return "http://169.254.169.254/latest/meta-data/"
	})},
	{name: "redirect-cgnat", what: "redirects to carrier-grade NAT 100.64.0.1", serve: redirectTo(func(*Set) string { return "http://100.64.0.1/" })},
	{name: "redirect-ula", what: "redirects to IPv6 unique-local [fd00::1]", serve: redirectTo(func(*Set) string { return "http://[fd00::1]/" })},

	// Not a feed, or a broken one.
	{name: "html-page", what: "200 with an HTML page", serve: fixed(200, "text/html; charset=utf-8",
		`<!doctype html><html><head><title>Welcome</title><link rel="alternate" type="application/rss+xml" href="/feed.xml"></head><body><h1>Hello</h1></body></html>`)},
	{name: "empty-body", what: "200 with no body", serve: fixed(200, "application/rss+xml", "")},
	{name: "binary", what: "200 with binary noise", serve: fixed(200, "application/rss+xml", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00\xff\xfe\x00")},
	{name: "truncated-xml", what: "a feed cut off in the middle of an item", serve: fixed(200, "application/rss+xml",
		`<?xml version="1.0"?><rss version="2.0"><channel><title>cut</title><item><guid>cut-1</guid><title>First</title></item><item><guid>cut-2</guid><title>Sec`)},
	{name: "billion-laughs", what: "XML with a billion-laughs entity declaration", serve: fixed(200, "application/rss+xml", billionLaughs)},
	{name: "external-entity", what: "XML with an external entity pointing at /etc/passwd", serve: fixed(200, "application/rss+xml",
		`<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><rss version="2.0"><channel><title>xxe</title><item><guid>xxe-1</guid><title>leak &xxe; here</title></item></channel></rss>`)},
	{name: "deep-nesting", what: "100,000 nested elements", serve: func(s *Set, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		io.WriteString(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>deep</title><item><guid>deep-1</guid><title>deep</title><description>`)
		io.WriteString(w, strings.Repeat("<a>", 100_000))
		io.WriteString(w, `</description></item></channel></rss>`)
	}},
	{name: "json-broken", what: "a JSON Feed cut off", serve: fixed(200, "application/feed+json",
		`{"version":"https://jsonfeed.org/version/1.1","title":"j","items":[{"id":"1","title":"x"`)},

	// Legitimate but odd: stored sanely.
	{name: "wrong-content-type", what: "a valid RSS feed served as image/png", serve: fixed(200, "image/png",
		channel("png", item("ct-1", "Served as an image", "Mon, 02 Nov 2026 10:00:00 GMT")))},
	{name: "wrong-charset", what: "windows-1251 bytes labelled UTF-8 in the header and declared windows-1251 in the document",
		serve: fixed(200, "application/rss+xml; charset=utf-8", `<?xml version="1.0" encoding="windows-1251"?><rss version="2.0"><channel><title>cp</title>`+
			item("cp-1", "\xcc\xee\xf1\xea\xe2\xe0 \xe8 \xc2\xe0\xf8\xe8\xed\xe3\xf2\xee\xed", "Mon, 02 Nov 2026 10:00:00 GMT")+`</channel></rss>`)},
	{name: "invalid-utf8", what: "invalid UTF-8 bytes in a document declared UTF-8", serve: fixed(200, "application/rss+xml",
		channel("bad", item("u8-1", "broken \xff\xfe bytes \xc3", "Mon, 02 Nov 2026 10:00:00 GMT")))},
	{name: "many-items", what: "a feed of 100,000 items", serve: func(s *Set, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write(s.manyItems)
	}},
	{name: "huge-titles", what: "a 1 MB feed title, and items with a 1 MB title, summary, author or GUID", serve: func(s *Set, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write(s.hugeTitles)
	}},
	{name: "dates-ancient", what: "items dated in year 0001", serve: fixed(200, "application/rss+xml", channel("ancient",
		item("old-1", "Year one", "Mon, 01 Jan 0001 00:00:00 GMT")+item("old-2", "Year one, later", "Fri, 15 Jun 0001 12:00:00 GMT")+
			`<item><guid>old-3</guid><title>Epoch</title><pubDate>Thu, 01 Jan 1970 00:00:00 GMT</pubDate></item>`))},
	{name: "dates-future", what: "items dated in year 9999", serve: fixed(200, "application/rss+xml", channel("future",
		item("fut-1", "Far future", "Fri, 31 Dec 9999 23:59:59 GMT")+item("fut-2", "Next year", "Sat, 01 Jan 2028 00:00:00 GMT")))},
	{name: "dates-odd", what: "dates in odd and broken formats", serve: fixed(200, "application/rss+xml", channel("odd",
		item("odd-1", "No weekday", "02 Nov 2026 10:00:00 +0300")+
			item("odd-2", "ISO in RSS", "2026-11-02T10:00:00Z")+
			item("odd-3", "Garbage date", "yesterday-ish")+
			item("odd-4", "Unix seconds", "1793527200")+
			item("odd-5", "Empty date", "")+
			item("odd-6", "Day 31 of February", "Tue, 31 Feb 2026 10:00:00 GMT")+
			item("odd-7", "Offset +25:00", "Mon, 02 Nov 2026 10:00:00 +2500")+
			item("odd-8", "Russian month", "2 ноября 2026 10:00")))},

	// Statuses.
	{name: "status-429", what: "429 with Retry-After: 120", serve: fixed(429, "text/plain", "slow down", "Retry-After", "120")},
	{name: "status-503-date", what: "503 with Retry-After as an HTTP date", serve: func(s *Set, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", time.Now().Add(time.Hour).UTC().Format(http.TimeFormat))
		w.WriteHeader(503)
	}},
	{name: "status-500", what: "500 Internal Server Error", serve: fixed(500, "text/plain", "boom")},
	{name: "status-404", what: "404 Not Found", serve: fixed(404, "text/html", "<h1>gone</h1>")},
	{name: "status-401", what: "401 asking for credentials", serve: fixed(401, "text/plain", "no", "WWW-Authenticate", `Basic realm="feeds"`)},

	// Transport.
	{name: "tls-bad-cert", what: "HTTPS with a certificate no client trusts", listen: listenTLS, serve: fixed(200, "application/rss+xml", rss("tls", 1))},
}

// billionLaughs nests ten entities ten deep: 10^9 "lol"s if expanded.
var billionLaughs = func() string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY lol "lol">`)
	prev := "lol"
	for i := 1; i <= 9; i++ {
		name := fmt.Sprintf("lol%d", i)
		b.WriteString(`<!ENTITY ` + name + ` "` + strings.Repeat("&"+prev+";", 10) + `">`)
		prev = name
	}
	b.WriteString(`]><rss version="2.0"><channel><title>laughs</title><item><guid>lol-1</guid><title>&lol9;</title></item></channel></rss>`)
	return b.String()
}()
