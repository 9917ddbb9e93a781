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
		m := send(loaded(t, SnapshotLoader{Snapshot: demoSnapshot(t)}, demoOptions(demoSnapshot(t)), 120, 40), runes("jjj"))
		if m.overview.cursor != 3 {
			t.Errorf("cursor %d, want 3", m.overview.cursor)
		}
	})
	t.Run("3j switches to the jobs and moves there", func(t *testing.T) {
		m := send(loaded(t, SnapshotLoader{Snapshot: demoSnapshot(t)}, demoOptions(demoSnapshot(t)), 120, 40), runes("3j"))
		if m.view != viewJobs || m.jobs.cursor != 1 {
			t.Errorf("view %d cursor %d, want the jobs view at row 1", m.view, m.jobs.cursor)
		}
	})
	t.Run("a paste is not split", func(t *testing.T) {
		msg := runes("jjj")
		msg.Paste = true
		m := send(loaded(t, SnapshotLoader{Snapshot: demoSnapshot(t)}, demoOptions(demoSnapshot(t)), 120, 40), msg)
		if m.overview.cursor == 3 {
			t.Error("a pasted jjj moved the cursor three rows")
		}
	})
	t.Run("text after a key that opens a filter goes into it", func(t *testing.T) {
		m := send(loaded(t, SnapshotLoader{Snapshot: demoSnapshot(t)}, demoOptions(demoSnapshot(t)), 120, 40), runes("4/cmek"))
		if m.view != viewAudit || !m.audit.filtering || m.audit.filter.Value() != "cmek" {
			t.Errorf("view %d filtering %v filter %q, want the audit view filtering on cmek", m.view, m.audit.filtering, m.audit.filter.Value())
		}
	})
}
