package lab

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
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
    annotations: {summary: "CMEK rotation failed for {{ $value | printf \"%%.0f\" }} tenant rotations in the last day"}
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

// samplesAt is the orchestrator's metric samples at time at: each rotation
// run adds its outcomes when it ends.
func (w *world) samplesAt(at time.Time) []testenv.Sample {
	out := w.globalSamplesAt(at)
	for i, tn := range w.tenants {
		rot, fail, versions := w.tenantValuesAt(i, tn, at)
		out = append(out,
			testenv.Sample{Name: "cmek_rotation_total", Labels: w.labels("tenant", tn), Value: rot},
			testenv.Sample{Name: "cmek_rotations_failed_total", Labels: w.labels("tenant", tn), Value: fail},
			testenv.Sample{Name: "cmek_key_versions", Labels: w.labels("tenant", tn), Value: versions},
		)
	}
	return out
}

// labels are the namespace label and the label pairs kv.
func (w *world) labels(kv ...string) map[string]string {
	m := map[string]string{"namespace": w.t.Namespace}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

// tenantValuesAt is one tenant's rotation and failure counters and key
// versions at time at.
func (w *world) tenantValuesAt(i int, tn string, at time.Time) (rot, fail, versions float64) {
	rot = float64(30 + i%7) // runs before the recorded history
	for _, ru := range w.runs {
		if ru.end.After(at) {
			continue
		}
		switch res, ok := ru.tenants[tn]; {
		case !ok:
		case res == "success":
			rot++
		default:
			fail++
		}
	}
	v, maxV := w.versionsOf(i, tn)
	if maxV > 0 && v > maxV {
		v = maxV
	}
	return rot, fail, float64(v)
}

// globalSamplesAt is the samples that are not per tenant: the token's
// expiry and renewals, and the audit events counted.
func (w *world) globalSamplesAt(at time.Time) []testenv.Sample {
	audit := 30 * float64(len(w.tenants))
	renewOK, renewFail := 140.0, 0.0
	for r, ru := range w.runs {
		if ru.end.After(at) || (w.sc[AuditMissing] && r <= 2) {
			continue
		}
		for _, res := range ru.tenants {
			if res == "success" {
				audit++
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
	return []testenv.Sample{
		{Name: "vault_token_expiry_seconds", Labels: w.labels("service", w.n.OrchestratorDeployment), Value: expiry},
		{Name: "vault_token_renewals_total", Labels: w.labels("outcome", "success"), Value: renewOK},
		{Name: "vault_token_renewals_total", Labels: w.labels("outcome", "failure"), Value: renewFail},
		{Name: "audit_events_total", Labels: w.labels("action", "cmek.rotation.completed"), Value: audit},
	}
}

// History of the back-fill: every 5 minutes over 24 h, ending a minute
// before now.
const (
	backfillSpan = 24 * time.Hour
	backfillStep = 5 * time.Minute
)

// seedMetrics sets the live samples and renders the back-fill: into
// Options.BackfillFile when set (streamed, so a lab of 100,000 tenants does
// not hold gigabytes of text), else into Seeded.Backfill.
func (w *world) seedMetrics(_ context.Context) error {
	if w.t.Metrics != nil {
		w.t.Metrics.Set(w.t.MetricsKey, w.samplesAt(w.o.Now))
	}
	if w.o.BackfillFile == "" {
		var b strings.Builder
		if err := w.writeBackfill(&b); err != nil {
			return err
		}
		w.backfill = b.String()
		return nil
	}
	f, err := os.OpenFile(w.o.BackfillFile, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("back-fill file: %w", err)
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	err = w.writeBackfill(bw)
	if ferr := bw.Flush(); err == nil {
		err = ferr
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", w.o.BackfillFile, err)
	}
	return nil
}

// writeBackfill writes the history as OpenMetrics text, one series after
// the other (each series' points in time order, each metric's series
// together), ending in "# EOF". The per-tenant key-version gauge is live
// only: the alert reads it now, and the tool reads no history of it.
func (w *world) writeBackfill(out io.Writer) error {
	end := w.o.Now.Add(-time.Minute)
	var times []time.Time
	for at := end.Add(-backfillSpan); !at.After(end); at = at.Add(backfillStep) {
		times = append(times, at)
	}
	labels := func(l map[string]string) string {
		if w.t.MetricsInstance != "" {
			l["job"], l["instance"] = "rotation", w.t.MetricsInstance
		}
		return labelText(l)
	}
	bw := bufio.NewWriter(out)
	// the global series: few, so their samples at every time are kept
	type series struct {
		key  string
		vals []float64
	}
	var global []series
	for ti, at := range times {
		for si, s := range w.globalSamplesAt(at) {
			if ti == 0 {
				global = append(global, series{key: s.Name + labels(s.Labels)})
			}
			global[si].vals = append(global[si].vals, s.Value)
		}
	}
	sort.SliceStable(global, func(i, j int) bool { return global[i].key < global[j].key })
	for _, s := range global {
		for ti, v := range s.vals {
			fmt.Fprintf(bw, "%s %g %d\n", s.key, v, times[ti].Unix())
		}
	}
	// the per-tenant counters, computed series by series
	for _, name := range []string{"cmek_rotation_total", "cmek_rotations_failed_total"} {
		for i, tn := range w.tenants {
			key := name + labels(w.labels("tenant", tn))
			for _, at := range times {
				rot, fail, _ := w.tenantValuesAt(i, tn, at)
				v := rot
				if name == "cmek_rotations_failed_total" {
					v = fail
				}
				fmt.Fprintf(bw, "%s %g %d\n", key, v, at.Unix())
			}
		}
	}
	bw.WriteString("# EOF\n")
	return bw.Flush()
}

func labelText(l map[string]string) string {
	s := testenv.FormatSamples([]testenv.Sample{{Name: "x", Labels: l}})
	return strings.TrimSuffix(strings.TrimPrefix(s, "x"), " 0\n")
}
