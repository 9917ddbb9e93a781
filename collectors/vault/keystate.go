package vault

import (
	"fmt"
	"slices"
	"time"

	vault "github.com/hashicorp/vault/api"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
)

// fillKeyState records which of a key's versions are soft-deleted or
// destroyed, and the current version's state, from its KV v2 metadata (the
// runbook's "Encryption key not found": a current version deleted or
// destroyed, older versions still needed that are gone).
func fillKeyState(t *collectors.Tenant, md *vault.KVMetadata, now time.Time) {
	t.Deleted, t.Destroyed = nil, nil
	for k, v := range md.Versions {
		var n int
		if _, err := fmt.Sscan(k, &n); err != nil {
			continue
		}
		switch {
		case v.Destroyed:
			t.Destroyed = append(t.Destroyed, n)
		case !v.DeletionTime.IsZero() && !v.DeletionTime.After(now):
			t.Deleted = append(t.Deleted, n)
		}
		if n == md.CurrentVersion {
			t.CurrentDestroyed = v.Destroyed
			if !v.DeletionTime.IsZero() {
				dt := v.DeletionTime.UTC()
				t.CurrentDeletionTime = &dt
			}
		}
	}
	slices.Sort(t.Deleted)
	slices.Sort(t.Destroyed)
}
