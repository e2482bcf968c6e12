// Package deliver drains the outbox: it takes queued deliveries from the
// store, hands each message to a mail.Sender exactly as it was rendered, and
// records the outcome in the same step. Temporary failures are retried with
// capped exponential backoff; permanent ones are recorded with the server's
// reply and never retried. Only a recipient rejected at RCPT counts as a
// bounce against the subscriber.
package deliver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/mail"
	"strings"
	"time"

	fwmail "github.com/feedwatch/feedwatch/internal/mail"
	"github.com/feedwatch/feedwatch/internal/store"
)

// Options tune sending.
type Options struct {
	From string // envelope sender
	// Rate limits messages per second (0: unlimited).
	Rate float64
	// RetryBase and RetryMax bound the backoff between attempts.
	RetryBase, RetryMax time.Duration
	// GiveUpAfter is how long a delivery keeps being retried after it was
	// queued before it is failed for good.
	GiveUpAfter time.Duration
	// SuspendAfter consecutive permanent failures suspend a subscriber.
	SuspendAfter int
	Batch        int
	// Observe, when set, is told each attempt's result ("sent", "retry",
	// "failed") and how long the exchange with the server took.
	Observe func(state string, d time.Duration)
	Now     func() time.Time
	Logger  *slog.Logger
}

// Outbox sends queued deliveries.
type Outbox struct {
	store  *store.Store
	sender fwmail.Sender
	owner  string // this process, as named in the outbox lease
	opts   Options
	log    *slog.Logger
	// draining admits one Drain at a time. The daemon runs Drain from the
	// outbox job and from every digest job, and two drains would each read
	// the same queued deliveries and send them twice; MarkSent only keeps
	// the second from being recorded, not from being sent.
	draining chan struct{}
}

// New returns an Outbox sending through sender.
func New(st *store.Store, sender fwmail.Sender, opts Options) *Outbox {
	if opts.RetryBase <= 0 {
		opts.RetryBase = time.Minute
	}
	if opts.RetryMax <= 0 {
		opts.RetryMax = 2 * time.Hour
	}
	if opts.GiveUpAfter <= 0 {
		opts.GiveUpAfter = 72 * time.Hour
	}
	if opts.SuspendAfter <= 0 {
		opts.SuspendAfter = 3
	}
	if opts.Batch <= 0 {
		opts.Batch = 100
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Outbox{store: st, sender: sender, opts: opts, log: opts.Logger, draining: make(chan struct{}, 1), owner: processOwner()}
}

// Summary counts one drain.
type Summary struct {
	Sent, Retrying, Failed int
	Cancelled              int    // the subscriber left before the message went out
	BusyBy                 string // another process was sending; nothing was done
}

// leaseName is the store lease that admits one sending process per database.
const leaseName = "outbox"

// leaseTTL bounds how long a sender that stopped renewing (a hung process)
// keeps others out; a killed one is recognised at once by its process id.
const leaseTTL = 5 * time.Minute

// Drain sends every due delivery, batch after batch, until none is due or
// ctx ends. A delivery's outcome is committed right after the server's
// answer, so a crash can at worst repeat the one message whose acceptance
// had not yet been recorded. Concurrent calls on one Outbox wait for each
// other; two processes draining one database can still send a message twice.
func (o *Outbox) Drain(ctx context.Context) (Summary, error) {
	var sum Summary
	select {
	case o.draining <- struct{}{}:
		defer func() { <-o.draining }()
	case <-ctx.Done():
		return sum, ctx.Err()
	}
	// One process at a time sends from a database: two would each read the
	// same queued deliveries and send them twice.
	if err := o.store.AcquireLease(ctx, leaseName, o.owner, leaseTTL, ownerGone); err != nil {
		if errors.Is(err, store.ErrLeaseHeld) {
			sum.BusyBy = err.Error()
			o.log.Info("outbox is being sent by another process", "detail", err.Error())
			return sum, nil
		}
		return sum, fmt.Errorf("drain outbox: %w", err)
	}
	defer o.store.ReleaseLease(context.WithoutCancel(ctx), leaseName, o.owner)
	envelopeFrom := o.opts.From
	if a, err := mail.ParseAddress(o.opts.From); err == nil {
		envelopeFrom = a.Address
	}
	var tick *time.Ticker
	// A rate above a billion a second rounds to a zero interval, which
	// NewTicker refuses with a panic; it means no limit anyway.
	if every := time.Duration(float64(time.Second) / o.opts.Rate); o.opts.Rate > 0 && every > 0 {
		tick = time.NewTicker(every)
		defer tick.Stop()
	}
	for {
		due, err := o.store.DueDeliveries(ctx, o.opts.Now(), o.opts.Batch)
		if err != nil {
			return sum, fmt.Errorf("drain outbox: %w", err)
		}
		// Every delivery of a batch leaves the due set (sent, failed, or
		// deferred to a later time), so this loop ends.
		if len(due) == 0 {
			return sum, nil
		}
		for _, d := range due {
			if tick != nil {
				select {
				case <-tick.C:
				case <-ctx.Done():
					return sum, ctx.Err()
				}
			}
			if err := ctx.Err(); err != nil {
				return sum, err
			}
			log := o.log.With("delivery_id", d.ID, "kind", d.Kind, "topics", strings.Join(d.Topics, ","))
			if err := o.store.AcquireLease(ctx, leaseName, o.owner, leaseTTL, ownerGone); err != nil {
				return sum, fmt.Errorf("drain outbox: %w", err)
			}
			if wanted, err := o.store.DeliveryWanted(ctx, d.ID); err != nil {
				return sum, err
			} else if !wanted {
				if _, err := o.store.MarkFailed(ctx, d.ID, "not sent: the subscription ended before sending", 0); err != nil {
					return sum, fmt.Errorf("delivery %d: %w", d.ID, err)
				}
				sum.Cancelled++
				log.Info("delivery cancelled: subscription no longer active")
				continue
			}
			start := time.Now()
			// A message already started is finished under the sender's own
			// timeout: abandoning it mid-DATA is what risks a duplicate.
			sendErr := o.sender.Send(context.WithoutCancel(ctx), envelopeFrom, []string{d.Email}, d.Message)
			// Record with a context that survives shutdown: the server has
			// answered, and forgetting its answer is what causes duplicates.
			rec := context.WithoutCancel(ctx)
			took := time.Since(start)
			switch {
			case sendErr == nil:
				if err := o.store.MarkSent(rec, d.ID, "accepted"); err != nil {
					return sum, fmt.Errorf("delivery %d: %w", d.ID, err)
				}
				sum.Sent++
				o.observe("sent", took)
				log.Info("delivery sent", "duration_ms", time.Since(start).Milliseconds())
			case !rejected(sendErr) && o.opts.Now().Sub(d.CreatedAt) < o.opts.GiveUpAfter:
				next := o.opts.Now().Add(o.backoff(d.Attempts + 1))
				if err := o.store.MarkRetry(rec, d.ID, sendErr.Error(), next); err != nil {
					return sum, fmt.Errorf("delivery %d: %w", d.ID, err)
				}
				sum.Retrying++
				o.observe("retry", took)
				log.Warn("delivery deferred", "error", sendErr, "attempt", d.Attempts+1, "next_attempt_at", next)
			default:
				// Only an address refused at RCPT is the subscriber's doing.
				// A relay down for days, a full disk or a message refused at
				// DATA (content filters refuse the same digest for everyone)
				// must not suspend the whole list.
				suspendAfter := 0
				if bounced(sendErr) {
					suspendAfter = o.opts.SuspendAfter
				}
				suspended, err := o.store.MarkFailed(rec, d.ID, sendErr.Error(), suspendAfter)
				if err != nil {
					return sum, fmt.Errorf("delivery %d: %w", d.ID, err)
				}
				sum.Failed++
				o.observe("failed", took)
				log.Error("delivery failed", "error", sendErr, "attempt", d.Attempts+1, "subscriber_suspended", suspended)
			}
		}
	}
}

func (o *Outbox) observe(state string, d time.Duration) {
	if o.opts.Observe != nil {
		o.opts.Observe(state, d)
	}
}

// rejected reports whether the server refused the recipient or the message
// for good (a 5xx to RCPT or DATA), so that sending again cannot help. Every
// other error, including ones that are not a *mail.SendError (the .eml
// folder's disk is full, say), is worth another attempt until GiveUpAfter.
func rejected(err error) bool {
	var se *fwmail.SendError
	return errors.As(err, &se) && !se.Temporary
}

// bounced reports whether err is the recipient's address being refused.
func bounced(err error) bool {
	var se *fwmail.SendError
	return errors.As(err, &se) && !se.Temporary && se.Stage == "rcpt"
}

// backoff is RetryBase·2^(n-1) capped at RetryMax, less up to 20% jitter.
func (o *Outbox) backoff(n int) time.Duration {
	d := o.opts.RetryBase
	for i := 1; i < n && d < o.opts.RetryMax; i++ {
		d *= 2
	}
	d = min(d, o.opts.RetryMax)
	return d - time.Duration(float64(d)*0.2*rand.Float64())
}
