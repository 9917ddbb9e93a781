package prom_test

import (
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/config"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/testenv"
	"github.com/oss-ai-agent-tool/kubectl-rotation/runbook"
)

// TestCollect_NaNAndInf: an exporter that exposes NaN or +Inf for the
// token expiry gauge (what client libraries expose for a value never
// set, or one divided by zero), scraped by a real Prometheus. Such a value
// tells no TTL: the series is kept with no value now (never a TTL that
// compares as healthy), the snapshot still encodes as JSON (encoding/json
// refuses NaN), and Scenario 2's token TTL is unknown, not clear.
func TestCollect_NaNAndInf(t *testing.T) {
	const ns = "nan-ns"
	src := realSource(t, []testenv.Sample{
		{Name: "vault_token_expiry_seconds", Labels: map[string]string{"namespace": ns, "pod": "a"}, Value: math.NaN()},
		{Name: "vault_token_expiry_seconds", Labels: map[string]string{"namespace": ns, "pod": "b"}, Value: math.Inf(1)},
	}, testenv.PrometheusOptions{})
	cfg := config.Default()
	var part collectors.Part
	var expiry *collectors.Metric
	deadline := time.Now().Add(30 * time.Second)
	for expiry == nil || len(expiry.Series) < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("no two series after 30s: %+v", part.Status)
		}
		time.Sleep(time.Second)
		part = src.Collect(context.Background(), collectors.Env{Config: cfg, Namespace: ns})
		expiry = nil
		if part.Prometheus != nil {
			for i, m := range part.Prometheus.Metrics {
				if m.Role == "tokenExpirySeconds" {
					expiry = &part.Prometheus.Metrics[i]
				}
			}
		}
	}
	for _, s := range expiry.Series {
		if s.Value != nil || (s.NonFinite != "NaN" && s.NonFinite != "+Inf") {
			t.Errorf("series %v: value %v, want none (NaN and Inf tell no TTL)", s.Labels, *s.Value)
		}
		if s.History != nil {
			for _, v := range s.History.Values {
				if v != nil && (math.IsNaN(*v) || math.IsInf(*v, 0)) {
					t.Errorf("series %v: a step holds %v", s.Labels, *v)
				}
			}
		}
	}
	if _, err := json.Marshal(part.Prometheus); err != nil {
		t.Fatalf("the Prometheus data does not encode: %v", err)
	}
	s := &collectors.Snapshot{Config: cfg, Namespace: ns, CollectedAt: time.Now(), Prometheus: part.Prometheus,
		Sources: []collectors.Status{part.Status}}
	f, _ := runbook.Triage(s, time.Now()).Finding(runbook.ScenarioVaultTokenExpired)
	for _, sym := range f.Symptoms {
		if sym.ID == runbook.SymTokenExpiring && (sym.State != runbook.SymptomUnknown || !strings.Contains(sym.Reason, "its value now is NaN, which tells no value")) {
			t.Errorf("token TTL %+v, want unknown saying the value is NaN", sym)
		}
	}
	if f.Status == runbook.StatusClear {
		t.Errorf("scenario 2 clear on NaN/Inf TTLs: %s", f.Summary)
	}
}
