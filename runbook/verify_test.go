package runbook

import (
	"testing"
	"time"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
)

func TestBook_Verify(t *testing.T) {
	b := MustDefault()
	var ids []string
	for _, c := range b.Verification {
		ids = append(ids, c.ID)
	}
	healthy := healthySnapshot(t)
	for _, r := range b.Verify(healthy, testNow, ids) {
		if r.State != CheckPass {
			t.Errorf("healthy: %s = %s (%s), want pass", r.ID, r.State, r.Detail)
		}
	}
	broken := healthySnapshot(t, func(s *collectors.Snapshot) {
		for i := range s.Kubernetes.Jobs {
			s.Kubernetes.Jobs[i].Outcome, s.Kubernetes.Jobs[i].Reason = collectors.OutcomeFailed, "BackoffLimitExceeded"
		}
		s.Vault.Tenants[0].LiveVersions = 30
		old := testNow.Add(-90 * 24 * time.Hour)
		s.Vault.Tenants[1].CurrentCreated = &old
	})
	want := map[string]CheckState{"rotation-succeeded": CheckFail, "cleanup-succeeded": CheckFail, "versions-within-retention": CheckFail, "key-versions-current": CheckFail}
	for _, r := range b.Verify(broken, testNow, ids) {
		if w, ok := want[r.ID]; ok && r.State != w {
			t.Errorf("broken: %s = %s (%s), want %s", r.ID, r.State, r.Detail, w)
		}
	}
	vaultDown := healthySnapshot(t, func(s *collectors.Snapshot) {
		for i := range s.Sources {
			if s.Sources[i].Source == collectors.SourceVault {
				s.Sources[i].State, s.Sources[i].Error = collectors.StateError, "sealed"
			}
		}
		s.Vault = nil
	})
	for _, r := range b.Verify(vaultDown, testNow, []string{"versions-within-retention", "key-versions-current"}) {
		if r.State != CheckUnknown {
			t.Errorf("vault down: %s = %s, want unknown, never pass", r.ID, r.State)
		}
	}
}
