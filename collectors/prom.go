package collectors

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
)

// historyWindow and historyStep shape the range queries behind sparklines.
const (
	historyWindow = 24 * time.Hour
	historyStep   = 5 * time.Minute
)

func (c *Collector) collectPrometheus(ctx context.Context) (*PrometheusData, Status) {
	st := Status{Source: SourcePrometheus}
	if c.clients.Prometheus == nil {
		st.State, st.Error = StateSkipped, "Prometheus is not configured: pass --prometheus-url or --prometheus-service NS/NAME:PORT (or set prometheus.url/service in the config)"
		return nil, st
	}
	api := c.clients.Prometheus
	timeout := c.cfg.Prometheus.RequestTimeout.Duration()
	d := &PrometheusData{Metrics: []Metric{}, Alerts: []Alert{}}
	var probs problems
	m := c.cfg.Prometheus.Metrics
	now := c.opts.Now()
	failures := 0
	for _, spec := range []struct{ role, name string }{
		{"tokenExpirySeconds", m.TokenExpirySeconds},
		{"tokenRenewals", m.TokenRenewals},
		{"rotations", m.Rotations},
		{"rotationsFailed", m.RotationsFailed},
	} {
		mt := Metric{Name: spec.name, Role: spec.role, Series: []Series{}}
		err := c.queryMetric(ctx, api, timeout, now, &mt)
		if err != nil {
			mt.Error = promErr(c.clients.PrometheusTarget, "query "+spec.name, err)
			probs.add("metric "+spec.name, mt.Error)
			failures++
		}
		d.Metrics = append(d.Metrics, mt)
	}
	actx, cancel := context.WithTimeout(ctx, timeout)
	res, err := api.Alerts(actx)
	cancel()
	if err != nil {
		probs.add("alerts", promErr(c.clients.PrometheusTarget, "read alerts", err))
		failures++
	} else {
		names := []string{c.cfg.Prometheus.Alerts.RotationFailed, c.cfg.Prometheus.Alerts.TokenExpiringSoon, c.cfg.Prometheus.Alerts.VersionOverflow, c.cfg.Prometheus.Alerts.AuditLogMissing}
		for _, a := range res.Alerts {
			name := string(a.Labels[model.AlertNameLabel])
			if !slices.Contains(names, name) || !c.inNamespace(labelsOf(a.Labels)) {
				continue
			}
			al := Alert{Name: name, State: string(a.State), Labels: labelsOf(a.Labels), Annotations: labelsOf(a.Annotations), Value: a.Value}
			if !a.ActiveAt.IsZero() {
				t := a.ActiveAt.UTC()
				al.ActiveAt = &t
			}
			d.Alerts = append(d.Alerts, al)
		}
		sort.Slice(d.Alerts, func(i, j int) bool {
			if d.Alerts[i].Name != d.Alerts[j].Name {
				return d.Alerts[i].Name < d.Alerts[j].Name
			}
			return fmt.Sprint(d.Alerts[i].Labels) < fmt.Sprint(d.Alerts[j].Labels)
		})
	}
	c.collectFreshness(ctx, api, timeout, now, d) // freshness.go
	st.Problems = probs.sorted()
	switch {
	case failures == 0:
		st.State = StateOK
	case failures == 5:
		st.State, st.Error = StateError, st.Problems[0].Error
	default:
		st.State = StatePartial
	}
	return d, st
}

// inNamespace keeps series of our namespace, and series with no namespace
// label (a Prometheus scraping only this application).
func (c *Collector) inNamespace(l map[string]string) bool {
	ns, ok := l["namespace"]
	return !ok || ns == c.namespace
}

func labelsOf(ls model.LabelSet) map[string]string {
	out := make(map[string]string, len(ls))
	for k, v := range ls {
		out[string(k)] = string(v)
	}
	return out
}

func seriesKey(l map[string]string) string {
	keys := make([]string, 0, len(l))
	for k := range l {
		if k != "__name__" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k + "=" + l[k] + ",")
	}
	return b.String()
}

// queryMetric reads a metric now (instant) and over the history window
// (range), joined by labels.
func (c *Collector) queryMetric(ctx context.Context, api promv1.API, timeout time.Duration, now time.Time, mt *Metric) error {
	qctx, cancel := context.WithTimeout(ctx, timeout)
	v, _, _, err := api.Query(qctx, mt.Name, now)
	cancel()
	if err != nil {
		return err
	}
	mt.At = now.UTC()
	byKey := map[string]*Series{}
	var order []string
	if vec, ok := v.(model.Vector); ok {
		for _, s := range vec {
			l := labelsOf(model.LabelSet(s.Metric))
			delete(l, "__name__")
			if !c.inNamespace(l) {
				continue
			}
			val := float64(s.Value)
			k := seriesKey(l)
			byKey[k] = &Series{Labels: l, Value: &val}
			order = append(order, k)
		}
	}
	start := now.Add(-historyWindow).Truncate(historyStep)
	qctx, cancel = context.WithTimeout(ctx, timeout)
	rv, _, _, err := api.QueryRange(qctx, mt.Name, promv1.Range{Start: start, End: now, Step: historyStep})
	cancel()
	if err != nil {
		return err
	}
	steps := int(now.Sub(start)/historyStep) + 1
	if mat, ok := rv.(model.Matrix); ok {
		for _, ss := range mat {
			l := labelsOf(model.LabelSet(ss.Metric))
			delete(l, "__name__")
			if !c.inNamespace(l) {
				continue
			}
			k := seriesKey(l)
			s, ok := byKey[k]
			if !ok {
				s = &Series{Labels: l}
				byKey[k] = s
				order = append(order, k)
			}
			h := &History{Start: start.UTC(), Step: Duration(historyStep), Values: make([]*float64, steps)}
			for _, p := range ss.Values {
				i := int(p.Timestamp.Time().Sub(start) / historyStep)
				if i >= 0 && i < steps {
					v := float64(p.Value)
					h.Values[i] = &v
				}
			}
			s.History = h
		}
	}
	sort.Strings(order)
	for _, k := range order {
		mt.Series = append(mt.Series, *byKey[k])
	}
	return nil
}

func promErr(target, what string, err error) string {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "connection refused"):
		return fmt.Sprintf("%s: Prometheus at %s refused the connection (is it running? is the URL right?)", what, target)
	case strings.Contains(msg, "context deadline exceeded"):
		return fmt.Sprintf("%s: Prometheus at %s did not answer in time", what, target)
	case strings.Contains(msg, "403") || strings.Contains(strings.ToLower(msg), "forbidden"):
		return fmt.Sprintf("%s: forbidden (%s): the service proxy needs get on services/proxy in the Prometheus namespace", what, msg)
	}
	return fmt.Sprintf("%s at %s: %v", what, target, err)
}
