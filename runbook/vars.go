package runbook

import (
	"bytes"
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"text/template"
	"time"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/config"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/shell"
)

// Vars fill the steps' command templates with the real names. Values that
// are not known are placeholders in the runbook's style (<failed-job-name>).
// The fields hold the values as read; Render quotes those a command uses
// as shell words (shellWords), and starts every kubectl and vault command
// with Kubectl and Vault.
type Vars struct {
	// Kubectl and Vault are how a command invokes kubectl and vault to
	// reach the servers the tool read: "kubectl" and "vault", with the
	// connection flags and Vault variables the person gave explicitly
	// (collectors.Connection), quoted.
	Kubectl, Vault         string
	Namespace              string
	RotationCronJob        string
	CleanupCronJob         string
	SecurityLabel          string
	OrchestratorLabel      string
	OrchestratorDeployment string
	OrchestratorSA         string
	VaultSA                string
	// RoleSAs are the service accounts the fix-role step binds
	// (RoleServiceAccounts): the runbook's and those the pod templates run
	// as.
	RoleSAs string
	// RoleCapFix is " token_max_ttl=24h", " token_explicit_max_ttl=0" or
	// both, when the role caps its tokens below the runbook's 24h
	// (RoleCapFields); RoleCap says the cap ("token_max_ttl 15m"), for
	// the notes. Both "" otherwise.
	RoleCapFix, RoleCap string
	// PolicyElsewhere is PolicyDecidedElsewhere: the rule that denies a
	// tenant path is another policy's, which the fix-policy step does not
	// write.
	PolicyElsewhere string
	// NoDeadline is true when the rotation CronJob was read and has no
	// activeDeadlineSeconds: raising it would bound its runs.
	NoDeadline        bool
	Image             string
	VaultAddr         string
	KVMount           string
	TenantPathExample string
	TenantPathOfT     string // the tenant path with $t for the tenant, for shell loops
	TenantExample     string
	// AffectedTenant is the first tenant the evidence names, else the
	// visible placeholder <tenant-id>: never a tenant picked at random for
	// a step that changes something for "an affected tenant".
	// AffectedTenantPath is its key's path below the mount.
	AffectedTenant     string
	AffectedTenantPath string
	TenantEnv          string
	// Initiator, Reason and Subject are what an emergency rotation records
	// on its Job (environment and annotations, as the emergency-rotate
	// action records them): the runbook's initiator manual-emergency, and
	// the reason and subject the person gave (the placeholders <reason> and
	// <subject> when none was given, as in a report, so that the step says
	// to fill them in). Commands quote them with kv.
	Initiator, Reason, Subject string
	// CleanupEnvFlag, RotationEnvFlag and OrchestratorEnvFlag are "-c NAME "
	// when the cleanup or rotation CronJob's job template or the
	// orchestrator's pod template has more than one container: kubectl set
	// env without it sets the variable in every container (a sidecar's
	// too), the action only in the one whose environment was read; "" with
	// one container.
	CleanupEnvFlag, RotationEnvFlag, OrchestratorEnvFlag string
	// SecurityLogFlag and OrchestratorLogFlag are "-c NAME " when the
	// tool read container NAME of every pod of the security or
	// orchestrator label and a pod has other containers (kubectl logs
	// would read its default one, maybe a sidecar); "" otherwise.
	SecurityLogFlag, OrchestratorLogFlag string
	// OrchestratorContainer is the jsonpath element of the orchestrator's
	// container whose env the tool read: containers[?(@.name=="NAME")]
	// when the pod template has more than one, else containers[0] (the
	// runbook's), so the read steps show what the tool judged.
	OrchestratorContainer string
	// TrimVersions are the versions of the affected tenant's key the
	// trim-versions action destroys ("1,2,3"; "" when none is beyond the
	// retention), or a visible placeholder when no tenant is named or its
	// key's metadata was not read (trim.go).
	TrimVersions string
	// TrimTenants are the tenants the evidence names that are over
	// retention (TrimCandidates), each with its versions to destroy, as
	// trim-versions-all trims them.
	TrimTenants []TrimTenant
	// TrimTenantPath is the key path below the mount of the first of them,
	// the one trim-versions trims; a <tenant-id> placeholder when none.
	TrimTenantPath string
	// trimCandidates are TrimCandidates of the snapshot, for ForTenants.
	trimCandidates func([]string) []string
	// trimVersions holds, per tenant whose metadata was read, its
	// TrimVersions.
	trimVersions          map[string]string
	RetentionVersions     int
	Policy                string
	PolicyText            string
	AuthMount             string
	AuthRole              string
	OrchestratorAccessor  string
	FailedJob             string
	FailedRotationJob     string
	FailedCleanupJob      string
	MetricTokenExpiry     string
	MetricTokenRenewals   string
	MetricRotations       string
	MetricRotationsFailed string
	// prom says how a command reaches the Prometheus the tool reads
	// (PromQuery).
	prom        promTarget
	OverdueDays int
	// Stamp makes names of Jobs created by hand unique (yyyymmdd-hhmmss,
	// the stamp the actions use for the same Jobs).
	Stamp string
	// The cause a finding names (ForFinding): its Job, CronJob, pod,
	// container, node, image, memory limit, and that limit doubled.
	CauseJob          string
	CauseCronJob      string
	CausePod          string
	CauseContainer    string
	CauseNode         string
	CauseImage        string
	CauseMemoryLimit  string
	CauseMemoryRaised string
	// Undelete is the `vault kv undelete -versions=N <mount>/<path>`
	// command of every key whose soft-deleted versions are still needed
	// (the current one, or within retention), one a line, at most 20 and a
	// comment counting the rest; "" when there is none (keystate.go).
	Undelete string
	// jobs are, per Job of the snapshot, what its log command reads
	// (JobLog).
	jobs map[string]jobLog
	// ns is the namespace as read (Namespace may be quoted by Render).
	ns string
	// TokenCeiling, when the orchestrator's token reaches its max TTL
	// within the expiry warning threshold, says when and why ("2026-12-01
	// 14:00 UTC (in 45m; explicit_max_ttl 2h)"): renewal cannot help then
	// (ceiling.go); "" otherwise.
	TokenCeiling string
}

// StampLayout makes the names of Jobs created by hand unique; the steps'
// commands and the actions that create those Jobs both use it.
const StampLayout = "20060102-150405"

// NewVars takes the names from the snapshot's configuration and the live
// values (failed jobs, the orchestrator's token accessor, a tenant) from the
// snapshot; at stamps the names of Jobs to create.
func NewVars(s *collectors.Snapshot, at time.Time) Vars {
	c := s.Config
	v := Vars{
		CleanupEnvFlag:         containerFlag(s, collectors.RoleCleanup),
		RotationEnvFlag:        containerFlag(s, collectors.RoleRotation),
		SecurityLogFlag:        logContainerFlag(s, collectors.LogRoleSecurity),
		OrchestratorLogFlag:    logContainerFlag(s, collectors.LogRoleOrchestrator),
		OrchestratorEnvFlag:    orchestratorContainerFlag(s),
		OrchestratorContainer:  orchestratorContainerPath(s),
		Kubectl:                shell.Kubectl(s.Connection.KubectlFlags),
		Vault:                  shell.Vault(s.Connection.VaultEnv),
		Namespace:              orPlaceholder(s.Namespace, "namespace"),
		RotationCronJob:        c.Kubernetes.RotationCronJob,
		CleanupCronJob:         c.Kubernetes.CleanupCronJob,
		SecurityLabel:          c.Kubernetes.SecurityLabel,
		OrchestratorLabel:      c.Kubernetes.OrchestratorLabel,
		OrchestratorDeployment: c.Kubernetes.OrchestratorDeployment,
		OrchestratorSA:         c.Kubernetes.OrchestratorServiceAccount,
		VaultSA:                c.Kubernetes.VaultSA(),
		RoleSAs:                RoleServiceAccounts(s),
		RoleCapFix:             roleCapFix(s),
		RoleCap:                roleCapText(s),
		PolicyElsewhere:        PolicyDecidedElsewhere(s),
		NoDeadline:             noDeadline(s),
		Image:                  "<orchestrator-image>",
		VaultAddr:              orPlaceholder(s.VaultAddr, "vault-addr"),
		KVMount:                c.Vault.KVMount,
		TenantExample:          "<tenant-id>",
		AffectedTenant:         "<tenant-id>",
		Initiator:              EmergencyInitiator,
		Reason:                 "<reason>",
		Subject:                "<subject>",
		TenantEnv:              c.Kubernetes.TenantEnv,
		RetentionVersions:      c.Vault.RetentionVersions,
		Policy:                 c.Vault.Policy,
		PolicyText:             PolicyText(c),
		AuthMount:              c.Vault.KubernetesAuthMount,
		AuthRole:               c.Vault.KubernetesAuthRole,
		OrchestratorAccessor:   "<orchestrator-token-accessor>",
		FailedJob:              "<failed-job-name>",
		FailedRotationJob:      "<cmek-rotation-job>",
		FailedCleanupJob:       "<secret-cleanup-job>",
		MetricTokenExpiry:      c.Prometheus.Metrics.TokenExpirySeconds,
		MetricTokenRenewals:    c.Prometheus.Metrics.TokenRenewals,
		MetricRotations:        c.Prometheus.Metrics.Rotations,
		MetricRotationsFailed:  c.Prometheus.Metrics.RotationsFailed,
		OverdueDays:            c.Thresholds.OverdueDays,
		Stamp:                  at.UTC().Format(StampLayout),
	}
	if k := s.Kubernetes; k != nil {
		for _, cj := range k.CronJobs {
			if cj.Role == collectors.RoleRotation && cj.Image != "" {
				v.Image = cj.Image
			}
		}
		for _, j := range k.Jobs { // newest first
			if j.Outcome != collectors.OutcomeFailed {
				continue
			}
			if v.FailedJob == "<failed-job-name>" {
				v.FailedJob = j.Name
			}
			if j.Role == collectors.RoleRotation && strings.HasPrefix(v.FailedRotationJob, "<") {
				v.FailedRotationJob = j.Name
			}
			if j.Role == collectors.RoleCleanup && strings.HasPrefix(v.FailedCleanupJob, "<") {
				v.FailedCleanupJob = j.Name
			}
		}
		// none failed (the scenario stands on other evidence: DRY_RUN left
		// on, the audit log's failures): the newest finished run's log is
		// the one to read
		for _, j := range k.Jobs {
			if j.Outcome != collectors.OutcomeSucceeded {
				continue
			}
			if j.Role == collectors.RoleRotation && strings.HasPrefix(v.FailedRotationJob, "<") {
				v.FailedRotationJob = j.Name
			}
			if j.Role == collectors.RoleCleanup && strings.HasPrefix(v.FailedCleanupJob, "<") {
				v.FailedCleanupJob = j.Name
			}
		}
	}
	if vd := s.Vault; vd != nil {
		if tok, _ := judgedToken(s); tok != nil && tok.Accessor != "" {
			v.OrchestratorAccessor = tok.Accessor
		}
		if len(vd.Tenants) > 0 {
			v.TenantExample = vd.Tenants[0].ID
		}
	}
	v.TenantPathExample = c.TenantPath(v.TenantExample)
	v.TenantPathOfT = c.TenantPath("$t")
	v.AffectedTenantPath = c.TenantPath(v.AffectedTenant)
	v.trimVersions = trimVersionsOf(s)
	v.trimCandidates = func(ts []string) []string { return TrimCandidates(s, ts) }
	v.TrimTenantPath = c.TenantPath("<tenant-id>")
	v.TrimVersions = trimPlaceholder(v.RetentionVersions)
	v.ns = v.Namespace
	v.jobs = jobLogsOf(s)
	v.Undelete = undeleteCommands(s, v.Vault)
	v.TokenCeiling = tokenCeilingVar(s, at)
	v.prom = promTargetOf(c)
	return v
}

func orPlaceholder(s, name string) string {
	if s == "" {
		return "<" + name + ">"
	}
	return s
}

// EmergencyInitiator is the initiator an emergency rotation records when
// the person names none (the runbook's Temporary Mitigation).
const EmergencyInitiator = "manual-emergency"

// ForTenants returns the variables with the example tenant set to the
// first of tenants (those a scenario's evidence names), so its commands
// name a tenant that matters, and the tenants to trim set to all of them;
// unchanged when tenants is empty.
func (v Vars) ForTenants(tenants []string) Vars {
	if len(tenants) == 0 || tenants[0] == "" {
		return v
	}
	v.TenantPathExample = v.tenantPath(tenants[0])
	v.TenantExample, v.AffectedTenant, v.AffectedTenantPath = tenants[0], tenants[0], v.TenantPathExample
	trim := tenants
	if v.trimCandidates != nil {
		trim = v.trimCandidates(tenants)
	}
	v.TrimTenants = make([]TrimTenant, 0, len(trim))
	for _, t := range trim {
		v.TrimTenants = append(v.TrimTenants, v.trimTenant(t))
	}
	if len(trim) > 0 {
		v.TrimTenantPath, v.TrimVersions = v.tenantPath(trim[0]), v.TrimTenants[0].Versions
	}
	return v
}

// tenantPath is a tenant's key path below the mount.
func (v Vars) tenantPath(tenant string) string {
	return strings.Replace(v.TenantPathOfT, "$t", tenant, 1)
}

// commandTemplate parses a step's command or note, with the functions
// commands may use: kv NAME VALUE is the shell word NAME=VALUE, quoted
// when the value needs it (an emergency rotation's reason), as the
// actions' commands quote it, so a step's command and its action's are
// the same text. Every kubectl and vault the text starts a command with
// becomes {{$.Kubectl}} and {{$.Vault}} (invocations).
func commandTemplate(text string) (*template.Template, error) {
	return template.New("").Option("missingkey=error").Funcs(template.FuncMap{"kv": shell.Pair}).Parse(invocations(text))
}

// commandStart finds kubectl and vault where the template's text starts a
// command with them: at its start, after a pipe, &&, ;, $( or a line
// break, after do, after a template action (}}), and after the backtick
// that opens a command in a note. The values filled in come later, so
// nothing a value holds is ever taken for a command.
var commandStart = regexp.MustCompile(`(^|\n|[|&;(` + "`" + `]\s*|\}\}|\bdo\s+)(kubectl|vault)\b`)

// invocations is the template text with each command's kubectl and vault
// replaced by {{$.Kubectl}} and {{$.Vault}} ($: also inside a range).
func invocations(text string) string {
	return commandStart.ReplaceAllStringFunc(text, func(m string) string {
		if strings.HasSuffix(m, "kubectl") {
			return strings.TrimSuffix(m, "kubectl") + "{{$.Kubectl}}"
		}
		return strings.TrimSuffix(m, "vault") + "{{$.Vault}}"
	})
}

// Render fills a command template, each value a command uses quoted as
// a shell word when it needs it (shellWords). A template error (which the
// embedded runbook's test rules out) is returned in the text itself, so a
// screen never goes blank.
func (v Vars) Render(command string) string {
	t, err := commandTemplate(command)
	if err != nil {
		return fmt.Sprintf("%s  # template error: %v", command, err)
	}
	var b bytes.Buffer
	if err := t.Execute(&b, v.shellWords()); err != nil {
		return fmt.Sprintf("%s  # template error: %v", command, err)
	}
	return b.String()
}

// shellWords is v with every value that commands use as a shell word, or
// as part of one, quoted when it needs it, and its placeholders left bare
// (shell.Word): tenant ids and the paths that hold them, names of
// Kubernetes objects, labels, Vault names and the address. Left as they
// are: what is already a command or its own kind of text (Kubectl,
// Vault, Undelete, PolicyText in its heredoc, the kv values, which kv
// quotes, the versions) and what only prose shows (TokenCeiling, the
// cause's image and memory limit). Kubernetes object names cannot hold
// anything a shell reads specially, so they read the same either way.
func (v Vars) shellWords() Vars {
	if v.Kubectl == "" { // Vars not made by NewVars
		v.Kubectl = "kubectl"
	}
	if v.Vault == "" {
		v.Vault = "vault"
	}
	for _, f := range []*string{
		&v.Namespace, &v.RotationCronJob, &v.CleanupCronJob, &v.SecurityLabel, &v.OrchestratorLabel,
		&v.OrchestratorDeployment, &v.OrchestratorSA, &v.VaultSA, &v.Image, &v.VaultAddr, &v.KVMount,
		&v.TenantPathExample, &v.TenantExample, &v.AffectedTenant, &v.AffectedTenantPath, &v.TrimTenantPath, &v.TenantEnv,
		&v.Policy, &v.AuthMount, &v.AuthRole, &v.OrchestratorAccessor,
		&v.FailedJob, &v.FailedRotationJob, &v.FailedCleanupJob, &v.Stamp,
		&v.CauseJob, &v.CauseCronJob, &v.CausePod, &v.CauseContainer, &v.CauseNode, &v.CauseMemoryRaised,
	} {
		*f = shell.Word(*f)
	}
	tt := make([]TrimTenant, len(v.TrimTenants))
	for i, t := range v.TrimTenants {
		t.Path = shell.Word(t.Path)
		tt[i] = t
	}
	v.TrimTenants = tt
	return v
}

// PolicyText is the rotation policy the runbook's Scenario 1 step 4 writes,
// for the configured mount and tenant path. The runbook writes the tenant
// segment as "*", which Vault treats literally in the middle of a path; "+"
// is the one-segment wildcard that grants what the runbook means.
func PolicyText(c config.Config) string {
	p := strings.Replace(c.Vault.TenantPathTemplate, config.TenantPlaceholder, "+", 1)
	return fmt.Sprintf(`path "%s/data/%s" {
  capabilities = ["create", "read", "update", "delete"]
}
path "%s/metadata/%s" {
  capabilities = ["list", "read", "delete"]
}
`, c.Vault.KVMount, p, c.Vault.KVMount, p)
}

// RequiredCapabilities are the capabilities PolicyText grants, by KV v2
// path kind ("data", "metadata").
func RequiredCapabilities() map[string][]string {
	return map[string][]string{
		"data":     {"create", "read", "update", "delete"},
		"metadata": {"list", "read", "delete"},
	}
}

// promTarget is where the tool reads Prometheus: a base URL (without
// credentials; user is its user name, if it has one), or the API server's
// service proxy path of the Prometheus Service; neither when Prometheus is
// not configured.
// containerFlag is "-c NAME " for the CronJob of role whose job template
// has more than one container, else "".
func containerFlag(s *collectors.Snapshot, role string) string {
	if cj := s.Kubernetes.CronJobOf(role); cj != nil && cj.EnvContainer != "" {
		return "-c " + shell.Quote(cj.EnvContainer) + " "
	}
	return ""
}

// noDeadline is Vars.NoDeadline.
func noDeadline(s *collectors.Snapshot) bool {
	cj := s.Kubernetes.CronJobOf(collectors.RoleRotation)
	return cj != nil && cj.Found && cj.ActiveDeadlineSeconds == nil
}

// roleCapFix is Vars.RoleCapFix.
func roleCapFix(s *collectors.Snapshot) string {
	f := RoleCapFields(s)
	out := ""
	for _, k := range slices.Sorted(maps.Keys(f)) {
		out += " " + k + "=" + f[k]
	}
	return out
}

// roleCapText is Vars.RoleCap.
func roleCapText(s *collectors.Snapshot) string {
	if s.Vault == nil {
		return ""
	}
	var parts []string
	for _, c := range roleCaps(s.Vault.Role) {
		if c.field == "token_type" {
			parts = append(parts, "token_type "+s.Vault.Role.TokenType+": not renewable, each ends at its TTL "+roundDur(c.cap))
			continue
		}
		parts = append(parts, c.field+" "+roundDur(c.cap))
	}
	return strings.Join(parts, ", ")
}

// logContainerFlag is "-c NAME " when every pod of the log selector of
// role was read in container NAME, and some pod has other containers
// (kubectl logs -l reads each pod's default container: the first, unless
// the pod names one).
func logContainerFlag(s *collectors.Snapshot, role string) string {
	l := s.Logs
	if l == nil {
		return ""
	}
	name, other := "", false
	for _, ls := range l.Selectors {
		if ls.Role != role {
			continue
		}
		for _, p := range l.Pods {
			if !slices.Contains(ls.Pods, p.Pod) || p.NotRead != "" {
				continue
			}
			if name != "" && p.Container != name {
				return "" // pods read in different containers: no one -c fits
			}
			name, other = p.Container, other || len(p.OtherContainers) > 0
		}
	}
	if name == "" || !other {
		return ""
	}
	return "-c " + shell.Quote(name) + " "
}

// orchestratorContainerPath is the jsonpath element of the orchestrator
// container the tool read (OrchestratorContainer). Container names are DNS
// labels: no quote in them breaks the command's single quotes.
func orchestratorContainerPath(s *collectors.Snapshot) string {
	if s.Kubernetes == nil || s.Kubernetes.Orchestrator == nil || s.Kubernetes.Orchestrator.EnvContainer == "" {
		return "containers[0]"
	}
	return `containers[?(@.name=="` + s.Kubernetes.Orchestrator.EnvContainer + `")]`
}

// orchestratorContainerFlag is "-c NAME " for an orchestrator Deployment
// with more than one container, else "".
func orchestratorContainerFlag(s *collectors.Snapshot) string {
	if s.Kubernetes == nil || s.Kubernetes.Orchestrator == nil || s.Kubernetes.Orchestrator.EnvContainer == "" {
		return ""
	}
	return "-c " + shell.Quote(s.Kubernetes.Orchestrator.EnvContainer) + " "
}

// placeholderName is a name that can stand in a placeholder (<org>).
var placeholderName = regexp.MustCompile(`^[a-z][a-z0-9-]*$`)

type promTarget struct {
	url, user, proxy string
	// query is the URL's own query (?org=<org>), its values placeholders:
	// they are redacted in a snapshot, and may be credentials
	query string
	// nsLabel is the label naming a series' namespace
	// (prometheus.namespaceLabel).
	nsLabel string
}

func promTargetOf(c config.Config) promTarget {
	t := promTargetAt(c)
	t.nsLabel = c.Prometheus.NamespaceLabel
	if t.nsLabel == "" {
		t.nsLabel = "namespace"
	}
	return t
}

func promTargetAt(c config.Config) promTarget {
	if ns, name, port, ok := c.PrometheusService(); ok {
		return promTarget{proxy: fmt.Sprintf("/api/v1/namespaces/%s/services/%s:%s/proxy", ns, name, port)}
	}
	if c.Prometheus.URL == "" {
		return promTarget{}
	}
	u, err := url.Parse(c.Prometheus.URL)
	if err != nil || u.Host == "" {
		return promTarget{}
	}
	var t promTarget
	if u.User != nil {
		// never the password: curl -u asks for it
		t.user, u.User = u.User.Username(), nil
	}
	if u.RawQuery != "" {
		// the URL's own parameters go after the API path, each value a
		// placeholder to fill in (redacted in a snapshot; a token, say)
		var ps []string
		for _, p := range strings.Split(u.RawQuery, "&") {
			name, _, _ := strings.Cut(p, "=")
			ph := "<value>"
			if placeholderName.MatchString(name) {
				ph = "<" + name + ">"
			}
			ps = append(ps, name+"="+ph)
		}
		t.query = strings.Join(ps, "&")
		u.RawQuery, u.ForceQuery = "", false
	}
	u.Fragment = ""
	t.url = strings.TrimRight(u.String(), "/")
	return t
}

// PromQuery is the shell command that asks the Prometheus the tool reads
// (the same URL, or the same Service through the API server's service
// proxy) for the current series of the metrics in the namespace, and those
// with no namespace label, as the tool keeps them; several metrics are one
// query ({__name__=~"a|b",...}). It is curl of the query API for a URL,
// kubectl get --raw of the proxy path for a Service, and a curl of the
// placeholder <prometheus-url> when Prometheus is not configured. Its
// output is the query API's JSON; curl -f and kubectl exit non-zero when
// Prometheus answers with an error.
func (v Vars) PromQuery(metrics ...string) string {
	label := v.prom.nsLabel
	if label == "" {
		label = "namespace"
	}
	ns := fmt.Sprintf(`%s=~"%s|"`, label, v.namespace())
	q := fmt.Sprintf(`{__name__=~"%s",%s}`, strings.Join(metrics, "|"), ns)
	if len(metrics) == 1 {
		q = metrics[0] + "{" + ns + "}"
	}
	if v.prom.proxy != "" {
		return v.shellWords().Kubectl + " get --raw " + shellQuote(v.prom.proxy+"/api/v1/query?query="+url.QueryEscape(q))
	}
	base, user := v.prom.url, ""
	if base == "" {
		base = "<prometheus-url>"
	}
	if v.prom.user != "" {
		user = " -u " + shellQuote(v.prom.user)
	}
	api := base + "/api/v1/query"
	if v.prom.query != "" {
		api += "?" + v.prom.query // curl --get appends the query with &
	}
	return "curl -fsS" + user + " --get " + shellQuote(api) + " --data-urlencode " + shellQuote("query="+q)
}

// namespace is the namespace as read: Namespace may be quoted by Render
// (a Vars not made by NewVars has only Namespace).
func (v Vars) namespace() string {
	if v.ns != "" {
		return v.ns
	}
	return v.Namespace
}

// shellQuote is s as one POSIX shell word (shell.Quote).
func shellQuote(s string) string { return shell.Quote(s) }
