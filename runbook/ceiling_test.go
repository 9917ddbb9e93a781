package runbook

import (
	"strings"
	"testing"
	"time"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
)

// TestTriage_TokenCeiling: a token near its TTL and near its max TTL
// cannot be saved by renewal: the evidence says so, the renew step says to
// restart instead and the restart step that it is the fix; the ceiling is
// beside the TTL in the key facts. A token near its TTL far from its
// ceiling is told to renew as before.
func TestTriage_TokenCeiling(t *testing.T) {
	token := func(ttl, toCeiling time.Duration) snapOpt {
		return func(s *collectors.Snapshot) {
			tok := s.Vault.OrchestratorToken
			created := testNow.Add(toCeiling - 2*time.Hour)
			ceiling := testNow.Add(toCeiling)
			tok.TTL, tok.CreationTime, tok.ExplicitMaxTTL = collectors.Duration(ttl), &created, collectors.Duration(2*time.Hour)
			tok.MaxTTL, tok.MaxTTLSource, tok.CeilingAt = collectors.Duration(2*time.Hour), "explicit_max_ttl 2h", &ceiling
		}
	}
	cases := map[string]struct {
		opt     snapOpt
		atLimit bool
	}{
		"near TTL and ceiling": {opt: token(40*time.Minute, 40*time.Minute), atLimit: true},
		"near TTL, ceiling far": {opt: func(s *collectors.Snapshot) {
			token(40*time.Minute, 0)(s)
			c := testNow.Add(20 * 24 * time.Hour)
			s.Vault.OrchestratorToken.CeilingAt, s.Vault.OrchestratorToken.MaxTTLSource = &c, "max_lease_ttl 768h of auth/kubernetes (the mount's, else the system's)"
		}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := healthySnapshot(t, tc.opt)
			b := mustDefault(t)
			a := b.Triage(s, testNow)
			f := finding(t, a, ScenarioVaultTokenExpired)
			sy := symptom(t, f, SymTokenExpiring)
			says := strings.Contains(sy.Evidence[0].Observed, "renewal cannot extend it, only a new login")
			renew := renderedStep(t, b, s, a, ScenarioVaultTokenExpired, "force token renewal")
			restart := renderedStep(t, b, s, a, ScenarioVaultTokenExpired, "restart the orchestrator")
			if tc.atLimit {
				if sy.State != SymptomPresent || !says || !strings.Contains(f.Summary, "max TTL 2h00m (explicit_max_ttl 2h), reached 2025-03-12 12:40 UTC (in 40m)") {
					t.Errorf("token-expiring %s: %q; summary %q", sy.State, sy.Evidence[0].Observed, f.Summary)
				}
				if !strings.HasPrefix(renew.Note, "Renewal cannot help now: the token reaches its max TTL at 2025-03-12 12:40 UTC (in 40m; explicit_max_ttl 2h)") ||
					!strings.HasPrefix(restart.Note, "This is the fix now") {
					t.Errorf("renew note %q, restart note %q", renew.Note, restart.Note)
				}
			} else if says || renew.Note != "" || strings.HasPrefix(restart.Note, "This is the fix now") {
				t.Errorf("ceiling far, yet: evidence %q, renew note %q, restart note %q", sy.Evidence[0].Observed, renew.Note, restart.Note)
			}
			if a.Facts.OrchestratorTokenCeiling == nil || !strings.Contains(a.Facts.OrchestratorTokenMaxTTL, "(") {
				t.Errorf("facts ceiling %v %q", a.Facts.OrchestratorTokenCeiling, a.Facts.OrchestratorTokenMaxTTL)
			}
			var txt strings.Builder
			if err := b.NewReport(s, testNow, "test").WriteText(&txt); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(txt.String(), "orchestrator Vault token TTL   40m (from vault (lookup-accessor acc-orch-1)); max TTL") {
				t.Errorf("key facts lack the ceiling beside the TTL:\n%s", txt.String())
			}
		})
	}
}
