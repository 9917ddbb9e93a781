package main

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors/connect"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/faults"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/lab"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/testenv"
)

// closedAddr returns a 127.0.0.1 address nothing listens on.
func closedAddr(tb testing.TB) string {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// completeLive runs Complete for a live command line in an isolated
// environment with env set, and returns the settings.
func completeLive(t *testing.T, env map[string]string, args ...string) Settings {
	t.Helper()
	home := isolateEnv(t)
	for k, v := range env {
		t.Setenv(k, v)
	}
	o := parseGlobal(t, append([]string{"--kubeconfig", writeKubeconfig(t, home)}, args...)...)
	if err := o.Complete(nil, nil); err != nil {
		t.Fatalf("Complete: %v", err)
	}
	return o.Settings
}

// TestVaultRetries: vault/api's defaults (2 retries 1-1.5 s apart) made a
// refused Vault take 3.6 s; with the tool's bound it answers in under a
// second, and a hanging Vault within vault.requestTimeout.
func TestVaultRetries(t *testing.T) {
	t.Run("refused answers in under a second", func(t *testing.T) {
		s := completeLive(t, map[string]string{"VAULT_ADDR": "http://" + closedAddr(t)})
		if c := s.Vault.Config; c.MaxRetries != 1 || c.MaxRetryWait != 300*time.Millisecond || c.Timeout != 10*time.Second {
			t.Fatalf("got MaxRetries %d, MaxRetryWait %v, Timeout %v; want 1, 300ms, 10s", c.MaxRetries, c.MaxRetryWait, c.Timeout)
		}
		client, err := api.NewClient(s.Vault.Config)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		_, err = client.Sys().HealthWithContext(context.Background())
		if took := time.Since(start); err == nil || took >= time.Second {
			t.Errorf("got %v after %v, want a refusal in under 1s", err, took)
		}
	})
	t.Run("hanging answers within the request timeout", func(t *testing.T) {
		release := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-release }))
		defer srv.Close()
		defer close(release)
		home := isolateEnv(t)
		t.Setenv("VAULT_ADDR", srv.URL)
		cfg := writeFile(t, home+"/c.yaml", "vault:\n  requestTimeout: 1s\n")
		o := parseGlobal(t, "--kubeconfig", writeKubeconfig(t, home), "--config", cfg)
		if err := o.Complete(nil, nil); err != nil {
			t.Fatal(err)
		}
		client, err := api.NewClient(o.Settings.Vault.Config)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		_, err = client.Sys().HealthWithContext(context.Background())
		if took := time.Since(start); err == nil || took > 1500*time.Millisecond {
			t.Errorf("got %v after %v, want a timeout after about 1s (retries included)", err, took)
		}
	})
	t.Run("VAULT_MAX_RETRIES and VAULT_CLIENT_TIMEOUT are kept", func(t *testing.T) {
		s := completeLive(t, map[string]string{"VAULT_MAX_RETRIES": "3", "VAULT_CLIENT_TIMEOUT": "30s"})
		if c := s.Vault.Config; c.MaxRetries != 3 || c.Timeout != 30*time.Second {
			t.Errorf("got MaxRetries %d, Timeout %v; want the environment's 3, 30s", c.MaxRetries, c.Timeout)
		}
	})
}

// TestKubeRequestTimeout: an API server that accepts and never answers is
// answered within the request timeout, with a message saying so.
func TestKubeRequestTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-release }))
	defer srv.Close()
	defer close(release)
	s := completeLive(t, nil, "--server", srv.URL, "--request-timeout", "1s")
	clients, err := s.connect()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = clients.Kube.BatchV1().CronJobs("ns").Get(context.Background(), "cmek-rotation", metav1.GetOptions{})
	took := time.Since(start)
	if err == nil || took > 1500*time.Millisecond {
		t.Fatalf("got %v after %v, want a timeout after about 1s", err, took)
	}
	snap := connect.New(clients, collectors.Options{Config: s.Config, Namespace: "ns", SourceTimeout: 3 * time.Second}).CollectSource(context.Background(), collectors.SourceKubernetes)
	if snap.Status.State == collectors.StateOK || !strings.Contains(snap.Status.Error, "did not answer in time") {
		t.Errorf("got %s %q, want an error saying the API server did not answer in time", snap.Status.State, snap.Status.Error)
	}
}

// TestSnapshot_KubeletDown: on the real API server, with the pods' node's
// kubelet port closed, the logs source is not ok and names the pod and the
// node's kubelet (not the API server, which answered), as do the Job log
// tails of the Kubernetes source.
func TestSnapshot_KubeletDown(t *testing.T) {
	isolateEnv(t)
	e := testenv.Get(t)
	t.Setenv("VAULT_TOKEN", e.Vault.RootToken)
	_, portText, _ := strings.Cut(faults.ClosedAddr(t), ":")
	port, err := strconv.Atoi(portText)
	if err != nil {
		t.Fatal(err)
	}
	node := faults.RegisterNode(t, e.Kube.Client, "kubelet-down-"+strconv.FormatInt(time.Now().UnixNano()%1e9, 36), port)
	w := faults.SeedOnNode(t, e, lab.Options{Scenarios: []lab.Scenario{lab.RotationJobFailing}, Tenants: 4}, node, faults.DiscardLogs{})
	dir := t.TempDir()
	kubeconfig := faults.WriteFile(t, dir, "kubeconfig", faults.AddUser(t, e, "kubelet-down-"+w.Namespace, []string{"system:masters"}, w.Namespace))
	cfg := writeFile(t, dir+"/config.yaml", "vault:\n  kvMount: "+w.Names.KVMount+"\n  kubernetesAuthMount: "+w.Names.AuthMount+"\n  policy: "+w.Names.Policy+"\n")
	code, out, errOut := runArgs(t, "snapshot", "-o", "json", "--kubeconfig", kubeconfig, "--config", cfg, "--vault-addr", e.Vault.Addr, "--prometheus-url", e.Prometheus.URL)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var s collectors.Snapshot
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatal(err)
	}
	wantKubelet := func(what, msg, pod string) {
		t.Helper()
		for _, w := range []string{"the kubelet on node " + node + " could not be reached for pod " + pod + "'s log", "connection refused", "kubectl get node " + node} {
			if !strings.Contains(msg, w) {
				t.Errorf("%s: %q lacks %q", what, msg, w)
			}
		}
		if strings.Contains(msg, "cannot reach the API server") || strings.Contains(msg, "containerLogs") {
			t.Errorf("%s: %q blames the API server or shows the kubelet URL", what, msg)
		}
	}
	logs := s.Source(collectors.SourceLogs)
	if logs.State == collectors.StateOK || len(logs.Problems) == 0 {
		t.Fatalf("logs source = %+v, want partial or error naming each pod", logs)
	}
	for _, p := range logs.Problems {
		pod := strings.TrimPrefix(p.Part, "log ")
		if pod == p.Part {
			continue // e.g. the source timeout
		}
		wantKubelet("logs "+p.Part, p.Error, pod)
	}
	tails := 0
	for _, j := range s.Kubernetes.Jobs {
		if j.Log != nil && j.Log.Error != "" {
			tails++
			wantKubelet("job "+j.Name, j.Log.Error, j.Log.Pod)
		}
	}
	if tails == 0 {
		t.Errorf("no Job log tail failed; want each to name the kubelet")
	}
}
