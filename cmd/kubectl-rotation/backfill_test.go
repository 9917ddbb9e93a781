package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/demo"
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
