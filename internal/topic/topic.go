// Package topic owns the topics file: it parses config/topics.yaml with
// errors that point at a file and line, validates every topic and rule,
// holds each topic's digest settings, and compiles the rules of all topics
// into one match engine. It also evaluates rules against labelled items
// for the editors' "topics eval" tool. It performs no I/O beyond reading
// the file it is given.
package topic

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/feedwatch/feedwatch/internal/match"
	"gopkg.in/yaml.v3"
)

// Digest settings of one topic.
type Digest struct {
	Schedule string        // cron spec (5-field, may start with CRON_TZ=...), default "0 7 * * *"
	Lookback time.Duration // first digest's period, default 24h
	MaxItems int           // default 50
	Empty    string        // "skip" (default) or "note"
	Sections string        // "" (one list, default) or "source" (grouped by feed)
	// BestScore is the score at or above which a match is among the
	// strongest, for subscriptions that want only those; 0: the topic's
	// upper quartile of recent scores.
	BestScore float64
}

// Digest defaults.
const (
	DefaultSchedule = "0 7 * * *"
	DefaultLookback = 24 * time.Hour
	DefaultMaxItems = 50
	EmptySkip       = "skip"
	EmptyNote       = "note"
	SectionsSource  = "source"
)

// Topic is one topic as declared in the file.
type Topic struct {
	ID, Name, Description string
	// Public topics' feeds can be read by anyone; others only through a
	// subscriber's signed link.
	Public bool
	Digest Digest
	Rules  match.Rules
	// Aliases are groups of names that mean the same place, body or
	// person in the topic's news ("Эр-Рияд = Riyadh"): story grouping
	// reads them as one name, in addition to its built-in list. Each group
	// has two or more names.
	Aliases [][]string
	Line    int // where the topic starts in its file
}

// Set is a compiled topics file.
type Set struct {
	topics []Topic
	byID   map[string]int
	engine *match.Engine
}

// ErrUnknownTopic is returned for a topic id that is not in the set.
var ErrUnknownTopic = errors.New("unknown topic")

// Error is a mistake in a topics file, located by file and line.
type Error struct {
	File string
	Line int
	Msg  string
}

func (e *Error) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg) }

// Load reads and compiles a topics file.
func Load(path string) (*Set, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("load topics: %w", err)
	}
	defer f.Close()
	return Parse(f, path)
}

// Parse reads and compiles a topics file; filename is used in errors.
func Parse(r io.Reader, filename string) (*Set, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", filename, err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, yamlError(filename, data, err)
	}
	p := &parser{file: filename}
	topics, err := p.topicsFile(&doc)
	if err != nil {
		return nil, err
	}
	return newSet(topics, filename)
}

// New compiles topics built in code (tests, benchmarks).
func New(topics []Topic) (*Set, error) { return newSet(topics, "") }

func newSet(topics []Topic, filename string) (*Set, error) {
	s := &Set{topics: topics, byID: map[string]int{}}
	rules := make([]match.Rules, len(topics))
	for i, t := range topics {
		s.byID[t.ID] = i
		rules[i] = t.Rules
		rules[i].TopicID = t.ID
	}
	eng, err := match.Compile(rules)
	if err != nil {
		if filename != "" {
			return nil, fmt.Errorf("%s: %w", filename, err)
		}
		return nil, err
	}
	s.engine = eng
	return s, nil
}

// Topics returns the topics in file order.
func (s *Set) Topics() []Topic { return slices.Clone(s.topics) }

// Topic returns the topic with the given id.
func (s *Set) Topic(id string) (Topic, bool) {
	i, ok := s.byID[id]
	if !ok {
		return Topic{}, false
	}
	return s.topics[i], true
}

// Match evaluates every topic against doc in one pass over the text and
// returns one Result per topic, in file order.
func (s *Set) Match(doc match.Document) []match.Result { return s.engine.Match(doc) }

// MatchTopic evaluates one topic.
func (s *Set) MatchTopic(id string, doc match.Document) (match.Result, error) {
	i, ok := s.byID[id]
	if !ok {
		return match.Result{}, fmt.Errorf("match topic %q: %w", id, ErrUnknownTopic)
	}
	return s.engine.MatchTopic(i, doc), nil
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlError turns yaml.v3's "yaml: line N: msg" into "file:N: msg". The
// reader's own errors ("control characters are not allowed") carry no line;
// the first byte YAML refuses gives it, else line 1.
func yamlError(file string, data []byte, err error) error {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		var line int
		fmt.Sscan(m[1], &line)
		return &Error{File: file, Line: line, Msg: m[2]}
	}
	line := 1
	for i, c := range data {
		if c < 0x20 && c != '\t' && c != '\r' && c != '\n' || c == 0x7f {
			line += bytes.Count(data[:i], []byte("\n"))
			break
		}
	}
	return &Error{File: file, Line: line, Msg: strings.TrimPrefix(msg, "yaml: ")}
}
