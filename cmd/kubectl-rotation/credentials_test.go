package main

import (
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
