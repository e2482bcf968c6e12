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

// mailView is what digest templates see: times already in the
// subscriber's zone, summaries already sanitised, header text one line. The
// top-level topic fields repeat the first section's, so that a template
// written for one topic a mail still renders its first section.
type mailView struct {
	Kind     string
	Alert    bool
	Sections []sectionView
	Combined bool // more than one section
	Count    int  // stories in every section, shown and left out

	TopicID, TopicName, TopicDescription string
	PeriodStart, PeriodEnd               time.Time
	Items                                []itemView
	More                                 int
	ArchiveURL                           string

	UnsubscribeURL, ManageURL, MissedURL string
	Recipient, RecipientName             string
	Preheader                            string
}

type sectionView struct {
	TopicID, TopicName, TopicDescription string
	PeriodStart, PeriodEnd               time.Time
	Items                                []itemView
	More                                 int
	Count                                int // len(Items) + More
	ArchiveURL                           string
	// UnsubscribeURL ends this section's subscription alone; set only in
	// a mail with several sections.
	UnsubscribeURL string
}

type itemView struct {
	Title, Link, Source, Lang string
	Published                 time.Time
	// SummaryHTML was produced by the sanitiser, so the template may emit it
	// unescaped; SummaryText is its plain-text rendering.
	SummaryHTML    htmltemplate.HTML
	SummaryText    string
	Terms          []string
	AlsoReportedBy []Source
	Outlets        int  // outlets that carry the story, this one included
	Update         bool // the story was mailed before: these are new reports
	FeedbackURL    string
	Section        string
	SectionStart   bool // the first item of its section: the template heads it
}

// slot names one recipient value in a mail: its kind, and for values that
// come once per section or item, which one.
type slot struct {
	kind          byte
	section, item int
}

// Kinds of slot. They are letters that are not hex digits, so that in a
// placeholder a kind cannot run into the random mark before it.
const (
	slotEmail       = 'r'
	slotName        = 'n'
	slotUnsubscribe = 'u'
	slotManage      = 'm'
	slotMissed      = 'k'
	slotSection     = 's' // a section's own unsubscribe link
	slotFeedback    = 'v' // an item's feedback link
)

// urlSlot says whether a slot holds a link (rather than text).
func urlSlot(kind byte) bool { return kind != slotEmail && kind != slotName }

// values gives the recipient value of each slot, as the view shows it.
type values func(slot) string

// fullValues are rc's own values, made safe as the view shows them.
func fullValues(rc Recipient) values {
	return func(s slot) string {
		switch s.kind {
		case slotEmail:
			return mail.OneLine(rc.Email)
		case slotName:
			return mail.OneLine(rc.Name)
		}
		return safeURL(rawValue(rc, s))
	}
}

// rawValue is rc's value for s before it is made safe.
func rawValue(rc Recipient, s slot) string {
	switch s.kind {
	case slotEmail:
		return rc.Email
	case slotName:
		return rc.Name
	case slotUnsubscribe:
		return rc.UnsubscribeURL
	case slotManage:
		return rc.ManageURL
	case slotMissed:
		return rc.MissedURL
	case slotSection:
		if s.section < len(rc.SectionUnsubscribeURLs) {
			return rc.SectionUnsubscribeURLs[s.section]
		}
	case slotFeedback:
		if s.section < len(rc.FeedbackURLs) && s.item < len(rc.FeedbackURLs[s.section]) {
			return rc.FeedbackURLs[s.section][s.item]
		}
	}
	return ""
}

func newMailView(m Mail, loc *time.Location, val values) (mailView, error) {
	if loc == nil {
		loc = time.UTC
	}
	v := mailView{
		Kind:           m.Kind,
		Alert:          m.Kind == KindAlert,
		Combined:       len(m.Sections) > 1,
		UnsubscribeURL: val(slot{kind: slotUnsubscribe}),
		ManageURL:      val(slot{kind: slotManage}),
		MissedURL:      val(slot{kind: slotMissed}),
		Recipient:      val(slot{kind: slotEmail}),
		RecipientName:  val(slot{kind: slotName}),
	}
	if v.Kind == "" {
		v.Kind = KindDigest
	}
	for i, sec := range m.Sections {
		sv := sectionView{
			TopicID:          mail.OneLine(sec.TopicID),
			TopicName:        mail.OneLine(sec.TopicName),
			TopicDescription: mail.OneLine(sec.TopicDescription),
			PeriodStart:      sec.PeriodStart.In(loc),
			PeriodEnd:        sec.PeriodEnd.In(loc),
			More:             sec.More,
			Count:            len(sec.Items) + sec.More,
			ArchiveURL:       safeURL(sec.ArchiveURL),
		}
		if v.Combined {
			sv.UnsubscribeURL = val(slot{kind: slotSection, section: i})
		}
		for j, it := range sec.Items {
			iv, err := newItemView(it, loc)
			if err != nil {
				return v, fmt.Errorf("render: %s: %w", sec.TopicID, err)
			}
			iv.FeedbackURL = val(slot{kind: slotFeedback, section: i, item: j})
			iv.SectionStart = it.Section != "" && (j == 0 || sec.Items[j-1].Section != it.Section)
			sv.Items = append(sv.Items, iv)
		}
		v.Count += sv.Count
		v.Sections = append(v.Sections, sv)
	}
	if len(v.Sections) > 0 {
		first := v.Sections[0]
		v.TopicID, v.TopicName, v.TopicDescription = first.TopicID, first.TopicName, first.TopicDescription
		v.PeriodStart, v.PeriodEnd, v.Items, v.More, v.ArchiveURL = first.PeriodStart, first.PeriodEnd, first.Items, first.More, first.ArchiveURL
	}
	v.Preheader = mail.OneLine(m.Preheader)
	if v.Preheader == "" {
		v.Preheader = derivePreheader(v.Sections)
	}
	return v, nil
}

func newItemView(it Item, loc *time.Location) (itemView, error) {
	sum := sanitizeSummary(it.SummaryHTML, summaryLimit)
	text, err := htmlToText(sum)
	if err != nil {
		return itemView{}, fmt.Errorf("summary of %s: %w", it.Link, err)
	}
	also := make([]Source, len(it.AlsoReportedBy))
	for j, s := range it.AlsoReportedBy {
		also[j] = Source{Name: mail.OneLine(s.Name), Link: safeURL(s.Link), Lang: mail.OneLine(s.Lang)}
	}
	outlets := it.Outlets
	if outlets <= 0 {
		outlets = 1 + len(also)
	}
	return itemView{
		Title:          mail.OneLine(it.Title),
		Link:           safeURL(it.Link),
		Source:         mail.OneLine(it.Source),
		Lang:           mail.OneLine(it.Lang),
		Published:      it.Published.In(loc),
		SummaryHTML:    htmltemplate.HTML(sum),
		SummaryText:    wrapText(text, textWidth),
		Terms:          it.Terms,
		AlsoReportedBy: also,
		Outlets:        outlets,
		Update:         it.Update,
		Section:        mail.OneLine(it.Section),
	}, nil
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
// what is inside instead of "View in browser". A mail of several topics
// takes each section's first title before anyone's second.
func derivePreheader(sections []sectionView) string {
	var titles []string
	for rank := 0; len(titles) < 3; rank++ {
		found := false
		for _, s := range sections {
			if rank < len(s.Items) && len(titles) < 3 {
				titles = append(titles, s.Items[rank].Title)
				found = true
			}
		}
		if !found {
			break
		}
	}
	if len(titles) == 0 {
		return "Nothing new this time."
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

// sampleDigest exercises every branch of a one-topic mail in the shipped
// templates: items with summaries, terms, other sources and a cut list.
func sampleDigest() Digest {
	t := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	return Digest{
		TopicID: "sample", TopicName: "Sample", TopicDescription: "Sample topic",
		PeriodStart: t.Add(-24 * time.Hour), PeriodEnd: t,
		Items: []Item{{
			Title: "Title", Link: "https://example.org/a", Source: "Example", Lang: "en",
			Published: t, SummaryHTML: "<p>Summary <b>text</b></p>",
			Terms:          []string{"term"},
			AlsoReportedBy: []Source{{Name: "Other", Link: "https://example.org/b", Lang: "ru"}},
		}, {
			Title: "Update", Link: "https://example.org/c", Source: "Example", Published: t, Update: true,
			AlsoReportedBy: []Source{{Name: "Third", Link: "https://example.org/d"}},
		}},
		More:       1,
		ArchiveURL: "https://example.org/archive", UnsubscribeURL: "https://example.org/u",
		ManageURL: "https://example.org/m", MissedURL: "https://example.org/x", Recipient: "a@example.org", RecipientName: "A",
	}
}

// sampleMails are the shapes of mail that New dry-runs the templates with
// and that SharedRendering compares both ways: one topic, several, an
// alert, and nothing at all.
func sampleMails() []struct {
	name string
	mail Mail
	rc   Recipient
} {
	one, rc := sampleDigest().Parts()
	two := one
	second := one.Sections[0]
	second.TopicID, second.TopicName, second.More = "other", "Other", 0
	two.Sections = []Section{one.Sections[0], second}
	combined := rc
	combined.SectionUnsubscribeURLs = []string{"https://example.org/u1", "https://example.org/u2"}
	combined.FeedbackURLs = [][]string{{"https://example.org/f1", "https://example.org/f2"}, {"https://example.org/f3", "https://example.org/f4"}}
	alert := one
	alert.Kind = KindAlert
	empty, _ := Digest{TopicName: "sample"}.Parts()
	return []struct {
		name string
		mail Mail
		rc   Recipient
	}{
		{"one topic", one, rc},
		{"several topics", two, combined},
		{"an alert", alert, rc},
		{"no items", empty, Recipient{}},
	}
}

func sampleConfirm() Confirm {
	return Confirm{
		TopicNames: []string{"Sample"}, ConfirmURL: "https://example.org/c", ManageURL: "https://example.org/m",
		Recipient: "a@example.org", Expires: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC),
	}
}
