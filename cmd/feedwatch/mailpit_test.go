package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/lifecycle"
	"github.com/feedwatch/feedwatch/internal/mail"
	"github.com/feedwatch/feedwatch/internal/store"
)

// TestMailpit runs poll and digest in-process against a real Mailpit, a
// mail catcher with its own SMTP server and MIME parser, and reads back
// through its HTTP API what a subscriber's mail client would see. It runs
// only when the mailpit binary is on PATH or $MAILPIT names it; .ci/run
// installs it with go install github.com/axllent/mailpit@v1.27.11.
func TestMailpit(t *testing.T) {
	mp := startMailpit(t, mailpitBinary(t))
	feed := mailpitFeed(t)
	dir := t.TempDir()
	topics := mailpitTopics(t, dir)
	cfg := filepath.Join(dir, "feedwatch.yaml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(`data_dir: %s
topics_file: %s
log: {level: warn, format: text}
feeds:
  - url: %s/world.rss
    title: World desk
  - url: %[3]s/north.atom
    title: North desk
mail:
  from: "feedwatch test <digest@feedwatch.test>"
  smtp: {host: %s, port: %d, tls: none, timeout: 10s}
web: {listen: "", base_url: "https://news.feedwatch.test"}
`, dir, topics, feed.URL, mp.smtpHost, mp.smtpPort)), 0o600); err != nil {
		t.Fatal(err)
	}

	subscriptions := map[string][]string{
		"alice@example.net": {"us-russia", "arctic"},
		"bob@example.net":   {"us-russia"},
		"carol@example.net": {"arctic"},
	}
	for email, ts := range subscriptions {
		for _, topic := range ts {
			if code, out, errOut := runCLI(t, nil, "subscribers", "add", email, "--topic", topic, "--config", cfg); code != 0 {
				t.Fatalf("subscribers add %s %s: exit %d\n%s\n%s", email, topic, code, out, errOut)
			}
		}
	}
	// All eight items are stored; two match each topic.
	if code, out, errOut := runCLI(t, nil, "poll", "--config", cfg); code != 0 || !strings.Contains(out, "items 8 new, 0 seen; 4 matches") {
		t.Fatalf("poll: exit %d, want 8 new items and 4 matches\n%s\n%s", code, out, errOut)
	}
	code, out, errOut := runCLI(t, nil, "digest", "--now", "--config", cfg)
	if code != 0 || !strings.Contains(out, "outbox: 3 sent, 0 to retry, 0 failed") {
		t.Fatalf("digest: exit %d, want 3 sent\n%s\n%s", code, out, errOut)
	}
	t.Logf("digest:\n%s", out)

	// The Message-IDs the outbox recorded, to find each message in Mailpit.
	st, err := store.Open(context.Background(), filepath.Join(dir, "feedwatch.db"))
	if err != nil {
		t.Fatal(err)
	}
	recorded := map[string]bool{}
	ds, err := st.Deliveries(context.Background(), "sent", 100)
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		recorded[d.MessageID] = true
	}

	// What each topic's digest must hold, and must not.
	relevant := map[string][]string{
		"us-russia": {"US and Russia open arms control talks in Geneva", "Kremlin says Putin and Trump will speak by phone"},
		"arctic":    {"Arctic Council resumes work on sea ice monitoring", "Icebreakers open the Northern Sea Route shipping season"},
	}
	irrelevant := []string{"Bavaria", "Arctic Monkeys", "Moscow, Idaho", "bike lanes", "ice cream"}

	// Alice's two subscriptions are due together: one mail with a section
	// for each.
	list := mp.messages(t)
	if len(list) != 3 {
		t.Fatalf("Mailpit holds %d messages, want 3 (alice 1 of both topics, bob 1, carol 1)", len(list))
	}
	got := map[string]int{} // "email topic" -> messages
	for _, sum := range list {
		m := mp.message(t, sum.ID)
		h := mp.headers(t, sum.ID)
		if len(m.To) != 1 {
			t.Errorf("message %s has %d recipients, want 1", sum.ID, len(m.To))
			continue
		}
		to := m.To[0].Address
		topic := headerValue(h["X-Feedwatch-Topic"])
		topics := strings.Split(topic, ",")
		for _, id := range topics {
			got[to+" "+id]++
		}
		t.Run(to+"/"+topic, func(t *testing.T) {
			if !recorded[m.MessageID] {
				t.Errorf("Message-ID %q is not one the outbox recorded", m.MessageID)
			}
			if headerValue(h["Date"]) == "" {
				t.Error("no Date header")
			}
			listID := topic
			if len(topics) > 1 {
				listID = "digest"
			}
			if want := "<" + listID + ".news.feedwatch.test>"; !strings.HasSuffix(headerValue(h["List-Id"]), want) {
				t.Errorf("List-Id = %q, want it to end in %s", headerValue(h["List-Id"]), want)
			}
			// mail.Build writes a mailto alternative only when it is given
			// an address, and the digest builder gives none: https only.
			lu := m.ListUnsubscribe
			if !strings.HasPrefix(lu.Header, "<https://news.feedwatch.test/unsubscribe?token=") || lu.Errors != "" {
				t.Errorf("List-Unsubscribe = %q (Mailpit's verdict: %q)", lu.Header, lu.Errors)
			}
			if lu.HeaderPost != "List-Unsubscribe=One-Click" {
				t.Errorf("List-Unsubscribe-Post = %q, want List-Unsubscribe=One-Click", lu.HeaderPost)
			}
			if ct := headerValue(h["Content-Type"]); !strings.HasPrefix(ct, "multipart/alternative") {
				t.Errorf("Content-Type = %q, want multipart/alternative", ct)
			}
			if strings.TrimSpace(m.Text) == "" || strings.TrimSpace(m.HTML) == "" {
				t.Fatalf("text part %d bytes, HTML part %d bytes: want both", len(m.Text), len(m.HTML))
			}
			if len(m.Attachments) != 0 || len(m.Inline) != 0 {
				t.Errorf("%d attachments and %d inline parts, want none", len(m.Attachments), len(m.Inline))
			}
			for _, id := range topics {
				for _, want := range relevant[id] {
					if !strings.Contains(m.Text, want) || !strings.Contains(m.HTML, want) {
						t.Errorf("text or HTML part lacks %q", want)
					}
				}
			}
			for other, items := range relevant {
				if slices.Contains(topics, other) {
					continue
				}
				for _, item := range items {
					if strings.Contains(m.Text, item) || strings.Contains(m.HTML, item) {
						t.Errorf("%s digest holds %s item %q", topic, other, item)
					}
				}
			}
			for _, unwanted := range irrelevant {
				if strings.Contains(m.Text, unwanted) || strings.Contains(m.HTML, unwanted) {
					t.Errorf("digest holds irrelevant item %q", unwanted)
				}
			}
		})
	}
	for email, ts := range subscriptions {
		for _, topic := range ts {
			if n := got[email+" "+topic]; n != 1 {
				t.Errorf("%s received %d %s digests, want 1", email, n, topic)
			}
		}
	}
	if len(got) != 4 {
		t.Errorf("sections by recipient and topic: %v", got)
	}

	// A second run has nothing new and must send nothing.
	if code, out, _ := runCLI(t, nil, "digest", "--now", "--config", cfg); code != 0 || !strings.Contains(out, "outbox: 0 sent") {
		t.Errorf("second digest: exit %d\n%s", code, out)
	}
	if n := len(mp.messages(t)); n != 3 {
		t.Errorf("after a second digest run Mailpit holds %d messages, want 3", n)
	}
}

// mailpitFeed serves an RSS and an Atom feed with items for both test
// topics and items for neither.
func mailpitFeed(t *testing.T) *httptest.Server {
	t.Helper()
	now := time.Now().UTC()
	rss := fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>World desk</title><link>https://world.example/</link><description>test</description>
<item><title>US and Russia open arms control talks in Geneva</title><link>https://world.example/us-russia-arms-talks</link><guid>w1</guid>
<pubDate>%[1]s</pubDate><description>Delegations from Washington and Moscow began two days of strategic stability consultations.</description></item>
<item><title>Kremlin says Putin and Trump will speak by phone on Friday</title><link>https://world.example/putin-trump-call</link><guid>w2</guid>
<pubDate>%[1]s</pubDate><description>The White House confirmed the call between the two presidents.</description></item>
<item><title>Heavy snow closes schools across Bavaria</title><link>https://world.example/bavaria-snow</link><guid>w3</guid>
<pubDate>%[1]s</pubDate><description>Schools in Munich and Nuremberg stayed shut.</description></item>
<item><title>Moscow, Idaho council approves bike lanes</title><link>https://world.example/idaho-bikes</link><guid>w4</guid>
<pubDate>%[1]s</pubDate><description>The city council in Moscow, Idaho voted for new bike lanes downtown.</description></item>
</channel></rss>`, now.Format(time.RFC1123Z))
	atom := fmt.Sprintf(`<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>North desk</title><id>urn:north</id><updated>%[1]s</updated>
<entry><title>Arctic Council resumes work on sea ice monitoring</title><id>urn:n1</id><link href="https://north.example/arctic-council"/>
<updated>%[1]s</updated><summary>Member states agreed to restart joint sea ice observation programmes.</summary></entry>
<entry><title>Icebreakers open the Northern Sea Route shipping season</title><id>urn:n2</id><link href="https://north.example/nsr-season"/>
<updated>%[1]s</updated><summary>The first convoy of the season left Murmansk on Monday.</summary></entry>
<entry><title>Arctic Monkeys announce a world tour</title><id>urn:n3</id><link href="https://north.example/band-tour"/>
<updated>%[1]s</updated><summary>The band will play shipping towns across the north.</summary></entry>
<entry><title>Town opens a new ice cream parlour</title><id>urn:n4</id><link href="https://north.example/ice-cream"/>
<updated>%[1]s</updated><summary>Queues formed on the first warm day.</summary></entry>
</feed>`, now.Format(time.RFC3339))
	mux := http.NewServeMux()
	mux.HandleFunc("/world.rss", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		io.WriteString(w, rss)
	})
	mux.HandleFunc("/north.atom", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/atom+xml")
		io.WriteString(w, atom)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// mailpitTopics writes the shipped topics file, whose only topic is
// us-russia, with a second topic appended to its list.
func mailpitTopics(t *testing.T, dir string) string {
	t.Helper()
	shipped, err := os.ReadFile(filepath.Join("..", "..", "config", "topics.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	arctic := `
  - id: arctic
    name: Arctic affairs
    description: Sea ice, shipping routes and the Arctic Council.
    rules:
      fields:
        title: 3
        summary: 2
        content: 1
      min_score: 3
      any:
        - Arctic Council
        - Northern Sea Route
      all:
        place:
          - Arctic
          - Svalbard
          - Greenland
        matter:
          - sea ice
          - shipping
          - icebreaker*
      not:
        - Arctic Monkeys
`
	path := filepath.Join(dir, "topics.yaml")
	if err := os.WriteFile(path, append(bytes.TrimRight(shipped, "\n"), arctic...), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// mailpit is a running Mailpit process.
type mailpit struct {
	smtpHost string
	smtpPort int
	api      string // http://127.0.0.1:PORT
}

func startMailpit(t *testing.T, bin string) *mailpit {
	t.Helper()
	smtpPort, httpPort := freePort(t), freePort(t)
	mp := &mailpit{smtpHost: "127.0.0.1", smtpPort: smtpPort, api: fmt.Sprintf("http://127.0.0.1:%d", httpPort)}
	var out outputBuffer
	cmd := exec.Command(bin,
		"--smtp", fmt.Sprintf("127.0.0.1:%d", smtpPort),
		"--listen", fmt.Sprintf("127.0.0.1:%d", httpPort),
		"--database", filepath.Join(t.TempDir(), "mailpit.db"),
		"--disable-version-check", "--smtp-disable-rdns", "--quiet")
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start mailpit: %v", err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(mp.api + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				if c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", smtpPort), time.Second); err == nil {
					c.Close()
					return mp
				}
			}
		}
		select {
		case <-exited:
			t.Fatalf("mailpit exited at start:\n%s", out.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("mailpit not ready after 20s:\n%s", out.String())
		}
	}
}

// freePort returns a loopback port that was free a moment ago. Mailpit
// takes its ports as flags, so there is a short race with other listeners;
// on loopback in a test that is acceptable.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

type mailpitAddress struct{ Name, Address string }

type mailpitSummary struct {
	ID, MessageID string
	To            []mailpitAddress
}

type mailpitMessage struct {
	ID, MessageID   string
	To              []mailpitAddress
	Subject         string
	Text, HTML      string
	ListUnsubscribe struct{ Header, Errors, HeaderPost string }
	Attachments     []json.RawMessage
	Inline          []json.RawMessage
}

func (mp *mailpit) get(t *testing.T, path string, v any) {
	t.Helper()
	resp, err := http.Get(mp.api + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET %s: %s\n%s", path, resp.Status, body)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
}

func (mp *mailpit) messages(t *testing.T) []mailpitSummary {
	t.Helper()
	var page struct {
		Total    int
		Messages []mailpitSummary
	}
	mp.get(t, "/api/v1/messages?limit=100", &page)
	if page.Total != len(page.Messages) {
		t.Fatalf("Mailpit lists %d of %d messages", len(page.Messages), page.Total)
	}
	return page.Messages
}

func (mp *mailpit) message(t *testing.T, id string) mailpitMessage {
	t.Helper()
	var m mailpitMessage
	mp.get(t, "/api/v1/message/"+id, &m)
	return m
}

func (mp *mailpit) headers(t *testing.T, id string) map[string][]string {
	t.Helper()
	h := map[string][]string{}
	mp.get(t, "/api/v1/message/"+id+"/headers", &h)
	return h
}

func headerValue(vs []string) string {
	if len(vs) == 0 {
		return ""
	}
	return vs[0]
}

// mailpitBinary returns the mailpit binary, or skips the test.
func mailpitBinary(t *testing.T) string {
	t.Helper()
	if bin := os.Getenv("MAILPIT"); bin != "" {
		return bin
	}
	bin, err := exec.LookPath("mailpit")
	if err != nil {
		t.Skip("mailpit not found: put it on PATH or set MAILPIT=/path/to/mailpit " +
			"(go install github.com/axllent/mailpit@v1.27.11)")
	}
	return bin
}

// all lists every message Mailpit holds, a page at a time.
func (mp *mailpit) all(t *testing.T) []mailpitSummary {
	t.Helper()
	var out []mailpitSummary
	for {
		var page struct {
			Total    int
			Messages []mailpitSummary
		}
		mp.get(t, fmt.Sprintf("/api/v1/messages?limit=200&start=%d", len(out)), &page)
		out = append(out, page.Messages...)
		if len(page.Messages) == 0 || len(out) >= page.Total {
			return out
		}
	}
}

// raw returns a message as Mailpit received it.
func (mp *mailpit) raw(t *testing.T, id string) []byte {
	t.Helper()
	resp, err := http.Get(mp.api + "/api/v1/message/" + id + "/raw")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("raw %s: %s, %v", id, resp.Status, err)
	}
	return b
}

// TestMailpitFortnight runs the simulated fortnight of internal/lifecycle
// (subscribers in three zones on instant, daily and weekly schedules, a
// clock change, a change of frequency, a pause) end to end against Mailpit,
// and checks what each subscriber's mailbox holds.
func TestMailpitFortnight(t *testing.T) {
	if testing.Short() {
		t.Skip("a fortnight of dispatches")
	}
	mp := startMailpit(t, mailpitBinary(t))
	sender := mail.NewSMTP(mail.SMTPOptions{Host: mp.smtpHost, Port: mp.smtpPort, TLS: mail.TLSNone})
	defer sender.Close()
	lifecycle.Run(t, lifecycle.Options{
		Sender:    sender,
		Templates: filepath.Join("..", "..", "templates"),
		Received: func() ([]lifecycle.Received, error) {
			var out []lifecycle.Received
			for _, m := range mp.all(t) {
				for _, to := range m.To {
					out = append(out, lifecycle.Received{To: to.Address, Raw: mp.raw(t, m.ID)})
				}
			}
			return out, nil
		},
	})
}
