package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/feedwatch/feedwatch/internal/service"
	"github.com/feedwatch/feedwatch/internal/topic"
)

func cmdTopics(ctx context.Context, a *cli, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: want a subcommand: list, test, eval, suggest, labels, rematch", errUsage)
	}
	switch args[0] {
	case "list":
		return topicsList(a, args[1:])
	case "test":
		return topicsTest(a, args[1:])
	case "eval":
		return topicsEval(a, args[1:])
	case "suggest":
		return topicsSuggest(ctx, a, args[1:])
	case "labels":
		return topicsLabels(ctx, a, args[1:])
	case "rematch":
		return topicsRematch(ctx, a, args[1:])
	case "-h", "--help", "help":
		fmt.Fprintln(a.stderr, "Usage: feedwatch topics list|test|eval|suggest|labels|rematch [flags]  (feedwatch topics SUBCOMMAND --help)")
		return nil
	}
	return fmt.Errorf("%w: unknown subcommand %q (want list, test, eval, suggest, labels, rematch)", errUsage, args[0])
}

// topicsFlags adds --config, --topics and --topic.
func topicsFlags(a *cli, name, argsUsage, about string) (*flagSetWithTopics, error) {
	fs := newFlags(a, "topics "+name, argsUsage, about)
	a.configFlagVar(fs)
	t := &flagSetWithTopics{FlagSet: fs}
	fs.StringVar(&t.file, "topics", "", "topics file (default: topics_file from the configuration)")
	fs.StringVar(&t.topic, "topic", "", "only this topic id")
	return t, nil
}

func topicsList(a *cli, args []string) error {
	fs, _ := topicsFlags(a, "list", "[--topics F]", "List the topics with their digest schedules.")
	if _, err := parseFlags(fs.FlagSet, args); err != nil {
		return err
	}
	set, err := a.loadTopics(fs.file)
	if err != nil {
		return err
	}
	for _, t := range set.Topics() {
		fmt.Fprintf(a.stdout, "%-16s %s\n%-16s digest %q, up to %d items\n%-16s %s\n\n", t.ID, t.Name, "", t.Digest.Schedule, t.Digest.MaxItems, "", t.Description)
	}
	return nil
}

type testInput struct {
	ID      string `json:"id"`
	Title   string `json:"title"`
	Summary string `json:"summary"`
	Content string `json:"content"`
}

type testOutput struct {
	ID      string   `json:"id"`
	Topic   string   `json:"topic"`
	Matched bool     `json:"matched"`
	Score   float64  `json:"score"`
	Terms   []string `json:"terms"`
	Missing []string `json:"missing,omitempty"`
	Vetoed  string   `json:"vetoed,omitempty"`
	Reason  string   `json:"reason,omitempty"`
}

func topicsTest(a *cli, args []string) error {
	fs, _ := topicsFlags(a, "test", "[--topics F] [--topic ID] [--jsonl FILE|-] [TEXT...]",
		"Classify items against the topics. Input lines are JSON objects with at least\n\"id\", \"title\" and \"summary\" (\"content\" optional); output is one JSON line per\ninput and topic: {\"id\",\"topic\",\"matched\",\"score\",\"terms\"}, plus \"missing\",\n\"vetoed\" and \"reason\" saying why. Without --jsonl the arguments are the title.")
	jsonl := fs.String("jsonl", "", "JSON-lines input file, - for standard input")
	rest, err := parseFlags(fs.FlagSet, args)
	if err != nil {
		return err
	}
	set, err := a.loadTopics(fs.file)
	if err != nil {
		return err
	}
	topics, err := topicsToRun(set, fs.topic)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(a.stdout)
	enc.SetEscapeHTML(false)
	classify := func(in testInput) error {
		doc := topic.TextDocument(in.Title, in.Summary, in.Content)
		for _, t := range topics {
			r, err := set.MatchTopic(t.ID, doc)
			if err != nil {
				return err
			}
			out := testOutput{ID: in.ID, Topic: t.ID, Matched: r.Matched, Score: r.Score, Terms: r.Terms,
				Missing: r.Missing, Vetoed: r.Vetoed, Reason: r.Reason}
			if out.Terms == nil {
				out.Terms = []string{}
			}
			if err := enc.Encode(out); err != nil {
				return err
			}
		}
		return nil
	}
	if *jsonl == "" {
		if len(rest) == 0 {
			return fmt.Errorf("%w: give --jsonl FILE or the text to classify", errUsage)
		}
		return classify(testInput{ID: "args", Title: strings.Join(rest, " ")})
	}
	var r io.Reader = a.stdin
	name := "standard input"
	if *jsonl != "-" {
		f, err := os.Open(*jsonl)
		if err != nil {
			return err
		}
		defer f.Close()
		r, name = f, *jsonl
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 16<<20)
	line := 0
	for sc.Scan() {
		line++
		b := strings.TrimSpace(sc.Text())
		if b == "" {
			continue
		}
		var in testInput
		if err := json.Unmarshal([]byte(b), &in); err != nil {
			return fmt.Errorf("%s:%d: %w", name, line, err)
		}
		if in.ID == "" {
			return fmt.Errorf("%s:%d: missing \"id\"", name, line)
		}
		if err := classify(in); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

func topicsEval(a *cli, args []string) error {
	fs, _ := topicsFlags(a, "eval", "--labels FILE.jsonl [--topics F] [--topic ID]",
		"Measure a topic's rules on labelled items (JSON lines with \"relevant\": true/false):\nprecision, recall, F1, and the false positives and negatives with their explanations.")
	labels := fs.String("labels", "", "labelled items (JSON lines)")
	if _, err := parseFlags(fs.FlagSet, args); err != nil {
		return err
	}
	if *labels == "" {
		return fmt.Errorf("%w: --labels is required", errUsage)
	}
	set, err := a.loadTopics(fs.file)
	if err != nil {
		return err
	}
	topics, err := topicsToRun(set, fs.topic)
	if err != nil {
		return err
	}
	f, err := os.Open(*labels)
	if err != nil {
		return err
	}
	defer f.Close()
	items, err := topic.ReadLabelled(f, *labels)
	if err != nil {
		return err
	}
	for _, t := range topics {
		rep, err := topic.Evaluate(set, t.ID, items)
		if err != nil {
			return err
		}
		if err := rep.WriteText(a.stdout); err != nil {
			return err
		}
	}
	return nil
}

type flagSetWithTopics struct {
	*flag.FlagSet
	file, topic string
}

func topicsRematch(ctx context.Context, a *cli, args []string) error {
	fs, _ := topicsFlags(a, "rematch", "[--days N] [--topic ID]",
		"Match the items stored in the last N days against the current rules. Items that\nmatch now are added to the topic's next digest; matches the rules no longer make\nare dropped unless a digest already carried them.")
	days := fs.Int("days", 7, "how many days of stored items")
	if _, err := parseFlags(fs.FlagSet, args); err != nil {
		return err
	}
	set, err := a.loadTopics(fs.file)
	if err != nil {
		return err
	}
	if _, err := topicsToRun(set, fs.topic); err != nil {
		return err
	}
	svc, err := a.service(ctx)
	if err != nil {
		return err
	}
	res, err := svc.Rematch(ctx, service.RematchInput{Days: *days, TopicID: fs.topic, Topics: set})
	if err != nil {
		return err
	}
	items, added, removed := res.Items, res.Added, res.Removed
	fmt.Fprintf(a.stdout, "rematched %d items of the last %d days: %d new matches, %d dropped\n", items, *days, added, removed)
	return nil
}
