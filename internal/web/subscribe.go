package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/feedwatch/feedwatch/internal/mailaddr"
	"github.com/feedwatch/feedwatch/internal/model"
	"github.com/feedwatch/feedwatch/internal/render"
	"github.com/feedwatch/feedwatch/internal/store"
	"github.com/feedwatch/feedwatch/internal/token"
	"github.com/feedwatch/feedwatch/internal/topic"
)

// confirmTTL is how long a confirmation link works.
const confirmTTL = 72 * time.Hour

// confirmCooldown is how long a pending sign-up waits before the form
// sends its address another confirmation.
const confirmCooldown = 15 * time.Minute

type indexData struct {
	Topics  []topic.Topic
	Email   string
	Checked map[string]bool
	Error   string
	// The "already subscribed?" form.
	ManageEmail, ManageError string
}

func (s *server) index(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "index", page{Title: "Subscribe", Alternates: s.publicFeeds(), Data: indexData{Topics: s.opts.Topics().Topics()}})
}

// parseEmail accepts what every way of subscribing accepts: a bare address
// on a public mail domain (package mailaddr).
func parseEmail(raw string) (string, error) { return mailaddr.Parse(raw) }

func (s *server) subscribe(w http.ResponseWriter, r *http.Request) {
	set := s.opts.Topics()
	data := indexData{Topics: set.Topics(), Email: r.PostForm.Get("email"), Checked: map[string]bool{}}
	var ids []string
	for _, id := range r.PostForm["topic"] {
		if _, ok := set.Topic(id); ok && !slices.Contains(ids, id) {
			ids = append(ids, id)
			data.Checked[id] = true
		}
	}
	email, err := parseEmail(data.Email)
	if err != nil {
		data.Error = "That does not look like an e-mail address. Please check it."
		s.log.Info("subscribe: invalid address", "path", r.URL.Path, "error", err)
		s.render(w, r, http.StatusBadRequest, "index", page{Title: "Subscribe", Alternates: s.publicFeeds(), Data: data})
		return
	}
	if len(ids) == 0 {
		data.Error = "Please choose at least one topic."
		s.render(w, r, http.StatusBadRequest, "index", page{Title: "Subscribe", Alternates: s.publicFeeds(), Data: data})
		return
	}

	ctx := r.Context()
	var names []string
	for _, id := range ids {
		t, _ := set.Topic(id)
		names = append(names, t.Name)
		cur, err := s.opts.Store.Subscription(ctx, email, id)
		if err == nil && cur.Status == model.SubscriptionActive {
			// Already receiving it: a sign-up, possibly by someone else, must
			// not stop their digests until they click again.
			continue
		}
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			s.fail(w, r, http.StatusInternalServerError, "Something went wrong on our side. Please try again later.", err)
			return
		}
		if _, err := s.opts.Store.Subscribe(ctx, model.Subscription{Email: email, TopicID: id, Status: model.SubscriptionPending}); err != nil {
			s.fail(w, r, http.StatusInternalServerError, "Something went wrong on our side. Please try again later.", err)
			return
		}
	}
	// One confirmation mail per address per confirmCooldown, however many
	// clients ask: the per-client limit alone would let many clients flood
	// one inbox. The page is the same either way.
	if ok, err := s.opts.Store.ClaimConfirmation(ctx, email, confirmCooldown); err != nil {
		s.fail(w, r, http.StatusInternalServerError, "Something went wrong on our side. Please try again later.", err)
		return
	} else if !ok {
		s.log.Info("confirmation not sent again so soon", "path", r.URL.Path, "topics", strings.Join(ids, ","))
		s.render(w, r, http.StatusOK, "sent", page{Title: "Check your mail", Data: email})
		return
	}
	sent := false
	defer func() {
		// A mail that did not go out does not hold the address back.
		if !sent {
			if err := s.opts.Store.ReleaseConfirmation(context.WithoutCancel(ctx), email); err != nil {
				s.log.Warn("confirmation claim not released", "error", err)
			}
		}
	}()

	// The mail goes out whether or not the address was known, so neither
	// the page nor the mail tells a stranger who is subscribed.
	expires := s.now().Add(confirmTTL)
	tok := token.Sign(s.opts.Secret, token.Claims{Purpose: token.Confirm, Email: email, Topic: strings.Join(ids, ","), Expires: expires})
	rendered, err := s.opts.Renderer.Confirm(render.Confirm{
		TopicNames: names,
		ConfirmURL: s.link("/confirm", url.Values{"token": {tok}}),
		ManageURL:  s.manageURL(email),
		Recipient:  email,
		Expires:    expires,
	})
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "Something went wrong on our side. Please try again later.", fmt.Errorf("render confirmation: %w", err))
		return
	}
	if err := s.sendMail(ctx, email, rendered); err != nil {
		var build buildError
		if errors.As(err, &build) {
			s.fail(w, r, http.StatusInternalServerError, "Something went wrong on our side. Please try again later.", fmt.Errorf("confirmation: %w", err))
			return
		}
		s.fail(w, r, http.StatusServiceUnavailable, "We could not send the confirmation mail just now. Please try again later.", fmt.Errorf("send confirmation: %w", err))
		return
	}
	sent = true
	s.log.Info("confirmation sent", "path", r.URL.Path, "topics", strings.Join(ids, ","))
	s.render(w, r, http.StatusOK, "sent", page{Title: "Check your mail", Data: email})
}

type doneData struct {
	Topics    []string
	ManageURL string
}

func (s *server) badToken(w http.ResponseWriter, r *http.Request, err error) {
	msg := "This link is not valid. Please copy the whole link from the mail."
	if errors.Is(err, token.ErrExpired) {
		msg = "This link has expired. Please sign up again to get a new one."
		if r.URL.Path == "/unsubscribe" {
			msg = "This link has expired. The unsubscribe link in a more recent digest works."
		}
	}
	s.fail(w, r, http.StatusBadRequest, msg, err)
}

// confirmPlan is what a confirmation link would do now.
type confirmPlan struct {
	Names     []string // the link's current topics that are or become active
	Pending   []string // ids of those to activate
	Cancelled bool     // some were unsubscribed, suspended or erased since
}

// planConfirm works out what the link with claims c confirms. The link
// confirms the sign-up it was sent for: subscriptions still pending. One
// cancelled since (unsubscribed, suspended, or erased with its address) is
// not brought back by an old mail or by a scanner fetching its links;
// signing up again sends a new one.
func (s *server) planConfirm(ctx context.Context, c token.Claims) (confirmPlan, error) {
	set := s.opts.Topics()
	var p confirmPlan
	for _, id := range strings.Split(c.Topic, ",") {
		t, ok := set.Topic(id)
		if !ok {
			continue // removed from the topics file since the mail went out
		}
		sub, err := s.opts.Store.Subscription(ctx, c.Email, id)
		switch {
		case err == nil && sub.Status == model.SubscriptionActive:
			p.Names = append(p.Names, t.Name) // confirmed before: nothing to do
		case errors.Is(err, store.ErrNotFound) || (err == nil && sub.Status != model.SubscriptionPending):
			p.Cancelled = true
		case err != nil:
			return p, err
		default:
			p.Names = append(p.Names, t.Name)
			p.Pending = append(p.Pending, id)
		}
	}
	return p, nil
}

// confirmLink checks the confirmation link with token tok and works out
// what it confirms. The page and its button both check a link here, so
// that the two judge a link alike. A link that is not valid or confirms
// nothing is answered here, and ok is false.
func (s *server) confirmLink(w http.ResponseWriter, r *http.Request, tok string) (c token.Claims, p confirmPlan, ok bool) {
	c, err := token.Verify(s.opts.Secret, tok, token.Confirm, s.now())
	if err != nil {
		s.badToken(w, r, err)
		return c, p, false
	}
	if p, err = s.planConfirm(r.Context(), c); err != nil {
		s.fail(w, r, http.StatusInternalServerError, "Something went wrong on our side. Please try the link again later.", err)
		return c, p, false
	}
	switch {
	case len(p.Names) == 0 && p.Cancelled:
		s.fail(w, r, http.StatusGone, "This sign-up was cancelled after the link was sent. To subscribe again, sign up on the front page.",
			fmt.Errorf("confirm %q: no pending subscription", c.Topic))
		return c, p, false
	case len(p.Names) == 0:
		s.fail(w, r, http.StatusBadRequest, "The topics in this link no longer exist.", fmt.Errorf("confirm %q: no current topic", c.Topic))
		return c, p, false
	}
	return c, p, true
}

type confirmData struct {
	Token  string
	Email  string
	Topics []string
}

// confirmPage shows what the link confirms and a button that does it; it
// changes nothing (GET and HEAD).
func (s *server) confirmPage(w http.ResponseWriter, r *http.Request) {
	tok := r.URL.Query().Get("token")
	c, p, ok := s.confirmLink(w, r, tok)
	if !ok {
		return
	}
	if len(p.Pending) == 0 {
		s.render(w, r, http.StatusOK, "confirmed", page{Title: "Subscribed", Data: doneData{Topics: p.Names, ManageURL: s.manageURL(c.Email)}})
		return
	}
	s.render(w, r, http.StatusOK, "confirm", page{Title: "Confirm your subscription", Data: confirmData{Token: tok, Email: c.Email, Topics: p.Names}})
}

// confirm activates the pending subscriptions of the posted link.
func (s *server) confirm(w http.ResponseWriter, r *http.Request) {
	c, p, ok := s.confirmLink(w, r, r.PostForm.Get("token"))
	if !ok {
		return
	}
	for _, id := range p.Pending {
		if _, err := s.opts.Store.Subscribe(r.Context(), model.Subscription{Email: c.Email, TopicID: id, Status: model.SubscriptionActive}); err != nil {
			s.fail(w, r, http.StatusInternalServerError, "Something went wrong on our side. Please try the link again later.", err)
			return
		}
	}
	s.log.Info("subscription confirmed", "path", r.URL.Path, "topics", c.Topic)
	s.render(w, r, http.StatusOK, "confirmed", page{Title: "Subscribed", Data: doneData{Topics: p.Names, ManageURL: s.manageURL(c.Email)}})
}

type unsubData struct {
	Token  string
	Topics []string
	All    bool
}

// topicNames names the topics of an unsubscribe token ("" is every topic).
func (s *server) topicNames(ids string) ([]string, bool) {
	if ids == "" {
		return nil, true
	}
	set := s.opts.Topics()
	var names []string
	for _, id := range strings.Split(ids, ",") {
		if t, ok := set.Topic(id); ok {
			names = append(names, t.Name)
		} else {
			names = append(names, id)
		}
	}
	return names, false
}

// unsubscribePage asks for a click rather than acting on GET, because mail
// scanners and link previews fetch every link in a message.
func (s *server) unsubscribePage(w http.ResponseWriter, r *http.Request) {
	tok := r.URL.Query().Get("token")
	c, err := token.Verify(s.opts.Secret, tok, token.Unsubscribe, s.now())
	if err != nil {
		s.badToken(w, r, err)
		return
	}
	names, all := s.topicNames(c.Topic)
	s.render(w, r, http.StatusOK, "unsubscribe", page{Title: "Unsubscribe", Data: unsubData{Token: tok, Topics: names, All: all}})
}

// unsubscribe serves both the page's button and RFC 8058 one-click posts
// (body "List-Unsubscribe=One-Click", token in the query).
func (s *server) unsubscribe(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r, maxFormBytes) {
		return
	}
	tok := r.PostForm.Get("token")
	if tok == "" {
		tok = r.URL.Query().Get("token")
	}
	c, err := token.Verify(s.opts.Secret, tok, token.Unsubscribe, s.now())
	if err != nil {
		s.badToken(w, r, err)
		return
	}
	ids := []string{""}
	if c.Topic != "" {
		ids = strings.Split(c.Topic, ",")
	}
	changed := 0
	for _, id := range ids {
		n, err := s.opts.Store.Unsubscribe(r.Context(), c.Email, id)
		if err != nil {
			s.fail(w, r, http.StatusInternalServerError, "Something went wrong on our side. Please try again later.", err)
			return
		}
		changed += n
	}
	s.log.Info("unsubscribed", "path", r.URL.Path, "topics", c.Topic, "changed", changed,
		"one_click", r.PostForm.Get("List-Unsubscribe") == "One-Click")
	names, all := s.topicNames(c.Topic)
	s.render(w, r, http.StatusOK, "unsubscribed", page{Title: "Unsubscribed", Data: unsubData{Topics: names, All: all}})
}
