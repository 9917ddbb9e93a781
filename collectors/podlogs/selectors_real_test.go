package podlogs

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

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

// TestCollectLogs_PodsThatHoldNothing: through the real API server, a
// security pod whose container never started and one evicted before the
// audit window are not read (their logs hold nothing of the window, and
// reading them would fail): the logs are not partial because of them, and
// each says why it was not read. A pod that restarted while waiting is read
// (its earlier run's lines may be missing): its error stays.
func TestCollectLogs_PodsThatHoldNothing(t *testing.T) {
	e := testenv.Get(t)
	ns := e.Namespace(t)
	ctx := context.Background()
	sec := map[string]string{"app.kubernetes.io/component": "security"}
	long := metav1.NewTime(time.Now().Add(-60 * 24 * time.Hour)) // before any audit window (at most 31 + 7 + 1 days)
	statuses := map[string]corev1.PodStatus{
		"audit-pending": {Phase: corev1.PodPending, ContainerStatuses: []corev1.ContainerStatus{{Name: "app",
			State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ImagePullBackOff"}}}}},
		"audit-evicted": {Phase: corev1.PodFailed, Reason: "Evicted", ContainerStatuses: []corev1.ContainerStatus{{Name: "app",
			State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 137, Reason: "Error", StartedAt: long, FinishedAt: long}}}}},
		"audit-crashing": {Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{{Name: "app", RestartCount: 3,
			State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}}}}},
		"audit-done-recently": {Phase: corev1.PodSucceeded, ContainerStatuses: []corev1.ContainerStatus{{Name: "app",
			State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: "Completed", StartedAt: metav1.NewTime(time.Now().Add(-2 * time.Hour)),
				FinishedAt: metav1.NewTime(time.Now().Add(-time.Hour))}}}}},
		"audit-ok": {},
	}
	for name, status := range statuses {
		p, err := e.Kube.Client.CoreV1().Pods(ns).Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: sec},
			Spec: corev1.PodSpec{NodeName: e.Kube.NodeName, Containers: []corev1.Container{{Name: "app", Image: "x"}}}}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if name != "audit-ok" {
			p.Status = status
			if _, err := e.Kube.Client.CoreV1().Pods(ns).UpdateStatus(ctx, p, metav1.UpdateOptions{}); err != nil {
				t.Fatal(err)
			}
			e.Kube.Logs.Waiting(ns, name, "app", "no log served") // a read would fail
		}
	}
	e.Kube.Logs.Set(ns, "audit-ok", "app", []byte(`{"type":"audit","action":"cmek.rotation.completed","outcome":"success","tenant":"t-001"}`+"\n"))
	// a pod no scheduler placed (no node: no capacity, a taint): it never
	// ran, whatever the API server answers for its log
	if _, err := e.Kube.Client.CoreV1().Pods(ns).Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "audit-unscheduled", Namespace: ns, Labels: sec},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "x"}}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	c := newCollector(clients{Kube: e.Kube.Client}, collectors.Env{Config: config.Default(), Namespace: ns})
	d, st := c.collectLogs(ctx)
	if d == nil {
		t.Fatalf("status %+v: no data", st)
	}
	got := map[string]collectors.LogSource{}
	for _, p := range d.Pods {
		got[p.Pod] = p
	}
	if p := got["audit-pending"]; p.Error != "" || !strings.Contains(p.NotRead, "never started (ImagePullBackOff)") || p.Started == nil || time.Since(*p.Started) > time.Minute {
		t.Errorf("pending pod: error %q, not read %q, started %v; want not read, never started, covering from its creation", p.Error, p.NotRead, p.Started)
	}
	if p := got["audit-unscheduled"]; p.Error != "" || !strings.Contains(p.NotRead, "not scheduled to any node") || p.Started == nil {
		t.Errorf("unscheduled pod: error %q, not read %q, started %v; want not read, never ran, covering from its creation", p.Error, p.NotRead, p.Started)
	}
	if p := got["audit-done-recently"]; p.Error == "" || p.NotRead != "" {
		t.Errorf("a pod that ended within the window: error %q, not read %q; want it read (its read error)", p.Error, p.NotRead)
	}
	if p := got["audit-evicted"]; p.Error != "" || !strings.Contains(p.NotRead, "before the audit window began") {
		t.Errorf("evicted pod: error %q, not read %q; want not read, ended before the window", p.Error, p.NotRead)
	}
	if p := got["audit-crashing"]; p.Error == "" || p.NotRead != "" {
		t.Errorf("crash-looping pod: error %q, not read %q; want its read error", p.Error, p.NotRead)
	}
	if p := got["audit-ok"]; p.Error != "" || p.NotRead != "" || d.Audit.Events != 1 {
		t.Errorf("running pod: error %q, not read %q, %d events; want read, 1 event", p.Error, p.NotRead, d.Audit.Events)
	}
	if len(st.Problems) != 2 || !strings.Contains(st.Problems[0].Part, "audit-crashing") || !strings.Contains(st.Problems[1].Part, "audit-done-recently") {
		t.Errorf("problems %+v, want the crash-looping pod's and the recently ended pod's", st.Problems)
	}
}
