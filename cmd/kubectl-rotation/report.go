package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/oss-ai-agent-tool/kubectl-rotation/runbook"

	"github.com/spf13/cobra"
)

// reportFormats are the formats 'report -o' accepts.
func reportFormats() []string { return []string{"text", "markdown", "json", "yaml"} }

// reportOptions are the options of 'kubectl rotation report'.
type reportOptions struct {
	*globalOptions
	source   sourceOptions
	output   string
	progress progressOptions
}

func newReportCommand(g *globalOptions) *cobra.Command {
	o := &reportOptions{globalOptions: g}
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Non-interactive triage and compliance report; the exit code tells the outcome",
		Long: `Collect every signal once, match it against the runbook's scenarios and print
the findings with their evidence, the fix for each, and the compliance notes
(rotation overdue beyond the policy interval, version violations, failed
access) per tenant.

Exit codes:
  0  ok
  1  warning
  2  critical
  3  could not tell (a source, or a part of one, could not be read, or
     part of the compliance section could not be judged: all clear is
     said only with nothing unread), or the report could not be made or
     written
  4  usage or configuration error: a bad flag or -o, conflicting flags, an
     unreadable or invalid --from file, a malformed --vault-addr or
     --prometheus-url, a malformed VAULT_ADDR or PROMETHEUS_URL when a live
     source would use it (not with --demo or --from), a missing or unusable
     kubeconfig or --context, any config-file error; nothing was contacted`,
		Example: `  # A report to attach to a ticket
  kubectl rotation report -o markdown > rotation-report.md

  # From a snapshot captured earlier
  kubectl rotation report --from snap.json -o json`,
		Args:         usageArgs(cobra.NoArgs),
		SilenceUsage: true,
		RunE:         completeValidateRun(o),
	}
	cmd.Flags().StringVarP(&o.output, "output", "o", "text", "Output format: "+strings.Join(reportFormats(), ", "))
	registerOutputCompletion(cmd, reportFormats()...)
	o.source.addFlags(cmd.Flags())
	o.progress.addFlags(cmd.Flags()) // progress.go
	return cmd
}

// Complete resolves the settings; see globalOptions.complete for its errors.
func (o *reportOptions) Complete(_ *cobra.Command, _ []string) error {
	return o.complete(o.source)
}

// Validate returns an error for an unknown output format and for wrong or
// conflicting flags.
func (o *reportOptions) Validate() error {
	if !slices.Contains(reportFormats(), o.output) {
		return fmt.Errorf("--output %q: want one of %s", o.output, strings.Join(reportFormats(), ", "))
	}
	return o.validate(o.source)
}

// Run writes the report in the chosen format and returns the exit code as
// an exitError: 0 all clear, 1 warnings, 2 critical, 3 could not tell. It
// returns a usage error when the --from file or the client configuration is
// unusable, and other errors (exit code 3) when the report cannot be made or
// written.
func (o *reportOptions) Run() error {
	_, snap, at, stop, err := o.Settings.readSnapshot(o.progress, o.ErrOut)
	defer stop()
	if err != nil {
		return err
	}
	book, err := runbook.Default()
	if err != nil {
		return err
	}
	r := book.NewReport(snap, at, "kubectl-rotation "+releaseVersion())
	switch o.output {
	case "json":
		err = r.WriteJSON(o.Out)
	case "markdown":
		err = r.WriteMarkdown(o.Out)
	case "yaml":
		err = writeReportYAML(o.Out, r) // report_yaml.go
	default:
		err = r.WriteText(o.Out)
	}
	if err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if r.ExitCode != 0 {
		return &exitError{code: r.ExitCode}
	}
	return nil
}
