package main

import (
	"encoding/json"
	"errors"
	goflag "flag"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hashicorp/vault/api"
	"github.com/spf13/pflag"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/klog/v2"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/config"
)

// Where a value came from, for display.
const (
	sourceFlagVaultAddr  = "--vault-addr"
	sourceEnvVaultAddr   = "VAULT_ADDR"
	sourceEnvVaultAgent  = "VAULT_AGENT_ADDR"
	sourceDefault        = "default"
	sourceEnvVaultToken  = "VAULT_TOKEN"
	sourceVaultTokenFile = "~/.vault-token"
	sourceNone           = "none"
	sourceFlagPromURL    = "--prometheus-url"
	sourceFlagPromSvc    = "--prometheus-service"
	sourceEnvPromURL     = "PROMETHEUS_URL"
	sourceConfig         = "config"
)

// envPrometheusURL names the variable that gives Prometheus's URL when no
// flag does (the lab prints it); it overrides the config file.
const envPrometheusURL = "PROMETHEUS_URL"

// sourceTimeoutMargin is what the default source timeout adds to the
// longest request timeout: a source's last request may start late, but the
// source as a whole still answers within a request timeout and a few
// seconds.
const sourceTimeoutMargin = 4 * time.Second

// Settings is everything Complete resolved from flags, the environment, the
// config file and the kubeconfig; later stages (collectors, actions, UI,
// report) take it as is. It holds no secret in a printable or marshalable
// form: the Vault token is a secretString.
type Settings struct {
	// Config is the configuration with the flag overrides applied.
	Config config.Config `json:"config"`
	// ConfigPath is the file Config was read from; "" for built-in defaults.
	ConfigPath string `json:"configPath"`
	// ConfigGiven is set when --config named the file (not the default
	// file): a replay is then judged with its judgement settings (see
	// judgeReplay).
	ConfigGiven bool `json:"configGiven,omitempty"`

	// Demo is set by --demo: the built-in sample, no cluster.
	Demo bool `json:"demo"`
	// From is the snapshot file replayed by --from; "" when live.
	From string `json:"from,omitempty"`
	// ReadOnly is set by --read-only, --demo or --from.
	ReadOnly bool `json:"readOnly"`

	// RESTConfig talks to the API server; nil with --demo or --from.
	RESTConfig *rest.Config `json:"-"`
	// KubeHost is RESTConfig.Host.
	KubeHost string `json:"kubeHost,omitempty"`
	// Namespace is from --namespace or the kubeconfig context.
	Namespace string `json:"namespace,omitempty"`
	// Context is the kubeconfig context in use.
	Context string `json:"context,omitempty"`
	// Connection is what the commands the tool shows add to reach the
	// same servers: the kubectl connection flags and the Vault flags given
	// explicitly (connectionOf).
	Connection collectors.Connection `json:"connection,omitzero"`
	// SourceTimeout bounds each source's collection as a whole: from
	// --source-timeout, else the longest request timeout (Kubernetes,
	// Vault, Prometheus) plus sourceTimeoutMargin.
	SourceTimeout time.Duration `json:"sourceTimeout"`

	// Vault says how to reach Vault; empty with --demo or --from.
	Vault VaultSettings `json:"vault"`
	// Prometheus says how to reach Prometheus.
	Prometheus PrometheusTarget `json:"prometheus"`

	// Journal is the append-only JSONL file where actions are recorded.
	Journal string `json:"journal"`
	// LogFile receives the tool's logs; "" for none.
	LogFile string `json:"logFile,omitempty"`
}

// Offline reports whether no live source is read (--demo or --from).
func (s Settings) Offline() bool { return s.Demo || s.From != "" }

// VaultSettings says how to reach Vault.
type VaultSettings struct {
	// Config is vault/api's client configuration (VAULT_* environment with
	// the flags applied); nil with --demo or --from.
	Config *api.Config `json:"-"`
	// Address is the Vault server address.
	Address string `json:"address,omitempty"`
	// AddressSource is where Address came from: "--vault-addr",
	// "VAULT_AGENT_ADDR", "VAULT_ADDR" or "default".
	AddressSource string `json:"addressSource,omitempty"`
	// Namespace is the Vault Enterprise namespace, from --vault-namespace
	// or VAULT_NAMESPACE.
	Namespace string `json:"namespace,omitempty"`
	// Token is the Vault token; it never prints or marshals.
	Token secretString `json:"-"`
	// TokenSource is where Token came from: "VAULT_TOKEN", "~/.vault-token"
	// or "none".
	TokenSource string `json:"tokenSource,omitempty"`
}

// PrometheusTarget says how to reach Prometheus: directly at URL, or
// through the API server's service proxy to Namespace/Service:Port, or not
// at all when Source is "".
type PrometheusTarget struct {
	// URL is Prometheus's base URL when reached directly.
	URL string `json:"url,omitempty"`
	// Namespace of the Service reached through the proxy.
	Namespace string `json:"namespace,omitempty"`
	// Service is the name of the Service reached through the proxy.
	Service string `json:"service,omitempty"`
	// Port is the Service port number or name.
	Port string `json:"port,omitempty"`
	// Source is "--prometheus-url", "--prometheus-service",
	// "PROMETHEUS_URL", "config" or "" when Prometheus is not configured.
	Source string `json:"source,omitempty"`
}

// secretString holds a credential. It formats with every fmt verb, and
// marshals to JSON, as "[redacted]"; Reveal returns the value. The value
// sits behind a pointer so that even reflection-based printing of a
// containing struct shows only an address.
type secretString struct{ p *string }

func newSecretString(s string) secretString { return secretString{p: &s} }

// Reveal returns the secret; call it only to hand the value to a client.
func (s secretString) Reveal() string {
	if s.p == nil {
		return ""
	}
	return *s.p
}

// IsSet reports whether a non-empty secret is held.
func (s secretString) IsSet() bool { return s.Reveal() != "" }

// String returns "[redacted]", or "" when no secret is held.
func (s secretString) String() string {
	if !s.IsSet() {
		return ""
	}
	return "[redacted]"
}

// GoString returns the same as String, for %#v.
func (s secretString) GoString() string { return s.String() }

// Format writes String for every verb.
func (s secretString) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(s.String())) }

// MarshalJSON writes String as a JSON string.
func (s secretString) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// optionalDuration is a duration flag that remembers whether it was set.
type optionalDuration struct {
	value time.Duration
	set   bool
}

var _ pflag.Value = (*optionalDuration)(nil)

// String returns the value, or "" when unset (so help shows no default).
func (d *optionalDuration) String() string {
	if !d.set {
		return ""
	}
	return d.value.String()
}

// Set parses a Go duration. It returns time.ParseDuration's error.
func (d *optionalDuration) Set(s string) error {
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("want a duration such as 15s or 1m: %w", err)
	}
	d.value, d.set = v, true
	return nil
}

// Type names the flag's type in help.
func (d *optionalDuration) Type() string { return "duration" }

// sourceOptions are --demo and --from, which replace the live sources.
type sourceOptions struct {
	demo bool
	from string
}

func (s *sourceOptions) addFlags(fs *pflag.FlagSet) {
	fs.BoolVar(&s.demo, "demo", false, "Use the built-in sample environment; no cluster, Vault or Prometheus needed (read-only)")
	fs.StringVar(&s.from, "from", "", "Replay a snapshot `FILE` captured by 'kubectl rotation snapshot' (read-only), judged with the config it was taken with; an explicit --config replaces only its thresholds and vault.retentionVersions, never the names it was read by")
}

// offline reports whether --demo or --from replaces the live sources.
func (s sourceOptions) offline() bool { return s.demo || s.from != "" }

// validate checks --demo and --from. It returns an error when both are set
// or when the --from file cannot be read.
func (s sourceOptions) validate() error {
	if s.demo && s.from != "" {
		return errors.New("--demo and --from cannot be used together: --demo shows the built-in sample, --from replays a snapshot file; pick one")
	}
	if s.from == "" {
		return nil
	}
	f, err := os.Open(s.from)
	if err != nil {
		return fmt.Errorf("--from: cannot read the snapshot: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return fmt.Errorf("--from: cannot read the snapshot: %w", err)
	}
	if info.IsDir() {
		return fmt.Errorf("--from %s: is a directory; pass a snapshot file", s.from)
	}
	return nil
}

// globalOptions are the flags every command shares, and the Settings that
// Complete resolves from them.
type globalOptions struct {
	configFlags *genericclioptions.ConfigFlags
	genericiooptions.IOStreams

	configPath        string
	vaultAddr         string
	vaultNamespace    string
	vaultCACert       string
	prometheusURL     string
	prometheusService string
	refresh           optionalDuration
	sourceTimeout     optionalDuration
	journal           string
	logFile           string
	readOnly          bool
	// klog holds the Kubernetes client's log flags; only -v/--v is exposed.
	klog *goflag.FlagSet

	// Settings is filled by complete.
	Settings Settings
}

func newGlobalOptions(streams genericiooptions.IOStreams) *globalOptions {
	return &globalOptions{
		configFlags: genericclioptions.NewConfigFlags(true).WithWarningPrinter(streams),
		IOStreams:   streams,
	}
}

// addFlags registers the kubectl flags and the tool's global flags.
func (g *globalOptions) addFlags(fs *pflag.FlagSet) {
	g.configFlags.AddFlags(fs)
	if f := fs.Lookup("request-timeout"); f != nil {
		f.Usage = "Timeout of each request to the API server, retries included, e.g. 5s or 1m; 0 uses kubernetes.requestTimeout from the config file (10s by default)"
	}
	fs.StringVar(&g.configPath, "config", "", "Configuration `FILE` (default $XDG_CONFIG_HOME/kubectl-rotation/config.yaml if it exists, else built-in defaults)")
	fs.StringVar(&g.vaultAddr, "vault-addr", "", "Vault server `ADDRESS` (default $VAULT_ADDR, else https://127.0.0.1:8200)")
	fs.StringVar(&g.vaultNamespace, "vault-namespace", "", "Vault Enterprise `NAMESPACE` (default $VAULT_NAMESPACE)")
	fs.StringVar(&g.vaultCACert, "vault-cacert", "", "PEM CA certificate `FILE` to verify Vault's TLS certificate (default $VAULT_CACERT)")
	fs.StringVar(&g.prometheusURL, "prometheus-url", "", "Prometheus base `URL`, reached directly (default $PROMETHEUS_URL; both override the config file)")
	fs.StringVar(&g.prometheusService, "prometheus-service", "", "Prometheus Service as `NS/NAME:PORT`, reached through the API server's service proxy (overrides the config file)")
	fs.Var(&g.refresh, "refresh", "`DURATION` between refreshes of the dashboard, at least 1s (default from the config file, 15s)")
	fs.Var(&g.sourceTimeout, "source-timeout", "Bound on reading each source (Kubernetes, logs, Vault, Prometheus) as a whole, e.g. 1m for a large Vault; a source cut by it is reported partial, naming what did not finish (default: the longest request timeout + 4s, 14s with the defaults)")
	fs.StringVar(&g.journal, "journal", "", "Append-only JSONL `FILE` recording every action (default $XDG_STATE_HOME/kubectl-rotation/journal.jsonl)")
	fs.StringVar(&g.logFile, "log-file", "", "Write the tool's logs to `FILE` (default: no logs)")
	fs.BoolVar(&g.readOnly, "read-only", false, "Audit mode: every mutating request is refused and actions are disabled")
	g.addKlogFlags(fs)
}

// addKlogFlags registers kubectl's -v/--v: the log level of the Kubernetes
// client (klog keeps it process-wide, as in kubectl). Registering it also
// keeps cobra from making -v mean --version.
func (g *globalOptions) addKlogFlags(fs *pflag.FlagSet) {
	g.klog = goflag.NewFlagSet("klog", goflag.ContinueOnError)
	klog.InitFlags(g.klog)
	v := pflag.PFlagFromGoFlag(g.klog.Lookup("v"))
	v.Shorthand = "v"
	v.Usage = "Log `LEVEL` of the Kubernetes client, as kubectl's -v (4 shows retries, 6 every request); written to stderr, in the dashboard to --log-file"
	fs.AddFlag(v)
}

// logKlogTo sends the Kubernetes client's logs, errors included, to w
// instead of stderr (the dashboard owns the terminal).
func (g *globalOptions) logKlogTo(w io.Writer) {
	klog.LogToStderr(false)
	if g.klog != nil {
		_ = g.klog.Set("stderrthreshold", "FATAL")
	}
	klog.SetOutput(w)
}

// complete loads the configuration, applies the flag overrides and, unless
// src replaces the live sources, resolves the Kubernetes and Vault
// connection settings into g.Settings. It returns the config file's errors
// as they are (they carry file:line), and errors saying what to do when the
// kubeconfig or the Vault environment cannot be used.
func (g *globalOptions) complete(src sourceOptions) error {
	cfg, path, err := config.Load(g.configPath)
	if err != nil {
		return err
	}
	s := Settings{
		ConfigPath:  path,
		ConfigGiven: g.configPath != "",
		Demo:        src.demo,
		From:        src.from,
		ReadOnly:    g.readOnly || src.demo || src.from != "",
		LogFile:     g.logFile,
	}

	switch env := os.Getenv(envPrometheusURL); {
	case g.prometheusURL != "":
		cfg.Prometheus.URL, cfg.Prometheus.Service = g.prometheusURL, ""
		s.Prometheus.Source = sourceFlagPromURL
	case g.prometheusService != "":
		cfg.Prometheus.URL, cfg.Prometheus.Service = "", g.prometheusService
		s.Prometheus.Source = sourceFlagPromSvc
	case env != "":
		cfg.Prometheus.URL, cfg.Prometheus.Service = env, ""
		s.Prometheus.Source = sourceEnvPromURL
	case cfg.Prometheus.URL != "" || cfg.Prometheus.Service != "":
		s.Prometheus.Source = sourceConfig
	}
	s.Prometheus.URL = cfg.Prometheus.URL
	if ns, name, port, ok := cfg.PrometheusService(); ok {
		s.Prometheus.Namespace, s.Prometheus.Service, s.Prometheus.Port = ns, name, port
	}
	if g.refresh.set {
		cfg.Refresh = config.Duration(g.refresh.value)
	}
	s.Config = cfg

	s.Journal = g.journal
	if s.Journal == "" {
		if s.Journal, err = defaultJournalPath(); err != nil {
			return err
		}
	}

	if !s.Offline() {
		if err := g.completeKube(&s); err != nil {
			return err
		}
		if err := g.completeVault(&s); err != nil {
			return err
		}
	}
	s.SourceTimeout = g.sourceTimeout.value
	if !g.sourceTimeout.set {
		s.SourceTimeout = defaultSourceTimeout(s.Config)
	}
	g.Settings = s
	return nil
}

// defaultSourceTimeout returns the longest of the configuration's request
// timeouts plus sourceTimeoutMargin.
func defaultSourceTimeout(c config.Config) time.Duration {
	return max(c.Kubernetes.RequestTimeout, c.Vault.RequestTimeout, c.Prometheus.RequestTimeout).Duration() + sourceTimeoutMargin
}

// errNoKubeconfig says what to do when there is no Kubernetes configuration
// at all (clientcmd would silently fall back to http://localhost:8080).
var errNoKubeconfig = errors.New("no Kubernetes configuration found: pass --kubeconfig or set KUBECONFIG (or use --demo to try the tool without a cluster)")

// noKubeconfig is errNoKubeconfig, or, when --kubeconfig or KUBECONFIG
// names files, which files hold no cluster (an empty file, say).
func (g *globalOptions) noKubeconfig() error {
	files := ""
	switch {
	case g.configFlags.KubeConfig != nil && *g.configFlags.KubeConfig != "":
		files = "--kubeconfig " + *g.configFlags.KubeConfig
	case os.Getenv("KUBECONFIG") != "":
		files = "KUBECONFIG=" + os.Getenv("KUBECONFIG")
	default:
		return errNoKubeconfig
	}
	return fmt.Errorf("no Kubernetes cluster in %s: the file is empty or defines no cluster; give a kubeconfig with a cluster, user and context ('kubectl config view' shows what it holds), or use --demo", files)
}

// completeKube resolves the REST config, namespace and context. It returns
// an error telling the user which flag or variable to set when there is no
// kubeconfig, no current context, or the kubeconfig cannot be used.
func (g *globalOptions) completeKube(s *Settings) error {
	loader := g.configFlags.ToRawKubeConfigLoader()
	raw, err := loader.RawConfig()
	if clientcmd.IsEmptyConfig(err) {
		return g.noKubeconfig()
	}
	if err != nil {
		return kubeconfigError(err)
	}
	s.Context = *g.configFlags.Context
	if s.Context == "" {
		s.Context = raw.CurrentContext
	} else if _, ok := raw.Contexts[s.Context]; !ok {
		return fmt.Errorf("context %q does not exist in the kubeconfig: pick one of 'kubectl config get-contexts' with --context (or use --demo)", s.Context)
	}
	if *g.configFlags.APIServer == "" {
		switch {
		case len(raw.Clusters) == 0:
			if _, err := rest.InClusterConfig(); err != nil {
				return g.noKubeconfig()
			}
		case s.Context == "" && *g.configFlags.ClusterName == "":
			return errors.New("the kubeconfig has no current context: pass --context (see 'kubectl config get-contexts') or run 'kubectl config use-context NAME'")
		}
	}
	restConfig, err := g.configFlags.ToRESTConfig()
	if err != nil {
		return kubeconfigError(err)
	}
	// Every request has a timeout: --request-timeout when given, else the
	// config's (client-go's own default is none). client-go's retries of a
	// 429 or 5xx with Retry-After run inside it.
	if restConfig.Timeout > 0 {
		s.Config.Kubernetes.RequestTimeout = config.Duration(restConfig.Timeout)
	} else {
		restConfig.Timeout = s.Config.Kubernetes.RequestTimeout.Duration()
	}
	ns, _, err := loader.Namespace()
	if err != nil {
		return kubeconfigError(err)
	}
	s.RESTConfig, s.KubeHost, s.Namespace = restConfig, restConfig.Host, ns
	s.Connection.KubectlFlags = kubectlFlags(g.configFlags)
	return nil
}

// kubectlFlags are the connection flags given explicitly, each one word in
// kubectl's spelling, in the order kubectl's help lists them: those that
// choose the kubeconfig, cluster, user and identity, and how the server is
// reached. A file is named by its absolute path, so a command runs as is
// from any directory. A credential is never shown: --token and --password
// become the placeholders <token> and <password>, which a shell refuses
// to run until they are filled in. --namespace is not here: every command
// names its namespace.
func kubectlFlags(f *genericclioptions.ConfigFlags) []string {
	var out []string
	str := func(name string, v *string, file bool) {
		if v == nil || *v == "" {
			return
		}
		val := *v
		if file {
			if abs, err := filepath.Abs(val); err == nil {
				val = abs
			}
		}
		out = append(out, "--"+name+"="+val)
	}
	secret := func(name string, v *string) {
		if v != nil && *v != "" {
			out = append(out, "--"+name+"=<"+name+">")
		}
	}
	list := func(name string, v *[]string) {
		if v == nil {
			return
		}
		for _, x := range *v {
			out = append(out, "--"+name+"="+x)
		}
	}
	str("kubeconfig", f.KubeConfig, true)
	str("context", f.Context, false)
	str("cluster", f.ClusterName, false)
	str("user", f.AuthInfoName, false)
	str("server", f.APIServer, false)
	str("tls-server-name", f.TLSServerName, false)
	if f.Insecure != nil && *f.Insecure {
		out = append(out, "--insecure-skip-tls-verify")
	}
	str("certificate-authority", f.CAFile, true)
	str("client-certificate", f.CertFile, true)
	str("client-key", f.KeyFile, true)
	secret("token", f.BearerToken)
	str("username", f.Username, false)
	secret("password", f.Password)
	str("as", f.Impersonate, false)
	str("as-uid", f.ImpersonateUID, false)
	list("as-group", f.ImpersonateGroup)
	list("as-user-extra", f.ImpersonateUserExtra)
	if f.ProxyURL != nil && *f.ProxyURL != "" {
		out = append(out, "--proxy-url="+config.RedactURL(*f.ProxyURL))
	}
	return out
}

// kubeconfigError turns a clientcmd error into one that says what to do.
func kubeconfigError(err error) error {
	switch {
	case clientcmd.IsEmptyConfig(err):
		return errNoKubeconfig
	case clientcmd.IsContextNotFound(err):
		return fmt.Errorf("%w: pick one of 'kubectl config get-contexts' with --context (or use --demo)", err)
	default:
		return fmt.Errorf("load the Kubernetes configuration: %w (check --kubeconfig, KUBECONFIG and --context, or use --demo)", err)
	}
}

// completeVault builds vault/api's configuration from the VAULT_* environment
// and the flags, and finds the token. It returns an error naming the
// variable or flag that could not be used.
func (g *globalOptions) completeVault(s *Settings) error {
	vc := api.DefaultConfig()
	if vc.Error != nil {
		return fmt.Errorf("read the Vault environment (VAULT_*): %w", vc.Error)
	}
	boundVaultRetries(vc, s.Config.Vault.RequestTimeout.Duration())
	v := VaultSettings{Config: vc, AddressSource: sourceDefault}
	switch {
	case g.vaultAddr != "":
		vc.Address, vc.AgentAddress = g.vaultAddr, ""
		v.AddressSource = sourceFlagVaultAddr
	case vc.AgentAddress != "":
		v.AddressSource = sourceEnvVaultAgent
	case os.Getenv(api.EnvVaultAddress) != "":
		v.AddressSource = sourceEnvVaultAddr
	}
	v.Address = vc.Address
	if vc.AgentAddress != "" {
		v.Address = vc.AgentAddress
	}
	if g.vaultCACert != "" {
		if err := vc.ConfigureTLS(&api.TLSConfig{CACert: g.vaultCACert}); err != nil {
			return fmt.Errorf("--vault-cacert %s: %w", g.vaultCACert, err)
		}
	}
	v.Namespace = g.vaultNamespace
	if v.Namespace == "" {
		v.Namespace = os.Getenv(api.EnvVaultNamespace)
	}
	tok, src, err := vaultToken()
	if err != nil {
		return err
	}
	v.Token, v.TokenSource = tok, src
	s.Vault = v
	s.Connection.VaultEnv = g.vaultEnv(vc)
	return nil
}

// vaultEnv is the Vault CLI's environment for what a Vault flag said
// instead of the environment, so a vault command the tool shows reaches
// the same Vault: VAULT_ADDR for --vault-addr (and VAULT_AGENT_ADDR
// emptied when it is set, as the flag overrides it here), VAULT_NAMESPACE
// for --vault-namespace, VAULT_CACERT for --vault-cacert (absolute). The
// address is redacted (config.RedactURL); the token is never here.
func (g *globalOptions) vaultEnv(vc *api.Config) []string {
	var out []string
	if g.vaultAddr != "" {
		if os.Getenv(api.EnvVaultAgentAddr) != "" {
			out = append(out, api.EnvVaultAgentAddr+"=")
		}
		out = append(out, api.EnvVaultAddress+"="+config.RedactURL(vc.Address))
	}
	if g.vaultNamespace != "" {
		out = append(out, api.EnvVaultNamespace+"="+g.vaultNamespace)
	}
	if g.vaultCACert != "" {
		p := g.vaultCACert
		if abs, err := filepath.Abs(p); err == nil {
			p = abs
		}
		out = append(out, api.EnvVaultCACert+"="+p)
	}
	return out
}

// Vault client retries: vault/api's defaults (2 retries, 1-1.5 s apart) made
// a refused connection take 3.6 s and a sealed Vault's 503 wait too. One
// retry after 100-300 ms still rides out a dropped connection or a single
// 5xx, and a refused connection answers in well under a second.
const (
	vaultMaxRetries   = 1
	vaultMinRetryWait = 100 * time.Millisecond
	vaultMaxRetryWait = 300 * time.Millisecond
)

// boundVaultRetries bounds vault/api's retries and overall request time:
// every call, its retries included, ends within timeout (the config's
// vault.requestTimeout). VAULT_MAX_RETRIES and VAULT_CLIENT_TIMEOUT, when
// set, are the user's explicit choice and are kept.
func boundVaultRetries(vc *api.Config, timeout time.Duration) {
	if os.Getenv(api.EnvVaultMaxRetries) == "" {
		vc.MaxRetries = vaultMaxRetries
	}
	vc.MinRetryWait, vc.MaxRetryWait = vaultMinRetryWait, vaultMaxRetryWait
	if os.Getenv(api.EnvVaultClientTimeout) == "" && timeout > 0 {
		vc.Timeout = timeout
	}
}

// vaultToken finds the Vault token as the Vault CLI does: VAULT_TOKEN, else
// ~/.vault-token (trimmed), else none. It returns an error only when
// ~/.vault-token exists but cannot be read.
func vaultToken() (secretString, string, error) {
	if t := os.Getenv(api.EnvVaultToken); t != "" {
		return newSecretString(t), sourceEnvVaultToken, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return secretString{}, sourceNone, nil
	}
	data, err := os.ReadFile(filepath.Join(home, ".vault-token"))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return secretString{}, sourceNone, nil
	case err != nil:
		return secretString{}, "", fmt.Errorf("read the Vault token: %w (fix its permissions, or set VAULT_TOKEN)", err)
	}
	if t := strings.TrimSpace(string(data)); t != "" {
		return newSecretString(t), sourceVaultTokenFile, nil
	}
	return secretString{}, sourceNone, nil
}

// defaultJournalPath returns $XDG_STATE_HOME/kubectl-rotation/journal.jsonl,
// with XDG_STATE_HOME defaulting to ~/.local/state. It returns an error
// when neither is known.
func defaultJournalPath() (string, error) {
	dir := os.Getenv("XDG_STATE_HOME")
	if dir == "" || !filepath.IsAbs(dir) {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("find the journal's directory: %w (pass --journal FILE or set XDG_STATE_HOME)", err)
		}
		dir = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(dir, "kubectl-rotation", "journal.jsonl"), nil
}

// validate checks the global flags and what complete resolved, and returns
// every problem found, each naming its flag. A flag given on the command
// line is checked always, also with --demo or --from where it is not used
// (a typo there is a usage error wherever it is); an address taken from
// the environment (PROMETHEUS_URL, VAULT_ADDR) only when a live source
// would use it: with --demo or --from nothing is contacted.
func (g *globalOptions) validate(src sourceOptions) error {
	var errs []error
	if err := src.validate(); err != nil {
		errs = append(errs, err)
	}
	if g.prometheusURL != "" && g.prometheusService != "" {
		errs = append(errs, errors.New("--prometheus-url and --prometheus-service cannot be used together: reach Prometheus either directly or through the API server's service proxy"))
	}
	if g.prometheusURL != "" {
		if err := checkHTTPURL(g.prometheusURL); err != nil {
			errs = append(errs, fmt.Errorf("--prometheus-url %q: want an http or https URL such as http://localhost:9090: %w", config.RedactURL(g.prometheusURL), err))
		}
	}
	if g.prometheusService != "" {
		if _, _, _, err := config.ParseService(g.prometheusService); err != nil {
			errs = append(errs, fmt.Errorf("--prometheus-service %q: want NS/NAME:PORT such as monitoring/prometheus:9090: %w", g.prometheusService, err))
		}
	}
	if p := g.Settings.Prometheus; p.Source == sourceEnvPromURL && !src.offline() {
		if err := checkHTTPURL(p.URL); err != nil {
			errs = append(errs, fmt.Errorf("the Prometheus URL %q from %s: want an http or https URL such as http://localhost:9090 (fix or unset it, or pass --prometheus-url): %w", config.RedactURL(p.URL), sourceEnvPromURL, err))
		}
	}
	if g.refresh.set && g.refresh.value < time.Second {
		errs = append(errs, fmt.Errorf("--refresh %s: must be at least 1s", g.refresh.value))
	}
	if g.sourceTimeout.set && g.sourceTimeout.value < time.Second {
		errs = append(errs, fmt.Errorf("--source-timeout %s: must be at least 1s", g.sourceTimeout.value))
	}
	if g.vaultAddr != "" {
		if err := checkVaultAddr(g.vaultAddr); err != nil {
			errs = append(errs, fmt.Errorf("--vault-addr %q: want an http or https URL such as https://vault.example.com:8200: %w", config.RedactURL(g.vaultAddr), err))
		}
	} else if v := g.Settings.Vault; v.Address != "" {
		if err := checkVaultAddr(v.Address); err != nil {
			errs = append(errs, fmt.Errorf("the Vault address %q from %s: want an http or https URL, or pass --vault-addr: %w", config.RedactURL(v.Address), v.AddressSource, err))
		}
	}
	return errors.Join(errs...)
}

// checkVaultAddr accepts what vault/api accepts: an http or https URL, or
// unix:///path/to/socket.
func checkVaultAddr(s string) error {
	if strings.HasPrefix(s, "unix://") {
		return nil
	}
	return checkHTTPURL(s)
}

// checkHTTPURL returns an error unless s is an absolute http or https URL
// with a host; for a bare host:port it suggests the URL.
func checkHTTPURL(s string) error {
	if !strings.Contains(s, "://") {
		r := config.RedactURL(s)
		return fmt.Errorf("no scheme: write it as https://%s or http://%s", r, r)
	}
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return errors.New(strings.ReplaceAll(err.Error(), s, config.RedactURL(s)))
	case u.Scheme != "http" && u.Scheme != "https":
		return errors.New("the scheme must be http or https")
	case u.Host == "":
		return errors.New("no host")
	}
	return nil
}
