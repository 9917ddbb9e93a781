package kube

import (
	"context"
	"fmt"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/config"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// TestLogTail_SearchesTheWholeLog: through the real API server and the
// harness kubelet, a rotation Job's 1,000-line log is searched whole: the
// "Failed to rotate key for tenant" line 990 lines before the end is found
// (it is not in the 200 lines kept to show), with its text. A log longer
// than logLimitBytes is searched at its head and its tail, and says that
// its middle was not (Truncated), so the triage cannot call a phrase absent.
func TestLogTail_SearchesTheWholeLog(t *testing.T) {
	e := testenv.Get(t)
	ns := e.Namespace(t)
	ctx := context.Background()
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "rot-0", Namespace: ns},
		Spec:       corev1.PodSpec{NodeName: e.Kube.NodeName, Containers: []corev1.Container{{Name: "rotate", Image: "x"}}},
	}
	if _, err := e.Kube.Client.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	var log strings.Builder
	for i := range 1000 {
		switch i {
		case 9:
			fmt.Fprintf(&log, "2026-12-01T02:00:09Z ERROR Failed to rotate key for tenant t-0042: permission denied\n")
		case 995:
			fmt.Fprintf(&log, "2026-12-01T02:16:35Z WARN Too many versions for tenant t-0995\n")
		default:
			fmt.Fprintf(&log, "2026-12-01T02:%02d:%02dZ INFO rotated tenant t-%04d\n", i/60%60, i%60, i)
		}
	}
	e.Kube.Logs.Set(ns, pod.Name, "rotate", []byte(log.String()))
	find := func(lt *collectors.LogTail, phrase string) (collectors.LogMatch, bool) {
		for _, m := range lt.Matches {
			if m.Phrase == phrase {
				return m, true
			}
		}
		return collectors.LogMatch{}, false
	}

	t.Run("whole", func(t *testing.T) {
		cfg := config.Default()
		c := newCollector(clients{Kube: e.Kube.Client}, collectors.Env{Config: cfg, Namespace: ns})
		lt := c.logTail(ctx, pod.Name, pod.Spec.NodeName, "rotate")
		if lt.Error != "" || lt.Truncated || lt.Searched != 1000 || len(lt.Lines) != 200 {
			t.Fatalf("error %q truncated %t searched %d lines %d: want the whole log searched, its last 200 lines kept", lt.Error, lt.Truncated, lt.Searched, len(lt.Lines))
		}
		if !strings.Contains(lt.Lines[199], "t-0999") || !strings.Contains(lt.Lines[0], "t-0800") {
			t.Errorf("kept lines %q … %q, want t-0800 … t-0999", lt.Lines[0], lt.Lines[199])
		}
		m, ok := find(lt, "Failed to rotate key for tenant")
		if !ok || m.Tenant != "t-0042" || m.Line != -1 || lt.MatchText(m) != strings.Split(log.String(), "\n")[9] {
			t.Errorf("match %+v (found %t), want t-0042 before the kept lines, with its text", m, ok)
		}
		if m, ok := find(lt, "Too many versions"); !ok || m.Line != 195 || !strings.Contains(lt.MatchText(m), "t-0995") {
			t.Errorf("match %+v (found %t), want line 195 of the kept lines", m, ok)
		}
	})

	t.Run("longer than the limit", func(t *testing.T) {
		cfg := config.Default()
		cfg.Kubernetes.LogLimitBytes = 8 << 10 // about 180 lines
		c := newCollector(clients{Kube: e.Kube.Client}, collectors.Env{Config: cfg, Namespace: ns})
		lt := c.logTail(ctx, pod.Name, pod.Spec.NodeName, "rotate")
		n := len(lt.Lines) // the tail too is cut at the limit
		if lt.Error != "" || !lt.Truncated || n < 100 || n > 200 || !strings.Contains(lt.Lines[n-1], "t-0999") {
			t.Fatalf("error %q truncated %t lines %d: want the head searched and the real tail kept", lt.Error, lt.Truncated, n)
		}
		if m, ok := find(lt, "Failed to rotate key for tenant"); !ok || m.Line != -1 || m.Tenant != "t-0042" {
			t.Errorf("head match %+v (found %t)", m, ok)
		}
		if m, ok := find(lt, "Too many versions"); !ok || m.Line != n-5 || !strings.Contains(lt.MatchText(m), "t-0995") {
			t.Errorf("tail match %+v (found %t), want line %d of the kept lines", m, ok, n-5)
		}
	})
}

// TestCronJobsAndJobs_EnvOfTheRightContainer: through the real API server,
// a cleanup CronJob whose DRY_RUN is on its second container (a sidecar
// first) is read from that container, with its envFrom sources named, as
// is a Job made from it; the orchestrator's envFrom is named too.
func TestCronJobsAndJobs_EnvOfTheRightContainer(t *testing.T) {
	e := testenv.Get(t)
	ns := e.Namespace(t)
	ctx := context.Background()
	cfg := config.Default()
	tmpl := corev1.PodTemplateSpec{Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever, Containers: []corev1.Container{
		{Name: "proxy", Image: "proxy"},
		{Name: "cleanup", Image: "cleanup", Env: []corev1.EnvVar{{Name: "DRY_RUN", Value: "true"}},
			EnvFrom: []corev1.EnvFromSource{{ConfigMapRef: &corev1.ConfigMapEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "cleanup-env"}}}}},
	}}}
	cj := &batchv1.CronJob{ObjectMeta: metav1.ObjectMeta{Name: cfg.Kubernetes.CleanupCronJob, Namespace: ns},
		Spec: batchv1.CronJobSpec{Schedule: "30 3 * * *", JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{Template: tmpl}}}}
	cj, err := e.Kube.Client.BatchV1().CronJobs(ns).Create(ctx, cj, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	job := &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Name: "test-cleanup-1", Namespace: ns,
		OwnerReferences: []metav1.OwnerReference{{APIVersion: "batch/v1", Kind: "CronJob", Name: cj.Name, UID: cj.UID, Controller: ptr.To(true)}}},
		Spec: batchv1.JobSpec{Suspend: ptr.To(true), Template: tmpl}}
	if _, err := e.Kube.Client.BatchV1().Jobs(ns).Create(ctx, job, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	c := newCollector(clients{Kube: e.Kube.Client}, collectors.Env{Config: cfg, Namespace: ns})
	cjs, jobs, probs := c.cronJobsAndJobs(ctx)
	if len(probs) > 0 {
		t.Fatalf("problems %+v", probs)
	}
	var got *collectors.CronJob
	for i := range cjs {
		if cjs[i].Name == cj.Name {
			got = &cjs[i]
		}
	}
	if got == nil || got.Image != "cleanup" || len(got.Env) != 1 || got.Env[0].Name != "DRY_RUN" || strings.Join(got.EnvFrom, ",") != "configmap cleanup-env" {
		t.Errorf("CronJob %+v, want the cleanup container's env and envFrom", got)
	}
	if got != nil && got.EnvContainer != "cleanup" {
		t.Errorf("CronJob env container %q, want cleanup (named for the commands' -c: the template has two)", got.EnvContainer)
	}
	if len(jobs) != 1 || len(jobs[0].Env) != 1 || jobs[0].Env[0].Value != "true" || strings.Join(jobs[0].EnvFrom, ",") != "configmap cleanup-env" {
		t.Errorf("jobs %+v, want the Job's cleanup container env", jobs)
	}
}
