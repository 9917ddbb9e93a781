package ui

import (
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

// TestModel_KeysTypedFast: keys that arrive in one read as one message
// with several runes are each handled; pasted text and text for a field
// stay whole.
func TestModel_KeysTypedFast(t *testing.T) {
	runes := func(s string) tea.KeyMsg { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)} }
	t.Run("jjj moves three rows", func(t *testing.T) {
		// the cursor starts on "Start here", the first row
		m := send(loaded(t, SnapshotLoader{Snapshot: demoSnapshot(t)}, demoOptions(demoSnapshot(t)), 120, 40), runes("jjj"))
		if c := tabView[overviewView](t, m).cursor; c != 3 {
			t.Errorf("cursor %d, want 3", c)
		}
	})
	t.Run("3j switches to the jobs and moves there", func(t *testing.T) {
		m := send(loaded(t, SnapshotLoader{Snapshot: demoSnapshot(t)}, demoOptions(demoSnapshot(t)), 120, 40), runes("3j"))
		if jv, ok := focusedAs[jobsView](m); !ok || jv.cursor != 1 {
			t.Errorf("view %T cursor %d, want the jobs view at row 1", m.focused(), jv.cursor)
		}
	})
	t.Run("a paste is not split", func(t *testing.T) {
		msg := runes("jjj")
		msg.Paste = true
		m := send(loaded(t, SnapshotLoader{Snapshot: demoSnapshot(t)}, demoOptions(demoSnapshot(t)), 120, 40), msg)
		if tabView[overviewView](t, m).cursor == 3 {
			t.Error("a pasted jjj moved the cursor three rows")
		}
	})
	t.Run("text after a key that opens a filter goes into it", func(t *testing.T) {
		m := send(loaded(t, SnapshotLoader{Snapshot: demoSnapshot(t)}, demoOptions(demoSnapshot(t)), 120, 40), runes("4/cmek"))
		if av, ok := focusedAs[auditView](m); !ok || !av.filtering || av.filter.Value() != "cmek" {
			t.Errorf("view %T filtering %v filter %q, want the audit view filtering on cmek", m.focused(), av.filtering, av.filter.Value())
		}
	})
}
