package runbook

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
)

func scenarioDiffOf(tb testing.TB, d Diff, id string) ScenarioDiff {
	tb.Helper()
	for _, s := range d.Scenarios {
		if s.ID == id {
			return s
		}
	}
	tb.Fatalf("diff has no scenario %s", id)
	return ScenarioDiff{}
}

func tenantDiffOf(d Diff, id string) (TenantDiff, bool) {
	for _, t := range d.Tenants.Changed {
		if t.Tenant == id {
			return t, true
		}
	}
	return TenantDiff{}, false
}

func deadlineExceeded(tb testing.TB) snapOpt {
	return func(s *collectors.Snapshot) {
		j := jobOf(tb, s, collectors.RoleRotation)
		j.Outcome, j.Reason, j.Finished = collectors.OutcomeFailed, "DeadlineExceeded", before(9*time.Hour+50*time.Minute)
	}
}

func overRetention(s *collectors.Snapshot) {
	s.Vault.Tenants[1].LiveVersions, s.Vault.Tenants[1].MaxVersions = 9, 0
}

// partOf makes one part of a source unreadable (the source partial).
func partOf(src, part, errText string) snapOpt {
	return func(s *collectors.Snapshot) {
		for i := range s.Sources {
			if s.Sources[i].Source == src {
				s.Sources[i].State = collectors.StatePartial
				s.Sources[i].Problems = append(s.Sources[i].Problems, collectors.Problem{Part: part, Error: errText})
			}
		}
	}
}

// tenantUnreadable: t03's metadata could not be read.
func tenantUnreadable(s *collectors.Snapshot) {
	for i := range s.Vault.Tenants {
		if s.Vault.Tenants[i].ID == "t03" {
			s.Vault.Tenants[i].Error = "read metadata: 429 rate limited"
		}
	}
}

func tenantFailed(s *collectors.Snapshot) {
	ts := s.Logs.Audit.Tenants["t05"]
	ts.LastFailure, ts.LastFailureReason, ts.Failures = before(2*time.Hour), "permission denied", 1
	s.Logs.Audit.Tenants["t05"] = ts
}

// TestBook_Diff: two snapshots, each judged at the time it was taken;
// what changed is named by scenario, symptom, tenant, source, alert,
// setting and compliance finding, and what could not be read in one of
// the two is unknown there, never fixed.
func TestBook_Diff(t *testing.T) {
	book := MustDefault()
	type check func(t *testing.T, d Diff)
	scenario := func(id string, from, to Status, change string) check {
		return func(t *testing.T, d Diff) {
			t.Helper()
			s := scenarioDiffOf(t, d, id)
			if s.Before != from || s.After != to || s.Change != change {
				t.Errorf("%s: %s → %s (%s), want %s → %s (%s)", id, s.Before, s.After, s.Change, from, to, change)
			}
		}
	}
	symptomChange := func(id string, sym SymptomID, change string) check {
		return func(t *testing.T, d Diff) {
			t.Helper()
			for _, sy := range scenarioDiffOf(t, d, id).Symptoms {
				if sy.ID == sym {
					if sy.Change != change {
						t.Errorf("%s symptom %s: %s → %s (%s), want %s", id, sym, sy.Before, sy.After, sy.Change, change)
					}
					return
				}
			}
			t.Errorf("%s: symptom %s did not change; want %s (symptoms %+v)", id, sym, change, scenarioDiffOf(t, d, id).Symptoms)
		}
	}
	setting := func(object, name, from, to string) check {
		return func(t *testing.T, d Diff) {
			t.Helper()
			for _, s := range d.Settings {
				if s.Object == object && s.Setting == name {
					if s.Before != from || s.After != to {
						t.Errorf("%s %s: %q → %q, want %q → %q", object, name, s.Before, s.After, from, to)
					}
					return
				}
			}
			t.Errorf("no setting change %s %s in %+v", object, name, d.Settings)
		}
	}
	tenant := func(id string, want ...string) check {
		return func(t *testing.T, d Diff) {
			t.Helper()
			td, ok := tenantDiffOf(d, id)
			if !ok {
				t.Fatalf("tenant %s did not change; changed: %+v", id, d.Tenants.Changed)
			}
			got := strings.Join(td.Changes, "; ")
			for _, w := range want {
				if !strings.Contains(got, w) {
					t.Errorf("tenant %s changes %q lack %q", id, got, w)
				}
			}
		}
	}
	// cannotTell: the tenant's facts differ only by being unknown in one
	// snapshot; it is not listed as changed.
	cannotTell := func(id string, want ...string) check {
		return func(t *testing.T, d Diff) {
			t.Helper()
			if _, ok := tenantDiffOf(d, id); ok {
				t.Errorf("tenant %s listed as changed; its facts are only unknown in one snapshot", id)
			}
			for _, td := range d.Tenants.CannotTell {
				if td.Tenant == id {
					got := strings.Join(td.Changes, "; ")
					for _, w := range want {
						if !strings.Contains(got, w) {
							t.Errorf("tenant %s changes %q lack %q", id, got, w)
						}
					}
					return
				}
			}
			t.Errorf("tenant %s not among the cannot-tell tenants %+v", id, d.Tenants.CannotTell)
		}
	}
	compliance := func(tenant, kind, change string) check {
		return func(t *testing.T, d Diff) {
			t.Helper()
			for _, c := range d.Compliance {
				if c.Tenant == tenant && c.Kind == kind {
					if c.Change != change {
						t.Errorf("compliance %s %s: %s, want %s", tenant, kind, c.Change, change)
					}
					return
				}
			}
			t.Errorf("no compliance change %s %s in %+v", tenant, kind, d.Compliance)
		}
	}
	source := func(name, change string) check {
		return func(t *testing.T, d Diff) {
			t.Helper()
			for _, s := range d.Sources {
				if s.Source == name {
					if s.Change != change {
						t.Errorf("source %s: %s → %s (%s), want %s", name, s.Before, s.After, s.Change, change)
					}
					return
				}
			}
			t.Errorf("source %s did not change: %+v", name, d.Sources)
		}
	}
	alert := func(name, from, to, change string) check {
		return func(t *testing.T, d Diff) {
			t.Helper()
			for _, a := range d.Alerts.Changes {
				if a.Name == name {
					if a.Before != from || a.After != to || a.Change != change {
						t.Errorf("alert %s: %s → %s (%s), want %s → %s (%s)", name, a.Before, a.After, a.Change, from, to, change)
					}
					return
				}
			}
			t.Errorf("alert %s did not change: %+v", name, d.Alerts)
		}
	}
	exit := func(code int) check {
		return func(t *testing.T, d Diff) {
			t.Helper()
			if d.ExitCode != code {
				t.Errorf("exit code %d, want %d (the state after)", d.ExitCode, code)
			}
		}
	}
	// neverFixed: nothing in the diff says a thing was fixed or went away
	// when the after snapshot could not see it.
	neverFixed := func(t *testing.T, d Diff) {
		t.Helper()
		for _, s := range d.Scenarios {
			if s.Change == ChangeResolved {
				t.Errorf("scenario %s resolved (%s → %s)", s.ID, s.Before, s.After)
			}
			for _, sy := range s.Symptoms {
				if sy.Change == ChangeCleared {
					t.Errorf("%s symptom %s cleared", s.ID, sy.ID)
				}
			}
		}
		for _, c := range d.Compliance {
			if c.Change == ChangeRemoved {
				t.Errorf("compliance %s %s removed", c.Tenant, c.Kind)
			}
		}
		for _, a := range d.Alerts.Changes {
			if a.Change == ChangeStoppedFiring {
				t.Errorf("alert %s stopped firing", a.Name)
			}
		}
		for _, td := range append(d.Tenants.Changed, d.Tenants.CannotTell...) {
			for _, c := range td.Changes {
				if strings.Contains(c, "back within") || strings.Contains(c, "no longer") || strings.Contains(c, "recovered") {
					t.Errorf("tenant %s: %q", td.Tenant, c)
				}
			}
		}
	}

	cases := map[string]struct {
		before, after []snapOpt
		checks        []check
	}{
		"the same state": {
			checks: []check{func(t *testing.T, d Diff) {
				for _, s := range d.Scenarios {
					if s.Change != ChangeUnchanged || len(s.Symptoms) > 0 || s.Cause != nil {
						t.Errorf("scenario %s: %s", s.ID, s.Change)
					}
				}
				if len(d.Facts)+len(d.Tenants.Changed)+len(d.Tenants.CannotTell)+len(d.Sources)+len(d.Alerts.Changes)+len(d.Settings)+len(d.Compliance)+len(d.Notes) > 0 {
					t.Errorf("changes between equal snapshots: %+v", d)
				}
				if d.Tenants.Unchanged != 10 {
					t.Errorf("%d tenants unchanged, want 10", d.Tenants.Unchanged)
				}
			}, exit(ExitOK)},
		},
		"a tenant unreadable in both: the same as far as read, not unchanged": {
			before: []snapOpt{tenantUnreadable},
			after:  []snapOpt{tenantUnreadable},
			checks: []check{func(t *testing.T, d Diff) {
				if d.Tenants.Unchanged != 9 || d.Tenants.SameAsRead != 1 {
					t.Errorf("%d unchanged, %d the same as far as read, want 9 and 1", d.Tenants.Unchanged, d.Tenants.SameAsRead)
				}
				if got := d.Tenants.counts(); !strings.Contains(got, "9 unchanged, 1 the same as far as read") {
					t.Errorf("counts %q", got)
				}
			}},
		},
		"a source partial in both, another part unreadable after: a change, not 'no change'": {
			before: []snapOpt{partOf(collectors.SourceKubernetes, "configmaps", "list configmaps: forbidden")},
			after:  []snapOpt{partOf(collectors.SourceKubernetes, "events", "list events: forbidden")},
			checks: []check{func(t *testing.T, d Diff) {
				var text bytes.Buffer
				if err := d.WriteText(&text); err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(text.String(), "kubernetes: partial → partial (") || !strings.Contains(text.String(), "list events: forbidden") ||
					!strings.Contains(text.String(), "before: ") {
					t.Errorf("sources: %+v\n%s", d.Sources, text.String())
				}
			}},
		},
		"5: deadline raised, the run fits": {
			before: []snapOpt{deadlineExceeded(t)},
			after: []snapOpt{func(s *collectors.Snapshot) {
				cronJobOf(t, s, collectors.RoleRotation).ActiveDeadlineSeconds = ptr(int64(1800))
			}},
			checks: []check{
				scenario(ScenarioBatchTimeout, StatusActive, StatusClear, ChangeResolved),
				symptomChange(ScenarioBatchTimeout, SymDeadlineExceeded, ChangeCleared),
				setting("CronJob cmek-rotation", "activeDeadlineSeconds", "600", "1800"),
				exit(ExitOK),
			},
		},
		"5 appears": {
			after:  []snapOpt{deadlineExceeded(t)},
			checks: []check{scenario(ScenarioBatchTimeout, StatusClear, StatusActive, ChangeAppeared), symptomChange(ScenarioBatchTimeout, SymDeadlineExceeded, ChangeAppeared), exit(ExitCritical)},
		},
		"3: DRY_RUN set back to false": {
			before: []snapOpt{func(s *collectors.Snapshot) { cronJobOf(t, s, collectors.RoleCleanup).Env[0].Value = "true" }},
			checks: []check{
				scenario(ScenarioCleanupFailing, StatusActive, StatusClear, ChangeResolved),
				symptomChange(ScenarioCleanupFailing, SymDryRunLeftOn, ChangeCleared),
				setting("CronJob secret-cleanup", "env DRY_RUN", "true", "false"),
			},
		},
		"4: Vault unreadable after: unknown, never fixed": {
			before: []snapOpt{overRetention},
			after:  []snapOpt{broken(collectors.SourceVault)},
			checks: []check{
				scenario(ScenarioRetentionOverflow, StatusActive, StatusUnknown, ChangeBecameUnknown),
				symptomChange(ScenarioRetentionOverflow, SymTenantsOverRetention, ChangeBecameUnknown),
				source(collectors.SourceVault, ChangeUnreadable),
				compliance("t02", ComplianceOverRetention, ChangeBecameUnknown),
				cannotTell("t02", "live versions 9 → unknown", "over retention: yes → unknown", "last rotation 2025-03-12 02:00 UTC → unknown (at least 2025-03-12 02:00 UTC)"),
				neverFixed, exit(ExitUnknown),
			},
		},
		"4: trimmed": {
			before: []snapOpt{overRetention},
			checks: []check{
				scenario(ScenarioRetentionOverflow, StatusActive, StatusClear, ChangeResolved),
				tenant("t02", "live versions 9 → 5", "back within retention (5)"),
				compliance("t02", ComplianceOverRetention, ChangeRemoved),
			},
		},
		"logs readable again": {
			before: []snapOpt{broken(collectors.SourceLogs)},
			checks: []check{
				source(collectors.SourceLogs, ChangeReadable),
				scenario(ScenarioAuditMissing, StatusUnknown, StatusClear, ChangeBecameKnown),
				func(t *testing.T, d Diff) {
					if len(d.Tenants.Unknown) == 0 || !strings.HasPrefix(d.Tenants.Unknown[0], "before: audit events: ") {
						t.Errorf("tenants unknown = %q, want the before snapshot's audit events", d.Tenants.Unknown)
					}
					// Vault's version times alone showed every tenant
					// within its interval: not overdue was known before
					for _, td := range append(d.Tenants.Changed, d.Tenants.CannotTell...) {
						for _, c := range td.Changes {
							if strings.HasPrefix(c, "overdue: unknown") {
								t.Errorf("tenant %s: %q", td.Tenant, c)
							}
						}
					}
				},
			},
		},
		"a tenant recovers": {
			before: []snapOpt{tenantFailed},
			after: []snapOpt{func(s *collectors.Snapshot) {
				tenantFailed(s)
				ts := s.Logs.Audit.Tenants["t05"]
				ts.LastSuccess = before(time.Hour)
				s.Logs.Audit.Tenants["t05"] = ts
			}},
			checks: []check{
				tenant("t05", "recovered", "last rotation "),
				compliance("t05", ComplianceFailedAccess, ChangeRemoved),
				scenario(ScenarioRotationJobFailing, StatusSuspected, StatusClear, ChangeResolved),
			},
		},
		"a tenant starts failing, logs unreadable after": {
			before: []snapOpt{tenantFailed},
			after:  []snapOpt{broken(collectors.SourceLogs)},
			checks: []check{cannotTell("t05", "failing: yes → unknown"), neverFixed},
		},
		"a tenant failing, no security pod matched after: not 'recovered'": {
			before: []snapOpt{tenantFailed},
			after: []snapOpt{func(s *collectors.Snapshot) {
				s.Logs.Audit.Tenants, s.Logs.Audit.Events, s.Logs.Pods = nil, 0, nil
				s.Logs.Selectors[0].Pods = nil // -l app.kubernetes.io/component=security matched none
			}},
			checks: []check{func(t *testing.T, d Diff) {
				var got []string
				if td, ok := tenantDiffOf(d, "t05"); ok {
					got = td.Changes
				}
				for _, td := range d.Tenants.CannotTell {
					if td.Tenant == "t05" {
						got = append(got, td.Changes...)
					}
				}
				if all := strings.Join(got, "; "); !strings.Contains(all, "failing: yes → unknown") || strings.Contains(all, "recovered") {
					t.Errorf("t05: %q, want failing: yes → unknown, never recovered", all)
				}
			}, neverFixed},
		},
		"alerts stop firing": {
			before: []snapOpt{withAlert("CMEKRotationFailed", "firing", map[string]string{"namespace": "ns"})},
			checks: []check{alert("CMEKRotationFailed", "firing", AlertInactive, ChangeStoppedFiring), func(t *testing.T, d Diff) {
				for _, f := range d.Facts {
					if f.Name == "firing alerts" && f.Before == "1" && f.After == "0" {
						return
					}
				}
				t.Errorf("facts %+v lack firing alerts 1 → 0", d.Facts)
			}},
		},
		"alerts unreadable after": {
			before: []snapOpt{withAlert("CMEKRotationFailed", "firing", map[string]string{"namespace": "ns"})},
			after:  []snapOpt{broken(collectors.SourcePrometheus)},
			checks: []check{alert("CMEKRotationFailed", "firing", AlertUnknown, ChangeBecameUnknown), source(collectors.SourcePrometheus, ChangeUnreadable), neverFixed,
				// the alert alone made Scenario 1 suspected: the triage says
				// clear by its symptoms, the diff cannot call it resolved
				scenario(ScenarioRotationJobFailing, StatusSuspected, StatusClear, ChangeBecameUnknown),
				func(t *testing.T, d Diff) {
					if c := scenarioDiffOf(t, d, ScenarioRotationJobFailing).Caveat; !strings.Contains(c, "CMEKRotationFailed") {
						t.Errorf("caveat %q does not name the alert", c)
					}
				},
				func(t *testing.T, d Diff) {
					if len(d.Alerts.Unknown) != 1 || !strings.HasPrefix(d.Alerts.Unknown[0], "after: ") {
						t.Errorf("alerts unknown %q", d.Alerts.Unknown)
					}
				}},
		},
		"alert starts firing": {
			after:  []snapOpt{withAlert("SecretVersionOverflow", "firing", map[string]string{"tenant": "t03"})},
			checks: []check{alert("SecretVersionOverflow", AlertInactive, "firing", ChangeStartedFiring)},
		},
		"rotation suspended": {
			after: []snapOpt{func(s *collectors.Snapshot) { cronJobOf(t, s, collectors.RoleRotation).Suspend = true }},
			checks: []check{
				setting("CronJob cmek-rotation", "suspend", "false", "true"),
				compliance("*", ComplianceRotationSuspended, ChangeAdded),
			},
		},
		"audit enabled on the orchestrator": {
			before: []snapOpt{func(s *collectors.Snapshot) {
				s.Kubernetes.Orchestrator.Env[0].Value, s.Kubernetes.Orchestrator.AuditEnabled = "false", ptr(false)
			}},
			checks: []check{setting("Deployment oss-ai-orchestrator", "env AUDIT_ENABLED", "false", "true")},
		},
		"kubernetes unreadable after": {
			after: []snapOpt{broken(collectors.SourceKubernetes)},
			checks: []check{
				setting("CronJob cmek-rotation", "*", "read", "unknown: kubernetes: "+sourceErrors[collectors.SourceKubernetes]),
				scenario(ScenarioBatchTimeout, StatusClear, StatusUnknown, ChangeBecameUnknown), neverFixed, exit(ExitUnknown),
			},
		},
		"a tenant new in Vault, one gone": {
			after: []snapOpt{func(s *collectors.Snapshot) {
				s.Vault.Tenants[9].ID = "t11"
				delete(s.Logs.Audit.Tenants, "t10")
			}},
			checks: []check{tenant("t11", "new in Vault"), tenant("t10", "gone from Vault")},
		},
		"other namespace, taken earlier": {
			after: []snapOpt{func(s *collectors.Snapshot) { s.Namespace, s.CollectedAt = "other", testNow.Add(-time.Minute) }},
			checks: []check{func(t *testing.T, d Diff) {
				n := strings.Join(d.Notes, "\n")
				if !strings.Contains(n, "different places") || !strings.Contains(n, "arguments swapped") {
					t.Errorf("notes %q", d.Notes)
				}
			}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			d := book.Diff(healthySnapshot(t, tc.before...), healthySnapshot(t, tc.after...))
			for _, c := range tc.checks {
				c(t, d)
			}
			// every format writes, and the JSON reads back as the diff
			var text, md, js bytes.Buffer
			if err := d.WriteText(&text); err != nil {
				t.Fatal(err)
			}
			if err := d.WriteMarkdown(&md); err != nil {
				t.Fatal(err)
			}
			if err := d.WriteJSON(&js); err != nil {
				t.Fatal(err)
			}
			var back Diff
			if err := json.Unmarshal(js.Bytes(), &back); err != nil || back.SchemaVersion != DiffSchemaVersion || len(back.Scenarios) != 6 {
				t.Errorf("JSON: %v, schema %d, %d scenarios", err, back.SchemaVersion, len(back.Scenarios))
			}
			for _, s := range d.Scenarios {
				if s.Change != ChangeUnchanged && !strings.Contains(text.String(), s.Title+": "+string(s.Before)+" → "+string(s.After)) {
					t.Errorf("text lacks %s %s → %s:\n%s", s.Title, s.Before, s.After, text.String())
				}
			}
		})
	}
}

// TestBook_DiffJudgedAtTakenAt: each snapshot is judged at the time it
// was taken: a tenant last rotated 30 days before the after snapshot is
// overdue there, and the same tenant 10 hours old in the before one is not.
func TestBook_DiffJudgedAtTakenAt(t *testing.T) {
	b := healthySnapshot(t)
	a := healthySnapshot(t, func(s *collectors.Snapshot) {
		s.CollectedAt = testNow.Add(30 * 24 * time.Hour)
		for i := range s.Sources {
			s.Sources[i].CollectedAt = s.CollectedAt
		}
	})
	d := MustDefault().Diff(b, a)
	if d.Before.TakenAt != testNow || !d.After.TakenAt.Equal(testNow.Add(30*24*time.Hour)) {
		t.Errorf("sides %v %v", d.Before.TakenAt, d.After.TakenAt)
	}
	td, ok := tenantDiffOf(d, "t01")
	if !ok || !strings.Contains(strings.Join(td.Changes, ";"), "newly overdue") {
		t.Errorf("t01 = %+v, want newly overdue", td)
	}
	found := false
	for _, c := range d.Compliance {
		found = found || (c.Tenant == "t01" && c.Kind == ComplianceOverdue && c.Change == ChangeAdded)
	}
	if !found {
		t.Errorf("compliance %+v lacks t01 overdue added", d.Compliance)
	}
}

// TestStatusChange: every pair of states; a change to or from unknown is
// never resolved nor appeared.
func TestStatusChange(t *testing.T) {
	cases := map[[2]Status]string{
		{StatusActive, StatusActive}:     ChangeUnchanged,
		{StatusActive, StatusClear}:      ChangeResolved,
		{StatusSuspected, StatusClear}:   ChangeResolved,
		{StatusClear, StatusActive}:      ChangeAppeared,
		{StatusClear, StatusSuspected}:   ChangeAppeared,
		{StatusActive, StatusSuspected}:  ChangeChanged,
		{StatusActive, StatusUnknown}:    ChangeBecameUnknown,
		{StatusClear, StatusUnknown}:     ChangeBecameUnknown,
		{StatusUnknown, StatusClear}:     ChangeBecameKnown,
		{StatusUnknown, StatusActive}:    ChangeBecameKnown,
		{StatusUnknown, StatusUnknown}:   ChangeUnchanged,
		{"", StatusClear}:                ChangeBecameKnown,
		{StatusSuspected, StatusActive}:  ChangeChanged,
		{StatusClear, StatusClear}:       ChangeUnchanged,
		{StatusSuspected, StatusUnknown}: ChangeBecameUnknown,
	}
	for in, want := range cases {
		if got := statusChange(in[0], in[1]); got != want {
			t.Errorf("%s → %s: %s, want %s", in[0], in[1], got, want)
		}
	}
}
