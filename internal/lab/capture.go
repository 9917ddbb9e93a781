package lab

import (
	"context"
	"fmt"
	"sort"
	"strings"
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
			// then every alert the seeded scenarios raise firing (a
			// tenant's key-version gauge comes with the orchestrator's
			// sweep, tens of seconds in), or what fires by the deadline
			for l.alertsMissing(s) != "" && time.Now().Before(deadline.Add(30*time.Second)) {
				select {
				case <-ctx.Done():
					return nil, ctx.Err()
				case <-time.After(time.Second + l.Interval):
				}
				s = c.Collect(ctx)
			}
			if miss := l.alertsMissing(s); miss != "" {
				// a capture (the demo's) without an alert its scenarios raise
				// would tell another story than the lab's
				return nil, fmt.Errorf("prometheus at %s: the seeded scenarios' alerts did not all fire within %s: %s", l.Prometheus.URL, wait+30*time.Second, miss)
			}
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(3*time.Second + l.Interval):
			}
			s = c.Collect(ctx)
			if miss := l.alertsMissing(s); miss != "" || !scraped(s) {
				// the snapshot returned is the one checked
				return nil, fmt.Errorf("prometheus at %s: the final collection lost what the one before held (alerts missing: %q)", l.Prometheus.URL, miss)
			}
			if s.Prometheus != nil && s.Vault != nil && len(s.Vault.Tenants) <= 200 {
				// each tenant's own series, as its detail reads them live
				// (the demo replays them)
				s.Prometheus.TenantDetails = map[string]collectors.TenantDetail{}
				for _, tn := range s.Vault.Tenants {
					if d, ok := c.TenantDetail(ctx, tn.ID); ok {
						s.Prometheus.TenantDetails[tn.ID] = d
					}
				}
			}
			return s, nil
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

// alertsMissing names the alerts the seeded scenarios raise that do not
// fire in the snapshot (one SecretVersionOverflow per tenant over
// retention), or "" when every one fires.
func (l *Lab) alertsMissing(s *collectors.Snapshot) string {
	want := map[string]int{}
	for _, sc := range l.scenarios {
		switch sc {
		case RotationJobFailing:
			want["CMEKRotationFailed"] = 1
		case VaultTokenExpired:
			want["VaultTokenExpiringSoon"] = 1
		case RetentionOverflow:
			want["SecretVersionOverflow"] = max(1, len(l.Seeded.OverRetention))
		case AuditMissing:
			want["AuditLogMissing"] = 1
		}
	}
	got := map[string]int{}
	if s.Prometheus != nil {
		for _, a := range s.Prometheus.Alerts {
			if a.State == "firing" {
				got[a.Name]++
			}
		}
	}
	var miss []string
	for name, n := range want {
		if got[name] < n {
			miss = append(miss, fmt.Sprintf("%s (%d of %d firing)", name, got[name], n))
		}
	}
	sort.Strings(miss)
	return strings.Join(miss, ", ")
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
