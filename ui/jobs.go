package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
)

// jobsView lists the rotation and cleanup Jobs, newest first; enter opens
// the log of the selected Job's pod.
type jobsView struct {
	listNav
	keys jobsKeys
}

// jobsKeys move in the list and open a Job's log.
type jobsKeys struct {
	listKeys
	Open key.Binding
}

// ShortHelp implements help.KeyMap.
func (k jobsKeys) ShortHelp() []key.Binding { return nil }

// FullHelp implements help.KeyMap.
func (k jobsKeys) FullHelp() [][]key.Binding { return [][]key.Binding{k.help(), {k.Open}} }

func newJobsView() jobsView {
	return jobsView{keys: jobsKeys{listKeys: defaultListKeys(), Open: openKey("the Job's log")}}
}

// KeyMap implements view.
func (v jobsView) KeyMap() help.KeyMap { return v.keys }

// Typing implements view.
func (v jobsView) Typing() bool { return false }

func (v jobsView) jobs(st *state) []collectors.Job {
	if st.snap.Kubernetes == nil {
		return nil
	}
	return st.snap.Kubernetes.Jobs
}

// Update moves in the list; enter opens the selected Job's log.
func (v jobsView) Update(msg tea.Msg, c *viewCtx) (view, tea.Cmd) {
	k, ok := msg.(tea.KeyMsg)
	if !ok {
		return v, nil
	}
	jobs := v.jobs(c.state)
	if !v.move(k, v.keys.listKeys, len(jobs), c.h-6) && key.Matches(k, v.keys.Open) && v.cursor < len(jobs) {
		c.open = newLogView(jobs[v.cursor])
	}
	return v, nil
}

// View implements view.
func (v jobsView) View(c *viewCtx, w, h int) string {
	st := c.state
	s := st.styles
	if st.snap.Kubernetes == nil {
		return emptySource(st, collectors.SourceKubernetes, "jobs")
	}
	var b strings.Builder
	b.WriteString(s.Section.Render("CronJobs") + "\n")
	for _, cj := range st.snap.Kubernetes.CronJobs {
		switch {
		case cj.Error != "":
			b.WriteString(truncate(fmt.Sprintf("  %-16s %s", cj.Name, s.Unknown.Render("unreadable: "+cj.Error)), w) + "\n")
		case !cj.Found:
			b.WriteString(truncate(fmt.Sprintf("  %-16s %s", cj.Name, s.Warning.Render("not found in "+st.snap.Namespace)), w) + "\n")
		default:
			dl := "none"
			if cj.ActiveDeadlineSeconds != nil {
				dl = fmt.Sprintf("%ds", *cj.ActiveDeadlineSeconds)
			}
			extra := ""
			for _, e := range cj.Env {
				if e.Name == "DRY_RUN" && strings.EqualFold(e.Value, "true") {
					extra = s.Warning.Render(" DRY_RUN=true")
				}
			}
			if cj.Suspend {
				extra += s.Warning.Render(" SUSPENDED")
			}
			last := "never"
			if cj.LastSuccessfulTime != nil {
				last = shortDur(st.judgedAt.Sub(*cj.LastSuccessfulTime)) + " ago"
			}
			b.WriteString(truncate(fmt.Sprintf("  %-16s %-12s deadline %-6s last success %s%s", cj.Name, cj.Schedule, dl, last, extra), w) + "\n")
		}
	}
	jobs := v.jobs(st)
	b.WriteString(s.Section.Render("Jobs") + s.Muted.Render(" newest first · enter: log") + "\n")
	b.WriteString(s.Muted.Render(fmt.Sprintf("  %-28s %-9s %-20s %-9s %s", "JOB", "OUTCOME", "REASON", "AGE", "DURATION")) + "\n")
	from, to := v.visible(len(jobs), h-6)
	for i := from; i < to; i++ {
		j := jobs[i]
		style := s.OK
		switch j.Outcome {
		case collectors.OutcomeFailed:
			style = s.Critical
		case collectors.OutcomeRunning:
			style = s.Warning
		}
		age, dur := "-", "-"
		if w := j.When(); !w.IsZero() {
			age = shortDur(st.judgedAt.Sub(w))
		}
		if j.Started != nil && j.Finished != nil {
			dur = shortDur(j.Finished.Sub(*j.Started))
		}
		name := j.Name
		if j.Manual {
			name += " (manual)"
		}
		line := fmt.Sprintf("%-28s %s %-20s %-9s %s", name, style.Render(fmt.Sprintf("%-9s", j.Outcome)), j.Reason, age, dur)
		if j.Log != nil && len(j.Log.Matches) > 0 {
			line += s.Muted.Render(fmt.Sprintf("  %d flagged line(s)", len(j.Log.Matches)))
		}
		b.WriteString(listRow(st, i == v.cursor, line, w))
	}
	if len(jobs) == 0 {
		b.WriteString(s.Muted.Render("  no Job of these CronJobs") + "\n")
	}
	return b.String()
}
