package render

import (
	"fmt"
	htmltemplate "html/template"
	"net/url"
	"strings"
	texttemplate "text/template"
	"time"
	"unicode/utf8"

	"github.com/feedwatch/feedwatch/internal/mail"
)

// digestView is what digest templates see: times already in the
// subscriber's zone, summaries already sanitised, header text one line.
type digestView struct {
	TopicID, TopicName, TopicDescription string
	PeriodStart, PeriodEnd               time.Time
	Items                                []itemView
	More                                 int
	Count                                int // len(Items) + More
	ArchiveURL, UnsubscribeURL           string
	ManageURL                            string
	Recipient, RecipientName             string
	Preheader                            string
}

type itemView struct {
	Title, Link, Source string
	Published           time.Time
	// SummaryHTML was produced by the sanitiser, so the template may emit it
	// unescaped; SummaryText is its plain-text rendering.
	SummaryHTML    htmltemplate.HTML
	SummaryText    string
	Terms          []string
	AlsoReportedBy []Source
	Section        string
	SectionStart   bool // the first item of its section: the template heads it
}

func newDigestView(d Digest) (digestView, error) {
	loc := d.Location
	if loc == nil {
		loc = time.UTC
	}
	v := digestView{
		TopicID:          mail.OneLine(d.TopicID),
		TopicName:        mail.OneLine(d.TopicName),
		TopicDescription: mail.OneLine(d.TopicDescription),
		PeriodStart:      d.PeriodStart.In(loc),
		PeriodEnd:        d.PeriodEnd.In(loc),
		More:             d.More,
		Count:            len(d.Items) + d.More,
		ArchiveURL:       safeURL(d.ArchiveURL),
		UnsubscribeURL:   safeURL(d.UnsubscribeURL),
		ManageURL:        safeURL(d.ManageURL),
		Recipient:        mail.OneLine(d.Recipient),
		RecipientName:    mail.OneLine(d.RecipientName),
	}
	for i, it := range d.Items {
		sum := sanitizeSummary(it.SummaryHTML, summaryLimit)
		text, err := htmlToText(sum)
		if err != nil {
			return v, fmt.Errorf("render: summary of item %d (%s): %w", i, it.Link, err)
		}
		also := make([]Source, len(it.AlsoReportedBy))
		for j, s := range it.AlsoReportedBy {
			also[j] = Source{Name: mail.OneLine(s.Name), Link: safeURL(s.Link)}
		}
		v.Items = append(v.Items, itemView{
			Title:          mail.OneLine(it.Title),
			Link:           safeURL(it.Link),
			Source:         mail.OneLine(it.Source),
			Published:      it.Published.In(loc),
			SummaryHTML:    htmltemplate.HTML(sum),
			SummaryText:    wrapText(text, textWidth),
			Terms:          it.Terms,
			AlsoReportedBy: also,
			Section:        mail.OneLine(it.Section),
			SectionStart:   it.Section != "" && (i == 0 || d.Items[i-1].Section != it.Section),
		})
	}
	v.Preheader = mail.OneLine(d.Preheader)
	if v.Preheader == "" {
		v.Preheader = derivePreheader(v.Items)
	}
	return v, nil
}

// safeURL keeps http, https and mailto links and drops anything else
// (javascript:, data:): html/template would defuse them in the HTML part, but
// the text part prints links verbatim.
func safeURL(s string) string {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil {
		return ""
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https", "mailto":
		return u.String()
	}
	return ""
}

// preheaderLimit keeps the inbox preview within what clients show.
const preheaderLimit = 140

// derivePreheader lists the top titles: the inbox preview line then says
// what is inside instead of "View in browser".
func derivePreheader(items []itemView) string {
	if len(items) == 0 {
		return "Nothing new this time."
	}
	var titles []string
	for _, it := range items {
		if len(titles) == 3 {
			break
		}
		titles = append(titles, it.Title)
	}
	s := strings.Join(titles, " · ")
	if utf8.RuneCountInString(s) > preheaderLimit {
		s = cutWords(s, preheaderLimit-1, true) + "…"
	}
	return s
}

type confirmView struct {
	TopicNames []string
	ConfirmURL string
	ManageURL  string
	Recipient  string
	Expires    time.Time
	Preheader  string
}

// Time layouts shared by HTML and text templates so both parts agree.
const (
	layoutDateTime = "2 Jan 2006 15:04 MST"
	layoutDate     = "2 Jan 2006"
)

var commonFuncs = map[string]any{
	"datetime": func(t time.Time) string { return t.Format(layoutDateTime) },
	"date":     func(t time.Time) string { return t.Format(layoutDate) },
	"join":     strings.Join,
	"plural": func(n int, one, many string) string {
		if n == 1 {
			return one
		}
		return many
	},
	"add": func(a, b int) int { return a + b },
}

var (
	htmlFuncs = htmltemplate.FuncMap(commonFuncs)
	textFuncs = texttemplate.FuncMap(commonFuncs)
)

// sampleDigest exercises every branch of the shipped templates in New's dry
// run: items with summaries, terms, other sources and a cut list.
func sampleDigest() Digest {
	t := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	return Digest{
		TopicID: "sample", TopicName: "Sample", TopicDescription: "Sample topic",
		PeriodStart: t.Add(-24 * time.Hour), PeriodEnd: t,
		Items: []Item{{
			Title: "Title", Link: "https://example.org/a", Source: "Example",
			Published: t, SummaryHTML: "<p>Summary <b>text</b></p>",
			Terms:          []string{"term"},
			AlsoReportedBy: []Source{{Name: "Other", Link: "https://example.org/b"}},
		}},
		More:       1,
		ArchiveURL: "https://example.org/archive", UnsubscribeURL: "https://example.org/u",
		ManageURL: "https://example.org/m", Recipient: "a@example.org", RecipientName: "A",
	}
}

func sampleConfirm() Confirm {
	return Confirm{
		TopicNames: []string{"Sample"}, ConfirmURL: "https://example.org/c", ManageURL: "https://example.org/m",
		Recipient: "a@example.org", Expires: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC),
	}
}
