package lab

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/testenv"
)

// Lab is a running lab: the real servers and what was seeded into them.
type Lab struct {
	Dir        string
	Namespace  string
	Kube       *testenv.Kube
	Vault      *testenv.Vault
	Exporter   *testenv.Exporter
	Prometheus *testenv.Prometheus
	Seeded     *Seeded
	// Kubeconfig is an admin kubeconfig whose context defaults to Namespace.
	Kubeconfig string
	// TokenFile holds the Vault dev root token (mode 0600); it is never printed.
	TokenFile string
	// Interval is Prometheus's scrape and rule evaluation interval.
	Interval time.Duration

	stopKubelet func()
	scenarios   []Scenario // as seeded: which alerts a capture waits for
}

// StartOptions tune Start.
type StartOptions struct {
	Dir       string
	Namespace string
	Options   Options
	// ScrapeInterval is Prometheus's scrape and rule evaluation interval;
	// default DefaultScrapeInterval(Options.Tenants).
	ScrapeInterval time.Duration
}

// DefaultScrapeInterval is 1s (the tests' interval, so a fix shows at once)
// up to 100 tenants, 15s up to 10,000 and 60s beyond (Prometheus's own
// default): scraping and evaluating the alert rules over three series per
// tenant every second kept half a core busy at 10,000 tenants and 17% of
// one at 1,000; every 15 s at 100,000 tenants, 1.25 cores (each rule's
// increase() over 26 h reads every sample of every tenant's series).
func DefaultScrapeInterval(tenants int) time.Duration {
	switch {
	case tenants > 10000:
		return time.Minute
	case tenants > 100:
		return 15 * time.Second
	}
	return time.Second
}

// Start starts the servers (with kube-controller-manager), seeds them and
// starts Prometheus with 24 h of back-filled history and the alert rules.
func Start(ctx context.Context, bins testenv.Bins, o StartOptions) (l *Lab, err error) {
	if err := os.MkdirAll(o.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("lab dir: %w", err)
	}
	l = &Lab{Dir: o.Dir, Namespace: o.Namespace, scenarios: o.Options.Scenarios}
	defer func() {
		if err != nil {
			l.Stop()
		}
	}()
	if l.Kube, err = testenv.StartKube(ctx, testenv.KubeOptions{Bins: bins, Dir: o.Dir}); err != nil {
		return l, err
	}
	if err = l.Kube.StartControllerManager(ctx); err != nil {
		return l, err
	}
	// sys/raw, to date the tenants' key versions by the story
	if l.Vault, err = testenv.StartVaultWith(ctx, bins.Vault, o.Dir, testenv.VaultOptions{RawStorage: true}); err != nil {
		return l, err
	}
	if l.Exporter, err = testenv.StartExporter(); err != nil {
		return l, err
	}
	root, err := l.Vault.Root()
	if err != nil {
		return l, err
	}
	target := Target{
		Kube: l.Kube.Client, Namespace: o.Namespace, NodeName: l.Kube.NodeName, Logs: l.Kube.Logs,
		Vault: root, VaultRawStorage: true, APIServerURL: l.Kube.APIServerURL(), APIServerCA: l.Kube.CACert(),
		Metrics: l.Exporter, MetricsKey: "lab", MetricsInstance: l.Exporter.Addr,
	}
	promDir := filepath.Join(o.Dir, "prometheus")
	_ = os.RemoveAll(promDir)
	if err := os.MkdirAll(promDir, 0o700); err != nil {
		return l, fmt.Errorf("prometheus dir: %w", err)
	}
	opts := o.Options
	opts.BackfillFile = filepath.Join(promDir, "backfill.om")
	if l.Seeded, err = Seed(ctx, target, opts); err != nil {
		return l, err
	}
	// the history into blocks, as StartPrometheus's Backfill does, from the
	// file Seed streamed (hundreds of megabytes at 10,000 tenants)
	if out, err := exec.CommandContext(ctx, bins.Promtool, "tsdb", "create-blocks-from", "openmetrics", "--quiet", opts.BackfillFile, filepath.Join(promDir, "data")).CombinedOutput(); err != nil {
		return l, fmt.Errorf("promtool create-blocks-from openmetrics: %w: %s", err, out)
	}
	_ = os.Remove(opts.BackfillFile)
	// the harness kubelet runs the Jobs the tool's actions create; rotation
	// Jobs go through the simulated orchestrator
	names := o.Options.Names
	if names.RotationCronJob == "" {
		names = DefaultNames()
	}
	orch := NewOrchestrator(target, l.Seeded, names, l.Kube.Logs)
	l.stopKubelet = orch.Start(l.Kube)
	interval := o.ScrapeInterval
	if interval <= 0 {
		interval = DefaultScrapeInterval(len(l.Seeded.Tenants))
	}
	l.Interval = interval
	if l.Prometheus, err = testenv.StartPrometheus(ctx, testenv.PrometheusOptions{
		Bins: bins, Dir: promDir, Targets: []string{l.Exporter.Addr}, Interval: interval,
		Rules: l.Seeded.Rules,
	}); err != nil {
		return l, err
	}
	_, kc, err := l.Kube.AddUser("lab-admin", []string{"system:masters"}, o.Namespace)
	if err != nil {
		return l, err
	}
	l.Kubeconfig = filepath.Join(o.Dir, "kubeconfig")
	if err = os.WriteFile(l.Kubeconfig, kc, 0o600); err != nil {
		return l, fmt.Errorf("write kubeconfig: %w", err)
	}
	l.TokenFile = filepath.Join(o.Dir, "vault-token")
	if err = os.WriteFile(l.TokenFile, []byte(l.Vault.RootToken), 0o600); err != nil {
		return l, fmt.Errorf("write vault token file: %w", err)
	}
	return l, nil
}

// EnvScript is the shell snippet that points kubectl, vault and
// kubectl-rotation at the lab. The token is read from its file, not printed.
func (l *Lab) EnvScript() string {
	return fmt.Sprintf(`export KUBECONFIG=%s
export VAULT_ADDR=%s
export VAULT_TOKEN="$(cat %s)"
export PROMETHEUS_URL=%s
# then: go run ./cmd/kubectl-rotation (or: snapshot -o json, report); the context's namespace is %s
`, l.Kubeconfig, l.Vault.Addr, l.TokenFile, l.Prometheus.URL, l.Namespace)
}

// Stop ends every server; safe on a partly started lab.
func (l *Lab) Stop() {
	if l.stopKubelet != nil {
		l.stopKubelet()
	}
	if l.Prometheus != nil {
		l.Prometheus.Stop()
	}
	if l.Exporter != nil {
		l.Exporter.Close()
	}
	if l.Vault != nil {
		l.Vault.Stop()
	}
	if l.Kube != nil {
		l.Kube.Stop()
	}
	if l.TokenFile != "" {
		_ = os.Remove(l.TokenFile)
	}
}
