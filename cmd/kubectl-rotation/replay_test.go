package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/config"
)

// replayConfig judges with retention 3 and overdueDays 30 (the demo's:
// 5 and 7), and names a CronJob and a metric the demo does not have.
const replayConfig = "vault:\n  retentionVersions: 3\nthresholds:\n  overdueDays: 30\n" +
	"kubernetes:\n  rotationCronJob: not-the-demos\nprometheus:\n  metrics:\n    rotations: not_the_demos_total\n"

// TestReplay_Config: with --demo or --from, an explicit --config decides
// how the snapshot is judged (its thresholds and vault.retentionVersions),
// the names stay the snapshot's, and one line on stderr says so; without
// --config, or with only the default config file, the snapshot is judged
// as it was taken.
func TestReplay_Config(t *testing.T) {
	type report struct {
		Findings []struct {
			ID     string `json:"id"`
			Status string `json:"status"`
		} `json:"findings"`
		Compliance struct {
			OverdueDays int `json:"overdueDays"`
			Findings    []struct {
				Kind   string `json:"kind"`
				Detail string `json:"detail"`
			} `json:"findings"`
		} `json:"compliance"`
	}
	checkReport := func(overdue int, retention string) func(t *testing.T, out string) {
		return func(t *testing.T, out string) {
			t.Helper()
			var r report
			if err := json.Unmarshal([]byte(out), &r); err != nil {
				t.Fatalf("not a report: %v", err)
			}
			if r.Compliance.OverdueDays != overdue {
				t.Errorf("compliance.overdueDays %d, want %d", r.Compliance.OverdueDays, overdue)
			}
			violation := ""
			for _, f := range r.Compliance.Findings {
				if f.Kind == "version-violation" {
					violation = f.Detail
					break
				}
			}
			if !strings.Contains(violation, retention) {
				t.Errorf("version-violation %q, want it judged with %q", violation, retention)
			}
			// the names are the snapshot's: the demo's CronJob is found
			// (with the config's, no scenario would be active)
			active := 0
			for _, f := range r.Findings {
				if f.Status == "active" {
					active++
				}
			}
			if active != 6 {
				t.Errorf("%d scenarios active, want the demo's 6: %+v", active, r.Findings)
			}
		}
	}
	const note = "note: --config CONFIG: the snapshot is judged with its thresholds (tokenExpiryWarning 6h, tokenExpiryCritical 1h, overdueDays 30, rotationInterval from the CronJob's schedule, staleAfter 5m, jobStuckAfter 5m) and vault.retentionVersions 3; the names (namespace, CronJobs, labels, Vault mount and paths, metrics, alerts) and what was read are the snapshot's\n"
	tests := map[string]struct {
		args        []string
		defaultFile bool // write replayConfig as the default config file instead
		wantNote    bool
		check       func(t *testing.T, out string)
	}{
		"report --demo --config": {
			args: []string{"report", "--demo", "-o", "json", "--config", "CONFIG"}, wantNote: true,
			check: checkReport(30, "retention 3"),
		},
		"report --from --config": {
			args: []string{"report", "--from", "SNAP", "-o", "json", "--config", "CONFIG"}, wantNote: true,
			check: checkReport(30, "retention 3"),
		},
		"report --demo": {
			args:  []string{"report", "--demo", "-o", "json"},
			check: checkReport(7, "retention 5"),
		},
		"report --demo, the default config file": {
			args: []string{"report", "--demo", "-o", "json"}, defaultFile: true,
			check: checkReport(7, "retention 5"),
		},
		"timeline --demo --config": {
			args: []string{"timeline", "--demo", "-o", "json", "--config", "CONFIG"}, wantNote: true,
		},
		"postmortem --from --after --config": {
			args: []string{"postmortem", "--from", "SNAP", "--after", "SNAP", "-o", "json", "--config", "CONFIG"}, wantNote: true,
			check: func(t *testing.T, out string) {
				var pm struct {
					Impact struct {
						OverRetention []struct {
							Tenant    string `json:"tenant"`
							Retention int    `json:"retention"`
						} `json:"overRetention"`
					} `json:"impact"`
				}
				if err := json.Unmarshal([]byte(out), &pm); err != nil {
					t.Fatal(err)
				}
				if o := pm.Impact.OverRetention; len(o) == 0 || o[0].Retention != 3 {
					t.Errorf("over retention %+v, want the AFTER snapshot judged with retention 3", o)
				}
			},
		},
		"audit-backfill --demo --config": {
			args: []string{"audit-backfill", "--demo", "-o", "json", "--config", "CONFIG"}, wantNote: true,
			check: func(t *testing.T, out string) {
				if strings.Contains(out, "not_the_demos_total") || !strings.Contains(out, "cmek_rotation_total") {
					t.Errorf("the records name the config's metric, not the snapshot's:\n%.400s", out)
				}
			},
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			home := isolateEnv(t)
			code, demo, _ := runArgs(t, "snapshot", "--demo")
			if code != 0 {
				t.Fatalf("snapshot --demo: exit %d", code)
			}
			snap := writeFile(t, filepath.Join(home, "demo.json"), demo)
			cfg := writeFile(t, filepath.Join(home, "replay.yaml"), replayConfig)
			if tt.defaultFile {
				t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, "cfg"))
				writeFile(t, filepath.Join(home, "cfg", "kubectl-rotation", "config.yaml"), replayConfig)
			}
			args := make([]string, len(tt.args))
			for i, a := range tt.args {
				args[i] = strings.NewReplacer("CONFIG", cfg, "SNAP", snap).Replace(a)
			}
			code, out, errOut := runArgs(t, args...)
			if code == exitUsage || code == exitFailed {
				t.Fatalf("exit %d, stderr %q", code, errOut)
			}
			var notes []string
			for _, l := range strings.SplitAfter(errOut, "\n") {
				if strings.HasPrefix(l, "note: --config") {
					notes = append(notes, l)
				}
			}
			switch want := strings.ReplaceAll(note, "CONFIG", cfg); {
			case tt.wantNote && (len(notes) != 1 || notes[0] != want):
				t.Errorf("stderr notes %q, want one line %q", notes, want)
			case !tt.wantNote && len(notes) != 0:
				t.Errorf("stderr notes %q, want none", notes)
			}
			if tt.check != nil {
				tt.check(t, out)
			}
		})
	}
	t.Run("dashboard --demo --config", func(t *testing.T) {
		home := isolateEnv(t)
		cfg := writeFile(t, filepath.Join(home, "replay.yaml"), replayConfig)
		streams, in, _, errOut := genericiooptions.NewTestIOStreams()
		in.WriteString("q")
		if code := run([]string{"--demo", "--config", cfg}, streams); code != 0 {
			t.Fatalf("exit %d, stderr %q", code, errOut.String())
		}
		if want := strings.ReplaceAll(note, "CONFIG", cfg); errOut.String() != want {
			t.Errorf("stderr %q, want %q", errOut.String(), want)
		}
	})
}

// TestJudgement: only the judgement settings are taken from the user's
// config; every name and collection bound stays the snapshot's.
func TestJudgement(t *testing.T) {
	snap := config.Default()
	user := config.Default()
	user.Thresholds.OverdueDays, user.Thresholds.RotationInterval = 30, config.Duration(48*60*60*1e9)
	user.Thresholds.TokenExpiryWarning, user.Thresholds.TokenExpiryCritical = config.Duration(2*60*60*1e9), config.Duration(30*60*1e9)
	user.Vault.RetentionVersions = 3
	user.Kubernetes.RotationCronJob, user.Vault.KVMount, user.Prometheus.Metrics.Rotations = "other", "other", "other_total"
	user.Kubernetes.LogTailLines, user.Vault.RequestTimeout = 10, config.Duration(1e9)
	got := judgement(snap, user)
	want := snap
	want.Thresholds, want.Vault.RetentionVersions = user.Thresholds, 3
	if got != want {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
}
