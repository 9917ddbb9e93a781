package main

import (
	"encoding/json"
	"fmt"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"

	"github.com/spf13/cobra"
)

// snapshotOptions are the options of 'kubectl rotation snapshot'.
type snapshotOptions struct {
	*globalOptions
	output   string
	source   sourceOptions // --demo only: a snapshot is not replayed into a snapshot
	progress progressOptions
}

func newSnapshotCommand(g *globalOptions) *cobra.Command {
	o := &snapshotOptions{globalOptions: g}
	cmd := &cobra.Command{
		Use:   "snapshot",
		Short: "Capture every signal once, without secret values, for later review or replay",
		Long: `Capture every signal the dashboard reads (CronJobs, Jobs, audit logs, Vault
health and key metadata, Prometheus metrics and alerts) once, as JSON, with
the status of each source. No secret value is read. Replay it with
'kubectl rotation --from FILE' or 'kubectl rotation report --from FILE'.
With --demo it writes the built-in sample instead, as report --demo reads it.`,
		Example: `  kubectl rotation snapshot -o json > snap.json

  # The built-in sample, no cluster needed
  kubectl rotation snapshot --demo > demo.json`,
		Args:         usageArgs(cobra.NoArgs),
		SilenceUsage: true,
		RunE:         completeValidateRun(o),
	}
	cmd.Flags().StringVarP(&o.output, "output", "o", "json", "Output format: json")
	registerOutputCompletion(cmd, "json")
	cmd.Flags().BoolVar(&o.source.demo, "demo", false, "Write the built-in sample environment's snapshot; no cluster, Vault or Prometheus needed")
	o.progress.addFlags(cmd.Flags()) // progress.go
	return cmd
}

// Complete resolves the settings; see globalOptions.complete for its errors.
func (o *snapshotOptions) Complete(_ *cobra.Command, _ []string) error {
	return o.complete(o.source)
}

// Validate returns an error for an unknown output format and for wrong
// global flags.
func (o *snapshotOptions) Validate() error {
	if o.output != "json" {
		return fmt.Errorf("--output %q: snapshot is written only as json", o.output)
	}
	return o.validate(o.source)
}

// Run captures the snapshot (or takes the demo's) and writes it as indented
// JSON to Out. Sources
// that could not be read are in the snapshot with their error, and are
// also named on ErrOut; the exit code is 0 as long as the snapshot was
// written. It returns an error only when the clients cannot be built or the
// output cannot be written.
func (o *snapshotOptions) Run() error {
	_, snap, _, stop, err := o.Settings.readSnapshot(o.progress, o.ErrOut)
	defer stop()
	if err != nil {
		return err
	}
	enc := json.NewEncoder(o.Out)
	enc.SetIndent("", "  ")
	if err := enc.Encode(snap); err != nil {
		return fmt.Errorf("write snapshot: %w", err)
	}
	for _, st := range snap.Sources {
		switch st.State {
		case collectors.StateOK:
		case collectors.StatePartial:
			for _, p := range st.Problems {
				fmt.Fprintf(o.ErrOut, "warning: %s: %s: %s\n", st.Source, p.Part, p.Error)
			}
		default:
			fmt.Fprintf(o.ErrOut, "warning: %s %s: %s\n", st.Source, st.State, st.Error)
		}
	}
	return nil
}
