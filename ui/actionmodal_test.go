package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/oss-ai-agent-tool/kubectl-rotation/actions"
	"github.com/oss-ai-agent-tool/kubectl-rotation/runbook"
)

// typeText types s one key at a time, as a person does.
func typeText(m Model, s string) Model {
	for _, r := range s {
		m, _ = press(m, string(r))
	}
	return m
}

// clearField empties the focused text field (ctrl+u, cursor at its end).
func clearField(m Model) Model {
	next, _ := m.Update(tea.KeyMsg{Type: tea.KeyCtrlU})
	return next.(Model)
}

// finishLoad answers every source of the load running now.
func finishLoad(m Model) Model {
	for _, src := range m.loader.Sources() {
		part, at := m.loader.Load(context.Background(), src, nil)
		m = send(m, partMsg{gen: m.gen, part: part, at: at})
	}
	return m
}

// raiseDeadline runs Scenario 5's deadline action from its step through
// the prompts: reason (typed after clearing the prefilled one, or kept when
// reason is ""), the value (kept), the check, y; it returns the model with
// the result shown.
func raiseDeadline(t *testing.T, m Model, reason string) Model {
	t.Helper()
	m, _ = press(m, "a")
	if reason != "" {
		m = typeText(clearField(m), reason)
	}
	m, _ = press(m, "enter")
	m, cmd := press(m, "enter")
	m = runCmd(m, cmd)
	if m.modal.stage != stageConfirm {
		t.Fatalf("stage %d, want the confirmation; view:\n%s", m.modal.stage, ansi.Strip(m.View()))
	}
	m, cmd = press(m, "y")
	return runCmd(m, cmd)
}

// TestActionModal_Reason: the reason is asked first in every action,
// prefilled with the last one and editable, shown in the confirmation; what
// is typed for it never lands in the value field.
func TestActionModal_Reason(t *testing.T) {
	t.Run("asked before the value, never typed into it", func(t *testing.T) {
		fa := &fakeActor{}
		m := openStep(liveDemo(t, fa), 5, 2) // raise the deadline
		m.st.reason = "INC-1235"             // an earlier action's
		m, _ = press(m, "a")
		if m.modal.stage != stageReason || m.modal.input.Value() != "INC-1235" {
			t.Fatalf("after a: stage %d field %q, want the reason prompt prefilled with the last reason", m.modal.stage, m.modal.input.Value())
		}
		if out := ansi.Strip(m.View()); !strings.Contains(out, "Reason for the journal: > INC-1235") {
			t.Errorf("the prefilled reason is not on the screen:\n%s", out)
		}
		m = typeText(clearField(m), "INC-1236")
		m, _ = press(m, "enter")
		if m.modal.stage != stageValue || m.modal.input.Value() != "1800" {
			t.Fatalf("after the reason: stage %d field %q, want the deadline prompt holding 1800", m.modal.stage, m.modal.input.Value())
		}
		m, cmd := press(m, "enter")
		if !strings.Contains(m.modal.plan.Command(), `"activeDeadlineSeconds":1800`) {
			t.Fatalf("plan %q", m.modal.plan.Command())
		}
		m = runCmd(m, cmd)
		if out := ansi.Strip(m.View()); !strings.Contains(out, "Reason for the journal: INC-1236") {
			t.Errorf("the confirmation does not show the reason:\n%s", out)
		}
		m, cmd = press(m, "y")
		runCmd(m, cmd)
		if want := []string{"INC-1236"}; strings.Join(fa.reasons, ",") != strings.Join(want, ",") {
			t.Errorf("journaled reasons %q, want %q", fa.reasons, want)
		}
	})

	t.Run("every action asks, prefilled with the last", func(t *testing.T) {
		fa := &fakeActor{}
		m := openStep(liveDemo(t, fa), 5, 2)
		m = raiseDeadline(t, m, "INC-1236")
		m, _ = press(m, "enter") // close
		m = raiseDeadline(t, m, "")
		m, _ = press(m, "enter")
		m = raiseDeadline(t, m, "INC-1240")
		want := "INC-1236,INC-1236,INC-1240"
		if got := strings.Join(fa.reasons, ","); got != want {
			t.Errorf("reasons journaled %q, want %q", got, want)
		}
		if m.st.reason != "INC-1240" {
			t.Errorf("the last reason is %q, want INC-1240", m.st.reason)
		}
	})

	t.Run("e in the confirmation edits it", func(t *testing.T) {
		fa := &fakeActor{}
		m := openStep(liveDemo(t, fa), 5, 2)
		m.st.reason = "wrong incident"
		m, _ = press(m, "a")
		m, _ = press(m, "enter")
		m, cmd := press(m, "enter")
		m = runCmd(m, cmd)
		m, _ = press(m, "e")
		if m.modal.stage != stageReason || m.modal.input.Value() != "wrong incident" {
			t.Fatalf("after e: stage %d field %q", m.modal.stage, m.modal.input.Value())
		}
		m = typeText(clearField(m), "INC-1236")
		m, _ = press(m, "enter")
		m, cmd = press(m, "enter")
		m = runCmd(m, cmd)
		m, cmd = press(m, "y")
		runCmd(m, cmd)
		if len(fa.reasons) != 1 || fa.reasons[0] != "INC-1236" {
			t.Errorf("reasons %q, want [INC-1236]", fa.reasons)
		}
	})

	t.Run("an emergency rotation records the reason and the subject, each typed in its own prompt", func(t *testing.T) {
		fa := &fakeActor{}
		m := openAction(t, liveDemo(t, fa), 1, runbook.ActionEmergencyRotate)
		m.st.reason = "old"
		m, _ = press(m, "a")
		m = typeText(clearField(m), "INC-1236")
		m, _ = press(m, "enter")
		if m.modal.stage != stageSubject || m.modal.input.Value() != "" {
			t.Fatalf("stage %d field %q, want the subject prompt, empty the first time (never the reason)", m.modal.stage, m.modal.input.Value())
		}
		m, _ = press(m, "enter") // no subject: refused
		if m.modal.stage != stageSubject || m.modal.note == "" {
			t.Fatalf("an empty subject was accepted: stage %d", m.modal.stage)
		}
		m = typeText(m, "ops-team")
		m, _ = press(m, "enter")
		if m.modal.stage != stageChecking {
			t.Fatalf("stage %d, want the check", m.modal.stage)
		}
		c := m.modal.plan.Command()
		for _, want := range []string{"ROTATION_REASON=INC-1236", "ROTATION_SUBJECT=ops-team", "rotation.kubectl-rotation.dev/subject=ops-team"} {
			if !strings.Contains(c, want) || strings.Contains(c, "old") {
				t.Errorf("the plan does not carry %s: %s", want, c)
			}
		}
		// the next emergency rotation: both prefilled with the last given
		m, _ = press(m, "esc")
		m, _ = press(m, "a")
		m, _ = press(m, "enter")
		if m.modal.stage != stageSubject || m.modal.input.Value() != "ops-team" {
			t.Errorf("stage %d field %q, want the subject prefilled with ops-team", m.modal.stage, m.modal.input.Value())
		}
	})
}

// TestActionModal_StatusLine: closing the modal leaves a line saying what
// happened; "cancelled" only when nothing was done; the line ages out after
// the next refresh that began after it.
func TestActionModal_StatusLine(t *testing.T) {
	t.Run("esc on a finished action says done", func(t *testing.T) {
		m := raiseDeadline(t, openStep(liveDemo(t, &fakeActor{}), 5, 2), "INC-1")
		m, _ = press(m, "esc")
		want := "raise-deadline on cronjob/cmek-rotation in rotation-lab: done — did raise-deadline"
		if m.modal.stage != stageNone || m.st.message != want {
			t.Errorf("message %q, want %q", m.st.message, want)
		}
	})

	t.Run("failed", func(t *testing.T) {
		fa := &fakeActor{execErr: errors.New("patch cronjobs.batch cmek-rotation: connection refused")}
		m := raiseDeadline(t, openStep(liveDemo(t, fa), 5, 2), "INC-1")
		m, _ = press(m, "esc")
		if !strings.Contains(m.st.message, ": failed: patch cronjobs.batch cmek-rotation: connection refused") || strings.Contains(m.st.message, "cancel") {
			t.Errorf("message %q", m.st.message)
		}
	})

	t.Run("refused by the check", func(t *testing.T) {
		fa := &fakeActor{checkErr: errors.New("patch cronjobs.batch cmek-rotation in rotation-lab: not permitted")}
		m := openStep(liveDemo(t, fa), 5, 2)
		m.st.reason = "x"
		m, _ = press(m, "a")
		m, _ = press(m, "enter")
		m, cmd := press(m, "enter")
		m = runCmd(m, cmd)
		m, _ = press(m, "enter")
		if !strings.Contains(m.st.message, "raise-deadline on cronjob/cmek-rotation in rotation-lab: refused: ") {
			t.Errorf("message %q", m.st.message)
		}
	})

	for name, tt := range map[string]struct {
		err        error
		want, not_ string
	}{
		"could not check": {fmt.Errorf("%w Vault permissions (sys/capabilities-self): Vault at http://v:8200 did not answer within vault.requestTimeout (10s); nothing was done", actions.ErrUnchecked),
			": could not check Vault permissions", "refused"},
		"interrupted": {fmt.Errorf("%w by the operator while checking x: nothing was done", actions.ErrInterrupted), ": interrupted by the operator", "refused"},
		"unknown":     {fmt.Errorf("patch cronjob cmek-rotation: %w (the API server did not answer)", actions.ErrNoAnswer), ": patch cronjob cmek-rotation: unknown: the request was sent", "failed"},
		"stale":       {fmt.Errorf("policy x %w: …; nothing was changed", actions.ErrChanged), ": not done: policy x changed since the plan was made", "failed"},
	} {
		t.Run(name, func(t *testing.T) {
			m := raiseDeadline(t, openStep(liveDemo(t, &fakeActor{execErr: tt.err}), 5, 2), "INC-1")
			mark := "? " // may have been applied, or nothing tried: never shown as a failure
			if name == "stale" {
				mark = "✗ "
			}
			if out := ansi.Strip(m.View()); !strings.Contains(out, mark+strings.Fields(tt.err.Error())[0]) {
				t.Errorf("the result is not marked %q:\n%s", mark, out)
			}
			m, _ = press(m, "esc")
			if !strings.Contains(m.st.message, tt.want) || strings.Contains(m.st.message, tt.not_) {
				t.Errorf("message %q, want %q, never %q", m.st.message, tt.want, tt.not_)
			}
		})
	}

	t.Run("not confirmed: a wrong name typed", func(t *testing.T) {
		fa := &fakeActor{}
		m := openAction(t, liveDemo(t, fa), 4, runbook.ActionTrimVersions)
		m.st.reason = "over retention"
		m, _ = press(m, "a")
		m, cmd := press(m, "enter")
		m = runCmd(m, cmd)
		m, _ = press(m, "y")
		m = typeText(m, "t-999")
		m, _ = press(m, "enter")
		m, _ = press(m, "esc")
		if !strings.Contains(m.st.message, ": not confirmed: typed \"t-999\"") || !strings.Contains(m.st.message, "nothing was done") {
			t.Errorf("message %q", m.st.message)
		}
	})

	for name, keys := range map[string][]string{
		"esc at the reason":       {"esc"},
		"esc at the value":        {"enter", "esc"},
		"n at the confirmation":   {"enter", "enter", "check", "n"},
		"esc at the confirmation": {"enter", "enter", "check", "esc"},
	} {
		t.Run("cancelled: "+name, func(t *testing.T) {
			fa := &fakeActor{}
			m := openStep(liveDemo(t, fa), 5, 2)
			m.st.reason = "x"
			m, cmd := press(m, "a")
			for _, k := range keys {
				if k == "check" {
					m = runCmd(m, cmd)
					continue
				}
				m, cmd = press(m, k)
			}
			want := "raise-deadline on cronjob/cmek-rotation in rotation-lab: cancelled — nothing was done"
			if m.modal.stage != stageNone || m.st.message != want || len(fa.executed) != 0 {
				t.Errorf("stage %d message %q executed %v; want %q", m.modal.stage, m.st.message, fa.executed, want)
			}
		})
	}

	t.Run("ages out after the next refresh", func(t *testing.T) {
		m := raiseDeadline(t, openStep(liveDemo(t, &fakeActor{}), 5, 2), "INC-1")
		if m.inFlight == 0 {
			t.Fatal("no verification load")
		}
		m, _ = press(m, "esc") // closed while the verification load runs
		line := m.st.message
		m = finishLoad(m) // that load began before the line: it stays
		if out := ansi.Strip(m.View()); m.st.message != line || !strings.Contains(out, "done — did raise-deadline") {
			t.Fatalf("the result line went with the load that began before it: %q\n%s", m.st.message, out)
		}
		m = send(m, tickMsg{gen: m.gen}) // the next auto-refresh
		m = finishLoad(m)
		if m.st.message != "" || strings.Contains(ansi.Strip(m.View()), "did raise-deadline") {
			t.Errorf("the result line outlived the next refresh: %q", m.st.message)
		}
	})

	t.Run("read whole at 80x24", func(t *testing.T) {
		m := send(openStep(liveDemo(t, &fakeActor{}), 5, 2), tea.WindowSizeMsg{Width: 80, Height: 24})
		m = finishLoad(raiseDeadline(t, m, "INC-1"))
		m, _ = press(m, "enter")
		out := ansi.Strip(m.View())
		lines := strings.Split(out, "\n")
		if len(lines) != 24 {
			t.Errorf("%d lines, want 24", len(lines))
		}
		joined := strings.Join(strings.Fields(strings.Join(lines[:5], " ")), " ")
		if want := "raise-deadline on cronjob/cmek-rotation in rotation-lab: done — did raise-deadline"; !strings.Contains(joined, want) {
			t.Errorf("the status line is not whole at the top:\n%s", out)
		}
	})

	t.Run("cleared when the next action opens", func(t *testing.T) {
		m := openStep(liveDemo(t, &fakeActor{}), 5, 2)
		m.st.message = "restart-orchestrator on deployment/x: done — restarted"
		m, _ = press(m, "a")
		if m.st.message != "" {
			t.Errorf("message %q beside a new action", m.st.message)
		}
	})
}

// TestActionModal_TypedNamePlaceholder: without colour, the name to type
// is not shown as if it were typed already.
func TestActionModal_TypedNamePlaceholder(t *testing.T) {
	fa := &fakeActor{}
	m := openAction(t, liveDemo(t, fa), 4, runbook.ActionTrimVersions)
	if !m.st.opts.NoColor {
		t.Fatal("the test needs NO_COLOR")
	}
	m.st.reason = "over retention"
	m, _ = press(m, "a")
	m, cmd := press(m, "enter")
	m = runCmd(m, cmd)
	m, _ = press(m, "y")
	name := m.modal.plan.ConfirmName
	var line string
	for _, l := range strings.Split(ansi.Strip(m.View()), "\n") {
		if strings.Contains(l, "to confirm:") {
			line = l
		}
	}
	field := strings.TrimSpace(line[strings.Index(line, "to confirm:")+len("to confirm:"):])
	field = strings.TrimPrefix(field, "> ") // the field's prompt
	if want := "[type " + name + " to confirm]"; field != want {
		t.Errorf("the empty field shows %q, want %q (line %q)", field, want, line)
	}
	m = typeText(m, name)
	if m.modal.input.Value() != name {
		t.Errorf("field %q", m.modal.input.Value())
	}
}

// TestActionModal_Golden: a destructive plan's confirmation, and the field
// its name is typed in, are on the screen whole at every size; at 60×20
// the plan above them is cut with a line that says so, and ↓ scrolls it.
func TestActionModal_Golden(t *testing.T) {
	for _, size := range [][2]int{{60, 20}, {80, 24}, {120, 40}} {
		for _, stage := range []string{"confirm", "type-name"} {
			t.Run(fmt.Sprintf("trim-versions-%s-%dx%d", stage, size[0], size[1]), func(t *testing.T) {
				m := send(liveDemo(t, &fakeActor{}), tea.WindowSizeMsg{Width: size[0], Height: size[1]})
				m = openAction(t, m, 4, runbook.ActionTrimVersions)
				m.st.reason = "INC-1236 over retention"
				m, _ = press(m, "a")
				m, cmd := press(m, "enter")
				m = runCmd(m, cmd)
				want := "This destroys data. y, then type " + m.modal.plan.ConfirmName + " to confirm"
				if stage == "type-name" {
					m, _ = press(m, "y")
					want = "Type " + m.modal.plan.ConfirmName + " to confirm: > [type " + m.modal.plan.ConfirmName + " to confirm]"
				}
				out := ansi.Strip(m.View())
				lines := strings.Split(out, "\n")
				if len(lines) != size[1] {
					t.Errorf("%d lines, want %d", len(lines), size[1])
				}
				if !strings.Contains(strings.Join(strings.Fields(out), " "), want) {
					t.Errorf("the confirmation %q is not on the screen:\n%s", want, out)
				}
				golden.RequireEqual(t, []byte(out))
			})
		}
	}

	t.Run("the plan scrolls above the prompt", func(t *testing.T) {
		m := send(liveDemo(t, &fakeActor{}), tea.WindowSizeMsg{Width: 60, Height: 20})
		m = openAction(t, m, 4, runbook.ActionTrimVersions)
		m.st.reason = "INC-1236"
		m, _ = press(m, "a")
		m, cmd := press(m, "enter")
		m = runCmd(m, cmd)
		before := ansi.Strip(m.View())
		if !strings.Contains(before, "line(s) below") {
			t.Fatalf("at 60x20 the plan should be cut with a note:\n%s", before)
		}
		m, _ = press(m, "down")
		after := ansi.Strip(m.View())
		if m.modal.stage != stageConfirm || after == before || !strings.Contains(after, "1 line(s) above") ||
			!strings.Contains(after, "Reason for the journal: INC-1236") || !strings.Contains(after, "then type t-") {
			t.Errorf("↓ did not scroll the plan with the reason and the confirmation kept (stage %d):\n%s", m.modal.stage, after)
		}
		m, _ = press(m, "y")
		m = typeText(m, "jk") // letters are text for the field, not scroll keys
		if m.modal.input.Value() != "jk" {
			t.Errorf("field %q, want jk", m.modal.input.Value())
		}
	})
}

// TestWrapWords_NeverWider: a list of names wrapped at commas never leaves
// a line wider than the width (x/ansi's Wrap leaves a line ending at a
// comma one column over: "t-020," was cut to "t-02…" on screen), and loses
// nothing.
func TestWrapWords_NeverWider(t *testing.T) {
	var ids []string
	for i := 1; i <= 48; i++ {
		ids = append(ids, fmt.Sprintf("t-%03d", i))
	}
	text := `log of Job manual-rotation-1: "Failed to rotate key for tenant" for ` + strings.Join(ids, ", ") + " [logs]"
	for w := 20; w <= 120; w++ {
		out := wrapWords(text, w)
		for _, l := range strings.Split(out, "\n") {
			if ansi.StringWidth(l) > w {
				t.Fatalf("width %d: line %q is %d wide", w, l, ansi.StringWidth(l))
			}
		}
		if got := strings.Join(strings.Fields(out), " "); got != strings.Join(strings.Fields(text), " ") {
			t.Fatalf("width %d: the text changed:\n%s", w, out)
		}
	}
}

// TestActionModal_QuitWhileRunning: q quits while an action runs, as
// ctrl+c does, and both cancel it (the journal then says it was
// interrupted); in a field, q is text.
func TestActionModal_QuitWhileRunning(t *testing.T) {
	for _, k := range []string{"q", "ctrl+c"} {
		t.Run(k, func(t *testing.T) {
			m := openStep(liveDemo(t, &fakeActor{}), 5, 2)
			m = typeText(clearField(func() Model { m, _ := press(m, "a"); return m }()), "INC-6")
			m, _ = press(m, "enter")
			m, cmd := press(m, "enter")
			m = runCmd(m, cmd)
			m, _ = press(m, "y") // running: the Cmd is not run
			if m.modal.stage != stageRunning {
				t.Fatalf("stage %d, want running", m.modal.stage)
			}
			msg := keyMsg(k)
			if k == "ctrl+c" {
				msg = tea.KeyMsg{Type: tea.KeyCtrlC}
			}
			next, cmd := m.Update(msg)
			if cmd == nil {
				t.Fatalf("%s while running: no command, want quit", k)
			}
			if _, ok := cmd().(tea.QuitMsg); !ok || next.(Model).ctx.Err() == nil {
				t.Errorf("%s while running: quit %v, context %v; want quit and the action cancelled", k, ok, next.(Model).ctx.Err())
			}
		})
	}
	t.Run("q in the reason field is text", func(t *testing.T) {
		m := openStep(liveDemo(t, &fakeActor{}), 5, 2)
		m, _ = press(m, "a")
		m = typeText(clearField(m), "q")
		if m.modal.input.Value() != "q" || m.ctx.Err() != nil {
			t.Errorf("field %q, context %v", m.modal.input.Value(), m.ctx.Err())
		}
	})
}

// TestActionModal_DeadlineOnlyRaises: a deadline not above the current one
// is refused at the value, saying what it is now; nothing is checked.
func TestActionModal_DeadlineOnlyRaises(t *testing.T) {
	fa := &fakeActor{}
	m := openStep(liveDemo(t, fa), 5, 2)
	var now int64
	for _, cj := range m.st.snap.Kubernetes.CronJobs {
		if cj.Role == "rotation" && cj.ActiveDeadlineSeconds != nil {
			now = *cj.ActiveDeadlineSeconds
		}
	}
	if now == 0 {
		t.Fatal("the demo's rotation CronJob has no deadline")
	}
	m, _ = press(m, "a")
	m = typeText(clearField(m), "INC-7")
	m, _ = press(m, "enter")
	m.modal.input.SetValue(fmt.Sprint(now / 2))
	m, cmd := press(m, "enter")
	want := fmt.Sprintf("activeDeadlineSeconds is %ds now, and this action only raises it", now)
	if m.modal.stage != stageValue || cmd != nil || !strings.Contains(m.modal.note, want) ||
		!strings.Contains(ansi.Strip(m.View()), "does not raise it") {
		t.Errorf("stage %d note %q, want the value refused saying %q", m.modal.stage, m.modal.note, want)
	}
}
