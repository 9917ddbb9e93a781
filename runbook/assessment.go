package runbook

import (
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
)

// Status is a scenario's state.
type Status string

// Scenario states. Unknown means its signals could not be read: it is never
// reported as clear.
const (
	StatusActive    Status = "active"
	StatusSuspected Status = "suspected"
	StatusClear     Status = "clear"
	StatusUnknown   Status = "unknown"
)

// Severity ranks findings.
type Severity string

// Severities, most severe first.
const (
	SeverityCritical Severity = "critical"
	SeverityWarning  Severity = "warning"
	SeverityInfo     Severity = "info"
	SeverityNone     Severity = "none"
)

func (s Severity) rank() int {
	switch s {
	case SeverityCritical:
		return 3
	case SeverityWarning:
		return 2
	case SeverityInfo:
		return 1
	}
	return 0
}

// Worse reports whether s is more severe than o.
func (s Severity) Worse(o Severity) bool { return s.rank() > o.rank() }

// SymptomState says whether a symptom is observed.
type SymptomState string

// Symptom states.
const (
	SymptomPresent SymptomState = "present"
	SymptomAbsent  SymptomState = "absent"
	SymptomUnknown SymptomState = "unknown"
)

// Evidence is one observed fact: which source, what, the value seen and the
// threshold it was judged against.
type Evidence struct {
	Source    string     `json:"source"`
	Fact      string     `json:"fact"`
	Observed  string     `json:"observed"`
	Threshold string     `json:"threshold,omitempty"`
	At        *time.Time `json:"at,omitempty"`
}

// SymptomResult is a runbook symptom judged against the snapshot.
type SymptomResult struct {
	ID       SymptomID    `json:"id"`
	Text     string       `json:"text"`
	State    SymptomState `json:"state"`
	Evidence []Evidence   `json:"evidence,omitempty"`
	// Reason says why the state is unknown.
	Reason string `json:"reason,omitempty"`
}

// Finding is a scenario's verdict.
type Finding struct {
	ID       string   `json:"id"`
	Number   int      `json:"number"`
	Title    string   `json:"title"`
	Status   Status   `json:"status"`
	Severity Severity `json:"severity"`
	// Summary is one line: the strongest evidence, or why it is unknown.
	Summary  string          `json:"summary"`
	Symptoms []SymptomResult `json:"symptoms"`
	// Unknown lists why signals this scenario needs could not be read.
	Unknown []string `json:"unknown,omitempty"`
	// Alerts are the related alerts firing or pending for it.
	Alerts []string `json:"alerts,omitempty"`
	// Tenants are the tenants the evidence names.
	Tenants []string `json:"tenants,omitempty"`
	// Cause is why the Job this scenario's evidence is about failed (or
	// cannot run), when the pods' and the Job's evidence tell; the summary
	// leads with it and the steps point at it first (Book.StepsFor).
	Cause *Cause `json:"cause,omitempty"`
}

// AlertFinding is a firing or pending related alert.
type AlertFinding struct {
	Name     string            `json:"name"`
	Role     string            `json:"role"`
	State    string            `json:"state"`
	Scenario string            `json:"scenario"`
	Labels   map[string]string `json:"labels,omitempty"`
	Summary  string            `json:"summary,omitempty"`
	ActiveAt *time.Time        `json:"activeAt,omitempty"`
}

// Compliance finding kinds.
const (
	ComplianceOverdue       = "rotation-overdue"
	ComplianceNeverRotated  = "never-rotated"
	ComplianceOverRetention = "version-violation"
	ComplianceFailedAccess  = "failed-access"
	ComplianceClockSkew     = "clock-skew"
	// ComplianceRotationSuspended: the rotation CronJob is suspended, so no
	// tenant is rotated on schedule (Tenant is "*").
	ComplianceRotationSuspended = "rotation-suspended"
)

// ComplianceFinding is one tenant's compliance problem.
type ComplianceFinding struct {
	Tenant       string     `json:"tenant"`
	Kind         string     `json:"kind"`
	Severity     Severity   `json:"severity"`
	Detail       string     `json:"detail"`
	LastRotation *time.Time `json:"lastRotation,omitempty"`
	Evidence     []Evidence `json:"evidence,omitempty"`
}

// Compliance is the compliance section.
type Compliance struct {
	// Interval is the rotation policy interval, and IntervalSource where it
	// came from ("config", "cronjob schedule ...", or "unknown").
	Interval       collectors.Duration `json:"interval"`
	IntervalSource string              `json:"intervalSource"`
	OverdueDays    int                 `json:"overdueDays"`
	Findings       []ComplianceFinding `json:"findings"`
	// Unknown says why compliance could not be judged, when it could not.
	Unknown []string `json:"unknown,omitempty"`
	// TenantsChecked is how many tenants were judged.
	TenantsChecked int `json:"tenantsChecked"`
}

// Facts are the key numbers at a glance. A nil field is unknown.
type Facts struct {
	OperatorTokenTTL        *collectors.Duration `json:"operatorTokenTtl,omitempty"`
	OrchestratorTokenTTL    *collectors.Duration `json:"orchestratorTokenTtl,omitempty"`
	OrchestratorTokenSource string               `json:"orchestratorTokenSource,omitempty"`
	LastRotationSuccess     *time.Time           `json:"lastRotationSuccess,omitempty"`
	LastCleanupSuccess      *time.Time           `json:"lastCleanupSuccess,omitempty"`
	// CleanupDryRunsOnly is true when LastCleanupSuccess is nil because
	// every cleanup that succeeded was a dry run (DRY_RUN=true): none
	// deleted anything, as far as the Jobs read show.
	CleanupDryRunsOnly   bool `json:"cleanupDryRunsOnly,omitempty"`
	Tenants              *int `json:"tenants,omitempty"`
	TenantsOverdue       *int `json:"tenantsOverdue,omitempty"`
	TenantsOverRetention *int `json:"tenantsOverRetention,omitempty"`
	// FiringAlerts is nil when the alerts could not be read: unknown,
	// never zero.
	FiringAlerts *int `json:"firingAlerts"`
	// OperatorTokenCeiling and OrchestratorTokenCeiling are when each
	// token reaches its max TTL, past which no renewal extends it (only a
	// new login); the MaxTTL fields say how long and which limit sets it
	// ("2h (explicit_max_ttl 2h)"). nil when unknown or when it has none.
	OperatorTokenCeiling     *time.Time `json:"operatorTokenCeiling,omitempty"`
	OperatorTokenMaxTTL      string     `json:"operatorTokenMaxTtl,omitempty"`
	OrchestratorTokenCeiling *time.Time `json:"orchestratorTokenCeiling,omitempty"`
	OrchestratorTokenMaxTTL  string     `json:"orchestratorTokenMaxTtl,omitempty"`
}

// Condition kinds.
const (
	// ConditionVaultSealed: Vault is sealed; no rotation and no renewal can
	// succeed until it is unsealed.
	ConditionVaultSealed = "vault-sealed"
	// ConditionVaultUninitialized: Vault is not initialised.
	ConditionVaultUninitialized = "vault-uninitialized"
	// ConditionNothingFound: none of the runbook's objects is where the
	// tool looks (a wrong namespace, or names the config must set).
	ConditionNothingFound = "nothing-found"
	// ConditionNoLogPods: a label selector whose pods' logs carry
	// evidence (kubernetes.securityLabel, kubernetes.orchestratorLabel)
	// matched no pod, so nothing those logs would show can be judged.
	ConditionNoLogPods = "no-log-pods"
	// ConditionSimilarCronJobs: other CronJobs of the namespace whose
	// names contain a runbook CronJob's (the runbook's grep lists them)
	// are not judged: warning when one's latest run has not succeeded.
	ConditionSimilarCronJobs = "similar-cronjobs"
	// ConditionRunsInProgress: rotation or cleanup Jobs that have not
	// finished, with their pods' phases: the scenarios judge the newest
	// finished run (a Job whose pods cannot run is Scenario 1's cause
	// after 5 minutes), so a run under way is said here meanwhile.
	ConditionRunsInProgress = "runs-in-progress"
)

// Condition is a state of the environment that is a finding in itself,
// beside the scenarios.
type Condition struct {
	Kind     string     `json:"kind"`
	Severity Severity   `json:"severity"`
	Summary  string     `json:"summary"`
	Evidence []Evidence `json:"evidence,omitempty"`
}

// AuditLogStats is the evidence about the evidence: how much of the
// security and orchestrator pods' logs could be used.
type AuditLogStats struct {
	Lines     int `json:"lines"`
	NotJSON   int `json:"notJSON"`
	Oversized int `json:"oversized"`
	Events    int `json:"events"`
	Undated   int `json:"undatedEvents"`
	// Pods are the pods read, each with its own counts, whether its log was
	// cut at the read limit, and its error when it could not be read.
	Pods []collectors.LogSource `json:"pods"`
	// Caveat says what the log read cannot show, when anything: events
	// before its window's beginning (pods replaced or restarted, a log
	// rotated away or cut), a pod whose log could not be read, or audit
	// logging turned off on the orchestrator. A tenant's "no failure
	// logged" holds only for what the log can show.
	Caveat string `json:"caveat,omitempty"`
}

// Assessment is the triage of one snapshot.
type Assessment struct {
	// JudgedAt is the time the snapshot was judged at (for a replay, the
	// time it was taken, so verdicts do not drift with the clock).
	JudgedAt   time.Time           `json:"judgedAt"`
	TakenAt    time.Time           `json:"takenAt"`
	Context    string              `json:"context,omitempty"`
	Namespace  string              `json:"namespace"`
	Overall    Severity            `json:"overall"`
	Findings   []Finding           `json:"findings"`
	Alerts     []AlertFinding      `json:"alerts"`
	Compliance Compliance          `json:"compliance"`
	Facts      Facts               `json:"facts"`
	Sources    []collectors.Status `json:"sources"`
	// Conditions are states that are findings of their own: a sealed or
	// uninitialised Vault, none of the runbook's objects found.
	Conditions []Condition `json:"conditions"`
	// AlertsUnknown says why the related alerts could not be read; then
	// Alerts is empty because nothing is known, not because none fire.
	AlertsUnknown string `json:"alertsUnknown,omitempty"`
	// AuditLog is how much of the pods' logs could be used; nil when the
	// logs were not read.
	AuditLog *AuditLogStats `json:"auditLog,omitempty"`
	// Stale lists the signals whose newest data is older than it should
	// be (a metric, a scrape target down, an alert rule not evaluated, a
	// log that ends long ago): what they say about now is unknown.
	Stale []StaleSignal `json:"stale"`
	// LoginRisk, when set, says why pods started now would get no working
	// Vault token (the Kubernetes auth role refuses their login or leaves
	// out the rotation policy: LoginRisk): every fix that starts pods (a
	// Job, the orchestrator rolled) waits on the role, and its plan warns.
	LoginRisk string `json:"loginRisk,omitempty"`
}

// Exit codes of `kubectl rotation report`.
const (
	ExitOK       = 0
	ExitWarning  = 1
	ExitCritical = 2
	ExitUnknown  = 3
)

// ExitCode is 2 when anything is critical, else 3 when a scenario could not
// be judged, else 1 when anything is a warning, else 0. A known critical
// problem outranks missing evidence: the page is warranted either way.
func (a Assessment) ExitCode() int {
	switch {
	case a.Overall == SeverityCritical:
		return ExitCritical
	case a.HasUnknown():
		return ExitUnknown
	case a.Overall == SeverityWarning:
		return ExitWarning
	}
	return ExitOK
}

// HasUnknown reports whether any scenario is unknown, the alerts could not
// be read, compliance could not be judged in part, a condition says the
// tool cannot tell, or a source (or a part of one) was not read: "all
// clear" is only ever said with nothing unread.
func (a Assessment) HasUnknown() bool {
	if a.AlertsUnknown != "" || len(a.Compliance.Unknown) > 0 || len(a.Unread()) > 0 || len(a.StaleRules()) > 0 {
		return true
	}
	for _, c := range a.Conditions {
		if c.Kind == ConditionNothingFound {
			return true
		}
	}
	for _, f := range a.Findings {
		if f.Status == StatusUnknown {
			return true
		}
	}
	return false
}

// StaleRules are the related alert rules whose alert's state is not
// current (not evaluated for 3 intervals, failing to evaluate, or absent
// from this Prometheus), each with why: that they do not fire tells
// nothing, so the alerts are not all known.
func (a Assessment) StaleRules() []string {
	var out []string
	for _, sg := range a.Stale {
		if sg.Kind == StaleAlertRule {
			out = append(out, sg.Detail)
		}
	}
	return out
}

// Unread lists what of the sources was not read, one line each ("kubernetes
// events: forbidden …"): each source not read whole (error, skipped,
// missing) and each part of a partial one.
func (a Assessment) Unread() []string {
	var out []string
	for _, st := range a.Sources {
		switch st.State {
		case collectors.StateOK:
		case collectors.StatePartial:
			for _, p := range st.Problems {
				out = append(out, st.Source+" "+p.Part+": "+p.Error)
			}
			if len(st.Problems) == 0 {
				out = append(out, st.Source+": read in part")
			}
		default:
			out = append(out, st.Source+": "+orDefault(st.Error, string(st.State)))
		}
	}
	return out
}

// AlertsText is a finding's related alerts with their states, as a line
// says them: "CMEKRotationFailed firing, VaultTokenExpiringSoon pending".
func (a Assessment) AlertsText(f Finding) string {
	parts := make([]string, 0, len(f.Alerts))
	for _, name := range f.Alerts {
		var states []string
		for _, al := range a.Alerts {
			if al.Name == name && al.Scenario == f.ID && !slices.Contains(states, al.State) {
				states = append(states, al.State)
			}
		}
		sort.Strings(states)
		parts = append(parts, strings.TrimSpace(name+" "+strings.Join(states, "/")))
	}
	return strings.Join(parts, ", ")
}

// Finding returns the finding for a scenario id.
func (a Assessment) Finding(id string) (Finding, bool) {
	for _, f := range a.Findings {
		if f.ID == id {
			return f, true
		}
	}
	return Finding{}, false
}
