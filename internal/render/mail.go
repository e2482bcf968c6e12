package render

import "time"

// Kinds of mail.
const (
	KindDigest = "digest" // a daily, weekly or topic-scheduled mail
	KindAlert  = "alert"  // an instant one
)

// Mail is what every recipient of one mail sees: one section per topic it
// carries. What differs between recipients is in Recipient.
type Mail struct {
	Kind     string // KindDigest (default) or KindAlert
	Sections []Section
	// Preheader is the inbox preview line; derived from the top headlines
	// when empty.
	Preheader string
}

// Section is one topic's part of a mail.
type Section struct {
	TopicID, TopicName, TopicDescription string
	PeriodStart, PeriodEnd               time.Time
	Items                                []Item
	More                                 int // stories left out because of the maximum
	// ArchiveURL shows this section on the web, with every story of the
	// period; empty for the archive copy itself.
	ArchiveURL string
}

// Recipient is what one subscriber's copy of a mail differs in from the
// next subscriber's. The zero Recipient is the archive copy, addressed to
// nobody.
type Recipient struct {
	Email, Name string
	// UnsubscribeURL ends every subscription the mail carries (the
	// one-click link of its List-Unsubscribe header).
	UnsubscribeURL string
	// ManageURL opens the subscriber's preferences page; MissedURL the
	// "missed something?" form.
	ManageURL, MissedURL string
	// SectionUnsubscribeURLs end one section's subscription each, in the
	// mail's order; used when the mail carries more than one.
	SectionUnsubscribeURLs []string
	// FeedbackURLs are the "not about this topic?" links, per section and
	// item; nil for none.
	FeedbackURLs [][]string
	Location     *time.Location // subscriber's zone; nil = UTC
}

// Mail renders rc's copy of m.
func (r *Renderer) Mail(m Mail, rc Recipient) (Rendered, error) {
	v, err := newMailView(m, rc.Location, fullValues(rc))
	if err != nil {
		return Rendered{}, err
	}
	return r.render(v, DigestSubject, DigestHTML, DigestText)
}

// Parts returns d as a one-section mail and its recipient.
func (d Digest) Parts() (Mail, Recipient) {
	m := Mail{
		Kind: d.Kind,
		Sections: []Section{{
			TopicID: d.TopicID, TopicName: d.TopicName, TopicDescription: d.TopicDescription,
			PeriodStart: d.PeriodStart, PeriodEnd: d.PeriodEnd, Items: d.Items, More: d.More, ArchiveURL: d.ArchiveURL,
		}},
		Preheader: d.Preheader,
	}
	rc := Recipient{Email: d.Recipient, Name: d.RecipientName, UnsubscribeURL: d.UnsubscribeURL, ManageURL: d.ManageURL,
		MissedURL: d.MissedURL, Location: d.Location}
	return m, rc
}
