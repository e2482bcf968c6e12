package web

import (
	"context"
	"errors"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	fwmail "github.com/feedwatch/feedwatch/internal/mail"
	"github.com/feedwatch/feedwatch/internal/model"
	"github.com/feedwatch/feedwatch/internal/store"
	"github.com/feedwatch/feedwatch/internal/token"
)

var confirmLinkRE = regexp.MustCompile(`https?://\S+/confirm\?token=[A-Za-z0-9_\-.%]+`)

func TestIndexListsTopicsWithForm(t *testing.T) {
	e := newEnv(t, nil)
	r := e.get("/")
	if r.status != 200 {
		t.Fatalf("GET / = %d", r.status)
	}
	for _, want := range []string{"Go language", "News about Go.", `name="topic" value="golang"`, `name="email"`, `action="/subscribe"`} {
		if !strings.Contains(r.body, want) {
			t.Errorf("index lacks %q", want)
		}
	}
	for _, h := range []string{"Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy"} {
		if r.header.Get(h) == "" {
			t.Errorf("missing header %s", h)
		}
	}
	if !strings.Contains(r.header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Errorf("CSP = %q", r.header.Get("Content-Security-Policy"))
	}
	if r := e.get("/no-such-page"); r.status != 404 {
		t.Errorf("unknown path = %d", r.status)
	}
}

func TestSubscribeConfirmFlow(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	csrf := e.csrfFrom("/", false)
	r := e.post("/subscribe", url.Values{"csrf": {csrf}, "email": {"alice@example.org"}, "topic": {"golang", "rust"}}, nil)
	if r.status != 200 || !strings.Contains(r.body, "Check your mail") {
		t.Fatalf("subscribe = %d %s", r.status, r.body)
	}
	for _, id := range []string{"golang", "rust"} {
		sub, err := e.store.Subscription(ctx, "alice@example.org", id)
		if err != nil || sub.Status != model.SubscriptionPending {
			t.Fatalf("after sign-up %s: %+v %v", id, sub, err)
		}
	}
	msgs := e.smtp.Messages()
	if len(msgs) != 1 || len(msgs[0].To) != 1 || msgs[0].To[0] != "alice@example.org" || msgs[0].From != "news@example.org" {
		t.Fatalf("mails = %+v", msgs)
	}
	body := textBody(t, msgs[0].Data)
	link := confirmLinkRE.FindString(body)
	if link == "" || !strings.HasPrefix(link, e.srv.URL+"/confirm?token=") {
		t.Fatalf("no confirm link in %q", body)
	}
	u, _ := url.Parse(link)
	c, err := token.Verify(e.secret, u.Query().Get("token"), token.Confirm, e.clock.Now())
	if err != nil || c.Email != "alice@example.org" || c.Topic != "golang,rust" || !c.Expires.Equal(e.clock.Now().Add(72*time.Hour).Truncate(time.Second)) {
		t.Fatalf("token claims = %+v, %v", c, err)
	}

	// The link shows a button; only pressing it confirms.
	r = e.get(strings.TrimPrefix(link, e.srv.URL))
	if r.status != 200 || !strings.Contains(r.body, `action="/confirm"`) || strings.Contains(r.body, "You are subscribed") {
		t.Fatalf("confirm page = %d %s", r.status, r.body)
	}
	for _, id := range []string{"golang", "rust"} {
		if sub, _ := e.store.Subscription(ctx, "alice@example.org", id); sub.Status != model.SubscriptionPending {
			t.Fatalf("GET of the confirm link made %s %s", id, sub.Status)
		}
	}
	r = e.pressConfirm(strings.TrimPrefix(link, e.srv.URL))
	if r.status != 200 || !strings.Contains(r.body, "You are subscribed") {
		t.Fatalf("confirm = %d %s", r.status, r.body)
	}
	for _, id := range []string{"golang", "rust"} {
		sub, err := e.store.Subscription(ctx, "alice@example.org", id)
		if err != nil || sub.Status != model.SubscriptionActive {
			t.Fatalf("after confirm %s: %+v %v", id, sub, err)
		}
	}
}

func TestSubscribeSameResponseForKnownAndUnknown(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	if _, err := e.store.Subscribe(ctx, model.Subscription{Email: "known@example.org", TopicID: "golang", Status: model.SubscriptionActive}); err != nil {
		t.Fatal(err)
	}
	csrf := e.csrfFrom("/", false)
	known := e.post("/subscribe", url.Values{"csrf": {csrf}, "email": {"known@example.org"}, "topic": {"golang"}}, nil)
	unknown := e.post("/subscribe", url.Values{"csrf": {csrf}, "email": {"other@example.org"}, "topic": {"golang"}}, nil)
	if known.status != unknown.status {
		t.Fatalf("status known %d, unknown %d", known.status, unknown.status)
	}
	if strings.ReplaceAll(known.body, "known@", "X@") != strings.ReplaceAll(unknown.body, "other@", "X@") {
		t.Errorf("bodies differ:\n%s\n---\n%s", known.body, unknown.body)
	}
	// An active subscription is not put back to pending by a new sign-up.
	sub, err := e.store.Subscription(ctx, "known@example.org", "golang")
	if err != nil || sub.Status != model.SubscriptionActive {
		t.Errorf("known subscription = %+v, %v", sub, err)
	}
	if n := len(e.smtp.Messages()); n != 2 {
		t.Errorf("%d mails, want one each", n)
	}
}

func TestSubscribeRejectsBadInput(t *testing.T) {
	e := newEnv(t, nil)
	csrf := e.csrfFrom("/", false)
	for _, addr := range []string{"", "not-an-address", "a@b", "Alice <a@example.org>", "a@example.org\r\nBcc: x@example.org", "a@[127.0.0.1]", "a@[IPv6:::1]", "root@localhost", "a@printer.local", "a@10.0.0.1", strings.Repeat("a", 250) + "@example.org"} {
		r := e.post("/subscribe", url.Values{"csrf": {csrf}, "email": {addr}, "topic": {"golang"}}, nil)
		if r.status != 400 || !strings.Contains(r.body, "does not look like an e-mail address") {
			t.Errorf("address %q: %d", addr, r.status)
		}
	}
	r := e.post("/subscribe", url.Values{"csrf": {csrf}, "email": {"a@example.org"}, "topic": {"nope"}}, nil)
	if r.status != 400 || !strings.Contains(r.body, "at least one topic") {
		t.Errorf("unknown topic: %d", r.status)
	}
	if n := len(e.smtp.Messages()); n != 0 {
		t.Errorf("%d mails sent for bad input", n)
	}
}

func TestSubscribeRateLimit(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.SubscribeRate = 2 })
	csrf := e.csrfFrom("/", false)
	form := url.Values{"csrf": {csrf}, "email": {"bad"}, "topic": {"golang"}}
	for i := 0; i < 2; i++ {
		if r := e.post("/subscribe", form, nil); r.status != 400 {
			t.Fatalf("attempt %d = %d", i, r.status)
		}
	}
	r := e.post("/subscribe", form, nil)
	if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") == "" {
		t.Fatalf("third attempt = %d", r.status)
	}
	// Tokens come back with time: 2 a minute is one every 30 s.
	e.clock.Add(31 * time.Second)
	if r := e.post("/subscribe", form, nil); r.status != 400 {
		t.Fatalf("after refill = %d", r.status)
	}
}

func TestConfirmRejectsBadTokens(t *testing.T) {
	e := newEnv(t, nil)
	now := e.clock.Now()
	good := token.Sign(e.secret, token.Claims{Purpose: token.Confirm, Email: "a@example.org", Topic: "golang", Expires: now.Add(time.Hour)})
	enc, sig, _ := strings.Cut(good, ".")
	other := token.Sign(e.secret, token.Claims{Purpose: token.Confirm, Email: "b@example.org", Topic: "golang", Expires: now.Add(time.Hour)})
	otherEnc, _, _ := strings.Cut(other, ".")
	cases := map[string]string{
		"forged signature": enc + "." + strings.Repeat("A", len(sig)),
		"other secret":     token.Sign([]byte("another secret of enough length"), token.Claims{Purpose: token.Confirm, Email: "a@example.org", Topic: "golang", Expires: now.Add(time.Hour)}),
		"other address":    otherEnc + "." + sig,
		"expired":          token.Sign(e.secret, token.Claims{Purpose: token.Confirm, Email: "a@example.org", Topic: "golang", Expires: now.Add(-time.Second)}),
		"other purpose":    token.Sign(e.secret, token.Claims{Purpose: token.Unsubscribe, Email: "a@example.org", Topic: "golang", Expires: now.Add(time.Hour)}),
		"garbage":          "../../etc/passwd",
		"empty":            "",
	}
	for name, tok := range cases {
		r := e.get("/confirm?token=" + url.QueryEscape(tok))
		if r.status != 400 {
			t.Errorf("%s: %d", name, r.status)
		}
		if strings.Contains(r.body, "invalid token") || strings.Contains(r.body, "expired token") {
			t.Errorf("%s: internal error text shown to the user", name)
		}
	}
	if subs, _ := e.store.Subscriptions(context.Background()); len(subs) != 0 {
		t.Errorf("bad tokens subscribed %+v", subs)
	}
	// The expiry is checked against the clock: a 72h link fails after 72h.
	if _, err := e.store.Subscribe(context.Background(), model.Subscription{Email: "a@example.org", TopicID: "golang", Status: model.SubscriptionPending}); err != nil {
		t.Fatal(err)
	}
	r := e.get("/confirm?token=" + url.QueryEscape(good))
	if r.status != 200 {
		t.Fatalf("good token = %d", r.status)
	}
	e.clock.Add(2 * time.Hour)
	if r := e.get("/confirm?token=" + url.QueryEscape(good)); r.status != 400 || !strings.Contains(r.body, "expired") {
		t.Errorf("expired good token = %d", r.status)
	}
	// The button of a page loaded in time does not work once the link has
	// expired, and a bad token in the form does nothing either.
	csrf := e.csrfFrom("/", false)
	for name, tok := range map[string]string{"expired": good, "forged": cases["forged signature"], "other purpose": cases["other purpose"]} {
		if r := e.post("/confirm", url.Values{"csrf": {csrf}, "token": {tok}}, nil); r.status != 400 {
			t.Errorf("POST with %s token = %d", name, r.status)
		}
	}
	if sub, _ := e.store.Subscription(context.Background(), "a@example.org", "golang"); sub.Status != model.SubscriptionPending {
		t.Errorf("bad confirmations made the subscription %s", sub.Status)
	}
}

func unsubToken(e *env, email, topicID string) string {
	return token.Sign(e.secret, token.Claims{Purpose: token.Unsubscribe, Email: email, Topic: topicID, Expires: e.clock.Now().Add(90 * 24 * time.Hour)})
}

func TestUnsubscribePageThenPost(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	for _, id := range []string{"golang", "rust"} {
		e.store.Subscribe(ctx, model.Subscription{Email: "a@example.org", TopicID: id, Status: model.SubscriptionActive})
	}
	tok := unsubToken(e, "a@example.org", "golang")
	r := e.get("/unsubscribe?token=" + url.QueryEscape(tok))
	if r.status != 200 || !strings.Contains(r.body, `action="/unsubscribe"`) || !strings.Contains(r.body, "Go language") {
		t.Fatalf("page = %d %s", r.status, r.body)
	}
	// GET alone changes nothing: link scanners fetch it.
	if sub, _ := e.store.Subscription(ctx, "a@example.org", "golang"); sub.Status != model.SubscriptionActive {
		t.Fatalf("GET unsubscribed: %+v", sub)
	}
	m := regexp.MustCompile(`name="token" value="([^"]+)"`).FindStringSubmatch(r.body)
	if m == nil {
		t.Fatal("no token in form")
	}
	r = e.post("/unsubscribe", url.Values{"token": {m[1]}}, nil)
	if r.status != 200 || !strings.Contains(r.body, "You are unsubscribed") {
		t.Fatalf("POST = %d %s", r.status, r.body)
	}
	if sub, _ := e.store.Subscription(ctx, "a@example.org", "golang"); sub.Status != model.SubscriptionUnsubscribed {
		t.Errorf("golang = %q", sub.Status)
	}
	if sub, _ := e.store.Subscription(ctx, "a@example.org", "rust"); sub.Status != model.SubscriptionActive {
		t.Errorf("rust = %q, want untouched", sub.Status)
	}
	// A confirm token is not an unsubscribe token.
	ct := token.Sign(e.secret, token.Claims{Purpose: token.Confirm, Email: "a@example.org", Topic: "rust", Expires: e.clock.Now().Add(time.Hour)})
	if r := e.post("/unsubscribe", url.Values{"token": {ct}}, nil); r.status != 400 {
		t.Errorf("confirm token accepted for unsubscribe: %d", r.status)
	}
	if r := e.get("/unsubscribe?token=" + url.QueryEscape(ct)); r.status != 400 {
		t.Errorf("confirm token accepted for unsubscribe page: %d", r.status)
	}
}

func TestOneClickUnsubscribe(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	for _, id := range []string{"golang", "rust"} {
		e.store.Subscribe(ctx, model.Subscription{Email: "a@example.org", TopicID: id, Status: model.SubscriptionActive})
	}
	// As a mail provider sends it (RFC 8058): no cookie, no CSRF token,
	// from its own servers, to the exact URL of the header. An empty topic
	// means every topic.
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/unsubscribe?token="+url.QueryEscape(unsubToken(e, "a@example.org", "")),
		strings.NewReader("List-Unsubscribe=One-Click"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r := e.do(&http.Client{}, req)
	if r.status != 200 {
		t.Fatalf("one-click = %d %s", r.status, r.body)
	}
	for _, id := range []string{"golang", "rust"} {
		if sub, _ := e.store.Subscription(ctx, "a@example.org", id); sub.Status != model.SubscriptionUnsubscribed {
			t.Errorf("%s = %q", id, sub.Status)
		}
	}
	// Even with browser headers claiming another site: the token decides.
	e.store.Subscribe(ctx, model.Subscription{Email: "a@example.org", TopicID: "rust", Status: model.SubscriptionActive})
	req, _ = http.NewRequest(http.MethodPost, e.srv.URL+"/unsubscribe?token="+url.QueryEscape(unsubToken(e, "a@example.org", "rust")),
		strings.NewReader("List-Unsubscribe=One-Click"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Origin", "https://mail.example.net")
	if r := e.do(&http.Client{}, req); r.status != 200 {
		t.Fatalf("cross-site one-click = %d", r.status)
	}
}

func TestPostsWithoutCSRFAreForbidden(t *testing.T) {
	e := newEnv(t, nil)
	basic := func(r *http.Request) { r.SetBasicAuth("admin", "s3cret") }
	cases := []struct {
		path string
		form url.Values
		edit func(*http.Request)
	}{
		{"/subscribe", url.Values{"email": {"a@example.org"}, "topic": {"golang"}}, nil},
		{"/admin/topics/preview", url.Values{"text": {testTopics}}, basic},
		{"/admin/topics", url.Values{"text": {testTopics}}, basic},
	}
	for _, c := range cases {
		// No cookie, no token.
		if r := e.post(c.path, c.form, c.edit); r.status != http.StatusForbidden {
			t.Errorf("%s without token = %d", c.path, r.status)
		}
		// A token that does not belong to this client's cookie.
		f := url.Values{}
		for k, v := range c.form {
			f[k] = v
		}
		f.Set("csrf", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
		e.csrfFrom("/", false)
		if r := e.post(c.path, f, c.edit); r.status != http.StatusForbidden {
			t.Errorf("%s with a wrong token = %d", c.path, r.status)
		}
	}
	// A valid token from a cross-site page is still refused.
	csrf := e.csrfFrom("/", false)
	r := e.post("/subscribe", url.Values{"csrf": {csrf}, "email": {"a@example.org"}, "topic": {"golang"}}, func(r *http.Request) {
		r.Header.Set("Sec-Fetch-Site", "cross-site")
	})
	if r.status != http.StatusForbidden {
		t.Errorf("cross-site post = %d", r.status)
	}
	r = e.post("/subscribe", url.Values{"csrf": {csrf}, "email": {"a@example.org"}, "topic": {"golang"}}, func(r *http.Request) {
		r.Header.Set("Origin", "https://evil.example")
	})
	if r.status != http.StatusForbidden {
		t.Errorf("foreign origin post = %d", r.status)
	}
	if n := len(e.smtp.Messages()); n != 0 {
		t.Errorf("%d mails sent by refused posts", n)
	}
	if subs, _ := e.store.Subscriptions(context.Background()); len(subs) != 0 {
		t.Errorf("refused posts subscribed %+v", subs)
	}
}

func TestOversizedBodies(t *testing.T) {
	e := newEnv(t, nil)
	csrf := e.csrfFrom("/", false)
	big := strings.Repeat("x", maxFormBytes+1)
	if r := e.post("/subscribe", url.Values{"csrf": {csrf}, "email": {big}}, nil); r.status != http.StatusRequestEntityTooLarge {
		t.Errorf("subscribe = %d", r.status)
	}
	if r := e.post("/unsubscribe", url.Values{"token": {big}}, nil); r.status != http.StatusRequestEntityTooLarge {
		t.Errorf("unsubscribe = %d", r.status)
	}
	csrf = e.csrfFrom("/admin/topics", true)
	basic := func(r *http.Request) { r.SetBasicAuth("admin", "s3cret") }
	// The editor takes more than a form, but not more than 1 MB.
	mid := testTopics + "#" + strings.Repeat("x", 200<<10) + "\n"
	if r := e.post("/admin/topics/preview", url.Values{"csrf": {csrf}, "text": {mid}}, basic); r.status != 200 {
		t.Errorf("preview of 200 KB = %d", r.status)
	}
	huge := strings.Repeat("x", maxTopicsBytes+1)
	if r := e.post("/admin/topics", url.Values{"csrf": {csrf}, "text": {huge}}, basic); r.status != http.StatusRequestEntityTooLarge {
		t.Errorf("topics save = %d", r.status)
	}
}

func TestDigestArchive(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	html := `<!doctype html><html><body><h1>Go digest</h1><p style="color:red">Item</p></body></html>`
	var last model.Digest
	for i := 0; i < digestsPerPage+3; i++ {
		d, err := e.store.CreateDigest(ctx, store.NewDigest{Digest: model.Digest{TopicID: "golang", Subject: "Go digest", HTML: html, Text: "t", ItemCount: 1},
			FromSeq: int64(i), ToSeq: int64(i + 1)})
		if err != nil {
			t.Fatal(err)
		}
		last = d
	}
	r := e.get("/digests/" + itoa(last.ID))
	// Served as stored, with the archive's "Missed something?" link (to
	// the anonymous form of the digest's topic) before </body>.
	missed := regexp.MustCompile(`<p [^>]*>Missed something\? <a href="/missed\?topic=golang">[^<]+</a>\.</p>`).FindString(r.body)
	if r.status != 200 || missed == "" || r.body != strings.Replace(html, "</body>", missed+"</body>", 1) {
		t.Fatalf("digest = %d %q", r.status, r.body)
	}
	csp := r.header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "sandbox") || r.header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("archive headers: CSP %q", csp)
	}
	for _, p := range []string{"/digests/999999", "/digests/abc", "/digests/0", "/digests/-1", "/digests/01", "/digests/1e3",
		"/digests/..%2f..%2fetc%2fpasswd", "/digests/%2e%2e", "/digests/1%2f..", "/digests/1/extra"} {
		if r := e.get(p); r.status != 404 {
			t.Errorf("%s = %d", p, r.status)
		}
	}
	// An unclean path is redirected by the mux to its clean form, which is
	// not a digest either.
	c := &http.Client{}
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/digests/../../etc/passwd", nil)
	req.URL.Opaque = "/digests/../../etc/passwd" // keep the client from cleaning it
	if r := e.do(c, req); r.status != 404 {
		t.Errorf("traversal = %d", r.status)
	}

	r = e.get("/digests")
	if r.status != 200 || strings.Count(r.body, `href="/digests/`) != digestsPerPage || !strings.Contains(r.body, "Go language") {
		t.Fatalf("list = %d, %d links", r.status, strings.Count(r.body, `href="/digests/`))
	}
	m := regexp.MustCompile(`/digests\?before=(\d+)`).FindStringSubmatch(r.body)
	if m == nil {
		t.Fatal("no next page link")
	}
	r = e.get("/digests?before=" + m[1])
	if r.status != 200 || strings.Count(r.body, `href="/digests/`) != 3 || strings.Contains(r.body, "before=") {
		t.Errorf("page 2: %d, %d links", r.status, strings.Count(r.body, `href="/digests/`))
	}
	if r := e.get("/digests?before=x"); r.status != 404 {
		t.Errorf("bad page = %d", r.status)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestHealthAndReadiness(t *testing.T) {
	var ready atomic.Value
	ready.Store("")
	e := newEnv(t, func(o *Options) {
		o.Ready = func(context.Context) error {
			if s := ready.Load().(string); s != "" {
				return errTest(s)
			}
			return nil
		}
	})
	if r := e.get("/healthz"); r.status != 200 || strings.TrimSpace(r.body) != "ok" {
		t.Errorf("healthz = %d %q", r.status, r.body)
	}
	if r := e.get("/readyz"); r.status != 200 {
		t.Errorf("readyz = %d", r.status)
	}
	ready.Store("last poll 3h ago")
	r := e.get("/readyz")
	if r.status != 503 || strings.Contains(r.body, "3h") {
		t.Errorf("readyz when not ready = %d %q", r.status, r.body)
	}
	if !strings.Contains(e.logs.String(), "last poll 3h ago") {
		t.Error("reason not logged")
	}
	e.store.Close()
	if r := e.get("/readyz"); r.status != 503 {
		t.Errorf("readyz with closed db = %d", r.status)
	}
}

type errTest string

func (e errTest) Error() string { return string(e) }

func TestSubscribeMailFailureIsReported(t *testing.T) {
	// Nothing listens on the discard port: the relay is down.
	down := fwmail.NewSMTP(fwmail.SMTPOptions{Host: "127.0.0.1", Port: 9, TLS: fwmail.TLSNone, Timeout: 2 * time.Second})
	e := newEnv(t, func(o *Options) { o.Sender = down })
	csrf := e.csrfFrom("/", false)
	r := e.post("/subscribe", url.Values{"csrf": {csrf}, "email": {"a@example.org"}, "topic": {"golang"}}, nil)
	if r.status != http.StatusServiceUnavailable || !strings.Contains(r.body, "could not send the confirmation mail") {
		t.Fatalf("subscribe with the relay down = %d %s", r.status, r.body)
	}
	if strings.Contains(r.body, "127.0.0.1") || strings.Contains(r.body, "dial") {
		t.Error("the SMTP error leaked to the page")
	}
	if !strings.Contains(e.logs.String(), "send confirmation: smtp") || !strings.Contains(e.logs.String(), "path=/subscribe") {
		t.Errorf("log lacks the error: %s", e.logs.String())
	}
	if strings.Contains(e.logs.String(), "a@example.org") {
		t.Errorf("log names the address: %s", e.logs.String())
	}
	// The failed mail does not hold the address back: asking again at
	// once tries again.
	before := strings.Count(e.logs.String(), "send confirmation: smtp")
	e.post("/subscribe", url.Values{"csrf": {csrf}, "email": {"a@example.org"}, "topic": {"golang"}}, nil)
	if after := strings.Count(e.logs.String(), "send confirmation: smtp"); after != before+1 {
		t.Errorf("second sign-up after a failed mail: %d send attempts, want %d", after, before+1)
	}
}

// TestConfirmOnlyWhatIsPending: a confirmation link completes the sign-up
// it was sent for and nothing else, and only by its button. An unsubscribe
// or an erased address since is not undone by an old mail or a scanner
// fetching its links, and neither HEAD nor GET acts.
func TestConfirmOnlyWhatIsPending(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	tok := token.Sign(e.secret, token.Claims{Purpose: token.Confirm, Email: "a@example.org", Topic: "golang", Expires: e.clock.Now().Add(time.Hour)})
	link := "/confirm?token=" + url.QueryEscape(tok)
	status := func() string {
		sub, err := e.store.Subscription(ctx, "a@example.org", "golang")
		if errors.Is(err, store.ErrNotFound) {
			return "none"
		}
		if err != nil {
			t.Fatal(err)
		}
		return sub.Status
	}

	// Never signed up (or erased since): refused, and nothing is made.
	if r := e.get(link); r.status != http.StatusGone || !strings.Contains(r.body, "sign up") {
		t.Errorf("confirm without a sign-up = %d", r.status)
	}
	if got := status(); got != "none" {
		t.Errorf("confirm without a sign-up made a subscription: %s", got)
	}

	e.store.Subscribe(ctx, model.Subscription{Email: "a@example.org", TopicID: "golang", Status: model.SubscriptionPending})
	req, _ := http.NewRequest(http.MethodHead, e.srv.URL+link, nil)
	if r := e.do(nil, req); r.status != http.StatusOK || status() != model.SubscriptionPending {
		t.Errorf("HEAD = %d and status %s; want 200 and still pending", r.status, status())
	}
	for range 2 {
		if r := e.get(link); r.status != http.StatusOK || status() != model.SubscriptionPending || !strings.Contains(r.body, "Confirm subscription") {
			t.Errorf("GET = %d and status %s; want 200, a button and still pending", r.status, status())
		}
	}
	if r := e.pressConfirm(link); r.status != http.StatusOK || status() != model.SubscriptionActive {
		t.Errorf("POST = %d and status %s; want 200 and active", r.status, status())
	}
	// Confirmed: the link now says so, and pressing again changes nothing.
	if r := e.get(link); r.status != http.StatusOK || status() != model.SubscriptionActive || !strings.Contains(r.body, "You are subscribed") {
		t.Errorf("GET again = %d and status %s; want 200 and active", r.status, status())
	}
	csrf := e.csrfFrom("/", false)
	if r := e.post("/confirm", url.Values{"csrf": {csrf}, "token": {tok}}, nil); r.status != http.StatusOK || status() != model.SubscriptionActive {
		t.Errorf("POST again = %d and status %s; want 200 and active", r.status, status())
	}
	if _, err := e.store.Unsubscribe(ctx, "a@example.org", "golang"); err != nil {
		t.Fatal(err)
	}
	if r := e.get(link); r.status != http.StatusGone || status() != model.SubscriptionUnsubscribed {
		t.Errorf("GET after unsubscribing = %d and status %s; want 410 and unsubscribed", r.status, status())
	}
	if r := e.post("/confirm", url.Values{"csrf": {csrf}, "token": {tok}}, nil); r.status != http.StatusGone || status() != model.SubscriptionUnsubscribed {
		t.Errorf("POST after unsubscribing = %d and status %s; want 410 and unsubscribed", r.status, status())
	}
	// Without the page's CSRF token the button does nothing.
	if _, err := e.store.Subscribe(ctx, model.Subscription{Email: "a@example.org", TopicID: "golang", Status: model.SubscriptionPending}); err != nil {
		t.Fatal(err)
	}
	if r := e.post("/confirm", url.Values{"token": {tok}}, nil); r.status != http.StatusForbidden || status() != model.SubscriptionPending {
		t.Errorf("POST without CSRF = %d and status %s; want 403 and pending", r.status, status())
	}
}

// pressConfirm opens a confirmation link (a path) and presses its button.
func (e *env) pressConfirm(link string) response {
	e.t.Helper()
	r := e.get(link)
	tok := regexp.MustCompile(`name="token" value="([^"]+)"`).FindStringSubmatch(r.body)
	csrf := csrfRE.FindStringSubmatch(r.body)
	if r.status != http.StatusOK || tok == nil || csrf == nil {
		e.t.Fatalf("confirm page %s = %d without a form:\n%s", link, r.status, r.body)
	}
	return e.post("/confirm", url.Values{"csrf": {csrf[1]}, "token": {html.UnescapeString(tok[1])}}, nil)
}

// TestConfirmationMailCooldown: the form mails one address at most once
// per confirmCooldown, however many clients ask; the page is the same.
func TestConfirmationMailCooldown(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.SubscribeRate = 1000 })
	csrf := e.csrfFrom("/", false)
	form := url.Values{"csrf": {csrf}, "email": {"victim@example.org"}, "topic": {"golang"}}
	first := e.post("/subscribe", form, nil)
	for range 5 {
		if r := e.post("/subscribe", form, nil); r.status != first.status || r.body != first.body {
			t.Fatalf("a repeated sign-up answered differently: %d", r.status)
		}
	}
	if n := len(e.smtp.Messages()); n != 1 {
		t.Errorf("%d confirmation mails within the cooldown, want 1", n)
	}
	e.clock.Add(confirmCooldown + time.Second)
	e.post("/subscribe", form, nil)
	if n := len(e.smtp.Messages()); n != 2 {
		t.Errorf("%d confirmation mails after the cooldown, want 2", n)
	}
}

func TestExpiredUnsubscribeLinkSaysWhatWorks(t *testing.T) {
	e := newEnv(t, nil)
	old := token.Sign(e.secret, token.Claims{Purpose: token.Unsubscribe, Email: "a@example.org", Topic: "golang", Expires: e.clock.Now().Add(-time.Hour)})
	r := e.get("/unsubscribe?token=" + url.QueryEscape(old))
	if r.status != 400 || !strings.Contains(r.body, "more recent digest") || strings.Contains(r.body, "sign up again") {
		t.Errorf("expired unsubscribe link = %d:\n%s", r.status, r.body)
	}
}

func TestStaticFiles(t *testing.T) {
	e := newEnv(t, nil)
	r := e.get("/static/style.css")
	if r.status != 200 || !strings.Contains(r.header.Get("Content-Type"), "text/css") || r.header.Get("Cache-Control") != "public, max-age=86400" {
		t.Errorf("style.css = %d %q %q", r.status, r.header.Get("Content-Type"), r.header.Get("Cache-Control"))
	}
	notFound := e.get("/no-such-page")
	for _, path := range []string{"/static/", "/static/nope.css"} {
		r := e.get(path)
		if r.status != 404 || r.body != notFound.body || strings.Contains(r.body, "editor.js") {
			t.Errorf("%s = %d, want the site's 404 page\n%.300s", path, r.status, r.body)
		}
	}
}

func TestWrongMethod(t *testing.T) {
	e := newEnv(t, nil)
	for _, tc := range []struct{ method, path, allow string }{
		{http.MethodGet, "/subscribe", "POST"},
		{http.MethodDelete, "/digests", "GET, HEAD"},
		{http.MethodPut, "/healthz", "GET, HEAD"},
		{http.MethodGet, "/unsubscribe", ""}, // GET is the page
		{http.MethodGet, "/manage-link", "POST"},
		{http.MethodGet, "/preferences/erase", "POST"},
		{http.MethodPost, "/topics/golang/feed.atom", "GET, HEAD"},
		{http.MethodDelete, "/preferences", "GET, HEAD, POST"},
	} {
		req, _ := http.NewRequest(tc.method, e.srv.URL+tc.path, nil)
		r := e.do(nil, req)
		if tc.allow == "" {
			if r.status == http.StatusMethodNotAllowed {
				t.Errorf("%s %s = 405", tc.method, tc.path)
			}
			continue
		}
		if r.status != http.StatusMethodNotAllowed || r.header.Get("Allow") != tc.allow {
			t.Errorf("%s %s = %d, Allow %q; want 405, %q", tc.method, tc.path, r.status, r.header.Get("Allow"), tc.allow)
		}
	}
	if r := e.get("/no-such-page"); r.status != http.StatusNotFound {
		t.Errorf("unknown path = %d", r.status)
	}
}
