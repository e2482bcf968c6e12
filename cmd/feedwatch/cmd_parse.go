package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/feedwatch/feedwatch/internal/fetch"
	"github.com/feedwatch/feedwatch/internal/normalize"
	"github.com/feedwatch/feedwatch/internal/parse"
)

type parsedItem struct {
	Title      string `json:"title"`
	Link       string `json:"link"`
	GUID       string `json:"guid"`
	Published  string `json:"published"`
	Updated    string `json:"updated"`
	Author     string `json:"author"`
	SummaryLen int    `json:"summary_len"`
	ContentLen int    `json:"content_len"`
	DateFilled bool   `json:"date_missing,omitempty"`
}

type parsedFeed struct {
	Title  string       `json:"title"`
	Format string       `json:"format,omitempty"`
	Items  []parsedItem `json:"items"`
}

func cmdParse(ctx context.Context, a *cli, args []string) error {
	fs := newFlags(a, "parse", "FILE|URL [--json]", "Parse one feed document and print what feedwatch extracts.")
	asJSON := fs.Bool("json", false, "print one JSON object")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return fmt.Errorf("%w: want one FILE or URL", errUsage)
	}
	src := rest[0]
	var body []byte
	var contentType, base string
	if strings.HasPrefix(src, "http://") || strings.HasPrefix(src, "https://") {
		resp, err := fetch.New(fetch.Options{UserAgent: "feedwatch/" + version}).Fetch(ctx, fetch.Request{URL: src, Trusted: true})
		if err != nil {
			return err
		}
		body, contentType, base = resp.Body, resp.ContentType, resp.URL
	} else {
		body, err = os.ReadFile(src)
		if err != nil {
			return err
		}
		base = "file://" + absPath(src)
	}
	fetched := time.Now().UTC()
	doc, err := parse.Parse(body, contentType, base)
	if err != nil {
		return fmt.Errorf("parse %s: %w", src, err)
	}
	out := parsedFeed{Title: normalize.Text(doc.Title), Format: doc.Format, Items: []parsedItem{}}
	for _, it := range normalize.Items(doc, base, fetched) {
		pi := parsedItem{Title: it.Title, Link: it.Link, GUID: it.GUID, Author: it.Author,
			SummaryLen: len(it.Summary), ContentLen: len(it.Content), DateFilled: it.DateMissing}
		if !it.DateMissing {
			pi.Published = it.Published.UTC().Format(time.RFC3339)
		}
		if !it.Updated.IsZero() {
			pi.Updated = it.Updated.UTC().Format(time.RFC3339)
		}
		out.Items = append(out.Items, pi)
	}
	if *asJSON {
		enc := json.NewEncoder(a.stdout)
		enc.SetEscapeHTML(false)
		return enc.Encode(out)
	}
	fmt.Fprintf(a.stdout, "feed: %s (%s, %d items)\n", out.Title, out.Format, len(out.Items))
	for i, it := range out.Items {
		fmt.Fprintf(a.stdout, "\n%d. %s\n   link:      %s\n   guid:      %s\n   published: %s\n", i+1, it.Title, it.Link, it.GUID, orNone(it.Published))
		if it.Updated != "" {
			fmt.Fprintf(a.stdout, "   updated:   %s\n", it.Updated)
		}
		if it.Author != "" {
			fmt.Fprintf(a.stdout, "   author:    %s\n", it.Author)
		}
		fmt.Fprintf(a.stdout, "   summary:   %d bytes, content: %d bytes\n", it.SummaryLen, it.ContentLen)
	}
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
