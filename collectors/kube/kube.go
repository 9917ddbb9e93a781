package kube

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"go.yaml.in/yaml/v3"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors/internal/source"
)

// maxLogsPerCronJob bounds the Job logs read per CronJob (failed ones first).
const maxLogsPerCronJob = 3

// KubeErr words a Kubernetes API error for a person (errtext.go has the
// connection faults): what was attempted, which component failed, and
// what to do. An error the API server answered is never worded as the API
// server being unreachable, even when its text (a kubelet's dial error)
// says "connection refused".
func KubeErr(what string, err error) string {
	var status apierrors.APIStatus
	answered := errors.As(err, &status)
	switch {
	case apierrors.IsForbidden(err):
		return fmt.Sprintf("%s: forbidden by RBAC (%v); ask for read access to it, or use a namespace you can read", what, err)
	case apierrors.IsUnauthorized(err):
		return fmt.Sprintf("%s: unauthorized: the kubeconfig's credentials were refused (log in again or pick another --context)", what)
	case apierrors.IsTooManyRequests(err):
		// client-go waits out a Retry-After that fits the request timeout
		// itself: one that reaches here asked for longer, or named none
		if secs, ok := apierrors.SuggestsClientDelay(err); ok && secs > 0 {
			return fmt.Sprintf("%s: the API server is throttling requests (429 Too Many Requests) and asked to retry after %ds, later than the request timeout allows; try again later or raise --request-timeout", what, secs)
		}
		return fmt.Sprintf("%s: the API server is throttling requests (429 Too Many Requests) and still was after the retries the request timeout allows: its API Priority and Fairness limits are reached for this user; try again in a moment", what)
	case answered:
		return fmt.Sprintf("%s: %s", what, source.StripRequestURLs(err.Error()))
	}
	detail := source.ErrDetail(err)
	switch source.ClassifyNet(err) {
	case source.FaultTimeout:
		return fmt.Sprintf("%s: the API server did not answer in time (%s); it is overloaded or unreachable, or raise --request-timeout (kubernetes.requestTimeout)", what, detail)
	case source.FaultCanceled:
		return fmt.Sprintf("%s: cancelled", what)
	case source.FaultUntrusted:
		return fmt.Sprintf("%s: the API server's TLS certificate is not trusted (%s); check the certificate-authority of the kubeconfig's cluster for --context", what, detail)
	case source.FaultReset:
		// reached: the answer broke off (a proxy or load balancer in
		// between, the server restarting), no matter of the kubeconfig
		return fmt.Sprintf("%s: the connection to the API server broke off mid-answer (%s): a proxy or load balancer in between, or the server restarting; try again", what, detail)
	case source.FaultRefused, source.FaultNoHost, source.FaultUnreachable, source.FaultNotTLS:
		return fmt.Sprintf("%s: cannot reach the API server (%s); check --context and --kubeconfig", what, detail)
	}
	return fmt.Sprintf("%s: %s", what, detail)
}

// KubeLogErr words a failed pods/log read. The API server proxies a log
// from the pod's node: when it answered that the kubelet could not be
// reached, the node's kubelet is named, not the API server; when no answer
// came in time, the node's kubelet (which may hang: the API server waits
// for it) is named beside the API server.
func KubeLogErr(pod, node string, err error) string {
	who, hint := "the kubelet", "check the pod's node and its kubelet"
	if node != "" {
		who, hint = "the kubelet on node "+node, "check the node and its kubelet: kubectl get node "+node
	}
	var status apierrors.APIStatus
	answered := errors.As(err, &status)
	if answered && kubeletUnreachable(status.Status()) {
		return fmt.Sprintf("%s could not be reached for pod %s's log: %s (the API server answered; %s)",
			who, pod, source.StripRequestURLs(status.Status().Message), hint)
	}
	if !answered && source.ClassifyNet(err) == source.FaultTimeout {
		return fmt.Sprintf("read log of pod %s: no answer in time (%s); the API server proxies pods/log to %s, which may hang (%s), or the API server is overloaded or unreachable; or raise --request-timeout (kubernetes.requestTimeout)",
			pod, source.ErrDetail(err), who, hint)
	}
	return KubeErr("read log of pod "+pod, err)
}

// kubeletUnreachable reports whether an API server's error status says it
// could not reach a kubelet: a server error whose message is a connection
// fault (the API server forwards its dial error as text), or names the
// kubelet's port or containerLogs path.
func kubeletUnreachable(s metav1.Status) bool {
	if s.Code < 500 {
		return false
	}
	msg := s.Message
	if strings.Contains(msg, "/containerLogs/") || strings.Contains(msg, ":10250") {
		return true
	}
	switch source.ClassifyNet(errors.New(msg)) {
	case source.FaultRefused, source.FaultTimeout, source.FaultUntrusted, source.FaultReset, source.FaultNoHost, source.FaultUnreachable, source.FaultNotTLS:
		return true
	}
	return false
}

// objectMissing reports whether err is a Kubernetes API server's answer
// that the object asked for by name does not exist: a NotFound Status that
// names it. A 404 whose body is no Status (a server that is not a
// Kubernetes API server, or an API server's "404 page not found" for a path
// it does not serve), or a Status naming no object, is not: the path is
// missing, not the object (notServed).
func objectMissing(err error) bool {
	var status apierrors.APIStatus
	if !apierrors.IsNotFound(err) || apierrors.IsUnexpectedServerError(err) || !errors.As(err, &status) {
		return false
	}
	d := status.Status().Details
	return d != nil && d.Name != ""
}

// errHTMLLog is a pod log answered with an HTML page.
var errHTMLLog = errors.New("the log was answered with an HTML page, not the container's log (a proxy or a login page between the tool and the API server?)")

// LooksLikeHTML reports whether the beginning of an answer is an HTML
// document (a container's log lines are text or JSON).
func LooksLikeHTML(head []byte) bool {
	h := strings.ToLower(strings.TrimSpace(string(head)))
	return strings.HasPrefix(h, "<!doctype html") || strings.HasPrefix(h, "<html")
}

// CheckObject returns an error when an answer to GET name decoded into an
// object that is not it — no name, another name, no uid — as a proxy or a
// server that is not the Kubernetes API may answer (`{}` decodes into an
// empty object without an error): taken as the object, its empty spec
// would read as a CronJob with no deadline, a Deployment without env.
func CheckObject(name string, got metav1.Object) error {
	if got.GetName() == name && got.GetUID() != "" {
		return nil
	}
	return fmt.Errorf("the answer is not the object asked for (name %q, uid %q): not the Kubernetes API's answer (a proxy in between?)", got.GetName(), got.GetUID())
}

// Listed is a List call's answer, with an error when it has no
// resourceVersion, which every list the API server serves carries: `{}`
// decodes into an empty list without an error, and would read as "none
// there".
func Listed[L metav1.ListInterface](l L, err error) (L, error) {
	if err == nil && l.GetResourceVersion() == "" {
		err = errors.New("the list answered has no resourceVersion: not the Kubernetes API's answer (a proxy in between?)")
	}
	return l, err
}

// maxAnswerText bounds how much of a server's answer notServed quotes.
const maxAnswerText = 120

// notServed words a 404 to a request whose API path should exist: a List
// (an empty or missing namespace lists as empty, with 200) or a Get that
// objectMissing does not take as the object's absence. The server is not a
// Kubernetes API server, or it does not serve the API group (api, e.g.
// "batch/v1 cronjobs"). ok false for any other error.
func notServed(what, server, api string, err error) (string, bool) {
	var status apierrors.APIStatus
	if !apierrors.IsNotFound(err) || objectMissing(err) || !errors.As(err, &status) {
		return "", false
	}
	s := status.Status()
	answer := s.Message
	if s.Details != nil {
		for _, c := range s.Details.Causes {
			if c.Type == metav1.CauseTypeUnexpectedServerResponse && c.Message != "" && c.Message != "unknown" {
				answer = c.Message
			}
		}
	}
	answer = strings.Join(strings.Fields(answer), " ")
	if len(answer) > maxAnswerText {
		answer = strings.ToValidUTF8(answer[:maxAnswerText], "") + "…"
	}
	at := "the server"
	if server != "" {
		at += " at " + server
	}
	return fmt.Sprintf("%s: %s answered 404 Not Found (%q) where a Kubernetes API server serves %s: it is not a Kubernetes API server, or it does not serve %s; check the cluster's server URL for --context and --kubeconfig",
		what, at, answer, api, api), true
}

// readErr words a failed Get or List (KubeErr), a 404 for a path that
// should exist as notServed.
func (c *collector) readErr(what, api string, err error) string {
	if msg, ok := notServed(what, c.server(), api, err); ok {
		return msg
	}
	return KubeErr(what, err)
}

// server is the API server's URL the client talks to (scheme, host and any
// path prefix), "" when it cannot tell (a fake clientset).
func (c *collector) server() string {
	rc, ok := c.clients.Kube.CoreV1().RESTClient().(*rest.RESTClient)
	if !ok || rc == nil {
		return ""
	}
	u := rc.Get().URL()
	return strings.TrimSuffix(u.Scheme+"://"+u.Host+u.Path, "/api/v1")
}

func (c *collector) collectKubernetes(ctx context.Context) (*collectors.KubernetesData, collectors.Status) {
	st := collectors.Status{Source: collectors.SourceKubernetes}
	if c.clients.Kube == nil {
		st.State, st.Error = collectors.StateSkipped, "no Kubernetes configuration"
		return nil, st
	}
	kc, ns := c.clients.Kube, c.namespace
	d := &collectors.KubernetesData{CronJobs: []collectors.CronJob{}, Jobs: []collectors.Job{}, ServiceAccounts: []collectors.ServiceAccount{}}
	var probs source.Problems
	var mu sync.Mutex
	var wg sync.WaitGroup
	run := func(f func()) {
		wg.Add(1)
		go func() { defer wg.Done(); f() }()
	}

	// CronJobs and their Jobs (with pods and logs)
	run(func() {
		cjs, jobs, perr := c.cronJobsAndJobs(ctx)
		mu.Lock()
		defer mu.Unlock()
		d.CronJobs, d.Jobs = cjs, jobs
		probs.List = append(probs.List, perr...)
	})
	run(func() {
		sim, err := c.similarCronJobs(ctx)
		mu.Lock()
		defer mu.Unlock()
		d.Similar = sim
		if err != "" {
			probs.Add("cronjobs", err)
		}
	})
	run(func() {
		dep, err := c.orchestrator(ctx)
		mu.Lock()
		defer mu.Unlock()
		d.Orchestrator = dep
		if err != "" {
			probs.Add("deployment "+c.cfg.Kubernetes.OrchestratorDeployment, err)
		}
	})
	run(func() {
		ret, err := c.retention(ctx)
		mu.Lock()
		defer mu.Unlock()
		d.Retention = ret
		if err != "" {
			probs.Add("configmaps", err)
		}
	})
	run(func() {
		names := []string{c.cfg.Kubernetes.OrchestratorServiceAccount}
		if sa := c.cfg.Kubernetes.VaultSA(); sa != names[0] {
			names = append(names, sa)
		}
		var sas []collectors.ServiceAccount
		var errs []collectors.Problem
		for _, n := range names {
			sa := collectors.ServiceAccount{Name: n}
			o, err := kc.CoreV1().ServiceAccounts(ns).Get(ctx, n, metav1.GetOptions{})
			if err == nil {
				err = CheckObject(n, o)
			}
			switch {
			case err == nil:
				sa.Found = true
			case objectMissing(err):
			default:
				sa.Error = c.readErr("get serviceaccount "+n, "v1 serviceaccounts", err)
				errs = append(errs, collectors.Problem{Part: "serviceaccount " + n, Error: sa.Error})
			}
			sas = append(sas, sa)
		}
		mu.Lock()
		defer mu.Unlock()
		d.ServiceAccounts = sas
		probs.List = append(probs.List, errs...)
	})
	wg.Wait()

	// Events last: they are filtered to the objects found above.
	ev, err := c.events(ctx, d)
	d.Events = ev
	if err != "" {
		probs.Add("events", err)
	}

	st.Problems = probs.Sorted()
	switch {
	case len(st.Problems) == 0:
		st.State = collectors.StateOK
	case allFailed(d):
		st.State, st.Error = collectors.StateError, st.Problems[0].Error
	default:
		st.State = collectors.StatePartial
	}
	return d, st
}

// allFailed reports whether nothing at all could be read.
func allFailed(d *collectors.KubernetesData) bool {
	for _, cj := range d.CronJobs {
		if cj.Error == "" {
			return false
		}
	}
	return (d.Orchestrator == nil || d.Orchestrator.Error != "") && len(d.Jobs) == 0
}

// similarCronJobs lists the namespace's CronJobs (one paginated list, as
// the runbook's `kubectl get cronjobs | grep -E "cmek-rotation|secret-cleanup"`)
// and keeps those whose names contain a runbook CronJob's without being
// it. It returns why they could not be listed.
func (c *collector) similarCronJobs(ctx context.Context) ([]collectors.SimilarCronJob, string) {
	names := []string{c.cfg.Kubernetes.RotationCronJob, c.cfg.Kubernetes.CleanupCronJob}
	out := []collectors.SimilarCronJob{}
	opts := metav1.ListOptions{Limit: source.PageSize}
	for {
		list, err := Listed(c.clients.Kube.BatchV1().CronJobs(c.namespace).List(ctx, opts))
		if err != nil {
			return nil, c.readErr("list cronjobs in "+c.namespace, "batch/v1 cronjobs", err)
		}
		for i := range list.Items {
			o := &list.Items[i]
			for _, n := range names {
				if n != "" && o.Name != names[0] && o.Name != names[1] && strings.Contains(o.Name, n) {
					out = append(out, collectors.SimilarCronJob{Name: o.Name, Like: n, Schedule: o.Spec.Schedule, Suspend: ptr.Deref(o.Spec.Suspend, false),
						LastScheduleTime: TimePtr(o.Status.LastScheduleTime), LastSuccessfulTime: TimePtr(o.Status.LastSuccessfulTime), Active: len(o.Status.Active)})
					break
				}
			}
		}
		if list.Continue == "" {
			break
		}
		opts.Continue = list.Continue
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, ""
}

func (c *collector) cronJobsAndJobs(ctx context.Context) ([]collectors.CronJob, []collectors.Job, []collectors.Problem) {
	kc, ns := c.clients.Kube, c.namespace
	var probs []collectors.Problem
	cjs := []collectors.CronJob{}
	uids := map[types.UID]collectors.CronJob{}
	for _, want := range []struct{ role, name string }{
		{collectors.RoleRotation, c.cfg.Kubernetes.RotationCronJob},
		{collectors.RoleCleanup, c.cfg.Kubernetes.CleanupCronJob},
	} {
		cj := collectors.CronJob{Role: want.role, Name: want.name}
		obj, err := kc.BatchV1().CronJobs(ns).Get(ctx, want.name, metav1.GetOptions{})
		if err == nil {
			err = CheckObject(want.name, obj)
		}
		switch {
		case err == nil:
			fillCronJob(&cj, obj)
			uids[obj.UID] = cj
		case objectMissing(err):
		default:
			cj.Error = c.readErr(fmt.Sprintf("get cronjob %s in %s", want.name, ns), "batch/v1 cronjobs", err)
			probs = append(probs, collectors.Problem{Part: "cronjob " + want.name, Error: cj.Error})
		}
		cjs = append(cjs, cj)
	}
	if len(uids) == 0 {
		return cjs, []collectors.Job{}, probs
	}

	// Jobs: one paginated list, kept when a CronJob of ours controls them.
	// Each page is turned into the small Jobs at once and dropped: at
	// 5,000 Jobs the decoded pages (managed fields, pod templates) held
	// 59 MB until the end of the collection. Of the pod template only its
	// containers' names and default-container annotation are kept (which
	// container's log to read, logContainer).
	var jobs []collectors.Job
	template := map[string]podTemplate{} // by Job name
	opts := metav1.ListOptions{Limit: source.PageSize}
	for {
		list, err := Listed(kc.BatchV1().Jobs(ns).List(ctx, opts))
		if err != nil {
			probs = append(probs, collectors.Problem{Part: "jobs", Error: c.readErr("list jobs in "+ns, "batch/v1 jobs", err)})
			break
		}
		for i := range list.Items {
			j := &list.Items[i]
			ref := metav1.GetControllerOf(j)
			if ref == nil || ref.Kind != "CronJob" {
				continue
			}
			owner, ok := uids[ref.UID]
			if !ok {
				continue
			}
			jobs = append(jobs, jobOf(j, owner))
			template[j.Name] = templateOf(j)
		}
		if list.Continue == "" {
			break
		}
		opts.Continue = list.Continue
	}
	sort.SliceStable(jobs, func(a, b int) bool {
		ta, tb := jobs[a].When(), jobs[b].When()
		if !ta.Equal(tb) {
			return ta.After(tb)
		}
		return jobs[a].Name > jobs[b].Name
	})
	if len(jobs) == 0 {
		return cjs, []collectors.Job{}, probs
	}

	// Pods of those Jobs, one paginated list by the job-name label, each
	// page turned into the small Pods at once, as the Jobs'.
	podsByJob := map[string][]collectors.Pod{}
	logContainers := map[string]string{} // pod name -> the container whose log is read
	popts := metav1.ListOptions{Limit: source.PageSize, LabelSelector: "batch.kubernetes.io/job-name"}
	for {
		list, err := Listed(kc.CoreV1().Pods(ns).List(ctx, popts))
		if err != nil {
			probs = append(probs, collectors.Problem{Part: "pods", Error: c.readErr("list job pods in "+ns, "v1 pods", err)})
			break
		}
		for i := range list.Items {
			p := &list.Items[i]
			jn := p.Labels["batch.kubernetes.io/job-name"]
			if tmpl, ok := template[jn]; ok {
				podsByJob[jn] = append(podsByJob[jn], podOf(p))
				logContainers[p.Name] = logContainer(p, tmpl)
			}
		}
		if list.Continue == "" {
			break
		}
		popts.Continue = list.Continue
	}
	for i := range jobs {
		ps := podsByJob[jobs[i].Name]
		sort.Slice(ps, func(a, b int) bool { return ps[a].Created.After(ps[b].Created) })
		jobs[i].Pods = ps
	}

	// Logs: per CronJob, the newest Job, the newest finished one and the
	// newest finished real one (not a dry run: what the triage judges of
	// a cleanup) and the failed ones, newest first.
	type logReq struct {
		job       int
		pod       string
		node      string
		container string
	}
	var reqs []logReq
	perCJ := map[string]int{}
	newest, finished, finishedReal := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for i, j := range jobs {
		done := j.Outcome == collectors.OutcomeFailed || j.Outcome == collectors.OutcomeSucceeded
		real := done && !collectors.IsDryRun(j.Env)
		want := j.Outcome == collectors.OutcomeFailed || !newest[j.CronJob] || done && !finished[j.CronJob] || real && !finishedReal[j.CronJob]
		newest[j.CronJob] = true
		finished[j.CronJob] = finished[j.CronJob] || done
		finishedReal[j.CronJob] = finishedReal[j.CronJob] || real
		if !want || perCJ[j.CronJob] >= maxLogsPerCronJob || len(j.Pods) == 0 {
			continue
		}
		pod := pickLogPod(j.Outcome, j.Pods)
		reqs = append(reqs, logReq{job: i, pod: pod.Name, node: pod.Node, container: logContainers[pod.Name]})
		perCJ[j.CronJob]++
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	for _, r := range reqs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			jobs[r.job].Log = c.logTail(ctx, r.pod, r.node, r.container)
			explainLog(jobs[r.job].Log, podNamed(jobs[r.job].Pods, r.pod))
		}()
	}
	wg.Wait()
	return cjs, jobs, probs
}

// pickLogPod is the pod of a Job whose log is read (pods newest first): for
// a Job that succeeded the newest pod that succeeded, as the log of the run
// that counted (an earlier attempt's failure was retried away); otherwise
// the newest pod that failed, which says why; else the newest pod.
func pickLogPod(outcome string, pods []collectors.Pod) collectors.Pod {
	want := corev1.PodFailed
	if outcome == collectors.OutcomeSucceeded {
		want = corev1.PodSucceeded
	}
	for _, p := range pods {
		if p.Phase == string(want) {
			return p
		}
	}
	return pods[0]
}

// DefaultContainerAnnotation names the container kubectl logs, exec and
// attach use when none is given (collectors/podlogs honours it too).
const DefaultContainerAnnotation = "kubectl.kubernetes.io/default-container"

// podTemplate is what is kept of a Job's pod template: its containers'
// names in spec order and its default-container annotation.
type podTemplate struct {
	containers       []string
	defaultContainer string
}

func templateOf(j *batchv1.Job) podTemplate {
	t := podTemplate{defaultContainer: j.Spec.Template.Annotations[DefaultContainerAnnotation]}
	for _, c := range j.Spec.Template.Spec.Containers {
		t.containers = append(t.containers, c.Name)
	}
	return t
}

// logContainer is the container of a Job's pod whose log is read, chosen as
// kubectl logs does, not by the order of the pod's container statuses (the
// kubelet sorts those by name, so a sidecar such as istio-proxy can come
// first): the one the pod's (else the template's) default-container
// annotation names, when it names one of the pod's containers; else, when
// exactly one container terminated with a non-zero exit code, that one (it
// says why the pod failed); else the first in spec order (the pod's, else
// the template's). "" when there is none.
func logContainer(p *corev1.Pod, t podTemplate) string {
	names := t.containers
	if len(p.Spec.Containers) > 0 {
		names = make([]string, len(p.Spec.Containers))
		for i, c := range p.Spec.Containers {
			names[i] = c.Name
		}
	}
	for _, ann := range []string{p.Annotations[DefaultContainerAnnotation], t.defaultContainer} {
		if ann != "" && slices.Contains(names, ann) {
			return ann
		}
	}
	failed := ""
	n := 0
	for _, s := range p.Status.ContainerStatuses {
		if term := s.State.Terminated; term != nil && term.ExitCode != 0 && slices.Contains(names, s.Name) {
			failed, n = s.Name, n+1
		}
	}
	if n == 1 {
		return failed
	}
	if len(names) > 0 {
		return names[0]
	}
	return ""
}

// orDefaultSA is a pod spec's serviceAccountName, or "default", which
// Kubernetes gives a pod that names none.
func orDefaultSA(name string) string {
	if name == "" {
		return "default"
	}
	return name
}

func fillCronJob(cj *collectors.CronJob, o *batchv1.CronJob) {
	cj.Found = true
	for _, mf := range o.ManagedFields {
		if mf.Subresource == "" && mf.Time != nil && (cj.SpecChanged == nil || mf.Time.After(*cj.SpecChanged)) {
			cj.SpecChanged = TimePtr(mf.Time)
		}
	}
	cj.Schedule = o.Spec.Schedule
	cj.TimeZone = ptr.Deref(o.Spec.TimeZone, "")
	cj.Suspend = ptr.Deref(o.Spec.Suspend, false)
	cj.ConcurrencyPolicy = string(o.Spec.ConcurrencyPolicy)
	cj.ActiveDeadlineSeconds = o.Spec.JobTemplate.Spec.ActiveDeadlineSeconds
	cj.BackoffLimit = o.Spec.JobTemplate.Spec.BackoffLimit
	cj.LastScheduleTime = TimePtr(o.Status.LastScheduleTime)
	cj.LastSuccessfulTime = TimePtr(o.Status.LastSuccessfulTime)
	cj.Active = len(o.Status.Active)
	cj.ServiceAccount = orDefaultSA(o.Spec.JobTemplate.Spec.Template.Spec.ServiceAccountName)
	if cs := o.Spec.JobTemplate.Spec.Template.Spec.Containers; len(cs) > 0 {
		c := jobContainer(cs, o.Spec.JobTemplate.Spec.Template.Annotations, o.Name)
		cj.Image = c.Image
		cj.Env, cj.EnvFrom = envOf(c.Env, nil), envFromOf(c.EnvFrom)
		if len(cs) > 1 {
			cj.EnvContainer = c.Name
		}
	}
}

func TimePtr(t *metav1.Time) *time.Time {
	if t == nil || t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

// secretName matches environment variable names whose values are not shown.
var secretName = regexp.MustCompile(`(?i)(TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|PRIVATE|API_?KEY|ACCESS_?KEY|_KEY$|^KEY$)`)

// jobContainer is the container of a Job's template whose environment
// matters, beside a sidecar (a proxy, a Vault agent): the one the template
// names as kubectl's default; else the one that sets DRY_RUN (the
// cleanup's switch, as the actions set it); else the one named like its
// CronJob owner, or like the runbook's work ("rotate", "cleanup"); else
// the first.
func jobContainer(cs []corev1.Container, annotations map[string]string, owner string) *corev1.Container {
	return pickContainer(cs, namedDefault(annotations), setsEnv(func(n string) bool { return n == "DRY_RUN" }),
		namedLike(owner, "rotat", "clean"))
}

// orchestratorContainer is the orchestrator's own container of its
// Deployment's pod template, whose environment the runbook reads and the
// enable-audit action changes: the one the template names as kubectl's
// default; else, beside a sidecar, the one named like the Deployment
// owner ("orchestrator" in oss-ai-orchestrator); else the one that sets
// AUDIT_ENABLED, else one with a VAULT_ variable; else the first. A
// sidecar's AUDIT_ENABLED is not the orchestrator's.
func orchestratorContainer(cs []corev1.Container, annotations map[string]string, owner string) *corev1.Container {
	return pickContainer(cs, namedDefault(annotations), namedLike(owner),
		setsEnv(func(n string) bool { return n == "AUDIT_ENABLED" }), setsEnv(func(n string) bool { return strings.HasPrefix(n, "VAULT_") }))
}

// pickContainer is the only container of cs, else the first that the
// first test holding for any container holds for, else the first.
func pickContainer(cs []corev1.Container, tests ...func(*corev1.Container) bool) *corev1.Container {
	if len(cs) > 1 {
		for _, test := range tests {
			for i := range cs {
				if test(&cs[i]) {
					return &cs[i]
				}
			}
		}
	}
	return &cs[0]
}

// namedDefault holds for the container the pod template's
// kubectl.kubernetes.io/default-container annotation names.
func namedDefault(annotations map[string]string) func(*corev1.Container) bool {
	name := annotations[DefaultContainerAnnotation]
	return func(c *corev1.Container) bool { return name != "" && c.Name == name }
}

// setsEnv holds for a container setting a variable whose name want takes.
func setsEnv(want func(string) bool) func(*corev1.Container) bool {
	return func(c *corev1.Container) bool {
		return slices.ContainsFunc(c.Env, func(e corev1.EnvVar) bool { return want(e.Name) })
	}
}

// namedLike holds for a container named as owner, or as a part of it at
// least 4 characters long ("orchestrator" in oss-ai-orchestrator), or
// holding one of also.
func namedLike(owner string, also ...string) func(*corev1.Container) bool {
	return func(c *corev1.Container) bool {
		n := strings.ToLower(c.Name)
		return n == owner || len(n) >= 4 && strings.Contains(owner, n) || slices.ContainsFunc(also, func(a string) bool { return strings.Contains(n, a) })
	}
}

// envFromOf names the sources of a container's envFrom.
func envFromOf(from []corev1.EnvFromSource) []string {
	var out []string
	for _, f := range from {
		switch {
		case f.ConfigMapRef != nil:
			out = append(out, "configmap "+f.ConfigMapRef.Name)
		case f.SecretRef != nil:
			out = append(out, "secret "+f.SecretRef.Name)
		}
	}
	return out
}

// envOf copies environment variables (all, or those keep accepts),
// redacting secret-looking values and describing valueFrom.
func envOf(env []corev1.EnvVar, keep func(string) bool) []collectors.EnvVar {
	var out []collectors.EnvVar
	for _, e := range env {
		if keep != nil && !keep(e.Name) {
			continue
		}
		v := collectors.EnvVar{Name: e.Name, Value: e.Value}
		if secretName.MatchString(e.Name) && e.Value != "" {
			v.Value = collectors.Redacted
		}
		if f := e.ValueFrom; f != nil {
			switch {
			case f.SecretKeyRef != nil:
				v.From = fmt.Sprintf("secret %s key %s", f.SecretKeyRef.Name, f.SecretKeyRef.Key)
			case f.ConfigMapKeyRef != nil:
				v.From = fmt.Sprintf("configmap %s key %s", f.ConfigMapKeyRef.Name, f.ConfigMapKeyRef.Key)
			case f.FieldRef != nil:
				v.From = "field " + f.FieldRef.FieldPath
			case f.ResourceFieldRef != nil:
				v.From = "resource " + f.ResourceFieldRef.Resource
			default:
				v.From = "valueFrom"
			}
		}
		out = append(out, v)
	}
	return out
}

func jobOf(j *batchv1.Job, owner collectors.CronJob) collectors.Job {
	out := collectors.Job{
		Name: j.Name, CronJob: owner.Name, Role: owner.Role,
		Manual:                j.Annotations["cronjob.kubernetes.io/instantiate"] == "manual",
		Created:               j.CreationTimestamp.UTC(),
		Started:               TimePtr(j.Status.StartTime),
		Finished:              TimePtr(j.Status.CompletionTime),
		ActiveDeadlineSeconds: j.Spec.ActiveDeadlineSeconds,
		Succeeded:             j.Status.Succeeded, Failed: j.Status.Failed, Active: j.Status.Active,
		Outcome: collectors.OutcomeRunning,
	}
	if s := j.Annotations["batch.kubernetes.io/cronjob-scheduled-timestamp"]; s != "" {
		if t, err := time.Parse(time.RFC3339, s); err == nil {
			t = t.UTC()
			out.ScheduledAt = &t
		}
	}
	if ptr.Deref(j.Spec.Suspend, false) {
		out.Outcome = collectors.OutcomeSuspended
	}
	if cond, outcome := endCondition(j); cond != nil {
		out.Outcome, out.Reason, out.Message = outcome, cond.Reason, cond.Message
		if out.Finished == nil {
			out.Finished = TimePtr(&cond.LastTransitionTime)
		}
	}
	if cs := j.Spec.Template.Spec.Containers; len(cs) > 0 {
		c := jobContainer(cs, j.Spec.Template.Annotations, out.CronJob)
		out.Env, out.EnvFrom = envOf(c.Env, nil), envFromOf(c.EnvFrom)
	}
	jobDetails(&out, j)
	return out
}

// endCondition is the condition that says how a Job ended, with the
// outcome it means: Failed or Complete, else the FailureTarget or
// SuccessCriteriaMet the job controller sets before them (Kubernetes 1.31
// and later), while the Job's pods terminate. A pod on a lost node can stay
// Terminating for good, and Failed never comes: the Job has failed all the
// same. nil when the Job has not ended.
func endCondition(j *batchv1.Job) (*batchv1.JobCondition, string) {
	var target *batchv1.JobCondition
	outcome := ""
	for i := range j.Status.Conditions {
		cond := &j.Status.Conditions[i]
		if cond.Status != corev1.ConditionTrue {
			continue
		}
		switch cond.Type {
		case batchv1.JobComplete:
			return cond, collectors.OutcomeSucceeded
		case batchv1.JobFailed:
			return cond, collectors.OutcomeFailed
		case batchv1.JobSuccessCriteriaMet:
			if target == nil {
				target, outcome = cond, collectors.OutcomeSucceeded
			}
		case batchv1.JobFailureTarget:
			if target == nil {
				target, outcome = cond, collectors.OutcomeFailed
			}
		}
	}
	return target, outcome
}

// stateOf fills a container's state from its status: waiting, running or
// terminated with reason and exit code, and OOMKilled in this run or the last.
func stateOf(cs *collectors.ContainerState, s corev1.ContainerStatus) {
	switch {
	case s.State.Terminated != nil:
		t := s.State.Terminated
		cs.State, cs.Reason, cs.ExitCode = "terminated", t.Reason, ptr.To(t.ExitCode)
		cs.OOMKilled = t.Reason == "OOMKilled"
	case s.State.Running != nil:
		cs.State = "running"
	case s.State.Waiting != nil:
		cs.State, cs.Reason = "waiting", s.State.Waiting.Reason
	}
	if lt := s.LastTerminationState.Terminated; lt != nil && lt.Reason == "OOMKilled" {
		cs.OOMKilled = true
	}
}

// podOf is the pod as kept. Its containers are in spec order (the order
// of the kubelet's statuses is by name), each with its status when it has
// one, else waiting with the pod's phase as its reason.
func podOf(p *corev1.Pod) collectors.Pod {
	out := collectors.Pod{Name: p.Name, Phase: string(p.Status.Phase), Node: p.Spec.NodeName, Started: TimePtr(p.Status.StartTime)}
	statuses := make(map[string]int, len(p.Status.ContainerStatuses))
	for i, s := range p.Status.ContainerStatuses {
		statuses[s.Name] = i
	}
	for _, ct := range p.Spec.Containers {
		i, ok := statuses[ct.Name]
		if !ok {
			out.Containers = append(out.Containers, collectors.ContainerState{Name: ct.Name, State: "waiting", Reason: string(p.Status.Phase)})
			continue
		}
		delete(statuses, ct.Name)
		s := p.Status.ContainerStatuses[i]
		cs := collectors.ContainerState{Name: s.Name, Restarts: s.RestartCount}
		stateOf(&cs, s)
		out.Containers = append(out.Containers, cs)
	}
	for _, s := range p.Status.ContainerStatuses { // a status without a spec: kept, after
		if _, left := statuses[s.Name]; left {
			cs := collectors.ContainerState{Name: s.Name, Restarts: s.RestartCount}
			stateOf(&cs, s)
			out.Containers = append(out.Containers, cs)
		}
	}
	podDetails(&out, p)
	return out
}

var failedTenant = regexp.MustCompile(`Failed to rotate key for tenant ([A-Za-z0-9._:-]+)`)

// The bounds of a Job log's search (logTail).
const (
	// maxMatchText is how much of a matched line is kept.
	maxMatchText = 512
	// maxMatches bounds the matched lines kept from one log; past it they
	// are counted (LogTail.MatchesCut).
	maxMatches = 5000
	// maxLineBytes is how much of one line is searched; the rest of a
	// longer line is skipped.
	maxLineBytes = 64 << 10
	// maxTailBytes bounds the read of a long log's last lines.
	maxTailBytes = 64 << 20
)

// logTail reads a container's log through pods/log, searching every line
// read for the runbook's phrases and keeping the last logTailLines to show;
// node is the pod's node, named when its kubelet cannot be reached. At most
// logLimitBytes are read from the start; a longer log is searched up to
// there, its last logTailLines are read again to show (and searched), and
// the part between was not searched (Truncated). Memory stays bounded: the
// lines kept, each at most maxLineBytes, and the matches.
func (c *collector) logTail(ctx context.Context, pod, node, container string) *collectors.LogTail {
	lt := &collectors.LogTail{Pod: pod, Container: container}
	limit := int64(c.cfg.Kubernetes.LogLimitBytes)
	keep := c.cfg.Kubernetes.LogTailLines
	read := func(opts *corev1.PodLogOptions, limit int64) (*logSearch, error) {
		rc, err := c.clients.Kube.CoreV1().Pods(c.namespace).GetLogs(pod, opts).Stream(ctx)
		if err != nil {
			return nil, err
		}
		defer rc.Close()
		br := bufio.NewReader(rc)
		if head, _ := br.Peek(512); LooksLikeHTML(head) {
			// a proxy's login or error page, not the container's log: its
			// lines would say no runbook phrase was logged
			return nil, errHTMLLog
		}
		ls := &logSearch{keep: keep}
		return ls, ls.scan(br, limit)
	}
	whole, err := read(&corev1.PodLogOptions{Container: container, LimitBytes: ptr.To(limit)}, limit)
	if err != nil { // not answered, or the stream broke: not the whole log
		lt.Error = KubeLogErr(pod, node, err)
		return lt
	}
	if whole.bytes < limit {
		whole.into(lt)
		return lt
	}
	// longer than the limit: its head was searched; its tail to show
	lt.Truncated = true
	// the last lines whole: no byte limit on the request (it would cut
	// their end), but each line is searched and kept to maxLineBytes, and
	// at most maxTailBytes are read
	tail, err := read(&corev1.PodLogOptions{Container: container, TailLines: ptr.To(int64(keep))}, maxTailBytes)
	if err != nil {
		lt.Error = KubeLogErr(pod, node, err)
		return lt
	}
	head := whole.matches
	for i := range head {
		head[i].Line = -1
	}
	tail.into(lt)
	lt.Matches = append(head, lt.Matches...)
	lt.MatchesCut = lt.MatchesCut || whole.cut
	lt.Searched += whole.lines
	return lt
}

// logSearch is one read of a log: every line searched for the runbook's
// phrases, the last keep lines kept.
type logSearch struct {
	keep    int
	ring    []string
	lines   int // lines read
	bytes   int64
	matches []collectors.LogMatch // Line holds the line's number in the log until into
	cut     bool
}

// scan reads r to its end (at most limit bytes).
func (ls *logSearch) scan(r io.Reader, limit int64) error {
	br := bufio.NewReaderSize(io.LimitReader(r, limit), 64<<10)
	var long []byte
	for {
		frag, err := br.ReadSlice('\n')
		ls.bytes += int64(len(frag))
		if err == bufio.ErrBufferFull {
			if len(long) < maxLineBytes {
				long = append(long, frag[:min(len(frag), maxLineBytes-len(long))]...)
			}
			continue
		}
		line := frag
		if long != nil {
			line = append(long, frag[:min(len(frag), max(0, maxLineBytes-len(long)))]...)
			long = nil
		}
		if len(line) > 0 {
			ls.line(strings.TrimRight(string(line), "\r\n"))
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func (ls *logSearch) line(l string) {
	n := ls.lines
	ls.lines++
	if len(ls.ring) < ls.keep {
		ls.ring = append(ls.ring, l)
	} else {
		ls.ring[n%ls.keep] = l
	}
	if m, ok := matchPhrase(l); ok {
		if len(ls.matches) >= maxMatches {
			ls.cut = true
			return
		}
		m.Line = n
		ls.matches = append(ls.matches, m)
	}
}

// into fills lt with the kept lines, in order, and the matches, their Line
// an index into them (-1 for a line before them).
func (ls *logSearch) into(lt *collectors.LogTail) {
	first := ls.lines - len(ls.ring)
	lt.Lines = make([]string, len(ls.ring))
	for i := range ls.ring { // line n is at n % keep
		lt.Lines[i] = ls.ring[(first+i)%ls.keep]
	}
	if len(lt.Lines) == 0 {
		lt.Lines = nil
	}
	for _, m := range ls.matches {
		if m.Line -= first; m.Line < 0 {
			m.Line = -1
		}
		lt.Matches = append(lt.Matches, m)
	}
	lt.Searched, lt.MatchesCut = ls.lines, ls.cut
}

// matchPhrase reports whether l holds one of the runbook's phrases, with the
// tenant "Failed to rotate key for tenant X" names.
func matchPhrase(l string) (collectors.LogMatch, bool) {
	lower := strings.ToLower(l)
	for _, ph := range collectors.Phrases {
		if strings.Contains(lower, strings.ToLower(ph)) {
			m := collectors.LogMatch{Phrase: ph, Text: l}
			if len(m.Text) > maxMatchText {
				m.Text = strings.ToValidUTF8(m.Text[:maxMatchText], "")
			}
			if sub := failedTenant.FindStringSubmatch(l); sub != nil {
				m.Tenant = strings.TrimRight(sub[1], ":.,")
			}
			return m, true
		}
	}
	return collectors.LogMatch{}, false
}

func (c *collector) orchestrator(ctx context.Context) (*collectors.Deployment, string) {
	name := c.cfg.Kubernetes.OrchestratorDeployment
	d := &collectors.Deployment{Name: name}
	o, err := c.clients.Kube.AppsV1().Deployments(c.namespace).Get(ctx, name, metav1.GetOptions{})
	if err == nil {
		err = CheckObject(name, o)
	}
	if objectMissing(err) {
		return d, ""
	}
	if err != nil {
		d.Error = c.readErr("get deployment "+name, "apps/v1 deployments", err)
		return d, d.Error
	}
	d.Found = true
	d.Replicas = ptr.Deref(o.Spec.Replicas, 1)
	d.ReadyReplicas, d.UpdatedReplicas = o.Status.ReadyReplicas, o.Status.UpdatedReplicas
	d.RestartedAt = o.Spec.Template.Annotations["kubectl.kubernetes.io/restartedAt"]
	d.ServiceAccount = orDefaultSA(o.Spec.Template.Spec.ServiceAccountName)
	if cs := o.Spec.Template.Spec.Containers; len(cs) > 0 {
		c := orchestratorContainer(cs, o.Spec.Template.Annotations, o.Name)
		if len(cs) > 1 {
			d.EnvContainer = c.Name
		}
		d.Image = c.Image
		d.EnvFrom = envFromOf(c.EnvFrom)
		d.Env = envOf(c.Env, func(n string) bool {
			return strings.HasPrefix(n, "VAULT_") || strings.HasPrefix(n, "AUDIT_")
		})
		for _, e := range d.Env {
			if e.Name == "AUDIT_ENABLED" && e.From == "" {
				// only the literal words: how the orchestrator reads
				// "1", "TRUE" or " true" is its own (a string compared
				// with 'true' reads them as off), so those are not judged
				switch e.Value {
				case "true", "false":
					b := e.Value == "true"
					d.AuditEnabled = &b
				}
			}
		}
	}
	return d, ""
}

// retention finds ConfigMap keys mentioning the retention key and extracts
// the settings whose dotted path mentions it, as `kubectl get configmap -o
// yaml | grep -A5 retention` would show them.
func (c *collector) retention(ctx context.Context) ([]collectors.RetentionSource, string) {
	needle := strings.ToLower(c.cfg.Kubernetes.RetentionConfigMapKey)
	var out []collectors.RetentionSource
	opts := metav1.ListOptions{Limit: source.PageSize}
	for {
		list, err := Listed(c.clients.Kube.CoreV1().ConfigMaps(c.namespace).List(ctx, opts))
		if err != nil {
			return out, c.readErr("list configmaps in "+c.namespace, "v1 configmaps", err)
		}
		for _, cm := range list.Items {
			keys := make([]string, 0, len(cm.Data))
			for k := range cm.Data {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				v := cm.Data[k]
				if !strings.Contains(strings.ToLower(k+" "+v), needle) {
					continue
				}
				settings := retentionSettings(k, v, needle)
				if len(settings) > 0 {
					out = append(out, collectors.RetentionSource{ConfigMap: cm.Name, Key: k, Settings: settings})
				}
			}
		}
		if list.Continue == "" {
			return out, ""
		}
		opts.Continue = list.Continue
	}
}

var kvLine = regexp.MustCompile(`^\s*([A-Za-z0-9_.\-]+)\s*[:=]\s*("?)([^"#\s]+)("?)\s*(#.*)?$`)

// retentionSettings flattens a YAML (or JSON) value to dotted keys and keeps
// those mentioning needle; text that is not YAML is read line by line as
// key: value or key=value.
func retentionSettings(key, value, needle string) map[string]string {
	out := map[string]string{}
	var doc any
	if err := yaml.Unmarshal([]byte(value), &doc); err == nil {
		if _, isMap := doc.(map[string]any); isMap {
			flatten("", doc, func(k, v string) {
				if strings.Contains(strings.ToLower(k), needle) {
					out[k] = v
				}
			})
			return out
		}
	}
	if strings.Contains(strings.ToLower(key), needle) && !strings.ContainsAny(value, "\n=:") {
		out[key] = strings.TrimSpace(value)
		return out
	}
	for _, line := range strings.Split(value, "\n") {
		if m := kvLine.FindStringSubmatch(line); m != nil && strings.Contains(strings.ToLower(m[1]), needle) {
			out[m[1]] = m[3]
		}
	}
	return out
}

func flatten(prefix string, v any, emit func(k, v string)) {
	switch x := v.(type) {
	case map[string]any:
		for k, vv := range x {
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			flatten(p, vv, emit)
		}
	case []any:
		for i, vv := range x {
			flatten(fmt.Sprintf("%s[%d]", prefix, i), vv, emit)
		}
	default:
		emit(prefix, fmt.Sprint(x))
	}
}

// maxEvents bounds the warning Events kept.
const maxEvents = 50

// events lists warning Events about the CronJobs, their Jobs and pods, and
// the orchestrator, newest first.
func (c *collector) events(ctx context.Context, d *collectors.KubernetesData) ([]collectors.Event, string) {
	names := map[string]bool{}
	for _, cj := range d.CronJobs {
		names["CronJob/"+cj.Name] = true
	}
	for _, j := range d.Jobs {
		names["Job/"+j.Name] = true
		for _, p := range j.Pods {
			names["Pod/"+p.Name] = true
		}
	}
	if d.Orchestrator != nil {
		names["Deployment/"+d.Orchestrator.Name] = true
	}
	var out []collectors.Event
	je := newJobEvents(d) // each Job's own, its pods' included
	defer je.attach(d)
	opts := metav1.ListOptions{Limit: source.PageSize, FieldSelector: "type=Warning"}
	for {
		list, err := Listed(c.clients.Kube.CoreV1().Events(c.namespace).List(ctx, opts))
		if err != nil {
			return out, c.readErr("list events in "+c.namespace, "v1 events", err)
		}
		for _, e := range list.Items {
			ev := eventOf(&e)
			je.offer(e.InvolvedObject.Kind, e.InvolvedObject.Name, ev)
			if !names[ev.Object] {
				continue
			}
			out = append(out, ev)
		}
		if list.Continue == "" {
			break
		}
		opts.Continue = list.Continue
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Last.After(out[j].Last) })
	if len(out) > maxEvents {
		out = out[:maxEvents]
	}
	return out, ""
}
