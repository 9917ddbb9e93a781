package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/lab"
	"github.com/oss-ai-agent-tool/kubectl-rotation/runbook"
)

// TestCommands_RunAsShown: the Job-creating commands the report shows for
// the one-off runs (Scenario 1's manual rotation of an affected tenant,
// Scenario 3's real cleanup) run as is with the real kubectl against the
// real API server and have the step's effect — the tenant and DRY_RUN set
// on that Job, as the tool's own actions set them, the CronJob unchanged.
func TestCommands_RunAsShown(t *testing.T) {
	isolateEnv(t)
	e, kubeconfig, flags, _ := labWorld(t, lab.RotationJobFailing, lab.CleanupFailing)
	t.Setenv("VAULT_TOKEN", e.Vault.RootToken)
	_, out, errOut := runArgs(t, append([]string{"report", "-o", "json", "--vault-addr", e.Vault.Addr}, flags...)...)
	var r runbook.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("report: %v\n%s", err, errOut)
	}
	// the affected tenant is the one the evidence names; with none named the
	// command shows the placeholder, which the engineer replaces (here: t-003)
	f1, _ := r.Finding(runbook.ScenarioRotationJobFailing)
	tenant, placeholder := "t-003", "<tenant-id>"
	if len(f1.Tenants) > 0 {
		tenant, placeholder = f1.Tenants[0], ""
	}
	cases := []struct {
		scenario, action, env, want, placeholder string
	}{
		{runbook.ScenarioRotationJobFailing, runbook.ActionEmergencyRotate, "TENANT_ID", tenant, placeholder},
		{runbook.ScenarioCleanupFailing, runbook.ActionCleanupRun, "DRY_RUN", "false", ""},
	}
	kubectlDir := filepath.Dir(e.Bins.Kubectl())
	for _, tc := range cases {
		t.Run(tc.action, func(t *testing.T) {
			var command string
			for _, s := range r.NextSteps[tc.scenario] {
				if s.Action == tc.action {
					command = s.Command
				}
			}
			if command == "" {
				t.Fatalf("no %s step in %s's next steps", tc.action, tc.scenario)
			}
			if tc.placeholder != "" {
				if !strings.Contains(command, tc.placeholder) {
					t.Fatalf("command %q names a tenant the evidence does not: want the placeholder %s", command, tc.placeholder)
				}
				command = strings.ReplaceAll(command, tc.placeholder, tc.want)
			}
			if strings.Contains(command, "#") || strings.Contains(command, "<") {
				t.Fatalf("command %q holds a comment or a placeholder", command)
			}
			cmd := exec.Command("sh", "-c", command)
			cmd.Env = append(os.Environ(), "PATH="+kubectlDir+":/usr/bin:/bin", "KUBECONFIG="+kubeconfig)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%s: %v\n%s", command, err, out)
			}
			// the Job the command created
			name := ""
			for _, w := range strings.Fields(command) {
				if strings.HasPrefix(w, "emergency-rotate-") || strings.HasPrefix(w, "manual-cleanup-") {
					name = w
				}
			}
			get := exec.Command(e.Bins.Kubectl(), "--kubeconfig", kubeconfig, "get", "job", name, "-o", "json")
			raw, err := get.CombinedOutput()
			if err != nil {
				t.Fatalf("get job %s: %v\n%s", name, err, raw)
			}
			var job struct {
				Metadata struct {
					Annotations     map[string]string `json:"annotations"`
					OwnerReferences []struct{ Kind string }
				} `json:"metadata"`
				Spec struct {
					Template struct {
						Spec struct {
							Containers []struct {
								Env []struct{ Name, Value string } `json:"env"`
							} `json:"containers"`
						} `json:"spec"`
					} `json:"template"`
				} `json:"spec"`
			}
			if err := json.Unmarshal(raw, &job); err != nil {
				t.Fatal(err)
			}
			if len(job.Metadata.OwnerReferences) == 0 || job.Metadata.OwnerReferences[0].Kind != "CronJob" || job.Metadata.Annotations["cronjob.kubernetes.io/instantiate"] != "manual" {
				t.Errorf("job %s is not a manual Job of the CronJob: %+v", name, job.Metadata)
			}
			for _, c := range job.Spec.Template.Spec.Containers {
				got := ""
				for _, ev := range c.Env {
					if ev.Name == tc.env {
						got = ev.Value
					}
				}
				if got != tc.want {
					t.Errorf("job %s: %s=%q, want %q (as the %s action sets it)", name, tc.env, got, tc.want, tc.action)
				}
			}
		})
	}
}
