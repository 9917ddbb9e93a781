package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/oss-ai-agent-tool/kubectl-rotation/ui"
)

const rootLong = `kubectl rotation turns the secret-rotation runbook into a live, guided
diagnosis with safe one-key fixes.

It reads the rotation and cleanup CronJobs and their Jobs, the rotation audit
logs, Vault (health, token, per-tenant key versions) and Prometheus (token
expiry, rotation metrics, related alerts), shows which runbook scenario is
happening with its evidence, and puts each fix one key away: planned,
confirmed, checked against your permissions, dry-run where the API allows it,
and recorded in a journal. A signal that cannot be read is shown as unknown,
never as healthy. No secret value is ever read or shown.

Kubernetes access follows kubectl (--kubeconfig, --context, --namespace).
Vault follows the Vault CLI (VAULT_ADDR, VAULT_TOKEN or ~/.vault-token,
VAULT_NAMESPACE, VAULT_CACERT). Prometheus is reached with --prometheus-url,
or through the API server's service proxy with --prometheus-service
NS/NAME:PORT, without a port-forward. Object names, Vault paths, metrics and
alerts default to the runbook's; change them in
$XDG_CONFIG_HOME/kubectl-rotation/config.yaml or with --config FILE.

With --read-only every mutating request is refused below the UI, for audits.

Every request has a timeout (--request-timeout for the API server, the
config file's requestTimeout for each server, 10s by default) and each source
is bounded as a whole (--source-timeout), so a hanging server is reported as
such within seconds.

Exit codes (every command):
  0  done (report: no finding; diff: none in the AFTER snapshot)
  1  report and diff only (diff: of the AFTER snapshot): warnings
  2  report and diff only (diff: of the AFTER snapshot): a critical finding
  3  could not complete (snapshot: no source could be read); report and
     diff: could not tell (a source that matters, or part of the
     compliance section, could not be read)
  4  usage or configuration error: a bad flag, argument or -o, conflicting
     flags, an unreadable or invalid --from file, a malformed --vault-addr
     or --prometheus-url, a malformed VAULT_ADDR or PROMETHEUS_URL when a
     live source would use it (not with --demo or --from), a missing or
     unusable kubeconfig or --context, any config-file error (diff and
     journal read no config file); nothing was contacted`

const rootExample = `  # Open the dashboard for the current context's namespace
  kubectl rotation

  # Audit mode: nothing can be changed
  kubectl rotation --read-only -n payments

  # Try it without a cluster
  kubectl rotation --demo

  # Capture every signal once, and replay it later
  kubectl rotation snapshot -o json > snap.json
  kubectl rotation --from snap.json

  # Non-interactive triage for a ticket
  kubectl rotation report -o markdown`

// rootOptions are the dashboard's options: the global ones plus --demo and
// --from.
type rootOptions struct {
	*globalOptions
	source sourceOptions
	// mouse turns on the terminal's mouse reporting (wheel scrolling);
	// off, the terminal selects text with a plain drag.
	mouse bool
}

// newRootCommand returns the kubectl-rotation command with its subcommands,
// named after argv0 (os.Args[0]: see pluginNames); all output goes to
// streams.
func newRootCommand(streams genericiooptions.IOStreams, argv0 string) *cobra.Command {
	g := newGlobalOptions(streams)
	o := &rootOptions{globalOptions: g}
	binary, display := pluginNames(argv0) // plugin.go
	cmd := &cobra.Command{
		Use:     binary,
		Short:   "Diagnose and fix secret-rotation failures (CMEK rotation, Vault tokens, version retention, audit logs)",
		Long:    rootLong,
		Example: rootExample,
		Annotations: map[string]string{
			cobra.CommandDisplayNameAnnotation: display,
		},
		Version:       versionString(),
		Args:          usageArgs(cobra.NoArgs),
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE:          completeValidateRun(o),
	}
	cmd.SetVersionTemplate(binary + " {{.Version}}\n") // the name it runs under, as the help
	cmd.SetOut(streams.Out)
	cmd.SetErr(streams.ErrOut)
	cmd.SetIn(streams.In)
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		//lint:ignore ST1005 kubectl's own wording, on a line of its own
		return usage(fmt.Errorf("%w\nSee '%s --help'.", err, c.CommandPath()))
	})
	g.addFlags(cmd.PersistentFlags())
	o.source.addFlags(cmd.Flags())
	cmd.Flags().BoolVar(&o.mouse, "mouse", true, "Scroll with the mouse wheel (the terminal then selects text with shift+drag; --mouse=false for a plain drag)")
	cmd.AddCommand(newSnapshotCommand(g), newReportCommand(g), newJournalCommand(g))
	cmd.AddCommand(newTimelineCommand(g), newBackfillCommand(g), newPostmortemCommand(g)) // timeline.go, backfill.go, postmortem.go
	cmd.AddCommand(newDiffCommand(g))                                                     // diff.go
	g.setupCompletion(cmd)                                                                // completion.go
	renameInHelp(cmd, display)
	return cmd
}

// Complete resolves the settings; see globalOptions.complete for its errors.
func (o *rootOptions) Complete(_ *cobra.Command, _ []string) error {
	return o.complete(o.source)
}

// Validate returns an error naming each flag that is wrong or conflicts.
func (o *rootOptions) Validate() error {
	return o.validate(o.source)
}

// Run starts the dashboard on the live sources, the demo or a replay, and
// returns when the user quits. It returns an error when the terminal cannot
// be used or the snapshot cannot be read.
func (o *rootOptions) Run() error {
	s := o.Settings
	opts := ui.Options{
		Config: s.Config, Namespace: s.Namespace, Context: s.Context, VaultAddr: s.Vault.Address, Connection: s.Connection,
		Mode: "live", ReadOnly: s.ReadOnly, Refresh: s.Config.Refresh.Duration(),
		NoColor: os.Getenv("NO_COLOR") != "",
		Journal: s.timelineJournal(o.journal), // the timeline's actions: as `timeline` reads them
	}
	var loader ui.Loader
	var actor ui.Actor
	actorWhy := "read-only"
	switch {
	case s.Demo || s.From != "":
		snap, _, err := s.loadSnapshot(context.Background(), nil)
		if err != nil {
			return err
		}
		s.noteReplay(o.ErrOut) // before the dashboard takes the screen; it stays after it
		opts.Mode = "replay"
		if s.Demo {
			opts.Mode = "demo"
		}
		opts.Namespace, opts.Context, opts.VaultAddr, opts.Config = snap.Namespace, snap.Context, snap.VaultAddr, snap.Config
		opts.Connection = snap.Connection // the capture's, as recorded: none in older snapshots
		opts.ReadOnly = true
		loader = ui.SnapshotLoader{Snapshot: snap}
	default:
		clients, err := s.connect()
		if err != nil {
			return err
		}
		// The collector bounds each source by s.SourceTimeout; the
		// dashboard's context is cancelled when it quits.
		loader = ui.LiveLoader{Collector: s.collector(clients), Timeout: s.SourceTimeout}
		if !s.ReadOnly {
			actor, actorWhy = s.executor(clients)
		}
	}
	if s.LogFile != "" {
		f, err := os.OpenFile(s.LogFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			return usage(fmt.Errorf("--log-file: %w", err))
		}
		defer f.Close()
		log.SetOutput(f)
		o.logKlogTo(f)
	} else {
		log.SetOutput(io.Discard) // never write logs over the dashboard
		o.logKlogTo(io.Discard)
	}
	// A terminal goes to Bubble Tea as it is (it puts it in raw mode); other
	// input is wrapped so that its end quits the dashboard.
	var in io.Reader = o.In
	var eof *quitOnEOF
	if f, ok := o.In.(*os.File); !ok || !term.IsTerminal(f.Fd()) {
		eof = &quitOnEOF{r: o.In}
		in = eof
	}
	model := ui.New(loader, opts).WithActor(actor, actorWhy)
	popts := []tea.ProgramOption{tea.WithAltScreen(), tea.WithInput(in), tea.WithOutput(o.Out)}
	if o.mouse {
		popts = append(popts, tea.WithMouseCellMotion())
	}
	p := tea.NewProgram(model, popts...)
	if eof != nil {
		eof.quit = p.Quit
	}
	_, err := p.Run()
	// quitting cancelled any action running: let it journal its outcome
	// (interrupted, and what ran) before the process ends
	if w, ok := actor.(interface{ Wait(time.Duration) bool }); ok {
		w.Wait(5 * time.Second)
	}
	if err != nil {
		return fmt.Errorf("dashboard: %w", err)
	}
	return nil
}

// quitOnEOF ends the dashboard when its input ends: a terminal never ends
// (ctrl+d is a key there), but piped or empty input would otherwise leave the
// dashboard running with nobody able to quit it.
type quitOnEOF struct {
	r    io.Reader
	quit func()
}

func (q *quitOnEOF) Read(p []byte) (int, error) {
	n, err := q.r.Read(p)
	if err == io.EOF && q.quit != nil {
		q.quit()
	}
	return n, err
}

// command is a subcommand's options, run the way kubectl plugins are.
type command interface {
	Complete(cmd *cobra.Command, args []string) error
	Validate() error
	Run() error
}

// completeValidateRun is a cobra RunE that completes, validates and runs o,
// stopping at the first error. Complete and Validate fail only on usage or
// configuration errors (flags, environment, kubeconfig, config file: nothing
// has been contacted yet), so their errors are marked as usage errors (exit
// code exitUsage); Run marks its own (e.g. an unreadable --from file).
func completeValidateRun(o command) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		if err := o.Complete(cmd, args); err != nil {
			return usage(err)
		}
		if err := o.Validate(); err != nil {
			return usage(err)
		}
		return o.Run()
	}
}

// usageArgs marks the errors of a cobra argument check (an unexpected
// argument, an unknown command) as usage errors.
func usageArgs(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		return usage(check(cmd, args))
	}
}
