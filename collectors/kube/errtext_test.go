package kube

import (
	"context"
	"crypto/x509"
	"errors"
	"net"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// dialRefused is the error Go's HTTP client returns for a closed port.
func dialRefused(method, rawURL, addr string) error {
	return &url.Error{Op: method, URL: rawURL, Err: &net.OpError{
		Op: "dial", Net: "tcp", Addr: mustAddr(addr),
		Err: &os.SyscallError{Syscall: "connect", Err: syscall.ECONNREFUSED},
	}}
}

func mustAddr(s string) net.Addr {
	a, err := net.ResolveTCPAddr("tcp", s)
	if err != nil {
		panic(err)
	}
	return a
}

// kubeletDown is the API server's answer when the kubelet's port is closed:
// a 500 whose message is the API server's own dial error.
func kubeletDown() error {
	return &apierrors.StatusError{ErrStatus: metav1.Status{
		Status: metav1.StatusFailure, Code: 500, Reason: metav1.StatusReasonInternalError,
		Message: `Get "https://127.0.0.1:10250/containerLogs/rot/rotation-1-abc/rotate?limitBytes=262144&tailLines=200": dial tcp 127.0.0.1:10250: connect: connection refused`,
	}}
}

func TestKubeErr(t *testing.T) {
	gr := schema.GroupResource{Group: "batch", Resource: "cronjobs"}
	tests := map[string]struct {
		err     error
		want    []string
		notWant []string
	}{
		"refused API server": {
			err:     dialRefused("Get", "https://127.0.0.1:6443/apis/batch/v1/namespaces/rot/cronjobs/cmek-rotation?timeout=10s", "127.0.0.1:6443"),
			want:    []string{"get cronjob x: cannot reach the API server (dial tcp 127.0.0.1:6443: connect: connection refused); check --context and --kubeconfig"},
			notWant: []string{"?timeout"},
		},
		"timeout": {
			err:  &url.Error{Op: "Get", URL: "https://127.0.0.1:6443/apis/x?timeout=10s", Err: errors.New("net/http: request canceled (Client.Timeout exceeded while awaiting headers)")},
			want: []string{"the API server did not answer in time (127.0.0.1:6443: net/http: request canceled", "--request-timeout"},
		},
		"forbidden": {
			err:  apierrors.NewForbidden(gr, "x", errors.New("no")),
			want: []string{"forbidden by RBAC"},
		},
		"429": {
			err:  apierrors.NewTooManyRequests("Too many requests, please try again later.", 30),
			want: []string{"throttling requests (429 Too Many Requests)", "--request-timeout"},
		},
		"an answer is not 'cannot reach'": {
			err:     kubeletDown(),
			want:    []string{"get cronjob x: dial tcp 127.0.0.1:10250: connect: connection refused"},
			notWant: []string{"cannot reach the API server", "containerLogs"},
		},
		"untrusted": {
			err:  &url.Error{Op: "Get", URL: "https://10.0.0.1:6443/api", Err: x509.UnknownAuthorityError{}},
			want: []string{"the API server's TLS certificate is not trusted", "certificate-authority"},
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			got := KubeErr("get cronjob x", tt.err)
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("got %q, want it to hold %q", got, w)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(got, w) {
					t.Errorf("got %q, want it without %q", got, w)
				}
			}
		})
	}
}

func TestKubeLogErr(t *testing.T) {
	t.Run("kubelet refused", func(t *testing.T) {
		got := KubeLogErr("rotation-1-abc", "node-7", kubeletDown())
		want := "the kubelet on node node-7 could not be reached for pod rotation-1-abc's log: dial tcp 127.0.0.1:10250: connect: connection refused (the API server answered; check the node and its kubelet: kubectl get node node-7)"
		if got != want {
			t.Errorf("got  %q\nwant %q", got, want)
		}
	})
	t.Run("kubelet TLS, no node", func(t *testing.T) {
		err := &apierrors.StatusError{ErrStatus: metav1.Status{Code: 502, Message: `Get "https://10.0.0.7:10250/containerLogs/ns/p/c": remote error: tls: internal error`}}
		got := KubeLogErr("p", "", err)
		if !strings.HasPrefix(got, "the kubelet could not be reached for pod p's log: 10.0.0.7:10250: remote error") {
			t.Errorf("got %q", got)
		}
	})
	t.Run("container not started is not the kubelet", func(t *testing.T) {
		err := apierrors.NewBadRequest(`container "rotate" in pod "p" is waiting to start: ContainerCreating`)
		if got := KubeLogErr("p", "n", err); strings.Contains(got, "kubelet") || !strings.HasPrefix(got, "read log of pod p: ") {
			t.Errorf("got %q", got)
		}
	})
	t.Run("no answer in time names the kubelet too", func(t *testing.T) {
		err := &url.Error{Op: "Get", URL: "https://127.0.0.1:6443/api/v1/namespaces/ns/pods/p/log?container=rotate&limitBytes=262144",
			Err: errors.New("net/http: request canceled (Client.Timeout exceeded while awaiting headers)")}
		got := KubeLogErr("p", "node-7", err)
		want := "read log of pod p: no answer in time (127.0.0.1:6443: net/http: request canceled (Client.Timeout exceeded while awaiting headers)); the API server proxies pods/log to the kubelet on node node-7, which may hang (check the node and its kubelet: kubectl get node node-7), or the API server is overloaded or unreachable; or raise --request-timeout (kubernetes.requestTimeout)"
		if got != want {
			t.Errorf("got  %q\nwant %q", got, want)
		}
		if got := KubeLogErr("p", "", context.DeadlineExceeded); !strings.Contains(got, "to the kubelet, which may hang (check the pod's node and its kubelet)") {
			t.Errorf("no node: got %q", got)
		}
	})
	t.Run("API server refused", func(t *testing.T) {
		got := KubeLogErr("p", "n", dialRefused("Get", "https://127.0.0.1:6443/api/v1/namespaces/ns/pods/p/log?container=c", "127.0.0.1:6443"))
		if !strings.Contains(got, "cannot reach the API server") || strings.Contains(got, "kubelet") {
			t.Errorf("got %q", got)
		}
	})
}
