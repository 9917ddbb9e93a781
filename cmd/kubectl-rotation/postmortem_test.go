package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/oss-ai-agent-tool/kubectl-rotation/runbook"
)

// TestPostmortem_Demo: the demo's postmortem draft with the test journal,
// as a golden file; the JSON holds the same sections.
func TestPostmortem_Demo(t *testing.T) {
	isolateEnv(t)
	code, out, errOut := runArgs(t, "postmortem", "--demo", "--journal", "testdata/journal.jsonl")
	if code != 0 || !strings.Contains(errOut, "line 4") {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	golden(t, "postmortem-demo.md", out)
	code, out, _ = runArgs(t, "postmortem", "--demo", "-o", "json", "--since", "48h")
	var pm runbook.Postmortem
	if err := json.Unmarshal([]byte(out), &pm); code != 0 || err != nil {
		t.Fatalf("exit %d, %v", code, err)
	}
	if len(pm.Scenarios) != 6 || pm.Detection.FirstSign == nil || !pm.Compliance.Reportable || len(pm.Impact.OverRetention) != 3 || len(pm.Timeline.Entries) == 0 {
		t.Errorf("postmortem: %d scenarios, first sign %v, reportable %v, %d over retention, %d timeline entries",
			len(pm.Scenarios), pm.Detection.FirstSign, pm.Compliance.Reportable, len(pm.Impact.OverRetention), len(pm.Timeline.Entries))
	}
	for _, tn := range pm.Compliance.Tenants {
		if tn.Conditions[1].Condition != runbook.CondProduction || tn.Conditions[1].State != runbook.CondUnknown {
			t.Errorf("%s: production tenant %+v; want unknown (the data cannot tell)", tn.Tenant, tn.Conditions[1])
		}
	}
}

// TestPostmortem_TwoSnapshots: the demo before and after is the same
// state; --after needs --from.
func TestPostmortem_TwoSnapshots(t *testing.T) {
	isolateEnv(t)
	dir := t.TempDir()
	code, snap, _ := runArgs(t, "snapshot", "--demo")
	if code != 0 {
		t.Fatal(code)
	}
	path := writeFile(t, dir+"/snap.json", snap)
	code, out, errOut := runArgs(t, "postmortem", "--from", path, "--after", path)
	if code != 0 || !strings.Contains(out, "### 5. Batch rotation timeout — active → active") || !strings.Contains(out, "Before: snapshot of") {
		t.Errorf("exit %d, stderr %q:\n%.600s", code, errOut, out)
	}
	code, _, errOut = runArgs(t, "postmortem", "--demo", "--after", path)
	if code != exitUsage || !strings.Contains(errOut, "needs --from BEFORE.json") {
		t.Errorf("--after without --from: exit %d, %q", code, errOut)
	}
	code, _, errOut = runArgs(t, "postmortem", "--demo", "-o", "text")
	if code != exitUsage || !strings.Contains(errOut, `--output "text": use markdown or json`) {
		t.Errorf("-o text: exit %d, %q", code, errOut)
	}
}
