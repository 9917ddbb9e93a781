package runbook

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors/auditlog"
)

// How old a signal may be before it is stale. A sample is stale after
// staleScrapeIntervals of its target's scrape interval (never under
// staleMinimum), or after thresholds.staleAfter (5m) when the interval is
// unknown; an alert rule likewise after as many of its group's evaluation
// intervals.
const (
	staleScrapeIntervals = 3
	staleMinimum         = time.Minute
	// renewalLogDefault is how long the orchestrator may go without a
	// VaultTokenRenewal line when the role's token TTL is unknown: the
	// runbook's TTL (24h) — a token renewed in time logs a renewal within
	// each TTL.
	renewalLogDefault = 24 * time.Hour
)

// Kinds of stale signal.
const (
	StaleMetric    = "metric"
	StaleTarget    = "scrape-target"
	StaleAlertRule = "alert-rule"
	// StaleHistory: Prometheus holds data only since well after the
	// history window began (historyShort).
	StaleHistory = "history"
	StaleLog     = "log"
)

// StaleSignal is a signal whose newest data is older than it should be, or
// whose source stopped: what it says about now is unknown, while its
// history still counts as history.
type StaleSignal struct {
	Kind string `json:"kind"`
	// Name is the metric, the target (job/instance), the alert or the log.
	Name   string `json:"name"`
	Detail string `json:"detail"`
	// NewestAt is the time of its newest data, when known.
	NewestAt *time.Time `json:"newestAt,omitempty"`
}

// staleAfter is how old a sample may be given the scrape (or evaluation)
// interval, 0 when unknown (then fallback).
func staleAfter(interval, fallback time.Duration) time.Duration {
	if interval <= 0 {
		return fallback
	}
	return max(staleMinimum, staleScrapeIntervals*interval)
}

// sinceText is how long before ref t was, to the second under a minute
// (freshness is about seconds; ago says "just now").
func sinceText(ref, t time.Time) string {
	if d := ref.Sub(t); d >= 0 && d < time.Minute {
		return fmt.Sprintf("%ds ago", int(d.Seconds()))
	}
	return ago(ref, t)
}

// promAt is when Prometheus was read: the metrics' read time, else the
// source's collection time, else the time of judgement.
func (t *triage) promAt() time.Time {
	if p := t.s.Prometheus; p != nil {
		for _, m := range p.Metrics {
			if !m.At.IsZero() {
				return m.At
			}
		}
	}
	if at := t.s.Source(collectors.SourcePrometheus).CollectedAt; !at.IsZero() {
		return at
	}
	return t.now
}

// scrapeTarget returns the target a series was scraped from, when its up
// state was read.
func (t *triage) scrapeTarget(l map[string]string) *collectors.ScrapeTarget {
	if t.s.Prometheus == nil {
		return nil
	}
	job, inst := l["job"], l["instance"]
	if job == "" && inst == "" {
		return nil
	}
	for i := range t.s.Prometheus.Targets {
		tg := &t.s.Prometheus.Targets[i]
		if tg.Job == job && tg.Instance == inst && tg.Error == "" {
			return tg
		}
	}
	return nil
}

func targetName(tg *collectors.ScrapeTarget) string {
	if tg.Job == "" {
		return tg.Instance
	}
	return fmt.Sprintf("%s (job %s)", tg.Instance, tg.Job)
}

// targetDown says why a target is not being scraped successfully as of
// ref, or "".
func targetDown(tg *collectors.ScrapeTarget, ref time.Time, fallback time.Duration) string {
	scrapeErr := ""
	if tg.LastError != "" {
		scrapeErr = ": " + tg.LastError
	}
	switch {
	case tg.Up == nil:
		return fmt.Sprintf("target %s is no longer scraped (no up sample in the last %s)", targetName(tg), roundDur(collectors.UpWindow))
	case *tg.Up == 0:
		return fmt.Sprintf("target %s is down%s", targetName(tg), scrapeErr)
	case tg.LastScrape != nil && ref.Sub(*tg.LastScrape) > staleAfter(tg.Interval.Duration(), fallback):
		return fmt.Sprintf("target %s was last scraped %s", targetName(tg), sinceText(ref, *tg.LastScrape))
	}
	return ""
}

// seriesStale says why a series' current value is not current, or "": it
// has no sample now although its history has (it vanished), its newest
// sample is older than a few scrape intervals, or its target is down or no
// longer scraped.
func (t *triage) seriesStale(m *collectors.Metric, s collectors.Series) string {
	ref := m.At
	if ref.IsZero() {
		ref = t.promAt()
	}
	tg := t.scrapeTarget(s.Labels)
	interval := time.Duration(0)
	if tg != nil {
		interval = tg.Interval.Duration()
	}
	var parts []string
	switch {
	case s.Value == nil && s.NonFinite != "":
		parts = append(parts, "its value now is "+s.NonFinite+", which tells no value")
	case s.Value == nil && s.SampledAt != nil:
		parts = append(parts, "no sample now, the newest "+sinceText(ref, *s.SampledAt))
	case s.Value == nil:
		// dated by its history alone (a snapshot without sample times):
		// its last step is as current as a value when recent enough
		ts, _ := s.History.Points()
		if len(ts) == 0 || ref.Sub(ts[len(ts)-1]) <= staleAfter(interval, t.s.Config.Thresholds.Stale()) {
			break
		}
		parts = append(parts, "no sample now, the newest in the 24h history "+sinceText(ref, ts[len(ts)-1]))
	case s.SampledAt != nil && ref.Sub(*s.SampledAt) > staleAfter(interval, t.s.Config.Thresholds.Stale()):
		parts = append(parts, "newest sample "+sinceText(ref, *s.SampledAt))
	}
	if tg != nil {
		if why := targetDown(tg, ref, t.s.Config.Thresholds.Stale()); why != "" {
			parts = append(parts, why)
		}
	}
	return strings.Join(parts, ", ")
}

// metricStaleNow says, when none of a metric's series is current, why its
// value now is unknown ("vault_token_expiry_seconds is stale: newest
// sample 15m ago, target orchestrator:9102 (job rotation) is down"); ""
// when a series is current or the metric has no series.
func (t *triage) metricStaleNow(m *collectors.Metric) string {
	first := ""
	for _, s := range m.Series {
		why := t.seriesStale(m, s)
		if why == "" {
			return ""
		}
		if first == "" {
			first = why
		}
	}
	if first == "" {
		return ""
	}
	return m.Name + " is stale: " + first
}

// newestSample is the time of a metric's newest sample, now or in its
// history, or nil.
func newestSample(m *collectors.Metric) *time.Time {
	var out *time.Time
	for _, s := range m.Series {
		at := s.SampledAt
		if at == nil && s.Value == nil && s.History != nil {
			if ts, _ := s.History.Points(); len(ts) > 0 {
				at = &ts[len(ts)-1]
			}
		}
		if at != nil && (out == nil || at.After(*out)) {
			v := *at
			out = &v
		}
	}
	return out
}

// ruleStale says why an alert rule's state is not current, or "".
func ruleStale(r collectors.AlertRule, ref time.Time, fallback time.Duration) string {
	switch {
	case r.Health == "err":
		return fmt.Sprintf("rule %s (group %s) fails to evaluate: %s", r.Name, r.Group, orDefault(r.LastError, "no error given"))
	case r.LastEvaluation == nil:
		return fmt.Sprintf("rule %s (group %s) has never been evaluated", r.Name, r.Group)
	case ref.Sub(*r.LastEvaluation) > staleAfter(r.Interval.Duration(), fallback):
		return fmt.Sprintf("rule group %s last evaluated %s %s (every %s)", r.Group, r.Name, sinceText(ref, *r.LastEvaluation), roundDur(r.Interval.Duration()))
	}
	return ""
}

// alertsStale says, when no related alert's rule is current — each is
// stale, or no rule of its name exists in this Prometheus (it can never
// fire there) — why the alerts are unknown now; "" otherwise (or when the
// rules were not read).
func (t *triage) alertsStale() string {
	p := t.s.Prometheus
	if p == nil || p.Rules == nil || p.RulesError != "" {
		return ""
	}
	ref := t.promAt()
	var whys []string
	for _, r := range p.Rules {
		why := ruleStale(r, ref, t.s.Config.Thresholds.Stale())
		if why == "" {
			return ""
		}
		if !slices.Contains(whys, why) {
			whys = append(whys, why)
		}
	}
	var missing []string
	a := t.s.Config.Prometheus.Alerts
	for _, name := range []string{a.RotationFailed, a.TokenExpiringSoon, a.VersionOverflow, a.AuditLogMissing} {
		if name != "" && !slices.ContainsFunc(p.Rules, func(r collectors.AlertRule) bool { return r.Name == name }) {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		whys = append(whys, "no alerting rule named "+strings.Join(missing, ", ")+" in this Prometheus (they can never fire there: set prometheus.alerts in the config to the names its rules use)")
	}
	if len(whys) == 0 {
		return ""
	}
	if len(p.Rules) == 0 {
		return whys[0]
	}
	return "the alert rules are stale: " + strings.Join(whys, "; ")
}

// alertsBlind says, when a related alert that is not firing or pending has
// a rule whose query reads one of the runbook's metrics and that metric is
// stale now (its exporter down, its target gone), that the alert cannot
// fire: its silence says nothing about now. "" when every such rule reads
// current metrics, or its query is not known (snapshots taken before the
// rules' queries were kept).
func (t *triage) alertsBlind() string {
	p := t.s.Prometheus
	if p == nil || p.Rules == nil || p.RulesError != "" || t.unreadable(collectors.SourcePrometheus) != "" {
		return ""
	}
	stale := map[string]string{}
	noneHasSeries := noRunbookSeries(p)
	for i := range p.Metrics {
		m := &p.Metrics[i]
		if m.Error != "" {
			continue
		}
		if why := t.metricStaleNow(m); why != "" {
			stale[m.Name] = why
		} else if noneHasSeries {
			// none of the runbook's metrics has a series (a Prometheus
			// just restarted empty, the exporter not scraped): a rule
			// reading one reads nothing
			stale[m.Name] = "no runbook metric has a series in Prometheus"
		}
	}
	if len(stale) == 0 {
		return ""
	}
	var whys []string
	first := ""
	for _, r := range p.Rules {
		if r.Query == "" || r.State == "firing" || r.State == "pending" {
			continue
		}
		var reads []string
		for name := range stale {
			if readsMetric(r.Query, name) {
				reads = append(reads, name)
			}
		}
		if len(reads) == 0 {
			continue
		}
		sort.Strings(reads)
		whys = append(whys, fmt.Sprintf("%s reads %s", r.Name, strings.Join(reads, ", ")))
		if first == "" {
			first = stale[reads[0]] // the rules are sorted by name
		}
	}
	if len(whys) == 0 {
		return ""
	}
	return "the alert rules cannot fire on stale metrics: " + strings.Join(whys, "; ") + " (" + first + "): their silence says nothing about now"
}

// readsMetric reports whether a PromQL expression names the metric: the
// name as a whole identifier (not a prefix of a longer one).
func readsMetric(query, name string) bool {
	ident := func(b byte) bool {
		return b == '_' || b == ':' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
	}
	for from := 0; ; {
		i := strings.Index(query[from:], name)
		if i < 0 {
			return false
		}
		i += from
		end := i + len(name)
		if (i == 0 || !ident(query[i-1])) && (end == len(query) || !ident(query[end])) {
			return true
		}
		from = i + 1
	}
}

// renewalLogStale says, when the orchestrator's VaultTokenRenewal lines end
// longer ago than the token's TTL, that the log tells nothing about
// renewals now; "" otherwise.
func (t *triage) renewalLogStale(r *auditlog.RenewalSummary) string {
	last := r.LastOK
	if r.LastError != nil && (last == nil || r.LastError.After(*last)) {
		last = r.LastError
	}
	if last == nil {
		return ""
	}
	limit, what := renewalLogDefault, "the runbook's token TTL"
	if v := t.s.Vault; v != nil && v.Role != nil && v.Role.Found && v.Role.TTL > 0 {
		limit, what = v.Role.TTL.Duration(), "the role's token TTL"
	}
	if t.now.Sub(*last) <= limit {
		return ""
	}
	return fmt.Sprintf("the orchestrator's VaultTokenRenewal lines end %s (%s), longer ago than %s (%s): the log tells nothing about renewals now (the renewal service may have stopped, or the log was cut)",
		ago(t.now, *last), fmtTime(*last), what, roundDur(limit))
}

// noRunbookSeries reports whether every runbook metric was read and none
// has a series: the names, or the scrape, are in question (a labelled
// counter alone has none until its first increment).
func noRunbookSeries(p *collectors.PrometheusData) bool {
	return len(p.Metrics) > 0 && !slices.ContainsFunc(p.Metrics, func(m collectors.Metric) bool { return m.Error != "" || len(m.Series) > 0 })
}

// staleSignals lists every stale signal of the snapshot.
func (t *triage) staleSignals() []StaleSignal {
	out := []StaleSignal{}
	if short, _ := t.historyShort(); short != "" && t.unreadable(collectors.SourcePrometheus) == "" {
		out = append(out, StaleSignal{Kind: StaleHistory, Name: "prometheus", Detail: short})
	}
	if p := t.s.Prometheus; p != nil && t.unreadable(collectors.SourcePrometheus) == "" {
		ref := t.promAt()
		noneHasSeries := noRunbookSeries(p)
		for i := range p.Metrics {
			m := &p.Metrics[i]
			if m.Error != "" {
				continue
			}
			if len(m.Series) == 0 {
				// a labelled counter has no series until its first
				// increment (no failure yet): only when none of the
				// runbook's metrics has one are the names, or the scrape,
				// in question
				if noneHasSeries {
					out = append(out, StaleSignal{Kind: StaleMetric, Name: m.Name, Detail: "no series of " + m.Name +
						" in Prometheus now or over the history window, nor of any other runbook metric: not exported, not scraped, or named otherwise here (set prometheus.metrics in the config)"})
				}
				continue
			}
			why := t.metricStaleNow(m)
			if why == "" || strings.HasPrefix(why, m.Name+" is stale: target ") {
				continue // current, or stale only because its target is, which is listed with its metrics
			}
			out = append(out, StaleSignal{Kind: StaleMetric, Name: m.Name, Detail: why, NewestAt: newestSample(m)})
		}
		for i := range p.Targets {
			tg := &p.Targets[i]
			if tg.Error != "" {
				continue
			}
			if why := targetDown(tg, ref, t.s.Config.Thresholds.Stale()); why != "" {
				out = append(out, StaleSignal{Kind: StaleTarget, Name: tg.Job + "/" + tg.Instance, Detail: why + t.metricsOf(tg), NewestAt: tg.LastScrape})
			}
		}
		for _, r := range p.Rules {
			if why := ruleStale(r, ref, t.s.Config.Thresholds.Stale()); why != "" {
				out = append(out, StaleSignal{Kind: StaleAlertRule, Name: r.Name, Detail: why + ": its alert's state is not current", NewestAt: r.LastEvaluation})
			}
		}
		if p.Rules != nil && p.RulesError == "" {
			a := t.s.Config.Prometheus.Alerts
			for _, name := range []string{a.RotationFailed, a.TokenExpiringSoon, a.VersionOverflow, a.AuditLogMissing} {
				if !slices.ContainsFunc(p.Rules, func(r collectors.AlertRule) bool { return r.Name == name }) {
					out = append(out, StaleSignal{Kind: StaleAlertRule, Name: name,
						Detail: fmt.Sprintf("no alerting rule %s in this Prometheus: it can never fire here, so its silence says nothing", name)})
				}
			}
		}
	}
	if a, why := t.audit(); why == "" {
		r := a.Renewals
		if why := t.renewalLogStale(&r); why != "" {
			last := r.LastOK
			if r.LastError != nil && (last == nil || r.LastError.After(*last)) {
				last = r.LastError
			}
			out = append(out, StaleSignal{Kind: StaleLog, Name: "VaultTokenRenewal", Detail: why, NewestAt: last})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Kind < out[j].Kind })
	return out
}

// metricsOf names the runbook metrics read from a target.
func (t *triage) metricsOf(tg *collectors.ScrapeTarget) string {
	var names []string
	for _, m := range t.s.Prometheus.Metrics {
		for _, s := range m.Series {
			if s.Labels["job"] == tg.Job && s.Labels["instance"] == tg.Instance && !slices.Contains(names, m.Name) {
				names = append(names, m.Name)
			}
		}
	}
	if len(names) == 0 {
		return ""
	}
	return "; metrics read from it: " + strings.Join(names, ", ")
}

// writeStale lists the stale signals: what each says about now is unknown.
func (r Report) writeStale(b *strings.Builder, md bool) {
	if len(r.Stale) == 0 {
		return
	}
	if md {
		b.WriteString("\n## Stale signals\n\nWhat these say about now is unknown; their history still counts.\n\n| kind | signal | why |\n|---|---|---|\n")
	} else {
		b.WriteString("\nSTALE SIGNALS (what they say about now is unknown; their history still counts)\n")
	}
	for _, s := range r.Stale {
		if md {
			fmt.Fprintf(b, "| %s | %s | %s |\n", s.Kind, mdEscape(s.Name), mdEscape(s.Detail))
		} else {
			fmt.Fprintf(b, "  %-13s %s\n", s.Kind, s.Detail)
		}
	}
}

// historyShort says, when Prometheus holds data only since well after the
// history window began (it started then, or keeps less than a day: no
// count(up) at the window's first steps), from when: what its counters
// show over the window before that cannot be told, so an increase of 0 is
// no "none over 24h". "" when the data covers the window, or its coverage
// was not read (then nothing is claimed either way). none is true when
// Prometheus held no scrape at all in the window: its rules read nothing.
func (t *triage) historyShort() (why string, none bool) {
	p := t.s.Prometheus
	if p == nil || p.AlertHistory == nil || p.AlertHistory.Coverage == nil {
		return "", false
	}
	cov := p.AlertHistory.Coverage
	step := cov.Step.Duration()
	first := -1
	for i, v := range cov.Values {
		if v != nil && *v > 0 {
			first = i
			break
		}
	}
	if first < 0 {
		return "Prometheus holds no scrape at all in the last " + roundDur(time.Duration(len(cov.Values))*step) + " (count(up) is absent): its counters cannot tell what happened", true
	}
	began := cov.Start.Add(time.Duration(first) * step)
	if began.Sub(cov.Start) <= historyShortSlack {
		return "", false
	}
	return fmt.Sprintf("Prometheus holds data only since %s (%s ago: it started then, or keeps less than the window): what its counters show before that cannot be told", fmtTime(began), roundDur(t.now.Sub(began))), false
}

// historyShortSlack is how late in the window Prometheus's data may begin
// and still count as covering it.
const historyShortSlack = 30 * time.Minute
