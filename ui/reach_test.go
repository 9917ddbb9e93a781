package ui

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
)

// Errors whose remedy comes last, as the collectors write them.
const (
	vaultTimeout = "read sys/health at http://127.0.0.1:33727: Vault did not answer within 10s (the request timeout): " +
		"check that the server is up and reachable, or raise vault.requestTimeout in the config"
	promTimeout = "query vault_token_expiry_seconds: Prometheus at http://127.0.0.1:39111 did not answer within 10s " +
		"(the request timeout): check that it is up, or raise prometheus.requestTimeout in the config"
)

// failedAt is the demo at w×h with Vault and Prometheus failed with long
// errors (no data from either).
func failedAt(t *testing.T, w, h int) Model {
	t.Helper()
	snap := demoSnapshot(t)
	setState(snap, collectors.SourceVault, collectors.StateError, vaultTimeout, "")
	setState(snap, collectors.SourcePrometheus, collectors.StateError, promTimeout, "")
	snap.Vault, snap.Prometheus = nil, nil
	return loaded(t, SnapshotLoader{Snapshot: snap}, demoOptions(snap), w, h)
}

// flat is the screen's text with every run of spaces and line breaks one
// space.
func flat(m Model) string {
	return strings.Join(strings.Fields(ansi.Strip(m.View())), " ")
}

// dense is text without white space: a wrapped line reads as the line
// whole, wherever it was broken.
func dense(s string) string { return strings.Join(strings.Fields(s), "") }

// readAll is the text of every screen from the top of the view in focus
// to its end, paging down with pgdn (at most 20 pages), each line cut to
// its first cols cells (the left column of a two-column layout), dense.
func readAll(m Model, cols int) string {
	var b strings.Builder
	for range 20 {
		for _, l := range strings.Split(ansi.Strip(m.View()), "\n") {
			b.WriteString(ansi.Cut(l, 0, cols) + "\n")
		}
		next := send(m, ctrl(tea.KeyPgDown))
		if next.View() == m.View() {
			break
		}
		m = next
	}
	return dense(b.String())
}

// TestViews_SourceErrorsReadWhole: a failed source's error is read whole,
// its remedy included, in every view that shows it and at every size:
// wrapped, and reached by scrolling where the window is short.
func TestViews_SourceErrorsReadWhole(t *testing.T) {
	sizes := [][2]int{{60, 20}, {80, 24}, {120, 40}}
	for _, sz := range sizes {
		for name, tc := range map[string]struct {
			keys []string
			left bool // in the left column when the window is wide
			want []string
		}{
			"overview sources":       {left: true, want: []string{"error: " + vaultTimeout, "error: " + promTimeout}},
			"overview alerts":        {want: []string{"unknown: the alerts could not be read (prometheus: " + promTimeout + ")"}},
			"tenants":                {keys: []string{"2"}, want: []string{"Unknown: tenants could not be read — " + vaultTimeout}},
			"metrics":                {keys: []string{"5"}, want: []string{"Unknown: metrics could not be read — " + promTimeout}},
			"sources, s on overview": {keys: []string{"s"}, want: []string{"✗ vault error", vaultTimeout, "✗ prometheus error", promTimeout}},
		} {
			t.Run(fmt.Sprintf("%s %dx%d", name, sz[0], sz[1]), func(t *testing.T) {
				m := keys(failedAt(t, sz[0], sz[1]), tc.keys...)
				cols := sz[0]
				if tc.left && cols >= 110 {
					cols = cols/2 - 1 // the sources' column, beside the facts
				}
				got := readAll(m, cols)
				for _, w := range tc.want {
					if !strings.Contains(got, dense(w)) {
						t.Errorf("%dx%d: %q not read whole in:\n%s", sz[0], sz[1], w, got)
					}
				}
			})
		}
	}
}

// TestViews_SourcesInFull: s on the overview lists every part a partial
// source could not read, each whole (the overview names the first).
func TestViews_SourcesInFull(t *testing.T) {
	snap := demoSnapshot(t)
	setState(snap, collectors.SourcePrometheus, collectors.StatePartial, promTimeout, "metric vault_token_expiry_seconds")
	setState(snap, collectors.SourcePrometheus, collectors.StatePartial, "read alerts: 503: raise prometheus.requestTimeout in the config", "alerts")
	m := loaded(t, SnapshotLoader{Snapshot: snap}, demoOptions(snap), 60, 20)
	if got := flat(m); !strings.Contains(got, "Sources s: each in full") {
		t.Errorf("the overview does not name s beside a source not ok:\n%s", got)
	}
	if got := readAll(m, 60); !strings.Contains(got, dense("(s lists every one)")) {
		t.Errorf("the overview's partial line does not say s lists the rest:\n%s", got)
	}
	m = keys(m, "s")
	if _, ok := focusedAs[sourcesView](m); !ok {
		t.Fatalf("s did not open the sources view")
	}
	got := readAll(m, 60)
	for _, w := range []string{"2 part(s) could not be read", "• metric vault_token_expiry_seconds: " + promTimeout, "• alerts: read alerts: 503: raise prometheus.requestTimeout in the config"} {
		if !strings.Contains(got, dense(w)) {
			t.Errorf("%q not in the sources view:\n%s", w, got)
		}
	}
	if m = keys(m, "esc"); m.cur != 0 || len(m.stack) != 0 {
		t.Errorf("esc did not come back to the overview")
	}
}

// TestViews_ScrollToTheEnd: at 60x20 a view taller than the window is
// scrolled to its end with the keys its footer names, and the sign of the
// lines below names the key, not "a taller window".
func TestViews_ScrollToTheEnd(t *testing.T) {
	for name, tc := range map[string]struct {
		tab  string
		scr  string // the footer's scroll entry
		last string // the view's last line, flattened
	}{
		"overview": {tab: "1", scr: "pgdn/G scroll", last: "VaultTokenExpiringSoon → scenario 2 Vault token ex"},
		"metrics":  {tab: "5", scr: "↓/pgdn scroll", last: "VaultTokenExpiringSoon → scenario 2 Vault token ex"},
	} {
		t.Run(name, func(t *testing.T) {
			m := keys(demoAt(t, 60, 20), tc.tab)
			out := ansi.Strip(m.View())
			if strings.Contains(out, "taller window") {
				t.Errorf("the sign asks for a taller window:\n%s", out)
			}
			if !strings.Contains(out, "more line(s) below (") {
				t.Errorf("no sign naming the key of the lines below:\n%s", out)
			}
			if !strings.Contains(out, tc.scr) {
				t.Errorf("the footer does not name %q:\n%s", tc.scr, out)
			}
			m = keys(m, "G")
			out = ansi.Strip(m.View())
			if strings.Contains(out, "more line(s) below") || !strings.Contains(flat(m), tc.last) {
				t.Errorf("G did not reach the end (%q):\n%s", tc.last, out)
			}
			if name == "overview" && tabView[overviewView](t, m).cursor != 0 {
				t.Errorf("G moved the scenario cursor")
			}
		})
	}
	t.Run("overview: the row selected is brought into view", func(t *testing.T) {
		m := keys(demoAt(t, 60, 20), "G", "down")
		if ov := tabView[overviewView](t, m); ov.cursor != 1 || !strings.Contains(ansi.Strip(m.View()), "▸ ") {
			t.Errorf("down after G: cursor %d, the selected row not on screen:\n%s", ov.cursor, ansi.Strip(m.View()))
		}
	})
	t.Run("overview at 120x40 fits: no scroll entry", func(t *testing.T) {
		if out := ansi.Strip(demoAt(t, 120, 40).View()); strings.Contains(out, "scroll") {
			t.Errorf("the footer names scroll keys for a page that fits:\n%s", out)
		}
	})
}

// TestJump_ScenarioNumber: ":" takes the scenario's number the overview
// shows, and a jump that found nothing says so until the next key only.
func TestJump_ScenarioNumber(t *testing.T) {
	for _, n := range []string{"1", "4", "6"} {
		m := keys(demoAt(t, 80, 24), ":", n, "enter")
		f, _ := m.st.assess.Finding(scenarioOf(m).id)
		if strconv.Itoa(f.Number) != n {
			t.Errorf(":%s opened scenario %d (%q), want %s", n, f.Number, f.ID, n)
		}
	}
	m := keys(demoAt(t, 60, 20), ":", "x", "y", "z", "enter")
	if !strings.Contains(m.st.message, `no view or scenario is called "xyz"`) {
		t.Fatalf("message %q", m.st.message)
	}
	h := m.bodyHeight()
	m = keys(m, "2")
	if m.st.message != "" || m.bodyHeight() <= h {
		t.Errorf("after the next key the jump's miss stays: %q (body %d, was %d)", m.st.message, m.bodyHeight(), h)
	}
}

// TestAuditView_UnreadReadWhole: why the audit log was not read is wrapped
// under the heading, whole, and the rows below still fit the screen.
func TestAuditView_UnreadReadWhole(t *testing.T) {
	const why = "list pods -l app.kubernetes.io/component=security: the API server did not answer within 10s: raise --request-timeout"
	for _, sz := range [][2]int{{60, 20}, {80, 24}, {120, 40}} {
		snap := demoSnapshot(t)
		setState(snap, collectors.SourceLogs, collectors.StateError, why, "")
		m := keys(loaded(t, SnapshotLoader{Snapshot: snap}, demoOptions(snap), sz[0], sz[1]), "4")
		out := ansi.Strip(m.View())
		if !strings.Contains(dense(out), dense("Unknown: the audit log could not be read — "+why)) {
			t.Errorf("%dx%d: the reason is not read whole:\n%s", sz[0], sz[1], out)
		}
		if strings.Contains(out, "more line(s) below") {
			t.Errorf("%dx%d: the rows overflow the screen:\n%s", sz[0], sz[1], out)
		}
	}
}
