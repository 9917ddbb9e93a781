package collectors

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/config"
)

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
	// VaultAddr and PrometheusTarget say where Vault and Prometheus were
	// reached, for display ("" when not configured).
	VaultAddr        string
	PrometheusTarget string
	// Connection is how the commands shown reach the same servers
	// (Snapshot.Connection).
	Connection Connection
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

// Env is what a source is given for one collection.
type Env struct {
	Config    config.Config
	Namespace string
	// Context is the kubeconfig context name, for display.
	Context string
	// Now returns the current time (never nil).
	Now func() time.Time
	// Progress reports how far the source has got (never nil).
	Progress func(Progress)
}

// WithDefaults returns the Env with a clock and a progress callback when
// it has none (a source called directly, in a test).
func (e Env) WithDefaults() Env {
	if e.Now == nil {
		e.Now = time.Now
	}
	if e.Progress == nil {
		e.Progress = func(Progress) {}
	}
	return e
}

// Source reads one dependency (Kubernetes, pod logs, Vault, Prometheus).
// Collect never fails as a whole: the Part's Status carries the source's
// own error; a source that is not configured says so (StateSkipped). The
// Collector stamps the Status's Source, Latency and CollectedAt, and bounds
// ctx by the source timeout.
type Source interface {
	// Name is the source's name in the Snapshot (SourceKubernetes, …).
	Name() string
	Collect(ctx context.Context, env Env) Part
}

// Collector reads the registered sources. It holds no state between
// collections and is safe for concurrent use.
type Collector struct {
	sources []Source
	opts    Options
}

// New returns a Collector for the sources (in display order) and options.
func New(sources []Source, o Options) *Collector {
	if o.SourceTimeout <= 0 {
		o.SourceTimeout = 60 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Collector{sources: sources, opts: o}
}

func (c *Collector) progress(p Progress) {
	if c.opts.Progress != nil {
		c.opts.Progress(p)
	}
}

// Sources lists the source names in display order: those the Snapshot has
// a field for.
func Sources() []string {
	return []string{SourceKubernetes, SourceLogs, SourceVault, SourcePrometheus}
}

// Collect reads every registered source concurrently and returns the
// snapshot; it never fails as a whole: each source's Status carries its own
// error. With Options.Progress set, each source's end is reported as Part
// PartDone.
func (c *Collector) Collect(ctx context.Context) *Snapshot {
	s := c.newSnapshot()
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, src := range c.sources {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := src.Name()
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
		Namespace:        c.opts.Namespace,
		VaultAddr:        config.RedactURL(c.opts.VaultAddr),
		PrometheusTarget: config.RedactURL(c.opts.PrometheusTarget),
		Connection:       c.opts.Connection,
		Config:           c.opts.Config.Redacted(),
	}
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
	bind(p.Status.Source, s, &p, true)
}

// bind is the one place that ties a source's name to its field of the
// Snapshot and of the Part: a new source adds its case here (and the two
// fields). It copies the field from the part into the snapshot (toSnapshot)
// or the other way, and reports whether the snapshot holds data for the
// source.
func bind(name string, s *Snapshot, p *Part, toSnapshot bool) bool {
	switch name {
	case SourceKubernetes:
		return pair(toSnapshot, &s.Kubernetes, &p.Kubernetes)
	case SourceLogs:
		return pair(toSnapshot, &s.Logs, &p.Logs)
	case SourceVault:
		return pair(toSnapshot, &s.Vault, &p.Vault)
	case SourcePrometheus:
		return pair(toSnapshot, &s.Prometheus, &p.Prometheus)
	}
	return false
}

func pair[T any](toSnapshot bool, snap, part **T) bool {
	if toSnapshot {
		*snap = *part
	} else {
		*part = *snap
	}
	return *snap != nil
}

// Part returns one source's status and data from the snapshot, as the
// source's Collect returned them.
func (s *Snapshot) Part(name string) Part {
	p := Part{Status: s.Source(name)}
	bind(name, s, &p, false)
	return p
}

// HasData reports whether the snapshot holds data for the source.
func (s *Snapshot) HasData(name string) bool {
	return bind(name, s, &Part{}, false)
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

// SourceGrace is how long CollectSource waits for a source past its
// deadline (the source timeout, or the caller's cancellation) before it
// answers without it.
const SourceGrace = 300 * time.Millisecond

// CollectSource reads one source within the source timeout (plus
// SourceGrace): a source that has not returned by then is answered as an
// error, and what it read is not kept.
func (c *Collector) CollectSource(ctx context.Context, name string) Part {
	ctx, cancel := context.WithTimeout(ctx, c.opts.SourceTimeout)
	defer cancel()
	start := time.Now()
	var p Part
	if src := c.source(name); src != nil {
		// a source that does not return soon after its deadline (a call
		// that ignores its context) is left behind: the source timeout
		// bounds the answer, whatever the source does
		done := make(chan Part, 1)
		env := Env{Config: c.opts.Config, Namespace: c.opts.Namespace, Context: c.opts.Context, Now: c.opts.Now, Progress: c.progress}
		go func() { done <- src.Collect(ctx, env) }()
		select {
		case p = <-done:
		case <-ctx.Done():
			t := time.NewTimer(SourceGrace)
			select {
			case p = <-done:
			case <-t.C:
				p.Status = Status{State: StateError, Error: fmt.Sprintf("the source did not return within %s of its deadline (%s): nothing it read is kept", SourceGrace, ctx.Err())}
			}
			t.Stop()
		}
	} else {
		p.Status = Status{State: StateError, Error: "unknown source " + name}
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

func (c *Collector) source(name string) Source {
	for _, s := range c.sources {
		if s.Name() == name {
			return s
		}
	}
	return nil
}

// TenantDetail is what the sources read of one tenant when a view asks
// for it. A collection reads only what the judgement needs (a summed
// counter's tenants by name, never each tenant's series); a tenant's own
// series are read on demand, for that tenant alone.
type TenantDetail struct {
	Tenant string `json:"tenant"`
	// At is when it was read (the capture time, from a snapshot).
	At time.Time `json:"at"`
	// Metrics are the per-tenant counters (rotations, failed rotations),
	// each with the series that name this tenant, now and over the 24 h
	// history; a metric no series of which names the tenant has none.
	// A metric that could not be read has its Error.
	Metrics []Metric `json:"metrics"`
	// Error says why nothing could be read ("" when something was).
	Error string `json:"error,omitempty"`
}

// TenantDetailer is a Source that reads one tenant's detail on demand.
type TenantDetailer interface {
	TenantDetail(ctx context.Context, env Env, tenant string) TenantDetail
}

// TenantDetail reads tenant's detail from the source that reads it on
// demand (TenantDetailer), within the source timeout (plus SourceGrace);
// ok is false when no source does.
func (c *Collector) TenantDetail(ctx context.Context, tenant string) (d TenantDetail, ok bool) {
	var src TenantDetailer
	for _, s := range c.sources {
		if td, is := s.(TenantDetailer); is {
			src = td
			break
		}
	}
	if src == nil {
		return TenantDetail{}, false
	}
	ctx, cancel := context.WithTimeout(ctx, c.opts.SourceTimeout)
	defer cancel()
	env := Env{Config: c.opts.Config, Namespace: c.opts.Namespace, Context: c.opts.Context, Now: c.opts.Now, Progress: func(Progress) {}}
	done := make(chan TenantDetail, 1)
	go func() { done <- src.TenantDetail(ctx, env, tenant) }()
	select {
	case d = <-done:
	case <-ctx.Done():
		t := time.NewTimer(SourceGrace)
		defer t.Stop()
		select {
		case d = <-done:
		case <-t.C:
			d = TenantDetail{Tenant: tenant, At: c.opts.Now().UTC(), Error: fmt.Sprintf("not read within %s (%s)", c.opts.SourceTimeout, ctx.Err())}
		}
	}
	return d, true
}
