package lab

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
)

// historyManager marks the seeded history Jobs as managed by the lab, so the
// real job controller (when it runs) leaves their recorded status alone.
const historyManager = "lab.kubectl-rotation.dev/history"

// ReviewerSA is the service account whose token Vault's Kubernetes auth
// method uses for TokenReview.
const ReviewerSA = "vault-auth"

func (w *world) seedKubernetes(ctx context.Context) error {
	c, ns := w.t.Kube, w.t.Namespace
	if _, err := c.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create namespace %s: %w", ns, err)
	}
	for _, sa := range []string{w.n.OrchestratorSA, ReviewerSA} {
		if _, err := c.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: sa, Namespace: ns}}, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("create service account %s: %w", sa, err)
		}
	}
	crb := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: ns + "-vault-auth-delegator"},
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "system:auth-delegator"},
		Subjects:   []rbacv1.Subject{{Kind: "ServiceAccount", Name: ReviewerSA, Namespace: ns}},
	}
	if _, err := c.RbacV1().ClusterRoleBindings().Create(ctx, crb, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create clusterrolebinding %s: %w", crb.Name, err)
	}
	cm := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: w.n.OrchestratorDeployment + "-retention", Namespace: ns, Labels: w.appLabels("config")},
		Data: map[string]string{
			"retention.yaml": "retention:\n  secrets:\n    retentionVersions: 10\nsecurity:\n  cmek:\n    retentionVersions: " + fmt.Sprint(w.n.RetentionVersions) + "\n",
		},
	}
	if _, err := c.CoreV1().ConfigMaps(ns).Create(ctx, cm, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create configmap %s: %w", cm.Name, err)
	}
	audit := "true"
	if w.sc[AuditMissing] {
		audit = "false"
	}
	labels := w.orchestratorLabels()
	dep := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: w.n.OrchestratorDeployment, Namespace: ns, Labels: labels},
		Spec: appsv1.DeploymentSpec{
			// paused until its ReplicaSet and pods are seeded, so a running
			// deployment controller adopts them instead of rolling out its own
			Paused:   true,
			Replicas: ptr.To[int32](2),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app.kubernetes.io/name": w.n.OrchestratorDeployment}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					ServiceAccountName: w.n.OrchestratorSA,
					Containers: []corev1.Container{{
						Name: "orchestrator", Image: w.n.Image,
						Env: []corev1.EnvVar{
							{Name: "VAULT_ADDR", Value: "http://vault.vault.svc:8200"},
							{Name: "VAULT_AUTH_METHOD", Value: "kubernetes"},
							{Name: "VAULT_AUTH_PATH", Value: w.n.AuthMount},
							{Name: "VAULT_ROLE", Value: w.n.AuthRole},
							{Name: "VAULT_TOKEN_RENEWAL_ENABLED", Value: "true"},
							{Name: "AUDIT_ENABLED", Value: audit},
							{Name: "NODE_ENV", Value: "production"},
						},
					}},
				},
			},
		},
	}
	created, err := c.AppsV1().Deployments(ns).Create(ctx, dep, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("create deployment %s: %w", dep.Name, err)
	}
	w.deployment = created
	for _, cj := range []*batchv1.CronJob{w.rotationCronJob(), w.cleanupCronJob()} {
		created, err := c.BatchV1().CronJobs(ns).Create(ctx, cj, metav1.CreateOptions{})
		if err != nil {
			return fmt.Errorf("create cronjob %s: %w", cj.Name, err)
		}
		runs := w.runs
		if cj.Name == w.n.CleanupCronJob {
			runs = w.cleanups
		}
		created.Status.LastScheduleTime = ptr.To(metav1.NewTime(runs[0].scheduled))
		for _, r := range runs {
			if r.outcome == "Complete" {
				created.Status.LastSuccessfulTime = ptr.To(metav1.NewTime(r.end))
				break
			}
		}
		if _, err := c.BatchV1().CronJobs(ns).UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
			return fmt.Errorf("set cronjob %s status: %w", cj.Name, err)
		}
	}
	return nil
}

// appLabels label the chart's other objects (CronJobs, their pods, the
// retention ConfigMap): named after themselves, so the orchestrator's label
// selector does not pick up job pods.
func (w *world) appLabels(name string) map[string]string {
	return map[string]string{"app.kubernetes.io/name": name, "app.kubernetes.io/component": name, "app.kubernetes.io/part-of": "oss-ai-agent-tool"}
}

func (w *world) orchestratorLabels() map[string]string {
	l := map[string]string{"app.kubernetes.io/name": w.n.OrchestratorDeployment, "app.kubernetes.io/part-of": "oss-ai-agent-tool"}
	l[w.n.SecurityLabelKey] = w.n.SecurityLabelValue
	return l
}

func (w *world) rotationCronJob() *batchv1.CronJob {
	return &batchv1.CronJob{
		ObjectMeta: metav1.ObjectMeta{Name: w.n.RotationCronJob, Namespace: w.t.Namespace, Labels: w.appLabels("cmek-rotation")},
		Spec: batchv1.CronJobSpec{
			Schedule:                   fmt.Sprintf("%d %d * * *", rotationMinute, rotationHour),
			ConcurrencyPolicy:          batchv1.ForbidConcurrent,
			SuccessfulJobsHistoryLimit: ptr.To(w.successfulHistoryLimit()),
			FailedJobsHistoryLimit:     ptr.To[int32](historyRuns),
			JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{
				ActiveDeadlineSeconds: ptr.To[int64](rotationDeadline),
				BackoffLimit:          ptr.To[int32](0),
				Template: corev1.PodTemplateSpec{
					ObjectMeta: metav1.ObjectMeta{Labels: w.appLabels("cmek-rotation")},
					Spec: corev1.PodSpec{
						ServiceAccountName: w.n.OrchestratorSA,
						RestartPolicy:      corev1.RestartPolicyNever,
						Containers: []corev1.Container{{
							Name: "rotate", Image: w.n.Image,
							Command: []string{"node", "/app/services/orchestrator/scripts/rotate-all-tenant-cmek.js"},
							Env: []corev1.EnvVar{
								{Name: "VAULT_ADDR", Value: "http://vault.vault.svc:8200"},
								{Name: "VAULT_ROLE", Value: w.n.AuthRole},
								{Name: "CMEK_ROTATION_BATCH_SIZE", Value: "100"},
								{Name: "CMEK_ROTATE_ALL_TENANTS", Value: "true"},
								{Name: "CMEK_RETENTION_VERSIONS", Value: fmt.Sprint(w.n.RetentionVersions)},
							},
						}},
					},
				},
			}},
		},
	}
}

func (w *world) cleanupCronJob() *batchv1.CronJob {
	dry := "false"
	if w.sc[CleanupFailing] {
		dry = "true" // left on after an earlier dry run, as the runbook's set env can be
	}
	return &batchv1.CronJob{
		ObjectMeta: metav1.ObjectMeta{Name: w.n.CleanupCronJob, Namespace: w.t.Namespace, Labels: w.appLabels("secret-cleanup")},
		Spec: batchv1.CronJobSpec{
			Schedule:                   fmt.Sprintf("%d %d * * *", cleanupMinute, cleanupHour),
			ConcurrencyPolicy:          batchv1.ForbidConcurrent,
			SuccessfulJobsHistoryLimit: ptr.To(w.successfulHistoryLimit()),
			FailedJobsHistoryLimit:     ptr.To[int32](historyRuns),
			JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{
				ActiveDeadlineSeconds: ptr.To[int64](900),
				BackoffLimit:          ptr.To[int32](1),
				Template: corev1.PodTemplateSpec{
					ObjectMeta: metav1.ObjectMeta{Labels: w.appLabels("secret-cleanup")},
					Spec: corev1.PodSpec{
						ServiceAccountName: w.n.OrchestratorSA,
						RestartPolicy:      corev1.RestartPolicyNever,
						Containers: []corev1.Container{{
							Name: "cleanup", Image: w.n.Image,
							Command: []string{"node", "/app/services/orchestrator/dist/scripts/cleanup-secret-versions.js"},
							Env: []corev1.EnvVar{
								{Name: "DRY_RUN", Value: dry},
								{Name: "RETENTION_VERSIONS", Value: "10"},
							},
						}},
					},
				},
			}},
		},
	}
}

// successfulHistoryLimit keeps every seeded successful Job: the CronJob
// controller deletes the oldest finished Jobs beyond the limit, which would
// churn through the older Jobs of Options.Jobs as soon as it synced.
func (w *world) successfulHistoryLimit() int32 {
	return int32(historyRuns + (w.o.Jobs+1)/2)
}

// oldJobWorkers is how many older Jobs are written at once.
const oldJobWorkers = 8

// seedOldJobs creates Options.Jobs finished Jobs older than the recorded
// history, alternating between the two CronJobs, an hour apart per CronJob
// going back from the oldest recorded run. Each is owned by its CronJob
// (controller reference), succeeded (Complete and SuccessCriteriaMet, as the
// job controller leaves them), and is managed by the lab (spec.managedBy),
// so the job controller leaves it alone; it has no ttlSecondsAfterFinished,
// and the CronJob's successfulJobsHistoryLimit covers it. Their pods are
// gone, as the pod garbage collector leaves old Jobs in a real cluster; the
// harness kubelet therefore has nothing more to list.
func (w *world) seedOldJobs(ctx context.Context) error {
	if w.o.Jobs <= 0 {
		return nil
	}
	c, ns := w.t.Kube, w.t.Namespace
	type owner struct {
		cj     *batchv1.CronJob
		oldest time.Time
	}
	var owners []owner
	for _, name := range []string{w.n.RotationCronJob, w.n.CleanupCronJob} {
		cj, err := c.BatchV1().CronJobs(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return fmt.Errorf("get cronjob %s: %w", name, err)
		}
		runs := w.runs
		if name == w.n.CleanupCronJob {
			runs = w.cleanups
		}
		owners = append(owners, owner{cj: cj, oldest: runs[len(runs)-1].scheduled})
	}
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(oldJobWorkers)
	for i := range w.o.Jobs {
		o := owners[i%2]
		sched := o.oldest.Add(-time.Duration(i/2+1) * time.Hour)
		g.Go(func() error { return w.seedOldJob(ctx, o.cj, sched) })
	}
	return g.Wait()
}

// seedOldJob creates one succeeded Job of cj scheduled at sched.
func (w *world) seedOldJob(ctx context.Context, cj *batchv1.CronJob, sched time.Time) error {
	c, ns := w.t.Kube, w.t.Namespace
	name := fmt.Sprintf("%s-%d", cj.Name, sched.Unix()/60)
	spec := *cj.Spec.JobTemplate.Spec.DeepCopy()
	spec.ManagedBy = ptr.To(historyManager)
	created, err := c.BatchV1().Jobs(ns).Create(ctx, &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{
			Name: name, Namespace: ns,
			Labels:          cj.Spec.JobTemplate.Spec.Template.Labels,
			Annotations:     map[string]string{"batch.kubernetes.io/cronjob-scheduled-timestamp": sched.Format(time.RFC3339)},
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(cj, batchv1.SchemeGroupVersion.WithKind("CronJob"))},
		},
		Spec: spec,
	}, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("create job %s: %w", name, err)
	}
	start, end := metav1.NewTime(sched.Add(2*time.Second)), metav1.NewTime(sched.Add(4*time.Minute))
	created.Status = batchv1.JobStatus{
		StartTime: &start, CompletionTime: &end, Succeeded: 1, Ready: ptr.To[int32](0), Terminating: ptr.To[int32](0),
		Conditions: []batchv1.JobCondition{
			{Type: batchv1.JobSuccessCriteriaMet, Status: corev1.ConditionTrue, Reason: "CompletionsReached", Message: "Reached expected number of succeeded pods", LastProbeTime: end, LastTransitionTime: end},
			{Type: batchv1.JobComplete, Status: corev1.ConditionTrue, Reason: "CompletionsReached", Message: "Reached expected number of succeeded pods", LastProbeTime: end, LastTransitionTime: end},
		},
	}
	if _, err := c.BatchV1().Jobs(ns).UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("set job %s status: %w", name, err)
	}
	return nil
}

// seedJobs creates the recorded history: Jobs owned by the CronJobs with
// their final status, their pods on the lab node with exit codes, the pods'
// logs, and the warning Events the job controller would have recorded.
func (w *world) seedJobs(ctx context.Context) error {
	c, ns := w.t.Kube, w.t.Namespace
	type seeded struct {
		cj        *batchv1.CronJob
		r         run
		container string
	}
	var all []seeded
	for _, name := range []string{w.n.RotationCronJob, w.n.CleanupCronJob} {
		cj, err := c.BatchV1().CronJobs(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return fmt.Errorf("get cronjob %s: %w", name, err)
		}
		runs, container := w.runs, "rotate"
		if name == w.n.CleanupCronJob {
			runs, container = w.cleanups, "cleanup"
		}
		for _, r := range runs {
			all = append(all, seeded{cj, r, container})
		}
	}
	// oldest first across both CronJobs, so creation order matches the
	// history (kubectl get jobs --sort-by=.metadata.creationTimestamp lists
	// the newest last, whichever CronJob ran last: between 02:00 and 03:30
	// UTC the rotation's); the newest in a second of its own, as
	// creationTimestamp counts whole seconds
	slices.SortStableFunc(all, func(a, b seeded) int { return a.r.scheduled.Compare(b.r.scheduled) })
	for i, sj := range all {
		if i == len(all)-1 && i > 0 {
			time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second)))
		}
		if err := w.seedJob(ctx, sj.cj, sj.r, sj.container); err != nil {
			return err
		}
	}
	return nil
}

func (w *world) seedJob(ctx context.Context, cj *batchv1.CronJob, r run, container string) error {
	c, ns := w.t.Kube, w.t.Namespace
	spec := *cj.Spec.JobTemplate.Spec.DeepCopy()
	spec.ManagedBy = ptr.To(historyManager)
	job := &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{
			Name: r.name, Namespace: ns,
			Labels:          cj.Spec.JobTemplate.Spec.Template.Labels,
			Annotations:     map[string]string{"batch.kubernetes.io/cronjob-scheduled-timestamp": r.scheduled.Format(time.RFC3339)},
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(cj, batchv1.SchemeGroupVersion.WithKind("CronJob"))},
		},
		Spec: spec,
	}
	created, err := c.BatchV1().Jobs(ns).Create(ctx, job, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("create job %s: %w", r.name, err)
	}
	start, end := metav1.NewTime(r.start), metav1.NewTime(r.end)
	st := batchv1.JobStatus{StartTime: &start, Ready: ptr.To[int32](0), Terminating: ptr.To[int32](0)}
	exit, podReason := int32(0), "Completed"
	switch r.outcome {
	case "Complete":
		st.Succeeded = 1
		st.CompletionTime = &end
		st.Conditions = []batchv1.JobCondition{
			{Type: batchv1.JobSuccessCriteriaMet, Status: corev1.ConditionTrue, Reason: "CompletionsReached", Message: "Reached expected number of succeeded pods", LastProbeTime: end, LastTransitionTime: end},
			{Type: batchv1.JobComplete, Status: corev1.ConditionTrue, Reason: "CompletionsReached", Message: "Reached expected number of succeeded pods", LastProbeTime: end, LastTransitionTime: end},
		}
	default:
		st.Failed = 1
		msg := "Job has reached the specified backoff limit"
		exit, podReason = 1, "Error"
		if r.outcome == "DeadlineExceeded" {
			msg = "Job was active longer than specified deadline"
			exit = 143
		}
		st.Conditions = []batchv1.JobCondition{
			{Type: batchv1.JobFailureTarget, Status: corev1.ConditionTrue, Reason: r.outcome, Message: msg, LastProbeTime: end, LastTransitionTime: end},
			{Type: batchv1.JobFailed, Status: corev1.ConditionTrue, Reason: r.outcome, Message: msg, LastProbeTime: end, LastTransitionTime: end},
		}
		ev := &corev1.Event{
			ObjectMeta:     metav1.ObjectMeta{Name: fmt.Sprintf("%s.%x", r.name, r.end.UnixNano()), Namespace: ns},
			InvolvedObject: corev1.ObjectReference{Kind: "Job", APIVersion: "batch/v1", Namespace: ns, Name: r.name, UID: created.UID},
			Reason:         r.outcome, Message: msg, Type: corev1.EventTypeWarning, Count: 1,
			FirstTimestamp: end, LastTimestamp: end, Source: corev1.EventSource{Component: "job-controller"},
		}
		if _, err := c.CoreV1().Events(ns).Create(ctx, ev, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("create event for job %s: %w", r.name, err)
		}
	}
	created.Status = st
	if _, err := c.BatchV1().Jobs(ns).UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("set job %s status: %w", r.name, err)
	}
	podName := r.name + "-" + randHex(3)[:5]
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name: podName, Namespace: ns,
			Labels: mergeLabels(spec.Template.Labels, map[string]string{
				"batch.kubernetes.io/job-name": r.name, "job-name": r.name,
				"batch.kubernetes.io/controller-uid": string(created.UID), "controller-uid": string(created.UID),
			}),
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(created, batchv1.SchemeGroupVersion.WithKind("Job"))},
		},
		Spec: *spec.Template.Spec.DeepCopy(),
	}
	pod.Spec.NodeName = w.t.NodeName
	p, err := c.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("create pod %s: %w", podName, err)
	}
	phase := corev1.PodSucceeded
	if exit != 0 {
		phase = corev1.PodFailed
	}
	p.Status = corev1.PodStatus{
		Phase:     phase,
		StartTime: &start,
		HostIP:    "127.0.0.1",
		ContainerStatuses: []corev1.ContainerStatus{{
			Name: container, Image: w.n.Image, ImageID: w.n.Image,
			State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: exit, Reason: podReason, StartedAt: start, FinishedAt: end}},
		}},
	}
	if _, err := c.CoreV1().Pods(ns).UpdateStatus(ctx, p, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("set pod %s status: %w", podName, err)
	}
	w.t.Logs.Set(ns, podName, container, []byte(formatLog(r.start, r.end, r.log)))
	return nil
}

// formatLog spreads lines evenly between start and end, as the orchestrator
// prints them (ISO time, level, message).
func formatLog(start, end time.Time, lines []string) string {
	var b strings.Builder
	step := end.Sub(start) / time.Duration(len(lines)+1)
	for i, l := range lines {
		level := "INFO"
		if strings.HasPrefix(l, "Failed") || strings.HasPrefix(l, "Error") || strings.Contains(l, "exiting with status 1") {
			level = "ERROR"
		} else if strings.HasPrefix(l, "WARN ") || strings.HasPrefix(l, "Received SIGTERM") {
			level, l = "WARN", strings.TrimPrefix(l, "WARN ")
		}
		fmt.Fprintf(&b, "%s %s %s\n", start.Add(step*time.Duration(i)).Format("2006-01-02T15:04:05.000Z"), level, l)
	}
	return b.String()
}

func mergeLabels(a, b map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// podAge is how long the orchestrator's pods have run: their whole log is
// inside the tool's audit window (the daily rotation interval, the
// compliance limit of 7 days and a day: 9 days), and it begins before the
// compliance limit (8 days), so the stale tenants' last success logged
// soon after the start is overdue.
const podAge = 8*24*time.Hour + 12*time.Hour

// seedOrchestratorPods creates the orchestrator's two pods (running on the
// lab node, labelled as the security component) and their log: JSON audit
// events of every rotation run, VaultTokenRenewal lines, and the plain and
// broken lines a real log has.
func (w *world) seedOrchestratorPods(ctx context.Context) error {
	c, ns := w.t.Kube, w.t.Namespace
	logs := w.orchestratorPodLogs()
	// the ReplicaSet and pods as the deployment controller makes them, so a
	// running controller adopts them and a restart really rolls
	dep := w.deployment
	const hash = "7d9f8c6b5"
	tmpl := dep.Spec.Template.DeepCopy()
	tmpl.Labels = maps.Clone(tmpl.Labels)
	tmpl.Labels["pod-template-hash"] = hash
	sel := dep.Spec.Selector.DeepCopy()
	sel.MatchLabels = maps.Clone(sel.MatchLabels)
	sel.MatchLabels["pod-template-hash"] = hash
	rs, err := c.AppsV1().ReplicaSets(ns).Create(ctx, &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: dep.Name + "-" + hash, Namespace: ns, Labels: tmpl.Labels,
			Annotations:     map[string]string{"deployment.kubernetes.io/revision": "1"},
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(dep, appsv1.SchemeGroupVersion.WithKind("Deployment"))}},
		Spec: appsv1.ReplicaSetSpec{Replicas: dep.Spec.Replicas, Selector: sel, Template: *tmpl},
	}, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("create replicaset %s-%s: %w", dep.Name, hash, err)
	}
	for i, suffix := range []string{"h2xkq", "w8zrt"} {
		name := rs.Name + "-" + suffix
		spec := *tmpl.Spec.DeepCopy()
		spec.NodeName = w.t.NodeName
		pod := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: tmpl.Labels,
				OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(rs, appsv1.SchemeGroupVersion.WithKind("ReplicaSet"))}},
			Spec: spec,
		}
		p, err := c.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{})
		if err != nil {
			return fmt.Errorf("create pod %s: %w", name, err)
		}
		started := metav1.NewTime(w.o.Now.Add(-podAge))
		p.Status = corev1.PodStatus{
			Phase: corev1.PodRunning, StartTime: &started, HostIP: "127.0.0.1",
			Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: started}},
			ContainerStatuses: []corev1.ContainerStatus{{
				Name: "orchestrator", Image: w.n.Image, ImageID: w.n.Image, Ready: true, Started: ptr.To(true),
				State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: started}},
			}},
		}
		if _, err := c.CoreV1().Pods(ns).UpdateStatus(ctx, p, metav1.UpdateOptions{}); err != nil {
			return fmt.Errorf("set pod %s status: %w", name, err)
		}
		w.t.Logs.Set(ns, name, "orchestrator", logs[i])
		logs[i] = nil
	}
	if _, err := c.AppsV1().Deployments(ns).Patch(ctx, dep.Name, types.MergePatchType, []byte(`{"spec":{"paused":false}}`), metav1.PatchOptions{}); err != nil {
		return fmt.Errorf("resume deployment %s: %w", dep.Name, err)
	}
	return nil
}

// orchestratorPodLogs are the two orchestrator pods' logs: the replicas
// split the lines of orchestratorLog, and Options.AuditLines more audit
// lines of other actions (reads, decryptions, logins: what a security
// component logs besides rotations), spread evenly over the eight and a
// half days the pods have run, merged in time order.
func (w *world) orchestratorPodLogs() [2][]byte {
	lines := w.orchestratorLog()
	var bufs [2]bytes.Buffer
	start, end := w.o.Now.Add(-podAge).Add(2*time.Second), w.o.Now.Add(-time.Minute)
	n := w.o.AuditLines
	step := time.Duration(0)
	if n > 0 {
		step = end.Sub(start) / time.Duration(n)
		bufs[0].Grow(n / 2 * 240)
		bufs[1].Grow(n / 2 * 240)
	}
	k := 0 // next bulk line
	for i, l := range lines {
		at := l.at
		for ; k < n && !start.Add(time.Duration(k)*step).After(at); k++ {
			w.writeBulkAuditLine(&bufs[k%2], k, start.Add(time.Duration(k)*step))
		}
		bufs[i%2].WriteString(l.line)
		bufs[i%2].WriteByte('\n')
	}
	for ; k < n; k++ {
		w.writeBulkAuditLine(&bufs[k%2], k, start.Add(time.Duration(k)*step))
	}
	return [2][]byte{bufs[0].Bytes(), bufs[1].Bytes()}
}

var bulkActions = [...]struct{ action, initiator string }{
	{"secret.read", "service/api-gateway"},
	{"kms.decrypt", "service/ingest"},
	{"cmek.key.used", "service/search"},
	{"auth.login", "service/api-gateway"},
}

// writeBulkAuditLine writes the k-th bulk audit line, dated at.
func (w *world) writeBulkAuditLine(b *bytes.Buffer, k int, at time.Time) {
	a := bulkActions[k%len(bulkActions)]
	tn := "t-001"
	if len(w.tenants) > 0 {
		tn = w.tenants[(k*7)%len(w.tenants)]
	}
	outcome := "success"
	if k%97 == 0 {
		outcome = "denied"
	}
	fmt.Fprintf(b, `{"type":"audit","action":%q,"outcome":%q,"tenantId":%q,"timestamp":%q,"initiator":%q,"subject":"system:serviceaccount:%s:%s","requestId":"req-%08x"}`+"\n",
		a.action, outcome, tn, at.UTC().Format(time.RFC3339Nano), a.initiator, w.t.Namespace, strings.TrimPrefix(a.initiator, "service/"), k)
}

// orchestratorLog is the orchestrator's log, oldest first: JSON lines with
// the field spellings seen in the wild, plus lines that are not JSON.
func (w *world) orchestratorLog() []logEntry {
	type entry = logEntry
	var es []entry
	add := func(at time.Time, fields map[string]any) {
		b, _ := json.Marshal(fields)
		es = append(es, entry{at, string(b)})
	}
	spell := 0
	event := func(at time.Time, action, outcome, tenant, reason string) {
		f := map[string]any{"type": "audit", "action": action, "outcome": outcome, "initiator": "cronjob/" + w.n.RotationCronJob, "subject": "system:serviceaccount:" + w.t.Namespace + ":" + w.n.OrchestratorSA}
		// three spellings of tenant and time, rotating
		switch spell % 3 {
		case 0:
			f["tenantId"], f["timestamp"] = tenant, at.Format(time.RFC3339Nano)
		case 1:
			f["tenant"], f["time"] = tenant, at.Format(time.RFC3339)
		default:
			f["tenant_id"], f["ts"] = tenant, at.Unix()
		}
		spell++
		if tenant == "" {
			delete(f, "tenantId")
			delete(f, "tenant")
			delete(f, "tenant_id")
		}
		if reason != "" {
			f["reason"] = reason
		}
		add(at, f)
	}
	auditOff := func(r int) bool { return w.sc[AuditMissing] && r <= 2 }
	for r := len(w.runs) - 1; r >= 0; r-- {
		ru := w.runs[r]
		if !auditOff(r) {
			event(ru.start, "cmek.rotation.started", "success", "", "")
		}
		i := 0
		for _, tn := range w.tenants {
			res, ok := ru.tenants[tn]
			if !ok {
				continue
			}
			at := ru.tenantAt(i)
			i++
			if auditOff(r) {
				continue
			}
			if res == "success" {
				event(at, "cmek.rotation.completed", "success", tn, "")
			} else {
				event(at, "cmek.rotation.failed", "failure", tn, res)
			}
		}
		if !auditOff(r) && ru.outcome == "Complete" {
			event(ru.end, "cmek.rotation.batch.completed", "success", "", "")
		}
	}
	// the stale tenants' last success, soon after the pods started: longer
	// ago than the compliance limit (Vault's current version is dated there
	// too: history.go)
	for _, tn := range w.stale {
		event(w.staleSuccessAt(), "cmek.rotation.completed", "success", tn, "")
	}
	// token renewal every 6 h over the last 2 days
	for h := 48; h >= 0; h -= 6 {
		at := w.o.Now.Add(-time.Duration(h) * time.Hour).Add(-7 * time.Minute)
		if w.sc[VaultTokenExpired] && h <= 12 {
			add(at, map[string]any{"level": "error", "component": "VaultTokenRenewal", "msg": "VaultTokenRenewal: token renewal failed: permission denied", "time": at.Format(time.RFC3339)})
		} else {
			add(at, map[string]any{"level": "info", "component": "VaultTokenRenewal", "msg": "VaultTokenRenewal: token renewed", "ttlSeconds": 86400, "time": at.Format(time.RFC3339)})
		}
	}
	if w.sc[RetentionOverflow] {
		for _, tn := range w.overRetention {
			at := w.o.Now.Add(-50 * time.Minute)
			add(at, map[string]any{"level": "warn", "component": "VersionedSecretsManager", "msg": fmt.Sprintf("Version limit exceeded for %s/%s", w.n.KVMount, w.n.TenantPath(tn)), "time": at.Format(time.RFC3339)})
		}
	}
	start := w.o.Now.Add(-podAge)
	es = append(es,
		entry{start, "Server listening on :8080"},
		entry{start.Add(time.Second), `{"level":"info","msg":"Vault client initialised","time":"` + start.Add(time.Second).Format(time.RFC3339) + `"}`},
		entry{w.o.Now.Add(-26 * time.Hour), `{"type":"audit","action":"cmek.rotation.compl`}, // cut off mid-write
	)
	slices.SortStableFunc(es, func(a, b entry) int { return a.at.Compare(b.at) })
	return es
}

// logEntry is one line of a log and the time it was written.
type logEntry struct {
	at   time.Time
	line string
}
