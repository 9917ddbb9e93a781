package prom

import (
	"context"
	"strings"
	"testing"
	"time"

	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
)

// TestDecodeData: an answer is read only when its data holds the list
// Prometheus always sends; without it, it is ErrBadResponse naming what
// is missing, never an empty list.
func TestDecodeData(t *testing.T) {
	tests := map[string]struct {
		code int
		body string
		n    int
		want string // "" for read
	}{
		"alerts":      {code: 200, body: `{"status":"success","data":{"alerts":[{"labels":{"alertname":"A"},"annotations":{},"state":"firing","activeAt":"2026-12-01T00:00:00Z","value":"1"}]}}`, n: 1},
		"no alert":    {code: 200, body: `{"status":"success","data":{"alerts":[]}}`},
		"no data":     {code: 200, body: `{"status":"success"}`, want: "without data"},
		"data {}":     {code: 200, body: `{"status":"success","data":{}}`, want: "without data.alerts"},
		"alerts null": {code: 200, body: `{"status":"success","data":{"alerts":null}}`, want: "without data.alerts"},
		"data null":   {code: 200, body: `{"status":"success","data":null}`, want: "without data"},
		"no status":   {code: 200, body: `{"data":{"alerts":[]}}`, want: "neither success nor error"},
		"empty body":  {code: 200, body: ``, want: "unexpected end of JSON input"},
		"error":       {code: 200, body: `{"status":"error","errorType":"internal","error":"boom"}`, want: "boom"},
		"HTML":        {code: 200, body: `<html></html>`, want: "invalid character '<'"},
		"503":         {code: 503, body: `unavailable`, want: "server error: 503"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			var res promv1.AlertsResult
			err := decodeData(tt.code, []byte(tt.body), "alerts", &res)
			if tt.want == "" {
				if err != nil || len(res.Alerts) != tt.n {
					t.Errorf("got %d alerts, %v; want %d", len(res.Alerts), err, tt.n)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v; want an error holding %q", err, tt.want)
			}
			if strings.Contains(tt.want, "without") {
				if got := promErr("http://p:9090", "read alerts", err); !strings.Contains(got, "not Prometheus's API") {
					t.Errorf("worded %q, want 'not Prometheus's API'", got)
				}
			}
		})
	}
}

// TestCheckedAPI_Query: a query answered success without data is an
// error (client_golang gives a nil value: no series), and RawSamples
// takes no answer but a matrix.
func TestCheckedAPI_Query(t *testing.T) {
	for name, body := range map[string]string{
		"no data":   `{"status":"success"}`,
		"data null": `{"status":"success","data":null}`,
		"a vector":  `{"status":"success","data":{"resultType":"vector","result":[]}}`,
	} {
		t.Run(name, func(t *testing.T) {
			raw := fakePrometheusClient(t, map[string]string{"cmek_rotation_total": body})
			_, err := RawSamples(context.Background(), raw, "http://p:9090", "ns", "cmek_rotation_total", time.Now().Add(-time.Hour), time.Now(), 5*time.Second)
			if err == nil || !strings.Contains(err.Error(), "not Prometheus's API") {
				t.Errorf("got %v, want the answer said not to be Prometheus's", err)
			}
			if name == "a vector" {
				return
			}
			if _, _, _, err := newAPI(raw, nil).Query(context.Background(), "cmek_rotation_total", time.Now()); err == nil {
				t.Error("Query: no error")
			}
		})
	}
	t.Run("a matrix", func(t *testing.T) {
		raw := fakePrometheusClient(t, map[string]string{"cmek_rotation_total": `{"status":"success","data":{"resultType":"matrix","result":[]}}`})
		if ss, err := RawSamples(context.Background(), raw, "http://p:9090", "ns", "cmek_rotation_total", time.Now().Add(-time.Hour), time.Now(), 5*time.Second); err != nil || len(ss) != 0 {
			t.Errorf("got %v, %v; want no series, no error", ss, err)
		}
	})
}
