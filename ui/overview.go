package ui

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/runbook"
)

// overviewView is the first screen: sources, scenarios, alerts, key facts.
type overviewView struct {
	cursor int // selected scenario
	// selected is the id of the scenario under the cursor once the cursor
	// was placed: on "Start here" by the judgements of whole loads until
	// the person moves it, then where the person moved it. A refresh keeps
	// a moved cursor on that scenario (the rows may change order), never
	// back on its own.
	selected string
	// moved is set once the person moved the cursor: until then it
	// follows "Start here" (when the scenario taken first clears, the
	// cursor goes to the next one to take).
	moved bool
	// offset is the first line shown when the page is taller than the
	// screen (pgdn, ctrl+d, G … scroll it; ↑↓ move the cursor and bring
	// its row into view).
	offset int
	keys   overviewKeys
}

// overviewKeys select a scenario (↑↓), scroll the page (the page keys)
// and open the scenario's walkthrough.
type overviewKeys struct {
	listKeys
	Open key.Binding
	// Scroll is the footer's entry for the page keys, enabled while the
	// page is taller than the screen.
	Scroll  key.Binding
	Sources key.Binding
}

func newOverviewView() overviewView {
	lk := defaultListKeys()
	lk.Up.SetHelp("↑/k", "select up")
	lk.Down.SetHelp("↓/j", "select down")
	lk.Bottom.SetHelp("G", "end") // the page keys scroll the page
	return overviewView{keys: overviewKeys{listKeys: lk, Open: openKey("open"), Scroll: scrollHelp("pgdn/G"), Sources: sourcesKey()}}
}

// ShortHelp implements help.KeyMap. s is named by the Sources heading
// when a source is not ok (the footer has no room for it at 80 columns),
// and in the full help.
func (k overviewKeys) ShortHelp() []key.Binding { return []key.Binding{k.Open, k.Scroll} }

// FullHelp implements help.KeyMap.
func (k overviewKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{k.help(), {k.Open, k.Sources}}
}

// KeyMap implements view.
func (v overviewView) KeyMap() help.KeyMap { return v.keys }

// Typing implements view.
func (v overviewView) Typing() bool { return false }

// Update moves the selection; enter opens the selected scenario. The
// cursor is a row of overviewOrder, the order the rows are drawn in.
// After every judgement the cursor is put on the scenario selected (see
// selected), or, the first time a whole load is judged, on the first row:
// "Start here".
func (v overviewView) Update(msg tea.Msg, c *viewCtx) (view, tea.Cmd) {
	if _, ok := msg.(dataMsg); ok {
		v.place(c.state)
		lines, _ := v.lines(c.state, c.w, c.h)
		v.offset = clampOffset(v.offset, len(lines), c.h)
		v.keys.Scroll.SetEnabled(len(lines) > c.h)
		return v, nil
	}
	k, ok := msg.(tea.KeyMsg)
	if !ok {
		return v, nil
	}
	rows := overviewOrder(c.assess)
	n := len(rows)
	switch {
	case key.Matches(k, v.keys.Up, v.keys.Down):
		d, _ := v.keys.step(k, 1, n)
		v.cursor = max(0, min(v.cursor+d, n-1))
		if v.cursor < n {
			v.selected, v.moved = rows[v.cursor].ID, true
		}
		// the selected row is brought into view
		lines, row := v.lines(c.state, c.w, c.h)
		v.offset = followOffset(v.offset, len(lines), row, row+1, c.h)
		return v, nil
	case key.Matches(k, v.keys.Open) && v.cursor < n:
		return v, openScenario(c, rows[v.cursor])
	case key.Matches(k, v.keys.Sources):
		c.open = newSourcesView()
		return v, nil
	}
	lines, _ := v.lines(c.state, c.w, c.h)
	if d, ok := v.keys.step(k, c.h-1, len(lines)); ok {
		v.offset = clampOffset(v.offset+d, len(lines), c.h)
	}
	return v, nil
}

// place puts the cursor on the row of the scenario selected, found by its
// id, or, when a whole load has been judged and the person has not moved
// the cursor, on the first row (the scenario "Start here" names, when it
// names one).
func (v *overviewView) place(st *state) {
	rows := overviewOrder(st.assess)
	if v.selected == "" || !v.moved && st.loaded {
		if !st.loaded {
			return // a part judged: "Start here" may still change
		}
		v.cursor = 0
		if len(rows) > 0 {
			v.selected = rows[0].ID
		}
	}
	for i, f := range rows {
		if f.ID == v.selected {
			v.cursor = i
			return
		}
	}
	v.cursor = max(0, min(v.cursor, len(rows)-1))
}

var statusLabel = map[runbook.Status]string{
	runbook.StatusActive: "ACTIVE", runbook.StatusSuspected: "suspected", runbook.StatusClear: "clear", runbook.StatusUnknown: "UNKNOWN",
}

// severityWord is the severity beside an ACTIVE or suspected status: a
// word, so it reads without colour (NO_COLOR).
func severityWord(f runbook.Finding) string {
	if f.Status != runbook.StatusActive && f.Status != runbook.StatusSuspected {
		return ""
	}
	switch f.Severity {
	case runbook.SeverityCritical, runbook.SeverityWarning:
		return string(f.Severity)
	}
	return ""
}

// waitsOn returns the scenario f's fix or verification waits on, and why
// ("" when it waits on nothing): Scenario 1's verification needs a rotation
// audit event, which only comes once Scenario 6's audit trail works;
// every fix that starts pods waits on Scenario 2 while the role refuses
// them (Assessment.LoginRisk).
func waitsOn(a runbook.Assessment, f runbook.Finding) (string, string) {
	if f.Status != runbook.StatusActive && f.Status != runbook.StatusSuspected {
		return "", ""
	}
	if f.ID == runbook.ScenarioRotationJobFailing {
		if o, ok := a.Finding(runbook.ScenarioAuditMissing); ok && o.Status == runbook.StatusActive {
			return o.ID, fmt.Sprintf("waits on %d (audit trail)", o.Number)
		}
	}
	if o, ok := needsRole(a, f); ok {
		return o.ID, fmt.Sprintf("waits on %d (its role)", o.Number)
	}
	return "", ""
}

// needsRole returns Scenario 2 when f's fixes must wait for its role:
// every fix but Scenario 4's starts pods (a Job, the orchestrator rolled)
// that log in to Vault, and the role as read refuses them
// (Assessment.LoginRisk). Unlike the audit trail's wait, which only holds
// back a verification, this one is a fix that would fail or break what
// works: "Start here" goes to the role first, whatever the ranks.
func needsRole(a runbook.Assessment, f runbook.Finding) (runbook.Finding, bool) {
	if a.LoginRisk == "" || f.ID == runbook.ScenarioVaultTokenExpired || f.ID == runbook.ScenarioRetentionOverflow ||
		(f.Status != runbook.StatusActive && f.Status != runbook.StatusSuspected) {
		return runbook.Finding{}, false
	}
	o, ok := a.Finding(runbook.ScenarioVaultTokenExpired)
	if !ok || severityWord(o) == "" {
		return runbook.Finding{}, false
	}
	return o, true
}

// firstStep is what the overview says before a scenario's summary when its
// steps have an order the evidence dictates ("" when none).
func firstStep(a runbook.Assessment, f runbook.Finding) string {
	if id, why := waitsOn(a, f); id != "" {
		return why
	}
	if f.ID == runbook.ScenarioVaultTokenExpired && f.Status != runbook.StatusClear {
		for _, sy := range f.Symptoms {
			if sy.ID == runbook.SymRoleMisconfigured && sy.State == runbook.SymptomPresent {
				return "role first, then restart"
			}
		}
	}
	return ""
}

// waitedOn is the set of scenarios another scenario waits on (waitsOn).
func waitedOn(a runbook.Assessment) map[string]bool {
	waited := map[string]bool{}
	for _, f := range a.Findings {
		if id, _ := waitsOn(a, f); id != "" {
			waited[id] = true
		}
	}
	return waited
}

// startHere is the scenario to take first (startKey): an active one before
// a suspected one, the worst severity; among equals, one another scenario
// waits on; then runbook order; and then Scenario 2 when that one's fixes
// need its role (needsRole). ok is false
// when no scenario is active or suspected.
func startHere(a runbook.Assessment) (runbook.Finding, bool) {
	waited := waitedOn(a)
	var best runbook.Finding
	found := false
	for _, f := range a.Findings {
		if severityWord(f) == "" {
			continue
		}
		if !found || slices.Compare(startKey(f, waited), startKey(best, waited)) < 0 {
			best, found = f, true
		}
	}
	// a fix that would fail until the role is fixed waits for it,
	// whatever the ranks
	if o, ok := needsRole(a, best); found && ok {
		best = o
	}
	return best, found
}

// startKey orders the candidates to start with, lowest first: by status
// and severity (rowRank: an active scenario before a suspected one of any
// severity), then one another scenario waits on, then runbook number.
func startKey(f runbook.Finding, waited map[string]bool) []int {
	w := 1
	if waited[f.ID] {
		w = 0
	}
	return []int{rowRank(f), w, f.Number}
}

// rowRank is where a scenario's status and severity put its row, lowest
// first: active critical, active warning, any other active, suspected (the
// worse severity first), unknown, clear.
func rowRank(f runbook.Finding) int {
	sev := func(base int) int {
		switch f.Severity {
		case runbook.SeverityCritical:
			return base
		case runbook.SeverityWarning:
			return base + 1
		}
		return base + 2
	}
	switch f.Status {
	case runbook.StatusActive:
		return sev(0)
	case runbook.StatusSuspected:
		return sev(3)
	case runbook.StatusUnknown:
		return 6
	case runbook.StatusClear:
		return 7
	}
	return 8
}

// overviewOrder is the scenarios in the order the overview lists them, so
// the worst is on top: the one "Start here" names first, then by rowRank;
// among equals one another scenario waits on, then runbook number order.
// The overview's cursor, enter and the ":" prompt's scenarios all go by it;
// a scenario keeps its runbook number wherever its row is.
func overviewOrder(a runbook.Assessment) []runbook.Finding {
	rows := slices.Clone(a.Findings)
	start, ok := startHere(a)
	waited := waitedOn(a)
	key := func(f runbook.Finding) []int {
		first, w := 1, 1
		if ok && f.ID == start.ID {
			first = 0
		}
		if waited[f.ID] {
			w = 0
		}
		return []int{first, rowRank(f), w, f.Number}
	}
	slices.SortStableFunc(rows, func(x, y runbook.Finding) int { return slices.Compare(key(x), key(y)) })
	return rows
}

// startHint is the one line that names the scenario to take first.
func startHint(st *state, w int) string {
	s := st.styles
	f, ok := startHere(st.assess)
	if !ok || !st.loaded {
		return ""
	}
	var waiting []string
	for _, o := range st.assess.Findings {
		r, role := needsRole(st.assess, o)
		if id, _ := waitsOn(st.assess, o); id == f.ID || (role && r.ID == f.ID) {
			waiting = append(waiting, strconv.Itoa(o.Number))
		}
	}
	why, short := []string{string(f.Severity)}, []string{string(f.Severity)}
	switch len(waiting) {
	case 0:
	case 1:
		why = append(why, waiting[0]+" waits on it")
		short = append(short, "before "+waiting[0])
	default:
		why = append(why, strings.Join(waiting, ", ")+" wait on it")
		short = append(short, "before "+strings.Join(waiting, ", "))
	}
	head := s.Section.Render("Start here:") + " " + s.ForSeverity(f.Severity).Render(fmt.Sprintf("%d %s", f.Number, f.Title))
	for _, tail := range []string{" (" + strings.Join(why, "; ") + ") · enter on its row", " (" + strings.Join(why, "; ") + ")", " (" + strings.Join(short, "; ") + ")"} {
		if l := head + s.Muted.Render(tail); lipgloss.Width(l) <= w {
			return l
		}
	}
	return head + s.Muted.Render(" ("+strings.Join(why, "; ")+")")
}

// View implements view.
func (v overviewView) View(c *viewCtx, w, h int) string {
	lines, _ := v.lines(c.state, w, h)
	return scrolled(c.state, lines, v.offset, h, "pgdn/G")
}

// lines is the page in w cells, laid out for a screen of h lines (what
// makes way when it is short), and the line of the selected scenario's
// row. A page that still does not fit lists every alert: it is scrolled.
func (v overviewView) lines(st *state, w, h int) ([]string, int) {
	s := st.styles
	var top strings.Builder
	// a condition that stops everything (a sealed Vault, nothing found in
	// the namespace) before the scenarios it explains
	for _, c := range st.assess.Conditions {
		top.WriteString(wrapHanging(s.ForSeverity(c.Severity).Render(strings.ToUpper(string(c.Severity)))+" "+c.Summary, w) + "\n")
	}
	// the scenarios first: they are what the page is about
	top.WriteString(s.Section.Render("Scenarios") + s.Muted.Render("  ↑↓ select · enter: walk through it") + "\n")
	firstRow := strings.Count(top.String(), "\n")
	for i, f := range overviewOrder(st.assess) {
		label := statusLabel[f.Status]
		summary := f.Summary
		if !st.loaded && f.Status == runbook.StatusUnknown {
			label, summary = "…", "waiting for the sources"
		}
		if first := firstStep(st.assess, f); first != "" {
			summary = first + " · " + summary
		}
		sev := s.ForSeverity(f.Severity).Render(fmt.Sprintf("%-8s", severityWord(f)))
		line := fmt.Sprintf("%d %-31s %s %s %s", f.Number, f.Title, s.ForStatus(f.Status).Render(fmt.Sprintf("%-9s", label)), sev, summary)
		if i == v.cursor {
			top.WriteString(s.Selected.Render("▸ "+padRight(truncate(line, w-2), w-2)) + "\n")
		} else {
			top.WriteString(truncate("  "+line, w) + "\n")
		}
	}
	if hint := startHint(st, w); hint != "" {
		top.WriteString(truncate(hint, w) + "\n")
	}
	blocks := func(heading, latency bool) string {
		if w >= 110 {
			colW := w/2 - 1
			return lipgloss.JoinHorizontal(lipgloss.Top, lipgloss.NewStyle().Width(colW).Render(sourcesBlock(st, colW, false, true)), " ", factsBlock(st, colW, heading))
		}
		return sourcesBlock(st, w, true, latency) + "\n" + factsBlock(st, w, heading)
	}
	rest := blocks(true, true)
	used := strings.Count(top.String()+rest, "\n") + 1
	if h-used < 2 {
		// short of room for even one alert: the facts name themselves,
		// their heading makes way
		rest = blocks(false, true)
		used = strings.Count(top.String()+rest, "\n") + 1
	}
	if h-used < 1 {
		// still short: the sources that answered well drop their latency
		rest = blocks(false, false)
		used = strings.Count(top.String()+rest, "\n") + 1
	}
	top.WriteString(rest)
	// the alerts take what is left, and say how many did not fit; when
	// not even their heading and one fits, the page scrolls: all are listed
	room := h - used
	if room < 2 {
		// not even the heading and one alert fit: the page scrolls, and
		// lists every alert
		room = math.MaxInt
	}
	page := top.String() + "\n" + alertsBlock(st, w, room)
	return strings.Split(page, "\n"), firstRow + v.cursor
}

var stateMark = map[collectors.State]string{
	collectors.StateOK: "✓", collectors.StatePartial: "◐", collectors.StateError: "✗", collectors.StateSkipped: "-", collectors.StateMissing: "?",
}

// sourcesBlock lists the sources; compact puts the healthy ones on one
// line, with their latency if asked.
func sourcesBlock(st *state, w int, compact, latency bool) string {
	s := st.styles
	var b strings.Builder
	b.WriteString(s.Section.Render("Sources") + s.Muted.Render("  s: each in full") + "\n")
	var okLine []string
	for _, name := range collectors.Sources() {
		if compact && !st.loading[name] {
			if src := st.snap.Source(name); src.State == collectors.StateOK {
				item := s.OK.Render("✓ " + name)
				if latency {
					item += " " + s.Muted.Render(src.Latency.Duration().Round(time.Millisecond).String())
				}
				okLine = append(okLine, item)
				continue
			}
		}
		if st.loading[name] && !hasSource(st.snap, name) {
			msg := "loading…"
			if p, ok := st.progress[name]; ok && p.Total > 0 {
				msg = fmt.Sprintf("%s %d/%d", p.Part, p.Done, p.Total)
			}
			b.WriteString(fmt.Sprintf("%s %-10s %s\n", st.spin, name, s.Muted.Render(msg)))
			continue
		}
		src := st.snap.Source(name)
		mark := stateMark[src.State]
		var text string
		style := s.OK
		switch src.State {
		case collectors.StateOK:
			text = fmt.Sprintf("ok %s", src.Latency.Duration().Round(time.Millisecond))
		case collectors.StatePartial:
			style = s.Warning
			text = "partial"
			if len(src.Problems) > 0 {
				text = fmt.Sprintf("partial: %d part(s) unreadable — %s", len(src.Problems), src.Problems[0].Part+": "+src.Problems[0].Error)
				if len(src.Problems) > 1 {
					text += " (s lists every one)"
				}
			} else if src.Error != "" {
				text = "partial: " + src.Error
			}
		case collectors.StateError:
			style = s.Critical
			text = "error: " + src.Error
		case collectors.StateSkipped:
			style = s.Muted
			text = src.Error
		default:
			style = s.Muted
			text = "not read yet"
		}
		if st.loading[name] {
			mark = st.spin
		}
		b.WriteString(sourceLine(style.Render(mark), name, text, style, w) + "\n")
	}
	if len(okLine) > 0 {
		if len(okLine) == len(collectors.Sources()) {
			// every source is fine: one line (or two) says so, heading included
			return wrapItems(append([]string{s.Section.Render("Sources")}, okLine...), "  ", w)
		}
		b.WriteString(wrapItems(okLine, "  ", w) + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

// sourceLine is a source's mark, name and state in w cells, the text
// wrapped under itself, not cut: a source's error ends with what to do
// about it.
func sourceLine(mark, name, text string, style lipgloss.Style, w int) string {
	head := fmt.Sprintf("%s %-10s ", mark, name)
	indent := lipgloss.Width(head)
	if w-indent < 20 {
		return wrapHanging(head+style.Render(text), w)
	}
	parts := strings.Split(wrapWords(text, w-indent), "\n")
	for i, p := range parts {
		parts[i] = style.Render(strings.TrimLeft(p, " "))
		if i > 0 {
			parts[i] = strings.Repeat(" ", indent) + parts[i]
		}
	}
	return head + strings.Join(parts, "\n")
}

func hasSource(s *collectors.Snapshot, name string) bool {
	for _, st := range s.Sources {
		if st.Source == name {
			return true
		}
	}
	return false
}

// cleanupWhen is the last good cleanup, or dryOnly when every cleanup
// that succeeded was a dry run (it deleted nothing).
func cleanupWhen(f runbook.Facts, when func(*time.Time) string, dryOnly string) string {
	if f.LastCleanupSuccess == nil && f.CleanupDryRunsOnly {
		return dryOnly
	}
	return when(f.LastCleanupSuccess)
}

// factsBlock lists the key facts in the width w, under a heading if asked.
func factsBlock(st *state, w int, heading bool) string {
	s := st.styles
	f := st.assess.Facts
	now := st.judgedAt
	unknown := s.Unknown.Render("unknown")
	dur := func(d *collectors.Duration, zero string) string {
		if d == nil {
			return unknown
		}
		if d.Duration() == 0 && zero != "" {
			return zero
		}
		return shortDur(d.Duration())
	}
	when := func(t *time.Time) string {
		if t == nil {
			return unknown
		}
		return shortDur(now.Sub(*t)) + " ago"
	}
	num := func(n *int) string {
		if n == nil {
			return unknown
		}
		if *n > 0 {
			return s.Warning.Render(fmt.Sprint(*n))
		}
		return fmt.Sprint(*n)
	}
	orch := dur(f.OrchestratorTokenTTL, "")
	if f.OrchestratorTokenTTL != nil {
		ttl := f.OrchestratorTokenTTL.Duration()
		th := st.opts.Config.Thresholds
		switch {
		case ttl <= th.TokenExpiryCritical.Duration():
			orch = s.Critical.Render(orch)
		case ttl <= th.TokenExpiryWarning.Duration():
			orch = s.Warning.Render(orch)
		}
		if strings.HasPrefix(f.OrchestratorTokenSource, "prometheus") {
			orch += s.Muted.Render(" (prometheus)")
		}
	}
	// the max TTL beside the TTL: no renewal extends a token past it
	capped := func(v string, ceiling *time.Time) string {
		if ceiling == nil {
			return v
		}
		c := "max in " + shortDur(ceiling.Sub(now))
		if ceiling.Sub(now) <= st.opts.Config.Thresholds.TokenExpiryWarning.Duration() {
			return v + " " + s.Critical.Render(c)
		}
		return v + s.Muted.Render(" "+c)
	}
	rows := [][2]string{
		{"operator token TTL", capped(dur(f.OperatorTokenTTL, "no expiry"), f.OperatorTokenCeiling)},
		{"orchestrator token", capped(orch, f.OrchestratorTokenCeiling)},
		{"last good rotation", when(f.LastRotationSuccess)},
		{"last good cleanup", cleanupWhen(f, when, s.Warning.Render("none: dry runs only"))},
		{"tenants", num0(f.Tenants, unknown)},
		{"tenants overdue", num(f.TenantsOverdue)},
		{"over retention", num(f.TenantsOverRetention)},
	}
	var b strings.Builder
	if heading {
		b.WriteString(s.Section.Render("Key facts") + "\n")
	}
	b.WriteString(nextFailureLine(st, rows, w, heading) + "\n")
	b.WriteString(factColumns(rows, w))
	return b.String()
}

// nextFailureLine is the first key fact, on a line of its own: its label
// as wide as the facts' first column when the line fits so, else one
// space after it. When the full wording does not fit on the line, it is
// wrapped under its value (never cut) if there is room (roomy), else the
// short wording is used, wrapped if it does not fit either.
func nextFailureLine(st *state, rows [][2]string, w int, roomy bool) string {
	const label = "next failure"
	lw := 0
	for i := 0; i < len(rows); i += 2 {
		lw = max(lw, lipgloss.Width(rows[i][0]))
	}
	full, short := nextFailure(st)
	for _, c := range []struct {
		lw    int
		value string
	}{{lw, full}, {len(label), full}, {len(label), short}} {
		if c.lw+1+lipgloss.Width(c.value) <= w && (c.value != short || !roomy) {
			return padRight(label, c.lw) + " " + c.value
		}
	}
	text := short
	if roomy {
		text = full
	}
	in := len(label) + 1
	parts := strings.Split(wrapWords(text, max(10, w-in)), "\n")
	for i := 1; i < len(parts); i++ {
		parts[i] = strings.Repeat(" ", in) + strings.TrimLeft(parts[i], " ")
	}
	return label + " " + strings.Join(parts, "\n")
}

// nextFailure is the forecast's key fact (runbook Forecast, the report's
// "next failure expected" line), in full and in short words: the earliest
// failure foreseen and how soon it starts — the rotation run that will
// overrun its deadline (from the run's start), the orchestrator token's
// expiry (a TTL renewal is not keeping up) or max TTL, the first tenant reportable to compliance; "unknown" when none
// is foreseen and a forecast could not be told (with which), "none
// foreseen" only when every one could.
func nextFailure(st *state) (full, short string) {
	s := st.styles
	f, now := st.forecast, st.judgedAt
	if f.Next == nil || f.Next.At == nil {
		if len(f.Unknown) == 0 {
			ok := s.OK.Render("none foreseen")
			return ok, ok
		}
		var cannot []string
		for _, u := range f.Unknown {
			what, _, _ := strings.Cut(u, ":")
			cannot = append(cannot, what)
		}
		u := s.Unknown.Render("unknown")
		return u + s.Muted.Render(" — cannot tell: "+strings.Join(cannot, ", ")), u + s.Muted.Render(fmt.Sprintf(" (%d forecast(s) cannot be told)", len(cannot)))
	}
	n := *f.Next
	when := *n.At
	defer func() {
		// the earliest foreseen is the earliest only of what could be told
		if len(f.Unknown) > 0 {
			var cannot []string
			for _, u := range f.Unknown {
				what, _, _ := strings.Cut(u, ":")
				cannot = append(cannot, what)
			}
			full += s.Unknown.Render(" · cannot tell: ") + s.Muted.Render(strings.Join(cannot, ", "))
			short += s.Unknown.Render(fmt.Sprintf(" (+%d unknown)", len(cannot)))
		}
	}()
	switch n.Kind {
	case runbook.ForecastRunDeadline:
		dl := shortDur(f.NextRun.Deadline.Duration())
		if r := f.NextRun; r.At != nil {
			when = *r.At
		}
		full = fmt.Sprintf("%s rotation exceeds its %s deadline", clockAt(when, now), dl)
		short = fmt.Sprintf("%s rotation overruns %s", clockAt(when, now), dl)
	case runbook.ForecastTokenExpiry:
		full = clockAt(when, now) + " orchestrator token expires unless renewed"
		short = clockAt(when, now) + " token expires"
	case runbook.ForecastTokenCeiling:
		full = "orchestrator token reaches its max TTL (no renewal past it)"
		short = "token reaches its max TTL"
	case runbook.ForecastTenantReportable:
		full = "tenant " + n.Tenant + " becomes reportable to compliance"
		short = n.Tenant + " reportable to compliance"
	default:
		full, short = n.Summary, n.Kind
	}
	style := s.Warning
	if when.Sub(now) <= st.opts.Config.Thresholds.TokenExpiryWarning.Duration() {
		style = s.Critical
	}
	in := " (in " + shortDur(when.Sub(now)) + ")"
	return style.Render(full + in), style.Render(short + in)
}

// clockAt is a time of day (UTC, as the header's), with its date when it
// is not within a day of now.
func clockAt(t, now time.Time) string {
	if d := t.Sub(now); d >= 0 && d < 24*time.Hour {
		return t.UTC().Format("15:04Z")
	}
	return t.UTC().Format("01-02 15:04Z")
}

// factColumns lays the facts out in two columns when they fit in w, in one
// otherwise: a value is never cut to make room.
func factColumns(rows [][2]string, w int) string {
	width := func(rs [][2]string) (label, value int) {
		for _, r := range rs {
			label = max(label, lipgloss.Width(r[0]))
			value = max(value, lipgloss.Width(r[1]))
		}
		return label, value
	}
	var left, right [][2]string
	for i, r := range rows {
		if i%2 == 0 {
			left = append(left, r)
		} else {
			right = append(right, r)
		}
	}
	ll, lv := width(left)
	rl, rv := width(right)
	var b strings.Builder
	if ll+1+lv+2+rl+1+rv <= w {
		for i := range left {
			line := padRight(padRight(left[i][0], ll)+" "+left[i][1], ll+1+lv)
			if i < len(right) {
				line += "  " + padRight(right[i][0], rl) + " " + right[i][1]
			}
			b.WriteString(strings.TrimRight(line, " ") + "\n")
		}
		return strings.TrimRight(b.String(), "\n")
	}
	l, _ := width(rows)
	for _, r := range rows {
		b.WriteString(truncate(padRight(r[0], l)+" "+r[1], w) + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

// wrapItems joins items with sep into lines of at most w cells, an item
// never split (one wider than w is cut with an ellipsis).
func wrapItems(items []string, sep string, w int) string {
	var lines []string
	cur := ""
	for _, it := range items {
		switch {
		case cur == "":
			cur = it
		case lipgloss.Width(cur)+lipgloss.Width(sep)+lipgloss.Width(it) <= w:
			cur += sep + it
		default:
			lines = append(lines, cur)
			cur = it
		}
	}
	if cur != "" {
		lines = append(lines, cur)
	}
	return truncate(strings.Join(lines, "\n"), w)
}

func num0(n *int, unknown string) string {
	if n == nil {
		return unknown
	}
	return fmt.Sprint(*n)
}

// alertsBlock is the related alerts under their heading, in h lines at
// most (at least the heading's); what does not fit is counted as "+N more".
func alertsBlock(st *state, w, h int) string {
	head := st.styles.Section.Render("Related alerts")
	lines := alertLines(st, w)
	if st.assess.AlertsUnknown == "" && len(st.assess.Alerts) > 0 {
		head += st.styles.Muted.Render(fmt.Sprintf(" (%d)", len(lines)))
	}
	lines = strings.Split(strings.Join(lines, "\n"), "\n") // an entry may be wrapped
	if len(lines)+1 > h {
		keep := max(h-2, 0)
		more := st.styles.Muted.Render(fmt.Sprintf("+%d more (5 Metrics lists every alert)", len(lines)-keep))
		if h < 2 {
			return head + " " + more
		}
		lines = append(lines[:keep:keep], more)
	}
	return head + "\n" + strings.Join(lines, "\n")
}

// alertLines is one line per alert name: state, how many series, scenario.
func alertLines(st *state, w int) []string {
	s := st.styles
	var unknown []string
	if why := st.assess.AlertsUnknown; why != "" {
		if st.loading[collectors.SourcePrometheus] {
			return []string{s.Muted.Render("loading…")}
		}
		// wrapped, not cut: what to do is at the end of why
		unknown = []string{wrapHanging(s.Unknown.Render("unknown")+s.Muted.Render(": the alerts could not be read ("+why+")"), w)}
		if len(st.assess.Alerts) == 0 {
			return unknown
		}
		// those read firing still fire: listed, then why the rest
		// cannot tell
	}
	if len(st.assess.Alerts) == 0 {
		// none firing is all clear only when every related rule can fire
		// and is evaluated: a rule missing, failing or not evaluated says
		// nothing about now
		var rules []string
		for _, sg := range st.assess.Stale {
			if sg.Kind == runbook.StaleAlertRule {
				rules = append(rules, sg.Detail)
			}
		}
		if len(rules) > 0 {
			return []string{wrapHanging(s.Unknown.Render("none firing, but ")+fmt.Sprintf("%d related alert rule(s) cannot tell: ", len(rules))+strings.Join(rules, "; "), w)}
		}
		return []string{s.OK.Render("none firing or pending")}
	}
	type agg struct {
		state string
		n     int
		sc    string
	}
	var order []string
	by := map[string]*agg{}
	for _, a := range st.assess.Alerts {
		g, ok := by[a.Name]
		if !ok {
			g = &agg{state: a.State, sc: a.Scenario}
			by[a.Name] = g
			order = append(order, a.Name)
		}
		g.n++
		if a.State == "firing" {
			g.state = "firing"
		}
	}
	var out []string
	for _, name := range order {
		g := by[name]
		style := s.Warning
		if g.state == "firing" {
			style = s.Critical
		}
		sc := ""
		if f, ok := st.assess.Finding(g.sc); ok {
			sc = fmt.Sprintf("→ scenario %d %s", f.Number, f.Title)
		}
		count := ""
		if g.n > 1 {
			count = fmt.Sprintf(" ×%d", g.n)
		}
		out = append(out, truncate(fmt.Sprintf("%s %s%s %s", style.Render(fmt.Sprintf("%-8s", g.state)), name, count, s.Muted.Render(sc)), w))
	}
	return append(out, unknown...)
}

// shortDur prints a duration the way an on-call engineer reads it: the
// report's own format (runbook.FormatDuration), so both say the same.
func shortDur(d time.Duration) string { return runbook.FormatDuration(d) }

func secondsDur(v float64) time.Duration { return time.Duration(v * float64(time.Second)) }
