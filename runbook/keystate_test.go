package runbook

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors/auditlog"
)

// TestTriage_KeyState: a tenant whose current version, or one within
// retention, is soft-deleted or destroyed, or whose key is gone while the
// audit log or the metrics name it, is critical with the tenant named and
// the runbook's impact stated; the undelete step's command is exact.
func TestTriage_KeyState(t *testing.T) {
	const noUndelete = "(no command)"
	tenant := func(s *collectors.Snapshot, id string) *collectors.Tenant {
		for i := range s.Vault.Tenants {
			if s.Vault.Tenants[i].ID == id {
				return &s.Vault.Tenants[i]
			}
		}
		t.Fatalf("no tenant %s", id)
		return nil
	}
	cases := map[string]struct {
		opt      snapOpt
		severity Severity // of the key-unavailable findings; "" none
		tenants  []string
		detail   []string
		undelete string // the undelete step's command; noUndelete: none
	}{
		"healthy": {opt: func(*collectors.Snapshot) {}, undelete: noUndelete},
		"current version soft-deleted": {
			opt: func(s *collectors.Snapshot) {
				tn := tenant(s, "t03")
				tn.Deleted, tn.CurrentDeletionTime = []int{30}, before(2*time.Hour)
			},
			severity: SeverityCritical, tenants: []string{"t03"},
			detail:   []string{"current key version 30 soft-deleted 2h00m ago: Encryption key not found", "restore with: vault kv undelete -versions=30 secret/tenants/t03/cmek"},
			undelete: "vault kv undelete -versions=30 secret/tenants/t03/cmek",
		},
		"a soft-deleted key whose path needs quoting: the finding's command runs as is": {
			opt: func(s *collectors.Snapshot) {
				s.Vault.Tenants = append(s.Vault.Tenants, collectors.Tenant{ID: "acme corp", Path: "secret/tenants/acme corp/cmek", CurrentVersion: 2, Deleted: []int{2}, CurrentDeletionTime: before(time.Hour)})
				s.Connection.VaultEnv = []string{"VAULT_ADDR=http://127.0.0.1:8200"}
			},
			severity: SeverityCritical, tenants: []string{"acme corp"},
			detail:   []string{"restore with: VAULT_ADDR=http://127.0.0.1:8200 vault kv undelete -versions=2 secret/'tenants/acme corp/cmek'"},
			undelete: "VAULT_ADDR=http://127.0.0.1:8200 vault kv undelete -versions=2 secret/'tenants/acme corp/cmek'",
		},
		"current version destroyed": {
			opt: func(s *collectors.Snapshot) {
				tn := tenant(s, "t04")
				tn.Destroyed, tn.CurrentDestroyed = []int{30}, true
			},
			severity: SeverityCritical, tenants: []string{"t04"},
			detail:   []string{"current key version 30 destroyed: Encryption key not found", "only a restore of Vault from a backup"},
			undelete: noUndelete,
		},
		"versions within retention deleted and destroyed, older ones deleted by the cleanup": {
			opt: func(s *collectors.Snapshot) {
				tn := tenant(s, "t05")
				tn.Deleted, tn.Destroyed = []int{20, 27, 28}, []int{21, 26}
				tn2 := tenant(s, "t01")
				tn2.Deleted = []int{29}
			},
			severity: SeverityCritical, tenants: []string{"t01", "t05"},
			detail:   []string{"version 27,28, within retention (5), soft-deleted: data encrypted with old keys may become inaccessible", "version 26, within retention (5), destroyed"},
			undelete: "vault kv undelete -versions=29 secret/tenants/t01/cmek\nvault kv undelete -versions=27,28 secret/tenants/t05/cmek",
		},
		"key gone while the audit log names the tenant": {
			opt: func(s *collectors.Snapshot) {
				s.Logs.Audit.Tenants["t11"] = auditlog.TenantSummary{LastFailure: before(time.Hour), Failures: 1, LastEvent: before(time.Hour), LastFailureReason: "Encryption key not found"}
			},
			severity: SeverityCritical, tenants: []string{"t11"},
			detail: []string{"no key at secret/tenants/t11/cmek (not listed under secret/metadata/tenants/) while the audit log names the tenant: Encryption key not found"},
		},
		"key gone while a metric names the tenant": {
			opt: func(s *collectors.Snapshot) {
				m := metricOf(t, s, "rotations")
				m.Series = append(m.Series, collectors.Series{Labels: map[string]string{"tenant": "t12"}, Value: ptr(3.0)})
			},
			severity: SeverityCritical, tenants: []string{"t12"},
			detail: []string{"while metric cmek_rotation_total names the tenant"},
		},
		"key gone while a summed metric names the tenant by name": {
			opt: func(s *collectors.Snapshot) {
				m := metricOf(t, s, "rotationsFailed")
				m.SummedOver = []string{"tenant", "tenant_id", "tenantId"}
				m.Tenants = []string{"t13"}
			},
			severity: SeverityCritical, tenants: []string{"t13"},
			detail: []string{"while metric cmek_rotations_failed_total names the tenant"},
		},
		"no name matches: a naming mismatch, a warning": {
			opt: func(s *collectors.Snapshot) {
				s.Logs.Audit.Tenants = map[string]auditlog.TenantSummary{"42": {LastEvent: before(time.Hour)}, "43": {LastEvent: before(time.Hour)}}
				s.Prometheus.Metrics = s.Prometheus.Metrics[:2] // no tenant label
			},
			severity: SeverityWarning, tenants: []string{"*"},
			detail: []string{"none of the 2 tenants the audit log names (42, 43) has a key", "check vault.tenantPathTemplate"},
		},
		// O7: tenantPathTemplate names the key otherwise (tenants/{tenant}/key):
		// every listed folder 404s at it while the audit log names them all
		"no listed folder has a key at the template's path: a naming mismatch, a warning": {
			opt: func(s *collectors.Snapshot) {
				for i := range s.Vault.Tenants {
					tn := &s.Vault.Tenants[i]
					*tn = collectors.Tenant{ID: tn.ID, Path: "secret/tenants/" + tn.ID + "/key", Missing: true}
				}
			},
			severity: SeverityWarning, tenants: []string{"*"},
			detail: []string{"none of the 10 tenant folders listed under secret/metadata/tenants/ has a key at {tenant}/cmek", "check vault.tenantPathTemplate"},
		},
		"a listed folder without a key that nothing names: no key lost": {
			opt: func(s *collectors.Snapshot) {
				s.Vault.Tenants = append(s.Vault.Tenants, collectors.Tenant{ID: "t-900", Path: "secret/tenants/t-900/cmek", Missing: true})
			},
			undelete: noUndelete,
		},
		"a listed folder without a key that the audit log names: gone": {
			opt: func(s *collectors.Snapshot) {
				s.Vault.Tenants = append(s.Vault.Tenants, collectors.Tenant{ID: "t-900", Path: "secret/tenants/t-900/cmek", Missing: true})
				s.Logs.Audit.Tenants["t-900"] = auditlog.TenantSummary{LastFailure: before(time.Hour), Failures: 1, LastEvent: before(time.Hour)}
			},
			severity: SeverityCritical, tenants: []string{"t-900"},
			detail: []string{"key secret/tenants/t-900/cmek is gone (404 on its metadata): Encryption key not found"},
		},
		"an old audit mention does not count": {
			opt: func(s *collectors.Snapshot) {
				s.Logs.Audit.Tenants["t11"] = auditlog.TenantSummary{LastEvent: before(30 * 24 * time.Hour)}
			},
			undelete: noUndelete,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := healthySnapshot(t, tc.opt)
			r := mustDefault(t).NewReport(s, testNow, "test")
			a := r.Assessment
			var got []string
			var details string
			for _, c := range a.Compliance.Findings {
				if c.Kind == ComplianceKeyUnavailable {
					got = append(got, c.Tenant)
					details += c.Detail + "\n"
					if c.Severity != tc.severity {
						t.Errorf("%s: severity %s, want %s", c.Tenant, c.Severity, tc.severity)
					}
				}
			}
			if !slices.Equal(got, tc.tenants) {
				t.Errorf("key-unavailable tenants %v, want %v", got, tc.tenants)
			}
			for _, w := range tc.detail {
				if !strings.Contains(details, w) {
					t.Errorf("details\n%s\nlack %q", details, w)
				}
			}
			f := finding(t, a, ScenarioRetentionOverflow)
			sy := symptom(t, f, symptomKeyLost)
			switch {
			case tc.severity == SeverityCritical:
				if f.Status != StatusActive || f.Severity != SeverityCritical || sy.State != SymptomPresent || !strings.HasPrefix(f.Summary, "key unavailable: ") {
					t.Errorf("scenario 4 %s %s (%s), symptom %s; want active, critical, led by the lost key", f.Status, f.Severity, f.Summary, sy.State)
				}
				for _, id := range tc.tenants {
					if !slices.Contains(f.Tenants, id) {
						t.Errorf("scenario 4 tenants %v lack %s", f.Tenants, id)
					}
				}
				if a.Overall != SeverityCritical {
					t.Errorf("overall %s, want critical", a.Overall)
				}
			case tc.severity == SeverityWarning:
				if sy.State != SymptomUnknown {
					t.Errorf("symptom %s, want unknown on a naming mismatch", sy.State)
				}
			default:
				if sy.State != SymptomAbsent || f.Status != StatusClear {
					t.Errorf("scenario 4 %s, symptom %s (%s), want clear and absent", f.Status, sy.State, sy.Reason)
				}
			}
			if tc.undelete != "" {
				step := renderedStep(t, mustDefault(t), s, a, ScenarioRetentionOverflow, "undelete")
				want := tc.undelete
				if want == noUndelete {
					// no command to copy; the note says why
					want = ""
					if !strings.Contains(step.Note, "nothing to undelete") {
						t.Errorf("undelete step's note %q does not say there is nothing to undelete", step.Note)
					}
				}
				if step.Command != want {
					t.Errorf("undelete step\n%s\nwant\n%s", step.Command, want)
				}
			}
		})
	}
}

// renderedStep is the step of a scenario whose title holds word, rendered
// as the report renders it.
func renderedStep(tb testing.TB, b *Book, s *collectors.Snapshot, a Assessment, scenario, word string) RenderedStep {
	tb.Helper()
	f := finding(tb, a, scenario)
	for _, st := range NewVars(s, testNow).ForFinding(f).RenderSteps(b.StepsFor(f)) {
		if strings.Contains(strings.ToLower(st.Title), word) {
			return st
		}
	}
	tb.Fatalf("no %q step in %s", word, scenario)
	return RenderedStep{}
}

// TestUndeleteCommands_Bounded: the undelete command lists at most 20
// keys and counts the rest.
func TestUndeleteCommands_Bounded(t *testing.T) {
	s := healthySnapshot(t, func(s *collectors.Snapshot) {
		s.Vault.Tenants = nil
		for _, id := range tenantIDs(25) {
			s.Vault.Tenants = append(s.Vault.Tenants, collectors.Tenant{ID: id, CurrentVersion: 3, Deleted: []int{3}})
		}
	})
	lines := strings.Split(undeleteCommands(s, "vault"), "\n")
	if len(lines) != 21 || lines[0] != "vault kv undelete -versions=3 secret/tenants/t01/cmek" || lines[20] != "# and 5 more keys: the Tenants view flags them KEY-LOST" {
		t.Errorf("%d lines: %q … %q", len(lines), lines[0], lines[len(lines)-1])
	}
}
