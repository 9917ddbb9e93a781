package prom_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors/connect"
	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors/prom"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/config"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/faults"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/testenv"
)

// TestCollect_AlertsAnswerNotPrometheus: in front of a real Prometheus
// whose CMEKRotationFailed fires, its own answers are read (the alert
// firing); an /api/v1/alerts answer without the alerts list
// ({"status":"success"}, "data":{}, "alerts":null) leaves the alerts
// unread, a problem of the source, never "0 firing"; a rules answer
// without data.groups leaves the rules unread.
func TestCollect_AlertsAnswerNotPrometheus(t *testing.T) {
	const ns = "answers-ns"
	src := realSource(t, []testenv.Sample{
		{Name: "cmek_rotations_failed_total", Labels: map[string]string{"namespace": ns, "tenant": "t-003"}, Value: 2},
		{Name: "vault_token_expiry_seconds", Labels: map[string]string{"namespace": ns}, Value: 600},
	}, testenv.PrometheusOptions{Rules: alertHistoryRules})
	env := collectors.Env{Config: config.Default(), Namespace: ns}
	via := func(t *testing.T, prefix, body string) collectors.Part {
		t.Helper()
		front := faults.StartFront(t, faults.Routes(faults.Forward(src.Target), faults.Route{Prefix: prefix, Handler: faults.Respond(http.StatusOK, "application/json", body)}))
		clients, err := connect.Connect(connect.Options{PrometheusURL: front.URL, ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		return (&prom.Source{Client: clients.Prometheus, Target: front.URL}).Collect(context.Background(), env)
	}
	firing := func(p collectors.Part) bool {
		for _, a := range p.Prometheus.Alerts {
			if a.Name == "CMEKRotationFailed" && a.State == "firing" {
				return true
			}
		}
		return false
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		p := via(t, "/none", "")
		if p.Prometheus == nil {
			t.Fatalf("no Prometheus data: %+v", p.Status)
		}
		if firing(p) && p.Prometheus.RulesError == "" && len(p.Prometheus.Rules) > 0 {
			if p.Status.State != collectors.StateOK {
				t.Fatalf("state %s %+v through the front, want ok", p.Status.State, p.Status.Problems)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("CMEKRotationFailed not firing after 60s: %+v %+v", p.Prometheus.Alerts, p.Status)
		}
		time.Sleep(time.Second)
	}

	for name, body := range map[string]string{
		"no data":     `{"status":"success"}`,
		"data {}":     `{"status":"success","data":{}}`,
		"alerts null": `{"status":"success","data":{"alerts":null}}`,
		// an alert without its labels, or without its state, is no alert
		// that is not firing
		"an alert without labels": `{"status":"success","data":{"alerts":[{"state":"firing","activeAt":"2026-12-07T00:00:00Z","value":"1"}]}}`,
		"an alert without state":  `{"status":"success","data":{"alerts":[{"labels":{"alertname":"CMEKRotationFailed"},"value":"1"}]}}`,
	} {
		t.Run("alerts "+name, func(t *testing.T) {
			p := via(t, "/api/v1/alerts", body)
			var pr string
			for _, x := range p.Status.Problems {
				if x.Part == "alerts" {
					pr = x.Error
				}
			}
			if p.Status.State != collectors.StatePartial || !strings.Contains(pr, "not Prometheus's API") || !strings.Contains(pr, "without") {
				t.Errorf("state %s %+v, want partial with the alerts not read", p.Status.State, p.Status.Problems)
			}
			if len(p.Prometheus.Alerts) != 0 {
				t.Errorf("alerts %+v, want none read", p.Prometheus.Alerts)
			}
		})
	}
	t.Run("rules data {}", func(t *testing.T) {
		p := via(t, "/api/v1/rules", `{"status":"success","data":{}}`)
		if e := p.Prometheus.RulesError; !strings.Contains(e, "without data.groups") || len(p.Prometheus.Rules) != 0 {
			t.Errorf("rules %+v, error %q: want not read", p.Prometheus.Rules, e)
		}
		if p.Status.State != collectors.StatePartial {
			t.Errorf("state %s with the rules unread, want partial", p.Status.State)
		}
	})
	// the rules failing: whether the alerts are current cannot be told, so
	// the source is read in part, never "ok" (a 500 was swallowed)
	t.Run("rules 500", func(t *testing.T) {
		front := faults.StartFront(t, faults.Routes(faults.Forward(src.Target), faults.Route{Prefix: "/api/v1/rules", Handler: faults.Respond(http.StatusInternalServerError, "application/json", `{"status":"error","errorType":"internal","error":"injected"}`)}))
		clients, err := connect.Connect(connect.Options{PrometheusURL: front.URL, ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		p := (&prom.Source{Client: clients.Prometheus, Target: front.URL}).Collect(context.Background(), env)
		found := false
		for _, x := range p.Status.Problems {
			found = found || x.Part == "alert rules"
		}
		if p.Status.State != collectors.StatePartial || !found {
			t.Errorf("state %s %+v, want partial with the alert rules not read", p.Status.State, p.Status.Problems)
		}
	})
}
