package ui

import (
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/runbook"
)

// judged is one merged snapshot and everything the dashboard derives from
// it: the triage, the commands' variables, the forecast and the rows the
// views filter and sort (the action modal's verification checks are its
// own Cmds: verifyReq). It is built by judgeReq.run
// in a Cmd, off the event loop, and never changed after: Update only swaps
// it in (state embeds the one shown) and the views take what they show from
// it, so a refresh costs the event loop a few pointer copies and the views'
// filters, not the triage.
type judged struct {
	// rev is the data generation it answers: every part merged makes a new
	// one (Model.rev).
	rev      int
	snap     *collectors.Snapshot
	judgedAt time.Time
	assess   runbook.Assessment
	vars     runbook.Vars
	forecast runbook.Forecast
	tenants  *tenantIndex
	audit    *auditIndex
	jobs     *jobIndex
	// timeline is what happened, in order, with the journal's actions
	// (the journal read the judgement was made with; a journal read after
	// gets a timeline of its own: timelineReq).
	timeline *timelineIndex
}

// judgeReq is what a judgement is made from: values only (the snapshot is
// a copy made for it, never changed after), so its Cmd shares nothing with
// the model that Update changes.
type judgeReq struct {
	rev  int
	book *runbook.Book // read only
	snap *collectors.Snapshot
	at   time.Time
	// prev is the judgement shown when it started (never changed): the
	// rows of a source whose part is the same are taken from it.
	prev *judged
	// journal is the last read of the action journal (never changed): its
	// actions go into the timeline.
	journal *journalRead
	// timeline asks for the timeline (the Timeline tab has been looked
	// at); else it is left pending.
	timeline bool
}

// judgedMsg carries a judgement back to Update.
type judgedMsg struct{ j *judged }

// judgeCmd runs req in a Cmd.
func judgeCmd(req judgeReq) tea.Cmd {
	return func() tea.Msg { return judgedMsg{j: req.run()} }
}

// run judges the snapshot: the work that used to be done in Update on every
// part of every load.
func (req judgeReq) run() *judged {
	s, at, b := req.snap, req.at, req.book
	j := &judged{rev: req.rev, snap: s, judgedAt: at}
	j.assess = b.Triage(s, at)
	j.vars = runbook.NewVars(s, at)
	j.forecast = b.Forecast(s, at)
	j.tenants = newTenantIndex(s, j.assess) // flags from the triage of every source
	if p := req.prev; p != nil && p.snap.Logs == s.Logs {
		j.audit = p.audit
	} else {
		j.audit = newAuditIndex(s)
	}
	if p := req.prev; p != nil && p.snap.Kubernetes == s.Kubernetes {
		j.jobs = p.jobs
	} else {
		j.jobs = newJobIndex(s)
	}
	// Book.Timeline keeps a triage of its own (the runbook has no way to
	// hand it the one above): it reads the snapshot again, here in the Cmd
	if req.timeline {
		j.timeline = newTimelineIndex(b, s, at, req.journal)
	} else {
		j.timeline = &timelineIndex{pending: true, journal: req.journal}
	}
	return j
}
