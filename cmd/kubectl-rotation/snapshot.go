package main

import (
	"encoding/json"
	"errors"
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
With --demo it writes the built-in sample instead, as report --demo reads it.

A source that could not be read is in the snapshot with its error and is
named on stderr. When no source at all could be read (each is in error or
not configured), the snapshot is still written, to show why, but the exit
code says that nothing was captured.

Exit codes:
  0  the snapshot was written and at least one source was read (ok or
     partial)
  3  could not complete: the snapshot could not be written, or no source
     could be read
  4  usage or configuration error: a bad flag or -o, a malformed
     --vault-addr or --prometheus-url, a malformed VAULT_ADDR or
     PROMETHEUS_URL when a live source would use it (not with --demo), a
     missing or unusable kubeconfig or --context, any config-file error;
     nothing was contacted`,
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

// errNothingRead is the exit-code-3 error of a snapshot none of whose
// sources could be read.
var errNothingRead = errors.New("could not complete: no source could be read (the snapshot was written with each source's error; see the warnings above)")

// Run captures the snapshot (or takes the demo's) and writes it as indented
// JSON to Out. Sources that could not be read are in the snapshot with
// their error, and are also named on ErrOut. It returns a usage error when
// the clients cannot be built, an error (exit code 3) when the output
// cannot be written, and an exitError with code 3 (errNothingRead) when the
// snapshot was written but no source could be read.
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
	if !anySourceRead(snap) {
		return &exitError{code: exitFailed, err: errNothingRead}
	}
	return nil
}

// anySourceRead reports whether at least one source of snap was read, in
// whole or in part: a snapshot whose sources are all in error or not
// configured holds nothing but the reasons.
func anySourceRead(snap *collectors.Snapshot) bool {
	for _, st := range snap.Sources {
		if st.State == collectors.StateOK || st.State == collectors.StatePartial {
			return true
		}
	}
	return false
}
