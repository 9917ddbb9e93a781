package faults

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	"k8s.io/client-go/tools/clientcmd"
)

func upstream(t *testing.T) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"path":"`+r.URL.Path+`","padding":"`+strings.Repeat("x", 400)+`"}`)
	}))
	t.Cleanup(s.Close)
	return s
}

func get(t *testing.T, c *http.Client, url string) (*http.Response, string, error) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, string(b), err
}

func TestProxy(t *testing.T) {
	up := upstream(t)
	host := strings.TrimPrefix(up.URL, "http://")
	t.Run("passes through", func(t *testing.T) {
		p := NewProxy(t, host)
		_, body, err := get(t, http.DefaultClient, p.URL("http")+"/v1/sys/health")
		if err != nil || !strings.Contains(body, `"path":"/v1/sys/health"`) {
			t.Fatalf("got %q, %v", body, err)
		}
	})
	t.Run("latency", func(t *testing.T) {
		p := NewProxy(t, host)
		p.Latency(t, 300*time.Millisecond)
		start := time.Now()
		if _, _, err := get(t, &http.Client{}, p.URL("http")+"/"); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d < 300*time.Millisecond {
			t.Errorf("answered in %s, want at least 300ms", d)
		}
	})
	t.Run("blackhole", func(t *testing.T) {
		p := NewProxy(t, host)
		p.Blackhole(t)
		_, _, err := get(t, &http.Client{Timeout: 300 * time.Millisecond}, p.URL("http")+"/")
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() {
			t.Errorf("got %v, want a timeout", err)
		}
	})
}

func TestClosedAddr(t *testing.T) {
	_, err := net.DialTimeout("tcp", ClosedAddr(t), time.Second)
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("dial: %v, want connection refused", err)
	}
}

func TestFronts(t *testing.T) {
	up := upstream(t)
	t.Run("respond", func(t *testing.T) {
		f := StartFront(t, Respond(429, "application/json", `{"code":429}`, "Retry-After", "30"))
		resp, body, err := get(t, http.DefaultClient, f.URL+"/api")
		if err != nil || resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "30" || body != `{"code":429}` {
			t.Fatalf("got %v %v %q, %v", resp.StatusCode, resp.Header, body, err)
		}
	})
	t.Run("routes", func(t *testing.T) {
		f := StartFront(t, Routes(Forward(up.URL), Route{Prefix: "/v1/secret/metadata", Handler: Respond(500, "application/json", `{"errors":["x"]}`)}))
		if resp, _, _ := get(t, http.DefaultClient, f.URL+"/v1/secret/metadata/tenants"); resp == nil || resp.StatusCode != 500 {
			t.Errorf("routed path: %v", resp)
		}
		if resp, body, _ := get(t, http.DefaultClient, f.URL+"/v1/sys/health"); resp == nil || resp.StatusCode != 200 || !strings.Contains(body, "/v1/sys/health") {
			t.Errorf("other path: %v %q", resp, body)
		}
	})
	t.Run("reset mid-response", func(t *testing.T) {
		f := StartFront(t, ResetMidResponse(Forward(up.URL)))
		resp, body, err := get(t, &http.Client{Transport: &http.Transport{}}, f.URL+"/v1/sys/health")
		if err == nil {
			t.Fatalf("got a whole answer %q", body)
		}
		if resp == nil || resp.StatusCode != 200 || !errors.Is(err, syscall.ECONNRESET) && !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("got %v, %v; want the status, then a reset", resp, err)
		}
		if len(body) == 0 {
			t.Errorf("no part of the body arrived before the reset")
		}
	})
	t.Run("untrusted TLS", func(t *testing.T) {
		f := StartTLSFront(t, Forward(up.URL))
		if _, _, err := get(t, &http.Client{}, f.URL+"/"); err == nil || !strings.Contains(err.Error(), "certificate") {
			t.Errorf("without the CA: %v, want a certificate error", err)
		}
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(f.CA.CertPEM)
		c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
		if _, body, err := get(t, c, f.URL+"/x"); err != nil || !strings.Contains(body, `"/x"`) {
			t.Errorf("with the CA: %q, %v", body, err)
		}
	})
	t.Run("silent TLS", func(t *testing.T) {
		s := StartSilent(t, true)
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(s.CA.CertPEM)
		conn, err := tls.Dial("tcp", s.Addr, &tls.Config{RootCAs: pool})
		if err != nil {
			t.Fatalf("the handshake must complete: %v", err)
		}
		defer conn.Close()
		_, _ = io.WriteString(conn, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		_ = conn.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		n, err := conn.Read(make([]byte, 10))
		var ne net.Error
		if n != 0 || !errors.As(err, &ne) || !ne.Timeout() {
			t.Errorf("read %d bytes, %v; want nothing until the deadline", n, err)
		}
	})
}

func TestKubeconfig(t *testing.T) {
	kc := []byte(`apiVersion: v1
kind: Config
clusters:
- name: lab
  cluster:
    server: https://127.0.0.1:6443
    certificate-authority-data: b2xk
users:
- name: admin
  user:
    token: abc
contexts:
- name: rot
  context:
    cluster: lab
    user: admin
    namespace: ns1
current-context: rot
`)
	out, err := Kubeconfig(kc, "https://127.0.0.1:1", []byte("new-ca"))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := clientcmd.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	c := cfg.Clusters["lab"]
	if c.Server != "https://127.0.0.1:1" || string(c.CertificateAuthorityData) != "new-ca" || cfg.Contexts["rot"].Namespace != "ns1" {
		t.Errorf("got server %s, ca %q, namespace %s", c.Server, c.CertificateAuthorityData, cfg.Contexts["rot"].Namespace)
	}
}
