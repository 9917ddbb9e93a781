package main

import (
	"context"
	"fmt"

	"github.com/oss-ai-agent-tool/kubectl-rotation/actions"
	"github.com/oss-ai-agent-tool/kubectl-rotation/actions/kubeops"
	"github.com/oss-ai-agent-tool/kubectl-rotation/actions/vaultops"
	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors/connect"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/config"
	"github.com/oss-ai-agent-tool/kubectl-rotation/ui"
)

// userAgent identifies the tool to the servers.
func userAgent() string { return "kubectl-rotation/" + releaseVersion() }

// connect builds the live clients from the settings; in read-only mode every
// client refuses mutating requests below the UI. The Prometheus target the
// sources name in their errors, and the snapshot in prometheusTarget, is
// redacted (config.RedactURL: the password and the query's values). It
// returns configuration errors (bad Prometheus URL or service form, a bad
// Vault TLS setting) as usage errors: Connect contacts nothing.
func (s Settings) connect() (connect.Clients, error) {
	o := connect.Options{
		REST:             s.RESTConfig,
		Vault:            s.Vault.Config,
		VaultToken:       s.Vault.Token.Reveal(),
		VaultTokenSource: s.Vault.TokenSource,
		VaultNamespace:   s.Vault.Namespace,
		PrometheusURL:    s.Prometheus.URL,
		ReadOnly:         s.ReadOnly,
		UserAgent:        userAgent(),
	}
	if s.Prometheus.Service != "" {
		o.PrometheusService = fmt.Sprintf("%s/%s:%s", s.Prometheus.Namespace, s.Prometheus.Service, s.Prometheus.Port)
	}
	c, err := connect.Connect(o)
	c.PrometheusTarget = config.RedactURL(c.PrometheusTarget)
	return c, usage(err)
}

// collector returns a Collector over the clients.
func (s Settings) collector(clients connect.Clients) *collectors.Collector {
	return connect.New(clients, collectors.Options{
		Config: s.Config, Namespace: s.Namespace, Context: s.Context, SourceTimeout: s.SourceTimeout,
		Connection: s.Connection,
	})
}

// collect takes one live snapshot, reporting to progress (which may be nil).
func (s Settings) collect(ctx context.Context, progress func(collectors.Progress)) (*collectors.Snapshot, error) {
	clients, err := s.connect()
	if err != nil {
		return nil, err
	}
	return s.collector(clients).WithProgress(progress).Collect(ctx), nil
}

// tenantDetail is a tenant's own counter series for one tenant's story:
// from a replay, as its capture read them (nil when it did not); live, read
// now within the source timeout (nil when no source reads them or the
// connection cannot be made: the timeline then says it cannot tell).
func (s Settings) tenantDetail(ctx context.Context, snap *collectors.Snapshot, tenant string) *collectors.TenantDetail {
	if s.Offline() {
		if snap.Prometheus == nil {
			return nil
		}
		if d, ok := snap.Prometheus.TenantDetails[tenant]; ok {
			return &d
		}
		return nil
	}
	clients, err := s.connect()
	if err != nil {
		return nil
	}
	d, ok := s.collector(clients).TenantDetail(ctx, tenant)
	if !ok {
		return nil
	}
	return &d
}

// executor builds the actions' executor over the dashboard's clients, with
// the journal; when the journal cannot be opened the actions are off and
// the reason says why (nothing may run unrecorded).
func (s Settings) executor(clients connect.Clients) (ui.Actor, string) {
	j, err := actions.OpenJournal(s.Journal)
	if err != nil {
		return nil, err.Error() + " (pass --journal FILE)"
	}
	return &actions.Executor{Kube: kubeops.New(clients.Kube), Vault: vaultops.New(clients.Vault), Namespace: s.Namespace, Config: s.Config, ReadOnly: s.ReadOnly, Journal: j}, ""
}
