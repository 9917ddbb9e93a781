package kubeops

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/oss-ai-agent-tool/kubectl-rotation/actions"
)

func cronJob() *batchv1.CronJob {
	return &batchv1.CronJob{
		ObjectMeta: metav1.ObjectMeta{Name: "cmek-rotation", Namespace: "ns", UID: "u-1"},
		Spec: batchv1.CronJobSpec{JobTemplate: batchv1.JobTemplateSpec{
			ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "rot"}, Annotations: map[string]string{"from-template": "yes"}},
			Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{
				{Name: "a", Env: []corev1.EnvVar{{Name: "TENANT_ID", Value: "all"}, {Name: "X", Value: "1"}}},
				{Name: "b"},
			}}}},
		}},
	}
}

// TestJobFromCronJob: the Job is what `kubectl create job --from` makes,
// with the change's env in every container and its annotations.
func TestJobFromCronJob(t *testing.T) {
	cj := cronJob()
	j, err := JobFromCronJob(cj, actions.CreateJob{Namespace: "ns", CronJob: cj.Name, Name: "emergency-rotate-1",
		Env: []actions.EnvVar{{Name: "TENANT_ID", Value: "t-7"}}, Annotations: map[string]string{"why": "test"}})
	if err != nil {
		t.Fatal(err)
	}
	if j.Name != "emergency-rotate-1" || j.Namespace != "ns" || j.Labels["app"] != "rot" {
		t.Errorf("meta %+v", j.ObjectMeta)
	}
	for k, want := range map[string]string{"cronjob.kubernetes.io/instantiate": "manual", "from-template": "yes", "why": "test"} {
		if got := j.Annotations[k]; got != want {
			t.Errorf("annotation %s = %q, want %q", k, got, want)
		}
	}
	if ref := metav1.GetControllerOf(j); ref == nil || ref.Kind != "CronJob" || ref.Name != cj.Name || ref.UID != cj.UID {
		t.Errorf("owner %+v", ref)
	}
	for _, c := range j.Spec.Template.Spec.Containers {
		if n := slices.IndexFunc(c.Env, func(e corev1.EnvVar) bool { return e.Name == "TENANT_ID" }); n < 0 || c.Env[n].Value != "t-7" ||
			slices.ContainsFunc(c.Env[n+1:], func(e corev1.EnvVar) bool { return e.Name == "TENANT_ID" }) {
			t.Errorf("container %s env %v, want TENANT_ID=t-7 once", c.Name, c.Env)
		}
	}
	if cj.Spec.JobTemplate.Spec.Template.Spec.Containers[0].Env[0].Value != "all" {
		t.Error("the CronJob's template was changed")
	}

	// with a container named (a sidecar beside the job's own), only it
	second := cj.Spec.JobTemplate.Spec.Template.Spec.Containers[1].Name
	j, err = JobFromCronJob(cj, actions.CreateJob{Namespace: "ns", CronJob: cj.Name, Name: "x", Container: second, Env: []actions.EnvVar{{Name: "DRY_RUN", Value: "true"}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range j.Spec.Template.Spec.Containers {
		if has := slices.ContainsFunc(c.Env, func(e corev1.EnvVar) bool { return e.Name == "DRY_RUN" && e.Value == "true" }); has != (c.Name == second) {
			t.Errorf("container %s env %v: DRY_RUN=true wanted in %s only", c.Name, c.Env, second)
		}
	}
	if _, err := JobFromCronJob(cj, actions.CreateJob{Namespace: "ns", CronJob: cj.Name, Name: "x", Container: "gone", Env: []actions.EnvVar{{Name: "DRY_RUN", Value: "true"}}}); err == nil || !strings.Contains(err.Error(), "no container gone") {
		t.Errorf("a container the template no longer has: %v, want an error naming it", err)
	}
}

// TestClient_ErrorsAndContainers: a missing object is actions.ErrNotFound,
// so a change can say "deleted after the plan was made"; a valueFrom is
// described, never read.
func TestClient_ErrorsAndContainers(t *testing.T) {
	cj := cronJob()
	cj.Spec.JobTemplate.Spec.Template.Spec.Containers[1].Env = []corev1.EnvVar{{Name: "DRY_RUN", ValueFrom: &corev1.EnvVarSource{
		ConfigMapKeyRef: &corev1.ConfigMapKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "cfg"}, Key: "dry"}}}}
	c := New(fake.NewClientset(cj))
	ctx := context.Background()
	if _, err := c.CreateJobFrom(ctx, actions.CreateJob{Namespace: "ns", CronJob: "gone", Name: "j"}, false); !errors.Is(err, actions.ErrNotFound) {
		t.Errorf("create from a missing cronjob: %v, want ErrNotFound", err)
	}
	if _, _, err := c.Containers(ctx, actions.WorkloadDeployment, "ns", "gone"); !errors.Is(err, actions.ErrNotFound) {
		t.Errorf("containers of a missing deployment: %v", err)
	}
	_, cs, err := c.Containers(ctx, actions.WorkloadCronJob, "ns", cj.Name)
	if err != nil || len(cs) != 2 || cs[1].Env[0].From != "from configmap cfg key dry" || cs[0].Env[0] != (actions.ContainerEnv{Name: "TENANT_ID", Value: "all"}) {
		t.Errorf("containers %+v %v", cs, err)
	}
	name, err := c.CreateJobFrom(ctx, actions.CreateJob{Namespace: "ns", CronJob: cj.Name, Name: "manual-1"}, false)
	if err != nil || name != "manual-1" {
		t.Fatalf("create: %q %v", name, err)
	}
	if New(nil) != nil {
		t.Error("New(nil) is not nil: an executor without a cluster would not say so")
	}
}
