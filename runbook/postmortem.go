package runbook

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
)

// Compliance Notes conditions (runbook.yaml's compliance list, in order).
const (
	CondOverdue    = "overdue-7-days"
	CondProduction = "production-tenant"
	CondVersions   = "version-violation"
	CondAccess     = "access-or-recovery"
)

// Condition states.
const (
	CondHolds   = "holds"
	CondNot     = "does-not-hold"
	CondUnknown = "unknown"
)

// Postmortem is a draft for the incident document: detection, scenarios
// with evidence, impact, the timeline, the actions taken, the verification
// state now and the compliance section the runbook's Compliance Notes ask
// for.
type Postmortem struct {
	Namespace string    `json:"namespace"`
	TakenAt   time.Time `json:"takenAt"`
	// BeforeTakenAt is when the before snapshot was taken (two-snapshot
	// postmortems).
	BeforeTakenAt *time.Time   `json:"beforeTakenAt,omitempty"`
	Detection     Detection    `json:"detection"`
	Scenarios     []PMScenario `json:"scenarios"`
	// Conditions are the findings of their own now (a sealed or
	// uninitialised Vault, none of the runbook's objects found), as the
	// report's: what makes the state critical when no scenario does.
	Conditions []Condition     `json:"conditions"`
	Impact     Impact          `json:"impact"`
	Actions    []JournalAction `json:"actions"`
	Compliance PMCompliance    `json:"compliance"`
	Timeline   Timeline        `json:"timeline"`
	// Basis says what the scenarios, impact and compliance are judged on
	// when that is less than the incident: with no before snapshot, the
	// state now only (after the fixes), beside what the timeline read.
	Basis string `json:"basis,omitempty"`
	// ExitCode is the state now, as report's (0 ok … 3 could not tell).
	ExitCode int `json:"exitCode"`
}

// Detection is when the incident began and when it was seen.
type Detection struct {
	FirstSign        *time.Time `json:"firstSign,omitempty"`
	FirstSignSummary string     `json:"firstSignSummary,omitempty"`
	DetectedAt       *time.Time `json:"detectedAt,omitempty"`
	DetectedBy       string     `json:"detectedBy"`
}

// PMScenario is a scenario that was not clear before or is not clear now.
type PMScenario struct {
	ID       string   `json:"id"`
	Number   int      `json:"number"`
	Title    string   `json:"title"`
	Before   Status   `json:"before,omitempty"`
	Now      Status   `json:"now"`
	Severity Severity `json:"severity"`
	Summary  string   `json:"summary"`
	Evidence []string `json:"evidence"`
}

// Impact is who and what was hurt.
type Impact struct {
	TenantsAffected []string        `json:"tenantsAffected"`
	Overdue         []TenantOverdue `json:"overdue"`
	OverRetention   []TenantOver    `json:"overRetention"`
	Unknown         []string        `json:"unknown,omitempty"`
}

// TenantOverdue is a tenant overdue beyond the policy interval.
type TenantOverdue struct {
	Tenant string              `json:"tenant"`
	By     collectors.Duration `json:"by"`
}

// TenantOver is a tenant keeping more versions than retention.
type TenantOver struct {
	Tenant    string `json:"tenant"`
	Live      int    `json:"live"`
	Retention int    `json:"retention"`
}

// PMCompliance is the Compliance Notes section: which of the four
// reporting conditions hold, per tenant, with evidence.
type PMCompliance struct {
	Reportable bool       `json:"reportable"`
	Tenants    []PMTenant `json:"tenants"`
	Others     string     `json:"others"`
	Unknown    []string   `json:"unknown,omitempty"`
}

// PMTenant is one tenant's four conditions.
type PMTenant struct {
	Tenant     string        `json:"tenant"`
	Conditions []PMCondition `json:"conditions"`
}

// PMCondition is one Compliance Notes condition for a tenant.
type PMCondition struct {
	Condition string   `json:"condition"`
	State     string   `json:"state"`
	Evidence  []string `json:"evidence,omitempty"`
}

// Postmortem drafts the postmortem of after (judged at now), with the
// state before when before is not nil, the journal's actions and the
// timeline options (window). It is pure.
func (b *Book) Postmortem(before, after *collectors.Snapshot, now time.Time, o TimelineOptions) Postmortem {
	a := b.Triage(after, now)
	pm := Postmortem{Namespace: after.Namespace, TakenAt: after.CollectedAt, ExitCode: a.ExitCode(), Actions: o.Journal}
	if pm.Actions == nil {
		pm.Actions = []JournalAction{}
	}
	var ba *Assessment
	if before != nil {
		x := b.Triage(before, before.CollectedAt)
		ba = &x
		at := before.CollectedAt
		pm.BeforeTakenAt = &at
	}
	pm.Timeline = b.Timeline(after, now, o)
	if from := pm.Timeline.From; from != nil {
		kept := []JournalAction{}
		for _, a := range pm.Actions {
			if !a.Time.Before(*from) {
				kept = append(kept, a)
			}
		}
		pm.Actions = kept
	}
	// detection
	for _, e := range pm.Timeline.Entries {
		if e.Outcome == "failure" && pm.Detection.FirstSign == nil {
			at := e.At
			pm.Detection.FirstSign, pm.Detection.FirstSignSummary = &at, e.Kind+": "+e.Summary
		}
		if e.Kind == EntryAlert && e.Outcome == "firing" && pm.Detection.DetectedAt == nil {
			at := e.At
			pm.Detection.DetectedAt, pm.Detection.DetectedBy = &at, "alert "+strings.SplitN(e.Summary, " ", 2)[0]
			if strings.Contains(e.Summary, "(already ") {
				// firing when the alert history begins: it fired then at
				// the latest, maybe long before
				pm.Detection.DetectedBy += " (already firing when the alert history begins: it may have fired earlier, which cannot be told)"
			}
		}
	}
	if pm.Detection.DetectedAt == nil {
		pm.Detection.DetectedBy = "no alert fired in the window; seen by kubectl-rotation when the snapshot was taken"
		if a.AlertsUnknown != "" { // none read is not none fired
			pm.Detection.DetectedBy = "kubectl-rotation when the snapshot was taken; whether an alert fired before cannot be told (" + a.AlertsUnknown + ")"
		}
		at := after.CollectedAt
		pm.Detection.DetectedAt = &at
	}
	pm.Conditions = append([]Condition{}, a.Conditions...)
	// scenarios
	for _, f := range a.Findings {
		sc := PMScenario{ID: f.ID, Number: f.Number, Title: f.Title, Now: f.Status, Severity: f.Severity, Summary: f.Summary, Evidence: []string{}}
		if ba != nil {
			if bf, ok := ba.Finding(f.ID); ok {
				sc.Before = bf.Status
				if f.Status == StatusClear && bf.Status != StatusClear {
					sc.Summary, sc.Severity = bf.Summary, bf.Severity
				}
			}
		}
		if sc.Now == StatusClear && (sc.Before == "" || sc.Before == StatusClear) {
			// clear now, and no snapshot of before: what the timeline
			// read of it in the window (an alert that fired, a failed
			// run) is the incident's evidence
			if ba == nil {
				if ev := windowEvidence(pm.Timeline, f.ID); len(ev) > 0 {
					sc.Summary = "clear now; in the window: " + ev[0]
					sc.Evidence = ev
					pm.Scenarios = append(pm.Scenarios, sc)
				}
			}
			continue
		}
		src := f
		if f.Status == StatusClear && ba != nil {
			src, _ = ba.Finding(f.ID)
		}
		for _, sy := range src.Symptoms {
			if sy.State == SymptomPresent {
				for _, e := range sy.Evidence {
					sc.Evidence = append(sc.Evidence, sy.Text+" — "+evidenceLine(e))
				}
			}
		}
		pm.Scenarios = append(pm.Scenarios, sc)
	}
	// impact: the worse of before and now
	affected := map[string]bool{}
	for _, x := range []*Assessment{ba, &a} {
		if x == nil {
			continue
		}
		for _, f := range x.Findings {
			if f.Status != StatusClear {
				for _, tn := range f.Tenants {
					affected[tn] = true
				}
			}
		}
		for _, c := range x.Compliance.Findings {
			if c.Tenant != "*" {
				affected[c.Tenant] = true
			}
		}
	}
	// the timeline's failures name the tenants the incident hurt, fixed
	// since or not
	for _, e := range pm.Timeline.Entries {
		if e.Outcome != "failure" {
			continue
		}
		if e.Tenant != "" {
			affected[e.Tenant] = true
		}
		for _, tn := range e.FailedTenants {
			affected[tn] = true
		}
	}
	pm.Impact.TenantsAffected = sortedKeys(affected)
	overdue := map[string]bool{}
	for _, c := range a.Compliance.Findings {
		switch c.Kind {
		case ComplianceOverdue:
			if c.LastRotation != nil {
				overdue[c.Tenant] = true
				pm.Impact.Overdue = append(pm.Impact.Overdue, TenantOverdue{Tenant: c.Tenant, By: collectors.Duration(now.Sub(*c.LastRotation) - a.Compliance.Interval.Duration())})
			}
		}
	}
	if ba != nil {
		// the incident's impact is what it was at its worst: a tenant
		// overdue before, rotated since, was overdue (by as much as then)
		for _, c := range ba.Compliance.Findings {
			if c.Kind == ComplianceOverdue && c.LastRotation != nil && !overdue[c.Tenant] {
				pm.Impact.Overdue = append(pm.Impact.Overdue, TenantOverdue{Tenant: c.Tenant, By: collectors.Duration(before.CollectedAt.Sub(*c.LastRotation) - ba.Compliance.Interval.Duration())})
			}
		}
	}
	// versions over retention: the worse of before and now, per tenant
	over := map[string]TenantOver{}
	for _, snap := range []*collectors.Snapshot{before, after} {
		if snap == nil {
			continue
		}
		ts, why := (&triage{s: snap, now: snap.CollectedAt, book: b}).tenants()
		if why != "" {
			if snap == after {
				pm.Impact.Unknown = append(pm.Impact.Unknown, "versions over retention: "+why)
			}
			continue
		}
		keep := snap.Config.Vault.RetentionVersions
		for _, tn := range ts {
			if tn.Error == "" && tn.LiveVersions > keep && tn.LiveVersions > over[tn.ID].Live {
				over[tn.ID] = TenantOver{Tenant: tn.ID, Live: tn.LiveVersions, Retention: keep}
			}
		}
	}
	for _, id := range sortedKeys(over) {
		pm.Impact.OverRetention = append(pm.Impact.OverRetention, over[id])
	}
	if before == nil {
		pm.Basis = fmt.Sprintf("no snapshot of before: the scenarios, the overdue tenants, the versions over retention and the compliance conditions are the state read at %s, after whatever was fixed by then (a condition a fix ended is not in them); the tenants affected and the scenarios clear now add what the timeline read of the window. For the incident at its worst, take `kubectl rotation snapshot -o json > before.json` while it lasts and pass it with --from", fmtTime(after.CollectedAt))
	}
	pm.Impact.Unknown = append(pm.Impact.Unknown, a.Compliance.Unknown...)
	if pm.Impact.TenantsAffected == nil {
		pm.Impact.TenantsAffected = []string{}
	}
	pm.Compliance = complianceConditions(a, ba)
	return pm
}

// windowEvidence is what the timeline read in its window of scenario id:
// its alerts' firing and its failures, newest last, at most five.
func windowEvidence(tl Timeline, id string) []string {
	var out []string
	for _, e := range tl.Entries {
		if !slices.Contains(e.Scenarios, id) || (e.Outcome != "failure" && e.Outcome != "firing") {
			continue
		}
		out = append(out, fmt.Sprintf("%s %s: %s", fmtTime(e.At), e.Kind, e.Summary))
	}
	if len(out) > 5 {
		out = append(out[:2], append([]string{fmt.Sprintf("… %d more …", len(out)-4)}, out[len(out)-2:]...)...)
	}
	return out
}

// complianceConditions judges the runbook's four Compliance Notes
// conditions per tenant from the assessment's compliance findings.
func complianceConditions(a Assessment, ba *Assessment) PMCompliance {
	c := PMCompliance{Tenants: []PMTenant{}, Unknown: a.Compliance.Unknown}
	by := map[string][]ComplianceFinding{}
	for _, f := range a.Compliance.Findings {
		by[f.Tenant] = append(by[f.Tenant], f)
	}
	if ba != nil {
		// a condition that held before the fix held in the incident: the
		// runbook's reporting duty does not end with the fix
		for _, f := range ba.Compliance.Findings {
			if !slices.ContainsFunc(by[f.Tenant], func(g ComplianceFinding) bool { return g.Kind == f.Kind }) {
				f.Detail = "before the fix: " + f.Detail
				by[f.Tenant] = append(by[f.Tenant], f)
			}
		}
	}
	unknownAll := len(a.Compliance.Unknown) > 0
	for _, tn := range sortedKeys(by) {
		fs := by[tn]
		cond := func(id string, kinds ...string) PMCondition {
			pc := PMCondition{Condition: id, State: CondNot}
			if unknownAll {
				pc.State = CondUnknown
			}
			for _, f := range fs {
				for _, k := range kinds {
					switch {
					case f.Kind != k:
					case k == ComplianceRotationSuspended && f.Severity != SeverityCritical:
						// suspended, but its last scheduled run is not yet
						// older than the interval plus the overdue days:
						// nothing is overdue > 7 days yet (the finding
						// turns critical when it is)
						pc.Evidence = append(pc.Evidence, f.Kind+" (not yet overdue): "+f.Detail)
					default:
						pc.State = CondHolds
						pc.Evidence = append(pc.Evidence, f.Kind+": "+f.Detail)
					}
				}
			}
			return pc
		}
		t := PMTenant{Tenant: tn, Conditions: []PMCondition{
			cond(CondOverdue, ComplianceOverdue, ComplianceRotationSuspended),
			{Condition: CondProduction, State: CondUnknown, Evidence: []string{"which tenants hold production data is not in the configuration or any source: the data cannot tell"}},
			cond(CondVersions, ComplianceOverRetention, ComplianceMaxVersionsBelowRetention, ComplianceDeleteVersionAfter),
			cond(CondAccess, ComplianceKeyUnavailable, ComplianceFailedAccess),
		}}
		for _, pc := range t.Conditions {
			if pc.State == CondHolds {
				c.Reportable = true
			}
		}
		c.Tenants = append(c.Tenants, t)
	}
	others := a.Compliance.TenantsChecked - len(c.Tenants)
	if _, all := by["*"]; all {
		others++
	}
	c.Others = fmt.Sprintf("the other %d tenants checked: none of the conditions the data can tell holds; production-tenant unknown", max(others, 0))
	if unknownAll {
		c.Others = "the other tenants: unknown (compliance could not be judged: " + strings.Join(a.Compliance.Unknown, "; ") + ")"
	}
	sort.SliceStable(c.Tenants, func(i, j int) bool { return c.Tenants[i].Tenant < c.Tenants[j].Tenant })
	return c
}

// WriteJSON writes the postmortem as indented JSON.
func (pm Postmortem) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(pm)
}

var condTitle = map[string]string{
	CondOverdue: "rotation overdue > 7 days beyond policy", CondProduction: "affects production tenant data",
	CondVersions: "results in key version violations", CondAccess: "prevents data access or recovery",
}

var condMark = map[string]string{CondHolds: "**yes**", CondNot: "no", CondUnknown: "unknown"}

// WriteMarkdown writes the postmortem draft, to paste into the incident
// document.
func (pm Postmortem) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# Postmortem draft: secret rotation, namespace %s\n\n", pm.Namespace)
	if pm.BeforeTakenAt != nil {
		fmt.Fprintf(&b, "Before: snapshot of %s. After: snapshot of %s.\n\n", fmtTime(*pm.BeforeTakenAt), fmtTime(pm.TakenAt))
	} else {
		fmt.Fprintf(&b, "State read %s.\n\n", fmtTime(pm.TakenAt))
	}
	if pm.Basis != "" {
		fmt.Fprintf(&b, "> **Judged on the state now:** %s.\n\n", mdEscape(pm.Basis))
	}
	b.WriteString("## Detection\n\n")
	if d := pm.Detection; d.FirstSign != nil {
		fmt.Fprintf(&b, "- **First sign:** %s — %s\n", fmtTime(*d.FirstSign), mdEscape(d.FirstSignSummary))
	} else if len(pm.Timeline.Unknown) > 0 {
		fmt.Fprintf(&b, "- **First sign:** no failure read in the window; cannot tell: %s\n", mdEscape(strings.Join(pm.Timeline.Unknown, "; ")))
	} else {
		b.WriteString("- **First sign:** no failure in the window\n")
	}
	fmt.Fprintf(&b, "- **Detected:** %s, by %s\n", fmtTime(*pm.Detection.DetectedAt), pm.Detection.DetectedBy)
	if len(pm.Conditions) > 0 {
		b.WriteString("\n## Conditions\n\n")
		for _, c := range pm.Conditions {
			fmt.Fprintf(&b, "- **%s** (%s): %s\n", c.Kind, c.Severity, mdEscape(c.Summary))
			for _, e := range c.Evidence {
				fmt.Fprintf(&b, "  - %s: %s\n", mdEscape(e.Fact), mdEscape(e.Observed))
			}
		}
	}
	b.WriteString("\n## Scenarios\n\n")
	if len(pm.Scenarios) == 0 {
		b.WriteString("Every scenario clear.\n")
	}
	for _, sc := range pm.Scenarios {
		state := string(sc.Now)
		if sc.Before != "" {
			state = string(sc.Before) + " → " + string(sc.Now)
		}
		fmt.Fprintf(&b, "### %d. %s — %s\n\n%s\n\n", sc.Number, sc.Title, state, mdEscape(sc.Summary))
		for _, e := range sc.Evidence {
			fmt.Fprintf(&b, "- %s\n", mdEscape(e))
		}
		if len(sc.Evidence) > 0 {
			b.WriteString("\n")
		}
	}
	b.WriteString("## Impact\n\n")
	// with something unjudged, a count is what was seen: "at least", or
	// "unknown" for none seen
	count := func(n int) string {
		switch {
		case len(pm.Impact.Unknown) == 0:
			return fmt.Sprint(n)
		case n == 0:
			return "unknown (none seen; see cannot tell below)"
		}
		return fmt.Sprintf("at least %d", n)
	}
	fmt.Fprintf(&b, "- **Tenants affected:** %s%s\n", count(len(pm.Impact.TenantsAffected)), listOrEmpty(pm.Impact.TenantsAffected))
	var od []string
	for _, o := range pm.Impact.Overdue {
		od = append(od, fmt.Sprintf("%s by %s", o.Tenant, roundDur(o.By.Duration())))
	}
	fmt.Fprintf(&b, "- **Overdue beyond the policy interval:** %s%s\n", count(len(od)), listOrEmpty(od))
	var ov []string
	for _, o := range pm.Impact.OverRetention {
		ov = append(ov, fmt.Sprintf("%s (%d of %d)", o.Tenant, o.Live, o.Retention))
	}
	fmt.Fprintf(&b, "- **Versions over retention:** %s%s\n", count(len(ov)), listOrEmpty(ov))
	for _, u := range pm.Impact.Unknown {
		fmt.Fprintf(&b, "- **Cannot tell:** %s\n", mdEscape(u))
	}
	b.WriteString("\n## Actions taken\n\n")
	if len(pm.Actions) == 0 {
		b.WriteString("None recorded in the journal.\n")
	} else {
		b.WriteString("| time | action | who | why | result (before → after) |\n|---|---|---|---|---|\n")
		for _, a := range pm.Actions {
			// a cell is one line: a policy's lines are kept apart by <br>
			cell := func(s string) string { return oneLine(mdEscape(s), "<br>") }
			res := orDefault(a.Outcome, "NO OUTCOME (interrupted: check its effect by hand)")
			if a.Result != "" {
				res += ": " + cell(a.Result)
			}
			if a.Before != "" || a.After != "" {
				res += " (" + orDefault(cell(a.Before), "?") + " → " + orDefault(cell(a.After), "?") + ")"
			}
			if a.Error != "" {
				res += ": " + cell(a.Error)
			}
			fmt.Fprintf(&b, "| %s | %s on %s | %s | %s | %s |\n", fmtTime(a.Time), a.Action, cell(a.Target), cell(orDefault(a.Who, "?")), cell(a.Reason), res)
		}
	}
	b.WriteString("\n## Verification now\n\n| # | scenario | state |\n|---|---|---|\n")
	for _, sc := range pm.Scenarios {
		fmt.Fprintf(&b, "| %d | %s | %s |\n", sc.Number, sc.Title, mdStatus[sc.Now])
	}
	fmt.Fprintf(&b, "\nExit code now: %s.\n", exitMeaning(pm.ExitCode))
	b.WriteString("\n## Compliance (runbook Compliance Notes)\n\n")
	if pm.Compliance.Reportable {
		b.WriteString("**Report to the compliance team:** at least one condition holds.\n\n")
	} else if len(pm.Compliance.Unknown) > 0 || strings.HasPrefix(pm.Compliance.Others, "the other tenants: unknown") {
		b.WriteString("No condition holds among what could be judged; the rest cannot be told (below), nor can production tenants.\n\n")
	} else {
		b.WriteString("No condition the data can tell holds; production tenants cannot be told.\n\n")
	}
	if len(pm.Compliance.Tenants) > 0 {
		b.WriteString("| tenant | overdue > 7 days | production tenant | version violation | access or recovery | evidence |\n|---|---|---|---|---|---|\n")
		for _, t := range pm.Compliance.Tenants {
			var marks, ev []string
			for _, c := range t.Conditions {
				marks = append(marks, condMark[c.State])
				if c.State == CondHolds {
					ev = append(ev, c.Evidence...)
				}
			}
			fmt.Fprintf(&b, "| %s | %s | %s |\n", mdName(t.Tenant), strings.Join(marks, " | "), mdEscape(strings.Join(ev, "; ")))
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "%s. Production tenant: %s\n", upperFirst(pm.Compliance.Others), "which tenants hold production data is not in the configuration or any source, so the data cannot tell.")
	b.WriteString("\nConditions: ")
	for i, k := range []string{CondOverdue, CondProduction, CondVersions, CondAccess} {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(condTitle[k])
	}
	b.WriteString(".\n\n## Timeline\n\n```\n")
	var tl strings.Builder
	_ = pm.Timeline.WriteText(&tl) // a strings.Builder does not fail
	b.WriteString(tl.String())
	b.WriteString("```\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func listOrEmpty(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return " — " + listSome(mdNames(s), 30)
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
