package digest

import (
	"fmt"
	"net"
	netmail "net/mail"
	"net/url"
	"strings"
	"time"

	"github.com/feedwatch/feedwatch/internal/links"
	"github.com/feedwatch/feedwatch/internal/token"
)

// UnsubscribeURL is the signed one-click link that ends email's
// subscriptions to topics, a comma-separated list of topic ids.
func (b *Builder) UnsubscribeURL(email, topics string) string {
	tok := token.Sign(b.opts.Secret, token.Claims{Purpose: token.Unsubscribe, Email: email, Topic: topics,
		Expires: b.opts.Now().Add(b.opts.UnsubscribeTTL)})
	return b.url("/unsubscribe?token=%s", url.QueryEscape(tok))
}

// ManageURL is the signed link to email's preferences page.
func (b *Builder) ManageURL(email string) string {
	return links.ManageURL(b.opts.BaseURL, b.opts.Secret, email, b.opts.Now())
}

// archiveURL shows digest id on the web; the archive's index for a section
// not recorded yet (a preview).
func (b *Builder) archiveURL(id int64) string {
	if id == 0 {
		return b.url("/digests")
	}
	return b.url("/digests/%d", id)
}

func (b *Builder) url(format string, args ...any) string {
	return strings.TrimRight(b.opts.BaseURL, "/") + fmt.Sprintf(format, args...)
}

func (b *Builder) unsubscribeMailto() string {
	if b.opts.UnsubscribeMailto != "" {
		return b.opts.UnsubscribeMailto
	}
	if a, err := netmail.ParseAddress(b.opts.From); err == nil {
		return a.Address
	}
	return ""
}

// zone is the *time.Location of name; nil (times in UTC) for an empty or
// unknown name.
func (b *Builder) zone(name string) *time.Location {
	if name == "" {
		return nil
	}
	if loc, ok := b.zones.Load(name); ok {
		return loc.(*time.Location)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil
	}
	b.zones.Store(name, loc)
	return loc
}

// webHost is baseURL's host when it is a name fit for a List-Id.
func webHost(baseURL string) string {
	u, err := url.Parse(baseURL)
	if err != nil || u.Hostname() == "" || !strings.Contains(u.Hostname(), ".") || net.ParseIP(u.Hostname()) != nil {
		return ""
	}
	return u.Hostname()
}
