package ui

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/oss-ai-agent-tool/kubectl-rotation/actions"
	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/runbook"
)

// Actor runs actions for the dashboard (actions.Executor). The dashboard
// shows action keys as unavailable when it has none.
type Actor interface {
	Preflight(ctx context.Context, p actions.Plan) error
	Check(ctx context.Context, p actions.Plan) (actions.Result, error)
	Execute(ctx context.Context, p actions.Plan, reason string) (actions.Result, error)
}

type modalStage int

const (
	stageNone    modalStage = iota
	stageReason             // the reason for the journal, prefilled with the last one
	stageSubject            // an emergency rotation's subject, prefilled with the last one
	stageValue              // the value the plan asks for (Plan.Ask), typed
	stageChecking
	stageConfirm
	stageTypeName
	stageRunning
	stageDone
)

// actionModal walks one action through: the reason for the journal (asked
// for every action, prefilled with the last one), the value the plan asks
// for, the check (permissions and the server's dry run), the confirmation
// (y, or the object's name typed for destructive actions; the reason shown),
// the run, and the verification (the scenario's status before and after a
// fresh collection). Closing it leaves a status line that says what was
// done: done, failed, refused, or cancelled when nothing was.
//
// It is a component: the root routes keys, the answers of its commands
// (checkMsg, actionDoneMsg, both carrying its id) and dataMsg to it, and
// reads Open, Typing and Reason.
type actionModal struct {
	id       int // every answer carries it: one for another modal is dropped
	keys     modalKeys
	ctx      context.Context
	actor    Actor
	stage    modalStage
	scenario string
	title    string // the scenario's
	plan     actions.Plan
	in       actions.Input // what the plan was built from: built again with the typed value
	check    actions.Result
	result   actions.Result
	err      error
	input    textinput.Model
	before   runbook.Status
	checks   []runbook.CheckResult // the scenario's verification checks before the action
	// after and now are the checks and the status on the first load that
	// ended after the write (judged in Update, when the load arrives).
	after  []runbook.CheckResult
	now    runbook.Status
	judged bool
	// beforeReq and afterReq are the checks being judged in a Cmd (runbook
	// Verify triages the snapshot again: not in Update): the before on the
	// judgement shown when the modal opened, the after on the latest one
	// shown after the write; nil when none is.
	beforeReq, afterReq *verifyReq
	ran                 bool // Execute was called: something may have changed
	// reasonGiven and subjectGiven: their prompts were answered in this
	// modal (an emergency rotation's step shows them from then on)
	reasonGiven, subjectGiven bool
	note                      string
	scroll                    int // first line of the plan shown when it does not fit
}

// modalKeys are the modal's keys; which ones count depends on its stage.
type modalKeys struct {
	Accept  key.Binding // enter: take the field / close the result
	Close   key.Binding // esc: close (cancelled while nothing was done)
	Confirm key.Binding // y
	Decline key.Binding // n
	Edit    key.Binding // e: edit the reason
	Verify  key.Binding // r: collect again and check again
	// Up and Down scroll the plan when it is taller than the screen (the
	// prompt under it stays); arrows only: letters are text in a field.
	Up, Down key.Binding
	Scroll   key.Binding // ↑ and ↓ in one footer entry
}

func defaultModalKeys() modalKeys {
	return modalKeys{
		Accept:  key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "go on")),
		Close:   key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "close")),
		Confirm: key.NewBinding(key.WithKeys("y", "Y"), key.WithHelp("y", "run it")),
		Decline: key.NewBinding(key.WithKeys("n", "N"), key.WithHelp("n", "cancel")),
		Edit:    key.NewBinding(key.WithKeys("e", "E"), key.WithHelp("e", "edit the reason")),
		Verify:  key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "verify again")),
		Up:      key.NewBinding(key.WithKeys("up", "pgup"), key.WithHelp("↑", "scroll up")),
		Down:    key.NewBinding(key.WithKeys("down", "pgdown"), key.WithHelp("↓", "scroll down")),
		Scroll:  key.NewBinding(key.WithKeys("up", "down"), key.WithHelp("↑/↓", "scroll")),
	}
}

// ShortHelp implements help.KeyMap: the keys of the stage the modal is in.
func (md actionModal) ShortHelp() []key.Binding {
	k := md.keys
	scroll := []key.Binding{k.Scroll}
	switch md.stage {
	case stageReason, stageSubject, stageValue, stageTypeName:
		return append([]key.Binding{k.Accept, k.Close}, scroll...)
	case stageChecking:
		return []key.Binding{k.Close}
	case stageConfirm:
		return append([]key.Binding{k.Confirm, k.Decline, k.Edit, k.Close}, scroll...)
	case stageDone:
		return append([]key.Binding{k.Verify, k.Accept, k.Close}, scroll...)
	}
	return nil
}

// FullHelp implements help.KeyMap.
func (md actionModal) FullHelp() [][]key.Binding {
	k := md.keys
	return [][]key.Binding{{k.Accept, k.Close, k.Up, k.Down}, {k.Confirm, k.Decline, k.Edit, k.Verify}}
}

type (
	// permMsg answers the permission preflight of one action of a
	// scenario's steps.
	permMsg struct {
		scenario, id string
		err          error
		note         string
	}
	// checkMsg answers the check of modal id's plan.
	checkMsg struct {
		id   int
		plan actions.Plan
		res  actions.Result
		err  error
	}
	// actionDoneMsg says modal id's action ran: the root collects again
	// (after a write, the data on screen is old) and routes it to the modal.
	actionDoneMsg struct {
		id  int
		res actions.Result
		err error
	}
	// collectMsg asks the root for a collection that starts after now.
	collectMsg struct{}
	// verifiedMsg answers a verifyReq.
	verifiedMsg struct {
		req verifyReq
		res []runbook.CheckResult
	}
)

// verifyReq asks for the verification checks ids of modal id's scenario on
// one judgement (rev; its snapshot, never changed, and time): values only.
// now is the scenario's status on that judgement.
type verifyReq struct {
	id     int
	before bool
	rev    int
	book   *runbook.Book
	snap   *collectors.Snapshot
	at     time.Time
	ids    []string
	now    runbook.Status
}

// newVerifyReq asks for the checks of modal id's scenario on the judgement
// shown.
func newVerifyReq(st *state, id int, scenario string, before bool) *verifyReq {
	sc, _ := st.book.Scenario(scenario)
	f, _ := st.assess.Finding(scenario)
	return &verifyReq{id: id, before: before, rev: st.rev, book: st.book, snap: st.snap, at: st.judgedAt, ids: sc.Verification, now: f.Status}
}

func (r verifyReq) run() verifiedMsg {
	return verifiedMsg{req: r, res: r.book.Verify(r.snap, r.at, r.ids)}
}

func verifyCmd(r *verifyReq) tea.Cmd {
	if r == nil {
		return nil
	}
	req := *r
	return func() tea.Msg { return req.run() }
}

func checkCmd(ctx context.Context, a Actor, id int, p actions.Plan) tea.Cmd {
	return func() tea.Msg {
		res, err := a.Check(ctx, p)
		return checkMsg{id: id, plan: p, res: res, err: err}
	}
}

func executeCmd(ctx context.Context, a Actor, id int, p actions.Plan, reason string) tea.Cmd {
	return func() tea.Msg {
		res, err := a.Execute(ctx, p, reason)
		return actionDoneMsg{id: id, res: res, err: err}
	}
}

// preflight checks, in Cmds, the permissions of every action the
// scenario's steps offer, so each key is shown permitted or not before it is
// pressed (the modal checks again, with the server's dry run).
func preflight(c *viewCtx, scenario string) tea.Cmd {
	st := c.state
	clear(st.perms)
	st.permsOf = scenario
	if st.opts.Mode != "live" || st.opts.ReadOnly || c.actor == nil {
		return nil
	}
	sc, ok := st.book.Scenario(scenario)
	if !ok {
		return nil
	}
	f, _ := st.assess.Finding(scenario)
	var cmds []tea.Cmd
	for _, step := range sc.Steps {
		id := step.Action
		if id == "" {
			continue
		}
		if _, done := st.perms[id]; done {
			continue
		}
		p, err := actions.PlanFor(id, actions.Input{Snapshot: st.snap, Tenants: f.Tenants, At: st.judgedAt})
		if err != nil {
			st.perms[id] = permState{checked: true, err: err}
			continue
		}
		st.perms[id] = permState{}
		cmds = append(cmds, preflightCmd(c.ctx, c.actor, scenario, p))
	}
	return tea.Batch(cmds...)
}

func preflightCmd(ctx context.Context, a Actor, scenario string, p actions.Plan) tea.Cmd {
	return func() tea.Msg {
		err := a.Preflight(ctx, p)
		note := ""
		if fallBack(p, err) {
			// the modal offers the plan's fallback
			if err2 := a.Preflight(ctx, p.Fallback.Plan); err2 == nil {
				err, note = nil, p.Fallback.Short
			}
		}
		return permMsg{scenario: scenario, id: p.Action, err: err, note: note}
	}
}

// fallBack reports whether err says p is not permitted and p has a
// fallback plan to offer instead.
func fallBack(p actions.Plan, err error) bool {
	return p.Fallback != nil && errors.Is(err, actions.ErrForbidden)
}

// openActionModal opens the modal with id for the action a scenario's step
// asked for, its reason prefilled with the last one, and asks for the
// scenario's checks before the action (verifyCmd(md.beforeReq)); when the
// action cannot run here it opens nothing, and the status line says why.
func openActionModal(c *viewCtx, id int, req actionRequest, reason string) (actionModal, bool) {
	st := c.state
	switch {
	case st.opts.Mode != "live" || st.opts.ReadOnly:
		st.message = "actions are disabled: " + actionNote(st, req.action)
		return actionModal{}, false
	case c.actor == nil:
		st.message = "actions are unavailable: " + st.noActor
		return actionModal{}, false
	case errors.Is(st.perms[req.action].err, actions.ErrForbidden):
		st.message = actionNote(st, req.action)
		return actionModal{}, false
	}
	f, _ := st.assess.Finding(req.scenario)
	// the subject (an emergency rotation's) is asked in its own prompt,
	// prefilled with the last one given: never the reason
	in := actions.Input{Snapshot: st.snap, Tenants: f.Tenants, At: st.judgedAt, Reason: reason, Subject: st.rotation.subject}
	p, err := actions.PlanFor(req.action, in)
	if err != nil {
		st.message = err.Error()
		return actionModal{}, false
	}
	st.message = "" // the last action's line gives way to this one's
	ti := textinput.New()
	ti.CharLimit = 200
	md := actionModal{id: id, keys: defaultModalKeys(), ctx: c.ctx, actor: c.actor,
		scenario: f.ID, title: f.Title, plan: p, in: in, input: ti, before: f.Status,
		beforeReq: newVerifyReq(st, id, f.ID, true)}
	md.askReason()
	return md, true
}

// Open reports whether the modal is on the screen.
func (md actionModal) Open() bool { return md.stage != stageNone }

// Typing reports whether keys are text for one of its fields.
func (md actionModal) Typing() bool {
	switch md.stage {
	case stageValue, stageReason, stageSubject, stageTypeName:
		return true
	}
	return false
}

// Reason is the reason given for the journal ("" before one was).
func (md actionModal) Reason() string { return md.in.Reason }

// Recorded is the reason and subject given in this modal for an emergency
// rotation, each "" until its prompt was answered (and both for another
// action).
func (md actionModal) Recorded() recorded {
	if md.plan.Action != runbook.ActionEmergencyRotate {
		return recorded{}
	}
	var r recorded
	if md.reasonGiven {
		r.reason = md.in.Reason
	}
	if md.subjectGiven {
		r.subject = md.in.Subject
	}
	return r
}

// askReason opens the reason prompt, prefilled with the last reason (enter
// keeps it), before any value: what is typed here is only ever the reason.
func (md *actionModal) askReason() {
	md.ask(stageReason, "[why: recorded in the journal]", md.in.Reason)
}

// ask opens the text field of stage, prefilled with value.
func (md *actionModal) ask(stage modalStage, placeholder, value string) {
	md.stage = stage
	md.input.Placeholder = placeholder
	md.input.SetValue(value)
	md.input.CursorEnd()
	md.input.Focus()
}

// reasonEntered builds the plan again with the reason (an emergency
// rotation records it on the Job) and goes on to the subject (an emergency
// rotation's), the value, if the plan asks for one, or to the check.
func (md *actionModal) reasonEntered(reason string) tea.Cmd {
	md.in.Reason, md.reasonGiven = reason, true
	if md.plan.Action == runbook.ActionEmergencyRotate {
		md.note = ""
		md.ask(stageSubject, "[who or what it is for: recorded on the Job]", md.in.Subject)
		return nil
	}
	return md.planned()
}

// subjectEntered records an emergency rotation's subject and goes on.
func (md *actionModal) subjectEntered(subject string) tea.Cmd {
	md.in.Subject, md.subjectGiven = subject, true
	return md.planned()
}

// planned builds the plan again with what was given and goes on to the
// value, if the plan asks for one, or to the check.
func (md *actionModal) planned() tea.Cmd {
	p, err := actions.PlanFor(md.plan.Action, md.in)
	if err != nil {
		md.note = err.Error()
		return nil
	}
	md.plan, md.note = p, ""
	md.input.SetValue("")
	if p.Ask != nil {
		v := md.in.Value
		if v == 0 {
			v = p.Ask.Default
		}
		md.ask(stageValue, "", strconv.FormatInt(v, 10))
		return nil
	}
	md.stage = stageChecking
	md.input.Blur()
	return checkCmd(md.ctx, md.actor, md.id, md.plan)
}

// close closes the modal and leaves its outcome as the status line.
func (md *actionModal) close(st *state) {
	st.message = md.outcome()
	md.stage = stageNone
}

// outcome is the status line of the modal's action: what happened, never
// "cancelled" once something may have been done.
func (md actionModal) outcome() string {
	what := md.plan.Action
	if md.plan.Target != "" {
		what += " on " + md.plan.Target
	}
	switch {
	case md.stage == stageRunning:
		return what + ": running"
	case md.stage != stageDone:
		return what + ": cancelled — nothing was done"
	case errors.Is(md.err, errNotConfirmed):
		return what + ": not confirmed: " + md.err.Error()
	case md.err != nil:
		switch actions.OutcomeOf(md.err) {
		case actions.OutcomeRefused:
			return what + ": refused: " + md.err.Error()
		case actions.OutcomeUnchecked, actions.OutcomeInterrupted, actions.OutcomeUnknown:
			// their texts say it: "could not check …", "interrupted by
			// the operator …", "… unknown: the request was sent …"
			return what + ": " + md.err.Error()
		case actions.OutcomeStale:
			return what + ": not done: " + md.err.Error()
		}
		if md.ran {
			return what + ": failed: " + md.err.Error()
		}
		// the check's dry run: the server refused the request
		return what + ": refused: " + md.err.Error()
	}
	return what + ": done — " + md.result.Summary
}

// errNotConfirmed: the name typed to confirm was not the one asked for.
var errNotConfirmed = errors.New("nothing was done")

// Update answers the modal's keys, its commands' answers and new data.
func (md actionModal) Update(msg tea.Msg, st *state) (actionModal, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyMsg:
		cmd := md.key(msg, st)
		return md, cmd
	case checkMsg:
		if msg.id != md.id || md.stage != stageChecking {
			return md, nil // an answer for a modal that was closed
		}
		md.check, md.err = msg.res, msg.err
		if fallBack(md.plan, msg.err) {
			// not permitted: offer the plan's fallback
			md.plan, md.err, md.note = md.plan.Fallback.Plan, nil, md.plan.Fallback.Note
			return md, checkCmd(md.ctx, md.actor, md.id, md.plan)
		}
		if msg.err != nil {
			md.stage = stageDone
		} else {
			// what the diff shows as there now is what the run expects to
			// find just before its write: else it refuses, changing nothing
			md.plan = md.plan.AsShown(msg.res)
			md.stage = stageConfirm
		}
	case actionDoneMsg:
		if msg.id != md.id || md.stage != stageRunning {
			return md, nil
		}
		md.result, md.err = msg.res, msg.err
		md.stage, md.judged, md.afterReq = stageDone, false, nil
	case dataMsg:
		// verification: the checks on the first load that ended after the
		// write (the root starts it, and one more if a load was running),
		// and on every one after it; judged in a Cmd
		if md.stage == stageDone && md.err == nil && md.ran && len(loadingList(st)) == 0 &&
			(md.afterReq == nil || md.afterReq.rev != st.rev) {
			md.afterReq = newVerifyReq(st, md.id, md.scenario, false)
			return md, verifyCmd(md.afterReq)
		}
	case verifiedMsg:
		r := msg.req
		switch {
		case r.id != md.id: // for a modal closed since
		case r.before && md.beforeReq != nil && md.beforeReq.rev == r.rev:
			md.checks, md.beforeReq = msg.res, nil
		case !r.before && md.afterReq != nil && md.afterReq.rev == r.rev:
			md.after, md.now, md.judged, md.afterReq = msg.res, r.now, true, nil
		}
	}
	return md, nil
}

// typed is a text field's key: on accept, entered with what was typed (a
// note saying need when nothing was), else the key edits the field.
func (md *actionModal) typed(msg tea.KeyMsg, entered func(string) tea.Cmd, need string) tea.Cmd {
	if key.Matches(msg, md.keys.Accept) {
		if v := strings.TrimSpace(md.input.Value()); v != "" {
			return entered(v)
		}
		md.note = need
		return nil
	}
	var cmd tea.Cmd
	md.input, cmd = md.input.Update(msg)
	return cmd
}

func (md *actionModal) key(msg tea.KeyMsg, st *state) tea.Cmd {
	k := md.keys
	switch md.stage {
	case stageReason, stageSubject, stageValue, stageTypeName:
		msg = literal(msg) // typed text, never a key's name
	}
	switch {
	case key.Matches(msg, k.Close) && md.stage != stageRunning:
		md.close(st)
		return nil
	case key.Matches(msg, k.Up):
		md.scroll = max(0, md.scroll-1)
		return nil
	case key.Matches(msg, k.Down):
		md.scroll++ // View keeps it in range: it knows the height
		return nil
	}
	switch md.stage {
	case stageReason:
		return md.typed(msg, md.reasonEntered, "a reason is needed: it is recorded in the journal with the action")
	case stageSubject:
		return md.typed(msg, md.subjectEntered, "a subject is needed: the emergency rotation records it on the Job (ROTATION_SUBJECT)")
	case stageValue:
		if key.Matches(msg, k.Accept) {
			ask := md.plan.Ask
			n, err := strconv.ParseInt(strings.TrimSpace(md.input.Value()), 10, 64)
			if err != nil {
				md.note = ask.Hint()
				return nil
			}
			if err := ask.Check(n); err != nil {
				md.note = err.Error() // the range, and why its floor is where it is
				return nil
			}
			md.in.Value = n
			p, err := actions.PlanFor(md.plan.Action, md.in)
			if err != nil {
				md.note = err.Error()
				return nil
			}
			md.note, md.plan = "", p
			md.input.SetValue("")
			md.input.Blur()
			md.stage = stageChecking
			return checkCmd(md.ctx, md.actor, md.id, md.plan)
		}
		var cmd tea.Cmd
		md.input, cmd = md.input.Update(msg)
		return cmd
	case stageConfirm:
		switch {
		case key.Matches(msg, k.Confirm):
			if md.plan.Destructive {
				md.stage = stageTypeName
				// bracketed, so that without colour it never reads as typed
				md.input.Placeholder = "[type " + md.plan.ConfirmName + " to confirm]"
				md.input.SetValue("")
				md.input.Focus()
				return nil
			}
			return md.run()
		case key.Matches(msg, k.Edit):
			md.note = ""
			md.askReason() // the plan is built and checked again with it
		case key.Matches(msg, k.Decline):
			md.close(st)
		}
	case stageTypeName:
		if key.Matches(msg, k.Accept) {
			if md.input.Value() == md.plan.ConfirmName {
				return md.run()
			}
			md.err = fmt.Errorf("typed %q, not %q: %w", md.input.Value(), md.plan.ConfirmName, errNotConfirmed)
			md.stage = stageDone
			return nil
		}
		var cmd tea.Cmd
		md.input, cmd = md.input.Update(msg)
		return cmd
	case stageDone:
		switch {
		case key.Matches(msg, k.Accept):
			md.close(st)
		case key.Matches(msg, k.Verify) && md.ran:
			// verify again (a Job may still be running), on data read
			// after the key
			return func() tea.Msg { return collectMsg{} }
		}
	}
	return nil
}

func (md *actionModal) run() tea.Cmd {
	md.stage, md.ran = stageRunning, true
	return executeCmd(md.ctx, md.actor, md.id, md.plan, md.in.Reason)
}

// View draws the modal in w×h cells: the plan on top, the prompt of the
// stage (the reason, the value, the confirmation, the typed name, the
// result) under it. When both do not fit, the plan is cut — and scrolls
// with ↑/↓ — above the prompt, which is always on the screen whole.
func (md actionModal) View(st *state, w, h int) string {
	lead, ask := md.promptView(st, w)
	top := strings.Split(strings.TrimSuffix(md.planView(st, w)+lead, "\n"), "\n")
	bottom := strings.Split(strings.TrimSuffix(ask, "\n"), "\n")
	if len(top)+len(bottom) <= h || h < 4 {
		return strings.Join(append(top, bottom...), "\n")
	}
	if len(bottom) > h-2 { // never at the sizes the goldens check
		bottom = bottom[:h-2]
	}
	room := h - len(bottom) - 1 // one line says what is cut
	from := max(0, min(md.scroll, len(top)-room))
	shown := top[from : from+room]
	below := len(top) - from - room
	var cut []string
	if from > 0 {
		cut = append(cut, fmt.Sprintf("%d line(s) above", from))
	}
	if below > 0 {
		cut = append(cut, fmt.Sprintf("%d line(s) below", below))
	}
	note := st.styles.Muted.Render(truncate("… "+strings.Join(cut, ", ")+" (↑/↓ scrolls)", w))
	return strings.Join(append(append(shown, note), bottom...), "\n")
}

// planView is what the action will do.
func (md actionModal) planView(st *state, w int) string {
	s := st.styles
	var b strings.Builder
	b.WriteString(s.Title.Render("Action: "+md.plan.Title) + "\n")
	b.WriteString(s.Muted.Render(md.plan.Target) + "\n\n")
	if md.note != "" {
		b.WriteString(s.Warning.Render(md.note) + "\n\n")
	}
	for _, c := range md.plan.Effects {
		b.WriteString("  • " + c + "\n")
	}
	b.WriteString("  " + s.Command.Render("$ "+strings.ReplaceAll(md.plan.Command(), "\n", "\n    ")) + "\n")
	if md.plan.Warning != "" {
		b.WriteString("\n" + s.Critical.Render("! "+md.plan.Warning) + "\n")
	}
	if pv := md.plan.Preview; pv != nil && pv.LastJob != nil {
		b.WriteString(lastJob(st, *pv.LastJob))
	}
	return wrapHanging(b.String(), w)
}

// promptView is the stage's part: lead, what came so far (it scrolls with
// the plan), and ask, what is asked now or the keys of the result (always
// on the screen).
func (md actionModal) promptView(st *state, w int) (lead, ask string) {
	s := st.styles
	var l, a strings.Builder
	l.WriteString("\n")
	switch md.stage {
	case stageValue:
		a.WriteString(s.Muted.Render("Reason for the journal: "+md.in.Reason) + "\n")
		a.WriteString(md.plan.Ask.Prompt + ": " + md.input.View() + "  enter\n")
	case stageChecking:
		a.WriteString(st.spin + " checking permissions and asking the server for a dry run…\n")
	case stageReason:
		a.WriteString("Reason for the journal: " + md.input.View() + "\n")
		a.WriteString(s.Muted.Render("enter keeps it and goes on · ctrl+u clears it · esc cancels") + "\n")
	case stageSubject:
		a.WriteString(s.Muted.Render("Reason for the journal: "+md.in.Reason) + "\n")
		a.WriteString("Subject of the rotation (ROTATION_SUBJECT): " + md.input.View() + "\n")
		a.WriteString(s.Muted.Render("enter keeps it and goes on · ctrl+u clears it · esc cancels") + "\n")
	case stageConfirm:
		l.WriteString(s.OK.Render("✓ permitted; dry run: "+md.check.Summary) + "\n\n")
		if md.check.Before != "" && md.check.After != "" && strings.Contains(md.check.After, "\n") {
			l.WriteString(s.Section.Render("Diff (now → after)") + "\n" + lineDiff(st, md.check.Before, md.check.After) + "\n")
		}
		// the reason recorded and the confirmation stay on the screen
		a.WriteString("Reason for the journal: " + s.Command.Render(md.in.Reason) + "  " + s.Key.Render("e") + " edits it\n")
		if md.plan.Destructive {
			a.WriteString(s.Warning.Render("This destroys data. y, then type "+md.plan.ConfirmName+" to confirm; n or esc cancels.") + "\n")
		} else {
			a.WriteString(s.Key.Render("y") + " run it · " + s.Key.Render("n/esc") + " cancel\n")
		}
	case stageTypeName:
		a.WriteString("Type " + s.Warning.Render(md.plan.ConfirmName) + " to confirm: " + md.input.View() + "\n")
	case stageRunning:
		a.WriteString(st.spin + " running… (journaled before and after; q or ctrl+c interrupts it and quits)\n")
	case stageDone:
		switch o := actions.OutcomeOf(md.err); {
		case o == actions.OutcomeUnknown || o == actions.OutcomeInterrupted || o == actions.OutcomeUnchecked:
			// not a failure: it may have been applied, or nothing was tried
			l.WriteString(s.Unknown.Render("? "+md.err.Error()) + "\n")
		case md.err != nil:
			l.WriteString(s.Critical.Render("✗ "+md.err.Error()) + "\n")
		default:
			l.WriteString(s.OK.Render("✓ "+md.result.Summary) + "\n")
			switch {
			case strings.Contains(md.result.Before+md.result.After, "\n"):
				l.WriteString(lineDiff(st, md.result.Before, md.result.After))
			case md.result.Before != "" || md.result.After != "":
				l.WriteString(s.Muted.Render(fmt.Sprintf("  before: %s\n  after:  %s", md.result.Before, md.result.After)) + "\n")
			}
			if busy := loadingList(st); len(busy) > 0 || !md.judged {
				// the checks read every source: wait for all of them
				l.WriteString(st.spin + " verifying: collecting again… (" + strings.Join(busy, ", ") + ")\n")
			} else {
				l.WriteString(fmt.Sprintf("Verification: scenario %q was %s, now %s\n", md.title, md.before, md.now))
				for i, r := range md.after {
					was := ""
					if i < len(md.checks) {
						was = string(md.checks[i].State) + " → "
					}
					l.WriteString(fmt.Sprintf("  %s %s: %s%s — %s\n", checkMark(s, r.State), r.Title, was, r.State, r.Detail))
				}
			}
		}
		a.WriteString(s.Muted.Render("r verifies again (the checks follow every refresh) · enter or esc closes") + "\n")
	}
	return wrapHanging(l.String(), w), wrapHanging(a.String(), w)
}

// lastJob shows the newest Job the plan's preview names and what its log
// says (the real cleanup is confirmed with the dry run's result in view).
func lastJob(st *state, pv actions.JobPreview) string {
	s := st.styles
	if st.snap.Kubernetes == nil {
		return s.Unknown.Render("the last "+pv.What+" is unknown: Kubernetes was not read") + "\n"
	}
	for _, j := range st.snap.Kubernetes.Jobs { // newest first
		if j.Role != pv.Role || !strings.HasPrefix(j.Name, pv.Prefix) {
			continue
		}
		if j.Outcome == collectors.OutcomeRunning {
			return s.Warning.Render("The last "+pv.What+", job "+j.Name+", is still running: wait for its log (esc, r refreshes) before confirming.") + "\n"
		}
		out := fmt.Sprintf("Last %s: job %s %s", pv.What, j.Name, j.Outcome)
		if j.Log != nil && len(j.Log.Lines) > 0 {
			n := len(j.Log.Lines)
			out += fmt.Sprintf("; its log ends:\n    %s", strings.Join(j.Log.Lines[max(0, n-3):], "\n    "))
		}
		return s.Muted.Render(out) + "\n"
	}
	return s.Warning.Render(pv.Missing) + "\n"
}

// lineDiff shows the lines removed (-) and added (+) between two short
// texts, in order, the unchanged ones plain.
func lineDiff(st *state, before, after string) string {
	s := st.styles
	b := strings.Split(strings.TrimRight(before, "\n"), "\n")
	a := strings.Split(strings.TrimRight(after, "\n"), "\n")
	// longest common subsequence, small texts
	lcs := make([][]int, len(b)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(a)+1)
	}
	for i := len(b) - 1; i >= 0; i-- {
		for j := len(a) - 1; j >= 0; j-- {
			if b[i] == a[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out strings.Builder
	i, j := 0, 0
	for i < len(b) || j < len(a) {
		switch {
		case i < len(b) && j < len(a) && b[i] == a[j]:
			out.WriteString("    " + b[i] + "\n")
			i++
			j++
		case i < len(b) && (j == len(a) || lcs[i+1][j] >= lcs[i][j+1]):
			out.WriteString(s.Critical.Render("  - "+b[i]) + "\n")
			i++
		default:
			out.WriteString(s.OK.Render("  + "+a[j]) + "\n")
			j++
		}
	}
	return out.String()
}

func checkMark(s Styles, c runbook.CheckState) string {
	switch c {
	case runbook.CheckPass:
		return s.OK.Render("✓")
	case runbook.CheckFail:
		return s.Critical.Render("✗")
	}
	return s.Unknown.Render("?")
}

// wrapHanging wraps every line wider than w, so an action's changes,
// command and checks are read whole, never cut: continuation lines are
// indented under the text, past the line's indent and its marker (•, $, ✓...).
func wrapHanging(text string, w int) string {
	if w <= 20 {
		return text
	}
	lines := strings.Split(text, "\n")
	out := make([]string, 0, len(lines))
	for _, l := range lines {
		if ansi.StringWidth(l) <= w {
			out = append(out, l)
			continue
		}
		plain := ansi.Strip(l)
		indent := len(plain) - len(strings.TrimLeft(plain, " "))
		for _, mark := range []string{"• ", "$ ", "✓ ", "✗ ", "? ", "! ", "+ ", "- "} {
			if strings.HasPrefix(plain[indent:], mark) {
				indent += ansi.StringWidth(mark)
				break
			}
		}
		indent = min(indent, w/2)
		parts := strings.Split(wrapWords(l, w-indent), "\n")
		out = append(out, parts[0])
		for _, p := range parts[1:] {
			out = append(out, strings.Repeat(" ", indent)+strings.TrimLeft(p, " "))
		}
	}
	return strings.Join(out, "\n")
}

// wrapWords wraps text (ANSI-styled or not) at spaces, slashes and commas,
// never at a hyphen, so a command's flags (-o, --dry-run=client) are not
// split across lines; a word longer than the width is cut.
func wrapWords(text string, w int) string {
	const nbHyphen = "\u2011" // as wide as '-', not a breakpoint
	in := strings.ReplaceAll(text, "-", nbHyphen)
	// ansi.Wrap (x/ansi v0.11) can leave a line one column over the width
	// when it ends at a comma or slash: wrap narrower until none is (the
	// row then shows whole, instead of cut at the screen's edge)
	var out string
	for lim := w; lim >= max(1, w-3); lim-- {
		out = ansi.Wrap(in, lim, " /,")
		if widest(out) <= w {
			break
		}
	}
	if widest(out) > w {
		out = ansi.Hardwrap(out, w, true)
	}
	return strings.ReplaceAll(out, nbHyphen, "-")
}

// widest is the width of text's widest line.
func widest(text string) int {
	n := 0
	for _, l := range strings.Split(text, "\n") {
		n = max(n, ansi.StringWidth(l))
	}
	return n
}
