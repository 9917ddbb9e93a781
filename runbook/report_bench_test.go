package runbook

import (
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/demo"
)

// fleetSnapshot is the demo at a fleet's size: 10,000 tenants, 5,000 more
// rotation Jobs (finished, an hour apart), and the rotations counter naming
// every tenant.
func fleetSnapshot(tb testing.TB) *collectors.Snapshot {
	tb.Helper()
	s, err := demo.Snapshot()
	if err != nil {
		tb.Fatal(err)
	}
	v := *s.Vault
	v.Tenants = demo.FleetTenants(10000, s.CollectedAt)
	s.Vault = &v
	k := *s.Kubernetes
	k.Jobs = append([]collectors.Job(nil), k.Jobs...)
	tmpl := k.Jobs[len(k.Jobs)-1]
	for i := range 5000 {
		j := tmpl
		j.Name = fmt.Sprintf("%s-old-%05d", tmpl.CronJob, i)
		created := s.CollectedAt.Add(-time.Duration(i+48) * time.Hour)
		j.Created, j.ScheduledAt, j.Started, j.Log, j.Events = created, &created, &created, nil, nil
		fin := created.Add(time.Minute)
		j.Finished = &fin
		j.Outcome = collectors.OutcomeSucceeded
		k.Jobs = append(k.Jobs, j)
	}
	s.Kubernetes = &k
	if s.Prometheus != nil {
		p := *s.Prometheus
		p.Metrics = append([]collectors.Metric(nil), p.Metrics...)
		for mi := range p.Metrics {
			m := &p.Metrics[mi]
			if m.SummedOver == nil {
				continue
			}
			m.Tenants = make([]string, 0, 10000)
			for i := range 10000 {
				m.Tenants = append(m.Tenants, fmt.Sprintf("t-%05d", i))
			}
		}
		s.Prometheus = &p
	}
	return s
}

// BenchmarkReport_Fleet: what `report -o json` does beyond collecting, at
// 10,000 tenants and 5,000 Jobs: the triage, the report and its JSON.
func BenchmarkReport_Fleet(b *testing.B) {
	s := fleetSnapshot(b)
	book, err := Default()
	if err != nil {
		b.Fatal(err)
	}
	b.Run("triage", func(b *testing.B) {
		for b.Loop() {
			book.Triage(s, s.CollectedAt)
		}
	})
	b.Run("report", func(b *testing.B) {
		for b.Loop() {
			book.NewReport(s, s.CollectedAt, "bench")
		}
	})
	r := book.NewReport(s, s.CollectedAt, "bench")
	b.Run("json", func(b *testing.B) {
		for b.Loop() {
			if err := r.WriteJSON(io.Discard); err != nil {
				b.Fatal(err)
			}
		}
	})
}
