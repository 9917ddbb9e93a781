package ui

import (
	"fmt"
	"sort"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors/auditlog"
)

// auditView shows the cmek.rotation audit events: counts per action and
// outcome, and per tenant the last success and failure, with filters by
// tenant (/) and outcome (o).
type auditView struct {
	listNav
	filter    textinput.Model
	filtering bool
	outcome   int // index into auditOutcomes
	rows      []auditRow
	built     bool
}

type auditRow struct {
	id string
	t  auditlog.TenantSummary
}

var auditOutcomes = []string{"all tenants", "latest attempt failed", "latest attempt succeeded"}

func newAuditView() auditView {
	ti := textinput.New()
	ti.Prompt = "/"
	ti.Placeholder = "tenant id"
	return auditView{filter: ti}
}

func (v *auditView) invalidate() { v.built = false }

func (v *auditView) build(st *state) {
	if v.built {
		return
	}
	v.built = true
	v.rows = v.rows[:0]
	if st.snap.Logs == nil {
		return
	}
	q := strings.ToLower(v.filter.Value())
	for id, t := range st.snap.Logs.Audit.Tenants {
		if q != "" && !strings.Contains(strings.ToLower(id), q) {
			continue
		}
		failing := t.LastFailure != nil && (t.LastSuccess == nil || t.LastFailure.After(*t.LastSuccess))
		if v.outcome == 1 && !failing || v.outcome == 2 && failing {
			continue
		}
		v.rows = append(v.rows, auditRow{id: id, t: t})
	}
	sort.Slice(v.rows, func(i, j int) bool { return v.rows[i].id < v.rows[j].id })
}

func (v *auditView) update(msg tea.KeyMsg, st *state, h int) {
	if v.filtering {
		switch msg.Type {
		case tea.KeyEnter:
			v.filtering = false
			v.filter.Blur()
		case tea.KeyEsc:
			v.filtering = false
			v.filter.Blur()
			v.filter.SetValue("")
		default:
			v.filter, _ = v.filter.Update(msg)
		}
		v.built, v.cursor, v.offset = false, 0, 0
		v.build(st)
		return
	}
	v.build(st)
	if v.move(msg, st.keys, len(v.rows), h-9) {
		return
	}
	switch {
	case key.Matches(msg, st.keys.Filter):
		v.filtering = true
		v.filter.Focus()
	case key.Matches(msg, st.keys.Outcome):
		v.outcome = (v.outcome + 1) % len(auditOutcomes)
		v.built, v.cursor, v.offset = false, 0, 0
		v.build(st)
	}
}

func (v *auditView) view(st *state, w, h int) string {
	s := st.styles
	if st.snap.Logs == nil {
		return emptySource(st, collectors.SourceLogs, "the audit log")
	}
	v.build(st)
	a := st.snap.Logs.Audit
	var b strings.Builder
	span := "no event"
	if a.FirstEvent != nil && a.LastEvent != nil {
		span = fmt.Sprintf("%s … %s (last %s ago)", a.FirstEvent.Format("01-02 15:04"), a.LastEvent.Format("01-02 15:04"), shortDur(st.judgedAt.Sub(*a.LastEvent)))
	}
	b.WriteString(s.Section.Render("Audit events") + fmt.Sprintf("  %d events from %d pods · %s", a.Events, len(st.snap.Logs.Pods), span) + "\n")
	b.WriteString(s.Muted.Render(fmt.Sprintf("%d lines, %d not JSON, %d without action, %d oversized", a.Lines, a.NotJSON, a.MissingAction, a.Oversized)) + "\n")
	// counts per action and outcome
	actions := make([]string, 0, len(a.Counts))
	for act := range a.Counts {
		actions = append(actions, act)
	}
	sort.Strings(actions)
	var parts []string
	for _, act := range actions {
		var oc []string
		for o, n := range a.Counts[act] {
			txt := fmt.Sprintf("%s %d", o, n)
			if o != "success" {
				txt = s.Critical.Render(txt)
			}
			oc = append(oc, txt)
		}
		sort.Strings(oc)
		parts = append(parts, strings.TrimPrefix(act, "cmek.rotation.")+": "+strings.Join(oc, ", "))
	}
	b.WriteString(truncate(strings.Join(parts, " · "), w) + "\n")
	rn := a.Renewals
	ren := fmt.Sprintf("VaultTokenRenewal: %d ok, %d errors", rn.OK, rn.Errors)
	if rn.Errors > 0 && len(rn.RecentErrors) > 0 {
		ren = s.Warning.Render(ren) + s.Muted.Render(" · latest: "+rn.RecentErrors[len(rn.RecentErrors)-1].Message)
	}
	b.WriteString(truncate(ren, w) + "\n")
	filt := s.Muted.Render("/ tenant filter · o: " + auditOutcomes[v.outcome])
	if v.filtering || v.filter.Value() != "" {
		filt = v.filter.View() + s.Muted.Render("  o: "+auditOutcomes[v.outcome])
	}
	b.WriteString(filt + "\n")
	b.WriteString(s.Muted.Render(fmt.Sprintf("  %-12s %-16s %-16s %-28s %5s %5s", "TENANT", "LAST SUCCESS", "LAST FAILURE", "REASON", "OK", "FAIL")) + "\n")
	from, to := v.visible(len(v.rows), h-9)
	for i := from; i < to; i++ {
		r := v.rows[i]
		ls, lf := "-", "-"
		if r.t.LastSuccess != nil {
			ls = shortDur(st.judgedAt.Sub(*r.t.LastSuccess)) + " ago"
		}
		if r.t.LastFailure != nil {
			lf = s.Critical.Render(fmt.Sprintf("%-16s", shortDur(st.judgedAt.Sub(*r.t.LastFailure))+" ago"))
		} else {
			lf = fmt.Sprintf("%-16s", lf)
		}
		line := fmt.Sprintf("%-12s %-16s %s %-28s %5d %5d", r.id, ls, lf, truncate(r.t.LastFailureReason, 28), r.t.Successes, r.t.Failures)
		if i == v.cursor {
			b.WriteString(s.Selected.Render("▸ "+truncate(line, w-2)) + "\n")
		} else {
			b.WriteString("  " + truncate(line, w-2) + "\n")
		}
	}
	if len(v.rows) == 0 {
		b.WriteString(s.Muted.Render("  no tenant event matches") + "\n")
	}
	return b.String()
}
