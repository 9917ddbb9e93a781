package ui

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/oss-ai-agent-tool/kubectl-rotation/runbook"
)

// overviewRows are the scenario numbers of the overview's rows as the
// screen shows them, top to bottom, and the row marked ▸ (-1 when none
// is). The overview must be in focus.
func overviewRows(m Model) (rows []int, cursor int) {
	cursor = -1
	lines := strings.Split(ansi.Strip(m.View()), "\n")
	for i, l := range lines {
		if !strings.HasPrefix(l, "Scenarios") {
			continue
		}
		for _, r := range lines[i+1:] {
			rest, marked := strings.CutPrefix(r, "▸ ")
			if !marked {
				var ok bool
				if rest, ok = strings.CutPrefix(r, "  "); !ok {
					break
				}
			}
			var n int
			if _, err := fmt.Sscanf(rest, "%d ", &n); err != nil {
				break
			}
			if marked {
				cursor = len(rows)
			}
			rows = append(rows, n)
		}
		break
	}
	return rows, cursor
}

// toScenario puts the overview's cursor on Scenario n's row as a person
// would: up to the first row, then down until the marked row is Scenario
// n's (g scrolls the page: it does not move the cursor).
func toScenario(m Model, n int) (Model, error) {
	m = toFirstRow(m)
	for range len(m.st.assess.Findings) {
		rows, c := overviewRows(m)
		if c >= 0 && rows[c] == n {
			return m, nil
		}
		m = keys(m, "down")
	}
	rows, c := overviewRows(m)
	return m, fmt.Errorf("no overview row is Scenario %d (rows %v, cursor %d)", n, rows, c)
}

// selectedOnScreen is the id of the scenario on the overview's marked row
// ("" when none is marked).
func selectedOnScreen(tb testing.TB, m Model) string {
	tb.Helper()
	rows, c := overviewRows(m)
	if c < 0 {
		return ""
	}
	for _, f := range m.st.assess.Findings {
		if f.Number == rows[c] {
			return f.ID
		}
	}
	tb.Fatalf("the marked row is Scenario %d, which the assessment does not have", rows[c])
	return ""
}

// TestOverviewOrder: the start-here scenario first, then active critical,
// active warning, suspected, unknown, clear; among equals the scenario
// another waits on, then runbook order; the order of the findings given
// does not matter and every scenario keeps its number.
func TestOverviewOrder(t *testing.T) {
	const (
		ac = "active critical"
		aw = "active warning"
		sc = "suspected critical"
		sw = "suspected warning"
		un = "unknown"
		cl = "clear"
	)
	book := runbook.MustDefault()
	assess := func(states [6]string) runbook.Assessment {
		var a runbook.Assessment
		for i, s := range states {
			status, sev, _ := strings.Cut(s, " ")
			f := runbook.Finding{ID: book.Scenarios[i].ID, Number: i + 1, Title: book.Scenarios[i].Title,
				Status: runbook.Status(status), Severity: runbook.Severity(sev)}
			switch f.Status {
			case runbook.StatusUnknown:
				f.Severity = runbook.SeverityInfo
			case runbook.StatusClear:
				f.Severity = runbook.SeverityNone
			}
			a.Findings = append(a.Findings, f)
		}
		return a
	}
	tests := map[string]struct {
		states [6]string // Scenarios 1–6
		want   []int
	}{
		"the demo: start here (6, 1 waits on it), critical, warning": {
			states: [6]string{ac, ac, aw, aw, ac, ac}, want: []int{6, 1, 2, 5, 3, 4}},
		"ties in runbook order": {
			states: [6]string{aw, aw, aw, aw, aw, cl}, want: []int{1, 2, 3, 4, 5, 6}},
		"unknown before clear": {
			states: [6]string{cl, un, cl, un, cl, cl}, want: []int{2, 4, 1, 3, 5, 6}},
		"suspected after active, the worse first, before unknown": {
			states: [6]string{un, sw, aw, sc, cl, ac}, want: []int{6, 3, 4, 2, 1, 5}},
		"an active warning starts before a suspected critical": {
			states: [6]string{un, sw, aw, cl, sc, cl}, want: []int{3, 5, 2, 1, 4, 6}},
		"a clear scenario waits on nothing": {
			states: [6]string{cl, aw, cl, cl, cl, aw}, want: []int{2, 6, 1, 3, 4, 5}},
		"a waited-on scenario of equal severity before the one waiting": {
			states: [6]string{aw, ac, cl, aw, cl, aw}, want: []int{2, 6, 1, 4, 3, 5}},
		"a waited-on scenario of lower severity after the one waiting": {
			states: [6]string{ac, cl, cl, cl, cl, aw}, want: []int{1, 6, 2, 3, 4, 5}},
		"no wait on a scenario that is not active": {
			states: [6]string{sw, cl, cl, cl, cl, sw}, want: []int{1, 6, 2, 3, 4, 5}},
		"nothing to start with: unknown first": {
			states: [6]string{cl, cl, cl, cl, cl, un}, want: []int{6, 1, 2, 3, 4, 5}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			a := assess(tc.states)
			for _, given := range []string{"in runbook order", "reversed"} {
				in := a
				if given == "reversed" {
					in.Findings = slices.Clone(a.Findings)
					slices.Reverse(in.Findings)
				}
				rows := overviewOrder(in)
				var got []int
				for _, f := range rows {
					got = append(got, f.Number)
					if orig, _ := a.Finding(f.ID); orig.Number != f.Number {
						t.Errorf("%s: %s is numbered %d, the runbook's number is %d", given, f.ID, f.Number, orig.Number)
					}
				}
				if !slices.Equal(got, tc.want) {
					t.Errorf("findings %s: rows %v, want %v", given, got, tc.want)
				}
			}
			if f, ok := startHere(a); ok && overviewOrder(a)[0].ID != f.ID {
				t.Errorf("start here is %d, the first row %d", f.Number, overviewOrder(a)[0].Number)
			}
		})
	}
	t.Run("no findings", func(t *testing.T) {
		if rows := overviewOrder(runbook.Assessment{}); len(rows) != 0 {
			t.Errorf("rows %v", rows)
		}
	})
}

// TestOverviewView_Update: the rows are in the overview's order, the cursor
// starts on the first, "Start here", once a whole load is judged; enter
// opens the scenario of the row it is on; the cursor stays on its scenario
// through refreshes, when the rows change order too.
func TestOverviewView_Update(t *testing.T) {
	snap := demoSnapshot(t)
	live := func(t *testing.T) (*countingLoader, Options) {
		o := demoOptions(snap)
		o.Mode = "live"
		return &countingLoader{SnapshotLoader: SnapshotLoader{Snapshot: snap}, live: true}, o
	}
	start := func(m Model) string {
		f, ok := startHere(m.st.assess)
		if !ok {
			t.Fatal("the demo names no scenario to start with")
		}
		return f.ID
	}

	t.Run("starts on Start here, the first row", func(t *testing.T) {
		m := demoAt(t, 80, 24)
		want := start(m)
		if want == m.st.assess.Findings[0].ID {
			t.Fatalf("Start here is Scenario 1 in the demo (%s): this test cannot tell the rows from runbook order", want)
		}
		rows, c := overviewRows(m)
		if c != 0 {
			t.Errorf("cursor on row %d of %v, want the first", c, rows)
		}
		if got := selectedOnScreen(t, m); got != want {
			t.Errorf("cursor on %s, want %s (Start here)", got, want)
		}
		m = keys(m, "enter")
		if got := scenarioOf(m).id; got != want {
			t.Errorf("enter opened %q, want %s", got, want)
		}
	})
	t.Run("the rows, worst first", func(t *testing.T) {
		rows, _ := overviewRows(demoAt(t, 80, 24))
		// 2 starts (the role refuses new pods: 1, 3, 5 and 6 start pods),
		// 6 (1 waits on it), then the active critical, then the warnings
		if want := []int{2, 6, 1, 5, 3, 4}; !slices.Equal(rows, want) {
			t.Errorf("rows %v, want %v", rows, want)
		}
	})
	t.Run("enter opens the scenario of each row", func(t *testing.T) {
		m := demoAt(t, 80, 24)
		rows, _ := overviewRows(m)
		for i, n := range rows {
			m = toFirstRow(m)
			for range i {
				m = keys(m, "down")
			}
			m = keys(m, "enter")
			f, _ := m.st.assess.Finding(scenarioOf(m).id)
			if f.Number != n {
				t.Errorf("enter on row %d opened Scenario %d (%q), want %d", i, f.Number, f.ID, n)
			}
			if out := ansi.Strip(m.View()); !strings.Contains(out, fmt.Sprintf("Scenario %d · ", n)) {
				t.Errorf("row %d: the walkthrough is not Scenario %d's:\n%s", i, n, out)
			}
			m = keys(m, "esc")
		}
	})
	t.Run("a part judged before the whole load does not place it", func(t *testing.T) {
		l, o := live(t)
		m := New(l, o)
		m = send(m, tea.WindowSizeMsg{Width: 80, Height: 24})
		m = send(m, tickMsg{gen: 0})
		srcs := l.Sources()
		for _, src := range srcs[:len(srcs)-1] {
			part, at := l.Load(context.Background(), src, nil)
			m = send(m, partMsg{gen: m.gen, part: part, at: at})
		}
		if c := tabView[overviewView](t, m).cursor; c != 0 {
			t.Errorf("cursor %d before the whole load was judged, want 0", c)
		}
		part, at := l.Load(context.Background(), srcs[len(srcs)-1], nil)
		m = send(m, partMsg{gen: m.gen, part: part, at: at})
		if got, want := selectedOnScreen(t, m), start(m); got != want {
			t.Errorf("after the whole load: cursor on %s, want %s", got, want)
		}
	})
	refresh := func(m Model, l *countingLoader) Model {
		m = keys(m, "r")
		for _, src := range l.Sources() {
			part, at := l.Load(context.Background(), src, nil)
			m = send(m, partMsg{gen: m.gen, part: part, at: at})
		}
		return m
	}
	t.Run("a refresh keeps where the person moved it", func(t *testing.T) {
		l, o := live(t)
		m := loaded(t, l, o, 80, 24)
		m = keys(m, "@3")
		want := runbook.ScenarioCleanupFailing
		gen := m.gen
		m = refresh(m, l)
		if m.gen == gen || !m.st.loaded {
			t.Fatalf("no refresh happened: gen %d → %d", gen, m.gen)
		}
		if got := selectedOnScreen(t, m); got != want {
			t.Errorf("after a refresh: cursor on %s, want %s where it was left", got, want)
		}
	})
	t.Run("a refresh keeps an untouched cursor on its scenario", func(t *testing.T) {
		l, o := live(t)
		m := loaded(t, l, o, 80, 24)
		want := selectedOnScreen(t, m)
		m = refresh(m, l)
		if got := selectedOnScreen(t, m); got != want {
			t.Errorf("after a refresh: cursor on %s, want %s", got, want)
		}
	})
	// next is the demo's next judgement with the scenarios' states changed
	// (a judgement is never changed: a changed copy is shown as the next).
	next := func(m Model, change map[string]runbook.Status) Model {
		j := *m.st.judged
		j.assess.Findings = slices.Clone(j.assess.Findings)
		for i, f := range j.assess.Findings {
			if s, ok := change[f.ID]; ok {
				j.assess.Findings[i].Status = s
				if s == runbook.StatusClear {
					j.assess.Findings[i].Severity = runbook.SeverityNone
				}
			}
		}
		j.rev = m.st.rev + 1
		return send(m, judgedMsg{j: &j})
	}
	t.Run("an untouched cursor follows Start here when its scenario clears", func(t *testing.T) {
		m := demoAt(t, 80, 24)
		if got := selectedOnScreen(t, m); got != runbook.ScenarioVaultTokenExpired {
			t.Fatalf("cursor on %s, want %s (Start here in the demo)", got, runbook.ScenarioVaultTokenExpired)
		}
		m = next(m, map[string]runbook.Status{runbook.ScenarioVaultTokenExpired: runbook.StatusClear})
		start, ok := startHere(m.st.assess)
		if !ok || start.ID == runbook.ScenarioVaultTokenExpired {
			t.Fatalf("Start here after the change: %v %v", start.ID, ok)
		}
		if got := selectedOnScreen(t, m); got != start.ID {
			t.Errorf("cursor on %s, want %s, the new Start here", got, start.ID)
		}
		m = keys(m, "enter")
		if got := scenarioOf(m).id; got != start.ID {
			t.Errorf("enter opened %q, want %s", got, start.ID)
		}
	})
	for name, tc := range map[string]struct {
		keys   []string // "" : the cursor left where it started
		want   string
		change map[string]runbook.Status
	}{
		"a selected scenario that moves down": {keys: []string{"@2"}, want: runbook.ScenarioVaultTokenExpired,
			change: map[string]runbook.Status{runbook.ScenarioVaultTokenExpired: runbook.StatusClear}},
		"a selected scenario that moves up": {keys: []string{"@4"}, want: runbook.ScenarioRetentionOverflow,
			change: map[string]runbook.Status{runbook.ScenarioAuditMissing: runbook.StatusClear, runbook.ScenarioRotationJobFailing: runbook.StatusClear}},
		"Start here chosen again, when another starts": {keys: []string{"@6"}, want: runbook.ScenarioAuditMissing,
			change: map[string]runbook.Status{runbook.ScenarioAuditMissing: runbook.StatusSuspected, runbook.ScenarioVaultTokenExpired: runbook.StatusClear}},
	} {
		t.Run("the cursor stays on its scenario when the order changes: "+name, func(t *testing.T) {
			m := keys(demoAt(t, 80, 24), tc.keys...)
			before, c0 := overviewRows(m)
			if got := selectedOnScreen(t, m); got != tc.want {
				t.Fatalf("cursor on %s before the change, want %s", got, tc.want)
			}
			m = next(m, tc.change)
			after, c1 := overviewRows(m)
			if slices.Equal(before, after) || c0 == c1 {
				t.Fatalf("the change did not move the row: rows %v → %v, cursor %d → %d", before, after, c0, c1)
			}
			if got := selectedOnScreen(t, m); got != tc.want {
				t.Errorf("rows %v → %v: cursor on %s, want %s", before, after, got, tc.want)
			}
			m = keys(m, "enter")
			if got := scenarioOf(m).id; got != tc.want {
				t.Errorf("enter opened %q, want %s", got, tc.want)
			}
		})
	}
}

// toFirstRow puts the overview's cursor on its first row with ↑.
func toFirstRow(m Model) Model {
	for range len(m.st.assess.Findings) {
		m = keys(m, "up")
	}
	return m
}
