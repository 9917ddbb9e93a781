// Package vaultops applies the actions package's Vault changes through the
// vault/api client: the only place where a plan's change meets vault/api's
// types.
package vaultops

import (
	"context"
	"fmt"
	"strconv"
	"time"

	vault "github.com/hashicorp/vault/api"

	"github.com/oss-ai-agent-tool/kubectl-rotation/actions"
)

// Client is actions.Vault over a Vault API client.
type Client struct{ v *vault.Client }

var _ actions.Vault = (*Client)(nil)

// New returns the adapter of v, or nil when v is nil.
func New(v *vault.Client) actions.Vault {
	if v == nil {
		return nil
	}
	return &Client{v: v}
}

// Self returns the token's accessor and entity (lookup-self); a client
// without a token has neither.
func (c *Client) Self(ctx context.Context) (string, string, error) {
	if c.v.Token() == "" {
		return "", "", nil
	}
	s, err := c.v.Auth().Token().LookupSelfWithContext(ctx)
	if err != nil || s == nil {
		return "", "", err
	}
	acc, _ := s.Data["accessor"].(string)
	ent, _ := s.Data["entity_id"].(string)
	return acc, ent, nil
}

// Capabilities asks sys/capabilities-self for every path in one request.
func (c *Client) Capabilities(ctx context.Context, paths []string) (map[string][]string, error) {
	s, err := c.v.Logical().WriteWithContext(ctx, "sys/capabilities-self", map[string]any{"paths": paths})
	if err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for _, p := range paths {
		if s != nil {
			list, _ := s.Data[p].([]any)
			for _, c := range list {
				out[p] = append(out[p], fmt.Sprint(c))
			}
		}
	}
	return out, nil
}

// Address is the Vault address the client talks to, for messages.
func (c *Client) Address() string { return c.v.Address() }

// Policy reads an ACL policy's text ("" when there is none).
func (c *Client) Policy(ctx context.Context, name string) (string, error) {
	return c.v.Sys().GetPolicyWithContext(ctx, name)
}

// PutPolicy writes an ACL policy.
func (c *Client) PutPolicy(ctx context.Context, name, text string) error {
	return c.v.Sys().PutPolicyWithContext(ctx, name, text)
}

// Read reads a path's data (nil when nothing is there).
func (c *Client) Read(ctx context.Context, path string) (map[string]any, error) {
	s, err := c.v.Logical().ReadWithContext(ctx, path)
	if err != nil || s == nil {
		return nil, err
	}
	return s.Data, nil
}

// Write writes data at a path.
func (c *Client) Write(ctx context.Context, path string, data map[string]any) error {
	_, err := c.v.Logical().WriteWithContext(ctx, path, data)
	return err
}

// Metadata reads a KV v2 key's metadata.
func (c *Client) Metadata(ctx context.Context, mount, path string) (actions.KeyMetadata, error) {
	md, err := c.v.KVv2(mount).GetMetadata(ctx, path)
	if err != nil {
		return actions.KeyMetadata{}, err
	}
	out := actions.KeyMetadata{CurrentVersion: md.CurrentVersion, MaxVersions: md.MaxVersions, Versions: map[int]actions.VersionState{}}
	for k, v := range md.Versions {
		n, err := strconv.Atoi(k)
		if err != nil {
			continue
		}
		// a deletion_time still to come (delete_version_after) is a live
		// version until then
		deleted := !v.DeletionTime.IsZero() && !v.DeletionTime.After(time.Now())
		out.Versions[n] = actions.VersionState{Deleted: deleted, Destroyed: v.Destroyed}
	}
	return out, nil
}

// SetMaxVersions patches the key's max_versions.
func (c *Client) SetMaxVersions(ctx context.Context, mount, path string, n int) error {
	return c.v.KVv2(mount).PatchMetadata(ctx, path, vault.KVMetadataPatchInput{MaxVersions: &n})
}

// Destroy destroys versions of the key.
func (c *Client) Destroy(ctx context.Context, mount, path string, versions []int) error {
	return c.v.KVv2(mount).Destroy(ctx, path, versions)
}

// Lookup returns the TTL of the token with the accessor, or of the
// client's own token; -1 when the answer has none.
func (c *Client) Lookup(ctx context.Context, accessor string) (time.Duration, error) {
	var s *vault.Secret
	var err error
	if accessor != "" {
		s, err = c.v.Auth().Token().LookupAccessorWithContext(ctx, accessor)
	} else {
		s, err = c.v.Auth().Token().LookupSelfWithContext(ctx)
	}
	if err != nil {
		return 0, err
	}
	if s == nil {
		return -1, nil
	}
	d, err := s.TokenTTL()
	if err != nil {
		return -1, nil
	}
	return d, nil
}

// Renew renews the token with the accessor (auth/token/renew-accessor), or
// the client's own token (renew-self).
func (c *Client) Renew(ctx context.Context, accessor string) error {
	var err error
	if accessor != "" {
		_, err = c.v.Logical().WriteWithContext(ctx, "auth/token/renew-accessor", map[string]any{"accessor": accessor})
	} else {
		_, err = c.v.Auth().Token().RenewSelfWithContext(ctx, 0)
	}
	return err
}
