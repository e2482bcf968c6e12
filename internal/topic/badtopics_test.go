package topic_test

import (
	"path/filepath"
	"testing"

	"github.com/feedwatch/feedwatch/internal/badfiles"
	"github.com/feedwatch/feedwatch/internal/topic"
)

// TestBadTopicsFiles loads every file in testdata/bad-topics: each must
// fail with one error naming the file and a line, and none may panic.
func TestBadTopicsFiles(t *testing.T) {
	badfiles.Check(t, filepath.Join("..", "..", "testdata", "bad-topics", "*.yaml"), 20, func(path string) error {
		_, err := topic.Load(path)
		return err
	})
}
