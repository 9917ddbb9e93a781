package actions

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/config"
	"github.com/oss-ai-agent-tool/kubectl-rotation/runbook"
)

// actionTimeout bounds one change's requests (under the caller's context).
const actionTimeout = 30 * time.Second

// errNoKube is returned when a Kubernetes change has no client.
var errNoKube = fmt.Errorf("%w: no Kubernetes client", errNoTarget)

func (c *CreateJob) apply(ctx context.Context, t Targets, dry bool) (applied, error) {
	if t.Jobs == nil {
		return applied{}, errNoKube
	}
	created, err := t.Jobs.CreateJobFrom(ctx, *c, dry)
	if err != nil {
		return applied{}, sent("create job "+c.Name, err)
	}
	verb := "created"
	if dry {
		verb = "accepted by the server's dry run"
	}
	return applied{res: Result{Summary: fmt.Sprintf("job %s %s", created, verb), Object: created, ObjectKind: "Job"}}, nil
}

func (c *PatchDeadline) apply(ctx context.Context, t Targets, dry bool) (applied, error) {
	if t.Deadlines == nil {
		return applied{}, errNoKube
	}
	before, err := t.Deadlines.Deadline(ctx, c.Namespace, c.CronJob)
	if err != nil {
		return applied{}, fmt.Errorf("read cronjob %s: %w", c.CronJob, err)
	}
	if before == nil {
		// no deadline: the runs are unbounded, and setting one would
		// bound them (a lowering), so the dry run refuses it too
		return applied{}, fmt.Errorf("cronjob %s has no activeDeadlineSeconds now: its runs have no deadline to exceed, and setting one would bound them; this action only raises a deadline (%w); nothing was changed", c.CronJob, ErrChanged)
	}
	if *before >= c.Seconds {
		// the plan only offers values above the deadline it saw: it was
		// raised since, or was not known then
		return applied{}, fmt.Errorf("activeDeadlineSeconds of cronjob %s is %ds now: %d does not raise it, and this action only raises it (%w, or was not known when it was); nothing was changed",
			c.CronJob, *before, c.Seconds, ErrChanged)
	}
	after, err := t.Deadlines.PatchDeadline(ctx, c.Namespace, c.CronJob, []byte(c.patch()), dry)
	if err != nil {
		return applied{}, sent("patch cronjob "+c.CronJob, err)
	}
	b := fmt.Sprintf("%ds", *before)
	a := "none"
	if after != nil {
		a = fmt.Sprintf("%ds", *after)
	}
	return applied{res: Result{Summary: "activeDeadlineSeconds " + b + " → " + a, Object: c.CronJob, ObjectKind: "CronJob", Before: b, After: a}}, nil
}

func (c *RestartDeployment) apply(ctx context.Context, t Targets, dry bool) (applied, error) {
	if t.Restarts == nil {
		return applied{}, errNoKube
	}
	// the time of the run, as kubectl rollout restart does: a second
	// restart always changes the template, so it always rolls
	at, err := t.Restarts.Restart(ctx, c.Namespace, c.Name, t.Now(), dry)
	if err != nil {
		return applied{}, sent("restart deployment "+c.Name, err)
	}
	return applied{res: Result{Summary: "deployment " + c.Name + " restarted at " + at, Object: c.Name, ObjectKind: "Deployment"}}, nil
}

// kubePlanners build the Kubernetes actions' plans, by action id.
func kubePlanners() map[string]planner {
	return map[string]planner{
		runbook.ActionTriggerRotation: func(in Input) (Plan, error) {
			return TriggerRotation(in.Snapshot.Config, in.Snapshot.Namespace, in.At), nil
		},
		runbook.ActionCleanupDryRun: func(in Input) (Plan, error) {
			return inEnvContainer(CleanupJob(in.Snapshot.Config, in.Snapshot.Namespace, true, in.At), in, collectors.RoleCleanup), nil
		},
		runbook.ActionCleanupRun: func(in Input) (Plan, error) {
			return inEnvContainer(CleanupJob(in.Snapshot.Config, in.Snapshot.Namespace, false, in.At), in, collectors.RoleCleanup), nil
		},
		runbook.ActionRaiseDeadline: func(in Input) (Plan, error) {
			if cj := in.Snapshot.Kubernetes.CronJobOf(collectors.RoleRotation); cj != nil && cj.Found && cj.ActiveDeadlineSeconds == nil {
				return Plan{}, fmt.Errorf("cronjob %s has no activeDeadlineSeconds: its runs have no deadline to exceed, and setting one would bound them; this action only raises a deadline", cj.Name)
			}
			ask, err := raiseAsk(currentDeadline(in))
			if err != nil {
				return Plan{}, err
			}
			d := in.Value
			if d == 0 {
				d = ask.Default
			}
			p := RaiseDeadline(in.Snapshot.Config, in.Snapshot.Namespace, d)
			p.Ask = &ask
			if err := p.Ask.Check(d); err != nil {
				return Plan{}, err
			}
			return p, nil
		},
		runbook.ActionEnableAudit: func(in Input) (Plan, error) {
			p := EnableAudit(in.Snapshot.Config, in.Snapshot.Namespace)
			if k := in.Snapshot.Kubernetes; k != nil && k.Orchestrator != nil {
				p.Changes[0].SetEnv.Container = k.Orchestrator.EnvContainer
			}
			return p, nil
		},
		runbook.ActionCleanupDryRunOff: func(in Input) (Plan, error) {
			p := CleanupDryRunOff(in.Snapshot.Config, in.Snapshot.Namespace)
			if cj := in.Snapshot.Kubernetes.CronJobOf(collectors.RoleCleanup); cj != nil {
				p.Changes[0].SetEnv.Container = cj.EnvContainer
			}
			return p, nil
		},
		runbook.ActionRestartOrchestrator: func(in Input) (Plan, error) {
			return RestartOrchestrator(in.Snapshot.Config, in.Snapshot.Namespace), nil
		},
		runbook.ActionEmergencyRotate: func(in Input) (Plan, error) {
			c := in.Snapshot.Config
			if in.tenant() == "" {
				return Plan{}, fmt.Errorf("no tenant is named by the evidence: use the command with %s=<tenant-id>", c.Kubernetes.TenantEnv)
			}
			initiator := in.Initiator
			if initiator == "" {
				initiator = "manual-emergency"
			}
			return inEnvContainer(EmergencyRotate(c, in.Snapshot.Namespace, in.tenant(), initiator, in.Reason, in.Subject, in.At), in, collectors.RoleRotation), nil
		},
	}
}

// inEnvContainer makes p's Job set its variables in the container the
// snapshot read the CronJob of role's environment from, when its job
// template has more than one: not in a sidecar beside it.
func inEnvContainer(p Plan, in Input, role string) Plan {
	cj := in.Snapshot.Kubernetes.CronJobOf(role)
	if cj == nil || cj.EnvContainer == "" || len(p.Changes) != 1 || p.Changes[0].CreateJob == nil {
		return p
	}
	job := *p.Changes[0].CreateJob
	job.Container = cj.EnvContainer
	p.Changes = []Change{{CreateJob: &job}}
	for i, e := range p.Effects {
		if strings.HasPrefix(e, "sets ") {
			p.Effects[i] = e + " (container " + cj.EnvContainer + ")"
		}
	}
	return p
}

// createJobPlan is the plan of every action that creates a Job from a CronJob.
func createJobPlan(action, title string, job CreateJob, effects []string) Plan {
	return withEvent(Plan{
		Action: action, Title: title, Kind: KindKubernetes,
		Target:  fmt.Sprintf("job/%s from cronjob/%s in %s", job.Name, job.CronJob, job.Namespace),
		Effects: effects,
		Changes: []Change{{CreateJob: &job}},
	})
}

// withEvent lists, last among the plan's effects, the Normal Event the
// Executor leaves on the object a Kubernetes change writes (recordEvent:
// reason KubectlRotation, its message the action, who and the reason
// given), so the plan confirmed names every write. The Event is the tool's
// record: the equivalent command does not create one (kubectl has no
// command that does).
func withEvent(p Plan) Plan {
	if len(p.Changes) != 1 {
		return p
	}
	kind, name, when := "", "", ""
	switch c := p.Changes[0]; {
	case c.CreateJob != nil:
		kind, name = "Job", c.CreateJob.Name
	case c.SetEnv != nil:
		kind, name, when = c.SetEnv.Kind, c.SetEnv.Name, " when it changes it"
	case c.PatchDeadline != nil:
		kind, name = "CronJob", c.PatchDeadline.CronJob
	case c.RestartDeployment != nil:
		kind, name = "Deployment", c.RestartDeployment.Name
	default:
		return p
	}
	p.Effects = append(slices.Clone(p.Effects), fmt.Sprintf("records a Normal Event on %s/%s with the reason you give (reason KubectlRotation; kubectl describe shows it)%s", kind, name, when))
	return p
}

// TriggerRotation creates a Job from the rotation CronJob (runbook Scenario
// 1 step 5, Scenario 5 step 5).
func TriggerRotation(c config.Config, ns string, at time.Time) Plan {
	cj := c.Kubernetes.RotationCronJob
	job := "manual-rotation-" + at.UTC().Format(runbook.StampLayout)
	return createJobPlan(runbook.ActionTriggerRotation, "Re-run the rotation now",
		CreateJob{Namespace: ns, CronJob: cj, Name: job},
		[]string{"creates Job " + job + " from the CronJob's template (the CronJob itself is unchanged)"})
}

// cleanupDryRunPrefix names the cleanup's dry-run Jobs.
const cleanupDryRunPrefix = "test-cleanup-"

// CleanupJob creates a one-off Job from the cleanup CronJob with DRY_RUN set
// on that Job only (runbook Scenario 3 steps 3 and 4; the runbook's `kubectl
// set env cronjob/...` would change the CronJob and can be forgotten). The
// real run is confirmed by typing the CronJob's name, with the last dry
// run's log shown.
func CleanupJob(c config.Config, ns string, dryRun bool, at time.Time) Plan {
	cj := c.Kubernetes.CleanupCronJob
	action, prefix, title := runbook.ActionCleanupRun, "manual-cleanup-", "Run the secret cleanup for real"
	if dryRun {
		action, prefix, title = runbook.ActionCleanupDryRun, cleanupDryRunPrefix, "Run the secret cleanup as a dry run"
	}
	job := prefix + at.UTC().Format(runbook.StampLayout)
	val := fmt.Sprint(dryRun)
	p := createJobPlan(action, title,
		CreateJob{Namespace: ns, CronJob: cj, Name: job, Env: []EnvVar{{Name: "DRY_RUN", Value: val}}},
		[]string{"creates Job " + job + " from the CronJob's template", "sets DRY_RUN=" + val + " on that Job only; the CronJob is unchanged"})
	if !dryRun {
		// it destroys secret versions: confirmed by typing the CronJob's name
		p.Warning = "destroys secret versions beyond the retention, which cannot be recovered; review a dry run's log first"
		p.Destructive, p.ConfirmName = true, cj
		p.Preview = &Preview{LastJob: &JobPreview{Role: "cleanup", Prefix: cleanupDryRunPrefix, What: "dry run",
			Missing: "No dry run of the cleanup yet: run the dry-run step first and read its log."}}
	}
	return p
}

// EmergencyRotate rotates one tenant now through a Job from the rotation
// CronJob's template, with the tenant in the configured variable and the
// initiator, reason and subject recorded as annotations (runbook Temporary
// Mitigation).
func EmergencyRotate(c config.Config, ns, tenant, initiator, reason, subject string, at time.Time) Plan {
	cj := c.Kubernetes.RotationCronJob
	job := "emergency-rotate-" + at.UTC().Format(runbook.StampLayout)
	ann := map[string]string{
		"rotation.kubectl-rotation.dev/tenant":    tenant,
		"rotation.kubectl-rotation.dev/initiator": initiator,
		"rotation.kubectl-rotation.dev/reason":    reason,
		"rotation.kubectl-rotation.dev/subject":   subject,
	}
	env := []EnvVar{{Name: c.Kubernetes.TenantEnv, Value: tenant}, {Name: "ROTATION_INITIATOR", Value: initiator},
		{Name: "ROTATION_REASON", Value: reason}, {Name: "ROTATION_SUBJECT", Value: subject}}
	return createJobPlan(runbook.ActionEmergencyRotate, "Emergency rotation of tenant "+tenant,
		CreateJob{Namespace: ns, CronJob: cj, Name: job, Env: env, Annotations: ann},
		[]string{"creates Job " + job + " from the CronJob's template", fmt.Sprintf("sets %s=%s on that Job", c.Kubernetes.TenantEnv, tenant),
			fmt.Sprintf("records initiator %q, reason %q, subject %q as annotations", initiator, reason, subject)})
}

// RaiseDeadline patches the rotation CronJob's activeDeadlineSeconds
// (runbook Scenario 5 step 2). The plan asks for the value (DeadlineMin to
// DeadlineMax seconds, default DeadlineDefault); the Executor refuses a
// value out of that range.
func RaiseDeadline(c config.Config, ns string, seconds int64) Plan {
	cj := c.Kubernetes.RotationCronJob
	ask, _ := raiseAsk(nil) // the deadline now not known: the planner asks again with it
	return withEvent(Plan{
		Action: runbook.ActionRaiseDeadline, Title: fmt.Sprintf("Raise the rotation deadline to %ds", seconds), Kind: KindKubernetes,
		Target:  fmt.Sprintf("cronjob/%s in %s", cj, ns),
		Effects: []string{fmt.Sprintf("spec.jobTemplate.spec.activeDeadlineSeconds → %d (the next runs)", seconds)},
		Changes: []Change{{PatchDeadline: &PatchDeadline{Namespace: ns, CronJob: cj, Seconds: seconds}}},
		Ask:     &ask,
	})
}

// currentDeadline is the rotation CronJob's activeDeadlineSeconds in the
// snapshot (nil when unknown or unset).
func currentDeadline(in Input) *int64 {
	if cj := in.Snapshot.Kubernetes.CronJobOf(collectors.RoleRotation); cj != nil && cj.Found {
		return cj.ActiveDeadlineSeconds
	}
	return nil
}

// raiseAsk is raise-deadline's question given the deadline now: only a
// value above it is accepted (the action only raises it), and the default
// is the runbook's 1800 s, or twice the current when that is already as
// high. It returns an error when the deadline is at the most this action
// sets.
func raiseAsk(now *int64) (Ask, error) {
	a := Ask{Prompt: fmt.Sprintf("New activeDeadlineSeconds (the runbook suggests %d)", DeadlineDefault), Unit: "seconds",
		Default: DeadlineDefault, Min: DeadlineMin, Max: DeadlineMax}
	if now == nil {
		return a, nil
	}
	if *now >= DeadlineMax {
		return Ask{}, fmt.Errorf("activeDeadlineSeconds is %ds now, the most this action sets (%d): it only raises the deadline", *now, DeadlineMax)
	}
	a.Min = max(DeadlineMin, *now+1)
	if a.Default < a.Min {
		a.Default = min(2**now, DeadlineMax)
	}
	a.Prompt = fmt.Sprintf("New activeDeadlineSeconds, above the %ds it is now (the runbook suggests %d)", *now, DeadlineDefault)
	a.Raises = fmt.Sprintf("activeDeadlineSeconds is %ds now, and this action only raises it", *now)
	return a, nil
}

// RestartOrchestrator rolls the orchestrator Deployment as `kubectl rollout
// restart` does (runbook Scenario 2 step 5, safer than deleting every pod).
func RestartOrchestrator(c config.Config, ns string) Plan {
	dep := c.Kubernetes.OrchestratorDeployment
	return withEvent(Plan{
		Action: runbook.ActionRestartOrchestrator, Title: "Rolling restart of the orchestrator", Kind: KindKubernetes,
		Target:  fmt.Sprintf("deployment/%s in %s", dep, ns),
		Effects: []string{"sets the pod template annotation kubectl.kubernetes.io/restartedAt to the time it runs: pods are replaced one by one and log in to Vault again"},
		Changes: []Change{{RestartDeployment: &RestartDeployment{Namespace: ns, Name: dep}}},
	})
}

// EnableAudit sets AUDIT_ENABLED=true on the orchestrator Deployment's
// container that has AUDIT_ENABLED (else the first), as `kubectl set env`
// does (runbook Scenario 6 step 3). The pod template changes, so the pods
// roll. The run reads the Deployment and patches it only if it is unchanged
// since; it writes nothing when the value is already true. Its run's errors
// say when the Deployment is gone, or changed between the read and the
// patch (then nothing was written).
func EnableAudit(c config.Config, ns string) Plan {
	ch := enableAuditChange(c, ns)
	return withEvent(Plan{
		Action: runbook.ActionEnableAudit, Title: "Enable audit logging on the orchestrator", Kind: KindKubernetes,
		Target: fmt.Sprintf("deployment/%s in %s", ch.Name, ns),
		Effects: []string{
			"sets AUDIT_ENABLED=true in the pod template, on the container that has AUDIT_ENABLED (else the first); nothing is written if it is already true",
			"the pod template changes: the pods are replaced one by one (a rolling update)",
			"durable fix: the Helm value security.cmek.rotation.auditEnabled: true; the next helm upgrade reverts an env set by hand",
		},
		Changes: []Change{{SetEnv: &ch}},
	})
}

func enableAuditChange(c config.Config, ns string) SetEnv {
	return SetEnv{Kind: WorkloadDeployment, Namespace: ns, Name: c.Kubernetes.OrchestratorDeployment, Env: "AUDIT_ENABLED", Value: "true",
		Effect: "the pods roll; set security.cmek.rotation.auditEnabled: true in the Helm values too"}
}

// CleanupDryRunOff sets DRY_RUN=false on the cleanup CronJob's job template
// (the container that has DRY_RUN, else the first), as the runbook's
// Scenario 3 step 4 does with `kubectl set env`, for when DRY_RUN=true was
// left on it: then every scheduled cleanup deletes nothing. The one-off
// cleanup Jobs never need it. Same read, guarded patch and no-op as
// EnableAudit.
func CleanupDryRunOff(c config.Config, ns string) Plan {
	ch := cleanupDryRunOffChange(c, ns)
	return withEvent(Plan{
		Action: runbook.ActionCleanupDryRunOff, Title: "Turn DRY_RUN off on the cleanup CronJob", Kind: KindKubernetes,
		Target: fmt.Sprintf("cronjob/%s in %s", ch.Name, ns),
		Effects: []string{
			"sets DRY_RUN=false in the CronJob's job template, on the container that has DRY_RUN (else the first); nothing is written if it is already false",
			"the next scheduled cleanup deletes secret versions beyond the retention; Jobs already created are unchanged",
		},
		Changes: []Change{{SetEnv: &ch}},
		Warning: "from the next scheduled run on, cleanup deletes secret versions; do this after a real run's result was reviewed",
	})
}

func cleanupDryRunOffChange(c config.Config, ns string) SetEnv {
	return SetEnv{Kind: WorkloadCronJob, Namespace: ns, Name: c.Kubernetes.CleanupCronJob, Env: "DRY_RUN", Value: "false",
		Effect: "the next scheduled cleanup deletes for real"}
}

// containersPointer is the JSON pointer of the workload's pod template
// containers.
func (c *SetEnv) containersPointer() string {
	if c.Kind == WorkloadCronJob {
		return "/spec/jobTemplate/spec/template/spec/containers"
	}
	return "/spec/template/spec/containers"
}

// apply sets one environment variable in a workload's pod template, as
// `kubectl set env` does, without a blind write: it reads the object, picks
// the containers (those that already have the variable, else the first),
// and sends a JSON patch whose first operation tests the resourceVersion it
// read, so a change made in between fails the patch instead of being
// overwritten.
func (c *SetEnv) apply(ctx context.Context, t Targets, dry bool) (applied, error) {
	if t.Env == nil {
		return applied{}, errNoKube
	}
	rv, cs, err := t.Env.Containers(ctx, c.Kind, c.Namespace, c.Name)
	switch {
	case errors.Is(err, ErrNotFound):
		return applied{}, fmt.Errorf("%s %s not found in %s: it was deleted or renamed after the plan was made; nothing was changed: %w", c.resource(), c.Name, c.Namespace, err)
	case err != nil:
		return applied{}, fmt.Errorf("read %s %s: %w", c.resource(), c.Name, err)
	}
	res, err := c.write(ctx, t.Env, rv, cs, dry)
	return applied{res: res}, err
}

// write patches the object as read at resourceVersion rv with containers cs.
func (c *SetEnv) write(ctx context.Context, t EnvSetter, rv string, cs []Container, dry bool) (Result, error) {
	e, err := editEnv(c.containersPointer(), rv, cs, c.Env, c.Value)
	if err != nil {
		return Result{}, fmt.Errorf("%s %s: %w", c.resource(), c.Name, err)
	}
	obj := c.resource() + "/" + c.Name
	if !e.needed {
		return Result{Summary: fmt.Sprintf("%s is already %s on %s (container %s): nothing needed changing", c.Env, c.Value, obj, strings.Join(e.targets, ", ")),
			Before: e.before, After: e.before}, nil
	}
	after, err := t.PatchContainers(ctx, c.Kind, c.Namespace, c.Name, e.patch, dry)
	switch {
	case errors.Is(err, ErrNotFound):
		return Result{}, fmt.Errorf("%s was deleted after it was read: nothing was changed: %w", obj, err)
	case errors.Is(err, ErrConflict) || (errors.Is(err, ErrInvalid) && c.changedSince(ctx, t, rv)):
		return Result{}, fmt.Errorf("%s changed after it was read (resourceVersion %s): nothing was changed; look at it again and retry", obj, rv)
	case err != nil:
		return Result{}, sent(fmt.Sprintf("set %s=%s on %s", c.Env, c.Value, obj), err)
	}
	now := envState(after, e.targets, c.Env)
	change := fmt.Sprintf("%s (container %s): %s %s → %s", obj, strings.Join(e.targets, ", "), c.Env, e.before, now)
	switch {
	case len(cs) > len(e.targets) && c.Container == "":
		// the step's kubectl set env has no -c (a snapshot of before the
		// container was recorded): it would set every one
		change += fmt.Sprintf(" (the pod template has %d containers and this action sets only %s; the command shown sets every one: add -c %s to it)",
			len(cs), strings.Join(e.targets, ", "), strings.Join(e.targets, ","))
	case c.Container != "" && (len(e.targets) != 1 || e.targets[0] != c.Container):
		// the pod template changed since it was read
		change += fmt.Sprintf(" (the command shown sets container %s (-c %s); this action sets %s: the pod template changed since it was read, refresh before running the command)",
			c.Container, c.Container, strings.Join(e.targets, ", "))
	}
	if dry {
		return Result{Summary: change + ", accepted by the server's dry run", Before: e.before, After: now}, nil
	}
	return Result{Summary: change + "; " + c.Effect, Object: c.Name, ObjectKind: c.Kind, Before: e.before, After: now}, nil
}

// changedSince reports whether the object's resourceVersion is no longer
// rv. The server answers a failed JSON-patch test with a bare 422 Invalid,
// so a refused patch is told apart from an invalid one by reading again.
func (c *SetEnv) changedSince(ctx context.Context, t EnvSetter, rv string) bool {
	now, _, err := t.Containers(ctx, c.Kind, c.Namespace, c.Name)
	return errors.Is(err, ErrNotFound) || (err == nil && now != rv)
}

// envEdit is the change editEnv computed.
type envEdit struct {
	patch   []byte
	targets []string // the containers changed
	before  string   // the variable in those containers now
	needed  bool     // false when every target already has the value
}

// editEnv plans setting name=value in the containers that have name (every
// occurrence), or in the first container when none has it, as a JSON patch
// at the containers pointer that first tests resourceVersion rv. A value
// taken from valueFrom is replaced by the literal. It returns an error when
// there is no container.
func editEnv(containers, rv string, cs []Container, name, value string) (envEdit, error) {
	if len(cs) == 0 {
		return envEdit{}, fmt.Errorf("the pod template has no container to set %s in", name)
	}
	var idx []int
	for i, c := range cs {
		if slices.ContainsFunc(c.Env, func(e ContainerEnv) bool { return e.Name == name }) {
			idx = append(idx, i)
		}
	}
	if len(idx) == 0 {
		idx = []int{0}
	}
	var e envEdit
	ops := []map[string]any{{"op": "test", "path": "/metadata/resourceVersion", "value": rv}}
	val := EnvVar{Name: name, Value: value}
	for _, i := range idx {
		c := cs[i]
		e.targets = append(e.targets, c.Name)
		found := false
		for j, ev := range c.Env {
			if ev.Name != name {
				continue
			}
			found = true
			if ev.From != "" || !strings.EqualFold(ev.Value, value) {
				e.needed = true
			}
			ops = append(ops, map[string]any{"op": "replace", "path": fmt.Sprintf("%s/%d/env/%d", containers, i, j), "value": val})
		}
		if !found {
			e.needed = true
			if len(c.Env) == 0 {
				ops = append(ops, map[string]any{"op": "add", "path": fmt.Sprintf("%s/%d/env", containers, i), "value": []EnvVar{val}})
			} else {
				ops = append(ops, map[string]any{"op": "add", "path": fmt.Sprintf("%s/%d/env/-", containers, i), "value": val})
			}
		}
	}
	e.before = envState(cs, e.targets, name)
	var err error
	e.patch, err = json.Marshal(ops)
	return e, err
}

// envState is the variable's value in the named containers: "false",
// "unset", "from configmap x key y"; "c1: v1, c2: v2" for several.
func envState(cs []Container, names []string, name string) string {
	var parts []string
	for _, c := range cs {
		if !slices.Contains(names, c.Name) {
			continue
		}
		v := "unset"
		for _, ev := range c.Env {
			switch {
			case ev.Name != name:
			case ev.From != "":
				v = ev.From
			default:
				v = ev.Value
				if v == "" {
					v = `""`
				}
			}
		}
		parts = append(parts, c.Name+": "+v)
	}
	if len(parts) == 1 {
		_, v, _ := strings.Cut(parts[0], ": ")
		return v
	}
	return strings.Join(parts, ", ")
}
