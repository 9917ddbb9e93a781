// Package demo holds the built-in demo: a snapshot the collectors took of
// the lab with all six runbook scenarios active (made with
// `go run ./internal/lab/cmd/rotation-lab --capture internal/demo/snapshot.json --exit-after-seed`).
package demo

import (
	"bytes"
	_ "embed"
	"fmt"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
)

//go:embed snapshot.json
var snapshotJSON []byte

// Snapshot decodes a fresh copy of the demo snapshot. It returns an error
// only if the embedded file is broken (a test guards against that).
func Snapshot() (*collectors.Snapshot, error) {
	s, err := collectors.ReadSnapshot(bytes.NewReader(snapshotJSON))
	if err != nil {
		return nil, fmt.Errorf("built-in demo: %w", err)
	}
	return s, nil
}
