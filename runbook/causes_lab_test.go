package runbook_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	vault "github.com/hashicorp/vault/api"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors/connect"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/lab"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/testenv"
	"github.com/oss-ai-agent-tool/kubectl-rotation/runbook"
)

// historyManager is the lab's: the job controller, when it runs, leaves
// Jobs managed by it alone, so the status written here stays.
const historyManager = "lab.kubectl-rotation.dev/history"

// podPlan is a pod of an injected Job: its status as the kubelet or the
// scheduler would write it, its warning Events, and what the kubelet's log
// endpoint answers for it.
type podPlan struct {
	status    corev1.PodStatus
	unbound   bool              // never scheduled: no node
	events    map[string]string // reason -> message
	waitingOn string            // the kubelet answers 400 "waiting to start: <this>"
	log       string
}

// injectJob creates a Job of the rotation CronJob, scheduled ago (less when
// that is before the lab's newest run, so it is the newest), with its
// status (failed with reason, or running when reason is ""), and its pods.
// Every container is limited to 128Mi.
func injectJob(t *testing.T, w lab.World, name, reason string, ago time.Duration, plans ...podPlan) {
	t.Helper()
	ctx, kc, ns := context.Background(), w.Env.Kube.Client, w.Namespace
	cj, err := kc.BatchV1().CronJobs(ns).Get(ctx, w.Names.RotationCronJob, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	spec := *cj.Spec.JobTemplate.Spec.DeepCopy()
	spec.ManagedBy = ptr.To(historyManager)
	spec.Template.Spec.Containers[0].Resources = corev1.ResourceRequirements{Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("128Mi")}}
	// the newest run, whatever the time of day: after the lab's own newest
	// (between 02:00 and 02:31 UTC, 30 minutes back was before it)
	if since := time.Since(w.Seeded.LastRotation); since < ago+time.Minute {
		ago = max(since/2, 2*time.Second)
	}
	start := metav1.NewTime(time.Now().Add(-ago).Truncate(time.Second))
	job, err := kc.BatchV1().Jobs(ns).Create(ctx, &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: spec.Template.Labels,
			Annotations:     map[string]string{"batch.kubernetes.io/cronjob-scheduled-timestamp": start.UTC().Format(time.RFC3339)},
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(cj, batchv1.SchemeGroupVersion.WithKind("CronJob"))}},
		Spec: spec,
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	end := metav1.NewTime(start.Add(ago / 2))
	job.Status = batchv1.JobStatus{StartTime: &start, Ready: ptr.To[int32](0), Terminating: ptr.To[int32](0)}
	if reason == "" {
		job.Status.Active = int32(len(plans))
	} else {
		msg := map[string]string{"BackoffLimitExceeded": "Job has reached the specified backoff limit", "DeadlineExceeded": "Job was active longer than specified deadline"}[reason]
		job.Status.Failed = int32(len(plans))
		job.Status.Conditions = []batchv1.JobCondition{
			{Type: batchv1.JobFailureTarget, Status: corev1.ConditionTrue, Reason: reason, Message: msg, LastProbeTime: end, LastTransitionTime: end},
			{Type: batchv1.JobFailed, Status: corev1.ConditionTrue, Reason: reason, Message: msg, LastProbeTime: end, LastTransitionTime: end},
		}
	}
	if _, err := kc.BatchV1().Jobs(ns).UpdateStatus(ctx, job, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("set job %s status: %v", name, err)
	}
	container := spec.Template.Spec.Containers[0].Name
	for i, pl := range plans {
		pod := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("%s-p%04d", name, i), Namespace: ns,
				Labels:          map[string]string{"batch.kubernetes.io/job-name": name, "job-name": name, "batch.kubernetes.io/controller-uid": string(job.UID)},
				OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(job, batchv1.SchemeGroupVersion.WithKind("Job"))}},
			Spec: *spec.Template.Spec.DeepCopy(),
		}
		if !pl.unbound {
			pod.Spec.NodeName = w.Env.Kube.NodeName
		}
		p, err := kc.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		p.Status = pl.status
		if p.Status.StartTime == nil && !pl.unbound {
			p.Status.StartTime = &start
		}
		for j := range p.Status.ContainerStatuses {
			p.Status.ContainerStatuses[j].Name, p.Status.ContainerStatuses[j].Image = container, w.Names.Image
		}
		if _, err := kc.CoreV1().Pods(ns).UpdateStatus(ctx, p, metav1.UpdateOptions{}); err != nil {
			t.Fatalf("set pod %s status: %v", p.Name, err)
		}
		for reason, msg := range pl.events {
			ev := &corev1.Event{
				ObjectMeta:     metav1.ObjectMeta{Name: fmt.Sprintf("%s.%s", p.Name, strings.ToLower(reason)), Namespace: ns},
				InvolvedObject: corev1.ObjectReference{Kind: "Pod", APIVersion: "v1", Namespace: ns, Name: p.Name, UID: p.UID},
				Reason:         reason, Message: msg, Type: corev1.EventTypeWarning, Count: 4,
				FirstTimestamp: start, LastTimestamp: metav1.Now(), Source: corev1.EventSource{Component: "kubelet"},
			}
			if _, err := kc.CoreV1().Events(ns).Create(ctx, ev, metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		switch {
		case pl.waitingOn != "":
			w.Env.Kube.Logs.Waiting(ns, p.Name, container, pl.waitingOn)
		case !pl.unbound:
			w.Env.Kube.Logs.Set(ns, p.Name, container, []byte(pl.log))
		}
	}
}

func labCollect(t *testing.T, w lab.World) *collectors.Snapshot {
	t.Helper()
	vcfg := vault.DefaultConfig()
	vcfg.Address = w.Env.Vault.Addr
	clients, err := connect.Connect(connect.Options{REST: w.Env.Kube.Config, Vault: vcfg, VaultToken: w.Env.Vault.RootToken, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	return connect.New(clients, collectors.Options{Config: w.Config, Namespace: w.Namespace}).Collect(context.Background())
}

func terminatedState(code int32, reason string) corev1.ContainerState {
	now := metav1.Now()
	return corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: code, Reason: reason, StartedAt: now, FinishedAt: now}}
}

// TestTriage_LabJobCauses writes failed and stuck rotation Jobs through the
// real API server's status subresource, with the kubelet's Events and log
// answers, and checks that the report names the cause in Scenario 1's or
// 5's summary, leads the steps with it, and reads none of them as a Vault
// permission problem.
func TestTriage_LabJobCauses(t *testing.T) {
	img := lab.DefaultNames().Image
	cases := map[string]struct {
		reason  string
		ago     time.Duration
		pods    []podPlan
		check   func(t *testing.T, j collectors.Job)
		active  string // the scenario that must be active
		summary string // its summary's beginning
		step    string // its first step's command (the pod is <job>-p0000)
		clear   []string
	}{
		"OOMKilled": {
			reason: "BackoffLimitExceeded", ago: 30 * time.Minute,
			pods: []podPlan{
				{status: corev1.PodStatus{Phase: corev1.PodFailed, ContainerStatuses: []corev1.ContainerStatus{{State: terminatedState(137, "OOMKilled")}}}, log: "rotating 48 tenants\n"},
				{status: corev1.PodStatus{Phase: corev1.PodFailed, ContainerStatuses: []corev1.ContainerStatus{{State: terminatedState(137, "OOMKilled")}}}, log: "rotating 48 tenants\n"},
				{status: corev1.PodStatus{Phase: corev1.PodFailed, ContainerStatuses: []corev1.ContainerStatus{{State: terminatedState(137, "OOMKilled")}}}, log: "rotating 48 tenants\n"},
			},
			check: func(t *testing.T, j collectors.Job) {
				if c := j.Pods[0].Containers[0]; !c.OOMKilled || c.MemoryLimit != "128Mi" {
					t.Errorf("container = %+v, want OOMKilled with limit 128Mi", c)
				}
			},
			active: runbook.ScenarioRotationJobFailing, summary: "pods OOMKilled (3 of 3), memory limit 128Mi — ",
			step: "kubectl describe pod cmek-rotation-lab-p0000 -n ", clear: []string{runbook.ScenarioBatchTimeout},
		},
		"image pull, still running": {
			ago: 20 * time.Minute,
			pods: []podPlan{{
				status: corev1.PodStatus{Phase: corev1.PodPending, ContainerStatuses: []corev1.ContainerStatus{{State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{
					Reason: "ImagePullBackOff", Message: `Back-off pulling image "` + img + `"`}}}}},
				events:    map[string]string{"Failed": `Failed to pull image "` + img + `": rpc error: code = NotFound desc = failed to pull and unpack image: not found`},
				waitingOn: "trying and failing to pull image",
			}},
			check: func(t *testing.T, j collectors.Job) {
				if j.Log != nil && !strings.Contains(strings.Join(testenv.Get(t).Kube.Logs.Requests(), " "), "/"+j.Log.Pod+"/") {
					t.Errorf("the kubelet was not asked for the log of %s: its 400 was not what was explained", j.Log.Pod)
				}
				if j.Log == nil || !j.Log.NotStarted || strings.Contains(j.Log.Error, "rejected our request") ||
					j.Log.Error != `container rotate is waiting: ImagePullBackOff: Back-off pulling image "`+img+`" (no log: it never started)` {
					t.Errorf("log = %+v, want the container waiting on its image", j.Log)
				}
				if len(j.Events) == 0 || j.Events[0].Reason != "Failed" {
					t.Errorf("job events = %+v, want the kubelet's Failed", j.Events)
				}
			},
			active: runbook.ScenarioRotationJobFailing, summary: "image pull failed: ImagePullBackOff " + img + `: Failed to pull image "` + img + `": rpc error`,
			step: "kubectl describe pod cmek-rotation-lab-p0000 -n ",
		},
		"never scheduled, then the deadline": {
			reason: "DeadlineExceeded", ago: 30 * time.Minute,
			pods: []podPlan{{unbound: true, status: corev1.PodStatus{Phase: corev1.PodPending, Conditions: []corev1.PodCondition{{
				Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: "Unschedulable", Message: "0/3 nodes are available: 3 Insufficient memory.",
				LastTransitionTime: metav1.Now()}}}}},
			check: func(t *testing.T, j collectors.Job) {
				if j.Log == nil || !j.Log.NotStarted || !strings.Contains(j.Log.Error, "was never scheduled: Unschedulable") {
					t.Errorf("log = %+v, want never scheduled", j.Log)
				}
			},
			active: runbook.ScenarioRotationJobFailing, summary: "never scheduled: 0/3 nodes are available: 3 Insufficient memory. (1 of 1 pods); then timed out: DeadlineExceeded after 600s — ",
			step: "kubectl describe pod cmek-rotation-lab-p0000 -n ", clear: []string{runbook.ScenarioBatchTimeout},
		},
		"a crash, the log line that matters": {
			reason: "BackoffLimitExceeded", ago: 30 * time.Minute,
			pods: []podPlan{{status: corev1.PodStatus{Phase: corev1.PodFailed, ContainerStatuses: []corev1.ContainerStatus{{State: terminatedState(1, "Error")}}},
				log: "2026-01-01T02:00:00.000Z INFO rotating 48 tenants\n2026-01-01T02:00:01.000Z ERROR TypeError: Cannot read properties of undefined (reading 'keyVersion')\n2026-01-01T02:00:01.100Z INFO exiting with status 1\n"}},
			active: runbook.ScenarioRotationJobFailing, summary: "exit code 1: ERROR TypeError: Cannot read properties of undefined (reading 'keyVersion') (1 of 1 pods) — ",
			step: "kubectl describe pod cmek-rotation-lab-p0000 -n ",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			w := lab.SeedTB(t, testenv.Get(t), lab.Options{Tenants: 6})
			injectJob(t, w, "cmek-rotation-lab", tc.reason, tc.ago, tc.pods...)
			snap := labCollect(t, w)
			var job *collectors.Job
			for i := range snap.Kubernetes.Jobs {
				if snap.Kubernetes.Jobs[i].Name == "cmek-rotation-lab" {
					job = &snap.Kubernetes.Jobs[i]
				}
			}
			if job == nil || len(job.Pods) != len(tc.pods) {
				t.Fatalf("injected job not collected as it was written: %+v", job)
			}
			if tc.check != nil {
				tc.check(t, *job)
			}
			r := runbook.MustDefault().NewReport(snap, snap.CollectedAt, "test")
			f, _ := r.Finding(tc.active)
			if f.Status != runbook.StatusActive || !strings.HasPrefix(f.Summary, tc.summary) {
				t.Errorf("%s = %s %q\nwant active %q…", tc.active, f.Status, f.Summary, tc.summary)
			}
			if steps := r.NextSteps[tc.active]; len(steps) == 0 || !strings.HasPrefix(steps[0].Command, tc.step) {
				t.Errorf("first step = %+v, want %q…", steps, tc.step)
			}
			for _, id := range tc.clear {
				if g, _ := r.Finding(id); g.Status == runbook.StatusActive {
					t.Errorf("%s active too: %s", id, g.Summary)
				}
			}
			// not a Vault permission problem: the lab's policy and token are fine
			type pair struct {
				scenario string
				symptom  runbook.SymptomID
			}
			for _, p := range []pair{{runbook.ScenarioRotationJobFailing, runbook.SymPolicyMissingCapability}, {runbook.ScenarioVaultTokenExpired, runbook.SymPermissionDeniedVault}} {
				g, _ := r.Finding(p.scenario)
				for _, sy := range g.Symptoms {
					if sy.ID == p.symptom && sy.State == runbook.SymptomPresent {
						t.Errorf("%s/%s present: %+v", p.scenario, p.symptom, sy.Evidence)
					}
				}
			}
			if g, _ := r.Finding(runbook.ScenarioVaultTokenExpired); g.Status == runbook.StatusActive || g.Status == runbook.StatusSuspected {
				t.Errorf("Scenario 2 %s: %s", g.Status, g.Summary)
			}
		})
	}
}

// TestTriage_LabRestartedSecurityPods: the security pods restarted after
// the last rotation run, so their log holds none of its events; that is
// said ("before the audit log's window"), and Scenario 6 is not raised on
// it alone.
func TestTriage_LabRestartedSecurityPods(t *testing.T) {
	w := lab.SeedTB(t, testenv.Get(t), lab.Options{Tenants: 6})
	ctx, kc, ns := context.Background(), w.Env.Kube.Client, w.Namespace
	before := labCollect(t, w)
	if f, _ := runbook.Triage(before, before.CollectedAt).Finding(runbook.ScenarioAuditMissing); f.Status == runbook.StatusActive {
		t.Fatalf("Scenario 6 active before the restart: %s", f.Summary)
	}
	pods, err := kc.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: w.Config.Kubernetes.SecurityLabel})
	if err != nil || len(pods.Items) == 0 {
		t.Fatalf("security pods: %v (%d)", err, len(pods.Items))
	}
	time.Sleep(1100 * time.Millisecond) // the restart comes after every key version the seed wrote
	restarted := metav1.NewTime(time.Now().Truncate(time.Second))
	for i := range pods.Items {
		p := &pods.Items[i]
		cs := &p.Status.ContainerStatuses[0]
		cs.RestartCount = 1
		cs.LastTerminationState = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 137, Reason: "Error", StartedAt: *p.Status.StartTime, FinishedAt: restarted}}
		cs.State = corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: restarted}}
		if _, err := kc.CoreV1().Pods(ns).UpdateStatus(ctx, p, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		at := restarted.Add(time.Second).UTC().Format(time.RFC3339)
		w.Env.Kube.Logs.Set(ns, p.Name, cs.Name, []byte("Server listening on :8080\n"+
			`{"level":"info","component":"VaultTokenRenewal","msg":"VaultTokenRenewal: token renewed","time":"`+at+`"}`+"\n"))
	}
	snap := labCollect(t, w)
	for _, p := range snap.Logs.Pods {
		if p.Started == nil || p.Started.Before(restarted.Time) || p.Restarts != 1 {
			t.Errorf("log source %s: started %v, restarts %d; want since %v, 1", p.Pod, p.Started, p.Restarts, restarted.Time)
		}
	}
	a := runbook.Triage(snap, snap.CollectedAt)
	f, _ := a.Finding(runbook.ScenarioAuditMissing)
	if f.Status == runbook.StatusActive || f.Status == runbook.StatusSuspected {
		t.Errorf("Scenario 6 %s on a log that begins after the run: %s", f.Status, f.Summary)
	}
	for _, sy := range f.Symptoms {
		if sy.ID == runbook.SymMissingRotationEvents && (sy.State != runbook.SymptomUnknown || !strings.Contains(sy.Reason, "before the audit log's window")) {
			t.Errorf("missing-rotation-events = %s (%s), want unknown: the run is before the log's window", sy.State, sy.Reason)
		}
	}
	if !strings.Contains(f.Summary, "before the audit log's window") {
		t.Errorf("summary %q does not say the run is outside the log's window", f.Summary)
	}
}
