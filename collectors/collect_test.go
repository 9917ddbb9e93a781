package collectors_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	vault "github.com/hashicorp/vault/api"
	"golang.org/x/sync/errgroup"
	batchv1 "k8s.io/api/batch/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors/connect"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/config"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/lab"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/testenv"
	"github.com/oss-ai-agent-tool/kubectl-rotation/runbook"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// world is a seeded namespace, KV mount and auth mount of one test.
type world struct {
	env    *testenv.Env
	seeded *lab.Seeded
	cfg    config.Config
	ns     string
	prom   *testenv.Prometheus
}

func seedWorld(t *testing.T, withProm bool, scenarios ...lab.Scenario) *world {
	t.Helper()
	lw := lab.SeedTB(t, testenv.Get(t), lab.Options{Scenarios: scenarios, Tenants: 48})
	w := &world{env: lw.Env, seeded: lw.Seeded, cfg: lw.Config, ns: lw.Namespace}
	if withProm {
		p, err := testenv.StartPrometheus(context.Background(), testenv.PrometheusOptions{
			Bins: w.env.Bins, Dir: w.env.TempDir(t), Targets: []string{w.env.Exporter.Addr}, Rules: lw.Seeded.Rules, Backfill: lw.Seeded.Backfill,
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(p.Stop)
		w.prom = p
	}
	return w
}

type connectOpt func(*connect.Options)

func (w *world) collect(t *testing.T, opts ...connectOpt) *collectors.Snapshot {
	t.Helper()
	vcfg := vault.DefaultConfig()
	vcfg.Address = w.env.Vault.Addr
	o := connect.Options{REST: w.env.Kube.Config, Vault: vcfg, VaultToken: w.env.Vault.RootToken, ReadOnly: true}
	if w.prom != nil {
		o.PrometheusURL = w.prom.URL
	}
	for _, f := range opts {
		f(&o)
	}
	clients, err := connect.Connect(o)
	if err != nil {
		t.Fatal(err)
	}
	c := connect.New(clients, collectors.Options{Config: w.cfg, Namespace: w.ns, SourceTimeout: 30 * time.Second})
	return c.Collect(context.Background())
}

func state(s *collectors.Snapshot, src string) collectors.State { return s.Source(src).State }

// TestCollect_AllScenarios reads every signal from the real servers seeded
// with all six scenarios.
func TestCollect_AllScenarios(t *testing.T) {
	w := seedWorld(t, true, lab.AllScenarios...)
	// wait for the back-filled alerts to be evaluated
	deadline := time.Now().Add(40 * time.Second)
	var s *collectors.Snapshot
	for {
		s = w.collect(t)
		if s.Prometheus != nil && len(alertNames(s)) == 4 || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Second)
	}
	for _, src := range collectors.Sources() {
		if st := s.Source(src); st.State != collectors.StateOK {
			t.Errorf("source %s = %s (%s %v), want ok", src, st.State, st.Error, st.Problems)
		}
	}

	t.Run("kubernetes", func(t *testing.T) {
		k := s.Kubernetes
		if len(k.CronJobs) != 2 || !k.CronJobs[0].Found || k.CronJobs[0].Schedule != "0 2 * * *" || *k.CronJobs[0].ActiveDeadlineSeconds != 600 {
			t.Fatalf("cronjobs = %+v", k.CronJobs)
		}
		if v := envOf(k.CronJobs[1].Env, "DRY_RUN"); v != "true" {
			t.Errorf("cleanup DRY_RUN = %q, want true", v)
		}
		// the accounts the pods run as, which the Vault role must bind
		if sa := w.cfg.Kubernetes.OrchestratorServiceAccount; k.CronJobs[0].ServiceAccount != sa || k.Orchestrator == nil || k.Orchestrator.ServiceAccount != sa {
			t.Errorf("service accounts: cronjob %q, deployment %+v; want %s", k.CronJobs[0].ServiceAccount, k.Orchestrator, sa)
		}
		if len(k.Jobs) != 8 {
			t.Fatalf("jobs = %d, want 8", len(k.Jobs))
		}
		for i := 1; i < len(k.Jobs); i++ {
			if k.Jobs[i].When().After(k.Jobs[i-1].When()) {
				t.Errorf("jobs not newest first at %d", i)
			}
		}
		for _, j := range k.Jobs { // the newest rotation run is the timed-out one
			if j.Role == collectors.RoleRotation {
				if j.Reason != "DeadlineExceeded" {
					t.Errorf("newest rotation job %s = %s, want DeadlineExceeded", j.Name, j.Reason)
				}
				break
			}
		}
		var reasons []string
		var tenants []string
		for _, j := range k.Jobs {
			reasons = append(reasons, j.Role+":"+j.Reason)
			if j.Log != nil {
				for _, m := range j.Log.Matches {
					if m.Tenant != "" {
						tenants = append(tenants, m.Tenant)
					}
				}
			}
			if j.Outcome == collectors.OutcomeFailed && (j.Log == nil || len(j.Log.Lines) == 0) {
				t.Errorf("failed job %s has no log tail: %+v", j.Name, j.Log)
			}
		}
		for _, want := range []string{"rotation:DeadlineExceeded", "rotation:BackoffLimitExceeded", "cleanup:BackoffLimitExceeded"} {
			if !slices.Contains(reasons, want) {
				t.Errorf("job reasons %v lack %s", reasons, want)
			}
		}
		if !slices.Contains(tenants, "t-042") {
			t.Errorf("tenants named in failed logs = %v, want t-042", tenants)
		}
		if o := k.Orchestrator; o == nil || !o.Found || o.AuditEnabled == nil || *o.AuditEnabled {
			t.Errorf("orchestrator = %+v, want found with AUDIT_ENABLED=false", o)
		}
		if len(k.Retention) == 0 || k.Retention[0].Settings["security.cmek.retentionVersions"] != "5" {
			t.Errorf("retention = %+v", k.Retention)
		}
		if len(k.ServiceAccounts) == 0 || !k.ServiceAccounts[0].Found {
			t.Errorf("service accounts = %+v", k.ServiceAccounts)
		}
		if len(k.Events) == 0 || k.Events[0].Type != "Warning" {
			t.Errorf("events = %+v", k.Events)
		}
	})

	t.Run("audit log", func(t *testing.T) {
		a := s.Logs.Audit
		if len(s.Logs.Pods) != 2 || a.Events == 0 || a.NotJSON < 2 {
			t.Fatalf("pods %d, events %d, not JSON %d", len(s.Logs.Pods), a.Events, a.NotJSON)
		}
		if a.Counts["cmek.rotation.failed"]["failure"] == 0 {
			t.Errorf("counts = %v, want failures", a.Counts)
		}
		// with Scenario 6 the last three runs wrote no audit events; the
		// oldest run still shows t-031 failing
		if ten := a.Tenants["t-031"]; ten.Failures == 0 || ten.LastFailureReason != "Encryption key not found" || ten.LastSuccess == nil {
			t.Errorf("t-031 = %+v", ten)
		}
		if a.Renewals.Errors == 0 {
			t.Errorf("renewal errors = 0, want > 0")
		}
		// Scenario 4's warnings, which the orchestrator writes in its own
		// log (the lab's, one per tenant over retention), counted with
		// the latest line and the pod it came from
		if vl, ok := a.Phrase("Version limit exceeded"); !ok || vl.Lines == 0 || vl.Last == nil || vl.Last.Time == nil ||
			!strings.Contains(vl.Last.Text, "/tenants/t-0") || !slices.ContainsFunc(s.Logs.Pods, func(p collectors.LogSource) bool { return p.Pod == vl.Last.Source }) {
			t.Errorf("Version limit exceeded = %+v (last %+v), want lines from a pod read", vl, vl.Last)
		}
		if tm, ok := a.Phrase("Too many versions"); !ok || tm.Lines != 0 {
			t.Errorf("Too many versions = %+v, want counted and none: the lab writes it in the cleanup Job's log only", tm)
		}
	})

	t.Run("vault", func(t *testing.T) {
		v := s.Vault
		if v.Health == nil || v.Health.Sealed || !v.Health.Initialized || v.Health.Version == "" {
			t.Errorf("health = %+v", v.Health)
		}
		if v.OperatorToken == nil || !slices.Contains(v.OperatorToken.Policies, "root") {
			t.Errorf("operator token = %+v", v.OperatorToken)
		}
		if v.OrchestratorToken == nil || v.OrchestratorToken.Accessor != w.seeded.OrchestratorAccessor || v.OrchestratorToken.TTL.Duration() > 10*time.Minute {
			t.Errorf("orchestrator token = %+v (note %q), want accessor %s with TTL <= 10m", v.OrchestratorToken, v.OrchestratorTokenNote, w.seeded.OrchestratorAccessor)
		}
		if v.TenantScan.Listed != 48 || v.TenantScan.Scanned != 48 || len(v.Tenants) != 48 {
			t.Fatalf("scan = %+v, tenants %d", v.TenantScan, len(v.Tenants))
		}
		over := map[string]bool{}
		for _, tn := range v.Tenants {
			if tn.LiveVersions > w.cfg.Vault.RetentionVersions {
				over[tn.ID] = true
			}
			if tn.CurrentCreated == nil {
				t.Errorf("tenant %s has no current version time", tn.ID)
			}
		}
		for _, want := range w.seeded.OverRetention {
			if !over[want] {
				t.Errorf("tenant %s not over retention in %v", want, over)
			}
		}
		if v.Policy == nil || !v.Policy.Found || len(v.Policy.Checks) != 2*len(v.Tenants) { // every tenant's data and metadata paths
			t.Fatalf("policy = %+v", v.Policy)
		}
		// facts only: what Vault grants the orchestrator's token on each kind
		// of path (the seeded policy lacks update and the metadata rights);
		// what is missing is the runbook's judgement
		for _, c := range v.Policy.Checks {
			if !c.Effective || c.Kind == "" || slices.Contains(c.Granted, "update") || len(c.Missing) != 0 {
				t.Errorf("policy check %+v: want the grants Vault reports for the orchestrator's token, by kind, and no judgement", c)
			}
		}
		a := runbook.Triage(s, s.CollectedAt)
		f, _ := a.Finding(runbook.ScenarioRotationJobFailing)
		for _, sy := range f.Symptoms {
			if sy.ID == runbook.SymPolicyMissingCapability && sy.State != runbook.SymptomPresent {
				t.Errorf("policy-missing-capability %s, want present from the grants", sy.State)
			}
		}
		if r := v.Role; r == nil || !r.Found || !slices.Contains(r.BoundNamespaces, "default") || r.TTL.Duration() != 10*time.Minute {
			t.Errorf("role = %+v", r)
		}
	})

	t.Run("prometheus", func(t *testing.T) {
		if got := alertNames(s); len(got) != 4 {
			t.Errorf("alerts = %v, want the four", got)
		}
		for _, m := range s.Prometheus.Metrics {
			if len(m.Series) == 0 || m.Error != "" {
				t.Errorf("metric %s: %d series, error %q", m.Name, len(m.Series), m.Error)
				continue
			}
			if ts, _ := m.Series[0].History.Points(); len(ts) < 200 {
				t.Errorf("metric %s history = %d points, want ~288 over 24h", m.Name, len(ts))
			}
		}
	})

	t.Run("no secret or token in the snapshot", func(t *testing.T) {
		raw, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		for _, bad := range []string{w.seeded.SecretMarker, w.env.Vault.RootToken, "hvs.", "eyJ"} {
			if strings.Contains(string(raw), bad) {
				t.Errorf("snapshot JSON contains %q", bad)
			}
		}
		var back collectors.Snapshot
		if err := json.Unmarshal(raw, &back); err != nil || back.SchemaVersion != collectors.SchemaVersion {
			t.Errorf("round trip: %v", err)
		}
	})
}

func alertNames(s *collectors.Snapshot) []string {
	var out []string
	if s.Prometheus == nil {
		return nil
	}
	for _, a := range s.Prometheus.Alerts {
		if a.State == "firing" && !slices.Contains(out, a.Name) {
			out = append(out, a.Name)
		}
	}
	slices.Sort(out)
	return out
}

func envOf(env []collectors.EnvVar, name string) string {
	for _, e := range env {
		if e.Name == name {
			return e.Value
		}
	}
	return ""
}

// TestCollect_Faults: one source failing never hides the others, and each
// failure says what happened.
func TestCollect_Faults(t *testing.T) {
	w := seedWorld(t, false)

	t.Run("vault sealed", func(t *testing.T) {
		v, err := testenv.StartVault(context.Background(), w.env.Bins.Vault, w.env.TempDir(t))
		if err != nil {
			t.Fatal(err)
		}
		defer v.Stop()
		root, _ := v.Root()
		if err := root.Sys().Seal(); err != nil {
			t.Fatal(err)
		}
		s := w.collect(t, func(o *connect.Options) {
			o.Vault.Address, o.VaultToken = v.Addr, v.RootToken
		})
		st := s.Source(collectors.SourceVault)
		if st.State != collectors.StateError || !strings.Contains(st.Error, "sealed") {
			t.Errorf("vault = %+v, want error saying sealed", st)
		}
		if state(s, collectors.SourceKubernetes) != collectors.StateOK || state(s, collectors.SourceLogs) != collectors.StateOK {
			t.Errorf("other sources hurt: %+v", s.Sources)
		}
	})

	t.Run("vault unreachable", func(t *testing.T) {
		s := w.collect(t, func(o *connect.Options) { o.Vault.Address = "http://127.0.0.1:1" })
		st := s.Source(collectors.SourceVault)
		if st.State != collectors.StateError || !strings.Contains(st.Error, "sys/health") {
			t.Errorf("vault = %+v", st)
		}
	})

	t.Run("vault token without permission", func(t *testing.T) {
		root := w.env.VaultRoot(t)
		tok, err := root.Auth().Token().Create(&vault.TokenCreateRequest{Policies: []string{"default"}, TTL: "10m"})
		if err != nil {
			t.Fatal(err)
		}
		s := w.collect(t, func(o *connect.Options) { o.VaultToken = tok.Auth.ClientToken })
		st := s.Source(collectors.SourceVault)
		if st.State != collectors.StatePartial || s.Vault.OperatorToken == nil {
			t.Fatalf("vault = %+v", st)
		}
		var parts []string
		for _, p := range st.Problems {
			parts = append(parts, p.Part)
			if !strings.Contains(p.Error, "permission denied") {
				t.Errorf("problem %s: %q, want permission denied", p.Part, p.Error)
			}
		}
		if !slices.Contains(parts, "tenants") || !slices.Contains(parts, "policy") {
			t.Errorf("problems %v, want tenants and policy", parts)
		}
		if s.Vault.OrchestratorToken != nil || !strings.Contains(s.Vault.OrchestratorTokenNote, "permission denied") {
			t.Errorf("orchestrator token %+v note %q", s.Vault.OrchestratorToken, s.Vault.OrchestratorTokenNote)
		}
		raw, _ := json.Marshal(s)
		if strings.Contains(string(raw), tok.Auth.ClientToken) {
			t.Error("snapshot contains the operator's token")
		}
	})

	t.Run("prometheus stopped", func(t *testing.T) {
		p, err := testenv.StartPrometheus(context.Background(), testenv.PrometheusOptions{Bins: w.env.Bins, Dir: w.env.TempDir(t)})
		if err != nil {
			t.Fatal(err)
		}
		p.Stop()
		s := w.collect(t, func(o *connect.Options) { o.PrometheusURL = p.URL })
		st := s.Source(collectors.SourcePrometheus)
		if st.State != collectors.StateError || !strings.Contains(st.Error, "refused") {
			t.Errorf("prometheus = %+v", st)
		}
		if state(s, collectors.SourceVault) != collectors.StateOK {
			t.Errorf("vault hurt: %+v", s.Source(collectors.SourceVault))
		}
	})

	t.Run("prometheus not configured is skipped, not ok", func(t *testing.T) {
		s := w.collect(t)
		if st := s.Source(collectors.SourcePrometheus); st.State != collectors.StateSkipped || st.Error == "" {
			t.Errorf("prometheus = %+v", st)
		}
	})

	t.Run("namespace forbidden by RBAC", func(t *testing.T) {
		cfg, _, err := w.env.Kube.AddUser("nobody-"+w.ns, nil, "")
		if err != nil {
			t.Fatal(err)
		}
		s := w.collect(t, func(o *connect.Options) { o.REST = cfg })
		for _, src := range []string{collectors.SourceKubernetes, collectors.SourceLogs} {
			st := s.Source(src)
			if st.State != collectors.StateError || !strings.Contains(st.Error, "forbidden") {
				t.Errorf("%s = %+v, want error saying forbidden", src, st)
			}
		}
		if state(s, collectors.SourceVault) != collectors.StateOK {
			t.Errorf("vault hurt: %+v", s.Source(collectors.SourceVault))
		}
	})

	t.Run("pod with no log", func(t *testing.T) {
		e := w.env
		ctx := context.Background()
		jobs, err := e.Kube.Client.BatchV1().Jobs(w.ns).List(ctx, metav1.ListOptions{})
		if err != nil || len(jobs.Items) == 0 {
			t.Fatal(err)
		}
		// forget every log of this namespace's job pods
		pods, _ := e.Kube.Client.CoreV1().Pods(w.ns).List(ctx, metav1.ListOptions{LabelSelector: "batch.kubernetes.io/job-name"})
		for _, p := range pods.Items {
			e.Kube.Logs.Forget(w.ns, p.Name, p.Spec.Containers[0].Name)
		}
		s := w.collect(t)
		var withErr int
		for _, j := range s.Kubernetes.Jobs {
			if j.Log != nil && j.Log.Error != "" {
				withErr++
			}
		}
		if withErr == 0 {
			t.Errorf("no job log error reported: %+v", s.Kubernetes.Jobs[0].Log)
		}
		if state(s, collectors.SourceKubernetes) != collectors.StateOK {
			t.Errorf("kubernetes = %+v", s.Source(collectors.SourceKubernetes))
		}
	})
}

// TestConnect_ReadOnly proves the read-only clients refuse writes before
// they leave the process, and the API server's audit log shows none.
func TestConnect_ReadOnly(t *testing.T) {
	e := testenv.Get(t)
	ns := e.Namespace(t)
	clients, err := connect.Connect(connect.Options{REST: e.Kube.Config, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	job := &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Name: "must-not-exist", Namespace: ns}}
	_, err = clients.Kube.BatchV1().Jobs(ns).Create(context.Background(), job, metav1.CreateOptions{})
	if !errors.Is(err, collectors.ErrReadOnly) {
		t.Fatalf("create in read-only = %v, want ErrReadOnly", err)
	}
	if _, err := clients.Kube.BatchV1().Jobs(ns).List(context.Background(), metav1.ListOptions{}); err != nil {
		t.Fatalf("list in read-only: %v", err)
	}
	vcfg := vault.DefaultConfig()
	vcfg.Address = e.Vault.Addr
	vclients, err := connect.Connect(connect.Options{Vault: vcfg, VaultToken: e.Vault.RootToken, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := vclients.Vault.Logical().Write("secret/data/must-not-exist", map[string]any{"data": map[string]any{"x": "y"}}); !errors.Is(err, collectors.ErrReadOnly) {
		t.Errorf("vault write in read-only = %v, want ErrReadOnly", err)
	}
	if _, err := e.VaultRoot(t).KVv2("secret").Get(context.Background(), "must-not-exist"); err == nil {
		t.Error("the refused Vault write reached the server")
	}
	_ = rest.CopyConfig
}

// TestCollect_PrometheusServiceProxy reads Prometheus through the API
// server's service proxy with the kubeconfig's credentials (the Prometheus
// runs in a harness network namespace), with read-only clients.
func TestCollect_PrometheusServiceProxy(t *testing.T) {
	w := seedWorld(t, false, lab.VaultTokenExpired)
	w.env.PrometheusBehindService(t, w.ns, testenv.PrometheusOptions{Rules: w.seeded.Rules, Backfill: w.seeded.Backfill})
	var s *collectors.Snapshot
	deadline := time.Now().Add(40 * time.Second)
	for {
		s = w.collect(t, func(o *connect.Options) { o.PrometheusService = w.ns + "/prometheus:9090" })
		// a proxied query can meet a transient 503 on a loaded machine (the
		// tool reports it as partial, rightly): wait for a clean collection
		ok := s.Source(collectors.SourcePrometheus).State == collectors.StateOK
		if ok && slices.Contains(alertNames(s), "VaultTokenExpiringSoon") || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Second)
	}
	st := s.Source(collectors.SourcePrometheus)
	if st.State != collectors.StateOK || !strings.Contains(s.PrometheusTarget, "service "+w.ns+"/prometheus:9090") {
		t.Fatalf("prometheus = %+v, target %q", st, s.PrometheusTarget)
	}
	if got := alertNames(s); !slices.Contains(got, "VaultTokenExpiringSoon") {
		t.Errorf("alerts = %v, want VaultTokenExpiringSoon", got)
	}
	var expiry *collectors.Metric
	for i := range s.Prometheus.Metrics {
		if s.Prometheus.Metrics[i].Role == "tokenExpirySeconds" {
			expiry = &s.Prometheus.Metrics[i]
		}
	}
	if expiry == nil || len(expiry.Series) != 1 || expiry.Series[0].Value == nil || *expiry.Series[0].Value > 300 {
		t.Errorf("token expiry = %+v", expiry)
	}
}

// TestCollect_Progress: the tenant scan reports how far it has got.
func TestCollect_Progress(t *testing.T) {
	w := seedWorld(t, false)
	vcfg := vault.DefaultConfig()
	vcfg.Address = w.env.Vault.Addr
	clients, err := connect.Connect(connect.Options{Vault: vcfg, VaultToken: w.env.Vault.RootToken, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var got []collectors.Progress
	c := connect.New(clients, collectors.Options{Config: w.cfg, Namespace: w.ns, Progress: func(p collectors.Progress) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, p)
	}})
	c.CollectSource(context.Background(), collectors.SourceVault)
	mu.Lock()
	defer mu.Unlock()
	if len(got) < 2 || got[0].Done != 0 || got[0].Total != 48 || got[len(got)-1].Done != 48 {
		t.Errorf("progress = %+v, want 0/48 first and 48/48 last", got)
	}
}

// BenchmarkCollector_VaultSource times the Vault source over a tenant scan
// of KR_BENCH_TENANTS tenants (default 1000) in the real dev server. The
// side-by-side comparison with the runbook's shell loop is
// internal/bench/tenantbench (scripts/bench.sh).
func BenchmarkCollector_VaultSource(b *testing.B) {
	e := testenv.Get(b)
	n := 1000
	if v := os.Getenv("KR_BENCH_TENANTS"); v != "" {
		if _, err := fmt.Sscan(v, &n); err != nil {
			b.Fatalf("KR_BENCH_TENANTS=%q: %v", v, err)
		}
	}
	mount := e.KVMount(b)
	root := e.VaultRoot(b)
	kv := root.KVv2(mount)
	var g errgroup.Group
	g.SetLimit(32)
	for i := 1; i <= n; i++ {
		g.Go(func() error {
			_, err := kv.Put(context.Background(), fmt.Sprintf("tenants/t-%05d/cmek", i), map[string]any{"key": "bench"})
			return err
		})
	}
	if err := g.Wait(); err != nil {
		b.Fatal(err)
	}
	cfg := config.Default()
	cfg.Vault.KVMount = mount
	vcfg := vault.DefaultConfig()
	vcfg.Address = e.Vault.Addr
	clients, err := connect.Connect(connect.Options{Vault: vcfg, VaultToken: e.Vault.RootToken, ReadOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	c := connect.New(clients, collectors.Options{Config: cfg, Namespace: "bench"})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p := c.CollectSource(context.Background(), collectors.SourceVault)
		if p.Vault == nil || p.Vault.TenantScan.Scanned != n {
			b.Fatalf("scanned %+v", p.Status)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "tenants/s")
}

// TestCollect_RoleDeniesWhatTheTokenHas: the lab's orchestrator token was
// issued while the role carried the rotation policy only; a policy that
// denies the tenants' data paths is then added to the role. The token, as
// Vault answers, may still rotate; a token the role issues now may not:
// the checks keep both, and the triage says so before any pod logs in
// again (N7).
func TestCollect_RoleDeniesWhatTheTokenHas(t *testing.T) {
	w := seedWorld(t, false)
	root := w.env.VaultRoot(t)
	deny := "deny-cmek-" + strings.ToLower(strings.ReplaceAll(t.Name(), "_", "-"))
	if err := root.Sys().PutPolicy(deny, fmt.Sprintf("path %q {\n  capabilities = [\"deny\"]\n}\n", w.cfg.Vault.KVMount+"/data/"+w.cfg.TenantPath("+"))); err != nil {
		t.Fatal(err)
	}
	rolePath := "auth/" + w.cfg.Vault.KubernetesAuthMount + "/role/" + w.cfg.Vault.KubernetesAuthRole
	role, err := root.Logical().Read(rolePath)
	if err != nil || role == nil {
		t.Fatalf("read role: %v", err)
	}
	var pols []string
	for _, p := range role.Data["token_policies"].([]any) {
		pols = append(pols, p.(string))
	}
	if _, err := root.Logical().Write(rolePath, map[string]any{"token_policies": strings.Join(append(pols, deny), ",")}); err != nil {
		t.Fatal(err)
	}
	s := w.collect(t)
	p := s.Vault.Policy
	if p == nil || !slices.Contains(p.Policies, deny) {
		t.Fatalf("policy %+v, want the role's policies read with %s", p, deny)
	}
	var effective, denied int
	for _, c := range p.Checks {
		if c.Effective && c.Kind == "data" {
			effective++
			if slices.Contains(c.RoleGranted, "deny") && slices.Contains(c.RoleRulePolicies, deny) && slices.Contains(c.Granted, "update") {
				denied++
			}
		}
	}
	if effective == 0 || denied != effective {
		t.Errorf("%d data checks by Vault, %d with the role's deny beside the token's grants", effective, denied)
	}
	a := runbook.MustDefault().Triage(s, time.Now())
	if r := runbook.LoginRisk(s); !strings.Contains(r, "cannot rotate") || !strings.Contains(r, deny) {
		t.Errorf("loginRisk %q, want a token issued now that cannot rotate, naming %s", r, deny)
	}
	if f, _ := a.Finding(runbook.ScenarioVaultTokenExpired); f.Status == runbook.StatusClear {
		t.Errorf("Scenario 2 clear (%s), want the role's fault", f.Summary)
	}
}

// TestCollect_PrometheusServiceNotFound (L7): --prometheus-service naming a
// Service, or a namespace, that does not exist says so, with the API
// server's own words, not "is it Prometheus's base URL?".
func TestCollect_PrometheusServiceNotFound(t *testing.T) {
	w := seedWorld(t, false)
	for svc, want := range map[string]string{
		w.ns + "/nosuch:9090":        `services "nosuch" not found`,
		"no-such-ns/prometheus:9090": `not found`,
	} {
		s := w.collect(t, func(o *connect.Options) { o.PrometheusService = svc })
		st := s.Source(collectors.SourcePrometheus)
		if !strings.Contains(st.Error, want) || !strings.Contains(st.Error, "check --prometheus-service") || strings.Contains(st.Error, "base URL") {
			t.Errorf("%s: prometheus = %s %q, want the missing object named", svc, st.State, st.Error)
		}
	}
}
