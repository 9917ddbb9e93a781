package runbook

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/shell"
)

// Compliance finding kinds for Vault settings that remove key versions
// retention keeps (the runbook's "key version violations": data encrypted
// with them may become inaccessible), reported before a version is lost.
const (
	// ComplianceMaxVersionsBelowRetention: Vault keeps fewer versions of
	// the key than retention (max(key's, mount's) max_versions, 10 when
	// neither sets one), so each rotation drops a version still within
	// retention; critical once it has dropped one.
	ComplianceMaxVersionsBelowRetention = "max-versions-below-retention"
	// ComplianceDeleteVersionAfter: the key's or the mount's
	// delete_version_after soft-deletes every version sooner than it
	// leaves retention (retention × the rotation interval), the current
	// one too: "Encryption key not found" before the next rotations.
	ComplianceDeleteVersionAfter = "delete-version-after-short"
)

// vaultDefaultMaxVersions is how many versions KV v2 keeps when neither
// the key nor the mount sets max_versions (vault-plugin-secrets-kv's
// defaultMaxVersions).
const vaultDefaultMaxVersions = 10

// settingsRecorded tells whether the snapshot recorded the key's Vault
// settings (snapshots from before they were record none, and are not
// judged on them).
func settingsRecorded(tn collectors.Tenant) bool {
	return tn.Error == "" && !tn.Missing && tn.DeleteVersionAfter != nil
}

// mountConfigPath is the mount's config as the Vault CLI names it.
func (t *triage) mountConfigPath() string { return t.s.Config.Vault.KVMount + "/config" }

// mountUnread says why the mount's settings are not known.
func (t *triage) mountUnread(tn collectors.Tenant) string {
	if tn.MountConfigError != "" {
		return tn.MountConfigError
	}
	return t.mountConfigPath() + " was not recorded in this snapshot"
}

// versionLimit is how many versions Vault keeps of a key: n, where the
// limit comes from; known false when the mount's config was not read and
// the key's own max_versions does not decide it.
type versionLimit struct {
	n     int
	known bool
	from  string
}

// limitOf applies Vault's rule: it keeps max(key's, mount's) max_versions
// versions, 10 when both are 0 (a key's max_versions below the mount's
// does not lower it: measured on Vault 1.14).
func (t *triage) limitOf(tn collectors.Tenant, keep int) versionLimit {
	key := tn.MaxVersions
	if tn.MountMaxVersions == nil {
		if key >= keep {
			return versionLimit{n: key, known: true, from: fmt.Sprintf("the key's max_versions %d", key)}
		}
		return versionLimit{}
	}
	m := *tn.MountMaxVersions
	switch {
	case key == 0 && m == 0:
		return versionLimit{vaultDefaultMaxVersions, true, fmt.Sprintf("Vault's default %d: neither the key nor %s sets max_versions", vaultDefaultMaxVersions, t.mountConfigPath())}
	case key >= m:
		return versionLimit{key, true, fmt.Sprintf("the key's max_versions %d", key)}
	default:
		return versionLimit{m, true, fmt.Sprintf("the mount's max_versions %d (%s)", m, t.mountConfigPath())}
	}
}

// droppedNeeded are the versions within retention that Vault no longer
// keeps at all (max_versions trimmed them: gone for good), ascending.
func droppedNeeded(tn collectors.Tenant, keep int) []int {
	var out []int
	for v := neededFrom(tn, keep); v < tn.OldestVersion && v <= tn.CurrentVersion; v++ {
		out = append(out, v)
	}
	return out
}

// expiry is the delete_version_after Vault applies to the key's new
// versions (and to an undelete): the shorter of the key's and the mount's
// that are set. known false when the mount's was not read and the key's
// sets none; with the mount's unread and the key's set, d is the key's
// (Vault deletes no later than that) and mountUnknown is true.
type expiry struct {
	d            time.Duration
	known        bool
	from         string
	key, mount   bool // which of the two sets it (lift both)
	mountUnknown bool
}

func (t *triage) expiryOf(tn collectors.Tenant) expiry {
	k := max(0, tn.DeleteVersionAfter.Duration())
	if tn.MountDeleteVersionAfter == nil {
		if k > 0 {
			return expiry{d: k, known: true, from: "the key's", key: true, mountUnknown: true}
		}
		return expiry{mountUnknown: true}
	}
	m := max(0, tn.MountDeleteVersionAfter.Duration())
	e := expiry{known: true, key: k > 0, mount: m > 0}
	switch {
	case k > 0 && (m == 0 || k <= m):
		e.d, e.from = k, "the key's"
	case m > 0:
		e.d, e.from = m, "the mount's ("+t.mountConfigPath()+")"
	}
	return e
}

// liftCommands are the commands that stop delete_version_after deleting
// the key's versions again (before an undelete, which Vault otherwise
// stamps with a new deletion time now + delete_version_after), and what
// is not known about the mount's, quoted as the undelete commands are.
func liftCommands(s *collectors.Snapshot, vault string, tn collectors.Tenant, e expiry) (cmds []string, unsure string) {
	mount := shell.Word(s.Config.Vault.KVMount)
	if e.key {
		cmds = append(cmds, fmt.Sprintf("%s kv metadata put -delete-version-after=0s %s/%s", vault, mount, shell.Word(s.Config.TenantPath(tn.ID))))
	}
	if e.mount {
		cmds = append(cmds, fmt.Sprintf("%s write %s/config delete_version_after=0s", vault, mount))
	}
	if e.mountUnknown {
		why := tn.MountConfigError
		if why == "" {
			why = "not recorded in this snapshot"
		}
		unsure = fmt.Sprintf("whether %s/config sets delete_version_after too is unknown (%s): if it does, Vault deletes them again after it; lift it with: %s write %s/config delete_version_after=0s",
			s.Config.Vault.KVMount, why, vault, mount)
	}
	return cmds, unsure
}

// expiryOfSnapshot is expiryOf without a triage (Vars' undelete step).
func expiryOfSnapshot(s *collectors.Snapshot, tn collectors.Tenant) expiry {
	return (&triage{s: s}).expiryOf(tn)
}

// restoreVersions are the versions the undelete for a key names: the
// soft-deleted ones still needed and, once delete_version_after is lifted,
// those within retention it has scheduled for deletion (an undelete
// clears their deletion time; lifting the setting does not).
func restoreVersions(tn collectors.Tenant, keep int, e expiry) []int {
	vs := Undeletable(tn, keep)
	if len(vs) == 0 || !settingsRecorded(tn) || (!e.key && !e.mount) {
		return vs
	}
	for _, v := range tn.Expiring {
		if v >= neededFrom(tn, keep) && v <= tn.CurrentVersion && !slices.Contains(vs, v) {
			vs = append(vs, v)
		}
	}
	slices.Sort(vs)
	return vs
}

// restoreCommands are the commands that restore a key's soft-deleted
// versions still needed, in the order to run them: the lifts of
// delete_version_after first, then the undelete; unsure says what is not
// known about the mount's delete_version_after. Empty when none is needed.
func restoreCommands(s *collectors.Snapshot, vault string, tn collectors.Tenant, keep int) (cmds []string, unsure string) {
	if len(Undeletable(tn, keep)) == 0 {
		return nil, ""
	}
	if settingsRecorded(tn) {
		e := expiryOfSnapshot(s, tn)
		cmds, unsure = liftCommands(s, vault, tn, e)
		return append(cmds, undeleteCommand(s, vault, tn.ID, restoreVersions(tn, keep, e))), unsure
	}
	return []string{undeleteCommand(s, vault, tn.ID, Undeletable(tn, keep))}, ""
}

// settingFindings are the compliance findings for Vault settings that
// remove versions retention keeps, and what could not be judged.
func (t *triage) settingFindings() ([]ComplianceFinding, []string) {
	ts, why := t.tenants()
	if why != "" {
		return nil, nil // the tenant versions' unknown line says it
	}
	keep := t.s.Config.Vault.RetentionVersions
	vault := shell.Vault(t.s.Connection.VaultEnv)
	interval, _, ierr := RotationInterval(t.s, t.now)
	var out []ComplianceFinding
	var limitUnknown, expiryUnknown []string
	firstWhy := ""
	for _, tn := range ts {
		if tn.Error != "" || tn.Missing {
			continue
		}
		path := keyPath(t.s, tn.ID)
		// max_versions: the key's is always recorded, the mount's may not be
		switch l := t.limitOf(tn, keep); {
		case l.known && l.n < keep:
			out = append(out, t.limitFinding(tn, keep, l, path, vault))
		case !l.known && tn.MaxVersions > 0:
			// the key's is below retention; only the mount's could save it
			out = append(out, ComplianceFinding{Tenant: tn.ID, Kind: ComplianceMaxVersionsBelowRetention, Severity: SeverityWarning,
				Detail: fmt.Sprintf("the key's max_versions %d is below retention (%d): Vault keeps max(the key's, the mount's) versions, and the mount's is unknown (%s); unless %s sets max_versions %d or more, Vault drops versions retention keeps: %s; set it to retention: %s",
					tn.MaxVersions, keep, t.mountUnread(tn), t.mountConfigPath(), keep, impactOldKeys, maxVersionsCommand(t.s, vault, tn.ID, keep)),
				Evidence: []Evidence{{Source: collectors.SourceVault, Fact: "max_versions of key " + path, Observed: fmt.Sprintf("%d (the mount's unknown)", tn.MaxVersions), Threshold: fmt.Sprint(keep)}}})
		case !l.known && settingsRecorded(tn):
			limitUnknown = append(limitUnknown, tn.ID)
			firstWhy = orDefault(firstWhy, t.mountUnread(tn))
		}
		if !settingsRecorded(tn) {
			continue
		}
		e := t.expiryOf(tn)
		switch {
		case !e.known:
			expiryUnknown = append(expiryUnknown, tn.ID)
			firstWhy = orDefault(firstWhy, t.mountUnread(tn))
		case e.d > 0 && (ierr != nil || e.d < time.Duration(keep)*interval):
			out = append(out, t.expiryFinding(tn, keep, e, interval, ierr, path, vault))
		case e.d > 0 && e.mountUnknown:
			// the key's is long enough; the mount's may be shorter
			expiryUnknown = append(expiryUnknown, tn.ID)
			firstWhy = orDefault(firstWhy, t.mountUnread(tn))
		case e.d == 0 && len(neededExpiring(tn, keep)) > 0:
			// lifted since: the deletion times it set stay until undeleted
			out = append(out, t.scheduledFinding(tn, keep, path, vault))
		}
	}
	var unknown []string
	if len(limitUnknown)+len(expiryUnknown) > 0 {
		var parts []string
		if len(limitUnknown) > 0 {
			parts = append(parts, fmt.Sprintf("whether Vault keeps %d versions (max_versions) of %s", keep, plural(len(limitUnknown), "tenant")+" ("+listSome(limitUnknown, 5)+")"))
		}
		if len(expiryUnknown) > 0 {
			parts = append(parts, fmt.Sprintf("whether delete_version_after deletes versions within retention of %s", plural(len(expiryUnknown), "tenant")+" ("+listSome(expiryUnknown, 5)+")"))
		}
		unknown = append(unknown, fmt.Sprintf("Vault's version settings: %s cannot be told: the mount's own settings were not read (%s) and the keys' do not decide it; a token that may read %s tells",
			strings.Join(parts, ", and "), firstWhy, t.mountConfigPath()))
	}
	return out, unknown
}

// maxVersionsCommand sets a key's max_versions to retention (quoted as
// the undelete commands are): Vault then keeps max(it, the mount's).
func maxVersionsCommand(s *collectors.Snapshot, vault, tenant string, keep int) string {
	return fmt.Sprintf("%s kv metadata put -max-versions=%d %s/%s", vault, keep, shell.Word(s.Config.Vault.KVMount), shell.Word(s.Config.TenantPath(tenant)))
}

func (t *triage) limitFinding(tn collectors.Tenant, keep int, l versionLimit, path, vault string) ComplianceFinding {
	f := ComplianceFinding{Tenant: tn.ID, Kind: ComplianceMaxVersionsBelowRetention, Severity: SeverityWarning,
		Evidence: []Evidence{{Source: collectors.SourceVault, Fact: "versions Vault keeps of key " + path, Observed: fmt.Sprintf("%d (%s)", l.n, l.from), Threshold: fmt.Sprint(keep)}}}
	detail := fmt.Sprintf("Vault keeps only %d versions (%s), below retention (%d): each rotation drops a version retention keeps, for good: %s", l.n, l.from, keep, impactOldKeys)
	if d := droppedNeeded(tn, keep); len(d) > 0 {
		f.Severity = SeverityCritical
		detail += fmt.Sprintf("; already dropped: version %s (the oldest kept is %d)", versionList(d), tn.OldestVersion)
	}
	f.Detail = detail + "; set it to retention: " + maxVersionsCommand(t.s, vault, tn.ID, keep)
	return f
}

func (t *triage) expiryFinding(tn collectors.Tenant, keep int, e expiry, interval time.Duration, ierr error, path, vault string) ComplianceFinding {
	need := time.Duration(keep) * interval
	var when string
	switch {
	case ierr != nil:
		when = fmt.Sprintf("whether that outlasts retention (%d rotations) cannot be told: the rotation interval is unknown (%v)", keep, ierr)
	case e.d < interval:
		when = fmt.Sprintf("sooner than the next rotation (every %s) supersedes it, so the current version is deleted too (%s), and a version must stay readable while within retention: %d × %s = %s",
			roundDur(interval), impactKeyNotFound, keep, roundDur(interval), roundDur(need))
	default:
		when = fmt.Sprintf("before it leaves retention: a version must stay readable for %d rotations × %s = %s, so versions within retention are deleted (%s)",
			keep, roundDur(interval), roundDur(need), impactOldKeys)
	}
	bound := ""
	if e.mountUnknown {
		bound = " at the latest"
	}
	parts := []string{fmt.Sprintf("delete_version_after %s (%s) soft-deletes every key version %s after it is written%s, whether or not a newer one supersedes it: %s",
		roundDur(e.d), e.from, roundDur(e.d), bound, when)}
	if vs := neededExpiring(tn, keep); len(vs) > 0 {
		parts = append(parts, fmt.Sprintf("version %s scheduled for deletion", versionList(vs)))
	}
	lifts, unsure := liftCommands(t.s, vault, tn, e)
	fix := "lift it: " + strings.Join(lifts, " && ")
	if vs := neededExpiring(tn, keep); len(vs) > 0 {
		// lifting the setting leaves the deletion times already set
		fix += " && " + undeleteCommand(t.s, vault, tn.ID, vs)
	}
	parts = append(parts, fix)
	if unsure != "" {
		parts = append(parts, unsure)
	}
	obs := roundDur(e.d) + " (" + e.from + ")"
	ev := []Evidence{{Source: collectors.SourceVault, Fact: "delete_version_after of key " + path, Observed: obs}}
	if ierr == nil {
		ev[0].Threshold = roundDur(need) + fmt.Sprintf(" (retention %d × rotation interval %s)", keep, roundDur(interval))
	}
	return ComplianceFinding{Tenant: tn.ID, Kind: ComplianceDeleteVersionAfter, Severity: SeverityWarning, Detail: strings.Join(parts, "; "), Evidence: ev}
}

// scheduledFinding is a key none of whose settings deletes versions any
// more, but whose versions within retention still carry the deletion time
// a delete_version_after set when they were written (lifting it leaves
// them): Vault soft-deletes them then, unless they are undeleted.
func (t *triage) scheduledFinding(tn collectors.Tenant, keep int, path, vault string) ComplianceFinding {
	vs := neededExpiring(tn, keep)
	sev, when := SeverityWarning, "versions within retention will be unreadable: "+impactOldKeys
	if slices.Contains(vs, tn.CurrentVersion) {
		sev, when = SeverityCritical, "the current version too: "+impactKeyNotFound
		if d := tn.CurrentDeletionTime; d != nil && d.After(t.now) {
			when += fmt.Sprintf(" at %s (in %s)", fmtTime(*d), roundDur(d.Sub(t.now)))
		}
	}
	return ComplianceFinding{Tenant: tn.ID, Kind: ComplianceDeleteVersionAfter, Severity: sev,
		Detail: fmt.Sprintf("version %s still scheduled for deletion by a delete_version_after lifted since (lifting it leaves the deletion times it set): Vault soft-deletes them then, %s; keep them: %s",
			versionList(vs), when, undeleteCommand(t.s, vault, tn.ID, vs)),
		Evidence: []Evidence{{Source: collectors.SourceVault, Fact: "versions of key " + path + " with a deletion time to come", Observed: versionList(vs), Threshold: "none within retention"}}}
}

// neededExpiring are the versions within retention that
// delete_version_after has scheduled for deletion, ascending.
func neededExpiring(tn collectors.Tenant, keep int) []int {
	var out []int
	for _, v := range tn.Expiring {
		if v >= neededFrom(tn, keep) && v <= tn.CurrentVersion {
			out = append(out, v)
		}
	}
	return out
}
