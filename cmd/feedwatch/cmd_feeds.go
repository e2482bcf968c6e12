package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/feedwatch/feedwatch/internal/model"
	"github.com/feedwatch/feedwatch/internal/service"
)

func cmdFeeds(ctx context.Context, a *cli, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: want a subcommand: add, list, remove, enable, disable, import, export", errUsage)
	}
	sub, rest := args[0], args[1:]
	switch sub {
	case "add":
		return feedsAdd(ctx, a, rest)
	case "list":
		return feedsList(ctx, a, rest)
	case "remove", "enable", "disable":
		return feedsChange(ctx, a, sub, rest)
	case "import":
		return feedsImport(ctx, a, rest)
	case "export":
		return feedsExport(ctx, a, rest)
	case "-h", "--help", "help":
		fmt.Fprintln(a.stderr, "Usage: feedwatch feeds add|list|remove|enable|disable|import|export [flags]  (feedwatch feeds SUBCOMMAND --help)")
		return nil
	}
	return fmt.Errorf("%w: unknown subcommand %q", errUsage, sub)
}

// feedStatus is what an operator needs to know at a glance.
func feedStatus(f model.Feed, now time.Time) string {
	switch {
	case !f.Enabled:
		return "disabled"
	case f.ErrorCount == 0 && f.LastPollAt.IsZero():
		return "new"
	case f.ErrorCount == 0:
		return "ok"
	case !f.LastSuccessAt.IsZero() && now.Sub(f.LastSuccessAt) > 48*time.Hour, f.LastSuccessAt.IsZero() && f.ErrorCount >= 5:
		return "failing"
	default:
		return "backing-off"
	}
}

func ago(t, now time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := now.Sub(t)
	switch {
	case d < 0:
		return "in " + (-d).Round(time.Minute).String()
	case d < time.Minute:
		return "just now"
	case d < 48*time.Hour:
		return d.Round(time.Minute).String() + " ago"
	}
	return fmt.Sprintf("%dd ago", int(d.Hours()/24))
}

func feedsList(ctx context.Context, a *cli, args []string) error {
	fs := newFlags(a, "feeds list", "[--failing]", "List feeds with status, last success, last error, items and next poll.")
	a.configFlagVar(fs)
	failing := fs.Bool("failing", false, "only feeds with errors")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	svc, err := a.service(ctx)
	if err != nil {
		return err
	}
	feeds, err := svc.Feeds(ctx)
	if err != nil {
		return err
	}
	now := time.Now()
	tw := tabwriter.NewWriter(a.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "STATUS\tURL\tTITLE\tFROM\tITEMS\tLAST SUCCESS\tNEXT POLL\tLAST ERROR")
	for _, f := range feeds {
		if *failing && f.ErrorCount == 0 {
			continue
		}
		next := "-"
		if f.Enabled {
			next = ago(f.NextPollAt, now)
			if f.NextPollAt.IsZero() || f.NextPollAt.Before(now) {
				next = "due"
			}
		}
		lastErr := ""
		if f.ErrorCount > 0 {
			lastErr = fmt.Sprintf("%s (%d in a row, since %s)", truncate(f.LastError, 100), f.ErrorCount, ago(f.LastErrorAt, now))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\n", feedStatus(f, now), f.URL, truncate(f.Title, 40), f.Origin, f.ItemCount, ago(f.LastSuccessAt, now), next, lastErr)
	}
	return tw.Flush()
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func feedsAdd(ctx context.Context, a *cli, args []string) error {
	fs := newFlags(a, "feeds add", "URL... [--title T] [--pick N|--all-found] [--no-check]",
		"Add feeds. Each URL is fetched once to check it is a feed; when it is a web page,\nthe feeds it advertises are listed and the one chosen with --pick (or all of them\nwith --all-found) is added; at a terminal, without either flag, it asks which.\nA page advertising one feed adds that one.")
	a.configFlagVar(fs)
	title := fs.String("title", "", "title (with one URL)")
	pick := fs.Int("pick", 0, "when a URL is a page advertising several feeds: add the N-th")
	allFound := fs.Bool("all-found", false, "when a URL is a page: add every feed it advertises")
	noCheck := fs.Bool("no-check", false, "add without fetching")
	username := fs.String("username", "", "HTTP basic auth user for feeds that need it")
	passwordEnv := fs.String("password-env", "", "environment variable holding the basic auth password (stored in the database)")
	urls, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(urls) == 0 {
		return fmt.Errorf("%w: want at least one URL", errUsage)
	}
	svc, err := a.service(ctx)
	if err != nil {
		return err
	}
	password := ""
	if *passwordEnv != "" {
		password = a.getenv(*passwordEnv)
		if password == "" {
			return fmt.Errorf("--password-env %s: the variable is empty or unset", *passwordEnv)
		}
	}
	var failed int
	var answers *bufio.Reader // the terminal's, read across URLs
	for _, u := range urls {
		nf := service.NewFeed{URL: u, Title: *title, Pick: *pick, AllFound: *allFound, NoCheck: *noCheck, Username: *username, Password: password}
		res, err := svc.AddFeed(ctx, nf)
		var serr *service.Error
		if errors.As(err, &serr) && serr.Kind == service.Choose {
			if !a.interactive() {
				fmt.Fprintf(a.stdout, "%s is a web page advertising %d feeds:\n", u, len(serr.Candidates))
				for i, c := range serr.Candidates {
					fmt.Fprintf(a.stdout, "  %d. %s  %s\n", i+1, c.URL, c.Title)
				}
				fmt.Fprintln(a.stdout, "Run again with --pick N to add one, or --all-found to add all.")
				failed++
				continue
			}
			if answers == nil {
				answers = bufio.NewReader(a.stdin)
			}
			chosen := chooseFeeds(a.stdout, answers, u, serr.Candidates)
			if len(chosen) == 0 {
				fmt.Fprintf(a.stdout, "nothing added from %s\n", u)
				continue
			}
			res, err = service.AddResult{}, nil
			for _, c := range chosen {
				// Just fetched and parsed: adding them needs no second check.
				r, aerr := svc.AddFeed(ctx, service.NewFeed{URL: c.URL, Title: c.Title, NoCheck: true, Username: *username, Password: password})
				res.Added, res.Existing = append(res.Added, r.Added...), append(res.Existing, r.Existing...)
				if aerr != nil {
					err = aerr
				}
			}
		}
		if err != nil {
			msg := err.Error()
			if !strings.Contains(msg, u) {
				msg = u + ": " + msg
			}
			fmt.Fprintln(a.stderr, msg)
			failed++
			continue
		}
		for _, f := range res.Existing {
			fmt.Fprintf(a.stdout, "already stored %s (%s)\n", f.URL, f.Title)
		}
		for _, f := range res.Added {
			fmt.Fprintf(a.stdout, "added %s (%s)\n", f.URL, f.Title)
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d URLs not added", failed, len(urls))
	}
	return nil
}

// chooseFeeds lists the feeds page advertises and asks which to add: an
// operator at a terminal picks from what they see rather than running the
// command again with --pick. A line it cannot read is asked again; an empty
// line or the end of input adds none.
func chooseFeeds(w io.Writer, answers *bufio.Reader, page string, found []service.Candidate) []service.Candidate {
	fmt.Fprintf(w, "%s is a web page advertising %d feeds:\n", page, len(found))
	for i, c := range found {
		fmt.Fprintf(w, "  %d. %s  %s\n", i+1, c.URL, c.Title)
	}
	for {
		fmt.Fprintf(w, "Add which? Numbers (e.g. 1 3), a for all, Enter for none: ")
		line, err := answers.ReadString('\n')
		if err != nil && line == "" {
			fmt.Fprintln(w)
			return nil
		}
		chosen, perr := parseChoice(strings.TrimSpace(line), found)
		if perr == nil {
			return chosen
		}
		fmt.Fprintf(w, "%v\n", perr)
		if err != nil {
			return nil
		}
	}
}

// parseChoice reads an answer to chooseFeeds: numbers separated by spaces
// or commas, "a" or "all", or nothing.
func parseChoice(answer string, found []service.Candidate) ([]service.Candidate, error) {
	switch strings.ToLower(answer) {
	case "":
		return nil, nil
	case "a", "all":
		return found, nil
	}
	var chosen []service.Candidate
	seen := map[int]bool{}
	for _, f := range strings.FieldsFunc(answer, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 || n > len(found) {
			return nil, fmt.Errorf("%q is not a number from 1 to %d", f, len(found))
		}
		if !seen[n] {
			seen[n] = true
			chosen = append(chosen, found[n-1])
		}
	}
	return chosen, nil
}

func feedsChange(ctx context.Context, a *cli, verb string, args []string) error {
	fs := newFlags(a, "feeds "+verb, "URL...", map[string]string{
		"remove":  "Remove feeds added by hand, with their items. Feeds from the config file are removed there.",
		"enable":  "Enable polling of feeds.",
		"disable": "Stop polling feeds; their items are kept.",
	}[verb])
	a.configFlagVar(fs)
	urls, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(urls) == 0 {
		return fmt.Errorf("%w: want at least one URL", errUsage)
	}
	svc, err := a.service(ctx)
	if err != nil {
		return err
	}
	for _, u := range urls {
		switch verb {
		case "remove":
			err = svc.RemoveFeed(ctx, u)
		default:
			err = svc.SetFeedEnabled(ctx, u, verb == "enable")
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "%sd %s\n", verb, u) // removed, enabled, disabled
	}
	return nil
}

func feedsImport(ctx context.Context, a *cli, args []string) error {
	fs := newFlags(a, "feeds import", "FILE.opml", "Add every feed of an OPML file (as exported by Miniflux, FreshRSS, newsboat…).\nFeeds already stored are left as they are.")
	a.configFlagVar(fs)
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return fmt.Errorf("%w: want one OPML file", errUsage)
	}
	f, err := os.Open(rest[0])
	if err != nil {
		return err
	}
	defer f.Close()
	svc, err := a.service(ctx)
	if err != nil {
		return err
	}
	progress := newProgress(a.stderr, isTerminal(a.stderr))
	res, err := svc.ImportOPML(ctx, f, rest[0], func(done, total int) {
		if done > 0 {
			progress.step(total)
		}
	})
	progress.clear()
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "imported %d feeds (%d already present) from %s\n", res.Added, res.Present, rest[0])
	return nil
}

func feedsExport(ctx context.Context, a *cli, args []string) error {
	fs := newFlags(a, "feeds export", "[--out FILE]", "Write every feed as OPML 2.0 (standard output by default).")
	a.configFlagVar(fs)
	out := fs.String("out", "", "file to write")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	svc, err := a.service(ctx)
	if err != nil {
		return err
	}
	w := a.stdout
	if *out != "" {
		file, err := os.Create(*out)
		if err != nil {
			return err
		}
		defer file.Close()
		w = file
	}
	return svc.ExportOPML(ctx, w)
}
