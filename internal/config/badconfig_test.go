package config_test

import (
	"path/filepath"
	"testing"

	"github.com/feedwatch/feedwatch/internal/badfiles"
	"github.com/feedwatch/feedwatch/internal/config"
)

// TestBadConfigFiles loads every file in testdata/bad-config: each must
// fail with one error that names the file, a line and (where the header
// says so) the key, and none may panic.
func TestBadConfigFiles(t *testing.T) {
	badfiles.Check(t, filepath.Join("..", "..", "testdata", "bad-config", "*.yaml"), 20, func(path string) error {
		_, err := config.Load(path, nil)
		return err
	})
}
