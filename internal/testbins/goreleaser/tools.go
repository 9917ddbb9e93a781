//go:build tools

// Package goreleasertools records the command scripts/releasetools.sh
// builds, so that `go mod tidy` keeps every checksum it needs.
package goreleasertools

import _ "github.com/goreleaser/goreleaser/v2"
