package app

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	feedwatch "github.com/feedwatch/feedwatch"
	"github.com/feedwatch/feedwatch/internal/config"
	"github.com/feedwatch/feedwatch/internal/topic"
)

// Topics returns the topics in force, reading the configured file (or the
// built-in one) the first time.
func (a *App) Topics() (*topic.Set, error) {
	if set := a.CurrentTopics(); set != nil {
		return set, nil
	}
	set, err := a.readConfiguredTopics(a.Config())
	if err != nil {
		return nil, err
	}
	a.SetTopics(set)
	return set, nil
}

// CurrentTopics is what the poller matches against and the dispatcher
// sends: nil until the topics have been read. Reloads swap it.
func (a *App) CurrentTopics() *topic.Set {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.topics
}

// SetTopics puts set in force (a topics file named on the command line,
// a reload).
func (a *App) SetTopics(set *topic.Set) {
	a.mu.Lock()
	a.topics = set
	a.mu.Unlock()
}

// topicsOrNone is the topics for the service, read when an operation
// first needs them: operations on feeds, the outbox or API keys work with
// a broken topics file, and one that needs topics says what is wrong with
// it (the commands that take a topic read the file first and stop there).
func (a *App) topicsOrNone() *topic.Set {
	set, err := a.Topics()
	if err != nil {
		a.log.Error("topics", "error", err)
		empty, _ := topic.New(nil)
		return empty
	}
	return set
}

// TopicsPath is the topics file feedwatch reads and the rules workbench
// saves: topics_file, or when that is empty topics.yaml in the data
// folder, which exists once the workbench has saved (until then the
// built-in topics are in use). The daemon watches this path, so the
// workbench's first save switches it to the new file.
func TopicsPath(cfg config.Config) string {
	if cfg.TopicsFile != "" {
		return cfg.TopicsFile
	}
	return filepath.Join(cfg.DataDir, "topics.yaml")
}

// readConfiguredTopics reads the topics cfg names (TopicsPath): the file,
// first copied from topics_seed when it does not exist yet; or the
// built-in topics while no topics_file is set and the workbench has made
// no file in the data folder.
func (a *App) readConfiguredTopics(cfg config.Config) (*topic.Set, error) {
	path := TopicsPath(cfg)
	if cfg.TopicsFile != "" && cfg.TopicsSeed != "" {
		created, err := seedFile(path, cfg.TopicsSeed)
		if err != nil {
			return nil, fmt.Errorf("topics_seed: %w", err)
		}
		if created {
			a.log.Info("topics file created from the seed", "file", path, "seed", cfg.TopicsSeed)
		}
	}
	if cfg.TopicsFile == "" {
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			return ReadTopicsFile("")
		}
	}
	return ReadTopicsFile(path)
}

// seedFile copies seed to path unless path exists, and reports whether
// it did. The copy is made beside path and renamed, so a reader never
// sees half a file, and two starts at once cannot both write it.
func seedFile(path, seed string) (bool, error) {
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		return false, nil // there, or unreadable: reading it says which
	}
	data, err := os.ReadFile(seed)
	if err != nil {
		return false, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return false, fmt.Errorf("create %s from %s: %w", path, seed, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".seed-*")
	if err != nil {
		return false, fmt.Errorf("create %s from %s: %w", path, seed, err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(data)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err == nil {
		// A link fails when path appeared meanwhile, where a rename would
		// replace it.
		err = os.Link(tmp.Name(), path)
		if errors.Is(err, fs.ErrExist) {
			return false, nil
		}
	}
	if err != nil {
		return false, fmt.Errorf("create %s from %s: %w", path, seed, err)
	}
	return true, nil
}

// BuiltinTopics is the text of the built-in topics file, which the rules
// workbench opens while no topics file exists.
func BuiltinTopics() []byte {
	b, _ := fs.ReadFile(feedwatch.Defaults, "config/topics.yaml")
	return b
}

// ReadTopicsFile reads a topics file; "" reads the built-in one.
func ReadTopicsFile(path string) (*topic.Set, error) {
	if path == "" {
		f, err := feedwatch.Defaults.Open("config/topics.yaml")
		if err != nil {
			return nil, fmt.Errorf("built-in topics: %w", err)
		}
		defer f.Close()
		return topic.Parse(f, "built-in config/topics.yaml")
	}
	return topic.Load(path)
}
