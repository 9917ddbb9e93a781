// Command rotation-lab starts real Kubernetes, Vault and Prometheus servers on
// 127.0.0.1, seeds them with a secret-rotation environment from the runbook
// (any of its six failure scenarios), prints how to point kubectl, vault and
// kubectl-rotation at it, and runs until interrupted.
//
//	go run ./internal/lab/cmd/rotation-lab --scenarios all
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/config"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/lab"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/testenv"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "rotation-lab:", err)
		os.Exit(1)
	}
}

func run(args []string, out, errOut io.Writer) error {
	fs := flag.NewFlagSet("rotation-lab", flag.ContinueOnError)
	fs.SetOutput(errOut)
	scenarios := fs.String("scenarios", "all", "runbook scenarios to produce: all, none, or a list of 1-6 / names (rotation-job-failing, vault-token-expired, cleanup-failing, retention-overflow, batch-timeout, audit-missing)")
	tenants := fs.Int("tenants", 48, "number of tenants in Vault")
	jobs := fs.Int("jobs", 0, "more finished Jobs to seed, older than the four days of history, owned by the two CronJobs (left alone by the job and CronJob controllers)")
	auditLines := fs.Int("audit-lines", 0, "more audit lines (other actions than rotations) to seed in the orchestrator pods' logs, over the eight and a half days they have run")
	scrape := fs.Duration("scrape-interval", 0, "Prometheus's scrape and rule evaluation interval (default 1s up to 100 tenants, 15s beyond)")
	ns := fs.String("namespace", "rotation-lab", "namespace to seed")
	dir := fs.String("dir", filepath.Join(testenv.CacheDir(), "lab"), "working folder (logs, kubeconfig, token file)")
	envFile := fs.String("env-file", "", "also write the environment snippet to this file")
	exitAfterSeed := fs.Bool("exit-after-seed", false, "stop the servers after seeding (and capturing)")
	capture := fs.String("capture", "", "write a snapshot of the lab, taken with the tool's collectors, to this file (the demo snapshot is made this way)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	sc, err := lab.ParseScenarios(*scenarios)
	if err != nil {
		return err
	}
	bins, err := testenv.FindBins()
	if err != nil {
		return err
	}
	_ = os.RemoveAll(*dir)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fmt.Fprintf(errOut, "rotation-lab: starting kube-apiserver, etcd, kube-controller-manager, vault and prometheus in %s ...\n", *dir)
	l, err := lab.Start(ctx, bins, lab.StartOptions{Dir: *dir, Namespace: *ns, ScrapeInterval: *scrape,
		Options: lab.Options{Scenarios: sc, Tenants: *tenants, Jobs: *jobs, AuditLines: *auditLines}})
	if err != nil {
		return err
	}
	defer l.Stop()
	names := "none (healthy)"
	if len(sc) > 0 {
		names = fmt.Sprint(sc)
	}
	fmt.Fprintf(errOut, "rotation-lab: seeded namespace %s with %d tenants, %d more Jobs, %d more audit lines; scenarios: %s\n", *ns, len(l.Seeded.Tenants), *jobs, *auditLines, names)
	if *envFile != "" {
		if err := os.WriteFile(*envFile, []byte(l.EnvScript()), 0o600); err != nil {
			return fmt.Errorf("write %s: %w", *envFile, err)
		}
	}
	fmt.Fprint(out, l.EnvScript())
	if *capture != "" {
		snap, err := l.Capture(ctx, config.Default(), "rotation-lab")
		if err != nil {
			return err
		}
		f, err := os.Create(*capture)
		if err != nil {
			return err
		}
		enc := json.NewEncoder(f)
		enc.SetIndent("", " ")
		if err := enc.Encode(snap); err != nil {
			f.Close()
			return fmt.Errorf("write %s: %w", *capture, err)
		}
		if err := f.Close(); err != nil {
			return err
		}
		fmt.Fprintf(errOut, "rotation-lab: snapshot written to %s\n", *capture)
	}
	if *exitAfterSeed {
		return nil
	}
	fmt.Fprintln(errOut, "rotation-lab: running; press Ctrl-C to stop")
	<-ctx.Done()
	fmt.Fprintln(errOut, "rotation-lab: stopping")
	return nil
}
