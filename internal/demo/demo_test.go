package demo

import (
	"testing"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
)

func TestSnapshot(t *testing.T) {
	s, err := Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	for _, src := range collectors.Sources() {
		if st := s.Source(src); st.State != collectors.StateOK {
			t.Errorf("demo source %s = %s", src, st.State)
		}
	}
	if s.Vault == nil || len(s.Vault.Tenants) == 0 || s.Kubernetes == nil || len(s.Kubernetes.Jobs) == 0 {
		t.Error("demo snapshot lacks tenants or jobs")
	}
}
