package lab

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func TestParseScenarios(t *testing.T) {
	tests := map[string]struct {
		in      string
		want    []Scenario
		wantErr string
	}{
		"all":            {in: "all", want: AllScenarios},
		"none":           {in: "none"},
		"empty":          {in: ""},
		"numbers sorted": {in: "4,1", want: []Scenario{RotationJobFailing, RetentionOverflow}},
		"names and dups": {in: "audit-missing, 6,batch-timeout", want: []Scenario{BatchTimeout, AuditMissing}},
		"unknown":        {in: "7", wantErr: `unknown scenario "7"`},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := ParseScenarios(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !slices.Equal(got, tt.want) {
				t.Fatalf("ParseScenarios(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestLastAt(t *testing.T) {
	now := time.Date(2026, 11, 26, 1, 30, 0, 0, time.UTC)
	if got, want := lastAt(now, 2, 0), time.Date(2026, 11, 25, 2, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("before 02:00: got %v, want %v", got, want)
	}
	if got, want := lastAt(now, 1, 30), now; !got.Equal(want) {
		t.Errorf("at 01:30: got %v, want %v", got, want)
	}
}

// seed seeds the shared servers into a namespace, KV mount, auth mount and
// metrics key of the test's own.
func seed(t *testing.T, scenarios ...Scenario) (*testenv.Env, *Seeded, Names) {
	t.Helper()
	w := SeedTB(t, testenv.Get(t), Options{Scenarios: scenarios, Tenants: 48})
	return w.Env, w.Seeded, w.Names
}

func jobReason(j batchv1.Job) string {
	for _, c := range j.Status.Conditions {
		if c.Status == corev1.ConditionTrue && (c.Type == batchv1.JobFailed || c.Type == batchv1.JobComplete) {
			if c.Type == batchv1.JobComplete {
				return "Complete"
			}
			return c.Reason
		}
	}
	return ""
}

// TestSeed_Healthy checks the healthy environment on the real servers.
func TestSeed_Healthy(t *testing.T) {
	e, s, n := seed(t)
	ctx := context.Background()
	c := e.Kube.Client
	jobs, err := c.BatchV1().Jobs(s.Namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs.Items) != 2*historyRuns {
		t.Fatalf("jobs = %d, want %d", len(jobs.Items), 2*historyRuns)
	}
	for _, j := range jobs.Items {
		if r := jobReason(j); r != "Complete" {
			t.Errorf("job %s = %q, want Complete", j.Name, r)
		}
		if ref := metav1.GetControllerOf(&j); ref == nil || ref.Kind != "CronJob" {
			t.Errorf("job %s controller = %v, want a CronJob", j.Name, ref)
		}
	}
	dep, err := c.AppsV1().Deployments(s.Namespace).Get(ctx, n.OrchestratorDeployment, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if v := envValue(dep.Spec.Template.Spec.Containers[0].Env, "AUDIT_ENABLED"); v != "true" {
		t.Errorf("AUDIT_ENABLED = %q, want true", v)
	}
	// the orchestrator's token came from Kubernetes auth and carries its metadata
	root := e.VaultRoot(t)
	sec, err := root.Auth().Token().LookupAccessorWithContext(ctx, s.OrchestratorAccessor)
	if err != nil {
		t.Fatalf("lookup-accessor: %v", err)
	}
	meta, _ := sec.Data["meta"].(map[string]any)
	if meta["role"] != n.AuthRole || meta["service_account_namespace"] != s.Namespace {
		t.Errorf("token meta = %v, want role %s in %s", meta, n.AuthRole, s.Namespace)
	}
	if ttl, _ := sec.TokenTTL(); ttl < 23*time.Hour {
		t.Errorf("orchestrator token TTL = %v, want about 24h", ttl)
	}
	// no tenant over retention
	for _, tn := range s.Tenants {
		md, err := root.KVv2(n.KVMount).GetMetadata(ctx, n.TenantPath(tn))
		if err != nil {
			t.Fatalf("metadata %s: %v", tn, err)
		}
		if live := md.CurrentVersion - md.OldestVersion + 1; md.OldestVersion > 0 && live > n.RetentionVersions {
			t.Errorf("tenant %s keeps %d versions, want <= %d", tn, live, n.RetentionVersions)
		}
	}
}

func envValue(env []corev1.EnvVar, name string) string {
	for _, e := range env {
		if e.Name == name {
			return e.Value
		}
	}
	return ""
}

// TestSeed_Scenarios checks that each scenario leaves its runbook symptoms
// on the real servers.
func TestSeed_Scenarios(t *testing.T) {
	e, s, n := seed(t, AllScenarios...)
	ctx := context.Background()
	c := e.Kube.Client
	ns := s.Namespace

	reasons := map[string][]string{}
	jobs, err := c.BatchV1().Jobs(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range jobs.Items {
		owner := metav1.GetControllerOf(&j).Name
		reasons[owner] = append(reasons[owner], jobReason(j))
	}
	if r := reasons[n.RotationCronJob]; !slices.Contains(r, "DeadlineExceeded") || !slices.Contains(r, "BackoffLimitExceeded") {
		t.Errorf("rotation job outcomes %v, want DeadlineExceeded and BackoffLimitExceeded", r)
	}
	if r := reasons[n.CleanupCronJob]; !slices.Contains(r, "BackoffLimitExceeded") {
		t.Errorf("cleanup job outcomes %v, want BackoffLimitExceeded", r)
	}
	cj, err := c.BatchV1().CronJobs(ns).Get(ctx, n.CleanupCronJob, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if v := envValue(cj.Spec.JobTemplate.Spec.Template.Spec.Containers[0].Env, "DRY_RUN"); v != "true" {
		t.Errorf("cleanup DRY_RUN = %q, want true (left on)", v)
	}

	t.Run("failed pod log names the tenant, through pods/log", func(t *testing.T) {
		pods, err := c.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app.kubernetes.io/component=cmek-rotation"})
		if err != nil {
			t.Fatal(err)
		}
		var found bool
		for _, p := range pods.Items {
			if p.Status.Phase != corev1.PodFailed {
				continue
			}
			raw, err := c.CoreV1().Pods(ns).GetLogs(p.Name, &corev1.PodLogOptions{Container: "rotate", LimitBytes: ptr.To[int64](1 << 20)}).DoRaw(ctx)
			if err != nil {
				t.Fatalf("logs of %s: %v", p.Name, err)
			}
			if strings.Contains(string(raw), "Failed to rotate key for tenant t-042") && strings.Contains(string(raw), "permission denied") {
				found = true
			}
		}
		if !found {
			t.Error("no failed rotation pod log names t-042 with permission denied")
		}
	})

	t.Run("audit log has events in several spellings and a broken line", func(t *testing.T) {
		pods, err := c.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app.kubernetes.io/component=security"})
		if err != nil || len(pods.Items) != 2 {
			t.Fatalf("security pods: %v, %d", err, len(pods.Items))
		}
		var all strings.Builder
		for _, p := range pods.Items {
			raw, err := c.CoreV1().Pods(ns).GetLogs(p.Name, &corev1.PodLogOptions{Container: "orchestrator"}).DoRaw(ctx)
			if err != nil {
				t.Fatal(err)
			}
			all.Write(raw)
		}
		var spellings = map[string]bool{}
		var broken, failures int
		for _, line := range strings.Split(all.String(), "\n") {
			var m map[string]any
			if err := json.Unmarshal([]byte(line), &m); err != nil {
				if line != "" {
					broken++
				}
				continue
			}
			for _, k := range []string{"tenantId", "tenant", "tenant_id", "timestamp", "time", "ts"} {
				if _, ok := m[k]; ok {
					spellings[k] = true
				}
			}
			if m["action"] == "cmek.rotation.failed" && m["outcome"] == "failure" {
				failures++
			}
		}
		if len(spellings) != 6 || broken < 2 || failures == 0 {
			t.Errorf("spellings %v, non-JSON lines %d, failures %d; want all six spellings, >= 2, > 0", spellings, broken, failures)
		}
	})

	t.Run("vault", func(t *testing.T) {
		root := e.VaultRoot(t)
		for _, tn := range s.OverRetention {
			md, err := root.KVv2(n.KVMount).GetMetadata(ctx, n.TenantPath(tn))
			if err != nil {
				t.Fatal(err)
			}
			if md.CurrentVersion <= n.RetentionVersions || md.MaxVersions != 0 {
				t.Errorf("%s: current %d max %d, want over %d and unlimited", tn, md.CurrentVersion, md.MaxVersions, n.RetentionVersions)
			}
		}
		pol, err := root.Sys().GetPolicyWithContext(ctx, n.Policy)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(pol, "update") || strings.Contains(pol, "metadata") {
			t.Errorf("Scenario 1 policy should lack update and metadata access:\n%s", pol)
		}
		sec, err := root.Auth().Token().LookupAccessorWithContext(ctx, s.OrchestratorAccessor)
		if err != nil {
			t.Fatal(err)
		}
		if ttl, _ := sec.TokenTTL(); ttl > 10*time.Minute || ttl <= 0 {
			t.Errorf("orchestrator token TTL = %v, want at most 10m", ttl)
		}
	})

	t.Run("prometheus alerts fire on back-filled history", func(t *testing.T) {
		dir := e.TempDir(t)
		p, err := testenv.StartPrometheus(ctx, testenv.PrometheusOptions{
			Bins: e.Bins, Dir: dir, Targets: []string{e.Exporter.Addr}, Rules: s.Rules, Backfill: s.Backfill,
		})
		if err != nil {
			t.Fatal(err)
		}
		defer p.Stop()
		want := []string{"AuditLogMissing", "CMEKRotationFailed", "SecretVersionOverflow", "VaultTokenExpiringSoon"}
		var got []string
		deadline := time.Now().Add(45 * time.Second)
		for time.Now().Before(deadline) {
			got = firingAlerts(t, p.URL, ns)
			if slices.Equal(got, want) {
				return
			}
			time.Sleep(500 * time.Millisecond)
		}
		t.Errorf("firing alerts for %s = %v, want %v", ns, got, want)
	})
}

// firingAlerts returns the sorted, distinct names of firing alerts with the
// namespace label ns.
func firingAlerts(t *testing.T, promURL, ns string) []string {
	t.Helper()
	resp, err := http.Get(promURL + "/api/v1/alerts")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r struct {
		Data struct {
			Alerts []struct {
				Labels map[string]string `json:"labels"`
				State  string            `json:"state"`
			} `json:"alerts"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, a := range r.Data.Alerts {
		if a.State == "firing" && a.Labels["namespace"] == ns && !slices.Contains(names, a.Labels["alertname"]) {
			names = append(names, a.Labels["alertname"])
		}
	}
	slices.Sort(names)
	return names
}

// TestLab_CLIs starts the whole lab and reads it the way a person would:
// kubectl get cronjobs, vault kv metadata get, and a PromQL query.
func TestLab_CLIs(t *testing.T) {
	testenv.NeedServers(t)
	bins, err := testenv.FindBins()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	dir := t.TempDir()
	l, err := Start(ctx, bins, StartOptions{Dir: dir, Namespace: "rotation-lab", Options: Options{Scenarios: AllScenarios, Tenants: 12}})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Stop()

	out, err := exec.Command(bins.Kubectl(), "--kubeconfig", l.Kubeconfig, "get", "cronjobs", "-n", "rotation-lab").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "cmek-rotation") || !strings.Contains(string(out), "secret-cleanup") {
		t.Errorf("kubectl get cronjobs: %v\n%s", err, out)
	}
	token, err := os.ReadFile(l.TokenFile)
	if err != nil {
		t.Fatal(err)
	}
	vcmd := exec.Command(bins.Vault, "kv", "metadata", "get", "-format=json", "secret/tenants/t-003/cmek")
	vcmd.Env = []string{"VAULT_ADDR=" + l.Vault.Addr, "VAULT_TOKEN=" + string(token), "HOME=" + dir}
	out, err = vcmd.CombinedOutput()
	var md struct {
		Data struct {
			CurrentVersion int `json:"current_version"`
		} `json:"data"`
	}
	if err != nil || json.Unmarshal(out, &md) != nil || md.Data.CurrentVersion < 6 {
		t.Errorf("vault kv metadata get: %v, current_version %d\n%s", err, md.Data.CurrentVersion, out)
	}
	if strings.Contains(string(out), l.Seeded.SecretMarker) {
		t.Error("metadata output contains a secret value")
	}
	// one series per tenant: the back-filled history and the live scrape
	// carry the same labels
	q := url.Values{"query": {`count(cmek_rotations_failed_total{namespace="rotation-lab"})`}}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(l.Prometheus.URL + "/api/v1/query?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.Contains(string(body), `"result":[{`) {
			if !strings.Contains(string(body), `"12"]`) {
				t.Errorf("series count = %s, want 12 (one per tenant)", body)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("PromQL query never answered with data: %s", body)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if !strings.Contains(l.EnvScript(), "KUBECONFIG="+l.Kubeconfig) || strings.Contains(l.EnvScript(), string(token)) {
		t.Errorf("EnvScript must name the kubeconfig and must not contain the token:\n%s", l.EnvScript())
	}
}
