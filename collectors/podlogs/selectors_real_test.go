package podlogs

import (
	"context"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/config"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/testenv"
)

// TestCollectLogs_Selectors: through the real API server, each selector is
// recorded with the pods it matched, so the triage can tell "no event in
// the log" from "no log": the security label matches a pod whose log is
// read and one whose log cannot be (its container waits to start), the
// orchestrator label matches nothing.
func TestCollectLogs_Selectors(t *testing.T) {
	e := testenv.Get(t)
	ns := e.Namespace(t)
	ctx := context.Background()
	for _, p := range []*corev1.Pod{
		{ObjectMeta: metav1.ObjectMeta{Name: "audit-0", Namespace: ns, Labels: map[string]string{"app.kubernetes.io/component": "security"}},
			Spec: corev1.PodSpec{NodeName: e.Kube.NodeName, Containers: []corev1.Container{{Name: "app", Image: "x"}}}},
		{ObjectMeta: metav1.ObjectMeta{Name: "audit-1", Namespace: ns, Labels: map[string]string{"app.kubernetes.io/component": "security"}},
			Spec: corev1.PodSpec{NodeName: e.Kube.NodeName, Containers: []corev1.Container{{Name: "app", Image: "x"}}}},
	} {
		if _, err := e.Kube.Client.CoreV1().Pods(ns).Create(ctx, p, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	e.Kube.Logs.Waiting(ns, "audit-1", "app", "ContainerCreating")
	e.Kube.Logs.Set(ns, "audit-0", "app", []byte(`{"type":"audit","action":"cmek.rotation.completed","outcome":"success","tenant":"t-001"}`+"\n"))

	cfg := config.Default()
	cfg.Kubernetes.OrchestratorLabel = "app.kubernetes.io/name=no-such-orchestrator"
	c := newCollector(clients{Kube: e.Kube.Client}, collectors.Env{Config: cfg, Namespace: ns})
	d, st := c.collectLogs(ctx)
	if d == nil || st.State != collectors.StatePartial {
		t.Fatalf("status %+v, data %+v: want partial (one log unreadable)", st, d)
	}
	want := []collectors.LogSelector{
		{Role: collectors.LogRoleSecurity, Selector: cfg.Kubernetes.SecurityLabel, Pods: []string{"audit-0", "audit-1"}},
		{Role: collectors.LogRoleOrchestrator, Selector: cfg.Kubernetes.OrchestratorLabel, Pods: []string{}},
	}
	if !slices.EqualFunc(d.Selectors, want, func(a, b collectors.LogSelector) bool {
		return a.Role == b.Role && a.Selector == b.Selector && a.Error == b.Error && slices.Equal(a.Pods, b.Pods) && a.Pods != nil
	}) {
		t.Errorf("selectors %+v, want %+v", d.Selectors, want)
	}
	if len(d.Pods) != 2 || d.Pods[0].Error != "" || d.Pods[1].Error == "" {
		t.Errorf("pods %+v, want audit-0 read and audit-1 with its error", d.Pods)
	}
	if d.Audit.Events != 1 {
		t.Errorf("events %d, want 1", d.Audit.Events)
	}
}
