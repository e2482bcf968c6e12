package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/feedwatch/feedwatch/internal/model"
	"github.com/feedwatch/feedwatch/internal/schedule"
	"github.com/feedwatch/feedwatch/internal/service"
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

// subscriptionFlags are the flags of `subscribers add` and `set`: the
// subscription's schedule and the subscriber's own settings. Only the
// flags given change anything.
type subscriptionFlags struct {
	fs                                                     *flag.FlagSet
	name, frequency, at, day, tz, lang, pauseUntil, status *string
	best, combine                                          *bool
}

func addSubscriptionFlags(fs *flag.FlagSet, change bool) subscriptionFlags {
	f := subscriptionFlags{fs: fs,
		name:       fs.String("name", "", "the subscriber's name"),
		frequency:  fs.String("frequency", "", "topic, instant, daily or weekly (default for a new subscription: topic, the topic's schedule)"),
		at:         fs.String("at", "", "delivery time HH:MM in the subscriber's zone, for daily and weekly (default: the topic's time, else 07:00)"),
		day:        fs.String("day", "", "delivery day mon..sun, for weekly (default: the topic's day, else mon)"),
		tz:         fs.String("tz", "", "the subscriber's IANA time zone, e.g. Europe/Berlin, for delivery times and the times in mails (default: the server's zone for delivery, UTC in mails)"),
		best:       fs.Bool("best", false, "only the strongest matches (score at or above the topic's best_score); --best=false for all"),
		lang:       fs.String("lang", "", "the language whose report heads a story: en or ru ('' for any)"),
		combine:    fs.Bool("combine", false, "one mail for the subscriptions due at the same time (a new subscriber's default); --combine=false for one each"),
		pauseUntil: fs.String("pause-until", "", "hold every mail back until this date (YYYY-MM-DD, in the subscriber's zone); '' ends a pause"),
	}
	if change {
		f.status = fs.String("status", "", "active, unsubscribed or suspended")
	}
	return f
}

// input returns what the flags given ask for.
func (f subscriptionFlags) input() (service.SubscriberInput, service.ScheduleInput, string) {
	given := map[string]bool{}
	f.fs.Visit(func(fl *flag.Flag) { given[fl.Name] = true })
	str := func(name string, v *string) *string {
		if given[name] {
			return v
		}
		return nil
	}
	boolean := func(name string, v *bool) *bool {
		if given[name] {
			return v
		}
		return nil
	}
	status := ""
	if f.status != nil {
		status = *f.status
	}
	return service.SubscriberInput{Name: str("name", f.name), TimeZone: str("tz", f.tz), Lang: str("lang", f.lang),
			Combine: boolean("combine", f.combine), PausedUntil: str("pause-until", f.pauseUntil)},
		service.ScheduleInput{Frequency: str("frequency", f.frequency), DeliverAt: str("at", f.at), Weekday: str("day", f.day),
			BestOnly: boolean("best", f.best)},
		status
}

// flagOf names the flag that sets each field the service checks.
var flagOf = map[string]string{"name": "--name", "time_zone": "--tz", "lang": "--lang", "combine": "--combine",
	"paused_until": "--pause-until", "frequency": "--frequency", "deliver_at": "--at", "weekday": "--day",
	"best_only": "--best", "status": "--status", "topic": "--topic"}

// inFlagTerms prefixes an invalid input's message with the flag that gave it.
func inFlagTerms(err error) error {
	var se *service.Error
	if errors.As(err, &se) && se.Kind == service.Invalid && flagOf[se.Field] != "" {
		return fmt.Errorf("%s: %w", flagOf[se.Field], err)
	}
	return err
}

// subscribersAdd subscribes an address (add) or changes a subscription or
// a subscriber (set), through the operations the admin pages and the API
// use, so that the change is in the activity log too.
func subscribersAdd(ctx context.Context, a *cli, args []string, change bool) error {
	name := "subscribers add"
	usage := "EMAIL --topic ID [--name N] [--frequency topic|instant|daily|weekly] [--at HH:MM] [--day mon..sun] [--best] [--tz ZONE] [--lang en|ru] [--combine] [--pause-until DATE]"
	help := "Subscribe an address to a topic, active at once (the operator vouches for it).\nWithout --frequency the subscription follows the topic's schedule."
	if change {
		name, help = "subscribers set", "Change an address's subscription to a topic: its status, its schedule and the\nsubscriber's settings (or, without --topic, only the subscriber's settings: name,\nzone, language, combined mail, pause). Only the flags given change anything.\nMatches waiting for the old schedule go into the next mail on the new one."
		usage = strings.Replace(usage, "--topic ID", "[--topic ID] [--status active|unsubscribed|suspended]", 1)
	}
	fs := newFlags(a, name, usage, help)
	a.configFlagVar(fs)
	topicID := fs.String("topic", "", "topic id")
	sf := addSubscriptionFlags(fs, change)
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 || (*topicID == "" && !change) {
		return fmt.Errorf("%w: want EMAIL and --topic ID", errUsage)
	}
	subscriber, sch, status := sf.input()
	if *topicID == "" && (sch != service.ScheduleInput{} || status != "") {
		return fmt.Errorf("%w: --frequency, --at, --day, --best and --status need --topic ID", errUsage)
	}
	if *topicID != "" {
		// A broken topics file is reported as it is, not as an unknown topic.
		if _, err := a.loadTopics(""); err != nil {
			return err
		}
	}
	svc, err := a.service(ctx)
	if err != nil {
		return err
	}
	if *topicID == "" {
		sub, err := svc.SetSubscriber(ctx, rest[0], subscriber)
		if err != nil {
			return inFlagTerms(err)
		}
		fmt.Fprintf(a.stdout, "%s updated\n", sub.Email)
		return nil
	}
	in := service.SubscriptionInput{Email: rest[0], TopicID: *topicID, Status: status, Subscriber: subscriber, Schedule: sch}
	if !change {
		sub, err := svc.Subscribe(ctx, in)
		if err != nil {
			return inFlagTerms(err)
		}
		fmt.Fprintf(a.stdout, "%s subscribed to %s (%s, %s)\n", sub.Email, sub.TopicID, sub.Status, schedule.Describe(sub.Schedule))
		return nil
	}
	sub, err := svc.SetSubscription(ctx, in)
	if err != nil {
		return inFlagTerms(err)
	}
	fmt.Fprintf(a.stdout, "%s: %s now %s, %s\n", sub.Email, sub.TopicID, sub.Status, schedule.Describe(sub.Schedule))
	return nil
}

func subscribersList(ctx context.Context, a *cli, args []string) error {
	fs := newFlags(a, "subscribers list", "[--topic ID] [--status S]", "List subscriptions with their status (active, pending, unsubscribed, suspended),\nschedule, next delivery (in the subscriber's zone and in UTC), the matches\nwaiting for it, and the subscriber's zone and settings.")
	a.configFlagVar(fs)
	topicID := fs.String("topic", "", "only this topic")
	status := fs.String("status", "", "only this status: active, pending, unsubscribed or suspended")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	set, err := a.loadTopics("")
	if err != nil {
		return err
	}
	svc, err := a.service(ctx)
	if err != nil {
		return err
	}
	subs, err := svc.Subscriptions(ctx, service.SubscriptionFilter{TopicID: *topicID, Status: *status})
	if err != nil {
		return inFlagTerms(err)
	}
	b, err := a.digestBuilder(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(a.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "EMAIL\tTOPIC\tSTATUS\tSCHEDULE\tNEXT (LOCAL)\tNEXT (UTC)\tWAITING\tZONE\tSETTINGS\tSINCE")
	for _, s := range subs {
		zone := s.TimeZone
		if zone == "" {
			zone = "-"
		}
		loc := time.Local // the subscriber's zone, as the dispatcher reads it
		if l, err := time.LoadLocation(s.TimeZone); err == nil && s.TimeZone != "" {
			loc = l
		}
		next, nextUTC, waiting := "-", "-", "-"
		if t, ok := set.Topic(s.TopicID); ok && s.Status == model.SubscriptionActive {
			switch at := b.NextDelivery(s, t); {
			case s.Frequency == model.FrequencyInstant:
				next, nextUTC = "next poll", "next poll"
			case !at.IsZero():
				next, nextUTC = at.In(loc).Format("2006-01-02 15:04 MST"), at.UTC().Format("2006-01-02 15:04")
			}
			if s.PausedUntil.After(time.Now()) {
				next = "paused until " + s.PausedUntil.In(loc).Format("2006-01-02")
			}
			n, err := b.Waiting(ctx, s, t)
			if err != nil {
				return err
			}
			waiting = fmt.Sprint(n)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s.Email, s.TopicID, s.Status, schedule.Describe(s.Schedule),
			next, nextUTC, waiting, zone, settingsOf(s), s.CreatedAt.Format("2006-01-02"))
	}
	return tw.Flush()
}

// settingsOf says a subscriber's language and mail settings, "-" for the
// defaults.
func settingsOf(s model.Subscription) string {
	var out []string
	if s.Lang != "" {
		out = append(out, "lang "+s.Lang)
	}
	if s.Combine {
		out = append(out, "combined")
	}
	if len(out) == 0 {
		return "-"
	}
	return strings.Join(out, ", ")
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
	svc, err := a.service(ctx)
	if err != nil {
		return err
	}
	if *erase {
		if err := svc.EraseSubscriber(ctx, rest[0]); err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "%s erased\n", rest[0])
		return nil
	}
	n, err := svc.Unsubscribe(ctx, rest[0], *topicID)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "%s unsubscribed from %d topic(s)\n", rest[0], n)
	return nil
}
