package testenv

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Prometheus is a running Prometheus server on 127.0.0.1.
type Prometheus struct {
	URL     string // http://127.0.0.1:PORT
	Dir     string
	LogPath string
	proc    *process
}

// PrometheusOptions tune StartPrometheus.
type PrometheusOptions struct {
	Bins Bins
	Dir  string // data, configuration and log
	// Targets are host:port pairs scraped every Interval at /metrics.
	Targets []string
	// Rules is the text of a rule file (alerting rules), evaluated every
	// Interval.
	Rules string
	// Interval is the scrape and rule evaluation interval; default 1s.
	Interval time.Duration
	// Backfill is OpenMetrics text (ending in "# EOF") loaded with
	// `promtool tsdb create-blocks-from openmetrics` before the server starts,
	// for deterministic history.
	Backfill string
	// Listen overrides the listen address (default 127.0.0.1 and a free port).
	Listen string
	// Wrap, when set, prefixes the command (e.g. `ip netns exec NAME`).
	Wrap []string
}

// StartPrometheus writes a configuration, back-fills history if asked, and
// starts Prometheus; it returns when /-/ready answers 200.
func StartPrometheus(ctx context.Context, o PrometheusOptions) (*Prometheus, error) {
	data := filepath.Join(o.Dir, "data")
	if err := os.MkdirAll(data, 0o700); err != nil {
		return nil, fmt.Errorf("prometheus data dir: %w", err)
	}
	if o.Backfill != "" {
		in := filepath.Join(o.Dir, "backfill.om")
		if err := os.WriteFile(in, []byte(o.Backfill), 0o600); err != nil {
			return nil, fmt.Errorf("write backfill: %w", err)
		}
		out, err := exec.CommandContext(ctx, o.Bins.Promtool, "tsdb", "create-blocks-from", "openmetrics", in, data).CombinedOutput()
		if err != nil {
			return nil, fmt.Errorf("promtool create-blocks-from openmetrics: %w: %s", err, out)
		}
	}
	var cfg strings.Builder
	interval := o.Interval
	if interval <= 0 {
		interval = time.Second
	}
	fmt.Fprintf(&cfg, "global:\n  scrape_interval: %dms\n  evaluation_interval: %dms\n", interval.Milliseconds(), interval.Milliseconds())
	if o.Rules != "" {
		rules := filepath.Join(o.Dir, "rules.yaml")
		if err := os.WriteFile(rules, []byte(o.Rules), 0o600); err != nil {
			return nil, fmt.Errorf("write rules: %w", err)
		}
		fmt.Fprintf(&cfg, "rule_files: [%q]\n", rules)
	}
	if len(o.Targets) > 0 {
		cfg.WriteString("scrape_configs:\n- job_name: rotation\n  static_configs:\n  - targets:\n")
		for _, t := range o.Targets {
			fmt.Fprintf(&cfg, "    - %q\n", t)
		}
	}
	cfgPath := filepath.Join(o.Dir, "prometheus.yml")
	if err := os.WriteFile(cfgPath, []byte(cfg.String()), 0o600); err != nil {
		return nil, fmt.Errorf("write prometheus.yml: %w", err)
	}
	listen := o.Listen
	if listen == "" {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		listen = hostPort("127.0.0.1", port)
	}
	p := &Prometheus{URL: "http://" + listen, Dir: o.Dir, LogPath: filepath.Join(o.Dir, "prometheus.log")}
	args := append(append([]string(nil), o.Wrap...), o.Bins.Prometheus,
		"--config.file="+cfgPath,
		"--storage.tsdb.path="+data,
		"--storage.tsdb.retention.time=30d",
		"--web.listen-address="+listen,
		"--log.level=warn",
	)
	var err error
	p.proc, err = startProcess("prometheus", p.LogPath, minimalEnv(o.Dir), args[0], args[1:]...)
	if err != nil {
		return nil, err
	}
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := waitHTTP(wctx, p.proc, nil, p.URL+"/-/ready", func(c int) bool { return c == http.StatusOK }); err != nil {
		p.Stop()
		return nil, err
	}
	return p, nil
}

// Stop ends the server.
func (p *Prometheus) Stop() {
	if p.proc != nil {
		p.proc.stop()
	}
}

// Sample is one series value served by an Exporter.
type Sample struct {
	Name   string
	Labels map[string]string
	Value  float64
}

// Exporter serves /metrics on 127.0.0.1 in the Prometheus text format, with
// samples that tests and the lab set by key (e.g. one key per test namespace,
// so tests sharing a Prometheus do not disturb each other).
type Exporter struct {
	Addr string // host:port
	srv  *http.Server

	mu   sync.Mutex
	sets map[string][]Sample
}

// StartExporter listens on 127.0.0.1 at a free port.
func StartExporter() (*Exporter, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("exporter listen: %w", err)
	}
	e := &Exporter{Addr: ln.Addr().String(), sets: map[string][]Sample{}}
	e.srv = &http.Server{Handler: http.HandlerFunc(e.serve), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = e.srv.Serve(ln) }()
	return e, nil
}

// Set replaces the samples under key.
func (e *Exporter) Set(key string, samples []Sample) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.sets[key] = append([]Sample(nil), samples...)
}

// Close stops the exporter.
func (e *Exporter) Close() { _ = e.srv.Close() }

func (e *Exporter) serve(w http.ResponseWriter, _ *http.Request) {
	e.mu.Lock()
	var all []Sample
	for _, s := range e.sets {
		all = append(all, s...)
	}
	e.mu.Unlock()
	w.Header().Set("Content-Type", "text/plain; version=0.0.4")
	_, _ = w.Write([]byte(FormatSamples(all)))
}

// FormatSamples renders samples in the text exposition format, grouped by
// metric name (untyped), in a stable order.
func FormatSamples(samples []Sample) string {
	lines := make([]string, 0, len(samples))
	for _, s := range samples {
		lines = append(lines, s.Name+formatLabels(s.Labels)+" "+strconv.FormatFloat(s.Value, 'g', -1, 64))
	}
	sort.Strings(lines)
	if len(lines) == 0 {
		return ""
	}
	return strings.Join(lines, "\n") + "\n"
}

var labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

func formatLabels(l map[string]string) string {
	if len(l) == 0 {
		return ""
	}
	keys := make([]string, 0, len(l))
	for k := range l {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + `="` + labelEscaper.Replace(l[k]) + `"`
	}
	return "{" + strings.Join(parts, ",") + "}"
}
