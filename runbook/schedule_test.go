package runbook

import (
	"strings"
	"testing"
	"time"
)

// TestSchedule_Interval: the time between the first two runs after at.
func TestSchedule_Interval(t *testing.T) {
	cases := map[string]struct {
		schedule, tz string
		at           time.Time
		want         time.Duration
	}{
		"daily":                {"0 2 * * *", "", testNow, 24 * time.Hour},
		"every 15 minutes":     {"*/15 * * * *", "", testNow, 15 * time.Minute},
		"hourly at :30":        {"30 * * * *", "", testNow, time.Hour},
		"weekdays at 02:00":    {"0 2 * * 1-5", "", time.Date(2025, 3, 13, 12, 0, 0, 0, time.UTC), 72 * time.Hour}, // Thu: Fri, then Mon
		"twice a day":          {"0 2,14 * * *", "", testNow, 12 * time.Hour},
		"@daily":               {"@daily", "", testNow, 24 * time.Hour},
		"@midnight":            {"@midnight", "", testNow, 24 * time.Hour},
		"@hourly":              {"@hourly", "", testNow, time.Hour},
		"@weekly":              {"@weekly", "", testNow, 7 * 24 * time.Hour},
		"@weekly in a zone":    {"@weekly", "Europe/Berlin", testNow, 7 * 24 * time.Hour},
		"monthly in February":  {"@monthly", "", time.Date(2025, 1, 15, 0, 0, 0, 0, time.UTC), 28 * 24 * time.Hour},
		"surrounding spaces":   {"  0 2 * * *\n", "", testNow, 24 * time.Hour},
		"time zone field":      {"0 2 * * *", "America/New_York", testNow, 24 * time.Hour},
		"CRON_TZ prefix":       {"CRON_TZ=Asia/Tokyo 0 2 * * *", "", testNow, 24 * time.Hour},
		"CRON_TZ beats the tz": {"CRON_TZ=UTC 0 2 * * *", "Not/AZone", testNow, 24 * time.Hour},
		"TZ prefix":            {"TZ=UTC */10 * * * *", "", testNow, 10 * time.Minute},
		// 2025-03-30: Berlin moves from +01:00 to +02:00 at 02:00, so the
		// run of 03:00 on the 30th comes 23h after that of the 29th.
		"across a DST change": {"0 3 * * *", "Europe/Berlin", time.Date(2025, 3, 28, 12, 0, 0, 0, time.UTC), 23 * time.Hour},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := scheduleInterval(tc.schedule, tc.tz, tc.at)
			if err != nil {
				t.Fatalf("scheduleInterval(%q, %q): %v", tc.schedule, tc.tz, err)
			}
			if got != tc.want {
				t.Errorf("scheduleInterval(%q, %q) = %s, want %s", tc.schedule, tc.tz, got, tc.want)
			}
		})
	}
}

// TestSchedule_Errors: schedules that cannot be read or never run are
// errors naming the schedule.
func TestSchedule_Errors(t *testing.T) {
	cases := map[string]struct {
		schedule, tz string
		want         string
	}{
		"words":            {"not a cron", "", `cannot read the rotation CronJob's schedule "not a cron"`},
		"minute 61":        {"61 * * * *", "", `cannot read the rotation CronJob's schedule "61 * * * *"`},
		"hour 24":          {"0 24 * * *", "", `schedule "0 24 * * *"`},
		"six fields":       {"0 0 2 * * *", "", `schedule "0 0 2 * * *"`},
		"empty":            {"", "", `schedule ""`},
		"unknown zone":     {"0 2 * * *", "Mars/Olympus", `schedule "0 2 * * *"`},
		"unknown CRON_TZ":  {"CRON_TZ=Mars/Olympus 0 2 * * *", "", `schedule "CRON_TZ=Mars/Olympus 0 2 * * *"`},
		"unknown at-word":  {"@fortnightly", "", `schedule "@fortnightly"`},
		"never runs":       {"0 0 30 2 *", "", `the rotation CronJob's schedule "0 0 30 2 *" never runs`},
		"31st of February": {"0 0 31 2 *", "", `schedule "0 0 31 2 *" never runs`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			d, err := scheduleInterval(tc.schedule, tc.tz, testNow)
			if err == nil {
				t.Fatalf("scheduleInterval(%q, %q) = %s, want an error", tc.schedule, tc.tz, d)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q, want it to contain %q", err, tc.want)
			}
		})
	}
}
