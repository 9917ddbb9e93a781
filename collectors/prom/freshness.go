package prom

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
	"golang.org/x/sync/errgroup"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors/internal/source"
)

// maxTargets bounds the scrape targets whose up state is read.
const maxTargets = 32

// upBudget bounds the up reads, the only freshness reads that wait for the
// metrics (they need the series' job and instance): a Prometheus slow
// enough to use the request timeout on the metrics leaves them unknown
// rather than doubling the source's time.
const upBudget = 3 * time.Second

// freshness holds the freshness reads that need nothing from the metrics'
// results, started beside them: each metric's sample times, the alert
// rules, the targets API's scrape errors.
type freshness struct {
	wg sync.WaitGroup
	mu sync.Mutex
	// stamps and vanished map a metric name to its series' keys to the
	// newest sample: timestamp(m) now, and max_over_time(timestamp(m)[1h:])
	// (the samples' own times, which the history's 5-minute steps would
	// round) for the series that have no value now.
	stamps, vanished map[string]map[string]time.Time
	// lateVanished maps a summed metric's name to its vanished query, asked
	// in finish only when one of its summed series has no value now.
	lateVanished map[string]string
	rules        []collectors.AlertRule
	rulesErr     string
	scrapeErrs   map[[2]string]string
}

// startFreshness starts the freshness reads that need nothing from the
// metrics, at the time the metrics are read.
func (c *collector) startFreshness(ctx context.Context, api promv1.API, timeout time.Duration, at time.Time) *freshness {
	f := &freshness{stamps: map[string]map[string]time.Time{}, vanished: map[string]map[string]time.Time{}, lateVanished: map[string]string{}}
	m := c.cfg.Prometheus.Metrics
	for _, spec := range []struct{ role, name string }{
		{"tokenExpirySeconds", m.TokenExpirySeconds}, {"tokenRenewals", m.TokenRenewals},
		{"rotations", m.Rotations}, {"rotationsFailed", m.RotationsFailed},
	} {
		name, sel := spec.name, c.selector(spec.name)
		stamp, newest := "timestamp("+sel+")", "max_over_time(timestamp("+sel+")[1h:])"
		queries := []struct {
			expr string
			into map[string]map[string]time.Time
		}{{stamp, f.stamps}, {newest, f.vanished}}
		if summed(spec.role) {
			// the series summed over the tenant labels; the subquery over
			// an hour of every tenant's series (0.45s at 1,000 tenants) is
			// asked only when a summed series has no value now (finish)
			stamp, newest = "max "+without()+" ("+stamp+")", "max "+without()+" ("+newest+")"
			queries = queries[:1]
			queries[0].expr = stamp
			f.lateVanished[name] = newest
		}
		for _, q := range queries {
			f.wg.Add(1)
			go func() {
				defer f.wg.Done()
				times := c.queryTimes(ctx, api, timeout, q.expr, at)
				f.mu.Lock()
				defer f.mu.Unlock()
				q.into[name] = times
			}()
		}
	}
	f.wg.Add(2)
	go func() {
		defer f.wg.Done()
		f.rules, f.rulesErr = c.alertRules(ctx, api, timeout)
	}()
	go func() {
		defer f.wg.Done()
		f.scrapeErrs = c.scrapeErrors(ctx, api, timeout)
	}()
	return f
}

// finish adds to d what says how fresh the metrics are: the time of each
// series' newest sample, the up state of the series' scrape targets (read
// now, within upBudget), and when the related alerts' rules were last
// evaluated. A read that fails leaves its part unknown (an error field
// beside it); it never fails the source, whose metrics were read.
func (f *freshness) finish(ctx context.Context, c *collector, api promv1.API, timeout time.Duration, now time.Time, d *collectors.PrometheusData) {
	f.wg.Wait()
	if !slices.ContainsFunc(d.Metrics, func(m collectors.Metric) bool { return m.Error == "" }) {
		// Prometheus did not answer a single query: asking more would
		// only add its timeout to the source's
		d.TargetsError, d.RulesError = "not read: no metric could be read", "not read: no metric could be read"
		return
	}
	uctx, cancel := context.WithTimeout(ctx, min(timeout, upBudget))
	defer cancel()
	for _, m := range d.Metrics {
		expr, ok := f.lateVanished[m.Name]
		if ok && slices.ContainsFunc(m.Series, func(s collectors.Series) bool { return s.Value == nil }) {
			f.vanished[m.Name] = c.queryTimes(uctx, api, timeout, expr, m.At)
		}
	}
	for i := range d.Metrics {
		m := &d.Metrics[i]
		for j := range m.Series {
			s := &m.Series[j]
			times := f.stamps[m.Name]
			if s.Value == nil {
				times = f.vanished[m.Name]
			}
			if t, ok := times[seriesKey(s.Labels)]; ok {
				s.SampledAt = &t
			}
		}
	}
	d.Rules, d.RulesError = f.rules, f.rulesErr
	pairs := seriesTargets(d.Metrics)
	if len(pairs) == 0 {
		// no series names its target (none has a series now): the targets
		// whose scrape fails are where the metrics went, most likely
		for p := range f.scrapeErrs {
			pairs = append(pairs, p)
		}
		sortTargets(pairs)
	}
	d.Targets, d.TargetsError = c.scrapeTargets(uctx, api, timeout, now, pairs, f.scrapeErrs)
}

// collectFreshness runs both halves one after the other (the collection
// starts the first beside the metric reads).
func (c *collector) collectFreshness(ctx context.Context, api promv1.API, timeout time.Duration, now time.Time, d *collectors.PrometheusData) {
	if !slices.ContainsFunc(d.Metrics, func(m collectors.Metric) bool { return m.Error == "" }) {
		(&freshness{}).finish(ctx, c, api, timeout, now, d) // nothing to read after
		return
	}
	at := now
	for _, m := range d.Metrics {
		if !m.At.IsZero() {
			at = m.At
		}
	}
	c.startFreshness(ctx, api, timeout, at).finish(ctx, c, api, timeout, now, d)
}

// queryTimes runs an instant query whose values are Unix times and returns
// them by series key; nil when it fails (the times are then unknown).
func (c *collector) queryTimes(ctx context.Context, api promv1.API, timeout time.Duration, expr string, at time.Time) map[string]time.Time {
	qctx, cancel := context.WithTimeout(ctx, timeout)
	v, _, _, err := api.Query(qctx, expr, at)
	cancel()
	if err != nil {
		return nil
	}
	vec, ok := v.(model.Vector)
	if !ok {
		return nil
	}
	times := make(map[string]time.Time, len(vec))
	for _, s := range vec {
		l := labelsOf(model.LabelSet(s.Metric))
		delete(l, "__name__")
		times[seriesKey(l)] = unixFloat(float64(s.Value))
	}
	return times
}

func unixFloat(sec float64) time.Time {
	whole := int64(sec)
	return time.Unix(whole, int64((sec-float64(whole))*1e9)).UTC()
}

// sortTargets sorts (job, instance) pairs by job, then instance.
func sortTargets(ps [][2]string) {
	slices.SortFunc(ps, func(a, b [2]string) int {
		if c := strings.Compare(a[0], b[0]); c != 0 {
			return c
		}
		return strings.Compare(a[1], b[1])
	})
}

// seriesTargets lists the (job, instance) pairs the metrics' series carry,
// sorted.
func seriesTargets(ms []collectors.Metric) [][2]string {
	var out [][2]string
	for _, m := range ms {
		for _, s := range m.Series {
			job, inst := s.Labels["job"], s.Labels["instance"]
			if job == "" && inst == "" {
				continue
			}
			p := [2]string{job, inst}
			if !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	sortTargets(out)
	return out
}

// scrapeTargets reads each target's up samples over the last UpWindow
// (the newest one's value and time, and the interval between them), with
// the scrape error the targets API reported for it. It returns why the up
// state could not be read at all, or "".
func (c *collector) scrapeTargets(ctx context.Context, api promv1.API, timeout time.Duration, now time.Time, pairs [][2]string, scrapeErrs map[[2]string]string) ([]collectors.ScrapeTarget, string) {
	if len(pairs) == 0 {
		return nil, ""
	}
	note := ""
	if len(pairs) > maxTargets {
		note = fmt.Sprintf("%d scrape targets; the up state of only the first %d was read", len(pairs), maxTargets)
		pairs = pairs[:maxTargets]
	}
	out := make([]collectors.ScrapeTarget, len(pairs))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(4)
	for i, p := range pairs {
		g.Go(func() error {
			t := collectors.ScrapeTarget{Job: p[0], Instance: p[1], LastError: scrapeErrs[p]}
			q := fmt.Sprintf("up{job=%q,instance=%q}[%ds]", p[0], p[1], int(collectors.UpWindow/time.Second))
			qctx, cancel := context.WithTimeout(gctx, timeout)
			v, _, _, err := api.Query(qctx, q, now)
			cancel()
			if err != nil {
				t.Error = promErr(c.clients.PrometheusTarget, "read up of "+p[1], err)
			} else if mat, ok := v.(model.Matrix); ok {
				fillTarget(&t, mat)
			}
			out[i] = t
			return nil
		})
	}
	_ = g.Wait()
	failed := 0
	for _, t := range out {
		if t.Error != "" {
			failed++
		}
	}
	if failed == len(out) {
		return out, source.JoinNote(out[0].Error, note)
	}
	return out, note
}

// scrapeErrors are the targets' scrape errors by (job, instance), from the
// targets API; nil when it is not served (Thanos and others serve only
// queries): best effort.
func (c *collector) scrapeErrors(ctx context.Context, api promv1.API, timeout time.Duration) map[[2]string]string {
	tctx, cancel := context.WithTimeout(ctx, timeout)
	res, err := readTargets(tctx, c.clients.Raw)
	cancel()
	if err != nil {
		return nil
	}
	out := map[[2]string]string{}
	for _, at := range res.Active {
		if at.LastError != "" {
			out[[2]string{string(at.Labels["job"]), string(at.Labels["instance"])}] = at.LastError
		}
	}
	return out
}

// fillTarget reads the newest up sample and the scrape interval (the median
// gap between samples) from up's raw samples.
func fillTarget(t *collectors.ScrapeTarget, mat model.Matrix) {
	var pts []model.SamplePair
	for _, ss := range mat {
		pts = append(pts, ss.Values...)
	}
	if len(pts) == 0 {
		return
	}
	sort.Slice(pts, func(i, j int) bool { return pts[i].Timestamp < pts[j].Timestamp })
	last := pts[len(pts)-1]
	v, at := float64(last.Value), last.Timestamp.Time().UTC()
	t.Up, t.LastScrape = &v, &at
	if len(pts) >= 3 {
		gaps := make([]time.Duration, 0, len(pts)-1)
		for i := 1; i < len(pts); i++ {
			gaps = append(gaps, pts[i].Timestamp.Time().Sub(pts[i-1].Timestamp.Time()))
		}
		slices.Sort(gaps)
		t.Interval = collectors.Duration(gaps[len(gaps)/2].Round(time.Millisecond))
	}
}

// alertRules reads the alerting rules of the runbook's related alerts.
func (c *collector) alertRules(ctx context.Context, api promv1.API, timeout time.Duration) ([]collectors.AlertRule, string) {
	qctx, cancel := context.WithTimeout(ctx, timeout)
	res, err := readRules(qctx, c.clients.Raw) // answer.go: an answer without data.groups is not "no rule"
	cancel()
	if err != nil {
		return nil, promErr(c.clients.PrometheusTarget, "read rules", err)
	}
	a := c.cfg.Prometheus.Alerts
	names := []string{a.RotationFailed, a.TokenExpiringSoon, a.VersionOverflow, a.AuditLogMissing}
	out := []collectors.AlertRule{}
	for _, g := range res.Groups {
		for _, r := range g.Rules {
			var ar promv1.AlertingRule
			switch x := r.(type) {
			case promv1.AlertingRule:
				ar = x
			case *promv1.AlertingRule:
				ar = *x
			default:
				continue
			}
			if !slices.Contains(names, ar.Name) {
				continue
			}
			rule := collectors.AlertRule{Name: ar.Name, Group: g.Name, File: g.File, State: ar.State, Health: string(ar.Health), LastError: ar.LastError, Query: ar.Query,
				Interval: collectors.Duration(time.Duration(g.Interval * float64(time.Second)))}
			if !ar.LastEvaluation.IsZero() && ar.LastEvaluation.Year() > 1 {
				t := ar.LastEvaluation.UTC()
				rule.LastEvaluation = &t
			}
			out = append(out, rule)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, ""
}
