package vault

import (
	"context"
	"strings"

	vault "github.com/hashicorp/vault/api"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/config"
)

// Source reads Vault: health, the operator's and the orchestrator's
// tokens, the tenants' key metadata, the rotation policy and the
// Kubernetes auth role. A nil Vault means not configured (StateSkipped).
type Source struct {
	Vault *vault.Client
	// TokenSource says where the operator's token came from (VAULT_TOKEN,
	// ~/.vault-token), never the token itself.
	TokenSource string
}

var _ collectors.Source = (*Source)(nil)

// Name implements collectors.Source.
func (s *Source) Name() string { return collectors.SourceVault }

// Collect implements collectors.Source.
func (s *Source) Collect(ctx context.Context, env collectors.Env) collectors.Part {
	c := newCollector(clients{Vault: s.Vault, VaultTokenSource: s.TokenSource}, env)
	var p collectors.Part
	p.Vault, p.Status = c.collectVault(ctx)
	if s.Vault != nil {
		p.Status = redactAddr(p.Status, s.Vault.Address())
	}
	return p
}

// redactAddr takes the credentials and query values out of the Vault
// address wherever a status's errors name it (VAULT_ADDR may carry them).
func redactAddr(st collectors.Status, addr string) collectors.Status {
	red := config.RedactURL(addr)
	if red == addr || addr == "" {
		return st
	}
	st.Error = strings.ReplaceAll(st.Error, addr, red)
	probs := make([]collectors.Problem, len(st.Problems))
	for i, pr := range st.Problems {
		pr.Error = strings.ReplaceAll(pr.Error, addr, red)
		probs[i] = pr
	}
	st.Problems = probs
	return st
}

type clients struct {
	Vault            *vault.Client
	VaultTokenSource string
}

// collector is one collection's state: the clients and the Env.
type collector struct {
	clients   clients
	cfg       config.Config
	namespace string
	opts      collectors.Env
}

func newCollector(c clients, env collectors.Env) *collector {
	env = env.WithDefaults()
	return &collector{clients: c, cfg: env.Config, namespace: env.Namespace, opts: env}
}

func (c *collector) progress(p collectors.Progress) { c.opts.Progress(p) }
