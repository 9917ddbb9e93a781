package actions

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	vault "github.com/hashicorp/vault/api"

	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/config"
	"github.com/oss-ai-agent-tool/kubectl-rotation/runbook"
)

func ttlOf(s *vault.Secret) string {
	if s == nil {
		return "unknown"
	}
	if d, err := s.TokenTTL(); err == nil {
		return d.String()
	}
	return "unknown"
}

// RenewToken renews the orchestrator's token by accessor when accessor is
// set (auth/token/renew-accessor), else the operator's own token
// (renew-self); the TTL before and after is the result (runbook Scenario 2,
// Temporary Mitigation).
func RenewToken(accessor string) Plan {
	p := Plan{Action: runbook.ActionRenewToken, Kind: KindVault}
	if accessor != "" {
		p.Title, p.Target = "Renew the orchestrator's Vault token", "vault token with accessor "+accessor
		p.Changes = []string{"extends the token's TTL up to its role's maximum; the token itself is never read"}
		p.Command = "vault token renew -accessor " + accessor
		p.Permissions = []Permission{{Path: "auth/token/renew-accessor", Capability: "update"}}
	} else {
		p.Title, p.Target = "Renew the operator's own Vault token", "the current Vault token"
		p.Changes = []string{"extends the current token's TTL"}
		p.Command = "vault token renew"
		p.Permissions = []Permission{{Path: "auth/token/renew-self", Capability: "update"}}
	}
	p.run = func(ex *Executor, dry bool) (Result, error) {
		ctx, cancel := context.WithTimeout(context.Background(), actionTimeout)
		defer cancel()
		lookup := func() (*vault.Secret, error) {
			if accessor != "" {
				return ex.Vault.Auth().Token().LookupAccessorWithContext(ctx, accessor)
			}
			return ex.Vault.Auth().Token().LookupSelfWithContext(ctx)
		}
		before, err := lookup()
		if err != nil {
			return Result{}, fmt.Errorf("look up the token: %w", err)
		}
		if dry {
			return Result{Summary: "would renew; TTL now " + ttlOf(before), Before: ttlOf(before)}, nil
		}
		if accessor != "" {
			_, err = ex.Vault.Logical().WriteWithContext(ctx, "auth/token/renew-accessor", map[string]any{"accessor": accessor})
		} else {
			_, err = ex.Vault.Auth().Token().RenewSelfWithContext(ctx, 0)
		}
		if err != nil {
			return Result{}, fmt.Errorf("renew: %w", err)
		}
		after, err := lookup()
		if err != nil {
			return Result{}, fmt.Errorf("look up the token after renewing: %w", err)
		}
		return Result{Summary: "TTL " + ttlOf(before) + " → " + ttlOf(after), Before: ttlOf(before), After: ttlOf(after)}, nil
	}
	return p
}

// FixPolicy writes the rotation policy the runbook requires (Scenario 1
// step 4) over the current one; the result shows both texts.
func FixPolicy(c config.Config) Plan {
	name := c.Vault.Policy
	text := runbook.PolicyText(c)
	return Plan{
		Action: runbook.ActionFixPolicy, Title: "Write the rotation policy the runbook requires", Kind: KindVault,
		Target:      "vault policy " + name,
		Changes:     []string{"replaces the policy's text with the runbook's paths and capabilities (the diff is shown before you confirm)"},
		Command:     fmt.Sprintf("vault policy write %s - <<EOF\n%sEOF", name, text),
		Permissions: []Permission{{Path: "sys/policies/acl/" + name, Capability: "update"}},
		run: func(ex *Executor, dry bool) (Result, error) {
			ctx, cancel := context.WithTimeout(context.Background(), actionTimeout)
			defer cancel()
			before, err := ex.Vault.Sys().GetPolicyWithContext(ctx, name)
			if err != nil {
				return Result{}, fmt.Errorf("read policy %s: %w", name, err)
			}
			if dry {
				return Result{Summary: "would replace policy " + name, Before: before, After: text}, nil
			}
			if err := ex.Vault.Sys().PutPolicyWithContext(ctx, name, text); err != nil {
				return Result{}, fmt.Errorf("write policy %s: %w", name, err)
			}
			return Result{Summary: "policy " + name + " written", Object: name, Before: before, After: text}, nil
		},
	}
}

// FixRole writes the Kubernetes-auth role as the runbook's Scenario 2 step
// 6 has it: the orchestrator's service account in this namespace, the
// rotation and secret-read policies, a 24 h TTL.
func FixRole(c config.Config, ns string) Plan {
	path := "auth/" + c.Vault.KubernetesAuthMount + "/role/" + c.Vault.KubernetesAuthRole
	data := map[string]any{
		"bound_service_account_names":      c.Kubernetes.VaultSA(),
		"bound_service_account_namespaces": ns,
		"policies":                         c.Vault.Policy + ",secret-read",
		"ttl":                              "24h",
	}
	return Plan{
		Action: runbook.ActionFixRole, Title: "Write the Kubernetes-auth role the runbook requires", Kind: KindVault,
		Target: "vault " + path,
		Changes: []string{
			"bound_service_account_names=" + c.Kubernetes.VaultSA(), "bound_service_account_namespaces=" + ns,
			"policies=" + c.Vault.Policy + ",secret-read", "ttl=24h",
		},
		Command: fmt.Sprintf("vault write %s bound_service_account_names=%s bound_service_account_namespaces=%s policies=%s,secret-read ttl=24h",
			path, c.Kubernetes.VaultSA(), ns, c.Vault.Policy),
		Permissions: []Permission{{Path: path, Capability: "update"}},
		run: func(ex *Executor, dry bool) (Result, error) {
			ctx, cancel := context.WithTimeout(context.Background(), actionTimeout)
			defer cancel()
			before, err := ex.Vault.Logical().ReadWithContext(ctx, path)
			if err != nil {
				return Result{}, fmt.Errorf("read %s: %w", path, err)
			}
			b := roleText(before)
			if dry {
				want := roleLines(c.Kubernetes.VaultSA(), ns, c.Vault.Policy+",secret-read", 24*time.Hour)
				return Result{Summary: "would write " + path, Before: b, After: want}, nil
			}
			if _, err := ex.Vault.Logical().WriteWithContext(ctx, path, data); err != nil {
				return Result{}, fmt.Errorf("write %s: %w", path, err)
			}
			after, err := ex.Vault.Logical().ReadWithContext(ctx, path)
			if err != nil {
				return Result{}, fmt.Errorf("read %s after writing: %w", path, err)
			}
			return Result{Summary: path + " written", Object: path, Before: b, After: roleText(after)}, nil
		},
	}
}

// roleText is the role's fields the runbook sets, one per line, in the
// form roleLines writes, so the two can be diffed.
func roleText(s *vault.Secret) string {
	if s == nil || s.Data == nil {
		return "(absent)"
	}
	list := func(k string) string {
		switch v := s.Data[k].(type) {
		case []any:
			parts := make([]string, len(v))
			for i, x := range v {
				parts[i] = fmt.Sprint(x)
			}
			return strings.Join(parts, ",")
		case nil:
			return ""
		default:
			return fmt.Sprint(v)
		}
	}
	ttl := time.Duration(0)
	if n, err := strconv.ParseInt(fmt.Sprint(s.Data["token_ttl"]), 10, 64); err == nil {
		ttl = time.Duration(n) * time.Second
	}
	return roleLines(list("bound_service_account_names"), list("bound_service_account_namespaces"), list("token_policies"), ttl)
}

func roleLines(names, namespaces, policies string, ttl time.Duration) string {
	return fmt.Sprintf("bound_service_account_names = %s\nbound_service_account_namespaces = %s\ntoken_policies = %s\ntoken_ttl = %s\n",
		names, namespaces, policies, ttl)
}

// TrimVersions brings one tenant's key to the retention: it sets
// max_versions and destroys the live versions beyond the newest keep
// (runbook Scenario 4). Destroyed versions cannot be recovered, so the
// tenant's id must be typed to confirm.
func TrimVersions(c config.Config, tenant string) Plan {
	mount, keep := c.Vault.KVMount, c.Vault.RetentionVersions
	path := c.TenantPath(tenant)
	return Plan{
		Action: runbook.ActionTrimVersions, Title: fmt.Sprintf("Trim tenant %s to %d key versions", tenant, keep), Kind: KindVault,
		Target:      fmt.Sprintf("vault %s/%s", mount, path),
		Changes:     []string{fmt.Sprintf("max_versions=%d", keep), fmt.Sprintf("destroys every version older than the newest %d (permanently)", keep)},
		Command:     fmt.Sprintf("vault kv metadata put -max-versions=%d %s/%s && vault kv destroy -versions=<older versions> %s/%s", keep, mount, path, mount, path),
		Destructive: true, ConfirmName: tenant,
		Warning:     fmt.Sprintf("data encrypted with the destroyed key versions of %s can no longer be decrypted; the runbook's last resort, `vault kv metadata delete %s/%s`, would remove every version and the key itself", tenant, mount, path),
		Permissions: trimPermissions(c, tenant),
		run: func(ex *Executor, dry bool) (Result, error) {
			ctx, cancel := context.WithTimeout(context.Background(), actionTimeout)
			defer cancel()
			t, err := trimOne(ctx, ex.Vault.KVv2(mount), path, keep, dry)
			if err != nil {
				return Result{}, err
			}
			if dry {
				return Result{Summary: fmt.Sprintf("would destroy versions %v and set max_versions=%d", t.destroy, keep), Before: t.before, After: t.after}, nil
			}
			return Result{Summary: fmt.Sprintf("destroyed versions %v, max_versions=%d", t.destroy, keep), Object: path, Before: t.before, After: t.after}, nil
		},
	}
}

// trimPermissions are what trimming a tenant's key needs: updating its
// metadata (max_versions) and destroying its versions.
func trimPermissions(c config.Config, tenant string) []Permission {
	path := c.TenantPath(tenant)
	return []Permission{
		{Path: c.Vault.KVMount + "/metadata/" + path, Capability: "update"},
		{Path: c.Vault.KVMount + "/destroy/" + path, Capability: "update"},
	}
}

type trimmed struct {
	destroy       []int
	before, after string
}

// trimOne sets max_versions=keep on path and destroys its live versions
// beyond the newest keep (only reads when dry).
func trimOne(ctx context.Context, kv *vault.KVv2, path string, keep int, dry bool) (trimmed, error) {
	md, err := kv.GetMetadata(ctx, path)
	if err != nil {
		return trimmed{}, fmt.Errorf("read metadata of %s: %w", path, err)
	}
	var t trimmed
	live := 0
	for v := md.CurrentVersion; v >= 1; v-- {
		meta, ok := md.Versions[fmt.Sprint(v)]
		if !ok || meta.Destroyed || !meta.DeletionTime.IsZero() {
			continue
		}
		live++
		if live > keep {
			t.destroy = append(t.destroy, v)
		}
	}
	t.before = fmt.Sprintf("%d live versions, max_versions %d", live, md.MaxVersions)
	t.after = fmt.Sprintf("%d live versions, max_versions %d", min(live, keep), keep)
	if dry {
		return t, nil
	}
	if err := kv.PatchMetadata(ctx, path, vault.KVMetadataPatchInput{MaxVersions: &keep}); err != nil {
		return t, fmt.Errorf("set max_versions on %s: %w", path, err)
	}
	if len(t.destroy) > 0 {
		if err := kv.Destroy(ctx, path, t.destroy); err != nil {
			return t, fmt.Errorf("destroy versions %v of %s (max_versions was set): %w", t.destroy, path, err)
		}
	}
	return t, nil
}

// TrimVersionsAll trims every tenant the evidence names over retention, as
// TrimVersions does for one: for the engineer facing dozens of them. It
// stops at the first tenant that fails and says which were done. The
// number of tenants must be typed to confirm ("14 tenants").
func TrimVersionsAll(c config.Config, tenants []string) Plan {
	mount, keep := c.Vault.KVMount, c.Vault.RetentionVersions
	tenants = slices.Clone(tenants)
	var perms []Permission
	for _, tn := range tenants {
		perms = append(perms, trimPermissions(c, tn)...)
	}
	confirm := fmt.Sprintf("%d tenants", len(tenants))
	return Plan{
		Action: runbook.ActionTrimVersionsAll, Title: fmt.Sprintf("Trim %d tenants to %d key versions", len(tenants), keep), Kind: KindVault,
		Target: fmt.Sprintf("vault %s, tenants %s", mount, strings.Join(tenants, ", ")),
		Changes: []string{fmt.Sprintf("for each tenant: max_versions=%d", keep),
			fmt.Sprintf("for each tenant: destroys every version older than the newest %d (permanently)", keep)},
		Command: fmt.Sprintf("for t in %s; do vault kv metadata put -max-versions=%d %s/%s && vault kv destroy -versions=<older versions> %s/%s; done",
			strings.Join(tenants, " "), keep, mount, c.TenantPath("$t"), mount, c.TenantPath("$t")),
		Destructive: true, ConfirmName: confirm,
		Warning:     fmt.Sprintf("data encrypted with the destroyed key versions of %s can no longer be decrypted", confirm),
		Permissions: perms,
		run: func(ex *Executor, dry bool) (Result, error) {
			ctx, cancel := context.WithTimeout(context.Background(), actionTimeout+time.Duration(len(tenants))*time.Second)
			defer cancel()
			kv := ex.Vault.KVv2(mount)
			destroyed := 0
			var done []string
			for _, tn := range tenants {
				t, err := trimOne(ctx, kv, c.TenantPath(tn), keep, dry)
				if err != nil {
					return Result{}, fmt.Errorf("%s: %w; trimmed before it: %s", tn, err, strings.Join(orNone(done), ", "))
				}
				destroyed += len(t.destroy)
				done = append(done, tn)
			}
			if dry {
				return Result{Summary: fmt.Sprintf("would destroy %d versions in %d tenants and set max_versions=%d", destroyed, len(tenants), keep)}, nil
			}
			return Result{Summary: fmt.Sprintf("destroyed %d versions in %d tenants, max_versions=%d", destroyed, len(tenants), keep), Object: mount}, nil
		},
	}
}

func orNone(s []string) []string {
	if len(s) == 0 {
		return []string{"none"}
	}
	return s
}
