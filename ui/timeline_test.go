package ui

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/oss-ai-agent-tool/kubectl-rotation/actions"
	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/runbook"
)

// timelineAt is the demo at w×h with the timeline tab in focus, the journal
// at journal read (none when "").
func timelineAt(t *testing.T, w, h int, journal string) Model {
	t.Helper()
	snap := demoSnapshot(t)
	o := demoOptions(snap)
	o.Journal = journal
	m := loaded(t, SnapshotLoader{Snapshot: snap}, o, w, h)
	if journal != "" {
		m = send(m, readJournalCmd(journal, m.journalGen)())
	}
	return keys(m, "6")
}

// shownEntries are the entries the timeline view shows, in order.
func shownEntries(t *testing.T, m Model) []runbook.TimelineEntry {
	t.Helper()
	v, ok := focusedAs[timelineView](m)
	if !ok {
		t.Fatalf("the view in focus is a %T, not the timeline", m.focused())
	}
	var out []runbook.TimelineEntry
	for _, i := range v.shown {
		out = append(out, v.idx.tl.Entries[i])
	}
	return out
}

// typeFilter types text into the focused view's filter and applies it.
func typeFilter(m Model, text string) Model {
	m = keys(m, "/")
	for _, r := range text {
		m = send(m, keyMsg(string(r)))
	}
	return keys(m, "enter")
}

func TestTimelineView_Update(t *testing.T) {
	book := runbook.MustDefault()

	t.Run("newest first, o flips the order and keeps the entry selected", func(t *testing.T) {
		m := timelineAt(t, 120, 40, "")
		es := shownEntries(t, m)
		if len(es) != len(m.st.timeline.tl.Entries) || len(es) < 100 {
			t.Fatalf("%d entries shown of %d; want every one of the demo's (more than 100)", len(es), len(m.st.timeline.tl.Entries))
		}
		for i := 1; i < len(es); i++ {
			if es[i].At.After(es[i-1].At) {
				t.Fatalf("entry %d (%s) is newer than the one above it (%s): not newest first", i, es[i].At, es[i-1].At)
			}
		}
		m = keys(m, "down", "down", "down")
		want := shownEntries(t, m)[3]
		m = keys(m, "o")
		es = shownEntries(t, m)
		for i := 1; i < len(es); i++ {
			if es[i].At.Before(es[i-1].At) {
				t.Fatalf("after o, entry %d is older than the one above it: not oldest first", i)
			}
		}
		v, _ := focusedAs[timelineView](m)
		if got := es[v.cursor]; got.Summary != want.Summary || !got.At.Equal(want.At) {
			t.Errorf("after o the selected entry is %q, want %q kept", got.Summary, want.Summary)
		}
	})

	t.Run("s and S cycle the scenarios, all first", func(t *testing.T) {
		m := timelineAt(t, 120, 40, "")
		all := len(shownEntries(t, m))
		for i, sc := range book.Scenarios {
			m = keys(m, "s")
			es := shownEntries(t, m)
			if len(es) == 0 || len(es) == all {
				t.Errorf("scenario %s: %d of %d entries", sc.ID, len(es), all)
			}
			for _, e := range es {
				if !slices.Contains(e.Scenarios, sc.ID) {
					t.Fatalf("scenario %d %s shows %q, evidence for %v", i+1, sc.ID, e.Summary, e.Scenarios)
				}
			}
			if out := ansi.Strip(m.View()); !strings.Contains(out, sc.ID) {
				t.Errorf("the header does not name scenario %s", sc.ID)
			}
		}
		if m = keys(m, "s"); len(shownEntries(t, m)) != all {
			t.Errorf("s after the last scenario: %d entries, want all %d", len(shownEntries(t, m)), all)
		}
		m = keys(m, "S")
		last := book.Scenarios[len(book.Scenarios)-1].ID
		for _, e := range shownEntries(t, m) {
			if !slices.Contains(e.Scenarios, last) {
				t.Fatalf("S from all: %q is not evidence for the last scenario %s", e.Summary, last)
			}
		}
		m = keys(m, "esc")
		if len(shownEntries(t, m)) != all {
			t.Errorf("esc does not drop the scenario")
		}
	})

	t.Run("/ filters by tenant or any text, esc clears it", func(t *testing.T) {
		m := typeFilter(timelineAt(t, 120, 40, ""), "t-031")
		es := shownEntries(t, m)
		if len(es) == 0 {
			t.Fatal("nothing matches t-031")
		}
		for _, e := range es {
			if e.Tenant != "t-031" && !strings.Contains(e.Summary, "t-031") {
				t.Errorf("%q does not name t-031", e.Summary)
			}
		}
		if m = typeFilter(keys(m, "esc"), "deadlineexceeded"); len(shownEntries(t, m)) == 0 {
			t.Errorf("a reason (any case) matches nothing")
		}
		m = keys(m, "esc")
		if v, _ := focusedAs[timelineView](m); v.filter.Value() != "" || len(v.shown) != len(v.idx.tl.Entries) {
			t.Errorf("esc leaves the filter %q, %d shown", v.filter.Value(), len(v.shown))
		}
	})

	t.Run("the first failure and last success are marked", func(t *testing.T) {
		m := typeFilter(timelineAt(t, 80, 24, ""), "t-031 cmek.rotation.failed")
		out := ansi.Strip(m.View())
		if !strings.Contains(out, "◆ audit") || !strings.Contains(out, "◆ FIRST FAILURE of t-031") {
			t.Errorf("t-031's first failure is not marked in its row and under the list:\n%s", out)
		}
		m = typeFilter(keys(m, "esc"), "t-031 key version 4")
		if out := ansi.Strip(m.View()); !strings.Contains(out, "◇ vault") || !strings.Contains(out, "◇ LAST SUCCESS of t-031") {
			t.Errorf("t-031's last success is not marked:\n%s", out)
		}
	})

	t.Run("enter opens the entry's evidence, esc comes back", func(t *testing.T) {
		// the demo's failed rotation runs: one over its backoff limit, one
		// past its deadline (its Event)
		var backoff, deadline string
		for _, j := range demoSnapshot(t).Kubernetes.Jobs {
			switch {
			case j.Role != collectors.RoleRotation:
			case j.Reason == "BackoffLimitExceeded" && backoff == "":
				backoff = j.Name
			case j.Reason == "DeadlineExceeded" && deadline == "":
				deadline = j.Name
			}
		}
		if backoff == "" || deadline == "" {
			t.Fatalf("the demo lacks a rotation Job over its backoff limit (%q) or past its deadline (%q)", backoff, deadline)
		}
		runID := strings.TrimPrefix(backoff, "cmek-rotation-")
		tests := map[string]struct {
			filter string
			check  func(t *testing.T, m Model)
		}{
			"a Job's end: its log": {runID + " failed", func(t *testing.T, m Model) {
				if lv, ok := focusedAs[logView](m); !ok || lv.job.Name != backoff {
					t.Errorf("view %T (job %q), want the log of %s", m.focused(), lv.job.Name, backoff)
				}
			}},
			"an Event on a Job: its log": {"deadlineexceeded on job/", func(t *testing.T, m Model) {
				if lv, ok := focusedAs[logView](m); !ok || lv.job.Name != deadline {
					t.Errorf("view %T (job %q), want the log of %s", m.focused(), lv.job.Name, deadline)
				}
			}},
			"an audit event: the tenant": {"t-031 cmek.rotation.failed", func(t *testing.T, m Model) {
				if td, ok := focusedAs[tenantDetail](m); !ok || td.id != "t-031" {
					t.Errorf("view %T (%q), want t-031's detail", m.focused(), td.id)
				}
			}},
			"a key version: the tenant": {"t-017 key version", func(t *testing.T, m Model) {
				if td, ok := focusedAs[tenantDetail](m); !ok || td.id != "t-017" {
					t.Errorf("view %T (%q), want t-017's detail", m.focused(), td.id)
				}
			}},
			"an alert: the metrics": {"cmekrotationfailed", func(t *testing.T, m Model) {
				if _, ok := focusedAs[metricsView](m); !ok {
					t.Errorf("view %T, want the metrics", m.focused())
				}
			}},
			"an audit event of no tenant: the audit events": {"batch.completed", func(t *testing.T, m Model) {
				if av, ok := focusedAs[auditView](m); !ok || !av.events || len(av.evRows) == 0 {
					t.Errorf("view %T, want the audit event stream", m.focused())
				}
			}},
		}
		for name, tc := range tests {
			t.Run(name, func(t *testing.T) {
				m := typeFilter(timelineAt(t, 120, 40, ""), tc.filter)
				if len(shownEntries(t, m)) == 0 {
					t.Fatalf("nothing matches %q", tc.filter)
				}
				before, _ := focusedAs[timelineView](m)
				m = keys(m, "enter")
				tc.check(t, m)
				m = keys(m, "esc")
				v, ok := focusedAs[timelineView](m)
				if !ok || v.filter.Value() != tc.filter || v.cursor != before.cursor {
					t.Errorf("esc: view %T filter %q, want the timeline back as it was", m.focused(), v.filter.Value())
				}
			})
		}
		t.Run("an Event on a CronJob: none, its command is shown", func(t *testing.T) {
			m := typeFilter(timelineAt(t, 120, 40, ""), "unexpectedjob on cronjob")
			if _, ok := focusedAs[timelineView](keys(m, "enter")); !ok {
				t.Errorf("enter opened a %T", m.focused())
			}
			if out := ansi.Strip(m.View()); !strings.Contains(out, "→ kubectl get events") || strings.Contains(out, "enter the") {
				t.Errorf("the command is not shown as its evidence:\n%s", out)
			}
		})
	})

	t.Run("the journal's actions: who, why, result", func(t *testing.T) {
		m := typeFilter(timelineAt(t, 120, 40, "testdata/journal.jsonl"), "alice")
		es := shownEntries(t, m)
		if len(es) != 3 {
			t.Fatalf("%d of alice's actions shown, want the journal's 3", len(es))
		}
		out := ansi.Strip(m.View())
		for _, want := range []string{"journal: 3 action(s) · 1 damaged line(s) skipped", "renew-token on vault token (accessor x) by kubernetes alice@example.com", `because "token expiring": failed`, "unknown"} {
			if !strings.Contains(out, want) {
				t.Errorf("the view lacks %q:\n%s", want, out)
			}
		}
	})

	t.Run("a journal that cannot be read says so", func(t *testing.T) {
		dir := t.TempDir() // a folder: opened, then unreadable
		m := timelineAt(t, 120, 40, dir)
		if m.journal.err == nil {
			t.Fatalf("reading a folder as the journal gave no error")
		}
		out := ansi.Strip(m.View())
		if !strings.Contains(out, "journal: cannot be read (read: is a directory), its actions are not shown · /") {
			t.Errorf("the view does not say the journal cannot be read:\n%s", out)
		}
		m = timelineAt(t, 120, 40, filepath.Join(dir, "none.jsonl"))
		if out := ansi.Strip(m.View()); !strings.Contains(out, "journal: no file, so no action was recorded there · /") {
			t.Errorf("a missing journal is not said:\n%s", out)
		}
		if m = keys(timelineAt(t, 120, 40, ""), "6"); !strings.Contains(ansi.Strip(m.View()), "journal: none read — the demo keeps none") {
			t.Errorf("the demo's want of a journal is not said:\n%s", ansi.Strip(m.View()))
		}
	})

	t.Run("read again after an action, a late read dropped", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "journal.jsonl")
		j, err := actions.OpenJournal(path)
		if err != nil {
			t.Fatal(err)
		}
		fa := &journalingActor{j: j}
		snap := demoSnapshot(t)
		o := demoOptions(snap)
		o.Mode, o.ReadOnly, o.Journal = "live", false, path
		m := loaded(t, SnapshotLoader{Snapshot: snap}, o, 120, 40).WithActor(fa, "")
		m = keys(m, "6", "1") // the timeline looked at once: made from then on
		first := m.journalGen
		m = send(m, readJournalCmd(path, first)())
		if n := len(m.st.timeline.journal.actions); n != 0 || m.st.timeline.journal.gen != first {
			t.Fatalf("the empty journal's read: %d actions, gen %d", n, m.st.timeline.journal.gen)
		}
		m = raiseDeadline(t, openStep(m, 5, 2), "INC-77")
		if m.journalGen != first+1 {
			t.Fatalf("after the action: journal read %d started, want %d", m.journalGen, first+1)
		}
		late := readJournalCmd(path, first)() // an older read answering late
		m = send(m, readJournalCmd(path, m.journalGen)())
		m = send(m, late)
		if m.st.timeline.journal.gen != first+1 {
			t.Errorf("the timeline holds journal read %d, want %d (the late one dropped)", m.st.timeline.journal.gen, first+1)
		}
		m = keys(m, "esc", "esc", "6")
		m = typeFilter(m, "INC-77")
		es := shownEntries(t, m)
		if len(es) != 1 || es[0].Kind != runbook.EntryAction || es[0].Outcome != "ok" || !strings.Contains(es[0].Summary, "by kubernetes tester") {
			t.Errorf("the action in the timeline: %+v", es)
		}
	})
}

// journalingActor is a fakeActor whose Execute journals, as the executor
// does.
type journalingActor struct {
	fakeActor
	j *actions.Journal
}

func (f *journalingActor) Execute(ctx context.Context, p actions.Plan, reason string) (actions.Result, error) {
	at := time.Date(2026, 11, 27, 1, 0, 0, 0, time.UTC)
	who := actions.Identity{KubeUser: "tester"}
	if err := f.j.Append(actions.Entry{Time: at, ID: "x1", Phase: "intent", Action: p.Action, Target: p.Target, Who: who, Reason: reason}); err != nil {
		return actions.Result{}, err
	}
	res, err := f.fakeActor.Execute(ctx, p, reason)
	out := actions.Entry{Time: at.Add(time.Second), ID: "x1", Phase: "outcome", Action: p.Action, Target: p.Target, Who: who, Outcome: "ok", Result: &res}
	if err != nil {
		out.Outcome, out.Result, out.Error = "failed", nil, err.Error()
	}
	if jerr := f.j.Append(out); jerr != nil {
		return res, jerr
	}
	return res, err
}

// TestModel_TimelineJudgedInTheCmd: the timeline is made only once the
// Timeline tab has been looked at (before, the judgement leaves it pending
// and spends nothing on it), then in a Cmd of its own, then in every
// judgement's Cmd (judged carries it) and Update applying it only swaps it
// in; a journal read after the judgement gets a timeline of its own, made
// in a Cmd too.
func TestModel_TimelineJudgedInTheCmd(t *testing.T) {
	snap := demoSnapshot(t)
	o := demoOptions(snap)
	o.Journal = "testdata/journal.jsonl"
	l := SnapshotLoader{Snapshot: snap}
	m := update(update(New(l, o), tea.WindowSizeMsg{Width: 120, Height: 40}), tickMsg{gen: 0})
	load := func(m Model) (Model, *judged) {
		for _, src := range l.Sources() {
			p, at := l.Load(context.Background(), src, nil)
			m = update(m, partMsg{gen: m.gen, part: p, at: at})
		}
		if m.judging == nil {
			t.Fatal("no judgement running")
		}
		var j *judged
		for m.judging != nil { // the parts merged while the first ran
			j = m.judging.run()
			m = update(m, judgedMsg{j: j})
		}
		return m, j
	}
	m, j := load(m)
	if !j.timeline.pending || len(j.timeline.tl.Entries) > 0 || m.timelining != nil {
		t.Fatalf("the timeline was made before anyone looked at it (pending %v, %d entries, making %v)", j.timeline.pending, len(j.timeline.tl.Entries), m.timelining != nil)
	}
	m = update(m, keyMsg("6"))
	if m.timelining == nil {
		t.Fatal("looking at the Timeline tab started no timeline")
	}
	if out := ansi.Strip(m.View()); !strings.Contains(out, "putting the timeline together") {
		t.Errorf("the tab does not say the timeline is being made:\n%s", out)
	}
	m = update(m, m.timelining.run())
	if m.st.timeline.pending || len(m.st.timeline.tl.Entries) == 0 {
		t.Fatalf("the timeline made for the tab is not shown")
	}
	m = update(m, keyMsg("r")) // a load after: its judgement makes the timeline
	m, j = load(m)
	if j.timeline == nil || j.timeline.pending || len(j.timeline.tl.Entries) == 0 {
		t.Fatalf("the judgement after the tab was looked at carries no timeline")
	}
	if m.st.timeline != j.timeline {
		t.Fatalf("Update made the timeline again instead of taking the judgement's")
	}
	if v := tabView[timelineView](t, m); v.idx != j.timeline {
		t.Errorf("the view's rows are not the judgement's timeline")
	}
	if m.timelining != nil {
		t.Errorf("a timeline is made again with the journal it has")
	}
	if j.timeline.journal != m.journal || !m.journal.reading {
		t.Fatalf("the journal not read yet is not the one the timeline holds")
	}

	// the journal's answer: the timeline is made again, in a Cmd
	r, ok := readJournalCmd(o.Journal, m.journalGen)().(journalMsg)
	if !ok || r.r.err != nil {
		t.Fatalf("journal read: %+v", r)
	}
	m = update(m, r)
	if m.timelining == nil || m.st.timeline != j.timeline {
		t.Fatalf("the journal's answer did not start a timeline in a Cmd (timelining %v), or changed the one shown", m.timelining != nil)
	}
	tm := m.timelining.run()
	m = update(m, tm)
	if m.st.timeline != tm.idx || len(tm.idx.journal.actions) != 3 || m.st.tenants != j.tenants || m.st.rev != j.rev {
		t.Errorf("the timeline with the journal is not shown beside the same judgement")
	}
	if v := tabView[timelineView](t, m); v.idx != tm.idx {
		t.Errorf("the view's rows are not the new timeline")
	}
}

// TestModel_TabRow: the tab row fits the width with every tab findable:
// its number always, the focused tab's name whole, the others' full or
// short names as the width allows.
func TestModel_TabRow(t *testing.T) {
	m := demoAt(t, 120, 40)
	for _, w := range []int{120, 80, 60, 40} {
		for cur := range m.tabs {
			mm := m
			mm.goTab(cur)
			row := ansi.Strip(mm.tabRow(w))
			if ansi.StringWidth(row) > w {
				t.Errorf("at %d columns, tab %d focused: the row is %d wide: %q", w, cur+1, ansi.StringWidth(row), row)
			}
			if !strings.Contains(row, " "+string(rune('1'+cur))+" "+m.tabs[cur].name+" ") {
				t.Errorf("at %d columns the focused tab %s is not named whole: %q", w, m.tabs[cur].name, row)
			}
			for i, tb := range m.tabs {
				n := " " + string(rune('1'+i)) + " "
				if !strings.Contains(row, n) {
					t.Errorf("at %d columns tab %d (%s) has no number: %q", w, i+1, tb.name, row)
				}
				if w >= 80 && !strings.Contains(row, n+tb.name+" ") {
					t.Errorf("at %d columns tab %s is not named whole: %q", w, tb.name, row)
				}
				if w == 60 && !strings.Contains(row, n+tb.short+" ") && i != cur {
					t.Errorf("at 60 columns tab %s has not its short name: %q", tb.name, row)
				}
			}
		}
	}
}

// TestTimelineView_Golden: the timeline with the test journal, filtered to
// its actions, at 60×20, 80×24 and 120×40.
func TestTimelineView_Golden(t *testing.T) {
	for _, size := range [][2]int{{60, 20}, {80, 24}, {120, 40}} {
		t.Run(fmt.Sprintf("journal-%dx%d", size[0], size[1]), func(t *testing.T) {
			m := typeFilter(timelineAt(t, size[0], size[1], "testdata/journal.jsonl"), "alice")
			out := ansi.Strip(m.View())
			if n := len(strings.Split(out, "\n")); n != size[1] {
				t.Errorf("%d lines, want %d", n, size[1])
			}
			golden.RequireEqual(t, []byte(out))
		})
	}
}
