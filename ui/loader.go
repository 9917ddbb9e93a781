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

// TenantDetailLoader is a Loader that reads one tenant's detail on
// demand: the tenant detail view asks when it opens and after each load
// that read Prometheus again, in a Cmd. ok is false when there is nothing
// to read it from.
type TenantDetailLoader interface {
	TenantDetail(ctx context.Context, tenant string) (d collectors.TenantDetail, ok bool)
}

// TenantDetail implements TenantDetailLoader: the collector's sources read
// it (Prometheus: the tenant's own counter series), within Timeout.
func (l LiveLoader) TenantDetail(ctx context.Context, tenant string) (collectors.TenantDetail, bool) {
	if l.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, l.Timeout)
		defer cancel()
	}
	return l.Collector.TenantDetail(ctx, tenant)
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

// TenantDetail implements TenantDetailLoader from what the snapshot holds:
// the tenant's detail as read when it was taken (Prometheus.TenantDetails),
// else the per-tenant counters' series that name the tenant. A counter read
// summed (collectors.Metric.SummedOver) has none in the snapshot: its
// metric says so in its Error, as unknown.
func (l SnapshotLoader) TenantDetail(_ context.Context, tenant string) (collectors.TenantDetail, bool) {
	s := l.Snapshot
	d := collectors.TenantDetail{Tenant: tenant, At: s.CollectedAt}
	if s.Prometheus == nil {
		d.Error = "Prometheus was not read in this snapshot"
		return d, true
	}
	if td, ok := s.Prometheus.TenantDetails[tenant]; ok {
		return td, true // read for this tenant when the snapshot was taken
	}
	for _, m := range s.Prometheus.Metrics {
		if m.Role != "rotations" && m.Role != "rotationsFailed" {
			continue
		}
		out := collectors.Metric{Name: m.Name, Role: m.Role, At: m.At, Error: m.Error, Series: []collectors.Series{}}
		switch {
		case m.Error != "":
		case len(m.SummedOver) > 0:
			out.Error = "this snapshot holds " + m.Name + " summed over its tenants; a tenant's own series are read live, when its detail opens"
		default:
			for _, se := range m.Series {
				if collectors.TenantOf(se.Labels) == tenant {
					out.Series = append(out.Series, se)
				}
			}
		}
		d.Metrics = append(d.Metrics, out)
	}
	return d, true
}
