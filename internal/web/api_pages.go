package web

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
)

// The API's lists answer a page at a time: {"items": [...], "next_cursor":
// "…"}. A client asks for the page after by sending next_cursor back as
// ?cursor=, and for a page's size with ?limit=. A cursor names the last
// element of the page before: its id in the lists ordered by id (feeds,
// items, digests, deliveries), its sort key in the lists ordered by address
// (subscriptions, subscribers). Both parameters are read here alone, so
// that every list refuses a bad one with the same 400 and message, naming
// the parameter, as docs/api.md and openapi.json describe.

// A page's size when ?limit= is left out, and the most it may ask for.
const (
	defaultPageLimit = 50
	maxPageLimit     = 500
)

// apiPage is a list with the cursor of the next page, if any.
type apiPage[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// parsePage reads a list request's ?limit= and ?cursor=. decodeCursor
// turns a cursor back into what it names, or reports false when it is not
// one this API gave (decodeIDCursor, decodeKeyCursor). Without a cursor,
// the first page, after is C's zero value.
func parsePage[C any](r *http.Request, decodeCursor func(string) (C, bool)) (after C, limit int, err error) {
	q := r.URL.Query()
	if limit, err = parseLimit(q, defaultPageLimit); err != nil {
		return after, 0, err
	}
	v := q.Get("cursor")
	if v == "" {
		return after, limit, nil
	}
	after, ok := decodeCursor(v)
	if !ok {
		var none C
		return none, 0, apiErr(http.StatusBadRequest, "invalid", "cursor", "cursor %q is not one this API gave", v)
	}
	return after, limit, nil
}

// parseLimit reads ?limit=, the most items one answer holds: 1 to
// maxPageLimit, or byDefault when it is absent. Search, which has no
// pages, reads it too.
func parseLimit(q url.Values, byDefault int) (int, error) {
	v := q.Get("limit")
	if v == "" {
		return byDefault, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxPageLimit {
		return 0, apiErr(http.StatusBadRequest, "invalid", "limit", "limit %q: want a number from 1 to %d", v, maxPageLimit)
	}
	return n, nil
}

// pageOf makes a page of list, ordered by id: when the page is full, its
// last element's id is the cursor of the next.
func pageOf[T any](list []T, limit int, id func(T) int64) apiPage[T] {
	p := apiPage[T]{Items: list}
	if p.Items == nil {
		p.Items = []T{}
	}
	if len(list) == limit && limit > 0 {
		p.NextCursor = strconv.FormatInt(id(list[len(list)-1]), 10)
	}
	return p
}

// decodeIDCursor reads a cursor that pageOf made: an id, which is never 0
// or less.
func decodeIDCursor(v string) (int64, bool) {
	id, err := strconv.ParseInt(v, 10, 64)
	return id, err == nil && id > 0
}

// encodeKeyCursor makes the cursor of a list ordered by a text key. The
// key may hold any byte (the subscriptions' keys hold a NUL), so it travels
// base64-encoded to fit in a query string as it is.
func encodeKeyCursor(key string) string { return base64.RawURLEncoding.EncodeToString([]byte(key)) }

// decodeKeyCursor reads a cursor that encodeKeyCursor made; no page ends
// on an empty key.
func decodeKeyCursor(v string) (string, bool) {
	b, err := base64.RawURLEncoding.DecodeString(v)
	return string(b), err == nil && len(b) > 0
}
