package runbook_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	vault "github.com/hashicorp/vault/api"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors/connect"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/config"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/lab"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/testenv"
	"github.com/oss-ai-agent-tool/kubectl-rotation/runbook"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// labSnapshot seeds the scenarios into the real servers (a namespace, KV
// mount and auth mount of the test's own, and a Prometheus with the alert
// rules and back-filled history) and collects a snapshot once the alerts the
// scenarios imply have been evaluated.
func labSnapshot(t *testing.T, scenarios ...lab.Scenario) *collectors.Snapshot {
	t.Helper()
	return labSnapshotWith(t, nil, scenarios...)
}

// labSnapshotWith is labSnapshot collected with the lab's configuration
// changed by change (nil: as seeded).
func labSnapshotWith(t *testing.T, change func(*config.Config), scenarios ...lab.Scenario) *collectors.Snapshot {
	t.Helper()
	w := lab.SeedTB(t, testenv.Get(t), lab.Options{Scenarios: scenarios, Tenants: 48})
	return collectLab(t, w, w.Env.Kube.Config, change)
}

// collectLab collects the seeded lab w as the Kubernetes user of restCfg
// (the lab's admin: w.Env.Kube.Config), with its own Prometheus.
func collectLab(t *testing.T, w lab.World, restCfg *rest.Config, change func(*config.Config)) *collectors.Snapshot {
	t.Helper()
	e, s, ns, cfg := w.Env, w.Seeded, w.Namespace, w.Config
	if change != nil {
		change(&cfg)
	}
	p, err := testenv.StartPrometheus(context.Background(), testenv.PrometheusOptions{
		Bins: e.Bins, Dir: e.TempDir(t), Targets: []string{e.Exporter.Addr}, Rules: s.Rules, Backfill: s.Backfill,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Stop)
	vcfg := vault.DefaultConfig()
	vcfg.Address = e.Vault.Addr
	clients, err := connect.Connect(connect.Options{REST: restCfg, Vault: vcfg, VaultToken: e.Vault.RootToken, PrometheusURL: p.URL, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	c := connect.New(clients, collectors.Options{Config: cfg, Namespace: ns})
	// Prometheus evaluates rules every second from its start; two rounds
	// after the first scrape are enough for every alert with for: 0s.
	deadline := time.Now().Add(30 * time.Second)
	for {
		snap := c.Collect(context.Background())
		// and scraped once: the back-filled history carries the exporter's
		// instance label, so a series alone does not say so, and before
		// its first scrape the target has no up sample (stale: the alerts
		// cannot fire yet, a healthy lab is "could not tell")
		if snap.Prometheus != nil && len(snap.Prometheus.Metrics) > 0 && len(snap.Prometheus.Metrics[0].Series) > 0 && rulesEvaluated(snap) && targetsScraped(snap) || time.Now().After(deadline) {
			time.Sleep(2 * time.Second) // let every rule group evaluate at least once more
			return c.Collect(context.Background())
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// targetsScraped reports whether every scrape target the series name has
// an up sample.
func targetsScraped(s *collectors.Snapshot) bool {
	for _, tg := range s.Prometheus.Targets {
		if tg.Up == nil {
			return false
		}
	}
	return true
}

func rulesEvaluated(s *collectors.Snapshot) bool {
	for _, m := range s.Prometheus.Metrics {
		for _, se := range m.Series {
			if se.Labels["instance"] != "" { // scraped, not only back-filled
				return true
			}
		}
	}
	return false
}

// TestTriage_Lab: for each of the runbook's six situations produced on the
// real servers, that scenario is active and no other is.
func TestTriage_Lab(t *testing.T) {
	cases := map[string]struct {
		scenarios []lab.Scenario
		active    []string
	}{
		"healthy": {nil, nil},
	}
	for _, sc := range lab.AllScenarios {
		cases[string(sc)] = struct {
			scenarios []lab.Scenario
			active    []string
		}{[]lab.Scenario{sc}, []string{string(sc)}}
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			snap := labSnapshot(t, tc.scenarios...)
			a := runbook.Triage(snap, snap.CollectedAt)
			var got []string
			var report strings.Builder
			for _, f := range a.Findings {
				fmt.Fprintf(&report, "  %d %-22s %-9s %s\n", f.Number, f.ID, f.Status, f.Summary)
				if f.Status == runbook.StatusActive {
					got = append(got, f.ID)
				}
				if f.Status == runbook.StatusUnknown {
					t.Errorf("%s unknown: %v", f.ID, f.Unknown)
				}
			}
			t.Logf("\n%s", report.String())
			if strings.Join(got, ",") != strings.Join(tc.active, ",") {
				t.Errorf("active = %v, want %v\n%s", got, tc.active, report.String())
			}
			if len(tc.active) == 0 && a.ExitCode() != runbook.ExitOK {
				t.Errorf("healthy exit code = %d, want 0 (overall %s)\n%s%+v\nalerts unknown: %q\ncompliance unknown: %q\nunread: %q", a.ExitCode(), a.Overall, report.String(), a.Compliance.Findings, a.AlertsUnknown, a.Compliance.Unknown, a.Unread())
			}
		})
	}
}

// TestTriage_LabLogSelectorsMatchNothing: on the real servers, a security
// and orchestrator label that match no pod (a typo in the config, or pods
// gone) leave what only their logs show unknown, with the selector named:
// the lab's healthy rotations are not "without an audit trail", and its
// audit-missing scenario is active on AUDIT_ENABLED=false alone, not on a
// log never read.
func TestTriage_LabLogSelectorsMatchNothing(t *testing.T) {
	mismatch := func(c *config.Config) {
		c.Kubernetes.SecurityLabel = "app.kubernetes.io/component=securty"
		c.Kubernetes.OrchestratorLabel = "app.kubernetes.io/name=orchestrator-typo"
	}
	for name, want := range map[string]runbook.Status{"healthy": runbook.StatusUnknown, "audit-missing": runbook.StatusActive} {
		t.Run(name, func(t *testing.T) {
			var scenarios []lab.Scenario
			if name != "healthy" {
				scenarios = []lab.Scenario{lab.Scenario(name)}
			}
			snap := labSnapshotWith(t, mismatch, scenarios...)
			if snap.Logs == nil || len(snap.Logs.Selectors) != 2 || len(snap.Logs.Selectors[0].Pods) != 0 || len(snap.Logs.Selectors[1].Pods) != 0 {
				t.Fatalf("logs %+v, want two selectors that matched nothing", snap.Logs)
			}
			a := runbook.Triage(snap, snap.CollectedAt)
			f, _ := a.Finding("audit-missing")
			if f.Status != want {
				t.Errorf("audit-missing %s (%s), want %s", f.Status, f.Summary, want)
			}
			for _, sy := range f.Symptoms {
				switch sy.ID {
				case runbook.SymRotationsWithoutAudit, runbook.SymMissingRotationEvents:
					if sy.State != runbook.SymptomUnknown || !strings.Contains(sy.Reason, "-l app.kubernetes.io/component=securty") {
						t.Errorf("%s %s (%s), want unknown naming the selector", sy.ID, sy.State, sy.Reason)
					}
				}
			}
			for _, f := range a.Findings {
				if f.Status == runbook.StatusClear {
					for _, sy := range f.Symptoms {
						for _, ev := range sy.Evidence {
							if ev.Source == collectors.SourceLogs {
								t.Errorf("%s clear on log evidence %+v from no log", f.ID, ev)
							}
						}
					}
				}
			}
			n := 0
			for _, c := range a.Conditions {
				if c.Kind == runbook.ConditionNoLogPods {
					n++
				}
			}
			if n != 2 {
				t.Errorf("conditions %+v, want two no-log-pods", a.Conditions)
			}
			if a.ExitCode() == runbook.ExitOK {
				t.Errorf("exit 0 from logs never read")
			}
		})
	}
}

// TestTriage_LabPartWithheld: a healthy lab read by a user whose Role lets
// it read everything the tool reads but the namespace's Events (the API
// server forbids them): every scenario clear as far as read, yet the
// verdict is "could not tell", exit 3, naming the Events — never "all
// clear" with something unread. Read by the lab's admin, the same lab is
// all clear, exit 0.
func TestTriage_LabPartWithheld(t *testing.T) {
	e := testenv.Get(t)
	w := lab.SeedTB(t, e, lab.Options{Tenants: 6})
	kcfg := readerOf(t, e, w, "no-events-"+w.Namespace, "configmaps")
	for name, tc := range map[string]struct {
		rest *rest.Config
		exit int
	}{"admin": {e.Kube.Config, runbook.ExitOK}, "without events": {kcfg, runbook.ExitUnknown}} {
		t.Run(name, func(t *testing.T) {
			snap := collectLab(t, w, tc.rest, nil)
			a := runbook.Triage(snap, snap.CollectedAt)
			var kinds []string
			for _, f := range a.Findings {
				if f.Status != runbook.StatusClear {
					kinds = append(kinds, f.ID+" "+string(f.Status)+": "+f.Summary)
				}
			}
			unread := strings.Join(a.Unread(), "\n")
			if len(kinds) > 0 {
				t.Fatalf("the healthy lab has scenarios not clear: %v", kinds)
			}
			if name == "admin" {
				if a.ExitCode() != tc.exit || unread != "" {
					t.Errorf("exit %d, unread %q; want %d with nothing unread", a.ExitCode(), unread, tc.exit)
				}
				return
			}
			if a.ExitCode() != tc.exit || !strings.Contains(unread, "kubernetes events:") || !strings.Contains(unread, "forbidden") {
				t.Errorf("exit %d, unread %q; want %d naming the forbidden Events", a.ExitCode(), unread, tc.exit)
			}
			for _, line := range a.Unread() {
				if !strings.HasPrefix(line, "kubernetes events:") {
					t.Errorf("unread %q: the Role lets the user read it", line)
				}
			}
		})
	}
}

// TestTriage_LabConfigMapsWithheld: a user whose Role withholds the
// ConfigMaps cannot read the cleanup's retention there (10, above the
// configured CMEK retention of 5). Scenario 3's "versions keep growing"
// then takes the cleanup CronJob's RETENTION_VERSIONS, which it can read,
// and says so; with that gone too it is unknown, naming the ConfigMaps —
// never judged by the CMEK retention, which found tenants "over" it that
// the cleanup keeps by design.
func TestTriage_LabConfigMapsWithheld(t *testing.T) {
	e := testenv.Get(t)
	w := lab.SeedTB(t, e, lab.Options{Scenarios: []lab.Scenario{lab.RetentionOverflow}, Tenants: 12})
	ctx := context.Background()
	kcfg := readerOf(t, e, w, "no-configmaps-"+w.Namespace, "events")
	growing := func(rc *rest.Config) runbook.SymptomResult {
		t.Helper()
		snap := collectLab(t, w, rc, nil)
		f, _ := runbook.Triage(snap, snap.CollectedAt).Finding(runbook.ScenarioCleanupFailing)
		for _, s := range f.Symptoms {
			if s.ID == runbook.SymVersionsGrowing {
				return s
			}
		}
		t.Fatalf("scenario 3 has no versions-growing symptom: %+v", f)
		return runbook.SymptomResult{}
	}
	threshold := func(s runbook.SymptomResult) string {
		if len(s.Evidence) == 0 {
			return ""
		}
		return s.Evidence[0].Threshold
	}
	if s := growing(e.Kube.Config); s.State != runbook.SymptomAbsent || threshold(s) != "10 versions" {
		t.Fatalf("admin: %+v, want absent by the ConfigMap's 10 versions", s)
	}
	if s := growing(kcfg); s.State != runbook.SymptomAbsent || threshold(s) != "10 versions: CronJob secret-cleanup env RETENTION_VERSIONS" {
		t.Errorf("without ConfigMaps: %+v, want absent by the CronJob's RETENTION_VERSIONS", s)
	}
	cjs := e.Kube.Client.BatchV1().CronJobs(w.Namespace)
	cj, err := cjs.Get(ctx, w.Config.Kubernetes.CleanupCronJob, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c := &cj.Spec.JobTemplate.Spec.Template.Spec.Containers[0]
	c.Env = slices.DeleteFunc(c.Env, func(v corev1.EnvVar) bool { return v.Name == "RETENTION_VERSIONS" })
	if _, err := cjs.Update(ctx, cj, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if s := growing(kcfg); s.State != runbook.SymptomUnknown || !strings.Contains(s.Reason, "the ConfigMaps that set it were not read") || !strings.Contains(s.Reason, "forbidden") {
		t.Errorf("without ConfigMaps or the env: %+v, want unknown naming the forbidden ConfigMaps", s)
	}
}

// readerOf makes a user whose Role may read, in the lab's namespace,
// everything the tool reads (pods and their logs, serviceaccounts,
// CronJobs, Jobs, Deployments, ReplicaSets) and the core resource also,
// and returns its client configuration.
func readerOf(t *testing.T, e *testenv.Env, w lab.World, user, also string) *rest.Config {
	t.Helper()
	ctx := context.Background()
	read := []string{"get", "list"}
	role := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: user, Namespace: w.Namespace}, Rules: []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"pods", "pods/log", also, "serviceaccounts"}, Verbs: read},
		{APIGroups: []string{"batch"}, Resources: []string{"cronjobs", "jobs"}, Verbs: read},
		{APIGroups: []string{"apps"}, Resources: []string{"deployments", "replicasets"}, Verbs: read},
	}}
	if _, err := e.Kube.Client.RbacV1().Roles(w.Namespace).Create(ctx, role, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	rb := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: user, Namespace: w.Namespace},
		RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: user},
		Subjects: []rbacv1.Subject{{Kind: "User", APIGroup: "rbac.authorization.k8s.io", Name: user}}}
	if _, err := e.Kube.Client.RbacV1().RoleBindings(w.Namespace).Create(ctx, rb, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	kcfg, _, err := e.Kube.AddUser(user, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	return kcfg
}
