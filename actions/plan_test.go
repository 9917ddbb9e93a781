package actions

import (
	"strings"
	"testing"
	"time"

	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/config"
	"github.com/oss-ai-agent-tool/kubectl-rotation/runbook"
)

// TestPlans checks each plan without running anything: its action id, the
// equivalent command with the real names, what it asks permission for, and
// that only data-destroying plans need a typed name.
func TestPlans(t *testing.T) {
	c := config.Default()
	at := time.Date(2026, 11, 26, 3, 4, 5, 0, time.UTC)
	tests := map[string]struct {
		p           Plan
		action      string
		command     []string
		perm        string
		destructive bool
	}{
		"trigger rotation": {TriggerRotation(c, "ns", at), runbook.ActionTriggerRotation,
			[]string{"kubectl create job --from=cronjob/cmek-rotation manual-rotation-20261126-030405 -n ns"}, "create jobs.batch", false},
		"cleanup dry run": {CleanupJob(c, "ns", true, at), runbook.ActionCleanupDryRun,
			[]string{"--from=cronjob/secret-cleanup test-cleanup-", "DRY_RUN=true"}, "create jobs.batch", false},
		"cleanup for real": {CleanupJob(c, "ns", false, at), runbook.ActionCleanupRun,
			[]string{"manual-cleanup-", "DRY_RUN=false"}, "create jobs.batch", false},
		"raise deadline": {RaiseDeadline(c, "ns", 1800), runbook.ActionRaiseDeadline,
			[]string{`kubectl patch cronjob cmek-rotation -n ns --type=merge -p '{"spec":{"jobTemplate":{"spec":{"activeDeadlineSeconds":1800}}}}'`}, "patch cronjobs.batch cmek-rotation", false},
		"restart": {RestartOrchestrator(c, "ns", at), runbook.ActionRestartOrchestrator,
			[]string{"kubectl rollout restart deployment/oss-ai-orchestrator -n ns"}, "patch deployments.apps oss-ai-orchestrator", false},
		"renew by accessor": {RenewToken("acc123"), runbook.ActionRenewToken,
			[]string{"vault token renew -accessor acc123"}, "vault update on auth/token/renew-accessor", false},
		"renew self": {RenewToken(""), runbook.ActionRenewToken, []string{"vault token renew"}, "vault update on auth/token/renew-self", false},
		"fix policy": {FixPolicy(c), runbook.ActionFixPolicy,
			[]string{"vault policy write cmek-rotation -", `path "secret/data/tenants/+/cmek"`}, "vault update on sys/policies/acl/cmek-rotation", false},
		"fix role": {FixRole(c, "ns"), runbook.ActionFixRole,
			[]string{"vault write auth/kubernetes/role/oss-ai-orchestrator bound_service_account_names=oss-ai-orchestrator bound_service_account_namespaces=ns policies=cmek-rotation,secret-read ttl=24h"},
			"vault update on auth/kubernetes/role/oss-ai-orchestrator", false},
		"trim versions": {TrimVersions(c, "t-042"), runbook.ActionTrimVersions,
			[]string{"vault kv metadata put -max-versions=5 secret/tenants/t-042/cmek"}, "vault update on secret/destroy/tenants/t-042/cmek", true},
		"emergency rotate": {EmergencyRotate(c, "ns", "t-042", "manual-emergency", "automated rotation failed", "ops-team", at), runbook.ActionEmergencyRotate,
			[]string{"emergency-rotate-20261126-030405", "TENANT_ID=t-042"}, "create jobs.batch", false},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if tt.p.Action != tt.action {
				t.Errorf("action = %q, want %q", tt.p.Action, tt.action)
			}
			for _, want := range tt.command {
				if !strings.Contains(tt.p.Command, want) {
					t.Errorf("command %q lacks %q", tt.p.Command, want)
				}
			}
			var perms []string
			for _, p := range tt.p.Permissions {
				perms = append(perms, p.String())
			}
			if !strings.Contains(strings.Join(perms, "; "), tt.perm) {
				t.Errorf("permissions %v lack %q", perms, tt.perm)
			}
			if tt.p.Destructive != tt.destructive || (tt.destructive && (tt.p.ConfirmName == "" || tt.p.Warning == "")) {
				t.Errorf("destructive %v confirm %q warning %q", tt.p.Destructive, tt.p.ConfirmName, tt.p.Warning)
			}
			if len(tt.p.Changes) == 0 || tt.p.Target == "" || !strings.Contains(tt.p.String(), tt.p.Title) {
				t.Errorf("plan lacks changes or target: %+v", tt.p)
			}
		})
	}
	for _, id := range runbook.Actions() {
		found := false
		for _, tt := range tests {
			found = found || tt.p.Action == id
		}
		if !found {
			t.Errorf("runbook action %s has no plan", id)
		}
	}
}
