package prom_test

import (
	"context"
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
	if testing.Short() {
		t.Skip("-short: this test needs the real Prometheus (make test runs it)")
	}
	bins, err := testenv.FindBins()
	if _, serr := os.Stat(bins.Prometheus); serr != nil {
		t.Fatal(err) // never skip: the real server is the point
	}
	ex, err := testenv.StartExporter()
	if err != nil {
		t.Fatal(err)
	}
	defer ex.Close()
	const ns = "alerts-ns"
	ex.Set("t", []testenv.Sample{
		{Name: "cmek_rotations_failed_total", Labels: map[string]string{"namespace": ns, "tenant": "t-003"}, Value: 2},
		{Name: "cmek_rotations_failed_total", Labels: map[string]string{"namespace": "other", "tenant": "t-001"}, Value: 1},
		{Name: "vault_token_expiry_seconds", Labels: map[string]string{"namespace": ns}, Value: 600},
	})
	started := time.Now()
	p, err := testenv.StartPrometheus(context.Background(), testenv.PrometheusOptions{Bins: bins, Dir: t.TempDir(), Targets: []string{ex.Addr}, Rules: alertHistoryRules})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	clients, err := connect.Connect(connect.Options{PrometheusURL: p.URL, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	src := &prom.Source{Client: clients.Prometheus, Target: p.URL}
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
