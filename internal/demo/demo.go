// Package demo holds the built-in demo: a snapshot the collectors took of
// the lab with all six runbook scenarios active (made with
// `go run ./internal/lab/cmd/rotation-lab --capture internal/demo/snapshot.json --exit-after-seed`).
package demo

import (
	"bytes"
	_ "embed"
	"fmt"
	"time"

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

// FleetTenants are n made-up tenants for the benchmarks at a fleet's size:
// t-00000, t-00001…, 3 to 11 live key versions, max_versions 0 or 5, the
// current and the oldest version written a second apart from 30 h before
// takenAt.
func FleetTenants(n int, takenAt time.Time) []collectors.Tenant {
	out := make([]collectors.Tenant, n)
	at := takenAt.Add(-30 * time.Hour)
	for i := range out {
		ct := at.Add(time.Duration(i) * time.Second)
		out[i] = collectors.Tenant{ID: fmt.Sprintf("t-%05d", i), Path: fmt.Sprintf("secret/tenants/t-%05d/cmek", i),
			CurrentVersion: 3 + i%9, OldestVersion: 1, LiveVersions: 3 + i%9, MaxVersions: 5 * (i % 2), CurrentCreated: &ct, OldestCreated: &ct}
	}
	return out
}
