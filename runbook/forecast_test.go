package runbook

import (
	"strings"
	"testing"
	"time"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
)

func TestTokenCeilingAt(t *testing.T) {
	at := func(d time.Duration) *time.Time { x := testNow.Add(d); return &x }
	cases := map[string]struct {
		tok     *collectors.TokenInfo
		at      *time.Time
		past    bool
		unknown string
		summary string
	}{
		"no token":     {tok: nil, unknown: "not found"},
		"not read":     {tok: &collectors.TokenInfo{}, unknown: "max TTL was not read"},
		"note":         {tok: &collectors.TokenInfo{CeilingNote: "role not readable"}, unknown: "role not readable"},
		"periodic":     {tok: &collectors.TokenInfo{Period: collectors.Duration(time.Hour)}, summary: "periodic"},
		"in 3h":        {tok: &collectors.TokenInfo{CeilingAt: at(3 * time.Hour), MaxTTL: collectors.Duration(24 * time.Hour), MaxTTLSource: "token_max_ttl 24h"}, at: at(3 * time.Hour), summary: "reaches its max TTL 24h00m (token_max_ttl 24h) 2025-03-12 15:00 UTC (in 3h00m)"},
		"passed":       {tok: &collectors.TokenInfo{CeilingAt: at(-time.Hour), MaxTTL: collectors.Duration(2 * time.Hour)}, at: at(-time.Hour), past: true, summary: "reached its max TTL"},
		"exactly now":  {tok: &collectors.TokenInfo{CeilingAt: at(0), MaxTTL: collectors.Duration(2 * time.Hour)}, at: at(0), past: true},
		"source blank": {tok: &collectors.TokenInfo{CeilingAt: at(time.Minute)}, at: at(time.Minute), summary: "source unknown"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := TokenCeilingAt(testNow, tc.tok)
			if got.Kind != ForecastTokenCeiling {
				t.Errorf("kind %q", got.Kind)
			}
			if (got.At == nil) != (tc.at == nil) || (got.At != nil && !got.At.Equal(*tc.at)) || got.Past != tc.past {
				t.Errorf("at %v past %v; want %v %v", got.At, got.Past, tc.at, tc.past)
			}
			if tc.unknown == "" && got.Unknown != "" || !strings.Contains(got.Unknown, tc.unknown) {
				t.Errorf("unknown %q; want %q", got.Unknown, tc.unknown)
			}
			if !strings.Contains(got.Summary, tc.summary) {
				t.Errorf("summary %q; want it to hold %q", got.Summary, tc.summary)
			}
		})
	}
}

func TestRunNeeds(t *testing.T) {
	cases := map[string]struct {
		per      time.Duration
		tenants  int
		deadline time.Duration
		need     time.Duration
		fits     bool
	}{
		"fits":          {per: 5 * time.Second, tenants: 48, deadline: 10 * time.Minute, need: 4 * time.Minute, fits: true},
		"exactly":       {per: 5 * time.Second, tenants: 120, deadline: 10 * time.Minute, need: 10 * time.Minute, fits: true},
		"one more":      {per: 5 * time.Second, tenants: 121, deadline: 10 * time.Minute, need: 605 * time.Second, fits: false},
		"more tenants":  {per: 12500 * time.Millisecond, tenants: 4800, deadline: 1800 * time.Second, need: 60000 * time.Second, fits: false},
		"no deadline":   {per: time.Minute, tenants: 1000, deadline: 0, need: 1000 * time.Minute, fits: true},
		"no tenants":    {per: time.Minute, tenants: 0, deadline: time.Second, need: 0, fits: true},
		"sub-ms pace":   {per: 300 * time.Microsecond, tenants: 10000, deadline: 3 * time.Second, need: 3 * time.Second, fits: true},
		"sub-ms pace ×": {per: 301 * time.Microsecond, tenants: 10000, deadline: 3 * time.Second, need: 3010 * time.Millisecond, fits: false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			need, fits := RunNeeds(tc.per, tc.tenants, tc.deadline)
			if need != tc.need || fits != tc.fits {
				t.Errorf("RunNeeds(%s, %d, %s) = %s, %v; want %s, %v", tc.per, tc.tenants, tc.deadline, need, fits, tc.need, tc.fits)
			}
		})
	}
}

func TestTenantDue(t *testing.T) {
	day := 24 * time.Hour
	last := time.Date(2025, 3, 1, 2, 0, 30, 0, time.UTC)
	cases := map[string]struct {
		interval         time.Duration
		days             int
		overdue, reports time.Time
	}{
		"daily, 7 days":  {interval: day, days: 7, overdue: last.Add(day), reports: last.Add(8 * day)},
		"weekly, 7 days": {interval: 7 * day, days: 7, overdue: last.Add(7 * day), reports: last.Add(14 * day)},
		"no grace":       {interval: day, days: 0, overdue: last.Add(day), reports: last.Add(day)},
		"90 days, 7":     {interval: 90 * day, days: 7, overdue: last.Add(90 * day), reports: last.Add(97 * day)},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			o, r := TenantDue(last, tc.interval, tc.days)
			if !o.Equal(tc.overdue) || !r.Equal(tc.reports) {
				t.Errorf("TenantDue = %s, %s; want %s, %s", o, r, tc.overdue, tc.reports)
			}
		})
	}
}

// TestBook_Forecast judges made-up snapshots: the next failure is the
// earliest of the token's ceiling, a run that will not fit its deadline and
// a tenant becoming reportable; what cannot be told is unknown, never "no
// failure".
func TestBook_Forecast(t *testing.T) {
	ceilingIn := func(d time.Duration) snapOpt {
		return func(s *collectors.Snapshot) {
			c := testNow.Add(d)
			s.Vault.OrchestratorToken.CeilingAt, s.Vault.OrchestratorToken.MaxTTL, s.Vault.OrchestratorToken.MaxTTLSource = &c, collectors.Duration(24*time.Hour), "token_max_ttl 24h"
		}
	}
	ttlOf := func(ttl, period time.Duration) snapOpt {
		return func(s *collectors.Snapshot) {
			s.CollectedAt = testNow
			s.Vault.OrchestratorToken.TTL, s.Vault.OrchestratorToken.Period = collectors.Duration(ttl), collectors.Duration(period)
		}
	}
	// the healthy run: 10 tenants in 5 minutes (30s each), deadline 10m
	moreTenants := func(n int) snapOpt {
		return func(s *collectors.Snapshot) {
			for len(s.Vault.Tenants) < n {
				tn := s.Vault.Tenants[0]
				tn.ID = tn.ID + "x" + strings.Repeat("y", len(s.Vault.Tenants))
				tn.CurrentCreated = before(2 * 24 * time.Hour) // not reached by the last run
				s.Vault.Tenants = append(s.Vault.Tenants, tn)
			}
		}
	}
	// stuckJob adds a running rotation Job made an hour ago whose pods
	// never started, with the deadline given, under concurrencyPolicy Forbid
	stuckJob := func(deadline time.Duration) snapOpt {
		return func(s *collectors.Snapshot) {
			cj := &s.Kubernetes.CronJobs[0]
			cj.ConcurrencyPolicy, cj.Active = "Forbid", 1
			d := int64(deadline.Seconds())
			s.Kubernetes.Jobs = append([]collectors.Job{{Name: "cmek-rotation-stuck", CronJob: cj.Name, Role: collectors.RoleRotation, Outcome: collectors.OutcomeRunning,
				Created: *before(time.Hour), Started: before(time.Hour), ActiveDeadlineSeconds: &d}}, s.Kubernetes.Jobs...)
		}
	}
	cases := map[string]struct {
		opts     []snapOpt
		nextKind string
		nextAt   time.Time
		fits     *bool
		unknown  string // held by one of Unknown
	}{
		"healthy: first tenant reportable": {
			nextKind: ForecastTenantReportable,
			// t01's last success is 10h-20s ago (its version a second before): +1 day interval +7 days
			nextAt: testNow.Add(-10*time.Hour + 20*time.Second).Add(8 * 24 * time.Hour),
			fits:   ptr(true), unknown: "token ceiling",
		},
		"ceiling in 3h comes first": {opts: []snapOpt{ceilingIn(3 * time.Hour)}, nextKind: ForecastTokenCeiling, nextAt: testNow.Add(3 * time.Hour), fits: ptr(true)},
		"token TTL 20m, under the warning threshold: its expiry is next": {opts: []snapOpt{ttlOf(20*time.Minute, 0), ceilingIn(3 * time.Hour)},
			nextKind: ForecastTokenExpiry, nextAt: testNow.Add(20 * time.Minute), fits: ptr(true)},
		"periodic token 1h at TTL 50m: renewal keeps it up, no expiry foreseen": {opts: []snapOpt{ttlOf(50*time.Minute, time.Hour)}, nextKind: ForecastTenantReportable,
			nextAt: testNow.Add(-10*time.Hour + 20*time.Second).Add(8 * 24 * time.Hour), fits: ptr(true)},
		"periodic token 1h at TTL 10m: under a quarter of its period, it expires": {opts: []snapOpt{ttlOf(10*time.Minute, time.Hour)},
			nextKind: ForecastTokenExpiry, nextAt: testNow.Add(10 * time.Minute), fits: ptr(true)},
		"ceiling passed is not next": {opts: []snapOpt{ceilingIn(-time.Hour)}, nextKind: ForecastTenantReportable,
			nextAt: testNow.Add(-10*time.Hour + 20*time.Second).Add(8 * 24 * time.Hour), fits: ptr(true)},
		"25 tenants do not fit 10m at 30s each": {opts: []snapOpt{ceilingIn(30 * 24 * time.Hour), moreTenants(25)}, nextKind: ForecastRunDeadline,
			// next run 2025-03-13 02:00, killed at 02:10
			nextAt: time.Date(2025, 3, 13, 2, 10, 0, 0, time.UTC), fits: ptr(false)},
		// a Job whose pods cannot run, under Forbid, past the next run
		"Forbid and a Job still running past the next run: it is skipped": {opts: []snapOpt{ceilingIn(30 * 24 * time.Hour), stuckJob(48 * time.Hour)},
			nextKind: ForecastRunSkipped, nextAt: time.Date(2025, 3, 13, 2, 0, 0, 0, time.UTC)},
		"Forbid and a running Job its deadline ends first: not skipped": {opts: []snapOpt{ceilingIn(30 * 24 * time.Hour), stuckJob(10 * time.Minute)},
			nextKind: ForecastTenantReportable, nextAt: testNow.Add(-10*time.Hour + 20*time.Second).Add(8 * 24 * time.Hour), fits: ptr(true)},
		"no deadline fits": {opts: []snapOpt{moreTenants(25), func(s *collectors.Snapshot) { s.Kubernetes.CronJobs[0].ActiveDeadlineSeconds = nil }},
			nextKind: ForecastTenantReportable, nextAt: testNow.Add(-2 * 24 * time.Hour).Add(8 * 24 * time.Hour), fits: ptr(true)},
		"vault down: tenants from the audit log, ceiling unknown": {opts: []snapOpt{broken(collectors.SourceVault)},
			nextKind: ForecastTenantReportable, nextAt: testNow.Add(-10*time.Hour + 20*time.Second).Add(8 * 24 * time.Hour), fits: ptr(true), unknown: "token ceiling"},
		// the interval comes from the CronJob's schedule: no tenant can be dated
		"kubernetes down: run and due dates unknown": {opts: []snapOpt{broken(collectors.SourceKubernetes), ceilingIn(30 * 24 * time.Hour)},
			nextKind: ForecastTokenCeiling, nextAt: testNow.Add(30 * 24 * time.Hour), unknown: "next rotation run"},
		"everything down: nothing foreseen, all unknown": {opts: []snapOpt{broken(collectors.SourceKubernetes), broken(collectors.SourceVault), broken(collectors.SourceLogs)}, unknown: "tenant due dates"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := healthySnapshot(t, tc.opts...)
			f := mustDefault(t).Forecast(s, testNow)
			switch {
			case tc.nextKind == "" && f.Next != nil:
				t.Errorf("next %+v; want none", f.Next)
			case tc.nextKind != "" && f.Next == nil:
				t.Fatalf("no next; want %s at %s (unknown %q)", tc.nextKind, tc.nextAt, f.Unknown)
			case tc.nextKind != "" && (f.Next.Kind != tc.nextKind || !f.Next.At.Equal(tc.nextAt)):
				t.Errorf("next %s at %s (%s); want %s at %s", f.Next.Kind, f.Next.At, f.Next.Summary, tc.nextKind, tc.nextAt)
			}
			if (f.NextRun.Fits == nil) != (tc.fits == nil) || (tc.fits != nil && *f.NextRun.Fits != *tc.fits) {
				t.Errorf("next run fits %v; want %v (%s%s)", f.NextRun.Fits, tc.fits, f.NextRun.Summary, f.NextRun.Unknown)
			}
			if tc.unknown != "" && !strings.Contains(strings.Join(f.Unknown, "|"), tc.unknown) {
				t.Errorf("unknown %q; want one about %q", f.Unknown, tc.unknown)
			}
			if tc.nextKind == "" && len(f.Unknown) == 0 {
				t.Error("nothing foreseen and nothing unknown: missing evidence must be said")
			}
		})
	}
}

// TestReport_Forecast: "next failure expected" is in every format.
func TestReport_Forecast(t *testing.T) {
	c := testNow.Add(3 * time.Hour)
	s := healthySnapshot(t, func(s *collectors.Snapshot) {
		s.Vault.OrchestratorToken.CeilingAt, s.Vault.OrchestratorToken.MaxTTL = &c, collectors.Duration(24*time.Hour)
	})
	r := mustDefault(t).NewReport(s, testNow, "test")
	var txt, md, js strings.Builder
	if err := r.WriteText(&txt); err != nil {
		t.Fatal(err)
	}
	if err := r.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	if err := r.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string][]string{
		txt.String(): {"NEXT FAILURE EXPECTED", "next: the orchestrator's Vault token reaches its max TTL"},
		md.String():  {"## Next failure expected", "**Next:** the orchestrator's Vault token reaches"},
		js.String():  {`"forecast": {`, `"kind": "token-ceiling"`, `"nextRun": {`, `"reportableAt"`},
	} {
		for _, w := range want {
			if !strings.Contains(name, w) {
				t.Errorf("output lacks %q:\n%s", w, name)
			}
		}
	}
}

// TestForecast_KilledRunIsALowerBound: a fast manual run gives a pace, but
// the scheduled run killed at its deadline needed more than it had: a
// deadline just above that is "may fit", never "fits".
func TestForecast_KilledRunIsALowerBound(t *testing.T) {
	for name, tc := range map[string]struct {
		deadline int64
		want     string
		fits     bool
	}{
		"a second above the killed run's": {601, "its deadline 601s is longer, so it may fit", true},
		"the killed run's deadline":       {600, "it will exceed its deadline", false},
	} {
		t.Run(name, func(t *testing.T) {
			s := healthySnapshot(t, func(s *collectors.Snapshot) {
				j := jobOf(t, s, collectors.RoleRotation)
				j.Outcome, j.Reason, j.Finished = collectors.OutcomeFailed, "DeadlineExceeded", before(9*time.Hour+50*time.Minute)
				start := before(time.Hour)
				in := start.Add(500 * time.Millisecond)
				for i, id := range tenantIDs(10) {
					ts := s.Logs.Audit.Tenants[id]
					ts.LastSuccess, ts.LastEvent = &in, &in
					s.Logs.Audit.Tenants[id] = ts
					s.Vault.Tenants[i].CurrentCreated = &in
				}
				s.Kubernetes.Jobs = append([]collectors.Job{{Name: "manual-rotation-1", CronJob: "cmek-rotation", Role: collectors.RoleRotation, Manual: true,
					Outcome: collectors.OutcomeSucceeded, Created: *start, Started: start, Finished: before(time.Hour - 2*time.Second), Succeeded: 1}}, s.Kubernetes.Jobs...)
				cronJobOf(t, s, collectors.RoleRotation).ActiveDeadlineSeconds = ptr(tc.deadline)
			})
			r := mustDefault(t).Forecast(s, testNow).NextRun
			if !strings.Contains(r.Summary, tc.want) || strings.Contains(r.Summary, "fits its deadline") || r.Fits == nil || *r.Fits != tc.fits {
				t.Errorf("next run %q (fits %v), want it to say %q", r.Summary, r.Fits, tc.want)
			}
		})
	}
}
