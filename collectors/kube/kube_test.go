package kube

import (
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
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
