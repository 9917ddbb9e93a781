package connect

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
)

// TestConnect_kubeContentTypes: the Kubernetes client asks for protobuf
// and accepts JSON (a server or proxy without protobuf answers JSON and is
// read), unless the configuration chose its content types.
func TestConnect_kubeContentTypes(t *testing.T) {
	tests := map[string]struct {
		cfg        func(*rest.Config)
		wantAccept string
	}{
		"default: protobuf, JSON accepted": {cfg: func(*rest.Config) {}, wantAccept: KubeAcceptContentTypes},
		"the configuration's kept": {cfg: func(c *rest.Config) {
			c.ContentType, c.AcceptContentTypes = "application/json", "application/json"
		}, wantAccept: "application/json"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			var accept string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				accept = r.Header.Get("Accept")
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(`{"kind":"Namespace","apiVersion":"v1","metadata":{"name":"ns"}}`))
			}))
			defer srv.Close()
			cfg := &rest.Config{Host: srv.URL}
			tt.cfg(cfg)
			c, err := Connect(Options{REST: cfg, ReadOnly: true})
			if err != nil {
				t.Fatal(err)
			}
			ns, err := c.Kube.CoreV1().Namespaces().Get(context.Background(), "ns", metav1.GetOptions{})
			if err != nil {
				t.Fatalf("a JSON answer was not read: %v", err)
			}
			if ns.Name != "ns" {
				t.Errorf("name %q", ns.Name)
			}
			if !strings.HasPrefix(accept, tt.wantAccept) {
				t.Errorf("Accept %q, want %q", accept, tt.wantAccept)
			}
		})
	}
}
