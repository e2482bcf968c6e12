// Package mailaddr decides which mail addresses feedwatch accepts for a
// subscription, from the sign-up form, the command line, the admin pages and
// the API alike: one bare address on a public domain name. It only reads
// strings; it never resolves names or sends mail.
package mailaddr

import (
	"errors"
	"fmt"
	"net/mail"
	"strings"
)

// ErrInvalid is wrapped by every refusal.
var ErrInvalid = errors.New("not a usable mail address")

// localSuffixes are domains that never reach a mailbox on the Internet:
// names that resolve only on the host or the local network (RFC 6761,
// RFC 6762, RFC 8375) and the reserved .invalid. A digest sent there would
// either bounce or, worse, be delivered to a machine next to the daemon.
var localSuffixes = []string{"localhost", "local", "localdomain", "internal", "home.arpa", "lan", "invalid", "intranet", "corp", "onion"}

// Parse returns raw as a bare address (no display name, no comment) or an
// error wrapping ErrInvalid that says why. Address literals (a@[127.0.0.1])
// and single-label or local-only domains (root@localhost, a@printer.local)
// are refused.
func Parse(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" || len(raw) > 254 {
		return "", fmt.Errorf("%q: empty or longer than 254 characters: %w", raw, ErrInvalid)
	}
	a, err := mail.ParseAddress(raw)
	if err != nil {
		return "", fmt.Errorf("%q: %v: %w", raw, err, ErrInvalid)
	}
	if a.Name != "" || a.Address != raw {
		return "", fmt.Errorf("%q: not a bare address: %w", raw, ErrInvalid)
	}
	at := strings.LastIndexByte(a.Address, '@')
	domain := strings.ToLower(strings.TrimSuffix(a.Address[at+1:], "."))
	switch {
	case strings.HasPrefix(domain, "["):
		return "", fmt.Errorf("%q: an address literal names a machine, not a mail domain: %w", raw, ErrInvalid)
	case !strings.Contains(domain, "."):
		return "", fmt.Errorf("%q: domain %q has no dot: %w", raw, domain, ErrInvalid)
	}
	for _, s := range localSuffixes {
		if domain == s || strings.HasSuffix(domain, "."+s) {
			return "", fmt.Errorf("%q: %s is a local-only domain: %w", raw, domain, ErrInvalid)
		}
	}
	if isNumeric(domain) {
		return "", fmt.Errorf("%q: %s is an IP address, not a mail domain: %w", raw, domain, ErrInvalid)
	}
	return a.Address, nil
}

// isNumeric reports a domain made of digits and dots only (a@127.0.0.1,
// which net/mail accepts as a domain name).
func isNumeric(domain string) bool {
	return strings.Trim(domain, "0123456789.") == ""
}
