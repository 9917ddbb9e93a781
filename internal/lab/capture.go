package lab

import (
	"context"
	"fmt"
	"time"

	vault "github.com/hashicorp/vault/api"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors/connect"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/config"
)

// Capture collects a snapshot of the lab with the tool's collectors (as
// `kubectl rotation snapshot` would, read-only), once Prometheus has
// scraped the live samples and evaluated the alert rules. The snapshot's
// context is named contextName.
func (l *Lab) Capture(ctx context.Context, cfg config.Config, contextName string) (*collectors.Snapshot, error) {
	vcfg := vault.DefaultConfig()
	vcfg.Address = l.Vault.Addr
	clients, err := connect.Connect(connect.Options{
		REST: l.Kube.Config, Vault: vcfg, VaultToken: l.Vault.RootToken, PrometheusURL: l.Prometheus.URL, ReadOnly: true,
	})
	if err != nil {
		return nil, err
	}
	c := connect.New(clients, collectors.Options{Config: cfg, Namespace: l.Namespace, Context: contextName})
	// Prometheus scrapes and evaluates every l.Interval (a minute beyond
	// 10,000 tenants): the first scrape within it and 45 s, then one more
	// evaluation round for every rule group
	wait := 45*time.Second + l.Interval
	deadline := time.Now().Add(wait)
	for {
		s := c.Collect(ctx)
		if scraped(s) {
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(3*time.Second + l.Interval):
			}
			return c.Collect(ctx), nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("prometheus at %s did not scrape the lab's exporter within %s", l.Prometheus.URL, wait)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(300 * time.Millisecond):
		}
	}
}

// scraped reports whether the snapshot holds a live (scraped) series.
func scraped(s *collectors.Snapshot) bool {
	if s.Prometheus == nil {
		return false
	}
	for _, m := range s.Prometheus.Metrics {
		for _, se := range m.Series {
			if se.Labels["instance"] != "" && se.Value != nil {
				return true
			}
		}
	}
	return false
}
