package ui

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"
	vault "github.com/hashicorp/vault/api"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/oss-ai-agent-tool/kubectl-rotation/actions"

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

// TestFlow_LabAction takes Scenario 5 from detected to verified with the
// keys alone, against the real servers and the real executor: the deadline
// patch lands, the journal has both lines, and the re-collection shows it.
func TestFlow_LabAction(t *testing.T) {
	e := testenv.Get(t)
	w := lab.SeedTB(t, e, lab.Options{Scenarios: []lab.Scenario{lab.BatchTimeout}, Tenants: 12})
	vcfg := vault.DefaultConfig()
	vcfg.Address = e.Vault.Addr
	clients, err := collectors.Connect(collectors.ConnectOptions{REST: e.Kube.Config, Vault: vcfg, VaultToken: e.Vault.RootToken})
	if err != nil {
		t.Fatal(err)
	}
	c := collectors.New(clients, collectors.Options{Config: w.Config, Namespace: w.Namespace})
	jpath := t.TempDir() + "/journal.jsonl"
	j, err := actions.OpenJournal(jpath)
	if err != nil {
		t.Fatal(err)
	}
	ex := &actions.Executor{Kube: clients.Kube, Vault: clients.Vault, Namespace: w.Namespace, Config: w.Config, Journal: j}
	m := New(LiveLoader{Collector: c, Timeout: 30 * time.Second}, Options{Config: w.Config, Namespace: w.Namespace, VaultAddr: e.Vault.Addr, Mode: "live", NoColor: true}).WithActor(ex, "")
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(120, 40))
	waitFor(t, tm, "Batch rotation timeout", "ACTIVE")
	for i := 0; i < 4; i++ {
		tm.Send(tea.KeyMsg{Type: tea.KeyDown})
	}
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
	waitFor(t, tm, "Scenario 5")
	tm.Send(tea.KeyMsg{Type: tea.KeyDown}) // step 2: increase the deadline
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("a")})
	waitFor(t, tm, "Reason for the journal")
	typeKeys(tm, "batch timed out")
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
	waitFor(t, tm, "y run it")
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("y")})
	waitFor(t, tm, "activeDeadlineSeconds 600s → 1800s", "Verification: scenario")
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlC})
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))

	cj, err := e.Kube.Client.BatchV1().CronJobs(w.Namespace).Get(context.Background(), w.Config.Kubernetes.RotationCronJob, metav1.GetOptions{})
	if err != nil || cj.Spec.JobTemplate.Spec.ActiveDeadlineSeconds == nil || *cj.Spec.JobTemplate.Spec.ActiveDeadlineSeconds != 1800 {
		t.Errorf("cronjob deadline after the action: %v %v", cj.Spec.JobTemplate.Spec.ActiveDeadlineSeconds, err)
	}
	raw, _ := os.ReadFile(jpath)
	if n := strings.Count(string(raw), "\n"); n != 2 || !strings.Contains(string(raw), `"reason":"batch timed out"`) || !strings.Contains(string(raw), `"outcome":"ok"`) {
		t.Errorf("journal:\n%s", raw)
	}
}
