package collectors_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	vault "github.com/hashicorp/vault/api"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/config"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/testenv"
	"github.com/oss-ai-agent-tool/kubectl-rotation/runbook"
)

// keySettingsWorld is a KV v2 mount of its own with tenants' keys, judged
// with the root token (which may read the mount's config).
type keySettingsWorld struct {
	e     *testenv.Env
	cfg   config.Config
	mount string
	kv    *vault.KVv2
	root  *vault.Client
}

func newKeySettingsWorld(t *testing.T) *keySettingsWorld {
	t.Helper()
	e := testenv.Get(t)
	w := &keySettingsWorld{e: e, cfg: config.Default(), mount: e.KVMount(t), root: e.VaultRoot(t)}
	w.cfg.Vault.KVMount = w.mount
	w.cfg.Thresholds.RotationInterval = config.Duration(24 * time.Hour)
	w.kv = w.root.KVv2(w.mount)
	return w
}

// rotate writes n new versions of a tenant's key, as the rotation does.
func (w *keySettingsWorld) rotate(t *testing.T, id string, n int) {
	t.Helper()
	for range n {
		if _, err := w.kv.Put(context.Background(), w.cfg.TenantPath(id), map[string]any{"key": "test-key-material"}); err != nil {
			t.Fatal(err)
		}
	}
}

// vaultCLI runs a shown command line with the Vault CLI.
func (w *keySettingsWorld) vaultCLI(t *testing.T, line string) {
	t.Helper()
	args := strings.Fields(line)
	if len(args) == 0 || args[0] != "vault" {
		t.Fatalf("not a vault command: %q", line)
	}
	run := exec.Command(w.e.Bins.Vault, args[1:]...)
	run.Env = append(os.Environ(), "VAULT_ADDR="+w.e.Vault.Addr, "VAULT_TOKEN="+w.e.Vault.RootToken)
	if out, err := run.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", line, err, out)
	}
}

func (w *keySettingsWorld) judge(t *testing.T, token string) (*collectors.Snapshot, runbook.Assessment) {
	t.Helper()
	s := collectVaultAs(t, w.e, token, "VAULT_TOKEN", w.cfg)
	if st := s.Source(collectors.SourceVault); st.State == collectors.StateError {
		t.Fatalf("vault: %s", st.Error)
	}
	return s, runbook.Triage(s, time.Now())
}

// findings are the compliance findings of one kind, by tenant.
func findings(a runbook.Assessment, kind string) map[string]runbook.ComplianceFinding {
	out := map[string]runbook.ComplianceFinding{}
	for _, c := range a.Compliance.Findings {
		if c.Kind == kind {
			out[c.Tenant] = c
		}
	}
	return out
}

// undeleteStep is Scenario 4's undelete step's command, as rendered.
func undeleteStep(t *testing.T, s *collectors.Snapshot, a runbook.Assessment) string {
	t.Helper()
	f, _ := a.Finding(runbook.ScenarioRetentionOverflow)
	for _, st := range runbook.NewVars(s, time.Now()).ForFinding(f).RenderSteps(runbook.MustDefault().StepsFor(f)) {
		if strings.Contains(st.Title, "undelete") {
			return st.Command
		}
	}
	t.Fatal("no undelete step")
	return ""
}

// TestCollect_TenantDeleteVersionAfter: on a real Vault, a key whose
// delete_version_after (1s) is shorter than retention needs is a warning
// before any version is lost; once it has deleted the current version,
// Vault re-deletes a plain undelete 1s later (measured here), and the
// shown commands — the lift of the setting first, then the undelete — run
// in order with the Vault CLI restore the key for good. The mount's own
// setting is named with the mount's command, and a token that cannot read
// the mount's config leaves it unknown, never clear.
func TestCollect_TenantDeleteVersionAfter(t *testing.T) {
	w := newKeySettingsWorld(t)
	w.rotate(t, "t-014", 8)
	w.rotate(t, "t-ok", 8)
	w.vaultCLI(t, fmt.Sprintf("vault kv metadata put -delete-version-after=1s %s/tenants/t-014/cmek", w.mount))
	path := w.mount + "/tenants/t-014/cmek"

	// before the next rotation: the setting, named, with what lifts it
	s, a := w.judge(t, w.e.Vault.RootToken)
	if tn := tenantOf(s, "t-014"); tn.DeleteVersionAfter == nil || tn.DeleteVersionAfter.Duration() != time.Second || tn.MountDeleteVersionAfter == nil || tn.MountMaxVersions == nil {
		t.Fatalf("t-014 = %+v, want delete_version_after 1s and the mount's settings read", tn)
	}
	dva := findings(a, runbook.ComplianceDeleteVersionAfter)
	f, ok := dva["t-014"]
	if len(dva) != 1 || !ok || f.Severity != runbook.SeverityWarning {
		t.Fatalf("delete-version-after findings %+v, want a warning for t-014 only", dva)
	}
	for _, want := range []string{"delete_version_after 1s (the key's)", "current version is deleted too (Encryption key not found)", "5 × 24h00m = 5d",
		"lift it: vault kv metadata put -delete-version-after=0s " + path} {
		if !strings.Contains(f.Detail, want) {
			t.Errorf("detail %q lacks %q", f.Detail, want)
		}
	}
	if len(findings(a, runbook.ComplianceKeyUnavailable)) != 0 || slices.ContainsFunc(a.Compliance.Unknown, func(u string) bool { return strings.HasPrefix(u, "Vault's version settings") }) {
		t.Errorf("before a version is lost: key findings %v, unknown %q", findings(a, runbook.ComplianceKeyUnavailable), a.Compliance.Unknown)
	}

	// a rotation writes version 9; Vault deletes it a second later
	w.rotate(t, "t-014", 1)
	time.Sleep(1100 * time.Millisecond)
	s, a = w.judge(t, w.e.Vault.RootToken)
	lost := findings(a, runbook.ComplianceKeyUnavailable)["t-014"]
	wantRestore := fmt.Sprintf("restore with: vault kv metadata put -delete-version-after=0s %s && vault kv undelete -versions=9 %s", path, path)
	if !strings.Contains(lost.Detail, "current key version 9 soft-deleted") || !strings.Contains(lost.Detail, wantRestore) {
		t.Errorf("key-unavailable %q, want version 9 and %q", lost.Detail, wantRestore)
	}
	cmd := undeleteStep(t, s, a)
	wantCmd := fmt.Sprintf("vault kv metadata put -delete-version-after=0s %s\nvault kv undelete -versions=9 %s", path, path)
	if cmd != wantCmd {
		t.Fatalf("undelete step\n%s\nwant\n%s", cmd, wantCmd)
	}

	// what the advice was before: a plain undelete does not hold
	w.vaultCLI(t, "vault kv undelete -versions=9 "+path)
	time.Sleep(1100 * time.Millisecond)
	if _, a := w.judge(t, w.e.Vault.RootToken); findings(a, runbook.ComplianceKeyUnavailable)["t-014"].Detail == "" {
		t.Fatal("a plain undelete held under delete_version_after 1s: the lift would not be needed")
	}

	for _, line := range strings.Split(cmd, "\n") {
		w.vaultCLI(t, line)
	}
	time.Sleep(1500 * time.Millisecond)
	s, a = w.judge(t, w.e.Vault.RootToken)
	if got := findings(a, runbook.ComplianceKeyUnavailable); len(got) != 0 {
		t.Errorf("after the shown commands: key findings %v", got)
	}
	if got := findings(a, runbook.ComplianceDeleteVersionAfter); len(got) != 0 {
		t.Errorf("after the shown commands: delete-version-after findings %v", got)
	}
	if tn := tenantOf(s, "t-014"); tn.CurrentVersion != 9 || tn.LiveVersions != 9 || len(tn.Expiring) != 0 {
		t.Errorf("t-014 after = %+v, want 9 live versions, none scheduled", tn)
	}

	t.Run("the mount's", func(t *testing.T) {
		w := newKeySettingsWorld(t)
		w.rotate(t, "t-a", 3)
		if _, err := w.root.Logical().Write(w.mount+"/config", map[string]any{"delete_version_after": "1h"}); err != nil {
			t.Fatal(err)
		}
		w.rotate(t, "t-a", 1) // version 4, to be deleted in an hour
		_, a := w.judge(t, w.e.Vault.RootToken)
		f := findings(a, runbook.ComplianceDeleteVersionAfter)["t-a"]
		want := fmt.Sprintf("lift it: vault write %s/config delete_version_after=0s && vault kv undelete -versions=4 %s/tenants/t-a/cmek", w.mount, w.mount)
		if !strings.Contains(f.Detail, "delete_version_after 1h00m (the mount's ("+w.mount+"/config))") || !strings.Contains(f.Detail, "version 4 scheduled for deletion") || !strings.Contains(f.Detail, want) {
			t.Fatalf("detail %q, want the mount's named and %q", f.Detail, want)
		}
		for _, line := range strings.Split(strings.TrimPrefix(want, "lift it: "), " && ") {
			w.vaultCLI(t, line)
		}
		s, a := w.judge(t, w.e.Vault.RootToken)
		if got := findings(a, runbook.ComplianceDeleteVersionAfter); len(got) != 0 {
			t.Errorf("after the shown commands: %v", got)
		}
		if tn := tenantOf(s, "t-a"); len(tn.Expiring) != 0 || tn.CurrentDeletionTime != nil {
			t.Errorf("t-a after = %+v, want no deletion scheduled", tn)
		}
	})

	t.Run("a token that cannot read the mount's config", func(t *testing.T) {
		w := newKeySettingsWorld(t)
		w.rotate(t, "t-a", 3)
		pol := "tenants-only-" + strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-"))
		rules := fmt.Sprintf("path %q { capabilities = [\"read\", \"list\"] }\npath %q { capabilities = [\"read\", \"list\"] }", w.mount+"/metadata/*", w.mount+"/data/*")
		if err := w.root.Sys().PutPolicy(pol, rules); err != nil {
			t.Fatal(err)
		}
		tok, err := w.root.Auth().Token().Create(&vault.TokenCreateRequest{Policies: []string{pol}, TTL: "1h"})
		if err != nil {
			t.Fatal(err)
		}
		s, a := w.judge(t, tok.Auth.ClientToken)
		if tn := tenantOf(s, "t-a"); tn.MountMaxVersions != nil || !strings.Contains(tn.MountConfigError, "permission denied") {
			t.Fatalf("t-a = %+v, want the mount's config unread: permission denied", tn)
		}
		i := slices.IndexFunc(a.Compliance.Unknown, func(u string) bool { return strings.HasPrefix(u, "Vault's version settings:") })
		if i < 0 || !strings.Contains(a.Compliance.Unknown[i], "t-a") {
			t.Errorf("unknown %q: want the settings unknown for t-a", a.Compliance.Unknown)
		}
	})
}

// TestCollect_TenantMaxVersionsBelowRetention: on a real Vault with
// retention 5, a key with max_versions 2 is a warning before a rotation
// trims it, critical once three rotations have dropped versions retention
// keeps (named in Scenario 4's evidence as lost), and the shown command,
// run with the Vault CLI, ends the finding. max_versions 0 (unset), equal
// to or above retention is never reported; the mount's limit is named
// when the key sets none.
func TestCollect_TenantMaxVersionsBelowRetention(t *testing.T) {
	w := newKeySettingsWorld(t)
	for _, id := range []string{"t-011", "t-unset", "t-five", "t-nine"} {
		w.rotate(t, id, 7)
	}
	w.vaultCLI(t, "vault kv metadata put -max-versions=2 "+w.mount+"/tenants/t-011/cmek")
	w.vaultCLI(t, "vault kv metadata put -max-versions=5 "+w.mount+"/tenants/t-five/cmek")
	w.vaultCLI(t, "vault kv metadata put -max-versions=9 "+w.mount+"/tenants/t-nine/cmek")
	path := w.mount + "/tenants/t-011/cmek"
	wantCmd := "vault kv metadata put -max-versions=5 " + path

	_, a := w.judge(t, w.e.Vault.RootToken)
	got := findings(a, runbook.ComplianceMaxVersionsBelowRetention)
	f, ok := got["t-011"]
	if len(got) != 1 || !ok || f.Severity != runbook.SeverityWarning || !strings.Contains(f.Detail, "Vault keeps only 2 versions (the key's max_versions 2), below retention (5)") || !strings.HasSuffix(f.Detail, "set it to retention: "+wantCmd) {
		t.Fatalf("max-versions findings %+v, want a warning for t-011 only with %q", got, wantCmd)
	}

	w.rotate(t, "t-011", 3) // versions 8, 9, 10: Vault keeps 9 and 10
	s, a := w.judge(t, w.e.Vault.RootToken)
	if tn := tenantOf(s, "t-011"); tn.CurrentVersion != 10 || tn.OldestVersion != 9 {
		t.Fatalf("t-011 = %+v, want versions 9..10 kept", tn)
	}
	f = findings(a, runbook.ComplianceMaxVersionsBelowRetention)["t-011"]
	if f.Severity != runbook.SeverityCritical || !strings.Contains(f.Detail, "already dropped: version 6,7,8 (the oldest kept is 9)") {
		t.Errorf("after three rotations: %s %q", f.Severity, f.Detail)
	}
	lost := findings(a, runbook.ComplianceKeyUnavailable)["t-011"]
	if !strings.Contains(lost.Detail, "version 6,7,8, within retention (5), no longer kept by Vault (the oldest it keeps is 9; it keeps 2 versions: the key's max_versions 2)") {
		t.Errorf("key-unavailable %q", lost.Detail)
	}
	sc, _ := a.Finding(runbook.ScenarioRetentionOverflow)
	if sc.Severity != runbook.SeverityCritical || !strings.Contains(sc.Summary, "tenant t-011: version 6,7,8, within retention (5), no longer kept by Vault") {
		t.Errorf("scenario 4 %s: %q", sc.Severity, sc.Summary)
	}

	w.vaultCLI(t, wantCmd)
	w.rotate(t, "t-011", 3) // versions within retention are kept again
	_, a = w.judge(t, w.e.Vault.RootToken)
	if got := findings(a, runbook.ComplianceMaxVersionsBelowRetention); len(got) != 0 {
		t.Errorf("after the shown command: %v", got)
	}
	if got := findings(a, runbook.ComplianceKeyUnavailable); len(got) != 0 {
		t.Errorf("once the dropped versions left retention: %v", got)
	}

	t.Run("the mount's", func(t *testing.T) {
		w := newKeySettingsWorld(t)
		if _, err := w.root.Logical().Write(w.mount+"/config", map[string]any{"max_versions": 3}); err != nil {
			t.Fatal(err)
		}
		w.rotate(t, "t-a", 4)
		w.rotate(t, "t-b", 4)
		w.vaultCLI(t, "vault kv metadata put -max-versions=6 "+w.mount+"/tenants/t-b/cmek") // above the mount's: Vault keeps 6
		_, a := w.judge(t, w.e.Vault.RootToken)
		got := findings(a, runbook.ComplianceMaxVersionsBelowRetention)
		if len(got) != 1 || !strings.Contains(got["t-a"].Detail, "Vault keeps only 3 versions (the mount's max_versions 3 ("+w.mount+"/config))") {
			t.Errorf("findings %+v, want t-a with the mount's limit", got)
		}
	})
}

func tenantOf(s *collectors.Snapshot, id string) collectors.Tenant {
	for _, tn := range s.Vault.Tenants {
		if tn.ID == id {
			return tn
		}
	}
	return collectors.Tenant{}
}
