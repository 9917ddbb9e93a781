package ui

import (
	"context"
	"time"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
)

// Loader gets one source's data. The live loader collects it; a replay
// loader returns it from a snapshot. Load runs inside a tea.Cmd, never in
// Update.
type Loader interface {
	// Sources lists the sources to load, in display order.
	Sources() []string
	// Load reads one source; at is the time to judge it at (now for a live
	// read, the capture time for a replay).
	Load(ctx context.Context, source string, progress func(collectors.Progress)) (part collectors.Part, at time.Time)
	// Live reports whether loading again can bring new data.
	Live() bool
}

// LiveLoader collects from the real sources.
type LiveLoader struct {
	Collector *collectors.Collector
	// Timeout bounds one source's load (default 60 s).
	Timeout time.Duration
}

// Sources implements Loader.
func (l LiveLoader) Sources() []string { return collectors.Sources() }

// Live implements Loader.
func (l LiveLoader) Live() bool { return true }

// Load implements Loader.
func (l LiveLoader) Load(ctx context.Context, source string, progress func(collectors.Progress)) (collectors.Part, time.Time) {
	if l.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, l.Timeout)
		defer cancel()
	}
	p := l.Collector.WithProgress(progress).CollectSource(ctx, source)
	return p, time.Now()
}

// SnapshotLoader replays a captured snapshot.
type SnapshotLoader struct {
	Snapshot *collectors.Snapshot
}

// Sources implements Loader.
func (l SnapshotLoader) Sources() []string { return collectors.Sources() }

// Live implements Loader.
func (l SnapshotLoader) Live() bool { return false }

// Load implements Loader.
func (l SnapshotLoader) Load(_ context.Context, source string, _ func(collectors.Progress)) (collectors.Part, time.Time) {
	s := l.Snapshot
	p := s.Part(source)
	return p, s.CollectedAt
}
