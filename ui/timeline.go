package ui

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/oss-ai-agent-tool/kubectl-rotation/actions"
	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/runbook"
)

// timelineView is what happened, in order (runbook.Book.Timeline, as
// `kubectl rotation timeline` writes it): Job starts and ends, warning
// Events, audit events, alerts, metric transitions, Vault key versions and
// the journal's actions, each tenant's first failure (◆) and last success
// (◇) marked. / filters by any text, s and S choose a scenario, o flips the
// order, enter opens the entry's evidence (a Job's log, the tenant, the
// metrics, the audit events).
type timelineView struct {
	listNav
	keys      timelineKeys
	filter    textinput.Model
	filtering bool
	scenario  int  // 0: every scenario; i: the book's i-th (1-based)
	oldest    bool // oldest first (o); newest first by default
	// idx is the judgement's (timelineIndex); shown the indices of its
	// entries the filters keep, in the order shown.
	idx   *timelineIndex
	shown []int32
}

// timelineIndex is a judgement's timeline with the journal read it holds,
// and per entry what the filter matches and where enter goes, built off
// the event loop (in judgeReq's or timelineReq's Cmd) and read only after.
type timelineIndex struct {
	// pending: not made (the Timeline tab has not been looked at yet; it
	// is made in a Cmd the first time it is)
	pending bool
	tl      runbook.Timeline
	journal *journalRead
	// text is per entry what the filter matches, lower case: tenant,
	// kind, outcome, source, summary and scenarios (not the evidence
	// command: "action" would match every audit entry's jq filter).
	text []string
	goes []evidenceTarget
	// newest is the entries newest first, shown as it is when no filter is
	// set (read only).
	newest []int32
}

// evidenceTarget is where enter goes from an entry: the view that holds
// its evidence.
type evidenceTarget struct {
	kind evidenceKind
	name string // the Job or the tenant
}

type evidenceKind uint8

const (
	evidenceNone    evidenceKind = iota // its command (shown) is the evidence
	evidenceLog                         // the Job's log
	evidenceTenant                      // the tenant's detail
	evidenceMetrics                     // the metrics and alerts
	evidenceAudit                       // the audit event stream (an audit event of no tenant)
)

// where is what the detail line says enter opens.
var evidenceWhere = map[evidenceKind]string{
	evidenceLog: "the Job's log", evidenceTenant: "the tenant", evidenceMetrics: "the metrics", evidenceAudit: "the audit events",
}

// newTimelineIndex makes the timeline of s judged at at, with the actions
// of the journal read jr (nil: none read).
func newTimelineIndex(b *runbook.Book, s *collectors.Snapshot, at time.Time, jr *journalRead) *timelineIndex {
	var js []runbook.JournalAction
	if jr != nil {
		js = jr.actions
	}
	// the journal's state is a line of the view's own (journalLine), not
	// one of the timeline's "cannot tell"
	x := &timelineIndex{tl: b.Timeline(s, at, runbook.TimelineOptions{Journal: js}), journal: jr}
	jobs := map[string]bool{}
	if s.Kubernetes != nil {
		for _, j := range s.Kubernetes.Jobs {
			jobs[j.Name] = true
		}
	}
	x.text = make([]string, len(x.tl.Entries))
	x.goes = make([]evidenceTarget, len(x.tl.Entries))
	var sb strings.Builder
	for i, e := range x.tl.Entries {
		sb.Reset()
		for _, f := range append([]string{e.Tenant, e.Kind, e.Outcome, e.Source, e.Summary}, e.Scenarios...) {
			sb.WriteString(strings.ToLower(f))
			sb.WriteByte(0) // typed text never holds it: no match across two
		}
		x.text[i] = sb.String()
		switch job := e.JobName(); {
		case job != "" && jobs[job]:
			x.goes[i] = evidenceTarget{evidenceLog, job}
		case e.Kind == runbook.EntryAlert || e.Kind == runbook.EntryMetric:
			x.goes[i] = evidenceTarget{kind: evidenceMetrics}
		case e.Tenant != "" && (e.Kind == runbook.EntryAudit || e.Kind == runbook.EntryVersion || e.Kind == runbook.EntryAction):
			x.goes[i] = evidenceTarget{evidenceTenant, e.Tenant}
		case e.Kind == runbook.EntryAudit:
			x.goes[i] = evidenceTarget{kind: evidenceAudit}
		}
	}
	x.newest = make([]int32, len(x.tl.Entries))
	for i := range x.newest {
		x.newest[i] = int32(len(x.newest) - 1 - i)
	}
	return x
}

// timelineReq makes the timeline of the judgement rev again with a journal
// read after it was made: values only, as judgeReq.
type timelineReq struct {
	rev     int
	book    *runbook.Book // read only
	snap    *collectors.Snapshot
	at      time.Time
	journal *journalRead
}

// timelineMsg carries a timeline made again back to Update.
type timelineMsg struct {
	rev int
	idx *timelineIndex
}

func (r timelineReq) run() timelineMsg {
	return timelineMsg{rev: r.rev, idx: newTimelineIndex(r.book, r.snap, r.at, r.journal)}
}

func timelineCmd(r timelineReq) tea.Cmd {
	return func() tea.Msg { return r.run() }
}

// journalRead is one read of the action journal (actions.ReadJournalActions,
// as the CLI's timeline reads it): its actions, or why there are none.
// Never changed after.
type journalRead struct {
	gen     int    // the read's number (Model.journalGen); 0: none answered
	path    string // "": the session has no journal (the demo keeps none)
	reading bool   // the first read has not answered yet
	actions []runbook.JournalAction
	// missing: no file at path, so no action was recorded there.
	missing  bool
	problems []string // damaged lines skipped
	err      error    // the file is there and cannot be read
}

// journalMsg answers a read of the journal.
type journalMsg struct{ r *journalRead }

// readJournalCmd reads the journal at path in a Cmd, as read number gen.
func readJournalCmd(path string, gen int) tea.Cmd {
	return func() tea.Msg {
		r := &journalRead{gen: gen, path: path}
		r.actions, r.problems, r.err = actions.ReadJournalActions(path)
		if errors.Is(r.err, os.ErrNotExist) {
			r.missing, r.err = true, nil
		}
		return journalMsg{r: r}
	}
}

// timelineKeys move in the list, filter it, choose the scenario and the
// order, and open an entry's evidence.
type timelineKeys struct {
	listKeys
	field        fieldKeys
	Open         key.Binding
	Filter       key.Binding
	Scenario     key.Binding // s: the next scenario
	ScenarioBack key.Binding // S: the one before
	Scenarios    key.Binding // s and S in one footer entry
	Order        key.Binding
	Clear        key.Binding // esc: drop the filter, then the scenario
}

// ShortHelp implements help.KeyMap.
func (k timelineKeys) ShortHelp() []key.Binding {
	return []key.Binding{k.Open, k.Filter, k.Scenarios, k.Order}
}

// FullHelp implements help.KeyMap.
func (k timelineKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{k.help(), {k.Open, k.Filter, k.Scenario, k.ScenarioBack, k.Order, k.Clear}}
}

func newTimelineView() timelineView {
	ti := textinput.New()
	ti.Prompt = "/"
	ti.Placeholder = "tenant or any text"
	ti.CharLimit = 64
	return timelineView{filter: ti, keys: timelineKeys{listKeys: defaultListKeys(), field: defaultFieldKeys(),
		Open:         openKey("evidence"),
		Filter:       filterKey("filter"),
		Scenario:     key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "next scenario")),
		ScenarioBack: key.NewBinding(key.WithKeys("S"), key.WithHelp("S", "previous scenario")),
		Scenarios:    key.NewBinding(key.WithKeys("s", "S"), key.WithHelp("s/S", "scenario")),
		Order:        key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "order")),
		Clear:        key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear the filter, then the scenario")),
	}}
}

// KeyMap implements view.
func (v timelineView) KeyMap() help.KeyMap { return v.keys }

// Typing implements view.
func (v timelineView) Typing() bool { return v.filtering }

// Back implements backer: esc drops the text filter, then the scenario;
// the entry selected stays selected, among the others around it.
func (v timelineView) Back(c *viewCtx) (view, bool) {
	switch {
	case v.filter.Value() != "":
		v.filter.SetValue("")
	case v.scenario != 0:
		v.scenario = 0
	default:
		return v, false
	}
	v.refilterKeeping(c.state, v.layout(c.state, c.w, c.h).rows)
	return v, true
}

// refilterKeeping refilters and keeps the entry selected under the cursor
// when it is still shown, in the middle of the page (else the first).
func (v *timelineView) refilterKeeping(st *state, page int) {
	sel := v.selected()
	v.refilter(st)
	v.cursor = 0
	if sel >= 0 {
		v.cursor = max(0, slices.Index(v.shown, int32(sel)))
	}
	v.offset = max(0, v.cursor-page/2)
	v.clamp(len(v.shown), page)
}

// scenarioID is the scenario chosen ("" for all).
func (v timelineView) scenarioID(st *state) string {
	if v.scenario == 0 || v.scenario > len(st.book.Scenarios) {
		return ""
	}
	return st.book.Scenarios[v.scenario-1].ID
}

// refilter keeps the entries of the judgement's timeline that the text and
// the scenario filters let through, in the order chosen: one pass.
func (v *timelineView) refilter(st *state) {
	x := st.timeline
	v.idx = x
	q := strings.ToLower(strings.TrimSpace(v.filter.Value()))
	sc := v.scenarioID(st)
	n := len(x.tl.Entries)
	if q == "" && sc == "" && !v.oldest {
		v.shown = x.newest // no pass at all on a refresh
		v.cursor = max(0, min(v.cursor, len(v.shown)-1))
		return
	}
	v.shown = v.shown[:0:0]
	for k := range n {
		i := k
		if !v.oldest {
			i = n - 1 - k
		}
		if sc != "" && !slices.Contains(x.tl.Entries[i].Scenarios, sc) {
			continue
		}
		if q != "" && !strings.Contains(x.text[i], q) {
			continue
		}
		v.shown = append(v.shown, int32(i))
	}
	v.cursor = max(0, min(v.cursor, len(v.shown)-1))
}

// selected is the index of the entry under the cursor (-1: none).
func (v timelineView) selected() int {
	if v.cursor < len(v.shown) {
		return int(v.shown[v.cursor])
	}
	return -1
}

// Update moves in the list, filters it, and opens the selected entry's
// evidence.
func (v timelineView) Update(msg tea.Msg, c *viewCtx) (view, tea.Cmd) {
	st := c.state
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
	if v.idx != st.timeline {
		v.refilter(st)
	}
	page := v.layout(st, c.w, c.h).rows
	if v.move(k, v.keys.listKeys, len(v.shown), page) {
		return v, nil
	}
	switch {
	case key.Matches(k, v.keys.Open):
		if i := v.selected(); i >= 0 {
			c.open = v.evidence(c, v.idx.goes[i])
		}
	case key.Matches(k, v.keys.Filter):
		v.filtering = true
		v.filter.Focus()
	case key.Matches(k, v.keys.Scenario), key.Matches(k, v.keys.ScenarioBack):
		d := 1
		if key.Matches(k, v.keys.ScenarioBack) {
			d = len(st.book.Scenarios)
		}
		v.scenario = (v.scenario + d) % (len(st.book.Scenarios) + 1)
		v.refilterKeeping(st, page)
	case key.Matches(k, v.keys.Order):
		v.oldest = !v.oldest
		v.refilterKeeping(st, page)
	}
	v.clamp(len(v.shown), page)
	return v, nil
}

// evidence is the view enter opens for an entry going to g (nil: none, the
// command shown under the list is its evidence).
func (v timelineView) evidence(c *viewCtx, g evidenceTarget) view {
	st := c.state
	switch g.kind {
	case evidenceLog:
		for i, j := range st.jobs.jobs {
			if j.Name == g.name {
				return newLogView(j, st.jobs.widest[i])
			}
		}
	case evidenceTenant:
		return newTenantDetail(c, g.name, "the timeline")
	case evidenceMetrics:
		return newMetricsView()
	case evidenceAudit:
		a := newAuditView()
		a.events = true
		a.refilter(st)
		return a
	}
	return nil
}

// timelineLayout is how the view's lines are shared.
type timelineLayout struct {
	unknown  []string // the lines of "cannot tell"
	colHead  bool     // the column header
	rows     int      // rows of the list
	sumLines int      // lines of the selected entry's summary under the list
}

// layout shares the h lines of the body, w wide: the title, filter and
// journal lines, what the timeline cannot tell, the list, and under it the
// selected entry (when, what, its whole summary, its evidence).
func (v timelineView) layout(st *state, w, h int) timelineLayout {
	l := timelineLayout{colHead: h >= 18, sumLines: 1, unknown: unknownLines(st, w, h)}
	switch {
	case h >= 30:
		l.sumLines = 3
	case h >= 14:
		l.sumLines = 2
	}
	top := 3 + len(l.unknown)
	if l.colHead {
		top++
	}
	l.rows = max(1, h-top-2-l.sumLines)
	return l
}

// unknownLines are the lines saying what the timeline cannot tell (and
// the sources still loading), w wide: on a short screen the first and how
// many there are, else up to four, each wrapped to two lines when the
// screen is tall.
func unknownLines(st *state, w, h int) []string {
	s := st.styles
	var items []string
	if len(st.loading) > 0 {
		items = append(items, st.spin+" loading "+strings.Join(loadingList(st), ", ")+": its entries are not here yet")
	}
	items = append(items, st.timeline.tl.Unknown...)
	switch {
	case len(items) == 0:
		return nil
	case h < 19 && len(items) > 1: // a taller window lists every one
		return []string{truncate(s.Unknown.Render(fmt.Sprintf("cannot tell (1 of %d): ", len(items)))+items[0], w)}
	case h < 19:
		return []string{truncate(s.Unknown.Render("cannot tell: ")+items[0], w)}
	}
	const most = 4
	var out []string
	for i, it := range items[:min(len(items), most)] {
		if i == most-1 && len(items) > most {
			it = fmt.Sprintf("%s (+%d more)", it, len(items)-most)
		}
		text := s.Unknown.Render("cannot tell: ") + it
		if h < 30 {
			out = append(out, truncate(text, w))
			continue
		}
		ls := strings.Split(wrapWords(text, max(w, 20)), "\n")
		if len(ls) > 2 {
			ls = []string{ls[0], strings.Join(ls[1:], " ")}
		}
		for _, l := range ls {
			out = append(out, truncate(l, w))
		}
	}
	return out
}

// View implements view.
func (v timelineView) View(c *viewCtx, w, h int) string {
	st := c.state
	s := st.styles
	if v.idx != st.timeline {
		v.refilter(st) // not given the judgement yet (a copy: View only reads)
	}
	x := v.idx
	if x.pending {
		return s.Section.Render("Timeline") + "  " + s.Muted.Render(st.spin+" putting the timeline together…")
	}
	l := v.layout(st, w, h)
	var b strings.Builder
	line := func(text string) { b.WriteString(truncate(text, w) + "\n") }

	head := fmt.Sprintf("%d entries", len(x.tl.Entries))
	if v.filter.Value() != "" || v.scenario != 0 {
		head = fmt.Sprintf("%d of %d", len(v.shown), len(x.tl.Entries))
	}
	order := "newest first"
	if v.oldest {
		order = "oldest first"
	}
	title := s.Section.Render("Timeline") + "  " + head + s.Muted.Render(" · ")
	dot := s.Muted.Render(" · ")
	if id := v.scenarioID(st); id != "" {
		sc, _ := st.book.Scenario(id)
		t := title + s.Highlight.Render(fmt.Sprintf("scenario %d %s", sc.Number, sc.ID)) + dot + s.Muted.Render(order)
		if lipgloss.Width(t) > w { // the number is enough to know it by
			t = title + s.Highlight.Render(fmt.Sprintf("scenario %d", sc.Number)) + dot + s.Muted.Render(order)
		}
		line(t)
	} else {
		line(title + s.Muted.Render("all scenarios") + dot + s.Muted.Render(order))
	}

	legend := s.Critical.Render("◆") + s.Muted.Render(" first failure · ") + s.OK.Render("◇") + s.Muted.Render(" last success · ~ approx. time")
	if v.filtering || v.filter.Value() != "" {
		line(v.filter.View() + "  " + legend)
	} else {
		line(s.Muted.Render("/ filter · ") + legend)
	}
	line(v.journalLine(st, x.journal))

	for _, u := range l.unknown {
		b.WriteString(u + "\n")
	}

	wide, kinds := w >= 100, w >= 80
	if l.colHead {
		timeW := 11
		if wide {
			timeW = 14
		}
		hdr := fmt.Sprintf("  %-*s    ", timeW, "TIME (UTC)")
		if kinds {
			hdr += fmt.Sprintf("%-6s ", "KIND")
		}
		line(s.Muted.Render(hdr + fmt.Sprintf("%-9s %s", "OUTCOME", "WHAT HAPPENED")))
	}
	from, to := v.visible(len(v.shown), l.rows)
	for i := from; i < to; i++ {
		b.WriteString(listRow(st, i == v.cursor, v.row(st, &x.tl.Entries[v.shown[i]], wide, kinds), w))
	}
	// rows the list leaves empty go to the selected entry's summary when
	// it needs them (a long action's who, why and result)
	spare := l.rows - (to - from)
	if len(v.shown) == 0 {
		spare--
	}
	if i := v.selected(); i >= 0 && spare > 0 {
		need := strings.Count(wrapWords(x.tl.Entries[i].Summary, max(w, 20)), "\n") + 1
		more := max(0, min(spare, need-l.sumLines))
		l.sumLines += more
		l.rows -= more
	}
	for i := to - from; i < l.rows; i++ {
		switch {
		case i == 0 && len(x.tl.Entries) == 0:
			b.WriteString(s.Muted.Render("  nothing happened that the sources read tell") + "\n")
		case i == 0 && len(v.shown) == 0:
			b.WriteString(s.Muted.Render("  no entry matches (esc clears the filter)") + "\n")
		default:
			b.WriteString("\n") // the detail stays at the bottom
		}
	}
	b.WriteString(v.detail(st, x, l, w))
	return b.String()
}

// journalLine says what the timeline holds of the journal: how many
// actions from which file, or why none (none kept, no file, unreadable,
// not read yet), never an empty list that looks like no action.
func (v timelineView) journalLine(st *state, jr *journalRead) string {
	s := st.styles
	switch {
	case jr == nil || jr.path == "":
		why := "this session has none"
		if st.opts.Mode == "demo" {
			why = "the demo keeps none; --journal FILE adds one's actions"
		}
		return s.Muted.Render("journal: none read — " + why)
	case jr.reading:
		return s.Muted.Render("journal: " + st.spin + " reading " + jr.path + "…")
	case jr.err != nil:
		// the cause first and the path last: a narrow screen cuts the path
		cause := jr.err.Error()
		if pe := (*fs.PathError)(nil); errors.As(jr.err, &pe) {
			cause = pe.Op + ": " + pe.Err.Error()
		}
		return s.Unknown.Render("journal: cannot be read ("+cause+"), its actions are not shown") + s.Muted.Render(" · "+jr.path)
	case jr.missing:
		return s.Muted.Render("journal: no file, so no action was recorded there · " + jr.path)
	}
	// the path last: a narrow screen cuts it, not the counts
	out := s.Muted.Render(fmt.Sprintf("journal: %d action(s)", len(jr.actions)))
	if n := len(jr.problems); n > 0 {
		out += s.Warning.Render(fmt.Sprintf(" · %d damaged line(s) skipped (kubectl rotation journal names them)", n))
	}
	return out + s.Muted.Render(" · from "+jr.path)
}

// row is one entry in a line: time (~ approximate), mark, kind on a wide
// screen, outcome, what happened (cut with … by listRow).
func (v timelineView) row(st *state, e *runbook.TimelineEntry, wide, kinds bool) string {
	s := st.styles
	layout := "01-02 15:04"
	if wide {
		layout = "01-02 15:04:05"
	}
	approx := " "
	if e.Approximate {
		approx = "~"
	}
	out := e.At.UTC().Format(layout) + approx + " " + markOf(s, e) + " "
	if kinds {
		out += fmt.Sprintf("%-6s ", kindLabel(e.Kind))
	}
	label, style := outcomeLabel(s, e.Outcome)
	return out + style.Render(fmt.Sprintf("%-9s", label)) + " " + e.Summary
}

// detail is the selected entry under the list: when and what (its marks
// in words), its whole summary wrapped, and its evidence with where enter
// goes.
func (v timelineView) detail(st *state, x *timelineIndex, l timelineLayout, w int) string {
	s := st.styles
	var b strings.Builder
	i := v.selected()
	if i < 0 {
		return strings.Repeat("\n", 2+l.sumLines)
	}
	e := x.tl.Entries[i]
	// the marks first: a narrow screen cuts the rest
	var meta []string
	for _, m := range e.Marks {
		switch m {
		case runbook.MarkFirstFailure:
			meta = append(meta, s.Critical.Render("◆ FIRST FAILURE of "+e.Tenant))
		case runbook.MarkLastSuccess:
			meta = append(meta, s.OK.Render("◇ LAST SUCCESS of "+e.Tenant))
		}
	}
	when := e.At.UTC().Format("2006-01-02 15:04:05Z")
	if e.Approximate {
		when += " (~ the end of a metric step)"
	}
	meta = append(meta, when, e.Kind, e.Source)
	if e.Tenant != "" {
		meta = append(meta, "tenant "+e.Tenant)
	}
	if len(e.Scenarios) > 0 {
		var nums []string
		for _, id := range e.Scenarios {
			if sc, ok := st.book.Scenario(id); ok {
				nums = append(nums, fmt.Sprint(sc.Number))
			}
		}
		meta = append(meta, "scenario "+strings.Join(nums, ", "))
	}
	b.WriteString(truncate(s.Muted.Render("▸ ")+strings.Join(meta, s.Muted.Render(" · ")), w) + "\n")
	sum := strings.Split(wrapWords(e.Summary, max(w, 20)), "\n")
	if len(sum) > l.sumLines {
		sum = append(sum[:l.sumLines-1:l.sumLines-1], strings.Join(sum[l.sumLines-1:], " "))
	}
	for j := range l.sumLines {
		if j < len(sum) {
			b.WriteString(truncate(sum[j], w))
		}
		b.WriteString("\n")
	}
	ev := s.Muted.Render("→ ") + s.Command.Render(e.Evidence)
	if where, ok := evidenceWhere[x.goes[i].kind]; ok {
		ev = s.Key.Render("enter") + s.Muted.Render(" "+where+" · ") + ev
	}
	b.WriteString(truncate(ev, w))
	return b.String()
}

// markOf is the entry's mark: ◆ a tenant's first failure, ◇ its last
// success, else a space.
func markOf(s Styles, e *runbook.TimelineEntry) string {
	switch {
	case slices.Contains(e.Marks, runbook.MarkFirstFailure):
		return s.Critical.Render("◆")
	case slices.Contains(e.Marks, runbook.MarkLastSuccess):
		return s.OK.Render("◇")
	}
	return " "
}

// kindLabel is an entry kind in six cells.
func kindLabel(kind string) string {
	switch kind {
	case runbook.EntryJobStart, runbook.EntryJobEnd:
		return "job"
	case runbook.EntryVersion:
		return "vault"
	}
	return kind
}

// outcomeLabel is an outcome in nine cells and its style; an action with no
// outcome line is unknown (its effect was not seen).
func outcomeLabel(s Styles, outcome string) (string, lipgloss.Style) {
	switch outcome {
	case "failure", "failed", "refused", "firing":
		return outcome, s.Critical
	case "warning", "pending", "stale", "unchecked", "interrupted":
		return outcome, s.Warning
	case "success", "ok", "recovered", "resolved":
		return outcome, s.OK
	case "no outcome", "unknown":
		return "unknown", s.Unknown
	case "":
		return "-", s.Muted
	}
	return outcome, s.Muted
}
