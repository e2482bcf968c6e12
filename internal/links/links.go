// Package links makes the signed links that mails and pages give a
// subscriber: to the preferences page and to a topic's feeds. The web
// server answers them (internal/web) and the mail code prints them; both
// make them here, so that a link in a mail is always one the server takes.
//
// It only builds URLs; it never checks them, reads the store or sends
// anything.
package links

import (
	"net/url"
	"strings"
	"time"

	"github.com/feedwatch/feedwatch/internal/token"
)

// PreferencesPath is where the web server serves the preferences page;
// TopicFeedPath gives the path of a topic's feed.
const PreferencesPath = "/preferences"

// Feed formats.
const (
	Atom = "atom" // Atom 1.0, RFC 4287
	JSON = "json" // JSON Feed 1.1
)

// FeedExpiry is when every feed link expires: never, in practice. Feed
// readers keep a feed's URL for years, so a feed link ends only when the
// subscriber makes new ones (a new feed key) or stops subscribing. A fixed
// expiry also keeps the link the same every time it is shown.
var FeedExpiry = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)

// ManageURL is the link to email's preferences page, valid for
// token.ManageTTL from now.
func ManageURL(base string, secret []byte, email string, now time.Time) string {
	tok := token.Sign(secret, token.Claims{Purpose: token.Manage, Email: email, Expires: now.Add(token.ManageTTL)})
	return join(base, PreferencesPath, url.Values{"token": {tok}})
}

// TopicFeedPath is the path of topicID's feed in format (Atom or JSON).
func TopicFeedPath(topicID, format string) string {
	return "/topics/" + url.PathEscape(topicID) + "/feed." + format
}

// FeedURL is the link to topicID's feed in format (Atom or JSON). With an
// empty email or feedKey it is the public link, which works only for a
// topic marked public; otherwise it carries a token for email bound to its
// current feedKey, which stops working when the key is replaced.
func FeedURL(base string, secret []byte, email, topicID, feedKey, format string) string {
	var q url.Values
	if email != "" && feedKey != "" {
		tok := token.Sign(secret, token.Claims{Purpose: token.Feed, Email: email, Topic: topicID, Key: feedKey, Expires: FeedExpiry})
		q = url.Values{"token": {tok}}
	}
	return join(base, TopicFeedPath(topicID, format), q)
}

// join puts path and query under base as the web server's own links do:
// base's path, if any, is kept as a prefix.
func join(base, path string, q url.Values) string {
	s := strings.TrimRight(base, "/") + path
	if len(q) > 0 {
		s += "?" + q.Encode()
	}
	return s
}
