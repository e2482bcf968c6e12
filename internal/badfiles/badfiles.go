// Package badfiles runs a loader over a folder of malformed input files, for
// tests: each file starts with "# want: TEXT" lines, and loading it must fail
// with one line of error that starts with the file's path and a line number
// and contains every TEXT (a TEXT starting with ":" is preceded by the path,
// so ":4:" asks for "PATH:4:"). It is for tests only.
package badfiles

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// fileLineRE is the start every error must have: the file, a line number.
var fileLineRE = regexp.MustCompile(`^(.+):(\d+): `)

// Check loads every file matching pattern with load, in a subtest each, and
// fails unless there are at least min of them and each fails as its
// header says.
func Check(t *testing.T, pattern string, min int, load func(path string) error) {
	t.Helper()
	files, err := filepath.Glob(pattern)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < min {
		t.Fatalf("%d files match %s, want at least %d", len(files), pattern, min)
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			want := wantLines(t, data)
			err = load(path)
			if err == nil {
				t.Fatalf("loaded without error; want %q", want)
			}
			msg := err.Error()
			t.Log(msg)
			if strings.Contains(msg, "\n") {
				t.Errorf("more than one line: %q", msg)
			}
			if m := fileLineRE.FindStringSubmatch(msg); m == nil || m[1] != path {
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

// wantLines reads the "# want: TEXT" lines at the top of a file.
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
