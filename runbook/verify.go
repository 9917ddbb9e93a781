package runbook

import (
	"fmt"
	"time"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
)

// CheckState is a verification check's result.
type CheckState string

// Verification results.
const (
	CheckPass    CheckState = "pass"
	CheckFail    CheckState = "fail"
	CheckUnknown CheckState = "unknown"
)

// CheckResult is one verification check judged against a snapshot.
type CheckResult struct {
	ID     string     `json:"id"`
	Title  string     `json:"title"`
	State  CheckState `json:"state"`
	Detail string     `json:"detail"`
}

// Verify judges the runbook's verification checks (by id) against a
// snapshot at now: after an action the same checks run on a fresh snapshot,
// so the screen can show before → after. A check whose signals could not be
// read is unknown, never pass.
func (b *Book) Verify(s *collectors.Snapshot, now time.Time, ids []string) []CheckResult {
	t := &triage{s: s, now: now.UTC(), book: b}
	a := b.Triage(s, now)
	out := make([]CheckResult, 0, len(ids))
	for _, id := range ids {
		c, _ := b.VerificationCheck(id)
		r := CheckResult{ID: id, Title: c.Title}
		r.State, r.Detail = t.verify(id, a)
		out = append(out, r)
	}
	return out
}

func (t *triage) verify(id string, a Assessment) (CheckState, string) {
	switch id {
	case "rotation-succeeded", "cleanup-succeeded":
		role := collectors.RoleRotation
		if id == "cleanup-succeeded" {
			role = collectors.RoleCleanup
		}
		jobs, why := t.jobs(role)
		if why != "" {
			return CheckUnknown, why
		}
		j := newestFinished(jobs)
		switch {
		case j == nil:
			return CheckUnknown, "no " + role + " Job has finished yet"
		case j.Outcome == collectors.OutcomeSucceeded:
			return CheckPass, "latest " + role + " Job " + j.Name + " succeeded"
		}
		return CheckFail, fmt.Sprintf("latest %s Job %s %s (%s)", role, j.Name, j.Outcome, j.Reason)
	case "key-versions-current":
		ts, why := t.tenants()
		if why != "" {
			return CheckUnknown, why
		}
		if a.Compliance.IntervalSource == "unknown" {
			return CheckUnknown, "the rotation interval is unknown"
		}
		interval := a.Compliance.Interval.Duration()
		stale := 0
		for _, tn := range ts {
			if tn.CurrentCreated == nil || t.now.Sub(*tn.CurrentCreated) > interval {
				stale++
			}
		}
		if stale > 0 {
			return CheckFail, fmt.Sprintf("%d of %d tenants' current key version is older than the %s interval", stale, len(ts), roundDur(interval))
		}
		return CheckPass, fmt.Sprintf("every tenant's current key version is within the %s interval", roundDur(interval))
	case "rotation-metrics":
		m, why := t.metric("rotationsFailed")
		if why != "" {
			return CheckUnknown, why
		}
		last := lastIncrease(m, func(map[string]string) bool { return true })
		if last != nil && t.now.Sub(*last) < recentWindow {
			return CheckFail, m.Name + " grew " + ago(t.now, *last)
		}
		return CheckPass, "no rotation failure counted in the last 26h"
	case "token-healthy":
		f, _ := a.Finding(ScenarioVaultTokenExpired)
		for _, sy := range f.Symptoms {
			if sy.ID == "token-expiring" || sy.ID == "renewal-failures" {
				switch sy.State {
				case SymptomPresent:
					return CheckFail, sy.Text
				case SymptomUnknown:
					return CheckUnknown, sy.Reason
				}
			}
		}
		return CheckPass, "the orchestrator's token TTL is healthy and renewals succeed"
	case "versions-within-retention":
		ts, why := t.tenants()
		if why != "" {
			return CheckUnknown, why
		}
		over := 0
		for _, tn := range ts {
			if tn.LiveVersions > t.s.Config.Vault.RetentionVersions {
				over++
			}
		}
		if over > 0 {
			return CheckFail, fmt.Sprintf("%d tenants over retention", over)
		}
		return CheckPass, "every tenant within retention"
	}
	return CheckUnknown, "no check is defined for " + id
}
