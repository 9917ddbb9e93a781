package collectors

import (
	"context"
	"fmt"
	"io"
	"sort"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors/auditlog"
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
func (c *Collector) collectLogs(ctx context.Context) (*LogsData, Status) {
	st := Status{Source: SourceLogs}
	if c.clients.Kube == nil {
		st.State, st.Error = StateSkipped, "no Kubernetes configuration"
		return nil, st
	}
	var probs problems
	pods := map[string]corev1.Pod{}
	listed := 0
	for _, sel := range []string{c.cfg.Kubernetes.SecurityLabel, c.cfg.Kubernetes.OrchestratorLabel} {
		opts := metav1.ListOptions{LabelSelector: sel, Limit: pageSize}
		for {
			list, err := c.clients.Kube.CoreV1().Pods(c.namespace).List(ctx, opts)
			if err != nil {
				probs.add("pods "+sel, kubeErr(fmt.Sprintf("list pods -l %s in %s", sel, c.namespace), err))
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
		st.State, st.Problems = StateError, probs.sorted()
		st.Error = st.Problems[0].Error
		return nil, st
	}
	names := make([]string, 0, len(pods))
	for n := range pods {
		names = append(names, n)
	}
	sort.Strings(names)

	agg := auditlog.New(auditlog.Options{})
	d := &LogsData{Pods: []LogSource{}}
	for _, n := range names {
		p := pods[n]
		container := p.Annotations["kubectl.kubernetes.io/default-container"]
		if container == "" && len(p.Spec.Containers) > 0 {
			container = p.Spec.Containers[0].Name
		}
		src := LogSource{Pod: n, Container: container}
		rc, err := c.clients.Kube.CoreV1().Pods(c.namespace).GetLogs(n, &corev1.PodLogOptions{
			Container: container, LimitBytes: ptr.To[int64](auditLogLimitBytes),
		}).Stream(ctx)
		if err != nil {
			src.Error = kubeLogErr(n, p.Spec.NodeName, err)
			probs.add("log "+n, src.Error)
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
			probs.add("log "+n, src.Error)
		}
		d.Pods = append(d.Pods, src)
	}
	d.Audit = agg.Result()
	st.Problems = probs.sorted()
	st.State = StateOK
	if len(st.Problems) > 0 {
		st.State = StatePartial
		if len(names) > 0 && len(st.Problems) >= len(names) && allLogsFailed(d) {
			st.State, st.Error = StateError, "no pod log could be read: "+st.Problems[0].Error
		}
	}
	return d, st
}

func allLogsFailed(d *LogsData) bool {
	for _, p := range d.Pods {
		if p.Error == "" {
			return false
		}
	}
	return true
}
