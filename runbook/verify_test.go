package runbook

import (
	"strings"
	"testing"
	"time"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
)

func TestBook_Verify(t *testing.T) {
	b := MustDefault()
	var ids []string
	for _, c := range b.Verification {
		ids = append(ids, c.ID)
	}
	healthy := healthySnapshot(t)
	for _, r := range b.Verify(healthy, testNow, ids) {
		if r.State != CheckPass {
			t.Errorf("healthy: %s = %s (%s), want pass", r.ID, r.State, r.Detail)
		}
	}
	broken := healthySnapshot(t, func(s *collectors.Snapshot) {
		for i := range s.Kubernetes.Jobs {
			s.Kubernetes.Jobs[i].Outcome, s.Kubernetes.Jobs[i].Reason = collectors.OutcomeFailed, "BackoffLimitExceeded"
		}
		s.Vault.Tenants[0].LiveVersions = 30
		old := testNow.Add(-90 * 24 * time.Hour)
		s.Vault.Tenants[1].CurrentCreated = &old
	})
	want := map[string]CheckState{"rotation-succeeded": CheckFail, "cleanup-succeeded": CheckFail, "versions-within-retention": CheckFail, "key-versions-current": CheckFail}
	for _, r := range b.Verify(broken, testNow, ids) {
		if w, ok := want[r.ID]; ok && r.State != w {
			t.Errorf("broken: %s = %s (%s), want %s", r.ID, r.State, r.Detail, w)
		}
	}
	vaultDown := healthySnapshot(t, func(s *collectors.Snapshot) {
		for i := range s.Sources {
			if s.Sources[i].Source == collectors.SourceVault {
				s.Sources[i].State, s.Sources[i].Error = collectors.StateError, "sealed"
			}
		}
		s.Vault = nil
	})
	for _, r := range b.Verify(vaultDown, testNow, []string{"versions-within-retention", "key-versions-current"}) {
		if r.State != CheckUnknown {
			t.Errorf("vault down: %s = %s, want unknown, never pass", r.ID, r.State)
		}
	}
}

// counter is 25 hourly samples ending at testNow of a counter that starts
// at base and grows by one at each of the steps (0 is 24h ago, 24 is now).
func counter(base float64, steps ...int) *collectors.History {
	h := flatHistory(base)
	for i := range h.Values {
		v := base
		for _, s := range steps {
			if s <= i {
				v++
			}
		}
		h.Values[i] = ptr(v)
	}
	return h
}

// TestBook_Verify_RotationMetrics: the check passes when no failure was
// counted in the 26h history, or when rotations were counted at a step after
// the last failure; it fails while no rotation follows the last failure, and
// is unknown when the metrics cannot be read.
func TestBook_Verify_RotationMetrics(t *testing.T) {
	setFailed := func(hs ...*collectors.History) snapOpt {
		return func(s *collectors.Snapshot) {
			m := metricOf(t, s, "rotationsFailed")
			m.Series = nil
			for i, h := range hs {
				m.Series = append(m.Series, collectors.Series{Labels: map[string]string{"tenant": tenantIDs(len(hs))[i]}, History: h})
			}
		}
	}
	setRotations := func(h *collectors.History) snapOpt {
		return func(s *collectors.Snapshot) { metricOf(t, s, "rotations").Series[0].History = h }
	}
	// readAfterLastStep moves the histories one 5-minute step back and sets
	// the current values (by metric role, else the last sample) read at
	// testNow, after the history's last step
	readAfterLastStep := func(now map[string]float64) snapOpt {
		return func(s *collectors.Snapshot) {
			for _, role := range []string{"rotations", "rotationsFailed"} {
				m := metricOf(t, s, role)
				m.At = testNow
				for i := range m.Series {
					h := m.Series[i].History
					h.Start = h.Start.Add(-5 * time.Minute)
					v, ok := now[role]
					if !ok {
						v = *h.Values[len(h.Values)-1]
					}
					m.Series[i].Value = ptr(v)
				}
			}
		}
	}
	failedAt4h := "rotations counted after the last failure at 2025-03-12 08:00 UTC"
	noRotation := "cmek_rotations_failed_total grew 4h00m ago, no rotation counted since"
	cases := map[string]struct {
		opts   []snapOpt
		state  CheckState
		detail string // the detail, or a part of it
	}{
		"no failure counted": {
			state: CheckPass, detail: "no rotation failure counted in the last 26h",
		},
		"a failure, then rotations at a later step": {
			opts:  []snapOpt{setFailed(counter(1, 20)), setRotations(counter(30, 22, 23))},
			state: CheckPass, detail: failedAt4h,
		},
		"a failure in one series, rotations after it": {
			opts:  []snapOpt{setFailed(counter(1), counter(3, 20)), setRotations(counter(30, 21))},
			state: CheckPass, detail: failedAt4h,
		},
		"a failure and rotations at the same step only": {
			opts:  []snapOpt{setFailed(counter(1, 20)), setRotations(counter(30, 20))},
			state: CheckFail, detail: noRotation,
		},
		"rotations only before the failure": {
			opts:  []snapOpt{setFailed(counter(1, 20)), setRotations(counter(30, 10, 18))},
			state: CheckFail, detail: noRotation,
		},
		"a failure, rotations, then another failure": {
			opts:  []snapOpt{setFailed(counter(1, 16, 22)), setRotations(counter(30, 18))},
			state: CheckFail, detail: "cmek_rotations_failed_total grew 2h00m ago, no rotation counted since",
		},
		"the rotation counter reset after the failure is no rotation": {
			opts: []snapOpt{setFailed(counter(1, 20)), func(s *collectors.Snapshot) {
				h := counter(30)
				for i := 22; i < 25; i++ {
					h.Values[i] = ptr(0.0)
				}
				metricOf(t, s, "rotations").Series[0].History = h
			}},
			state: CheckFail, detail: noRotation,
		},
		"a failure, then rotations seen only in the current value": {
			opts:  []snapOpt{setFailed(counter(1, 20)), setRotations(counter(30)), readAfterLastStep(map[string]float64{"rotations": 31})},
			state: CheckPass, detail: "rotations counted after the last failure at 2025-03-12 07:55 UTC",
		},
		"rotations, then a failure seen only in the current value": {
			opts:  []snapOpt{setFailed(counter(1, 20)), setRotations(counter(30, 22)), readAfterLastStep(map[string]float64{"rotationsFailed": 3})},
			state: CheckFail, detail: "cmek_rotations_failed_total grew just now, no rotation counted since",
		},
		"a failure, no rotation series": {
			opts:  []snapOpt{setFailed(counter(1, 20)), func(s *collectors.Snapshot) { metricOf(t, s, "rotations").Series = nil }},
			state: CheckFail, detail: noRotation,
		},
		"a failure, the rotation counter unreadable": {
			opts:  []snapOpt{setFailed(counter(1, 20)), func(s *collectors.Snapshot) { metricOf(t, s, "rotations").Error = "bad_data: parse error" }},
			state: CheckUnknown, detail: "cmek_rotations_failed_total grew 4h00m ago; whether a rotation was counted since cannot be told: bad_data: parse error",
		},
		"the failure counter unreadable": {
			opts:  []snapOpt{func(s *collectors.Snapshot) { metricOf(t, s, "rotationsFailed").Error = "bad_data: parse error" }},
			state: CheckUnknown, detail: "bad_data: parse error",
		},
		"Prometheus not configured": {
			opts:  []snapOpt{broken(collectors.SourcePrometheus)},
			state: CheckUnknown, detail: sourceErrors[collectors.SourcePrometheus],
		},
		// a labelled counter has no series until its first failure
		"no failure series, rotations scraped": {
			opts:  []snapOpt{setFailed()},
			state: CheckPass, detail: "no cmek_rotations_failed_total series; cmek_rotation_total is scraped",
		},
		"no series of either counter": {
			opts:  []snapOpt{setFailed(), func(s *collectors.Snapshot) { metricOf(t, s, "rotations").Series = nil }},
			state: CheckUnknown, detail: "neither cmek_rotation_total nor cmek_rotations_failed_total has a series",
		},
	}
	b := MustDefault()
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			r := b.Verify(healthySnapshot(t, tc.opts...), testNow, []string{"rotation-metrics"})[0]
			if r.State != tc.state || !strings.Contains(r.Detail, tc.detail) {
				t.Errorf("%s (%s), want %s (%s)", r.State, r.Detail, tc.state, tc.detail)
			}
		})
	}
}

// TestBook_Verify_Retentions: Scenario 4 judges the CMEK retention (5),
// Scenario 3 the cleanup's own retention from the ConfigMaps (10).
func TestBook_Verify_Retentions(t *testing.T) {
	b := MustDefault()
	ids := []string{"versions-within-retention", "versions-within-cleanup-retention"}
	tests := map[string]struct {
		live        int
		configMap   bool
		want, want2 CheckState
	}{
		"within both":                         {live: 5, configMap: true, want: CheckPass, want2: CheckPass},
		"over the CMEK one, within cleanup's": {live: 8, configMap: true, want: CheckFail, want2: CheckPass},
		"over both":                           {live: 12, configMap: true, want: CheckFail, want2: CheckFail},
		"no cleanup setting: the CMEK one":    {live: 8, configMap: false, want: CheckFail, want2: CheckFail},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			s := healthySnapshot(t, func(s *collectors.Snapshot) {
				s.Vault.Tenants[0].LiveVersions = tc.live
				s.Kubernetes.Retention = nil
				if tc.configMap {
					s.Kubernetes.Retention = []collectors.RetentionSource{{ConfigMap: "orchestrator-config", Key: "values.yaml",
						Settings: map[string]string{"retention.secrets.retentionVersions": "10"}}}
				}
			})
			r := b.Verify(s, testNow, ids)
			if r[0].State != tc.want || r[1].State != tc.want2 {
				t.Errorf("got %s (%s) and %s (%s), want %s and %s", r[0].State, r[0].Detail, r[1].State, r[1].Detail, tc.want, tc.want2)
			}
		})
	}
}

// TestBook_Verify_RotationSucceeded: the Job succeeded is not enough, the
// runbook's check is the audit trail of that run.
func TestBook_Verify_RotationSucceeded(t *testing.T) {
	b := MustDefault()
	check := func(s *collectors.Snapshot) CheckResult {
		return b.Verify(s, testNow, []string{"rotation-succeeded"})[0]
	}
	if r := check(healthySnapshot(t)); r.State != CheckPass {
		t.Errorf("healthy: %s (%s), want pass", r.State, r.Detail)
	}
	noTrail := healthySnapshot(t, func(s *collectors.Snapshot) {
		old := testNow.Add(-72 * time.Hour)
		for id, ts := range s.Logs.Audit.Tenants {
			ts.LastSuccess = &old
			s.Logs.Audit.Tenants[id] = ts
		}
	})
	if r := check(noTrail); r.State != CheckFail || !strings.Contains(r.Detail, "audit trail is missing") {
		t.Errorf("no event since the Job: %s (%s), want fail naming the missing trail", r.State, r.Detail)
	}
	logsDown := healthySnapshot(t, func(s *collectors.Snapshot) {
		for i := range s.Sources {
			if s.Sources[i].Source == collectors.SourceLogs {
				s.Sources[i].State, s.Sources[i].Error = collectors.StateError, "forbidden"
			}
		}
		s.Logs = nil
	})
	if r := check(logsDown); r.State != CheckUnknown {
		t.Errorf("logs unreadable: %s (%s), want unknown, never pass", r.State, r.Detail)
	}
}
