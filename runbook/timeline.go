package runbook

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/shell"
)

// Timeline entry kinds.
const (
	EntryJobStart = "job-start"
	EntryJobEnd   = "job-end"
	EntryEvent    = "event"
	EntryAudit    = "audit"
	EntryAlert    = "alert"
	EntryMetric   = "metric"
	EntryVersion  = "vault-version"
	EntryAction   = "action"
)

// Marks on timeline entries.
const (
	MarkFirstFailure = "first-failure"
	MarkLastSuccess  = "last-success"
)

// TimelineEntry is one thing that happened, with where to look for it.
type TimelineEntry struct {
	At   time.Time `json:"at"`
	Kind string    `json:"kind"`
	// Source is the source it was read from (kubernetes, logs, vault,
	// prometheus, journal).
	Source string `json:"source"`
	Tenant string `json:"tenant,omitempty"`
	// FailedTenants are, for a rotation Job's end, the tenants its log
	// names in "Failed to rotate key for tenant".
	FailedTenants []string `json:"failedTenants,omitempty"`
	// Scenarios are the runbook scenarios it is evidence for (ids).
	Scenarios []string `json:"scenarios,omitempty"`
	// Outcome is success, failure, firing, pending, resolved, started,
	// unknown (a span of the alert history in which Prometheus held no
	// data), or empty.
	Outcome string `json:"outcome,omitempty"`
	Summary string `json:"summary"`
	// Evidence is the command that shows it (kubectl, vault, PromQL), or
	// where it was read.
	Evidence string `json:"evidence,omitempty"`
	// Marks: first-failure, last-success (per tenant).
	Marks []string `json:"marks,omitempty"`
	// Approximate is true when the time is the end of the interval the
	// change happened in (a metric step), not the moment itself.
	Approximate bool `json:"approximate,omitempty"`
}

// JournalAction is an action as the journal tells it, for the timeline and
// the postmortem (the actions package reads the journal; the runbook only
// takes its content).
type JournalAction struct {
	ID      string    `json:"id"`
	Time    time.Time `json:"time"`
	Action  string    `json:"action"`
	Target  string    `json:"target"`
	Who     string    `json:"who,omitempty"`
	Reason  string    `json:"reason,omitempty"`
	Command string    `json:"command,omitempty"`
	// Outcome is ok, failed, refused, or empty when no outcome line was
	// written (the action was interrupted: its effect is unknown).
	Outcome   string     `json:"outcome,omitempty"`
	OutcomeAt *time.Time `json:"outcomeAt,omitempty"`
	Result    string     `json:"result,omitempty"`
	Before    string     `json:"before,omitempty"`
	After     string     `json:"after,omitempty"`
	Error     string     `json:"error,omitempty"`
}

// TimelineOptions choose the window and the filters of a timeline.
type TimelineOptions struct {
	// Since is how far back from now the timeline reaches; 0: everything
	// the snapshot and the journal hold.
	Since time.Duration
	// Tenant keeps the entries naming that tenant (and the rotation runs
	// they happened in).
	Tenant string
	// Scenario keeps the entries that are evidence for that scenario (its
	// id or number).
	Scenario string
	// Journal are the journal's actions (nil: no journal read; JournalNote
	// says why, when it should be said).
	Journal     []JournalAction
	JournalNote string
	// TenantDetail is Tenant's own counter series, read on demand: its
	// metric entries when the snapshot holds the counters summed over
	// the tenants (nil: not read; the timeline says it cannot tell).
	TenantDetail *collectors.TenantDetail
}

// Timeline is what happened, in order.
type Timeline struct {
	Namespace string          `json:"namespace"`
	TakenAt   time.Time       `json:"takenAt"`
	From      *time.Time      `json:"from,omitempty"`
	To        time.Time       `json:"to"`
	Tenant    string          `json:"tenant,omitempty"`
	Scenario  string          `json:"scenario,omitempty"`
	Entries   []TimelineEntry `json:"entries"`
	// Unknown says what the timeline cannot show and why (a source not
	// read, the audit log's events kept only in part, no alert history).
	Unknown []string `json:"unknown,omitempty"`
}

// ScenarioID resolves a scenario given by id or number; "" when unknown.
func (b *Book) ScenarioID(s string) string {
	for _, sc := range b.Scenarios {
		if s == sc.ID || s == strconv.Itoa(sc.Number) {
			return sc.ID
		}
	}
	return ""
}

// Timeline merges into one chronological list what the snapshot s (judged
// at now) and the journal's actions tell: Job starts and ends with their
// reason, warning Events, audit events per tenant and outcome, the related
// alerts' state changes, metric transitions that matter (rotations and
// failures counted, renewal failures, the token TTL crossing its
// thresholds), Vault key version times and the actions taken; the first
// failure and the last success of each tenant are marked. It is pure.
func (b *Book) Timeline(s *collectors.Snapshot, now time.Time, o TimelineOptions) Timeline {
	t := &triage{s: s, now: now.UTC(), book: b}
	tl := Timeline{Namespace: s.Namespace, TakenAt: s.CollectedAt, To: t.now, Tenant: o.Tenant, Entries: []TimelineEntry{}}
	if o.Scenario != "" {
		tl.Scenario = b.ScenarioID(o.Scenario)
	}
	var from time.Time
	if o.Since > 0 {
		from = t.now.Add(-o.Since)
		tl.From = &from
	}
	var es []TimelineEntry
	es = append(es, t.jobEntries(&tl)...)
	es = append(es, t.auditEntries(&tl)...)
	es = append(es, t.alertEntries(&tl)...)
	es = append(es, t.metricEntries(&tl, o)...)
	es = append(es, t.versionEntries(&tl)...)
	es = append(es, b.actionEntries(o.Journal, o.JournalNote, &tl)...)
	sort.SliceStable(es, func(i, j int) bool {
		if !es[i].At.Equal(es[j].At) {
			return es[i].At.Before(es[j].At)
		}
		if es[i].Kind != es[j].Kind {
			return es[i].Kind < es[j].Kind
		}
		if es[i].Tenant != es[j].Tenant {
			return es[i].Tenant < es[j].Tenant
		}
		return es[i].Summary < es[j].Summary
	})
	markTenants(es, o.Tenant)
	runs := map[string]bool{} // rotation runs a kept tenant entry happened in
	if o.Tenant != "" {
		for _, e := range es {
			if e.Tenant == o.Tenant {
				for _, j := range t.jobsAround(e.At, e.Kind != EntryVersion) {
					runs[j] = true
				}
			}
			if slices.Contains(e.FailedTenants, o.Tenant) {
				runs[jobOfEntry(e)] = true // a run whose own log names it failing
			}
		}
	}
	for _, e := range es {
		if !from.IsZero() && e.At.Before(from) {
			continue
		}
		if o.Tenant != "" && e.Tenant != o.Tenant && !runs[jobOfEntry(e)] {
			continue
		}
		if tl.Scenario != "" && !slices.Contains(e.Scenarios, tl.Scenario) {
			continue
		}
		tl.Entries = append(tl.Entries, e)
	}
	if o.Tenant != "" {
		tl.Unknown = append(tl.Unknown, t.tenantUnknowns(o.Tenant)...)
	}
	return tl
}

// tenantUnknowns are what a tenant's timeline cannot show: its key
// versions when Vault could not read them, and, for an id no source names
// (a typo), that it is unknown everywhere, so that an empty story never
// reads as "nothing happened to it".
func (t *triage) tenantUnknowns(id string) []string {
	var out []string
	listed, read := false, false
	if ts, why := t.tenants(); why == "" {
		read = true
		for _, tn := range ts {
			if tn.ID == id {
				listed = true
				if tn.Error != "" && !tn.Missing {
					out = append(out, fmt.Sprintf("key versions of tenant %s: %s", id, tn.Error))
				}
			}
		}
	}
	if listed {
		return out
	}
	if a, why := t.audit(); why == "" {
		if _, ok := a.Tenants[id]; ok {
			return out
		}
	}
	if p := t.s.Prometheus; p != nil {
		for _, m := range p.Metrics {
			if slices.Contains(m.Tenants, id) {
				return out
			}
		}
	}
	if read {
		out = append(out, fmt.Sprintf("tenant %s: Vault does not list it, and no audit event or metric read names it: check the id (the report's tenants are the ids Vault lists)", id))
	}
	return out
}

// markTenants marks, per tenant, the first failure and the last success
// (es sorted by time).
func markTenants(es []TimelineEntry, tenant string) {
	first, last := map[string]int{}, map[string]int{}
	for i, e := range es {
		who := e.Tenant
		if who == "" && tenant != "" && slices.Contains(e.FailedTenants, tenant) {
			who = tenant // one tenant's story: a run whose log names it failing is its failure
		}
		if who == "" {
			continue
		}
		switch e.Outcome {
		case "failure":
			if _, ok := first[who]; !ok {
				first[who] = i
			}
		case "success":
			last[who] = i
		}
	}
	for _, i := range first {
		es[i].Marks = append(es[i].Marks, MarkFirstFailure)
	}
	for _, i := range last {
		es[i].Marks = append(es[i].Marks, MarkLastSuccess)
	}
}

// jobsAround names the rotation Jobs that ran at at (late: or up to a
// minute after a Job ended, as audit events may be stamped; a key version
// Vault wrote is within the run itself). A Job none of whose pods ever
// ran did nothing at any time.
func (t *triage) jobsAround(at time.Time, late bool) []string {
	jobs, why := t.jobs(collectors.RoleRotation)
	if why != "" {
		return nil
	}
	var out []string
	for _, j := range jobs {
		if len(j.Pods) > 0 && !slices.ContainsFunc(j.Pods, func(p collectors.Pod) bool { return p.Started != nil }) {
			continue // no pod of it ever ran: nothing happened in it
		}
		start := j.When()
		if j.Started != nil {
			start = *j.Started
		}
		end := t.now
		if j.Finished != nil {
			end = *j.Finished
			if late { // a run's last audit events may be stamped just after its end
				end = end.Add(time.Minute)
			}
		}
		if !at.Before(start) && !at.After(end) {
			out = append(out, j.Name)
		}
	}
	return out
}

// JobName is the Job an entry is about: the Job of a job-start or job-end
// entry, or the object of a warning Event on a Job (the dashboard opens its
// log); "" for every other entry.
func (e TimelineEntry) JobName() string {
	switch e.Kind {
	case EntryJobStart, EntryJobEnd:
		return jobOfEntry(e)
	case EntryEvent:
		// jobEntries' summary: "<type> <reason> on <Kind>/<name>: <message>"
		if _, rest, ok := strings.Cut(e.Summary, " on Job/"); ok {
			name, _, _ := strings.Cut(rest, ":")
			return name
		}
	}
	return ""
}

func jobOfEntry(e TimelineEntry) string {
	if e.Kind != EntryJobStart && e.Kind != EntryJobEnd {
		return ""
	}
	name, _, _ := strings.Cut(e.Summary, " ")
	return name
}

func (t *triage) jobScenarios(j collectors.Job) []string {
	switch {
	case j.Role == collectors.RoleCleanup:
		return []string{ScenarioCleanupFailing}
	case j.Outcome == collectors.OutcomeSucceeded:
		return []string{ScenarioRotationJobFailing, ScenarioBatchTimeout}
	case timedOut(&j, t.now):
		return []string{ScenarioBatchTimeout}
	}
	return []string{ScenarioRotationJobFailing}
}

func (t *triage) jobEntries(tl *Timeline) []TimelineEntry {
	if why := t.unreadable(collectors.SourceKubernetes); why != "" {
		tl.Unknown = append(tl.Unknown, "Jobs and Events: "+why)
		return nil
	}
	ns, kubectl, logs := t.s.Namespace, shell.Kubectl(t.s.Connection.KubectlFlags), jobLogsOf(t.s)
	var out []TimelineEntry
	seen := map[string]bool{}
	event := func(e collectors.Event, scen []string) {
		k := e.Object + "|" + e.Reason + "|" + e.Last.String()
		if seen[k] || e.Type != "Warning" || e.Last.IsZero() {
			return
		}
		seen[k] = true
		kind, name, _ := strings.Cut(e.Object, "/")
		sum := fmt.Sprintf("%s %s on %s: %s", e.Type, e.Reason, e.Object, e.Message)
		if e.Count > 1 {
			sum += fmt.Sprintf(" (×%d, the last)", e.Count)
		}
		out = append(out, TimelineEntry{At: e.Last.UTC(), Kind: EntryEvent, Source: collectors.SourceKubernetes, Scenarios: scen, Outcome: "warning", Summary: sum,
			Evidence: fmt.Sprintf("%s get events -n %s --field-selector %s", kubectl, shell.Word(ns), shell.Word("involvedObject.kind="+kind+",involvedObject.name="+name))})
	}
	for _, j := range t.s.Kubernetes.Jobs {
		scen := t.jobScenarios(j)
		how := "scheduled"
		if j.Manual {
			how = "created by hand"
		}
		start := j.When()
		if j.Started != nil {
			start = *j.Started
		}
		out = append(out, TimelineEntry{At: start.UTC(), Kind: EntryJobStart, Source: collectors.SourceKubernetes, Scenarios: scen, Outcome: "started",
			Summary:  fmt.Sprintf("%s started (%s, CronJob %s)", j.Name, how, j.CronJob),
			Evidence: fmt.Sprintf("%s describe job %s -n %s", kubectl, shell.Word(j.Name), shell.Word(ns))})
		if j.Finished != nil {
			outcome := "success"
			if j.Outcome == collectors.OutcomeFailed {
				outcome = "failure"
			}
			sum := fmt.Sprintf("%s %s", j.Name, j.Outcome)
			if j.Reason != "" {
				sum += " (" + j.Reason + ")"
			}
			if j.Started != nil {
				sum += " after " + roundDur(j.Finished.Sub(*j.Started))
			}
			if j.Message != "" && j.Outcome == collectors.OutcomeFailed {
				sum += ": " + j.Message
			}
			ids, _ := failedTenantsInLog(&j)
			if len(ids) > 0 {
				sum += "; its log names " + listSome(ids, 5) + " failing"
			}
			ev := logs[j.Name].command(kubectl, ns, j.Name)
			if ev == "" { // no pod of it is left, nor its log: what the Job itself says
				ev = fmt.Sprintf("%s describe job %s -n %s", kubectl, shell.Word(j.Name), shell.Word(ns))
			}
			out = append(out, TimelineEntry{At: j.Finished.UTC(), Kind: EntryJobEnd, Source: collectors.SourceKubernetes, FailedTenants: ids, Scenarios: scen, Outcome: outcome, Summary: sum,
				Evidence: ev})
		}
		for _, e := range j.Events {
			event(e, scen)
		}
	}
	for _, e := range t.s.Kubernetes.Events {
		var scen []string
		kind, name, _ := strings.Cut(e.Object, "/")
		switch {
		case kind == "Deployment" || strings.HasPrefix(name, t.s.Config.Kubernetes.OrchestratorDeployment):
			scen = []string{ScenarioVaultTokenExpired, ScenarioAuditMissing}
		case strings.HasPrefix(name, t.s.Config.Kubernetes.CleanupCronJob):
			scen = []string{ScenarioCleanupFailing}
		case strings.HasPrefix(name, t.s.Config.Kubernetes.RotationCronJob):
			scen = []string{ScenarioRotationJobFailing, ScenarioBatchTimeout}
			for _, j := range t.s.Kubernetes.Jobs {
				if j.Name == name {
					scen = t.jobScenarios(j)
				}
			}
		}
		event(e, scen)
	}
	return out
}

func (t *triage) auditEntries(tl *Timeline) []TimelineEntry {
	a, why := t.audit()
	if why != "" {
		tl.Unknown = append(tl.Unknown, "audit events: "+why)
		return nil
	}
	cmd := t.book.auditEventsCommand(t.s)
	var out []TimelineEntry
	seen := map[string]bool{}
	undated := 0
	for _, e := range a.RecentEvents {
		if e.Time == nil {
			undated++
			continue
		}
		outcome := strings.ToLower(e.Outcome)
		switch outcome {
		case "failed", "error":
			outcome = "failure"
		}
		if strings.HasSuffix(e.Action, ".started") && outcome == "success" {
			outcome = "started" // a start that was logged, not a rotation
		}
		sum := e.Action + " " + e.Outcome
		if e.Tenant != "" {
			sum = e.Tenant + " " + sum
		}
		if e.Reason != "" {
			sum += ": " + e.Reason
		}
		scen := []string{ScenarioAuditMissing}
		if outcome == "failure" {
			scen = []string{ScenarioRotationJobFailing}
		}
		seen[e.Tenant+"|"+outcome+"|"+e.Time.UTC().String()] = true
		out = append(out, TimelineEntry{At: e.Time.UTC(), Kind: EntryAudit, Source: collectors.SourceLogs, Tenant: e.Tenant, Scenarios: scen, Outcome: outcome,
			Summary: sum + " (" + e.Source + ")", Evidence: cmd})
	}
	// a tenant's latest success and failure are known even when its event
	// is older than the events kept
	for _, id := range sortedKeys(a.Tenants) {
		ts := a.Tenants[id]
		for _, x := range []struct {
			at      *time.Time
			outcome string
		}{{ts.LastSuccess, "success"}, {ts.LastFailure, "failure"}} {
			if x.at == nil || seen[id+"|"+x.outcome+"|"+x.at.UTC().String()] {
				continue
			}
			sum := fmt.Sprintf("%s latest %s rotation event (from the per-tenant summary: %d successes, %d failures read)", id, x.outcome, ts.Successes, ts.Failures)
			scen := []string{ScenarioAuditMissing}
			if x.outcome == "failure" {
				scen = []string{ScenarioRotationJobFailing}
				sum += ": " + orDefault(ts.LastFailureReason, "no reason logged")
			}
			out = append(out, TimelineEntry{At: x.at.UTC(), Kind: EntryAudit, Source: collectors.SourceLogs, Tenant: id, Scenarios: scen, Outcome: x.outcome, Summary: sum, Evidence: cmd})
		}
	}
	if a.Events > len(a.RecentEvents) {
		tl.Unknown = append(tl.Unknown, fmt.Sprintf("audit events: %d read, the latest %d kept one by one (earlier ones only as per-tenant last success and failure)", a.Events, len(a.RecentEvents)))
	}
	if undated > 0 {
		tl.Unknown = append(tl.Unknown, fmt.Sprintf("audit events: %d without a time, not placed", undated))
	}
	// what the pods' logs no longer hold (a pod replaced or restarted, a
	// log rotated away or cut) is no absence of events: said, never shown
	// as a run without an audit trail
	if gap := t.logGap(collectors.LogRoleSecurity); gap != "" {
		tl.Unknown = append(tl.Unknown, "audit events: "+gap)
	} else if cut, why := t.auditCut(); cut != nil && (tl.From == nil || cut.After(*tl.From)) {
		tl.Unknown = append(tl.Unknown, fmt.Sprintf("audit events before %s: %s", fmtTime(*cut), why))
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// alertScenario is the scenario of the related alert named name.
func (t *triage) alertScenario(name string) string {
	a := t.s.Config.Prometheus.Alerts
	role := map[string]string{a.RotationFailed: "rotationFailed", a.TokenExpiringSoon: "tokenExpiringSoon", a.VersionOverflow: "versionOverflow", a.AuditLogMissing: "auditLogMissing"}[name]
	for _, l := range t.book.RelatedAlerts {
		if l.Role == role {
			return l.Scenario
		}
	}
	return ""
}

func (t *triage) alertEntries(tl *Timeline) []TimelineEntry {
	if why := t.unreadable(collectors.SourcePrometheus); why != "" {
		tl.Unknown = append(tl.Unknown, "alerts and metrics: "+why)
		return nil
	}
	p := t.s.Prometheus
	var out []TimelineEntry
	h := p.AlertHistory
	if h == nil {
		why := "not in this snapshot (taken before it was read)"
		if p.AlertHistoryError != "" {
			why = p.AlertHistoryError
		}
		tl.Unknown = append(tl.Unknown, "alert state changes: the ALERTS history is "+why+"; only the active alerts' activeAt is shown")
		for _, al := range p.Alerts {
			if al.ActiveAt == nil {
				continue
			}
			sc := t.alertScenario(al.Name)
			out = append(out, TimelineEntry{At: al.ActiveAt.UTC(), Kind: EntryAlert, Source: collectors.SourcePrometheus, Tenant: collectors.TenantOf(al.Labels), Scenarios: orEmpty(sc), Outcome: al.State,
				Summary:  fmt.Sprintf("%s active (%s now)%s", al.Name, al.State, annotation(al.Annotations["summary"])),
				Evidence: fmt.Sprintf("ALERTS{alertname=%q}", al.Name)})
		}
		return out
	}
	// one alert (name + labels but alertstate) may have a pending and a
	// firing series: walk both together
	type key struct{ name, labels string }
	// an alert's key: its name and its labels but alertstate (the labels
	// without it, for the entry)
	keyOf := func(name string, ls map[string]string) (key, map[string]string) {
		l := map[string]string{"alertname": name}
		for k, v := range ls {
			if k != "alertstate" {
				l[k] = v
			}
		}
		return key{name, selector(l)}, l
	}
	states := map[key][]string{}
	labels := map[key]map[string]string{}
	var order []key
	steps := 0
	for _, se := range h.Series {
		if se.History != nil && len(se.History.Values) > steps {
			steps = len(se.History.Values)
		}
	}
	for _, se := range h.Series {
		k, l := keyOf(se.Labels["alertname"], se.Labels)
		if states[k] == nil {
			states[k] = make([]string, steps)
			labels[k] = l
			order = append(order, k)
		}
		if se.History == nil {
			continue
		}
		for i, v := range se.History.Values {
			if v != nil && *v > 0 && (states[k][i] == "" || se.Labels["alertstate"] == "firing") {
				states[k][i] = se.Labels["alertstate"]
			}
		}
	}
	step := h.Step.Duration()
	// the steps where Prometheus held no data at all (no up sample of any
	// target): an alert's series being absent there is no sign of its
	// state, so such a step is "?", not inactive
	var blind []bool
	switch {
	case h.Coverage != nil:
		if n := len(h.Coverage.Values); n > steps {
			steps = n
			for k := range states {
				states[k] = append(states[k], make([]string, n-len(states[k]))...)
			}
		}
		blind = make([]bool, steps)
		for i := range blind {
			blind[i] = i >= len(h.Coverage.Values) || h.Coverage.Values[i] == nil
		}
		for _, st := range states {
			for i := range st {
				if st[i] == "" && blind[i] {
					st[i] = "?"
				}
			}
		}
		out = append(out, t.gapEntries(h, blind)...)
	case h.CoverageError != "":
		tl.Unknown = append(tl.Unknown, "alert state changes: a gap in an alert's ALERTS history reads as resolved, though Prometheus may have held no data then: "+h.CoverageError)
	}
	active := func(s string) bool { return s != "" && s != "?" }
	// the alerts active now, by the key their ALERTS series carry
	activeNow := map[key]collectors.Alert{}
	for _, al := range p.Alerts {
		if al.ActiveAt != nil {
			k, _ := keyOf(al.Name, al.Labels)
			activeNow[k] = al
		}
	}
	for _, k := range order {
		prev, known := "", "" // the state at the step before; the last one seen with data
		gapFrom := -1         // where the blind steps before this one began
		for i, st := range states[k] {
			if st == prev {
				continue
			}
			if st == "?" { // said once for every alert by gapEntries
				gapFrom, prev = i, st
				continue
			}
			afterGap := prev == "?"
			prev = st
			if afterGap && st == known {
				continue // the same on both sides of the gap: what it did in it is unknown, and said
			}
			known = st
			at := h.Start.Add(time.Duration(i) * step)
			outcome := st
			if st == "" {
				outcome = "resolved"
			}
			if i == 0 && st == "" {
				continue
			}
			sum := fmt.Sprintf("%s %s", k.name, outcome)
			if al, ok := activeNow[k]; ok && st == "" && !slices.ContainsFunc(states[k][i:], active) {
				// no sample from here to the history's end, yet active
				// now: a gap in the history, not a resolution
				outcome = al.State
				sum = fmt.Sprintf("%s: no sample in the ALERTS history from here; %s now (active since %s)", k.name, al.State, fmtTime(*al.ActiveAt))
			}
			switch {
			case i == 0:
				sum += fmt.Sprintf(" (already at the start of the history, %s)", fmtTime(h.Start))
			case afterGap && gapFrom == 0:
				sum += fmt.Sprintf(" (already when Prometheus's scrapes begin, %s)", fmtTime(at))
			case afterGap:
				sum += fmt.Sprintf(" (at some time from %s, while Prometheus scraped nothing; by %s at the latest)", fmtTime(h.Start.Add(time.Duration(gapFrom)*step)), fmtTime(at))
			}
			if tn := collectors.TenantOf(labels[k]); tn != "" {
				sum += " for tenant " + tn
			}
			out = append(out, TimelineEntry{At: at.UTC(), Kind: EntryAlert, Source: collectors.SourcePrometheus, Tenant: collectors.TenantOf(labels[k]), Scenarios: orEmpty(t.alertScenario(k.name)),
				Outcome: outcome, Summary: sum, Evidence: fmt.Sprintf("ALERTS{alertname=%q}", k.name), Approximate: i > 0})
			prev = st
		}
	}
	// an alert active now that the history never shows active (it became
	// active after its last step, or its series are not there) is still in
	// the story: at its activeAt
	last := h.End.Add(-step) // the last step of the range asked for
	if steps > 0 {
		last = h.Start.Add(time.Duration(steps-1) * step)
	}
	for _, al := range p.Alerts {
		if al.ActiveAt == nil {
			continue
		}
		if k, _ := keyOf(al.Name, al.Labels); slices.ContainsFunc(states[k], active) {
			continue // told by the walk above
		}
		where := "after the ALERTS history's last step"
		if !al.ActiveAt.After(last) {
			where = "the ALERTS history does not show it"
		}
		sum := fmt.Sprintf("%s active (%s now; %s)%s", al.Name, al.State, where, annotation(al.Annotations["summary"]))
		out = append(out, TimelineEntry{At: al.ActiveAt.UTC(), Kind: EntryAlert, Source: collectors.SourcePrometheus, Tenant: collectors.TenantOf(al.Labels), Scenarios: orEmpty(t.alertScenario(al.Name)),
			Outcome: al.State, Summary: sum, Evidence: fmt.Sprintf("ALERTS{alertname=%q}", al.Name)})
	}
	return out
}

// gapEntries are the spans of the alert history in which Prometheus held
// no data at all (blind steps), one entry each: what the related alerts
// did then is unknown.
func (t *triage) gapEntries(h *collectors.AlertHistory, blind []bool) []TimelineEntry {
	var out []TimelineEntry
	step := h.Step.Duration()
	for i := 0; i < len(blind); {
		if !blind[i] {
			i++
			continue
		}
		j := i
		for j < len(blind) && blind[j] {
			j++
		}
		from, to := h.Start.Add(time.Duration(i)*step), h.Start.Add(time.Duration(j)*step)
		var sum string
		switch {
		case i == 0:
			sum = fmt.Sprintf("Prometheus scraped no target before %s (no up sample from the history's start, %s): the related alerts' states before then are unknown", fmtTime(to), fmtTime(from))
		case j == len(blind):
			sum = fmt.Sprintf("Prometheus scraped no target from %s to the history's end (no up sample): the related alerts' states since are unknown", fmtTime(from))
		default:
			sum = fmt.Sprintf("Prometheus scraped no target from %s to %s (%s without an up sample: down, or restarting): the related alerts' states in between are unknown", fmtTime(from), fmtTime(to), roundDur(to.Sub(from)))
		}
		out = append(out, TimelineEntry{At: from.UTC(), Kind: EntryAlert, Source: collectors.SourcePrometheus, Outcome: "unknown",
			Summary: sum, Evidence: coverageEvidence, Approximate: i > 0})
		i = j
	}
	return out
}

// coverageEvidence is the query that shows when Prometheus held data.
const coverageEvidence = "count(up)"

// tenantMetric is the metric of a role in a tenant's detail, or why it is
// unknown.
func tenantMetric(d *collectors.TenantDetail, role string) (*collectors.Metric, string) {
	switch {
	case d == nil:
		return nil, "the snapshot holds the counters summed over the tenants, and the tenant's own series were not read"
	case d.Error != "":
		return nil, "its own series could not be read: " + d.Error
	}
	for i := range d.Metrics {
		if m := &d.Metrics[i]; m.Role == role {
			if m.Error != "" {
				return nil, "its own series could not be read: " + m.Error
			}
			return m, ""
		}
	}
	return nil, "its own series were not read"
}

func annotation(s string) string {
	if s == "" {
		return ""
	}
	return ": " + s
}

func orEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

func (t *triage) metricEntries(tl *Timeline, o TimelineOptions) []TimelineEntry {
	if t.unreadable(collectors.SourcePrometheus) != "" {
		return nil // said by alertEntries
	}
	var out []TimelineEntry
	counter := func(role, outcome, what string, scen []string) {
		m, why := t.metric(role)
		if why != "" {
			tl.Unknown = append(tl.Unknown, what+": "+why)
			return
		}
		if o.Tenant != "" && len(m.SummedOver) > 0 && (role == "rotations" || role == "rotationsFailed") {
			// one tenant's story: its own series, read on demand
			m, why = tenantMetric(o.TenantDetail, role)
			if why != "" {
				tl.Unknown = append(tl.Unknown, fmt.Sprintf("%ss of tenant %s: %s", what, o.Tenant, why))
				return
			}
		}
		for _, se := range m.Series {
			times, vals := withNow(se, m.At)
			tn := collectors.TenantOf(se.Labels)
			sel := m.Name + selector(se.Labels) // once a series, not a point: most points do not change
			for i := 1; i < len(vals); i++ {
				d := vals[i] - vals[i-1]
				switch {
				case d > 0:
					sum := fmt.Sprintf("%s counted (%s +%s)", plural(int(math.Round(d)), what), m.Name, fmtNum(d))
					if tn != "" {
						sum = tn + ": " + sum
					} else if o := se.Labels["outcome"]; o != "" {
						sum = fmt.Sprintf("%s (outcome=%s)", sum, o)
					}
					if role == "tokenRenewals" && se.Labels["outcome"] != "failure" {
						continue // successful renewals are the normal beat
					}
					out = append(out, TimelineEntry{At: times[i].UTC(), Kind: EntryMetric, Source: collectors.SourcePrometheus, Tenant: tn, Scenarios: scen, Outcome: outcome,
						Summary: sum + fmt.Sprintf(" between %s and %s", times[i-1].UTC().Format("15:04"), times[i].UTC().Format("15:04")), Evidence: "increase(" + sel + "[" + promDur(times[i].Sub(times[i-1])) + "])", Approximate: true})
				case d < 0:
					out = append(out, TimelineEntry{At: times[i].UTC(), Kind: EntryMetric, Source: collectors.SourcePrometheus, Tenant: tn, Scenarios: scen,
						Summary: fmt.Sprintf("%s reset (%s → %s): the process restarted; increases across it are uncounted", sel, fmtNum(vals[i-1]), fmtNum(vals[i])), Evidence: "resets(" + sel + "[1h])", Approximate: true})
				}
			}
		}
	}
	counter("rotations", "success", "rotation", []string{ScenarioAuditMissing})
	counter("rotationsFailed", "failure", "failed rotation", []string{ScenarioRotationJobFailing})
	counter("tokenRenewals", "failure", "token renewal failure", []string{ScenarioVaultTokenExpired})
	if m, why := t.metric("tokenExpirySeconds"); why == "" {
		warn, crit := t.s.Config.Thresholds.TokenExpiryWarning.Duration().Seconds(), t.s.Config.Thresholds.TokenExpiryCritical.Duration().Seconds()
		level := func(v float64) int {
			switch {
			case v < crit:
				return 2
			case v < warn:
				return 1
			}
			return 0
		}
		names := []string{"above the warning threshold " + roundDur(time.Duration(warn)*time.Second), "below the warning threshold " + roundDur(time.Duration(warn)*time.Second), "below the critical threshold " + roundDur(time.Duration(crit)*time.Second)}
		for _, se := range m.Series {
			times, vals := withNow(se, m.At)
			for i := 1; i < len(vals); i++ {
				if a, b := level(vals[i-1]), level(vals[i]); a != b {
					oc := "failure"
					if b < a {
						oc = "recovered"
					}
					out = append(out, TimelineEntry{At: times[i].UTC(), Kind: EntryMetric, Source: collectors.SourcePrometheus, Scenarios: []string{ScenarioVaultTokenExpired}, Outcome: oc,
						Summary:  fmt.Sprintf("token TTL %s %s (%s)", m.Name+selector(se.Labels), names[b], roundDur(time.Duration(vals[i])*time.Second)),
						Evidence: m.Name + selector(se.Labels), Approximate: true})
				}
			}
		}
	}
	tl.Unknown = append(tl.Unknown, "a tenant's version count crossing retention: no version-count history in the snapshot (its SecretVersionOverflow alert and the current counts stand in)")
	return out
}

// withNow is a series' history points and, after them, its value now
// when it was read after the last step: the minutes since the last whole
// step are in the story too (K5: a counter's growth, the token TTL's
// recovery right after a fix, were missing with no word).
func withNow(se collectors.Series, at time.Time) ([]time.Time, []float64) {
	times, vals := se.History.Points()
	if se.Value != nil && len(times) > 0 && at.Sub(times[len(times)-1]) >= time.Second {
		times, vals = append(times, at), append(vals, *se.Value)
	}
	return times, vals
}

func selector(l map[string]string) string {
	var parts []string
	for _, k := range sortedKeys(l) {
		if k == "instance" || k == "job" {
			continue
		}
		parts = append(parts, fmt.Sprintf("%s=%q", k, l[k]))
	}
	if len(parts) == 0 {
		return ""
	}
	return "{" + strings.Join(parts, ",") + "}"
}

func promDur(d time.Duration) string {
	if d%time.Minute == 0 {
		return fmt.Sprintf("%dm", int(d.Minutes()))
	}
	return fmt.Sprintf("%ds", int(d.Seconds()))
}

func fmtNum(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func (t *triage) versionEntries(tl *Timeline) []TimelineEntry {
	ts, why := t.tenants()
	if why != "" {
		tl.Unknown = append(tl.Unknown, "Vault key versions: "+why)
		return nil
	}
	mount := t.s.Config.Vault.KVMount
	var out []TimelineEntry
	for _, tn := range ts {
		if tn.Error != "" {
			continue
		}
		ev := fmt.Sprintf("%s kv metadata get %s/%s", shell.Vault(t.s.Connection.VaultEnv), shell.Word(mount), shell.Word(strings.TrimPrefix(tn.Path, mount+"/")))
		if tn.CurrentCreated != nil {
			out = append(out, TimelineEntry{At: tn.CurrentCreated.UTC(), Kind: EntryVersion, Source: collectors.SourceVault, Tenant: tn.ID, Scenarios: []string{ScenarioRotationJobFailing, ScenarioRetentionOverflow}, Outcome: "success",
				Summary: fmt.Sprintf("%s key version %d created (current; %d live)", tn.ID, tn.CurrentVersion, tn.LiveVersions), Evidence: ev})
		}
		if n := tn.OldestLive(); tn.OldestCreated != nil && n != tn.CurrentVersion && n > 0 {
			out = append(out, TimelineEntry{At: tn.OldestCreated.UTC(), Kind: EntryVersion, Source: collectors.SourceVault, Tenant: tn.ID, Scenarios: []string{ScenarioRetentionOverflow},
				Summary: fmt.Sprintf("%s key version %d created (the oldest live)", tn.ID, n), Evidence: ev})
		}
	}
	return out
}

// actionScenarios maps an action id to the scenarios whose steps use it.
func (b *Book) actionScenarios(action string) []string {
	var out []string
	for _, sc := range b.Scenarios {
		for _, st := range sc.Steps {
			if st.Action == action && !slices.Contains(out, sc.ID) {
				out = append(out, sc.ID)
			}
		}
	}
	return out
}

func (b *Book) actionEntries(js []JournalAction, note string, tl *Timeline) []TimelineEntry {
	if note != "" {
		tl.Unknown = append(tl.Unknown, "actions: "+note)
	}
	var out []TimelineEntry
	for _, a := range js {
		out = append(out, TimelineEntry{At: a.Time.UTC(), Kind: EntryAction, Source: "journal", Tenant: tenantOfTarget(a.Target), Scenarios: b.actionScenarios(a.Action),
			Outcome: orDefault(a.Outcome, "no outcome"), Summary: a.Line(), Evidence: orDefault(a.Command, "kubectl rotation journal")})
	}
	return out
}

// tenantOfTarget finds the tenant in an action's target ("tenant t-042",
// "secret/tenants/t-042/cmek").
func tenantOfTarget(target string) string {
	f := strings.Fields(target)
	for i, w := range f {
		if w == "tenant" && i+1 < len(f) {
			return strings.Trim(f[i+1], ",;()")
		}
	}
	if _, rest, ok := strings.Cut(target, "tenants/"); ok {
		id, _, _ := strings.Cut(rest, "/")
		return id
	}
	return ""
}

// Line is the action in one line: what, on what, by whom, why, and how it
// ended with before → after.
func (a JournalAction) Line() string {
	s := a.Action + " on " + a.Target
	if a.Who != "" {
		s += " by " + a.Who
	}
	if a.Reason != "" {
		s += ", because " + strconv.Quote(a.Reason)
	}
	switch {
	case a.Outcome == "":
		s += ": NO OUTCOME (interrupted: check its effect by hand)"
	default:
		s += ": " + a.Outcome
		if a.Result != "" {
			s += " — " + oneLine(a.Result, "; ")
		}
		if a.Before != "" || a.After != "" {
			s += " (" + orDefault(oneLine(a.Before, "; "), "?") + " → " + orDefault(oneLine(a.After, "; "), "?") + ")"
		}
		if a.Error != "" {
			s += ": " + oneLine(a.Error, "; ")
		}
	}
	return s
}

// oneLine joins the lines of s (a policy's text, a role's fields), each
// trimmed, the empty ones dropped, with sep: an entry, a row or a table
// cell stays one line.
func oneLine(s, sep string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return strings.Join(out, sep)
}

// WriteJSON writes the timeline as indented JSON.
func (tl Timeline) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(tl)
}

var markText = map[string]string{MarkFirstFailure: "◆ FIRST FAILURE", MarkLastSuccess: "◇ LAST SUCCESS"}

// WriteText writes the timeline for a terminal: one line per entry, the
// evidence under failures and marked entries.
func (tl Timeline) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Timeline — namespace %s, snapshot taken %s\n", tl.Namespace, fmtTime(tl.TakenAt))
	window := "everything the snapshot holds"
	if tl.From != nil {
		window = fmtTime(*tl.From) + " to " + fmtTime(tl.To)
	}
	fmt.Fprintf(&b, "window: %s; %d entries", window, len(tl.Entries))
	if tl.Tenant != "" {
		fmt.Fprintf(&b, "; tenant %s (and the rotation runs it was in)", tl.Tenant)
	}
	if tl.Scenario != "" {
		fmt.Fprintf(&b, "; scenario %s", tl.Scenario)
	}
	b.WriteString("\n")
	for _, u := range tl.Unknown {
		fmt.Fprintf(&b, "cannot tell: %s\n", u)
	}
	b.WriteString("\n")
	day := ""
	for _, e := range tl.Entries {
		if d := e.At.Format("2006-01-02"); d != day {
			day = d
			fmt.Fprintf(&b, "%s\n", d)
		}
		approx := " "
		if e.Approximate {
			approx = "~"
		}
		fmt.Fprintf(&b, " %s%s  %-13s %-10s %s", approx, e.At.Format("15:04:05"), e.Kind, orDefault(e.Outcome, "-"), e.Summary)
		for _, m := range e.Marks {
			b.WriteString("  " + markText[m])
		}
		b.WriteString("\n")
		if len(e.Marks) > 0 || e.Outcome == "failure" {
			fmt.Fprintf(&b, "%38s→ %s\n", "", e.Evidence)
		}
	}
	if len(tl.Entries) == 0 {
		b.WriteString("  (nothing in the window)\n")
	}
	b.WriteString("\n~ the time is the end of the metric step the change happened in\n")
	_, err := io.WriteString(w, b.String())
	return err
}
