package prom_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors/connect"
	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors/prom"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/config"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/faults"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/testenv"
)

// TestCollect_QueryWarnings: a real Prometheus behind a front that adds
// to every query answer the API's "warnings" (a partial response, as
// Thanos or Cortex answer when a store is down): its data is read, and the
// source is partial with the warning as a problem, never "ok".
func TestCollect_QueryWarnings(t *testing.T) {
	const ns = "warnings-ns"
	src := realSource(t, []testenv.Sample{
		{Name: "vault_token_expiry_seconds", Labels: map[string]string{"namespace": ns}, Value: 86000},
	}, testenv.PrometheusOptions{})
	up, err := url.Parse(src.Target)
	if err != nil {
		t.Fatal(err)
	}
	const warning = "partial response: 1 of 2 store nodes unavailable, results may be incomplete"
	proxy := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(up)
		r.Out.Header.Del("Accept-Encoding") // a body to edit
	}}
	proxy.ModifyResponse = func(r *http.Response) error {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return err
		}
		var m map[string]any
		if json.Unmarshal(body, &m) == nil && m["status"] == "success" {
			m["warnings"] = []string{warning}
			body, _ = json.Marshal(m)
		}
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		r.ContentLength = int64(len(body))
		r.Header.Del("Content-Length")
		return nil
	}
	front := faults.StartFront(t, faults.Routes(faults.Forward(src.Target), faults.Route{Prefix: "/api/v1/query", Handler: proxy}))
	clients, err := connect.Connect(connect.Options{PrometheusURL: front.URL, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	p := (&prom.Source{Client: clients.Prometheus, Target: front.URL}).Collect(context.Background(), collectors.Env{Config: config.Default(), Namespace: ns})
	found := ""
	for _, x := range p.Status.Problems {
		if x.Part == "query warnings" {
			found = x.Error
		}
	}
	if p.Status.State != collectors.StatePartial || !strings.Contains(found, warning) {
		t.Errorf("state %s, problems %+v; want partial with the warning", p.Status.State, p.Status.Problems)
	}
	if p.Prometheus == nil || len(p.Prometheus.Metrics) == 0 || p.Prometheus.Metrics[0].Error != "" {
		t.Errorf("metrics %+v: the answers' data is still read", p.Prometheus)
	}
}
