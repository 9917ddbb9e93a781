package runbook

import (
	"fmt"
	"slices"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
)

// TrimTenant is one tenant of Scenario 4's trim commands: its key's path
// below the mount and the versions the trim destroys (Vars.TrimVersions).
type TrimTenant struct {
	Tenant   string
	Path     string
	Versions string
}

// BeyondRetention returns the versions of a tenant's key that the
// trim-versions action destroys, ascending: counting down from the current
// version, the live ones (neither soft-deleted nor destroyed) beyond the
// newest keep. ok is false when the snapshot cannot tell (the key's
// metadata was not read, or the key is gone): then the action reads them
// when it runs and a command can only name a placeholder.
//
// A version whose deletion_time is still in the future (delete_version_after)
// counts as live here; the snapshot records that time for the current
// version only, and the current version is never beyond the newest keep.
func BeyondRetention(tn collectors.Tenant, keep int) (versions []int, ok bool) {
	if tn.Error != "" || tn.Missing || keep < 1 {
		return nil, false
	}
	gone := map[int]bool{}
	for _, v := range tn.Deleted {
		gone[v] = true
	}
	for _, v := range tn.Destroyed {
		gone[v] = true
	}
	live := 0
	for v := tn.CurrentVersion; v >= max(1, tn.OldestVersion); v-- {
		if gone[v] || (v == tn.CurrentVersion && (tn.CurrentDestroyed || tn.CurrentDeletionTime != nil)) {
			continue
		}
		live++
		if live > keep {
			versions = append(versions, v)
		}
	}
	slices.Sort(versions)
	return versions, true
}

// trimPlaceholder stands for the versions a trim destroys when the
// snapshot cannot tell them: visible, and a shell refuses to run it.
func trimPlaceholder(keep int) string {
	return fmt.Sprintf("<live versions beyond the newest %d>", keep)
}

// trimVersionsOf is, per tenant whose key's metadata was read, the
// versions its trim destroys as `vault kv destroy -versions=` takes them
// ("1,2,3"; "" when there is none to destroy).
func trimVersionsOf(s *collectors.Snapshot) map[string]string {
	out := map[string]string{}
	if s.Vault == nil {
		return out
	}
	keep := s.Config.Vault.RetentionVersions
	for _, tn := range s.Vault.Tenants {
		if vs, ok := BeyondRetention(tn, keep); ok {
			out[tn.ID] = versionList(vs)
		}
	}
	return out
}

// trimTenant is a tenant's TrimTenant, with the placeholder for versions
// the snapshot cannot tell.
func (v Vars) trimTenant(tenant string) TrimTenant {
	t := TrimTenant{Tenant: tenant, Path: v.tenantPath(tenant), Versions: trimPlaceholder(v.RetentionVersions)}
	if vs, ok := v.trimVersions[tenant]; ok {
		t.Versions = vs
	}
	return t
}

// TrimCandidates are those of tenants (a finding's, in its order) that the
// trim steps and actions may trim: read from Vault, their key there, and
// more live versions than the retention. A tenant named for a soft-deleted
// or destroyed key, or whose key is gone, is no candidate: trimming it
// would destroy what the undelete step restores, or create metadata for
// a key that does not exist.
func TrimCandidates(s *collectors.Snapshot, tenants []string) []string {
	if s == nil || s.Vault == nil {
		return nil
	}
	keep := s.Config.Vault.RetentionVersions
	over := map[string]bool{}
	for _, tn := range s.Vault.Tenants {
		if beyond, ok := BeyondRetention(tn, keep); ok && (tn.LiveVersions > keep || len(beyond) > 0) {
			over[tn.ID] = true
		}
	}
	var out []string
	for _, t := range tenants {
		if over[t] && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}
