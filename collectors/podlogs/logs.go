package podlogs

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors/auditlog"
	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors/internal/source"
	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors/kube"
)

// auditLogLimitBytes bounds the bytes read from one pod's log for audit
// events; the parser streams, so memory does not grow with it.
const auditLogLimitBytes = 256 << 20

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
// orchestrator's pods through the audit-log aggregator.
func (c *collector) collectLogs(ctx context.Context) (*collectors.LogsData, collectors.Status) {
	st := collectors.Status{Source: collectors.SourceLogs}
	if c.clients.Kube == nil {
		st.State, st.Error = collectors.StateSkipped, "no Kubernetes configuration"
		return nil, st
	}
	var probs source.Problems
	pods := map[string]corev1.Pod{}
	listed := 0
	for _, sel := range []string{c.cfg.Kubernetes.SecurityLabel, c.cfg.Kubernetes.OrchestratorLabel} {
		opts := metav1.ListOptions{LabelSelector: sel, Limit: source.PageSize}
		for {
			list, err := c.clients.Kube.CoreV1().Pods(c.namespace).List(ctx, opts)
			if err != nil {
				probs.Add("pods "+sel, kube.KubeErr(fmt.Sprintf("list pods -l %s in %s", sel, c.namespace), err))
				break
			}
			listed++
			for _, p := range list.Items {
				pods[p.Name] = p
			}
			if list.Continue == "" {
				break
			}
			opts.Continue = list.Continue
		}
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

	agg := auditlog.New(auditlog.Options{})
	d := &collectors.LogsData{Pods: []collectors.LogSource{}}
	for _, n := range names {
		p := pods[n]
		container := p.Annotations["kubectl.kubernetes.io/default-container"]
		if container == "" && len(p.Spec.Containers) > 0 {
			container = p.Spec.Containers[0].Name
		}
		src := collectors.LogSource{Pod: n, Container: container}
		rc, err := c.clients.Kube.CoreV1().Pods(c.namespace).GetLogs(n, &corev1.PodLogOptions{
			Container: container, LimitBytes: ptr.To[int64](auditLogLimitBytes),
		}).Stream(ctx)
		if err != nil {
			src.Error = kube.KubeLogErr(n, p.Spec.NodeName, err)
			probs.Add("log "+n, src.Error)
			d.Pods = append(d.Pods, src)
			continue
		}
		cr := &countingReader{r: rc}
		before := agg.Counts()
		err = readAuditLog(ctx, agg, &p, cr, &src)
		rc.Close()
		src.Bytes, src.Truncated = cr.n, cr.n >= auditLogLimitBytes
		parsed := agg.Counts().Sub(before)
		src.Parsed = &parsed
		if err != nil { // the aggregator's error names the pod already
			src.Error = err.Error()
			probs.Add("log "+n, src.Error)
		}
		d.Pods = append(d.Pods, src)
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

// readAuditLog reads one pod's log into the aggregate through an
// aggregator of its own, so that what this pod's log covers is known: the
// container's start, the first line's time, and the first and last audit
// event read from it.
func readAuditLog(ctx context.Context, agg *auditlog.Aggregator, p *corev1.Pod, r io.Reader, src *collectors.LogSource) error {
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
