package schedule

import "testing"

func TestCheck(t *testing.T) {
	for _, ok := range []string{"0 7 * * *", "CRON_TZ=Europe/Moscow 0 7 * * 1-5", "@every 15m", "@daily", "*/5 * * * *"} {
		if err := Check(ok); err != nil {
			t.Errorf("Check(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"", "0 7 * *", "@every soon", "@every -1m", "CRON_TZ=Nowhere/City 0 7 * * *", "CRON_TZ=UTC", "0 7 * * * *", "0 7 $ * *", "@sometimes"} {
		if err := Check(bad); err == nil {
			t.Errorf("Check(%q) succeeded", bad)
		}
	}
}
