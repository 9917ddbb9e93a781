package faults

import (
	"context"
	"strings"
	"testing"

	vault "github.com/hashicorp/vault/api"

	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/testenv"
)

// SealedVault starts a Vault dev server of the test's own, seals it, and
// returns its address (http://127.0.0.1:PORT). It stops with the test.
func SealedVault(tb testing.TB, e *testenv.Env) string {
	tb.Helper()
	v, err := testenv.StartVault(context.Background(), e.Bins.Vault, e.TempDir(tb))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(v.Stop)
	c, err := v.Root()
	if err != nil {
		tb.Fatal(err)
	}
	if err := c.Sys().Seal(); err != nil {
		tb.Fatalf("seal the private vault: %v", err)
	}
	return v.Addr
}

// StoppedVault starts a Vault dev server of the test's own and stops it;
// it returns the address it listened on, where connections are now
// refused.
func StoppedVault(tb testing.TB, e *testenv.Env) string {
	tb.Helper()
	v, err := testenv.StartVault(context.Background(), e.Bins.Vault, e.TempDir(tb))
	if err != nil {
		tb.Fatal(err)
	}
	v.Stop()
	return v.Addr
}

// StoppedPrometheus starts a Prometheus of the test's own and stops it; it
// returns the URL it listened on, where connections are now refused.
func StoppedPrometheus(tb testing.TB, e *testenv.Env) string {
	tb.Helper()
	p, err := testenv.StartPrometheus(context.Background(), testenv.PrometheusOptions{Bins: e.Bins, Dir: e.TempDir(tb)})
	if err != nil {
		tb.Fatal(err)
	}
	p.Stop()
	return p.URL
}

// LimitedToken creates, in the shared Vault, a real token whose only
// policies are Vault's default policy (which lets a token look itself up)
// and one granting read on sys/mounts: every other read the tool makes is
// answered 403. It is revoked when the test ends.
func LimitedToken(tb testing.TB, e *testenv.Env) string {
	tb.Helper()
	root := e.VaultRoot(tb)
	name := "faults-limited-" + strings.ToLower(strings.NewReplacer("/", "-", " ", "-", "_", "-").Replace(tb.Name()))
	if err := root.Sys().PutPolicy(name, `path "sys/mounts" { capabilities = ["read"] }`); err != nil {
		tb.Fatalf("write policy %s: %v", name, err)
	}
	tb.Cleanup(func() { _ = root.Sys().DeletePolicy(name) })
	s, err := root.Auth().Token().Create(&vault.TokenCreateRequest{Policies: []string{"default", name}, TTL: "1h", DisplayName: "fault-suite-limited"})
	if err != nil {
		tb.Fatalf("create a limited token: %v", err)
	}
	tok := s.Auth.ClientToken
	tb.Cleanup(func() { _ = root.Auth().Token().RevokeTree(tok) })
	return tok
}
