package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/feedwatch/feedwatch/internal/config"
	"github.com/feedwatch/feedwatch/internal/demo"
	"github.com/feedwatch/feedwatch/internal/ingest"
	"github.com/feedwatch/feedwatch/internal/model"
)

// demoMarker marks a folder the demo made, so that it only ever deletes its own.
const demoMarker = ".feedwatch-demo"

func cmdDemo(ctx context.Context, a *cli, args []string) error {
	fs := newFlags(a, "demo", "[--dir DIR]",
		"Run the whole pipeline once, offline, in seconds: serve bundled sample feeds\n(English and Russian, relevant and not) on a loopback port, poll them into a fresh\ndata folder, build the digest for a demo subscriber, write it as an .eml file and\nan HTML preview, and print where they went. No network and no configuration needed.")
	dir := fs.String("dir", "feedwatch-demo", "data folder to create (a previous demo folder there is replaced)")
	if rest, err := parseFlags(fs, args); err != nil {
		return err
	} else if len(rest) > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, rest[0])
	}
	if err := freshDemoDir(*dir); err != nil {
		return err
	}
	srv, err := demo.Start(nil)
	if err != nil {
		return err
	}
	defer srv.Close()

	cfg := config.Defaults()
	cfg.DataDir = *dir
	cfg.Database = filepath.Join(*dir, "feedwatch.db")
	cfg.Mail.OutboxDir = filepath.Join(*dir, "outbox")
	cfg.Mail.From = "feedwatch demo <feedwatch@localhost>"
	cfg.Web.BaseURL = "http://127.0.0.1:8080"
	cfg.Log.Level = "warn"
	for _, f := range demo.Feeds {
		cfg.Feeds = append(cfg.Feeds, config.Feed{URL: srv.URL + f.Path, Title: f.Title})
	}
	a.useConfig(cfg)

	fmt.Fprintf(a.stdout, "Serving %d sample feeds on %s\n\n", len(demo.Feeds), srv.URL)
	set, err := a.loadTopics("") // the built-in topics, whatever the working folder holds
	if err != nil {
		return err
	}
	st, err := a.openStore(ctx)
	if err != nil {
		return err
	}
	const subscriber = "demo@example.org"
	for _, t := range set.Topics() {
		if _, err := st.Subscribe(ctx, model.Subscription{Email: subscriber, Name: "Demo Reader", TopicID: t.ID, Status: model.SubscriptionActive}); err != nil {
			return err
		}
	}
	poller, err := a.poller(ctx)
	if err != nil {
		return err
	}
	for round := 1; round <= 2; round++ {
		fmt.Fprintf(a.stdout, "Poll %d:\n", round)
		sum, err := poller.PollDue(ctx, true, func(r ingest.FeedResult) { fmt.Fprintf(a.stdout, "  %s\n", feedLine(r)) })
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "  total: %d feeds, %d ok, %d failed; items %d new, %d seen; %d matches\n\n", sum.Feeds, sum.OK, sum.Failed, sum.New, sum.Seen, sum.Matches)
	}

	b, err := a.digestBuilder(ctx)
	if err != nil {
		return err
	}
	previewDir := filepath.Join(*dir, "preview")
	for _, t := range set.Topics() {
		s, err := b.Preview(ctx, t)
		if err != nil {
			return err
		}
		r, err := b.RenderPreview(s, model.Subscription{Email: subscriber, Name: "Demo Reader", TopicID: t.ID})
		if err != nil {
			return err
		}
		if err := os.MkdirAll(previewDir, 0o755); err != nil {
			return err
		}
		htmlPath := filepath.Join(previewDir, "digest-"+t.ID+".html")
		if err := os.WriteFile(htmlPath, []byte(r.HTML), 0o644); err != nil {
			return err
		}
		if s.Empty() {
			fmt.Fprintf(a.stdout, "Digest %q: nothing to send\n", t.Name)
			continue
		}
		fmt.Fprintf(a.stdout, "Digest %q: %d stories, subject %q\n", t.Name, len(s.Items), r.Subject)
		for _, it := range s.Items {
			also := ""
			if n := len(it.AlsoReportedBy); n > 0 {
				also = fmt.Sprintf("  (+%d more %s)", n, plural(n, "source", "sources"))
			}
			fmt.Fprintf(a.stdout, "  - %s [%s]%s\n", it.Title, it.Source, also)
		}
		fmt.Fprintf(a.stdout, "  HTML preview: %s\n", absPath(htmlPath))
	}
	// The demo subscriber's mail goes out now, whatever the topic's
	// schedule says.
	if _, err := b.DispatchNow(ctx, set, ""); err != nil {
		return err
	}
	ob, sender, _, err := a.outbox(ctx)
	if err != nil {
		return err
	}
	defer sender.Close()
	sum, err := ob.Drain(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "\nMail: %d message(s) written as .eml files to %s\n", sum.Sent, absPath(cfg.Mail.OutboxDir))
	fmt.Fprintf(a.stdout, "Database: %s\n", absPath(cfg.Database))
	fmt.Fprintf(a.stdout, "Try: go run ./cmd/feedwatch topics test \"Lavrov meets US envoy in Riyadh\"\n")
	return nil
}

// freshDemoDir empties dir when an earlier demo made it, creates it
// otherwise, and refuses to touch a folder the demo did not make.
func freshDemoDir(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case os.IsNotExist(err):
	case err != nil:
		return err
	case len(entries) == 0:
	default:
		if _, err := os.Stat(filepath.Join(dir, demoMarker)); err != nil {
			return fmt.Errorf("%s exists and was not made by feedwatch demo: choose another --dir", dir)
		}
		if err := os.RemoveAll(dir); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, demoMarker), []byte("made by feedwatch demo; deleted by the next demo run\n"), 0o644)
}
