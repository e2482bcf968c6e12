package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/feedwatch/feedwatch/internal/labels"
	"github.com/feedwatch/feedwatch/internal/suggest"
	"github.com/feedwatch/feedwatch/internal/topic"
)

// topicsSuggest prints the rules workbench's suggestions, for editors who
// edit the topics file in their own editor.
func topicsSuggest(ctx context.Context, a *cli, args []string) error {
	fs, _ := topicsFlags(a, "suggest", "[--topic ID] [--labels FILE] [--days N] [--max N]",
		"Propose edits of a topic's rules from labelled items: a term for a group or for\nany, an ignore phrase, a not term, a near or min_score. Each comes with the\nlabelled items it fixes and breaks and the stored items of the last N days that\nwould start or stop matching. The labels are the database's (readers', editors'\nand imported ones) or, with --labels, a JSON-lines file as `topics eval` reads.\nThe method is explained in docs/rules.md.")
	file := fs.String("labels", "", "labelled items (JSON lines) instead of the database's labels")
	days := fs.Int("days", 7, "days of stored items to show the effect on (0: none)")
	maxN := fs.Int("max", 10, "suggestions per topic")
	if rest, err := parseFlags(fs.FlagSet, args); err != nil {
		return err
	} else if len(rest) > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, rest[0])
	}
	set, err := a.loadTopics(fs.file)
	if err != nil {
		return err
	}
	topics, err := topicsToRun(set, fs.topic)
	if err != nil {
		return err
	}
	var fromFile []suggest.Item
	if *file != "" {
		f, err := os.Open(*file)
		if err != nil {
			return err
		}
		ls, err := topic.ReadLabelled(f, *file)
		f.Close()
		if err != nil {
			return err
		}
		for _, l := range ls {
			fromFile = append(fromFile, suggest.Item{ID: l.ID, Title: l.Title, Doc: l.Document(), Relevant: l.Relevant})
		}
	}
	var recent []suggest.Item
	if *days > 0 || *file == "" {
		st, err := a.openStore(ctx)
		if err != nil {
			return err
		}
		if *days > 0 {
			items, err := st.RecentItems(ctx, time.Now().Add(-time.Duration(*days)*24*time.Hour), 5000)
			if err != nil {
				return err
			}
			for _, it := range items {
				recent = append(recent, suggest.Item{ID: fmt.Sprint(it.ID), Title: it.Title, Doc: topic.TextDocument(it.Title, it.Summary, it.Content)})
			}
		}
	}
	for _, t := range topics {
		items := fromFile
		source := *file
		if *file == "" {
			st, err := a.openStore(ctx)
			if err != nil {
				return err
			}
			ls, err := st.Labels(ctx, t.ID)
			if err != nil {
				return err
			}
			items, source = labels.Decided(ls), "the database's labels"
		}
		if err := printSuggestions(a.stdout, t, items, recent, source, *days, *maxN); err != nil {
			return err
		}
	}
	return nil
}

func printSuggestions(w io.Writer, t topic.Topic, items, recent []suggest.Item, source string, days, maxN int) error {
	fmt.Fprintf(w, "topic %s: %d labelled items (%s)\n", t.ID, len(items), source)
	if len(items) == 0 {
		fmt.Fprintf(w, "  nothing to learn from: label items first (feedwatch topics labels import FILE)\n\n")
		return nil
	}
	before, err := suggest.Measure(t.Rules, items)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "  now: precision %.3f  recall %.3f  F1 %.3f (%d false positives, %d misses)\n", before.Precision, before.Recall, before.F1, before.FP, before.FN)
	sugs, err := suggest.Suggest(t.Rules, items, recent, suggest.Options{Max: maxN})
	if err != nil {
		return err
	}
	if len(sugs) == 0 {
		fmt.Fprintf(w, "  no edit raises F1 on these items without lowering precision or recall\n\n")
		return nil
	}
	list := func(label string, its []suggest.Item) {
		if len(its) == 0 {
			return
		}
		var b strings.Builder
		for i, it := range its {
			if i == 5 {
				fmt.Fprintf(&b, "; and %d more", len(its)-i)
				break
			}
			if i > 0 {
				b.WriteString("; ")
			}
			fmt.Fprintf(&b, "%s %q", it.ID, it.Title)
		}
		fmt.Fprintf(w, "      %s %d: %s\n", label, len(its), b.String())
	}
	for i, s := range sugs {
		fmt.Fprintf(w, "\n  %d. %s\n", i+1, s.Change)
		fmt.Fprintf(w, "      F1 %.3f -> %.3f (precision %.3f, recall %.3f)\n", s.Before.F1, s.After.F1, s.After.Precision, s.After.Recall)
		fmt.Fprintf(w, "      why: %s\n", s.Why)
		list("fixes", s.Fixes)
		list("breaks", s.Breaks)
		if days > 0 {
			list(fmt.Sprintf("stored items of the last %d days newly matching", days), s.Newly)
			list(fmt.Sprintf("stored items of the last %d days no longer matching", days), s.Lost)
		}
	}
	fmt.Fprintln(w)
	return nil
}

func topicsLabels(ctx context.Context, a *cli, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: want a subcommand: import, export", errUsage)
	}
	switch args[0] {
	case "import":
		return labelsImport(ctx, a, args[1:])
	case "export":
		return labelsExport(ctx, a, args[1:])
	case "-h", "--help", "help":
		fmt.Fprintln(a.stderr, "Usage: feedwatch topics labels import|export [flags]  (feedwatch topics labels SUBCOMMAND --help)")
		return nil
	}
	return fmt.Errorf("%w: unknown subcommand %q (want import, export)", errUsage, args[0])
}

func labelsImport(ctx context.Context, a *cli, args []string) error {
	fs, _ := topicsFlags(a, "labels import", "FILE [--topic ID]",
		"Store a JSON-lines file of labelled items (as `topics eval --labels` reads them)\nas a topic's imported labels, beside readers' and editors'. An id imported\nbefore takes the file's text and verdict.")
	rest, err := parseFlags(fs.FlagSet, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return fmt.Errorf("%w: want one FILE", errUsage)
	}
	set, err := a.loadTopics(fs.file)
	if err != nil {
		return err
	}
	topicID := fs.topic
	if topicID == "" {
		ts := set.Topics()
		if len(ts) != 1 {
			return fmt.Errorf("%w: --topic is required when there are several topics", errUsage)
		}
		topicID = ts[0].ID
	}
	if _, err := topicsToRun(set, topicID); err != nil {
		return err
	}
	f, err := os.Open(rest[0])
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := a.openStore(ctx)
	if err != nil {
		return err
	}
	n, err := labels.Import(ctx, st, topicID, f, rest[0])
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "imported %s into topic %s: %d labels new or changed\n", rest[0], topicID, n)
	return nil
}

func labelsExport(ctx context.Context, a *cli, args []string) error {
	fs, _ := topicsFlags(a, "labels export", "[--topic ID] [--out FILE]",
		"Write the labelled items (readers', editors' and imported, each with the verdict\nthey add up to) as JSON lines that `topics eval --labels` reads. Items on which\nreaders are split evenly and no editor has spoken are left out.")
	out := fs.String("out", "", "write to FILE instead of standard output")
	if rest, err := parseFlags(fs.FlagSet, args); err != nil {
		return err
	} else if len(rest) > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, rest[0])
	}
	if fs.topic != "" {
		set, err := a.loadTopics(fs.file)
		if err != nil {
			return err
		}
		if _, err := topicsToRun(set, fs.topic); err != nil {
			return err
		}
	}
	st, err := a.openStore(ctx)
	if err != nil {
		return err
	}
	ls, err := st.Labels(ctx, fs.topic)
	if err != nil {
		return err
	}
	if *out == "" {
		_, err := labels.Export(a.stdout, ls)
		return err
	}
	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	n, err := labels.Export(f, ls)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", *out, err)
	}
	fmt.Fprintf(a.stderr, "wrote %d labelled items to %s\n", n, *out)
	return nil
}
