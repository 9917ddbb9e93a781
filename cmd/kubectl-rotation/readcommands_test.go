package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/shell"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/testenv"
	"github.com/oss-ai-agent-tool/kubectl-rotation/runbook"
)

// The commands of the steps that have no one-key action (the equivalence
// test runs those), of the verification checks, and the commands the
// steps' notes name (in backticks): each is rendered for a lab world with
// all six scenarios, as the tool shows it, and run with sh -c, the built
// kubectl and vault, and jq built from gojq (scripts/testbins.sh) first on
// the PATH; its exit code and what its output holds are checked.

// readWorld is the world the commands run in: the lab, its snapshot as
// `kubectl rotation snapshot` takes it, and the commands' environment.
type readWorld struct {
	*equivWorld
	snap *collectors.Snapshot
	env  []string
	// undeleted is the tenant whose current version the test soft-deleted
	// (so the undelete step has a command to run), and that version.
	undeleted string
	version   int
	// before is what a write row's before read ahead of its command, for
	// its effect.
	before any
}

// readRow says how one command (keyed by its template in runbook.yaml)
// runs here and what proves it did what its step says.
type readRow struct {
	template string
	// exit is the exit code wanted; why says why when it is not 0.
	exit int
	why  string
	// fill are the placeholders an engineer types in, with what the test
	// types.
	fill map[string]string
	// holds checks the output (stdout and stderr together): it must hold
	// what the step is about.
	holds func(t *testing.T, w *readWorld, command, out string)
	// write: the command changes the world, so it runs after every read;
	// effect reads what it changed.
	write  bool
	effect func(t *testing.T, w *readWorld, command string)
	// before, when set, runs ahead of the command; what it returns is in
	// w.before for effect.
	before func(t *testing.T, w *readWorld) any
	// notRunnable says why the command cannot run in the harness; dryRun
	// is the command run instead to show that it is valid.
	notRunnable string
	dryRun      func(command string) string
}

// noteCommand finds the commands a note names: in backticks.
var noteCommand = regexp.MustCompile("`([^`]+)`")

// bookCommand is one command of the runbook that has no action: where it
// is and its template.
type bookCommand struct {
	where, template string
}

// bookCommands are the commands the runbook shows that no action
// performs: step commands without an action, verification checks, and
// the commands in every step's note.
func bookCommands(b *runbook.Book) []bookCommand {
	var out []bookCommand
	steps := func(where string, ss []runbook.Step) {
		for i, s := range ss {
			w := fmt.Sprintf("%s step %d (%s)", where, i+1, s.Title)
			if s.Action == "" && s.Command != "" {
				out = append(out, bookCommand{w, s.Command})
			}
			for _, m := range noteCommand.FindAllStringSubmatch(s.Note, -1) {
				out = append(out, bookCommand{w + " note", m[1]})
			}
		}
	}
	for _, d := range b.Diagnosis {
		steps("diagnosis "+d.ID, d.Steps)
	}
	for _, sc := range b.Scenarios {
		steps("scenario "+sc.ID, sc.Steps)
	}
	steps("mitigation", b.Mitigation.Steps)
	for _, cs := range b.Causes {
		steps("causes "+strings.Join(cs.Kinds, ","), cs.Steps)
	}
	for _, c := range b.Verification {
		out = append(out, bookCommand{"verification " + c.ID, c.Command})
	}
	return out
}

// TestReadCommands_EveryCommandHasARow: every command the runbook shows
// that no one-key action performs has a row in readRows; a new step
// command fails here until it has one.
func TestReadCommands_EveryCommandHasARow(t *testing.T) {
	rows := map[string]bool{}
	for _, r := range readRows() {
		if rows[r.template] {
			t.Errorf("two rows for %s", r.template)
		}
		rows[r.template] = true
		if (r.notRunnable == "") != (r.dryRun == nil) {
			t.Errorf("row %s: a command not runnable here needs both why and the dry run that checks it", r.template)
		}
		if r.exit != 0 && r.why == "" {
			t.Errorf("row %s: exit %d without why", r.template, r.exit)
		}
		if r.holds == nil && r.effect == nil && r.notRunnable == "" {
			t.Errorf("row %s: checks nothing", r.template)
		}
	}
	used := map[string]bool{}
	for _, c := range bookCommands(runbook.MustDefault()) {
		used[c.template] = true
		if !rows[c.template] {
			t.Errorf("%s: the command has no row in readRows: add one that runs it\n%s", c.where, c.template)
		}
	}
	for r := range rows {
		if !used[r] {
			t.Errorf("row %q: no step shows this command", r)
		}
	}
}

// shownCommand is a command as the tool shows it for the lab world.
type shownCommand struct {
	where, template, command string
}

// shownCommands renders every book command for the snapshot: a
// scenario's steps (those of the cause it names first) and notes with
// its finding's variables, as the scenario view and the report show
// them; its verification checks likewise; the diagnosis and the
// mitigation with the snapshot's. Cause steps of kinds the lab does not
// produce are rendered for a cause made up from a failed rotation Job of
// the lab (its pod, container, node and CronJob exist).
func shownCommands(t *testing.T, b *runbook.Book, s *collectors.Snapshot) []shownCommand {
	t.Helper()
	now := s.CollectedAt
	base := runbook.NewVars(s, now)
	a := b.Triage(s, now)
	var out []shownCommand
	render := func(where string, v runbook.Vars, ss []runbook.Step) {
		for i, st := range ss {
			w := fmt.Sprintf("%s step %d (%s)", where, i+1, st.Title)
			if st.Action == "" && st.Command != "" {
				out = append(out, shownCommand{w, st.Command, v.Render(st.Command)})
			}
			for _, m := range noteCommand.FindAllStringSubmatch(st.Note, -1) {
				out = append(out, shownCommand{w + " note", m[1], v.Render(m[1])})
			}
		}
	}
	for _, d := range b.Diagnosis {
		render("diagnosis "+d.ID, base, d.Steps)
	}
	render("mitigation", base, b.Mitigation.Steps)
	checked := map[string]bool{}
	causes := map[string]bool{}
	for _, sc := range b.Scenarios {
		f, _ := a.Finding(sc.ID)
		v := base.ForFinding(f)
		if f.Cause != nil {
			causes[f.Cause.Kind] = true
			t.Logf("scenario %s: cause %s (job %s, pod %s)", sc.ID, f.Cause.Kind, f.Cause.Job, f.Cause.Pod)
		}
		render("scenario "+sc.ID, v, b.StepsFor(f))
		for _, id := range sc.Verification {
			c, _ := b.VerificationCheck(id)
			if !checked[id] {
				checked[id] = true
				out = append(out, shownCommand{"verification " + id + " of " + sc.ID, c.Command, v.Render(c.Command)})
			}
		}
	}
	for _, c := range b.Verification {
		if !checked[c.ID] {
			out = append(out, shownCommand{"verification " + c.ID, c.Command, base.Render(c.Command)})
		}
	}
	// the causes the lab does not produce, for a failed rotation Job's pod
	var made *runbook.Cause
	for _, j := range s.Kubernetes.Jobs {
		if j.Role == collectors.RoleRotation && j.Outcome == collectors.OutcomeFailed && len(j.Pods) > 0 && len(j.Pods[0].Containers) > 0 {
			p := j.Pods[0]
			made = &runbook.Cause{Job: j.Name, CronJob: j.CronJob, Pod: p.Name, Container: p.Containers[0].Name, Node: p.Node, Image: base.Image}
			break
		}
	}
	if made == nil {
		t.Fatal("no failed rotation Job with a pod in the lab: no cause to render the cause steps for")
	}
	f1, _ := a.Finding(runbook.ScenarioRotationJobFailing)
	for _, cs := range b.Causes {
		if slices.ContainsFunc(cs.Kinds, func(k string) bool { return causes[k] }) {
			continue
		}
		c := *made
		c.Kind = cs.Kinds[0]
		f := f1
		f.Cause = &c
		render("causes "+strings.Join(cs.Kinds, ",")+" (made up)", base.ForFinding(f), cs.Steps)
	}
	return out
}

// readRows are the rows of every command the runbook shows that no
// action performs.
func readRows() []readRow {
	return []readRow{
		// diagnosis 1: CronJob status
		{template: `kubectl get cronjobs -n {{.Namespace}} | grep -E "{{.RotationCronJob}}|{{.CleanupCronJob}}"`,
			holds: func(t *testing.T, w *readWorld, _, out string) {
				holdsAll(t, out, w.Names.RotationCronJob, w.Names.CleanupCronJob)
				if n := len(lines(out)); n != 2 {
					t.Errorf("%d lines, want the 2 CronJobs", n)
				}
			}},
		{template: "kubectl get jobs -n {{.Namespace}} --sort-by=.metadata.creationTimestamp",
			holds: func(t *testing.T, w *readWorld, _, out string) {
				// every Job the tool sees, newest last
				jobs := w.snap.Kubernetes.Jobs
				for _, j := range jobs {
					holdsAll(t, out, j.Name)
				}
				if ls := lines(out); len(jobs) > 0 && !strings.HasPrefix(ls[len(ls)-1], jobs[0].Name+" ") {
					t.Errorf("the last line is %q, want the newest Job %s", ls[len(ls)-1], jobs[0].Name)
				}
			}},
		{template: "{{.JobLog .FailedJob}}", holds: jobLogHolds(func(s *collectors.Snapshot) *collectors.Job {
			return firstJob(s, func(j collectors.Job) bool { return j.Outcome == collectors.OutcomeFailed })
		})},
		// the log steps' note when no pod of the Job is left: what can
		// still be read of it
		{template: "kubectl describe job {{.FailedJob}} -n {{.Namespace}}", holds: describeJobHolds},
		{template: "kubectl describe job {{.FailedRotationJob}} -n {{.Namespace}}", holds: describeJobHolds},
		{template: "kubectl describe job {{.FailedCleanupJob}} -n {{.Namespace}}", holds: describeJobHolds},
		// diagnosis 2: audit logs
		{template: `kubectl logs -l {{.SecurityLabel}} {{.SecurityLogFlag}}--tail=-1 -n {{.Namespace}} | jq -R -c 'fromjson? | select(.action? // "" | contains("cmek.rotation"))'`,
			holds: jsonLinesHold(func(s *collectors.Snapshot) int { return s.Logs.Audit.Events }, func(m map[string]any) bool {
				a, _ := m["action"].(string)
				return strings.Contains(a, "cmek.rotation")
			})},
		{template: `kubectl logs -l {{.SecurityLabel}} {{.SecurityLogFlag}}--tail=-1 -n {{.Namespace}} | jq -R -c 'fromjson? | select((.action? // "" | contains("cmek.rotation")) and .outcome? == "failure")'`,
			holds: jsonLinesHold(func(s *collectors.Snapshot) int { return outcomes(s, "", "failure") }, func(m map[string]any) bool {
				a, _ := m["action"].(string)
				return strings.Contains(a, "cmek.rotation") && m["outcome"] == "failure"
			})},
		// diagnosis 3: Vault
		{template: "vault status -address={{.VaultAddr}}",
			holds: func(t *testing.T, _ *readWorld, _, out string) {
				holdsRe(t, out, `(?m)^Sealed\s+false$`, `(?m)^Initialized\s+true$`)
			}},
		{template: `kubectl get deployment {{.OrchestratorDeployment}} -n {{.Namespace}} -o jsonpath='{.spec.template.spec.{{.OrchestratorContainer}}.env}' | jq '.[] | select(.name | contains("VAULT"))'`,
			holds: func(t *testing.T, w *readWorld, _, out string) {
				names := envNames(t, out)
				var want []string
				for _, e := range w.snap.Kubernetes.Orchestrator.Env {
					if strings.Contains(e.Name, "VAULT") {
						want = append(want, e.Name)
					}
				}
				if !slices.Equal(names, want) || len(want) == 0 {
					t.Errorf("env %v, want the orchestrator's VAULT variables %v", names, want)
				}
			}},
		{template: "vault token lookup -accessor {{.OrchestratorAccessor}}",
			holds: func(t *testing.T, w *readWorld, _, out string) {
				holdsRe(t, out, `(?m)^accessor\s+`+regexp.QuoteMeta(w.Seeded.OrchestratorAccessor)+`$`, `(?m)^ttl\s+`)
			}},
		// diagnosis 4: job configuration
		{template: "kubectl get cronjob {{.RotationCronJob}} -n {{.Namespace}} -o yaml",
			holds: func(t *testing.T, w *readWorld, _, out string) {
				holdsAll(t, out, "kind: CronJob", "name: "+w.Names.RotationCronJob, "schedule: ")
			}},
		{template: "kubectl describe cronjob {{.RotationCronJob}} -n {{.Namespace}}",
			holds: func(t *testing.T, w *readWorld, _, out string) {
				holdsRe(t, out, `(?m)^Name:\s+`+w.Names.RotationCronJob+`$`, `(?m)^Schedule:\s+`, `(?m)^Last Schedule Time:\s+`)
			}},
		{template: "kubectl get configmap -n {{.Namespace}} -o yaml | grep -A5 retention",
			holds: func(t *testing.T, w *readWorld, _, out string) {
				holdsAll(t, out, fmt.Sprintf("retentionVersions: %d", w.Names.RetentionVersions))
			}},

		// Scenario 1
		{template: "{{.JobLog .FailedRotationJob}}", holds: jobLogHolds(func(s *collectors.Snapshot) *collectors.Job {
			return firstJob(s, func(j collectors.Job) bool {
				return j.Outcome == collectors.OutcomeFailed && j.Role == collectors.RoleRotation
			})
		})},
		{template: "kubectl get sa {{.VaultSA}} -n {{.Namespace}}",
			holds: func(t *testing.T, w *readWorld, _, out string) { holdsRe(t, out, `(?m)^`+w.Names.OrchestratorSA+`\s`) }},
		{template: "kubectl run -it --rm rotate-test --image={{.Image}} --restart=Never -n {{.Namespace}} -- node /app/services/orchestrator/scripts/rotate-all-tenant-cmek.js",
			notRunnable: "the harness has no kubelet to run the pod, and -it attaches to it",
			dryRun: func(c string) string {
				return strings.Replace(c, " run -it --rm ", " run --dry-run=client -o yaml ", 1)
			},
			holds: func(t *testing.T, w *readWorld, _, out string) {
				holdsAll(t, out, "kind: Pod", "image: "+w.Names.Image, "restartPolicy: Never", "rotate-all-tenant-cmek.js", "namespace: "+w.Namespace)
			}},
		{template: `kubectl patch cronjob {{.RotationCronJob}} -n {{.Namespace}} --type=merge -p '{"spec":{"suspend":false}}'`,
			write: true, effect: suspendEffect(func(w *readWorld) string { return w.Names.RotationCronJob })},

		// Scenario 2
		{template: "kubectl logs -l {{.OrchestratorLabel}} {{.OrchestratorLogFlag}}--tail=-1 -n {{.Namespace}} | grep VaultTokenRenewal",
			why: "grep exits 1 when no line names VaultTokenRenewal; the lab's orchestrator logs renewals",
			holds: func(t *testing.T, w *readWorld, _, out string) {
				r := w.snap.Logs.Audit.Renewals
				if n := len(lines(out)); n != r.OK+r.Errors || n == 0 {
					t.Errorf("%d renewal lines, the tool read %d", n, r.OK+r.Errors)
				}
			}},
		{template: "{{.PromQuery .MetricTokenExpiry .MetricTokenRenewals}}", holds: promHolds},
		// the restart step's note: the runbook's way, all pods at once
		{template: "kubectl delete pod -l {{.OrchestratorLabel}} -n {{.Namespace}}", write: true,
			notRunnable: "kubectl delete waits until the pods are gone, and without a kubelet nothing ends their graceful deletion",
			dryRun:      func(c string) string { return c + " --wait=false" },
			// the pods there before: the ReplicaSet controller replaces
			// the deleted ones at once, and the replacements are new
			before: func(t *testing.T, w *readWorld) any {
				pods := orchestratorPods(t, w)
				if len(pods) == 0 {
					t.Fatal("no orchestrator pod to delete")
				}
				return pods
			},
			effect: func(t *testing.T, w *readWorld, _ string) {
				now := map[string]corev1.Pod{}
				for _, p := range orchestratorPods(t, w) {
					now[string(p.UID)] = p
				}
				for _, p := range w.before.([]corev1.Pod) {
					if q, ok := now[string(p.UID)]; ok && q.DeletionTimestamp == nil {
						t.Errorf("orchestrator pod %s not deleted", p.Name)
					}
				}
			}},

		// Scenario 3
		{template: "{{.JobLog .FailedCleanupJob}}", holds: jobLogHolds(func(s *collectors.Snapshot) *collectors.Job {
			return firstJob(s, func(j collectors.Job) bool {
				return j.Outcome == collectors.OutcomeFailed && j.Role == collectors.RoleCleanup
			})
		})},
		{template: "vault kv metadata get {{.KVMount}}/{{.TenantPathExample}}", holds: metadataHolds},
		// the dry run's note: the runbook's way mutates the CronJob
		{template: "kubectl set env cronjob/{{.CleanupCronJob}} DRY_RUN=true -n {{.Namespace}}", write: true,
			effect: func(t *testing.T, w *readWorld, _ string) {
				cj, err := w.Env.Kube.Client.BatchV1().CronJobs(w.Namespace).Get(context.Background(), w.Names.CleanupCronJob, metav1.GetOptions{})
				if err != nil {
					t.Fatal(err)
				}
				for _, c := range cj.Spec.JobTemplate.Spec.Template.Spec.Containers {
					if !slices.ContainsFunc(c.Env, func(e corev1.EnvVar) bool { return e.Name == "DRY_RUN" && e.Value == "true" }) {
						t.Errorf("container %s: DRY_RUN is not true: %v", c.Name, c.Env)
					}
				}
			}},
		{template: `kubectl patch cronjob {{.CleanupCronJob}} -n {{.Namespace}} --type=merge -p '{"spec":{"suspend":false}}'`,
			write: true, effect: suspendEffect(func(w *readWorld) string { return w.Names.CleanupCronJob })},

		// Scenario 4
		{template: "{{.Undelete}}", write: true,
			effect: func(t *testing.T, w *readWorld, command string) {
				if !strings.Contains(command, w.Config.TenantPath(w.undeleted)) {
					t.Errorf("the undelete command does not name %s, whose current version the test deleted: %s", w.undeleted, command)
				}
				md, err := w.root.KVv2(w.Names.KVMount).GetMetadata(context.Background(), w.Config.TenantPath(w.undeleted))
				if err != nil {
					t.Fatal(err)
				}
				if v := md.Versions[strconv.Itoa(w.version)]; !v.DeletionTime.IsZero() {
					t.Errorf("version %d of %s is still deleted", w.version, w.undeleted)
				}
			}},
		// the trim's note: the runbook's last resort
		{template: "vault kv metadata delete {{.KVMount}}/{{.TrimTenantPath}}", write: true,
			effect: func(t *testing.T, w *readWorld, command string) {
				f := shellArgs(t, command)
				path := strings.TrimPrefix(f[len(f)-1], w.Names.KVMount+"/")
				if _, err := w.root.KVv2(w.Names.KVMount).GetMetadata(context.Background(), path); err == nil {
					t.Errorf("%s still has metadata", path)
				}
			}},

		// Scenario 5
		{template: "kubectl get cronjob {{.RotationCronJob}} -n {{.Namespace}} -o jsonpath='{.spec.jobTemplate.spec.activeDeadlineSeconds}'",
			holds: func(t *testing.T, w *readWorld, _, out string) {
				cj := w.snap.Kubernetes.CronJobs[0]
				if cj.Role != collectors.RoleRotation || cj.ActiveDeadlineSeconds == nil {
					t.Fatalf("the snapshot's first CronJob %+v has no deadline", cj)
				}
				if want := strconv.FormatInt(*cj.ActiveDeadlineSeconds, 10); out != want {
					t.Errorf("output %q, want the deadline %s", out, want)
				}
			}},

		// Scenario 6
		{template: `kubectl get deployment {{.OrchestratorDeployment}} -n {{.Namespace}} -o jsonpath='{.spec.template.spec.{{.OrchestratorContainer}}.env}' | jq '.[] | select(.name == "AUDIT_ENABLED")'`,
			holds: func(t *testing.T, w *readWorld, _, out string) {
				var e struct{ Name, Value string }
				if err := json.Unmarshal([]byte(out), &e); err != nil || e.Name != "AUDIT_ENABLED" || e.Value != "false" {
					t.Errorf("output %q (%v), want AUDIT_ENABLED false, as the lab's Scenario 6 sets it", out, err)
				}
			}},
		{template: `kubectl logs -l {{.OrchestratorLabel}} {{.OrchestratorLogFlag}}--tail=-1 -n {{.Namespace}} | jq -R -c 'fromjson? | select(.type? == "audit")'`,
			holds: jsonLinesHold(func(s *collectors.Snapshot) int { return s.Logs.Audit.AuditTypeEvents }, func(m map[string]any) bool { return m["type"] == "audit" })},
		{template: "{{.PromQuery .MetricRotations}}", holds: promHolds},

		// mitigation: the renewal's note when the token's max TTL is near
		{template: "kubectl rollout restart deployment/{{.OrchestratorDeployment}} -n {{.Namespace}}", write: true,
			effect: func(t *testing.T, w *readWorld, _ string) {
				d, err := w.Env.Kube.Client.AppsV1().Deployments(w.Namespace).Get(context.Background(), w.Names.OrchestratorDeployment, metav1.GetOptions{})
				if err != nil {
					t.Fatal(err)
				}
				if d.Spec.Template.Annotations["kubectl.kubernetes.io/restartedAt"] == "" {
					t.Error("the Deployment's template has no restartedAt")
				}
			}},

		// verification
		{template: `kubectl logs -l {{.SecurityLabel}} {{.SecurityLogFlag}}--tail=-1 -n {{.Namespace}} | jq -R -c 'fromjson? | select(.action? == "cmek.rotation.completed" and .outcome? == "success")'`,
			holds: jsonLinesHold(func(s *collectors.Snapshot) int { return outcomes(s, "cmek.rotation.completed", "success") }, func(m map[string]any) bool {
				return m["action"] == "cmek.rotation.completed" && m["outcome"] == "success"
			})},
		{template: "{{.PromQuery .MetricRotations .MetricRotationsFailed .MetricTokenRenewals}}", holds: promHolds},

		// causes
		{template: "kubectl describe pod {{.CausePod}} -n {{.Namespace}}",
			holds: func(t *testing.T, _ *readWorld, command, out string) {
				holdsRe(t, out, `(?m)^Name:\s+`+regexp.QuoteMeta(wordAfter(command, "pod"))+`$`, `(?m)^Status:\s+`, `(?m)^Containers:$`)
			}},
		{template: "kubectl describe job {{.CauseJob}} -n {{.Namespace}}",
			holds: func(t *testing.T, _ *readWorld, command, out string) {
				holdsRe(t, out, `(?m)^Name:\s+`+regexp.QuoteMeta(wordAfter(command, "job"))+`$`, `(?m)^Pods Statuses:\s+`)
			}},
		{template: "kubectl set resources cronjob/{{.CauseCronJob}} -c={{.CauseContainer}} --limits=memory={{.CauseMemoryRaised}} -n {{.Namespace}}",
			fill: map[string]string{"<new-limit>": "256Mi"}, write: true, effect: resourcesEffect("limits", "memory")},
		{template: "kubectl get cronjob {{.CauseCronJob}} -n {{.Namespace}} -o yaml | grep -E -A2 'image:|imagePullSecrets:'",
			holds: func(t *testing.T, w *readWorld, _, out string) { holdsAll(t, out, "image: "+w.Names.Image) }},
		{template: "kubectl set image cronjob/{{.CauseCronJob}} {{.CauseContainer}}=<image> -n {{.Namespace}}",
			fill: map[string]string{"<image>": "registry.example/orchestrator:fixed"}, write: true,
			effect: func(t *testing.T, w *readWorld, _ string) {
				cj, err := w.Env.Kube.Client.BatchV1().CronJobs(w.Namespace).Get(context.Background(), w.Names.RotationCronJob, metav1.GetOptions{})
				if err != nil {
					t.Fatal(err)
				}
				if img := jobContainerOf(cj).Image; img != "registry.example/orchestrator:fixed" {
					t.Errorf("image %s", img)
				}
			}},
		{template: "kubectl get events -n {{.Namespace}} --field-selector involvedObject.name={{.CausePod}}",
			holds: func(t *testing.T, w *readWorld, command, out string) {
				pod := wordAfter(command, "--field-selector")
				pod = strings.TrimPrefix(pod, "involvedObject.name=")
				var want []string
				for _, j := range w.snap.Kubernetes.Jobs {
					for _, e := range j.Events {
						if e.Object == "Pod/"+pod {
							want = append(want, e.Reason)
						}
					}
				}
				if len(want) == 0 {
					// the harness has no kubelet or scheduler to record any
					holdsAll(t, out, "No resources found in "+w.Namespace+" namespace.")
				}
				holdsAll(t, out, want...)
			}},
		{template: "kubectl describe nodes | grep -A 8 'Allocated resources'",
			holds: func(t *testing.T, _ *readWorld, _, out string) {
				holdsRe(t, out, `(?m)^Allocated resources:$`, `(?m)^\s+Resource\s+Requests\s+Limits$`)
			}},
		{template: "kubectl set resources cronjob/{{.CauseCronJob}} -c={{.CauseContainer}} --requests=cpu=<cpu>,memory=<memory> -n {{.Namespace}}",
			fill: map[string]string{"<cpu>": "250m", "<memory>": "192Mi"}, write: true, effect: resourcesEffect("requests", "cpu")},
		{template: "kubectl describe node {{.CauseNode}}",
			holds: func(t *testing.T, w *readWorld, _, out string) {
				holdsRe(t, out, `(?m)^Name:\s+`+regexp.QuoteMeta(w.Env.Kube.NodeName)+`$`, `(?m)^Addresses:$`)
			}},
		{template: "kubectl logs {{.CausePod}} -c {{.CauseContainer}} -n {{.Namespace}}",
			holds: func(t *testing.T, w *readWorld, command, out string) {
				pod := wordAfter(command, "logs")
				for _, j := range w.snap.Kubernetes.Jobs {
					if j.Log != nil && j.Log.Pod == pod && len(j.Log.Lines) > 0 {
						holdsAll(t, out, j.Log.Lines[len(j.Log.Lines)-1])
						return
					}
				}
				if strings.TrimSpace(out) == "" {
					t.Errorf("pod %s: no log", pod)
				}
			}},
	}
}

func lines(out string) []string {
	out = strings.TrimSpace(out)
	if out == "" {
		return nil
	}
	return strings.Split(out, "\n")
}

func holdsAll(t *testing.T, out string, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(out, s) {
			t.Errorf("the output does not hold %q", s)
		}
	}
}

func holdsRe(t *testing.T, out string, res ...string) {
	t.Helper()
	for _, re := range res {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("the output does not match %s", re)
		}
	}
}

func firstJob(s *collectors.Snapshot, ok func(collectors.Job) bool) *collectors.Job {
	for i, j := range s.Kubernetes.Jobs {
		if ok(j) {
			return &s.Kubernetes.Jobs[i]
		}
	}
	return nil
}

// jobLogHolds: the log command names the Job the tool names (kubectl logs
// job/NAME), or, when the Job has several pods, the pod and container the
// tool read (kubectl logs pod/POD -c CONTAINER), and prints the log the
// tool read of it.
func jobLogHolds(job func(*collectors.Snapshot) *collectors.Job) func(t *testing.T, w *readWorld, command, out string) {
	return func(t *testing.T, w *readWorld, command, out string) {
		t.Helper()
		j := job(w.snap)
		if j == nil || j.Log == nil || len(j.Log.Lines) == 0 {
			t.Fatalf("the snapshot has no such failed Job with a log")
		}
		if want := "pod/" + j.Log.Pod + " -c " + j.Log.Container + " "; len(j.Pods) > 1 && !strings.Contains(command, want) {
			t.Errorf("Job %s has %d pods: the command does not read %s, whose log the tool read", j.Name, len(j.Pods), want)
		} else if len(j.Pods) == 1 && !strings.Contains(command, "job/"+j.Name+" ") {
			t.Errorf("the command does not name the Job %s", j.Name)
		}
		holdsAll(t, out, j.Log.Lines[0], j.Log.Lines[len(j.Log.Lines)-1])
	}
}

// describeJobHolds: kubectl describe job prints the Job the command names.
func describeJobHolds(t *testing.T, _ *readWorld, command, out string) {
	t.Helper()
	holdsRe(t, out, `(?m)^Name:\s+`+regexp.QuoteMeta(wordAfter(command, "job"))+`$`, `(?m)^Pods Statuses:\s+`)
}

// wordAfter is the word after the first word w of a command (the kubectl
// connection flags may come first).
func wordAfter(command, w string) string {
	f := strings.Fields(command)
	if i := slices.Index(f, w); i >= 0 && i+1 < len(f) {
		return f[i+1]
	}
	return ""
}

// shellArgs are the words a shell makes of a simple command (no pipe),
// as it would pass them.
func shellArgs(t *testing.T, command string) []string {
	t.Helper()
	out, err := exec.Command("sh", "-c", "set -- "+command+`; for a; do printf '%s\037' "$a"; done`).Output()
	if err != nil {
		t.Fatalf("sh: %v: %s", err, command)
	}
	return strings.Split(strings.TrimSuffix(string(out), "\x1f"), "\x1f")
}

// jsonLinesHold: every line of the output is a JSON object the filter
// keeps, and there are as many as the tool counted in the same logs.
func jsonLinesHold(count func(*collectors.Snapshot) int, keep func(map[string]any) bool) func(t *testing.T, w *readWorld, command, out string) {
	return func(t *testing.T, w *readWorld, _, out string) {
		t.Helper()
		ls := lines(out)
		for _, l := range ls {
			var m map[string]any
			if err := json.Unmarshal([]byte(l), &m); err != nil || !keep(m) {
				t.Errorf("line %q: not an event the step is about (%v)", l, err)
			}
		}
		if want := count(w.snap); len(ls) != want || want == 0 {
			t.Errorf("%d events, the tool counted %d in the same logs", len(ls), want)
		}
	}
}

// outcomes counts the audit events with the outcome, of the action or
// (action "") of every rotation action.
func outcomes(s *collectors.Snapshot, action, outcome string) int {
	n := 0
	for a, byOutcome := range s.Logs.Audit.Counts {
		if action == "" || a == action {
			n += byOutcome[outcome]
		}
	}
	return n
}

func envNames(t *testing.T, out string) []string {
	t.Helper()
	var names []string
	dec := json.NewDecoder(strings.NewReader(out))
	for {
		var e struct{ Name string }
		if err := dec.Decode(&e); err != nil {
			if !errors.Is(err, io.EOF) {
				t.Errorf("jq output: %v", err)
			}
			return names
		}
		names = append(names, e.Name)
	}
}

// instantSeries is how many series of m the tool read now, as the raw
// instant query answers them. For a counter summed over its tenant labels:
// the series that name a tenant (the sums are the tool's own), or the sums
// when none does (they are then the series). Else the series with a value
// now (those known only from the history have no sample in the query's
// lookback).
func instantSeries(m collectors.Metric) int {
	named, valued := m.TenantsOmitted+len(m.Tenants), 0
	for _, s := range m.Series {
		tenant := false
		for _, l := range m.SummedOver {
			tenant = tenant || s.Labels[l] != ""
		}
		switch {
		case tenant:
			named++
		case s.Value != nil:
			valued++
		}
	}
	if named > 0 {
		return named
	}
	return valued // nothing to sum over: the sums are the series
}

// orchestratorPods are the orchestrator's pods now.
func orchestratorPods(t *testing.T, w *readWorld) []corev1.Pod {
	t.Helper()
	pods, err := w.Env.Kube.Client.CoreV1().Pods(w.Namespace).List(context.Background(), metav1.ListOptions{LabelSelector: w.Config.Kubernetes.OrchestratorLabel})
	if err != nil {
		t.Fatal(err)
	}
	return pods.Items
}

// promHolds: each query (a line) answers success with, for every metric
// it names, the series of the world's namespace the tool read of it.
func promHolds(t *testing.T, w *readWorld, command, out string) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(out))
	for i, line := range strings.Split(command, "\n") {
		var r struct {
			Status string
			Data   struct {
				Result []struct{ Metric map[string]string }
			}
		}
		if err := dec.Decode(&r); err != nil {
			t.Fatalf("query %d (%s): %v", i+1, line, err)
		}
		if r.Status != "success" {
			t.Errorf("query %d (%s): status %s", i+1, line, r.Status)
		}
		got := map[string]int{}
		for _, s := range r.Data.Result {
			got[s.Metric["__name__"]]++
			if s.Metric["namespace"] != w.Namespace {
				t.Errorf("query %d (%s): series %v is not the world's", i+1, line, s.Metric)
			}
		}
		named := 0
		query, err := url.QueryUnescape(line) // through the proxy, the query is URL-encoded
		if err != nil {
			t.Fatalf("query %d (%s): %v", i+1, line, err)
		}
		for _, m := range w.snap.Prometheus.Metrics {
			if !regexp.MustCompile(`\b` + regexp.QuoteMeta(m.Name) + `\b`).MatchString(query) {
				continue
			}
			named++
			if n := instantSeries(m); got[m.Name] != n || got[m.Name] == 0 {
				t.Errorf("query %d: %d series of %s, the tool read %d now (of %d series, summed over %v)", i+1, got[m.Name], m.Name, n, len(m.Series), m.SummedOver)
			}
			delete(got, m.Name)
		}
		if named == 0 || len(got) > 0 {
			t.Errorf("query %d (%s): names %d of the tool's metrics; other series: %v", i+1, line, named, got)
		}
	}
}

// metadataHolds: vault kv metadata get prints the key's current version.
func metadataHolds(t *testing.T, w *readWorld, command, out string) {
	t.Helper()
	f := shellArgs(t, command)
	path := strings.TrimPrefix(f[len(f)-1], w.Names.KVMount+"/")
	md, err := w.root.KVv2(w.Names.KVMount).GetMetadata(context.Background(), path)
	if err != nil {
		t.Fatalf("metadata of %s: %v", path, err)
	}
	holdsRe(t, out, fmt.Sprintf(`(?m)^current_version\s+%d$`, md.CurrentVersion), `(?m)^max_versions\s+`)
	holdsRe(t, out, fmt.Sprintf(`(?m)^=+ Version %d =+$`, md.CurrentVersion))
}

func suspendEffect(name func(*readWorld) string) func(t *testing.T, w *readWorld, _ string) {
	return func(t *testing.T, w *readWorld, _ string) {
		t.Helper()
		cj, err := w.Env.Kube.Client.BatchV1().CronJobs(w.Namespace).Get(context.Background(), name(w), metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if cj.Spec.Suspend == nil || *cj.Spec.Suspend {
			t.Errorf("CronJob %s: suspend %v", cj.Name, cj.Spec.Suspend)
		}
	}
}

// resourcesEffect: the rotation CronJob's container has the limit or
// request the command set.
// jobContainerOf is the CronJob's own container in its job template: not
// the sidecar the equivalence worlds put first (equivSidecar).
func jobContainerOf(cj *batchv1.CronJob) corev1.Container {
	for _, c := range cj.Spec.JobTemplate.Spec.Template.Spec.Containers {
		if c.Name != equivSidecar {
			return c
		}
	}
	return corev1.Container{}
}

func resourcesEffect(kind, resource string) func(t *testing.T, w *readWorld, command string) {
	return func(t *testing.T, w *readWorld, command string) {
		t.Helper()
		cj, err := w.Env.Kube.Client.BatchV1().CronJobs(w.Namespace).Get(context.Background(), w.Names.RotationCronJob, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		c := jobContainerOf(cj)
		rl := c.Resources.Limits
		if kind == "requests" {
			rl = c.Resources.Requests
		}
		q, ok := rl[corev1.ResourceName(resource)]
		if !ok || !strings.Contains(command, resource+"="+q.String()) {
			t.Errorf("container %s: %s %s = %v; the command: %s", c.Name, kind, resource, q.String(), command)
		}
	}
}

// TestReadCommands_RunAsShown: every command of readRows, rendered for a
// lab world with all six scenarios as the tool shows it, runs as is (the
// placeholders an engineer types filled in) and exits as its row says,
// and its output holds what its step is about; the commands that change
// something run after the reads and their effect is read back; those
// that cannot run here are checked with a dry run. The report shows the
// same commands.
func TestReadCommands_RunAsShown(t *testing.T) {
	isolateEnv(t)
	e := testenv.Get(t)
	t.Setenv("VAULT_TOKEN", e.Vault.RootToken) // the tool's, as the commands'
	now := time.Now().UTC().Truncate(time.Second)
	w := &readWorld{equivWorld: newEquivWorld(t, e, now)}

	// tenants whose ids a shell reads specially, as Vault allows them: the
	// first listed (the commands' example tenant), one over retention
	// (Scenario 4's trims and its last resort name it), one whose current
	// version is soft-deleted below (the undelete step names it)
	kv := w.root.KVv2(w.Names.KVMount)
	for id, versions := range map[string]int{"acme corp": 1, "o'brien": w.Names.RetentionVersions + 3, "t-$HOME": 1} {
		for i := range versions {
			if _, err := kv.Put(context.Background(), w.Config.TenantPath(id), map[string]any{"key": fmt.Sprint(i)}); err != nil {
				t.Fatal(err)
			}
		}
	}

	// the tool is pointed at the lab by flags alone: a kubeconfig (its
	// path with a space) whose current context is a dead server, with
	// --context naming the lab's, and --vault-addr; the shell the
	// commands run in has that kubeconfig in KUBECONFIG and a dead
	// VAULT_ADDR, so a command reaches the lab only with the flags given
	two, lab := deadCurrentContext(t, w.kubeconfig)
	i := slices.Index(w.flags, "--kubeconfig")
	w.flags = append(slices.Delete(slices.Clone(w.flags), i, i+2), "--kubeconfig", two, "--context", lab)

	// a failed Job with no pod left (the step says its log is gone), and
	// one retried (two pods: the step reads the pod the tool read)
	gone, retried := reshapeFailedJobs(t, e, w)

	// a tenant's current version soft-deleted, so the undelete step has a
	// command (a tenant within retention, so the trims are not disturbed)
	w.undeleted = "t-$HOME"
	md, err := w.root.KVv2(w.Names.KVMount).GetMetadata(context.Background(), w.Config.TenantPath(w.undeleted))
	if err != nil {
		t.Fatal(err)
	}
	w.version = md.CurrentVersion
	if err := w.root.KVv2(w.Names.KVMount).Delete(context.Background(), w.Config.TenantPath(w.undeleted)); err != nil {
		t.Fatal(err)
	}

	// a failed rotation's audit event in each security pod's log (the
	// lab's failing runs are those Scenario 6 left without audit events),
	// so the failures' filter has something to find
	pods, err := e.Kube.Client.CoreV1().Pods(w.Namespace).List(context.Background(), metav1.ListOptions{LabelSelector: w.Config.Kubernetes.SecurityLabel})
	if err != nil || len(pods.Items) == 0 {
		t.Fatalf("security pods: %v (%d)", err, len(pods.Items))
	}
	for i, p := range pods.Items {
		at := now.Add(-time.Duration(i+1) * time.Minute).Format(time.RFC3339)
		e.Kube.Logs.Append(w.Namespace, p.Name, p.Spec.Containers[0].Name, []byte(fmt.Sprintf(
			`{"type":"audit","action":"cmek.rotation.failed","outcome":"failure","tenantId":%q,"timestamp":%q,"reason":"permission denied"}`+"\n",
			w.Seeded.Tenants[i], at)))
	}

	w.snap = scrapedSnapshot(t, w.flags)
	w.env = append(commandEnv(t, e, two), "VAULT_ADDR=http://127.0.0.1:1") // the last value of a key counts
	if got, want := w.snap.Connection.KubectlFlags, []string{"--kubeconfig=" + two, "--context=" + lab}; !slices.Equal(got, want) {
		t.Fatalf("the snapshot records the kubectl flags %q, want %q", got, want)
	}
	if got, want := w.snap.Connection.VaultEnv, []string{"VAULT_ADDR=" + e.Vault.Addr}; !slices.Equal(got, want) {
		t.Fatalf("the snapshot records the Vault environment %q, want %q", got, want)
	}
	if j := firstJob(w.snap, func(j collectors.Job) bool { return j.Name == retried }); j == nil || len(j.Pods) != 2 || j.Log == nil || j.Log.Pod != retried+"-retry" {
		t.Fatalf("the retried Job %s: %+v", retried, j)
	}

	b := runbook.MustDefault()
	rows := map[string]readRow{}
	for _, r := range readRows() {
		rows[r.template] = r
	}
	shown := shownCommands(t, b, w.snap)

	// the report shows these commands (its steps; the two reports are two
	// collections, so Job stamps may differ)
	_, out, errOut := runArgs(t, append([]string{"report", "-o", "json"}, w.flags...)...)
	var r runbook.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("report: %v\n%s", err, errOut)
	}
	mine := map[string]bool{}
	for _, s := range shown {
		mine[s.command] = true
	}
	for id, steps := range r.NextSteps {
		for _, s := range steps {
			if s.Action == "" && s.Command != "" && !mine[s.Command] {
				t.Errorf("scenario %s: the report shows %q, which this test does not run", id, s.Command)
			}
		}
	}

	// the timeline's evidence commands (kubectl and vault reads, with the
	// connection flags, the tenants' paths quoted) run as is too
	evidence := map[string]bool{}
	for _, en := range b.Timeline(w.snap, w.snap.CollectedAt, runbook.TimelineOptions{}).Entries {
		if strings.HasPrefix(en.Evidence, "kubectl ") || strings.HasPrefix(en.Evidence, "VAULT_ADDR=") || strings.HasPrefix(en.Evidence, "vault ") {
			evidence[en.Evidence] = true
		}
	}
	for _, want := range []string{`kv metadata get ` + shell.Word(w.Names.KVMount) + `/'tenants/o'\''brien/cmek'`, `kv metadata get ` + shell.Word(w.Names.KVMount) + `/'tenants/acme corp/cmek'`} {
		if !slices.ContainsFunc(slices.Collect(maps.Keys(evidence)), func(c string) bool { return strings.HasSuffix(c, want) }) {
			t.Errorf("the timeline has no evidence command ending %s", want)
		}
	}
	for c := range evidence {
		code, out := runShell(t, w.env, c)
		if code != 0 {
			t.Errorf("timeline evidence %s: exit %d\n%s", c, code, out)
		}
		// a pipe exits as its last command: the audit filter prints the
		// events only when kubectl reached the lab
		if strings.Contains(c, "| jq") && !strings.Contains(out, "cmek.rotation") {
			t.Errorf("timeline evidence %s printed no audit event:\n%s", c, out)
		}
	}

	ran := map[string]bool{}
	var writes []shownCommand
	run := func(s shownCommand, row readRow) {
		t.Run(s.where, func(t *testing.T) {
			command := s.command
			for p, v := range row.fill {
				if !strings.Contains(command, p) {
					t.Errorf("the row fills %s, which the command does not hold", p)
				}
				command = strings.ReplaceAll(command, p, v)
			}
			if p := placeholder.FindString(command); p != "" {
				t.Fatalf("the command holds the placeholder %s: %s", p, command)
			}
			if row.notRunnable != "" {
				t.Logf("not runnable here: %s; checked with a dry run", row.notRunnable)
				command = row.dryRun(command)
			}
			if row.before != nil {
				w.before = row.before(t, w)
			}
			code, out := runShell(t, w.env, command)
			t.Logf("$ %s\n(exit %d, %d bytes)", command, code, len(out))
			if code != row.exit {
				t.Fatalf("exit %d, want %d\n%s", code, row.exit, out)
			}
			if row.holds != nil {
				row.holds(t, w, s.command, strings.TrimSpace(out))
			}
			if row.effect != nil {
				row.effect(t, w, command)
			}
		})
	}
	for _, s := range shown {
		row, ok := rows[s.template]
		if !ok {
			t.Errorf("%s: no row for %s", s.where, s.template)
			continue
		}
		ran[s.template] = true
		if s.command == "" && strings.Contains(s.template, ".JobLog") {
			// no pod of the Job is left: its note says so (below)
			continue
		}
		if s.command == "" {
			t.Errorf("%s: the command renders empty for the lab world", s.where)
			continue
		}
		if row.write {
			writes = append(writes, s)
			continue
		}
		run(s, row)
	}
	// the writes last, each once (the same command in two steps changes
	// the world once): those that remove pods and keys at the very end
	done := map[string]bool{}
	slices.SortStableFunc(writes, func(a, b shownCommand) int {
		last := func(c string) bool { return strings.Contains(c, "delete") }
		switch {
		case last(a.command) == last(b.command):
			return 0
		case last(a.command):
			return 1
		}
		return -1
	})
	for _, s := range writes {
		if done[s.command] {
			continue
		}
		done[s.command] = true
		run(s, rows[s.template])
	}
	for tpl := range rows {
		if !ran[tpl] {
			t.Errorf("row %q: the lab world shows no such command, so it did not run", tpl)
		}
	}
	// the log step of the Job with no pod left shows no command, and its
	// note says why and names what can still be read (run above)
	f, _ := b.Triage(w.snap, w.snap.CollectedAt).Finding(runbook.ScenarioCleanupFailing)
	steps := runbook.NewVars(w.snap, w.snap.CollectedAt).ForFinding(f).RenderSteps(b.StepsFor(f))
	i = slices.IndexFunc(steps, func(s runbook.RenderedStep) bool { return s.Title == "Check the cleanup job's logs" })
	if i < 0 || steps[i].Command != "" || !strings.Contains(steps[i].Note, "No pod of Job "+gone+" is left") || !strings.Contains(steps[i].Note, "--context="+lab+" describe job "+gone+" ") {
		t.Errorf("the log step of %s, which has no pod left: %+v", gone, steps[max(i, 0)])
	}
}

// deadCurrentContext writes a copy of the kubeconfig, under a path with a
// space, whose current context is a server nothing listens on; lab is the
// context that reaches the lab.
func deadCurrentContext(t *testing.T, kubeconfig string) (path, lab string) {
	t.Helper()
	cfg, err := clientcmd.LoadFromFile(kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	lab = cfg.CurrentContext
	cfg.Clusters["dead"] = &clientcmdapi.Cluster{Server: "https://127.0.0.1:1"}
	cfg.Contexts["dead"] = &clientcmdapi.Context{Cluster: "dead", AuthInfo: cfg.Contexts[lab].AuthInfo, Namespace: cfg.Contexts[lab].Namespace}
	cfg.CurrentContext = "dead"
	path = filepath.Join(t.TempDir(), "two contexts", "kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		t.Fatal(err)
	}
	return path, lab
}

// reshapeFailedJobs removes every pod of the newest failed cleanup Job
// (gone), and gives the newest failed rotation Job a retry: a second
// failed pod, newer, with a log of its own, which the tool reads, and
// which kubectl logs job/NAME does not pick (it takes the older one).
func reshapeFailedJobs(t *testing.T, e *testenv.Env, w *readWorld) (gone, retried string) {
	t.Helper()
	ctx := context.Background()
	_, out, errOut := runArgs(t, append([]string{"snapshot"}, w.flags...)...)
	var s collectors.Snapshot
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatalf("snapshot: %v\n%s", err, errOut)
	}
	v := runbook.NewVars(&s, s.CollectedAt)
	gone, retried = v.FailedCleanupJob, v.FailedRotationJob
	pods := func(job string) []corev1.Pod {
		l, err := e.Kube.Client.CoreV1().Pods(w.Namespace).List(ctx, metav1.ListOptions{LabelSelector: "batch.kubernetes.io/job-name=" + job})
		if err != nil || len(l.Items) == 0 {
			t.Fatalf("pods of %s: %v (%d)", job, err, len(l.Items))
		}
		return l.Items
	}
	for _, p := range pods(gone) {
		if err := e.Kube.Client.CoreV1().Pods(w.Namespace).Delete(ctx, p.Name, metav1.DeleteOptions{GracePeriodSeconds: new(int64)}); err != nil {
			t.Fatal(err)
		}
	}
	first := pods(retried)[0]
	time.Sleep(1100 * time.Millisecond) // a newer creation time (seconds)
	retry := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: retried + "-retry", Namespace: w.Namespace, Labels: first.Labels, OwnerReferences: first.OwnerReferences}, Spec: first.Spec}
	p, err := e.Kube.Client.CoreV1().Pods(w.Namespace).Create(ctx, retry, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p.Status = first.Status
	if _, err := e.Kube.Client.CoreV1().Pods(w.Namespace).UpdateStatus(ctx, p, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	c := first.Spec.Containers[0].Name
	e.Kube.Logs.Set(w.Namespace, p.Name, c, []byte("2026-01-01T00:00:00.000Z INFO retry 2 of the rotation\n2026-01-01T00:00:01.000Z ERROR retry 2: Vault unreachable, exiting with status 1\n"))
	return gone, retried
}

// TestReadCommands_PrometheusThroughServiceProxy: with Prometheus reached
// through the API server's service proxy (--prometheus-service), the
// metric steps' commands query that Service with kubectl get --raw, and
// answer the world's series.
func TestReadCommands_PrometheusThroughServiceProxy(t *testing.T) {
	isolateEnv(t)
	e := testenv.Get(t)
	t.Setenv("VAULT_TOKEN", e.Vault.RootToken)
	w := &readWorld{equivWorld: newEquivWorld(t, e, time.Now().UTC().Truncate(time.Second))}
	e.PrometheusBehindService(t, w.Namespace, testenv.PrometheusOptions{Rules: w.Seeded.Rules, Backfill: w.Seeded.Backfill})
	flags := slices.Clone(w.flags)
	i := slices.Index(flags, "--prometheus-url")
	flags[i], flags[i+1] = "--prometheus-service", w.Namespace+"/prometheus:9090"
	w.snap = scrapedSnapshot(t, flags)
	w.env = commandEnv(t, e, w.kubeconfig)
	b := runbook.MustDefault()
	n := 0
	for _, s := range shownCommands(t, b, w.snap) {
		if !strings.Contains(s.template, ".PromQuery") {
			continue
		}
		n++
		t.Run(s.where, func(t *testing.T) {
			want := shell.Kubectl(w.snap.Connection.KubectlFlags) + " get --raw '/api/v1/namespaces/" + w.Namespace + "/services/prometheus:9090/proxy/api/v1/query?query="
			for _, l := range strings.Split(s.command, "\n") {
				if !strings.HasPrefix(l, want) {
					t.Fatalf("the command %q does not query the Service through the proxy", l)
				}
			}
			// a proxied request can meet a transient 503 on a loaded
			// machine: the command is the same, tried again
			var code int
			var out string
			for try := 0; try < 3; try++ {
				if code, out = runShell(t, w.env, s.command); code == 0 {
					break
				}
				time.Sleep(time.Second)
			}
			if code != 0 {
				t.Fatalf("exit %d\n%s", code, out)
			}
			promHolds(t, w, s.command, out)
		})
	}
	if n == 0 {
		t.Fatal("no metric step")
	}
}

// scrapedSnapshot takes the snapshot as `kubectl rotation snapshot` does,
// once Prometheus has every metric of the world (the first scrape comes
// seconds after start).
func scrapedSnapshot(t *testing.T, flags []string) *collectors.Snapshot {
	t.Helper()
	deadline := time.Now().Add(45 * time.Second)
	for {
		_, out, errOut := runArgs(t, append([]string{"snapshot"}, flags...)...)
		var s collectors.Snapshot
		if err := json.Unmarshal([]byte(out), &s); err != nil {
			t.Fatalf("snapshot: %v\n%s", err, errOut)
		}
		ok := s.Prometheus != nil && len(s.Prometheus.Metrics) > 0
		for _, m := range s.Prometheus.Metrics {
			ok = ok && len(m.Series) > 0 && m.Error == ""
		}
		for _, src := range s.Sources {
			ok = ok && src.State == collectors.StateOK
		}
		if ok {
			return &s
		}
		if time.Now().After(deadline) {
			t.Fatalf("the snapshot has not every metric after 45s: %+v", s.Sources)
		}
		time.Sleep(time.Second)
	}
}

// commandEnv is the environment the commands run in: the built kubectl
// and vault, jq built from gojq (never one installed by hand: it comes
// first on the PATH), curl and the shell's tools from the system, the
// world's kubeconfig and the Vault dev server's root token.
func commandEnv(t *testing.T, e *testenv.Env, kubeconfig string) []string {
	t.Helper()
	jq := os.Getenv("KR_JQ_BIN")
	if jq == "" {
		// beside the servers, in the cache scripts/testbins.sh fills (the
		// test's HOME is a temporary one)
		jq = filepath.Join(filepath.Dir(e.Bins.KubeDir), "gojq-v0.12.19", "jq")
	}
	if _, err := os.Stat(jq); err != nil {
		t.Fatalf("jq (gojq) is not built: run %s: %v", testenv.InstallCommand, err)
	}
	bin := t.TempDir()
	for name, target := range map[string]string{"kubectl": e.Bins.Kubectl(), "vault": e.Bins.Vault, "jq": jq} {
		if err := os.Symlink(target, filepath.Join(bin, name)); err != nil {
			t.Fatal(err)
		}
	}
	path := strings.Join([]string{bin, "/usr/bin", "/bin"}, string(os.PathListSeparator))
	env := append(os.Environ(), "PATH="+path, "KUBECONFIG="+kubeconfig, "VAULT_ADDR="+e.Vault.Addr, "VAULT_TOKEN="+e.Vault.RootToken)
	for _, tool := range []string{"curl", "grep"} {
		if code, out := runShell(t, env, "command -v "+tool); code != 0 {
			t.Fatalf("%s is not installed (%s installs it): %s", tool, testenv.InstallCommand, out)
		}
	}
	if code, out := runShell(t, env, "command -v jq"); code != 0 || strings.TrimSpace(out) != filepath.Join(bin, "jq") {
		t.Fatalf("jq resolves to %q, not the built gojq", out)
	}
	return env
}

// runShell runs the command as a shell reads it pasted: each line a
// command (a heredoc whole), and returns the exit code of the first line
// that fails (else 0) and the output of all, stdout and stderr together.
func runShell(t *testing.T, env []string, command string) (int, string) {
	t.Helper()
	parts := []string{command}
	if !strings.Contains(command, "<<") {
		parts = strings.Split(command, "\n")
	}
	var all strings.Builder
	for _, p := range parts {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		cmd := exec.CommandContext(ctx, "sh", "-c", p)
		cmd.Env = env
		// the whole pipeline goes when the time is up, not sh alone
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
		cmd.WaitDelay = 5 * time.Second
		out, err := cmd.CombinedOutput()
		late := ctx.Err() != nil
		cancel()
		if late {
			t.Fatalf("%s: still running after 30s: %s", p, out)
		}
		all.Write(out)
		var ee *exec.ExitError
		switch {
		case errors.As(err, &ee):
			return ee.ExitCode(), all.String()
		case err != nil:
			t.Fatalf("%s: %v", p, err)
		}
	}
	return 0, all.String()
}
