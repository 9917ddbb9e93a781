package actions

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/config"
	"github.com/oss-ai-agent-tool/kubectl-rotation/runbook"
)

// errNoVault is returned when a Vault change has no client.
var errNoVault = fmt.Errorf("%w: no Vault client", errNoTarget)

func ttlOf(d time.Duration) string {
	if d < 0 {
		return "unknown"
	}
	return d.String()
}

// vaultPlanners build the Vault actions' plans, by action id.
func vaultPlanners() map[string]planner {
	return map[string]planner{
		runbook.ActionRenewToken: func(in Input) (Plan, error) {
			acc := judgedAccessor(in)
			if acc == "" {
				// renewing the operator's own token would not extend the
				// orchestrator's: with no live token of it known there is
				// nothing this step can renew
				why := "no live token of the orchestrator's role is known"
				if v := in.Snapshot.Vault; v != nil && v.OrchestratorTokenNote != "" {
					why += " (" + v.OrchestratorTokenNote + ")"
				}
				return Plan{}, fmt.Errorf("%s: there is nothing to renew (an expired or revoked token cannot be renewed); restart the orchestrator so its pods log in to Vault again (Scenario 2's restart step)", why)
			}
			return RenewToken(acc), nil
		},
		runbook.ActionFixPolicy: func(in Input) (Plan, error) {
			p := FixPolicy(in.Snapshot.Config)
			if why := runbook.PolicyDecidedElsewhere(in.Snapshot); why != "" {
				if v := in.Snapshot.Vault; v != nil && v.Policy != nil && v.Policy.Text == p.Changes[0].WritePolicy.Text {
					// the write would change nothing and say "written"
					return Plan{}, fmt.Errorf("policy %s already holds what this writes: %s", v.Policy.Name, why)
				}
				p.Warning = "this write may not lift the denial: " + why
			}
			return p, nil
		},
		runbook.ActionFixRole: func(in Input) (Plan, error) {
			p := FixRoleFor(in.Snapshot.Config, in.Snapshot.Namespace, runbook.RoleServiceAccounts(in.Snapshot))
			if caps := runbook.RoleCapFields(in.Snapshot); caps != nil {
				p.Changes[0].WriteRole.Caps = caps
				for _, k := range slices.Sorted(maps.Keys(caps)) {
					p.Effects = append(p.Effects, k+"="+caps[k]+" (the role caps its tokens below the ttl)")
				}
			}
			return p, nil
		},
		runbook.ActionTrimVersions: func(in Input) (Plan, error) {
			c := in.Snapshot.Config
			trim := runbook.TrimCandidates(in.Snapshot, in.Tenants)
			if len(trim) == 0 {
				return Plan{}, fmt.Errorf("no tenant over retention is named by the evidence: trim one by hand (vault kv metadata put -max-versions=%d ...)", c.Vault.RetentionVersions)
			}
			return withPlannedVersions(TrimVersions(c, trim[0]), in.Snapshot), nil
		},
		runbook.ActionTrimVersionsAll: func(in Input) (Plan, error) {
			trim := runbook.TrimCandidates(in.Snapshot, in.Tenants)
			if len(trim) == 0 {
				return Plan{}, fmt.Errorf("no tenant over retention is named by the evidence")
			}
			return withPlannedVersions(TrimVersionsAll(in.Snapshot.Config, trim), in.Snapshot), nil
		},
	}
}

// judgedAccessor is the accessor of the orchestrator's token the
// diagnosis judged and the step's command renews (runbook.Vars'
// OrchestratorAccessor: of the role's live tokens, the soonest expiring
// among those a current orchestrator pod may hold), or "" when none is
// known. Vault's OrchestratorToken is the soonest expiring of all, which
// can be the token of a pod replaced since: renewing it would leave the
// judged one to expire while the action reports done.
func judgedAccessor(in Input) string {
	if in.Snapshot.Vault == nil {
		return ""
	}
	acc := runbook.NewVars(in.Snapshot, in.At).OrchestratorAccessor
	if len(runbook.Placeholders(acc)) > 0 {
		return ""
	}
	return acc
}

// RenewToken renews the orchestrator's token by accessor when accessor is
// set (auth/token/renew-accessor), else the operator's own token
// (renew-self); the TTL before and after is the result (runbook Scenario 2,
// Temporary Mitigation). Renewing by accessor falls back to the own token
// when renew-accessor is not permitted.
func RenewToken(accessor string) Plan {
	p := Plan{Action: runbook.ActionRenewToken, Kind: KindVault, Changes: []Change{{RenewToken: &RenewTokenChange{Accessor: accessor}}}}
	if accessor != "" {
		p.Title, p.Target = "Renew the orchestrator's Vault token", "vault token with accessor "+accessor
		p.Effects = []string{"extends the token's TTL up to its role's maximum; the token itself is never read"}
		p.Fallback = &Fallback{Plan: RenewToken(""),
			Note:  "Your Vault policy does not allow renew-accessor; this renews your own token instead, which does not extend the orchestrator's.",
			Short: "your own token: renew-accessor is not permitted"}
	} else {
		p.Title, p.Target = "Renew the operator's own Vault token", "the current Vault token"
		p.Effects = []string{"extends the current token's TTL"}
	}
	return p
}

func (c *RenewTokenChange) apply(ctx context.Context, t Targets, dry bool) (applied, error) {
	if t.Tokens == nil {
		return applied{}, errNoVault
	}
	before, err := t.Tokens.Lookup(ctx, c.Accessor)
	if err != nil {
		return applied{}, fmt.Errorf("look up the token: %w", err)
	}
	if dry {
		return applied{res: Result{Summary: "would renew; TTL now " + ttlOf(before), Before: ttlOf(before)}}, nil
	}
	if err := t.Tokens.Renew(ctx, c.Accessor); err != nil {
		return applied{}, sent("renew", err)
	}
	after, err := t.Tokens.Lookup(ctx, c.Accessor)
	if err != nil {
		// renewed: Vault answered the renewal; only its TTL now is unknown
		return applied{res: Result{Summary: fmt.Sprintf("renewed (Vault answered the renewal); TTL %s → unknown: the look-up after it failed: %v", ttlOf(before), err),
			Before: ttlOf(before), After: "unknown"}}, nil
	}
	return applied{res: Result{Summary: "TTL " + ttlOf(before) + " → " + ttlOf(after), Before: ttlOf(before), After: ttlOf(after)}}, nil
}

// FixPolicy writes the rotation policy the runbook requires (Scenario 1
// step 4) over the current one; the result shows both texts.
func FixPolicy(c config.Config) Plan {
	name := c.Vault.Policy
	return Plan{
		Action: runbook.ActionFixPolicy, Title: "Write the rotation policy the runbook requires", Kind: KindVault,
		Target:  "vault policy " + name,
		Effects: []string{"replaces the policy's text with the runbook's paths and capabilities (the diff is shown before you confirm)"},
		Changes: []Change{{WritePolicy: &WritePolicy{Name: name, Text: runbook.PolicyText(c)}}},
	}
}

func (c *WritePolicy) apply(ctx context.Context, t Targets, dry bool) (applied, error) {
	if t.Policies == nil {
		return applied{}, errNoVault
	}
	before, err := t.Policies.Policy(ctx, c.Name)
	if err != nil {
		return applied{}, fmt.Errorf("read policy %s: %w", c.Name, err)
	}
	if c.Shown != nil && before != *c.Shown {
		return applied{}, fmt.Errorf("policy %s %w: its text is not the one the diff showed (%s); nothing was changed: refresh and look again",
			c.Name, ErrChanged, changedLines(*c.Shown, before))
	}
	if dry {
		return applied{res: Result{Summary: "would replace policy " + c.Name, Before: before, After: c.Text}}, nil
	}
	if err := t.Policies.PutPolicy(ctx, c.Name, c.Text); err != nil {
		return applied{}, sent("write policy "+c.Name, err)
	}
	return applied{res: Result{Summary: "policy " + c.Name + " written", Object: c.Name, Before: before, After: c.Text}}, nil
}

// FixRole writes the Kubernetes-auth role as the runbook's Scenario 2 step
// 6 has it: the orchestrator's service account in this namespace, the
// rotation and secret-read policies, a 24 h TTL.
func FixRole(c config.Config, ns string) Plan { return FixRoleFor(c, ns, c.Kubernetes.VaultSA()) }

// FixRoleFor is FixRole binding the service accounts accounts (comma
// separated): the runbook's and those the pod templates really run as
// (runbook.RoleServiceAccounts), so that the role it writes admits the
// pods that will log in.
func FixRoleFor(c config.Config, ns, accounts string) Plan {
	ch := WriteRole{
		Path:                     "auth/" + c.Vault.KubernetesAuthMount + "/role/" + c.Vault.KubernetesAuthRole,
		BoundServiceAccountNames: accounts, BoundServiceAccountNamespaces: ns,
		Policies: c.Vault.Policy + ",secret-read", TTL: "24h",
	}
	return Plan{
		Action: runbook.ActionFixRole, Title: "Write the Kubernetes-auth role the runbook requires", Kind: KindVault,
		Target: "vault " + ch.Path,
		Effects: []string{
			"bound_service_account_names=" + ch.BoundServiceAccountNames, "bound_service_account_namespaces=" + ns,
			"policies=" + ch.Policies, "ttl=" + ch.TTL,
		},
		Changes: []Change{{WriteRole: &ch}},
	}
}

func (c *WriteRole) apply(ctx context.Context, t Targets, dry bool) (applied, error) {
	if t.Roles == nil {
		return applied{}, errNoVault
	}
	before, err := t.Roles.Read(ctx, c.Path)
	if err != nil {
		return applied{}, fmt.Errorf("read %s: %w", c.Path, err)
	}
	b := roleText(before)
	if c.Shown != nil && b != *c.Shown {
		return applied{}, fmt.Errorf("role %s %w: it is not what the diff showed (%s); nothing was changed: refresh and look again",
			c.Path, ErrChanged, changedLines(*c.Shown, b))
	}
	if err := c.withinMaxTTL(before); err != nil {
		return applied{}, err
	}
	if dry {
		return applied{res: Result{Summary: "would write " + c.Path, Before: b, After: c.text(before)}}, nil
	}
	if err := t.Roles.Write(ctx, c.Path, c.data()); err != nil {
		return applied{}, sent("write "+c.Path, err)
	}
	after, err := t.Roles.Read(ctx, c.Path)
	if err != nil {
		// written: Vault answered the write; only reading it back failed
		return applied{res: Result{Summary: fmt.Sprintf("%s written (Vault answered the write); reading it back failed: %v", c.Path, err), Object: c.Path,
			Before: b, After: "unknown"}}, nil
	}
	return applied{res: Result{Summary: c.Path + " written", Object: c.Path, Before: b, After: roleText(after)}}, nil
}

// text is the role as this change writes it, in roleText's form.
// withinMaxTTL refuses, before any write, a ttl above the role's own
// token_max_ttl, which the write leaves as it is: Vault would refuse the
// write ("token_ttl cannot be greater than token_max_ttl").
func (c *WriteRole) withinMaxTTL(role map[string]any) error {
	ttl, err := time.ParseDuration(c.TTL)
	if err != nil || role == nil {
		return nil
	}
	if _, ok := c.Caps["token_max_ttl"]; ok {
		return nil // written with it
	}
	n, err := strconv.ParseInt(fmt.Sprint(role["token_max_ttl"]), 10, 64)
	if err != nil || n <= 0 || ttl <= time.Duration(n)*time.Second {
		return nil
	}
	max := time.Duration(n) * time.Second
	return fmt.Errorf("role %s has token_max_ttl %s, below the ttl %s this writes, and Vault refuses a ttl above it; nothing was changed: raise it first (%s write %s token_max_ttl=%s), then run this again",
		c.Path, max, ttl, "vault", q(c.Path), c.TTL)
}

func (c *WriteRole) text(role map[string]any) string {
	ttl, _ := time.ParseDuration(c.TTL)
	caps := roleCapsOf(role) // the caps this write leaves as they are
	for i, k := range roleCapKeys {
		if v, ok := c.Caps[k]; ok {
			caps[i] = 0
			if v != "0" {
				caps[i], _ = time.ParseDuration(v)
			}
		}
	}
	typ := batchType(role)
	if v, ok := c.Caps["token_type"]; ok {
		typ = v
	}
	return roleLines(c.BoundServiceAccountNames, c.BoundServiceAccountNamespaces, c.Policies, ttl) + capLines(caps) + typeLine(typ)
}

// batchType is the role's token_type when it issues batch tokens, else "".
func batchType(data map[string]any) string {
	if t, _ := data["token_type"].(string); strings.Contains(t, "batch") {
		return t
	}
	return ""
}

// typeLine is the role's token_type line when it issues batch tokens.
func typeLine(typ string) string {
	if !strings.Contains(typ, "batch") {
		return ""
	}
	return "token_type = " + typ + "\n"
}

// changedLines says how text now differs from the text shown: the lines
// added and removed since, counted.
func changedLines(shown, now string) string {
	count := func(a, b string) int {
		seen := map[string]int{}
		for _, l := range strings.Split(b, "\n") {
			seen[l]++
		}
		n := 0
		for _, l := range strings.Split(a, "\n") {
			if seen[l] > 0 {
				seen[l]--
			} else {
				n++
			}
		}
		return n
	}
	return fmt.Sprintf("%d line(s) added, %d removed since", count(now, shown), count(shown, now))
}

// roleText is the role's fields the runbook sets, one per line, in the
// form roleLines writes, so the two can be diffed.
func roleText(data map[string]any) string {
	if data == nil {
		return "(absent)"
	}
	list := func(k string) string {
		switch v := data[k].(type) {
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
	if n, err := strconv.ParseInt(fmt.Sprint(data["token_ttl"]), 10, 64); err == nil {
		ttl = time.Duration(n) * time.Second
	}
	return roleLines(list("bound_service_account_names"), list("bound_service_account_namespaces"), list("token_policies"), ttl) + capLines(roleCapsOf(data)) + typeLine(batchType(data))
}

// roleCapsOf are a role's token_max_ttl and token_explicit_max_ttl as read
// (0: none).
func roleCapsOf(data map[string]any) [2]time.Duration {
	var caps [2]time.Duration
	for i, k := range roleCapKeys {
		if n, err := strconv.ParseInt(fmt.Sprint(data[k]), 10, 64); err == nil {
			caps[i] = time.Duration(n) * time.Second
		}
	}
	return caps
}

// roleCapKeys are the role's caps on its tokens that fix-role may write.
var roleCapKeys = [2]string{"token_max_ttl", "token_explicit_max_ttl"}

// capLines are the role's caps, one line each where set (0: none).
func capLines(caps [2]time.Duration) string {
	out := ""
	for i, d := range caps {
		if d > 0 {
			out += fmt.Sprintf("%s = %s\n", roleCapKeys[i], d)
		}
	}
	return out
}

func roleLines(names, namespaces, policies string, ttl time.Duration) string {
	return fmt.Sprintf("bound_service_account_names = %s\nbound_service_account_namespaces = %s\ntoken_policies = %s\ntoken_ttl = %s\n",
		names, namespaces, policies, ttl)
}

func trimChange(c config.Config, tenant string) Change {
	return Change{TrimVersions: &TrimKeyVersions{Mount: c.Vault.KVMount, Path: c.TenantPath(tenant), Keep: c.Vault.RetentionVersions, Tenant: tenant}}
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
		Effects:     []string{fmt.Sprintf("max_versions=%d", keep), fmt.Sprintf("destroys every version older than the newest %d (permanently)", keep)},
		Changes:     []Change{trimChange(c, tenant)},
		Destructive: true, ConfirmName: tenant,
		Warning: fmt.Sprintf("data encrypted with the destroyed key versions of %s can no longer be decrypted (the runbook's last resort, deleting the metadata of %s/%s, would remove every version and the key itself)", tenant, mount, path),
	}
}

// withPlannedVersions names, in each trim of the plan, the versions the
// snapshot shows beyond retention (runbook.BeyondRetention, as the step's
// command does), so that what the person confirms is what is destroyed.
// A tenant the snapshot cannot tell about keeps its trim unplanned.
func withPlannedVersions(p Plan, s *collectors.Snapshot) Plan {
	if s == nil || s.Vault == nil {
		return p
	}
	byID := map[string]collectors.Tenant{}
	for _, tn := range s.Vault.Tenants {
		byID[tn.ID] = tn
	}
	changes := slices.Clone(p.Changes)
	for i, c := range changes {
		if c.TrimVersions == nil {
			continue
		}
		tn, ok := byID[c.TrimVersions.Tenant]
		if !ok {
			continue
		}
		vs, ok := runbook.BeyondRetention(tn, c.TrimVersions.Keep)
		if !ok {
			continue
		}
		t := *c.TrimVersions
		t.Versions, t.VersionsKnown = vs, true
		changes[i] = Change{TrimVersions: &t}
	}
	p.Changes = changes
	if len(changes) == 1 && changes[0].TrimVersions != nil && changes[0].TrimVersions.VersionsKnown {
		t := changes[0].TrimVersions
		p.Effects = []string{fmt.Sprintf("max_versions=%d", t.Keep), "destroys " + versionsText(t.Versions) + " (permanently)"}
	}
	return p
}

func versionsText(vs []int) string {
	switch len(vs) {
	case 0:
		return "no version (none is beyond the retention)"
	case 1:
		return fmt.Sprintf("version %d", vs[0])
	}
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = strconv.Itoa(v)
	}
	return "versions " + strings.Join(parts, ", ")
}

// beyond counts the key's live versions (neither deleted nor destroyed)
// and lists, newest first, those older than the newest keep of them.
func (md KeyMetadata) beyond(keep int) (live int, older []int) {
	for v := md.CurrentVersion; v >= 1; v-- {
		meta, ok := md.Versions[v]
		if !ok || meta.Destroyed || meta.Deleted {
			continue
		}
		live++
		if live > keep {
			older = append(older, v)
		}
	}
	return live, older
}

// apply sets max_versions=Keep on the key and destroys its live versions
// beyond the newest Keep (only reads when dry). A trim that names its
// versions refuses, writing nothing, when those beyond Keep are others now.
func (c *TrimKeyVersions) apply(ctx context.Context, t Targets, dry bool) (applied, error) {
	if t.Versions == nil {
		return applied{}, errNoVault
	}
	md, err := t.Versions.Metadata(ctx, c.Mount, c.Path)
	if err != nil {
		return applied{}, fmt.Errorf("read metadata of %s: %w", c.Path, err)
	}
	live, destroy := md.beyond(c.Keep)
	if c.VersionsKnown {
		now := slices.Sorted(slices.Values(destroy))
		if !slices.Equal(now, c.Versions) {
			return applied{}, fmt.Errorf("the key %s/%s %w: the versions beyond the newest %d are now %v, the plan named %v; nothing was changed: refresh and look again",
				c.Mount, c.Path, ErrChanged, c.Keep, now, c.Versions)
		}
	}
	before := fmt.Sprintf("%d live versions, max_versions %d", live, md.MaxVersions)
	after := fmt.Sprintf("%d live versions, max_versions %d", min(live, c.Keep), c.Keep)
	a := applied{destroyed: len(destroy)}
	if dry {
		a.res = Result{Summary: fmt.Sprintf("would destroy versions %v and set max_versions=%d", destroy, c.Keep), Before: before, After: after}
		return a, nil
	}
	if err := t.Versions.SetMaxVersions(ctx, c.Mount, c.Path, c.Keep); err != nil {
		return applied{}, sent("set max_versions on "+c.Path, err)
	}
	if len(destroy) > 0 {
		if err := t.Versions.Destroy(ctx, c.Mount, c.Path, destroy); err != nil {
			return applied{}, sent(fmt.Sprintf("destroy versions %v of %s (max_versions was set)", destroy, c.Path), err)
		}
	}
	a.res = Result{Summary: fmt.Sprintf("destroyed versions %v, max_versions=%d", destroy, c.Keep), Object: c.Path, Before: before, After: after}
	return a, nil
}

// TrimVersionsAll trims every tenant the evidence names over retention, as
// TrimVersions does for one: for the engineer facing dozens of them. It
// stops at the first tenant that fails and says which were done. The
// number of tenants must be typed to confirm ("14 tenants").
func TrimVersionsAll(c config.Config, tenants []string) Plan {
	mount, keep := c.Vault.KVMount, c.Vault.RetentionVersions
	tenants = slices.Clone(tenants)
	changes := make([]Change, 0, len(tenants))
	for _, tn := range tenants {
		changes = append(changes, trimChange(c, tn))
	}
	confirm := fmt.Sprintf("%d tenants", len(tenants))
	return Plan{
		Action: runbook.ActionTrimVersionsAll, Title: fmt.Sprintf("Trim %d tenants to %d key versions", len(tenants), keep), Kind: KindVault,
		Target: fmt.Sprintf("vault %s, tenants %s", mount, strings.Join(tenants, ", ")),
		Effects: []string{fmt.Sprintf("for each tenant: max_versions=%d", keep),
			fmt.Sprintf("for each tenant: destroys every version older than the newest %d (permanently)", keep)},
		Changes:     changes,
		Destructive: true, ConfirmName: confirm,
		Warning: fmt.Sprintf("data encrypted with the destroyed key versions of %s can no longer be decrypted", confirm),
	}
}
