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
	rng := promv1.Range{Start: start, End: now, Step: alertHistoryStep}
	timeout := c.cfg.Prometheus.RequestTimeout.Duration()
	sem := make(chan struct{}, 2)
	// beside it, whether Prometheus held any data at each step: count(up)
	// (one sample per scrape target and scrape, written by Prometheus
	// itself) is absent only where it was down or not yet running
	var cov model.Value
	var covErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		cov, covErr = promCall(ctx, sem, timeout, func(ctx context.Context) (model.Value, error) {
			v, _, _, err := c.clients.Prometheus.QueryRange(ctx, coverageExpr, rng)
			return v, err
		})
	}()
	v, err := promCall(ctx, sem, timeout, func(ctx context.Context) (model.Value, error) {
		v, _, _, err := c.clients.Prometheus.QueryRange(ctx, q, rng)
		return v, err
	})
	<-done
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
					hist.Values[i] = finite(p.Value)
				}
			}
			h.Series = append(h.Series, collectors.Series{Labels: l, History: hist})
		}
	}
	sort.Slice(h.Series, func(i, j int) bool { return seriesKey(h.Series[i].Labels) < seriesKey(h.Series[j].Labels) })
	h.Coverage, h.CoverageError = coverage(cov, covErr, start, steps, c.clients.PrometheusTarget)
	return h, ""
}

// coverageExpr counts the scrape targets Prometheus held a sample of.
const coverageExpr = "count(up)"

// coverage is the history of coverageExpr's answer, or why it is unknown:
// the read failed, or no step has a value (a Prometheus that scrapes
// nothing, fed by remote write or federation: its lack of up says nothing
// about when it was down).
func coverage(v model.Value, err error, start time.Time, steps int, target string) (*collectors.History, string) {
	if err != nil {
		return nil, promErr(target, "read when Prometheus held data (count(up))", err)
	}
	h := &collectors.History{Start: start.UTC(), Step: collectors.Duration(alertHistoryStep), Values: make([]*float64, steps)}
	seen := false
	if mat, ok := v.(model.Matrix); ok {
		for _, ss := range mat {
			for _, p := range ss.Values {
				if i := int(p.Timestamp.Time().Sub(start) / alertHistoryStep); i >= 0 && i < steps {
					if v := finite(p.Value); v != nil {
						h.Values[i], seen = v, true
					}
				}
			}
		}
	}
	if !seen {
		return nil, "Prometheus holds no up series in the window (it scrapes no target itself), so when it held no data cannot be told"
	}
	return h, ""
}
