package runbook

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/shell"
)

// Cause kinds: why a Job's pods did not run or stopped, or, when its pods
// say nothing, why the Job itself failed. runbook.yaml's `causes` name them.
const (
	// CauseImagePull: the image cannot be pulled (ErrImagePull,
	// ImagePullBackOff, InvalidImageName, ...).
	CauseImagePull = "image-pull"
	// CauseConfig: the container cannot be created or run from its
	// configuration (CreateContainerConfigError: a missing Secret or
	// ConfigMap key; CreateContainerError, RunContainerError,
	// ContainerCannotRun).
	CauseConfig = "config-error"
	// CauseNotStarted: the container has been waiting to start for long
	// (ContainerCreating, PodInitializing: a volume that does not mount, a
	// sandbox that cannot be made).
	CauseNotStarted = "not-started"
	// CauseUnschedulable: no node was found for the pod.
	CauseUnschedulable = "unschedulable"
	// CauseCreateFailed: the Job could not create its pod at all (quota,
	// admission, a missing service account).
	CauseCreateFailed = "pod-create-failed"
	// CauseOOMKilled: the container was killed for memory.
	CauseOOMKilled = "oom-killed"
	// CauseEvicted: the pod was evicted (node pressure, the eviction API).
	CauseEvicted = "evicted"
	// CausePreempted: the scheduler preempted the pod for another.
	CausePreempted = "preempted"
	// CauseNodeLost: the pod's node stopped answering.
	CauseNodeLost = "node-lost"
	// CauseKilled: the container was killed by a signal (exit 137 or 143)
	// not for memory and not by the Job's deadline.
	CauseKilled = "killed"
	// CauseCrash: the container exited with an error (or is crash-looping).
	CauseCrash = "crash"
	// CausePodFailed: the kubelet failed the pod itself (its own deadline,
	// an admission error, a node shutdown).
	CausePodFailed = "pod-failed"
	// CauseDeadline: the Job ran past activeDeadlineSeconds.
	CauseDeadline = "deadline"
	// CauseJobFailed: the Job failed and no pod is left to say why.
	CauseJobFailed = "job-failed"
)

// CauseKinds lists every cause kind, the ones that come first when pods
// fail in different ways first.
func CauseKinds() []string {
	return []string{CauseImagePull, CauseConfig, CauseCreateFailed, CauseUnschedulable, CauseNotStarted, CauseOOMKilled,
		CauseEvicted, CauseNodeLost, CausePreempted, CauseCrash, CauseKilled, CausePodFailed, CauseDeadline, CauseJobFailed}
}

// neverRan reports whether a kind means the Job's code never ran: then a
// deadline it hit is not a batch that took too long.
func neverRan(kind string) bool {
	switch kind {
	case CauseImagePull, CauseConfig, CauseCreateFailed, CauseUnschedulable, CauseNotStarted:
		return true
	}
	return false
}

// Cause is why a Job failed (or, for a Job still running, why its pods
// cannot run), named from the evidence of its pods and its own.
type Cause struct {
	Kind string `json:"kind"`
	// Text is the cause in a line, the scenario's summary leads with it:
	// "pods OOMKilled (9 of 9), memory limit 128Mi".
	Text    string `json:"text"`
	Job     string `json:"job"`
	CronJob string `json:"cronJob,omitempty"`
	// Pod and Container are the ones to look at (kubectl describe pod).
	Pod       string `json:"pod,omitempty"`
	Container string `json:"container,omitempty"`
	Node      string `json:"node,omitempty"`
	Image     string `json:"image,omitempty"`
	// MemoryLimit is the container's memory limit ("128Mi"), when set.
	MemoryLimit string `json:"memoryLimit,omitempty"`
	// Pods is how many of the Of pods seen failed this way.
	Pods int `json:"pods"`
	Of   int `json:"of"`
	// Since is when the pod began to wait, for a pod that never started.
	Since    *time.Time `json:"since,omitempty"`
	Evidence []Evidence `json:"evidence,omitempty"`
}

// podVerdict is why one pod did not run or stopped.
type podVerdict struct {
	kind      string
	detail    string
	container string
	image     string
	memLimit  string
	exit      *int32
	restarts  int32
	since     time.Time
	at        *time.Time
}

var imagePullReasons = []string{"ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull", "RegistryUnavailable", "SignatureValidationFailed"}

var configReasons = []string{"CreateContainerConfigError", "CreateContainerError", "RunContainerError", "ContainerCannotRun", "StartError", "PreStartHookError", "PostStartHookError"}

// podEvents are the Job's Events about one pod.
func podEvents(j collectors.Job, pod string) []collectors.Event {
	var out []collectors.Event
	for _, e := range j.Events {
		if e.Object == "Pod/"+pod {
			out = append(out, e)
		}
	}
	return out
}

// eventMessage is the message of the newest Event with one of the reasons
// (whose message contains sub, when sub is not empty).
func eventMessage(evs []collectors.Event, sub string, reasons ...string) string {
	for _, e := range evs { // newest first
		if slices.Contains(reasons, e.Reason) && (sub == "" || strings.Contains(e.Message, sub)) {
			return e.Message
		}
	}
	return ""
}

func firstOf(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// classifyPod says why a pod did not run or stopped; false when it is
// running or succeeded as far as its status tells.
func classifyPod(p collectors.Pod, evs []collectors.Event, now time.Time) (podVerdict, bool) {
	dt, hasDT := p.Condition("DisruptionTarget")
	lower := strings.ToLower(p.Message)
	switch {
	case p.Reason == "Evicted" || hasDT && (dt.Reason == "EvictionByEvictionAPI" || dt.Reason == "TerminationByKubelet"):
		return podVerdict{kind: CauseEvicted, detail: firstOf(p.Message, dt.Message, eventMessage(evs, "", "Evicted"), "evicted")}, true
	case p.Reason == "NodeLost" || hasDT && dt.Reason == "DeletionByTaintManager" || strings.Contains(lower, "node was lost") || strings.Contains(lower, "unresponsive"):
		return podVerdict{kind: CauseNodeLost, detail: firstOf(p.Message, dt.Message, eventMessage(evs, "", "NodeNotReady"), "node "+p.Node+" was lost")}, true
	case hasDT && strings.HasPrefix(dt.Reason, "Preemption"):
		return podVerdict{kind: CausePreempted, detail: firstOf(dt.Message, eventMessage(evs, "", "Preempted", "Preempting"), dt.Reason)}, true
	}
	// init containers run first: a failing one is why the others wait
	var ordered []collectors.ContainerState
	for _, c := range p.Containers {
		if c.Init {
			ordered = append(ordered, c)
		}
	}
	for _, c := range p.Containers {
		if !c.Init {
			ordered = append(ordered, c)
		}
	}
	var waitingLong *podVerdict
	for _, c := range ordered {
		v := podVerdict{container: c.Name, image: c.Image, memLimit: c.MemoryLimit, restarts: c.Restarts, at: c.FinishedAt}
		switch {
		case c.OOMKilled:
			v.kind, v.exit = CauseOOMKilled, c.ExitCode
			if v.exit == nil {
				v.exit = c.LastExitCode
			}
			return v, true
		case c.State == "waiting" && slices.Contains(imagePullReasons, c.Reason):
			msg := firstOf(eventMessage(evs, "Failed to pull image", "Failed"), c.Message)
			v.kind, v.detail = CauseImagePull, strings.TrimSpace(c.Reason+" "+c.Image)
			if msg != "" {
				v.detail += ": " + msg
			}
			return v, true
		case c.State == "waiting" && slices.Contains(configReasons, c.Reason),
			c.State == "terminated" && slices.Contains(configReasons, c.Reason):
			v.kind, v.detail = CauseConfig, c.Reason
			if msg := firstOf(c.Message, eventMessage(evs, "", "Failed")); msg != "" {
				v.detail += ": " + msg
			}
			v.exit = c.ExitCode
			return v, true
		case c.State == "waiting" && c.Reason == "CrashLoopBackOff":
			v.kind, v.exit = CauseCrash, c.LastExitCode
			v.detail = firstOf(c.LastReason, "Error")
			return v, true
		case c.State == "terminated" && c.ExitCode != nil && *c.ExitCode != 0:
			v.exit = c.ExitCode
			switch *c.ExitCode {
			case 137, 143:
				v.kind = CauseKilled
			default:
				v.kind = CauseCrash
			}
			v.detail = firstOf(c.Message, c.Reason)
			return v, true
		case c.State == "waiting" && waitingLong == nil:
			since := p.Created
			if since.IsZero() && p.Started != nil {
				since = *p.Started
			}
			reason := c.Reason
			if reason == "" || reason == "Pending" || reason == "Failed" {
				reason = "no container status"
				if p.Node != "" && len(evs) == 0 {
					// bound to a node whose kubelet never took it up: no
					// Secret or volume is named, since none was tried
					reason += fmt.Sprintf(" and no event: node %s's kubelet never reported the pod (is the node there and Ready? kubectl get node %s)", p.Node, shell.Word(p.Node))
				}
			}
			v.kind, v.since, v.detail = CauseNotStarted, since, reason
			waitingLong = &v
		}
	}
	if cond, ok := p.Condition("PodScheduled"); ok {
		msg := firstOf(cond.Message, eventMessage(evs, "", "FailedScheduling"), cond.Reason)
		return podVerdict{kind: CauseUnschedulable, detail: msg, since: p.Created}, true
	}
	if p.Node == "" && p.Phase == "Pending" {
		msg := firstOf(eventMessage(evs, "", "FailedScheduling"), "no node assigned yet")
		return podVerdict{kind: CauseUnschedulable, detail: msg, since: p.Created}, true
	}
	if p.Phase == "Failed" && p.Reason != "" {
		return podVerdict{kind: CausePodFailed, detail: strings.TrimSuffix(p.Reason+": "+p.Message, ": ")}, true
	}
	if waitingLong != nil && p.Phase != "Succeeded" && p.Phase != "Running" {
		if msg := eventMessage(evs, "", "FailedMount", "FailedAttachVolume", "FailedCreatePodSandBox", "FailedCreatePodContainer", "Failed"); msg != "" {
			waitingLong.detail += ": " + msg
		}
		return *waitingLong, true
	}
	if waitingLong != nil && p.Phase == "Running" {
		return podVerdict{}, false // a sidecar starting, say
	}
	return podVerdict{}, false
}

// JobCause names why a Job failed, or why a Job still running cannot get
// its pods to run, from its pods' states, their and its own warning Events,
// its log and its condition. It returns nil when nothing went wrong that
// the evidence shows. It is pure: now only ages a wait.
func JobCause(j collectors.Job, now time.Time) *Cause {
	failed := j.Outcome == collectors.OutcomeFailed
	c := &Cause{Job: j.Name, CronJob: j.CronJob, Of: len(j.Pods)}
	type group struct {
		v    podVerdict
		pods []collectors.Pod
	}
	groups := map[string]*group{}
	for _, p := range j.Pods { // newest first
		v, ok := classifyPod(p, podEvents(j, p.Name), now)
		if !ok {
			continue
		}
		g := groups[v.kind]
		if g == nil {
			g = &group{v: v}
			groups[v.kind] = g
		}
		g.pods = append(g.pods, p)
	}
	var dom *group
	for _, k := range CauseKinds() { // ties go to the kind listed first
		if g := groups[k]; g != nil && (dom == nil || len(g.pods) > len(dom.pods)) {
			dom = g
		}
	}
	deadline := failed && j.Reason == "DeadlineExceeded"
	deadlineText := "timed out: DeadlineExceeded"
	if j.ActiveDeadlineSeconds != nil {
		deadlineText += fmt.Sprintf(" after %ds", *j.ActiveDeadlineSeconds)
	} else if j.Started != nil && j.Finished != nil {
		deadlineText += " after " + roundDur(j.Finished.Sub(*j.Started))
	}
	cond := jobCondition(j, "Failed")
	if cond == nil {
		cond = jobCondition(j, "FailureTarget") // failed, its pods still terminating
	}
	if failed && cond != nil {
		e := Evidence{Source: collectors.SourceKubernetes, Fact: "Job " + j.Name + " condition " + cond.Type, Observed: strings.TrimSuffix(cond.Reason+": "+cond.Message, ": "), At: cond.At}
		c.Evidence = append(c.Evidence, e)
	}
	switch {
	case dom == nil && len(j.Pods) == 0 && eventMessage(j.Events, "", "FailedCreate") != "":
		c.Kind, c.Text = CauseCreateFailed, "no pod created: "+eventMessage(j.Events, "", "FailedCreate")
		c.Evidence = append(c.Evidence, Evidence{Source: collectors.SourceKubernetes, Fact: "Job " + j.Name + " event FailedCreate", Observed: eventMessage(j.Events, "", "FailedCreate")})
		if deadline {
			c.Text += "; then " + deadlineText
		}
		return c
	case deadline && (dom == nil || dom.v.kind == CauseKilled):
		c.Kind, c.Text = CauseDeadline, deadlineText
		if dom != nil {
			c.Text += fmt.Sprintf(", pods killed (%d of %d)", len(dom.pods), c.Of)
		}
	case dom == nil && failed && (j.Reason == "PodFailurePolicy" || j.Reason == "MaxFailedIndexesExceeded" || j.Reason == "FailedIndexes"):
		// the condition's message names the container and its exit code
		c.Kind = CauseJobFailed
		c.Text = "failed: " + strings.TrimSuffix(j.Reason+": "+j.Message, ": ")
		if len(j.Pods) == 0 {
			c.Text += " (no pod left to tell more)"
		}
		return c
	case dom == nil:
		return nil
	}
	if dom != nil {
		p := dom.pods[0]
		v := dom.v
		c.Pod, c.Container, c.Node, c.Image, c.MemoryLimit, c.Pods = p.Name, v.container, p.Node, v.image, v.memLimit, len(dom.pods)
		if !v.since.IsZero() {
			at := v.since
			c.Since = &at
		}
		for i, pp := range dom.pods {
			if i == 3 {
				c.Evidence = append(c.Evidence, Evidence{Source: collectors.SourceKubernetes, Fact: "pods", Observed: fmt.Sprintf("%d more the same way", len(dom.pods)-3)})
				break
			}
			pv, _ := classifyPod(pp, podEvents(j, pp.Name), now)
			c.Evidence = append(c.Evidence, Evidence{Source: collectors.SourceKubernetes, Fact: "pod " + pp.Name, Observed: podObserved(pv), At: pv.at})
		}
		for _, e := range podEvents(j, p.Name) {
			c.Evidence = append(c.Evidence, Evidence{Source: collectors.SourceKubernetes, Fact: fmt.Sprintf("event %s on pod %s (×%d)", e.Reason, p.Name, e.Count), Observed: e.Message, At: &e.Last})
			break
		}
		if c.Kind == "" {
			c.Kind = v.kind
			c.Text = causeText(v, len(dom.pods), c.Of, j, now)
			if deadline {
				c.Text += "; then " + deadlineText
			}
		}
	}
	return c
}

func jobCondition(j collectors.Job, typ string) *collectors.JobCondition {
	for i := range j.Conditions {
		if j.Conditions[i].Type == typ {
			return &j.Conditions[i]
		}
	}
	return nil
}

// causeWords say what happened to a pod or container, by cause kind.
var causeWords = map[string]string{
	CauseImagePull: "cannot pull its image", CauseConfig: "cannot start", CauseNotStarted: "not started",
	CauseUnschedulable: "not scheduled", CauseOOMKilled: "OOMKilled", CauseEvicted: "evicted", CausePreempted: "preempted",
	CauseNodeLost: "lost with its node", CauseKilled: "killed", CauseCrash: "exited with an error", CausePodFailed: "failed",
}

func podObserved(v podVerdict) string {
	s := orDefault(causeWords[v.kind], v.kind)
	if v.container != "" {
		s = "container " + v.container + " " + s
	}
	if v.exit != nil {
		s += fmt.Sprintf(", exit code %d", *v.exit)
	}
	if v.kind == CauseOOMKilled && v.memLimit != "" {
		s += ", memory limit " + v.memLimit
	}
	if v.detail != "" {
		s += ": " + v.detail
	}
	if v.restarts > 0 {
		s += fmt.Sprintf(" (restarted %d times)", v.restarts)
	}
	return s
}

func causeText(v podVerdict, n, of int, j collectors.Job, now time.Time) string {
	count := fmt.Sprintf(" (%d of %d pods)", n, of)
	switch v.kind {
	case CauseOOMKilled:
		s := fmt.Sprintf("pods OOMKilled (%d of %d)", n, of)
		if v.memLimit != "" {
			return s + ", memory limit " + v.memLimit
		}
		return s + ", no memory limit set (the node ran out of memory)"
	case CauseImagePull:
		return "image pull failed: " + v.detail + count
	case CauseConfig:
		return fmt.Sprintf("container %s cannot start: %s%s", v.container, v.detail, count)
	case CauseUnschedulable:
		return "never scheduled: " + v.detail + count
	case CauseNotStarted:
		s := fmt.Sprintf("not started: container %s waiting (%s)", v.container, v.detail)
		if !v.since.IsZero() {
			s += " for " + roundDur(now.Sub(v.since))
		}
		return s + count
	case CauseEvicted:
		return "evicted: " + v.detail + count
	case CauseNodeLost:
		return "node lost: " + v.detail + count
	case CausePreempted:
		return "preempted: " + v.detail + count
	case CausePodFailed:
		return "pod failed: " + v.detail + count
	case CauseKilled:
		sig := map[int32]string{137: "SIGKILL", 143: "SIGTERM"}[derefI(v.exit)]
		return fmt.Sprintf("killed: exit code %d (%s)%s", derefI(v.exit), sig, count)
	}
	// a crash: the exit code and the log line that matters
	s := fmt.Sprintf("exit code %d", derefI(v.exit))
	if v.exit == nil {
		s = "crashed"
	}
	if v.restarts > 0 {
		s = fmt.Sprintf("crash-looping (restarted %d times): %s", v.restarts, s)
	}
	if line := logLine(j.Log); line != "" {
		s += ": " + line
	} else if v.detail != "" && v.detail != "Error" {
		s += ": " + v.detail
	}
	return s + count
}

var leadingStamp = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})\s+`)

// logLine is the line of a Job's log that says why it failed: the last
// holding a runbook phrase, else the last that reads as an error, else the
// last line; without its leading timestamp, cut to 200 bytes.
func logLine(l *collectors.LogTail) string {
	if l == nil || len(l.Lines) == 0 {
		return ""
	}
	pick := ""
	if n := len(l.Matches); n > 0 {
		pick = l.MatchText(l.Matches[n-1])
	}
	if pick == "" {
		for i := len(l.Lines) - 1; i >= 0 && pick == ""; i-- {
			low := strings.ToLower(l.Lines[i])
			for _, w := range []string{"error", "fatal", "panic", "exception", "failed", "denied"} {
				if strings.Contains(low, w) {
					pick = l.Lines[i]
					break
				}
			}
		}
	}
	for i := len(l.Lines) - 1; i >= 0 && strings.TrimSpace(pick) == ""; i-- {
		pick = l.Lines[i]
	}
	pick = strings.TrimSpace(leadingStamp.ReplaceAllString(strings.TrimSpace(pick), ""))
	if len(pick) > 200 {
		pick = pick[:200] + "…"
	}
	return pick
}

// raiseMemory doubles a memory quantity ("128Mi" → "256Mi"), or returns a
// placeholder when it cannot read it.
func raiseMemory(q string) string {
	i := 0
	for i < len(q) && (q[i] >= '0' && q[i] <= '9' || q[i] == '.') {
		i++
	}
	n, err := strconv.ParseFloat(q[:i], 64)
	if err != nil || n <= 0 {
		return "<new-limit>"
	}
	return strconv.FormatFloat(2*n, 'f', -1, 64) + q[i:]
}

// stuck returns the cause of a Job that is still running but whose pods
// have not been able to run (never started, crash-looping) for stuckAfter
// (thresholds.jobStuckAfter): an image that cannot be pulled or a pod that
// cannot be scheduled does not end the Job by itself (only a deadline
// would), and a Forbid CronJob starts no other run meanwhile.
func stuck(j collectors.Job, now time.Time, stuckAfter time.Duration) *Cause {
	if j.Outcome != collectors.OutcomeRunning {
		return nil
	}
	c := JobCause(j, now)
	if c == nil || !(neverRan(c.Kind) || c.Kind == CauseCrash && strings.HasPrefix(c.Text, "crash-looping")) {
		return nil
	}
	// An error (an image that cannot be pulled, a missing Secret, no node)
	// has held the Job since it started, whichever pod shows it now; a
	// container still being created is judged by its own pod's age.
	since := j.Created
	if j.Started != nil {
		since = *j.Started
	}
	if c.Since != nil && (c.Kind == CauseNotStarted || c.Since.Before(since)) {
		since = *c.Since
	}
	if now.Sub(since) < stuckAfter && c.Kind != CauseCreateFailed {
		return nil // a pod may still be pulling its image; a refused pod (admission, quota) is refused now
	}
	return c
}

// timedOut reports whether a Job failed by its deadline while its code ran:
// one whose pods never started (an image that cannot be pulled, say) and
// then hit the deadline is a failing Job, not a batch that took too long.
func timedOut(j *collectors.Job, now time.Time) bool {
	if j == nil || j.Reason != "DeadlineExceeded" {
		return false
	}
	c := JobCause(*j, now)
	return c == nil || !neverRan(c.Kind)
}

// stuckJob marks the symptom present when a Job newer than the newest
// finished one is stuck (see stuck).
func (t *triage) stuckJob(ss symptoms, jobs []collectors.Job, id SymptomID) {
	for _, j := range jobs { // newest first
		if j.Outcome == collectors.OutcomeSucceeded || j.Outcome == collectors.OutcomeFailed {
			return
		}
		if c := stuck(j, t.now, t.s.Config.Thresholds.Stuck()); c != nil {
			e := Evidence{Source: collectors.SourceKubernetes, Fact: "Job " + j.Name + " still running, its pods cannot run", Observed: c.Text,
				Threshold: "stuck after " + roundDur(t.s.Config.Thresholds.Stuck())}
			if c.Since != nil {
				at := *c.Since
				e.At = &at
			}
			ss.present(id, e)
			return
		}
	}
}

// causeRoles maps the scenarios that a failed Job belongs to to the role of
// its CronJob.
var causeRoles = map[string]string{
	ScenarioRotationJobFailing: collectors.RoleRotation,
	ScenarioBatchTimeout:       collectors.RoleRotation,
	ScenarioCleanupFailing:     collectors.RoleCleanup,
}

// jobCause is the cause of the failed Job a scenario's evidence is about:
// Scenario 1 the newest rotation Job when it failed other than by a
// deadline while it ran (or a newer one that is stuck), Scenario 5 the
// newest when it timed out, Scenario 3 the newest cleanup Job when it
// failed (or a newer stuck one). Nil when the scenario is clear or unknown.
func (t *triage) jobCause(f Finding) *Cause {
	role, ok := causeRoles[f.ID]
	if !ok || f.Status != StatusActive && f.Status != StatusSuspected {
		return nil
	}
	jobs, why := t.jobs(role)
	if why != "" {
		return nil
	}
	if f.ID != ScenarioBatchTimeout {
		for _, j := range jobs {
			if j.Outcome == collectors.OutcomeSucceeded || j.Outcome == collectors.OutcomeFailed {
				break
			}
			if c := stuck(j, t.now, t.s.Config.Thresholds.Stuck()); c != nil {
				return c
			}
		}
	}
	newest := newestFinished(jobs)
	if newest == nil || newest.Outcome != collectors.OutcomeFailed {
		return nil
	}
	if (f.ID == ScenarioBatchTimeout) != timedOut(newest, t.now) && role == collectors.RoleRotation {
		return nil
	}
	return JobCause(*newest, t.now)
}

// withCause names the cause of the scenario's failed Job and leads the
// summary with it.
func (t *triage) withCause(f *Finding) {
	c := t.jobCause(*f)
	if c == nil {
		return
	}
	f.Cause = c
	f.Summary = c.Text + " — " + f.Summary
}

// ForFinding returns the variables for a finding's steps: a tenant its
// evidence names (ForTenants), and the pod, container, Job and limits of
// the cause it names.
func (v Vars) ForFinding(f Finding) Vars {
	v = v.ForTenants(f.Tenants)
	c := f.Cause
	if c == nil {
		return v
	}
	v.CauseJob = orPlaceholder(c.Job, "job")
	v.CauseCronJob = orPlaceholder(c.CronJob, "cronjob")
	v.CausePod = orPlaceholder(c.Pod, "pod")
	v.CauseContainer = orPlaceholder(c.Container, "container")
	v.CauseNode = orPlaceholder(c.Node, "node")
	v.CauseImage = orPlaceholder(c.Image, "image")
	v.CauseMemoryLimit = orDefault(c.MemoryLimit, "none")
	v.CauseMemoryRaised = "<new-limit>"
	if c.MemoryLimit != "" {
		v.CauseMemoryRaised = raiseMemory(c.MemoryLimit)
	}
	return v
}

// StepsFor returns the steps of a finding's scenario, led by those of the
// cause it names (runbook.yaml `causes`), so the steps point at the cause
// before the runbook's generic ones.
func (b *Book) StepsFor(f Finding) []Step {
	sc, _ := b.Scenario(f.ID)
	if f.Cause == nil {
		return sc.Steps
	}
	var out []Step
	for _, cs := range b.Causes {
		if slices.Contains(cs.Kinds, f.Cause.Kind) {
			out = append(out, cs.Steps...)
		}
	}
	return append(out, sc.Steps...)
}

// CauseSteps are steps shown first, before a scenario's own, when triage
// names why its Job failed and the cause's kind is one of Kinds.
type CauseSteps struct {
	Kinds []string `yaml:"kinds" json:"kinds"`
	Steps []Step   `yaml:"steps" json:"steps"`
}

// causeProblems checks the causes section: known kinds, no action (the
// steps point at the cause; the actions belong to the scenarios).
func (b *Book) causeProblems() []string {
	var out []string
	for i, cs := range b.Causes {
		if len(cs.Kinds) == 0 {
			out = append(out, fmt.Sprintf("causes[%d]: no kinds", i))
		}
		for _, k := range cs.Kinds {
			if !slices.Contains(CauseKinds(), k) {
				out = append(out, fmt.Sprintf("causes[%d]: unknown cause kind %q", i, k))
			}
		}
		for _, s := range cs.Steps {
			if s.Action != "" {
				out = append(out, fmt.Sprintf("causes[%d]: step %q has an action; cause steps only point at the cause", i, s.Title))
			}
		}
	}
	return out
}
