package prom

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	promapi "github.com/prometheus/client_golang/api"
	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/config"
)

// fakePrometheusClient answers the queries the source makes with canned
// JSON, keyed by the query's first characters (promv1.NewAPI over it for
// the client_golang API, the raw client for the answers the source
// decodes itself).
func fakePrometheusClient(t *testing.T, answers map[string]string) promapi.Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		key := r.URL.Path
		if q := r.Form.Get("query"); q != "" {
			key = q
			// an answer for the query at one time: "QUERY@UNIX"
			if body, ok := answers[q+"@"+r.Form.Get("time")]; ok && r.Form.Get("time") != "" {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(body))
				return
			}
		}
		for prefix, body := range answers {
			if strings.HasPrefix(key, prefix) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(body))
				return
			}
		}
		http.Error(w, `{"status":"error","errorType":"bad_data","error":"unexpected `+key+`"}`, http.StatusBadRequest)
	}))
	t.Cleanup(srv.Close)
	c, err := promapi.NewClient(promapi.Config{Address: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCollector_collectFreshness(t *testing.T) {
	at := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	raw := fakePrometheusClient(t, map[string]string{
		`timestamp(vault_token_expiry_seconds{namespace=~"ns|"})`: `{"status":"success","data":{"resultType":"vector","result":[
			{"metric":{"job":"rotation","instance":"orch:9102","namespace":"ns"},"value":[1796126400,"1796125500"]}]}}`,
		`max_over_time(timestamp(vault_token_expiry_seconds{namespace=~"ns|"})[1h:])`: `{"status":"success","data":{"resultType":"vector","result":[
			{"metric":{"job":"rotation","instance":"orch-2:9102","namespace":"ns"},"value":[1796126400,"1796126388.5"]}]}}`,
		`up{job="rotation",instance="orch:9102"}`: `{"status":"success","data":{"resultType":"matrix","result":[
			{"metric":{"__name__":"up","job":"rotation","instance":"orch:9102"},"values":[[1796126370,"1"],[1796126385,"1"],[1796126400,"0"]]}]}}`,
		"/api/v1/targets": `{"status":"success","data":{"activeTargets":[{"labels":{"job":"rotation","instance":"orch:9102"},"health":"down","lastError":"connection refused","lastScrape":"2026-12-01T12:00:00Z"}],"droppedTargets":[]}}`,
		"/api/v1/rules": `{"status":"success","data":{"groups":[{"name":"secret-rotation","file":"/rules.yaml","interval":60,"rules":[
			{"type":"alerting","name":"VaultTokenExpiringSoon","query":"x","duration":0,"labels":{},"annotations":{},"alerts":[],"health":"ok","evaluationTime":0.001,"lastEvaluation":"2026-12-01T11:40:00Z","state":"inactive"},
			{"type":"recording","name":"job:x","query":"x","labels":{},"health":"ok","evaluationTime":0.001,"lastEvaluation":"2026-12-01T11:59:00Z"},
			{"type":"alerting","name":"SomethingElse","query":"x","duration":0,"labels":{},"annotations":{},"alerts":[],"health":"ok","evaluationTime":0.001,"lastEvaluation":"2026-12-01T11:59:00Z","state":"inactive"}]}]}}`,
	})
	api := promv1.NewAPI(raw)
	c := newCollector(clients{PrometheusTarget: "fake", Raw: raw}, collectors.Env{Config: config.Default(), Namespace: "ns"})
	v := 3600.0
	d := &collectors.PrometheusData{Metrics: []collectors.Metric{
		{Name: "vault_token_expiry_seconds", At: at, Series: []collectors.Series{
			{Labels: map[string]string{"job": "rotation", "instance": "orch:9102", "namespace": "ns"}, Value: &v},
			{Labels: map[string]string{"job": "rotation", "instance": "orch-2:9102", "namespace": "ns"}}, // vanished
		}},
		{Name: "cmek_rotation_total", Error: "query failed"},
	}}
	c.collectFreshness(context.Background(), api, 5*time.Second, at, d)

	s := d.Metrics[0].Series[0]
	if want := time.Unix(1796125500, 0).UTC(); s.SampledAt == nil || !s.SampledAt.Equal(want) {
		t.Errorf("SampledAt = %v, want %v", s.SampledAt, want)
	}
	if at := d.Metrics[0].Series[1].SampledAt; at == nil || !at.Equal(time.Unix(1796126388, 5e8)) {
		t.Errorf("vanished series' newest sample at %v, want 1796126388.5", at)
	}
	if d.TargetsError != "" || len(d.Targets) != 2 {
		t.Fatalf("targets = %+v (%s), want one", d.Targets, d.TargetsError)
	}
	tg := d.Targets[1] // orch-2 sorts first; the fake answers only orch's up
	if d.Targets[0].Instance != "orch-2:9102" || d.Targets[0].Error == "" {
		t.Errorf("target %+v, want orch-2 unread", d.Targets[0])
	}
	if tg.Up == nil || *tg.Up != 0 || tg.LastScrape == nil || !tg.LastScrape.Equal(time.Unix(1796126400, 0)) {
		t.Errorf("target up = %v at %v, want 0 at the newest sample", tg.Up, tg.LastScrape)
	}
	if tg.Interval.Duration() != 15*time.Second || tg.LastError != "connection refused" {
		t.Errorf("target interval %s, last error %q", tg.Interval.Duration(), tg.LastError)
	}
	if d.RulesError != "" || len(d.Rules) != 1 {
		t.Fatalf("rules = %+v (%s), want VaultTokenExpiringSoon only", d.Rules, d.RulesError)
	}
	r := d.Rules[0]
	if r.Name != "VaultTokenExpiringSoon" || r.Group != "secret-rotation" || r.Interval.Duration() != time.Minute ||
		r.LastEvaluation == nil || !r.LastEvaluation.Equal(time.Date(2026, 12, 1, 11, 40, 0, 0, time.UTC)) {
		t.Errorf("rule = %+v", r)
	}
}

func TestCollector_collectFreshness_nothingRead(t *testing.T) {
	c := newCollector(clients{}, collectors.Env{Config: config.Default()})
	d := &collectors.PrometheusData{Metrics: []collectors.Metric{{Name: "m", Error: "refused"}}}
	c.collectFreshness(context.Background(), nil, time.Second, time.Now(), d) // a nil API would panic if asked
	if d.TargetsError == "" || d.RulesError == "" {
		t.Errorf("errors = %q, %q; want both not read", d.TargetsError, d.RulesError)
	}
}

func TestFillTarget(t *testing.T) {
	base := model.Time(1796126400000)
	tests := map[string]struct {
		values       []model.SamplePair
		wantUp       *float64
		wantInterval time.Duration
	}{
		"none": {},
		"two samples, interval unknown": {
			values: []model.SamplePair{{Timestamp: base, Value: 1}, {Timestamp: base.Add(time.Second), Value: 1}},
			wantUp: ptrTo(1.0),
		},
		"median gap, unsorted": {
			values: []model.SamplePair{{Timestamp: base.Add(20 * time.Second), Value: 0}, {Timestamp: base, Value: 1}, {Timestamp: base.Add(10 * time.Second), Value: 1}, {Timestamp: base.Add(30 * time.Second), Value: 0}},
			wantUp: ptrTo(0.0), wantInterval: 10 * time.Second,
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			var tg collectors.ScrapeTarget
			fillTarget(&tg, model.Matrix{{Values: tt.values}})
			switch {
			case (tg.Up == nil) != (tt.wantUp == nil):
				t.Fatalf("up = %v, want %v", tg.Up, tt.wantUp)
			case tg.Up != nil && *tg.Up != *tt.wantUp:
				t.Errorf("up = %v, want %v", *tg.Up, *tt.wantUp)
			}
			if tg.Interval.Duration() != tt.wantInterval {
				t.Errorf("interval = %s, want %s", tg.Interval.Duration(), tt.wantInterval)
			}
		})
	}
}

func ptrTo[T any](v T) *T { return &v }
