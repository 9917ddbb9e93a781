package main

import (
	"runtime/debug"
	"testing"
)

// Build info as the Go toolchain writes it (go version -m), for the ways
// the binary is built.
const (
	// go install github.com/oss-ai-agent-tool/kubectl-rotation/cmd/kubectl-rotation@v1.2.3
	buildInfoGoInstall = "go\tgo1.26.8\n" +
		"path\tgithub.com/oss-ai-agent-tool/kubectl-rotation/cmd/kubectl-rotation\n" +
		"mod\tgithub.com/oss-ai-agent-tool/kubectl-rotation\tv1.2.3\th1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n" +
		"build\t-buildmode=exe\n" +
		"build\tCGO_ENABLED=0\n"
	// go build in a git checkout with uncommitted changes
	buildInfoCheckout = "go\tgo1.26.8\n" +
		"path\tgithub.com/oss-ai-agent-tool/kubectl-rotation/cmd/kubectl-rotation\n" +
		"mod\tgithub.com/oss-ai-agent-tool/kubectl-rotation\tv0.0.0-20261202032648-0df169e5f3b3+dirty\t\n" +
		"build\t-buildmode=exe\n" +
		"build\tvcs=git\n" +
		"build\tvcs.revision=0df169e5f3b3f33e7fd8b1fa25eefa66475a8eca\n" +
		"build\tvcs.time=2026-12-02T03:26:48Z\n" +
		"build\tvcs.modified=true\n"
	// go build -buildvcs=false, go run, go test
	buildInfoDevel = "go\tgo1.26.8\n" +
		"path\tgithub.com/oss-ai-agent-tool/kubectl-rotation/cmd/kubectl-rotation\n" +
		"mod\tgithub.com/oss-ai-agent-tool/kubectl-rotation\t(devel)\t\n"
)

func parseBuildInfo(t *testing.T, s string) *debug.BuildInfo {
	t.Helper()
	bi, err := debug.ParseBuildInfo(s)
	if err != nil {
		t.Fatal(err)
	}
	return bi
}

func TestDescribeBuild(t *testing.T) {
	tests := map[string]struct {
		version, commit, date string
		buildInfo             string // "" for none
		want                  string
	}{
		"release stamp": {
			version: "v1.2.3", commit: "0df169e5f3b3f33e7fd8b1fa25eefa66475a8eca", date: "2026-12-01T10:00:00Z", buildInfo: buildInfoCheckout,
			want: "v1.2.3 (commit 0df169e5f3b3, 2026-12-01T10:00:00Z, go1.26.8)",
		},
		"snapshot stamp": {
			version: "v0.0.0-SNAPSHOT-0df169e", commit: "0df169e5f3b3f33e7fd8b1fa25eefa66475a8eca", date: "2026-12-01T10:00:00Z",
			want: "v0.0.0-SNAPSHOT-0df169e (commit 0df169e5f3b3, 2026-12-01T10:00:00Z, go1.26.8)",
		},
		"go install @version": {
			version: "dev", buildInfo: buildInfoGoInstall,
			want: "v1.2.3 (go1.26.8)",
		},
		"go build in a checkout": {
			version: "dev", buildInfo: buildInfoCheckout,
			want: "v0.0.0-20261202032648-0df169e5f3b3+dirty (commit 0df169e5f3b3, modified, 2026-12-02T03:26:48Z, go1.26.8)",
		},
		"stamped version, commit from the checkout": {
			version: "v1.2.3", buildInfo: buildInfoCheckout,
			want: "v1.2.3 (commit 0df169e5f3b3, modified, 2026-12-02T03:26:48Z, go1.26.8)",
		},
		"nothing known": {
			version: "dev", buildInfo: buildInfoDevel,
			want: "dev (go1.26.8)",
		},
		"no build info": {
			version: "dev",
			want:    "dev (go1.26.8)",
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			var bi *debug.BuildInfo
			if tt.buildInfo != "" {
				bi = parseBuildInfo(t, tt.buildInfo)
			}
			if got := describeBuild(tt.version, tt.commit, tt.date, bi, "go1.26.8").String(); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

// TestRun_VersionStamp: --version prints the stamp the release build sets
// (the -X names .goreleaser.yaml uses), and the report and user agent carry
// the version.
func TestRun_VersionStamp(t *testing.T) {
	isolateEnv(t)
	old := [3]string{version, commit, date}
	version, commit, date = "v1.2.3", "0df169e5f3b3f33e7fd8b1fa25eefa66475a8eca", "2026-12-01T10:00:00Z"
	t.Cleanup(func() { version, commit, date = old[0], old[1], old[2] })
	code, out, _ := runArgs(t, "--version")
	if want := "kubectl-rotation v1.2.3 (commit 0df169e5f3b3, 2026-12-01T10:00:00Z, " + buildInfo().Go + ")\n"; code != 0 || out != want {
		t.Errorf("got %d %q, want 0 %q", code, out, want)
	}
	if got := userAgent(); got != "kubectl-rotation/v1.2.3" {
		t.Errorf("user agent %q, want kubectl-rotation/v1.2.3", got)
	}
}
