package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/faults"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/lab"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/testenv"
)

// The fault suite (issue 10): one row per fault, each put between the tool
// and a real server (toxiproxy for latency and black holes, small servers
// of internal/faults for what a TCP proxy cannot do). Every row runs
// `report -o json` and `snapshot -o json` in-process and asserts:
//
//   - the command returns within the request timeout + 5 s (a refused
//     connection: the failing source answers in under 1 s);
//   - no panic;
//   - the failing source is named in sources[] with an actionable reason
//     (a few key words per row), and the other sources are ok;
//   - no scenario that depends on the failing source is "clear" (Vault:
//     Scenarios 1–4; Kubernetes: all; logs: 1, 2, 6); with Prometheus
//     unread the alerts are unknown (facts.firingAlerts absent or null)
//     and the overall is never "none";
//   - the exit code: 4 for usage and configuration errors, 3 could not
//     tell, 2 when something critical is known (a sealed Vault);
//   - no token or secret value in the output, whatever the error.
//
// The lab is healthy, so with no fault (row zero) the report is exit 0.
// Rows run concurrently (they share no broken server: every fault is a
// proxy or a server of the row's own); the rows that need an environment
// variable of their own run one by one afterwards. Each row's time is
// logged, and a Markdown table of every row at the end (also written to
// the file named by KR_FAULT_TABLE, when set, for docs/PERFORMANCE.md).

// faultTimeout is the request timeout the rows pass (--request-timeout
// and the config's vault/prometheus requestTimeout), to keep the suite fast.
const faultTimeout = 3 * time.Second

// timeoutWords are the words of a reason that says a server did not answer
// in time.
const timeoutWords = "timed out|timeout|did not answer|deadline|not answer"

// faultEnv is what every row starts from: the shared servers, a healthy lab
// in a namespace of its own, and an admin kubeconfig defaulting to it.
type faultEnv struct {
	e  *testenv.Env
	w  lab.World
	kc []byte // admin kubeconfig (context namespace: the lab's)
	// prom is a Prometheus of the suite's own, with the lab's alert rules
	// (without the runbook's rules the alerts are unknown: no exit 0)
	prom string
}

// faultCall is how one row runs the tool.
type faultCall struct {
	kubeconfig string        // --kubeconfig FILE
	vaultAddr  string        // --vault-addr ("" leaves the flag out)
	promURL    string        // --prometheus-url ("" leaves it out)
	config     string        // --config FILE
	timeout    time.Duration // request timeout (default faultTimeout)
	extra      []string      // more flags
	env        map[string]string
	// named are words the failing source's reason must hold as well
	// (e.g. the address that refused).
	named []string
	// logCounts, when set, checks the snapshot's audit-log parse counts
	// and the report's (junk rows).
	logCounts func(snap faultSnapshot, report []byte) []string
	// secrets must never appear in the output (tokens, secret values).
	secrets []string
}

// faultWant is what a row asserts.
type faultWant struct {
	exit []int // accepted report exit codes
	// usage: a usage or configuration error: exit 4, nothing on stdout,
	// stderr holds reason.
	usage bool
	// failing sources must not be ok; their reason holds every entry of
	// reason (an entry "a|b" holds a or b, case-insensitive).
	failing []string
	reason  []string
	// slow sources may be ok, or not ok with a reason saying they did
	// not answer in time (latency rows).
	slow []string
	// loose sources may be in any state (e.g. the Job log tails in the
	// kubernetes source when the kubelet is down).
	loose []string
	// refused: the failing source answers in under a second.
	refused bool
	// notClear are the scenario numbers that must not be clear (when a
	// slow source was not read, those of that source).
	notClear []int
	// alertsUnknown: Prometheus was not read, so facts.firingAlerts is
	// absent or null and overall is never "none".
	alertsUnknown bool
	// noActive: no scenario is active or suspected (junk in the evidence
	// or a wrong namespace makes no finding).
	noActive bool
	// anywhere are words the report must hold somewhere.
	anywhere []string
}

type faultRow struct {
	name string
	// alone: the row sets environment variables (faultCall.env), which
	// are the process's: it runs after the concurrent rows, by itself.
	alone bool
	setup func(t *testing.T, f *faultEnv, c *faultCall)
	want  faultWant
}

// Scenario numbers that depend on each source (runbook/triage.go). The
// logs (audit events, renewal lines) feed Scenario 1's failing tenants, 2's
// permission-denied renewals and 6; Scenario 5 reads them only for a run
// that hit its deadline, which the healthy lab has not.
var (
	vaultScenarios = []int{1, 2, 3, 4}
	kubeScenarios  = []int{1, 2, 3, 4, 5, 6}
	logsScenarios  = []int{1, 2, 6}
)

func faultRows() []faultRow {
	apiHostPort := func(f *faultEnv) string { return strings.TrimPrefix(f.e.Kube.APIServerURL(), "https://") }
	vaultHostPort := func(f *faultEnv) string { return strings.TrimPrefix(f.e.Vault.Addr, "http://") }
	promHostPort := func(f *faultEnv) string { return strings.TrimPrefix(f.prom, "http://") }
	vaultErr := `{"errors":["internal error"]}`
	return []faultRow{
		{name: "00 healthy lab", want: faultWant{exit: []int{0}}},

		// --- Vault ---
		{name: "vault sealed", setup: func(t *testing.T, f *faultEnv, c *faultCall) {
			c.vaultAddr = faults.SealedVault(t, f.e)
		}, want: faultWant{exit: []int{2}, failing: []string{"vault"}, reason: []string{"sealed"}, notClear: vaultScenarios}},
		{name: "vault stopped", setup: func(t *testing.T, f *faultEnv, c *faultCall) {
			c.vaultAddr = faults.StoppedVault(t, f.e)
			c.named = []string{strings.TrimPrefix(c.vaultAddr, "http://")}
		}, want: faultWant{exit: []int{3}, failing: []string{"vault"}, reason: []string{"refused"}, refused: true, notClear: vaultScenarios}},
		{name: "vault blackhole", setup: func(t *testing.T, f *faultEnv, c *faultCall) {
			p := faults.NewProxy(t, vaultHostPort(f))
			p.Blackhole(t)
			c.vaultAddr = p.URL("http")
		}, want: faultWant{exit: []int{3}, failing: []string{"vault"}, reason: []string{timeoutWords}, notClear: vaultScenarios}},
		{name: "vault +3s latency", setup: func(t *testing.T, f *faultEnv, c *faultCall) {
			p := faults.NewProxy(t, vaultHostPort(f))
			p.Latency(t, 3*time.Second)
			c.vaultAddr, c.timeout = p.URL("http"), 5*time.Second
		}, want: faultWant{exit: []int{0, 3}, slow: []string{"vault"}, notClear: vaultScenarios}},
		{name: "vault +30s latency", setup: func(t *testing.T, f *faultEnv, c *faultCall) {
			p := faults.NewProxy(t, vaultHostPort(f))
			p.Latency(t, 30*time.Second)
			c.vaultAddr = p.URL("http")
		}, want: faultWant{exit: []int{3}, failing: []string{"vault"}, reason: []string{timeoutWords}, notClear: vaultScenarios}},
		{name: "vault reset mid-response", setup: func(t *testing.T, f *faultEnv, c *faultCall) {
			c.vaultAddr = faults.StartFront(t, faults.ResetMidResponse(faults.Forward(f.e.Vault.Addr))).URL
		}, want: faultWant{exit: []int{3}, failing: []string{"vault"}, reason: []string{"reset|unexpected eof|broke off"}, notClear: vaultScenarios}},
		{name: "vault 403 limited token", alone: true, setup: func(t *testing.T, f *faultEnv, c *faultCall) {
			tok := faults.LimitedToken(t, f.e)
			c.env = map[string]string{"VAULT_TOKEN": tok}
			c.secrets = append(c.secrets, tok)
		}, want: faultWant{exit: []int{3}, failing: []string{"vault"}, reason: []string{"permission denied|403"}, notClear: vaultScenarios}},
		{name: "vault 500 and 503 on some paths", setup: func(t *testing.T, f *faultEnv, c *faultCall) {
			c.vaultAddr = faults.StartFront(t, faults.Routes(faults.Forward(f.e.Vault.Addr),
				faults.Route{Prefix: "/v1/" + f.w.Names.KVMount + "/metadata", Handler: faults.Respond(500, "application/json", vaultErr)},
				faults.Route{Prefix: "/v1/sys/polic", Handler: faults.Respond(503, "application/json", `{"errors":["Vault is temporarily unavailable"]}`)},
			)).URL
		}, want: faultWant{exit: []int{3}, failing: []string{"vault"}, reason: []string{"500", "503"}, notClear: []int{1, 3, 4}}},
		{name: "vault untrusted TLS", setup: func(t *testing.T, f *faultEnv, c *faultCall) {
			c.vaultAddr = faults.StartTLSFront(t, faults.Forward(f.e.Vault.Addr)).URL
		}, want: faultWant{exit: []int{3}, failing: []string{"vault"}, reason: []string{"--vault-cacert"}, notClear: vaultScenarios}},
		{name: "vault TLS with --vault-cacert", setup: func(t *testing.T, f *faultEnv, c *faultCall) {
			front := faults.StartTLSFront(t, faults.Forward(f.e.Vault.Addr))
			c.vaultAddr = front.URL
			c.extra = append(c.extra, "--vault-cacert", front.CA.WriteCert(t, t.TempDir()))
		}, want: faultWant{exit: []int{0}}},
		{name: "vault malformed VAULT_ADDR", alone: true, setup: func(t *testing.T, f *faultEnv, c *faultCall) {
			c.vaultAddr = ""
			c.env = map[string]string{"VAULT_ADDR": "127.0.0.1:8200"}
		}, want: faultWant{usage: true, reason: []string{"VAULT_ADDR"}}},
		{name: "vault no token", alone: true, setup: func(t *testing.T, f *faultEnv, c *faultCall) {
			c.env = map[string]string{"VAULT_TOKEN": ""}
		}, want: faultWant{exit: []int{3}, failing: []string{"vault"}, reason: []string{"VAULT_TOKEN"}, notClear: vaultScenarios}},

		// --- Prometheus ---
		{name: "prometheus stopped", setup: func(t *testing.T, f *faultEnv, c *faultCall) {
			c.promURL = faults.StoppedPrometheus(t, f.e)
			c.named = []string{strings.TrimPrefix(c.promURL, "http://")}
		}, want: faultWant{exit: []int{3}, failing: []string{"prometheus"}, reason: []string{"refused"}, refused: true, alertsUnknown: true}},
		{name: "prometheus blackhole", setup: func(t *testing.T, f *faultEnv, c *faultCall) {
			p := faults.NewProxy(t, promHostPort(f))
			p.Blackhole(t)
			c.promURL = p.URL("http")
		}, want: faultWant{exit: []int{3}, failing: []string{"prometheus"}, reason: []string{timeoutWords}, alertsUnknown: true}},
		{name: "prometheus +5s latency", setup: func(t *testing.T, f *faultEnv, c *faultCall) {
			p := faults.NewProxy(t, promHostPort(f))
			p.Latency(t, 5*time.Second)
			c.promURL = p.URL("http")
		}, want: faultWant{exit: []int{3}, failing: []string{"prometheus"}, reason: []string{timeoutWords}, alertsUnknown: true}},
		{name: "prometheus HTML instead of JSON", setup: func(t *testing.T, f *faultEnv, c *faultCall) {
			c.promURL = faults.StartFront(t, faults.Respond(200, "text/html; charset=utf-8", faults.HTMLPage)).URL
		}, want: faultWant{exit: []int{3}, failing: []string{"prometheus"}, reason: []string{"html"}, alertsUnknown: true}},
		{name: "prometheus 422 bad query", setup: func(t *testing.T, f *faultEnv, c *faultCall) {
			c.promURL = faults.StartFront(t, faults.Routes(faults.Forward(f.prom),
				faults.Route{Prefix: "/api/v1/query", Handler: faults.Respond(422, "application/json",
					`{"status":"error","errorType":"execution","error":"query processing would load too many samples into memory in query execution"}`)},
			)).URL
		}, want: faultWant{exit: []int{0, 3}, failing: []string{"prometheus"}, reason: []string{"422|execution|too many samples"}}},

		// --- Kubernetes ---
		{name: "kubernetes user without RBAC", setup: func(t *testing.T, f *faultEnv, c *faultCall) {
			kc := faults.AddUser(t, f.e, "faults-nobody-"+randSuffix(), nil, f.w.Namespace)
			c.kubeconfig = faults.WriteFile(t, t.TempDir(), "kubeconfig", kc)
		}, want: faultWant{exit: []int{3}, failing: []string{"kubernetes", "logs"}, reason: []string{"forbidden"}, notClear: kubeScenarios}},
		{name: "kubernetes +3s latency", setup: func(t *testing.T, f *faultEnv, c *faultCall) {
			p := faults.NewProxy(t, apiHostPort(f))
			p.Latency(t, 3*time.Second)
			c.kubeconfig = faults.KubeconfigVia(t, t.TempDir(), f.kc, p.URL("https"), nil)
			c.timeout = 5 * time.Second
		}, want: faultWant{exit: []int{0, 3}, slow: []string{"kubernetes", "logs"}, notClear: kubeScenarios}},
		{name: "kubernetes blackhole", setup: func(t *testing.T, f *faultEnv, c *faultCall) {
			p := faults.NewProxy(t, apiHostPort(f))
			p.Blackhole(t)
			c.kubeconfig = faults.KubeconfigVia(t, t.TempDir(), f.kc, p.URL("https"), nil)
		}, want: faultWant{exit: []int{3}, failing: []string{"kubernetes", "logs"}, reason: []string{timeoutWords}, notClear: kubeScenarios}},
		{name: "kubernetes accepts TLS and never answers", setup: func(t *testing.T, f *faultEnv, c *faultCall) {
			s := faults.StartSilent(t, true)
			c.kubeconfig = faults.KubeconfigVia(t, t.TempDir(), f.kc, s.URL, s.CA.CertPEM)
		}, want: faultWant{exit: []int{3}, failing: []string{"kubernetes", "logs"}, reason: []string{timeoutWords}, notClear: kubeScenarios}},
		{name: "kubernetes 429 with Retry-After", setup: func(t *testing.T, f *faultEnv, c *faultCall) {
			front := faults.StartTLSFront(t, faults.Respond(429, "application/json",
				`{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Too many requests, please try again later.","reason":"TooManyRequests","details":{"retryAfterSeconds":30},"code":429}`,
				"Retry-After", "30"))
			c.kubeconfig = faults.KubeconfigVia(t, t.TempDir(), f.kc, front.URL, front.CA.CertPEM)
		}, want: faultWant{exit: []int{3}, failing: []string{"kubernetes", "logs"}, reason: []string{"429|too many requests|throttl|rate limit"}, notClear: kubeScenarios}},
		{name: "kubernetes closed port", setup: func(t *testing.T, f *faultEnv, c *faultCall) {
			addr := faults.ClosedAddr(t)
			c.kubeconfig = faults.KubeconfigVia(t, t.TempDir(), f.kc, "https://"+addr, nil)
			c.named = []string{addr}
		}, want: faultWant{exit: []int{3}, failing: []string{"kubernetes", "logs"}, reason: []string{"refused"}, refused: true, notClear: kubeScenarios}},
		{name: "kubernetes garbage kubeconfig", setup: func(t *testing.T, f *faultEnv, c *faultCall) {
			junk := make([]byte, 2048)
			_, _ = rand.Read(junk)
			c.kubeconfig = faults.WriteFile(t, t.TempDir(), "kubeconfig", append([]byte("apiVersion: v1\nclusters: [\x00"), junk...))
		}, want: faultWant{usage: true, reason: []string{"kubeconfig"}}},
		{name: "kubernetes missing namespace", setup: func(t *testing.T, f *faultEnv, c *faultCall) {
			c.extra = append(c.extra, "--namespace", "faults-no-such-namespace")
		}, want: faultWant{exit: []int{3}, loose: []string{"kubernetes", "logs"}, noActive: true, notClear: kubeScenarios,
			anywhere: []string{"faults-no-such-namespace", "--namespace"}}},

		// --- logs (through the kubelet of a Node of the row's own) ---
		{name: "logs kubelet endpoint down", setup: func(t *testing.T, f *faultEnv, c *faultCall) {
			port := portOf(t, faults.ClosedAddr(t))
			node := faults.RegisterNode(t, f.e.Kube.Client, "faults-kubelet-down-"+randSuffix(), port)
			logWorld(t, f, c, node, faults.DiscardLogs{})
		}, want: faultWant{exit: []int{3}, failing: []string{"logs"}, reason: []string{"kubelet"}, loose: []string{"kubernetes"}, notClear: logsScenarios}},
		{name: "logs binary junk", setup: func(t *testing.T, f *faultEnv, c *faultCall) {
			junk := binaryJunk(t, 25)
			junkLogWorld(t, f, c, func(data []byte) []byte { return insertMiddle(data, junk) })
			c.logCounts = wantCount("notJSON", 25)
		}, want: faultWant{exit: []int{0, 3}, loose: []string{"logs"}, noActive: true}},
		{name: "logs a 5 MB line", setup: func(t *testing.T, f *faultEnv, c *faultCall) {
			line := `{"level":"info","action":"cmek.rotation.note","msg":"` + strings.Repeat("x", 5<<20) + `"}` + "\n"
			junkLogWorld(t, f, c, func(data []byte) []byte { return insertMiddle(data, []byte(line)) })
			c.logCounts = wantCount("oversized", 1)
		}, want: faultWant{exit: []int{0, 3}, loose: []string{"logs"}, noActive: true}},
		{name: "logs truncated JSON", setup: func(t *testing.T, f *faultEnv, c *faultCall) {
			cut := `{"timestamp":"2026-01-01T02:00:04Z","action":"cmek.rotation.completed","outcome":"success","tenant":"t-0` + "\n" +
				`{"action":"cmek.rotation.started","outcome":"pending","tenantId":` + "\n" +
				`{"action":"cmek.rotation.completed","outcome":"succ`
			junkLogWorld(t, f, c, func(data []byte) []byte {
				return append(insertMiddle(data, []byte(cut+"\n")), []byte(`{"action":"cmek.rotation.completed","tenant_id":"t-00`)...)
			})
			c.logCounts = wantCount("notJSON", 4)
		}, want: faultWant{exit: []int{0, 3}, loose: []string{"logs"}, noActive: true}},

		// --- configuration ---
		{name: "config syntax error", setup: func(t *testing.T, f *faultEnv, c *faultCall) {
			c.config = faults.WriteFile(t, t.TempDir(), "syntax.yaml", []byte("vault:\n  kvMount: [unclosed\n  policy: x\n"))
			c.named = []string{c.config}
		}, want: faultWant{usage: true}},
		{name: "config unknown key", setup: func(t *testing.T, f *faultEnv, c *faultCall) {
			c.config = faults.WriteFile(t, t.TempDir(), "unknown.yaml", []byte("vault:\n  kvMonut: secret\n"))
		}, want: faultWant{usage: true, reason: []string{"kvMonut"}}},
		{name: "config bad duration", setup: func(t *testing.T, f *faultEnv, c *faultCall) {
			c.config = faults.WriteFile(t, t.TempDir(), "duration.yaml", []byte("vault:\n  requestTimeout: 3 seconds\n"))
		}, want: faultWant{usage: true, reason: []string{"requestTimeout", "3 seconds"}}},
		{name: "config missing file", setup: func(t *testing.T, f *faultEnv, c *faultCall) {
			c.config = filepath.Join(t.TempDir(), "no-such-config.yaml")
			c.named = []string{c.config}
		}, want: faultWant{usage: true}},
	}
}

// TestFaults is the fault suite (see the comment at the top of the file).
func TestFaults(t *testing.T) {
	isolateEnv(t)
	e := testenv.Get(t)
	t.Setenv("VAULT_TOKEN", e.Vault.RootToken)
	w := lab.SeedTB(t, e, lab.Options{Tenants: 12})
	f := &faultEnv{e: e, w: w}
	f.kc = faults.AddUser(t, e, "faults-admin-"+w.Namespace, []string{"system:masters"}, w.Namespace)
	p, err := testenv.StartPrometheus(context.Background(), testenv.PrometheusOptions{
		Bins: e.Bins, Dir: e.TempDir(t), Targets: []string{e.Exporter.Addr}, Rules: w.Seeded.Rules, Backfill: w.Seeded.Backfill})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Stop)
	f.prom = p.URL
	waitRulesEvaluated(t, p.URL)

	var mu sync.Mutex
	results := map[string]*faultResult{}
	record := func(r *faultResult) {
		mu.Lock()
		defer mu.Unlock()
		results[r.row] = r
	}
	rows := faultRows()
	// Rows with an environment of their own change the process's
	// environment: they run one by one after the others.
	var concurrent, alone []faultRow
	for _, r := range rows {
		if r.alone {
			alone = append(alone, r)
		} else {
			concurrent = append(concurrent, r)
		}
	}
	start := time.Now()
	sem := make(chan struct{}, 6)
	var wg sync.WaitGroup
	for _, r := range concurrent {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			// t.Run may be called from several goroutines at once; the
			// subtests are not t.Parallel, so -parallel does not cap them.
			t.Run(r.name, func(t *testing.T) { runFaultRow(t, f, r, record) })
		}()
	}
	wg.Wait()
	for _, r := range alone {
		t.Run(r.name, func(t *testing.T) { runFaultRow(t, f, r, record) })
	}
	t.Logf("fault suite: %d rows in %s", len(rows), time.Since(start).Round(100*time.Millisecond))
	logFaultTable(t, rows, results)
}

// faultResult is one row's outcome, for the table at the end.
type faultResult struct {
	row              string
	report, snapshot time.Duration
	failures         []string
	failed           bool // the row failed (also when its setup did)
}

// runFaultRow runs one row and hands its result to record, also when the
// row's setup fails the test.
func runFaultRow(t *testing.T, f *faultEnv, r faultRow, record func(*faultResult)) {
	res := &faultResult{row: r.name}
	defer func() {
		res.failed = t.Failed()
		record(res)
	}()
	c := &faultCall{
		kubeconfig: faults.WriteFile(t, t.TempDir(), "kubeconfig", f.kc),
		vaultAddr:  f.e.Vault.Addr,
		promURL:    f.prom,
		secrets:    []string{f.e.Vault.RootToken, f.w.Seeded.SecretMarker},
	}
	if r.setup != nil {
		r.setup(t, f, c)
	}
	if c.timeout == 0 {
		c.timeout = faultTimeout
	}
	if c.config == "" {
		c.config = faultConfig(t, f.w.Names, c.timeout)
	}
	if len(c.env) > 0 && !r.alone {
		t.Fatalf("row %q sets environment variables but is not marked alone", r.name)
	}
	for k, v := range c.env {
		t.Setenv(k, v)
	}
	fail := func(format string, args ...any) {
		msg := fmt.Sprintf(format, args...)
		res.failures = append(res.failures, msg)
		t.Error(msg)
	}
	bound := c.timeout + 5*time.Second

	// report -o json
	out := invoke(t, append([]string{"report", "-o", "json"}, c.args()...), bound)
	res.report = out.elapsed
	if rep := checkReport(fail, r.want, c, out, bound); rep != nil {
		for _, src := range rep.Sources {
			if src.State != "ok" {
				t.Logf("report: source %s %s (%s): %s", src.Source, src.State, src.Latency, src.reason())
			}
		}
		t.Logf("report: exit %d, overall %s, %s", out.code, rep.Overall, findingsLine(*rep))
	} else if r.want.usage {
		t.Logf("report: exit %d, stderr %q", out.code, strings.TrimSpace(out.stderr))
	}

	// snapshot -o json
	sout := invoke(t, append([]string{"snapshot", "-o", "json"}, c.args()...), bound)
	res.snapshot = sout.elapsed
	checkSnapshot(fail, r.want, c, sout, bound, out.stdout)

	t.Logf("row %q: report %s (exit %d), snapshot %s (exit %d), bound %s",
		r.name, out.elapsed.Round(10*time.Millisecond), out.code, sout.elapsed.Round(10*time.Millisecond), sout.code, bound)
}

func (c *faultCall) args() []string {
	a := []string{"--kubeconfig", c.kubeconfig, "--config", c.config, "--request-timeout", c.timeout.String()}
	if c.vaultAddr != "" {
		a = append(a, "--vault-addr", c.vaultAddr)
	}
	if c.promURL != "" {
		a = append(a, "--prometheus-url", c.promURL)
	}
	return append(a, c.extra...)
}

// faultConfig writes the configuration naming the lab's Vault mounts, with
// the given request timeout for Vault and Prometheus.
func faultConfig(t *testing.T, n lab.Names, timeout time.Duration) string {
	t.Helper()
	return faults.WriteFile(t, t.TempDir(), "config.yaml", []byte(fmt.Sprintf(
		"vault:\n  kvMount: %s\n  kubernetesAuthMount: %s\n  policy: %s\n  requestTimeout: %s\nprometheus:\n  requestTimeout: %s\n",
		n.KVMount, n.AuthMount, n.Policy, timeout, timeout)))
}

// invocation is one run of the command.
type invocation struct {
	code           int
	stdout, stderr string
	elapsed        time.Duration
	panicked       string
	hung           bool
}

// invoke runs the command line in-process and waits for it up to bound +
// 10 s; a command still running then is reported as hung (and left to end
// when the row's servers close).
func invoke(t *testing.T, args []string, bound time.Duration) invocation {
	t.Helper()
	streams, _, out, errOut := genericiooptions.NewTestIOStreams()
	done := make(chan invocation, 1)
	start := time.Now()
	go func() {
		var inv invocation
		defer func() {
			if p := recover(); p != nil {
				inv.panicked = fmt.Sprint(p)
			}
			inv.elapsed = time.Since(start)
			done <- inv
		}()
		inv.code = run(args, streams)
	}()
	select {
	case inv := <-done:
		inv.stdout, inv.stderr = out.String(), errOut.String()
		return inv
	case <-time.After(bound + 10*time.Second):
		return invocation{hung: true, elapsed: time.Since(start), code: -1}
	}
}

// faultSource is a source's status as the JSON shows it.
type faultSource struct {
	Source   string `json:"source"`
	State    string `json:"state"`
	Error    string `json:"error"`
	Problems []struct {
		Part  string `json:"part"`
		Error string `json:"error"`
	} `json:"problems"`
	Latency string `json:"latency"`
}

func (s faultSource) reason() string {
	var b strings.Builder
	b.WriteString(s.Error)
	for _, p := range s.Problems {
		b.WriteString(" | " + p.Part + ": " + p.Error)
	}
	return b.String()
}

// faultReport is the part of the JSON report the suite reads (its own
// struct, so the suite keeps compiling while the report type changes).
type faultReport struct {
	ExitCode int    `json:"exitCode"`
	Overall  string `json:"overall"`
	Findings []struct {
		ID      string   `json:"id"`
		Number  int      `json:"number"`
		Status  string   `json:"status"`
		Summary string   `json:"summary"`
		Unknown []string `json:"unknown"`
	} `json:"findings"`
	Facts   map[string]json.RawMessage `json:"facts"`
	Sources []faultSource              `json:"sources"`
}

// faultSnapshot is the part of the snapshot the suite reads.
type faultSnapshot struct {
	Sources []faultSource `json:"sources"`
	Logs    *struct {
		Audit map[string]json.RawMessage `json:"audit"`
	} `json:"logs"`
}

func sourceOf(list []faultSource, name string) (faultSource, bool) {
	for _, s := range list {
		if s.Source == name {
			return s, true
		}
	}
	return faultSource{}, false
}

// holds reports whether text holds the alternative words of want ("a|b"),
// case-insensitive.
func holds(text, want string) bool {
	lt := strings.ToLower(text)
	for _, alt := range strings.Split(want, "|") {
		if strings.Contains(lt, strings.ToLower(alt)) {
			return true
		}
	}
	return false
}

type failFunc func(format string, args ...any)

// checkCommon checks what every command shares: no hang, no panic, the
// time bound.
func checkCommon(fail failFunc, what string, c *faultCall, inv invocation, bound time.Duration) bool {
	switch {
	case inv.hung:
		fail("%s did not return within %s (bound %s): hung", what, inv.elapsed.Round(100*time.Millisecond), bound)
		return false
	case inv.panicked != "":
		fail("%s panicked: %s", what, inv.panicked)
		return false
	}
	if inv.elapsed > bound {
		fail("%s took %s, over the bound %s (request timeout + 5 s)", what, inv.elapsed.Round(100*time.Millisecond), bound)
	}
	if strings.Contains(inv.stderr, "panic:") || strings.Contains(inv.stderr, "goroutine ") {
		fail("%s wrote a panic to stderr: %.300s", what, inv.stderr)
	}
	for _, sec := range c.secrets {
		if sec != "" && strings.Contains(inv.stdout+inv.stderr, sec) {
			fail("%s printed a secret (a token or a secret value) in its output", what)
		}
	}
	return true
}

// checkUsage checks a usage or configuration error: exit 4, nothing on
// stdout, the reason (and the named words) on stderr.
func checkUsage(fail failFunc, what string, w faultWant, c *faultCall, inv invocation) {
	if inv.code != 4 {
		fail("%s: exit %d, want 4 (usage/configuration error); stderr %q", what, inv.code, firstLine(inv.stderr))
	}
	if inv.stdout != "" {
		fail("%s: wrote %d bytes to stdout on a configuration error, want none: %.200s", what, len(inv.stdout), inv.stdout)
	}
	for _, word := range append(append([]string(nil), w.reason...), c.named...) {
		if !holds(inv.stderr, word) {
			fail("%s: stderr does not name %q: %q", what, word, strings.TrimSpace(inv.stderr))
		}
	}
}

// checkSources checks the failing, slow and other sources; it returns the
// sources that were not read.
func checkSources(fail failFunc, what string, w faultWant, c *faultCall, sources []faultSource) (unread []string) {
	for _, name := range []string{"kubernetes", "logs", "vault", "prometheus"} {
		s, ok := sourceOf(sources, name)
		if !ok {
			fail("%s: sources[] has no %s", what, name)
			continue
		}
		switch {
		case slices.Contains(w.failing, name):
			unread = append(unread, name)
			if s.State == "ok" {
				fail("%s: source %s is ok, want it named as failing (%s)", what, name, strings.Join(w.reason, ", "))
				continue
			}
			for _, word := range append(append([]string(nil), w.reason...), c.named...) {
				if !holds(s.reason(), word) {
					fail("%s: source %s (%s) does not say %q: %s", what, name, s.State, word, s.reason())
				}
			}
			if w.refused {
				if d, err := time.ParseDuration(s.Latency); err != nil || d >= time.Second {
					fail("%s: source %s took %s on a refused connection, want under 1s", what, name, s.Latency)
				}
			}
		case slices.Contains(w.slow, name):
			if s.State != "ok" {
				unread = append(unread, name)
				if !holds(s.reason(), timeoutWords) {
					fail("%s: slow source %s is %s without saying it did not answer in time: %s", what, name, s.State, s.reason())
				}
			}
		case slices.Contains(w.loose, name):
			if s.State != "ok" {
				unread = append(unread, name)
			}
		default:
			if s.State != "ok" {
				fail("%s: source %s is %s, want ok (the fault is elsewhere): %s", what, name, s.State, s.reason())
			}
		}
	}
	return unread
}

// checkReport checks a report run; it returns the report read, or nil.
func checkReport(fail failFunc, w faultWant, c *faultCall, inv invocation, bound time.Duration) *faultReport {
	const what = "report"
	if !checkCommon(fail, what, c, inv, bound) {
		return nil
	}
	if w.usage {
		checkUsage(fail, what, w, c, inv)
		return nil
	}
	var r faultReport
	if err := json.Unmarshal([]byte(inv.stdout), &r); err != nil {
		fail("report: stdout is not a JSON report (%v); exit %d, stderr %q", err, inv.code, firstLine(inv.stderr))
		return nil
	}
	if !slices.Contains(w.exit, inv.code) {
		fail("report: exit %d, want %s; overall %s, %s", inv.code, codes(w.exit), r.Overall, findingsLine(r))
	}
	if r.ExitCode != inv.code {
		fail("report: JSON exitCode %d but the process exit code is %d", r.ExitCode, inv.code)
	}
	unread := checkSources(fail, what, w, c, r.Sources)
	if len(unread) > 0 && len(w.notClear) > 0 {
		for _, fd := range r.Findings {
			if slices.Contains(w.notClear, fd.Number) && fd.Status == "clear" {
				fail("report: scenario %d %s is clear although %s was not read (a scenario is clear only when every symptom was observed absent)",
					fd.Number, fd.ID, strings.Join(unread, ", "))
			}
		}
	}
	if w.alertsUnknown {
		if raw, ok := r.Facts["firingAlerts"]; ok && string(raw) != "null" {
			fail("report: facts.firingAlerts is %s although Prometheus was not read; want it absent or null (unknown, never zero)", raw)
		}
		if r.Overall == "none" {
			fail("report: overall is \"none\" (all clear) although Prometheus, and so the firing alerts, could not be read")
		}
	}
	if w.noActive {
		for _, fd := range r.Findings {
			if fd.Status == "active" || fd.Status == "suspected" {
				fail("report: scenario %d %s is %s (%s); this fault must not make a finding", fd.Number, fd.ID, fd.Status, fd.Summary)
			}
		}
	}
	for _, word := range w.anywhere {
		if !holds(inv.stdout, word) {
			fail("report: the report never says %q; %s", word, findingsLine(r))
		}
	}
	if len(w.failing) == 0 && len(w.slow) == 0 && len(w.loose) == 0 && !w.noActive {
		// a healthy row: nothing may be unknown
		for _, fd := range r.Findings {
			if fd.Status != "clear" {
				fail("report: scenario %d %s is %s on a healthy lab: %s %v", fd.Number, fd.ID, fd.Status, fd.Summary, fd.Unknown)
			}
		}
	}
	return &r
}

func checkSnapshot(fail failFunc, w faultWant, c *faultCall, inv invocation, bound time.Duration, report string) {
	const what = "snapshot"
	if !checkCommon(fail, what, c, inv, bound) {
		return
	}
	if w.usage {
		checkUsage(fail, what, w, c, inv)
		return
	}
	if inv.code != 0 {
		fail("snapshot: exit %d, want 0 (the snapshot was written); stderr %q", inv.code, firstLine(inv.stderr))
	}
	var s faultSnapshot
	if err := json.Unmarshal([]byte(inv.stdout), &s); err != nil {
		fail("snapshot: stdout is not JSON (%v); stderr %q", err, firstLine(inv.stderr))
		return
	}
	checkSources(fail, what, w, c, s.Sources)
	if c.logCounts != nil {
		for _, msg := range c.logCounts(s, []byte(report)) {
			fail("%s", msg)
		}
	}
}

// wantCount checks that the snapshot's audit-log summary counts at least n
// lines of the kind (notJSON, oversized), and that the report carries the
// same count (issue 10 item 9: evidence about the evidence).
func wantCount(kind string, n int) func(faultSnapshot, []byte) []string {
	return func(s faultSnapshot, report []byte) []string {
		var msgs []string
		if st, _ := sourceOf(s.Sources, "logs"); st.State != "ok" && st.State != "partial" {
			msgs = append(msgs, fmt.Sprintf("snapshot: source logs is %s, want ok or partial (junk in a log is counted, never fatal): %s", st.State, st.reason()))
		}
		switch {
		case s.Logs == nil:
			msgs = append(msgs, "snapshot: no logs data, want the audit log's parse counts")
		default:
			var got int
			if raw, ok := s.Logs.Audit[kind]; !ok || json.Unmarshal(raw, &got) != nil || got < n {
				msgs = append(msgs, fmt.Sprintf("snapshot: logs.audit.%s = %s, want at least %d", kind, s.Logs.Audit[kind], n))
			}
		}
		var doc any
		if err := json.Unmarshal(report, &doc); err != nil {
			return append(msgs, "report: not JSON, cannot look for the audit log's parse counts")
		}
		if best, found := maxKey(doc, strings.ToLower(kind)); !found {
			msgs = append(msgs, fmt.Sprintf("report: carries no audit-log parse count %q (lines read, not JSON, oversized: issue 10 item 9)", kind))
		} else if best < float64(n) {
			msgs = append(msgs, fmt.Sprintf("report: audit-log parse count %q is %g, want at least %d", kind, best, n))
		}
		return msgs
	}
}

// maxKey finds the largest number stored under a key equal to key
// (case-insensitive) anywhere in a decoded JSON document.
func maxKey(doc any, key string) (float64, bool) {
	best, found := 0.0, false
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, val := range x {
				if n, ok := val.(float64); ok && strings.ToLower(k) == key {
					if !found || n > best {
						best = n
					}
					found = true
				}
				walk(val)
			}
		case []any:
			for _, val := range x {
				walk(val)
			}
		}
	}
	walk(doc)
	return best, found
}

// logWorld seeds a lab of the row's own whose pods run on node (whose
// kubelet endpoint the row controls) and points the call at it.
func logWorld(t *testing.T, f *faultEnv, c *faultCall, node string, logs lab.LogSink) {
	t.Helper()
	w := faults.SeedOnNode(t, f.e, lab.Options{Tenants: 12}, node, logs)
	kc := faults.AddUser(t, f.e, "faults-admin-"+w.Namespace, []string{"system:masters"}, w.Namespace)
	c.kubeconfig = faults.WriteFile(t, t.TempDir(), "kubeconfig", kc)
	c.config = faultConfig(t, w.Names, faultTimeout)
}

// junkLogWorld seeds a lab of the row's own behind a kubelet log server of
// its own, with mangle applied to the orchestrator pods' logs (where the
// audit events are).
func junkLogWorld(t *testing.T, f *faultEnv, c *faultCall, mangle func([]byte) []byte) {
	t.Helper()
	ls, err := testenv.StartLogServer()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ls.Close)
	node := faults.RegisterNode(t, f.e.Kube.Client, "faults-kubelet-"+randSuffix(), ls.Port)
	logWorld(t, f, c, node, faults.MangleLogs{Logs: ls, Mangle: func(_, _, container string, data []byte) []byte {
		if container != "orchestrator" {
			return nil
		}
		return mangle(data)
	}})
}

// insertMiddle puts junk (whole lines) after the middle line of data.
func insertMiddle(data, junk []byte) []byte {
	lines := bytes.SplitAfter(data, []byte("\n"))
	mid := len(lines) / 2
	var out []byte
	for i, l := range lines {
		if i == mid {
			out = append(out, junk...)
		}
		out = append(out, l...)
	}
	return out
}

// binaryJunk returns n lines of random bytes (no newline inside a line),
// with NULs, invalid UTF-8 and terminal escapes among them.
func binaryJunk(t *testing.T, n int) []byte {
	t.Helper()
	var b bytes.Buffer
	for i := 0; i < n; i++ {
		line := make([]byte, 200)
		if _, err := rand.Read(line); err != nil {
			t.Fatal(err)
		}
		line = bytes.ReplaceAll(line, []byte("\n"), []byte{0})
		if i%5 == 0 {
			line = append([]byte("\x1b[2J\x1b]0;pwned\x07{\xff\xfe"), line...)
		}
		b.Write(line)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

func portOf(t *testing.T, addr string) int {
	t.Helper()
	u, err := url.Parse("tcp://" + addr)
	if err != nil {
		t.Fatal(err)
	}
	var p int
	if _, err := fmt.Sscan(u.Port(), &p); err != nil {
		t.Fatal(err)
	}
	return p
}

func randSuffix() string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%x", b)
}

func codes(cs []int) string {
	s := make([]string, len(cs))
	for i, c := range cs {
		s[i] = fmt.Sprint(c)
	}
	return strings.Join(s, " or ")
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " …"
	}
	return s
}

func findingsLine(r faultReport) string {
	parts := make([]string, 0, len(r.Findings))
	for _, fd := range r.Findings {
		parts = append(parts, fmt.Sprintf("%d=%s", fd.Number, fd.Status))
	}
	return "findings " + strings.Join(parts, " ")
}

// logFaultTable logs every row's outcome and times as a Markdown table
// (docs/PERFORMANCE.md takes it as it is).
func logFaultTable(t *testing.T, rows []faultRow, results map[string]*faultResult) {
	var b strings.Builder
	b.WriteString("\n| fault | result | report | snapshot | first failed assertion |\n|---|---|---|---|---|\n")
	for _, row := range rows {
		n := row.name
		r, ok := results[n]
		if !ok {
			fmt.Fprintf(&b, "| %s | not run | | | |\n", n)
			continue
		}
		result, msg := "pass", ""
		if r.failed && len(r.failures) == 0 {
			result, msg = "FAIL", "setup failed (see the row's log)"
		}
		if len(r.failures) > 0 {
			result, msg = "FAIL", strings.ReplaceAll(r.failures[0], "|", "\\|")
			if len(r.failures) > 1 {
				msg += fmt.Sprintf(" (+%d more)", len(r.failures)-1)
			}
		}
		fmt.Fprintf(&b, "| %s | %s | %.1f s | %.1f s | %s |\n", n, result, r.report.Seconds(), r.snapshot.Seconds(), msg)
	}
	t.Log(b.String())
	if os.Getenv("KR_FAULT_TABLE") != "" {
		_ = os.WriteFile(os.Getenv("KR_FAULT_TABLE"), []byte(b.String()), 0o600)
	}
}

// waitRulesEvaluated waits until every rule of the Prometheus at url has
// been evaluated once (a rule never evaluated is stale, its alert unknown)
// and its targets scraped once (before, no up sample: the metrics are
// stale and the alerts reading them cannot fire).
func waitRulesEvaluated(tb testing.TB, url string) {
	tb.Helper()
	deadline := time.Now().Add(30 * time.Second)
	get := func(path string) string {
		resp, err := http.Get(url + path)
		if err != nil {
			return ""
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	for {
		rules := get("/api/v1/rules")
		if strings.Contains(rules, `"lastEvaluation"`) && !strings.Contains(rules, `"lastEvaluation":"0001-01-01T00:00:00Z"`) &&
			strings.Contains(get("/api/v1/query?query=up"), `"result":[{`) {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("the rules of %s were not all evaluated in 30s", url)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
