package runbook

import (
	"strings"
	"testing"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
)

// TestVars_JobLog: the failed Job's log step reads the log the tool read:
// kubectl logs job/NAME for a Job with one pod and one container, the
// evidence's pod and container when the Job has several pods (retries) or
// the pod several containers; and when no pod of the Job is left it shows
// no command, and says so, pointing at what can still be read.
func TestVars_JobLog(t *testing.T) {
	b := mustDefault(t)
	term := collectors.ContainerState{Name: "rotate", State: "terminated", ExitCode: ptr(int32(1))}
	side := collectors.ContainerState{Name: "proxy", State: "terminated", ExitCode: ptr(int32(0))}
	cases := map[string]struct {
		pods     []collectors.Pod
		log      *collectors.LogTail
		problems []collectors.Problem
		want     string // the step's command
		gone     bool   // the note says the log is gone
	}{
		"one pod, one container": {
			pods: []collectors.Pod{{Name: "j-aaaaa", Containers: []collectors.ContainerState{term}}},
			log:  &collectors.LogTail{Pod: "j-aaaaa", Container: "rotate", Lines: []string{"x"}},
			want: "kubectl logs job/cmek-rotation-29033400 -n ns",
		},
		"retries: the pod the evidence came from": {
			pods: []collectors.Pod{{Name: "j-bbbbb", Containers: []collectors.ContainerState{term}}, {Name: "j-aaaaa", Containers: []collectors.ContainerState{term}}},
			log:  &collectors.LogTail{Pod: "j-bbbbb", Container: "rotate", Lines: []string{"x"}},
			want: "kubectl logs pod/j-bbbbb -c rotate -n ns",
		},
		"one pod, two containers: the container the evidence came from": {
			pods: []collectors.Pod{{Name: "j-aaaaa", Containers: []collectors.ContainerState{side, term}}},
			log:  &collectors.LogTail{Pod: "j-aaaaa", Container: "rotate", Lines: []string{"x"}},
			want: "kubectl logs pod/j-aaaaa -c rotate -n ns",
		},
		"retries, no log read: kubectl picks": {
			pods: []collectors.Pod{{Name: "j-bbbbb"}, {Name: "j-aaaaa"}},
			want: "kubectl logs job/cmek-rotation-29033400 -n ns",
		},
		"no pod left": {want: "", gone: true},
		"pods not listed: cannot tell, the command stays": {
			problems: []collectors.Problem{{Part: "pods", Error: "forbidden"}},
			want:     "kubectl logs job/cmek-rotation-29033400 -n ns",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := healthySnapshot(t, func(s *collectors.Snapshot) {
				j := jobOf(t, s, collectors.RoleRotation)
				j.Outcome, j.Reason, j.Succeeded, j.Failed = collectors.OutcomeFailed, "BackoffLimitExceeded", 0, 2
				j.Pods, j.Log = tc.pods, tc.log
				for i := range s.Sources {
					if s.Sources[i].Source == collectors.SourceKubernetes && tc.problems != nil {
						s.Sources[i].State, s.Sources[i].Problems = collectors.StatePartial, tc.problems
					}
				}
			})
			v := NewVars(s, testNow)
			for _, where := range []struct{ scenario, job string }{{"", "diagnosis"}, {ScenarioRotationJobFailing, "scenario 1"}} {
				var steps []RenderedStep
				if where.scenario == "" {
					steps = v.RenderSteps(b.Diagnosis[0].Steps[2:3])
				} else {
					steps = v.RenderSteps(mustScenario(t, b, where.scenario).Steps[:1])
				}
				st := steps[0]
				if st.Command != tc.want {
					t.Errorf("%s: command %q, want %q", where.job, st.Command, tc.want)
				}
				said := strings.Contains(st.Note, "No pod of Job cmek-rotation-29033400 is left") &&
					strings.Contains(st.Note, "`kubectl describe job cmek-rotation-29033400 -n ns`")
				if said != tc.gone {
					t.Errorf("%s: note %q; want it to say the log is gone: %v", where.job, st.Note, tc.gone)
				}
			}
		})
	}
}
