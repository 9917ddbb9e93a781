package runbook

import (
	"strings"
	"testing"
	"time"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors/auditlog"
)

// logsSince makes the security pod's log begin at d ago (its container
// restarted then) and hold no audit event: what it logged before is gone.
func logsSince(d time.Duration, restarts int32) snapOpt {
	return func(s *collectors.Snapshot) {
		s.Logs.Pods = []collectors.LogSource{{Pod: "security-0", Container: "app", Bytes: 2048, Started: before(d), Restarts: restarts}}
		s.Logs.Audit.Tenants = map[string]auditlog.TenantSummary{}
		s.Logs.Audit.FirstEvent, s.Logs.Audit.LastEvent, s.Logs.Audit.Events = nil, nil, 0
		s.Logs.Audit.Counts = map[string]map[string]int{}
	}
}

// failuresLogged adds a failure audit event for every tenant d ago (a
// re-run that failed them all).
func failuresLogged(d time.Duration) snapOpt {
	return func(s *collectors.Snapshot) {
		for _, tn := range s.Vault.Tenants {
			s.Logs.Audit.Tenants[tn.ID] = auditlog.TenantSummary{LastFailure: before(d), Failures: 1, LastEvent: before(d), LastAction: "cmek.rotation.failed"}
		}
		s.Logs.Audit.FirstEvent, s.Logs.Audit.LastEvent, s.Logs.Audit.Events = before(d), before(d), len(s.Vault.Tenants)
		s.Logs.Audit.Counts = map[string]map[string]int{"cmek.rotation.failed": {"failure": len(s.Vault.Tenants)}}
	}
}

// deadlineRun makes the newest rotation run time out 10h ago, with the
// tenants given a key version within it.
func deadlineRun(rotated int) snapOpt {
	return func(s *collectors.Snapshot) {
		j := jobOfRole(s, collectors.RoleRotation)
		j.Outcome, j.Reason, j.Succeeded, j.Failed = collectors.OutcomeFailed, "DeadlineExceeded", 0, 1
		j.Finished = before(9*time.Hour + 50*time.Minute)
		j.Pods = []collectors.Pod{pod("cmek-rotation-29033400-ddddd", exited(143))}
		for i := range s.Vault.Tenants {
			if i >= rotated {
				s.Vault.Tenants[i].CurrentCreated = before(34 * time.Hour) // the run before
			}
		}
	}
}

// TestTriage_AuditWindow: when the security pods' log begins after the last
// rotation run (the pods restarted since), "no audit events for the run" is
// not evidence: Scenario 6 is not raised on it, and Scenario 5's coverage
// comes from Vault's version times.
func TestTriage_AuditWindow(t *testing.T) {
	cases := map[string]struct {
		opts     []snapOpt
		scenario string
		status   Status
		symptom  SymptomID
		state    SymptomState
		says     string // in the symptom's reason or evidence
		tenants  int    // Finding.Tenants, when > 0
	}{
		"a log read from before the run, no event: Scenario 6 is raised": {
			opts:     []snapOpt{logsSince(9*24*time.Hour, 0)},
			scenario: ScenarioAuditMissing, status: StatusActive, symptom: SymRotationsWithoutAudit, state: SymptomPresent,
		},
		"the pod restarted after the run: the run is outside the window": {
			opts:     []snapOpt{logsSince(time.Hour, 1)},
			scenario: ScenarioAuditMissing, status: StatusUnknown, symptom: SymMissingRotationEvents, state: SymptomUnknown,
			says: "run cmek-rotation-29033400 started 2025-03-12 02:00 UTC, before the audit log's window (pod security-0's log begins at 2025-03-12 11:00 UTC, when its container restarted (1 restart)",
		},
		"the pod restarted after the run: no trail symptom on that alone": {
			opts:     []snapOpt{logsSince(time.Hour, 1)},
			scenario: ScenarioAuditMissing, status: StatusUnknown, symptom: SymRotationsWithoutAudit, state: SymptomUnknown,
			says: "all happened before the audit log's window",
		},
		// the pods replaced after the run (AUDIT_ENABLED fixed), then a
		// re-run that failed every tenant: its failure events are no trail
		// of the rotations before the window
		"the pod replaced after the run, failures logged since: the trail stays unknown": {
			opts:     []snapOpt{logsSince(time.Hour, 0), failuresLogged(30 * time.Minute)},
			scenario: ScenarioAuditMissing, status: StatusUnknown, symptom: SymRotationsWithoutAudit, state: SymptomUnknown,
			says: "all happened before the audit log's window",
		},
		"the pod replaced after the run, failures logged since: the run's events stay unknown": {
			opts:     []snapOpt{logsSince(time.Hour, 0), failuresLogged(30 * time.Minute)},
			scenario: ScenarioAuditMissing, status: StatusUnknown, symptom: SymMissingRotationEvents, state: SymptomUnknown,
			says: "before the audit log's window",
		},
		"a rotation inside the window with only failures logged: no trail for it": {
			opts: []snapOpt{logsSince(time.Hour, 0), failuresLogged(30 * time.Minute),
				func(s *collectors.Snapshot) { s.Vault.Tenants[0].CurrentCreated = before(20 * time.Minute) }},
			scenario: ScenarioAuditMissing, status: StatusActive, symptom: SymRotationsWithoutAudit, state: SymptomPresent,
			says: "successful rotation audit events since the window began: none",
		},
		"a rotation inside the window with its success logged: the trail is there": {
			opts: []snapOpt{logsSince(time.Hour, 0), func(s *collectors.Snapshot) {
				s.Vault.Tenants[0].CurrentCreated = before(20 * time.Minute)
				s.Logs.Audit.Tenants[s.Vault.Tenants[0].ID] = auditlog.TenantSummary{LastSuccess: before(20 * time.Minute), Successes: 1, LastEvent: before(20 * time.Minute)}
				s.Logs.Audit.LastEvent, s.Logs.Audit.Events = before(20*time.Minute), 1
			}},
			scenario: ScenarioAuditMissing, symptom: SymRotationsWithoutAudit, state: SymptomAbsent,
			says: "successful rotation audit events since the audit log's window began: the latest",
		},
		"a rotation inside the window without an event is still one": {
			opts:     []snapOpt{logsSince(time.Hour, 1), func(s *collectors.Snapshot) { s.Vault.Tenants[0].CurrentCreated = before(20 * time.Minute) }},
			scenario: ScenarioAuditMissing, status: StatusActive, symptom: SymRotationsWithoutAudit, state: SymptomPresent,
			says: "tenants with a key version created since the audit log's window began: 1",
		},
		"a replaced pod's log rotated away: its first line is later than its start": {
			opts:     []snapOpt{logsSince(9*24*time.Hour, 0), func(s *collectors.Snapshot) { s.Logs.Pods[0].FirstLine = before(2 * time.Hour) }},
			scenario: ScenarioAuditMissing, status: StatusUnknown, symptom: SymMissingRotationEvents, state: SymptomUnknown,
			says: "its beginning was rotated away",
		},
		"a log cut by the byte limit before the run": {
			opts: []snapOpt{logsSince(9*24*time.Hour, 0), func(s *collectors.Snapshot) {
				s.Logs.Pods[0].Truncated, s.Logs.Pods[0].LastEvent = true, before(30*time.Hour)
				s.Logs.Audit.LastEvent = before(30 * time.Hour)
			}},
			scenario: ScenarioAuditMissing, symptom: SymMissingRotationEvents, state: SymptomUnknown,
			says: "read only up to the byte limit",
		},
		"the pod restarted after the run: no failed tenant, from the run's Job log searched whole": {
			opts:     []snapOpt{logsSince(time.Hour, 1)},
			scenario: ScenarioRotationJobFailing, symptom: SymSpecificTenants, state: SymptomAbsent,
			says: "tenants failed in run cmek-rotation-29033400 (from its Job log: the audit log's window misses the run): none",
		},
		"the pod restarted after the run, its Job log cut: which tenants failed is unknown": {
			opts:     []snapOpt{logsSince(time.Hour, 1), func(s *collectors.Snapshot) { jobOfRole(s, collectors.RoleRotation).Log.Truncated = true }},
			scenario: ScenarioRotationJobFailing, status: StatusUnknown, symptom: SymSpecificTenants, state: SymptomUnknown,
			says: "the failures it logged may be gone, and its Job log was not searched whole",
		},
		"the pod restarted after the run, its Job log not read: which tenants failed is unknown": {
			opts:     []snapOpt{logsSince(time.Hour, 1), func(s *collectors.Snapshot) { jobOfRole(s, collectors.RoleRotation).Log = nil }},
			scenario: ScenarioRotationJobFailing, status: StatusUnknown, symptom: SymSpecificTenants, state: SymptomUnknown,
			says: "before the audit log's window",
		},
		"Scenario 5 outside the window: coverage from Vault's version times": {
			opts:     []snapOpt{logsSince(time.Hour, 1), deadlineRun(4)},
			scenario: ScenarioBatchTimeout, status: StatusActive, symptom: SymPartialCoverage, state: SymptomPresent,
			says: "4 of 10", tenants: 6,
		},
		"Scenario 5 outside the window, every tenant has its version": {
			opts:     []snapOpt{logsSince(time.Hour, 1), deadlineRun(10)},
			scenario: ScenarioBatchTimeout, status: StatusActive, symptom: SymPartialCoverage, state: SymptomAbsent,
			says: "10 of 10",
		},
		"Scenario 5 outside the window, Vault unreadable: unknown, saying why": {
			opts:     []snapOpt{logsSince(time.Hour, 1), deadlineRun(4), broken(collectors.SourceVault)},
			scenario: ScenarioBatchTimeout, status: StatusActive, symptom: SymPartialCoverage, state: SymptomUnknown,
			says: "before the audit log's window",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			a := Triage(healthySnapshot(t, tc.opts...), testNow)
			f := finding(t, a, tc.scenario)
			if tc.status != "" && f.Status != tc.status {
				t.Errorf("%s = %s (%s), want %s%s", tc.scenario, f.Status, f.Summary, tc.status, describe(a))
			}
			r := symptom(t, f, tc.symptom)
			if r.State != tc.state {
				t.Errorf("%s = %s (%s), want %s%s", tc.symptom, r.State, r.Reason, tc.state, describe(a))
			}
			text := r.Reason
			for _, e := range r.Evidence {
				text += " | " + evidenceLine(e)
			}
			if !strings.Contains(text, tc.says) {
				t.Errorf("%s says %q, want it to say %q", tc.symptom, text, tc.says)
			}
			if tc.tenants > 0 && len(f.Tenants) != tc.tenants {
				t.Errorf("tenants = %v, want %d", f.Tenants, tc.tenants)
			}
		})
	}
}

func TestLogSource_Since(t *testing.T) {
	start, later := before(5*time.Hour), before(time.Hour)
	for name, tc := range map[string]struct {
		src  collectors.LogSource
		want *time.Time
	}{
		"start only":          {collectors.LogSource{Started: start}, start},
		"first line later":    {collectors.LogSource{Started: start, FirstLine: later}, later},
		"first line earlier":  {collectors.LogSource{Started: later, FirstLine: start}, later},
		"first line only":     {collectors.LogSource{FirstLine: later}, later},
		"nothing known: open": {collectors.LogSource{}, nil},
	} {
		got := tc.src.Since()
		if (got == nil) != (tc.want == nil) || got != nil && !got.Equal(*tc.want) {
			t.Errorf("%s: Since = %v, want %v", name, got, tc.want)
		}
	}
}

// TestBook_Verify_RotationOutsideAuditWindow: "rotation succeeded" does not
// fail on missing audit events when the security pod's log begins after
// the run: they may have been written and be gone.
func TestBook_Verify_RotationOutsideAuditWindow(t *testing.T) {
	cases := map[string]struct {
		opt   snapOpt
		state CheckState
		says  string
	}{
		"the log read from before the run, no event: fail": {opt: logsSince(9*24*time.Hour, 0), state: CheckFail, says: "the audit trail is missing"},
		"the pod restarted after the run: unknown": {opt: logsSince(time.Hour, 1), state: CheckUnknown,
			says: "run cmek-rotation-29033400 started 2025-03-12 02:00 UTC, before the audit log's window"},
		"events read: pass": {opt: func(*collectors.Snapshot) {}, state: CheckPass, says: "audit events of successful rotations"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			r := mustDefault(t).Verify(healthySnapshot(t, tc.opt), testNow, []string{"rotation-succeeded"})
			if r[0].State != tc.state || !strings.Contains(r[0].Detail, tc.says) {
				t.Errorf("%s: %s, want %s saying %q", r[0].State, r[0].Detail, tc.state, tc.says)
			}
		})
	}
}
