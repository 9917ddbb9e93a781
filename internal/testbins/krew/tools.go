//go:build tools

// Package krewtools records the commands scripts/releasetools.sh builds, so
// that `go mod tidy` keeps every checksum they need.
package krewtools

import (
	_ "sigs.k8s.io/krew/cmd/krew"
	_ "sigs.k8s.io/krew/cmd/validate-krew-manifest"
)
