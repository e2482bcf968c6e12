package metrics

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/feedwatch/feedwatch/internal/fetch"
	"github.com/feedwatch/feedwatch/internal/model"
	"github.com/feedwatch/feedwatch/internal/parse"
	"github.com/feedwatch/feedwatch/internal/store"
)

func TestNilMetricsDoNothing(t *testing.T) {
	var m *Metrics
	m.ObservePoll("ok", errors.New("x"), 3, map[string]int{"t": 1})
	m.ObserveDigest("t", time.Now())
	m.ObserveDelivery("sent", time.Second)
	m.ObservePollRun(time.Now())
}

func TestErrorClass(t *testing.T) {
	cases := []struct {
		err  error
		want string
	}{
		{context.DeadlineExceeded, ClassTimeout},
		{fmt.Errorf("fetch x: %w", context.DeadlineExceeded), ClassTimeout},
		{&fetch.StatusError{Code: 404}, Class4xx},
		{fmt.Errorf("poll: %w", &fetch.StatusError{Code: 503}), Class5xx},
		{fmt.Errorf("parse: %w", parse.ErrNotAFeed), ClassParse},
		{&net.OpError{Op: "dial", Err: errors.New("connection refused")}, ClassNetwork},
		{&net.DNSError{Err: "no such host", Name: "x"}, ClassNetwork},
		{&net.DNSError{Err: "timeout", Name: "x", IsTimeout: true}, ClassTimeout},
		{fetch.ErrPrivateAddress, ClassNetwork},
		{errors.New("something"), ClassOther},
	}
	for _, c := range cases {
		if got := ErrorClass(c.err); got != c.want {
			t.Errorf("ErrorClass(%v) = %q, want %q", c.err, got, c.want)
		}
	}
}

func TestFeedStatus(t *testing.T) {
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		f    model.Feed
		want string
	}{
		{model.Feed{Enabled: true}, FeedOK},
		{model.Feed{Enabled: false, ErrorCount: 4}, FeedDisabled},
		{model.Feed{Enabled: true, ErrorCount: 1, LastError: "x", NextPollAt: now.Add(time.Hour)}, FeedFailing},
		{model.Feed{Enabled: true, ErrorCount: 3, LastError: "x", NextPollAt: now.Add(time.Hour)}, FeedBackingOff},
		{model.Feed{Enabled: true, ErrorCount: 3, LastError: "x", NextPollAt: now.Add(-time.Minute)}, FeedFailing},
	}
	for i, c := range cases {
		if got := FeedStatus(c.f, now); got != c.want {
			t.Errorf("case %d: %q, want %q", i, got, c.want)
		}
	}
}

func TestCountersAndStoreCollector(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "feedwatch.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ok, _ := st.AddFeed(ctx, model.Feed{URL: "https://a.example/feed"})
	bad, _ := st.AddFeed(ctx, model.Feed{URL: "https://b.example/feed"})
	bad.ErrorCount, bad.LastError, bad.NextPollAt = 1, "HTTP 500", time.Now().Add(time.Hour)
	if err := st.SaveFeedState(ctx, bad); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if _, err := st.SaveFetch(ctx, ok, []model.Item{{Key: "1", Title: "one", Published: now, FetchedAt: now}}, nil); err != nil {
		t.Fatal(err)
	}

	m := New(st)
	m.ObservePoll("ok", nil, 1, map[string]int{"go": 2, "rust": 0})
	m.ObservePoll("failed", &fetch.StatusError{Code: 502}, 0, nil)
	m.ObserveDelivery("retry", 0)
	m.Topic("quiet", time.Unix(1690000000, 0))
	m.Topic("new", time.Time{})
	m.ObserveBackup(time.Unix(1700000000, 0), 4096, nil)
	m.ObserveBackup(time.Unix(1700003600, 0), 0, errors.New("disk full"))
	vals := gather(t, m.Registry)
	for series, want := range map[string]float64{
		`feedwatch_polls_total{outcome="ok"}`:                    1,
		`feedwatch_polls_total{outcome="unchanged"}`:             0,
		`feedwatch_poll_errors_total{class="http_5xx"}`:          1,
		`feedwatch_matches_total{topic="go"}`:                    2,
		`feedwatch_deliveries_total{state="retry"}`:              1,
		`feedwatch_feeds{status="ok"}`:                           1,
		`feedwatch_feeds{status="failing"}`:                      1,
		`feedwatch_feeds{status="backing_off"}`:                  0,
		`feedwatch_feeds{status="disabled"}`:                     0,
		`feedwatch_outbox{status="queued"}`:                      0,
		`feedwatch_outbox{status="sent"}`:                        0,
		`feedwatch_outbox{status="failed"}`:                      0,
		`feedwatch_items`:                                        1,
		`feedwatch_digests_built_total{topic="quiet"}`:           0,
		`feedwatch_matches_total{topic="new"}`:                   0,
		`feedwatch_last_digest_timestamp_seconds{topic="quiet"}`: 1690000000,
		`feedwatch_backups_total{result="ok"}`:                   1,
		`feedwatch_backups_total{result="failed"}`:               1,
		`feedwatch_last_backup_timestamp_seconds`:                1700000000,
		`feedwatch_last_backup_bytes`:                            4096,
	} {
		got, ok := vals[series]
		if !ok || got != want {
			t.Errorf("%s = %v (present %v), want %v", series, got, ok, want)
		}
	}
	if _, ok := vals[`feedwatch_matches_total{topic="rust"}`]; ok {
		t.Error("a topic with no new matches got a series")
	}
	if _, ok := vals[`feedwatch_last_digest_timestamp_seconds{topic="new"}`]; ok {
		t.Error("a topic without a digest got a last-digest time")
	}
	if _, ok := vals["feedwatch_smtp_send_seconds_count"]; !ok {
		t.Error("no smtp histogram")
	}

	// A closed store makes the store metrics fail but not the others.
	st.Close()
	mfs, err := m.Registry.Gather()
	if err == nil {
		t.Error("gather with a closed store reported no error")
	}
	found := false
	for _, mf := range mfs {
		if mf.GetName() == "feedwatch_polls_total" {
			found = true
		}
	}
	if !found {
		t.Error("counters lost when the store failed")
	}
}

// gather flattens the registry into "name{label="value"}" -> value; a
// histogram contributes name_count.
func gather(t *testing.T, r *prometheus.Registry) map[string]float64 {
	t.Helper()
	mfs, err := r.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			name := mf.GetName()
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
			}
			if len(labels) > 0 {
				name += "{" + strings.Join(labels, ",") + "}"
			}
			switch {
			case m.Counter != nil:
				out[name] = m.GetCounter().GetValue()
			case m.Gauge != nil:
				out[name] = m.GetGauge().GetValue()
			case m.Histogram != nil:
				out[mf.GetName()+"_count"] = float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	return out
}
