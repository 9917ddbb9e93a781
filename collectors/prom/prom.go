package prom

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors/internal/source"
)

// historyWindow and historyStep shape the range queries behind sparklines.
const (
	historyWindow = 24 * time.Hour
	historyStep   = 5 * time.Minute
)

// promMaxInFlight bounds the Prometheus requests of one collection in
// flight at once. A collection makes nine (an instant and a range query
// per metric, and the alerts): all run at once, so a slow or hanging
// Prometheus costs one request time, not nine.
const promMaxInFlight = 10

// promCall runs one Prometheus request under its own timeout, once a slot
// of sem is free; it returns ctx's error when the context ends first.
func promCall[T any](ctx context.Context, sem chan struct{}, timeout time.Duration, call func(context.Context) (T, error)) (T, error) {
	var zero T
	select {
	case sem <- struct{}{}:
		defer func() { <-sem }()
	case <-ctx.Done():
		return zero, ctx.Err()
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return call(ctx)
}

func (c *collector) collectPrometheus(ctx context.Context) (*collectors.PrometheusData, collectors.Status) {
	st := collectors.Status{Source: collectors.SourcePrometheus}
	if c.clients.Prometheus == nil {
		st.State, st.Error = collectors.StateSkipped, "Prometheus is not configured: pass --prometheus-url or --prometheus-service NS/NAME:PORT (or set prometheus.url/service in the config)"
		return nil, st
	}
	api := c.clients.Prometheus
	timeout := c.cfg.Prometheus.RequestTimeout.Duration()
	d := &collectors.PrometheusData{Metrics: []collectors.Metric{}, Alerts: []collectors.Alert{}}
	var probs source.Problems
	m := c.cfg.Prometheus.Metrics
	now := c.opts.Now()
	failures := 0
	specs := []struct{ role, name string }{
		{"tokenExpirySeconds", m.TokenExpirySeconds},
		{"tokenRenewals", m.TokenRenewals},
		{"rotations", m.Rotations},
		{"rotationsFailed", m.RotationsFailed},
	}
	fresh := c.startFreshness(ctx, api, timeout, now) // freshness.go: beside the metric reads
	sem := make(chan struct{}, promMaxInFlight)
	metrics := make([]collectors.Metric, len(specs))
	errs := make([]error, len(specs))
	var res promv1.AlertsResult
	var err error
	var wg sync.WaitGroup
	for i, spec := range specs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			metrics[i] = collectors.Metric{Name: spec.name, Role: spec.role, Series: []collectors.Series{}}
			errs[i] = c.queryMetric(ctx, api, sem, timeout, now, &metrics[i])
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		res, err = promCall(ctx, sem, timeout, api.Alerts)
	}()
	wg.Wait()
	for i, mt := range metrics {
		if errs[i] != nil {
			mt.Error = promErr(c.clients.PrometheusTarget, "query "+mt.Name, errs[i])
			probs.Add("metric "+mt.Name, mt.Error)
			failures++
		}
		d.Metrics = append(d.Metrics, mt)
	}
	if err != nil {
		probs.Add("alerts", promErr(c.clients.PrometheusTarget, "read alerts", err))
		failures++
	} else {
		names := []string{c.cfg.Prometheus.Alerts.RotationFailed, c.cfg.Prometheus.Alerts.TokenExpiringSoon, c.cfg.Prometheus.Alerts.VersionOverflow, c.cfg.Prometheus.Alerts.AuditLogMissing}
		for _, a := range res.Alerts {
			name := string(a.Labels[model.AlertNameLabel])
			if !slices.Contains(names, name) || !c.inNamespace(labelsOf(a.Labels)) {
				continue
			}
			al := collectors.Alert{Name: name, State: string(a.State), Labels: labelsOf(a.Labels), Annotations: labelsOf(a.Annotations), Value: a.Value}
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
	fresh.finish(ctx, c, api, timeout, now, d)
	st.Problems = probs.Sorted()
	switch {
	case failures == 0:
		st.State = collectors.StateOK
	case failures == 5:
		st.State, st.Error = collectors.StateError, st.Problems[0].Error
	default:
		st.State = collectors.StatePartial
	}
	return d, st
}

// inNamespace keeps series of our namespace, and series with no namespace
// label (a Prometheus scraping only this application).
func (c *collector) inNamespace(l map[string]string) bool {
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
// (range), both at once, joined by labels.
func (c *collector) queryMetric(ctx context.Context, api promv1.API, sem chan struct{}, timeout time.Duration, now time.Time, mt *collectors.Metric) error {
	start := now.Add(-historyWindow).Truncate(historyStep)
	var v, rv model.Value
	var err, rerr error
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		v, err = promCall(ctx, sem, timeout, func(ctx context.Context) (model.Value, error) {
			v, _, _, err := api.Query(ctx, mt.Name, now)
			return v, err
		})
	}()
	go func() {
		defer wg.Done()
		rv, rerr = promCall(ctx, sem, timeout, func(ctx context.Context) (model.Value, error) {
			v, _, _, err := api.QueryRange(ctx, mt.Name, promv1.Range{Start: start, End: now, Step: historyStep})
			return v, err
		})
	}()
	wg.Wait()
	if err == nil {
		err = rerr
	}
	if err != nil {
		return err
	}
	mt.At = now.UTC()
	byKey := map[string]*collectors.Series{}
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
			byKey[k] = &collectors.Series{Labels: l, Value: &val}
			order = append(order, k)
		}
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
				s = &collectors.Series{Labels: l}
				byKey[k] = s
				order = append(order, k)
			}
			h := &collectors.History{Start: start.UTC(), Step: collectors.Duration(historyStep), Values: make([]*float64, steps)}
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

// promErr words a Prometheus error for a person: what was attempted, at
// which target (a URL, or "service NS/NAME:PORT via HOST"), what went
// wrong and what to do. Connection errors show the address, not the query
// URL.
func promErr(target, what string, err error) string {
	viaProxy := strings.HasPrefix(target, "service ")
	var pe *promv1.Error
	if errors.As(err, &pe) {
		body := strings.ToLower(strings.TrimSpace(pe.Detail))
		switch {
		case pe.Type == promv1.ErrBadResponse && (strings.Contains(pe.Msg, "invalid character '<'") || strings.HasPrefix(body, "<")):
			return fmt.Sprintf("%s: %s answered HTML, not Prometheus's API: is it Prometheus's base URL (such as http://host:9090, without /graph), not a login page or a proxy's?", what, target)
		case pe.Type == promv1.ErrBadResponse:
			return fmt.Sprintf("%s: %s answered something that is not Prometheus's API (%s): is it Prometheus's base URL?", what, target, pe.Msg)
		case pe.Type == promv1.ErrClient && strings.Contains(pe.Msg, "403"), strings.Contains(body, "forbidden") && pe.Type == promv1.ErrClient:
			if viaProxy {
				return fmt.Sprintf("%s: forbidden (403) at %s: the service proxy needs get on services/proxy in the Prometheus namespace", what, target)
			}
			return fmt.Sprintf("%s: forbidden (403) by %s: check the URL and the proxy or credentials in front of Prometheus", what, target)
		case pe.Type == promv1.ErrClient && (strings.Contains(pe.Msg, "401")):
			return fmt.Sprintf("%s: unauthorized (401) by %s: Prometheus is behind authentication the tool does not send; use --prometheus-service to go through the API server", what, target)
		case pe.Type == promv1.ErrClient && strings.Contains(pe.Msg, "404"):
			return fmt.Sprintf("%s: not found (404) at %s: is it Prometheus's base URL (the API is under /api/v1)?", what, target)
		case pe.Type == promv1.ErrBadData, pe.Type == promv1.ErrExec, pe.Type == promv1.ErrTimeout, pe.Type == promv1.ErrCanceled:
			return fmt.Sprintf("%s: Prometheus at %s rejected the query (%s: %s); check the metric names under prometheus.metrics in the config", what, target, pe.Type, pe.Msg)
		case pe.Type == promv1.ErrServer && viaProxy:
			return fmt.Sprintf("%s: the API server's service proxy could not reach %s (%s%s): is the Service's pod running?", what, target, pe.Msg, promBodyNote(pe.Detail))
		}
		return fmt.Sprintf("%s at %s: %s: %s%s", what, target, pe.Type, pe.Msg, promBodyNote(pe.Detail))
	}
	detail := source.ErrDetail(err)
	switch source.ClassifyNet(err) {
	case source.FaultRefused:
		return fmt.Sprintf("%s: Prometheus at %s refused the connection (%s): is it running, and is --prometheus-url / PROMETHEUS_URL right?", what, target, detail)
	case source.FaultTimeout:
		return fmt.Sprintf("%s: Prometheus at %s did not answer in time (%s); it is overloaded or unreachable, or raise prometheus.requestTimeout in the config", what, target, detail)
	case source.FaultCanceled:
		return fmt.Sprintf("%s: cancelled", what)
	case source.FaultUntrusted:
		return fmt.Sprintf("%s: the TLS certificate of Prometheus at %s is not trusted (%s)", what, target, detail)
	case source.FaultReset, source.FaultNoHost, source.FaultUnreachable, source.FaultNotTLS:
		return fmt.Sprintf("%s: cannot reach Prometheus at %s (%s)", what, target, detail)
	}
	return fmt.Sprintf("%s at %s: %s", what, target, detail)
}

// promBodyNote returns ": " and the start of an error response's body, or
// "" when it is empty.
func promBodyNote(body string) string {
	body = strings.Join(strings.Fields(body), " ")
	if body == "" {
		return ""
	}
	if len(body) > 120 {
		body = body[:120] + "…"
	}
	return ": " + body
}
