package vault

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	vault "github.com/hashicorp/vault/api"
)

// kvMetadataResponse is the part of a KV v2 metadata answer the tenant scan
// reads, decoded straight from the body. vault/api's KVv2.GetMetadata
// decodes it into map[string]any and then through mapstructure with
// reflection-based hooks: 71 % of the client's CPU per tenant (0.30 of 0.42
// s over 3,000 reads in BenchmarkReadMetadata's first measurement), about a
// second of CPU at 10,000 tenants on the cores Vault shares.
type kvMetadataResponse struct {
	Data *struct {
		CurrentVersion *int `json:"current_version"`
		OldestVersion  int  `json:"oldest_version"`
		MaxVersions    int  `json:"max_versions"`
		// DeleteVersionAfter is a Go duration ("0s": the key sets none)
		DeleteVersionAfter *string `json:"delete_version_after"`
		Versions           map[string]struct {
			CreatedTime  time.Time `json:"created_time"`
			DeletionTime string    `json:"deletion_time"` // "" when not deleted
			Destroyed    bool      `json:"destroyed"`
		} `json:"versions"`
	} `json:"data"`
}

// readMetadata reads one key's KV v2 metadata at path (mount/metadata/…)
// through the client's request path (its retries, token, namespace and
// headers), as GetMetadata does, but decodes only the fields the scan uses.
// A 404 is returned as Vault's *vault.ResponseError with that status (the
// key was deleted since the list: Tenant.Missing); an answer without data
// wraps vault.ErrSecretNotFound, as GetMetadata's.
func (c *collector) readMetadata(ctx context.Context, path string) (*vault.KVMetadata, error) {
	resp, err := c.clients.Vault.Logical().ReadRawWithContext(ctx, path)
	if resp != nil {
		defer resp.Body.Close()
	}
	if err != nil {
		return nil, err
	}
	var r kvMetadataResponse
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return nil, fmt.Errorf("decode the metadata at %s: %w", path, err)
	}
	return r.metadata(path)
}

// metadata is the answer as vault/api's KVMetadata (the fields the scan
// reads), with GetMetadata's checks: no data is ErrSecretNotFound, a
// version key that is not a number an error.
func (r *kvMetadataResponse) metadata(path string) (*vault.KVMetadata, error) {
	if r.Data == nil {
		return nil, fmt.Errorf("%w: no metadata at %s", vault.ErrSecretNotFound, path)
	}
	if r.Data.CurrentVersion == nil || r.Data.Versions == nil {
		// Vault writes both on every key's metadata: without them the
		// versions are not known, never none
		return nil, notVaultAPI(http.StatusOK, "without data.current_version or data.versions")
	}
	if r.Data.DeleteVersionAfter == nil {
		// written on every key's metadata too ("0s" when the key sets
		// none): without it whether Vault deletes the versions is unknown
		return nil, notVaultAPI(http.StatusOK, "without data.delete_version_after")
	}
	md := &vault.KVMetadata{CurrentVersion: *r.Data.CurrentVersion, OldestVersion: r.Data.OldestVersion, MaxVersions: r.Data.MaxVersions,
		Versions: make(map[string]vault.KVVersionMetadata, len(r.Data.Versions))}
	d, err := time.ParseDuration(*r.Data.DeleteVersionAfter)
	if err != nil {
		return nil, fmt.Errorf("metadata at %s: delete_version_after %q: %w", path, *r.Data.DeleteVersionAfter, err)
	}
	md.DeleteVersionAfter = d
	for k, v := range r.Data.Versions {
		n, err := strconv.Atoi(k)
		if err != nil {
			return nil, fmt.Errorf("metadata at %s: version %q is not a number: %w", path, k, err)
		}
		vm := vault.KVVersionMetadata{Version: n, CreatedTime: v.CreatedTime, Destroyed: v.Destroyed}
		if v.DeletionTime != "" {
			if vm.DeletionTime, err = time.Parse(time.RFC3339, v.DeletionTime); err != nil {
				return nil, fmt.Errorf("metadata at %s: version %s's deletion_time: %w", path, k, err)
			}
		}
		md.Versions[k] = vm
	}
	return md, nil
}
