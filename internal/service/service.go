// Package service holds feedwatch's operations: what an operator can do to
// feeds, subscribers, the outbox, topics' matches, backups and API keys.
// The command line, the admin pages and the REST API call the same methods,
// so that the three cannot disagree. Each method takes a context carrying
// who acts (WithActor), returns values and *Error for what callers branch
// on, and logs every change in the activity log.
//
// It owns no schedule and no server: the daemon polls, builds digests and
// serves pages; this package only answers and changes.
package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/feedwatch/feedwatch/internal/deliver"
	"github.com/feedwatch/feedwatch/internal/fetch"
	"github.com/feedwatch/feedwatch/internal/ingest"
	"github.com/feedwatch/feedwatch/internal/model"
	"github.com/feedwatch/feedwatch/internal/store"
	"github.com/feedwatch/feedwatch/internal/topic"
)

// Options is what the operations need; cmd/feedwatch fills it from the
// configuration.
type Options struct {
	Store *store.Store
	// Fetcher checks and discovers feeds. It should refuse private
	// addresses (fetch.Options.DenyPrivate): requests made for the web
	// and the API go through that guard, the command line's do not.
	Fetcher *fetch.Client
	Topics  func() *topic.Set
	// Poll polls one feed now ("refresh"); nil answers ErrUnsupported.
	Poll func(ctx context.Context, f model.Feed) ingest.FeedResult
	// Send drains the outbox once after a retry; nil leaves the queued
	// deliveries to the daemon.
	Send func(ctx context.Context) (deliver.Summary, error)
	// PreviewDigest renders a topic's next digest; nil answers
	// Unsupported.
	PreviewDigest func(ctx context.Context, topicID string) (DigestPreview, error)
	// OnClose releases what the caller made for this service (its fetcher,
	// a poller); Close calls it once.
	OnClose func()
	Logger  *slog.Logger
	Now     func() time.Time
}

// Service is the set of operations over one database.
type Service struct {
	opts      Options
	st        *store.Store
	log       *slog.Logger
	now       func() time.Time
	closeOnce sync.Once
}

// New checks opts and returns the service.
func New(opts Options) (*Service, error) {
	switch {
	case opts.Store == nil:
		return nil, errors.New("service: no store")
	case opts.Topics == nil:
		return nil, errors.New("service: no topics")
	case opts.Fetcher == nil:
		return nil, errors.New("service: no fetcher")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Service{opts: opts, st: opts.Store, log: opts.Logger.With("component", "service"), now: opts.Now}, nil
}

// Close releases what Options.OnClose names. The store stays open: the
// service does not own it.
func (s *Service) Close() {
	s.closeOnce.Do(func() {
		if s.opts.OnClose != nil {
			s.opts.OnClose()
		}
	})
}

// Store is the database the operations work on, for reads the service
// does not wrap.
func (s *Service) Store() *store.Store { return s.st }

// Topics is the current topics set.
func (s *Service) Topics() *topic.Set { return s.opts.Topics() }

// Actor is who asks for an operation: the way in (ViaCLI, ViaWeb, ViaAPI)
// and a name (the admin user, the API key's name).
type Actor struct {
	Via  string
	Name string
}

// The ways in. Feeds added through the web or the API are untrusted: their
// requests go through the private-address guard.
const (
	ViaCLI = "cli"
	ViaWeb = "web"
	ViaAPI = "api"
)

func (a Actor) String() string {
	switch {
	case a.Via == "":
		return ViaCLI
	case a.Name == "":
		return a.Via
	}
	return a.Via + ":" + a.Name
}

// trusted reports whether the actor may reach private addresses: the
// operator at the command line, who could edit the config file anyway.
func (a Actor) trusted() bool { return a.Via == "" || a.Via == ViaCLI }

type actorKey struct{}

// WithActor returns ctx carrying who acts; without one, the command line.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor ctx carries.
func ActorFrom(ctx context.Context) Actor {
	a, _ := ctx.Value(actorKey{}).(Actor)
	if a.Via == "" {
		a.Via = ViaCLI
	}
	return a
}

// record logs a change in the activity log and the process log. A failure
// to log does not undo the change: it is reported in the process log.
func (s *Service) record(ctx context.Context, action, subject, detail string) {
	actor := ActorFrom(ctx).String()
	s.log.Info("change", "actor", actor, "action", action, "subject", subject, "detail", detail)
	if err := s.st.LogActivity(context.WithoutCancel(ctx), store.Activity{Actor: actor, Action: action, Subject: subject, Detail: detail}); err != nil {
		s.log.Error("activity log", "action", action, "error", err)
	}
}

// Activities returns the latest changes, newest first.
func (s *Service) Activities(ctx context.Context, limit int) ([]store.Activity, error) {
	return s.st.Activities(ctx, limit)
}

func orDefault(n, def, most int) int {
	if n <= 0 {
		return def
	}
	return min(n, most)
}

func wrapStore(err error, what string) error { return wrapStoreField(err, "", what) }

// wrapStoreField is wrapStore for an error about one field of the input.
func wrapStoreField(err error, field, what string) error {
	var cfe *store.ConfigFeedError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &cfe):
		return &Error{Kind: ReadOnly, Msg: cfe.Error(), Err: err}
	case errors.Is(err, store.ErrNotFound):
		return &Error{Kind: NotFound, Field: field, Msg: what + " not found", Err: err}
	case errors.Is(err, store.ErrExists):
		return &Error{Kind: Conflict, Msg: what + " already exists", Err: err}
	}
	return fmt.Errorf("%s: %w", what, err)
}
