package web

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
)

// pageQuery is a list request with query q.
func pageQuery(q url.Values) *http.Request {
	return httptest.NewRequest(http.MethodGet, "/api/v1/list?"+q.Encode(), nil)
}

// parseIDOrKeyPage runs parsePage with the decoder of one kind of list:
// "id" (feeds, items, digests, deliveries) or "key" (subscriptions,
// subscribers).
func parseIDOrKeyPage(kind string, r *http.Request) (after any, limit int, err error) {
	if kind == "key" {
		return parsePage(r, decodeKeyCursor)
	}
	return parsePage(r, decodeIDCursor)
}

// TestParsePageRefusesBadInput: a bad ?limit= or ?cursor= is a 400
// "invalid" whose field and message name the parameter and the value sent,
// the limit first when both are bad.
func TestParsePageRefusesBadInput(t *testing.T) {
	const wantLimit = "want a number from 1 to 500"
	for _, tc := range []struct {
		name    string
		kind    string // of cursor: "id" or "key"
		query   url.Values
		field   string
		message string
	}{
		{"limit zero", "id", url.Values{"limit": {"0"}}, "limit", `limit "0": ` + wantLimit},
		{"limit negative", "id", url.Values{"limit": {"-1"}}, "limit", `limit "-1": ` + wantLimit},
		{"limit over the most", "id", url.Values{"limit": {"501"}}, "limit", `limit "501": ` + wantLimit},
		{"limit beyond an int", "id", url.Values{"limit": {"99999999999999999999"}}, "limit", `limit "99999999999999999999": ` + wantLimit},
		{"limit not a number", "id", url.Values{"limit": {"ten"}}, "limit", `limit "ten": ` + wantLimit},
		{"limit a fraction", "id", url.Values{"limit": {"2.5"}}, "limit", `limit "2.5": ` + wantLimit},
		{"limit blank", "id", url.Values{"limit": {" "}}, "limit", `limit " ": ` + wantLimit},
		{"limit of a key list", "key", url.Values{"limit": {"501"}}, "limit", `limit "501": ` + wantLimit},
		{"id cursor not a number", "id", url.Values{"cursor": {"abc"}}, "cursor", `cursor "abc" is not one this API gave`},
		{"id cursor zero", "id", url.Values{"cursor": {"0"}}, "cursor", `cursor "0" is not one this API gave`},
		{"id cursor negative", "id", url.Values{"cursor": {"-7"}}, "cursor", `cursor "-7" is not one this API gave`},
		{"id cursor beyond an int64", "id", url.Values{"cursor": {"9223372036854775808"}}, "cursor", `cursor "9223372036854775808" is not one this API gave`},
		{"id cursor a key cursor", "id", url.Values{"cursor": {encodeKeyCursor("amy@example.org")}}, "cursor",
			`cursor "` + encodeKeyCursor("amy@example.org") + `" is not one this API gave`},
		{"key cursor not base64", "key", url.Values{"cursor": {"!!"}}, "cursor", `cursor "!!" is not one this API gave`},
		{"key cursor padded", "key", url.Values{"cursor": {"YQ=="}}, "cursor", `cursor "YQ==" is not one this API gave`},
		{"key cursor in the standard alphabet", "key", url.Values{"cursor": {"a+b/"}}, "cursor", `cursor "a+b/" is not one this API gave`},
		{"key cursor cut short", "key", url.Values{"cursor": {"a"}}, "cursor", `cursor "a" is not one this API gave`},
		{"both bad: the limit is named", "id", url.Values{"limit": {"0"}, "cursor": {"abc"}}, "limit", `limit "0": ` + wantLimit},
		{"both bad on a key list", "key", url.Values{"limit": {"x"}, "cursor": {"!!"}}, "limit", `limit "x": ` + wantLimit},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := parseIDOrKeyPage(tc.kind, pageQuery(tc.query))
			var ae *apiError
			if !errors.As(err, &ae) {
				t.Fatalf("?%s = %v, want an API error", tc.query.Encode(), err)
			}
			if ae.Status != http.StatusBadRequest || ae.Code != "invalid" || ae.Field != tc.field || ae.Message != tc.message {
				t.Errorf("?%s = %d %s field %q: %s\nwant 400 invalid field %q: %s", tc.query.Encode(), ae.Status, ae.Code, ae.Field, ae.Message,
					tc.field, tc.message)
			}
		})
	}
}

func TestParsePageReadsGoodInput(t *testing.T) {
	subKey := "amy@example.org\x00rust"
	for _, tc := range []struct {
		name      string
		kind      string
		query     url.Values
		wantAfter any
		wantLimit int
	}{
		{"first page of an id list", "id", nil, int64(0), 50},
		{"first page of a key list", "key", nil, "", 50},
		{"empty parameters are absent", "id", url.Values{"limit": {""}, "cursor": {""}}, int64(0), 50},
		{"smallest limit", "id", url.Values{"limit": {"1"}}, int64(0), 1},
		{"largest limit", "key", url.Values{"limit": {"500"}}, "", 500},
		{"id cursor", "id", url.Values{"cursor": {"42"}, "limit": {"10"}}, int64(42), 10},
		{"key cursor", "key", url.Values{"cursor": {encodeKeyCursor(subKey)}}, subKey, 50},
	} {
		t.Run(tc.name, func(t *testing.T) {
			after, limit, err := parseIDOrKeyPage(tc.kind, pageQuery(tc.query))
			if err != nil || after != tc.wantAfter || limit != tc.wantLimit {
				t.Errorf("?%s = %#v, %d, %v; want %#v, %d", tc.query.Encode(), after, limit, err, tc.wantAfter, tc.wantLimit)
			}
		})
	}
}

// TestAPIListsRefuseBadPages: every list of the API reads its page through
// parsePage (search its limit through parseLimit), so each answers a bad
// parameter with the error object naming it.
func TestAPIListsRefuseBadPages(t *testing.T) {
	e := newEnv(t, nil)
	key := e.key("script", true)
	for _, tc := range []struct {
		path  string
		field string
	}{
		{"/api/v1/feeds?limit=0", "limit"},
		{"/api/v1/feeds?cursor=abc", "cursor"},
		{"/api/v1/items?limit=501", "limit"},
		{"/api/v1/items?cursor=-1", "cursor"},
		{"/api/v1/items/search?q=moscow&limit=0", "limit"},
		{"/api/v1/subscriptions?limit=ten", "limit"},
		{"/api/v1/subscriptions?cursor=!!", "cursor"},
		{"/api/v1/subscribers?limit=-5", "limit"},
		{"/api/v1/subscribers?cursor=!!", "cursor"},
		{"/api/v1/digests?limit=2.5", "limit"},
		{"/api/v1/digests?cursor=0", "cursor"},
		{"/api/v1/deliveries?limit=1000", "limit"},
		{"/api/v1/deliveries?cursor=x", "cursor"},
	} {
		r := e.call("GET", tc.path, key, nil)
		var got struct {
			Error struct{ Code, Message, Field string }
		}
		r.decode(t, &got)
		if r.status != http.StatusBadRequest || got.Error.Code != "invalid" || got.Error.Field != tc.field {
			t.Errorf("GET %s = %d %s; want 400 invalid, field %s", tc.path, r.status, r.body, tc.field)
		}
	}
}
