package runbook

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/config"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func mustDefault(tb testing.TB) *Book {
	tb.Helper()
	b, err := Default()
	if err != nil {
		tb.Fatalf("Default: %v", err)
	}
	return b
}

// TestBook_Default: the embedded runbook parses and holds the six
// scenarios in the runbook's order.
func TestBook_Default(t *testing.T) {
	b := mustDefault(t)
	var ids []string
	for i, s := range b.Scenarios {
		ids = append(ids, s.ID)
		if s.Number != i+1 || s.Title == "" || len(s.Symptoms) == 0 || len(s.Steps) == 0 || len(s.Verification) == 0 {
			t.Errorf("scenario %s: number %d, %d symptoms, %d steps, %d checks", s.ID, s.Number, len(s.Symptoms), len(s.Steps), len(s.Verification))
		}
	}
	if !slices.Equal(ids, allScenarios) {
		t.Errorf("scenarios %v, want %v", ids, allScenarios)
	}
	if got, want := b.Title, "Secret Rotation Failures"; got != want {
		t.Errorf("title %q, want %q", got, want)
	}
	if got, want := len(b.Diagnosis), 4; got != want {
		t.Errorf("%d diagnosis sections, want %d", got, want)
	}
	if b2 := MustDefault(); b2 != b {
		t.Error("MustDefault returns another Book than Default")
	}
	if _, ok := b.Scenario("no-such"); ok {
		t.Error("Scenario(no-such) found")
	}
	if c, ok := b.VerificationCheck("token-healthy"); !ok || c.Command == "" {
		t.Errorf("VerificationCheck(token-healthy) = %+v, %v", c, ok)
	}
}

// TestBook_Consistency: triage evaluates every symptom of every scenario,
// every action a step names exists and is used, and related alerts point
// both ways.
func TestBook_Consistency(t *testing.T) {
	b := mustDefault(t)
	snaps := map[string]*collectors.Snapshot{
		"healthy": healthySnapshot(t),
		"every source down": healthySnapshot(t, broken(collectors.SourceKubernetes), broken(collectors.SourceLogs),
			broken(collectors.SourceVault), broken(collectors.SourcePrometheus)),
	}
	for name, s := range snaps {
		a := b.Triage(s, testNow)
		for _, sc := range b.Scenarios {
			f := finding(t, a, sc.ID)
			if len(f.Symptoms) != len(sc.Symptoms) {
				t.Errorf("%s: %s has %d symptom results for %d symptoms", name, sc.ID, len(f.Symptoms), len(sc.Symptoms))
				continue
			}
			for i, sy := range sc.Symptoms {
				r := f.Symptoms[i]
				if r.ID != sy.ID || r.Text != sy.Text {
					t.Errorf("%s: %s symptom %d is %q, want %q", name, sc.ID, i, r.ID, sy.ID)
				}
				if r.Reason == "not evaluated" {
					t.Errorf("%s: %s symptom %s is not evaluated by triage.go", name, sc.ID, sy.ID)
				}
				if r.State == SymptomUnknown && r.Reason == "" {
					t.Errorf("%s: %s symptom %s unknown without a reason", name, sc.ID, sy.ID)
				}
			}
		}
	}

	actions := Actions()
	if got := slices.Compact(slices.Sorted(slices.Values(actions))); len(got) != len(actions) {
		t.Errorf("Actions() has duplicates: %v", actions)
	}
	used := map[string]bool{}
	check := func(where string, steps []Step) {
		for _, s := range steps {
			if s.Action == "" {
				continue
			}
			used[s.Action] = true
			if !slices.Contains(actions, s.Action) {
				t.Errorf("%s: step %q uses action %q, not in Actions()", where, s.Title, s.Action)
			}
		}
	}
	for _, d := range b.Diagnosis {
		check("diagnosis "+d.ID, d.Steps)
	}
	for _, sc := range b.Scenarios {
		check("scenario "+sc.ID, sc.Steps)
	}
	check("mitigation", b.Mitigation.Steps)
	for _, a := range actions {
		if !used[a] {
			t.Errorf("action %s is used by no step", a)
		}
	}

	roles := map[string]bool{}
	cfgAlerts := reflect.TypeOf(config.Alerts{})
	for i := range cfgAlerts.NumField() {
		roles[cfgAlerts.Field(i).Tag.Get("yaml")] = true
	}
	for _, l := range b.RelatedAlerts {
		sc, ok := b.Scenario(l.Scenario)
		if !ok || !slices.Contains(sc.Alerts, l.Role) {
			t.Errorf("related alert %s → %s, but the scenario lists %v", l.Role, l.Scenario, sc.Alerts)
		}
		if !roles[l.Role] {
			t.Errorf("related alert role %s is not a config.Alerts field", l.Role)
		}
	}
	for _, sc := range b.Scenarios {
		for _, role := range sc.Alerts {
			if !slices.ContainsFunc(b.RelatedAlerts, func(l AlertLink) bool { return l.Role == role && l.Scenario == sc.ID }) {
				t.Errorf("scenario %s lists alert %s with no related_alerts entry", sc.ID, role)
			}
		}
	}
}

const minimalBook = `title: T
scenarios:
  - id: a
    number: 1
    title: A
    alerts: [rotationFailed]
    symptoms:
      - id: rotation-job-failed
        text: S
    steps:
      - title: step
        command: "echo {{.Namespace}}"
        action: trigger-rotation
    verification: [v]
verification:
  - id: v
    title: V
    command: "true"
related_alerts:
  - role: rotationFailed
    text: x
    scenario: a
`

// TestBook_Parse: Parse accepts a minimal runbook and rejects every kind of
// inconsistency with a message naming it.
func TestBook_Parse(t *testing.T) {
	b, err := Parse([]byte(minimalBook))
	if err != nil {
		t.Fatalf("Parse(minimal): %v", err)
	}
	if got, want := b.Scenarios[0].Steps[0].Action, ActionTriggerRotation; got != want {
		t.Errorf("action %q, want %q", got, want)
	}
	cases := map[string]struct {
		old, new string
		want     string
	}{
		"unknown top-level key": {"title: T\n", "title: T\ncolour: red\n", "field colour not found"},
		"unknown scenario key":  {"    title: A\n", "    title: A\n    severity: high\n", "field severity not found"},
		"unknown action":        {"action: trigger-rotation", "action: reboot-cluster", `names unknown action "reboot-cluster"`},
		"scenario out of order": {"number: 1", "number: 2", "scenario a: number 2, want 1"},
		"broken template":       {`"echo {{.Namespace}}"`, `"echo {{.Namespace"`, `scenario a: step "step"`},
		"unknown verification":  {"verification: [v]", "verification: [w]", `scenario a: unknown verification "w"`},
		"alert of no scenario":  {"    scenario: a\n", "    scenario: b\n", `related alert rotationFailed: unknown scenario "b"`},
		"not YAML":              {"title: T\n", "title: [T\n", "runbook: "},
		"wrong type":            {"number: 1", "number: one", "runbook: "},
		"broken diagnosis step": {"scenarios:\n", "diagnosis:\n  - id: d\n    title: D\n    steps:\n      - title: x\n        command: \"{{if}}\"\nscenarios:\n", "diagnosis d: step \"x\""},
		"broken mitigation":     {"scenarios:\n", "mitigation:\n  title: M\n  steps:\n    - title: m\n      action: nope\nscenarios:\n", `mitigation: step "m" names unknown action "nope"`},
		"unknown symptom":       {"id: rotation-job-failed", "id: rotation-job-faild", `line 8: unknown symptom id "rotation-job-faild"`},
		"duplicate scenario":    {"verification:\n  - id: v", "  - id: a\n    number: 2\n    title: A again\nverification:\n  - id: v", "duplicate scenario a"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if !strings.Contains(minimalBook, tc.old) {
				t.Fatalf("the minimal book has no %q", tc.old)
			}
			src := strings.Replace(minimalBook, tc.old, tc.new, 1)
			b, err := Parse([]byte(src))
			if err == nil {
				t.Fatalf("Parse accepted:\n%s\n%+v", src, b)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q, want it to contain %q", err, tc.want)
			}
		})
	}
}

// TestBook_TriageUnknownScenario: a scenario triage has no check for is
// unknown, never clear.
func TestBook_TriageUnknownScenario(t *testing.T) {
	b, err := Parse([]byte(minimalBook))
	if err != nil {
		t.Fatal(err)
	}
	a := b.Triage(healthySnapshot(t), testNow)
	f := finding(t, a, "a")
	if f.Status != StatusUnknown || len(f.Unknown) != 1 || f.Unknown[0] != "no check is defined for this scenario's symptoms" {
		t.Errorf("%s %v, want unknown: no check is defined", f.Status, f.Unknown)
	}
	if got, want := a.ExitCode(), ExitUnknown; got != want {
		t.Errorf("exit code %d, want %d", got, want)
	}
}

// failingSnapshot has a failed cleanup Job (newest), a failed rotation Job,
// the orchestrator's accessor and tenants.
func failingSnapshot(tb testing.TB) *collectors.Snapshot {
	tb.Helper()
	return healthySnapshot(tb, func(s *collectors.Snapshot) {
		for i := range s.Kubernetes.Jobs {
			s.Kubernetes.Jobs[i].Outcome, s.Kubernetes.Jobs[i].Reason = collectors.OutcomeFailed, "BackoffLimitExceeded"
		}
		s.Kubernetes.Jobs = append([]collectors.Job{{Name: "cmek-rotation-running", Role: collectors.RoleRotation, Outcome: collectors.OutcomeRunning}}, s.Kubernetes.Jobs...)
		s.Kubernetes.Jobs = append(s.Kubernetes.Jobs, collectors.Job{Name: "cmek-rotation-older", Role: collectors.RoleRotation, Outcome: collectors.OutcomeFailed})
	})
}

// renderAll renders every command and note of the book, and the compliance
// notes, keyed by where they are.
func renderAll(b *Book, v Vars) map[string]string {
	out := map[string]string{}
	steps := func(where string, ss []Step) {
		for _, s := range ss {
			k := where + "/" + s.Title
			out[k+" command"] = v.Render(s.Command)
			out[k+" note"] = v.Render(s.Note)
		}
	}
	for _, d := range b.Diagnosis {
		steps("diagnosis "+d.ID, d.Steps)
	}
	for _, sc := range b.Scenarios {
		steps("scenario "+sc.ID, sc.Steps)
	}
	steps("mitigation", b.Mitigation.Steps)
	for _, c := range b.Verification {
		out["verification "+c.ID] = v.Render(c.Command)
	}
	for i, c := range b.Compliance {
		out[fmt.Sprint("compliance ", i)] = v.Render(c)
	}
	return out
}

var placeholders = []string{"<failed-job-name>", "<cmek-rotation-job>", "<secret-cleanup-job>", "<orchestrator-token-accessor>",
	"<tenant-id>", "<orchestrator-image>", "<namespace>", "<vault-addr>"}

// TestVars_Render: every command of the embedded runbook fills without a
// template error, with the live names when the snapshot has them and the
// runbook's placeholders when it does not.
func TestVars_Render(t *testing.T) {
	b := mustDefault(t)
	t.Run("live names", func(t *testing.T) {
		fs := failingSnapshot(t)
		for i := range fs.Vault.Tenants {
			if tn := &fs.Vault.Tenants[i]; tn.ID == "t01" { // over retention: the trim steps name it
				tn.LiveVersions, tn.CurrentVersion, tn.OldestVersion = 9, 9, 1
			}
		}
		v := NewVars(fs, testNow)
		want := Vars{FailedJob: "secret-cleanup-29033460", FailedRotationJob: "cmek-rotation-29033400", FailedCleanupJob: "secret-cleanup-29033460",
			OrchestratorAccessor: "acc-orch-1", TenantExample: "t01", TenantPathExample: "tenants/t01/cmek", Namespace: "ns",
			Image: "registry.example/oss-ai-orchestrator:1.4.2", VaultAddr: "https://vault.example:8200", Stamp: "20250312-120000", VaultSA: "oss-ai-orchestrator"}
		got := Vars{FailedJob: v.FailedJob, FailedRotationJob: v.FailedRotationJob, FailedCleanupJob: v.FailedCleanupJob,
			OrchestratorAccessor: v.OrchestratorAccessor, TenantExample: v.TenantExample, TenantPathExample: v.TenantPathExample, Namespace: v.Namespace,
			Image: v.Image, VaultAddr: v.VaultAddr, Stamp: v.Stamp, VaultSA: v.VaultSA}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("vars\n  %+v\nwant\n  %+v", got, want)
		}
		// an affected tenant comes from the evidence only, never a tenant picked
		// at random: without one, the step shows the placeholder
		if got := v.Render("{{.AffectedTenant}}"); got != "<tenant-id>" {
			t.Errorf("affected tenant with none named: %q, want <tenant-id>", got)
		}
		v = v.ForTenants([]string{"t01"})
		for where, text := range renderAll(b, v) {
			if strings.Contains(text, "template error") || strings.Contains(text, "<no value>") {
				t.Errorf("%s: %q", where, text)
			}
			for _, p := range placeholders {
				if strings.Contains(text, p) {
					t.Errorf("%s: placeholder %s left in %q", where, p, text)
				}
			}
		}
		if got, want := v.Render("kubectl logs job/{{.FailedRotationJob}} -n {{.Namespace}}"), "kubectl logs job/cmek-rotation-29033400 -n ns"; got != want {
			t.Errorf("Render = %q, want %q", got, want)
		}
		sc, _ := b.Scenario(ScenarioRotationJobFailing)
		if got := v.Render(sc.Steps[3].Command); !strings.HasPrefix(got, "vault policy write cmek-rotation - <<EOF\npath \"secret/data/tenants/+/cmek\"") || !strings.HasSuffix(got, "}\nEOF") {
			t.Errorf("policy step renders as\n%s", got)
		}
		if got, want := v.Render(b.Compliance[0]), "Report failed rotations to the compliance team if rotation is overdue more than 7 days beyond policy"; got != want {
			t.Errorf("compliance note %q, want %q", got, want)
		}
	})
	t.Run("placeholders", func(t *testing.T) {
		s := &collectors.Snapshot{SchemaVersion: 1, CollectedAt: testNow, Config: config.Default()}
		v := NewVars(s, testNow)
		for _, c := range [][2]string{
			{v.FailedJob, "<failed-job-name>"}, {v.FailedRotationJob, "<cmek-rotation-job>"}, {v.FailedCleanupJob, "<secret-cleanup-job>"},
			{v.OrchestratorAccessor, "<orchestrator-token-accessor>"}, {v.TenantExample, "<tenant-id>"}, {v.Image, "<orchestrator-image>"},
			{v.Namespace, "<namespace>"}, {v.VaultAddr, "<vault-addr>"}, {v.TenantPathExample, "tenants/<tenant-id>/cmek"},
		} {
			if c[0] != c[1] {
				t.Errorf("got %q, want %q", c[0], c[1])
			}
		}
		all := renderAll(b, v)
		for where, text := range all {
			if strings.Contains(text, "template error") || strings.Contains(text, "<no value>") {
				t.Errorf("%s: %q", where, text)
			}
		}
		if got := all["diagnosis cronjob-status/View the failed job's logs command"]; got != "kubectl logs job/<failed-job-name> -n <namespace>" {
			t.Errorf("failed job logs: %q", got)
		}
	})
	t.Run("healthy snapshot has no failed job", func(t *testing.T) {
		// the scenarios' "check the job's logs" steps read the newest run
		v := NewVars(healthySnapshot(t), testNow)
		if v.FailedJob != "<failed-job-name>" || v.FailedRotationJob != "cmek-rotation-29033400" || v.FailedCleanupJob != "secret-cleanup-29033460" || v.OrchestratorAccessor != "acc-orch-1" {
			t.Errorf("vars %+v", v)
		}
	})
	t.Run("template errors are shown, not hidden", func(t *testing.T) {
		v := NewVars(healthySnapshot(t), testNow)
		for _, cmd := range []string{"echo {{.Namespace", "echo {{.NoSuchField}}"} {
			got := v.Render(cmd)
			if !strings.HasPrefix(got, cmd+"  # template error: ") {
				t.Errorf("Render(%q) = %q, want the command and the template error", cmd, got)
			}
		}
	})
}

// TestVars_PolicyText: the policy grants the runbook's capabilities on the
// configured mount, with "+" as the tenant segment.
func TestVars_PolicyText(t *testing.T) {
	want := `path "secret/data/tenants/+/cmek" {
  capabilities = ["create", "read", "update", "delete"]
}
path "secret/metadata/tenants/+/cmek" {
  capabilities = ["list", "read", "delete"]
}
`
	if got := PolicyText(config.Default()); got != want {
		t.Errorf("PolicyText(default) =\n%s\nwant\n%s", got, want)
	}
	c := config.Default()
	c.Vault.KVMount, c.Vault.TenantPathTemplate = "kv-prod", "orgs/{tenant}/keys/cmek"
	got := PolicyText(c)
	for _, w := range []string{`path "kv-prod/data/orgs/+/keys/cmek" {`, `path "kv-prod/metadata/orgs/+/keys/cmek" {`} {
		if !strings.Contains(got, w) {
			t.Errorf("PolicyText(kv-prod) =\n%s\nwant %s", got, w)
		}
	}
	if strings.Contains(got, "*") || strings.Contains(got, "{tenant}") || strings.Contains(got, "secret/") {
		t.Errorf("PolicyText(kv-prod) =\n%s\nwant no *, {tenant} or secret/", got)
	}
	for kind, caps := range RequiredCapabilities() {
		line := `capabilities = ["` + strings.Join(caps, `", "`) + `"]`
		if !strings.Contains(want, "secret/"+kind+"/tenants/+/cmek\" {\n  "+line) {
			t.Errorf("RequiredCapabilities()[%s] = %v, not what PolicyText grants", kind, caps)
		}
	}
}

// reportSnapshot has two active scenarios: the rotation Job failed for two
// tenants with CMEKRotationFailed firing for both (1, critical), and the
// cleanup CronJob left with DRY_RUN=true (3, warning); and one compliance
// finding.
func reportSnapshot(tb testing.TB) *collectors.Snapshot {
	tb.Helper()
	return healthySnapshot(tb,
		withAlert("CMEKRotationFailed", "firing", map[string]string{"tenant": "t03", "namespace": "ns", "severity": "critical"}),
		withAlert("CMEKRotationFailed", "firing", map[string]string{"tenant": "t07", "namespace": "ns", "severity": "critical"}),
		func(s *collectors.Snapshot) {
			j := jobOf(tb, s, collectors.RoleRotation)
			j.Outcome, j.Reason, j.Failed, j.Succeeded = collectors.OutcomeFailed, "BackoffLimitExceeded", 2, 0
			j.Log.Lines = []string{"Failed to rotate key for tenant t07: permission denied", "Failed to rotate key for tenant t03: permission denied"}
			j.Log.Matches = []collectors.LogMatch{{Line: 0, Phrase: "Failed to rotate key for tenant", Tenant: "t07"}, {Line: 1, Phrase: "Failed to rotate key for tenant", Tenant: "t03"}}
			cronJobOf(tb, s, collectors.RoleCleanup).Env[0].Value = "true"
			s.Vault.Tenants[6].CurrentCreated = before(9 * 24 * time.Hour)
			ts := s.Logs.Audit.Tenants["t07"]
			ts.LastSuccess, ts.LastFailure, ts.LastFailureReason, ts.Failures = before(9*24*time.Hour), before(10*time.Hour), "permission denied | 403", 1
			s.Logs.Audit.Tenants["t07"] = ts
		})
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./runbook -run Report -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (rerun with -update if the change is meant):\n--- got\n%s", path, got)
	}
}

// TestReport_Golden writes the report in its three formats and compares
// them with the golden files.
func TestReport_Golden(t *testing.T) {
	r := mustDefault(t).NewReport(reportSnapshot(t), testNow, "kubectl-rotation test")
	if got, want := r.ExitCode, ExitCritical; got != want {
		t.Fatalf("exit code %d, want %d", got, want)
	}
	for name, write := range map[string]func(*bytes.Buffer) error{
		"report.txt":  func(b *bytes.Buffer) error { return r.WriteText(b) },
		"report.md":   func(b *bytes.Buffer) error { return r.WriteMarkdown(b) },
		"report.json": func(b *bytes.Buffer) error { return r.WriteJSON(b) },
	} {
		t.Run(name, func(t *testing.T) {
			var b bytes.Buffer
			if err := write(&b); err != nil {
				t.Fatal(err)
			}
			out := b.String()
			for _, bad := range []string{"template error", "<no value>", "%!"} {
				if strings.Contains(out, bad) {
					t.Errorf("output holds %q", bad)
				}
			}
			golden(t, name, b.Bytes())
		})
	}
}

// TestReport_Content checks the report's structure, independent of layout.
func TestReport_Content(t *testing.T) {
	b := mustDefault(t)
	r := b.NewReport(reportSnapshot(t), testNow, "kubectl-rotation test")
	st := statuses(r.Assessment)
	if st[ScenarioRotationJobFailing] != StatusActive || st[ScenarioCleanupFailing] != StatusActive {
		t.Fatalf("statuses %v, want scenarios 1 and 3 active", st)
	}
	var notClear []string
	for _, f := range r.Findings {
		if f.Status != StatusClear {
			notClear = append(notClear, f.ID)
		}
	}
	var keys []string
	for k, steps := range r.NextSteps {
		keys = append(keys, k)
		sc, _ := b.Scenario(k)
		if len(steps) != len(sc.Steps) {
			t.Errorf("%s: %d next steps, want %d", k, len(steps), len(sc.Steps))
		}
	}
	sort.Strings(keys)
	sort.Strings(notClear)
	if !slices.Equal(keys, notClear) {
		t.Errorf("next steps for %v, want exactly the scenarios not clear %v", keys, notClear)
	}
	if got, want := r.NextSteps[ScenarioRotationJobFailing][0].Command, "kubectl logs job/cmek-rotation-29033400 -n ns"; got != want {
		t.Errorf("first next step %q, want %q", got, want)
	}
	if f := finding(t, r.Assessment, ScenarioRotationJobFailing); !slices.Equal(f.Tenants, []string{"t03", "t07"}) || !slices.Equal(f.Alerts, []string{"CMEKRotationFailed"}) {
		t.Errorf("scenario 1 tenants %v alerts %v", f.Tenants, f.Alerts)
	}
	if r.SchemaVersion != ReportSchemaVersion || r.Tool != "kubectl-rotation test" || r.VaultAddr != "https://vault.example:8200" {
		t.Errorf("header %d %q %q", r.SchemaVersion, r.Tool, r.VaultAddr)
	}

	t.Run("JSON round trip", func(t *testing.T) {
		var first bytes.Buffer
		if err := r.WriteJSON(&first); err != nil {
			t.Fatal(err)
		}
		var back Report
		dec := json.NewDecoder(bytes.NewReader(first.Bytes()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&back); err != nil {
			t.Fatalf("decode: %v", err)
		}
		if !reflect.DeepEqual(back, r) {
			t.Errorf("decoded report differs from the written one:\n%+v\n%+v", back, r)
		}
		var second bytes.Buffer
		if err := back.WriteJSON(&second); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first.Bytes(), second.Bytes()) {
			t.Error("the decoded report writes different JSON")
		}
		var raw map[string]any
		if err := json.Unmarshal(first.Bytes(), &raw); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"schemaVersion", "tool", "exitCode", "judgedAt", "findings", "alerts", "compliance", "facts", "sources", "nextSteps"} {
			if _, ok := raw[k]; !ok {
				t.Errorf("JSON has no %q (the Assessment must be inlined)", k)
			}
		}
	})
	t.Run("healthy report has no next steps", func(t *testing.T) {
		r := b.NewReport(healthySnapshot(t), testNow, "t")
		if len(r.NextSteps) != 0 || r.ExitCode != ExitOK {
			t.Errorf("next steps %v exit %d, want none and 0", r.NextSteps, r.ExitCode)
		}
		var txt bytes.Buffer
		if err := r.WriteText(&txt); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(txt.String(), "next steps:") || !strings.Contains(txt.String(), "overall: all clear, exit code 0 (all clear)") {
			t.Errorf("healthy text report:\n%s", txt.String())
		}
	})
	t.Run("unknown scenario gets next steps and says why", func(t *testing.T) {
		r := b.NewReport(healthySnapshot(t, broken(collectors.SourceVault), broken(collectors.SourcePrometheus)), testNow, "t")
		if _, ok := r.NextSteps[ScenarioVaultTokenExpired]; !ok || r.ExitCode != ExitUnknown {
			t.Errorf("next steps for %v exit %d, want vault-token-expired and 3", keysOf(r.NextSteps), r.ExitCode)
		}
		var md bytes.Buffer
		if err := r.WriteMarkdown(&md); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"⚪ unknown", "Unknown: the alerts could not be read (prometheus not configured", "**Overall:** could not tell — exit code 3 (could not tell", "| firing alerts | unknown |", "## Audit log read"} {
			if !strings.Contains(md.String(), want) {
				t.Errorf("markdown lacks %q", want)
			}
		}
	})
}

func keysOf[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestReport_StepNotes: the text and Markdown reports show the note of
// every next step, with a command or without one.
func TestReport_StepNotes(t *testing.T) {
	r := mustDefault(t).NewReport(reportSnapshot(t), testNow, "kubectl-rotation test")
	withCommand := 0
	for name, write := range map[string]func(*bytes.Buffer) error{
		"text":     func(b *bytes.Buffer) error { return r.WriteText(b) },
		"markdown": func(b *bytes.Buffer) error { return r.WriteMarkdown(b) },
	} {
		t.Run(name, func(t *testing.T) {
			var b bytes.Buffer
			if err := write(&b); err != nil {
				t.Fatal(err)
			}
			out := b.String()
			for _, f := range r.Findings {
				if f.Status == StatusClear {
					continue
				}
				for i, s := range r.NextSteps[f.ID] {
					if s.Note == "" {
						continue
					}
					if s.Command != "" {
						withCommand++
					}
					if !strings.Contains(out, s.Note) {
						t.Errorf("%s step %d (%s): its note is not in the report: %q", f.ID, i+1, s.Title, s.Note)
					}
				}
			}
		})
	}
	if withCommand == 0 {
		t.Fatal("no step with a command has a note here: this test cannot tell")
	}
}
