package ui

import (
	"context"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
)

// update is m.Update without running anything it returns.
func update(m Model, msg tea.Msg) Model {
	next, _ := m.Update(msg)
	return next.(Model)
}

// TestModel_JudgedOffTheLoop: a part is merged in Update and judged in a
// Cmd; what is shown changes only when the judgement comes back, one
// judgement runs at a time (parts merged meanwhile are judged together
// next), a judgement older than the one shown is dropped, and a source is
// "loading" until a judgement with its part is shown.
func TestModel_JudgedOffTheLoop(t *testing.T) {
	snap := demoSnapshot(t)
	l := SnapshotLoader{Snapshot: snap}
	m := update(update(New(l, demoOptions(snap)), tea.WindowSizeMsg{Width: 120, Height: 40}), tickMsg{gen: 0})
	part := func(m Model, src string) Model {
		p, at := l.Load(context.Background(), src, nil)
		return update(m, partMsg{gen: m.gen, part: p, at: at})
	}
	srcs := l.Sources()

	m = part(m, srcs[0])
	first := m.judging
	if first == nil || first.rev != 1 || m.st.rev != 0 {
		t.Fatalf("after one part: judging %+v, shown rev %d; want rev 1 judged in a Cmd, nothing shown yet", first, m.st.rev)
	}
	if m.st.snap.HasData(srcs[0]) || !m.st.loading[srcs[0]] {
		t.Errorf("%s is shown before its judgement came back (loading %v)", srcs[0], m.st.loading[srcs[0]])
	}
	if !first.snap.HasData(srcs[0]) {
		t.Errorf("the judgement was not given the part")
	}

	m = part(m, srcs[1])
	if m.judging != first {
		t.Fatalf("a second judgement started while one runs (rev %d)", m.judging.rev)
	}
	if first.snap.HasData(srcs[1]) {
		t.Errorf("the snapshot handed to the running judgement changed: it holds %s", srcs[1])
	}

	j1 := first.run()
	m = update(m, judgedMsg{j: j1})
	if m.st.judged != j1 || !m.st.snap.HasData(srcs[0]) {
		t.Fatalf("judgement 1 not shown")
	}
	if m.st.loading[srcs[0]] || !m.st.loading[srcs[1]] {
		t.Errorf("loading %v: want %s shown, %s still judged", m.st.loading, srcs[0], srcs[1])
	}
	if m.judging == nil || m.judging.rev != 2 {
		t.Fatalf("the part merged during judgement 1 is not being judged: %+v", m.judging)
	}
	j2 := m.judging.run()
	m = update(m, judgedMsg{j: j2})
	if m.st.judged != j2 || m.judging != nil {
		t.Fatalf("judgement 2 not shown (judging %+v)", m.judging)
	}

	m = update(m, judgedMsg{j: j1}) // late, older than what is shown
	if m.st.judged != j2 || m.judging != nil {
		t.Errorf("a stale judgement was shown or started another")
	}

	for _, src := range srcs[2:] {
		p, at := l.Load(context.Background(), src, nil)
		m = send(m, partMsg{gen: m.gen, part: p, at: at})
	}
	if !m.st.loaded || len(m.st.loading) != 0 || m.busy() {
		t.Errorf("after every part: loaded %v, loading %v", m.st.loaded, m.st.loading)
	}
	if out := ansi.Strip(m.View()); !strings.Contains(out, "Start here") {
		t.Errorf("the overview after the load:\n%s", out)
	}
}

// TestModel_FilterKeptAcrossJudgements: a filter and a sort applied stay
// applied when another judgement is shown, and the rows are the new one's.
func TestModel_FilterKeptAcrossJudgements(t *testing.T) {
	m := keys(demoAt(t, 120, 40), "2", "/", "t", "-", "0", "1", "enter", "s")
	before := tabView[tenantsView](t, m)
	m = finishLoad(send(m, tickMsg{gen: m.gen}))
	tv := tabView[tenantsView](t, m)
	if tv.idx != m.st.tenants || tv.idx == before.idx {
		t.Fatalf("the rows are not the new judgement's")
	}
	if len(tv.shown) != 10 || tv.sortBy != 1 || tv.filter.Value() != "t-01" {
		t.Errorf("after a refresh: %d rows, sort %d, filter %q; want 10, 1, t-01", len(tv.shown), tv.sortBy, tv.filter.Value())
	}
}

// TestAction_AfterIsNotAJudgementFromBefore: the judgement of a load read
// before the write, shown only after the write (it was still being judged),
// is not the "after": the verification waits for the load that started
// after the write.
func TestAction_AfterIsNotAJudgementFromBefore(t *testing.T) {
	fa := &fakeActor{}
	m := openStep(liveDemo(t, fa), 5, 2) // raise the deadline
	m.st.reason = "deadline exceeded"
	m, _ = press(m, "a")
	m, _ = press(m, "enter")
	m, cmd := press(m, "enter")
	m = runCmd(m, cmd)
	m, exec := press(m, "y")
	// a refresh runs while the action does; every part is read before the
	// write, and its judgement has not come back when the write ends
	m = update(m, tickMsg{gen: m.gen})
	before := m.gen
	for _, src := range m.loader.Sources() {
		p, at := m.loader.Load(context.Background(), src, nil)
		m = update(m, partMsg{gen: m.gen, part: p, at: at})
	}
	if m.judging == nil || m.inFlight != 0 {
		t.Fatalf("want the load read and its judgement running: judging %v, %d loading", m.judging != nil, m.inFlight)
	}
	m = runCmd(m, exec) // the write ends; the judgement from before comes back after it
	if m.gen != before+1 || m.judging != nil || m.st.rev != m.rev {
		t.Fatalf("gen %d (was %d), judging %v, shown rev %d of %d: want a new load and the old judgement shown", m.gen, before, m.judging != nil, m.st.rev, m.rev)
	}
	if m.modal.judged {
		t.Fatalf("the verification was judged on data read before the write")
	}
	if out := ansi.Strip(m.View()); !strings.Contains(out, "verifying: collecting again") {
		t.Errorf("the modal does not say it waits:\n%s", out)
	}
	m = finishLoad(m)
	if !m.modal.judged || len(m.modal.after) == 0 || len(m.modal.checks) != len(m.modal.after) {
		t.Fatalf("after the load that followed the write: judged %v, %d checks after, %d before", m.modal.judged, len(m.modal.after), len(m.modal.checks))
	}
	// the checks are judged in Cmds keyed by the modal and the judgement:
	// one for another modal, or for a judgement not waited for, is dropped
	after := m.modal.after
	r := *newVerifyReq(m.st, m.modal.id, m.modal.scenario, false)
	for _, stale := range []verifyReq{func() verifyReq { x := r; x.id--; return x }(), func() verifyReq { x := r; x.rev--; return x }()} {
		m = update(m, verifiedMsg{req: stale, res: nil})
		if len(m.modal.after) != len(after) {
			t.Errorf("a stale answer %+v replaced the checks", stale.id)
		}
	}
}
