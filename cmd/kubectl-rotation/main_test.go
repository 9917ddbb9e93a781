package main

import (
	"bytes"
	"errors"
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
		args []string
		want []string
	}{
		"root": {
			args: []string{"--help"},
			want: []string{
				"kubectl rotation [flags]", "kubectl rotation [command]", "snapshot", "report",
				"--kubeconfig", "--context", "-n, --namespace", "--as ",
				"--config FILE", "--vault-addr", "--vault-namespace", "--vault-cacert",
				"--prometheus-url URL", "--prometheus-service NS/NAME:PORT", "--refresh DURATION",
				"--journal FILE", "--log-file FILE", "--read-only", "--demo", "--from FILE",
			},
		},
		"snapshot": {
			args: []string{"snapshot", "--help"},
			want: []string{"kubectl rotation snapshot [flags]", "-o, --output", "Global Flags:", "--kubeconfig", "--vault-addr"},
		},
		"report": {
			args: []string{"report", "--help"},
			want: []string{"kubectl rotation report [flags]", "text, markdown, json", "--demo", "--from FILE", "Global Flags:", "--read-only"},
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

func TestRun_Errors(t *testing.T) {
	home := isolateEnv(t)
	kubeconfig := writeKubeconfig(t, home)
	badConfig := writeFile(t, filepath.Join(home, "bad.yaml"), "vault:\n  retentionVersions: 0\n")
	tests := map[string]struct {
		args       []string
		wantStderr string // exact
	}{
		"snapshot with a bad prometheus service": {
			args:       []string{"snapshot", "--kubeconfig", kubeconfig, "--prometheus-service", "monitoring/prometheus"},
			wantStderr: "error: --prometheus-service \"monitoring/prometheus\": want NS/NAME:PORT such as monitoring/prometheus:9090: missing ':' before the port\n",
		},
		"report with an unknown format": {
			args:       []string{"report", "-o", "yaml", "--demo"},
			wantStderr: "error: --output \"yaml\": want one of text, markdown, json\n",
		},
		"demo with from": {
			args:       []string{"--demo", "--from", kubeconfig},
			wantStderr: "error: --demo and --from cannot be used together: --demo shows the built-in sample, --from replays a snapshot file; pick one\n",
		},
		"report demo with from": {
			args:       []string{"report", "--demo", "--from", kubeconfig},
			wantStderr: "error: --demo and --from cannot be used together: --demo shows the built-in sample, --from replays a snapshot file; pick one\n",
		},
		"bad config file": {
			args:       []string{"--demo", "--config", badConfig},
			wantStderr: "error: " + badConfig + ":2: vault.retentionVersions: must be an integer >= 1, got 0\n",
		},
		"no kubeconfig": {
			args:       nil,
			wantStderr: "error: no Kubernetes configuration found: pass --kubeconfig or set KUBECONFIG (or use --demo to try the tool without a cluster)\n",
		},
		"unknown flag": {
			args:       []string{"report", "--bogus"},
			wantStderr: "error: unknown flag: --bogus\nSee 'kubectl rotation report --help'.\n",
		},
		"unknown command": {
			args:       []string{"bogus"},
			wantStderr: "error: unknown command \"bogus\" for \"kubectl rotation\"\n",
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			code, out, errOut := runArgs(t, tt.args...)
			if code != 1 || out != "" || errOut != tt.wantStderr {
				t.Errorf("got exit %d, stdout %q, stderr\n%q\nwant exit 1, no stdout, stderr\n%q", code, out, errOut, tt.wantStderr)
			}
		})
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
		"plain":          {errors.New("boom"), 1, "error: boom\n"},
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
