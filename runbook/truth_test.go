package runbook

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors/auditlog"
)

// TestTriage_ClearOnlyWhenAllAbsent: one unread symptom is enough to keep a
// scenario from clear, whichever symptom it is, and the summary then says
// both what could not be read and what was seen.
func TestTriage_ClearOnlyWhenAllAbsent(t *testing.T) {
	b := MustDefault()
	for _, sc := range b.Scenarios {
		for _, sy := range sc.Symptoms {
			t.Run(sc.ID+"/"+sy.ID.String(), func(t *testing.T) {
				f := Finding{ID: sc.ID, Symptoms: nil}
				for _, o := range sc.Symptoms {
					r := SymptomResult{ID: o.ID, Text: o.Text, State: SymptomAbsent}
					if o.ID == sy.ID {
						r.State, r.Reason = SymptomUnknown, "it could not be read"
						f.Unknown = []string{r.Reason}
					}
					f.Symptoms = append(f.Symptoms, r)
				}
				f.Status = StatusUnknown
				got := unknownSummary(f)
				if !strings.HasPrefix(got, "cannot tell: it could not be read") {
					t.Errorf("summary %q does not lead with what could not be read", got)
				}
				if len(sc.Symptoms) > 1 && !strings.Contains(got, "seen absent: ") {
					t.Errorf("summary %q does not say what was seen", got)
				}
				if strings.Contains(got, sy.Text) {
					t.Errorf("summary %q names the unread symptom as seen absent", got)
				}
			})
		}
	}
	t.Run("logs unread: scenario 6 unknown, names AUDIT_ENABLED as seen", func(t *testing.T) {
		a := Triage(healthySnapshot(t, broken(collectors.SourceLogs)), testNow)
		f := finding(t, a, ScenarioAuditMissing)
		if f.Status != StatusUnknown {
			t.Fatalf("%s (%s), want unknown", f.Status, f.Summary)
		}
		for _, want := range []string{sourceErrors[collectors.SourceLogs], "seen absent: AUDIT_ENABLED is not true"} {
			if !strings.Contains(f.Summary, want) {
				t.Errorf("summary %q lacks %q", f.Summary, want)
			}
		}
	})
}

// TestTriage_Conditions: a sealed or uninitialised Vault is a critical
// finding of its own, beside the scenarios that cannot be judged.
func TestTriage_Conditions(t *testing.T) {
	cases := map[string]struct {
		opt  snapOpt
		kind string
	}{
		"sealed": {sealed, ConditionVaultSealed},
		"uninitialised": {func(s *collectors.Snapshot) {
			setSource(s, collectors.SourceVault, collectors.StateError, "Vault at https://vault.example:8200 is not initialised (vault operator init)")
			s.Vault = &collectors.VaultData{Health: &collectors.VaultHealth{Initialized: false, Sealed: true}, Tenants: []collectors.Tenant{}}
		}, ConditionVaultUninitialized},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			a := Triage(healthySnapshot(t, tc.opt), testNow)
			if len(a.Conditions) != 1 || a.Conditions[0].Kind != tc.kind || a.Conditions[0].Severity != SeverityCritical {
				t.Fatalf("conditions %+v, want one critical %s", a.Conditions, tc.kind)
			}
			if a.ExitCode() != ExitCritical || a.Overall != SeverityCritical {
				t.Errorf("exit %d overall %s, want 2 critical", a.ExitCode(), a.Overall)
			}
			for _, id := range []string{ScenarioRotationJobFailing, ScenarioVaultTokenExpired, ScenarioCleanupFailing, ScenarioRetentionOverflow} {
				if f := finding(t, a, id); f.Status == StatusClear {
					t.Errorf("%s clear while Vault cannot be read", id)
				}
			}
			r := MustDefault().NewReport(healthySnapshot(t, tc.opt), testNow, "t")
			var txt bytes.Buffer
			if err := r.WriteText(&txt); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(txt.String(), "CRITICAL: "+a.Conditions[0].Summary) {
				t.Errorf("text report does not lead with the condition:\n%s", txt.String())
			}
		})
	}
	t.Run("healthy has none", func(t *testing.T) {
		if a := Triage(healthySnapshot(t), testNow); len(a.Conditions) != 0 {
			t.Errorf("conditions %+v on a healthy snapshot", a.Conditions)
		}
	})
}

// TestTriage_NothingFound: a namespace holding none of the runbook's
// objects is said plainly, exits 3, and no scenario is derived from the
// absence (not "no live token found: expired or revoked").
func TestTriage_NothingFound(t *testing.T) {
	empty := func(s *collectors.Snapshot) {
		s.Namespace = "typo"
		for i := range s.Kubernetes.CronJobs {
			cj := &s.Kubernetes.CronJobs[i]
			*cj = collectors.CronJob{Role: cj.Role, Name: cj.Name}
		}
		s.Kubernetes.Jobs = nil
		s.Kubernetes.Orchestrator = &collectors.Deployment{Name: "oss-ai-orchestrator"}
		s.Vault.OrchestratorToken = nil
		s.Vault.OrchestratorTokenNote = "no live token found for role oss-ai-orchestrator in namespace typo"
	}
	a := Triage(healthySnapshot(t, empty), testNow)
	if len(a.Conditions) != 1 || a.Conditions[0].Kind != ConditionNothingFound {
		t.Fatalf("conditions %+v, want nothing-found", a.Conditions)
	}
	msg := a.Conditions[0].Summary
	for _, want := range []string{"no CronJob cmek-rotation or secret-cleanup", "Deployment oss-ai-orchestrator", "namespace typo", "wrong --namespace"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
	for _, f := range a.Findings {
		if f.Status != StatusUnknown {
			t.Errorf("%s %s (%s), want unknown", f.ID, f.Status, f.Summary)
		}
		if !strings.Contains(f.Summary, "wrong --namespace") {
			t.Errorf("%s summary %q does not say why", f.ID, f.Summary)
		}
	}
	if got := a.ExitCode(); got != ExitUnknown {
		t.Errorf("exit %d, want 3", got)
	}
	t.Run("one CronJob found is not nothing", func(t *testing.T) {
		a := Triage(healthySnapshot(t, func(s *collectors.Snapshot) {
			cronJobOf(t, s, collectors.RoleCleanup).Found = false
		}), testNow)
		if len(a.Conditions) != 0 {
			t.Errorf("conditions %+v", a.Conditions)
		}
	})
}

// TestTriage_AlertsUnread: alerts that could not be read are unknown,
// never zero, and never all clear.
func TestTriage_AlertsUnread(t *testing.T) {
	cases := map[string]snapOpt{
		"prometheus down": func(s *collectors.Snapshot) {
			setSource(s, collectors.SourcePrometheus, collectors.StateError, "read alerts: connection refused")
			s.Prometheus = nil
		},
		"alerts part failed": func(s *collectors.Snapshot) {
			for i := range s.Sources {
				if s.Sources[i].Source == collectors.SourcePrometheus {
					s.Sources[i].State = collectors.StatePartial
					s.Sources[i].Problems = []collectors.Problem{{Part: "alerts", Error: "read alerts: server returned HTML"}}
				}
			}
		},
	}
	for name, opt := range cases {
		t.Run(name, func(t *testing.T) {
			r := MustDefault().NewReport(healthySnapshot(t, opt), testNow, "t")
			if r.AlertsUnknown == "" || r.Facts.FiringAlerts != nil {
				t.Errorf("alertsUnknown %q firingAlerts %v, want a reason and unknown", r.AlertsUnknown, r.Facts.FiringAlerts)
			}
			if r.ExitCode != ExitUnknown || r.Overall == SeverityNone {
				t.Errorf("exit %d overall %s, want 3 and not none", r.ExitCode, r.Overall)
			}
			var txt bytes.Buffer
			if err := r.WriteText(&txt); err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{"overall: could not tell", "unknown: the alerts could not be read", "firing alerts                  unknown"} {
				if !strings.Contains(txt.String(), want) {
					t.Errorf("text lacks %q:\n%s", want, txt.String())
				}
			}
			if strings.Contains(txt.String(), "all clear") {
				t.Errorf("text says all clear:\n%s", txt.String())
			}
		})
	}
}

// TestTriage_Suspended: a suspended CronJob is named with its last run and
// the runs missed, never silently clear, and in compliance for rotation.
func TestTriage_Suspended(t *testing.T) {
	t.Run("rotation", func(t *testing.T) {
		a := Triage(healthySnapshot(t, func(s *collectors.Snapshot) {
			cj := cronJobOf(t, s, collectors.RoleRotation)
			cj.Suspend, cj.LastScheduleTime = true, before(10*24*time.Hour-10*time.Hour) // 02:00, ten days ago
		}), testNow)
		f := finding(t, a, ScenarioRotationJobFailing)
		if f.Status != StatusSuspected {
			t.Fatalf("%s (%s), want suspected", f.Status, f.Summary)
		}
		if !strings.Contains(f.Summary, "10 scheduled runs") || !strings.Contains(f.Summary, "9d ago") {
			t.Errorf("summary %q, want the last run and 10 missed runs", f.Summary)
		}
		var found bool
		for _, c := range a.Compliance.Findings {
			if c.Kind == ComplianceRotationSuspended {
				found = true
				if c.Severity != SeverityCritical {
					t.Errorf("suspended 10 days beyond a daily interval is %s, want critical", c.Severity)
				}
			}
		}
		if !found {
			t.Errorf("no %s compliance finding in %+v", ComplianceRotationSuspended, a.Compliance.Findings)
		}
	})
	t.Run("cleanup", func(t *testing.T) {
		a := Triage(healthySnapshot(t, func(s *collectors.Snapshot) {
			cronJobOf(t, s, collectors.RoleCleanup).Suspend = true
		}), testNow)
		if f := finding(t, a, ScenarioCleanupFailing); f.Status != StatusSuspected || !strings.Contains(f.Summary, "spec.suspend") {
			t.Errorf("%s (%s), want suspected naming spec.suspend", f.Status, f.Summary)
		}
	})
	t.Run("missedRuns", func(t *testing.T) {
		since := time.Date(2025, 3, 1, 2, 0, 0, 0, time.UTC)
		for sched, want := range map[string]int{"0 2 * * *": 11, "0 */6 * * *": 46, "@weekly": 2} {
			got, err := missedRuns(sched, "", since, testNow, 10000)
			if err != nil || got != want {
				t.Errorf("%s: %d, %v; want %d", sched, got, err, want)
			}
		}
		if _, err := missedRuns("not a schedule", "", since, testNow, 10); err == nil {
			t.Error("a bad schedule gave no error")
		}
	})
}

// TestTriage_CoverageNeedsARotation: a tenant counts as reached by a run
// only with a successful event or a new Vault version within it, never a
// started event still pending.
func TestTriage_CoverageNeedsARotation(t *testing.T) {
	s := healthySnapshot(t, func(s *collectors.Snapshot) {
		j := jobOf(t, s, collectors.RoleRotation)
		j.Outcome, j.Reason, j.Finished = collectors.OutcomeFailed, "DeadlineExceeded", before(9*time.Hour+50*time.Minute)
		for i, id := range tenantIDs(10) {
			ts := s.Logs.Audit.Tenants[id]
			started := before(10*time.Hour - time.Minute)
			ts.LastEvent, ts.LastAction = started, "cmek.rotation.started" // every tenant started...
			if i >= 4 {
				ts.LastSuccess = before(34 * time.Hour) // ...but t05..t10 did not complete
				s.Vault.Tenants[i].CurrentCreated = before(34 * time.Hour)
			}
			s.Logs.Audit.Tenants[id] = ts
		}
		for i := 2; i < 4; i++ { // t03, t04: no success event, but a new version in Vault
			id := tenantIDs(10)[i]
			ts := s.Logs.Audit.Tenants[id]
			ts.LastSuccess = before(34 * time.Hour)
			s.Logs.Audit.Tenants[id] = ts
		}
	})
	a := Triage(s, testNow)
	f := finding(t, a, ScenarioBatchTimeout)
	var cov *SymptomResult
	for i := range f.Symptoms {
		if f.Symptoms[i].ID == SymPartialCoverage {
			cov = &f.Symptoms[i]
		}
	}
	if cov == nil || cov.State != SymptomPresent || len(cov.Evidence) == 0 || cov.Evidence[0].Observed != "4 of 10" {
		t.Fatalf("partial-coverage %+v, want present with 4 of 10", cov)
	}
	if got := strings.Join(f.Tenants, ","); got != "t05,t06,t07,t08,t09,t10" {
		t.Errorf("tenants %s, want t05..t10", got)
	}
}

// TestTriage_RenewalsFlat: renewals that stop without a failure counted,
// while the TTL falls with the clock, are renewal-failure evidence.
func TestTriage_RenewalsFlat(t *testing.T) {
	// hourly points over 24h; a renewal every 2h until lastRenewal hours
	// before now; the TTL resets to 24h at each renewal and falls 1h an hour
	series := func(lastRenewal int) (renewals, ttl *collectors.History) {
		renewals, ttl = flatHistory(0), flatHistory(0)
		count, left := 0.0, 86400.0
		for i := range 25 {
			hoursAgo := 24 - i
			if i%2 == 0 && hoursAgo >= lastRenewal {
				count++
				left = 86400
			} else {
				left -= 3600
			}
			*renewals.Values[i], *ttl.Values[i] = count, left
		}
		return renewals, ttl
	}
	cases := map[string]struct {
		lastRenewal int
		present     bool
	}{
		"renewing every 2h":       {0, false},
		"stopped 2h ago":          {2, false},
		"stopped 10h ago":         {10, true},
		"stopped 20h ago":         {20, true},
		"never renewed, flat ttl": {-1, false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := healthySnapshot(t, func(s *collectors.Snapshot) {
				if tc.lastRenewal < 0 {
					return
				}
				r, ttl := series(tc.lastRenewal)
				m := metricOf(t, s, "tokenRenewals")
				m.Series = []collectors.Series{{Labels: map[string]string{"outcome": "success"}, Value: r.Values[24], History: r}}
				e := metricOf(t, s, "tokenExpirySeconds")
				e.Series = []collectors.Series{{Labels: map[string]string{"service": "orchestrator"}, Value: ttl.Values[24], History: ttl}}
			})
			a := Triage(s, testNow)
			f := finding(t, a, ScenarioVaultTokenExpired)
			var got *SymptomResult
			for i := range f.Symptoms {
				if f.Symptoms[i].ID == SymRenewalFailures {
					got = &f.Symptoms[i]
				}
			}
			flat := false
			for _, e := range got.Evidence {
				flat = flat || strings.Contains(e.Fact, "flat while")
			}
			if flat != tc.present {
				t.Errorf("flat-renewal evidence %v, want %v: %+v", flat, tc.present, got)
			}
		})
	}
}

// TestTriage_TimeoutNotClearedBySideEffect: a short manual run after a
// scheduled run was killed at its deadline does not clear Scenario 5 while
// the CronJob's deadline still cannot hold a full run; raising it does.
func TestTriage_TimeoutNotClearedBySideEffect(t *testing.T) {
	killedThenManual := func(cjDeadline int64, manualFailed bool) snapOpt {
		return func(s *collectors.Snapshot) {
			j := jobOf(t, s, collectors.RoleRotation)
			j.Outcome, j.Reason, j.Finished = collectors.OutcomeFailed, "DeadlineExceeded", before(9*time.Hour+50*time.Minute) // 600s
			for i, id := range tenantIDs(10) {
				if i >= 6 { // the killed run reached 6 of 10
					ts := s.Logs.Audit.Tenants[id]
					ts.LastSuccess = before(34 * time.Hour)
					s.Logs.Audit.Tenants[id] = ts
					s.Vault.Tenants[i].CurrentCreated = before(34 * time.Hour)
				}
			}
			// then a manual run of the missed tenants: a second
			start := before(time.Hour)
			manual := collectors.Job{Name: "manual-rotation-1", CronJob: "cmek-rotation", Role: collectors.RoleRotation, Manual: true,
				Outcome: collectors.OutcomeSucceeded, Created: *start, Started: start, Finished: before(time.Hour - time.Second), Succeeded: 1,
				ActiveDeadlineSeconds: ptr(cjDeadline),
				Log:                   &collectors.LogTail{Pod: "manual-rotation-1-x", Container: "rotate", Lines: []string{"Rotation finished"}, Searched: 1}}
			if manualFailed { // every tenant failed fast (permission denied): none rotated
				manual.Outcome, manual.Reason, manual.Succeeded, manual.Failed = collectors.OutcomeFailed, "BackoffLimitExceeded", 0, 1
			} else { // it rotated the 4 the killed run missed
				in := start.Add(500 * time.Millisecond)
				for i, id := range tenantIDs(10) {
					if i >= 6 {
						ts := s.Logs.Audit.Tenants[id]
						ts.LastSuccess, ts.LastEvent = &in, &in
						s.Logs.Audit.Tenants[id] = ts
						s.Vault.Tenants[i].CurrentCreated = &in
					}
				}
			}
			s.Kubernetes.Jobs = append([]collectors.Job{manual}, s.Kubernetes.Jobs...)
			cronJobOf(t, s, collectors.RoleRotation).ActiveDeadlineSeconds = ptr(cjDeadline)
		}
	}
	// the killed run's reach gone: its audit events lost with the pods
	// that logged them, and a manual run since rotated every tenant (so no
	// key version of the killed run is current)
	reachGone := func(s *collectors.Snapshot) {
		in := before(time.Hour - 500*time.Millisecond)
		for i, id := range tenantIDs(10) {
			ts := s.Logs.Audit.Tenants[id]
			ts.LastSuccess, ts.LastEvent = in, in
			s.Logs.Audit.Tenants[id] = ts
			s.Vault.Tenants[i].CurrentCreated = in
		}
	}
	for name, tc := range map[string]struct {
		deadline int64
		want     Status
	}{
		"reach unknown, deadline unchanged: still short":  {600, StatusActive},
		"reach unknown, raised by a second: untold":       {601, StatusUnknown},
		"reach unknown, raised to 1199: untold":           {1199, StatusUnknown},
		"reach unknown, raised to twice the killed run's": {1200, StatusClear},
	} {
		t.Run(name, func(t *testing.T) {
			a := Triage(healthySnapshot(t, killedThenManual(tc.deadline, false), reachGone), testNow)
			f := finding(t, a, ScenarioBatchTimeout)
			if f.Status != tc.want {
				t.Errorf("%s (%s), want %s", f.Status, f.Summary, tc.want)
			}
			if tc.want == StatusUnknown && !strings.Contains(f.Summary, "the next scheduled run tells") {
				t.Errorf("summary %q does not say why it cannot tell", f.Summary)
			}
		})
	}
	cases := map[string]struct {
		deadline     int64
		manualFailed bool
		want         Status
	}{
		"deadline unchanged":          {600, false, StatusActive},
		"raised, still short of 1000": {900, false, StatusActive},
		"raised to cover a full run":  {1800, false, StatusClear},
		// the run after the raise rotated none: how long a full rotation
		// takes is not shown, so the timeout is not resolved
		"raised, but the run after it rotated no tenant": {1800, true, StatusUnknown},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			a := Triage(healthySnapshot(t, killedThenManual(tc.deadline, tc.manualFailed)), testNow)
			f := finding(t, a, ScenarioBatchTimeout)
			if f.Status != tc.want {
				t.Errorf("%s (%s), want %s", f.Status, f.Summary, tc.want)
			}
			active := tc.want == StatusActive
			if active && !strings.Contains(f.Summary, "a full run needs about 16m") {
				t.Errorf("summary %q does not say what a full run needs", f.Summary)
			}
		})
	}
}

// TestTriage_PolicyJudgedHere: the collector reports what Vault grants;
// what is required, and so what is missing, is judged here from
// RequiredCapabilities, for new snapshots (Kind set) and old ones (Kind
// from the path, their own Required and Missing ignored). Checks made by
// reading policies count only when all the role's policies were read
// together (Policies): one policy alone cannot show that the token may
// write (another may hold the rule Vault applies), nor that it may not.
func TestTriage_PolicyJudgedHere(t *testing.T) {
	all := []string{"cmek-rotation", "default", "secret-read"}
	cases := map[string]struct {
		policies []string
		checks   []collectors.PathCheck
		want     SymptomState
	}{
		"all granted": {all, []collectors.PathCheck{
			{Path: "secret/data/tenants/t01/cmek", Kind: "data", Granted: []string{"create", "read", "update", "delete"}},
			{Path: "secret/metadata/tenants/t01/cmek", Kind: "metadata", Granted: []string{"list", "read", "delete"}},
		}, SymptomUnknown}, // t02..t10 not checked
		"update missing": {all, []collectors.PathCheck{
			{Path: "secret/data/tenants/t01/cmek", Kind: "data", Granted: []string{"create", "read", "delete"}},
			{Path: "secret/metadata/tenants/t01/cmek", Kind: "metadata", Granted: []string{"list", "read", "delete"}},
		}, SymptomPresent},
		"root grants all": {all, []collectors.PathCheck{
			{Path: "secret/data/tenants/t01/cmek", Kind: "data", Granted: []string{"root"}},
			{Path: "secret/metadata/tenants/t01/cmek", Kind: "metadata", Granted: []string{"root"}},
		}, SymptomUnknown},
		"old snapshot: kind from the path, its Missing ignored": {all, []collectors.PathCheck{
			{Path: "secret/data/tenants/t01/cmek", Granted: []string{"create", "read", "update", "delete"}, Missing: []string{"update"}},
			{Path: "secret/metadata/tenants/t01/cmek", Granted: []string{"read"}, Required: []string{"read"}},
		}, SymptomPresent},
		"old snapshot: the policy alone granting is no grant": {nil, []collectors.PathCheck{
			{Path: "secret/data/tenants/t01/cmek", Granted: []string{"create", "read", "update", "delete"}},
			{Path: "secret/metadata/tenants/t01/cmek", Granted: []string{"list", "read", "delete"}},
		}, SymptomUnknown},
		"old snapshot: the policy alone lacking is no lack": {nil, []collectors.PathCheck{
			{Path: "secret/data/tenants/t01/cmek", Granted: []string{"read"}},
			{Path: "secret/metadata/tenants/t01/cmek", Granted: []string{"list", "read", "delete"}},
		}, SymptomUnknown},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			a := Triage(healthySnapshot(t, func(s *collectors.Snapshot) {
				s.Vault.Policy.Checks, s.Vault.Policy.Policies = tc.checks, tc.policies
			}), testNow)
			f := finding(t, a, ScenarioRotationJobFailing)
			if sy := symptom(t, f, SymPolicyMissingCapability); sy.State != tc.want {
				t.Errorf("policy-missing-capability %s, want %s (%s; %s)", sy.State, tc.want, f.Summary, sy.Reason)
			}
		})
	}
}

// TestTriage_LogGaps: a log that was not read shows nothing absent. When
// the security or orchestrator selector matched no pod, or a pod's log
// could not be read, what only those logs could show ("no audit event for
// the run", "no renewal error", "no failed tenant") is unknown with the
// reason, never clear and never active; what was found stays found.
func TestTriage_LogGaps(t *testing.T) {
	noEvents := func(s *collectors.Snapshot) {
		r := s.Logs.Audit.Renewals
		s.Logs.Audit = auditlog.Summary{Sources: []string{"orchestrator-0/app"}, Renewals: r, Lines: 20, Objects: 20}
	}
	selector := func(role string, pods ...string) snapOpt {
		return func(s *collectors.Snapshot) {
			for i := range s.Logs.Selectors {
				if s.Logs.Selectors[i].Role == role {
					s.Logs.Selectors[i].Pods = append([]string{}, pods...)
				}
			}
		}
	}
	readPods := func(pods ...collectors.LogSource) snapOpt {
		return func(s *collectors.Snapshot) { s.Logs.Pods = pods }
	}
	type want struct {
		status  map[string]Status
		unknown map[SymptomID]string // symptom -> text its reason holds
		cond    int                  // no-log-pods conditions
		exit    int
	}
	cases := map[string]struct {
		opts []snapOpt
		want want
	}{
		"no security pod: the audit trail is unknown, not missing": {
			opts: []snapOpt{noEvents, selector(collectors.LogRoleSecurity), selector(collectors.LogRoleOrchestrator, "orchestrator-0"),
				readPods(collectors.LogSource{Pod: "orchestrator-0", Container: "app"})},
			want: want{
				status: map[string]Status{"audit-missing": StatusUnknown, "rotation-job-failing": StatusUnknown, "vault-token-expired": StatusClear},
				unknown: map[SymptomID]string{
					SymMissingRotationEvents: "no pod matches -l app.kubernetes.io/component=security in namespace ns",
					SymSpecificTenants:       "kubernetes.securityLabel",
				},
				cond: 1, exit: ExitUnknown,
			},
		},
		"no orchestrator pod: renewal errors unknown, the metric still judges": {
			opts: []snapOpt{selector(collectors.LogRoleOrchestrator)},
			want: want{
				status:  map[string]Status{"vault-token-expired": StatusUnknown, "audit-missing": StatusClear},
				unknown: map[SymptomID]string{SymPermissionDeniedVault: "kubernetes.orchestratorLabel"},
				cond:    1, exit: ExitUnknown,
			},
		},
		"a security pod's log unread: its events may be there": {
			opts: []snapOpt{noEvents, selector(collectors.LogRoleSecurity, "security-0", "security-1"),
				readPods(collectors.LogSource{Pod: "security-0", Container: "app"}, collectors.LogSource{Pod: "security-1", Container: "app", Error: "pod security-1: the kubelet did not answer"})},
			want: want{
				status:  map[string]Status{"audit-missing": StatusUnknown, "rotation-job-failing": StatusUnknown},
				unknown: map[SymptomID]string{SymMissingRotationEvents: "1 of 2 pods holding the rotation audit events could not be read (security-1)"},
				exit:    ExitUnknown,
			},
		},
		"every pod read, no event: the trail is missing": {
			opts: []snapOpt{noEvents},
			want: want{status: map[string]Status{"audit-missing": StatusActive}, exit: ExitCritical},
		},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			a := Triage(healthySnapshot(t, c.opts...), testNow)
			for id, st := range c.want.status {
				if got := finding(t, a, id).Status; got != st {
					t.Errorf("%s %s, want %s%s", id, got, st, describe(a))
				}
			}
			for sym, text := range c.want.unknown {
				found := false
				for _, f := range a.Findings {
					for _, sy := range f.Symptoms {
						if sy.ID == sym {
							found = true
							if sy.State != SymptomUnknown || !strings.Contains(sy.Reason, text) {
								t.Errorf("%s: %s %q, want unknown saying %q", sym, sy.State, sy.Reason, text)
							}
						}
					}
				}
				if !found {
					t.Errorf("no symptom %s", sym)
				}
			}
			n := 0
			for _, cd := range a.Conditions {
				if cd.Kind == ConditionNoLogPods {
					n++
				}
			}
			if n != c.want.cond {
				t.Errorf("%d no-log-pods conditions, want %d: %+v", n, c.want.cond, a.Conditions)
			}
			if got := a.ExitCode(); got != c.want.exit {
				t.Errorf("exit %d, want %d%s", got, c.want.exit, describe(a))
			}
		})
	}
	t.Run("found evidence stays found", func(t *testing.T) {
		at := testNow.Add(-time.Hour)
		a := Triage(healthySnapshot(t, selector(collectors.LogRoleSecurity, "security-0", "security-1"),
			readPods(collectors.LogSource{Pod: "security-0", Container: "app"}, collectors.LogSource{Pod: "security-1", Container: "app", Error: "unreadable"}),
			func(s *collectors.Snapshot) {
				ts := s.Logs.Audit.Tenants["t03"]
				ts.LastFailure, ts.LastFailureReason = &at, "permission denied"
				s.Logs.Audit.Tenants["t03"] = ts
			}), testNow)
		if sy := symptom(t, finding(t, a, "rotation-job-failing"), SymSpecificTenants); sy.State != SymptomPresent {
			t.Errorf("specific tenants %s (%s), want present: a failure read is a failure", sy.State, sy.Reason)
		}
	})
}

// TestTriage_CleanupTenants: the tenants over the cleanup's retention are
// Scenario 3's tenants, most versions first, so its "list secret versions"
// step reads the worst one, not the first tenant listed.
func TestTriage_CleanupTenants(t *testing.T) {
	s := healthySnapshot(t, func(s *collectors.Snapshot) {
		j := jobOf(t, s, collectors.RoleCleanup)
		j.Outcome, j.Reason, j.Succeeded, j.Failed = collectors.OutcomeFailed, "BackoffLimitExceeded", 0, 1
		for i, live := range map[int]int{2: 7, 5: 9, 8: 7} {
			s.Vault.Tenants[i].LiveVersions = live
		}
	})
	r := MustDefault().NewReport(s, testNow, "test")
	f := finding(t, r.Assessment, "cleanup-failing")
	if got, want := strings.Join(f.Tenants, ","), "t06,t03,t09"; got != want {
		t.Errorf("tenants %s, want %s (most versions first)%s", got, want, describe(r.Assessment))
	}
	found := false
	for _, st := range r.NextSteps["cleanup-failing"] {
		if strings.HasPrefix(st.Command, "vault kv metadata get ") {
			found = true
			if want := "vault kv metadata get secret/tenants/t06/cmek"; st.Command != want {
				t.Errorf("step %q: %q, want %q", st.Title, st.Command, want)
			}
		}
	}
	if !found {
		t.Errorf("no vault kv metadata get step in %+v", r.NextSteps["cleanup-failing"])
	}
}

// TestTriage_JobLogUnsearched: a phrase is absent from a Job's log only
// when every line of it was searched. A log not read, unreadable, or longer
// than logLimitBytes (its middle not searched) leaves "Failed to rotate key
// for tenant" and "Too many versions" unknown; a phrase found in it stays
// found.
func TestTriage_JobLogUnsearched(t *testing.T) {
	cases := map[string]struct {
		log  *collectors.LogTail
		want SymptomState
	}{
		"searched whole":    {&collectors.LogTail{Lines: []string{"done"}, Searched: 5000}, SymptomAbsent},
		"not read":          {nil, SymptomUnknown},
		"unreadable":        {&collectors.LogTail{Error: "read log of pod p: forbidden by RBAC"}, SymptomUnknown},
		"middle unsearched": {&collectors.LogTail{Lines: []string{"done"}, Searched: 400, Truncated: true}, SymptomUnknown},
		"found in the head of a long log": {&collectors.LogTail{Lines: []string{"done"}, Searched: 400, Truncated: true,
			Matches: []collectors.LogMatch{{Line: -1, Phrase: "Failed to rotate key for tenant", Tenant: "t04", Text: "Failed to rotate key for tenant t04"},
				{Line: -1, Phrase: "Too many versions", Text: "Too many versions"}}}, SymptomPresent},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			a := Triage(healthySnapshot(t, func(s *collectors.Snapshot) {
				jobOf(t, s, collectors.RoleRotation).Log = c.log
				jobOf(t, s, collectors.RoleCleanup).Log = c.log
			}), testNow)
			for sc, sym := range map[string]SymptomID{"rotation-job-failing": SymFailedToRotateLogged, "cleanup-failing": SymTooManyVersionsLogged} {
				if got := symptom(t, finding(t, a, sc), sym); got.State != c.want {
					t.Errorf("%s: %s (%s), want %s", sym, got.State, got.Reason, c.want)
				}
			}
		})
	}
}

// TestTriage_TenantsUnread: when some tenants' metadata could not be read
// (a 403 or 429 on them, a request timeout), nothing is absent over all
// tenants: over-retention and versions-growing are unknown, the counts of
// tenants over retention and overdue are unknown (nil), compliance says
// why; a tenant found over retention is still found.
func TestTriage_TenantsUnread(t *testing.T) {
	unread := func(s *collectors.Snapshot) {
		for _, i := range []int{2, 6} {
			tn := &s.Vault.Tenants[i]
			*tn = collectors.Tenant{ID: tn.ID, Path: tn.Path, Error: "read metadata: Vault answered 429: request rate limit exceeded"}
		}
		s.Vault.TenantScan.Failed = 2
	}
	a := Triage(healthySnapshot(t, unread), testNow)
	for sym, sc := range map[SymptomID]string{SymTenantsOverRetention: "retention-overflow", SymVersionsGrowing: "cleanup-failing", SymKeyVersionsLost: "retention-overflow"} {
		if got := symptom(t, finding(t, a, sc), sym); got.State != SymptomUnknown || !strings.Contains(got.Reason, "2 of 10 tenants' metadata could not be read (t03: ") {
			t.Errorf("%s: %s %q, want unknown naming the unread tenants", sym, got.State, got.Reason)
		}
	}
	if st := finding(t, a, "retention-overflow").Status; st != StatusUnknown {
		t.Errorf("retention-overflow %s, want unknown", st)
	}
	if f := a.Facts; f.TenantsOverRetention != nil || f.TenantsOverdue != nil || f.Tenants == nil || *f.Tenants != 10 {
		t.Errorf("facts tenants %v over %v overdue %v: want 10 listed, the others unknown", f.Tenants, f.TenantsOverRetention, f.TenantsOverdue)
	}
	if len(a.Compliance.Unknown) == 0 {
		t.Errorf("compliance says nothing of the unread tenants")
	}
	if a.ExitCode() != ExitUnknown {
		t.Errorf("exit %d, want 3%s", a.ExitCode(), describe(a))
	}
	t.Run("one over retention is still over", func(t *testing.T) {
		a := Triage(healthySnapshot(t, unread, func(s *collectors.Snapshot) { s.Vault.Tenants[4].LiveVersions = 9 }), testNow)
		if got := symptom(t, finding(t, a, "retention-overflow"), SymTenantsOverRetention); got.State != SymptomPresent {
			t.Errorf("over retention %s (%s), want present", got.State, got.Reason)
		}
	})
}

// TestTriage_RenewalLinesMissing: an orchestrator log read whole but
// holding no VaultTokenRenewal line (the renewal service not running, or
// logging elsewhere), or only errors without a time, shows no renewal
// error absent; with the renewal metric unread too, renewal failures are
// unknown and Scenario 2 is not clear.
func TestTriage_RenewalLinesMissing(t *testing.T) {
	for name, r := range map[string]auditlog.RenewalSummary{
		"no line":        {},
		"undated errors": {Errors: 3},
	} {
		t.Run(name, func(t *testing.T) {
			a := Triage(healthySnapshot(t, func(s *collectors.Snapshot) {
				s.Logs.Audit.Renewals = r
				s.Prometheus.Metrics = slices.DeleteFunc(s.Prometheus.Metrics, func(m collectors.Metric) bool { return m.Role == "tokenRenewals" })
			}), testNow)
			f := finding(t, a, "vault-token-expired")
			for _, sym := range []SymptomID{SymRenewalFailures, SymPermissionDeniedVault} {
				if got := symptom(t, f, sym); got.State != SymptomUnknown || !strings.Contains(got.Reason, "VaultTokenRenewal") {
					t.Errorf("%s: %s %q, want unknown saying why", sym, got.State, got.Reason)
				}
			}
			if f.Status == StatusClear {
				t.Errorf("Scenario 2 clear on renewals never seen")
			}
		})
	}
}

// TestTriage_EnvAndDryRuns: a one-off dry run that succeeded after the
// cleanup failed is not the cleanup working; a DRY_RUN or AUDIT_ENABLED
// whose value comes from elsewhere (valueFrom, envFrom) or is no boolean
// is unknown, not "unset" or "not disabled".
func TestTriage_EnvAndDryRuns(t *testing.T) {
	t.Run("a dry run after a failed cleanup", func(t *testing.T) {
		s := healthySnapshot(t, func(s *collectors.Snapshot) {
			j := jobOf(t, s, collectors.RoleCleanup)
			j.Outcome, j.Reason, j.Succeeded, j.Failed = collectors.OutcomeFailed, "BackoffLimitExceeded", 0, 1
			dry := *j
			dry.Name, dry.Outcome, dry.Reason, dry.Succeeded, dry.Failed = "test-cleanup-1", collectors.OutcomeSucceeded, "", 1, 0
			dry.Env = []collectors.EnvVar{{Name: "DRY_RUN", Value: "true"}}
			s.Kubernetes.Jobs = append([]collectors.Job{dry}, s.Kubernetes.Jobs...)
		})
		a := Triage(s, testNow)
		if got := symptom(t, finding(t, a, "cleanup-failing"), SymCleanupJobFailed); got.State != SymptomPresent {
			t.Errorf("cleanup failed: %s (%+v), want present: the dry run deletes nothing", got.State, got.Evidence)
		}
		if r := MustDefault().Verify(s, testNow, []string{"cleanup-succeeded"})[0]; r.State != CheckFail {
			t.Errorf("cleanup-succeeded %s (%s), want fail", r.State, r.Detail)
		}
	})
	cases := map[string]struct {
		opt snapOpt
		sc  string
		sym SymptomID
		why string
	}{
		"DRY_RUN from a ConfigMap key": {func(s *collectors.Snapshot) {
			cronJobOf(t, s, collectors.RoleCleanup).Env = []collectors.EnvVar{{Name: "DRY_RUN", From: "configmap cleanup key dry"}}
		}, "cleanup-failing", SymDryRunLeftOn, "takes DRY_RUN from configmap cleanup key dry"},
		"DRY_RUN maybe in envFrom": {func(s *collectors.Snapshot) {
			cj := cronJobOf(t, s, collectors.RoleCleanup)
			cj.Env, cj.EnvFrom = nil, []string{"configmap cleanup-env"}
		}, "cleanup-failing", SymDryRunLeftOn, "may take it from configmap cleanup-env"},
		"AUDIT_ENABLED from a ConfigMap key": {func(s *collectors.Snapshot) {
			d := s.Kubernetes.Orchestrator
			d.Env, d.AuditEnabled = []collectors.EnvVar{{Name: "AUDIT_ENABLED", From: "configmap orch key audit"}}, nil
		}, "audit-missing", SymAuditDisabled, "takes AUDIT_ENABLED from configmap orch key audit"},
		"AUDIT_ENABLED no boolean": {func(s *collectors.Snapshot) {
			d := s.Kubernetes.Orchestrator
			d.Env, d.AuditEnabled = []collectors.EnvVar{{Name: "AUDIT_ENABLED", Value: "on-ish"}}, nil
		}, "audit-missing", SymAuditDisabled, `AUDIT_ENABLED="on-ish": whether the orchestrator reads that as on is its own`},
		"AUDIT_ENABLED maybe in envFrom": {func(s *collectors.Snapshot) {
			d := s.Kubernetes.Orchestrator
			d.Env, d.AuditEnabled, d.EnvFrom = nil, nil, []string{"secret orch-env"}
		}, "audit-missing", SymAuditDisabled, "may take it from secret orch-env"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			a := Triage(healthySnapshot(t, c.opt), testNow)
			f := finding(t, a, c.sc)
			if got := symptom(t, f, c.sym); got.State != SymptomUnknown || !strings.Contains(got.Reason, c.why) {
				t.Errorf("%s: %s %q, want unknown saying %q", c.sym, got.State, got.Reason, c.why)
			}
			if f.Status == StatusClear {
				t.Errorf("%s clear", c.sc)
			}
		})
	}
}

// TestTriage_RunGone: the CronJob ran again after its last Job shown, did
// not succeed, and that run's Job is gone (ttlSecondsAfterFinished, a
// failedJobsHistoryLimit of 0): the older Job left says nothing of it, so
// Scenarios 1, 3 and 5 cannot be clear.
func TestTriage_RunGone(t *testing.T) {
	for role, scs := range map[string][]string{
		collectors.RoleRotation: {"rotation-job-failing", "batch-timeout"},
		collectors.RoleCleanup:  {"cleanup-failing"},
	} {
		t.Run(role, func(t *testing.T) {
			a := Triage(healthySnapshot(t, func(s *collectors.Snapshot) {
				cj := cronJobOf(t, s, role)
				cj.LastScheduleTime = before(30 * time.Minute) // the next night's run, its Job deleted
			}), testNow)
			for _, sc := range scs {
				f := finding(t, a, sc)
				if f.Status != StatusUnknown || !strings.Contains(strings.Join(f.Unknown, " "), "that run's Job is gone") {
					t.Errorf("%s %s (%s), unknown %v: want unknown, the run's Job gone", sc, f.Status, f.Summary, f.Unknown)
				}
			}
		})
	}
	t.Run("a succeeded run after it is the answer", func(t *testing.T) {
		a := Triage(healthySnapshot(t, func(s *collectors.Snapshot) {
			cj := cronJobOf(t, s, collectors.RoleRotation)
			cj.LastScheduleTime, cj.LastSuccessfulTime = before(30*time.Minute), before(20*time.Minute)
		}), testNow)
		if f := finding(t, a, "rotation-job-failing"); f.Status != StatusClear {
			t.Errorf("rotation-job-failing %s (%s), want clear: the run succeeded", f.Status, f.Summary)
		}
	})
}

// TestTriage_TokenOfAnotherReplica: Vault's lookup is of one token (the
// role's newest); the expiry metric is every replica's. A replica whose
// token expires in 30m makes the token expiring though Vault's shows 20h.
func TestTriage_TokenOfAnotherReplica(t *testing.T) {
	a := Triage(healthySnapshot(t, func(s *collectors.Snapshot) {
		m := metricOf(t, s, "tokenExpirySeconds")
		m.Series = append(m.Series, collectors.Series{Labels: map[string]string{"service": "orchestrator", "pod": "orch-1"}, Value: ptr(1800.0), History: flatHistory(1800)})
	}), testNow)
	got := symptom(t, finding(t, a, "vault-token-expired"), SymTokenExpiring)
	if got.State != SymptomPresent || len(got.Evidence) == 0 || got.Evidence[0].Observed != "30m" || !strings.Contains(got.Evidence[0].Source, "(Vault: 20h") {
		t.Errorf("token expiring %s %+v, want present at 30m from the metric, Vault's 20h named", got.State, got.Evidence)
	}
}

// TestTriage_NoTenantListed: Vault answering with no tenant at all is no
// tenant seen, not every tenant within bounds: the tenant-wide symptoms
// and checks are unknown with the collector's note, and the audit log
// naming tenants Vault does not list still raises the key finding.
func TestTriage_NoTenantListed(t *testing.T) {
	note := "Vault lists no tenant under secret/metadata/tenants/: secret/ is a KV version 1 mount, and version counts need KV version 2 (vault kv enable-versioning secret/)"
	empty := func(s *collectors.Snapshot) {
		s.Vault.Tenants, s.Vault.TenantScan = []collectors.Tenant{}, collectors.TenantScan{Note: note}
	}
	a := Triage(healthySnapshot(t, empty), testNow)
	for _, c := range []struct {
		scenario string
		symptom  SymptomID
	}{
		{ScenarioRetentionOverflow, SymTenantsOverRetention}, {ScenarioRetentionOverflow, SymNoMaxVersions}, {ScenarioCleanupFailing, SymVersionsGrowing},
	} {
		f := finding(t, a, c.scenario)
		if f.Status == StatusClear {
			t.Errorf("%s clear with no tenant listed%s", c.scenario, describe(a))
		}
		if sy := symptom(t, f, c.symptom); sy.State != SymptomUnknown || !strings.Contains(sy.Reason, note) {
			t.Errorf("%s %s (%s), want unknown with the note", c.symptom, sy.State, sy.Reason)
		}
	}
	if !slices.ContainsFunc(a.Compliance.Findings, func(c ComplianceFinding) bool {
		return c.Kind == ComplianceKeyUnavailable && strings.Contains(c.Detail, "no tenant key under secret/metadata/tenants/ while the audit log names 10 tenants") &&
			strings.Contains(c.Detail, "secret/ is a KV version 1 mount")
	}) {
		t.Errorf("no key-unavailable finding for the tenants the audit log names: %+v", a.Compliance.Findings)
	}
	if a.Facts.Tenants != nil || a.Facts.TenantsOverRetention != nil {
		t.Errorf("tenants %v, over retention %v: counts that could not be read are unknown, not 0", a.Facts.Tenants, a.Facts.TenantsOverRetention)
	}
	for _, id := range []string{"versions-within-retention", "key-versions-current"} {
		if r := mustDefault(t).Verify(healthySnapshot(t, empty), testNow, []string{id}); r[0].State != CheckUnknown {
			t.Errorf("%s: %s (%s), want unknown", id, r[0].State, r[0].Detail)
		}
	}
}

// TestTriage_PermissionDeniedInJobLog: "permission denied" in the newest
// rotation Job's log is Scenario 2's '"permission denied" from Vault' when
// the policy grants what the runbook requires (the token or its role is in
// question); when the policy lacks a capability, that explains it
// (Scenario 1) and Scenario 2 is not raised on it.
func TestTriage_PermissionDeniedInJobLog(t *testing.T) {
	const line = "2025-03-12T02:00:04Z error: Code: 403. Errors: * permission denied (PUT secret/data/tenants/t03/cmek)"
	denied := func(ago time.Duration) snapOpt {
		return func(s *collectors.Snapshot) {
			j := jobOfRole(s, collectors.RoleRotation)
			j.Outcome, j.Reason, j.Succeeded, j.Failed = collectors.OutcomeFailed, "BackoffLimitExceeded", 0, 1
			j.Finished = before(ago)
			j.Log.Lines = append(j.Log.Lines, line)
			j.Log.Matches = []collectors.LogMatch{{Line: len(j.Log.Lines) - 1, Phrase: "permission denied"}}
		}
	}
	lacking := func(s *collectors.Snapshot) { s.Vault.Policy.Checks[0].Granted = []string{"read"} }
	cleanupOK := func(ago time.Duration) snapOpt { // the cleanup's newest run started ago and succeeded
		return func(s *collectors.Snapshot) {
			j := jobOfRole(s, collectors.RoleCleanup)
			j.Outcome, j.Succeeded, j.Failed = collectors.OutcomeSucceeded, 1, 0
			j.Started, j.Finished = before(ago), before(ago-time.Minute)
		}
	}
	tenantsDenied := func(n int) snapOpt { // the first n tenants' rotations denied, each on its tenant's line
		return func(s *collectors.Snapshot) {
			l := jobOfRole(s, collectors.RoleRotation).Log
			l.Lines, l.Matches = l.Lines[:1], nil
			for _, id := range tenantIDs(n) {
				l.Lines = append(l.Lines, "ERROR Failed to rotate key for tenant "+id+": Error making API request. Code: 403. Errors: * permission denied")
				l.Matches = append(l.Matches, collectors.LogMatch{Line: len(l.Lines) - 1, Phrase: "Failed to rotate key for tenant", Tenant: id})
			}
		}
	}
	cases := map[string]struct {
		opts   []snapOpt
		state  SymptomState
		status Status
		says   string
	}{
		"policy grants all: the run's token is in question":                 {opts: []snapOpt{denied(9 * time.Hour)}, state: SymptomPresent, status: StatusSuspected, says: "permission denied (PUT secret/data/tenants/t03/cmek)"},
		"policy and role grant now: said, a run tells":                      {opts: []snapOpt{denied(9 * time.Hour)}, state: SymptomPresent, status: StatusSuspected, says: "the policy and the role as read now grant what the runbook requires"},
		"policy lacks a capability: Scenario 1 explains it":                 {opts: []snapOpt{denied(9 * time.Hour), lacking}, state: SymptomAbsent, status: StatusClear, says: "the policy lacks a capability the runbook requires: Scenario 1"},
		"policy not read: present":                                          {opts: []snapOpt{denied(9 * time.Hour), func(s *collectors.Snapshot) { s.Vault.Policy = nil }}, state: SymptomPresent, status: StatusSuspected, says: "log of Job cmek-rotation-29033400"},
		"one tenant denied: that tenant's path (Scenario 1), not the token": {opts: []snapOpt{denied(9 * time.Hour), tenantsDenied(1)}, state: SymptomAbsent, status: StatusClear},
		"every tenant denied, on lines matched by another phrase: the token": {opts: []snapOpt{denied(9 * time.Hour), tenantsDenied(10)},
			state: SymptomPresent, status: StatusSuspected, says: "Failed to rotate key for tenant t01"},
		"a run two days ago: not now": {opts: []snapOpt{denied(48 * time.Hour)}, state: SymptomAbsent, status: StatusClear},
		// a role fixed since: a cleanup started after the denied rotation
		// succeeded, so its token works
		"a run after it succeeded: not current": {opts: []snapOpt{denied(9 * time.Hour), cleanupOK(8 * time.Hour)},
			state: SymptomAbsent, status: StatusClear, says: "(not current: Job secret-cleanup-"},
		"a run before it succeeded: still present": {opts: []snapOpt{denied(9 * time.Hour), cleanupOK(10 * time.Hour)},
			state: SymptomPresent, status: StatusSuspected, says: "permission denied (PUT secret/data/tenants/t03/cmek)"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			a := Triage(healthySnapshot(t, tc.opts...), testNow)
			f := finding(t, a, ScenarioVaultTokenExpired)
			sy := symptom(t, f, SymPermissionDeniedVault)
			text := sy.Reason
			for _, e := range sy.Evidence {
				text += " | " + evidenceLine(e)
			}
			if sy.State != tc.state || !strings.Contains(text, tc.says) || f.Status != tc.status {
				t.Errorf("%s %s (%s), Scenario 2 %s; want %s saying %q, Scenario 2 %s%s", sy.ID, sy.State, text, f.Status, tc.state, tc.says, tc.status, describe(a))
			}
		})
	}
}

// TestForecast_TenantsUnread: a tenant whose metadata was not read may
// fall due before the first one foreseen: the forecast says it cannot tell.
func TestForecast_TenantsUnread(t *testing.T) {
	f := MustDefault().Forecast(healthySnapshot(t, func(s *collectors.Snapshot) { s.Vault.Tenants[3].Error = "read metadata: 429" }), testNow)
	if !slices.ContainsFunc(f.Unknown, func(u string) bool {
		return strings.HasPrefix(u, "tenant due dates: vault: 1 of 10 tenants' metadata could not be read")
	}) {
		t.Errorf("forecast unknown %q, want the unread tenant", f.Unknown)
	}
	if f := MustDefault().Forecast(healthySnapshot(t), testNow); slices.ContainsFunc(f.Unknown, func(u string) bool { return strings.HasPrefix(u, "tenant due dates") }) {
		t.Errorf("all tenants read: forecast unknown %q", f.Unknown)
	}
}

// TestReport_NoFindingAmongJudged: with compliance partly unjudged, the
// report does not end its compliance section with a bare "no finding".
func TestReport_NoFindingAmongJudged(t *testing.T) {
	s := healthySnapshot(t, func(s *collectors.Snapshot) { s.Vault.Tenants[3].Error = "read metadata: 429" })
	r := mustDefault(t).NewReport(s, testNow, "test")
	if len(r.Assessment.Compliance.Findings) != 0 {
		t.Fatalf("findings %+v, want none for this case", r.Assessment.Compliance.Findings)
	}
	var b strings.Builder
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	if out := b.String(); !strings.Contains(out, "no finding among what could be judged") || strings.Contains(out, "  no finding\n") {
		t.Errorf("report's compliance section:\n%s", out)
	}
}

// TestPostmortem_UnreadIsNotZero: a postmortem drafted on a snapshot whose
// Vault and Prometheus could not be read counts no tenant as "0" and says
// no "no alert fired": the compliance team reads it.
func TestPostmortem_UnreadIsNotZero(t *testing.T) {
	s := healthySnapshot(t, broken(collectors.SourceVault), broken(collectors.SourcePrometheus))
	var md strings.Builder
	if err := MustDefault().Postmortem(nil, s, testNow, TimelineOptions{}).WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	out := md.String()
	for _, never := range []string{"**Versions over retention:** 0", "**Overdue beyond the policy interval:** 0", "no alert fired in the window", "No condition the data can tell holds"} {
		if strings.Contains(out, never) {
			t.Errorf("postmortem says %q:\n%s", never, out)
		}
	}
	for _, want := range []string{"**Versions over retention:** unknown", "whether an alert fired before cannot be told"} {
		if !strings.Contains(out, want) {
			t.Errorf("postmortem lacks %q:\n%s", want, out)
		}
	}
}

// TestTriage_JobLogFailingTenants: a tenant the rotation Job's log names in
// "Failed to rotate key for tenant" is failing in Scenario 1 and in the
// compliance findings alike (the same rule), unless the audit log shows it
// rotated successfully after that run (an emergency rotation): then it has
// recovered in both.
func TestTriage_JobLogFailingTenants(t *testing.T) {
	named := func(s *collectors.Snapshot) {
		j := jobOfRole(s, collectors.RoleRotation)
		j.Outcome, j.Reason, j.Succeeded, j.Failed = collectors.OutcomeFailed, "BackoffLimitExceeded", 0, 1
		j.Finished = before(9 * time.Hour)
		j.Log.Lines = append(j.Log.Lines, "ERROR Failed to rotate key for tenant t04: Error making API request")
		j.Log.Matches = []collectors.LogMatch{{Line: len(j.Log.Lines) - 1, Phrase: "Failed to rotate key for tenant", Tenant: "t04"}}
	}
	versionSince := func(id string) snapOpt {
		return func(s *collectors.Snapshot) {
			for i := range s.Vault.Tenants {
				if s.Vault.Tenants[i].ID == id {
					s.Vault.Tenants[i].CurrentVersion++
					s.Vault.Tenants[i].CurrentCreated = before(30 * time.Minute)
				}
			}
		}
	}
	auditFailed := func(id string) snapOpt {
		return func(s *collectors.Snapshot) {
			ts := s.Logs.Audit.Tenants[id]
			ts.LastFailure, ts.LastFailureReason, ts.Failures = before(2*time.Hour), "permission denied", 1
			s.Logs.Audit.Tenants[id] = ts
		}
	}
	rotatedSince := func(s *collectors.Snapshot) {
		ts := s.Logs.Audit.Tenants["t04"]
		ts.LastSuccess = before(time.Hour)
		s.Logs.Audit.Tenants["t04"] = ts
	}
	cases := map[string]struct {
		opts    []snapOpt
		failing bool
	}{
		"named by the run's log: failing":                                     {opts: []snapOpt{named}, failing: true},
		"named, then rotated by hand since: recovered":                        {opts: []snapOpt{named, rotatedSince}, failing: false},
		"named, then a key version written since (no audit event): recovered": {opts: []snapOpt{named, versionSince("t04")}, failing: false},
		"an audit failure, then a key version written since: recovered":       {opts: []snapOpt{auditFailed("t04"), versionSince("t04")}, failing: false},
		"an audit failure, no rotation since: failing":                        {opts: []snapOpt{auditFailed("t04")}, failing: true},
		"a version the failing attempt wrote, in the failure's second: failing": {opts: []snapOpt{auditFailed("t04"), func(s *collectors.Snapshot) {
			at := before(2 * time.Hour).Add(400 * time.Millisecond)
			tenantOf(t, s, "t04").CurrentCreated = &at
		}}, failing: true},
		"a key version written since, destroyed: failing": {opts: []snapOpt{auditFailed("t04"), versionSince("t04"), func(s *collectors.Snapshot) {
			tenantOf(t, s, "t04").CurrentDestroyed = true
		}}, failing: true},
		"not named, audit clean: not failing (a control)": {failing: false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			a := Triage(healthySnapshot(t, tc.opts...), testNow)
			f := finding(t, a, ScenarioRotationJobFailing)
			inScenario := slices.Contains(f.Tenants, "t04")
			inCompliance := slices.ContainsFunc(a.Compliance.Findings, func(c ComplianceFinding) bool {
				return c.Tenant == "t04" && c.Kind == ComplianceFailedAccess
			})
			if inScenario != tc.failing || inCompliance != tc.failing {
				t.Errorf("t04 in Scenario 1's tenants %v, failed-access finding %v; want both %v%s", inScenario, inCompliance, tc.failing, describe(a))
			}
		})
	}
}

// TestTriage_NoSecurityPodRan: when every security pod's container never
// started (the one that logged in the window was replaced, its log gone),
// no tenant is "not failing" for want of a failure event: unknown, with why.
// One pod read beside it is enough to judge.
func TestTriage_NoSecurityPodRan(t *testing.T) {
	neverRan := func(s *collectors.Snapshot) {
		for i := range s.Logs.Pods {
			if s.Logs.Pods[i].Pod == "security-0" {
				created := before(time.Hour)
				s.Logs.Pods[i] = collectors.LogSource{Pod: "security-0", Container: "app", Window: s.Logs.WindowStart, Started: created,
					NotRead: "container app never started (ImagePullBackOff): it wrote no log"}
			}
		}
	}
	a := Triage(healthySnapshot(t, neverRan), testNow)
	sy := symptom(t, finding(t, a, ScenarioRotationJobFailing), SymSpecificTenants)
	if sy.State != SymptomUnknown || !strings.Contains(sy.Reason, "no pod of -l app.kubernetes.io/component=security holds a log of the window") {
		t.Errorf("specific tenants %s (%q), want unknown: no security pod holds the window%s", sy.State, sy.Reason, describe(a))
	}
	a = Triage(healthySnapshot(t), testNow)
	if sy := symptom(t, finding(t, a, ScenarioRotationJobFailing), SymSpecificTenants); sy.State != SymptomAbsent {
		t.Errorf("control: specific tenants %s (%q), want absent", sy.State, sy.Reason)
	}
}

// TestVars_RenderStepsPlaceholders: a command that still names a
// placeholder says so first in its note (it does not run as is); one
// without any keeps its note as it was.
func TestVars_RenderStepsPlaceholders(t *testing.T) {
	steps := []Step{
		{Title: "rotate one", Command: "kubectl create job x -n {{.Namespace}} -- TENANT_ID={{.AffectedTenant}} <image> <image>", Note: "Then check it."},
		{Title: "heredoc", Command: "vault policy write p - <<EOF\npath \"a\" {}\nEOF", Note: "As is."},
	}
	got := NewVars(healthySnapshot(t), testNow).RenderSteps(steps)
	if want := "Fill in <tenant-id>, <image> before running it: nothing read here names the value. Then check it."; got[0].Note != want {
		t.Errorf("note %q, want %q", got[0].Note, want)
	}
	if got[1].Note != "As is." {
		t.Errorf("a command without placeholders: note %q", got[1].Note)
	}
}

// TestTriage_OrchestratorScaledToZero: no orchestrator pod because its
// Deployment asks for none is said as that — no renewal service runs — a
// warning, not a selector to fix; what only its log shows stays unknown.
func TestTriage_OrchestratorScaledToZero(t *testing.T) {
	a := Triage(healthySnapshot(t, func(s *collectors.Snapshot) {
		s.Kubernetes.Orchestrator.Replicas, s.Kubernetes.Orchestrator.ReadyReplicas = 0, 0
		for i := range s.Logs.Selectors {
			if s.Logs.Selectors[i].Role == collectors.LogRoleOrchestrator {
				s.Logs.Selectors[i].Pods = nil
			}
		}
	}), testNow)
	var got *Condition
	for i := range a.Conditions {
		if a.Conditions[i].Kind == ConditionNoLogPods {
			got = &a.Conditions[i]
		}
	}
	if got == nil || got.Severity != SeverityWarning || !strings.Contains(got.Summary, "Deployment oss-ai-orchestrator is scaled to 0 replicas: no orchestrator runs, so the token renewal service is not running") {
		t.Fatalf("condition %+v, want a warning that the orchestrator is scaled to 0", got)
	}
	if a.ExitCode() == ExitOK {
		t.Errorf("exit 0 with no orchestrator running")
	}
}

// TestTriage_ScheduleNeverFires: a CronJob whose schedule names a date
// that does not exist makes no run, as a suspended one: said so.
func TestTriage_ScheduleNeverFires(t *testing.T) {
	a := Triage(healthySnapshot(t, func(s *collectors.Snapshot) {
		cronJobOf(t, s, collectors.RoleRotation).Schedule = "0 2 30 2 *"
	}), testNow)
	f := finding(t, a, ScenarioRotationJobFailing)
	var hit bool
	for _, sy := range f.Symptoms {
		for _, e := range sy.Evidence {
			hit = hit || sy.State == SymptomPresent && strings.Contains(e.Observed, `"0 2 30 2 *" never fires`)
		}
	}
	if !hit || f.Status == StatusClear {
		t.Errorf("Scenario 1 %s %+v: want the schedule that never fires present", f.Status, f.Symptoms)
	}
}

// TestTriage_SimilarCronJobs: a CronJob the runbook's grep lists beside
// the configured one is said, not judged: a warning when its latest run
// has not succeeded, info when it has.
func TestTriage_SimilarCronJobs(t *testing.T) {
	for name, tc := range map[string]struct {
		success *time.Time
		sev     Severity
		text    string
	}{
		"failing": {before(30 * time.Hour), SeverityWarning, "cmek-rotation-eu (like cmek-rotation: its last run (2025-03-12 02:00 UTC) has not succeeded since 2025-03-11 06:00 UTC)"},
		"healthy": {before(9 * time.Hour), SeverityInfo, "cmek-rotation-eu (like cmek-rotation: its latest run succeeded)"},
	} {
		t.Run(name, func(t *testing.T) {
			a := Triage(healthySnapshot(t, func(s *collectors.Snapshot) {
				s.Kubernetes.Similar = []collectors.SimilarCronJob{{Name: "cmek-rotation-eu", Like: "cmek-rotation", Schedule: "0 2 * * *",
					LastScheduleTime: before(10 * time.Hour), LastSuccessfulTime: tc.success}}
			}), testNow)
			var got *Condition
			for i := range a.Conditions {
				if a.Conditions[i].Kind == ConditionSimilarCronJobs {
					got = &a.Conditions[i]
				}
			}
			if got == nil || got.Severity != tc.sev || !strings.Contains(got.Summary, tc.text) {
				t.Fatalf("condition %+v, want %s saying %q", got, tc.sev, tc.text)
			}
			if tc.sev == SeverityWarning && a.ExitCode() == ExitOK {
				t.Errorf("exit 0 with a failing CronJob the runbook lists")
			}
		})
	}
}

// TestPostmortem_SuspendedNotYetOverdue: a rotation CronJob suspended while
// its last scheduled run is recent is a warning, and the postmortem's
// "rotation overdue > 7 days" does not hold for it (nothing to report to
// compliance yet); once that run is older than the interval plus the
// overdue days it holds.
func TestPostmortem_SuspendedNotYetOverdue(t *testing.T) {
	suspended := func(last time.Duration) snapOpt {
		return func(s *collectors.Snapshot) {
			cj := &s.Kubernetes.CronJobs[0]
			cj.Suspend, cj.LastScheduleTime = true, before(last)
		}
	}
	for name, tc := range map[string]struct {
		last       time.Duration
		reportable bool
	}{
		"suspended, last run 12h ago":    {last: 12 * time.Hour, reportable: false},
		"suspended, last run 9 days ago": {last: 9 * 24 * time.Hour, reportable: true},
	} {
		t.Run(name, func(t *testing.T) {
			s := healthySnapshot(t, suspended(tc.last))
			pm := MustDefault().Postmortem(nil, s, testNow, TimelineOptions{})
			var row *PMTenant
			for i := range pm.Compliance.Tenants {
				if pm.Compliance.Tenants[i].Tenant == "*" {
					row = &pm.Compliance.Tenants[i]
				}
			}
			if row == nil {
				t.Fatalf("no \"*\" row (rotation-suspended) in %+v", pm.Compliance.Tenants)
			}
			overdue := row.Conditions[0]
			if got, want := overdue.State == CondHolds, tc.reportable; got != want || pm.Compliance.Reportable != want {
				t.Errorf("overdue condition %s (reportable %v), want holds=%v: %+v", overdue.State, pm.Compliance.Reportable, want, overdue)
			}
			if len(overdue.Evidence) == 0 || !strings.Contains(overdue.Evidence[0], ComplianceRotationSuspended) {
				t.Errorf("overdue condition's evidence does not name the suspension: %+v", overdue)
			}
		})
	}
}

// TestTriage_AuditLostOnRestart: the security pods restarted (a rollout)
// after the last run, so their log begins an hour ago and what they logged
// before is gone. A tenant rotated in the last run is known not to be
// failing (Vault dated its version within the run); one not rotated since
// an earlier run may have failed in it, and the lost log held it: its
// failed-access state is unknown in the compliance section, and the diff
// says neither "recovered" nor "not failing" for it.
func TestTriage_AuditLostOnRestart(t *testing.T) {
	failedBefore := func(s *collectors.Snapshot) { // t03: failed 3 days ago, not rotated since
		tn := tenantOf(t, s, "t03")
		tn.CurrentCreated = before(4 * 24 * time.Hour)
		ts := s.Logs.Audit.Tenants["t03"]
		ts.LastSuccess, ts.LastFailure, ts.LastFailureReason, ts.Failures = before(4*24*time.Hour), before(3*24*time.Hour), "Encryption key not found", 1
		s.Logs.Audit.Tenants["t03"] = ts
		older := collectors.Job{Name: "cmek-rotation-29029080", CronJob: "cmek-rotation", Role: collectors.RoleRotation, Outcome: collectors.OutcomeSucceeded,
			Created: *before(3*24*time.Hour + time.Minute), Started: before(3*24*time.Hour + time.Minute), Finished: before(3*24*time.Hour - 5*time.Minute), Succeeded: 1}
		s.Kubernetes.Jobs = append(s.Kubernetes.Jobs, older)
		s.Logs.Pods[0].Window, s.Logs.Pods[0].Started = before(9*24*time.Hour), before(10*24*time.Hour)
	}
	rolled := func(s *collectors.Snapshot) { // the pods replaced an hour ago: their log holds nothing older
		s.Logs.Pods[0].Started = before(time.Hour)
		s.Logs.Audit.Tenants = map[string]auditlog.TenantSummary{}
		s.Logs.Audit.Counts = map[string]map[string]int{}
		s.Logs.Audit.Events = 0
	}
	lostUnknown := func(c Compliance) string {
		for _, u := range c.Unknown {
			if strings.HasPrefix(u, "failed access:") {
				return u
			}
		}
		return ""
	}
	t.Run("before the roll: t03 failing, nothing unknown", func(t *testing.T) {
		a := Triage(healthySnapshot(t, failedBefore), testNow)
		if u := lostUnknown(a.Compliance); u != "" {
			t.Errorf("compliance unknown %q before the roll", u)
		}
		if !slices.ContainsFunc(a.Compliance.Findings, func(f ComplianceFinding) bool { return f.Tenant == "t03" && f.Kind == ComplianceFailedAccess }) {
			t.Errorf("no failed-access finding for t03: %+v", a.Compliance.Findings)
		}
	})
	t.Run("rotated in the last run, pods rolled since: known", func(t *testing.T) {
		a := Triage(healthySnapshot(t, rolled, func(s *collectors.Snapshot) { s.Logs.Pods[0].Window = before(9 * 24 * time.Hour) }), testNow)
		if u := lostUnknown(a.Compliance); u != "" {
			t.Errorf("compliance unknown %q: every tenant rotated after the runs", u)
		}
	})
	t.Run("after the roll: t03 unknown, the diff says no recovery", func(t *testing.T) {
		bs := healthySnapshot(t, failedBefore)
		as := healthySnapshot(t, failedBefore, rolled)
		a := Triage(as, testNow)
		u := lostUnknown(a.Compliance)
		if !strings.Contains(u, "1 tenant failed cannot be told (t03") || !strings.Contains(u, "cmek-rotation-29033400") {
			t.Errorf("compliance unknown %q, want t03 named with the run whose log is gone", u)
		}
		if a.ExitCode() == ExitOK {
			t.Errorf("exit 0 with t03's latest outcome lost")
		}
		d := MustDefault().Diff(bs, as)
		for _, td := range d.Tenants.Changed {
			if td.Tenant == "t03" {
				t.Errorf("t03 changed %v (after failing %v): its failure was lost, not recovered", td.Changes, td.After.Failing)
			}
		}
		found := false
		for _, td := range d.Tenants.CannotTell {
			if td.Tenant == "t03" {
				found = true
				if td.After.Failing != nil {
					t.Errorf("t03 failing after = %v, want unknown", *td.After.Failing)
				}
			}
		}
		if !found {
			t.Errorf("t03 not in cannot-tell: %+v", d.Tenants)
		}
	})
}

// TestPostmortem_Conditions: a postmortem drafted while Vault is sealed
// says so as a condition, in JSON and Markdown: the critical exit code is
// explained by what it names.
func TestPostmortem_Conditions(t *testing.T) {
	s := healthySnapshot(t, func(s *collectors.Snapshot) { s.Vault.Health.Sealed = true })
	pm := MustDefault().Postmortem(nil, s, testNow, TimelineOptions{})
	if !slices.ContainsFunc(pm.Conditions, func(c Condition) bool { return c.Kind == ConditionVaultSealed }) {
		t.Fatalf("conditions %+v, want vault-sealed", pm.Conditions)
	}
	var md strings.Builder
	if err := pm.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md.String(), "## Conditions") || !strings.Contains(md.String(), "**"+ConditionVaultSealed+"** (critical)") {
		t.Errorf("markdown lacks the sealed condition:\n%s", md.String())
	}
}

// TestTriage_TokenMetricBelowEveryLiveToken: the token expiry metric's 0
// against Vault's live tokens of the role (23h and 20h left) is of no
// token Vault knows — an exporter that could not reach Vault, or a
// replica's token gone: the TTL is unknown with both named, never a
// critical "TTL 0s"; a metric lower than Vault's judged token but not
// below every live one still wins (a replica's own token).
func TestTriage_TokenMetricBelowEveryLiveToken(t *testing.T) {
	withTokens := func(metric float64) snapOpt {
		return func(s *collectors.Snapshot) {
			s.Vault.OrchestratorTokens = []collectors.TokenInfo{
				{Accessor: "acc-a", TTL: collectors.Duration(20 * time.Hour), Renewable: true, Source: "lookup-accessor"},
				{Accessor: "acc-b", TTL: collectors.Duration(23 * time.Hour), Renewable: true, Source: "lookup-accessor"},
			}
			s.Vault.OrchestratorToken = &s.Vault.OrchestratorTokens[0]
			m := metricOf(t, s, "tokenExpirySeconds")
			m.Series[0].Value = ptr(metric)
		}
	}
	for name, tc := range map[string]struct {
		metric float64
		want   SymptomState
		reason string
	}{
		"metric 0, every live token a day from expiry: cannot tell":         {0, SymptomUnknown, "lower than every live token of the role Vault holds"},
		"metric 19h, below the judged token only by an hour: absent at 19h": {19 * 3600, SymptomAbsent, ""},
	} {
		t.Run(name, func(t *testing.T) {
			a := Triage(healthySnapshot(t, withTokens(tc.metric)), testNow)
			sy := symptom(t, finding(t, a, ScenarioVaultTokenExpired), SymTokenExpiring)
			if sy.State != tc.want || !strings.Contains(sy.Reason, tc.reason) {
				t.Errorf("token-expiring %s (%s), want %s with %q", sy.State, sy.Reason, tc.want, tc.reason)
			}
		})
	}

	// both critical: Vault's judged token at 8m and a lower series at 0
	// (a gone pod's) — Vault's critical reading stands, never unknown
	t.Run("metric 0 and Vault's token at 8m: Vault's critical TTL", func(t *testing.T) {
		a := Triage(healthySnapshot(t, withTokens(0), func(s *collectors.Snapshot) {
			s.Vault.OrchestratorTokens[0].TTL = collectors.Duration(8 * time.Minute)
		}), testNow)
		sy := symptom(t, finding(t, a, ScenarioVaultTokenExpired), SymTokenExpiring)
		if sy.State != SymptomPresent || a.Facts.OrchestratorTokenTTL == nil || *a.Facts.OrchestratorTokenTTL != collectors.Duration(8*time.Minute) {
			t.Errorf("token-expiring %s (%s) %+v, TTL %v; want present at Vault's 8m", sy.State, sy.Reason, sy.Evidence, a.Facts.OrchestratorTokenTTL)
		}
	})
}

// TestTriage_DryRunsAfterDryRunOff: DRY_RUN=false set back on the cleanup
// CronJob does not rewrite its past: its failed run from when it was a dry
// run still fails the cleanup, a one-off dry run since is no cleanup, and
// with only dry runs finished the symptom is unknown — never all clear.
func TestTriage_DryRunsAfterDryRunOff(t *testing.T) {
	dry := []collectors.EnvVar{{Name: "DRY_RUN", Value: "true"}}
	world := func(failedFirst bool) snapOpt {
		return func(s *collectors.Snapshot) {
			cj := cronJobOf(t, s, collectors.RoleCleanup)
			cj.Env = []collectors.EnvVar{{Name: "DRY_RUN", Value: "false"}}
			j := jobOf(t, s, collectors.RoleCleanup)
			j.Env = dry
			if failedFirst {
				j.Outcome, j.Reason, j.Succeeded, j.Failed = collectors.OutcomeFailed, "BackoffLimitExceeded", 0, 1
			}
			start := before(10 * time.Minute)
			oneOff := collectors.Job{Name: "test-cleanup-1", CronJob: cj.Name, Role: collectors.RoleCleanup, Manual: true, Env: dry,
				Outcome: collectors.OutcomeSucceeded, Created: *start, Started: start, Finished: before(9 * time.Minute), Succeeded: 1}
			s.Kubernetes.Jobs = append([]collectors.Job{oneOff}, s.Kubernetes.Jobs...)
			cj.LastSuccessfulTime = oneOff.Finished
			// every other cleanup Job a dry run too
			for i := range s.Kubernetes.Jobs {
				if s.Kubernetes.Jobs[i].Role == collectors.RoleCleanup {
					s.Kubernetes.Jobs[i].Env = dry
				}
			}
		}
	}
	for name, tc := range map[string]struct {
		failed bool
		want   SymptomState
	}{
		"the failed dry run still fails it":    {true, SymptomPresent},
		"only dry runs succeeded: cannot tell": {false, SymptomUnknown},
	} {
		t.Run(name, func(t *testing.T) {
			a := Triage(healthySnapshot(t, world(tc.failed)), testNow)
			sy := symptom(t, finding(t, a, ScenarioCleanupFailing), SymCleanupJobFailed)
			if sy.State != tc.want {
				t.Errorf("cleanup-job-failed %s (%s) %+v, want %s", sy.State, sy.Reason, sy.Evidence, tc.want)
			}
			if a.Facts.LastCleanupSuccess != nil {
				t.Errorf("last cleanup success %v: a dry run", a.Facts.LastCleanupSuccess)
			}
			if a.ExitCode() == ExitOK {
				t.Error("exit 0 with no real cleanup since")
			}
		})
	}
}

// TestVerify_DryRunCleanupIsNoCleanup: with DRY_RUN=true left on the
// cleanup CronJob, its Jobs succeed and delete nothing: "the latest
// cleanup Job succeeded" fails saying so, and no dry run is the last
// successful cleanup.
func TestVerify_DryRunCleanupIsNoCleanup(t *testing.T) {
	s := healthySnapshot(t, func(s *collectors.Snapshot) {
		cj := cronJobOf(t, s, collectors.RoleCleanup)
		cj.Env = []collectors.EnvVar{{Name: "DRY_RUN", Value: "true"}}
		j := jobOf(t, s, collectors.RoleCleanup)
		j.Env = []collectors.EnvVar{{Name: "DRY_RUN", Value: "true"}}
	})
	if r := MustDefault().Verify(s, testNow, []string{"cleanup-succeeded"})[0]; r.State != CheckFail || !strings.Contains(r.Detail, "dry run") {
		t.Errorf("cleanup-succeeded %s (%s), want fail naming the dry run", r.State, r.Detail)
	}
	if a := Triage(s, testNow); a.Facts.LastCleanupSuccess != nil || !a.Facts.CleanupDryRunsOnly {
		t.Errorf("last successful cleanup %v (dry runs only %v): a dry run", a.Facts.LastCleanupSuccess, a.Facts.CleanupDryRunsOnly)
	}
	if a := Triage(healthySnapshot(t), testNow); a.Facts.CleanupDryRunsOnly || a.Facts.LastCleanupSuccess == nil {
		t.Errorf("a real cleanup: last %v, dry runs only %v", a.Facts.LastCleanupSuccess, a.Facts.CleanupDryRunsOnly)
	}
}

// TestPostmortem_OverdueBeforeTheFix: a tenant overdue > 7 days in the
// before snapshot and rotated since was overdue in the incident: the
// two-snapshot postmortem keeps it in the impact and the conditions to
// report (the runbook's duty does not end with the fix).
func TestPostmortem_OverdueBeforeTheFix(t *testing.T) {
	bs := healthySnapshot(t, func(s *collectors.Snapshot) {
		tn := tenantOf(t, s, "t03")
		tn.CurrentCreated = before(12 * 24 * time.Hour)
		ts := s.Logs.Audit.Tenants["t03"]
		ts.LastSuccess = before(12 * 24 * time.Hour)
		s.Logs.Audit.Tenants["t03"] = ts
	})
	as := healthySnapshot(t)
	pm := MustDefault().Postmortem(bs, as, testNow, TimelineOptions{})
	if !slices.ContainsFunc(pm.Impact.Overdue, func(o TenantOverdue) bool { return o.Tenant == "t03" }) {
		t.Errorf("impact overdue %+v, want t03 (overdue before the fix)", pm.Impact.Overdue)
	}
	if !pm.Compliance.Reportable {
		t.Errorf("not reportable: %+v", pm.Compliance.Tenants)
	}
}

// TestTriage_RunThatNeverCameToSomeTenants: the latest rotation run ended
// on its own, rotated the 10 tenants it knew, and never came to two more
// that Vault holds (its tenant list is stale): they were neither rotated
// nor failed, so Scenario 5's "only some tenants rotated" is present and
// names them — "the others failed: Scenario 1" was said, while Scenario 1
// named none. A tenant whose key was created after the run began was not
// the run's to rotate.
func TestTriage_RunThatNeverCameToSomeTenants(t *testing.T) {
	extra := func(created *time.Time, ids ...string) snapOpt {
		return func(s *collectors.Snapshot) {
			for _, id := range ids {
				s.Vault.Tenants = append(s.Vault.Tenants, collectors.Tenant{ID: id, Path: s.Config.TenantPath(id), CurrentVersion: 1, OldestVersion: 1,
					LiveVersions: 1, CurrentCreated: created, OldestCreated: created})
			}
		}
	}
	rotatedSince := func(ids ...string) snapOpt { // rotated an hour ago, after the run
		return func(s *collectors.Snapshot) {
			for _, id := range ids {
				at := before(time.Hour)
				if ts, ok := s.Logs.Audit.Tenants[id]; ok {
					ts.LastSuccess, ts.LastEvent = at, at
					s.Logs.Audit.Tenants[id] = ts
				}
				for i := range s.Vault.Tenants {
					if s.Vault.Tenants[i].ID == id {
						s.Vault.Tenants[i].CurrentCreated = at
					}
				}
			}
		}
	}
	for name, tc := range map[string]struct {
		opts    []snapOpt
		status  Status
		state   SymptomState
		tenants []string
		says    string
	}{
		"two tenants the run never came to": {opts: []snapOpt{extra(before(20*24*time.Hour), "acme corp", "t-new")}, status: StatusSuspected, state: SymptomPresent,
			tenants: []string{"acme corp", "t-new"}, says: "neither rotated nor logged failing (audit events, its Job log, Vault's version times): 2: acme corp, t-new"},
		"a tenant created after the run began": {opts: []snapOpt{extra(before(time.Hour), "t-later")}, status: StatusClear, state: SymptomAbsent},
		// the run ended 9h55m ago: a key written 30 s later is not one it rotated
		"a key written just after the run ended is not counted as rotated in it": {opts: []snapOpt{extra(before(9*time.Hour+54*time.Minute+30*time.Second), "t-after")},
			status: StatusClear, state: SymptomAbsent, says: "10 of 11 tenants rotated in it"},
		"every tenant rotated": {status: StatusClear, state: SymptomAbsent},
		// another CronJob's run (or a hand-made Job of none) rotated every
		// tenant an hour ago: the run's own evidence is overwritten, and
		// the tenants are rotated: none is missed
		"every tenant rotated since by another run": {opts: []snapOpt{rotatedSince(tenantIDs(10)...)}, status: StatusClear, state: SymptomAbsent,
			says: "0 of 10 tenants rotated in it; 10 rotated since, by a later run"},
		"tenants it never came to, rotated since": {opts: []snapOpt{extra(before(20*24*time.Hour), "acme corp", "t-new"), rotatedSince("acme corp")}, status: StatusSuspected, state: SymptomPresent,
			tenants: []string{"t-new"}, says: "1 rotated since, by a later run"},
		// O8: tenants whose metadata was denied, of which the run logged
		// nothing (the audit log lost with a restart): not missed, unknown
		"tenants whose key versions could not be read": {opts: []snapOpt{func(s *collectors.Snapshot) {
			for i := 2; i < 4; i++ {
				tn := &s.Vault.Tenants[i]
				tn.Error, tn.CurrentCreated, tn.OldestCreated = "read metadata: permission denied (403)", nil, nil
				delete(s.Logs.Audit.Tenants, tn.ID)
			}
		}}, status: StatusUnknown, state: SymptomUnknown, says: "2 tenant(s) whose key versions could not be read (t03, t04)"},
		// O13: a tenant folder with no key yet is not the run's to rotate
		"a tenant with no key at the path": {opts: []snapOpt{func(s *collectors.Snapshot) {
			s.Vault.Tenants = append(s.Vault.Tenants, collectors.Tenant{ID: "newtenant", Path: s.Config.TenantPath("newtenant"), Missing: true, Error: "404 on its metadata"})
		}}, status: StatusClear, state: SymptomAbsent},
	} {
		t.Run(name, func(t *testing.T) {
			a := Triage(healthySnapshot(t, tc.opts...), testNow)
			f := finding(t, a, ScenarioBatchTimeout)
			r := symptom(t, f, SymPartialCoverage)
			if f.Status != tc.status || r.State != tc.state {
				t.Fatalf("scenario 5 %s, coverage %s (%+v), want %s, %s", f.Status, r.State, r.Evidence, tc.status, tc.state)
			}
			text := r.Reason + " | "
			for _, e := range r.Evidence {
				text += evidenceLine(e) + " | "
			}
			if strings.Contains(text, "the others failed") || !strings.Contains(text, tc.says) {
				t.Errorf("evidence %q, want it to say %q and not that the others failed", text, tc.says)
			}
			if tc.tenants != nil && !slices.Equal(f.Tenants, tc.tenants) {
				t.Errorf("tenants %v, want %v", f.Tenants, tc.tenants)
			}
		})
	}
}

// TestTriage_RunInProgressIsSaid: a rotation Job made 2 minutes ago whose
// pod is Pending was said nowhere (the scenarios judge the newest finished
// run, and a stuck one only after 5 minutes): a runs-in-progress condition
// names it, info, and the exit code stays the scenarios'.
func TestTriage_RunInProgressIsSaid(t *testing.T) {
	a := Triage(healthySnapshot(t, func(s *collectors.Snapshot) {
		s.Kubernetes.Jobs = append([]collectors.Job{{Name: "manual-rotation-9", CronJob: "cmek-rotation", Role: collectors.RoleRotation, Manual: true,
			Outcome: collectors.OutcomeRunning, Created: *before(2 * time.Minute),
			Pods: []collectors.Pod{{Name: "manual-rotation-9-x", Phase: "Pending", Created: *before(2 * time.Minute)}}}}, s.Kubernetes.Jobs...)
	}), testNow)
	var got *Condition
	for i := range a.Conditions {
		if a.Conditions[i].Kind == ConditionRunsInProgress {
			got = &a.Conditions[i]
		}
	}
	if got == nil || got.Severity != SeverityInfo || !strings.Contains(got.Summary, "rotation Job manual-rotation-9: made 2025-03-12") || !strings.Contains(got.Summary, "pods 1 Pending") {
		t.Fatalf("conditions %+v, want the running Job named with its Pending pod", a.Conditions)
	}
	if a.ExitCode() != ExitOK {
		t.Errorf("exit %d, want %d: a run under way is no finding", a.ExitCode(), ExitOK)
	}
	if got := Triage(healthySnapshot(t), testNow); slices.ContainsFunc(got.Conditions, func(c Condition) bool { return c.Kind == ConditionRunsInProgress }) {
		t.Error("a condition with every Job finished")
	}
}

// TestTriage_AuditEnabledUnset: a Deployment that does not set
// AUDIT_ENABLED leaves it to the orchestrator's default, which the tool
// cannot read: audit events read show it on; with none, unknown — never
// "not disabled" from the variable's absence.
func TestTriage_AuditEnabledUnset(t *testing.T) {
	unset := func(s *collectors.Snapshot) {
		d := s.Kubernetes.Orchestrator
		d.Env = slices.DeleteFunc(slices.Clone(d.Env), func(e collectors.EnvVar) bool { return e.Name == "AUDIT_ENABLED" })
		d.AuditEnabled = nil
	}
	noEvents := func(s *collectors.Snapshot) { s.Logs.Audit.Events = 0 }
	for name, tc := range map[string]struct {
		opts []snapOpt
		want SymptomState
	}{
		"unset, events read": {[]snapOpt{unset}, SymptomAbsent},
		"unset, no event":    {[]snapOpt{unset, noEvents}, SymptomUnknown},
	} {
		t.Run(name, func(t *testing.T) {
			sy := symptom(t, finding(t, Triage(healthySnapshot(t, tc.opts...), testNow), ScenarioAuditMissing), SymAuditDisabled)
			if sy.State != tc.want {
				t.Errorf("audit-disabled %s (%s) %+v, want %s", sy.State, sy.Reason, sy.Evidence, tc.want)
			}
		})
	}
}

// TestTriage_MissedRunsNotSuspended: a CronJob not suspended whose
// schedule passed without a run (its controller down, or
// startingDeadlineSeconds passed) makes no run, as if suspended: said with
// the runs missed; a run due minutes ago is not yet missed.
func TestTriage_MissedRunsNotSuspended(t *testing.T) {
	for name, tc := range map[string]struct {
		last     time.Duration // ago
		schedule string
		written  time.Duration // ago: the CronJob's last write (0: not recorded)
		events   []collectors.Event
		want     SymptomState
		says     string
	}{
		"last scheduled 3 days ago, daily": {last: 3 * 24 * time.Hour, want: SymptomPresent, says: "scheduled run(s) (0 2 * * *) missed"},
		"last scheduled 10h ago, daily":    {last: 10 * time.Hour, want: SymptomAbsent},
		// the schedule edited a minute ago: the runs it names before were
		// never due (N4: "1351 runs missed, the controller was down")
		"schedule just edited to every minute": {last: 22 * time.Hour, schedule: "* * * * *", written: time.Minute, want: SymptomAbsent},
		"edited 30m ago, no run since":         {last: 22 * time.Hour, schedule: "* * * * *", written: 30 * time.Minute, want: SymptomPresent, says: "since the CronJob was last written"},
		// its controller's Job refused (N6): said at once, with why
		"Job creation refused": {last: 4 * time.Minute, schedule: "* * * * *", written: time.Hour, want: SymptomPresent, says: "could not create the Job of a scheduled run (3 time(s)",
			events: []collectors.Event{{Object: "CronJob/cmek-rotation", Type: "Warning", Reason: "FailedCreate", Count: 3, Last: testNow.Add(-time.Minute),
				Message: `Error creating job: jobs.batch "cmek-rotation-29944845" is forbidden: ValidatingAdmissionPolicy 'deny-rotation-jobs' denied request`}}},
		"a refusal before the last run": {last: 4 * time.Minute, schedule: "* * * * *", written: time.Hour, want: SymptomAbsent,
			events: []collectors.Event{{Object: "CronJob/cmek-rotation", Type: "Warning", Reason: "FailedCreate", Count: 1, Last: testNow.Add(-5 * time.Minute), Message: "quota"}}},
	} {
		t.Run(name, func(t *testing.T) {
			a := Triage(healthySnapshot(t, func(s *collectors.Snapshot) {
				cj := cronJobOf(t, s, collectors.RoleRotation)
				cj.Schedule, cj.LastScheduleTime, cj.Active = orDefault(tc.schedule, "0 2 * * *"), before(tc.last), 0
				if tc.written > 0 {
					cj.SpecChanged = before(tc.written)
				}
				s.Kubernetes.Events = tc.events
			}), testNow)
			sy := symptom(t, finding(t, a, ScenarioRotationJobFailing), SymRotationCronjobSuspended)
			if sy.State != tc.want || (tc.want == SymptomPresent && !strings.Contains(evidenceLine(sy.Evidence[0]), tc.says)) {
				t.Errorf("rotation-cronjob-suspended %s %+v, want %s (%q)", sy.State, sy.Evidence, tc.want, tc.says)
			}
		})
	}
}

// TestPostmortem_AfterTheFixes: a postmortem drafted live once the fixes
// landed says it judges the state now, counts the tenants the window's
// failures name as affected, lists a scenario clear now whose failures the
// window holds, and with a before snapshot keeps the versions over
// retention of then.
func TestPostmortem_AfterTheFixes(t *testing.T) {
	failedAt := testNow.Add(-8 * time.Hour)
	fixed := healthySnapshot(t, func(s *collectors.Snapshot) {
		s.Logs.Audit.RecentEvents = append(s.Logs.Audit.RecentEvents,
			auditlog.Event{Time: &failedAt, Action: "cmek.rotation.failed", Outcome: "failure", Tenant: "t04", Reason: "permission denied", Source: "security-0"})
	})
	pm := MustDefault().Postmortem(nil, fixed, testNow, TimelineOptions{})
	if !slices.Contains(pm.Impact.TenantsAffected, "t04") {
		t.Errorf("tenants affected %v, want t04: the window's failure names it", pm.Impact.TenantsAffected)
	}
	if !strings.Contains(pm.Basis, "no snapshot of before") {
		t.Errorf("basis %q, want it to say the state now is judged", pm.Basis)
	}
	i := slices.IndexFunc(pm.Scenarios, func(sc PMScenario) bool { return sc.ID == ScenarioRotationJobFailing })
	if i < 0 || pm.Scenarios[i].Now != StatusClear || !strings.Contains(pm.Scenarios[i].Summary, "t04 cmek.rotation.failed failure") {
		t.Errorf("scenarios %+v, want Scenario 1 clear now with the window's failure", pm.Scenarios)
	}
	var md strings.Builder
	if err := pm.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md.String(), "**Judged on the state now:**") {
		t.Errorf("markdown lacks the basis:\n%s", md.String())
	}

	before := healthySnapshot(t, func(s *collectors.Snapshot) { s.Vault.Tenants[2].LiveVersions = 12 })
	before.CollectedAt = testNow.Add(-time.Hour)
	pm = MustDefault().Postmortem(before, healthySnapshot(t), testNow, TimelineOptions{})
	if len(pm.Impact.OverRetention) != 1 || pm.Impact.OverRetention[0].Tenant != "t03" || pm.Impact.OverRetention[0].Live != 12 || pm.Basis != "" {
		t.Errorf("over retention %+v (basis %q), want t03 with 12 as before the fix, no basis", pm.Impact.OverRetention, pm.Basis)
	}
}
