package runbook

import (
	"strings"
	"testing"
	"time"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors/auditlog"
)

// withPhrase puts n lines holding phrase in the pods' logs, the last at at.
func withPhrase(phrase string, n int, at *time.Time) snapOpt {
	return func(s *collectors.Snapshot) {
		for i := range s.Logs.Audit.Phrases {
			if p := &s.Logs.Audit.Phrases[i]; p.Phrase == phrase {
				p.Lines = n
				p.Last = &auditlog.PhraseLine{Time: at, Text: `{"level":"warn","msg":"` + phrase + ` for secret/tenants/t-03/cmek"}`, Source: "security-0"}
			}
		}
	}
}

func TestTriage_PodLogPhrases(t *testing.T) {
	overRetention := func(s *collectors.Snapshot) {
		s.Vault.Tenants[2].LiveVersions, s.Vault.Tenants[2].MaxVersions = 12, 0
	}
	cases := map[string]struct {
		opts     []snapOpt
		scenario string
		symptom  SymptomID
		want     SymptomState
		status   Status
		says     string
	}{
		"version limit in the orchestrator's log, tenants within retention: past": {
			opts:     []snapOpt{withPhrase(phraseVersionLimit, 3, before(2*time.Hour))},
			scenario: ScenarioRetentionOverflow, symptom: SymVersionLimitLogged, want: SymptomAbsent, status: StatusClear,
			says: "not current: no tenant is over retention now",
		},
		"version limit in the orchestrator's log, Vault unread: suspected": {
			opts:     []snapOpt{withPhrase(phraseVersionLimit, 3, before(2*time.Hour)), broken(collectors.SourceVault)},
			scenario: ScenarioRetentionOverflow, symptom: SymVersionLimitLogged, want: SymptomPresent, status: StatusSuspected,
			says: "log of pod security-0 (3 line(s)",
		},
		"version limit in the orchestrator's log, a tenant over retention": {
			opts:     []snapOpt{withPhrase(phraseVersionLimit, 1, nil), overRetention},
			scenario: ScenarioRetentionOverflow, symptom: SymVersionLimitLogged, want: SymptomPresent, status: StatusActive,
			says: "Version limit exceeded for secret/tenants/t-03/cmek",
		},
		"no phrase, a pod's log stopped at the byte limit": {
			opts:     []snapOpt{func(s *collectors.Snapshot) { s.Logs.Pods[0].Truncated = true }},
			scenario: ScenarioRetentionOverflow, symptom: SymVersionLimitLogged, want: SymptomUnknown, status: StatusUnknown,
			says: "newest lines were not searched",
		},
		"no phrase, the security pods gone": {
			opts: []snapOpt{func(s *collectors.Snapshot) {
				s.Logs.Pods = nil
				for i := range s.Logs.Selectors {
					s.Logs.Selectors[i].Pods = nil
				}
			}},
			scenario: ScenarioCleanupFailing, symptom: SymTooManyVersionsLogged, want: SymptomUnknown, status: StatusUnknown,
			says: "no pod matches",
		},
		"too many versions after the last cleanup run": {
			opts:     []snapOpt{withPhrase(phraseTooManyVersions, 5, before(time.Hour))},
			scenario: ScenarioCleanupFailing, symptom: SymTooManyVersionsLogged, want: SymptomPresent, status: StatusSuspected,
			says: "Too many versions for secret/tenants/t-03/cmek",
		},
		"too many versions before a cleanup run that succeeded": {
			opts:     []snapOpt{withPhrase(phraseTooManyVersions, 5, before(20*time.Hour))},
			scenario: ScenarioCleanupFailing, symptom: SymTooManyVersionsLogged, want: SymptomAbsent, status: StatusClear,
			says: "not current: cleanup Job secret-cleanup-29033460",
		},
		"too many versions, undated": {
			opts:     []snapOpt{withPhrase(phraseTooManyVersions, 1, nil)},
			scenario: ScenarioCleanupFailing, symptom: SymTooManyVersionsLogged, want: SymptomPresent, status: StatusSuspected,
		},
		"an old snapshot that did not count them": {
			opts:     []snapOpt{func(s *collectors.Snapshot) { s.Logs.Audit.Phrases = nil }},
			scenario: ScenarioRetentionOverflow, symptom: SymVersionLimitLogged, want: SymptomUnknown, status: StatusUnknown,
			says: "taken before they were counted",
		},
		"none in logs read whole": {
			scenario: ScenarioRetentionOverflow, symptom: SymVersionLimitLogged, want: SymptomAbsent, status: StatusClear,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			f := finding(t, Triage(healthySnapshot(t, tc.opts...), testNow), tc.scenario)
			r := symptom(t, f, tc.symptom)
			if r.State != tc.want || f.Status != tc.status {
				t.Fatalf("%s %s (%s %+v); %s %s (%s), want %s and %s", tc.symptom, r.State, r.Reason, r.Evidence, tc.scenario, f.Status, f.Summary, tc.want, tc.status)
			}
			all := r.Reason
			for _, e := range r.Evidence {
				all += "\n" + e.Fact + " " + e.Observed
			}
			if !strings.Contains(all, tc.says) {
				t.Errorf("%s says %q, want %q in it", tc.symptom, all, tc.says)
			}
		})
	}
}
