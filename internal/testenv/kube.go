package testenv

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// Kube is a running API server with etcd (controller-runtime's envtest, with
// the binaries of scripts/testbins.sh).
type Kube struct {
	// Config is an admin (system:masters) client configuration.
	Config *rest.Config
	Client kubernetes.Interface
	// AuditLogPath is the API server's audit log (every request, metadata
	// level), so tests can prove what did or did not reach the server.
	AuditLogPath string
	// NodeName is a Node whose kubelet endpoint is the harness's LogServer.
	NodeName string
	Logs     *LogServer

	env  *envtest.Environment
	bins Bins
	dir  string

	mu  sync.Mutex // guards kcm
	kcm *process
}

// KubeOptions tune StartKube.
type KubeOptions struct {
	Bins Bins
	Dir  string // working files (kubeconfigs, audit log, controller-manager log)
}

const auditPolicy = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
- level: Metadata
`

// StartKube starts etcd and kube-apiserver on 127.0.0.1, registers a Node
// backed by a LogServer, and returns an admin client.
func StartKube(ctx context.Context, o KubeOptions) (*Kube, error) {
	k := &Kube{bins: o.Bins, dir: o.Dir, AuditLogPath: filepath.Join(o.Dir, "kube-apiserver-audit.log")}
	policy := filepath.Join(o.Dir, "audit-policy.yaml")
	if err := os.WriteFile(policy, []byte(auditPolicy), 0o600); err != nil {
		return nil, fmt.Errorf("write audit policy: %w", err)
	}
	k.env = &envtest.Environment{BinaryAssetsDirectory: o.Bins.KubeDir, ControlPlaneStartTimeout: 60 * time.Second}
	api := k.env.ControlPlane.GetAPIServer()
	args := api.Configure()
	// Without a default route the API server cannot pick an advertise
	// address, and the endpoint reconciler needs one; neither is needed here.
	args.Set("advertise-address", "127.0.0.1")
	args.Set("endpoint-reconciler-type", "none")
	args.Set("kubelet-preferred-address-types", "InternalIP")
	args.Set("audit-policy-file", policy)
	args.Set("audit-log-path", k.AuditLogPath)
	args.Set("audit-log-mode", "blocking")
	cfg, err := k.env.Start()
	if err != nil {
		return nil, fmt.Errorf("start kube-apiserver and etcd from %s: %w", o.Bins.KubeDir, err)
	}
	k.Config = cfg
	if k.Client, err = kubernetes.NewForConfig(cfg); err != nil {
		k.Stop()
		return nil, fmt.Errorf("kubernetes client: %w", err)
	}
	if k.Logs, err = StartLogServer(); err != nil {
		k.Stop()
		return nil, err
	}
	k.NodeName = "rotation-lab-node"
	if err := k.registerNode(ctx); err != nil {
		k.Stop()
		return nil, err
	}
	return k, nil
}

// registerNode creates a Ready Node at 127.0.0.1 whose kubelet port is the
// LogServer's, so that pods/log for pods on it reach the LogServer.
func (k *Kube) registerNode(ctx context.Context) error {
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: k.NodeName, Labels: map[string]string{"kubernetes.io/hostname": k.NodeName}}}
	created, err := k.Client.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("register node %s: %w", k.NodeName, err)
	}
	created.Status = corev1.NodeStatus{
		// Only an InternalIP: the API server prefers a Hostname address and
		// would resolve it through DNS.
		Addresses:       []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "127.0.0.1"}},
		DaemonEndpoints: corev1.NodeDaemonEndpoints{KubeletEndpoint: corev1.DaemonEndpoint{Port: int32(k.Logs.Port)}},
		Conditions: []corev1.NodeCondition{{
			Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady",
			Message: "kubelet endpoint is the kubectl-rotation test log server", LastHeartbeatTime: metav1.Now(), LastTransitionTime: metav1.Now(),
		}},
	}
	if _, err := k.Client.CoreV1().Nodes().UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("set node %s status: %w", k.NodeName, err)
	}
	return nil
}

// APIServerURL is the https URL of the API server.
func (k *Kube) APIServerURL() string { return k.Config.Host }

// CACert is the PEM of the CA that signed the API server's certificate.
func (k *Kube) CACert() []byte { return k.Config.CAData }

// AddUser creates a client-certificate user with the given groups and
// returns its client configuration and a kubeconfig for it (namespace set as
// the context's default when ns is not empty).
func (k *Kube) AddUser(name string, groups []string, ns string) (*rest.Config, []byte, error) {
	u, err := k.env.ControlPlane.AddUser(envtest.User{Name: name, Groups: groups}, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("add user %s: %w", name, err)
	}
	kc, err := u.KubeConfig()
	if err != nil {
		return nil, nil, fmt.Errorf("kubeconfig for %s: %w", name, err)
	}
	if ns != "" {
		kc, err = withNamespace(kc, ns)
		if err != nil {
			return nil, nil, err
		}
	}
	return u.Config(), kc, nil
}

// StartControllerManager starts kube-controller-manager with the controllers
// the rotation flows need (CronJob → Job, Job deadlines and backoff,
// Deployment → ReplicaSet → Pod rollouts, garbage collection, default
// service accounts). It is idempotent.
func (k *Kube) StartControllerManager(ctx context.Context) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.kcm != nil && !k.kcm.exited() {
		return nil
	}
	_, kc, err := k.AddUser("kube-controller-manager", []string{"system:masters"}, "")
	if err != nil {
		return err
	}
	kcPath := filepath.Join(k.dir, "kube-controller-manager.kubeconfig")
	if err := os.WriteFile(kcPath, kc, 0o600); err != nil {
		return fmt.Errorf("write controller-manager kubeconfig: %w", err)
	}
	p, err := startProcess("kube-controller-manager", filepath.Join(k.dir, "kube-controller-manager.log"), minimalEnv(k.dir),
		k.bins.ControllerManager(),
		"--kubeconfig="+kcPath,
		"--leader-elect=false",
		"--secure-port=0",
		"--controllers=cronjob-controller,job-controller,deployment-controller,replicaset-controller,garbage-collector-controller,serviceaccount-controller",
		"--concurrent-job-syncs=5",
	)
	if err != nil {
		return err
	}
	k.kcm = p
	// Ready when the serviceaccount controller has made the default service
	// account in kube-system: proof that it is connected and running.
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, err := k.Client.CoreV1().ServiceAccounts("kube-system").Get(ctx, "default", metav1.GetOptions{})
		if err == nil {
			return nil
		}
		if !apierrors.IsNotFound(err) || p.exited() || time.Now().After(deadline) {
			return fmt.Errorf("kube-controller-manager not ready (see %s): %v", p.log.Name(), err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Stop ends the controller manager, the API server, etcd and the log server.
func (k *Kube) Stop() {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.kcm != nil {
		k.kcm.stop()
	}
	if k.Logs != nil {
		k.Logs.Close()
	}
	if k.env != nil {
		_ = k.env.Stop()
	}
}

// withNamespace sets the namespace of every context in a kubeconfig. The
// kubeconfig envtest writes is small and regular; clientcmd does the work.
func withNamespace(kc []byte, ns string) ([]byte, error) {
	cfg, err := clientcmdLoad(kc)
	if err != nil {
		return nil, err
	}
	for _, c := range cfg.Contexts {
		c.Namespace = ns
	}
	return clientcmdWrite(cfg)
}

// sanitizeName turns a test name into a DNS-1123 label fragment.
func sanitizeName(s string) string {
	s = strings.ToLower(s)
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	out := strings.Trim(b.String(), "-")
	for strings.Contains(out, "--") {
		out = strings.ReplaceAll(out, "--", "-")
	}
	if len(out) > 40 {
		out = strings.Trim(out[:40], "-")
	}
	return out
}

func clientcmdLoad(kc []byte) (*clientcmdapi.Config, error) {
	cfg, err := clientcmd.Load(kc)
	if err != nil {
		return nil, fmt.Errorf("parse kubeconfig: %w", err)
	}
	return cfg, nil
}

func clientcmdWrite(cfg *clientcmdapi.Config) ([]byte, error) {
	out, err := clientcmd.Write(*cfg)
	if err != nil {
		return nil, fmt.Errorf("write kubeconfig: %w", err)
	}
	return out, nil
}
