package actions

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/config"
	"github.com/oss-ai-agent-tool/kubectl-rotation/runbook"
)

// TestPlans checks each plan without running anything: its action id, the
// equivalent command with the real names, what it asks permission for, and
// that only data-destroying plans need a typed name.
func TestPlans(t *testing.T) {
	c := config.Default()
	at := time.Date(2026, 11, 26, 3, 4, 5, 0, time.UTC)
	tests := map[string]struct {
		p           Plan
		action      string
		command     []string
		perm        string
		destructive bool
	}{
		"trigger rotation": {TriggerRotation(c, "ns", at), runbook.ActionTriggerRotation,
			[]string{"kubectl create job --from=cronjob/cmek-rotation manual-rotation-20261126-030405 -n ns"}, "create jobs.batch", false},
		"cleanup dry run": {CleanupJob(c, "ns", true, at), runbook.ActionCleanupDryRun,
			[]string{"--from=cronjob/secret-cleanup test-cleanup-", "DRY_RUN=true"}, "create jobs.batch", false},
		"cleanup for real": {CleanupJob(c, "ns", false, at), runbook.ActionCleanupRun,
			[]string{"manual-cleanup-", "DRY_RUN=false"}, "create jobs.batch", true},
		"raise deadline": {RaiseDeadline(c, "ns", 1800), runbook.ActionRaiseDeadline,
			[]string{`kubectl patch cronjob cmek-rotation -n ns --type=merge -p '{"spec":{"jobTemplate":{"spec":{"activeDeadlineSeconds":1800}}}}'`}, "patch cronjobs.batch cmek-rotation", false},
		"restart": {RestartOrchestrator(c, "ns"), runbook.ActionRestartOrchestrator,
			[]string{"kubectl rollout restart deployment/oss-ai-orchestrator -n ns"}, "patch deployments.apps oss-ai-orchestrator", false},
		"renew by accessor": {RenewToken("acc123"), runbook.ActionRenewToken,
			[]string{"vault token renew -accessor acc123"}, "vault update on auth/token/renew-accessor", false},
		"renew self": {RenewToken(""), runbook.ActionRenewToken, []string{"vault token renew"}, "vault update on auth/token/renew-self", false},
		"fix policy": {FixPolicy(c), runbook.ActionFixPolicy,
			[]string{"vault policy write cmek-rotation -", `path "secret/data/tenants/+/cmek"`}, "vault update on sys/policies/acl/cmek-rotation", false},
		"fix role": {FixRole(c, "ns"), runbook.ActionFixRole,
			[]string{"vault write auth/kubernetes/role/oss-ai-orchestrator bound_service_account_names=oss-ai-orchestrator bound_service_account_namespaces=ns policies=cmek-rotation,secret-read ttl=24h"},
			"vault update on auth/kubernetes/role/oss-ai-orchestrator", false},
		"trim versions of every tenant named": {TrimVersionsAll(c, []string{"t-003", "t-011"}), runbook.ActionTrimVersionsAll,
			[]string{"vault kv metadata put -max-versions=5 secret/tenants/t-003/cmek && vault kv destroy -versions=<live versions beyond the newest 5> secret/tenants/t-003/cmek\nvault kv metadata put -max-versions=5 secret/tenants/t-011/cmek"}, "vault update on secret/destroy/tenants/t-011/cmek", true},
		"trim versions": {TrimVersions(c, "t-042"), runbook.ActionTrimVersions,
			[]string{"vault kv metadata put -max-versions=5 secret/tenants/t-042/cmek"}, "vault update on secret/destroy/tenants/t-042/cmek", true},
		"emergency rotate": {EmergencyRotate(c, "ns", "t-042", "manual-emergency", "automated rotation failed", "ops-team", at), runbook.ActionEmergencyRotate,
			[]string{"emergency-rotate-20261126-030405", "TENANT_ID=t-042"}, "create jobs.batch", false},
		"enable audit": {EnableAudit(c, "ns"), runbook.ActionEnableAudit,
			[]string{"kubectl set env deployment/oss-ai-orchestrator AUDIT_ENABLED=true -n ns"}, "patch deployments.apps oss-ai-orchestrator in ns", false},
		"cleanup DRY_RUN off": {CleanupDryRunOff(c, "ns"), runbook.ActionCleanupDryRunOff,
			[]string{"kubectl set env cronjob/secret-cleanup DRY_RUN=false -n ns"}, "patch cronjobs.batch secret-cleanup in ns", false},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if tt.p.Action != tt.action {
				t.Errorf("action = %q, want %q", tt.p.Action, tt.action)
			}
			for _, want := range tt.command {
				if !strings.Contains(tt.p.Command(), want) {
					t.Errorf("command %q lacks %q", tt.p.Command(), want)
				}
			}
			var perms []string
			for _, p := range tt.p.Permissions() {
				perms = append(perms, p.String())
			}
			if !strings.Contains(strings.Join(perms, "; "), tt.perm) {
				t.Errorf("permissions %v lack %q", perms, tt.perm)
			}
			if tt.p.Destructive != tt.destructive || (tt.destructive && (tt.p.ConfirmName == "" || tt.p.Warning == "")) {
				t.Errorf("destructive %v confirm %q warning %q", tt.p.Destructive, tt.p.ConfirmName, tt.p.Warning)
			}
			if len(tt.p.Changes) == 0 || len(tt.p.Effects) == 0 || tt.p.Target == "" || !strings.Contains(tt.p.String(), tt.p.Title) {
				t.Errorf("plan lacks changes or target: %+v", tt.p)
			}
		})
	}
	for _, id := range runbook.Actions() {
		found := false
		for _, tt := range tests {
			found = found || tt.p.Action == id
		}
		if !found {
			t.Errorf("runbook action %s has no plan", id)
		}
	}
}

// TestPlans_SetEnv: the env-setting plans say what else the change does
// (pods roll, the Helm value is the durable fix, the scheduled cleanup
// deletes again), read before they patch, and are built from the
// configured names.
func TestPlans_SetEnv(t *testing.T) {
	c := config.Default()
	c.Kubernetes.OrchestratorDeployment, c.Kubernetes.CleanupCronJob = "orch", "cleanup"
	tests := map[string]struct {
		p       Plan
		target  string
		changes []string
		perms   []string
	}{
		"enable audit": {EnableAudit(c, "prod"), "deployment/orch in prod",
			[]string{"AUDIT_ENABLED=true", "container that has AUDIT_ENABLED (else the first)", "already true", "pods are replaced", "rolling",
				"security.cmek.rotation.auditEnabled: true", "next helm upgrade reverts"},
			[]string{"get deployments.apps orch in prod", "patch deployments.apps orch in prod"}},
		"cleanup DRY_RUN off": {CleanupDryRunOff(c, "prod"), "cronjob/cleanup in prod",
			[]string{"DRY_RUN=false", "job template", "container that has DRY_RUN (else the first)", "already false", "next scheduled cleanup deletes"},
			[]string{"get cronjobs.batch cleanup in prod", "patch cronjobs.batch cleanup in prod"}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if tt.p.Target != tt.target {
				t.Errorf("target %q, want %q", tt.p.Target, tt.target)
			}
			changes := strings.Join(tt.p.Effects, "\n")
			for _, want := range tt.changes {
				if !strings.Contains(changes, want) {
					t.Errorf("changes %q lack %q", changes, want)
				}
			}
			var perms []string
			for _, p := range tt.p.Permissions() {
				perms = append(perms, p.String())
			}
			if !slices.Equal(perms, tt.perms) {
				t.Errorf("permissions %v, want %v", perms, tt.perms)
			}
			if tt.p.Kind != KindKubernetes || tt.p.Destructive || len(tt.p.Changes) != 1 || tt.p.Changes[0].SetEnv == nil {
				t.Errorf("kind %s destructive %v changes %+v: want a non-destructive Kubernetes plan that sets env", tt.p.Kind, tt.p.Destructive, tt.p.Changes)
			}
			if got, err := PlanFor(tt.p.Action, Input{Snapshot: &collectors.Snapshot{Config: c, Namespace: "prod"}}); err != nil || !reflect.DeepEqual(got, tt.p) {
				t.Errorf("PlanFor(%s) = %+v, %v; want %+v", tt.p.Action, got, err, tt.p)
			}
		})
	}
}

// TestEditEnv: the JSON patch first tests the resourceVersion read, then
// sets the variable in every container that has it (each occurrence,
// replacing a valueFrom), or adds it to the first container; nothing is
// needed when every target already has the value.
func TestEditEnv(t *testing.T) {
	const base = "/spec/template/spec/containers"
	env := func(kv ...string) []ContainerEnv {
		var out []ContainerEnv
		for i := 0; i < len(kv); i += 2 {
			out = append(out, ContainerEnv{Name: kv[i], Value: kv[i+1]})
		}
		return out
	}
	fromCM := ContainerEnv{Name: "AUDIT_ENABLED", From: "from configmap orch-config key audit"}
	set := `{"name":"AUDIT_ENABLED","value":"true"}`
	test := `{"op":"test","path":"/metadata/resourceVersion","value":"41"}`
	tests := map[string]struct {
		cs      []Container
		patch   string
		targets []string
		before  string
		needed  bool
	}{
		"false in the only container": {
			cs:      []Container{{Name: "orchestrator", Env: env("VAULT_ADDR", "x", "AUDIT_ENABLED", "false")}},
			patch:   `[` + test + `,{"op":"replace","path":"` + base + `/0/env/1","value":` + set + `}]`,
			targets: []string{"orchestrator"}, before: "false", needed: true,
		},
		"the container that has it, not the first": {
			cs:      []Container{{Name: "proxy", Env: env("PORT", "8080")}, {Name: "orchestrator", Env: env("AUDIT_ENABLED", "false")}},
			patch:   `[` + test + `,{"op":"replace","path":"` + base + `/1/env/0","value":` + set + `}]`,
			targets: []string{"orchestrator"}, before: "false", needed: true,
		},
		"unset: appended to the first container": {
			cs:      []Container{{Name: "orchestrator", Env: env("VAULT_ADDR", "x")}, {Name: "proxy"}},
			patch:   `[` + test + `,{"op":"add","path":"` + base + `/0/env/-","value":` + set + `}]`,
			targets: []string{"orchestrator"}, before: "unset", needed: true,
		},
		"no env at all": {
			cs:      []Container{{Name: "orchestrator"}},
			patch:   `[` + test + `,{"op":"add","path":"` + base + `/0/env","value":[` + set + `]}]`,
			targets: []string{"orchestrator"}, before: "unset", needed: true,
		},
		"from a ConfigMap: replaced by the literal": {
			cs:      []Container{{Name: "orchestrator", Env: []ContainerEnv{fromCM}}},
			patch:   `[` + test + `,{"op":"replace","path":"` + base + `/0/env/0","value":` + set + `}]`,
			targets: []string{"orchestrator"}, before: "from configmap orch-config key audit", needed: true,
		},
		"two containers, one already true": {
			cs:      []Container{{Name: "a", Env: env("AUDIT_ENABLED", "true")}, {Name: "b", Env: env("AUDIT_ENABLED", "")}},
			patch:   `[` + test + `,{"op":"replace","path":"` + base + `/0/env/0","value":` + set + `},{"op":"replace","path":"` + base + `/1/env/0","value":` + set + `}]`,
			targets: []string{"a", "b"}, before: `a: true, b: ""`, needed: true,
		},
		"already true (any case): nothing needed": {
			cs:      []Container{{Name: "orchestrator", Env: env("AUDIT_ENABLED", "True")}},
			targets: []string{"orchestrator"}, before: "True", needed: false,
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			e, err := editEnv(base, "41", tt.cs, "AUDIT_ENABLED", "true")
			if err != nil {
				t.Fatal(err)
			}
			if e.needed != tt.needed || e.before != tt.before || !slices.Equal(e.targets, tt.targets) {
				t.Errorf("needed %v before %q targets %v, want %v %q %v", e.needed, e.before, e.targets, tt.needed, tt.before, tt.targets)
			}
			if tt.needed && string(e.patch) != tt.patch {
				t.Errorf("patch\n%s\nwant\n%s", e.patch, tt.patch)
			}
		})
	}
	t.Run("no container", func(t *testing.T) {
		if _, err := editEnv(base, "41", nil, "AUDIT_ENABLED", "true"); err == nil || !strings.Contains(err.Error(), "no container") {
			t.Errorf("err = %v, want one saying there is no container", err)
		}
	})
}

// TestPlans_JobNamesMatchTheSteps: a step's shell command names the Job its
// key creates, so the command shown is what the key does.
func TestPlans_JobNamesMatchTheSteps(t *testing.T) {
	at := time.Date(2026, 11, 27, 3, 4, 5, 0, time.UTC)
	snap := &collectors.Snapshot{Namespace: "prod", Config: config.Default(),
		Vault: &collectors.VaultData{Tenants: []collectors.Tenant{{ID: "t-042", CurrentVersion: 9, OldestVersion: 1, LiveVersions: 9}}}}
	vars := runbook.NewVars(snap, at)
	book := runbook.MustDefault()
	steps := append([]runbook.Step(nil), book.Mitigation.Steps...)
	for _, sc := range book.Scenarios {
		steps = append(steps, sc.Steps...)
	}
	checked := 0
	for _, st := range steps {
		if st.Action == "" || st.Action == runbook.ActionRenewToken { // no Job; refused without a token (TestPlanFor_RenewsTheJudgedToken)
			continue
		}
		p, err := PlanFor(st.Action, Input{Snapshot: snap, Tenants: []string{"t-042"}, At: at})
		if err != nil {
			t.Fatalf("%s: %v", st.Action, err)
		}
		job, ok := strings.CutPrefix(strings.Fields(p.Target)[0], "job/")
		if !ok {
			continue // not a Job
		}
		checked++
		if cmd := vars.Render(st.Command); !strings.Contains(cmd, " "+job+" ") {
			t.Errorf("step %q: its command %q does not name the Job %s its key creates", st.Title, cmd, job)
		}
	}
	if checked < 5 {
		t.Errorf("only %d Job-creating steps checked", checked)
	}
}

// TestPlanFor_EveryActionOnce: every action the runbook names has exactly
// one planner, and no planner is for an action the runbook does not know.
func TestPlanFor_EveryActionOnce(t *testing.T) {
	kube, vault := kubePlanners(), vaultPlanners()
	known := runbook.Actions()
	for _, id := range known {
		_, k := kube[id]
		_, v := vault[id]
		if k == v {
			t.Errorf("action %s: planner in kube.go %v, in vault.go %v; want exactly one", id, k, v)
		}
	}
	for _, m := range []map[string]planner{kube, vault} {
		for id := range m {
			if !slices.Contains(known, id) {
				t.Errorf("planner for %q, which runbook.Actions() does not list", id)
			}
		}
	}
	if _, err := PlanFor("reboot-cluster", Input{Snapshot: &collectors.Snapshot{}}); err == nil {
		t.Error("PlanFor of an unknown action: no error")
	}
}

// TestPlans_CommandIsTheStepsCommand: the command a step shows (and the
// report prints, and c copies) is the command of the plan its key runs,
// for every step with an action: pasting it does what the key does
// (cmd/kubectl-rotation's equivalence test runs both on the real servers).
func TestPlans_CommandIsTheStepsCommand(t *testing.T) {
	at := time.Date(2026, 11, 27, 3, 4, 5, 0, time.UTC)
	c := config.Default()
	snapOf := func(conn collectors.Connection, a, b string) *collectors.Snapshot {
		return &collectors.Snapshot{Namespace: "prod", Config: c, Connection: conn, Vault: &collectors.VaultData{
			OrchestratorToken: &collectors.TokenInfo{Accessor: "acc-orch"},
			Tenants: []collectors.Tenant{
				{ID: a, CurrentVersion: 9, OldestVersion: 1, Deleted: []int{2}},
				{ID: b, CurrentVersion: 7, OldestVersion: 3},
			},
		}}
	}
	book := runbook.MustDefault()
	steps := append([]runbook.Step(nil), book.Mitigation.Steps...)
	for _, sc := range book.Scenarios {
		steps = append(steps, sc.Steps...)
	}
	cases := map[string]struct {
		conn    collectors.Connection
		tenants []string
		reason  string
		// in is what every command holds (the flags, the quoted tenant)
		in []string
	}{
		"plain": {tenants: []string{"t-042", "t-043"}},
		"flags given, tenants a shell reads specially": {
			conn:    collectors.Connection{KubectlFlags: []string{"--context=envtest", "--kubeconfig=/tmp/a b"}, VaultEnv: []string{"VAULT_ADDR=http://127.0.0.1:8201"}},
			tenants: []string{"acme corp", "o'brien"}, reason: "INC-1: it's down",
		},
	}
	seen := map[string]bool{}
	for name, tc := range cases {
		snap := snapOf(tc.conn, tc.tenants[0], tc.tenants[1])
		vars := runbook.NewVars(snap, at).ForTenants(tc.tenants)
		vars.Reason = tc.reason
		for _, st := range steps {
			if st.Action == "" {
				continue
			}
			p, err := PlanFor(st.Action, Input{Snapshot: snap, Tenants: tc.tenants, At: at, Initiator: vars.Initiator, Reason: vars.Reason, Subject: vars.Subject})
			if err != nil {
				t.Fatalf("%s: %s: %v", name, st.Action, err)
			}
			seen[st.Action] = true
			got, want := vars.Render(st.Command), p.Command()
			if got != want {
				t.Errorf("%s: step %q (%s):\nshows  %s\nthe key %s", name, st.Title, st.Action, got, want)
			}
			if len(tc.conn.KubectlFlags) > 0 && p.Kind == KindKubernetes && strings.Count(want, "kubectl --context=envtest '--kubeconfig=/tmp/a b' ") != strings.Count(want, "kubectl ") {
				t.Errorf("%s: %s: a kubectl without the flags given: %s", name, st.Action, want)
			}
			if len(tc.conn.VaultEnv) > 0 && p.Kind == KindVault && strings.Count(want, "VAULT_ADDR=http://127.0.0.1:8201 vault ") != strings.Count(want, "vault ") {
				t.Errorf("%s: %s: a vault without the address given: %s", name, st.Action, want)
			}
		}
	}
	for _, id := range runbook.Actions() {
		if !seen[id] {
			t.Errorf("no step runs %s", id)
		}
	}
	snap := snapOf(collectors.Connection{}, "t-042", "t-043")
	tenants := []string{"t-042", "t-043"}
	trim, _ := PlanFor(runbook.ActionTrimVersions, Input{Snapshot: snap, Tenants: tenants, At: at})
	if tv := trim.Changes[0].TrimVersions; !tv.VersionsKnown || !slices.Equal(tv.Versions, []int{1, 3, 4}) {
		t.Errorf("trim of t-042 plans %v (known %v), want [1 3 4]: 9..5 kept, 4, 3 and 1 beyond, 2 deleted", tv.Versions, tv.VersionsKnown)
	}
}

// TestPlanFor_TrimOnlyTenantsOverRetention: the trim actions trim the
// finding's tenants that are over retention, never one named for a
// soft-deleted key, one within retention or one whose key is gone.
func TestPlanFor_TrimOnlyTenantsOverRetention(t *testing.T) {
	at := time.Date(2026, 11, 27, 3, 4, 5, 0, time.UTC)
	snap := &collectors.Snapshot{Namespace: "prod", Config: config.Default(), Vault: &collectors.VaultData{Tenants: []collectors.Tenant{
		{ID: "t-deleted", CurrentVersion: 3, OldestVersion: 1, LiveVersions: 2, Deleted: []int{3}, CurrentDeletionTime: &at},
		{ID: "t-over", CurrentVersion: 9, OldestVersion: 1, LiveVersions: 9},
		{ID: "t-gone", Missing: true},
		{ID: "t-within", CurrentVersion: 3, OldestVersion: 1, LiveVersions: 3},
	}}}
	p, err := PlanFor(runbook.ActionTrimVersions, Input{Snapshot: snap, Tenants: []string{"t-deleted", "t-over"}, At: at})
	if err != nil || !strings.Contains(p.Command(), "tenants/t-over/cmek") || strings.Contains(p.Command(), "t-deleted") {
		t.Errorf("trim-versions: %v %q, want t-over's trim", err, p.Command())
	}
	p, err = PlanFor(runbook.ActionTrimVersionsAll, Input{Snapshot: snap, Tenants: []string{"t-deleted", "t-over", "t-gone", "t-within"}, At: at})
	if err != nil || strings.Count(p.Command(), "metadata put") != 1 {
		t.Errorf("trim-versions-all: %v %q, want t-over's trim alone", err, p.Command())
	}
	if _, err := PlanFor(runbook.ActionTrimVersions, Input{Snapshot: snap, Tenants: []string{"t-deleted", "t-gone"}, At: at}); err == nil {
		t.Error("trim-versions planned with no tenant over retention")
	}
}

// TestPlanFor_RenewsTheJudgedToken: with several live tokens of the role,
// renew-token renews the token the diagnosis judged and the step's command
// names (the soonest expiring among those a current orchestrator pod may
// hold), never the soonest expiring of all when that one belongs to a pod
// gone.
func TestPlanFor_RenewsTheJudgedToken(t *testing.T) {
	at := time.Date(2026, 11, 27, 3, 4, 5, 0, time.UTC)
	ago := func(d time.Duration) *time.Time { t := at.Add(-d); return &t }
	tokens := []collectors.TokenInfo{ // soonest expiring first, as collected
		{Accessor: "acc-gone-pod", TTL: collectors.Duration(2 * time.Minute), CreationTime: ago(3 * time.Hour)},
		{Accessor: "acc-judged", TTL: collectors.Duration(8 * time.Minute), CreationTime: ago(30 * time.Minute)},
		{Accessor: "acc-fresh", TTL: collectors.Duration(20 * time.Hour), CreationTime: ago(20 * time.Minute)},
	}
	snap := &collectors.Snapshot{Namespace: "prod", Config: config.Default(),
		Vault: &collectors.VaultData{OrchestratorTokens: tokens, OrchestratorToken: &tokens[0]},
		Logs: &collectors.LogsData{
			Selectors: []collectors.LogSelector{{Role: collectors.LogRoleOrchestrator, Pods: []string{"orch-a", "orch-b"}}},
			Pods:      []collectors.LogSource{{Pod: "orch-a", Started: ago(40 * time.Minute)}, {Pod: "orch-b", Started: ago(35 * time.Minute)}},
		}}
	p, err := PlanFor(runbook.ActionRenewToken, Input{Snapshot: snap, At: at})
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Changes[0].RenewToken.Accessor; got != "acc-judged" {
		t.Errorf("renews the token with accessor %q, want acc-judged (the lowest TTL a current pod may hold)", got)
	}
	vars := runbook.NewVars(snap, at)
	for _, sc := range runbook.MustDefault().Scenarios {
		for _, st := range sc.Steps {
			if st.Action == runbook.ActionRenewToken {
				if got := vars.Render(st.Command); got != p.Command() {
					t.Errorf("step %q shows %q, the key runs %q", st.Title, got, p.Command())
				}
			}
		}
	}
	// renewing the operator's own token would not extend the
	// orchestrator's: with none of its tokens known (expired, revoked) the
	// step is refused, pointing at the restart
	t.Run("no token known: refused, the restart named", func(t *testing.T) {
		_, err := PlanFor(runbook.ActionRenewToken, Input{Snapshot: &collectors.Snapshot{Config: config.Default(),
			Vault: &collectors.VaultData{OrchestratorTokenNote: "no live token of role oss-ai-orchestrator"}}, At: at})
		if err == nil || !strings.Contains(err.Error(), "restart the orchestrator") || !strings.Contains(err.Error(), "no live token of role") {
			t.Errorf("err %v, want a refusal naming why and the restart", err)
		}
	})
}

// fakeDeadlines is a DeadlinePatcher over one deadline.
type fakeDeadlines struct {
	now     *int64
	patched bool
}

func (f *fakeDeadlines) Deadline(context.Context, string, string) (*int64, error) { return f.now, nil }

func (f *fakeDeadlines) PatchDeadline(_ context.Context, _, _ string, p []byte, dry bool) (*int64, error) {
	var v struct {
		Spec struct {
			JobTemplate struct {
				Spec struct {
					ActiveDeadlineSeconds int64 `json:"activeDeadlineSeconds"`
				} `json:"spec"`
			} `json:"jobTemplate"`
		} `json:"spec"`
	}
	if err := json.Unmarshal(p, &v); err != nil {
		return nil, err
	}
	if !dry {
		f.patched = true
		f.now = &v.Spec.JobTemplate.Spec.ActiveDeadlineSeconds
	}
	return &v.Spec.JobTemplate.Spec.ActiveDeadlineSeconds, nil
}

// TestRaiseDeadline_OnlyRaises: raise-deadline refuses a value that does
// not raise the deadline, saying what it is now: when planned (the value
// asked for) and when run (the CronJob read just before the patch).
func TestRaiseDeadline_OnlyRaises(t *testing.T) {
	at := time.Date(2026, 11, 27, 3, 4, 5, 0, time.UTC)
	snapWith := func(now int64) *collectors.Snapshot {
		return &collectors.Snapshot{Namespace: "prod", Config: config.Default(), Kubernetes: &collectors.KubernetesData{CronJobs: []collectors.CronJob{
			{Role: collectors.RoleRotation, Name: "cmek-rotation", Found: true, ActiveDeadlineSeconds: &now}}}}
	}
	for _, v := range []int64{300, 600} {
		_, err := PlanFor(runbook.ActionRaiseDeadline, Input{Snapshot: snapWith(600), At: at, Value: v})
		if err == nil || !strings.Contains(err.Error(), "does not raise it: activeDeadlineSeconds is 600s now, and this action only raises it") {
			t.Errorf("%d over 600: err = %v, want a refusal naming the current value", v, err)
		}
	}
	p, err := PlanFor(runbook.ActionRaiseDeadline, Input{Snapshot: snapWith(600), At: at})
	if err != nil || p.Changes[0].PatchDeadline.Seconds != DeadlineDefault || p.Ask.Min != 601 {
		t.Errorf("default over 600: %+v %v", p.Ask, err)
	}
	if p, err := PlanFor(runbook.ActionRaiseDeadline, Input{Snapshot: snapWith(1800), At: at}); err != nil || p.Ask.Default != 3600 || p.Changes[0].PatchDeadline.Seconds != 3600 {
		t.Errorf("default over 1800: %+v %v, want 3600", p.Ask, err)
	}
	if _, err := PlanFor(runbook.ActionRaiseDeadline, Input{Snapshot: snapWith(DeadlineMax), At: at}); err == nil {
		t.Error("planned a raise over the most it sets")
	}

	t.Run("run: lowered or equal is refused, nothing patched", func(t *testing.T) {
		for _, v := range []int64{300, 600} {
			now := int64(600)
			fd := &fakeDeadlines{now: &now}
			ex := &Executor{Targets: &Targets{Deadlines: fd}}
			_, err := ex.apply(context.Background(), RaiseDeadline(config.Default(), "prod", v), false)
			if !errors.Is(err, ErrChanged) || !strings.Contains(err.Error(), "is 600s now") || fd.patched {
				t.Errorf("%d over 600: err %v, patched %v", v, err, fd.patched)
			}
		}
		now := int64(600)
		fd := &fakeDeadlines{now: &now}
		res, err := (&Executor{Targets: &Targets{Deadlines: fd}}).apply(context.Background(), RaiseDeadline(config.Default(), "prod", 900), false)
		if err != nil || !fd.patched || res.Summary != "activeDeadlineSeconds 600s → 900s" {
			t.Errorf("900 over 600: %+v %v", res, err)
		}
	})
	// no deadline: runs are unbounded, and any value would bound them
	t.Run("none: refused at the plan and at the run", func(t *testing.T) {
		s := snapWith(0)
		s.Kubernetes.CronJobs[0].ActiveDeadlineSeconds = nil
		if _, err := PlanFor(runbook.ActionRaiseDeadline, Input{Snapshot: s, At: at}); err == nil || !strings.Contains(err.Error(), "has no activeDeadlineSeconds") {
			t.Errorf("planned a deadline for a CronJob that has none: %v", err)
		}
		fd := &fakeDeadlines{}
		_, err := (&Executor{Targets: &Targets{Deadlines: fd}}).apply(context.Background(), RaiseDeadline(config.Default(), "prod", 1800), false)
		if !errors.Is(err, ErrChanged) || fd.patched {
			t.Errorf("run over none: err %v, patched %v", err, fd.patched)
		}
	})
}

// TestPlans_ListTheEvent: every Kubernetes plan lists, among what it will
// do, the Normal Event the Executor leaves on the object it writes (with
// the reason given); no Vault plan claims one.
func TestPlans_ListTheEvent(t *testing.T) {
	c := config.Default()
	at := time.Date(2026, 11, 26, 3, 4, 5, 0, time.UTC)
	want := map[string]string{
		"trigger":     "Job/manual-rotation-20261126-030405",
		"cleanup dry": "Job/test-cleanup-20261126-030405",
		"cleanup run": "Job/manual-cleanup-20261126-030405",
		"emergency":   "Job/emergency-rotate-20261126-030405",
		"deadline":    "CronJob/cmek-rotation",
		"restart":     "Deployment/oss-ai-orchestrator",
		"audit":       "Deployment/oss-ai-orchestrator",
		"dry run off": "CronJob/secret-cleanup",
	}
	for name, p := range everyPlan(c, at) {
		effects := strings.Join(p.Effects, "\n")
		obj, kube := want[name]
		if kube != (p.Kind == KindKubernetes) {
			t.Fatalf("%s: kind %s, listed %v", name, p.Kind, kube)
		}
		if got := strings.Contains(effects, "records a Normal Event on "); got != kube ||
			(kube && !strings.Contains(effects, "records a Normal Event on "+obj+" with the reason")) {
			t.Errorf("%s: effects\n%s\nwant the Event on %q listed: %v", name, effects, obj, kube)
		}
	}
}

// TestPlanFor_WarnsWhenNewPodsGetNoToken: every plan that starts pods (a
// Job, the orchestrator rolled) warns, before it is confirmed, when the
// role as read would refuse their login or leave out the rotation policy;
// a plan that starts none (the trim, the role's own fix) does not, and a
// role that matches adds nothing.
func TestPlanFor_WarnsWhenNewPodsGetNoToken(t *testing.T) {
	at := time.Date(2026, 11, 27, 3, 4, 5, 0, time.UTC)
	snapWith := func(role collectors.AuthRole) *collectors.Snapshot {
		return &collectors.Snapshot{Namespace: "prod", Config: config.Default(),
			Sources: []collectors.Status{{Source: collectors.SourceVault, State: collectors.StateOK}},
			Vault:   &collectors.VaultData{Role: &role, Tenants: []collectors.Tenant{{ID: "t-1"}}}}
	}
	withK8s := func(s *collectors.Snapshot, k *collectors.KubernetesData) *collectors.Snapshot {
		s.Kubernetes = k
		s.Sources = append(s.Sources, collectors.Status{Source: collectors.SourceKubernetes, State: collectors.StateOK})
		return s
	}
	good := collectors.AuthRole{Mount: "kubernetes", Name: "oss-ai-orchestrator", Found: true,
		BoundServiceAccounts: []string{"oss-ai-orchestrator"}, BoundNamespaces: []string{"prod"},
		Policies: []string{"cmek-rotation", "secret-read"}, TTL: collectors.Duration(24 * time.Hour)}
	wrongNS, noPolicy, shortTTL := good, good, good
	wrongNS.BoundNamespaces = []string{"staging"}
	noPolicy.Policies = []string{"secret-read"}
	shortTTL.TTL = collectors.Duration(10 * time.Minute)
	cases := map[string]struct {
		snap *collectors.Snapshot
		want string // in the warning; "" for none
	}{
		"namespace not bound": {snapWith(wrongNS), "cannot log in to Vault: role oss-ai-orchestrator's bound_service_account_namespaces is staging (must include prod)"},
		"no rotation policy":  {snapWith(noPolicy), "a Vault token that cannot rotate: role oss-ai-orchestrator's policies is secret-read (must include cmek-rotation)"},
		"role missing":        {snapWith(collectors.AuthRole{Mount: "kubernetes", Name: "oss-ai-orchestrator"}), "does not exist: pods started now cannot log in"},
		"the Deployment runs as another account": {withK8s(snapWith(good), &collectors.KubernetesData{Orchestrator: &collectors.Deployment{Name: "oss-ai-orchestrator", Found: true, ServiceAccount: "orch2"}}),
			"role oss-ai-orchestrator's bound_service_account_names, against Deployment oss-ai-orchestrator's service account orch2 is oss-ai-orchestrator (must include orch2)"},
		"the account does not exist": {withK8s(snapWith(good), &collectors.KubernetesData{ServiceAccounts: []collectors.ServiceAccount{{Name: "oss-ai-orchestrator"}}}),
			"service account oss-ai-orchestrator does not exist in prod"},
		"a short TTL logs in":    {snapWith(shortTTL), ""},
		"the role matches":       {snapWith(good), ""},
		"vault unread: no claim": {&collectors.Snapshot{Namespace: "prod", Config: config.Default(), Sources: []collectors.Status{{Source: collectors.SourceVault, State: collectors.StateError, Error: "sealed"}}}, ""},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			for _, id := range []string{runbook.ActionRestartOrchestrator, runbook.ActionEnableAudit, runbook.ActionTriggerRotation, runbook.ActionCleanupDryRun, runbook.ActionCleanupRun} {
				p, err := PlanFor(id, Input{Snapshot: tc.snap, At: at})
				if err != nil {
					t.Fatalf("%s: %v", id, err)
				}
				if tc.want == "" && strings.Contains(p.Warning, "pods started now") {
					t.Errorf("%s warns %q", id, p.Warning)
				}
				if tc.want != "" && !strings.Contains(p.Warning, tc.want) {
					t.Errorf("%s: warning %q, want it to say %q", id, p.Warning, tc.want)
				}
				if tc.want != "" && !strings.Contains(p.String(), tc.want) {
					t.Errorf("%s: the plan as shown lacks the warning:\n%s", id, p.String())
				}
			}
			p, err := PlanFor(runbook.ActionFixRole, Input{Snapshot: tc.snap, At: at})
			if err == nil && strings.Contains(p.Warning, "pods started now") {
				t.Errorf("fix-role warns %q", p.Warning)
			}
		})
	}
}

// TestPlanFor_FixPolicyDecidedElsewhere: the fix-policy action refuses,
// saying where the denial comes from, when the rotation policy already
// holds what it writes and the rule denying a tenant path is another
// policy's; with a different text it warns instead.
func TestPlanFor_FixPolicyDecidedElsewhere(t *testing.T) {
	cfg := config.Default()
	snap := &collectors.Snapshot{Namespace: "prod", Config: cfg, Vault: &collectors.VaultData{Policy: &collectors.Policy{
		Name: cfg.Vault.Policy, Found: true, Text: runbook.PolicyText(cfg), Policies: []string{cfg.Vault.Policy, "secret-read"},
		Checks: []collectors.PathCheck{{Path: "secret/data/tenants/t-040/cmek", Kind: "data", Tenant: "t-040", Granted: []string{"deny"},
			Rule: "secret/data/tenants/t-04*", RulePolicies: []string{"secret-read"}}},
	}}}
	if _, err := PlanFor(runbook.ActionFixPolicy, Input{Snapshot: snap, At: time.Now()}); err == nil || !strings.Contains(err.Error(), "already holds what this writes") || !strings.Contains(err.Error(), "secret-read") {
		t.Errorf("err %v, want a refusal naming secret-read", err)
	}
	snap.Vault.Policy.Text = `path "secret/data/tenants/+/cmek" { capabilities = ["read"] }`
	p, err := PlanFor(runbook.ActionFixPolicy, Input{Snapshot: snap, At: time.Now()})
	if err != nil || !strings.Contains(p.Warning, "secret-read") {
		t.Errorf("plan %+v %v, want a warning naming secret-read", p, err)
	}
}
