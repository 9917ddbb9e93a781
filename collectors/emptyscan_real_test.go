package collectors_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	vault "github.com/hashicorp/vault/api"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/config"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/testenv"
	"github.com/oss-ai-agent-tool/kubectl-rotation/runbook"
)

// TestCollect_NoTenantListed: on a real Vault, a tenant path under which
// nothing is listed (an empty KV v2 mount, a KV version 1 mount, a mount
// of another engine, no mount at all) is said with what to check, and the
// tenant-wide symptoms are unknown, never "0 of 0 tenants over retention".
func TestCollect_NoTenantListed(t *testing.T) {
	e := testenv.Get(t)
	root := e.VaultRoot(t)
	mount := func(typ string, opts map[string]string) string {
		t.Helper()
		path := "nt-" + typ + opts["version"]
		if err := root.Sys().Mount(path, &vault.MountInput{Type: typ, Options: opts}); err != nil {
			t.Fatalf("mount %s at %s: %v", typ, path, err)
		}
		t.Cleanup(func() { _ = root.Sys().Unmount(path) })
		return path
	}
	kv1 := mount("kv", map[string]string{"version": "1"})
	// a KV v1 mount holding keys where a v2 mount's tenants would be
	if _, err := root.Logical().Write(kv1+"/tenants/t1/cmek", map[string]any{"key": "test-material"}); err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct {
		mount string
		says  string
	}{
		"empty KV v2":   {mount: mount("kv", map[string]string{"version": "2"}), says: "check vault.kvMount and vault.tenantPathTemplate"},
		"KV version 1":  {mount: kv1, says: "is a KV version 1 mount, and version counts need KV version 2 (vault kv enable-versioning " + kv1 + "/)"},
		"transit":       {mount: mount("transit", nil), says: "is a transit mount, not KV version 2"},
		"nothing there": {mount: "no-such-mount", says: "no secrets engine mounted at no-such-mount/ that this token can see"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			cfg := config.Default()
			cfg.Vault.KVMount = tc.mount
			s := collectVaultAs(t, e, e.Vault.RootToken, "VAULT_TOKEN", cfg)
			if st := s.Source(collectors.SourceVault); st.State == collectors.StateError {
				t.Fatalf("vault: %s", st.Error)
			}
			if n := len(s.Vault.Tenants); n != 0 {
				t.Fatalf("%d tenants listed, want none", n)
			}
			if !strings.Contains(s.Vault.TenantScan.Note, tc.says) {
				t.Errorf("note %q, want it to say %q", s.Vault.TenantScan.Note, tc.says)
			}
			a := runbook.Triage(s, s.CollectedAt)
			for _, c := range []struct {
				scenario string
				symptom  runbook.SymptomID
			}{
				{runbook.ScenarioRetentionOverflow, runbook.SymTenantsOverRetention},
				{runbook.ScenarioCleanupFailing, runbook.SymVersionsGrowing},
			} {
				f, _ := a.Finding(c.scenario)
				if f.Status == runbook.StatusClear {
					t.Errorf("%s is clear with no tenant listed", c.scenario)
				}
				for _, sy := range f.Symptoms {
					if sy.ID == c.symptom && (sy.State != runbook.SymptomUnknown || !strings.Contains(sy.Reason, tc.says)) {
						t.Errorf("%s %s (%s), want unknown saying %q", sy.ID, sy.State, sy.Reason, tc.says)
					}
				}
			}
		})
	}

	// the KV version 1 note's command, run as it is shown, makes the
	// mount versioned: its tenant is then listed with its version counts
	cfg := config.Default()
	cfg.Vault.KVMount = kv1
	note := collectVaultAs(t, e, e.Vault.RootToken, "VAULT_TOKEN", cfg).Vault.TenantScan.Note
	_, cmd, _ := strings.Cut(note, "(")
	cmd = strings.TrimSuffix(cmd, ")")
	args := strings.Fields(cmd)
	if len(args) != 4 || args[0] != "vault" {
		t.Fatalf("command %q in the note %q", cmd, note)
	}
	run := exec.Command(e.Bins.Vault, args[1:]...)
	run.Env = append(os.Environ(), "VAULT_ADDR="+e.Vault.Addr, "VAULT_TOKEN="+e.Vault.RootToken)
	if out, err := run.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", cmd, err, out)
	}
	var s *collectors.Snapshot
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		// the upgrade to KV v2 runs in the background
		if s = collectVaultAs(t, e, e.Vault.RootToken, "VAULT_TOKEN", cfg); len(s.Vault.Tenants) > 0 {
			break
		}
	}
	if len(s.Vault.Tenants) != 1 || s.Vault.Tenants[0].ID != "t1" || s.Vault.Tenants[0].CurrentVersion != 1 || s.Vault.TenantScan.Note != "" {
		t.Errorf("after %s: tenants %+v, note %q; want t1 at version 1", cmd, s.Vault.Tenants, s.Vault.TenantScan.Note)
	}
}
