package collectors

import (
	"context"
	"errors"
	"sync"
	"time"

	vault "github.com/hashicorp/vault/api"
	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/config"
)

// Clients are the connections to the sources. A nil client means the source
// is not configured; its Status says so (StateSkipped) and it is never
// counted as healthy.
type Clients struct {
	Kube  kubernetes.Interface
	Vault *vault.Client
	// Prometheus is the query API, reached directly or through the API
	// server's service proxy; PrometheusTarget says which, for display.
	Prometheus       promv1.API
	PrometheusTarget string
	// VaultTokenSource says where the operator's Vault token came from
	// (VAULT_TOKEN, ~/.vault-token), never the token itself.
	VaultTokenSource string
	// KubeCredential describes the kubeconfig's credential (its kind, a
	// client certificate's expiry, the exec plugin), never the secret.
	KubeCredential KubeCredential
}

// Options describe what to collect.
type Options struct {
	Config    config.Config
	Namespace string
	// Context is the kubeconfig context name, for display.
	Context string
	// SourceTimeout bounds each source as a whole (default 60 s); each
	// request also has the configuration's per-request timeout.
	SourceTimeout time.Duration
	// Progress, when set, is called (from the collecting goroutines) as
	// work advances, e.g. tenants scanned of N.
	Progress func(Progress)
	// Now returns the time stamped on the snapshot (default time.Now).
	Now func() time.Time
}

// PartDone is the Part of the Progress that Collect reports when a source
// has finished (whatever its state): Done and Total are both 1.
const PartDone = "done"

// Progress reports how far a source has got.
type Progress struct {
	Source string
	Part   string
	Done   int
	Total  int
}

// Collector reads the sources. It holds no state between collections and
// is safe for concurrent use.
type Collector struct {
	clients   Clients
	cfg       config.Config
	namespace string
	opts      Options
}

// New returns a Collector for the clients and options.
func New(c Clients, o Options) *Collector {
	if o.SourceTimeout <= 0 {
		o.SourceTimeout = 60 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Collector{clients: c, cfg: o.Config, namespace: o.Namespace, opts: o}
}

func (c *Collector) progress(p Progress) {
	if c.opts.Progress != nil {
		c.opts.Progress(p)
	}
}

// Sources lists the source names in display order.
func Sources() []string {
	return []string{SourceKubernetes, SourceLogs, SourceVault, SourcePrometheus}
}

// Collect reads every source concurrently and returns the snapshot; it never
// fails as a whole: each source's Status carries its own error. With
// Options.Progress set, each source's end is reported as Part PartDone.
func (c *Collector) Collect(ctx context.Context) *Snapshot {
	s := c.newSnapshot()
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, name := range Sources() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			part := c.CollectSource(ctx, name)
			c.progress(Progress{Source: name, Part: PartDone, Done: 1, Total: 1})
			mu.Lock()
			defer mu.Unlock()
			part.mergeInto(s)
		}()
	}
	wg.Wait()
	s.sortSources()
	return s
}

func (c *Collector) newSnapshot() *Snapshot {
	return &Snapshot{
		SchemaVersion:    SchemaVersion,
		CollectedAt:      c.opts.Now().UTC(),
		Context:          c.opts.Context,
		Namespace:        c.namespace,
		VaultAddr:        c.vaultAddr(),
		PrometheusTarget: c.clients.PrometheusTarget,
		Config:           c.cfg,
	}
}

func (c *Collector) vaultAddr() string {
	if c.clients.Vault == nil {
		return ""
	}
	return c.clients.Vault.Address()
}

// Part is one source's result, for callers (the TUI) that collect sources
// one by one and show each as it arrives.
type Part struct {
	Status     Status
	Kubernetes *KubernetesData
	Logs       *LogsData
	Vault      *VaultData
	Prometheus *PrometheusData
}

func (p Part) mergeInto(s *Snapshot) {
	s.Sources = append(s.Sources, p.Status)
	switch p.Status.Source {
	case SourceKubernetes:
		s.Kubernetes = p.Kubernetes
	case SourceLogs:
		s.Logs = p.Logs
	case SourceVault:
		s.Vault = p.Vault
	case SourcePrometheus:
		s.Prometheus = p.Prometheus
	}
}

// Merge puts a part into a snapshot, replacing that source's earlier
// status and data.
func (s *Snapshot) Merge(p Part) {
	out := s.Sources[:0]
	for _, st := range s.Sources {
		if st.Source != p.Status.Source {
			out = append(out, st)
		}
	}
	s.Sources = out
	p.mergeInto(s)
	s.sortSources()
}

func (s *Snapshot) sortSources() {
	order := map[string]int{}
	for i, n := range Sources() {
		order[n] = i
	}
	for i := 1; i < len(s.Sources); i++ {
		for j := i; j > 0 && order[s.Sources[j].Source] < order[s.Sources[j-1].Source]; j-- {
			s.Sources[j], s.Sources[j-1] = s.Sources[j-1], s.Sources[j]
		}
	}
}

// CollectSource reads one source within the source timeout.
func (c *Collector) CollectSource(ctx context.Context, name string) Part {
	ctx, cancel := context.WithTimeout(ctx, c.opts.SourceTimeout)
	defer cancel()
	start := time.Now()
	var p Part
	switch name {
	case SourceKubernetes:
		p.Kubernetes, p.Status = c.collectKubernetes(ctx)
	case SourceLogs:
		p.Logs, p.Status = c.collectLogs(ctx)
	case SourceVault:
		p.Vault, p.Status = c.collectVault(ctx)
	case SourcePrometheus:
		p.Prometheus, p.Status = c.collectPrometheus(ctx)
	default:
		p.Status = Status{State: StateError, Error: "unknown source " + name}
	}
	if name == SourceKubernetes || name == SourceLogs {
		c.explainKubeCredentials(ctx, &p.Status) // kubecreds.go
	}
	p.Status.Source = name
	p.Status.Latency = Duration(time.Since(start))
	p.Status.CollectedAt = c.opts.Now().UTC()
	if errors.Is(ctx.Err(), context.DeadlineExceeded) && p.Status.State != StateSkipped {
		// cut by the source timeout: what had not answered by then says
		// it did not answer in time; this says why it stopped there
		if p.Status.State == StateOK {
			p.Status.State = StatePartial
		}
		p.Status.Problems = append(p.Status.Problems, Problem{Part: "timeout",
			Error: "the source did not finish within " + c.opts.SourceTimeout.String() + " (--source-timeout); the parts that did not answer in time were cut"})
	}
	return p
}

// WithProgress returns a copy of the collector that reports progress to f.
func (c *Collector) WithProgress(f func(Progress)) *Collector {
	cp := *c
	cp.opts.Progress = f
	return &cp
}
