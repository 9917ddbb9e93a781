package runbook

import (
	"strings"
	"testing"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
)

// TestVars_LogContainerFlag: the log commands name the container the tool
// read when a pod has others (kubectl logs -l would read each pod's
// default, maybe a sidecar), and the audit log's caveat says which were
// not read.
func TestVars_LogContainerFlag(t *testing.T) {
	sidecar := func(s *collectors.Snapshot) {
		s.Logs.Pods[0].Container, s.Logs.Pods[0].OtherContainers = "orchestrator", []string{"proxy"}
	}
	t.Run("one container", func(t *testing.T) {
		v := NewVars(healthySnapshot(t), testNow)
		if v.SecurityLogFlag != "" || v.OrchestratorLogFlag != "" {
			t.Errorf("flags %q %q, want none", v.SecurityLogFlag, v.OrchestratorLogFlag)
		}
	})
	t.Run("a sidecar beside it", func(t *testing.T) {
		s := healthySnapshot(t, sidecar)
		v := NewVars(s, testNow)
		if v.SecurityLogFlag != "-c orchestrator " || v.OrchestratorLogFlag != "-c orchestrator " {
			t.Errorf("flags %q %q, want -c orchestrator", v.SecurityLogFlag, v.OrchestratorLogFlag)
		}
		st := Triage(s, testNow).AuditLog
		if st == nil || !strings.Contains(st.Caveat, "pod security-0: container orchestrator read, proxy not") {
			t.Errorf("caveat %+v, want the container not read named", st)
		}
	})
	t.Run("pods read in different containers", func(t *testing.T) {
		s := healthySnapshot(t, sidecar, func(s *collectors.Snapshot) {
			s.Logs.Pods = append(s.Logs.Pods, collectors.LogSource{Pod: "security-1", Container: "app"})
			for i := range s.Logs.Selectors {
				s.Logs.Selectors[i].Pods = append(s.Logs.Selectors[i].Pods, "security-1")
			}
		})
		if v := NewVars(s, testNow); v.SecurityLogFlag != "" {
			t.Errorf("flag %q, want none: no one -c fits both pods", v.SecurityLogFlag)
		}
	})
	t.Run("one-off Jobs beside a sidecar", func(t *testing.T) {
		s := healthySnapshot(t, func(s *collectors.Snapshot) {
			for i := range s.Kubernetes.CronJobs {
				s.Kubernetes.CronJobs[i].EnvContainer = map[string]string{collectors.RoleRotation: "rotate", collectors.RoleCleanup: "cleanup"}[s.Kubernetes.CronJobs[i].Role]
			}
		})
		all := renderAll(MustDefault(), NewVars(s, testNow))
		var dry, emergency string
		for _, text := range all {
			if strings.Contains(text, "DRY_RUN=true -o yaml") {
				dry = text
			}
			if strings.Contains(text, "emergency-rotate-") && strings.Contains(text, "kubectl create -f -") {
				emergency = text
			}
		}
		if !strings.Contains(dry, "set env --local -f - -c cleanup DRY_RUN=override") || !strings.Contains(dry, "set env --local -f - -c cleanup DRY_RUN=true") {
			t.Errorf("dry run command %q, want -c cleanup in both passes", dry)
		}
		if !strings.Contains(emergency, "set env --local -f - -c rotate TENANT_ID=override") {
			t.Errorf("emergency rotation command %q, want -c rotate", emergency)
		}
	})
}
