package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/demo"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/faults"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/testenv"
	"github.com/oss-ai-agent-tool/kubectl-rotation/runbook"
)

// TestBackfill_Demo: rebuilt from the demo's history, JSON lines of
// reconstructed records only, the notes on stderr.
func TestBackfill_Demo(t *testing.T) {
	isolateEnv(t)
	code, out, errOut := runArgs(t, "audit-backfill", "--demo", "--since", "26h")
	if code != 0 || !strings.Contains(errOut, "note: before-first-sample: 48 series of cmek_rotation_total") {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	golden(t, "audit-backfill-demo.jsonl", out)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	failed := 0
	for _, l := range lines {
		var r runbook.AuditRecord
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("%v: %s", err, l)
		}
		if !r.Reconstructed || r.Type != "audit" || r.Evidence.Resolution == "raw samples" {
			t.Errorf("record %+v", r)
		}
		if r.Outcome == "failure" {
			failed++
		}
	}
	if len(lines) != 28 || failed != 1 {
		t.Errorf("%d records (%d failures); want the demo's 27 rotations and t-017's failure", len(lines), failed)
	}
}

func TestBackfill_UsageErrors(t *testing.T) {
	isolateEnv(t)
	for name, tc := range map[string]struct {
		args []string
		want string
	}{
		"format": {[]string{"-o", "csv"}, `--output "csv": want one of jsonl, json, text`},
		"since":  {[]string{"--since", "0s"}, "--since 0s: must be positive"},
	} {
		t.Run(name, func(t *testing.T) {
			code, out, errOut := runArgs(t, append([]string{"audit-backfill", "--demo"}, tc.args...)...)
			if code != exitUsage || out != "" || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d, stdout %.60q, stderr %q; want %d and %q", code, out, errOut, exitUsage, tc.want)
			}
		})
	}
}

// TestTenantsMetric: the tenants' own series stand in for a summed counter
// only when they add up to the sum the snapshot read.
func TestTenantsMetric(t *testing.T) {
	snap, err := demo.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	var summed *collectors.Metric
	for i := range snap.Prometheus.Metrics {
		if snap.Prometheus.Metrics[i].Role == "rotations" {
			summed = &snap.Prometheus.Metrics[i]
		}
	}
	if m := tenantsMetric(snap, summed); m.Error != "" || len(m.Series) != len(snap.Prometheus.TenantDetails) {
		t.Fatalf("the demo's tenants: error %q, %d series", m.Error, len(m.Series))
	}
	if _, ok := snap.Prometheus.TenantDetails["t-001"]; !ok {
		t.Fatal("the demo holds no detail of t-001")
	}
	delete(snap.Prometheus.TenantDetails, "t-001") // a tenant the capture did not read (it rotated: its count is not 0)
	if m := tenantsMetric(snap, summed); !strings.Contains(m.Error, "some tenant's series are missing") {
		t.Errorf("a tenant short: error %q, want the sums said apart", m.Error)
	}
}

// TestBackfill_NothingToRebuildFrom: against a real Prometheus that holds
// neither counter (read, but no series in the window), audit-backfill
// cannot tell what happened: exit 3 naming both metrics, not 0 with no
// record.
func TestBackfill_NothingToRebuildFrom(t *testing.T) {
	testenv.NeedServers(t)
	isolateEnv(t)
	e := testenv.Get(t)
	p, err := testenv.StartPrometheus(context.Background(), testenv.PrometheusOptions{Bins: e.Bins, Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	ns := "backfill-empty"
	kubeconfig := faults.WriteFile(t, t.TempDir(), "kubeconfig", faults.AddUser(t, e, "backfill-empty", []string{"system:masters"}, ns))
	code, out, errOut := runArgs(t, "audit-backfill", "--kubeconfig", kubeconfig, "--prometheus-url", p.URL, "-o", "json")
	if code != exitFailed || !strings.Contains(errOut, "could not tell: neither cmek_rotation_total nor cmek_rotations_failed_total has a series in the window") {
		t.Errorf("exit %d, stderr %q; want %d saying neither counter has a series", code, errOut, exitFailed)
	}
	if !strings.Contains(out, "no series of cmek_rotation_total in the window") {
		t.Errorf("the output lacks the note: %s", out)
	}
}

// TestBackfill_HangingPrometheus: under a Prometheus that accepts and
// never answers, audit-backfill reads its two counters at once and
// answers within one request timeout (plus a little), not two, saying
// neither could be read (exit 3).
func TestBackfill_HangingPrometheus(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-release }))
	defer srv.Close()
	defer close(release)
	home := isolateEnv(t)
	cfg := writeFile(t, home+"/c.yaml", "prometheus:\n  requestTimeout: 1500ms\n")
	start := time.Now()
	code, _, errOut := runArgs(t, "audit-backfill", "--kubeconfig", writeKubeconfig(t, home), "--config", cfg, "--prometheus-url", srv.URL, "-o", "json")
	took := time.Since(start)
	if code != exitFailed || !strings.Contains(errOut, "did not answer in time") {
		t.Errorf("exit %d, stderr %q; want %d saying Prometheus did not answer in time", code, errOut, exitFailed)
	}
	if took > 2500*time.Millisecond {
		t.Errorf("took %v, want about one request timeout (1.5s): the counters were read one after the other", took)
	}
}
