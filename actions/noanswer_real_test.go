package actions_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	vault "github.com/hashicorp/vault/api"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/oss-ai-agent-tool/kubectl-rotation/actions"
	"github.com/oss-ai-agent-tool/kubectl-rotation/actions/kubeops"
	"github.com/oss-ai-agent-tool/kubectl-rotation/actions/vaultops"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/config"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/lab"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/testenv"
)

// lateAnswers passes requests on at once and holds back the answer of the
// writes late matches until the client has given up: the server applied
// the write, its answer never arrived in time.
type lateAnswers struct {
	next http.RoundTripper
	late func(*http.Request) bool
}

func (l lateAnswers) RoundTrip(r *http.Request) (*http.Response, error) {
	res, err := l.next.RoundTrip(r)
	if err != nil || !l.late(r) {
		return res, err
	}
	res.Body.Close()
	<-r.Context().Done() // the client's timeout
	return nil, r.Context().Err()
}

// TestActions_NoAnswerIsReadAgain: against the real servers, a write the
// server applied but whose answer came after the client's request timeout
// is not journaled as failed: the tool reads the object again and, finding
// what it sent, says done (a second key press would create a second Job);
// the timeout is named with the server and the setting to raise.
func TestActions_NoAnswerIsReadAgain(t *testing.T) {
	e := testenv.Get(t)
	w := lab.SeedTB(t, e, lab.Options{Scenarios: []lab.Scenario{lab.VaultTokenExpired}, Tenants: 2})
	ctx := context.Background()
	const timeout = 700 * time.Millisecond
	cfg := w.Config
	cfg.Kubernetes.RequestTimeout, cfg.Vault.RequestTimeout = config.Duration(timeout), config.Duration(timeout)

	journalAt := func(t *testing.T) (*actions.Journal, string) {
		t.Helper()
		path := filepath.Join(t.TempDir(), "journal.jsonl")
		j, err := actions.OpenJournal(path)
		if err != nil {
			t.Fatal(err)
		}
		return j, path
	}

	t.Run("vault: the role written, its answer late", func(t *testing.T) {
		target, err := url.Parse(e.Vault.Addr)
		if err != nil {
			t.Fatal(err)
		}
		proxy := httputil.NewSingleHostReverseProxy(target)
		proxy.Transport = lateAnswers{next: http.DefaultTransport, late: func(r *http.Request) bool {
			return (r.Method == http.MethodPut || r.Method == http.MethodPost) && strings.Contains(r.URL.Path, "/role/")
		}}
		front := httptest.NewServer(proxy)
		defer front.Close()
		vc, err := vault.NewClient(&vault.Config{Address: front.URL, Timeout: timeout, MaxRetries: 0})
		if err != nil {
			t.Fatal(err)
		}
		vc.SetToken(e.Vault.RootToken)
		j, path := journalAt(t)
		ex := &actions.Executor{Vault: vaultops.New(vc), Namespace: w.Namespace, Config: cfg, Journal: j}

		res, err := ex.Execute(ctx, actions.FixRole(cfg, w.Namespace), "INC-3 role")
		if err != nil {
			t.Fatalf("err = %v, want done: the role was written", err)
		}
		for _, want := range []string{"no answer came in time", "Vault at " + front.URL + " did not answer within vault.requestTimeout (700ms)", "the role matches the plan"} {
			if !strings.Contains(res.Summary, want) {
				t.Errorf("summary %q, want it to say %q", res.Summary, want)
			}
		}
		if es := journal(t, path); len(es) != 2 || es[1].Outcome != actions.OutcomeOK {
			t.Errorf("journal %+v, want the intent and an ok outcome", es)
		}
		s, err := e.VaultRoot(t).Logical().Read("auth/" + cfg.Vault.KubernetesAuthMount + "/role/" + cfg.Vault.KubernetesAuthRole)
		if err != nil || s == nil || !strings.Contains(strings.Join(strs(s.Data["bound_service_account_namespaces"]), ","), w.Namespace) {
			t.Errorf("the role on the server: %v %v", s, err)
		}
	})

	t.Run("kubernetes: the Job created, its answer late", func(t *testing.T) {
		rc := rest.CopyConfig(e.Kube.Config)
		rc.Timeout = timeout
		rc.WrapTransport = func(rt http.RoundTripper) http.RoundTripper {
			return lateAnswers{next: rt, late: func(r *http.Request) bool {
				return r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/jobs")
			}}
		}
		kc, err := kubernetes.NewForConfig(rc)
		if err != nil {
			t.Fatal(err)
		}
		j, path := journalAt(t)
		ex := &actions.Executor{Kube: kubeops.New(kc), Namespace: w.Namespace, Config: cfg, Journal: j}
		p := actions.TriggerRotation(cfg, w.Namespace, time.Now())
		res, err := ex.Execute(ctx, p, "INC-3 job")
		if err != nil {
			t.Fatalf("err = %v, want done: the Job was created", err)
		}
		if !strings.Contains(res.Summary, "the API server did not answer within --request-timeout (kubernetes.requestTimeout) (700ms)") ||
			!strings.Contains(res.Summary, "exists") || res.ObjectKind != "Job" {
			t.Errorf("result %+v", res)
		}
		wantJournal(t, path, "trigger-rotation", "ok")
		if _, err := e.Kube.Client.BatchV1().Jobs(w.Namespace).Get(ctx, res.Object, metav1.GetOptions{}); err != nil {
			t.Errorf("the Job on the server: %v", err)
		}
	})
}
