package actions

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/config"
	"github.com/oss-ai-agent-tool/kubectl-rotation/runbook"
)

// actionTimeout bounds one action's requests.
const actionTimeout = 30 * time.Second

func dryRunOpts(dry bool) []string {
	if dry {
		return []string{metav1.DryRunAll}
	}
	return nil
}

// jobFromCronJob builds a Job from a CronJob's template as `kubectl create
// job --from=cronjob/NAME` does: the template's labels and annotations, the
// instantiate=manual annotation, and the CronJob as controller owner.
func jobFromCronJob(cj *batchv1.CronJob, name string, annotations map[string]string) *batchv1.Job {
	ann := map[string]string{"cronjob.kubernetes.io/instantiate": "manual"}
	for k, v := range cj.Spec.JobTemplate.Annotations {
		ann[k] = v
	}
	for k, v := range annotations {
		ann[k] = v
	}
	return &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{
			Name: name, Namespace: cj.Namespace, Labels: cj.Spec.JobTemplate.Labels, Annotations: ann,
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(cj, batchv1.SchemeGroupVersion.WithKind("CronJob"))},
		},
		Spec: *cj.Spec.JobTemplate.Spec.DeepCopy(),
	}
}

// setEnv sets name=value in every container of the pod template, on this
// Job only.
func setEnv(spec *corev1.PodSpec, name, value string) {
	for i := range spec.Containers {
		c := &spec.Containers[i]
		found := false
		for j := range c.Env {
			if c.Env[j].Name == name {
				c.Env[j] = corev1.EnvVar{Name: name, Value: value}
				found = true
			}
		}
		if !found {
			c.Env = append(c.Env, corev1.EnvVar{Name: name, Value: value})
		}
	}
}

// createJobPlan is the plan of every action that creates a Job from a CronJob.
func createJobPlan(action, title, cronJob, ns, job string, changes []string, command string, env map[string]string, ann map[string]string) Plan {
	return Plan{
		Action: action, Title: title, Kind: KindKubernetes,
		Target:  fmt.Sprintf("job/%s from cronjob/%s in %s", job, cronJob, ns),
		Changes: changes, Command: command,
		Permissions: []Permission{
			{Verb: "get", Group: "batch", Resource: "cronjobs", Namespace: ns, Name: cronJob},
			{Verb: "create", Group: "batch", Resource: "jobs", Namespace: ns},
		},
		run: func(ex *Executor, dry bool) (Result, error) {
			ctx, cancel := context.WithTimeout(context.Background(), actionTimeout)
			defer cancel()
			cj, err := ex.Kube.BatchV1().CronJobs(ns).Get(ctx, cronJob, metav1.GetOptions{})
			if err != nil {
				return Result{}, fmt.Errorf("read cronjob %s: %w", cronJob, err)
			}
			j := jobFromCronJob(cj, job, ann)
			for k, v := range env {
				setEnv(&j.Spec.Template.Spec, k, v)
			}
			created, err := ex.Kube.BatchV1().Jobs(ns).Create(ctx, j, metav1.CreateOptions{DryRun: dryRunOpts(dry)})
			if err != nil {
				return Result{}, fmt.Errorf("create job %s: %w", job, err)
			}
			verb := "created"
			if dry {
				verb = "accepted by the server's dry run"
			}
			return Result{Summary: fmt.Sprintf("job %s %s", created.Name, verb), Object: created.Name, ObjectKind: "Job"}, nil
		},
	}
}

// TriggerRotation creates a Job from the rotation CronJob (runbook Scenario
// 1 step 5, Scenario 5 step 5).
func TriggerRotation(c config.Config, ns string, at time.Time) Plan {
	cj := c.Kubernetes.RotationCronJob
	job := "manual-rotation-" + at.UTC().Format(runbook.StampLayout)
	return createJobPlan(runbook.ActionTriggerRotation, "Re-run the rotation now", cj, ns, job,
		[]string{"creates Job " + job + " from the CronJob's template (the CronJob itself is unchanged)"},
		fmt.Sprintf("kubectl create job --from=cronjob/%s %s -n %s", cj, job, ns), nil, nil)
}

// CleanupJob creates a one-off Job from the cleanup CronJob with DRY_RUN set
// on that Job only (runbook Scenario 3 steps 3 and 4; the runbook's `kubectl
// set env cronjob/...` would change the CronJob and can be forgotten).
func CleanupJob(c config.Config, ns string, dryRun bool, at time.Time) Plan {
	cj := c.Kubernetes.CleanupCronJob
	action, prefix, title := runbook.ActionCleanupRun, "manual-cleanup-", "Run the secret cleanup for real"
	if dryRun {
		action, prefix, title = runbook.ActionCleanupDryRun, "test-cleanup-", "Run the secret cleanup as a dry run"
	}
	job := prefix + at.UTC().Format(runbook.StampLayout)
	val := fmt.Sprint(dryRun)
	p := createJobPlan(action, title, cj, ns, job,
		[]string{"creates Job " + job + " from the CronJob's template", "sets DRY_RUN=" + val + " on that Job only; the CronJob is unchanged"},
		fmt.Sprintf("kubectl create job --from=cronjob/%s %s -n %s --dry-run=client -o yaml | kubectl set env --local -f - DRY_RUN=%s -o yaml | kubectl create -f -", cj, job, ns, val),
		map[string]string{"DRY_RUN": val}, nil)
	if !dryRun {
		// it destroys secret versions: confirmed by typing the CronJob's name
		p.Warning = "destroys secret versions beyond the retention, which cannot be recovered; review a dry run's log first"
		p.Destructive, p.ConfirmName = true, cj
	}
	return p
}

// EmergencyRotate rotates one tenant now through a Job from the rotation
// CronJob's template, with the tenant in the configured variable and the
// initiator, reason and subject recorded as annotations (runbook Temporary
// Mitigation).
func EmergencyRotate(c config.Config, ns, tenant, initiator, reason, subject string, at time.Time) Plan {
	cj := c.Kubernetes.RotationCronJob
	job := "emergency-rotate-" + at.UTC().Format(runbook.StampLayout)
	ann := map[string]string{
		"rotation.kubectl-rotation.dev/tenant":    tenant,
		"rotation.kubectl-rotation.dev/initiator": initiator,
		"rotation.kubectl-rotation.dev/reason":    reason,
		"rotation.kubectl-rotation.dev/subject":   subject,
	}
	return createJobPlan(runbook.ActionEmergencyRotate, "Emergency rotation of tenant "+tenant, cj, ns, job,
		[]string{"creates Job " + job + " from the CronJob's template", fmt.Sprintf("sets %s=%s on that Job", c.Kubernetes.TenantEnv, tenant),
			fmt.Sprintf("records initiator %q, reason %q, subject %q as annotations", initiator, reason, subject)},
		fmt.Sprintf("kubectl create job --from=cronjob/%s %s -n %s   # with %s=%s", cj, job, ns, c.Kubernetes.TenantEnv, tenant),
		map[string]string{c.Kubernetes.TenantEnv: tenant, "ROTATION_INITIATOR": initiator, "ROTATION_REASON": reason, "ROTATION_SUBJECT": subject}, ann)
}

// RaiseDeadline patches the rotation CronJob's activeDeadlineSeconds
// (runbook Scenario 5 step 2).
func RaiseDeadline(c config.Config, ns string, seconds int64) Plan {
	cj := c.Kubernetes.RotationCronJob
	patch := fmt.Sprintf(`{"spec":{"jobTemplate":{"spec":{"activeDeadlineSeconds":%d}}}}`, seconds)
	return Plan{
		Action: runbook.ActionRaiseDeadline, Title: fmt.Sprintf("Raise the rotation deadline to %ds", seconds), Kind: KindKubernetes,
		Target:      fmt.Sprintf("cronjob/%s in %s", cj, ns),
		Changes:     []string{fmt.Sprintf("spec.jobTemplate.spec.activeDeadlineSeconds → %d (the next runs)", seconds)},
		Command:     fmt.Sprintf("kubectl patch cronjob %s -n %s --type=merge -p '%s'", cj, ns, patch),
		Permissions: []Permission{{Verb: "patch", Group: "batch", Resource: "cronjobs", Namespace: ns, Name: cj}},
		run: func(ex *Executor, dry bool) (Result, error) {
			ctx, cancel := context.WithTimeout(context.Background(), actionTimeout)
			defer cancel()
			before, err := ex.Kube.BatchV1().CronJobs(ns).Get(ctx, cj, metav1.GetOptions{})
			if err != nil {
				return Result{}, fmt.Errorf("read cronjob %s: %w", cj, err)
			}
			after, err := ex.Kube.BatchV1().CronJobs(ns).Patch(ctx, cj, types.MergePatchType, []byte(patch), metav1.PatchOptions{DryRun: dryRunOpts(dry)})
			if err != nil {
				return Result{}, fmt.Errorf("patch cronjob %s: %w", cj, err)
			}
			b := "none"
			if d := before.Spec.JobTemplate.Spec.ActiveDeadlineSeconds; d != nil {
				b = fmt.Sprintf("%ds", *d)
			}
			a := fmt.Sprintf("%ds", ptr.Deref(after.Spec.JobTemplate.Spec.ActiveDeadlineSeconds, 0))
			return Result{Summary: "activeDeadlineSeconds " + b + " → " + a, Object: cj, ObjectKind: "CronJob", Before: b, After: a}, nil
		},
	}
}

// RestartOrchestrator rolls the orchestrator Deployment as `kubectl rollout
// restart` does (runbook Scenario 2 step 5, safer than deleting every pod).
func RestartOrchestrator(c config.Config, ns string) Plan {
	dep := c.Kubernetes.OrchestratorDeployment
	return Plan{
		Action: runbook.ActionRestartOrchestrator, Title: "Rolling restart of the orchestrator", Kind: KindKubernetes,
		Target:      fmt.Sprintf("deployment/%s in %s", dep, ns),
		Changes:     []string{"sets the pod template annotation kubectl.kubernetes.io/restartedAt to the time it runs: pods are replaced one by one and log in to Vault again"},
		Command:     fmt.Sprintf("kubectl rollout restart deployment/%s -n %s", dep, ns),
		Permissions: []Permission{{Verb: "patch", Group: "apps", Resource: "deployments", Namespace: ns, Name: dep}},
		run: func(ex *Executor, dry bool) (Result, error) {
			ctx, cancel := context.WithTimeout(context.Background(), actionTimeout)
			defer cancel()
			// the time of the run, as kubectl rollout restart does: a second
			// restart always changes the template, so it always rolls
			patch, _ := json.Marshal(map[string]any{"spec": map[string]any{"template": map[string]any{"metadata": map[string]any{
				"annotations": map[string]string{"kubectl.kubernetes.io/restartedAt": ex.now().UTC().Format(time.RFC3339Nano)}}}}})
			d, err := ex.Kube.AppsV1().Deployments(ns).Patch(ctx, dep, types.StrategicMergePatchType, patch, metav1.PatchOptions{DryRun: dryRunOpts(dry)})
			if err != nil {
				return Result{}, fmt.Errorf("restart deployment %s: %w", dep, err)
			}
			return Result{Summary: "deployment " + dep + " restarted at " + d.Spec.Template.Annotations["kubectl.kubernetes.io/restartedAt"], Object: dep, ObjectKind: "Deployment"}, nil
		},
	}
}

// EnableAudit sets AUDIT_ENABLED=true on the orchestrator Deployment's
// container that has AUDIT_ENABLED (else the first), as `kubectl set env`
// does (runbook Scenario 6 step 3). The pod template changes, so the pods
// roll. The run reads the Deployment and patches it only if it is unchanged
// since; it writes nothing when the value is already true. Its run's errors
// say when the Deployment is gone, or changed between the read and the
// patch (then nothing was written).
func EnableAudit(c config.Config, ns string) Plan {
	dep := c.Kubernetes.OrchestratorDeployment
	ch := enableAuditChange(c, ns)
	return Plan{
		Action: runbook.ActionEnableAudit, Title: "Enable audit logging on the orchestrator", Kind: KindKubernetes,
		Target: fmt.Sprintf("deployment/%s in %s", dep, ns),
		Changes: []string{
			"sets AUDIT_ENABLED=true in the pod template, on the container that has AUDIT_ENABLED (else the first); nothing is written if it is already true",
			"the pod template changes: the pods are replaced one by one (a rolling update)",
			"durable fix: the Helm value security.cmek.rotation.auditEnabled: true; the next helm upgrade reverts an env set by hand",
		},
		Command: fmt.Sprintf("kubectl set env deployment/%s AUDIT_ENABLED=true -n %s", dep, ns),
		Permissions: []Permission{
			{Verb: "get", Group: "apps", Resource: "deployments", Namespace: ns, Name: dep},
			{Verb: "patch", Group: "apps", Resource: "deployments", Namespace: ns, Name: dep},
		},
		run: ch.run,
	}
}

func enableAuditChange(c config.Config, ns string) envChange {
	dep := c.Kubernetes.OrchestratorDeployment
	return envChange{
		kind: "Deployment", resource: "deployment", name: dep, ns: ns,
		containers: "/spec/template/spec/containers", env: "AUDIT_ENABLED", value: "true",
		effect: "the pods roll; set security.cmek.rotation.auditEnabled: true in the Helm values too",
		get: func(ctx context.Context, ex *Executor) (string, []corev1.Container, error) {
			d, err := ex.Kube.AppsV1().Deployments(ns).Get(ctx, dep, metav1.GetOptions{})
			if err != nil {
				return "", nil, err
			}
			return d.ResourceVersion, d.Spec.Template.Spec.Containers, nil
		},
		patch: func(ctx context.Context, ex *Executor, patch []byte, dry bool) ([]corev1.Container, error) {
			d, err := ex.Kube.AppsV1().Deployments(ns).Patch(ctx, dep, types.JSONPatchType, patch, metav1.PatchOptions{DryRun: dryRunOpts(dry)})
			if err != nil {
				return nil, err
			}
			return d.Spec.Template.Spec.Containers, nil
		},
	}
}

// CleanupDryRunOff sets DRY_RUN=false on the cleanup CronJob's job template
// (the container that has DRY_RUN, else the first), as the runbook's
// Scenario 3 step 4 does with `kubectl set env`, for when DRY_RUN=true was
// left on it: then every scheduled cleanup deletes nothing. The one-off
// cleanup Jobs never need it. Same read, guarded patch and no-op as
// EnableAudit.
func CleanupDryRunOff(c config.Config, ns string) Plan {
	cj := c.Kubernetes.CleanupCronJob
	ch := cleanupDryRunOffChange(c, ns)
	return Plan{
		Action: runbook.ActionCleanupDryRunOff, Title: "Turn DRY_RUN off on the cleanup CronJob", Kind: KindKubernetes,
		Target: fmt.Sprintf("cronjob/%s in %s", cj, ns),
		Changes: []string{
			"sets DRY_RUN=false in the CronJob's job template, on the container that has DRY_RUN (else the first); nothing is written if it is already false",
			"the next scheduled cleanup deletes secret versions beyond the retention; Jobs already created are unchanged",
		},
		Command: fmt.Sprintf("kubectl set env cronjob/%s DRY_RUN=false -n %s", cj, ns),
		Warning: "from the next scheduled run on, cleanup deletes secret versions; do this after a real run's result was reviewed",
		Permissions: []Permission{
			{Verb: "get", Group: "batch", Resource: "cronjobs", Namespace: ns, Name: cj},
			{Verb: "patch", Group: "batch", Resource: "cronjobs", Namespace: ns, Name: cj},
		},
		run: ch.run,
	}
}

func cleanupDryRunOffChange(c config.Config, ns string) envChange {
	name := c.Kubernetes.CleanupCronJob
	return envChange{
		kind: "CronJob", resource: "cronjob", name: name, ns: ns,
		containers: "/spec/jobTemplate/spec/template/spec/containers", env: "DRY_RUN", value: "false",
		effect: "the next scheduled cleanup deletes for real",
		get: func(ctx context.Context, ex *Executor) (string, []corev1.Container, error) {
			cj, err := ex.Kube.BatchV1().CronJobs(ns).Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return "", nil, err
			}
			return cj.ResourceVersion, cj.Spec.JobTemplate.Spec.Template.Spec.Containers, nil
		},
		patch: func(ctx context.Context, ex *Executor, patch []byte, dry bool) ([]corev1.Container, error) {
			cj, err := ex.Kube.BatchV1().CronJobs(ns).Patch(ctx, name, types.JSONPatchType, patch, metav1.PatchOptions{DryRun: dryRunOpts(dry)})
			if err != nil {
				return nil, err
			}
			return cj.Spec.JobTemplate.Spec.Template.Spec.Containers, nil
		},
	}
}

// envChange sets one environment variable in a workload's pod template, as
// `kubectl set env` does, without a blind write: it reads the object, picks
// the containers (those that already have the variable, else the first),
// and sends a JSON patch whose first operation tests the resourceVersion it
// read, so a change made in between fails the patch instead of being
// overwritten.
type envChange struct {
	kind, resource, name, ns string // Deployment, deployment, ...
	// containers is the JSON pointer of the pod template's containers.
	containers string
	env, value string
	// effect says what the write does, for the result line.
	effect string
	get    func(ctx context.Context, ex *Executor) (resourceVersion string, cs []corev1.Container, err error)
	patch  func(ctx context.Context, ex *Executor, patch []byte, dry bool) ([]corev1.Container, error)
}

func (c envChange) run(ex *Executor, dry bool) (Result, error) {
	ctx, cancel := context.WithTimeout(context.Background(), actionTimeout)
	defer cancel()
	rv, cs, err := c.get(ctx, ex)
	switch {
	case apierrors.IsNotFound(err):
		return Result{}, fmt.Errorf("%s %s not found in %s: it was deleted or renamed after the plan was made; nothing was changed: %w", c.resource, c.name, c.ns, err)
	case err != nil:
		return Result{}, fmt.Errorf("read %s %s: %w", c.resource, c.name, err)
	}
	return c.write(ctx, ex, rv, cs, dry)
}

// write patches the object as read at resourceVersion rv with containers cs.
func (c envChange) write(ctx context.Context, ex *Executor, rv string, cs []corev1.Container, dry bool) (Result, error) {
	e, err := editEnv(c.containers, rv, cs, c.env, c.value)
	if err != nil {
		return Result{}, fmt.Errorf("%s %s: %w", c.resource, c.name, err)
	}
	obj := c.resource + "/" + c.name
	if !e.needed {
		return Result{Summary: fmt.Sprintf("%s is already %s on %s (container %s): nothing needed changing", c.env, c.value, obj, strings.Join(e.targets, ", ")),
			Before: e.before, After: e.before}, nil
	}
	after, err := c.patch(ctx, ex, e.patch, dry)
	switch {
	case apierrors.IsNotFound(err):
		return Result{}, fmt.Errorf("%s was deleted after it was read: nothing was changed: %w", obj, err)
	case apierrors.IsConflict(err) || (apierrors.IsInvalid(err) && c.changedSince(ctx, ex, rv)):
		return Result{}, fmt.Errorf("%s changed after it was read (resourceVersion %s): nothing was changed; look at it again and retry", obj, rv)
	case err != nil:
		return Result{}, fmt.Errorf("set %s=%s on %s: %w", c.env, c.value, obj, err)
	}
	now := envState(after, e.targets, c.env)
	change := fmt.Sprintf("%s (container %s): %s %s → %s", obj, strings.Join(e.targets, ", "), c.env, e.before, now)
	if dry {
		return Result{Summary: change + ", accepted by the server's dry run", Before: e.before, After: now}, nil
	}
	return Result{Summary: change + "; " + c.effect, Object: c.name, ObjectKind: c.kind, Before: e.before, After: now}, nil
}

// changedSince reports whether the object's resourceVersion is no longer
// rv. The server answers a failed JSON-patch test with a bare 422 Invalid,
// so a refused patch is told apart from an invalid one by reading again.
func (c envChange) changedSince(ctx context.Context, ex *Executor, rv string) bool {
	now, _, err := c.get(ctx, ex)
	return apierrors.IsNotFound(err) || (err == nil && now != rv)
}

// envEdit is the change editEnv computed.
type envEdit struct {
	patch   []byte
	targets []string // the containers changed
	before  string   // the variable in those containers now
	needed  bool     // false when every target already has the value
}

// editEnv plans setting name=value in the containers that have name (every
// occurrence), or in the first container when none has it, as a JSON patch
// at the containers pointer that first tests resourceVersion rv. A value
// taken from valueFrom is replaced by the literal. It returns an error when
// there is no container.
func editEnv(containers, rv string, cs []corev1.Container, name, value string) (envEdit, error) {
	if len(cs) == 0 {
		return envEdit{}, fmt.Errorf("the pod template has no container to set %s in", name)
	}
	var idx []int
	for i, c := range cs {
		if slices.ContainsFunc(c.Env, func(e corev1.EnvVar) bool { return e.Name == name }) {
			idx = append(idx, i)
		}
	}
	if len(idx) == 0 {
		idx = []int{0}
	}
	var e envEdit
	ops := []map[string]any{{"op": "test", "path": "/metadata/resourceVersion", "value": rv}}
	val := corev1.EnvVar{Name: name, Value: value}
	for _, i := range idx {
		c := cs[i]
		e.targets = append(e.targets, c.Name)
		found := false
		for j, ev := range c.Env {
			if ev.Name != name {
				continue
			}
			found = true
			if ev.ValueFrom != nil || !strings.EqualFold(ev.Value, value) {
				e.needed = true
			}
			ops = append(ops, map[string]any{"op": "replace", "path": fmt.Sprintf("%s/%d/env/%d", containers, i, j), "value": val})
		}
		if !found {
			e.needed = true
			if len(c.Env) == 0 {
				ops = append(ops, map[string]any{"op": "add", "path": fmt.Sprintf("%s/%d/env", containers, i), "value": []corev1.EnvVar{val}})
			} else {
				ops = append(ops, map[string]any{"op": "add", "path": fmt.Sprintf("%s/%d/env/-", containers, i), "value": val})
			}
		}
	}
	e.before = envState(cs, e.targets, name)
	var err error
	e.patch, err = json.Marshal(ops)
	return e, err
}

// envState is the variable's value in the named containers: "false",
// "unset", "from configmap x key y"; "c1: v1, c2: v2" for several.
func envState(cs []corev1.Container, names []string, name string) string {
	var parts []string
	for _, c := range cs {
		if !slices.Contains(names, c.Name) {
			continue
		}
		v := "unset"
		for _, ev := range c.Env {
			switch {
			case ev.Name != name:
			case ev.ValueFrom != nil && ev.ValueFrom.ConfigMapKeyRef != nil:
				v = fmt.Sprintf("from configmap %s key %s", ev.ValueFrom.ConfigMapKeyRef.Name, ev.ValueFrom.ConfigMapKeyRef.Key)
			case ev.ValueFrom != nil && ev.ValueFrom.SecretKeyRef != nil:
				v = fmt.Sprintf("from secret %s key %s", ev.ValueFrom.SecretKeyRef.Name, ev.ValueFrom.SecretKeyRef.Key)
			case ev.ValueFrom != nil:
				v = "from valueFrom"
			default:
				v = ev.Value
				if v == "" {
					v = `""`
				}
			}
		}
		parts = append(parts, c.Name+": "+v)
	}
	if len(parts) == 1 {
		_, v, _ := strings.Cut(parts[0], ": ")
		return v
	}
	return strings.Join(parts, ", ")
}
