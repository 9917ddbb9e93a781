package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oss-ai-agent-tool/kubectl-rotation/actions"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/lab"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/testenv"
)

// TestJournal_Fixture: a journal with a finished, an interrupted and a
// failed action and a damaged line, as text (golden) and as JSON.
func TestJournal_Fixture(t *testing.T) {
	isolateEnv(t)
	path := filepath.Join("testdata", "journal.jsonl")
	code, out, errOut := runArgs(t, "journal", "--journal", path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	golden(t, "journal.txt", out)
	if !strings.Contains(errOut, "line 4: not a journal entry") {
		t.Errorf("stderr %q: want the damaged line named", errOut)
	}

	code, out, errOut = runArgs(t, "journal", "--journal", path, "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var recs []actions.Record
	if err := json.Unmarshal([]byte(out), &recs); err != nil {
		t.Fatal(err)
	}
	if len(recs) != 3 || recs[1].Outcome != nil || recs[2].Outcome == nil || recs[2].Outcome.Outcome != "failed" {
		t.Errorf("records %+v", recs)
	}

	code, out, _ = runArgs(t, "journal", "--journal", path, "--since", "1h", "-o", "json")
	if code != 0 || strings.TrimSpace(out) != "[]" {
		t.Errorf("--since 1h (the fixture is older): exit %d, %q", code, out)
	}
}

func TestJournal_Errors(t *testing.T) {
	isolateEnv(t)
	tests := map[string]struct {
		args []string
		want string
	}{
		"missing journal": {[]string{"journal", "--journal", filepath.Join(t.TempDir(), "none.jsonl")}, "no action was recorded there"},
		"bad output":      {[]string{"journal", "--journal", "testdata/journal.jsonl", "-o", "yaml"}, `--output "yaml": use text or json`},
		"negative since":  {[]string{"journal", "--journal", "testdata/journal.jsonl", "--since", "-1h"}, "must not be negative"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			code, _, errOut := runArgs(t, tc.args...)
			if code == 0 || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d, stderr %q; want non-zero and %q", code, errOut, tc.want)
			}
		})
	}
}

// TestJournal_Lab: an action run by the executor against the real servers
// is told by 'journal' with who ran it, why, and how it ended.
func TestJournal_Lab(t *testing.T) {
	isolateEnv(t)
	e := testenv.Get(t)
	w := lab.SeedTB(t, e, lab.Options{Scenarios: []lab.Scenario{lab.BatchTimeout}, Tenants: 6})
	user := "oncall-" + w.Namespace
	kcfg, _, err := e.Kube.AddUser(user, []string{"system:masters"}, "")
	if err != nil {
		t.Fatal(err)
	}
	tools := w.Tools(t, lab.ToolOptions{REST: kcfg})
	ex, path := tools.Executor, tools.JournalPath
	if _, err := ex.Execute(context.Background(), actions.RaiseDeadline(w.Config, w.Namespace, 1800), "batch timed out"); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runArgs(t, "journal", "--journal", path, "--since", "1h")
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	for _, want := range []string{"1 action(s)", "raise-deadline  ok after", "kubernetes " + user, "reason   batch timed out",
		"kubectl patch cronjob " + w.Config.Kubernetes.RotationCronJob, "activeDeadlineSeconds 600s → 1800s"} {
		if !strings.Contains(out, want) {
			t.Errorf("journal output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, e.Vault.RootToken) {
		t.Error("the journal output holds the token")
	}
}

// TestJournal_NoJournalYet: on a machine where nothing has been journaled
// (the default journal does not exist), journal says so and exits 0, as
// the timeline does; a --journal FILE that does not exist is a usage
// error, and a default journal that cannot be read could not complete.
func TestJournal_NoJournalYet(t *testing.T) {
	tests := map[string]struct {
		args       []string
		setup      func(t *testing.T, home string)
		wantCode   int
		wantOut    string // a substring of stdout; "" for none
		wantStderr string // a substring of stderr; "" for none at all
	}{
		"default missing, text": {
			wantCode: exitOK,
			wantOut:  "Journal HOME/.local/state/kubectl-rotation/journal.jsonl: no action has been journaled yet",
		},
		"default missing, json": {args: []string{"-o", "json"}, wantCode: exitOK, wantOut: "[]\n"},
		"default missing, since": {
			args: []string{"--since", "24h", "-o", "json"}, wantCode: exitOK, wantOut: "[]\n",
		},
		"default under XDG_STATE_HOME missing": {
			setup:    func(t *testing.T, home string) { t.Setenv("XDG_STATE_HOME", filepath.Join(home, "state")) },
			wantCode: exitOK,
			wantOut:  "Journal HOME/state/kubectl-rotation/journal.jsonl: no action has been journaled yet",
		},
		"explicit missing": {
			args:       []string{"--journal", "HOME/none.jsonl"},
			wantCode:   exitUsage,
			wantStderr: "error: --journal HOME/none.jsonl: no such file",
		},
		"explicit missing, json": {
			args:       []string{"--journal", "HOME/none.jsonl", "-o", "json"},
			wantCode:   exitUsage,
			wantStderr: "error: --journal HOME/none.jsonl: no such file",
		},
		"default unreadable (a directory)": {
			setup: func(t *testing.T, home string) {
				if err := os.MkdirAll(filepath.Join(home, ".local", "state", "kubectl-rotation", "journal.jsonl"), 0o700); err != nil {
					t.Fatal(err)
				}
			},
			wantCode:   exitFailed,
			wantStderr: "is a directory",
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			home := isolateEnv(t)
			if tt.setup != nil {
				tt.setup(t, home)
			}
			args := []string{"journal"}
			for _, a := range tt.args {
				args = append(args, strings.ReplaceAll(a, "HOME", home))
			}
			code, out, errOut := runArgs(t, args...)
			wantOut := strings.ReplaceAll(tt.wantOut, "HOME", home)
			wantStderr := strings.ReplaceAll(tt.wantStderr, "HOME", home)
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d (stdout %q, stderr %q)", code, tt.wantCode, out, errOut)
			}
			if (wantOut == "") != (out == "") || !strings.Contains(out, wantOut) {
				t.Errorf("stdout %q, want %q", out, wantOut)
			}
			if (wantStderr == "") != (errOut == "") || !strings.Contains(errOut, wantStderr) {
				t.Errorf("stderr %q, want %q", errOut, wantStderr)
			}
		})
	}
}
