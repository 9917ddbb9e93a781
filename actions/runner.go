package actions

import (
	"context"
	"fmt"
	"time"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/runbook"
)

// Input is what a plan is built from: the latest snapshot and the tenants
// the scenario's evidence names.
type Input struct {
	Snapshot *collectors.Snapshot
	Tenants  []string
	At       time.Time
	// Value is what the person typed for a plan that asks for one
	// (Plan.Ask): raise-deadline's activeDeadlineSeconds. Zero means the
	// plan's default.
	Value int64
	// Initiator, Subject record who asked for an emergency rotation.
	Initiator, Subject, Reason string
}

// PlanFor builds the plan of a runbook action id from the snapshot. It
// returns an error saying what is missing (e.g. no tenant to trim).
func PlanFor(id string, in Input) (Plan, error) {
	s := in.Snapshot
	c, ns := s.Config, s.Namespace
	tenant := ""
	if len(in.Tenants) > 0 {
		tenant = in.Tenants[0]
	}
	switch id {
	case runbook.ActionTriggerRotation:
		return TriggerRotation(c, ns, in.At), nil
	case runbook.ActionCleanupDryRun:
		return CleanupJob(c, ns, true, in.At), nil
	case runbook.ActionCleanupRun:
		return CleanupJob(c, ns, false, in.At), nil
	case runbook.ActionRaiseDeadline:
		d := in.Value
		if d == 0 {
			d = DeadlineDefault
		}
		p := RaiseDeadline(c, ns, d)
		if err := p.Ask.Check(d); err != nil {
			return Plan{}, err
		}
		return p, nil
	case runbook.ActionEnableAudit:
		return EnableAudit(c, ns), nil
	case runbook.ActionCleanupDryRunOff:
		return CleanupDryRunOff(c, ns), nil
	case runbook.ActionRestartOrchestrator:
		return RestartOrchestrator(c, ns), nil
	case runbook.ActionRenewToken:
		acc := ""
		if s.Vault != nil && s.Vault.OrchestratorToken != nil {
			acc = s.Vault.OrchestratorToken.Accessor
		}
		return RenewToken(acc), nil
	case runbook.ActionFixPolicy:
		return FixPolicy(c), nil
	case runbook.ActionFixRole:
		return FixRole(c, ns), nil
	case runbook.ActionTrimVersions:
		if tenant == "" {
			return Plan{}, fmt.Errorf("no tenant over retention is named by the evidence: trim one by hand (vault kv metadata put -max-versions=%d ...)", c.Vault.RetentionVersions)
		}
		return TrimVersions(c, tenant), nil
	case runbook.ActionTrimVersionsAll:
		if len(in.Tenants) == 0 {
			return Plan{}, fmt.Errorf("no tenant over retention is named by the evidence")
		}
		return TrimVersionsAll(c, in.Tenants), nil
	case runbook.ActionEmergencyRotate:
		if tenant == "" {
			return Plan{}, fmt.Errorf("no tenant is named by the evidence: use the command with %s=<tenant-id>", c.Kubernetes.TenantEnv)
		}
		initiator := in.Initiator
		if initiator == "" {
			initiator = "manual-emergency"
		}
		return EmergencyRotate(c, ns, tenant, initiator, in.Reason, in.Subject, in.At), nil
	}
	return Plan{}, fmt.Errorf("unknown action %q", id)
}

// Check runs the preflight and the dry run of a plan.
func (e *Executor) Check(ctx context.Context, p Plan) (Result, error) {
	if e.ReadOnly {
		return Result{}, ErrReadOnly
	}
	if err := e.Preflight(ctx, p); err != nil {
		return Result{}, err
	}
	return e.DryRun(ctx, p)
}
