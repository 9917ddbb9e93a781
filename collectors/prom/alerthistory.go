package prom

import (
	"context"
	"regexp"
	"sort"
	"strings"
	"time"

	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
)

// alertHistoryStep is the step of the ALERTS range read: a state that
// lasts less than a step may be missed, a change is placed within a step.
const alertHistoryStep = time.Minute

// startAlertHistory starts reading the runbook's related alerts' ALERTS
// series over the history window (Prometheus keeps one per alert, labels
// and alertstate, valued 1 while pending or firing), beside the source's
// other reads, so the timeline can tell when each started pending, fired
// and resolved. The function it returns waits for the read and puts it in
// d; a failed read leaves AlertHistoryError set and the history nil:
// unknown, not "never fired".
func (c *collector) startAlertHistory(ctx context.Context) func(d *collectors.PrometheusData) {
	if c.clients.Prometheus == nil {
		return func(*collectors.PrometheusData) {}
	}
	var h *collectors.AlertHistory
	var why string
	done := make(chan struct{})
	go func() {
		defer close(done)
		h, why = c.alertHistory(ctx)
	}()
	return func(d *collectors.PrometheusData) {
		<-done
		if d != nil {
			d.AlertHistory, d.AlertHistoryError = h, why
		}
	}
}

func (c *collector) alertHistory(ctx context.Context) (*collectors.AlertHistory, string) {
	a := c.cfg.Prometheus.Alerts
	var names []string
	for _, n := range []string{a.RotationFailed, a.TokenExpiringSoon, a.VersionOverflow, a.AuditLogMissing} {
		if n != "" {
			names = append(names, regexp.QuoteMeta(n))
		}
	}
	if len(names) == 0 {
		return nil, "no related alert is named in the config"
	}
	now := c.opts.Now()
	start := now.Add(-historyWindow).Truncate(alertHistoryStep)
	q := `ALERTS{alertname=~"` + strings.Join(names, "|") + `"}`
	sem := make(chan struct{}, 1)
	v, err := promCall(ctx, sem, c.cfg.Prometheus.RequestTimeout.Duration(), func(ctx context.Context) (model.Value, error) {
		v, _, _, err := c.clients.Prometheus.QueryRange(ctx, q, promv1.Range{Start: start, End: now, Step: alertHistoryStep})
		return v, err
	})
	if err != nil {
		return nil, promErr(c.clients.PrometheusTarget, "read the alerts' history (ALERTS)", err)
	}
	h := &collectors.AlertHistory{Start: start.UTC(), End: now.UTC(), Step: collectors.Duration(alertHistoryStep), Series: []collectors.Series{}}
	steps := int(now.Sub(start)/alertHistoryStep) + 1
	if mat, ok := v.(model.Matrix); ok {
		for _, ss := range mat {
			l := labelsOf(model.LabelSet(ss.Metric))
			delete(l, "__name__")
			if !c.inNamespace(l) {
				continue
			}
			hist := &collectors.History{Start: start.UTC(), Step: collectors.Duration(alertHistoryStep), Values: make([]*float64, steps)}
			for _, p := range ss.Values {
				if i := int(p.Timestamp.Time().Sub(start) / alertHistoryStep); i >= 0 && i < steps {
					val := float64(p.Value)
					hist.Values[i] = &val
				}
			}
			h.Series = append(h.Series, collectors.Series{Labels: l, History: hist})
		}
	}
	sort.Slice(h.Series, func(i, j int) bool { return seriesKey(h.Series[i].Labels) < seriesKey(h.Series[j].Labels) })
	return h, ""
}
