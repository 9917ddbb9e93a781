package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/lab"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// labWorld seeds the shared servers for one test and returns a kubeconfig
// whose context defaults to the seeded namespace, plus flags pointing the
// tool at the test's Vault mount and Prometheus.
func labWorld(t *testing.T, scenarios ...lab.Scenario) (e *testenv.Env, kubeconfig string, flags []string, s *lab.Seeded) {
	t.Helper()
	w := lab.SeedTB(t, testenv.Get(t), lab.Options{Scenarios: scenarios, Tenants: 12})
	e, s, ns, names := w.Env, w.Seeded, w.Namespace, w.Names
	_, kc, err := e.Kube.AddUser("admin-"+ns, []string{"system:masters"}, ns)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	kubeconfig = filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(kubeconfig, kc, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := writeFile(t, filepath.Join(dir, "config.yaml"),
		"vault:\n  kvMount: "+names.KVMount+"\n  kubernetesAuthMount: "+names.AuthMount+"\n  policy: "+names.Policy+"\n")
	flags = []string{"--kubeconfig", kubeconfig, "--config", cfg, "--prometheus-url", e.Prometheus.URL}
	return e, kubeconfig, flags, s
}

func TestSnapshot_Lab(t *testing.T) {
	isolateEnv(t)
	e, _, flags, seeded := labWorld(t, lab.RotationJobFailing)
	t.Setenv("VAULT_TOKEN", e.Vault.RootToken)

	t.Run("every source", func(t *testing.T) {
		code, out, errOut := runArgs(t, append([]string{"snapshot", "-o", "json", "--vault-addr", e.Vault.Addr}, flags...)...)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		var s collectors.Snapshot
		if err := json.Unmarshal([]byte(out), &s); err != nil {
			t.Fatalf("stdout is not a snapshot: %v\n%.500s", err, out)
		}
		for _, src := range collectors.Sources() {
			if st := s.Source(src); st.State != collectors.StateOK {
				t.Errorf("%s = %+v", src, st)
			}
		}
		if s.Vault == nil || s.Vault.TenantScan.Scanned != 12 || s.Kubernetes == nil || len(s.Kubernetes.Jobs) == 0 {
			t.Errorf("snapshot lacks data: vault %+v, kubernetes %v", s.Vault, s.Kubernetes != nil)
		}
		for _, bad := range []string{e.Vault.RootToken, seeded.SecretMarker} {
			if strings.Contains(out+errOut, bad) {
				t.Errorf("output contains %q", bad)
			}
		}
	})

	t.Run("vault stopped", func(t *testing.T) {
		v, err := testenv.StartVault(context.Background(), e.Bins.Vault, e.TempDir(t))
		if err != nil {
			t.Fatal(err)
		}
		addr := v.Addr
		v.Stop()
		code, out, errOut := runArgs(t, append([]string{"snapshot", "--vault-addr", addr}, flags...)...)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		var s collectors.Snapshot
		if err := json.Unmarshal([]byte(out), &s); err != nil {
			t.Fatal(err)
		}
		if st := s.Source(collectors.SourceVault); st.State != collectors.StateError || !strings.Contains(st.Error, "sys/health") {
			t.Errorf("vault = %+v", st)
		}
		if s.Kubernetes == nil || len(s.Kubernetes.CronJobs) != 2 || s.Source(collectors.SourcePrometheus).State != collectors.StateOK {
			t.Errorf("kubernetes or prometheus missing: %+v", s.Sources)
		}
		if !strings.Contains(errOut, "warning: vault error:") {
			t.Errorf("stderr = %q, want a vault warning", errOut)
		}
	})
}

// TestSnapshot_NothingRead: a snapshot none of whose sources could be read
// is still written (it says why), but exits 3; one source read, even in
// part, is a snapshot (exit 0).
func TestSnapshot_NothingRead(t *testing.T) {
	tests := map[string]struct {
		args       func(dir string) []string
		wantCode   int
		wantStates map[string]collectors.State
	}{
		"error, error, error, skipped": {
			args: func(dir string) []string {
				return []string{"--kubeconfig", writeFile(t, filepath.Join(dir, "kubeconfig"), unreachableKubeconfig), "--vault-addr", "http://" + closedAddr(t)}
			},
			wantCode: exitFailed,
			wantStates: map[string]collectors.State{collectors.SourceKubernetes: collectors.StateError, collectors.SourceLogs: collectors.StateError,
				collectors.SourceVault: collectors.StateError, collectors.SourcePrometheus: collectors.StateSkipped},
		},
		"every source in error": {
			args: func(dir string) []string {
				return []string{"--kubeconfig", writeFile(t, filepath.Join(dir, "kubeconfig"), unreachableKubeconfig),
					"--vault-addr", "http://" + closedAddr(t), "--prometheus-url", "http://" + closedAddr(t)}
			},
			wantCode: exitFailed,
			wantStates: map[string]collectors.State{collectors.SourceKubernetes: collectors.StateError, collectors.SourceLogs: collectors.StateError,
				collectors.SourceVault: collectors.StateError, collectors.SourcePrometheus: collectors.StateError},
		},
		"the demo": {
			args:     func(string) []string { return []string{"--demo"} },
			wantCode: exitOK,
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			dir := isolateEnv(t)
			code, out, errOut := runArgs(t, append([]string{"snapshot", "--source-timeout", "5s"}, tt.args(dir)...)...)
			var s collectors.Snapshot
			if err := json.Unmarshal([]byte(out), &s); err != nil {
				t.Fatalf("exit %d: stdout is not a snapshot (it must be written even when nothing was read): %v\n%.300s\nstderr %s", code, err, out, errOut)
			}
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tt.wantCode, errOut)
			}
			for src, want := range tt.wantStates {
				if got := s.Source(src).State; got != want {
					t.Errorf("%s: state %s, want %s", src, got, want)
				}
			}
			said := strings.Contains(errOut, "error: could not complete: no source could be read")
			if said != (tt.wantCode == exitFailed) {
				t.Errorf("stderr says nothing was read: %v, want %v:\n%s", said, tt.wantCode == exitFailed, errOut)
			}
		})
	}
}

func TestAnySourceRead(t *testing.T) {
	st := func(states ...collectors.State) *collectors.Snapshot {
		s := &collectors.Snapshot{}
		for i, x := range states {
			s.Sources = append(s.Sources, collectors.Status{Source: collectors.Sources()[i], State: x})
		}
		return s
	}
	const ok, partial, failed, skipped = collectors.StateOK, collectors.StatePartial, collectors.StateError, collectors.StateSkipped
	tests := map[string]struct {
		snap *collectors.Snapshot
		want bool
	}{
		"error error error skipped": {st(failed, failed, failed, skipped), false},
		"every source skipped":      {st(skipped, skipped, skipped, skipped), false},
		"no source at all":          {st(), false},
		"one partial":               {st(failed, partial, failed, skipped), true},
		"one ok":                    {st(failed, failed, failed, ok), true},
		"every source ok":           {st(ok, ok, ok, ok), true},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if got := anySourceRead(tt.snap); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}
