package vault

import (
	"context"
	"testing"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/config"
)

// TestSource_Collect: without a client the source says it is not
// configured, never healthy.
func TestSource_Collect(t *testing.T) {
	t.Run("Skipped", func(t *testing.T) {
		s := &Source{}
		if s.Name() != collectors.SourceVault {
			t.Errorf("Name() = %q", s.Name())
		}
		p := s.Collect(context.Background(), collectors.Env{Config: config.Default(), Namespace: "ns"})
		if p.Status.State != collectors.StateSkipped || p.Vault != nil {
			t.Errorf("got %+v", p.Status)
		}
	})
}
