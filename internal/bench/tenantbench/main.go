// Command tenantbench compares, on the same Vault server in the same run,
// how long the tool's tenant scan takes against the runbook's way of
// checking version counts: a shell loop of `vault kv metadata get` per tenant.
//
//	go run ./internal/bench/tenantbench -tenants 10000
//
// It starts a private Vault dev server (the harness's build), writes the
// tenants (two versions each) through the API, then times both.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"sync"
	"time"

	vault "github.com/hashicorp/vault/api"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors/connect"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/config"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/testenv"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "tenantbench:", err)
		os.Exit(1)
	}
}

func run() error {
	tenants := flag.Int("tenants", 10000, "tenants to write and scan")
	loop := flag.Int("loop", 0, "tenants the shell loop reads (default: all)")
	runs := flag.Int("runs", 3, "tool scans to time (the best and the median are shown)")
	flag.Parse()
	if *loop <= 0 || *loop > *tenants {
		*loop = *tenants
	}
	bins, err := testenv.FindBins()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "tenantbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	v, err := testenv.StartVault(ctx, bins.Vault, dir)
	if err != nil {
		return err
	}
	defer v.Stop()
	root, err := v.Root()
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "writing %d tenants (2 versions each)...\n", *tenants)
	t0 := time.Now()
	if err := seed(ctx, root, *tenants); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "written in %s\n", time.Since(t0).Round(time.Millisecond))

	cfg := config.Default()
	vcfg := vault.DefaultConfig()
	vcfg.Address = v.Addr
	clients, err := connect.Connect(connect.Options{Vault: vcfg, VaultToken: v.RootToken, ReadOnly: true})
	if err != nil {
		return err
	}
	c := connect.New(clients, collectors.Options{Config: cfg, Namespace: "bench", SourceTimeout: 10 * time.Minute})
	var durs []time.Duration
	var scanned int
	for i := 0; i < *runs; i++ {
		t := time.Now()
		p := c.CollectSource(ctx, collectors.SourceVault)
		durs = append(durs, time.Since(t))
		if p.Vault == nil || p.Vault.TenantScan.Scanned != *tenants {
			return fmt.Errorf("tool scan read %+v, want %d tenants (status %+v)", p.Vault, *tenants, p.Status)
		}
		scanned = p.Vault.TenantScan.Scanned
	}
	best, median := stats(durs)

	fmt.Fprintf(os.Stderr, "running the runbook's loop over %d tenants (vault kv metadata get, one process each)...\n", *loop)
	script := fmt.Sprintf(`for i in $(seq 1 %d); do t=$(printf 't-%%05d' "$i"); "$VAULT" kv metadata get -format=json "secret/tenants/$t/cmek" >/dev/null || exit 1; done`, *loop)
	cmd := exec.Command("bash", "-c", script)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "VAULT_ADDR=" + v.Addr, "VAULT_TOKEN=" + v.RootToken, "VAULT=" + bins.Vault}
	cmd.Stderr = os.Stderr
	t1 := time.Now()
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("shell loop: %w", err)
	}
	loopDur := time.Since(t1)
	perLoop := loopDur / time.Duration(*loop)
	loopFull := perLoop * time.Duration(*tenants)

	fmt.Printf("tenant scan, %d tenants, Vault %s dev server on 127.0.0.1, %d CPUs, %s\n", *tenants, testenv.VaultVersion, runtime.NumCPU(), time.Now().UTC().Format("2006-01-02"))
	fmt.Printf("%-48s %12s %14s\n", "method", "wall", "per tenant")
	fmt.Printf("%-48s %12s %14s\n", fmt.Sprintf("kubectl-rotation Vault source (best of %d)", *runs), best.Round(time.Millisecond), (best / time.Duration(scanned)).Round(time.Microsecond))
	fmt.Printf("%-48s %12s %14s\n", "kubectl-rotation Vault source (median)", median.Round(time.Millisecond), (median / time.Duration(scanned)).Round(time.Microsecond))
	label := fmt.Sprintf("shell loop of vault kv metadata get (%d tenants)", *loop)
	fmt.Printf("%-48s %12s %14s\n", label, loopDur.Round(time.Millisecond), perLoop.Round(time.Microsecond))
	if *loop != *tenants {
		fmt.Printf("%-48s %12s\n", fmt.Sprintf("  the loop extrapolated to %d tenants", *tenants), loopFull.Round(time.Second))
	}
	fmt.Printf("speed-up (loop / tool median, per tenant): %.0fx\n", float64(perLoop)/float64(median/time.Duration(scanned)))
	return nil
}

func stats(d []time.Duration) (best, median time.Duration) {
	s := append([]time.Duration(nil), d...)
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
	return s[0], s[len(s)/2]
}

// seed writes n tenants t-00001... with two versions each, 32 writers at once.
func seed(ctx context.Context, c *vault.Client, n int) error {
	kv := c.KVv2("secret")
	work := make(chan int)
	errs := make(chan error, 1)
	var wg sync.WaitGroup
	for w := 0; w < 32; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				path := fmt.Sprintf("tenants/t-%05d/cmek", i)
				for v := 1; v <= 2; v++ {
					if _, err := kv.Put(ctx, path, map[string]any{"key": fmt.Sprintf("bench-%d-%d", i, v)}); err != nil {
						select {
						case errs <- fmt.Errorf("write %s: %w", path, err):
						default:
						}
						return
					}
				}
			}
		}()
	}
	for i := 1; i <= n; i++ {
		select {
		case err := <-errs:
			close(work)
			wg.Wait()
			return err
		case work <- i:
		}
	}
	close(work)
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
		return nil
	}
}
