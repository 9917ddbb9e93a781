package collectors

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors/auditlog"
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
func podDetails(out *Pod, p *corev1.Pod) {
	out.Created = p.CreationTimestamp.UTC()
	out.Reason, out.Message = p.Status.Reason, p.Status.Message
	out.Terminating = p.DeletionTimestamp != nil
	for _, c := range p.Status.Conditions {
		keep := c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse ||
			c.Type == corev1.DisruptionTarget && c.Status == corev1.ConditionTrue
		if keep {
			out.Conditions = append(out.Conditions, PodCondition{Type: string(c.Type), Status: string(c.Status),
				Reason: c.Reason, Message: c.Message, At: timePtr(&c.LastTransitionTime)})
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
		cs := ContainerState{Name: s.Name, Init: true, Restarts: s.RestartCount}
		switch {
		case s.State.Terminated != nil:
			t := s.State.Terminated
			cs.State, cs.Reason, cs.ExitCode = "terminated", t.Reason, ptr.To(t.ExitCode)
			cs.OOMKilled = t.Reason == "OOMKilled"
		case s.State.Running != nil:
			cs.State = "running"
		case s.State.Waiting != nil:
			cs.State, cs.Reason = "waiting", s.State.Waiting.Reason
		}
		if lt := s.LastTerminationState.Terminated; lt != nil && lt.Reason == "OOMKilled" {
			cs.OOMKilled = true
		}
		statusDetails(&cs, s)
		specDetails(&cs, spec[s.Name])
		out.Containers = append(out.Containers, cs)
	}
}

func statusDetails(cs *ContainerState, s corev1.ContainerStatus) {
	cs.Image = s.Image
	switch st := s.State; {
	case st.Waiting != nil:
		cs.Message = st.Waiting.Message
	case st.Running != nil:
		cs.StartedAt = timePtr(&st.Running.StartedAt)
	case st.Terminated != nil:
		cs.Message = st.Terminated.Message
		cs.StartedAt, cs.FinishedAt = timePtr(&st.Terminated.StartedAt), timePtr(&st.Terminated.FinishedAt)
	}
	if lt := s.LastTerminationState.Terminated; lt != nil {
		cs.LastReason, cs.LastExitCode, cs.LastMessage = lt.Reason, ptr.To(lt.ExitCode), lt.Message
		if cs.FinishedAt == nil {
			cs.FinishedAt = timePtr(&lt.FinishedAt)
		}
	}
}

func specDetails(cs *ContainerState, c corev1.Container) {
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
func jobDetails(out *Job, j *batchv1.Job) {
	out.BackoffLimit = j.Spec.BackoffLimit
	for _, c := range j.Status.Conditions {
		if c.Status == corev1.ConditionTrue {
			out.Conditions = append(out.Conditions, JobCondition{Type: string(c.Type), Reason: c.Reason, Message: c.Message, At: timePtr(&c.LastTransitionTime)})
		}
	}
}

// NeverStarted reports whether the pod's container never ran: it waits
// with no earlier run, or the pod has no container status at all (not
// scheduled, or the kubelet has not got to it).
func (p Pod) NeverStarted(container string) (ContainerState, bool) {
	for _, c := range p.Containers {
		if c.Name != container || c.Init {
			continue
		}
		return c, c.State == "waiting" && c.StartedAt == nil && c.LastReason == "" && c.LastExitCode == nil
	}
	return ContainerState{Name: container}, p.Phase == string(corev1.PodPending)
}

// Condition returns the pod's condition of a type, if recorded.
func (p Pod) Condition(typ string) (PodCondition, bool) {
	for _, c := range p.Conditions {
		if c.Type == typ {
			return c, true
		}
	}
	return PodCondition{}, false
}

// explainLog replaces the error of a log that cannot exist, because its
// container never started, with what the container waits for: the API
// server passes the kubelet's 400 ("container ... is waiting to start") on
// as "the server rejected our request for an unknown reason", and a pod
// with no node gives an empty log. A pod that was evicted or lost with its
// node says so beside the read error.
func explainLog(lt *LogTail, p Pod) {
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
func waitingText(p Pod, c ContainerState) string {
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
	got   map[int][]Event
}

func newJobEvents(d *KubernetesData) *jobEvents {
	je := &jobEvents{byJob: map[string]int{}, byPod: map[string]int{}, got: map[int][]Event{}}
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
func (je *jobEvents) offer(kind, name string, ev Event) {
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
func (je *jobEvents) attach(d *KubernetesData) {
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
func eventOf(e *corev1.Event) Event {
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
	return Event{Object: e.InvolvedObject.Kind + "/" + e.InvolvedObject.Name, Type: e.Type, Reason: e.Reason, Message: e.Message, Count: max(n, 1), Last: last.UTC()}
}

// logWindow records, for an audit log read, when the container whose log it
// is started and how often it restarted.
func logWindow(src *LogSource, p *corev1.Pod) {
	for _, s := range p.Status.ContainerStatuses {
		if s.Name != src.Container {
			continue
		}
		src.Restarts = s.RestartCount
		switch {
		case s.State.Running != nil:
			src.Started = timePtr(&s.State.Running.StartedAt)
		case s.State.Terminated != nil:
			src.Started = timePtr(&s.State.Terminated.StartedAt)
		}
	}
	if src.Started == nil {
		src.Started = timePtr(p.Status.StartTime)
	}
}

// maxFirstLine bounds how much of a log's first line is kept to read its
// time.
const maxFirstLine = 4 << 10

// firstLineReader keeps the beginning of the first line read through it.
type firstLineReader struct {
	r    io.Reader
	buf  []byte
	done bool
}

func (f *firstLineReader) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if !f.done && n > 0 {
		chunk := p[:n]
		if i := bytes.IndexByte(chunk, '\n'); i >= 0 {
			chunk, f.done = chunk[:i], true
		}
		room := maxFirstLine - len(f.buf)
		if len(chunk) > room {
			chunk, f.done = chunk[:room], true
		}
		f.buf = append(f.buf, chunk...)
	}
	return n, err
}

// firstLineTime reads a time from a log line: a leading RFC 3339 stamp (as
// `kubectl logs --timestamps` or a plain logger writes), else a JSON
// object's "timestamp", "time", "ts" or "@timestamp" (RFC 3339 or Unix
// seconds or milliseconds). It returns nil when the line carries none.
func firstLineTime(line []byte) *time.Time {
	line = bytes.TrimSpace(line)
	if len(line) == 0 {
		return nil
	}
	if line[0] != '{' {
		word, _, _ := bytes.Cut(line, []byte(" "))
		if t, err := time.Parse(time.RFC3339Nano, string(word)); err == nil {
			u := t.UTC()
			return &u
		}
		return nil
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(line, &obj) != nil {
		return nil
	}
	for _, k := range []string{"timestamp", "time", "ts", "@timestamp"} {
		raw, ok := obj[k]
		if !ok {
			continue
		}
		var s string
		if json.Unmarshal(raw, &s) == nil {
			if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
				u := t.UTC()
				return &u
			}
			continue
		}
		if f, err := strconv.ParseFloat(string(raw), 64); err == nil && f > 0 {
			sec := f
			if f > 1e12 { // milliseconds
				sec = f / 1000
			}
			u := time.Unix(int64(sec), int64((sec-float64(int64(sec)))*1e9)).UTC()
			return &u
		}
	}
	return nil
}

// podNamed returns the pod of that name, or a Pod with only the name.
func podNamed(pods []Pod, name string) Pod {
	for _, p := range pods {
		if p.Name == name {
			return p
		}
	}
	return Pod{Name: name}
}

// readAuditLog reads one pod's log into the aggregate through an
// aggregator of its own, so that what this pod's log covers is known: the
// container's start, the first line's time, and the first and last audit
// event read from it.
func readAuditLog(ctx context.Context, agg *auditlog.Aggregator, p *corev1.Pod, r io.Reader, src *LogSource) error {
	logWindow(src, p)
	own := auditlog.New(auditlog.Options{})
	fl := &firstLineReader{r: r}
	err := own.Read(ctx, p.Name, fl)
	res := own.Result()
	agg.Merge(res)
	src.FirstLine = firstLineTime(fl.buf)
	src.FirstEvent, src.LastEvent = res.FirstEvent, res.LastEvent
	return err
}
