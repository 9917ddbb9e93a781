// Package krew writes the krew plugin manifest of kubectl-rotation from
// GoReleaser's output (dist/metadata.json and dist/artifacts.json): every
// archive's URI and sha256 come from there, never typed by hand. The
// manifest is checked by krew's own validator (cmd/krew-manifest).
package krew

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// PluginName is the plugin's name in krew. krew installs it as
// kubectl-secret_rotation, which kubectl runs as `kubectl secret-rotation`;
// the README says why the name is not plain "rotation".
const PluginName = "secret-rotation"

// ReleaseURL is where a tagged release's archives are downloaded from;
// %s is the version with its v.
const ReleaseURL = "https://github.com/oss-ai-agent-tool/kubectl-rotation/releases/download/%s"

// Metadata is what dist/metadata.json says about the release.
type Metadata struct {
	ProjectName string `json:"project_name"`
	Tag         string `json:"tag"`
	// Version is without the v: 1.2.3, or 0.0.1-snapshot.
	Version string `json:"version"`
	Commit  string `json:"commit"`
}

// Artifact is one entry of dist/artifacts.json.
type Artifact struct {
	Name   string `json:"name"`
	Path   string `json:"path"`
	Goos   string `json:"goos"`
	Goarch string `json:"goarch"`
	Type   string `json:"type"`
	Extra  struct {
		Binaries []string `json:"Binaries"`
		Checksum string   `json:"Checksum"`
		Format   string   `json:"Format"`
	} `json:"extra"`
}

// ReadDist reads GoReleaser's metadata and artifacts from dir. It returns
// an error when either file is missing or malformed.
func ReadDist(dir string) (Metadata, []Artifact, error) {
	var m Metadata
	var a []Artifact
	if err := readJSON(filepath.Join(dir, "metadata.json"), &m); err != nil {
		return m, nil, err
	}
	if err := readJSON(filepath.Join(dir, "artifacts.json"), &a); err != nil {
		return m, nil, err
	}
	return m, a, nil
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("%w (run make release-snapshot)", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// Archives returns the archive artifacts, ordered by OS and architecture.
func Archives(arts []Artifact) []Artifact {
	var out []Artifact
	for _, a := range arts {
		if a.Type == "Archive" {
			out = append(out, a)
		}
	}
	slices.SortFunc(out, func(x, y Artifact) int { return strings.Compare(x.Goos+"/"+x.Goarch, y.Goos+"/"+y.Goarch) })
	return out
}

// The manifest's shape (krew.googlecontainertools.github.com/v1alpha2),
// fields in the order krew's own manifests use.
type manifest struct {
	APIVersion string   `yaml:"apiVersion"`
	Kind       string   `yaml:"kind"`
	Metadata   metadata `yaml:"metadata"`
	Spec       spec     `yaml:"spec"`
}

type metadata struct {
	Name string `yaml:"name"`
}

type spec struct {
	Version          string     `yaml:"version"`
	Homepage         string     `yaml:"homepage"`
	ShortDescription string     `yaml:"shortDescription"`
	Description      string     `yaml:"description"`
	Caveats          string     `yaml:"caveats"`
	Platforms        []platform `yaml:"platforms"`
}

type platform struct {
	Selector selector `yaml:"selector"`
	URI      string   `yaml:"uri"`
	Sha256   string   `yaml:"sha256"`
	Files    []file   `yaml:"files"`
	Bin      string   `yaml:"bin"`
}

type selector struct {
	MatchLabels map[string]string `yaml:"matchLabels"`
}

type file struct {
	From string `yaml:"from"`
	To   string `yaml:"to"`
}

const shortDescription = "Diagnose and fix Vault/CMEK secret-rotation failures"

const description = `A terminal dashboard for the on-call engineer whose secret rotation is
failing: CMEK rotation CronJobs, Vault token renewal, secret version
retention, missing audit events. It turns the secret-rotation runbook into
a live, guided diagnosis (CronJob and Job status, failed-job logs, audit
events, Vault token TTLs and KV version counts, Prometheus metrics and
alerts) with confirmed one-key fixes, and an enforced read-only mode for
audits. 'kubectl secret-rotation report' is the non-interactive triage,
with exit codes; 'kubectl secret-rotation --demo' needs no cluster.
`

// caveats tells how to turn on kubectl's completion of the plugin; %s is
// the version with its v.
const caveats = `kubectl completes 'kubectl secret-rotation <TAB>' (kubectl 1.26 or
newer) with a script on the PATH named kubectl_complete-secret_rotation.
The archive ships it; copy it next to krew's link:

  cp "${KREW_ROOT:-$HOME/.krew}/store/secret-rotation/%s/kubectl_complete-rotation" \
     "${KREW_ROOT:-$HOME/.krew}/bin/kubectl_complete-secret_rotation"

Vault follows the Vault CLI (VAULT_ADDR, VAULT_TOKEN or ~/.vault-token).
`

// Manifest returns the krew manifest for the archives in arts, downloaded
// from baseURL (ReleaseURL filled with the version when empty). It returns
// an error when an archive lacks its sha256 or its binary, or when there is
// no archive at all.
func Manifest(m Metadata, arts []Artifact, baseURL string) ([]byte, error) {
	version := "v" + strings.TrimPrefix(m.Version, "v")
	if baseURL == "" {
		baseURL = fmt.Sprintf(ReleaseURL, version)
	}
	archives := Archives(arts)
	if len(archives) == 0 {
		return nil, errors.New("no archive in artifacts.json (run make release-snapshot)")
	}
	out := manifest{
		APIVersion: "krew.googlecontainertools.github.com/v1alpha2",
		Kind:       "Plugin",
		Metadata:   metadata{Name: PluginName},
		Spec: spec{
			Version:          version,
			Homepage:         "https://github.com/oss-ai-agent-tool/kubectl-rotation",
			ShortDescription: shortDescription,
			Description:      description,
			Caveats:          fmt.Sprintf(caveats, version),
		},
	}
	for _, a := range archives {
		sum, ok := strings.CutPrefix(a.Extra.Checksum, "sha256:")
		if !ok || len(sum) != 64 {
			return nil, fmt.Errorf("archive %s: no sha256 checksum in artifacts.json (got %q)", a.Name, a.Extra.Checksum)
		}
		if len(a.Extra.Binaries) != 1 {
			return nil, fmt.Errorf("archive %s: want one binary, artifacts.json lists %q", a.Name, a.Extra.Binaries)
		}
		bin := a.Extra.Binaries[0]
		if a.Goos == "windows" && !strings.HasSuffix(bin, ".exe") {
			bin += ".exe"
		}
		files := []file{{From: bin, To: "."}, {From: "LICENSE", To: "."}}
		if a.Goos != "windows" {
			files = append(files, file{From: "kubectl_complete-rotation", To: "."})
		}
		out.Spec.Platforms = append(out.Spec.Platforms, platform{
			Selector: selector{MatchLabels: map[string]string{"os": a.Goos, "arch": a.Goarch}},
			URI:      strings.TrimSuffix(baseURL, "/") + "/" + a.Name,
			Sha256:   sum,
			Files:    files,
			Bin:      bin,
		})
	}
	var buf bytes.Buffer
	buf.WriteString("# Generated by `make krew-manifest` (internal/krew/cmd/krew-manifest) from GoReleaser's\n")
	buf.WriteString("# dist/ output: do not edit. Until the first tagged release the URIs and sums are\n")
	buf.WriteString("# those of the last snapshot (make release-snapshot), which is not published.\n")
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(out); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Shape returns the manifest text with what changes from build to build
// (the version, the URIs, the sha256 sums) replaced by placeholders, so a
// committed manifest can be compared with a fresh one.
func Shape(manifestText []byte) ([]byte, error) {
	var m manifest
	if err := yaml.Unmarshal(manifestText, &m); err != nil {
		return nil, err
	}
	v := m.Spec.Version
	m.Spec.Version = "VERSION"
	m.Spec.Caveats = strings.ReplaceAll(m.Spec.Caveats, v, "VERSION")
	for i := range m.Spec.Platforms {
		p := &m.Spec.Platforms[i]
		p.URI = strings.ReplaceAll(p.URI, v, "VERSION")
		p.Sha256 = "SHA256"
	}
	return yaml.Marshal(m)
}
