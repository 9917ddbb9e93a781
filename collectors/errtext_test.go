package collectors

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	vault "github.com/hashicorp/vault/api"
	promapi "github.com/prometheus/client_golang/api"
	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
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

func TestErrDetail(t *testing.T) {
	tests := map[string]struct {
		err  error
		want string
	}{
		"refused: URL dropped, address kept": {
			dialRefused("Get", "http://127.0.0.1:8200/v1/sys/health?drsecondarycode=299&haunhealthycode=299&performancestandbycode=299&removedcode=299&sealedcode=299&standbycode=299&uninitcode=299", "127.0.0.1:8200"),
			"dial tcp 127.0.0.1:8200: connect: connection refused",
		},
		"EOF gets the address": {
			&url.Error{Op: "Get", URL: "https://vault.example.com:8200/v1/sys/health?a=1", Err: io.EOF},
			"vault.example.com:8200: EOF",
		},
		"forwarded text": {
			errors.New(`Get "https://127.0.0.1:10250/containerLogs/ns/p/c?limitBytes=1&tailLines=2": dial tcp 127.0.0.1:10250: connect: connection refused`),
			"dial tcp 127.0.0.1:10250: connect: connection refused",
		},
		"forwarded text without the address": {
			errors.New(`Get "https://10.0.0.7:10250/containerLogs/ns/p/c?tailLines=2": remote error: tls: bad certificate`),
			"10.0.0.7:10250: remote error: tls: bad certificate",
		},
		"plain": {errors.New("boom"), "boom"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if got := errDetail(tt.err); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestClassifyNet(t *testing.T) {
	tests := map[string]struct {
		err  error
		want netFault
	}{
		"refused":       {dialRefused("Get", "http://127.0.0.1:1/x", "127.0.0.1:1"), faultRefused},
		"refused text":  {errors.New("dial tcp 10.0.0.1:10250: connect: connection refused"), faultRefused},
		"deadline":      {fmt.Errorf("get: %w", context.DeadlineExceeded), faultTimeout},
		"client":        {&url.Error{Op: "Get", URL: "https://h/x", Err: errors.New("net/http: request canceled (Client.Timeout exceeded while awaiting headers)")}, faultTimeout},
		"i/o timeout":   {errors.New("dial tcp 10.0.0.1:443: i/o timeout"), faultTimeout},
		"canceled":      {fmt.Errorf("x: %w", context.Canceled), faultCanceled},
		"unknown CA":    {&url.Error{Op: "Get", URL: "https://h/x", Err: x509.UnknownAuthorityError{}}, faultUntrusted},
		"x509 text":     {errors.New("tls: failed to verify certificate: x509: certificate signed by unknown authority"), faultUntrusted},
		"https to http": {errors.New("http: server gave HTTP response to HTTPS client"), faultNotTLS},
		"reset":         {&url.Error{Op: "Get", URL: "http://h/x", Err: syscall.ECONNRESET}, faultReset},
		"EOF":           {&url.Error{Op: "Get", URL: "http://h/x", Err: io.EOF}, faultReset},
		"no host":       {&url.Error{Op: "Get", URL: "http://h/x", Err: &net.DNSError{Err: "no such host", Name: "h", IsNotFound: true}}, faultNoHost},
		"other":         {errors.New("boom"), faultOther},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if got := classifyNet(tt.err); got != tt.want {
				t.Errorf("got %d, want %d", got, tt.want)
			}
		})
	}
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
			got := kubeErr("get cronjob x", tt.err)
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
		got := kubeLogErr("rotation-1-abc", "node-7", kubeletDown())
		want := "the kubelet on node node-7 could not be reached for pod rotation-1-abc's log: dial tcp 127.0.0.1:10250: connect: connection refused (the API server answered; check the node and its kubelet: kubectl get node node-7)"
		if got != want {
			t.Errorf("got  %q\nwant %q", got, want)
		}
	})
	t.Run("kubelet TLS, no node", func(t *testing.T) {
		err := &apierrors.StatusError{ErrStatus: metav1.Status{Code: 502, Message: `Get "https://10.0.0.7:10250/containerLogs/ns/p/c": remote error: tls: internal error`}}
		got := kubeLogErr("p", "", err)
		if !strings.HasPrefix(got, "the kubelet could not be reached for pod p's log: 10.0.0.7:10250: remote error") {
			t.Errorf("got %q", got)
		}
	})
	t.Run("container not started is not the kubelet", func(t *testing.T) {
		err := apierrors.NewBadRequest(`container "rotate" in pod "p" is waiting to start: ContainerCreating`)
		if got := kubeLogErr("p", "n", err); strings.Contains(got, "kubelet") || !strings.HasPrefix(got, "read log of pod p: ") {
			t.Errorf("got %q", got)
		}
	})
	t.Run("API server refused", func(t *testing.T) {
		got := kubeLogErr("p", "n", dialRefused("Get", "https://127.0.0.1:6443/api/v1/namespaces/ns/pods/p/log?container=c", "127.0.0.1:6443"))
		if !strings.Contains(got, "cannot reach the API server") || strings.Contains(got, "kubelet") {
			t.Errorf("got %q", got)
		}
	})
}

func TestVaultErr(t *testing.T) {
	tests := map[string]struct {
		err     error
		want    []string
		notWant []string
	}{
		"refused": {
			err:     dialRefused("Get", "http://127.0.0.1:8200/v1/sys/health?drsecondarycode=299&haunhealthycode=299&performancestandbycode=299&removedcode=299&sealedcode=299&standbycode=299&uninitcode=299", "127.0.0.1:8200"),
			want:    []string{"read sys/health: Vault refused the connection (dial tcp 127.0.0.1:8200: connect: connection refused)", "VAULT_ADDR"},
			notWant: []string{"sealedcode", "http://"},
		},
		"untrusted": {
			err:  &url.Error{Op: "Get", URL: "https://127.0.0.1:8200/v1/sys/health?a=1", Err: &tlsVerifyErr{x509.UnknownAuthorityError{}}},
			want: []string{"Vault's TLS certificate is not trusted (127.0.0.1:8200: ", "--vault-cacert", "VAULT_CACERT", "VAULT_SKIP_VERIFY"},
		},
		"https to a plain server": {
			err:  &url.Error{Op: "Get", URL: "https://127.0.0.1:8200/v1/sys/health", Err: errors.New("http: server gave HTTP response to HTTPS client")},
			want: []string{"scheme of the Vault address does not match", "VAULT_ADDR"},
		},
		"timeout": {
			err:  &url.Error{Op: "Get", URL: "http://127.0.0.1:8200/v1/sys/health", Err: context.DeadlineExceeded},
			want: []string{"Vault did not answer in time (127.0.0.1:8200: context deadline exceeded)", "vault.requestTimeout"},
		},
		"reset": {
			err:  &url.Error{Op: "Get", URL: "http://127.0.0.1:8200/v1/sys/health", Err: io.ErrUnexpectedEOF},
			want: []string{"the connection to Vault broke off (127.0.0.1:8200: unexpected EOF)"},
		},
		"403": {
			err:  &vault.ResponseError{StatusCode: 403, Errors: []string{"permission denied"}},
			want: []string{"permission denied (403)"},
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			got := vaultErr("read sys/health", tt.err)
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

// tlsVerifyErr wraps an x509 error as crypto/tls does.
type tlsVerifyErr struct{ err error }

func (e *tlsVerifyErr) Error() string { return "tls: failed to verify certificate: " + e.err.Error() }
func (e *tlsVerifyErr) Unwrap() error { return e.err }

// TestPromErr gets each error from client_golang against a small server,
// so the classifier sees what the library really returns.
func TestPromErr(t *testing.T) {
	tests := map[string]struct {
		handler http.HandlerFunc
		want    []string
	}{
		"HTML instead of JSON": {
			handler: func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				_, _ = io.WriteString(w, "<!doctype html><html><body>Sign in</body></html>")
			},
			want: []string{"answered HTML, not Prometheus's API", "base URL"},
		},
		"422 bad query": {
			handler: func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(422)
				_, _ = io.WriteString(w, `{"status":"error","errorType":"execution","error":"query processing would load too many samples into memory in query execution"}`)
			},
			want: []string{"rejected the query (execution: query processing would load too many samples", "prometheus.metrics"},
		},
		"403 from a proxy": {
			handler: func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "Forbidden", http.StatusForbidden) },
			want:    []string{"forbidden (403) by http://", "proxy or credentials"},
		},
		"502 from a proxy": {
			handler: func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "bad gateway", http.StatusBadGateway) },
			want:    []string{"server_error: server error: 502: bad gateway"},
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			defer srv.Close()
			pc, err := promapi.NewClient(promapi.Config{Address: srv.URL})
			if err != nil {
				t.Fatal(err)
			}
			_, _, _, qerr := promv1.NewAPI(pc).Query(context.Background(), "up", time.Now())
			if qerr == nil {
				t.Fatal("the query did not fail")
			}
			got := promErr(srv.URL, "query up", qerr)
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("got %q (from %v), want it to hold %q", got, qerr, w)
				}
			}
		})
	}
	t.Run("refused", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		pc, _ := promapi.NewClient(promapi.Config{Address: "http://" + addr})
		_, _, _, qerr := promv1.NewAPI(pc).Query(context.Background(), "up", time.Now())
		got := promErr("http://"+addr, "query up", qerr)
		want := "query up: Prometheus at http://" + addr + " refused the connection (dial tcp " + addr + ": connect: connection refused)"
		if !strings.HasPrefix(got, want) || strings.Contains(got, "/api/v1/query") {
			t.Errorf("got  %q\nwant %q…", got, want)
		}
	})
}

// TestRetryAfterBudget: a 429 whose Retry-After fits within the request
// timeout is retried by client-go; one that does not fails at once with
// the server's 429, worded as throttling, instead of sleeping into the
// timeout.
func TestRetryAfterBudget(t *testing.T) {
	status := `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Too many requests, please try again later.","reason":"TooManyRequests","details":{"retryAfterSeconds":%d},"code":429}`
	tests := map[string]struct {
		retryAfter int
		timeout    time.Duration
		maxTime    time.Duration
		wantCalls  func(n int) bool
	}{
		"Retry-After past the deadline fails at once": {retryAfter: 30, timeout: 3 * time.Second, maxTime: time.Second, wantCalls: func(n int) bool { return n == 1 }},
		"Retry-After within the deadline is retried":  {retryAfter: 1, timeout: 3 * time.Second, maxTime: 3500 * time.Millisecond, wantCalls: func(n int) bool { return n >= 2 && n <= 4 }},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			calls := 0
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				calls++
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Retry-After", fmt.Sprint(tt.retryAfter))
				w.WriteHeader(http.StatusTooManyRequests)
				fmt.Fprintf(w, status, tt.retryAfter)
			}))
			defer srv.Close()
			clients, err := Connect(ConnectOptions{REST: &rest.Config{Host: srv.URL, Timeout: tt.timeout}})
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			_, err = clients.Kube.(*kubernetes.Clientset).BatchV1().CronJobs("ns").Get(context.Background(), "cmek-rotation", metav1.GetOptions{})
			took := time.Since(start)
			if err == nil {
				t.Fatal("no error")
			}
			msg := kubeErr("get cronjob cmek-rotation", err)
			if took > tt.maxTime || !tt.wantCalls(calls) || !strings.Contains(msg, "429") {
				t.Errorf("took %v (max %v), %d calls; message %q", took, tt.maxTime, calls, msg)
			}
		})
	}
}

// TestVaultErr_TLS: vault/api against a TLS server whose CA it does not
// know names --vault-cacert; with a plain-HTTP server behind https:// the
// scheme.
func TestVaultErr_TLS(t *testing.T) {
	tlsSrv := httptest.NewTLSServer(http.NotFoundHandler())
	defer tlsSrv.Close()
	plain := httptest.NewServer(http.NotFoundHandler())
	defer plain.Close()
	tests := map[string]struct {
		addr string
		want []string
	}{
		"unknown CA":    {tlsSrv.URL, []string{"Vault's TLS certificate is not trusted (", "--vault-cacert", "VAULT_CACERT"}},
		"https to http": {strings.Replace(plain.URL, "http://", "https://", 1), []string{"scheme of the Vault address does not match"}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			cfg := vault.DefaultConfig()
			cfg.Address, cfg.MaxRetries = tt.addr, 0
			client, err := vault.NewClient(cfg)
			if err != nil {
				t.Fatal(err)
			}
			_, err = client.Sys().HealthWithContext(context.Background())
			if err == nil {
				t.Fatal("no error")
			}
			got := vaultErr("read sys/health", err)
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("got %q (from %v), want it to hold %q", got, err, w)
				}
			}
			if strings.Contains(got, "sealedcode") {
				t.Errorf("got %q: the request URL is shown", got)
			}
		})
	}
}
