package collectors

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
	"golang.org/x/sync/errgroup"
)

// maxTargets bounds the scrape targets whose up state is read.
const maxTargets = 32

// collectFreshness adds to d what says how fresh the metrics are: the time
// of each current series' newest sample, the up state of the series' scrape
// targets, and when the related alerts' rules were last evaluated. A read
// that fails leaves its part unknown (an error field beside it); it never
// fails the source, whose metrics were read.
func (c *Collector) collectFreshness(ctx context.Context, api promv1.API, timeout time.Duration, now time.Time, d *PrometheusData) {
	if !slices.ContainsFunc(d.Metrics, func(m Metric) bool { return m.Error == "" }) {
		// Prometheus did not answer a single query: asking more would
		// only add its timeout to the source's
		d.TargetsError, d.RulesError = "not read: no metric could be read", "not read: no metric could be read"
		return
	}
	targets := seriesTargets(d.Metrics)
	var wg sync.WaitGroup
	for i := range d.Metrics {
		m := &d.Metrics[i]
		if m.Error != "" || len(m.Series) == 0 {
			continue
		}
		wg.Add(1)
		go func() { // writes only m's series
			defer wg.Done()
			c.sampleTimes(ctx, api, timeout, m)
		}()
	}
	wg.Add(2)
	go func() {
		defer wg.Done()
		d.Targets, d.TargetsError = c.scrapeTargets(ctx, api, timeout, now, targets)
	}()
	go func() {
		defer wg.Done()
		d.Rules, d.RulesError = c.alertRules(ctx, api, timeout)
	}()
	wg.Wait()
}

// sampleTimes sets SampledAt on the metric's current series from
// timestamp(metric) at the time the values were read. A failed query
// leaves them nil (unknown).
func (c *Collector) sampleTimes(ctx context.Context, api promv1.API, timeout time.Duration, m *Metric) {
	at := m.At
	if at.IsZero() {
		return
	}
	qctx, cancel := context.WithTimeout(ctx, timeout)
	v, _, _, err := api.Query(qctx, "timestamp("+m.Name+")", at)
	cancel()
	if err != nil {
		return
	}
	vec, ok := v.(model.Vector)
	if !ok {
		return
	}
	times := make(map[string]time.Time, len(vec))
	for _, s := range vec {
		l := labelsOf(model.LabelSet(s.Metric))
		delete(l, "__name__")
		times[seriesKey(l)] = unixFloat(float64(s.Value))
	}
	vanished := false
	for i := range m.Series {
		s := &m.Series[i]
		if s.Value == nil {
			vanished = true
			continue
		}
		if t, ok := times[seriesKey(s.Labels)]; ok {
			s.SampledAt = &t
		}
	}
	if vanished {
		c.vanishedSampleTimes(ctx, api, timeout, m)
	}
}

// vanishedSampleTimes sets SampledAt on the series that have no value now
// to their newest sample in the last hour: timestamp() at each step of a
// subquery gives the samples' own times, which the history's 5-minute
// steps would round.
func (c *Collector) vanishedSampleTimes(ctx context.Context, api promv1.API, timeout time.Duration, m *Metric) {
	qctx, cancel := context.WithTimeout(ctx, timeout)
	v, _, _, err := api.Query(qctx, "max_over_time(timestamp("+m.Name+")[1h:])", m.At)
	cancel()
	if err != nil {
		return
	}
	vec, ok := v.(model.Vector)
	if !ok {
		return
	}
	times := make(map[string]time.Time, len(vec))
	for _, s := range vec {
		l := labelsOf(model.LabelSet(s.Metric))
		delete(l, "__name__")
		times[seriesKey(l)] = unixFloat(float64(s.Value))
	}
	for i := range m.Series {
		s := &m.Series[i]
		if t, ok := times[seriesKey(s.Labels)]; ok && s.Value == nil {
			s.SampledAt = &t
		}
	}
}

func unixFloat(sec float64) time.Time {
	whole := int64(sec)
	return time.Unix(whole, int64((sec-float64(whole))*1e9)).UTC()
}

// seriesTargets lists the (job, instance) pairs the metrics' series carry,
// sorted.
func seriesTargets(ms []Metric) [][2]string {
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
	sort.Slice(out, func(i, j int) bool {
		if out[i][0] != out[j][0] {
			return out[i][0] < out[j][0]
		}
		return out[i][1] < out[j][1]
	})
	return out
}

// scrapeTargets reads each target's up samples over the last UpWindow
// (the newest one's value and time, and the interval between them), and
// the scrape errors the targets API reports. It returns why the up state
// could not be read at all, or "".
func (c *Collector) scrapeTargets(ctx context.Context, api promv1.API, timeout time.Duration, now time.Time, pairs [][2]string) ([]ScrapeTarget, string) {
	if len(pairs) == 0 {
		return nil, ""
	}
	note := ""
	if len(pairs) > maxTargets {
		note = fmt.Sprintf("%d scrape targets; the up state of only the first %d was read", len(pairs), maxTargets)
		pairs = pairs[:maxTargets]
	}
	out := make([]ScrapeTarget, len(pairs))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(4)
	for i, p := range pairs {
		g.Go(func() error {
			t := ScrapeTarget{Job: p[0], Instance: p[1]}
			q := fmt.Sprintf("up{job=%q,instance=%q}[%ds]", p[0], p[1], int(UpWindow/time.Second))
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
		return out, joinNote(out[0].Error, note)
	}
	// the scrape errors, when the targets API is served (Thanos and
	// others serve only queries): best effort
	tctx, cancel := context.WithTimeout(ctx, timeout)
	res, err := api.Targets(tctx)
	cancel()
	if err == nil {
		for _, at := range res.Active {
			job, inst := string(at.Labels["job"]), string(at.Labels["instance"])
			for i := range out {
				if out[i].Job == job && out[i].Instance == inst && at.LastError != "" {
					out[i].LastError = at.LastError
				}
			}
		}
	}
	return out, note
}

// fillTarget reads the newest up sample and the scrape interval (the median
// gap between samples) from up's raw samples.
func fillTarget(t *ScrapeTarget, mat model.Matrix) {
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
		t.Interval = Duration(gaps[len(gaps)/2].Round(time.Millisecond))
	}
}

// alertRules reads the alerting rules of the runbook's related alerts.
func (c *Collector) alertRules(ctx context.Context, api promv1.API, timeout time.Duration) ([]AlertRule, string) {
	qctx, cancel := context.WithTimeout(ctx, timeout)
	res, err := api.Rules(qctx, nil)
	cancel()
	if err != nil {
		return nil, promErr(c.clients.PrometheusTarget, "read rules", err)
	}
	a := c.cfg.Prometheus.Alerts
	names := []string{a.RotationFailed, a.TokenExpiringSoon, a.VersionOverflow, a.AuditLogMissing}
	out := []AlertRule{}
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
			rule := AlertRule{Name: ar.Name, Group: g.Name, File: g.File, State: ar.State, Health: string(ar.Health), LastError: ar.LastError,
				Interval: Duration(time.Duration(g.Interval * float64(time.Second)))}
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
