package main

import (
	"strings"
	"testing"

	"k8s.io/cli-runtime/pkg/genericiooptions"
)

func TestPluginNames(t *testing.T) {
	tests := map[string]struct {
		argv0, binary, display string
	}{
		"go install":             {"/home/u/go/bin/kubectl-rotation", "kubectl-rotation", "kubectl rotation"},
		"krew's link":            {"/home/u/.krew/bin/kubectl-secret_rotation", "kubectl-secret_rotation", "kubectl secret-rotation"},
		"windows":                {"kubectl-secret_rotation.exe", "kubectl-secret_rotation", "kubectl secret-rotation"},
		"a plugin subcommand":    {"kubectl-rotation-report", "kubectl-rotation-report", "kubectl rotation report"},
		"go run":                 {"/tmp/go-build1/b001/exe/kubectl-rotation", "kubectl-rotation", "kubectl rotation"},
		"test binary":            {"/tmp/go-build1/b001/kubectl-rotation.test", defaultBinaryName, defaultDisplayName},
		"another name":           {"./rot", defaultBinaryName, defaultDisplayName},
		"kubectl- alone":         {"kubectl-", defaultBinaryName, defaultDisplayName},
		"uppercase is not kebab": {"kubectl-Rotation", defaultBinaryName, defaultDisplayName},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if b, d := pluginNames(tt.argv0); b != tt.binary || d != tt.display {
				t.Errorf("pluginNames(%q) = %q, %q; want %q, %q", tt.argv0, b, d, tt.binary, tt.display)
			}
		})
	}
}

func TestCompletionScriptName(t *testing.T) {
	for binary, want := range map[string]string{
		"kubectl-rotation":        "kubectl_complete-rotation",
		"kubectl-secret_rotation": "kubectl_complete-secret_rotation",
	} {
		if got := completionScriptName(binary); got != want {
			t.Errorf("completionScriptName(%q) = %q, want %q", binary, got, want)
		}
	}
}

// TestRunAs_InvokedName: run under krew's name, every help (flags
// included) and --version follow the name; nothing says "kubectl
// rotation".
func TestRunAs_InvokedName(t *testing.T) {
	isolateEnv(t)
	const argv0 = "/home/u/.krew/bin/kubectl-secret_rotation"
	runAsArgs := func(args ...string) (int, string, string) {
		streams, _, out, errOut := genericiooptions.NewTestIOStreams()
		code := runAs(argv0, args, streams)
		return code, out.String(), errOut.String()
	}
	tests := map[string]struct {
		args []string
		want []string
	}{
		"root":           {[]string{"--help"}, []string{"kubectl secret-rotation [flags]", "captured by 'kubectl secret-rotation snapshot'"}},
		"snapshot":       {[]string{"snapshot", "--help"}, []string{"kubectl secret-rotation snapshot [flags]", "'kubectl secret-rotation --from FILE'"}},
		"report":         {[]string{"report", "--help"}, []string{"kubectl secret-rotation report [flags]", "captured by 'kubectl secret-rotation snapshot'"}},
		"timeline":       {[]string{"timeline", "--help"}, []string{"kubectl secret-rotation timeline [flags]", "captured by 'kubectl secret-rotation snapshot'"}},
		"postmortem":     {[]string{"postmortem", "--help"}, []string{"kubectl secret-rotation postmortem [flags]", "captured by 'kubectl secret-rotation snapshot'"}},
		"audit-backfill": {[]string{"audit-backfill", "--help"}, []string{"kubectl secret-rotation audit-backfill [flags]", "captured by 'kubectl secret-rotation snapshot'"}},
		"diff":           {[]string{"diff", "--help"}, []string{"kubectl secret-rotation diff BEFORE.json AFTER.json [flags]"}},
		"journal":        {[]string{"journal", "--help"}, []string{"kubectl secret-rotation journal [flags]"}},
		"completion":     {[]string{"completion", "--help"}, []string{"kubectl secret-rotation completion [command]"}},
		"version":        {[]string{"--version"}, []string{"kubectl-secret_rotation dev ("}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			code, out, errOut := runAsArgs(tt.args...)
			if code != 0 || errOut != "" {
				t.Fatalf("exit %d, stderr %q", code, errOut)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			for _, bad := range []string{"kubectl rotation", "kubectl-rotation "} {
				if strings.Contains(out, bad) {
					t.Errorf("output says %q, not the name it runs under:\n%s", bad, out)
				}
			}
		})
	}
}
