package web

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/feedwatch/feedwatch/internal/metrics"
	"github.com/feedwatch/feedwatch/internal/model"
	"github.com/feedwatch/feedwatch/internal/store"
)

type ctxKey int

const (
	bearerKey ctxKey = iota
	adminUserKey
)

// adminByBearer reports whether the admin middleware let r in by bearer
// token. Browsers never attach a bearer token on their own, so such
// requests (scripts, curl) need no CSRF token.
func adminByBearer(r *http.Request) bool {
	v, _ := r.Context().Value(bearerKey).(bool)
	return v
}

// sameSecret compares in constant time; hashing first also hides the
// length of the configured value.
func sameSecret(got, want string) bool {
	g, w := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(g[:], w[:]) == 1
}

func (s *server) adminEnabled() bool {
	o := s.opts
	return o.AdminToken != "" || (o.AdminUser != "" && o.AdminPassword != "")
}

// admin guards h: 404 when no admin credentials are configured (so nothing
// reveals the pages exist), 401 with a challenge for wrong or missing ones,
// 429 while the client's address or the user name it tries is locked by
// failures (see lockout), unless the client proves more than a guess could.
// It runs before anything else a path under /admin does, so no method,
// path or form tells a stranger anything.
func (s *server) admin(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.adminEnabled() {
			s.notFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		o := s.opts
		keys := lockKeys(r, o.TrustProxy)
		scheme, cred, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		cred = strings.TrimSpace(cred)
		bearer := strings.EqualFold(scheme, "Bearer")
		if bearer && s.isAPIKey(cred) {
			// An API key is random and long: no guess finds one, so it is
			// not held back by locks that guessing caused.
			if name, ok := s.apiKeyAdmin(r, cred); ok {
				h(w, asAdmin(r, "key:"+name, true))
				return
			}
		} else {
			locked := s.lock.wait(keys...)
			if locked > 0 && !s.knownDevice(r) {
				w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(locked.Seconds()))))
				s.log.Warn("admin: sign-in attempts limited", "path", r.URL.Path, "client", clientIP(r, o.TrustProxy))
				s.render(w, r, http.StatusTooManyRequests, "error", page{Title: "Too many attempts",
					Data: "Too many failed sign-ins. Please wait a while and try again, or sign in from a browser that signed in here before."})
				return
			}
			if bearer && o.AdminToken != "" {
				if sameSecret(cred, o.AdminToken) {
					h(w, asAdmin(r, "token", true))
					return
				}
			} else if user, pass, ok := r.BasicAuth(); ok && o.AdminUser != "" && o.AdminPassword != "" {
				// Both compared every time, so timing does not tell which was wrong.
				userOK, passOK := sameSecret(user, o.AdminUser), sameSecret(pass, o.AdminPassword)
				if userOK && passOK {
					if locked == 0 {
						// A sign-in let past a lock does not lift it for
						// the guesser who caused it.
						s.lock.forget(keys...)
					}
					s.setDevice(w, r)
					h(w, asAdmin(r, o.AdminUser, false))
					return
				}
			}
		}
		if o.AdminUser != "" && o.AdminPassword != "" {
			w.Header().Add("WWW-Authenticate", `Basic realm="feedwatch admin", charset="UTF-8"`)
		}
		if o.AdminToken != "" {
			w.Header().Add("WWW-Authenticate", `Bearer realm="feedwatch admin"`)
		}
		if r.Header.Get("Authorization") != "" {
			// A browser's first request carries no credentials; only a
			// wrong answer counts against the client.
			s.lock.fail(keys...)
		}
		s.log.Warn("admin: authentication failed", "path", r.URL.Path, "client", clientIP(r, s.opts.TrustProxy))
		s.render(w, r, http.StatusUnauthorized, "error", page{Title: "Sign in required", Data: "Sign in to see the admin pages."})
	}
}

// adminUser is who the admin guard let in: the user name, "token" or
// "key:NAME", for the activity log.
func adminUser(r *http.Request) string {
	v, _ := r.Context().Value(adminUserKey).(string)
	return v
}

func asAdmin(r *http.Request, user string, bearer bool) *http.Request {
	ctx := context.WithValue(r.Context(), adminUserKey, user)
	if bearer {
		ctx = context.WithValue(ctx, bearerKey, true)
	}
	return r.WithContext(ctx)
}

type feedRow struct {
	model.Feed
	Status string
}

type overviewData struct {
	Counts        store.Counts
	Outbox        map[string]int
	Feeds         []feedRow
	Subscriptions []model.Subscription
	Deliveries    []model.Delivery
	Recent        []recentItem
	MatchCharts   []sparkline
	FeedChart     barChart
	Activity      []store.Activity
	Now           time.Time
}

type recentItem struct {
	model.Item
	FeedTitle string
}

const (
	chartDays      = 30
	chartFeeds     = 20
	recentItemsMax = 30
	deliveriesMax  = 50
	activityMax    = 30
)

func (s *server) overview(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	now := s.now()
	data, err := s.overviewData(ctx, now)
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "The overview could not be loaded; see the log.", err)
		return
	}
	s.render(w, r, http.StatusOK, "admin", page{Title: "Admin", Admin: true, Data: data})
}

func (s *server) overviewData(ctx context.Context, now time.Time) (overviewData, error) {
	st := s.opts.Store
	d := overviewData{Now: now}
	var err error
	if d.Counts, err = st.Count(ctx); err != nil {
		return d, err
	}
	if d.Outbox, err = st.DeliveryCounts(ctx); err != nil {
		return d, err
	}
	feeds, err := st.Feeds(ctx)
	if err != nil {
		return d, err
	}
	titles := map[int64]string{}
	for _, f := range feeds {
		d.Feeds = append(d.Feeds, feedRow{Feed: f, Status: metrics.FeedStatus(f, now)})
		titles[f.ID] = feedLabel(f)
	}
	if d.Subscriptions, err = st.Subscriptions(ctx); err != nil {
		return d, err
	}
	if d.Deliveries, err = st.Deliveries(ctx, "", deliveriesMax); err != nil {
		return d, err
	}
	items, err := st.RecentItems(ctx, time.Time{}, recentItemsMax)
	if err != nil {
		return d, err
	}
	for _, it := range items {
		d.Recent = append(d.Recent, recentItem{Item: it, FeedTitle: titles[it.FeedID]})
	}
	since := now.UTC().Truncate(24*time.Hour).AddDate(0, 0, -(chartDays - 1))
	days, err := st.DailyMatches(ctx, since)
	if err != nil {
		return d, err
	}
	d.MatchCharts = s.matchCharts(days, since)
	d.FeedChart = feedChart(feeds)
	if d.Activity, err = st.Activities(ctx, activityMax); err != nil {
		return d, err
	}
	return d, nil
}

func feedLabel(f model.Feed) string {
	if f.Title != "" {
		return f.Title
	}
	return f.URL
}

// sparkline is one topic's matches per day as SVG bars.
type sparkline struct {
	TopicID, Name string
	Total, Max    int
	Width, Height int
	Bars          []bar
}

type bar struct {
	X, Y, W, H float64
	Label      string
}

func (s *server) matchCharts(days []store.TopicDay, since time.Time) []sparkline {
	const barW, gap, height = 8.0, 2.0, 40.0
	byTopic := map[string][]int{}
	var order []string
	for _, t := range s.opts.Topics().Topics() {
		byTopic[t.ID] = make([]int, chartDays)
		order = append(order, t.ID)
	}
	for _, td := range days {
		i := int(td.Day.Sub(since) / (24 * time.Hour))
		if i < 0 || i >= chartDays {
			continue
		}
		if _, ok := byTopic[td.TopicID]; !ok {
			// A topic since removed from the file still has history.
			byTopic[td.TopicID] = make([]int, chartDays)
			order = append(order, td.TopicID)
		}
		byTopic[td.TopicID][i] += td.Matches
	}
	set := s.opts.Topics()
	var out []sparkline
	for _, id := range order {
		counts := byTopic[id]
		sl := sparkline{TopicID: id, Name: id, Width: int(chartDays * (barW + gap)), Height: int(height)}
		if t, ok := set.Topic(id); ok {
			sl.Name = t.Name
		}
		sl.Max = slices.Max(counts)
		for i, n := range counts {
			sl.Total += n
			h := 0.0
			if sl.Max > 0 {
				h = float64(n) / float64(sl.Max) * (height - 1)
			}
			if n > 0 && h < 1 {
				h = 1
			}
			sl.Bars = append(sl.Bars, bar{X: float64(i) * (barW + gap), Y: height - h, W: barW, H: h,
				Label: fmt.Sprintf("%s: %d", since.AddDate(0, 0, i).Format("2006-01-02"), n)})
		}
		out = append(out, sl)
	}
	return out
}

// barChart is horizontal bars with labels: items per feed.
type barChart struct {
	Width, Height int
	Rows          []barRow
}

type barRow struct {
	Label     string
	Count     int
	Y, W      float64
	TextY     float64
	CountX    float64
	BarHeight float64
}

func feedChart(feeds []model.Feed) barChart {
	const rowH, labelW, maxBar = 18.0, 220.0, 260.0
	sorted := slices.Clone(feeds)
	slices.SortFunc(sorted, func(a, b model.Feed) int { return b.ItemCount - a.ItemCount })
	if len(sorted) > chartFeeds {
		sorted = sorted[:chartFeeds]
	}
	c := barChart{Width: int(labelW + maxBar + 60), Height: int(rowH*float64(len(sorted))) + 2}
	top := 0
	if len(sorted) > 0 {
		top = sorted[0].ItemCount
	}
	for i, f := range sorted {
		w := 0.0
		if top > 0 {
			w = float64(f.ItemCount) / float64(top) * maxBar
		}
		label := feedLabel(f)
		if r := []rune(label); len(r) > 32 {
			label = string(r[:31]) + "…"
		}
		y := float64(i) * rowH
		c.Rows = append(c.Rows, barRow{Label: label, Count: f.ItemCount, Y: y + 2, W: w, TextY: y + 14,
			CountX: labelW + w + 4, BarHeight: rowH - 4})
	}
	return c
}
