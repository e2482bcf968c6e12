// Package schedule checks cron specs as feedwatch's files write them, so that
// the config and topics loaders can report a mistake with its file and line
// at load time. The daemon's cron parser (internal/daemon, the only importer
// of robfig/cron) still has the final word on the values.
package schedule

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
)

var cronField = regexp.MustCompile(`^[0-9A-Za-z*?/,\-]+$`)

// Check accepts five cron fields with an optional CRON_TZ=Zone prefix,
// "@every DURATION" and the @daily family of descriptors.
func Check(s string) error {
	spec := strings.TrimSpace(s)
	if tz, ok := strings.CutPrefix(spec, "CRON_TZ="); ok {
		name, rest, found := strings.Cut(tz, " ")
		if !found {
			return errors.New("CRON_TZ= must be followed by a time zone and the 5 fields")
		}
		if _, err := time.LoadLocation(name); err != nil {
			return fmt.Errorf("unknown time zone %q", name)
		}
		spec = strings.TrimSpace(rest)
	}
	if d, ok := strings.CutPrefix(spec, "@every "); ok {
		if v, err := time.ParseDuration(strings.TrimSpace(d)); err != nil || v <= 0 {
			return errors.New("@every needs a positive duration such as 15m or 24h")
		}
		return nil
	}
	switch spec {
	case "@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly":
		return nil
	}
	fields := strings.Fields(spec)
	if len(fields) != 5 {
		return fmt.Errorf("want @every DURATION or 5 cron fields (minute hour day-of-month month day-of-week), found %d fields", len(fields))
	}
	for _, f := range fields {
		if !cronField.MatchString(f) {
			return fmt.Errorf("field %q is not a cron field", f)
		}
	}
	return nil
}
