package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/feedwatch/feedwatch/internal/model"
	"github.com/feedwatch/feedwatch/internal/service"
)

func cmdOutbox(ctx context.Context, a *cli, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: want a subcommand: list, retry", errUsage)
	}
	switch args[0] {
	case "list":
		fs := newFlags(a, "outbox list", "[--status queued|sent|failed] [--limit N]", "List deliveries, newest first.")
		a.configFlagVar(fs)
		status := fs.String("status", "", "only deliveries in this state")
		limit := fs.Int("limit", 50, "at most this many")
		if _, err := parseFlags(fs, args[1:]); err != nil {
			return err
		}
		switch *status {
		case "", model.DeliveryQueued, model.DeliverySent, model.DeliveryFailed:
		default:
			return fmt.Errorf("%w: --status %q is not one of queued, sent, failed", errUsage, *status)
		}
		svc, err := a.service(ctx)
		if err != nil {
			return err
		}
		ds, err := svc.Deliveries(ctx, service.DeliveryFilter{Status: *status, Limit: *limit})
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(a.stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tKIND\tTOPICS\tTO\tSTATUS\tATTEMPTS\tNEXT/SENT\tLAST REPLY")
		for _, d := range ds {
			when := d.NextAttemptAt
			if d.Status == "sent" {
				when = d.SentAt
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n", d.ID, d.Kind, strings.Join(d.Topics, ","), d.Email, d.Status, d.Attempts, when.Format("2006-01-02 15:04:05"), d.LastError)
		}
		return tw.Flush()
	case "retry":
		fs := newFlags(a, "outbox retry", "[--id N]", "Queue failed deliveries again (all, or one) and send what is due now.")
		a.configFlagVar(fs)
		id := fs.Int64("id", 0, "only this delivery")
		if _, err := parseFlags(fs, args[1:]); err != nil {
			return err
		}
		svc, err := a.service(ctx)
		if err != nil {
			return err
		}
		res, err := svc.RetryDeliveries(ctx, *id)
		if err != nil {
			return err
		}
		n := res.Queued
		fmt.Fprintf(a.stdout, "%d failed deliveries queued again\n", n)
		return sendDue(ctx, a)
	}
	if args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintln(a.stderr, "Usage: feedwatch outbox list|retry [flags]  (feedwatch outbox SUBCOMMAND --help)")
		return nil
	}
	return fmt.Errorf("%w: unknown subcommand %q (want list, retry)", errUsage, args[0])
}

// sendDue drains the outbox once and prints what happened.
func sendDue(ctx context.Context, a *cli) error {
	ob, sender, where, err := a.outbox(ctx)
	if err != nil {
		return err
	}
	defer sender.Close()
	sum, err := ob.Drain(ctx)
	if sum.BusyBy != "" {
		fmt.Fprintf(a.stdout, "outbox: another process is sending (%s); it will send what is queued\n", sum.BusyBy)
		return err
	}
	fmt.Fprintf(a.stdout, "outbox: %d sent, %d to retry, %d failed, %d cancelled (%s)\n", sum.Sent, sum.Retrying, sum.Failed, sum.Cancelled, where)
	return err
}
