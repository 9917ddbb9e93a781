package actions

import (
	"context"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/config"
)

// fakeVault is a Vault of policies and roles held in maps; put and write,
// when set, answer the writes instead (after which the map holds what
// they left). The methods a test does not use are the nil embedded
// interface's: calling one panics.
type fakeVault struct {
	Vault
	caps     func(ctx context.Context) error // nil: root everywhere
	policies map[string]string
	roles    map[string]map[string]any
	put      func(ctx context.Context, name, text string) error
	write    func(ctx context.Context, path string, data map[string]any) error
}

func (f *fakeVault) Address() string { return "http://vault.test:8200" }

func (f *fakeVault) Self(context.Context) (string, string, error) { return "acc-op", "ent-op", nil }

func (f *fakeVault) Capabilities(ctx context.Context, paths []string) (map[string][]string, error) {
	if f.caps != nil {
		if err := f.caps(ctx); err != nil {
			return nil, err
		}
	}
	out := map[string][]string{}
	for _, p := range paths {
		out[p] = []string{"root"}
	}
	return out, nil
}

func (f *fakeVault) Policy(_ context.Context, name string) (string, error) {
	return f.policies[name], nil
}

func (f *fakeVault) PutPolicy(ctx context.Context, name, text string) error {
	if f.put != nil {
		return f.put(ctx, name, text)
	}
	f.policies[name] = text
	return nil
}

func (f *fakeVault) Read(_ context.Context, path string) (map[string]any, error) {
	return f.roles[path], nil
}

func (f *fakeVault) Write(ctx context.Context, path string, data map[string]any) error {
	if f.write != nil {
		return f.write(ctx, path, data)
	}
	f.store(path, data)
	return nil
}

// store keeps data as Vault answers a read of a Kubernetes-auth role.
func (f *fakeVault) store(path string, data map[string]any) {
	ttl, _ := time.ParseDuration(data["ttl"].(string))
	list := func(k string) []any {
		var out []any
		for _, s := range strings.Split(data[k].(string), ",") {
			out = append(out, s)
		}
		return out
	}
	f.roles[path] = map[string]any{
		"bound_service_account_names":      list("bound_service_account_names"),
		"bound_service_account_namespaces": list("bound_service_account_namespaces"),
		"token_policies":                   list("policies"),
		"token_ttl":                        int64(ttl.Seconds()),
	}
}

var _ Vault = (*fakeVault)(nil)

// timeoutErr is how the HTTP client says its own timeout passed.
func timeoutErr(op string) error {
	return &url.Error{Op: op, URL: "http://vault.test:8200/v1/x", Err: context.DeadlineExceeded}
}

// testExecutor is an Executor over fv with a journal in a temporary
// folder, and a function reading that journal's outcome lines.
func testExecutor(t *testing.T, fv *fakeVault) (*Executor, func() []Entry) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "journal.jsonl")
	j, err := OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	ex := &Executor{Vault: fv, Config: config.Default(), Journal: j}
	return ex, func() []Entry {
		t.Helper()
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		recs, problems, err := ReadJournal(f)
		if err != nil || len(problems) > 0 {
			t.Fatalf("journal: %v %v", err, problems)
		}
		var out []Entry
		for _, r := range recs {
			if r.Outcome == nil {
				t.Fatalf("intent %s without its outcome", r.Intent.Action)
			}
			out = append(out, *r.Outcome)
		}
		return out
	}
}

func roleData(names, namespaces, policies, ttl string) map[string]any {
	return map[string]any{"bound_service_account_names": names, "bound_service_account_namespaces": namespaces, "policies": policies, "ttl": ttl}
}

// TestExecutor_RefusesWhatChangedSinceTheDiff: the policy and the role are
// confirmed from a diff of what is there against what will be written; if
// what is there changed between the diff and y, the write refuses, changes
// nothing and is journaled as stale (a write never removes what the person
// did not see). Unchanged, it writes.
func TestExecutor_RefusesWhatChangedSinceTheDiff(t *testing.T) {
	c := config.Default()
	role := "auth/kubernetes/role/oss-ai-orchestrator"
	tests := map[string]struct {
		plan   Plan
		seed   func(fv *fakeVault)
		change func(fv *fakeVault) // between the diff and y
		now    func(fv *fakeVault) string
	}{
		"policy": {
			plan: FixPolicy(c),
			seed: func(fv *fakeVault) {
				fv.policies[c.Vault.Policy] = "path \"secret/data/x\" { capabilities = [\"read\"] }\n"
			},
			change: func(fv *fakeVault) {
				fv.policies[c.Vault.Policy] += "path \"secret/data/break-glass\" { capabilities = [\"read\"] }\n"
			},
			now: func(fv *fakeVault) string { return fv.policies[c.Vault.Policy] },
		},
		"role": {
			plan: FixRole(c, "ns"),
			seed: func(fv *fakeVault) {
				fv.store(role, roleData("oss-ai-orchestrator", "wrong-ns", "cmek-rotation", "10m"))
			},
			change: func(fv *fakeVault) {
				fv.store(role, roleData("oss-ai-orchestrator", "wrong-ns", "cmek-rotation,audit-writer", "10m"))
			},
			now: func(fv *fakeVault) string { return roleText(fv.roles[role]) },
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			for _, changed := range []bool{true, false} {
				fv := &fakeVault{policies: map[string]string{}, roles: map[string]map[string]any{}}
				tt.seed(fv)
				ex, outcomes := testExecutor(t, fv)
				ctx := context.Background()
				check, err := ex.Check(ctx, tt.plan)
				if err != nil || check.Before == "" || check.Before != tt.now(fv) {
					t.Fatalf("check %+v %v: want the diff's before to be what is there", check, err)
				}
				p := tt.plan.AsShown(check)
				if changed {
					tt.change(fv)
				}
				before := tt.now(fv)
				_, err = ex.Execute(ctx, p, "INC-1")
				o := outcomes()[0]
				if !changed {
					if err != nil || o.Outcome != OutcomeOK || tt.now(fv) == before {
						t.Errorf("unchanged since the diff: err %v, outcome %s, not written", err, o.Outcome)
					}
					continue
				}
				if !errors.Is(err, ErrChanged) || !strings.Contains(err.Error(), "nothing was changed: refresh and look again") {
					t.Errorf("err = %v, want ErrChanged saying nothing was changed", err)
				}
				if tt.now(fv) != before {
					t.Errorf("written over what the diff did not show:\n%s", tt.now(fv))
				}
				if o.Outcome != OutcomeStale || o.Error == "" {
					t.Errorf("journaled %q (%s), want stale with the error", o.Outcome, o.Error)
				}
			}
		})
	}
	t.Run("only the diffed changes are pinned", func(t *testing.T) {
		for name, p := range everyPlan(c, time.Now()) {
			got := p.AsShown(Result{Before: "x"})
			pinned := len(got.Changes) == 1 && ((got.Changes[0].WritePolicy != nil && got.Changes[0].WritePolicy.Shown != nil) ||
				(got.Changes[0].WriteRole != nil && got.Changes[0].WriteRole.Shown != nil))
			if pinned != (name == "policy" || name == "role") {
				t.Errorf("%s: pinned %v", name, pinned)
			}
			if p.Changes[0].WritePolicy != nil && p.Changes[0].WritePolicy.Shown != nil {
				t.Errorf("%s: AsShown changed the plan it was given", name)
			}
		}
	})
}

// fakeKube answers the preflight (everything allowed), creates Jobs
// through create, and tells whether a Job exists from jobs.
type fakeKube struct {
	Kube
	create func(ctx context.Context, job CreateJob) error
	jobs   map[string]bool
}

func (f *fakeKube) User(context.Context) (string, error)                   { return "alice", nil }
func (f *fakeKube) Allowed(context.Context, Permission) (bool, error)      { return true, nil }
func (f *fakeKube) RecordEvent(context.Context, Event) error               { return nil }
func (f *fakeKube) JobExists(_ context.Context, _, n string) (bool, error) { return f.jobs[n], nil }

func (f *fakeKube) CreateJobFrom(ctx context.Context, job CreateJob, dry bool) (string, error) {
	return job.Name, f.create(ctx, job)
}

// TestExecutor_NoAnswerIsUnknown: a write whose answer never came is not
// "failed": it may have been applied. The object is read again: holding
// what was sent, the action is done (saying no answer came); else the
// outcome is unknown, naming the server that did not answer and its
// timeout, never claiming it failed.
func TestExecutor_NoAnswerIsUnknown(t *testing.T) {
	c := config.Default()
	ctx := context.Background()
	t.Run("the role was written: done", func(t *testing.T) {
		fv := &fakeVault{policies: map[string]string{}, roles: map[string]map[string]any{}}
		fv.write = func(_ context.Context, path string, data map[string]any) error {
			fv.store(path, data) // applied, and the answer is lost
			return timeoutErr("Put")
		}
		ex, outcomes := testExecutor(t, fv)
		res, err := ex.Execute(ctx, FixRole(c, "ns"), "INC-2")
		o := outcomes()[0]
		if err != nil || o.Outcome != OutcomeOK || !strings.Contains(res.Summary, "no answer came in time") || !strings.Contains(res.Summary, "the role matches the plan") {
			t.Errorf("err %v outcome %s summary %q", err, o.Outcome, res.Summary)
		}
	})
	t.Run("the policy is not the plan's: unknown, naming Vault and its timeout", func(t *testing.T) {
		fv := &fakeVault{policies: map[string]string{}, roles: map[string]map[string]any{}}
		fv.put = func(context.Context, string, string) error { return timeoutErr("Put") }
		ex, outcomes := testExecutor(t, fv)
		_, err := ex.Execute(ctx, FixPolicy(c), "INC-2")
		o := outcomes()[0]
		for _, want := range []string{"unknown: the request was sent and no answer came in time: it may have been applied",
			"Vault at http://vault.test:8200 did not answer within vault.requestTimeout (10s)", "raise vault.requestTimeout",
			"read again: the policy's text is not the plan's"} {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("err = %v, want it to say %q", err, want)
			}
		}
		if !errors.Is(err, ErrNoAnswer) || o.Outcome != OutcomeUnknown || o.Error != err.Error() {
			t.Errorf("journaled %q %q, want unknown", o.Outcome, o.Error)
		}
	})
	t.Run("the Job exists: done, so a second key press is not needed", func(t *testing.T) {
		fk := &fakeKube{jobs: map[string]bool{}}
		fk.create = func(_ context.Context, j CreateJob) error {
			fk.jobs[j.Name] = true
			return &url.Error{Op: "Post", URL: "https://api.test/apis/batch/v1/namespaces/ns/jobs", Err: context.DeadlineExceeded}
		}
		ex, outcomes := testExecutor(t, nil)
		ex.Vault, ex.Kube, ex.Targets = nil, fk, &Targets{Jobs: fk}
		res, err := ex.Execute(ctx, TriggerRotation(c, "ns", time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)), "INC-3")
		o := outcomes()[0]
		if err != nil || o.Outcome != OutcomeOK || res.Object != "manual-rotation-20261207-030000" ||
			!strings.Contains(res.Summary, "the API server did not answer within --request-timeout (kubernetes.requestTimeout) (10s)") ||
			!strings.Contains(res.Summary, "job manual-rotation-20261207-030000 exists") {
			t.Errorf("err %v outcome %s result %+v", err, o.Outcome, res)
		}
	})
	t.Run("the Job does not exist: unknown", func(t *testing.T) {
		fk := &fakeKube{jobs: map[string]bool{}}
		fk.create = func(context.Context, CreateJob) error { return context.DeadlineExceeded }
		ex, outcomes := testExecutor(t, nil)
		ex.Vault, ex.Kube, ex.Targets = nil, fk, &Targets{Jobs: fk}
		_, err := ex.Execute(ctx, TriggerRotation(c, "ns", time.Now()), "INC-3")
		if o := outcomes()[0]; o.Outcome != OutcomeUnknown || !strings.Contains(o.Error, "does not exist") || !strings.Contains(o.Error, "it may still be applied") {
			t.Errorf("err %v, journaled %q %q", err, o.Outcome, o.Error)
		}
	})
	t.Run("a read before the write timed out: failed, nothing changed", func(t *testing.T) {
		fk := &fakeKube{jobs: map[string]bool{}}
		fk.create = func(context.Context, CreateJob) error {
			return BeforeWrite(errors.New("read cronjob cmek-rotation: " + context.DeadlineExceeded.Error()))
		}
		ex, outcomes := testExecutor(t, nil)
		ex.Vault, ex.Kube, ex.Targets = nil, fk, &Targets{Jobs: fk}
		_, err := ex.Execute(ctx, TriggerRotation(c, "ns", time.Now()), "INC-3")
		if o := outcomes()[0]; o.Outcome != OutcomeFailed || !strings.Contains(o.Error, "the API server did not answer") || !strings.Contains(o.Error, "nothing was changed") {
			t.Errorf("err %v, journaled %q %q", err, o.Outcome, o.Error)
		}
	})
}

// TestExecutor_RefusedOnlyWhenRefused: "refused" is a server's or RBAC's
// answer. A permission check that got no answer is unchecked, naming the
// server and its timeout; the operator's cancel is interrupted, saying what
// ran.
func TestExecutor_RefusedOnlyWhenRefused(t *testing.T) {
	c := config.Default()
	t.Run("Vault did not answer the check", func(t *testing.T) {
		fv := &fakeVault{policies: map[string]string{}, caps: func(context.Context) error { return timeoutErr("Post") }}
		ex, outcomes := testExecutor(t, fv)
		_, err := ex.Execute(context.Background(), FixPolicy(c), "INC-4")
		o := outcomes()[0]
		if o.Outcome != OutcomeUnchecked || !errors.Is(err, ErrUnchecked) ||
			!strings.Contains(o.Error, "could not check Vault permissions") ||
			!strings.Contains(o.Error, "Vault at http://vault.test:8200 did not answer within vault.requestTimeout (10s)") {
			t.Errorf("journaled %q %q", o.Outcome, o.Error)
		}
	})
	t.Run("interrupted during the check", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		fv := &fakeVault{policies: map[string]string{}, caps: func(ctx context.Context) error { cancel(); return ctx.Err() }}
		ex, outcomes := testExecutor(t, fv)
		_, err := ex.Execute(ctx, FixPolicy(c), "INC-4")
		o := outcomes()[0]
		if o.Outcome != OutcomeInterrupted || !errors.Is(err, ErrInterrupted) || !strings.Contains(o.Error, "nothing was done") {
			t.Errorf("journaled %q %q", o.Outcome, o.Error)
		}
	})
	t.Run("interrupted while the write was in flight", func(t *testing.T) {
		// the operator quits (the dashboard cancels its context) while the
		// write is in flight; the dashboard waits for the outcome line
		ctx, cancel := context.WithCancel(context.Background())
		inFlight := make(chan struct{})
		fv := &fakeVault{policies: map[string]string{}}
		fv.put = func(ctx context.Context, _, _ string) error { close(inFlight); <-ctx.Done(); return ctx.Err() }
		ex, outcomes := testExecutor(t, fv)
		errc := make(chan error, 1)
		go func() { _, err := ex.Execute(ctx, FixPolicy(c), "INC-4"); errc <- err }()
		<-inFlight
		cancel()
		if !ex.Wait(5 * time.Second) {
			t.Fatal("Execute did not return after its context was cancelled")
		}
		o := outcomes()[0] // written before Wait returned
		err := <-errc
		if o.Outcome != OutcomeInterrupted || !errors.Is(err, ErrInterrupted) || !strings.Contains(o.Error, "it may have been applied") {
			t.Errorf("journaled %q %q", o.Outcome, o.Error)
		}
	})
	t.Run("not permitted: refused", func(t *testing.T) {
		fv := &fakeVault{policies: map[string]string{}}
		ex, outcomes := testExecutor(t, &fakeVault{})
		ex.Vault = &denyingVault{fv}
		_, err := ex.Execute(context.Background(), FixPolicy(c), "INC-4")
		if o := outcomes()[0]; o.Outcome != OutcomeRefused || !errors.Is(err, ErrForbidden) {
			t.Errorf("journaled %q %q", o.Outcome, o.Error)
		}
	})
}

// denyingVault grants nothing.
type denyingVault struct{ *fakeVault }

func (d *denyingVault) Capabilities(_ context.Context, paths []string) (map[string][]string, error) {
	out := map[string][]string{}
	for _, p := range paths {
		out[p] = []string{"deny"}
	}
	return out, nil
}

// fakeTokens renews; its look-ups after the first fail.
type fakeTokens struct{ lookups, renewed int }

func (f *fakeTokens) Lookup(context.Context, string) (time.Duration, error) {
	f.lookups++
	if f.lookups > 1 {
		return 0, timeoutErr("Get")
	}
	return 5 * time.Minute, nil
}

func (f *fakeTokens) Renew(context.Context, string) error { f.renewed++; return nil }

// TestExecutor_ReadAfterTheWrite: a write Vault answered is done even when
// reading the object back fails: never journaled as failed, never "nothing
// was changed".
func TestExecutor_ReadAfterTheWrite(t *testing.T) {
	ft := &fakeTokens{}
	ex, outcomes := testExecutor(t, &fakeVault{})
	ex.Targets = &Targets{Tokens: ft}
	res, err := ex.Execute(context.Background(), RenewToken("acc-1"), "INC-8")
	if o := outcomes()[0]; err != nil || ft.renewed != 1 || o.Outcome != OutcomeOK || res.After != "unknown" || !strings.Contains(res.Summary, "renewed") {
		t.Errorf("err %v renewed %d outcome %s result %+v", err, ft.renewed, o.Outcome, res)
	}
}

// fakeEnv is an EnvSetter over one pod template's containers.
type fakeEnv struct{ cs []Container }

func (f *fakeEnv) Containers(context.Context, string, string, string) (string, []Container, error) {
	return "7", f.cs, nil
}

func (f *fakeEnv) PatchContainers(_ context.Context, _, _, _ string, _ []byte, _ bool) ([]Container, error) {
	out := slices.Clone(f.cs)
	out[0].Env = []ContainerEnv{{Name: "AUDIT_ENABLED", Value: "true"}}
	return out, nil
}

// TestSetEnv_SaysWhenTheCommandSetsMore: with a sidecar, the dry run the
// person confirms says that the action sets one container while the shown
// kubectl set env (no -c) would set every one.
func TestSetEnv_SaysWhenTheCommandSetsMore(t *testing.T) {
	fe := &fakeEnv{cs: []Container{{Name: "orchestrator", Env: []ContainerEnv{{Name: "AUDIT_ENABLED", Value: "false"}}}, {Name: "vault-agent"}}}
	res, err := (&Executor{Targets: &Targets{Env: fe}}).DryRun(context.Background(), EnableAudit(config.Default(), "ns"))
	if err != nil || !strings.Contains(res.Summary, "the pod template has 2 containers and this action sets only orchestrator") || !strings.Contains(res.Summary, "add -c orchestrator") {
		t.Errorf("dry run %q %v", res.Summary, err)
	}
	fe.cs = fe.cs[:1]
	if res, _ := (&Executor{Targets: &Targets{Env: fe}}).DryRun(context.Background(), EnableAudit(config.Default(), "ns")); strings.Contains(res.Summary, "containers") {
		t.Errorf("one container: %q", res.Summary)
	}
}
