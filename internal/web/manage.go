package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/mail"

	"github.com/feedwatch/feedwatch/internal/links"
	fwmail "github.com/feedwatch/feedwatch/internal/mail"
	"github.com/feedwatch/feedwatch/internal/render"
	"github.com/feedwatch/feedwatch/internal/store"
	"github.com/feedwatch/feedwatch/internal/token"
)

// manageURL is a fresh link to email's preferences page.
func (s *server) manageURL(email string) string {
	return links.ManageURL(s.base.String(), s.opts.Secret, email, s.now())
}

// buildError is a mail that could not be made, as opposed to one the
// server did not take.
type buildError struct{ err error }

func (e buildError) Error() string { return "build: " + e.err.Error() }
func (e buildError) Unwrap() error { return e.err }

// sendMail builds a message to one address from its rendered parts and
// hands it to the sender at once: confirmation and manage-link mails are
// answers to a request, not a subscription's delivery, so they skip the
// outbox.
func (s *server) sendMail(ctx context.Context, to string, rendered render.Rendered) error {
	raw, _, err := fwmail.Build(fwmail.Message{DKIM: s.opts.DKIM, From: s.opts.From, To: to, Subject: rendered.Subject,
		Text: rendered.Text, HTML: rendered.HTML, Date: s.now()})
	if err != nil {
		return buildError{err}
	}
	from := s.opts.From
	if a, err := mail.ParseAddress(from); err == nil {
		from = a.Address
	}
	return s.opts.Sender.Send(ctx, from, []string{to}, raw)
}

// manageLink mails the link to an address's preferences page. The answer
// is the same whether or not the address is known, and whether or not the
// mail went out (the log has the error): otherwise the form would tell
// anyone who is subscribed. An address gets one such mail, or one
// confirmation, per confirmCooldown.
func (s *server) manageLink(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	raw := r.PostForm.Get("email")
	email, err := parseEmail(raw)
	if err != nil {
		s.log.Info("manage link: invalid address", "path", r.URL.Path, "error", err)
		data := indexData{Topics: s.opts.Topics().Topics(), ManageEmail: raw,
			ManageError: "That does not look like an e-mail address. Please check it."}
		s.render(w, r, http.StatusBadRequest, "index", page{Title: "Subscribe", Alternates: s.publicFeeds(), Data: data})
		return
	}
	done := func() {
		s.render(w, r, http.StatusOK, "linksent", page{Title: "Check your mail", Data: email})
	}
	if _, _, err := s.opts.Store.Subscriber(ctx, email); errors.Is(err, store.ErrNotFound) {
		s.log.Info("manage link: address unknown, nothing sent", "path", r.URL.Path)
		done()
		return
	} else if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "Something went wrong on our side. Please try again later.", err)
		return
	}
	if ok, err := s.opts.Store.ClaimConfirmation(ctx, email, confirmCooldown); err != nil {
		s.fail(w, r, http.StatusInternalServerError, "Something went wrong on our side. Please try again later.", err)
		return
	} else if !ok {
		s.log.Info("manage link not sent again so soon", "path", r.URL.Path)
		done()
		return
	}
	rendered, err := s.opts.Renderer.Manage(render.Manage{ManageURL: s.manageURL(email), Recipient: email, Expires: s.now().Add(token.ManageTTL)})
	if err == nil {
		err = s.sendMail(ctx, email, rendered)
	}
	if err != nil {
		// A mail that did not go out does not hold the address back.
		if rerr := s.opts.Store.ReleaseConfirmation(context.WithoutCancel(ctx), email); rerr != nil {
			s.log.Warn("manage link claim not released", "error", rerr)
		}
		s.log.Error("manage link not sent", "path", r.URL.Path, "error", fmt.Errorf("send manage link: %w", err))
		done()
		return
	}
	s.log.Info("manage link sent", "path", r.URL.Path)
	done()
}
