package kube

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	authv1 "k8s.io/api/authentication/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
)

// Kinds of Kubernetes credential (KubeCredential.Kind).
const (
	KubeCredCertificate  = "client certificate"
	KubeCredExec         = "exec plugin"
	KubeCredAuthProvider = "auth provider"
	KubeCredToken        = "bearer token"
	KubeCredTokenFile    = "bearer token file"
	KubeCredBasic        = "basic auth"
	KubeCredNone         = "none"
)

// kubeCredProbeTimeout bounds the one request that tells refused
// credentials from missing permissions.
const kubeCredProbeTimeout = 10 * time.Second

// KubeCredential describes how the kubeconfig authenticates, never with the
// secret itself: its kind, the exec plugin's command or the auth provider's
// name, and a client certificate's subject and expiry.
type KubeCredential struct {
	Kind         string     `json:"kind"`
	ExecCommand  string     `json:"execCommand,omitempty"`
	AuthProvider string     `json:"authProvider,omitempty"`
	CertSubject  string     `json:"certSubject,omitempty"`
	CertNotAfter *time.Time `json:"certNotAfter,omitempty"`
	// CertError says why the client certificate could not be read.
	CertError string `json:"certError,omitempty"`
}

// DescribeKubeCredential reads the credential's kind from the client
// configuration and, for a client certificate, its subject and NotAfter.
func DescribeKubeCredential(cfg *rest.Config) KubeCredential {
	var k KubeCredential
	switch {
	case cfg.ExecProvider != nil:
		k.Kind, k.ExecCommand = KubeCredExec, filepath.Base(cfg.ExecProvider.Command)
	case cfg.AuthProvider != nil:
		k.Kind, k.AuthProvider = KubeCredAuthProvider, cfg.AuthProvider.Name
	case len(cfg.CertData) > 0 || cfg.CertFile != "":
		k.Kind = KubeCredCertificate
	case cfg.BearerToken != "":
		k.Kind = KubeCredToken
	case cfg.BearerTokenFile != "":
		k.Kind = KubeCredTokenFile
	case cfg.Username != "":
		k.Kind = KubeCredBasic
	default:
		k.Kind = KubeCredNone
	}
	if len(cfg.CertData) > 0 || cfg.CertFile != "" {
		data, err := cfg.CertData, error(nil)
		if len(data) == 0 {
			data, err = os.ReadFile(cfg.CertFile)
		}
		if err != nil {
			k.CertError = fmt.Sprintf("read client certificate %s: %v", cfg.CertFile, err)
			return k
		}
		cert, err := firstCertificate(data)
		if err != nil {
			k.CertError = err.Error()
			return k
		}
		na := cert.NotAfter.UTC()
		k.CertSubject, k.CertNotAfter = cert.Subject.CommonName, &na
	}
	return k
}

func firstCertificate(data []byte) (*x509.Certificate, error) {
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return nil, errors.New("the client certificate holds no PEM certificate")
		}
		if b.Type == "CERTIFICATE" {
			c, err := x509.ParseCertificate(b.Bytes)
			if err != nil {
				return nil, fmt.Errorf("parse the client certificate: %w", err)
			}
			return c, nil
		}
	}
}

// explainKubeCredentials replaces, when a Kubernetes source failed because
// the credentials themselves were refused or could not be had, the list of
// "forbidden" or "unauthorized" parts by one message that names the
// credential and what to do. It asks the API server who it thinks the
// caller is (a SelfSubjectReview) only when the source did not read
// cleanly.
func (c *collector) explainKubeCredentials(ctx context.Context, st *collectors.Status) {
	if c.clients.Kube == nil || st.State == collectors.StateOK || st.State == collectors.StateSkipped || st.State == collectors.StateMissing {
		return
	}
	msg := c.kubeCredentialProblem(ctx)
	if msg == "" {
		return
	}
	st.State, st.Error = collectors.StateError, msg
	st.Problems = []collectors.Problem{{Part: "credentials", Error: msg}}
}

// kubeCredentialProblem returns what is wrong with the credentials, or ""
// when they are accepted (the failures are then about permissions or the
// network) or it cannot tell.
func (c *collector) kubeCredentialProblem(ctx context.Context) string {
	k := c.clients.KubeCredential
	who := "your Kubernetes credentials"
	if c.opts.Context != "" {
		who += " for context " + c.opts.Context
	}
	if k.CertNotAfter != nil && c.opts.Now().After(*k.CertNotAfter) && k.Kind == KubeCredCertificate {
		return fmt.Sprintf("%s have expired: the client certificate%s expired on %s: get a new certificate or kubeconfig (re-run your cluster's login)",
			who, certSubject(k), k.CertNotAfter.Format("2006-01-02 15:04 MST"))
	}
	pctx, cancel := context.WithTimeout(ctx, kubeCredProbeTimeout)
	defer cancel()
	r, err := c.clients.Kube.AuthenticationV1().SelfSubjectReviews().Create(pctx, &authv1.SelfSubjectReview{}, metav1.CreateOptions{})
	switch {
	case err == nil && r != nil && r.Status.UserInfo.Username == "system:anonymous":
		return fmt.Sprintf("%s were not accepted: the API server sees you as system:anonymous, so every read is forbidden: %s", who, credentialHint(k))
	case err == nil:
		return ""
	case apierrors.IsUnauthorized(err):
		return fmt.Sprintf("%s were refused (401 Unauthorized): %s", who, credentialHint(k))
	case apierrors.IsForbidden(err) && strings.Contains(err.Error(), `"system:anonymous"`):
		return fmt.Sprintf("%s were not accepted: the API server sees you as system:anonymous, so every read is forbidden: %s", who, credentialHint(k))
	case strings.Contains(err.Error(), "getting credentials"):
		return fmt.Sprintf("%s could not be obtained: the exec plugin %s failed (%s): re-run the login of your exec plugin, then try again",
			who, credDash(k.ExecCommand), execError(err))
	}
	return ""
}

// execError is the exec plugin's own words from a client-go error
// ("Get \"https://…\": getting credentials: exec: …").
func execError(err error) string {
	s := err.Error()
	if i := strings.Index(s, "getting credentials: "); i >= 0 {
		s = s[i+len("getting credentials: "):]
	}
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

func certSubject(k KubeCredential) string {
	if k.CertSubject == "" {
		return ""
	}
	return " (CN=" + k.CertSubject + ")"
}

func credDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// credentialHint says what to do about refused credentials of a kind.
func credentialHint(k KubeCredential) string {
	switch k.Kind {
	case KubeCredCertificate:
		if k.CertNotAfter != nil {
			return fmt.Sprintf("the client certificate%s (valid until %s) is not trusted by this API server: get a new certificate or kubeconfig for it", certSubject(k), k.CertNotAfter.Format("2006-01-02 15:04 MST"))
		}
		return "the client certificate is not trusted by this API server: get a new certificate or kubeconfig for it"
	case KubeCredExec:
		return "the token from the exec plugin " + credDash(k.ExecCommand) + " was refused: re-run the login of your exec plugin"
	case KubeCredAuthProvider:
		return "the " + credDash(k.AuthProvider) + " auth provider's token was refused: log in again with it"
	case KubeCredToken, KubeCredTokenFile:
		return "the bearer token in the kubeconfig is expired, revoked or wrong: get a new one (or log in again)"
	case KubeCredBasic:
		return "the username and password were refused"
	}
	return "the kubeconfig gives no credentials for this context: pick another --context or log in"
}
