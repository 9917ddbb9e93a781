package ui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/runbook"
)

// overviewView is the first screen: sources, scenarios, alerts, key facts.
type overviewView struct {
	cursor int // selected scenario
}

// update moves the selection; enter opens the selected scenario.
func (v *overviewView) update(msg tea.KeyMsg, st *state) (runbook.Finding, bool) {
	n := len(st.assess.Findings)
	switch {
	case key.Matches(msg, st.keys.Up):
		if v.cursor > 0 {
			v.cursor--
		}
	case key.Matches(msg, st.keys.Down):
		if v.cursor < n-1 {
			v.cursor++
		}
	case key.Matches(msg, st.keys.Enter):
		if v.cursor < n {
			return st.assess.Findings[v.cursor], true
		}
	}
	return runbook.Finding{}, false
}

var statusLabel = map[runbook.Status]string{
	runbook.StatusActive: "ACTIVE", runbook.StatusSuspected: "suspected", runbook.StatusClear: "clear", runbook.StatusUnknown: "UNKNOWN",
}

func (v *overviewView) view(st *state, w, h int) string {
	s := st.styles
	var b strings.Builder
	// a condition that stops everything (a sealed Vault, nothing found in
	// the namespace) before the scenarios it explains
	for _, c := range st.assess.Conditions {
		b.WriteString(truncate(s.ForSeverity(c.Severity).Render(strings.ToUpper(string(c.Severity)))+" "+c.Summary, w) + "\n")
	}
	// the scenarios first: they are what the page is about
	b.WriteString(s.Section.Render("Scenarios") + s.Muted.Render("  ↑↓ select · enter: walk through it") + "\n")
	for i, f := range st.assess.Findings {
		label := statusLabel[f.Status]
		summary := f.Summary
		if !st.loaded && f.Status == runbook.StatusUnknown {
			label, summary = "…", "waiting for the sources"
		}
		line := fmt.Sprintf("%d %-31s %s %s", f.Number, f.Title, s.ForStatus(f.Status).Render(fmt.Sprintf("%-9s", label)), summary)
		if i == v.cursor {
			b.WriteString(s.Selected.Render("▸ "+padRight(truncate(line, w-2), w-2)) + "\n")
		} else {
			b.WriteString(truncate("  "+line, w) + "\n")
		}
	}
	if w >= 110 {
		colW := w/2 - 1
		b.WriteString(lipgloss.JoinHorizontal(lipgloss.Top, lipgloss.NewStyle().Width(colW).Render(sourcesBlock(st, colW, false)), " ", factsBlock(st, false)))
	} else {
		b.WriteString(sourcesBlock(st, w, true) + "\n" + factsBlock(st, true))
	}
	b.WriteString("\n" + s.Section.Render("Related alerts") + "\n")
	b.WriteString(alertsBlock(st, w))
	return b.String()
}

var stateMark = map[collectors.State]string{
	collectors.StateOK: "✓", collectors.StatePartial: "◐", collectors.StateError: "✗", collectors.StateSkipped: "-", collectors.StateMissing: "?",
}

// sourcesBlock lists the sources; compact puts the healthy ones on one line.
func sourcesBlock(st *state, w int, compact bool) string {
	s := st.styles
	var b strings.Builder
	b.WriteString(s.Section.Render("Sources") + "\n")
	var okLine []string
	for _, name := range collectors.Sources() {
		if compact && !st.loading[name] {
			if src := st.snap.Source(name); src.State == collectors.StateOK {
				okLine = append(okLine, s.OK.Render("✓ "+name)+" "+s.Muted.Render(src.Latency.Duration().Round(time.Millisecond).String()))
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
			text = fmt.Sprintf("partial: %d part(s) unreadable — %s", len(src.Problems), src.Problems[0].Part+": "+src.Problems[0].Error)
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
		b.WriteString(truncate(fmt.Sprintf("%s %-10s %s", style.Render(mark), name, style.Render(text)), w) + "\n")
	}
	if len(okLine) > 0 {
		b.WriteString(truncate(strings.Join(okLine, "  "), w) + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

func hasSource(s *collectors.Snapshot, name string) bool {
	for _, st := range s.Sources {
		if st.Source == name {
			return true
		}
	}
	return false
}

func factsBlock(st *state, twoColumns bool) string {
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
		{"last good cleanup", when(f.LastCleanupSuccess)},
		{"tenants", num0(f.Tenants, unknown)},
		{"tenants overdue", num(f.TenantsOverdue)},
		{"over retention", num(f.TenantsOverRetention)},
	}
	var b strings.Builder
	b.WriteString(s.Section.Render("Key facts") + "\n")
	if twoColumns {
		for i := 0; i < len(rows); i += 2 {
			left := fmt.Sprintf("%-19s %s", rows[i][0], rows[i][1])
			line := padRight(left, 39)
			if i+1 < len(rows) {
				line += fmt.Sprintf(" %-18s %s", rows[i+1][0], rows[i+1][1])
			}
			b.WriteString(line + "\n")
		}
		return strings.TrimRight(b.String(), "\n")
	}
	for _, r := range rows {
		b.WriteString(fmt.Sprintf("%-20s %s\n", r[0], r[1]))
	}
	return strings.TrimRight(b.String(), "\n")
}

func num0(n *int, unknown string) string {
	if n == nil {
		return unknown
	}
	return fmt.Sprint(*n)
}

func alertsBlock(st *state, w int) string {
	s := st.styles
	if why := st.assess.AlertsUnknown; why != "" {
		if st.loading[collectors.SourcePrometheus] {
			return s.Muted.Render("loading…")
		}
		return s.Unknown.Render("unknown") + s.Muted.Render(": the alerts could not be read ("+why+")")
	}
	if len(st.assess.Alerts) == 0 {
		return s.OK.Render("none firing or pending")
	}
	// one line per alert name: state, how many series, scenario
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
	var b strings.Builder
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
		b.WriteString(truncate(fmt.Sprintf("%s %s%s %s", style.Render(fmt.Sprintf("%-8s", g.state)), name, count, s.Muted.Render(sc)), w) + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

// shortDur prints a duration the way an on-call engineer reads it.
func shortDur(d time.Duration) string {
	if d < 0 {
		return "-" + shortDur(-d)
	}
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%dd", int(d.Hours()/24))
	case d >= time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	case d >= time.Minute:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	}
	return fmt.Sprintf("%ds", int(d.Seconds()))
}

func secondsDur(v float64) time.Duration { return time.Duration(v * float64(time.Second)) }
