package schedule

import (
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/feedwatch/feedwatch/internal/model"
)

// Next returns the first delivery of a daily or weekly schedule strictly
// after after, at the schedule's wall-clock time in loc. It works on
// calendar dates, one time per date, so the clock changes neither skip nor
// double a delivery: a time the clocks skip (02:30 on the night they go
// forward) is delivered at the same instant an hour later by the clock, and
// a time that happens twice (the night they go back) is delivered once, at
// its first occurrence.
// It returns the zero time for other frequencies.
func Next(s model.Schedule, loc *time.Location, after time.Time) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	if s.Frequency != model.FrequencyDaily && s.Frequency != model.FrequencyWeekly {
		return time.Time{}
	}
	at := min(max(s.DeliverAt, 0), 24*60-1)
	local := after.In(loc)
	y, m, d := local.Date()
	// Eight dates reach every weekday from any start, and a weekly
	// time earlier on after's own weekday falls on the eighth.
	for i := 0; i <= 7; i++ {
		t := firstAt(time.Date(y, m, d+i, at/60, at%60, 0, 0, loc))
		if s.Frequency == model.FrequencyWeekly && dateOf(y, m, d+i).Weekday() != s.Weekday {
			continue
		}
		if t.After(after) {
			return t
		}
	}
	return time.Time{} // not reached: one of the eight dates is later
}

// firstAt returns the first instant that shows t's wall-clock time on t's
// date: time.Date gives either when the clocks go back and a time happens
// twice. Zones move their clocks by 30 minutes, an hour or two.
func firstAt(t time.Time) time.Time {
	for _, d := range []time.Duration{2 * time.Hour, time.Hour, 30 * time.Minute} {
		if u := t.Add(-d); sameWallClock(u, t) {
			return u
		}
	}
	return t
}

func sameWallClock(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd && a.Hour() == b.Hour() && a.Minute() == b.Minute()
}

// dateOf is the calendar date y-m-d, normalised, at noon UTC, where no
// clock change can move it to another day.
func dateOf(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 12, 0, 0, 0, time.UTC)
}

// FromSpec reads a topic's digest schedule as a subscription's: a cron spec
// that runs once a day ("30 7 * * *") is daily at that time, one that runs
// once a week ("0 8 * * 1") weekly. zone is its CRON_TZ, when it names one.
// ok is false for every other spec (several times a day, @every, ranges).
func FromSpec(spec string) (s model.Schedule, zone string, ok bool) {
	spec = strings.TrimSpace(spec)
	if rest, found := strings.CutPrefix(spec, "CRON_TZ="); found {
		zone, spec, _ = strings.Cut(rest, " ")
		spec = strings.TrimSpace(spec)
	}
	switch spec {
	case "@daily", "@midnight":
		return model.Schedule{Frequency: model.FrequencyDaily}, zone, true
	case "@weekly":
		return model.Schedule{Frequency: model.FrequencyWeekly, Weekday: time.Sunday}, zone, true
	}
	f := strings.Fields(spec)
	if len(f) != 5 || f[2] != "*" || f[3] != "*" {
		return model.Schedule{}, "", false
	}
	minute, err1 := strconv.Atoi(f[0])
	hour, err2 := strconv.Atoi(f[1])
	if err1 != nil || err2 != nil || minute < 0 || minute > 59 || hour < 0 || hour > 23 {
		return model.Schedule{}, "", false
	}
	s = model.Schedule{Frequency: model.FrequencyDaily, DeliverAt: hour*60 + minute}
	if f[4] == "*" || f[4] == "?" {
		return s, zone, true
	}
	day, ok := weekday(f[4])
	if !ok {
		return model.Schedule{}, "", false
	}
	s.Frequency, s.Weekday = model.FrequencyWeekly, day
	return s, zone, true
}

var dayNames = []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// weekday reads one cron day-of-week: 0–7 (both 0 and 7 are Sunday) or a
// three-letter name.
func weekday(f string) (time.Weekday, bool) {
	if n, err := strconv.Atoi(f); err == nil && n >= 0 && n <= 7 {
		return time.Weekday(n % 7), true
	}
	for i, name := range dayNames {
		if strings.EqualFold(f, name) {
			return time.Weekday(i), true
		}
	}
	return 0, false
}

// ParseWeekday reads a day as people write it: "mon", "Monday", "1".
func ParseWeekday(s string) (time.Weekday, bool) {
	s = strings.TrimSpace(s)
	if len(s) >= 3 {
		for i, name := range dayNames {
			if strings.EqualFold(s[:3], name) && strings.HasPrefix(strings.ToLower(time.Weekday(i).String()), strings.ToLower(s)) {
				return time.Weekday(i), true
			}
		}
	}
	return weekday(s)
}

// DayName writes a day as ParseWeekday reads it and forms post it: "mon".
func DayName(d time.Weekday) string { return dayNames[d%7] }

// Describe says a subscription's schedule in words, for lists and logs:
// "daily at 07:00", "weekly on Friday at 18:00, strongest only".
func Describe(s model.Schedule) string {
	var out string
	switch s.Frequency {
	case model.FrequencyTopic:
		out = "the topic's schedule"
	case model.FrequencyInstant:
		out = "instant"
	case model.FrequencyDaily:
		out = "daily at " + Clock(s.DeliverAt)
	case model.FrequencyWeekly:
		out = "weekly on " + s.Weekday.String() + " at " + Clock(s.DeliverAt)
	default:
		out = s.Frequency
	}
	if s.BestOnly {
		out += ", strongest only"
	}
	return out
}

// ParseClock reads "HH:MM" as minutes after midnight.
func ParseClock(s string) (int, bool) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok || len(m) != 2 || len(h) == 0 || len(h) > 2 {
		return 0, false
	}
	hour, err1 := strconv.Atoi(h)
	minute, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hour < 0 || hour > 23 || minute < 0 || minute > 59 {
		return 0, false
	}
	return hour*60 + minute, true
}

// Clock writes minutes after midnight as "HH:MM".
func Clock(minutes int) string {
	return strconv.Itoa(minutes/60/10) + strconv.Itoa(minutes/60%10) + ":" + strconv.Itoa(minutes%60/10) + strconv.Itoa(minutes%10)
}

// cronParser reads specs as the daemon does (internal/daemon).
var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// Delivery is what decides when a subscription's mails go out.
type Delivery struct {
	Schedule model.Schedule
	// Zone is the subscriber's IANA zone; empty: Local.
	Zone string
	// TopicSpec is the topic's cron spec, followed when the schedule's
	// frequency is the topic's.
	TopicSpec string
	// Local is the server's zone, in which specs without CRON_TZ run;
	// nil: time.Local.
	Local *time.Location
}

// Effective returns the schedule d follows and the zone of its times. A
// subscription that follows its topic takes the topic's spec as daily or
// weekly (FromSpec) in the subscriber's zone, else the spec's CRON_TZ, else
// Local. ok is false when the spec is neither: its cron times are then
// followed as they are (NextDelivery).
func (d Delivery) Effective() (s model.Schedule, loc *time.Location, ok bool) {
	local := d.Local
	if local == nil {
		local = time.Local
	}
	loc = local
	if d.Zone != "" {
		if l, err := time.LoadLocation(d.Zone); err == nil {
			loc = l
		}
	}
	if d.Schedule.Frequency != model.FrequencyTopic {
		return d.Schedule, loc, true
	}
	fs, zone, ok := FromSpec(d.TopicSpec)
	if !ok {
		return model.Schedule{}, local, false
	}
	fs.BestOnly = d.Schedule.BestOnly
	if d.Zone == "" && zone != "" {
		if l, err := time.LoadLocation(zone); err == nil {
			loc = l
		}
	}
	return fs, loc, true
}

// NextDelivery returns d's first scheduled delivery after after; the zero
// time for instant subscriptions and for specs that never run again.
func (d Delivery) NextDelivery(after time.Time) time.Time {
	s, loc, ok := d.Effective()
	if ok {
		return Next(s, loc, after)
	}
	sched, err := cronParser.Parse(d.TopicSpec)
	if err != nil {
		return time.Time{}
	}
	next := sched.Next(after.In(loc))
	// A time the clocks go back over comes twice; cron runs at both.
	// When the first is already behind, so is this delivery.
	if first := firstAt(next); !next.IsZero() && !first.Equal(next) && !first.After(after) {
		next = sched.Next(next)
	}
	return next
}
