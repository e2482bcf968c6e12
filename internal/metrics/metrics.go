// Package metrics owns feedwatch's Prometheus instruments: counters and
// histograms that the daemon's jobs feed through the Observe methods, and a
// collector that reads the store's current state (feeds by status, outbox
// by state, stored items) at scrape time. Everything lives in its own
// registry, never the global default one, so tests and several instances in
// one process do not collide. A nil *Metrics is valid and records nothing,
// so callers need no "metrics enabled" checks.
package metrics

import (
	"context"
	"errors"
	"net"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/feedwatch/feedwatch/internal/fetch"
	"github.com/feedwatch/feedwatch/internal/model"
	"github.com/feedwatch/feedwatch/internal/parse"
	"github.com/feedwatch/feedwatch/internal/store"
)

// Poll error classes of feedwatch_poll_errors_total.
const (
	ClassTimeout = "timeout"
	Class4xx     = "http_4xx"
	Class5xx     = "http_5xx"
	ClassParse   = "parse"
	ClassNetwork = "network"
	ClassOther   = "other"
)

// Feed statuses of feedwatch_feeds and the admin page.
const (
	FeedOK         = "ok"
	FeedFailing    = "failing"
	FeedBackingOff = "backing_off"
	FeedDisabled   = "disabled"
)

// Metrics holds the registry and the instruments the daemon updates.
type Metrics struct {
	Registry *prometheus.Registry

	polls          *prometheus.CounterVec
	pollErrors     *prometheus.CounterVec
	itemsStored    prometheus.Counter
	matches        *prometheus.CounterVec
	digestsBuilt   *prometheus.CounterVec
	deliveries     *prometheus.CounterVec
	smtpSend       prometheus.Histogram
	lastPoll       prometheus.Gauge
	lastDigest     *prometheus.GaugeVec
	backups        *prometheus.CounterVec
	lastBackup     prometheus.Gauge
	backupBytes    prometheus.Gauge
	scrapeDuration time.Duration
}

// New registers every instrument, the store collector (when st is not nil)
// and the Go and process collectors in a fresh registry.
func New(st *store.Store) *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		polls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "feedwatch_polls_total", Help: "Feed polls by outcome (ok, not-modified, unchanged, failed).",
		}, []string{"outcome"}),
		pollErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "feedwatch_poll_errors_total", Help: "Failed polls by error class.",
		}, []string{"class"}),
		itemsStored: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "feedwatch_items_stored_total", Help: "New items stored.",
		}),
		matches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "feedwatch_matches_total", Help: "New items that matched a topic.",
		}, []string{"topic"}),
		digestsBuilt: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "feedwatch_digests_built_total", Help: "Digests built and queued.",
		}, []string{"topic"}),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "feedwatch_deliveries_total", Help: "Delivery attempts by result (sent, retry, failed).",
		}, []string{"state"}),
		smtpSend: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "feedwatch_smtp_send_seconds", Help: "Time to hand one message to the SMTP server.",
			Buckets: []float64{.05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
		}),
		lastPoll: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "feedwatch_last_poll_timestamp_seconds", Help: "Unix time the last poll run finished.",
		}),
		lastDigest: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "feedwatch_last_digest_timestamp_seconds", Help: "Unix time of each topic's last digest.",
		}, []string{"topic"}),
		backups: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "feedwatch_backups_total", Help: "Scheduled database backups by result (ok, failed).",
		}, []string{"result"}),
		lastBackup: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "feedwatch_last_backup_timestamp_seconds", Help: "Unix time the last successful scheduled backup finished.",
		}),
		backupBytes: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "feedwatch_last_backup_bytes", Help: "Size of the last successful scheduled backup.",
		}),
		scrapeDuration: 5 * time.Second,
	}
	m.Registry.MustRegister(m.polls, m.pollErrors, m.itemsStored, m.matches, m.digestsBuilt,
		m.deliveries, m.smtpSend, m.lastPoll, m.lastDigest, m.backups, m.lastBackup, m.backupBytes,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// Pre-create the fixed label values so that dashboards and alerts see 0
	// rather than an absent series before the first event.
	for _, o := range []string{"ok", "not-modified", "unchanged", "failed"} {
		m.polls.WithLabelValues(o)
	}
	for _, c := range []string{ClassTimeout, Class4xx, Class5xx, ClassParse, ClassNetwork, ClassOther} {
		m.pollErrors.WithLabelValues(c)
	}
	for _, s := range []string{"sent", "retry", "failed"} {
		m.deliveries.WithLabelValues(s)
	}
	for _, r := range []string{"ok", "failed"} {
		m.backups.WithLabelValues(r)
	}
	if st != nil {
		m.Registry.MustRegister(newStoreCollector(st, m.scrapeDuration))
	}
	return m
}

// ObservePoll records one feed's poll: its outcome, the class of its error,
// the new items stored and the new matches per topic.
func (m *Metrics) ObservePoll(outcome string, err error, newItems int, matchesByTopic map[string]int) {
	if m == nil {
		return
	}
	m.polls.WithLabelValues(outcome).Inc()
	if err != nil {
		m.pollErrors.WithLabelValues(ErrorClass(err)).Inc()
	}
	if newItems > 0 {
		m.itemsStored.Add(float64(newItems))
	}
	for t, n := range matchesByTopic {
		if n > 0 {
			m.matches.WithLabelValues(t).Add(float64(n))
		}
	}
}

// ObserveDigest records a digest built for topic at at.
func (m *Metrics) ObserveDigest(topic string, at time.Time) {
	if m == nil {
		return
	}
	m.digestsBuilt.WithLabelValues(topic).Inc()
	m.lastDigest.WithLabelValues(topic).Set(float64(at.UnixMilli()) / 1000)
}

// Topic makes topic's series present before its first match or digest,
// and sets its last digest's time from the database (zero: none yet), so
// that a restarted daemon does not lose what "time since the last digest"
// alerts read.
func (m *Metrics) Topic(topic string, lastDigest time.Time) {
	if m == nil {
		return
	}
	m.digestsBuilt.WithLabelValues(topic)
	m.matches.WithLabelValues(topic)
	if !lastDigest.IsZero() {
		m.lastDigest.WithLabelValues(topic).Set(float64(lastDigest.UnixMilli()) / 1000)
	}
}

// ObserveDelivery records one delivery attempt with its result (sent, retry,
// failed) and how long the SMTP exchange took (d <= 0: not sent, e.g. the
// message was refused before any SMTP traffic).
func (m *Metrics) ObserveDelivery(state string, d time.Duration) {
	if m == nil {
		return
	}
	m.deliveries.WithLabelValues(state).Inc()
	if d > 0 {
		m.smtpSend.Observe(d.Seconds())
	}
}

// ObservePollRun records that a poll run finished at at; alerts fire on its
// age when the scheduler stalls.
func (m *Metrics) ObservePollRun(at time.Time) {
	if m == nil {
		return
	}
	m.lastPoll.Set(float64(at.UnixMilli()) / 1000)
}

// ObserveBackup records a scheduled backup that finished at at: when err is
// nil, its size and time, on which an alert can fire when backups stop.
func (m *Metrics) ObserveBackup(at time.Time, bytes int64, err error) {
	if m == nil {
		return
	}
	if err != nil {
		m.backups.WithLabelValues("failed").Inc()
		return
	}
	m.backups.WithLabelValues("ok").Inc()
	m.lastBackup.Set(float64(at.UnixMilli()) / 1000)
	m.backupBytes.Set(float64(bytes))
}

// ErrorClass sorts a poll error into one of the Class* values.
func ErrorClass(err error) string {
	var se *fetch.StatusError
	var ne net.Error
	switch {
	case err == nil:
		return ""
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return ClassTimeout
	case errors.As(err, &se) && se.Code >= 500:
		return Class5xx
	case errors.As(err, &se) && se.Code >= 400:
		return Class4xx
	case errors.Is(err, parse.ErrNotAFeed):
		return ClassParse
	case errors.As(err, &ne) && ne.Timeout():
		return ClassTimeout
	case errors.As(err, &ne), errors.Is(err, fetch.ErrPrivateAddress):
		return ClassNetwork
	}
	var oe *net.OpError
	var de *net.DNSError
	if errors.As(err, &oe) || errors.As(err, &de) {
		return ClassNetwork
	}
	return ClassOther
}

// FeedStatus says how a feed is doing, for the admin page and
// feedwatch_feeds. A feed whose last poll failed is "failing"; from the
// second failure in a row the ingester's exponential backoff has pushed the
// next poll beyond the feed's normal interval, which is "backing_off" while
// that wait lasts.
func FeedStatus(f model.Feed, now time.Time) string {
	switch {
	case !f.Enabled:
		return FeedDisabled
	case f.ErrorCount == 0 && f.LastError == "":
		return FeedOK
	case f.ErrorCount >= 2 && f.NextPollAt.After(now):
		return FeedBackingOff
	default:
		return FeedFailing
	}
}

// storeCollector reads the store's state at scrape time, so the numbers are
// right even just after a restart and never drift from the database.
type storeCollector struct {
	st      *store.Store
	timeout time.Duration
	now     func() time.Time

	feeds, outbox, items *prometheus.Desc
}

func newStoreCollector(st *store.Store, timeout time.Duration) *storeCollector {
	return &storeCollector{
		st: st, timeout: timeout, now: time.Now,
		feeds:  prometheus.NewDesc("feedwatch_feeds", "Feeds by status (ok, failing, backing_off, disabled).", []string{"status"}, nil),
		outbox: prometheus.NewDesc("feedwatch_outbox", "Deliveries in the outbox by state.", []string{"status"}, nil),
		items:  prometheus.NewDesc("feedwatch_items", "Items stored.", nil, nil),
	}
}

func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.feeds
	ch <- c.outbox
	ch <- c.items
}

func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()

	feeds, err := c.st.Feeds(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.feeds, err)
	} else {
		counts := map[string]int{FeedOK: 0, FeedFailing: 0, FeedBackingOff: 0, FeedDisabled: 0}
		now := c.now()
		for _, f := range feeds {
			counts[FeedStatus(f, now)]++
		}
		for s, n := range counts {
			ch <- prometheus.MustNewConstMetric(c.feeds, prometheus.GaugeValue, float64(n), s)
		}
	}

	byState, err := c.st.DeliveryCounts(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.outbox, err)
	} else {
		for _, s := range []string{model.DeliveryQueued, model.DeliverySent, model.DeliveryFailed} {
			if _, ok := byState[s]; !ok {
				byState[s] = 0
			}
		}
		for s, n := range byState {
			ch <- prometheus.MustNewConstMetric(c.outbox, prometheus.GaugeValue, float64(n), s)
		}
	}

	n, err := c.st.ItemCount(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.items, err)
	} else {
		ch <- prometheus.MustNewConstMetric(c.items, prometheus.GaugeValue, float64(n))
	}
}
