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
	ItemID  int64
	TopicID string
	Score   float64
	Terms   []string // the rule terms that fired, as the rules spell them
	// Words are the words of the item that those terms found, as the item
	// writes them ("spokesman" for the term "spokes*"): what readers see.
	// Empty for matches stored before feedwatch kept them.
	Words     []string
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
	// PausedUntil holds every mail back until then; matches wait.
	PausedUntil time.Time
	// Combine puts subscriptions that are due together into one mail.
	Combine bool
	// Lang, when set ("en", "ru"), is the language whose report heads a
	// story that has one.
	Lang string
	// FeedKey is part of the signed links to a non-public topic's feeds;
	// a new key revokes the links made with the old one.
	FeedKey string
}

// Frequencies of a subscription.
const (
	FrequencyTopic   = ""        // the topic's own schedule
	FrequencyInstant = "instant" // within a poll cycle, capped per hour
	FrequencyDaily   = "daily"
	FrequencyWeekly  = "weekly"
)

// Schedule is when a subscription's mail goes out.
type Schedule struct {
	Frequency string
	// DeliverAt is minutes after midnight in the subscriber's zone, and
	// Weekday the day of a weekly one; both unused for the topic's
	// schedule and for instant.
	DeliverAt int
	Weekday   time.Weekday
	// BestOnly keeps only matches scoring at or above the topic's
	// best_score.
	BestOnly bool
}

// Subscription ties a subscriber to a topic. It carries the subscriber's
// own settings too, as every reader of a subscription needs them.
type Subscription struct {
	SubscriberID int64
	Email        string
	Name         string
	TimeZone     string
	PausedUntil  time.Time
	Combine      bool
	Lang         string
	TopicID      string
	Status       string
	Schedule
	// CursorSeq is the newest match of the topic this subscription has
	// been given (or passed over, for BestOnly).
	CursorSeq int64
	// NextAt is the next scheduled delivery; zero while it is to be worked
	// out and for instant subscriptions.
	NextAt      time.Time
	LastSentAt  time.Time
	CreatedAt   time.Time
	ConfirmedAt time.Time
	ChangedAt   time.Time // last change of Status (a sign-up, a confirmation, an unsubscribe)
}

// Digest is one topic's section of the mails that carried its matches
// FromSeq < seq <= ToSeq (only the strongest, with BestOnly), over the
// period [PeriodStart, PeriodEnd), with the archive copy of it.
type Digest struct {
	ID          int64
	TopicID     string
	FromSeq     int64
	ToSeq       int64
	BestOnly    bool
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

// Kinds of delivery.
const (
	KindDigest = "digest" // a daily, weekly or topic-scheduled mail
	KindAlert  = "alert"  // an instant one
)

// Delivery is one mail addressed to one subscriber: a row in the outbox. It
// carries one topic's section, or several when subscriptions share a mail.
type Delivery struct {
	ID            int64
	Kind          string
	Topics        []string // of its sections, in the mail's order
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
