package kube

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"testing"
	"time"

	"k8s.io/client-go/rest"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

func TestDescribeKubeCredential(t *testing.T) {
	notAfter := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	certPEM := selfSignedCert(t, "alice", notAfter)
	tests := map[string]struct {
		cfg  rest.Config
		want KubeCredential
	}{
		"certificate": {cfg: rest.Config{TLSClientConfig: rest.TLSClientConfig{CertData: certPEM}},
			want: KubeCredential{Kind: KubeCredCertificate, CertSubject: "alice", CertNotAfter: &notAfter}},
		"exec": {cfg: rest.Config{ExecProvider: &clientcmdapi.ExecConfig{Command: "/usr/local/bin/aws"}},
			want: KubeCredential{Kind: KubeCredExec, ExecCommand: "aws"}},
		"oidc": {cfg: rest.Config{AuthProvider: &clientcmdapi.AuthProviderConfig{Name: "oidc"}},
			want: KubeCredential{Kind: KubeCredAuthProvider, AuthProvider: "oidc"}},
		"token": {cfg: rest.Config{BearerToken: "never-shown"}, want: KubeCredential{Kind: KubeCredToken}},
		"none":  {want: KubeCredential{Kind: KubeCredNone}},
		"bad certificate": {cfg: rest.Config{TLSClientConfig: rest.TLSClientConfig{CertData: []byte("junk")}},
			want: KubeCredential{Kind: KubeCredCertificate, CertError: "the client certificate holds no PEM certificate"}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			got := DescribeKubeCredential(&tt.cfg)
			if got.Kind != tt.want.Kind || got.ExecCommand != tt.want.ExecCommand || got.AuthProvider != tt.want.AuthProvider ||
				got.CertSubject != tt.want.CertSubject || got.CertError != tt.want.CertError ||
				(got.CertNotAfter == nil) != (tt.want.CertNotAfter == nil) || (got.CertNotAfter != nil && !got.CertNotAfter.Equal(*tt.want.CertNotAfter)) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

// selfSignedCert returns a PEM client certificate for cn valid until
// notAfter.
func selfSignedCert(tb testing.TB, cn string, notAfter time.Time) []byte {
	tb.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn},
		NotBefore: notAfter.Add(-24 * time.Hour), NotAfter: notAfter, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		tb.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}
