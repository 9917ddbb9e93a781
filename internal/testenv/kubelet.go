package testenv

import (
	"context"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// PodOutcome is how the harness kubelet ends a pod: its exit code and the
// log its container leaves.
type PodOutcome struct {
	ExitCode int32
	Log      string
	// Running keeps the pod running (a Deployment's pod): Log is its log so
	// far, and the pod is marked Ready; the kubelet does not ask again.
	Running bool
}

// KubeletPolicy decides a pod's outcome from the pod (its labels, env).
type KubeletPolicy func(*corev1.Pod) PodOutcome

// RunKubelet plays scheduler and kubelet for one namespace: pods without a
// node are bound to the harness node (pods/binding), reported running, and
// after a moment ended with the policy's exit code and log (served through
// pods/log). With kube-controller-manager running, Jobs created from
// CronJobs then finish for real. The returned func stops it.
func (k *Kube) RunKubelet(ns string, policy KubeletPolicy) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		started := map[string]time.Time{}
		for {
			select {
			case <-ctx.Done():
				return
			case <-time.After(200 * time.Millisecond):
			}
			pods, err := k.Client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
			if err != nil {
				continue
			}
			for i := range pods.Items {
				p := &pods.Items[i]
				switch {
				case p.DeletionTimestamp != nil && p.Spec.NodeName == k.NodeName:
					// the containers stop at once; the pod goes
					if err := k.Client.CoreV1().Pods(ns).Delete(ctx, p.Name, metav1.DeleteOptions{GracePeriodSeconds: ptr.To[int64](0)}); err == nil {
						for _, c := range p.Spec.Containers {
							k.Logs.Forget(ns, p.Name, c.Name)
						}
						delete(started, p.Name)
					}
				case p.Spec.NodeName == "":
					_ = k.Client.CoreV1().Pods(ns).Bind(ctx, &corev1.Binding{
						ObjectMeta: metav1.ObjectMeta{Name: p.Name, Namespace: ns},
						Target:     corev1.ObjectReference{Kind: "Node", Name: k.NodeName},
					}, metav1.CreateOptions{})
				case p.Spec.NodeName == k.NodeName && p.Status.Phase == corev1.PodPending:
					now := metav1.Now()
					p.Status = corev1.PodStatus{Phase: corev1.PodRunning, StartTime: &now, HostIP: "127.0.0.1",
						ContainerStatuses: containerStatuses(p, corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: now}})}
					if _, err := k.Client.CoreV1().Pods(ns).UpdateStatus(ctx, p, metav1.UpdateOptions{}); err == nil {
						started[p.Name] = time.Now()
					}
				case p.Status.Phase == corev1.PodRunning && !started[p.Name].IsZero() && time.Since(started[p.Name]) > 500*time.Millisecond:
					out := policy(p)
					now := metav1.Now()
					if out.Running {
						for _, c := range p.Spec.Containers {
							k.Logs.Set(ns, p.Name, c.Name, []byte(out.Log))
						}
						st := p.Status.DeepCopy()
						st.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: now}}
						for i := range st.ContainerStatuses {
							st.ContainerStatuses[i].Ready = true
						}
						p.Status = *st
						if _, err := k.Client.CoreV1().Pods(ns).UpdateStatus(ctx, p, metav1.UpdateOptions{}); err == nil {
							delete(started, p.Name)
						}
						continue
					}
					phase, reason := corev1.PodSucceeded, "Completed"
					if out.ExitCode != 0 {
						phase, reason = corev1.PodFailed, "Error"
					}
					st := p.Status.DeepCopy()
					st.Phase = phase
					st.ContainerStatuses = containerStatuses(p, corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
						ExitCode: out.ExitCode, Reason: reason, StartedAt: *p.Status.StartTime, FinishedAt: now}})
					p.Status = *st
					for _, c := range p.Spec.Containers {
						k.Logs.Set(ns, p.Name, c.Name, []byte(out.Log))
					}
					if _, err := k.Client.CoreV1().Pods(ns).UpdateStatus(ctx, p, metav1.UpdateOptions{}); err == nil {
						delete(started, p.Name)
					}
				}
			}
		}
	}()
	return func() { cancel(); wg.Wait() }
}

func containerStatuses(p *corev1.Pod, state corev1.ContainerState) []corev1.ContainerStatus {
	var out []corev1.ContainerStatus
	for _, c := range p.Spec.Containers {
		out = append(out, corev1.ContainerStatus{Name: c.Name, Image: c.Image, ImageID: c.Image, State: state,
			Ready: state.Running != nil, Started: ptrBool(state.Running != nil)})
	}
	return out
}

func ptrBool(b bool) *bool { return &b }
