package kube

import (
	"context"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/utils/ptr"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/config"
)

var podT0 = time.Date(2025, time.March, 12, 2, 0, 0, 0, time.UTC)

// jobPod is a rotation Job's pod with one container "rotate" limited to
// 128Mi, in the given status.
func jobPod(name string, st corev1.PodStatus) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", CreationTimestamp: metav1.NewTime(podT0),
			Labels: map[string]string{"batch.kubernetes.io/job-name": "cmek-rotation-1"}},
		Spec: corev1.PodSpec{NodeName: "node-1", Containers: []corev1.Container{{
			Name: "rotate", Image: "registry.example/orchestrator:1.2",
			Resources: corev1.ResourceRequirements{
				Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("128Mi")},
				Requests: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("64Mi")},
			},
		}}},
		Status: st,
	}
}

func waiting(reason, msg string) corev1.ContainerState {
	return corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason, Message: msg}}
}

func terminated(code int32, reason, msg string) corev1.ContainerState {
	return corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: code, Reason: reason, Message: msg,
		StartedAt: metav1.NewTime(podT0.Add(5 * time.Second)), FinishedAt: metav1.NewTime(podT0.Add(time.Minute))}}
}

func status(phase corev1.PodPhase, state corev1.ContainerState) corev1.PodStatus {
	return corev1.PodStatus{Phase: phase, ContainerStatuses: []corev1.ContainerStatus{{Name: "rotate", Image: "registry.example/orchestrator:1.2", State: state}}}
}

func TestPodOf_FailureDetails(t *testing.T) {
	t.Run("image pull", func(t *testing.T) {
		p := podOf(jobPod("p", status(corev1.PodPending, waiting("ErrImagePull", `rpc error: code = NotFound desc = failed to pull and unpack image "registry.example/orchestrator:1.2": not found`))))
		c := p.Containers[0]
		if c.State != "waiting" || c.Reason != "ErrImagePull" || !strings.Contains(c.Message, "not found") || c.Image != "registry.example/orchestrator:1.2" {
			t.Errorf("container = %+v", c)
		}
		if c.MemoryLimit != "128Mi" || c.MemoryRequest != "64Mi" {
			t.Errorf("memory = %q/%q, want 128Mi/64Mi", c.MemoryLimit, c.MemoryRequest)
		}
		if !p.Created.Equal(podT0) {
			t.Errorf("created = %v", p.Created)
		}
		if _, never := p.NeverStarted("rotate"); !never {
			t.Error("NeverStarted = false for a container waiting on its image")
		}
	})
	t.Run("oom killed", func(t *testing.T) {
		p := podOf(jobPod("p", status(corev1.PodFailed, terminated(137, "OOMKilled", ""))))
		c := p.Containers[0]
		if !c.OOMKilled || *c.ExitCode != 137 || c.StartedAt == nil || c.FinishedAt == nil || c.MemoryLimit != "128Mi" {
			t.Errorf("container = %+v", c)
		}
		if _, never := p.NeverStarted("rotate"); never {
			t.Error("NeverStarted = true for a container that ran")
		}
	})
	t.Run("crash loop keeps the last run", func(t *testing.T) {
		st := status(corev1.PodRunning, waiting("CrashLoopBackOff", "back-off 40s restarting failed container=rotate"))
		st.ContainerStatuses[0].RestartCount = 3
		st.ContainerStatuses[0].LastTerminationState = terminated(1, "Error", "")
		c := podOf(jobPod("p", st)).Containers[0]
		if c.LastReason != "Error" || c.LastExitCode == nil || *c.LastExitCode != 1 || c.Restarts != 3 {
			t.Errorf("container = %+v", c)
		}
	})
	t.Run("evicted", func(t *testing.T) {
		st := corev1.PodStatus{Phase: corev1.PodFailed, Reason: "Evicted", Message: "The node was low on resource: memory. Threshold quantity: 100Mi, available: 12Mi.",
			Conditions: []corev1.PodCondition{
				{Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue, Reason: "TerminationByKubelet", Message: "The node was low on resource: memory."},
				{Type: corev1.PodReady, Status: corev1.ConditionFalse, Reason: "PodFailed"},
			}}
		p := podOf(jobPod("p", st))
		if p.Reason != "Evicted" || !strings.HasPrefix(p.Message, "The node was low") {
			t.Errorf("pod reason/message = %q/%q", p.Reason, p.Message)
		}
		if len(p.Conditions) != 1 || p.Conditions[0].Reason != "TerminationByKubelet" {
			t.Errorf("conditions = %+v, want only DisruptionTarget", p.Conditions)
		}
	})
	t.Run("unschedulable", func(t *testing.T) {
		pod := jobPod("p", corev1.PodStatus{Phase: corev1.PodPending, Conditions: []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse,
			Reason: "Unschedulable", Message: "0/3 nodes are available: 3 Insufficient memory."}}})
		pod.Spec.NodeName = ""
		p := podOf(pod)
		if c, ok := p.Condition("PodScheduled"); !ok || c.Reason != "Unschedulable" {
			t.Errorf("conditions = %+v", p.Conditions)
		}
		if c := p.Containers[0]; c.State != "waiting" || c.Image == "" || c.MemoryLimit != "128Mi" {
			t.Errorf("container without status = %+v", c)
		}
	})
	t.Run("init container", func(t *testing.T) {
		pod := jobPod("p", corev1.PodStatus{Phase: corev1.PodPending,
			InitContainerStatuses: []corev1.ContainerStatus{
				{Name: "done", State: terminated(0, "Completed", "")},
				{Name: "vault-agent-init", State: waiting("CreateContainerConfigError", `secret "vault-token" not found`)},
			},
			ContainerStatuses: []corev1.ContainerStatus{{Name: "rotate", State: waiting("PodInitializing", "")}}})
		pod.Spec.InitContainers = []corev1.Container{{Name: "done", Image: "busybox"}, {Name: "vault-agent-init", Image: "vault:1.14"}}
		p := podOf(pod)
		if len(p.Containers) != 2 || p.Containers[0].Name != "rotate" {
			t.Fatalf("containers = %+v, want rotate then the init container that did not complete", p.Containers)
		}
		if c := p.Containers[1]; !c.Init || c.Reason != "CreateContainerConfigError" || c.Image != "vault:1.14" || !strings.Contains(c.Message, "vault-token") {
			t.Errorf("init container = %+v", c)
		}
	})
}

func TestJobOf_Conditions(t *testing.T) {
	j := &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Name: "cmek-rotation-1"},
		Spec:       batchv1.JobSpec{BackoffLimit: ptr.To[int32](6)},
		Status: batchv1.JobStatus{Conditions: []batchv1.JobCondition{
			{Type: batchv1.JobFailureTarget, Status: corev1.ConditionTrue, Reason: "BackoffLimitExceeded", Message: "Job has reached the specified backoff limit"},
			{Type: batchv1.JobFailed, Status: corev1.ConditionTrue, Reason: "BackoffLimitExceeded", Message: "Job has reached the specified backoff limit"},
			{Type: batchv1.JobSuspended, Status: corev1.ConditionFalse},
		}},
	}
	got := jobOf(j, collectors.CronJob{Name: "cmek-rotation", Role: collectors.RoleRotation})
	if got.Outcome != collectors.OutcomeFailed || *got.BackoffLimit != 6 || len(got.Conditions) != 2 || got.Conditions[0].Type != "FailureTarget" || got.Conditions[1].Reason != "BackoffLimitExceeded" {
		t.Errorf("job = %+v", got)
	}
}

func TestExplainLog(t *testing.T) {
	apiErr := "read log of pod p: the server rejected our request for an unknown reason (get pods p)"
	cases := map[string]struct {
		pod        *corev1.Pod
		lt         collectors.LogTail
		want       string
		notStarted bool
	}{
		"waiting on the image": {
			pod:  jobPod("p", status(corev1.PodPending, waiting("ImagePullBackOff", `Back-off pulling image "registry.example/orchestrator:1.2"`))),
			lt:   collectors.LogTail{Pod: "p", Container: "rotate", Error: apiErr},
			want: `container rotate is waiting: ImagePullBackOff: Back-off pulling image "registry.example/orchestrator:1.2" (no log: it never started)`, notStarted: true,
		},
		"config error": {
			pod:  jobPod("p", status(corev1.PodPending, waiting("CreateContainerConfigError", `secret "vault-token" not found`))),
			lt:   collectors.LogTail{Pod: "p", Container: "rotate", Error: apiErr},
			want: `container rotate is waiting: CreateContainerConfigError: secret "vault-token" not found (no log: it never started)`, notStarted: true,
		},
		"never scheduled, empty log": {
			pod: func() *corev1.Pod {
				p := jobPod("p", corev1.PodStatus{Phase: corev1.PodPending, Conditions: []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse,
					Reason: "Unschedulable", Message: "0/3 nodes are available: 3 Insufficient memory."}}})
				p.Spec.NodeName = ""
				return p
			}(),
			lt:   collectors.LogTail{Pod: "p", Container: "rotate"},
			want: "pod p was never scheduled: Unschedulable: 0/3 nodes are available: 3 Insufficient memory. (no log: it never started)", notStarted: true,
		},
		"evicted": {
			pod:  jobPod("p", corev1.PodStatus{Phase: corev1.PodFailed, Reason: "Evicted", Message: "The node was low on resource: memory."}),
			lt:   collectors.LogTail{Pod: "p", Container: "rotate", Error: "read log of pod p: not found"},
			want: "pod p Evicted: The node was low on resource: memory.; its log went with it (read log of pod p: not found)",
		},
		"a container that ran keeps the read error": {
			pod:  jobPod("p", status(corev1.PodFailed, terminated(1, "Error", ""))),
			lt:   collectors.LogTail{Pod: "p", Container: "rotate", Error: "read log of pod p: cannot reach the kubelet"},
			want: "read log of pod p: cannot reach the kubelet",
		},
		"a log that was read is kept": {
			pod:  jobPod("p", status(corev1.PodPending, waiting("ContainerCreating", ""))),
			lt:   collectors.LogTail{Pod: "p", Container: "rotate", Lines: []string{"started"}},
			want: "",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			lt := tc.lt
			explainLog(&lt, podOf(tc.pod))
			if lt.Error != tc.want || lt.NotStarted != tc.notStarted {
				t.Errorf("error = %q (notStarted %v)\nwant    %q (notStarted %v)", lt.Error, lt.NotStarted, tc.want, tc.notStarted)
			}
		})
	}
}

func TestCollectKubernetes_JobPodEvidence(t *testing.T) {
	cj := &batchv1.CronJob{ObjectMeta: metav1.ObjectMeta{Name: "cmek-rotation", Namespace: "ns", UID: types.UID("cj-uid")},
		Spec: batchv1.CronJobSpec{Schedule: "0 2 * * *"}}
	job := &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Name: "cmek-rotation-1", Namespace: "ns", UID: "job-uid", CreationTimestamp: metav1.NewTime(podT0),
		OwnerReferences: []metav1.OwnerReference{{APIVersion: "batch/v1", Kind: "CronJob", Name: cj.Name, UID: cj.UID, Controller: ptr.To(true)}}},
		Status: batchv1.JobStatus{Active: 1, StartTime: ptr.To(metav1.NewTime(podT0))}}
	pod := jobPod("cmek-rotation-1-abcde", status(corev1.PodPending, waiting("ImagePullBackOff", `Back-off pulling image "registry.example/orchestrator:1.2"`)))
	ev := func(name, kind, obj, reason, msg string, at time.Time) *corev1.Event {
		return &corev1.Event{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns"}, Type: corev1.EventTypeWarning, Reason: reason, Message: msg, Count: 4,
			InvolvedObject: corev1.ObjectReference{Kind: kind, Name: obj, Namespace: "ns"}, LastTimestamp: metav1.NewTime(at)}
	}
	kc := fake.NewClientset(cj, job, pod,
		ev("e1", "Pod", pod.Name, "Failed", `Failed to pull image "registry.example/orchestrator:1.2": not found`, podT0.Add(time.Minute)),
		ev("e2", "Pod", pod.Name, "BackOff", `Back-off pulling image "registry.example/orchestrator:1.2"`, podT0.Add(2*time.Minute)),
		ev("e3", "Pod", "cmek-rotation-1-zzzzz", "FailedScheduling", "0/3 nodes are available", podT0.Add(-time.Minute)), // deleted since
		ev("e4", "Pod", "cmek-rotation-12-abcde", "Failed", "another Job's pod", podT0),
		ev("e5", "Pod", "other", "Failed", "not ours", podT0),
	)
	c := newCollector(clients{Kube: kc}, collectors.Env{Config: config.Default(), Namespace: "ns"})
	d, st := c.collectKubernetes(context.Background())
	if len(d.Jobs) != 1 {
		t.Fatalf("jobs = %+v (status %+v)", d.Jobs, st)
	}
	j := d.Jobs[0]
	if len(j.Pods) != 1 || j.Pods[0].Containers[0].Reason != "ImagePullBackOff" || j.Pods[0].Containers[0].MemoryLimit != "128Mi" {
		t.Errorf("pods = %+v", j.Pods)
	}
	var got []string
	for _, e := range j.Events {
		got = append(got, e.Object+" "+e.Reason)
	}
	if want := "Pod/cmek-rotation-1-abcde BackOff,Pod/cmek-rotation-1-abcde Failed,Pod/cmek-rotation-1-zzzzz FailedScheduling"; strings.Join(got, ",") != want {
		t.Errorf("job events = %v, want %s", got, want)
	}
}

func TestJobEvents_Bounded(t *testing.T) {
	d := &collectors.KubernetesData{Jobs: []collectors.Job{{Name: "j"}}}
	je := newJobEvents(d)
	for i := range MaxJobEvents + 5 {
		je.offer("Pod", "j-abcde", collectors.Event{Reason: "BackOff", Last: podT0.Add(time.Duration(i) * time.Minute)})
	}
	je.attach(d)
	if n := len(d.Jobs[0].Events); n != MaxJobEvents || !d.Jobs[0].Events[0].Last.Equal(podT0.Add(time.Duration(MaxJobEvents+4)*time.Minute)) {
		t.Errorf("kept %d events, the newest first? %v", n, d.Jobs[0].Events[0].Last)
	}
}
