package mail

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestBuildParses(t *testing.T) {
	date := time.Date(2025, 3, 10, 7, 0, 0, 0, time.FixedZone("CET", 3600))
	raw, id, err := Build(Message{
		From: "feedwatch <digest@example.org>", To: "reader@example.net", ToName: "Читатель",
		Subject: "US–Russia relations: 3 new items\r\nBcc: victim@example.com",
		Text:    "Plain body, кириллица.\n", HTML: "<p>HTML body, кириллица.</p>",
		Date:           date,
		ListID:         "US–Russia relations <us-russia.feedwatch.example.org>",
		UnsubscribeURL: "https://feedwatch.example.org/unsubscribe?t=tok", UnsubscribeMailto: "unsubscribe@example.org",
		Headers: map[string]string{"X-Feedwatch-Digest": "42\r\nX-Evil: 1"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(id, "@example.org") || strings.ContainsAny(id, "<>") {
		t.Errorf("message id %q", id)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	h := msg.Header
	dec := new(mime.WordDecoder)
	decode := func(k string) string {
		s, err := dec.DecodeHeader(h.Get(k))
		if err != nil {
			t.Fatalf("decode %s: %v", k, err)
		}
		return s
	}
	if from, err := h.AddressList("From"); err != nil || from[0].Address != "digest@example.org" || from[0].Name != "feedwatch" {
		t.Errorf("From = %v, %v", from, err)
	}
	if to, err := h.AddressList("To"); err != nil || to[0].Address != "reader@example.net" || to[0].Name != "Читатель" {
		t.Errorf("To = %v, %v", to, err)
	}
	if got := decode("Subject"); got != "US–Russia relations: 3 new items Bcc: victim@example.com" {
		t.Errorf("Subject = %q", got)
	}
	if h.Get("Bcc") != "" || h.Get("X-Evil") != "" {
		t.Error("CR/LF in a value injected a header")
	}
	if got := h.Get("Message-Id"); got != "<"+id+">" {
		t.Errorf("Message-ID = %q, want <%s>", got, id)
	}
	if d, err := h.Date(); err != nil || !d.Equal(date) {
		t.Errorf("Date = %v, %v", d, err)
	}
	if got := decode("List-Id"); got != "US–Russia relations <us-russia.feedwatch.example.org>" {
		t.Errorf("List-Id = %q", got)
	}
	if !strings.HasSuffix(h.Get("List-Id"), " <us-russia.feedwatch.example.org>") {
		t.Errorf("List-Id id part not outside the encoded word: %q", h.Get("List-Id"))
	}
	if got := h.Get("List-Unsubscribe"); got != "<https://feedwatch.example.org/unsubscribe?t=tok>, <mailto:unsubscribe@example.org?subject=unsubscribe>" {
		t.Errorf("List-Unsubscribe = %q", got)
	}
	if got := h.Get("List-Unsubscribe-Post"); got != "List-Unsubscribe=One-Click" {
		t.Errorf("List-Unsubscribe-Post = %q", got)
	}
	if got := h.Get("X-Feedwatch-Digest"); got != "42 X-Evil: 1" {
		t.Errorf("X-Feedwatch-Digest = %q", got)
	}
	if h.Get("Mime-Version") != "1.0" {
		t.Errorf("MIME-Version = %q", h.Get("Mime-Version"))
	}

	mt, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type = %q, %v", h.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	var types, bodies []string
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		pt, pp, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		if strings.ToLower(pp["charset"]) != "utf-8" {
			t.Errorf("%s charset %q", pt, pp["charset"])
		}
		var r io.Reader = p // multipart decodes quoted-printable itself
		if cte := p.Header.Get("Content-Transfer-Encoding"); cte == "base64" {
			r = base64.NewDecoder(base64.StdEncoding, p)
		}
		b, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		types = append(types, pt)
		bodies = append(bodies, string(b))
	}
	if len(types) != 2 || types[0] != "text/plain" || types[1] != "text/html" {
		t.Fatalf("parts = %v, want text/plain then text/html", types)
	}
	if !strings.Contains(bodies[0], "Plain body, кириллица.") || !strings.Contains(bodies[1], "<p>HTML body, кириллица.</p>") {
		t.Errorf("bodies = %q", bodies)
	}
	for _, line := range bytes.Split(raw, []byte("\r\n")) {
		if len(line) > 998 {
			t.Errorf("line longer than 998 octets: %.60q…", line)
		}
		if bytes.ContainsAny(line, "\r\n") {
			t.Error("bare CR or LF in message")
		}
	}
}

func TestBuildMessageIDAndNoOneClickWithoutHTTPS(t *testing.T) {
	raw, id, err := Build(Message{
		From: "digest@example.org", To: "reader@example.net", Subject: "s", Text: "t",
		MessageID: "<fixed.1@example.org>", UnsubscribeMailto: "mailto:u@example.org",
	})
	if err != nil {
		t.Fatal(err)
	}
	if id != "fixed.1@example.org" {
		t.Errorf("id = %q", id)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if msg.Header.Get("List-Unsubscribe-Post") != "" {
		t.Error("one-click header without an https URL")
	}
	if got := msg.Header.Get("List-Unsubscribe"); got != "<mailto:u@example.org?subject=unsubscribe>" {
		t.Errorf("List-Unsubscribe = %q", got)
	}

	_, id2, err := Build(Message{From: "digest@example.org", To: "reader@example.net", Subject: "s", Text: "t"})
	if err != nil {
		t.Fatal(err)
	}
	_, id3, _ := Build(Message{From: "digest@example.org", To: "reader@example.net", Subject: "s", Text: "t"})
	if id2 == id3 || !strings.HasSuffix(id2, "@example.org") {
		t.Errorf("generated ids %q %q", id2, id3)
	}
}

func TestBuildRejects(t *testing.T) {
	for name, m := range map[string]Message{
		"bad from":    {From: "not an address", To: "r@example.net", Text: "t"},
		"bad to":      {From: "d@example.org", To: "", Text: "t"},
		"no body":     {From: "d@example.org", To: "r@example.net"},
		"bad header":  {From: "d@example.org", To: "r@example.net", Text: "t", Headers: map[string]string{"X Bad": "1"}},
		"bad list id": {From: "d@example.org", To: "r@example.net", Text: "t", ListID: "a b"},
	} {
		if _, _, err := Build(m); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestDirSender(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "outbox")
	d := NewDir(dir)
	d.now = func() time.Time { return time.Date(2025, 3, 10, 6, 0, 0, 0, time.UTC) }
	raw, id := testMessage(t, "to a file")
	if err := d.Send(context.Background(), "b@example.org", []string{"r@example.net"}, raw); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Fatalf("%d files, want 1 (no temp files left)", len(entries))
	}
	want := "20250310T060000.000000000Z-" + id + ".eml"
	if entries[0].Name() != want {
		t.Errorf("file %q, want %q", entries[0].Name(), want)
	}
	b, err := os.ReadFile(filepath.Join(dir, entries[0].Name()))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, raw) {
		t.Error("file content differs from message")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := d.Send(ctx, "b@example.org", []string{"r@example.net"}, raw); err == nil {
		t.Error("cancelled context accepted")
	}
}

// TestPartEncoding: a body mostly in another alphabet goes as base64,
// which is about half the size of quoted-printable there; an English one
// stays quoted-printable.
func TestPartEncoding(t *testing.T) {
	for _, tc := range []struct {
		body, want string
	}{
		{"Talks resume in Geneva, officials said on Tuesday.", "quoted-printable"},
		{"Talks resume in Geneva, officials said on Tuesday after a long and difficult week; the Russian side called them «переговоры».", "quoted-printable"},
		{"Переговоры в Женеве продолжаются, заявили во вторник.", "base64"},
		{strings.Repeat("<td class=\"item\">", 20) + "Лавров", "quoted-printable"},
	} {
		raw, _, err := Build(Message{From: "a@example.org", To: "b@example.org", Subject: "s", Text: tc.body, Date: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		msg, err := mail.ReadMessage(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		if got := msg.Header.Get("Content-Transfer-Encoding"); got != tc.want {
			t.Errorf("%q: %s, want %s", tc.body, got, tc.want)
		}
	}
}
