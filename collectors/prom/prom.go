package prom

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
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
// flight at once. A collection makes fifteen (an instant and a range query
// for the token expiry, four for each summed counter, and the alerts): all
// run at once, so a slow or hanging Prometheus costs one request time, not
// fifteen.
const promMaxInFlight = 16

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
		res, err = promCall(ctx, sem, timeout, readAlerts(c.clients.Raw)) // answer.go: not client_golang's Alerts, which reads a missing list as none
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
		malformed := 0
		for _, a := range res.Alerts {
			if len(a.Labels) == 0 || a.Labels[model.AlertNameLabel] == "" || a.State == "" {
				malformed++ // Prometheus always sends an alert's labels and state
			}
		}
		if malformed > 0 {
			probs.Add("alerts", fmt.Sprintf("read alerts at %s: %d of %d alerts answered without their labels or state: not Prometheus's API (a proxy?); which fire cannot be told", c.clients.PrometheusTarget, malformed, len(res.Alerts)))
			failures++
			res.Alerts = nil
		}
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
	if failures < len(specs) {
		// whether the metrics and the alerts are current is judged from
		// the rules and the targets: when they cannot be read, that part
		// of the source is not read (never "ok" beside it)
		if d.RulesError != "" {
			probs.Add("alert rules", d.RulesError)
			failures++
		}
		if len(d.Targets) > 0 && !slices.ContainsFunc(d.Targets, func(t collectors.ScrapeTarget) bool { return t.Error == "" }) {
			probs.Add("scrape targets", d.TargetsError)
			failures++
		}
	}
	if ws := c.clients.Warned.list(); len(ws) > 0 {
		// Prometheus itself said its answers may be incomplete: what
		// they hold was read, what they lack is unknown
		probs.Add("query warnings", fmt.Sprintf("%s answered with warnings, so its results may be incomplete: %s", c.clients.PrometheusTarget, strings.Join(ws, "; ")))
		failures++
	}
	st.Problems = probs.Sorted()
	switch {
	case failures == 0:
		st.State = collectors.StateOK
	case failures >= len(specs)+1 && len(d.Metrics) == len(specs) && !slices.ContainsFunc(d.Metrics, func(m collectors.Metric) bool { return m.Error == "" }):
		// no metric and no alert read (the rules and targets were not
		// asked then)
		st.State, st.Error = collectors.StateError, st.Problems[0].Error
	default:
		st.State = collectors.StatePartial
	}
	return d, st
}

// inNamespace keeps series of our namespace, and series with no namespace
// label (a Prometheus scraping only this application).
func (c *collector) inNamespace(l map[string]string) bool {
	ns, ok := l[c.nsLabel()]
	return !ok || ns == c.namespace
}

// nsLabel is the label that names a series' namespace
// (prometheus.namespaceLabel).
func (c *collector) nsLabel() string {
	if l := c.cfg.Prometheus.NamespaceLabel; l != "" {
		return l
	}
	return "namespace"
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

// tenantLabels are the labels that name a tenant; the counters' series are
// summed over them in Prometheus (collectors.Metric.SummedOver).
var tenantLabels = collectors.TenantLabels

// summed reports whether a metric of role is read summed over the tenant
// labels: the counters. The token expiry is a gauge, read series by series
// (its lowest series is the one that matters).
func summed(role string) bool { return role != "tokenExpirySeconds" }

// selector selects a metric's series of our namespace, and those with no
// namespace label (a Prometheus scraping only this application), in
// Prometheus rather than after the transfer.
func (c *collector) selector(name string) string {
	return fmt.Sprintf("%s{%s=~%q}", name, c.nsLabel(), regexp.QuoteMeta(c.namespace)+"|")
}

// without is the grouping clause that sums over the tenant labels.
func without() string { return "without (" + strings.Join(tenantLabels, ", ") + ")" }

// stepGrowthExpr is, at each history step, the sum over the tenant labels
// of each series' growth since the step before: increase() over a subquery
// holding just the two steps (the subquery's points are at multiples of the
// step, as the history's are). increase() counts a fall as a reset (growth
// from zero) and a series with one point as none, as counterIncrease does;
// its extrapolation to the window's extra millisecond makes it at most
// 1ms/5m too big, which roundGrowth takes off. At 1,000 tenants it took
// 0.27s where the arithmetic (m - m offset 5m, or/and for the resets) took
// 2.2s.
func (c *collector) stepGrowthExpr(name string) string {
	return fmt.Sprintf("sum %s (increase(%s[%dms:%dms]))", without(), c.selector(name), (historyStep + time.Millisecond).Milliseconds(), historyStep.Milliseconds())
}

// roundGrowth takes stepGrowthExpr's extrapolation off: a value within
// 4 parts in a million of a whole number is that number (counters count
// events); others keep their value, at most that much too big.
func roundGrowth(v float64) float64 {
	if r := math.Round(v); math.Abs(v-r) <= 4e-6*math.Abs(v)+1e-9 {
		return r
	}
	return v
}

// queryMetric reads a metric now (instant) and over the history window
// (range), both at once, joined by labels; a counter summed over its tenant
// labels (querySummed).
func (c *collector) queryMetric(ctx context.Context, api promv1.API, sem chan struct{}, timeout time.Duration, now time.Time, mt *collectors.Metric) error {
	if summed(mt.Role) {
		return c.querySummed(ctx, api, sem, timeout, now, mt)
	}
	return c.querySeries(ctx, api, sem, timeout, now, mt, c.selector(mt.Name))
}

// querySeries reads the series sel selects now (instant) and over the
// history window (range), both at once, joined by labels, into mt.
func (c *collector) querySeries(ctx context.Context, api promv1.API, sem chan struct{}, timeout time.Duration, now time.Time, mt *collectors.Metric, sel string) error {
	start := now.Add(-historyWindow).Truncate(historyStep)
	var v, rv model.Value
	var err, rerr error
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		v, err = promCall(ctx, sem, timeout, func(ctx context.Context) (model.Value, error) {
			v, _, _, err := api.Query(ctx, sel, now)
			return v, err
		})
	}()
	go func() {
		defer wg.Done()
		rv, rerr = promCall(ctx, sem, timeout, func(ctx context.Context) (model.Value, error) {
			v, _, _, err := api.QueryRange(ctx, sel, promv1.Range{Start: start, End: now, Step: historyStep})
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
			k := seriesKey(l)
			byKey[k] = &collectors.Series{Labels: l, Value: finite(s.Value)}
			if byKey[k].Value == nil {
				byKey[k].NonFinite = s.Value.String()
			}
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
					h.Values[i] = finite(p.Value)
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

// querySummed reads a counter summed over its tenant labels (see
// collectors.Metric.SummedOver), in four queries run at once: the sum now;
// each history step's growth, summed (stepGrowthExpr); the sum at the last
// step; and the tenants the counter names (group by the tenant labels:
// their names, nothing else). Each answer is one series per label set
// left, or one per tenant: never a history per tenant. The history is rebuilt from the steps' growth,
// ending at the sum now less the growth since the last step.
func (c *collector) querySummed(ctx context.Context, api promv1.API, sem chan struct{}, timeout time.Duration, now time.Time, mt *collectors.Metric) error {
	start := now.Add(-historyWindow).Truncate(historyStep)
	steps := int(now.Sub(start)/historyStep) + 1
	last := start.Add(time.Duration(steps-1) * historyStep)
	sum := "sum " + without() + " (" + c.selector(mt.Name) + ")"
	queries := []struct {
		expr string
		rng  bool
		at   time.Time
	}{
		{expr: sum, at: now},
		{expr: c.stepGrowthExpr(mt.Name), rng: true},
		{expr: sum, at: last},
	}
	if now.Sub(last) < time.Millisecond {
		queries[2].expr = "" // the last step is now
	}
	vals := make([]model.Value, len(queries))
	errs := make([]error, len(queries))
	var names []string
	var namesErr error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // the tenants' names, decoded without a label map each (names.go)
		defer wg.Done()
		names, namesErr = promCall(ctx, sem, timeout, func(ctx context.Context) ([]string, error) {
			return queryNames(ctx, c.clients.Raw, "group by ("+strings.Join(tenantLabels, ", ")+") ("+c.selector(mt.Name)+")", now)
		})
	}()
	for i, q := range queries {
		if q.expr == "" {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			vals[i], errs[i] = promCall(ctx, sem, timeout, func(ctx context.Context) (model.Value, error) {
				if q.rng {
					v, _, _, err := api.QueryRange(ctx, q.expr, promv1.Range{Start: start, End: now, Step: historyStep})
					return v, err
				}
				v, _, _, err := api.Query(ctx, q.expr, q.at)
				return v, err
			})
		}()
	}
	wg.Wait()
	for _, err := range append(errs, namesErr) {
		if err != nil {
			return err
		}
	}
	mt.At = now.UTC()
	mt.SummedOver = slices.Clone(tenantLabels)
	type group struct {
		labels    map[string]string
		now, last *float64
		growth    []*float64
	}
	groups := map[string]*group{}
	get := func(m model.Metric) (*group, bool) {
		l := labelsOf(model.LabelSet(m))
		delete(l, "__name__")
		if !c.inNamespace(l) {
			return nil, false
		}
		k := seriesKey(l)
		g, ok := groups[k]
		if !ok {
			g = &group{labels: l}
			groups[k] = g
		}
		return g, true
	}
	if vec, ok := vals[0].(model.Vector); ok {
		for _, s := range vec {
			if g, ok := get(s.Metric); ok {
				g.now = finite(s.Value)
			}
		}
	}
	if mat, ok := vals[1].(model.Matrix); ok {
		for _, ss := range mat {
			g, ok := get(ss.Metric)
			if !ok {
				continue
			}
			g.growth = make([]*float64, steps)
			for _, p := range ss.Values {
				i := int(p.Timestamp.Time().Sub(start) / historyStep)
				if v := finite(p.Value); v != nil && i >= 0 && i < steps {
					*v = roundGrowth(*v)
					g.growth[i] = v
				}
			}
		}
	}
	if vec, ok := vals[2].(model.Vector); ok {
		for _, s := range vec {
			if g, ok := get(s.Metric); ok {
				g.last = finite(s.Value)
			}
		}
	}
	keys := make([]string, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		g := groups[k]
		s := collectors.Series{Labels: g.labels, Value: g.now}
		if g.growth != nil {
			// the growth since the last step: the sums' difference (a
			// series that appeared or vanished in it counts, unlike in
			// the steps; a fall is a reset, as the runbook reads it)
			recent := 0.0
			if g.now != nil && g.last != nil {
				recent = *g.now - *g.last
			}
			s.History = rebuildHistory(start, steps, g.growth, g.now, recent)
		}
		mt.Series = append(mt.Series, s)
	}
	// the tenants it names, by name only: one short string each (there
	// are 10,000 or 100,000 of them), no label map kept
	mt.Tenants = names
	if len(mt.Tenants) > collectors.MaxNamedTenants {
		mt.TenantsOmitted = len(mt.Tenants) - collectors.MaxNamedTenants
		mt.Tenants = slices.Clip(mt.Tenants[:collectors.MaxNamedTenants])
	}
	return nil
}

// rebuildHistory is a summed counter's history from its steps' growth: the
// value at the last step is the sum now less the growth since (0 when
// there is no sum now), each earlier step the next one less that one's
// growth. A step's growth needs series at it and at the step before, so
// the step before one with growth has a value too (the first step of a
// series that appears); other steps without growth have none. The first
// step's growth (over the 5 minutes before the window) is not needed.
func rebuildHistory(start time.Time, steps int, growth []*float64, now *float64, recent float64) *collectors.History {
	h := &collectors.History{Start: start.UTC(), Step: collectors.Duration(historyStep), Values: make([]*float64, steps)}
	top := 0.0
	if now != nil {
		top = *now - recent
	}
	lastSeen := -1
	for i := steps - 1; i >= 0; i-- {
		if growth[i] != nil {
			lastSeen = i
			break
		}
	}
	if lastSeen < 0 {
		return h
	}
	// growth not read at the steps after the last one read: the value there
	// is unknown, and the sum now is anchored to the last step read
	v := top
	for i := lastSeen; i >= 0; i-- {
		if growth[i] == nil {
			continue
		}
		x := v
		h.Values[i] = &x
		v -= *growth[i]
		if i > 0 && growth[i-1] == nil {
			y := v
			h.Values[i-1] = &y
		}
	}
	return h
}

// apiNotFound is the message of a Kubernetes Status answer with reason
// NotFound (`services "x" not found`), as the API server's service proxy
// answers for a Service or namespace that does not exist; "" for any
// other body (a 404 from Prometheus itself, through the proxy).
func apiNotFound(body string) string {
	var st struct {
		Kind, Reason, Message string
	}
	if json.Unmarshal([]byte(body), &st) != nil || st.Kind != "Status" || st.Reason != "NotFound" {
		return ""
	}
	return st.Message
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
		case pe.Type == promv1.ErrClient && strings.Contains(pe.Msg, "404") && viaProxy && apiNotFound(pe.Detail) != "":
			// the API server's own answer: the Service (or its namespace)
			// is not there, which no path under it can fix
			return fmt.Sprintf("%s: the API server found no such object for %s (%s): check --prometheus-service NS/NAME:PORT (kubectl get services -n NS lists the names)", what, target, apiNotFound(pe.Detail))
		case pe.Type == promv1.ErrClient && strings.Contains(pe.Msg, "404"):
			return fmt.Sprintf("%s: not found (404) at %s: is it Prometheus's base URL (the API is under /api/v1)?", what, target)
		case pe.Type == promv1.ErrTimeout, pe.Type == promv1.ErrCanceled,
			// Prometheus answers a query timeout 503, which client_golang
			// words as a server error with the body's errorType
			pe.Type == promv1.ErrServer && strings.Contains(pe.Msg+pe.Detail, `"errorType":"timeout"`):
			// Prometheus gave up evaluating it (its --query.timeout): a
			// loaded Prometheus, not a wrong metric name
			return fmt.Sprintf("%s: Prometheus at %s timed out evaluating the query (%s: %s): it is overloaded or the query covers too much; try again, or raise its --query.timeout", what, target, pe.Type, pe.Msg)
		case pe.Type == promv1.ErrBadData, pe.Type == promv1.ErrExec:
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

// finite is a sample's value, or nil for NaN and ±Inf: what an exporter
// exposes for a gauge never set or a division by zero tells no value (it
// would compare as healthy, and encoding/json refuses NaN).
func finite(v model.SampleValue) *float64 {
	f := float64(v)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil
	}
	return &f
}
