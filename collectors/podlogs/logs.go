package podlogs

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors/auditlog"
	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors/internal/source"
	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors/kube"
)

// The audit log's bounds. Each security pod's log is read from the start
// of the audit window on (PodLogOptions.SinceTime) and at most
// auditLogLimitBytes of it. The window is what the diagnosis looks back
// over: the compliance rule's limit (the rotation interval plus
// thresholds.overdueDays: an event older than that cannot make a tenant
// less overdue, and "no success in the window" is then overdue) and a day
// more; the triage's other look-backs (a week of failures, 26 h of
// rotations, the recorded runs) fit inside it. When the window holds more
// than the byte limit, the newest part of it is read instead (tailLines
// sized from the first read), the pod's LogSource says Cut, and what was
// read begins at its FirstLine.
const (
	auditLogLimitBytes = 256 << 20
	// windowMargin is added to the compliance limit.
	windowMargin = 24 * time.Hour
	// fallbackInterval is the rotation interval assumed when it is neither
	// configured nor readable from the CronJob's schedule: a monthly
	// rotation, so that the window errs long.
	fallbackInterval = 31 * 24 * time.Hour
	// logReaders is how many pod logs are read at once.
	logReaders = 4
)

// cronParser reads CronJob schedules as Kubernetes does: five fields and
// the @daily-style descriptors.
var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// auditWindow is when the audit window starts, and how it was chosen.
func (c *collector) auditWindow(ctx context.Context, now time.Time) (time.Time, string) {
	overdue := time.Duration(c.cfg.Thresholds.OverdueDays) * 24 * time.Hour
	interval, basis := c.cfg.Thresholds.RotationInterval.Duration(), "thresholds.rotationInterval"
	if interval <= 0 {
		interval, basis = c.scheduleInterval(ctx, now)
	}
	return now.Add(-(interval + overdue + windowMargin)).UTC().Truncate(time.Second),
		fmt.Sprintf("rotation interval %s (%s) + overdueDays %d + 1 day", interval, basis, c.cfg.Thresholds.OverdueDays)
}

// scheduleInterval is the time between two runs of the rotation CronJob's
// schedule, or fallbackInterval when it cannot be read.
func (c *collector) scheduleInterval(ctx context.Context, now time.Time) (time.Duration, string) {
	name := c.cfg.Kubernetes.RotationCronJob
	cj, err := c.clients.Kube.BatchV1().CronJobs(c.namespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return fallbackInterval, "assumed: CronJob " + name + " not read"
	}
	spec := strings.TrimSpace(cj.Spec.Schedule)
	if tz := ptr.Deref(cj.Spec.TimeZone, ""); tz != "" && !strings.HasPrefix(spec, "CRON_TZ=") && !strings.HasPrefix(spec, "TZ=") {
		spec = "CRON_TZ=" + tz + " " + spec
	}
	sched, err := cronParser.Parse(spec)
	if err != nil {
		return fallbackInterval, "assumed: CronJob " + name + "'s schedule not readable"
	}
	first := sched.Next(now)
	second := sched.Next(first)
	if first.IsZero() || second.IsZero() || !second.After(first) {
		return fallbackInterval, "assumed: CronJob " + name + "'s schedule never runs"
	}
	return second.Sub(first), fmt.Sprintf("CronJob %s schedule %q", name, cj.Spec.Schedule)
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// collectLogs streams the logs of the security component's pods and of the
// orchestrator's pods through the audit-log aggregator, logReaders at once.
func (c *collector) collectLogs(ctx context.Context) (*collectors.LogsData, collectors.Status) {
	st := collectors.Status{Source: collectors.SourceLogs}
	if c.clients.Kube == nil {
		st.State, st.Error = collectors.StateSkipped, "no Kubernetes configuration"
		return nil, st
	}
	var probs source.Problems
	pods := map[string]corev1.Pod{}
	listed := 0
	var selectors []collectors.LogSelector
	for _, ls := range []collectors.LogSelector{
		{Role: collectors.LogRoleSecurity, Selector: c.cfg.Kubernetes.SecurityLabel},
		{Role: collectors.LogRoleOrchestrator, Selector: c.cfg.Kubernetes.OrchestratorLabel},
	} {
		sel := ls.Selector
		ls.Pods = []string{}
		opts := metav1.ListOptions{LabelSelector: sel, Limit: source.PageSize}
		for {
			list, err := kube.Listed(c.clients.Kube.CoreV1().Pods(c.namespace).List(ctx, opts))
			if err != nil {
				ls.Error = kube.KubeErr(fmt.Sprintf("list pods -l %s in %s", sel, c.namespace), err)
				probs.Add("pods "+sel, ls.Error)
				ls.Pods = nil
				break
			}
			listed++
			for _, p := range list.Items {
				pods[p.Name] = p
				ls.Pods = append(ls.Pods, p.Name)
			}
			if list.Continue == "" {
				break
			}
			opts.Continue = list.Continue
		}
		sort.Strings(ls.Pods)
		selectors = append(selectors, ls)
	}
	if listed == 0 {
		st.State, st.Problems = collectors.StateError, probs.Sorted()
		st.Error = st.Problems[0].Error
		return nil, st
	}
	names := make([]string, 0, len(pods))
	for n := range pods {
		names = append(names, n)
	}
	sort.Strings(names)

	since, basis := c.auditWindow(ctx, c.opts.Now())
	d := &collectors.LogsData{Pods: make([]collectors.LogSource, len(names)), WindowStart: &since, WindowBasis: basis, Selectors: selectors}
	results := make([]auditlog.Summary, len(names))
	var wg sync.WaitGroup
	sem := make(chan struct{}, logReaders)
	for i, n := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			p := pods[n]
			d.Pods[i], results[i] = c.readPodLog(ctx, &p, since)
		}()
	}
	wg.Wait()
	agg := auditlog.New(auditlog.Options{Phrases: collectors.PodLogPhrases})
	for i, src := range d.Pods {
		if src.Error != "" {
			probs.Add("log "+src.Pod, src.Error)
		}
		if src.Parsed != nil {
			agg.Merge(results[i])
		}
	}
	d.Audit = agg.Result()
	st.Problems = probs.Sorted()
	st.State = collectors.StateOK
	if len(st.Problems) > 0 {
		st.State = collectors.StatePartial
		if len(names) > 0 && len(st.Problems) >= len(names) && allLogsFailed(d) {
			st.State, st.Error = collectors.StateError, "no pod log could be read: "+st.Problems[0].Error
		}
	}
	return d, st
}

// readPodLog reads one pod's log from since on, at most auditLogLimitBytes;
// when that cuts the window, it reads the window's newest part instead
// (Cut).
func (c *collector) readPodLog(ctx context.Context, p *corev1.Pod, since time.Time) (collectors.LogSource, auditlog.Summary) {
	container, others := logContainer(p)
	win := since
	src := collectors.LogSource{Pod: p.Name, Container: container, Window: &win, OtherContainers: others}
	if why, began := holdsNothingSince(p, container, since); why != "" {
		// a pod that never ran covers the window only from its creation:
		// what a pod before it logged is gone (window.go)
		src.NotRead, src.Started = why, began
		return src, auditlog.Summary{}
	}
	res, err := c.readOnce(ctx, p, &src, since, 0)
	if err == nil && src.Truncated && src.Parsed != nil && src.Parsed.Lines > 1 {
		// the window holds more than the limit: its newest lines instead,
		// as many as fitted (less a tenth, for longer lines at the end)
		tail := src.Parsed.Lines - 1 - src.Parsed.Lines/10
		again := collectors.LogSource{Pod: p.Name, Container: container, Window: &win, Cut: true, OtherContainers: others}
		if r2, err2 := c.readOnce(ctx, p, &again, since, tail); err2 == nil || again.Parsed != nil {
			src, res, err = again, r2, err2
		}
	}
	if err != nil && src.Error == "" {
		src.Error = err.Error()
	}
	return src, res
}

// logContainer is the container of p whose log is read, and the others
// (not read): the one kubectl defaults to when the pod names it
// (kubectl.kubernetes.io/default-container); else, beside a sidecar (a
// proxy, a Vault agent), the application's: the one whose environment
// sets AUDIT_ENABLED or a VAULT_ variable (the runbook's checks read them
// there); else the first, as kubectl logs does.
func logContainer(p *corev1.Pod) (string, []string) {
	cs := p.Spec.Containers
	if len(cs) == 0 {
		return "", nil
	}
	pick := -1
	if name := p.Annotations[kube.DefaultContainerAnnotation]; name != "" {
		pick = slices.IndexFunc(cs, func(c corev1.Container) bool { return c.Name == name })
		if pick < 0 {
			// kubectl reads none then either: name it, the read says why
			return name, names(cs, "")
		}
	}
	if pick < 0 && len(cs) > 1 {
		pick = slices.IndexFunc(cs, func(c corev1.Container) bool {
			return slices.ContainsFunc(c.Env, func(e corev1.EnvVar) bool { return e.Name == "AUDIT_ENABLED" || strings.HasPrefix(e.Name, "VAULT_") })
		})
	}
	if pick < 0 {
		pick = 0
	}
	return cs[pick].Name, names(cs, cs[pick].Name)
}

// names are the containers' names but skip.
func names(cs []corev1.Container, skip string) []string {
	var out []string
	for _, c := range cs {
		if c.Name != skip {
			out = append(out, c.Name)
		}
	}
	return out
}

// holdsNothingSince says why the pod's container log holds nothing written
// at or after since, as its status tells it: the container never started
// (waiting, no restart, no earlier run: began is the pod's creation, from
// when it covers the window), or the pod is over and the container ended
// before since (began nil: it covers none of it); "" when it may hold
// something (a pod without a status is read: its log may be there).
func holdsNothingSince(p *corev1.Pod, container string, since time.Time) (why string, began *time.Time) {
	if p.Spec.NodeName == "" && p.DeletionTimestamp == nil {
		// never scheduled: no kubelet ever ran it (the API server could
		// not reach a log for it anyway)
		return fmt.Sprintf("pod %s is not scheduled to any node (%s): its containers never started, it wrote no log", strings.ToLower(orText(string(p.Status.Phase), "pending")),
			orText(podScheduledReason(p), "no node assigned")), kube.TimePtr(&p.CreationTimestamp)
	}
	for _, s := range p.Status.ContainerStatuses {
		if s.Name != container {
			continue
		}
		switch {
		case s.State.Waiting != nil && s.RestartCount == 0 && s.LastTerminationState.Terminated == nil:
			return fmt.Sprintf("container %s never started (%s): it wrote no log", container, orText(s.State.Waiting.Reason, "waiting")), kube.TimePtr(&p.CreationTimestamp)
		case s.State.Terminated != nil && !s.State.Terminated.FinishedAt.IsZero() && s.State.Terminated.FinishedAt.Time.Before(since) &&
			(p.Status.Phase == corev1.PodFailed || p.Status.Phase == corev1.PodSucceeded):
			return fmt.Sprintf("pod %s (%s) ended at %s, before the audit window began", strings.ToLower(string(p.Status.Phase)), orText(p.Status.Reason, s.State.Terminated.Reason),
				s.State.Terminated.FinishedAt.UTC().Format(time.RFC3339)), nil
		}
	}
	return "", nil
}

// podScheduledReason is the reason of the pod's PodScheduled condition
// when it is false (Unschedulable), "" otherwise.
func podScheduledReason(p *corev1.Pod) string {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse {
			return c.Reason
		}
	}
	return ""
}

func orText(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// readOnce reads the log once into src (bytes, counts, coverage) and
// returns what it holds; tail > 0 reads only the last tail lines of the
// window.
func (c *collector) readOnce(ctx context.Context, p *corev1.Pod, src *collectors.LogSource, since time.Time, tail int) (auditlog.Summary, error) {
	opts := &corev1.PodLogOptions{Container: src.Container, SinceTime: &metav1.Time{Time: since}, LimitBytes: ptr.To(c.limit)}
	if tail > 0 {
		opts.TailLines = ptr.To(int64(tail))
	}
	rc, err := c.clients.Kube.CoreV1().Pods(c.namespace).GetLogs(p.Name, opts).Stream(ctx)
	if err != nil {
		src.Error = kube.KubeLogErr(p.Name, p.Spec.NodeName, err)
		return auditlog.Summary{}, nil
	}
	defer rc.Close()
	br := bufio.NewReader(rc)
	if head, _ := br.Peek(512); kube.LooksLikeHTML(head) {
		// a login or error page of something between the tool and the
		// API server, not the container's log: read as one, its lines
		// (none JSON) would say no audit event was written
		src.Error = fmt.Sprintf("the log of pod %s was answered with an HTML page, not the container's log (a proxy or a login page between the tool and the API server?): what it holds is unknown", p.Name)
		return auditlog.Summary{}, nil
	}
	cr := &countingReader{r: br}
	res, counts, err := readAuditLog(ctx, p, cr, src)
	src.Bytes, src.Truncated = cr.n, cr.n >= c.limit
	src.Parsed = &counts
	return res, err // the aggregator's error names the pod already
}

func allLogsFailed(d *collectors.LogsData) bool {
	for _, p := range d.Pods {
		if p.Error == "" {
			return false
		}
	}
	return true
}

// logWindow records, for an audit log read, when the container whose log it
// is started and how often it restarted.
func logWindow(src *collectors.LogSource, p *corev1.Pod) {
	for _, s := range p.Status.ContainerStatuses {
		if s.Name != src.Container {
			continue
		}
		src.Restarts = s.RestartCount
		switch {
		case s.State.Running != nil:
			src.Started = kube.TimePtr(&s.State.Running.StartedAt)
		case s.State.Terminated != nil:
			src.Started = kube.TimePtr(&s.State.Terminated.StartedAt)
		}
	}
	if src.Started == nil {
		src.Started = kube.TimePtr(p.Status.StartTime)
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

// readAuditLog reads one pod's log through an aggregator of its own, so
// that what this pod's log covers is known: the container's start, the
// first line's time, and the first and last audit event read from it. It
// returns the pod's summary and line counts.
func readAuditLog(ctx context.Context, p *corev1.Pod, r io.Reader, src *collectors.LogSource) (auditlog.Summary, auditlog.LineCounts, error) {
	logWindow(src, p)
	own := auditlog.New(auditlog.Options{Phrases: collectors.PodLogPhrases})
	fl := &firstLineReader{r: r}
	err := own.Read(ctx, p.Name, fl)
	res := own.Result()
	src.FirstLine = firstLineTime(fl.buf)
	src.FirstEvent, src.LastEvent = res.FirstEvent, res.LastEvent
	return res, own.Counts(), err
}
