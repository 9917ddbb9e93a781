package lab

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	vault "github.com/hashicorp/vault/api"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/testenv"
)

// Orchestrator simulates what the real rotation Job does when the lab's
// kubelet runs it: for each tenant it writes a new key version — but only
// if the orchestrator's token may (Vault's own sys/capabilities-accessor
// answer for the seeded token), as the real job would get a 403 — and it
// appends the audit events to the orchestrator pods' log when AUDIT_ENABLED
// is true on the Deployment. So the runbook's fixes, made with the tool,
// really change what the next collection sees.
type Orchestrator struct {
	Kube      kubernetes.Interface
	Vault     *vault.Client // writes the key versions (the dev root token)
	Logs      *testenv.LogServer
	Namespace string
	Names     Names
	Tenants   []string
	Accessor  string // the orchestrator token's accessor
}

// NewOrchestrator returns the simulated orchestrator of a seeded lab.
func NewOrchestrator(t Target, s *Seeded, n Names, logs *testenv.LogServer) *Orchestrator {
	return &Orchestrator{Kube: t.Kube, Vault: t.Vault, Logs: logs, Namespace: t.Namespace, Names: n, Tenants: s.Tenants, Accessor: s.OrchestratorAccessor}
}

// Outcome is the kubelet policy: rotation Jobs rotate, cleanup Jobs report.
func (o *Orchestrator) Outcome(p *corev1.Pod) testenv.PodOutcome {
	if !strings.Contains(p.Labels["app.kubernetes.io/name"], o.Names.RotationCronJob) {
		return JobOutcome(p)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tenant := ""
	for _, c := range p.Spec.Containers {
		for _, e := range c.Env {
			if e.Name == "TENANT_ID" {
				tenant = e.Value
			}
		}
	}
	targets := o.Tenants
	if tenant != "" {
		targets = []string{tenant}
	}
	now := time.Now().UTC()
	var log strings.Builder
	var events []string
	failed := 0
	fmt.Fprintf(&log, "%s INFO Starting CMEK rotation for %d tenant(s)\n", now.Format(time.RFC3339), len(targets))
	kv := o.Vault.KVv2(o.Names.KVMount)
	for _, tn := range targets {
		path := o.Names.TenantPath(tn)
		ev := map[string]any{"type": "audit", "tenantId": tn, "timestamp": time.Now().UTC().Format(time.RFC3339Nano), "initiator": "job/" + p.Labels["batch.kubernetes.io/job-name"]}
		if !o.mayWrite(ctx, o.Names.KVMount+"/data/"+path) {
			failed++
			fmt.Fprintf(&log, "%s ERROR Failed to rotate key for tenant %s: Error making API request. Code: 403. Errors: * permission denied\n", now.Format(time.RFC3339), tn)
			ev["action"], ev["outcome"], ev["reason"] = "cmek.rotation.failed", "failure", "permission denied"
		} else if _, err := kv.Put(ctx, path, map[string]any{"key": "lab-secret-rotated-" + fmt.Sprint(time.Now().UnixNano()), "algorithm": "AES256_GCM"}); err != nil {
			failed++
			fmt.Fprintf(&log, "%s ERROR Failed to rotate key for tenant %s: %v\n", now.Format(time.RFC3339), tn, err)
			ev["action"], ev["outcome"], ev["reason"] = "cmek.rotation.failed", "failure", err.Error()
		} else {
			fmt.Fprintf(&log, "%s INFO Rotated key for tenant %s\n", now.Format(time.RFC3339), tn)
			ev["action"], ev["outcome"] = "cmek.rotation.completed", "success"
		}
		b, _ := json.Marshal(ev)
		events = append(events, string(b))
	}
	fmt.Fprintf(&log, "%s INFO Rotation finished: %d rotated, %d failed\n", now.Format(time.RFC3339), len(targets)-failed, failed)
	o.audit(ctx, events)
	if failed > 0 {
		return testenv.PodOutcome{ExitCode: 1, Log: log.String()}
	}
	return testenv.PodOutcome{Log: log.String()}
}

// mayWrite asks Vault what the orchestrator's token may do on path.
func (o *Orchestrator) mayWrite(ctx context.Context, path string) bool {
	caps, err := o.Vault.Sys().CapabilitiesAccessorWithContext(ctx, o.Accessor, path)
	if err != nil {
		return false
	}
	return slices.Contains(caps, "update") || slices.Contains(caps, "root")
}

// audit appends the events to the orchestrator pods' logs when the
// Deployment has AUDIT_ENABLED=true (Scenario 6's switch).
func (o *Orchestrator) audit(ctx context.Context, events []string) {
	dep, err := o.Kube.AppsV1().Deployments(o.Namespace).Get(ctx, o.Names.OrchestratorDeployment, metav1.GetOptions{})
	if err != nil || len(dep.Spec.Template.Spec.Containers) == 0 {
		return
	}
	enabled := false
	for _, e := range dep.Spec.Template.Spec.Containers[0].Env {
		if e.Name == "AUDIT_ENABLED" && strings.EqualFold(e.Value, "true") {
			enabled = true
		}
	}
	if !enabled {
		return
	}
	pods, err := o.Kube.CoreV1().Pods(o.Namespace).List(ctx, metav1.ListOptions{LabelSelector: "app.kubernetes.io/name=" + o.Names.OrchestratorDeployment})
	if err != nil || len(pods.Items) == 0 {
		return
	}
	pod := pods.Items[0]
	o.Logs.Append(o.Namespace, pod.Name, "orchestrator", []byte(strings.Join(events, "\n")+"\n"))
}
