package service

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/feedwatch/feedwatch/internal/discover"
	"github.com/feedwatch/feedwatch/internal/fetch"
	"github.com/feedwatch/feedwatch/internal/ingest"
	"github.com/feedwatch/feedwatch/internal/model"
	"github.com/feedwatch/feedwatch/internal/normalize"
	"github.com/feedwatch/feedwatch/internal/opml"
	"github.com/feedwatch/feedwatch/internal/parse"
	"github.com/feedwatch/feedwatch/internal/store"
)

// Candidate is a feed found at an address: the address itself when it is a
// feed, or one the page advertises.
type Candidate struct {
	URL   string `json:"url"`
	Title string `json:"title"`
}

// NewFeed asks for feeds to be added from one address.
type NewFeed struct {
	URL   string
	Title string // with one feed added
	// Pick chooses the N-th (from 1) of the feeds a page advertises;
	// PickURL chooses one by its address. With neither and several
	// found, AddFeed answers Kind Choose with the candidates.
	Pick     int
	PickURL  string
	AllFound bool
	NoCheck  bool // add without fetching (command line only)
	Username string
	Password string
}

// AddResult says what AddFeed did with each feed it found.
type AddResult struct {
	Added    []model.Feed
	Existing []model.Feed // already stored, left as they were
}

// Feeds returns every feed, by id.
func (s *Service) Feeds(ctx context.Context) ([]model.Feed, error) {
	return s.st.Feeds(ctx)
}

// Feed returns the feed with id.
func (s *Service) Feed(ctx context.Context, id int64) (model.Feed, error) {
	f, err := s.st.FeedByID(ctx, id)
	return f, wrapStore(err, fmt.Sprintf("feed %d", id))
}

// FeedByURL returns the feed at url.
func (s *Service) FeedByURL(ctx context.Context, url string) (model.Feed, error) {
	f, err := s.st.FeedByURL(ctx, url)
	return f, wrapStore(err, "feed "+url)
}

func checkURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return invalid("url", "%s: not an http or https URL", raw)
	}
	return nil
}

// FindFeeds fetches raw: a feed is returned as itself, a page as the feeds
// it advertises that could be fetched and parsed. For the web and the API
// every request, the first included, goes through the private-address
// guard; the command line's first hops do not.
func (s *Service) FindFeeds(ctx context.Context, raw, username, password string) ([]Candidate, error) {
	if err := checkURL(raw); err != nil {
		return nil, err
	}
	trusted := ActorFrom(ctx).trusted()
	get := func(u string) (*fetch.Response, error) {
		return s.opts.Fetcher.Fetch(ctx, fetch.Request{URL: u, Trusted: trusted, Username: username, Password: password})
	}
	unreachable := func(err error) error {
		msg := err.Error()
		if errors.Is(err, fetch.ErrPrivateAddress) {
			msg = fmt.Sprintf("%s: %v (web.allow_private lists networks feeds added on the web or the API may reach)", raw, err)
		}
		return &Error{Kind: Unreachable, Field: "url", Msg: msg, Err: err}
	}
	resp, err := get(raw)
	if err != nil {
		return nil, unreachable(err)
	}
	doc, perr := parse.Parse(resp.Body, resp.ContentType, resp.URL)
	if perr == nil {
		return []Candidate{{URL: resp.URL, Title: normalize.Text(doc.Title)}}, nil
	}
	if !errors.Is(perr, parse.ErrNotAFeed) {
		return nil, unreachable(fmt.Errorf("%s: not a usable feed: %w", raw, perr))
	}
	links := discover.Feeds(resp.Body, resp.URL)
	if len(links) == 0 {
		return nil, unreachable(fmt.Errorf("%s: neither a feed nor a page that advertises one (%v)", raw, perr))
	}
	var out []Candidate
	for _, l := range links {
		r, err := get(l.URL)
		if err != nil {
			continue
		}
		d, err := parse.Parse(r.Body, r.ContentType, r.URL)
		if err != nil {
			continue
		}
		t := normalize.Text(d.Title)
		if t == "" {
			t = l.Title
		}
		out = append(out, Candidate{URL: r.URL, Title: t})
	}
	if len(out) == 0 {
		return nil, unreachable(fmt.Errorf("%s: the page advertises %d feeds but none of them could be fetched and parsed", raw, len(links)))
	}
	return out, nil
}

// AddFeed adds the feed at nf.URL, or the one chosen among those the page
// there advertises, after fetching it to check it is a feed (unless
// NoCheck, which only the command line may ask for).
func (s *Service) AddFeed(ctx context.Context, nf NewFeed) (AddResult, error) {
	nf.URL = strings.TrimSpace(nf.URL)
	if err := checkURL(nf.URL); err != nil {
		return AddResult{}, err
	}
	actor := ActorFrom(ctx)
	if nf.NoCheck && !actor.trusted() {
		return AddResult{}, invalid("no_check", "feeds added on the web or the API are always checked")
	}
	found := []Candidate{{URL: nf.URL, Title: nf.Title}}
	if !nf.NoCheck {
		var err error
		if found, err = s.FindFeeds(ctx, nf.URL, nf.Username, nf.Password); err != nil {
			return AddResult{}, err
		}
		if found, err = choose(nf, found); err != nil {
			return AddResult{}, err
		}
		if nf.Title != "" && len(found) == 1 {
			found[0].Title = nf.Title
		}
	}
	origin := "db"
	if !actor.trusted() {
		origin = actor.Via
	}
	var res AddResult
	for _, c := range found {
		if f, err := s.st.FeedByURL(ctx, c.URL); err == nil {
			res.Existing = append(res.Existing, f)
			continue
		}
		f, err := s.st.AddFeed(ctx, model.Feed{URL: c.URL, Title: c.Title, Origin: origin, Username: nf.Username, Password: nf.Password})
		if err != nil {
			return res, fmt.Errorf("add feed %s: %w", c.URL, err)
		}
		res.Added = append(res.Added, f)
		s.record(ctx, "feed.add", f.URL, f.Title)
	}
	return res, nil
}

func choose(nf NewFeed, found []Candidate) ([]Candidate, error) {
	switch {
	case len(found) <= 1 || nf.AllFound:
		return found, nil
	case nf.PickURL != "":
		for _, c := range found {
			if c.URL == nf.PickURL {
				return []Candidate{c}, nil
			}
		}
		return nil, &Error{Kind: Invalid, Field: "pick_url", Msg: fmt.Sprintf("%s does not advertise %s", nf.URL, nf.PickURL), Candidates: found}
	case nf.Pick >= 1 && nf.Pick <= len(found):
		return found[nf.Pick-1 : nf.Pick], nil
	case nf.Pick != 0:
		return nil, &Error{Kind: Invalid, Field: "pick", Msg: fmt.Sprintf("pick %d: the page advertises %d feeds", nf.Pick, len(found)), Candidates: found}
	}
	return nil, &Error{Kind: Choose, Field: "url", Msg: fmt.Sprintf("%s is a web page advertising %d feeds: choose one", nf.URL, len(found)), Candidates: found}
}

// RemoveFeed deletes a feed that is not in the config file, with its items.
func (s *Service) RemoveFeed(ctx context.Context, url string) error {
	if err := wrapStore(s.st.RemoveFeed(ctx, url), "feed "+url); err != nil {
		return err
	}
	s.record(ctx, "feed.remove", url, "")
	return nil
}

// SetFeedEnabled starts or stops polling a feed that is not in the config file.
func (s *Service) SetFeedEnabled(ctx context.Context, url string, enabled bool) error {
	if err := wrapStore(s.st.SetFeedEnabled(ctx, url, enabled), "feed "+url); err != nil {
		return err
	}
	s.record(ctx, map[bool]string{true: "feed.enable", false: "feed.disable"}[enabled], url, "")
	return nil
}

// FeedChange edits a feed; nil fields stay as they are.
type FeedChange struct {
	Title    *string
	Interval *time.Duration // 0: the global poll.interval
	Enabled  *bool
}

// UpdateFeed edits a feed that is not in the config file.
func (s *Service) UpdateFeed(ctx context.Context, url string, ch FeedChange) (model.Feed, error) {
	f, err := s.FeedByURL(ctx, url)
	if err != nil {
		return f, err
	}
	if ch.Interval != nil && (*ch.Interval < 0 || (*ch.Interval > 0 && *ch.Interval < time.Minute)) {
		return f, invalid("interval", "interval %s: want 0 (the global interval) or at least 1m", *ch.Interval)
	}
	if ch.Title != nil && len(*ch.Title) > 500 {
		return f, invalid("title", "title longer than 500 characters")
	}
	if ch.Title != nil || ch.Interval != nil {
		title, interval := f.Title, f.Interval
		if ch.Title != nil {
			title = strings.TrimSpace(*ch.Title)
		}
		if ch.Interval != nil {
			interval = *ch.Interval
		}
		if f, err = s.st.UpdateFeed(ctx, url, title, interval); err != nil {
			return f, wrapStore(err, "feed "+url)
		}
		s.record(ctx, "feed.edit", url, fmt.Sprintf("title %q, interval %s", title, interval))
	}
	if ch.Enabled != nil && *ch.Enabled != f.Enabled {
		if err := s.SetFeedEnabled(ctx, url, *ch.Enabled); err != nil {
			return f, err
		}
		return s.FeedByURL(ctx, url)
	}
	return f, nil
}

// RefreshFeed polls a feed now, whatever its schedule.
func (s *Service) RefreshFeed(ctx context.Context, url string) (ingest.FeedResult, error) {
	if s.opts.Poll == nil {
		return ingest.FeedResult{}, &Error{Kind: Unsupported, Msg: "refreshing a feed needs the daemon's poller: not available here"}
	}
	f, err := s.FeedByURL(ctx, url)
	if err != nil {
		return ingest.FeedResult{}, err
	}
	r := s.opts.Poll(ctx, f)
	if err := s.st.RecordPolls(ctx, []store.Poll{ingest.PollRecord(r)}); err != nil {
		s.log.Error("record poll", "feed_url", fetch.Redacted(url), "error", err)
	}
	s.record(ctx, "feed.refresh", url, string(r.Outcome))
	return r, nil
}

// FeedPolls returns a feed's recent polls, newest first.
func (s *Service) FeedPolls(ctx context.Context, feedID int64) ([]store.Poll, error) {
	return s.st.Polls(ctx, feedID)
}

// ImportResult counts what ImportOPML did.
type ImportResult struct {
	Added, Present int
}

// ImportOPML adds every feed of an OPML document that is not stored yet.
// Imported feeds are not fetched first (a file of hundreds would take
// minutes); from the web and the API they are untrusted like any feed
// added there, so the poller's guard applies to them. name is the file's
// name for errors; progress, when not nil, is called after each feed.
func (s *Service) ImportOPML(ctx context.Context, r io.Reader, name string, progress func(done, total int)) (ImportResult, error) {
	feeds, err := opml.Read(r, name)
	if err != nil {
		return ImportResult{}, &Error{Kind: Invalid, Field: "file", Msg: err.Error(), Err: err}
	}
	actor := ActorFrom(ctx)
	origin := "db"
	if !actor.trusted() {
		origin = actor.Via
	}
	var res ImportResult
	for i, o := range feeds {
		if progress != nil {
			progress(i, len(feeds))
		}
		if checkURL(o.URL) != nil {
			return res, invalid("file", "%s: feed %q is not an http or https URL", name, o.URL)
		}
		if _, err := s.st.FeedByURL(ctx, o.URL); err == nil {
			res.Present++
			continue
		}
		if _, err := s.st.AddFeed(ctx, model.Feed{URL: o.URL, Title: o.Title, Origin: origin}); err != nil {
			return res, fmt.Errorf("%s: feed %s: %w", name, o.URL, err)
		}
		res.Added++
	}
	if progress != nil {
		progress(len(feeds), len(feeds))
	}
	s.record(ctx, "feed.import", name, fmt.Sprintf("%d added, %d already present", res.Added, res.Present))
	return res, nil
}

// ExportOPML writes every feed as OPML 2.0.
func (s *Service) ExportOPML(ctx context.Context, w io.Writer) error {
	feeds, err := s.st.Feeds(ctx)
	if err != nil {
		return err
	}
	list := make([]opml.Feed, 0, len(feeds))
	for _, f := range feeds {
		list = append(list, opml.Feed{URL: f.URL, Title: f.Title})
	}
	return opml.Write(w, "feedwatch feeds", list, s.now())
}

// Items lists stored items newest first, with the topics each matched.
func (s *Service) Items(ctx context.Context, f store.ItemFilter) ([]store.ListedItem, error) {
	if f.TopicID != "" {
		if err := s.checkTopic(f.TopicID); err != nil {
			return nil, err
		}
	}
	f.Limit = orDefault(f.Limit, 50, 500)
	return s.st.ItemsPage(ctx, f)
}
