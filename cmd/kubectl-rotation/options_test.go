package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/config"
)

const (
	testVaultToken = "hvs.TESTvaultTOKEN0123456789"
	testKubeToken  = "kube-bearer-TOKEN-0123456789"
)

// isolateEnv points HOME at a temporary directory and clears every variable
// the command reads, so the developer's kubeconfig, Vault token and config
// never leak into a test. It returns the temporary HOME.
func isolateEnv(tb testing.TB) string {
	tb.Helper()
	home := tb.TempDir()
	for _, k := range []string{
		"KUBECONFIG", "KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT", "KUBERNETES_MASTER",
		"XDG_CONFIG_HOME", "XDG_STATE_HOME",
		"VAULT_ADDR", "VAULT_AGENT_ADDR", "VAULT_TOKEN", "VAULT_NAMESPACE", "VAULT_CACERT", "VAULT_CACERT_BYTES",
		"VAULT_CAPATH", "VAULT_CLIENT_CERT", "VAULT_CLIENT_KEY", "VAULT_SKIP_VERIFY", "VAULT_TLS_SERVER_NAME",
		"VAULT_MAX_RETRIES", "VAULT_RATE_LIMIT", "VAULT_CLIENT_TIMEOUT", "VAULT_SRV_LOOKUP",
		"VAULT_HTTP_PROXY", "VAULT_PROXY_ADDR", "VAULT_DISABLE_REDIRECTS", "PROMETHEUS_URL",
	} {
		tb.Setenv(k, "")
	}
	tb.Setenv("HOME", home)
	return home
}

// writeFile writes content to path and returns path.
func writeFile(tb testing.TB, path, content string) string {
	tb.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}

// writeKubeconfig writes a kubeconfig with one cluster at
// https://127.0.0.1:6443 and a current context "rot" in namespace "rot-ns".
func writeKubeconfig(tb testing.TB, dir string) string {
	tb.Helper()
	return writeFile(tb, filepath.Join(dir, "kubeconfig.yaml"), `apiVersion: v1
kind: Config
clusters:
- name: lab
  cluster:
    server: https://127.0.0.1:6443
users:
- name: admin
  user:
    token: `+testKubeToken+`
contexts:
- name: rot
  context:
    cluster: lab
    user: admin
    namespace: rot-ns
- name: other
  context:
    cluster: lab
    user: admin
current-context: rot
`)
}

// parseGlobal parses args as the root command's flags.
func parseGlobal(tb testing.TB, args ...string) *rootOptions {
	tb.Helper()
	o := &rootOptions{globalOptions: newGlobalOptions(genericiooptions.NewTestIOStreamsDiscard())}
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	o.addFlags(fs)
	o.source.addFlags(fs)
	if err := fs.Parse(args); err != nil {
		tb.Fatalf("parse %v: %v", args, err)
	}
	return o
}

func TestOptions_Validate(t *testing.T) {
	dir := t.TempDir()
	snap := writeFile(t, filepath.Join(dir, "snap.json"), "{}")
	journal := writeFile(t, filepath.Join(dir, "journal.jsonl"), "")
	g := func(mod func(g *globalOptions)) *globalOptions {
		g := &globalOptions{}
		mod(g)
		return g
	}
	none := func(*globalOptions) {}
	tests := map[string]struct {
		opts    interface{ Validate() error }
		wantErr string // "" for valid; else a substring
	}{
		"OK nothing":         {&rootOptions{globalOptions: g(none)}, ""},
		"OK demo":            {&rootOptions{globalOptions: g(none), source: sourceOptions{demo: true}}, ""},
		"OK from":            {&rootOptions{globalOptions: g(none), source: sourceOptions{from: snap}}, ""},
		"OK prometheus url":  {&rootOptions{globalOptions: g(func(g *globalOptions) { g.prometheusURL = "https://prom.example.com/x" })}, ""},
		"OK prometheus svc":  {&rootOptions{globalOptions: g(func(g *globalOptions) { g.prometheusService = "monitoring/prometheus:web" })}, ""},
		"OK vault unix":      {&rootOptions{globalOptions: g(func(g *globalOptions) { g.vaultAddr = "unix:///run/vault.sock" })}, ""},
		"OK refresh 1s":      {&rootOptions{globalOptions: g(func(g *globalOptions) { g.refresh = optionalDuration{time.Second, true} })}, ""},
		"OK report markdown": {&reportOptions{globalOptions: g(none), output: "markdown"}, ""},
		"OK snapshot json":   {&snapshotOptions{globalOptions: g(none), output: "json"}, ""},
		"ErrDemoAndFrom":     {&rootOptions{globalOptions: g(none), source: sourceOptions{demo: true, from: snap}}, "--demo and --from cannot be used together"},
		"ErrReportDemoFrom":  {&reportOptions{globalOptions: g(none), output: "text", source: sourceOptions{demo: true, from: snap}}, "--demo and --from cannot be used together"},
		"ErrFromMissing":     {&rootOptions{globalOptions: g(none), source: sourceOptions{from: filepath.Join(dir, "nope.json")}}, "--from: cannot read the snapshot: open " + filepath.Join(dir, "nope.json") + ": no such file or directory"},
		"ErrFromDirectory":   {&rootOptions{globalOptions: g(none), source: sourceOptions{from: dir}}, "is a directory; pass a snapshot file"},
		"ErrURLAndService":   {&rootOptions{globalOptions: g(func(g *globalOptions) { g.prometheusURL, g.prometheusService = "http://p:9090", "m/p:9090" })}, "--prometheus-url and --prometheus-service cannot be used together"},
		"ErrURLScheme":       {&rootOptions{globalOptions: g(func(g *globalOptions) { g.prometheusURL = "ftp://p:9090" })}, `--prometheus-url "ftp://p:9090": want an http or https URL such as http://localhost:9090: the scheme must be http or https`},
		"ErrURLNoScheme":     {&rootOptions{globalOptions: g(func(g *globalOptions) { g.prometheusURL = "localhost:9090" })}, "no scheme: write it as https://localhost:9090 or http://localhost:9090"},
		"ErrURLNoHost":       {&rootOptions{globalOptions: g(func(g *globalOptions) { g.prometheusURL = "http://" })}, "no host"},
		"ErrServiceForm":     {&rootOptions{globalOptions: g(func(g *globalOptions) { g.prometheusService = "prometheus:9090" })}, `--prometheus-service "prometheus:9090": want NS/NAME:PORT such as monitoring/prometheus:9090: missing '/'`},
		"ErrServicePort":     {&rootOptions{globalOptions: g(func(g *globalOptions) { g.prometheusService = "monitoring/prometheus" })}, "missing ':' before the port"},
		"ErrRefresh":         {&rootOptions{globalOptions: g(func(g *globalOptions) { g.refresh = optionalDuration{500 * time.Millisecond, true} })}, "--refresh 500ms: must be at least 1s"},
		"ErrVaultAddr":       {&rootOptions{globalOptions: g(func(g *globalOptions) { g.vaultAddr = "vault:8200" })}, `--vault-addr "vault:8200": want an http or https URL`},
		"ErrVaultAddrFromEnv": {&rootOptions{globalOptions: g(func(g *globalOptions) {
			g.Settings.Vault = VaultSettings{Address: "ftp://v", AddressSource: "VAULT_ADDR"}
		})}, `the Vault address "ftp://v" from VAULT_ADDR`},
		"ErrPrometheusURLFromEnv": {&rootOptions{globalOptions: g(func(g *globalOptions) {
			g.Settings.Prometheus = PrometheusTarget{URL: "prom:9090", Source: "PROMETHEUS_URL"}
		})}, `the Prometheus URL "prom:9090" from PROMETHEUS_URL: want an http or https URL`},
		"OK PrometheusURLFromEnv with demo": {&reportOptions{globalOptions: g(func(g *globalOptions) {
			g.Settings.Prometheus = PrometheusTarget{URL: "foo", Source: "PROMETHEUS_URL"}
		}), output: "text", source: sourceOptions{demo: true}}, ""},
		"OK PrometheusURLFromEnv with from": {&reportOptions{globalOptions: g(func(g *globalOptions) {
			g.Settings.Prometheus = PrometheusTarget{URL: "foo", Source: "PROMETHEUS_URL"}
		}), output: "text", source: sourceOptions{from: snap}}, ""},
		"ErrPrometheusURLFlag with demo": {&reportOptions{globalOptions: g(func(g *globalOptions) { g.prometheusURL = "foo" }), output: "text", source: sourceOptions{demo: true}},
			`--prometheus-url "foo": want an http or https URL`},
		"ErrVaultAddrFlag with demo": {&reportOptions{globalOptions: g(func(g *globalOptions) { g.vaultAddr = "foo" }), output: "text", source: sourceOptions{demo: true}},
			`--vault-addr "foo": want an http or https URL`},
		"ErrSourceTimeout":            {&rootOptions{globalOptions: g(func(g *globalOptions) { g.sourceTimeout = optionalDuration{0, true} })}, "--source-timeout 0s: must be at least 1s"},
		"ErrReportOutput":             {&reportOptions{globalOptions: g(none), output: "wide"}, `--output "wide": want one of text, markdown, json, yaml`},
		"ErrSnapshotOutput":           {&snapshotOptions{globalOptions: g(none), output: "markdown"}, `--output "markdown": snapshot is written only as json`},
		"OK timeline default journal": {&timelineOptions{globalOptions: g(none), output: "text"}, ""},
		"OK timeline journal":         {&timelineOptions{globalOptions: g(func(g *globalOptions) { g.journal = journal }), output: "text"}, ""},
		"ErrTimelineJournalMissing": {&timelineOptions{globalOptions: g(func(g *globalOptions) { g.journal = filepath.Join(dir, "none.jsonl") }), output: "text"},
			"--journal " + filepath.Join(dir, "none.jsonl") + ": no such file"},
		"ErrTimelineJournalDirectory": {&timelineOptions{globalOptions: g(func(g *globalOptions) { g.journal = dir }), output: "text"},
			"--journal " + dir + ": is a directory"},
		"ErrPostmortemJournalMissing": {&postmortemOptions{globalOptions: g(func(g *globalOptions) { g.journal = filepath.Join(dir, "none.jsonl") }), output: "markdown"},
			"--journal " + filepath.Join(dir, "none.jsonl") + ": no such file"},
		"ErrJournalJournalMissing": {&journalOptions{globalOptions: g(func(g *globalOptions) { g.journal = filepath.Join(dir, "none.jsonl") }), output: "text"},
			"--journal " + filepath.Join(dir, "none.jsonl") + ": no such file"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			err := tt.opts.Validate()
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("got %v, want no error", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("got %v, want an error containing %q", err, tt.wantErr)
			}
		})
	}
	t.Run("ErrSeveral", func(t *testing.T) {
		o := &rootOptions{globalOptions: g(func(g *globalOptions) {
			g.prometheusURL, g.prometheusService, g.refresh = "x", "y", optionalDuration{0, true}
		}), source: sourceOptions{demo: true, from: snap}}
		err := o.Validate()
		if err == nil || strings.Count(err.Error(), "\n") < 4 {
			t.Errorf("got %v, want every problem on its own line", err)
		}
	})
}

func TestOptions_Complete(t *testing.T) {
	tests := map[string]struct {
		args    []string
		setup   func(t *testing.T, home, kubeconfig string) // optional
		check   func(t *testing.T, s Settings, home string)
		wantErr string
	}{
		"kubeconfig namespace and host": {
			args: []string{"--kubeconfig", "KUBECONFIG"},
			check: func(t *testing.T, s Settings, _ string) {
				if s.Namespace != "rot-ns" || s.KubeHost != "https://127.0.0.1:6443" || s.Context != "rot" || s.RESTConfig == nil {
					t.Errorf("got namespace %q host %q context %q, want rot-ns https://127.0.0.1:6443 rot", s.Namespace, s.KubeHost, s.Context)
				}
			},
		},
		"KUBECONFIG variable": {
			setup: func(t *testing.T, _, kubeconfig string) { t.Setenv("KUBECONFIG", kubeconfig) },
			check: func(t *testing.T, s Settings, _ string) {
				if s.Namespace != "rot-ns" {
					t.Errorf("got namespace %q, want rot-ns", s.Namespace)
				}
			},
		},
		"namespace flag overrides": {
			args: []string{"--kubeconfig", "KUBECONFIG", "-n", "other"},
			check: func(t *testing.T, s Settings, _ string) {
				if s.Namespace != "other" {
					t.Errorf("got namespace %q, want other", s.Namespace)
				}
			},
		},
		"context without namespace": {
			args: []string{"--kubeconfig", "KUBECONFIG", "--context", "other"},
			check: func(t *testing.T, s Settings, _ string) {
				if s.Namespace != "default" || s.Context != "other" {
					t.Errorf("got namespace %q context %q, want default other", s.Namespace, s.Context)
				}
			},
		},
		"ErrUnknownContext": {
			args:    []string{"--kubeconfig", "KUBECONFIG", "--context", "nope"},
			wantErr: `context "nope" does not exist`,
		},
		"ErrNoKubeconfig": {
			wantErr: "no Kubernetes configuration found: pass --kubeconfig or set KUBECONFIG (or use --demo",
		},
		"an empty --kubeconfig file is named": {
			args:    []string{"--kubeconfig", "EMPTY"},
			wantErr: "empty.yaml: the file is empty or defines no cluster",
		},
		"ErrMissingKubeconfigFile": {
			args:    []string{"--kubeconfig", "/nonexistent/kubeconfig"},
			wantErr: "/nonexistent/kubeconfig",
		},
		"demo skips cluster and credentials": {
			args:  []string{"--demo"},
			setup: func(t *testing.T, _, _ string) { t.Setenv("VAULT_TOKEN", testVaultToken) },
			check: func(t *testing.T, s Settings, _ string) {
				if s.RESTConfig != nil || s.Vault.Config != nil || s.Vault.Token.IsSet() || !s.ReadOnly || !s.Demo {
					t.Errorf("got %+v, want no cluster, no Vault, read-only demo", s)
				}
			},
		},
		"from implies read-only": {
			args: []string{"--from", "snap.json"},
			check: func(t *testing.T, s Settings, _ string) {
				if !s.ReadOnly || s.From != "snap.json" || s.RESTConfig != nil {
					t.Errorf("got read-only %v from %q, want true snap.json", s.ReadOnly, s.From)
				}
			},
		},
		"read-only flag": {
			args: []string{"--kubeconfig", "KUBECONFIG", "--read-only"},
			check: func(t *testing.T, s Settings, _ string) {
				if !s.ReadOnly {
					t.Error("got read-only false")
				}
			},
		},
		"defaults": {
			args: []string{"--kubeconfig", "KUBECONFIG"},
			check: func(t *testing.T, s Settings, home string) {
				if s.Config != config.Default() || s.ConfigPath != "" {
					t.Errorf("got config %q %+v, want defaults", s.ConfigPath, s.Config)
				}
				if want := filepath.Join(home, ".local", "state", "kubectl-rotation", "journal.jsonl"); s.Journal != want {
					t.Errorf("got journal %q, want %q", s.Journal, want)
				}
				if s.Vault.Address != "https://127.0.0.1:8200" || s.Vault.AddressSource != "default" || s.Vault.TokenSource != "none" {
					t.Errorf("got vault %+v, want the vault/api default address and no token", s.Vault)
				}
				if s.Prometheus != (PrometheusTarget{}) {
					t.Errorf("got prometheus %+v, want none", s.Prometheus)
				}
			},
		},
		"config file and XDG_STATE_HOME": {
			args: []string{"--demo"},
			setup: func(t *testing.T, home, _ string) {
				t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, "cfg"))
				t.Setenv("XDG_STATE_HOME", filepath.Join(home, "state"))
				writeFile(t, filepath.Join(home, "cfg", "kubectl-rotation", "config.yaml"),
					"vault:\n  retentionVersions: 3\nprometheus:\n  url: http://prom:9090\n")
			},
			check: func(t *testing.T, s Settings, home string) {
				if s.Config.Vault.RetentionVersions != 3 || s.ConfigPath != filepath.Join(home, "cfg", "kubectl-rotation", "config.yaml") {
					t.Errorf("got retention %d from %q, want 3 from the XDG file", s.Config.Vault.RetentionVersions, s.ConfigPath)
				}
				if want := (PrometheusTarget{URL: "http://prom:9090", Source: "config"}); s.Prometheus != want {
					t.Errorf("got prometheus %+v, want %+v", s.Prometheus, want)
				}
				if want := filepath.Join(home, "state", "kubectl-rotation", "journal.jsonl"); s.Journal != want {
					t.Errorf("got journal %q, want %q", s.Journal, want)
				}
			},
		},
		"flags override config": {
			args: []string{"--demo", "--config", "CONFIG", "--prometheus-service", "monitoring/prometheus-k8s:web",
				"--refresh", "1m", "--journal", "/tmp/j.jsonl", "--log-file", "/tmp/rot.log"},
			check: func(t *testing.T, s Settings, _ string) {
				want := PrometheusTarget{Namespace: "monitoring", Service: "prometheus-k8s", Port: "web", Source: "--prometheus-service"}
				if s.Prometheus != want || s.Config.Prometheus.URL != "" || s.Config.Prometheus.Service != "monitoring/prometheus-k8s:web" {
					t.Errorf("got prometheus %+v, config %+v, want %+v", s.Prometheus, s.Config.Prometheus, want)
				}
				if s.Config.Refresh.Duration() != time.Minute || s.Journal != "/tmp/j.jsonl" || s.LogFile != "/tmp/rot.log" {
					t.Errorf("got refresh %v journal %q log %q", s.Config.Refresh, s.Journal, s.LogFile)
				}
			},
		},
		"prometheus url flag": {
			args: []string{"--demo", "--config", "CONFIG", "--prometheus-url", "https://prom.example.com"},
			check: func(t *testing.T, s Settings, _ string) {
				want := PrometheusTarget{URL: "https://prom.example.com", Source: "--prometheus-url"}
				if s.Prometheus != want || s.Config.Prometheus.Service != "" {
					t.Errorf("got prometheus %+v, config %+v, want %+v", s.Prometheus, s.Config.Prometheus, want)
				}
			},
		},
		"PROMETHEUS_URL overrides the config": {
			args:  []string{"--demo", "--config", "CONFIG"},
			setup: func(t *testing.T, _, _ string) { t.Setenv("PROMETHEUS_URL", "http://127.0.0.1:9091") },
			check: func(t *testing.T, s Settings, _ string) {
				want := PrometheusTarget{URL: "http://127.0.0.1:9091", Source: "PROMETHEUS_URL"}
				if s.Prometheus != want || s.Config.Prometheus.URL != want.URL {
					t.Errorf("got prometheus %+v, config %+v, want %+v", s.Prometheus, s.Config.Prometheus, want)
				}
			},
		},
		"PROMETHEUS_URL overrides a config service": {
			args: []string{"--demo", "--config", "SVCCONFIG"},
			setup: func(t *testing.T, _, _ string) {
				t.Setenv("PROMETHEUS_URL", "http://127.0.0.1:9091")
			},
			check: func(t *testing.T, s Settings, _ string) {
				want := PrometheusTarget{URL: "http://127.0.0.1:9091", Source: "PROMETHEUS_URL"}
				if s.Prometheus != want || s.Config.Prometheus.Service != "" {
					t.Errorf("got prometheus %+v, config %+v, want %+v", s.Prometheus, s.Config.Prometheus, want)
				}
			},
		},
		"prometheus url flag overrides PROMETHEUS_URL": {
			args:  []string{"--demo", "--prometheus-url", "https://prom.example.com"},
			setup: func(t *testing.T, _, _ string) { t.Setenv("PROMETHEUS_URL", "http://127.0.0.1:9091") },
			check: func(t *testing.T, s Settings, _ string) {
				if want := (PrometheusTarget{URL: "https://prom.example.com", Source: "--prometheus-url"}); s.Prometheus != want {
					t.Errorf("got prometheus %+v, want %+v", s.Prometheus, want)
				}
			},
		},
		"prometheus service flag overrides PROMETHEUS_URL": {
			args:  []string{"--demo", "--prometheus-service", "monitoring/prometheus:9090"},
			setup: func(t *testing.T, _, _ string) { t.Setenv("PROMETHEUS_URL", "http://127.0.0.1:9091") },
			check: func(t *testing.T, s Settings, _ string) {
				want := PrometheusTarget{Namespace: "monitoring", Service: "prometheus", Port: "9090", Source: "--prometheus-service"}
				if s.Prometheus != want || s.Config.Prometheus.URL != "" {
					t.Errorf("got prometheus %+v, config %+v, want %+v", s.Prometheus, s.Config.Prometheus, want)
				}
			},
		},
		"request and source timeouts by default": {
			args: []string{"--kubeconfig", "KUBECONFIG"},
			check: func(t *testing.T, s Settings, _ string) {
				if s.RESTConfig.Timeout != 10*time.Second || s.Config.Kubernetes.RequestTimeout.Duration() != 10*time.Second {
					t.Errorf("got REST timeout %v, config %v, want 10s", s.RESTConfig.Timeout, s.Config.Kubernetes.RequestTimeout)
				}
				if s.SourceTimeout != 14*time.Second {
					t.Errorf("got source timeout %v, want 14s (10s + 4s)", s.SourceTimeout)
				}
			},
		},
		"request-timeout flag": {
			args: []string{"--kubeconfig", "KUBECONFIG", "--request-timeout", "3s"},
			check: func(t *testing.T, s Settings, _ string) {
				if s.RESTConfig.Timeout != 3*time.Second || s.Config.Kubernetes.RequestTimeout.Duration() != 3*time.Second {
					t.Errorf("got REST timeout %v, config %v, want 3s", s.RESTConfig.Timeout, s.Config.Kubernetes.RequestTimeout)
				}
				if s.SourceTimeout != 14*time.Second {
					t.Errorf("got source timeout %v, want 14s (Vault's and Prometheus's 10s + 4s)", s.SourceTimeout)
				}
			},
		},
		"request-timeout 0 keeps the config's": {
			args: []string{"--kubeconfig", "KUBECONFIG", "--request-timeout", "0", "--config", "TIMEOUTCONFIG"},
			check: func(t *testing.T, s Settings, _ string) {
				if s.RESTConfig.Timeout != 30*time.Second {
					t.Errorf("got REST timeout %v, want the config's 30s", s.RESTConfig.Timeout)
				}
				if s.SourceTimeout != 34*time.Second {
					t.Errorf("got source timeout %v, want 34s (30s + 4s)", s.SourceTimeout)
				}
			},
		},
		"source-timeout flag": {
			args: []string{"--kubeconfig", "KUBECONFIG", "--source-timeout", "2m"},
			check: func(t *testing.T, s Settings, _ string) {
				if s.SourceTimeout != 2*time.Minute {
					t.Errorf("got source timeout %v, want 2m", s.SourceTimeout)
				}
			},
		},
		"ErrBadRequestTimeout": {
			args:    []string{"--kubeconfig", "KUBECONFIG", "--request-timeout", "soon"},
			wantErr: "load the Kubernetes configuration: ",
		},
		"ErrBadConfigFile": {
			args:    []string{"--demo", "--config", "BADCONFIG"},
			wantErr: "bad.yaml:3: vault.tenantPathTemplate: must be a path containing {tenant} exactly once",
		},
		"ErrMissingConfigFile": {
			args:    []string{"--demo", "--config", "/nonexistent/config.yaml"},
			wantErr: "read config file: open /nonexistent/config.yaml: no such file or directory",
		},
		"vault from environment": {
			args: []string{"--kubeconfig", "KUBECONFIG"},
			setup: func(t *testing.T, _, _ string) {
				t.Setenv("VAULT_ADDR", "https://vault.example.com:8200")
				t.Setenv("VAULT_NAMESPACE", "team-a")
				t.Setenv("VAULT_TOKEN", testVaultToken)
			},
			check: func(t *testing.T, s Settings, _ string) {
				v := s.Vault
				if v.Address != "https://vault.example.com:8200" || v.AddressSource != "VAULT_ADDR" || v.Namespace != "team-a" ||
					v.TokenSource != "VAULT_TOKEN" || v.Token.Reveal() != testVaultToken || v.Config == nil {
					t.Errorf("got %+v, want the VAULT_* values", v)
				}
			},
		},
		"vault flags override environment": {
			args: []string{"--kubeconfig", "KUBECONFIG", "--vault-addr", "http://127.0.0.1:8200", "--vault-namespace", "team-b"},
			setup: func(t *testing.T, _, _ string) {
				t.Setenv("VAULT_ADDR", "https://vault.example.com:8200")
				t.Setenv("VAULT_AGENT_ADDR", "http://127.0.0.1:8100")
				t.Setenv("VAULT_NAMESPACE", "team-a")
			},
			check: func(t *testing.T, s Settings, _ string) {
				v := s.Vault
				if v.Address != "http://127.0.0.1:8200" || v.AddressSource != "--vault-addr" || v.Namespace != "team-b" ||
					v.Config.Address != "http://127.0.0.1:8200" || v.Config.AgentAddress != "" {
					t.Errorf("got %+v, want the flag values", v)
				}
			},
		},
		"vault agent address": {
			args:  []string{"--kubeconfig", "KUBECONFIG"},
			setup: func(t *testing.T, _, _ string) { t.Setenv("VAULT_AGENT_ADDR", "http://127.0.0.1:8100") },
			check: func(t *testing.T, s Settings, _ string) {
				if s.Vault.Address != "http://127.0.0.1:8100" || s.Vault.AddressSource != "VAULT_AGENT_ADDR" {
					t.Errorf("got %+v, want the agent address", s.Vault)
				}
			},
		},
		"ErrVaultEnvironment": {
			args:    []string{"--kubeconfig", "KUBECONFIG"},
			setup:   func(t *testing.T, _, _ string) { t.Setenv("VAULT_SKIP_VERIFY", "perhaps") },
			wantErr: "read the Vault environment (VAULT_*): could not parse VAULT_SKIP_VERIFY",
		},
		"ErrVaultCACert": {
			args:    []string{"--kubeconfig", "KUBECONFIG", "--vault-cacert", "/nonexistent/ca.pem"},
			wantErr: "--vault-cacert /nonexistent/ca.pem: ",
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			home := isolateEnv(t)
			kubeconfig := writeKubeconfig(t, home)
			cfg := writeFile(t, filepath.Join(home, "config.yaml"), "prometheus:\n  url: http://prom:9090\n")
			bad := writeFile(t, filepath.Join(home, "bad.yaml"), "# bad\nvault:\n  tenantPathTemplate: tenants/cmek\n")
			svc := writeFile(t, filepath.Join(home, "svc.yaml"), "prometheus:\n  service: monitoring/prometheus:9090\n")
			timeouts := writeFile(t, filepath.Join(home, "timeouts.yaml"), "kubernetes:\n  requestTimeout: 30s\n")
			empty := writeFile(t, filepath.Join(home, "empty.yaml"), "")
			if tt.setup != nil {
				tt.setup(t, home, kubeconfig)
			}
			args := make([]string, len(tt.args))
			for i, a := range tt.args {
				args[i] = strings.NewReplacer("BADCONFIG", bad, "SVCCONFIG", svc, "TIMEOUTCONFIG", timeouts, "EMPTY", empty,
					"KUBECONFIG", kubeconfig, "CONFIG", cfg).Replace(a)
			}
			o := parseGlobal(t, args...)
			err := o.Complete(nil, nil)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, want an error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Complete: %v", err)
			}
			tt.check(t, o.Settings, home)
		})
	}
}

func TestVaultToken(t *testing.T) {
	tests := map[string]struct {
		env, file  string // "" = unset / absent
		want       string
		wantSource string
	}{
		"VAULT_TOKEN":        {env: testVaultToken, want: testVaultToken, wantSource: "VAULT_TOKEN"},
		"VAULT_TOKEN wins":   {env: testVaultToken, file: "hvs.fromfile", want: testVaultToken, wantSource: "VAULT_TOKEN"},
		"file trimmed":       {file: "  " + testVaultToken + "\n", want: testVaultToken, wantSource: "~/.vault-token"},
		"none":               {want: "", wantSource: "none"},
		"blank file is none": {file: "\n", want: "", wantSource: "none"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			home := isolateEnv(t)
			t.Setenv("VAULT_TOKEN", tt.env)
			if tt.file != "" {
				writeFile(t, filepath.Join(home, ".vault-token"), tt.file)
			}
			got, source, err := vaultToken()
			if err != nil || got.Reveal() != tt.want || source != tt.wantSource {
				t.Errorf("got %q, %q, %v, want %q, %q", got.Reveal(), source, err, tt.want, tt.wantSource)
			}
		})
	}
	t.Run("ErrUnreadableFile", func(t *testing.T) {
		home := isolateEnv(t)
		if err := os.Mkdir(filepath.Join(home, ".vault-token"), 0o700); err != nil {
			t.Fatal(err)
		}
		_, _, err := vaultToken()
		if err == nil || !strings.Contains(err.Error(), "read the Vault token") || strings.Contains(err.Error(), testVaultToken) {
			t.Errorf("got %v, want an error saying the token file cannot be read", err)
		}
	})
}

// TestSettings_TokenNeverShown checks that neither the Vault token nor the
// kubeconfig's bearer token appears in any formatting of the options, in
// the JSON of Settings, or in any output of the command.
func TestSettings_TokenNeverShown(t *testing.T) {
	for _, source := range []string{"env", "file"} {
		t.Run(source, func(t *testing.T) {
			home := isolateEnv(t)
			kubeconfig := writeKubeconfig(t, home)
			if source == "env" {
				t.Setenv("VAULT_TOKEN", testVaultToken)
			} else {
				writeFile(t, filepath.Join(home, ".vault-token"), testVaultToken+"\n")
			}
			o := parseGlobal(t, "--kubeconfig", kubeconfig)
			if err := o.Complete(nil, nil); err != nil {
				t.Fatal(err)
			}
			if o.Settings.Vault.Token.Reveal() != testVaultToken {
				t.Fatalf("token not resolved: source %q", o.Settings.Vault.TokenSource)
			}
			s := o.Settings
			tok := s.Vault.Token
			values := []any{o, *o, o.globalOptions, *o.globalOptions, s, &s, s.Vault, &s.Vault, tok, &tok}
			for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d"} {
				for i, v := range values {
					if out := fmt.Sprintf(verb, v); strings.Contains(out, testVaultToken) || strings.Contains(out, testKubeToken) {
						t.Errorf("fmt %s of value %d (%T) shows a token: %s", verb, i, v, out)
					}
				}
			}
			if got := fmt.Sprint(tok); got != "[redacted]" {
				t.Errorf("fmt.Sprint(token) = %q, want [redacted]", got)
			}
			for i, v := range []any{s, s.Vault, tok} {
				b, err := json.Marshal(v)
				if err != nil {
					t.Fatalf("json.Marshal(%T): %v", v, err)
				}
				if strings.Contains(string(b), testVaultToken) || strings.Contains(string(b), testKubeToken) {
					t.Errorf("JSON of value %d (%T) shows a token: %s", i, v, b)
				}
			}
			for _, args := range [][]string{
				{"--help"}, {"--version"}, {"--kubeconfig", kubeconfig}, {"snapshot", "--kubeconfig", kubeconfig},
				{"report", "--kubeconfig", kubeconfig, "-o", "yaml"}, {"--kubeconfig", kubeconfig, "--vault-addr", "bad"},
				{"--kubeconfig", kubeconfig, "--bogus"}, {"--demo"},
			} {
				_, out, errOut := runArgs(t, args...)
				if strings.Contains(out+errOut, testVaultToken) || strings.Contains(out+errOut, testKubeToken) {
					t.Errorf("%v prints a token:\n%s%s", args, out, errOut)
				}
			}
		})
	}
}

func TestOptionalDuration(t *testing.T) {
	var d optionalDuration
	if d.String() != "" || d.set {
		t.Errorf("zero value: got %q set %v, want empty and unset", d.String(), d.set)
	}
	if err := d.Set("90s"); err != nil || d.value != 90*time.Second || !d.set || d.String() != "1m30s" {
		t.Errorf("Set(90s): got %v %v %q %v", d.value, d.set, d.String(), err)
	}
	if err := d.Set("soon"); err == nil || !strings.Contains(err.Error(), "want a duration such as 15s") {
		t.Errorf("Set(soon) = %v, want an error asking for a duration", err)
	}
}

// TestKubectlFlags: the connection flags given explicitly are the shown
// commands' kubectl flags, in kubectl's spelling, files absolute, the
// credentials as placeholders; none when none was given.
func TestKubectlFlags(t *testing.T) {
	cases := map[string]struct {
		args []string
		want []string
	}{
		"none given":             {args: []string{"-n", "ns"}, want: nil},
		"context":                {args: []string{"--context", "envtest", "-n", "ns"}, want: []string{"--context=envtest"}},
		"a kubeconfig, relative": {args: []string{"--kubeconfig", "kc"}, want: []string{"--kubeconfig=" + filepath.Join(mustGetwd(t), "kc")}},
		"identity": {args: []string{"--user", "ops", "--as", "alice", "--as-group", "a", "--as-group", "b", "--as-uid", "42"},
			want: []string{"--user=ops", "--as=alice", "--as-uid=42", "--as-group=a", "--as-group=b"}},
		"server and TLS": {args: []string{"--server", "https://k:6443", "--insecure-skip-tls-verify", "--tls-server-name", "k"},
			want: []string{"--server=https://k:6443", "--tls-server-name=k", "--insecure-skip-tls-verify"}},
		"a token is never shown": {args: []string{"--token", "s3cret"}, want: []string{"--token=<token>"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			g := newGlobalOptions(genericiooptions.NewTestIOStreamsDiscard())
			fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
			g.addFlags(fs)
			if err := fs.Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			if got := kubectlFlags(g.configFlags); !slices.Equal(got, tc.want) {
				t.Errorf("%q, want %q", got, tc.want)
			}
		})
	}
}

func mustGetwd(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return wd
}
