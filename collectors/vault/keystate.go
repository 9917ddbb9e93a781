package vault

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	vault "github.com/hashicorp/vault/api"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
)

// fillKeyState records which of a key's versions are soft-deleted or
// destroyed, and the current version's state, from its KV v2 metadata (the
// runbook's "Encryption key not found": a current version deleted or
// destroyed, older versions still needed that are gone).
func fillKeyState(t *collectors.Tenant, md *vault.KVMetadata, now time.Time) {
	t.Deleted, t.Destroyed, t.Expiring = nil, nil, nil
	dva := collectors.Duration(md.DeleteVersionAfter)
	t.DeleteVersionAfter = &dva
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
		case !v.DeletionTime.IsZero(): // delete_version_after's, to come
			t.Expiring = append(t.Expiring, n)
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
	slices.Sort(t.Expiring)
}

// mountConfig is the KV mount's own max_versions and delete_version_after
// (`vault read <mount>/config`), or why they could not be read.
type mountConfig struct {
	maxVersions *int
	dva         *collectors.Duration
	err         string
}

// readMountConfig reads the KV mount's config: Vault applies its
// max_versions and delete_version_after beside each key's own (fill).
func (c *collector) readMountConfig(ctx context.Context, mount string) mountConfig {
	rctx, cancel := c.vaultCtx(ctx)
	defer cancel()
	data, err := c.readData(rctx, mount+"/config", nil)
	if err == nil {
		err = needFields(data, "max_versions", "delete_version_after")
	}
	if err != nil {
		return mountConfig{err: vaultErr("read "+mount+"/config (vault read "+mount+"/config)", err)}
	}
	n, nerr := strconv.Atoi(fmt.Sprint(data["max_versions"]))
	s, _ := data["delete_version_after"].(string)
	d, derr := time.ParseDuration(s)
	if nerr != nil || derr != nil {
		return mountConfig{err: fmt.Sprintf("read %s/config: max_versions %v or delete_version_after %v is not what Vault writes", mount, data["max_versions"], data["delete_version_after"])}
	}
	dd := collectors.Duration(d)
	return mountConfig{maxVersions: &n, dva: &dd}
}

// fill copies the mount's settings to a tenant read from its metadata.
func (m mountConfig) fill(t *collectors.Tenant) {
	if t.Error != "" || t.Missing {
		return
	}
	t.MountMaxVersions, t.MountDeleteVersionAfter, t.MountConfigError = m.maxVersions, m.dva, m.err
}
