package kube

import (
	"context"

	"k8s.io/client-go/kubernetes"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/config"
)

// Source reads Kubernetes: the CronJobs and their Jobs, pods and events,
// the orchestrator Deployment, the retention ConfigMaps and the service
// accounts. A nil Kube means not configured (StateSkipped).
type Source struct {
	Kube kubernetes.Interface
	// Credential describes the kubeconfig's credential, to explain a
	// failure it causes (an expired certificate, a failing exec plugin).
	Credential KubeCredential
}

var _ collectors.Source = (*Source)(nil)

// Name implements collectors.Source.
func (s *Source) Name() string { return collectors.SourceKubernetes }

// Collect implements collectors.Source.
func (s *Source) Collect(ctx context.Context, env collectors.Env) collectors.Part {
	c := newCollector(clients{Kube: s.Kube, KubeCredential: s.Credential}, env)
	var p collectors.Part
	p.Kubernetes, p.Status = c.collectKubernetes(ctx)
	c.explainKubeCredentials(ctx, &p.Status) // kubecreds.go
	return p
}

// ExplainCredentials adds to a failed status what the kubeconfig's
// credential has to do with it (kubecreds.go), for the other sources that
// read through the Kubernetes client (pod logs).
func ExplainCredentials(ctx context.Context, kc kubernetes.Interface, cred KubeCredential, env collectors.Env, st *collectors.Status) {
	newCollector(clients{Kube: kc, KubeCredential: cred}, env).explainKubeCredentials(ctx, st)
}

type clients struct {
	Kube           kubernetes.Interface
	KubeCredential KubeCredential
}

// collector is one collection's state: the clients and the Env.
type collector struct {
	clients   clients
	cfg       config.Config
	namespace string
	opts      collectors.Env
}

func newCollector(c clients, env collectors.Env) *collector {
	env = env.WithDefaults()
	return &collector{clients: c, cfg: env.Config, namespace: env.Namespace, opts: env}
}
