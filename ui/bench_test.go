package ui

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors/auditlog"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/demo"
	"github.com/oss-ai-agent-tool/kubectl-rotation/runbook"
)

// bigSnapshot is the demo with 10,000 tenants and a failed Job whose log
// tail has 100,000 lines.
func bigSnapshot(tb testing.TB) *collectors.Snapshot {
	tb.Helper()
	s := demoSnapshot(tb)
	v := *s.Vault
	v.Tenants = demo.FleetTenants(10000, s.CollectedAt)
	s.Vault = &v
	k := *s.Kubernetes
	k.Jobs = append([]collectors.Job(nil), k.Jobs...)
	lines := make([]string, 100000)
	var matches []collectors.LogMatch
	for i := range lines {
		lines[i] = fmt.Sprintf("2026-11-26T02:%02d:%02d.000Z INFO Rotated key for tenant t-%05d in batch %d", i/60%60, i%60, i%10000, i/100)
		if i%500 == 0 {
			lines[i] = fmt.Sprintf("2026-11-26T02:00:00.000Z ERROR Failed to rotate key for tenant t-%05d: permission denied", i%10000)
			matches = append(matches, collectors.LogMatch{Line: i, Phrase: "Failed to rotate key for tenant", Tenant: fmt.Sprintf("t-%05d", i%10000)})
		}
	}
	k.Jobs[0].Log = &collectors.LogTail{Pod: "p", Container: "rotate", Lines: lines, Matches: matches}
	s.Kubernetes = &k
	return s
}

// BenchmarkView measures one frame of the heaviest views with 10,000
// tenants and 100,000 log lines (target: under 4 ms a frame), and the heap
// the model holds for that data (target: resident memory under 150 MB).
func BenchmarkView(b *testing.B) {
	for _, tc := range []struct {
		name string
		keys []string
	}{
		{"overview", nil},
		{"tenants-10k", []string{"2"}},
		{"tenants-10k-sorted-by-age", []string{"2", "s", "G"}},
		{"log-100k-lines", []string{"3", "enter", "G"}},
		{"audit", []string{"4"}},
		{"metrics", []string{"5"}},
		{"scenario-4-10k-tenants-over", []string{"@4", "enter", "down", "down"}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			snap := bigSnapshot(b)
			runtime.GC()
			var before runtime.MemStats
			runtime.ReadMemStats(&before)
			m := loaded(b, SnapshotLoader{Snapshot: snap}, demoOptions(snap), 120, 40)
			m = keys(m, tc.keys...)
			runtime.GC()
			var after runtime.MemStats
			runtime.ReadMemStats(&after)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				_ = m.View()
			}
			b.StopTimer()
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/frame")
			b.ReportMetric(float64(after.HeapAlloc)/(1<<20), "heap-MB")
		})
	}
}

// BenchmarkUpdate_LoadBig measures applying the four sources of the big
// snapshot (triage and row building included), which happens once per
// refresh.
func BenchmarkUpdate_LoadBig(b *testing.B) {
	snap := bigSnapshot(b)
	l := SnapshotLoader{Snapshot: snap}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		loaded(b, l, demoOptions(snap), 120, 40)
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/refresh")
}

// fleetSnapshot is bigSnapshot with the rest of a fleet of that size: an
// audit summary for each of the 10,000 tenants and 5,000 finished Jobs.
func fleetSnapshot(tb testing.TB) *collectors.Snapshot {
	tb.Helper()
	s := bigSnapshot(tb)
	lg := *s.Logs
	lg.Audit.Tenants = make(map[string]auditlog.TenantSummary, len(s.Vault.Tenants))
	for i, t := range s.Vault.Tenants {
		ok := s.CollectedAt.Add(-time.Duration(i) * time.Minute)
		ts := auditlog.TenantSummary{LastSuccess: &ok, Successes: 3, LastAction: "cmek.rotation.completed", LastEvent: &ok}
		if i%7 == 0 {
			bad := ok.Add(time.Second)
			ts.LastFailure, ts.Failures, ts.LastFailureReason = &bad, 1, "permission denied"
		}
		lg.Audit.Tenants[t.ID] = ts
	}
	s.Logs = &lg
	k := *s.Kubernetes
	jobs := append([]collectors.Job(nil), k.Jobs...)
	for i := 0; len(jobs) < 5000; i++ {
		j := k.Jobs[i%len(k.Jobs)]
		j.Name = fmt.Sprintf("%s-old-%04d", j.CronJob, i)
		j.Log, j.Manual = nil, false
		j.Created = j.Created.Add(-time.Duration(i+1) * time.Hour)
		jobs = append(jobs, j)
	}
	k.Jobs = jobs
	s.Kubernetes = &k
	return s
}

// BenchmarkUpdate_LoadFleet is BenchmarkUpdate_LoadBig on fleetSnapshot.
func BenchmarkUpdate_LoadFleet(b *testing.B) {
	snap := fleetSnapshot(b)
	l := SnapshotLoader{Snapshot: snap}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		loaded(b, l, demoOptions(snap), 120, 40)
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/refresh")
}

// BenchmarkKeys measures, on fleetSnapshot, the Update of the keys that
// work on many rows: a key typed into a filter (one key typed and one
// erased per op), the tenants' sort, opening the 100,000-line log and
// its search (enter; the search itself runs in a Cmd: log-search-cmd).
func BenchmarkKeys(b *testing.B) {
	backspace := tea.KeyMsg{Type: tea.KeyBackspace}
	for _, tc := range []struct {
		name  string
		setup []string
		keys  []tea.KeyMsg
	}{
		{"tenants-filter-keystroke", []string{"2", "/", "t", "-", "0"}, []tea.KeyMsg{keyMsg("1"), backspace}},
		{"tenants-sort", []string{"2"}, []tea.KeyMsg{keyMsg("s")}},
		{"tenants-filtered-sort", []string{"2", "/", "t", "-", "0", "enter"}, []tea.KeyMsg{keyMsg("s")}},
		{"audit-filter-keystroke", []string{"4", "/", "t", "-", "0"}, []tea.KeyMsg{keyMsg("1"), backspace}},
		{"audit-outcome", []string{"4"}, []tea.KeyMsg{keyMsg("o")}},
		{"jobs-filter-keystroke", []string{"3", "/", "o", "l"}, []tea.KeyMsg{keyMsg("d"), backspace}},
		{"log-open", []string{"3"}, []tea.KeyMsg{keyMsg("enter")}},
		{"log-search", []string{"3", "enter", "/", "f", "a", "i", "l"}, []tea.KeyMsg{keyMsg("enter")}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			snap := fleetSnapshot(b)
			m := keys(loaded(b, SnapshotLoader{Snapshot: snap}, demoOptions(snap), 120, 40), tc.setup...)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				var n tea.Model = m
				for _, k := range tc.keys {
					n, _ = n.Update(k) // the Update alone: a Cmd it returns is not run
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*len(tc.keys))/1000, "ms/key")
		})
	}
	// the Cmd's work of log-search (a log longer than syncSearchLines)
	b.Run("log-search-cmd", func(b *testing.B) {
		lines := bigSnapshot(b).Kubernetes.Jobs[0].Log.Lines
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if len(findLines(lines, "fail")) == 0 {
				b.Fatal("no hit")
			}
		}
	})
}

// loadParts gives m the parts of every source of l, as the running program
// does, and returns the judgement each one started (the Cmds' work, run
// here outside the timer when timed is given).
func loadParts(b *testing.B, m Model, l Loader, timed bool) (Model, []*judged) {
	b.Helper()
	m = send(m, tickMsg{gen: m.gen})
	var js []*judged
	for _, src := range l.Sources() {
		part, at := l.Load(context.Background(), src, nil)
		next, _ := m.Update(partMsg{gen: m.gen, part: part, at: at})
		m = next.(Model)
		for m.judging != nil {
			if timed {
				b.StopTimer()
			}
			j := m.judging.run()
			if timed {
				b.StartTimer()
			}
			js = append(js, j)
			next, _ = m.Update(judgedMsg{j: j})
			m = next.(Model)
		}
	}
	return m, js
}

// BenchmarkUpdate_EventLoop measures what a refresh costs the event loop
// at 10,000 tenants and 100,000 log lines (bigSnapshot) and on the fleet
// (fleetSnapshot): every Update of one load, its four parts merged and
// their judgements shown, the judgements' own work (the Cmds) not timed;
// the views' filters are set, as a person's would be, so the apply step
// has its passes to make. ms/apply is the mean of one judgement's Update.
func BenchmarkUpdate_EventLoop(b *testing.B) {
	for _, tc := range []struct {
		name string
		snap func(testing.TB) *collectors.Snapshot
	}{{"big", bigSnapshot}, {"fleet", fleetSnapshot}} {
		b.Run(tc.name, func(b *testing.B) {
			snap := tc.snap(b)
			l := SnapshotLoader{Snapshot: snap}
			o := demoOptions(snap)
			// filters on the tenants, jobs and audit tabs; the tenants tab in
			// focus, its detail open over it
			m := keys(loaded(b, l, o, 120, 40), "3", "/", "o", "l", "d", "enter", "4", "/", "t", "-", "enter", "2", "/", "t", "-", "0", "enter", "enter")
			applies := 0
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				var js []*judged
				m, js = loadParts(b, m, l, true)
				applies += len(js)
			}
			b.StopTimer()
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/refresh")
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(applies)/1000, "ms/apply")
		})
	}
}

// BenchmarkJudge measures the Cmd's work for one judgement of the whole
// big snapshot and of the fleet: triage, variables, forecast, verification
// checks and the views' rows; "+timeline" with the timeline too (made once
// the Timeline tab has been looked at).
func BenchmarkJudge(b *testing.B) {
	for _, tc := range []struct {
		name     string
		snap     func(testing.TB) *collectors.Snapshot
		timeline bool
	}{{"big", bigSnapshot, false}, {"fleet", fleetSnapshot, false}, {"fleet+timeline", fleetSnapshot, true}} {
		b.Run(tc.name, func(b *testing.B) {
			snap := tc.snap(b)
			req := judgeReq{rev: 1, book: runbook.MustDefault(), snap: snap, at: snap.CollectedAt, timeline: tc.timeline}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				_ = req.run()
			}
		})
	}
}
