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

// planner builds one action's plan from the input.
type planner func(in Input) (Plan, error)

// tenant is the first tenant the evidence names ("" when none).
func (in Input) tenant() string {
	if len(in.Tenants) > 0 {
		return in.Tenants[0]
	}
	return ""
}

// PlanFor builds the plan of a runbook action id from the snapshot. It
// returns an error saying what is missing (e.g. no tenant to trim). The
// planners live beside the plans they build (kubePlanners in kube.go,
// vaultPlanners in vault.go), so a new action is its step, its id and its
// plan.
func PlanFor(id string, in Input) (Plan, error) {
	if in.Snapshot == nil {
		return Plan{}, fmt.Errorf("%s: no snapshot to plan from", id)
	}
	plan, ok := kubePlanners()[id]
	if !ok {
		plan, ok = vaultPlanners()[id]
	}
	if !ok {
		return Plan{}, fmt.Errorf("unknown action %q", id)
	}
	p, err := plan(in)
	if err != nil {
		return p, err
	}
	// its command reaches the servers the snapshot was read from
	p.Connection = in.Snapshot.Connection
	p = withLoginRisk(p, in.Snapshot)
	if p.Fallback != nil {
		p.Fallback.Plan.Connection = in.Snapshot.Connection
		p.Fallback.Plan = withLoginRisk(p.Fallback.Plan, in.Snapshot)
	}
	return p, nil
}

// startsPods says whether an action starts pods that log in to Vault once
// they run: the orchestrator's pods rolled, or a Job created.
func startsPods(action string) bool {
	switch action {
	case runbook.ActionRestartOrchestrator, runbook.ActionEnableAudit, runbook.ActionTriggerRotation,
		runbook.ActionCleanupDryRun, runbook.ActionCleanupRun, runbook.ActionEmergencyRotate:
		return true
	}
	return false
}

// withLoginRisk adds to the warning of a plan that starts pods why they
// would get no working Vault token (runbook.LoginRisk): rolling the
// orchestrator while its role refuses the login replaces pods that hold a
// token with pods that cannot get one.
func withLoginRisk(p Plan, s *collectors.Snapshot) Plan {
	if !startsPods(p.Action) {
		return p
	}
	risk := runbook.LoginRisk(s)
	switch {
	case risk == "":
	case p.Warning == "":
		p.Warning = risk
	default:
		p.Warning += "; " + risk
	}
	return p
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
