package main

import "testing"

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
