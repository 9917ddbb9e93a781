package runbook

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors/auditlog"
)

// setLastRotation sets a tenant's newest key version time in Vault and its
// last successful audit event (nil clears it).
func setLastRotation(tb testing.TB, s *collectors.Snapshot, id string, vault, audit *time.Time) {
	tb.Helper()
	found := false
	for i := range s.Vault.Tenants {
		if s.Vault.Tenants[i].ID == id {
			s.Vault.Tenants[i].CurrentCreated, found = vault, true
		}
	}
	ts, ok := s.Logs.Audit.Tenants[id]
	if !found || !ok {
		tb.Fatalf("no tenant %s in the snapshot", id)
	}
	ts.LastSuccess, ts.LastEvent = audit, audit
	s.Logs.Audit.Tenants[id] = ts
}

// TestCompliance_Interval: the policy interval comes from the config when
// set, else from the rotation CronJob's schedule, else it is unknown.
func TestCompliance_Interval(t *testing.T) {
	cases := map[string]struct {
		opt        snapOpt
		interval   time.Duration
		source     string // IntervalSource
		unknownHas string // a text Compliance.Unknown must hold
	}{
		"daily schedule":    {func(*collectors.Snapshot) {}, 24 * time.Hour, `CronJob cmek-rotation schedule "0 2 * * *"`, ""},
		"every 15 minutes":  {func(s *collectors.Snapshot) { cronJobOf(t, s, collectors.RoleRotation).Schedule = "*/15 * * * *" }, 15 * time.Minute, `CronJob cmek-rotation schedule "*/15 * * * *"`, ""},
		"weekly descriptor": {func(s *collectors.Snapshot) { cronJobOf(t, s, collectors.RoleRotation).Schedule = "@weekly" }, 168 * time.Hour, `CronJob cmek-rotation schedule "@weekly"`, ""},
		"daily in a time zone": {func(s *collectors.Snapshot) {
			cj := cronJobOf(t, s, collectors.RoleRotation)
			cj.Schedule, cj.TimeZone = "30 1 * * *", "Asia/Kolkata"
		}, 24 * time.Hour, `CronJob cmek-rotation schedule "30 1 * * *"`, ""},
		"config overrides the schedule": {func(s *collectors.Snapshot) {
			s.Config.Thresholds.RotationInterval = collectors.Duration(72 * time.Hour)
			cronJobOf(t, s, collectors.RoleRotation).Schedule = "*/15 * * * *"
		}, 72 * time.Hour, "config thresholds.rotationInterval", ""},
		"config with the CronJob missing": {func(s *collectors.Snapshot) {
			s.Config.Thresholds.RotationInterval = collectors.Duration(30 * 24 * time.Hour)
			cronJobOf(t, s, collectors.RoleRotation).Found = false
		}, 30 * 24 * time.Hour, "config thresholds.rotationInterval", ""},
		"CronJob missing, no interval configured": {func(s *collectors.Snapshot) {
			cronJobOf(t, s, collectors.RoleRotation).Found = false
		}, 0, "unknown", "set thresholds.rotationInterval in the config"},
		"Kubernetes unreadable, no interval configured": {broken(collectors.SourceKubernetes), 0, "unknown", sourceErrors[collectors.SourceKubernetes]},
		"schedule unreadable": {func(s *collectors.Snapshot) {
			cronJobOf(t, s, collectors.RoleRotation).Schedule = "every night"
		}, 0, "unknown", `cannot read the rotation CronJob's schedule "every night"`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			a := Triage(healthySnapshot(t, tc.opt), testNow)
			c := a.Compliance
			if got := c.Interval.Duration(); got != tc.interval {
				t.Errorf("interval %s, want %s", got, tc.interval)
			}
			if c.IntervalSource != tc.source {
				t.Errorf("interval source %q, want %q", c.IntervalSource, tc.source)
			}
			if got, want := c.OverdueDays, 7; got != want {
				t.Errorf("overdue days %d, want %d", got, want)
			}
			all := strings.Join(c.Unknown, "\n")
			switch {
			case tc.unknownHas == "" && len(c.Unknown) > 0:
				t.Errorf("unknown %q, want none", c.Unknown)
			case tc.unknownHas != "" && !strings.Contains(all, tc.unknownHas):
				t.Errorf("unknown %q, want it to say %q", c.Unknown, tc.unknownHas)
			}
			if tc.unknownHas != "" && !strings.HasPrefix(all, "rotation interval: ") {
				t.Errorf("unknown %q, want it to name the rotation interval", c.Unknown)
			}
			if tc.unknownHas != "" && a.Facts.TenantsOverdue != nil {
				t.Errorf("tenants overdue %d with the interval unknown, want unknown", *a.Facts.TenantsOverdue)
			}
		})
	}
}

// TestCompliance_RotationInterval calls the exported function directly.
func TestCompliance_RotationInterval(t *testing.T) {
	s := healthySnapshot(t)
	d, src, err := RotationInterval(s, testNow)
	if err != nil || d != 24*time.Hour || !strings.Contains(src, "cmek-rotation") {
		t.Errorf("RotationInterval = %s, %q, %v; want 24h from the CronJob", d, src, err)
	}
	cronJobOf(t, s, collectors.RoleRotation).Found = false
	if _, _, err := RotationInterval(s, testNow); err == nil || !strings.Contains(err.Error(), "cmek-rotation not found") {
		t.Errorf("RotationInterval without the CronJob: %v, want an error naming it", err)
	}
}

// TestCompliance_Findings judges one tenant (t01) at a time.
func TestCompliance_Findings(t *testing.T) {
	day := 24 * time.Hour
	limit := 24*time.Hour + 7*day // interval + overdueDays
	cases := map[string]struct {
		opt  snapOpt
		kind string // "" for no finding about t01
		sev  Severity
		last *time.Time // LastRotation of the finding
	}{
		"fresh":                        {func(s *collectors.Snapshot) {}, "", "", nil},
		"overdue":                      {func(s *collectors.Snapshot) { setLastRotation(t, s, "t01", before(limit+time.Minute), nil) }, ComplianceOverdue, SeverityCritical, before(limit + time.Minute)},
		"exactly at the limit":         {func(s *collectors.Snapshot) { setLastRotation(t, s, "t01", before(limit), nil) }, "", "", nil},
		"late but within overdue days": {func(s *collectors.Snapshot) { setLastRotation(t, s, "t01", before(5*day), before(6*day)) }, "", "", nil},
		"audit success newer than Vault": {func(s *collectors.Snapshot) {
			setLastRotation(t, s, "t01", before(20*day), before(2*day))
		}, "", "", nil},
		"Vault newer than audit success": {func(s *collectors.Snapshot) {
			setLastRotation(t, s, "t01", before(2*day), before(20*day))
		}, "", "", nil},
		"both old: the newer is reported": {func(s *collectors.Snapshot) {
			setLastRotation(t, s, "t01", before(20*day), before(9*day))
		}, ComplianceOverdue, SeverityCritical, before(9 * day)},
		"only audit, overdue": {func(s *collectors.Snapshot) {
			setLastRotation(t, s, "t01", nil, before(10*day))
		}, ComplianceOverdue, SeverityCritical, before(10 * day)},
		"never rotated": {func(s *collectors.Snapshot) { setLastRotation(t, s, "t01", nil, nil) }, ComplianceNeverRotated, SeverityWarning, nil},
		"clock skew in Vault": {func(s *collectors.Snapshot) {
			setLastRotation(t, s, "t01", ptr(testNow.Add(10*time.Minute)), before(day))
		}, ComplianceClockSkew, SeverityWarning, ptr(testNow.Add(10 * time.Minute))},
		"clock skew in the audit log": {func(s *collectors.Snapshot) {
			setLastRotation(t, s, "t01", before(day), ptr(testNow.Add(2*time.Hour)))
		}, ComplianceClockSkew, SeverityWarning, ptr(testNow.Add(2 * time.Hour))},
		"a little ahead is not skew": {func(s *collectors.Snapshot) {
			setLastRotation(t, s, "t01", ptr(testNow.Add(4*time.Minute)), nil)
		}, "", "", nil},
		"over retention": {func(s *collectors.Snapshot) { s.Vault.Tenants[0].LiveVersions = 8 }, ComplianceOverRetention, SeverityWarning, before(10*time.Hour - 20*time.Second)},
		"latest failure after latest success": {func(s *collectors.Snapshot) {
			ts := s.Logs.Audit.Tenants["t01"]
			ts.LastFailure, ts.LastFailureReason, ts.Failures = before(time.Hour), "Encryption key not found", 1
			s.Logs.Audit.Tenants["t01"] = ts
		}, ComplianceFailedAccess, SeverityWarning, before(10*time.Hour - 20*time.Second)},
		"failure before the latest success": {func(s *collectors.Snapshot) {
			ts := s.Logs.Audit.Tenants["t01"]
			ts.LastFailure, ts.Failures = before(30*time.Hour), 1
			s.Logs.Audit.Tenants["t01"] = ts
		}, "", "", nil},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			a := Triage(healthySnapshot(t, tc.opt), testNow)
			var got []ComplianceFinding
			for _, f := range a.Compliance.Findings {
				if f.Tenant == "t01" {
					got = append(got, f)
				} else {
					t.Errorf("finding about %s: %+v, want none", f.Tenant, f)
				}
			}
			if tc.kind == "" {
				if len(got) > 0 {
					t.Errorf("findings %+v, want none", got)
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("findings %+v, want one %s", got, tc.kind)
			}
			f := got[0]
			if f.Kind != tc.kind || f.Severity != tc.sev {
				t.Errorf("%s %s, want %s %s (%s)", f.Kind, f.Severity, tc.kind, tc.sev, f.Detail)
			}
			switch {
			case tc.last == nil && f.LastRotation != nil:
				t.Errorf("last rotation %v, want none", f.LastRotation)
			case tc.last != nil && (f.LastRotation == nil || !f.LastRotation.Equal(*tc.last)):
				t.Errorf("last rotation %v, want %v", f.LastRotation, tc.last)
			}
			if f.Detail == "" {
				t.Error("no detail")
			}
			if got, want := a.Compliance.TenantsChecked, 10; got != want {
				t.Errorf("tenants checked %d, want %d", got, want)
			}
		})
	}
}

// TestCompliance_Details checks the words a compliance officer reads.
func TestCompliance_Details(t *testing.T) {
	a := Triage(healthySnapshot(t, func(s *collectors.Snapshot) {
		setLastRotation(t, s, "t01", before(10*24*time.Hour), nil)
		s.Vault.Tenants[1].LiveVersions, s.Vault.Tenants[1].MaxVersions = 9, 0
		ts := s.Logs.Audit.Tenants["t03"]
		ts.LastFailure, ts.LastFailureReason = before(2*time.Hour), "permission denied"
		s.Logs.Audit.Tenants["t03"] = ts
	}), testNow)
	want := map[string]string{
		ComplianceOverdue:       "last rotated 10d ago, 9d beyond the 24h00m policy interval (limit 7 days): report to compliance",
		ComplianceOverRetention: "9 live key versions, retention 5 (max_versions 0)",
		ComplianceFailedAccess:  "latest rotation failed 2h00m ago: permission denied",
	}
	for _, f := range a.Compliance.Findings {
		if w, ok := want[f.Kind]; !ok || f.Detail != w {
			t.Errorf("%s %s: detail %q, want %q", f.Tenant, f.Kind, f.Detail, w)
		}
		delete(want, f.Kind)
	}
	for k := range want {
		t.Errorf("no %s finding", k)
	}
	if a.Facts.TenantsOverdue == nil || *a.Facts.TenantsOverdue != 1 {
		t.Errorf("tenants overdue %v, want 1", a.Facts.TenantsOverdue)
	}
}

// TestCompliance_Order: critical first, then by kind, then by tenant.
func TestCompliance_Order(t *testing.T) {
	old := before(12 * 24 * time.Hour)
	a := Triage(healthySnapshot(t, func(s *collectors.Snapshot) {
		for _, id := range []string{"t09", "t02"} {
			setLastRotation(t, s, id, old, nil)
		}
		setLastRotation(t, s, "t05", nil, nil)
		setLastRotation(t, s, "t04", ptr(testNow.Add(time.Hour)), nil)
		s.Vault.Tenants[7].LiveVersions = 6 // t08
		s.Vault.Tenants[2].LiveVersions = 7 // t03
		ts := s.Logs.Audit.Tenants["t06"]
		ts.LastFailure = before(time.Hour)
		s.Logs.Audit.Tenants["t06"] = ts
		// a tenant seen only in the audit log, whose only event failed
		s.Logs.Audit.Tenants["t11"] = auditlog.TenantSummary{LastFailure: before(time.Hour), Failures: 1, LastEvent: before(time.Hour)}
	}), testNow)
	var got []string
	for _, f := range a.Compliance.Findings {
		got = append(got, f.Tenant+" "+f.Kind)
	}
	want := []string{
		"t11 key-unavailable", // named by the audit log, no key in Vault: "Encryption key not found"
		"t02 rotation-overdue", "t09 rotation-overdue",
		"t04 clock-skew",
		"t06 failed-access", "t11 failed-access",
		"t05 never-rotated",
		"t03 version-violation", "t08 version-violation",
	}
	if !slices.Equal(got, want) {
		t.Errorf("findings\n  %v\nwant\n  %v", got, want)
	}
	if got, want := a.Compliance.TenantsChecked, 11; got != want {
		t.Errorf("tenants checked %d, want %d", got, want)
	}
}

// TestCompliance_Unknown: without Vault the tenants come from the audit log
// alone, and Compliance says which source is missing.
func TestCompliance_Unknown(t *testing.T) {
	a := Triage(healthySnapshot(t, broken(collectors.SourceVault)), testNow)
	c := a.Compliance
	if got := strings.Join(c.Unknown, "\n"); !strings.Contains(got, "tenant key versions: vault: "+sourceErrors[collectors.SourceVault]) {
		t.Errorf("unknown %q, want it to name Vault's error", c.Unknown)
	}
	if got, want := c.TenantsChecked, 10; got != want {
		t.Errorf("tenants checked %d, want %d (from the audit log)", got, want)
	}
	if a.Facts.TenantsOverdue != nil {
		t.Errorf("tenants overdue %d, want unknown", *a.Facts.TenantsOverdue)
	}

	a = Triage(healthySnapshot(t, broken(collectors.SourceLogs)), testNow)
	if got := strings.Join(a.Compliance.Unknown, "\n"); !strings.Contains(got, "audit events: logs: "+sourceErrors[collectors.SourceLogs]) {
		t.Errorf("unknown %q, want it to name the logs' error", a.Compliance.Unknown)
	}
	if len(a.Compliance.Findings) != 0 {
		t.Errorf("findings %+v, want none (Vault shows every tenant rotated)", a.Compliance.Findings)
	}
}
