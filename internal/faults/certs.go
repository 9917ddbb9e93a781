package faults

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// CA is a certificate authority made for one test, with a serving
// certificate for 127.0.0.1 and localhost that it signed. No system trusts
// it: a client verifies a front using it only when given CertPEM.
type CA struct {
	// CertPEM is the CA certificate (for --vault-cacert, or a kubeconfig's
	// certificate-authority-data).
	CertPEM []byte
	// Server is the serving certificate and key.
	Server tls.Certificate
}

// NewCA makes a CA named name and its serving certificate. It returns
// crypto/x509's errors.
func NewCA(name string) (*CA, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(now.UnixNano()),
		Subject:               pkix.Name{CommonName: name + " CA", Organization: []string{"kubectl-rotation fault suite"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("create CA certificate: %w", err)
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(now.UnixNano() + 1),
		Subject:      pkix.Name{CommonName: name},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:     []string{"localhost"},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("create serving certificate: %w", err)
	}
	return &CA{
		CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		Server:  tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key},
	}, nil
}

// MustCA is NewCA that fails the test on an error.
func MustCA(tb testing.TB, name string) *CA {
	tb.Helper()
	ca, err := NewCA(name)
	if err != nil {
		tb.Fatalf("make a CA for %s: %v", name, err)
	}
	return ca
}

// WriteCert writes CertPEM to a file in dir and returns its path.
func (ca *CA) WriteCert(tb testing.TB, dir string) string {
	tb.Helper()
	path := filepath.Join(dir, "fault-ca.pem")
	if err := os.WriteFile(path, ca.CertPEM, 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}

// TLSConfig is a server configuration presenting the serving certificate.
func (ca *CA) TLSConfig() *tls.Config {
	return &tls.Config{Certificates: []tls.Certificate{ca.Server}, MinVersion: tls.VersionTLS12, NextProtos: []string{"http/1.1"}}
}
