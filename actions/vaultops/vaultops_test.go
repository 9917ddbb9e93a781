package vaultops_test

import (
	"context"
	"slices"
	"testing"
	"time"

	vault "github.com/hashicorp/vault/api"

	"github.com/oss-ai-agent-tool/kubectl-rotation/actions"
	"github.com/oss-ai-agent-tool/kubectl-rotation/actions/vaultops"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// TestClient_RealVault: the adapter against the real Vault dev server:
// a key's versions as deleted/destroyed/live, max_versions set, versions
// destroyed; a token's TTL before and after a renewal by accessor; one
// capabilities request for several paths; the token's accessor.
func TestClient_RealVault(t *testing.T) {
	e := testenv.Get(t)
	root := e.VaultRoot(t)
	mount := e.KVMount(t)
	ctx := context.Background()
	v := vaultops.New(root)

	kv := root.KVv2(mount)
	for i := 0; i < 4; i++ {
		if _, err := kv.Put(ctx, "tenants/t-1/cmek", map[string]any{"n": i}); err != nil {
			t.Fatal(err)
		}
	}
	if err := kv.DeleteVersions(ctx, "tenants/t-1/cmek", []int{2}); err != nil {
		t.Fatal(err)
	}
	if err := v.Destroy(ctx, mount, "tenants/t-1/cmek", []int{1}); err != nil {
		t.Fatal(err)
	}
	if err := v.SetMaxVersions(ctx, mount, "tenants/t-1/cmek", 3); err != nil {
		t.Fatal(err)
	}
	md, err := v.Metadata(ctx, mount, "tenants/t-1/cmek")
	if err != nil {
		t.Fatal(err)
	}
	want := map[int]actions.VersionState{1: {Destroyed: true}, 2: {Deleted: true}, 3: {}, 4: {}}
	if md.CurrentVersion != 4 || md.MaxVersions != 3 || len(md.Versions) != 4 {
		t.Fatalf("metadata %+v", md)
	}
	for n, st := range want {
		if md.Versions[n] != st {
			t.Errorf("version %d = %+v, want %+v", n, md.Versions[n], st)
		}
	}
	if _, err := v.Metadata(ctx, mount, "tenants/none/cmek"); err == nil {
		t.Error("metadata of a missing key: no error")
	}

	sec, err := root.Auth().Token().Create(&vault.TokenCreateRequest{TTL: "10m", Policies: []string{"default"}})
	if err != nil {
		t.Fatal(err)
	}
	acc := sec.Auth.Accessor
	before, err := v.Lookup(ctx, acc)
	if err != nil || before <= 9*time.Minute || before > 10*time.Minute {
		t.Fatalf("TTL by accessor %v %v, want about 10m", before, err)
	}
	renewed := func() bool {
		s, err := root.Auth().Token().LookupAccessor(acc)
		if err != nil {
			t.Fatal(err)
		}
		return s.Data["last_renewal_time"] != nil
	}
	if renewed() {
		t.Fatal("a new token already has a renewal time")
	}
	if err := v.Renew(ctx, acc); err != nil {
		t.Fatal(err)
	}
	if after, err := v.Lookup(ctx, acc); err != nil || !renewed() || after <= 9*time.Minute {
		t.Errorf("after renewal: renewed %v, TTL %v, %v", renewed(), after, err)
	}

	caps, err := v.Capabilities(ctx, []string{mount + "/data/tenants/t-1/cmek", "sys/policies/acl/x"})
	if err != nil || !slices.Contains(caps[mount+"/data/tenants/t-1/cmek"], "root") || len(caps) != 2 {
		t.Errorf("capabilities %v %v", caps, err)
	}
	accSelf, _, err := v.Self(ctx)
	if err != nil || accSelf == "" {
		t.Errorf("self accessor %q %v", accSelf, err)
	}
	if vaultops.New(nil) != nil {
		t.Error("New(nil) is not nil")
	}
}
