package render

import (
	"time"

	"github.com/feedwatch/feedwatch/internal/mail"
)

// Template files of the mail that carries a link to the preferences page.
const (
	ManageHTML    = "manage.html.tmpl"
	ManageText    = "manage.txt.tmpl"
	ManageSubject = "manage_subject.txt.tmpl"
)

// Manage is the mail a subscriber asks for on the start page: a link to
// their preferences page.
type Manage struct {
	ManageURL string
	Recipient string
	Expires   time.Time // when the link stops working
}

type manageView struct {
	ManageURL string
	Recipient string
	Expires   time.Time
	Preheader string
}

// Manage renders the mail with the link to a subscriber's preferences.
func (r *Renderer) Manage(m Manage) (Rendered, error) {
	v := manageView{
		ManageURL: safeURL(m.ManageURL),
		Recipient: mail.OneLine(m.Recipient),
		Expires:   m.Expires.UTC(),
		Preheader: "Your link to choose what feedwatch sends you, and when",
	}
	return r.render(v, ManageSubject, ManageHTML, ManageText)
}

func sampleManage() Manage {
	return Manage{ManageURL: "https://example.org/preferences?token=t", Recipient: "a@example.org",
		Expires: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}
}
