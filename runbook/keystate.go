package runbook

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/shell"
)

// ComplianceKeyUnavailable: a tenant's key, or a version of it still
// within retention, cannot be read — its current version is soft-deleted
// or destroyed, versions within retention are, or the key is gone while the
// audit log or the metrics still name the tenant. The runbook's
// compliance notes ask to report what "prevents data access or recovery".
const ComplianceKeyUnavailable = "key-unavailable"

// symptomKeyLost is Scenario 4's symptom for it (runbook.yaml).
const symptomKeyLost = SymKeyVersionsLost

// The runbook's words for what a lost key means.
const (
	impactKeyNotFound = "Encryption key not found"
	impactOldKeys     = "data encrypted with old keys may become inaccessible"
)

// keyLoss is one tenant's unavailable key versions.
type keyLoss struct {
	tenant, path string
	// undelete are the soft-deleted versions still needed (`vault kv
	// undelete` restores them); destroyed those gone for good.
	undelete, destroyed []int
	// dropped are versions within retention Vault no longer keeps at
	// all (max_versions trimmed them): gone for good.
	dropped []int
	missing bool
	detail  string
}

// neededFrom is the oldest version a tenant still needs: the newest keep
// versions up to the current one are within retention.
func neededFrom(tn collectors.Tenant, keep int) int {
	return max(1, tn.CurrentVersion-keep+1)
}

// Undeletable returns the soft-deleted versions of a tenant's key that are
// still needed (the current one, or one within the newest keep versions),
// ascending; `vault kv undelete -versions=...` restores them.
func Undeletable(tn collectors.Tenant, keep int) []int {
	var out []int
	for _, v := range tn.Deleted {
		if v >= neededFrom(tn, keep) && v <= tn.CurrentVersion {
			out = append(out, v)
		}
	}
	return out
}

func destroyedNeeded(tn collectors.Tenant, keep int) []int {
	var out []int
	for _, v := range tn.Destroyed {
		if v >= neededFrom(tn, keep) && v <= tn.CurrentVersion {
			out = append(out, v)
		}
	}
	return out
}

// keyPath is a tenant's key as the Vault CLI names it (mount/path).
func keyPath(s *collectors.Snapshot, tenant string) string {
	return s.Config.Vault.KVMount + "/" + s.Config.TenantPath(tenant)
}

func versionList(vs []int) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = fmt.Sprint(v)
	}
	return strings.Join(parts, ",")
}

// keyLossOf judges one tenant's key metadata, or returns nil when every
// version it needs is there.
func (t *triage) keyLossOf(tn collectors.Tenant, keep int) *keyLoss {
	if tn.Error != "" {
		return nil
	}
	l := &keyLoss{tenant: tn.ID, path: keyPath(t.s, tn.ID)}
	if tn.Missing {
		l.missing = true
		l.detail = fmt.Sprintf("key %s is gone (404 on its metadata): %s", l.path, impactKeyNotFound)
		return l
	}
	l.undelete, l.destroyed, l.dropped = Undeletable(tn, keep), destroyedNeeded(tn, keep), droppedNeeded(tn, keep)
	if len(l.undelete) == 0 && len(l.destroyed) == 0 && len(l.dropped) == 0 {
		return nil
	}
	var parts []string
	cur := tn.CurrentVersion
	switch {
	case slices.Contains(l.destroyed, cur):
		parts = append(parts, fmt.Sprintf("current key version %d destroyed: %s, and its key material is gone", cur, impactKeyNotFound))
	case slices.Contains(l.undelete, cur):
		when := ""
		if tn.CurrentDeletionTime != nil {
			when = " " + ago(t.now, *tn.CurrentDeletionTime)
		}
		parts = append(parts, fmt.Sprintf("current key version %d soft-deleted%s: %s", cur, when, impactKeyNotFound))
	}
	older := func(vs []int) []int {
		return slices.DeleteFunc(slices.Clone(vs), func(v int) bool { return v == cur })
	}
	if o := older(l.undelete); len(o) > 0 {
		parts = append(parts, fmt.Sprintf("version %s, within retention (%d), soft-deleted: %s", versionList(o), keep, impactOldKeys))
	}
	if o := older(l.destroyed); len(o) > 0 {
		parts = append(parts, fmt.Sprintf("version %s, within retention (%d), destroyed: %s", versionList(o), keep, impactOldKeys))
	}
	if len(l.dropped) > 0 {
		why := "max_versions trimmed them"
		if lim := t.limitOf(tn, keep); lim.known && lim.n < keep {
			why = fmt.Sprintf("it keeps %d versions: %s", lim.n, lim.from)
		}
		parts = append(parts, fmt.Sprintf("version %s, within retention (%d), no longer kept by Vault (the oldest it keeps is %d; %s): %s", versionList(l.dropped), keep, tn.OldestVersion, why, impactOldKeys))
	}
	if len(l.undelete) > 0 {
		// under delete_version_after an undelete holds only once it is
		// lifted: Vault stamps the undeleted version now + the setting
		cmds, unsure := restoreCommands(t.s, shell.Vault(t.s.Connection.VaultEnv), tn, keep)
		parts = append(parts, "restore with: "+strings.Join(cmds, " && "))
		if unsure != "" {
			parts = append(parts, unsure)
		}
	}
	switch {
	case len(l.destroyed) > 0 && len(l.dropped) > 0:
		parts = append(parts, "a destroyed or dropped version cannot be undeleted: only a restore of Vault from a backup brings it back")
	case len(l.destroyed) > 0:
		parts = append(parts, "a destroyed version cannot be undeleted: only a restore of Vault from a backup brings it back")
	case len(l.dropped) > 0:
		parts = append(parts, "a dropped version cannot be undeleted: only a restore of Vault from a backup brings it back")
	}
	l.detail = strings.Join(parts, "; ")
	return l
}

// namedTenants are the tenants the audit log (events in the last week) or
// the metrics (a tenant label) name, with where.
func (t *triage) namedTenants() map[string]string {
	out := map[string]string{}
	if a, why := t.audit(); why == "" {
		for id, ts := range a.Tenants {
			if ts.LastEvent == nil || t.now.Sub(*ts.LastEvent) < 7*24*time.Hour {
				out[id] = "the audit log"
			}
		}
	}
	if p := t.s.Prometheus; p != nil && t.unreadable(collectors.SourcePrometheus) == "" {
		for _, m := range p.Metrics {
			for _, id := range m.Tenants {
				if out[id] == "" {
					out[id] = "metric " + m.Name
				}
			}
			for _, s := range m.Series { // and snapshots from before Metric.Tenants
				for _, k := range collectors.TenantLabels {
					if id := s.Labels[k]; id != "" && out[id] == "" {
						out[id] = "metric " + m.Name
					}
				}
			}
		}
	}
	return out
}

// keyLosses judges every tenant's key, the keys the audit log or the
// metrics name but Vault does not list included. It returns why the keys
// could not be judged when Vault's tenants were not read.
func (t *triage) keyLosses() ([]keyLoss, []ComplianceFinding, string) {
	ts, why := t.tenants()
	if why != "" {
		return nil, nil, why
	}
	keep := t.s.Config.Vault.RetentionVersions
	var out []keyLoss
	listed := map[string]bool{}
	named := t.namedTenants()
	_, auditWhy := t.audit()
	namesRead := auditWhy == "" || t.unreadable(collectors.SourcePrometheus) == ""
	for _, tn := range ts {
		listed[tn.ID] = true
		if tn.Missing && named[tn.ID] == "" && namesRead {
			// a folder under the tenants' path with no key in it (a tenant
			// not rotated yet, or other secrets) that nothing names: no
			// key lost
			continue
		}
		if l := t.keyLossOf(tn, keep); l != nil {
			if tn.Missing && named[tn.ID] == "" {
				l.detail += " (whether it is a tenant in use cannot be told: neither the audit log nor the metrics could be read)"
			}
			out = append(out, *l)
		}
	}
	var extra []ComplianceFinding
	if missing := countFunc(ts, func(tn collectors.Tenant) bool { return tn.Missing }); len(ts) >= 2 && missing == len(ts) {
		// not one listed tenant folder holds a key at the template's path:
		// the template does not say where the keys are (tenants/{tenant}/key
		// for .../cmek), more likely than every key gone
		prefix, suffix, _ := strings.Cut(t.s.Config.Vault.TenantPathTemplate, "{tenant}")
		kept := out[:0]
		for _, l := range out {
			if !l.missing {
				kept = append(kept, l)
			}
		}
		out = kept
		extra = append(extra, ComplianceFinding{Tenant: "*", Kind: ComplianceKeyUnavailable, Severity: SeverityWarning,
			Detail: fmt.Sprintf("none of the %d tenant folders listed under %s/metadata/%s has a key at %s (%s: 404): the template names the key otherwise than it is kept (check vault.tenantPathTemplate in the config), or every key is gone (%s)",
				len(ts), t.s.Config.Vault.KVMount, prefix, "{tenant}"+suffix, keyPath(t.s, ts[0].ID), impactKeyNotFound),
			Evidence: []Evidence{{Source: collectors.SourceVault, Fact: "tenant folders listed, with a key at the template's path", Observed: fmt.Sprintf("%d, none", len(ts))}}})
		return out, extra, ""
	}
	var gone []string
	for id := range named {
		if !listed[id] {
			gone = append(gone, id)
		}
	}
	sort.Strings(gone)
	prefix, _, _ := strings.Cut(t.s.Config.Vault.TenantPathTemplate, "{tenant}")
	switch {
	case len(gone) == 0:
	case len(gone) == len(named) && len(ts) > 0:
		// not one name matches: the audit log and the metrics name tenants
		// another way than the key paths, more likely than every key gone
		extra = append(extra, ComplianceFinding{Tenant: "*", Kind: ComplianceKeyUnavailable, Severity: SeverityWarning,
			Detail: fmt.Sprintf("none of the %d tenants %s (%s) has a key under %s/metadata/%s, which lists %d others: the names differ (check vault.tenantPathTemplate in the config), or those keys are gone (%s)",
				len(gone), nameVerb(whereNamed(named, gone)), listSome(gone, 5), t.s.Config.Vault.KVMount, prefix, len(ts), impactKeyNotFound),
			Evidence: []Evidence{{Source: collectors.SourceVault, Fact: "tenants listed", Observed: fmt.Sprint(len(ts))}}})
	case len(ts) == 0:
		// nothing listed at all: more likely a mount or template that does
		// not match than every key gone
		extra = append(extra, ComplianceFinding{Tenant: "*", Kind: ComplianceKeyUnavailable, Severity: SeverityWarning,
			Detail: fmt.Sprintf("no tenant key under %s/metadata/%s while %s %d tenants (%s): %s; if they are right, every tenant's key is gone (%s)",
				t.s.Config.Vault.KVMount, prefix, nameVerb(whereNamed(named, gone)), len(gone), listSome(gone, 5), noneListedWhy(t.s.Vault.TenantScan.Note), impactKeyNotFound),
			Evidence: []Evidence{{Source: collectors.SourceVault, Fact: "tenants listed", Observed: "0"}}})
	default:
		for _, id := range gone {
			path := keyPath(t.s, id)
			out = append(out, keyLoss{tenant: id, path: path, missing: true,
				detail: fmt.Sprintf("no key at %s (not listed under %s/metadata/%s) while %s names the tenant: %s", path, t.s.Config.Vault.KVMount, prefix, named[id], impactKeyNotFound)})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].tenant < out[j].tenant })
	return out, extra, ""
}

// nameVerb is "the audit log names", "the audit log and the metrics name".
func nameVerb(where string) string {
	if strings.Contains(where, " and ") {
		return where + " name"
	}
	return where + " names"
}

// noneListedWhy is what to check when Vault lists no tenant: the scan's
// note when it found the cause (a KV version 1 mount, no mount), else the
// config's mount and template.
func noneListedWhy(note string) string {
	if _, cause, ok := strings.Cut(note, ": "); ok && !strings.HasPrefix(cause, "check vault.kvMount") {
		return cause + " (check vault.kvMount and vault.tenantPathTemplate in the config)"
	}
	return "check vault.kvMount and vault.tenantPathTemplate in the config"
}

func whereNamed(named map[string]string, ids []string) string {
	var where []string
	for _, id := range ids {
		w := named[id]
		if strings.HasPrefix(w, "metric ") {
			w = "the metrics"
		}
		if !slices.Contains(where, w) {
			where = append(where, w)
		}
	}
	sort.Strings(where)
	return strings.Join(where, " and ")
}

// withKeyFindings adds a compliance finding per tenant whose key (or a
// version of it within retention) is unavailable.
func (t *triage) withKeyFindings(c Compliance) Compliance {
	losses, extra, why := t.keyLosses()
	if why != "" {
		return c
	}
	for _, l := range losses {
		c.Findings = append(c.Findings, ComplianceFinding{Tenant: l.tenant, Kind: ComplianceKeyUnavailable, Severity: SeverityCritical, Detail: l.detail,
			Evidence: []Evidence{{Source: collectors.SourceVault, Fact: "key " + l.path, Observed: l.detail}}})
	}
	c.Findings = append(c.Findings, extra...)
	settings, unknown := t.settingFindings() // keysettings.go
	c.Findings = append(c.Findings, settings...)
	c.Unknown = append(c.Unknown, unknown...)
	sort.SliceStable(c.Findings, func(i, j int) bool {
		a, b := c.Findings[i], c.Findings[j]
		if a.Severity != b.Severity {
			return a.Severity.Worse(b.Severity)
		}
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		return a.Tenant < b.Tenant
	})
	return c
}

// keyLossVerdict judges Scenario 4's key-versions-lost symptom and, when a
// tenant's key is unavailable, makes the scenario active and critical with
// those tenants named (after the over-retention ones, whose trim steps
// name the first tenant).
func (t *triage) keyLossVerdict(ss symptoms, v verdict) verdict {
	if ss[symptomKeyLost] == nil {
		return v
	}
	losses, extra, why := t.keyLosses()
	switch {
	case why != "":
		ss.unknown(symptomKeyLost, why)
		return v
	case len(losses) == 0 && len(extra) > 0:
		ss.unknown(symptomKeyLost, extra[0].Detail)
		return v
	case len(losses) == 0 && t.tenantsUnread() != "":
		ss.unknown(symptomKeyLost, t.tenantsUnread())
		return v
	case len(losses) == 0:
		ss.absent(symptomKeyLost, Evidence{Source: collectors.SourceVault, Fact: "tenant keys whose current or retained versions are deleted, destroyed or gone", Observed: "none"})
		return v
	}
	var ids []string
	for _, l := range losses {
		ids = append(ids, l.tenant)
	}
	first := losses[0]
	obs := fmt.Sprintf("tenant %s: %s", first.tenant, first.detail)
	if len(losses) > 1 {
		obs = fmt.Sprintf("%d tenants (%s); %s", len(losses), listSome(ids, 8), obs)
	}
	ss.present(symptomKeyLost, Evidence{Source: collectors.SourceVault, Fact: "key unavailable", Observed: obs})
	v.status, v.severity = StatusActive, SeverityCritical
	for _, id := range ids {
		if !slices.Contains(v.tenants, id) {
			v.tenants = append(v.tenants, id)
		}
	}
	return v
}

// undeleteCommand is the `vault kv undelete` that restores a tenant's
// versions vs, every value quoted for the shell (a tenant `acme corp`).
func undeleteCommand(s *collectors.Snapshot, vault, tenant string, vs []int) string {
	return fmt.Sprintf("%s kv undelete -versions=%s %s/%s", vault, versionList(vs), shell.Word(s.Config.Vault.KVMount), shell.Word(s.Config.TenantPath(tenant)))
}

// maxUndeleteLines bounds the undelete step's command.
const maxUndeleteLines = 20

// undeleteCommands is Vars.Undelete: a `vault kv undelete` line per key
// whose soft-deleted versions are still needed, in tenant order, each
// preceded by the lines that lift the delete_version_after that would
// delete them again (the mount's once).
func undeleteCommands(s *collectors.Snapshot, vault string) string {
	if s.Vault == nil {
		return ""
	}
	keep := s.Config.Vault.RetentionVersions
	var lines []string
	keys, more := 0, 0
	for _, tn := range s.Vault.Tenants {
		if tn.Error != "" {
			continue
		}
		if cmds, _ := restoreCommands(s, vault, tn, keep); len(cmds) > 0 {
			if keys == maxUndeleteLines {
				more++
				continue
			}
			keys++
			for _, c := range cmds {
				if !slices.Contains(lines, c) { // the mount's lift, once
					lines = append(lines, c)
				}
			}
		}
	}
	if more > 0 {
		lines = append(lines, fmt.Sprintf("# and %d more keys: the Tenants view flags them KEY-LOST", more))
	}
	return strings.Join(lines, "\n")
}

// countFunc counts the elements of s f holds for.
func countFunc[T any](s []T, f func(T) bool) int {
	n := 0
	for _, x := range s {
		if f(x) {
			n++
		}
	}
	return n
}
