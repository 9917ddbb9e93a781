package actions

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/config"
	"github.com/oss-ai-agent-tool/kubectl-rotation/runbook"
)

func everyPlan(c config.Config, at time.Time) map[string]Plan {
	return map[string]Plan{
		"trigger":     TriggerRotation(c, "ns", at),
		"cleanup dry": CleanupJob(c, "ns", true, at),
		"cleanup run": CleanupJob(c, "ns", false, at),
		"deadline":    RaiseDeadline(c, "ns", 2400),
		"restart":     RestartOrchestrator(c, "ns"),
		"audit":       EnableAudit(c, "ns"),
		"dry run off": CleanupDryRunOff(c, "ns"),
		"renew":       RenewToken("acc1"),
		"renew self":  RenewToken(""),
		"policy":      FixPolicy(c),
		"role":        FixRole(c, "ns"),
		"trim":        TrimVersions(c, "t-1"),
		"trim all":    TrimVersionsAll(c, []string{"t-1", "t-2"}),
		"emergency":   EmergencyRotate(c, "ns", "t-1", "me", "it's failing", "ops", at),
	}
}

// TestPlan_JSON: every plan is plain data: it survives a JSON round trip
// equal, so the journal's changes can be read back and compared, and each
// of its changes is valid with exactly one write set.
func TestPlan_JSON(t *testing.T) {
	for name, p := range everyPlan(config.Default(), time.Date(2026, 11, 26, 3, 4, 5, 0, time.UTC)) {
		t.Run(name, func(t *testing.T) {
			b, err := json.Marshal(p)
			if err != nil {
				t.Fatal(err)
			}
			var got Plan
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, p) {
				t.Errorf("round trip\n%+v\nwant\n%+v", got, p)
			}
			if err := p.Validate(); err != nil {
				t.Error(err)
			}
			if got.Command() != p.Command() || len(p.Permissions()) == 0 {
				t.Errorf("command %q after the round trip, %q before; permissions %v", got.Command(), p.Command(), p.Permissions())
			}
		})
	}
}

// TestChange_Command: the command shown is derived from the change itself.
func TestChange_Command(t *testing.T) {
	tests := map[string]struct {
		c    Change
		want string
	}{
		"create job": {Change{CreateJob: &CreateJob{Namespace: "ns", CronJob: "cj", Name: "j"}}, "kubectl create job --from=cronjob/cj j -n ns"},
		"create job with env and annotations": {Change{CreateJob: &CreateJob{Namespace: "ns", CronJob: "cj", Name: "j",
			Env: []EnvVar{{Name: "TENANT_ID", Value: "t-1"}, {Name: "ROTATION_REASON", Value: "it's failing"}}, Annotations: map[string]string{"b": "2", "a": "1"}}},
			`kubectl create job --from=cronjob/cj j -n ns --dry-run=client -o yaml | kubectl set env --local -f - TENANT_ID=override -o yaml | kubectl set env --local -f - TENANT_ID=t-1 ROTATION_REASON='it'\''s failing' -o yaml | kubectl annotate --local -f - a=1 b=2 -o yaml | kubectl create -f -`},
		"set env":  {Change{SetEnv: &SetEnv{Kind: WorkloadCronJob, Namespace: "ns", Name: "c", Env: "DRY_RUN", Value: "false"}}, "kubectl set env cronjob/c DRY_RUN=false -n ns"},
		"deadline": {Change{PatchDeadline: &PatchDeadline{Namespace: "ns", CronJob: "c", Seconds: 60}}, `kubectl patch cronjob c -n ns --type=merge -p '{"spec":{"jobTemplate":{"spec":{"activeDeadlineSeconds":60}}}}'`},
		"restart":  {Change{RestartDeployment: &RestartDeployment{Namespace: "ns", Name: "d"}}, "kubectl rollout restart deployment/d -n ns"},
		"renew":    {Change{RenewToken: &RenewTokenChange{Accessor: "a"}}, "vault token renew -accessor a"},
		"empty":    {Change{}, ""},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if got := tt.c.Command(); got != tt.want {
				t.Errorf("command\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
	if err := (Change{}).Validate(); err == nil {
		t.Error("an empty change is valid")
	}
	two := Change{RestartDeployment: &RestartDeployment{}, RenewToken: &RenewTokenChange{}}
	if err := two.Validate(); err == nil {
		t.Error("a change with two writes is valid")
	}
}

// TestPlan_Declares: a plan states what it needs from the person, so the
// UI has no code of its own for any action.
func TestPlan_Declares(t *testing.T) {
	c := config.Default()
	at := time.Now()
	t.Run("raise-deadline asks for seconds in a range", func(t *testing.T) {
		p := RaiseDeadline(c, "ns", 1800)
		if p.Ask == nil || p.Ask.Default != 1800 || p.Ask.Min != 60 || p.Ask.Max != 86400 || p.Ask.Check(59) == nil || p.Ask.Check(86400) != nil {
			t.Errorf("ask %+v", p.Ask)
		}
		snap := &collectors.Snapshot{Config: c, Namespace: "ns"}
		for _, v := range []int64{59, 86401, -5} {
			if _, err := PlanFor(runbook.ActionRaiseDeadline, Input{Snapshot: snap, Value: v}); err == nil {
				t.Errorf("PlanFor accepted %d", v)
			}
		}
		if got, err := PlanFor(runbook.ActionRaiseDeadline, Input{Snapshot: snap}); err != nil || got.Changes[0].PatchDeadline.Seconds != 1800 {
			t.Errorf("default: %+v %v", got, err)
		}
	})
	t.Run("the executor refuses a deadline out of range", func(t *testing.T) {
		ex := &Executor{Targets: &Targets{}}
		for _, v := range []int64{0, 59, 86401} {
			if _, err := ex.DryRun(context.Background(), RaiseDeadline(c, "ns", v)); err == nil || !strings.Contains(err.Error(), "out of range") {
				t.Errorf("%d: err %v", v, err)
			}
		}
		j, err := OpenJournal(t.TempDir() + "/j")
		if err != nil {
			t.Fatal(err)
		}
		ex.Journal = j
		if _, err := ex.Execute(context.Background(), RaiseDeadline(c, "ns", 100000), ""); err == nil || !strings.Contains(err.Error(), "out of range") {
			t.Errorf("execute: err %v", err)
		}
	})
	t.Run("renew by accessor falls back to the own token", func(t *testing.T) {
		p := RenewToken("acc")
		if p.Fallback == nil || !reflect.DeepEqual(p.Fallback.Plan, RenewToken("")) || p.Fallback.Note == "" || p.Fallback.Short == "" {
			t.Errorf("fallback %+v", p.Fallback)
		}
		if RenewToken("").Fallback != nil {
			t.Error("the own token's renewal has a fallback")
		}
	})
	t.Run("the real cleanup shows the last dry run and needs its name", func(t *testing.T) {
		p := CleanupJob(c, "ns", false, at)
		if p.Preview == nil || p.Preview.LastJob == nil || p.Preview.LastJob.Prefix != "test-cleanup-" || !p.Destructive || p.ConfirmName != "secret-cleanup" {
			t.Errorf("plan %+v", p)
		}
		if dry := CleanupJob(c, "ns", true, at); dry.Preview != nil || dry.Destructive {
			t.Errorf("dry run %+v", dry)
		}
	})
	t.Run("only raise-deadline asks, only renew falls back, only cleanup-run previews", func(t *testing.T) {
		for name, p := range everyPlan(c, at) {
			if (p.Ask != nil) != (p.Action == runbook.ActionRaiseDeadline) ||
				(p.Fallback != nil) != (name == "renew") ||
				(p.Preview != nil) != (p.Action == runbook.ActionCleanupRun) {
				t.Errorf("%s: ask %v fallback %v preview %v", name, p.Ask, p.Fallback, p.Preview)
			}
		}
	})
}

// fakeJobs is a JobCreator of a function field.
type fakeJobs func(ctx context.Context, job CreateJob, dry bool) (string, error)

func (f fakeJobs) CreateJobFrom(ctx context.Context, job CreateJob, dry bool) (string, error) {
	return f(ctx, job, dry)
}

var _ JobCreator = fakeJobs(nil)

// TestExecutor_AppliesUnderTheCallersContext: every change runs under the
// ctx given to DryRun/Execute, with a request deadline derived from it, so
// cancelling it (quitting the dashboard) cancels the write.
func TestExecutor_AppliesUnderTheCallersContext(t *testing.T) {
	c := config.Default()
	at := time.Date(2026, 11, 26, 3, 4, 5, 0, time.UTC)
	var created CreateJob
	jobs := fakeJobs(func(ctx context.Context, j CreateJob, dry bool) (string, error) {
		if _, ok := ctx.Deadline(); !ok {
			t.Error("no request deadline")
		}
		if !dry {
			t.Error("a dry run was sent as a write")
		}
		created = j
		return j.Name, ctx.Err()
	})
	ex := &Executor{Targets: &Targets{Jobs: jobs}}
	t.Run("OK", func(t *testing.T) {
		res, err := ex.DryRun(context.Background(), EmergencyRotate(c, "ns", "t-1", "me", "why", "ops", at))
		if err != nil || res.Object != "emergency-rotate-20261126-030405" || created.Namespace != "ns" || created.CronJob != c.Kubernetes.RotationCronJob ||
			created.Annotations["rotation.kubectl-rotation.dev/tenant"] != "t-1" || !slices.Contains(created.Env, EnvVar{Name: c.Kubernetes.TenantEnv, Value: "t-1"}) {
			t.Errorf("res %+v err %v job %+v", res, err, created)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := ex.DryRun(ctx, TriggerRotation(c, "ns", at)); !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	})
	t.Run("no client", func(t *testing.T) {
		if _, err := (&Executor{Targets: &Targets{}}).DryRun(context.Background(), FixPolicy(c)); !errors.Is(err, errNoTarget) {
			t.Errorf("err = %v", err)
		}
	})
}

// fakeVersions is a VersionTrimmer over metadata by path.
type fakeVersions struct {
	md        map[string]KeyMetadata
	max       map[string]int
	destroyed map[string][]int
}

func (f *fakeVersions) Metadata(_ context.Context, _, path string) (KeyMetadata, error) {
	if md, ok := f.md[path]; ok {
		return md, nil
	}
	return KeyMetadata{}, fmt.Errorf("secret not found: %s", path)
}

func (f *fakeVersions) SetMaxVersions(_ context.Context, _, path string, n int) error {
	f.max[path] = n
	return nil
}

func (f *fakeVersions) Destroy(_ context.Context, _, path string, v []int) error {
	f.destroyed[path] = v
	return nil
}

// TestExecutor_TrimAll: the changes run in order and a failure names the
// tenant and the ones trimmed before it.
func TestExecutor_TrimAll(t *testing.T) {
	c := config.Default()
	md := func(n int) KeyMetadata {
		m := KeyMetadata{CurrentVersion: n, MaxVersions: 0, Versions: map[int]VersionState{}}
		for v := 1; v <= n; v++ {
			m.Versions[v] = VersionState{}
		}
		return m
	}
	fv := &fakeVersions{md: map[string]KeyMetadata{c.TenantPath("a"): md(7), c.TenantPath("b"): md(6)}, max: map[string]int{}, destroyed: map[string][]int{}}
	ex := &Executor{Targets: &Targets{Versions: fv}}
	res, err := ex.DryRun(context.Background(), TrimVersionsAll(c, []string{"a", "b"}))
	if err != nil || res.Summary != "would destroy 3 versions in 2 tenants and set max_versions=5" || len(fv.max) != 0 {
		t.Errorf("dry run %+v %v, writes %v", res, err, fv.max)
	}
	_, err = ex.apply(context.Background(), TrimVersionsAll(c, []string{"a", "b", "gone"}), false)
	if err == nil || !strings.HasPrefix(err.Error(), "gone: ") || !strings.Contains(err.Error(), "trimmed before it: a, b") {
		t.Errorf("err = %v", err)
	}
	if !reflect.DeepEqual(fv.destroyed, map[string][]int{c.TenantPath("a"): {2, 1}, c.TenantPath("b"): {1}}) || fv.max[c.TenantPath("b")] != 5 {
		t.Errorf("destroyed %v max %v", fv.destroyed, fv.max)
	}
}
