package ui

import (
	"context"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"
	vault "github.com/hashicorp/vault/api"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/lab"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// TestFlow_Lab runs the dashboard live against the real servers seeded with
// Scenario 2, then with Vault stopped: the Vault panel says why and the
// rest still works.
func TestFlow_Lab(t *testing.T) {
	w := lab.SeedTB(t, testenv.Get(t), lab.Options{Scenarios: []lab.Scenario{lab.VaultTokenExpired}, Tenants: 12})
	e, ns, cfg := w.Env, w.Namespace, w.Config
	run := func(t *testing.T, vaultAddr string) *teatest.TestModel {
		vcfg := vault.DefaultConfig()
		vcfg.Address = vaultAddr
		clients, err := collectors.Connect(collectors.ConnectOptions{REST: e.Kube.Config, Vault: vcfg, VaultToken: e.Vault.RootToken, ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		c := collectors.New(clients, collectors.Options{Config: cfg, Namespace: ns})
		m := New(LiveLoader{Collector: c, Timeout: 30 * time.Second}, Options{Config: cfg, Namespace: ns, VaultAddr: vaultAddr, Mode: "live", ReadOnly: true, NoColor: true})
		return teatest.NewTestModel(t, m, teatest.WithInitialTermSize(120, 40))
	}

	t.Run("live", func(t *testing.T) {
		tm := run(t, e.Vault.Addr)
		waitFor(t, tm, "Vault token expired", "ACTIVE", "orchestrator token TTL", "READ-ONLY")
		tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("2")})
		waitFor(t, tm, "12 tenants")
		tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("q")})
		tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	})

	t.Run("vault stopped", func(t *testing.T) {
		v, err := testenv.StartVault(context.Background(), e.Bins.Vault, e.TempDir(t))
		if err != nil {
			t.Fatal(err)
		}
		addr := v.Addr
		v.Stop()
		tm := run(t, addr)
		waitFor(t, tm, "error: read sys/health", "UNKNOWN", "kubernetes")
		tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("3")})
		waitFor(t, tm, "newest first", "cmek-rotation")
		tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("q")})
		tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	})
}
