package main

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// runArgs runs the command line and returns its exit code and outputs.
func runArgs(tb testing.TB, args ...string) (code int, stdout, stderr string) {
	tb.Helper()
	streams, _, out, errOut := genericiooptions.NewTestIOStreams()
	code = run(args, streams)
	return code, out.String(), errOut.String()
}

func TestRun_Help(t *testing.T) {
	isolateEnv(t)
	tests := map[string]struct {
		args    []string
		want    []string
		notWant []string
	}{
		"root": {
			args: []string{"--help"},
			want: []string{
				"kubectl rotation [flags]", "kubectl rotation [command]", "snapshot", "report",
				"--kubeconfig", "--context", "-n, --namespace", "--as ",
				"--config FILE", "--vault-addr", "--vault-namespace", "--vault-cacert",
				"--prometheus-url URL", "--prometheus-service NS/NAME:PORT", "--refresh DURATION",
				"--journal FILE", "--log-file FILE", "--read-only", "--demo", "--from FILE",
				"--request-timeout", "--source-timeout", "-v, --v LEVEL", "      --version",
				"Exit codes", "4  usage or configuration error",
				// diff exits with its AFTER snapshot's verdict, as report
				"1  report and diff only (diff: of the AFTER snapshot): warnings",
				"2  report and diff only (diff: of the AFTER snapshot): a critical finding",
				"report and\n     diff: could not tell",
			},
			notWant: []string{"report only"},
		},
		"snapshot": {
			args: []string{"snapshot", "--help"},
			want: []string{"kubectl rotation snapshot [flags]", "-o, --output", "Global Flags:", "--kubeconfig", "--vault-addr",
				"Exit codes:", "0  the snapshot was written and at least one source was read", "3  could not complete: the snapshot could not be written, or no source\n     could be read",
				"4  usage or configuration error"},
		},
		"journal": {
			args: []string{"journal", "--help"},
			want: []string{"kubectl rotation journal [flags]", "Exit codes:", "0  the journal was printed, or no action has been journaled yet",
				"3  could not complete", "4  usage error", "a --journal FILE\n     that does not exist"},
		},
		"report": {
			args: []string{"report", "--help"},
			want: []string{"kubectl rotation report [flags]", "text, markdown, json", "--demo", "--from FILE", "Global Flags:", "--read-only",
				"Exit codes:", "0  ok", "1  warning", "2  critical", "3  could not tell", "4  usage or configuration error"},
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			code, out, errOut := runArgs(t, tt.args...)
			if code != 0 || errOut != "" {
				t.Fatalf("exit %d, stderr %q", code, errOut)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("help lacks %q:\n%s", w, out)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(out, w) {
					t.Errorf("help says %q:\n%s", w, out)
				}
			}
			if strings.Contains(out, "kubectl-rotation [") {
				t.Errorf("help names the binary instead of 'kubectl rotation':\n%s", out)
			}
		})
	}
}

func TestRun_Version(t *testing.T) {
	isolateEnv(t)
	t.Run("dev", func(t *testing.T) {
		code, out, _ := runArgs(t, "--version")
		if want := "kubectl-rotation dev (" + runtime.Version() + ")\n"; code != 0 || out != want {
			t.Errorf("got %d %q, want 0 %q", code, out, want)
		}
	})
	t.Run("ldflags", func(t *testing.T) {
		old := version
		version = "v1.2.3"
		t.Cleanup(func() { version = old })
		code, out, _ := runArgs(t, "--version")
		if want := "kubectl-rotation v1.2.3 (" + runtime.Version() + ")\n"; code != 0 || out != want {
			t.Errorf("got %d %q, want 0 %q", code, out, want)
		}
	})
}

// TestRun_ExitCodes runs command lines that fail before anything is
// contacted: each usage or configuration error exits 4 with its message;
// a command that could not complete exits 3.
func TestRun_ExitCodes(t *testing.T) {
	home := isolateEnv(t)
	kubeconfig := writeKubeconfig(t, home)
	badConfig := writeFile(t, filepath.Join(home, "bad.yaml"), "vault:\n  retentionVersions: 0\n")
	syntaxConfig := writeFile(t, filepath.Join(home, "syntax.yaml"), "vault: [\n")
	unknownKey := writeFile(t, filepath.Join(home, "unknown.yaml"), "vault:\n  retentionVersion: 3\n")
	badDuration := writeFile(t, filepath.Join(home, "duration.yaml"), "kubernetes:\n  requestTimeout: soon\n")
	garbageKubeconfig := writeFile(t, filepath.Join(home, "garbage-kubeconfig"), "\x00\x01 this is not yaml: [\n")
	notSnapshot := writeFile(t, filepath.Join(home, "not-a-snapshot.json"), "{not json")
	missing := filepath.Join(home, "missing")
	tests := map[string]struct {
		args       []string
		env        map[string]string
		wantCode   int
		wantStderr string // exact, or a substring when substring is set
		substring  bool
	}{
		"snapshot with a bad prometheus service": {
			args:       []string{"snapshot", "--kubeconfig", kubeconfig, "--prometheus-service", "monitoring/prometheus"},
			wantCode:   4,
			wantStderr: "error: --prometheus-service \"monitoring/prometheus\": want NS/NAME:PORT such as monitoring/prometheus:9090: missing ':' before the port\n",
		},
		"report with an unknown format": {
			args:       []string{"report", "-o", "wide", "--demo"},
			wantCode:   4,
			wantStderr: "error: --output \"wide\": want one of text, markdown, json",
			substring:  true,
		},
		"snapshot with an unknown format": {
			args:       []string{"snapshot", "-o", "xml", "--kubeconfig", kubeconfig},
			wantCode:   4,
			wantStderr: "error: --output \"xml\": ",
			substring:  true,
		},
		"journal with an unknown format": {
			args:       []string{"journal", "-o", "xml"},
			wantCode:   4,
			wantStderr: "error: --output \"xml\": ",
			substring:  true,
		},
		"demo with from": {
			args:       []string{"--demo", "--from", kubeconfig},
			wantCode:   4,
			wantStderr: "error: --demo and --from cannot be used together: --demo shows the built-in sample, --from replays a snapshot file; pick one\n",
		},
		"report demo with from": {
			args:       []string{"report", "--demo", "--from", kubeconfig},
			wantCode:   4,
			wantStderr: "error: --demo and --from cannot be used together: --demo shows the built-in sample, --from replays a snapshot file; pick one\n",
		},
		"prometheus url and service": {
			args:       []string{"report", "--demo", "--prometheus-url", "http://p:9090", "--prometheus-service", "m/p:9090"},
			wantCode:   4,
			wantStderr: "error: --prometheus-url and --prometheus-service cannot be used together: reach Prometheus either directly or through the API server's service proxy\n",
		},
		"report from a missing file": {
			args:       []string{"report", "--from", missing},
			wantCode:   4,
			wantStderr: "error: --from: cannot read the snapshot: open " + missing + ": no such file or directory\n",
		},
		"report from a file that is not a snapshot": {
			args:       []string{"report", "--from", notSnapshot},
			wantCode:   4,
			wantStderr: "error: --from " + notSnapshot + ": ",
			substring:  true,
		},
		"bad config file": {
			args:       []string{"--demo", "--config", badConfig},
			wantCode:   4,
			wantStderr: "error: " + badConfig + ":2: vault.retentionVersions: must be an integer >= 1, got 0\n",
		},
		"config syntax error": {
			args:       []string{"report", "--demo", "--config", syntaxConfig},
			wantCode:   4,
			wantStderr: "error: " + syntaxConfig,
			substring:  true,
		},
		"config unknown key": {
			args:       []string{"report", "--demo", "--config", unknownKey},
			wantCode:   4,
			wantStderr: "error: " + unknownKey + ":2: vault.retentionVersion: unknown key",
			substring:  true,
		},
		"config bad duration": {
			args:       []string{"report", "--demo", "--config", badDuration},
			wantCode:   4,
			wantStderr: "error: " + badDuration + ":2: kubernetes.requestTimeout: ",
			substring:  true,
		},
		"missing config file": {
			args:       []string{"report", "--demo", "--config", missing},
			wantCode:   4,
			wantStderr: "error: read config file: open " + missing + ": no such file or directory\n",
		},
		"no kubeconfig": {
			args:       []string{"report"},
			wantCode:   4,
			wantStderr: "error: no Kubernetes configuration found: pass --kubeconfig or set KUBECONFIG (or use --demo to try the tool without a cluster)\n",
		},
		"garbage kubeconfig": {
			args:       []string{"report", "--kubeconfig", garbageKubeconfig},
			wantCode:   4,
			wantStderr: "error: load the Kubernetes configuration: ",
			substring:  true,
		},
		"missing kubeconfig": {
			args:       []string{"report", "--kubeconfig", missing},
			wantCode:   4,
			wantStderr: missing,
			substring:  true,
		},
		"unknown context": {
			args:       []string{"report", "--kubeconfig", kubeconfig, "--context", "nope"},
			wantCode:   4,
			wantStderr: "error: context \"nope\" does not exist in the kubeconfig: pick one of 'kubectl config get-contexts' with --context (or use --demo)\n",
		},
		"bad request timeout": {
			args:       []string{"report", "--kubeconfig", kubeconfig, "--request-timeout", "soon"},
			wantCode:   4,
			wantStderr: "error: load the Kubernetes configuration: ",
			substring:  true,
		},
		"malformed VAULT_ADDR": {
			args:       []string{"report", "--kubeconfig", kubeconfig},
			env:        map[string]string{"VAULT_ADDR": "vault.example.com:8200"},
			wantCode:   4,
			wantStderr: "error: the Vault address \"vault.example.com:8200\" from VAULT_ADDR: want an http or https URL, or pass --vault-addr: no scheme: write it as https://vault.example.com:8200 or http://vault.example.com:8200\n",
		},
		"malformed --vault-addr": {
			args:       []string{"snapshot", "--kubeconfig", kubeconfig, "--vault-addr", "vault:8200"},
			wantCode:   4,
			wantStderr: "error: --vault-addr \"vault:8200\": want an http or https URL such as https://vault.example.com:8200: ",
			substring:  true,
		},
		"bad VAULT_SKIP_VERIFY": {
			args:       []string{"report", "--kubeconfig", kubeconfig},
			env:        map[string]string{"VAULT_SKIP_VERIFY": "perhaps"},
			wantCode:   4,
			wantStderr: "error: read the Vault environment (VAULT_*): could not parse VAULT_SKIP_VERIFY",
			substring:  true,
		},
		"missing --vault-cacert": {
			args:       []string{"report", "--kubeconfig", kubeconfig, "--vault-cacert", missing},
			wantCode:   4,
			wantStderr: "error: --vault-cacert " + missing + ": ",
			substring:  true,
		},
		"malformed PROMETHEUS_URL": {
			args:       []string{"report", "--kubeconfig", kubeconfig},
			env:        map[string]string{"PROMETHEUS_URL": "prometheus:9090"},
			wantCode:   4,
			wantStderr: "error: the Prometheus URL \"prometheus:9090\" from PROMETHEUS_URL: want an http or https URL such as http://localhost:9090 (fix or unset it, or pass --prometheus-url): no scheme: write it as https://prometheus:9090 or http://prometheus:9090\n",
		},
		"bad refresh": {
			args:       []string{"--demo", "--refresh", "1ms"},
			wantCode:   4,
			wantStderr: "error: --refresh 1ms: must be at least 1s\n",
		},
		"bad source timeout": {
			args:       []string{"report", "--demo", "--source-timeout", "soon"},
			wantCode:   4,
			wantStderr: "error: invalid argument \"soon\" for \"--source-timeout\" flag: want a duration such as 15s or 1m: ",
			substring:  true,
		},
		"unknown flag": {
			args:       []string{"report", "--bogus"},
			wantCode:   4,
			wantStderr: "error: unknown flag: --bogus\nSee 'kubectl rotation report --help'.\n",
		},
		"flag without its value": {
			args:       []string{"report", "-o"},
			wantCode:   4,
			wantStderr: "error: flag needs an argument: 'o' in -o\nSee 'kubectl rotation report --help'.\n",
		},
		"-v is verbosity, not --version": {
			args:       []string{"report", "--demo", "-v", "many"},
			wantCode:   4,
			wantStderr: "error: invalid argument \"many\" for \"-v, --v\" flag: ",
			substring:  true,
		},
		"unknown command": {
			args:       []string{"bogus"},
			wantCode:   4,
			wantStderr: "error: unknown command \"bogus\" for \"kubectl rotation\"\n",
		},
		"argument to a subcommand": {
			args:       []string{"report", "extra"},
			wantCode:   4,
			wantStderr: "error: unknown command \"extra\" for \"kubectl rotation report\"\n",
		},
		"journal named by --journal is missing": {
			args:       []string{"journal", "--journal", missing},
			wantCode:   4,
			wantStderr: "error: --journal " + missing + ": no such file: no action was recorded there (pass the journal the actions were recorded in)\n",
		},
		"journal named by --journal is a directory": {
			args:       []string{"journal", "--journal", home},
			wantCode:   4,
			wantStderr: "error: --journal " + home + ": is a directory; pass the journal file (journal.jsonl)\n",
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			code, out, errOut := runArgs(t, tt.args...)
			ok := errOut == tt.wantStderr
			if tt.substring {
				ok = strings.Contains(errOut, tt.wantStderr)
			}
			if code != tt.wantCode || out != "" || !ok {
				t.Errorf("got exit %d, stdout %q, stderr\n%q\nwant exit %d, no stdout, stderr\n%q", code, out, errOut, tt.wantCode, tt.wantStderr)
			}
		})
	}
}

// TestRun_Verbosity: -v/--v is kubectl's verbosity (an integer), never
// --version; --version is long-only.
func TestRun_Verbosity(t *testing.T) {
	isolateEnv(t)
	for _, args := range [][]string{{"report", "--demo", "-o", "json", "-v", "0"}, {"report", "--demo", "-o", "json", "--v=0"}} {
		code, out, errOut := runArgs(t, args...)
		if code == exitUsage || !strings.HasPrefix(out, "{") {
			t.Errorf("%v: exit %d, stdout %.80q, stderr %q: want the report", args, code, out, errOut)
		}
	}
	code, out, _ := runArgs(t, "-v")
	if code != exitUsage || out != "" {
		t.Errorf("-v alone: exit %d, stdout %q: want a usage error (it needs a level), not the version", code, out)
	}
}

// TestRun_DemoTUI starts the dashboard on the demo with "q" as the only
// input: it draws the demo and quits cleanly.
func TestRun_DemoTUI(t *testing.T) {
	isolateEnv(t)
	streams, in, out, errOut := genericiooptions.NewTestIOStreams()
	in.WriteString("q")
	if code := run([]string{"--demo"}, streams); code != 0 {
		t.Fatalf("exit %d, stderr %q", code, errOut.String())
	}
	if !strings.Contains(out.String(), "DEMO") || !strings.Contains(out.String(), "Vault token expired") {
		t.Errorf("the demo dashboard was not drawn:\n%.600s", out.String())
	}
}

func TestExitCode(t *testing.T) {
	tests := map[string]struct {
		err        error
		wantCode   int
		wantStderr string
	}{
		"nil":            {nil, 0, ""},
		"plain":          {errors.New("boom"), 3, "error: boom\n"},
		"usage":          {usage(errors.New("bad flag")), 4, "error: bad flag\n"},
		"wrapped usage":  {fmt.Errorf("ctx: %w", usage(errors.New("bad"))), 4, "error: ctx: bad\n"},
		"usage nil":      {usage(nil), 0, ""},
		"exit with err":  {&exitError{code: 2, err: errors.New("critical")}, 2, "error: critical\n"},
		"exit silent":    {&exitError{code: 3}, 3, ""},
		"wrapped exit":   {errors.Join(&exitError{code: 2}), 2, ""},
		"exit zero code": {&exitError{code: 0}, 0, ""},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			var errOut bytes.Buffer
			if got := exitCode(tt.err, &errOut); got != tt.wantCode || errOut.String() != tt.wantStderr {
				t.Errorf("got %d %q, want %d %q", got, errOut.String(), tt.wantCode, tt.wantStderr)
			}
		})
	}
}

// TestRun_OfflineEnvironment: with --demo or --from nothing is contacted,
// so the environment's addresses (PROMETHEUS_URL, VAULT_ADDR) are not
// checked; an address given as a flag is checked wherever it is given.
func TestRun_OfflineEnvironment(t *testing.T) {
	home := isolateEnv(t)
	snap := filepath.Join(home, "demo.json")
	if code, out, errOut := runArgs(t, "snapshot", "--demo"); code != 0 {
		t.Fatalf("snapshot --demo: exit %d, stderr %q", code, errOut)
	} else {
		writeFile(t, snap, out)
	}
	tests := map[string]struct {
		args       []string
		env        map[string]string
		wantStderr string // "" when not a usage error
	}{
		"PROMETHEUS_URL, report --demo":  {args: []string{"report", "--demo"}, env: map[string]string{"PROMETHEUS_URL": "foo"}},
		"PROMETHEUS_URL, report --from":  {args: []string{"report", "--from", snap}, env: map[string]string{"PROMETHEUS_URL": "foo"}},
		"PROMETHEUS_URL, timeline":       {args: []string{"timeline", "--demo"}, env: map[string]string{"PROMETHEUS_URL": "prom:9090"}},
		"PROMETHEUS_URL, audit-backfill": {args: []string{"audit-backfill", "--demo"}, env: map[string]string{"PROMETHEUS_URL": "foo"}},
		"VAULT_ADDR, report --demo":      {args: []string{"report", "--demo"}, env: map[string]string{"VAULT_ADDR": "foo"}},
		"both, postmortem --from":        {args: []string{"postmortem", "--from", snap}, env: map[string]string{"VAULT_ADDR": "foo", "PROMETHEUS_URL": "foo"}},
		"--prometheus-url, report --demo": {args: []string{"report", "--demo", "--prometheus-url", "foo"},
			wantStderr: `error: --prometheus-url "foo": want an http or https URL such as http://localhost:9090: no scheme`},
		"--vault-addr, report --demo": {args: []string{"report", "--demo", "--vault-addr", "foo"},
			wantStderr: `error: --vault-addr "foo": want an http or https URL such as https://vault.example.com:8200: no scheme`},
		"--prometheus-url, report --from": {args: []string{"report", "--from", snap, "--prometheus-url", "foo"},
			wantStderr: `error: --prometheus-url "foo": want an http or https URL`},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			args := append(tt.args, "-o", "json")
			code, out, errOut := runArgs(t, args...)
			if tt.wantStderr == "" {
				if code == exitUsage || !strings.HasPrefix(strings.TrimSpace(out), "{") && !strings.HasPrefix(strings.TrimSpace(out), "[") {
					t.Errorf("exit %d, stdout %.80q, stderr %q: want the output, not a usage error", code, out, errOut)
				}
				return
			}
			if code != exitUsage || out != "" || !strings.HasPrefix(errOut, tt.wantStderr) {
				t.Errorf("exit %d, stdout %.80q, stderr %q: want %d and %q", code, out, errOut, exitUsage, tt.wantStderr)
			}
		})
	}
}
