package actions

import (
	"strings"
	"testing"
)

func TestReadJournal(t *testing.T) {
	in := strings.Join([]string{
		`{"time":"2026-11-27T03:00:00Z","id":"a","phase":"intent","action":"fix-role","target":"vault role","reason":"token expiring"}`,
		`{"time":"2026-11-27T03:00:01Z","id":"b","phase":"intent","action":"restart-orchestrator","target":"deployment"}`,
		`not json`,
		`{"time":"2026-11-27T03:00:02Z","id":"a","phase":"outcome","action":"fix-role","outcome":"ok","result":{"summary":"written"}}`,
		``,
		`{"time":"2026-11-27T03:00:03Z","id":"zz","phase":"outcome","action":"trim-versions","outcome":"ok"}`,
		`{"time":"2026-11-27T03:00:04Z","id":"c","phase":"intent","action":"renew-token"}`,
		`{"time":"2026-11-27T03:00:05Z","id":"c","phase":"outcome","action":"renew-token","outcome":"failed","error":"403"}`,
	}, "\n")
	recs, problems, err := ReadJournal(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 3 {
		t.Fatalf("%d records, want 3: %+v", len(recs), recs)
	}
	if recs[0].Intent.Action != "fix-role" || recs[0].Outcome == nil || recs[0].Outcome.Result.Summary != "written" || recs[0].Intent.Reason != "token expiring" {
		t.Errorf("record 0 = %+v", recs[0])
	}
	if recs[1].Intent.Action != "restart-orchestrator" || recs[1].Outcome != nil {
		t.Errorf("record 1 = %+v, want an intent without outcome", recs[1])
	}
	if recs[2].Outcome == nil || recs[2].Outcome.Outcome != "failed" || recs[2].Outcome.Error != "403" {
		t.Errorf("record 2 = %+v", recs[2])
	}
	want := []string{"line 3: not a journal entry", "line 6: outcome of trim-versions (id \"zz\") without its intent"}
	if len(problems) != len(want) {
		t.Fatalf("problems %q, want %d", problems, len(want))
	}
	for i, w := range want {
		if !strings.HasPrefix(problems[i], w) {
			t.Errorf("problem %d = %q, want it to start with %q", i, problems[i], w)
		}
	}
}
