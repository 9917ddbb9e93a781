package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRun_PrometheusPasswordNeverShown: a Prometheus URL with a password
// (flag, environment or config file; good or malformed) is never printed,
// stored in a snapshot or a report, or written to the log file.
func TestRun_PrometheusPasswordNeverShown(t *testing.T) {
	const pw = "s3cr3t-pw"
	url := "http://alice:" + pw + "@127.0.0.1:1"
	tests := map[string]struct {
		args   []string
		env    string
		config string
	}{
		"flag, snapshot":            {args: []string{"snapshot", "--prometheus-url", url}},
		"flag, report json":         {args: []string{"report", "-o", "json", "--prometheus-url", url}},
		"flag, report markdown":     {args: []string{"report", "-o", "markdown", "--prometheus-url", url}},
		"flag, malformed":           {args: []string{"snapshot", "--prometheus-url", "http://alice:" + pw + "@[::1"}},
		"flag, not http":            {args: []string{"snapshot", "--prometheus-url", "ftp://alice:" + pw + "@127.0.0.1:1"}},
		"flag, no scheme":           {args: []string{"snapshot", "--prometheus-url", "alice:" + pw + "@127.0.0.1:1"}},
		"flag, no scheme malformed": {args: []string{"snapshot", "--prometheus-url", "alice:" + pw + "@[::1"}},
		"environment, snapshot":     {args: []string{"snapshot"}, env: url},
		"environment, malformed":    {args: []string{"snapshot"}, env: "http://alice:" + pw + "@[::1"},
		"config file, snapshot":     {args: []string{"snapshot"}, config: "prometheus:\n  url: " + url + "\n"},
		"config file, malformed":    {args: []string{"snapshot"}, config: "prometheus:\n  url: \"http://alice:" + pw + "@[::1\"\n"},
		"config file, report":       {args: []string{"report", "-o", "json"}, config: "prometheus:\n  url: " + url + "\n"},
		"flag, timeline json":       {args: []string{"timeline", "-o", "json", "--prometheus-url", url}},
		"flag, postmortem markdown": {args: []string{"postmortem", "-o", "markdown", "--prometheus-url", url}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			dir := isolateEnv(t)
			if tt.env != "" {
				t.Setenv("PROMETHEUS_URL", tt.env)
			}
			logFile := filepath.Join(dir, "log")
			// a cluster that answers nothing, so the collection runs
			kubeconfig := filepath.Join(dir, "kubeconfig")
			if err := os.WriteFile(kubeconfig, []byte(unreachableKubeconfig), 0o600); err != nil {
				t.Fatal(err)
			}
			args := append(tt.args, "--kubeconfig", kubeconfig, "--source-timeout", "1s", "--log-file", logFile, "--journal", filepath.Join(dir, "journal"))
			if tt.config != "" {
				cf := filepath.Join(dir, "config.yaml")
				if err := os.WriteFile(cf, []byte(tt.config), 0o600); err != nil {
					t.Fatal(err)
				}
				args = append(args, "--config", cf)
			}
			code, out, errOut := runArgs(t, args...)
			logged, _ := os.ReadFile(logFile)
			for what, s := range map[string]string{"stdout": out, "stderr": errOut, "log file": string(logged)} {
				if strings.Contains(s, pw) {
					t.Errorf("exit %d: the password is in %s:\n%s", code, what, s)
				}
			}
			if out == "" && errOut == "" {
				t.Errorf("exit %d and nothing printed", code)
			}
		})
	}
}

const unreachableKubeconfig = `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: u, user: {token: not-a-real-token}}]
contexts: [{name: x, context: {cluster: c, user: u, namespace: rotation}}]
current-context: x
`

// TestRun_URLQueryValuesNeverShown: a credential in a URL's query
// (?token=…) is redacted as a password is, wherever the URL is printed:
// the snapshot's and the report's prometheusTarget and vaultAddr, the
// sources' errors naming Prometheus, and the usage errors of a malformed
// address (flag, environment or config file). The parameters' names are
// kept.
func TestRun_URLQueryValuesNeverShown(t *testing.T) {
	const secret = "s3cr3t-query-token"
	url := "http://127.0.0.1:1/?token=" + secret
	type target struct {
		VaultAddr        string `json:"vaultAddr"`
		PrometheusTarget string `json:"prometheusTarget"`
	}
	tests := map[string]struct {
		args       []string
		env        map[string]string
		config     string
		wantTarget target // the JSON fields that must be redacted, if set
		wantStderr string // a usage error that must be redacted, if set
	}{
		"flag, snapshot": {args: []string{"snapshot", "--prometheus-url", url},
			wantTarget: target{PrometheusTarget: "http://127.0.0.1:1/?token=xxxxx"}},
		"flag, report json": {args: []string{"report", "-o", "json", "--prometheus-url", url},
			wantTarget: target{PrometheusTarget: "http://127.0.0.1:1/?token=xxxxx"}},
		"flag, report markdown":     {args: []string{"report", "-o", "markdown", "--prometheus-url", url}},
		"flag, report text":         {args: []string{"report", "-o", "text", "--prometheus-url", url}},
		"flag, timeline json":       {args: []string{"timeline", "-o", "json", "--prometheus-url", url}},
		"flag, postmortem markdown": {args: []string{"postmortem", "-o", "markdown", "--prometheus-url", url}},
		"flag, audit-backfill":      {args: []string{"audit-backfill", "-o", "json", "--prometheus-url", url}},
		"environment, snapshot": {args: []string{"snapshot"}, env: map[string]string{"PROMETHEUS_URL": url},
			wantTarget: target{PrometheusTarget: "http://127.0.0.1:1/?token=xxxxx"}},
		"config file, report": {args: []string{"report", "-o", "json"}, config: "prometheus:\n  url: " + url + "\n",
			wantTarget: target{PrometheusTarget: "http://127.0.0.1:1/?token=xxxxx"}},
		"flag, not http": {args: []string{"snapshot", "--prometheus-url", "ftp://127.0.0.1:1/?token=" + secret},
			wantStderr: `error: --prometheus-url "ftp://127.0.0.1:1/?token=xxxxx": `},
		"flag, no scheme": {args: []string{"snapshot", "--prometheus-url", "127.0.0.1:1?token=" + secret},
			wantStderr: `error: --prometheus-url "127.0.0.1:1?token=xxxxx": want an http or https URL such as http://localhost:9090: no scheme: write it as https://127.0.0.1:1?token=xxxxx`},
		"environment, no scheme": {args: []string{"snapshot"}, env: map[string]string{"PROMETHEUS_URL": "127.0.0.1:1?token=" + secret},
			wantStderr: `error: the Prometheus URL "127.0.0.1:1?token=xxxxx" from PROMETHEUS_URL: `},
		"config file, not http": {args: []string{"snapshot"}, config: "prometheus:\n  url: ftp://127.0.0.1:1/?token=" + secret + "\n",
			wantStderr: `prometheus.url: must be "" or an http or https URL such as "http://prometheus.monitoring:9090", got "ftp://127.0.0.1:1/?token=xxxxx"`},
		"vault flag, no scheme": {args: []string{"snapshot", "--vault-addr", "127.0.0.1:1?token=" + secret},
			wantStderr: `error: --vault-addr "127.0.0.1:1?token=xxxxx": `},
		"VAULT_ADDR, no scheme": {args: []string{"snapshot"}, env: map[string]string{"VAULT_ADDR": "127.0.0.1:1?token=" + secret},
			wantStderr: `error: the Vault address "127.0.0.1:1?token=xxxxx" from VAULT_ADDR: `},
		"vault flag, snapshot": {args: []string{"snapshot", "--vault-addr", url},
			wantTarget: target{VaultAddr: "http://127.0.0.1:1/?token=xxxxx"}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			dir := isolateEnv(t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			kubeconfig := writeFile(t, filepath.Join(dir, "kubeconfig"), unreachableKubeconfig)
			args := append(tt.args, "--kubeconfig", kubeconfig, "--source-timeout", "1s", "--journal", writeFile(t, filepath.Join(dir, "journal"), ""))
			if !strings.Contains(strings.Join(tt.args, " "), "--vault-addr") && tt.env["VAULT_ADDR"] == "" {
				args = append(args, "--vault-addr", "http://"+closedAddr(t))
			}
			if tt.config != "" {
				args = append(args, "--config", writeFile(t, filepath.Join(dir, "config.yaml"), tt.config))
			}
			code, out, errOut := runArgs(t, args...)
			if tt.wantStderr != "" {
				if code != exitUsage || !strings.Contains(errOut, tt.wantStderr) {
					t.Errorf("exit %d, stderr %q; want %d and %q", code, errOut, exitUsage, tt.wantStderr)
				}
			}
			if tt.wantTarget != (target{}) {
				var got target
				if err := json.Unmarshal([]byte(out), &got); err != nil {
					t.Fatalf("exit %d: stdout is not JSON: %v; stderr %q", code, err, errOut)
				}
				if tt.wantTarget.VaultAddr == "" {
					got.VaultAddr = ""
				}
				if tt.wantTarget.PrometheusTarget == "" {
					got.PrometheusTarget = ""
				}
				if got != tt.wantTarget {
					t.Errorf("got %+v, want %+v", got, tt.wantTarget)
				}
			}
			if strings.Contains(out+errOut, secret) {
				t.Errorf("exit %d: the query's value is in the output:\n%s\n%s", code, out, errOut)
			}
			if out == "" && errOut == "" {
				t.Errorf("exit %d and nothing printed", code)
			}
		})
	}
}
