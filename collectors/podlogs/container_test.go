package podlogs

import (
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestLogContainer: beside a sidecar, the application's container is read
// (the one kubectl defaults to when the pod names it, else the one whose
// environment the runbook reads), and the others are named as not read.
func TestLogContainer(t *testing.T) {
	proxy := corev1.Container{Name: "proxy"}
	app := corev1.Container{Name: "orchestrator", Env: []corev1.EnvVar{{Name: "VAULT_ADDR", Value: "https://vault:8200"}}}
	shipper := corev1.Container{Name: "audit-shipper"}
	for name, tc := range map[string]struct {
		cs         []corev1.Container
		annotation string
		want       string
		wantOthers []string
	}{
		"one container":             {cs: []corev1.Container{proxy}, want: "proxy"},
		"a sidecar first":           {cs: []corev1.Container{proxy, app}, want: "orchestrator", wantOthers: []string{"proxy"}},
		"the pod names its default": {cs: []corev1.Container{proxy, app, shipper}, annotation: "audit-shipper", want: "audit-shipper", wantOthers: []string{"proxy", "orchestrator"}},
		"a default the pod lacks":   {cs: []corev1.Container{proxy, app}, annotation: "gone", want: "gone", wantOthers: []string{"proxy", "orchestrator"}},
		"nothing tells: the first":  {cs: []corev1.Container{proxy, shipper}, want: "proxy", wantOthers: []string{"audit-shipper"}},
	} {
		t.Run(name, func(t *testing.T) {
			p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p"}, Spec: corev1.PodSpec{Containers: tc.cs}}
			if tc.annotation != "" {
				p.Annotations = map[string]string{"kubectl.kubernetes.io/default-container": tc.annotation}
			}
			got, others := logContainer(p)
			if got != tc.want || !slices.Equal(others, tc.wantOthers) {
				t.Errorf("logContainer = %q, others %v; want %q, %v", got, others, tc.want, tc.wantOthers)
			}
		})
	}
}
