package main

import (
	"context"
	"fmt"
	"math"
	"os"
	"os/signal"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors/prom"
	"github.com/oss-ai-agent-tool/kubectl-rotation/runbook"
)

// backfillFormats are the formats 'audit-backfill -o' accepts.
func backfillFormats() []string { return []string{"jsonl", "json", "text"} }

// backfillOptions are the options of 'kubectl rotation audit-backfill'.
type backfillOptions struct {
	*globalOptions
	source sourceOptions
	output string
	since  time.Duration
	now    func() time.Time
}

func newBackfillCommand(g *globalOptions) *cobra.Command {
	o := &backfillOptions{globalOptions: g, now: time.Now}
	cmd := &cobra.Command{
		Use:   "audit-backfill",
		Short: "Rebuild rotation audit records from the rotation metrics (runbook Scenario 6 step 5)",
		Long: `For a window without audit events, rebuild per-tenant rotation records from
the increases of the rotation counter (cmek_rotation_total{tenant}: one
cmek.rotation.completed success per increase) and of the failure counter
(cmek_rotations_failed_total: cmek.rotation.failed), read as raw samples
from Prometheus, and cross-check each with the tenant's key version times
in Vault (created_time). The records are in the audit log's format, one
JSON object a line, each marked "reconstructed": true with its evidence
(series, the samples before and after, where the time comes from, the Vault
check, caveats); they are never mixed with real audit events.

A record's time is the Vault version time when one is dated between the two
samples, else the first sample that shows the increase: within one scrape
interval of the truth. Where the metrics cannot tell — a series without a
tenant label, a counter reset (a restart loses what was counted before it),
a scrape gap, the window before a series' first sample, a counter that
could not be read — it is said: on stderr as "note:" lines with -o jsonl,
in "notes" with -o json, at the end with -o text.

--from and --demo rebuild from the snapshot's 24h history, in its 5-minute
steps (said in each record's resolution).

Exit codes:
  0  the records were rebuilt (notes may say where the metrics cannot tell)
  3  could not tell: neither counter could be read (Prometheus down or not
     configured) or has a series in the window, or the output could not be
     written
  4  usage or configuration error: a bad flag or -o, a --since that is not
     positive, an unreadable or invalid --from file, a malformed
     --prometheus-url, a malformed PROMETHEUS_URL when it would be used
     (not with --demo or --from), a missing or unusable kubeconfig, any
     config-file error; nothing was contacted`,
		Example: `  # The last three days, for the audit sink
  kubectl rotation audit-backfill --since 72h -o jsonl > rebuilt-audit.jsonl

  # Read it first
  kubectl rotation audit-backfill --since 24h -o text`,
		Args:         usageArgs(cobra.NoArgs),
		SilenceUsage: true,
		RunE:         completeValidateRun(o),
	}
	cmd.Flags().StringVarP(&o.output, "output", "o", "jsonl", "Output format: "+strings.Join(backfillFormats(), ", "))
	registerOutputCompletion(cmd, backfillFormats()...)
	cmd.Flags().DurationVar(&o.since, "since", 24*time.Hour, "Rebuild the records of this `DURATION` before now (or before the snapshot's time)")
	o.source.addFlags(cmd.Flags())
	return cmd
}

// Complete resolves the settings; see globalOptions.complete for its errors.
func (o *backfillOptions) Complete(_ *cobra.Command, _ []string) error {
	return o.complete(o.source)
}

// Validate returns an error for an unknown output format, a --since that
// is not positive and wrong or conflicting flags.
func (o *backfillOptions) Validate() error {
	if !slices.Contains(backfillFormats(), o.output) {
		return fmt.Errorf("--output %q: want one of %s", o.output, strings.Join(backfillFormats(), ", "))
	}
	if o.since <= 0 {
		return fmt.Errorf("--since %s: must be positive (how far back to rebuild, e.g. 72h)", o.since)
	}
	return o.validate(o.source)
}

// Run rebuilds the records and writes them. It returns an exit code 3
// error when neither counter could be read, a usage error for an
// unreadable --from file or client configuration, and an error when the
// output cannot be written.
func (o *backfillOptions) Run() error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	in, err := o.input(ctx)
	if err != nil {
		return err
	}
	bf := runbook.RebuildAudit(in)
	switch o.output {
	case "json":
		err = bf.WriteJSON(o.Out)
	case "text":
		err = bf.WriteText(o.Out)
	default:
		err = bf.WriteJSONL(o.Out)
		for _, n := range bf.Notes {
			fmt.Fprintf(o.ErrOut, "note: %s: %s\n", n.Kind, n.Detail)
		}
	}
	if err != nil {
		return fmt.Errorf("write records: %w", err)
	}
	if in.RotationsError != "" && in.FailuresError != "" {
		return &exitError{code: exitFailed, err: fmt.Errorf("could not tell: the rotation counters could not be read (%s)", in.RotationsError)}
	}
	if len(in.Rotations) == 0 && len(in.Failures) == 0 {
		// read, but neither holds a series in the window: nothing to
		// rebuild from is no "no rotation happened"
		return &exitError{code: exitFailed, err: fmt.Errorf("could not tell: neither %s nor %s has a series in the window (never counted, not scraped, or other metric names: set prometheus.metrics in the config)", in.RotationsMetric, in.FailuresMetric)}
	}
	return nil
}

// input reads the counters and Vault's key versions: live (raw samples
// from Prometheus, Vault's tenants), or from the --from / --demo
// snapshot's history.
func (o *backfillOptions) input(ctx context.Context) (runbook.BackfillInput, error) {
	s := o.Settings
	m := s.Config.Prometheus.Metrics
	in := runbook.BackfillInput{RotationsMetric: m.Rotations, FailuresMetric: m.RotationsFailed}
	if s.Demo || s.From != "" {
		snap, at, err := s.loadSnapshot(ctx, nil)
		if err != nil {
			return in, err
		}
		s.noteReplay(o.ErrOut)
		// the snapshot's names: the metrics it read are the ones it names
		sm := snap.Config.Prometheus.Metrics
		in.RotationsMetric, in.FailuresMetric = sm.Rotations, sm.RotationsFailed
		in.To, in.From = at, at.Add(-o.since)
		in.Resolution = "the snapshot's history steps (not raw samples)"
		for _, mt := range []struct {
			role string
			into *[]runbook.CounterSeries
			why  *string
		}{{"rotations", &in.Rotations, &in.RotationsError}, {"rotationsFailed", &in.Failures, &in.FailuresError}} {
			*mt.why = "not in the snapshot"
			if st := snap.Source(collectors.SourcePrometheus); st.State != collectors.StateOK && st.State != collectors.StatePartial {
				*mt.why = "Prometheus was not read: " + st.Error
				continue
			}
			for i := range snap.Prometheus.Metrics {
				if metric := &snap.Prometheus.Metrics[i]; metric.Role == mt.role {
					*mt.why = metric.Error
					if metric.Error == "" && len(metric.SummedOver) > 0 && len(snap.Prometheus.TenantDetails) > 0 {
						// summed over its tenants: each tenant's own series,
						// as the capture read them for its detail
						metric = tenantsMetric(snap, metric)
						*mt.why = metric.Error
					}
					if metric.Error == "" {
						*mt.into = clip(runbook.SeriesFromHistory(metric), in.From)
						if len(metric.Series) > 0 && metric.Series[0].History != nil {
							in.Resolution = "the snapshot's " + runbook.FormatDuration(metric.Series[0].History.Step.Duration()) + " steps (not raw samples)"
						}
					}
				}
			}
		}
		in.Tenants, in.TenantsError = vaultTenants(snap)
		return in, nil
	}
	clients, err := s.connect()
	if err != nil {
		return in, err
	}
	in.To = o.now().UTC()
	in.From = in.To.Add(-o.since)
	in.Resolution = "raw samples"
	timeout := s.Config.Prometheus.RequestTimeout.Duration()
	// the two counters and Vault's tenants are read at once: under one
	// server that does not answer, the command answers within its request
	// timeout (the source timeout for Vault), not the sum of them
	var wg sync.WaitGroup
	for _, mt := range []struct {
		name string
		into *[]runbook.CounterSeries
		why  *string
	}{{m.Rotations, &in.Rotations, &in.RotationsError}, {m.RotationsFailed, &in.Failures, &in.FailuresError}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ss, err := prom.RawSamples(ctx, clients.Prometheus, clients.PrometheusTarget, s.Namespace, mt.name, in.From, in.To, timeout)
			if err != nil {
				*mt.why = err.Error()
				return
			}
			for _, x := range ss {
				*mt.into = append(*mt.into, runbook.CounterSeries{Labels: x.Labels, Times: x.Times, Values: x.Values})
			}
		}()
	}
	if clients.Vault == nil {
		in.TenantsError = "Vault is not configured (VAULT_ADDR / --vault-addr)"
	} else {
		wg.Add(1)
		go func() {
			defer wg.Done()
			part := s.collector(clients).CollectSource(ctx, collectors.SourceVault)
			in.Tenants, in.TenantsError = vaultTenants(&collectors.Snapshot{Sources: []collectors.Status{part.Status}, Vault: part.Vault})
		}()
	}
	wg.Wait()
	return in, nil
}

// vaultTenants are the snapshot's tenants, or why they are unknown.
func vaultTenants(snap *collectors.Snapshot) ([]collectors.Tenant, string) {
	st := snap.Source(collectors.SourceVault)
	switch {
	case snap.Vault == nil:
		return nil, orText(st.Error, "Vault was not read")
	case st.State == collectors.StateError:
		return nil, st.Error
	}
	return snap.Vault.Tenants, ""
}

func orText(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// tenantsMetric is a summed metric rebuilt from the tenants' own series
// in the snapshot's TenantDetails: unknown when a tenant's detail could
// not read it, or when they do not add up to the sum the snapshot read (a
// tenant counted but not among those the capture read: the rebuilt sum
// would be short).
func tenantsMetric(snap *collectors.Snapshot, summed *collectors.Metric) *collectors.Metric {
	out := &collectors.Metric{Name: summed.Name, Role: summed.Role, At: summed.At, Series: []collectors.Series{}}
	ids := make([]string, 0, len(snap.Prometheus.TenantDetails))
	for id := range snap.Prometheus.TenantDetails {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		d := snap.Prometheus.TenantDetails[id]
		if d.Error != "" {
			out.Error = "tenant " + id + "'s series: " + d.Error
			return out
		}
		for _, m := range d.Metrics {
			if m.Role != summed.Role {
				continue
			}
			if m.Error != "" {
				out.Error = "tenant " + id + "'s " + m.Name + ": " + m.Error
				return out
			}
			out.Series = append(out.Series, m.Series...)
		}
	}
	total := func(ss []collectors.Series) (float64, bool) {
		sum, any := 0.0, false
		for _, se := range ss {
			if se.Value != nil {
				sum, any = sum+*se.Value, true
			}
		}
		return sum, any
	}
	want, okW := total(summed.Series)
	got, okG := total(out.Series)
	if okW != okG || math.Abs(want-got) > 0.5 {
		out.Error = fmt.Sprintf("the tenants' own series of %s add up to %g, the sum read is %g: some tenant's series are missing", summed.Name, got, want)
	}
	return out
}

// clip keeps the samples at or after from, and the one before it (the
// base the first increase in the window is measured from).
func clip(ss []runbook.CounterSeries, from time.Time) []runbook.CounterSeries {
	for i := range ss {
		k := 0
		for k < len(ss[i].Times)-1 && ss[i].Times[k+1].Before(from) {
			k++
		}
		ss[i].Times, ss[i].Values = ss[i].Times[k:], ss[i].Values[k:]
	}
	return ss
}
