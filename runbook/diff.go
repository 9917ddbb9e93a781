package runbook

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
)

// DiffSchemaVersion is the version of the diff's JSON. It changes when a
// field changes meaning or is removed; new fields do not change it.
const DiffSchemaVersion = 1

// Change kinds of a scenario, a symptom, a source, an alert, a tenant fact
// or a compliance finding between two snapshots. A change to or from
// "unknown" is never "resolved" nor "cleared": what could not be read in
// one of the two snapshots cannot have been fixed in between.
const (
	// ChangeUnchanged: the same in both.
	ChangeUnchanged = "unchanged"
	// ChangeResolved: a scenario not clear before is clear after (every
	// symptom it lists was observed absent).
	ChangeResolved = "resolved"
	// ChangeAppeared: clear before, active or suspected after; for a
	// symptom, present after and not before.
	ChangeAppeared = "appeared"
	// ChangeCleared: a symptom present before is observed absent after.
	ChangeCleared = "cleared"
	// ChangeBecameUnknown: known before, cannot tell after.
	ChangeBecameUnknown = "became-unknown"
	// ChangeBecameKnown: could not tell before, known after.
	ChangeBecameKnown = "became-known"
	// ChangeChanged: any other change (active ↔ suspected, a severity, a
	// symptom, a cause).
	ChangeChanged = "changed"
	// ChangeReadable and ChangeUnreadable: a source could not be read
	// before and could after, or the other way round.
	ChangeReadable   = "became-readable"
	ChangeUnreadable = "became-unreadable"
	// ChangeStartedFiring and ChangeStoppedFiring: a related alert.
	ChangeStartedFiring = "started-firing"
	ChangeStoppedFiring = "stopped-firing"
	// ChangeAdded and ChangeRemoved: a compliance finding. A finding
	// present before and absent after while the compliance section could
	// not be judged in full after is ChangeBecameUnknown, not removed; one
	// present after while it could not be judged before is
	// ChangeBecameKnown, not added.
	ChangeAdded   = "added"
	ChangeRemoved = "removed"
)

// Alert states in a diff beside Prometheus's pending and firing.
const (
	AlertInactive = "inactive"
	AlertUnknown  = "unknown"
)

// Diff is what changed between two snapshots, each judged by the triage at
// the time it was taken: by scenario, by tenant, the sources, the related
// alerts, the CronJob and orchestrator settings and the compliance
// findings. docs/report-schema.md documents it.
type Diff struct {
	SchemaVersion int    `json:"schemaVersion"`
	Tool          string `json:"tool,omitempty"`
	// ExitCode is the exit code of the state after, as report's: 0 ok, 1
	// warning, 2 critical, 3 could not tell.
	ExitCode int      `json:"exitCode"`
	Before   DiffSide `json:"before"`
	After    DiffSide `json:"after"`
	// Notes say what makes the comparison doubtful (other namespaces, the
	// after snapshot older than the before one).
	Notes []string `json:"notes,omitempty"`
	// Scenarios are the six, in runbook order, changed or not.
	Scenarios []ScenarioDiff `json:"scenarios"`
	// Facts are the key numbers that changed.
	Facts      []ValueChange      `json:"facts"`
	Tenants    TenantsDiff        `json:"tenants"`
	Sources    []SourceDiff       `json:"sources"`
	Alerts     AlertsDiff         `json:"alerts"`
	Settings   []SettingChange    `json:"settings"`
	Compliance []ComplianceChange `json:"compliance"`
}

// DiffSide is one of the two snapshots.
type DiffSide struct {
	// File is the snapshot's file, as the caller named it.
	File      string    `json:"file,omitempty"`
	TakenAt   time.Time `json:"takenAt"`
	Context   string    `json:"context,omitempty"`
	Namespace string    `json:"namespace"`
	Overall   Severity  `json:"overall"`
	ExitCode  int       `json:"exitCode"`
}

// ScenarioDiff is one scenario before → after.
type ScenarioDiff struct {
	ID             string        `json:"id"`
	Number         int           `json:"number"`
	Title          string        `json:"title"`
	Change         string        `json:"change"`
	Before         Status        `json:"before"`
	After          Status        `json:"after"`
	BeforeSeverity Severity      `json:"beforeSeverity"`
	AfterSeverity  Severity      `json:"afterSeverity"`
	BeforeSummary  string        `json:"beforeSummary"`
	AfterSummary   string        `json:"afterSummary"`
	Symptoms       []SymptomDiff `json:"symptoms"`
	// Cause is set when the cause of the scenario's Job changed.
	Cause *CauseDiff `json:"cause,omitempty"`
	// Caveat says why a change that would read as resolved is not: what
	// marked the scenario before could not be read after.
	Caveat string `json:"caveat,omitempty"`
}

// SymptomDiff is a symptom whose state changed.
type SymptomDiff struct {
	ID     SymptomID    `json:"id"`
	Text   string       `json:"text"`
	Before SymptomState `json:"before"`
	After  SymptomState `json:"after"`
	Change string       `json:"change"`
	// Reason says why it is unknown after, when it is.
	Reason string `json:"reason,omitempty"`
}

// CauseDiff is a Job cause before → after; nil means none named.
type CauseDiff struct {
	Before *Cause `json:"before"`
	After  *Cause `json:"after"`
}

// ValueChange is a named value before → after, as text ("unknown" when it
// could not be read).
type ValueChange struct {
	Name   string `json:"name"`
	Before string `json:"before"`
	After  string `json:"after"`
}

// TenantsDiff is the tenants that changed.
type TenantsDiff struct {
	// Changed are the tenants with a fact known in both snapshots that
	// changed.
	Changed []TenantDiff `json:"changed"`
	// CannotTell are the tenants whose facts differ only by being unknown
	// in one snapshot (its source could not be read there): nothing is
	// known to have changed.
	CannotTell []TenantDiff `json:"cannotTell"`
	// Unchanged counts the tenants seen whose facts are known and the same
	// in both.
	Unchanged int `json:"unchanged"`
	// SameAsRead counts the tenants whose facts that were read are the same
	// in both, with a fact unknown in a snapshot (its key versions, its
	// failing or overdue state): not known to be unchanged.
	SameAsRead int `json:"sameAsRead"`
	// Unknown says what about the tenants could not be read, in which
	// snapshot.
	Unknown []string `json:"unknown,omitempty"`
}

// TenantState is what one snapshot tells about a tenant. A nil field is
// unknown.
type TenantState struct {
	// InVault says whether the tenant's key is among Vault's tenants.
	InVault        *bool `json:"inVault"`
	LiveVersions   *int  `json:"liveVersions"`
	CurrentVersion *int  `json:"currentVersion"`
	// LastRotation is the newer of Vault's current-version time and the
	// last successful audit event; when one of the two could not be read
	// it is unknown and LastRotationAtLeast is the other.
	LastRotation        *time.Time `json:"lastRotation"`
	LastRotationAtLeast *time.Time `json:"lastRotationAtLeast,omitempty"`
	Overdue             *bool      `json:"overdue"`
	OverRetention       *bool      `json:"overRetention"`
	// Failing: its latest rotation failed (audit log), or the rotation
	// Job's log names it.
	Failing *bool `json:"failing"`
}

// TenantDiff is one tenant before → after, with the changes in words.
type TenantDiff struct {
	Tenant  string      `json:"tenant"`
	Before  TenantState `json:"before"`
	After   TenantState `json:"after"`
	Changes []string    `json:"changes"`
}

// SourceDiff is a source whose state changed.
type SourceDiff struct {
	Source      string           `json:"source"`
	Change      string           `json:"change"`
	Before      collectors.State `json:"before"`
	After       collectors.State `json:"after"`
	BeforeError string           `json:"beforeError,omitempty"`
	AfterError  string           `json:"afterError,omitempty"`
}

// AlertsDiff is the related alerts whose state changed.
type AlertsDiff struct {
	Changes []AlertChange `json:"changes"`
	// Unknown says in which snapshot the alerts could not be read, and why.
	Unknown []string `json:"unknown,omitempty"`
}

// AlertChange is one related alert (name and labels) before → after:
// firing, pending, inactive (not pending nor firing), or unknown.
type AlertChange struct {
	Name     string            `json:"name"`
	Labels   map[string]string `json:"labels,omitempty"`
	Scenario string            `json:"scenario,omitempty"`
	Before   string            `json:"before"`
	After    string            `json:"after"`
	Change   string            `json:"change"`
}

// SettingChange is a setting of an object that changed: a CronJob's
// schedule, suspend, activeDeadlineSeconds, an environment variable of its
// job template (DRY_RUN...), the orchestrator's AUDIT_ENABLED, or the
// configuration the snapshots were judged with. Setting is "*" when the
// object as a whole could be read in one snapshot and not in the other.
type SettingChange struct {
	Object  string `json:"object"`
	Setting string `json:"setting"`
	Before  string `json:"before"`
	After   string `json:"after"`
}

// ComplianceChange is a compliance finding added, removed, changed in
// severity, or whose presence became unknown or known.
type ComplianceChange struct {
	Change         string   `json:"change"`
	Tenant         string   `json:"tenant"`
	Kind           string   `json:"kind"`
	BeforeSeverity Severity `json:"beforeSeverity,omitempty"`
	AfterSeverity  Severity `json:"afterSeverity,omitempty"`
	// Detail is the finding's detail after, else before.
	Detail string `json:"detail"`
	// Why says why it is unknown in the other snapshot.
	Why string `json:"why,omitempty"`
}

// Diff compares two snapshots, each judged at the time it was taken. It is
// pure.
func (b *Book) Diff(before, after *collectors.Snapshot) Diff {
	ba, aa := b.Triage(before, before.CollectedAt), b.Triage(after, after.CollectedAt)
	bt := &triage{s: before, now: before.CollectedAt.UTC(), book: b}
	at := &triage{s: after, now: after.CollectedAt.UTC(), book: b}
	d := Diff{
		SchemaVersion: DiffSchemaVersion, ExitCode: aa.ExitCode(),
		Before: side(before, ba), After: side(after, aa),
		Scenarios: []ScenarioDiff{}, Facts: []ValueChange{}, Sources: []SourceDiff{},
		Alerts: AlertsDiff{Changes: []AlertChange{}}, Settings: []SettingChange{}, Compliance: []ComplianceChange{},
	}
	if before.Namespace != after.Namespace || before.Context != after.Context {
		d.Notes = append(d.Notes, fmt.Sprintf("the snapshots are of different places: before %s, after %s", place(before), place(after)))
	}
	if after.CollectedAt.Before(before.CollectedAt) {
		d.Notes = append(d.Notes, fmt.Sprintf("AFTER (%s) was taken before BEFORE (%s): are the arguments swapped?", fmtTime(after.CollectedAt), fmtTime(before.CollectedAt)))
	}
	for _, af := range aa.Findings {
		bf, _ := ba.Finding(af.ID)
		sd := scenarioDiff(bf, af)
		if sd.Change == ChangeResolved && len(bf.Alerts) > 0 && aa.AlertsUnknown != "" {
			// the triage judges scenarios by their symptoms; an alert that
			// marked it before and cannot be read now has not been seen
			// to stop
			sd.Change = ChangeBecameUnknown
			sd.Caveat = "the related alerts that marked it before (" + strings.Join(bf.Alerts, ", ") + ") could not be read after: " + aa.AlertsUnknown
		}
		d.Scenarios = append(d.Scenarios, sd)
	}
	d.Facts = factChanges(ba, aa)
	d.Tenants = tenantsDiff(bt, at, ba, aa)
	d.Sources = sourceChanges(before, after)
	d.Alerts = alertChanges(ba, aa)
	d.Settings = settingChanges(bt, at)
	d.Compliance = complianceChanges(ba, aa)
	return d
}

func side(s *collectors.Snapshot, a Assessment) DiffSide {
	return DiffSide{TakenAt: s.CollectedAt, Context: s.Context, Namespace: s.Namespace, Overall: a.Overall, ExitCode: a.ExitCode()}
}

func place(s *collectors.Snapshot) string {
	if s.Context == "" {
		return "namespace " + s.Namespace
	}
	return "namespace " + s.Namespace + " in context " + s.Context
}

// statusChange classifies a scenario's status before → after.
func statusChange(b, a Status) string {
	switch {
	case b == a:
		return ChangeUnchanged
	case a == StatusUnknown || a == "":
		return ChangeBecameUnknown
	case b == StatusUnknown || b == "":
		return ChangeBecameKnown
	case a == StatusClear:
		return ChangeResolved
	case b == StatusClear:
		return ChangeAppeared
	}
	return ChangeChanged
}

func scenarioDiff(bf, af Finding) ScenarioDiff {
	if bf.Status == "" { // not in the before assessment: nothing known of it
		bf.Status, bf.Severity, bf.Summary = StatusUnknown, SeverityInfo, "not judged"
	}
	sd := ScenarioDiff{
		ID: af.ID, Number: af.Number, Title: af.Title, Change: statusChange(bf.Status, af.Status),
		Before: bf.Status, After: af.Status, BeforeSeverity: bf.Severity, AfterSeverity: af.Severity,
		BeforeSummary: bf.Summary, AfterSummary: af.Summary, Symptoms: []SymptomDiff{},
	}
	before := map[SymptomID]SymptomResult{}
	for _, s := range bf.Symptoms {
		before[s.ID] = s
	}
	for _, as := range af.Symptoms {
		bs, ok := before[as.ID]
		if !ok {
			bs = SymptomResult{State: SymptomUnknown}
		}
		if bs.State == as.State {
			continue
		}
		sy := SymptomDiff{ID: as.ID, Text: as.Text, Before: bs.State, After: as.State}
		switch {
		case as.State == SymptomUnknown:
			sy.Change, sy.Reason = ChangeBecameUnknown, as.Reason
		case bs.State == SymptomUnknown:
			sy.Change = ChangeBecameKnown
		case as.State == SymptomPresent:
			sy.Change = ChangeAppeared
		default:
			sy.Change = ChangeCleared
		}
		sd.Symptoms = append(sd.Symptoms, sy)
	}
	if causeKey(bf.Cause) != causeKey(af.Cause) {
		sd.Cause = &CauseDiff{Before: bf.Cause, After: af.Cause}
	}
	if sd.Change == ChangeUnchanged && (bf.Severity != af.Severity || len(sd.Symptoms) > 0 || sd.Cause != nil) {
		sd.Change = ChangeChanged
	}
	return sd
}

func causeKey(c *Cause) string {
	if c == nil {
		return ""
	}
	return c.Kind + "\x00" + c.Job
}

func optBool(b *bool, yes, no string) string {
	switch {
	case b == nil:
		return "unknown"
	case *b:
		return yes
	}
	return no
}

// timePair formats two different times to the minute, or to the second
// when the minutes would read the same.
func timePair(b, a *time.Time) (string, string) {
	bs, as := optTimeUTC(b), optTimeUTC(a)
	if bs == as && b != nil && a != nil {
		return fmtSec(*b), fmtSec(*a)
	}
	return bs, as
}

func optTimeSec(t *time.Time) string {
	if t == nil {
		return "unknown"
	}
	return fmtSec(*t)
}

func optTimeUTC(t *time.Time) string {
	if t == nil {
		return "unknown"
	}
	return fmtTime(*t)
}

func factChanges(ba, aa Assessment) []ValueChange {
	out := []ValueChange{}
	add := func(name, b, a string) {
		if b != a {
			out = append(out, ValueChange{Name: name, Before: b, After: a})
		}
	}
	add("overall", ba.overallText(), aa.overallText())
	add("tenants", optInt(ba.Facts.Tenants), optInt(aa.Facts.Tenants))
	add("tenants overdue", optInt(ba.Facts.TenantsOverdue), optInt(aa.Facts.TenantsOverdue))
	add("tenants over retention", optInt(ba.Facts.TenantsOverRetention), optInt(aa.Facts.TenantsOverRetention))
	add("firing alerts", optInt(ba.Facts.FiringAlerts), optInt(aa.Facts.FiringAlerts))
	if !eqTime(ba.Facts.LastRotationSuccess, aa.Facts.LastRotationSuccess) {
		b, a := timePair(ba.Facts.LastRotationSuccess, aa.Facts.LastRotationSuccess)
		out = append(out, ValueChange{Name: "last rotation success", Before: b, After: a})
	}
	if !eqTime(ba.Facts.LastCleanupSuccess, aa.Facts.LastCleanupSuccess) {
		b, a := timePair(ba.Facts.LastCleanupSuccess, aa.Facts.LastCleanupSuccess)
		out = append(out, ValueChange{Name: "last cleanup success", Before: b, After: a})
	}
	return out
}

// --- tenants -----------------------------------------------------------------

// tenantStates returns what one snapshot tells about each tenant it
// names, and why parts of it are unknown.
func tenantStates(t *triage, a Assessment) (map[string]*TenantState, []string) {
	states := map[string]*TenantState{}
	var unknown []string
	get := func(id string) *TenantState {
		if states[id] == nil {
			states[id] = &TenantState{}
		}
		return states[id]
	}
	yes, no := true, false
	ts, twhy := t.tenants()
	complete := twhy == "" && t.s.Vault.TenantScan.Scanned >= t.s.Vault.TenantScan.Listed
	if twhy != "" {
		unknown = append(unknown, "key versions: "+twhy)
	} else if !complete {
		unknown = append(unknown, fmt.Sprintf("key versions: %d of %d tenants scanned", t.s.Vault.TenantScan.Scanned, t.s.Vault.TenantScan.Listed))
	}
	keep := t.s.Config.Vault.RetentionVersions
	for i := range ts {
		tn := ts[i]
		st := get(tn.ID)
		st.InVault = &yes
		if tn.Missing { // listed, but its metadata answered 404
			st.InVault = &no
		}
		if tn.Error != "" || tn.Missing {
			continue
		}
		live, cur, over := tn.LiveVersions, tn.CurrentVersion, tn.LiveVersions > keep
		st.LiveVersions, st.CurrentVersion, st.OverRetention = &live, &cur, &over
		if tn.CurrentCreated != nil {
			at := *tn.CurrentCreated
			st.LastRotation = &at
		}
	}
	vaultUnread := map[string]bool{} // the tenants whose key metadata is unknown
	for _, tn := range ts {
		if tn.Error != "" {
			vaultUnread[tn.ID] = true
		}
	}
	au, awhy := t.audit()
	if awhy != "" {
		unknown = append(unknown, "audit events: "+awhy)
	} else {
		for id, s := range au.Tenants {
			st := get(id)
			if s.LastSuccess != nil && (st.LastRotation == nil || s.LastSuccess.After(*st.LastRotation)) {
				at := *s.LastSuccess
				st.LastRotation = &at
			}
		}
	}
	for _, c := range a.Compliance.Findings {
		if c.Tenant != "*" {
			get(c.Tenant)
		}
	}
	failingNamed := map[string]bool{}
	// which tenants fail is known only as far as the triage could tell it:
	// with "specific tenants" unknown (no security pod matched, its log
	// unreadable or begun after the run, the Job's log not read) a tenant
	// not named is not thereby "not failing"
	failingKnown := false
	if f, ok := a.Finding(ScenarioRotationJobFailing); ok {
		if f.Status != StatusClear {
			for _, id := range f.Tenants {
				failingNamed[id] = true
				get(id)
			}
		}
		for _, sy := range f.Symptoms {
			if sy.ID == SymSpecificTenants {
				failingKnown = sy.State != SymptomUnknown
			}
		}
	}
	// a tenant's overdue state is known when the interval is, its key's
	// metadata was read, and the audit log was read over its window (what
	// the compliance section could not judge, tenant by tenant)
	read := map[string]bool{}
	for _, tn := range ts {
		read[tn.ID] = tn.Error == ""
	}
	auditKnown := awhy == "" && t.logGap(collectors.LogRoleSecurity) == ""
	overdueKnownFor := func(id string) bool {
		if a.Compliance.IntervalSource == "unknown" || twhy != "" || !auditKnown {
			return false
		}
		r, listed := read[id]
		return r || (!listed && complete)
	}
	kinds := map[string]map[string]bool{}
	for _, c := range a.Compliance.Findings {
		if kinds[c.Tenant] == nil {
			kinds[c.Tenant] = map[string]bool{}
		}
		kinds[c.Tenant][c.Kind] = true
	}
	for id, st := range states {
		if st.InVault == nil && complete {
			st.InVault = &no
		}
		// a failure the audit log lost (window.go): "not failing" is
		// not known for a tenant not rotated since a run it lost
		lost := auditKnown && t.failureMaybeLost(st.LastRotation) != ""
		if !complete || vaultUnread[id] || !auditKnown { // the newer of two, one unknown
			st.LastRotation, st.LastRotationAtLeast = nil, st.LastRotation
		}
		switch {
		case overdueKnownFor(id):
			v := kinds[id][ComplianceOverdue]
			st.Overdue = &v
		case kinds[id][ComplianceOverdue]:
			st.Overdue = &yes
		case a.Compliance.IntervalSource != "unknown" && twhy == "" && (st.LastRotation != nil || st.LastRotationAtLeast != nil):
			// the audit log not read whole can only make a rotation
			// newer: a tenant within its interval by what was read is
			// not overdue
			st.Overdue = &no
		}
		switch {
		case failingNamed[id] || kinds[id][ComplianceFailedAccess]:
			st.Failing = &yes
		case auditKnown && failingKnown && !lost:
			st.Failing = &no
		}
	}
	return states, unknown
}

func eqInt(a, b *int) bool   { return (a == nil) == (b == nil) && (a == nil || *a == *b) }
func eqBool(a, b *bool) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }
func eqTime(a, b *time.Time) bool {
	return (a == nil) == (b == nil) && (a == nil || a.Equal(*b))
}

func optIntText(n *int) string {
	if n == nil {
		return "unknown"
	}
	return fmt.Sprint(*n)
}

// boolChange words a yes/no fact before → after: became names it turning
// true, ended it turning false; with unknown on either side it says
// "name: before → after", never that it ended.
func boolChange(name, became, ended string, b, a *bool) string {
	switch {
	case eqBool(b, a):
		return ""
	case b != nil && a != nil && *a:
		return became
	case b != nil && a != nil:
		return ended
	}
	return fmt.Sprintf("%s: %s → %s", name, optBool(b, "yes", "no"), optBool(a, "yes", "no"))
}

// lastRotationText is a tenant's last rotation, or "unknown (at least
// T)" when only one of its two sources was read.
func lastRotationText(t, atLeast *time.Time, format func(*time.Time) string) string {
	if t == nil && atLeast != nil {
		return "unknown (at least " + format(atLeast) + ")"
	}
	return format(t)
}

// tenantChanges words what changed; known is false when every change is
// to or from unknown.
func tenantChanges(b, a TenantState, retention int) (out []string, known bool) {
	add := func(s string, bothKnown bool) {
		if s != "" {
			out = append(out, s)
			known = known || bothKnown
		}
	}
	add(boolChange("in Vault", "new in Vault", "gone from Vault", b.InVault, a.InVault), b.InVault != nil && a.InVault != nil)
	if !eqInt(b.LiveVersions, a.LiveVersions) {
		add(fmt.Sprintf("live versions %s → %s", optIntText(b.LiveVersions), optIntText(a.LiveVersions)), b.LiveVersions != nil && a.LiveVersions != nil)
	}
	if !eqInt(b.CurrentVersion, a.CurrentVersion) {
		add(fmt.Sprintf("current version %s → %s", optIntText(b.CurrentVersion), optIntText(a.CurrentVersion)), b.CurrentVersion != nil && a.CurrentVersion != nil)
	}
	if !eqTime(b.LastRotation, a.LastRotation) || (b.LastRotation == nil && a.LastRotation == nil && !eqTime(b.LastRotationAtLeast, a.LastRotationAtLeast)) {
		bs, as := lastRotationText(b.LastRotation, b.LastRotationAtLeast, optTimeUTC), lastRotationText(a.LastRotation, a.LastRotationAtLeast, optTimeUTC)
		if bs == as { // the same minute: to the second
			bs, as = lastRotationText(b.LastRotation, b.LastRotationAtLeast, optTimeSec), lastRotationText(a.LastRotation, a.LastRotationAtLeast, optTimeSec)
		}
		add("last rotation "+bs+" → "+as, b.LastRotation != nil && a.LastRotation != nil)
	}
	add(boolChange("overdue", "newly overdue", "no longer overdue", b.Overdue, a.Overdue), b.Overdue != nil && a.Overdue != nil)
	add(boolChange("over retention", fmt.Sprintf("now over retention (%d)", retention), fmt.Sprintf("back within retention (%d)", retention), b.OverRetention, a.OverRetention),
		b.OverRetention != nil && a.OverRetention != nil)
	add(boolChange("failing", "newly failing", "recovered: its latest rotation succeeded", b.Failing, a.Failing), b.Failing != nil && a.Failing != nil)
	return out, known
}

func tenantsDiff(bt, at *triage, ba, aa Assessment) TenantsDiff {
	bs, bwhy := tenantStates(bt, ba)
	as, awhy := tenantStates(at, aa)
	td := TenantsDiff{Changed: []TenantDiff{}, CannotTell: []TenantDiff{}}
	for _, w := range bwhy {
		td.Unknown = append(td.Unknown, "before: "+w)
	}
	for _, w := range awhy {
		td.Unknown = append(td.Unknown, "after: "+w)
	}
	ids := map[string]bool{}
	for id := range bs {
		ids[id] = true
	}
	for id := range as {
		ids[id] = true
	}
	for _, id := range sortedKeys(ids) {
		var b, a TenantState
		if s := bs[id]; s != nil {
			b = *s
		} else {
			b = unseen(bt)
		}
		if s := as[id]; s != nil {
			a = *s
		} else {
			a = unseen(at)
		}
		ch, known := tenantChanges(b, a, at.s.Config.Vault.RetentionVersions)
		switch {
		case len(ch) == 0 && (b.partlyUnknown() || a.partlyUnknown()):
			td.SameAsRead++
		case len(ch) == 0:
			td.Unchanged++
		case known:
			td.Changed = append(td.Changed, TenantDiff{Tenant: id, Before: b, After: a, Changes: ch})
		default:
			td.CannotTell = append(td.CannotTell, TenantDiff{Tenant: id, Before: b, After: a, Changes: ch})
		}
	}
	return td
}

// partlyUnknown reports whether a fact of the tenant is unknown in this
// snapshot (a key not in Vault has no versions to know).
func (st TenantState) partlyUnknown() bool {
	if st.InVault == nil || st.Overdue == nil || st.Failing == nil {
		return true
	}
	// (no last rotation and no lower bound: its key has no dated version,
	// which the metadata read tells)
	return *st.InVault && (st.LiveVersions == nil || st.CurrentVersion == nil || st.OverRetention == nil || (st.LastRotation == nil && st.LastRotationAtLeast != nil))
}

func (td TenantsDiff) counts() string {
	s := fmt.Sprintf("%d changed, %d unchanged", len(td.Changed), td.Unchanged)
	if td.SameAsRead > 0 {
		s += fmt.Sprintf(", %d the same as far as read (a fact unknown)", td.SameAsRead)
	}
	if n := len(td.CannotTell); n > 0 {
		s += fmt.Sprintf(", %d cannot tell", n)
	}
	return s
}

func (td TenantsDiff) cannotTellIDs() string {
	ids := make([]string, len(td.CannotTell))
	for i, t := range td.CannotTell {
		ids[i] = t.Tenant
	}
	return listSome(ids, 20)
}

// unseen is the state of a tenant a snapshot does not name: not in Vault
// when Vault's tenants were all read, otherwise unknown.
func unseen(t *triage) TenantState {
	var st TenantState
	if _, twhy := t.tenants(); twhy == "" && t.s.Vault.TenantScan.Scanned >= t.s.Vault.TenantScan.Listed {
		no := false
		st.InVault = &no
	}
	return st
}

// --- sources, alerts -----------------------------------------------------------

func readable(s collectors.State) bool {
	return s == collectors.StateOK || s == collectors.StatePartial
}

func sourceChanges(before, after *collectors.Snapshot) []SourceDiff {
	out := []SourceDiff{}
	for _, name := range collectors.Sources() {
		b, a := before.Source(name), after.Source(name)
		if b.State == a.State && (b.State != collectors.StatePartial || partsText(b) == partsText(a)) {
			// (a partial source whose unreadable parts changed has changed)
			continue
		}
		sd := SourceDiff{Source: name, Before: b.State, After: a.State, BeforeError: sourceProblem(b), AfterError: sourceProblem(a), Change: ChangeChanged}
		switch {
		case readable(a.State) && !readable(b.State):
			sd.Change = ChangeReadable
		case readable(b.State) && !readable(a.State):
			sd.Change = ChangeUnreadable
		}
		out = append(out, sd)
	}
	return out
}

// partsText names a source's unreadable parts, sorted.
func partsText(st collectors.Status) string {
	parts := make([]string, 0, len(st.Problems))
	for _, p := range st.Problems {
		parts = append(parts, p.Part)
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

func sourceProblem(st collectors.Status) string {
	if st.State == collectors.StatePartial {
		return strings.TrimPrefix(sourceLine(st), "partial: ")
	}
	return st.Error
}

func alertKey(name string, l map[string]string) string { return name + labelsText(l) }

func alertChanges(ba, aa Assessment) AlertsDiff {
	ad := AlertsDiff{Changes: []AlertChange{}}
	if ba.AlertsUnknown != "" {
		ad.Unknown = append(ad.Unknown, "before: "+ba.AlertsUnknown)
	}
	if aa.AlertsUnknown != "" {
		ad.Unknown = append(ad.Unknown, "after: "+aa.AlertsUnknown)
	}
	type seen struct {
		al            AlertFinding
		before, after string
	}
	all := map[string]*seen{}
	for _, x := range []struct {
		a      Assessment
		before bool
	}{{ba, true}, {aa, false}} {
		for _, al := range x.a.Alerts {
			k := alertKey(al.Name, al.Labels)
			if all[k] == nil {
				all[k] = &seen{al: al}
			}
			if x.before {
				all[k].before = al.State
			} else {
				all[k].after = al.State
			}
		}
	}
	state := func(s string, a Assessment) string {
		switch {
		case a.AlertsUnknown != "":
			return AlertUnknown
		case s == "":
			return AlertInactive
		}
		return s
	}
	for _, k := range sortedKeys(all) {
		s := all[k]
		b, a := state(s.before, ba), state(s.after, aa)
		if b == a {
			continue
		}
		c := AlertChange{Name: s.al.Name, Labels: s.al.Labels, Scenario: s.al.Scenario, Before: b, After: a, Change: ChangeChanged}
		switch {
		case a == AlertUnknown:
			c.Change = ChangeBecameUnknown
		case b == AlertUnknown:
			c.Change = ChangeBecameKnown
		case a == "firing":
			c.Change = ChangeStartedFiring
		case b == "firing":
			c.Change = ChangeStoppedFiring
		}
		ad.Changes = append(ad.Changes, c)
	}
	return ad
}

// --- settings ------------------------------------------------------------------

// objectSettings is an object's settings in one snapshot, or why they are
// unknown ("" when read).
type objectSettings struct {
	name   string
	values map[string]string
	why    string
}

func envValue(e collectors.EnvVar) string {
	switch {
	case e.From != "":
		return "from " + e.From
	case e.Value == "":
		return `""`
	}
	return e.Value
}

func cronJobSettings(t *triage, role string) objectSettings {
	name := t.s.Config.Kubernetes.RotationCronJob
	if role == collectors.RoleCleanup {
		name = t.s.Config.Kubernetes.CleanupCronJob
	}
	cj, why := t.cronJob(role)
	if why != "" {
		return objectSettings{name: "CronJob " + name, why: why}
	}
	v := map[string]string{
		"schedule": cj.Schedule, "timeZone": orDefault(cj.TimeZone, "(unset)"), "suspend": fmt.Sprint(cj.Suspend),
		"concurrencyPolicy": orDefault(cj.ConcurrencyPolicy, "(unset)"), "image": orDefault(cj.Image, "(unset)"),
		"activeDeadlineSeconds": "(unset)", "backoffLimit": "(unset)",
	}
	if cj.ActiveDeadlineSeconds != nil {
		v["activeDeadlineSeconds"] = fmt.Sprint(*cj.ActiveDeadlineSeconds)
	}
	if cj.BackoffLimit != nil {
		v["backoffLimit"] = fmt.Sprint(*cj.BackoffLimit)
	}
	for _, e := range cj.Env {
		v["env "+e.Name] = envValue(e)
	}
	return objectSettings{name: "CronJob " + cj.Name, values: v}
}

func orchestratorSettings(t *triage) objectSettings {
	name := "Deployment " + t.s.Config.Kubernetes.OrchestratorDeployment
	if r := t.unreadable(collectors.SourceKubernetes); r != "" {
		return objectSettings{name: name, why: r}
	}
	d := t.s.Kubernetes.Orchestrator
	switch {
	case d == nil:
		return objectSettings{name: name, why: "not in the snapshot"}
	case d.Error != "":
		return objectSettings{name: name, why: d.Error}
	case !d.Found:
		return objectSettings{name: name, why: "not found"}
	}
	v := map[string]string{"image": orDefault(d.Image, "(unset)"), "replicas": fmt.Sprint(d.Replicas)}
	for _, e := range d.Env {
		v["env "+e.Name] = envValue(e)
	}
	return objectSettings{name: "Deployment " + d.Name, values: v}
}

func configSettings(t *triage) objectSettings {
	c := t.s.Config
	return objectSettings{name: "config", values: map[string]string{
		"vault.retentionVersions":           fmt.Sprint(c.Vault.RetentionVersions),
		"thresholds.overdueDays":            fmt.Sprint(c.Thresholds.OverdueDays),
		"thresholds.rotationInterval":       orDefault(roundDurOrUnset(c.Thresholds.RotationInterval.Duration()), "(from the schedule)"),
		"vault.kvMount":                     c.Vault.KVMount,
		"kubernetes.rotationCronJob":        c.Kubernetes.RotationCronJob,
		"kubernetes.cleanupCronJob":         c.Kubernetes.CleanupCronJob,
		"kubernetes.orchestratorDeployment": c.Kubernetes.OrchestratorDeployment,
	}}
}

func roundDurOrUnset(d time.Duration) string {
	if d <= 0 {
		return ""
	}
	return roundDur(d)
}

func compareSettings(b, a objectSettings) []SettingChange {
	obj := a.name
	if b.name != a.name {
		obj = b.name + " → " + a.name
	}
	switch {
	case b.why != "" && a.why != "":
		return nil // unknown in both: nothing to compare; the sources say why
	case b.why != "" || a.why != "":
		state := func(o objectSettings) string {
			if o.why != "" {
				return "unknown: " + o.why
			}
			return "read"
		}
		return []SettingChange{{Object: obj, Setting: "*", Before: state(b), After: state(a)}}
	}
	keys := map[string]bool{}
	for k := range b.values {
		keys[k] = true
	}
	for k := range a.values {
		keys[k] = true
	}
	var out []SettingChange
	for _, k := range sortedKeys(keys) {
		bv, bok := b.values[k]
		av, aok := a.values[k]
		if !bok {
			bv = "(unset)"
		}
		if !aok {
			av = "(unset)"
		}
		if bv != av {
			out = append(out, SettingChange{Object: obj, Setting: k, Before: bv, After: av})
		}
	}
	return out
}

func settingChanges(bt, at *triage) []SettingChange {
	out := []SettingChange{}
	out = append(out, compareSettings(cronJobSettings(bt, collectors.RoleRotation), cronJobSettings(at, collectors.RoleRotation))...)
	out = append(out, compareSettings(cronJobSettings(bt, collectors.RoleCleanup), cronJobSettings(at, collectors.RoleCleanup))...)
	out = append(out, compareSettings(orchestratorSettings(bt), orchestratorSettings(at))...)
	out = append(out, compareSettings(configSettings(bt), configSettings(at))...)
	return out
}

// --- compliance ------------------------------------------------------------------

func complianceChanges(ba, aa Assessment) []ComplianceChange {
	key := func(c ComplianceFinding) string { return c.Kind + "\x00" + c.Tenant }
	bm, am := map[string]ComplianceFinding{}, map[string]ComplianceFinding{}
	for _, c := range ba.Compliance.Findings {
		bm[key(c)] = c
	}
	for _, c := range aa.Compliance.Findings {
		am[key(c)] = c
	}
	// what could not be judged, for a kind: an unknown "failed access"
	// (one tenant's latest outcome) says nothing of another kind's
	// findings (a destroyed key, a version violation)
	unknownFor := func(list []string, kind string) string {
		var out []string
		for _, u := range list {
			if strings.HasPrefix(u, failedAccessUnknown) && kind != ComplianceFailedAccess {
				continue
			}
			out = append(out, u)
		}
		return strings.Join(out, "; ")
	}
	out := []ComplianceChange{}
	for _, c := range aa.Compliance.Findings {
		b, ok := bm[key(c)]
		bUnknown := unknownFor(ba.Compliance.Unknown, c.Kind)
		switch {
		case !ok && bUnknown != "":
			out = append(out, ComplianceChange{Change: ChangeBecameKnown, Tenant: c.Tenant, Kind: c.Kind, AfterSeverity: c.Severity, Detail: c.Detail, Why: "before: " + bUnknown})
		case !ok:
			out = append(out, ComplianceChange{Change: ChangeAdded, Tenant: c.Tenant, Kind: c.Kind, AfterSeverity: c.Severity, Detail: c.Detail})
		case b.Severity != c.Severity:
			out = append(out, ComplianceChange{Change: ChangeChanged, Tenant: c.Tenant, Kind: c.Kind, BeforeSeverity: b.Severity, AfterSeverity: c.Severity, Detail: c.Detail})
		}
	}
	for _, c := range ba.Compliance.Findings {
		if _, ok := am[key(c)]; ok {
			continue
		}
		cc := ComplianceChange{Change: ChangeRemoved, Tenant: c.Tenant, Kind: c.Kind, BeforeSeverity: c.Severity, Detail: c.Detail}
		if aUnknown := unknownFor(aa.Compliance.Unknown, c.Kind); aUnknown != "" {
			cc.Change, cc.Why = ChangeBecameUnknown, "after: "+aUnknown
		}
		out = append(out, cc)
	}
	order := map[string]int{ChangeAdded: 0, ChangeChanged: 1, ChangeRemoved: 2, ChangeBecameKnown: 3, ChangeBecameUnknown: 4}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if order[a.Change] != order[b.Change] {
			return order[a.Change] < order[b.Change]
		}
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		return a.Tenant < b.Tenant
	})
	return out
}

// --- output ------------------------------------------------------------------------

// WriteJSON writes the diff as indented JSON; it returns the writer's error.
func (d Diff) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(d)
}

// maxTenantLines bounds the tenants listed in text and Markdown; -o json
// lists them all.
const maxTenantLines = 100

var changeWords = map[string]string{
	ChangeResolved: "resolved", ChangeAppeared: "appeared", ChangeCleared: "cleared",
	ChangeBecameUnknown: "cannot tell now", ChangeBecameKnown: "known now", ChangeChanged: "changed",
	ChangeReadable: "readable now", ChangeUnreadable: "unreadable now",
	ChangeStartedFiring: "started firing", ChangeStoppedFiring: "stopped firing",
	ChangeAdded: "added", ChangeRemoved: "removed",
}

func causeLine(c *Cause) string {
	if c == nil {
		return "none named"
	}
	return c.Kind + ": " + c.Text
}

func (d Diff) header(b *strings.Builder, md bool) {
	title := fmt.Sprintf("What changed in %s", place(&collectors.Snapshot{Namespace: d.After.Namespace, Context: d.After.Context}))
	span := fmt.Sprintf("before %s (%s) → after %s (%s), %s apart", fmtTime(d.Before.TakenAt), orDefault(d.Before.File, "snapshot"),
		fmtTime(d.After.TakenAt), orDefault(d.After.File, "snapshot"), roundDur(absDur(d.After.TakenAt.Sub(d.Before.TakenAt))))
	if md {
		fmt.Fprintf(b, "# %s\n\n%s. Each snapshot is judged at the time it was taken.\n\n", title, upperFirst(span))
	} else {
		fmt.Fprintf(b, "%s\n%s\nEach snapshot is judged at the time it was taken.\n", title, upperFirst(span))
	}
	fmt.Fprintf(b, "Exit code after: %s.\n", exitMeaning(d.ExitCode))
	if md && len(d.Notes) > 0 {
		b.WriteString("\n")
	}
	for _, n := range d.Notes {
		if md {
			fmt.Fprintf(b, "- **Note:** %s\n", mdEscape(n))
		} else {
			fmt.Fprintf(b, "Note: %s\n", n)
		}
	}
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

func labelsOrEmpty(l map[string]string) string {
	s := labelsText(l)
	if s == "" {
		return ""
	}
	return " " + s
}

// WriteText writes the diff for a terminal; it returns the writer's error.
func (d Diff) WriteText(w io.Writer) error {
	var b strings.Builder
	d.header(&b, false)
	section := func(title string) { fmt.Fprintf(&b, "\n%s\n", title) }

	section("SCENARIOS")
	var same []string
	for _, s := range d.Scenarios {
		if s.Change == ChangeUnchanged {
			same = append(same, fmt.Sprintf("%d %s", s.Number, s.After))
			continue
		}
		fmt.Fprintf(&b, "  %d. %s: %s → %s (%s)\n", s.Number, s.Title, s.Before, s.After, changeWords[s.Change])
		if s.BeforeSeverity != s.AfterSeverity {
			fmt.Fprintf(&b, "       severity %s → %s\n", s.BeforeSeverity, s.AfterSeverity)
		}
		fmt.Fprintf(&b, "       before: %s\n       after:  %s\n", s.BeforeSummary, s.AfterSummary)
		for _, sy := range s.Symptoms {
			fmt.Fprintf(&b, "       symptom %q: %s → %s (%s)", sy.Text, sy.Before, sy.After, changeWords[sy.Change])
			if sy.Reason != "" {
				fmt.Fprintf(&b, ": %s", sy.Reason)
			}
			b.WriteString("\n")
		}
		if s.Cause != nil {
			fmt.Fprintf(&b, "       cause: %s → %s\n", causeLine(s.Cause.Before), causeLine(s.Cause.After))
		}
		if s.Caveat != "" {
			fmt.Fprintf(&b, "       cannot tell: %s\n", s.Caveat)
		}
	}
	if len(same) > 0 {
		fmt.Fprintf(&b, "  unchanged: %s\n", strings.Join(same, ", "))
	}

	section("KEY FACTS")
	if len(d.Facts) == 0 {
		b.WriteString("  no change\n")
	}
	for _, f := range d.Facts {
		fmt.Fprintf(&b, "  %-24s %s → %s\n", f.Name, f.Before, f.After)
	}

	section("TENANTS (" + d.Tenants.counts() + ")")
	for i, t := range d.Tenants.Changed {
		if i == maxTenantLines {
			fmt.Fprintf(&b, "  … and %d more (-o json lists them all)\n", len(d.Tenants.Changed)-i)
			break
		}
		fmt.Fprintf(&b, "  %s: %s\n", t.Tenant, strings.Join(t.Changes, "; "))
	}
	if ids := d.Tenants.cannotTellIDs(); ids != "" {
		fmt.Fprintf(&b, "  cannot tell whether these changed (unknown in one snapshot): %s\n", ids)
	}
	for _, u := range d.Tenants.Unknown {
		fmt.Fprintf(&b, "  cannot tell: %s\n", u)
	}

	section("SOURCES")
	if len(d.Sources) == 0 {
		b.WriteString("  no change\n")
	}
	for _, s := range d.Sources {
		fmt.Fprintf(&b, "  %s: %s → %s (%s)", s.Source, s.Before, s.After, changeWords[s.Change])
		if s.AfterError != "" {
			fmt.Fprintf(&b, ": %s", s.AfterError)
		}
		if s.BeforeError != "" && (s.AfterError == "" || s.Before == s.After) {
			fmt.Fprintf(&b, "; before: %s", s.BeforeError)
		}
		b.WriteString("\n")
	}

	section("ALERTS")
	if len(d.Alerts.Changes) == 0 && len(d.Alerts.Unknown) == 0 {
		b.WriteString("  no change\n")
	}
	for _, a := range d.Alerts.Changes {
		fmt.Fprintf(&b, "  %s%s: %s → %s (%s)\n", a.Name, labelsOrEmpty(a.Labels), a.Before, a.After, changeWords[a.Change])
	}
	for _, u := range d.Alerts.Unknown {
		fmt.Fprintf(&b, "  cannot tell: %s\n", u)
	}

	section("SETTINGS")
	if len(d.Settings) == 0 {
		b.WriteString("  no change\n")
	}
	for _, s := range d.Settings {
		if s.Setting == "*" {
			fmt.Fprintf(&b, "  %s: %s → %s\n", s.Object, s.Before, s.After)
			continue
		}
		fmt.Fprintf(&b, "  %s %s: %s → %s\n", s.Object, s.Setting, s.Before, s.After)
	}

	section("COMPLIANCE FINDINGS")
	if len(d.Compliance) == 0 {
		b.WriteString("  no change\n")
	}
	for _, c := range d.Compliance {
		fmt.Fprintf(&b, "  %-15s %s %s%s: %s", changeWords[c.Change], c.Tenant, c.Kind, severityText(c), c.Detail)
		if c.Why != "" {
			fmt.Fprintf(&b, " (cannot tell %s)", c.Why)
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func severityText(c ComplianceChange) string {
	switch {
	case c.BeforeSeverity != "" && c.AfterSeverity != "":
		return fmt.Sprintf(" (%s → %s)", c.BeforeSeverity, c.AfterSeverity)
	case c.AfterSeverity != "":
		return " (" + string(c.AfterSeverity) + ")"
	}
	return " (" + string(c.BeforeSeverity) + ")"
}

// WriteMarkdown writes the diff as Markdown, for a ticket or an audit
// file; it returns the writer's error.
func (d Diff) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	d.header(&b, true)
	b.WriteString("\n## Scenarios\n\n| # | scenario | before | after | change | summary after |\n|---|---|---|---|---|---|\n")
	for _, s := range d.Scenarios {
		fmt.Fprintf(&b, "| %d | %s | %s | %s | %s | %s |\n", s.Number, s.Title, mdStatus[s.Before], mdStatus[s.After], orDefault(changeWords[s.Change], s.Change), mdEscape(s.AfterSummary))
	}
	for _, s := range d.Scenarios {
		if s.Change == ChangeUnchanged {
			continue
		}
		fmt.Fprintf(&b, "\n### %d. %s — %s → %s\n\n", s.Number, s.Title, s.Before, s.After)
		if s.BeforeSeverity != s.AfterSeverity {
			fmt.Fprintf(&b, "- **Severity:** %s → %s\n", s.BeforeSeverity, s.AfterSeverity)
		}
		fmt.Fprintf(&b, "- **Before:** %s\n- **After:** %s\n", mdEscape(s.BeforeSummary), mdEscape(s.AfterSummary))
		for _, sy := range s.Symptoms {
			line := fmt.Sprintf("- Symptom *%s*: %s → %s (%s)", mdEscape(sy.Text), sy.Before, sy.After, changeWords[sy.Change])
			if sy.Reason != "" {
				line += ": " + mdEscape(sy.Reason)
			}
			b.WriteString(line + "\n")
		}
		if s.Cause != nil {
			fmt.Fprintf(&b, "- **Cause:** %s → %s\n", mdEscape(causeLine(s.Cause.Before)), mdEscape(causeLine(s.Cause.After)))
		}
		if s.Caveat != "" {
			fmt.Fprintf(&b, "- **Cannot tell:** %s\n", mdEscape(s.Caveat))
		}
	}
	b.WriteString("\n## Key facts\n\n")
	if len(d.Facts) == 0 {
		b.WriteString("No change.\n")
	} else {
		b.WriteString("| fact | before | after |\n|---|---|---|\n")
		for _, f := range d.Facts {
			fmt.Fprintf(&b, "| %s | %s | %s |\n", f.Name, mdEscape(f.Before), mdEscape(f.After))
		}
	}
	fmt.Fprintf(&b, "\n## Tenants\n\n%s.\n\n", upperFirst(d.Tenants.counts()))
	if len(d.Tenants.Changed) > 0 {
		b.WriteString("| tenant | changes |\n|---|---|\n")
		for i, t := range d.Tenants.Changed {
			if i == maxTenantLines {
				fmt.Fprintf(&b, "| … | %d more (`-o json` lists them all) |\n", len(d.Tenants.Changed)-i)
				break
			}
			fmt.Fprintf(&b, "| %s | %s |\n", t.Tenant, mdEscape(strings.Join(t.Changes, "; ")))
		}
		if len(d.Tenants.Unknown) > 0 || len(d.Tenants.CannotTell) > 0 {
			b.WriteString("\n")
		}
	}
	if ids := d.Tenants.cannotTellIDs(); ids != "" {
		fmt.Fprintf(&b, "- **Cannot tell whether these changed** (unknown in one snapshot): %s\n", mdEscape(ids))
	}
	for _, u := range d.Tenants.Unknown {
		fmt.Fprintf(&b, "- **Cannot tell:** %s\n", mdEscape(u))
	}
	b.WriteString("\n## Sources\n\n")
	if len(d.Sources) == 0 {
		b.WriteString("No change.\n")
	}
	for _, s := range d.Sources {
		fmt.Fprintf(&b, "- **%s:** %s → %s (%s)", s.Source, s.Before, s.After, changeWords[s.Change])
		if s.AfterError != "" {
			fmt.Fprintf(&b, ": %s", mdEscape(s.AfterError))
		}
		if s.BeforeError != "" && (s.AfterError == "" || s.Before == s.After) {
			fmt.Fprintf(&b, "; before: %s", mdEscape(s.BeforeError))
		}
		b.WriteString("\n")
	}
	b.WriteString("\n## Alerts\n\n")
	if len(d.Alerts.Changes) == 0 && len(d.Alerts.Unknown) == 0 {
		b.WriteString("No change.\n")
	}
	for _, a := range d.Alerts.Changes {
		fmt.Fprintf(&b, "- `%s%s`: %s → %s (%s)\n", a.Name, labelsOrEmpty(a.Labels), a.Before, a.After, changeWords[a.Change])
	}
	for _, u := range d.Alerts.Unknown {
		fmt.Fprintf(&b, "- **Cannot tell:** %s\n", mdEscape(u))
	}
	b.WriteString("\n## Settings\n\n")
	if len(d.Settings) == 0 {
		b.WriteString("No change.\n")
	} else {
		b.WriteString("| object | setting | before | after |\n|---|---|---|---|\n")
		for _, s := range d.Settings {
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", mdEscape(s.Object), mdEscape(s.Setting), mdEscape(s.Before), mdEscape(s.After))
		}
	}
	b.WriteString("\n## Compliance findings\n\n")
	if len(d.Compliance) == 0 {
		b.WriteString("No change.\n")
	} else {
		b.WriteString("| change | tenant | kind | severity | detail |\n|---|---|---|---|---|\n")
		for _, c := range d.Compliance {
			detail := c.Detail
			if c.Why != "" {
				detail += " (cannot tell " + c.Why + ")"
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", changeWords[c.Change], mdName(c.Tenant), c.Kind, strings.Trim(severityText(c), " ()"), mdEscape(detail))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
