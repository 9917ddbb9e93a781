//go:build tools

// Package vaulttools records the command scripts/testbins.sh builds, so that
// `go mod tidy` keeps every checksum it needs.
package vaulttools

import _ "github.com/hashicorp/vault"
