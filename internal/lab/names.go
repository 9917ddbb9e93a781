package lab

import "strings"

// Names are the environment's names; the defaults follow the runbook. They
// mirror the tool's configuration so the lab seeds what the tool looks for.
type Names struct {
	RotationCronJob        string
	CleanupCronJob         string
	SecurityLabelKey       string
	SecurityLabelValue     string
	OrchestratorDeployment string
	OrchestratorSA         string
	KVMount                string
	TenantPathTemplate     string // with {tenant}
	RetentionVersions      int
	Policy                 string
	AuthMount              string
	AuthRole               string
	Image                  string
}

// DefaultNames are the runbook's names.
func DefaultNames() Names {
	return Names{
		RotationCronJob:        "cmek-rotation",
		CleanupCronJob:         "secret-cleanup",
		SecurityLabelKey:       "app.kubernetes.io/component",
		SecurityLabelValue:     "security",
		OrchestratorDeployment: "oss-ai-orchestrator",
		OrchestratorSA:         "oss-ai-orchestrator",
		KVMount:                "secret",
		TenantPathTemplate:     "tenants/{tenant}/cmek",
		RetentionVersions:      5,
		Policy:                 "cmek-rotation",
		AuthMount:              "kubernetes",
		AuthRole:               "oss-ai-orchestrator",
		Image:                  "ghcr.io/oss-ai-agent-tool/orchestrator:1.8.3",
	}
}

// TenantPath is the KV path of a tenant's key (below the mount).
func (n Names) TenantPath(tenant string) string {
	return strings.Replace(n.TenantPathTemplate, "{tenant}", tenant, 1)
}
