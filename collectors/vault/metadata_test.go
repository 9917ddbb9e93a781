package vault

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	vault "github.com/hashicorp/vault/api"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/config"
)

// metadataBody is a KV v2 metadata answer as Vault writes it: version 1
// destroyed, 2 deleted, 3 with a deletion time ahead (delete_version_after),
// the rest live.
func metadataBody(versions int) string {
	var b strings.Builder
	fmt.Fprintf(&b, `{"request_id":"5e7b0e2a-1c3f-4f52-9a9d-0c6a3a7f6f11","lease_id":"","renewable":false,"lease_duration":0,"data":{"cas_required":false,"created_time":"2026-12-01T10:00:00.123456789Z","current_version":%d,"custom_metadata":{"owner":"team-a"},"delete_version_after":"0s","max_versions":%d,"oldest_version":1,"updated_time":"2026-12-02T10:00:00.5Z","versions":{`, versions, versions+2)
	for i := 1; i <= versions; i++ {
		if i > 1 {
			b.WriteString(",")
		}
		del, destroyed := `""`, false
		switch i {
		case 1:
			destroyed = true
		case 2:
			del = `"2026-12-01T11:00:00.25Z"`
		case 3:
			del = `"2027-01-01T00:00:00Z"`
		}
		fmt.Fprintf(&b, `"%d":{"created_time":"2026-12-01T10:%02d:00.123456789Z","deletion_time":%s,"destroyed":%t}`, i, i, del, destroyed)
	}
	b.WriteString(`}},"wrap_info":null,"warnings":null,"auth":null,"mount_type":"kv"}`)
	return b.String()
}

// metadataServer answers every request with status and body.
func metadataServer(t testing.TB, status int, body string) *vault.Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	cfg := vault.DefaultConfig()
	cfg.Address = srv.URL
	cfg.MaxRetries = 0
	c, err := vault.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c.SetToken("test-token")
	return c
}

// TestCollector_readMetadata: the lean decode fills the tenant exactly as
// vault/api's GetMetadata did, for the same answer; a 404 is a missing key,
// an answer without data is ErrSecretNotFound, a bad version key an error.
func TestCollector_readMetadata(t *testing.T) {
	now := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
	ctx := context.Background()
	t.Run("same tenant as GetMetadata", func(t *testing.T) {
		for _, n := range []int{1, 3, 8} {
			vc := metadataServer(t, http.StatusOK, metadataBody(n))
			c := newCollector(clients{Vault: vc}, collectors.Env{Config: config.Default(), Namespace: "ns"})
			want, err := vc.KVv2("secret").GetMetadata(ctx, "tenants/a/cmek")
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.readMetadata(ctx, "secret/metadata/tenants/a/cmek")
			if err != nil {
				t.Fatal(err)
			}
			var tw, tg collectors.Tenant
			fillTenant(&tw, want, now)
			fillTenant(&tg, got, now)
			if !reflect.DeepEqual(tg, tw) {
				t.Errorf("%d versions: tenant\n got %+v\nwant %+v", n, tg, tw)
			}
			for k, v := range want.Versions {
				g := got.Versions[k]
				if g.Version != v.Version || !g.CreatedTime.Equal(v.CreatedTime) || !g.DeletionTime.Equal(v.DeletionTime) || g.Destroyed != v.Destroyed {
					t.Errorf("%d versions: version %s = %+v, want %+v", n, k, g, v)
				}
			}
			if got.CurrentVersion != want.CurrentVersion || got.OldestVersion != want.OldestVersion || got.MaxVersions != want.MaxVersions {
				t.Errorf("%d versions: current/oldest/max = %d/%d/%d, want %d/%d/%d", n, got.CurrentVersion, got.OldestVersion, got.MaxVersions, want.CurrentVersion, want.OldestVersion, want.MaxVersions)
			}
		}
	})
	t.Run("404 is a missing key", func(t *testing.T) {
		c := newCollector(clients{Vault: metadataServer(t, http.StatusNotFound, `{"errors":[]}`)}, collectors.Env{Config: config.Default(), Namespace: "ns"})
		_, err := c.readMetadata(ctx, "secret/metadata/tenants/a/cmek")
		if !isStatus(err, http.StatusNotFound) {
			t.Errorf("err = %v, want Vault's 404", err)
		}
	})
	t.Run("no data", func(t *testing.T) {
		c := newCollector(clients{Vault: metadataServer(t, http.StatusOK, `{"data":null}`)}, collectors.Env{Config: config.Default(), Namespace: "ns"})
		_, err := c.readMetadata(ctx, "secret/metadata/tenants/a/cmek")
		if !errors.Is(err, vault.ErrSecretNotFound) {
			t.Errorf("err = %v, want ErrSecretNotFound", err)
		}
	})
	t.Run("a version that is not a number", func(t *testing.T) {
		c := newCollector(clients{Vault: metadataServer(t, http.StatusOK, `{"data":{"current_version":1,"delete_version_after":"0s","versions":{"x":{"created_time":"2026-12-01T10:00:00Z","deletion_time":"","destroyed":false}}}}`)}, collectors.Env{Config: config.Default(), Namespace: "ns"})
		if _, err := c.readMetadata(ctx, "secret/metadata/tenants/a/cmek"); err == nil || !strings.Contains(err.Error(), `"x"`) {
			t.Errorf("err = %v, want the version named", err)
		}
	})
	t.Run("not JSON", func(t *testing.T) {
		c := newCollector(clients{Vault: metadataServer(t, http.StatusOK, `<html>`)}, collectors.Env{Config: config.Default(), Namespace: "ns"})
		if _, err := c.readMetadata(ctx, "secret/metadata/tenants/a/cmek"); err == nil {
			t.Error("no error for HTML")
		}
	})
}

// BenchmarkReadMetadata: the client's cost of one tenant's metadata read
// (with an in-process server answering a 6-version key): vault/api's
// GetMetadata against the lean decode.
func BenchmarkReadMetadata(b *testing.B) {
	vc := metadataServer(b, http.StatusOK, metadataBody(6))
	c := newCollector(clients{Vault: vc}, collectors.Env{Config: config.Default(), Namespace: "ns"})
	ctx := context.Background()
	now := time.Now()
	b.Run("GetMetadata", func(b *testing.B) {
		b.ReportAllocs()
		kv := vc.KVv2("secret")
		for b.Loop() {
			md, err := kv.GetMetadata(ctx, "tenants/a/cmek")
			if err != nil {
				b.Fatal(err)
			}
			var t collectors.Tenant
			fillTenant(&t, md, now)
		}
	})
	b.Run("readMetadata", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			md, err := c.readMetadata(ctx, "secret/metadata/tenants/a/cmek")
			if err != nil {
				b.Fatal(err)
			}
			var t collectors.Tenant
			fillTenant(&t, md, now)
		}
	})
}

// TestCollector_scanTenantsCut: a scan the caller's deadline ends counts
// only the reads answered; the tenants left are listed by name, each "not
// read", and no read starts after the end (an httptest Vault: LIST answers
// 40 tenants, each metadata read takes 20 ms, one at a time).
func TestCollector_scanTenantsCut(t *testing.T) {
	var reads atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Method == "LIST" || r.URL.Query().Get("list") == "true" {
			var keys []string
			for i := range 40 {
				keys = append(keys, fmt.Sprintf(`"t-%02d/"`, i))
			}
			fmt.Fprintf(w, `{"data":{"keys":[%s]}}`, strings.Join(keys, ","))
			return
		}
		if !strings.Contains(r.URL.Path, "/metadata/") { // the mount's config
			_, _ = w.Write([]byte(`{"data":{"max_versions":0,"delete_version_after":"0s"}}`))
			return
		}
		reads.Add(1)
		select {
		case <-time.After(20 * time.Millisecond):
		case <-r.Context().Done():
			return
		}
		_, _ = w.Write([]byte(metadataBody(3)))
	}))
	t.Cleanup(srv.Close)
	cfg := vault.DefaultConfig()
	cfg.Address, cfg.MaxRetries = srv.URL, 0
	vc, err := vault.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	vc.SetToken("test-token")
	conf := config.Default()
	conf.Vault.ScanConcurrency = 1
	c := newCollector(clients{Vault: vc}, collectors.Env{Config: conf, Namespace: "ns", Now: time.Now})
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	tenants, _, err := c.scanTenants(ctx)
	if err == nil {
		t.Fatal("the scan was cut, and said nothing")
	}
	read, notRead := 0, 0
	for i, tn := range tenants {
		if want := fmt.Sprintf("t-%02d", i); tn.ID != want {
			t.Errorf("tenant %d is %q, want %s", i, tn.ID, want)
		}
		switch {
		case tn.Error == "":
			read++
		case strings.HasPrefix(tn.Error, "not read: the tenant scan ended first"):
			notRead++
		default:
			t.Errorf("%s: %s", tn.ID, tn.Error)
		}
	}
	if read == 0 || notRead == 0 || read+notRead != 40 {
		t.Fatalf("read %d, not read %d of 40", read, notRead)
	}
	if want := fmt.Sprintf("with %d of 40 tenants read, %d not read", read, notRead); !strings.Contains(err.Error(), want) {
		t.Errorf("error %q, want it to say %q", err, want)
	}
	if n := int(reads.Load()); n > read+1 {
		t.Errorf("%d metadata reads started for %d answered: reads went on after the scan ended", n, read)
	}
}
