// Package kubeops applies the actions package's Kubernetes changes through
// a client-go clientset: it is the only place where a plan's change meets
// client-go's types (the wtf way: one sub-package per dependency, behind
// the small interfaces actions declares).
package kubeops

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	authnv1 "k8s.io/api/authentication/v1"
	authzv1 "k8s.io/api/authorization/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	"github.com/oss-ai-agent-tool/kubectl-rotation/actions"
)

// Client is actions.Kube over a clientset.
type Client struct{ k kubernetes.Interface }

var (
	_ actions.Kube      = (*Client)(nil)
	_ actions.JobReader = (*Client)(nil)
)

// New returns the adapter of k, or nil when k is nil (so that an Executor
// without a cluster has no Kube at all, and says so).
func New(k kubernetes.Interface) actions.Kube {
	if k == nil {
		return nil
	}
	return &Client{k: k}
}

func dryRunOpts(dry bool) []string {
	if dry {
		return []string{metav1.DryRunAll}
	}
	return nil
}

// wrap marks the server's answers the changes tell apart (actions.ErrNotFound,
// ErrConflict, ErrInvalid), keeping its message.
func wrap(err error) error {
	switch {
	case err == nil:
		return nil
	case apierrors.IsNotFound(err):
		return fmt.Errorf("%w: %w", actions.ErrNotFound, err)
	case apierrors.IsConflict(err):
		return fmt.Errorf("%w: %w", actions.ErrConflict, err)
	case apierrors.IsInvalid(err):
		return fmt.Errorf("%w: %w", actions.ErrInvalid, err)
	}
	return err
}

// User is the user's name from a SelfSubjectReview.
func (c *Client) User(ctx context.Context) (string, error) {
	r, err := c.k.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authnv1.SelfSubjectReview{}, metav1.CreateOptions{})
	if err != nil {
		return "", err
	}
	return r.Status.UserInfo.Username, nil
}

// Allowed asks the API server whether the user may (SelfSubjectAccessReview).
func (c *Client) Allowed(ctx context.Context, p actions.Permission) (bool, error) {
	r, err := c.k.AuthorizationV1().SelfSubjectAccessReviews().Create(ctx, &authzv1.SelfSubjectAccessReview{
		Spec: authzv1.SelfSubjectAccessReviewSpec{ResourceAttributes: &authzv1.ResourceAttributes{
			Namespace: p.Namespace, Verb: p.Verb, Group: p.Group, Resource: p.Resource, Subresource: p.Subresource, Name: p.Name,
		}},
	}, metav1.CreateOptions{})
	if err != nil {
		return false, err
	}
	return r.Status.Allowed, nil
}

// RecordEvent creates a Normal Event on the object, so `kubectl describe`
// shows it.
func (c *Client) RecordEvent(ctx context.Context, e actions.Event) error {
	now := metav1.NewTime(e.At)
	ev := &corev1.Event{
		ObjectMeta:     metav1.ObjectMeta{GenerateName: e.Name + ".", Namespace: e.Namespace},
		InvolvedObject: corev1.ObjectReference{Kind: e.Kind, Name: e.Name, Namespace: e.Namespace},
		Reason:         e.Reason, Message: e.Message, Type: corev1.EventTypeNormal, Count: 1,
		FirstTimestamp: now, LastTimestamp: now, Source: corev1.EventSource{Component: "kubectl-rotation"},
	}
	_, err := c.k.CoreV1().Events(e.Namespace).Create(ctx, ev, metav1.CreateOptions{})
	return err
}

// CreateJobFrom reads the CronJob and creates the Job from its template.
func (c *Client) CreateJobFrom(ctx context.Context, job actions.CreateJob, dry bool) (string, error) {
	cj, err := c.k.BatchV1().CronJobs(job.Namespace).Get(ctx, job.CronJob, metav1.GetOptions{})
	if err != nil {
		return "", actions.BeforeWrite(fmt.Errorf("read cronjob %s: %w", job.CronJob, wrap(err)))
	}
	if ptr := cj.Spec.JobTemplate.Spec.Suspend; ptr != nil && *ptr {
		// kubectl create job --from makes it suspended too, and it never
		// runs: nothing would be rotated or cleaned
		return "", actions.BeforeWrite(fmt.Errorf("the job template of cronjob %s is suspended (spec.jobTemplate.spec.suspend: true): a Job made from it would never run; unsuspend the template first (kubectl patch cronjob %s -n %s --type=merge -p '{\"spec\":{\"jobTemplate\":{\"spec\":{\"suspend\":false}}}}')", job.CronJob, job.CronJob, job.Namespace))
	}
	j, err := JobFromCronJob(cj, job)
	if err != nil {
		return "", actions.BeforeWrite(err)
	}
	created, err := c.k.BatchV1().Jobs(j.Namespace).Create(ctx, j, metav1.CreateOptions{DryRun: dryRunOpts(dry)})
	if err != nil {
		return "", fmt.Errorf("create job %s: %w", job.Name, wrap(err))
	}
	return created.Name, nil
}

// JobExists reads the Job (actions.JobReader).
func (c *Client) JobExists(ctx context.Context, ns, name string) (bool, error) {
	_, err := c.k.BatchV1().Jobs(ns).Get(ctx, name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		return false, nil
	case err != nil:
		return false, wrap(err)
	}
	return true, nil
}

// JobFromCronJob builds the Job of a CreateJob change as `kubectl create
// job --from=cronjob/NAME` does: the template's labels and annotations, the
// instantiate=manual annotation, the CronJob as controller owner; then the
// change's annotations, and its Env set in that Job only: in its
// Container, or in every container when it names none. It returns an error
// when the template has no container of that name (changed since the
// snapshot).
func JobFromCronJob(cj *batchv1.CronJob, job actions.CreateJob) (*batchv1.Job, error) {
	ann := map[string]string{"cronjob.kubernetes.io/instantiate": "manual"}
	for k, v := range cj.Spec.JobTemplate.Annotations {
		ann[k] = v
	}
	for k, v := range job.Annotations {
		ann[k] = v
	}
	j := &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{
			Name: job.Name, Namespace: job.Namespace, Labels: cj.Spec.JobTemplate.Labels, Annotations: ann,
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(cj, batchv1.SchemeGroupVersion.WithKind("CronJob"))},
		},
		Spec: *cj.Spec.JobTemplate.Spec.DeepCopy(),
	}
	if job.Container != "" && len(job.Env) > 0 && !slices.ContainsFunc(j.Spec.Template.Spec.Containers, func(c corev1.Container) bool { return c.Name == job.Container }) {
		return nil, fmt.Errorf("the job template of cronjob %s has no container %s now (it changed since it was read): nothing was created; refresh and try again", cj.Name, job.Container)
	}
	for _, e := range job.Env {
		setEnv(&j.Spec.Template.Spec, job.Container, e.Name, e.Value)
	}
	return j, nil
}

// setEnv sets name=value in the pod template's container named container,
// or in every container when container is "".
func setEnv(spec *corev1.PodSpec, container, name, value string) {
	for i := range spec.Containers {
		c := &spec.Containers[i]
		if container != "" && c.Name != container {
			continue
		}
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

// ContainersOf are the pod template's containers as actions sees them.
func ContainersOf(cs []corev1.Container) []actions.Container {
	out := make([]actions.Container, len(cs))
	for i, c := range cs {
		out[i].Name = c.Name
		for _, ev := range c.Env {
			e := actions.ContainerEnv{Name: ev.Name, Value: ev.Value}
			switch {
			case ev.ValueFrom == nil:
			case ev.ValueFrom.ConfigMapKeyRef != nil:
				e.From = fmt.Sprintf("from configmap %s key %s", ev.ValueFrom.ConfigMapKeyRef.Name, ev.ValueFrom.ConfigMapKeyRef.Key)
			case ev.ValueFrom.SecretKeyRef != nil:
				e.From = fmt.Sprintf("from secret %s key %s", ev.ValueFrom.SecretKeyRef.Name, ev.ValueFrom.SecretKeyRef.Key)
			default:
				e.From = "from valueFrom"
			}
			out[i].Env = append(out[i].Env, e)
		}
	}
	return out
}

// Containers reads the workload's pod template containers and its
// resourceVersion.
func (c *Client) Containers(ctx context.Context, kind, ns, name string) (string, []actions.Container, error) {
	if kind == actions.WorkloadCronJob {
		cj, err := c.k.BatchV1().CronJobs(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return "", nil, wrap(err)
		}
		return cj.ResourceVersion, ContainersOf(cj.Spec.JobTemplate.Spec.Template.Spec.Containers), nil
	}
	d, err := c.k.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return "", nil, wrap(err)
	}
	return d.ResourceVersion, ContainersOf(d.Spec.Template.Spec.Containers), nil
}

// PatchContainers sends a JSON patch to the workload.
func (c *Client) PatchContainers(ctx context.Context, kind, ns, name string, patch []byte, dry bool) ([]actions.Container, error) {
	opts := metav1.PatchOptions{DryRun: dryRunOpts(dry)}
	if kind == actions.WorkloadCronJob {
		cj, err := c.k.BatchV1().CronJobs(ns).Patch(ctx, name, types.JSONPatchType, patch, opts)
		if err != nil {
			return nil, wrap(err)
		}
		return ContainersOf(cj.Spec.JobTemplate.Spec.Template.Spec.Containers), nil
	}
	d, err := c.k.AppsV1().Deployments(ns).Patch(ctx, name, types.JSONPatchType, patch, opts)
	if err != nil {
		return nil, wrap(err)
	}
	return ContainersOf(d.Spec.Template.Spec.Containers), nil
}

// Deadline reads the CronJob's job activeDeadlineSeconds (nil: unset).
func (c *Client) Deadline(ctx context.Context, ns, name string) (*int64, error) {
	cj, err := c.k.BatchV1().CronJobs(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, wrap(err)
	}
	return cj.Spec.JobTemplate.Spec.ActiveDeadlineSeconds, nil
}

// PatchDeadline sends a merge patch to the CronJob.
func (c *Client) PatchDeadline(ctx context.Context, ns, name string, patch []byte, dry bool) (*int64, error) {
	cj, err := c.k.BatchV1().CronJobs(ns).Patch(ctx, name, types.MergePatchType, patch, metav1.PatchOptions{DryRun: dryRunOpts(dry)})
	if err != nil {
		return nil, wrap(err)
	}
	return cj.Spec.JobTemplate.Spec.ActiveDeadlineSeconds, nil
}

// Restart stamps the pod template's restartedAt annotation as `kubectl
// rollout restart` does.
func (c *Client) Restart(ctx context.Context, ns, name string, at time.Time, dry bool) (string, error) {
	cur, err := c.k.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return "", actions.BeforeWrite(fmt.Errorf("read deployment %s: %w", name, wrap(err)))
	}
	if cur.Spec.Paused {
		// the stamp would roll no pod until someone resumes it (and then
		// roll them unasked); kubectl rollout restart refuses it too
		return "", actions.BeforeWrite(fmt.Errorf("deployment %s is paused: a restart would replace no pod until it is resumed; resume it first (kubectl rollout resume deployment/%s -n %s), then restart", name, name, ns))
	}
	patch, _ := json.Marshal(map[string]any{"spec": map[string]any{"template": map[string]any{"metadata": map[string]any{
		"annotations": map[string]string{"kubectl.kubernetes.io/restartedAt": at.UTC().Format(time.RFC3339Nano)}}}}})
	d, err := c.k.AppsV1().Deployments(ns).Patch(ctx, name, types.StrategicMergePatchType, patch, metav1.PatchOptions{DryRun: dryRunOpts(dry)})
	if err != nil {
		return "", wrap(err)
	}
	return d.Spec.Template.Annotations["kubectl.kubernetes.io/restartedAt"], nil
}
