package kube

import (
	"context"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/utils/ptr"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/config"
)

func cronJob(name string, uid types.UID, suspend bool, env ...corev1.EnvVar) *batchv1.CronJob {
	return &batchv1.CronJob{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", UID: uid},
		Spec: batchv1.CronJobSpec{Schedule: "0 2 * * *", Suspend: ptr.To(suspend), ConcurrencyPolicy: batchv1.ForbidConcurrent,
			JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{ActiveDeadlineSeconds: ptr.To[int64](600),
				Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{{
					Name: "rotate", Image: "registry.example/orchestrator:1.2", Env: env}}}}}}},
	}
}

func ownedJob(name string, owner *batchv1.CronJob, created time.Time, cond *batchv1.JobCondition) *batchv1.Job {
	j := &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", CreationTimestamp: metav1.NewTime(created)}}
	if owner != nil {
		j.OwnerReferences = []metav1.OwnerReference{{APIVersion: "batch/v1", Kind: "CronJob", Name: owner.Name, UID: owner.UID, Controller: ptr.To(true)}}
	}
	if cond != nil {
		j.Status.Conditions = []batchv1.JobCondition{*cond}
		if cond.Type == batchv1.JobFailed {
			j.Status.Failed = 1
		} else {
			j.Status.Succeeded = 1
		}
	}
	return j
}

// TestSource_Collect reads CronJobs and Jobs from client-go's fake
// clientset through the Source interface.
func TestSource_Collect(t *testing.T) {
	env := collectors.Env{Config: config.Default(), Namespace: "ns", Now: func() time.Time { return podT0.Add(time.Hour) }}
	rot := cronJob("cmek-rotation", "rot-uid", false)
	clean := cronJob("secret-cleanup", "clean-uid", true, corev1.EnvVar{Name: "DRY_RUN", Value: "true"})
	objects := func() []runtime.Object {
		return []runtime.Object{rot, clean,
			ownedJob("cmek-rotation-1", rot, podT0, &batchv1.JobCondition{Type: batchv1.JobFailed, Status: corev1.ConditionTrue, Reason: "DeadlineExceeded"}),
			ownedJob("cmek-rotation-2", rot, podT0.Add(30*time.Minute), &batchv1.JobCondition{Type: batchv1.JobComplete, Status: corev1.ConditionTrue}),
			ownedJob("secret-cleanup-1", clean, podT0.Add(10*time.Minute), nil),
			ownedJob("unrelated", nil, podT0, nil),
		}
	}

	t.Run("OK", func(t *testing.T) {
		s := &Source{Kube: fake.NewClientset(objects()...)}
		if s.Name() != collectors.SourceKubernetes {
			t.Errorf("Name() = %q", s.Name())
		}
		p := s.Collect(context.Background(), env)
		if p.Status.State != collectors.StateOK || p.Kubernetes == nil {
			t.Fatalf("status %+v", p.Status)
		}
		d := p.Kubernetes
		if len(d.CronJobs) != 2 {
			t.Fatalf("cronjobs = %+v", d.CronJobs)
		}
		r, c := d.CronJobs[0], d.CronJobs[1]
		if r.Role != collectors.RoleRotation || !r.Found || r.Suspend || r.Schedule != "0 2 * * *" || r.ConcurrencyPolicy != "Forbid" ||
			r.ActiveDeadlineSeconds == nil || *r.ActiveDeadlineSeconds != 600 || r.Image != "registry.example/orchestrator:1.2" {
			t.Errorf("rotation cronjob = %+v", r)
		}
		if c.Role != collectors.RoleCleanup || !c.Suspend || len(c.Env) != 1 || c.Env[0].Name != "DRY_RUN" || c.Env[0].Value != "true" {
			t.Errorf("cleanup cronjob = %+v", c)
		}
		var got []string
		for _, j := range d.Jobs {
			got = append(got, j.Name+" "+j.Role+" "+j.Outcome+" "+j.Reason)
		}
		want := []string{
			"cmek-rotation-2 rotation " + collectors.OutcomeSucceeded + " ",
			"secret-cleanup-1 cleanup " + collectors.OutcomeRunning + " ",
			"cmek-rotation-1 rotation " + collectors.OutcomeFailed + " DeadlineExceeded",
		}
		if len(got) != len(want) {
			t.Fatalf("jobs = %q, want %q", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("job %d = %q, want %q", i, got[i], want[i])
			}
		}
	})

	t.Run("Skipped", func(t *testing.T) {
		p := (&Source{}).Collect(context.Background(), env)
		if p.Status.State != collectors.StateSkipped || p.Kubernetes != nil {
			t.Errorf("got %+v", p.Status)
		}
	})

	t.Run("ErrForbidden", func(t *testing.T) {
		kc := fake.NewClientset(objects()...)
		kc.PrependReactor("list", "jobs", func(k8stesting.Action) (bool, runtime.Object, error) {
			return true, nil, apierrors.NewForbidden(schema.GroupResource{Group: "batch", Resource: "jobs"}, "", nil)
		})
		p := (&Source{Kube: kc}).Collect(context.Background(), env)
		if p.Status.State != collectors.StatePartial {
			t.Errorf("state = %s, want partial", p.Status.State)
		}
		found := false
		for _, pr := range p.Status.Problems {
			if pr.Part == "jobs" {
				found = true
			}
		}
		if !found || p.Kubernetes == nil || len(p.Kubernetes.CronJobs) != 2 {
			t.Errorf("problems = %+v, data = %+v", p.Status.Problems, p.Kubernetes)
		}
	})
}
