package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
)

// The build stamp, set by the release build (.goreleaser.yaml) with
//
//	-ldflags "-X main.version=v1.2.3 -X main.commit=<sha> -X main.date=<RFC 3339>"
//
// A build without it (go install …@v1.2.3, go build in a checkout) is
// described from the Go build info instead; see buildInfo.
var (
	commit = ""
	date   = ""
)

// buildDescription is what --version, the report's generator and the user
// agent say about this binary.
type buildDescription struct {
	// Version is the release version: the stamp, else the main module's
	// version from the build info (v1.2.3 for go install …@v1.2.3, a
	// pseudo-version for a build in a checkout), else "dev".
	Version string
	// Commit is the VCS revision (the stamp, else vcs.revision); "" when
	// unknown.
	Commit string
	// Date is the commit or build time (the stamp, else vcs.time); "" when
	// unknown.
	Date string
	// Modified is set when the checkout had uncommitted changes
	// (vcs.modified).
	Modified bool
	// Go is the Go version the binary was built with.
	Go string
}

// buildInfo describes this binary from the ldflags stamp and the Go build
// info.
func buildInfo() buildDescription {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		bi = nil
	}
	return describeBuild(version, commit, date, bi, runtime.Version())
}

// describeBuild fills a buildDescription: each stamped value wins, a
// missing one is taken from bi (which may be nil). The version "dev" is
// what an unstamped build carries in the version variable, so it counts as
// missing.
func describeBuild(stampVersion, stampCommit, stampDate string, bi *debug.BuildInfo, goVersion string) buildDescription {
	d := buildDescription{Commit: stampCommit, Date: stampDate, Go: goVersion}
	if stampVersion != "dev" {
		d.Version = stampVersion
	}
	if bi != nil {
		if v := bi.Main.Version; d.Version == "" && v != "" && v != "(devel)" {
			d.Version = v
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				if d.Commit == "" {
					d.Commit = s.Value
				}
			case "vcs.time":
				if d.Date == "" {
					d.Date = s.Value
				}
			case "vcs.modified":
				d.Modified = stampCommit == "" && s.Value == "true"
			}
		}
		if goVersion == "" {
			d.Go = bi.GoVersion
		}
	}
	if d.Version == "" {
		d.Version = "dev"
	}
	return d
}

// String returns "<version> (commit <12 hex>[, modified], <date>, <go>)",
// leaving out what is unknown: "dev (go1.26.8)" for a build nothing is
// known about.
func (d buildDescription) String() string {
	var parts []string
	if d.Commit != "" {
		c := d.Commit
		if len(c) > 12 {
			c = c[:12]
		}
		parts = append(parts, "commit "+c)
		if d.Modified {
			parts = append(parts, "modified")
		}
	}
	if d.Date != "" {
		parts = append(parts, d.Date)
	}
	if d.Go != "" {
		parts = append(parts, d.Go)
	}
	if len(parts) == 0 {
		return d.Version
	}
	return fmt.Sprintf("%s (%s)", d.Version, strings.Join(parts, ", "))
}

// releaseVersion is the version alone, for the report and the user agent.
func releaseVersion() string { return buildInfo().Version }

// versionString is what --version prints after the command's name.
func versionString() string { return buildInfo().String() }
