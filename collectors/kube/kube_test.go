package kube

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/config"
)

// TestJobOf_EndConditions: the conditions the job controller (Kubernetes
// 1.31 and later) sets before Failed and Complete, while the Job's pods
// terminate, end the Job: FailureTarget is a failure, SuccessCriteriaMet a
// success, with their reason, message and time when there is no
// completionTime. A pod on a lost node can keep Failed from ever coming.
func TestJobOf_EndConditions(t *testing.T) {
	at := metav1.NewTime(podT0.Add(10 * time.Minute))
	later := metav1.NewTime(podT0.Add(12 * time.Minute))
	done := metav1.NewTime(podT0.Add(11 * time.Minute))
	cond := func(typ batchv1.JobConditionType, st corev1.ConditionStatus, reason string, t metav1.Time) batchv1.JobCondition {
		return batchv1.JobCondition{Type: typ, Status: st, Reason: reason, Message: reason + " message", LastTransitionTime: t}
	}
	tests := map[string]struct {
		conds      []batchv1.JobCondition
		completion *metav1.Time
		outcome    string
		reason     string
		finished   *metav1.Time
	}{
		"FailureTarget alone (pods still terminating)": {
			conds:   []batchv1.JobCondition{cond(batchv1.JobFailureTarget, corev1.ConditionTrue, "DeadlineExceeded", at)},
			outcome: collectors.OutcomeFailed, reason: "DeadlineExceeded", finished: &at,
		},
		"FailureTarget then Failed: Failed's time": {
			conds: []batchv1.JobCondition{cond(batchv1.JobFailureTarget, corev1.ConditionTrue, "BackoffLimitExceeded", at),
				cond(batchv1.JobFailed, corev1.ConditionTrue, "BackoffLimitExceeded", later)},
			outcome: collectors.OutcomeFailed, reason: "BackoffLimitExceeded", finished: &later,
		},
		"FailureTarget False is no failure": {
			conds:   []batchv1.JobCondition{cond(batchv1.JobFailureTarget, corev1.ConditionFalse, "DeadlineExceeded", at)},
			outcome: collectors.OutcomeRunning,
		},
		"SuccessCriteriaMet alone": {
			conds:   []batchv1.JobCondition{cond(batchv1.JobSuccessCriteriaMet, corev1.ConditionTrue, "SuccessPolicy", at)},
			outcome: collectors.OutcomeSucceeded, reason: "SuccessPolicy", finished: &at,
		},
		"SuccessCriteriaMet then Complete: the completion time": {
			conds: []batchv1.JobCondition{cond(batchv1.JobSuccessCriteriaMet, corev1.ConditionTrue, "CompletionsReached", at),
				cond(batchv1.JobComplete, corev1.ConditionTrue, "CompletionsReached", later)},
			completion: &done,
			outcome:    collectors.OutcomeSucceeded, reason: "CompletionsReached", finished: &done,
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			j := &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Name: "cmek-rotation-1"},
				Status: batchv1.JobStatus{Conditions: tt.conds, CompletionTime: tt.completion, StartTime: &metav1.Time{Time: podT0}}}
			got := jobOf(j, collectors.CronJob{Name: "cmek-rotation", Role: collectors.RoleRotation})
			if got.Outcome != tt.outcome || got.Reason != tt.reason {
				t.Errorf("outcome %q reason %q, want %q %q", got.Outcome, got.Reason, tt.outcome, tt.reason)
			}
			if tt.reason != "" && got.Message != tt.reason+" message" {
				t.Errorf("message %q", got.Message)
			}
			switch {
			case tt.finished == nil && got.Finished != nil:
				t.Errorf("finished %v, want none", got.Finished)
			case tt.finished != nil && (got.Finished == nil || !got.Finished.Equal(tt.finished.Time)):
				t.Errorf("finished %v, want %v", got.Finished, tt.finished.Time)
			}
		})
	}
}

// TestPickLogPod: the log read is the one of the run that counts: for a Job
// that succeeded on a retry its newest succeeded pod, not the failed first
// attempt's; for a failed Job its newest failed pod; else the newest.
func TestPickLogPod(t *testing.T) {
	pods := func(phases ...corev1.PodPhase) []collectors.Pod { // newest first
		var out []collectors.Pod
		for i, ph := range phases {
			out = append(out, collectors.Pod{Name: fmt.Sprintf("p%d", i), Phase: string(ph)})
		}
		return out
	}
	tests := map[string]struct {
		outcome string
		pods    []collectors.Pod
		want    string
	}{
		"succeeded on a retry":                                {collectors.OutcomeSucceeded, pods(corev1.PodSucceeded, corev1.PodFailed), "p0"},
		"succeeded, a newer failed pod too (completions > 1)": {collectors.OutcomeSucceeded, pods(corev1.PodFailed, corev1.PodSucceeded, corev1.PodSucceeded), "p1"},
		"succeeded, its pods gone but a failed one":           {collectors.OutcomeSucceeded, pods(corev1.PodFailed), "p0"},
		"failed: the newest failed pod":                       {collectors.OutcomeFailed, pods(corev1.PodPending, corev1.PodFailed, corev1.PodFailed), "p1"},
		"running after a failure: the failed pod":             {collectors.OutcomeRunning, pods(corev1.PodRunning, corev1.PodFailed), "p1"},
		"running: the newest":                                 {collectors.OutcomeRunning, pods(corev1.PodRunning, corev1.PodSucceeded), "p0"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if got := pickLogPod(tt.outcome, tt.pods); got.Name != tt.want {
				t.Errorf("pickLogPod = %s, want %s", got.Name, tt.want)
			}
		})
	}
}

// sidecarPod is a Job pod whose containers are spec (in that order) and
// whose statuses are in name order, as the kubelet writes them: each
// container terminated with its exit code in exits (absent: running).
func sidecarPod(spec []string, exits map[string]int32, ann string) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns"}}
	if ann != "" {
		p.Annotations = map[string]string{DefaultContainerAnnotation: ann}
	}
	for _, n := range spec {
		p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: n, Image: n + ":1"})
	}
	names := slices.Sorted(slices.Values(spec))
	for _, n := range names {
		st := corev1.ContainerStatus{Name: n, Image: n + ":1", State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}
		if code, ok := exits[n]; ok {
			st.State = terminated(code, "Error", "")
		}
		p.Status.ContainerStatuses = append(p.Status.ContainerStatuses, st)
	}
	return p
}

// TestLogContainer: the container whose log is read is chosen as kubectl
// logs chooses it, never by the kubelet's name-sorted statuses (an
// istio-proxy sidecar sorts before rotate): the default-container
// annotation when it names a container, else the one container that
// failed, else the first in spec order.
func TestLogContainer(t *testing.T) {
	tmpl := podTemplate{containers: []string{"rotate", "istio-proxy"}}
	tests := map[string]struct {
		pod  *corev1.Pod
		tmpl podTemplate
		want string
	}{
		"spec order, not status order": {sidecarPod([]string{"rotate", "istio-proxy"}, nil, ""), tmpl, "rotate"},
		"the annotation":               {sidecarPod([]string{"istio-proxy", "rotate"}, nil, "rotate"), tmpl, "rotate"},
		"the annotation over a failed container": {
			sidecarPod([]string{"istio-proxy", "rotate"}, map[string]int32{"istio-proxy": 137, "rotate": 0}, "rotate"), tmpl, "rotate"},
		"the template's annotation": {sidecarPod([]string{"istio-proxy", "rotate"}, nil, ""),
			podTemplate{containers: []string{"istio-proxy", "rotate"}, defaultContainer: "rotate"}, "rotate"},
		"an annotation naming no container is ignored": {sidecarPod([]string{"rotate", "istio-proxy"}, nil, "rotator"), tmpl, "rotate"},
		"the one that failed": {
			sidecarPod([]string{"istio-proxy", "rotate"}, map[string]int32{"rotate": 1}, ""), tmpl, "rotate"},
		"two failed: the first in spec order": {
			sidecarPod([]string{"rotate", "istio-proxy"}, map[string]int32{"rotate": 1, "istio-proxy": 143}, ""), tmpl, "rotate"},
		"no containers in the pod: the template's first": {&corev1.Pod{}, tmpl, "rotate"},
		"none at all": {&corev1.Pod{}, podTemplate{}, ""},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if got := logContainer(tt.pod, tt.tmpl); got != tt.want {
				t.Errorf("logContainer = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestPodOf_ContainersInSpecOrder: the pod's containers are kept in spec
// order, each with its own status (matched by name), whatever the order of
// the statuses; one without a status waits with the pod's phase.
func TestPodOf_ContainersInSpecOrder(t *testing.T) {
	p := sidecarPod([]string{"rotate", "istio-proxy", "vault-agent"}, map[string]int32{"rotate": 1}, "")
	p.Status.Phase = corev1.PodRunning
	p.Status.ContainerStatuses = p.Status.ContainerStatuses[:2] // istio-proxy, rotate: vault-agent has none yet
	got := podOf(p)
	var order []string
	for _, c := range got.Containers {
		order = append(order, c.Name+":"+c.State)
	}
	if want := "rotate:terminated,istio-proxy:running,vault-agent:waiting"; strings.Join(order, ",") != want {
		t.Fatalf("containers %s, want %s", strings.Join(order, ","), want)
	}
	if c := got.Containers[0]; c.ExitCode == nil || *c.ExitCode != 1 || c.Image != "rotate:1" {
		t.Errorf("rotate = %+v, want its own status (exit 1)", c)
	}
	if c := got.Containers[2]; c.Reason != "Running" || c.Image != "vault-agent:1" {
		t.Errorf("vault-agent = %+v", c)
	}
}

// TestNotServed: a 404 is the object's absence only when it is a Kubernetes
// Status naming the object; a 404 whose body is no Status (client-go keeps
// it as an "unexpected server response"), or one naming no object, says the
// API path is not served, and is worded so, naming the server and what it
// answered.
func TestNotServed(t *testing.T) {
	gr := schema.GroupResource{Group: "batch", Resource: "cronjobs"}
	tests := map[string]struct {
		err     error
		missing bool
		want    string // "" when not a notServed error
	}{
		"the object is missing": {err: apierrors.NewNotFound(gr, "cmek-rotation"), missing: true},
		"a page, not a Status": {
			err:  apierrors.NewGenericServerResponse(404, "GET", gr, "cmek-rotation", "404 page not found", 0, true),
			want: `get cronjob cmek-rotation: the server at https://10.0.0.1:443 answered 404 Not Found ("404 page not found") where a Kubernetes API server serves batch/v1 cronjobs: it is not a Kubernetes API server, or it does not serve batch/v1 cronjobs; check the cluster's server URL for --context and --kubeconfig`,
		},
		"a Status naming no object": {
			err:  &apierrors.StatusError{ErrStatus: metav1.Status{Status: metav1.StatusFailure, Code: 404, Reason: metav1.StatusReasonNotFound, Message: "the server could not find the requested resource"}},
			want: `("the server could not find the requested resource")`,
		},
		"a long HTML page is cut": {
			err:  apierrors.NewGenericServerResponse(404, "GET", gr, "", "<html>\n<head><title>404 Not Found</title></head>\n<body>"+strings.Repeat("x", 300)+"</body></html>", 0, true),
			want: `("<html> <head><title>404 Not Found</title></head> <body>xxx`,
		},
		"forbidden is no 404": {err: apierrors.NewForbidden(gr, "x", fmt.Errorf("no"))},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if got := objectMissing(tt.err); got != tt.missing {
				t.Errorf("objectMissing = %t, want %t", got, tt.missing)
			}
			got, ok := notServed("get cronjob cmek-rotation", "https://10.0.0.1:443", "batch/v1 cronjobs", tt.err)
			if ok != (tt.want != "") || !strings.Contains(got, tt.want) {
				t.Errorf("notServed = %q (%t), want it to hold %q", got, ok, tt.want)
			}
			if len(got) > 600 {
				t.Errorf("notServed is %d bytes long", len(got))
			}
		})
	}
}

// TestCollect_NotAKubernetesServer: through client-go to an HTTP server
// that answers 404 to every path (no Kubernetes API server), the CronJobs,
// the Deployment and the service accounts are not "not found": the read
// fails, naming the server and its answer.
func TestCollect_NotAKubernetesServer(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, "<html><body><h1>Not Found</h1></body></html>")
	}))
	defer srv.Close()
	kc, err := kubernetes.NewForConfig(&rest.Config{Host: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	p := (&Source{Kube: kc}).Collect(context.Background(), collectors.Env{Config: config.Default(), Namespace: "ns"})
	if p.Status.State != collectors.StateError {
		t.Errorf("state %s, want error (problems %+v)", p.Status.State, p.Status.Problems)
	}
	d := p.Kubernetes
	want := "the server at " + srv.URL + ` answered 404 Not Found ("<html><body><h1>Not Found</h1></body></html>")`
	for _, cj := range d.CronJobs {
		if cj.Found || !strings.Contains(cj.Error, want) || !strings.Contains(cj.Error, "batch/v1 cronjobs") {
			t.Errorf("cronjob %s: found %t error %q, want it to hold %q", cj.Name, cj.Found, cj.Error, want)
		}
	}
	if d.Orchestrator == nil || !strings.Contains(d.Orchestrator.Error, want) {
		t.Errorf("orchestrator %+v", d.Orchestrator)
	}
	for _, sa := range d.ServiceAccounts {
		if sa.Found || !strings.Contains(sa.Error, want) {
			t.Errorf("serviceaccount %+v", sa)
		}
	}
}

// TestCollect_EmptyObjectAnswers: a server (a proxy) that answers 200 `{}`
// to every path: client-go decodes it into empty objects without an error.
// They are not taken for the CronJobs, the Deployment and the service
// accounts (an empty CronJob read as one without a deadline cleared
// Scenarios 3 and 5), and an empty list is no "none there": every read
// fails, saying the answer is not the Kubernetes API's.
func TestCollect_EmptyObjectAnswers(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, "{}")
	}))
	defer srv.Close()
	kc, err := kubernetes.NewForConfig(&rest.Config{Host: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	p := (&Source{Kube: kc}).Collect(context.Background(), collectors.Env{Config: config.Default(), Namespace: "ns"})
	if p.Status.State == collectors.StateOK {
		t.Errorf("state ok on answers that are not the API's (problems %+v)", p.Status.Problems)
	}
	d := p.Kubernetes
	const want = "not the Kubernetes API's answer"
	for _, cj := range d.CronJobs {
		if cj.Found || !strings.Contains(cj.Error, want) {
			t.Errorf("cronjob %s: found %t error %q, want it to say %q", cj.Name, cj.Found, cj.Error, want)
		}
	}
	if d.Orchestrator == nil || d.Orchestrator.Found || !strings.Contains(d.Orchestrator.Error, want) {
		t.Errorf("orchestrator %+v", d.Orchestrator)
	}
	for _, sa := range d.ServiceAccounts {
		if sa.Found || !strings.Contains(sa.Error, want) {
			t.Errorf("serviceaccount %+v", sa)
		}
	}
}

// TestLooksLikeHTML: a login or error page answered for a pod's log is
// told from the container's log lines (text, JSON), which never begin
// with an HTML document.
func TestLooksLikeHTML(t *testing.T) {
	for in, want := range map[string]bool{
		"<html><body>Login required</body></html>":   true,
		"  \n<!DOCTYPE html>\n<html lang=en>":        true,
		`{"action":"cmek.rotation.completed"}`:       false,
		"2026-12-07T02:00:00Z INFO <html> in a line": false,
		"": false,
	} {
		if got := LooksLikeHTML([]byte(in)); got != want {
			t.Errorf("looksLikeHTML(%q) = %v, want %v", in, got, want)
		}
	}
}

// TestJobContainer: the container whose environment a CronJob's runs are
// judged by, and the one-off Jobs set: the job's own, not a sidecar beside
// it, whichever comes first.
func TestJobContainer(t *testing.T) {
	c := containerWith
	for name, tc := range map[string]struct {
		cs          []corev1.Container
		annotations map[string]string
		owner       string
		want        string
	}{
		"one":                      {[]corev1.Container{c("proxy")}, nil, "cmek-rotation", "proxy"},
		"the template's default":   {[]corev1.Container{c("proxy"), c("worker")}, map[string]string{"kubectl.kubernetes.io/default-container": "worker"}, "cmek-rotation", "worker"},
		"the one that has DRY_RUN": {[]corev1.Container{c("proxy"), c("job", "DRY_RUN")}, nil, "secret-cleanup", "job"},
		"a sidecar before rotate":  {[]corev1.Container{c("vault-agent"), c("rotate", "BATCH_SIZE")}, nil, "cmek-rotation", "rotate"},
		"named like its CronJob":   {[]corev1.Container{c("istio-proxy"), c("cmek-rotation")}, nil, "cmek-rotation", "cmek-rotation"},
		"a short name is no match": {[]corev1.Container{c("app"), c("on")}, nil, "cmek-rotation", "app"},
		"nothing tells: the first": {[]corev1.Container{c("proxy"), c("worker")}, nil, "cmek-rotation", "proxy"},
	} {
		t.Run(name, func(t *testing.T) {
			if got := jobContainer(tc.cs, tc.annotations, tc.owner); got.Name != tc.want {
				t.Errorf("jobContainer = %s, want %s", got.Name, tc.want)
			}
		})
	}
}

// TestOrchestratorContainer: the orchestrator's own container, not a
// sidecar, is the one whose environment is read, even when the sidecar
// sets AUDIT_ENABLED and it does not (N10).
func TestOrchestratorContainer(t *testing.T) {
	c := containerWith
	for name, tc := range map[string]struct {
		cs   []corev1.Container
		ann  map[string]string
		want string
	}{
		"one":                            {[]corev1.Container{c("app")}, nil, "app"},
		"named like the Deployment":      {[]corev1.Container{c("audit-shipper", "AUDIT_ENABLED"), c("orchestrator")}, nil, "orchestrator"},
		"the template's default":         {[]corev1.Container{c("proxy"), c("main")}, map[string]string{DefaultContainerAnnotation: "main"}, "main"},
		"the one setting AUDIT_ENABLED":  {[]corev1.Container{c("proxy"), c("app", "AUDIT_ENABLED")}, nil, "app"},
		"the one with a VAULT_ variable": {[]corev1.Container{c("proxy"), c("app", "VAULT_ADDR")}, nil, "app"},
		"nothing tells: the first":       {[]corev1.Container{c("proxy"), c("app")}, nil, "proxy"},
	} {
		t.Run(name, func(t *testing.T) {
			if got := orchestratorContainer(tc.cs, tc.ann, "oss-ai-orchestrator"); got.Name != tc.want {
				t.Errorf("orchestratorContainer = %s, want %s", got.Name, tc.want)
			}
		})
	}
}

// containerWith is a container named name setting each of env to "x".
func containerWith(name string, env ...string) corev1.Container {
	out := corev1.Container{Name: name}
	for _, e := range env {
		out.Env = append(out.Env, corev1.EnvVar{Name: e, Value: "x"})
	}
	return out
}
