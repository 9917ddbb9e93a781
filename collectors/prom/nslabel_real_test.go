package prom_test

import (
	"context"
	"testing"
	"time"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/config"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/testenv"
)

// TestCollect_NamespaceLabel: on a real Prometheus whose series carry the
// namespace they are about in exported_namespace (scraped from the
// monitoring namespace), the default namespace label keeps none of them
// (another namespace's), and prometheus.namespaceLabel: exported_namespace
// reads them, another namespace's still left out.
func TestCollect_NamespaceLabel(t *testing.T) {
	const ns = "exported-ns"
	src := realSource(t, []testenv.Sample{
		{Name: "vault_token_expiry_seconds", Labels: map[string]string{"namespace": "monitoring", "exported_namespace": ns, "pod": "a"}, Value: 600},
		{Name: "vault_token_expiry_seconds", Labels: map[string]string{"namespace": "monitoring", "exported_namespace": "other", "pod": "b"}, Value: 9},
	}, testenv.PrometheusOptions{})
	expiry := func(label string) []collectors.Series {
		cfg := config.Default()
		cfg.Prometheus.NamespaceLabel = label
		part := src.Collect(context.Background(), collectors.Env{Config: cfg, Namespace: ns})
		if part.Prometheus == nil {
			t.Fatalf("no Prometheus data: %+v", part.Status)
		}
		for _, m := range part.Prometheus.Metrics {
			if m.Role == "tokenExpirySeconds" {
				return m.Series
			}
		}
		t.Fatal("no token expiry metric")
		return nil
	}
	deadline := time.Now().Add(30 * time.Second)
	for len(expiry("exported_namespace")) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no series after 30s")
		}
		time.Sleep(time.Second)
	}
	got := expiry("exported_namespace")
	if len(got) != 1 || got[0].Labels["pod"] != "a" || got[0].Value == nil || *got[0].Value != 600 {
		t.Errorf("with exported_namespace: %+v, want pod a's series alone", got)
	}
	if got := expiry("namespace"); len(got) != 0 {
		t.Errorf("with the default label: %+v, want none (they are the monitoring namespace's)", got)
	}
}
