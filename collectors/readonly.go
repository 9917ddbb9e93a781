package collectors

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
)

// ErrReadOnly is wrapped by every request the read-only transport refuses.
var ErrReadOnly = errors.New("refused by read-only mode")

// ReadOnlyTransport refuses, before anything leaves the process, every
// request that is not read-like. Allowed are GET, HEAD and OPTIONS (and
// Vault's LIST), and POST/PUT only to the paths in Allow: requests that read
// through a POST (access reviews, capability checks, token lookups by
// accessor, Prometheus queries).
type ReadOnlyTransport struct {
	Base  http.RoundTripper
	Allow []*regexp.Regexp
	// Name says which client refused, in the error.
	Name string
}

// RoundTrip implements http.RoundTripper.
func (t *ReadOnlyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if !t.allowed(r) {
		if r.Body != nil {
			r.Body.Close()
		}
		return nil, fmt.Errorf("%s %s %s: %w (no change is ever sent in --read-only, --demo or --from)", t.Name, r.Method, r.URL.Path, ErrReadOnly)
	}
	return t.Base.RoundTrip(r)
}

// WrappedRoundTripper returns Base, so that client-go can cancel a request
// through it (a timed-out request otherwise logs "unable to cancel").
func (t *ReadOnlyTransport) WrappedRoundTripper() http.RoundTripper { return t.Base }

func (t *ReadOnlyTransport) allowed(r *http.Request) bool {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, "LIST":
		// A GET never changes a Kubernetes, Vault or Prometheus server,
		// except Kubernetes' dry-run-free watch/exec/attach/portforward
		// upgrades, which the tool never makes.
		if strings.Contains(r.URL.Path, "/exec") || strings.Contains(r.URL.Path, "/attach") || strings.Contains(r.URL.Path, "/portforward") {
			return false
		}
		return true
	case http.MethodPost, http.MethodPut:
		for _, re := range t.Allow {
			if re.MatchString(r.URL.Path) {
				return true
			}
		}
	}
	return false
}

// The allow-lists are unexported so that no other package can widen what
// read-only lets through; KubeReadAllow and friends hand out copies.

// kubeReadAllow are the read-like POSTs the tool makes to the API server:
// access reviews, and Prometheus queries through the service proxy.
var kubeReadAllow = []*regexp.Regexp{
	regexp.MustCompile(`^/apis/authorization\.k8s\.io/v1/(selfsubjectaccessreviews|selfsubjectrulesreviews)$`),
	regexp.MustCompile(`^/apis/authentication\.k8s\.io/v1/selfsubjectreviews$`),
	regexp.MustCompile(`^/api/v1/namespaces/[^/]+/services/[^/]+/proxy/api/v1/(query|query_range|series|labels|label/[^/]+/values)$`),
}

// vaultReadAllow are the read-like POST/PUTs the tool makes to Vault.
var vaultReadAllow = []*regexp.Regexp{
	regexp.MustCompile(`^/v1/sys/capabilities(-self|-accessor)?$`),
	regexp.MustCompile(`^/v1/auth/token/lookup(-self|-accessor)$`),
}

// prometheusReadAllow are Prometheus's query endpoints (client_golang
// queries with POST first).
var prometheusReadAllow = []*regexp.Regexp{
	regexp.MustCompile(`/api/v1/(query|query_range|series|labels|label/[^/]+/values)$`),
}

// KubeReadAllow returns a copy of the read-like POSTs allowed to the API
// server in read-only mode.
func KubeReadAllow() []*regexp.Regexp { return slices.Clone(kubeReadAllow) }

// VaultReadAllow returns a copy of the read-like POST/PUTs allowed to Vault
// in read-only mode.
func VaultReadAllow() []*regexp.Regexp { return slices.Clone(vaultReadAllow) }

// PrometheusReadAllow returns a copy of Prometheus's query endpoints
// allowed in read-only mode.
func PrometheusReadAllow() []*regexp.Regexp { return slices.Clone(prometheusReadAllow) }
