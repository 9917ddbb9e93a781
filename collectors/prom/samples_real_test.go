package prom_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors/connect"
	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors/prom"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/testenv"
	"github.com/oss-ai-agent-tool/kubectl-rotation/runbook"
)

// TestRawSamples_RebuildAudit: a real Prometheus holding a back-filled
// counter history (promtool tsdb create-blocks-from openmetrics) whose true
// rotation times are known, between 15s scrapes. The audit records rebuilt
// from the raw samples are within one scrape step of the truth, one per
// rotation; a counter reset, a scrape gap and a series without a tenant
// label are said as notes, the records across them carry the caveat; the
// failure counter gives failure records.
func TestRawSamples_RebuildAudit(t *testing.T) {
	testenv.NeedServers(t)
	bins, err := testenv.FindBins()
	if _, serr := os.Stat(bins.Prometheus); serr != nil {
		t.Fatal(err) // never skip: the real server is the point
	}
	const ns, step = "backfill", 15 * time.Second
	end := time.Now().Add(-3 * time.Minute).Truncate(step)
	start := end.Add(-2 * time.Hour)
	// the truth: rotation times, off the scrape grid
	truth := map[string][]time.Time{
		"t-001": {start.Add(10*time.Minute + 7*time.Second), start.Add(40*time.Minute + 3*time.Second), start.Add(95*time.Minute + 14*time.Second)},
		"t-002": {start.Add(20*time.Minute + 9*time.Second), start.Add(70*time.Minute + 1*time.Second)},   // the counter resets at 60m
		"t-003": {start.Add(50*time.Minute + 2*time.Second), start.Add(100*time.Minute + 11*time.Second)}, // no samples from 45m to 55m
	}
	failures := map[string][]time.Time{"t-004": {start.Add(30*time.Minute + 5*time.Second)}}
	resetAt, gapFrom, gapTo := start.Add(60*time.Minute), start.Add(45*time.Minute), start.Add(55*time.Minute)
	var om strings.Builder
	count := func(ts []time.Time, at, from time.Time) int {
		n := 0
		for _, x := range ts {
			if !x.After(at) && !x.Before(from) {
				n++
			}
		}
		return n
	}
	for at := start; !at.After(end); at = at.Add(step) {
		for _, tn := range []string{"t-001", "t-002", "t-003"} {
			v := 30 + count(truth[tn], at, time.Time{})
			if tn == "t-002" && !at.Before(resetAt) {
				v = count(truth[tn], at, resetAt) // the process restarted: counted from 0
			}
			if tn == "t-003" && at.After(gapFrom) && at.Before(gapTo) {
				continue // scrapes failed
			}
			fmt.Fprintf(&om, "cmek_rotation_total{namespace=%q,tenant=%q} %d %d\n", ns, tn, v, at.Unix())
		}
		fmt.Fprintf(&om, "cmek_rotation_total{namespace=%q} %d %d\n", ns, 100+count(truth["t-001"], at, time.Time{}), at.Unix()) // no tenant label
		fmt.Fprintf(&om, "cmek_rotations_failed_total{namespace=%q,tenant=\"t-004\"} %d %d\n", ns, count(failures["t-004"], at, time.Time{}), at.Unix())
		fmt.Fprintf(&om, "cmek_rotation_total{namespace=\"other\",tenant=\"t-001\"} %d %d\n", 5, at.Unix()) // another namespace's
	}
	om.WriteString("# EOF\n")
	p, err := testenv.StartPrometheus(context.Background(), testenv.PrometheusOptions{Bins: bins, Dir: t.TempDir(), Backfill: om.String()})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	clients, err := connect.Connect(connect.Options{PrometheusURL: p.URL, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	from, to := start.Add(-time.Minute), end.Add(time.Minute)
	in := runbook.BackfillInput{From: from, To: to, RotationsMetric: "cmek_rotation_total", FailuresMetric: "cmek_rotations_failed_total", Resolution: "raw samples", TenantsError: "not read in this test"}
	for _, m := range []struct {
		name string
		into *[]runbook.CounterSeries
	}{{"cmek_rotation_total", &in.Rotations}, {"cmek_rotations_failed_total", &in.Failures}} {
		ss, err := prom.RawSamples(context.Background(), clients.Prometheus, p.URL, ns, m.name, from, to, 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range ss {
			if s.Labels["namespace"] != ns {
				t.Errorf("series of another namespace read: %v", s.Labels)
			}
			if len(s.Times) < 400 {
				t.Errorf("%s%v: %d samples; the back-filled history has about 480", m.name, s.Labels, len(s.Times))
			}
			*m.into = append(*m.into, runbook.CounterSeries{Labels: s.Labels, Times: s.Times, Values: s.Values})
		}
	}
	bf := runbook.RebuildAudit(in)
	byTenant := map[string][]runbook.AuditRecord{}
	for _, r := range bf.Records {
		if !r.Reconstructed || r.Type != "audit" {
			t.Errorf("record not marked reconstructed: %+v", r)
		}
		byTenant[r.Tenant+"/"+r.Outcome] = append(byTenant[r.Tenant+"/"+r.Outcome], r)
	}
	check := func(key string, want []time.Time) {
		t.Helper()
		got := byTenant[key]
		if len(got) != len(want) {
			t.Fatalf("%s: %d records, want %d: %+v", key, len(got), len(want), got)
		}
		for i, r := range got {
			d := r.Timestamp.Sub(want[i])
			if d < 0 || d > step {
				t.Errorf("%s #%d: rebuilt %s, truth %s: %s off, want within one scrape step (%s)", key, i, r.Timestamp.Format(time.TimeOnly), want[i].Format(time.TimeOnly), d, step)
			}
			if r.Evidence.NotBefore.After(want[i]) || r.Evidence.NotAfter.Before(want[i]) {
				t.Errorf("%s #%d: bounds %s–%s do not hold the truth %s", key, i, r.Evidence.NotBefore, r.Evidence.NotAfter, want[i])
			}
		}
	}
	check("t-001/success", truth["t-001"])
	check("t-004/failure", failures["t-004"])
	check("t-002/success", truth["t-002"])
	// the gap: the rotation at 50m is bounded by the gap, not by a step
	if g := byTenant["t-003/success"]; len(g) != 2 || !strings.Contains(strings.Join(g[0].Evidence.Caveats, ";"), "scrape gap") ||
		g[0].Evidence.NotBefore.After(truth["t-003"][0]) || g[0].Evidence.NotAfter.Before(truth["t-003"][0]) {
		t.Errorf("t-003 across the gap: %+v", g)
	} else if d := g[1].Timestamp.Sub(truth["t-003"][1]); d < 0 || d > step {
		t.Errorf("t-003 after the gap: %s off", d)
	}
	if nt := byTenant["/success"]; len(nt) != 3 || !strings.Contains(strings.Join(nt[0].Evidence.Caveats, ";"), "no tenant label") {
		t.Errorf("no-tenant series: %+v", nt)
	}
	kinds := map[string]int{}
	for _, n := range bf.Notes {
		kinds[n.Kind]++
	}
	for _, k := range []string{runbook.NoteCounterReset, runbook.NoteScrapeGap, runbook.NoteNoTenantLabel} {
		if kinds[k] != 1 {
			t.Errorf("%d %s notes, want 1 (notes %+v)", kinds[k], k, bf.Notes)
		}
	}
}
