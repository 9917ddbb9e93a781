package actions

import (
	"errors"
	"io"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/config"
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

// TestReadJournal_Changes: an intent line records the plan's typed
// changes, which read back equal to the plan's; lines written before the
// changes were journaled read as before, without them.
func TestReadJournal_Changes(t *testing.T) {
	j, err := OpenJournal(t.TempDir() + "/journal.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	p := RestartOrchestrator(config.Default(), "ns")
	if err := j.Append(Entry{ID: "n", Phase: "intent", Action: p.Action, Command: p.Command(), Changes: p.Changes}); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(j.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	old := `{"time":"2026-11-27T03:00:00Z","id":"o","phase":"intent","action":"fix-role","command":"vault write x"}` + "\n"
	recs, problems, err := ReadJournal(io.MultiReader(strings.NewReader(old), f))
	if err != nil || len(problems) != 0 || len(recs) != 2 {
		t.Fatalf("records %+v problems %v err %v", recs, problems, err)
	}
	if recs[0].Intent.Changes != nil || recs[0].Intent.Command != "vault write x" {
		t.Errorf("old line: %+v", recs[0].Intent)
	}
	if !reflect.DeepEqual(recs[1].Intent.Changes, p.Changes) {
		t.Errorf("changes read back %+v, want %+v", recs[1].Intent.Changes, p.Changes)
	}
}

// TestReadJournalActions: the file's actions as the timeline takes them
// (who without a credential, the outcome and its result, an interrupted
// action without one), damaged lines reported, and a missing file an
// error wrapping os.ErrNotExist.
func TestReadJournalActions(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		path := t.TempDir() + "/journal.jsonl"
		in := strings.Join([]string{
			`{"time":"2026-11-27T03:00:00Z","id":"a","phase":"intent","action":"fix-role","target":"vault role","who":{"kubeUser":"alice","vaultAccessor":"acc-1","vaultEntity":"ent-1"},"reason":"token expiring","command":"vault write r"}`,
			`{"time":"2026-11-27T03:00:02Z","id":"a","phase":"outcome","action":"fix-role","outcome":"ok","result":{"summary":"written","before":"ttl 10m","after":"ttl 24h"}}`,
			`{"time":"2026-11-27T03:01:00Z","id":"b","phase":"intent","action":"restart-orchestrator","target":"deployment/x","who":{"kubeUser":"bob"}}`,
			`{broken`,
		}, "\n")
		if err := os.WriteFile(path, []byte(in), 0o600); err != nil {
			t.Fatal(err)
		}
		acts, problems, err := ReadJournalActions(path)
		if err != nil {
			t.Fatal(err)
		}
		if len(problems) != 1 || !strings.HasPrefix(problems[0], "line 4: not a journal entry") {
			t.Errorf("problems %q, want line 4 named", problems)
		}
		if len(acts) != 2 {
			t.Fatalf("%d actions, want 2: %+v", len(acts), acts)
		}
		a := acts[0]
		if a.Who != "kubernetes alice · vault entity ent-1 · vault accessor acc-1" || a.Reason != "token expiring" || a.Outcome != "ok" ||
			a.Result != "written" || a.Before != "ttl 10m" || a.After != "ttl 24h" || a.OutcomeAt == nil || a.Command != "vault write r" {
			t.Errorf("action 0 = %+v", a)
		}
		if b := acts[1]; b.Outcome != "" || b.OutcomeAt != nil || b.Who != "kubernetes bob" {
			t.Errorf("action 1 = %+v, want no outcome", b)
		}
	})
	t.Run("ErrNotExist", func(t *testing.T) {
		_, _, err := ReadJournalActions(t.TempDir() + "/none.jsonl")
		if !errors.Is(err, os.ErrNotExist) {
			t.Errorf("err %v, want one wrapping os.ErrNotExist", err)
		}
	})
}

// TestJournal_TornLineAndLooseMode: a journal whose last line was torn by
// a write that failed part way (a full disk, a crash) gets the next entry
// on a line of its own: the torn line is named damaged, the next action is
// read whole (it was glued to the torn line and lost). An existing journal
// readable by others is tightened to 0600 when it is opened.
func TestJournal_TornLineAndLooseMode(t *testing.T) {
	path := t.TempDir() + "/journal.jsonl"
	torn := `{"time":"2026-11-27T03:00:00Z","id":"a","phase":"intent","action":"raise-deadline"}` + "\n" + `{"time":"2026-11-27T03:00:01Z","id":"a","phase":"outcome","act`
	if err := os.WriteFile(path, []byte(torn), 0o644); err != nil {
		t.Fatal(err)
	}
	j, err := OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v (%v), want 0600", fi.Mode().Perm(), err)
	}
	if err := j.Append(Entry{ID: "b", Phase: "intent", Action: "raise-deadline", Target: "cronjob cmek-rotation"}); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, problems, err := ReadJournal(f)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range recs {
		ids = append(ids, r.Intent.ID)
	}
	if !reflect.DeepEqual(ids, []string{"a", "b"}) {
		t.Errorf("records %v, want a and b (b whole after the torn line); problems %q", ids, problems)
	}
	if len(problems) != 1 || !strings.Contains(problems[0], "line 2") {
		t.Errorf("problems %q, want the torn line 2 named", problems)
	}
}
