// Package connect builds the clients of the sources from the command's
// options and registers the sources, in display order, for a
// collectors.Collector. It is the one package that knows every source.
package connect

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	vault "github.com/hashicorp/vault/api"
	promapi "github.com/prometheus/client_golang/api"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors/kube"
	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors/podlogs"
	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors/prom"
	vaultsrc "github.com/oss-ai-agent-tool/kubectl-rotation/collectors/vault"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/config"
)

// Clients are the connections to the sources. A nil client means the source
// is not configured; its Status says so (StateSkipped) and it is never
// counted as healthy.
type Clients struct {
	Kube  kubernetes.Interface
	Vault *vault.Client
	// Prometheus is the client of Prometheus's HTTP API, reached directly
	// or through the API server's service proxy; PrometheusTarget says
	// which, for display.
	Prometheus       promapi.Client
	PrometheusTarget string
	// VaultTokenSource says where the operator's Vault token came from
	// (VAULT_TOKEN, ~/.vault-token), never the token itself.
	VaultTokenSource string
	// KubeCredential describes the kubeconfig's credential (its kind, a
	// client certificate's expiry, the exec plugin), never the secret.
	KubeCredential kube.KubeCredential
}

// Sources returns the sources over the clients, in display order
// (collectors.Sources); one whose client is nil reports itself not
// configured. A new source is registered here.
func (c Clients) Sources() []collectors.Source {
	return []collectors.Source{
		&kube.Source{Kube: c.Kube, Credential: c.KubeCredential},
		&podlogs.Source{Kube: c.Kube, Credential: c.KubeCredential},
		&vaultsrc.Source{Vault: c.Vault, TokenSource: c.VaultTokenSource},
		&prom.Source{Client: c.Prometheus, Target: c.PrometheusTarget},
	}
}

// New returns a Collector over the clients' sources; the snapshot names
// the Vault address and the Prometheus target.
func New(c Clients, o collectors.Options) *collectors.Collector {
	if c.Vault != nil {
		o.VaultAddr = c.Vault.Address()
	}
	o.PrometheusTarget = c.PrometheusTarget
	return collectors.New(c.Sources(), o)
}

// Options say how to reach the sources.
type Options struct {
	// REST is the Kubernetes client configuration; nil means no Kubernetes.
	REST *rest.Config
	// Vault is the Vault client configuration (vault.DefaultConfig with the
	// environment and flags applied); nil means no Vault. Connect takes it
	// over (in read-only mode its HTTP transport is wrapped).
	Vault *vault.Config
	// VaultToken is the operator's token (never logged); "" means none.
	VaultToken string
	// VaultTokenSource says where VaultToken came from (VAULT_TOKEN,
	// ~/.vault-token), for messages that tell what to fix; never the token.
	VaultTokenSource string
	VaultNamespace   string
	// PrometheusURL reaches Prometheus directly; PrometheusService
	// (NS/NAME:PORT) through the API server's service proxy with the
	// kubeconfig's credentials. At most one is set.
	PrometheusURL     string
	PrometheusService string
	// ReadOnly builds every client with a transport that refuses any
	// request that could change a server.
	ReadOnly bool
	// UserAgent identifies the tool to the servers.
	UserAgent string
}

// KubeQPS and KubeBurst are the Kubernetes client's rate limit when the
// configuration sets none: 50 requests a second, as kubectl's discovery,
// in bursts of 100.
const (
	KubeQPS   = 50
	KubeBurst = 100
)

// KubeContentType and KubeAcceptContentTypes are the Kubernetes client's
// content types when the configuration sets none: protobuf, with JSON
// accepted.
const (
	KubeContentType        = "application/vnd.kubernetes.protobuf"
	KubeAcceptContentTypes = "application/vnd.kubernetes.protobuf,application/json"
)

// Connect builds the clients. Nothing is contacted yet; an error means a
// configuration problem (a bad URL, a bad CA file) the user must fix.
func Connect(o Options) (Clients, error) {
	c := Clients{VaultTokenSource: o.VaultTokenSource}
	if o.REST != nil {
		c.KubeCredential = kube.DescribeKubeCredential(o.REST) // kubecreds.go
		cfg := rest.CopyConfig(o.REST)
		if cfg.QPS == 0 && cfg.Burst == 0 && cfg.RateLimiter == nil {
			// client-go's default (5 a second, bursts of 10) spaced the
			// pages of 5,000 Jobs and their pods out over 4-5 s; the API
			// server's priority and fairness is the server's protection
			cfg.QPS, cfg.Burst = KubeQPS, KubeBurst
		}
		if cfg.ContentType == "" && cfg.AcceptContentTypes == "" {
			// protobuf, as kubectl asks for built-in types, JSON from a
			// server or proxy that has no protobuf: a page of 250 Jobs
			// decodes in an eighth of JSON's time, and the API server
			// encodes it cheaper too (5,000 Jobs and their pods)
			cfg.ContentType = KubeContentType
			cfg.AcceptContentTypes = KubeAcceptContentTypes
		}
		cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper { return &RetryAfterBudget{Base: rt} })
		if o.UserAgent != "" {
			cfg.UserAgent = o.UserAgent
		}
		if o.ReadOnly {
			cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper {
				return &collectors.ReadOnlyTransport{Base: rt, Allow: collectors.KubeReadAllow(), Name: "kubernetes"}
			})
		}
		kc, err := kubernetes.NewForConfig(cfg)
		if err != nil {
			return c, fmt.Errorf("kubernetes client: %w", err)
		}
		c.Kube = kc
		if o.PrometheusService != "" {
			ns, name, port, err := config.ParseService(o.PrometheusService) // the one parser, as Validate uses
			if err != nil {
				return c, fmt.Errorf("prometheus service %q: %w; want NAMESPACE/NAME:PORT, e.g. monitoring/prometheus-operated:9090", o.PrometheusService, err)
			}
			rt, err := rest.TransportFor(cfg)
			if err != nil {
				return c, fmt.Errorf("transport for the service proxy: %w", err)
			}
			// Host may carry a path prefix (e.g. a proxying management server).
			addr := strings.TrimRight(cfg.Host, "/") + fmt.Sprintf("/api/v1/namespaces/%s/services/%s:%s/proxy", ns, name, port)
			pc, err := promapi.NewClient(promapi.Config{Address: addr, RoundTripper: rt})
			if err != nil {
				return c, fmt.Errorf("prometheus client for service %s: %w", o.PrometheusService, err)
			}
			c.Prometheus = pc
			c.PrometheusTarget = "service " + o.PrometheusService + " via " + cfg.Host
		}
	} else if o.PrometheusService != "" {
		return c, fmt.Errorf("--prometheus-service %s needs a Kubernetes configuration (the API server proxies to it)", o.PrometheusService)
	}
	if o.PrometheusURL != "" {
		u, err := url.Parse(o.PrometheusURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return c, fmt.Errorf("prometheus URL %q: want http(s)://host:port", config.RedactURL(o.PrometheusURL))
		}
		var rt http.RoundTripper = promapi.DefaultRoundTripper
		if o.ReadOnly {
			rt = &collectors.ReadOnlyTransport{Base: rt, Allow: collectors.PrometheusReadAllow(), Name: "prometheus"}
		}
		pc, err := promapi.NewClient(promapi.Config{Address: o.PrometheusURL, RoundTripper: rt})
		if err != nil {
			return c, fmt.Errorf("prometheus client for %s: %w", config.RedactURL(o.PrometheusURL), err)
		}
		c.Prometheus = pc
		c.PrometheusTarget = u.Redacted()
	}
	if o.Vault != nil && o.Vault.Address != "" {
		vc := o.Vault // Connect owns it from here (it holds a lock: no copies)
		if o.ReadOnly {
			if vc.HttpClient == nil {
				vc.HttpClient = &http.Client{}
			}
			base := vc.HttpClient.Transport
			if base == nil {
				base = http.DefaultTransport
			}
			vc.HttpClient.Transport = &collectors.ReadOnlyTransport{Base: base, Allow: collectors.VaultReadAllow(), Name: "vault"}
		}
		client, err := vault.NewClient(vc)
		if err != nil {
			return c, fmt.Errorf("vault client for %s: %w", o.Vault.Address, err)
		}
		// NewClient reads VAULT_TOKEN itself; the token is only what the
		// caller resolved (flag-free: env or ~/.vault-token).
		client.ClearToken()
		if o.VaultToken != "" {
			client.SetToken(o.VaultToken)
		}
		if o.VaultNamespace != "" {
			client.SetNamespace(o.VaultNamespace)
		}
		c.Vault = client
	}
	return c, nil
}
