package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/oss-ai-agent-tool/kubectl-rotation/runbook"
)

// TestScenarioView_Cause: a scenario whose Job's cause is named says why
// above the symptoms and leads its steps with the cause's; when a refresh
// takes the cause away (the next Job succeeded), the selection stays on the
// step it was on.
func TestScenarioView_Cause(t *testing.T) {
	snap := demoSnapshot(t)
	m := openStep(loaded(t, SnapshotLoader{Snapshot: snap}, demoOptions(snap), 120, 50), 3, 3) // cleanup: the dry run
	f, _ := m.st.assess.Finding(runbook.ScenarioCleanupFailing)
	if f.Cause == nil {
		t.Fatal("the demo's cleanup Job names no cause")
	}
	out := ansi.Strip(m.View())
	if !strings.Contains(out, "Why Job "+f.Cause.Job+" failed: "+f.Cause.Text[:20]) || !strings.Contains(out, "1. Describe the failed pod") {
		t.Errorf("the view does not lead with the cause:\n%s", out)
	}
	if got := scenarioOf(m).selectedAction(m.st); got != runbook.ActionCleanupDryRun {
		t.Fatalf("selected %q, want the dry run", got)
	}
	// the next judgement names no cause (a judgement is never changed: a
	// changed copy is shown as the next one)
	j := *m.st.judged
	j.rev++
	j.assess.Findings = append([]runbook.Finding(nil), j.assess.Findings...)
	for i := range j.assess.Findings {
		if j.assess.Findings[i].ID == runbook.ScenarioCleanupFailing {
			j.assess.Findings[i].Cause = nil
		}
	}
	m = update(m, judgedMsg{j: &j})
	if m.st.judged != &j {
		t.Fatal("the next judgement is not shown")
	}
	if got := scenarioOf(m).selectedAction(m.st); got != runbook.ActionCleanupDryRun {
		t.Errorf("after the cause went, selected %q, want still the dry run", got)
	}
	if out := ansi.Strip(m.View()); !strings.Contains(out, "▸ 3. Run cleanup as a dry run") {
		t.Errorf("the marker is not on the dry run, now step 3:\n%s", out)
	}
	m = keys(m, "down")
	if got := scenarioOf(m).selectedAction(m.st); got != runbook.ActionCleanupRun {
		t.Errorf("down from the dry run selected %q, want the real run", got)
	}
}
