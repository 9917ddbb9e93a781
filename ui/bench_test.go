package ui

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
)

// bigSnapshot is the demo with 10,000 tenants and a failed Job whose log
// tail has 100,000 lines.
func bigSnapshot(tb testing.TB) *collectors.Snapshot {
	tb.Helper()
	s := demoSnapshot(tb)
	v := *s.Vault
	v.Tenants = make([]collectors.Tenant, 10000)
	at := s.CollectedAt.Add(-30 * time.Hour)
	for i := range v.Tenants {
		ct := at.Add(time.Duration(i) * time.Second)
		v.Tenants[i] = collectors.Tenant{ID: fmt.Sprintf("t-%05d", i), Path: fmt.Sprintf("secret/tenants/t-%05d/cmek", i),
			CurrentVersion: 3 + i%9, OldestVersion: 1, LiveVersions: 3 + i%9, MaxVersions: 5 * (i % 2), CurrentCreated: &ct}
	}
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
		{"scenario-4-10k-tenants-over", []string{"down", "down", "down", "enter", "down", "down"}},
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
