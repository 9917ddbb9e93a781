package faults

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/config"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/lab"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/testenv"
)

func discardLog() *log.Logger { return log.New(io.Discard, "", 0) }

// Kubeconfig returns kc with every cluster's server set to server and,
// when ca is not nil, the cluster's CA replaced by ca (for a TLS front of
// the test's own). It returns clientcmd's errors.
func Kubeconfig(kc []byte, server string, ca []byte) ([]byte, error) {
	cfg, err := clientcmd.Load(kc)
	if err != nil {
		return nil, fmt.Errorf("parse kubeconfig: %w", err)
	}
	for _, c := range cfg.Clusters {
		c.Server = server
		if ca != nil {
			c.CertificateAuthority, c.CertificateAuthorityData = "", ca
		}
	}
	out, err := clientcmd.Write(*cfg)
	if err != nil {
		return nil, fmt.Errorf("write kubeconfig: %w", err)
	}
	return out, nil
}

// WriteFile writes data to dir/name (mode 0600) and returns the path. It
// fails the test on an error.
func WriteFile(tb testing.TB, dir, name string, data []byte) string {
	tb.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}

// KubeconfigVia writes kc, pointed at server (with ca as its CA when not
// nil), to dir and returns the file's path.
func KubeconfigVia(tb testing.TB, dir string, kc []byte, server string, ca []byte) string {
	tb.Helper()
	out, err := Kubeconfig(kc, server, ca)
	if err != nil {
		tb.Fatal(err)
	}
	return WriteFile(tb, dir, "kubeconfig-"+strings.NewReplacer(":", "-", "/", "-").Replace(strings.TrimPrefix(server, "https://")), out)
}

// users serialises envtest's AddUser, which provisions certificates in a
// shared directory.
var users sync.Mutex

// AddUser is testenv's Kube.AddUser, safe to call from parallel tests.
func AddUser(tb testing.TB, e *testenv.Env, name string, groups []string, ns string) []byte {
	tb.Helper()
	users.Lock()
	defer users.Unlock()
	_, kc, err := e.Kube.AddUser(name, groups, ns)
	if err != nil {
		tb.Fatal(err)
	}
	return kc
}

// RegisterNode creates a Ready Node at 127.0.0.1 whose kubelet endpoint is
// port (the API server sends pods/log for its pods there: a log server of
// the test's own, or a closed port), and deletes it when the test ends. It
// returns the Node's name.
func RegisterNode(tb testing.TB, kube kubernetes.Interface, name string, port int) string {
	tb.Helper()
	ctx := context.Background()
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"kubernetes.io/hostname": name}}}
	created, err := kube.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{})
	if err != nil {
		tb.Fatalf("register node %s: %v", name, err)
	}
	tb.Cleanup(func() { _ = kube.CoreV1().Nodes().Delete(context.Background(), name, metav1.DeleteOptions{}) })
	created.Status = corev1.NodeStatus{
		Addresses:       []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "127.0.0.1"}},
		DaemonEndpoints: corev1.NodeDaemonEndpoints{KubeletEndpoint: corev1.DaemonEndpoint{Port: int32(port)}},
		Conditions: []corev1.NodeCondition{{
			Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady",
			Message: "kubelet endpoint of a kubectl-rotation fault test", LastHeartbeatTime: metav1.Now(), LastTransitionTime: metav1.Now(),
		}},
	}
	if _, err := kube.CoreV1().Nodes().UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
		tb.Fatalf("set node %s status: %v", name, err)
	}
	return name
}

// DiscardLogs is a lab.LogSink that keeps nothing (for a Node whose kubelet
// is down).
type DiscardLogs struct{}

// Set implements lab.LogSink.
func (DiscardLogs) Set(string, string, string, []byte) {}

// MangleLogs is a lab.LogSink that passes each container's log through
// Mangle before it reaches Logs: the lab's own logs with junk put in.
type MangleLogs struct {
	Logs lab.LogSink
	// Mangle returns the log to serve for a container; nil keeps it.
	Mangle func(ns, pod, container string, data []byte) []byte
}

// Set implements lab.LogSink.
func (m MangleLogs) Set(ns, pod, container string, data []byte) {
	if m.Mangle != nil {
		if out := m.Mangle(ns, pod, container, data); out != nil {
			data = out
		}
	}
	m.Logs.Set(ns, pod, container, data)
}

// SeedOnNode seeds the shared servers for one test as lab.SeedTB does, but
// the lab's pods run on node and their logs go to logs: a Node of the
// test's own (RegisterNode) makes a kubelet fault affect this test only.
func SeedOnNode(tb testing.TB, e *testenv.Env, o lab.Options, node string, logs lab.LogSink) lab.World {
	tb.Helper()
	n := lab.DefaultNames()
	n.KVMount = e.KVMount(tb)
	n.AuthMount = "k8s-" + n.KVMount
	n.Policy = "cmek-" + n.KVMount
	o.Names = n
	ns := e.Namespace(tb)
	key := tb.Name()
	s, err := lab.Seed(context.Background(), lab.Target{
		Kube: e.Kube.Client, Namespace: ns, NodeName: node, Logs: logs,
		Vault: e.VaultRoot(tb), APIServerURL: e.Kube.APIServerURL(), APIServerCA: e.Kube.CACert(),
		Metrics: e.Exporter, MetricsKey: key, MetricsInstance: e.Exporter.Addr,
	}, o)
	if err != nil {
		tb.Fatalf("seed: %v", err)
	}
	tb.Cleanup(func() { e.Exporter.Set(key, nil) })
	cfg := config.Default()
	cfg.Vault.KVMount, cfg.Vault.KubernetesAuthMount, cfg.Vault.Policy = n.KVMount, n.AuthMount, n.Policy
	return lab.World{Env: e, Namespace: ns, Names: n, Seeded: s, Config: cfg}
}
