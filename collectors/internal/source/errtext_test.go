package source

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"syscall"
	"testing"
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
			if got := ErrDetail(tt.err); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestClassifyNet(t *testing.T) {
	tests := map[string]struct {
		err  error
		want NetFault
	}{
		"refused":       {dialRefused("Get", "http://127.0.0.1:1/x", "127.0.0.1:1"), FaultRefused},
		"refused text":  {errors.New("dial tcp 10.0.0.1:10250: connect: connection refused"), FaultRefused},
		"deadline":      {fmt.Errorf("get: %w", context.DeadlineExceeded), FaultTimeout},
		"client":        {&url.Error{Op: "Get", URL: "https://h/x", Err: errors.New("net/http: request canceled (Client.Timeout exceeded while awaiting headers)")}, FaultTimeout},
		"i/o timeout":   {errors.New("dial tcp 10.0.0.1:443: i/o timeout"), FaultTimeout},
		"canceled":      {fmt.Errorf("x: %w", context.Canceled), FaultCanceled},
		"unknown CA":    {&url.Error{Op: "Get", URL: "https://h/x", Err: x509.UnknownAuthorityError{}}, FaultUntrusted},
		"x509 text":     {errors.New("tls: failed to verify certificate: x509: certificate signed by unknown authority"), FaultUntrusted},
		"https to http": {errors.New("http: server gave HTTP response to HTTPS client"), FaultNotTLS},
		"reset":         {&url.Error{Op: "Get", URL: "http://h/x", Err: syscall.ECONNRESET}, FaultReset},
		"EOF":           {&url.Error{Op: "Get", URL: "http://h/x", Err: io.EOF}, FaultReset},
		"no host":       {&url.Error{Op: "Get", URL: "http://h/x", Err: &net.DNSError{Err: "no such host", Name: "h", IsNotFound: true}}, FaultNoHost},
		"other":         {errors.New("boom"), faultOther},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if got := ClassifyNet(tt.err); got != tt.want {
				t.Errorf("got %d, want %d", got, tt.want)
			}
		})
	}
}
