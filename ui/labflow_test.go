package ui

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/oss-ai-agent-tool/kubectl-rotation/actions"
	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/lab"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/testenv"
	"github.com/oss-ai-agent-tool/kubectl-rotation/runbook"
)

// labFlow is the dashboard running live, with actions, against a lab of
// its own on the real servers: one scenario seeded, kube-controller-manager
// and the simulated orchestrator running the Jobs the actions create, and a
// Prometheus of its own with the alert rules and 24 h of history. Tests
// drive it with keys only and read what it printed.
type labFlow struct {
	t     *testing.T
	w     lab.World
	orch  *lab.Orchestrator
	c     *collectors.Collector
	tm    *teatest.TestModel
	jpath string
	seen  bytes.Buffer // output since the last wait
}

func startLabFlow(t *testing.T, sc lab.Scenario, tenants int) *labFlow {
	t.Helper()
	e := testenv.Get(t)
	e.ControllerManager(t)
	w := lab.SeedTB(t, e, lab.Options{Scenarios: []lab.Scenario{sc}, Tenants: tenants})
	orch := w.Orchestrate(t)
	p, err := testenv.StartPrometheus(context.Background(), testenv.PrometheusOptions{
		Bins: e.Bins, Dir: e.TempDir(t), Targets: []string{e.Exporter.Addr}, Rules: w.Seeded.Rules, Backfill: w.Seeded.Backfill,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Stop)
	tools := w.Tools(t, lab.ToolOptions{PrometheusURL: p.URL})
	c, ex, jpath := tools.Collector, tools.Executor, tools.JournalPath
	m := New(LiveLoader{Collector: c, Timeout: 30 * time.Second}, Options{Config: w.Config, Namespace: w.Namespace, VaultAddr: e.Vault.Addr, Mode: "live", NoColor: true}).WithActor(ex, "")
	f := &labFlow{t: t, w: w, orch: orch, c: c, jpath: jpath}
	f.tm = teatest.NewTestModel(t, m, teatest.WithInitialTermSize(140, 50))
	return f
}

// keys sends keys: "down", "up", "enter", "esc", or text typed as runes.
func (f *labFlow) keys(ks ...string) {
	for _, k := range ks {
		switch k {
		case "down":
			f.tm.Send(tea.KeyMsg{Type: tea.KeyDown})
		case "up":
			f.tm.Send(tea.KeyMsg{Type: tea.KeyUp})
		case "enter":
			f.tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
		case "esc":
			f.tm.Send(tea.KeyMsg{Type: tea.KeyEsc})
		case "ctrl+u": // clears a text field (the reason, prefilled with the last one)
			f.tm.Send(tea.KeyMsg{Type: tea.KeyCtrlU})
		default:
			typeKeys(f.tm, k)
		}
	}
}

// wait reads the output until every want appeared since the previous wait.
func (f *labFlow) wait(timeout time.Duration, want ...string) {
	f.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		b, _ := io.ReadAll(f.tm.Output())
		f.seen.Write(b)
		all, end := true, 0
		for _, w := range want {
			i := bytes.Index(f.seen.Bytes(), []byte(w))
			if i < 0 {
				all = false
			}
			end = max(end, i+len(w))
		}
		if all { // keep what was printed after the last match for the next wait
			rest := append([]byte(nil), f.seen.Bytes()[end:]...)
			f.seen.Reset()
			f.seen.Write(rest)
			return
		}
		if time.Now().After(deadline) {
			f.t.Fatalf("waited %s for %q; the screen printed since:\n%s", timeout, want, lastLines(f.seen.String(), 60))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// act runs the selected step's action with the keys an engineer presses:
// a, the reason (a new one typed over the last, or "" to keep the last:
// enter), y, the typed name for a destructive one; it waits for the result
// line.
func (f *labFlow) act(reason, typed string, done ...string) {
	f.t.Helper()
	f.reason(reason)
	if typed != "" {
		f.wait(20*time.Second, "This destroys data. y, then type "+typed)
	} else {
		f.wait(20*time.Second, "run it")
	}
	f.keys("y")
	if typed != "" {
		f.wait(10*time.Second, "to confirm:")
		f.keys(typed, "enter")
	}
	f.wait(30*time.Second, append([]string{"✓ "}, done...)...)
}

// reason presses a and answers the reason prompt, which every action asks
// first: a new reason typed over the last one, or "" to keep it. The modal
// text above the prompt is printed with it, and not again while unchanged:
// shown lists what of it to wait for too.
func (f *labFlow) reason(reason string, shown ...string) {
	f.t.Helper()
	f.keys("a")
	f.wait(20*time.Second, append(shown, "Reason for the journal: >")...)
	if reason != "" {
		f.keys("ctrl+u", reason)
	}
	f.keys("enter")
}

// verified presses r (verify again) until the scenario's verification
// checks pass on the dashboard's own snapshot and the scenario is no longer
// active, then quits and returns the final model. Between presses it looks
// at the servers through its own collector only to know when to press
// again.
func (f *labFlow) verified(scenario string, timeout time.Duration) Model {
	f.t.Helper()
	book := runbook.MustDefault()
	sc, _ := book.Scenario(scenario)
	deadline := time.Now().Add(timeout)
	for {
		s := f.c.Collect(context.Background())
		res := book.Verify(s, s.CollectedAt, sc.Verification)
		fd, _ := book.Triage(s, s.CollectedAt).Finding(scenario)
		ok := fd.Status != runbook.StatusActive
		for _, r := range res {
			ok = ok && r.State == runbook.CheckPass
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			f.t.Fatalf("not verified after %s: scenario %s (%s); checks %+v", timeout, fd.Status, fd.Summary, res)
		}
		time.Sleep(time.Second)
	}
	b, _ := io.ReadAll(f.tm.Output()) // what was printed before the key
	f.seen.Reset()
	pressed := time.Now()
	f.keys("r")
	// in this order: a frame of the load before the key can still be printed
	// after it (the renderer's tick), so the result counts only when it
	// follows the collecting line of the load the key started
	f.wait(30*time.Second, "verifying: collecting again")
	f.wait(30*time.Second, "Verification: scenario")
	f.tm.Send(tea.KeyMsg{Type: tea.KeyCtrlC})
	fm := f.tm.FinalModel(f.t, teatest.WithFinalTimeout(10*time.Second)).(Model)
	st := fm.st
	if st.judgedAt.Before(pressed) {
		f.t.Fatalf("the dashboard's snapshot is from %s, before r was pressed at %s (%d bytes printed before)", st.judgedAt, pressed, len(b))
	}
	fd, _ := st.assess.Finding(scenario)
	if fd.Status == runbook.StatusActive {
		f.t.Errorf("the dashboard still shows scenario %s active: %s", scenario, fd.Summary)
		for _, s := range f.orch.Samples() {
			if strings.HasPrefix(s.Name, "vault_token") {
				f.t.Logf("exported %s %v %g", s.Name, s.Labels, s.Value)
			}
		}
		for _, m := range st.snap.Prometheus.Metrics {
			if strings.HasPrefix(m.Name, "vault_token") {
				for _, se := range m.Series {
					ts, vs := se.History.Points()
					f.t.Logf("%s %v now %v at %s; last points %v %v", m.Name, se.Labels, ptrVal(se.Value), m.At, ts[max(0, len(ts)-3):], vs[max(0, len(vs)-3):])
				}
			}
		}
	}
	for _, r := range st.book.Verify(st.snap, st.judgedAt, sc.Verification) {
		if r.State != runbook.CheckPass {
			f.t.Errorf("the dashboard's verification %s = %s (%s)", r.ID, r.State, r.Detail)
		}
	}
	return fm
}

// journal checks that every action has its intent and its ok outcome, in
// order, with the reason, and returns the actions journaled.
func (f *labFlow) journal(reason string) []string {
	f.t.Helper()
	raw, err := os.ReadFile(f.jpath)
	if err != nil {
		f.t.Fatal(err)
	}
	var got []string
	open := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for sc.Scan() {
		var e actions.Entry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			f.t.Fatalf("journal line %q: %v", sc.Text(), err)
		}
		if e.Phase == "intent" && e.Reason != reason {
			f.t.Errorf("journal %s %s: reason %q, want %q", e.Action, e.Phase, e.Reason, reason)
		}
		switch e.Phase {
		case "intent":
			open[e.ID] = e.Action
		case "outcome":
			if open[e.ID] != e.Action {
				f.t.Errorf("journal: outcome of %s without its intent", e.Action)
			}
			delete(open, e.ID)
			if e.Outcome != "ok" {
				f.t.Errorf("journal: %s ended %s: %s", e.Action, e.Outcome, e.Error)
			}
			got = append(got, e.Action)
		}
	}
	if len(open) > 0 {
		f.t.Errorf("journal: intents without an outcome: %v", open)
	}
	if strings.Contains(string(raw), f.w.Env.Vault.RootToken) {
		f.t.Error("the journal holds a token")
	}
	return got
}

func wantActions(t *testing.T, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("journaled actions %v, want %v", got, want)
	}
}

// waitJobs waits until the Jobs named with prefix have finished, as an
// engineer waits for a Job before reading its log.
func (f *labFlow) waitJobs(prefix string) {
	f.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		jobs, err := f.w.Env.Kube.Client.BatchV1().Jobs(f.w.Namespace).List(context.Background(), metav1.ListOptions{})
		if err != nil {
			f.t.Fatal(err)
		}
		found, running := 0, 0
		for _, j := range jobs.Items {
			if strings.HasPrefix(j.Name, prefix) {
				found++
				if j.Status.CompletionTime == nil && j.Status.Failed == 0 {
					running++
				}
			}
		}
		if found > 0 && running == 0 {
			return
		}
		if time.Now().After(deadline) {
			f.t.Fatalf("Jobs %s*: %d found, %d still running", prefix, found, running)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// openScenario opens scenario n (1–6) once the overview shows it: by its
// number at the ":" prompt, wherever the overview lists its row.
func (f *labFlow) openScenario(n int, title string) {
	f.t.Helper()
	f.wait(30*time.Second, title, "ACTIVE")
	f.keys(fmt.Sprintf(":s%d", n), "enter")
	f.wait(10*time.Second, "Resolution steps")
	// pass the steps that point at the cause of the scenario's Job, shown
	// first: the tests count the scenario's own steps
	snap := f.c.Collect(context.Background())
	book := runbook.MustDefault()
	sc := book.Scenarios[n-1]
	fd, _ := book.Triage(snap, snap.CollectedAt).Finding(sc.ID)
	for range len(book.StepsFor(fd)) - len(sc.Steps) {
		f.keys("down")
	}
}

// toAction moves the selection of scenario n's own steps from the step of
// action from ("": the first step) to the step of action to, wherever the
// runbook puts them.
func (f *labFlow) toAction(n int, from, to string) {
	f.t.Helper()
	pos := func(id string) int {
		if id == "" {
			return 0
		}
		for i, s := range runbook.MustDefault().Scenarios[n-1].Steps {
			if s.Action == id {
				return i
			}
		}
		f.t.Fatalf("scenario %d has no step with action %s", n, id)
		return 0
	}
	k := "down"
	d := pos(to) - pos(from)
	if d < 0 {
		k, d = "up", -d
	}
	for range d {
		f.keys(k)
	}
}

// TestKeysAlone_Scenario1: the policy lacks update on the tenants' keys, so
// the rotation Jobs fail with 403s. fix-policy (diff shown), then re-run the
// CronJob; the re-run rotates every tenant and the checks pass.
func TestKeysAlone_Scenario1(t *testing.T) {
	f := startLabFlow(t, lab.RotationJobFailing, 48)
	f.openScenario(1, "CMEK rotation job failing")
	f.keys("down", "down", "down") // step 4: the policy
	f.reason("rotation 403s")
	f.wait(10*time.Second, "Diff (now → after)", "+ ", "run it")
	f.keys("y")
	f.wait(30*time.Second, "✓ policy")
	f.keys("enter", "down") // step 5: re-run the CronJob
	f.act("", "", "created")
	f.verified(runbook.ScenarioRotationJobFailing, 90*time.Second)
	wantActions(t, f.journal("rotation 403s"), "fix-policy", "trigger-rotation")
}

// TestKeysAlone_Scenario2: the role drifted (other namespace, 10 m TTL) and
// the orchestrator's token is about to expire. fix-role (diff shown), then a
// rolling restart: the new pods log in again through Kubernetes auth and
// the token is healthy.
func TestKeysAlone_Scenario2(t *testing.T) {
	f := startLabFlow(t, lab.VaultTokenExpired, 12)
	oldAccessor := f.orch.Accessor()
	f.openScenario(2, "Vault token expired")
	// the deployment controller adopted the seeded ReplicaSet: no rollout yet
	if rss, err := f.w.Env.Kube.Client.AppsV1().ReplicaSets(f.w.Namespace).List(context.Background(), metav1.ListOptions{}); err != nil || len(rss.Items) != 1 {
		t.Fatalf("before the restart: %v ReplicaSets (%v), want the seeded one", len(rss.Items), err)
	}
	f.toAction(2, "", runbook.ActionFixRole) // the role, before renew and restart
	f.reason("token expiring")
	f.wait(10*time.Second, "Diff (now → after)", "run it")
	f.keys("y")
	f.wait(30*time.Second, "✓ ")
	f.keys("enter")
	f.toAction(2, runbook.ActionFixRole, runbook.ActionRestartOrchestrator) // then the rolling restart
	f.act("", "", "restarted")
	f.verified(runbook.ScenarioVaultTokenExpired, 90*time.Second)
	if f.orch.Accessor() == oldAccessor {
		t.Error("the orchestrator did not log in again after the restart")
	}
	// the restart rolled, by the deployment controller: a new ReplicaSet
	// with the annotation in its template, the old one scaled to zero, the
	// seeded pods gone and the new ones running
	ctx := context.Background()
	kc := f.w.Env.Kube.Client
	deadline := time.Now().Add(30 * time.Second)
	for {
		rss, err := kc.AppsV1().ReplicaSets(f.w.Namespace).List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		newRS, problems := "", []string{}
		for _, rs := range rss.Items {
			restarted := rs.Spec.Template.Annotations["kubectl.kubernetes.io/restartedAt"] != ""
			switch {
			case restarted && rs.Status.ReadyReplicas == 2:
				newRS = rs.Name
			case !restarted && *rs.Spec.Replicas != 0:
				problems = append(problems, fmt.Sprintf("old ReplicaSet %s still wants %d replicas", rs.Name, *rs.Spec.Replicas))
			}
		}
		if newRS == "" {
			problems = append(problems, fmt.Sprintf("no ReplicaSet with the restart annotation and 2 ready replicas among %d", len(rss.Items)))
		}
		pods, err := kc.CoreV1().Pods(f.w.Namespace).List(ctx, metav1.ListOptions{LabelSelector: "app.kubernetes.io/name=" + f.w.Names.OrchestratorDeployment})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range pods.Items {
			if len(p.OwnerReferences) == 0 || p.OwnerReferences[0].Name != newRS || p.Status.Phase != corev1.PodRunning {
				problems = append(problems, "pod "+p.Name+" "+string(p.Status.Phase)+" not of the new ReplicaSet")
			}
		}
		if len(pods.Items) != 2 {
			problems = append(problems, fmt.Sprintf("%d orchestrator pods", len(pods.Items)))
		}
		if len(problems) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the restart did not roll: %v", problems)
		}
		time.Sleep(200 * time.Millisecond)
	}
	wantActions(t, f.journal("token expiring"), "fix-role", "restart-orchestrator")
}

// TestKeysAlone_Scenario4: three tenants keep more key versions than the
// retention and have no max_versions. trim-versions on the first (its id
// typed), then trim-versions-all on the two the evidence still names (the
// count typed); the versions are within retention and the
// SecretVersionOverflow alert resolves.
func TestKeysAlone_Scenario4(t *testing.T) {
	f := startLabFlow(t, lab.RetentionOverflow, 24)
	over := f.w.Seeded.OverRetention
	if len(over) != 3 {
		t.Fatalf("seeded over retention: %v", over)
	}
	f.openScenario(4, "Key version retention overflow")
	f.keys("down", "down", "down") // step 4: trim one tenant (after the undelete step)
	f.act("versions over retention", over[0], "destroyed versions")
	f.wait(30*time.Second, "Verification: scenario")
	f.keys("enter", "down") // step 4: every tenant still named
	f.act("", "2 tenants", "destroyed", "in 2 tenants")
	f.wait(30*time.Second, "Verification: scenario")
	f.verified(runbook.ScenarioRetentionOverflow, 60*time.Second)
	wantActions(t, f.journal("versions over retention"), "trim-versions", "trim-versions-all")
	kv := f.w.Env.VaultRoot(t).KVv2(f.w.Names.KVMount)
	for _, tn := range over {
		md, err := kv.GetMetadata(context.Background(), f.w.Names.TenantPath(tn))
		if err != nil {
			t.Fatal(err)
		}
		live := lab.LiveVersions(md)
		if live > f.w.Names.RetentionVersions || md.MaxVersions != f.w.Names.RetentionVersions {
			t.Errorf("%s: %d live versions, max_versions %d after the trim", tn, live, md.MaxVersions)
		}
	}
}

// TestKeysAlone_Scenario5: the last run hit activeDeadlineSeconds after
// 60%% of the tenants. Raise the deadline (the runbook's 1800, typed value
// accepted with enter), then complete the rotation with a Job from the
// CronJob; it carries the new deadline and succeeds.
func TestKeysAlone_Scenario5(t *testing.T) {
	f := startLabFlow(t, lab.BatchTimeout, 12)
	f.openScenario(5, "Batch rotation timeout")
	f.keys("down")              // step 2: the deadline
	f.reason("batch timed out") // asked before the value: never typed into it
	f.wait(20*time.Second, "New activeDeadlineSeconds")
	f.keys("enter")
	f.wait(10*time.Second, "Reason for the journal: batch timed out", "run it")
	f.keys("y")
	f.wait(30*time.Second, "activeDeadlineSeconds 600s → 1800s", "Verification: scenario")
	f.keys("enter", "down", "down", "down") // step 5: complete the rotation
	f.act("", "", "created")
	f.verified(runbook.ScenarioBatchTimeout, 90*time.Second)
	wantActions(t, f.journal("batch timed out"), "raise-deadline", "trigger-rotation")
	ctx := context.Background()
	cj, err := f.w.Env.Kube.Client.BatchV1().CronJobs(f.w.Namespace).Get(ctx, f.w.Config.Kubernetes.RotationCronJob, metav1.GetOptions{})
	if err != nil || cj.Spec.JobTemplate.Spec.ActiveDeadlineSeconds == nil || *cj.Spec.JobTemplate.Spec.ActiveDeadlineSeconds != 1800 {
		t.Fatalf("cronjob deadline after the action: %v %v", cj.Spec.JobTemplate.Spec.ActiveDeadlineSeconds, err)
	}
	jobs, err := f.w.Env.Kube.Client.BatchV1().Jobs(f.w.Namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	manual := 0
	for _, j := range jobs.Items {
		if j.Annotations["cronjob.kubernetes.io/instantiate"] == "manual" {
			manual++
			if d := j.Spec.ActiveDeadlineSeconds; d == nil || *d != 1800 || j.Status.Succeeded != 1 {
				t.Errorf("job %s: deadline %v, succeeded %d", j.Name, d, j.Status.Succeeded)
			}
		}
	}
	if manual != 1 {
		t.Errorf("%d manual Jobs, want 1", manual)
	}
}

func ptrVal(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

// TestKeysAlone_Scenario3: the cleanup Jobs failed and DRY_RUN=true was left
// on the cleanup CronJob. A one-off dry run (its log is shown again when
// the real run is confirmed), the real run (destructive: the CronJob's name
// typed), then DRY_RUN turned off on the CronJob.
func TestKeysAlone_Scenario3(t *testing.T) {
	f := startLabFlow(t, lab.CleanupFailing, 12)
	f.openScenario(3, "Secret version cleanup failing")
	f.keys("down", "down") // step 3: the dry run
	f.act("cleanup failing", "", "created")
	f.wait(30*time.Second, "Verification: scenario")
	f.waitJobs("test-cleanup-")
	f.keys("r") // collect again: the dry run's log is in
	f.wait(30*time.Second, "verifying: collecting again", "Verification: scenario")
	f.keys("enter", "down") // step 4: the real run
	f.wait(10*time.Second, "Resolution steps")
	f.reason("", "Dry run complete: nothing deleted")
	f.wait(30*time.Second, "This destroys data. y, then type "+f.w.Config.Kubernetes.CleanupCronJob)
	f.keys("y")
	f.wait(10*time.Second, "to confirm:")
	f.keys(f.w.Config.Kubernetes.CleanupCronJob, "enter")
	f.wait(30*time.Second, "✓ ", "created", "Verification: scenario")
	f.keys("enter", "down") // step 5: DRY_RUN off on the CronJob
	f.act("", "", "DRY_RUN")
	f.verified(runbook.ScenarioCleanupFailing, 90*time.Second)
	wantActions(t, f.journal("cleanup failing"), "cleanup-dry-run", "cleanup-run", "cleanup-dry-run-off")
	cj, err := f.w.Env.Kube.Client.BatchV1().CronJobs(f.w.Namespace).Get(context.Background(), f.w.Config.Kubernetes.CleanupCronJob, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range cj.Spec.JobTemplate.Spec.Template.Spec.Containers[0].Env {
		if e.Name == "DRY_RUN" && e.Value != "false" {
			t.Errorf("cronjob DRY_RUN=%s after the fix", e.Value)
		}
	}
}

// TestKeysAlone_Scenario6: rotations run but AUDIT_ENABLED=false on the
// orchestrator, so no audit events. enable-audit (pods roll), then a
// rotation: its audit events are there and AuditLogMissing resolves.
func TestKeysAlone_Scenario6(t *testing.T) {
	f := startLabFlow(t, lab.AuditMissing, 12)
	f.openScenario(6, "Audit logging failure")
	f.keys("down", "down") // step 3: enable audit
	f.act("no audit trail", "", "AUDIT_ENABLED")
	f.wait(30*time.Second, "Verification: scenario")
	// the pods roll; as the step says, the rotation is run once they have:
	// a rotation that runs while an old pod is still the one logging writes
	// its audit events into a log that goes with that pod (seen under load)
	deadline := time.Now().Add(60 * time.Second)
	for {
		pods, err := f.w.Env.Kube.Client.CoreV1().Pods(f.w.Namespace).List(context.Background(), metav1.ListOptions{LabelSelector: f.w.Config.Kubernetes.OrchestratorLabel})
		old := 0
		for _, p := range pods.Items {
			if p.DeletionTimestamp != nil || p.Status.Phase != "Running" {
				old++
			}
			for _, c := range p.Spec.Containers {
				for _, e := range c.Env {
					if e.Name == "AUDIT_ENABLED" && e.Value != "true" {
						old++
					}
				}
			}
		}
		if err == nil && len(pods.Items) > 0 && old == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the orchestrator's pods did not roll to AUDIT_ENABLED=true: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	f.keys("enter", "down", "down", "down") // step 6: run a rotation
	f.act("", "", "created")
	f.verified(runbook.ScenarioAuditMissing, 90*time.Second)
	wantActions(t, f.journal("no audit trail"), "enable-audit", "trigger-rotation")
}
