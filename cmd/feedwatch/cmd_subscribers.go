package main

import (
	"context"
	"fmt"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/feedwatch/feedwatch/internal/mailaddr"
	"github.com/feedwatch/feedwatch/internal/model"
)

func cmdSubscribers(ctx context.Context, a *app, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: want a subcommand: add, list, remove", errUsage)
	}
	switch args[0] {
	case "add":
		return subscribersAdd(ctx, a, args[1:])
	case "list":
		return subscribersList(ctx, a, args[1:])
	case "remove":
		return subscribersRemove(ctx, a, args[1:])
	case "-h", "--help", "help":
		fmt.Fprintln(a.stderr, "Usage: feedwatch subscribers add|list|remove [flags]  (feedwatch subscribers SUBCOMMAND --help)")
		return nil
	}
	return fmt.Errorf("%w: unknown subcommand %q (want add, list, remove)", errUsage, args[0])
}

func subscribersAdd(ctx context.Context, a *app, args []string) error {
	fs := newFlags(a, "subscribers add", "EMAIL --topic ID [--name N] [--tz ZONE]", "Subscribe an address to a topic's digest, active at once (the operator vouches for it).")
	a.configFlagVar(fs)
	topicID := fs.String("topic", "", "topic id (required)")
	name := fs.String("name", "", "the subscriber's name")
	tz := fs.String("tz", "", "IANA time zone for times in the digest, e.g. Europe/Berlin (default UTC)")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 || *topicID == "" {
		return fmt.Errorf("%w: want EMAIL and --topic ID", errUsage)
	}
	addr, err := mailaddr.Parse(rest[0])
	if err != nil {
		return err
	}
	if *tz != "" {
		if _, err := time.LoadLocation(*tz); err != nil {
			return fmt.Errorf("time zone %q: %w", *tz, err)
		}
	}
	set, err := a.loadTopics("")
	if err != nil {
		return err
	}
	if _, err := topicsToRun(set, *topicID); err != nil {
		return err
	}
	st, err := a.openStore(ctx)
	if err != nil {
		return err
	}
	sub, err := st.Subscribe(ctx, model.Subscription{Email: addr, Name: *name, TimeZone: *tz, TopicID: *topicID, Status: model.SubscriptionActive})
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "%s subscribed to %s (%s)\n", sub.Email, sub.TopicID, sub.Status)
	return nil
}

func subscribersList(ctx context.Context, a *app, args []string) error {
	fs := newFlags(a, "subscribers list", "[--topic ID]", "List subscriptions with their status (active, pending, unsubscribed, suspended).")
	a.configFlagVar(fs)
	topicID := fs.String("topic", "", "only this topic")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	st, err := a.openStore(ctx)
	if err != nil {
		return err
	}
	subs, err := st.Subscriptions(ctx)
	if err != nil {
		return err
	}
	if *topicID != "" {
		// A topic gone from the topics file can still have subscriptions
		// to list; a name that is neither is a typo.
		known := slices.ContainsFunc(subs, func(s model.Subscription) bool { return s.TopicID == *topicID })
		if !known {
			set, err := a.loadTopics("")
			if err != nil {
				return err
			}
			if _, err := topicsToRun(set, *topicID); err != nil {
				return err
			}
		}
	}
	tw := tabwriter.NewWriter(a.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "EMAIL\tTOPIC\tSTATUS\tNAME\tZONE\tSINCE")
	for _, s := range subs {
		if *topicID != "" && s.TopicID != *topicID {
			continue
		}
		zone := s.TimeZone
		if zone == "" {
			zone = "UTC"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", s.Email, s.TopicID, s.Status, s.Name, zone, s.CreatedAt.Format("2006-01-02"))
	}
	return tw.Flush()
}

func subscribersRemove(ctx context.Context, a *app, args []string) error {
	fs := newFlags(a, "subscribers remove", "EMAIL [--topic ID] [--erase]", "Unsubscribe an address from one topic or from all; --erase deletes the address and its history.")
	a.configFlagVar(fs)
	topicID := fs.String("topic", "", "only this topic (default: every topic)")
	erase := fs.Bool("erase", false, "delete the address with its subscriptions and queued mail")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return fmt.Errorf("%w: want EMAIL", errUsage)
	}
	st, err := a.openStore(ctx)
	if err != nil {
		return err
	}
	if *erase {
		if err := st.RemoveSubscriber(ctx, rest[0]); err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "%s erased\n", rest[0])
		return nil
	}
	n, err := st.Unsubscribe(ctx, rest[0], *topicID)
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("%s has no active subscription%s", rest[0], map[bool]string{true: " to " + *topicID, false: ""}[*topicID != ""])
	}
	fmt.Fprintf(a.stdout, "%s unsubscribed from %d topic(s)\n", rest[0], n)
	return nil
}
