package actions

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
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
	job := "manual-rotation-" + at.UTC().Format("20060102-150405")
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
	job := prefix + at.UTC().Format("20060102-150405")
	val := fmt.Sprint(dryRun)
	p := createJobPlan(action, title, cj, ns, job,
		[]string{"creates Job " + job + " from the CronJob's template", "sets DRY_RUN=" + val + " on that Job only; the CronJob is unchanged"},
		fmt.Sprintf("kubectl create job --from=cronjob/%s %s -n %s --dry-run=client -o yaml | kubectl set env --local -f - DRY_RUN=%s -o yaml | kubectl create -f -", cj, job, ns, val),
		map[string]string{"DRY_RUN": val}, nil)
	if !dryRun {
		p.Warning = "deletes secret versions beyond the retention; review a dry run's log first"
	}
	return p
}

// EmergencyRotate rotates one tenant now through a Job from the rotation
// CronJob's template, with the tenant in the configured variable and the
// initiator, reason and subject recorded as annotations (runbook Temporary
// Mitigation).
func EmergencyRotate(c config.Config, ns, tenant, initiator, reason, subject string, at time.Time) Plan {
	cj := c.Kubernetes.RotationCronJob
	job := "emergency-rotate-" + at.UTC().Format("20060102-150405")
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
			return Result{Summary: "activeDeadlineSeconds " + b + " → " + fmt.Sprintf("%ds", ptr.Deref(after.Spec.JobTemplate.Spec.ActiveDeadlineSeconds, 0)),
				Object: cj, ObjectKind: "CronJob", Before: b, After: fmt.Sprintf("%ds", ptr.Deref(after.Spec.JobTemplate.Spec.ActiveDeadlineSeconds, 0))}, nil
		},
	}
}

// RestartOrchestrator rolls the orchestrator Deployment as `kubectl rollout
// restart` does (runbook Scenario 2 step 5, safer than deleting every pod).
func RestartOrchestrator(c config.Config, ns string, at time.Time) Plan {
	dep := c.Kubernetes.OrchestratorDeployment
	stamp := at.UTC().Format(time.RFC3339)
	patch, _ := json.Marshal(map[string]any{"spec": map[string]any{"template": map[string]any{"metadata": map[string]any{
		"annotations": map[string]string{"kubectl.kubernetes.io/restartedAt": stamp}}}}})
	return Plan{
		Action: runbook.ActionRestartOrchestrator, Title: "Rolling restart of the orchestrator", Kind: KindKubernetes,
		Target:      fmt.Sprintf("deployment/%s in %s", dep, ns),
		Changes:     []string{"sets the pod template annotation kubectl.kubernetes.io/restartedAt=" + stamp + ": pods are replaced one by one and log in to Vault again"},
		Command:     fmt.Sprintf("kubectl rollout restart deployment/%s -n %s", dep, ns),
		Permissions: []Permission{{Verb: "patch", Group: "apps", Resource: "deployments", Namespace: ns, Name: dep}},
		run: func(ex *Executor, dry bool) (Result, error) {
			ctx, cancel := context.WithTimeout(context.Background(), actionTimeout)
			defer cancel()
			d, err := ex.Kube.AppsV1().Deployments(ns).Patch(ctx, dep, types.StrategicMergePatchType, patch, metav1.PatchOptions{DryRun: dryRunOpts(dry)})
			if err != nil {
				return Result{}, fmt.Errorf("restart deployment %s: %w", dep, err)
			}
			return Result{Summary: "deployment " + dep + " restarted at " + d.Spec.Template.Annotations["kubectl.kubernetes.io/restartedAt"], Object: dep, ObjectKind: "Deployment"}, nil
		},
	}
}
