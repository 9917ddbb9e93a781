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
				m := keys(loaded(t, SnapshotLoader{Snapshot: snap}, demoOptions(snap), size[0], size[1]), "g")
				for range n {
					m = keys(m, "down")
				}
				m = keys(m, "enter")
				steps := scenarioOf(m).steps(m.st)
				check := func(s int) {
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
				for s := 2; s <= len(steps); s++ {
					m = keys(m, "down")
					check(s)
				}
				for s := len(steps) - 1; s >= 1; s-- {
					m = keys(m, "up")
					check(s)
				}
			})
		}
	}
}
