package collectors_test

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/oss-ai-agent-tool/kubectl-rotation"

// clientLibraries are the client libraries only the source sub-packages
// (collectors/kube, podlogs, vault, prom, connect) and the action adapters
// (actions/kubeops, actions/vaultops) may import.
var clientLibraries = []string{
	"k8s.io/client-go",
	"k8s.io/api",
	"github.com/hashicorp/vault/api",
	"github.com/prometheus/client_golang",
}

func isClientLibrary(path string) bool {
	for _, l := range clientLibraries {
		if path == l || strings.HasPrefix(path, l+"/") {
			return true
		}
	}
	return false
}

// importGraph returns, for the packages and all they depend on, each
// package's imports (go list -deps).
func importGraph(tb testing.TB, pkgs ...string) map[string][]string {
	tb.Helper()
	args := append([]string{"list", "-deps", "-f", "{{.ImportPath}}{{range .Imports}} {{.}}{{end}}"}, pkgs...)
	out, err := exec.Command("go", args...).Output()
	if err != nil {
		tb.Fatalf("go list -deps: %v", err)
	}
	g := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		g[f[0]] = f[1:]
	}
	return g
}

// TestDomain_ImportsNoClientLibrary: the domain (collectors), the runbook,
// the plans and their executor (actions) and the ui never depend on a
// client library, so that they build and test without client-go, vault/api
// or the Prometheus client.
func TestDomain_ImportsNoClientLibrary(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Fatalf("the go command is needed to read the import graph: %v", err)
	}
	tests := map[string]struct {
		pkg string
	}{
		"collectors": {pkg: module + "/collectors"},
		"runbook":    {pkg: module + "/runbook"},
		"actions":    {pkg: module + "/actions"},
		"ui":         {pkg: module + "/ui"},
	}
	g := importGraph(t, module+"/collectors", module+"/runbook", module+"/actions", module+"/ui")
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			// breadth-first from the package, keeping the path to each
			via := map[string]string{tc.pkg: ""}
			queue := []string{tc.pkg}
			for len(queue) > 0 {
				p := queue[0]
				queue = queue[1:]
				if isClientLibrary(p) {
					chain := p
					for q := via[p]; q != ""; q = via[q] {
						chain = q + " -> " + chain
					}
					t.Errorf("%s depends on the client library %s: %s", tc.pkg, p, chain)
					continue
				}
				for _, imp := range g[p] {
					if _, seen := via[imp]; seen {
						continue
					}
					via[imp] = p
					queue = append(queue, imp)
				}
			}
		})
	}
}
