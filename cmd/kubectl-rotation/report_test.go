package main

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/testenv"
	"github.com/oss-ai-agent-tool/kubectl-rotation/runbook"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (run go test ./cmd/kubectl-rotation -run %s -update after checking):\n%s", path, t.Name(), firstDiff(string(want), got))
	}
}

func firstDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return "line " + itoa(i+1) + ":\nwant: " + w + "\ngot:  " + g
		}
	}
	return ""
}

func itoa(i int) string { return strconv.Itoa(i) }

// TestReport_Demo: the built-in demo is judged at the time it was taken, so
// its reports are stable and kept as golden files.
func TestReport_Demo(t *testing.T) {
	isolateEnv(t)
	for _, format := range []string{"text", "markdown", "json"} {
		t.Run(format, func(t *testing.T) {
			code, out, errOut := runArgs(t, "report", "--demo", "-o", format)
			if code != runbook.ExitCritical || errOut != "" {
				t.Fatalf("exit %d, stderr %q; want 2 and nothing on stderr", code, errOut)
			}
			ext := map[string]string{"text": "txt", "markdown": "md", "json": "json"}[format]
			golden(t, "report-demo."+ext, out)
			if format != "json" {
				return
			}
			var r runbook.Report
			if err := json.Unmarshal([]byte(out), &r); err != nil {
				t.Fatal(err)
			}
			if r.SchemaVersion != runbook.ReportSchemaVersion || len(r.Findings) != 6 || r.ExitCode != 2 {
				t.Fatalf("report: schema %d, %d findings, exit %d", r.SchemaVersion, len(r.Findings), r.ExitCode)
			}
			for _, f := range r.Findings {
				if f.Status != runbook.StatusActive {
					t.Errorf("demo scenario %s = %s, want active (the demo has all six)", f.ID, f.Status)
				}
			}
		})
	}
}

// TestReport_Lab runs report against the real servers: a healthy lab is all
// clear (exit 0); with Vault stopped the Vault-based scenarios are unknown
// with the reason and the exit code is 3; a captured snapshot replays.
func TestReport_Lab(t *testing.T) {
	isolateEnv(t)
	e, _, flags, seeded := labWorld(t)
	t.Setenv("VAULT_TOKEN", e.Vault.RootToken)
	// a Prometheus of its own with the lab's alert rules: without the
	// runbook's rules, "no alert firing" says nothing and the verdict is
	// "could not tell"
	p, err := testenv.StartPrometheus(context.Background(), testenv.PrometheusOptions{
		Bins: e.Bins, Dir: e.TempDir(t), Targets: []string{e.Exporter.Addr}, Rules: seeded.Rules, Backfill: seeded.Backfill})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Stop)
	flags[len(flags)-1] = p.URL // --prometheus-url

	t.Run("healthy", func(t *testing.T) {
		var code int
		var out, errOut string
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(time.Second) {
			// until every rule group has been evaluated once
			code, out, errOut = runArgs(t, append([]string{"report", "-o", "json", "--vault-addr", e.Vault.Addr}, flags...)...)
			if code == runbook.ExitOK || time.Now().After(deadline) {
				break
			}
		}
		var r runbook.Report
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatalf("exit %d, stderr %s: %v", code, errOut, err)
		}
		if code != runbook.ExitOK {
			for _, f := range r.Findings {
				t.Logf("%s %s %s %v", f.ID, f.Status, f.Summary, f.Unknown)
			}
			t.Fatalf("exit %d, want 0; compliance %+v, unread %q, alerts unknown %q", code, r.Compliance.Findings, r.Assessment.Unread(), r.AlertsUnknown)
		}
	})

	t.Run("vault stopped", func(t *testing.T) {
		v, err := testenv.StartVault(context.Background(), e.Bins.Vault, e.TempDir(t))
		if err != nil {
			t.Fatal(err)
		}
		addr := v.Addr
		v.Stop()
		code, out, _ := runArgs(t, append([]string{"report", "-o", "json", "--vault-addr", addr}, flags...)...)
		if code != runbook.ExitUnknown {
			t.Errorf("exit %d, want 3", code)
		}
		var r runbook.Report
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatal(err)
		}
		f, _ := r.Finding(runbook.ScenarioRetentionOverflow)
		if f.Status != runbook.StatusUnknown || len(f.Unknown) == 0 || !strings.Contains(f.Unknown[0], "vault") {
			t.Errorf("retention-overflow = %s %v, want unknown because of Vault", f.Status, f.Unknown)
		}
		// the cleanup's "versions keep growing" needs Vault: never clear now
		if f, _ := r.Finding(runbook.ScenarioCleanupFailing); f.Status == runbook.StatusClear {
			t.Errorf("cleanup-failing = %s %v, want not clear (its version counts need Vault)", f.Status, f.Unknown)
		}
		// whether the run came to every tenant needs Vault's list of them
		if f, _ := r.Finding(runbook.ScenarioBatchTimeout); f.Status != runbook.StatusUnknown || !strings.Contains(strings.Join(f.Unknown, " "), "which tenants Vault holds is unknown") {
			t.Errorf("batch-timeout = %s %v, want unknown: the tenants a run never came to are only in Vault", f.Status, f.Unknown)
		}
	})

	t.Run("from a captured snapshot", func(t *testing.T) {
		code, out, errOut := runArgs(t, append([]string{"snapshot", "--vault-addr", e.Vault.Addr}, flags...)...)
		if code != 0 {
			t.Fatalf("snapshot: %d %s", code, errOut)
		}
		path := filepath.Join(t.TempDir(), "snap.json")
		if err := os.WriteFile(path, []byte(out), 0o600); err != nil {
			t.Fatal(err)
		}
		code, md, errOut := runArgs(t, "report", "--from", path, "-o", "markdown")
		if code != runbook.ExitOK || !strings.Contains(md, "# Secret rotation report") {
			t.Errorf("report --from: exit %d, stderr %q\n%.400s", code, errOut, md)
		}
		bad := filepath.Join(t.TempDir(), "bad.json")
		if err := os.WriteFile(bad, []byte(`{"hello":1}`), 0o600); err != nil {
			t.Fatal(err)
		}
		code, _, errOut = runArgs(t, "report", "--from", bad)
		if code != exitUsage || !strings.Contains(errOut, "not a kubectl-rotation snapshot") {
			t.Errorf("bad snapshot: exit %d, stderr %q; want exit %d (a usage error)", code, errOut, exitUsage)
		}
	})
}
