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
