// Package ingest polls feeds: for each due feed it fetches, parses,
// normalises, matches and stores, and schedules the next poll. It is the
// orchestrator of those steps and the only place that knows their order; a
// failing feed is recorded on that feed and never stops the others.
package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/feedwatch/feedwatch/internal/fetch"
	"github.com/feedwatch/feedwatch/internal/match"
	"github.com/feedwatch/feedwatch/internal/model"
	"github.com/feedwatch/feedwatch/internal/normalize"
	"github.com/feedwatch/feedwatch/internal/store"
)

// Matcher classifies one item against every topic.
type Matcher interface {
	Match(doc match.Document) []match.Result
}

// Options tune polling.
type Options struct {
	Workers     int           // feeds fetched at once
	PerHost     int           // feeds of one host fetched at once
	Interval    time.Duration // default interval between polls of a feed
	MinInterval time.Duration // floor for feeds' hints
	MaxInterval time.Duration // ceiling for hints and error backoff
	// PermanentRedirects is how many polls in a row must see the same
	// 301/308 target before the feed's stored URL moves.
	PermanentRedirects int
	// MaxAge drops entries published longer ago than this (0: keep all):
	// retention prunes such items, and storing them again would make them
	// look new.
	MaxAge time.Duration
	// MaxEntries caps the entries processed per document, the newest
	// kept (0: DefaultMaxEntries; never above normalize.MaxItems).
	MaxEntries int
	Now        func() time.Time
	Logger     *slog.Logger
}

// DefaultMaxEntries is Options.MaxEntries when unset: real feeds list tens
// of entries, archives a few hundred; a document of 100,000 is an attack or
// a mistake, and parsing and keying all of it would hold a worker and its
// memory for nothing.
const DefaultMaxEntries = 1000

// Poller polls feeds into the store.
type Poller struct {
	store   *store.Store
	fetcher *fetch.Client
	matcher func() Matcher // current rules; reloads swap what it returns
	opts    Options
	log     *slog.Logger
	// writeMu lets one worker at a time write. SQLite has a single writer
	// anyway; without this, workers that find the write lock taken sleep in
	// SQLite's busy handler (1 ms, 2 ms, 5 ms, … up to 100 ms) and wake
	// long after the lock was released, which left the CPUs half idle in
	// the polling benchmark. A Go mutex hands the lock over at once. The
	// busy timeout still covers other processes (the web editor, a second
	// feedwatch command).
	writeMu sync.Mutex
	// pending holds saves waiting for the writer. Whoever takes writeMu
	// saves everything pending in one transaction (group commit): a commit
	// costs about as much as the rows it carries, so many feeds per commit
	// halve the CPU of storing a poll.
	pendingMu sync.Mutex
	pending   []*saveRequest
}

// saveRequest is one feed's save waiting for a group commit.
type saveRequest struct {
	fetch  store.Fetch
	result store.SaveResult
	err    error
	done   chan struct{}
}

// maxGroup bounds one group commit, so that the write lock is never held
// for long on behalf of many feeds.
const maxGroup = 64

// save stores one feed's fetch, together with whatever other workers have
// waiting, and returns when it is committed.
func (p *Poller) save(ctx context.Context, f store.Fetch) (store.SaveResult, error) {
	req := &saveRequest{fetch: f, done: make(chan struct{})}
	p.pendingMu.Lock()
	p.pending = append(p.pending, req)
	p.pendingMu.Unlock()
	for {
		p.writeMu.Lock()
		p.pendingMu.Lock()
		n := min(len(p.pending), maxGroup)
		group := p.pending[:n:n]
		p.pending = p.pending[n:]
		p.pendingMu.Unlock()
		if len(group) > 0 {
			p.saveGroup(ctx, group)
		}
		p.writeMu.Unlock()
		select {
		case <-req.done:
			return req.result, req.err
		default:
			// Our request is still queued behind a full group: write again.
		}
	}
}

// saveGroup commits a group, falling back to one transaction per feed when
// the group's fails, so that one bad feed cannot fail the others.
func (p *Poller) saveGroup(ctx context.Context, group []*saveRequest) {
	fetches := make([]store.Fetch, len(group))
	for i, r := range group {
		fetches[i] = r.fetch
	}
	results, err := p.store.SaveFetches(ctx, fetches)
	for i, r := range group {
		if err == nil {
			r.result = results[i]
		} else if len(group) == 1 {
			r.err = err
		} else {
			var one []store.SaveResult
			if one, r.err = p.store.SaveFetches(ctx, []store.Fetch{r.fetch}); r.err == nil {
				r.result = one[0]
			}
		}
		close(r.done)
	}
}

// New returns a Poller. matcher is called once per feed so that reloaded
// rules take effect on the next feed.
func New(st *store.Store, fetcher *fetch.Client, matcher func() Matcher, opts Options) *Poller {
	if opts.Workers < 1 {
		opts.Workers = 16
	}
	if opts.PerHost < 1 {
		opts.PerHost = 2
	}
	if opts.Interval <= 0 {
		opts.Interval = 30 * time.Minute
	}
	if opts.MinInterval <= 0 {
		opts.MinInterval = time.Minute
	}
	if opts.MaxInterval < opts.MinInterval {
		opts.MaxInterval = 24 * time.Hour
	}
	if opts.MaxEntries < 1 {
		opts.MaxEntries = DefaultMaxEntries
	}
	opts.MaxEntries = min(opts.MaxEntries, normalize.MaxItems)
	if opts.PermanentRedirects < 1 {
		opts.PermanentRedirects = 3
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Poller{store: st, fetcher: fetcher, matcher: matcher, opts: opts, log: opts.Logger}
}

// Close lets go of the fetcher's idle connections; a config reload that
// replaces the poller calls it once the old one's last poll has ended.
func (p *Poller) Close() { p.fetcher.Close() }

// Outcome says what happened to one feed in one poll.
type Outcome string

const (
	OutcomeOK          Outcome = "ok"           // fetched and parsed
	OutcomeNotModified Outcome = "not-modified" // 304
	OutcomeUnchanged   Outcome = "unchanged"    // same body as last time; not parsed
	OutcomeFailed      Outcome = "failed"
)

// FeedResult is the outcome of polling one feed.
type FeedResult struct {
	Feed    model.Feed // state after the poll
	Outcome Outcome
	Items   int // entries in the document
	// Parsed counts the entries parsed: fewer than Items when the feed's
	// fingerprints recognised the others (a changed feed's later polls).
	Parsed  int
	New     int
	Seen    int
	Matches int
	// Done and Total place this result in its run (Done counts it), for
	// progress displays.
	Done, Total int
	// MatchesByTopic counts Matches per topic.
	MatchesByTopic map[string]int
	Err            error
	Duration       time.Duration
}

// Summary totals one run.
type Summary struct {
	Feeds, OK, Failed, New, Seen, Matches int
	Duration                              time.Duration
}

func (s *Summary) add(r FeedResult) {
	s.Feeds++
	if r.Outcome == OutcomeFailed {
		s.Failed++
	} else {
		s.OK++
	}
	s.New += r.New
	s.Seen += r.Seen
	s.Matches += r.Matches
}

// PollDue polls every due feed (every enabled feed when all is true) and
// calls report, from one goroutine at a time, as each finishes. The error is
// only for a run that could not happen (the store failed); feeds' own
// failures are in their results.
func (p *Poller) PollDue(ctx context.Context, all bool, report func(FeedResult)) (Summary, error) {
	start := p.opts.Now()
	feeds, err := p.store.DueFeeds(ctx, start, all)
	if err != nil {
		return Summary{}, fmt.Errorf("poll: %w", err)
	}
	sum := p.PollFeeds(ctx, feeds, report)
	sum.Duration = p.opts.Now().Sub(start)
	return sum, ctx.Err()
}

// PollFeeds polls the given feeds with the worker pool and per-host limit.
func (p *Poller) PollFeeds(ctx context.Context, feeds []model.Feed, report func(FeedResult)) Summary {
	feeds = interleaveByHost(feeds)
	jobs := make(chan model.Feed)
	results := make(chan FeedResult)
	limits := newHostLimiter(p.opts.PerHost)
	var wg sync.WaitGroup
	workers := min(p.opts.Workers, max(len(feeds), 1))
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for f := range jobs {
				host := hostOf(f.URL)
				if err := limits.acquire(ctx, host); err != nil {
					results <- FeedResult{Feed: f, Outcome: OutcomeFailed, Err: err}
					continue
				}
				// A feed already started finishes under the fetch timeout
				// even when ctx ends: shutdown stops new feeds, not this one.
				r := p.PollFeed(context.WithoutCancel(ctx), f)
				limits.release(host)
				results <- r
			}
		}()
	}
	go func() {
		defer close(jobs)
		for _, f := range feeds {
			select {
			case jobs <- f:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() {
		wg.Wait()
		close(results)
	}()
	var sum Summary
	var polls []store.Poll
	for r := range results {
		sum.add(r)
		r.Done, r.Total = sum.Feeds, len(feeds)
		if report != nil {
			report(r)
		}
		// Each feed's page shows its recent polls; they are written in
		// batches so that the history costs a commit per batch, not per feed.
		if r.Feed.ID != 0 && (r.Err == nil || ctx.Err() == nil) {
			polls = append(polls, PollRecord(r))
		}
		if len(polls) >= pollBatch {
			p.recordPolls(ctx, polls)
			polls = polls[:0]
		}
	}
	p.recordPolls(ctx, polls)
	return sum
}

// pollBatch is how many feeds' polls are recorded in one transaction.
const pollBatch = 100

// PollRecord is what a feed's page shows of one poll.
func PollRecord(r FeedResult) store.Poll {
	errText := ""
	if r.Err != nil {
		errText = r.Err.Error()
	}
	return store.Poll{FeedID: r.Feed.ID, At: r.Feed.LastPollAt, Outcome: string(r.Outcome), Duration: r.Duration,
		New: r.New, Matches: r.Matches, Error: errText}
}

func (p *Poller) recordPolls(ctx context.Context, polls []store.Poll) {
	if len(polls) == 0 {
		return
	}
	if err := p.store.RecordPolls(context.WithoutCancel(ctx), polls); err != nil {
		p.log.Error("record polls", "error", err)
	}
}

// PollFeed polls one feed and records the outcome on it. It never returns
// without recording: a failure is stored as the feed's last error.
func (p *Poller) PollFeed(ctx context.Context, f model.Feed) FeedResult {
	start := p.opts.Now()
	log := p.log.With("feed_url", fetch.Redacted(f.URL))
	r := p.poll(ctx, f, start)
	r.Duration = p.opts.Now().Sub(start)
	if r.Err != nil {
		if ctx.Err() != nil {
			// Shutting down: leave the feed's state as it was so that the
			// next start polls it again instead of backing off.
			return r
		}
		r.Outcome = OutcomeFailed
		r.Feed = p.failed(f, start, r.Err)
		if err := p.saveFeedState(context.WithoutCancel(ctx), r.Feed); err != nil {
			log.Error("save feed state", "error", err)
		}
		log.Warn("poll failed", "error", r.Err, "errors_in_a_row", r.Feed.ErrorCount, "next_poll_at", r.Feed.NextPollAt)
		return r
	}
	log.Debug("polled", "outcome", r.Outcome, "entries", r.Items, "parsed", r.Parsed, "new", r.New, "seen", r.Seen, "matches", r.Matches, "duration_ms", r.Duration.Milliseconds())
	return r
}

func (p *Poller) poll(ctx context.Context, f model.Feed, now time.Time) FeedResult {
	resp, err := p.fetcher.Fetch(ctx, fetch.Request{
		URL: f.URL, ETag: f.ETag, LastModified: f.LastModified,
		Username: f.Username, Password: f.Password, Trusted: f.Origin == "config" || f.Origin == "db",
	})
	if err != nil {
		return FeedResult{Feed: f, Err: err}
	}
	f.LastPollAt = now
	f = p.trackRedirect(f, resp.PermanentURL)
	if resp.NotModified {
		f = p.succeeded(f, now, max(resp.MaxAge, f.RefreshHint))
		return p.saveState(ctx, FeedResult{Feed: f, Outcome: OutcomeNotModified})
	}
	f.ETag, f.LastModified = resp.ETag, resp.LastModified
	sum := sha256.Sum256(resp.Body)
	hash := hex.EncodeToString(sum[:])
	if hash == f.BodyHash {
		f = p.succeeded(f, now, max(resp.MaxAge, f.RefreshHint))
		return p.saveState(ctx, FeedResult{Feed: f, Outcome: OutcomeUnchanged})
	}
	rd, err := p.read(ctx, f, resp, now)
	if err != nil {
		return FeedResult{Feed: f, Err: err} // parse's errors name the URL already
	}
	doc := rd.doc
	f.BodyHash = hash
	if f.Title == "" {
		f.Title = strings.TrimSpace(normalize.Title(doc.Title))
	}
	items, skipped := normalize.ItemsExcept(doc, resp.URL, now, rd.keys, rd.stored)
	skipped += len(rd.recognised)
	if p.opts.MaxAge > 0 {
		items = dropOlder(items, now.Add(-p.opts.MaxAge))
	}
	matcher := p.matcher()
	matches := make([][]model.Match, len(items))
	for i, it := range items {
		for _, res := range matcher.Match(match.Document{Title: it.Title, Summary: it.SummaryText, Content: it.ContentText}) {
			if res.Matched {
				matches[i] = append(matches[i], model.Match{TopicID: res.TopicID, Score: res.Score, Terms: res.Terms, Words: res.Words})
			}
		}
	}
	f.RefreshHint = max(doc.TTL, doc.UpdatePeriod)
	f = p.succeeded(f, now, max(resp.MaxAge, f.RefreshHint))
	saved, err := p.save(ctx, store.Fetch{Feed: f, Items: items, Matches: matches, Seen: rd.seen(), Prints: rd.prints})
	if err != nil {
		return FeedResult{Feed: f, Err: err}
	}
	return FeedResult{Feed: f, Outcome: OutcomeOK, Items: skipped + len(items), Parsed: rd.parsed, New: saved.NewItems, Seen: skipped + saved.SeenItems,
		Matches: saved.NewMatches, MatchesByTopic: saved.ByTopic}
}

// dropOlder keeps the items published at or after cutoff (and those
// without a date of their own).
func dropOlder(items []model.Item, cutoff time.Time) []model.Item {
	kept := items[:0]
	for _, it := range items {
		if it.DateMissing || !it.Published.Before(cutoff) {
			kept = append(kept, it)
		}
	}
	return kept
}

// saveState records a poll that stored nothing (a 304, an unchanged body)
// in the next group commit: most polls of a day are such, and one commit
// each cost more than the rest of their poll.
func (p *Poller) saveState(ctx context.Context, r FeedResult) FeedResult {
	if _, err := p.save(ctx, store.Fetch{Feed: r.Feed}); err != nil {
		r.Err = err
	}
	return r
}

func (p *Poller) saveFeedState(ctx context.Context, f model.Feed) error {
	p.writeMu.Lock()
	defer p.writeMu.Unlock()
	return p.store.SaveFeedState(ctx, f)
}

// trackRedirect moves the feed's URL once the same permanent redirect has
// been seen PermanentRedirects times in a row; a single 301 from a
// misconfigured server should not lose the feed's address.
func (p *Poller) trackRedirect(f model.Feed, permanent string) model.Feed {
	switch {
	case permanent == "" || permanent == f.URL:
		f.RedirectURL, f.RedirectCount = "", 0
	case permanent == f.RedirectURL:
		f.RedirectCount++
	default:
		f.RedirectURL, f.RedirectCount = permanent, 1
	}
	if f.RedirectCount >= p.opts.PermanentRedirects {
		if f.Origin == "config" {
			// The config file names this feed and writes its URL back at
			// every start: moved here, it would come back as a new feed
			// and store every entry again. The redirect keeps being
			// followed; the operator is told, once, to edit the file.
			if f.RedirectCount == p.opts.PermanentRedirects {
				p.log.Warn("feed moved permanently: change its url in the config file", "feed_url", fetch.Redacted(f.URL), "new_url", fetch.Redacted(f.RedirectURL))
			}
			return f
		}
		p.log.Info("feed moved permanently", "feed_url", fetch.Redacted(f.URL), "new_url", fetch.Redacted(f.RedirectURL))
		f.URL, f.RedirectURL, f.RedirectCount = f.RedirectURL, "", 0
	}
	return f
}

// interval is the feed's own interval, else the default, never below the
// floor: both the schedule and the error backoff start from it.
func (p *Poller) interval(f model.Feed) time.Duration {
	d := p.opts.Interval
	if f.Interval > 0 {
		d = f.Interval
	}
	return max(d, p.opts.MinInterval)
}

// succeeded schedules the next poll: the feed's interval, raised by the
// feed's own hint (<ttl>, Cache-Control, Expires) up to the ceiling. A hint
// only ever lengthens: an interval the operator set above the ceiling stays.
func (p *Poller) succeeded(f model.Feed, now time.Time, hint time.Duration) model.Feed {
	next := max(p.interval(f), min(hint, p.opts.MaxInterval))
	f.NextPollAt = now.Add(next)
	f.LastSuccessAt = now
	f.LastError, f.ErrorCount = "", 0
	return f
}

// failed schedules a retry: the server's Retry-After exactly when it gave
// one, otherwise exponential backoff from the feed's interval, capped, with
// jitter so that feeds failing together do not retry together.
func (p *Poller) failed(f model.Feed, now time.Time, err error) model.Feed {
	f.LastPollAt = now
	f.LastErrorAt = now
	f.LastError = err.Error()
	f.ErrorCount++
	// Retry-After is honoured exactly where it means "come back then": on
	// 429 and 503. On a 404 or a 500 it would replace the backoff, and a
	// server that says 60 s there would be asked again at every tick.
	var se *fetch.StatusError
	if errors.As(err, &se) && se.RetryAfter > 0 && (se.Code == http.StatusTooManyRequests || se.Code == http.StatusServiceUnavailable) {
		f.NextPollAt = now.Add(min(se.RetryAfter, 7*24*time.Hour))
		return f
	}
	f.NextPollAt = now.Add(Backoff(p.interval(f), p.opts.MaxInterval, f.ErrorCount, rand.Float64()))
	return f
}

// Backoff is the wait after the n-th consecutive failure: base·2^(n-1),
// capped at ceiling, then reduced by up to 20% by jitter (0 ≤ jitter < 1).
func Backoff(base, ceiling time.Duration, n int, jitter float64) time.Duration {
	d := base
	for i := 1; i < n && d < ceiling; i++ {
		d *= 2
	}
	d = min(d, ceiling)
	return d - time.Duration(float64(d)*0.2*jitter)
}

func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	return strings.ToLower(u.Hostname())
}

// interleaveByHost orders feeds so that consecutive jobs come from different
// hosts, keeping workers busy while one host's limit is reached.
func interleaveByHost(feeds []model.Feed) []model.Feed {
	byHost := map[string][]model.Feed{}
	var hosts []string
	for _, f := range feeds {
		h := hostOf(f.URL)
		if _, ok := byHost[h]; !ok {
			hosts = append(hosts, h)
		}
		byHost[h] = append(byHost[h], f)
	}
	// Hosts with many feeds first, so that their tail does not end the run alone.
	sort.SliceStable(hosts, func(i, j int) bool { return len(byHost[hosts[i]]) > len(byHost[hosts[j]]) })
	out := make([]model.Feed, 0, len(feeds))
	for len(out) < len(feeds) {
		for _, h := range hosts {
			if q := byHost[h]; len(q) > 0 {
				out = append(out, q[0])
				byHost[h] = q[1:]
			}
		}
	}
	return out
}

// hostLimiter bounds concurrent fetches per host.
type hostLimiter struct {
	mu    sync.Mutex
	limit int
	sems  map[string]chan struct{}
}

func newHostLimiter(limit int) *hostLimiter {
	return &hostLimiter{limit: limit, sems: map[string]chan struct{}{}}
}

func (l *hostLimiter) sem(host string) chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	s, ok := l.sems[host]
	if !ok {
		s = make(chan struct{}, l.limit)
		l.sems[host] = s
	}
	return s
}

func (l *hostLimiter) acquire(ctx context.Context, host string) error {
	sem := l.sem(host)
	select {
	case sem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	// select picks at random when a slot and the cancellation are both
	// ready, and PollFeeds' sender may hand out a job just as ctx ends;
	// no feed may start after cancellation all the same.
	if err := ctx.Err(); err != nil {
		<-sem
		return err
	}
	return nil
}

func (l *hostLimiter) release(host string) { <-l.sem(host) }
