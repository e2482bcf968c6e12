package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/feedwatch/feedwatch/internal/service"
	"github.com/feedwatch/feedwatch/internal/store"
)

// The REST API under /api/v1: JSON over HTTP with API keys (Authorization:
// Bearer). Every route is in apiRoutes, which both the mux and the tests
// that hold it to openapi.json read, so the document cannot miss one.
// Handlers are thin: they decode, call one service method and encode.

// Body limits: most requests are a few fields; a rules text or labelled
// items may be a whole file.
const (
	maxAPIBytes     = 64 << 10
	maxAPIFileBytes = 2 << 20
)

// apiRoute is one method and path of the API.
type apiRoute struct {
	Method, Path string
	Write        bool // needs a read-write key
	Limit        int64
	Handle       func(s *server, w http.ResponseWriter, r *http.Request) error
}

func apiRoutes() []apiRoute {
	return []apiRoute{
		{Method: "GET", Path: "/api/v1/health", Handle: (*server).apiHealth},
		{Method: "GET", Path: "/api/v1/version", Handle: (*server).apiVersion},
		{Method: "GET", Path: "/api/v1/feeds", Handle: (*server).apiFeeds},
		{Method: "POST", Path: "/api/v1/feeds", Write: true, Handle: (*server).apiFeedCreate},
		{Method: "GET", Path: "/api/v1/feeds/{id}", Handle: (*server).apiFeed},
		{Method: "PATCH", Path: "/api/v1/feeds/{id}", Write: true, Handle: (*server).apiFeedUpdate},
		{Method: "DELETE", Path: "/api/v1/feeds/{id}", Write: true, Handle: (*server).apiFeedDelete},
		{Method: "POST", Path: "/api/v1/feeds/{id}/refresh", Write: true, Handle: (*server).apiFeedRefresh},
		{Method: "GET", Path: "/api/v1/feeds/{id}/polls", Handle: (*server).apiFeedPolls},
		{Method: "GET", Path: "/api/v1/items", Handle: (*server).apiItems},
		{Method: "GET", Path: "/api/v1/items/search", Handle: (*server).apiSearch},
		{Method: "GET", Path: "/api/v1/topics", Handle: (*server).apiTopics},
		{Method: "GET", Path: "/api/v1/topics/{id}", Handle: (*server).apiTopic},
		{Method: "POST", Path: "/api/v1/topics/validate", Limit: maxAPIFileBytes, Handle: (*server).apiTopicsValidate},
		{Method: "POST", Path: "/api/v1/topics/preview", Limit: maxAPIFileBytes, Handle: (*server).apiTopicsPreview},
		{Method: "POST", Path: "/api/v1/topics/{id}/eval", Limit: maxAPIFileBytes, Handle: (*server).apiTopicEval},
		{Method: "GET", Path: "/api/v1/subscriptions", Handle: (*server).apiSubscriptions},
		{Method: "POST", Path: "/api/v1/subscriptions", Write: true, Handle: (*server).apiSubscriptionCreate},
		{Method: "GET", Path: "/api/v1/subscriptions/{email}/{topic}", Handle: (*server).apiSubscription},
		{Method: "PATCH", Path: "/api/v1/subscriptions/{email}/{topic}", Write: true, Handle: (*server).apiSubscriptionUpdate},
		{Method: "DELETE", Path: "/api/v1/subscriptions/{email}/{topic}", Write: true, Handle: (*server).apiSubscriptionDelete},
		{Method: "GET", Path: "/api/v1/subscribers", Handle: (*server).apiSubscribers},
		{Method: "DELETE", Path: "/api/v1/subscribers/{email}", Write: true, Handle: (*server).apiSubscriberErase},
		{Method: "GET", Path: "/api/v1/digests", Handle: (*server).apiDigests},
		{Method: "GET", Path: "/api/v1/digests/preview", Handle: (*server).apiDigestPreview},
		{Method: "GET", Path: "/api/v1/digests/{id}", Handle: (*server).apiDigest},
		{Method: "GET", Path: "/api/v1/deliveries", Handle: (*server).apiDeliveries},
		{Method: "POST", Path: "/api/v1/deliveries/retry", Write: true, Handle: (*server).apiDeliveriesRetry},
		{Method: "POST", Path: "/api/v1/deliveries/{id}/retry", Write: true, Handle: (*server).apiDeliveryRetry},
		{Method: "GET", Path: "/api/v1/openapi.json", Handle: (*server).apiOpenAPI},
	}
}

func (s *server) apiRoutes(mux *http.ServeMux) {
	if s.opts.Service == nil {
		return
	}
	for _, rt := range apiRoutes() {
		mux.HandleFunc(rt.Method+" "+rt.Path, s.api(rt))
	}
	// Anything else under /api/ answers in JSON, after authentication.
	mux.HandleFunc("/api/", s.api(apiRoute{Handle: func(s *server, w http.ResponseWriter, r *http.Request) error {
		return s.apiNoRoute(mux, r)
	}}))
}

// apiError is the one shape of every error the API returns.
type apiError struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
	// Candidates are the feeds a page advertises (code "choose").
	Candidates []service.Candidate `json:"candidates,omitempty"`
	Allow      string              `json:"-"`
	RetryAfter int                 `json:"-"` // seconds, for 429
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

func apiErr(status int, code, field, format string, args ...any) *apiError {
	return &apiError{Status: status, Code: code, Field: field, Message: fmt.Sprintf(format, args...)}
}

type apiKeyCtx struct{}

// apiKey is the key a request was let in with.
func apiKeyOf(r *http.Request) store.APIKey {
	k, _ := r.Context().Value(apiKeyCtx{}).(store.APIKey)
	return k
}

// api authenticates, checks the key's scope, limits the body and runs the
// route, then writes its error, if any, and logs the request with the
// key's name.
func (s *server) api(rt apiRoute) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		start := s.now()
		rec := &statusRecorder{ResponseWriter: w}
		w = rec
		h := w.Header()
		h.Set("Cache-Control", "no-store")
		h.Set("Content-Type", "application/json")
		key, err := s.apiAuth(r)
		if err == nil {
			r = r.WithContext(service.WithActor(context.WithValue(r.Context(), apiKeyCtx{}, key),
				service.Actor{Via: service.ViaAPI, Name: key.Name}))
			switch {
			case rt.Write && key.ReadOnly:
				err = apiErr(http.StatusForbidden, "read_only_key", "", "the key %q may only read", key.Name)
			default:
				limit := rt.Limit
				if limit == 0 {
					limit = maxAPIBytes
				}
				r.Body = http.MaxBytesReader(w, r.Body, limit)
				err = rt.Handle(s, w, r)
			}
		}
		if err != nil {
			s.apiWriteError(w, r, err)
		}
		s.log.Info("api", "key", key.Name, "method", r.Method, "path", r.URL.Path, "status", rec.status,
			"client", clientIP(r, s.opts.TrustProxy), "duration_ms", s.now().Sub(start).Milliseconds())
	}
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// apiAuth checks the bearer key. Wrong keys count against the client's
// address like failed admin sign-ins, and a locked address is refused
// before its key is looked at; a valid key is never held back by a lock.
func (s *server) apiAuth(r *http.Request) (store.APIKey, error) {
	scheme, cred, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	cred = strings.TrimSpace(cred)
	if !strings.EqualFold(scheme, "Bearer") || cred == "" {
		return store.APIKey{}, apiErr(http.StatusUnauthorized, "unauthorized", "", "send an API key: Authorization: Bearer KEY")
	}
	addr := "addr:" + clientKey(r, s.opts.TrustProxy)
	k, err := s.opts.Service.Authenticate(r.Context(), cred)
	if err == nil {
		return k, nil
	}
	if !errors.Is(err, service.ErrNotFound) {
		return store.APIKey{}, err
	}
	if d := s.lock.wait(addr); d > 0 {
		secs := int(math.Ceil(d.Seconds()))
		e := apiErr(http.StatusTooManyRequests, "too_many_attempts", "", "too many wrong keys from your address; retry after %d seconds", secs)
		e.RetryAfter = secs
		return store.APIKey{}, e
	}
	s.lock.fail(addr)
	return store.APIKey{}, apiErr(http.StatusUnauthorized, "unauthorized", "", "the API key is wrong or revoked")
}

// apiWriteError writes err as {"error": {...}}: a service error with its
// kind's status, an apiError as it is, anything else as a 500 whose cause
// stays in the log.
func (s *server) apiWriteError(w http.ResponseWriter, r *http.Request, err error) {
	var ae *apiError
	var se *service.Error
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &ae):
	case errors.As(err, &se):
		ae = &apiError{Code: string(se.Kind), Message: se.Error(), Field: se.Field, Candidates: se.Candidates}
		ae.Status = map[service.Kind]int{service.Invalid: 400, service.NotFound: 404, service.Conflict: 409,
			service.ReadOnly: 409, service.Unreachable: 422, service.Choose: 422, service.Unsupported: 501}[se.Kind]
		if ae.Status == 0 {
			ae.Status = http.StatusBadRequest
		}
	case errors.As(err, &tooBig):
		ae = apiErr(http.StatusRequestEntityTooLarge, "too_large", "", "the request body is larger than %d bytes", tooBig.Limit)
	default:
		s.log.Error("api request failed", "method", r.Method, "path", r.URL.Path, "key", apiKeyOf(r).Name, "error", err)
		ae = apiErr(http.StatusInternalServerError, "internal", "", "something went wrong on our side; the log says what")
	}
	switch ae.Status {
	case http.StatusUnauthorized:
		w.Header().Set("WWW-Authenticate", `Bearer realm="feedwatch api"`)
	case http.StatusTooManyRequests:
		w.Header().Set("Retry-After", strconv.Itoa(max(ae.RetryAfter, 1)))
	case http.StatusMethodNotAllowed:
		w.Header().Set("Allow", ae.Allow)
	}
	if ae.Status >= 500 && ae.Status != http.StatusNotImplemented {
		s.log.Warn("api error", "path", r.URL.Path, "status", ae.Status, "error", err)
	}
	body, _ := json.Marshal(map[string]*apiError{"error": ae})
	w.WriteHeader(ae.Status)
	_, _ = w.Write(append(body, '\n'))
}

func (s *server) apiNoRoute(mux *http.ServeMux, r *http.Request) error {
	var allow []string
	for _, m := range []string{"GET", "POST", "PATCH", "DELETE"} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := mux.Handler(probe); strings.HasPrefix(pattern, m+" ") {
			allow = append(allow, m)
		}
	}
	if len(allow) == 0 {
		return apiErr(http.StatusNotFound, "not_found", "", "no such resource: %s", r.URL.Path)
	}
	e := apiErr(http.StatusMethodNotAllowed, "method_not_allowed", "", "%s does not take %s (it takes %s)", r.URL.Path, r.Method, strings.Join(allow, ", "))
	e.Allow = strings.Join(allow, ", ")
	return e
}

// writeJSON writes v with status; a GET gets an ETag and answers 304 to
// If-None-Match with the same one.
func writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode response: %w", err)
	}
	body = append(body, '\n')
	if r.Method == http.MethodGet && status == http.StatusOK {
		sum := sha256.Sum256(body)
		etag := `"` + base64.RawURLEncoding.EncodeToString(sum[:16]) + `"`
		w.Header().Set("ETag", etag)
		w.Header().Set("Cache-Control", "private, no-cache")
		for _, m := range strings.Split(r.Header.Get("If-None-Match"), ",") {
			if strings.TrimSpace(m) == etag {
				w.WriteHeader(http.StatusNotModified)
				return nil
			}
		}
	}
	w.WriteHeader(status)
	_, err = w.Write(body)
	return err
}

// readJSON decodes the body into v, refusing unknown fields so that a
// misspelt field is an error rather than ignored.
func readJSON(r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return apiErr(http.StatusUnsupportedMediaType, "unsupported_media_type", "", "send JSON (Content-Type: application/json), not %s", ct)
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return err
		}
		if errors.Is(err, io.EOF) {
			return apiErr(http.StatusBadRequest, "invalid", "", "the request body is empty: send a JSON object")
		}
		field := ""
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			field = te.Field
		} else if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			field = strings.Trim(f, `"`)
		}
		return &apiError{Status: http.StatusBadRequest, Code: "invalid", Field: field, Message: "the request body is not the JSON expected: " + err.Error()}
	}
	if dec.More() {
		return apiErr(http.StatusBadRequest, "invalid", "", "send one JSON object")
	}
	return nil
}

func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, apiErr(http.StatusNotFound, "not_found", "id", "no such resource: %s", r.URL.Path)
	}
	return id, nil
}

func parseSince(v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	if t, err := time.Parse("2006-01-02", v); err == nil {
		return t, nil
	}
	return time.Time{}, apiErr(http.StatusBadRequest, "invalid", "since", "since %q: want RFC 3339 (2026-11-20T07:00:00Z) or a date (2026-11-20)", v)
}

func (s *server) apiOpenAPI(w http.ResponseWriter, r *http.Request) error {
	body, err := assets.ReadFile("openapi.json")
	if err != nil {
		return err
	}
	var v any
	if err := json.NewDecoder(bytes.NewReader(body)).Decode(&v); err != nil {
		return fmt.Errorf("openapi.json: %w", err)
	}
	return writeJSON(w, r, http.StatusOK, v)
}
