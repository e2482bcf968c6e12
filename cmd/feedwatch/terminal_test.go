//go:build linux

package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// openTerminal opens a pseudo-terminal: what the command writes to or reads
// from tty, a person would see on or type at term.
func openTerminal(t *testing.T) (term, tty *os.File) {
	t.Helper()
	term, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("open a pseudo-terminal: %v", err)
	}
	t.Cleanup(func() { term.Close() })
	if err := unix.IoctlSetPointerInt(int(term.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatalf("unlock pseudo-terminal: %v", err)
	}
	n, err := unix.IoctlGetInt(int(term.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatalf("pseudo-terminal number: %v", err)
	}
	tty, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("open pseudo-terminal %d: %v", n, err)
	}
	t.Cleanup(func() { tty.Close() })
	return term, tty
}

// screen collects what term shows until the returned function is called.
func screen(term *os.File) func() string {
	var b bytes.Buffer
	done := make(chan struct{})
	go func() {
		io.Copy(&b, term) // ends when the terminal is closed
		close(done)
	}()
	return func() string {
		term.Close()
		<-done
		return b.String()
	}
}

func TestFeedsAddAsksAtTerminal(t *testing.T) {
	feeds := feedServer(t)
	page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<html><head>
<link rel="alternate" type="application/rss+xml" title="Wire" href="%[1]s/wire.rss">
<link rel="alternate" type="application/rss+xml" title="Sports" href="%[1]s/sports.rss">
<link rel="alternate" type="application/atom+xml" title="Local" href="%[1]s/local.atom">
</head></html>`, feeds.URL)
	}))
	defer page.Close()
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "feedwatch.yaml")
	os.WriteFile(cfgPath, []byte(fmt.Sprintf("data_dir: %s\ntopics_file: \"\"\nfeeds: []\n", dir)), 0o600)

	for _, tc := range []struct {
		name, typed string
		want        []string // feeds added, by path
		shown       string
	}{
		{"two of three", "3, 1\n", []string{"/local.atom", "/wire.rss"}, "advertising 3 feeds"},
		{"all", "a\n", []string{"/local.atom", "/sports.rss", "/wire.rss"}, "3. " + feeds.URL + "/local.atom"},
		{"asked again after a wrong answer", "7\n2\n", []string{"/sports.rss"}, `"7" is not a number from 1 to 3`},
		{"none", "\n", nil, "nothing added from " + page.URL},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sub := t.TempDir()
			cfg := filepath.Join(sub, "feedwatch.yaml")
			os.WriteFile(cfg, []byte(fmt.Sprintf("data_dir: %s\ntopics_file: \"\"\nfeeds: []\n", sub)), 0o600)
			term, tty := openTerminal(t)
			shown := screen(term)
			if _, err := io.WriteString(term, tc.typed); err != nil {
				t.Fatal(err)
			}
			var stderr bytes.Buffer
			code := run(context.Background(), []string{"feeds", "add", page.URL, "--config", cfg}, tty, tty, &stderr, nil, nil)
			tty.Close()
			out := shown()
			if code != 0 {
				t.Fatalf("exit %d\n%s\n%s", code, out, stderr.String())
			}
			if !strings.Contains(out, tc.shown) || !strings.Contains(out, "Add which?") {
				t.Errorf("terminal shows no %q:\n%s", tc.shown, out)
			}
			_, list, _ := runCLI(t, nil, "feeds", "export", "--config", cfg)
			var got []string
			for _, p := range []string{"/local.atom", "/sports.rss", "/wire.rss"} {
				if strings.Contains(list, feeds.URL+p) {
					got = append(got, p)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("added %v, want %v\n%s", got, tc.want, out)
			}
		})
	}

	// Not at a terminal the command asks nothing: it lists and adds none.
	code, out, _ := runCLI(t, nil, "feeds", "add", page.URL, "--config", cfgPath)
	if code == 0 || strings.Contains(out, "Add which?") || !strings.Contains(out, "--pick N") {
		t.Errorf("feeds add PAGE without a terminal: %d\n%s", code, out)
	}
}

func TestProgressAtTerminal(t *testing.T) {
	feeds := feedServer(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "feedwatch.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf("data_dir: %s\ntopics_file: \"\"\nlog:\n  level: error\nfeeds:\n  - url: %[2]s/wire.rss\n  - url: %[2]s/sports.rss\n  - url: %[2]s/local.atom\n", dir, feeds.URL)), 0o600)

	term, tty := openTerminal(t)
	shown := screen(term)
	var stdout bytes.Buffer
	code := run(context.Background(), []string{"poll", "--all", "--config", cfg}, strings.NewReader(""), &stdout, tty, nil, nil)
	tty.Close()
	out := shown()
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout.String(), out)
	}
	if !strings.Contains(out, "] 3/3") || !strings.Contains(out, "\r\x1b[K") {
		t.Errorf("no progress bar on the terminal:\n%q", out)
	}
	// feeds import draws one too.
	opml := filepath.Join(dir, "feeds.opml")
	os.WriteFile(opml, []byte(`<?xml version="1.0"?><opml version="2.0"><head><title>f</title></head><body>
<outline type="rss" text="A" xmlUrl="https://a.example/feed.xml"/><outline type="rss" text="B" xmlUrl="https://b.example/feed.xml"/>
</body></opml>`), 0o600)
	term, tty = openTerminal(t)
	shown = screen(term)
	code = run(context.Background(), []string{"feeds", "import", opml, "--config", cfg}, strings.NewReader(""), &stdout, tty, nil, nil)
	tty.Close()
	if out := shown(); code != 0 || !strings.Contains(out, "] 2/2") {
		t.Errorf("feeds import at a terminal: exit %d, no progress bar:\n%q", code, out)
	}
	// The same poll into a pipe draws nothing.
	code, _, errOut := runCLI(t, nil, "poll", "--all", "--config", cfg)
	if code != 0 || strings.Contains(errOut, "\r") {
		t.Errorf("poll into a pipe: %d %q", code, errOut)
	}
}
