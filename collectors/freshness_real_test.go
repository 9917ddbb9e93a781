package collectors_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors/connect"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/config"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/lab"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/testenv"
	"github.com/oss-ai-agent-tool/kubectl-rotation/runbook"
)

// TestCollect_StaleScrapeTarget: a real Prometheus scraping an exporter
// that then stops. Before, the token expiry metric is fresh and gives the
// orchestrator's TTL; after, its target is down (up 0, the scrape error
// named), the series has no sample now, and the triage takes nothing from
// it for now: the TTL is unknown, saying which metric is stale and which
// target is down.
func TestCollect_StaleScrapeTarget(t *testing.T) {
	testenv.NeedServers(t)
	exp, err := testenv.StartExporter()
	if err != nil {
		t.Fatal(err)
	}
	defer exp.Close()
	const ns = "stale-target"
	labels := func(extra ...string) map[string]string {
		l := map[string]string{"namespace": ns}
		for i := 0; i+1 < len(extra); i += 2 {
			l[extra[i]] = extra[i+1]
		}
		return l
	}
	exp.Set("t", []testenv.Sample{
		{Name: "vault_token_expiry_seconds", Labels: labels("service", "orchestrator"), Value: 28800},
		{Name: "vault_token_renewals_total", Labels: labels("outcome", "success"), Value: 10},
	})
	// two hours of history under the labels the scrape gives the series
	var om strings.Builder
	now := time.Now()
	for at := now.Add(-2 * time.Hour); at.Before(now.Add(-2 * time.Minute)); at = at.Add(5 * time.Minute) {
		fmt.Fprintf(&om, "vault_token_expiry_seconds{instance=%q,job=\"rotation\",namespace=%q,service=\"orchestrator\"} 28800 %d\n", exp.Addr, ns, at.Unix())
	}
	om.WriteString("# EOF\n")
	c := promOnly(t, ns, testenv.PrometheusOptions{Targets: []string{exp.Addr}, Rules: lab.Rules(5), Backfill: om.String()})
	collect := func(ready func(*collectors.Snapshot) bool) *collectors.Snapshot {
		t.Helper()
		deadline := time.Now().Add(40 * time.Second)
		for {
			s := c.Collect(context.Background())
			if s.Prometheus != nil && ready(s) {
				return s
			}
			if time.Now().After(deadline) {
				t.Fatalf("Prometheus never got there: %+v", s.Prometheus)
			}
			time.Sleep(500 * time.Millisecond)
		}
	}
	expiry := func(s *collectors.Snapshot) collectors.Metric {
		for _, m := range s.Prometheus.Metrics {
			if m.Role == "tokenExpirySeconds" {
				return m
			}
		}
		t.Fatal("no token expiry metric")
		return collectors.Metric{}
	}
	up := func(want float64) func(*collectors.Snapshot) bool {
		return func(s *collectors.Snapshot) bool {
			m := expiry(s)
			return len(s.Prometheus.Targets) == 1 && s.Prometheus.Targets[0].Up != nil && *s.Prometheus.Targets[0].Up == want &&
				s.Prometheus.Targets[0].Interval > 0 &&
				len(m.Series) == 1 && (want == 0 || m.Series[0].Value != nil) && len(s.Prometheus.Rules) == 4 && s.Prometheus.Rules[0].LastEvaluation != nil
		}
	}

	fresh := collect(up(1))
	se := expiry(fresh).Series[0]
	// judged against when the snapshot was read, not the test's clock: a
	// loaded machine may take seconds between the two
	if se.SampledAt == nil || fresh.CollectedAt.Sub(*se.SampledAt) > 10*time.Second {
		t.Errorf("newest sample at %v, want within seconds", se.SampledAt)
	}
	tg := fresh.Prometheus.Targets[0]
	// the interval is measured from the up samples' times: about a second,
	// give or take the scrape's jitter on a loaded machine (1.002s was seen)
	if iv := tg.Interval.Duration(); tg.Job != "rotation" || tg.Instance != exp.Addr || iv < 900*time.Millisecond || iv > 1500*time.Millisecond {
		t.Errorf("target %+v, want rotation/%s scraped every second", tg, exp.Addr)
	}
	a := runbook.Triage(fresh, fresh.CollectedAt)
	if len(a.Stale) != 0 {
		t.Errorf("fresh: stale %+v", a.Stale)
	}
	for _, r := range fresh.Prometheus.Rules {
		if r.Query == "" {
			t.Errorf("rule %s read without its query", r.Name)
		}
	}
	if strings.Contains(a.AlertsUnknown, "cannot fire") {
		t.Errorf("fresh: alerts unknown %q", a.AlertsUnknown)
	}
	f, _ := a.Finding(runbook.ScenarioVaultTokenExpired)
	if sy := f.Symptoms[0]; sy.State != runbook.SymptomAbsent || !strings.Contains(sy.Evidence[0].Observed, "8h") {
		t.Errorf("fresh: token-expiring %s %+v (%s), want absent with an 8h TTL from Prometheus", sy.State, sy.Evidence, sy.Reason)
	}

	exp.Close() // the exporter stops; Prometheus keeps trying
	stale := collect(up(0))
	tg = stale.Prometheus.Targets[0]
	if !strings.Contains(tg.LastError, "connection refused") {
		t.Errorf("target's last error %q, want connection refused", tg.LastError)
	}
	if v := expiry(stale).Series[0].Value; v != nil {
		t.Errorf("series value %v after the target went down, want none (staleness marker)", *v)
	}
	a = runbook.Triage(stale, stale.CollectedAt)
	f, _ = a.Finding(runbook.ScenarioVaultTokenExpired)
	sy := f.Symptoms[0]
	t.Logf("token-expiring: %s", sy.Reason)
	for _, w := range []string{"vault_token_expiry_seconds is stale", "target " + exp.Addr + " (job rotation) is down"} {
		if sy.State != runbook.SymptomUnknown || !strings.Contains(sy.Reason, w) {
			t.Errorf("token-expiring %s (%s), want unknown saying %q", sy.State, sy.Reason, w)
		}
	}
	var kinds []string
	for _, s := range a.Stale {
		kinds = append(kinds, s.Kind)
	}
	if !slices.Contains(kinds, runbook.StaleMetric) || !slices.Contains(kinds, runbook.StaleTarget) {
		t.Errorf("stale signals %+v, want the metric and its target", a.Stale)
	}
	if f.Status == runbook.StatusClear {
		t.Errorf("scenario 2 clear on stale data")
	}
	// the lab's VaultTokenExpiringSoon rule reads the metric that went
	// stale: it cannot fire, so the alerts are unknown, not "none firing"
	if !strings.Contains(a.AlertsUnknown, "VaultTokenExpiringSoon reads vault_token_expiry_seconds") {
		t.Errorf("alerts unknown %q, want VaultTokenExpiringSoon blind on the stale metric", a.AlertsUnknown)
	}
	if a.ExitCode() == runbook.ExitOK {
		t.Errorf("exit 0 while the alerts cannot fire")
	}
}

// TestCollect_OnlyTargetDown: a real Prometheus whose one scrape target
// refuses every scrape, so no runbook metric has a series: the down target
// is read and named (its up 0 and scrape error), and the related alerts,
// whose rules read those metrics, are unknown: "none firing" would say
// nothing (N5, N9).
func TestCollect_OnlyTargetDown(t *testing.T) {
	testenv.NeedServers(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := l.Addr().String()
	l.Close() // nothing listens there now: every scrape is refused
	c := promOnly(t, "target-down", testenv.PrometheusOptions{Targets: []string{dead}, Rules: lab.Rules(5)})
	deadline := time.Now().Add(40 * time.Second)
	var s *collectors.Snapshot
	for {
		s = c.Collect(context.Background())
		if p := s.Prometheus; p != nil && len(p.Targets) == 1 && p.Targets[0].Up != nil && len(p.Rules) == 4 && p.Rules[0].LastEvaluation != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the down target was never read: %+v", s.Prometheus)
		}
		time.Sleep(500 * time.Millisecond)
	}
	if tg := s.Prometheus.Targets[0]; tg.Instance != dead || *tg.Up != 0 || !strings.Contains(tg.LastError, "refused") {
		t.Errorf("target %+v, want %s down with its scrape error", tg, dead)
	}
	a := runbook.MustDefault().Triage(s, time.Now())
	if !slices.ContainsFunc(a.Stale, func(sg runbook.StaleSignal) bool {
		return sg.Kind == runbook.StaleTarget && strings.Contains(sg.Detail, "is down")
	}) {
		t.Errorf("stale %+v, want the down target named", a.Stale)
	}
	if !strings.Contains(a.AlertsUnknown, "no runbook metric has a series") || a.ExitCode() == runbook.ExitOK {
		t.Errorf("alerts unknown %q, exit %d: want the alerts unknown, never none firing", a.AlertsUnknown, a.ExitCode())
	}
}

// promOnly starts a real Prometheus of its own with o (stopped when the
// test ends) and returns a read-only collector of namespace ns reading it
// alone: these tests need Prometheus only, never skipped for the others.
func promOnly(t *testing.T, ns string, o testenv.PrometheusOptions) *collectors.Collector {
	t.Helper()
	bins, err := testenv.FindBins()
	if _, serr := os.Stat(bins.Prometheus); serr != nil {
		t.Fatal(err) // never skip: the real servers are the point
	}
	o.Bins, o.Dir = bins, t.TempDir()
	prom, err := testenv.StartPrometheus(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(prom.Stop)
	clients, err := connect.Connect(connect.Options{PrometheusURL: prom.URL, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	return connect.New(clients, collectors.Options{Config: config.Default(), Namespace: ns, SourceTimeout: 20 * time.Second})
}
