package vault

import (
	"context"
	"strings"
	"testing"
	"time"

	vault "github.com/hashicorp/vault/api"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/config"
)

// TestSource_AddressRedacted: a VAULT_ADDR carrying a password or a query
// value never reaches the status a user reads (here a refused connection,
// whose error names the address).
func TestSource_AddressRedacted(t *testing.T) {
	cfg := vault.DefaultConfig()
	cfg.Address = "http://ops:hunter2@127.0.0.1:1?token=s3cr3t"
	cfg.Timeout = 2 * time.Second
	cfg.MaxRetries = 0
	vc, err := vault.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s := &Source{Vault: vc}
	p := s.Collect(ctx, collectors.Env{Config: config.Default(), Namespace: "ns"})
	text := p.Status.Error
	for _, pr := range p.Status.Problems {
		text += " | " + pr.Error
	}
	if p.Status.State != collectors.StateError || text == "" {
		t.Fatalf("state %s, error %q: want the refused connection", p.Status.State, text)
	}
	for _, secret := range []string{"hunter2", "s3cr3t"} {
		if strings.Contains(text, secret) {
			t.Errorf("the status shows %q: %s", secret, text)
		}
	}
}
