package config_test

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/feedwatch/feedwatch/internal/config"
)

// wantLines reads the "# want: TEXT" lines at the top of a bad-input file:
// each TEXT must appear in the error, after the file's path (so ":4:" asks
// for "PATH:4:").
func wantLines(t *testing.T, data []byte) []string {
	t.Helper()
	var want []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line, ok := strings.CutPrefix(sc.Text(), "# want: ")
		if !ok {
			break
		}
		want = append(want, line)
	}
	if len(want) == 0 {
		t.Fatal("no # want: line at the top of the file")
	}
	return want
}

// fileLineRE is the start every error must have: the file, a line number.
var fileLineRE = regexp.MustCompile(`^(.+):(\d+): `)

// TestBadConfigFiles loads every file in testdata/bad-config: each must
// fail with one error that names the file, a line and (where the header
// says so) the key, and none may panic.
func TestBadConfigFiles(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "testdata", "bad-config", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 20 {
		t.Fatalf("%d bad config files, want at least 20", len(files))
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			want := wantLines(t, data)
			_, err = config.Load(path, nil)
			if err == nil {
				t.Fatalf("loaded without error; want %q", want)
			}
			msg := err.Error()
			t.Log(msg)
			if strings.Count(msg, "\n") > 0 {
				t.Errorf("more than one line: %q", msg)
			}
			m := fileLineRE.FindStringSubmatch(msg)
			if m == nil || m[1] != path {
				t.Errorf("error %q does not start with %s:LINE:", msg, path)
			}
			for _, w := range want {
				if strings.HasPrefix(w, ":") {
					w = path + w
				}
				if !strings.Contains(msg, w) {
					t.Errorf("error %q lacks %q", msg, w)
				}
			}
		})
	}
}
