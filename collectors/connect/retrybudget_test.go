package connect

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors/kube"
)

// TestRetryAfterBudget: a 429 whose Retry-After fits within the request
// timeout is retried by client-go; one that does not fails at once with
// the server's 429, worded as throttling, instead of sleeping into the
// timeout.
func TestRetryAfterBudget(t *testing.T) {
	status := `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Too many requests, please try again later.","reason":"TooManyRequests","details":{"retryAfterSeconds":%d},"code":429}`
	tests := map[string]struct {
		retryAfter int
		timeout    time.Duration
		maxTime    time.Duration
		wantCalls  func(n int) bool
	}{
		"Retry-After past the deadline fails at once": {retryAfter: 30, timeout: 3 * time.Second, maxTime: time.Second, wantCalls: func(n int) bool { return n == 1 }},
		"Retry-After within the deadline is retried":  {retryAfter: 1, timeout: 3 * time.Second, maxTime: 3500 * time.Millisecond, wantCalls: func(n int) bool { return n >= 2 && n <= 4 }},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			calls := 0
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				calls++
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Retry-After", fmt.Sprint(tt.retryAfter))
				w.WriteHeader(http.StatusTooManyRequests)
				fmt.Fprintf(w, status, tt.retryAfter)
			}))
			defer srv.Close()
			clients, err := Connect(Options{REST: &rest.Config{Host: srv.URL, Timeout: tt.timeout}})
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			_, err = clients.Kube.(*kubernetes.Clientset).BatchV1().CronJobs("ns").Get(context.Background(), "cmek-rotation", metav1.GetOptions{})
			took := time.Since(start)
			if err == nil {
				t.Fatal("no error")
			}
			msg := kube.KubeErr("get cronjob cmek-rotation", err)
			if took > tt.maxTime || !tt.wantCalls(calls) || !strings.Contains(msg, "429") {
				t.Errorf("took %v (max %v), %d calls; message %q", took, tt.maxTime, calls, msg)
			}
		})
	}
}
