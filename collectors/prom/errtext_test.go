package prom

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	promapi "github.com/prometheus/client_golang/api"
	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
)

func TestPromErr(t *testing.T) {
	tests := map[string]struct {
		handler http.HandlerFunc
		want    []string
	}{
		"HTML instead of JSON": {
			handler: func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				_, _ = io.WriteString(w, "<!doctype html><html><body>Sign in</body></html>")
			},
			want: []string{"answered HTML, not Prometheus's API", "base URL"},
		},
		"422 bad query": {
			handler: func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(422)
				_, _ = io.WriteString(w, `{"status":"error","errorType":"execution","error":"query processing would load too many samples into memory in query execution"}`)
			},
			want: []string{"rejected the query (execution: query processing would load too many samples", "prometheus.metrics"},
		},
		"503 query timed out in Prometheus": {
			handler: func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(503)
				_, _ = io.WriteString(w, `{"status":"error","errorType":"timeout","error":"query timed out in expression evaluation"}`)
			},
			want: []string{"timed out evaluating the query", "--query.timeout"},
		},
		"403 from a proxy": {
			handler: func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "Forbidden", http.StatusForbidden) },
			want:    []string{"forbidden (403) by http://", "proxy or credentials"},
		},
		"502 from a proxy": {
			handler: func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "bad gateway", http.StatusBadGateway) },
			want:    []string{"server_error: server error: 502: bad gateway"},
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			defer srv.Close()
			pc, err := promapi.NewClient(promapi.Config{Address: srv.URL})
			if err != nil {
				t.Fatal(err)
			}
			_, _, _, qerr := promv1.NewAPI(pc).Query(context.Background(), "up", time.Now())
			if qerr == nil {
				t.Fatal("the query did not fail")
			}
			got := promErr(srv.URL, "query up", qerr)
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("got %q (from %v), want it to hold %q", got, qerr, w)
				}
			}
			// the answers the source decodes itself are worded alike
			if _, nerr := queryNames(context.Background(), pc, "up", time.Now()); nerr == nil {
				t.Error("queryNames did not fail")
			} else if ngot := promErr(srv.URL, "query up", nerr); ngot != got {
				t.Errorf("queryNames's error is worded %q, client_golang's %q", ngot, got)
			}
		})
	}
	t.Run("refused", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		pc, _ := promapi.NewClient(promapi.Config{Address: "http://" + addr})
		_, _, _, qerr := promv1.NewAPI(pc).Query(context.Background(), "up", time.Now())
		got := promErr("http://"+addr, "query up", qerr)
		if _, nerr := queryNames(context.Background(), pc, "up", time.Now()); nerr == nil || promErr("http://"+addr, "query up", nerr) != got {
			t.Errorf("queryNames's error %v is worded otherwise than %q", nerr, got)
		}
		want := "query up: Prometheus at http://" + addr + " refused the connection (dial tcp " + addr + ": connect: connection refused)"
		if !strings.HasPrefix(got, want) || strings.Contains(got, "/api/v1/query") {
			t.Errorf("got  %q\nwant %q…", got, want)
		}
	})
}
