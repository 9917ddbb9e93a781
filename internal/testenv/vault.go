package testenv

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	vault "github.com/hashicorp/vault/api"
)

// Vault is a running Vault dev server (in-memory storage, KV v2 at secret/,
// unsealed, listening on 127.0.0.1).
type Vault struct {
	Addr string // http://127.0.0.1:PORT
	// RootToken is the dev server's root token. Tests give it only to the
	// code under test that needs it, and assert it never appears in output.
	RootToken string
	LogPath   string
	proc      *process
}

// VaultOptions tune StartVaultWith.
type VaultOptions struct {
	// RawStorage starts the server with a config file holding
	// raw_storage_endpoint = true, which exposes sys/raw (root only): the
	// lab rewrites KV v2 metadata through it to date key versions in the
	// past. Nothing else needs it.
	RawStorage bool
}

// StartVault starts `vault server -dev` from bin with its working files in
// dir. It returns when /v1/sys/health answers 200 or fails with the server's
// log path.
func StartVault(ctx context.Context, bin, dir string) (*Vault, error) {
	return StartVaultWith(ctx, bin, dir, VaultOptions{})
}

// StartVaultWith is StartVault with options.
func StartVaultWith(ctx context.Context, bin, dir string, o VaultOptions) (*Vault, error) {
	var extra []string
	if o.RawStorage {
		cfg := filepath.Join(dir, "vault-raw-storage.hcl")
		if err := os.WriteFile(cfg, []byte("raw_storage_endpoint = true\n"), 0o600); err != nil {
			return nil, fmt.Errorf("write vault config: %w", err)
		}
		extra = append(extra, "-config="+cfg)
	}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		v := &Vault{
			Addr:      "http://" + hostPort("127.0.0.1", port),
			RootToken: "root-" + randomID(12),
			LogPath:   filepath.Join(dir, fmt.Sprintf("vault-%d.log", port)),
		}
		args := append([]string{"server", "-dev",
			"-dev-root-token-id=" + v.RootToken,
			"-dev-listen-address=" + hostPort("127.0.0.1", port),
			"-dev-no-store-token", "-log-level=warn"}, extra...)
		v.proc, err = startProcess("vault", v.LogPath, minimalEnv(dir), bin, args...)
		if err != nil {
			return nil, err
		}
		wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err = waitHTTP(wctx, v.proc, nil, v.Addr+"/v1/sys/health", func(c int) bool { return c == http.StatusOK })
		cancel()
		if err == nil {
			return v, nil
		}
		v.Stop()
		lastErr = err
		if !strings.Contains(err.Error(), "exited") { // a port race retries; anything else is final
			break
		}
	}
	return nil, fmt.Errorf("start vault dev server: %w", lastErr)
}

// Client returns a vault/api client for this server with the given token
// (no environment variables are read).
func (v *Vault) Client(token string) (*vault.Client, error) {
	cfg := vault.DefaultConfig()
	cfg.Address = v.Addr
	cfg.Timeout = 10 * time.Second
	c, err := vault.NewClient(cfg)
	if err != nil {
		return nil, fmt.Errorf("vault client for %s: %w", v.Addr, err)
	}
	c.SetToken(token)
	return c, nil
}

// Root returns a client holding the root token.
func (v *Vault) Root() (*vault.Client, error) { return v.Client(v.RootToken) }

// Running reports whether the server process is still up.
func (v *Vault) Running() bool { return v.proc != nil && !v.proc.exited() }

// Stop ends the server.
func (v *Vault) Stop() {
	if v.proc != nil {
		v.proc.stop()
	}
}
