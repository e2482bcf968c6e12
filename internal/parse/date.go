package parse

import (
	"strings"
	"time"
)

// Dates outside [minYear, maxYear) are treated as absent, not clamped: a
// year 0001 or 9999 is a placeholder or a typo, and inventing a nearer date
// would misplace the item in digests. Zero lets normalize fall back to the
// fetch time and flag DateMissing. Years past 9999 would also break RFC 3339
// formatting and SQLite date functions.
const (
	minYear = 1900
	maxYear = 2200
)

// Exactly the Unix epoch is also a placeholder: it is what a publisher's
// unset timestamp (0) prints as.
func clamp(t time.Time) time.Time {
	if t.IsZero() || t.Unix() == 0 || t.Year() < minYear || t.Year() >= maxYear {
		return time.Time{}
	}
	return t.UTC()
}

// zones maps the abbreviations feeds use to fixed offsets. time.Parse
// would accept an unknown abbreviation as UTC+0 silently, so we substitute
// numeric offsets before parsing.
var zones = map[string]string{
	"UT": "+0000", "UTC": "+0000", "GMT": "+0000", "Z": "+0000", "WET": "+0000",
	"EST": "-0500", "EDT": "-0400", "CST": "-0600", "CDT": "-0500",
	"MST": "-0700", "MDT": "-0600", "PST": "-0800", "PDT": "-0700",
	"AKST": "-0900", "AKDT": "-0800", "HST": "-1000",
	"AST": "-0400", "ADT": "-0300", "NST": "-0330", "NDT": "-0230",
	"BST": "+0100", "IST": "+0530", "CET": "+0100", "CEST": "+0200", "MET": "+0100", "MEST": "+0200",
	"EET": "+0200", "EEST": "+0300", "MSK": "+0300", "MSD": "+0400",
	"JST": "+0900", "KST": "+0900", "HKT": "+0800", "SGT": "+0800",
	"AEST": "+1000", "AEDT": "+1100", "ACST": "+0930", "AWST": "+0800", "NZST": "+1200", "NZDT": "+1300",
	// RFC 822 military zones: only Z is reliable in practice, the rest are
	// too often used with inverted signs to trust, so they map to UTC.
	"A": "+0000", "M": "+0000", "N": "+0000", "Y": "+0000",
}

// layouts are tried in order after zone names have been replaced by numeric
// offsets. Zoneless layouts are read as UTC.
var layouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04Z0700",
	"2006-01-02T15:04:05",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04",
	"2006-01-02 15:04:05 -0700",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05 Z07:00",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04",
	"2006-01-02",
	"2006-01",
	"2006",
	"20060102T150405Z0700",
	"20060102T150405",
	"20060102",
	"Mon, 2 Jan 2006 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04:05 Z07:00",
	"Mon, 2 Jan 2006 15:04 -0700",
	"Mon, 2 Jan 2006 15:04:05",
	"Mon, 2 Jan 2006 15:04",
	"Mon, 2 Jan 2006",
	"Mon, 2 Jan 06 15:04:05 -0700",
	"Mon, 2 Jan 06 15:04 -0700",
	"Mon, 2 Jan 06",
	"Mon, 2 January 2006 15:04:05 -0700",
	"Mon, 2 January 2006",
	"Monday, 2 Jan 2006 15:04:05 -0700",
	"Monday, 2 January 2006 15:04:05 -0700",
	"Monday, January 2, 2006 15:04:05 -0700",
	"Monday, January 2, 2006 3:04 PM",
	"Monday, January 2, 2006",
	"Mon, January 2, 2006",
	"2 Jan 2006 15:04:05 -0700",
	"2 Jan 2006 15:04 -0700",
	"2 Jan 2006 15:04:05",
	"2 Jan 2006",
	"2 Jan 06 15:04:05 -0700",
	"2 January 2006 15:04:05 -0700",
	"2 January 2006",
	"Jan 2, 2006 15:04:05 -0700",
	"Jan 2, 2006 3:04 PM -0700",
	"Jan 2, 2006 3:04 PM",
	"Jan 2, 2006",
	"January 2, 2006 15:04:05 -0700",
	"January 2, 2006 3:04 PM",
	"January 2, 2006",
	"Mon Jan 2 15:04:05 -0700 2006",
	"Mon Jan 2 15:04:05 2006",
	"Mon Jan 2 15:04:05 -0700 MST 2006",
	"Mon, Jan 2 2006 15:04:05 -0700",
	"Mon, Jan 2, 2006 15:04:05 -0700",
	"Mon, 02 Jan 2006 15:04:05.000 -0700",
	"02/01/2006 15:04:05",
	"2006/01/02 15:04:05 -0700",
	"2006/01/02 15:04:05",
	"2006/01/02",
}

// ParseDate parses the date formats found in feeds, returning the UTC time
// or zero when nothing fits or the year is implausible (see clamp).
func ParseDate(s string) time.Time {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" || len(s) > 100 {
		return time.Time{}
	}
	for _, cand := range dateCandidates(s) {
		for _, l := range layouts {
			if t, err := time.Parse(l, cand); err == nil {
				return clamp(t)
			}
		}
	}
	return time.Time{}
}

// dateCandidates returns s and variants with common noise fixed: named
// zones replaced, a trailing "(comment)" dropped, "+00:00" offsets after a
// space made compact, and a missing or misspelt weekday tolerated.
func dateCandidates(s string) []string {
	out := []string{s}
	add := func(v string) {
		for _, o := range out {
			if o == v {
				return
			}
		}
		out = append(out, v)
	}
	v := s
	if i := strings.IndexByte(v, '('); i > 0 {
		v = strings.TrimSpace(v[:i])
	}
	fields := strings.Fields(v)
	for i, f := range fields {
		up := strings.ToUpper(strings.Trim(f, ","))
		if off, ok := zones[up]; ok && i > 0 {
			fields[i] = off
		}
		// "+00:00" after a space: RFC 822 layouts want +0000.
		if i > 0 && len(f) == 6 && (f[0] == '+' || f[0] == '-') && f[3] == ':' {
			fields[i] = f[:3] + f[4:]
		}
	}
	v = strings.Join(fields, " ")
	// A zone name directly after the offset ("-0500 EST") is redundant.
	if n := len(fields); n >= 2 && (strings.HasPrefix(fields[n-2], "+") || strings.HasPrefix(fields[n-2], "-")) &&
		(strings.HasPrefix(fields[n-1], "+") || strings.HasPrefix(fields[n-1], "-")) {
		v = strings.Join(fields[:n-1], " ")
	}
	add(v)
	// Weekdays are often wrong, abbreviated oddly or absent: drop them.
	if i := strings.Index(v, ", "); i > 0 && i <= 10 && isAlpha(v[:i]) {
		add(v[i+2:])
	} else if i := strings.IndexByte(v, ' '); i > 0 && i <= 10 && isAlpha(v[:i]) && len(fields) > 3 && isAlpha(fields[1]) {
		add(v[i+1:])
	}
	// ISO dates with a lowercase t/z or a space before Z.
	if up := strings.ToUpper(v); up != v && len(v) >= 10 && v[4] == '-' {
		add(up)
	}
	return out
}

func isAlpha(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return s != ""
}
