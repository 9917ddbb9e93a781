package prom

import (
	"strings"
	"testing"

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
