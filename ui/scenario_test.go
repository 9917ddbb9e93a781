package ui

import (
	"fmt"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/oss-ai-agent-tool/kubectl-rotation/runbook"
)

// TestScenarioView_WholeStepOnScreen: whatever step is selected, going down
// and back up, in any scenario of the demo, at 60×20, 80×24 and 120×40, the
// whole step — its title, command, note and action line — is on the screen;
// a step taller than the body shows its top, and the last line says that
// the step goes on below.
func TestScenarioView_WholeStepOnScreen(t *testing.T) {
	snap := demoSnapshot(t)
	book := runbook.MustDefault()
	for _, size := range [][2]int{{60, 20}, {80, 24}, {120, 40}} {
		for n := range book.Scenarios {
			t.Run(fmt.Sprintf("scenario-%d-%dx%d", n+1, size[0], size[1]), func(t *testing.T) {
				m := keys(loaded(t, SnapshotLoader{Snapshot: snap}, demoOptions(snap), size[0], size[1]), fmt.Sprintf("@%d", n+1), "enter")
				steps := scenarioOf(m).steps(m.st)
				for s := 2; s <= len(steps); s++ {
					m = keys(m, "down")
					wholeStepShown(t, m, s)
				}
				for s := len(steps) - 1; s >= 1; s-- {
					m = keys(m, "up")
					wholeStepShown(t, m, s)
				}
			})
		}
	}
}

// TestScenarioView_CopyNothing: c on a step with no command says on the
// status line which step and why (from its note), never nothing; a on a
// step with neither an action nor a command says so too. c on a step with
// a command copies it.
func TestScenarioView_CopyNothing(t *testing.T) {
	snap := demoSnapshot(t)
	book := runbook.MustDefault()
	without := 0
	for _, size := range [][2]int{{60, 20}, {80, 24}} {
		for n := range book.Scenarios {
			t.Run(fmt.Sprintf("scenario-%d-%dx%d", n+1, size[0], size[1]), func(t *testing.T) {
				m := keys(loaded(t, SnapshotLoader{Snapshot: snap}, demoOptions(snap), size[0], size[1]), fmt.Sprintf("@%d", n+1), "enter")
				steps := scenarioOf(m).steps(m.st)
				for i, s := range steps {
					if i > 0 {
						m = keys(m, "down")
					}
					m.st.message = ""
					// update, not Update: the Cmd that ages the status
					// line is not a copy
					next, cmd := m.update(keyMsg("c"))
					m = next.(Model)
					if s.Command != "" {
						if cmd == nil {
							t.Errorf("step %d has a command, c copies nothing", i+1)
						}
						continue
					}
					without++
					if cmd != nil {
						t.Errorf("step %d has no command, c returned a Cmd", i+1)
					}
					want := fmt.Sprintf("step %d has no command to copy: ", i+1)
					if i > 0 { // the status line takes a line: the step stays whole
						wholeStepShown(t, m, i+1)
					}
					if !strings.HasPrefix(m.st.message, want) || len(m.st.message) < len(want)+10 {
						t.Errorf("c on step %d (no command): status %q, want %q and why", i+1, m.st.message, want)
					}
					if s.Note != "" && !strings.Contains(m.st.message, "see its note") {
						t.Errorf("c on step %d: status %q does not point at its note", i+1, m.st.message)
					}
					if out := strings.Join(strings.Fields(ansi.Strip(m.View())), " "); !strings.Contains(out, strings.TrimSpace(want)) {
						t.Errorf("c on step %d: the status is not on the screen:\n%s", i+1, ansi.Strip(m.View()))
					}
					if s.Action == "" {
						m.st.message = ""
						m, _ = press(m, "a")
						if want := fmt.Sprintf("step %d has no one-key action and no command: ", i+1); !strings.HasPrefix(m.st.message, want) {
							t.Errorf("a on step %d (no action, no command): status %q, want %q", i+1, m.st.message, want)
						}
					}
				}
			})
		}
	}
	if without == 0 {
		t.Fatal("no step of the demo lacks a command: this test cannot tell")
	}
}

func TestNoCommandWhy(t *testing.T) {
	for name, tc := range map[string]struct{ note, want string }{
		"the note's reason": {"No command: a value of the Helm chart; this tool knows neither.", "a value of the Helm chart, see its note"},
		"after a prefix":    {"Or so. No command: the sink is outside this tool's reach.", "the sink is outside this tool's reach, see its note"},
		"another note":      {"Lower the batch size.", "see its note"},
		"no note":           {"", "the runbook gives none for it here"},
	} {
		t.Run(name, func(t *testing.T) {
			if got := noCommandWhy(runbook.RenderedStep{Note: tc.note}); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// wholeStepShown fails t unless the screen shows the whole selected step
// s (1-based) of the scenario in focus, or, for a step taller than the
// body, its top and a last line saying the step goes on.
func wholeStepShown(t *testing.T, m Model, s int) {
	t.Helper()
	v := scenarioOf(m)
	lines, from, to := v.lines(m.st, m.width)
	body := strings.Split(ansi.Strip(v.View(m.viewCtx(), m.width, m.bodyHeight())), "\n")
	want := lines[from:to]
	for i := range want {
		want[i] = ansi.Strip(want[i])
	}
	at := -1
	for i, l := range body {
		if l == want[0] {
			at = i
			break
		}
	}
	if at < 0 {
		t.Fatalf("step %d selected, its title %q is not on screen:\n%s", s, want[0], strings.Join(body, "\n"))
	}
	shown := body[at:]
	if len(want) > len(shown) || len(want) == len(shown) && to < len(lines) {
		room := len(body)
		if to < len(lines) {
			room-- // the sign of what is below
		}
		if len(want) <= room {
			t.Fatalf("step %d (%d lines) fits in the body (%d lines) but is cut after %d:\n%s", s, len(want), room, len(shown)-1, strings.Join(body, "\n"))
		}
		// taller than the body: its top shown, then the sign
		if at != 0 {
			t.Fatalf("step %d (%d lines) is taller than the body (%d) but starts on line %d", s, len(want), len(body), at+1)
		}
		if !strings.Contains(body[len(body)-1], fmt.Sprintf("step %d goes on: ", s)) {
			t.Errorf("step %d is cut without saying so; last line %q", s, body[len(body)-1])
		}
		want, shown = want[:len(body)-1], shown[:len(body)-1]
	}
	for i := range want {
		if shown[i] != want[i] {
			t.Fatalf("step %d: line %d of %d is %q on screen, want %q:\n%s", s, i+1, len(want), shown[i], want[i], strings.Join(body, "\n"))
		}
	}
}
