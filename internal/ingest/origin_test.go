package ingest

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/fetch"
	"github.com/feedwatch/feedwatch/internal/model"
)

// TestUntrustedOriginsAreGuarded polls the same loopback feed as feeds of
// each origin: those from the config file and the command line may reach
// it, those added on the admin pages or the API may not, and each poll is
// recorded for the feed's page.
func TestUntrustedOriginsAreGuarded(t *testing.T) {
	st := mustOpenStore(t)
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(rssDoc("Feed", item{title: "one", guid: "1"})))
	}))
	clk := newClock()
	p := New(st, fetch.New(fetch.Options{Timeout: 5 * time.Second, DenyPrivate: true}), func() Matcher { return mustTopics(t, "") }, testOptions(clk))
	var feeds []model.Feed
	for _, origin := range []string{"config", "db", "web", "api"} {
		f, err := st.AddFeed(context.Background(), model.Feed{URL: srv.URL + "/" + origin, Origin: origin})
		if err != nil {
			t.Fatal(err)
		}
		feeds = append(feeds, f)
	}
	p.PollFeeds(context.Background(), feeds, nil)
	for _, f := range feeds {
		polls, err := st.Polls(context.Background(), f.ID)
		if err != nil || len(polls) != 1 {
			t.Fatalf("%s: polls = %+v, %v", f.Origin, polls, err)
		}
		trusted := f.Origin == "config" || f.Origin == "db"
		got := feedByURL(t, st, f.URL)
		if trusted && (polls[0].Outcome != "ok" || polls[0].New != 1 || got.ErrorCount != 0) {
			t.Errorf("%s feed on loopback: %+v, last error %q", f.Origin, polls[0], got.LastError)
		}
		if !trusted && (polls[0].Outcome != "failed" || got.ErrorCount != 1 || !strings.Contains(got.LastError, fetch.ErrPrivateAddress.Error())) {
			t.Errorf("%s feed on loopback: %+v, last error %q; want refused as private", f.Origin, polls[0], got.LastError)
		}
	}
}
