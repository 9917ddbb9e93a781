package runbook

import (
	"strings"
	"testing"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
)

// TestLoginRisk_Accounts: a service account the role binds that does not
// exist, or pod templates running as one the role does not bind, keep
// Scenario 2 from clear and say what fixes it: the missing account is
// created (no role write helps), the fix-role step binds the accounts the
// pods run as.
func TestLoginRisk_Accounts(t *testing.T) {
	t.Run("service account gone", func(t *testing.T) {
		s := healthySnapshot(t, func(s *collectors.Snapshot) { s.Kubernetes.ServiceAccounts[0].Found = false })
		risk := LoginRisk(s)
		if !strings.Contains(risk, "kubectl create serviceaccount oss-ai-orchestrator -n ns") || strings.Contains(risk, "fix the role first") {
			t.Errorf("loginRisk %q, want the account's creation, not a role write", risk)
		}
		a := Triage(s, testNow)
		f := finding(t, a, ScenarioVaultTokenExpired)
		if f.Status == StatusClear || a.ExitCode() == 0 {
			t.Errorf("Scenario 2 %s (%s), exit %d: want not clear while no pod can log in", f.Status, f.Summary, a.ExitCode())
		}
		if r := symptom(t, f, SymRoleMisconfigured); r.State != SymptomPresent {
			t.Errorf("role symptom %s, want present", r.State)
		}
	})
	t.Run("pods run as another account", func(t *testing.T) {
		s := healthySnapshot(t, func(s *collectors.Snapshot) { s.Kubernetes.Orchestrator.ServiceAccount = "vault-auth" })
		if got := RoleServiceAccounts(s); got != "oss-ai-orchestrator,vault-auth" {
			t.Errorf("role accounts %q, want the runbook's and the pods'", got)
		}
		v := NewVars(s, testNow)
		cmd := ""
		for _, text := range renderAll(MustDefault(), v) {
			if strings.HasPrefix(text, "vault write auth/kubernetes/role/") {
				cmd = text
			}
		}
		if !strings.Contains(cmd, "bound_service_account_names=oss-ai-orchestrator,vault-auth ") {
			t.Errorf("fix-role command %q, want it to bind vault-auth too", cmd)
		}
		if risk := LoginRisk(s); !strings.Contains(risk, "vault-auth") || !strings.Contains(risk, "fix the role first") {
			t.Errorf("loginRisk %q", risk)
		}
	})
}
