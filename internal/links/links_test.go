package links

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/token"
)

var secret = []byte("0123456789abcdef0123456789abcdef")

func TestManageURL(t *testing.T) {
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	for _, base := range []string{"https://news.example.org", "https://news.example.org/", "https://example.org/feedwatch/"} {
		got := ManageURL(base, secret, "a@example.org", now)
		u, err := url.Parse(got)
		if err != nil {
			t.Fatal(err)
		}
		if want := strings.TrimRight(base, "/") + "/preferences?token="; !strings.HasPrefix(got, want) {
			t.Errorf("ManageURL(%q) = %q, want it to start with %q", base, got, want)
		}
		c, err := token.Verify(secret, u.Query().Get("token"), token.Manage, now)
		if err != nil || c.Email != "a@example.org" || c.Topic != "" || !c.Expires.Equal(now.Add(token.ManageTTL)) {
			t.Errorf("claims = %+v, %v", c, err)
		}
		if _, err := token.Verify(secret, u.Query().Get("token"), token.Manage, now.Add(token.ManageTTL)); err == nil {
			t.Error("the manage link still works after ManageTTL")
		}
	}
}

func TestFeedURL(t *testing.T) {
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	if got, want := FeedURL("https://x.example/", secret, "", "us-russia", "", Atom), "https://x.example/topics/us-russia/feed.atom"; got != want {
		t.Errorf("public = %q, want %q", got, want)
	}
	if got, want := FeedURL("https://x.example", secret, "a@example.org", "t", "", JSON), "https://x.example/topics/t/feed.json"; got != want {
		t.Errorf("no key = %q, want the public link %q", got, want)
	}
	got := FeedURL("https://x.example", secret, "a@example.org", "us-russia", "k1", JSON)
	again := FeedURL("https://x.example", secret, "a@example.org", "us-russia", "k1", JSON)
	if got != again {
		t.Errorf("the same feed link differs: %q, %q", got, again)
	}
	u, _ := url.Parse(got)
	if u.Path != "/topics/us-russia/feed.json" {
		t.Errorf("path = %q", u.Path)
	}
	c, err := token.Verify(secret, u.Query().Get("token"), token.Feed, now.AddDate(50, 0, 0))
	if err != nil || c.Email != "a@example.org" || c.Topic != "us-russia" || c.Key != "k1" {
		t.Errorf("claims = %+v, %v", c, err)
	}
	if other := FeedURL("https://x.example", secret, "a@example.org", "us-russia", "k2", JSON); other == got {
		t.Error("a new key makes the same link")
	}
}
