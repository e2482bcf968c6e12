// Package render turns a digest or a confirmation request into the subject,
// HTML and plain-text parts of a mail, using templates read from an fs.FS.
//
// It owns sanitising feed HTML for mail (bluemonday), inlining CSS
// (go-premailer) and converting summaries to text (html2text). It knows
// nothing of SMTP, storage or subscribers beyond the values it is handed, and
// it must never fetch anything: mails it renders carry no remote resources.
package render

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"strings"
	"sync"
	texttemplate "text/template"
	"time"

	"github.com/vanng822/go-premailer/premailer"

	"github.com/feedwatch/feedwatch/internal/mail"
)

// Template file names. Operators override them by name (see Overlay).
const (
	DigestHTML     = "digest.html.tmpl"
	DigestText     = "digest.txt.tmpl"
	DigestSubject  = "subject.txt.tmpl"
	ConfirmHTML    = "confirm.html.tmpl"
	ConfirmText    = "confirm.txt.tmpl"
	ConfirmSubject = "confirm_subject.txt.tmpl"
)

var required = []string{DigestHTML, DigestText, DigestSubject, ConfirmHTML, ConfirmText, ConfirmSubject,
	ManageHTML, ManageText, ManageSubject}

// Source is another feed that carried the same story.
type Source struct {
	Name, Link string
	Lang       string // "en", "ru", or empty when unknown
}

// Item is one story in a digest: its headline report, and the other
// reports of the same event.
type Item struct {
	Title, Link, Source string
	Lang                string
	Published           time.Time
	// SummaryHTML is the feed's HTML as stored; render sanitises and
	// shortens it, so callers pass it unchanged.
	SummaryHTML    string
	Terms          []string
	AlsoReportedBy []Source
	// Outlets is how many outlets carry the story; 0 counts the headline's
	// and AlsoReportedBy's.
	Outlets int
	// Update marks a story the subscriber was mailed before: its reports
	// here are new ones.
	Update bool
	// Section, when set, groups the item under a heading; items of one
	// section must be adjacent.
	Section string
}

// Digest is one subscriber's copy of a one-topic mail: a Mail with one
// section and its Recipient, in one value.
type Digest struct {
	Kind                                 string // KindDigest (default) or KindAlert
	TopicID, TopicName, TopicDescription string
	PeriodStart, PeriodEnd               time.Time
	Items                                []Item
	More                                 int // items left out because of the maximum
	ArchiveURL, UnsubscribeURL           string
	ManageURL, MissedURL                 string
	Recipient                            string
	RecipientName                        string
	Location                             *time.Location // subscriber's zone; nil = UTC
	Preheader                            string         // derived from the top titles when empty
}

// Rendered is a mail's subject and bodies.
type Rendered struct {
	Subject, HTML, Text string
}

// Confirm is a double opt-in request.
type Confirm struct {
	TopicNames []string
	ConfirmURL string
	// ManageURL opens the preferences page, where the subscriber chooses
	// when and how often mail comes; empty leaves the link out.
	ManageURL string
	Recipient string
	Expires   time.Time
}

// Renderer holds the parsed templates. It is safe for concurrent use.
type Renderer struct {
	html *htmltemplate.Template
	text *texttemplate.Template

	shareOnce sync.Once
	shareErr  error // see SharedRendering
}

// New parses every *.tmpl file at the root of fsys and dry-runs the required
// ones on sample data, so a broken template (including html/template's
// context errors, which only surface on execution) stops the program at start
// with the file and line in the message rather than at digest time.
func New(fsys fs.FS) (*Renderer, error) {
	names, err := fs.Glob(fsys, "*.tmpl")
	if err != nil {
		return nil, fmt.Errorf("render: list templates: %w", err)
	}
	r := &Renderer{
		html: htmltemplate.New("").Funcs(htmlFuncs),
		text: texttemplate.New("").Funcs(textFuncs),
	}
	for _, name := range names {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("render: read %s: %w", name, err)
		}
		// Errors from Parse start with "template: NAME:LINE:", and NAME is
		// the file name because each file is parsed under its own name.
		if strings.HasSuffix(name, ".html.tmpl") {
			if _, err := r.html.New(name).Parse(string(b)); err != nil {
				return nil, fmt.Errorf("render: parse %s: %w", name, err)
			}
		} else {
			if _, err := r.text.New(name).Parse(string(b)); err != nil {
				return nil, fmt.Errorf("render: parse %s: %w", name, err)
			}
		}
	}
	for _, name := range required {
		if !hasTemplate(r, name) {
			return nil, fmt.Errorf("render: template %s missing", name)
		}
	}
	for _, sample := range sampleMails() {
		if _, err := r.Mail(sample.mail, sample.rc); err != nil {
			return nil, fmt.Errorf("render: check digest templates (%s): %w", sample.name, err)
		}
	}
	if _, err := r.Confirm(sampleConfirm()); err != nil {
		return nil, fmt.Errorf("render: check confirm templates: %w", err)
	}
	if _, err := r.Manage(sampleManage()); err != nil {
		return nil, fmt.Errorf("render: check manage templates: %w", err)
	}
	return r, nil
}

func hasTemplate(r *Renderer, name string) bool {
	if strings.HasSuffix(name, ".html.tmpl") {
		return r.html.Lookup(name) != nil
	}
	return r.text.Lookup(name) != nil
}

// Digest renders one subscriber's copy of a one-topic mail.
func (r *Renderer) Digest(d Digest) (Rendered, error) {
	m, rc := d.Parts()
	return r.Mail(m, rc)
}

// Confirm renders a double opt-in confirmation request.
func (r *Renderer) Confirm(c Confirm) (Rendered, error) {
	names := make([]string, len(c.TopicNames))
	for i, n := range c.TopicNames {
		names[i] = mail.OneLine(n)
	}
	v := confirmView{
		TopicNames: names,
		ConfirmURL: c.ConfirmURL,
		ManageURL:  safeURL(c.ManageURL),
		Recipient:  mail.OneLine(c.Recipient),
		Expires:    c.Expires.UTC(),
		Preheader:  "Confirm your subscription to " + strings.Join(names, ", "),
	}
	return r.render(v, ConfirmSubject, ConfirmHTML, ConfirmText)
}

func (r *Renderer) render(data any, subject, htmlName, textName string) (Rendered, error) {
	var out Rendered
	var buf bytes.Buffer
	if err := r.text.ExecuteTemplate(&buf, subject, data); err != nil {
		return out, fmt.Errorf("render %s: %w", subject, err)
	}
	out.Subject = mail.OneLine(buf.String())
	if out.Subject == "" {
		return out, fmt.Errorf("render %s: empty subject", subject)
	}

	buf.Reset()
	if err := r.html.ExecuteTemplate(&buf, htmlName, data); err != nil {
		return out, fmt.Errorf("render %s: %w", htmlName, err)
	}
	inlined, err := inlineCSS(buf.String())
	if err != nil {
		return out, fmt.Errorf("render %s: %w", htmlName, err)
	}
	out.HTML = inlined

	buf.Reset()
	if err := r.text.ExecuteTemplate(&buf, textName, data); err != nil {
		return out, fmt.Errorf("render %s: %w", textName, err)
	}
	out.Text = tidyText(buf.String())
	return out, nil
}

// inlineCSS moves the <style> rules into style attributes, because Gmail and
// Outlook drop or ignore <style> blocks in many situations. Rules that cannot
// be inlined (the dark-mode media query) stay in a <style> block.
func inlineCSS(doc string) (string, error) {
	p, err := premailer.NewPremailerFromString(doc, premailer.NewOptions())
	if err != nil {
		return "", fmt.Errorf("inline css: %w", err)
	}
	out, err := p.Transform()
	if err != nil {
		return "", fmt.Errorf("inline css: %w", err)
	}
	return out, nil
}

// tidyText trims trailing spaces and squeezes blank-line runs that template
// actions leave behind, so the text part reads as if typed.
func tidyText(s string) string {
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	var out []string
	blank := 0
	for _, l := range lines {
		l = strings.TrimRight(l, " \t")
		if l == "" {
			blank++
			if blank > 1 {
				continue
			}
		} else {
			blank = 0
		}
		out = append(out, l)
	}
	return strings.TrimSpace(strings.Join(out, "\n")) + "\n"
}
