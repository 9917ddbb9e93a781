package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
)

// jobsView lists the rotation and cleanup Jobs, newest first; enter opens
// the log of the selected Job's pod; / filters them by name, outcome or
// reason.
type jobsView struct {
	listNav
	keys      jobsKeys
	filter    textinput.Model
	filtering bool
	// idx is the judgement's (jobIndex); shown the indices of the Jobs the
	// filter keeps, newest first.
	idx   *jobIndex
	shown []int32
}

// jobIndex is what the filter matches of each Job of the snapshot (name,
// CronJob, outcome, reason, "manual", lower case) and how wide its log's
// widest line is, built off the event loop with the judgement it belongs
// to, read only after.
type jobIndex struct {
	jobs   []collectors.Job // the snapshot's, newest first
	text   []string
	widest []int
}

func newJobIndex(s *collectors.Snapshot) *jobIndex {
	x := &jobIndex{}
	if s.Kubernetes == nil {
		return x
	}
	x.jobs = s.Kubernetes.Jobs
	x.text = make([]string, len(x.jobs))
	x.widest = make([]int, len(x.jobs))
	for i, j := range x.jobs {
		text := strings.ToLower(j.Name + " " + j.CronJob + " " + j.Outcome + " " + j.Reason)
		if j.Manual {
			text += " manual"
		}
		x.text[i] = text
		if j.Log != nil {
			x.widest[i] = widestLine(j.Log.Lines)
		}
	}
	return x
}

// job is the i-th Job shown.
func (v jobsView) job(i int) collectors.Job { return v.idx.jobs[v.shown[i]] }

// jobsKeys move in the list, filter it and open a Job's log.
type jobsKeys struct {
	listKeys
	field  fieldKeys
	Open   key.Binding
	Filter key.Binding
}

// ShortHelp implements help.KeyMap.
func (k jobsKeys) ShortHelp() []key.Binding { return []key.Binding{k.Open, k.Filter} }

// FullHelp implements help.KeyMap.
func (k jobsKeys) FullHelp() [][]key.Binding { return [][]key.Binding{k.help(), {k.Open, k.Filter}} }

func newJobsView() jobsView {
	ti := textinput.New()
	ti.Prompt = "/"
	ti.Placeholder = "name, outcome or reason"
	ti.CharLimit = 64
	return jobsView{filter: ti, keys: jobsKeys{listKeys: defaultListKeys(), field: defaultFieldKeys(),
		Open: openKey("log"), Filter: filterKey("filter")}}
}

// KeyMap implements view.
func (v jobsView) KeyMap() help.KeyMap { return v.keys }

// Typing implements view.
func (v jobsView) Typing() bool { return v.filtering }

// Back implements backer: esc drops the filter applied.
func (v jobsView) Back(c *viewCtx) (view, bool) {
	if v.filter.Value() == "" {
		return v, false
	}
	v.filter.SetValue("")
	v.refilter(c.state)
	return v, true
}

// refilter keeps the judgement's Jobs that the filter matches: one pass.
func (v *jobsView) refilter(st *state) {
	x := st.jobs
	v.idx = x
	q := strings.ToLower(strings.TrimSpace(v.filter.Value()))
	v.shown = v.shown[:0:0]
	for i, text := range x.text {
		if q == "" || strings.Contains(text, q) {
			v.shown = append(v.shown, int32(i))
		}
	}
	v.cursor = max(0, min(v.cursor, len(v.shown)-1))
}

// Update moves in the list and filters it; enter opens the selected Job's
// log.
func (v jobsView) Update(msg tea.Msg, c *viewCtx) (view, tea.Cmd) {
	var k tea.KeyMsg
	switch msg := msg.(type) {
	case dataMsg:
		v.refilter(c.state)
		return v, nil
	case tea.KeyMsg:
		k = msg
	default:
		return v, nil
	}
	page := c.h - 6
	if v.filtering {
		v.filter, v.filtering = v.keys.field.edit(v.filter, k)
		v.cursor, v.offset = 0, 0
		v.refilter(c.state)
		return v, nil
	}
	switch {
	case v.move(k, v.keys.listKeys, len(v.shown), page):
	case key.Matches(k, v.keys.Filter):
		v.filtering = true
		v.filter.Focus()
	case key.Matches(k, v.keys.Open) && v.cursor < len(v.shown):
		c.open = newLogView(v.job(v.cursor), v.idx.widest[v.shown[v.cursor]])
	}
	return v, nil
}

// jobName is the name shown for a Job, (manual) for one made by hand.
func jobName(j collectors.Job) string {
	if j.Manual {
		return j.Name + " (manual)"
	}
	return j.Name
}

// View implements view.
func (v jobsView) View(c *viewCtx, w, h int) string {
	st := c.state
	s := st.styles
	if st.snap.Kubernetes == nil {
		return emptySource(st, collectors.SourceKubernetes, "jobs", w)
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
	head := s.Section.Render("Jobs") + s.Muted.Render(" newest first · enter: log")
	switch {
	case v.filtering:
		head += "  " + v.filter.View()
	case v.filter.Value() != "":
		head += fmt.Sprintf("  %d of %d match %q", len(v.shown), len(st.snap.Kubernetes.Jobs), v.filter.Value()) + s.Muted.Render(" (esc clears)")
	}
	b.WriteString(truncate(head, w) + "\n")
	// the name column is as wide as the longest name (a manual Job's are
	// longer), up to what leaves the other columns on the screen, and at
	// least 28 (a scheduled Job's name) while the outcome still fits: a
	// narrow screen cuts the age and duration before the names
	nameW := 28
	for i := range v.shown {
		nameW = max(nameW, len(jobName(v.job(i))))
	}
	nameW = max(12, min(nameW, max(w-2-1-9-1-20-1-9-1-8, min(28, w-2-1-9-1-12))))
	b.WriteString(s.Muted.Render(fmt.Sprintf("  %-*s %-9s %-20s %-9s %s", nameW, "JOB", "OUTCOME", "REASON", "AGE", "DURATION")) + "\n")
	from, to := v.visible(len(v.shown), h-6)
	for i := from; i < to; i++ {
		j := v.job(i)
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
		name := padRight(truncate(jobName(j), nameW), nameW)
		line := fmt.Sprintf("%s %s %-20s %-9s %s", name, style.Render(fmt.Sprintf("%-9s", j.Outcome)), truncate(j.Reason, 20), age, dur)
		if j.Log != nil && len(j.Log.Matches) > 0 {
			line += s.Muted.Render(fmt.Sprintf("  %d flagged line(s)", len(j.Log.Matches)))
		}
		b.WriteString(listRow(st, i == v.cursor, line, w))
	}
	switch {
	case len(v.shown) == 0 && v.filter.Value() != "":
		b.WriteString(s.Muted.Render("  no Job matches") + "\n")
	case len(v.shown) == 0 && unreadPart(st.snap, collectors.SourceKubernetes, "jobs") != "":
		b.WriteString(wrapHanging("  "+unreadLine(st, "the Jobs", unreadPart(st.snap, collectors.SourceKubernetes, "jobs")), w) + "\n")
	case len(v.shown) == 0:
		b.WriteString(s.Muted.Render("  no Job of these CronJobs") + "\n")
	}
	return b.String()
}
