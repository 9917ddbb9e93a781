package podlogs

import (
	"context"

	"k8s.io/client-go/kubernetes"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors/kube"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/config"
)

// Source reads the audit log: the JSON lines of the pods with the
// configured labels, through the Kubernetes API. A nil Kube means not
// configured (StateSkipped).
type Source struct {
	Kube kubernetes.Interface
	// Credential describes the kubeconfig's credential (kube.Source).
	Credential kube.KubeCredential
}

var _ collectors.Source = (*Source)(nil)

// Name implements collectors.Source.
func (s *Source) Name() string { return collectors.SourceLogs }

// Collect implements collectors.Source.
func (s *Source) Collect(ctx context.Context, env collectors.Env) collectors.Part {
	c := newCollector(clients{Kube: s.Kube}, env)
	var p collectors.Part
	p.Logs, p.Status = c.collectLogs(ctx)
	kube.ExplainCredentials(ctx, s.Kube, s.Credential, c.opts, &p.Status)
	return p
}

type clients struct {
	Kube kubernetes.Interface
}

// collector is one collection's state: the clients and the Env.
type collector struct {
	clients   clients
	cfg       config.Config
	namespace string
	opts      collectors.Env
	limit     int64 // bytes read at most from one pod's log: auditLogLimitBytes; tests make it small
}

func newCollector(c clients, env collectors.Env) *collector {
	env = env.WithDefaults()
	return &collector{clients: c, cfg: env.Config, namespace: env.Namespace, opts: env, limit: auditLogLimitBytes}
}
