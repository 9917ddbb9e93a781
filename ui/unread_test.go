package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
)

// setState sets a source's state in the snapshot, with an error or a
// problem of one part.
func setState(s *collectors.Snapshot, src string, state collectors.State, errText, part string) {
	for i := range s.Sources {
		if s.Sources[i].Source == src {
			s.Sources[i].State, s.Sources[i].Error = state, ""
			if part == "" {
				s.Sources[i].Error = errText
			} else {
				s.Sources[i].Problems = append(s.Sources[i].Problems, collectors.Problem{Part: part, Error: errText})
			}
		}
	}
}

// TestViews_UnreadIsNotNone: a list that could not be read (a sealed
// Vault, a tenant LIST or Job list refused, every pod log unreadable) is
// said unknown with why, never "no tenant", "no Job" or zero events; a
// tenant whose metadata was not read shows "?" for its counts.
func TestViews_UnreadIsNotNone(t *testing.T) {
	const sealed = "Vault at http://127.0.0.1:8200 is sealed: unseal it (vault operator unseal)"
	const denied = "list tenants at secret/metadata/tenants/: permission denied"
	cases := map[string]struct {
		change func(s *collectors.Snapshot)
		keys   []string
		after  []string // keys after the tenant id typed (keys ending in "/")
		want   []string
		never  []string
	}{
		"Vault sealed: tenants unknown": {
			change: func(s *collectors.Snapshot) {
				setState(s, collectors.SourceVault, collectors.StateError, sealed, "")
				s.Vault.Tenants = s.Vault.Tenants[:0]
			},
			keys: []string{"2"}, want: []string{"Tenants tenants unknown", "Unknown: the tenants could not be read — " + sealed}, never: []string{"no tenant\n", "0 tenants"},
		},
		"Vault sealed: a tenant opened from the audit log is not 'no key in Vault'": {
			change: func(s *collectors.Snapshot) {
				setState(s, collectors.SourceVault, collectors.StateError, sealed, "")
				s.Vault.Tenants = s.Vault.Tenants[:0]
			},
			keys: []string{"4", "enter"}, want: []string{"unknown: Vault's tenants were not read: " + sealed}, never: []string{"no key in Vault"},
		},
		"no alert firing, a related rule missing: not all clear": {
			change: func(s *collectors.Snapshot) {
				s.Prometheus.Alerts = s.Prometheus.Alerts[:0]
				at := s.CollectedAt.Add(-10 * time.Second)
				s.Prometheus.Rules = nil
				for _, name := range []string{"CMEKRotationFailed", "VaultTokenExpiringSoon", "SecretVersionOverflow", "AuditLogMissing"} {
					s.Prometheus.Rules = append(s.Prometheus.Rules, collectors.AlertRule{Name: name, Group: "secret-rotation", Interval: collectors.Duration(time.Minute),
						LastEvaluation: &at, Health: "ok", State: "inactive"})
				}
				s.Prometheus.Rules[0].Health, s.Prometheus.Rules[0].LastError = "err", "vector contains metrics with the same labelset"
			},
			keys: []string{"5"}, want: []string{"none firing, but 1 related alert rule(s) cannot tell", "Stale signals"}, never: []string{"none firing or pending"},
		},
		"a tenant scan cut short: the header says how many were read": {
			change: func(s *collectors.Snapshot) {
				s.Vault.TenantScan.Listed, s.Vault.TenantScan.Scanned, s.Vault.TenantScan.Failed = 60, 48, 2
			},
			keys: []string{"2"}, want: []string{"Tenants 46 of 60 listed tenants read"}, never: []string{"Tenants  48 tenants"},
		},
		"tenant list refused: tenants unknown": {
			change: func(s *collectors.Snapshot) {
				setState(s, collectors.SourceVault, collectors.StatePartial, denied, "tenants")
				s.Vault.Tenants = s.Vault.Tenants[:0]
			},
			keys: []string{"2"}, want: []string{"Unknown: the tenants could not be read — " + denied},
		},
		"one tenant unreadable: ? for its counts": {
			change: func(s *collectors.Snapshot) {
				s.Vault.Tenants[0].Error = "read metadata: 429 rate limited"
				s.Vault.Tenants[0].CurrentVersion, s.Vault.Tenants[0].LiveVersions = 0, 0
			},
			keys: []string{"2", "/"}, want: []string{"(1 unreadable", "t-001 ? ? ? ? unknown unreadable: read metadata: 429 rate limited"},
		},
		"one tenant unreadable: its detail's compliance is unknown, not 'no finding'": {
			change: func(s *collectors.Snapshot) { s.Vault.Tenants[0].Error = "read metadata: 429 rate limited" },
			keys:   []string{"2", "/"}, after: []string{"enter", "enter"},
			want: []string{"unreadable: read metadata: 429 rate limited", "unknown: its key versions were not read"}, never: []string{"no finding"},
		},
		"Job list refused: Jobs unknown": {
			change: func(s *collectors.Snapshot) {
				setState(s, collectors.SourceKubernetes, collectors.StatePartial, "list jobs in rotation-lab: forbidden", "jobs")
				s.Kubernetes.Jobs = s.Kubernetes.Jobs[:0]
			},
			keys: []string{"3"}, want: []string{"Unknown: the Jobs could not be read — list jobs in rotation-lab: forbidden"}, never: []string{"no Job of these CronJobs"},
		},
		"a step no series answered: marked under the chart, not read as zero": {
			change: func(s *collectors.Snapshot) {
				for i := range s.Prometheus.Metrics {
					if s.Prometheus.Metrics[i].Role != "tokenExpirySeconds" {
						continue
					}
					for _, se := range s.Prometheus.Metrics[i].Series {
						if se.History != nil {
							for k := len(se.History.Values) / 4; k < len(se.History.Values)/2; k++ {
								se.History.Values[k] = nil
							}
						}
					}
				}
			},
			keys: []string{"5"}, want: []string{"? no sample (", "drawn as 0, value unknown"},
		},
		"a metric without samples in the first hours: said in its header, not drawn as zero": {
			change: func(s *collectors.Snapshot) {
				for i := range s.Prometheus.Metrics {
					for _, se := range s.Prometheus.Metrics[i].Series {
						if se.History != nil {
							for k := 0; k < len(se.History.Values)/4; k++ {
								se.History.Values[k] = nil
							}
						}
					}
				}
			},
			keys: []string{"5"}, want: []string{"vault_token_expiry_seconds 24h, no sample in its first 6h"}, never: []string{"? no sample ("},
		},
		"a source partial with no part named: the overview says partial": {
			change: func(s *collectors.Snapshot) {
				setState(s, collectors.SourceVault, collectors.StatePartial, "", "")
			},
			keys: []string{"1"}, want: []string{"vault partial"},
		},
		"every pod log unreadable: audit unknown": {
			change: func(s *collectors.Snapshot) {
				setState(s, collectors.SourceLogs, collectors.StateError, "read the logs of 2 pods: container not started", "")
			},
			keys: []string{"4"}, want: []string{"Unknown: the audit log could not be read — read the logs of 2 pods"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			snap := demoSnapshot(t)
			tc.change(snap)
			m := loaded(t, SnapshotLoader{Snapshot: snap}, demoOptions(snap), 120, 40)
			m = keys(m, tc.keys...)
			if tc.keys[len(tc.keys)-1] == "/" {
				m = typeText(m, snap.Vault.Tenants[0].ID)
				m = keys(m, tc.after...)
			}
			out := ansi.Strip(m.View())
			flat := strings.Join(strings.Fields(out), " ")
			for _, w := range tc.want {
				if !strings.Contains(flat, strings.Join(strings.Fields(w), " ")) {
					t.Errorf("view lacks %q:\n%s", w, out)
				}
			}
			for _, n := range tc.never {
				if strings.Contains(out, n) {
					t.Errorf("view says %q:\n%s", n, out)
				}
			}
		})
	}
}
