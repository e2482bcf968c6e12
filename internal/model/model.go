// Package model holds the plain types that flow through feedwatch's pipeline:
// feeds, items, topics' matches, subscribers, digests and deliveries.
// It depends on the standard library only and contains no behaviour that
// touches I/O.
package model

import "time"

// Feed is a source that feedwatch polls, together with its fetch state.
type Feed struct {
	ID       int64
	URL      string
	Title    string // operator's title, or the feed's own once known
	Enabled  bool
	Origin   string        // "config" or "db": where the operator declared it
	Interval time.Duration // 0 means the global default

	// HTTP basic auth for feeds that need it. Never logged.
	Username string
	Password string

	// Fetch state.
	ETag          string
	LastModified  string
	BodyHash      string // hex SHA-256 of the last parsed body
	NextPollAt    time.Time
	LastPollAt    time.Time
	LastSuccessAt time.Time
	LastErrorAt   time.Time
	LastError     string
	ErrorCount    int    // consecutive failures
	RedirectURL   string // target of consecutive permanent redirects
	RedirectCount int
	// RefreshHint is the feed's own word on how often to look (<ttl>,
	// <sy:updatePeriod>) from the last document parsed; it also counts for
	// 304s and unchanged bodies, which are not parsed.
	RefreshHint time.Duration
	ItemCount   int
}

// EntryPrint ties the fingerprint of an entry's bytes
// (parse.Layout.Fingerprint) to the stored item the entry became: the
// entries of a feed's last parsed document that are stored, so that the
// next poll of a changed document need not parse them again.
type EntryPrint struct {
	Hash   uint64
	ItemID int64
}

// Item is one normalised feed entry.
type Item struct {
	ID            int64
	FeedID        int64
	Key           string // unique per feed: GUID, else canonical link, else content hash
	GUID          string
	Link          string // as published, resolved to an absolute URL
	CanonicalLink string // Link without tracking parameters; used for de-duplication
	Title         string // plain text, HTML decoded, whitespace collapsed
	Summary       string // sanitised HTML as published (may be empty)
	SummaryText   string // plain text of Summary, for matching
	Content       string // full content HTML when the feed carries it
	ContentText   string
	Author        string
	Published     time.Time // UTC; the fetch time when the feed gave none
	Updated       time.Time // UTC; zero when absent
	DateMissing   bool      // Published was filled in with the fetch time
	FetchedAt     time.Time
	Lang          string
}

// Match records that an item matched a topic's rules.
type Match struct {
	ItemID    int64
	TopicID   string
	Score     float64
	Terms     []string
	MatchedAt time.Time
}

// Subscription states.
const (
	SubscriptionPending      = "pending"
	SubscriptionActive       = "active"
	SubscriptionUnsubscribed = "unsubscribed"
	SubscriptionSuspended    = "suspended"
)

// Subscriber is one address that receives digests.
type Subscriber struct {
	ID        int64
	Email     string
	Name      string
	TimeZone  string // IANA name; empty means UTC
	CreatedAt time.Time
	// Bounces counts consecutive permanent delivery failures.
	Bounces int
}

// Subscription ties a subscriber to a topic.
type Subscription struct {
	SubscriberID int64
	Email        string
	Name         string
	TimeZone     string
	TopicID      string
	Status       string
	CreatedAt    time.Time
	ConfirmedAt  time.Time
	ChangedAt    time.Time // last change of Status (a sign-up, a confirmation, an unsubscribe)
}

// Digest is one topic's digest for one period [PeriodStart, PeriodEnd).
type Digest struct {
	ID          int64
	TopicID     string
	PeriodStart time.Time
	PeriodEnd   time.Time
	CreatedAt   time.Time
	ItemCount   int
	Subject     string
	HTML        string // the archived rendering ("view in browser")
	Text        string
}

// Delivery states.
const (
	DeliveryQueued = "queued"
	DeliverySent   = "sent"
	DeliveryFailed = "failed" // permanent failure; not retried
)

// Delivery is one digest addressed to one subscriber: a row in the outbox.
type Delivery struct {
	ID            int64
	DigestID      int64
	SubscriberID  int64
	Email         string
	Status        string
	Attempts      int
	NextAttemptAt time.Time
	LastError     string
	MessageID     string
	Message       []byte // the complete RFC 5322 message, rendered once
	CreatedAt     time.Time
	SentAt        time.Time
}
