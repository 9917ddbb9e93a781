package runbook

import (
	"strings"
	"testing"
	"time"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
)

func TestRebuildAudit(t *testing.T) {
	at := func(m int) time.Time { return testNow.Add(time.Duration(m) * time.Minute) }
	series := func(tenant string, vals ...float64) CounterSeries {
		s := CounterSeries{Labels: map[string]string{"tenant": tenant}}
		for i, v := range vals {
			s.Times, s.Values = append(s.Times, at(i)), append(s.Values, v)
		}
		return s
	}
	vaultAt := at(2).Add(-20 * time.Second)
	cases := map[string]struct {
		in      BackfillInput
		records []string // tenant outcome time-from count
		vault   string   // held by the first record's Vault check
		note    string   // a note kind expected
		firstAt time.Time
	}{
		"confirmed by Vault takes its time": {
			in:      BackfillInput{Rotations: []CounterSeries{series("t1", 3, 3, 4, 4)}, Tenants: []collectors.Tenant{{ID: "t1", CurrentVersion: 4, CurrentCreated: &vaultAt}}},
			records: []string{"t1 success vault created_time 1"}, vault: "confirmed: version 4", firstAt: vaultAt,
		},
		"not confirmed keeps the sample time": {
			in:      BackfillInput{Rotations: []CounterSeries{series("t1", 3, 3, 4)}, Tenants: []collectors.Tenant{{ID: "t1", CurrentVersion: 9, CurrentCreated: ptr(at(-600))}}},
			records: []string{"t1 success first sample after the increase 1"}, vault: "not confirmed", firstAt: at(2),
		},
		"two in one step count 2": {
			in:      BackfillInput{Rotations: []CounterSeries{series("t1", 3, 5)}, TenantsError: "vault down"},
			records: []string{"t1 success first sample after the increase 2"}, vault: "not checked: Vault's key versions were not read (vault down)", firstAt: at(1),
		},
		"a failure with a version inside contradicts": {
			in:      BackfillInput{Failures: []CounterSeries{series("t1", 0, 0, 1)}, Tenants: []collectors.Tenant{{ID: "t1", CurrentVersion: 4, CurrentCreated: &vaultAt}}},
			records: []string{"t1 failure first sample after the increase 1"}, vault: "contradicts", firstAt: at(2), note: NoteNotRead,
		},
		"reset counts what came after": {
			in:      BackfillInput{Rotations: []CounterSeries{series("t1", 7, 1, 1)}, TenantsError: "x"},
			records: []string{"t1 success first sample after the increase 1"}, note: NoteCounterReset, firstAt: at(1),
		},
		"the tenant under tenant_id": {
			in: BackfillInput{Rotations: []CounterSeries{func() CounterSeries {
				s := series("", 3, 4)
				s.Labels = map[string]string{"tenant_id": "t-042"}
				return s
			}()}, TenantsError: "x"},
			records: []string{"t-042 success first sample after the increase 1"}, firstAt: at(1),
		},
		"counters not read": {
			in:   BackfillInput{RotationsError: "refused", FailuresError: "refused"},
			note: NoteNotRead,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			tc.in.RotationsMetric, tc.in.FailuresMetric, tc.in.From, tc.in.To = "cmek_rotation_total", "cmek_rotations_failed_total", at(-1), at(10)
			bf := RebuildAudit(tc.in)
			var got []string
			for _, r := range bf.Records {
				got = append(got, strings.Join([]string{r.Tenant, r.Outcome, r.Evidence.TimeFrom, itoa(r.Count)}, " "))
				if !r.Reconstructed {
					t.Error("not marked reconstructed")
				}
			}
			if strings.Join(got, "|") != strings.Join(tc.records, "|") {
				t.Errorf("records %q; want %q", got, tc.records)
			}
			if len(bf.Records) > 0 {
				if !bf.Records[0].Timestamp.Equal(tc.firstAt) || !strings.Contains(bf.Records[0].Evidence.Vault, tc.vault) {
					t.Errorf("first at %s (vault %q); want %s, %q", bf.Records[0].Timestamp, bf.Records[0].Evidence.Vault, tc.firstAt, tc.vault)
				}
			}
			if tc.note != "" {
				found := false
				for _, n := range bf.Notes {
					found = found || n.Kind == tc.note
				}
				if !found {
					t.Errorf("no %s note in %+v", tc.note, bf.Notes)
				}
			}
		})
	}
}

func itoa(n int) string { return fmtNum(float64(n)) }
