package kube

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
)

// This file records why a Job's pod did not run or stopped: the waiting and
// terminated states with their messages, the pod's own reason (Evicted,
// NodeLost), the conditions that say it was never scheduled or was
// disrupted, the containers' memory resources, the Job's conditions, and
// the warning Events of the Job and its pods. The runbook package names the
// cause from it.

// MaxJobEvents bounds the warning Events kept per Job (Job.Events).
const MaxJobEvents = 10

// podDetails fills in what podOf leaves out: the pod's reason, message,
// conditions and age; each container's image, messages, times, last run and
// memory resources; and the init containers that did not complete.
func podDetails(out *collectors.Pod, p *corev1.Pod) {
	out.Created = p.CreationTimestamp.UTC()
	out.Reason, out.Message = p.Status.Reason, p.Status.Message
	out.Terminating = p.DeletionTimestamp != nil
	for _, c := range p.Status.Conditions {
		keep := c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse ||
			c.Type == corev1.DisruptionTarget && c.Status == corev1.ConditionTrue
		if keep {
			out.Conditions = append(out.Conditions, collectors.PodCondition{Type: string(c.Type), Status: string(c.Status),
				Reason: c.Reason, Message: c.Message, At: TimePtr(&c.LastTransitionTime)})
		}
	}
	spec := map[string]corev1.Container{}
	for _, c := range p.Spec.InitContainers {
		spec[c.Name] = c
	}
	for _, c := range p.Spec.Containers {
		spec[c.Name] = c
	}
	statuses := map[string]corev1.ContainerStatus{}
	for _, s := range p.Status.ContainerStatuses {
		statuses[s.Name] = s
	}
	for i := range out.Containers {
		cs := &out.Containers[i]
		if s, ok := statuses[cs.Name]; ok {
			statusDetails(cs, s)
		}
		specDetails(cs, spec[cs.Name])
	}
	// init containers: only those that did not complete, after the others
	for _, s := range p.Status.InitContainerStatuses {
		if t := s.State.Terminated; t != nil && t.ExitCode == 0 {
			continue
		}
		cs := collectors.ContainerState{Name: s.Name, Init: true, Restarts: s.RestartCount}
		stateOf(&cs, s)
		statusDetails(&cs, s)
		specDetails(&cs, spec[s.Name])
		out.Containers = append(out.Containers, cs)
	}
}

func statusDetails(cs *collectors.ContainerState, s corev1.ContainerStatus) {
	cs.Image = s.Image
	switch st := s.State; {
	case st.Waiting != nil:
		cs.Message = st.Waiting.Message
	case st.Running != nil:
		cs.StartedAt = TimePtr(&st.Running.StartedAt)
	case st.Terminated != nil:
		cs.Message = st.Terminated.Message
		cs.StartedAt, cs.FinishedAt = TimePtr(&st.Terminated.StartedAt), TimePtr(&st.Terminated.FinishedAt)
	}
	if lt := s.LastTerminationState.Terminated; lt != nil {
		cs.LastReason, cs.LastExitCode, cs.LastMessage = lt.Reason, ptr.To(lt.ExitCode), lt.Message
		if cs.FinishedAt == nil {
			cs.FinishedAt = TimePtr(&lt.FinishedAt)
		}
	}
}

func specDetails(cs *collectors.ContainerState, c corev1.Container) {
	if cs.Image == "" {
		cs.Image = c.Image
	}
	if q, ok := c.Resources.Limits[corev1.ResourceMemory]; ok {
		cs.MemoryLimit = q.String()
	}
	if q, ok := c.Resources.Requests[corev1.ResourceMemory]; ok {
		cs.MemoryRequest = q.String()
	}
}

// jobDetails fills in the Job's conditions and backoff limit.
func jobDetails(out *collectors.Job, j *batchv1.Job) {
	out.BackoffLimit = j.Spec.BackoffLimit
	for _, c := range j.Status.Conditions {
		if c.Status == corev1.ConditionTrue {
			out.Conditions = append(out.Conditions, collectors.JobCondition{Type: string(c.Type), Reason: c.Reason, Message: c.Message, At: TimePtr(&c.LastTransitionTime)})
		}
	}
}

// explainLog replaces the error of a log that cannot exist, because its
// container never started, with what the container waits for: the API
// server passes the kubelet's 400 ("container ... is waiting to start") on
// as "the server rejected our request for an unknown reason", and a pod
// with no node gives an empty log. A pod that was evicted or lost with its
// node says so beside the read error.
func explainLog(lt *collectors.LogTail, p collectors.Pod) {
	if lt == nil || len(lt.Lines) > 0 {
		return
	}
	if lt.Error != "" && p.Reason != "" {
		lt.Error = fmt.Sprintf("pod %s %s: %s; its log went with it (%s)", p.Name, p.Reason, orDash(p.Message), lt.Error)
		return
	}
	if c, never := p.NeverStarted(lt.Container); never && p.Reason == "" {
		lt.NotStarted = true
		lt.Error = waitingText(p, c) + " (no log: it never started)"
	}
}

// waitingText says why a container that never started waits.
func waitingText(p collectors.Pod, c collectors.ContainerState) string {
	if cond, ok := p.Condition(string(corev1.PodScheduled)); ok {
		return fmt.Sprintf("pod %s was never scheduled: %s: %s", p.Name, orDash(cond.Reason), orDash(cond.Message))
	}
	if p.Node == "" {
		return fmt.Sprintf("pod %s was never scheduled (no node assigned)", p.Name)
	}
	reason := c.Reason
	if reason == "" || reason == string(corev1.PodPending) {
		reason = "no container status yet"
	}
	s := fmt.Sprintf("container %s is waiting: %s", c.Name, reason)
	if c.Message != "" {
		s += ": " + c.Message
	}
	return s
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// jobEvents gathers the warning Events of each Job and of its pods, also
// of pods no longer listed (named <job>-<5 chars>, or <job>-<index>-<5
// chars> for an indexed Job).
type jobEvents struct {
	byJob map[string]int // job name -> index in d.Jobs
	byPod map[string]int // listed pod -> index in d.Jobs
	names []string       // job names, longest first, for pods no longer listed
	got   map[int][]collectors.Event
}

func newJobEvents(d *collectors.KubernetesData) *jobEvents {
	je := &jobEvents{byJob: map[string]int{}, byPod: map[string]int{}, got: map[int][]collectors.Event{}}
	for i, j := range d.Jobs {
		je.byJob[j.Name] = i
		je.names = append(je.names, j.Name)
		for _, p := range j.Pods {
			je.byPod[p.Name] = i
		}
	}
	sort.Slice(je.names, func(a, b int) bool { return len(je.names[a]) > len(je.names[b]) })
	return je
}

var jobPodSuffix = regexp.MustCompile(`^([0-9]+-)?[a-z0-9]{5}$`)

// offer keeps ev when it is about one of the Jobs or their pods.
func (je *jobEvents) offer(kind, name string, ev collectors.Event) {
	i, ok := -1, false
	switch kind {
	case "Job":
		i, ok = je.byJob[name]
	case "Pod":
		if i, ok = je.byPod[name]; !ok {
			for _, jn := range je.names {
				if rest, cut := strings.CutPrefix(name, jn+"-"); cut && jobPodSuffix.MatchString(rest) {
					i, ok = je.byJob[jn], true
					break
				}
			}
		}
	}
	if ok {
		je.got[i] = append(je.got[i], ev)
	}
}

// attach puts each Job's Events on it, newest first, at most MaxJobEvents.
func (je *jobEvents) attach(d *collectors.KubernetesData) {
	for i, evs := range je.got {
		sort.SliceStable(evs, func(a, b int) bool { return evs[a].Last.After(evs[b].Last) })
		if len(evs) > MaxJobEvents {
			evs = evs[:MaxJobEvents]
		}
		d.Jobs[i].Events = evs
	}
}

// eventOf is the Event as kept: its last time is the first of
// lastTimestamp, eventTime and the object's creation that is set.
func eventOf(e *corev1.Event) collectors.Event {
	last := e.LastTimestamp.Time
	if last.IsZero() {
		last = e.EventTime.Time
	}
	if last.IsZero() {
		last = e.CreationTimestamp.Time
	}
	n := e.Count
	if e.Series != nil && e.Series.Count > n {
		n = e.Series.Count
	}
	return collectors.Event{Object: e.InvolvedObject.Kind + "/" + e.InvolvedObject.Name, Type: e.Type, Reason: e.Reason, Message: e.Message, Count: max(n, 1), Last: last.UTC()}
}

// podNamed returns the pod of that name, or a Pod with only the name.
func podNamed(pods []collectors.Pod, name string) collectors.Pod {
	for _, p := range pods {
		if p.Name == name {
			return p
		}
	}
	return collectors.Pod{Name: name}
}
