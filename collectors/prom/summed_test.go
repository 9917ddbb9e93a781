package prom

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/config"
	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
)

func fp(v float64) *float64 { return &v }

func TestRebuildHistory(t *testing.T) {
	start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	tests := map[string]struct {
		growth []*float64
		now    *float64
		recent float64
		want   []*float64
	}{
		"anchored at the sum now less the recent growth": {
			growth: []*float64{fp(9), fp(0), fp(3), fp(2)}, now: fp(106), recent: 1,
			want: []*float64{fp(100), fp(100), fp(103), fp(105)},
		},
		"the step before the first growth has a value": {
			growth: []*float64{fp(0), nil, fp(4), fp(1)}, now: fp(10),
			want: []*float64{fp(5), fp(5), fp(9), fp(10)},
		},
		"a step with no series has none": {
			growth: []*float64{fp(1), nil, nil, fp(4), fp(1)}, now: fp(10),
			want: []*float64{fp(5), nil, fp(5), fp(9), fp(10)},
		},
		"no sum now: the last step read is 0": {
			growth: []*float64{fp(0), fp(2), nil}, now: nil,
			want: []*float64{fp(-2), fp(0), nil},
		},
		"nothing read": {growth: []*float64{nil, nil}, now: fp(3), want: []*float64{nil, nil}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			h := rebuildHistory(start, len(tt.growth), tt.growth, tt.now, tt.recent)
			if got, want := show(h.Values), show(tt.want); got != want {
				t.Errorf("values = %s, want %s", got, want)
			}
			if !h.Start.Equal(start) || h.Step.Duration() != historyStep {
				t.Errorf("start %s step %s", h.Start, h.Step.Duration())
			}
		})
	}
}

func TestRoundGrowth(t *testing.T) {
	for in, want := range map[float64]float64{
		596.0019866666631: 596, // 596 extrapolated by 1ms/5m
		0:                 0,
		1.0000033:         1,
		0.5:               0.5, // a counter that counts halves keeps them
		2.01:              2.01,
	} {
		if got := roundGrowth(in); got != want {
			t.Errorf("roundGrowth(%v) = %v, want %v", in, got, want)
		}
	}
}

func show(vs []*float64) string {
	out := ""
	for _, v := range vs {
		if v == nil {
			out += " nil"
		} else {
			out += fmt.Sprintf(" %g", *v)
		}
	}
	return out
}

// TestCollector_querySummed: a counter per tenant comes back as one summed
// series per target, with its history rebuilt from the steps' growth, and
// the tenants it names by name only.
func TestCollector_querySummed(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 2, 0, 0, time.UTC) // 2 minutes after the last step
	start := now.Add(-historyWindow).Truncate(historyStep)
	last := start.Add(historyWindow).Unix()
	sel := `cmek_rotation_total{namespace=~"ns|"}`
	raw := fakePrometheusClient(t, map[string]string{
		`sum without (tenant, tenant_id, tenantId) (` + sel + `)`: `{"status":"success","data":{"resultType":"vector","result":[
			{"metric":{"job":"rotation","instance":"orch:9102","namespace":"ns"},"value":[1,"107"]}]}}`,
		`sum without (tenant, tenant_id, tenantId) (increase(` + sel + `[300001ms:300000ms]))`: fmt.Sprintf(`{"status":"success","data":{"resultType":"matrix","result":[
			{"metric":{"job":"rotation","instance":"orch:9102","namespace":"ns"},"values":[[%d,"0"],[%d,"5.0000166"]]}]}}`, last-300, last),
		fmt.Sprintf("sum without (tenant, tenant_id, tenantId) (%s)@%d", sel, last): `{"status":"success","data":{"resultType":"vector","result":[
			{"metric":{"job":"rotation","instance":"orch:9102","namespace":"ns"},"value":[1,"105"]}]}}`,
		`group by (tenant, tenant_id, tenantId) (` + sel + `)`: `{"status":"success","data":{"resultType":"vector","result":[
			{"metric":{"tenant":"t-002"},"value":[1,"1"]},
			{"metric":{"tenant":"t-001","tenant_id":"t-001"},"value":[1,"1"]},
			{"metric":{"tenant_id":"t-003"},"value":[1,"1"]}]}}`,
	})
	api := promv1.NewAPI(raw)
	c := newCollector(clients{PrometheusTarget: "fake", Raw: raw}, collectors.Env{Config: config.Default(), Namespace: "ns"})
	mt := collectors.Metric{Name: "cmek_rotation_total", Role: "rotations"}
	if err := c.querySummed(context.Background(), api, make(chan struct{}, 4), 5*time.Second, now, &mt); err != nil {
		t.Fatal(err)
	}
	if len(mt.SummedOver) != 3 || len(mt.Series) != 1 {
		t.Fatalf("summed over %v, %d series, want 3 labels and 1 summed series: %+v", mt.SummedOver, len(mt.Series), mt.Series)
	}
	s := mt.Series[0]
	if s.Value == nil || *s.Value != 107 || s.Labels["instance"] != "orch:9102" || s.Labels["tenant"] != "" {
		t.Errorf("summed series = %+v, want 107 for orch:9102 without a tenant", s)
	}
	ts, vals := s.History.Points()
	// the step before the first growth read is there too
	if len(vals) != 3 || vals[0] != 100 || vals[1] != 100 || vals[2] != 105 || ts[2].Unix() != last {
		t.Errorf("history = %v at %v, want 100, 100, 105 (107 less the 2 since the last step: 105 then)", vals, ts)
	}
	if got := strings.Join(mt.Tenants, ","); got != "t-001,t-002,t-003" {
		t.Errorf("tenants named = %s, want t-001,t-002,t-003 (each once, sorted, from any tenant label)", got)
	}
}
