package ui

import (
	"context"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/oss-ai-agent-tool/kubectl-rotation/runbook"
)

// TestOverviewView_Update: the cursor starts on the scenario "Start here"
// names once a whole load is judged, and stays where the person left it
// through refreshes.
func TestOverviewView_Update(t *testing.T) {
	snap := demoSnapshot(t)
	live := func(t *testing.T) (*countingLoader, Options) {
		o := demoOptions(snap)
		o.Mode = "live"
		return &countingLoader{SnapshotLoader: SnapshotLoader{Snapshot: snap}, live: true}, o
	}
	selected := func(m Model) string {
		v := tabView[overviewView](t, m)
		if v.cursor >= len(m.st.assess.Findings) {
			return ""
		}
		return m.st.assess.Findings[v.cursor].ID
	}
	start := func(m Model) string {
		f, ok := startHere(m.st.assess)
		if !ok {
			t.Fatal("the demo names no scenario to start with")
		}
		return f.ID
	}

	t.Run("starts on Start here", func(t *testing.T) {
		m := demoAt(t, 80, 24)
		want := start(m)
		if want == m.st.assess.Findings[0].ID {
			t.Fatalf("the demo starts on the first row (%s): this test cannot tell", want)
		}
		if got := selected(m); got != want {
			t.Errorf("cursor on %s, want %s (Start here)", got, want)
		}
		m = keys(m, "enter")
		if got := scenarioOf(m).id; got != want {
			t.Errorf("enter opened %q, want %s", got, want)
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
		if got, want := selected(m), start(m); got != want {
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
		m = keys(m, "g", "down", "down") // scenario 3
		want := m.st.assess.Findings[2].ID
		gen := m.gen
		m = refresh(m, l)
		if m.gen == gen || !m.st.loaded {
			t.Fatalf("no refresh happened: gen %d → %d", gen, m.gen)
		}
		if got := selected(m); got != want {
			t.Errorf("after a refresh: cursor on %s, want %s where it was left", got, want)
		}
	})
	t.Run("a refresh keeps an untouched cursor on its scenario", func(t *testing.T) {
		l, o := live(t)
		m := loaded(t, l, o, 80, 24)
		want := selected(m)
		m = refresh(m, l)
		if got := selected(m); got != want {
			t.Errorf("after a refresh: cursor on %s, want %s", got, want)
		}
	})
	t.Run("the selection follows its scenario when the rows change", func(t *testing.T) {
		m := demoAt(t, 80, 24)
		m = keys(m, "g", "down") // scenario 2
		want := m.st.assess.Findings[1].ID
		// the next judgement lists the scenarios in another order
		j := *m.st.judged
		j.assess.Findings = append([]runbook.Finding{j.assess.Findings[4]}, j.assess.Findings[:4]...)
		j.assess.Findings = append(j.assess.Findings, m.st.judged.assess.Findings[5])
		j.rev = m.st.rev + 1
		m = send(m, judgedMsg{j: &j})
		if got := selected(m); got != want {
			t.Errorf("cursor on %s, want %s", got, want)
		}
	})
}
