package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/oss-ai-agent-tool/kubectl-rotation/runbook"
)

// TestTimeline_Demo: the demo's timeline with the test journal, as golden
// files (text: everything; JSON: one tenant over two days).
func TestTimeline_Demo(t *testing.T) {
	isolateEnv(t)
	t.Run("text", func(t *testing.T) {
		code, out, errOut := runArgs(t, "timeline", "--demo", "--journal", "testdata/journal.jsonl")
		if code != 0 || !strings.Contains(errOut, "journal.jsonl: line 4: not a journal entry") {
			t.Fatalf("exit %d, stderr %q; want 0 and the damaged journal line named", code, errOut)
		}
		golden(t, "timeline-demo.txt", out)
	})
	t.Run("json tenant", func(t *testing.T) {
		code, out, errOut := runArgs(t, "timeline", "--demo", "--tenant", "t-017", "--since", "48h", "-o", "json")
		if code != 0 || errOut != "" {
			t.Fatalf("exit %d, stderr %q", code, errOut)
		}
		golden(t, "timeline-demo-t-017.json", out)
		var tl runbook.Timeline
		if err := json.Unmarshal([]byte(out), &tl); err != nil {
			t.Fatal(err)
		}
		first := 0
		for _, e := range tl.Entries {
			if e.Tenant != "" && e.Tenant != "t-017" {
				t.Errorf("entry of tenant %s in t-017's timeline: %s", e.Tenant, e.Summary)
			}
			if e.At.Before(*tl.From) {
				t.Errorf("entry before --since: %s %s", e.At, e.Summary)
			}
			for _, m := range e.Marks {
				if m == runbook.MarkFirstFailure {
					first++
				}
			}
		}
		if first != 1 {
			t.Errorf("%d first failures marked for t-017; want 1", first)
		}
	})
	t.Run("scenario", func(t *testing.T) {
		code, out, _ := runArgs(t, "timeline", "--demo", "--scenario", "5", "-o", "json")
		var tl runbook.Timeline
		if err := json.Unmarshal([]byte(out), &tl); code != 0 || err != nil {
			t.Fatalf("exit %d, %v", code, err)
		}
		if tl.Scenario != runbook.ScenarioBatchTimeout || len(tl.Entries) == 0 {
			t.Fatalf("scenario %q, %d entries", tl.Scenario, len(tl.Entries))
		}
		deadline := false
		for _, e := range tl.Entries {
			if !strings.Contains(strings.Join(e.Scenarios, ","), runbook.ScenarioBatchTimeout) {
				t.Errorf("entry not of Scenario 5: %+v", e)
			}
			deadline = deadline || strings.Contains(e.Summary, "DeadlineExceeded")
		}
		if !deadline {
			t.Error("Scenario 5's timeline lacks the run killed at its deadline")
		}
	})
}

func TestTimeline_UsageErrors(t *testing.T) {
	isolateEnv(t)
	for name, tc := range map[string]struct {
		args []string
		want string
	}{
		"format":         {[]string{"-o", "yaml"}, `--output "yaml": use text or json`},
		"negative since": {[]string{"--since", "-1h"}, "--since -1h0m0s: must not be negative"},
		"scenario":       {[]string{"--scenario", "9"}, `--scenario "9": want a scenario number 1-6 or id`},
		"no journal":     {[]string{"--journal", "testdata/no-such-journal.jsonl"}, "--journal testdata/no-such-journal.jsonl: no such file"},
		"argument":       {[]string{"extra"}, "unknown command"},
		"from missing":   {[]string{"--from", "testdata/nope.json"}, "--from: cannot read the snapshot: open testdata/nope.json"},
	} {
		t.Run(name, func(t *testing.T) {
			args := append([]string{"timeline"}, tc.args...)
			if name != "from missing" {
				args = append(args, "--demo")
			}
			code, out, errOut := runArgs(t, args...)
			if code != exitUsage || out != "" || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d, stdout %.60q, stderr %q; want %d and %q", code, out, errOut, exitUsage, tc.want)
			}
		})
	}
}

// TestRun_JournalCheckedBeforeContact: timeline and postmortem say exit 4
// means nothing was contacted; a --journal FILE that does not exist or
// cannot be read is found by Validate, before the live sources are read.
// Every server (API server, Vault, Prometheus) is one that counts the
// requests it gets.
func TestRun_JournalCheckedBeforeContact(t *testing.T) {
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		requests.Add(1)
		http.Error(w, "not a real server", http.StatusServiceUnavailable)
	}))
	t.Cleanup(srv.Close)
	tests := map[string]struct {
		journal    func(dir string) string
		wantStderr string
	}{
		"missing":      {func(dir string) string { return filepath.Join(dir, "none.jsonl") }, "no such file"},
		"a directory":  {func(dir string) string { return dir }, "is a directory"},
		"missing path": {func(dir string) string { return filepath.Join(dir, "no-dir", "journal.jsonl") }, "no such file"},
	}
	for _, command := range []string{"timeline", "postmortem"} {
		for name, tt := range tests {
			t.Run(command+" "+name, func(t *testing.T) {
				home := isolateEnv(t)
				kc := writeFile(t, filepath.Join(home, "kubeconfig"), strings.ReplaceAll(unreachableKubeconfig, "https://127.0.0.1:1", srv.URL))
				journal := tt.journal(home)
				before := requests.Load()
				code, out, errOut := runArgs(t, command, "--kubeconfig", kc, "--vault-addr", srv.URL, "--prometheus-url", srv.URL, "--journal", journal)
				if n := requests.Load() - before; n != 0 {
					t.Errorf("%d requests reached the servers before the journal was checked", n)
				}
				if want := "--journal " + journal + ": " + tt.wantStderr; code != exitUsage || out != "" || !strings.Contains(errOut, want) {
					t.Errorf("exit %d, stdout %.60q, stderr %q; want %d and %q", code, out, errOut, exitUsage, want)
				}
			})
		}
	}
	t.Run("the default journal is not required", func(t *testing.T) {
		isolateEnv(t)
		code, _, errOut := runArgs(t, "timeline", "--demo", "-o", "json")
		if code != exitOK || errOut != "" {
			t.Errorf("exit %d, stderr %q; want 0 and nothing", code, errOut)
		}
	})
}
