package vault_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	vault "github.com/hashicorp/vault/api"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	vaultsrc "github.com/oss-ai-agent-tool/kubectl-rotation/collectors/vault"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/config"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/faults"
	"github.com/oss-ai-agent-tool/kubectl-rotation/runbook"
)

// collectVia collects the Vault source through a front of the test's own
// in front of the real server: every request forwarded, but those whose
// path starts with prefix answered by h.
func collectVia(t *testing.T, upstream, token, prefix string, h http.Handler) (*collectors.Snapshot, collectors.Status) {
	t.Helper()
	front := faults.StartFront(t, faults.Routes(faults.Forward(upstream), faults.Route{Prefix: prefix, Handler: h}))
	cfg := vault.DefaultConfig()
	cfg.Address, cfg.MaxRetries, cfg.Timeout = front.URL, 0, 10*time.Second
	c, err := vault.NewClient(cfg)
	must(t, err)
	c.SetToken(token)
	env := collectors.Env{Config: config.Default(), Namespace: "ns"}.WithDefaults()
	part := (&vaultsrc.Source{Vault: c, TokenSource: "VAULT_TOKEN"}).Collect(context.Background(), env)
	s := &collectors.Snapshot{Config: env.Config, Namespace: "ns", CollectedAt: time.Now(), Vault: part.Vault,
		Sources: []collectors.Status{part.Status}}
	return s, part.Status
}

func problem(st collectors.Status, part string) string {
	for _, p := range st.Problems {
		if p.Part == part {
			return p.Error
		}
	}
	return ""
}

// TestCollect_AnswersNotVaults: in front of a healthy real Vault, an
// answer that is not Vault's API (a rate limiter's 429, a proxy's {} or
// empty body) or Vault's own error on one read is never read as a fact:
// sys/health's makes the source an error naming what answered (never an
// uninitialised Vault); a token lookup's or the accessor list's leaves
// the token not found, with a problem naming the read (never "no live
// token"); capabilities-accessor's and the auth mount tune's are problems
// of theirs, while the fallbacks still judge.
func TestCollect_AnswersNotVaults(t *testing.T) {
	v := realVault(t)
	root := client(t, v, v.RootToken)
	setup(t, root, []string{"t-001", "t-002"}, map[string]string{"cmek-rotation": cmekRotation},
		map[string]any{"bound_service_account_names": "oss-ai-orchestrator", "bound_service_account_namespaces": "ns",
			"token_policies": "cmek-rotation", "token_ttl": "24h"})
	tok := orchestratorToken(t, root, vault.TokenCreateRequest{TTL: "24h", Policies: []string{"cmek-rotation"}})
	// the token's path (auth/token/create) names the mount whose tune its
	// ceiling reads: auth/token
	up := v.Addr

	t.Run("healthy through the front", func(t *testing.T) {
		s, st := collectVia(t, up, v.RootToken, "/none", http.NotFoundHandler())
		if st.State != collectors.StateOK || s.Vault.OrchestratorToken == nil || s.Vault.OrchestratorToken.Accessor != tok.Accessor {
			t.Fatalf("state %s %+v, token %+v: want ok and the orchestrator's token", st.State, st.Problems, s.Vault.OrchestratorToken)
		}
	})

	health := map[string]struct {
		h    http.Handler
		want string
	}{
		"429 with Retry-After": {faults.Respond(http.StatusTooManyRequests, "application/json", `{"errors":["rate limit quota exceeded"]}`, "Retry-After", "1"),
			"answered 429 Too Many Requests (Retry-After 1s): rate limited, retry later"},
		"429": {faults.Respond(http.StatusTooManyRequests, "text/plain", "slow down"), "answered 429 Too Many Requests: rate limited, retry later"},
		"200 {}": {faults.Respond(http.StatusOK, "application/json", `{}`),
			"answered 200 without Vault's health fields (initialized, sealed): not Vault's API (a proxy?)"},
		"200 without sealed": {faults.Respond(http.StatusOK, "application/json", `{"initialized":true,"version":"1.15.0"}`), "without Vault's health fields"},
		"200 empty":          {faults.Respond(http.StatusOK, "application/json", ``), "answered 200 with an empty body"},
	}
	for name, tt := range health {
		t.Run("sys/health "+name, func(t *testing.T) {
			_, st := collectVia(t, up, v.RootToken, "/v1/sys/health", tt.h)
			if st.State != collectors.StateError || !strings.Contains(st.Error, "Vault at http://127.0.0.1:") || !strings.Contains(st.Error, tt.want) {
				t.Errorf("state %s %q, want an error naming the address and %q", st.State, st.Error, tt.want)
			}
			if strings.Contains(st.Error, "not initialised") || strings.Contains(st.Error, "is sealed") {
				t.Errorf("error %q: an answer that is not Vault's read as its state", st.Error)
			}
		})
	}

	token := map[string]struct {
		prefix string
		h      http.Handler
		want   string
	}{
		"lookup-accessor {data:{}}": {"/v1/auth/token/lookup-accessor", faults.Respond(http.StatusOK, "application/json", `{"data":{}}`),
			"could not be looked up (auth/token/lookup-accessor)"},
		"lookup-accessor 500": {"/v1/auth/token/lookup-accessor", faults.Respond(http.StatusInternalServerError, "application/json", `{"errors":["internal error"]}`),
			"Vault answered 500: internal error"},
		"accessor list empty body": {"/v1/auth/token/accessors", faults.Respond(http.StatusOK, "application/json", ``),
			"list token accessors (auth/token/accessors): answered 200 with an empty body"},
		"accessor list {data:{}}": {"/v1/auth/token/accessors", faults.Respond(http.StatusOK, "application/json", `{"data":{}}`),
			"answered 200 without data.keys"},
	}
	for name, tt := range token {
		t.Run(name, func(t *testing.T) {
			s, st := collectVia(t, up, v.RootToken, tt.prefix, tt.h)
			pr := problem(st, "orchestrator token")
			if st.State != collectors.StatePartial || !strings.Contains(pr, tt.want) {
				t.Errorf("state %s %+v, want partial with an orchestrator token problem holding %q", st.State, st.Problems, tt.want)
			}
			if s.Vault.OrchestratorToken != nil || strings.HasPrefix(s.Vault.OrchestratorTokenNote, "no live token") {
				t.Errorf("token %+v, note %q: want none found and no 'no live token'", s.Vault.OrchestratorToken, s.Vault.OrchestratorTokenNote)
			}
			sy, _ := tokenSymptom(t, s, runbook.SymTokenExpiring)
			if sy.State != runbook.SymptomUnknown || !strings.Contains(sy.Reason, "TTL unknown") {
				t.Errorf("token-expiring %s (%s) %+v, want unknown (no Prometheus here)", sy.State, sy.Reason, sy.Evidence)
			}
		})
	}

	t.Run("capabilities-accessor 500", func(t *testing.T) {
		s, st := collectVia(t, up, v.RootToken, "/v1/sys/capabilities-accessor", faults.Respond(http.StatusInternalServerError, "application/json", `{"errors":["internal error"]}`))
		if pr := problem(st, "policy capabilities-accessor"); st.State != collectors.StatePartial || !strings.Contains(pr, "sys/capabilities-accessor") || !strings.Contains(pr, "500") {
			t.Errorf("state %s %+v, want partial with a capabilities-accessor problem", st.State, st.Problems)
		}
		for _, c := range s.Vault.Policy.Checks {
			if c.Effective || len(c.Granted) == 0 {
				t.Errorf("check %+v: want judged from the role's policies", c)
			}
		}
	})
	t.Run("capabilities-accessor {data:{}}", func(t *testing.T) {
		_, st := collectVia(t, up, v.RootToken, "/v1/sys/capabilities-accessor", faults.Respond(http.StatusOK, "application/json", `{"data":{}}`))
		if pr := problem(st, "policy capabilities-accessor"); st.State != collectors.StatePartial || !strings.Contains(pr, "without the capabilities of secret/") {
			t.Errorf("state %s %+v, want partial with a capabilities-accessor problem", st.State, st.Problems)
		}
	})
	t.Run("auth mount tune 500", func(t *testing.T) {
		s, st := collectVia(t, up, v.RootToken, "/v1/sys/mounts/auth/", faults.Respond(http.StatusInternalServerError, "application/json", `{"errors":["internal error"]}`))
		if pr := problem(st, "token ceiling"); st.State != collectors.StatePartial || !strings.Contains(pr, "read sys/mounts/auth/token/tune: Vault answered 500") {
			t.Errorf("state %s %+v, want partial with a token ceiling problem", st.State, st.Problems)
		}
		// sys/auth/token/tune (root may read it) still gives the ceiling
		if tk := s.Vault.OrchestratorToken; tk == nil || tk.CeilingAt == nil {
			t.Errorf("token %+v: want the ceiling from sys/auth/token/tune", tk)
		}
	})
	t.Run("role {data:{}}", func(t *testing.T) {
		s, st := collectVia(t, up, v.RootToken, "/v1/auth/kubernetes/role/", faults.Respond(http.StatusOK, "application/json", `{"data":{}}`))
		if pr := problem(st, "kubernetes auth role"); st.State != collectors.StatePartial || !strings.Contains(pr, "without data.bound_service_account_names") || s.Vault.Role != nil {
			t.Errorf("state %s %+v, role %+v: want the role not read", st.State, st.Problems, s.Vault.Role)
		}
	})
	t.Run("role and policy 404 page", func(t *testing.T) {
		s, st := collectVia(t, up, v.RootToken, "/v1/sys/policies/acl/", faults.Respond(http.StatusNotFound, "text/html", faults.HTMLPage))
		if pr := problem(st, "policy"); st.State != collectors.StatePartial || !strings.Contains(pr, "answered 404 without Vault's error body") || s.Vault.Policy != nil {
			t.Errorf("state %s %+v, policy %+v: want the policy not read (not 'does not exist')", st.State, st.Problems, s.Vault.Policy)
		}
	})
	// another policy of the role (default) failing to answer: what the
	// policies grant together cannot be told, and the read is a problem
	// of the source, never "ok" beside it
	t.Run("the role's other policy 500", func(t *testing.T) {
		s, st := collectVia(t, up, v.RootToken, "/v1/sys/policies/acl/default", faults.Respond(http.StatusInternalServerError, "application/json", `{"errors":["internal error"]}`))
		if pr := problem(st, "policy"); st.State != collectors.StatePartial || !strings.Contains(pr, "read policy default") {
			t.Errorf("state %s %+v: want the default policy's read a problem", st.State, st.Problems)
		}
		if s.Vault.Policy == nil || !strings.Contains(s.Vault.Policy.Unjudged, "cannot be told") {
			t.Errorf("policy %+v: want the policies together unjudged", s.Vault.Policy)
		}
	})
	// a proxy or cache answering another policy's text for the rotation
	// policy: judging it would judge the wrong policy
	t.Run("policy answer naming another policy", func(t *testing.T) {
		s, st := collectVia(t, up, v.RootToken, "/v1/sys/policies/acl/cmek-rotation", faults.Respond(http.StatusOK, "application/json",
			`{"data":{"name":"secret-read","policy":"path \"secret/data/*\" { capabilities = [\"read\"] }"}}`))
		if pr := problem(st, "policy"); st.State != collectors.StatePartial || !strings.Contains(pr, `naming policy "secret-read", not "cmek-rotation"`) || s.Vault.Policy != nil {
			t.Errorf("state %s %+v, policy %+v: want the policy not read", st.State, st.Problems, s.Vault.Policy)
		}
	})
	t.Run("tenant metadata {data:{}}", func(t *testing.T) {
		s, st := collectVia(t, up, v.RootToken, "/v1/secret/metadata/tenants/t-001/", faults.Respond(http.StatusOK, "application/json", `{"data":{}}`))
		if pr := problem(st, "tenants"); st.State != collectors.StatePartial || !strings.Contains(pr, "1 of 2 tenants") {
			t.Errorf("state %s %+v, want a tenants problem", st.State, st.Problems)
		}
		for _, tn := range s.Vault.Tenants {
			if tn.ID == "t-001" && !strings.Contains(tn.Error, "without data.current_version or data.versions") {
				t.Errorf("tenant %+v: want not read", tn)
			}
		}
	})
	t.Run("tenant list empty body", func(t *testing.T) {
		_, st := collectVia(t, up, v.RootToken, "/v1/secret/metadata/tenants", faults.Respond(http.StatusOK, "application/json", ``))
		if pr := problem(st, "tenants"); st.State != collectors.StatePartial || !strings.Contains(pr, "answered 200 with an empty body") {
			t.Errorf("state %s %+v, want a tenants problem", st.State, st.Problems)
		}
	})
}
