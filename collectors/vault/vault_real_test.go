package vault_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	vault "github.com/hashicorp/vault/api"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	vaultsrc "github.com/oss-ai-agent-tool/kubectl-rotation/collectors/vault"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/config"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/testenv"
	"github.com/oss-ai-agent-tool/kubectl-rotation/runbook"
)

// realVault starts a Vault dev server of the test's own (it never skips
// but under -short: without the binary the test fails, naming it).
func realVault(t *testing.T) *testenv.Vault {
	t.Helper()
	testenv.NeedServers(t)
	bins, err := testenv.FindBins()
	if err != nil {
		t.Fatal(err)
	}
	v, err := testenv.StartVault(context.Background(), bins.Vault, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(v.Stop)
	return v
}

func client(t *testing.T, v *testenv.Vault, token string) *vault.Client {
	t.Helper()
	c, err := v.Client(token)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// setup writes, on a fresh server, the tenants' keys, the policies and
// the Kubernetes-auth role (a role needs no working login to be read).
func setup(t *testing.T, root *vault.Client, tenants []string, policies map[string]string, role map[string]any) {
	t.Helper()
	ctx := context.Background()
	for _, id := range tenants {
		_, err := root.KVv2("secret").Put(ctx, "tenants/"+id+"/cmek", map[string]any{"key": "test-key-material"})
		must(t, err)
	}
	for name, text := range policies {
		must(t, root.Sys().PutPolicy(name, text))
	}
	must(t, root.Sys().EnableAuthWithOptions("kubernetes", &vault.EnableAuthOptions{Type: "kubernetes"}))
	_, err := root.Logical().Write("auth/kubernetes/role/oss-ai-orchestrator", role)
	must(t, err)
}

// orchestratorToken makes a token that looks, to the collector, like one
// a login through the role gave the orchestrator: the Kubernetes auth
// plugin's metadata, the role's policies.
func orchestratorToken(t *testing.T, root *vault.Client, req vault.TokenCreateRequest) *vault.SecretAuth {
	t.Helper()
	req.Metadata = map[string]string{"role": "oss-ai-orchestrator", "service_account_name": "oss-ai-orchestrator", "service_account_namespace": "ns"}
	if req.Policies == nil {
		req.Policies = []string{"cmek-rotation", "secret-read"}
	}
	s, err := root.Auth().Token().Create(&req)
	must(t, err)
	return s.Auth
}

func collect(t *testing.T, c *vault.Client) *collectors.Snapshot {
	t.Helper()
	env := collectors.Env{Config: config.Default(), Namespace: "ns"}.WithDefaults()
	part := (&vaultsrc.Source{Vault: c, TokenSource: "VAULT_TOKEN"}).Collect(context.Background(), env)
	if part.Status.State == collectors.StateError {
		t.Fatalf("vault: %s", part.Status.Error)
	}
	s := &collectors.Snapshot{Config: env.Config, Namespace: "ns", CollectedAt: time.Now(), Vault: part.Vault,
		Sources: []collectors.Status{part.Status}}
	return s
}

func policySymptom(t *testing.T, s *collectors.Snapshot) runbook.SymptomResult {
	t.Helper()
	f, ok := runbook.Triage(s, s.CollectedAt).Finding(runbook.ScenarioRotationJobFailing)
	if !ok {
		t.Fatal("no Scenario 1 finding")
	}
	for _, sy := range f.Symptoms {
		if sy.ID == runbook.SymPolicyMissingCapability {
			return sy
		}
	}
	t.Fatal("no policy symptom")
	return runbook.SymptomResult{}
}

func tokenSymptom(t *testing.T, s *collectors.Snapshot, id runbook.SymptomID) (runbook.SymptomResult, runbook.Finding) {
	t.Helper()
	f, ok := runbook.Triage(s, s.CollectedAt).Finding(runbook.ScenarioVaultTokenExpired)
	if !ok {
		t.Fatal("no Scenario 2 finding")
	}
	for _, sy := range f.Symptoms {
		if sy.ID == id {
			return sy, f
		}
	}
	t.Fatalf("no symptom %s", id)
	return runbook.SymptomResult{}, f
}

const (
	cmekRotation = `path "secret/+/tenants/+/cmek" { capabilities = ["create", "read", "update", "delete", "list"] }`
	secretRead   = `path "secret/data/*" { capabilities = ["read"] }`
	denyT042     = `path "secret/data/tenants/t-042/cmek" { capabilities = ["deny"] }`
)

// TestPolicy_AllTheRolesPolicies (V1 case A): secret-read's
// "secret/data/*" outranks cmek-rotation's "secret/+/tenants/+/cmek" (its
// first wildcard is later), so writes are denied; judged locally over
// the role's policies (the operator cannot list token accessors) the
// check says so, naming the rule, as Vault itself answers for a token of
// the role. A role policy the operator cannot read makes it unknown.
func TestPolicy_AllTheRolesPolicies(t *testing.T) {
	v := realVault(t)
	root := client(t, v, v.RootToken)
	setup(t, root, []string{"t-001", "t-002"}, map[string]string{"cmek-rotation": cmekRotation, "secret-read": secretRead},
		map[string]any{"bound_service_account_names": "oss-ai-orchestrator", "bound_service_account_namespaces": "ns",
			"token_policies": "cmek-rotation,secret-read", "token_ttl": "24h"})
	tok := orchestratorToken(t, root, vault.TokenCreateRequest{TTL: "24h"})

	// what Vault itself answers for the orchestrator's token
	caps, err := root.Sys().CapabilitiesAccessor(tok.Accessor, "secret/data/tenants/t-001/cmek")
	must(t, err)
	if slices.Contains(caps, "update") {
		t.Fatalf("Vault grants %v: the case is not what the test means", caps)
	}

	// an operator who may read policies and the role, not list accessors
	must(t, root.Sys().PutPolicy("operator", `
path "sys/policies/acl/*" { capabilities = ["read"] }
path "sys/policy/*" { capabilities = ["read"] }
path "auth/kubernetes/role/*" { capabilities = ["read"] }
path "secret/metadata/*" { capabilities = ["read", "list"] }
`))
	op, err := root.Auth().Token().Create(&vault.TokenCreateRequest{Policies: []string{"operator"}, TTL: "1h"})
	must(t, err)

	t.Run("judged over all the role's policies", func(t *testing.T) {
		s := collect(t, client(t, v, op.Auth.ClientToken))
		p := s.Vault.Policy
		if s.Vault.OrchestratorToken != nil || p == nil || len(p.Checks) != 4 || !slices.Equal(p.Policies, []string{"cmek-rotation", "default", "secret-read"}) {
			t.Fatalf("policy %+v, token %+v: want 4 checks over cmek-rotation, default, secret-read", p, s.Vault.OrchestratorToken)
		}
		for _, c := range p.Checks {
			if c.Effective {
				t.Errorf("check %+v: Vault was not asked", c)
			}
			if c.Kind == "data" && (c.Rule != "secret/data/*" || !slices.Equal(c.RulePolicies, []string{"secret-read"}) || !slices.Equal(c.Granted, []string{"read"})) {
				t.Errorf("check %+v: want read by secret-read's secret/data/*", c)
			}
		}
		sy := policySymptom(t, s)
		if sy.State != runbook.SymptomPresent || len(sy.Evidence) == 0 || !strings.Contains(sy.Evidence[0].Observed, `path "secret/data/*" of secret-read`) ||
			!strings.Contains(sy.Evidence[0].Observed, "missing create, update, delete") {
			t.Errorf("policy symptom %s %+v, want present naming secret-read's rule", sy.State, sy.Evidence)
		}
	})
	t.Run("as Vault answers for the token", func(t *testing.T) {
		s := collect(t, root)
		if s.Vault.OrchestratorToken == nil || s.Vault.OrchestratorToken.Accessor != tok.Accessor {
			t.Fatalf("orchestrator token %+v, want %s", s.Vault.OrchestratorToken, tok.Accessor)
		}
		for _, c := range s.Vault.Policy.Checks {
			if !c.Effective {
				t.Errorf("check %+v: want Vault's answer", c)
			}
		}
		if sy := policySymptom(t, s); sy.State != runbook.SymptomPresent {
			t.Errorf("policy symptom %s %+v, want present", sy.State, sy.Evidence)
		}
	})
	t.Run("a policy that cannot be read", func(t *testing.T) {
		must(t, root.Sys().PutPolicy("operator", `
path "sys/policies/acl/cmek-rotation" { capabilities = ["read"] }
path "sys/policy/cmek-rotation" { capabilities = ["read"] }
path "auth/kubernetes/role/*" { capabilities = ["read"] }
path "secret/metadata/*" { capabilities = ["read", "list"] }
`))
		s := collect(t, client(t, v, op.Auth.ClientToken))
		sy := policySymptom(t, s)
		if sy.State != runbook.SymptomUnknown || !strings.Contains(sy.Reason, "read policy secret-read: permission denied") {
			t.Errorf("policy symptom %s (%s) %+v, want unknown naming secret-read", sy.State, sy.Reason, sy.Evidence)
		}
	})
}

// TestPolicy_EveryTenant (V1 case B): a deny on one tenant's path is
// seen, with the root token (Vault asked, in batches) and without the
// accessor list (the policies read), and the tenant is named.
func TestPolicy_EveryTenant(t *testing.T) {
	v := realVault(t)
	root := client(t, v, v.RootToken)
	var tenants []string
	for i := 1; i <= 150; i++ { // more paths than one capabilities batch, and than Vault is asked about
		tenants = append(tenants, fmt.Sprintf("t-%03d", i))
	}
	good := `path "secret/data/tenants/+/cmek" { capabilities = ["create", "read", "update", "delete"] }
path "secret/metadata/tenants/+/cmek" { capabilities = ["list", "read", "delete"] }`
	denyT140 := `path "secret/data/tenants/t-140/cmek" { capabilities = ["deny"] }`
	setup(t, root, tenants, map[string]string{"cmek-rotation": good, "deny-t-042": denyT042, "deny-t-140": denyT140},
		map[string]any{"bound_service_account_names": "oss-ai-orchestrator", "bound_service_account_namespaces": "ns",
			"token_policies": "cmek-rotation,deny-t-042,deny-t-140", "token_ttl": "24h"})
	orchestratorToken(t, root, vault.TokenCreateRequest{TTL: "24h", Policies: []string{"cmek-rotation", "deny-t-042", "deny-t-140"}})
	// asked: how many tenants Vault was asked about (the rest judged from
	// the role's policies read together)
	check := func(t *testing.T, s *collectors.Snapshot, asked int) {
		t.Helper()
		p := s.Vault.Policy
		if p == nil || len(p.Checks) != 2*len(tenants) {
			t.Fatalf("%d checks, want %d", len(p.Checks), 2*len(tenants))
		}
		for _, c := range p.Checks {
			i := slices.Index(tenants, c.Tenant)
			if want := i < asked; c.Effective != want {
				t.Errorf("check %+v: effective %v, want %v", c, c.Effective, want)
			}
			denied := slices.Equal(c.Granted, []string{"deny"})
			if want := (c.Tenant == "t-042" || c.Tenant == "t-140") && c.Kind == "data"; denied != want {
				t.Errorf("check %+v: denied %v, want %v", c, denied, want)
			}
		}
		sy := policySymptom(t, s)
		all := fmt.Sprint(sy.Evidence)
		if sy.State != runbook.SymptomPresent || !strings.Contains(all, "t-042") || !strings.Contains(all, "t-140") {
			t.Errorf("policy symptom %s %+v, want t-042 and t-140 named", sy.State, sy.Evidence)
		}
	}
	t.Run("root: Vault asked about the first 128 tenants, the policies judge the rest", func(t *testing.T) { check(t, collect(t, root), 128) })
	t.Run("without the accessor list: the policies read", func(t *testing.T) {
		must(t, root.Sys().PutPolicy("operator", `
path "sys/policies/acl/*" { capabilities = ["read"] }
path "auth/kubernetes/role/*" { capabilities = ["read"] }
path "secret/metadata/*" { capabilities = ["read", "list"] }
`))
		op, err := root.Auth().Token().Create(&vault.TokenCreateRequest{Policies: []string{"operator"}, TTL: "1h"})
		must(t, err)
		check(t, collect(t, client(t, v, op.Auth.ClientToken)), 0)
	})
}

// TestRole_Globs (V9): a role bound with globs Vault accepts is not
// flagged; one whose globs miss the orchestrator is.
func TestRole_Globs(t *testing.T) {
	v := realVault(t)
	root := client(t, v, v.RootToken)
	setup(t, root, []string{"t-001"}, map[string]string{"cmek-rotation": cmekRotation},
		map[string]any{"bound_service_account_names": "oss-ai-*", "bound_service_account_namespaces": "n*",
			"token_policies": "cmek-rotation", "token_ttl": "24h"})
	s := collect(t, root)
	if r := s.Vault.Role; r == nil || !slices.Equal(r.BoundServiceAccounts, []string{"oss-ai-*"}) || !slices.Equal(r.BoundNamespaces, []string{"n*"}) {
		t.Fatalf("role %+v", s.Vault.Role)
	}
	if sy, _ := tokenSymptom(t, s, runbook.SymRoleMisconfigured); sy.State != runbook.SymptomAbsent {
		t.Errorf("role symptom %s %+v, want absent", sy.State, sy.Evidence)
	}
	_, err := root.Logical().Write("auth/kubernetes/role/oss-ai-orchestrator", map[string]any{"bound_service_account_namespaces": "rotation-*"})
	must(t, err)
	if sy, _ := tokenSymptom(t, collect(t, root), runbook.SymRoleMisconfigured); sy.State != runbook.SymptomPresent {
		t.Errorf("role symptom %s %+v, want present for namespace ns against rotation-*", sy.State, sy.Evidence)
	}
}

// TestToken_Periodic (V10): a periodic token of a role with token_period
// 2h, just renewed, is healthy; its period is read from Vault and said.
func TestToken_Periodic(t *testing.T) {
	v := realVault(t)
	root := client(t, v, v.RootToken)
	setup(t, root, []string{"t-001"}, map[string]string{"cmek-rotation": cmekRotation, "secret-read": secretRead},
		map[string]any{"bound_service_account_names": "oss-ai-orchestrator", "bound_service_account_namespaces": "ns",
			"token_policies": "cmek-rotation,secret-read", "token_period": "2h"})
	auth := orchestratorToken(t, root, vault.TokenCreateRequest{Period: "2h"})
	// never renewed: said so, not "last renewed about ..." (O5)
	s := collect(t, root)
	if tok := s.Vault.OrchestratorToken; tok == nil || tok.LastRenewal != nil || tok.IssueTime == nil {
		t.Fatalf("token %+v, want no renewal and its issue time", tok)
	}
	if sy, _ := tokenSymptom(t, s, runbook.SymTokenExpiring); len(sy.Evidence) == 0 || !strings.Contains(sy.Evidence[0].Observed, "never renewed since it was issued") {
		t.Errorf("token-expiring %+v, want 'never renewed'", sy.Evidence)
	}
	if _, err := root.Auth().Token().RenewAccessor(auth.Accessor, 0); err != nil {
		t.Fatal(err)
	}
	s = collect(t, root)
	if tok := s.Vault.OrchestratorToken; tok == nil || tok.Period.Duration() != 2*time.Hour || tok.TTL.Duration() > 2*time.Hour || tok.LastRenewal == nil {
		t.Fatalf("token %+v, want periodic 2h, just renewed", tok)
	}
	if r := s.Vault.Role; r == nil || r.Period.Duration() != 2*time.Hour {
		t.Errorf("role %+v, want token_period 2h", r)
	}
	sy, _ := tokenSymptom(t, s, runbook.SymTokenExpiring)
	if sy.State != runbook.SymptomAbsent || len(sy.Evidence) == 0 || !strings.Contains(sy.Evidence[0].Observed, "periodic (the token's period 2h00m)") || !strings.Contains(sy.Evidence[0].Observed, "(Vault's last_renewal)") {
		t.Errorf("token-expiring %s %+v, want absent, judged against the period", sy.State, sy.Evidence)
	}
}

// TestToken_EveryLiveToken (V11): with two live tokens of the role (20m
// from an older login, 24h the newest), the lowest is judged and is the
// one the renew step renews.
func TestToken_EveryLiveToken(t *testing.T) {
	v := realVault(t)
	root := client(t, v, v.RootToken)
	setup(t, root, []string{"t-001"}, map[string]string{"cmek-rotation": cmekRotation},
		map[string]any{"bound_service_account_names": "oss-ai-orchestrator", "bound_service_account_namespaces": "ns",
			"token_policies": "cmek-rotation", "token_ttl": "24h"})
	old := orchestratorToken(t, root, vault.TokenCreateRequest{TTL: "20m"})
	time.Sleep(1100 * time.Millisecond) // the newer issued a second later
	orchestratorToken(t, root, vault.TokenCreateRequest{TTL: "24h"})
	s := collect(t, root)
	if n := len(s.Vault.OrchestratorTokens); n != 2 || s.Vault.OrchestratorToken == nil || s.Vault.OrchestratorToken.Accessor != old.Accessor {
		t.Fatalf("%d tokens, the judged %+v, want 2 and %s", n, s.Vault.OrchestratorToken, old.Accessor)
	}
	sy, f := tokenSymptom(t, s, runbook.SymTokenExpiring)
	if sy.State != runbook.SymptomPresent || f.Status != runbook.StatusActive || !strings.Contains(sy.Evidence[0].Observed, "2 live tokens") {
		t.Errorf("token-expiring %s, scenario %s %+v, want present, active, with the count", sy.State, f.Status, sy.Evidence)
	}
	if got := runbook.NewVars(s, s.CollectedAt).OrchestratorAccessor; got != old.Accessor {
		t.Errorf("renew step's accessor %s, want %s (the one expiring soonest)", got, old.Accessor)
	}
}

// TestPolicy_AskedForTheNewestToken: a replaced pod's token (expiring
// soonest, logged in before the role lost the rotation policy) may do all
// the runbook requires, and the running pods' newer token may only read:
// Vault is asked about the newest, so the check says what is missing.
func TestPolicy_AskedForTheNewestToken(t *testing.T) {
	v := realVault(t)
	root := client(t, v, v.RootToken)
	setup(t, root, []string{"t-001"}, map[string]string{"cmek-rotation": cmekRotation, "secret-read": secretRead},
		map[string]any{"bound_service_account_names": "oss-ai-orchestrator", "bound_service_account_namespaces": "ns",
			"token_policies": "secret-read", "token_ttl": "24h"})
	old := orchestratorToken(t, root, vault.TokenCreateRequest{TTL: "9m", Policies: []string{"cmek-rotation"}})
	time.Sleep(1100 * time.Millisecond) // the newer issued a second later
	orchestratorToken(t, root, vault.TokenCreateRequest{TTL: "24h", Policies: []string{"secret-read"}})
	s := collect(t, root)
	if s.Vault.OrchestratorToken == nil || s.Vault.OrchestratorToken.Accessor != old.Accessor {
		t.Fatalf("the soonest expiring token %+v, want %s", s.Vault.OrchestratorToken, old.Accessor)
	}
	sy := policySymptom(t, s)
	if sy.State != runbook.SymptomPresent {
		t.Errorf("policy-missing-capability %s %+v, want present: the newest token may only read", sy.State, sy.Evidence)
	}
	for _, c := range s.Vault.Policy.Checks {
		if c.Kind == "data" && (!c.Effective || slices.Contains(c.Granted, "update")) {
			t.Errorf("check %+v: want Vault's answer for the newest token, which may not update", c)
		}
	}
}

// TestToken_WithoutDefaultPolicy (O6): an operator token made without the
// default policy may not look itself up, yet is valid: the tenants it may
// list are read, and only its TTL is unknown. A token Vault does not know
// stays "invalid".
func TestToken_WithoutDefaultPolicy(t *testing.T) {
	v := realVault(t)
	root := client(t, v, v.RootToken)
	setup(t, root, []string{"t-001", "t-002"}, map[string]string{"cmek-rotation": cmekRotation, "secret-read": secretRead},
		map[string]any{"bound_service_account_names": "oss-ai-orchestrator", "bound_service_account_namespaces": "ns", "token_policies": "cmek-rotation,secret-read"})
	must(t, root.Sys().PutPolicy("op-no-default", `path "secret/metadata/*" { capabilities = ["read", "list"] }`))
	tok, err := root.Auth().Token().Create(&vault.TokenCreateRequest{Policies: []string{"op-no-default"}, NoDefaultPolicy: true, TTL: "10m"})
	must(t, err)
	s := collect(t, client(t, v, tok.Auth.ClientToken))
	if s.Vault.OperatorTokenInvalid || len(s.Vault.Tenants) != 2 {
		t.Fatalf("invalid %v, tenants %d: want the valid token's reads", s.Vault.OperatorTokenInvalid, len(s.Vault.Tenants))
	}
	said := ""
	for _, p := range s.Sources[0].Problems {
		said += p.Part + ": " + p.Error + "\n"
	}
	if !strings.Contains(said, "made without the default policy") {
		t.Errorf("problems %q, want the missing default policy said", said)
	}
	env := collectors.Env{Config: config.Default(), Namespace: "ns"}.WithDefaults()
	part := (&vaultsrc.Source{Vault: client(t, v, "hvs.not-a-token"), TokenSource: "VAULT_TOKEN"}).Collect(context.Background(), env)
	if part.Vault == nil || !part.Vault.OperatorTokenInvalid {
		t.Errorf("an unknown token: %+v, want invalid", part.Status)
	}
}
