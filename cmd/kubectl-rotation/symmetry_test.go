package main

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
)

// TestRun_ReportYAML: report -o yaml is the JSON document, field for field.
func TestRun_ReportYAML(t *testing.T) {
	isolateEnv(t)
	codeJ, js, _ := runArgs(t, "report", "--demo", "-o", "json")
	codeY, ys, errOut := runArgs(t, "report", "--demo", "-o", "yaml")
	if codeY != codeJ || codeY == exitUsage || errOut != "" {
		t.Fatalf("-o yaml: exit %d (json: %d), stderr %q", codeY, codeJ, errOut)
	}
	if strings.HasPrefix(ys, "{") || !strings.HasPrefix(ys, "schemaVersion: ") {
		t.Errorf("-o yaml does not start with the first field in block style:\n%.200s", ys)
	}
	var fromJSON, fromYAML any
	if err := json.Unmarshal([]byte(js), &fromJSON); err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal([]byte(ys), &fromYAML); err != nil {
		t.Fatalf("-o yaml is not YAML: %v", err)
	}
	// Through JSON again, so that YAML's ints and JSON's float64s compare.
	b, err := json.Marshal(fromYAML)
	if err != nil {
		t.Fatal(err)
	}
	var yamlAsJSON any
	if err := json.Unmarshal(b, &yamlAsJSON); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(fromJSON, yamlAsJSON) {
		t.Errorf("-o yaml and -o json differ:\nyaml: %.400s\njson: %.400s", b, js)
	}
}

// TestRun_SnapshotDemo: snapshot --demo writes the demo's snapshot, which
// report --from judges exactly as report --demo does.
func TestRun_SnapshotDemo(t *testing.T) {
	home := isolateEnv(t)
	code, snap, errOut := runArgs(t, "snapshot", "--demo")
	if code != 0 || errOut != "" {
		t.Fatalf("snapshot --demo: exit %d, stderr %q", code, errOut)
	}
	if _, err := collectors.ReadSnapshot(strings.NewReader(snap)); err != nil {
		t.Fatalf("snapshot --demo is not a snapshot: %v", err)
	}
	path := writeFile(t, filepath.Join(home, "demo.json"), snap)
	codeFrom, fromFile, _ := runArgs(t, "report", "--from", path, "-o", "json")
	codeDemo, demo, _ := runArgs(t, "report", "--demo", "-o", "json")
	if codeFrom != codeDemo || fromFile != demo {
		t.Errorf("report --from (snapshot --demo) exit %d and report --demo exit %d differ:\n%.300s\n%.300s", codeFrom, codeDemo, fromFile, demo)
	}
	if code, _, errOut := runArgs(t, "snapshot", "--demo", "--from", path); code != exitUsage || !strings.Contains(errOut, "unknown flag: --from") {
		t.Errorf("snapshot --from: exit %d, stderr %q; want a usage error (a snapshot is not replayed into a snapshot)", code, errOut)
	}
}
