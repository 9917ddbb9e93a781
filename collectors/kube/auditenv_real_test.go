package kube

import (
	"context"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/config"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/testenv"
)

// TestDeployment_AuditEnabledWords: on the real API server, only the
// literal "true" and "false" of AUDIT_ENABLED are judged; "TRUE", "1" and
// " true" are the orchestrator's own to read (a string compared with
// 'true' reads them as off): not judged; and the pod template's service
// account is read ("default" when it names none).
func TestDeployment_AuditEnabledWords(t *testing.T) {
	e := testenv.Get(t)
	ctx := context.Background()
	cfg := config.Default()
	for value, want := range map[string]string{"true": "true", "false": "false", "TRUE": "unjudged", "1": "unjudged", " true": "unjudged"} {
		ns := e.Namespace(t)
		labels := map[string]string{"app": "orch"}
		d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: cfg.Kubernetes.OrchestratorDeployment, Namespace: ns},
			Spec: appsv1.DeploymentSpec{Selector: &metav1.LabelSelector{MatchLabels: labels},
				Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: corev1.PodSpec{Containers: []corev1.Container{{
					Name: "orchestrator", Image: "x", Env: []corev1.EnvVar{{Name: "AUDIT_ENABLED", Value: value}}}}}}}}
		if _, err := e.Kube.Client.AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		p := (&Source{Kube: e.Kube.Client}).Collect(ctx, collectors.Env{Config: cfg, Namespace: ns})
		o := p.Kubernetes.Orchestrator
		got := "unjudged"
		if o != nil && o.AuditEnabled != nil {
			got = map[bool]string{true: "true", false: "false"}[*o.AuditEnabled]
		}
		if got != want || o == nil || o.ServiceAccount != "default" {
			t.Errorf("AUDIT_ENABLED=%q: judged %s, service account %+v; want %s, default", value, got, o, want)
		}
	}
}
