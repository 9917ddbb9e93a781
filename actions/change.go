package actions

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/shell"
)

// Change is one write of a plan. Exactly one field is set (a union, as
// Kubernetes' VolumeSource is), so a list of changes is plain data: it is
// journaled as JSON, read back, and compared with reflect.DeepEqual.
type Change struct {
	CreateJob         *CreateJob         `json:"createJob,omitempty"`
	SetEnv            *SetEnv            `json:"setEnv,omitempty"`
	PatchDeadline     *PatchDeadline     `json:"patchDeadline,omitempty"`
	RestartDeployment *RestartDeployment `json:"restartDeployment,omitempty"`
	WritePolicy       *WritePolicy       `json:"writePolicy,omitempty"`
	WriteRole         *WriteRole         `json:"writeRole,omitempty"`
	TrimVersions      *TrimKeyVersions   `json:"trimVersions,omitempty"`
	RenewToken        *RenewTokenChange  `json:"renewToken,omitempty"`
}

// EnvVar is one variable a change sets.
type EnvVar struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// CreateJob creates Job Name from CronJob's template, as `kubectl create
// job --from=cronjob/NAME` does, with Env set in every container of that
// Job only and Annotations added to it.
type CreateJob struct {
	Namespace   string            `json:"namespace"`
	CronJob     string            `json:"cronJob"`
	Name        string            `json:"name"`
	Env         []EnvVar          `json:"env,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
	// Container is the only container Env is set in (-c in the command):
	// the one the snapshot read the CronJob's environment from, when its
	// job template has more than one (a sidecar beside the job's own).
	// "" sets every container, as a template with one container needs.
	Container string `json:"container,omitempty"`
}

// Workload kinds SetEnv changes.
const (
	WorkloadDeployment = "Deployment"
	WorkloadCronJob    = "CronJob"
)

// SetEnv sets Env=Value in the pod template of a Deployment or a CronJob's
// job template, as `kubectl set env` does, without a blind write (see
// setEnvApply). Effect says what the write does, for the result line.
type SetEnv struct {
	Kind      string `json:"kind"` // WorkloadDeployment, WorkloadCronJob
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	Env       string `json:"env"`
	Value     string `json:"value"`
	Effect    string `json:"effect,omitempty"`
	// Container is the container the shown command names with -c (the
	// snapshot's: the one that has Env, else the first), "" when the pod
	// template had one container or the snapshot did not record it.
	Container string `json:"container,omitempty"`
}

// The range of activeDeadlineSeconds raise-deadline accepts, and its
// default (the runbook's suggestion).
const (
	DeadlineMin     int64 = 60
	DeadlineMax     int64 = 86400
	DeadlineDefault int64 = 1800
)

// PatchDeadline sets a CronJob's spec.jobTemplate.spec.activeDeadlineSeconds.
type PatchDeadline struct {
	Namespace string `json:"namespace"`
	CronJob   string `json:"cronJob"`
	Seconds   int64  `json:"seconds"`
}

// RestartDeployment rolls a Deployment as `kubectl rollout restart` does:
// the pod template's restartedAt annotation is stamped when it runs.
type RestartDeployment struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
}

// WritePolicy replaces a Vault ACL policy's text. Shown, when set, is the
// text the diff showed as what is there (Plan.AsShown): the run reads the
// policy again just before the write and refuses, changing nothing, when
// it is other by then.
type WritePolicy struct {
	Name  string  `json:"name"`
	Text  string  `json:"text"`
	Shown *string `json:"shown,omitempty"`
}

// WriteRole writes a Kubernetes-auth role at Path (auth/MOUNT/role/NAME).
// Shown, when set, is the role as the diff showed it (its fields the
// runbook sets, roleText's form; Plan.AsShown): the run reads the role
// again just before the write and refuses, changing nothing, when it is
// other by then.
type WriteRole struct {
	Shown                         *string `json:"shown,omitempty"`
	Path                          string  `json:"path"`
	BoundServiceAccountNames      string  `json:"boundServiceAccountNames"`
	BoundServiceAccountNamespaces string  `json:"boundServiceAccountNamespaces"`
	Policies                      string  `json:"policies"`
	TTL                           string  `json:"ttl"`
	// Caps are fields written beside the runbook's to lift the role's caps
	// on its tokens below the ttl (token_max_ttl=24h,
	// token_explicit_max_ttl=0: runbook.RoleCapFields); nil writes none.
	Caps map[string]string `json:"caps,omitempty"`
}

// TrimKeyVersions sets max_versions=Keep on a KV v2 key and destroys its live
// versions beyond the newest Keep (`vault kv metadata put` then `vault kv
// destroy`). Tenant names the key for messages. When VersionsKnown, the
// plan names the Versions it destroys (ascending, from the snapshot the
// person saw), its command lists them, and the run refuses, changing
// nothing, if the key's versions beyond Keep are other ones by then; else
// the run destroys what is beyond Keep when it reads the key.
type TrimKeyVersions struct {
	Mount         string `json:"mount"`
	Path          string `json:"path"`
	Keep          int    `json:"keep"`
	Tenant        string `json:"tenant,omitempty"`
	Versions      []int  `json:"versions,omitempty"`
	VersionsKnown bool   `json:"versionsKnown,omitempty"`
}

// RenewTokenChange renews the token with Accessor (auth/token/renew-accessor),
// or the operator's own token (renew-self) when Accessor is empty.
type RenewTokenChange struct {
	Accessor string `json:"accessor,omitempty"`
}

// op is what every change type does: its command, its permissions, and
// its write through the targets.
type op interface {
	command(sh invocations) string
	permissions() []Permission
	validate() error
	apply(ctx context.Context, t Targets, dry bool) (applied, error)
}

// applied is a change's result and what a plan of several sums up.
type applied struct {
	res       Result
	destroyed int // TrimVersions: how many versions
}

func (c Change) op() (op, error) {
	var ops []op
	if c.CreateJob != nil {
		ops = append(ops, c.CreateJob)
	}
	if c.SetEnv != nil {
		ops = append(ops, c.SetEnv)
	}
	if c.PatchDeadline != nil {
		ops = append(ops, c.PatchDeadline)
	}
	if c.RestartDeployment != nil {
		ops = append(ops, c.RestartDeployment)
	}
	if c.WritePolicy != nil {
		ops = append(ops, c.WritePolicy)
	}
	if c.WriteRole != nil {
		ops = append(ops, c.WriteRole)
	}
	if c.TrimVersions != nil {
		ops = append(ops, c.TrimVersions)
	}
	if c.RenewToken != nil {
		ops = append(ops, c.RenewToken)
	}
	if len(ops) != 1 {
		return nil, fmt.Errorf("a change must have exactly one write set, this one has %d", len(ops))
	}
	return ops[0], nil
}

// invocations are how a command invokes kubectl and vault: with the
// connection flags and Vault variables the person gave (the snapshot's
// collectors.Connection), quoted.
type invocations struct{ kubectl, vault string }

func invocationsOf(c collectors.Connection) invocations {
	return invocations{kubectl: shell.Kubectl(c.KubectlFlags), vault: shell.Vault(c.VaultEnv)}
}

// Command is the change's equivalent shell command ("" for an empty
// change), reaching the servers by the defaults (KUBECONFIG's current
// context, VAULT_ADDR); CommandVia reaches those of a connection.
func (c Change) Command() string { return c.CommandVia(collectors.Connection{}) }

// CommandVia is the change's equivalent shell command, its kubectl and
// vault with the connection's flags and variables ("" for an empty
// change). Every value is quoted as a shell word when it needs it.
func (c Change) CommandVia(conn collectors.Connection) string {
	o, err := c.op()
	if err != nil {
		return ""
	}
	return o.command(invocationsOf(conn))
}

// Permissions are what the change needs (none for an empty change).
func (c Change) Permissions() []Permission {
	o, err := c.op()
	if err != nil {
		return nil
	}
	return o.permissions()
}

// Validate returns an error when the change cannot be applied as it is
// (no write set, a value out of its range).
func (c Change) Validate() error {
	o, err := c.op()
	if err != nil {
		return err
	}
	return o.validate()
}

// q quotes s as one shell word when it needs it (shell.Word).
func q(s string) string { return shell.Word(s) }

// command is the Job's creation as a pipeline of kubectl commands. The
// environment is set in two passes, the first variable to "override" and
// then every one to its value: `kubectl set env --local` prints nothing when
// no value changes (DRY_RUN=true on a cleanup CronJob that already has it),
// which would leave `kubectl create` nothing to create.
func (c *CreateJob) command(sh invocations) string {
	create := fmt.Sprintf("%s create job --from=cronjob/%s %s -n %s", sh.kubectl, q(c.CronJob), q(c.Name), q(c.Namespace))
	if len(c.Env) == 0 && len(c.Annotations) == 0 {
		return create
	}
	parts := []string{create + " --dry-run=client -o yaml"}
	if len(c.Env) > 0 {
		setEnv := sh.kubectl + " set env --local -f - "
		if c.Container != "" {
			setEnv += "-c " + q(c.Container) + " "
		}
		parts = append(parts, setEnv+shell.Pair(c.Env[0].Name, "override")+" -o yaml")
		kv := make([]string, len(c.Env))
		for i, e := range c.Env {
			kv[i] = shell.Pair(e.Name, e.Value)
		}
		parts = append(parts, setEnv+strings.Join(kv, " ")+" -o yaml")
	}
	if len(c.Annotations) > 0 {
		var kv []string
		for _, k := range slices.Sorted(maps.Keys(c.Annotations)) {
			kv = append(kv, shell.Pair(k, c.Annotations[k]))
		}
		parts = append(parts, sh.kubectl+" annotate --local -f - "+strings.Join(kv, " ")+" -o yaml")
	}
	return strings.Join(append(parts, sh.kubectl+" create -f -"), " | ")
}

func (c *CreateJob) permissions() []Permission {
	return []Permission{
		{Verb: "get", Group: "batch", Resource: "cronjobs", Namespace: c.Namespace, Name: c.CronJob},
		{Verb: "create", Group: "batch", Resource: "jobs", Namespace: c.Namespace},
	}
}

func (c *CreateJob) validate() error { return nil }

func (c *SetEnv) resource() string { return strings.ToLower(c.Kind) }

func (c *SetEnv) command(sh invocations) string {
	return fmt.Sprintf("%s set env %s/%s %s -n %s", sh.kubectl, c.resource(), q(c.Name), shell.Pair(c.Env, c.Value), q(c.Namespace))
}

func (c *SetEnv) group() string {
	if c.Kind == WorkloadCronJob {
		return "batch"
	}
	return "apps"
}

func (c *SetEnv) permissions() []Permission {
	res := c.resource() + "s"
	return []Permission{
		{Verb: "get", Group: c.group(), Resource: res, Namespace: c.Namespace, Name: c.Name},
		{Verb: "patch", Group: c.group(), Resource: res, Namespace: c.Namespace, Name: c.Name},
	}
}

func (c *SetEnv) validate() error {
	if c.Kind != WorkloadDeployment && c.Kind != WorkloadCronJob {
		return fmt.Errorf("set env: unknown workload kind %q (Deployment or CronJob)", c.Kind)
	}
	return nil
}

func (c *PatchDeadline) patch() string {
	return fmt.Sprintf(`{"spec":{"jobTemplate":{"spec":{"activeDeadlineSeconds":%d}}}}`, c.Seconds)
}

func (c *PatchDeadline) command(sh invocations) string {
	return fmt.Sprintf("%s patch cronjob %s -n %s --type=merge -p '%s'", sh.kubectl, q(c.CronJob), q(c.Namespace), c.patch())
}

func (c *PatchDeadline) permissions() []Permission {
	return []Permission{{Verb: "patch", Group: "batch", Resource: "cronjobs", Namespace: c.Namespace, Name: c.CronJob}}
}

func (c *PatchDeadline) validate() error {
	if c.Seconds < DeadlineMin || c.Seconds > DeadlineMax {
		return fmt.Errorf("activeDeadlineSeconds %d is out of range: use %d to %d seconds", c.Seconds, DeadlineMin, DeadlineMax)
	}
	return nil
}

func (c *RestartDeployment) command(sh invocations) string {
	return fmt.Sprintf("%s rollout restart deployment/%s -n %s", sh.kubectl, q(c.Name), q(c.Namespace))
}

func (c *RestartDeployment) permissions() []Permission {
	return []Permission{{Verb: "patch", Group: "apps", Resource: "deployments", Namespace: c.Namespace, Name: c.Name}}
}

func (c *RestartDeployment) validate() error { return nil }

func (c *WritePolicy) command(sh invocations) string {
	return fmt.Sprintf("%s policy write %s - <<EOF\n%sEOF", sh.vault, q(c.Name), c.Text)
}

func (c *WritePolicy) permissions() []Permission {
	// read: the text is read again before the write (the diff's check)
	return []Permission{{Path: "sys/policies/acl/" + c.Name, Capability: "read"}, {Path: "sys/policies/acl/" + c.Name, Capability: "update"}}
}

func (c *WritePolicy) validate() error { return nil }

func (c *WriteRole) data() map[string]any {
	d := map[string]any{
		"bound_service_account_names":      c.BoundServiceAccountNames,
		"bound_service_account_namespaces": c.BoundServiceAccountNamespaces,
		"policies":                         c.Policies,
		"ttl":                              c.TTL,
	}
	for k, v := range c.Caps {
		d[k] = v
	}
	return d
}

func (c *WriteRole) command(sh invocations) string {
	out := fmt.Sprintf("%s write %s bound_service_account_names=%s bound_service_account_namespaces=%s policies=%s ttl=%s",
		sh.vault, q(c.Path), q(c.BoundServiceAccountNames), q(c.BoundServiceAccountNamespaces), q(c.Policies), q(c.TTL))
	for _, k := range slices.Sorted(maps.Keys(c.Caps)) {
		out += " " + shell.Pair(k, c.Caps[k])
	}
	return out
}

func (c *WriteRole) permissions() []Permission {
	// read: the role is read again before the write and after it
	return []Permission{{Path: c.Path, Capability: "read"}, {Path: c.Path, Capability: "update"}}
}

func (c *WriteRole) validate() error {
	if _, err := time.ParseDuration(c.TTL); err != nil {
		return fmt.Errorf("role %s: ttl %q: %w", c.Path, c.TTL, err)
	}
	return nil
}

func (c *TrimKeyVersions) command(sh invocations) string {
	key := q(c.Mount) + "/" + q(c.Path)
	put := fmt.Sprintf("%s kv metadata put -max-versions=%d %s", sh.vault, c.Keep, key)
	versions := fmt.Sprintf("<live versions beyond the newest %d>", c.Keep)
	if c.VersionsKnown {
		if len(c.Versions) == 0 {
			return put
		}
		vs := make([]string, len(c.Versions))
		for i, v := range c.Versions {
			vs[i] = strconv.Itoa(v)
		}
		versions = strings.Join(vs, ",")
	}
	return fmt.Sprintf("%s && %s kv destroy -versions=%s %s", put, sh.vault, versions, key)
}

func (c *TrimKeyVersions) permissions() []Permission {
	return []Permission{
		{Path: c.Mount + "/metadata/" + c.Path, Capability: "read"}, // the live versions, before and after
		{Path: c.Mount + "/metadata/" + c.Path, Capability: "update"},
		{Path: c.Mount + "/destroy/" + c.Path, Capability: "update"},
	}
}

func (c *TrimKeyVersions) validate() error {
	if c.Keep < 1 {
		return fmt.Errorf("trim %s/%s: keep %d versions: at least one must be kept", c.Mount, c.Path, c.Keep)
	}
	return nil
}

func (c *RenewTokenChange) command(sh invocations) string {
	if c.Accessor != "" {
		return sh.vault + " token renew -accessor " + q(c.Accessor)
	}
	return sh.vault + " token renew"
}

func (c *RenewTokenChange) permissions() []Permission {
	if c.Accessor != "" {
		// the TTL is looked up before and after
		return []Permission{{Path: "auth/token/lookup-accessor", Capability: "update"}, {Path: "auth/token/renew-accessor", Capability: "update"}}
	}
	return []Permission{{Path: "auth/token/renew-self", Capability: "update"}}
}

func (c *RenewTokenChange) validate() error { return nil }

// errNoTarget is returned when the executor has no client for a change.
var errNoTarget = errors.New("no client for this change")
