package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/oss-ai-agent-tool/kubectl-rotation/actions"
)

// journalOptions are the options of 'kubectl rotation journal'.
type journalOptions struct {
	*globalOptions
	output string
	since  time.Duration
	path   string
	now    func() time.Time
}

func newJournalCommand(g *globalOptions) *cobra.Command {
	o := &journalOptions{globalOptions: g, now: time.Now}
	cmd := &cobra.Command{
		Use:   "journal",
		Short: "Tell what the dashboard's actions did: who, what, why, and how it ended",
		Long: `Read the action journal (--journal, default
$XDG_STATE_HOME/kubectl-rotation/journal.jsonl) and print every action in
order with its intent and its outcome: when, the action and its target, the
Kubernetes user and Vault accessor that ran it, the reason given, the
equivalent command, and the result. An action with no outcome line was
interrupted: its effect must be checked by hand. Damaged lines are named on
stderr and skipped. Needs no cluster, and reads no config file.

On a machine where no action has been journaled yet (the default journal
does not exist) it says so, or prints [] with -o json, and exits 0.

Exit codes:
  0  the journal was printed, or no action has been journaled yet
  3  could not complete: the default journal exists but cannot be read, or
     the output could not be written
  4  usage error: a bad flag or -o, a negative --since, a --journal FILE
     that does not exist, is a directory or cannot be read`,
		Example: `  kubectl rotation journal
  kubectl rotation journal --since 24h -o json`,
		Args:         usageArgs(cobra.NoArgs),
		SilenceUsage: true,
		RunE:         completeValidateRun(o),
	}
	cmd.Flags().StringVarP(&o.output, "output", "o", "text", "Output format: text or json")
	registerOutputCompletion(cmd, "text", "json")
	cmd.Flags().DurationVar(&o.since, "since", 0, "Only actions started within this `DURATION` (e.g. 24h); 0 shows all")
	return cmd
}

// Complete resolves the journal's path; it returns an error when no path is
// given and the default directory cannot be found.
func (o *journalOptions) Complete(_ *cobra.Command, _ []string) error {
	o.path = o.journal
	if o.path == "" {
		p, err := defaultJournalPath()
		if err != nil {
			return err
		}
		o.path = p
	}
	return nil
}

// Validate returns an error for an unknown output format, a negative
// --since, or a --journal FILE that does not exist or cannot be read (see
// checkJournalFile).
func (o *journalOptions) Validate() error {
	if o.output != "text" && o.output != "json" {
		return fmt.Errorf("--output %q: use text or json", o.output)
	}
	if o.since < 0 {
		return fmt.Errorf("--since %s: must not be negative", o.since)
	}
	return checkJournalFile(o.journal)
}

// Run prints the journal. A default journal that does not exist means
// that no action has been journaled on this machine yet: it says so (text)
// or prints [] (json). It returns an error (exit code 3) when the journal
// exists but cannot be read or the output cannot be written.
func (o *journalOptions) Run() error {
	f, err := os.Open(o.path)
	if errors.Is(err, os.ErrNotExist) {
		if o.journal != "" { // removed since Validate
			return usage(fmt.Errorf("--journal %s: no such file", o.path))
		}
		if o.output == "json" {
			_, err := io.WriteString(o.Out, "[]\n")
			return err
		}
		_, err := fmt.Fprintf(o.Out, "Journal %s: no action has been journaled yet (the file does not exist; the dashboard creates it with its first action)\n", o.path)
		return err
	}
	if err != nil {
		return fmt.Errorf("open journal: %w", err)
	}
	defer f.Close()
	recs, problems, err := actions.ReadJournal(f)
	for _, p := range problems {
		fmt.Fprintf(o.ErrOut, "warning: %s: %s\n", o.path, p)
	}
	if err != nil {
		return err
	}
	if o.since > 0 {
		cut := o.now().Add(-o.since)
		kept := recs[:0]
		for _, r := range recs {
			if !r.Intent.Time.Before(cut) {
				kept = append(kept, r)
			}
		}
		recs = kept
	}
	if o.output == "json" {
		if recs == nil {
			recs = []actions.Record{}
		}
		enc := json.NewEncoder(o.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(recs)
	}
	return writeJournalText(o.Out, o.path, recs)
}

func writeJournalText(w io.Writer, path string, recs []actions.Record) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Journal %s: %d action(s)\n", path, len(recs))
	for _, r := range recs {
		in := r.Intent
		state := "NO OUTCOME (interrupted: check its effect by hand)"
		if r.Outcome != nil {
			state = r.Outcome.Outcome
			if d := r.Outcome.Time.Sub(in.Time); d >= 0 {
				state += fmt.Sprintf(" after %s", d.Round(time.Millisecond))
			}
		}
		fmt.Fprintf(&b, "\n%s  %s  %s\n", in.Time.UTC().Format("2006-01-02 15:04:05 MST"), in.Action, state)
		line := func(k, v string) {
			if v != "" {
				v = strings.TrimRight(v, "\n")
				fmt.Fprintf(&b, "  %-8s %s\n", k, strings.ReplaceAll(v, "\n", "\n           "))
			}
		}
		line("target", in.Target)
		line("who", in.Who.String())
		line("reason", in.Reason)
		line("command", in.Command)
		if o := r.Outcome; o != nil {
			if o.Result != nil {
				line("result", o.Result.Summary)
				if o.Result.Before != "" || o.Result.After != "" {
					line("before", o.Result.Before)
					line("after", o.Result.After)
				}
				line("event", o.Result.Event)
			}
			line("error", o.Error)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
