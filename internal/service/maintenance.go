package service

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/feedwatch/feedwatch/internal/match"
	"github.com/feedwatch/feedwatch/internal/model"
	"github.com/feedwatch/feedwatch/internal/normalize"
	"github.com/feedwatch/feedwatch/internal/store"
	"github.com/feedwatch/feedwatch/internal/topic"
)

// RematchInput asks for stored items to be matched again.
type RematchInput struct {
	Days    int        // how many days of stored items; default 7
	TopicID string     // one topic, or all
	Topics  *topic.Set // rules to use; nil: the current ones
}

// RematchResult counts what a rematch changed.
type RematchResult struct {
	Items, Added, Removed, Days int
}

// Rematch matches the items stored in the last Days days against the
// rules. Items that match now join the topic's next digest; matches the
// rules no longer make are dropped unless a digest already carried them.
func (s *Service) Rematch(ctx context.Context, in RematchInput) (RematchResult, error) {
	set := in.Topics
	if set == nil {
		set = s.opts.Topics()
	}
	in.Days = orDefault(in.Days, 7, 1<<20)
	topics := set.Topics()
	if in.TopicID != "" {
		t, ok := set.Topic(in.TopicID)
		if !ok {
			return RematchResult{}, s.checkTopic(in.TopicID)
		}
		topics = []topic.Topic{t}
	}
	items, err := s.st.RecentItems(ctx, s.now().Add(-time.Duration(in.Days)*24*time.Hour), 1<<30)
	if err != nil {
		return RematchResult{}, err
	}
	var ids []int64
	var matches [][]model.Match
	var topicIDs []string
	for _, t := range topics {
		topicIDs = append(topicIDs, t.ID)
	}
	for _, it := range items {
		doc := match.Document{Title: it.Title, Summary: normalize.Text(it.Summary), Content: normalize.Text(it.Content)}
		var ms []model.Match
		for _, t := range topics {
			r, err := set.MatchTopic(t.ID, doc)
			if err != nil {
				return RematchResult{}, err
			}
			if r.Matched {
				ms = append(ms, model.Match{TopicID: t.ID, Score: r.Score, Terms: r.Terms, Words: r.Words})
			}
		}
		ids = append(ids, it.ID)
		matches = append(matches, ms)
	}
	added, removed, err := s.st.Rematch(ctx, topicIDs, ids, matches)
	if err != nil {
		return RematchResult{}, err
	}
	s.record(ctx, "topics.rematch", strings.Join(topicIDs, ","), fmt.Sprintf("%d days: %d new matches, %d dropped", in.Days, added, removed))
	return RematchResult{Items: len(items), Added: added, Removed: removed, Days: in.Days}, nil
}

// Search runs a full-text search over stored items, in one topic's matches
// when topicID is set.
func (s *Service) Search(ctx context.Context, query, topicID string, limit int) ([]store.SearchHit, error) {
	if strings.TrimSpace(query) == "" {
		return nil, invalid("q", "an empty search finds nothing")
	}
	if limit <= 0 {
		limit = 20
	}
	if topicID != "" {
		return s.st.SearchTopic(ctx, topicID, query, limit)
	}
	return s.st.Search(ctx, query, limit)
}

// BackupName matches the backups BackupToDir writes; keep deletes only
// files of this shape.
var BackupName = regexp.MustCompile(`^feedwatch-\d{8}T\d{6}Z\.db$`)

// staleTemp is how old a backup's temporary file must be for BackupToDir to
// take it for the remains of a backup that was killed.
const staleTemp = time.Hour

// BackupToDir backs src up into dir (made if missing) under a name that
// sorts by time, then deletes all but the keep newest (0 keeps all) and
// returns what it deleted. `feedwatch backup DIR` and the daemon's backup
// job both use it. It takes the database's path, not the service's store:
// a backup reads the file as it is, without migrating it first.
func BackupToDir(ctx context.Context, src, dir string, keep int, now time.Time) (store.BackupInfo, []string, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return store.BackupInfo{}, nil, fmt.Errorf("backup folder: %w", err)
	}
	dest := filepath.Join(dir, "feedwatch-"+now.UTC().Format("20060102T150405Z")+".db")
	info, err := store.Backup(ctx, src, dest)
	if err != nil {
		return info, nil, err
	}
	deleted, err := pruneBackups(dir, keep, now)
	return info, deleted, err
}

// pruneBackups deletes all but the keep newest backups in dir (keep 0:
// none), whose names sort by time, and the temporary files of backups
// killed before they finished.
func pruneBackups(dir string, keep int, now time.Time) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var backups, deleted []string
	for _, e := range entries {
		name := e.Name()
		if BackupName.MatchString(name) {
			backups = append(backups, name)
			continue
		}
		if strings.HasPrefix(name, ".feedwatch-") && strings.Contains(name, ".db.tmp-") {
			if info, err := e.Info(); err == nil && now.Sub(info.ModTime()) > staleTemp {
				if err := os.Remove(filepath.Join(dir, name)); err != nil {
					return deleted, fmt.Errorf("delete unfinished backup: %w", err)
				}
				deleted = append(deleted, filepath.Join(dir, name))
			}
		}
	}
	if keep == 0 {
		return deleted, nil
	}
	slices.Sort(backups)
	for _, name := range backups[:max(0, len(backups)-keep)] {
		old := filepath.Join(dir, name)
		if err := os.Remove(old); err != nil {
			return deleted, fmt.Errorf("delete old backup: %w", err)
		}
		deleted = append(deleted, old)
	}
	return deleted, nil
}
