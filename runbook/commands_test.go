package runbook

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/text"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/config"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/demo"
)

func TestBeyondRetention(t *testing.T) {
	past := testNow.Add(-time.Hour)
	tests := map[string]struct {
		tn     collectors.Tenant
		keep   int
		want   []int
		wantOK bool
	}{
		"within retention": {tn: collectors.Tenant{CurrentVersion: 5, OldestVersion: 1}, keep: 5, want: nil, wantOK: true},
		"the oldest beyond the newest keep": {tn: collectors.Tenant{CurrentVersion: 8, OldestVersion: 1}, keep: 5,
			want: []int{1, 2, 3}, wantOK: true},
		// soft-deleted and destroyed versions are not live: the newest keep
		// live ones reach further back, and the gone ones are left alone
		"deleted and destroyed skipped": {tn: collectors.Tenant{CurrentVersion: 9, OldestVersion: 1, Deleted: []int{8}, Destroyed: []int{1, 6}}, keep: 3,
			want: []int{2, 3, 4}, wantOK: true},
		"versions trimmed by max_versions are not in the metadata": {tn: collectors.Tenant{CurrentVersion: 20, OldestVersion: 11}, keep: 5,
			want: []int{11, 12, 13, 14, 15}, wantOK: true},
		// the action skips a version with any deletion_time
		"current version with a deletion time": {tn: collectors.Tenant{CurrentVersion: 7, OldestVersion: 1, CurrentDeletionTime: &past}, keep: 5,
			want: []int{1}, wantOK: true},
		"metadata not read":  {tn: collectors.Tenant{CurrentVersion: 9, Error: "permission denied"}, keep: 5},
		"key gone":           {tn: collectors.Tenant{Missing: true}, keep: 5},
		"nothing to keep by": {tn: collectors.Tenant{CurrentVersion: 9}, keep: 0},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			got, ok := BeyondRetention(tt.tn, tt.keep)
			if !slices.Equal(got, tt.want) || ok != tt.wantOK {
				t.Errorf("BeyondRetention = %v, %v; want %v, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

// retentionSnapshot has tenants t-001 (9 versions, version 4 soft-deleted),
// t-002 (within retention) and t-003 (unreadable), retention 5.
func retentionSnapshot() *collectors.Snapshot {
	c := config.Default()
	return &collectors.Snapshot{Namespace: "prod", Config: c, Vault: &collectors.VaultData{Tenants: []collectors.Tenant{
		{ID: "t-001", CurrentVersion: 9, OldestVersion: 1, Deleted: []int{4}},
		{ID: "t-002", CurrentVersion: 3, OldestVersion: 1},
		{ID: "t-003", Error: "permission denied"},
		{ID: "t-005", CurrentVersion: 3, OldestVersion: 1, Deleted: []int{3}, CurrentDeletionTime: &testNow},
	}}}
}

func stepCommand(tb testing.TB, b *Book, scenario, action string) string {
	tb.Helper()
	sc, ok := b.Scenario(scenario)
	if !ok {
		tb.Fatalf("no scenario %s", scenario)
	}
	for _, s := range sc.Steps {
		if s.Action == action {
			return s.Command
		}
	}
	tb.Fatalf("scenario %s has no %s step", scenario, action)
	return ""
}

// TestVars_TrimCommands: Scenario 4's trim commands name the versions the
// trim-versions action destroys (live versions beyond the newest
// retention, read from the snapshot), set max_versions as the action does,
// and name a placeholder, never an example tenant, when the evidence names
// none or the versions cannot be told.
func TestVars_TrimCommands(t *testing.T) {
	b := mustDefault(t)
	v := NewVars(retentionSnapshot(), testNow)
	one := stepCommand(t, b, ScenarioRetentionOverflow, ActionTrimVersions)
	all := stepCommand(t, b, ScenarioRetentionOverflow, ActionTrimVersionsAll)
	tests := map[string]struct {
		tenants   []string
		one, all  string
		forbidden string
	}{
		"a tenant over retention": {
			tenants: []string{"t-001"},
			one:     "vault kv metadata put -max-versions=5 secret/tenants/t-001/cmek && vault kv destroy -versions=1,2,3 secret/tenants/t-001/cmek",
			all:     "vault kv metadata put -max-versions=5 secret/tenants/t-001/cmek && vault kv destroy -versions=1,2,3 secret/tenants/t-001/cmek",
		},
		"several, one within retention, one unreadable": {
			tenants: []string{"t-001", "t-002", "t-003"},
			one:     "vault kv metadata put -max-versions=5 secret/tenants/t-001/cmek && vault kv destroy -versions=1,2,3 secret/tenants/t-001/cmek",
			all:     "vault kv metadata put -max-versions=5 secret/tenants/t-001/cmek && vault kv destroy -versions=1,2,3 secret/tenants/t-001/cmek",
		},
		"tenants named but none over retention (within it, unreadable, not in the snapshot): none trimmed": {
			tenants:   []string{"t-002", "t-003", "t-404"},
			one:       "vault kv metadata put -max-versions=5 secret/tenants/<tenant-id>/cmek && vault kv destroy -versions=<live versions beyond the newest 5> secret/tenants/<tenant-id>/cmek",
			all:       "for t in <tenants over retention>; do vault kv metadata put -max-versions=5 secret/tenants/$t/cmek && vault kv destroy -versions=<live versions beyond the newest 5> secret/tenants/$t/cmek; done",
			forbidden: "t-002",
		},
		"a soft-deleted key named first, one over retention after it: the trim is the second's": {
			tenants: []string{"t-005", "t-001"},
			one:     "vault kv metadata put -max-versions=5 secret/tenants/t-001/cmek && vault kv destroy -versions=1,2,3 secret/tenants/t-001/cmek",
			all:     "vault kv metadata put -max-versions=5 secret/tenants/t-001/cmek && vault kv destroy -versions=1,2,3 secret/tenants/t-001/cmek",
		},
		"no tenant named": {
			one:       "vault kv metadata put -max-versions=5 secret/tenants/<tenant-id>/cmek && vault kv destroy -versions=<live versions beyond the newest 5> secret/tenants/<tenant-id>/cmek",
			all:       "for t in <tenants over retention>; do vault kv metadata put -max-versions=5 secret/tenants/$t/cmek && vault kv destroy -versions=<live versions beyond the newest 5> secret/tenants/$t/cmek; done",
			forbidden: "t-001", // the snapshot's first tenant is an example, not the one to destroy versions of
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			fv := v.ForFinding(Finding{ID: ScenarioRetentionOverflow, Tenants: tt.tenants})
			if got := fv.Render(one); got != tt.one {
				t.Errorf("trim-versions:\n got %s\nwant %s", got, tt.one)
			}
			if got := fv.Render(all); got != tt.all {
				t.Errorf("trim-versions-all:\n got %s\nwant %s", got, tt.all)
			}
			if tt.forbidden != "" {
				for _, s := range fv.RenderSteps(mustScenario(t, b, ScenarioRetentionOverflow).Steps) {
					if s.Action != "" && strings.Contains(s.Command+s.Note, tt.forbidden) {
						t.Errorf("step %q names tenant %s, which the evidence does not: %s", s.Title, tt.forbidden, s.Command)
					}
				}
			}
		})
	}
}

func mustScenario(tb testing.TB, b *Book, id string) Scenario {
	tb.Helper()
	sc, ok := b.Scenario(id)
	if !ok {
		tb.Fatalf("no scenario %s", id)
	}
	return sc
}

// TestVars_EmergencyCommand: the emergency rotation's command records on
// the Job what the emergency-rotate action records: the tenant, initiator,
// reason and subject, in its environment and annotations, the reason
// quoted for the shell.
func TestVars_EmergencyCommand(t *testing.T) {
	b := mustDefault(t)
	v := NewVars(retentionSnapshot(), testNow).ForTenants([]string{"t-017"})
	v.Reason, v.Subject = "INC-12: it's failing", "ops-team"
	got := v.Render(stepCommand(t, b, ScenarioRotationJobFailing, ActionEmergencyRotate))
	want := "kubectl create job --from=cronjob/cmek-rotation emergency-rotate-20250312-120000 -n prod --dry-run=client -o yaml" +
		" | kubectl set env --local -f - TENANT_ID=override -o yaml | kubectl set env --local -f - TENANT_ID=t-017 ROTATION_INITIATOR=manual-emergency ROTATION_REASON='INC-12: it'\\''s failing' ROTATION_SUBJECT=ops-team -o yaml" +
		" | kubectl annotate --local -f - rotation.kubectl-rotation.dev/initiator=manual-emergency rotation.kubectl-rotation.dev/reason='INC-12: it'\\''s failing'" +
		" rotation.kubectl-rotation.dev/subject=ops-team rotation.kubectl-rotation.dev/tenant=t-017 -o yaml | kubectl create -f -"
	if got != want {
		t.Errorf("command\n got %s\nwant %s", got, want)
	}
	if got, want := v.Render(b.Mitigation.Steps[0].Command), v.Render(stepCommand(t, b, ScenarioRotationJobFailing, ActionEmergencyRotate)); got != want {
		t.Errorf("the mitigation's emergency rotation differs from Scenario 1's:\n%s\n%s", got, want)
	}
}

// TestVars_RoleCommand: the role command binds the service account the
// fix-role action binds (kubernetes.vaultServiceAccount when set).
func TestVars_RoleCommand(t *testing.T) {
	b := mustDefault(t)
	s := retentionSnapshot()
	s.Config.Kubernetes.VaultServiceAccount = "vault-client"
	got := NewVars(s, testNow).Render(stepCommand(t, b, ScenarioVaultTokenExpired, ActionFixRole))
	if !strings.Contains(got, " bound_service_account_names=vault-client ") {
		t.Errorf("command %q does not bind vault-client", got)
	}
}

// TestReport_MarkdownCommands: every command of the report's next steps
// renders in the Markdown as a code block holding exactly that command (a
// heredoc's EOF at the start of its line), in the steps' order, also for
// steps numbered 10 and beyond.
func TestReport_MarkdownCommands(t *testing.T) {
	b := mustDefault(t)
	s, err := demo.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	r := b.NewReport(s, s.CollectedAt, "test")
	// a scenario with more than nine steps, and a command holding backticks
	long := slices.Clone(r.NextSteps[ScenarioRotationJobFailing])
	for len(long) < 12 {
		long = append(long, long...)
	}
	long = append(long, RenderedStep{Title: "backticks", Command: "cat <<EOF\n```\nEOF"})
	r.NextSteps[ScenarioRotationJobFailing] = long
	var md bytes.Buffer
	if err := r.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, f := range r.Findings {
		if f.Status == StatusClear {
			continue
		}
		for _, st := range r.NextSteps[f.ID] {
			if st.Command != "" {
				want = append(want, st.Command)
			}
		}
	}
	got := markdownCodeBlocks(md.Bytes())
	if len(want) < 20 {
		t.Fatalf("only %d commands in the report", len(want))
	}
	if !slices.Equal(got, want) {
		for i := range min(len(got), len(want)) {
			if got[i] != want[i] {
				t.Fatalf("code block %d renders\n%q\nwant the command\n%q", i, got[i], want[i])
			}
		}
		t.Fatalf("%d code blocks rendered, want %d commands", len(got), len(want))
	}
	// the steps stay one ordered list per scenario: no block broke it
	doc := goldmark.New().Parser().Parse(text.NewReader(md.Bytes()))
	items := 0
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if l, ok := n.(*ast.List); ok && entering && l.IsOrdered() && l.ChildCount() == len(long) {
			items = l.ChildCount()
		}
		return ast.WalkContinue, nil
	})
	if items != len(long) {
		t.Errorf("Scenario 1's %d steps do not render as one list", len(long))
	}
}

// markdownCodeBlocks are the texts of the fenced code blocks CommonMark
// (goldmark) renders from md, in order, without their final newline.
func markdownCodeBlocks(md []byte) []string {
	doc := goldmark.New().Parser().Parse(text.NewReader(md))
	var out []string
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if cb, ok := n.(*ast.FencedCodeBlock); ok && entering {
			var b strings.Builder
			lines := cb.Lines()
			for i := range lines.Len() {
				seg := lines.At(i)
				b.Write(seg.Value(md))
			}
			out = append(out, strings.TrimSuffix(b.String(), "\n"))
		}
		return ast.WalkContinue, nil
	})
	return out
}

// TestReport_TextHeredoc: the text report prints a heredoc's body and its
// EOF at the start of the line, as the shell needs them when the command
// is pasted from the terminal (an indented EOF never ends the heredoc).
func TestReport_TextHeredoc(t *testing.T) {
	b := mustDefault(t)
	s, err := demo.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := b.NewReport(s, s.CollectedAt, "test").WriteText(&out); err != nil {
		t.Fatal(err)
	}
	policy := "$ vault policy write cmek-rotation - <<EOF\n" + PolicyText(s.Config) + "EOF\n"
	if !strings.Contains(out.String(), policy) {
		t.Errorf("the text report does not hold the policy command as the shell reads it:\n%s", policy)
	}
}

// TestVars_PromQuery: a metric step's command queries the Prometheus the
// tool reads, for the namespace's series: curl of the URL (its user, never
// its password: curl -u asks), kubectl get --raw of the Service's proxy
// path, or a visible placeholder when Prometheus is not configured.
func TestVars_PromQuery(t *testing.T) {
	tests := map[string]struct {
		url, service string
		nsLabel      string
		metrics      []string
		want         string
	}{
		"another namespace label": {url: "http://prometheus.example:9090", nsLabel: "exported_namespace", metrics: []string{"cmek_rotation_total"},
			want: `curl -fsS --get http://prometheus.example:9090/api/v1/query --data-urlencode 'query=cmek_rotation_total{exported_namespace=~"prod|"}'`},
		"url": {url: "http://prometheus.example:9090/", metrics: []string{"cmek_rotation_total"},
			want: `curl -fsS --get http://prometheus.example:9090/api/v1/query --data-urlencode 'query=cmek_rotation_total{namespace=~"prod|"}'`},
		"url with a path and credentials": {url: "https://ops:s3cret@mon.example/prom", metrics: []string{"a", "b"},
			want: `curl -fsS -u ops --get https://mon.example/prom/api/v1/query --data-urlencode 'query={__name__=~"a|b",namespace=~"prod|"}'`},
		"url with its own query, redacted in the snapshot: after the API path, placeholders": {url: "https://mon.example/prom/?token=xxxxx&X-Org=xxxxx", metrics: []string{"cmek_rotation_total"},
			want: `curl -fsS --get 'https://mon.example/prom/api/v1/query?token=<token>&X-Org=<value>' --data-urlencode 'query=cmek_rotation_total{namespace=~"prod|"}'`},
		"service": {service: "monitoring/prometheus-k8s:web", metrics: []string{"cmek_rotation_total"},
			want: `kubectl get --raw '/api/v1/namespaces/monitoring/services/prometheus-k8s:web/proxy/api/v1/query?query=cmek_rotation_total%7Bnamespace%3D~%22prod%7C%22%7D'`},
		"not configured": {metrics: []string{"cmek_rotation_total"},
			want: `curl -fsS --get '<prometheus-url>/api/v1/query' --data-urlencode 'query=cmek_rotation_total{namespace=~"prod|"}'`},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			s := retentionSnapshot()
			s.Config.Prometheus.URL, s.Config.Prometheus.Service = tt.url, tt.service
			if tt.nsLabel != "" {
				s.Config.Prometheus.NamespaceLabel = tt.nsLabel
			}
			got := NewVars(s, testNow).PromQuery(tt.metrics...)
			if got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
			if strings.Contains(got, "s3cret") {
				t.Error("the command holds the URL's password")
			}
		})
	}
}

// TestVars_SetEnvNamesTheContainer: with a second container in the pod
// template the set env commands carry -c with the container the tool read
// the variable from (the one the action changes): without it kubectl sets
// the variable in every container. With one container, no -c.
func TestVars_SetEnvNamesTheContainer(t *testing.T) {
	for name, tc := range map[string]struct {
		cleanup, orch string
		wantC, wantO  string
	}{
		"one container":  {"", "", "kubectl set env cronjob/secret-cleanup DRY_RUN=false", "kubectl set env deployment/oss-ai-orchestrator AUDIT_ENABLED=true"},
		"with a sidecar": {"cleanup", "app", "kubectl set env cronjob/secret-cleanup -c cleanup DRY_RUN=false", "kubectl set env deployment/oss-ai-orchestrator -c app AUDIT_ENABLED=true"},
	} {
		t.Run(name, func(t *testing.T) {
			s := retentionSnapshot()
			s.Kubernetes = &collectors.KubernetesData{
				CronJobs:     []collectors.CronJob{{Role: collectors.RoleCleanup, Name: "secret-cleanup", Found: true, EnvContainer: tc.cleanup}},
				Orchestrator: &collectors.Deployment{Name: "oss-ai-orchestrator", Found: true, EnvContainer: tc.orch},
			}
			v := NewVars(s, testNow)
			got := v.Render("kubectl set env cronjob/{{.CleanupCronJob}} {{.CleanupEnvFlag}}DRY_RUN=false") + "|" + v.Render("kubectl set env deployment/{{.OrchestratorDeployment}} {{.OrchestratorEnvFlag}}AUDIT_ENABLED=true")
			if want := tc.wantC + "|" + tc.wantO; got != want {
				t.Errorf("got  %s\nwant %s", got, want)
			}
		})
	}
}

// TestVars_OrchestratorContainer: with a sidecar first in the pod
// template, the read steps name the container whose env the tool read
// (the runbook's containers[0] is the sidecar's); with one container they
// keep the runbook's.
func TestVars_OrchestratorContainer(t *testing.T) {
	s := healthySnapshot(t)
	if got := NewVars(s, testNow).OrchestratorContainer; got != "containers[0]" {
		t.Errorf("one container: %q, want containers[0]", got)
	}
	s.Kubernetes.Orchestrator.EnvContainer = "orchestrator"
	sc, _ := MustDefault().Scenario(ScenarioAuditMissing)
	cmd := NewVars(s, testNow).Render(sc.Steps[0].Command)
	if !strings.Contains(cmd, `jsonpath='{.spec.template.spec.containers[?(@.name=="orchestrator")].env}'`) {
		t.Errorf("step %q: %s, want the container the tool read", sc.Steps[0].Title, cmd)
	}
}
