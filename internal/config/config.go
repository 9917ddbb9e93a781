// Package config names the user's environment: the Kubernetes objects, Vault
// paths, Prometheus metrics and alerts, and the thresholds that
// kubectl-rotation looks at. The defaults follow the runbook
// (runbook-secret-rotation-failures.md); a YAML file overrides any of them.
//
// Parsing is strict: an unknown key, a value of the wrong type or a value
// out of range is reported with the file, the line, the dotted key path,
// what was expected and what was found, and every problem in a file is
// reported at once.
package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation"
)

// TenantPlaceholder is the marker in Vault.TenantPathTemplate replaced by a
// tenant ID.
const TenantPlaceholder = "{tenant}"

// Config is the user's environment. The zero value is not useful: start from
// Default, Parse or Load.
type Config struct {
	// Kubernetes names the objects in the cluster.
	Kubernetes Kubernetes `yaml:"kubernetes" json:"kubernetes"`
	// Vault names the KV mount, tenant paths, policy and auth role.
	Vault Vault `yaml:"vault" json:"vault"`
	// Prometheus says where Prometheus is and what the metrics and alerts are called.
	Prometheus Prometheus `yaml:"prometheus" json:"prometheus"`
	// Thresholds decide when a signal is a warning or critical.
	Thresholds Thresholds `yaml:"thresholds" json:"thresholds"`
	// Refresh is the TUI's refresh interval (at least 1s).
	Refresh Duration `yaml:"refresh" json:"refresh"`
}

// Kubernetes names the objects in the cluster. The namespace is not here: it
// comes from the kubeconfig or --namespace.
type Kubernetes struct {
	// RotationCronJob is the CronJob that rotates the tenants' CMEKs.
	RotationCronJob string `yaml:"rotationCronJob" json:"rotationCronJob"`
	// CleanupCronJob is the CronJob that deletes secret versions beyond retention.
	CleanupCronJob string `yaml:"cleanupCronJob" json:"cleanupCronJob"`
	// SecurityLabel selects the pods whose logs carry the rotation audit events.
	SecurityLabel string `yaml:"securityLabel" json:"securityLabel"`
	// OrchestratorDeployment is the Deployment that renews its Vault token.
	OrchestratorDeployment string `yaml:"orchestratorDeployment" json:"orchestratorDeployment"`
	// OrchestratorLabel selects the orchestrator's pods.
	OrchestratorLabel string `yaml:"orchestratorLabel" json:"orchestratorLabel"`
	// OrchestratorServiceAccount is the orchestrator's ServiceAccount.
	OrchestratorServiceAccount string `yaml:"orchestratorServiceAccount" json:"orchestratorServiceAccount"`
	// VaultServiceAccount is the ServiceAccount bound to the Vault Kubernetes
	// auth role; "" means the same as OrchestratorServiceAccount (see
	// VaultSA).
	VaultServiceAccount string `yaml:"vaultServiceAccount" json:"vaultServiceAccount"`
	// RetentionConfigMapKey is the text searched for in ConfigMaps to find
	// the retention settings.
	RetentionConfigMapKey string `yaml:"retentionConfigMapKey" json:"retentionConfigMapKey"`
	// TenantEnv is the environment variable telling an emergency-rotation
	// Job which tenant to rotate.
	TenantEnv string `yaml:"tenantEnv" json:"tenantEnv"`
	// LogTailLines is how many of a Job pod's last log lines are kept to
	// show.
	LogTailLines int `yaml:"logTailLines" json:"logTailLines"`
	// LogLimitBytes caps the bytes read from the start of one Job pod's
	// log, every line searched for the runbook's phrases.
	LogLimitBytes int `yaml:"logLimitBytes" json:"logLimitBytes"`
	// RequestTimeout bounds every request to the API server, its retries
	// included; kubectl's --request-timeout overrides it.
	RequestTimeout Duration `yaml:"requestTimeout" json:"requestTimeout"`
}

// VaultSA returns the ServiceAccount bound to the Vault Kubernetes auth
// role: VaultServiceAccount, or OrchestratorServiceAccount when it is empty.
func (k Kubernetes) VaultSA() string {
	if k.VaultServiceAccount != "" {
		return k.VaultServiceAccount
	}
	return k.OrchestratorServiceAccount
}

// Vault names the KV mount, the tenants' key paths, the policy and the
// Kubernetes auth role. The server address and token come from flags and
// the VAULT_* environment, never from this file.
type Vault struct {
	// KVMount is the KV v2 mount holding the tenants' keys.
	KVMount string `yaml:"kvMount" json:"kvMount"`
	// TenantPathTemplate is a tenant's key path below KVMount; it contains
	// TenantPlaceholder exactly once.
	TenantPathTemplate string `yaml:"tenantPathTemplate" json:"tenantPathTemplate"`
	// RetentionVersions is how many versions of a key are kept.
	RetentionVersions int `yaml:"retentionVersions" json:"retentionVersions"`
	// Policy is the Vault policy the rotation job needs.
	Policy string `yaml:"policy" json:"policy"`
	// KubernetesAuthMount is the mount of the Kubernetes auth method.
	KubernetesAuthMount string `yaml:"kubernetesAuthMount" json:"kubernetesAuthMount"`
	// KubernetesAuthRole is the Kubernetes auth role of the orchestrator.
	KubernetesAuthRole string `yaml:"kubernetesAuthRole" json:"kubernetesAuthRole"`
	// ScanConcurrency bounds the concurrent metadata reads when scanning tenants.
	ScanConcurrency int `yaml:"scanConcurrency" json:"scanConcurrency"`
	// RequestTimeout bounds every Vault request.
	RequestTimeout Duration `yaml:"requestTimeout" json:"requestTimeout"`
}

// Prometheus says where Prometheus is and what the runbook's metrics and
// alerts are called. At most one of URL and Service is set; neither means
// Prometheus is not configured.
type Prometheus struct {
	// URL is Prometheus's base URL, reached directly.
	URL string `yaml:"url" json:"url"`
	// Service is NS/NAME:PORT of the Prometheus Service, reached through
	// the API server's service proxy; PORT is a number or a port name.
	Service string `yaml:"service" json:"service"`
	// RequestTimeout bounds every Prometheus query.
	RequestTimeout Duration `yaml:"requestTimeout" json:"requestTimeout"`
	// NamespaceLabel is the label of the series and alerts that names the
	// namespace they are about ("namespace"; "exported_namespace" where a
	// scrape from another namespace moved the series' own label there).
	// Series without it are kept too.
	NamespaceLabel string `yaml:"namespaceLabel" json:"namespaceLabel,omitempty"`
	// Metrics are the metric names.
	Metrics Metrics `yaml:"metrics" json:"metrics"`
	// Alerts are the alert names.
	Alerts Alerts `yaml:"alerts" json:"alerts"`
}

// Metrics are the runbook's Prometheus metric names.
type Metrics struct {
	// TokenExpirySeconds is the orchestrator's Vault token time to live.
	TokenExpirySeconds string `yaml:"tokenExpirySeconds" json:"tokenExpirySeconds"`
	// TokenRenewals counts the orchestrator's Vault token renewals.
	TokenRenewals string `yaml:"tokenRenewals" json:"tokenRenewals"`
	// Rotations counts CMEK rotations.
	Rotations string `yaml:"rotations" json:"rotations"`
	// RotationsFailed counts failed CMEK rotations.
	RotationsFailed string `yaml:"rotationsFailed" json:"rotationsFailed"`
}

// Alerts are the runbook's related alert names.
type Alerts struct {
	// RotationFailed fires when a rotation job is unsuccessful.
	RotationFailed string `yaml:"rotationFailed" json:"rotationFailed"`
	// TokenExpiringSoon fires when the Vault token needs renewal.
	TokenExpiringSoon string `yaml:"tokenExpiringSoon" json:"tokenExpiringSoon"`
	// VersionOverflow fires when too many versions are retained.
	VersionOverflow string `yaml:"versionOverflow" json:"versionOverflow"`
	// AuditLogMissing fires when audit events are not recorded.
	AuditLogMissing string `yaml:"auditLogMissing" json:"auditLogMissing"`
}

// Thresholds decide when a signal is a warning or critical.
type Thresholds struct {
	// TokenExpiryWarning: a Vault token expiring sooner is a warning.
	TokenExpiryWarning Duration `yaml:"tokenExpiryWarning" json:"tokenExpiryWarning"`
	// TokenExpiryCritical: a Vault token expiring sooner is critical; it is
	// less than TokenExpiryWarning.
	TokenExpiryCritical Duration `yaml:"tokenExpiryCritical" json:"tokenExpiryCritical"`
	// OverdueDays: a rotation later than the policy interval by more than
	// this many days is a compliance finding.
	OverdueDays int `yaml:"overdueDays" json:"overdueDays"`
	// RotationInterval is the rotation policy interval; 0 means derive it
	// from the rotation CronJob's schedule.
	RotationInterval Duration `yaml:"rotationInterval" json:"rotationInterval"`
	// StaleAfter is how old a metric sample or an alert rule's evaluation
	// may be when its target's scrape interval (the rule group's
	// evaluation interval) is unknown; when it is known, three intervals
	// and at least a minute. Default 5m (also for a snapshot written
	// before the setting existed, where it is 0).
	StaleAfter Duration `yaml:"staleAfter" json:"staleAfter,omitempty"`
	// JobStuckAfter is how long a running Job's pods may be unable to run
	// (an image that cannot be pulled, no node, crash-looping) before the
	// Job counts as failing. Default 5m.
	JobStuckAfter Duration `yaml:"jobStuckAfter" json:"jobStuckAfter,omitempty"`
}

// The defaults of StaleAfter and JobStuckAfter.
const (
	DefaultStaleAfter    = 5 * time.Minute
	DefaultJobStuckAfter = 5 * time.Minute
)

// Stale is StaleAfter, or its default when unset (a snapshot written
// before the setting existed).
func (t Thresholds) Stale() time.Duration {
	if t.StaleAfter > 0 {
		return t.StaleAfter.Duration()
	}
	return DefaultStaleAfter
}

// Stuck is JobStuckAfter, or its default when unset.
func (t Thresholds) Stuck() time.Duration {
	if t.JobStuckAfter > 0 {
		return t.JobStuckAfter.Duration()
	}
	return DefaultJobStuckAfter
}

// Default returns the runbook's names and the built-in thresholds.
func Default() Config {
	return Config{
		Kubernetes: Kubernetes{
			RotationCronJob:            "cmek-rotation",
			CleanupCronJob:             "secret-cleanup",
			SecurityLabel:              "app.kubernetes.io/component=security",
			OrchestratorDeployment:     "oss-ai-orchestrator",
			OrchestratorLabel:          "app.kubernetes.io/name=oss-ai-orchestrator",
			OrchestratorServiceAccount: "oss-ai-orchestrator",
			VaultServiceAccount:        "",
			RetentionConfigMapKey:      "retention",
			TenantEnv:                  "TENANT_ID",
			LogTailLines:               200,
			LogLimitBytes:              16 << 20,
			RequestTimeout:             Duration(10 * time.Second),
		},
		Vault: Vault{
			KVMount:             "secret",
			TenantPathTemplate:  "tenants/" + TenantPlaceholder + "/cmek",
			RetentionVersions:   5,
			Policy:              "cmek-rotation",
			KubernetesAuthMount: "kubernetes",
			KubernetesAuthRole:  "oss-ai-orchestrator",
			ScanConcurrency:     16,
			RequestTimeout:      Duration(10 * time.Second),
		},
		Prometheus: Prometheus{
			RequestTimeout: Duration(10 * time.Second),
			NamespaceLabel: "namespace",
			Metrics: Metrics{
				TokenExpirySeconds: "vault_token_expiry_seconds",
				TokenRenewals:      "vault_token_renewals_total",
				Rotations:          "cmek_rotation_total",
				RotationsFailed:    "cmek_rotations_failed_total",
			},
			Alerts: Alerts{
				RotationFailed:    "CMEKRotationFailed",
				TokenExpiringSoon: "VaultTokenExpiringSoon",
				VersionOverflow:   "SecretVersionOverflow",
				AuditLogMissing:   "AuditLogMissing",
			},
		},
		Thresholds: Thresholds{
			TokenExpiryWarning:  Duration(6 * time.Hour),
			TokenExpiryCritical: Duration(time.Hour),
			OverdueDays:         7,
			StaleAfter:          Duration(DefaultStaleAfter),
			JobStuckAfter:       Duration(DefaultJobStuckAfter),
		},
		Refresh: Duration(15 * time.Second),
	}
}

// TenantPath returns the KV path of a tenant's key below the mount, such as
// "tenants/acme/cmek".
func (c Config) TenantPath(tenant string) string {
	return strings.Replace(c.Vault.TenantPathTemplate, TenantPlaceholder, tenant, 1)
}

// TenantFromPath is the inverse of TenantPath: it returns the tenant of a KV
// path below the mount, and false when p does not match the template or the
// tenant would be empty or contain a '/'.
func (c Config) TenantFromPath(p string) (string, bool) {
	prefix, suffix, ok := strings.Cut(c.Vault.TenantPathTemplate, TenantPlaceholder)
	if !ok || !strings.HasPrefix(p, prefix) || !strings.HasSuffix(p, suffix) ||
		len(p) <= len(prefix)+len(suffix) {
		return "", false
	}
	tenant := p[len(prefix) : len(p)-len(suffix)]
	if strings.Contains(tenant, "/") {
		return "", false
	}
	return tenant, true
}

// PrometheusService splits Prometheus.Service into its namespace, name and
// port. ok is false when Service is empty or not of the form NS/NAME:PORT.
func (c Config) PrometheusService() (ns, name, port string, ok bool) {
	ns, name, port, err := ParseService(c.Prometheus.Service)
	return ns, name, port, err == nil
}

// ParseService splits a Service reference of the form NS/NAME:PORT, where
// PORT is a port number or a port name. It returns an error saying which
// part is wrong.
func ParseService(s string) (ns, name, port string, err error) {
	ns, rest, ok := strings.Cut(s, "/")
	if !ok {
		return "", "", "", errors.New("missing '/' between namespace and name")
	}
	name, port, ok = strings.Cut(rest, ":")
	if !ok {
		return "", "", "", errors.New("missing ':' before the port")
	}
	if msgs := validation.IsDNS1123Label(ns); len(msgs) > 0 {
		return "", "", "", fmt.Errorf("namespace %q: %s", ns, msgs[0])
	}
	if msgs := validation.IsDNS1035Label(name); len(msgs) > 0 {
		return "", "", "", fmt.Errorf("service name %q: %s", name, msgs[0])
	}
	if n, err := strconv.Atoi(port); err == nil {
		if msgs := validation.IsValidPortNum(n); len(msgs) > 0 {
			return "", "", "", fmt.Errorf("port %q: %s", port, msgs[0])
		}
	} else if msgs := validation.IsValidPortName(port); len(msgs) > 0 {
		return "", "", "", fmt.Errorf("port %q: %s", port, msgs[0])
	}
	return ns, name, port, nil
}

// Duration is a time.Duration written in YAML and JSON as a Go duration
// string such as "90s" or "24h". The empty string reads as 0.
type Duration time.Duration

// Duration returns d as a time.Duration.
func (d Duration) Duration() time.Duration { return time.Duration(d) }

// String formats d like time.Duration.String without trailing zero units:
// "24h", "1h30m", "90s" is "1m30s".
func (d Duration) String() string {
	s := time.Duration(d).String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

// ParseDuration parses a Go duration string; "" is 0. It returns
// time.ParseDuration's error for anything else.
func ParseDuration(s string) (Duration, error) {
	if s == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	return Duration(d), err
}

// MarshalYAML writes d as a duration string.
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }

// UnmarshalYAML reads a duration string. It returns an error for any other
// node, or for a string time.ParseDuration rejects.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!str" {
		return fmt.Errorf("line %d: must be %s, got %s", n.Line, wantDuration, describe(n))
	}
	v, err := ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: must be %s, got %q", n.Line, wantDuration, n.Value)
	}
	*d = v
	return nil
}

// MarshalJSON writes d as a JSON string such as "24h".
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON reads a JSON string holding a duration. It returns an error
// for a number or a string time.ParseDuration rejects.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("duration must be a string such as \"90s\": %w", err)
	}
	v, err := ParseDuration(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// Problem is one thing wrong in a configuration.
type Problem struct {
	// File is the file name given to Parse; "" for a Config built in code.
	File string
	// Line is the 1-based line in File; 0 when unknown.
	Line int
	// Path is the dotted key path such as "vault.retentionVersions"; "" for
	// the document as a whole.
	Path string
	// Message says what is expected and what was found.
	Message string
}

// Error formats p as "file:line: path: message", leaving out the parts
// that are unknown.
func (p Problem) Error() string {
	var b strings.Builder
	if p.File != "" {
		b.WriteString(p.File)
		if p.Line > 0 {
			fmt.Fprintf(&b, ":%d", p.Line)
		}
		b.WriteString(": ")
	} else if p.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", p.Line)
	}
	if p.Path != "" {
		b.WriteString(p.Path)
		b.WriteString(": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// Error lists every problem found in a configuration. Parse, Load and
// Validate return it; use errors.As to reach the list.
type Error struct {
	// Problems are in file order; problems without a line come last.
	Problems []Problem
}

// Error joins the problems, one a line.
func (e *Error) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns the problems, so errors.As can reach a single Problem.
func (e *Error) Unwrap() []error {
	errs := make([]error, len(e.Problems))
	for i, p := range e.Problems {
		errs[i] = p
	}
	return errs
}

// Validate checks every field. It returns an *Error listing each invalid
// field with what is expected and what was found, or nil.
func (c Config) Validate() error {
	var ps []Problem
	for _, ch := range c.checks() {
		if ch.ok {
			continue
		}
		ps = append(ps, Problem{Path: ch.path, Message: ch.message()})
	}
	if len(ps) == 0 {
		return nil
	}
	return &Error{Problems: ps}
}

// Parse reads a YAML configuration over Default. filename is only used in
// error messages. An empty document gives the defaults; a null value keeps
// the default of its key. It returns an *Error listing every unknown key,
// duplicate key, wrongly typed or invalid value, with its line, and a
// syntax error or a second YAML document as a problem of its own.
func Parse(data []byte, filename string) (Config, error) {
	cfg := Default()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return cfg, nil
		}
		return Config{}, &Error{Problems: []Problem{syntaxProblem(filename, err)}}
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case errors.Is(err, io.EOF):
	case err != nil:
		return Config{}, &Error{Problems: []Problem{syntaxProblem(filename, err)}}
	default:
		return Config{}, &Error{Problems: []Problem{{
			File: filename, Line: extra.Line,
			Message: "a second YAML document; put every setting in one document (remove the '---')",
		}}}
	}

	d := decoder{file: filename, lines: map[string]int{}, wants: map[string]string{}}
	for _, ch := range cfg.checks() {
		d.wants[ch.path] = ch.want
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if !isNull(root) {
		d.decode(root, reflect.ValueOf(&cfg).Elem(), "")
	}
	for _, ch := range cfg.checks() {
		if ch.ok {
			continue
		}
		d.problems = append(d.problems, Problem{
			File: filename, Line: d.lineOf(append([]string{ch.path}, ch.also...)),
			Path: ch.path, Message: ch.message(),
		})
	}
	if len(d.problems) > 0 {
		sort.SliceStable(d.problems, func(i, j int) bool {
			li, lj := d.problems[i].Line, d.problems[j].Line
			return li != 0 && (lj == 0 || li < lj)
		})
		return Config{}, &Error{Problems: d.problems}
	}
	return cfg, nil
}

// DefaultPath returns where Load looks when no path is given:
// $XDG_CONFIG_HOME/kubectl-rotation/config.yaml, with XDG_CONFIG_HOME
// defaulting to ~/.config. It returns an error when XDG_CONFIG_HOME is unset
// and the home directory is unknown.
func DefaultPath() (string, error) {
	dir := os.Getenv("XDG_CONFIG_HOME")
	if dir == "" || !filepath.IsAbs(dir) {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("find the config directory: %w", err)
		}
		dir = filepath.Join(home, ".config")
	}
	return filepath.Join(dir, "kubectl-rotation", "config.yaml"), nil
}

// Load reads the configuration at path, or, when path is "", the file at
// DefaultPath if it exists, or else returns Default. It returns the path it
// read ("" for the built-in defaults). It returns an error naming the path
// when an explicit file cannot be read, and Parse's *Error when the file is
// invalid.
func Load(path string) (Config, string, error) {
	if path == "" {
		p, err := DefaultPath()
		if err != nil {
			// Without a home directory there is no default file to read.
			return Default(), "", nil
		}
		if _, err := os.Stat(p); errors.Is(err, os.ErrNotExist) {
			return Default(), "", nil
		}
		path = p
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, "", fmt.Errorf("read config file: %w", err)
	}
	cfg, err := Parse(data, path)
	if err != nil {
		return Config{}, "", err
	}
	return cfg, path, nil
}

// Expectations shared by checks and by the YAML decoder's type errors.
const (
	wantName     = "a DNS-1123 name (lower-case letters, digits, '-' and '.')"
	wantSelector = "a label selector such as \"app.kubernetes.io/component=security\""
	wantNonEmpty = "a non-empty string"
	wantPosInt   = "an integer >= 1"
	wantDuration = "a duration such as \"90s\" or \"24h\""
	wantTimeout  = "a duration > 0 such as \"10s\""
	wantMount    = "a Vault mount path without leading or trailing '/', such as \"secret\""
	wantVaultID  = "a non-empty name without '/' or spaces"
	wantMetric   = "a Prometheus metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)"
	wantLabel    = "a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)"
)

var metricName = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)

var labelName = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)

// check is one rule on one field: its path, what it wants, whether the
// value satisfies it, and the value found.
type check struct {
	path string
	want string
	ok   bool
	got  string
	// why is an optional explanation appended to the message.
	why string
	// also lists other paths whose line may point at the problem when path
	// is not in the file (cross-field rules).
	also []string
}

func (ch check) message() string {
	m := "must be " + ch.want + ", got " + ch.got
	if ch.why != "" {
		m += " (" + ch.why + ")"
	}
	return m
}

// checks returns every rule with its outcome, in field order.
func (c Config) checks() []check {
	var cs []check
	str := func(path, want string, v string, ok bool, why string) {
		cs = append(cs, check{path: path, want: want, ok: ok, got: strconv.Quote(v), why: why})
	}
	name := func(path, v string, optional bool) {
		want, ok := wantName, len(validation.IsDNS1123Subdomain(v)) == 0
		if optional {
			want, ok = wantName+" or \"\"", ok || v == ""
		}
		str(path, want, v, ok, "")
	}
	selector := func(path, v string) {
		why := ""
		ok := strings.TrimSpace(v) != ""
		if ok {
			if _, err := labels.Parse(v); err != nil {
				ok, why = false, err.Error()
			}
		}
		str(path, wantSelector, v, ok, why)
	}
	nonEmpty := func(path, v string) { str(path, wantNonEmpty, v, strings.TrimSpace(v) != "", "") }
	mount := func(path, v string) {
		str(path, wantMount, v, v != "" && !strings.HasPrefix(v, "/") && !strings.HasSuffix(v, "/") &&
			!strings.ContainsAny(v, " \t\n"), "")
	}
	vaultID := func(path, v string) {
		str(path, wantVaultID, v, v != "" && !strings.ContainsAny(v, "/ \t\n"), "")
	}
	metric := func(path, v string) { str(path, wantMetric, v, metricName.MatchString(v), "") }
	intRange := func(path string, v, lo, hi int) {
		want := fmt.Sprintf("an integer >= %d", lo)
		if hi > 0 {
			want = fmt.Sprintf("an integer between %d and %d", lo, hi)
		}
		cs = append(cs, check{path: path, want: want, ok: v >= lo && (hi == 0 || v <= hi), got: strconv.Itoa(v)})
	}
	dur := func(path, want string, v Duration, ok bool, also ...string) {
		cs = append(cs, check{path: path, want: want, ok: ok, got: strconv.Quote(v.String()), also: also})
	}

	k := c.Kubernetes
	name("kubernetes.rotationCronJob", k.RotationCronJob, false)
	name("kubernetes.cleanupCronJob", k.CleanupCronJob, false)
	selector("kubernetes.securityLabel", k.SecurityLabel)
	name("kubernetes.orchestratorDeployment", k.OrchestratorDeployment, false)
	selector("kubernetes.orchestratorLabel", k.OrchestratorLabel)
	name("kubernetes.orchestratorServiceAccount", k.OrchestratorServiceAccount, false)
	name("kubernetes.vaultServiceAccount", k.VaultServiceAccount, true)
	nonEmpty("kubernetes.retentionConfigMapKey", k.RetentionConfigMapKey)
	str("kubernetes.tenantEnv", "an environment variable name such as \"TENANT_ID\"", k.TenantEnv,
		k.TenantEnv != "" && len(validation.IsEnvVarName(k.TenantEnv)) == 0, "")
	intRange("kubernetes.logTailLines", k.LogTailLines, 1, 0)
	intRange("kubernetes.logLimitBytes", k.LogLimitBytes, 1, 0)
	dur("kubernetes.requestTimeout", wantTimeout, k.RequestTimeout, k.RequestTimeout > 0)

	v := c.Vault
	mount("vault.kvMount", v.KVMount)
	tpl := v.TenantPathTemplate
	str("vault.tenantPathTemplate",
		"a path containing "+TenantPlaceholder+" exactly once and no leading '/', such as \"tenants/{tenant}/cmek\"",
		tpl, strings.Count(tpl, TenantPlaceholder) == 1 && !strings.HasPrefix(tpl, "/"), "")
	intRange("vault.retentionVersions", v.RetentionVersions, 1, 0)
	vaultID("vault.policy", v.Policy)
	mount("vault.kubernetesAuthMount", v.KubernetesAuthMount)
	vaultID("vault.kubernetesAuthRole", v.KubernetesAuthRole)
	intRange("vault.scanConcurrency", v.ScanConcurrency, 1, 256)
	dur("vault.requestTimeout", wantTimeout, v.RequestTimeout, v.RequestTimeout > 0)

	p := c.Prometheus
	urlOK, urlWhy := true, ""
	if p.URL != "" {
		urlOK, urlWhy = checkHTTPURL(p.URL)
	}
	str("prometheus.url", "\"\" or an http or https URL such as \"http://prometheus.monitoring:9090\"",
		RedactURL(p.URL), urlOK, urlWhy)
	svcOK, svcWhy := true, ""
	if p.Service != "" {
		if _, _, _, err := ParseService(p.Service); err != nil {
			svcOK, svcWhy = false, err.Error()
		}
	}
	str("prometheus.service", "\"\" or NS/NAME:PORT such as \"monitoring/prometheus:9090\" (PORT a number or a port name)",
		p.Service, svcOK, svcWhy)
	if p.URL != "" && p.Service != "" {
		cs = append(cs, check{path: "prometheus.service", want: "empty when prometheus.url is set (set one of url or service)",
			got: strconv.Quote(p.Service), also: []string{"prometheus.url"}})
	}
	dur("prometheus.requestTimeout", wantTimeout, p.RequestTimeout, p.RequestTimeout > 0)
	str("prometheus.namespaceLabel", wantLabel, p.NamespaceLabel, labelName.MatchString(p.NamespaceLabel), "")
	metric("prometheus.metrics.tokenExpirySeconds", p.Metrics.TokenExpirySeconds)
	metric("prometheus.metrics.tokenRenewals", p.Metrics.TokenRenewals)
	metric("prometheus.metrics.rotations", p.Metrics.Rotations)
	metric("prometheus.metrics.rotationsFailed", p.Metrics.RotationsFailed)
	nonEmpty("prometheus.alerts.rotationFailed", p.Alerts.RotationFailed)
	nonEmpty("prometheus.alerts.tokenExpiringSoon", p.Alerts.TokenExpiringSoon)
	nonEmpty("prometheus.alerts.versionOverflow", p.Alerts.VersionOverflow)
	nonEmpty("prometheus.alerts.auditLogMissing", p.Alerts.AuditLogMissing)

	t := c.Thresholds
	dur("thresholds.tokenExpiryWarning", "a duration > 0 such as \"24h\"", t.TokenExpiryWarning, t.TokenExpiryWarning > 0)
	crit := check{
		path: "thresholds.tokenExpiryCritical", want: "a duration > 0 and less than thresholds.tokenExpiryWarning, such as \"1h\"",
		ok: t.TokenExpiryCritical > 0 && t.TokenExpiryCritical < t.TokenExpiryWarning, got: strconv.Quote(t.TokenExpiryCritical.String()),
		also: []string{"thresholds.tokenExpiryWarning"},
	}
	if t.TokenExpiryCritical >= t.TokenExpiryWarning {
		crit.why = "tokenExpiryWarning is " + strconv.Quote(t.TokenExpiryWarning.String())
	}
	cs = append(cs, crit)
	intRange("thresholds.overdueDays", t.OverdueDays, 0, 0)
	dur("thresholds.rotationInterval", "a duration >= 0 (\"\" derives it from the CronJob schedule)",
		t.RotationInterval, t.RotationInterval >= 0)
	dur("thresholds.staleAfter", "a duration >= 1s such as \"5m\"", t.StaleAfter, t.StaleAfter >= Duration(time.Second))
	dur("thresholds.jobStuckAfter", "a duration >= 1s such as \"5m\"", t.JobStuckAfter, t.JobStuckAfter >= Duration(time.Second))

	dur("refresh", "a duration >= 1s such as \"15s\"", c.Refresh, c.Refresh >= Duration(time.Second))
	return cs
}

// checkHTTPURL reports whether s is an absolute http or https URL with a
// host, and why not.
func checkHTTPURL(s string) (bool, string) {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return false, strings.ReplaceAll(err.Error(), s, RedactURL(s))
	case u.Scheme != "http" && u.Scheme != "https":
		return false, "the scheme must be http or https"
	case u.Host == "":
		return false, "no host"
	}
	return true, ""
}

// decoder walks a yaml.Node over a Config, recording problems and the line
// of every key path it sets.
type decoder struct {
	file     string
	problems []Problem
	lines    map[string]int
	wants    map[string]string
}

var durationType = reflect.TypeOf(Duration(0))

func (d *decoder) add(line int, path, msg string) {
	d.problems = append(d.problems, Problem{File: d.file, Line: line, Path: path, Message: msg})
}

// lineOf returns the line of the first path found, walking up to parents,
// or 0.
func (d *decoder) lineOf(paths []string) int {
	for _, p := range paths {
		if l, ok := d.lines[p]; ok {
			return l
		}
	}
	for _, p := range paths {
		for i := strings.LastIndexByte(p, '.'); i > 0; i = strings.LastIndexByte(p, '.') {
			p = p[:i]
			if l, ok := d.lines[p]; ok {
				return l
			}
		}
	}
	return 0
}

func (d *decoder) decode(n *yaml.Node, v reflect.Value, path string) {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if isNull(n) {
		return // keep the default
	}
	want := d.wants[path]
	switch {
	case v.Kind() == reflect.Struct:
		d.decodeStruct(n, v, path)
	case v.Type() == durationType:
		if want == "" {
			want = wantDuration
		}
		if n.Kind != yaml.ScalarNode || n.Tag != "!!str" {
			d.add(n.Line, path, fmt.Sprintf("must be %s, got %s", want, describe(n)))
			return
		}
		dur, err := ParseDuration(n.Value)
		if err != nil {
			d.add(n.Line, path, fmt.Sprintf("must be %s, got %q", want, n.Value))
			return
		}
		v.SetInt(int64(dur))
	case v.Kind() == reflect.Int:
		if want == "" {
			want = "an integer"
		}
		var i int
		if n.Kind != yaml.ScalarNode || n.Tag != "!!int" || n.Decode(&i) != nil {
			d.add(n.Line, path, fmt.Sprintf("must be %s, got %s", want, describe(n)))
			return
		}
		v.SetInt(int64(i))
	case v.Kind() == reflect.String:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!str" {
			msg := "must be a string"
			if n.Kind == yaml.ScalarNode {
				msg += " (quote it)"
			}
			d.add(n.Line, path, fmt.Sprintf("%s, got %s", msg, describe(n)))
			return
		}
		v.SetString(n.Value)
	default:
		// a field of a kind the decoder does not know: a problem to report,
		// never a panic (TestDecoder_EveryField keeps this unreachable)
		d.add(n.Line, path, fmt.Sprintf("cannot be read by this version of kubectl-rotation (a %s setting): leave it out and report it", v.Type()))
	}
}

func (d *decoder) decodeStruct(n *yaml.Node, v reflect.Value, path string) {
	t := v.Type()
	keys := make([]string, 0, t.NumField())
	for i := range t.NumField() {
		keys = append(keys, yamlName(t.Field(i)))
	}
	where := path
	if where == "" {
		where = "the document"
	}
	if n.Kind != yaml.MappingNode {
		d.add(n.Line, path, fmt.Sprintf("must be a mapping with keys %s, got %s", strings.Join(keys, ", "), describe(n)))
		return
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		kn, vn := n.Content[i], n.Content[i+1]
		key := kn.Value
		child := key
		if path != "" {
			child = path + "." + key
		}
		if kn.Kind != yaml.ScalarNode {
			d.add(kn.Line, path, fmt.Sprintf("keys of %s must be strings, got %s", where, describe(kn)))
			continue
		}
		if first, dup := seen[key]; dup {
			d.add(kn.Line, child, fmt.Sprintf("set twice (first on line %d); keep one", first))
			continue
		}
		seen[key] = kn.Line
		idx := -1
		for j, k := range keys {
			if k == key {
				idx = j
				break
			}
		}
		if idx < 0 {
			msg := "unknown key"
			if s := closest(key, keys); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			}
			msg += "; known keys in " + where + ": " + strings.Join(keys, ", ")
			d.add(kn.Line, child, msg)
			continue
		}
		d.lines[child] = kn.Line
		d.decode(vn, v.Field(idx), child)
	}
}

func yamlName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	if name == "" {
		return f.Name
	}
	return name
}

// closest returns the known key that key most likely misspells, or "".
func closest(key string, known []string) string {
	best, bestDist := "", 3
	for _, k := range known {
		if strings.EqualFold(k, key) {
			return k
		}
		if dist := levenshtein(strings.ToLower(key), strings.ToLower(k)); dist < bestDist {
			best, bestDist = k, dist
		}
	}
	return best
}

func levenshtein(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func isNull(n *yaml.Node) bool {
	return n.Kind == 0 || (n.Kind == yaml.ScalarNode && n.Tag == "!!null")
}

// describe says what a node is, for "got ..." in messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!str" {
			return strconv.Quote(n.Value)
		}
		return n.Value
	case yaml.AliasNode:
		return "an alias"
	}
	return "nothing"
}

var yamlLine = regexp.MustCompile(`^line (\d+): (.*)$`)

// syntaxProblem turns a yaml.v3 parse error ("yaml: line 3: ...") into a
// Problem with its line.
func syntaxProblem(file string, err error) Problem {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	p := Problem{File: file, Message: "invalid YAML: " + msg}
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		p.Line, _ = strconv.Atoi(m[1])
		p.Message = "invalid YAML: " + m[2]
	}
	return p
}

// userinfoPassword is the password of a URL's userinfo ("://user:PASSWORD@"),
// for the URLs url.Parse refuses.
var userinfoPassword = regexp.MustCompile(`(://[^/?#@:]*:)[^/?#@]*@`)

// RedactURL returns s with the password of its userinfo replaced by
// "xxxxx", as url.URL.Redacted does, and the value of every query
// parameter too (?token=xxxxx&org=xxxxx: the names are kept, since which
// parameter carries a credential cannot be told), also when s does not
// parse: a URL is shown, logged or stored only through it.
func RedactURL(s string) string {
	if !strings.Contains(s, "://") && strings.Contains(s, "@") { // host:port written without a scheme
		return strings.TrimPrefix(RedactURL("x://"+s), "x://")
	}
	if u, err := url.Parse(s); err == nil && u.User != nil {
		return redactQuery(u.Redacted())
	}
	return redactQuery(userinfoPassword.ReplaceAllString(s, "${1}xxxxx@"))
}

// redactQuery replaces the value of each parameter of s's query (from the
// first '?' to the fragment) with "xxxxx", keeping the names, the order
// and the separators; an empty value stays empty. The text is edited as it
// is, not re-encoded, so the rest of s reads as given.
func redactQuery(s string) string {
	q := strings.IndexByte(s, '?')
	if q < 0 {
		return s
	}
	end := len(s)
	if h := strings.IndexByte(s[q:], '#'); h >= 0 {
		end = q + h
	}
	params := strings.Split(s[q+1:end], "&")
	for i, p := range params {
		if name, value, ok := strings.Cut(p, "="); ok && value != "" {
			params[i] = name + "=xxxxx"
		}
	}
	return s[:q+1] + strings.Join(params, "&") + s[end:]
}

// Redacted returns a copy of c that can be stored and shown: the
// Prometheus URL's password and query values replaced (RedactURL). A
// snapshot holds only it.
func (c Config) Redacted() Config {
	c.Prometheus.URL = RedactURL(c.Prometheus.URL)
	return c
}
