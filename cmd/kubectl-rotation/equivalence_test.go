package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	vault "github.com/hashicorp/vault/api"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/text"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/oss-ai-agent-tool/kubectl-rotation/actions"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/lab"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/testenv"
	"github.com/oss-ai-agent-tool/kubectl-rotation/runbook"
)

// equivWorld is one copy of the lab's state: its namespace, mounts and
// policy on the shared servers, a kubeconfig for kubectl, and the tool's
// clients and executor.
type equivWorld struct {
	lab.World
	kubeconfig string
	flags      []string
	tools      lab.Tools
	root       *vault.Client
}

func newEquivWorld(t *testing.T, e *testenv.Env, now time.Time) *equivWorld {
	t.Helper()
	w := lab.SeedTB(t, e, lab.Options{Scenarios: lab.AllScenarios, Tenants: 12, Now: now})
	_, kc, err := e.Kube.AddUser("admin-"+w.Namespace, []string{"system:masters"}, w.Namespace)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	kubeconfig := filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(kubeconfig, kc, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := writeFile(t, filepath.Join(dir, "config.yaml"), fmt.Sprintf("vault:\n  kvMount: %s\n  kubernetesAuthMount: %s\n  policy: %s\n",
		w.Names.KVMount, w.Names.AuthMount, w.Names.Policy))
	// a sidecar first in both CronJobs' job templates (a proxy injected
	// beside the job's own container): the one-off Jobs' variables must
	// land in the job's container only, by the command's -c and by the
	// action alike
	for _, name := range []string{w.Names.RotationCronJob, w.Names.CleanupCronJob} {
		cjs := e.Kube.Client.BatchV1().CronJobs(w.Namespace)
		cj, err := cjs.Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		spec := &cj.Spec.JobTemplate.Spec.Template.Spec
		spec.Containers = append([]corev1.Container{{Name: equivSidecar, Image: "envoyproxy/envoy:v1.31"}}, spec.Containers...)
		if _, err := cjs.Update(context.Background(), cj, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	return &equivWorld{
		World: w, kubeconfig: kubeconfig,
		flags: []string{"--kubeconfig", kubeconfig, "--config", cfg, "--prometheus-url", e.Prometheus.URL, "--vault-addr", e.Vault.Addr},
		tools: w.Tools(t, lab.ToolOptions{PrometheusURL: e.Prometheus.URL}),
		root:  e.VaultRoot(t),
	}
}

// normalize replaces the world's own names (namespace, mounts, policy) in
// a JSON rendering of v, so two worlds' effects compare equal when they
// are the same.
func (w *equivWorld) normalize(t *testing.T, v any) string {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return strings.NewReplacer(w.Names.AuthMount, "<auth-mount>", w.Names.Policy, "<policy>", w.Names.KVMount, "<kv-mount>", w.Namespace, "<namespace>").Replace(string(b))
}

// equivRow says how to read the effect of one action's step: the same
// reading of the world where the shown command ran and of the world where
// the action ran must be equal.
type equivRow struct {
	action string
	// effect reads what the step changed; object is the Job the command
	// or the action created (Job-creating steps only).
	effect func(t *testing.T, w *equivWorld, object string) any
	// differs, when set, says where the command cannot do what the action
	// does; effect then reads what both do.
	differs string
}

// ignoredJobLabels are set by the API server from the Job's own uid and name.
var ignoredJobLabels = []string{"controller-uid", "batch.kubernetes.io/controller-uid", "job-name", "batch.kubernetes.io/job-name"}

func jobEffect(t *testing.T, w *equivWorld, name string) any {
	t.Helper()
	j, err := w.Env.Kube.Client.BatchV1().Jobs(w.Namespace).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get job %s: %v", name, err)
	}
	labels := map[string]string{}
	for k, v := range j.Labels {
		if !slices.Contains(ignoredJobLabels, k) {
			labels[k] = v
		}
	}
	var owners []string
	for _, o := range j.OwnerReferences {
		owners = append(owners, fmt.Sprintf("%s/%s controller=%v", o.Kind, o.Name, o.Controller != nil && *o.Controller))
	}
	spec := j.Spec.DeepCopy()
	spec.Selector = nil // the Job's own uid
	for _, k := range ignoredJobLabels {
		delete(spec.Template.Labels, k)
	}
	return map[string]any{"labels": labels, "annotations": j.Annotations, "owners": owners, "spec": spec}
}

func cronJobEffect(name func(lab.Names) string) func(t *testing.T, w *equivWorld, _ string) any {
	return func(t *testing.T, w *equivWorld, _ string) any {
		t.Helper()
		cj, err := w.Env.Kube.Client.BatchV1().CronJobs(w.Namespace).Get(context.Background(), name(w.Names), metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return cj.Spec
	}
}

// deploymentEffect is the orchestrator's pod template, with a restartedAt
// stamp (the time the restart ran, which differs by the second between the
// worlds) replaced by whether it was set during the test.
func deploymentEffect(start time.Time) func(t *testing.T, w *equivWorld, _ string) any {
	return func(t *testing.T, w *equivWorld, _ string) any {
		t.Helper()
		d, err := w.Env.Kube.Client.AppsV1().Deployments(w.Namespace).Get(context.Background(), w.Names.OrchestratorDeployment, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		tpl := d.Spec.Template.DeepCopy()
		const key = "kubectl.kubernetes.io/restartedAt"
		if at, ok := tpl.Annotations[key]; ok {
			ts, err := time.Parse(time.RFC3339Nano, at)
			switch {
			case err != nil:
				tpl.Annotations[key] = "unparsable: " + at
			case ts.Before(start.Truncate(time.Second)):
				tpl.Annotations[key] = "before the test: " + at
			default:
				tpl.Annotations[key] = "set during the test"
			}
		}
		return tpl
	}
}

func policyEffect(t *testing.T, w *equivWorld, _ string) any {
	t.Helper()
	p, err := w.root.Sys().GetPolicy(w.Names.Policy)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func roleEffect(t *testing.T, w *equivWorld, _ string) any {
	t.Helper()
	s, err := w.root.Logical().Read("auth/" + w.Names.AuthMount + "/role/" + w.Names.AuthRole)
	if err != nil || s == nil {
		t.Fatalf("read role: %v", err)
	}
	return s.Data
}

// keyState is what a trim changes on a key: its max_versions and which
// versions are destroyed or deleted.
type keyState struct {
	MaxVersions, Current, Oldest int
	Destroyed, Deleted           []int
}

func trimEffect(tenants func(w *equivWorld) []string) func(t *testing.T, w *equivWorld, _ string) any {
	return func(t *testing.T, w *equivWorld, _ string) any {
		t.Helper()
		out := map[string]keyState{}
		for _, tn := range tenants(w) {
			md, err := w.root.KVv2(w.Names.KVMount).GetMetadata(context.Background(), w.Config.TenantPath(tn))
			if err != nil {
				t.Fatalf("metadata of %s: %v", tn, err)
			}
			ks := keyState{MaxVersions: md.MaxVersions, Current: md.CurrentVersion, Oldest: md.OldestVersion}
			for k, v := range md.Versions {
				var n int
				if _, err := fmt.Sscan(k, &n); err != nil {
					t.Fatalf("metadata of %s: version %q: %v", tn, k, err)
				}
				if v.Destroyed {
					ks.Destroyed = append(ks.Destroyed, n)
				} else if !v.DeletionTime.IsZero() {
					ks.Deleted = append(ks.Deleted, n)
				}
			}
			sort.Ints(ks.Destroyed)
			sort.Ints(ks.Deleted)
			out[tn] = ks
		}
		return out
	}
}

// tokenEffect says whether the orchestrator's token was renewed during the
// test and whether its TTL is back near the role's TTL.
func tokenEffect(start time.Time) func(t *testing.T, w *equivWorld, _ string) any {
	return func(t *testing.T, w *equivWorld, _ string) any {
		t.Helper()
		s, err := w.root.Auth().Token().LookupAccessor(w.Seeded.OrchestratorAccessor)
		if err != nil {
			t.Fatal(err)
		}
		renewed := "never renewed"
		if last, ok := s.Data["last_renewal_time"].(json.Number); ok {
			if n, err := last.Int64(); err == nil && !time.Unix(n, 0).Before(start.Truncate(time.Second)) {
				renewed = "renewed during the test"
			}
		}
		ttl, _ := s.TokenTTL()
		cttl, _ := s.Data["creation_ttl"].(json.Number)
		created, _ := cttl.Int64()
		near := time.Duration(created)*time.Second-ttl < time.Minute
		return map[string]any{"renewed": renewed, "ttl near its creation TTL": near}
	}
}

// equivReason and equivSubject are the reason and subject the emergency
// rotation records, typed by the person in the tool (each in its own
// prompt) and filled in for <reason> and <subject> in its command.
const (
	equivReason  = "INC-9 equivalence"
	equivSubject = "ops-team"
)

// equivRows are the one-key actions' rows, in the order they run (each
// world goes through the same sequence).
func equivRows(start time.Time, tenants func(w *equivWorld) []string) []equivRow {
	rotation := func(n lab.Names) string { return n.RotationCronJob }
	cleanup := func(n lab.Names) string { return n.CleanupCronJob }
	return []equivRow{
		{action: runbook.ActionTriggerRotation, effect: jobEffect},
		{action: runbook.ActionCleanupDryRun, effect: jobEffect},
		{action: runbook.ActionCleanupRun, effect: jobEffect},
		{action: runbook.ActionEmergencyRotate, effect: jobEffect,
			differs: "the shown command holds <reason> and <subject> until the person gives them for an emergency rotation, as its note says: filled in with the reason and subject the action is given"},
		{action: runbook.ActionRaiseDeadline, effect: cronJobEffect(rotation),
			differs: "the action asks for the deadline (default 1800 s, the runbook's); the command has the default: compared with the action at its default"},
		{action: runbook.ActionCleanupDryRunOff, effect: cronJobEffect(cleanup),
			differs: "kubectl set env sets the variable in every container and init container; the action in the container that has it (else the first): equal for the one-container templates of the runbook's chart, which the lab has"},
		{action: runbook.ActionEnableAudit, effect: deploymentEffect(start),
			differs: "as cleanup-dry-run-off: every container for kubectl set env, the one that has AUDIT_ENABLED for the action"},
		{action: runbook.ActionRestartOrchestrator, effect: deploymentEffect(start)},
		{action: runbook.ActionFixPolicy, effect: policyEffect},
		{action: runbook.ActionFixRole, effect: roleEffect},
		{action: runbook.ActionTrimVersions, effect: trimEffect(func(w *equivWorld) []string { return tenants(w)[:1] }),
			differs: "the command names the versions the snapshot shows beyond the retention; the action reads them when it runs: equal while no rotation wrote a version in between"},
		{action: runbook.ActionTrimVersionsAll, effect: trimEffect(tenants)},
		{action: runbook.ActionRenewToken, effect: tokenEffect(start),
			differs: "with the orchestrator's accessor unknown the command shows a placeholder and the action renews the operator's own token; here the accessor is known and both renew the orchestrator's"},
	}
}

// TestEquivalence_EveryActionHasARow: the equivalence test below checks
// every one-key action a step of the runbook names; a new action fails
// here until it has a row.
func TestEquivalence_EveryActionHasARow(t *testing.T) {
	b := runbook.MustDefault()
	rows := map[string]bool{}
	for _, r := range equivRows(time.Now(), nil) {
		if rows[r.action] {
			t.Errorf("two rows for %s", r.action)
		}
		rows[r.action] = true
	}
	steps := slices.Clone(b.Mitigation.Steps)
	for _, sc := range b.Scenarios {
		steps = append(steps, sc.Steps...)
	}
	for _, d := range b.Diagnosis {
		steps = append(steps, d.Steps...)
	}
	named := map[string]bool{}
	for _, s := range steps {
		if s.Action == "" {
			continue
		}
		named[s.Action] = true
		if !rows[s.Action] {
			t.Errorf("step %q has the action %s but no equivalence row: add one to equivRows", s.Title, s.Action)
		}
	}
	for _, a := range runbook.Actions() {
		if !rows[a] {
			t.Errorf("action %s has no equivalence row", a)
		}
	}
	for a := range rows {
		if !named[a] {
			t.Errorf("row %s: no step names this action", a)
		}
	}
	// the mitigation's steps are shown nowhere else: their commands must be
	// those of the scenario steps with the same action, which the test runs
	for _, m := range b.Mitigation.Steps {
		if m.Action == "" {
			continue
		}
		found := false
		for _, sc := range b.Scenarios {
			for _, s := range sc.Steps {
				if s.Action == m.Action {
					found = true
					if s.Command != m.Command {
						t.Errorf("the mitigation's %s command differs from scenario %s's:\n%s\n%s", m.Action, sc.ID, m.Command, s.Command)
					}
				}
			}
		}
		if !found {
			t.Errorf("the mitigation's %s is in no scenario, so the equivalence test does not run its command", m.Action)
		}
	}
}

// placeholder matches the runbook's placeholders (<tenant-id>), not a
// heredoc's <<EOF.
var placeholder = regexp.MustCompile(`<[a-z][^<>]*>`)

// TestEquivalence_CommandsDoWhatTheActionsDo: two copies of the lab with
// all six scenarios; in one, every step's command the report shows (the
// exact text, through sh -c with the built kubectl and vault), in the
// other, the step's action (Executor.Execute of the plan the tool builds),
// step by step in the same order; after each, the effect read from both
// worlds must be the same (Job env, labels, annotations and spec; the
// CronJob's deadline and env; the Deployment's template; the policy text;
// the role; the versions destroyed and max_versions; the token renewed).
// The Markdown report renders the same commands.
func TestEquivalence_CommandsDoWhatTheActionsDo(t *testing.T) {
	isolateEnv(t)
	e := testenv.Get(t)
	start := time.Now()
	seededAt := start.UTC().Truncate(time.Second)
	ctx := context.Background()
	t.Setenv("VAULT_TOKEN", e.Vault.RootToken)

	// the command world, and the report it shows (before the action world
	// is seeded: both feed metrics under the test's name)
	cw := newEquivWorld(t, e, seededAt)
	_, out, errOut := runArgs(t, append([]string{"report", "-o", "json"}, cw.flags...)...)
	var r runbook.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("report: %v\n%s", err, errOut)
	}
	_, md, _ := runArgs(t, append([]string{"report", "-o", "markdown"}, cw.flags...)...)

	aw := newEquivWorld(t, e, seededAt)
	snap := aw.tools.Collector.Collect(ctx)
	assess := runbook.MustDefault().Triage(snap, time.Now())

	// each action's command as the report shows it, one per action, and
	// the scenario it is a step of
	commands, scenarioOf := map[string]string{}, map[string]string{}
	for _, f := range r.Findings {
		steps, ok := r.NextSteps[f.ID]
		if !ok {
			t.Errorf("scenario %s is %s in the report: its steps are not shown", f.ID, f.Status)
		}
		for _, s := range steps {
			if s.Action == "" {
				continue
			}
			if c, ok := commands[s.Action]; ok && c != s.Command {
				t.Errorf("steps with the action %s show different commands:\n%s\n%s", s.Action, c, s.Command)
			}
			if _, ok := commands[s.Action]; !ok {
				commands[s.Action], scenarioOf[s.Action] = s.Command, f.ID
			}
		}
	}
	// the Markdown report renders every one of them as a code block (the
	// two reports are two runs: the Job names' stamps, the time each was
	// judged at, may differ by a second)
	blocks := mdCodeBlocks([]byte(md))
	for i := range blocks {
		blocks[i] = jobStamp.ReplaceAllString(blocks[i], "-<stamp>")
	}
	for a, c := range commands {
		if !slices.Contains(blocks, jobStamp.ReplaceAllString(c, "-<stamp>")) {
			t.Errorf("the Markdown report does not render the %s command as shown:\n%s", a, c)
		}
	}

	// the two worlds see the same tenants
	tenants := map[string][]string{}
	for _, fc := range r.Findings {
		fa, _ := assess.Finding(fc.ID)
		if !slices.Equal(fc.Tenants, fa.Tenants) {
			t.Fatalf("scenario %s: the worlds name different tenants: %v and %v", fc.ID, fc.Tenants, fa.Tenants)
		}
		tenants[fc.ID] = fa.Tenants
	}
	overRetention := tenants[runbook.ScenarioRetentionOverflow]
	if len(overRetention) == 0 {
		t.Fatal("no tenant over retention named: the trims would change nothing")
	}
	// an affected tenant the evidence names, else the one the engineer
	// types in place of the placeholder
	affected := "t-003"
	if ts := tenants[runbook.ScenarioRotationJobFailing]; len(ts) > 0 {
		affected = ts[0]
	}

	path := strings.Join([]string{filepath.Dir(e.Bins.Kubectl()), filepath.Dir(e.Bins.Vault), "/usr/bin", "/bin"}, string(os.PathListSeparator))
	env := append(os.Environ(), "PATH="+path, "KUBECONFIG="+cw.kubeconfig, "VAULT_ADDR="+e.Vault.Addr, "VAULT_TOKEN="+e.Vault.RootToken)
	for _, row := range equivRows(start, func(*equivWorld) []string { return overRetention }) {
		t.Run(row.action, func(t *testing.T) {
			if row.differs != "" {
				t.Log("where the command cannot equal the action: " + row.differs)
			}
			command, ok := commands[row.action]
			if !ok {
				t.Fatalf("the report shows no step with the action %s", row.action)
			}
			if row.action == runbook.ActionEmergencyRotate {
				command = strings.ReplaceAll(command, "<tenant-id>", affected)
				command = strings.ReplaceAll(command, "<reason>", equivReason)
				command = strings.ReplaceAll(command, "<subject>", equivSubject)
			}
			if p := placeholder.FindString(command); p != "" {
				t.Fatalf("the command holds the placeholder %s: %s", p, command)
			}
			cmd := exec.Command("sh", "-c", command)
			cmd.Env = env
			cmdOut, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%s: %v\n%s", command, err, cmdOut)
			}
			created := createdJob(command)

			if row.action == runbook.ActionTrimVersionsAll {
				// a trim names the versions it destroys from the snapshot
				// and refuses when the key changed since (trim-versions
				// already trimmed one of these tenants): plan it, as the
				// dashboard does after an action, on a fresh read. The
				// command of the report, older, destroys those versions
				// again, which Vault takes as a no-op.
				snap = aw.tools.Collector.Collect(ctx)
			}
			in := actions.Input{Snapshot: snap, Tenants: tenants[scenarioOf[row.action]], At: time.Now()}
			if row.action == runbook.ActionEmergencyRotate {
				in.Tenants = []string{affected}
				in.Reason, in.Subject = equivReason, equivSubject
			}
			p, err := actions.PlanFor(row.action, in)
			if err != nil {
				t.Fatal(err)
			}
			res, err := aw.tools.Executor.Execute(ctx, p, "equivalence test")
			if err != nil {
				t.Fatalf("action %s: %v", row.action, err)
			}
			if (created == "") != (res.ObjectKind != "Job") {
				t.Fatalf("the command creates job %q, the action %s %q", created, res.ObjectKind, res.Object)
			}

			if created != "" {
				for _, w := range []struct {
					w   *equivWorld
					job string
				}{{cw, created}, {aw, res.Object}} {
					j, err := w.w.Env.Kube.Client.BatchV1().Jobs(w.w.Namespace).Get(ctx, w.job, metav1.GetOptions{})
					if err != nil {
						t.Fatal(err)
					}
					for _, c := range j.Spec.Template.Spec.Containers {
						if c.Name == equivSidecar && len(c.Env) > 0 {
							t.Errorf("job %s: the sidecar %s got %v: the variables belong in the job's own container", w.job, c.Name, c.Env)
						}
					}
				}
			}
			got, want := cw.normalize(t, row.effect(t, cw, created)), aw.normalize(t, row.effect(t, aw, res.Object))
			if got != want {
				t.Errorf("the command's effect differs from the action's\ncommand: %s\n--- command's effect\n%s\n--- action's effect (%s)\n%s", command, got, res.Summary, want)
			}
			t.Logf("%s: %s", row.action, res.Summary)
		})
	}
	// what the rows compare must have changed: a row whose reading is the
	// same before and after proves nothing
	t.Run("effects are changes", func(t *testing.T) {
		fresh := newEquivWorld(t, e, seededAt)
		for _, row := range equivRows(start, func(*equivWorld) []string { return overRetention }) {
			if row.action == runbook.ActionTriggerRotation || row.action == runbook.ActionCleanupDryRun ||
				row.action == runbook.ActionCleanupRun || row.action == runbook.ActionEmergencyRotate {
				continue // a Job that did not exist before
			}
			if before, after := fresh.normalize(t, row.effect(t, fresh, "")), aw.normalize(t, row.effect(t, aw, "")); before == after {
				t.Errorf("%s: the effect read is the same as before any step:\n%s", row.action, after)
			}
		}
	})
}

// equivSidecar is the container the equivalence worlds put first in the
// CronJobs' job templates.
const equivSidecar = "proxy"

// jobStamp is the stamp of a Job created by hand (runbook.StampLayout).
var jobStamp = regexp.MustCompile(`-[0-9]{8}-[0-9]{6}\b`)

// createdJob is the Job a kubectl create job command names, or "".
func createdJob(command string) string {
	f := strings.Fields(command)
	for i, w := range f {
		if strings.HasPrefix(w, "--from=cronjob/") && i+1 < len(f) {
			return f[i+1]
		}
	}
	return ""
}

// mdCodeBlocks are the texts of the fenced code blocks CommonMark
// (goldmark) renders from md, without their final newline.
func mdCodeBlocks(md []byte) []string {
	doc := goldmark.New().Parser().Parse(text.NewReader(md))
	var out []string
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if cb, ok := n.(*ast.FencedCodeBlock); ok && entering {
			var b strings.Builder
			for i := range cb.Lines().Len() {
				seg := cb.Lines().At(i)
				b.Write(seg.Value(md))
			}
			out = append(out, strings.TrimSuffix(b.String(), "\n"))
		}
		return ast.WalkContinue, nil
	})
	return out
}
