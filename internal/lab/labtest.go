package lab

import (
	"context"
	"path/filepath"
	"testing"

	vault "github.com/hashicorp/vault/api"
	"k8s.io/client-go/rest"

	"github.com/oss-ai-agent-tool/kubectl-rotation/actions"
	"github.com/oss-ai-agent-tool/kubectl-rotation/actions/kubeops"
	"github.com/oss-ai-agent-tool/kubectl-rotation/actions/vaultops"
	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors/connect"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/config"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/testenv"
)

// World is what SeedTB made for one test: its own namespace, KV v2 mount,
// Kubernetes-auth mount, policy name and exporter key on the shared servers,
// and the tool's configuration naming them.
type World struct {
	Env       *testenv.Env
	Namespace string
	Names     Names
	Seeded    *Seeded
	Config    config.Config
}

// SeedTB seeds the shared test servers for one test (o.Names is filled with
// the test's own mount and names). The exporter samples go when the test
// ends; namespaces stay (envtest runs no namespace controller).
func SeedTB(tb testing.TB, e *testenv.Env, o Options) World {
	tb.Helper()
	n := DefaultNames()
	n.KVMount = e.KVMount(tb)
	n.AuthMount = "k8s-" + n.KVMount
	n.Policy = "cmek-" + n.KVMount
	o.Names = n
	ns := e.Namespace(tb)
	key := tb.Name()
	s, err := Seed(context.Background(), Target{
		Kube: e.Kube.Client, Namespace: ns, NodeName: e.Kube.NodeName, Logs: e.Kube.Logs,
		Vault: e.VaultRoot(tb), APIServerURL: e.Kube.APIServerURL(), APIServerCA: e.Kube.CACert(),
		Metrics: e.Exporter, MetricsKey: key, MetricsInstance: e.Exporter.Addr,
	}, o)
	if err != nil {
		tb.Fatalf("seed: %v", err)
	}
	tb.Cleanup(func() { e.Exporter.Set(key, nil) })
	cfg := config.Default()
	cfg.Vault.KVMount, cfg.Vault.KubernetesAuthMount, cfg.Vault.Policy = n.KVMount, n.AuthMount, n.Policy
	return World{Env: e, Namespace: ns, Names: n, Seeded: s, Config: cfg}
}

// Orchestrate runs the lab's simulated orchestrator for the rest of the
// test: the harness kubelet runs the namespace's new pods through it (the
// Jobs the tool's actions create, the orchestrator's replaced pods) and its
// metrics continue the seeded ones under the test's exporter key. Pods only
// finish for Jobs when kube-controller-manager runs (Env.ControllerManager).
func (w World) Orchestrate(tb testing.TB) *Orchestrator {
	tb.Helper()
	e := w.Env
	o := NewOrchestrator(Target{Kube: e.Kube.Client, Namespace: w.Namespace, Vault: e.VaultRoot(tb), Metrics: e.Exporter, MetricsKey: tb.Name()},
		w.Seeded, w.Names, e.Kube.Logs)
	tb.Cleanup(o.Start(e.Kube))
	return o
}

// ToolOptions choose how World.Tools connects.
type ToolOptions struct {
	REST          *rest.Config // the Kubernetes user; nil: the harness admin
	VaultToken    string       // nil: the dev root token
	PrometheusURL string       // "": no Prometheus
	ReadOnly      bool
}

// Tools are the tool's own clients, collector and action executor (with a
// journal in a temporary folder) over the test servers, as a user would
// run them against this world.
type Tools struct {
	Clients     connect.Clients
	Collector   *collectors.Collector
	Executor    *actions.Executor
	JournalPath string
}

// Tools connects the tool to the world. It fails the test on an error.
func (w World) Tools(tb testing.TB, o ToolOptions) Tools {
	tb.Helper()
	if o.REST == nil {
		o.REST = w.Env.Kube.Config
	}
	if o.VaultToken == "" {
		o.VaultToken = w.Env.Vault.RootToken
	}
	vcfg := vault.DefaultConfig()
	vcfg.Address = w.Env.Vault.Addr
	clients, err := connect.Connect(connect.Options{REST: o.REST, Vault: vcfg, VaultToken: o.VaultToken, PrometheusURL: o.PrometheusURL, ReadOnly: o.ReadOnly})
	if err != nil {
		tb.Fatal(err)
	}
	path := filepath.Join(tb.TempDir(), "journal.jsonl")
	j, err := actions.OpenJournal(path)
	if err != nil {
		tb.Fatal(err)
	}
	return Tools{
		Clients:     clients,
		Collector:   connect.New(clients, collectors.Options{Config: w.Config, Namespace: w.Namespace}),
		Executor:    &actions.Executor{Kube: kubeops.New(clients.Kube), Vault: vaultops.New(clients.Vault), Namespace: w.Namespace, Config: w.Config, Journal: j},
		JournalPath: path,
	}
}
