// Command gen writes a realistic, reproducible pod log for benchmarking the
// audit-log aggregator (see package corpus for what is in it):
//
//	go run ./collectors/auditlog/internal/gen -lines 1000000 -o FILE
//
// The same -seed and -lines always give the same bytes.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors/auditlog/internal/corpus"
)

func main() {
	lines := flag.Int("lines", 1000000, "number of lines to write")
	out := flag.String("o", "", "output file (default: standard output)")
	seed := flag.Uint64("seed", 1, "random seed")
	flag.Parse()
	if err := run(*lines, *out, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(lines int, out string, seed uint64) error {
	if lines < 0 {
		return fmt.Errorf("-lines must not be negative, got %d", lines)
	}
	if out == "" {
		return corpus.Write(os.Stdout, lines, seed)
	}
	// Write beside the target and rename, so an interrupted run leaves no
	// half-written file that a later run would take as complete.
	f, err := os.CreateTemp(dirOf(out), ".gen-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return err
	}
	if err := corpus.Write(f, lines, seed); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), out)
}

func dirOf(path string) string {
	for i := len(path) - 1; i >= 0; i-- {
		if os.IsPathSeparator(path[i]) {
			return path[:i+1]
		}
	}
	return "."
}
