package runbook

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors/auditlog"
)

// scraped gives every series of the healthy snapshot the labels of one
// scrape target, with that target's up state and the series' newest
// sample seconds before the read; f then changes what the case needs.
func scraped(f func(s *collectors.Snapshot, tg *collectors.ScrapeTarget)) snapOpt {
	return func(s *collectors.Snapshot) {
		s.Vault.OrchestratorToken = nil // the TTL comes from Prometheus
		s.Vault.OrchestratorTokenNote = "list token accessors (needs sudo on auth/token/accessors): permission denied"
		for i := range s.Prometheus.Metrics {
			m := &s.Prometheus.Metrics[i]
			m.At = testNow
			for j := range m.Series {
				m.Series[j].Labels["job"], m.Series[j].Labels["instance"] = "rotation", "orchestrator:9102"
				m.Series[j].SampledAt = before(5 * time.Second)
			}
		}
		s.Prometheus.Targets = []collectors.ScrapeTarget{{Job: "rotation", Instance: "orchestrator:9102", Up: ptr(1.0),
			LastScrape: before(5 * time.Second), Interval: collectors.Duration(15 * time.Second)}}
		s.Prometheus.Rules = []collectors.AlertRule{}
		for _, name := range []string{"CMEKRotationFailed", "VaultTokenExpiringSoon", "SecretVersionOverflow", "AuditLogMissing"} {
			s.Prometheus.Rules = append(s.Prometheus.Rules, collectors.AlertRule{Name: name, Group: "secret-rotation", Interval: collectors.Duration(time.Minute),
				LastEvaluation: before(20 * time.Second), Health: "ok", State: "inactive"})
		}
		if f != nil {
			f(s, &s.Prometheus.Targets[0])
		}
	}
}

// TestTriage_Freshness: a metric whose newest sample is old, whose target
// is down or no longer scraped, or whose series vanished is unknown for
// "now" (the TTL it gives is not used), named with its age and target.
func TestTriage_Freshness(t *testing.T) {
	expiry := func(s *collectors.Snapshot) *collectors.Series {
		return &metricOf(t, s, "tokenExpirySeconds").Series[0]
	}
	cases := map[string]struct {
		opt       snapOpt
		ttlKnown  bool
		want      []string // in token-expiring's reason, or in the stale list
		staleKind []string
	}{
		"fresh": {opt: scraped(nil), ttlKnown: true},
		"target down": {
			opt: scraped(func(s *collectors.Snapshot, tg *collectors.ScrapeTarget) {
				tg.Up, tg.LastError = ptr(0.0), `Get "http://orchestrator:9102/metrics": dial tcp: connection refused`
			}),
			want: []string{"vault_token_expiry_seconds is stale", "target orchestrator:9102 (job rotation) is down: Get \"http://orchestrator:9102/metrics\": dial tcp: connection refused",
				"metrics read from it: vault_token_expiry_seconds, vault_token_renewals_total"},
			staleKind: []string{StaleTarget}, // the metrics are listed with it, not each again
		},
		"newest sample 15m old": {
			opt: scraped(func(s *collectors.Snapshot, tg *collectors.ScrapeTarget) {
				expiry(s).SampledAt = before(15 * time.Minute)
			}),
			want:      []string{"vault_token_expiry_seconds is stale: newest sample 15m ago"},
			staleKind: []string{StaleMetric},
		},
		"a sample two intervals old is fresh": {
			opt: scraped(func(s *collectors.Snapshot, tg *collectors.ScrapeTarget) {
				expiry(s).SampledAt = before(50 * time.Second) // 3 × 15s is under the minimum of 1m
			}),
			ttlKnown: true,
		},
		"series vanished": {
			opt: scraped(func(s *collectors.Snapshot, tg *collectors.ScrapeTarget) {
				se := expiry(s)
				se.Value, se.SampledAt = nil, nil
				*se.History = collectors.History{Start: testNow.Add(-2 * time.Hour), Step: collectors.Duration(5 * time.Minute)}
				for i := 0; i < 21; i++ { // samples until 20m ago
					se.History.Values = append(se.History.Values, ptr(3600.0))
				}
				tg.Up = nil
			}),
			want:      []string{"no sample now, the newest in the 24h history 20m ago", "target orchestrator:9102 (job rotation) is no longer scraped"},
			staleKind: []string{StaleMetric, StaleTarget},
		},
		"series vanished seconds ago": {
			opt: scraped(func(s *collectors.Snapshot, tg *collectors.ScrapeTarget) {
				se := expiry(s)
				se.Value, se.SampledAt = nil, before(40*time.Second)
				tg.Up, tg.LastError = ptr(0.0), "connection refused"
			}),
			want:      []string{"vault_token_expiry_seconds is stale: no sample now, the newest 40s ago, target orchestrator:9102 (job rotation) is down: connection refused"},
			staleKind: []string{StaleMetric, StaleTarget},
		},
		"Prometheus stopped scraping: last scrape 12m ago": {
			opt: scraped(func(s *collectors.Snapshot, tg *collectors.ScrapeTarget) {
				tg.LastScrape = before(12 * time.Minute)
				expiry(s).SampledAt = before(12 * time.Minute)
			}),
			want:      []string{"newest sample 12m ago", "target orchestrator:9102 (job rotation) was last scraped 12m ago"},
			staleKind: []string{StaleMetric, StaleTarget},
		},
		"one of two series fresh": {
			opt: scraped(func(s *collectors.Snapshot, tg *collectors.ScrapeTarget) {
				m := metricOf(t, s, "tokenExpirySeconds")
				m.Series = append(m.Series, collectors.Series{Labels: map[string]string{"job": "rotation", "instance": "orchestrator-2:9102"}, Value: ptr(60.0), SampledAt: before(time.Hour)})
			}),
			ttlKnown: true, // the fresh one; the stale 60s one is not taken as now
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			a := Triage(healthySnapshot(t, tc.opt), testNow)
			sy := symptom(t, finding(t, a, ScenarioVaultTokenExpired), SymTokenExpiring)
			if tc.ttlKnown {
				if sy.State != SymptomAbsent {
					t.Errorf("token-expiring %s (%s %v), want absent from the fresh series", sy.State, sy.Reason, sy.Evidence)
				}
			} else if sy.State != SymptomUnknown {
				t.Errorf("token-expiring %s (%v), want unknown", sy.State, sy.Evidence)
			}
			var stale []string
			text := sy.Reason
			for _, s := range a.Stale {
				stale = append(stale, s.Kind)
				text += "\n" + s.Detail
			}
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("reason and stale signals\n%s\nlack %q", text, w)
				}
			}
			for _, k := range tc.staleKind {
				if !slices.Contains(stale, k) {
					t.Errorf("stale kinds %v lack %s", stale, k)
				}
			}
			if len(tc.staleKind) == 0 && len(a.Stale) > 0 {
				t.Errorf("stale = %+v, want none", a.Stale)
			}
		})
	}
}

// TestTriage_FreshnessHistory: a stale renewal metric still counts its
// history (failures in it are evidence), but says nothing about now: with
// the renewal log also ending long ago, renewal-failures is unknown.
func TestTriage_FreshnessHistory(t *testing.T) {
	down := scraped(func(s *collectors.Snapshot, tg *collectors.ScrapeTarget) { tg.Up = ptr(0.0) })
	oldLog := func(s *collectors.Snapshot) {
		s.Logs.Audit.Renewals = auditlog.RenewalSummary{OK: 20, LastOK: before(3 * 24 * time.Hour)}
	}
	t.Run("failures in the history count", func(t *testing.T) {
		a := Triage(healthySnapshot(t, down, oldLog, func(s *collectors.Snapshot) {
			m := metricOf(t, s, "tokenRenewals")
			m.Series[1].History = risingHistory(2, 1, 3) // failures in the last 3h
		}), testNow)
		if sy := symptom(t, finding(t, a, ScenarioVaultTokenExpired), SymRenewalFailures); sy.State != SymptomPresent {
			t.Errorf("renewal-failures %s (%s), want present from the history", sy.State, sy.Reason)
		}
	})
	t.Run("no failure in the history: unknown now", func(t *testing.T) {
		a := Triage(healthySnapshot(t, down, oldLog), testNow)
		sy := symptom(t, finding(t, a, ScenarioVaultTokenExpired), SymRenewalFailures)
		if sy.State != SymptomUnknown || !strings.Contains(sy.Reason, "vault_token_renewals_total is stale") ||
			!strings.Contains(sy.Reason, "VaultTokenRenewal lines end 3d ago") {
			t.Errorf("renewal-failures %s (%s), want unknown naming the stale metric and log", sy.State, sy.Reason)
		}
	})
	t.Run("a fresh log still tells", func(t *testing.T) {
		a := Triage(healthySnapshot(t, down), testNow)
		if sy := symptom(t, finding(t, a, ScenarioVaultTokenExpired), SymRenewalFailures); sy.State != SymptomAbsent {
			t.Errorf("renewal-failures %s (%s), want absent from the log", sy.State, sy.Reason)
		}
	})
	t.Run("renewal log stale is listed", func(t *testing.T) {
		a := Triage(healthySnapshot(t, oldLog), testNow)
		if !slices.ContainsFunc(a.Stale, func(s StaleSignal) bool { return s.Kind == StaleLog && s.NewestAt != nil }) {
			t.Errorf("stale = %+v, want the renewal log", a.Stale)
		}
	})
}

// TestTriage_AlertRulesFreshness: when every related alert rule's group
// stopped evaluating, the alerts are unknown (not "none firing"); one
// current rule keeps them known; a rule missing is named.
func TestTriage_AlertRulesFreshness(t *testing.T) {
	stale := func(n int) snapOpt {
		return scraped(func(s *collectors.Snapshot, _ *collectors.ScrapeTarget) {
			for i := 0; i < n; i++ {
				s.Prometheus.Rules[i].LastEvaluation = before(20 * time.Minute)
			}
		})
	}
	a := Triage(healthySnapshot(t, stale(4)), testNow)
	if !strings.Contains(a.AlertsUnknown, "rule group secret-rotation last evaluated CMEKRotationFailed 20m ago") || a.ExitCode() == ExitOK || a.Facts.FiringAlerts != nil {
		t.Errorf("alerts unknown %q, exit %d, firing %v; want unknown naming the group", a.AlertsUnknown, a.ExitCode(), a.Facts.FiringAlerts)
	}
	a = Triage(healthySnapshot(t, stale(3)), testNow)
	if a.AlertsUnknown != "" {
		t.Errorf("alerts unknown %q with one rule current", a.AlertsUnknown)
	}
	if n := len(a.Stale); n != 3 {
		t.Errorf("%d stale signals (%+v), want the 3 stale rules", n, a.Stale)
	}
	// some rules stale: their alerts' silence tells nothing, so the count
	// is unknown, the exit code says so and the text report names them
	if a.Facts.FiringAlerts != nil || a.ExitCode() != ExitUnknown || len(a.StaleRules()) != 3 {
		t.Errorf("3 rules stale: firing %v, exit %d, stale rules %q; want unknown, 3", a.Facts.FiringAlerts, a.ExitCode(), a.StaleRules())
	}
	var text strings.Builder
	if err := mustDefault(t).NewReport(healthySnapshot(t, stale(3)), testNow, "test").WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if out := text.String(); strings.Contains(out, "none firing or pending") || !strings.Contains(out, "cannot tell: 3 related alert rule(s) whose state is not current") {
		t.Errorf("text report on 3 stale rules:\n%s", out)
	}
	a = Triage(healthySnapshot(t, scraped(func(s *collectors.Snapshot, _ *collectors.ScrapeTarget) {
		s.Prometheus.Rules = s.Prometheus.Rules[1:]
		s.Prometheus.Rules[0].Health, s.Prometheus.Rules[0].LastError = "err", "vector contains metrics with the same labelset"
	})), testNow)
	var details []string
	for _, s := range a.Stale {
		details = append(details, s.Detail)
	}
	joined := strings.Join(details, "\n")
	for _, w := range []string{"no alerting rule CMEKRotationFailed in this Prometheus", "rule VaultTokenExpiringSoon (group secret-rotation) fails to evaluate: vector contains"} {
		if !strings.Contains(joined, w) {
			t.Errorf("stale signals\n%s\nlack %q", joined, w)
		}
	}
	// none of the related alerts has a rule here (a Prometheus without
	// them, or rules under other names): their silence is no "none
	// firing"; one rule of them current keeps them known
	for name, tc := range map[string]struct {
		keep    int // rules kept, from the end
		unknown bool
	}{"no rule at all": {0, true}, "one current rule": {1, false}} {
		a := Triage(healthySnapshot(t, scraped(func(s *collectors.Snapshot, _ *collectors.ScrapeTarget) {
			s.Prometheus.Rules = s.Prometheus.Rules[len(s.Prometheus.Rules)-tc.keep:]
			s.Prometheus.Alerts = []collectors.Alert{}
		})), testNow)
		if got := a.AlertsUnknown != ""; got != tc.unknown || (tc.unknown && (a.Facts.FiringAlerts != nil || a.ExitCode() != ExitUnknown || !strings.Contains(a.AlertsUnknown, "no alerting rule named CMEKRotationFailed, VaultTokenExpiringSoon"))) {
			t.Errorf("%s: alerts unknown %q, firing %v, exit %d; want unknown %v", name, a.AlertsUnknown, a.Facts.FiringAlerts, a.ExitCode(), tc.unknown)
		}
	}
}

// TestReport_Stale: the report lists the stale signals.
func TestReport_Stale(t *testing.T) {
	s := healthySnapshot(t, scraped(func(s *collectors.Snapshot, tg *collectors.ScrapeTarget) { tg.Up = ptr(0.0) }))
	r := mustDefault(t).NewReport(s, testNow, "test")
	var b strings.Builder
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "STALE SIGNALS") || !strings.Contains(b.String(), "target orchestrator:9102 (job rotation) is down") {
		t.Errorf("report lacks the stale signals:\n%s", b.String())
	}
}

// TestBook_Verify_StaleMetrics: the rotation-metrics check does not pass
// on a stale failure counter: unknown, naming it.
func TestBook_Verify_StaleMetrics(t *testing.T) {
	s := healthySnapshot(t, scraped(func(s *collectors.Snapshot, tg *collectors.ScrapeTarget) { tg.Up = ptr(0.0) }))
	r := mustDefault(t).Verify(s, testNow, []string{"rotation-metrics"})
	if r[0].State != CheckUnknown || !strings.HasPrefix(r[0].Detail, "cmek_rotations_failed_total is stale") {
		t.Errorf("%s: %s, want unknown on the stale counter", r[0].State, r[0].Detail)
	}
	r = mustDefault(t).Verify(healthySnapshot(t, scraped(nil)), testNow, []string{"rotation-metrics"})
	if r[0].State == CheckUnknown {
		t.Errorf("fresh: %s: %s", r[0].State, r[0].Detail)
	}
}

// TestTriage_StaleRotationCounter: a rotation counter that stopped being
// scraped and counted nothing is no "no rotation in the last day": with no
// audit event and no rotation Job in the day, Scenario 6's trail symptom
// is unknown, naming the stale counter.
func TestTriage_StaleRotationCounter(t *testing.T) {
	noRunToday := func(s *collectors.Snapshot) {
		j := jobOfRole(s, collectors.RoleRotation)
		j.Started, j.Finished = before(30*time.Hour), before(29*time.Hour+55*time.Minute)
		j.ScheduledAt, j.Created = j.Started, *j.Started
	}
	cases := map[string]struct {
		target func(s *collectors.Snapshot, tg *collectors.ScrapeTarget)
		state  SymptomState
		says   string
	}{
		"fresh counter, flat: no rotation to miss": {state: SymptomAbsent},
		"target down, flat: unknown": {target: func(s *collectors.Snapshot, tg *collectors.ScrapeTarget) { tg.Up = ptr(0.0) },
			state: SymptomUnknown, says: "cmek_rotation_total is stale"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := healthySnapshot(t, logsSince(9*24*time.Hour, 0), scraped(tc.target), noRunToday)
			sy := symptom(t, finding(t, Triage(s, testNow), ScenarioAuditMissing), SymRotationsWithoutAudit)
			if sy.State != tc.state || !strings.Contains(sy.Reason, tc.says) {
				t.Errorf("rotations-without-audit %s (%s %v), want %s saying %q", sy.State, sy.Reason, sy.Evidence, tc.state, tc.says)
			}
		})
	}
}

// TestTriage_AlertsBlindOnStaleMetrics: a related alert that is not firing
// and whose rule reads a runbook metric that is stale now (its exporter
// down) cannot fire: "none firing" says nothing, the alerts are unknown and
// "all clear, exit 0" is never said; a firing alert, a rule reading only
// current metrics, or one whose query is not known is judged as before.
func TestTriage_AlertsBlindOnStaleMetrics(t *testing.T) {
	queries := map[string]string{
		"CMEKRotationFailed":     "increase(cmek_rotations_failed_total[1h]) > 0",
		"VaultTokenExpiringSoon": "min(vault_token_expiry_seconds) < 3600",
		"SecretVersionOverflow":  `vault_kv_versions{path=~"tenants/.*"} > 5`,
		"AuditLogMissing":        "increase(cmek_rotation_total[2h]) > 0 unless on() audit_events_total",
	}
	withQueries := func(down bool, query func(name string) string) snapOpt {
		return scraped(func(s *collectors.Snapshot, tg *collectors.ScrapeTarget) {
			for i := range s.Prometheus.Rules {
				s.Prometheus.Rules[i].Query = query(s.Prometheus.Rules[i].Name)
			}
			if down {
				tg.Up, tg.LastError = ptr(0.0), "connection refused"
				for i := range s.Prometheus.Metrics {
					for j := range s.Prometheus.Metrics[i].Series {
						s.Prometheus.Metrics[i].Series[j].SampledAt = before(3 * time.Minute)
					}
				}
			}
		})
	}
	cases := map[string]struct {
		opt   snapOpt
		blind []string // alert names the unknown reason must name; nil: not unknown
	}{
		"exporter up: the alerts are read": {opt: withQueries(false, func(n string) string { return queries[n] })},
		"exporter down: the rules reading its metrics are blind": {opt: withQueries(true, func(n string) string { return queries[n] }),
			blind: []string{"CMEKRotationFailed reads cmek_rotations_failed_total", "VaultTokenExpiringSoon reads vault_token_expiry_seconds"}},
		"exporter down, queries not known (an older snapshot)": {opt: withQueries(true, func(string) string { return "" })},
		// a Prometheus restarted empty, or the exporter never scraped: no
		// runbook metric has a series, so no rule reading one can fire (N5)
		"no runbook metric has a series": {opt: func(s *collectors.Snapshot) {
			withQueries(false, func(n string) string { return queries[n] })(s)
			for i := range s.Prometheus.Metrics {
				s.Prometheus.Metrics[i].Series = nil
			}
			s.Prometheus.Targets = nil
		}, blind: []string{"CMEKRotationFailed reads cmek_rotations_failed_total", "no runbook metric has a series"}},
		"a longer metric name is not the stale one": {opt: withQueries(true, func(string) string { return "vault_token_expiry_seconds_bucket > 1" })},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			a := Triage(healthySnapshot(t, tc.opt), testNow)
			if tc.blind == nil {
				if strings.Contains(a.AlertsUnknown, "cannot fire on stale metrics") {
					t.Errorf("alerts unknown %q, want them read", a.AlertsUnknown)
				}
				return
			}
			for _, w := range tc.blind {
				if !strings.Contains(a.AlertsUnknown, w) {
					t.Errorf("alerts unknown %q lacks %q", a.AlertsUnknown, w)
				}
			}
			if a.Overall == SeverityNone || a.ExitCode() == ExitOK {
				t.Errorf("overall %s, exit %d: all clear while the alerts cannot fire", a.Overall, a.ExitCode())
			}
			if a.Facts.FiringAlerts != nil {
				t.Errorf("firing alerts %d, want unknown", *a.Facts.FiringAlerts)
			}
		})
	}
}

// TestTriage_PrometheusHistoryShort: a Prometheus that holds data only
// since a minute ago (just started, or keeping less than a day) has not
// seen the day: "renewal failures over 24h: none" and "no rotation
// counted" are unknown, and the report says from when its data begins.
func TestTriage_PrometheusHistoryShort(t *testing.T) {
	covered := func(from time.Duration) snapOpt {
		return func(s *collectors.Snapshot) {
			start := testNow.Add(-26 * time.Hour).Truncate(time.Minute)
			n := int(testNow.Sub(start)/time.Minute) + 1
			h := &collectors.History{Start: start, Step: collectors.Duration(time.Minute), Values: make([]*float64, n)}
			for i := range h.Values {
				if at := start.Add(time.Duration(i) * time.Minute); !at.Before(testNow.Add(-from)) {
					h.Values[i] = ptr(3.0)
				}
			}
			s.Prometheus.AlertHistory = &collectors.AlertHistory{Start: start, End: testNow, Step: collectors.Duration(time.Minute), Coverage: h}
		}
	}
	// the logs alone would still show the renewals: without them, only
	// Prometheus's counter judges
	noLog := broken(collectors.SourceLogs)
	for name, tc := range map[string]struct {
		from  time.Duration
		want  SymptomState
		stale bool
	}{
		"a day and more of data":  {27 * time.Hour, SymptomAbsent, false},
		"data since a minute ago": {time.Minute, SymptomUnknown, true},
	} {
		t.Run(name, func(t *testing.T) {
			a := Triage(healthySnapshot(t, covered(tc.from), noLog), testNow)
			sy := symptom(t, finding(t, a, ScenarioVaultTokenExpired), SymRenewalFailures)
			if sy.State != tc.want {
				t.Errorf("renewal failures %s (%s) %+v, want %s", sy.State, sy.Reason, sy.Evidence, tc.want)
			}
			got := slices.ContainsFunc(a.Stale, func(s StaleSignal) bool {
				return s.Kind == StaleHistory && strings.Contains(s.Detail, "Prometheus holds data only since")
			})
			if got != tc.stale {
				t.Errorf("stale %+v, want a history signal: %v", a.Stale, tc.stale)
			}
		})
	}
	// no scrape at all: the alert rules read nothing and cannot fire
	a := Triage(healthySnapshot(t, covered(-time.Minute)), testNow)
	if !strings.Contains(a.AlertsUnknown, "its alert rules read no data") || a.Facts.FiringAlerts != nil || a.ExitCode() != ExitUnknown {
		t.Errorf("no scrape: alerts unknown %q, firing %v, exit %d; want unknown", a.AlertsUnknown, a.Facts.FiringAlerts, a.ExitCode())
	}
}

// TestTriage_MetricWithNoSeries: configured metric names that no series
// carries (other names in this Prometheus, an exporter not scraped) are
// said, never passed over; one labelled counter without a series (no
// failure yet) is normal and not said.
func TestTriage_MetricWithNoSeries(t *testing.T) {
	said := func(a Assessment) int {
		n := 0
		for _, s := range a.Stale {
			if s.Kind == StaleMetric && strings.Contains(s.Detail, "set prometheus.metrics in the config") {
				n++
			}
		}
		return n
	}
	none := Triage(healthySnapshot(t, func(s *collectors.Snapshot) {
		for i := range s.Prometheus.Metrics {
			s.Prometheus.Metrics[i].Series = nil
		}
	}), testNow)
	if n := said(none); n != len(none.Stale) || n == 0 {
		t.Errorf("no metric has a series: stale %+v, want each named", none.Stale)
	}
	one := Triage(healthySnapshot(t, func(s *collectors.Snapshot) { metricOf(t, s, "rotationsFailed").Series = nil }), testNow)
	if n := said(one); n != 0 {
		t.Errorf("only the failure counter has no series: stale %+v, want none said", one.Stale)
	}
}
