package vault

import (
	"context"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"

	vault "github.com/hashicorp/vault/api"
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
		"429": {
			err:  &vault.ResponseError{StatusCode: 429, Errors: []string{"request path \"sys/health\": rate limit quota exceeded"}},
			want: []string{"Vault answered 429 Too Many Requests: rate limited, retry later"},
		},
		"404 page": {
			err:     &vault.ResponseError{StatusCode: 404, RawError: true, Errors: []string{"<html>not found</html>"}},
			want:    []string{"answered 404 without Vault's error body: not Vault's API (a proxy?)"},
			notWant: []string{"not found (404)"},
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
