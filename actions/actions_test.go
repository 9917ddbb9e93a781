package actions_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	vault "github.com/hashicorp/vault/api"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	"github.com/oss-ai-agent-tool/kubectl-rotation/actions"
	"github.com/oss-ai-agent-tool/kubectl-rotation/actions/kubeops"
	"github.com/oss-ai-agent-tool/kubectl-rotation/actions/vaultops"
	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors/connect"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/config"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/lab"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/testenv"
	"github.com/oss-ai-agent-tool/kubectl-rotation/runbook"
)

func TestMain(m *testing.M) { testenv.Main(m) }

var at = time.Date(2026, 11, 26, 3, 4, 5, 0, time.UTC)

// executor returns an Executor over the world's namespace with admin
// clients, and the journal's path.
func executor(t *testing.T, w lab.World) (*actions.Executor, string) {
	t.Helper()
	root := w.Env.VaultRoot(t)
	kc, err := kubernetes.NewForConfig(w.Env.Kube.Config)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "journal.jsonl")
	j, err := actions.OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	return &actions.Executor{Kube: kubeops.New(kc), Vault: vaultops.New(root), Namespace: w.Namespace, Config: w.Config, Journal: j}, path
}

func journal(t *testing.T, path string) []actions.Entry {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []actions.Entry
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var e actions.Entry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("journal line %q: %v", sc.Text(), err)
		}
		out = append(out, e)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("journal mode = %v, want 0600", st.Mode().Perm())
	}
	return out
}

// wantJournal checks one intent and one outcome line for the action.
func wantJournal(t *testing.T, path, action, outcome string) {
	t.Helper()
	es := journal(t, path)
	if len(es) != 2 || es[0].Phase != "intent" || es[1].Phase != "outcome" || es[0].ID != es[1].ID ||
		es[0].Action != action || es[1].Outcome != outcome || es[0].Who.KubeUser == "" ||
		len(es[0].Changes) == 0 || es[0].Command == "" {
		t.Errorf("journal = %+v, want intent with its changes and command, and %s outcome of %s with who", es, outcome, action)
	}
}

// wantRefused checks the journal holds the intent and a "refused" outcome
// naming what was missing: who tried what stays on record.
func wantRefused(t *testing.T, path, action, missing string) {
	t.Helper()
	es := journal(t, path)
	if len(es) != 2 || es[0].Phase != "intent" || es[1].Phase != "outcome" || es[0].ID != es[1].ID ||
		es[0].Action != action || es[1].Outcome != "refused" || !strings.Contains(es[1].Error, missing) {
		t.Errorf("journal = %+v, want the intent of %s and a refused outcome naming %q", es, action, missing)
	}
}

func TestActions_Kubernetes(t *testing.T) {
	e := testenv.Get(t)
	w := lab.SeedTB(t, e, lab.Options{Scenarios: []lab.Scenario{lab.CleanupFailing}, Tenants: 6})
	ctx := context.Background()

	t.Run("trigger rotation", func(t *testing.T) {
		ex, path := executor(t, w)
		p := actions.TriggerRotation(w.Config, w.Namespace, at)
		if _, err := ex.DryRun(ctx, p); err != nil {
			t.Fatalf("dry run: %v", err)
		}
		if _, err := e.Kube.Client.BatchV1().Jobs(w.Namespace).Get(ctx, "manual-rotation-20261126-030405", metav1.GetOptions{}); err == nil {
			t.Fatal("the dry run created the job")
		}
		res, err := ex.Execute(ctx, p, "rotation failed at 02:00")
		if err != nil {
			t.Fatal(err)
		}
		j, err := e.Kube.Client.BatchV1().Jobs(w.Namespace).Get(ctx, res.Object, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if ref := metav1.GetControllerOf(j); ref == nil || ref.Kind != "CronJob" || ref.Name != w.Config.Kubernetes.RotationCronJob ||
			j.Annotations["cronjob.kubernetes.io/instantiate"] != "manual" {
			t.Errorf("job owner %v annotations %v", ref, j.Annotations)
		}
		wantJournal(t, path, "trigger-rotation", "ok")
	})

	t.Run("cleanup dry run sets DRY_RUN on the job only", func(t *testing.T) {
		ex, _ := executor(t, w)
		// the lab left DRY_RUN=true on the CronJob (Scenario 3); a real run
		// must override it to false on its Job, and the dry run to true
		for i, dry := range []bool{true, false} {
			res, err := ex.Execute(ctx, actions.CleanupJob(w.Config, w.Namespace, dry, at.Add(time.Duration(i)*time.Second)), "check what cleanup deletes")
			if err != nil {
				t.Fatal(err)
			}
			j, err := e.Kube.Client.BatchV1().Jobs(w.Namespace).Get(ctx, res.Object, metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if got := envOf(j.Spec.Template.Spec.Containers[0].Env, "DRY_RUN"); got != boolText(dry) {
				t.Errorf("job %s DRY_RUN = %q, want %v", j.Name, got, dry)
			}
		}
		cj, _ := e.Kube.Client.BatchV1().CronJobs(w.Namespace).Get(ctx, w.Config.Kubernetes.CleanupCronJob, metav1.GetOptions{})
		if got := envOf(cj.Spec.JobTemplate.Spec.Template.Spec.Containers[0].Env, "DRY_RUN"); got != "true" {
			t.Errorf("the CronJob's DRY_RUN changed to %q", got)
		}
	})

	t.Run("raise deadline", func(t *testing.T) {
		ex, path := executor(t, w)
		res, err := ex.Execute(ctx, actions.RaiseDeadline(w.Config, w.Namespace, 1800), "")
		if err != nil {
			t.Fatal(err)
		}
		cj, _ := e.Kube.Client.BatchV1().CronJobs(w.Namespace).Get(ctx, w.Config.Kubernetes.RotationCronJob, metav1.GetOptions{})
		if d := cj.Spec.JobTemplate.Spec.ActiveDeadlineSeconds; d == nil || *d != 1800 || res.Before != "600s" || res.After != "1800s" {
			t.Errorf("deadline %v, result %+v", d, res)
		}
		wantJournal(t, path, "raise-deadline", "ok")
		evs, err := e.Kube.Client.CoreV1().Events(w.Namespace).List(ctx, metav1.ListOptions{FieldSelector: "reason=KubectlRotation,involvedObject.kind=CronJob"})
		if err != nil || len(evs.Items) == 0 || res.Event != "recorded" || !strings.Contains(evs.Items[0].Message, "Raise the rotation deadline") {
			t.Errorf("event on the CronJob: %v %v (result %q)", evs, err, res.Event)
		}
	})

	t.Run("raise deadline: out of range or cancelled, nothing is written", func(t *testing.T) {
		ex, path := executor(t, w)
		if _, err := ex.Execute(ctx, actions.RaiseDeadline(w.Config, w.Namespace, 59), ""); err == nil || !strings.Contains(err.Error(), "out of range") {
			t.Errorf("59 s: err = %v, want out of range", err)
		}
		if es := journal(t, path); len(es) != 0 {
			t.Errorf("a refused value was journaled: %+v", es)
		}
		// quitting the dashboard cancels its context: the write is cancelled
		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := ex.DryRun(cancelled, actions.RaiseDeadline(w.Config, w.Namespace, 900)); !errors.Is(err, context.Canceled) {
			t.Errorf("dry run under a cancelled context: err = %v, want context.Canceled", err)
		}
		if _, err := ex.Execute(cancelled, actions.RaiseDeadline(w.Config, w.Namespace, 900), ""); !errors.Is(err, context.Canceled) {
			t.Errorf("execute under a cancelled context: err = %v, want context.Canceled", err)
		}
		cj, _ := e.Kube.Client.BatchV1().CronJobs(w.Namespace).Get(ctx, w.Config.Kubernetes.RotationCronJob, metav1.GetOptions{})
		if d := cj.Spec.JobTemplate.Spec.ActiveDeadlineSeconds; d != nil && *d == 900 {
			t.Errorf("deadline written under a cancelled context")
		}
	})

	t.Run("raise deadline: a CronJob with none is left unbounded", func(t *testing.T) {
		ex, path := executor(t, w)
		cjs := e.Kube.Client.BatchV1().CronJobs(w.Namespace)
		rm := []byte(`[{"op":"remove","path":"/spec/jobTemplate/spec/activeDeadlineSeconds"}]`)
		if _, err := cjs.Patch(ctx, w.Config.Kubernetes.RotationCronJob, types.JSONPatchType, rm, metav1.PatchOptions{}); err != nil {
			t.Fatal(err)
		}
		defer func() { // as the subtest before left it
			back := []byte(`{"spec":{"jobTemplate":{"spec":{"activeDeadlineSeconds":1800}}}}`)
			if _, err := cjs.Patch(ctx, w.Config.Kubernetes.RotationCronJob, types.MergePatchType, back, metav1.PatchOptions{}); err != nil {
				t.Fatal(err)
			}
		}()
		if _, err := ex.Execute(ctx, actions.RaiseDeadline(w.Config, w.Namespace, 1800), ""); !errors.Is(err, actions.ErrChanged) || !strings.Contains(err.Error(), "has no activeDeadlineSeconds") {
			t.Errorf("err = %v, want a refusal saying there is no deadline", err)
		}
		cj, _ := cjs.Get(ctx, w.Config.Kubernetes.RotationCronJob, metav1.GetOptions{})
		if d := cj.Spec.JobTemplate.Spec.ActiveDeadlineSeconds; d != nil {
			t.Errorf("deadline %d set on a CronJob that had none", *d)
		}
		wantJournal(t, path, "raise-deadline", "stale")
	})

	t.Run("restart orchestrator", func(t *testing.T) {
		ex, _ := executor(t, w)
		p := actions.RestartOrchestrator(w.Config, w.Namespace)
		// the same plan twice: each run stamps its own time, so each rolls
		for _, now := range []time.Time{at, at.Add(time.Second)} {
			ex.Now = func() time.Time { return now }
			if _, err := ex.Execute(ctx, p, ""); err != nil {
				t.Fatal(err)
			}
			d, _ := e.Kube.Client.AppsV1().Deployments(w.Namespace).Get(ctx, w.Config.Kubernetes.OrchestratorDeployment, metav1.GetOptions{})
			if got := d.Spec.Template.Annotations["kubectl.kubernetes.io/restartedAt"]; got != now.UTC().Format(time.RFC3339Nano) {
				t.Errorf("restartedAt %q, want %s", got, now.UTC().Format(time.RFC3339Nano))
			}
		}
	})

	// a paused Deployment rolls no pod on a restart (kubectl rollout
	// restart refuses it), and a Job from a suspended job template never
	// runs: both refused before any write, nothing changed
	t.Run("restart of a paused deployment, a job from a suspended template: refused", func(t *testing.T) {
		ex, path := executor(t, w)
		dc := e.Kube.Client.AppsV1().Deployments(w.Namespace)
		name := w.Config.Kubernetes.OrchestratorDeployment
		if _, err := dc.Patch(ctx, name, types.MergePatchType, []byte(`{"spec":{"paused":true}}`), metav1.PatchOptions{}); err != nil {
			t.Fatal(err)
		}
		defer dc.Patch(ctx, name, types.MergePatchType, []byte(`{"spec":{"paused":false}}`), metav1.PatchOptions{}) //nolint:errcheck
		before, _ := dc.Get(ctx, name, metav1.GetOptions{})
		ex.Now = func() time.Time { return at.Add(time.Hour) }
		if _, err := ex.Execute(ctx, actions.RestartOrchestrator(w.Config, w.Namespace), "test"); err == nil || !strings.Contains(err.Error(), "is paused") {
			t.Errorf("restart of a paused deployment: err = %v, want it refused as paused", err)
		}
		after, _ := dc.Get(ctx, name, metav1.GetOptions{})
		if a, b := after.Spec.Template.Annotations["kubectl.kubernetes.io/restartedAt"], before.Spec.Template.Annotations["kubectl.kubernetes.io/restartedAt"]; a != b {
			t.Errorf("restartedAt %q → %q: the paused deployment was stamped", b, a)
		}
		cc := e.Kube.Client.BatchV1().CronJobs(w.Namespace)
		cjName := w.Config.Kubernetes.RotationCronJob
		if _, err := cc.Patch(ctx, cjName, types.MergePatchType, []byte(`{"spec":{"jobTemplate":{"spec":{"suspend":true}}}}`), metav1.PatchOptions{}); err != nil {
			t.Fatal(err)
		}
		defer cc.Patch(ctx, cjName, types.MergePatchType, []byte(`{"spec":{"jobTemplate":{"spec":{"suspend":null}}}}`), metav1.PatchOptions{}) //nolint:errcheck
		jobsBefore, _ := e.Kube.Client.BatchV1().Jobs(w.Namespace).List(ctx, metav1.ListOptions{})
		if _, err := ex.Execute(ctx, actions.TriggerRotation(w.Config, w.Namespace, at.Add(2*time.Hour)), "test"); err == nil || !strings.Contains(err.Error(), "suspended") {
			t.Errorf("job from a suspended template: err = %v, want it refused", err)
		}
		jobsAfter, _ := e.Kube.Client.BatchV1().Jobs(w.Namespace).List(ctx, metav1.ListOptions{})
		if len(jobsAfter.Items) != len(jobsBefore.Items) {
			t.Errorf("%d jobs → %d: a job was made from the suspended template", len(jobsBefore.Items), len(jobsAfter.Items))
		}
		for _, en := range journal(t, path) {
			if en.Phase == "outcome" && en.Outcome == "ok" {
				t.Errorf("journaled ok: %+v", en)
			}
		}
	})

	t.Run("emergency rotate records who and why", func(t *testing.T) {
		ex, _ := executor(t, w)
		res, err := ex.Execute(ctx, actions.EmergencyRotate(w.Config, w.Namespace, "t-003", "manual-emergency", "automated rotation failed", "ops-team", at), "automated rotation failed")
		if err != nil {
			t.Fatal(err)
		}
		j, _ := e.Kube.Client.BatchV1().Jobs(w.Namespace).Get(ctx, res.Object, metav1.GetOptions{})
		if envOf(j.Spec.Template.Spec.Containers[0].Env, w.Config.Kubernetes.TenantEnv) != "t-003" || j.Annotations["rotation.kubectl-rotation.dev/subject"] != "ops-team" {
			t.Errorf("job env %v annotations %v", j.Spec.Template.Spec.Containers[0].Env, j.Annotations)
		}
	})

	t.Run("the object gone between plan and execute", func(t *testing.T) {
		ex, path := executor(t, w)
		c := w.Config
		c.Kubernetes.RotationCronJob = "no-such-cronjob"
		_, err := ex.Execute(ctx, actions.TriggerRotation(c, w.Namespace, at), "")
		if err == nil || !strings.Contains(err.Error(), "no-such-cronjob") {
			t.Fatalf("err = %v", err)
		}
		wantJournal(t, path, "trigger-rotation", "failed")
	})

	t.Run("forbidden by RBAC: nothing runs, the refusal is journaled", func(t *testing.T) {
		ex, path := executor(t, w)
		cfg, _, err := e.Kube.AddUser("nobody-"+w.Namespace, nil, "")
		if err != nil {
			t.Fatal(err)
		}
		ex.Kube = kubeops.New(kubernetes.NewForConfigOrDie(cfg))
		_, err = ex.Execute(ctx, actions.RaiseDeadline(w.Config, w.Namespace, 60), "")
		if !errors.Is(err, actions.ErrForbidden) || !strings.Contains(err.Error(), "patch cronjobs.batch") {
			t.Fatalf("err = %v, want forbidden naming the permission", err)
		}
		wantRefused(t, path, "raise-deadline", "patch cronjobs.batch")
	})

	t.Run("journal not writable: the action does not run", func(t *testing.T) {
		ex, path := executor(t, w)
		if err := os.Chmod(path, 0o400); err != nil {
			t.Fatal(err)
		}
		if os.Geteuid() == 0 {
			// root ignores file modes: make the path a directory instead
			os.Remove(path)
			os.Mkdir(path, 0o700)
		}
		_, err := ex.Execute(ctx, actions.RaiseDeadline(w.Config, w.Namespace, 3601), "")
		if !errors.Is(err, actions.ErrNoJournal) {
			t.Fatalf("err = %v, want ErrNoJournal", err)
		}
		cj, _ := e.Kube.Client.BatchV1().CronJobs(w.Namespace).Get(ctx, w.Config.Kubernetes.RotationCronJob, metav1.GetOptions{})
		if d := cj.Spec.JobTemplate.Spec.ActiveDeadlineSeconds; d != nil && *d == 3601 {
			t.Error("the action ran without a journal")
		}
	})

	t.Run("read-only refuses, in the executor and below it", func(t *testing.T) {
		ex, path := executor(t, w)
		ex.ReadOnly = true
		if _, err := ex.Execute(ctx, actions.RaiseDeadline(w.Config, w.Namespace, 3602), ""); !errors.Is(err, actions.ErrReadOnly) {
			t.Errorf("executor read-only: %v", err)
		}
		clients, err := connect.Connect(connect.Options{REST: e.Kube.Config, ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		ex.ReadOnly, ex.Kube = false, kubeops.New(clients.Kube)
		_, err = ex.Execute(ctx, actions.RaiseDeadline(w.Config, w.Namespace, 3602), "")
		if !errors.Is(err, collectors.ErrReadOnly) {
			t.Fatalf("read-only clients: %v, want the transport's refusal", err)
		}
		wantJournal(t, path, "raise-deadline", "failed")
		cj, _ := e.Kube.Client.BatchV1().CronJobs(w.Namespace).Get(ctx, w.Config.Kubernetes.RotationCronJob, metav1.GetOptions{})
		if d := cj.Spec.JobTemplate.Spec.ActiveDeadlineSeconds; d != nil && *d == 3602 {
			t.Error("the refused patch landed")
		}
	})
}

// TestActions_SetEnv: enable-audit and cleanup-dry-run-off against the real
// API server — the dry run writes nothing, a user who may only read is
// refused before anything is journaled, an object gone or changed after it
// was read is reported as such with nothing written, the env really
// changes (read back, both journal lines, an Event), and a second run
// writes nothing.
func TestActions_SetEnv(t *testing.T) {
	e := testenv.Get(t)
	w := lab.SeedTB(t, e, lab.Options{Scenarios: []lab.Scenario{lab.CleanupFailing, lab.AuditMissing}, Tenants: 6})
	ctx := context.Background()
	kc := e.Kube.Client
	type object struct {
		rv string
		cs []corev1.Container
	}
	tests := map[string]struct {
		action, env, from, to, kind string
		plan                        func(c config.Config) actions.Plan
		afterRead                   func(ctx context.Context, ex *actions.Executor, c config.Config, ns, rv string, cs []actions.Container) (actions.Result, error)
		read                        func(t *testing.T) object
		touch                       func(t *testing.T) // changes the object, not its env
		remove                      func(t *testing.T)
		perm                        string
		rule                        rbacv1.PolicyRule
	}{
		"enable audit": {
			action: "enable-audit", env: "AUDIT_ENABLED", from: "false", to: "true", kind: "Deployment",
			plan:      func(c config.Config) actions.Plan { return actions.EnableAudit(c, w.Namespace) },
			afterRead: actions.EnableAuditAfterRead,
			read: func(t *testing.T) object {
				d, err := kc.AppsV1().Deployments(w.Namespace).Get(ctx, w.Config.Kubernetes.OrchestratorDeployment, metav1.GetOptions{})
				if err != nil {
					t.Fatal(err)
				}
				return object{d.ResourceVersion, d.Spec.Template.Spec.Containers}
			},
			touch: func(t *testing.T) {
				_, err := kc.AppsV1().Deployments(w.Namespace).Patch(ctx, w.Config.Kubernetes.OrchestratorDeployment, types.MergePatchType,
					[]byte(`{"metadata":{"annotations":{"touched-by":"another-operator"}}}`), metav1.PatchOptions{})
				if err != nil {
					t.Fatal(err)
				}
			},
			remove: func(t *testing.T) {
				if err := kc.AppsV1().Deployments(w.Namespace).Delete(ctx, w.Config.Kubernetes.OrchestratorDeployment, metav1.DeleteOptions{}); err != nil {
					t.Fatal(err)
				}
			},
			perm: "patch deployments.apps " + w.Config.Kubernetes.OrchestratorDeployment,
			rule: rbacv1.PolicyRule{APIGroups: []string{"apps"}, Resources: []string{"deployments"}, Verbs: []string{"get", "list"}},
		},
		"cleanup DRY_RUN off": {
			action: "cleanup-dry-run-off", env: "DRY_RUN", from: "true", to: "false", kind: "CronJob",
			plan:      func(c config.Config) actions.Plan { return actions.CleanupDryRunOff(c, w.Namespace) },
			afterRead: actions.CleanupDryRunOffAfterRead,
			read: func(t *testing.T) object {
				cj, err := kc.BatchV1().CronJobs(w.Namespace).Get(ctx, w.Config.Kubernetes.CleanupCronJob, metav1.GetOptions{})
				if err != nil {
					t.Fatal(err)
				}
				return object{cj.ResourceVersion, cj.Spec.JobTemplate.Spec.Template.Spec.Containers}
			},
			touch: func(t *testing.T) {
				_, err := kc.BatchV1().CronJobs(w.Namespace).Patch(ctx, w.Config.Kubernetes.CleanupCronJob, types.MergePatchType,
					[]byte(`{"metadata":{"annotations":{"touched-by":"another-operator"}}}`), metav1.PatchOptions{})
				if err != nil {
					t.Fatal(err)
				}
			},
			remove: func(t *testing.T) {
				if err := kc.BatchV1().CronJobs(w.Namespace).Delete(ctx, w.Config.Kubernetes.CleanupCronJob, metav1.DeleteOptions{}); err != nil {
					t.Fatal(err)
				}
			},
			perm: "patch cronjobs.batch " + w.Config.Kubernetes.CleanupCronJob,
			rule: rbacv1.PolicyRule{APIGroups: []string{"batch"}, Resources: []string{"cronjobs"}, Verbs: []string{"get", "list"}},
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			value := func(t *testing.T) string {
				t.Helper()
				return envOf(tt.read(t).cs[0].Env, tt.env)
			}
			if got := value(t); got != tt.from {
				t.Fatalf("seeded %s = %q, want %q", tt.env, got, tt.from)
			}

			t.Run("the dry run changes nothing", func(t *testing.T) {
				ex, path := executor(t, w)
				was := tt.read(t)
				res, err := ex.Check(ctx, tt.plan(w.Config))
				if err != nil {
					t.Fatal(err)
				}
				if res.Before != tt.from || res.After != tt.to || !strings.Contains(res.Summary, "dry run") {
					t.Errorf("dry run %+v, want %s → %s", res, tt.from, tt.to)
				}
				if now := tt.read(t); now.rv != was.rv || envOf(now.cs[0].Env, tt.env) != tt.from {
					t.Errorf("after the dry run: resourceVersion %s → %s, %s = %q", was.rv, now.rv, tt.env, envOf(now.cs[0].Env, tt.env))
				}
				if es := journal(t, path); len(es) != 0 {
					t.Errorf("the dry run journaled %+v", es)
				}
			})

			t.Run("forbidden to a reader: refused, and the refusal journaled", func(t *testing.T) {
				ex, path := executor(t, w)
				user := "reader-" + tt.action + "-" + w.Namespace
				role := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: user, Namespace: w.Namespace}, Rules: []rbacv1.PolicyRule{tt.rule}}
				if _, err := kc.RbacV1().Roles(w.Namespace).Create(ctx, role, metav1.CreateOptions{}); err != nil {
					t.Fatal(err)
				}
				rb := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: user, Namespace: w.Namespace},
					RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: user},
					Subjects: []rbacv1.Subject{{Kind: "User", APIGroup: "rbac.authorization.k8s.io", Name: user}}}
				if _, err := kc.RbacV1().RoleBindings(w.Namespace).Create(ctx, rb, metav1.CreateOptions{}); err != nil {
					t.Fatal(err)
				}
				cfg, _, err := e.Kube.AddUser(user, nil, "")
				if err != nil {
					t.Fatal(err)
				}
				ex.Kube = kubeops.New(kubernetes.NewForConfigOrDie(cfg))
				_, err = ex.Execute(ctx, tt.plan(w.Config), "try without rights")
				if !errors.Is(err, actions.ErrForbidden) || !strings.Contains(err.Error(), tt.perm) || strings.Contains(err.Error(), "get ") {
					t.Fatalf("err = %v, want forbidden naming only %q", err, tt.perm)
				}
				wantRefused(t, path, tt.action, tt.perm)
				if got := value(t); got != tt.from {
					t.Errorf("%s = %q after a refused action", tt.env, got)
				}
			})

			t.Run("changed after it was read: nothing written", func(t *testing.T) {
				ex, _ := executor(t, w)
				was := tt.read(t)
				tt.touch(t)
				_, err := tt.afterRead(ctx, ex, w.Config, w.Namespace, was.rv, kubeops.ContainersOf(was.cs))
				if err == nil || !strings.Contains(err.Error(), "changed after it was read (resourceVersion "+was.rv+")") || !strings.Contains(err.Error(), "nothing was changed") {
					t.Fatalf("err = %v, want it to say the object changed since it was read", err)
				}
				if got := value(t); got != tt.from {
					t.Errorf("%s = %q: the patch landed on a changed object", tt.env, got)
				}
			})

			t.Run("gone between plan and execute", func(t *testing.T) {
				ex, path := executor(t, w)
				c := w.Config
				c.Kubernetes.OrchestratorDeployment, c.Kubernetes.CleanupCronJob = "no-such-deployment", "no-such-cronjob"
				_, err := ex.Execute(ctx, tt.plan(c), "")
				if err == nil || !strings.Contains(err.Error(), "no-such-") || !strings.Contains(err.Error(), "not found in "+w.Namespace) ||
					!strings.Contains(err.Error(), "nothing was changed") {
					t.Fatalf("err = %v, want it to name the missing object", err)
				}
				wantJournal(t, path, tt.action, "failed")
			})

			t.Run("sets the env", func(t *testing.T) {
				ex, path := executor(t, w)
				res, err := ex.Execute(ctx, tt.plan(w.Config), "audit trail missing / cleanup deletes nothing")
				if err != nil {
					t.Fatal(err)
				}
				if got := value(t); got != tt.to {
					t.Errorf("%s = %q after the action, want %q", tt.env, got, tt.to)
				}
				if res.Before != tt.from || res.After != tt.to || res.ObjectKind != tt.kind || res.Event != "recorded" {
					t.Errorf("result %+v, want %s → %s on a %s with an event", res, tt.from, tt.to, tt.kind)
				}
				wantJournal(t, path, tt.action, "ok")
				if es := journal(t, path); len(es) == 2 && (es[1].Result == nil || es[1].Result.After != tt.to) {
					t.Errorf("outcome line %+v, want the result with %s", es[1], tt.to)
				}
			})

			t.Run("already set: nothing written", func(t *testing.T) {
				ex, path := executor(t, w)
				was := tt.read(t)
				res, err := ex.Execute(ctx, tt.plan(w.Config), "again")
				if err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(res.Summary, "nothing needed changing") || res.ObjectKind != "" {
					t.Errorf("result %+v, want nothing needed changing", res)
				}
				if now := tt.read(t); now.rv != was.rv {
					t.Errorf("resourceVersion %s → %s: something was written", was.rv, now.rv)
				}
				wantJournal(t, path, tt.action, "ok")
			})

			t.Run("deleted after it was read", func(t *testing.T) {
				ex, _ := executor(t, w)
				was := tt.read(t)
				for i := range was.cs[0].Env { // as read before the action above: a patch is needed
					if was.cs[0].Env[i].Name == tt.env {
						was.cs[0].Env[i].Value = tt.from
					}
				}
				tt.remove(t)
				_, err := tt.afterRead(ctx, ex, w.Config, w.Namespace, was.rv, kubeops.ContainersOf(was.cs))
				if !apierrors.IsNotFound(err) || !strings.Contains(err.Error(), "was deleted after it was read: nothing was changed") {
					t.Errorf("err = %v, want not found, saying it was deleted after it was read", err)
				}
			})
		})
	}
}

func envOf(env []corev1.EnvVar, name string) string {
	for _, e := range env {
		if e.Name == name {
			return e.Value
		}
	}
	return ""
}

func boolText(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

func TestActions_Vault(t *testing.T) {
	e := testenv.Get(t)
	w := lab.SeedTB(t, e, lab.Options{Scenarios: []lab.Scenario{lab.RotationJobFailing, lab.VaultTokenExpired, lab.RetentionOverflow}, Tenants: 12})
	ctx := context.Background()
	root := e.VaultRoot(t)

	t.Run("renew the orchestrator's token by accessor", func(t *testing.T) {
		ex, path := executor(t, w)
		time.Sleep(1100 * time.Millisecond) // let the TTL run down a little, so a renewal shows
		res, err := ex.Execute(ctx, actions.RenewToken(w.Seeded.OrchestratorAccessor), "token expiring")
		if err != nil {
			t.Fatal(err)
		}
		before, _ := time.ParseDuration(res.Before)
		after, _ := time.ParseDuration(res.After)
		if after <= before {
			t.Errorf("TTL %s → %s, want it to grow", res.Before, res.After)
		}
		wantJournal(t, path, "renew-token", "ok")
		raw, _ := os.ReadFile(path)
		if strings.Contains(string(raw), e.Vault.RootToken) {
			t.Error("the journal holds a token")
		}
	})

	t.Run("fix the policy", func(t *testing.T) {
		ex, _ := executor(t, w)
		res, err := ex.Execute(ctx, actions.FixPolicy(w.Config), "permission denied")
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(res.Before, "update") || !strings.Contains(res.After, "update") {
			t.Errorf("before %q after %q", res.Before, res.After)
		}
		caps, err := root.Sys().CapabilitiesAccessorWithContext(ctx, w.Seeded.OrchestratorAccessor, w.Config.Vault.KVMount+"/data/tenants/t-001/cmek")
		if err != nil || len(caps) < 4 {
			t.Errorf("orchestrator capabilities after the fix = %v (%v), want create, read, update, delete", caps, err)
		}
	})

	t.Run("fix the role refused before a write when its token_max_ttl is below the ttl", func(t *testing.T) {
		ex, path := executor(t, w)
		rolePath := "auth/" + w.Config.Vault.KubernetesAuthMount + "/role/" + w.Config.Vault.KubernetesAuthRole
		if _, err := root.Logical().Write(rolePath, map[string]any{"token_max_ttl": "1h", "token_ttl": "30m"}); err != nil {
			t.Fatal(err)
		}
		defer func() {
			if _, err := root.Logical().Write(rolePath, map[string]any{"token_max_ttl": "0"}); err != nil {
				t.Fatal(err)
			}
		}()
		// the premise: Vault itself refuses the runbook's write then
		if _, err := root.Logical().Write(rolePath, map[string]any{"ttl": "24h"}); err == nil {
			t.Fatal("Vault took ttl=24h above token_max_ttl=1h: the check guards nothing")
		}
		p := actions.FixRole(w.Config, w.Namespace)
		if _, err := ex.Check(ctx, p); err == nil || !strings.Contains(err.Error(), "token_max_ttl 1h0m0s") || !strings.Contains(err.Error(), "token_max_ttl=24h") {
			t.Fatalf("dry run err = %v, want the role's token_max_ttl named with the command that raises it", err)
		}
		_, err := ex.Execute(ctx, p, "")
		if err == nil {
			t.Fatal("executed")
		}
		r, err := root.Logical().Read(rolePath)
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(r.Data["token_ttl"]); got != "1800" {
			t.Errorf("token_ttl after the refusal = %s, want 1800 (untouched)", got)
		}
		if raw, _ := os.ReadFile(path); !strings.Contains(string(raw), "token_max_ttl") {
			t.Errorf("the journal does not say why:\n%s", raw)
		}
	})

	// O4: a role that caps its tokens below the runbook's 24h; the plan
	// built from a snapshot of it writes the caps off too, and its command
	// runs as shown (Vault refuses the runbook's write alone)
	t.Run("fix the role lifts its caps on its tokens", func(t *testing.T) {
		ex, _ := executor(t, w)
		rolePath := "auth/" + w.Config.Vault.KubernetesAuthMount + "/role/" + w.Config.Vault.KubernetesAuthRole
		orig, err := root.Logical().Read(rolePath)
		if err != nil || orig == nil {
			t.Fatalf("read role: %v", err)
		}
		defer func() { // as the lab seeded it, for the subtests after
			back := map[string]any{"token_max_ttl": "0", "token_explicit_max_ttl": "0", "token_type": "default"}
			for _, k := range []string{"bound_service_account_names", "bound_service_account_namespaces", "token_policies", "token_ttl"} {
				back[k] = orig.Data[k]
			}
			if _, err := root.Logical().Write(rolePath, back); err != nil {
				t.Fatal(err)
			}
		}()
		caps := map[string]any{"token_max_ttl": "15m", "token_ttl": "10m", "token_explicit_max_ttl": "20m", "token_type": "batch"}
		if _, err := root.Logical().Write(rolePath, caps); err != nil {
			t.Fatal(err)
		}
		snap := w.Tools(t, lab.ToolOptions{}).Collector.Collect(ctx)
		p, err := actions.PlanFor(runbook.ActionFixRole, actions.Input{Snapshot: snap, At: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		cmd := p.Changes[0].Command()
		if !strings.Contains(cmd, "token_explicit_max_ttl=0") || !strings.Contains(cmd, "token_max_ttl=24h") || !strings.Contains(cmd, "token_type=service") {
			t.Fatalf("command %q, want the caps lifted", cmd)
		}
		check, err := ex.Check(ctx, p)
		if err != nil {
			t.Fatalf("dry run: %v", err)
		}
		if !strings.Contains(check.Before, "token_explicit_max_ttl = 20m0s") || strings.Contains(check.After, "token_explicit_max_ttl") || !strings.Contains(check.After, "token_max_ttl = 24h0m0s") {
			t.Errorf("diff %q → %q, want the caps shown going", check.Before, check.After)
		}
		if _, err := ex.Execute(ctx, p, "role caps"); err != nil {
			t.Fatal(err)
		}
		r, err := root.Logical().Read(rolePath)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(r.Data["token_max_ttl"]) != "86400" || fmt.Sprint(r.Data["token_explicit_max_ttl"]) != "0" || fmt.Sprint(r.Data["token_ttl"]) != "86400" || r.Data["token_type"] != "service" {
			t.Errorf("role after: max %v explicit %v ttl %v type %v", r.Data["token_max_ttl"], r.Data["token_explicit_max_ttl"], r.Data["token_ttl"], r.Data["token_type"])
		}
		if !strings.Contains(check.Before, "token_type = batch") || strings.Contains(check.After, "token_type") {
			t.Errorf("diff %q → %q, want the batch type shown going", check.Before, check.After)
		}
		// the command as shown, on the role capped again
		if _, err := root.Logical().Write(rolePath, caps); err != nil {
			t.Fatal(err)
		}
		run := exec.Command("sh", "-c", cmd)
		run.Env = append(os.Environ(), "PATH="+filepath.Dir(w.Env.Bins.Vault)+":/usr/bin:/bin", "VAULT_ADDR="+w.Env.Vault.Addr, "VAULT_TOKEN="+w.Env.Vault.RootToken)
		if out, err := run.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", cmd, err, out)
		}
		if r, _ := root.Logical().Read(rolePath); fmt.Sprint(r.Data["token_explicit_max_ttl"]) != "0" {
			t.Errorf("the command left token_explicit_max_ttl %v", r.Data["token_explicit_max_ttl"])
		}
	})

	t.Run("fix the role", func(t *testing.T) {
		ex, _ := executor(t, w)
		p := actions.FixRole(w.Config, w.Namespace)
		check, err := ex.Check(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		res, err := ex.Execute(ctx, p, "")
		if err != nil {
			t.Fatal(err)
		}
		// the diff shown before the confirmation is what the write produced
		if check.Before == check.After || check.After != res.After || !strings.Contains(res.After, "token_ttl = 24h0m0s") {
			t.Errorf("dry run %q → %q; written %q", check.Before, check.After, res.After)
		}
		r, err := root.Logical().Read("auth/" + w.Config.Vault.KubernetesAuthMount + "/role/" + w.Config.Vault.KubernetesAuthRole)
		if err != nil {
			t.Fatal(err)
		}
		if ns := r.Data["bound_service_account_namespaces"]; !strings.Contains(strings.Join(strs(ns), ","), w.Namespace) {
			t.Errorf("bound namespaces = %v", ns)
		}
	})

	t.Run("trim versions", func(t *testing.T) {
		ex, path := executor(t, w)
		tenant := w.Seeded.OverRetention[0]
		p := actions.TrimVersions(w.Config, tenant)
		if !p.Destructive || p.ConfirmName != tenant || p.Warning == "" {
			t.Fatalf("plan %+v: want destructive, confirm by tenant id, with a warning", p)
		}
		if _, err := ex.Execute(ctx, p, "over retention"); err != nil {
			t.Fatal(err)
		}
		md, err := root.KVv2(w.Config.Vault.KVMount).GetMetadata(ctx, w.Config.TenantPath(tenant))
		if err != nil {
			t.Fatal(err)
		}
		live := lab.LiveVersions(md)
		if live != w.Config.Vault.RetentionVersions || md.MaxVersions != w.Config.Vault.RetentionVersions {
			t.Errorf("after trim: %d live, max_versions %d", live, md.MaxVersions)
		}
		wantJournal(t, path, "trim-versions", "ok")
	})

	t.Run("trim every tenant named, stopping at one that fails", func(t *testing.T) {
		ex, path := executor(t, w)
		rest := w.Seeded.OverRetention[1:]
		p := actions.TrimVersionsAll(w.Config, append(append([]string(nil), rest...), "t-999"))
		if !p.Destructive || p.ConfirmName != fmt.Sprintf("%d tenants", len(rest)+1) {
			t.Fatalf("plan %+v: want destructive, confirmed by the count", p)
		}
		// t-999 has no key: the others are trimmed, the error says which
		_, err := ex.Execute(ctx, p, "over retention")
		if err == nil || !strings.Contains(err.Error(), "t-999") || !strings.Contains(err.Error(), "trimmed before it: "+strings.Join(rest, ", ")) {
			t.Fatalf("err = %v, want t-999 named and the trimmed ones listed", err)
		}
		for _, tn := range rest {
			md, err := root.KVv2(w.Config.Vault.KVMount).GetMetadata(ctx, w.Config.TenantPath(tn))
			if err != nil {
				t.Fatal(err)
			}
			live := lab.LiveVersions(md)
			if live != w.Config.Vault.RetentionVersions || md.MaxVersions != w.Config.Vault.RetentionVersions {
				t.Errorf("%s after trim: %d live, max_versions %d", tn, live, md.MaxVersions)
			}
		}
		wantJournal(t, path, "trim-versions-all", "failed")
	})

	t.Run("vault capability missing", func(t *testing.T) {
		ex, path := executor(t, w)
		tok, err := root.Auth().Token().Create(&vault.TokenCreateRequest{Policies: []string{"default"}, TTL: "5m"})
		if err != nil {
			t.Fatal(err)
		}
		limited, _ := e.Vault.Client(tok.Auth.ClientToken)
		ex.Vault = vaultops.New(limited)
		_, err = ex.Execute(ctx, actions.FixPolicy(w.Config), "")
		if !errors.Is(err, actions.ErrForbidden) || !strings.Contains(err.Error(), "sys/policies/acl/") {
			t.Errorf("err = %v, want forbidden naming the path", err)
		}
		wantRefused(t, path, "fix-policy", "sys/policies/acl/")
	})

	t.Run("a token that may write the policy but not read it is refused before the write", func(t *testing.T) {
		ex, path := executor(t, w)
		acl := "sys/policies/acl/" + w.Config.Vault.Policy
		if err := root.Sys().PutPolicy("write-only-policy", `path "`+acl+`" { capabilities = ["update"] }`); err != nil {
			t.Fatal(err)
		}
		tok, err := root.Auth().Token().Create(&vault.TokenCreateRequest{Policies: []string{"write-only-policy"}, TTL: "5m"})
		if err != nil {
			t.Fatal(err)
		}
		limited, _ := e.Vault.Client(tok.Auth.ClientToken)
		ex.Vault = vaultops.New(limited)
		_, err = ex.Execute(ctx, actions.FixPolicy(w.Config), "")
		if !errors.Is(err, actions.ErrForbidden) || !strings.Contains(err.Error(), "vault read on "+acl) {
			t.Errorf("err = %v, want forbidden naming read on %s", err, acl)
		}
		wantRefused(t, path, "fix-policy", "vault read on "+acl)
	})
}

func strs(v any) []string {
	var out []string
	if l, ok := v.([]any); ok {
		for _, x := range l {
			out = append(out, x.(string))
		}
	}
	return out
}

// TestActions_TriggeredRotationRuns: with the controller-manager and the
// harness kubelet, the Job the action creates really runs to completion and
// the runbook's verification "rotation succeeded" turns from fail to pass.
func TestActions_TriggeredRotationRuns(t *testing.T) {
	e := testenv.Get(t)
	e.ControllerManager(t)
	w := lab.SeedTB(t, e, lab.Options{Scenarios: []lab.Scenario{lab.RotationJobFailing}, Tenants: 6})
	stop := e.Kube.RunKubelet(w.Namespace, func(*corev1.Pod) testenv.PodOutcome {
		return testenv.PodOutcome{Log: "Starting CMEK rotation for all tenants\nRotation finished: 6 rotated, 0 failed\n"}
	})
	defer stop()
	ctx := context.Background()
	vcfg := vault.DefaultConfig()
	vcfg.Address = e.Vault.Addr
	clients, err := connect.Connect(connect.Options{REST: e.Kube.Config, Vault: vcfg, VaultToken: e.Vault.RootToken, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	c := connect.New(clients, collectors.Options{Config: w.Config, Namespace: w.Namespace})
	book := runbook.MustDefault()
	check := func() runbook.CheckState {
		s := c.Collect(ctx)
		return book.Verify(s, s.CollectedAt, []string{"rotation-succeeded"})[0].State
	}
	if got := check(); got != runbook.CheckFail {
		t.Fatalf("before: rotation-succeeded = %s, want fail", got)
	}
	ex, path := executor(t, w)
	res, err := ex.Execute(ctx, actions.TriggerRotation(w.Config, w.Namespace, time.Now()), "re-run after the policy fix")
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(45 * time.Second)
	for {
		j, err := e.Kube.Client.BatchV1().Jobs(w.Namespace).Get(ctx, res.Object, metav1.GetOptions{})
		if err == nil && j.Status.Succeeded > 0 && j.Status.CompletionTime != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s did not complete: %+v", res.Object, j.Status)
		}
		time.Sleep(200 * time.Millisecond)
	}
	// the Job succeeded, but this kubelet's orchestrator wrote no audit
	// event: the runbook's check is the audit trail
	if got := check(); got != runbook.CheckFail {
		t.Errorf("after the Job, without audit events: rotation-succeeded = %s, want fail", got)
	}
	ev := fmt.Sprintf(`{"type":"audit","action":"cmek.rotation.completed","outcome":"success","tenantId":"t-001","timestamp":%q}`+"\n", time.Now().UTC().Format(time.RFC3339Nano))
	e.Kube.Logs.Append(w.Namespace, w.Names.OrchestratorDeployment+"-7d9f8c6b5-h2xkq", "orchestrator", []byte(ev))
	if got := check(); got != runbook.CheckPass {
		t.Errorf("after the Job and its audit event: rotation-succeeded = %s, want pass", got)
	}
	wantJournal(t, path, "trigger-rotation", "ok")
}

// TestScenario1_FixedAndVerified takes Scenario 1 from detected to clear on
// the real servers with the tool's own actions: the re-run fails while the
// policy lacks rights (the simulated orchestrator gets Vault's answer for
// its token), the policy fix lands, the next re-run rotates every tenant,
// and the triage of a fresh snapshot says clear.
func TestScenario1_FixedAndVerified(t *testing.T) {
	e := testenv.Get(t)
	e.ControllerManager(t)
	w := lab.SeedTB(t, e, lab.Options{Scenarios: []lab.Scenario{lab.RotationJobFailing}, Tenants: 6})
	target := lab.Target{Kube: e.Kube.Client, Namespace: w.Namespace, Vault: e.VaultRoot(t)}
	orch := lab.NewOrchestrator(target, w.Seeded, w.Names, e.Kube.Logs)
	stop := e.Kube.RunKubelet(w.Namespace, orch.Outcome)
	defer stop()
	ctx := context.Background()
	vcfg := vault.DefaultConfig()
	vcfg.Address = e.Vault.Addr
	clients, err := connect.Connect(connect.Options{REST: e.Kube.Config, Vault: vcfg, VaultToken: e.Vault.RootToken, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	c := connect.New(clients, collectors.Options{Config: w.Config, Namespace: w.Namespace})
	status := func() (runbook.Status, *collectors.Snapshot) {
		s := c.Collect(ctx)
		f, _ := runbook.Triage(s, s.CollectedAt).Finding(runbook.ScenarioRotationJobFailing)
		return f.Status, s
	}
	if st, _ := status(); st != runbook.StatusActive {
		t.Fatalf("before: %s, want active", st)
	}
	ex, _ := executor(t, w)
	waitJob := func(name string) (succeeded bool) {
		deadline := time.Now().Add(45 * time.Second)
		for time.Now().Before(deadline) {
			j, err := e.Kube.Client.BatchV1().Jobs(w.Namespace).Get(ctx, name, metav1.GetOptions{})
			if err == nil && (j.Status.Succeeded > 0 || j.Status.Failed > 0) && (j.Status.CompletionTime != nil || len(j.Status.Conditions) > 0) {
				return j.Status.Succeeded > 0
			}
			time.Sleep(200 * time.Millisecond)
		}
		t.Fatalf("job %s did not finish", name)
		return false
	}
	// 1. re-run before the fix: the orchestrator gets 403s, the Job fails
	res, err := ex.Execute(ctx, actions.TriggerRotation(w.Config, w.Namespace, time.Now()), "try again")
	if err != nil {
		t.Fatal(err)
	}
	if waitJob(res.Object) {
		t.Fatal("the rotation succeeded although the policy lacks update")
	}
	// 2. fix the policy, 3. re-run
	if _, err := ex.Execute(ctx, actions.FixPolicy(w.Config), "permission denied"); err != nil {
		t.Fatal(err)
	}
	res, err = ex.Execute(ctx, actions.TriggerRotation(w.Config, w.Namespace, time.Now().Add(time.Second)), "after the policy fix")
	if err != nil {
		t.Fatal(err)
	}
	if !waitJob(res.Object) {
		t.Fatal("the rotation failed after the policy fix")
	}
	st, s := status()
	if st != runbook.StatusClear {
		f, _ := runbook.Triage(s, s.CollectedAt).Finding(runbook.ScenarioRotationJobFailing)
		t.Errorf("after: %s (%s), want clear; symptoms %+v", st, f.Summary, f.Symptoms)
	}
	if r := runbook.MustDefault().Verify(s, s.CollectedAt, []string{"rotation-succeeded"}); r[0].State != runbook.CheckPass {
		t.Errorf("rotation-succeeded = %s (%s)", r[0].State, r[0].Detail)
	}
}
