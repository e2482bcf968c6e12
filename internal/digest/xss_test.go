package digest_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/feedwatch/feedwatch/internal/digest"
	"github.com/feedwatch/feedwatch/internal/model"
	"github.com/feedwatch/feedwatch/internal/normalize"
	"github.com/feedwatch/feedwatch/internal/parse"
	"github.com/feedwatch/feedwatch/internal/render"
	"github.com/feedwatch/feedwatch/internal/store"
	"github.com/feedwatch/feedwatch/internal/topic"
)

// readVectors reads testdata/xss-vectors.txt: one Go-quoted string a line.
func readVectors(t *testing.T) []string {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "xss-vectors.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		v, err := strconv.Unquote(line)
		if err != nil {
			t.Fatalf("xss-vectors.txt:%d: %v", n, err)
		}
		out = append(out, v)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// xmlText escapes s for XML text and attributes; characters XML cannot
// carry (NUL, most controls) become U+FFFD, as a publisher's tool would do.
func xmlText(s string) string {
	var b bytes.Buffer
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

// vectorFeed is an RSS document carrying v in the channel title and in an
// item's title, link, summary (as HTML) and author.
func vectorFeed(i int, v string) []byte {
	e := xmlText(v)
	return []byte(fmt.Sprintf(`<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>%[2]s</title><link>http://feed%[1]d.example/</link>
<item><guid isPermaLink="false">vector-%[1]d</guid><title>%[2]s</title><link>%[2]s</link>
<description>%[2]s</description><author>%[2]s</author><pubDate>Mon, 02 Nov 2026 09:00:00 GMT</pubDate></item>
</channel></rss>`, i, e))
}

const xssTopics = `topics:
  - id: sec
    name: Security check
    digest: {schedule: "0 7 * * *", max_items: 100}
    rules: {any: [zzzz-never]}
`

// TestXSSCorpus takes every vector through parse → normalize → store →
// digest.Builder → render → mail.Build, once from a feed document and once
// handed to the store as is (what a parser bug would hand over), and checks
// the stored messages and the archive copy: no executable HTML, no injected
// header, a one-line subject.
func TestXSSCorpus(t *testing.T) {
	vectors := readVectors(t)
	if len(vectors) < 50 {
		t.Fatalf("%d vectors, want at least 50", len(vectors))
	}
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "feedwatch.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	topics, err := topic.Parse(strings.NewReader(xssTopics), "xss-topics.yaml")
	if err != nil {
		t.Fatal(err)
	}
	r, err := render.New(os.DirFS(filepath.Join("..", "..", "templates")))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	st.Now = func() time.Time { return now }
	b := digest.New(st, r, digest.Options{From: "feedwatch <digest@feedwatch.test>", BaseURL: "https://news.feedwatch.test",
		Secret: []byte("xss-test-secret"), Now: func() time.Time { return now }})
	// One subscriber's name is itself an injection attempt.
	for _, sub := range []model.Subscription{
		{Email: "reader@feedwatch.test", TopicID: "sec", Status: model.SubscriptionActive},
		{Email: "named@feedwatch.test", Name: "Named\r\nBcc: victim@example.com", TopicID: "sec", Status: model.SubscriptionActive},
	} {
		if _, err := st.Subscribe(ctx, sub); err != nil {
			t.Fatal(err)
		}
	}

	var baseline []string // header names of the first message, for every other
	for i, v := range append([]string{"A plain, harmless title"}, vectors...) {
		name := fmt.Sprintf("%02d", i)
		t.Run(name, func(t *testing.T) {
			now = now.Add(time.Hour)
			feedURL := fmt.Sprintf("http://feed%d.example/rss", i)
			doc, err := parse.Parse(vectorFeed(i, v), "application/rss+xml", feedURL)
			if err != nil {
				t.Fatalf("vector %q: feed did not parse: %v", v, err)
			}
			parsed := mustFeed(t, st, feedURL, normalize.Text(doc.Title))
			direct := mustFeed(t, st, fmt.Sprintf("http://direct%d.example/rss", i), v)
			items := normalize.Items(doc, feedURL, now)
			raw := []model.Item{{Key: "direct", GUID: v, Title: v, Link: v, CanonicalLink: v, Summary: v, SummaryText: v,
				Author: v, Published: now.Add(-time.Minute), FetchedAt: now}}
			for _, fi := range []struct {
				feed  model.Feed
				items []model.Item
			}{{parsed, items}, {direct, raw}} {
				m := make([][]model.Match, len(fi.items))
				for j := range m {
					m[j] = []model.Match{{TopicID: "sec", Score: 10, Terms: []string{"zzzz-never"}}}
				}
				if _, err := st.SaveFetch(ctx, fi.feed, fi.items, m); err != nil {
					t.Fatal(err)
				}
			}
			res, err := b.DispatchNow(ctx, topics, "")
			if err != nil {
				t.Fatalf("vector %q: dispatch: %v", v, err)
			}
			if res.Mails != 2 {
				t.Fatalf("vector %q: %d messages queued, want 2", v, res.Mails)
			}
			d, err := st.LastDigest(ctx, "sec")
			if err == nil {
				d, err = st.Digest(ctx, d.ID)
			}
			if err != nil {
				t.Fatal(err)
			}
			if i == 0 && (!strings.Contains(d.HTML, v) || !strings.Contains(d.Subject, v)) {
				t.Fatalf("the harmless item is missing from the digest: subject %q", d.Subject)
			}
			checkHTML(t, "archive copy", d.HTML)
			checkOneLine(t, "archive subject", d.Subject)

			due, err := st.DueDeliveries(ctx, now.Add(24*time.Hour), 1000)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, dl := range due {
				if dl.CreatedAt.Before(now) {
					continue // an earlier vector's
				}
				n++
				names := checkMessage(t, dl.Email, dl.Message)
				if baseline == nil {
					baseline = names
				} else if !slices.Equal(names, baseline) {
					t.Errorf("vector %q: message to %s has headers %q, want exactly %q", v, dl.Email, names, baseline)
				}
			}
			if n != 2 {
				t.Errorf("%d messages found in the outbox, want 2", n)
			}
			if t.Failed() {
				t.Logf("vector: %q", v)
			}
		})
	}
}

func mustFeed(t *testing.T, st *store.Store, url, title string) model.Feed {
	t.Helper()
	f, err := st.AddFeed(context.Background(), model.Feed{URL: url, Origin: "config", Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	f.Title = title
	return f
}

func checkOneLine(t *testing.T, what, s string) {
	t.Helper()
	if strings.ContainsAny(s, "\r\n\u2028\u2029") {
		t.Errorf("%s has a line break: %q", what, s)
	}
}

// checkMessage parses raw as the recipient's client would and returns its
// header names, sorted, one entry per occurrence.
func checkMessage(t *testing.T, to string, raw []byte) []string {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("message to %s does not parse: %v", to, err)
	}
	var names []string
	for k, vs := range msg.Header {
		for _, v := range vs {
			names = append(names, k)
			checkOneLine(t, "header "+k, v)
		}
	}
	slices.Sort(names)
	for _, bad := range []string{"Bcc", "Cc", "X-Injected", "Reply-To"} {
		if _, ok := msg.Header[bad]; ok {
			t.Errorf("message to %s has an injected %s header: %q", to, bad, msg.Header[bad])
		}
	}
	if n := len(msg.Header["Subject"]); n != 1 {
		t.Errorf("%d Subject headers", n)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		t.Errorf("subject %q does not decode: %v", msg.Header.Get("Subject"), err)
	}
	checkOneLine(t, "decoded subject", subject)
	rcpts, err := msg.Header.AddressList("To")
	if err != nil || len(rcpts) != 1 || rcpts[0].Address != to {
		t.Errorf("To: %v (%v), want only %s", rcpts, err, to)
	}

	mediaType, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mediaType != "multipart/alternative" {
		t.Fatalf("Content-Type %q: %v", msg.Header.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	var sawHTML bool
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("multipart: %v", err)
		}
		var body io.Reader = p
		if strings.EqualFold(p.Header.Get("Content-Transfer-Encoding"), "base64") {
			body = base64.NewDecoder(base64.StdEncoding, p)
		}
		data, err := io.ReadAll(body)
		if err != nil {
			t.Fatalf("part: %v", err)
		}
		if ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type")); ct == "text/html" {
			sawHTML = true
			checkHTML(t, "HTML part to "+to, string(data))
		}
	}
	if !sawHTML {
		t.Errorf("message to %s has no HTML part", to)
	}
	return names
}

// urlAttrs are the attributes a browser or mail client may follow or load.
var urlAttrs = map[string]bool{"href": true, "src": true, "action": true, "formaction": true, "background": true,
	"data": true, "poster": true, "srcdoc": true, "lowsrc": true, "dynsrc": true, "xlink:href": true, "codebase": true, "cite": true}

// badElements are never in a digest: the templates use none of them and
// the summary policy allows none.
var badElements = map[string]bool{"script": true, "iframe": true, "frame": true, "object": true, "embed": true, "applet": true,
	"form": true, "input": true, "button": true, "base": true, "svg": true, "math": true, "img": true, "video": true,
	"audio": true, "source": true, "link": true, "noscript": true, "template": true}

// checkHTML reports every problem htmlProblems finds in doc.
func checkHTML(t *testing.T, what, doc string) {
	t.Helper()
	for _, p := range htmlProblems(doc) {
		t.Errorf("%s: %s", what, p)
	}
}

// htmlProblems parses doc as a browser would and lists anything that can
// run: script-like elements, event handlers, script URLs and CSS tricks.
func htmlProblems(doc string) []string {
	var out []string
	if strings.Contains(strings.ToLower(doc), "<script") {
		out = append(out, "contains <script")
	}
	root, err := html.Parse(strings.NewReader(doc))
	if err != nil {
		return append(out, fmt.Sprintf("does not parse: %v", err))
	}
	for n := range root.Descendants() {
		if n.Type != html.ElementNode {
			continue
		}
		if badElements[n.Data] {
			out = append(out, fmt.Sprintf("has a <%s> element", n.Data))
		}
		if n.Data == "meta" && attr(n, "http-equiv") != "" {
			out = append(out, fmt.Sprintf("has <meta http-equiv=%q>", attr(n, "http-equiv")))
		}
		if n.Data == "style" && n.FirstChild != nil && dangerousCSS(n.FirstChild.Data) {
			out = append(out, fmt.Sprintf("has dangerous CSS in <style>: %.200q", n.FirstChild.Data))
		}
		for _, a := range n.Attr {
			key := strings.ToLower(a.Key)
			if a.Namespace != "" {
				key = a.Namespace + ":" + key
			}
			switch {
			case strings.HasPrefix(key, "on"):
				out = append(out, fmt.Sprintf("<%s %s=%q>: event handler", n.Data, key, a.Val))
			case urlAttrs[key] && scriptURL(a.Val):
				out = append(out, fmt.Sprintf("<%s %s=%q>: script URL", n.Data, key, a.Val))
			case key == "style" && dangerousCSS(a.Val):
				out = append(out, fmt.Sprintf("<%s style=%q>: dangerous CSS", n.Data, a.Val))
			}
		}
	}
	return out
}

// TestHTMLProblemsCatchesVectors proves the checker itself: every vector
// that is executable when pasted raw into HTML must be reported.
func TestHTMLProblemsCatchesVectors(t *testing.T) {
	for _, v := range []string{
		`<script>alert(1)</script>`, `<img src=x onerror=alert(1)>`, `<a href="java&#x09;script:alert(1)">x</a>`,
		`<a href=" JAVASCRIPT:alert(1)">x</a>`, `<a href="data:text/html,x">x</a>`, `<div style="width: expression(alert(1))">`,
		`<svg onload=alert(1)>`, `<details open ontoggle=alert(1)>`, `<meta http-equiv="refresh" content="0;url=javascript:alert(1)">`,
		`<form action="javascript:alert(1)"></form>`, `<style>@import 'http://x/'</style>`,
	} {
		if len(htmlProblems("<p>"+v+"</p>")) == 0 {
			t.Errorf("checker misses %q", v)
		}
	}
	if p := htmlProblems(`<p><a href="https://ok.example/" rel="nofollow">fine</a> &lt;script&gt;</p>`); len(p) != 0 {
		t.Errorf("checker flags safe HTML: %q", p)
	}
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// scriptURL reports whether v, as a browser reads it (entities already
// decoded by the parser, whitespace and controls ignored), has a scheme that
// runs code or embeds a document.
func scriptURL(v string) bool {
	v = strings.Map(func(r rune) rune {
		if r <= ' ' || r == 0x7f {
			return -1
		}
		return r
	}, strings.ToLower(v))
	return strings.HasPrefix(v, "javascript:") || strings.HasPrefix(v, "vbscript:") || strings.HasPrefix(v, "data:")
}

func dangerousCSS(css string) bool {
	c := strings.ToLower(strings.Join(strings.Fields(css), ""))
	return strings.Contains(c, "expression(") || strings.Contains(c, "javascript:") || strings.Contains(c, "vbscript:") ||
		strings.Contains(c, "@import") || strings.Contains(c, "behavior:") || strings.Contains(c, "-moz-binding")
}
