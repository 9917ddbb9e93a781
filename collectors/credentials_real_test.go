package collectors_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"

	vault "github.com/hashicorp/vault/api"
	"k8s.io/client-go/rest"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors/connect"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/config"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/testenv"
	"github.com/oss-ai-agent-tool/kubectl-rotation/runbook"
)

// collectVaultAs reads Vault alone with a token from a named source.
func collectVaultAs(t *testing.T, e *testenv.Env, token, source string, cfg config.Config) *collectors.Snapshot {
	t.Helper()
	vcfg := vault.DefaultConfig()
	vcfg.Address = e.Vault.Addr
	clients, err := connect.Connect(connect.Options{Vault: vcfg, VaultToken: token, VaultTokenSource: source, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	return connect.New(clients, collectors.Options{Config: cfg, Namespace: "ns", SourceTimeout: 30 * time.Second}).Collect(context.Background())
}

// TestCollect_OperatorTokenInvalid: an expired, a revoked and a made-up
// token are each named as the operator's own token being invalid, with
// where it came from and what to do; nothing else is read with it, and the
// rest is "not read", not "forbidden". A valid token without rights is
// still told apart (TestCollect_Faults: permission denied).
func TestCollect_OperatorTokenInvalid(t *testing.T) {
	e := testenv.Get(t)
	root := e.VaultRoot(t)
	create := func(ttl string) string {
		t.Helper()
		s, err := root.Auth().Token().Create(&vault.TokenCreateRequest{Policies: []string{"default"}, TTL: ttl})
		if err != nil {
			t.Fatal(err)
		}
		return s.Auth.ClientToken
	}
	expired := create("2s")
	revoked := create("1h")
	if err := root.Auth().Token().RevokeTree(revoked); err != nil {
		t.Fatal(err)
	}
	time.Sleep(3 * time.Second) // past the first token's TTL
	for name, tc := range map[string]struct{ token, source string }{
		"expired":   {expired, "VAULT_TOKEN"},
		"revoked":   {revoked, "~/.vault-token"},
		"made up":   {"hvs.not-a-token-at-all", "VAULT_TOKEN"},
		"no source": {"hvs.not-a-token-either", ""},
	} {
		t.Run(name, func(t *testing.T) {
			s := collectVaultAs(t, e, tc.token, tc.source, config.Default())
			st := s.Source(collectors.SourceVault)
			t.Logf("vault: %s", st.Error)
			from := "your Vault token"
			if tc.source != "" {
				from += " (from " + tc.source + ")"
			}
			if st.State != collectors.StateError || !strings.HasPrefix(st.Error, from+" is invalid, expired or revoked") || !strings.Contains(st.Error, "vault login") {
				t.Fatalf("vault = %s: %q, want an error naming the operator's token", st.State, st.Error)
			}
			if s.Vault == nil || !s.Vault.OperatorTokenInvalid || s.Vault.Health == nil || s.Vault.TokenSource != tc.source {
				t.Errorf("vault data %+v", s.Vault)
			}
			for _, p := range st.Problems {
				if p.Part != "token" && !strings.HasPrefix(p.Error, "not read: the operator's Vault token is invalid") {
					t.Errorf("problem %s: %q, want not read", p.Part, p.Error)
				}
				if strings.Contains(p.Error, "policies do not allow") {
					t.Errorf("problem %s reads as forbidden: %q", p.Part, p.Error)
				}
			}
			data, _ := json.Marshal(s)
			if strings.Contains(string(data), tc.token) {
				t.Error("the token is in the snapshot")
			}
			a := runbook.Triage(s, s.CollectedAt)
			f, _ := a.Finding(runbook.ScenarioRetentionOverflow)
			if f.Status != runbook.StatusUnknown || !strings.Contains(f.Summary, "is invalid, expired or revoked") {
				t.Errorf("scenario 4 %s: %q, want unknown because the token is invalid", f.Status, f.Summary)
			}
		})
	}
}

// TestCollect_KubeCredentials: refused Kubernetes credentials are named
// once — the kind, what to do, the context — instead of every call being
// forbidden; a valid user without RBAC is still told it lacks permissions.
func TestCollect_KubeCredentials(t *testing.T) {
	e := testenv.Get(t)
	ns := e.Namespace(t)
	anon := func() *rest.Config {
		c := rest.CopyConfig(e.Kube.Config)
		c.CertData, c.KeyData, c.CertFile, c.KeyFile, c.BearerToken, c.BearerTokenFile = nil, nil, "", "", "", ""
		return c
	}
	expiredCert, expiredKey := clientCert(t, "alice", time.Now().Add(-48*time.Hour))
	nobody, _, err := e.Kube.AddUser("nobody-"+ns, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct {
		cfg  func() *rest.Config
		want []string
		keep bool // the source's own errors stay: not a credential problem
	}{
		"bearer token refused": {
			cfg:  func() *rest.Config { c := anon(); c.BearerToken = "not-a-valid-token"; return c },
			want: []string{"your Kubernetes credentials for context lab-ctx were refused (401 Unauthorized): the bearer token in the kubeconfig is expired, revoked or wrong"},
		},
		"client certificate expired": {
			cfg:  func() *rest.Config { c := anon(); c.CertData, c.KeyData = expiredCert, expiredKey; return c },
			want: []string{"your Kubernetes credentials for context lab-ctx have expired: the client certificate (CN=alice) expired on "},
		},
		"exec plugin fails": {
			cfg: func() *rest.Config {
				c := anon()
				c.ExecProvider = &clientcmdapi.ExecConfig{APIVersion: "client.authentication.k8s.io/v1", Command: "/bin/false", InteractiveMode: clientcmdapi.NeverExecInteractiveMode}
				return c
			},
			want: []string{"your Kubernetes credentials for context lab-ctx could not be obtained: the exec plugin false failed (", "re-run the login of your exec plugin"},
		},
		"valid user without RBAC": {cfg: func() *rest.Config { return nobody }, want: []string{"forbidden"}, keep: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			clients, err := connect.Connect(connect.Options{REST: tc.cfg(), ReadOnly: true})
			if err != nil {
				t.Fatal(err)
			}
			c := connect.New(clients, collectors.Options{Config: config.Default(), Namespace: ns, Context: "lab-ctx", SourceTimeout: 30 * time.Second})
			for _, src := range []string{collectors.SourceKubernetes, collectors.SourceLogs} {
				st := c.CollectSource(context.Background(), src).Status
				t.Logf("%s: %s: %s", src, st.State, st.Error)
				text := st.Error
				for _, p := range st.Problems {
					text += "\n" + p.Part + ": " + p.Error
				}
				for _, w := range tc.want {
					if !strings.Contains(text, w) {
						t.Errorf("%s: %s\n%s\nlacks %q", src, st.State, text, w)
					}
				}
				credential := len(st.Problems) == 1 && st.Problems[0].Part == "credentials"
				if credential == tc.keep || (!tc.keep && st.State != collectors.StateError) {
					t.Errorf("%s: %s with problems %+v; want credential problem = %v", src, st.State, st.Problems, !tc.keep)
				}
			}
		})
	}
}

// clientCert returns a self-signed client certificate and its key for cn,
// valid until notAfter.
func clientCert(tb testing.TB, cn string, notAfter time.Time) (certPEM, keyPEM []byte) {
	tb.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: cn},
		NotBefore: notAfter.Add(-30 * 24 * time.Hour), NotAfter: notAfter, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		tb.Fatal(err)
	}
	kd, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		tb.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kd})
}

// TestCollect_VaultAddrWithPath: VAULT_ADDR copied with its /v1 (a URL
// from Vault's API docs) reaches the real Vault at /v1/v1/sys/health,
// which Vault answers 404: the error names the path and the address to
// give instead, and nothing of Vault is read.
func TestCollect_VaultAddrWithPath(t *testing.T) {
	e := testenv.Get(t)
	vcfg := vault.DefaultConfig()
	vcfg.Address = e.Vault.Addr + "/v1"
	clients, err := connect.Connect(connect.Options{Vault: vcfg, VaultToken: e.Vault.RootToken, VaultTokenSource: "VAULT_TOKEN", ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	s := connect.New(clients, collectors.Options{Config: config.Default(), Namespace: "ns", SourceTimeout: 30 * time.Second}).Collect(context.Background())
	st := s.Source(collectors.SourceVault)
	if st.State != collectors.StateError || !strings.Contains(st.Error, "not found (404)") ||
		!strings.Contains(st.Error, "the Vault address has a path (/v1); give the server's address alone ("+e.Vault.Addr+")") {
		t.Errorf("vault %s: %q, want the 404 with the address to give instead", st.State, st.Error)
	}
}
