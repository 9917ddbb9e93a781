package podlogs

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/config"
)

// TestSource_Collect lists the labelled pods from client-go's fake
// clientset and reads each one's log (the fake serves "fake logs").
func TestSource_Collect(t *testing.T) {
	env := collectors.Env{Config: config.Default(), Namespace: "ns", Now: func() time.Time { return time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC) }}
	pod := func(name string, labels map[string]string) *corev1.Pod {
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", Labels: labels},
			Spec: corev1.PodSpec{NodeName: "node-1", Containers: []corev1.Container{{Name: "app"}}}}
	}
	security := map[string]string{"app.kubernetes.io/component": "security"}

	t.Run("OK", func(t *testing.T) {
		kc := fake.NewClientset(pod("audit-1", security), pod("other", map[string]string{"app": "x"}))
		s := &Source{Kube: kc}
		if s.Name() != collectors.SourceLogs {
			t.Errorf("Name() = %q", s.Name())
		}
		p := s.Collect(context.Background(), env)
		if p.Status.State != collectors.StateOK || p.Logs == nil {
			t.Fatalf("status %+v", p.Status)
		}
		if len(p.Logs.Pods) != 1 {
			t.Fatalf("pods = %+v", p.Logs.Pods)
		}
		got := p.Logs.Pods[0]
		if got.Pod != "audit-1" || got.Container != "app" || got.Bytes != int64(len("fake logs")) || got.Error != "" {
			t.Errorf("pod = %+v", got)
		}
		if got.Parsed == nil || got.Parsed.NotJSON != 1 {
			t.Errorf("parsed = %+v, want the one line counted as not JSON", got.Parsed)
		}
	})

	t.Run("Skipped", func(t *testing.T) {
		p := (&Source{}).Collect(context.Background(), env)
		if p.Status.State != collectors.StateSkipped || p.Logs != nil {
			t.Errorf("got %+v", p.Status)
		}
	})

	t.Run("ErrForbidden", func(t *testing.T) {
		kc := fake.NewClientset()
		kc.PrependReactor("list", "pods", func(k8stesting.Action) (bool, runtime.Object, error) {
			return true, nil, apierrors.NewForbidden(schema.GroupResource{Resource: "pods"}, "", nil)
		})
		p := (&Source{Kube: kc}).Collect(context.Background(), env)
		if p.Status.State != collectors.StateError || p.Logs != nil || len(p.Status.Problems) == 0 {
			t.Errorf("got %+v", p.Status)
		}
	})
}
