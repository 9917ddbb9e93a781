package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/config"
	"github.com/oss-ai-agent-tool/kubectl-rotation/runbook"
)

// TestNextFailure: the overview's first key fact says the earliest failure
// foreseen in a few words and how soon, unknown (and what) when nothing is
// foreseen but a forecast could not be told, none only when all could.
func TestNextFailure(t *testing.T) {
	now := time.Date(2026, 11, 27, 0, 31, 8, 0, time.UTC)
	at := func(d time.Duration) *time.Time { x := now.Add(d); return &x }
	run := runbook.RunForecast{At: at(88*time.Minute + 52*time.Second), Deadline: collectors.Duration(10 * time.Minute)}
	for name, tc := range map[string]struct {
		f           runbook.Forecast
		full, short string
	}{
		"a run overruns its deadline": {runbook.Forecast{NextRun: run, Unknown: []string{"token ceiling: not read"},
			Next: &runbook.ForecastItem{Kind: runbook.ForecastRunDeadline, At: at(98*time.Minute + 52*time.Second)}},
			"02:00Z rotation exceeds its 10m deadline (in 1h28m) · cannot tell: token ceiling", "02:00Z rotation overruns 10m (in 1h28m) (+1 unknown)"},
		"a run in two days": {runbook.Forecast{NextRun: runbook.RunForecast{At: at(50 * time.Hour), Deadline: collectors.Duration(time.Hour)},
			Next: &runbook.ForecastItem{Kind: runbook.ForecastRunDeadline, At: at(51 * time.Hour)}},
			"11-29 02:31Z rotation exceeds its 1h00m deadline (in 2d)", "11-29 02:31Z rotation overruns 1h00m (in 2d)"},
		"the token's max TTL": {runbook.Forecast{Next: &runbook.ForecastItem{Kind: runbook.ForecastTokenCeiling, At: at(3 * time.Hour)}},
			"orchestrator token reaches its max TTL (no renewal past it) (in 3h00m)", "token reaches its max TTL (in 3h00m)"},
		"a tenant reportable": {runbook.Forecast{Next: &runbook.ForecastItem{Kind: runbook.ForecastTenantReportable, Tenant: "t-001", At: at(7 * 24 * time.Hour)}},
			"tenant t-001 becomes reportable to compliance (in 7d)", "t-001 reportable to compliance (in 7d)"},
		"cannot tell": {runbook.Forecast{Unknown: []string{"token ceiling: x", "next rotation run: y"}},
			"unknown — cannot tell: token ceiling, next rotation run", "unknown (2 forecast(s) cannot be told)"},
		"none": {runbook.Forecast{}, "none foreseen", "none foreseen"},
	} {
		t.Run(name, func(t *testing.T) {
			st := &state{styles: DefaultStyles(true), opts: Options{Config: config.Default()},
				judged: &judged{judgedAt: now, forecast: tc.f}}
			full, short := nextFailure(st)
			if full != tc.full || short != tc.short {
				t.Errorf("got\n  %q\n  %q\nwant\n  %q\n  %q", full, short, tc.full, tc.short)
			}
			// in the overview: one line when it fits, else wrapped, never
			// wider than the screen nor cut
			rows := [][2]string{{"operator token TTL", "x"}}
			for _, w := range []int{30, 60, 80} {
				for _, roomy := range []bool{false, true} {
					got := nextFailureLine(st, rows, w, roomy)
					for _, l := range strings.Split(got, "\n") {
						if ansi.StringWidth(l) > w || strings.Contains(l, "…") {
							t.Errorf("at %d (roomy %v) the line %q is cut or too wide:\n%s", w, roomy, l, got)
						}
					}
					want := tc.short
					if roomy {
						want = tc.full
					}
					if flat := strings.Join(strings.Fields(got), " "); !strings.Contains(flat, want) && !strings.Contains(flat, tc.full) {
						t.Errorf("at %d (roomy %v): %q lacks %q", w, roomy, flat, want)
					}
				}
			}
		})
	}
}
