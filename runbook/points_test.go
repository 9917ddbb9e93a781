package runbook

import (
	"reflect"
	"testing"
	"time"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
)

// TestSeriesPoints: a counter that grew after the history's last whole step
// is seen through its current value, at the time it was read.
func TestSeriesPoints(t *testing.T) {
	start := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	f := func(v float64) *float64 { return &v }
	hist := &collectors.History{Start: start, Step: collectors.Duration(5 * time.Minute), Values: []*float64{f(1), f(1), f(1)}}
	at := start.Add(12 * time.Minute)
	tests := map[string]struct {
		m         collectors.Metric
		wantLast  *time.Time
		wantGrown float64
	}{
		"grew after the last step": {
			m:        collectors.Metric{At: at, Series: []collectors.Series{{Value: f(3), History: hist}}},
			wantLast: &at, wantGrown: 2,
		},
		"unchanged": {
			m: collectors.Metric{At: at, Series: []collectors.Series{{Value: f(1), History: hist}}},
		},
		"no read time (an old snapshot): history only": {
			m: collectors.Metric{Series: []collectors.Series{{Value: f(3), History: hist}}},
		},
		"absent now": {
			m: collectors.Metric{At: at, Series: []collectors.Series{{History: hist}}},
		},
	}
	all := func(map[string]string) bool { return true }
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			last := lastIncrease(&tc.m, all)
			if (last == nil) != (tc.wantLast == nil) || last != nil && !last.Equal(*tc.wantLast) {
				t.Errorf("lastIncrease = %v, want %v", last, tc.wantLast)
			}
			if got := counterIncrease(&tc.m, all); got != tc.wantGrown {
				t.Errorf("counterIncrease = %g, want %g", got, tc.wantGrown)
			}
		})
	}
}

func TestVars_ForTenants(t *testing.T) {
	v := Vars{TenantExample: "t-001", TenantPathExample: "tenants/t-001/cmek", TenantPathOfT: "tenants/$t/cmek"}
	if got := v.ForTenants([]string{"t-042", "t-017"}); got.TenantExample != "t-042" || got.TenantPathExample != "tenants/t-042/cmek" {
		t.Errorf("ForTenants = %+v", got)
	}
	if got := v.ForTenants(nil); !reflect.DeepEqual(got, v) {
		t.Errorf("ForTenants(nil) changed the vars: %+v", got)
	}
}
