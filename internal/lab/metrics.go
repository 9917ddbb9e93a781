package lab

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/testenv"
)

// Rules are the runbook's Related Alerts as Prometheus alerting rules over
// the orchestrator's metrics. for: 0s so tests see them fire on the first
// evaluation.
func Rules(retention int) string {
	return fmt.Sprintf(`groups:
- name: secret-rotation
  rules:
  - alert: CMEKRotationFailed
    expr: sum by (namespace) (increase(cmek_rotations_failed_total[26h])) > 0
    labels: {severity: critical, runbook_scenario: "1"}
    annotations: {summary: "CMEK rotation failed for {{ $value }} tenant rotations in the last day"}
  - alert: VaultTokenExpiringSoon
    expr: min by (namespace) (vault_token_expiry_seconds) < 3600
    labels: {severity: critical, runbook_scenario: "2"}
    annotations: {summary: "Orchestrator Vault token expires in {{ $value }} s"}
  - alert: SecretVersionOverflow
    expr: max by (namespace, tenant) (cmek_key_versions) > %d
    labels: {severity: warning, runbook_scenario: "4"}
    annotations: {summary: "Tenant {{ $labels.tenant }} keeps {{ $value }} key versions"}
  - alert: AuditLogMissing
    expr: (sum by (namespace) (increase(cmek_rotation_total[26h])) > 0) unless (sum by (namespace) (increase(audit_events_total{action=~"cmek.rotation.*"}[26h])) > 0)
    labels: {severity: critical, runbook_scenario: "6"}
    annotations: {summary: "Rotations happened but no rotation audit events were recorded"}
`, retention)
}

// counters computes the orchestrator's counters at time at: each rotation
// run adds its outcomes when it ends.
func (w *world) samplesAt(at time.Time) []testenv.Sample {
	ns := w.t.Namespace
	rot := map[string]float64{}
	fail := map[string]float64{}
	audit := 0.0
	renewOK, renewFail := 140.0, 0.0
	for i, tn := range w.tenants {
		rot[tn] = float64(30 + i%7) // runs before the recorded history
		fail[tn] = 0
	}
	audit = 30 * float64(len(w.tenants))
	for r := len(w.runs) - 1; r >= 0; r-- {
		ru := w.runs[r]
		if ru.end.After(at) {
			continue
		}
		for tn, res := range ru.tenants {
			if res == "success" {
				rot[tn]++
				if !(w.sc[AuditMissing] && r <= 2) {
					audit++
				}
			} else {
				fail[tn]++
			}
		}
	}
	// renewals every 6 h; failing in the last 12 h in Scenario 2
	for h := 48; h >= 0; h -= 6 {
		t := w.o.Now.Add(-time.Duration(h) * time.Hour).Add(-7 * time.Minute)
		if t.After(at) {
			continue
		}
		if w.sc[VaultTokenExpired] && h <= 12 {
			renewFail++
		} else {
			renewOK++
		}
	}
	expiry := 20*3600 - at.Sub(w.o.Now.Add(-7*time.Minute)).Seconds()
	if w.sc[VaultTokenExpired] {
		expiry = 240 - at.Sub(w.o.Now).Seconds()
		if expiry < 0 {
			expiry = 0
		}
	}
	l := func(kv ...string) map[string]string {
		m := map[string]string{"namespace": ns}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	out := []testenv.Sample{
		{Name: "vault_token_expiry_seconds", Labels: l("service", w.n.OrchestratorDeployment), Value: expiry},
		{Name: "vault_token_renewals_total", Labels: l("outcome", "success"), Value: renewOK},
		{Name: "vault_token_renewals_total", Labels: l("outcome", "failure"), Value: renewFail},
		{Name: "audit_events_total", Labels: l("action", "cmek.rotation.completed"), Value: audit},
	}
	for i, tn := range w.tenants {
		versions, maxV := w.versionsOf(i, tn)
		if maxV > 0 && versions > maxV {
			versions = maxV
		}
		out = append(out,
			testenv.Sample{Name: "cmek_rotation_total", Labels: l("tenant", tn), Value: rot[tn]},
			testenv.Sample{Name: "cmek_rotations_failed_total", Labels: l("tenant", tn), Value: fail[tn]},
			testenv.Sample{Name: "cmek_key_versions", Labels: l("tenant", tn), Value: float64(versions)},
		)
	}
	return out
}

// seedMetrics sets the live samples and renders 24 h of history (every 5
// minutes, ending a minute before now) as OpenMetrics for a back-fill.
func (w *world) seedMetrics(_ context.Context) error {
	if w.t.Metrics != nil {
		w.t.Metrics.Set(w.t.MetricsKey, w.samplesAt(w.o.Now))
	}
	type point struct {
		ts int64
		v  float64
	}
	series := map[string][]point{}
	end := w.o.Now.Add(-time.Minute)
	for at := end.Add(-24 * time.Hour); !at.After(end); at = at.Add(5 * time.Minute) {
		for _, s := range w.samplesAt(at) {
			if w.t.MetricsInstance != "" {
				s.Labels["job"], s.Labels["instance"] = "rotation", w.t.MetricsInstance
			}
			key := s.Name + labelText(s.Labels)
			series[key] = append(series[key], point{at.Unix(), s.Value})
		}
	}
	keys := make([]string, 0, len(series))
	for k := range series {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		for _, p := range series[k] {
			fmt.Fprintf(&b, "%s %g %d\n", k, p.v, p.ts)
		}
	}
	b.WriteString("# EOF\n")
	w.backfill = b.String()
	return nil
}

func labelText(l map[string]string) string {
	s := testenv.FormatSamples([]testenv.Sample{{Name: "x", Labels: l}})
	return strings.TrimSuffix(strings.TrimPrefix(s, "x"), " 0\n")
}
