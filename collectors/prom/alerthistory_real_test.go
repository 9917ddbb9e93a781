package prom_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors/connect"
	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors/prom"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/config"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/testenv"
)

// alertHistoryRules fire at once on the fed samples (Prometheus evaluates
// rules at the current time only, every second in the harness):
// CMEKRotationFailed fires for every namespace with a failure counted,
// VaultTokenExpiringSoon stays pending (for: 1h), and an alert that is not
// one of the runbook's fires too, to be left out.
const alertHistoryRules = `groups:
- name: secret-rotation
  rules:
  - alert: CMEKRotationFailed
    expr: max by (namespace) (cmek_rotations_failed_total) > 0
    labels: {severity: critical}
  - alert: VaultTokenExpiringSoon
    expr: min by (namespace) (vault_token_expiry_seconds) < 3600
    for: 1h
  - alert: DiskAlmostFull
    expr: max by (namespace) (cmek_rotations_failed_total) > 0
`

// TestAlertHistory_Real: the Prometheus source fills
// PrometheusData.AlertHistory from a real Prometheus's ALERTS series: the
// firing and the pending related alert of this namespace, at 1m steps over
// the last 24h, valued 1 from when they began (nothing before Prometheus
// started); another namespace's series and alerts that are not the
// runbook's are left out.
func TestAlertHistory_Real(t *testing.T) {
	t.Parallel() // each waits for a whole minute step: together
	const ns = "alerts-ns"
	started := time.Now()
	src := realSource(t, []testenv.Sample{
		{Name: "cmek_rotations_failed_total", Labels: map[string]string{"namespace": ns, "tenant": "t-003"}, Value: 2},
		{Name: "cmek_rotations_failed_total", Labels: map[string]string{"namespace": "other", "tenant": "t-001"}, Value: 1},
		{Name: "vault_token_expiry_seconds", Labels: map[string]string{"namespace": ns}, Value: 600},
	}, testenv.PrometheusOptions{Rules: alertHistoryRules})
	env := collectors.Env{Config: config.Default(), Namespace: ns}

	// the history is read at whole-minute steps: a state shows once a step
	// has passed since it began (up to a minute after the first scrape)
	byKey := func(h *collectors.AlertHistory) map[string]collectors.Series {
		out := map[string]collectors.Series{}
		for _, s := range h.Series {
			out[s.Labels["alertname"]+"/"+s.Labels["alertstate"]+"/"+s.Labels["namespace"]] = s
		}
		return out
	}
	points := func(s collectors.Series) []time.Time {
		ts, _ := s.History.Points()
		return ts
	}
	var h *collectors.AlertHistory
	deadline := time.Now().Add(100 * time.Second)
	for {
		part := src.Collect(context.Background(), env)
		if part.Prometheus == nil {
			t.Fatalf("no Prometheus data: %+v", part.Status)
		}
		if e := part.Prometheus.AlertHistoryError; e != "" {
			t.Fatalf("alert history: %s", e)
		}
		h = part.Prometheus.AlertHistory
		if h == nil {
			t.Fatal("alert history nil without an error")
		}
		s := byKey(h)
		if len(points(s["CMEKRotationFailed/firing/"+ns])) > 0 && len(points(s["VaultTokenExpiringSoon/pending/"+ns])) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 100s the history holds %d series: %+v", len(h.Series), h.Series)
		}
		time.Sleep(2 * time.Second)
	}

	if h.Step.Duration() != time.Minute || h.End.Sub(h.Start) < 24*time.Hour || h.End.Sub(h.Start) > 24*time.Hour+time.Minute || h.End.Before(started) {
		t.Errorf("window %s – %s, step %s; want the last 24h at 1m", h.Start, h.End, h.Step)
	}
	series := byKey(h)
	for key, s := range series {
		if s.Labels["namespace"] != ns {
			t.Errorf("series of another namespace kept: %v", s.Labels)
		}
		if !strings.HasPrefix(key, "CMEKRotationFailed/") && !strings.HasPrefix(key, "VaultTokenExpiringSoon/") {
			t.Errorf("an alert that is not the runbook's kept: %v", s.Labels)
		}
		if _, ok := s.Labels["__name__"]; ok {
			t.Errorf("__name__ kept in %v", s.Labels)
		}
		if s.History == nil || s.History.Step.Duration() != time.Minute || !s.History.Start.Equal(h.Start) {
			t.Errorf("%s: history %+v not on the window's steps", key, s.History)
			continue
		}
		ts, vs := s.History.Points()
		for i, at := range ts {
			if vs[i] != 1 {
				t.Errorf("%s at %s = %g, want 1 (ALERTS is 1 while in its state)", key, at, vs[i])
			}
			if at.Before(started.Add(-time.Minute)) || at.After(h.End) {
				t.Errorf("%s has a point at %s, before Prometheus started (%s) or after the window", key, at, started)
			}
		}
	}
	if s := series["CMEKRotationFailed/firing/"+ns]; s.Labels["severity"] != "critical" {
		t.Errorf("the firing series lacks its rule's labels: %v", s.Labels)
	}
	if _, ok := series["VaultTokenExpiringSoon/firing/"+ns]; ok {
		t.Error("VaultTokenExpiringSoon (for: 1h) shows firing; it can only be pending yet")
	}
}

// TestAlertHistory_RealCoverage: beside the ALERTS series, the history says
// when Prometheus held any data (count(up)) on a real Prometheus whose
// store holds three hours of an older run (back-filled: its up and a firing
// ALERTS series, from 6h to 3h ago), then nothing until it started now:
// the coverage has values in the old run and since the first scrape, none
// in between (after the 5-minute lookback), none before the old run; the
// ALERTS series stops where the data does, which only the coverage tells
// apart from a resolution.
func TestAlertHistory_RealCoverage(t *testing.T) {
	t.Parallel() // each waits for a whole minute step: together
	const ns = "gap-ns"
	now := time.Now()
	oldFrom, oldTo := now.Add(-6*time.Hour).Truncate(time.Minute), now.Add(-3*time.Hour).Truncate(time.Minute)
	var om strings.Builder
	om.WriteString("# TYPE up gauge\n")
	for at := oldFrom; !at.After(oldTo); at = at.Add(30 * time.Second) {
		fmt.Fprintf(&om, "up{job=\"old\",instance=\"old:9090\"} 1 %d\n", at.Unix())
	}
	om.WriteString("# TYPE ALERTS gauge\n")
	for at := oldFrom; !at.After(oldTo); at = at.Add(30 * time.Second) {
		fmt.Fprintf(&om, "ALERTS{alertname=\"CMEKRotationFailed\",alertstate=\"firing\",namespace=%q} 1 %d\n", ns, at.Unix())
	}
	om.WriteString("# EOF\n")
	started := time.Now()
	src := realSource(t, []testenv.Sample{{Name: "vault_token_expiry_seconds", Labels: map[string]string{"namespace": ns}, Value: 86400}},
		testenv.PrometheusOptions{Backfill: om.String()})
	env := collectors.Env{Config: config.Default(), Namespace: ns}
	var h *collectors.AlertHistory
	for deadline := time.Now().Add(100 * time.Second); ; time.Sleep(2 * time.Second) {
		part := src.Collect(context.Background(), env)
		if part.Prometheus == nil || part.Prometheus.AlertHistory == nil {
			t.Fatalf("no alert history: %+v", part.Status)
		}
		h = part.Prometheus.AlertHistory
		if h.Coverage != nil {
			if ts, _ := h.Coverage.Points(); len(ts) > 0 && ts[len(ts)-1].After(started) {
				break // scraped since it started
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 100s no coverage since the start: %+v (%s)", h.Coverage, h.CoverageError)
		}
	}
	if h.CoverageError != "" || h.Coverage.Step != h.Step || !h.Coverage.Start.Equal(h.Start) {
		t.Fatalf("coverage %+v, error %q: want it on the history's steps", h.Coverage, h.CoverageError)
	}
	at := func(i int) time.Time { return h.Start.Add(time.Duration(i) * h.Step.Duration()) }
	var inOld, inGap, before, since int
	for i, v := range h.Coverage.Values {
		switch t := at(i); {
		case t.Before(oldFrom):
			if v != nil {
				before++
			}
		case !t.After(oldTo):
			if v != nil {
				inOld++
			}
		case t.After(oldTo.Add(6*time.Minute)) && t.Before(started.Add(-time.Minute)):
			if v != nil {
				inGap++
			}
		case !t.Before(started.Add(-time.Minute)):
			if v != nil {
				since++
			}
		}
	}
	if want := int(oldTo.Sub(oldFrom)/time.Minute) - 1; inOld < want || before != 0 || inGap != 0 || since == 0 {
		t.Errorf("coverage: %d steps with data in the old run (want at least %d), %d before it, %d in the gap (want none), %d since the start (want some)", inOld, want, before, inGap, since)
	}
	var firing *collectors.Series
	for i := range h.Series {
		if h.Series[i].Labels["alertname"] == "CMEKRotationFailed" && h.Series[i].Labels["alertstate"] == "firing" {
			firing = &h.Series[i]
		}
	}
	if firing == nil {
		t.Fatalf("the back-filled firing ALERTS series is not in the history: %+v", h.Series)
	}
	ts, _ := firing.History.Points()
	if len(ts) == 0 || ts[0].Before(oldFrom) || ts[len(ts)-1].After(oldTo.Add(6*time.Minute)) {
		t.Errorf("firing points %v, want them within the old run", ts)
	}
}

// realSource starts a real Prometheus scraping an exporter of the given
// samples (with rules and back-filled history, o's other fields) and
// returns the Prometheus source reading it; both stop with the test. A
// -short run skips; a missing server fails.
func realSource(t *testing.T, samples []testenv.Sample, o testenv.PrometheusOptions) *prom.Source {
	t.Helper()
	testenv.NeedServers(t)
	bins, err := testenv.FindBins()
	if _, serr := os.Stat(bins.Prometheus); serr != nil {
		t.Fatal(err) // never skip: the real server is the point
	}
	ex, err := testenv.StartExporter()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ex.Close)
	ex.Set("t", samples)
	o.Bins, o.Dir, o.Targets = bins, t.TempDir(), []string{ex.Addr}
	p, err := testenv.StartPrometheus(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Stop)
	clients, err := connect.Connect(connect.Options{PrometheusURL: p.URL, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	return &prom.Source{Client: clients.Prometheus, Target: p.URL}
}
