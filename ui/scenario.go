package ui

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/aymanbagabas/go-osc52/v2"
	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/oss-ai-agent-tool/kubectl-rotation/actions"
	"github.com/oss-ai-agent-tool/kubectl-rotation/runbook"
)

// scenarioView walks through one scenario: symptoms with their evidence,
// the resolution steps with their commands, the verification checks.
type scenarioView struct {
	id     string
	step   int // selected resolution step
	offset int // first line shown
	// pinned keeps the selected step whole on screen (the selection moved
	// last): View scrolls to it at the height it is drawn at, which a
	// status line appearing or going changes; a scroll key unpins it.
	pinned bool
	// title is the selected step's title once one was chosen: the steps
	// can change under the selection (those pointing at a Job's cause come
	// and go with a refresh), and the selection stays on its step.
	title string
	keys  scenarioKeys
	// cache is what is rendered of the walkthrough from the data: built in
	// Update (a scenario naming 10,000 tenants renders commands that take
	// tens of milliseconds), read by View; nil or another key: render.
	cache *scenarioCache
}

// scenarioCache is the walkthrough's steps and variables rendered for one
// judgement and reason, and the steps' commands wrapped at one width.
type scenarioCache struct {
	rev    int
	reason recorded
	w      int
	vars   runbook.Vars
	steps  []runbook.RenderedStep
	cmds   [][]string // per step: its command's lines, wrapped, as drawn
}

// valid reports whether the cache holds what st renders (at w, unless w is
// 0: the steps only).
func (c *scenarioCache) valid(st *state, w int) bool {
	return c != nil && c.rev == st.rev && c.reason == st.rotation && (w == 0 || c.w == w)
}

// cached renders into the cache what is not there for st at w.
func (v *scenarioView) cached(st *state, w int) {
	if v.cache.valid(st, w) {
		return
	}
	c := &scenarioCache{rev: st.rev, reason: st.rotation, w: w}
	if v.cache.valid(st, 0) {
		c.vars, c.steps = v.cache.vars, v.cache.steps
	} else {
		c.vars = v.renderVars(st)
		f, _ := st.assess.Finding(v.id)
		c.steps = c.vars.RenderSteps(st.book.StepsFor(f))
	}
	c.cmds = make([][]string, len(c.steps))
	for i, step := range c.steps {
		c.cmds[i] = commandLines(st, step.Command, w)
	}
	v.cache = c
}

// commandLines are a command's lines as the walkthrough draws them,
// wrapped under "$ " at w.
func commandLines(st *state, command string, w int) []string {
	var out []string
	for _, cl := range strings.Split(command, "\n") {
		if cl != "" {
			for _, l := range strings.Split(wrapWords(st.styles.Command.Render("$ "+cl), max(20, w-5)), "\n") {
				out = append(out, "     "+l)
			}
		}
	}
	return out
}

// scenarioKeys select a step, copy its command, run its action.
type scenarioKeys struct {
	listKeys
	Copy, Action key.Binding
}

// ShortHelp implements help.KeyMap.
func (k scenarioKeys) ShortHelp() []key.Binding { return []key.Binding{k.Up, k.Down, k.Copy, k.Action} }

// FullHelp implements help.KeyMap.
func (k scenarioKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{k.help(), {k.Copy, k.Action}}
}

func newScenarioView(f runbook.Finding) scenarioView {
	return scenarioView{id: f.ID, keys: scenarioKeys{listKeys: defaultListKeys(),
		Copy:   key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "copy command")),
		Action: key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "run the step's action")),
	}}
}

// openScenario opens f's walkthrough over the focused view and checks the
// permissions of its actions.
func openScenario(c *viewCtx, f runbook.Finding) tea.Cmd {
	v := newScenarioView(f)
	v.cached(c.state, c.w)
	c.open = v
	return preflight(c, f.ID)
}

// KeyMap implements view.
func (v scenarioView) KeyMap() help.KeyMap { return v.keys }

// Typing implements view.
func (v scenarioView) Typing() bool { return false }

// at is the index of the selected step in steps: the step chosen, found by
// its title when the steps changed, else the index, kept in range.
func (v scenarioView) at(steps []runbook.RenderedStep) int {
	if v.title != "" && (v.step >= len(steps) || steps[v.step].Title != v.title) {
		for i, s := range steps {
			if s.Title == v.title {
				return i
			}
		}
	}
	return max(0, min(v.step, len(steps)-1))
}

// vars fill the scenario's commands; they name a tenant its evidence names
// and the pod, container and limits of the cause it names.
func (v scenarioView) vars(st *state) runbook.Vars {
	if v.cache.valid(st, 0) {
		return v.cache.vars
	}
	return v.renderVars(st)
}

func (v scenarioView) renderVars(st *state) runbook.Vars {
	f, _ := st.assess.Finding(v.id)
	vars := st.vars.ForFinding(f)
	// an emergency rotation records the reason and the subject given for
	// it, each in its own prompt: the step's command is the plan's with the
	// last ones given for an emergency rotation, a placeholder before
	// (another action's reason is not this rotation's: c would copy a
	// command recording it on the Job)
	if r := st.rotation.reason; r != "" {
		vars.Reason = r
	}
	if s := st.rotation.subject; s != "" {
		vars.Subject = s
	}
	return vars
}

// steps are the scenario's steps as shown, copied (c) and acted on (a):
// those pointing at the cause it names first.
func (v scenarioView) steps(st *state) []runbook.RenderedStep {
	if v.cache.valid(st, 0) {
		return v.cache.steps
	}
	f, _ := st.assess.Finding(v.id)
	return v.vars(st).RenderSteps(st.book.StepsFor(f))
}

// Update moves the selection and the scroll, copies the selected step's
// command (c) and asks for its action (a).
func (v scenarioView) Update(msg tea.Msg, c *viewCtx) (view, tea.Cmd) {
	st, w, h := c.state, c.w, c.h
	v.cached(st, w)
	k, ok := msg.(tea.KeyMsg)
	if !ok {
		return v, nil // a dataMsg: rendered again above
	}
	steps := v.steps(st)
	n := len(steps)
	v.step = v.at(steps)
	was := v.step
	if v.pinned {
		v.offset = v.followed(st, w, h) // where the screen shows it
	}
	var cmd tea.Cmd
	switch {
	case key.Matches(k, v.keys.Action):
		switch {
		case v.step >= n:
			st.message = "this scenario has no steps: no action to run"
		case steps[v.step].Action != "":
			c.act = &actionRequest{scenario: v.id, action: steps[v.step].Action}
		case steps[v.step].Command == "":
			st.message = fmt.Sprintf("step %d has no one-key action and no command: %s", v.step+1, noCommandWhy(steps[v.step]))
		default:
			st.message = fmt.Sprintf("step %d has no one-key action: run its command by hand (c copies it)", v.step+1)
		}
		return v, nil
	case key.Matches(k, v.keys.Up):
		if v.step > 0 {
			v.step--
		}
	case key.Matches(k, v.keys.Down):
		if v.step < n-1 {
			v.step++
		}
	case key.Matches(k, v.keys.PageDown):
		v.offset += h - 2
	case key.Matches(k, v.keys.PageUp):
		v.offset = max(0, v.offset-(h-2))
	case key.Matches(k, v.keys.HalfDown):
		v.offset += max(1, h/2)
	case key.Matches(k, v.keys.HalfUp):
		v.offset = max(0, v.offset-max(1, h/2))
	case key.Matches(k, v.keys.Top):
		v.step, v.offset = 0, 0
	case key.Matches(k, v.keys.Bottom):
		v.step = max(0, n-1)
	case key.Matches(k, v.keys.Copy):
		switch {
		case v.step >= n:
			st.message = "this scenario has no steps: nothing to copy"
		case steps[v.step].Command == "":
			st.message = fmt.Sprintf("step %d has no command to copy: %s", v.step+1, noCommandWhy(steps[v.step]))
		default:
			cmd = copyCmd(steps[v.step].Command)
		}
	}
	if v.step < n {
		v.title = steps[v.step].Title
	}
	switch {
	case v.step != was || key.Matches(k, v.keys.Top):
		// the selection moved: bring it on screen, and keep it there
		v.pinned = true
		v.offset = v.followed(st, w, h)
	case v.keys.scrolls(k):
		// a scroll: the selection may leave the screen, the text may not
		v.pinned = false
		lines, _, _ := v.lines(st, w)
		v.offset = max(0, min(v.offset, len(lines)-h))
	}
	return v, cmd
}

// noCommandWhy says why a step has no command, from its note ("No
// command: a value of the Helm chart; …" gives "a value of the Helm
// chart, see its note"), or that the runbook gives none.
func noCommandWhy(step runbook.RenderedStep) string {
	const mark = "No command: "
	note := step.Note
	if i := strings.Index(note, mark); i >= 0 {
		why := note[i+len(mark):]
		if j := strings.IndexAny(why, ";."); j > 0 {
			why = why[:j]
		}
		return strings.TrimSpace(why) + ", see its note"
	}
	if note != "" {
		return "see its note"
	}
	return "the runbook gives none for it here"
}

// selectedAction is the action id of the selected step, or "".
func (v scenarioView) selectedAction(st *state) string {
	steps := v.steps(st)
	if i := v.at(steps); i < len(steps) {
		return steps[i].Action
	}
	return ""
}

// copyCmd copies text to the clipboard with OSC 52 (works over SSH and in
// tmux with set-clipboard on).
func copyCmd(text string) tea.Cmd {
	return func() tea.Msg {
		if _, err := osc52.New(text).WriteTo(os.Stderr); err != nil {
			return noticeMsg("copy failed: " + err.Error())
		}
		first := strings.SplitN(text, "\n", 2)[0]
		if ph := runbook.Placeholders(text); len(ph) > 0 {
			return noticeMsg("copied — fill in " + strings.Join(ph, ", ") + " before running it: " + first)
		}
		return noticeMsg("copied: " + first)
	}
}

// followed is the offset at which the whole selected step (its title,
// command, note and action line) is on screen in h lines (followOffset).
func (v scenarioView) followed(st *state, w, h int) int {
	lines, from, to := v.lines(st, w)
	return followOffset(v.offset, len(lines), from, to, h)
}

// followOffset moves the offset off of n lines as little as it takes for
// lines from to to (not included) to be on screen in h lines, the last of
// which is the sign of the lines below when there are any. A step taller
// than that shows its top, and the sign says the step goes on.
func followOffset(off, n, from, to, h int) int {
	room := h
	if to < n {
		room-- // the sign of what is below takes the last line
	}
	if to > off+room {
		off = to - room
	}
	if from < off || to-from > room {
		off = from
	}
	return max(0, min(off, n-h))
}

// View implements view.
func (v scenarioView) View(c *viewCtx, w, h int) string {
	st := c.state
	lines, from, to := v.lines(st, w)
	if v.pinned {
		v.offset = followOffset(v.offset, len(lines), from, to, h)
	}
	if v.offset > len(lines)-1 {
		v.offset = max(0, len(lines)-1)
	}
	end := min(len(lines), v.offset+h)
	out := lines[v.offset:end]
	if end < len(lines) && len(out) > 0 {
		sign := fmt.Sprintf("… %d more lines (pgdn)", len(lines)-end+1)
		if last := v.offset + len(out) - 1; from <= last && last < to {
			// the selected step is cut: say that it goes on
			sign = fmt.Sprintf("… step %d goes on: %d more of its lines below (pgdn)", v.at(v.steps(st))+1, to-last)
		}
		out[len(out)-1] = st.styles.Muted.Render(sign)
	}
	return strings.Join(out, "\n")
}

var symptomMarks = map[runbook.SymptomState]string{runbook.SymptomPresent: "✓", runbook.SymptomAbsent: "✗", runbook.SymptomUnknown: "?"}

// lines renders the walkthrough and returns the lines of the selected
// step: from its title to (not including) to.
func (v scenarioView) lines(st *state, w int) (out []string, from, to int) {
	s := st.styles
	f, _ := st.assess.Finding(v.id)
	sc, _ := st.book.Scenario(v.id)
	add := func(l string) { out = append(out, truncate(l, w)) }
	// wrapped adds text indented by n spaces, wrapped to the width, so
	// evidence and commands are read whole, never cut
	wrapped := func(n int, text string) {
		for _, l := range strings.Split(wrapWords(text, max(20, w-n)), "\n") {
			out = append(out, strings.Repeat(" ", n)+l)
		}
	}
	add(fmt.Sprintf("%s  %s %s", s.Title.Render(fmt.Sprintf("Scenario %d · %s", sc.Number, sc.Title)),
		s.ForStatus(f.Status).Render(statusLabel[f.Status]), s.ForSeverity(f.Severity).Render(string(f.Severity))))
	if f.Status == runbook.StatusUnknown && len(f.Unknown) > 0 {
		add(s.Unknown.Render("cannot tell: ") + f.Unknown[0])
	}
	if c := f.Cause; c != nil { // why its Job failed, the steps below point at it first
		add("")
		wrapped(0, s.Critical.Render("Why Job "+c.Job+" failed: ")+c.Text)
		for _, e := range c.Evidence {
			wrapped(5, s.Muted.Render(e.Fact+": "+e.Observed+" ["+e.Source+"]"))
		}
	}
	add("")
	add(s.Section.Render("Symptoms") + s.Muted.Render("  ✓ observed  ✗ not observed  ? cannot tell"))
	for _, sy := range f.Symptoms {
		mark := symptomMarks[sy.State]
		style := s.Muted
		switch sy.State {
		case runbook.SymptomPresent:
			style = s.Critical
		case runbook.SymptomUnknown:
			style = s.Unknown
		}
		text := strings.Split(wrapWords(sy.Text, max(20, w-3)), "\n")
		add(" " + style.Render(mark) + " " + text[0])
		for _, l := range text[1:] {
			add("   " + l)
		}
		for _, e := range sy.Evidence {
			ev := fmt.Sprintf("%s: %s", e.Fact, e.Observed)
			if e.Threshold != "" {
				ev += " (threshold " + e.Threshold + ")"
			}
			wrapped(5, s.Muted.Render(ev+" ["+e.Source+"]"))
		}
		if sy.State == runbook.SymptomUnknown && sy.Reason != "" {
			wrapped(5, s.Unknown.Render("cannot tell: ")+s.Muted.Render(sy.Reason))
		}
	}
	if len(f.Alerts) > 0 {
		add("")
		wrapped(0, s.Critical.Render("Related alerts: ")+st.assess.AlertsText(f))
	}
	if n := len(f.Tenants); n > 0 {
		const most = 24 // the Tenants view (2) lists them all
		names := strings.Join(f.Tenants[:min(n, most)], ", ")
		if n > most {
			names += fmt.Sprintf(" and %d more (press 2: Tenants)", n-most)
		}
		wrapped(0, s.Muted.Render("Tenants: ")+names)
	}
	add("")
	add(s.Section.Render("Resolution steps") + s.Muted.Render("  ↑↓ select · c copy the command"))
	from = len(out)
	vars := v.vars(st)
	steps := v.steps(st)
	sel := v.at(steps)
	for i, step := range steps {
		title := strings.Split(wrapWords(fmt.Sprintf("%d. %s", i+1, step.Title), max(20, w-5)), "\n")
		if i == sel {
			from = len(out)
			add(s.Selected.Render("▸ " + title[0]))
		} else {
			add("  " + title[0])
		}
		for _, l := range title[1:] {
			add("     " + l)
		}
		if v.cache.valid(st, w) && i < len(v.cache.cmds) {
			out = append(out, v.cache.cmds[i]...)
		} else {
			out = append(out, commandLines(st, step.Command, w)...)
		}
		if step.Note != "" {
			wrapped(5, s.Muted.Render("note: "+step.Note))
		}
		if step.Action != "" {
			wrapped(5, s.Muted.Render(actionNote(st, step.Action)))
		}
		if step.Action == runbook.ActionEmergencyRotate {
			wrapped(5, s.Muted.Render(reasonNote(st)))
		}
		if i == sel {
			to = len(out)
		}
	}
	if to == 0 {
		to = from // no step: the heading
	}
	if len(sc.Verification) > 0 {
		add("")
		add(s.Section.Render("Verification") + s.Muted.Render("  checked again after each action"))
		for _, id := range sc.Verification {
			if c, ok := st.book.VerificationCheck(id); ok {
				wrapped(1, "• "+c.Title)
				out = append(out, commandLines(st, vars.Render(c.Command), w)...) // whole, as the steps
			}
		}
	}
	return out, from, to
}

// reasonNote says where an emergency rotation's command takes the reason
// and subject it records from.
func reasonNote(st *state) string {
	r := st.rotation
	if r.reason != "" || r.subject != "" {
		quoted := func(s, what string) string {
			if s == "" {
				return "<" + what + "> (not given yet)"
			}
			return fmt.Sprintf("%q", s)
		}
		return fmt.Sprintf("reason %s and subject %s: those given for the last emergency rotation (a asks again, prefilled with them); c copies the command as a runs it",
			quoted(r.reason, "reason"), quoted(r.subject, "subject"))
	}
	if st.opts.Mode != "live" || st.opts.ReadOnly || st.noActor != "" {
		return "the reason and subject to record are yours to fill in (ROTATION_REASON, ROTATION_SUBJECT and their annotations)"
	}
	return "the reason and subject are placeholders until given for this rotation: a asks for each (the subject in its own prompt) and records them on the Job (c then copies the command with them)"
}

// actionNote says why a step's one-key action cannot be run here.
func actionNote(st *state, id string) string {
	switch {
	case st.opts.Mode == "demo" || st.opts.Mode == "replay":
		return "action " + id + ": disabled (" + st.opts.Mode + " is read-only)"
	case st.opts.ReadOnly:
		return "action " + id + ": disabled (--read-only)"
	case st.noActor != "":
		return "action " + id + ": unavailable (" + st.noActor + ")"
	}
	p, ok := st.perms[id]
	switch {
	case !ok:
	case !p.checked:
		return "a: run action " + id + " (checking your permissions…)"
	case errors.Is(p.err, actions.ErrForbidden):
		return "action " + id + ": you may not run it — " + p.err.Error()
	case p.err != nil:
		return "a: run action " + id + " (" + p.err.Error() + ")"
	case p.note != "":
		return "a: run action " + id + " (permitted: " + p.note + "; dry-run, confirmed, journaled)"
	default:
		return "a: run action " + id + " (permitted; dry-run, confirmed, journaled)"
	}
	return "a: run action " + id + " (checked, dry-run, confirmed, journaled)"
}

// scrolls reports whether msg is a key that scrolls the walkthrough
// rather than moving the selection.
func (k scenarioKeys) scrolls(msg tea.KeyMsg) bool {
	return key.Matches(msg, k.PageUp, k.PageDown, k.HalfUp, k.HalfDown)
}
