package testenv

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// Netns is a network namespace the harness made, joined to the host by a
// veth pair: the host side has HostIP, the namespace side PeerIP (a /30 in
// 10.213.0.0/16). The API server refuses loopback endpoints for its service
// proxy, so a server that must be reached through it listens on PeerIP.
type Netns struct {
	Name   string
	HostIP string
	PeerIP string
	link   string
}

var netnsSeq atomic.Int32

// NewNetns creates a namespace and its veth pair (needs root and iproute2).
func NewNetns(ctx context.Context) (*Netns, error) {
	n := int(netnsSeq.Add(1))
	id := randomID(2)
	sub := (int(id[0])*7 + n) % 250 // spread runs over 10.213.0.0/16
	ns := &Netns{
		Name:   "kr-" + id + fmt.Sprint(n),
		HostIP: fmt.Sprintf("10.213.%d.%d", sub, 4*n%252+1),
		link:   "krv" + id + fmt.Sprint(n),
	}
	ns.PeerIP = fmt.Sprintf("10.213.%d.%d", sub, 4*n%252+2)
	steps := [][]string{
		{"netns", "add", ns.Name},
		{"link", "add", ns.link + "h", "type", "veth", "peer", "name", ns.link + "p"},
		{"link", "set", ns.link + "p", "netns", ns.Name},
		{"addr", "add", ns.HostIP + "/30", "dev", ns.link + "h"},
		{"link", "set", ns.link + "h", "up"},
		{"-n", ns.Name, "addr", "add", ns.PeerIP + "/30", "dev", ns.link + "p"},
		{"-n", ns.Name, "link", "set", ns.link + "p", "up"},
		{"-n", ns.Name, "link", "set", "lo", "up"},
	}
	for _, s := range steps {
		if out, err := exec.CommandContext(ctx, "ip", s...).CombinedOutput(); err != nil {
			ns.Close()
			return nil, fmt.Errorf("ip %s: %v: %s (network namespaces need root and iproute2)", strings.Join(s, " "), err, out)
		}
	}
	return ns, nil
}

// Exec is the command prefix that runs a program inside the namespace.
func (n *Netns) Exec() []string { return []string{"ip", "netns", "exec", n.Name} }

// Close deletes the namespace (and with it the veth pair).
func (n *Netns) Close() {
	_ = exec.Command("ip", "link", "del", n.link+"h").Run()
	_ = exec.Command("ip", "netns", "del", n.Name).Run()
}

// ExposeService makes NAME:PORT in namespace ns a Service whose one endpoint
// is ip:port, backed by a Pod holding that IP, as the API server's service
// proxy requires (an EndpointSlice endpoint with a targetRef to a Pod whose
// status.podIPs has the address).
func (k *Kube) ExposeService(ctx context.Context, ns, name string, port int32, ip string) error {
	c := k.Client
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name + "-0", Namespace: ns, Labels: map[string]string{"app": name}},
		Spec:       corev1.PodSpec{NodeName: k.NodeName, Containers: []corev1.Container{{Name: name, Image: name}}},
	}
	p, err := c.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("create pod %s: %w", pod.Name, err)
	}
	p.Status = corev1.PodStatus{Phase: corev1.PodRunning, PodIP: ip, PodIPs: []corev1.PodIP{{IP: ip}}, HostIP: "127.0.0.1",
		Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}}
	if _, err := c.CoreV1().Pods(ns).UpdateStatus(ctx, p, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("set pod %s IP: %w", pod.Name, err)
	}
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec:       corev1.ServiceSpec{Ports: []corev1.ServicePort{{Name: "web", Port: port, Protocol: corev1.ProtocolTCP}}},
	}
	if _, err := c.CoreV1().Services(ns).Create(ctx, svc, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create service %s: %w", name, err)
	}
	slice := &discoveryv1.EndpointSlice{
		ObjectMeta: metav1.ObjectMeta{Name: name + "-harness", Namespace: ns, Labels: map[string]string{
			discoveryv1.LabelServiceName: name, discoveryv1.LabelManagedBy: "kubectl-rotation-testenv",
		}},
		AddressType: discoveryv1.AddressTypeIPv4,
		Endpoints: []discoveryv1.Endpoint{{
			Addresses:  []string{ip},
			Conditions: discoveryv1.EndpointConditions{Ready: ptr.To(true)},
			TargetRef:  &corev1.ObjectReference{Kind: "Pod", Namespace: ns, Name: p.Name, UID: p.UID},
			NodeName:   ptr.To(k.NodeName),
		}},
		Ports: []discoveryv1.EndpointPort{{Name: ptr.To("web"), Port: ptr.To(port), Protocol: ptr.To(corev1.ProtocolTCP)}},
	}
	if _, err := c.DiscoveryV1().EndpointSlices(ns).Create(ctx, slice, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create endpointslice for %s: %w", name, err)
	}
	return nil
}

// PrometheusBehindService starts a private Prometheus inside a new network
// namespace and exposes it as Service ns/prometheus:9090 for the API
// server's service proxy. The Prometheus cannot reach the host's loopback,
// so it serves the back-filled history and evaluates rules; it does not
// scrape. Everything is removed when the test ends.
func (e *Env) PrometheusBehindService(tb testing.TB, ns string, o PrometheusOptions) *Prometheus {
	tb.Helper()
	ctx := context.Background()
	nn, err := NewNetns(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(nn.Close)
	o.Bins, o.Dir, o.Targets = e.Bins, e.TempDir(tb), nil
	o.Listen, o.Wrap = hostPort(nn.PeerIP, 9090), nn.Exec()
	p, err := StartPrometheus(ctx, o)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(p.Stop)
	if err := e.Kube.ExposeService(ctx, ns, "prometheus", 9090, nn.PeerIP); err != nil {
		tb.Fatal(err)
	}
	return p
}
