// Command auditcount runs the audit-log aggregator over files and prints
// the summary, for benchmarks and quick checks:
//
//	auditcount [-json] FILE...
//
// Each file is a source; "-" reads standard input. Without -json it prints
// a one-line digest.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors/auditlog"
)

func main() {
	asJSON := flag.Bool("json", false, "print the whole summary as JSON")
	flag.Parse()
	if err := run(context.Background(), flag.Args(), *asJSON, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "auditcount:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, files []string, asJSON bool, out io.Writer) error {
	if len(files) == 0 {
		return fmt.Errorf("no file given (usage: auditcount [-json] FILE...)")
	}
	a := auditlog.New(auditlog.Options{})
	for _, name := range files {
		if err := readFile(ctx, a, name); err != nil {
			return err
		}
	}
	s := a.Result()
	if asJSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(s)
	}
	_, err := fmt.Fprintln(out, s)
	return err
}

func readFile(ctx context.Context, a *auditlog.Aggregator, name string) error {
	if name == "-" {
		return a.Read(ctx, "stdin", os.Stdin)
	}
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	return a.Read(ctx, name, f)
}
