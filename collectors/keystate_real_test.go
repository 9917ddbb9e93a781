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
	authv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/config"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/testenv"
	"github.com/oss-ai-agent-tool/kubectl-rotation/runbook"
)

// TestCollect_TenantKeyState: on a real Vault, a tenant whose current
// version is soft-deleted, one with a version within retention destroyed,
// one with versions within retention deleted, and one whose old version
// beyond retention was deleted by the cleanup. The first three are
// critical with the runbook's impact; the undelete step's command, run
// as it is rendered with the Vault CLI, brings the soft-deleted ones back.
func TestCollect_TenantKeyState(t *testing.T) {
	e := testenv.Get(t)
	root := e.VaultRoot(t)
	mount := e.KVMount(t)
	cfg := config.Default()
	cfg.Vault.KVMount = mount
	ctx := context.Background()
	kv := root.KVv2(mount)
	path := func(id string) string { return cfg.TenantPath(id) }
	for _, id := range []string{"t-a", "t-b", "t-c", "t-d", "t-e"} {
		for v := 1; v <= 7; v++ {
			if _, err := kv.Put(ctx, path(id), map[string]any{"key": fmt.Sprintf("test-key-material-%d", v)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(kv.Delete(ctx, path("t-a")))                      // the current version, soft-deleted
	must(kv.Destroy(ctx, path("t-b"), []int{5}))           // within retention (3..7), destroyed
	must(kv.DeleteVersions(ctx, path("t-c"), []int{1}))    // beyond retention: the cleanup's
	must(kv.DeleteVersions(ctx, path("t-d"), []int{4, 6})) // within retention, soft-deleted
	time.Sleep(1100 * time.Millisecond)                    // deletion times in the past to the second

	judge := func() (*collectors.Snapshot, runbook.Assessment) {
		s := collectVaultAs(t, e, e.Vault.RootToken, "VAULT_TOKEN", cfg)
		if st := s.Source(collectors.SourceVault); st.State == collectors.StateError {
			t.Fatalf("vault: %s", st.Error)
		}
		return s, runbook.Triage(s, time.Now())
	}
	s, a := judge()
	byID := map[string]collectors.Tenant{}
	for _, tn := range s.Vault.Tenants {
		byID[tn.ID] = tn
	}
	if tn := byID["t-a"]; !slices.Equal(tn.Deleted, []int{7}) || tn.CurrentDeletionTime == nil || tn.CurrentDestroyed {
		t.Errorf("t-a = %+v, want current version 7 soft-deleted", tn)
	}
	if tn := byID["t-b"]; !slices.Equal(tn.Destroyed, []int{5}) {
		t.Errorf("t-b = %+v, want version 5 destroyed", tn)
	}
	if tn := byID["t-d"]; !slices.Equal(tn.Deleted, []int{4, 6}) {
		t.Errorf("t-d = %+v, want versions 4, 6 deleted", tn)
	}
	// Vault says oldest_version 0 until max_versions trims: the oldest
	// kept is then version 1, and the oldest live the first not deleted
	for id, want := range map[string][2]int{"t-c": {1, 2}, "t-e": {1, 1}, "t-b": {1, 1}} {
		if tn := byID[id]; tn.OldestVersion != want[0] || tn.OldestLive() != want[1] {
			t.Errorf("%s: oldest kept %d, oldest live %d; want %d, %d", id, tn.OldestVersion, tn.OldestLive(), want[0], want[1])
		}
	}
	lost := func(a runbook.Assessment) map[string]string {
		out := map[string]string{}
		for _, c := range a.Compliance.Findings {
			if c.Kind == runbook.ComplianceKeyUnavailable {
				out[c.Tenant] = string(c.Severity) + ": " + c.Detail
			}
		}
		return out
	}
	got := lost(a)
	want := map[string][]string{
		"t-a": {"critical: current key version 7 soft-deleted", "Encryption key not found"},
		"t-b": {"critical: version 5, within retention (5), destroyed: data encrypted with old keys may become inaccessible"},
		"t-d": {"critical: version 4,6, within retention (5), soft-deleted"},
	}
	if len(got) != len(want) {
		t.Errorf("key findings %v, want t-a, t-b, t-d", got)
	}
	for id, ws := range want {
		for _, w := range ws {
			if !strings.Contains(got[id], w) {
				t.Errorf("%s: %q lacks %q", id, got[id], w)
			}
		}
	}
	f, _ := a.Finding(runbook.ScenarioRetentionOverflow)
	if f.Status != runbook.StatusActive || f.Severity != runbook.SeverityCritical || !strings.HasPrefix(f.Summary, "key unavailable: 3 tenants (t-a, t-b, t-d); tenant t-a: current key version 7 soft-deleted") {
		t.Errorf("scenario 4 %s %s: %q", f.Status, f.Severity, f.Summary)
	}

	// the step's command, run as rendered
	var cmd string
	for _, st := range runbook.NewVars(s, time.Now()).ForFinding(f).RenderSteps(runbook.MustDefault().StepsFor(f)) {
		if strings.Contains(st.Title, "undelete") {
			cmd = st.Command
		}
	}
	wantCmd := fmt.Sprintf("vault kv undelete -versions=7 %s/tenants/t-a/cmek\nvault kv undelete -versions=4,6 %s/tenants/t-d/cmek", mount, mount)
	if cmd != wantCmd {
		t.Fatalf("undelete step\n%s\nwant\n%s", cmd, wantCmd)
	}
	for _, line := range strings.Split(cmd, "\n") {
		args := strings.Fields(line)
		run := exec.Command(e.Bins.Vault, args[1:]...)
		run.Env = append(os.Environ(), "VAULT_ADDR="+e.Vault.Addr, "VAULT_TOKEN="+e.Vault.RootToken)
		if out, err := run.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", line, err, out)
		}
	}
	_, a = judge()
	if got := lost(a); len(got) != 1 || got["t-b"] == "" {
		t.Errorf("after the undelete: key findings %v, want only t-b (destroyed cannot be undeleted)", got)
	}
}

// TestCollect_TokenCeiling: tokens at a max TTL on a real Vault — an
// explicit one (renewal is capped there, as the ceiling says), the token
// mount's max_lease_ttl, and the orchestrator's token through Kubernetes
// auth with a role's token_max_ttl, near enough that Scenario 2 points at
// re-login instead of renewal.
func TestCollect_TokenCeiling(t *testing.T) {
	e := testenv.Get(t)
	root := e.VaultRoot(t)
	ctx := context.Background()

	t.Run("explicit max TTL", func(t *testing.T) {
		s, err := root.Auth().Token().Create(&vault.TokenCreateRequest{Policies: []string{"default"}, TTL: "1h", ExplicitMaxTTL: "90s", Renewable: ptr.To(true)})
		if err != nil {
			t.Fatal(err)
		}
		tok := s.Auth.ClientToken
		snap := collectVaultAs(t, e, tok, "VAULT_TOKEN", config.Default())
		op := snap.Vault.OperatorToken
		if op == nil || op.CeilingAt == nil || op.MaxTTL.Duration() != 90*time.Second || op.MaxTTLSource != "explicit_max_ttl 1m30s" {
			t.Fatalf("operator token %+v, want a 90s ceiling from explicit_max_ttl", op)
		}
		// Vault caps a renewal at the same ceiling
		c, err := e.Vault.Client(tok)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Auth().Token().RenewSelfWithContext(ctx, 3600); err != nil {
			t.Fatal(err)
		}
		after := collectVaultAs(t, e, tok, "VAULT_TOKEN", config.Default()).Vault.OperatorToken
		if after.ExpireTime == nil || after.ExpireTime.After(op.CeilingAt.Add(time.Second)) || after.ExpireTime.Before(op.CeilingAt.Add(-2*time.Second)) {
			t.Errorf("expire time after renewal %v, want at the ceiling %v", after.ExpireTime, op.CeilingAt)
		}
		a := runbook.Triage(snap, snap.CollectedAt)
		if a.Facts.OperatorTokenCeiling == nil || !a.Facts.OperatorTokenCeiling.Equal(*op.CeilingAt) {
			t.Errorf("facts ceiling %v", a.Facts.OperatorTokenCeiling)
		}
	})

	t.Run("the token mount's max_lease_ttl", func(t *testing.T) {
		pol := "tune-reader-" + strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-"))
		if err := root.Sys().PutPolicy(pol, `path "sys/mounts/auth/token/tune" { capabilities = ["read"] }`); err != nil {
			t.Fatal(err)
		}
		s, err := root.Auth().Token().Create(&vault.TokenCreateRequest{Policies: []string{"default", pol}, TTL: "1h"})
		if err != nil {
			t.Fatal(err)
		}
		op := collectVaultAs(t, e, s.Auth.ClientToken, "VAULT_TOKEN", config.Default()).Vault.OperatorToken
		if op == nil || op.CeilingAt == nil || op.MaxTTLSource != "max_lease_ttl 768h of auth/token (the mount's, else the system's)" ||
			!op.CeilingAt.Equal(op.CreationTime.Add(768*time.Hour)) {
			t.Errorf("operator token %+v, want the system's 768h from its creation", op)
		}
	})

	t.Run("orchestrator at its role's token_max_ttl", func(t *testing.T) {
		w := seedWorld(t, false)
		role := "auth/" + w.cfg.Vault.KubernetesAuthMount + "/role/" + w.cfg.Vault.KubernetesAuthRole
		if _, err := root.Logical().Write(role, map[string]any{"token_ttl": "10m", "token_max_ttl": "20m"}); err != nil {
			t.Fatal(err)
		}
		sa, err := w.env.Kube.Client.CoreV1().ServiceAccounts(w.ns).CreateToken(ctx, w.cfg.Kubernetes.OrchestratorServiceAccount,
			&authv1.TokenRequest{Spec: authv1.TokenRequestSpec{ExpirationSeconds: ptr.To[int64](3600)}}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := root.Logical().Write("auth/"+w.cfg.Vault.KubernetesAuthMount+"/login", map[string]any{"role": w.cfg.Vault.KubernetesAuthRole, "jwt": sa.Status.Token}); err != nil {
			t.Fatal(err) // the new token is not kept: the tool finds it by accessor
		}
		s := w.collect(t)
		orch := s.Vault.OrchestratorToken
		if orch == nil || orch.CeilingAt == nil || orch.MaxTTL.Duration() != 20*time.Minute || !strings.HasPrefix(orch.MaxTTLSource, "token_max_ttl 20m of role "+role) {
			t.Fatalf("orchestrator token %+v (%s), want the role's 20m ceiling", orch, s.Vault.OrchestratorTokenNote)
		}
		a := runbook.Triage(s, s.CollectedAt)
		f, _ := a.Finding(runbook.ScenarioVaultTokenExpired)
		var ev string
		for _, sy := range f.Symptoms {
			if sy.ID == runbook.SymTokenExpiring && len(sy.Evidence) > 0 {
				ev = sy.Evidence[0].Observed
			}
		}
		if !strings.Contains(ev, "renewal cannot extend it, only a new login") || !strings.Contains(ev, "a restart only buys the same again") {
			t.Errorf("token-expiring evidence %q, want renewal ruled out", ev)
		}
		for _, st := range runbook.NewVars(s, s.CollectedAt).ForFinding(f).RenderSteps(runbook.MustDefault().StepsFor(f)) {
			if st.Action == runbook.ActionRenewToken && !strings.HasPrefix(st.Note, "Renewal cannot help now") {
				t.Errorf("renew step note %q", st.Note)
			}
			// the role's own token_max_ttl caps the new login's token too:
			// a restart is no fix (O4)
			if st.Action == runbook.ActionRestartOrchestrator && !strings.HasPrefix(st.Note, "A restart only buys the same again") {
				t.Errorf("restart step note %q", st.Note)
			}
			if st.Action == runbook.ActionFixRole && !strings.HasSuffix(st.Command, "token_max_ttl=24h") {
				t.Errorf("fix-role command %q, want the role's cap lifted", st.Command)
			}
		}
	})
}
