package ui

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/config"
	"github.com/oss-ai-agent-tool/kubectl-rotation/runbook"
)

// Options describe the dashboard's session.
type Options struct {
	Config    config.Config
	Namespace string
	Context   string
	VaultAddr string
	// Connection is how the commands shown reach the same servers
	// (collectors.Snapshot.Connection).
	Connection collectors.Connection
	// Mode is "live", "demo" or "replay" (--from FILE).
	Mode string
	// ReadOnly shows the read-only banner (always true for demo and replay).
	ReadOnly bool
	// Refresh is the auto-refresh interval for live data (0: only on r).
	Refresh time.Duration
	// NoColor drops colours (NO_COLOR).
	NoColor bool
	// Journal is the action journal the timeline reads its actions from
	// (the file the executor appends to); "": none (the demo keeps none).
	Journal string
}

// state is what every view reads. Only Model.Update changes it.
type state struct {
	opts   Options
	styles Styles
	book   *runbook.Book
	// judged is the judgement shown (snap, assess, vars, judgedAt and the
	// views' rows): made in a Cmd, swapped in whole, never changed.
	*judged
	loaded bool // a judgement of a whole load is shown
	// loading marks the sources of the running load whose data is not
	// shown yet: not read, or read and still being judged; merged is, for
	// those read, the data generation their part made.
	loading map[string]bool
	merged  map[string]int
	// timelineWanted is set once the Timeline tab has been in focus: the
	// judgements make the timeline from then on (before, it is pending
	// and costs nothing).
	timelineWanted bool
	// details reads one tenant's detail on demand (nil: the loader
	// cannot).
	details  TenantDetailLoader
	progress map[string]collectors.Progress
	spin     string
	message  string // last one-line notice (copied, errors)
	// perms are the permission preflights of scenario permsOf's actions,
	// by action id; noActor says why actions cannot run at all.
	perms   map[string]permState
	permsOf string
	noActor string
	// reason is the last reason given for an action: every action asks,
	// prefilled with it.
	reason string
	// rotation is the reason and subject given for the last emergency
	// rotation (each its own prompt): its step's command shows them, so c
	// copies what a would run; "" (a placeholder shown) until given for
	// one — another action's reason is not this rotation's.
	rotation recorded
}

// recorded is what an emergency rotation records beside its initiator.
type recorded struct{ reason, subject string }

// permState is an action's permission preflight: pending until checked;
// err wraps actions.ErrForbidden when a permission is missing.
type permState struct {
	checked bool
	err     error
	note    string
}

// Model is the root Bubble Tea model.
type Model struct {
	st       *state
	loader   Loader
	gen      int
	inFlight int
	again    bool // r was pressed during a load: load once more after it
	// pending is the snapshot the parts merged so far make: a new copy for
	// every part, so the one handed to a judgement never changes after.
	// rev is its data generation, pendingAt when to judge it; fullRev the
	// generation in which the last whole load ended.
	pending   *collectors.Snapshot
	pendingAt time.Time
	rev       int
	fullRev   int
	// judging is the judgement running (nil: none). One at a time: the
	// parts merged meanwhile are judged together when it ends.
	judging *judgeReq
	// journal is the last read of the action journal that answered;
	// journalGen the number of the last read started. timelining is the
	// timeline being made again with a journal read after the judgement
	// shown (nil: none); one at a time, as judging.
	journal    *journalRead
	journalGen int
	timelining *timelineReq
	// msgAtLoad is the status line when the running load started: a line
	// still shown when a load that began after it ends is old news, and is
	// cleared (an action's result stays until the next refresh after it).
	msgAtLoad string
	// msgSeq counts the status lines shown; a line with no load to age it
	// (a replay, the demo) goes when its noticeAgeMsg comes back.
	msgSeq   int
	progress chan progressMsg
	ctx      context.Context
	cancel   context.CancelFunc

	width, height int
	keys          KeyMap
	showHelp      bool
	help          help.Model
	spinner       spinner.Model

	// tabs is the tab registry (defaultTabs); cur the one in focus;
	// stack the views opened over it, innermost last (esc closes it).
	tabs  []tab
	cur   int
	stack []view

	jump jumpPrompt
	// jumpMiss is the status line saying the prompt found nothing: the
	// next key clears it, so it does not follow the person into the views
	// (and take a row of theirs) after it was read.
	jumpMiss string
	actor    Actor
	modal    actionModal
	modals   int // the last modal's id
}

// Messages.
type (
	partMsg struct {
		gen  int
		part collectors.Part
		at   time.Time
	}
	progressMsg struct {
		gen int
		p   collectors.Progress
	}
	tickMsg struct{ gen int }
	// noticeAgeMsg ends the status line numbered seq (Model.msgSeq).
	noticeAgeMsg struct{ seq int }
	noticeMsg    string
)

// WithActor returns the model with actions enabled through a (nil: disabled,
// with why).
func (m Model) WithActor(a Actor, why string) Model {
	m.actor, m.st.noActor = a, ""
	if a == nil {
		m.st.noActor = why
	}
	return m
}

// New returns the dashboard over the loader.
func New(loader Loader, o Options) Model {
	ctx, cancel := context.WithCancel(context.Background())
	empty := &collectors.Snapshot{SchemaVersion: collectors.SchemaVersion, Namespace: o.Namespace, Context: o.Context,
		VaultAddr: config.RedactURL(o.VaultAddr), Connection: o.Connection, Config: o.Config.Redacted()}
	st := &state{
		opts: o, styles: DefaultStyles(o.NoColor), book: runbook.MustDefault(),
		loading: map[string]bool{}, merged: map[string]int{}, progress: map[string]collectors.Progress{},
		perms: map[string]permState{}, noActor: "no executor was set up",
	}
	st.details, _ = loader.(TenantDetailLoader)
	journal := &journalRead{path: o.Journal, reading: o.Journal != ""}
	st.judged = judgeReq{book: st.book, snap: empty, journal: journal}.run() // nothing read: quick
	sp := spinner.New(spinner.WithSpinner(spinner.MiniDot))
	h := help.New()
	h.Styles.ShortKey, h.Styles.FullKey = st.styles.Key, st.styles.Key
	h.Styles.ShortDesc, h.Styles.FullDesc = st.styles.Muted, st.styles.Muted
	tabs := defaultTabs()
	names := make([]string, len(tabs))
	for i, t := range tabs {
		names[i] = t.name
	}
	m := Model{st: st, loader: loader, pending: empty, progress: make(chan progressMsg, 64), ctx: ctx, cancel: cancel,
		width: 80, height: 24, keys: DefaultKeyMap(names), help: h, spinner: sp, tabs: tabs, jump: newJumpPrompt(),
		journal: journal}
	if o.Journal != "" {
		m.journalGen = 1 // Init starts read 1
	}
	m.st.spin = sp.View()
	return m
}

// Init starts the first load, the first read of the journal and the
// spinner.
func (m Model) Init() tea.Cmd {
	var journal tea.Cmd
	if m.st.opts.Journal != "" {
		journal = readJournalCmd(m.st.opts.Journal, m.journalGen)
	}
	return tea.Batch(m.spinner.Tick, m.startLoad(), listenProgress(m.progress), journal)
}

// startLoad is called from Init only; later loads go through refresh.
func (m *Model) startLoad() tea.Cmd {
	return func() tea.Msg { return tickMsg{gen: 0} }
}

// refresh starts a load of every source unless one is running (a refresh
// never stacks).
func (m *Model) refresh() tea.Cmd {
	if m.inFlight > 0 {
		return nil
	}
	m.gen++
	m.msgAtLoad = m.st.message
	srcs := m.loader.Sources()
	m.inFlight = len(srcs)
	clear(m.st.merged) // the parts of the loads before are no longer waited for
	cmds := make([]tea.Cmd, 0, len(srcs))
	for _, s := range srcs {
		m.st.loading[s] = true
		cmds = append(cmds, load(m.ctx, m.loader, s, m.gen, m.progress))
	}
	return tea.Batch(cmds...)
}

// load reads one source in a Cmd.
func load(ctx context.Context, l Loader, source string, gen int, progress chan<- progressMsg) tea.Cmd {
	return func() tea.Msg {
		part, at := l.Load(ctx, source, func(p collectors.Progress) {
			select {
			case progress <- progressMsg{gen: gen, p: p}:
			default: // the UI is behind; drop a progress tick rather than block the scan
			}
		})
		return partMsg{gen: gen, part: part, at: at}
	}
}

func listenProgress(ch <-chan progressMsg) tea.Cmd {
	return func() tea.Msg { return <-ch }
}

func scheduleTick(d time.Duration, gen int) tea.Cmd {
	return tea.Tick(d, func(time.Time) tea.Msg { return tickMsg{gen: gen} })
}

// Update dispatches: global keys, window size, load results, then the view
// in focus.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if a, ok := msg.(noticeAgeMsg); ok {
		if a.seq == m.msgSeq && !m.modal.Open() {
			m.st.message = ""
		}
		return m, nil
	}
	before := m.st.message
	next, cmd := m.update(msg)
	if nm, ok := next.(Model); ok && !nm.st.timelineWanted && nm.timelineInFocus() {
		// the timeline is made the first time it is looked at, then
		// with every judgement
		nm.st.timelineWanted = true
		tc := nm.retimeline()
		next, cmd = nm, tea.Batch(cmd, tc)
	}
	nm, ok := next.(Model)
	if !ok || nm.st.message == "" || (nm.st.message == before && nm.msgSeq > 0) || nm.st.opts.Mode == "live" {
		return next, cmd // in live mode the next load ages a line (msgAtLoad)
	}
	nm.msgSeq++
	seq := nm.msgSeq
	return nm, tea.Batch(cmd, tea.Tick(noticeAge, func(time.Time) tea.Msg { return noticeAgeMsg{seq: seq} }))
}

// noticeAge is how long a status line stays when no load follows to age
// it (a replay, the demo).
const noticeAge = 10 * time.Second

// update is Update but for the status line's age.
func (m Model) update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.help.Width = msg.Width
		cmd := m.recompute() // what the views keep drawn at the width
		return m, cmd
	case spinner.TickMsg:
		var cmd tea.Cmd
		m.spinner, cmd = m.spinner.Update(msg)
		m.st.spin = m.spinner.View()
		return m, cmd
	case tickMsg:
		if msg.gen != m.gen {
			return m, nil // a tick of an earlier cycle
		}
		cmd := m.refresh()
		return m, cmd
	case partMsg:
		cmd := m.applyPart(msg)
		return m, cmd
	case judgedMsg:
		cmd := m.applyJudged(msg.j)
		return m, cmd
	case journalMsg:
		cmd := m.applyJournal(msg.r)
		return m, cmd
	case timelineMsg:
		cmd := m.applyTimeline(msg)
		return m, cmd
	case progressMsg:
		if msg.gen == m.gen {
			m.st.progress[msg.p.Source] = msg.p
		}
		return m, listenProgress(m.progress)
	case noticeMsg:
		m.st.message = string(msg)
		return m, nil
	case permMsg:
		if msg.scenario == m.st.permsOf {
			m.st.perms[msg.id] = permState{checked: true, err: msg.err, note: msg.note}
		}
		return m, nil
	case checkMsg, verifiedMsg:
		return m.updateModal(msg)
	case actionDoneMsg:
		var cmd tea.Cmd
		m, cmd = m.updateModal(msg)
		if msg.err == nil {
			// verification: what is on screen was read before the write
			cmd = tea.Batch(cmd, m.collect())
		}
		// the journal holds its intent and outcome now, whatever it was
		return m, tea.Batch(cmd, m.readJournal())
	case collectMsg:
		cmd := m.collect()
		return m, cmd
	case tea.MouseMsg:
		return m.mouse(msg)
	case viewAnswer:
		return m.answerViews(msg)
	case tea.KeyMsg:
		if keys := splitRunes(msg); keys != nil && !m.textFocus() {
			// keys typed fast arrive in one read as one message: each is a
			// key of its own (jjj moves three rows, 3j switches view then
			// moves), unless text is being typed or pasted
			var cmds []tea.Cmd
			var next tea.Model = m
			for _, k := range keys {
				var cmd tea.Cmd
				next, cmd = next.(Model).Update(k)
				cmds = append(cmds, cmd)
				if next.(Model).textFocus() {
					// the rest is text for the field that just opened
					rest := tea.KeyMsg{Type: tea.KeyRunes, Runes: msg.Runes[len(cmds):]}
					if len(rest.Runes) > 0 {
						next, cmd = next.(Model).Update(rest)
						cmds = append(cmds, cmd)
					}
					break
				}
			}
			return next, tea.Batch(cmds...)
		}
		if m.modal.Open() {
			// q quits as ctrl+c does, also while the action runs: both
			// cancel it (the journal says what ran); in a field q is text
			if key.Matches(msg, m.keys.Interrupt) || (!m.modal.Typing() && key.Matches(msg, m.keys.Quit)) {
				m.cancel()
				return m, tea.Quit
			}
			return m.updateModal(msg)
		}
		return m.handleKey(msg)
	}
	return m, nil
}

// mouse scrolls with the wheel: a notch is ↑ or ↓ for what is in focus
// (the modal, else the view, unless it is taking text).
func (m Model) mouse(msg tea.MouseMsg) (tea.Model, tea.Cmd) {
	if msg.Action != tea.MouseActionPress {
		return m, nil
	}
	var k tea.KeyMsg
	switch msg.Button {
	case tea.MouseButtonWheelUp:
		k = tea.KeyMsg{Type: tea.KeyUp}
	case tea.MouseButtonWheelDown:
		k = tea.KeyMsg{Type: tea.KeyDown}
	default:
		return m, nil
	}
	switch {
	case m.modal.Open():
		return m.updateModal(k)
	case m.showHelp || m.jump.open || m.focused().Typing():
		return m, nil
	}
	return m.updateFocused(k)
}

// updateModal routes msg to the action modal and keeps the reason it
// was given for the next action.
func (m Model) updateModal(msg tea.Msg) (Model, tea.Cmd) {
	var cmd tea.Cmd
	m.modal, cmd = m.modal.Update(msg, m.st)
	if r := m.modal.Reason(); r != "" && m.modal.Open() {
		m.st.reason = r
	}
	if r := m.modal.Recorded(); m.modal.Open() {
		if r.reason != "" {
			m.st.rotation.reason = r.reason
		}
		if r.subject != "" {
			m.st.rotation.subject = r.subject
		}
	}
	return m, cmd
}

// collect starts a collection that begins after now: at once, or when the
// one running ends (it may have started before what is waited for).
func (m *Model) collect() tea.Cmd {
	if m.inFlight > 0 {
		m.again = true
		return nil
	}
	return m.refresh()
}

// applyPart merges a source's result into a new pending snapshot, unless
// it answers an older load, and has it judged: in a Cmd (judge), so the
// event loop only copies the snapshot's top level here.
func (m *Model) applyPart(msg partMsg) tea.Cmd {
	if msg.gen != m.gen {
		return nil // stale: a newer load is running or done
	}
	next := *m.pending
	next.Sources = slices.Clone(next.Sources) // Merge reuses its array
	next.Merge(msg.part)
	if msg.at.After(next.CollectedAt) {
		next.CollectedAt = msg.at
	}
	m.pending, m.pendingAt = &next, msg.at
	m.rev++
	m.st.merged[msg.part.Status.Source] = m.rev
	delete(m.st.progress, msg.part.Status.Source)
	m.inFlight--
	var cmd tea.Cmd
	if m.inFlight == 0 {
		m.fullRev = m.rev
		if m.st.message == m.msgAtLoad {
			m.st.message = "" // shown before this load began: aged out
		}
		switch {
		case m.again:
			// the load that just ended may have started before what the
			// engineer waited for: r means data read after the key
			m.again = false
			cmd = m.refresh()
		case m.loader.Live() && m.st.opts.Refresh > 0:
			cmd = scheduleTick(m.st.opts.Refresh, m.gen)
		}
	}
	// judged after the next load, if any, was started: its sources are
	// marked loading, so what is judged "after an action" waits for it
	return tea.Batch(cmd, m.judge())
}

// Settled reports whether the dashboard shows a whole load judged: a load
// has ended (no source is loading, none in flight) and the judgement of
// everything merged is shown. A benchmark or a harness driving the model
// asks it; the dashboard itself never needs to.
func (m Model) Settled() bool {
	return m.fullRev > 0 && m.inFlight == 0 && len(m.st.loading) == 0 && m.judging == nil && m.rev <= m.st.rev
}

// judge starts the judgement of the pending snapshot unless one is running
// (it ends with judge again) or it, or a newer one, is shown already.
func (m *Model) judge() tea.Cmd {
	if m.judging != nil || m.rev <= m.st.rev {
		return nil
	}
	req := judgeReq{rev: m.rev, book: m.st.book, snap: m.pending, at: m.pendingAt, prev: m.st.judged, journal: m.journal, timeline: m.st.timelineWanted}
	m.judging = &req
	return judgeCmd(req)
}

// applyJudged shows a judgement, unless a newer one is shown (stale), and
// judges what was merged while it ran.
func (m *Model) applyJudged(j *judged) tea.Cmd {
	if m.judging != nil && m.judging.rev == j.rev {
		m.judging = nil
	}
	if j.rev <= m.st.rev {
		return tea.Batch(m.judge(), m.retimeline())
	}
	m.st.judged = j
	for src, rev := range m.st.merged {
		if rev <= j.rev {
			delete(m.st.loading, src)
			delete(m.st.merged, src)
		}
	}
	if m.fullRev > 0 && j.rev >= m.fullRev {
		m.st.loaded = true
	}
	cmd := m.recompute()
	return tea.Batch(cmd, m.judge(), m.retimeline())
}

// readJournal starts a read of the journal (none when the session has
// none); a read that answers after a later one is dropped.
func (m *Model) readJournal() tea.Cmd {
	if m.st.opts.Journal == "" {
		return nil
	}
	m.journalGen++
	return readJournalCmd(m.st.opts.Journal, m.journalGen)
}

// applyJournal takes a read of the journal, unless a later one answered
// already, and has the timeline shown made again with it.
func (m *Model) applyJournal(r *journalRead) tea.Cmd {
	if r.gen <= m.journal.gen {
		return nil
	}
	m.journal = r
	return m.retimeline()
}

// retimeline starts, in a Cmd, the timeline of the judgement shown with the
// journal last read, unless it has it or a judgement or a timeline is
// being made (each ends with retimeline again).
func (m *Model) retimeline() tea.Cmd {
	if !m.st.timelineWanted || m.judging != nil || m.timelining != nil || (!m.st.timeline.pending && m.st.timeline.journal.gen >= m.journal.gen) {
		return nil
	}
	req := timelineReq{rev: m.st.rev, book: m.st.book, snap: m.st.snap, at: m.st.judgedAt, journal: m.journal}
	m.timelining = &req
	return timelineCmd(req)
}

// timelineInFocus reports whether the view in focus is the timeline.
func (m Model) timelineInFocus() bool {
	_, ok := m.focused().(timelineView)
	return ok
}

// applyTimeline shows a timeline made again with a later journal: the
// judgement shown is copied with it (the copy shares everything else),
// unless another was shown meanwhile; then it is made again for that one.
func (m *Model) applyTimeline(msg timelineMsg) tea.Cmd {
	m.timelining = nil
	var cmd tea.Cmd
	if msg.rev == m.st.rev && (m.st.timeline.pending || msg.idx.journal.gen > m.st.timeline.journal.gen) {
		j := *m.st.judged
		j.timeline = msg.idx
		m.st.judged = &j
		cmd = m.recompute()
	}
	return tea.Batch(cmd, m.retimeline())
}

// recompute tells every view and the modal that another judgement is
// shown: they take what they show from it (a filter's pass over its rows
// at most), here in Update, so View only reads; the modal may ask for its
// checks on it (a Cmd).
func (m *Model) recompute() tea.Cmd {
	c := m.viewCtx()
	var cmds []tea.Cmd
	m.tabs = slices.Clone(m.tabs)
	for i := range m.tabs {
		var cmd tea.Cmd
		m.tabs[i].view, cmd = m.tabs[i].view.Update(dataMsg{}, c)
		cmds = append(cmds, cmd)
	}
	m.stack = slices.Clone(m.stack)
	for i := range m.stack {
		var cmd tea.Cmd
		m.stack[i], cmd = m.stack[i].Update(dataMsg{}, c)
		cmds = append(cmds, cmd) // a view's read after a load (a tenant's series)
	}
	var cmd tea.Cmd
	m.modal, cmd = m.modal.Update(dataMsg{}, m.st)
	return tea.Batch(append(cmds, cmd)...)
}

// answerViews gives the answer of a view's Cmd to every view open: the one
// it answers takes it.
func (m Model) answerViews(msg viewAnswer) (tea.Model, tea.Cmd) {
	c := m.viewCtx()
	var cmds []tea.Cmd
	m.tabs = slices.Clone(m.tabs)
	for i := range m.tabs {
		var cmd tea.Cmd
		m.tabs[i].view, cmd = m.tabs[i].view.Update(msg, c)
		cmds = append(cmds, cmd)
	}
	m.stack = slices.Clone(m.stack)
	for i := range m.stack {
		var cmd tea.Cmd
		m.stack[i], cmd = m.stack[i].Update(msg, c)
		cmds = append(cmds, cmd)
	}
	return m, tea.Batch(cmds...)
}

// viewCtx is what the views get from the root for one message.
func (m Model) viewCtx() *viewCtx {
	return &viewCtx{state: m.st, w: m.width, h: m.bodyHeight(), ctx: m.ctx, actor: m.actor}
}

// focused is the view in focus: the innermost opened, else the tab's.
func (m Model) focused() view {
	if n := len(m.stack); n > 0 {
		return m.stack[n-1]
	}
	return m.tabs[m.cur].view
}

// setFocused replaces the view in focus (the slices are copied: an
// earlier Model value keeps its views).
func (m *Model) setFocused(v view) {
	if n := len(m.stack); n > 0 {
		m.stack = slices.Clone(m.stack)
		m.stack[n-1] = v
		return
	}
	m.tabs = slices.Clone(m.tabs)
	m.tabs[m.cur].view = v
}

// goTab focuses tab i, closing the views opened over the current one.
func (m *Model) goTab(i int) {
	m.cur, m.stack = (i+len(m.tabs))%len(m.tabs), nil
}

func (m Model) handleKey(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	k := m.keys
	if m.jumpMiss != "" {
		if m.st.message == m.jumpMiss {
			m.st.message = ""
		}
		m.jumpMiss = ""
	}
	if m.jump.open {
		if key.Matches(msg, k.Interrupt) {
			m.cancel()
			return m, tea.Quit
		}
		return m.updateJump(msg)
	}
	// a view that is taking text (a filter) gets every key but ctrl+c
	if m.focused().Typing() {
		if key.Matches(msg, k.Interrupt) {
			m.cancel()
			return m, tea.Quit
		}
		return m.updateFocused(msg)
	}
	switch {
	case key.Matches(msg, k.Quit):
		m.cancel()
		return m, tea.Quit
	case key.Matches(msg, k.Help):
		m.showHelp = !m.showHelp
		return m, nil
	case key.Matches(msg, k.Jump):
		m.showHelp = false
		m.jump.open = true
		m.jump.input.SetValue("")
		m.jump.input.Focus()
		return m, nil
	case m.showHelp && key.Matches(msg, k.Back):
		m.showHelp = false
		return m, nil
	case key.Matches(msg, k.Refresh):
		if !m.loader.Live() {
			m.st.message = "replaying a snapshot: nothing to refresh"
			return m, nil
		}
		if m.inFlight > 0 {
			m.again = true
			m.st.message = "a refresh is running; another starts when it ends"
			return m, nil
		}
		m.st.message = ""
		cmd := m.refresh()
		// another session may have acted: the journal is read again too
		return m, tea.Batch(cmd, m.readJournal())
	case key.Matches(msg, k.Next):
		m.goTab(m.cur + 1)
		return m, nil
	case key.Matches(msg, k.Prev):
		m.goTab(m.cur - 1)
		return m, nil
	case key.Matches(msg, k.Back):
		m.back()
		return m, nil
	}
	for i, t := range k.Tabs {
		if key.Matches(msg, t) {
			m.goTab(i)
			return m, nil
		}
	}
	return m.updateFocused(msg)
}

// back goes back one level: what the view in focus undoes itself (a
// filter), else it closes, else (a tab) the first tab.
func (m *Model) back() {
	if b, ok := m.focused().(backer); ok {
		if v, ok := b.Back(m.viewCtx()); ok {
			m.setFocused(v)
			return
		}
	}
	switch {
	case len(m.stack) > 0:
		m.stack = slices.Clone(m.stack[:len(m.stack)-1])
	case m.cur != 0:
		m.goTab(0)
	}
}

// updateFocused sends msg to the view in focus and does what it asked.
func (m Model) updateFocused(msg tea.Msg) (tea.Model, tea.Cmd) {
	c := m.viewCtx()
	v, cmd := m.focused().Update(msg, c)
	m.setFocused(v)
	if c.open != nil {
		if o, ok := c.open.(opener); ok {
			var ocmd tea.Cmd
			c.open, ocmd = o.opened(c)
			cmd = tea.Batch(cmd, ocmd)
		}
		m.stack = append(slices.Clip(m.stack), c.open)
	}
	if c.act != nil {
		m.modals++
		if md, ok := openActionModal(c, m.modals, *c.act, m.st.reason); ok {
			m.modal = md
			cmd = tea.Batch(cmd, verifyCmd(md.beforeReq))
		}
	}
	return m, cmd
}

// splitRunes returns a message of several runes typed at once as one key
// message per rune, or nil when it is one key, a paste, or text for a field
// (textFocus is checked by the caller for every rune after the first).
func splitRunes(msg tea.KeyMsg) []tea.KeyMsg {
	if msg.Type != tea.KeyRunes || msg.Paste || len(msg.Runes) < 2 {
		return nil
	}
	out := make([]tea.KeyMsg, len(msg.Runes))
	for i, r := range msg.Runes {
		out[i] = tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}, Alt: msg.Alt}
	}
	return out
}

// textFocus reports whether keys are text now: a field of the action
// modal, or a view's filter.
func (m Model) textFocus() bool {
	return m.modal.Typing() || m.jump.open || m.focused().Typing()
}

func (m Model) bodyHeight() int {
	h := m.height - 2 - m.footerHeight() // header, tabs, footer
	if m.st.opts.ReadOnly || m.st.opts.Mode != "live" {
		h--
	}
	h -= len(m.statusBelow())
	if h < 3 {
		h = 3
	}
	return h
}

// View renders the screen.
func (m Model) View() string {
	st := m.st
	w := m.width
	var b strings.Builder
	b.WriteString(m.header(w))
	b.WriteString("\n")
	if banner := m.banner(); banner != "" {
		b.WriteString(st.styles.Banner.Render(padRight(banner, w)))
		b.WriteString("\n")
	}
	b.WriteString(m.tabLine(w))
	b.WriteString("\n")
	h := m.bodyHeight()
	var body string
	switch {
	case m.modal.Open():
		body = m.modal.View(st, w, h)
	case m.showHelp:
		body = m.fullHelp(w, h)
	default:
		body = m.focused().View(m.viewCtx(), w, h)
	}
	b.WriteString(fitHeight(body, h, w))
	b.WriteString("\n")
	b.WriteString(m.footer(w))
	return b.String()
}

func (m Model) header(w int) string {
	st := m.st
	parts := []string{st.styles.Title.Render("kubectl rotation")}
	if st.opts.Context != "" {
		parts = append(parts, "ctx "+st.opts.Context)
	}
	parts = append(parts, "ns "+st.opts.Namespace)
	if st.opts.VaultAddr != "" {
		parts = append(parts, "vault "+st.opts.VaultAddr)
	}
	if !st.judgedAt.IsZero() {
		label := "as of "
		if st.opts.Mode != "live" {
			label = "taken "
		}
		parts = append(parts, label+st.judgedAt.UTC().Format("2006-01-02 15:04:05Z"))
	}
	return truncate(strings.Join(parts, st.styles.Muted.Render(" · ")), w)
}

func (m Model) banner() string {
	switch m.st.opts.Mode {
	case "demo":
		return " DEMO — built-in sample environment, read-only: actions are disabled "
	case "replay":
		return " REPLAY of a captured snapshot, read-only: actions are disabled "
	}
	if m.st.opts.ReadOnly {
		return " READ-ONLY — every change is refused below the UI "
	}
	return ""
}

// tabLine renders the tab row with the status line beside it, or, when the
// status does not fit there, on a line of its own below (statusBelow), so
// that an action's result is read whole, not cut after its first words.
func (m Model) tabLine(w int) string {
	st := m.st
	line := m.tabRow(w)
	below := m.statusBelow()
	beside := m.status()
	if below != nil && !m.busy() {
		beside = ""
	}
	if beside != "" {
		line += "  " + st.styles.Muted.Render(beside)
	}
	line = truncate(line, w)
	for _, l := range below {
		line += "\n" + st.styles.Muted.Render(l)
	}
	return line
}

// tabRow is the tab row in at most w cells when it can be: every tab's
// number and name; narrower, the focused tab's name and the others' short
// names; narrower still, the others' numbers alone (their names are in ?
// and the : prompt).
func (m Model) tabRow(w int) string {
	st := m.st
	var row string
	for compact := range 3 {
		var b strings.Builder
		for i, t := range m.tabs {
			label := fmt.Sprintf(" %d %s ", i+1, t.name)
			switch {
			case i == m.cur:
				b.WriteString(st.styles.TabActive.Render(label))
				continue
			case compact == 1:
				label = fmt.Sprintf(" %d %s ", i+1, t.short)
			case compact == 2:
				label = fmt.Sprintf(" %d ", i+1)
			}
			b.WriteString(st.styles.Tab.Render(label))
		}
		row = b.String()
		if ansi.StringWidth(row) <= w {
			break
		}
	}
	return row
}

// status is the line beside the tabs: the load running, or the last notice.
func (m Model) status() string {
	st := m.st
	switch {
	case m.busy():
		return st.spin + " loading " + strings.Join(loadingList(st), ", ")
	case st.message != "":
		return st.message
	}
	return ""
}

// busy reports whether a load runs or what it read is being judged.
func (m Model) busy() bool { return m.inFlight > 0 || len(m.st.loading) > 0 }

// statusBelow returns the notice's lines when it takes lines of its own
// under the tabs (nil when it fits beside them): wrapped to two lines at
// most, the second cut with "…". It stays there while a load runs (the
// load's progress goes beside the tabs), so the body does not jump with
// every refresh.
func (m Model) statusBelow() []string {
	msg := m.st.message
	if msg == "" || ansi.StringWidth(m.tabRow(m.width))+2+ansi.StringWidth(msg) <= m.width {
		return nil
	}
	lines := strings.Split(wrapWords(msg, max(m.width, 20)), "\n")
	if len(lines) > 2 {
		lines = append(lines[:1], strings.Join(lines[1:], " "))
	}
	for i := range lines {
		lines[i] = truncate(lines[i], m.width)
	}
	return lines
}

func loadingList(st *state) []string {
	var out []string
	for _, s := range collectors.Sources() {
		if st.loading[s] {
			if p, ok := st.progress[s]; ok && p.Total > 0 {
				out = append(out, fmt.Sprintf("%s %s %d/%d", s, p.Part, p.Done, p.Total))
			} else {
				out = append(out, s)
			}
		}
	}
	return out
}

// footer is the short help, wrapped to the width: a key that does not fit
// on the line goes to the next, never off the screen.
func (m Model) footer(w int) string {
	if m.jump.open {
		return m.jumpFooter(w)
	}
	var keys []key.Binding
	switch {
	case m.modal.Open():
		keys = m.modal.ShortHelp() // the rest are not keys while it is open
	case m.showHelp:
		keys = []key.Binding{key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc/?", "close the help")), m.keys.Quit}
	default:
		keys = append(m.focused().KeyMap().ShortHelp(), m.keys.ShortHelp()...)
	}
	var items []string
	for _, k := range keys {
		if k.Enabled() {
			items = append(items, m.help.ShortHelpView([]key.Binding{k}))
		}
	}
	return wrapItems(items, m.help.Styles.ShortSeparator.Render(m.help.ShortSeparator), w)
}

// footerHeight is how many lines the footer takes at the width.
func (m Model) footerHeight() int { return strings.Count(m.footer(m.width), "\n") + 1 }

// fullHelp is every key of the view in focus and every global key, and
// what the marks mean, in h lines of w cells: the keys in columns when they
// fit, else as one wrapped list; the notes wrapped, never cut.
func (m Model) fullHelp(w, h int) string {
	st := m.st
	groups := append(m.focused().KeyMap().FullHelp(), m.keys.FullHelp()...)
	notes := lipgloss.NewStyle().Width(w).Render(st.styles.Muted.Render("Scenario status: ACTIVE (the runbook's symptoms are observed), suspected, clear, UNKNOWN (a source it needs could not be read; never shown as clear). Severity (critical, warning) is beside ACTIVE and suspected.") +
		"\n" + st.styles.Muted.Render("Symptoms: ✓ observed  ✗ not observed  ? cannot tell.  esc or ? closes this help."))
	for _, gap := range []string{"\n\n", "\n"} {
		body := st.styles.Section.Render("Keys") + gap + m.fullHelpColumns(groups, w, gap) + gap + notes
		if strings.Count(body, "\n")+1 <= h {
			return body
		}
	}
	var items []string
	for _, g := range groups {
		for _, k := range g {
			if k.Enabled() {
				items = append(items, m.help.Styles.FullKey.Render(k.Help().Key)+" "+m.help.Styles.FullDesc.Render(k.Help().Desc))
			}
		}
	}
	return st.styles.Section.Render("Keys") + "\n" + wrapItems(items, m.help.Styles.ShortSeparator.Render(" • "), w) + "\n" + notes
}

// fullHelpColumns renders the help's columns side by side as far as the
// width allows and wraps the rest below, rowGap between the rows, so no key
// is dropped (help.Model cuts the columns that do not fit).
func (m Model) fullHelpColumns(groups [][]key.Binding, w int, rowGap string) string {
	st := m.help.Styles
	var cols []string
	for _, g := range groups {
		var ks, ds []string
		for _, k := range g {
			if k.Enabled() {
				ks = append(ks, st.FullKey.Render(k.Help().Key))
				ds = append(ds, st.FullDesc.Render(k.Help().Desc))
			}
		}
		if len(ks) > 0 {
			cols = append(cols, lipgloss.JoinHorizontal(lipgloss.Top, strings.Join(ks, "\n"), " ", strings.Join(ds, "\n")))
		}
	}
	const gap = "    "
	var rows []string
	var row []string
	rowW := 0
	for _, c := range cols {
		cw := lipgloss.Width(c)
		if len(row) > 0 && rowW+len(gap)+cw > w {
			rows = append(rows, lipgloss.JoinHorizontal(lipgloss.Top, row...))
			row, rowW = nil, 0
		}
		if len(row) > 0 {
			row = append(row, gap)
			rowW += len(gap)
		}
		row = append(row, c)
		rowW += cw
	}
	if len(row) > 0 {
		rows = append(rows, lipgloss.JoinHorizontal(lipgloss.Top, row...))
	}
	return truncate(strings.Join(rows, rowGap), w)
}

// --- layout helpers ---

// truncate cuts each line of s to w cells, ending a cut line with "…" so
// that nothing is cut without a sign.
func truncate(s string, w int) string {
	if w <= 0 {
		return s
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if ansi.StringWidth(l) > w {
			lines[i] = ansi.Truncate(l, w, "…")
		}
	}
	return strings.Join(lines, "\n")
}

func padRight(s string, w int) string {
	if n := lipgloss.Width(s); n < w {
		return s + strings.Repeat(" ", w-n)
	}
	return truncate(s, w)
}

// fitHeight cuts or pads the body to exactly h lines of at most w columns;
// a cut body ends with a line saying how many lines are below.
func fitHeight(s string, h, w int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > h {
		cut := len(lines) - h + 1
		lines = append(lines[:h-1:h-1], fmt.Sprintf("… %d more line(s) below", cut))
	}
	for i, l := range lines {
		if lipgloss.Width(l) > w {
			lines[i] = truncate(l, w)
		}
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}
