package ui

import (
	"bytes"
	"slices"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/oss-ai-agent-tool/kubectl-rotation/runbook"
)

// waitFor reads the program's output until it contains every want.
func waitFor(t *testing.T, tm *teatest.TestModel, want ...string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		for _, w := range want {
			if !bytes.Contains(b, []byte(w)) {
				return false
			}
		}
		return true
	}, teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
}

func typeKeys(tm *teatest.TestModel, s string) {
	for _, r := range s {
		tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
	}
}

// TestFlow_DemoScenarioAndBack: the demo → the second scenario → back.
func TestFlow_DemoScenarioAndBack(t *testing.T) {
	snap := demoSnapshot(t)
	// Scenario 2's row, as the same demo draws it
	rows, _ := overviewRows(loaded(t, SnapshotLoader{Snapshot: snap}, demoOptions(snap), 120, 40))
	row := slices.Index(rows, 2)
	if row < 0 {
		t.Fatalf("no row is Scenario 2: %v", rows)
	}
	tm := teatest.NewTestModel(t, New(SnapshotLoader{Snapshot: snap}, demoOptions(snap)), teatest.WithInitialTermSize(120, 40))
	// "Start here" is drawn once the whole load is judged: the rows are
	// in their order then (keys sent before would walk the rows of a part)
	waitFor(t, tm, "Vault token expired", "ACTIVE", "DEMO", "Start here:")
	tm.Send(tea.KeyMsg{Type: tea.KeyHome}) // the cursor starts on "Start here"
	for range row {
		tm.Send(tea.KeyMsg{Type: tea.KeyDown})
	}
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
	waitFor(t, tm, "Scenario 2", "Resolution steps", "Force token renewal")
	tm.Send(tea.KeyMsg{Type: tea.KeyEsc})
	waitFor(t, tm, "Related alerts")
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("q")})
	fm := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
	if ov, ok := focusedAs[overviewView](fm); !ok || ov.cursor != row || selectedOnScreen(t, fm) != runbook.ScenarioVaultTokenExpired {
		t.Errorf("final view %T cursor %d, want the overview with scenario 2 (row %d) selected", fm.focused(), ov.cursor, row)
	}
}

// TestFlow_FilterTenants: / t-01 enter keeps the ten tenants t-010..t-019.
func TestFlow_FilterTenants(t *testing.T) {
	snap := demoSnapshot(t)
	tm := teatest.NewTestModel(t, New(SnapshotLoader{Snapshot: snap}, demoOptions(snap)), teatest.WithInitialTermSize(100, 30))
	waitFor(t, tm, "Scenarios")
	typeKeys(tm, "2/t-01")
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
	waitFor(t, tm, `10 of 48 tenants match "t-01"`)
	typeKeys(tm, "q")
	fm := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
	if rows := tabView[tenantsView](t, fm).shown; len(rows) != 10 {
		t.Errorf("filtered rows = %d, want 10", len(rows))
	}
}

// TestFlow_FailedJobLog: jobs → the failed rotation Job → its log, with
// the runbook's phrase flagged.
func TestFlow_FailedJobLog(t *testing.T) {
	snap := demoSnapshot(t)
	tm := teatest.NewTestModel(t, New(SnapshotLoader{Snapshot: snap}, demoOptions(snap)), teatest.WithInitialTermSize(120, 40))
	waitFor(t, tm, "Scenarios")
	typeKeys(tm, "3")
	waitFor(t, tm, "newest first")
	tm.Send(tea.KeyMsg{Type: tea.KeyDown}) // the timed-out rotation run
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
	waitFor(t, tm, "Log of Job cmek-rotation-")
	typeKeys(tm, "/Failed to rotate")
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
	waitFor(t, tm, "match 1/")
	typeKeys(tm, "q")
	fm := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
	if lv, ok := focusedAs[logView](fm); !ok || len(lv.hits) == 0 || lv.job.Reason != "DeadlineExceeded" {
		t.Errorf("final: view %T, %d hits, job %s %s; want the timed-out run's log with a match", fm.focused(), len(lv.hits), lv.job.Name, lv.job.Reason)
	}
}
