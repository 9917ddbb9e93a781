package main

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/runbook"
)

// postmortemOptions are the options of 'kubectl rotation postmortem'.
type postmortemOptions struct {
	*globalOptions
	source   sourceOptions
	output   string
	since    time.Duration
	after    string
	progress progressOptions
}

func newPostmortemCommand(g *globalOptions) *cobra.Command {
	o := &postmortemOptions{globalOptions: g}
	cmd := &cobra.Command{
		Use:   "postmortem",
		Short: "A postmortem draft: detection, scenarios, impact, timeline, actions, verification, compliance",
		Long: `Draft the postmortem of a rotation incident, to paste into the incident
document: when the first sign came and when it was detected (the first
alert firing), the scenarios with their evidence, the impact (tenants
affected, tenants overdue and by how much, versions over retention), the
actions taken from the journal with before → after, the verification state
now, the compliance section the runbook's Compliance Notes ask for (per
tenant, which of the four reporting conditions hold, with evidence;
"production tenant" is unknown, the data cannot tell) and the timeline.

From a live read, a snapshot (--from, --demo), or two snapshots: --from
BEFORE.json --after AFTER.json shows each scenario before → after.

Exit codes:
  0  the draft was written
  3  it could not be made or written (e.g. the journal could not be read)
  4  usage or configuration error: a bad flag or -o, a negative --since,
     --after without --from, an unreadable or invalid --from/--after file,
     a --journal FILE that does not exist or cannot be read, a malformed
     --vault-addr or --prometheus-url, a malformed VAULT_ADDR or
     PROMETHEUS_URL when a live source would use it (not with --demo or
     --from), a missing or unusable kubeconfig, any config-file error;
     nothing was contacted`,
		Example: `  # The last two days, live, for the incident document
  kubectl rotation postmortem -o markdown --since 48h > postmortem.md

  # Before and after the fix
  kubectl rotation postmortem --from before.json --after after.json`,
		Args:         usageArgs(cobra.NoArgs),
		SilenceUsage: true,
		RunE:         completeValidateRun(o),
	}
	cmd.Flags().StringVarP(&o.output, "output", "o", "markdown", "Output format: markdown or json")
	registerOutputCompletion(cmd, "markdown", "json")
	cmd.Flags().DurationVar(&o.since, "since", 0, "The timeline's window: this `DURATION` before the (after) snapshot; 0: all it holds")
	cmd.Flags().StringVar(&o.after, "after", "", "The snapshot `FILE` after the fix; --from is then the one before")
	o.source.addFlags(cmd.Flags())
	o.progress.addFlags(cmd.Flags())
	return cmd
}

// Complete resolves the settings; see globalOptions.complete for its errors.
func (o *postmortemOptions) Complete(_ *cobra.Command, _ []string) error {
	return o.complete(o.source)
}

// Validate returns an error for an unknown output format, a negative
// --since, --after without --from, a --journal FILE that does not exist or
// cannot be read, and wrong or conflicting flags.
func (o *postmortemOptions) Validate() error {
	if o.output != "markdown" && o.output != "json" {
		return fmt.Errorf("--output %q: use markdown or json", o.output)
	}
	if o.since < 0 {
		return fmt.Errorf("--since %s: must not be negative", o.since)
	}
	if o.after != "" && o.source.from == "" {
		return fmt.Errorf("--after %s needs --from BEFORE.json: the snapshot before the fix", o.after)
	}
	// An explicit journal is checked here, before the live sources are
	// read: a typo in --journal must not cost a collection.
	return errors.Join(checkJournalFile(o.journal), o.validate(o.source))
}

// Run reads the snapshot(s) and the journal and writes the draft. It
// returns a usage error for an unreadable snapshot or --journal file, and
// other errors (exit code 3) when the journal cannot be read or the output
// cannot be written.
func (o *postmortemOptions) Run() error {
	_, snap, at, stop, err := o.Settings.readSnapshot(o.progress, o.ErrOut)
	defer stop()
	if err != nil {
		return err
	}
	var before *collectors.Snapshot
	if o.after != "" {
		f, err := os.Open(o.after)
		if err != nil {
			return usage(fmt.Errorf("--after: %w", err))
		}
		defer f.Close()
		after, err := collectors.ReadSnapshot(f)
		if err != nil {
			return usage(fmt.Errorf("--after %s: %w", o.after, err))
		}
		o.Settings.judgeReplay(after) // as the one before (noted with it)
		before, snap, at = snap, after, after.CollectedAt
	}
	js, note, err := o.Settings.journalActions(o.journal, o.ErrOut)
	if err != nil {
		return err
	}
	book, err := runbook.Default()
	if err != nil {
		return err
	}
	pm := book.Postmortem(before, snap, at, runbook.TimelineOptions{Since: o.since, Journal: js, JournalNote: note})
	if o.output == "json" {
		err = pm.WriteJSON(o.Out)
	} else {
		err = pm.WriteMarkdown(o.Out)
	}
	if err != nil {
		return fmt.Errorf("write postmortem: %w", err)
	}
	return nil
}
