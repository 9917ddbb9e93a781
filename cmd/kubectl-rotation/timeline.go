package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/runbook"
)

// timelineOptions are the options of 'kubectl rotation timeline'.
type timelineOptions struct {
	*globalOptions
	source   sourceOptions
	output   string
	since    time.Duration
	tenant   string
	scenario string
	progress progressOptions
	book     *runbook.Book
}

func newTimelineCommand(g *globalOptions) *cobra.Command {
	o := &timelineOptions{globalOptions: g}
	cmd := &cobra.Command{
		Use:   "timeline",
		Short: "What happened, in order: Jobs, Events, audit events, alerts, metrics, key versions and actions",
		Long: `Merge into one chronological list what every source and the action journal
tell about a rotation incident: Job starts and ends (with their reason),
Kubernetes warning Events, rotation audit events (per tenant and outcome),
the related alerts' state changes (Prometheus's ALERTS history), metric
transitions that matter (rotations and failures counted, token renewal
failures, the token TTL crossing its thresholds, counter resets), Vault key
version times, and the journal's actions (who, why, result). The first
failure and the last success of each tenant are marked, and each failure
and marked entry shows the command that shows its evidence. A time marked
"~" is the end of the metric step the change happened in.

What the sources could not tell (a source not read, audit events kept only
in part, no alert history in an older snapshot) is listed first as
"cannot tell".

--demo and --from are replayed at the time they were taken; --since then
counts back from that time. With --demo the journal is read only when
--journal names one.

Exit codes:
  0  the timeline was written
  3  it could not be made or written (e.g. the journal could not be read)
  4  usage or configuration error: a bad flag or -o, a negative --since, an
     unknown --scenario, conflicting flags, an unreadable or invalid --from
     file, a --journal FILE that does not exist or cannot be read, a
     malformed --vault-addr or --prometheus-url, a malformed VAULT_ADDR or
     PROMETHEUS_URL when a live source would use it (not with --demo or
     --from), a missing or unusable kubeconfig, any config-file error;
     nothing was contacted`,
		Example: `  # The last day of the live namespace
  kubectl rotation timeline --since 24h

  # One tenant's story from a snapshot, as JSON
  kubectl rotation timeline --from snap.json --tenant t-042 -o json

  # Only what bears on Scenario 5 (batch rotation timeout)
  kubectl rotation timeline --demo --scenario 5`,
		Args:         usageArgs(cobra.NoArgs),
		SilenceUsage: true,
		RunE:         completeValidateRun(o),
	}
	cmd.Flags().StringVarP(&o.output, "output", "o", "text", "Output format: text or json")
	registerOutputCompletion(cmd, "text", "json")
	cmd.Flags().DurationVar(&o.since, "since", 0, "Only what happened within this `DURATION` before the snapshot (e.g. 24h); 0 shows all")
	cmd.Flags().StringVar(&o.tenant, "tenant", "", "Only the entries of this `TENANT` (and the rotation runs it was in)")
	cmd.Flags().StringVar(&o.scenario, "scenario", "", "Only the evidence of this `SCENARIO` (its number 1-6 or id, e.g. batch-timeout)")
	o.source.addFlags(cmd.Flags())
	o.progress.addFlags(cmd.Flags())
	return cmd
}

// Complete resolves the settings and the runbook; see
// globalOptions.complete for its errors.
func (o *timelineOptions) Complete(_ *cobra.Command, _ []string) error {
	b, err := runbook.Default()
	if err != nil {
		return err
	}
	o.book = b
	return o.complete(o.source)
}

// Validate returns an error for an unknown output format, a negative
// --since, an unknown --scenario, a --journal FILE that does not exist or
// cannot be read, and wrong or conflicting flags.
func (o *timelineOptions) Validate() error {
	if o.output != "text" && o.output != "json" {
		return fmt.Errorf("--output %q: use text or json", o.output)
	}
	if o.since < 0 {
		return fmt.Errorf("--since %s: must not be negative", o.since)
	}
	if o.scenario != "" && o.book.ScenarioID(o.scenario) == "" {
		return fmt.Errorf("--scenario %q: want a scenario number 1-6 or id (rotation-job-failing, vault-token-expired, cleanup-failing, retention-overflow, batch-timeout, audit-missing)", o.scenario)
	}
	// An explicit journal is checked here, before the live sources are
	// read: a typo in --journal must not cost a collection.
	return errors.Join(checkJournalFile(o.journal), o.validate(o.source))
}

// Run reads the snapshot (live, --from or --demo) and the journal and
// writes the timeline. It returns a usage error for an unreadable --from
// or --journal file, and other errors (exit code 3) when the journal
// cannot be read or the output cannot be written.
func (o *timelineOptions) Run() error {
	ctx, snap, at, stop, err := o.Settings.readSnapshot(o.progress, o.ErrOut)
	defer stop()
	if err != nil {
		return err
	}
	js, note, err := o.Settings.journalActions(o.journal, o.ErrOut)
	if err != nil {
		return err
	}
	var detail *collectors.TenantDetail
	if o.tenant != "" {
		detail = o.Settings.tenantDetail(ctx, snap, o.tenant)
	}
	tl := o.book.Timeline(snap, at, runbook.TimelineOptions{Since: o.since, Tenant: o.tenant, Scenario: o.scenario, Journal: js, JournalNote: note, TenantDetail: detail})
	if o.output == "json" {
		err = tl.WriteJSON(o.Out)
	} else {
		err = tl.WriteText(o.Out)
	}
	if err != nil {
		return fmt.Errorf("write timeline: %w", err)
	}
	return nil
}
