package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/oss-ai-agent-tool/kubectl-rotation/actions"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/lab"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/testenv"
	"github.com/oss-ai-agent-tool/kubectl-rotation/runbook"
)

// The committed pair of snapshots the golden diff is made from: the lab
// with Scenario 5 seeded, before and after TestDiff_LabFix's fix (written
// there with -update).
const (
	diffBefore = "testdata/diff-before.json"
	diffAfter  = "testdata/diff-after.json"
)

// TestDiff_Golden: the diff of the committed lab snapshots, before and
// after the Scenario 5 fix, as text and Markdown golden files; the exit
// code is the state after's, as report --from the after snapshot says.
func TestDiff_Golden(t *testing.T) {
	isolateEnv(t)
	codeReport, _, _ := runArgs(t, "report", "--from", diffAfter)
	for format, file := range map[string]string{"text": "diff-lab.txt", "markdown": "diff-lab.md"} {
		t.Run(format, func(t *testing.T) {
			code, out, errOut := runArgs(t, "diff", diffBefore, diffAfter, "-o", format)
			if code != codeReport || errOut != "" {
				t.Fatalf("exit %d (report --from AFTER: %d), stderr %q", code, codeReport, errOut)
			}
			golden(t, file, out)
		})
	}
	t.Run("json", func(t *testing.T) {
		code, out, _ := runArgs(t, "diff", diffBefore, diffAfter, "-o", "json")
		var d runbook.Diff
		if err := json.Unmarshal([]byte(out), &d); err != nil {
			t.Fatal(err)
		}
		if d.ExitCode != code || d.Before.File != diffBefore || d.After.File != diffAfter || len(d.Scenarios) != 6 {
			t.Errorf("exit %d, diff exitCode %d, files %q %q, %d scenarios", code, d.ExitCode, d.Before.File, d.After.File, len(d.Scenarios))
		}
	})
	t.Run("reversed", func(t *testing.T) {
		// the fix undone: Scenario 5 appears, the deadline goes back, and
		// the exit code is the before snapshot's state
		code, out, _ := runArgs(t, "diff", diffAfter, diffBefore)
		codeBefore, _, _ := runArgs(t, "report", "--from", diffBefore)
		if code != codeBefore || !strings.Contains(out, "Batch rotation timeout: clear → active (appeared)") || !strings.Contains(out, "activeDeadlineSeconds: 1800 → 600") {
			t.Errorf("exit %d (want %d):\n%s", code, codeBefore, out)
		}
	})
}

// TestDiff_Usage: two arguments, readable snapshot files of a schema this
// build reads and a known -o, else exit 4 with what is wrong and nothing
// on stdout.
func TestDiff_Usage(t *testing.T) {
	home := isolateEnv(t)
	newer := writeFile(t, filepath.Join(home, "newer.json"), `{"schemaVersion": 99, "collectedAt": "2026-01-01T00:00:00Z"}`)
	notJSON := writeFile(t, filepath.Join(home, "notes.txt"), "not a snapshot\n")
	noSchema := writeFile(t, filepath.Join(home, "report.json"), `{"exitCode": 2}`)
	tests := map[string]struct {
		args []string
		want string
	}{
		"one argument":                {[]string{diffBefore}, "accepts 2 arg(s), received 1"},
		"three arguments":             {[]string{diffBefore, diffAfter, diffAfter}, "accepts 2 arg(s), received 3"},
		"bad -o":                      {[]string{diffBefore, diffAfter, "-o", "yaml"}, `--output "yaml": want one of text, markdown, json`},
		"missing BEFORE":              {[]string{filepath.Join(home, "nope.json"), diffAfter}, "BEFORE: cannot read the snapshot: open "},
		"missing AFTER":               {[]string{diffBefore, filepath.Join(home, "nope.json")}, "AFTER: cannot read the snapshot: open "},
		"a directory":                 {[]string{home, diffAfter}, "is a directory"},
		"newer schema":                {[]string{diffBefore, newer}, "snapshot schema 99 is newer than this kubectl-rotation reads (1): upgrade the tool"},
		"not JSON":                    {[]string{notJSON, diffAfter}, "BEFORE " + notJSON + ": not a kubectl-rotation snapshot"},
		"no schema version":           {[]string{diffBefore, noSchema}, "no schemaVersion"},
		"unknown flag":                {[]string{diffBefore, diffAfter, "--demo"}, "unknown flag: --demo"},
		"not a snapshot, -o markdown": {[]string{notJSON, diffAfter, "-o", "markdown"}, "not a kubectl-rotation snapshot"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			code, out, errOut := runArgs(t, append([]string{"diff"}, tc.args...)...)
			if code != exitUsage || !strings.Contains(errOut, tc.want) || out != "" {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit %d and %q", code, out, errOut, exitUsage, tc.want)
			}
		})
	}
}

// TestDiff_LabFix: the lab with Scenario 5 (the last rotation run killed
// at its deadline) on the real servers, with kube-controller-manager, the
// simulated orchestrator and a Prometheus of its own with the alert rules.
// A snapshot is taken with 'snapshot -o json', the fix applied through the
// tool's executor (raise activeDeadlineSeconds to 1800, re-run the
// rotation), a second snapshot taken once the run has finished; the diff
// names the changed deadline and Scenario 5 active → clear, and exits with
// the state after's code.
func TestDiff_LabFix(t *testing.T) {
	isolateEnv(t)
	e := testenv.Get(t)
	e.ControllerManager(t)
	w := lab.SeedTB(t, e, lab.Options{Scenarios: []lab.Scenario{lab.BatchTimeout}, Tenants: 6})
	w.Orchestrate(t)
	p, err := testenv.StartPrometheus(context.Background(), testenv.PrometheusOptions{
		Bins: e.Bins, Dir: e.TempDir(t), Targets: []string{e.Exporter.Addr}, Rules: w.Seeded.Rules, Backfill: w.Seeded.Backfill,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Stop)
	_, kc, err := e.Kube.AddUser("admin-"+w.Namespace, []string{"system:masters"}, w.Namespace)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	kubeconfig := writeFile(t, filepath.Join(dir, "kubeconfig"), string(kc))
	cfg := writeFile(t, filepath.Join(dir, "config.yaml"),
		"vault:\n  kvMount: "+w.Names.KVMount+"\n  kubernetesAuthMount: "+w.Names.AuthMount+"\n  policy: "+w.Names.Policy+"\n")
	t.Setenv("VAULT_TOKEN", e.Vault.RootToken)
	flags := []string{"--kubeconfig", kubeconfig, "--config", cfg, "--prometheus-url", p.URL, "--vault-addr", e.Vault.Addr}
	book := runbook.MustDefault()
	snapshot := func(name string) (string, runbook.Assessment) {
		t.Helper()
		code, out, errOut := runArgs(t, append([]string{"snapshot", "-o", "json"}, flags...)...)
		if code != 0 {
			t.Fatalf("snapshot: exit %d: %s", code, errOut)
		}
		path := writeFile(t, filepath.Join(dir, name), out)
		s, err := readSnapshotFile(name, path)
		if err != nil {
			t.Fatal(err)
		}
		return path, book.Triage(s, s.CollectedAt)
	}
	// the first snapshot once Prometheus has scraped the live samples and
	// evaluated the rules (its first scrape comes seconds after it starts)
	var before string
	deadline := time.Now().Add(60 * time.Second)
	for {
		var a runbook.Assessment
		before, a = snapshot("before.json")
		f, _ := a.Finding(runbook.ScenarioBatchTimeout)
		if f.Status == runbook.StatusActive && a.AlertsUnknown == "" && a.Facts.FiringAlerts != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("before the fix: scenario 5 %s (%s), alerts unknown %q", f.Status, f.Summary, a.AlertsUnknown)
		}
		time.Sleep(time.Second)
	}

	ctx := context.Background()
	ex := w.Tools(t, lab.ToolOptions{PrometheusURL: p.URL}).Executor
	if _, err := ex.Execute(ctx, actions.RaiseDeadline(w.Config, w.Namespace, 1800), "batch timed out"); err != nil {
		t.Fatal(err)
	}
	res, err := ex.Execute(ctx, actions.TriggerRotation(w.Config, w.Namespace, time.Now()), "complete the missed tenants")
	if err != nil {
		t.Fatal(err)
	}
	// the re-run finishes (the simulated orchestrator rotates every tenant),
	// and the triage of a fresh snapshot no longer finds Scenario 5
	var after string
	deadline = time.Now().Add(90 * time.Second)
	for {
		j, jerr := e.Kube.Client.BatchV1().Jobs(w.Namespace).Get(ctx, res.Object, metav1.GetOptions{})
		if jerr == nil && j.Status.CompletionTime != nil {
			var a runbook.Assessment
			after, a = snapshot("after.json")
			if f, _ := a.Finding(runbook.ScenarioBatchTimeout); f.Status != runbook.StatusActive {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the re-run %s did not finish with Scenario 5 cleared within 90s (job: %v)", res.Object, jerr)
		}
		time.Sleep(time.Second)
	}

	code, out, errOut := runArgs(t, "diff", before, after, "-o", "json")
	codeReport, _, _ := runArgs(t, "report", "--from", after)
	if code != codeReport || errOut != "" {
		t.Fatalf("diff: exit %d, report --from AFTER exit %d, stderr %q", code, codeReport, errOut)
	}
	var d runbook.Diff
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatal(err)
	}
	var s5 runbook.ScenarioDiff
	for _, s := range d.Scenarios {
		if s.ID == runbook.ScenarioBatchTimeout {
			s5 = s
		}
	}
	if s5.Before != runbook.StatusActive || s5.After != runbook.StatusClear || s5.Change != runbook.ChangeResolved {
		t.Errorf("scenario 5: %s → %s (%s), want active → clear (resolved); after: %s", s5.Before, s5.After, s5.Change, s5.AfterSummary)
	}
	raised := false
	for _, c := range d.Settings {
		raised = raised || (c.Object == "CronJob "+w.Config.Kubernetes.RotationCronJob && c.Setting == "activeDeadlineSeconds" && c.Before == "600" && c.After == "1800")
	}
	if !raised {
		t.Errorf("settings %+v lack the CronJob's activeDeadlineSeconds 600 → 1800", d.Settings)
	}
	rotated := 0
	for _, td := range d.Tenants.Changed {
		if strings.Contains(strings.Join(td.Changes, ";"), "last rotation ") {
			rotated++
		}
	}
	if rotated < len(w.Seeded.Tenants)-len(w.Seeded.PartialRun) {
		t.Errorf("%d tenants with a new last rotation, want at least the %d the timed-out run missed: %+v", rotated, len(w.Seeded.Tenants)-len(w.Seeded.PartialRun), d.Tenants.Changed)
	}
	code, text, _ := runArgs(t, "diff", before, after)
	for _, want := range []string{"Batch rotation timeout: active → clear (resolved)", "CronJob " + w.Config.Kubernetes.RotationCronJob + " activeDeadlineSeconds: 600 → 1800"} {
		if !strings.Contains(text, want) {
			t.Errorf("diff text lacks %q:\n%s", want, text)
		}
	}
	if code != codeReport || strings.Contains(out+text, e.Vault.RootToken) || strings.Contains(out+text, w.Seeded.SecretMarker) {
		t.Errorf("exit %d (want %d), or the output holds the token or a secret value", code, codeReport)
	}
	if *update { // the committed pair TestDiff_Golden reads
		for src, dst := range map[string]string{before: diffBefore, after: diffAfter} {
			b, err := os.ReadFile(src)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(dst, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestDiff_Help: the help names the arguments, the formats and the exit
// codes of the state after; the shell completes snapshot files for the two
// arguments and -o's formats.
func TestDiff_Help(t *testing.T) {
	isolateEnv(t)
	code, out, errOut := runArgs(t, "diff", "--help")
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	for _, w := range []string{"kubectl rotation diff BEFORE.json AFTER.json [flags]", "text, markdown, json", "never\n\"fixed\"",
		"Exit codes (of the state AFTER", "0  ok", "1  warning", "2  critical", "3  could not tell", "4  usage error", "Global Flags:"} {
		if !strings.Contains(out, w) {
			t.Errorf("help lacks %q:\n%s", w, out)
		}
	}
	for name, tc := range map[string]struct {
		args      []string
		want      []string
		directive string
	}{
		"BEFORE":       {[]string{"diff", ""}, []string{"json"}, dirFileExt},
		"AFTER":        {[]string{"diff", "before.json", ""}, []string{"json"}, dirFileExt},
		"nothing more": {[]string{"diff", "before.json", "after.json", ""}, nil, dirNoFile},
		"formats":      {[]string{"diff", "-o", ""}, diffFormats(), dirNoFile},
	} {
		t.Run(name, func(t *testing.T) {
			got, dir := completions(t, tc.args...)
			if strings.Join(got, ",") != strings.Join(tc.want, ",") || dir != tc.directive {
				t.Errorf("completions %q %s, want %q %s", got, dir, tc.want, tc.directive)
			}
		})
	}
}
