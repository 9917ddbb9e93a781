package podlogs

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/config"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// TestCollectLogs_Window reads a security pod's log through the real API
// server and the harness kubelet: 12 days of rotation events, one an hour.
// With a daily interval the audit window is 9 days (1 + overdueDays 7 + 1):
// the events before it are not read, and the kubelet was asked for
// sinceTime. With a byte limit smaller than the window, the newest part of
// the window is read instead: Cut, from a later first line, up to the
// newest event.
func TestCollectLogs_Window(t *testing.T) {
	e := testenv.Get(t)
	ns := e.Namespace(t)
	ctx := context.Background()
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "audit-0", Namespace: ns, Labels: map[string]string{"app.kubernetes.io/component": "security"}},
		Spec:       corev1.PodSpec{NodeName: e.Kube.NodeName, Containers: []corev1.Container{{Name: "app", Image: "x"}}},
	}
	if _, err := e.Kube.Client.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	var log strings.Builder
	for h := 12 * 24; h >= 1; h-- {
		at := now.Add(-time.Duration(h) * time.Hour)
		fmt.Fprintf(&log, `{"type":"audit","action":"cmek.rotation.completed","outcome":"success","tenant":"t-%03d","timestamp":%q}`+"\n", h%50, at.Format(time.RFC3339))
	}
	e.Kube.Logs.Set(ns, pod.Name, "app", []byte(log.String()))

	cfg := config.Default()
	cfg.Thresholds.RotationInterval = config.Duration(24 * time.Hour)
	env := collectors.Env{Config: cfg, Namespace: ns, Now: func() time.Time { return now }}
	c := newCollector(clients{Kube: e.Kube.Client}, env)

	t.Run("window", func(t *testing.T) {
		d, st := c.collectLogs(ctx)
		if st.State != collectors.StateOK || len(d.Pods) != 1 {
			t.Fatalf("status %+v, pods %+v", st, d)
		}
		p := d.Pods[0]
		wantSince := now.Add(-9 * 24 * time.Hour)
		if d.WindowStart == nil || !d.WindowStart.Equal(wantSince) || p.Window == nil || !p.Window.Equal(wantSince) {
			t.Errorf("window = %v (pod %v), want %v", d.WindowStart, p.Window, wantSince)
		}
		if !strings.Contains(d.WindowBasis, "thresholds.rotationInterval") {
			t.Errorf("basis = %q", d.WindowBasis)
		}
		if p.Cut || p.Truncated || p.Parsed == nil || p.Parsed.Events != 9*24 {
			t.Errorf("pod = %+v (parsed %+v), want 216 events read whole", p, p.Parsed)
		}
		if p.FirstEvent == nil || p.FirstEvent.Before(wantSince) {
			t.Errorf("first event %v, want none before the window %v", p.FirstEvent, wantSince)
		}
		if s := p.Since(); s == nil || s.Before(wantSince) {
			t.Errorf("since = %v, want not before the window", s)
		}
		asked := false
		for _, r := range e.Kube.Logs.Requests() {
			if strings.Contains(r, "/"+ns+"/audit-0/") && strings.Contains(r, "sinceTime=") {
				asked = true
			}
		}
		if !asked {
			t.Errorf("the kubelet was not asked for sinceTime: %v", e.Kube.Logs.Requests())
		}
	})

	t.Run("cut", func(t *testing.T) {
		small := *c
		small.limit = 4 << 10 // about 30 lines
		d, st := small.collectLogs(ctx)
		if st.State != collectors.StateOK || len(d.Pods) != 1 {
			t.Fatalf("status %+v, pods %+v", st, d)
		}
		p := d.Pods[0]
		newest := now.Add(-time.Hour)
		if !p.Cut || p.Truncated || p.Bytes > small.limit || p.Parsed == nil || p.Parsed.Events == 0 {
			t.Errorf("pod = %+v (parsed %+v), want the window cut and its newest part read whole", p, p.Parsed)
		}
		if p.LastEvent == nil || !p.LastEvent.Equal(newest) {
			t.Errorf("last event %v, want the newest, %v", p.LastEvent, newest)
		}
		if p.FirstLine == nil || !p.FirstLine.After(now.Add(-2*24*time.Hour)) || p.Since() == nil || !p.Since().Equal(*p.FirstLine) {
			t.Errorf("first line %v, since %v: want the read to begin within the last two days", p.FirstLine, p.Since())
		}
	})
}
