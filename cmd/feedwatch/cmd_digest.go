package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"os"
	"path/filepath"
	"time"

	"github.com/feedwatch/feedwatch/internal/app"
	"github.com/feedwatch/feedwatch/internal/digest"
	fwmail "github.com/feedwatch/feedwatch/internal/mail"
	"github.com/feedwatch/feedwatch/internal/model"
	"github.com/feedwatch/feedwatch/internal/store"
	"github.com/feedwatch/feedwatch/internal/topic"
)

func cmdDigest(ctx context.Context, a *cli, args []string) error {
	fs := newFlags(a, "digest", "[--config F] [--topic ID] [--now] [--preview [--json] [--out DIR]] [--to EMAIL]",
		"Send every subscription's mail that is due: the matches since its last mail, at\nits own time, queued and sent (as .eml files when no SMTP host is set). Running\nit again sends nothing new. --now sends every subscription what is waiting for\nit now, whatever its schedule, and leaves the schedule as it was.\n\n--preview renders without sending or recording anything: each topic's next\ndigest for a new subscriber (HTML and text into --out, or the text to standard\noutput; --json prints its stories, every one, as JSON), or with --to the next\nmail of that subscriber.\n--to alone sends a one-off copy of that subscriber's next mail (or of the\ntopics' previews, for an address that is not subscribed) without recording it.")
	a.configFlagVar(fs)
	topicID := fs.String("topic", "", "only this topic id")
	now := fs.Bool("now", false, "send every subscription what is waiting for it, whatever its schedule")
	preview := fs.Bool("preview", false, "render without sending or recording")
	asJSON := fs.Bool("json", false, "with --preview: print the stories of each topic's next digest as JSON")
	out := fs.String("out", "", "with --preview: folder for the HTML and text files")
	to := fs.String("to", "", "with --preview: render this subscriber's next mail; alone: send a one-off copy to this address")
	fs.Bool("send", true, "send what is due (the default; kept for scripts that say so)")
	if rest, err := parseFlags(fs, args); err != nil {
		return err
	} else if len(rest) > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, rest[0])
	}
	if *asJSON && !*preview {
		return fmt.Errorf("%w: --json goes with --preview", errUsage)
	}
	if *now && (*preview || *to != "") {
		return fmt.Errorf("%w: --now sends; it does not go with --preview or --to", errUsage)
	}
	set, err := a.loadTopics("")
	if err != nil {
		return err
	}
	topics, err := topicsToRun(set, *topicID)
	if err != nil {
		return err
	}
	b, err := a.digestBuilder(ctx)
	if err != nil {
		return err
	}
	switch {
	case *preview && *asJSON:
		return digestJSON(ctx, a, b, topics)
	case *preview && *to != "":
		return digestPreviewFor(ctx, a, b, set, *to, *out)
	case *preview:
		return digestPreview(ctx, a, b, topics, *out)
	case *to != "":
		return digestTo(ctx, a, b, set, topics, *to)
	}
	dispatch := b.Dispatch
	if *now {
		dispatch = b.DispatchNow
	}
	// What is already queued goes out even when building new mails fails.
	res, err := dispatch(ctx, set, *topicID)
	fmt.Fprintf(a.stdout, "digest: %d mails queued", res.Mails)
	if res.Moved > 0 {
		fmt.Fprintf(a.stdout, ", %d subscriptions with nothing new", res.Moved)
	}
	if res.Lost > 0 {
		fmt.Fprintf(a.stdout, ", %d left to the next run (their subscriptions changed meanwhile)", res.Lost)
	}
	fmt.Fprintln(a.stdout)
	return errors.Join(err, sendDue(ctx, a))
}

// storyJSON is one story of `digest --preview --json`.
type storyJSON struct {
	Title string       `json:"title"`
	Link  string       `json:"link"`
	Items []reportJSON `json:"items"`
}

type reportJSON struct {
	Title  string `json:"title"`
	Link   string `json:"link"`
	Source string `json:"source"`
	Lang   string `json:"lang"`
}

// digestJSON prints, per topic, every story of its next digest (beyond the
// maximum too) with all of its reports: a line of JSON per topic.
func digestJSON(ctx context.Context, a *cli, b *digest.Builder, topics []topic.Topic) error {
	enc := json.NewEncoder(a.stdout)
	enc.SetEscapeHTML(false)
	for _, t := range topics {
		s, err := b.Preview(ctx, t)
		if err != nil {
			return err
		}
		out := struct {
			Topic   string      `json:"topic"`
			Stories []storyJSON `json:"stories"`
		}{Topic: t.ID, Stories: []storyJSON{}}
		for _, st := range s.Stories {
			sj := storyJSON{Title: st.Headline.Item.Title, Link: digest.LinkOf(st.Headline.Item)}
			for _, m := range append([]store.MatchedItem{st.Headline}, st.Others...) {
				sj.Items = append(sj.Items, reportJSON{Title: m.Item.Title, Link: digest.LinkOf(m.Item), Source: digest.SourceOf(m), Lang: digest.LangOf(m.Item)})
			}
			out.Stories = append(out.Stories, sj)
		}
		if err := enc.Encode(out); err != nil {
			return err
		}
	}
	return nil
}

func digestPreview(ctx context.Context, a *cli, b *digest.Builder, topics []topic.Topic, out string) error {
	st, err := a.openStore(ctx)
	if err != nil {
		return err
	}
	for _, t := range topics {
		s, err := b.Preview(ctx, t)
		if err != nil {
			return err
		}
		recipient := model.Subscription{Email: "preview@example.invalid", TopicID: t.ID}
		if subs, err := st.ActiveSubscriptions(ctx, t.ID); err == nil && len(subs) > 0 {
			recipient = subs[0]
		}
		r, err := b.RenderPreview(s, recipient)
		if err != nil {
			return err
		}
		if out == "" {
			fmt.Fprintf(a.stdout, "Subject: %s\n\n%s\n", r.Subject, r.Text)
			continue
		}
		htmlPath, textPath, err := writePreview(out, "digest-"+t.ID, r.Subject, r.HTML, r.Text)
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "%s: %d stories (%d more cut) -> %s, %s\n", t.ID, len(s.Items), s.More, htmlPath, textPath)
	}
	return nil
}

// digestPreviewFor renders the next mails of one subscriber.
func digestPreviewFor(ctx context.Context, a *cli, b *digest.Builder, set *topic.Set, email, out string) error {
	mails, err := b.PendingFor(ctx, set, email)
	if err != nil {
		return err
	}
	for i, m := range mails {
		if out == "" {
			fmt.Fprintf(a.stdout, "Subject: %s\n\n%s\n", m.Rendered.Subject, m.Rendered.Text)
			continue
		}
		htmlPath, textPath, err := writePreview(out, fmt.Sprintf("mail-%d", i+1), m.Rendered.Subject, m.Rendered.HTML, m.Rendered.Text)
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "%s (%v) -> %s, %s\n", m.Kind, m.Topics, htmlPath, textPath)
	}
	if len(mails) == 0 {
		fmt.Fprintf(a.stdout, "%s: nothing waiting\n", email)
	}
	return nil
}

func writePreview(dir, name, subject, html, text string) (string, string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", "", err
	}
	htmlPath := filepath.Join(dir, name+".html")
	textPath := filepath.Join(dir, name+".txt")
	if err := os.WriteFile(htmlPath, []byte(html), 0o644); err != nil {
		return "", "", err
	}
	if err := os.WriteFile(textPath, []byte("Subject: "+subject+"\n\n"+text), 0o644); err != nil {
		return "", "", err
	}
	return htmlPath, textPath, nil
}

// digestTo sends a one-off copy, recorded nowhere: the subscriber's next
// mails, or for an address that is not subscribed each topic's preview.
func digestTo(ctx context.Context, a *cli, b *digest.Builder, set *topic.Set, topics []topic.Topic, to string) error {
	addr, err := mail.ParseAddress(to)
	if err != nil {
		return fmt.Errorf("--to %q: %w", to, err)
	}
	p, err := a.program()
	if err != nil {
		return err
	}
	cfg := p.Config()
	sender, where := p.Sender()
	defer sender.Close()
	from := cfg.Mail.From
	if f, err := mail.ParseAddress(from); err == nil {
		from = f.Address
	}
	var raws [][]byte
	mails, err := b.PendingFor(ctx, set, addr.Address)
	switch {
	case err == nil:
		for _, m := range mails {
			raws = append(raws, m.Raw)
		}
	case errors.Is(err, store.ErrNotFound):
		dkim, err := app.DKIM(cfg)
		if err != nil {
			return err
		}
		for _, t := range topics {
			s, err := b.Preview(ctx, t)
			if err != nil {
				return err
			}
			r, err := b.RenderPreview(s, model.Subscription{Email: addr.Address, TopicID: t.ID})
			if err != nil {
				return err
			}
			raw, _, err := fwmail.Build(fwmail.Message{DKIM: dkim, From: cfg.Mail.From, To: addr.Address, Subject: r.Subject, Text: r.Text, HTML: r.HTML,
				Date: time.Now(), Headers: map[string]string{"X-Feedwatch-Topic": t.ID}})
			if err != nil {
				return err
			}
			raws = append(raws, raw)
		}
	default:
		return err
	}
	for _, raw := range raws {
		if err := sender.Send(ctx, from, []string{addr.Address}, raw); err != nil {
			return fmt.Errorf("send a copy to %s: %w", addr.Address, err)
		}
	}
	fmt.Fprintf(a.stdout, "%d one-off %s sent to %s via %s (nothing recorded)\n", len(raws), plural(len(raws), "copy", "copies"), addr.Address, where)
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
