package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/oss-ai-agent-tool/kubectl-rotation/runbook"
)

// TestScenarioView_EmergencyCopyHasTheReason: once the reason was typed in
// the action modal, the emergency rotation's step copies (c) the command
// the plan runs, reason and subject included; before a reason was given
// the step holds placeholders and says so.
func TestScenarioView_EmergencyCopyHasTheReason(t *testing.T) {
	m := openAction(t, liveDemo(t, &fakeActor{}), 1, runbook.ActionEmergencyRotate)
	step := func(m Model) runbook.RenderedStep {
		t.Helper()
		sv, ok := m.stack[len(m.stack)-1].(scenarioView)
		if !ok {
			t.Fatalf("no scenario under the modal: %T", m.stack[len(m.stack)-1])
		}
		steps := sv.steps(m.st)
		return steps[sv.at(steps)]
	}
	if s := step(m); s.Action != runbook.ActionEmergencyRotate || !strings.Contains(s.Command, "ROTATION_REASON='<reason>'") {
		t.Fatalf("before a reason: step %q copies %q", s.Action, s.Command)
	}
	// the walkthrough, every line (the screen shows a part of it)
	walk := func(m Model) string {
		lines, _, _ := m.stack[len(m.stack)-1].(scenarioView).lines(m.st, 120)
		return strings.Join(strings.Fields(ansi.Strip(strings.Join(lines, "\n"))), " ")
	}
	if out := walk(m); !strings.Contains(out, "the reason and subject are placeholders until a reason is given") {
		t.Errorf("the step does not say its reason is empty:\n%s", out)
	}
	m, _ = press(m, "a")
	m = typeText(clearField(m), "INC-7 key leak")
	m, cmd := press(m, "enter")
	m = runCmd(m, cmd)
	if m.modal.stage != stageConfirm {
		t.Fatalf("stage %d, want the confirmation", m.modal.stage)
	}
	plan := m.modal.plan.Command()
	if !strings.Contains(plan, "ROTATION_REASON='INC-7 key leak'") {
		t.Fatalf("the plan lacks the reason: %s", plan)
	}
	if got := step(m).Command; got != plan {
		t.Errorf("after the reason was typed the step copies\n  %s\nthe plan runs\n  %s", got, plan)
	}
	if out := strings.Join(strings.Fields(ansi.Strip(m.View())), ""); !strings.Contains(out, strings.Join(strings.Fields(plan), "")) {
		t.Errorf("the modal does not show the plan's command:\n%s", ansi.Strip(m.View()))
	}
	m, _ = press(m, "esc")
	if out := walk(m); !strings.Contains(out, `reason and subject: "INC-7 key leak", the last reason given`) {
		t.Errorf("the step does not say where its reason comes from:\n%s", out)
	}
}
