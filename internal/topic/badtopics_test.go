package topic_test

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/feedwatch/feedwatch/internal/topic"
)

// topicWantLines reads the "# want: TEXT" lines at the top of a bad topics
// file; a TEXT starting with ":" is preceded by the file's path.
func topicWantLines(t *testing.T, data []byte) []string {
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

var topicFileLineRE = regexp.MustCompile(`^(.+):(\d+): `)

// TestBadTopicsFiles loads every file in testdata/bad-topics: each must
// fail with one error naming the file and a line, and none may panic.
func TestBadTopicsFiles(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "testdata", "bad-topics", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 20 {
		t.Fatalf("%d bad topics files, want at least 20", len(files))
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			want := topicWantLines(t, data)
			_, err = topic.Load(path)
			if err == nil {
				t.Fatalf("loaded without error; want %q", want)
			}
			msg := err.Error()
			t.Log(msg)
			if strings.Contains(msg, "\n") {
				t.Errorf("more than one line: %q", msg)
			}
			if m := topicFileLineRE.FindStringSubmatch(msg); m == nil || m[1] != path {
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
