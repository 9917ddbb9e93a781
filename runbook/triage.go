package runbook

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors/auditlog"
)

// Scenario ids, as in runbook.yaml.
const (
	ScenarioRotationJobFailing = "rotation-job-failing"
	ScenarioVaultTokenExpired  = "vault-token-expired"
	ScenarioCleanupFailing     = "cleanup-failing"
	ScenarioRetentionOverflow  = "retention-overflow"
	ScenarioBatchTimeout       = "batch-timeout"
	ScenarioAuditMissing       = "audit-missing"
)

// recentWindow is how far back "recent" reaches for log and metric signals:
// a day's rotation run plus slack.
const recentWindow = 26 * time.Hour

// Triage judges the snapshot at now with the embedded runbook. It is pure:
// the same snapshot and time give the same assessment.
func Triage(s *collectors.Snapshot, now time.Time) Assessment {
	return MustDefault().Triage(s, now)
}

// Triage judges the snapshot at now against this runbook.
func (b *Book) Triage(s *collectors.Snapshot, now time.Time) Assessment {
	t := &triage{s: s, now: now.UTC(), book: b}
	t.nothingFound = t.findNothingFound()
	a := Assessment{
		JudgedAt: t.now, TakenAt: s.CollectedAt, Context: s.Context, Namespace: s.Namespace,
		Sources: s.Sources, Findings: []Finding{}, Alerts: t.alerts(), AlertsUnknown: t.alertsUnread(),
	}
	for _, sc := range b.Scenarios {
		a.Findings = append(a.Findings, t.scenario(sc, a.Alerts))
	}
	a.Compliance = t.withKeyFindings(t.compliance()) // keystate.go
	a.Conditions = t.conditions()
	a.AuditLog = t.auditLogStats()
	a.LoginRisk = LoginRisk(s) // vaulttoken.go
	a.Stale = t.staleSignals() // freshness.go
	if a.AlertsUnknown == "" {
		a.AlertsUnknown = t.alertsStale()
	}
	if a.AlertsUnknown == "" {
		a.AlertsUnknown = t.alertsBlind() // freshness.go
	}
	if h, none := t.historyShort(); a.AlertsUnknown == "" && none {
		// its rules read no data at all: they cannot fire
		a.AlertsUnknown = h + "; its alert rules read no data, so none can fire"
	}
	a.Facts = t.facts(a)
	t.ceilingFacts(&a.Facts) // ceiling.go
	a.Overall = SeverityNone
	for _, f := range a.Findings {
		if f.Severity.Worse(a.Overall) {
			a.Overall = f.Severity
		}
	}
	for _, c := range a.Compliance.Findings {
		if c.Severity.Worse(a.Overall) {
			a.Overall = c.Severity
		}
	}
	for _, c := range a.Conditions {
		if c.Severity.Worse(a.Overall) {
			a.Overall = c.Severity
		}
	}
	if a.Overall == SeverityNone && a.HasUnknown() {
		a.Overall = SeverityInfo // never "none" (all clear) while something could not be read
	}
	return a
}

type triage struct {
	s    *collectors.Snapshot
	now  time.Time
	book *Book
	// nothingFound, when set, says that none of the runbook's objects is
	// where the tool looks; no scenario is derived from their absence.
	nothingFound string
	// byID indexes Vault's tenants by id (tenantByID builds it once).
	byID map[string]*collectors.Tenant
	// lost is what failureMaybeLost weighs the tenants against (lostRuns
	// reads it once).
	lost *lostRuns
}

// tenantByID is Vault's tenant id as read, or nil (not listed, or Vault's
// tenants not read).
func (t *triage) tenantByID(id string) *collectors.Tenant {
	if t.byID == nil {
		t.byID = map[string]*collectors.Tenant{}
		if ts, why := t.tenants(); why == "" {
			for i := range ts {
				t.byID[ts[i].ID] = &ts[i]
			}
		}
	}
	return t.byID[id]
}

// findNothingFound returns the plain message for a namespace that holds
// none of the runbook's objects, or "".
func (t *triage) findNothingFound() string {
	if t.unreadable(collectors.SourceKubernetes) != "" {
		return ""
	}
	k := t.s.Kubernetes
	var names []string
	for _, cj := range k.CronJobs {
		if cj.Found || cj.Error != "" {
			return ""
		}
		names = append(names, cj.Name)
	}
	if len(names) == 0 || k.Orchestrator == nil || k.Orchestrator.Found || k.Orchestrator.Error != "" {
		return ""
	}
	return fmt.Sprintf("no CronJob %s and no Deployment %s in namespace %s: wrong --namespace, or set the names in the config (kubernetes.rotationCronJob, kubernetes.cleanupCronJob, kubernetes.orchestratorDeployment)",
		strings.Join(names, " or "), k.Orchestrator.Name, t.s.Namespace)
}

// alertsUnread says why the related alerts could not be read, or "".
func (t *triage) alertsUnread() string {
	if r := t.unreadable(collectors.SourcePrometheus); r != "" {
		return r
	}
	return t.partProblem(collectors.SourcePrometheus, "alerts")
}

// conditions are the environment's states that are findings of their own.
func (t *triage) conditions() []Condition {
	out := []Condition{}
	if v := t.s.Vault; v != nil && v.Health != nil {
		h := v.Health
		ev := []Evidence{{Source: collectors.SourceVault, Fact: "sys/health at " + t.s.VaultAddr,
			Observed: fmt.Sprintf("initialized=%t sealed=%t", h.Initialized, h.Sealed)}}
		switch {
		case !h.Initialized:
			out = append(out, Condition{Kind: ConditionVaultUninitialized, Severity: SeverityCritical, Evidence: ev,
				Summary: "Vault is not initialised: no key can be rotated and no token renewed until it is (vault operator init)"})
		case h.Sealed:
			out = append(out, Condition{Kind: ConditionVaultSealed, Severity: SeverityCritical, Evidence: ev,
				Summary: "Vault is sealed: no key can be rotated and no token renewed until it is unsealed (vault operator unseal)"})
		}
	}
	if t.nothingFound != "" {
		out = append(out, Condition{Kind: ConditionNothingFound, Severity: SeverityInfo, Summary: t.nothingFound,
			Evidence: []Evidence{{Source: collectors.SourceKubernetes, Fact: "namespace " + t.s.Namespace, Observed: "none of the runbook's objects"}}})
	}
	if c := t.similarCondition(); c != nil {
		out = append(out, *c)
	}
	if c := t.runsCondition(); c != nil {
		out = append(out, *c)
	}
	if l := t.s.Logs; l != nil && t.nothingFound == "" && t.unreadable(collectors.SourceLogs) == "" {
		for _, role := range []string{collectors.LogRoleSecurity, collectors.LogRoleOrchestrator} {
			if sel := l.Unmatched(role); sel != "" {
				sev := SeverityInfo
				if role == collectors.LogRoleOrchestrator && t.orchestratorScaledToZero() {
					sev = SeverityWarning // nothing renews the orchestrator's token
				}
				out = append(out, Condition{Kind: ConditionNoLogPods, Severity: sev, Summary: strings.TrimPrefix(t.logGap(role), "logs: "),
					Evidence: []Evidence{{Source: collectors.SourceLogs, Fact: "pods -l " + sel + " in " + t.s.Namespace, Observed: "none"}}})
			}
		}
	}
	return out
}

// runsCondition lists the rotation and cleanup Jobs that have not
// finished: each with when it was made and its pods' phases (none yet, all
// Pending: not started). Info: a run under way is no finding by itself.
func (t *triage) runsCondition() *Condition {
	k := t.s.Kubernetes
	if k == nil || t.unreadable(collectors.SourceKubernetes) != "" {
		return nil
	}
	var parts []string
	var ev []Evidence
	for _, j := range k.Jobs {
		if j.Finished != nil || (j.Outcome != collectors.OutcomeRunning && j.Outcome != "") || (j.Role != collectors.RoleRotation && j.Role != collectors.RoleCleanup) {
			continue
		}
		phases := map[string]int{}
		for _, p := range j.Pods {
			phases[orDefault(p.Phase, "unknown")]++
		}
		pods := "no pod yet"
		if len(phases) > 0 {
			var ps []string
			for _, ph := range slices.Sorted(maps.Keys(phases)) {
				ps = append(ps, fmt.Sprintf("%d %s", phases[ph], ph))
			}
			pods = "pods " + strings.Join(ps, ", ")
		}
		made := j.When()
		state := fmt.Sprintf("made %s (%s), %s", fmtTime(made), ago(t.now, made), pods)
		parts = append(parts, fmt.Sprintf("%s Job %s: %s", j.Role, j.Name, state))
		ev = append(ev, Evidence{Source: collectors.SourceKubernetes, Fact: "Job " + j.Name + " (" + j.Role + ")", Observed: "not finished: " + state, At: &made})
	}
	if len(parts) == 0 {
		return nil
	}
	return &Condition{Kind: ConditionRunsInProgress, Severity: SeverityInfo, Evidence: ev,
		Summary: "not finished: " + strings.Join(parts, "; ") + ". The scenarios judge the newest finished run of each CronJob; one whose pods have not run for 5 minutes is Scenario 1's cause"}
}

// similarCondition says which CronJobs of the namespace the runbook's grep
// lists beside the configured ones, unjudged: a warning when one's latest
// scheduled run has not succeeded (no success since, none ever), else info.
func (t *triage) similarCondition() *Condition {
	k := t.s.Kubernetes
	if k == nil || t.unreadable(collectors.SourceKubernetes) != "" || len(k.Similar) == 0 {
		return nil
	}
	sev := SeverityInfo
	var parts []string
	var ev []Evidence
	for _, cj := range k.Similar {
		state := "its latest run succeeded"
		switch {
		case cj.Suspend:
			state = "suspended"
		case cj.LastScheduleTime == nil:
			state = "no scheduled run yet (Jobs made from it by hand are not read: kubectl get jobs shows them)"
		case cj.Active > 0:
			state = "a run is active"
		case cj.LastSuccessfulTime == nil:
			state, sev = fmt.Sprintf("its last run (%s) has not succeeded, and none ever did", fmtTime(*cj.LastScheduleTime)), SeverityWarning
		case cj.LastSuccessfulTime.Before(*cj.LastScheduleTime):
			state, sev = fmt.Sprintf("its last run (%s) has not succeeded since %s", fmtTime(*cj.LastScheduleTime), fmtTime(*cj.LastSuccessfulTime)), SeverityWarning
		}
		parts = append(parts, fmt.Sprintf("%s (like %s: %s)", cj.Name, cj.Like, state))
		ev = append(ev, Evidence{Source: collectors.SourceKubernetes, Fact: "CronJob " + cj.Name, Observed: state, At: cj.LastScheduleTime})
	}
	return &Condition{Kind: ConditionSimilarCronJobs, Severity: sev, Evidence: ev,
		Summary: fmt.Sprintf("not judged: CronJob %s in the namespace, which the runbook's `kubectl get cronjobs | grep -E \"%s|%s\"` lists too; to judge one, name it in the config (kubernetes.rotationCronJob, kubernetes.cleanupCronJob) and run again",
			strings.Join(parts, ", "), t.s.Config.Kubernetes.RotationCronJob, t.s.Config.Kubernetes.CleanupCronJob)}
}

// orchestratorScaledToZero reports whether the orchestrator Deployment was
// read and asks for no replica.
func (t *triage) orchestratorScaledToZero() bool {
	k := t.s.Kubernetes
	return k != nil && t.unreadable(collectors.SourceKubernetes) == "" && k.Orchestrator != nil && k.Orchestrator.Found && k.Orchestrator.Replicas == 0
}

// auditLogStats is how much of the pods' logs could be used, or nil.
func (t *triage) auditLogStats() *AuditLogStats {
	l := t.s.Logs
	if l == nil {
		return nil
	}
	st := &AuditLogStats{Lines: l.Audit.Lines, NotJSON: l.Audit.NotJSON, Oversized: l.Audit.Oversized,
		Events: l.Audit.Events, Undated: l.Audit.UndatedEvents, Pods: l.Pods}
	var caveats []string
	if gap := t.logGap(collectors.LogRoleSecurity); gap != "" {
		caveats = append(caveats, gap)
	} else if cut, why := t.auditCut(); cut != nil {
		caveats = append(caveats, fmt.Sprintf("no event before %s can be read: %s", fmtTime(*cut), why))
	}
	if k := t.s.Kubernetes; k != nil && t.unreadable(collectors.SourceKubernetes) == "" && k.Orchestrator != nil && k.Orchestrator.Found &&
		k.Orchestrator.AuditEnabled != nil && !*k.Orchestrator.AuditEnabled {
		caveats = append(caveats, "audit logging is off (Deployment "+k.Orchestrator.Name+" AUDIT_ENABLED=false): rotations are not logged")
	}
	var others []string
	for _, p := range l.Pods {
		if len(p.OtherContainers) > 0 && p.NotRead == "" {
			others = append(others, fmt.Sprintf("pod %s: container %s read, %s not", p.Pod, p.Container, strings.Join(p.OtherContainers, ", ")))
		}
	}
	if len(others) > 0 {
		caveats = append(caveats, fmt.Sprintf("one container's log is read per pod (%s): what the others log is not seen; a pod names the one to read with the annotation kubectl.kubernetes.io/default-container", listSome(others, 2)))
	}
	st.Caveat = strings.Join(caveats, "; ")
	return st
}

// --- source availability ---------------------------------------------------

// unreadable returns why a source could not be read, or "".
func (t *triage) unreadable(src string) string {
	st := t.s.Source(src)
	switch st.State {
	case collectors.StateOK, collectors.StatePartial:
		if !t.s.HasData(src) {
			return src + ": the snapshot says it was read but holds no data for it (a damaged or hand-edited snapshot?)"
		}
		return ""
	case collectors.StateSkipped:
		return fmt.Sprintf("%s not configured: %s", src, st.Error)
	case collectors.StateMissing:
		return src + " was not collected"
	}
	return fmt.Sprintf("%s: %s", src, st.Error)
}

// partProblem returns the source's problem for a part, or "".
func (t *triage) partProblem(src, part string) string {
	for _, p := range t.s.Source(src).Problems {
		if p.Part == part || strings.HasPrefix(p.Part, part+" ") {
			return fmt.Sprintf("%s: %s", src, p.Error)
		}
	}
	return ""
}

func (t *triage) cronJob(role string) (*collectors.CronJob, string) {
	if r := t.unreadable(collectors.SourceKubernetes); r != "" {
		return nil, r
	}
	for i := range t.s.Kubernetes.CronJobs {
		cj := &t.s.Kubernetes.CronJobs[i]
		if cj.Role != role {
			continue
		}
		if cj.Error != "" {
			return nil, cj.Error
		}
		if !cj.Found {
			return nil, fmt.Sprintf("CronJob %s not found in namespace %s (wrong --namespace, or set kubernetes.%sCronJob in the config)", cj.Name, t.s.Namespace, role)
		}
		return cj, ""
	}
	return nil, "no " + role + " CronJob in the snapshot"
}

// jobs returns the role's Jobs, newest first, or why they are unknown.
func (t *triage) jobs(role string) ([]collectors.Job, string) {
	if _, why := t.cronJob(role); why != "" {
		return nil, why
	}
	if p := t.partProblem(collectors.SourceKubernetes, "jobs"); p != "" {
		return nil, p
	}
	var out []collectors.Job
	for _, j := range t.s.Kubernetes.Jobs {
		if j.Role == role {
			out = append(out, j)
		}
	}
	return out, ""
}

// runs are the role's Jobs that are runs of the CronJob's batch, newest
// first: for the rotation, all but the one-tenant runs (oneTenantRun: the
// emergency rotation of the runbook's Temporary Mitigation), whose
// success says nothing of the batch — they still count for their tenant,
// through the audit log and Vault (rotatedSince).
func (t *triage) runs(role string) ([]collectors.Job, string) {
	jobs, why := t.jobs(role)
	if why != "" || role != collectors.RoleRotation {
		return jobs, why
	}
	cj, _ := t.cronJob(role)
	out := make([]collectors.Job, 0, len(jobs))
	for _, j := range jobs {
		if !t.oneTenantRun(&j, cj) {
			out = append(out, j)
		}
	}
	return out, ""
}

// oneTenantRun reports whether j rotates one tenant: it sets the configured
// tenant variable (kubernetes.tenantEnv, as the tool's emergency rotation
// does) to a value while its CronJob does not.
func (t *triage) oneTenantRun(j *collectors.Job, cj *collectors.CronJob) bool {
	name := t.s.Config.Kubernetes.TenantEnv
	if name == "" {
		return false
	}
	set := func(env []collectors.EnvVar) bool {
		for _, e := range env {
			if e.Name == name && (e.Value != "" || e.From != "") {
				return true
			}
		}
		return false
	}
	return set(j.Env) && (cj == nil || !set(cj.Env))
}

// laterSuccess says, when j (a Job of role's CronJob that did not succeed)
// was followed by a run that succeeded and whose Job is gone — the
// CronJob's status.lastSuccessfulTime is after j ended, and no Job left
// completed then (successfulJobsHistoryLimit 0, ttlSecondsAfterFinished) —
// that the CronJob's latest outcome is that success; "" otherwise (no
// later success, or it is a Job still listed, judged as itself).
func (t *triage) laterSuccess(role string, j *collectors.Job) string {
	cj, why := t.cronJob(role)
	if why != "" || j == nil || cj.LastSuccessfulTime == nil || !cj.LastSuccessfulTime.After(jobEnd(j)) {
		return ""
	}
	jobs, _ := t.jobs(role)
	for _, o := range jobs {
		if o.Finished != nil && o.Finished.Sub(*cj.LastSuccessfulTime).Abs() < 2*time.Second {
			return "" // a Job still listed: the runs judge it
		}
	}
	return fmt.Sprintf("CronJob %s status.lastSuccessfulTime %s, after Job %s ended: a later run succeeded (its Job is gone)", cj.Name, fmtTime(*cj.LastSuccessfulTime), j.Name)
}

// runGone says, when the CronJob's latest scheduled run did not succeed
// and its Job is no longer there (deleted by ttlSecondsAfterFinished, a
// failedJobsHistoryLimit of 0, or by hand), that how that run ended is
// unknown: the Jobs left are older, and judging them would judge the past.
// "" otherwise.
func (t *triage) runGone(role string, jobs []collectors.Job) string {
	cj, why := t.cronJob(role)
	if why != "" || cj.LastScheduleTime == nil || cj.Active > 0 {
		return ""
	}
	last := *cj.LastScheduleTime
	if cj.LastSuccessfulTime != nil && !cj.LastSuccessfulTime.Before(last) {
		return ""
	}
	for _, j := range jobs {
		at := j.Created
		if j.ScheduledAt != nil {
			at = *j.ScheduledAt
		}
		if !at.Before(last.Add(-time.Minute)) {
			return ""
		}
	}
	return fmt.Sprintf("CronJob %s last ran at %s and has not succeeded since, but that run's Job is gone (deleted: ttlSecondsAfterFinished, failedJobsHistoryLimit 0, or by hand), so how it ended is unknown", cj.Name, fmtTime(last))
}

// isDryRun reports whether env sets DRY_RUN to a literal true
// (collectors.IsDryRun).
func isDryRun(env []collectors.EnvVar) bool { return collectors.IsDryRun(env) }

// realRuns leaves out of a cleanup CronJob's Jobs the dry runs that
// succeeded (DRY_RUN=true on the Job: the runbook's step 3, the tool's
// action, or a scheduled run from when the CronJob was one, while its own
// runs now delete): a dry run that succeeds says nothing of whether the
// cleanup works; one that failed is kept. When the CronJob itself is a dry run, its
// Jobs are what it runs, and are kept.
func realRuns(jobs []collectors.Job, cj *collectors.CronJob) []collectors.Job {
	if cj == nil || isDryRun(cj.Env) {
		return jobs
	}
	out := make([]collectors.Job, 0, len(jobs))
	for _, j := range jobs {
		// a dry run that failed could not even list what it would delete:
		// the cleanup fails, whatever the CronJob says now
		if !isDryRun(j.Env) || j.Outcome == collectors.OutcomeFailed {
			out = append(out, j)
		}
	}
	return out
}

func newestFinished(jobs []collectors.Job) *collectors.Job {
	for i := range jobs {
		if jobs[i].Outcome == collectors.OutcomeSucceeded || jobs[i].Outcome == collectors.OutcomeFailed {
			return &jobs[i]
		}
	}
	return nil
}

func (t *triage) audit() (*auditlog.Summary, string) {
	if r := t.unreadable(collectors.SourceLogs); r != "" {
		return nil, r
	}
	return &t.s.Logs.Audit, ""
}

// logGap is why the logs of role's pods (collectors.LogRoleSecurity or
// LogRoleOrchestrator) cannot show a thing absent: their selector matched
// no pod (nothing was read: a wrong label in the config, or the pods are
// gone), their list failed, or a pod's log could not be read. Evidence
// that is found stays evidence; only "not in the log" needs the whole log.
// "" when every pod matched was read, and in snapshots taken before the
// selectors were recorded.
func (t *triage) logGap(role string) string {
	if t.unreadable(collectors.SourceLogs) != "" || t.s.Logs == nil {
		return ""
	}
	for _, ls := range t.s.Logs.Selectors {
		if ls.Role != role {
			continue
		}
		what := "the rotation audit events"
		key := "kubernetes.securityLabel"
		if role == collectors.LogRoleOrchestrator {
			what, key = "the VaultTokenRenewal lines", "kubernetes.orchestratorLabel"
		}
		switch {
		case ls.Error != "":
			return fmt.Sprintf("logs: the pods of %s (-l %s) could not be listed: %s", what, ls.Selector, ls.Error)
		case len(ls.Pods) == 0 && role == collectors.LogRoleOrchestrator && t.orchestratorScaledToZero():
			return fmt.Sprintf("logs: Deployment %s is scaled to 0 replicas: no orchestrator runs, so the token renewal service is not running (runbook Scenario 2, step 4) and no log holding %s was read", t.s.Kubernetes.Orchestrator.Name, what)
		case len(ls.Pods) == 0:
			return fmt.Sprintf("logs: no pod matches -l %s in namespace %s, so no log holding %s was read (the pods are gone, or set %s in the config)", ls.Selector, t.s.Namespace, what, key)
		}
		var failed, notRead []string
		for _, p := range t.s.Logs.Pods {
			switch {
			case !slices.Contains(ls.Pods, p.Pod):
			case p.Error != "":
				failed = append(failed, p.Pod)
			case p.NotRead != "":
				notRead = append(notRead, p.Pod+": "+p.NotRead)
			}
		}
		if len(failed) > 0 {
			return fmt.Sprintf("logs: %d of %d pods holding %s could not be read (%s), so what they hold is unknown", len(failed), len(ls.Pods), what, listSome(failed, 3))
		}
		if len(notRead) == len(ls.Pods) {
			// no pod of the role ran in the window: the one that did
			// (replaced since, its log gone with it) is not here
			return fmt.Sprintf("logs: no pod of -l %s holds a log of the window (%s), so %s written in it are unknown", ls.Selector, listSome(notRead, 2), what)
		}
	}
	return ""
}

// atLeast is a count of tenants found among those whose key versions were
// read: "n", or "at least n (m of N tenants' key versions not read)" when
// some could not be, since they may hold more.
func (t *triage) atLeast(n int) string {
	ts, why := t.tenants()
	if why != "" {
		return fmt.Sprint(n)
	}
	unread := 0
	for _, tn := range ts {
		if tn.Error != "" && !tn.Missing {
			unread++
		}
	}
	if sc := t.s.Vault.TenantScan; sc.Listed > len(ts) {
		unread += sc.Listed - len(ts)
	}
	if unread == 0 {
		return fmt.Sprint(n)
	}
	return fmt.Sprintf("at least %d (%d of %d tenants' key versions not read)", n, unread, max(len(ts), t.s.Vault.TenantScan.Listed))
}

func (t *triage) tenants() ([]collectors.Tenant, string) {
	if r := t.unreadable(collectors.SourceVault); r != "" {
		return nil, r
	}
	if p := t.partProblem(collectors.SourceVault, "tenants"); p != "" && t.s.Vault.TenantScan.Scanned == 0 {
		return nil, p
	}
	if p := t.partProblem(collectors.SourceVault, "token"); p != "" && t.s.Vault.TenantScan.Scanned == 0 {
		return nil, p
	}
	return t.s.Vault.Tenants, ""
}

// tenantsUnread says how many of the listed tenants' metadata could not be
// read (a 403 or 429 on some, a request timeout), naming the first: what
// they hold is unknown, so nothing can be said absent over all tenants.
// "" when every tenant listed was read.
func (t *triage) tenantsUnread() string {
	if t.s.Vault == nil {
		return ""
	}
	if len(t.s.Vault.Tenants) == 0 && t.unreadable(collectors.SourceVault) == "" {
		// none listed is no tenant seen, not every tenant within bounds
		return "vault: " + orDefault(t.s.Vault.TenantScan.Note, "Vault lists no tenant: check vault.kvMount and vault.tenantPathTemplate in the config")
	}
	n, first := 0, -1
	for i, tn := range t.s.Vault.Tenants {
		if tn.Error != "" {
			if n++; first < 0 {
				first = i
			}
		}
	}
	if n == 0 {
		return ""
	}
	tn := t.s.Vault.Tenants[first]
	return fmt.Sprintf("vault: %d of %d tenants' metadata could not be read (%s: %s), so what they hold is unknown", n, len(t.s.Vault.Tenants), tn.ID, tn.Error)
}

func (t *triage) metric(role string) (*collectors.Metric, string) {
	if r := t.unreadable(collectors.SourcePrometheus); r != "" {
		return nil, r
	}
	for i := range t.s.Prometheus.Metrics {
		m := &t.s.Prometheus.Metrics[i]
		if m.Role == role {
			if m.Error != "" {
				return nil, m.Error
			}
			return m, ""
		}
	}
	return nil, "metric " + role + " not collected"
}

func fmtTime(tm time.Time) string { return tm.UTC().Format("2006-01-02 15:04 MST") }

func ago(now, tm time.Time) string {
	d := now.Sub(tm)
	switch {
	case d < 0:
		return "in " + roundDur(-d)
	case d < time.Minute:
		return "just now"
	}
	return roundDur(d) + " ago"
}

// FormatDuration prints a duration the way an on-call engineer reads it:
// 3d, 4h05m, 12m, 40s (negative with a leading "-"). It is the one
// duration format of the report and the dashboard.
func FormatDuration(d time.Duration) string { return roundDur(d) }

func roundDur(d time.Duration) string {
	if d < 0 {
		return "-" + roundDur(-d)
	}
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%dd", int(d.Hours()/24))
	case d >= time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	case d >= time.Minute:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	}
	return fmt.Sprintf("%ds", int(d.Seconds()))
}

// --- scenarios ---------------------------------------------------------------

// symptoms is what a scenario's evaluation fills in.
type symptoms map[SymptomID]*SymptomResult

// present marks the symptom observed. Its evidence goes before any evidence
// recorded against it, so the first evidence always supports the verdict.
func (ss symptoms) present(id SymptomID, ev ...Evidence) {
	r := ss[id]
	if r.State != SymptomPresent {
		r.Evidence = append(append([]Evidence(nil), ev...), r.Evidence...)
	} else {
		r.Evidence = append(r.Evidence, ev...)
	}
	r.State, r.Reason = SymptomPresent, ""
}
func (ss symptoms) absent(id SymptomID, ev ...Evidence) {
	r := ss[id]
	if r.State != SymptomPresent {
		r.State = SymptomAbsent
	}
	r.Evidence = append(r.Evidence, ev...)
}
func (ss symptoms) unknown(id SymptomID, why string) {
	r := ss[id]
	if r.State == "" || r.State == SymptomUnknown {
		r.State, r.Reason = SymptomUnknown, why
	}
}
func (ss symptoms) is(id SymptomID, st SymptomState) bool { return ss[id] != nil && ss[id].State == st }

// verdict is a scenario evaluation's outcome.
type verdict struct {
	status   Status
	severity Severity
	tenants  []string
}

func (t *triage) scenario(sc Scenario, alerts []AlertFinding) Finding {
	f := Finding{ID: sc.ID, Number: sc.Number, Title: sc.Title}
	ss := symptoms{}
	for _, sy := range sc.Symptoms {
		ss[sy.ID] = &SymptomResult{ID: sy.ID, Text: sy.Text}
	}
	var v verdict
	switch sc.ID {
	case ScenarioRotationJobFailing:
		v = t.rotationJobFailing(ss)
	case ScenarioVaultTokenExpired:
		v = t.vaultTokenExpired(ss)
	case ScenarioCleanupFailing:
		v = t.cleanupFailing(ss)
	case ScenarioRetentionOverflow:
		v = t.retentionOverflow(ss)
	case ScenarioBatchTimeout:
		v = t.batchTimeout(ss)
	case ScenarioAuditMissing:
		v = t.auditMissing(ss)
	default:
		v = verdict{status: StatusUnknown}
		for id := range ss {
			ss.unknown(id, "no check is defined for this scenario's symptoms")
		}
	}
	unread := false
	for _, sy := range sc.Symptoms {
		r := ss[sy.ID]
		if r.State == "" {
			r.State, r.Reason = SymptomUnknown, "not evaluated"
		}
		f.Symptoms = append(f.Symptoms, *r)
		if r.State == SymptomUnknown {
			unread = true
			if r.Reason != "" && !slices.Contains(f.Unknown, r.Reason) {
				f.Unknown = append(f.Unknown, r.Reason)
			}
		}
	}
	// The rule: a scenario is clear only when every symptom it lists was
	// observed absent. When none is present and any could not be read, it
	// is unknown, whatever the scenario's own evaluation concluded.
	if v.status == StatusClear && unread {
		v.status, v.severity = StatusUnknown, ""
	}
	if t.nothingFound != "" {
		// none of the runbook's objects is where the tool looks: an absence
		// there proves nothing, so no scenario is derived from it
		v = verdict{status: StatusUnknown}
		f.Unknown = append([]string{t.nothingFound}, f.Unknown...)
	}
	// related alerts raise the status. A firing alert makes the scenario
	// active unless every symptom is observed absent now: an alert's
	// window can still hold failures from before a fix, so then it is
	// only suspected.
	quiet := len(f.Symptoms) > 0
	for _, r := range f.Symptoms {
		quiet = quiet && r.State == SymptomAbsent
	}
	var stale []string // firing alerts of a quiet scenario
	for _, a := range alerts {
		if a.Scenario != sc.ID {
			continue
		}
		if !slices.Contains(f.Alerts, a.Name) {
			f.Alerts = append(f.Alerts, a.Name)
		}
		switch {
		case a.State == "firing" && quiet:
			if !slices.Contains(stale, a.Name) {
				stale = append(stale, a.Name)
			}
			if v.status == StatusClear {
				v.status, v.severity = StatusSuspected, SeverityWarning
			}
		case a.State == "firing":
			v.status = StatusActive
			if sev := alertSeverity(a); sev.Worse(v.severity) {
				v.severity = sev
			}
		case a.State == "pending" && v.status == StatusClear:
			// a pending alert raises a clear scenario, but never hides
			// that a source it needs could not be read
			v.status, v.severity = StatusSuspected, SeverityWarning
		}
	}
	f.Status, f.Severity, f.Tenants = v.status, v.severity, v.tenants
	if f.Severity == "" {
		f.Severity = SeverityNone
	}
	if f.Status == StatusUnknown {
		f.Severity = SeverityInfo
	}
	f.Summary = summarize(f)
	if strings.HasSuffix(f.Summary, alertSummaryEnd) { // the alerts' states, as read
		f.Summary = "alert " + Assessment{Alerts: alerts}.AlertsText(f)
	}
	if t.nothingFound != "" && f.Status == StatusUnknown {
		f.Summary = "cannot tell: " + t.nothingFound
	}
	if len(stale) > 0 && f.Status == StatusSuspected {
		f.Summary = fmt.Sprintf("alert %s still firing, no symptom observed now: its window may still hold failures from before a fix", strings.Join(stale, ", "))
	}
	t.withCause(&f) // causes.go: why the scenario's Job failed leads the summary
	return f
}

// alertSeverity is the alert's severity label (critical or warning), or
// critical when it has none.
func alertSeverity(a AlertFinding) Severity {
	if a.Labels["severity"] == string(SeverityWarning) {
		return SeverityWarning
	}
	return SeverityCritical
}

// alertSummaryEnd ends summarize's line for a scenario raised by its alerts
// alone, which scenario() words with their states.
const alertSummaryEnd = " is firing or pending"

// summarize is the one line shown beside a scenario: the first present
// symptom's first evidence, the firing alert, or why it is unknown.
func summarize(f Finding) string {
	for _, sy := range f.Symptoms {
		if sy.State == SymptomPresent && len(sy.Evidence) > 0 {
			e := sy.Evidence[0]
			return fmt.Sprintf("%s: %s", e.Fact, e.Observed)
		}
	}
	if len(f.Alerts) > 0 {
		return "alert " + strings.Join(f.Alerts, ", ") + alertSummaryEnd
	}
	switch f.Status {
	case StatusUnknown:
		return unknownSummary(f)
	case StatusClear:
		return "no symptom observed"
	}
	return ""
}

// unknownSummary says both what could not be read and what was seen:
// "cannot tell: <why each unread symptom is unknown>; seen absent: <the
// symptoms observed absent>".
func unknownSummary(f Finding) string {
	out := "cannot tell"
	if len(f.Unknown) > 0 {
		out += ": " + strings.Join(f.Unknown, "; ")
	}
	var seen []string
	for _, sy := range f.Symptoms {
		if sy.State == SymptomAbsent {
			seen = append(seen, sy.Text)
		}
	}
	if len(seen) > 0 {
		out += "; seen absent: " + strings.Join(seen, ", ")
	}
	return out
}

// decide applies the common rule: active when a primary symptom is present,
// suspected when a secondary one is, unknown when nothing is present and a
// needed symptom could not be read, clear otherwise.
func decide(ss symptoms, primary, secondary []SymptomID, activeSeverity Severity) verdict {
	for _, id := range primary {
		if ss.is(id, SymptomPresent) {
			return verdict{status: StatusActive, severity: activeSeverity}
		}
	}
	for _, id := range secondary {
		if ss.is(id, SymptomPresent) {
			return verdict{status: StatusSuspected, severity: SeverityWarning}
		}
	}
	for _, id := range primary {
		if ss.is(id, SymptomUnknown) {
			return verdict{status: StatusUnknown}
		}
	}
	return verdict{status: StatusClear, severity: SeverityNone}
}

func jobEvidence(j *collectors.Job, fact string) Evidence {
	e := Evidence{Source: collectors.SourceKubernetes, Fact: fact, Observed: fmt.Sprintf("Job %s %s", j.Name, j.Outcome)}
	if j.Reason != "" {
		e.Observed += " (" + j.Reason + ")"
	}
	if j.Finished != nil {
		at := *j.Finished
		e.At = &at
	} else if j.Started != nil {
		at := *j.Started
		e.At = &at
	}
	return e
}

// stillFailing is, of the tenants a finished rotation Job's log names in
// "Failed to rotate key for tenant", those whose latest rotation is that
// failure: no rotation seen since the run ended (rotatedSince; a Vault or
// audit log not read shows none).
func (t *triage) stillFailing(j *collectors.Job, named []string) []string {
	if j == nil {
		return named
	}
	end := jobEnd(j)
	var out []string
	for _, id := range named {
		if t.rotatedSince(id, end) == "" {
			out = append(out, id)
		}
	}
	return out
}

// jobEnd is when a Job finished, else when it started, else when it was
// created.
func jobEnd(j *collectors.Job) time.Time {
	switch {
	case j.Finished != nil:
		return *j.Finished
	case j.Started != nil:
		return *j.Started
	}
	return j.Created
}

// rotatedSince says how tenant id is known to have been rotated after at —
// a successful rotation event in the audit log, or a key version Vault
// created after it (an emergency rotation whose audit event is missing
// still writes one) — or "" when neither shows it.
func (t *triage) rotatedSince(id string, at time.Time) string {
	if a, why := t.audit(); why == "" {
		if ts, ok := a.Tenants[id]; ok && ts.LastSuccess != nil && ts.LastSuccess.After(at) {
			return "rotation event " + fmtTime(*ts.LastSuccess)
		}
	}
	// (to the second, as audit lines are stamped: a version the failing
	// attempt itself wrote is not a rotation after it; a destroyed or
	// deleted current version is no rotation)
	if tn := t.tenantByID(id); tn != nil && tn.Error == "" && tn.CurrentCreated != nil && tn.CurrentCreated.Truncate(time.Second).After(at) &&
		!tn.CurrentDestroyed && tn.CurrentDeletionTime == nil {
		return fmt.Sprintf("key version %d created %s", tn.CurrentVersion, fmtTime(*tn.CurrentCreated))
	}
	return ""
}

// jobLogFailing is the tenants whose latest rotation failed by the newest
// finished rotation Job's log (stillFailing), or nil when that log was not
// read or names none.
func (t *triage) jobLogFailing() ([]string, *collectors.Job) {
	jobs, why := t.runs(collectors.RoleRotation)
	if why != "" {
		return nil, nil
	}
	newest := newestFinished(jobs)
	if newest == nil || t.laterSuccess(collectors.RoleRotation, newest) != "" {
		return nil, nil
	}
	failed, lerr := failedTenantsInLog(newest)
	if lerr != "" || len(failed) == 0 {
		return nil, newest
	}
	return t.stillFailing(newest, failed), newest
}

// failedTenantsInLog returns the tenants named in "Failed to rotate key for
// tenant" lines of a Job's log, and whether the log could be read.
func failedTenantsInLog(j *collectors.Job) ([]string, string) {
	if j.Log == nil && noPodEver(j) {
		return nil, "" // no pod was ever made, so nothing was logged
	}
	if j.Log == nil {
		return nil, "no log was read for Job " + j.Name
	}
	if j.Log.NotStarted {
		return nil, "" // the container never ran, so it logged nothing
	}
	if j.Log.Error != "" {
		return nil, j.Log.Error
	}
	var out []string
	for _, m := range j.Log.Matches {
		if m.Tenant != "" && !slices.Contains(out, m.Tenant) {
			out = append(out, m.Tenant)
		}
	}
	sort.Strings(out)
	return out, ""
}

// renewalLogGap says why the orchestrator's VaultTokenRenewal lines cannot
// show renewal errors absent: its pods' logs were not all read (logGap), no
// renewal line was read at all (the service may not run, or it logs
// elsewhere), or errors were read without a time; "" otherwise.
func (t *triage) renewalLogGap(r *auditlog.RenewalSummary) string {
	switch gap := t.logGap(collectors.LogRoleOrchestrator); {
	case gap != "":
		return gap
	case r.OK+r.Errors == 0:
		return "no VaultTokenRenewal line in the orchestrator's log: the renewal service may not be running (vault.tokenRenewal.enabled), or it logs elsewhere"
	case r.Errors > 0 && r.LastError == nil:
		return fmt.Sprintf("%d VaultTokenRenewal errors carry no time, so whether they are recent is unknown", r.Errors)
	}
	return ""
}

// logUnsearched says why j's log cannot show a phrase absent: it was not
// read, could not be, or its middle was not searched (longer than
// kubernetes.logLimitBytes); "" when every line was searched, or when the
// container never started (it logged nothing).
func logUnsearched(j *collectors.Job) string {
	switch {
	case j == nil:
		return "no Job"
	case j.Log == nil && noPodEver(j):
		return ""
	case j.Log == nil:
		return "no log was read for Job " + j.Name
	case j.Log.NotStarted:
		return ""
	case j.Log.Error != "":
		return j.Log.Error
	case j.Log.Truncated:
		return fmt.Sprintf("the log of Job %s is longer than kubernetes.logLimitBytes, and its middle was not searched", j.Name)
	}
	return ""
}

// noPodEver reports whether no pod of j ever existed: none is listed and
// its status counts none active, succeeded or failed (its pods could not be
// created). A Job whose pods are gone counts them, and its log is unknown.
func noPodEver(j *collectors.Job) bool {
	return len(j.Pods) == 0 && j.Active == 0 && j.Succeeded == 0 && j.Failed == 0
}

func logHas(j *collectors.Job, phrase string) bool {
	if j == nil || j.Log == nil {
		return false
	}
	for _, m := range j.Log.Matches {
		if strings.EqualFold(m.Phrase, phrase) {
			return true
		}
	}
	return false
}

func (t *triage) rotationJobFailing(ss symptoms) verdict {
	var tenants []string
	jobs, why := t.runs(collectors.RoleRotation)
	newest := newestFinished(jobs)
	later := t.laterSuccess(collectors.RoleRotation, newest)
	jobLogClear := false                             // the newest run's log was searched whole and names no failed tenant
	gone := t.runGone(collectors.RoleRotation, jobs) // read after why, which comes first
	switch {
	case why != "":
		ss.unknown(SymRotationJobFailed, why)
		ss.unknown(SymFailedToRotateLogged, why)
	case gone != "":
		ss.unknown(SymRotationJobFailed, gone)
		ss.unknown(SymFailedToRotateLogged, gone)
	case newest == nil:
		ss.absent(SymRotationJobFailed, Evidence{Source: collectors.SourceKubernetes, Fact: "rotation Jobs", Observed: "none finished yet"})
		ss.absent(SymFailedToRotateLogged)
	default:
		switch {
		case later != "":
			ss.absent(SymRotationJobFailed, Evidence{Source: collectors.SourceKubernetes, Fact: "latest rotation run", Observed: later})
		case newest.Outcome == collectors.OutcomeFailed && !timedOut(newest, t.now):
			ss.present(SymRotationJobFailed, jobEvidence(newest, "latest rotation Job"))
		case newest.Outcome == collectors.OutcomeFailed:
			ss.absent(SymRotationJobFailed, jobEvidence(newest, "latest rotation Job hit its deadline (that is Scenario 5)"))
		default:
			ss.absent(SymRotationJobFailed, jobEvidence(newest, "latest rotation Job"))
		}
		failed, lerr := failedTenantsInLog(newest)
		unsearched := logUnsearched(newest)
		switch {
		case later != "":
			// the failures that run logged were followed by a run that
			// succeeded, whose log is gone with its Job
			ss.absent(SymFailedToRotateLogged, Evidence{Source: collectors.SourceKubernetes, Fact: "latest rotation run", Observed: later})
		case lerr != "":
			ss.unknown(SymFailedToRotateLogged, lerr)
		case len(failed) > 0:
			tenants = append(tenants, t.stillFailing(newest, failed)...)
			ss.present(SymFailedToRotateLogged, Evidence{Source: collectors.SourceKubernetes, Fact: "log of Job " + newest.Name,
				Observed: fmt.Sprintf("\"Failed to rotate key for tenant\" for %s", listSome(failed, 8))})
		case unsearched != "":
			ss.unknown(SymFailedToRotateLogged, unsearched)
		case newest.Log == nil: // noPodEver
			jobLogClear = true
			ss.absent(SymFailedToRotateLogged, Evidence{Source: collectors.SourceKubernetes, Fact: "log of Job " + newest.Name,
				Observed: "none: no pod of it was ever created, so nothing was logged"})
		default:
			jobLogClear = true
			ss.absent(SymFailedToRotateLogged, Evidence{Source: collectors.SourceKubernetes, Fact: "log of Job " + newest.Name,
				Observed: fmt.Sprintf("no \"Failed to rotate key for tenant\" in %d lines", max(newest.Log.Searched, len(newest.Log.Lines)))})
		}
	}
	if why == "" {
		t.stuckJob(ss, jobs, SymRotationJobFailed) // causes.go: a newer Job whose pods cannot run
	}
	// tenants whose latest audit outcome is a failure
	if a, why := t.audit(); why != "" {
		ss.unknown(SymSpecificTenants, why)
	} else {
		var failing, recovered []string
		for id, ts := range a.Tenants {
			if ts.LastFailure != nil && (ts.LastSuccess == nil || ts.LastFailure.After(*ts.LastSuccess)) && t.now.Sub(*ts.LastFailure) < 7*24*time.Hour {
				if how := t.rotatedSince(id, *ts.LastFailure); how != "" {
					recovered = append(recovered, id+" ("+how+")")
					continue
				}
				failing = append(failing, id)
			}
		}
		sort.Strings(failing)
		sort.Strings(recovered)
		fromJob := slices.DeleteFunc(slices.Clone(tenants), func(id string) bool { return slices.Contains(failing, id) })
		failing = mergeSorted(failing, tenants)
		if len(failing) > 0 {
			var ev []Evidence
			if audited := slices.DeleteFunc(slices.Clone(failing), func(id string) bool { return slices.Contains(fromJob, id) }); len(audited) > 0 {
				ev = append(ev, Evidence{Source: collectors.SourceLogs, Fact: "tenants whose latest rotation failed (audit log)", Observed: listSome(audited, 8)})
			}
			if len(fromJob) > 0 {
				ev = append(ev, Evidence{Source: collectors.SourceKubernetes, Fact: "tenants run " + newest.Name + " logged failing, no rotation seen since", Observed: listSome(fromJob, 8)})
			}
			if len(recovered) > 0 {
				ev = append(ev, Evidence{Source: collectors.SourceVault, Fact: "tenants whose failure was followed by a rotation (not counted)", Observed: listSome(recovered, 4)})
			}
			ss.present(SymSpecificTenants, ev...)
			tenants = mergeSorted(tenants, failing)
		} else if gap := t.logGap(collectors.LogRoleSecurity); gap != "" {
			ss.unknown(SymSpecificTenants, gap)
		} else if outside := t.runOutsideAuditWindow(newest); outside != "" && !jobLogClear {
			// window.go: the run's failure events may have been written
			// and be gone, and its own log cannot stand in for them
			ss.unknown(SymSpecificTenants, outside+": the failures it logged may be gone, and its Job log was not searched whole")
		} else if outside != "" {
			ss.absent(SymSpecificTenants, Evidence{Source: collectors.SourceKubernetes, Fact: "tenants failed in run " + newest.Name + " (from its Job log: the audit log's window misses the run)",
				Observed: "none"})
		} else {
			ev := []Evidence{{Source: collectors.SourceLogs, Fact: "tenants whose latest rotation failed", Observed: "none"}}
			if len(recovered) > 0 {
				ev = append(ev, Evidence{Source: collectors.SourceVault, Fact: "tenants whose failure was followed by a rotation", Observed: listSome(recovered, 4)})
			}
			ss.absent(SymSpecificTenants, ev...)
		}
	}
	t.policySymptom(ss, SymPolicyMissingCapability)
	t.suspendedSymptom(ss, SymRotationCronjobSuspended, collectors.RoleRotation)
	v := decide(ss, []SymptomID{SymRotationJobFailed, SymFailedToRotateLogged}, []SymptomID{SymSpecificTenants, SymPolicyMissingCapability, SymRotationCronjobSuspended}, SeverityCritical)
	v.tenants = tenants
	return v
}

// checkKind is a policy check's KV v2 path kind, from the check or, in a
// snapshot taken before it was recorded, from its path.
func checkKind(c collectors.PathCheck) string {
	switch {
	case c.Kind != "":
		return c.Kind
	case strings.Contains(c.Path, "/metadata/"):
		return "metadata"
	}
	return "data"
}

// missingCapabilities are the required capabilities not granted ("root"
// grants all).
func missingCapabilities(required, granted []string) []string {
	if slices.Contains(granted, "root") {
		return nil
	}
	var out []string
	for _, c := range required {
		if !slices.Contains(granted, c) {
			out = append(out, c)
		}
	}
	return out
}

// suspendedSymptom judges whether the role's CronJob is suspended, and
// says since when no run was scheduled and how many runs were missed.
func (t *triage) suspendedSymptom(ss symptoms, id SymptomID, role string) {
	cj, why := t.cronJob(role)
	if why != "" {
		ss.unknown(id, why)
		return
	}
	fact := "CronJob " + cj.Name + " spec.suspend"
	if !cj.Suspend && neverRuns(cj.Schedule, cj.TimeZone, t.now) {
		ss.present(id, Evidence{Source: collectors.SourceKubernetes, Fact: "CronJob " + cj.Name + " spec.schedule",
			Observed: fmt.Sprintf("%q never fires (no such date): no run is made, as if suspended", cj.Schedule), At: cj.LastScheduleTime})
		return
	}
	if !cj.Suspend && cj.Active == 0 {
		// its controller tried and the API server refused the Job (an
		// admission policy, a quota): the Warning says why, at once
		if ev := t.failedCreate(cj); ev != nil {
			ss.present(id, *ev)
			return
		}
	}
	if !cj.Suspend && cj.LastScheduleTime != nil && cj.Active == 0 {
		// not suspended, yet its schedule passed without a run (the
		// CronJob controller down, startingDeadlineSeconds passed): no
		// run is made, as if suspended; a run just due is given 10m. Runs
		// the schedule names before the CronJob was last written (its
		// schedule edited, unsuspended) were not due under the spec then.
		since, from := *cj.LastScheduleTime, ""
		if cj.SpecChanged != nil && cj.SpecChanged.After(since) {
			since, from = *cj.SpecChanged, fmt.Sprintf(" and since the CronJob was last written (%s)", fmtTime(*cj.SpecChanged))
		}
		if n, err := missedRuns(cj.Schedule, cj.TimeZone, since, t.now.Add(-missedRunSlack), 10000); err == nil && n > 0 {
			ss.present(id, Evidence{Source: collectors.SourceKubernetes, Fact: "CronJob " + cj.Name + " status.lastScheduleTime",
				Observed: fmt.Sprintf("not suspended, but no run was scheduled since %s (%s)%s: %d scheduled run(s) (%s) missed — the CronJob controller was down, or startingDeadlineSeconds passed", fmtTime(*cj.LastScheduleTime), ago(t.now, *cj.LastScheduleTime), from, n, cj.Schedule),
				At:       cj.LastScheduleTime})
			return
		}
	}
	if !cj.Suspend {
		ss.absent(id, Evidence{Source: collectors.SourceKubernetes, Fact: fact, Observed: "false"})
		return
	}
	ss.present(id, Evidence{Source: collectors.SourceKubernetes, Fact: fact, Observed: t.suspendedFor(cj), At: cj.LastScheduleTime})
}

// failedCreate is the CronJob's latest FailedCreate Warning (its controller
// could not create the Job of a scheduled run: an admission policy, a
// quota, a bad template) when it is newer than its last scheduled run and
// than the CronJob's last write, as evidence; nil otherwise.
func (t *triage) failedCreate(cj *collectors.CronJob) *Evidence {
	if t.s.Kubernetes == nil {
		return nil
	}
	for _, e := range t.s.Kubernetes.Events { // newest first
		if e.Object != "CronJob/"+cj.Name || e.Reason != "FailedCreate" {
			continue
		}
		if cj.LastScheduleTime != nil && !e.Last.After(*cj.LastScheduleTime) || cj.SpecChanged != nil && !e.Last.After(*cj.SpecChanged) {
			return nil // a run was scheduled since, or the CronJob was rewritten
		}
		at := e.Last
		return &Evidence{Source: collectors.SourceKubernetes, Fact: "CronJob " + cj.Name + " event FailedCreate",
			Observed: fmt.Sprintf("its controller could not create the Job of a scheduled run (%d time(s), the latest %s): %s", max(e.Count, 1), ago(t.now, at), clip(e.Message, 240)), At: &at}
	}
	return nil
}

// missedRunSlack is how long after a scheduled time its run may still be
// made before it counts as missed.
const missedRunSlack = 10 * time.Minute

// suspendedFor describes a suspended CronJob: its last scheduled run and
// the runs its schedule would have made since.
func (t *triage) suspendedFor(cj *collectors.CronJob) string {
	out := "true"
	if cj.LastScheduleTime == nil {
		return out + "; no run was ever scheduled"
	}
	out += fmt.Sprintf("; last scheduled run %s (%s)", ago(t.now, *cj.LastScheduleTime), fmtTime(*cj.LastScheduleTime))
	if n, err := missedRuns(cj.Schedule, cj.TimeZone, *cj.LastScheduleTime, t.now, 10000); err == nil {
		more := ""
		if n >= 10000 {
			more = "+"
		}
		out += fmt.Sprintf("; %d%s scheduled runs (%s) missed since", n, more, cj.Schedule)
	}
	return out
}

// policySymptom judges whether the rotation's token lacks, on any listed
// tenant's data or metadata path, a capability the runbook requires. A
// check counts when Vault answered it for the orchestrator's token
// (Effective) or when all the role's policies were read and combined as
// Vault combines them (Policy.Policies); one judged from the rotation
// policy alone (snapshots taken before), or not at all, cannot show the
// policy grants: then the symptom is unknown, as it is when a listed
// tenant's paths were not checked.
func (t *triage) policySymptom(ss symptoms, id SymptomID) {
	if r := t.unreadable(collectors.SourceVault); r != "" {
		ss.unknown(id, r)
		return
	}
	p := t.s.Vault.Policy
	if p == nil {
		if pr := t.partProblem(collectors.SourceVault, "policy"); pr != "" {
			ss.unknown(id, pr)
		} else {
			ss.unknown(id, "the policy was not read")
		}
		return
	}
	if !p.Found {
		ss.present(id, Evidence{Source: collectors.SourceVault, Fact: "policy " + p.Name, Observed: "does not exist"})
		return
	}
	combined := "by reading the policies " + strings.Join(p.Policies, ", ") + " together, as Vault combines them"
	type group struct {
		kind, path, how, rule string
		missing, required     []string
		tenants               []string
	}
	var groups []*group
	judged := map[string]map[string]bool{} // kind → tenants judged
	judgedBy := map[string]int{}           // how + kind → checks judged so
	unjudged, effective, local := 0, 0, 0
	for _, c := range p.Checks {
		if !c.Effective && len(p.Policies) == 0 {
			unjudged++
			continue
		}
		kind, tenant := checkKind(c), t.checkTenant(c)
		if judged[kind] == nil {
			judged[kind] = map[string]bool{}
		}
		judged[kind][tenant] = true
		how := "for the orchestrator's token, as Vault reports"
		if c.Effective {
			effective++
		} else {
			local++
			how = combined
		}
		judgedBy[how+kind]++
		required := RequiredCapabilities()[kind]
		missing := missingCapabilities(required, c.Granted)
		if len(missing) == 0 {
			continue
		}
		rule := ""
		if !c.Effective {
			rule = "; no rule of theirs matches the path"
			if c.Rule != "" {
				rule = fmt.Sprintf("; the rule Vault applies: path %q of %s", c.Rule, strings.Join(c.RulePolicies, ", "))
			}
		}
		var g *group
		for _, x := range groups {
			if x.kind == kind && x.how == how && x.rule == rule && slices.Equal(x.missing, missing) {
				g = x
			}
		}
		if g == nil {
			g = &group{kind: kind, path: c.Path, how: how, rule: rule, missing: missing, required: required}
			groups = append(groups, g)
		}
		g.tenants = append(g.tenants, orDefault(tenant, c.Path))
	}
	// the listed tenants whose paths were not judged
	var unchecked []string
	if len(judged) > 0 || unjudged == 0 {
		for _, tn := range t.s.Vault.Tenants {
			for _, kind := range []string{"data", "metadata"} {
				if tn.ID != "" && !judged[kind][tn.ID] {
					unchecked = append(unchecked, tn.ID)
					break
				}
			}
		}
	}
	for _, g := range groups {
		n := len(judged[g.kind])
		fact := "capabilities on " + g.path + " " + g.how
		obs := "missing " + strings.Join(g.missing, ", ")
		switch {
		case n > 1 && len(g.tenants) == 1:
			obs += fmt.Sprintf(" (tenant %s only, of %d checked)", g.tenants[0], n)
		case len(g.tenants) > 1:
			fact = "capabilities on " + t.s.Config.Vault.KVMount + "/" + g.kind + "/" + t.s.Config.TenantPath("<tenant>") + " " + g.how
			obs += fmt.Sprintf(" for %d of %d tenants checked: %s", len(g.tenants), n, listSome(g.tenants, 8))
		}
		if by := judgedBy[g.how+g.kind]; by < n && len(g.tenants) > 1 {
			obs += fmt.Sprintf(" (%d of the %d were judged this way)", by, n)
		}
		ss.present(id, Evidence{Source: collectors.SourceVault, Fact: fact, Observed: obs + g.rule, Threshold: "needs " + strings.Join(g.required, ", ")})
	}
	if len(groups) > 0 {
		return
	}
	var why []string
	if unjudged > 0 {
		why = append(why, orDefault(p.Unjudged, "only policy "+p.Name+" was read (a snapshot taken before the role's policies were read together), and another policy of the token may hold the rule Vault applies"))
		if p.EffectiveNote != "" {
			why = append(why, p.EffectiveNote)
		}
	}
	if len(unchecked) > 0 {
		why = append(why, fmt.Sprintf("the paths of %d of %d listed tenants were not checked (%s): what the token may do there is not known", len(unchecked), len(t.s.Vault.Tenants), listSome(unchecked, 8)))
	}
	if _, twhy := t.tenants(); twhy != "" && len(t.s.Vault.Tenants) == 0 {
		// an example tenant's paths judge no particular tenant: a deny on
		// one (the runbook's t-042) cannot be seen without the list
		why = append(why, "the tenants could not be listed ("+twhy+"), so only an example tenant's paths were checked: a deny on a particular tenant's path cannot be seen")
	}
	if len(why) > 0 {
		ss.unknown(id, strings.Join(why, "; "))
		return
	}
	var hows []string
	if effective > 0 {
		hows = append(hows, "for the orchestrator's token, as Vault reports")
	}
	if local > 0 {
		hows = append(hows, combined+" (policies from identity groups, if any, are not seen)")
	}
	of := plural(len(judged["data"]), "tenant")
	if len(t.s.Vault.Tenants) == 0 {
		of = "an example tenant (none is listed)"
	}
	ss.absent(id, Evidence{Source: collectors.SourceVault, Fact: "policy " + p.Name,
		Observed: fmt.Sprintf("grants what the runbook requires on the data and metadata paths of %s, %s", of, strings.Join(hows, "; "))})
}

// checkTenant is the tenant a policy check is for: its own, or in a
// snapshot taken before checks named it, the one its path names.
func (t *triage) checkTenant(c collectors.PathCheck) string {
	if c.Tenant != "" {
		return c.Tenant
	}
	rest, ok := strings.CutPrefix(c.Path, t.s.Config.Vault.KVMount+"/"+checkKind(c)+"/")
	if !ok {
		return ""
	}
	id, _ := t.s.Config.TenantFromPath(rest)
	return id
}

func (t *triage) orchestratorTTL() (ttl time.Duration, source string, gone bool, why string) {
	var reasons []string
	if r := t.unreadable(collectors.SourceVault); r == "" {
		v := t.s.Vault
		if tok, older := judgedToken(t.s); tok != nil {
			// Vault's token is the soonest expiring of the role's live
			// tokens a current pod may hold (judgedToken; in older
			// snapshots the newest); the metric is every replica's own:
			// the lowest fresh series wins when it is lower by more than a
			// scrape's drift
			vttl := tok.TTL.Duration()
			if pttl, name, ok := t.lowestTokenSeries(); ok && pttl < vttl-time.Minute {
				// a replica's own TTL lower than any live token of the
				// role Vault holds is of no token Vault knows: the metric
				// is wrong (an exporter that could not reach Vault
				// exports 0) or that replica's token is gone; which, the
				// two cannot tell apart
				// (when Vault's own judged token is itself critical, both
				// say so: Vault's is taken)
				crit := t.s.Config.Thresholds.TokenExpiryCritical.Duration()
				if vttl < crit {
					return vttl, "vault (lookup-accessor " + tok.Accessor + "; prometheus " + name + " says " + roundDur(pttl) + ")", false, ""
				}
				if low := lowestLiveTTL(v); low > 0 && pttl < low-time.Minute && pttl < crit {
					// the series is named with its labels (a pod label
					// tells whose token it is: L1)
					return 0, "", false, fmt.Sprintf("prometheus %s says %s, lower than every live token of the role Vault holds (the lowest %s): the metric is wrong, or a replica's token is gone, and the two sources cannot tell which", name+t.lowestTokenLabels(), roundDur(pttl), roundDur(low))
				}
				return pttl, "prometheus " + name + " (Vault: " + roundDur(vttl) + ")", false, ""
			}
			src := "vault (lookup-accessor " + tok.Accessor + ")"
			if n := len(v.OrchestratorTokens) - older; n > 1 {
				src = fmt.Sprintf("vault (lookup-accessor %s, the lowest TTL of %d live tokens)", tok.Accessor, n)
			}
			return vttl, src, false, ""
		}
		if strings.HasPrefix(v.OrchestratorTokenNote, "no live token") {
			return 0, "vault", true, ""
		}
		if why := noCurrentToken(t.s); why != "" {
			reasons = append(reasons, why)
		}
		if v.OrchestratorTokenNote != "" {
			reasons = append(reasons, v.OrchestratorTokenNote)
		}
	} else {
		reasons = append(reasons, r)
	}
	if ttl, name, ok := t.lowestTokenSeries(); ok {
		src := "prometheus " + name
		if t.unreadable(collectors.SourceVault) == "" && t.s.Vault.OrchestratorTokenNote != "" {
			// Vault was read, but not the token (a lookup failed): said
			// beside it
			src += " (Vault: " + t.s.Vault.OrchestratorTokenNote + ")"
		}
		return ttl, src, false, "" // below zero: already expired
	}
	if m, why := t.metric("tokenExpirySeconds"); why == "" {
		reasons = append(reasons, "prometheus: "+orDefault(t.metricStaleNow(m), "no current "+m.Name+" series"))
	} else {
		reasons = append(reasons, why)
	}
	return 0, "", false, strings.Join(reasons, "; ")
}

// lowestTokenLabels are the labels of the token expiry metric's lowest
// current series (lowestTokenSeries), as a selector ({pod="…",…}; job and
// instance left out), "" when it has none.
func (t *triage) lowestTokenLabels() string {
	m, why := t.metric("tokenExpirySeconds")
	if why != "" {
		return ""
	}
	var low *collectors.Series
	for i, s := range m.Series {
		if s.Value != nil && (low == nil || *s.Value < *low.Value) && t.seriesStale(m, s) == "" {
			low = &m.Series[i]
		}
	}
	if low == nil {
		return ""
	}
	return selector(low.Labels)
}

// metricSaysAlive is, when the token expiry metric's lowest current series
// says the orchestrator's token has more than the warning threshold left,
// that fact in words; "" otherwise.
func (t *triage) metricSaysAlive() string {
	ttl, name, ok := t.lowestTokenSeries()
	if !ok || ttl <= t.s.Config.Thresholds.TokenExpiryWarning.Duration() {
		return ""
	}
	return fmt.Sprintf("the orchestrator's own %s, current, says %s left", name, roundDur(ttl))
}

// lowestLiveTTL is the lowest TTL of the role's live tokens Vault listed
// (0 when it listed none: a snapshot of before, or the list not read).
func lowestLiveTTL(v *collectors.VaultData) time.Duration {
	var low time.Duration
	for _, tok := range v.OrchestratorTokens {
		if d := tok.TTL.Duration(); d > 0 && (low == 0 || d < low) {
			low = d
		}
	}
	return low
}

// lowestTokenSeries is the lowest current series of the token expiry
// metric, not below zero.
func (t *triage) lowestTokenSeries() (time.Duration, string, bool) {
	m, why := t.metric("tokenExpirySeconds")
	if why != "" {
		return 0, "", false
	}
	best, found := 0.0, false
	for _, s := range m.Series {
		if s.Value != nil && (!found || *s.Value < best) && t.seriesStale(m, s) == "" { // freshness.go
			best, found = *s.Value, true
		}
	}
	return time.Duration(max(best, 0) * float64(time.Second)), m.Name, found
}

func (t *triage) vaultTokenExpired(ss symptoms) verdict {
	th := t.s.Config.Thresholds
	warn, crit := th.TokenExpiryWarning.Duration(), th.TokenExpiryCritical.Duration()
	strong := false
	ttl, src, gone, why := t.orchestratorTTL()
	// a periodic token is judged against its period (vaulttoken.go): its
	// TTL falls from the period to where the client renews it, and
	// renewal, not the TTL, keeps it alive
	ttlWarn, ttlCrit, below := warn, crit, ""
	obs := roundDur(ttl)
	if period, psrc := t.tokenPeriod(); period > 0 {
		ttlWarn, ttlCrit = periodicThresholds(period, warn, crit)
		obs += "; " + periodicNote(ttl, period, psrc, t.orchestratorToken(), t.now)
		below = " (a periodic token: a fraction of its period)"
	}
	if n := t.tokensNote(); n != "" {
		obs += "; " + n
	}
	switch {
	case why != "":
		ss.unknown(SymTokenExpiring, "orchestrator token TTL unknown: "+why)
	case gone && t.metricSaysAlive() != "":
		// Vault lists no live token of the role, while the orchestrator's
		// own metric, current, says its token has long left: its token is
		// of another role or auth mount than the config names, or the
		// metric is wrong; which, the two cannot tell
		ss.unknown(SymTokenExpiring, "Vault lists no live token of role "+t.s.Config.Vault.KubernetesAuthRole+", but "+t.metricSaysAlive()+": the orchestrator may log in with another role or auth mount (check vault.kubernetesAuthRole and vault.kubernetesAuthMount in the config), or the metric is wrong")
	case gone:
		strong = true
		ss.present(SymTokenExpiring, Evidence{Source: collectors.SourceVault, Fact: "orchestrator token of role " + t.s.Config.Vault.KubernetesAuthRole,
			Observed: "no live token found: expired or revoked"})
	case ttl <= ttlCrit:
		strong = true
		ss.present(SymTokenExpiring, Evidence{Source: src, Fact: "orchestrator token TTL", Observed: obs, Threshold: "critical under " + roundDur(ttlCrit) + below})
	case ttl <= ttlWarn:
		ss.present(SymTokenExpiring, Evidence{Source: src, Fact: "orchestrator token TTL", Observed: obs, Threshold: "warning under " + roundDur(ttlWarn) + below})
	default:
		ss.absent(SymTokenExpiring, Evidence{Source: src, Fact: "orchestrator token TTL", Observed: obs, Threshold: "warning under " + roundDur(ttlWarn) + below})
	}
	t.ceilingEvidence(ss) // ceiling.go: near its max TTL, renewal cannot help

	logsKnown, metricKnown := false, false
	var staleWhy []string // freshness.go: signals too old to tell about now
	if a, why := t.audit(); why == "" {
		logsKnown = true
		r := a.Renewals
		stale, gap := t.renewalLogStale(&r), t.renewalLogGap(&r)
		if r.Errors > 0 && r.LastError != nil && t.now.Sub(*r.LastError) < recentWindow && (r.LastOK == nil || r.LastError.After(*r.LastOK)) {
			at := *r.LastError
			ss.present(SymRenewalFailures, Evidence{Source: collectors.SourceLogs, Fact: "VaultTokenRenewal log lines",
				Observed: fmt.Sprintf("%d errors, the latest %s, no success since", r.Errors, ago(t.now, at)), At: &at})
			for _, e := range r.RecentErrors {
				if strings.Contains(strings.ToLower(e.Message), "permission denied") {
					ss.present(SymPermissionDeniedVault, Evidence{Source: collectors.SourceLogs, Fact: "renewal error", Observed: e.Message, At: e.Time})
					break
				}
			}
		} else if stale != "" {
			logsKnown, staleWhy = false, append(staleWhy, stale)
		} else if gap != "" {
			logsKnown, staleWhy = false, append(staleWhy, gap)
		} else {
			obs := fmt.Sprintf("%d ok, %d errors", r.OK, r.Errors)
			ss.absent(SymRenewalFailures, Evidence{Source: collectors.SourceLogs, Fact: "VaultTokenRenewal log lines", Observed: obs})
		}
		if !ss.is(SymPermissionDeniedVault, SymptomPresent) {
			if why := orDefault(gap, stale); why != "" {
				ss.unknown(SymPermissionDeniedVault, "only the orchestrator's log shows it: "+why)
			} else {
				ss.absent(SymPermissionDeniedVault)
			}
		}
	} else {
		ss.unknown(SymPermissionDeniedVault, "only the orchestrator's log shows it: "+why)
	}
	t.deniedRunSymptom(ss)
	if m, why := t.metric("tokenRenewals"); why == "" && len(m.Series) > 0 {
		metricKnown = true
		failed := func(l map[string]string) bool {
			o := strings.ToLower(l["outcome"] + l["status"] + l["result"])
			return strings.Contains(o, "fail") || strings.Contains(o, "error")
		}
		// a series that began within the day (a pod restarted under a new
		// name: the runbook's fix) counts from zero, or its renewals
		// after the restart would show only once it moved between steps
		lastFail := lastIncreaseFromZero(m, failed)
		lastOK := lastIncreaseFromZero(m, func(l map[string]string) bool { return !failed(l) })
		if n := counterGrowth(m, failed, true); n > 0 && lastFail != nil && (lastOK == nil || lastFail.After(*lastOK)) {
			ss.present(SymRenewalFailures, Evidence{Source: collectors.SourcePrometheus, Fact: m.Name + " failures over 24h, none succeeded since",
				Observed: fmt.Sprintf("+%g", n), Threshold: "0", At: lastFail})
		} else if ev, ok := t.renewalsFlat(m, lastOK); ok {
			ss.present(SymRenewalFailures, ev)
		} else if stale := t.metricStaleNow(m); stale != "" {
			metricKnown, staleWhy = false, append(staleWhy, stale)
		} else if short, _ := t.historyShort(); short != "" {
			metricKnown, staleWhy = false, append(staleWhy, short) // freshness.go
		} else {
			ss.absent(SymRenewalFailures, Evidence{Source: collectors.SourcePrometheus, Fact: m.Name + " failures over 24h not followed by a success", Observed: "none"})
		}
	}
	if !logsKnown && !metricKnown {
		ss.unknown(SymRenewalFailures, orDefault(strings.Join(staleWhy, "; "), "neither the orchestrator's log nor the renewal metric could be read"))
	}

	// the Kubernetes-auth role against the runbook's
	if r := t.unreadable(collectors.SourceVault); r != "" {
		ss.unknown(SymRoleMisconfigured, r)
	} else if role := t.s.Vault.Role; role == nil {
		ss.unknown(SymRoleMisconfigured, orDefault(t.partProblem(collectors.SourceVault, "kubernetes auth role"), "the role was not read"))
	} else if !role.Found {
		ss.present(SymRoleMisconfigured, Evidence{Source: collectors.SourceVault, Fact: "role auth/" + role.Mount + "/role/" + role.Name, Observed: "does not exist"})
	} else {
		faults, selector := roleFaults(role, t.s, warn)
		for _, f := range faults {
			ss.present(SymRoleMisconfigured, f.ev)
		}
		if e := roleGrantGap(t.s); e != nil {
			ss.present(SymRoleMisconfigured, *e)
		}
		// the account the role binds, gone: no pod runs as it, so no pod
		// started now logs in (kubectl get sa, the runbook's Scenario 1
		// step 2), whatever the role says
		if t.unreadable(collectors.SourceKubernetes) == "" {
			for _, sa := range missingAccounts(t.s) {
				ss.present(SymRoleMisconfigured, Evidence{Source: collectors.SourceKubernetes, Fact: "service account " + sa + " (bound by role " + role.Name + ")", Observed: "does not exist in namespace " + t.s.Namespace})
			}
		}
		switch {
		case ss.is(SymRoleMisconfigured, SymptomPresent):
		case selector != "":
			ss.unknown(SymRoleMisconfigured, selector)
		default:
			ss.absent(SymRoleMisconfigured, Evidence{Source: collectors.SourceVault, Fact: "role " + role.Name, Observed: "matches the runbook"})
		}
	}

	switch {
	case strong || ss.is(SymRenewalFailures, SymptomPresent):
		return verdict{status: StatusActive, severity: SeverityCritical}
	case ss.is(SymTokenExpiring, SymptomPresent) || ss.is(SymRoleMisconfigured, SymptomPresent) || ss.is(SymPermissionDeniedVault, SymptomPresent):
		return verdict{status: StatusSuspected, severity: SeverityWarning}
	case ss.is(SymTokenExpiring, SymptomUnknown) && ss.is(SymRenewalFailures, SymptomUnknown):
		return verdict{status: StatusUnknown}
	case ss.is(SymTokenExpiring, SymptomUnknown):
		return verdict{status: StatusUnknown}
	}
	return verdict{status: StatusClear, severity: SeverityNone}
}

// deniedRunSymptom judges "permission denied from Vault" by the newest
// finished rotation and cleanup Jobs too (the last day's): Vault refused
// the run's token, not one tenant's path. A policy lacking a capability
// the runbook requires explains it (Scenario 1, whose step updates the
// policy): then it is said beside the symptom, which stays as the
// orchestrator's log has it. With the policy granting all, or not read,
// the run's token or its role is in question: the symptom is present.
func (t *triage) deniedRunSymptom(ss symptoms) {
	if ss.is(SymPermissionDeniedVault, SymptomPresent) {
		return
	}
	var denied *collectors.Job
	var line string
	for _, role := range []string{collectors.RoleRotation, collectors.RoleCleanup} {
		jobs, why := t.jobs(role)
		if why != "" {
			continue
		}
		j := newestFinished(jobs)
		if j == nil || j.Log == nil || j.Finished == nil || t.now.Sub(*j.Finished) >= recentWindow {
			continue
		}
		// a denial that names a tenant ("Failed to rotate key for tenant X:
		// ... permission denied") is that tenant's path, which the policy
		// may deny while granting the path checked (Scenario 1); one for
		// every tenant listed, or one naming none, is the run's token
		failed, _ := failedTenantsInLog(j)
		all := t.s.Vault != nil && t.unreadable(collectors.SourceVault) == "" && len(t.s.Vault.Tenants) > 0 && len(failed) >= len(t.s.Vault.Tenants)
		for _, m := range j.Log.Matches {
			text := j.Log.MatchText(m)
			if (m.Tenant == "" || all) && (strings.EqualFold(m.Phrase, "permission denied") || strings.Contains(strings.ToLower(text), "permission denied")) {
				denied, line = j, text
				break
			}
		}
		if denied != nil {
			break
		}
	}
	if denied == nil {
		return
	}
	e := Evidence{Source: collectors.SourceKubernetes, Fact: "log of Job " + denied.Name, Observed: clip(line, 160), At: denied.Finished}
	// a run that began after it and succeeded got a token that works:
	// the denial is not the token now (a role fixed since, pods
	// restarted), though the denied Job's own failure stays its
	// scenario's evidence until it runs again
	if later := t.succeededAfter(*denied.Finished); later != nil {
		e.Fact += fmt.Sprintf(" (not current: Job %s, started %s after it, succeeded)", later.Name, roundDur(later.Started.Sub(*denied.Finished)))
		if r := ss[SymPermissionDeniedVault]; r.State == SymptomAbsent {
			r.Evidence = append(r.Evidence, e)
		}
		return
	}
	policy := symptoms{SymPolicyMissingCapability: &SymptomResult{ID: SymPolicyMissingCapability}}
	t.policySymptom(policy, SymPolicyMissingCapability)
	if policy.is(SymPolicyMissingCapability, SymptomPresent) {
		e.Fact += " (the policy lacks a capability the runbook requires: Scenario 1)"
		if r := ss[SymPermissionDeniedVault]; r.State == SymptomAbsent {
			r.Evidence = append(r.Evidence, e)
		}
		return
	}
	if policy.is(SymPolicyMissingCapability, SymptomAbsent) && t.s.Vault != nil && t.s.Vault.Role != nil && t.s.Vault.Role.Found && LoginRisk(t.s) == "" {
		// nothing read now explains it: say what would
		e.Fact += " (the policy and the role as read now grant what the runbook requires: the run's token was denied then, or the policy or role changed since; a run now tells)"
	}
	ss.present(SymPermissionDeniedVault, e)
}

// succeededAfter is the newest Job of the rotation or cleanup CronJob that
// started after at and succeeded (nil when none did, or the Jobs could
// not be read).
func (t *triage) succeededAfter(at time.Time) *collectors.Job {
	var best *collectors.Job
	for _, role := range []string{collectors.RoleRotation, collectors.RoleCleanup} {
		jobs, why := t.jobs(role)
		if why != "" {
			continue
		}
		for i := range jobs {
			j := &jobs[i]
			if j.Outcome == collectors.OutcomeSucceeded && j.Started != nil && j.Started.After(at) && (best == nil || j.Started.After(*best.Started)) {
				best = j
			}
		}
	}
	return best
}

// renewalsFlat finds renewals that stopped without a failure being counted:
// the renewals counter stayed flat for longer than the renewal interval
// (the median gap between its earlier increases, or, with fewer than two,
// the token expiry warning threshold) while the token's TTL kept falling
// in step with the clock.
func (t *triage) renewalsFlat(renewals *collectors.Metric, lastOK *time.Time) (Evidence, bool) {
	exp, why := t.metric("tokenExpirySeconds")
	if why != "" {
		return Evidence{}, false
	}
	// the increases of the renewals counter, across its series
	var moves []time.Time
	var histStart time.Time
	for _, s := range renewals.Series {
		ts, vals := seriesPoints(renewals, s)
		if len(ts) > 0 && (histStart.IsZero() || ts[0].Before(histStart)) {
			histStart = ts[0]
		}
		for i := 1; i < len(vals); i++ {
			if vals[i] != vals[i-1] {
				moves = append(moves, ts[i])
			}
		}
	}
	if histStart.IsZero() {
		return Evidence{}, false
	}
	sort.Slice(moves, func(i, j int) bool { return moves[i].Before(moves[j]) })
	interval, how := t.s.Config.Thresholds.TokenExpiryWarning.Duration(), "the token expiry warning threshold, for want of two earlier renewals"
	if len(moves) >= 3 {
		gaps := make([]time.Duration, 0, len(moves)-1)
		for i := 1; i < len(moves); i++ {
			if g := moves[i].Sub(moves[i-1]); g > 0 {
				gaps = append(gaps, g)
			}
		}
		if len(gaps) >= 2 {
			slices.Sort(gaps)
			interval, how = gaps[len(gaps)/2], "the median gap between earlier renewals"
		}
	}
	flatSince := histStart
	if len(moves) > 0 {
		flatSince = moves[len(moves)-1]
	}
	if lastOK != nil && lastOK.After(flatSince) {
		flatSince = *lastOK
	}
	flat := t.now.Sub(flatSince)
	if interval <= 0 || flat <= interval*3/2 {
		return Evidence{}, false
	}
	// the TTL fell with the clock since then, in some series
	for _, s := range exp.Series {
		ts, vals := seriesPoints(exp, s)
		first := -1
		for i := range ts {
			if !ts[i].Before(flatSince) {
				first = i
				break
			}
		}
		if first < 0 || len(vals)-1-first < 1 {
			continue
		}
		elapsed := ts[len(ts)-1].Sub(ts[first]).Seconds()
		fell := vals[first] - vals[len(vals)-1]
		rose := false
		for i := first + 1; i < len(vals); i++ {
			rose = rose || vals[i] > vals[i-1]
		}
		if !rose && elapsed > 0 && fell >= 0.9*elapsed {
			at := flatSince
			return Evidence{Source: collectors.SourcePrometheus, Fact: renewals.Name + " flat while " + exp.Name + " falls",
				Observed:  fmt.Sprintf("no renewal counted for %s, TTL down %s since", roundDur(flat), roundDur(time.Duration(fell)*time.Second)),
				Threshold: fmt.Sprintf("a renewal every %s (%s)", roundDur(interval), how), At: &at}, true
		}
	}
	return Evidence{}, false
}

// counterIncrease sums, over the series keep accepts, how much a counter
// grew across its 24 h history (resets counted as growth from zero).
func counterIncrease(m *collectors.Metric, keep func(map[string]string) bool) float64 {
	return counterGrowth(m, keep, false)
}

// counterGrowth is counterIncrease; with fromZero, a series that began
// within the history (after its first step: a process started, a pod
// restarted under a new name) counts its first value as growth from zero,
// as a counter that starts at zero with its process does.
func counterGrowth(m *collectors.Metric, keep func(map[string]string) bool, fromZero bool) float64 {
	total := 0.0
	for _, s := range m.Series {
		if !keep(s.Labels) {
			continue
		}
		_, vals := seriesPoints(m, s)
		if fromZero && bornInHistory(s, len(vals)) {
			vals = append([]float64{0}, vals...)
		}
		for i := 1; i < len(vals); i++ {
			if d := vals[i] - vals[i-1]; d > 0 {
				total += d
			} else if d < 0 {
				total += vals[i]
			}
		}
	}
	return total
}

// CounterGrowth is how much a counter's series grew across their 24 h
// history and current value (resets counted as growth from zero), and the
// time of the last step at which one moved (nil: none did): what the
// runbook reads of a counter, for a view of one tenant's series.
func CounterGrowth(m *collectors.Metric) (float64, *time.Time) {
	return counterIncrease(m, anySeries), lastIncrease(m, anySeries)
}

// seriesPoints is a series' history followed by its current value at the
// time it was read, when that is later than the history's last step.
func seriesPoints(m *collectors.Metric, s collectors.Series) ([]time.Time, []float64) {
	ts, vals := s.History.Points()
	if s.Value != nil && !m.At.IsZero() && (len(ts) == 0 || m.At.After(ts[len(ts)-1])) {
		ts, vals = append(ts, m.At), append(vals, *s.Value)
	}
	return ts, vals
}

// lastIncrease is the time of the last step at which a counter (over the
// series keep accepts) moved, or nil.
func lastIncrease(m *collectors.Metric, keep func(map[string]string) bool) *time.Time {
	// a fall is a reset, growth from zero: it moved only if it counted
	// something since (a failure counter back at 0 after a restart did not)
	return lastStep(m, keep, func(prev, cur float64) bool { return cur > prev || cur < prev && cur > 0 })
}

// lastIncreaseFromZero is lastIncrease where a series that began within the
// history moved from zero at its first sample (counterGrowth's fromZero):
// the counters of a pod restarted under a new name count from there.
func lastIncreaseFromZero(m *collectors.Metric, keep func(map[string]string) bool) *time.Time {
	last := lastIncrease(m, keep)
	for _, s := range m.Series {
		if !keep(s.Labels) {
			continue
		}
		ts, vals := seriesPoints(m, s)
		if bornInHistory(s, len(vals)) && vals[0] > 0 && (last == nil || ts[0].After(*last)) {
			at := ts[0]
			last = &at
		}
	}
	return last
}

// bornInHistory reports whether series s (with n points) began after its
// history's first step: it did not exist then, and its first sample is
// what it counted since it began.
func bornInHistory(s collectors.Series, n int) bool {
	h := s.History
	return n > 0 && h != nil && len(h.Values) > 1 && h.Values[0] == nil && h.Values[1] == nil
}

// anySeries keeps every series.
func anySeries(map[string]string) bool { return true }

// lastStep is the time of the last step at which moved(previous, value)
// holds in a series keep accepts, its current value included when it was
// read after the history's last step (a change in the last 5 minutes shows
// only there), or nil.
func lastStep(m *collectors.Metric, keep func(map[string]string) bool, moved func(prev, cur float64) bool) *time.Time {
	var last *time.Time
	for _, s := range m.Series {
		if !keep(s.Labels) {
			continue
		}
		ts, vals := seriesPoints(m, s)
		for i := 1; i < len(vals); i++ {
			if moved(vals[i-1], vals[i]) && (last == nil || ts[i].After(*last)) {
				at := ts[i]
				last = &at
			}
		}
	}
	return last
}

func (t *triage) cleanupFailing(ss symptoms) verdict {
	cj, why := t.cronJob(collectors.RoleCleanup)
	if why != "" {
		for _, id := range []SymptomID{SymCleanupJobFailed, SymDryRunLeftOn, SymTooManyVersionsLogged} {
			ss.unknown(id, why)
		}
	} else {
		dry, from := "", ""
		for _, e := range cj.Env {
			if e.Name == "DRY_RUN" {
				dry, from = e.Value, e.From
			}
		}
		switch {
		case isDryRun(cj.Env):
			ss.present(SymDryRunLeftOn, Evidence{Source: collectors.SourceKubernetes, Fact: "CronJob " + cj.Name + " env DRY_RUN", Observed: dry, Threshold: "false"})
		case from != "":
			ss.unknown(SymDryRunLeftOn, fmt.Sprintf("CronJob %s takes DRY_RUN from %s, whose value is not read", cj.Name, from))
		case dry == "" && len(cj.EnvFrom) > 0:
			ss.unknown(SymDryRunLeftOn, fmt.Sprintf("CronJob %s does not set DRY_RUN itself, and may take it from %s (envFrom), which is not read", cj.Name, strings.Join(cj.EnvFrom, ", ")))
		default:
			ss.absent(SymDryRunLeftOn, Evidence{Source: collectors.SourceKubernetes, Fact: "CronJob " + cj.Name + " env DRY_RUN", Observed: orDefault(dry, "unset")})
		}
		all, why := t.jobs(collectors.RoleCleanup)
		jobs := realRuns(all, cj)
		newest := newestFinished(jobs)
		gone := t.runGone(collectors.RoleCleanup, jobs) // read after why, which comes first
		switch {
		case why != "":
			ss.unknown(SymCleanupJobFailed, why)
			ss.unknown(SymTooManyVersionsLogged, why)
		case gone != "":
			ss.unknown(SymCleanupJobFailed, gone)
			ss.unknown(SymTooManyVersionsLogged, gone)
		case newest == nil && newestFinished(all) != nil:
			// only dry runs finished, and they succeeded: whether the
			// cleanup deletes is shown by none
			dry := "only dry runs (DRY_RUN=true on the Job) finished, the newest " + newestFinished(all).Name + ": they delete nothing, so whether the cleanup works is not shown until a real run"
			ss.unknown(SymCleanupJobFailed, dry)
			ss.unknown(SymTooManyVersionsLogged, dry)
		case newest == nil:
			ss.absent(SymCleanupJobFailed, Evidence{Source: collectors.SourceKubernetes, Fact: "cleanup Jobs", Observed: "none finished yet"})
			ss.absent(SymTooManyVersionsLogged)
		default:
			if later := t.laterSuccess(collectors.RoleCleanup, newest); later != "" {
				ss.absent(SymCleanupJobFailed, Evidence{Source: collectors.SourceKubernetes, Fact: "latest cleanup run", Observed: later})
			} else if newest.Outcome == collectors.OutcomeFailed {
				ss.present(SymCleanupJobFailed, jobEvidence(newest, "latest cleanup Job"))
			} else {
				ss.absent(SymCleanupJobFailed, jobEvidence(newest, "latest cleanup Job"))
			}
			if logHas(newest, "Too many versions") {
				ss.present(SymTooManyVersionsLogged, Evidence{Source: collectors.SourceKubernetes, Fact: "log of Job " + newest.Name, Observed: "\"Too many versions\""})
			} else if why := logUnsearched(newest); why != "" {
				ss.unknown(SymTooManyVersionsLogged, why)
			} else {
				ss.absent(SymTooManyVersionsLogged)
			}
		}
		// the orchestrator warns in its own log too (podphrases.go); a line
		// is past once a real cleanup run started after it and succeeded
		t.podLogSymptom(ss, SymTooManyVersionsLogged, phraseTooManyVersions, func(at *time.Time) string {
			if at == nil {
				return ""
			}
			for _, j := range jobs {
				if j.Outcome == collectors.OutcomeSucceeded && j.Started != nil && j.Started.After(*at) && !isDryRun(j.Env) {
					return fmt.Sprintf("cleanup Job %s, started %s after it, succeeded", j.Name, roundDur(j.Started.Sub(*at)))
				}
			}
			return ""
		})
		if why == "" {
			t.stuckJob(ss, jobs, SymCleanupJobFailed) // causes.go: a newer Job whose pods cannot run
		}
	}
	// versions growing: tenants whose live versions exceed the cleanup's
	// retention (from the ConfigMaps), shown as supporting evidence; they
	// are the finding's tenants, most versions first
	var growing []string
	limit, from, retentionWhy := t.cleanupRetention()
	threshold := fmt.Sprintf("%d versions", limit)
	if from != "" {
		threshold += ": " + from
	}
	if ts, why := t.tenants(); why != "" {
		ss.unknown(SymVersionsGrowing, why)
	} else if retentionWhy != "" {
		ss.unknown(SymVersionsGrowing, orDefault(t.tenantsUnread(), retentionWhy)) // none listed says more
	} else {
		var overT []collectors.Tenant
		for _, tn := range ts {
			if tn.Error == "" && tn.LiveVersions > limit {
				overT = append(overT, tn)
			}
		}
		// most versions first: the steps' tenant is the worst one
		sort.SliceStable(overT, func(i, j int) bool {
			if overT[i].LiveVersions != overT[j].LiveVersions {
				return overT[i].LiveVersions > overT[j].LiveVersions
			}
			return overT[i].ID < overT[j].ID
		})
		over := make([]string, len(overT))
		for i, tn := range overT {
			over[i] = tn.ID
		}
		if len(over) > 0 {
			ss.present(SymVersionsGrowing, Evidence{Source: collectors.SourceVault, Fact: "tenants over the cleanup retention",
				Observed: t.atLeast(len(over)) + ": " + listSome(over, 5), Threshold: threshold})
			growing = over
		} else if why := t.tenantsUnread(); why != "" {
			ss.unknown(SymVersionsGrowing, why)
		} else {
			ss.absent(SymVersionsGrowing, Evidence{Source: collectors.SourceVault, Fact: "tenants over the cleanup retention",
				Observed: fmt.Sprintf("0 of %d", len(ts)), Threshold: threshold})
		}
	}
	t.suspendedSymptom(ss, SymCleanupCronjobSuspended, collectors.RoleCleanup)
	v := decide(ss, []SymptomID{SymCleanupJobFailed, SymDryRunLeftOn}, []SymptomID{SymTooManyVersionsLogged, SymCleanupCronjobSuspended}, SeverityWarning)
	if v.status == StatusActive && ss.is(SymCleanupJobFailed, SymptomPresent) && ss.is(SymVersionsGrowing, SymptomPresent) {
		v.severity = SeverityCritical
	}
	v.tenants = growing
	return v
}

// cleanupRetention is the secrets retention found in the ConfigMaps
// (a key like retention.secrets.retentionVersions), else in the cleanup
// CronJob's environment (RETENTION_VERSIONS), else the configured CMEK
// retention, and where it came from ("" for the ConfigMaps). With the
// ConfigMaps not read and the CronJob setting none, the retention is
// unknown: why is said instead (the configured one may not be the
// cleanup's, and judging by it would find symptoms that are not there).
func (t *triage) cleanupRetention() (n int, from, why string) {
	if k := t.s.Kubernetes; k != nil {
		for _, r := range k.Retention {
			keys := make([]string, 0, len(r.Settings))
			for key := range r.Settings {
				keys = append(keys, key)
			}
			sort.Strings(keys)
			for _, key := range keys {
				lk := strings.ToLower(key)
				if strings.Contains(lk, "secret") && strings.HasSuffix(lk, "versions") {
					if _, err := fmt.Sscan(r.Settings[key], &n); err == nil && n > 0 {
						return n, "", ""
					}
				}
			}
		}
	}
	if cj, _ := t.cronJob(collectors.RoleCleanup); cj != nil {
		for _, e := range cj.Env {
			up := strings.ToUpper(e.Name)
			if e.From == "" && strings.Contains(up, "RETENTION") && strings.Contains(up, "VERSION") {
				if _, err := fmt.Sscan(e.Value, &n); err == nil && n > 0 {
					return n, "CronJob " + cj.Name + " env " + e.Name, ""
				}
			}
		}
	}
	unread := t.unreadable(collectors.SourceKubernetes)
	if unread == "" {
		unread = t.partProblem(collectors.SourceKubernetes, "configmaps")
	}
	if unread != "" {
		return 0, "", "the cleanup's retention is unknown: the ConfigMaps that set it were not read (" + unread + ") and the cleanup CronJob's environment sets none"
	}
	return t.s.Config.Vault.RetentionVersions, "vault.retentionVersions, none set in the ConfigMaps", ""
}

func (t *triage) retentionOverflow(ss symptoms) verdict {
	keep := t.s.Config.Vault.RetentionVersions
	var over, unlimited []string
	if ts, why := t.tenants(); why != "" {
		ss.unknown(SymTenantsOverRetention, why)
		ss.unknown(SymNoMaxVersions, why)
	} else {
		for _, tn := range ts {
			if tn.Error == "" && tn.LiveVersions > keep {
				over = append(over, tn.ID)
				if tn.MaxVersions == 0 || tn.MaxVersions > keep {
					unlimited = append(unlimited, tn.ID)
				}
			}
		}
		if len(over) > 0 {
			worst := ts[0]
			for _, tn := range ts {
				if tn.LiveVersions > worst.LiveVersions {
					worst = tn
				}
			}
			ss.present(SymTenantsOverRetention, Evidence{Source: collectors.SourceVault, Fact: "tenants over retention",
				Observed: fmt.Sprintf("%s (most: %s with %d live versions)", t.atLeast(len(over)), worst.ID, worst.LiveVersions), Threshold: fmt.Sprintf("%d versions", keep)})
		} else if why := t.tenantsUnread(); why != "" {
			ss.unknown(SymTenantsOverRetention, why)
		} else {
			ss.absent(SymTenantsOverRetention, Evidence{Source: collectors.SourceVault, Fact: "tenants over retention", Observed: fmt.Sprintf("0 of %d", len(ts)), Threshold: fmt.Sprintf("%d versions", keep)})
		}
		if len(unlimited) > 0 {
			ss.present(SymNoMaxVersions, Evidence{Source: collectors.SourceVault, Fact: "over-retention tenants without max_versions <= retention", Observed: listSome(unlimited, 8)})
		} else if why := t.tenantsUnread(); why != "" {
			ss.unknown(SymNoMaxVersions, why)
		} else {
			ss.absent(SymNoMaxVersions)
		}
	}
	if jobs, why := t.jobs(collectors.RoleRotation); why != "" {
		ss.unknown(SymVersionLimitLogged, why)
	} else {
		found := false
		for i := range jobs {
			if logHas(&jobs[i], "Version limit exceeded") {
				found = true
				ss.present(SymVersionLimitLogged, Evidence{Source: collectors.SourceKubernetes, Fact: "log of Job " + jobs[i].Name, Observed: "\"Version limit exceeded\""})
				break
			}
		}
		if last := newestFinished(jobs); !found && last != nil && logUnsearched(last) != "" {
			ss.unknown(SymVersionLimitLogged, logUnsearched(last))
		} else if !found {
			ss.absent(SymVersionLimitLogged)
		}
	}
	// the orchestrator warns in its own log too (podphrases.go); a line is
	// past once no tenant is over retention
	t.podLogSymptom(ss, SymVersionLimitLogged, phraseVersionLimit, func(*time.Time) string {
		if ts, why := t.tenants(); why == "" && t.tenantsUnread() == "" && len(over) == 0 {
			return fmt.Sprintf("no tenant is over retention now, 0 of %d", len(ts))
		}
		return ""
	})
	v := decide(ss, []SymptomID{SymTenantsOverRetention}, []SymptomID{SymVersionLimitLogged}, SeverityWarning)
	v.tenants = over
	return t.keyLossVerdict(ss, v) // keystate.go: "Encryption key not found"
}

func (t *triage) batchTimeout(ss symptoms) verdict {
	jobs, why := t.runs(collectors.RoleRotation)
	if why != "" {
		for _, id := range []SymptomID{SymDeadlineExceeded, SymPartialCoverage, SymPodKilled} {
			ss.unknown(id, why)
		}
		return verdict{status: StatusUnknown}
	}
	newest := newestFinished(jobs)
	if gone := t.runGone(collectors.RoleRotation, jobs); gone != "" {
		for _, id := range []SymptomID{SymDeadlineExceeded, SymPartialCoverage, SymPodKilled} {
			ss.unknown(id, gone)
		}
		return verdict{status: StatusUnknown}
	}
	if newest == nil {
		ss.absent(SymDeadlineExceeded, Evidence{Source: collectors.SourceKubernetes, Fact: "rotation Jobs", Observed: "none finished yet"})
		ss.absent(SymPartialCoverage)
		ss.absent(SymPodKilled)
		return verdict{status: StatusClear, severity: SeverityNone}
	}
	if later := t.laterSuccess(collectors.RoleRotation, newest); later != "" {
		ss.absent(SymDeadlineExceeded, Evidence{Source: collectors.SourceKubernetes, Fact: "latest rotation run", Observed: later})
		ss.absent(SymPartialCoverage)
		ss.absent(SymPodKilled)
		return verdict{status: StatusClear, severity: SeverityNone}
	}
	if newest.Reason == "DeadlineExceeded" && !timedOut(newest, t.now) { // causes.go
		ss.absent(SymDeadlineExceeded, jobEvidence(newest, "latest rotation Job hit its deadline, but its pods never ran (that is Scenario 1)"))
		ss.absent(SymPartialCoverage)
		ss.absent(SymPodKilled)
		return verdict{status: StatusClear, severity: SeverityNone}
	}
	var tenants []string
	stillShort := false
	shortEv, short, raisedUntold := t.deadlineStillShort(jobs)
	if newest.Reason == "DeadlineExceeded" {
		e := jobEvidence(newest, "latest rotation Job")
		if newest.ActiveDeadlineSeconds != nil {
			e.Threshold = fmt.Sprintf("activeDeadlineSeconds %d", *newest.ActiveDeadlineSeconds)
		}
		ss.present(SymDeadlineExceeded, e)
		// coverage: tenants with an audit event since the run started
		if why := t.runOutsideAuditWindow(newest); why != "" { // window.go: Vault's version times instead
			tenants = append(tenants, t.coverageFromVault(ss, newest, why)...)
		} else if a, why := t.audit(); why != "" {
			ss.unknown(SymPartialCoverage, why)
		} else if newest.Started != nil {
			all := t.allTenants(a)
			reached, events := t.reachedInRun(a, newest)
			gap := t.logGap(collectors.LogRoleSecurity)
			switch {
			case len(reached) == 0 && !events:
				ss.unknown(SymPartialCoverage, "no audit event since run "+newest.Name+" started, so the audit log cannot tell which tenants it reached (see Scenario 6)")
			case len(all) > 0 && len(reached) < len(all) && gap != "":
				ss.unknown(SymPartialCoverage, fmt.Sprintf("%d of %d tenants have a rotation event in run %s, but the rest may be in the logs not read: %s", len(reached), len(all), newest.Name, gap))
			case len(all) > 0 && len(reached) < len(all):
				for _, id := range all {
					if !slices.Contains(reached, id) {
						tenants = append(tenants, id)
					}
				}
				ss.present(SymPartialCoverage, Evidence{Source: collectors.SourceLogs, Fact: "tenants with a rotation event in run " + newest.Name,
					Observed: fmt.Sprintf("%d of %d", len(reached), len(all)), Threshold: fmt.Sprintf("%d", len(all))})
			default:
				ss.absent(SymPartialCoverage, Evidence{Source: collectors.SourceLogs, Fact: "tenants with a rotation event in run " + newest.Name, Observed: fmt.Sprintf("%d of %d", len(reached), len(all))})
			}
		} else {
			ss.unknown(SymPartialCoverage, "the Job has no start time")
		}
	} else if short {
		// a later, shorter run (the missed tenants only, say) does not clear
		// a scheduled run killed at its deadline: the cause is gone only
		// when the CronJob's deadline covers a full run
		stillShort = true
		ss.present(SymDeadlineExceeded, shortEv)
		ss.absent(SymPartialCoverage)
	} else {
		obs := "Job " + newest.Name + " " + newest.Outcome
		th := ""
		if newest.Started != nil && newest.Finished != nil && newest.ActiveDeadlineSeconds != nil {
			took := newest.Finished.Sub(*newest.Started)
			dl := time.Duration(*newest.ActiveDeadlineSeconds) * time.Second
			obs = fmt.Sprintf("Job %s took %s", newest.Name, roundDur(took))
			th = "deadline " + roundDur(dl)
			if took > dl*8/10 {
				ss.present(SymDeadlineExceeded, Evidence{Source: collectors.SourceKubernetes, Fact: "latest rotation run close to its deadline", Observed: obs, Threshold: th})
			}
		}
		if !ss.is(SymDeadlineExceeded, SymptomPresent) {
			ss.absent(SymDeadlineExceeded, Evidence{Source: collectors.SourceKubernetes, Fact: "latest rotation Job", Observed: obs, Threshold: th})
			if r := ss[SymDeadlineExceeded]; raisedUntold != "" {
				r.State, r.Reason = SymptomUnknown, raisedUntold
			}
		}
		tenants = append(tenants, t.coverageOfEndedRun(ss, jobs, newest)...)
	}
	killed := false
	for _, p := range newest.Pods {
		for _, c := range p.Containers {
			// killed by a signal; one for memory is its own cause, Scenario 1's (causes.go)
			if c.ExitCode != nil && (*c.ExitCode == 137 || *c.ExitCode == 143) && !c.OOMKilled {
				killed = true
				ss.present(SymPodKilled, Evidence{Source: collectors.SourceKubernetes, Fact: "pod " + p.Name, Observed: fmt.Sprintf("container %s exit %d %s", c.Name, derefI(c.ExitCode), c.Reason)})
			}
		}
	}
	if !killed && logHas(newest, "SIGTERM") {
		killed = true
		ss.present(SymPodKilled, Evidence{Source: collectors.SourceKubernetes, Fact: "log of Job " + newest.Name, Observed: "SIGTERM received mid-rotation"})
	}
	if why := logUnsearched(newest); !killed && len(newest.Pods) == 0 && why != "" {
		ss.unknown(SymPodKilled, "no pod of Job "+newest.Name+" is left, and "+why)
	} else if !killed {
		ss.absent(SymPodKilled)
	}
	var v verdict
	switch {
	case newest.Reason == "DeadlineExceeded" || stillShort:
		v = verdict{status: StatusActive, severity: SeverityCritical}
	case ss.is(SymDeadlineExceeded, SymptomPresent), killed:
		v = verdict{status: StatusSuspected, severity: SeverityWarning}
	case ss.is(SymPartialCoverage, SymptomPresent):
		// only some tenants rotated, though no deadline cut the run
		v = verdict{status: StatusSuspected, severity: SeverityWarning}
	default:
		v = verdict{status: StatusClear, severity: SeverityNone}
	}
	v.tenants = tenants
	return v
}

// deadlineStillShort finds the newest scheduled rotation run that was
// killed at its deadline while running (no scheduled run succeeded since)
// and says whether the CronJob's deadline still does not cover a full run:
// the killed run's time scaled by the share of tenants it reached. When
// that share is unknown (its audit events gone with the pods that logged
// them, its key versions no longer current), only a deadline no longer
// than the killed run's is known to be short; one under twice the killed
// run's is untold (why says so, for the next scheduled run to tell), and
// one at least twice it (the runbook raises 600 to 1800) is taken to
// cover a full run.
func (t *triage) deadlineStillShort(jobs []collectors.Job) (ev Evidence, short bool, untold string) {
	var last *collectors.Job
	for i := range jobs { // newest first
		j := &jobs[i]
		if !j.Manual && (j.Outcome == collectors.OutcomeSucceeded || j.Outcome == collectors.OutcomeFailed) {
			last = j
			break
		}
	}
	if last == nil || !timedOut(last, t.now) || last.Started == nil || last.Finished == nil {
		return Evidence{}, false, ""
	}
	cj, why := t.cronJob(collectors.RoleRotation)
	if why != "" || cj.ActiveDeadlineSeconds == nil {
		return Evidence{}, false, "" // no deadline any more, or cannot tell (its symptom says so elsewhere)
	}
	ran := last.Finished.Sub(*last.Started)
	if last.ActiveDeadlineSeconds != nil {
		ran = time.Duration(*last.ActiveDeadlineSeconds) * time.Second
	}
	need, how, paced := ran+time.Second, "more than the killed run had", false
	if a, why := t.audit(); why == "" {
		all := t.allTenants(a)
		if reached, _ := t.reachedInRun(a, last); len(reached) > 0 && len(all) > len(reached) {
			need = time.Duration(float64(ran) * float64(len(all)) / float64(len(reached)))
			how = fmt.Sprintf("%d tenants at the pace of %d in %s", len(all), len(reached), roundDur(ran))
			paced = true
		}
	}
	have := time.Duration(*cj.ActiveDeadlineSeconds) * time.Second
	if have >= need {
		if !paced && have < 2*ran {
			return Evidence{}, false, fmt.Sprintf("the last scheduled run %s was killed at its deadline %s and CronJob %s now gives %s: whether that covers a full run cannot be told (how many tenants the killed run reached is not read: its audit events are not in the log, its key versions are no longer current), and less than twice the killed run's is not taken for enough; the next scheduled run tells",
				last.Name, roundDur(ran), cj.Name, roundDur(have))
		}
		return Evidence{}, false, ""
	}
	at := *last.Finished
	return Evidence{Source: collectors.SourceKubernetes, Fact: "last scheduled run " + last.Name + " killed at its deadline; no scheduled run succeeded since",
		Observed:  fmt.Sprintf("CronJob %s activeDeadlineSeconds %d (%s), a full run needs about %s (%s)", cj.Name, *cj.ActiveDeadlineSeconds, roundDur(have), roundDur(need), how),
		Threshold: fmt.Sprintf("activeDeadlineSeconds >= %d", int64(need.Seconds()+0.5)), At: &at}, true, ""
}

// coverageOfEndedRun judges "only some tenants rotated" for a newest run
// that ended on its own, within its deadline: it was not cut short, so the
// symptom is absent, with the tenants it rotated as evidence — unless the
// last scheduled run was killed at its deadline and this run (a manual
// one, after the deadline was raised) did not rotate every tenant (the
// rest failed fast, Scenario 1's): a run whose tenants failed says nothing
// of how long a full rotation takes, so whether the batch now fits its
// deadline is unknown until a run rotates them all.
func (t *triage) coverageOfEndedRun(ss symptoms, jobs []collectors.Job, newest *collectors.Job) []string {
	ended := fmt.Sprintf("Job %s ended on its own (%s) within its deadline: not cut short", newest.Name, orDefault(newest.Reason, newest.Outcome))
	var killed *collectors.Job
	for i := range jobs { // newest first: the last scheduled run that finished
		if j := &jobs[i]; !j.Manual && (j.Outcome == collectors.OutcomeSucceeded || j.Outcome == collectors.OutcomeFailed) {
			if j != newest && timedOut(j, t.now) {
				killed = j
			}
			break
		}
	}
	a, why := t.audit()
	if why != "" || newest.Started == nil {
		if killed != nil && newest.Outcome != collectors.OutcomeSucceeded {
			ss.unknown(SymPartialCoverage, fmt.Sprintf("scheduled run %s was killed at its deadline, and %s, but which tenants it rotated cannot be read (%s): whether a full rotation fits the deadline is not shown yet", killed.Name, ended, orDefault(why, "the Job has no start time")))
			return nil
		}
		if newest.Started == nil {
			ss.absent(SymPartialCoverage, Evidence{Source: collectors.SourceKubernetes, Fact: "latest rotation run", Observed: ended})
			return nil
		}
		a = &auditlog.Summary{} // the audit log unread: Vault's version times alone say whom it reached
	}
	all := t.allTenants(a)
	reached, _ := t.reachedInRun(a, newest)
	if killed != nil && newest.Outcome != collectors.OutcomeSucceeded && len(reached) < len(all) {
		ss.unknown(SymPartialCoverage, fmt.Sprintf("scheduled run %s was killed at its deadline; %s, but it rotated %d of %d tenants (the others failed, or it never came to them), so how long a full rotation takes, and whether it fits the deadline now, is not shown until a run rotates them all", killed.Name, ended, len(reached), len(all)))
		return nil
	}
	obs := ended
	if len(all) > 0 {
		obs += fmt.Sprintf("; %d of %d tenants rotated in it", len(reached), len(all))
	}
	var prev []string // reached by the batch run before it: a run of the rest
	for i := range jobs {
		if j := &jobs[i]; j != newest && j.Started != nil && j.Started.Before(*newest.Started) {
			prev, _ = t.reachedInRun(a, j)
			break
		}
	}
	failed, untried, since, unseen := t.missedInRun(a, newest, all, append(prev, reached...))
	if len(failed) > 0 {
		obs += fmt.Sprintf(" (%d failed: Scenario 1)", len(failed))
	}
	if len(since) > 0 {
		obs += fmt.Sprintf("; %d rotated since, by a later run (whether this one rotated them the evidence no longer shows)", len(since))
	}
	if len(untried) > 0 {
		// a run that ended on its own but never came to them (its tenant
		// list is stale, say): they are not rotated, and nothing says why
		ss.present(SymPartialCoverage, Evidence{Source: collectors.SourceKubernetes, Fact: "latest rotation run", Observed: obs},
			Evidence{Source: collectors.SourceLogs, Fact: "tenants run " + newest.Name + " neither rotated nor logged failing (audit events, its Job log, Vault's version times)",
				Observed: fmt.Sprintf("%d: %s", len(untried), listSome(untried, 5)), Threshold: "0"})
		return untried
	}
	if len(unseen) > 0 {
		ss.unknown(SymPartialCoverage, fmt.Sprintf("%s; %d tenant(s) whose key versions could not be read (%s) and of which the run logged nothing: whether it rotated them cannot be told", obs, len(unseen), listSome(unseen, 5)))
		return nil
	}
	if _, why := t.tenants(); why != "" {
		// the tenants are the audit log's, which the run's own list made:
		// those it never came to are only in Vault
		ss.unknown(SymPartialCoverage, obs+"; but which tenants Vault holds is unknown ("+why+"), so tenants the run never came to cannot be told")
		return nil
	}
	ss.absent(SymPartialCoverage, Evidence{Source: collectors.SourceKubernetes, Fact: "latest rotation run", Observed: obs})
	return nil
}

// missedInRun splits the tenants a run did not rotate (all less reached:
// those it rotated, and those the batch run before it rotated, which a run
// of the rest leaves out by design) into those it failed (a failure audit
// event dated within it, or its Job log naming them) and those it never
// came to; a tenant whose every live key version is newer than the run's
// start did not exist for it. since are the tenants rotated after the run
// ended (a manual run, another CronJob's): their newest success and key
// version are the later run's, so whether this one rotated them cannot be
// read, and they are rotated now: not missed.
func (t *triage) missedInRun(a *auditlog.Summary, j *collectors.Job, all, reached []string) (failed, untried, since, unseen []string) {
	start, end, vend := *j.Started, t.now, t.now
	if j.Finished != nil {
		end, vend = j.Finished.Add(time.Minute), j.Finished.Add(time.Second)
	}
	named, _ := failedTenantsInLog(j)
	created := map[string]*time.Time{}
	current := map[string]*time.Time{}
	unread, keyless := map[string]bool{}, map[string]bool{}
	if ts, why := t.tenants(); why == "" {
		for _, tn := range ts {
			created[tn.ID] = tn.OldestCreated
			if tn.Error == "" {
				current[tn.ID] = tn.CurrentCreated
			}
			// its key versions not read (denied, a 500), or no key at
			// the path (a tenant being onboarded, a key elsewhere): Vault
			// cannot date a rotation of it, which is not its absence
			unread[tn.ID] = tn.Error != "" && !tn.Missing
			keyless[tn.ID] = tn.Missing
		}
	}
	for _, id := range all {
		if slices.Contains(reached, id) {
			continue
		}
		ts := a.Tenants[id]
		switch {
		case ts.LastFailure != nil && !ts.LastFailure.Before(start) && !ts.LastFailure.After(end), slices.Contains(named, id):
			failed = append(failed, id)
		case created[id] != nil && created[id].After(start):
			// created since the run began: not the run's to rotate
		case (ts.LastSuccess != nil && ts.LastSuccess.After(end)) || (current[id] != nil && !current[id].Before(vend)):
			since = append(since, id)
		case keyless[id]:
			// no key to rotate: its compliance finding says so
		case unread[id]:
			unseen = append(unseen, id)
		default:
			untried = append(untried, id)
		}
	}
	return failed, untried, since, unseen
}

// reachedInRun returns the tenants a run reached — a successful rotation
// event, or a new Vault key version, dated within the run (a "started"
// event with its outcome pending is not a rotation) — and whether any audit
// event at all is dated since the run started.
func (t *triage) reachedInRun(a *auditlog.Summary, j *collectors.Job) ([]string, bool) {
	start, end, vend := *j.Started, t.now, t.now
	if j.Finished != nil {
		end = j.Finished.Add(time.Minute) // the last events of a run may be stamped just after its end
		// Vault wrote the run's versions before the Job ended (its
		// completionTime is to the second): a later one is not the run's
		vend = j.Finished.Add(time.Second)
	}
	within := func(at *time.Time) bool { return at != nil && !at.Before(start) && !at.After(end) }
	set := map[string]bool{}
	events := false
	for id, ts := range a.Tenants {
		if ts.LastEvent != nil && !ts.LastEvent.Before(start) {
			events = true
		}
		if within(ts.LastSuccess) {
			set[id] = true
		}
	}
	if ts, why := t.tenants(); why == "" {
		for _, tn := range ts {
			if tn.Error == "" && tn.CurrentCreated != nil && !tn.CurrentCreated.Before(start) && tn.CurrentCreated.Before(vend) {
				set[tn.ID] = true
				events = true
			}
		}
	}
	out := make([]string, 0, len(set))
	for id := range set {
		out = append(out, id)
	}
	sort.Strings(out)
	return out, events
}

func derefI(p *int32) int32 {
	if p == nil {
		return 0
	}
	return *p
}

// allTenants is every tenant known: Vault's list when it was read, else the
// tenants seen in the audit log.
func (t *triage) allTenants(a *auditlog.Summary) []string {
	var out []string
	if ts, why := t.tenants(); why == "" && len(ts) > 0 {
		for _, tn := range ts {
			out = append(out, tn.ID)
		}
		return out
	}
	for id := range a.Tenants {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

func (t *triage) auditMissing(ss symptoms) verdict {
	dep := (*collectors.Deployment)(nil)
	if r := t.unreadable(collectors.SourceKubernetes); r != "" {
		ss.unknown(SymAuditDisabled, r)
	} else if dep = t.s.Kubernetes.Orchestrator; dep == nil || dep.Error != "" {
		ss.unknown(SymAuditDisabled, orDefault(t.partProblem(collectors.SourceKubernetes, "deployment"), "the orchestrator Deployment was not read"))
	} else if !dep.Found {
		ss.unknown(SymAuditDisabled, fmt.Sprintf("Deployment %s not found in %s", dep.Name, t.s.Namespace))
	} else {
		val, set, from := "unset", false, ""
		for _, e := range dep.Env {
			if e.Name == "AUDIT_ENABLED" {
				val, set, from = e.Value, true, e.From
				if from != "" {
					val = "from " + from
				}
			}
		}
		switch {
		case dep.AuditEnabled != nil && !*dep.AuditEnabled:
			ss.present(SymAuditDisabled, Evidence{Source: collectors.SourceKubernetes, Fact: "Deployment " + dep.Name + " env AUDIT_ENABLED", Observed: val, Threshold: "true"})
		case from != "":
			ss.unknown(SymAuditDisabled, fmt.Sprintf("Deployment %s takes AUDIT_ENABLED from %s, whose value is not read", dep.Name, from))
		case set && dep.AuditEnabled == nil:
			ss.unknown(SymAuditDisabled, fmt.Sprintf("Deployment %s sets AUDIT_ENABLED=%q: whether the orchestrator reads that as on is its own (only \"true\" and \"false\" are judged; set it to \"true\")", dep.Name, val))
		case !set && len(dep.EnvFrom) > 0:
			ss.unknown(SymAuditDisabled, fmt.Sprintf("Deployment %s does not set AUDIT_ENABLED itself, and may take it from %s (envFrom), which is not read", dep.Name, strings.Join(dep.EnvFrom, ", ")))
		case !set:
			// the orchestrator's own default decides: shown only by the
			// events it writes
			if a, why := t.audit(); why == "" && a.Events > 0 {
				ss.absent(SymAuditDisabled, Evidence{Source: collectors.SourceKubernetes, Fact: "Deployment " + dep.Name + " env AUDIT_ENABLED",
					Observed: fmt.Sprintf("unset, and the pods write audit events (%d read)", a.Events)})
			} else {
				ss.unknown(SymAuditDisabled, fmt.Sprintf("Deployment %s does not set AUDIT_ENABLED: the orchestrator's default decides, which the tool cannot read, and no audit event was read to show it on", dep.Name))
			}
		default:
			ss.absent(SymAuditDisabled, Evidence{Source: collectors.SourceKubernetes, Fact: "Deployment " + dep.Name + " env AUDIT_ENABLED", Observed: val})
		}
	}

	a, awhy := t.audit()
	gap := t.logGap(collectors.LogRoleSecurity)
	since := t.now.Add(-recentWindow)
	// rotations in the last day: counted in Prometheus, or a rotation Job
	// that finished (successfully) in the window
	rotated, rotSrc, rotWhy, rotStale := 0.0, "", []string{}, ""
	if m, why := t.metric("rotations"); why == "" && len(m.Series) > 0 {
		rotated, rotSrc = counterIncrease(m, func(map[string]string) bool { return true }), collectors.SourcePrometheus
		rotStale = t.metricStaleNow(m) // freshness.go: a counter that stopped is no count of rotations since
		if short, _ := t.historyShort(); rotStale == "" && rotated == 0 && short != "" {
			rotStale = short // no increase in a history that begins late is no "none"
		}
	} else if why != "" {
		rotWhy = append(rotWhy, why)
	} else {
		rotWhy = append(rotWhy, "prometheus: no "+m.Name+" series")
	}
	var lastOK *collectors.Job
	jobsWhy := ""
	if jobs, why := t.jobs(collectors.RoleRotation); why == "" {
		for i := range jobs {
			if jobs[i].Outcome == collectors.OutcomeSucceeded && jobs[i].Finished != nil {
				lastOK = &jobs[i]
				break
			}
		}
		if (rotSrc == "" || rotated == 0) && lastOK != nil && lastOK.Finished.After(since) {
			rotated, rotSrc = 1, collectors.SourceKubernetes
		}
	} else {
		rotWhy, jobsWhy = append(rotWhy, why), why
	}
	switch {
	case awhy != "":
		ss.unknown(SymRotationsWithoutAudit, awhy)
		ss.unknown(SymMissingRotationEvents, awhy)
	default:
		recentEvents := a.LastEvent != nil && a.LastEvent.After(since)
		switch {
		case rotSrc == "":
			ss.unknown(SymRotationsWithoutAudit, "no rotation count: "+strings.Join(rotWhy, "; "))
		case rotated > 0 && !recentEvents && gap != "":
			ss.unknown(SymRotationsWithoutAudit, fmt.Sprintf("%g rotations counted in the last 26h and no audit event read for them, but %s", rotated, gap))
		case rotated > 0 && t.auditWindowBeganAfter(since):
			// window.go: the log begins within the day (pods replaced): only
			// the rotations inside it can be held against its events, and
			// events inside it say nothing of the rotations before it
			t.rotationsInAuditWindow(ss, rotated, lastOK)
		case rotated == 0 && !recentEvents && rotStale != "":
			ss.unknown(SymRotationsWithoutAudit, "no audit event in the last 26h and no rotation counted, but "+rotStale+": rotations since then are not counted")
		case rotated > 0 && !recentEvents:
			last := "never"
			if a.LastEvent != nil {
				last = ago(t.now, *a.LastEvent)
			}
			ss.present(SymRotationsWithoutAudit, Evidence{Source: rotSrc, Fact: "rotations in the last 26h without audit events",
				Observed: fmt.Sprintf("%g rotations counted; last audit event %s", rotated, last), Threshold: "an audit event per rotation"})
		default:
			ss.absent(SymRotationsWithoutAudit, Evidence{Source: collectors.SourceLogs, Fact: "audit events in the last 26h", Observed: fmt.Sprint(recentEvents)})
		}
		if why := t.runOutsideAuditWindow(lastOK); why != "" {
			// events read after the window began are of other runs
			ss.unknown(SymMissingRotationEvents, why+": its events may have been written and be gone") // window.go
		} else if gap != "" && lastOK != nil && lastOK.Started != nil && (a.LastEvent == nil || a.LastEvent.Before(*lastOK.Started)) {
			ss.unknown(SymMissingRotationEvents, "no audit event read for the successful run "+lastOK.Name+", but "+gap)
		} else if lastOK != nil && lastOK.Started != nil && (a.LastEvent == nil || a.LastEvent.Before(*lastOK.Started)) {
			ss.present(SymMissingRotationEvents, Evidence{Source: collectors.SourceLogs, Fact: "audit events for the successful run " + lastOK.Name, Observed: "none"})
		} else if lastOK == nil && jobsWhy != "" && !recentEvents {
			ss.unknown(SymMissingRotationEvents, "no audit event in the last 26h, and which run to look for is unknown: "+jobsWhy)
		} else {
			ss.absent(SymMissingRotationEvents)
		}
	}
	return decide(ss, []SymptomID{SymRotationsWithoutAudit, SymAuditDisabled}, []SymptomID{SymMissingRotationEvents}, SeverityCritical)
}

// --- alerts, compliance, facts ---------------------------------------------

func (t *triage) alerts() []AlertFinding {
	out := []AlertFinding{}
	if t.s.Prometheus == nil {
		return out
	}
	names := map[string]string{
		t.s.Config.Prometheus.Alerts.RotationFailed:    "rotationFailed",
		t.s.Config.Prometheus.Alerts.TokenExpiringSoon: "tokenExpiringSoon",
		t.s.Config.Prometheus.Alerts.VersionOverflow:   "versionOverflow",
		t.s.Config.Prometheus.Alerts.AuditLogMissing:   "auditLogMissing",
	}
	for _, a := range t.s.Prometheus.Alerts {
		role := names[a.Name]
		af := AlertFinding{Name: a.Name, Role: role, State: a.State, Labels: a.Labels, ActiveAt: a.ActiveAt, Summary: a.Annotations["summary"]}
		for _, l := range t.book.RelatedAlerts {
			if l.Role == role {
				af.Scenario = l.Scenario
			}
		}
		out = append(out, af)
	}
	return out
}

// RotationInterval is the rotation policy interval: the configured one, or
// the time between two consecutive runs of the rotation CronJob's schedule
// after at. It returns the source, or why it is unknown.
func RotationInterval(s *collectors.Snapshot, at time.Time) (time.Duration, string, error) {
	if d := s.Config.Thresholds.RotationInterval.Duration(); d > 0 {
		return d, "config thresholds.rotationInterval", nil
	}
	t := &triage{s: s, now: at}
	cj, why := t.cronJob(collectors.RoleRotation)
	if why != "" {
		return 0, "", fmt.Errorf("%s; set thresholds.rotationInterval in the config", why)
	}
	d, err := scheduleInterval(cj.Schedule, cj.TimeZone, at)
	if err != nil {
		return 0, "", err
	}
	return d, fmt.Sprintf("CronJob %s schedule %q", cj.Name, cj.Schedule), nil
}

// failedAccessUnknown begins the compliance unknown of tenants whose
// latest rotation's outcome the audit log lost (failureMaybeLost).
const failedAccessUnknown = "failed access:"

func (t *triage) compliance() Compliance {
	c := Compliance{OverdueDays: t.s.Config.Thresholds.OverdueDays, Findings: []ComplianceFinding{}}
	interval, src, err := RotationInterval(t.s, t.now)
	if err != nil {
		c.IntervalSource = "unknown"
		c.Unknown = append(c.Unknown, "rotation interval: "+err.Error())
	} else {
		c.Interval, c.IntervalSource = collectors.Duration(interval), src
	}
	ts, twhy := t.tenants()
	a, awhy := t.audit()
	if twhy != "" {
		c.Unknown = append(c.Unknown, "tenant key versions: "+twhy)
	} else if why := t.tenantsUnread(); why != "" {
		c.Unknown = append(c.Unknown, "tenant key versions: "+why)
	}
	if awhy != "" {
		c.Unknown = append(c.Unknown, "audit events: "+awhy)
	} else if gap := t.logGap(collectors.LogRoleSecurity); gap != "" {
		// a tenant whose failure was not read is no tenant without one
		c.Unknown = append(c.Unknown, "audit events: "+gap)
	}
	type tenantInfo struct {
		vault *collectors.Tenant
		audit *auditlog.TenantSummary
	}
	all := map[string]*tenantInfo{}
	for i := range ts {
		all[ts[i].ID] = &tenantInfo{vault: &ts[i]}
	}
	if a != nil {
		for id, s := range a.Tenants {
			s := s
			if all[id] == nil {
				all[id] = &tenantInfo{}
			}
			all[id].audit = &s
		}
	}
	ids := make([]string, 0, len(all))
	for id := range all {
		ids = append(ids, id)
	}
	keep := t.s.Config.Vault.RetentionVersions
	overdueAfter := interval + time.Duration(c.OverdueDays)*24*time.Hour
	jobFailing := map[string]bool{}
	jf, runJob := t.jobLogFailing()
	for _, id := range jf {
		jobFailing[id] = true
		if all[id] == nil {
			all[id] = &tenantInfo{}
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	c.TenantsChecked = len(ids)
	var lost []string // tenants whose latest outcome the audit log lost
	lostWhy := ""
	for _, id := range ids {
		info := all[id]
		var last *time.Time
		var ev []Evidence
		if v := info.vault; v != nil && v.CurrentCreated != nil {
			at := *v.CurrentCreated
			last = &at
			ev = append(ev, Evidence{Source: collectors.SourceVault, Fact: "current key version " + fmt.Sprint(v.CurrentVersion) + " created", Observed: fmtTime(at), At: &at})
		}
		if au := info.audit; au != nil && au.LastSuccess != nil {
			at := *au.LastSuccess
			ev = append(ev, Evidence{Source: collectors.SourceLogs, Fact: "last successful rotation event", Observed: fmtTime(at), At: &at})
			if last == nil || at.After(*last) {
				last = &at
			}
		}
		switch {
		case last != nil && last.After(t.now.Add(5*time.Minute)):
			c.Findings = append(c.Findings, ComplianceFinding{Tenant: id, Kind: ComplianceClockSkew, Severity: SeverityWarning, LastRotation: last, Evidence: ev,
				Detail: fmt.Sprintf("last rotation is dated %s, after the time of judgement %s: a clock is wrong", fmtTime(*last), fmtTime(t.now))})
		case last == nil && info.vault != nil && info.vault.Error == "":
			c.Findings = append(c.Findings, ComplianceFinding{Tenant: id, Kind: ComplianceNeverRotated, Severity: SeverityWarning, Evidence: ev,
				Detail: "no key version or rotation event with a time"})
		case last != nil && err == nil && t.now.Sub(*last) > overdueAfter:
			late := t.now.Sub(*last) - interval
			c.Findings = append(c.Findings, ComplianceFinding{Tenant: id, Kind: ComplianceOverdue, Severity: SeverityCritical, LastRotation: last, Evidence: ev,
				Detail: fmt.Sprintf("last rotated %s, %s beyond the %s policy interval (limit %d days): report to compliance", ago(t.now, *last), roundDur(late), roundDur(interval), c.OverdueDays)})
		}
		if v := info.vault; v != nil && v.Error == "" && v.LiveVersions > keep {
			c.Findings = append(c.Findings, ComplianceFinding{Tenant: id, Kind: ComplianceOverRetention, Severity: SeverityWarning, LastRotation: last,
				Detail:   fmt.Sprintf("%d live key versions, retention %d (max_versions %d)", v.LiveVersions, keep, v.MaxVersions),
				Evidence: []Evidence{{Source: collectors.SourceVault, Fact: "live versions", Observed: fmt.Sprint(v.LiveVersions), Threshold: fmt.Sprint(keep)}}})
		}
		switch au := info.audit; {
		case au != nil && au.LastFailure != nil && (au.LastSuccess == nil || au.LastFailure.After(*au.LastSuccess)) && t.rotatedSince(id, *au.LastFailure) == "":
			// (the same rule as Scenario 1's: a rotation after the failure
			// recovers it)
			at := *au.LastFailure
			c.Findings = append(c.Findings, ComplianceFinding{Tenant: id, Kind: ComplianceFailedAccess, Severity: SeverityWarning, LastRotation: last,
				Detail:   fmt.Sprintf("latest rotation failed %s: %s", ago(t.now, at), orDefault(au.LastFailureReason, "no reason logged")),
				Evidence: []Evidence{{Source: collectors.SourceLogs, Fact: "last failed rotation event", Observed: au.LastFailureReason, At: &at}}})
		case jobFailing[id] && runJob != nil:
			// the run's own log names it, and no success since: the
			// same rule as Scenario 1's "tenants whose latest rotation failed"
			at := jobEnd(runJob)
			c.Findings = append(c.Findings, ComplianceFinding{Tenant: id, Kind: ComplianceFailedAccess, Severity: SeverityWarning, LastRotation: last,
				Detail:   fmt.Sprintf("latest rotation failed %s: rotation Job %s logged \"Failed to rotate key for tenant %s\"", ago(t.now, at), runJob.Name, id),
				Evidence: []Evidence{{Source: collectors.SourceKubernetes, Fact: "log of Job " + runJob.Name, Observed: "\"Failed to rotate key for tenant " + id + "\"", At: &at}}})
		case awhy == "":
			// no failure read: none, unless the audit log lost what a
			// run since its last rotation logged for it (window.go)
			if why := t.failureMaybeLost(last); why != "" {
				lost = append(lost, id)
				lostWhy = orDefault(lostWhy, why)
			}
		}
	}
	if len(lost) > 0 {
		c.Unknown = append(c.Unknown, fmt.Sprintf(failedAccessUnknown+" whether the latest rotation of %s failed cannot be told (%s; the first: %s)", plural(len(lost), "tenant"), listSome(lost, 5), lostWhy))
	}
	if cj, why := t.cronJob(collectors.RoleRotation); why == "" && cj.Suspend {
		sev := SeverityWarning
		if cj.LastScheduleTime != nil && err == nil && t.now.Sub(*cj.LastScheduleTime) > overdueAfter {
			sev = SeverityCritical
		}
		c.Findings = append(c.Findings, ComplianceFinding{Tenant: "*", Kind: ComplianceRotationSuspended, Severity: sev, LastRotation: cj.LastScheduleTime,
			Detail:   "the rotation CronJob " + cj.Name + " is suspended: no tenant is rotated on schedule (suspend " + t.suspendedFor(cj) + ")",
			Evidence: []Evidence{{Source: collectors.SourceKubernetes, Fact: "CronJob " + cj.Name + " spec.suspend", Observed: t.suspendedFor(cj), At: cj.LastScheduleTime}}})
	}
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

func (t *triage) facts(a Assessment) Facts {
	var f Facts
	if t.unreadable(collectors.SourceVault) == "" && t.s.Vault.OperatorToken != nil {
		d := t.s.Vault.OperatorToken.TTL
		f.OperatorTokenTTL = &d
	}
	if ttl, src, gone, why := t.orchestratorTTL(); why == "" {
		d := collectors.Duration(ttl)
		if gone {
			d = 0
		}
		f.OrchestratorTokenTTL, f.OrchestratorTokenSource = &d, src
	}
	for _, role := range []string{collectors.RoleRotation, collectors.RoleCleanup} {
		var last *time.Time
		if cj, why := t.cronJob(role); why == "" {
			// a cleanup dry run (DRY_RUN=true on the Job, or on the CronJob
			// itself) deleted nothing: its success is no cleanup's
			dry := role == collectors.RoleCleanup
			jobs, jwhy := t.jobs(role)
			if !dry || !isDryRun(cj.Env) {
				last = cj.LastSuccessfulTime
				// the Job that succeeded then, when still listed, says
				// whether it was a dry run (from when the CronJob was one)
				if dry && last != nil && slices.ContainsFunc(jobs, func(j collectors.Job) bool {
					return j.Finished != nil && j.Finished.Sub(*last).Abs() < 2*time.Second && isDryRun(j.Env)
				}) {
					last = nil
				}
			}
			if jwhy == "" {
				for _, j := range jobs {
					if dry && isDryRun(j.Env) {
						if j.Outcome == collectors.OutcomeSucceeded {
							f.CleanupDryRunsOnly = true // unless a real one is found
						}
						continue
					}
					if j.Outcome == collectors.OutcomeSucceeded && j.Finished != nil && (last == nil || j.Finished.After(*last)) {
						last = j.Finished
					}
				}
			}
		}
		if role == collectors.RoleRotation {
			f.LastRotationSuccess = last
		} else {
			f.LastCleanupSuccess = last
			f.CleanupDryRunsOnly = f.CleanupDryRunsOnly && last == nil
		}
	}
	if ts, why := t.tenants(); why == "" {
		n, over := len(ts), 0
		unread := t.tenantsUnread() != ""
		for _, tn := range ts {
			if tn.LiveVersions > t.s.Config.Vault.RetentionVersions {
				over++
			}
		}
		if n > 0 { // none listed is no tenant seen (tenantsUnread): unknown, not 0
			f.Tenants = &n
		}
		if !unread { // a tenant not read may be over: the count is unknown
			f.TenantsOverRetention = &over
		}
	}
	overdueUnknown := slices.ContainsFunc(a.Compliance.Unknown, func(u string) bool {
		return !strings.HasPrefix(u, failedAccessUnknown) // whether a rotation failed does not date the last one
	})
	if a.Compliance.IntervalSource != "unknown" && !overdueUnknown {
		n := 0
		for _, c := range a.Compliance.Findings {
			if c.Kind == ComplianceOverdue {
				n++
			}
		}
		f.TenantsOverdue = &n
	}
	if a.AlertsUnknown == "" && len(a.StaleRules()) == 0 {
		n := 0
		for _, al := range a.Alerts {
			if al.State == "firing" {
				n++
			}
		}
		f.FiringAlerts = &n
	}
	return f
}

func listSome(ids []string, n int) string {
	if len(ids) <= n {
		return strings.Join(ids, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(ids[:n], ", "), len(ids)-n)
}

func mergeSorted(a, b []string) []string {
	out := append(append([]string(nil), a...), b...)
	sort.Strings(out)
	return slices.Compact(out)
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

func orNone(s []string) []string {
	if len(s) == 0 {
		return []string{"(none)"}
	}
	return s
}

// clip is s cut to n runes, marked with an ellipsis when it was cut.
func clip(s string, n int) string {
	s = strings.TrimSpace(s)
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
