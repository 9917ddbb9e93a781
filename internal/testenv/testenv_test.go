package testenv

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func TestMain(m *testing.M) { Main(m) }

func TestTailLines(t *testing.T) {
	tests := map[string]struct {
		in   string
		n    int
		want string
	}{
		"fewer lines than asked":   {"a\nb\n", 5, "a\nb\n"},
		"last two":                 {"a\nb\nc\n", 2, "b\nc\n"},
		"no final newline":         {"a\nb\nc", 2, "b\nc"},
		"zero":                     {"a\n", 0, ""},
		"empty":                    {"", 3, ""},
		"one line":                 {"a\nb\n", 1, "b\n"},
		"blank lines count":        {"a\n\n\n", 2, "\n\n"},
		"exactly as many as asked": {"a\nb\n", 2, "a\nb\n"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if got := string(tailLines([]byte(tt.in), tt.n)); got != tt.want {
				t.Errorf("tailLines(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
			}
		})
	}
}

func TestFormatSamples(t *testing.T) {
	got := FormatSamples([]Sample{
		{Name: "b_total", Value: 2},
		{Name: "a", Labels: map[string]string{"z": "1", "tenant": `t"1\`}, Value: 0.5},
	})
	want := "a{tenant=\"t\\\"1\\\\\",z=\"1\"} 0.5\nb_total 2\n"
	if got != want {
		t.Errorf("FormatSamples = %q, want %q", got, want)
	}
}

// TestEnv_Kubernetes proves the API server is real: a CronJob, a Job created
// from it by the real job machinery (owner reference, controller-manager
// turning the deadline into DeadlineExceeded), and a pod log read through
// the API server's pods/log path.
func TestEnv_Kubernetes(t *testing.T) {
	e := Get(t)
	ctx := context.Background()
	ns := e.Namespace(t)
	c := e.Kube.Client

	cj := &batchv1.CronJob{
		ObjectMeta: metav1.ObjectMeta{Name: "cmek-rotation", Namespace: ns},
		Spec: batchv1.CronJobSpec{
			Schedule: "0 2 * * *",
			JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{
				ActiveDeadlineSeconds: ptr.To[int64](2),
				BackoffLimit:          ptr.To[int32](0),
				Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
					RestartPolicy: corev1.RestartPolicyNever,
					Containers:    []corev1.Container{{Name: "rotate", Image: "orchestrator:test"}},
				}},
			}},
		},
	}
	cj, err := c.BatchV1().CronJobs(ns).Create(ctx, cj, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create cronjob: %v", err)
	}
	got, err := c.BatchV1().CronJobs(ns).Get(ctx, "cmek-rotation", metav1.GetOptions{})
	if err != nil || got.Spec.Schedule != "0 2 * * *" {
		t.Fatalf("get cronjob: %v, schedule %q", err, got.Spec.Schedule)
	}

	t.Run("job owned by the cronjob reaches DeadlineExceeded", func(t *testing.T) {
		e.ControllerManager(t)
		job := &batchv1.Job{
			ObjectMeta: metav1.ObjectMeta{
				Name: "manual-rotation-1", Namespace: ns,
				Annotations:     map[string]string{"cronjob.kubernetes.io/instantiate": "manual"},
				OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(cj, batchv1.SchemeGroupVersion.WithKind("CronJob"))},
			},
			Spec: cj.Spec.JobTemplate.Spec,
		}
		if _, err := c.BatchV1().Jobs(ns).Create(ctx, job, metav1.CreateOptions{}); err != nil {
			t.Fatalf("create job: %v", err)
		}
		var reason string
		deadline := time.Now().Add(30 * time.Second)
		for reason == "" && time.Now().Before(deadline) {
			j, err := c.BatchV1().Jobs(ns).Get(ctx, job.Name, metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			for _, cond := range j.Status.Conditions {
				if cond.Type == batchv1.JobFailed && cond.Status == corev1.ConditionTrue {
					reason = cond.Reason
				}
			}
			if got := metav1.GetControllerOf(j); got == nil || got.UID != cj.UID {
				t.Fatalf("job controller = %v, want the cronjob %s", got, cj.UID)
			}
			time.Sleep(100 * time.Millisecond)
		}
		if reason != "DeadlineExceeded" {
			t.Fatalf("job failed reason = %q, want DeadlineExceeded", reason)
		}
	})

	t.Run("pod log through pods/log", func(t *testing.T) {
		pod := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: "rotate-pod", Namespace: ns},
			Spec: corev1.PodSpec{
				NodeName:   e.Kube.NodeName,
				Containers: []corev1.Container{{Name: "rotate", Image: "orchestrator:test"}},
			},
		}
		if _, err := c.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
			t.Fatalf("create pod: %v", err)
		}
		e.Kube.Logs.Set(ns, "rotate-pod", "rotate", []byte("line 1\nFailed to rotate key for tenant t-042: permission denied\nline 3\n"))
		raw, err := c.CoreV1().Pods(ns).GetLogs("rotate-pod", &corev1.PodLogOptions{Container: "rotate", TailLines: ptr.To[int64](2), LimitBytes: ptr.To[int64](1024)}).DoRaw(ctx)
		if err != nil {
			t.Fatalf("get logs: %v", err)
		}
		if want := "Failed to rotate key for tenant t-042: permission denied\nline 3\n"; string(raw) != want {
			t.Errorf("logs = %q, want %q", raw, want)
		}
		reqs := e.Kube.Logs.Requests()
		if len(reqs) == 0 || !strings.Contains(reqs[len(reqs)-1], "/containerLogs/"+ns+"/rotate-pod/rotate") ||
			!strings.Contains(reqs[len(reqs)-1], "tailLines=2") {
			t.Errorf("log server requests = %v, want one for the pod with tailLines=2", reqs)
		}
	})
}

// TestEnv_Vault proves the Vault server is real: KV v2 metadata and token
// lookup-self.
func TestEnv_Vault(t *testing.T) {
	e := Get(t)
	mount := e.KVMount(t)
	c := e.VaultRoot(t)
	ctx := context.Background()
	kv := c.KVv2(mount)
	for i := 0; i < 3; i++ {
		if _, err := kv.Put(ctx, "tenants/t-001/cmek", map[string]any{"key": "k" + string(rune('0'+i))}); err != nil {
			t.Fatalf("put version %d: %v", i+1, err)
		}
	}
	md, err := kv.GetMetadata(ctx, "tenants/t-001/cmek")
	if err != nil {
		t.Fatalf("metadata: %v", err)
	}
	if md.CurrentVersion != 3 || md.OldestVersion != 0 && md.OldestVersion != 1 || len(md.Versions) != 3 {
		t.Errorf("metadata current=%d oldest=%d versions=%d, want 3, 0 or 1, 3", md.CurrentVersion, md.OldestVersion, len(md.Versions))
	}
	self, err := c.Auth().Token().LookupSelfWithContext(ctx)
	if err != nil {
		t.Fatalf("lookup-self: %v", err)
	}
	if pol, _ := self.TokenPolicies(); len(pol) != 1 || pol[0] != "root" {
		t.Errorf("root token policies = %v, want [root]", pol)
	}
}

// TestEnv_Prometheus proves Prometheus is real: a sample fed to the exporter
// is scraped and answered by the query API.
func TestEnv_Prometheus(t *testing.T) {
	e := Get(t)
	e.Feed(t, []Sample{{Name: "vault_token_expiry_seconds", Labels: map[string]string{"test": t.Name()}, Value: 1234}})
	q := url.Values{"query": {`vault_token_expiry_seconds{test="` + t.Name() + `"}`}}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(e.Prometheus.URL + "/api/v1/query?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var r struct {
			Data struct {
				Result []struct {
					Value [2]any `json:"value"`
				} `json:"result"`
			} `json:"data"`
		}
		if err := json.Unmarshal(body, &r); err != nil {
			t.Fatalf("decode %s: %v", body, err)
		}
		if len(r.Data.Result) == 1 {
			if v := r.Data.Result[0].Value[1]; v != "1234" {
				t.Fatalf("value = %v, want 1234", v)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("metric never scraped: %s", body)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestEnv_PrometheusServiceProxy proves the API server's service proxy
// reaches a Prometheus in a harness network namespace.
func TestEnv_PrometheusServiceProxy(t *testing.T) {
	e := Get(t)
	ns := e.Namespace(t)
	now := time.Now().Add(-time.Minute).Unix()
	e.PrometheusBehindService(t, ns, PrometheusOptions{
		Backfill: fmt.Sprintf("cmek_rotation_total{tenant=\"t-001\"} 7 %d\n# EOF\n", now),
	})
	var body []byte
	deadline := time.Now().Add(30 * time.Second)
	for {
		var err error
		body, err = e.Kube.Client.CoreV1().RESTClient().Get().
			AbsPath("/api/v1/namespaces", ns, "services", "prometheus:9090", "proxy", "api/v1/query").
			Param("query", `cmek_rotation_total{tenant="t-001"}`).DoRaw(context.Background())
		if err == nil && strings.Contains(string(body), `"7"]`) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("query through the service proxy: %v: %s", err, body)
		}
		time.Sleep(300 * time.Millisecond)
	}
}

func TestLinesSince(t *testing.T) {
	log := "Server listening on :8080\n" +
		`{"level":"info","time":"2026-12-01T10:00:00Z","msg":"a"}` + "\n" +
		"2026-12-01T11:00:00.000Z INFO b\n" +
		"untimed, written with b\n" +
		`{"ts":1796126400,"msg":"c"}` + "\n" + // 2026-12-01T12:00:00Z
		`{"timestamp":"2026-12-01T13:00:00.5Z","msg":"d"}` + "\n"
	tests := map[string]struct {
		since string
		want  string
	}{
		"before all":     {"2026-12-01T09:00:00Z", log},
		"at a line":      {"2026-12-01T11:00:00Z", log[strings.Index(log, "2026-12-01T11"):]},
		"between lines":  {"2026-12-01T11:30:00Z", log[strings.Index(log, `{"ts"`):]},
		"unix seconds":   {"2026-12-01T12:00:00Z", log[strings.Index(log, `{"ts"`):]},
		"after the last": {"2026-12-01T14:00:00Z", ""},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			since, _ := time.Parse(time.RFC3339, tt.since)
			if got := string(linesSince([]byte(log), since)); got != tt.want {
				t.Errorf("linesSince(%s) = %q, want %q", tt.since, got, tt.want)
			}
		})
	}
}
