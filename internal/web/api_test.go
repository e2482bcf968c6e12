package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/model"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// spec is openapi.json with its operations and a schema compiler.
type spec struct {
	doc      map[string]any
	compiler *jsonschema.Compiler
	mu       sync.Mutex
	schemas  map[string]*jsonschema.Schema
	answered map[string]bool // "METHOD /path/{template}" seen answering
}

var (
	specOnce sync.Once
	theSpec  *spec
	specErr  error
)

func loadSpec(t *testing.T) *spec {
	t.Helper()
	specOnce.Do(func() {
		raw, err := os.ReadFile("openapi.json")
		if err != nil {
			specErr = err
			return
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			specErr = err
			return
		}
		c := jsonschema.NewCompiler()
		c.DefaultDraft(jsonschema.Draft2020)
		if err := c.AddResource("file:///openapi.json", doc); err != nil {
			specErr = err
			return
		}
		var m map[string]any
		specErr = json.Unmarshal(raw, &m)
		theSpec = &spec{doc: m, compiler: c, schemas: map[string]*jsonschema.Schema{}, answered: map[string]bool{}}
	})
	if specErr != nil {
		t.Fatal(specErr)
	}
	return theSpec
}

func (sp *spec) paths() map[string]any { return sp.doc["paths"].(map[string]any) }

// operations lists "METHOD /template" for every operation in the spec.
func (sp *spec) operations() []string {
	var out []string
	for p, item := range sp.paths() {
		for m := range item.(map[string]any) {
			out = append(out, strings.ToUpper(m)+" "+p)
		}
	}
	sort.Strings(out)
	return out
}

// template finds the spec path a concrete path is an instance of,
// preferring literal segments (/digests/preview over /digests/{id}).
func (sp *spec) template(path string) string {
	best, bestVars := "", 99
	for p := range sp.paths() {
		re := "^" + regexp.MustCompile(`\\\{[^/]+\\\}`).ReplaceAllString(regexp.QuoteMeta(p), `[^/]+`) + "$"
		if regexp.MustCompile(re).MatchString(path) {
			if n := strings.Count(p, "{"); n < bestVars {
				best, bestVars = p, n
			}
		}
	}
	return best
}

func escapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// check validates a response against the spec: the operation exists, the
// status is one it documents, and a JSON body matches that status's schema.
func (sp *spec) check(t *testing.T, method, path string, status int, body []byte) {
	t.Helper()
	tmpl := sp.template(path)
	if tmpl == "" {
		// A path the API does not have answers 404 with an error object.
		if status != http.StatusNotFound {
			t.Errorf("%s %s = %d: no such path in openapi.json", method, path, status)
			return
		}
		sp.validate(t, method+" "+path, "#/components/responses/Error/content/application~1json/schema", body)
		return
	}
	op, ok := sp.paths()[tmpl].(map[string]any)[strings.ToLower(method)].(map[string]any)
	if !ok {
		if status != http.StatusMethodNotAllowed {
			t.Errorf("%s %s = %d: the spec has no %s for %s", method, path, status, method, tmpl)
		}
		return
	}
	sp.mu.Lock()
	sp.answered[method+" "+tmpl] = true
	sp.mu.Unlock()
	if status == http.StatusNotModified {
		return
	}
	resp, ok := op["responses"].(map[string]any)[fmt.Sprint(status)].(map[string]any)
	if !ok {
		t.Errorf("%s %s = %d, a status the spec does not list for %s %s: %s", method, path, status, method, tmpl, body)
		return
	}
	ptr := "#/paths/" + escapePointer(tmpl) + "/" + strings.ToLower(method) + "/responses/" + fmt.Sprint(status)
	if ref, ok := resp["$ref"].(string); ok {
		ptr, resp = ref, sp.doc["components"].(map[string]any)["responses"].(map[string]any)[strings.TrimPrefix(ref, "#/components/responses/")].(map[string]any)
	}
	if _, hasBody := resp["content"]; !hasBody {
		if len(bytes.TrimSpace(body)) != 0 {
			t.Errorf("%s %s = %d with a body the spec does not describe: %s", method, path, status, body)
		}
		return
	}
	sp.validate(t, fmt.Sprintf("%s %s = %d", method, path, status), ptr+"/content/application~1json/schema", body)
}

// validate checks body against the schema at ptr in the document.
func (sp *spec) validate(t *testing.T, what, ptr string, body []byte) {
	t.Helper()
	if err := sp.validateErr(ptr, body); err != nil {
		t.Errorf("%s: %v\n%s", what, err, body)
	}
}

func (sp *spec) validateErr(ptr string, body []byte) error {
	sp.mu.Lock()
	sch, ok := sp.schemas[ptr]
	if !ok {
		var err error
		if sch, err = sp.compiler.Compile("file:///openapi.json" + ptr); err != nil {
			sp.mu.Unlock()
			return fmt.Errorf("compile %s: %w", ptr, err)
		}
		sp.schemas[ptr] = sch
	}
	sp.mu.Unlock()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	if err := sch.Validate(inst); err != nil {
		return fmt.Errorf("the body does not match the spec: %w", err)
	}
	return nil
}

type apiResp struct {
	status int
	header http.Header
	body   []byte
}

func (r apiResp) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

func (r apiResp) errCode(t *testing.T) string {
	t.Helper()
	var e struct {
		Error struct{ Code, Message, Field string }
	}
	r.decode(t, &e)
	return e.Error.Code
}

// call sends one API request and checks the answer against the spec.
func (e *env) call(method, path, key string, body any, edit ...func(*http.Request)) apiResp {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, e.srv.URL+path, rd)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for _, f := range edit {
		f(req)
	}
	resp, err := e.client.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	u, _ := url.Parse(path)
	loadSpec(e.t).check(e.t, method, u.Path, resp.StatusCode, b)
	return apiResp{status: resp.StatusCode, header: resp.Header, body: b}
}

func (e *env) key(name string, readOnly bool) string {
	e.t.Helper()
	k, _, err := e.svc.CreateAPIKey(context.Background(), name, readOnly)
	if err != nil {
		e.t.Fatal(err)
	}
	return k
}

func TestAPIAuth(t *testing.T) {
	e := newEnv(t, nil)
	rw, ro := e.key("rw", false), e.key("ro", true)
	revoked := e.key("old", false)
	if err := e.svc.RevokeAPIKey(context.Background(), "old"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, method, path, key string
		body                    any
		want                    int
		code                    string
	}{
		{"no key", "GET", "/api/v1/feeds", "", nil, 401, "unauthorized"},
		{"no key on a write", "POST", "/api/v1/feeds", "", map[string]string{"url": "https://a.example.org/"}, 401, "unauthorized"},
		{"wrong key", "GET", "/api/v1/feeds", "fwk_nope", nil, 401, "unauthorized"},
		{"admin token is no API key", "GET", "/api/v1/feeds", "tok-123", nil, 401, "unauthorized"},
		{"revoked key", "GET", "/api/v1/feeds", revoked, nil, 401, "unauthorized"},
		{"revoked key on a write", "DELETE", "/api/v1/subscribers/a@example.org", revoked, nil, 401, "unauthorized"},
		{"read-only key reads", "GET", "/api/v1/feeds", ro, nil, 200, ""},
		{"read-only key writes", "POST", "/api/v1/subscriptions", ro, map[string]string{"email": "a@example.org", "topic": "golang"}, 403, "read_only_key"},
		{"read-only key deletes", "DELETE", "/api/v1/subscribers/a@example.org", ro, nil, 403, "read_only_key"},
		{"read-only key retries", "POST", "/api/v1/deliveries/retry", ro, nil, 403, "read_only_key"},
		{"read-write key", "POST", "/api/v1/subscriptions", rw, map[string]string{"email": "a@example.org", "topic": "golang"}, 201, ""},
	} {
		r := e.call(tc.method, tc.path, tc.key, tc.body)
		if r.status != tc.want {
			t.Errorf("%s: %s %s = %d, want %d: %s", tc.name, tc.method, tc.path, r.status, tc.want, r.body)
			continue
		}
		if tc.code != "" && r.errCode(t) != tc.code {
			t.Errorf("%s: code %q, want %q", tc.name, r.errCode(t), tc.code)
		}
		if tc.want == 401 && !strings.Contains(r.header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("%s: no Bearer challenge", tc.name)
		}
	}
	subs, _ := e.store.Subscriptions(context.Background())
	if len(subs) != 1 {
		t.Errorf("%d subscriptions; only the read-write key's should exist", len(subs))
	}
	// Requests are logged with the key's name; wrong keys are backed off.
	if !strings.Contains(e.logs.String(), "key=rw") || !strings.Contains(e.logs.String(), "key=ro") {
		t.Error("API requests are not logged with the key's name")
	}
	for range lockoutFree + 1 {
		e.call("GET", "/api/v1/feeds", "fwk_guess", nil)
	}
	if r := e.call("GET", "/api/v1/feeds", "fwk_guess", nil); r.status != 429 || r.header.Get("Retry-After") != "1" {
		t.Errorf("after many wrong keys = %d, Retry-After %q; want 429, 1", r.status, r.header.Get("Retry-After"))
	}
	if r := e.call("GET", "/api/v1/feeds", rw, nil); r.status != 200 {
		t.Errorf("a valid key from a locked address = %d, want 200", r.status)
	}
}

func TestAPIFeeds(t *testing.T) {
	site := feedSite(t)
	e := newEnvAllowing(t, loopback, nil)
	key := e.key("script", false)
	r := e.call("POST", "/api/v1/feeds", key, map[string]string{"url": site.URL + "/"})
	if r.status != 422 || r.errCode(t) != "choose" || !strings.Contains(string(r.body), site.URL+"/rust.atom") {
		t.Fatalf("page address = %d %s", r.status, r.body)
	}
	r = e.call("POST", "/api/v1/feeds", key, map[string]string{"url": site.URL + "/", "pick_url": site.URL + "/go.rss"})
	var created struct{ Added []feedJSON }
	r.decode(t, &created)
	if r.status != 201 || len(created.Added) != 1 || created.Added[0].Origin != "api" {
		t.Fatalf("create = %d %s", r.status, r.body)
	}
	id := created.Added[0].ID
	if r := e.call("POST", "/api/v1/feeds", key, map[string]string{"url": site.URL + "/go.rss"}); r.status != 200 {
		t.Errorf("adding it again = %d", r.status)
	}
	if r := e.call("POST", fmt.Sprintf("/api/v1/feeds/%d/refresh", id), key, nil); r.status != 200 || !strings.Contains(string(r.body), `"new_items":2`) {
		t.Errorf("refresh = %d %s", r.status, r.body)
	}
	if r := e.call("GET", fmt.Sprintf("/api/v1/feeds/%d/polls", id), key, nil); !strings.Contains(string(r.body), `"outcome":"ok"`) {
		t.Errorf("polls = %d %s", r.status, r.body)
	}
	// ETag: the same answer again is 304.
	first := e.call("GET", fmt.Sprintf("/api/v1/feeds/%d", id), key, nil)
	etag := first.header.Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	if r := e.call("GET", fmt.Sprintf("/api/v1/feeds/%d", id), key, nil, func(r *http.Request) { r.Header.Set("If-None-Match", etag) }); r.status != 304 {
		t.Errorf("If-None-Match = %d", r.status)
	}
	r = e.call("PATCH", fmt.Sprintf("/api/v1/feeds/%d", id), key, map[string]any{"title": "Go", "interval_seconds": 3600, "enabled": false})
	var f feedJSON
	r.decode(t, &f)
	if r.status != 200 || f.Title != "Go" || f.IntervalSeconds != 3600 || f.Enabled {
		t.Errorf("patch = %d %s", r.status, r.body)
	}
	if r := e.call("PATCH", fmt.Sprintf("/api/v1/feeds/%d", id), key, map[string]any{"titel": "typo"}); r.status != 400 || r.errCode(t) != "invalid" {
		t.Errorf("unknown field = %d %s", r.status, r.body)
	}
	if r := e.call("PATCH", fmt.Sprintf("/api/v1/feeds/%d", id), key, map[string]any{"interval_seconds": 5}); r.status != 400 || !strings.Contains(string(r.body), `"field":"interval"`) {
		t.Errorf("bad interval = %d %s", r.status, r.body)
	}
	if r := e.call("GET", fmt.Sprintf("/api/v1/items?feed=%d&matched=true", id), key, nil); !strings.Contains(string(r.body), "golang 1.30 released") || strings.Contains(string(r.body), "Other news") {
		t.Errorf("matched items = %s", r.body)
	}
	if r := e.call("GET", "/api/v1/items?topic=golang&since=2020-01-01", key, nil); !strings.Contains(string(r.body), `"topics":["golang"]`) {
		t.Errorf("topic items = %s", r.body)
	}
	if r := e.call("GET", "/api/v1/items/search?q=released", key, nil); !strings.Contains(string(r.body), "golang 1.30 released") {
		t.Errorf("search = %s", r.body)
	}
	if r := e.call("DELETE", fmt.Sprintf("/api/v1/feeds/%d", id), key, nil); r.status != 204 {
		t.Errorf("delete = %d", r.status)
	}
	if r := e.call("GET", fmt.Sprintf("/api/v1/feeds/%d", id), key, nil); r.status != 404 || r.errCode(t) != "not_found" {
		t.Errorf("get deleted = %d", r.status)
	}
	// Size limit and methods.
	big := `{"url": "` + strings.Repeat("a", maxAPIBytes) + `"}`
	if r := e.call("POST", "/api/v1/feeds", key, big); r.status != 413 {
		t.Errorf("oversized body = %d", r.status)
	}
	if r := e.call("PUT", "/api/v1/feeds", key, nil); r.status != 405 || r.header.Get("Allow") != "GET, POST" {
		t.Errorf("PUT = %d, Allow %q", r.status, r.header.Get("Allow"))
	}
	if r := e.call("GET", "/api/v1/nothing", key, nil); r.status != 404 || r.errCode(t) != "not_found" {
		t.Errorf("unknown path = %d %s", r.status, r.body)
	}
	// CORS is off: no browser on another origin may read an answer.
	r = e.call("OPTIONS", "/api/v1/feeds", key, nil, func(r *http.Request) {
		r.Header.Set("Origin", "https://evil.example")
		r.Header.Set("Access-Control-Request-Method", "GET")
	})
	if r.header.Get("Access-Control-Allow-Origin") != "" || r.status == 200 || r.status == 204 {
		t.Errorf("preflight = %d, Access-Control-Allow-Origin %q", r.status, r.header.Get("Access-Control-Allow-Origin"))
	}
}

// ssrfTargets are addresses a feed added on the web or the API must not
// reach unless web.allow_private lists them.
func ssrfTargets(t *testing.T, site *httptest.Server) []string {
	u, _ := url.Parse(site.URL)
	_, port, _ := strings.Cut(u.Host, ":")
	redirect := httptest.NewServer(http.RedirectHandler(site.URL+"/go.rss", http.StatusFound))
	t.Cleanup(redirect.Close)
	return []string{
		site.URL + "/go.rss",
		"http://localhost:" + port + "/go.rss",
		"http://[::1]:" + port + "/go.rss",
		"http://10.255.255.1:" + port + "/go.rss",
		"http://192.168.255.1:" + port + "/go.rss",
		"http://169.254.169.254/latest/meta-data/",
		"http://[fe80::1]:" + port + "/go.rss",
		redirect.URL + "/to-loopback",
	}
}

func TestAPISSRF(t *testing.T) {
	site := feedSite(t)
	e := newEnv(t, nil)
	key := e.key("script", false)
	for _, target := range ssrfTargets(t, site) {
		r := e.call("POST", "/api/v1/feeds", key, map[string]string{"url": target})
		if r.status != 422 || r.errCode(t) != "unreachable" || !strings.Contains(string(r.body), "private or local address") {
			t.Errorf("%s = %d %s", target, r.status, r.body)
		}
	}
	// A feed on an allowed address that redirects into the network: its
	// redirect hop goes through the guard too. 127.0.0.2 stands in for
	// the public host.
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Skipf("no 127.0.0.2 here: %v", err)
	}
	bouncer := httptest.NewUnstartedServer(http.RedirectHandler(site.URL+"/go.rss", http.StatusFound))
	bouncer.Listener.Close()
	bouncer.Listener = ln
	bouncer.Start()
	t.Cleanup(bouncer.Close)
	narrow := newEnvAllowing(t, []netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")}, nil)
	nk := narrow.key("script", false)
	r := narrow.call("POST", "/api/v1/feeds", nk, map[string]string{"url": bouncer.URL + "/feed"})
	if r.status != 422 || !strings.Contains(string(r.body), "private or local address") || !strings.Contains(string(r.body), "redirect") {
		t.Errorf("redirect from an allowed host into loopback = %d %s", r.status, r.body)
	}
	allowed := newEnvAllowing(t, loopback, nil)
	k2 := allowed.key("script", false)
	if r := allowed.call("POST", "/api/v1/feeds", k2, map[string]string{"url": site.URL + "/go.rss"}); r.status != 201 {
		t.Errorf("allowed by web.allow_private = %d %s", r.status, r.body)
	}
	if feeds, _ := e.store.Feeds(context.Background()); len(feeds) != 0 {
		t.Errorf("%d feeds stored", len(feeds))
	}
}

func TestAPISubscriptionsAndDeliveries(t *testing.T) {
	e := newEnv(t, nil)
	key := e.key("script", false)
	r := e.call("POST", "/api/v1/subscriptions", key, map[string]string{"email": "dan@example.org", "topic": "golang", "time_zone": "Europe/Berlin"})
	if r.status != 201 {
		t.Fatalf("create = %d %s", r.status, r.body)
	}
	for _, bad := range []map[string]string{
		{"email": "a@[127.0.0.1]", "topic": "golang"},
		{"email": "root@localhost", "topic": "golang"},
		{"email": "dan@example.org", "topic": "nope"},
		{"email": "dan@example.org", "topic": "golang", "time_zone": "Mars/Olympus"},
	} {
		if r := e.call("POST", "/api/v1/subscriptions", key, bad); r.status != 400 || r.errCode(t) != "invalid" {
			t.Errorf("%v = %d %s", bad, r.status, r.body)
		}
	}
	if r := e.call("GET", "/api/v1/subscriptions?topic=golang&status=active", key, nil); !strings.Contains(string(r.body), "dan@example.org") {
		t.Errorf("list = %s", r.body)
	}
	if r := e.call("GET", "/api/v1/subscribers", key, nil); !strings.Contains(string(r.body), `"subscriptions":[{`) {
		t.Errorf("subscribers = %s", r.body)
	}
	// Pages by cursor: three subscriptions of two addresses, one a page.
	e.call("POST", "/api/v1/subscriptions", key, map[string]string{"email": "dan@example.org", "topic": "rust"})
	e.call("POST", "/api/v1/subscriptions", key, map[string]string{"email": "amy@example.org", "topic": "rust"})
	var seen []string
	for cursor, pages := "", 0; ; pages++ {
		if pages > 5 {
			t.Fatal("the cursor does not advance")
		}
		r := e.call("GET", "/api/v1/subscriptions?limit=1&cursor="+cursor, key, nil)
		var p struct {
			Items      []subscriptionJSON
			NextCursor string `json:"next_cursor"`
		}
		r.decode(t, &p)
		for _, it := range p.Items {
			seen = append(seen, it.Email+" "+it.Topic)
		}
		if cursor = p.NextCursor; cursor == "" {
			break
		}
	}
	if strings.Join(seen, ", ") != "amy@example.org rust, dan@example.org golang, dan@example.org rust" {
		t.Errorf("paged subscriptions = %v", seen)
	}
	r = e.call("GET", "/api/v1/subscribers?limit=1", key, nil)
	if !strings.Contains(string(r.body), "amy@example.org") || !strings.Contains(string(r.body), `"next_cursor"`) {
		t.Errorf("first page of subscribers = %s", r.body)
	}
	if r := e.call("GET", "/api/v1/subscriptions?cursor=!!", key, nil); r.status != 400 {
		t.Errorf("bad cursor = %d", r.status)
	}
	if r := e.call("PATCH", "/api/v1/subscriptions/dan@example.org/golang", key, map[string]string{"status": "unsubscribed"}); r.status != 200 || !strings.Contains(string(r.body), `"status":"unsubscribed"`) {
		t.Errorf("patch = %d %s", r.status, r.body)
	}
	if r := e.call("DELETE", "/api/v1/subscriptions/dan@example.org/golang", key, nil); r.status != 404 {
		t.Errorf("unsubscribing twice = %d", r.status)
	}
	d := failedDelivery(t, e.store, "erin@example.org")
	sections, err := e.store.DeliveryDigests(context.Background(), d.ID)
	if err != nil || len(sections) != 1 {
		t.Fatalf("sections of the delivery = %+v, %v", sections, err)
	}
	if r := e.call("GET", "/api/v1/deliveries?status=failed", key, nil); !strings.Contains(string(r.body), "550 5.1.1 mailbox unavailable") {
		t.Errorf("deliveries = %s", r.body)
	}
	if r := e.call("POST", fmt.Sprintf("/api/v1/deliveries/%d/retry", d.ID), key, nil); r.status != 200 || !strings.Contains(string(r.body), `"sent":1`) {
		t.Errorf("retry = %d %s", r.status, r.body)
	}
	if r := e.call("POST", "/api/v1/deliveries/retry", key, nil); r.status != 200 || !strings.Contains(string(r.body), `"queued":0`) {
		t.Errorf("retry all = %d %s", r.status, r.body)
	}
	if r := e.call("DELETE", "/api/v1/subscribers/erin@example.org", key, nil); r.status != 204 {
		t.Errorf("erase = %d", r.status)
	}
	if r := e.call("DELETE", "/api/v1/subscribers/erin@example.org", key, nil); r.status != 404 {
		t.Errorf("erase again = %d", r.status)
	}
	// The digest that delivery belonged to.
	if r := e.call("GET", fmt.Sprintf("/api/v1/digests/%d", sections[0].ID), key, nil); r.status != 200 {
		t.Errorf("digest = %d", r.status)
	}
	if r := e.call("GET", "/api/v1/digests?limit=1", key, nil); !strings.Contains(string(r.body), `"next_cursor"`) {
		t.Errorf("digests page = %s", r.body)
	}
}

// TestAPISubscriptionSchedules: a subscription's schedule and its
// subscriber's settings through the API, each wrong field answered with
// an error object naming it and nothing changed.
func TestAPISubscriptionSchedules(t *testing.T) {
	e := newEnv(t, nil)
	key := e.key("script", false)
	decode := func(r apiResp) subscriptionJSON {
		t.Helper()
		var v subscriptionJSON
		r.decode(t, &v)
		return v
	}
	until := e.clock.Now().AddDate(0, 0, 5).Format(time.DateOnly)
	r := e.call("POST", "/api/v1/subscriptions", key, map[string]any{"email": "dan@example.org", "topic": "golang", "name": "Dan",
		"time_zone": "Europe/Berlin", "lang": "ru", "combine": false, "paused_until": until,
		"frequency": "daily", "deliver_at": "08:30", "best_only": true})
	got := decode(r)
	berlin, _ := time.LoadLocation("Europe/Berlin")
	start, _ := time.ParseInLocation(time.DateOnly, until, berlin) // the pause ends as the day starts in the subscriber's zone
	if r.status != 201 || got.Frequency != "daily" || got.DeliverAt == nil || *got.DeliverAt != "08:30" || got.Weekday != nil || !got.BestOnly ||
		got.Lang != "ru" || got.Combine || got.PausedUntil == nil || *got.PausedUntil != start.UTC().Format(time.RFC3339) {
		t.Fatalf("create = %d %s", r.status, r.body)
	}
	path := "/api/v1/subscriptions/dan@example.org/golang"
	if r := e.call("GET", path, key, nil); r.status != 200 || decode(r).Frequency != "daily" {
		t.Errorf("get = %d %s", r.status, r.body)
	}
	if r := e.call("GET", "/api/v1/subscriptions/dan@example.org/rust", key, nil); r.status != 404 || r.errCode(t) != "not_found" {
		t.Errorf("get a subscription that is not there = %d %s", r.status, r.body)
	}
	before := e.call("GET", path, key, nil).body
	for _, bad := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"frequency": "hourly"}, "frequency"},
		{map[string]any{"deliver_at": "25:00"}, "deliver_at"},
		{map[string]any{"frequency": "instant", "deliver_at": "08:00"}, "deliver_at"},
		{map[string]any{"weekday": "fri"}, "weekday"},
		{map[string]any{"frequency": "weekly", "weekday": "funday"}, "weekday"},
		{map[string]any{"time_zone": "Mars/Olympus"}, "time_zone"},
		{map[string]any{"lang": "de"}, "lang"},
		{map[string]any{"paused_until": "2020-01-01"}, "paused_until"},
		{map[string]any{"paused_until": "soon"}, "paused_until"},
		{map[string]any{"best_only": "yes"}, "best_only"},
		{map[string]any{"status": "pending"}, "status"},
		{map[string]any{"frequncy": "daily"}, "frequncy"},
	} {
		r := e.call("PATCH", path, key, bad.body)
		var e2 struct{ Error struct{ Code, Field string } }
		r.decode(t, &e2)
		if r.status != 400 || e2.Error.Code != "invalid" || e2.Error.Field != bad.field {
			t.Errorf("PATCH %v = %d %s; want 400 invalid, field %s", bad.body, r.status, r.body, bad.field)
		}
	}
	if after := e.call("GET", path, key, nil).body; string(after) != string(before) {
		t.Errorf("refused changes changed the subscription:\n%s\n%s", before, after)
	}
	r = e.call("PATCH", path, key, map[string]any{"frequency": "weekly", "weekday": "fri", "paused_until": nil, "time_zone": nil})
	got = decode(r)
	if r.status != 200 || got.Frequency != "weekly" || got.DeliverAt == nil || *got.DeliverAt != "08:30" || got.Weekday == nil || *got.Weekday != "fri" ||
		got.PausedUntil != nil || got.TimeZone != "" || got.Name != "Dan" || got.Lang != "ru" {
		t.Errorf("patch = %d %s", r.status, r.body)
	}
	r = e.call("PATCH", path, key, map[string]any{"frequency": "topic", "best_only": false, "status": "suspended"})
	if got = decode(r); r.status != 200 || got.Frequency != "topic" || got.DeliverAt != nil || got.Weekday != nil || got.BestOnly || got.Status != "suspended" {
		t.Errorf("back to the topic's schedule = %d %s", r.status, r.body)
	}
	if r := e.call("GET", "/api/v1/subscribers?email=dan@example.org", key, nil); !strings.Contains(string(r.body), `"lang":"ru","combine":false,"paused_until":null,"subscriptions":[{`) {
		t.Errorf("subscribers = %s", r.body)
	}
	acts, _ := e.store.Activities(context.Background(), 10)
	if len(acts) < 3 || acts[0].Actor != "api:script" || !strings.Contains(acts[0].Detail, "golang: suspended, the topic's schedule") {
		t.Errorf("activity log: %+v", acts)
	}
}

func TestAPITopics(t *testing.T) {
	e := newEnv(t, nil)
	key := e.key("script", true) // reading and checking rules changes nothing
	seedItems(t, e, "Feed", model.Item{Title: "golang news"}, model.Item{Title: "rust news"})
	if r := e.call("GET", "/api/v1/topics", key, nil); !strings.Contains(string(r.body), `"id":"golang"`) {
		t.Errorf("topics = %s", r.body)
	}
	if r := e.call("GET", "/api/v1/topics/golang", key, nil); !strings.Contains(string(r.body), `"any":["golang"]`) {
		t.Errorf("topic = %s", r.body)
	}
	if r := e.call("GET", "/api/v1/topics/nope", key, nil); r.status != 404 {
		t.Errorf("unknown topic = %d", r.status)
	}
	if r := e.call("POST", "/api/v1/topics/validate", key, map[string]string{"text": "topics:\n  - id: x\n    rules: 3\n"}); !strings.Contains(string(r.body), `"valid":false`) {
		t.Errorf("validate bad = %s", r.body)
	}
	if r := e.call("POST", "/api/v1/topics/validate", key, map[string]string{"text": testTopics}); !strings.Contains(string(r.body), `"valid":true`) {
		t.Errorf("validate good = %s", r.body)
	}
	edited := strings.Replace(testTopics, "- rust", "- news", 1)
	if r := e.call("POST", "/api/v1/topics/preview", key, map[string]string{"text": edited}); !strings.Contains(string(r.body), `"new_items":["golang news"]`) {
		t.Errorf("preview = %s", r.body)
	}
	labels := `{"id":"1","title":"golang 2","relevant":true}
{"id":"2","title":"gardening","relevant":false}
{"id":"3","title":"the Go language","relevant":true}
`
	r := e.call("POST", "/api/v1/topics/golang/eval", key, map[string]string{"labels": labels})
	if r.status != 200 || !strings.Contains(string(r.body), `"tp":1`) || !strings.Contains(string(r.body), `"fn":1`) {
		t.Errorf("eval = %d %s", r.status, r.body)
	}
	if r := e.call("GET", "/api/v1/digests/preview?topic=golang", key, nil); r.status != 501 || r.errCode(t) != "unsupported" {
		t.Errorf("preview without a builder = %d %s", r.status, r.body)
	}
}

// TestAPIMatchesSpec holds the mux and openapi.json to each other: every
// route the mux serves is in the document and every operation in the
// document answers.
func TestAPIMatchesSpec(t *testing.T) {
	sp := loadSpec(t)
	var served []string
	for _, rt := range apiRoutes() {
		served = append(served, rt.Method+" "+rt.Path)
	}
	sort.Strings(served)
	if ops := sp.operations(); !slices.Equal(ops, served) {
		t.Errorf("openapi.json and the routes differ:\nspec:   %v\nserved: %v", ops, served)
	}
	// The validator itself: a body that breaks the schema is caught.
	if err := sp.validateErr("#/components/schemas/Feed", []byte(`{"id": "one"}`)); err == nil {
		t.Error("a feed with a string id passed the schema")
	}
	if err := sp.validateErr("#/components/responses/Error/content/application~1json/schema", []byte(`{"error": {"code": "x", "message": "y"}}`)); err != nil {
		t.Errorf("a good error object fails the schema: %v", err)
	}
	e := newEnv(t, nil)
	key := e.key("probe", false)
	f, _ := e.store.AddFeed(context.Background(), model.Feed{URL: "https://a.example.org/feed"})
	failedDelivery(t, e.store, "fay@example.org")
	ds, _ := e.store.Digests(context.Background(), 1)
	dls, _ := e.store.Deliveries(context.Background(), "", 1)
	vars := strings.NewReplacer("{id}", "1", "{email}", "fay@example.org", "{topic}", "golang")
	for _, op := range sp.operations() {
		method, path, _ := strings.Cut(op, " ")
		switch {
		case strings.HasPrefix(path, "/api/v1/feeds/{id}"):
			path = strings.Replace(path, "{id}", fmt.Sprint(f.ID), 1)
		case strings.HasPrefix(path, "/api/v1/digests/{id}"):
			path = strings.Replace(path, "{id}", fmt.Sprint(ds[0].ID), 1)
		case strings.HasPrefix(path, "/api/v1/deliveries/{id}"):
			path = strings.Replace(path, "{id}", fmt.Sprint(dls[0].ID), 1)
		case strings.HasPrefix(path, "/api/v1/topics/{id}"):
			path = strings.Replace(path, "{id}", "golang", 1)
		}
		path = vars.Replace(path)
		var body any
		if method == "POST" || method == "PATCH" {
			body = map[string]string{}
		}
		r := e.call(method, path, key, body)
		if r.status == 404 && r.errCode(t) == "not_found" && strings.Contains(string(r.body), "no such resource") || r.status == 405 {
			t.Errorf("%s %s is in the spec but the server has no such route (%d)", method, path, r.status)
		}
	}
	for _, op := range sp.operations() {
		if !sp.answered[op] {
			t.Errorf("%s never answered", op)
		}
	}
}
