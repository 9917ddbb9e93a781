package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/oss-ai-agent-tool/kubectl-rotation/runbook"
)

// TestScenarioView_EmergencyCopyHasTheReason: once the reason and the
// subject were typed in the action modal, the emergency rotation's step
// copies (c) the command the plan runs, reason and subject included; before
// they were given for an emergency rotation the step holds placeholders and
// says so — another action's reason is not carried into it.
func TestScenarioView_EmergencyCopyHasTheReason(t *testing.T) {
	m := openAction(t, liveDemo(t, &fakeActor{}), 1, runbook.ActionEmergencyRotate)
	m.st.reason = "deadline raised for INC-1" // the last action's, not this rotation's
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
	if out := walk(m); !strings.Contains(out, "the reason and subject are placeholders until given for this rotation") {
		t.Errorf("the step does not say its reason is empty:\n%s", out)
	}
	m, _ = press(m, "a")
	m = typeText(clearField(m), "INC-7 key leak")
	m, _ = press(m, "enter")
	if s := step(m); !strings.Contains(s.Command, "ROTATION_REASON='INC-7 key leak'") || !strings.Contains(s.Command, "ROTATION_SUBJECT='<subject>'") {
		t.Errorf("with the reason given and no subject yet, the step copies %q", s.Command)
	}
	m = typeText(m, "ops-team")
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
	if !strings.Contains(plan, "ROTATION_SUBJECT=ops-team") {
		t.Errorf("the plan lacks the subject: %s", plan)
	}
	if out := walk(m); !strings.Contains(out, `reason "INC-7 key leak" and subject "ops-team": those given for the last emergency rotation`) {
		t.Errorf("the step does not say where its reason comes from:\n%s", out)
	}
}
