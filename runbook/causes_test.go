package runbook

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/config"
)

const testImage = "registry.example/orchestrator:1.2"

// failedJob is a rotation Job that failed for reason, with pods.
func failedJob(reason string, pods ...collectors.Pod) collectors.Job {
	return collectors.Job{Name: "cmek-rotation-29033400", CronJob: "cmek-rotation", Role: collectors.RoleRotation, Outcome: collectors.OutcomeFailed,
		Reason: reason, Message: map[string]string{"BackoffLimitExceeded": "Job has reached the specified backoff limit", "DeadlineExceeded": "Job was active longer than specified deadline"}[reason],
		Created: *before(10 * time.Hour), Started: before(10 * time.Hour), Finished: before(9*time.Hour + 50*time.Minute),
		ActiveDeadlineSeconds: ptr(int64(600)), Failed: int32(len(pods)), Pods: pods,
		Conditions: []collectors.JobCondition{{Type: "Failed", Reason: reason, At: before(9*time.Hour + 50*time.Minute)}}}
}

func pod(name string, c collectors.ContainerState, edit ...func(*collectors.Pod)) collectors.Pod {
	if c.Name == "" {
		c.Name = "rotate"
	}
	if c.Image == "" {
		c.Image = testImage
	}
	p := collectors.Pod{Name: name, Phase: "Failed", Node: "node-1", Created: *before(10 * time.Hour), Containers: []collectors.ContainerState{c}}
	for _, e := range edit {
		e(&p)
	}
	return p
}

func pods(n int, c collectors.ContainerState, edit ...func(*collectors.Pod)) []collectors.Pod {
	out := make([]collectors.Pod, n)
	for i := range out {
		out[i] = pod(fmt.Sprintf("cmek-rotation-29033400-p%04d", i), c, edit...)
	}
	return out
}

func oom() collectors.ContainerState {
	return collectors.ContainerState{State: "terminated", Reason: "OOMKilled", ExitCode: ptr(int32(137)), OOMKilled: true, MemoryLimit: "128Mi", FinishedAt: before(9 * time.Hour)}
}

func exited(code int32) collectors.ContainerState {
	return collectors.ContainerState{State: "terminated", Reason: "Error", ExitCode: ptr(code), MemoryLimit: "256Mi"}
}

func waitingFor(reason, msg string) collectors.ContainerState {
	return collectors.ContainerState{State: "waiting", Reason: reason, Message: msg, MemoryLimit: "128Mi"}
}

func pending(p *collectors.Pod) { p.Phase = "Pending" }

func withEvents(j collectors.Job, evs ...collectors.Event) collectors.Job {
	j.Events = evs
	return j
}

func podEvent(pod, reason, msg string) collectors.Event {
	return collectors.Event{Object: "Pod/" + pod, Type: "Warning", Reason: reason, Message: msg, Count: 5, Last: *before(9 * time.Hour)}
}

func TestJobCause(t *testing.T) {
	imagePull := pod("p-img", waitingFor("ErrImagePull", "rpc error: code = NotFound"), pending)
	cases := map[string]struct {
		job  collectors.Job
		kind string // "" for no cause
		text string // the whole text, or with a leading "~" a part of it
	}{
		"OOMKilled, every pod": {
			job: failedJob("BackoffLimitExceeded", pods(9, oom())...), kind: CauseOOMKilled, text: "pods OOMKilled (9 of 9), memory limit 128Mi",
		},
		"OOMKilled before a restart": {
			job: failedJob("BackoffLimitExceeded", pod("p", collectors.ContainerState{State: "waiting", Reason: "CrashLoopBackOff", OOMKilled: true,
				LastReason: "OOMKilled", LastExitCode: ptr(int32(137)), Restarts: 4, MemoryLimit: "1Gi"})),
			kind: CauseOOMKilled, text: "pods OOMKilled (1 of 1), memory limit 1Gi",
		},
		"OOMKilled without a limit": {
			job:  failedJob("BackoffLimitExceeded", pod("p", collectors.ContainerState{State: "terminated", Reason: "OOMKilled", ExitCode: ptr(int32(137)), OOMKilled: true})),
			kind: CauseOOMKilled, text: "pods OOMKilled (1 of 1), no memory limit set (the node ran out of memory)",
		},
		"most pods decide": {
			job:  failedJob("BackoffLimitExceeded", append(pods(2, oom()), pod("p-ev", collectors.ContainerState{State: "waiting"}, func(p *collectors.Pod) { p.Reason, p.Message = "Evicted", "The node was low on resource: memory." }))...),
			kind: CauseOOMKilled, text: "pods OOMKilled (2 of 3), memory limit 128Mi",
		},
		"image pull, the kubelet's event says more": {
			job: withEvents(failedJob("DeadlineExceeded", imagePull),
				podEvent("p-img", "Failed", `Failed to pull image "`+testImage+`": rpc error: code = NotFound desc = failed to pull and unpack image: not found`)),
			kind: CauseImagePull,
			text: `image pull failed: ErrImagePull ` + testImage + `: Failed to pull image "` + testImage + `": rpc error: code = NotFound desc = failed to pull and unpack image: not found (1 of 1 pods); then timed out: DeadlineExceeded after 600s`,
		},
		"image pull back-off, no event": {
			job:  failedJob("DeadlineExceeded", pod("p", waitingFor("ImagePullBackOff", `Back-off pulling image "`+testImage+`"`), pending)),
			kind: CauseImagePull, text: `~image pull failed: ImagePullBackOff ` + testImage + `: Back-off pulling image`,
		},
		"missing secret": {
			job:  failedJob("DeadlineExceeded", pod("p", waitingFor("CreateContainerConfigError", `secret "vault-token" not found`), pending)),
			kind: CauseConfig, text: `container rotate cannot start: CreateContainerConfigError: secret "vault-token" not found (1 of 1 pods); then timed out: DeadlineExceeded after 600s`,
		},
		"an init container that cannot start": {
			job: failedJob("DeadlineExceeded", pod("p", waitingFor("PodInitializing", ""), pending, func(p *collectors.Pod) {
				p.Containers = append(p.Containers, collectors.ContainerState{Name: "vault-agent-init", Init: true, State: "waiting", Reason: "CreateContainerConfigError", Message: `configmap "vault-agent" not found`})
			})),
			kind: CauseConfig, text: `~container vault-agent-init cannot start: CreateContainerConfigError: configmap "vault-agent" not found`,
		},
		"never scheduled": {
			job: failedJob("DeadlineExceeded", pod("p", collectors.ContainerState{State: "waiting", Reason: "Pending"}, pending, func(p *collectors.Pod) {
				p.Node = ""
				p.Conditions = []collectors.PodCondition{{Type: "PodScheduled", Status: "False", Reason: "Unschedulable", Message: "0/3 nodes are available: 3 Insufficient memory."}}
			})),
			kind: CauseUnschedulable, text: "never scheduled: 0/3 nodes are available: 3 Insufficient memory. (1 of 1 pods); then timed out: DeadlineExceeded after 600s",
		},
		"never scheduled, only the scheduler's event": {
			job: withEvents(failedJob("DeadlineExceeded", pod("p", collectors.ContainerState{State: "waiting", Reason: "Pending"}, pending, func(p *collectors.Pod) { p.Node = "" })),
				podEvent("p", "FailedScheduling", "0/3 nodes are available: 3 node(s) had untolerated taint {dedicated: batch}.")),
			kind: CauseUnschedulable, text: "~never scheduled: 0/3 nodes are available: 3 node(s) had untolerated taint",
		},
		// bound (spec.nodeName) to a node that does not exist: no status,
		// no event; nothing was mounted, so no Secret is to blame
		"bound to a node whose kubelet never took it up": {
			job:  failedJob("DeadlineExceeded", pod("p", collectors.ContainerState{State: "waiting", Reason: "Pending"}, pending, func(p *collectors.Pod) { p.Node = "no-such-node" })),
			kind: CauseNotStarted, text: "~no container status and no event: node no-such-node's kubelet never reported the pod (is the node there and Ready? kubectl get node no-such-node)",
		},
		"stuck creating, a volume that does not mount": {
			job: withEvents(failedJob("DeadlineExceeded", pod("p", waitingFor("ContainerCreating", ""), pending)),
				podEvent("p", "FailedMount", `MountVolume.SetUp failed for volume "vault-token" : secret "vault-token" not found`)),
			kind: CauseNotStarted, text: `not started: container rotate waiting (ContainerCreating: MountVolume.SetUp failed for volume "vault-token" : secret "vault-token" not found) for 10h00m (1 of 1 pods); then timed out: DeadlineExceeded after 600s`,
		},
		"evicted": {
			job: failedJob("BackoffLimitExceeded", pod("p", collectors.ContainerState{State: "terminated", Reason: "Error", ExitCode: ptr(int32(137))}, func(p *collectors.Pod) {
				p.Reason, p.Message = "Evicted", "The node was low on resource: memory. Threshold quantity: 100Mi, available: 12Mi."
			})),
			kind: CauseEvicted, text: "evicted: The node was low on resource: memory. Threshold quantity: 100Mi, available: 12Mi. (1 of 1 pods)",
		},
		"evicted through the eviction API (a drain)": {
			job: failedJob("BackoffLimitExceeded", pod("p", exited(143), func(p *collectors.Pod) {
				p.Conditions = []collectors.PodCondition{{Type: "DisruptionTarget", Status: "True", Reason: "EvictionByEvictionAPI", Message: "Eviction API: evicting"}}
			})),
			kind: CauseEvicted, text: "evicted: Eviction API: evicting (1 of 1 pods)",
		},
		"node lost": {
			job: failedJob("BackoffLimitExceeded", pod("p", collectors.ContainerState{State: "running"}, func(p *collectors.Pod) {
				p.Conditions = []collectors.PodCondition{{Type: "DisruptionTarget", Status: "True", Reason: "DeletionByTaintManager", Message: "Taint manager: deleting due to NoExecute taint"}}
			})),
			kind: CauseNodeLost, text: "node lost: Taint manager: deleting due to NoExecute taint (1 of 1 pods)",
		},
		"node lost, the old way": {
			job: failedJob("BackoffLimitExceeded", pod("p", collectors.ContainerState{State: "running"}, func(p *collectors.Pod) {
				p.Reason, p.Message = "NodeLost", "Node node-1 which was running pod p is unresponsive"
			})),
			kind: CauseNodeLost, text: "node lost: Node node-1 which was running pod p is unresponsive (1 of 1 pods)",
		},
		"crash: exit code and the log line that matters": {
			job: func() collectors.Job {
				j := failedJob("BackoffLimitExceeded", pods(2, exited(1))...)
				j.Log = &collectors.LogTail{Pod: j.Pods[0].Name, Container: "rotate", Lines: []string{
					"2025-03-12T02:00:01.000Z INFO rotating 10 tenants",
					"2025-03-12T02:00:02.000Z ERROR connect ECONNREFUSED 10.0.0.7:8200",
					"2025-03-12T02:00:03.000Z INFO exiting with status 1"}}
				return j
			}(),
			kind: CauseCrash, text: "exit code 1: ERROR connect ECONNREFUSED 10.0.0.7:8200 (2 of 2 pods)",
		},
		"crash: a runbook phrase wins": {
			job: func() collectors.Job {
				j := failedJob("BackoffLimitExceeded", pod("p", exited(1)))
				j.Log = &collectors.LogTail{Pod: "p", Container: "rotate", Lines: []string{"Failed to rotate key for tenant t07: permission denied", "error: 1 tenant failed"},
					Matches: []collectors.LogMatch{{Line: 0, Phrase: "Failed to rotate key for tenant", Tenant: "t07"}}}
				return j
			}(),
			kind: CauseCrash, text: "exit code 1: Failed to rotate key for tenant t07: permission denied (1 of 1 pods)",
		},
		"crash-looping": {
			job:  failedJob("BackoffLimitExceeded", pod("p", collectors.ContainerState{State: "waiting", Reason: "CrashLoopBackOff", LastReason: "Error", LastExitCode: ptr(int32(2)), Restarts: 5})),
			kind: CauseCrash, text: "crash-looping (restarted 5 times): exit code 2 (1 of 1 pods)",
		},
		"killed by a signal, not by the deadline": {
			job:  failedJob("BackoffLimitExceeded", pod("p", collectors.ContainerState{State: "terminated", Reason: "Error", ExitCode: ptr(int32(137))})),
			kind: CauseKilled, text: "killed: exit code 137 (SIGKILL) (1 of 1 pods)",
		},
		"a deadline that killed a running pod": {
			job:  failedJob("DeadlineExceeded", pod("p", exited(143))),
			kind: CauseDeadline, text: "timed out: DeadlineExceeded after 600s, pods killed (1 of 1)",
		},
		"a deadline, pods gone": {
			job: failedJob("DeadlineExceeded"), kind: CauseDeadline, text: "timed out: DeadlineExceeded after 600s",
		},
		"no pod could be created": {
			job: withEvents(failedJob("DeadlineExceeded"), collectors.Event{Object: "Job/cmek-rotation-29033400", Reason: "FailedCreate",
				Message: `Error creating: pods "cmek-rotation-29033400-abcde" is forbidden: exceeded quota: compute, requested: memory=128Mi, used: memory=2Gi, limited: memory=2Gi`}),
			kind: CauseCreateFailed, text: `~no pod created: Error creating: pods "cmek-rotation-29033400-abcde" is forbidden: exceeded quota`,
		},
		"pod failure policy, pods gone": {
			job: func() collectors.Job {
				j := failedJob("PodFailurePolicy")
				j.Message = "Container rotate for pod ns/cmek-rotation-29033400-abcde failed with exit code 42 matching FailJob rule at index 0"
				return j
			}(),
			kind: CauseJobFailed, text: "failed: PodFailurePolicy: Container rotate for pod ns/cmek-rotation-29033400-abcde failed with exit code 42 matching FailJob rule at index 0 (no pod left to tell more)",
		},
		"the kubelet failed the pod": {
			job: failedJob("BackoffLimitExceeded", pod("p", collectors.ContainerState{State: "waiting", Reason: "Failed"}, func(p *collectors.Pod) {
				p.Reason, p.Message = "UnexpectedAdmissionError", "Allocate failed due to no healthy devices present"
			})),
			kind: CausePodFailed, text: "pod failed: UnexpectedAdmissionError: Allocate failed due to no healthy devices present (1 of 1 pods)",
		},
		"the condition alone says nothing new": {job: failedJob("BackoffLimitExceeded")},
		"succeeded":                            {job: collectors.Job{Name: "j", Outcome: collectors.OutcomeSucceeded, Pods: []collectors.Pod{pod("p", collectors.ContainerState{State: "terminated", Reason: "Completed", ExitCode: ptr(int32(0))}, func(p *collectors.Pod) { p.Phase = "Succeeded" })}}},
		"running fine":                         {job: collectors.Job{Name: "j", Outcome: collectors.OutcomeRunning, Pods: []collectors.Pod{pod("p", collectors.ContainerState{State: "running"}, func(p *collectors.Pod) { p.Phase = "Running" })}}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			c := JobCause(tc.job, testNow)
			if tc.kind == "" {
				if c != nil {
					t.Fatalf("cause = %+v, want none", c)
				}
				return
			}
			if c == nil {
				t.Fatalf("no cause, want %s", tc.kind)
			}
			if c.Kind != tc.kind {
				t.Errorf("kind = %s, want %s (%s)", c.Kind, tc.kind, c.Text)
			}
			if part, ok := strings.CutPrefix(tc.text, "~"); ok && !strings.Contains(c.Text, part) || !ok && c.Text != tc.text {
				t.Errorf("text = %q\nwant   %q", c.Text, tc.text)
			}
			if len(c.Evidence) == 0 {
				t.Error("no evidence")
			}
		})
	}
}

func TestRaiseMemory(t *testing.T) {
	for in, want := range map[string]string{"128Mi": "256Mi", "1Gi": "2Gi", "1.5Gi": "3Gi", "500M": "1000M", "134217728": "268435456", "": "<new-limit>", "lots": "<new-limit>"} {
		if got := raiseMemory(in); got != want {
			t.Errorf("raiseMemory(%q) = %q, want %q", in, got, want)
		}
	}
}

// rotationFails replaces the newest rotation Job with job.
func rotationFails(job collectors.Job) snapOpt {
	return func(s *collectors.Snapshot) {
		j := jobOfRole(s, collectors.RoleRotation)
		log := j.Log
		*j = job
		if j.Log == nil && len(j.Pods) > 0 {
			j.Log = &collectors.LogTail{Pod: j.Pods[0].Name, Container: "rotate", Lines: log.Lines}
		}
	}
}

func jobOfRole(s *collectors.Snapshot, role string) *collectors.Job {
	for i := range s.Kubernetes.Jobs {
		if s.Kubernetes.Jobs[i].Role == role {
			return &s.Kubernetes.Jobs[i]
		}
	}
	panic("no " + role + " job")
}

// TestTriage_Causes: the scenario a failed Job belongs to leads its summary
// with the cause and its steps with those that point at it; a pod failure
// that is not about Vault is never read as a Vault permission problem.
func TestTriage_Causes(t *testing.T) {
	b := MustDefault()
	stuckPod := pod("cmek-rotation-29033460-x1y2z", waitingFor("ImagePullBackOff", `Back-off pulling image "`+testImage+`"`), pending,
		func(p *collectors.Pod) { p.Created = *before(20 * time.Minute) })
	running := func(age time.Duration, p collectors.Pod) snapOpt {
		return func(s *collectors.Snapshot) {
			p.Created = *before(age)
			s.Kubernetes.Jobs = append([]collectors.Job{{Name: "cmek-rotation-29033460", CronJob: "cmek-rotation", Role: collectors.RoleRotation, Outcome: collectors.OutcomeRunning,
				Created: *before(age), Started: before(age), Active: 1, Pods: []collectors.Pod{p},
				Log: &collectors.LogTail{Pod: p.Name, Container: "rotate", NotStarted: true, Error: "container rotate is waiting: ImagePullBackOff (no log: it never started)"}}}, s.Kubernetes.Jobs...)
		}
	}
	cases := map[string]struct {
		opts       []snapOpt
		scenario   string
		status     Status
		summary    string   // the summary's beginning
		steps      []string // the first steps' commands
		clear      []string // scenarios that stay clear
		notPresent []string // scenario/symptom pairs that must not be present
		notUnknown []string // scenario/symptom pairs that must not be unknown
	}{
		"OOM: Scenario 1 leads with it; no Vault permission symptom": {
			opts:     []snapOpt{rotationFails(failedJob("BackoffLimitExceeded", pods(9, oom())...))},
			scenario: ScenarioRotationJobFailing, status: StatusActive,
			summary: "pods OOMKilled (9 of 9), memory limit 128Mi — latest rotation Job: Job cmek-rotation-29033400 failed (BackoffLimitExceeded)",
			steps: []string{"kubectl describe pod cmek-rotation-29033400-p0000 -n ns",
				"kubectl set resources cronjob/cmek-rotation -c=rotate --limits=memory=256Mi -n ns",
				"kubectl logs pod/cmek-rotation-29033400-p0000 -c rotate -n ns"},
			clear:      []string{ScenarioVaultTokenExpired},
			notPresent: []string{"rotation-job-failing/policy-missing-capability", "vault-token-expired/permission-denied-vault", "rotation-job-failing/failed-to-rotate-logged", "batch-timeout/pod-killed"},
		},
		"image pull then the deadline: Scenario 1, not a batch timeout": {
			opts:     []snapOpt{rotationFails(failedJob("DeadlineExceeded", pod("cmek-rotation-29033400-aaaaa", waitingFor("ErrImagePull", "not found"), pending)))},
			scenario: ScenarioRotationJobFailing, status: StatusActive,
			summary: "image pull failed: ErrImagePull " + testImage + ": not found (1 of 1 pods); then timed out: DeadlineExceeded after 600s — ",
			steps: []string{"kubectl describe pod cmek-rotation-29033400-aaaaa -n ns",
				"kubectl get cronjob cmek-rotation -n ns -o yaml | grep -E -A2 'image:|imagePullSecrets:'",
				"kubectl set image cronjob/cmek-rotation rotate=<image> -n ns"},
			clear:      []string{ScenarioBatchTimeout, ScenarioVaultTokenExpired},
			notPresent: []string{"rotation-job-failing/policy-missing-capability", "vault-token-expired/permission-denied-vault"},
		},
		"a running Job stuck on its image for 20 minutes": {
			opts:     []snapOpt{running(20*time.Minute, stuckPod)},
			scenario: ScenarioRotationJobFailing, status: StatusActive,
			summary: "image pull failed: ImagePullBackOff " + testImage + `: Back-off pulling image "` + testImage + `" (1 of 1 pods) — Job cmek-rotation-29033460 still running, its pods cannot run`,
			steps:   []string{"kubectl describe pod cmek-rotation-29033460-x1y2z -n ns"},
		},
		"a running Job a minute old whose pods are refused: no waiting for the stuck threshold": {
			opts: []snapOpt{func(s *collectors.Snapshot) {
				s.Kubernetes.Jobs = append([]collectors.Job{{Name: "cmek-rotation-29033460", CronJob: "cmek-rotation", Role: collectors.RoleRotation, Outcome: collectors.OutcomeRunning,
					Created: *before(time.Minute), Started: before(time.Minute),
					Events: []collectors.Event{{Object: "Job/cmek-rotation-29033460", Type: "Warning", Reason: "FailedCreate", Count: 4, Last: *before(10 * time.Second),
						Message: `Error creating: pods "cmek-rotation-29033460-abcde" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false`}}}}, s.Kubernetes.Jobs...)
			}},
			scenario: ScenarioRotationJobFailing, status: StatusActive,
			summary: `no pod created: Error creating: pods "cmek-rotation-29033460-abcde" is forbidden: violates PodSecurity`,
		},
		"no pod ever created, then the deadline: its log holds nothing, no 'cannot tell'": {
			opts: []snapOpt{rotationFails(withEvents(failedJob("DeadlineExceeded"), collectors.Event{Object: "Job/cmek-rotation-29033400", Type: "Warning", Reason: "FailedCreate",
				Message: `Error creating: pods "cmek-rotation-29033400-abcde" is forbidden: exceeded quota: compute`}))},
			scenario: ScenarioRotationJobFailing, status: StatusActive,
			summary:    `no pod created: Error creating: pods "cmek-rotation-29033400-abcde" is forbidden: exceeded quota: compute; then timed out`,
			notUnknown: []string{"rotation-job-failing/failed-to-rotate-logged", "retention-overflow/version-limit-logged"},
		},
		"the deadline killed a running batch: Scenario 5's cause": {
			opts:     []snapOpt{rotationFails(failedJob("DeadlineExceeded", pod("cmek-rotation-29033400-bbbbb", exited(143))))},
			scenario: ScenarioBatchTimeout, status: StatusActive, summary: "timed out: DeadlineExceeded after 600s, pods killed (1 of 1) — ",
			steps: []string{"kubectl describe job cmek-rotation-29033400 -n ns"},
			clear: []string{ScenarioRotationJobFailing},
		},
		"an evicted cleanup pod: Scenario 3's cause": {
			opts: []snapOpt{func(s *collectors.Snapshot) {
				j := jobOfRole(s, collectors.RoleCleanup)
				j.Outcome, j.Reason, j.Succeeded, j.Failed = collectors.OutcomeFailed, "BackoffLimitExceeded", 0, 1
				j.Pods = []collectors.Pod{pod("secret-cleanup-29033460-ccccc", collectors.ContainerState{Name: "cleanup", State: "terminated", ExitCode: ptr(int32(137))},
					func(p *collectors.Pod) {
						p.Reason, p.Message = "Evicted", "The node was low on resource: ephemeral-storage."
					})}
			}},
			scenario: ScenarioCleanupFailing, status: StatusActive, summary: "evicted: The node was low on resource: ephemeral-storage. (1 of 1 pods) — ",
			steps: []string{"kubectl describe pod secret-cleanup-29033460-ccccc -n ns", "kubectl describe node node-1"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := healthySnapshot(t, tc.opts...)
			a := b.Triage(s, testNow)
			f := finding(t, a, tc.scenario)
			if f.Status != tc.status || !strings.HasPrefix(f.Summary, tc.summary) {
				t.Errorf("%s = %s %q\nwant     %s %q…%s", tc.scenario, f.Status, f.Summary, tc.status, tc.summary, describe(a))
			}
			if f.Cause == nil {
				t.Fatal("no cause on the finding")
			}
			steps := renderedSteps(b, s, f)
			for i, want := range tc.steps {
				if i >= len(steps) || steps[i].Command != want {
					t.Errorf("step %d = %+v\nwant command %q", i+1, steps[min(i, len(steps)-1)], want)
				}
			}
			for _, id := range tc.clear {
				if g := finding(t, a, id); g.Status != StatusClear {
					t.Errorf("%s = %s (%s), want clear", id, g.Status, g.Summary)
				}
			}
			for _, pair := range tc.notPresent {
				sc, name, _ := strings.Cut(pair, "/")
				sy, err := ParseSymptomID(name)
				if err != nil {
					t.Fatal(err)
				}
				if r := symptom(t, finding(t, a, sc), sy); r.State == SymptomPresent {
					t.Errorf("%s present: %+v", pair, r.Evidence)
				}
			}
			for _, pair := range tc.notUnknown {
				sc, name, _ := strings.Cut(pair, "/")
				sy, err := ParseSymptomID(name)
				if err != nil {
					t.Fatal(err)
				}
				if r := symptom(t, finding(t, a, sc), sy); r.State == SymptomUnknown {
					t.Errorf("%s unknown (%s): a Job that never had a pod logged nothing", pair, r.Reason)
				}
			}
		})
	}
	t.Run("a running Job two minutes old is not stuck yet", func(t *testing.T) {
		a := b.Triage(healthySnapshot(t, running(2*time.Minute, stuckPod)), testNow)
		if f := finding(t, a, ScenarioRotationJobFailing); f.Status != StatusClear || f.Cause != nil {
			t.Errorf("Scenario 1 = %s %q, want clear without a cause", f.Status, f.Summary)
		}
	})
	t.Run("thresholds.jobStuckAfter decides when it is stuck", func(t *testing.T) {
		s := healthySnapshot(t, running(2*time.Minute, stuckPod))
		s.Config.Thresholds.JobStuckAfter = config.Duration(time.Minute)
		a := b.Triage(s, testNow)
		f := finding(t, a, ScenarioRotationJobFailing)
		r := symptom(t, f, SymRotationJobFailed)
		if r.State != SymptomPresent || len(r.Evidence) == 0 || r.Evidence[0].Threshold != "stuck after 1m" {
			t.Errorf("with jobStuckAfter 1m: rotation-job-failed %s %+v, want present, stuck after 1m", r.State, r.Evidence)
		}
	})
	t.Run("a log of a container that never started is no unknown", func(t *testing.T) {
		j := failedJob("BackoffLimitExceeded", pod("p", waitingFor("CreateContainerConfigError", `secret "x" not found`), pending))
		j.Log = &collectors.LogTail{Pod: "p", Container: "rotate", NotStarted: true, Error: `container rotate is waiting: CreateContainerConfigError: secret "x" not found (no log: it never started)`}
		a := b.Triage(healthySnapshot(t, rotationFails(j)), testNow)
		if r := symptom(t, finding(t, a, ScenarioRotationJobFailing), SymFailedToRotateLogged); r.State != SymptomAbsent {
			t.Errorf("failed-to-rotate-logged = %s (%s), want absent: a container that never ran logged nothing", r.State, r.Reason)
		}
	})
}

// renderedSteps are a finding's steps as the report and the dashboard show
// them.
func renderedSteps(b *Book, s *collectors.Snapshot, f Finding) []RenderedStep {
	return NewVars(s, testNow).ForFinding(f).RenderSteps(b.StepsFor(f))
}
