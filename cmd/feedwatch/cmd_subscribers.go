package main

import (
	"context"
	"flag"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/feedwatch/feedwatch/internal/mailaddr"
	"github.com/feedwatch/feedwatch/internal/model"
	"github.com/feedwatch/feedwatch/internal/schedule"
	"github.com/feedwatch/feedwatch/internal/store"
)

func cmdSubscribers(ctx context.Context, a *cli, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: want a subcommand: add, set, list, remove", errUsage)
	}
	switch args[0] {
	case "add":
		return subscribersAdd(ctx, a, args[1:], false)
	case "set":
		return subscribersAdd(ctx, a, args[1:], true)
	case "list":
		return subscribersList(ctx, a, args[1:])
	case "remove":
		return subscribersRemove(ctx, a, args[1:])
	case "-h", "--help", "help":
		fmt.Fprintln(a.stderr, "Usage: feedwatch subscribers add|set|list|remove [flags]  (feedwatch subscribers SUBCOMMAND --help)")
		return nil
	}
	return fmt.Errorf("%w: unknown subcommand %q (want add, set, list, remove)", errUsage, args[0])
}

// scheduleFlags are the flags of `subscribers add` and `set` that say when
// and how much a subscription receives.
type scheduleFlags struct {
	frequency, at, day, tz *string
	best                   *bool
}

func addScheduleFlags(fs *flag.FlagSet) scheduleFlags {
	return scheduleFlags{
		frequency: fs.String("frequency", "", "instant, daily or weekly (default: the topic's schedule)"),
		at:        fs.String("at", "", "delivery time HH:MM in the subscriber's zone (daily and weekly; default 07:00)"),
		day:       fs.String("day", "", "delivery day mon..sun (weekly; default mon)"),
		tz:        fs.String("tz", "", "the subscriber's IANA time zone, e.g. Europe/Berlin, for delivery times and the times in mails (default: the server's zone for delivery, UTC in mails)"),
		best:      fs.Bool("best", false, "only the strongest matches (score at or above the topic's best_score)"),
	}
}

// schedule reads the flags into a schedule; given says whether any of them
// was set.
func (f scheduleFlags) schedule(fs *flag.FlagSet) (sch model.Schedule, given bool, err error) {
	set := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	given = set["frequency"] || set["at"] || set["day"] || set["best"]
	sch = model.Schedule{Frequency: *f.frequency, DeliverAt: 7 * 60, Weekday: time.Monday, BestOnly: *f.best}
	switch sch.Frequency {
	case model.FrequencyInstant, model.FrequencyDaily, model.FrequencyWeekly:
	case "":
		if set["at"] || set["day"] {
			return sch, given, fmt.Errorf("%w: --at and --day need --frequency daily or weekly", errUsage)
		}
	default:
		return sch, given, fmt.Errorf("%w: --frequency %q: want instant, daily or weekly", errUsage, sch.Frequency)
	}
	if *f.at != "" {
		m, ok := schedule.ParseClock(*f.at)
		if !ok {
			return sch, given, fmt.Errorf("%w: --at %q: want HH:MM, e.g. 07:30", errUsage, *f.at)
		}
		if sch.Frequency == model.FrequencyInstant {
			return sch, given, fmt.Errorf("%w: --at does not go with --frequency instant", errUsage)
		}
		sch.DeliverAt = m
	}
	if *f.day != "" {
		d, ok := schedule.ParseWeekday(*f.day)
		if !ok {
			return sch, given, fmt.Errorf("%w: --day %q: want mon, tue, wed, thu, fri, sat or sun", errUsage, *f.day)
		}
		if sch.Frequency != model.FrequencyWeekly {
			return sch, given, fmt.Errorf("%w: --day goes with --frequency weekly", errUsage)
		}
		sch.Weekday = d
	}
	return sch, given, nil
}

// subscribersAdd subscribes an address (add) or changes a subscription
// (set, which needs it to exist).
func subscribersAdd(ctx context.Context, a *cli, args []string, change bool) error {
	name := "subscribers add"
	usage := "EMAIL --topic ID [--name N] [--frequency instant|daily|weekly] [--at HH:MM] [--day mon..sun] [--tz ZONE] [--best]"
	help := "Subscribe an address to a topic, active at once (the operator vouches for it).\nWithout --frequency the subscription follows the topic's schedule."
	if change {
		name, help = "subscribers set", "Change an address's subscription to a topic (or, without --topic, its name and\nzone). Matches waiting for the old schedule go into the next mail on the new one."
		usage = strings.Replace(usage, "--topic ID", "[--topic ID]", 1)
	}
	fs := newFlags(a, name, usage, help)
	a.configFlagVar(fs)
	topicID := fs.String("topic", "", "topic id")
	fullName := fs.String("name", "", "the subscriber's name")
	sf := addScheduleFlags(fs)
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 || (*topicID == "" && !change) {
		return fmt.Errorf("%w: want EMAIL and --topic ID", errUsage)
	}
	addr, err := mailaddr.Parse(rest[0])
	if err != nil {
		return err
	}
	if *sf.tz != "" {
		if _, err := time.LoadLocation(*sf.tz); err != nil {
			return fmt.Errorf("--tz %q: not a known IANA time zone (e.g. Europe/Berlin)", *sf.tz)
		}
	}
	sch, given, err := sf.schedule(fs)
	if err != nil {
		return err
	}
	if *topicID == "" && given {
		return fmt.Errorf("%w: --frequency, --at, --day and --best need --topic ID", errUsage)
	}
	if *topicID != "" {
		set, err := a.loadTopics("")
		if err != nil {
			return err
		}
		if _, err := topicsToRun(set, *topicID); err != nil {
			return err
		}
	}
	st, err := a.openStore(ctx)
	if err != nil {
		return err
	}
	if !change {
		sub, err := st.Subscribe(ctx, model.Subscription{Email: addr, Name: *fullName, TimeZone: *sf.tz, TopicID: *topicID,
			Status: model.SubscriptionActive, Schedule: sch})
		if err != nil {
			return err
		}
		if given && sch.Frequency == "" {
			// --best alone: the topic's schedule, only the strongest.
			if err := st.SetSchedule(ctx, addr, *topicID, sch); err != nil {
				return err
			}
		}
		fmt.Fprintf(a.stdout, "%s subscribed to %s (%s, %s)\n", sub.Email, sub.TopicID, sub.Status, describeSchedule(sch))
		return nil
	}
	settings := store.SubscriberSettings{}
	if *fullName != "" {
		settings.Name = fullName
	}
	if *sf.tz != "" {
		settings.TimeZone = sf.tz
	}
	if err := st.SetSubscriber(ctx, addr, settings); err != nil {
		return err
	}
	if *topicID != "" && given {
		if err := st.SetSchedule(ctx, addr, *topicID, sch); err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "%s: %s now %s\n", addr, *topicID, describeSchedule(sch))
		return nil
	}
	fmt.Fprintf(a.stdout, "%s updated\n", addr)
	return nil
}

// describeSchedule says a schedule in words.
func describeSchedule(s model.Schedule) string {
	var out string
	switch s.Frequency {
	case model.FrequencyTopic:
		out = "the topic's schedule"
	case model.FrequencyInstant:
		out = "instant"
	case model.FrequencyDaily:
		out = "daily at " + schedule.Clock(s.DeliverAt)
	case model.FrequencyWeekly:
		out = "weekly on " + s.Weekday.String() + " at " + schedule.Clock(s.DeliverAt)
	}
	if s.BestOnly {
		out += ", strongest only"
	}
	return out
}

func subscribersList(ctx context.Context, a *cli, args []string) error {
	fs := newFlags(a, "subscribers list", "[--topic ID]", "List subscriptions with their status (active, pending, unsubscribed, suspended),\nschedule, next delivery (in the subscriber's zone and in UTC) and the matches\nwaiting for it.")
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
	set, err := a.loadTopics("")
	if err != nil {
		return err
	}
	if *topicID != "" {
		// A topic gone from the topics file can still have subscriptions
		// to list; a name that is neither is a typo.
		known := slices.ContainsFunc(subs, func(s model.Subscription) bool { return s.TopicID == *topicID })
		if !known {
			if _, err := topicsToRun(set, *topicID); err != nil {
				return err
			}
		}
	}
	b, err := a.digestBuilder(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(a.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "EMAIL\tTOPIC\tSTATUS\tSCHEDULE\tNEXT (LOCAL)\tNEXT (UTC)\tWAITING\tZONE\tSINCE")
	for _, s := range subs {
		if *topicID != "" && s.TopicID != *topicID {
			continue
		}
		zone := s.TimeZone
		if zone == "" {
			zone = "-"
		}
		next, nextUTC, waiting := "-", "-", "-"
		if t, ok := set.Topic(s.TopicID); ok && s.Status == model.SubscriptionActive {
			switch at := b.NextDelivery(s, t); {
			case s.Frequency == model.FrequencyInstant:
				next, nextUTC = "next poll", "next poll"
			case !at.IsZero():
				loc := time.Local
				if l, err := time.LoadLocation(s.TimeZone); err == nil && s.TimeZone != "" {
					loc = l
				}
				next, nextUTC = at.In(loc).Format("2006-01-02 15:04 MST"), at.UTC().Format("2006-01-02 15:04")
			}
			if !s.PausedUntil.IsZero() && s.PausedUntil.After(time.Now()) {
				next = "paused until " + s.PausedUntil.Format("2006-01-02")
			}
			n, err := b.Waiting(ctx, s, t)
			if err != nil {
				return err
			}
			waiting = fmt.Sprint(n)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s.Email, s.TopicID, s.Status, describeSchedule(s.Schedule),
			next, nextUTC, waiting, zone, s.CreatedAt.Format("2006-01-02"))
	}
	return tw.Flush()
}

func subscribersRemove(ctx context.Context, a *cli, args []string) error {
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
