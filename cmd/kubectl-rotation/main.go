// Command kubectl-rotation is a kubectl plugin (kubectl rotation): a terminal
// dashboard that turns the secret-rotation runbook into a live, guided
// diagnosis with safe one-key fixes, plus snapshot and report commands.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	// the IANA time zones built in: a CronJob's spec.timeZone is read
	// the same on a machine without a zoneinfo database (Windows, a
	// distroless image), where the release's static binary would
	// otherwise leave the rotation interval unknown
	_ "time/tzdata"

	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// version is the release version, set with
// -ldflags "-X main.version=v1.2.3" (with main.commit and main.date, see
// version.go). When it is left at "dev", the build info is used instead.
var version = "dev"

func main() {
	os.Exit(run(os.Args[1:], genericiooptions.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}))
}

// run executes the command line args with the given streams and returns the
// process exit code (see exitCode).
func run(args []string, streams genericiooptions.IOStreams) int {
	return runAs(os.Args[0], args, streams)
}

// runAs is run for a binary started as argv0: help, hints and --version
// follow the name (see pluginNames).
func runAs(argv0 string, args []string, streams genericiooptions.IOStreams) int {
	if args == nil {
		args = []string{} // cobra reads os.Args when args is nil
	}
	cmd := newRootCommand(streams, argv0)
	var prof profiles // profile.go: the hidden --cpuprofile and --memprofile FILE
	prof.addTo(cmd)
	cmd.SetArgs(args)
	err := cmd.Execute()
	prof.stop()
	return exitCode(err, streams.ErrOut)
}

// The exit codes of every command. report's 0 to 3 come from the
// assessment (runbook.Assessment.ExitCode); the others are the same for
// every command.
const (
	// exitOK: the command did what it was asked; for report, no finding.
	exitOK = 0
	// exitFailed: the command could not complete (a source or file it
	// needed could not be read or written); report uses the same code for
	// "could not tell".
	exitFailed = 3
	// exitUsage: a usage or configuration error — a bad or unknown flag or
	// argument, conflicting flags, an unreadable or invalid --from file, a
	// malformed Vault address, a garbage or missing kubeconfig or an
	// unknown --context, any config-file error. Nothing was contacted;
	// fix the command line or the configuration.
	exitUsage = 4
)

// exitCode prints err to errOut as "error: ..." and returns the exit code:
// 0 for nil, the code of an *exitError (printing nothing when it wraps no
// error), exitUsage for a *usageError, else exitFailed.
func exitCode(err error, errOut io.Writer) int {
	if err == nil {
		return exitOK
	}
	code := exitFailed
	var ee *exitError
	var ue *usageError
	switch {
	case errors.As(err, &ee):
		code = ee.code
		if ee.err == nil {
			return code // the command has already said everything
		}
	case errors.As(err, &ue):
		code = exitUsage
	}
	fmt.Fprintf(errOut, "error: %v\n", err)
	return code
}

// usageError marks a usage or configuration error: the command line, the
// environment or the config file must be fixed (exit code exitUsage).
type usageError struct{ err error }

// usage marks err as a usage or configuration error; nil stays nil.
func usage(err error) error {
	if err == nil {
		return nil
	}
	return &usageError{err: err}
}

// Error returns the wrapped error's message.
func (e *usageError) Error() string { return e.err.Error() }

// Unwrap returns the wrapped error.
func (e *usageError) Unwrap() error { return e.err }

// exitError makes a command exit with a chosen code. With a nil err nothing
// more is printed: the command has already written its result (report uses
// 0 ok, 1 warning, 2 critical, 3 could not tell).
type exitError struct {
	code int
	err  error
}

// Error returns the wrapped error's message, or "exit status N".
func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

// Unwrap returns the wrapped error.
func (e *exitError) Unwrap() error { return e.err }
