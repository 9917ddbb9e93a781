package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/oss-ai-agent-tool/kubectl-rotation/actions"
	"github.com/oss-ai-agent-tool/kubectl-rotation/runbook"
)

// fakeActor records what it was asked; its answers are set by the test.
type fakeActor struct {
	permErr  map[string]error // by a piece of the plan's command
	checkErr error
	execErr  error // Execute returns it, after recording the call
	executed []string
	reasons  []string
	plans    []actions.Plan  // what Execute was given
	checkRes *actions.Result // Check's answer, when set
}

func (f *fakeActor) Preflight(_ context.Context, p actions.Plan) error {
	for piece, err := range f.permErr {
		if strings.Contains(p.Command(), piece) {
			return err
		}
	}
	return nil
}

func (f *fakeActor) Check(_ context.Context, p actions.Plan) (actions.Result, error) {
	if f.checkErr != nil {
		return actions.Result{}, f.checkErr
	}
	if f.checkRes != nil {
		return *f.checkRes, nil
	}
	return actions.Result{Summary: "server accepted " + p.Action}, nil
}

func (f *fakeActor) Execute(_ context.Context, p actions.Plan, reason string) (actions.Result, error) {
	f.executed = append(f.executed, p.Action)
	f.plans = append(f.plans, p)
	f.reasons = append(f.reasons, reason)
	if f.execErr != nil {
		return actions.Result{}, f.execErr
	}
	return actions.Result{Summary: "did " + p.Action, Before: "600s", After: "1800s"}, nil
}

// run executes a command and feeds its message back, once (no ticks).
func runCmd(m Model, cmd tea.Cmd) Model {
	if cmd == nil {
		return m
	}
	switch msg := cmd().(type) {
	case checkMsg, actionDoneMsg:
		return send(m, msg)
	}
	return m
}

func liveDemo(t *testing.T, a Actor) Model {
	t.Helper()
	snap := demoSnapshot(t)
	o := demoOptions(snap)
	o.Mode, o.ReadOnly = "live", false
	m := loaded(t, SnapshotLoader{Snapshot: snap}, o, 120, 40).WithActor(a, "")
	return m
}

// openStep opens scenario n (1-based) and selects its own step s (1-based):
// the steps that point at a cause the evidence names come first, and are
// passed over.
func openStep(m Model, n, s int) Model {
	m = keys(m, fmt.Sprintf("@%d", n), "enter") // its row, wherever the order puts it
	f, _ := m.st.assess.Finding(scenarioOf(m).id)
	sc, _ := m.st.book.Scenario(f.ID)
	s += len(m.st.book.StepsFor(f)) - len(sc.Steps)
	for i := 1; i < s; i++ {
		m = keys(m, "down")
	}
	return m
}

// openAction opens scenario n's walkthrough with the step of the action
// selected, wherever the runbook puts it.
func openAction(tb testing.TB, m Model, n int, action string) Model {
	tb.Helper()
	m = keys(m, fmt.Sprintf("@%d", n), "enter") // its row, wherever the order puts it
	f, _ := m.st.assess.Finding(scenarioOf(m).id)
	for i, st := range m.st.book.StepsFor(f) {
		if st.Action == action {
			for range i {
				m = keys(m, "down")
			}
			return m
		}
	}
	tb.Fatalf("scenario %d has no step with action %s", n, action)
	return m
}

func press(m Model, k string) (Model, tea.Cmd) {
	next, cmd := m.Update(keyMsg(k))
	return next.(Model), cmd
}

func TestAction_Flow(t *testing.T) {
	t.Run("reason, value, check, confirm, run, verify", func(t *testing.T) {
		fa := &fakeActor{}
		m := openStep(liveDemo(t, fa), 5, 2) // batch timeout → increase the deadline
		m, _ = press(m, "a")
		if m.modal.stage != stageReason || m.modal.input.Value() != "" {
			t.Fatalf("after a: stage %d value %q, want the reason prompt, empty the first time", m.modal.stage, m.modal.input.Value())
		}
		m, _ = press(m, "enter") // no reason: refused
		if m.modal.stage != stageReason || m.modal.note == "" {
			t.Fatalf("an empty reason was accepted: stage %d", m.modal.stage)
		}
		for _, r := range "deadline exceeded at 02:00" {
			m, _ = press(m, string(r))
		}
		m, _ = press(m, "enter")
		if m.modal.stage != stageValue || m.modal.input.Value() != "1800" {
			t.Fatalf("after the reason: stage %d value %q, want the deadline prompt with 1800", m.modal.stage, m.modal.input.Value())
		}
		m, _ = press(m, "0") // 18000 s = 5 h: within range
		m, _ = press(m, "0") // 180000 s: more than a day, refused
		m, _ = press(m, "enter")
		if m.modal.stage != stageValue || m.modal.note == "" {
			t.Fatalf("180000 accepted: stage %d", m.modal.stage)
		}
		m.modal.input.SetValue("2400")
		m, cmd := press(m, "enter")
		if m.modal.stage != stageChecking || !strings.Contains(m.modal.plan.Command(), `"activeDeadlineSeconds":2400`) {
			t.Fatalf("stage %d plan %q", m.modal.stage, m.modal.plan.Command())
		}
		m = runCmd(m, cmd)
		out := ansi.Strip(m.View())
		if m.modal.stage != stageConfirm || !strings.Contains(out, "server accepted raise-deadline") ||
			!strings.Contains(out, "Reason for the journal: deadline exceeded at 02:00") {
			t.Fatalf("stage %d; view:\n%s", m.modal.stage, out)
		}
		m, cmd = press(m, "y")
		m = runCmd(m, cmd)
		if len(fa.executed) != 1 || fa.reasons[0] != "deadline exceeded at 02:00" || m.modal.stage != stageDone {
			t.Fatalf("executed %v reasons %v stage %d", fa.executed, fa.reasons, m.modal.stage)
		}
		out = ansi.Strip(m.View())
		if !strings.Contains(out, "did raise-deadline") || !strings.Contains(out, "before: 600s") {
			t.Errorf("result view:\n%s", out)
		}
		if m.gen == 0 || m.inFlight == 0 {
			t.Errorf("no verification collection started (gen %d inFlight %d)", m.gen, m.inFlight)
		}
		// the fresh collection arrives: the scenario's checks show before → after
		for _, src := range m.loader.Sources() {
			part, at := m.loader.Load(context.Background(), src, nil)
			m = send(m, partMsg{gen: m.gen, part: part, at: at})
		}
		if out := ansi.Strip(m.View()); !strings.Contains(out, "Verification: scenario") || !strings.Contains(out, "fail → fail") {
			t.Errorf("verification after the action:\n%s", out)
		}
	})

	t.Run("destructive needs the name typed", func(t *testing.T) {
		fa := &fakeActor{}
		m := openAction(t, liveDemo(t, fa), 4, runbook.ActionTrimVersions) // retention overflow → trim one tenant
		m.st.reason = "over retention"
		m, _ = press(m, "a")
		m, cmd := press(m, "enter") // keep the reason
		m = runCmd(m, cmd)
		if !m.modal.plan.Destructive {
			t.Fatalf("plan %+v is not destructive", m.modal.plan)
		}
		m, _ = press(m, "y")
		for _, r := range "t-999" {
			m, _ = press(m, string(r))
		}
		m, _ = press(m, "enter")
		if len(fa.executed) != 0 || m.modal.err == nil || !strings.Contains(m.modal.err.Error(), "nothing was done") {
			t.Errorf("a wrong name ran it: executed %v err %v", fa.executed, m.modal.err)
		}
	})

	t.Run("forbidden is shown and nothing runs", func(t *testing.T) {
		fa := &fakeActor{checkErr: errors.New("patch cronjobs.batch cmek-rotation in rotation-lab: not permitted")}
		m := openStep(liveDemo(t, fa), 5, 2)
		m.st.reason = "x"
		m, _ = press(m, "a")
		m, _ = press(m, "enter")    // the reason
		m, cmd := press(m, "enter") // the value
		m = runCmd(m, cmd)
		if m.modal.stage != stageDone || len(fa.executed) != 0 || !strings.Contains(ansi.Strip(m.View()), "not permitted") {
			t.Errorf("stage %d executed %v", m.modal.stage, fa.executed)
		}
	})

	t.Run("read-only and demo refuse before planning", func(t *testing.T) {
		snap := demoSnapshot(t)
		fa := &fakeActor{}
		m := openStep(loaded(t, SnapshotLoader{Snapshot: snap}, demoOptions(snap), 120, 40).WithActor(fa, ""), 5, 2)
		next, cmd := m.update(keyMsg("a")) // update: the status line's age is no plan
		m = next.(Model)
		if cmd != nil || m.modal.stage != stageNone || !strings.Contains(m.st.message, "disabled") {
			t.Errorf("demo: stage %d message %q", m.modal.stage, m.st.message)
		}
	})

	t.Run("no actor says why", func(t *testing.T) {
		m := openStep(liveDemo(t, nil).WithActor(nil, "journal /x: permission denied"), 5, 2)
		m, _ = press(m, "a")
		if !strings.Contains(m.st.message, "journal /x") {
			t.Errorf("message %q", m.st.message)
		}
	})

	t.Run("esc cancels", func(t *testing.T) {
		fa := &fakeActor{}
		m := openStep(liveDemo(t, fa), 5, 2)
		m.st.reason = "x"
		m, _ = press(m, "a")
		m, _ = press(m, "enter")
		m, cmd := press(m, "enter")
		m = runCmd(m, cmd)
		m, _ = press(m, "esc")
		if m.modal.stage != stageNone || len(fa.executed) != 0 {
			t.Errorf("stage %d executed %v", m.modal.stage, fa.executed)
		}
	})
}

// TestAction_WritesWhatTheDiffShowed: the policy and the role are run
// with the "what is there" of the diff the person confirmed, so that the
// run refuses if it changed since (actions.Plan.AsShown).
func TestAction_WritesWhatTheDiffShowed(t *testing.T) {
	for n, action := range map[int]string{1: runbook.ActionFixPolicy, 2: runbook.ActionFixRole} {
		t.Run(action, func(t *testing.T) {
			shown := "what is there\nnow\n"
			fa := &fakeActor{checkRes: &actions.Result{Summary: "would write", Before: shown, After: "what will be\nwritten\n"}}
			m := openAction(t, liveDemo(t, fa), n, action)
			m.st.reason = "INC-5"
			m, _ = press(m, "a")
			m, cmd := press(m, "enter")
			m = runCmd(m, cmd)
			if !strings.Contains(ansi.Strip(m.View()), "Diff (now → after)") {
				t.Fatalf("no diff shown:\n%s", ansi.Strip(m.View()))
			}
			m, cmd = press(m, "y")
			runCmd(m, cmd)
			if len(fa.plans) != 1 {
				t.Fatalf("executed %v", fa.executed)
			}
			var got *string
			switch c := fa.plans[0].Changes[0]; {
			case c.WritePolicy != nil:
				got = c.WritePolicy.Shown
			case c.WriteRole != nil:
				got = c.WriteRole.Shown
			}
			if got == nil || *got != shown {
				t.Errorf("the run expects %v, want the diff's %q", got, shown)
			}
		})
	}
}

// TestAction_CleanupRunShowsTheDryRun: the real cleanup's confirmation
// shows the last dry run, or says there is none.
func TestAction_CleanupRunShowsTheDryRun(t *testing.T) {
	fa := &fakeActor{}
	m := openStep(liveDemo(t, fa), 3, 4) // cleanup failing → run the cleanup for real
	m.st.reason = "cleanup failing"
	m, _ = press(m, "a")
	m, cmd := press(m, "enter")
	m = runCmd(m, cmd)
	if m.modal.plan.Action != "cleanup-run" || !strings.Contains(ansi.Strip(m.View()), "No dry run of the cleanup yet") {
		t.Errorf("plan %q; view:\n%s", m.modal.plan.Action, ansi.Strip(m.View()))
	}
}

// forbidAccessor refuses renew-accessor and allows the rest.
type forbidAccessor struct{ fakeActor }

func (f *forbidAccessor) Check(ctx context.Context, p actions.Plan) (actions.Result, error) {
	if strings.Contains(p.Command(), "-accessor") {
		return actions.Result{}, fmt.Errorf("renew: %w: vault update on auth/token/renew-accessor", actions.ErrForbidden)
	}
	return f.fakeActor.Check(ctx, p)
}

func TestAction_RenewFallsBackToOwnToken(t *testing.T) {
	fa := &forbidAccessor{}
	m := openAction(t, liveDemo(t, fa), 2, runbook.ActionRenewToken) // token expired → force token renewal
	m.st.reason = "token expiring"
	m, _ = press(m, "a")
	m, cmd := press(m, "enter")
	m = runCmd(m, cmd) // forbidden by accessor → a second check, of renew-self
	if m.modal.stage != stageChecking || m.modal.plan.Command() != "vault token renew" {
		t.Fatalf("stage %d plan %q", m.modal.stage, m.modal.plan.Command())
	}
	m = runCmd(m, func() tea.Msg {
		res, err := fa.Check(context.Background(), m.modal.plan)
		return checkMsg{id: m.modal.id, plan: m.modal.plan, res: res, err: err}
	})
	if m.modal.stage != stageConfirm || !strings.Contains(ansi.Strip(m.View()), "renews your own token instead") {
		t.Errorf("stage %d; view:\n%s", m.modal.stage, ansi.Strip(m.View()))
	}
}

func TestLineDiff(t *testing.T) {
	st := &state{styles: DefaultStyles(true)}
	tests := map[string]struct {
		before, after string
		want          string
	}{
		"one line changed": {
			before: "path \"a\" {\n  x\n}\n", after: "path \"a\" {\n  y\n}\n",
			want: "    path \"a\" {\n  -   x\n  +   y\n    }\n",
		},
		"lines added at the end": {
			before: "a\n", after: "a\nb\nc",
			want: "    a\n  + b\n  + c\n",
		},
		"everything replaced": {
			before: "a\nb", after: "c",
			want: "  - a\n  - b\n  + c\n",
		},
		"same": {
			before: "a\nb", after: "a\nb\n",
			want: "    a\n    b\n",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := lineDiff(st, tc.before, tc.after); got != tc.want {
				t.Errorf("lineDiff:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
}

func TestWrapHanging(t *testing.T) {
	tests := map[string]struct {
		in   string
		w    int
		want string
	}{
		"short lines stay": {in: "  • short\nplain", w: 30, want: "  • short\nplain"},
		"bullet continues under its text": {
			in: "  • sets the pod template annotation restartedAt: pods are replaced", w: 30,
			want: "  • sets the pod template\n    annotation restartedAt:\n    pods are replaced",
		},
		"flags are not split at their hyphens": {
			in: "  $ kubectl create job x --dry-run=client -o yaml", w: 34,
			want: "  $ kubectl create job x\n    --dry-run=client -o yaml",
		},
		"command continues under the command": {
			in: "  $ kubectl rollout restart deployment/oss-ai-orchestrator -n lab", w: 40,
			want: "  $ kubectl rollout restart\n    deployment/oss-ai-orchestrator -n\n    lab",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := wrapHanging(tc.in, tc.w)
			if got != tc.want {
				t.Errorf("wrapHanging:\n%s\nwant:\n%s", got, tc.want)
			}
			for _, l := range strings.Split(got, "\n") {
				if len([]rune(l)) > tc.w {
					t.Errorf("line %q wider than %d", l, tc.w)
				}
			}
		})
	}
}

// runBatch executes a (batched) command and feeds every message back.
func runBatch(m Model, cmd tea.Cmd) Model {
	if cmd == nil {
		return m
	}
	switch msg := cmd().(type) {
	case tea.BatchMsg:
		for _, c := range msg {
			m = runBatch(m, c)
		}
	case nil:
	default:
		m = send(m, msg)
	}
	return m
}

// TestAction_PermissionsShownBeforeTheKey: opening a scenario checks the
// permissions of its actions; a forbidden one says so beside its step and
// its key opens nothing.
func TestAction_PermissionsShownBeforeTheKey(t *testing.T) {
	fa := &fakeActor{permErr: map[string]error{
		"rollout restart": fmt.Errorf("Rolling restart of the orchestrator: %w: patch deployments.apps oss-ai-orchestrator in rotation-lab", actions.ErrForbidden),
		"renew -accessor": fmt.Errorf("renew: %w: vault update on auth/token/renew-accessor", actions.ErrForbidden),
	}}
	m := liveDemo(t, fa)
	m = keys(m, "@2")
	m, cmd := press(m, "enter") // Scenario 2
	if out := ansi.Strip(m.View()); !strings.Contains(out, "checking your permissions") {
		t.Errorf("before the answers, the steps should say the check is running:\n%s", out)
	}
	m = runBatch(m, cmd)
	lines := map[string]string{}
	ls, _, _ := scenarioOf(m).lines(m.st, 200)
	for _, l := range strings.Split(ansi.Strip(strings.Join(ls, "\n")), "\n") {
		for _, id := range []string{"renew-token", "restart-orchestrator", "fix-role"} {
			if strings.Contains(l, "action "+id) {
				lines[id] = strings.TrimSpace(l)
			}
		}
	}
	want := map[string]string{
		"fix-role":             "a: run action fix-role (permitted; dry-run, confirmed, journaled)",
		"restart-orchestrator": "action restart-orchestrator: you may not run it — Rolling restart of the orchestrator: not permitted: patch deployments.apps oss-ai-orchestrator in rotation-lab",
		// renew-accessor forbidden, but the own token may be renewed
		"renew-token": "a: run action renew-token (permitted: your own token: renew-accessor is not permitted; dry-run, confirmed, journaled)",
	}
	for id, w := range want {
		if lines[id] != w {
			t.Errorf("%s: %q, want %q", id, lines[id], w)
		}
	}
	f, _ := m.st.assess.Finding(scenarioOf(m).id)
	for i, st := range m.st.book.StepsFor(f) {
		if st.Action == runbook.ActionRestartOrchestrator {
			for range i {
				m = keys(m, "down")
			}
		}
	}
	m, _ = press(m, "a") // the restart
	if m.modal.stage != stageNone || !strings.Contains(m.st.message, "you may not run it") {
		t.Errorf("a on a forbidden action: stage %d, message %q", m.modal.stage, m.st.message)
	}
}

// TestScenarioView_SelectionStaysOnScreen: at 80x24, whatever step is
// selected in any scenario, its marker is on the screen (the scroll follows
// the wrapped lines, not lines of another width).
func TestScenarioView_SelectionStaysOnScreen(t *testing.T) {
	snap := demoSnapshot(t)
	book := runbook.MustDefault()
	for n := range book.Scenarios {
		m := keys(loaded(t, SnapshotLoader{Snapshot: snap}, demoOptions(snap), 80, 24), fmt.Sprintf("@%d", n+1))
		m = keys(m, "enter")               // opens at the top: the symptoms first
		steps := scenarioOf(m).steps(m.st) // the cause's first, when the evidence names one
		for s := 1; s < len(steps); s++ {
			m = keys(m, "down")
			if out := ansi.Strip(m.View()); !strings.Contains(out, "▸ "+fmt.Sprint(s+1)+". ") {
				t.Fatalf("scenario %d step %d selected but not on screen:\n%s", n+1, s+1, out)
			}
		}
		for s := len(steps) - 1; s > 0; s-- {
			m = keys(m, "up")
			if out := ansi.Strip(m.View()); !strings.Contains(out, "▸ "+fmt.Sprint(s)+". ") {
				t.Fatalf("scenario %d step %d selected (going up) but not on screen:\n%s", n+1, s, out)
			}
		}
	}
}

// TestScenarioView_CopyIsWhatIsShown: c copies the selected step's command
// as the screen shows it, with the tenant the evidence names.
func TestScenarioView_CopyIsWhatIsShown(t *testing.T) {
	snap := demoSnapshot(t)
	m := openStep(loaded(t, SnapshotLoader{Snapshot: snap}, demoOptions(snap), 120, 40), 4, 1)
	f, _ := m.st.assess.Finding(scenarioOf(m).id)
	if len(f.Tenants) == 0 {
		t.Fatal("the demo's Scenario 4 names no tenant")
	}
	got := scenarioOf(m).steps(m.st)[0].Command
	if !strings.Contains(got, "/"+f.Tenants[0]+"/") || !strings.Contains(ansi.Strip(m.View()), got) {
		t.Errorf("step 1 copies %q; the evidence names %s; the screen:\n%s", got, f.Tenants[0], ansi.Strip(m.View()))
	}
}

// TestAction_VerifiesOnALoadAfterTheWrite: when the action finishes while
// an auto-refresh is running, that load may have started before the write,
// so another load starts when it ends and "after" is judged on it.
func TestAction_VerifiesOnALoadAfterTheWrite(t *testing.T) {
	fa := &fakeActor{}
	m := openStep(liveDemo(t, fa), 5, 2) // raise the deadline
	m.st.reason = "deadline exceeded"
	m, _ = press(m, "a")
	m, _ = press(m, "enter")    // keep the reason
	m, cmd := press(m, "enter") // keep the default
	m = runCmd(m, cmd)
	m, exec := press(m, "y")
	if m.modal.stage != stageRunning {
		t.Fatalf("stage %d, want running", m.modal.stage)
	}
	// the auto-refresh starts while the action runs
	next, _ := m.Update(tickMsg{gen: m.gen})
	m = next.(Model)
	during := m.gen
	if m.inFlight == 0 {
		t.Fatal("the auto-refresh did not start")
	}
	m = runCmd(m, exec) // the action finishes during that load
	if m.modal.stage != stageDone || len(fa.executed) != 1 {
		t.Fatalf("stage %d executed %v", m.modal.stage, fa.executed)
	}
	for _, src := range m.loader.Sources() { // the load that started before the write ends
		part, at := m.loader.Load(context.Background(), src, nil)
		m = send(m, partMsg{gen: during, part: part, at: at})
	}
	if m.gen != during+1 || m.inFlight == 0 {
		t.Errorf("after the load that began before the write: gen %d (was %d), %d sources loading; want a new load", m.gen, during, m.inFlight)
	}
	if out := ansi.Strip(m.View()); !strings.Contains(out, "verifying: collecting again") || m.modal.judged {
		t.Errorf("the verification should wait for the new load (judged %v):\n%s", m.modal.judged, out)
	}
	m = finishLoad(m) // the load that began after the write: judged on it, in Update
	if !m.modal.judged || len(m.modal.after) == 0 {
		t.Fatalf("after the load that followed the write: judged %v, %d checks", m.modal.judged, len(m.modal.after))
	}
	if out := ansi.Strip(m.View()); !strings.Contains(out, "Verification: scenario") {
		t.Errorf("the verification is not shown after the load that followed the write:\n%s", out)
	}
}

// TestActionModal_AnswersKeyedByID: a check or a result that answers
// another modal (one closed before its answer came) changes nothing.
func TestActionModal_AnswersKeyedByID(t *testing.T) {
	fa := &fakeActor{}
	m := openStep(liveDemo(t, fa), 5, 2)
	m.st.reason = "x"
	m, _ = press(m, "a")
	m, _ = press(m, "enter")
	m, cmd := press(m, "enter") // the check of modal 1 is asked
	old := cmd
	m, _ = press(m, "esc")
	m, _ = press(m, "a") // modal 2
	m, _ = press(m, "enter")
	m, _ = press(m, "enter")
	if m.modal.stage != stageChecking {
		t.Fatalf("stage %d, want checking", m.modal.stage)
	}
	m = runCmd(m, old) // modal 1's answer comes late
	if m.modal.stage != stageChecking {
		t.Errorf("modal 1's check moved modal 2 to stage %d", m.modal.stage)
	}
	gen := m.gen
	m = send(m, actionDoneMsg{id: m.modal.id - 1, res: actions.Result{Summary: "old"}})
	if m.modal.stage != stageChecking || m.modal.result.Summary == "old" {
		t.Errorf("modal 1's result was taken by modal 2: stage %d", m.modal.stage)
	}
	if m.gen == gen && m.inFlight == 0 {
		t.Errorf("a write that finished did not start a collection")
	}
}

// TestAction_ReasonTypedInABurst: text that arrives in one burst (an
// unbracketed paste, fast typing over ssh) reaches the model a word at a
// time; words that are key names ("left", "down", "enter", "esc") were
// taken for those keys, so the journal recorded "INC-1 dry run on" for
// "INC-1 dry run left on". Typed text is kept as typed, in the reason, the
// typed confirmation, the filters and the jump prompt.
func TestAction_ReasonTypedInABurst(t *testing.T) {
	burst := func(m Model, text string) Model {
		for _, w := range strings.SplitAfter(text, " ") {
			m = send(m, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(w)})
		}
		return m
	}
	// the words as Bubble Tea hands them over: each word, then its space
	words := func(m Model, text string) Model {
		for i, w := range strings.Split(text, " ") {
			if i > 0 {
				m = send(m, tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}})
			}
			m = send(m, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(w)})
		}
		return m
	}
	const reason = "INC-1 dry run left on, esc to up down enter right"
	for name, typeIt := range map[string]func(Model, string) Model{"word by word": words, "words with their spaces": burst} {
		t.Run(name, func(t *testing.T) {
			m := openStep(liveDemo(t, &fakeActor{}), 5, 2)
			m, _ = press(m, "a")
			m = typeIt(m, reason)
			if m.modal.stage != stageReason || m.modal.input.Value() != reason {
				t.Fatalf("reason field holds %q (stage %v), want %q", m.modal.input.Value(), m.modal.stage, reason)
			}
		})
	}
	t.Run("a filter", func(t *testing.T) {
		m := keys(liveDemo(t, &fakeActor{}), "2", "/")
		m = words(m, "left t-0 enter")
		if !strings.Contains(ansi.Strip(m.View()), "left t-0 enter") {
			t.Errorf("the tenants' filter lost words:\n%s", ansi.Strip(m.View()))
		}
	})
}
