package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/feedwatch/feedwatch/internal/match"
	"github.com/feedwatch/feedwatch/internal/normalize"
	"github.com/feedwatch/feedwatch/internal/topic"
)

// Preview limits: the sample of stored items re-matched, and the items
// listed per topic and column (the counts are always complete).
const (
	previewItemsMax = 5000
	previewListMax  = 50
)

// errEditingDisabled is returned when no topics file is configured.
var errEditingDisabled = errors.New("topics file not set")

type editorData struct {
	Enabled bool   // a topics file is configured
	Path    string // shown to the editor
	Builtin bool   // the file does not exist yet: the text is the built-in topics
	Text    string
	Base    string // hash of the file the text was loaded from, for conflicts
	Saved   string // backup file name after a save
	Created bool   // the save created the file
	Notice  string
	Applied string // the suggestion just applied to the text
	Error   *editError
	Preview *previewData
	Days    int
}

type editError struct {
	Line    int // 0 when the error has no line
	Msg     string
	Context []srcLine
}

type srcLine struct {
	N     int
	Text  string
	Error bool
}

type previewData struct {
	Items  int // items re-matched
	Since  time.Time
	Topics []previewTopic
}

type previewTopic struct {
	ID, Name         string
	Added, Removed   bool // not in the current rules / not in the edited ones
	Matches          int
	New, Gone        int
	NowList          []previewItem
	NewList          []previewItem
	GoneList         []previewItem
	MoreNow, MoreNew int
	MoreGone         int
	Labels           *labelsPreview // nil without labelled items
}

type previewItem struct {
	Title, Link, Reason string
	Published           time.Time
	// Words are the words of the item the terms found, as readers see
	// them ("spokesman" for "spokes*").
	Words []string
}

func hashText(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func (s *server) readTopicsFile() ([]byte, error) {
	if s.opts.TopicsFile == "" {
		return nil, errEditingDisabled
	}
	b, err := os.ReadFile(s.opts.TopicsFile)
	if err != nil {
		return nil, fmt.Errorf("read topics file %s: %w", s.opts.TopicsFile, err)
	}
	return b, nil
}

func (s *server) editorBase() editorData {
	d := editorData{Enabled: s.opts.TopicsFile != "", Path: s.opts.TopicsFile, Days: s.opts.PreviewDays}
	if !d.Enabled {
		d.Notice = "The built-in topics are in use, and no topics file is configured to save them to; you can still preview rules."
	} else if _, err := os.Stat(s.opts.TopicsFile); err != nil && !errors.Is(err, fs.ErrPermission) {
		// Missing (or its folder is not one): nothing to read yet.
		d.Builtin = true
	}
	return d
}

func (s *server) topicsEditor(w http.ResponseWriter, r *http.Request) {
	d := s.editorBase()
	switch {
	case d.Builtin || !d.Enabled:
		// Nothing on disk yet: start from the topics in use, and let the
		// first save create the file (Base is then the hash of nothing).
		d.Text, d.Base = string(s.opts.BuiltinTopics), hashText(nil)
	default:
		b, err := s.readTopicsFile()
		if err != nil {
			s.fail(w, r, http.StatusInternalServerError, "The topics file could not be read; see the log.", err)
			return
		}
		d.Text, d.Base = string(b), hashText(b)
	}
	d.Created = r.URL.Query().Get("created") == "1" && !d.Builtin && d.Enabled
	// The banner names the backup a save just made; a link cannot make it
	// claim a save that did not happen: the name must be one of the topics
	// file's backups, and there.
	if saved := filepath.Base(r.URL.Query().Get("saved")); saved != "." && s.opts.TopicsFile != "" &&
		strings.HasPrefix(saved, filepath.Base(s.opts.TopicsFile)+".bak-") {
		if _, err := os.Stat(filepath.Join(filepath.Dir(s.opts.TopicsFile), saved)); err == nil {
			d.Saved = saved
		}
	}
	if d.Builtin {
		d.Notice = fmt.Sprintf("The built-in topics are in use: this is their text. Saving creates %s, and feedwatch then reads its topics from there.", s.opts.TopicsFile)
	}
	s.render(w, r, http.StatusOK, "topics", page{Title: "Topics", Admin: true, Data: d})
}

// editedText is the posted file with the browser's CRLF line ends undone,
// so line numbers and the saved file match what the editor typed.
func editedText(r *http.Request) string {
	return strings.ReplaceAll(r.PostForm.Get("text"), "\r\n", "\n")
}

// parseEdited compiles text, turning a failure into what the page shows.
func parseEdited(text string) (*topic.Set, *editError) {
	set, err := topic.Parse(strings.NewReader(text), "edited")
	if err == nil {
		return set, nil
	}
	ee := &editError{Msg: err.Error()}
	var te *topic.Error
	if errors.As(err, &te) {
		ee.Line, ee.Msg = te.Line, te.Msg
		lines := strings.Split(text, "\n")
		for n := max(1, te.Line-2); n <= min(len(lines), te.Line+2); n++ {
			ee.Context = append(ee.Context, srcLine{N: n, Text: lines[n-1], Error: n == te.Line})
		}
	}
	return nil, ee
}

func (s *server) topicsPreview(w http.ResponseWriter, r *http.Request) {
	d := s.editorBase()
	d.Text, d.Base = editedText(r), r.PostForm.Get("base")
	status := http.StatusOK
	set, ee := parseEdited(d.Text)
	if ee != nil {
		d.Error, status = ee, http.StatusUnprocessableEntity
	} else {
		p, err := s.preview(r.Context(), set)
		if err != nil {
			s.fail(w, r, http.StatusInternalServerError, "The preview could not be computed; see the log.", err)
			return
		}
		d.Preview = p
	}
	// The editor's script asks for the preview alone to swap it in place.
	if r.Header.Get("X-Preview-Only") == "1" {
		s.renderFragment(w, r, status, "topics", "preview", d)
		return
	}
	s.render(w, r, status, "topics", page{Title: "Topics", Admin: true, Data: d})
}

func (s *server) renderFragment(w http.ResponseWriter, r *http.Request, status int, pageName, block string, data any) {
	s.execute(w, r, status, s.pages[pageName], pageName, block, data)
}

// preview re-matches the recent stored items under the edited rules and
// compares with the rules in force.
func (s *server) preview(ctx context.Context, edited *topic.Set) (*previewData, error) {
	since := s.now().Add(-time.Duration(s.opts.PreviewDays) * 24 * time.Hour)
	items, err := s.opts.Store.RecentItems(ctx, since, previewItemsMax)
	if err != nil {
		return nil, err
	}
	current := s.opts.Topics()
	p := &previewData{Items: len(items), Since: since}
	index := map[string]int{}
	for _, t := range edited.Topics() {
		_, inCurrent := current.Topic(t.ID)
		index[t.ID] = len(p.Topics)
		p.Topics = append(p.Topics, previewTopic{ID: t.ID, Name: t.Name, Added: !inCurrent})
	}
	for _, t := range current.Topics() {
		if _, ok := index[t.ID]; !ok {
			index[t.ID] = len(p.Topics)
			p.Topics = append(p.Topics, previewTopic{ID: t.ID, Name: t.Name, Removed: true})
		}
	}
	for _, it := range items {
		doc := match.Document{Title: it.Title, Summary: normalize.Text(it.Summary), Content: normalize.Text(it.Content)}
		was := map[string]bool{}
		for _, res := range current.Match(doc) {
			was[res.TopicID] = res.Matched
		}
		now := map[string]match.Result{}
		for _, res := range edited.Match(doc) {
			now[res.TopicID] = res
		}
		for id, i := range index {
			pt := &p.Topics[i]
			res, isNow := now[id]
			pi := previewItem{Title: it.Title, Link: it.Link, Published: it.Published, Words: res.Words, Reason: res.Reason}
			switch {
			case isNow && res.Matched:
				pt.Matches++
				pt.NowList, pt.MoreNow = appendCapped(pt.NowList, pt.MoreNow, pi)
				if !was[id] {
					pt.New++
					pt.NewList, pt.MoreNew = appendCapped(pt.NewList, pt.MoreNew, pi)
				}
			case was[id]:
				pt.Gone++
				pi.Words = nil
				pt.GoneList, pt.MoreGone = appendCapped(pt.GoneList, pt.MoreGone, pi)
			}
		}
	}
	if err := s.previewLabels(ctx, p, current, edited, items); err != nil {
		return nil, err
	}
	return p, nil
}

func appendCapped(list []previewItem, more int, it previewItem) ([]previewItem, int) {
	if len(list) >= previewListMax {
		return list, more + 1
	}
	return append(list, it), more
}

func (s *server) topicsSave(w http.ResponseWriter, r *http.Request) {
	d := s.editorBase()
	d.Text, d.Base = editedText(r), r.PostForm.Get("base")
	if !d.Enabled {
		s.render(w, r, http.StatusConflict, "topics", page{Title: "Topics", Admin: true, Data: d})
		return
	}
	if _, ee := parseEdited(d.Text); ee != nil {
		d.Error = ee
		d.Notice = "Not saved: fix the error first."
		s.render(w, r, http.StatusUnprocessableEntity, "topics", page{Title: "Topics", Admin: true, Data: d})
		return
	}
	cur, err := s.readTopicsFile()
	if err != nil && !d.Builtin {
		s.fail(w, r, http.StatusInternalServerError, "The topics file could not be read; see the log.", err)
		return
	}
	if d.Base != hashText(cur) {
		// Someone else saved (or the operator edited the file) since this
		// editor loaded it: do not silently throw their change away.
		d.Base = hashText(cur)
		d.Notice = "Not saved: the topics file changed since you opened it. Reload the page to see the new version, or save again to replace it with yours."
		s.render(w, r, http.StatusConflict, "topics", page{Title: "Topics", Admin: true, Data: d})
		return
	}
	backup, err := writeAtomic(s.opts.TopicsFile, []byte(d.Text), cur, s.now())
	if err != nil {
		// Keep the editor's text on the page, and say what to change.
		s.log.Error("topics file not saved", "path", r.URL.Path, "file", s.opts.TopicsFile, "error", err)
		d.Notice = s.unwritable(err)
		s.render(w, r, http.StatusInternalServerError, "topics", page{Title: "Topics", Admin: true, Data: d})
		return
	}
	s.log.Info("topics file saved", "path", r.URL.Path, "file", s.opts.TopicsFile, "backup", backup, "created", cur == nil)
	q := url.Values{"saved": {filepath.Base(backup)}}
	if cur == nil {
		q = url.Values{"created": {"1"}}
	}
	http.Redirect(w, r, "/admin/topics?"+q.Encode(), http.StatusSeeOther)
}

// unwritable says why a save failed and where the topics file should go.
func (s *server) unwritable(err error) string {
	dir := filepath.Dir(s.opts.TopicsFile)
	msg := fmt.Sprintf("Not saved: feedwatch could not write %s.", s.opts.TopicsFile)
	if errors.Is(err, fs.ErrPermission) {
		msg = fmt.Sprintf("Not saved: feedwatch may not write in %s (permission denied), where the topics file is.", dir)
	} else if errors.Is(err, fs.ErrNotExist) {
		msg = fmt.Sprintf("Not saved: the folder %s does not exist.", dir)
	}
	where := "in a folder the feedwatch process may write"
	if s.opts.DataDir != "" {
		where = fmt.Sprintf("in the data folder, for example topics_file: %s", filepath.Join(s.opts.DataDir, "topics.yaml"))
	}
	return msg + " Keep the topics file " + where + " (the Docker image keeps it in the data volume, /data/topics.yaml), then restart feedwatch. Your text is still here: copy it before you leave the page."
}

// writeAtomic replaces path with data so that a reader (the daemon's file
// watcher) sees either the old or the new file, never a half-written one:
// the data goes to a temporary file in the same directory, is synced, and is
// renamed over path. The previous content old, when there was a file, is
// first kept as path.bak-<UTC timestamp>. It returns the backup's path.
func writeAtomic(path string, data, old []byte, now time.Time) (string, error) {
	mode := fs.FileMode(0o644)
	info, statErr := os.Stat(path)
	if statErr == nil {
		mode = info.Mode().Perm()
	}
	dir := filepath.Dir(path)
	backup := ""
	if statErr == nil {
		stamp := now.UTC().Format("20060102T150405Z")
		backup = path + ".bak-" + stamp
		for i := 1; ; i++ {
			f, err := os.OpenFile(backup, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
			if errors.Is(err, fs.ErrExist) {
				backup = fmt.Sprintf("%s.bak-%s-%d", path, stamp, i)
				continue
			}
			if err != nil {
				return "", fmt.Errorf("back up %s: %w", path, err)
			}
			_, err = f.Write(old)
			if err == nil {
				err = f.Sync()
			}
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return "", fmt.Errorf("back up %s to %s: %w", path, backup, err)
			}
			break
		}
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // no-op once renamed
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Chmod(mode)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("write %s: %w", tmp.Name(), err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return "", fmt.Errorf("replace %s: %w", path, err)
	}
	// Sync the directory so the rename itself survives a crash.
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return backup, nil
}
