// Package collectors reads every signal of the secret-rotation runbook from
// Kubernetes, Vault, Prometheus and the pods' logs, and returns them as one
// plain, JSON-serialisable Snapshot. It only reads: no request it makes
// changes a server, and no secret value is read, kept or serialised (Vault
// KV metadata only, never data; tokens never).
//
// Every source reports its own Status. One source down, slow, sealed or
// forbidden never blocks or hides the others: each has its own timeout and
// the caller's context cancels them all.
package collectors

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors/auditlog"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/config"
)

// SchemaVersion is the version of the Snapshot JSON. It changes when a field
// changes meaning or is removed; new fields do not change it.
const SchemaVersion = 1

// Source names, as they appear in Snapshot.Sources.
const (
	SourceKubernetes = "kubernetes"
	SourceLogs       = "logs"
	SourceVault      = "vault"
	SourcePrometheus = "prometheus"
)

// Snapshot is everything read in one collection.
type Snapshot struct {
	SchemaVersion int       `json:"schemaVersion"`
	CollectedAt   time.Time `json:"collectedAt"`
	// Context, Namespace, VaultAddr and PrometheusTarget say where it was
	// taken (no credentials).
	Context          string `json:"context,omitempty"`
	Namespace        string `json:"namespace"`
	VaultAddr        string `json:"vaultAddr,omitempty"`
	PrometheusTarget string `json:"prometheusTarget,omitempty"`
	// Connection is how the commands shown reach the same servers, as
	// the person who took the snapshot asked for them (no credentials).
	Connection Connection `json:"connection,omitzero"`
	// Config is the configuration the snapshot was taken with (names and
	// thresholds; it holds no credentials).
	Config config.Config `json:"config"`

	Sources    []Status        `json:"sources"`
	Kubernetes *KubernetesData `json:"kubernetes,omitempty"`
	Logs       *LogsData       `json:"logs,omitempty"`
	Vault      *VaultData      `json:"vault,omitempty"`
	Prometheus *PrometheusData `json:"prometheus,omitempty"`
}

// Connection is what a shown kubectl or vault command needs to reach the
// servers the tool read, beyond what the shell's environment already
// says: the connection flags the person gave explicitly, never a
// credential. It is empty when the tool reached the servers by the
// defaults (KUBECONFIG and its current context, VAULT_ADDR), so the
// commands stay short.
type Connection struct {
	// KubectlFlags are kubectl's connection flags given explicitly, each
	// one word in kubectl's spelling: "--context=prod",
	// "--kubeconfig=/home/me/.kube/lab". A credential given as a flag
	// (--token, --password) is the placeholder "--token=<token>".
	KubectlFlags []string `json:"kubectlFlags,omitempty"`
	// VaultEnv are the Vault CLI's variables, "NAME=value", for what a
	// flag said instead of the environment: VAULT_ADDR from --vault-addr,
	// VAULT_NAMESPACE from --vault-namespace, VAULT_CACERT from
	// --vault-cacert. Never a token.
	VaultEnv []string `json:"vaultEnv,omitempty"`
}

// Source returns the status of the named source, or a Status with State
// StateMissing when the snapshot has none.
func (s *Snapshot) Source(name string) Status {
	for _, st := range s.Sources {
		if st.Source == name {
			return st
		}
	}
	return Status{Source: name, State: StateMissing, Error: "not collected"}
}

// State is how a source's collection went.
type State string

// States of a source.
const (
	StateOK State = "ok"
	// StatePartial: the source answered but some parts could not be read
	// (Status.Problems says which and why).
	StatePartial State = "partial"
	// StateError: nothing could be read from the source.
	StateError State = "error"
	// StateSkipped: the source is not configured (e.g. no Prometheus).
	StateSkipped State = "skipped"
	// StateMissing: the snapshot has no record of the source.
	StateMissing State = "missing"
)

// Status is one source's collection result.
type Status struct {
	Source string `json:"source"`
	State  State  `json:"state"`
	// Error says, in words a person can act on, why nothing was read.
	Error string `json:"error,omitempty"`
	// Problems lists the parts that could not be read when State is
	// partial, each with its reason.
	Problems    []Problem `json:"problems,omitempty"`
	Latency     Duration  `json:"latency"`
	CollectedAt time.Time `json:"collectedAt"`
}

// Problem is one part of a source that could not be read.
type Problem struct {
	Part  string `json:"part"`
	Error string `json:"error"`
}

// Duration is a time.Duration that reads and writes JSON as a Go duration
// string ("1.5s").
type Duration = config.Duration

// KubernetesData is what was read from the API server.
type KubernetesData struct {
	CronJobs []CronJob `json:"cronJobs"`
	// Jobs are the Jobs owned by the CronJobs, newest first.
	Jobs         []Job             `json:"jobs"`
	Orchestrator *Deployment       `json:"orchestrator,omitempty"`
	Retention    []RetentionSource `json:"retention,omitempty"`
	// ServiceAccounts are the service accounts the runbook checks.
	ServiceAccounts []ServiceAccount `json:"serviceAccounts"`
	// Events are recent warning Events of the CronJobs, their Jobs and pods,
	// and the orchestrator, newest first.
	Events []Event `json:"events,omitempty"`
	// Similar are the namespace's other CronJobs whose names contain a
	// runbook CronJob's (as the runbook's `kubectl get cronjobs | grep -E
	// "cmek-rotation|secret-cleanup"` lists them): not judged, said. Nil
	// in snapshots taken before they were read, or when the list failed
	// (a Problem "cronjobs").
	Similar []SimilarCronJob `json:"similarCronJobs,omitempty"`
}

// CronJobOf is the runbook CronJob of role (RoleRotation, RoleCleanup) as
// read, or nil when the Kubernetes data or that CronJob is not there.
func (k *KubernetesData) CronJobOf(role string) *CronJob {
	if k == nil {
		return nil
	}
	for i := range k.CronJobs {
		if k.CronJobs[i].Role == role {
			return &k.CronJobs[i]
		}
	}
	return nil
}

// SimilarCronJob is a CronJob whose name contains a runbook CronJob's name
// (Like) but is not it.
type SimilarCronJob struct {
	Name               string     `json:"name"`
	Like               string     `json:"like"`
	Schedule           string     `json:"schedule"`
	Suspend            bool       `json:"suspend,omitempty"`
	LastScheduleTime   *time.Time `json:"lastScheduleTime,omitempty"`
	LastSuccessfulTime *time.Time `json:"lastSuccessfulTime,omitempty"`
	Active             int        `json:"active,omitempty"`
}

// CronJob roles.
const (
	RoleRotation = "rotation"
	RoleCleanup  = "cleanup"
)

// CronJob is a rotation or cleanup CronJob.
type CronJob struct {
	Role  string `json:"role"` // RoleRotation or RoleCleanup
	Name  string `json:"name"`
	Found bool   `json:"found"`
	// SpecChanged is when the CronJob itself was last written (its
	// managedFields' latest time outside the status subresource: created,
	// its schedule or suspend edited); nil when not recorded. Runs its
	// schedule names before it were not due under the spec then.
	SpecChanged *time.Time `json:"specChanged,omitempty"`
	// ServiceAccount is the job template's serviceAccountName ("default"
	// when it names none).
	ServiceAccount string `json:"serviceAccount,omitempty"`
	// Error is set when the CronJob could not be read (Found is then false
	// and means "unknown", not "absent").
	Error                 string     `json:"error,omitempty"`
	Schedule              string     `json:"schedule,omitempty"`
	TimeZone              string     `json:"timeZone,omitempty"`
	Suspend               bool       `json:"suspend"`
	ConcurrencyPolicy     string     `json:"concurrencyPolicy,omitempty"`
	ActiveDeadlineSeconds *int64     `json:"activeDeadlineSeconds,omitempty"`
	BackoffLimit          *int32     `json:"backoffLimit,omitempty"`
	LastScheduleTime      *time.Time `json:"lastScheduleTime,omitempty"`
	LastSuccessfulTime    *time.Time `json:"lastSuccessfulTime,omitempty"`
	Active                int        `json:"active"`
	Image                 string     `json:"image,omitempty"`
	// Env is the job template's environment (first container), values of
	// secret-looking names redacted.
	Env []EnvVar `json:"env,omitempty"`
	// EnvContainer is the container Env was read from, when the pod
	// template has more than one ("" with one: a command then needs no
	// -c, and kubectl set env without it would set every container).
	EnvContainer string `json:"envContainer,omitempty"`
	// EnvFrom names the ConfigMaps and Secrets the container takes its
	// whole environment from (envFrom): a variable missing from Env may
	// be set there.
	EnvFrom []string `json:"envFrom,omitempty"`
}

// EnvVar is an environment variable. Value is empty and From says where it
// comes from when it is not a literal; values of names that look secret
// (TOKEN, SECRET, PASSWORD, KEY...) are replaced by Redacted.
type EnvVar struct {
	Name  string `json:"name"`
	Value string `json:"value,omitempty"`
	From  string `json:"from,omitempty"`
}

// Redacted replaces a value that must not be shown.
const Redacted = "[redacted]"

// Job outcomes.
const (
	OutcomeRunning   = "running"
	OutcomeSucceeded = "succeeded"
	OutcomeFailed    = "failed"
	OutcomeSuspended = "suspended"
)

// Job is one run of a CronJob (scheduled or created by hand from it).
type Job struct {
	Name    string `json:"name"`
	CronJob string `json:"cronJob"`
	Role    string `json:"role"`
	// Manual is true for Jobs created with `kubectl create job --from`.
	Manual  bool   `json:"manual"`
	Outcome string `json:"outcome"`
	// Reason and Message are the terminal condition's (e.g.
	// DeadlineExceeded, BackoffLimitExceeded).
	Reason                string     `json:"reason,omitempty"`
	Message               string     `json:"message,omitempty"`
	Created               time.Time  `json:"created"`
	ScheduledAt           *time.Time `json:"scheduledAt,omitempty"`
	Started               *time.Time `json:"started,omitempty"`
	Finished              *time.Time `json:"finished,omitempty"`
	ActiveDeadlineSeconds *int64     `json:"activeDeadlineSeconds,omitempty"`
	Succeeded             int32      `json:"succeeded"`
	Failed                int32      `json:"failed"`
	Active                int32      `json:"active"`
	Env                   []EnvVar   `json:"env,omitempty"`
	// EnvFrom names the ConfigMaps and Secrets the container takes its
	// whole environment from (envFrom): a variable missing from Env may
	// be set there.
	EnvFrom []string `json:"envFrom,omitempty"`
	Pods    []Pod    `json:"pods,omitempty"`
	// Log is the tail of the log of the Job's most relevant pod (for a Job
	// that succeeded its newest succeeded pod, otherwise its newest failed
	// one, else the newest), read for failed Jobs and the newest Job of
	// each CronJob.
	Log *LogTail `json:"log,omitempty"`
	// Conditions are the Job's conditions that hold (status True), in the
	// order the job controller wrote them: Failed with its reason
	// (BackoffLimitExceeded, DeadlineExceeded, PodFailurePolicy,
	// MaxFailedIndexesExceeded), FailureTarget, Complete, Suspended.
	Conditions []JobCondition `json:"conditions,omitempty"`
	// BackoffLimit is the Job's spec.backoffLimit (nil: the default, 6).
	BackoffLimit *int32 `json:"backoffLimit,omitempty"`
	// Events are recent warning Events of the Job and of its pods (those
	// since deleted too: an evicted pod's Events outlive it), newest first,
	// at most MaxJobEvents.
	Events []Event `json:"events,omitempty"`
}

// JobCondition is a condition of a Job.
type JobCondition struct {
	Type    string     `json:"type"`
	Reason  string     `json:"reason,omitempty"`
	Message string     `json:"message,omitempty"`
	At      *time.Time `json:"at,omitempty"`
}

// PodCondition is a pod condition that says why a pod did not run or was
// stopped.
type PodCondition struct {
	Type    string     `json:"type"`
	Status  string     `json:"status"`
	Reason  string     `json:"reason,omitempty"`
	Message string     `json:"message,omitempty"`
	At      *time.Time `json:"at,omitempty"`
}

// When is the time a Job is ordered by: when it was scheduled, else when it
// started, else when it was created.
func (j Job) When() time.Time {
	switch {
	case j.ScheduledAt != nil:
		return *j.ScheduledAt
	case j.Started != nil:
		return *j.Started
	}
	return j.Created
}

// Pod is a pod of a Job.
type Pod struct {
	Name       string           `json:"name"`
	Phase      string           `json:"phase"`
	Node       string           `json:"node,omitempty"`
	Started    *time.Time       `json:"started,omitempty"`
	Containers []ContainerState `json:"containers,omitempty"`
	// Created is when the pod was created: a pod that never started is
	// judged by its age.
	Created time.Time `json:"created,omitzero"`
	// Reason and Message are the pod's status reason and message, set when
	// the pod as a whole was stopped: Evicted ("The node was low on
	// resource: memory. ..."), NodeLost, Shutdown, UnexpectedAdmissionError.
	Reason  string `json:"reason,omitempty"`
	Message string `json:"message,omitempty"`
	// Conditions are the pod's conditions that say why it did not run or
	// was stopped: PodScheduled=False (Unschedulable, with the scheduler's
	// "0/3 nodes are available: ..."), DisruptionTarget=True (evicted,
	// preempted, deleted after its node was lost).
	Conditions []PodCondition `json:"conditions,omitempty"`
	// Terminating is true when the pod is being deleted.
	Terminating bool `json:"terminating,omitempty"`
}

// ContainerState is a container's last known state.
type ContainerState struct {
	Name     string `json:"name"`
	State    string `json:"state"` // waiting, running, terminated
	Reason   string `json:"reason,omitempty"`
	ExitCode *int32 `json:"exitCode,omitempty"`
	Restarts int32  `json:"restarts"`
	// OOMKilled is true when the container (now or before its last
	// restart) was killed for memory.
	OOMKilled bool `json:"oomKilled"`
	// Init is true for an init container (only those that did not
	// complete are kept; they run before the others start).
	Init bool `json:"init,omitempty"`
	// Image is the image the container runs, or fails to pull.
	Image string `json:"image,omitempty"`
	// Message is the state's message: why it waits (the image pull error,
	// the missing Secret or ConfigMap) or how it ended.
	Message string `json:"message,omitempty"`
	// StartedAt and FinishedAt are the times of the current (or last) run.
	StartedAt  *time.Time `json:"startedAt,omitempty"`
	FinishedAt *time.Time `json:"finishedAt,omitempty"`
	// LastReason, LastExitCode and LastMessage are of the run before the
	// last restart (a container in CrashLoopBackOff waits after it).
	LastReason   string `json:"lastReason,omitempty"`
	LastExitCode *int32 `json:"lastExitCode,omitempty"`
	LastMessage  string `json:"lastMessage,omitempty"`
	// MemoryLimit and MemoryRequest are the container's memory resources
	// in the pod spec ("128Mi"); empty when not set.
	MemoryLimit   string `json:"memoryLimit,omitempty"`
	MemoryRequest string `json:"memoryRequest,omitempty"`
}

// LogTail is the bounded tail of a container's log.
type LogTail struct {
	Pod       string `json:"pod"`
	Container string `json:"container"`
	// Lines are the log's last lines (kubernetes.logTailLines), to show.
	Lines []string `json:"lines,omitempty"`
	// Searched is how many lines were searched for the runbook's phrases:
	// the whole log, unless Truncated. 0 in snapshots taken before the
	// whole log was searched (only Lines were).
	Searched int `json:"searched,omitempty"`
	// Truncated is true when the log was longer than kubernetes.logLimitBytes:
	// its first logLimitBytes and its last lines were searched, the part
	// between was not, so a phrase missing from Matches may be there.
	Truncated bool `json:"truncated"`
	// Matches are the lines holding one of the runbook's phrases, in the
	// order of the log, over every line searched.
	Matches []LogMatch `json:"matches,omitempty"`
	// MatchesCut is true when more lines matched than are kept.
	MatchesCut bool   `json:"matchesCut,omitempty"`
	Error      string `json:"error,omitempty"`
	// NotStarted is true when the container never started, so it has no
	// log: Error then says what it waits for, not how the read failed.
	NotStarted bool `json:"notStarted,omitempty"`
}

// MatchText is the line m matched: from Lines when it is among them, else
// the text kept with it.
func (l *LogTail) MatchText(m LogMatch) string {
	if m.Line >= 0 && m.Line < len(l.Lines) {
		return l.Lines[m.Line]
	}
	return m.Text
}

// LogMatch is a line of a log that holds a runbook phrase.
type LogMatch struct {
	// Line is the line's index in LogTail.Lines, or -1 when it is before
	// them (Text has it).
	Line   int    `json:"line"`
	Phrase string `json:"phrase"`
	// Text is the line (its first 512 bytes); empty in snapshots taken
	// before it was kept.
	Text string `json:"text,omitempty"`
	// Tenant is the tenant named by "Failed to rotate key for tenant X".
	Tenant string `json:"tenant,omitempty"`
}

// Deployment is the orchestrator Deployment.
type Deployment struct {
	Name            string `json:"name"`
	Found           bool   `json:"found"`
	Error           string `json:"error,omitempty"`
	Replicas        int32  `json:"replicas"`
	ReadyReplicas   int32  `json:"readyReplicas"`
	UpdatedReplicas int32  `json:"updatedReplicas"`
	Image           string `json:"image,omitempty"`
	RestartedAt     string `json:"restartedAt,omitempty"`
	// ServiceAccount is the pod template's serviceAccountName ("default"
	// when it names none): the account its pods log in to Vault as.
	ServiceAccount string   `json:"serviceAccount,omitempty"`
	Env            []EnvVar `json:"env,omitempty"` // VAULT_* and AUDIT_* only
	// EnvContainer is the container Env was read from (the one that sets
	// AUDIT_ENABLED, else the first), when there are more than one.
	EnvContainer string `json:"envContainer,omitempty"`
	// EnvFrom names the ConfigMaps and Secrets the container takes its
	// whole environment from (envFrom): a variable missing from Env may
	// be set there.
	EnvFrom []string `json:"envFrom,omitempty"`
	// AuditEnabled is the parsed AUDIT_ENABLED (nil when unset or not a
	// literal boolean).
	AuditEnabled *bool `json:"auditEnabled,omitempty"`
}

// RetentionSource is a ConfigMap key whose text mentions retention, with the
// retention settings found in it.
type RetentionSource struct {
	ConfigMap string            `json:"configMap"`
	Key       string            `json:"key"`
	Settings  map[string]string `json:"settings"`
}

// ServiceAccount says whether a service account exists.
type ServiceAccount struct {
	Name  string `json:"name"`
	Found bool   `json:"found"`
	Error string `json:"error,omitempty"`
}

// Event is a Kubernetes Event.
type Event struct {
	Object  string    `json:"object"` // Kind/name
	Type    string    `json:"type"`
	Reason  string    `json:"reason"`
	Message string    `json:"message"`
	Count   int32     `json:"count"`
	Last    time.Time `json:"last"`
}

// LogsData is what was read from the security component's pod logs.
type LogsData struct {
	// Pods are the pods whose logs were read.
	Pods []LogSource `json:"pods"`
	// Audit aggregates the JSON audit events and VaultTokenRenewal lines.
	Audit auditlog.Summary `json:"audit"`
	// WindowStart is the start of the audit window every pod's log was
	// read from (PodLogOptions.SinceTime), and WindowBasis how it was
	// chosen; nil in snapshots taken before the window existed (logs read
	// whole).
	WindowStart *time.Time `json:"windowStart,omitempty"`
	WindowBasis string     `json:"windowBasis,omitempty"`
	// Selectors are the label selectors whose pods' logs were read, each
	// with the pods it matched: a selector that matched none read nothing,
	// so what its logs would show is unknown, not absent. Nil in snapshots
	// taken before they were recorded.
	Selectors []LogSelector `json:"selectors,omitempty"`
}

// The roles of the pods whose logs are read (LogSelector.Role).
const (
	// LogRoleSecurity: the pods of kubernetes.securityLabel, whose logs
	// carry the rotation audit events.
	LogRoleSecurity = "security"
	// LogRoleOrchestrator: the pods of kubernetes.orchestratorLabel, whose
	// logs carry the VaultTokenRenewal lines.
	LogRoleOrchestrator = "orchestrator"
)

// Unmatched returns the selector of role when it was listed and matched no
// pod, so nothing its pods' logs would hold was read; "" otherwise (and in
// snapshots taken before the selectors were recorded).
func (d *LogsData) Unmatched(role string) string {
	if d == nil {
		return ""
	}
	for _, ls := range d.Selectors {
		if ls.Role == role && ls.Error == "" && len(ls.Pods) == 0 {
			return ls.Selector
		}
	}
	return ""
}

// LogSelector is a label selector whose pods' logs were read, and the pods
// it matched.
type LogSelector struct {
	// Role is what its pods' logs hold (LogRoleSecurity, LogRoleOrchestrator).
	Role string `json:"role"`
	// Selector is the label selector, as configured.
	Selector string `json:"selector"`
	// Pods are the names of the pods it matched (LogsData.Pods has each
	// read); empty when it matched none.
	Pods []string `json:"pods"`
	// Error says why its pods could not be listed; Pods is then unknown.
	Error string `json:"error,omitempty"`
}

// LogSource is one pod log read for audit events.
type LogSource struct {
	Pod       string `json:"pod"`
	Container string `json:"container"`
	// OtherContainers are the pod's other containers, whose logs are not
	// read (a sidecar's); what they hold is not seen.
	OtherContainers []string `json:"otherContainers,omitempty"`
	Bytes           int64    `json:"bytes"`
	// Truncated is true when the read stopped at the byte limit: the lines
	// after the last one read were not read.
	Truncated bool   `json:"truncated"`
	Error     string `json:"error,omitempty"`
	// NotRead says why this pod's log was not read because it holds
	// nothing of the window: its container never started (it wrote no
	// line), or it ended before the window began (an evicted or
	// completed pod kept around). Not an error: nothing is missing.
	NotRead string `json:"notRead,omitempty"`
	// Window is the start of the audit window this log was read from
	// (LogsData.WindowStart).
	Window *time.Time `json:"window,omitempty"`
	// Cut is true when the window held more than the byte limit and only
	// its newest part was read: the log read begins at FirstLine, and the
	// window's older lines, from Window on, were not read.
	Cut bool `json:"cut,omitempty"`
	// Parsed counts this pod's lines: read, not JSON, oversized, rotation
	// events, so a reader sees when evidence was partly unreadable; nil
	// when the log was not read (or in a snapshot taken before the counts
	// were recorded).
	Parsed *auditlog.LineCounts `json:"parsed,omitempty"`
	// Started is when the container whose log was read started: a restart
	// begins a new log, and what the earlier run wrote is not read.
	Started *time.Time `json:"started,omitempty"`
	// Restarts is the container's restart count.
	Restarts int32 `json:"restarts,omitempty"`
	// FirstLine is the time the first line read carries, when it carries
	// one: later than Started when the log's beginning was rotated away.
	FirstLine *time.Time `json:"firstLine,omitempty"`
	// FirstEvent and LastEvent are the earliest and latest audit event
	// times read from this pod.
	FirstEvent *time.Time `json:"firstEvent,omitempty"`
	LastEvent  *time.Time `json:"lastEvent,omitempty"`
}

// Since is when the log read begins: the latest of the container's start,
// the first line's time and the window's start; nil when none is known.
func (l LogSource) Since() *time.Time {
	var out *time.Time
	for _, t := range []*time.Time{l.Started, l.FirstLine, l.Window} {
		if t != nil && (out == nil || t.After(*out)) {
			out = t
		}
	}
	return out
}

// VaultData is what was read from Vault.
type VaultData struct {
	Health        *VaultHealth `json:"health,omitempty"`
	OperatorToken *TokenInfo   `json:"operatorToken,omitempty"`
	// OrchestratorToken is the orchestrator's token, found by accessor
	// among the tokens of the Kubernetes-auth role; nil when it could not
	// be (OrchestratorTokenNote says why).
	// It is the live token of the role that expires soonest (the one to
	// renew first), in snapshots taken before OrchestratorTokens the
	// newest.
	OrchestratorToken     *TokenInfo `json:"orchestratorToken,omitempty"`
	OrchestratorTokenNote string     `json:"orchestratorTokenNote,omitempty"`
	// OrchestratorTokens are all the live tokens of the Kubernetes-auth
	// role for the orchestrator's service account, soonest expiring first
	// (OrchestratorToken is the first). Vault's token metadata names no
	// pod, so a token of a pod gone (which no one renews) may be among
	// them. nil when not looked up, as in snapshots taken before.
	OrchestratorTokens []TokenInfo `json:"orchestratorTokens,omitempty"`
	Tenants            []Tenant    `json:"tenants"`
	TenantScan         TenantScan  `json:"tenantScan"`
	Policy             *Policy     `json:"policy,omitempty"`
	Role               *AuthRole   `json:"role,omitempty"`
	// TokenSource is where the operator's token came from (VAULT_TOKEN,
	// ~/.vault-token), as the caller said; never the token.
	TokenSource string `json:"tokenSource,omitempty"`
	// OperatorTokenInvalid is true when Vault refused the operator's token
	// even to look itself up (auth/token/lookup-self answered 403): the
	// token is invalid, expired or revoked, and nothing past sys/health was
	// read with it.
	OperatorTokenInvalid bool `json:"operatorTokenInvalid,omitempty"`
}

// VaultHealth is sys/health.
type VaultHealth struct {
	Initialized bool     `json:"initialized"`
	Sealed      bool     `json:"sealed"`
	Standby     bool     `json:"standby"`
	Version     string   `json:"version"`
	ClusterName string   `json:"clusterName,omitempty"`
	Latency     Duration `json:"latency"`
}

// TokenInfo is what lookup-self or lookup-accessor tells about a token. The
// token itself is never read into it.
type TokenInfo struct {
	Accessor    string     `json:"accessor,omitempty"`
	DisplayName string     `json:"displayName,omitempty"`
	Policies    []string   `json:"policies,omitempty"`
	TTL         Duration   `json:"ttl"`
	ExpireTime  *time.Time `json:"expireTime,omitempty"`
	IssueTime   *time.Time `json:"issueTime,omitempty"`
	// LastRenewal is when it was last renewed (Vault's last_renewal), nil
	// when Vault names none: never renewed since it was issued.
	LastRenewal *time.Time        `json:"lastRenewal,omitempty"`
	Renewable   bool              `json:"renewable"`
	Orphan      bool              `json:"orphan"`
	EntityID    string            `json:"entityId,omitempty"`
	Meta        map[string]string `json:"meta,omitempty"`
	// Source says how it was found: lookup-self, lookup-accessor.
	Source string `json:"source"`
	// Path is the auth path the token was created on
	// (auth/kubernetes/login, auth/token/create).
	Path string `json:"path,omitempty"`
	// CreationTime is when the token was created; renewals never move it.
	CreationTime *time.Time `json:"creationTime,omitempty"`
	// CreationTTL is the TTL the token was created with.
	CreationTTL Duration `json:"creationTtl,omitempty"`
	// ExplicitMaxTTL is the token's own hard limit (0: none).
	ExplicitMaxTTL Duration `json:"explicitMaxTtl,omitempty"`
	// Period is the period of a periodic token (0: not periodic).
	Period Duration `json:"period,omitempty"`
	// MaxTTL is the token's ceiling: how long after CreationTime it can
	// live at most, however often it is renewed — the explicit max TTL,
	// else the auth role's token_max_ttl, else the auth mount's (or the
	// system's) max_lease_ttl, the least of those that apply.
	// MaxTTLSource says which; 0 when unknown or when there is none (a
	// periodic token without an explicit max TTL).
	MaxTTL       Duration `json:"maxTtl,omitempty"`
	MaxTTLSource string   `json:"maxTtlSource,omitempty"`
	// CeilingAt is CreationTime + MaxTTL: no renewal extends the token past
	// it, only a new login does. nil when unknown (CeilingNote says why)
	// or when there is none.
	CeilingAt   *time.Time `json:"ceilingAt,omitempty"`
	CeilingNote string     `json:"ceilingNote,omitempty"`
}

// Tenant is one tenant's key metadata in KV v2.
type Tenant struct {
	ID             string `json:"id"`
	Path           string `json:"path"`
	CurrentVersion int    `json:"currentVersion"`
	// OldestVersion is the oldest version Vault still keeps (its
	// oldest_version, or the lowest version in the metadata while Vault
	// has trimmed none and says 0), deleted, destroyed or live.
	OldestVersion int `json:"oldestVersion"`
	// LiveVersions are versions neither deleted nor destroyed.
	LiveVersions      int        `json:"liveVersions"`
	DeletedVersions   int        `json:"deletedVersions"`
	DestroyedVersions int        `json:"destroyedVersions"`
	MaxVersions       int        `json:"maxVersions"`
	CurrentCreated    *time.Time `json:"currentCreated,omitempty"`
	OldestCreated     *time.Time `json:"oldestCreated,omitempty"`
	Error             string     `json:"error,omitempty"`
	// Deleted lists the soft-deleted versions (deletion_time set and
	// passed, not destroyed), ascending: `vault kv undelete` restores them.
	Deleted []int `json:"deleted,omitempty"`
	// Destroyed lists the destroyed versions, ascending: their key
	// material is gone for good.
	Destroyed []int `json:"destroyed,omitempty"`
	// CurrentDeletionTime is the current version's deletion_time when it
	// has one: past when it was deleted, future when delete_version_after
	// will delete it.
	CurrentDeletionTime *time.Time `json:"currentDeletionTime,omitempty"`
	// CurrentDestroyed is true when the current version was destroyed.
	CurrentDestroyed bool `json:"currentDestroyed,omitempty"`
	// Missing is true when the key's metadata answered 404: the key path
	// does not exist (any more).
	Missing bool `json:"missing,omitempty"`
	// Expiring lists the versions whose deletion_time is still to come
	// (delete_version_after scheduled it; not destroyed), ascending: Vault
	// soft-deletes each at that time.
	Expiring []int `json:"expiring,omitempty"`
	// DeleteVersionAfter is the key's own delete_version_after (0: the key
	// sets none, and the mount's applies); nil when it was not recorded (a
	// snapshot from before it was, or the key was not read).
	DeleteVersionAfter *Duration `json:"deleteVersionAfter,omitempty"`
	// MountMaxVersions and MountDeleteVersionAfter are the KV mount's own
	// settings (`vault read <mount>/config`), the same for every tenant:
	// Vault keeps max(key's, mount's) max_versions versions (10 when both
	// are 0) and deletes a version after the shorter of the key's and the
	// mount's delete_version_after that are set. nil when not read:
	// MountConfigError then says why (a snapshot from before they were
	// recorded says nothing).
	MountMaxVersions        *int      `json:"mountMaxVersions,omitempty"`
	MountDeleteVersionAfter *Duration `json:"mountDeleteVersionAfter,omitempty"`
	MountConfigError        string    `json:"mountConfigError,omitempty"`
}

// OldestLive is the oldest live version's number (neither deleted nor
// destroyed), or 0 when none is: the lowest of the versions Vault keeps
// that Deleted and Destroyed do not list.
func (t Tenant) OldestLive() int {
	if t.LiveVersions == 0 {
		return 0
	}
	for v := max(1, t.OldestVersion); v <= t.CurrentVersion; v++ {
		if !slices.Contains(t.Deleted, v) && !slices.Contains(t.Destroyed, v) {
			return v
		}
	}
	return 0
}

// TenantScan summarises the tenant scan.
type TenantScan struct {
	Listed   int      `json:"listed"`
	Scanned  int      `json:"scanned"`
	Failed   int      `json:"failed"`
	Duration Duration `json:"duration"`
	// Note says, when no tenant was listed, why that may be and what to
	// check (the mount's type and KV version, the config's path template).
	Note string `json:"note,omitempty"`
}

// Policy is the rotation policy and whether it grants what the runbook's
// Scenario 1 requires.
type Policy struct {
	Name  string `json:"name"`
	Found bool   `json:"found"`
	// Text is the policy's HCL (policies hold no secrets).
	Text   string      `json:"text,omitempty"`
	Checks []PathCheck `json:"checks"`
	// Policies are the policies the checks not made by Vault (Effective
	// false) were judged over: the Kubernetes-auth role's token policies
	// and, unless the role sets token_no_default_policy, default, each
	// read and combined as Vault combines them (for each path the one
	// highest-priority rule across all of them). Empty when that could not
	// be done (Unjudged says why) and in snapshots taken before, whose
	// checks read policy Name alone.
	Policies []string `json:"policies,omitempty"`
	// Unjudged says why the checks could not be judged by reading the
	// policies: the role or one of its policies could not be read. Checks
	// that Vault judged (Effective) stand; the others hold no grants.
	Unjudged string `json:"unjudged,omitempty"`
	// EffectiveNote says why Vault was not asked, or did not answer, what
	// the orchestrator's token may do (sys/capabilities-accessor).
	EffectiveNote string `json:"effectiveNote,omitempty"`
}

// PathCheck is what Vault grants on one path of the runbook's policy: a
// fact. Which capabilities are required, and so which are missing, is the
// runbook's judgement (runbook.RequiredCapabilities).
type PathCheck struct {
	// Path is a concrete tenant path the check was made for.
	Path string `json:"path"`
	// Tenant is the tenant of Path ("" in snapshots taken before every
	// tenant's paths were checked: they checked the first tenant's).
	Tenant string `json:"tenant,omitempty"`
	// Kind is the KV v2 API path kind: "data" or "metadata".
	Kind    string   `json:"kind,omitempty"`
	Granted []string `json:"granted"`
	// Required and Missing are what snapshots taken before the judgement
	// moved to the runbook carried; the collector no longer sets them and
	// the triage does not read them.
	Required []string `json:"required,omitempty"`
	Missing  []string `json:"missing,omitempty"`
	// Rule is the policy path rule that matched, if any.
	Rule string `json:"rule,omitempty"`
	// RulePolicies are the policies holding Rule (several when they write
	// the same pattern: Vault merges them).
	RulePolicies []string `json:"rulePolicies,omitempty"`
	// Effective says the check was made by Vault for the orchestrator's
	// token (sys/capabilities-accessor) rather than by reading the policy.
	Effective bool `json:"effective"`
	// RoleGranted, RoleRule and RoleRulePolicies are, for an Effective
	// check, what reading the role's policies together gives (Granted,
	// Rule, RulePolicies as for a check not made by Vault): what a token
	// the role issues now gets, where the orchestrator's token, issued
	// before, may differ. Nil when the policies could not be combined.
	RoleGranted      []string `json:"roleGranted,omitempty"`
	RoleRule         string   `json:"roleRule,omitempty"`
	RoleRulePolicies []string `json:"roleRulePolicies,omitempty"`
}

// AuthRole is the Kubernetes-auth role.
type AuthRole struct {
	Mount                string   `json:"mount"`
	Name                 string   `json:"name"`
	Found                bool     `json:"found"`
	BoundServiceAccounts []string `json:"boundServiceAccounts,omitempty"`
	BoundNamespaces      []string `json:"boundNamespaces,omitempty"`
	Policies             []string `json:"policies,omitempty"`
	TTL                  Duration `json:"ttl"`
	MaxTTL               Duration `json:"maxTtl"`
	// ExplicitMaxTTL is token_explicit_max_ttl: a hard cap on every token
	// the role issues, which no renewal passes (0: none).
	ExplicitMaxTTL Duration `json:"explicitMaxTtl,omitempty"`
	// TokenType is token_type ("default", "service", "batch",
	// "default-service", "default-batch"; "" when not read).
	TokenType string `json:"tokenType,omitempty"`
	// Period is the role's token_period: its tokens are periodic, each
	// renewal setting their TTL back to it (0: not periodic).
	Period Duration `json:"period,omitempty"`
	// NoDefaultPolicy is token_no_default_policy: its tokens do not carry
	// the default policy.
	NoDefaultPolicy bool `json:"noDefaultPolicy,omitempty"`
	// NamespaceSelector is bound_service_account_namespace_selector, which
	// newer Kubernetes auth plugins accept beside the namespace list.
	NamespaceSelector string `json:"namespaceSelector,omitempty"`
}

// PrometheusData is what was read from Prometheus.
type PrometheusData struct {
	Metrics []Metric `json:"metrics"`
	Alerts  []Alert  `json:"alerts"`
	// Targets are the scrape targets (job and instance labels) of the
	// metrics' series, now and in their history, with their up state.
	Targets []ScrapeTarget `json:"targets,omitempty"`
	// TargetsError says why the targets' up state could not be read.
	TargetsError string `json:"targetsError,omitempty"`
	// Rules are the alerting rules of the runbook's related alerts, with
	// when their rule group last evaluated them; an alert without a rule
	// here is not configured in this Prometheus (nil: not read, as in
	// snapshots taken before they were).
	Rules []AlertRule `json:"rules"`
	// RulesError says why the rules could not be read (nil Rules is then
	// unknown, not "no rule").
	RulesError string `json:"rulesError,omitempty"`
	// AlertHistory is the related alerts' ALERTS series over the history
	// window: when each was pending or firing (nil: not read, as in
	// snapshots taken before it was; AlertHistoryError says why when the
	// read failed).
	AlertHistory      *AlertHistory `json:"alertHistory,omitempty"`
	AlertHistoryError string        `json:"alertHistoryError,omitempty"`
	// TenantDetails are the tenants' own counter series, read for each
	// tenant as a tenant's detail reads them live, when the capture read
	// them (the lab's capture does, for the built-in demo; `snapshot`
	// does not: nil).
	TenantDetails map[string]TenantDetail `json:"tenantDetails,omitempty"`
}

// AlertHistory is Prometheus's ALERTS series of the related alerts from
// Start to End: one series per alert and label set, with the alertstate
// label (pending or firing), valued 1 at the steps it was in that state and
// absent at the others.
type AlertHistory struct {
	Start  time.Time `json:"start"`
	End    time.Time `json:"end"`
	Step   Duration  `json:"step"`
	Series []Series  `json:"series"`
	// Coverage is count(up) at the same steps: how many scrape targets
	// Prometheus held a sample of. A step without a value is one where
	// Prometheus held no data at all (it was down, or not running yet):
	// an alert's series being absent there says nothing about its state.
	// Nil when not read (CoverageError says why, or the snapshot predates
	// it).
	Coverage      *History `json:"coverage,omitempty"`
	CoverageError string   `json:"coverageError,omitempty"`
}

// ScrapeTarget is one scrape target, named by its job and instance labels.
type ScrapeTarget struct {
	Job      string `json:"job"`
	Instance string `json:"instance"`
	// Up is the value of the target's newest up sample (1 scraped, 0 the
	// scrape failed); nil when Prometheus holds no up sample of it in the
	// last UpWindow, i.e. it is not scraped any more.
	Up *float64 `json:"up,omitempty"`
	// LastScrape is the time of that newest up sample.
	LastScrape *time.Time `json:"lastScrape,omitempty"`
	// Interval is the scrape interval, estimated from the up samples; 0
	// when there were too few to tell.
	Interval Duration `json:"interval,omitempty"`
	// LastError is the scrape error Prometheus reports for the target
	// (targets API), when it has one.
	LastError string `json:"lastError,omitempty"`
	// Error says why the target's up state could not be read.
	Error string `json:"error,omitempty"`
}

// UpWindow is how far back a target's up samples are read.
const UpWindow = 10 * time.Minute

// AlertRule is an alerting rule of one of the runbook's related alerts.
type AlertRule struct {
	Name  string `json:"name"`
	Group string `json:"group"`
	File  string `json:"file,omitempty"`
	// Interval is the group's evaluation interval.
	Interval Duration `json:"interval,omitempty"`
	// LastEvaluation is when the rule was last evaluated; nil when never.
	LastEvaluation *time.Time `json:"lastEvaluation,omitempty"`
	State          string     `json:"state,omitempty"`
	Health         string     `json:"health,omitempty"`
	LastError      string     `json:"lastError,omitempty"`
	// Query is the rule's PromQL expression: an alert whose query reads a
	// metric that is stale cannot fire, so its silence says nothing.
	Query string `json:"query,omitempty"`
}

// Metric is one runbook metric: its series now and over the last 24 h.
type Metric struct {
	Name string `json:"name"`
	// Role is which of the configured metrics it is (tokenExpirySeconds...).
	Role   string   `json:"role"`
	Series []Series `json:"series"`
	Error  string   `json:"error,omitempty"`
	// At is when the current values (Series.Value) were read. The history
	// ends at the last whole step before it, so a change in the last step
	// shows only in the current value.
	At time.Time `json:"at,omitzero"`
	// SummedOver is set for a counter read summed in Prometheus over the
	// labels that name a tenant (tenant, tenant_id, tenantId), so that one
	// per-tenant series of 24 h per tenant never crosses the wire: its
	// series with a value or a history are then one per remaining label
	// set (namespace, job, instance...), each history step growing by the
	// sum of the per-tenant series' growth over that step (a reset counted
	// as growth from zero, a series that appears or vanishes as no growth:
	// what summing series by series finds); the tenants it names are in
	// Tenants. Empty for a metric read series by series (snapshots taken
	// before it existed).
	SummedOver []string `json:"summedOver,omitempty"`
	// Tenants are, for a counter summed over its tenant labels, the
	// tenants it names now (the values of those labels in the series
	// with a sample in Prometheus' lookback), sorted: names only, the one
	// thing the judgement needs of each tenant's series (which keys the
	// metrics name); the series themselves stay in Prometheus. Snapshots
	// taken before it existed carry each tenant as one more series with
	// only its labels and the time of its newest sample instead.
	Tenants []string `json:"tenants,omitempty"`
	// TenantsOmitted counts the tenants the counter names beyond the
	// first MaxNamedTenants (by name), which are not listed.
	TenantsOmitted int `json:"tenantsOmitted,omitempty"`
}

// MaxNamedTenants bounds the tenants a summed counter lists by name.
const MaxNamedTenants = 1000000

// TenantLabels are the label names a series may carry its tenant in, in
// the order they are read: the spellings seen in the wild.
var TenantLabels = []string{"tenant", "tenant_id", "tenantId"}

// TenantOf is the tenant a series' or an alert's labels name, under any of
// TenantLabels; "" when none.
func TenantOf(labels map[string]string) string {
	for _, k := range TenantLabels {
		if v := labels[k]; v != "" {
			return v
		}
	}
	return ""
}

// Series is one labelled series.
type Series struct {
	Labels map[string]string `json:"labels"`
	Value  *float64          `json:"value,omitempty"` // nil when absent now
	// NonFinite is "NaN", "+Inf" or "-Inf" when the series' value now is
	// that (Value is then nil): a sample that tells no value.
	NonFinite string `json:"nonFinite,omitempty"`
	// History is the series over the last 24 h at a fixed step.
	History *History `json:"history,omitempty"`
	// SampledAt is the time of the series' newest sample (PromQL
	// timestamp()); for a series without a value now, of its newest in the
	// last hour; nil when unknown.
	SampledAt *time.Time `json:"sampledAt,omitempty"`
}

// History is a series sampled at Start, Start+Step, ...; a nil value is a
// step with no sample.
type History struct {
	Start  time.Time  `json:"start"`
	Step   Duration   `json:"step"`
	Values []*float64 `json:"values"`
}

// Points returns the samples that exist, with their times.
func (h *History) Points() (times []time.Time, values []float64) {
	if h == nil {
		return nil, nil
	}
	for i, v := range h.Values {
		if v != nil {
			times = append(times, h.Start.Add(time.Duration(i)*h.Step.Duration()))
			values = append(values, *v)
		}
	}
	return times, values
}

// Alert is a pending or firing alert among the runbook's four.
type Alert struct {
	Name        string            `json:"name"`
	State       string            `json:"state"`
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
	ActiveAt    *time.Time        `json:"activeAt,omitempty"`
	Value       string            `json:"value,omitempty"`
}

// ReadSnapshot decodes a snapshot written by `kubectl rotation snapshot`.
// It returns an error saying what is wrong when the input is not a
// snapshot or is of a newer schema than this build reads.
func ReadSnapshot(r io.Reader) (*Snapshot, error) {
	var s Snapshot
	dec := json.NewDecoder(r)
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("not a kubectl-rotation snapshot: %w", err)
	}
	switch {
	case s.SchemaVersion == 0:
		return nil, errors.New("not a kubectl-rotation snapshot: no schemaVersion")
	case s.SchemaVersion > SchemaVersion:
		return nil, fmt.Errorf("snapshot schema %d is newer than this kubectl-rotation reads (%d): upgrade the tool", s.SchemaVersion, SchemaVersion)
	case s.CollectedAt.IsZero():
		return nil, errors.New("not a kubectl-rotation snapshot: no collectedAt")
	}
	return &s, nil
}

// NeverStarted reports whether the pod's container never ran: it waits
// with no earlier run, or the pod has no container status at all (not
// scheduled, or the kubelet has not got to it).
func (p Pod) NeverStarted(container string) (ContainerState, bool) {
	for _, c := range p.Containers {
		if c.Name != container || c.Init {
			continue
		}
		return c, c.State == "waiting" && c.StartedAt == nil && c.LastReason == "" && c.LastExitCode == nil
	}
	return ContainerState{Name: container}, p.Phase == "Pending" // corev1.PodPending
}

// Condition returns the pod's condition of a type, if recorded.
func (p Pod) Condition(typ string) (PodCondition, bool) {
	for _, c := range p.Conditions {
		if c.Type == typ {
			return c, true
		}
	}
	return PodCondition{}, false
}

// IsDryRun reports whether env sets DRY_RUN to a literal true ("true",
// "1" or "yes", any case): a cleanup run that deletes nothing. A value
// from a ConfigMap or Secret is not read, so it is not one.
func IsDryRun(env []EnvVar) bool {
	for _, e := range env {
		if e.Name == "DRY_RUN" && e.From == "" {
			switch strings.ToLower(strings.TrimSpace(e.Value)) {
			case "true", "1", "yes":
				return true
			}
		}
	}
	return false
}

// PodLogPhrases are the runbook's phrases counted in the security and
// orchestrator pods' logs (LogsData.Audit.Phrases): the warnings the
// orchestrator writes itself, outside any Job ("Too many versions",
// Scenario 3; "Version limit exceeded", Scenario 4).
var PodLogPhrases = []string{"Too many versions", "Version limit exceeded"}

// Phrases are the runbook's log phrases highlighted in job logs.
var Phrases = []string{
	"Failed to rotate key for tenant",
	"permission denied",
	"Encryption key not found",
	"Too many versions",
	"Version limit exceeded",
	"DeadlineExceeded",
	"SIGTERM",
	"OOMKilled",
}
