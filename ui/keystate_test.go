package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors/auditlog"
)

// TestTenantsView_KeyLost: a tenant whose current key version is
// soft-deleted, and one the audit log names that has no key in Vault, lead
// the Tenants view flagged KEY-LOST; the overview shows the orchestrator
// token's max TTL beside its TTL.
func TestTenantsView_KeyLost(t *testing.T) {
	snap := demoSnapshot(t)
	at := snap.CollectedAt.Add(-time.Hour)
	tn := &snap.Vault.Tenants[len(snap.Vault.Tenants)-1]
	tn.Deleted, tn.CurrentDeletionTime = []int{tn.CurrentVersion}, &at
	snap.Logs.Audit.Tenants["t-999"] = auditlog.TenantSummary{LastEvent: &at, Failures: 1, LastFailure: &at}
	ceiling := snap.CollectedAt.Add(40 * time.Minute)
	snap.Vault.OrchestratorToken.CeilingAt = &ceiling

	m := loaded(t, SnapshotLoader{Snapshot: snap}, demoOptions(snap), 120, 40)
	if out := ansi.Strip(m.View()); !strings.Contains(out, "max in 40m") {
		t.Errorf("overview lacks the ceiling beside the TTL:\n%s", out)
	}
	out := ansi.Strip(keys(m, "2").View())
	lines := strings.Split(out, "\n")
	var rows []string
	for _, l := range lines {
		if strings.Contains(l, "KEY-LOST") {
			rows = append(rows, l)
		}
	}
	if len(rows) != 2 || !strings.Contains(rows[0]+rows[1], tn.ID) || !strings.Contains(rows[0]+rows[1], "t-999") || !strings.Contains(rows[0]+rows[1], "no key in Vault") {
		t.Fatalf("KEY-LOST rows %q in\n%s", rows, out)
	}
	for i, l := range lines {
		if strings.Contains(l, "TENANT") {
			if !strings.Contains(lines[i+1], "KEY-LOST") || !strings.Contains(lines[i+2], "KEY-LOST") {
				t.Errorf("the KEY-LOST rows do not lead:\n%s", out)
			}
			break
		}
	}
}

// TestTenantsView_NoneListed: Vault listing no tenant shows why and what
// to check, wrapped within the width, not "no tenant".
func TestTenantsView_NoneListed(t *testing.T) {
	snap := demoSnapshot(t)
	snap.Vault.Tenants = snap.Vault.Tenants[:0]
	snap.Vault.TenantScan = collectors.TenantScan{Note: "Vault lists no tenant under secret/metadata/tenants/: secret/ is a KV version 1 mount, and version counts need KV version 2 (vault kv enable-versioning secret/)"}
	for _, w := range []int{60, 120} {
		m := loaded(t, SnapshotLoader{Snapshot: snap}, demoOptions(snap), w, 30)
		out := ansi.Strip(keys(m, "2").View())
		flat := strings.Join(strings.Fields(out), " ")
		if !strings.Contains(flat, "secret/ is a KV version 1 mount, and version counts need KV version 2") || strings.Contains(out, "no tenant\n") {
			t.Errorf("%d columns: tenants view lacks the note:\n%s", w, out)
		}
		for _, l := range strings.Split(out, "\n") {
			if ansi.StringWidth(l) > w {
				t.Errorf("%d columns: line %q is %d wide", w, l, ansi.StringWidth(l))
			}
		}
	}
}
