package service

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/feedwatch/feedwatch/internal/mailaddr"
	"github.com/feedwatch/feedwatch/internal/model"
	"github.com/feedwatch/feedwatch/internal/store"
)

// SubscriptionFilter selects subscriptions; zero fields select all.
type SubscriptionFilter struct {
	TopicID string
	Status  string
	Email   string // this address only
}

// Subscriptions lists subscriptions by address then topic. A topic that
// is neither in the topics file nor has subscriptions is a typo: Invalid.
func (s *Service) Subscriptions(ctx context.Context, f SubscriptionFilter) ([]model.Subscription, error) {
	switch f.Status {
	case "", model.SubscriptionActive, model.SubscriptionPending, model.SubscriptionUnsubscribed, model.SubscriptionSuspended:
	default:
		return nil, invalid("status", "status %q is not one of active, pending, unsubscribed, suspended", f.Status)
	}
	all, err := s.st.Subscriptions(ctx)
	if err != nil {
		return nil, err
	}
	var out []model.Subscription
	known := f.TopicID == ""
	for _, sub := range all {
		if f.TopicID != "" && sub.TopicID == f.TopicID {
			known = true
		}
		if (f.TopicID == "" || sub.TopicID == f.TopicID) && (f.Status == "" || sub.Status == f.Status) &&
			(f.Email == "" || strings.EqualFold(sub.Email, strings.TrimSpace(f.Email))) {
			out = append(out, sub)
		}
	}
	if !known {
		if err := s.checkTopic(f.TopicID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (s *Service) checkTopic(id string) error {
	set := s.opts.Topics()
	if _, ok := set.Topic(id); ok {
		return nil
	}
	var ids []string
	for _, t := range set.Topics() {
		ids = append(ids, t.ID)
	}
	return invalid("topic", "unknown topic %q (topics: %s)", id, strings.Join(ids, ", "))
}

// SubscriptionInput is one address's subscription to one topic as the
// operator sets it. Zero fields other than Email and TopicID leave the
// stored value.
type SubscriptionInput struct {
	Email    string
	TopicID  string
	Name     string
	TimeZone string // IANA name
	// Status for SetSubscription: active, unsubscribed or suspended.
	Status string
}

func (s *Service) checkInput(in *SubscriptionInput) error {
	addr, err := mailaddr.Parse(in.Email)
	if err != nil {
		return &Error{Kind: Invalid, Field: "email", Msg: err.Error(), Err: err}
	}
	in.Email = addr
	if in.TopicID == "" {
		return invalid("topic", "a topic is needed")
	}
	if err := s.checkTopic(in.TopicID); err != nil {
		return err
	}
	if in.TimeZone != "" {
		if _, err := time.LoadLocation(in.TimeZone); err != nil {
			return invalid("time_zone", "time zone %q: %v", in.TimeZone, err)
		}
	}
	if len(in.Name) > 200 {
		return invalid("name", "name longer than 200 characters")
	}
	return nil
}

// Subscribe subscribes an address, active at once: the operator vouches
// for it, so there is no confirmation mail.
func (s *Service) Subscribe(ctx context.Context, in SubscriptionInput) (model.Subscription, error) {
	if err := s.checkInput(&in); err != nil {
		return model.Subscription{}, err
	}
	sub, err := s.st.Subscribe(ctx, model.Subscription{Email: in.Email, Name: in.Name, TimeZone: in.TimeZone, TopicID: in.TopicID, Status: model.SubscriptionActive})
	if err != nil {
		return sub, err
	}
	s.record(ctx, "subscriber.add", sub.Email, sub.TopicID)
	return sub, nil
}

// SetSubscription changes an existing subscription: its status (active,
// unsubscribed), the subscriber's name and zone.
func (s *Service) SetSubscription(ctx context.Context, in SubscriptionInput) (model.Subscription, error) {
	if err := s.checkInput(&in); err != nil {
		return model.Subscription{}, err
	}
	cur, err := s.st.Subscription(ctx, in.Email, in.TopicID)
	if err != nil {
		return cur, wrapStore(err, fmt.Sprintf("subscription of %s to %s", in.Email, in.TopicID))
	}
	status := in.Status
	if status == "" {
		status = cur.Status
	}
	switch status {
	case model.SubscriptionActive, model.SubscriptionUnsubscribed, model.SubscriptionSuspended, model.SubscriptionPending:
	default:
		return cur, invalid("status", "status %q is not one of active, unsubscribed, suspended", status)
	}
	if status == model.SubscriptionUnsubscribed && cur.Status != status {
		if _, err := s.st.Unsubscribe(ctx, in.Email, in.TopicID); err != nil {
			return cur, err
		}
		status = model.SubscriptionUnsubscribed
	}
	if status != model.SubscriptionUnsubscribed || in.Name != "" || in.TimeZone != "" {
		if cur, err = s.st.Subscribe(ctx, model.Subscription{Email: in.Email, Name: in.Name, TimeZone: in.TimeZone, TopicID: in.TopicID, Status: status}); err != nil {
			return cur, err
		}
	}
	s.record(ctx, "subscription.edit", in.Email, fmt.Sprintf("%s: %s", in.TopicID, status))
	return s.st.Subscription(ctx, in.Email, in.TopicID)
}

// Unsubscribe ends an address's subscription to topicID, or to every
// topic when topicID is empty, and reports how many changed.
func (s *Service) Unsubscribe(ctx context.Context, email, topicID string) (int, error) {
	n, err := s.st.Unsubscribe(ctx, email, topicID)
	if err != nil {
		return 0, err
	}
	if n == 0 {
		to := ""
		if topicID != "" {
			to = " to " + topicID
		}
		return 0, &Error{Kind: NotFound, Field: "email", Msg: fmt.Sprintf("%s has no active subscription%s", email, to)}
	}
	s.record(ctx, "subscriber.remove", strings.TrimSpace(email), topicID)
	return n, nil
}

// EraseSubscriber deletes an address with its subscriptions and queued
// mail (an erasure request).
func (s *Service) EraseSubscriber(ctx context.Context, email string) error {
	if err := s.st.RemoveSubscriber(ctx, email); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return &Error{Kind: NotFound, Field: "email", Msg: fmt.Sprintf("subscriber %s not found", email), Err: err}
		}
		return err
	}
	// The address itself is what was erased: the log keeps no copy.
	if err := s.st.RedactActivity(ctx, strings.TrimSpace(email), erased); err != nil {
		return err
	}
	s.record(ctx, "subscriber.erase", erased, "")
	return nil
}

// erased stands for an erased address in the activity log.
const erased = "(erased address)"

// ExportSubscriptionsCSV writes the subscriptions f selects as CSV with a
// header row.
func (s *Service) ExportSubscriptionsCSV(ctx context.Context, w io.Writer, f SubscriptionFilter) error {
	subs, err := s.Subscriptions(ctx, f)
	if err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"email", "name", "topic", "status", "time_zone", "created_at", "confirmed_at", "changed_at"})
	for _, sub := range subs {
		_ = cw.Write([]string{csvSafe(sub.Email), csvSafe(sub.Name), sub.TopicID, sub.Status, sub.TimeZone,
			stamp(sub.CreatedAt), stamp(sub.ConfirmedAt), stamp(sub.ChangedAt)})
	}
	cw.Flush()
	return cw.Error()
}

// csvSafe keeps a spreadsheet from reading a cell as a formula (CSV
// injection): names come from strangers.
func csvSafe(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
