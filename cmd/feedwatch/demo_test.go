package main

import (
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The quick start's first command: the whole pipeline, offline.
func TestDemo(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	code, out, errOut := runCLI(t, nil, "demo", "--dir", dir)
	if code != 0 {
		t.Fatalf("demo: exit %d\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{
		"total: 3 feeds, 3 ok, 0 failed; items 13 new",
		"US and Russia agree to resume talks on a New START successor",
		"МИД России вызвал посла США",
		"(+1 more source)",
		"Mail: 1 message(s) written as .eml files",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
	for _, unwanted := range []string{"Idaho", "Russian River", "Commanders", "Мосбирже"} {
		if strings.Contains(out, unwanted) {
			t.Errorf("demo digest holds %q", unwanted)
		}
	}
	emls, _ := filepath.Glob(filepath.Join(dir, "outbox", "*.eml"))
	if len(emls) != 1 {
		t.Fatalf("%d .eml files", len(emls))
	}
	f, err := os.Open(emls[0])
	if err != nil {
		t.Fatal(err)
	}
	msg, err := mail.ReadMessage(f)
	f.Close()
	if err != nil || !strings.HasPrefix(msg.Header.Get("Content-Type"), "multipart/alternative") {
		t.Fatalf("demo .eml: %v, Content-Type %q", err, msg.Header.Get("Content-Type"))
	}
	if _, err := os.Stat(filepath.Join(dir, "preview", "digest-us-russia.html")); err != nil {
		t.Error(err)
	}
	// A second run replaces its own folder; a folder it did not make is refused.
	if code, out, errOut = runCLI(t, nil, "demo", "--dir", dir); code != 0 {
		t.Fatalf("second demo: %d %s %s", code, out, errOut)
	}
	other := t.TempDir()
	os.WriteFile(filepath.Join(other, "precious.txt"), []byte("keep"), 0o600)
	if code, _, errOut = runCLI(t, nil, "demo", "--dir", other); code == 0 || !strings.Contains(errOut, "not made by feedwatch demo") {
		t.Errorf("demo into a foreign folder: %d %s", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(other, "precious.txt")); err != nil {
		t.Error("demo deleted a folder it did not make")
	}
}
