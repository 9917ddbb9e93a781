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

// TestCollectLogs_SidecarFirst: through the real API server, a security pod
// with a proxy sidecar first (kubectl logs' default) is read in the
// application's container, the one whose environment sets VAULT_ADDR: its
// audit events and the orchestrator's own "Version limit exceeded"
// warning are counted, the proxy is named as not read.
func TestCollectLogs_SidecarFirst(t *testing.T) {
	e := testenv.Get(t)
	ns := e.Namespace(t)
	ctx := context.Background()
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "orch-0", Namespace: ns, Labels: map[string]string{"app.kubernetes.io/component": "security"}},
		Spec: corev1.PodSpec{NodeName: e.Kube.NodeName, Containers: []corev1.Container{
			{Name: "proxy", Image: "envoyproxy/envoy:v1.31"},
			{Name: "orchestrator", Image: "x", Env: []corev1.EnvVar{{Name: "VAULT_ADDR", Value: "https://vault:8200"}}},
		}}}
	if _, err := e.Kube.Client.CoreV1().Pods(ns).Create(ctx, p, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	e.Kube.Logs.Set(ns, "orch-0", "proxy", []byte("[2026-12-08 00:00:00.000][1][info][main] envoy started\n"))
	e.Kube.Logs.Set(ns, "orch-0", "orchestrator", []byte(
		`{"type":"audit","action":"cmek.rotation.completed","outcome":"success","tenant":"t-001"}`+"\n"+
			`{"level":"warn","component":"VersionedSecretsManager","msg":"Version limit exceeded for secret/tenants/t-001/cmek"}`+"\n"))

	cfg := config.Default()
	c := newCollector(clients{Kube: e.Kube.Client}, collectors.Env{Config: cfg, Namespace: ns})
	d, st := c.collectLogs(ctx)
	if d == nil || st.State != collectors.StateOK || len(d.Pods) != 1 {
		t.Fatalf("status %+v, data %+v", st, d)
	}
	if got := d.Pods[0]; got.Container != "orchestrator" || !slices.Equal(got.OtherContainers, []string{"proxy"}) {
		t.Errorf("read %q, others %v; want orchestrator, with proxy named as not read", got.Container, got.OtherContainers)
	}
	if d.Audit.Events != 1 {
		t.Errorf("events %d, want the orchestrator container's 1", d.Audit.Events)
	}
	if vl, ok := d.Audit.Phrase("Version limit exceeded"); !ok || vl.Lines != 1 || vl.Last == nil || vl.Last.Source != "orch-0" {
		t.Errorf("Version limit exceeded = %+v, want 1 line from orch-0", vl)
	}
}
