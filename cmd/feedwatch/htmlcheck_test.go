package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// The share of Mailpit's HTML checks (caniemail.com's data over the mail
// clients it knows) that every mail feedwatch sends must reach: at least
// 95% supported and at most 1% unsupported (docs/mail.md, "How the mails
// render").
const (
	minSupported   = 95.0
	maxUnsupported = 1.0
)

// TestMailpitHTMLCheck sends every kind of mail feedwatch sends — a
// digest with a story reported in two languages, one mail for two
// topics, an instant alert, the confirmation of a sign-up and the mail
// with a link to the preferences page — through Mailpit, and asks
// Mailpit's HTML check how much of each one's HTML and CSS the mail
// clients support.
func TestMailpitHTMLCheck(t *testing.T) {
	mp := startMailpit(t, mailpitBinary(t))
	feed := htmlCheckFeed(t)
	dir := t.TempDir()
	topics := mailpitTopics(t, dir)
	listen := freeAddr(t)
	base := "http://" + listen
	cfg := filepath.Join(dir, "feedwatch.yaml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(`data_dir: %s
topics_file: %s
log: {level: info, format: text}
poll: {schedule: "@every 1h"}
feeds:
  - url: %s/desk.rss
    title: Desk
mail:
  from: "feedwatch test <digest@feedwatch.test>"
  smtp: {host: %s, port: %d, tls: none, timeout: 10s}
web: {listen: "%s", base_url: "%s"}
`, dir, topics, feed.URL, mp.smtpHost, mp.smtpPort, listen, base)), 0o600); err != nil {
		t.Fatal(err)
	}

	// Digests, a combined mail and an alert, from the command line.
	for _, add := range [][]string{
		{"digest@example.net", "--topic", "us-russia"},
		{"both@example.net", "--topic", "us-russia"},
		{"both@example.net", "--topic", "arctic"},
		{"alert@example.net", "--topic", "us-russia", "--frequency", "instant"},
	} {
		if code, out, errOut := runCLI(t, nil, append([]string{"subscribers", "add"}, append(add, "--config", cfg)...)...); code != 0 {
			t.Fatalf("subscribers add %v: exit %d\n%s\n%s", add, code, out, errOut)
		}
	}
	if code, out, errOut := runCLI(t, nil, "poll", "--config", cfg); code != 0 {
		t.Fatalf("poll: exit %d\n%s\n%s", code, out, errOut)
	}
	if code, out, errOut := runCLI(t, nil, "digest", "--now", "--config", cfg); code != 0 || !strings.Contains(out, "outbox: 3 sent") {
		t.Fatalf("digest --now: exit %d, want 3 sent\n%s\n%s", code, out, errOut)
	}

	// The confirmation and the manage link, from the daemon's web pages.
	runDaemon(t, "feedwatch", cfg, nil)
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: 20 * time.Second}
	postForm(t, client, base, "/", "/subscribe", url.Values{"email": {"new@example.net"}, "topic": {"us-russia"}}, nil, nil)
	postForm(t, client, base, "/", "/manage-link", url.Values{"email": {"digest@example.net"}}, nil, nil)

	var msgs []mailpitSummary
	waitFor(t, 20*time.Second, "five messages in Mailpit", func() bool {
		msgs = mp.messages(t)
		return len(msgs) >= 5
	})
	kinds := map[string]string{} // kind -> message ID
	for _, m := range msgs {
		h := mp.headers(t, m.ID)
		to := m.To[0].Address
		topic := headerValue(h["X-Feedwatch-Topic"])
		var kind string
		switch {
		case to == "digest@example.net" && topic == "us-russia":
			kind = "digest"
		case to == "both@example.net":
			kind = "combined mail"
		case to == "alert@example.net":
			kind = "alert"
		case to == "new@example.net":
			kind = "confirmation"
		case to == "digest@example.net":
			kind = "manage link"
		default:
			t.Fatalf("unexpected message to %s (topic %q)", to, topic)
		}
		kinds[kind] = m.ID
	}
	if len(kinds) != 5 {
		t.Fatalf("kinds of mail received: %v, want 5", kinds)
	}
	// The digest must show what the templates can show, so that the
	// check covers it: a story reported twice, in two languages.
	if html := mp.message(t, kinds["digest"]).HTML; !strings.Contains(html, "Also reported by") || !strings.Contains(html, "riyadh-ru") {
		t.Errorf("the digest shows no story reported twice in two languages:\n%s", html)
	}

	names := make([]string, 0, len(kinds))
	for k := range kinds {
		names = append(names, k)
	}
	sort.Strings(names)
	var table strings.Builder
	table.WriteString("| mail | supported | partial | unsupported | tests |\n|---|---|---|---|---|\n")
	for _, kind := range names {
		var check struct {
			Total struct {
				Supported, Partial, Unsupported float64
				Tests                           int
			}
			Warnings []struct {
				Title string
				Score struct {
					Supported, Partial, Unsupported float64
				}
			}
		}
		mp.get(t, "/api/v1/message/"+kinds[kind]+"/html-check", &check)
		c := check.Total
		fmt.Fprintf(&table, "| %s | %.2f%% | %.2f%% | %.2f%% | %d |\n", kind, c.Supported, c.Partial, c.Unsupported, c.Tests)
		if c.Tests == 0 {
			t.Errorf("%s: Mailpit ran no HTML checks", kind)
		}
		if c.Supported < minSupported || c.Unsupported > maxUnsupported {
			var warnings []string
			for _, w := range check.Warnings {
				warnings = append(warnings, fmt.Sprintf("%s (%.0f%% supported, %.0f%% unsupported)", w.Title, w.Score.Supported, w.Score.Partial))
			}
			t.Errorf("%s: %.2f%% supported, %.2f%% unsupported; want at least %.0f%% and at most %.0f%%; Mailpit warns of: %s",
				kind, c.Supported, c.Unsupported, minSupported, maxUnsupported, strings.Join(warnings, "; "))
		}
	}
	t.Logf("Mailpit's HTML check:\n%s", table.String())
}

// htmlCheckFeed serves a desk whose news makes every part of a digest:
// one event told in English and in Russian, and other events for both
// test topics.
func htmlCheckFeed(t *testing.T) *httptest.Server {
	t.Helper()
	now := time.Now().UTC()
	at := func(h int) string { return now.Add(-time.Duration(h) * time.Hour).Format(time.RFC1123Z) }
	doc := fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Desk</title><link>https://desk.example/</link><description>test</description>
<item><title>Lavrov and Rubio meet in Riyadh for talks on embassies</title><link>https://desk.example/riyadh-en</link><guid>d1</guid>
<pubDate>%s</pubDate><description>&lt;p&gt;The US and Russian foreign ministers spent four hours on visas and embassy staff in the Saudi capital.&lt;/p&gt;</description></item>
<item><title>Лавров и Рубио провели переговоры в Эр-Рияде</title><link>https://desk.example/riyadh-ru</link><guid>d2</guid>
<pubDate>%s</pubDate><description>Министры иностранных дел России и США четыре часа обсуждали визы и работу посольств.</description></item>
<item><title>US Treasury sanctions Russian oil tankers</title><link>https://desk.example/tankers</link><guid>d3</guid>
<pubDate>%s</pubDate><description>Twelve vessels of the shadow fleet were added to the list, the Treasury said.</description></item>
<item><title>Arctic Council resumes work on sea ice monitoring</title><link>https://desk.example/arctic-council</link><guid>d4</guid>
<pubDate>%s</pubDate><description>Scientists from all eight member states will share sea ice data again.</description></item>
</channel></rss>`, at(3), at(2), at(5), at(4))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		io.WriteString(w, doc)
	}))
	t.Cleanup(srv.Close)
	return srv
}
