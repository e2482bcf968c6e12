package service

import (
	"context"
	"fmt"

	"github.com/feedwatch/feedwatch/internal/deliver"
	"github.com/feedwatch/feedwatch/internal/model"
)

// DeliveryFilter selects deliveries, newest first.
type DeliveryFilter struct {
	Status string // queued, sent, failed; "" for all
	Before int64  // cursor: ids below this
	Limit  int    // default 50, at most 500
}

// Deliveries lists the outbox.
func (s *Service) Deliveries(ctx context.Context, f DeliveryFilter) ([]model.Delivery, error) {
	switch f.Status {
	case "", model.DeliveryQueued, model.DeliverySent, model.DeliveryFailed:
	default:
		return nil, invalid("status", "status %q is not one of queued, sent, failed", f.Status)
	}
	return s.st.DeliveriesPage(ctx, f.Status, f.Before, orDefault(f.Limit, 50, 500))
}

// Delivery returns one delivery, without its message.
func (s *Service) Delivery(ctx context.Context, id int64) (model.Delivery, error) {
	d, err := s.st.DeliveryByID(ctx, id)
	return d, wrapStore(err, fmt.Sprintf("delivery %d", id))
}

// RetryResult says what a retry queued and, when the service can send,
// what sending then did.
type RetryResult struct {
	Queued int
	Sent   *deliver.Summary // nil: left for the daemon's next send
}

// RetryDeliveries queues failed deliveries again, one (id > 0) or all, and
// sends what is due when the service can.
func (s *Service) RetryDeliveries(ctx context.Context, id int64) (RetryResult, error) {
	n, err := s.st.RetryFailed(ctx, id)
	if err != nil {
		return RetryResult{}, err
	}
	if id > 0 && n == 0 {
		return RetryResult{}, &Error{Kind: NotFound, Field: "id",
			Msg: fmt.Sprintf("delivery %d: no such failed delivery (only failed ones are retried; see outbox list --status failed)", id)}
	}
	subject := "all failed"
	if id > 0 {
		subject = fmt.Sprintf("delivery %d", id)
	}
	s.record(ctx, "outbox.retry", subject, fmt.Sprintf("%d queued again", n))
	res := RetryResult{Queued: n}
	if s.opts.Send != nil {
		sum, err := s.opts.Send(ctx)
		res.Sent = &sum
		if err != nil {
			return res, fmt.Errorf("send: %w", err)
		}
	}
	return res, nil
}
