package main

import (
	"context"
	"fmt"
	"time"

	"github.com/feedwatch/feedwatch/internal/ingest"
)

func cmdPoll(ctx context.Context, a *cli, args []string) error {
	fs := newFlags(a, "poll", "[--config F] [--all] [--quiet]", "Fetch every due feed once, store new items, match them against the topics,\nand print one line per feed and a total. Exits non-zero only when the run\nitself failed, not when a single feed did.")
	a.configFlagVar(fs)
	all := fs.Bool("all", false, "poll every enabled feed now, due or not")
	quiet := fs.Bool("quiet", false, "print only the total")
	if rest, err := parseFlags(fs, args); err != nil {
		return err
	} else if len(rest) > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, rest[0])
	}
	p, err := a.poller(ctx)
	if err != nil {
		return err
	}
	progress := newProgress(a.stderr, isTerminal(a.stderr) && !*quiet)
	sum, err := p.PollDue(ctx, *all, func(r ingest.FeedResult) {
		if !*quiet {
			progress.clear()
			fmt.Fprintln(a.stdout, feedLine(r))
		}
		progress.step(r.Total)
	})
	progress.clear()
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "total: %d feeds, %d ok, %d failed; items %d new, %d seen; %d matches; %s\n",
		sum.Feeds, sum.OK, sum.Failed, sum.New, sum.Seen, sum.Matches, sum.Duration.Round(time.Millisecond))
	return nil
}

func feedLine(r ingest.FeedResult) string {
	if r.Outcome == ingest.OutcomeFailed {
		return fmt.Sprintf("FAIL %s: %v", r.Feed.URL, r.Err)
	}
	return fmt.Sprintf("%-4s %s: %s, %d new, %d seen, %d matches (%s)", "ok", r.Feed.URL, r.Outcome, r.New, r.Seen, r.Matches, r.Duration.Round(time.Millisecond))
}
