package digest_test

import (
	"bytes"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/feedwatch/feedwatch/internal/digest"
	"github.com/feedwatch/feedwatch/internal/model"
	"github.com/feedwatch/feedwatch/internal/render"
)

// An operator's template that pads the address cannot share one render
// among recipients. The builder says so once, when it first renders a
// mail, and not when it is made: a preview or a dispatch with nothing to
// send never renders one.
func TestSharingWarnedAtFirstMail(t *testing.T) {
	e := newBuildEnv(t, "https://news.feedwatch.test")
	var logs bytes.Buffer
	e.b = digest.New(e.st, editedTemplates(t, "digest.txt.tmpl", "View in browser", `{{printf "%-40s|" .Recipient}}`+"\nView in browser"), digest.Options{
		BaseURL: "https://news.feedwatch.test",
		From:    "feedwatch <digest@feedwatch.test>",
		Secret:  []byte("build-test-secret"),
		Now:     func() time.Time { return e.now },
		Local:   time.UTC,
		Logger:  slog.New(slog.NewTextHandler(&logs, nil)),
	})
	warnings := func() int { return strings.Count(logs.String(), "every digest message is rendered in full") }
	if n := warnings(); n != 0 {
		t.Fatalf("%d warnings before any mail:\n%s", n, logs.String())
	}
	e.subscribe(t, model.Subscription{Email: "a@example.org"}, model.Subscription{Email: "b@example.org"})
	for round := 1; round <= 2; round++ {
		e.addItems(t, fmt.Sprintf("Talks resume in Geneva, round %d", round))
		if res := e.dispatchNow(t); res.Mails != 2 {
			t.Fatalf("round %d: %d mails, want 2", round, res.Mails)
		}
		if n := warnings(); n != 1 {
			t.Fatalf("round %d: %d warnings, want 1:\n%s", round, n, logs.String())
		}
	}
}

// editedTemplates is the shipped templates with one replacement in file.
func editedTemplates(t *testing.T, file, old, new string) *render.Renderer {
	t.Helper()
	dir := filepath.Join("..", "..", "templates")
	fsys := fstest.MapFS{}
	err := fs.WalkDir(os.DirFS(dir), ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		if name == file {
			if !bytes.Contains(data, []byte(old)) {
				t.Fatalf("%s lacks %q", name, old)
			}
			data = bytes.Replace(data, []byte(old), []byte(new), 1)
		}
		fsys[name] = &fstest.MapFile{Data: data}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	r, err := render.New(fsys)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
