package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest"
	vault "github.com/hashicorp/vault/api"
	promapi "github.com/prometheus/client_golang/api"
	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/oss-ai-agent-tool/kubectl-rotation/actions"
	"github.com/oss-ai-agent-tool/kubectl-rotation/actions/kubeops"
	"github.com/oss-ai-agent-tool/kubectl-rotation/actions/vaultops"
	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors/connect"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/lab"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/testenv"
	"github.com/oss-ai-agent-tool/kubectl-rotation/runbook"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// TestFlow_Lab runs the dashboard live against the real servers seeded with
// Scenario 2, then with Vault stopped: the Vault panel says why and the
// rest still works.
func TestFlow_Lab(t *testing.T) {
	w := lab.SeedTB(t, testenv.Get(t), lab.Options{Scenarios: []lab.Scenario{lab.VaultTokenExpired}, Tenants: 12})
	e, ns, cfg := w.Env, w.Namespace, w.Config
	run := func(t *testing.T, vaultAddr string) *teatest.TestModel {
		vcfg := vault.DefaultConfig()
		vcfg.Address = vaultAddr
		clients, err := connect.Connect(connect.Options{REST: e.Kube.Config, Vault: vcfg, VaultToken: e.Vault.RootToken, ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		c := connect.New(clients, collectors.Options{Config: cfg, Namespace: ns})
		m := New(LiveLoader{Collector: c, Timeout: 30 * time.Second}, Options{Config: cfg, Namespace: ns, VaultAddr: vaultAddr, Mode: "live", ReadOnly: true, NoColor: true})
		return teatest.NewTestModel(t, m, teatest.WithInitialTermSize(120, 40))
	}

	t.Run("live", func(t *testing.T) {
		tm := run(t, e.Vault.Addr)
		waitFor(t, tm, "Vault token expired", "ACTIVE", "orchestrator token TTL", "READ-ONLY")
		tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("2")})
		waitFor(t, tm, "12 tenants")
		tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("q")})
		tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	})

	t.Run("vault stopped", func(t *testing.T) {
		v, err := testenv.StartVault(context.Background(), e.Bins.Vault, e.TempDir(t))
		if err != nil {
			t.Fatal(err)
		}
		addr := v.Addr
		v.Stop()
		tm := run(t, addr)
		waitFor(t, tm, "error: read sys/health", "UNKNOWN", "kubernetes")
		tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("3")})
		waitFor(t, tm, "newest first", "cmek-rotation")
		tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("q")})
		tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	})
}

// TestFlow_ReadOnlyProvenAtTheServers runs the dashboard in read-only mode
// against the real servers as a dedicated Kubernetes user and Vault token,
// walks every view, presses every action key, and also drives the executor
// over the read-only clients directly; then the API server's audit log and a
// Vault file audit device must show no write by that user or token.
func TestFlow_ReadOnlyProvenAtTheServers(t *testing.T) {
	e := testenv.Get(t)
	w := lab.SeedTB(t, e, lab.Options{Scenarios: lab.AllScenarios, Tenants: 12})
	ctx := context.Background()
	root := e.VaultRoot(t)
	auditFile := e.TempDir(t) + "/vault-audit.log"
	dev := "file-" + strings.ReplaceAll(w.Namespace, "-", "")
	if err := root.Sys().EnableAuditWithOptions(dev, &vault.EnableAuditOptions{Type: "file", Options: map[string]string{"file_path": auditFile}}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = root.Sys().DisableAudit(dev) })
	tok, err := root.Auth().Token().Create(&vault.TokenCreateRequest{Policies: []string{"root"}, TTL: "10m"})
	if err != nil {
		t.Fatal(err)
	}
	user := "auditor-" + w.Namespace
	kcfg, _, err := e.Kube.AddUser(user, []string{"system:masters"}, "")
	if err != nil {
		t.Fatal(err)
	}
	vcfg := vault.DefaultConfig()
	vcfg.Address = e.Vault.Addr
	clients, err := connect.Connect(connect.Options{REST: kcfg, Vault: vcfg, VaultToken: tok.Auth.ClientToken, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	c := connect.New(clients, collectors.Options{Config: w.Config, Namespace: w.Namespace})
	jpath := e.TempDir(t) + "/journal.jsonl"
	j, _ := actions.OpenJournal(jpath)
	ex := &actions.Executor{Kube: kubeops.New(clients.Kube), Vault: vaultops.New(clients.Vault), Namespace: w.Namespace, Config: w.Config, Journal: j}
	m := New(LiveLoader{Collector: c, Timeout: 30 * time.Second}, Options{Config: w.Config, Namespace: w.Namespace, Mode: "live", ReadOnly: true, NoColor: true}).WithActor(ex, "")
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(120, 40))
	waitFor(t, tm, "READ-ONLY", "Audit logging failure")
	for sc := 0; sc < 6; sc++ { // every row (every scenario), every step, the action key
		tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("1")})
		tm.Send(tea.KeyMsg{Type: tea.KeyHome}) // row sc, whichever scenario the overview lists there
		for i := 0; i < sc; i++ {
			tm.Send(tea.KeyMsg{Type: tea.KeyDown})
		}
		tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
		for step := 0; step < 8; step++ {
			tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("a")})
			tm.Send(tea.KeyMsg{Type: tea.KeyDown})
		}
		tm.Send(tea.KeyMsg{Type: tea.KeyEsc})
	}
	for _, v := range "2345r" {
		tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{v}})
	}
	waitFor(t, tm, "metrics could not be read") // no Prometheus here: the view says so
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlC})
	fm := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
	if fm.modal.stage != stageNone {
		t.Errorf("an action modal opened in read-only mode")
	}
	if raw, _ := os.ReadFile(jpath); len(raw) != 0 {
		t.Errorf("the read-only dashboard journaled an action:\n%s", raw)
	}

	// below the UI: the executor, not told it is read-only, over the
	// read-only clients
	snap := c.Collect(ctx)
	for _, id := range runbook.Actions() {
		p, err := actions.PlanFor(id, actions.Input{Snapshot: snap, Tenants: []string{"t-003"}, At: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ex.Execute(ctx, p, "read-only proof"); err == nil {
			t.Errorf("%s ran through read-only clients", id)
		}
	}

	// the API server saw no write by the auditor but access reviews
	raw, err := os.ReadFile(e.Kube.AuditLogPath)
	if err != nil {
		t.Fatal(err)
	}
	reads := 0
	for _, line := range strings.Split(string(raw), "\n") {
		if !strings.Contains(line, `"username":"`+user+`"`) || !strings.Contains(line, `"stage":"ResponseComplete"`) {
			continue
		}
		var ev struct {
			Verb       string `json:"verb"`
			RequestURI string `json:"requestURI"`
		}
		_ = json.Unmarshal([]byte(line), &ev)
		switch ev.Verb {
		case "get", "list", "watch":
			reads++
		default:
			if !strings.Contains(ev.RequestURI, "selfsubjectaccessreviews") && !strings.Contains(ev.RequestURI, "selfsubjectreviews") {
				t.Errorf("a %s reached the API server: %s", ev.Verb, ev.RequestURI)
			}
		}
	}
	if reads == 0 {
		t.Fatal("no read by the auditor in the audit log: the check proves nothing")
	}
	// Vault saw no write by the token but the read-like lookups
	vraw, err := os.ReadFile(auditFile)
	if err != nil {
		t.Fatal(err)
	}
	vreads := 0
	for _, line := range strings.Split(string(vraw), "\n") {
		var ev struct {
			Type string `json:"type"`
			Auth struct {
				Accessor string `json:"accessor"`
			} `json:"auth"`
			Request struct {
				Operation string `json:"operation"`
				Path      string `json:"path"`
			} `json:"request"`
		}
		if json.Unmarshal([]byte(line), &ev) != nil || ev.Type != "request" || ev.Auth.Accessor == "" {
			continue
		}
		// the audit device HMACs the accessor unless told otherwise; compare by the token's own calls
		switch ev.Request.Operation {
		case "read", "list":
			vreads++
		case "update", "create", "delete":
			p := ev.Request.Path
			if p == "sys/capabilities-self" || p == "sys/capabilities-accessor" || p == "auth/token/lookup-accessor" || p == "sys/capabilities" {
				continue
			}
			if !strings.HasPrefix(p, "sys/audit") && !strings.HasPrefix(p, "auth/token/create") {
				t.Errorf("vault %s %s reached the server", ev.Request.Operation, p)
			}
		}
	}
	if vreads == 0 {
		t.Fatal("no Vault read in the audit device: the check proves nothing")
	}
}

// TestFlow_PermissionsFromTheServers: an engineer bound to the "view"
// ClusterRole in the namespace opens Scenario 2: the API server's
// SelfSubjectAccessReview says the restart is not theirs to run, and the
// step says so before the key is pressed; the Vault actions (root token)
// are offered.
func TestFlow_PermissionsFromTheServers(t *testing.T) {
	e := testenv.Get(t)
	w := lab.SeedTB(t, e, lab.Options{Scenarios: []lab.Scenario{lab.VaultTokenExpired}, Tenants: 6})
	ctx := context.Background()
	user := "viewer-" + w.Namespace
	rb := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: user, Namespace: w.Namespace},
		RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "view"},
		Subjects: []rbacv1.Subject{{Kind: "User", APIGroup: "rbac.authorization.k8s.io", Name: user}}}
	if _, err := e.Kube.Client.RbacV1().RoleBindings(w.Namespace).Create(ctx, rb, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	kcfg, _, err := e.Kube.AddUser(user, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	tools := w.Tools(t, lab.ToolOptions{REST: kcfg})
	c, ex := tools.Collector, tools.Executor
	m := New(LiveLoader{Collector: c, Timeout: 30 * time.Second}, Options{Config: w.Config, Namespace: w.Namespace, Mode: "live", NoColor: true}).WithActor(ex, "")
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(200, 60))
	waitFor(t, tm, "Vault token expired", "ACTIVE")
	typeKeys(tm, ":s2") // Scenario 2 by its number, wherever the overview lists it
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
	waitFor(t, tm, "action restart-orchestrator: you may not run it", "patch deployments.apps "+w.Config.Kubernetes.OrchestratorDeployment,
		"a: run action fix-role (permitted")
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlC})
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
}

// TestTenantDetail_MetricsFromPrometheus: on the real servers, the tenant
// detail opened on the live dashboard reads the tenant's own series from
// Prometheus (the load read the counters summed, and the tenants by name)
// and shows the value Prometheus holds for that tenant now.
func TestTenantDetail_MetricsFromPrometheus(t *testing.T) {
	e := testenv.Get(t)
	w := lab.SeedTB(t, e, lab.Options{Scenarios: []lab.Scenario{lab.RotationJobFailing}, Tenants: 6})
	tools := w.Tools(t, lab.ToolOptions{PrometheusURL: e.Prometheus.URL, ReadOnly: true})
	tenant := w.Seeded.Tenants[2]
	pc, err := promapi.NewClient(promapi.Config{Address: e.Prometheus.URL})
	if err != nil {
		t.Fatal(err)
	}
	api := promv1.NewAPI(pc)
	sel := fmt.Sprintf(`cmek_rotation_total{namespace=%q,tenant=%q}`, w.Namespace, tenant)
	var want float64
	deadline := time.Now().Add(30 * time.Second)
	for {
		v, _, _, err := api.Query(context.Background(), sel, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if vec, ok := v.(model.Vector); ok && len(vec) == 1 {
			want = float64(vec[0].Value)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Prometheus never scraped %s", sel)
		}
		time.Sleep(500 * time.Millisecond)
	}
	l := LiveLoader{Collector: tools.Collector, Timeout: 30 * time.Second}
	m := loaded(t, l, Options{Config: w.Config, Namespace: w.Namespace, Mode: "live", ReadOnly: true, NoColor: true}, 120, 40)
	for _, mt := range m.st.snap.Prometheus.Metrics {
		if mt.Role == "rotations" && (len(mt.SummedOver) == 0 || !slices.Contains(mt.Tenants, tenant)) {
			t.Fatalf("the load read %s without summing it or without naming %s: summed over %v, tenants %v", mt.Name, tenant, mt.SummedOver, mt.Tenants)
		}
	}
	m = keys(m, "2", "/")
	m = typeText(m, tenant)
	m = keys(m, "enter", "enter")
	d, ok := focusedAs[tenantDetail](m)
	if !ok || d.id != tenant || d.metrics == nil {
		t.Fatalf("focused %T (%q), want %s's detail with its series read", m.focused(), d.id, tenant)
	}
	out := ansi.Strip(m.View())
	if line := fmt.Sprintf("· now %g", want); !strings.Contains(out, "cmek_rotation_total +") || !strings.Contains(out, line) {
		t.Errorf("the detail does not show %s's cmek_rotation_total at %g (%s):\n%s", tenant, want, line, out)
	}
}
