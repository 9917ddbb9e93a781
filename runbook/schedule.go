package runbook

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// errNeverRuns is a schedule with no run time.
var errNeverRuns = errors.New("never runs")

// cronParser reads CronJob schedules as Kubernetes does: five fields and
// the @daily-style descriptors.
var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// scheduleInterval is the time between the first two runs of schedule after
// at, in the CronJob's time zone (UTC when empty). It returns an error naming
// the schedule when it cannot be parsed.
func scheduleInterval(schedule, tz string, at time.Time) (time.Duration, error) {
	spec := strings.TrimSpace(schedule)
	if tz != "" && !strings.HasPrefix(spec, "CRON_TZ=") && !strings.HasPrefix(spec, "TZ=") {
		spec = "CRON_TZ=" + tz + " " + spec
	}
	sched, err := cronParser.Parse(spec)
	if err != nil {
		return 0, fmt.Errorf("cannot read the rotation CronJob's schedule %q: %v", schedule, err)
	}
	first := sched.Next(at)
	second := sched.Next(first)
	if first.IsZero() || second.IsZero() {
		return 0, fmt.Errorf("the rotation CronJob's schedule %q %w", schedule, errNeverRuns)
	}
	return second.Sub(first), nil
}

// missedRuns counts the schedule's run times after since and up to now
// (at most limit), and returns an error when the schedule cannot be read.
func missedRuns(schedule, tz string, since, now time.Time, limit int) (int, error) {
	spec := strings.TrimSpace(schedule)
	if tz != "" && !strings.HasPrefix(spec, "CRON_TZ=") && !strings.HasPrefix(spec, "TZ=") {
		spec = "CRON_TZ=" + tz + " " + spec
	}
	sched, err := cronParser.Parse(spec)
	if err != nil {
		return 0, fmt.Errorf("cannot read the schedule %q: %v", schedule, err)
	}
	n := 0
	for at := sched.Next(since); !at.IsZero() && !at.After(now) && n < limit; at = sched.Next(at) {
		n++
	}
	return n, nil
}

// neverRuns reports whether schedule parses but has no run time after at
// (a date that does not exist, "0 2 30 2 *"): the CronJob makes no run,
// as a suspended one.
func neverRuns(schedule, tz string, at time.Time) bool {
	_, err := scheduleInterval(schedule, tz, at)
	return errors.Is(err, errNeverRuns)
}
