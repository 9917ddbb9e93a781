package ui

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors/auditlog"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/demo"
	"github.com/oss-ai-agent-tool/kubectl-rotation/runbook"
)

func demoSnapshot(tb testing.TB) *collectors.Snapshot {
	tb.Helper()
	s, err := demo.Snapshot()
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func demoOptions(s *collectors.Snapshot) Options {
	return Options{Config: s.Config, Namespace: s.Namespace, Context: s.Context, VaultAddr: s.VaultAddr, Mode: "demo", ReadOnly: true, NoColor: true}
}

// loaded returns a model at w×h that has loaded every source of the loader,
// as the running program would (same messages, no goroutines).
func loaded(tb testing.TB, l Loader, o Options, w, h int) Model {
	tb.Helper()
	m := New(l, o)
	m = send(m, tea.WindowSizeMsg{Width: w, Height: h})
	m = send(m, tickMsg{gen: 0}) // the first load
	for _, src := range l.Sources() {
		part, at := l.Load(context.Background(), src, nil)
		m = send(m, partMsg{gen: m.gen, part: part, at: at})
	}
	return m
}

// send gives msg to the model and, as the running program would, the
// judgement it started (judgeCmd's work, run here at once), the timeline
// made again with a journal read, the action modal's checks, a log
// search's answer and the tenant detail's read of its series; other Cmds
// are dropped.
func send(m Model, msg tea.Msg) Model {
	next, cmd := m.Update(msg)
	m = next.(Model)
	if m.judging == nil {
		if hits, ok := searchAnswer(m, cmd); ok {
			return send(m, hits)
		}
	}
	for {
		switch {
		case m.judging != nil:
			next, _ = m.Update(judgedMsg{j: m.judging.run()})
		case m.timelining != nil:
			next, _ = m.Update(m.timelining.run())
		case m.modal.beforeReq != nil:
			next, _ = m.Update(m.modal.beforeReq.run())
		case m.modal.afterReq != nil:
			next, _ = m.Update(m.modal.afterReq.run())
		default:
			td, ok := focusedAs[tenantDetail](m)
			if !ok || m.st.details == nil || td.metricsRead == td.metricsAnswered {
				return m
			}
			// the tenant's own series, read as its Cmd would
			d, found := m.st.details.TenantDetail(context.Background(), td.id)
			next, _ = m.Update(tenantMetricsMsg{tenant: td.id, read: td.metricsRead, detail: d, ok: found})
		}
		m = next.(Model)
	}
}

// searchAnswer runs cmd when it is the search of the log in focus (a log
// longer than syncSearchLines is searched in a Cmd).
func searchAnswer(m Model, cmd tea.Cmd) (logHitsMsg, bool) {
	if lv, ok := focusedAs[logView](m); !ok || lv.finding == "" || cmd == nil {
		return logHitsMsg{}, false
	}
	hits, ok := cmd().(logHitsMsg)
	return hits, ok
}

// keyMsg is the message of a key named as in the tests ("enter", "a").
func keyMsg(k string) tea.KeyMsg {
	switch k {
	case "enter":
		return tea.KeyMsg{Type: tea.KeyEnter}
	case "esc":
		return tea.KeyMsg{Type: tea.KeyEsc}
	case "down":
		return tea.KeyMsg{Type: tea.KeyDown}
	case "up":
		return tea.KeyMsg{Type: tea.KeyUp}
	case "tab":
		return tea.KeyMsg{Type: tea.KeyTab}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
}

// focusedAs returns the view in focus as a V, and whether it is one.
func focusedAs[V view](m Model) (V, bool) {
	v, ok := m.focused().(V)
	return v, ok
}

// tabView returns the view of type V of the tab registry.
func tabView[V view](tb testing.TB, m Model) V {
	tb.Helper()
	for _, t := range m.tabs {
		if v, ok := t.view.(V); ok {
			return v
		}
	}
	var v V
	tb.Fatalf("no tab holds a %T", v)
	return v
}

// scenarioOf is the scenario view in focus (the zero view when none is).
func scenarioOf(m Model) scenarioView {
	v, _ := focusedAs[scenarioView](m)
	return v
}

// keys sends the keys named; "@N" selects Scenario N's row on the
// overview with the keys a person would press (see toScenario).
func keys(m Model, ks ...string) Model {
	for _, k := range ks {
		if n, ok := strings.CutPrefix(k, "@"); ok {
			var number int
			if _, err := fmt.Sscan(n, &number); err != nil {
				panic(fmt.Sprintf("keys: %q names no scenario", k))
			}
			next, err := toScenario(m, number)
			if err != nil {
				panic("keys: " + err.Error())
			}
			m = next
			continue
		}
		m = send(m, keyMsg(k))
	}
	return m
}

// TestModel_View_Golden renders every view of the demo at 60×20, 80×24 and
// 120×40, ANSI stripped.
func TestModel_View_Golden(t *testing.T) {
	snap := demoSnapshot(t)
	views := map[string][]string{
		"overview":                 nil,
		"scenario-1":               {"@1", "enter"},
		"scenario-2":               {"@2", "enter", "down", "down"},
		"scenario-1-step-3":        {"@1", "enter", "down", "down"},              // taller than the body at 60×20
		"scenario-2-copy-nothing":  {"@2", "enter", "down", "down", "down", "c"}, // a values.yaml step
		"tenants":                  {"2"},
		"tenants-filtered":         {"2", "/", "t", "-", "0", "1", "enter"},
		"jobs":                     {"3"},
		"log":                      {"3", "down", "enter"},
		"audit":                    {"4"},
		"audit-failing":            {"4", "o"},
		"audit-events":             {"4", "e"},
		"metrics":                  {"5"},
		"help":                     {"?"},
		"tenant-detail":            {"2", "enter"},
		"tenant-detail-from-audit": {"4", "enter"},
		"tenants-flagged":          {"2", "/", "o", "v", "e", "r", "-", "enter"},
		"jobs-filtered":            {"3", "/", "c", "l", "e", "a", "n", "enter"},
		"log-wrapped":              {"3", "down", "enter", "w"},
		"log-scrolled":             {"3", "down", "enter", "l", "l"},
		"jump":                     {":", "v", "a"},
		"timeline":                 {"6"},
		"timeline-filtered":        {"6", "/", "t", "-", "0", "3", "1", "enter"},
		"timeline-scenario":        {"6", "s", "s", "s", "s", "s", "o", "down"},
	}
	for _, size := range [][2]int{{60, 20}, {80, 24}, {120, 40}} {
		for name, ks := range views {
			t.Run(fmt.Sprintf("%s-%dx%d", name, size[0], size[1]), func(t *testing.T) {
				m := loaded(t, SnapshotLoader{Snapshot: snap}, demoOptions(snap), size[0], size[1])
				m = keys(m, ks...)
				out := ansi.Strip(m.View())
				lines := strings.Split(out, "\n")
				if len(lines) != size[1] {
					t.Errorf("view has %d lines, want %d", len(lines), size[1])
				}
				for i, l := range lines {
					if w := ansi.StringWidth(l); w > size[0] {
						t.Errorf("line %d is %d columns wide, more than %d: %q", i+1, w, size[0], l)
					}
				}
				golden.RequireEqual(t, []byte(out)) // testdata/TestModel_View_Golden/NAME-WxH.golden; -update writes it
			})
		}
	}
}

// countingLoader records loads and answers with a fixed snapshot.
type countingLoader struct {
	SnapshotLoader
	live  bool
	loads int
}

func (c *countingLoader) Live() bool { return c.live }
func (c *countingLoader) Load(ctx context.Context, src string, p func(collectors.Progress)) (collectors.Part, time.Time) {
	c.loads++
	return c.SnapshotLoader.Load(ctx, src, p)
}

func TestModel_Update(t *testing.T) {
	snap := demoSnapshot(t)

	t.Run("first frame before any answer", func(t *testing.T) {
		m := New(SnapshotLoader{Snapshot: snap}, demoOptions(snap))
		m = send(m, tea.WindowSizeMsg{Width: 100, Height: 30})
		m = send(m, tickMsg{gen: 0})
		out := ansi.Strip(m.View())
		if !strings.Contains(out, "loading") || !strings.Contains(out, "waiting for the sources") {
			t.Errorf("first frame should show loading sources and no verdict:\n%s", out)
		}
		if strings.Contains(out, "clear ") {
			t.Errorf("first frame must not call anything clear:\n%s", out)
		}
	})

	t.Run("a stale result is dropped", func(t *testing.T) {
		l := &countingLoader{SnapshotLoader: SnapshotLoader{Snapshot: snap}, live: true}
		o := demoOptions(snap)
		o.Mode = "live"
		m := loaded(t, l, o, 100, 30)
		gen := m.gen
		m = keys(m, "r") // a new load: gen+1, nothing answered yet
		if m.gen != gen+1 || m.inFlight != 4 {
			t.Fatalf("after r: gen %d inFlight %d, want %d and 4", m.gen, m.inFlight, gen+1)
		}
		old := collectors.Part{Status: collectors.Status{Source: collectors.SourceVault, State: collectors.StateError, Error: "stale"}}
		m = send(m, partMsg{gen: gen, part: old, at: time.Now()})
		if st := m.st.snap.Source(collectors.SourceVault); st.Error == "stale" || m.inFlight != 4 {
			t.Errorf("stale part applied: vault %+v, inFlight %d", st, m.inFlight)
		}
	})

	t.Run("refresh never stacks", func(t *testing.T) {
		l := &countingLoader{SnapshotLoader: SnapshotLoader{Snapshot: snap}, live: true}
		o := demoOptions(snap)
		o.Mode = "live"
		m := loaded(t, l, o, 100, 30)
		m = keys(m, "r")
		gen := m.gen
		m, cmd := func() (Model, tea.Cmd) {
			next, cmd := m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("r")})
			return next.(Model), cmd
		}()
		if m.gen != gen || cmd != nil || !strings.Contains(m.st.message, "another starts when it ends") {
			t.Errorf("second r while loading: gen %d (want %d), cmd %v, message %q", m.gen, gen, cmd, m.st.message)
		}
		m = send(m, tickMsg{gen: gen - 1})
		if m.gen != gen {
			t.Errorf("an old tick started a load")
		}
		// when the running load ends, the one r asked for starts, once
		for i, src := range []string{collectors.SourceKubernetes, collectors.SourceLogs, collectors.SourceVault, collectors.SourcePrometheus} {
			m = send(m, partMsg{gen: gen, part: collectors.Part{Status: collectors.Status{Source: src, State: collectors.StateOK}}, at: time.Now()})
			if want := gen + map[bool]int{true: 1}[i == 3]; m.gen != want {
				t.Fatalf("after %d of 4 answers: gen %d, want %d", i+1, m.gen, want)
			}
		}
		if m.inFlight != 4 || m.again {
			t.Errorf("the load r asked for: inFlight %d, again %v", m.inFlight, m.again)
		}
	})

	t.Run("replay does not refresh", func(t *testing.T) {
		m := loaded(t, SnapshotLoader{Snapshot: snap}, demoOptions(snap), 100, 30)
		gen := m.gen
		m = keys(m, "r")
		if m.gen != gen || !strings.Contains(m.st.message, "nothing to refresh") {
			t.Errorf("r in a replay: gen %d→%d, message %q", gen, m.gen, m.st.message)
		}
	})

	t.Run("a notice ages out when no load follows", func(t *testing.T) {
		m := loaded(t, SnapshotLoader{Snapshot: snap}, demoOptions(snap), 100, 30)
		m = keys(m, "r")
		first := m.msgSeq
		if m.st.message == "" || first == 0 {
			t.Fatalf("r in a replay: message %q, seq %d", m.st.message, first)
		}
		m = keys(m, "r") // the same line again: not a new one
		if m.msgSeq != first {
			t.Errorf("the same line numbered again: %d → %d", first, m.msgSeq)
		}
		m = send(m, noticeAgeMsg{seq: first - 1})
		if m.st.message == "" {
			t.Error("an older line's age ended the one shown")
		}
		m = send(m, noticeAgeMsg{seq: first})
		if m.st.message != "" {
			t.Errorf("after its age: %q", m.st.message)
		}
		if v := m.View(); strings.Contains(v, "nothing to refresh") {
			t.Errorf("the aged line is still drawn:\n%s", v)
		}
	})

	t.Run("unknown is shown as unknown, with the reason", func(t *testing.T) {
		s := *snap
		s.Sources = append([]collectors.Status(nil), snap.Sources...)
		for i := range s.Sources {
			switch s.Sources[i].Source {
			case collectors.SourceVault:
				s.Sources[i] = collectors.Status{Source: collectors.SourceVault, State: collectors.StateError, Error: "Vault at http://127.0.0.1:1 is sealed"}
			case collectors.SourcePrometheus:
				s.Sources[i] = collectors.Status{Source: collectors.SourcePrometheus, State: collectors.StateSkipped, Error: "Prometheus is not configured"}
			}
		}
		s.Vault, s.Prometheus = nil, nil // no alert can stand in for the Vault evidence
		// nor the orchestrator's "Version limit exceeded" warnings, which
		// alone make Scenario 4 suspected
		logs := *snap.Logs
		logs.Audit.Phrases = nil
		for _, p := range snap.Logs.Audit.Phrases {
			logs.Audit.Phrases = append(logs.Audit.Phrases, auditlog.PhraseCount{Phrase: p.Phrase})
		}
		s.Logs = &logs
		m := loaded(t, SnapshotLoader{Snapshot: &s}, demoOptions(&s), 120, 40)
		out := ansi.Strip(m.View())
		if !strings.Contains(out, "UNKNOWN") || !strings.Contains(out, "sealed") {
			t.Errorf("overview should show the Vault scenario unknown and why:\n%s", out)
		}
		m = keys(m, "2")
		if out := ansi.Strip(m.View()); !strings.Contains(out, "Unknown: tenants could not be read") || !strings.Contains(out, "sealed") {
			t.Errorf("tenants view:\n%s", out)
		}
	})

	t.Run("esc goes back, tab cycles", func(t *testing.T) {
		m := loaded(t, SnapshotLoader{Snapshot: snap}, demoOptions(snap), 100, 30)
		m = keys(m, "enter")
		if _, ok := focusedAs[scenarioView](m); !ok {
			t.Fatalf("enter: view %T", m.focused())
		}
		m = keys(m, "esc")
		if _, ok := focusedAs[overviewView](m); !ok {
			t.Fatalf("esc: view %T", m.focused())
		}
		m = keys(m, "tab", "tab")
		if _, ok := focusedAs[jobsView](m); !ok {
			t.Fatalf("tab tab: view %T", m.focused())
		}
	})

	t.Run("a filter takes every key", func(t *testing.T) {
		m := loaded(t, SnapshotLoader{Snapshot: snap}, demoOptions(snap), 100, 30)
		m = keys(m, "2", "/", "q", "1")
		if tv, ok := focusedAs[tenantsView](m); !ok || tv.filter.Value() != "q1" {
			t.Errorf("typing q and 1 in the filter: view %T, filter %q", m.focused(), tv.filter.Value())
		}
	})
}

func TestFindings_AllStatusesHaveAStyle(t *testing.T) {
	s := DefaultStyles(false)
	for _, st := range []runbook.Status{runbook.StatusActive, runbook.StatusSuspected, runbook.StatusClear, runbook.StatusUnknown} {
		if statusLabel[st] == "" || s.ForStatus(st).Render("x") == "" {
			t.Errorf("status %s has no label or style", st)
		}
	}
}

// TestOverview_StartHere: the hint names the worst severity, among equals
// the scenario another waits on, and then the one that waits on: in the
// demo the role refuses the orchestrator's login (Assessment.LoginRisk), so
// every fix that starts pods waits on Scenario 2; the waits are said on the
// overview, and its row is the first.
func TestOverview_StartHere(t *testing.T) {
	snap := demoSnapshot(t)
	m := loaded(t, SnapshotLoader{Snapshot: snap}, demoOptions(snap), 160, 40)
	if m.st.assess.LoginRisk == "" {
		t.Fatal("the demo's role refuses the orchestrator's login, and the assessment does not say so")
	}
	f, ok := startHere(m.st.assess)
	if !ok || f.ID != runbook.ScenarioVaultTokenExpired {
		t.Fatalf("start here: %q (%v), want %s: Scenarios 3, 5 and 6 wait on its role", f.ID, ok, runbook.ScenarioVaultTokenExpired)
	}
	out := ansi.Strip(m.View())
	for _, want := range []string{
		"Start here: 2 Vault token expired (critical; 1, 3, 5, 6 wait on it)",
		"ACTIVE    critical waits on 6 (audit trail)",
		"ACTIVE    critical waits on 2 (its role)",
		"ACTIVE    critical role first, then restart",
		"ACTIVE    warning  ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("overview lacks %q:\n%s", want, out)
		}
	}
	if rows, _ := overviewRows(m); len(rows) == 0 || rows[0] != f.Number {
		t.Errorf("rows %v: the first is not Scenario %d, the one to start with", rows, f.Number)
	}

	t.Run("with the role right, Scenario 6 first: 1 waits on it", func(t *testing.T) {
		a := m.st.assess
		a.LoginRisk = ""
		if f, _ := startHere(a); f.ID != runbook.ScenarioAuditMissing {
			t.Errorf("start here %s, want %s", f.ID, runbook.ScenarioAuditMissing)
		}
	})
	t.Run("Scenario 1 waiting on 6 leads to 2 when 6 waits on it", func(t *testing.T) {
		a := m.st.assess
		a.Findings = append([]runbook.Finding(nil), a.Findings...)
		for i := range a.Findings {
			if a.Findings[i].ID != runbook.ScenarioRotationJobFailing && a.Findings[i].ID != runbook.ScenarioAuditMissing && a.Findings[i].ID != runbook.ScenarioVaultTokenExpired {
				a.Findings[i].Status, a.Findings[i].Severity = runbook.StatusClear, runbook.SeverityNone
			}
			if a.Findings[i].ID == runbook.ScenarioVaultTokenExpired {
				a.Findings[i].Status, a.Findings[i].Severity = runbook.StatusSuspected, runbook.SeverityWarning
			}
		}
		if f, _ := startHere(a); f.ID != runbook.ScenarioVaultTokenExpired {
			t.Errorf("start here %s, want %s: 1 waits on 6, 6 on 2, though 2 is only suspected", f.ID, runbook.ScenarioVaultTokenExpired)
		}
	})
	t.Run("no wait when Scenario 6 is clear", func(t *testing.T) {
		a := m.st.assess
		a.LoginRisk = ""
		a.Findings = append([]runbook.Finding(nil), a.Findings...)
		for i := range a.Findings {
			if a.Findings[i].ID == runbook.ScenarioAuditMissing {
				a.Findings[i].Status, a.Findings[i].Severity = runbook.StatusClear, runbook.SeverityNone
			}
		}
		if f1, _ := a.Finding(runbook.ScenarioRotationJobFailing); true {
			if id, _ := waitsOn(a, f1); id != "" {
				t.Errorf("Scenario 1 waits on %s with Scenario 6 clear", id)
			}
		}
		if f, _ := startHere(a); f.ID != runbook.ScenarioRotationJobFailing {
			t.Errorf("start here %s, want the first critical in runbook order", f.ID)
		}
	})
}

// TestScenario2_RoleBeforeRenewAndRestart: when the role is the cause, its
// fix is listed before renew and restart.
func TestScenario2_RoleBeforeRenewAndRestart(t *testing.T) {
	sc, _ := runbook.MustDefault().Scenario(runbook.ScenarioVaultTokenExpired)
	pos := map[string]int{}
	for i, s := range sc.Steps {
		if s.Action != "" {
			pos[s.Action] = i
		}
	}
	if pos[runbook.ActionFixRole] > pos[runbook.ActionRenewToken] || pos[runbook.ActionFixRole] > pos[runbook.ActionRestartOrchestrator] {
		t.Errorf("steps %v: fix-role must come before renew-token and restart-orchestrator", pos)
	}
}

// TestModel_Footer_Wraps: at 60 columns every key of the footer is on the
// screen, on a second line if need be, and the body gives way.
func TestModel_Footer_Wraps(t *testing.T) {
	snap := demoSnapshot(t)
	m := loaded(t, SnapshotLoader{Snapshot: snap}, demoOptions(snap), 60, 20)
	m = keys(m, "enter")
	out := ansi.Strip(m.View())
	for _, want := range []string{"a run the step's action", "? help", "q quit"} {
		if !strings.Contains(out, want) {
			t.Errorf("footer lacks %q:\n%s", want, out)
		}
	}
	if n := len(strings.Split(out, "\n")); n != 20 {
		t.Errorf("%d lines, want 20", n)
	}
}

// TestModel_Settled: Settled holds only once a whole load is merged and its
// judgement shown: not before the first load, not while a source or the
// judgement of the last part is still to come.
func TestModel_Settled(t *testing.T) {
	snap := demoSnapshot(t)
	l := SnapshotLoader{Snapshot: snap}
	m := New(l, demoOptions(snap))
	m = send(m, tea.WindowSizeMsg{Width: 120, Height: 40})
	if m.Settled() {
		t.Fatal("settled before any load")
	}
	m = send(m, tickMsg{gen: 0})
	srcs := l.Sources()
	for i, src := range srcs {
		if m.Settled() {
			t.Fatalf("settled with %d of %d sources merged", i, len(srcs))
		}
		part, at := l.Load(context.Background(), src, nil)
		if i < len(srcs)-1 {
			m = send(m, partMsg{gen: m.gen, part: part, at: at})
			continue
		}
		// the last part merged, its judgement not yet shown
		next, _ := m.Update(partMsg{gen: m.gen, part: part, at: at})
		m = next.(Model)
		if m.judging == nil {
			t.Fatal("the last part started no judgement")
		}
		if m.Settled() {
			t.Fatal("settled while the last part's judgement runs")
		}
		next, _ = m.Update(judgedMsg{j: m.judging.run()})
		m = next.(Model)
	}
	for m.judging != nil { // parts merged while it ran, judged together
		next, _ := m.Update(judgedMsg{j: m.judging.run()})
		m = next.(Model)
	}
	if !m.Settled() {
		t.Fatalf("not settled after the whole load was judged (in flight %d, loading %v)", m.inFlight, m.st.loading)
	}
}

// TestAuditView_UnmatchedSelectors: when the security or orchestrator
// label matched no pod, the audit view says so where it would otherwise
// show "0 events" and "0 ok, 0 errors", and the overview carries the
// condition.
func TestAuditView_UnmatchedSelectors(t *testing.T) {
	snap := demoSnapshot(t)
	snap.Logs.Pods = []collectors.LogSource{}
	snap.Logs.Audit = auditlog.Summary{}
	snap.Logs.Selectors = []collectors.LogSelector{
		{Role: collectors.LogRoleSecurity, Selector: "app=sec-typo", Pods: []string{}},
		{Role: collectors.LogRoleOrchestrator, Selector: "app=orch-typo", Pods: []string{}},
	}
	m := loaded(t, SnapshotLoader{Snapshot: snap}, demoOptions(snap), 160, 40)
	if out := ansi.Strip(m.View()); !strings.Contains(out, "INFO no pod matches -l app=sec-typo") {
		t.Errorf("overview lacks the condition:\n%s", out)
	}
	out := ansi.Strip(keys(m, "4").View())
	for _, want := range []string{"no pod matches -l app=sec-typo: no audit log was read", "VaultTokenRenewal: no pod matches -l app=orch-typo: not read"} {
		if !strings.Contains(out, want) {
			t.Errorf("audit view lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "0 ok, 0 errors") {
		t.Errorf("audit view counts renewals it never read:\n%s", out)
	}
}

// TestTenantDetail_KeySettings: the tenant view says the key's
// delete_version_after and the mount's settings when the snapshot
// recorded them, and the mount's as unknown, with why, when it could not
// be read.
func TestTenantDetail_KeySettings(t *testing.T) {
	for name, tc := range map[string]struct {
		mountErr string
		want     string
	}{
		"mount read":   {"", "delete_version_after 1h00m · the mount's settings: max_versions 2, delete_version_after unset"},
		"mount unread": {"read secret/config: permission denied (403)", "the mount's settings: unknown (read secret/config: permission denied (403))"},
	} {
		t.Run(name, func(t *testing.T) {
			snap := demoSnapshot(t)
			hour, zero, two := collectors.Duration(time.Hour), collectors.Duration(0), 2
			for i := range snap.Vault.Tenants {
				tn := &snap.Vault.Tenants[i]
				tn.DeleteVersionAfter, tn.MountConfigError = &hour, tc.mountErr
				tn.MountMaxVersions, tn.MountDeleteVersionAfter = nil, nil
				if tc.mountErr == "" {
					tn.MountMaxVersions, tn.MountDeleteVersionAfter = &two, &zero
				}
			}
			at := snap.CollectedAt.Add(51 * time.Minute) // a deletion time to come
			for i := range snap.Vault.Tenants {
				snap.Vault.Tenants[i].CurrentDeletionTime = &at
			}
			m := keys(loaded(t, SnapshotLoader{Snapshot: snap}, demoOptions(snap), 160, 60), "2", "enter")
			if out := strings.Join(strings.Fields(ansi.Strip(m.View())), " "); !strings.Contains(out, tc.want) || !strings.Contains(out, "(in 51m") {
				t.Errorf("tenant view lacks %q:\n%s", tc.want, ansi.Strip(m.View()))
			}
		})
	}
}
