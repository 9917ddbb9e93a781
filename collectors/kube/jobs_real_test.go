package kube

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/config"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/testenv"
)

// waitFor polls cond every 100ms until it holds, failing the test with what
// after timeout.
func waitFor(tb testing.TB, timeout time.Duration, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// rotationCronJob creates the rotation CronJob, suspended (its schedule never
// fires: the tests make its Jobs), with the given pod template.
func rotationCronJob(tb testing.TB, kc kubernetes.Interface, ns string, cfg config.Config, tmpl corev1.PodTemplateSpec) *batchv1.CronJob {
	tb.Helper()
	return suspendedCronJob(tb, kc, ns, cfg.Kubernetes.RotationCronJob, tmpl)
}

// suspendedCronJob creates CronJob name, suspended, with the pod template.
func suspendedCronJob(tb testing.TB, kc kubernetes.Interface, ns, name string, tmpl corev1.PodTemplateSpec) *batchv1.CronJob {
	tb.Helper()
	cj := &batchv1.CronJob{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: batchv1.CronJobSpec{Schedule: "0 2 * * *", Suspend: ptr.To(true), JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{Template: tmpl}}}}
	cj, err := kc.BatchV1().CronJobs(ns).Create(context.Background(), cj, metav1.CreateOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	return cj
}

// jobFrom is a Job of the CronJob (controlled by it) with the CronJob's
// template.
func jobFrom(cj *batchv1.CronJob, name string) *batchv1.Job {
	return &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: cj.Namespace,
		OwnerReferences: []metav1.OwnerReference{{APIVersion: "batch/v1", Kind: "CronJob", Name: cj.Name, UID: cj.UID, Controller: ptr.To(true)}}},
		Spec: *cj.Spec.JobTemplate.Spec.DeepCopy()}
}

func hasJobCondition(j *batchv1.Job, typ batchv1.JobConditionType) bool {
	for _, c := range j.Status.Conditions {
		if c.Type == typ && c.Status == corev1.ConditionTrue {
			return true
		}
	}
	return false
}

// TestCronJobsAndJobs_FailureTargetIsFailed: with the real job controller, a
// rotation Job past its activeDeadlineSeconds whose pod is on a node that
// never confirms its end (the pod stays Terminating, as on a lost node) gets
// FailureTarget=True (DeadlineExceeded) and never Failed. It is read as
// failed, with the reason and the condition's time as its end, not as
// running.
func TestCronJobsAndJobs_FailureTargetIsFailed(t *testing.T) {
	e := testenv.Get(t)
	e.ControllerManager(t)
	ns := e.Namespace(t)
	ctx := context.Background()
	kc := e.Kube.Client
	cfg := config.Default()
	cj := rotationCronJob(t, kc, ns, cfg, corev1.PodTemplateSpec{Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever,
		Containers: []corev1.Container{{Name: "rotate", Image: "rotate"}}}})
	job := jobFrom(cj, "cmek-rotation-lost-node")
	job.Spec.ActiveDeadlineSeconds = ptr.To[int64](3)
	job.Spec.BackoffLimit = ptr.To[int32](0)
	if _, err := kc.BatchV1().Jobs(ns).Create(ctx, job, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// bind the job controller's pod to the harness node, whose kubelet (no
	// RunKubelet here) never ends it: deleted, it stays Terminating
	var pod string
	waitFor(t, 10*time.Second, "the Job's pod", func() bool {
		pods, err := kc.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "batch.kubernetes.io/job-name=" + job.Name})
		if err != nil || len(pods.Items) == 0 {
			return false
		}
		pod = pods.Items[0].Name
		return true
	})
	if err := kc.CoreV1().Pods(ns).Bind(ctx, &corev1.Binding{ObjectMeta: metav1.ObjectMeta{Name: pod, Namespace: ns},
		Target: corev1.ObjectReference{Kind: "Node", Name: e.Kube.NodeName}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = kc.CoreV1().Pods(ns).Delete(context.Background(), pod, metav1.DeleteOptions{GracePeriodSeconds: ptr.To[int64](0)})
	})
	var got *batchv1.Job
	waitFor(t, 30*time.Second, "FailureTarget on the Job", func() bool {
		j, err := kc.BatchV1().Jobs(ns).Get(ctx, job.Name, metav1.GetOptions{})
		got = j
		return err == nil && hasJobCondition(j, batchv1.JobFailureTarget)
	})
	// the server's state is the one the finding is about: no Failed, the
	// pod Terminating
	time.Sleep(time.Second)
	if got, err := kc.BatchV1().Jobs(ns).Get(ctx, job.Name, metav1.GetOptions{}); err != nil || hasJobCondition(got, batchv1.JobFailed) || got.Status.CompletionTime != nil {
		t.Fatalf("job %+v (%v): want FailureTarget without Failed or completionTime", got.Status, err)
	}
	if p, err := kc.CoreV1().Pods(ns).Get(ctx, pod, metav1.GetOptions{}); err != nil || p.DeletionTimestamp == nil {
		t.Fatalf("pod %s (%v): want it Terminating", pod, err)
	}
	var target batchv1.JobCondition
	for _, c := range got.Status.Conditions {
		if c.Type == batchv1.JobFailureTarget {
			target = c
		}
	}

	c := newCollector(clients{Kube: kc}, collectors.Env{Config: cfg, Namespace: ns})
	_, jobs, probs := c.cronJobsAndJobs(ctx)
	if len(probs) > 0 {
		t.Fatalf("problems %+v", probs)
	}
	if len(jobs) != 1 {
		t.Fatalf("jobs %+v", jobs)
	}
	j := jobs[0]
	if j.Outcome != collectors.OutcomeFailed || j.Reason != "DeadlineExceeded" || j.Message != target.Message || j.Finished == nil || !j.Finished.Equal(target.LastTransitionTime.UTC()) {
		t.Errorf("job outcome %q reason %q message %q finished %v, want failed DeadlineExceeded %q at %v",
			j.Outcome, j.Reason, j.Message, j.Finished, target.Message, target.LastTransitionTime.UTC())
	}
	if len(j.Pods) != 1 || !j.Pods[0].Terminating {
		t.Errorf("pods %+v, want the one Terminating", j.Pods)
	}
}

// TestCronJobsAndJobs_RetriedJobReadsTheRunThatSucceeded: with the real job
// controller and the harness kubelet, a rotation Job whose first pod fails
// ("Failed to rotate key for tenant t-042") and whose retry succeeds is
// Complete 1/1; its log is read from the pod that succeeded, so the first
// attempt's failure does not make the run look failed.
func TestCronJobsAndJobs_RetriedJobReadsTheRunThatSucceeded(t *testing.T) {
	e := testenv.Get(t)
	e.ControllerManager(t)
	ns := e.Namespace(t)
	ctx := context.Background()
	kc := e.Kube.Client
	cfg := config.Default()
	runs := 0 // the harness kubelet asks from one goroutine
	stop := e.Kube.RunKubelet(ns, func(*corev1.Pod) testenv.PodOutcome {
		runs++
		if runs == 1 {
			return testenv.PodOutcome{ExitCode: 1, Log: "2026-12-01T02:00:01Z INFO rotating 3 tenants\n2026-12-01T02:00:02Z ERROR Failed to rotate key for tenant t-042: connection reset\n"}
		}
		return testenv.PodOutcome{Log: "2026-12-01T02:00:15Z INFO rotating 3 tenants\n2026-12-01T02:00:16Z INFO rotated 3 tenants\n"}
	})
	defer stop()
	cj := rotationCronJob(t, kc, ns, cfg, corev1.PodTemplateSpec{Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever,
		Containers: []corev1.Container{{Name: "rotate", Image: "rotate"}}}})
	job := jobFrom(cj, "cmek-rotation-retried")
	job.Spec.BackoffLimit = ptr.To[int32](2)
	if _, err := kc.BatchV1().Jobs(ns).Create(ctx, job, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// the job controller waits 10s before the retry
	waitFor(t, 60*time.Second, "the Job Complete after a failed pod", func() bool {
		j, err := kc.BatchV1().Jobs(ns).Get(ctx, job.Name, metav1.GetOptions{})
		return err == nil && hasJobCondition(j, batchv1.JobComplete) && j.Status.Failed == 1 && j.Status.Succeeded == 1
	})

	c := newCollector(clients{Kube: kc}, collectors.Env{Config: cfg, Namespace: ns})
	_, jobs, probs := c.cronJobsAndJobs(ctx)
	if len(probs) > 0 {
		t.Fatalf("problems %+v", probs)
	}
	if len(jobs) != 1 || jobs[0].Outcome != collectors.OutcomeSucceeded || len(jobs[0].Pods) != 2 {
		t.Fatalf("jobs %+v, want the one succeeded with two pods", jobs)
	}
	j := jobs[0]
	var succeeded string
	for _, p := range j.Pods {
		if p.Phase == string(corev1.PodSucceeded) {
			succeeded = p.Name
		}
	}
	if j.Log == nil || j.Log.Error != "" || j.Log.Pod != succeeded || j.Log.Container != "rotate" {
		t.Fatalf("log %+v, want pod %s's (the one that succeeded)", j.Log, succeeded)
	}
	if len(j.Log.Matches) != 0 || len(j.Log.Lines) != 2 || j.Log.Lines[1] != "2026-12-01T02:00:16Z INFO rotated 3 tenants" {
		t.Errorf("log lines %q matches %+v, want the successful run's", j.Log.Lines, j.Log.Matches)
	}
}

// TestCronJobsAndJobs_LogOfTheRightContainer: through the real API server
// and the harness kubelet, a rotation Job's pod with an istio-proxy sidecar,
// its statuses in name order as the kubelet writes them (istio-proxy
// first), is read from the rotation container: the one the
// default-container annotation names, the one that failed, or the first in
// spec order; its containers are kept in spec order.
func TestCronJobsAndJobs_LogOfTheRightContainer(t *testing.T) {
	e := testenv.Get(t)
	tests := map[string]struct {
		spec  []string
		ann   string
		exits map[string]int32
		phase corev1.PodPhase
	}{
		"spec order":         {spec: []string{"rotate", "istio-proxy"}, exits: map[string]int32{"rotate": 0, "istio-proxy": 0}, phase: corev1.PodSucceeded},
		"default-container":  {spec: []string{"istio-proxy", "rotate"}, ann: "rotate", exits: map[string]int32{"rotate": 0, "istio-proxy": 0}, phase: corev1.PodSucceeded},
		"the failed one":     {spec: []string{"istio-proxy", "rotate"}, exits: map[string]int32{"rotate": 1, "istio-proxy": 0}, phase: corev1.PodFailed},
		"failed, spec order": {spec: []string{"rotate", "istio-proxy"}, exits: map[string]int32{"rotate": 1}, phase: corev1.PodRunning},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			ns := e.Namespace(t)
			ctx := context.Background()
			kc := e.Kube.Client
			cfg := config.Default()
			var tmpl corev1.PodTemplateSpec
			tmpl.Spec.RestartPolicy = corev1.RestartPolicyNever
			for _, n := range tt.spec {
				tmpl.Spec.Containers = append(tmpl.Spec.Containers, corev1.Container{Name: n, Image: n})
			}
			if tt.ann != "" {
				tmpl.Annotations = map[string]string{DefaultContainerAnnotation: tt.ann}
			}
			cj := rotationCronJob(t, kc, ns, cfg, tmpl)
			job := jobFrom(cj, "cmek-rotation-sidecar")
			job.Spec.Suspend = ptr.To(true) // the job controller, if running, makes no pod of its own
			if _, err := kc.BatchV1().Jobs(ns).Create(ctx, job, metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
			pod := sidecarPod(tt.spec, tt.exits, tt.ann)
			pod.Namespace, pod.Name = ns, job.Name+"-abcde"
			pod.Labels = map[string]string{"batch.kubernetes.io/job-name": job.Name}
			pod.Spec.NodeName = e.Kube.NodeName
			st := pod.Status
			created, err := kc.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{})
			if err != nil {
				t.Fatal(err)
			}
			st.Phase = tt.phase
			created.Status = st
			if _, err := kc.CoreV1().Pods(ns).UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
				t.Fatal(err)
			}
			for _, n := range tt.spec {
				e.Kube.Logs.Set(ns, pod.Name, n, []byte("log of "+n+"\n"))
			}

			c := newCollector(clients{Kube: kc}, collectors.Env{Config: cfg, Namespace: ns})
			_, jobs, probs := c.cronJobsAndJobs(ctx)
			if len(probs) > 0 {
				t.Fatalf("problems %+v", probs)
			}
			if len(jobs) != 1 || len(jobs[0].Pods) != 1 || jobs[0].Log == nil {
				t.Fatalf("jobs %+v", jobs)
			}
			lt := jobs[0].Log
			if lt.Error != "" || lt.Container != "rotate" || lt.Pod != pod.Name || strings.Join(lt.Lines, "|") != "log of rotate" {
				t.Errorf("log %+v, want rotate's", lt)
			}
			var order []string
			for _, c := range jobs[0].Pods[0].Containers {
				order = append(order, c.Name)
			}
			if strings.Join(order, ",") != strings.Join(tt.spec, ",") {
				t.Errorf("containers %v, want spec order %v", order, tt.spec)
			}
		})
	}
}

// TestCollect_APIPathNotServed: the real kube-apiserver answers a path it
// does not serve (here: below a prefix, as a wrong server URL in a
// kubeconfig gives) with 404 "404 page not found", no Status: the read
// fails, naming the server and that answer, instead of reading as an empty
// namespace. A namespace that does not exist still lists as empty (200)
// and its CronJobs as not found: nothing found, no problem.
func TestCollect_APIPathNotServed(t *testing.T) {
	e := testenv.Get(t)
	ctx := context.Background()
	cfg := config.Default()

	t.Run("not served", func(t *testing.T) {
		rc := rest.CopyConfig(e.Kube.Config)
		rc.Host = strings.TrimSuffix(rc.Host, "/") + "/no-such-prefix"
		kc, err := kubernetes.NewForConfig(rc)
		if err != nil {
			t.Fatal(err)
		}
		p := (&Source{Kube: kc}).Collect(ctx, collectors.Env{Config: cfg, Namespace: "default"})
		if p.Status.State != collectors.StateError {
			t.Errorf("state %s, want error (problems %+v)", p.Status.State, p.Status.Problems)
		}
		want := "the server at " + rc.Host + ` answered 404 Not Found ("404 page not found")`
		for _, cj := range p.Kubernetes.CronJobs {
			if cj.Found || !strings.Contains(cj.Error, want) {
				t.Errorf("cronjob %s: found %t error %q, want it to hold %q", cj.Name, cj.Found, cj.Error, want)
			}
		}
	})

	t.Run("no such namespace", func(t *testing.T) {
		p := (&Source{Kube: e.Kube.Client}).Collect(ctx, collectors.Env{Config: cfg, Namespace: "no-such-namespace"})
		if p.Status.State != collectors.StateOK || len(p.Status.Problems) > 0 {
			t.Fatalf("status %+v, want ok: nothing found is no error", p.Status)
		}
		for _, cj := range p.Kubernetes.CronJobs {
			if cj.Found || cj.Error != "" {
				t.Errorf("cronjob %+v, want not found", cj)
			}
		}
		if len(p.Kubernetes.Jobs) != 0 || p.Kubernetes.Orchestrator == nil || p.Kubernetes.Orchestrator.Found || p.Kubernetes.Orchestrator.Error != "" {
			t.Errorf("jobs %+v orchestrator %+v, want nothing found", p.Kubernetes.Jobs, p.Kubernetes.Orchestrator)
		}
	})
}

// TestLogTail_KubeletHangs: through the real API server, a pod on a node
// whose kubelet accepts the log request and never answers: the read times
// out, and the error names that node's kubelet (the API server proxies
// pods/log to it), not only the API server.
func TestLogTail_KubeletHangs(t *testing.T) {
	e := testenv.Get(t)
	ns := e.Namespace(t)
	ctx := context.Background()
	kc := e.Kube.Client
	release := make(chan struct{})
	kubelet := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select { // hangs: the kubelet of a node in trouble
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer kubelet.Close()
	defer close(release)
	port, err := strconv.Atoi(kubelet.URL[strings.LastIndex(kubelet.URL, ":")+1:])
	if err != nil {
		t.Fatal(err)
	}
	nodeName := "hung-kubelet-" + ns
	node, err := kc.CoreV1().Nodes().Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: nodeName}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = kc.CoreV1().Nodes().Delete(context.Background(), nodeName, metav1.DeleteOptions{}) })
	node.Status = corev1.NodeStatus{
		Addresses:       []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "127.0.0.1"}},
		DaemonEndpoints: corev1.NodeDaemonEndpoints{KubeletEndpoint: corev1.DaemonEndpoint{Port: int32(port)}},
	}
	if _, err := kc.CoreV1().Nodes().UpdateStatus(ctx, node, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "rot-hung", Namespace: ns},
		Spec: corev1.PodSpec{NodeName: nodeName, Containers: []corev1.Container{{Name: "rotate", Image: "x"}}}}
	if _, err := kc.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = kc.CoreV1().Pods(ns).Delete(context.Background(), pod.Name, metav1.DeleteOptions{GracePeriodSeconds: ptr.To[int64](0)})
	})

	rc := rest.CopyConfig(e.Kube.Config)
	rc.Timeout = 2 * time.Second // --request-timeout
	short, err := kubernetes.NewForConfig(rc)
	if err != nil {
		t.Fatal(err)
	}
	c := newCollector(clients{Kube: short}, collectors.Env{Config: config.Default(), Namespace: ns})
	start := time.Now()
	lt := c.logTail(ctx, pod.Name, nodeName, "rotate")
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("the read took %s, want it cut by the 2s request timeout", took)
	}
	for _, w := range []string{"read log of pod rot-hung: no answer in time", "the API server proxies pods/log to the kubelet on node " + nodeName, "kubectl get node " + nodeName, "--request-timeout"} {
		if !strings.Contains(lt.Error, w) {
			t.Errorf("error %q, want it to hold %q", lt.Error, w)
		}
	}
	if len(lt.Lines) > 0 || lt.Searched > 0 {
		t.Errorf("log %+v, want nothing read", lt)
	}
}

// TestCollect_SimilarCronJobs: on the real API server, the namespace's
// CronJobs whose names contain a runbook CronJob's (cmek-rotation-eu, as
// the runbook's grep lists them) are read with their status, the
// configured ones and unrelated ones left out; a user that cannot list
// CronJobs leaves them unread, a problem of the source, not "none".
func TestCollect_SimilarCronJobs(t *testing.T) {
	e := testenv.Get(t)
	ns := e.Namespace(t)
	ctx := context.Background()
	kc := e.Kube.Client
	cfg := config.Default()
	tmpl := corev1.PodTemplateSpec{Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever, Containers: []corev1.Container{{Name: "rotate", Image: "rotate"}}}}
	rotationCronJob(t, kc, ns, cfg, tmpl)
	for _, name := range []string{"cmek-rotation-eu", "nightly-secret-cleanup", "backup"} {
		cj := &batchv1.CronJob{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
			Spec: batchv1.CronJobSpec{Schedule: "0 3 * * *", Suspend: ptr.To(true), JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{Template: tmpl}}}}
		cj, err := kc.BatchV1().CronJobs(ns).Create(ctx, cj, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if name == "cmek-rotation-eu" {
			cj.Status.LastScheduleTime = &metav1.Time{Time: time.Now().Add(-time.Hour).Truncate(time.Second)}
			if _, err := kc.BatchV1().CronJobs(ns).UpdateStatus(ctx, cj, metav1.UpdateOptions{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	d, st := newCollector(clients{Kube: kc}, collectors.Env{Config: cfg, Namespace: ns}).collectKubernetes(ctx)
	if d == nil {
		t.Fatalf("no data: %+v", st)
	}
	var got []string
	for _, s := range d.Similar {
		got = append(got, s.Name+"~"+s.Like)
		if s.Name == "cmek-rotation-eu" && (s.LastScheduleTime == nil || s.LastSuccessfulTime != nil || !s.Suspend) {
			t.Errorf("cmek-rotation-eu %+v: want its status (scheduled an hour ago, never succeeded, suspended)", s)
		}
	}
	if strings.Join(got, ",") != "cmek-rotation-eu~cmek-rotation,nightly-secret-cleanup~secret-cleanup" {
		t.Errorf("similar %v", got)
	}

	// a user that may get but not list CronJobs
	user := "no-list-" + ns
	role := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: user, Namespace: ns}, Rules: []rbacv1.PolicyRule{
		{APIGroups: []string{"batch"}, Resources: []string{"cronjobs"}, Verbs: []string{"get"}},
		{APIGroups: []string{"batch"}, Resources: []string{"jobs"}, Verbs: []string{"get", "list"}},
	}}
	if _, err := kc.RbacV1().Roles(ns).Create(ctx, role, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	rb := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: user, Namespace: ns},
		RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: user},
		Subjects: []rbacv1.Subject{{Kind: "User", APIGroup: "rbac.authorization.k8s.io", Name: user}}}
	if _, err := kc.RbacV1().RoleBindings(ns).Create(ctx, rb, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	rc, _, err := e.Kube.AddUser(user, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	ukc, err := kubernetes.NewForConfig(rc)
	if err != nil {
		t.Fatal(err)
	}
	d, st = newCollector(clients{Kube: ukc}, collectors.Env{Config: cfg, Namespace: ns}).collectKubernetes(ctx)
	var prob string
	for _, p := range st.Problems {
		if p.Part == "cronjobs" {
			prob = p.Error
		}
	}
	if d == nil || d.Similar != nil || !strings.Contains(prob, "forbidden") {
		t.Errorf("similar %v, problem %q: want unread, a forbidden problem", d, prob)
	}
}

// TestCollect_CronJobSpecChanged: through the real API server, the time the
// CronJob itself was last written comes from its managedFields, and a
// status write (the CronJob controller's) does not move it: runs its
// schedule names before an edit were not due.
func TestCollect_CronJobSpecChanged(t *testing.T) {
	e := testenv.Get(t)
	ns := e.Namespace(t)
	ctx := context.Background()
	kc := e.Kube.Client
	cfg := config.Default()
	cj := rotationCronJob(t, kc, ns, cfg, corev1.PodTemplateSpec{Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever, Containers: []corev1.Container{{Name: "rotate", Image: "rotate"}}}})
	created := cj.CreationTimestamp.Time
	time.Sleep(1100 * time.Millisecond) // managedFields times are in seconds
	cj.Status.LastScheduleTime = &metav1.Time{Time: time.Now().Truncate(time.Second)}
	if _, err := kc.BatchV1().CronJobs(ns).UpdateStatus(ctx, cj, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	read := func() *collectors.CronJob {
		d, st := newCollector(clients{Kube: kc}, collectors.Env{Config: cfg, Namespace: ns}).collectKubernetes(ctx)
		if d == nil {
			t.Fatalf("no data: %+v", st)
		}
		return d.CronJobOf(collectors.RoleRotation)
	}
	if got := read(); got == nil || got.SpecChanged == nil || got.SpecChanged.Sub(created).Abs() > time.Second {
		t.Fatalf("spec changed %v, want its creation %s: a status write is not the spec's", got.SpecChanged, created)
	}
	time.Sleep(1100 * time.Millisecond)
	edited := time.Now()
	if _, err := kc.BatchV1().CronJobs(ns).Patch(ctx, cj.Name, types.MergePatchType, []byte(`{"spec":{"schedule":"* * * * *"}}`), metav1.PatchOptions{FieldManager: "kubectl-patch"}); err != nil {
		t.Fatal(err)
	}
	if got := read(); got.SpecChanged == nil || got.SpecChanged.Before(edited.Add(-time.Second)) {
		t.Errorf("spec changed %v, want the schedule's edit at %s", got.SpecChanged, edited.Format(time.RFC3339))
	}
}

// TestCronJobsAndJobs_RealCleanupBeforeADryRun: with the real job
// controller and the harness kubelet, a real cleanup run followed by a dry
// run (DRY_RUN=true on that Job): the real run's log is read too, since it
// is the one the triage judges (N8: "no log was read for Job x2").
func TestCronJobsAndJobs_RealCleanupBeforeADryRun(t *testing.T) {
	e := testenv.Get(t)
	e.ControllerManager(t)
	ns := e.Namespace(t)
	ctx := context.Background()
	kc := e.Kube.Client
	cfg := config.Default()
	stop := e.Kube.RunKubelet(ns, func(p *corev1.Pod) testenv.PodOutcome {
		return testenv.PodOutcome{Log: "Checked 48 secrets, destroyed 0 versions in 0 secrets\nCleanup complete (" + p.Name + ")\n"}
	})
	defer stop()
	tmpl := corev1.PodTemplateSpec{Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever,
		Containers: []corev1.Container{{Name: "cleanup", Image: "cleanup", Env: []corev1.EnvVar{{Name: "DRY_RUN", Value: "false"}}}}}}
	cj := suspendedCronJob(t, kc, ns, cfg.Kubernetes.CleanupCronJob, tmpl)
	for i, name := range []string{"x2", "x3"} {
		job := jobFrom(cj, name)
		if i == 1 {
			job.Spec.Template.Spec.Containers[0].Env[0].Value = "true"
		}
		if _, err := kc.BatchV1().Jobs(ns).Create(ctx, job, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 60*time.Second, "Job "+name+" Complete", func() bool {
			j, err := kc.BatchV1().Jobs(ns).Get(ctx, name, metav1.GetOptions{})
			return err == nil && hasJobCondition(j, batchv1.JobComplete)
		})
		time.Sleep(1100 * time.Millisecond) // x3 is newer by its creation time
	}
	_, jobs, probs := newCollector(clients{Kube: kc}, collectors.Env{Config: cfg, Namespace: ns}).cronJobsAndJobs(ctx)
	if len(probs) > 0 {
		t.Fatalf("problems %+v", probs)
	}
	logs := map[string]bool{}
	for _, j := range jobs {
		logs[j.Name] = j.Log != nil && j.Log.Error == "" && len(j.Log.Lines) == 2
	}
	if len(jobs) != 2 || jobs[0].Name != "x3" || !logs["x3"] || !logs["x2"] {
		t.Errorf("jobs %d, newest %s, logs read %v: want both logs, the real run x2's too", len(jobs), jobs[0].Name, logs)
	}
}
