package main

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"os"
	"path/filepath"
	"time"

	"github.com/feedwatch/feedwatch/internal/digest"
	fwmail "github.com/feedwatch/feedwatch/internal/mail"
	"github.com/feedwatch/feedwatch/internal/model"
	"github.com/feedwatch/feedwatch/internal/topic"
)

func cmdDigest(ctx context.Context, a *app, args []string) error {
	fs := newFlags(a, "digest", "[--config F] [--topic ID] [--preview [--out DIR]] [--to EMAIL]",
		"Build each topic's digest of the matches since its previous digest, queue one\nmessage per active subscriber and send them (as .eml files when no SMTP host is\nset). Running it again sends nothing new.\n\n--preview renders the digest from stored data without sending or recording\nanything: HTML and text into --out, or the text to standard output.\n--to sends a one-off copy to one address without recording the digest.")
	a.configFlagVar(fs)
	topicID := fs.String("topic", "", "only this topic id")
	preview := fs.Bool("preview", false, "render without sending or recording")
	out := fs.String("out", "", "with --preview: folder for digest-TOPIC.html and .txt")
	to := fs.String("to", "", "send a one-off copy to this address only")
	fs.Bool("send", true, "build and send now (the default; kept for scripts that say so)")
	if rest, err := parseFlags(fs, args); err != nil {
		return err
	} else if len(rest) > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, rest[0])
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
	case *preview:
		return digestPreview(ctx, a, b, topics, *out)
	case *to != "":
		return digestTo(ctx, a, b, topics, *to)
	}
	// One topic's failure does not keep the others' digests, or what is
	// already queued, from going out.
	var failed []error
	for _, t := range topics {
		res, err := b.Build(ctx, t)
		if err != nil {
			fmt.Fprintf(a.stderr, "%s: %v\n", t.ID, err)
			failed = append(failed, fmt.Errorf("topic %s: %w", t.ID, err))
			continue
		}
		if res.Skipped != "" {
			fmt.Fprintf(a.stdout, "%s: nothing to send (%s)\n", t.ID, res.Skipped)
			continue
		}
		fmt.Fprintf(a.stdout, "%s: digest %d with %d items queued for %d subscribers\n", t.ID, res.Digest.ID, res.Digest.ItemCount, res.Queued)
	}
	if err := sendDue(ctx, a); err != nil {
		failed = append(failed, err)
	}
	return errors.Join(failed...)
}

func digestPreview(ctx context.Context, a *app, b *digest.Builder, topics []topic.Topic, out string) error {
	st, err := a.openStore(ctx)
	if err != nil {
		return err
	}
	for _, t := range topics {
		p, err := b.Plan(ctx, t)
		if err != nil {
			return err
		}
		recipient := model.Subscription{Email: "preview@example.invalid", TopicID: t.ID}
		if subs, err := st.ActiveSubscriptions(ctx, t.ID); err == nil && len(subs) > 0 {
			recipient = subs[0]
		}
		r, err := b.Render(p, recipient, 0)
		if err != nil {
			return err
		}
		if out == "" {
			fmt.Fprintf(a.stdout, "Subject: %s\n\n%s\n", r.Subject, r.Text)
			continue
		}
		if err := os.MkdirAll(out, 0o755); err != nil {
			return err
		}
		htmlPath := filepath.Join(out, "digest-"+t.ID+".html")
		textPath := filepath.Join(out, "digest-"+t.ID+".txt")
		if err := os.WriteFile(htmlPath, []byte(r.HTML), 0o644); err != nil {
			return err
		}
		if err := os.WriteFile(textPath, []byte("Subject: "+r.Subject+"\n\n"+r.Text), 0o644); err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "%s: %d items (%d more cut) -> %s, %s\n", t.ID, len(p.Items), p.More, htmlPath, textPath)
	}
	return nil
}

func digestTo(ctx context.Context, a *app, b *digest.Builder, topics []topic.Topic, to string) error {
	addr, err := mail.ParseAddress(to)
	if err != nil {
		return fmt.Errorf("--to %q: %w", to, err)
	}
	cfg, err := a.loadConfig()
	if err != nil {
		return err
	}
	sender, where := a.sender(cfg)
	defer sender.Close()
	from := cfg.Mail.From
	if f, err := mail.ParseAddress(from); err == nil {
		from = f.Address
	}
	for _, t := range topics {
		p, err := b.Plan(ctx, t)
		if err != nil {
			return err
		}
		r, err := b.Render(p, model.Subscription{Email: addr.Address, TopicID: t.ID}, 0)
		if err != nil {
			return err
		}
		dkim, err := loadDKIM(cfg)
		if err != nil {
			return err
		}
		raw, _, err := fwmail.Build(fwmail.Message{DKIM: dkim, From: cfg.Mail.From, To: addr.Address, Subject: r.Subject, Text: r.Text, HTML: r.HTML,
			Date: time.Now(), UnsubscribeURL: b.UnsubscribeURL(addr.Address, t.ID), Headers: map[string]string{"X-Feedwatch-Topic": t.ID}})
		if err != nil {
			return err
		}
		if err := sender.Send(ctx, from, []string{addr.Address}, raw); err != nil {
			return fmt.Errorf("send %s digest to %s: %w", t.ID, addr.Address, err)
		}
		fmt.Fprintf(a.stdout, "%s: one-off copy with %d items sent to %s via %s (nothing recorded)\n", t.ID, len(p.Items), addr.Address, where)
	}
	return nil
}
