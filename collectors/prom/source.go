package prom

import (
	"context"

	promapi "github.com/prometheus/client_golang/api"
	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/config"
)

// Source reads Prometheus: the runbook's metrics, the firing alerts, the
// alert rules and the freshness of their scrape targets. A nil Client
// means not configured (StateSkipped).
type Source struct {
	// Client reaches Prometheus's HTTP API; the source queries it through
	// client_golang's promv1.API, and decodes some answers itself
	// (queryNames: the tenants' names, without a label map per tenant).
	Client promapi.Client
	// Target says how Prometheus is reached (a URL, or a service through
	// the API server's proxy), for display and messages.
	Target string
}

var _ collectors.Source = (*Source)(nil)

// Name implements collectors.Source.
func (s *Source) Name() string { return collectors.SourcePrometheus }

// Collect implements collectors.Source.
func (s *Source) Collect(ctx context.Context, env collectors.Env) collectors.Part {
	c := newCollector(s.clients(), env)
	var p collectors.Part
	history := c.startAlertHistory(ctx) // alerthistory.go: the timeline's alert state changes, read beside the rest
	p.Prometheus, p.Status = c.collectPrometheus(ctx)
	history(p.Prometheus)
	return p
}

type clients struct {
	Prometheus       promv1.API     // the query API over Raw; nil: not configured
	Warned           *warnings      // the warnings Prometheus's answers carried
	Raw              promapi.Client // for the answers decoded here
	PrometheusTarget string
}

// clients are the source's clients for one collection or detail.
func (s *Source) clients() clients {
	c := clients{Raw: s.Client, PrometheusTarget: s.Target}
	if s.Client != nil {
		c.Warned = &warnings{}
		c.Prometheus = newAPI(s.Client, c.Warned) // answer.go: an answer without data is an error
	}
	return c
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
