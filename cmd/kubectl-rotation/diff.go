package main

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/runbook"
)

// diffFormats are the formats 'diff -o' accepts.
func diffFormats() []string { return []string{"text", "markdown", "json"} }

// diffOptions are the options of 'kubectl rotation diff'.
type diffOptions struct {
	*globalOptions
	output        string
	before, after string
	book          *runbook.Book
}

func newDiffCommand(g *globalOptions) *cobra.Command {
	o := &diffOptions{globalOptions: g}
	cmd := &cobra.Command{
		Use:   "diff BEFORE.json AFTER.json",
		Short: "What changed between two snapshots, by scenario and by tenant; the exit code tells the state after",
		Long: `Compare two snapshots written by 'kubectl rotation snapshot -o json' (the
review after a fix, or an auditor's "what changed since last quarter").
Each is judged by the runbook's triage at the time it was taken, with the
configuration it was taken with, and the diff names:

  - per scenario: its status, severity and summary before → after, the
    symptoms that appeared, cleared or became unknown, and the cause of its
    Job when that changed;
  - per tenant: live and current key versions, last rotation, overdue, over
    retention, newly failing or recovered, new in or gone from Vault;
  - the sources that became readable or unreadable, the related alerts that
    started or stopped firing, the CronJobs' and the orchestrator's settings
    that changed (schedule, suspend, activeDeadlineSeconds, DRY_RUN and the
    other env of the job template, AUDIT_ENABLED), and the compliance
    findings added or removed.

What one of the two snapshots could not read is unknown there, never
"fixed": a scenario whose evidence cannot be read after is "cannot tell
now", not resolved, and a finding that vanished while the compliance
section could not be judged is unknown, not removed.

Nothing is contacted: only the two files are read. Each snapshot carries the
configuration it was taken with, which is the one used; --config and the
connection flags play no part.

Exit codes (of the state AFTER, as 'report'):
  0  ok
  1  warning
  2  critical
  3  could not tell (something the verdict needs could not be read after),
     or the diff could not be written
  4  usage error: not two arguments, a bad -o, a file that cannot be read,
     is not a snapshot or is of a newer schema than this build reads`,
		Example: `  # After the fix: what it changed
  kubectl rotation snapshot -o json > before.json
  # ... apply the fix, let the Job run ...
  kubectl rotation snapshot -o json > after.json
  kubectl rotation diff before.json after.json

  # For the audit file
  kubectl rotation diff q3.json q4.json -o markdown > rotation-q4-changes.md`,
		Args:         usageArgs(cobra.ExactArgs(2)),
		SilenceUsage: true,
		RunE:         completeValidateRun(o),
		ValidArgsFunction: func(_ *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
			if len(args) >= 2 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			return []cobra.Completion{"json"}, cobra.ShellCompDirectiveFilterFileExt
		},
	}
	cmd.Flags().StringVarP(&o.output, "output", "o", "text", "Output format: "+strings.Join(diffFormats(), ", "))
	registerOutputCompletion(cmd, diffFormats()...)
	return cmd
}

// Complete takes the two files from the arguments and loads the runbook;
// it returns the runbook's error when the embedded runbook is invalid.
func (o *diffOptions) Complete(_ *cobra.Command, args []string) error {
	o.before, o.after = args[0], args[1]
	b, err := runbook.Default()
	if err != nil {
		return err
	}
	o.book = b
	return nil
}

// Validate returns an error for an unknown output format.
func (o *diffOptions) Validate() error {
	if !slices.Contains(diffFormats(), o.output) {
		return fmt.Errorf("--output %q: want one of %s", o.output, strings.Join(diffFormats(), ", "))
	}
	return nil
}

// readSnapshotFile reads a snapshot file named as the argument what
// (BEFORE, AFTER). It returns a usage error saying which file and what is
// wrong: it cannot be opened, is a directory, is not a snapshot, or is of a
// newer schema.
func readSnapshotFile(what, path string) (*collectors.Snapshot, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, usage(fmt.Errorf("%s: cannot read the snapshot: %w", what, err))
	}
	defer f.Close()
	if info, err := f.Stat(); err == nil && info.IsDir() {
		return nil, usage(fmt.Errorf("%s %s: is a directory; pass a file written by 'kubectl rotation snapshot -o json'", what, path))
	}
	s, err := collectors.ReadSnapshot(f)
	if err != nil {
		return nil, usage(fmt.Errorf("%s %s: %w", what, path, err))
	}
	return s, nil
}

// Run reads both snapshots, writes the diff and returns the exit code of
// the state after as an exitError (0 ok, 1 warning, 2 critical, 3 could
// not tell). It returns a usage error when a file cannot be read or is not
// a snapshot this build reads, and another error (exit code 3) when the
// output cannot be written.
func (o *diffOptions) Run() error {
	before, err := readSnapshotFile("BEFORE", o.before)
	if err != nil {
		return err
	}
	after, err := readSnapshotFile("AFTER", o.after)
	if err != nil {
		return err
	}
	d := o.book.Diff(before, after)
	d.Tool = "kubectl-rotation " + releaseVersion()
	d.Before.File, d.After.File = o.before, o.after
	switch o.output {
	case "json":
		err = d.WriteJSON(o.Out)
	case "markdown":
		err = d.WriteMarkdown(o.Out)
	default:
		err = d.WriteText(o.Out)
	}
	if err != nil {
		return fmt.Errorf("write diff: %w", err)
	}
	if d.ExitCode != 0 {
		return &exitError{code: d.ExitCode}
	}
	return nil
}
