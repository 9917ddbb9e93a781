package ui

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/runbook"
)

func demoAt(t *testing.T, w, h int) Model {
	t.Helper()
	snap := demoSnapshot(t)
	return loaded(t, SnapshotLoader{Snapshot: snap}, demoOptions(snap), w, h)
}

func ctrl(k tea.KeyType) tea.KeyMsg { return tea.KeyMsg{Type: k} }

func wheel(b tea.MouseButton) tea.MouseMsg {
	return tea.MouseMsg{Button: b, Action: tea.MouseActionPress}
}

// TestLogView_LongLine: the end of a long log line is read by scrolling
// right (→, l), and whole with w (wrap); ← comes back.
func TestLogView_LongLine(t *testing.T) {
	const tail = "Code: 403. Errors: * permission denied"
	m := keys(demoAt(t, 80, 24), "3", "down", "enter") // the timed-out rotation run
	lv, ok := focusedAs[logView](m)
	if !ok {
		t.Fatalf("focused %T, want the log", m.focused())
	}
	long := ""
	for _, l := range lv.lines() {
		if strings.HasSuffix(l, tail) {
			long = l
		}
	}
	if long == "" || ansi.StringWidth(long) < 160 {
		t.Fatalf("the demo has no long line ending in %q", tail)
	}
	m = keys(typeText(keys(m, "/"), "403"), "enter") // the line on screen: its start
	if out := ansi.Strip(m.View()); !strings.Contains(out, "ERROR Failed to rotate key for tenant t-017") || strings.Contains(out, tail) {
		t.Fatalf("the end is on the screen before scrolling: the test would prove nothing:\n%s", out)
	}
	for range 5 {
		m = keys(m, "l")
	}
	if out := ansi.Strip(m.View()); !strings.Contains(out, tail) || !strings.Contains(out, "from column") {
		t.Errorf("l did not bring the end of the line into view:\n%s", out)
	}
	if got, want := mustLog(t, m).col, mustLog(t, m).widest-(80-3); got != want {
		t.Errorf("scrolled to column %d, want %d: no further than the widest line's end", got, want)
	}
	m = send(m, ctrl(tea.KeyLeft))
	if c := mustLog(t, m).col; c == 0 || c >= mustLog(t, m).widest-(80-3) {
		t.Errorf("← moved to column %d", c)
	}
	for range 5 {
		m = keys(m, "h")
	}
	if c := mustLog(t, m).col; c != 0 {
		t.Errorf("h did not come back to the first column: %d", c)
	}
	m = keys(m, "w")
	out := ansi.Strip(m.View())
	if !strings.Contains(out, "wrapped") || !strings.Contains(strings.Join(strings.Fields(out), " "), "Error making API request. URL: PUT secret/data/tenants/t-017/cmek "+tail) {
		t.Errorf("w did not show the whole line:\n%s", out)
	}
	for _, l := range strings.Split(out, "\n") {
		if ansi.StringWidth(l) > 80 {
			t.Errorf("line wider than 80: %q", l)
		}
	}
}

func mustLog(t *testing.T, m Model) logView {
	t.Helper()
	v, ok := focusedAs[logView](m)
	if !ok {
		t.Fatalf("focused %T, want the log", m.focused())
	}
	return v
}

// TestJobsView_ManualJobsAligned: manual Jobs' longer names keep every
// column under its heading; / filters the Jobs and enter opens the one
// selected among those kept.
func TestJobsView_ManualJobsAligned(t *testing.T) {
	snap := demoSnapshot(t)
	k := *snap.Kubernetes
	at := snap.CollectedAt.Add(-time.Hour)
	k.Jobs = append([]collectors.Job{
		{Name: "emergency-rotate-t-017-29927712", CronJob: "cmek-rotation", Role: "rotation", Manual: true, Outcome: collectors.OutcomeSucceeded, Reason: "CompletionsReached", Created: at},
		{Name: "manual-cleanup-29927713", CronJob: "secret-cleanup", Role: "cleanup", Manual: true, Outcome: collectors.OutcomeFailed, Reason: "BackoffLimitExceeded", Created: at},
	}, k.Jobs...)
	snap.Kubernetes = &k
	for _, w := range []int{80, 120} {
		t.Run(fmt.Sprint(w), func(t *testing.T) {
			m := keys(loaded(t, SnapshotLoader{Snapshot: snap}, demoOptions(snap), w, 40), "3")
			out := ansi.Strip(m.View())
			lines := strings.Split(out, "\n")
			col := -1
			for i, l := range lines {
				if strings.Contains(l, "JOB") && strings.Contains(l, "OUTCOME") {
					col = strings.Index(l, "OUTCOME")
					for _, r := range lines[i+1 : i+1+len(k.Jobs)] {
						r = strings.TrimPrefix(strings.TrimPrefix(r, "▸ "), "  ")
						runes := []rune("  " + r)
						if len(runes) <= col || !strings.Contains("sf", string(runes[col])) {
							t.Errorf("row %q: OUTCOME is not at column %d", r, col)
						}
					}
				}
			}
			if col < 0 {
				t.Fatalf("no heading:\n%s", out)
			}
			if w == 120 && !strings.Contains(out, "emergency-rotate-t-017-29927712 (manual)") {
				t.Errorf("at 120 columns the manual Job's whole name fits:\n%s", out)
			}
		})
	}

	t.Run("filter", func(t *testing.T) {
		m := keys(loaded(t, SnapshotLoader{Snapshot: snap}, demoOptions(snap), 120, 40), "3", "/")
		m = typeText(m, "manual")
		m = keys(m, "enter")
		jv, _ := focusedAs[jobsView](m)
		if len(jv.shown) != 2 || jv.Typing() {
			t.Fatalf("filter manual kept %d Jobs (typing %v), want 2", len(jv.shown), jv.Typing())
		}
		m = keys(m, "down", "enter")
		if lv, ok := focusedAs[logView](m); !ok || lv.job.Name != "manual-cleanup-29927713" {
			t.Errorf("enter on the second Job kept opened %T %q", m.focused(), lv.job.Name)
		}
		m = keys(m, "esc", "esc") // back to the jobs, then the filter goes
		if jv, _ := focusedAs[jobsView](m); len(jv.shown) != len(k.Jobs) {
			t.Errorf("esc on the filtered jobs kept %d of %d", len(jv.shown), len(k.Jobs))
		}
	})
}

// TestTenantsView_FilterMatchesFlags: /over-retention keeps the tenants
// flagged OVER-RETENTION, whatever their id.
func TestTenantsView_FilterMatchesFlags(t *testing.T) {
	m := keys(demoAt(t, 120, 40), "2", "/")
	m = typeText(m, "over-retention")
	m = keys(m, "enter")
	tv, _ := focusedAs[tenantsView](m)
	if len(tv.shown) == 0 {
		t.Fatal("no tenant kept")
	}
	for i := range tv.shown {
		if r := tv.row(i); !r.over {
			t.Errorf("tenant %s kept without the flag", r.t.ID)
		}
	}
	want := int(0)
	for _, tn := range m.st.snap.Vault.Tenants {
		if tn.LiveVersions > m.st.snap.Config.Vault.RetentionVersions {
			want++
		}
	}
	if len(tv.shown) != want {
		t.Errorf("%d rows, want the %d tenants over retention", len(tv.shown), want)
	}
}

// TestTenantDetail: enter on a tenant opens what the snapshot holds of it;
// esc goes back to the list as it was, then one level at a time.
func TestTenantDetail(t *testing.T) {
	m := keys(demoAt(t, 120, 40), "2", "/")
	m = typeText(m, "t-017")
	m = keys(m, "enter", "enter")
	d, ok := focusedAs[tenantDetail](m)
	if !ok || d.id != "t-017" {
		t.Fatalf("focused %T %q, want the detail of t-017", m.focused(), d.id)
	}
	out := ansi.Strip(m.View())
	for _, want := range []string{"Tenant t-017", "Key versions", "current  v", "created 20", "Audit events", "Failures in Job logs", "Failed to rotate key for tenant t-017"} {
		if !strings.Contains(out, want) {
			t.Errorf("the detail lacks %q:\n%s", want, out)
		}
	}
	m = keys(m, "esc")
	if tv, ok := focusedAs[tenantsView](m); !ok || tv.filter.Value() != "t-017" {
		t.Fatalf("esc: %T filter %q, want the tenants still filtered", m.focused(), tv.filter.Value())
	}
	m = keys(m, "esc")
	if tv, ok := focusedAs[tenantsView](m); !ok || tv.filter.Value() != "" {
		t.Fatalf("second esc: %T filter %q, want the filter gone", m.focused(), tv.filter.Value())
	}
	m = keys(m, "esc")
	if _, ok := focusedAs[overviewView](m); !ok {
		t.Errorf("third esc: %T, want the overview", m.focused())
	}
}

// TestTenantDetail_Back: the detail's header names the view esc returns
// to, whichever opened it, and esc returns there.
func TestTenantDetail_Back(t *testing.T) {
	tests := map[string]struct {
		keys []string
		back string // as the header says it
		view string // the view esc returns to
	}{
		"from the tenants":              {keys: []string{"2", "enter"}, back: "the tenants", view: "ui.tenantsView"},
		"from the audit log":            {keys: []string{"4", "enter"}, back: "the audit log", view: "ui.auditView"},
		"from the audit's event stream": {keys: []string{"4", "e", "down", "enter"}, back: "the audit log", view: "ui.auditView"},
	}
	for name, tt := range tests {
		for _, size := range [][2]int{{60, 20}, {80, 24}} {
			t.Run(fmt.Sprintf("%s-%dx%d", name, size[0], size[1]), func(t *testing.T) {
				m := keys(demoAt(t, size[0], size[1]), tt.keys...)
				d, ok := focusedAs[tenantDetail](m)
				if !ok || d.id == "" {
					t.Fatalf("focused %T, want a tenant's detail", m.focused())
				}
				out := ansi.Strip(m.View())
				if want := "esc: back to " + tt.back; !strings.Contains(out, want) {
					t.Errorf("the header does not say %q:\n%s", want, out)
				}
				for _, other := range []string{"the tenants", "the audit log"} {
					if other != tt.back && strings.Contains(out, "esc: back to "+other) {
						t.Errorf("opened %s, the header says back to %s", name, other)
					}
				}
				m = keys(m, "esc")
				if got := fmt.Sprintf("%T", m.focused()); got != tt.view {
					t.Errorf("esc: %s, want %s", got, tt.view)
				}
			})
		}
	}
}

// TestModel_Jump: ":" jumps to a view or a scenario by the start of its
// name, tab completes, esc cancels, and a name that matches nothing says so.
func TestModel_Jump(t *testing.T) {
	tests := map[string]struct {
		typed    string
		tab      bool // press tab before enter
		view     string
		scenario string
	}{
		"a view":               {typed: "aud", view: "ui.auditView"},
		"a scenario by a word": {typed: "token", view: "ui.scenarioView", scenario: runbook.ScenarioVaultTokenExpired},
		"a scenario's start":   {typed: "batch", view: "ui.scenarioView", scenario: runbook.ScenarioBatchTimeout},
		"a scenario's number":  {typed: "s6", view: "ui.scenarioView", scenario: runbook.ScenarioAuditMissing},
		// "fail" names 1, 3 and 6: 6 is the overview's first row (Start here)
		"the overview's first of several": {typed: "fail", view: "ui.scenarioView", scenario: runbook.ScenarioAuditMissing},
		"tab completes":                   {typed: "ten", tab: true, view: "ui.tenantsView"},
		"case does not matter":            {typed: "METRICS", view: "ui.metricsView"},
		"from a scenario, away":           {typed: "jobs", view: "ui.jobsView"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			m := keys(demoAt(t, 80, 24), "enter", ":")
			if !m.jump.open || !m.textFocus() {
				t.Fatalf(": did not open the prompt")
			}
			m = typeText(m, tc.typed)
			if tc.tab {
				m = send(m, ctrl(tea.KeyTab))
				if v := m.jump.input.Value(); v != "tenants" {
					t.Errorf("tab completed %q to %q", tc.typed, v)
				}
			}
			m = keys(m, "enter")
			if got := fmt.Sprintf("%T", m.focused()); got != tc.view || m.jump.open {
				t.Fatalf("jumped to %s (prompt open %v), want %s", got, m.jump.open, tc.view)
			}
			if tc.scenario != "" {
				if id := scenarioOf(m).id; id != tc.scenario {
					t.Errorf("scenario %s, want %s", id, tc.scenario)
				}
				if m = keys(m, "esc"); fmt.Sprintf("%T", m.focused()) != "ui.overviewView" {
					t.Errorf("esc from the scenario jumped to: %T", m.focused())
				}
			}
		})
	}
	t.Run("esc cancels", func(t *testing.T) {
		m := keys(demoAt(t, 80, 24), "2", ":")
		m = typeText(m, "jobs")
		m = keys(m, "esc")
		if _, ok := focusedAs[tenantsView](m); !ok || m.jump.open {
			t.Errorf("after esc: %T, prompt open %v", m.focused(), m.jump.open)
		}
	})
	t.Run("no match", func(t *testing.T) {
		m := keys(demoAt(t, 80, 24), ":")
		m = typeText(m, "nothing-like-it")
		if out := ansi.Strip(m.View()); !strings.Contains(out, "no match") {
			t.Errorf("the prompt does not say nothing matches:\n%s", out)
		}
		m = keys(m, "enter")
		if !strings.Contains(m.st.message, `no view or scenario is called "nothing-like-it"`) {
			t.Errorf("message %q", m.st.message)
		}
	})
	t.Run("q is text in the prompt", func(t *testing.T) {
		m := keys(demoAt(t, 80, 24), ":", "q")
		if !m.jump.open || m.jump.input.Value() != "q" {
			t.Errorf("q in the prompt: open %v value %q", m.jump.open, m.jump.input.Value())
		}
	})
}

// TestModel_HalfPagesAndWheel: ctrl+d / ctrl+u move half a page and the
// mouse wheel a row, in the lists, the log and the scenario.
func TestModel_HalfPagesAndWheel(t *testing.T) {
	t.Run("tenants", func(t *testing.T) {
		m := keys(demoAt(t, 80, 24), "2")
		page := m.bodyHeight() - 4
		m = send(m, ctrl(tea.KeyCtrlD))
		if c := tabView[tenantsView](t, m).cursor; c != page/2 {
			t.Errorf("ctrl+d: cursor %d, want %d", c, page/2)
		}
		m = send(m, ctrl(tea.KeyPgDown))
		if c := tabView[tenantsView](t, m).cursor; c != page/2+page {
			t.Errorf("pgdn: cursor %d, want %d", c, page/2+page)
		}
		m = send(m, ctrl(tea.KeyCtrlU))
		m = send(m, wheel(tea.MouseButtonWheelDown))
		if c := tabView[tenantsView](t, m).cursor; c != page+1 {
			t.Errorf("ctrl+u then a wheel notch down: cursor %d, want %d", c, page+1)
		}
		m = send(m, wheel(tea.MouseButtonWheelUp))
		m = send(m, wheel(tea.MouseButtonWheelUp))
		if c := tabView[tenantsView](t, m).cursor; c != page-1 {
			t.Errorf("two notches up: cursor %d, want %d", c, page-1)
		}
	})
	t.Run("overview", func(t *testing.T) {
		// the cursor starts on "Start here", the first row
		m := send(demoAt(t, 80, 24), wheel(tea.MouseButtonWheelDown))
		if c := tabView[overviewView](t, m).cursor; c != 1 {
			t.Errorf("wheel down: cursor %d, want 1", c)
		}
		m = send(m, wheel(tea.MouseButtonWheelUp))
		if c := tabView[overviewView](t, m).cursor; c != 0 {
			t.Errorf("a wheel notch up: cursor %d, want 0", c)
		}
	})
	t.Run("overview taller than the window", func(t *testing.T) {
		// ctrl+d / ctrl+u scroll the page half a screen; the cursor stays
		m := demoAt(t, 60, 20)
		m = send(m, ctrl(tea.KeyCtrlD))
		ov := tabView[overviewView](t, m)
		if half := max(1, (m.bodyHeight()-1)/2); ov.offset != half || ov.cursor != 0 {
			t.Errorf("ctrl+d: offset %d cursor %d, want offset %d cursor 0", ov.offset, ov.cursor, half)
		}
		m = send(m, ctrl(tea.KeyCtrlU))
		if o := tabView[overviewView](t, m).offset; o != 0 {
			t.Errorf("ctrl+u: offset %d, want 0", o)
		}
	})
	t.Run("log", func(t *testing.T) {
		m := keys(demoAt(t, 80, 24), "3", "down", "enter")
		m = send(m, ctrl(tea.KeyCtrlD))
		half := max(1, (m.bodyHeight()-3)/2)
		if o := mustLog(t, m).offset; o != half {
			t.Errorf("ctrl+d: offset %d, want %d", o, half)
		}
		m = send(m, wheel(tea.MouseButtonWheelUp))
		if o := mustLog(t, m).offset; o != half-1 {
			t.Errorf("wheel up: offset %d, want %d", o, half-1)
		}
	})
	t.Run("scenario", func(t *testing.T) {
		m := keys(demoAt(t, 80, 24), "enter")
		m = send(m, ctrl(tea.KeyCtrlD))
		if o := scenarioOf(m).offset; o == 0 {
			t.Error("ctrl+d did not scroll the walkthrough")
		}
		m = send(m, ctrl(tea.KeyCtrlU))
		if o := scenarioOf(m).offset; o != 0 {
			t.Errorf("ctrl+u: offset %d, want 0", o)
		}
	})
	t.Run("a filter being typed takes no wheel", func(t *testing.T) {
		m := keys(demoAt(t, 80, 24), "2", "/")
		m = send(m, wheel(tea.MouseButtonWheelDown))
		if c := tabView[tenantsView](t, m).cursor; c != 0 {
			t.Errorf("cursor %d", c)
		}
	})
}

// TestModel_EscBackOneLevel: esc undoes one level at a time, everywhere.
func TestModel_EscBackOneLevel(t *testing.T) {
	m := keys(demoAt(t, 120, 40), "3", "down", "enter", "/")
	m = typeText(m, "Failed")
	m = keys(m, "enter")
	if lv := mustLog(t, m); len(lv.hits) == 0 {
		t.Fatal("no match for Failed")
	}
	steps := []struct{ want, what string }{
		{"ui.logView", "the search goes, the log stays"},
		{"ui.jobsView", "the log closes"},
		{"ui.overviewView", "the tab goes back to the first"},
		{"ui.overviewView", "nothing above the overview"},
	}
	for _, s := range steps {
		m = keys(m, "esc")
		if got := fmt.Sprintf("%T", m.focused()); got != s.want {
			t.Fatalf("esc (%s): %s, want %s", s.what, got, s.want)
		}
		if lv, ok := focusedAs[logView](m); ok && lv.search.Value() != "" {
			t.Errorf("esc kept the search %q", lv.search.Value())
		}
	}
	m = keys(m, "?", "esc")
	if m.showHelp {
		t.Error("esc did not close the help")
	}
}

// TestTenantDetail_Metrics: the detail reads the tenant's own counter
// series when it opens (not with the load), and shows each counter's
// growth over 24 h from them; a snapshot that holds the counters summed
// says the tenant's series are unknown there, never a growth of 0; an
// answer to an older read is not taken.
func TestTenantDetail_Metrics(t *testing.T) {
	snap := demoSnapshot(t)
	// the tenant's own series, as the capture read them for its detail
	td, ok := snap.Prometheus.TenantDetails["t-017"]
	if !ok {
		t.Fatal("the demo holds no detail of t-017")
	}
	var want float64
	for i := range td.Metrics {
		if td.Metrics[i].Role == "rotations" {
			want, _ = runbook.CounterGrowth(&td.Metrics[i])
		}
	}
	m := keys(demoAt(t, 120, 40), "2", "/")
	m = typeText(m, "t-017")
	m = keys(m, "enter", "enter")
	d, _ := focusedAs[tenantDetail](m)
	if d.metrics == nil || d.metricsRead == 0 {
		t.Fatalf("the detail read no series of its tenant (read %d)", d.metricsRead)
	}
	out := ansi.Strip(m.View())
	if line := fmt.Sprintf("cmek_rotation_total +%g in 24h", want); !strings.Contains(out, line) {
		t.Errorf("the detail lacks %q:\n%s", line, out)
	}
	// an older read's answer is dropped
	next, _ := m.Update(tenantMetricsMsg{tenant: "t-017", read: d.metricsRead - 1, ok: true, detail: collectors.TenantDetail{Tenant: "t-017", Error: "old answer"}})
	if out := ansi.Strip(next.(Model).View()); strings.Contains(out, "old answer") {
		t.Errorf("an older read's answer was shown:\n%s", out)
	}

	// the same snapshot with the counters summed, as collections now read them
	summed := *snap
	p := *snap.Prometheus
	p.Metrics = append([]collectors.Metric(nil), p.Metrics...)
	for i := range p.Metrics {
		if r := p.Metrics[i].Role; r == "rotations" || r == "rotationsFailed" {
			p.Metrics[i].SummedOver = []string{"tenant", "tenant_id", "tenantId"}
		}
	}
	p.TenantDetails = nil // as `snapshot` writes it
	summed.Prometheus = &p
	m = keys(loaded(t, SnapshotLoader{Snapshot: &summed}, demoOptions(&summed), 120, 40), "2", "/")
	m = typeText(m, "t-017")
	m = keys(m, "enter", "enter")
	out = ansi.Strip(m.View())
	if !strings.Contains(out, "cmek_rotation_total unknown: this snapshot holds cmek_rotation_total summed") || strings.Contains(out, "cmek_rotation_total +") {
		t.Errorf("a summed snapshot's detail does not say the tenant's series are unknown:\n%s", out)
	}
}

// TestTenantDetail_MetricsOneReadAtATime: a load that ends while the
// tenant's series are being read starts no second read (under a slow
// Prometheus every load would start one and drop the one before, and the
// detail would say "reading…" for ever); the answer is shown, and the
// read is made again after it.
func TestTenantDetail_MetricsOneReadAtATime(t *testing.T) {
	m := demoAt(t, 120, 40)
	c := m.viewCtx()
	v := tenantDetail{id: "t-017", keys: tenantDetailKeys{listKeys: defaultListKeys()}}
	first := v.readMetrics(c)
	if first == nil {
		t.Fatal("no read started")
	}
	// a judgement with the same Prometheus data (another source's part, a
	// resize) reads nothing again
	nv, same := v.Update(dataMsg{}, c)
	if v = nv.(tenantDetail); same != nil || v.metricsAgain {
		t.Fatalf("a judgement without new Prometheus data asked for another read (%v, again %v)", same != nil, v.metricsAgain)
	}
	newProm(c.state)
	nv, again := v.Update(dataMsg{}, c)
	v = nv.(tenantDetail)
	if again != nil || !v.metricsAgain {
		t.Fatalf("a load during the read started another (%v) or was forgotten (again %v)", again != nil, v.metricsAgain)
	}
	nv, next := v.Update(first(), c)
	v = nv.(tenantDetail)
	if v.metrics == nil || v.metrics.Tenant != "t-017" {
		t.Fatalf("the answer of the running read was not shown: %+v", v.metrics)
	}
	if next == nil {
		t.Fatal("the load that ended during the read was not read again after it")
	}
	if msg, ok := next().(tenantMetricsMsg); !ok || msg.read != v.metricsRead {
		t.Errorf("the read made again answers %+v, want read %d", msg, v.metricsRead)
	}
}

// newProm gives the judgement shown a Prometheus part of its own, as a
// load that read Prometheus again does.
func newProm(st *state) {
	j := *st.judged
	sn := *j.snap
	p := *sn.Prometheus
	sn.Prometheus = &p
	j.snap = &sn
	st.judged = &j
}

// freshLoader is a SnapshotLoader whose every load of Prometheus is a new
// part, as a live read is.
type freshLoader struct{ SnapshotLoader }

func (l freshLoader) Load(ctx context.Context, source string, progress func(collectors.Progress)) (collectors.Part, time.Time) {
	p, at := l.SnapshotLoader.Load(ctx, source, progress)
	if p.Prometheus != nil {
		cp := *p.Prometheus
		p.Prometheus = &cp
	}
	return p, at
}

// noDetailLoader reads no tenant's series (ok false), as a collector with
// no source that does.
type noDetailLoader struct{ SnapshotLoader }

func (noDetailLoader) TenantDetail(context.Context, string) (collectors.TenantDetail, bool) {
	return collectors.TenantDetail{}, false
}

// TestTenantDetail_NoSourceReadsIt: a loader with no source for a
// tenant's series gets an unknown with why, not "reading…" for ever.
func TestTenantDetail_NoSourceReadsIt(t *testing.T) {
	snap := demoSnapshot(t)
	m := keys(loaded(t, noDetailLoader{SnapshotLoader{Snapshot: snap}}, demoOptions(snap), 120, 40), "2", "enter")
	out := ansi.Strip(m.View())
	if !strings.Contains(out, "unknown: no source here reads a tenant's own series") || strings.Contains(out, "reading…") {
		t.Errorf("the detail does not say its series cannot be read:\n%s", out)
	}
}

// TestTenantDetail_MetricsReadAfterALoad: the read a load starts in the
// open detail is a Cmd the model returns (the views' answers to a load
// were dropped once: the detail then waited for a read never started).
func TestTenantDetail_MetricsReadAfterALoad(t *testing.T) {
	snap := demoSnapshot(t)
	o := demoOptions(snap)
	l := freshLoader{SnapshotLoader{Snapshot: snap}}
	m := keys(loaded(t, l, o, 120, 40), "2", "enter")
	before, ok := focusedAs[tenantDetail](m)
	if !ok || before.metricsRead == 0 || before.metricsRead != before.metricsAnswered {
		t.Fatalf("the detail did not read its series when it opened")
	}
	m = update(m, keyMsg("r"))
	var cmds []tea.Cmd
	for _, src := range l.Sources() {
		p, at := l.Load(context.Background(), src, nil)
		m = update(m, partMsg{gen: m.gen, part: p, at: at})
	}
	for m.judging != nil {
		next, cmd := m.Update(judgedMsg{j: m.judging.run()})
		m = next.(Model)
		cmds = append(cmds, cmd)
	}
	after, _ := focusedAs[tenantDetail](m)
	if after.metricsRead == before.metricsRead {
		t.Fatal("the load started no read of the tenant's series")
	}
	found := false
	for _, msg := range runCmds(t, cmds...) {
		if r, ok := msg.(tenantMetricsMsg); ok && r.read == after.metricsRead {
			found = true
		}
	}
	if !found {
		t.Errorf("the read %d the load started is in no Cmd the model returned", after.metricsRead)
	}
}

// runCmds runs the Cmds, batches unpacked, and returns their messages; a
// Cmd that does not answer within a second (a tick) is left.
func runCmds(t *testing.T, cmds ...tea.Cmd) []tea.Msg {
	t.Helper()
	var out []tea.Msg
	for len(cmds) > 0 {
		cmd := cmds[0]
		cmds = cmds[1:]
		if cmd == nil {
			continue
		}
		ch := make(chan tea.Msg, 1)
		go func() { ch <- cmd() }()
		select {
		case msg := <-ch:
			if b, ok := msg.(tea.BatchMsg); ok {
				cmds = append(cmds, b...)
				continue
			}
			out = append(out, msg)
		case <-time.After(time.Second):
		}
	}
	return out
}
