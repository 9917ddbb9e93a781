package krew

import (
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

func readTestDist(t *testing.T) (Metadata, []Artifact) {
	t.Helper()
	m, a, err := ReadDist("testdata/dist")
	if err != nil {
		t.Fatal(err)
	}
	return m, a
}

func TestManifest(t *testing.T) {
	m, arts := readTestDist(t)
	text, err := Manifest(m, arts, "")
	if err != nil {
		t.Fatal(err)
	}
	var got manifest
	if err := yaml.Unmarshal(text, &got); err != nil {
		t.Fatalf("not YAML: %v\n%s", err, text)
	}
	if got.Metadata.Name != "secret-rotation" || got.Spec.Version != "v1.2.3" || got.Kind != "Plugin" {
		t.Errorf("name %q version %q kind %q, want secret-rotation v1.2.3 Plugin", got.Metadata.Name, got.Spec.Version, got.Kind)
	}
	if !strings.Contains(got.Spec.Caveats, "/store/secret-rotation/v1.2.3/kubectl_complete-rotation") {
		t.Errorf("caveats do not name the completion script in krew's store:\n%s", got.Spec.Caveats)
	}
	type want struct{ os, arch, uri, sha, bin string }
	base := "https://github.com/oss-ai-agent-tool/kubectl-rotation/releases/download/v1.2.3/"
	wants := []want{
		{"darwin", "amd64", base + "kubectl-rotation_v1.2.3_darwin_amd64.tar.gz", "e15a063040c34ec67f1ccb8f2cb60bea927fe2ac6e87469c9b0f90257e1e03c7", "kubectl-rotation"},
		{"darwin", "arm64", base + "kubectl-rotation_v1.2.3_darwin_arm64.tar.gz", "4bb83a40666449036b2fc8b756a59a59ac171e3fe2f86266789ed99c411da93e", "kubectl-rotation"},
		{"linux", "amd64", base + "kubectl-rotation_v1.2.3_linux_amd64.tar.gz", "0550fcf94c40bbb37589d35adf5c10573ca27f5c8b5ba2348a3ab9281536e8e2", "kubectl-rotation"},
		{"linux", "arm64", base + "kubectl-rotation_v1.2.3_linux_arm64.tar.gz", "27a96a8dace894e01c40fdd68455ed5b0ccf60afd5856011198aff58256ecbc8", "kubectl-rotation"},
		{"windows", "amd64", base + "kubectl-rotation_v1.2.3_windows_amd64.zip", "185e15e5f130ed22bcbe7e174edbeb4bdb4d3a9ebfd1cf7195370b47d0232801", "kubectl-rotation.exe"},
	}
	if len(got.Spec.Platforms) != len(wants) {
		t.Fatalf("%d platforms, want %d:\n%s", len(got.Spec.Platforms), len(wants), text)
	}
	for i, w := range wants {
		p := got.Spec.Platforms[i]
		g := want{p.Selector.MatchLabels["os"], p.Selector.MatchLabels["arch"], p.URI, p.Sha256, p.Bin}
		if g != w {
			t.Errorf("platform %d:\n got %+v\nwant %+v", i, g, w)
		}
		files := map[string]bool{}
		for _, f := range p.Files {
			files[f.From] = f.To == "."
		}
		if !files[p.Bin] || !files["LICENSE"] || files["kubectl_complete-rotation"] != (w.os != "windows") {
			t.Errorf("platform %s/%s files %+v: want the binary, LICENSE and (not on windows) the completion script", w.os, w.arch, p.Files)
		}
	}

	local, err := Manifest(m, arts, "http://127.0.0.1:8080/")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(local), "uri: http://127.0.0.1:8080/kubectl-rotation_v1.2.3_linux_amd64.tar.gz\n") {
		t.Errorf("a base URL is not used:\n%s", local)
	}
}

func TestManifest_Errors(t *testing.T) {
	m, arts := readTestDist(t)
	noSum := append([]Artifact(nil), arts...)
	for i := range noSum {
		if noSum[i].Type == "Archive" && noSum[i].Goos == "linux" {
			noSum[i].Extra.Checksum = ""
		}
	}
	for name, tt := range map[string]struct {
		arts []Artifact
		want string
	}{
		"no archives":      {nil, "no archive in artifacts.json"},
		"a missing sha256": {noSum, "no sha256 checksum"},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := Manifest(m, tt.arts, ""); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error with %q", err, tt.want)
			}
		})
	}
	if _, _, err := ReadDist(t.TempDir()); err == nil || !strings.Contains(err.Error(), "make release-snapshot") {
		t.Errorf("ReadDist of an empty directory: %v, want an error saying to run make release-snapshot", err)
	}
}

func TestShape(t *testing.T) {
	m, arts := readTestDist(t)
	a, err := Manifest(m, arts, "")
	if err != nil {
		t.Fatal(err)
	}
	other := m
	other.Version = "0.0.1-snapshot"
	changed := append([]Artifact(nil), arts...)
	for i := range changed {
		if changed[i].Type == "Archive" {
			changed[i].Extra.Checksum = "sha256:" + strings.Repeat("0", 64)
			changed[i].Name = strings.ReplaceAll(changed[i].Name, "1.2.3", "0.0.1-snapshot")
		}
	}
	b, err := Manifest(other, changed, "")
	if err != nil {
		t.Fatal(err)
	}
	sa, _ := Shape(a)
	sb, _ := Shape(b)
	if string(sa) != string(sb) {
		t.Errorf("another version and other sums change the shape:\n%s\n---\n%s", sa, sb)
	}
	c := []byte(strings.Replace(string(a), "bin: kubectl-rotation\n", "bin: kubectl-other\n", 1))
	if sc, _ := Shape(c); string(sc) == string(sa) {
		t.Error("another bin keeps the shape")
	}
}
