package lab

import (
	"context"
	"fmt"
	"slices"
	"strings"

	vault "github.com/hashicorp/vault/api"
	"golang.org/x/sync/errgroup"
	authv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// versionsOf is how many versions a tenant's key has in the seeded Vault and
// the max_versions set on it (0 = unlimited).
func (w *world) versionsOf(i int, tn string) (versions, maxVersions int) {
	switch {
	case slices.Contains(w.overRetention, tn):
		return 9 + (i*7)%23, 0
	case i%3 == 0:
		return 2 + i%4, 0 // young tenants, within retention, no max set
	default:
		return 4 + i%5, w.n.RetentionVersions // max_versions trims to retention
	}
}

// vaultWriters is how many tenants are written at once.
const vaultWriters = 16

// seedVaultTenants writes each tenant's key with its version history,
// vaultWriters tenants at once (10,000 tenants one by one took minutes).
// The values are random and start with the secret marker; nothing else
// reads them.
func (w *world) seedVaultTenants(ctx context.Context) error {
	c := w.t.Vault
	if err := ensureKVv2(c, w.n.KVMount); err != nil {
		return err
	}
	kv := c.KVv2(w.n.KVMount)
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(vaultWriters)
	for i, tn := range w.tenants {
		g.Go(func() error { return w.seedTenant(ctx, kv, i, tn) })
	}
	return g.Wait()
}

// seedTenant writes one tenant's key versions.
func (w *world) seedTenant(ctx context.Context, kv *vault.KVv2, i int, tn string) error {
	path := w.n.TenantPath(tn)
	versions, maxV := w.versionsOf(i, tn)
	if maxV > 0 {
		if err := kv.PutMetadata(ctx, path, vault.KVMetadataPutInput{MaxVersions: maxV}); err != nil {
			return fmt.Errorf("set max_versions on %s: %w", path, err)
		}
	}
	for v := 1; v <= versions; v++ {
		data := map[string]any{"key": w.marker + "-" + randHex(16), "algorithm": "AES256_GCM", "keyVersion": v}
		if _, err := kv.Put(ctx, path, data); err != nil {
			return fmt.Errorf("write %s/%s version %d: %w", w.n.KVMount, path, v, err)
		}
	}
	// a version beyond retention destroyed, as the cleanup leaves them
	// (one within retention would be a lost key: issue 16)
	if tn == "t-002" && versions > w.n.RetentionVersions {
		if err := kv.Destroy(ctx, path, []int{1}); err != nil {
			return fmt.Errorf("destroy %s version 1: %w", path, err)
		}
	}
	return nil
}

func ensureKVv2(c *vault.Client, mount string) error {
	mounts, err := c.Sys().ListMounts()
	if err != nil {
		return fmt.Errorf("list mounts: %w", err)
	}
	if m, ok := mounts[mount+"/"]; ok {
		if m.Type != "kv" || m.Options["version"] != "2" {
			return fmt.Errorf("mount %s/ is %s version %q, want kv version 2", mount, m.Type, m.Options["version"])
		}
		return nil
	}
	if err := c.Sys().Mount(mount, &vault.MountInput{Type: "kv", Options: map[string]string{"version": "2"}}); err != nil {
		return fmt.Errorf("mount kv v2 at %s: %w", mount, err)
	}
	return nil
}

// PolicyText is the cmek-rotation policy the runbook asks for (Scenario 1
// step 4), for the given mount and tenant path template. The runbook writes
// the tenant segment as "*", which Vault treats literally in the middle of a
// path; "+" is the one-segment wildcard that grants what the runbook means.
func PolicyText(mount, template string) string {
	p := strings.Replace(template, "{tenant}", "+", 1)
	return fmt.Sprintf(`path "%s/data/%s" {
  capabilities = ["create", "read", "update", "delete"]
}
path "%s/metadata/%s" {
  capabilities = ["list", "read", "delete"]
}
`, mount, p, mount, p)
}

func (w *world) seedVaultPolicies(ctx context.Context) error {
	sys := w.t.Vault.Sys()
	text := PolicyText(w.n.KVMount, w.n.TenantPathTemplate)
	if w.sc[RotationJobFailing] {
		// read-only on data and no metadata rule: rotation gets 403
		p := strings.Replace(w.n.TenantPathTemplate, "{tenant}", "+", 1)
		text = fmt.Sprintf("path \"%s/data/%s\" {\n  capabilities = [\"read\"]\n}\n", w.n.KVMount, p)
	}
	if err := sys.PutPolicyWithContext(ctx, w.n.Policy, text); err != nil {
		return fmt.Errorf("write policy %s: %w", w.n.Policy, err)
	}
	read := fmt.Sprintf("path \"%s/data/*\" {\n  capabilities = [\"read\"]\n}\n", w.n.KVMount)
	if err := sys.PutPolicyWithContext(ctx, "secret-read", read); err != nil {
		return fmt.Errorf("write policy secret-read: %w", err)
	}
	return nil
}

// seedVaultAuth enables Kubernetes auth against the real API server, writes
// the orchestrator's role and logs in with a service-account token from the
// TokenRequest API, so the orchestrator's Vault token carries the role's
// metadata as in production. Only the token's accessor is kept.
func (w *world) seedVaultAuth(ctx context.Context) error {
	c, kube, ns := w.t.Vault, w.t.Kube, w.t.Namespace
	auths, err := c.Sys().ListAuthWithContext(ctx)
	if err != nil {
		return fmt.Errorf("list auth methods: %w", err)
	}
	if _, ok := auths[w.n.AuthMount+"/"]; !ok {
		if err := c.Sys().EnableAuthWithOptionsWithContext(ctx, w.n.AuthMount, &vault.EnableAuthOptions{Type: "kubernetes"}); err != nil {
			return fmt.Errorf("enable kubernetes auth at %s: %w", w.n.AuthMount, err)
		}
	}
	reviewer, err := kube.CoreV1().ServiceAccounts(ns).CreateToken(ctx, ReviewerSA,
		&authv1.TokenRequest{Spec: authv1.TokenRequestSpec{ExpirationSeconds: ptr.To[int64](7 * 24 * 3600)}}, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("token for %s: %w", ReviewerSA, err)
	}
	if _, err := c.Logical().WriteWithContext(ctx, "auth/"+w.n.AuthMount+"/config", map[string]any{
		"kubernetes_host":      w.t.APIServerURL,
		"kubernetes_ca_cert":   string(w.t.APIServerCA),
		"token_reviewer_jwt":   reviewer.Status.Token,
		"disable_local_ca_jwt": true,
	}); err != nil {
		return fmt.Errorf("configure kubernetes auth: %w", err)
	}
	role := "auth/" + w.n.AuthMount + "/role/" + w.n.AuthRole
	ttl := "24h"
	if w.sc[VaultTokenExpired] {
		ttl = "10m"
	}
	if _, err := c.Logical().WriteWithContext(ctx, role, map[string]any{
		"bound_service_account_names":      w.n.OrchestratorSA,
		"bound_service_account_namespaces": ns,
		"policies":                         w.n.Policy + ",secret-read",
		"ttl":                              ttl,
	}); err != nil {
		return fmt.Errorf("write role %s: %w", role, err)
	}
	sa, err := kube.CoreV1().ServiceAccounts(ns).CreateToken(ctx, w.n.OrchestratorSA,
		&authv1.TokenRequest{Spec: authv1.TokenRequestSpec{ExpirationSeconds: ptr.To[int64](3600)}}, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("token for %s: %w", w.n.OrchestratorSA, err)
	}
	login, err := c.Logical().WriteWithContext(ctx, "auth/"+w.n.AuthMount+"/login", map[string]any{"role": w.n.AuthRole, "jwt": sa.Status.Token})
	if err != nil {
		return fmt.Errorf("log in as %s through kubernetes auth: %w", w.n.OrchestratorSA, err)
	}
	if login == nil || login.Auth == nil {
		return fmt.Errorf("log in as %s through kubernetes auth: no auth in the response", w.n.OrchestratorSA)
	}
	w.accessor = login.Auth.Accessor
	if w.sc[VaultTokenExpired] {
		// the role later drifted: bound to another namespace, so re-login
		// fails too (runbook Scenario 2 step 6)
		if _, err := c.Logical().WriteWithContext(ctx, role, map[string]any{"bound_service_account_namespaces": "default"}); err != nil {
			return fmt.Errorf("update role %s: %w", role, err)
		}
	}
	return nil
}
