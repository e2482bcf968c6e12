package schedule

import (
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/model"
)

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestNext(t *testing.T) {
	berlin := mustZone(t, "Europe/Berlin")
	ny := mustZone(t, "America/New_York")
	daily := func(hh, mm int) model.Schedule {
		return model.Schedule{Frequency: model.FrequencyDaily, DeliverAt: hh*60 + mm}
	}
	weekly := func(d time.Weekday, hh, mm int) model.Schedule {
		return model.Schedule{Frequency: model.FrequencyWeekly, Weekday: d, DeliverAt: hh*60 + mm}
	}
	in := func(loc *time.Location, s string) time.Time {
		t.Helper()
		v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	utc := func(s string) time.Time { return in(time.UTC, s) }
	for _, tc := range []struct {
		name  string
		s     model.Schedule
		loc   *time.Location
		after time.Time
		want  time.Time
	}{
		{"later today", daily(7, 0), berlin, in(berlin, "2026-06-01 06:00"), in(berlin, "2026-06-01 07:00")},
		{"at the time: tomorrow", daily(7, 0), berlin, in(berlin, "2026-06-01 07:00"), in(berlin, "2026-06-02 07:00")},
		{"after the time: tomorrow", daily(7, 0), berlin, in(berlin, "2026-06-01 07:01"), in(berlin, "2026-06-02 07:00")},
		{"zone not UTC", daily(7, 0), ny, utc("2026-06-01 10:00"), utc("2026-06-01 11:00")},
		{"midnight", daily(0, 0), time.UTC, utc("2026-06-01 23:59"), utc("2026-06-02 00:00")},
		{"nil zone is UTC", daily(7, 30), nil, utc("2026-06-01 07:00"), utc("2026-06-01 07:30")},
		// Europe/Berlin goes forward at 02:00 on 2026-03-29 and back at
		// 03:00 on 2026-10-25.
		{"spring: before the change", daily(7, 0), berlin, in(berlin, "2026-03-28 07:00"), utc("2026-03-29 05:00")},
		{"spring: skipped time comes an hour later by the clock", daily(2, 30), berlin, in(berlin, "2026-03-28 02:30"), utc("2026-03-29 01:30")},
		{"spring: the day after", daily(2, 30), berlin, utc("2026-03-29 01:30"), utc("2026-03-30 00:30")},
		{"autumn: the repeated time once", daily(2, 30), berlin, in(berlin, "2026-10-24 02:30"), utc("2026-10-25 00:30")},
		{"autumn: not again an hour later", daily(2, 30), berlin, utc("2026-10-25 00:30"), utc("2026-10-26 01:30")},
		{"autumn: 07:00 keeps the wall clock", daily(7, 0), berlin, in(berlin, "2026-10-24 07:00"), utc("2026-10-25 06:00")},
		{"weekly later this week", weekly(time.Friday, 8, 0), berlin, in(berlin, "2026-06-01 09:00"), in(berlin, "2026-06-05 08:00")},
		{"weekly today, later", weekly(time.Monday, 8, 0), berlin, in(berlin, "2026-06-01 07:00"), in(berlin, "2026-06-01 08:00")},
		{"weekly today, past: next week", weekly(time.Monday, 8, 0), berlin, in(berlin, "2026-06-01 08:00"), in(berlin, "2026-06-08 08:00")},
		{"weekly over the autumn change", weekly(time.Sunday, 2, 30), berlin, in(berlin, "2026-10-18 02:30"), utc("2026-10-25 00:30")},
		{"instant has no time", model.Schedule{Frequency: model.FrequencyInstant}, berlin, utc("2026-06-01 00:00"), time.Time{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Next(tc.s, tc.loc, tc.after); !got.Equal(tc.want) {
				t.Errorf("Next(%+v, %v) = %v, want %v", tc.s, tc.after, got, tc.want)
			}
		})
	}
}

// TestNextOnceADayAcrossChanges walks a year of daily deliveries in zones
// with clock changes, each from the previous one, and finds one per date.
func TestNextOnceADayAcrossChanges(t *testing.T) {
	for _, zone := range []string{"Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "UTC"} {
		loc := mustZone(t, zone)
		for _, at := range []int{0, 90, 120, 150, 179, 180, 7 * 60, 23*60 + 59} {
			s := model.Schedule{Frequency: model.FrequencyDaily, DeliverAt: at}
			prev := time.Date(2026, 1, 1, 0, 0, 0, 0, loc)
			var lastDate time.Time
			for i := 0; i < 366; i++ {
				next := Next(s, loc, prev)
				if !next.After(prev) {
					t.Fatalf("%s %s: Next(%v) = %v, not later", zone, Clock(at), prev, next)
				}
				y, m, d := next.In(loc).Date()
				date := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
				if !lastDate.IsZero() && date.Sub(lastDate) != 24*time.Hour {
					t.Fatalf("%s %s: delivery on %v after one on %v: a day skipped or doubled", zone, Clock(at), date, lastDate)
				}
				lastDate, prev = date, next
			}
		}
	}
}

func TestFromSpec(t *testing.T) {
	for _, tc := range []struct {
		spec string
		want model.Schedule
		zone string
		ok   bool
	}{
		{"0 7 * * *", model.Schedule{Frequency: model.FrequencyDaily, DeliverAt: 420}, "", true},
		{"30 18 * * *", model.Schedule{Frequency: model.FrequencyDaily, DeliverAt: 18*60 + 30}, "", true},
		{"CRON_TZ=Europe/Moscow 0 9 * * *", model.Schedule{Frequency: model.FrequencyDaily, DeliverAt: 540}, "Europe/Moscow", true},
		{"0 8 * * 1", model.Schedule{Frequency: model.FrequencyWeekly, DeliverAt: 480, Weekday: time.Monday}, "", true},
		{"0 8 * * 7", model.Schedule{Frequency: model.FrequencyWeekly, DeliverAt: 480, Weekday: time.Sunday}, "", true},
		{"0 8 * * fri", model.Schedule{Frequency: model.FrequencyWeekly, DeliverAt: 480, Weekday: time.Friday}, "", true},
		{"@daily", model.Schedule{Frequency: model.FrequencyDaily}, "", true},
		{"@weekly", model.Schedule{Frequency: model.FrequencyWeekly}, "", true},
		{"0 7,19 * * *", model.Schedule{}, "", false},
		{"0 7 * * 1-5", model.Schedule{}, "", false},
		{"0 7 1 * *", model.Schedule{}, "", false},
		{"@every 12h", model.Schedule{}, "", false},
		{"*/5 * * * *", model.Schedule{}, "", false},
	} {
		got, zone, ok := FromSpec(tc.spec)
		if got != tc.want || zone != tc.zone || ok != tc.ok {
			t.Errorf("FromSpec(%q) = %+v, %q, %v; want %+v, %q, %v", tc.spec, got, zone, ok, tc.want, tc.zone, tc.ok)
		}
	}
}

func TestClockAndWeekday(t *testing.T) {
	for _, s := range []string{"00:00", "07:05", "23:59"} {
		m, ok := ParseClock(s)
		if !ok || Clock(m) != s {
			t.Errorf("ParseClock(%q) = %d, %v; Clock back = %q", s, m, ok, Clock(m))
		}
	}
	for _, bad := range []string{"", "7", "24:00", "07:60", "7:5", "07:05:00", "aa:bb"} {
		if _, ok := ParseClock(bad); ok {
			t.Errorf("ParseClock(%q) accepted", bad)
		}
	}
	for in, want := range map[string]time.Weekday{"mon": time.Monday, "Monday": time.Monday, "SUN": time.Sunday, "5": time.Friday, "7": time.Sunday, "thurs": time.Thursday} {
		if got, ok := ParseWeekday(in); !ok || got != want {
			t.Errorf("ParseWeekday(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
	for _, bad := range []string{"", "mo", "funday", "8", "monkey"} {
		if _, ok := ParseWeekday(bad); ok {
			t.Errorf("ParseWeekday(%q) accepted", bad)
		}
	}
	for d := time.Sunday; d <= time.Saturday; d++ {
		if back, ok := ParseWeekday(DayName(d)); !ok || back != d {
			t.Errorf("DayName(%v) = %q reads back as %v", d, DayName(d), back)
		}
	}
}

func TestDescribe(t *testing.T) {
	for _, tc := range []struct {
		s    model.Schedule
		want string
	}{
		{model.Schedule{}, "the topic's schedule"},
		{model.Schedule{Frequency: model.FrequencyInstant, BestOnly: true}, "instant, strongest only"},
		{model.Schedule{Frequency: model.FrequencyDaily, DeliverAt: 7*60 + 30}, "daily at 07:30"},
		{model.Schedule{Frequency: model.FrequencyWeekly, DeliverAt: 18 * 60, Weekday: time.Friday}, "weekly on Friday at 18:00"},
	} {
		if got := Describe(tc.s); got != tc.want {
			t.Errorf("Describe(%+v) = %q, want %q", tc.s, got, tc.want)
		}
	}
}

func TestDeliveryFollowsTopic(t *testing.T) {
	berlin := mustZone(t, "Europe/Berlin")
	moscow := mustZone(t, "Europe/Moscow")
	after := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		d    Delivery
		want time.Time
	}{
		{"topic daily in the subscriber's zone", Delivery{Zone: "Europe/Berlin", TopicSpec: "0 7 * * *", Local: time.UTC},
			time.Date(2026, 6, 1, 7, 0, 0, 0, berlin)},
		{"topic daily without a zone: local", Delivery{TopicSpec: "0 7 * * *", Local: moscow},
			time.Date(2026, 6, 1, 7, 0, 0, 0, moscow)},
		{"topic's CRON_TZ without a subscriber zone", Delivery{TopicSpec: "CRON_TZ=Europe/Berlin 0 7 * * *", Local: moscow},
			time.Date(2026, 6, 1, 7, 0, 0, 0, berlin)},
		{"subscriber's zone wins over CRON_TZ", Delivery{Zone: "Europe/Moscow", TopicSpec: "CRON_TZ=Europe/Berlin 0 7 * * *"},
			time.Date(2026, 6, 1, 7, 0, 0, 0, moscow)},
		{"own schedule", Delivery{Schedule: model.Schedule{Frequency: model.FrequencyWeekly, Weekday: time.Wednesday, DeliverAt: 9 * 60},
			Zone: "Europe/Berlin", TopicSpec: "0 7 * * *"}, time.Date(2026, 6, 3, 9, 0, 0, 0, berlin)},
		{"topic spec twice a day is followed as cron", Delivery{TopicSpec: "0 7,19 * * *", Local: time.UTC},
			time.Date(2026, 6, 1, 7, 0, 0, 0, time.UTC)},
		{"instant", Delivery{Schedule: model.Schedule{Frequency: model.FrequencyInstant}}, time.Time{}},
	} {
		if got := tc.d.NextDelivery(after); !got.Equal(tc.want) {
			t.Errorf("%s: NextDelivery = %v, want %v", tc.name, got, tc.want)
		}
	}
	// A cron spec followed as it is still delivers once on the night the
	// clocks go back over its time.
	d := Delivery{TopicSpec: "30 2,14 * * *", Local: berlin}
	first := d.NextDelivery(time.Date(2026, 10, 24, 15, 0, 0, 0, berlin))
	second := d.NextDelivery(first)
	if first.In(berlin).Hour() != 2 || second.In(berlin).Hour() != 14 || second.In(berlin).Day() != 25 {
		t.Errorf("over the autumn change: %v then %v, want 02:30 then 14:30 on the 25th", first.In(berlin), second.In(berlin))
	}
}
