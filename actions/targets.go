package actions

import (
	"context"
	"time"

	vault "github.com/hashicorp/vault/api"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
)

// JobCreator reads CronJobs and creates Jobs (CreateJob).
type JobCreator interface {
	GetCronJob(ctx context.Context, ns, name string) (*batchv1.CronJob, error)
	CreateJob(ctx context.Context, job *batchv1.Job, dry bool) (*batchv1.Job, error)
}

// EnvSetter reads and JSON-patches the pod template containers of a
// workload of kind WorkloadDeployment or WorkloadCronJob (SetEnv).
type EnvSetter interface {
	Containers(ctx context.Context, kind, ns, name string) (resourceVersion string, cs []corev1.Container, err error)
	PatchContainers(ctx context.Context, kind, ns, name string, jsonPatch []byte, dry bool) ([]corev1.Container, error)
}

// DeadlinePatcher reads and sets a CronJob's job deadline (PatchDeadline).
type DeadlinePatcher interface {
	Deadline(ctx context.Context, ns, cronJob string) (*int64, error)
	PatchDeadline(ctx context.Context, ns, cronJob string, mergePatch []byte, dry bool) (*int64, error)
}

// Restarter stamps a Deployment's restartedAt annotation (RestartDeployment)
// and returns the stamp the server holds.
type Restarter interface {
	Restart(ctx context.Context, ns, name string, at time.Time, dry bool) (string, error)
}

// PolicyWriter reads and writes Vault ACL policies (WritePolicy).
type PolicyWriter interface {
	Policy(ctx context.Context, name string) (string, error)
	PutPolicy(ctx context.Context, name, text string) error
}

// RoleWriter reads and writes a Vault path (WriteRole).
type RoleWriter interface {
	Read(ctx context.Context, path string) (*vault.Secret, error)
	Write(ctx context.Context, path string, data map[string]any) error
}

// VersionTrimmer reads KV v2 metadata, sets max_versions and destroys
// versions (TrimVersions).
type VersionTrimmer interface {
	Metadata(ctx context.Context, mount, path string) (*vault.KVMetadata, error)
	SetMaxVersions(ctx context.Context, mount, path string, n int) error
	Destroy(ctx context.Context, mount, path string, versions []int) error
}

// TokenRenewer looks up and renews a token by accessor, or the caller's
// own when accessor is empty (RenewToken).
type TokenRenewer interface {
	Lookup(ctx context.Context, accessor string) (*vault.Secret, error)
	Renew(ctx context.Context, accessor string) error
}

// Targets are what changes are applied through, one interface per
// capability. A nil one makes the changes that need it fail with an error
// naming what is missing.
type Targets struct {
	Jobs      JobCreator
	Env       EnvSetter
	Deadlines DeadlinePatcher
	Restarts  Restarter
	Policies  PolicyWriter
	Roles     RoleWriter
	Versions  VersionTrimmer
	Tokens    TokenRenewer
	// Now stamps restarts (default time.Now).
	Now func() time.Time
}

// targets are the Executor's Targets: its Targets field when set (tests'
// fakes), else adapters of its Kube and Vault clients.
func (e *Executor) targets() Targets {
	if e.Targets != nil {
		t := *e.Targets
		if t.Now == nil {
			t.Now = e.now
		}
		return t
	}
	t := Targets{Now: e.now}
	if e.Kube != nil {
		k := kubeClient{e.Kube}
		t.Jobs, t.Env, t.Deadlines, t.Restarts = k, k, k, k
	}
	if e.Vault != nil {
		v := vaultClient{e.Vault}
		t.Policies, t.Roles, t.Versions, t.Tokens = v, v, v, v
	}
	return t
}
