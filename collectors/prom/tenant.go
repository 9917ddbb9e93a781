package prom

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
)

var _ collectors.TenantDetailer = (*Source)(nil)

// TenantDetail implements collectors.TenantDetailer: the per-tenant
// counters' series that name tenant (under any of the tenant labels), now
// and over the 24 h history, as the collection read every tenant's before
// it read them summed. Two small queries a counter, for one tenant.
func (s *Source) TenantDetail(ctx context.Context, env collectors.Env, tenant string) collectors.TenantDetail {
	c := newCollector(s.clients(), env)
	now := c.opts.Now()
	d := collectors.TenantDetail{Tenant: tenant, At: now.UTC()}
	if c.clients.Prometheus == nil {
		d.Error = "Prometheus is not configured"
		return d
	}
	m := c.cfg.Prometheus.Metrics
	specs := []struct{ role, name string }{{"rotations", m.Rotations}, {"rotationsFailed", m.RotationsFailed}}
	d.Metrics = make([]collectors.Metric, len(specs))
	timeout := c.cfg.Prometheus.RequestTimeout.Duration()
	sem := make(chan struct{}, promMaxInFlight)
	var wg sync.WaitGroup
	for i, spec := range specs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mt := collectors.Metric{Name: spec.name, Role: spec.role, Series: []collectors.Series{}}
			if err := c.querySeries(ctx, c.clients.Prometheus, sem, timeout, now, &mt, c.tenantSelector(spec.name, tenant)); err != nil {
				mt.Error = promErr(s.Target, "query "+spec.name+" of tenant "+tenant, err)
			}
			d.Metrics[i] = mt
		}()
	}
	wg.Wait()
	return d
}

// tenantSelector selects name's series of our namespace (or none) that
// name tenant under any of the tenant labels.
func (c *collector) tenantSelector(name, tenant string) string {
	ns := c.selector(name) // name{namespace=~"…"}
	var alts []string
	for _, l := range tenantLabels {
		alts = append(alts, fmt.Sprintf("%s,%s=%q}", strings.TrimSuffix(ns, "}"), l, tenant))
	}
	return strings.Join(alts, " or ")
}
