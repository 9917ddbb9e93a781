// Command scalebench times the limits the tool's report is held against,
// on the servers of a running lab (scripts/bench-scale.sh starts one): what
// each source's data costs when fetched bare, with nothing done with it.
//
//	scalebench -namespace rotation-lab   # KUBECONFIG, VAULT_ADDR, VAULT_TOKEN, PROMETHEUS_URL from the lab's env
//
// It prints one line per limit: "limit NAME SECONDS DETAIL", each alone and
// then all at once ("together": the tool reads its sources at once too).
// With -sources it instead runs the tool's collectors in-process, one
// source at a time, and prints each one's time and peak Go heap ("source
// NAME SECONDS PEAK-MB"): where the report's time and memory go.
//
//   - vault: LIST of the tenants, then every tenant's KV v2 metadata, 16
//     GETs in flight (the tool's scanConcurrency);
//   - jobs: one paginated list of the namespace's Jobs, 250 a page (the
//     tool's page size), in protobuf as the tool reads them;
//   - prometheus: the bare range query of the rotations counter summed over
//     its tenants, 24 h at 5 m (and, for comparison, the same query per
//     tenant, as the tool made it before, under prometheus-per-tenant);
//   - logs: the security pods' logs streamed to nowhere over the audit
//     window (9 days) at most 256 MiB each, all pods at once.
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"time"

	vault "github.com/hashicorp/vault/api"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/utils/ptr"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors/connect"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/config"
	"github.com/oss-ai-agent-tool/kubectl-rotation/ui"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "scalebench:", err)
		os.Exit(1)
	}
}

func run() error {
	ns := flag.String("namespace", "rotation-lab", "the lab's namespace")
	label := flag.String("security-label", "app.kubernetes.io/component=security", "label of the pods whose logs hold the audit events")
	sources := flag.Bool("sources", false, "time the tool's sources one at a time, in-process, with their peak heap")
	memprofile := flag.String("memprofile", "", "with -dashboard: write a heap profile to this file once the overview is complete")
	together := flag.Bool("together", false, "run only the four limits at once (for a CPU account of that pass alone)")
	dashboard := flag.Bool("dashboard", false, "run the dashboard in-process at 120x40 (output discarded) and time its first frame, the overview complete, and its longest Update")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	rc, err := clientcmd.BuildConfigFromFlags("", os.Getenv("KUBECONFIG"))
	if err != nil {
		return err
	}
	rc.QPS, rc.Burst = 50, 100
	// the tool's content types (connect.Connect): protobuf, JSON accepted
	rc.ContentType, rc.AcceptContentTypes = connect.KubeContentType, connect.KubeAcceptContentTypes
	kc, err := kubernetes.NewForConfig(rc)
	if err != nil {
		return err
	}
	vc, err := vault.NewClient(vault.DefaultConfig()) // VAULT_ADDR, VAULT_TOKEN
	if err != nil {
		return err
	}
	prom := strings.TrimSuffix(os.Getenv("PROMETHEUS_URL"), "/")
	if prom == "" {
		return fmt.Errorf("PROMETHEUS_URL is not set")
	}
	if *sources {
		return timeSources(ctx, rc, *ns, prom)
	}
	if *dashboard {
		return timeDashboard(ctx, rc, *ns, prom, *memprofile)
	}
	steps := []struct {
		name string
		fn   func(context.Context) (string, error)
	}{
		{"vault", func(ctx context.Context) (string, error) { return vaultScan(ctx, vc) }},
		{"jobs", func(ctx context.Context) (string, error) { return listJobs(ctx, kc, *ns) }},
		{"prometheus", func(ctx context.Context) (string, error) {
			return promRange(ctx, prom, fmt.Sprintf(`sum without (tenant) (cmek_rotation_total{namespace=%q})`, *ns))
		}},
		{"prometheus-per-tenant", func(ctx context.Context) (string, error) {
			return promRange(ctx, prom, fmt.Sprintf(`cmek_rotation_total{namespace=%q}`, *ns))
		}},
		{"logs", func(ctx context.Context) (string, error) { return streamLogs(ctx, kc, *ns, *label) }},
	}
	if !*together { // each alone first
		for _, s := range steps {
			t := time.Now()
			detail, err := s.fn(ctx)
			d := time.Since(t)
			if err != nil {
				detail = "error: " + err.Error()
			}
			fmt.Printf("limit %s %.3f %s\n", s.name, d.Seconds(), detail)
		}
	}
	// all at once, but the per-tenant query (not a limit, a comparison)
	t := time.Now()
	var wg sync.WaitGroup
	for _, s := range steps {
		if s.name == "prometheus-per-tenant" {
			continue
		}
		wg.Add(1)
		go func() { defer wg.Done(); _, _ = s.fn(ctx) }()
	}
	wg.Wait()
	fmt.Printf("limit together %.3f vault, jobs, prometheus and logs at once\n", time.Since(t).Seconds())
	return nil
}

// timeDashboard runs the dashboard as `kubectl rotation` does on a live
// cluster (read-only, the default config and source timeout), its frames
// drawn by Bubble Tea's renderer to nowhere at 120x40, and prints when the
// first frame was drawn, when the overview was complete (a whole load
// merged and judged: ui.Model.Settled), the longest Update (what a key
// waits for at worst) and the process's peak resident memory:
//
//	dashboard first-frame SECONDS
//	dashboard overview SECONDS
//	dashboard longest-update SECONDS UPDATES
//	dashboard update MESSAGE-TYPE SECONDS   (the longest of each type)
//	dashboard max-rss MB
func timeDashboard(ctx context.Context, rc *rest.Config, ns, prom, memprofile string) error {
	began := time.Now()
	cfg := config.Default()
	clients, err := connect.Connect(connect.Options{REST: rc, Vault: vault.DefaultConfig(), VaultToken: os.Getenv("VAULT_TOKEN"), PrometheusURL: prom, ReadOnly: true})
	if err != nil {
		return err
	}
	// the CLI's default source timeout (cmd/kubectl-rotation: the longest
	// request timeout and 4 s)
	timeout := max(cfg.Kubernetes.RequestTimeout, cfg.Vault.RequestTimeout, cfg.Prometheus.RequestTimeout).Duration() + 4*time.Second
	c := connect.New(clients, collectors.Options{Config: cfg, Namespace: ns, SourceTimeout: timeout})
	m := ui.New(ui.LiveLoader{Collector: c, Timeout: timeout}, ui.Options{Config: cfg, Namespace: ns, VaultAddr: vault.DefaultConfig().Address, Mode: "live", ReadOnly: true})
	t := &timedModel{m: m, began: began, settled: make(chan struct{})}
	in, keep := io.Pipe() // input that never ends, as a terminal's
	defer keep.Close()
	p := tea.NewProgram(t, tea.WithInput(in), tea.WithOutput(io.Discard), tea.WithContext(ctx))
	go p.Send(tea.WindowSizeMsg{Width: 120, Height: 40})
	go func() {
		select {
		case <-t.settled:
		case <-time.After(2 * timeout):
		}
		p.Quit()
	}()
	if _, err := p.Run(); err != nil && !errors.Is(err, tea.ErrProgramKilled) {
		return err
	}
	if memprofile != "" {
		f, err := os.Create(memprofile)
		if err != nil {
			return err
		}
		runtime.GC()
		if err := pprof.WriteHeapProfile(f); err != nil {
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
	}
	if t.first == 0 {
		return fmt.Errorf("no frame was drawn")
	}
	fmt.Printf("dashboard first-frame %.3f\n", t.first.Seconds())
	if t.overview == 0 {
		fmt.Printf("dashboard overview none: not complete within %s\n", 2*timeout)
	} else {
		fmt.Printf("dashboard overview %.3f\n", t.overview.Seconds())
	}
	fmt.Printf("dashboard longest-update %.4f %d\n", t.longest.Seconds(), t.updates)
	// the longest of each message type: applying a source's part and a
	// judgement (ui.partMsg, ui.judgedMsg) is the data's work on the event
	// loop; a spinner tick's Update does nothing, so its figure is what
	// waiting for a core on a loaded machine costs
	types := make([]string, 0, len(t.byType))
	for k := range t.byType {
		types = append(types, k)
	}
	slices.SortFunc(types, func(a, b string) int { return cmp.Compare(t.byType[b], t.byType[a]) })
	for _, k := range types {
		fmt.Printf("dashboard update %s %.4f\n", k, t.byType[k].Seconds())
	}
	fmt.Printf("dashboard max-rss %.0f\n", float64(peakRSS())/(1<<20))
	return nil
}

// timedModel wraps the dashboard's model to time it; it changes nothing
// the model does.
type timedModel struct {
	m                        tea.Model
	began                    time.Time
	sized                    bool
	first, overview, longest time.Duration
	updates                  int
	byType                   map[string]time.Duration // the longest Update of each message type
	settled                  chan struct{}
}

func (t *timedModel) Init() tea.Cmd { return t.m.Init() }

func (t *timedModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if _, ok := msg.(tea.WindowSizeMsg); ok {
		t.sized = true
	}
	at := time.Now()
	next, cmd := t.m.Update(msg)
	d := time.Since(at)
	t.longest = max(t.longest, d)
	if t.byType == nil {
		t.byType = map[string]time.Duration{}
	}
	k := fmt.Sprintf("%T", msg)
	t.byType[k] = max(t.byType[k], d)
	t.updates++
	t.m = next
	return t, cmd
}

func (t *timedModel) View() string {
	v := t.m.View()
	if t.sized && t.first == 0 {
		t.first = time.Since(t.began)
	}
	if m, ok := t.m.(ui.Model); ok && t.overview == 0 && m.Settled() {
		t.overview = time.Since(t.began)
		close(t.settled)
	}
	return v
}

// peakRSS is the process's peak resident memory (VmHWM), in bytes.
func peakRSS() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			var kb uint64
			fmt.Sscan(strings.TrimSuffix(strings.TrimSpace(v), " kB"), &kb)
			return kb << 10
		}
	}
	return 0
}

// timeSources runs each of the tool's sources alone, in-process, as
// `kubectl rotation` reads them (read-only clients, the default config),
// and prints its time and the peak of the Go heap while it ran.
func timeSources(ctx context.Context, rc *rest.Config, ns, prom string) error {
	vcfg := vault.DefaultConfig()
	clients, err := connect.Connect(connect.Options{REST: rc, Vault: vcfg, VaultToken: os.Getenv("VAULT_TOKEN"), PrometheusURL: prom, ReadOnly: true})
	if err != nil {
		return err
	}
	c := connect.New(clients, collectors.Options{Config: config.Default(), Namespace: ns})
	for _, name := range []string{collectors.SourceKubernetes, collectors.SourceLogs, collectors.SourceVault, collectors.SourcePrometheus} {
		runtime.GC()
		var peak uint64
		done := make(chan struct{})
		polled := make(chan struct{})
		go func() {
			defer close(polled)
			var m runtime.MemStats
			for {
				runtime.ReadMemStats(&m)
				peak = max(peak, m.HeapInuse)
				select {
				case <-done:
					return
				case <-time.After(5 * time.Millisecond):
				}
			}
		}()
		t := time.Now()
		p := c.CollectSource(ctx, name)
		d := time.Since(t)
		close(done)
		<-polled
		fmt.Printf("source %s %.3f %.0f %s\n", name, d.Seconds(), float64(peak)/(1<<20), p.Status.State)
	}
	return nil
}

// vaultScan lists the tenants and reads every tenant's metadata, 16 at once.
func vaultScan(ctx context.Context, c *vault.Client) (string, error) {
	s, err := c.Logical().ListWithContext(ctx, "secret/metadata/tenants")
	if err != nil {
		return "", err
	}
	if s == nil {
		return "", fmt.Errorf("no tenants listed")
	}
	keys, _ := s.Data["keys"].([]any)
	work := make(chan string)
	var mu sync.Mutex
	var firstErr error
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range work {
				if _, err := c.Logical().ReadWithContext(ctx, "secret/metadata/tenants/"+k+"cmek"); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	for _, k := range keys {
		work <- fmt.Sprint(k)
	}
	close(work)
	wg.Wait()
	return fmt.Sprintf("%d tenants", len(keys)), firstErr
}

// listJobs lists the namespace's Jobs, 250 a page.
func listJobs(ctx context.Context, kc kubernetes.Interface, ns string) (string, error) {
	opts := metav1.ListOptions{Limit: 250}
	n, pages := 0, 0
	for {
		l, err := kc.BatchV1().Jobs(ns).List(ctx, opts)
		if err != nil {
			return "", err
		}
		n, pages = n+len(l.Items), pages+1
		if l.Continue == "" {
			return fmt.Sprintf("%d jobs in %d pages", n, pages), nil
		}
		opts.Continue = l.Continue
	}
}

// promRange runs one range query over the last 24 h at 5 m and reads the
// answer whole.
func promRange(ctx context.Context, base, query string) (string, error) {
	end := time.Now()
	q := url.Values{"query": {query}, "start": {fmt.Sprint(end.Add(-24 * time.Hour).Unix())}, "end": {fmt.Sprint(end.Unix())}, "step": {"300"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/query_range", strings.NewReader(q.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("%s", resp.Status)
	}
	return fmt.Sprintf("%d bytes", n), nil
}

// streamLogs reads every security pod's log over the audit window, all at
// once.
func streamLogs(ctx context.Context, kc kubernetes.Interface, ns, label string) (string, error) {
	pods, err := kc.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: label})
	if err != nil {
		return "", err
	}
	since := metav1.NewTime(time.Now().Add(-9 * 24 * time.Hour))
	var total int64
	var mu sync.Mutex
	var firstErr error
	var wg sync.WaitGroup
	for _, p := range pods.Items {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rc, err := kc.CoreV1().Pods(ns).GetLogs(p.Name, &corev1.PodLogOptions{Container: p.Spec.Containers[0].Name, SinceTime: &since, LimitBytes: ptr.To[int64](256 << 20)}).Stream(ctx)
			var n int64
			if err == nil {
				n, err = io.Copy(io.Discard, rc)
				rc.Close()
			}
			mu.Lock()
			defer mu.Unlock()
			total += n
			if err != nil && firstErr == nil {
				firstErr = err
			}
		}()
	}
	wg.Wait()
	return fmt.Sprintf("%d pods, %d bytes", len(pods.Items), total), firstErr
}
