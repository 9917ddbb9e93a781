package prom

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	promapi "github.com/prometheus/client_golang/api"
	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
)

// TestQueryNames_likeClientGolang: the names queryNames decodes itself are
// those client_golang's model.Vector holds, and every answer it refuses
// is refused by client_golang with the same error.
func TestQueryNames_likeClientGolang(t *testing.T) {
	tests := map[string]struct {
		code      int
		body      string
		wantNames []string
		wantErr   bool
	}{
		"names from every tenant label, each once": {code: 200, body: `{"status":"success","data":{"resultType":"vector","result":[
			{"metric":{"tenant":"t-2"},"value":[1,"1"]},{"metric":{"tenant_id":"t-1","tenant":"t-1"},"value":[1,"1"]},
			{"metric":{"tenantId":"t-3"},"value":[1,"1"]},{"metric":{},"value":[1,"1"]}]},"warnings":["w"]}`,
			wantNames: []string{"t-1", "t-2", "t-3"}},
		"no series":                 {code: 200, body: `{"status":"success","data":{"resultType":"vector","result":[]}}`, wantNames: []string{}},
		"an error with a 200":       {code: 200, body: `{"status":"error","errorType":"execution","error":"boom"}`, wantErr: true},
		"not JSON with a 200":       {code: 200, body: `<html>sign in</html>`, wantErr: true},
		"a 422 with its error":      {code: 422, body: `{"status":"error","errorType":"execution","error":"too many samples"}`, wantErr: true},
		"a 400 without an error":    {code: 400, body: `{"status":"error"}`, wantErr: true},
		"a 400 that says success":   {code: 400, body: `{"status":"success","data":{"resultType":"vector","result":[]}}`, wantErr: true},
		"a 400 that is not JSON":    {code: 400, body: `bad request`, wantErr: true},
		"a 503 from a proxy":        {code: 503, body: `unavailable`, wantErr: true},
		"a 404 from a wrong prefix": {code: 404, body: `404 page not found`, wantErr: true},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			var methods []string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_ = r.ParseForm()
				methods = append(methods, r.Method+" "+r.URL.Path+" "+r.Form.Get("query"))
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tt.code)
				fmt.Fprint(w, tt.body)
			}))
			defer srv.Close()
			pc, err := promapi.NewClient(promapi.Config{Address: srv.URL})
			if err != nil {
				t.Fatal(err)
			}
			at := time.Unix(1796126400, 0)
			v, _, _, qerr := promv1.NewAPI(pc).Query(context.Background(), "group by (tenant) (m)", at)
			theirs := methods
			methods = nil
			names, nerr := queryNames(context.Background(), pc, "group by (tenant) (m)", at)
			if !slices.Equal(methods, theirs) {
				t.Errorf("requests %q, client_golang's %q", methods, theirs)
			}
			if (nerr != nil) != tt.wantErr || (qerr != nil) != tt.wantErr {
				t.Fatalf("errors %v and client_golang's %v, want an error: %v", nerr, qerr, tt.wantErr)
			}
			if tt.wantErr {
				if nerr.Error() != qerr.Error() {
					t.Errorf("error %q, client_golang's %q", nerr, qerr)
				}
				return
			}
			if !slices.Equal(names, tt.wantNames) || !slices.Equal(names, vectorNames(v.(model.Vector))) {
				t.Errorf("names %q, client_golang's %q, want %q", names, vectorNames(v.(model.Vector)), tt.wantNames)
			}
		})
	}
	t.Run("a matrix is not the names", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			fmt.Fprint(w, `{"status":"success","data":{"resultType":"matrix","result":[]}}`)
		}))
		defer srv.Close()
		pc, _ := promapi.NewClient(promapi.Config{Address: srv.URL})
		if _, err := queryNames(context.Background(), pc, "m", time.Now()); err == nil {
			t.Error("a matrix was read as names")
		}
	})
	t.Run("a proxy that refuses the POST gets a GET", func(t *testing.T) {
		var got []string
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			got = append(got, r.Method)
			if r.Method == http.MethodPost {
				w.WriteHeader(http.StatusMethodNotAllowed)
				return
			}
			fmt.Fprintf(w, `{"status":"success","data":{"resultType":"vector","result":[{"metric":{"tenant":%q},"value":[1,"1"]}]}}`, r.URL.Query().Get("query"))
		}))
		defer srv.Close()
		pc, _ := promapi.NewClient(promapi.Config{Address: srv.URL})
		names, err := queryNames(context.Background(), pc, "q", time.Now())
		if err != nil || !slices.Equal(names, []string{"q"}) || !slices.Equal(got, []string{"POST", "GET"}) {
			t.Errorf("names %q, %v after %v; want q after POST then GET", names, err, got)
		}
	})
}

// vectorNames are the tenant labels' values client_golang's model.Vector
// holds, sorted, each once: what queryNames must find.
func vectorNames(vec model.Vector) []string {
	out := []string{}
	for _, smp := range vec {
		for _, k := range tenantLabels {
			if v := smp.Metric[model.LabelName(k)]; v != "" {
				out = append(out, string(v))
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
