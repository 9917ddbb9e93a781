package actions

import (
	"context"
	"errors"
	"time"
)

// The interfaces below are what the executor applies changes through, one
// per capability, in the project's own types: the adapters of the client
// libraries live in actions/kubeops (client-go) and actions/vaultops
// (vault/api), so that this package, and the dashboard that shows plans,
// import no client library.

// Errors an adapter wraps so that a change can tell the server's answers
// apart without knowing the client library.
var (
	// ErrNotFound: the object does not exist (HTTP 404).
	ErrNotFound = errors.New("not found")
	// ErrConflict: the object changed since it was read (HTTP 409).
	ErrConflict = errors.New("conflict")
	// ErrInvalid: the server refused the request as invalid (HTTP 422),
	// which is also how a failed JSON-patch test is answered.
	ErrInvalid = errors.New("invalid")
)

// JobCreator creates a Job from a CronJob's template as `kubectl create job
// --from=cronjob/NAME` does, with the change's Env set in every container
// of that Job only and its Annotations added (CreateJob). It returns the
// created Job's name.
type JobCreator interface {
	CreateJobFrom(ctx context.Context, job CreateJob, dry bool) (name string, err error)
}

// Container is a pod template container as SetEnv sees it.
type Container struct {
	Name string
	Env  []ContainerEnv
}

// ContainerEnv is one environment variable of a container: a literal
// Value, or From describing where a valueFrom takes it ("from configmap X
// key Y", "from secret X key Y", "from valueFrom").
type ContainerEnv struct {
	Name  string
	Value string
	From  string
}

// EnvSetter reads and JSON-patches the pod template containers of a
// workload of kind WorkloadDeployment or WorkloadCronJob (SetEnv).
type EnvSetter interface {
	Containers(ctx context.Context, kind, ns, name string) (resourceVersion string, cs []Container, err error)
	PatchContainers(ctx context.Context, kind, ns, name string, jsonPatch []byte, dry bool) ([]Container, error)
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

// RoleWriter reads and writes a Vault path (WriteRole). Read returns nil
// data when nothing is there.
type RoleWriter interface {
	Read(ctx context.Context, path string) (map[string]any, error)
	Write(ctx context.Context, path string, data map[string]any) error
}

// KeyMetadata is a KV v2 key's metadata as TrimVersions needs it.
type KeyMetadata struct {
	CurrentVersion int
	MaxVersions    int
	Versions       map[int]VersionState
}

// VersionState says whether a KV v2 version is still readable.
type VersionState struct {
	Deleted   bool // soft-deleted (deletion_time set)
	Destroyed bool
}

// VersionTrimmer reads KV v2 metadata, sets max_versions and destroys
// versions (TrimVersions).
type VersionTrimmer interface {
	Metadata(ctx context.Context, mount, path string) (KeyMetadata, error)
	SetMaxVersions(ctx context.Context, mount, path string, n int) error
	Destroy(ctx context.Context, mount, path string, versions []int) error
}

// TokenRenewer looks up a token's TTL and renews it by accessor, or the
// caller's own when accessor is empty (RenewToken). Lookup returns a
// negative TTL when Vault's answer does not say.
type TokenRenewer interface {
	Lookup(ctx context.Context, accessor string) (ttl time.Duration, err error)
	Renew(ctx context.Context, accessor string) error
}

// KubeAccess is what the executor asks Kubernetes itself: who the user is
// (SelfSubjectReview), whether a permission is granted
// (SelfSubjectAccessReview), and to leave a Normal Event on a changed
// object.
type KubeAccess interface {
	User(ctx context.Context) (string, error)
	Allowed(ctx context.Context, p Permission) (bool, error)
	RecordEvent(ctx context.Context, ev Event) error
}

// Event is a Normal Event the executor leaves on an object it changed.
type Event struct {
	Namespace, Kind, Name string
	Reason, Message       string
	At                    time.Time
}

// VaultAccess is what the executor asks Vault itself: the token's accessor
// and entity (lookup-self), and its capabilities on paths
// (sys/capabilities-self, one request).
type VaultAccess interface {
	Self(ctx context.Context) (accessor, entity string, err error)
	Capabilities(ctx context.Context, paths []string) (map[string][]string, error)
}

// Kube is every Kubernetes capability the executor uses (kubeops.Client).
type Kube interface {
	KubeAccess
	JobCreator
	EnvSetter
	DeadlinePatcher
	Restarter
}

// Vault is every Vault capability the executor uses (vaultops.Client).
type Vault interface {
	VaultAccess
	PolicyWriter
	RoleWriter
	VersionTrimmer
	TokenRenewer
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
// fakes), else its Kube and Vault.
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
		t.Jobs, t.Env, t.Deadlines, t.Restarts = e.Kube, e.Kube, e.Kube, e.Kube
	}
	if e.Vault != nil {
		t.Policies, t.Roles, t.Versions, t.Tokens = e.Vault, e.Vault, e.Vault, e.Vault
	}
	return t
}
