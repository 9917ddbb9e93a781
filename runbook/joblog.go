package runbook

import (
	"slices"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/shell"
)

// jobLog is what a Job's log command reads: gone when the snapshot shows
// no pod of the Job is left (its pods were listed, none is the Job's, and
// no log of it was read); else the pod and container the tool read the log of, when the
// Job has several pods or that pod several containers (kubectl logs
// job/NAME would pick one of them itself, not necessarily that one).
type jobLog struct {
	gone           bool
	pod, container string
}

// jobLogsOf is, per Job of the snapshot, its jobLog.
func jobLogsOf(s *collectors.Snapshot) map[string]jobLog {
	out := map[string]jobLog{}
	if s.Kubernetes == nil {
		return out
	}
	listed := !slices.ContainsFunc(s.Source(collectors.SourceKubernetes).Problems, func(p collectors.Problem) bool { return p.Part == "pods" })
	for _, j := range s.Kubernetes.Jobs {
		var l jobLog
		switch {
		case len(j.Pods) == 0:
			// a log read names its pod: it was there (a hand-made
			// snapshot may list no pods beside it)
			l.gone = listed && j.Log == nil
		case j.Log != nil && j.Log.Pod != "" && j.Log.Container != "":
			if p := podOf(j, j.Log.Pod); len(j.Pods) > 1 || p == nil || len(p.Containers) > 1 {
				l.pod, l.container = j.Log.Pod, j.Log.Container
			}
		}
		out[j.Name] = l
	}
	return out
}

func podOf(j collectors.Job, name string) *collectors.Pod {
	for i := range j.Pods {
		if j.Pods[i].Name == name {
			return &j.Pods[i]
		}
	}
	return nil
}

// JobLog is the command that prints Job job's log, as the tool read it:
// kubectl logs job/NAME when the Job has one pod with one container (or
// the tool read no log of it), kubectl logs pod/POD -c CONTAINER of the
// pod and container the tool read when it has several; "" when no pod
// of the Job is left, so no command could read its log (JobGone). A
// placeholder Job (<failed-job-name>) gets the job/ form.
func (v Vars) JobLog(job string) string { return v.jobs[job].command(v.Kubectl, v.namespace(), job) }

// command is the command that prints Job job's log (see Vars.JobLog),
// through kubectl (with its connection flags) in namespace ns.
func (l jobLog) command(kubectl, ns, job string) string {
	switch {
	case l.gone:
		return ""
	case l.pod != "":
		return kubectl + " logs pod/" + shell.Word(l.pod) + " -c " + shell.Word(l.container) + " -n " + shell.Word(ns)
	}
	return kubectl + " logs job/" + shell.Word(job) + " -n " + shell.Word(ns)
}

// JobGone reports whether the snapshot shows no pod of Job job is left:
// its log went with its pods.
func (v Vars) JobGone(job string) bool { return v.jobs[job].gone }
