package prom

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	promapi "github.com/prometheus/client_golang/api"
	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/config"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/testenv"
)

// TestCollector_querySummed_realPrometheus: on a real Prometheus, a
// per-tenant counter read summed grows, step by step, by what summing its
// series one by one finds (the runbook's counterIncrease: a reset is growth
// from zero, a series that appears or vanishes adds nothing), and names
// every tenant it counts. The history holds all four cases: a tenant that
// grows, one reset, one that appears, one that vanishes.
func TestCollector_querySummed_realPrometheus(t *testing.T) {
	testenv.NeedServers(t)
	bins, err := testenv.FindBins()
	if _, serr := os.Stat(bins.Prometheus); serr != nil {
		t.Fatal(err)
	}
	exp, err := testenv.StartExporter()
	if err != nil {
		t.Fatal(err)
	}
	defer exp.Close()
	const ns = "summed"
	now := time.Now()
	// the live values continue the history: grows 12, reset 3, appears 9;
	// vanishes is gone
	live := map[string]float64{"t-grows": 12, "t-reset": 3, "t-appears": 9}
	var samples []testenv.Sample
	for tn, v := range live {
		samples = append(samples, testenv.Sample{Name: "cmek_rotation_total", Labels: map[string]string{"namespace": ns, "tenant": tn}, Value: v})
	}
	// a failed rotation of t-grows under the other tenant label
	samples = append(samples, testenv.Sample{Name: "cmek_rotations_failed_total", Labels: map[string]string{"namespace": ns, "tenant_id": "t-grows"}, Value: 2})
	exp.Set("t", samples)
	var om strings.Builder
	first := now.Add(-3 * time.Hour)
	// series by series, each a run of points (OpenMetrics wants a series' points together)
	series := []struct {
		tenant string
		value  func(i int) (float64, bool)
	}{
		{"t-grows", func(i int) (float64, bool) { return float64(10 + min(i/10, 2)), true }}, // 10, 11 at 10, 12 at 20
		{"t-reset", func(i int) (float64, bool) { return map[bool]float64{true: 50, false: 3}[i < 15], true }},
		{"t-appears", func(i int) (float64, bool) { return float64(7 + min(max(i-25, 0), 2)), i >= 20 }}, // 7 from 20, 8 at 26, 9 at 27
		{"t-vanishes", func(i int) (float64, bool) { return 5 + float64(min(i, 1)), i < 12 }},            // 5, 6 at 1, gone at 12
	}
	for _, s := range series {
		for i, at := 0, first; at.Before(now.Add(-2 * time.Minute)); i, at = i+1, at.Add(5*time.Minute) {
			if v, ok := s.value(i); ok {
				fmt.Fprintf(&om, "cmek_rotation_total{instance=%q,job=\"rotation\",namespace=%q,tenant=%q} %g %d\n", exp.Addr, ns, s.tenant, v, at.Unix())
			}
		}
	}
	om.WriteString("# EOF\n")
	p, err := testenv.StartPrometheus(context.Background(), testenv.PrometheusOptions{Bins: bins, Dir: t.TempDir(), Targets: []string{exp.Addr}, Backfill: om.String()})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	pc, err := promapi.NewClient(promapi.Config{Address: p.URL})
	if err != nil {
		t.Fatal(err)
	}
	api := promv1.NewAPI(pc)
	c := newCollector(clients{PrometheusTarget: p.URL, Raw: pc}, collectors.Env{Config: config.Default(), Namespace: ns}) // the names decoded here (queryNames)
	ctx := context.Background()
	// wait for the live scrape
	var mt collectors.Metric
	deadline := time.Now().Add(30 * time.Second)
	for {
		mt = collectors.Metric{Name: "cmek_rotation_total", Role: "rotations"}
		at := time.Now()
		if err := c.querySummed(ctx, api, make(chan struct{}, 4), 10*time.Second, at, &mt); err != nil {
			t.Fatal(err)
		}
		if len(mt.Series) > 0 && mt.Series[0].Value != nil && *mt.Series[0].Value == 24 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the live samples were never scraped: %+v", mt.Series)
		}
		time.Sleep(500 * time.Millisecond)
	}

	// what the runbook finds summing the series one by one, from the raw
	// range query the tool made before
	start := mt.Series[0].History.Start
	raw, _, _, err := api.QueryRange(ctx, `cmek_rotation_total{namespace="summed"}`, promv1.Range{Start: start, End: mt.At, Step: historyStep})
	if err != nil {
		t.Fatal(err)
	}
	rawNow, _, _, err := api.Query(ctx, `cmek_rotation_total{namespace="summed"}`, mt.At)
	if err != nil {
		t.Fatal(err)
	}
	nowBy := map[string]float64{}
	for _, s := range rawNow.(model.Vector) {
		nowBy[string(s.Metric["tenant"])] = float64(s.Value)
	}
	want := 0.0
	for _, ss := range raw.(model.Matrix) {
		vals := []float64{}
		for _, pt := range ss.Values {
			vals = append(vals, float64(pt.Value))
		}
		if v, ok := nowBy[string(ss.Metric["tenant"])]; ok {
			vals = append(vals, v)
		}
		want += growth(vals)
	}
	ts, vals := mt.Series[0].History.Points()
	if len(ts) > 0 && mt.At.After(ts[len(ts)-1]) {
		vals = append(vals, *mt.Series[0].Value)
	}
	if got := growth(vals); got != want || want != 2+3+2+1 {
		t.Errorf("summed growth = %g, series by series %g, want 8 (grows +2, reset +3, appears +2, vanishes +1 before it went)", got, want)
	}
	if got := strings.Join(mt.Tenants, ","); len(mt.Series) != 1 || got != "t-appears,t-grows,t-reset" {
		t.Errorf("%d series, tenants named %s, want the sum alone and the three tenants with a sample now", len(mt.Series), got)
	}

	// a tenant's own series, read on demand: each tenant's growth is what
	// its series alone shows, the vanished one's included (its history
	// holds it); a tenant no series names has none
	src := &Source{Client: pc, Target: p.URL}
	for tn, want := range map[string]float64{"t-grows": 2, "t-reset": 3, "t-appears": 2, "t-vanishes": 1, "t-none": 0} {
		d := src.TenantDetail(ctx, collectors.Env{Config: config.Default(), Namespace: ns}, tn)
		if d.Error != "" || len(d.Metrics) != 2 || d.Metrics[0].Name != "cmek_rotation_total" {
			t.Fatalf("%s: detail %+v, want the two per-tenant counters", tn, d)
		}
		rot := d.Metrics[0]
		if rot.Error != "" {
			t.Fatalf("%s: %s", tn, rot.Error)
		}
		if tn == "t-none" {
			if len(rot.Series) != 0 {
				t.Errorf("t-none: %d series, want none", len(rot.Series))
			}
			continue
		}
		got := 0.0
		for _, se := range rot.Series {
			if se.Labels["tenant"] != tn {
				t.Errorf("%s: series %v names another tenant", tn, se.Labels)
			}
			ts, vals := se.History.Points()
			if se.Value != nil && (len(ts) == 0 || rot.At.After(ts[len(ts)-1])) {
				vals = append(vals, *se.Value)
			}
			got += growth(vals)
		}
		if len(rot.Series) != 1 || got != want {
			t.Errorf("%s: %d series growing %g, want 1 growing %g", tn, len(rot.Series), got, want)
		}
	}
	d := src.TenantDetail(ctx, collectors.Env{Config: config.Default(), Namespace: ns}, "t-grows")
	if f := d.Metrics[1]; f.Error != "" || len(f.Series) != 1 || f.Series[0].Value == nil || *f.Series[0].Value != 2 || f.Series[0].Labels["tenant_id"] != "t-grows" {
		t.Errorf("t-grows's failed rotations = %+v, want its tenant_id series at 2", f)
	}
}

// growth is the runbook's counterIncrease of one series' values.
func growth(vals []float64) float64 {
	total := 0.0
	for i := 1; i < len(vals); i++ {
		if d := vals[i] - vals[i-1]; d > 0 {
			total += d
		} else if d < 0 {
			total += vals[i]
		}
	}
	return total
}
