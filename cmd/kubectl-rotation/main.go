// Command kubectl-rotation is a kubectl plugin (kubectl rotation): a terminal
// dashboard that turns the secret-rotation runbook into a live, guided
// diagnosis with safe one-key fixes, plus snapshot and report commands.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"

	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// version is the release version, set with
// -ldflags "-X main.version=v1.2.3". When it is left at "dev", the main
// module's version from the build info is used if there is one.
var version = "dev"

func main() {
	os.Exit(run(os.Args[1:], genericiooptions.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}))
}

// run executes the command line args with the given streams and returns the
// process exit code (see exitCode).
func run(args []string, streams genericiooptions.IOStreams) int {
	if args == nil {
		args = []string{} // cobra reads os.Args when args is nil
	}
	cmd := newRootCommand(streams)
	cmd.SetArgs(args)
	return exitCode(cmd.Execute(), streams.ErrOut)
}

// exitCode prints err to errOut as "error: ..." and returns the exit code:
// 0 for nil, the code of an *exitError (printing nothing when it wraps no
// error), or 1.
func exitCode(err error, errOut io.Writer) int {
	if err == nil {
		return 0
	}
	code := 1
	var ee *exitError
	if errors.As(err, &ee) {
		code = ee.code
		if ee.err == nil {
			return code // the command has already said everything
		}
	}
	fmt.Fprintf(errOut, "error: %v\n", err)
	return code
}

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

// versionString returns "<version> (<go version>)".
func versionString() string {
	v := version
	if v == "dev" {
		if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
	}
	return fmt.Sprintf("%s (%s)", v, runtime.Version())
}
