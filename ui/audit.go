package ui

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors/auditlog"
)

// auditView shows the cmek.rotation audit events: counts per action and
// outcome, per tenant the last success and failure, or the stream of the
// latest events (e), with filters by tenant (/) and outcome (o).
type auditView struct {
	listNav
	keys      auditKeys
	filter    textinput.Model
	filtering bool
	outcome   int  // index into auditOutcomes
	events    bool // the event stream instead of the per-tenant table
	// idx is the judgement's (auditIndex); rows and evRows the indices of
	// its rows and events that the filters keep.
	idx    *auditIndex
	rows   []int32
	evRows []int32
}

type auditRow struct {
	id      string
	lower   string // id, lower case: what the filter matches
	failing bool   // the latest dated outcome is a failure
	t       auditlog.TenantSummary
}

// auditIndex is the audit log's tenants sorted by id and its latest events
// newest first, built off the event loop with the judgement it belongs to,
// read only after: a filter is one pass over them.
type auditIndex struct {
	rows   []auditRow
	events []auditlog.Event
	lower  []string // per event: its tenant, lower case
}

func newAuditIndex(s *collectors.Snapshot) *auditIndex {
	x := &auditIndex{}
	if s.Logs == nil {
		return x
	}
	a := s.Logs.Audit
	x.rows = make([]auditRow, 0, len(a.Tenants))
	for id, t := range a.Tenants {
		failing := t.LastFailure != nil && (t.LastSuccess == nil || t.LastFailure.After(*t.LastSuccess))
		x.rows = append(x.rows, auditRow{id: id, lower: strings.ToLower(id), failing: failing, t: t})
	}
	slices.SortFunc(x.rows, func(a, b auditRow) int { return strings.Compare(a.id, b.id) })
	evs := a.RecentEvents
	x.events = make([]auditlog.Event, 0, len(evs))
	x.lower = make([]string, 0, len(evs))
	for i := len(evs) - 1; i >= 0; i-- {
		x.events = append(x.events, evs[i])
		x.lower = append(x.lower, strings.ToLower(evs[i].Tenant))
	}
	return x
}

var auditOutcomes = []string{"all", "failures", "successes"}

// auditKeys move in the list, filter it, switch the table.
type auditKeys struct {
	listKeys
	field   fieldKeys
	Open    key.Binding
	Filter  key.Binding
	Outcome key.Binding
	Events  key.Binding
}

// ShortHelp implements help.KeyMap.
func (k auditKeys) ShortHelp() []key.Binding {
	return []key.Binding{k.Open, k.Filter, k.Outcome, k.Events}
}

// FullHelp implements help.KeyMap.
func (k auditKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{k.help(), {k.Open, k.Filter, k.Outcome, k.Events}}
}

func newAuditView() auditView {
	ti := textinput.New()
	ti.Prompt = "/"
	ti.Placeholder = "tenant id"
	return auditView{filter: ti, keys: auditKeys{listKeys: defaultListKeys(), field: defaultFieldKeys(),
		Open:    openKey("tenant"),
		Filter:  filterKey("filter"),
		Outcome: key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "outcome filter")),
		Events:  key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "events / per tenant")),
	}}
}

// KeyMap implements view.
func (v auditView) KeyMap() help.KeyMap { return v.keys }

// Typing implements view.
func (v auditView) Typing() bool { return v.filtering }

// refilter keeps the judgement's rows and events that the tenant filter
// and the outcome filter let through: one pass, no sort.
func (v *auditView) refilter(st *state) {
	x := st.audit
	v.idx = x
	q := strings.ToLower(v.filter.Value())
	keep := func(failed bool) bool { return !(v.outcome == 1 && !failed || v.outcome == 2 && failed) }
	v.rows = v.rows[:0:0]
	for i, r := range x.rows {
		if (q == "" || strings.Contains(r.lower, q)) && keep(r.failing) {
			v.rows = append(v.rows, int32(i))
		}
	}
	v.evRows = v.evRows[:0:0]
	for i, e := range x.events {
		if (q == "" || strings.Contains(x.lower[i], q)) && keep(e.Outcome != "success") {
			v.evRows = append(v.evRows, int32(i))
		}
	}
}

func (v auditView) count() int {
	if v.events {
		return len(v.evRows)
	}
	return len(v.rows)
}

// Update rebuilds the rows on new data, and answers the list, filter and
// table keys.
func (v auditView) Update(msg tea.Msg, c *viewCtx) (view, tea.Cmd) {
	st, h := c.state, c.h
	var k tea.KeyMsg
	switch msg := msg.(type) {
	case dataMsg:
		v.refilter(st)
		return v, nil
	case tea.KeyMsg:
		k = msg
	default:
		return v, nil
	}
	if v.filtering {
		v.filter, v.filtering = v.keys.field.edit(v.filter, k)
		v.cursor, v.offset = 0, 0
		v.refilter(st)
		return v, nil
	}
	if v.idx != st.audit {
		v.refilter(st)
	}
	page := h - 9
	if u := auditUnread(st, c.w); u != "" {
		page -= strings.Count(u, "\n") + 1
	}
	if v.move(k, v.keys.listKeys, v.count(), page) {
		return v, nil
	}
	switch {
	case key.Matches(k, v.keys.Open):
		v.open(c)
	case key.Matches(k, v.keys.Events):
		v.events = !v.events
		v.cursor, v.offset = 0, 0
	case key.Matches(k, v.keys.Filter):
		v.filtering = true
		v.filter.Focus()
	case key.Matches(k, v.keys.Outcome):
		v.outcome = (v.outcome + 1) % len(auditOutcomes)
		v.cursor, v.offset = 0, 0
		v.refilter(st)
	}
	return v, nil
}

// open opens the detail of the selected row's tenant, or says why there
// is none.
func (v auditView) open(c *viewCtx) {
	id := ""
	switch {
	case v.events && v.cursor < len(v.evRows):
		if id = v.idx.events[v.evRows[v.cursor]].Tenant; id == "" {
			c.state.message = "this event names no tenant"
			return
		}
	case !v.events && v.cursor < len(v.rows):
		id = v.idx.rows[v.rows[v.cursor]].id
	default:
		return
	}
	c.open = newTenantDetail(c, id, "the audit log")
}

// View implements view.
func (v auditView) View(c *viewCtx, w, h int) string {
	st := c.state
	s := st.styles
	if st.snap.Logs == nil {
		return emptySource(st, collectors.SourceLogs, "the audit log", w)
	}
	a := st.snap.Logs.Audit
	var b strings.Builder
	span := "no event"
	if a.FirstEvent != nil && a.LastEvent != nil {
		span = fmt.Sprintf("%s … %s (last %s ago)", a.FirstEvent.Format("01-02 15:04"), a.LastEvent.Format("01-02 15:04"), shortDur(st.judgedAt.Sub(*a.LastEvent)))
	}
	head := fmt.Sprintf("  %d events from %d pods · %s", a.Events, len(st.snap.Logs.Pods), span)
	unread, bad := auditUnread(st, w), 0
	for _, p := range st.snap.Logs.Pods {
		if p.Error != "" {
			bad++
		}
	}
	page := h - 9
	switch sel := st.snap.Logs.Unmatched(collectors.LogRoleSecurity); {
	case unread != "":
		// the counts below are of what was read, not of what is there;
		// why, on lines of its own under the heading, wrapped whole
		head = "\n" + unread
		page -= strings.Count(unread, "\n") + 1
	case sel != "" && a.Events == 0:
		head = "  " + s.Warning.Render("no pod matches -l "+sel+": no audit log was read (kubernetes.securityLabel)")
	case bad > 0:
		head += s.Warning.Render(fmt.Sprintf(" · %d of %d pods' logs unreadable: their events are not counted", bad, len(st.snap.Logs.Pods)))
	}
	b.WriteString(truncate(s.Section.Render("Audit events")+head, w) + "\n")
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
	switch sel := st.snap.Logs.Unmatched(collectors.LogRoleOrchestrator); {
	case rn.Errors > 0 && len(rn.RecentErrors) > 0:
		ren = s.Warning.Render(ren) + s.Muted.Render(" · latest: "+rn.RecentErrors[len(rn.RecentErrors)-1].Message)
	case sel != "" && rn.OK == 0:
		ren = "VaultTokenRenewal: " + s.Warning.Render("no pod matches -l "+sel+": not read (kubernetes.orchestratorLabel)")
	case unread != "" && rn.OK == 0 && rn.Errors == 0:
		ren = "VaultTokenRenewal: " + s.Unknown.Render("unknown")
	}
	b.WriteString(truncate(ren, w) + "\n")
	mode := "per tenant (e: event stream)"
	if v.events {
		mode = fmt.Sprintf("latest %d events, newest first (e: per tenant)", len(a.RecentEvents))
	}
	filt := s.Muted.Render("/ tenant filter · o: " + auditOutcomes[v.outcome] + " · " + mode)
	if v.filtering || v.filter.Value() != "" {
		filt = v.filter.View() + s.Muted.Render("  o: "+auditOutcomes[v.outcome]+" · "+mode)
	}
	b.WriteString(truncate(filt, w) + "\n")
	if v.events {
		b.WriteString(v.eventRows(st, w, page))
		return b.String()
	}
	b.WriteString(s.Muted.Render(fmt.Sprintf("  %-12s %-16s %-16s %-28s %5s %5s", "TENANT", "LAST SUCCESS", "LAST FAILURE", "REASON", "OK", "FAIL")) + "\n")
	from, to := v.visible(len(v.rows), page)
	for i := from; i < to; i++ {
		r := v.idx.rows[v.rows[i]]
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
		b.WriteString(listRow(st, i == v.cursor, line, w))
	}
	if len(v.rows) == 0 {
		b.WriteString(s.Muted.Render("  no tenant event matches") + "\n")
	}
	return b.String()
}

func (v auditView) eventRows(st *state, w, page int) string {
	s := st.styles
	var b strings.Builder
	b.WriteString(s.Muted.Render(fmt.Sprintf("  %-17s %-30s %-8s %-10s %s", "TIME", "ACTION", "OUTCOME", "TENANT", "REASON / POD")) + "\n")
	from, to := v.visible(len(v.evRows), page)
	for i := from; i < to; i++ {
		e := v.idx.events[v.evRows[i]]
		when := "undated"
		if e.Time != nil {
			when = e.Time.UTC().Format("01-02 15:04:05")
		}
		out := fmt.Sprintf("%-8s", e.Outcome)
		if e.Outcome != "success" {
			out = s.Critical.Render(out)
		}
		detail := e.Reason
		if detail == "" {
			detail = s.Muted.Render(e.Source)
		}
		line := fmt.Sprintf("%-17s %-30s %s %-10s %s", when, e.Action, out, e.Tenant, detail)
		b.WriteString(listRow(st, i == v.cursor, line, w))
	}
	if len(v.evRows) == 0 {
		b.WriteString(s.Muted.Render("  no event matches") + "\n")
	}
	return b.String()
}

// auditUnread is why the audit log was not all read, as the lines the
// view shows under its heading in w cells ("" when all of it was).
func auditUnread(st *state, w int) string {
	if st.snap.Logs == nil {
		return ""
	}
	unread := unreadPart(st.snap, collectors.SourceLogs)
	for _, ls := range st.snap.Logs.Selectors {
		if ls.Error != "" && unread == "" {
			unread = "list pods -l " + ls.Selector + ": " + ls.Error
		}
	}
	if unread == "" {
		return ""
	}
	return wrapHanging("  "+unreadLine(st, "the audit log", unread), w)
}
