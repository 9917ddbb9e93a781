package lab

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

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
			SuccessfulJobsHistoryLimit: ptr.To[int32](historyRuns),
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
			SuccessfulJobsHistoryLimit: ptr.To[int32](historyRuns),
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

// seedJobs creates the recorded history: Jobs owned by the CronJobs with
// their final status, their pods on the lab node with exit codes, the pods'
// logs, and the warning Events the job controller would have recorded.
func (w *world) seedJobs(ctx context.Context) error {
	c, ns := w.t.Kube, w.t.Namespace
	for _, name := range []string{w.n.RotationCronJob, w.n.CleanupCronJob} {
		cj, err := c.BatchV1().CronJobs(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return fmt.Errorf("get cronjob %s: %w", name, err)
		}
		runs, container := w.runs, "rotate"
		if name == w.n.CleanupCronJob {
			runs, container = w.cleanups, "cleanup"
		}
		// oldest first, so creation order matches history
		for i := len(runs) - 1; i >= 0; i-- {
			if err := w.seedJob(ctx, cj, runs[i], container); err != nil {
				return err
			}
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

// seedOrchestratorPods creates the orchestrator's two pods (running on the
// lab node, labelled as the security component) and their log: JSON audit
// events of every rotation run, VaultTokenRenewal lines, and the plain and
// broken lines a real log has.
func (w *world) seedOrchestratorPods(ctx context.Context) error {
	c, ns := w.t.Kube, w.t.Namespace
	lines := w.orchestratorLog()
	// the two replicas split the events; each gets the renewal lines
	halves := [2][]string{}
	for i, l := range lines {
		halves[i%2] = append(halves[i%2], l)
	}
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
		started := metav1.NewTime(w.o.Now.AddDate(0, 0, -9))
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
		w.t.Logs.Set(ns, name, "orchestrator", []byte(strings.Join(halves[i], "\n")+"\n"))
	}
	if _, err := c.AppsV1().Deployments(ns).Patch(ctx, dep.Name, types.MergePatchType, []byte(`{"spec":{"paused":false}}`), metav1.PatchOptions{}); err != nil {
		return fmt.Errorf("resume deployment %s: %w", dep.Name, err)
	}
	return nil
}

// orchestratorLog is the orchestrator's log, oldest first: JSON lines with
// the field spellings seen in the wild, plus lines that are not JSON.
func (w *world) orchestratorLog() []string {
	type entry struct {
		at   time.Time
		line string
	}
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
			at := ru.start.Add(time.Duration(i+1) * 4 * time.Second)
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
	// the stale tenants' last success, weeks ago
	for _, tn := range w.stale {
		event(lastAt(w.o.Now, rotationHour, rotationMinute).AddDate(0, 0, -23).Add(90*time.Second), "cmek.rotation.completed", "success", tn, "")
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
	start := w.o.Now.AddDate(0, 0, -9)
	es = append(es,
		entry{start, "Server listening on :8080"},
		entry{start.Add(time.Second), `{"level":"info","msg":"Vault client initialised","time":"` + start.Add(time.Second).Format(time.RFC3339) + `"}`},
		entry{w.o.Now.Add(-26 * time.Hour), `{"type":"audit","action":"cmek.rotation.compl`}, // cut off mid-write
	)
	slices.SortStableFunc(es, func(a, b entry) int { return a.at.Compare(b.at) })
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.line
	}
	return out
}
