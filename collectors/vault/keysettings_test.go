package vault

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	vault "github.com/hashicorp/vault/api"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/config"
)

// TestFillTenant_settings: the key's delete_version_after is recorded
// (0 too: the key sets none), and the versions it has scheduled for
// deletion are listed apart from the deleted ones.
func TestFillTenant_settings(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	md := &vault.KVMetadata{CurrentVersion: 3, DeleteVersionAfter: time.Hour, Versions: map[string]vault.KVVersionMetadata{
		"1": {Version: 1, DeletionTime: now.Add(-time.Minute)},
		"2": {Version: 2, DeletionTime: now.Add(time.Minute)},
		"3": {Version: 3, DeletionTime: now.Add(time.Hour)},
	}}
	var tn collectors.Tenant
	fillTenant(&tn, md, now)
	if tn.DeleteVersionAfter == nil || tn.DeleteVersionAfter.Duration() != time.Hour {
		t.Errorf("delete_version_after %v, want 1h", tn.DeleteVersionAfter)
	}
	if !slices.Equal(tn.Expiring, []int{2, 3}) || !slices.Equal(tn.Deleted, []int{1}) {
		t.Errorf("expiring %v deleted %v, want [2 3] [1]", tn.Expiring, tn.Deleted)
	}
	md.DeleteVersionAfter = 0
	fillTenant(&tn, md, now)
	if tn.DeleteVersionAfter == nil || *tn.DeleteVersionAfter != 0 {
		t.Errorf("delete_version_after %v, want recorded as 0", tn.DeleteVersionAfter)
	}
}

// TestCollector_readMetadata_deleteVersionAfter: Vault's Go duration is
// decoded; an answer without it is not Vault's (never "none set").
func TestCollector_readMetadata_deleteVersionAfter(t *testing.T) {
	ctx := context.Background()
	env := collectors.Env{Config: config.Default(), Namespace: "ns"}
	c := newCollector(clients{Vault: metadataServer(t, http.StatusOK, `{"data":{"current_version":1,"delete_version_after":"1h0m0s","max_versions":0,"versions":{"1":{"created_time":"2026-12-01T10:00:00Z","deletion_time":"","destroyed":false}}}}`)}, env)
	md, err := c.readMetadata(ctx, "secret/metadata/tenants/a/cmek")
	if err != nil || md.DeleteVersionAfter != time.Hour {
		t.Errorf("md %+v, err %v; want delete_version_after 1h", md, err)
	}
	c = newCollector(clients{Vault: metadataServer(t, http.StatusOK, `{"data":{"current_version":1,"versions":{}}}`)}, env)
	if _, err := c.readMetadata(ctx, "secret/metadata/tenants/a/cmek"); err == nil || !strings.Contains(err.Error(), "without data.delete_version_after") {
		t.Errorf("err = %v, want the missing field named", err)
	}
}

// TestCollector_readMountConfig: the mount's max_versions and
// delete_version_after, or why they could not be read (then unknown).
func TestCollector_readMountConfig(t *testing.T) {
	ctx := context.Background()
	env := collectors.Env{Config: config.Default(), Namespace: "ns"}
	t.Run("OK", func(t *testing.T) {
		c := newCollector(clients{Vault: metadataServer(t, http.StatusOK, `{"data":{"cas_required":false,"delete_version_after":"1h0m0s","max_versions":3}}`)}, env)
		m := c.readMountConfig(ctx, "secret")
		if m.err != "" || m.maxVersions == nil || *m.maxVersions != 3 || m.dva == nil || m.dva.Duration() != time.Hour {
			t.Fatalf("config %+v", m)
		}
		var tn collectors.Tenant
		m.fill(&tn)
		if tn.MountMaxVersions == nil || *tn.MountMaxVersions != 3 || tn.MountDeleteVersionAfter == nil {
			t.Errorf("tenant %+v", tn)
		}
	})
	t.Run("ErrForbidden", func(t *testing.T) {
		c := newCollector(clients{Vault: metadataServer(t, http.StatusForbidden, `{"errors":["1 error occurred:\n\t* permission denied\n\n"]}`)}, env)
		m := c.readMountConfig(ctx, "secret")
		if m.maxVersions != nil || m.dva != nil || !strings.Contains(m.err, "read secret/config") || !strings.Contains(m.err, "permission denied") {
			t.Errorf("config %+v, want unknown with permission denied", m)
		}
		tn := collectors.Tenant{}
		m.fill(&tn)
		if tn.MountConfigError != m.err {
			t.Errorf("tenant's error %q", tn.MountConfigError)
		}
	})
	t.Run("ErrFieldsMissing", func(t *testing.T) {
		c := newCollector(clients{Vault: metadataServer(t, http.StatusOK, `{"data":{"cas_required":false}}`)}, env)
		if m := c.readMountConfig(ctx, "secret"); m.maxVersions != nil || !strings.Contains(m.err, "data.delete_version_after, data.max_versions") {
			t.Errorf("config %+v, want the missing fields named", m)
		}
	})
}
