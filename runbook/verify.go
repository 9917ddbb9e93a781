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
		if role == collectors.RoleCleanup {
			cj, _ := t.cronJob(role)
			jobs = realRuns(jobs, cj) // a dry run's success is no cleanup's
		}
		j := newestFinished(jobs)
		switch {
		case j == nil:
			return CheckUnknown, "no " + role + " Job has finished yet"
		case j.Outcome != collectors.OutcomeSucceeded:
			return CheckFail, fmt.Sprintf("latest %s Job %s %s (%s)", role, j.Name, j.Outcome, j.Reason)
		case role == collectors.RoleCleanup && isDryRun(j.Env):
			// the CronJob itself runs dry: its Jobs delete nothing
			return CheckFail, "latest cleanup Job " + j.Name + " succeeded as a dry run (DRY_RUN=true): it deleted nothing; the cleanup does not work until DRY_RUN is off"
		case role == collectors.RoleCleanup:
			return CheckPass, "latest cleanup Job " + j.Name + " succeeded"
		}
		// the runbook checks the audit trail: a successful rotation event
		// at or after the start of the Job that succeeded
		a, why := t.audit()
		if why != "" {
			return CheckUnknown, "latest rotation Job " + j.Name + " succeeded; its audit events cannot be told: " + why
		}
		var last *time.Time
		for _, ts := range a.Tenants {
			if ts.LastSuccess != nil && (last == nil || ts.LastSuccess.After(*last)) {
				last = ts.LastSuccess
			}
		}
		since := j.Started
		if since == nil {
			since = j.Finished
		}
		if last == nil || since != nil && last.Before(since.Add(-time.Minute)) {
			if gap := t.logGap(collectors.LogRoleSecurity); gap != "" {
				return CheckUnknown, "latest rotation Job " + j.Name + " succeeded; no successful rotation audit event read since it started, but " + gap
			}
			if outside := t.runOutsideAuditWindow(j); outside != "" { // window.go
				return CheckUnknown, "latest rotation Job " + j.Name + " succeeded; no successful rotation audit event read for it, but " + outside + ": its events may have been written and be gone"
			}
			seen := "none"
			if last != nil {
				seen = "the latest " + ago(t.now, *last)
			}
			return CheckFail, fmt.Sprintf("latest rotation Job %s succeeded, but no successful rotation audit event since it started (%s): the audit trail is missing (Scenario 6)", j.Name, seen)
		}
		return CheckPass, fmt.Sprintf("latest rotation Job %s succeeded; audit events of successful rotations up to %s", j.Name, ago(t.now, *last))
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
			if tn.Error == "" && (tn.CurrentCreated == nil || t.now.Sub(*tn.CurrentCreated) > interval) {
				stale++
			}
		}
		if why := t.tenantsUnread(); stale == 0 && why != "" {
			return CheckUnknown, why
		}
		if stale > 0 {
			return CheckFail, fmt.Sprintf("%d of %d tenants' current key version is older than the %s interval", stale, len(ts), roundDur(interval))
		}
		return CheckPass, fmt.Sprintf("every tenant's current key version is within the %s interval", roundDur(interval))
	case "rotation-metrics":
		return t.rotationMetrics()
	case "token-healthy":
		f, _ := a.Finding(ScenarioVaultTokenExpired)
		for _, sy := range f.Symptoms {
			if sy.ID == SymTokenExpiring || sy.ID == SymRenewalFailures {
				switch sy.State {
				case SymptomPresent:
					return CheckFail, sy.Text
				case SymptomUnknown:
					return CheckUnknown, sy.Reason
				}
			}
		}
		return CheckPass, "the orchestrator's token TTL is healthy and renewals succeed"
	case "versions-within-retention", "versions-within-cleanup-retention":
		ts, why := t.tenants()
		if why != "" {
			return CheckUnknown, why
		}
		// Scenario 4 judges the CMEK retention; Scenario 3 the cleanup's
		// own (retention.secrets.retentionVersions from the ConfigMaps)
		limit, which := t.s.Config.Vault.RetentionVersions, "retention"
		if id == "versions-within-cleanup-retention" {
			var why string
			if limit, _, why = t.cleanupRetention(); why != "" {
				return CheckUnknown, why
			}
			which = "the cleanup's retention"
		}
		over := 0
		for _, tn := range ts {
			if tn.LiveVersions > limit {
				over++
			}
		}
		if over > 0 {
			return CheckFail, fmt.Sprintf("%d tenants over %s of %d versions", over, which, limit)
		}
		if why := t.tenantsUnread(); why != "" {
			return CheckUnknown, why
		}
		return CheckPass, fmt.Sprintf("every tenant within %s of %d versions", which, limit)
	}
	return CheckUnknown, "no check is defined for " + id
}

// rotationMetrics judges "rotation metrics move and no failures are
// counted" so that it can pass soon after a fix: a failure counted in the
// last 26h fails it only until a rotation is counted after the last
// failure (at a later step, with no failure counted at or after it).
func (t *triage) rotationMetrics() (CheckState, string) {
	failed, why := t.metric("rotationsFailed")
	if why != "" {
		return CheckUnknown, why
	}
	if stale := t.metricStaleNow(failed); stale != "" { // freshness.go: a pass on old data is no pass
		return CheckUnknown, stale + ": counts since then cannot be seen"
	}
	if len(failed.Series) == 0 {
		// a labelled counter has no series until its first failure, so
		// none is no failure only beside a rotation counter that is read
		rot, why := t.metric("rotations")
		switch {
		case why != "":
			return CheckUnknown, fmt.Sprintf("no %s series, and %s", failed.Name, why)
		case len(rot.Series) == 0:
			return CheckUnknown, fmt.Sprintf("neither %s nor %s has a series in this Prometheus: the metrics are not scraped, or named otherwise (prometheus.metrics in the config)", rot.Name, failed.Name)
		case t.metricStaleNow(rot) != "":
			return CheckUnknown, t.metricStaleNow(rot) + ": counts since then cannot be seen"
		}
		return CheckPass, fmt.Sprintf("no rotation failure counted (no %s series; %s is scraped)", failed.Name, rot.Name)
	}
	// a failure counter that moved either way (a reset too, to be safe)
	lastFail := lastIncrease(failed, anySeries)
	if lastFail == nil || t.now.Sub(*lastFail) >= recentWindow {
		return CheckPass, "no rotation failure counted in the last 26h"
	}
	rotations, why := t.metric("rotations")
	if why != "" {
		return CheckUnknown, fmt.Sprintf("%s grew %s; whether a rotation was counted since cannot be told: %s", failed.Name, ago(t.now, *lastFail), why)
	}
	// lastFail is the failure counter's last step that moved, so no failure
	// is counted at or after a rotation step strictly later than it; a
	// rotation counter's reset (a drop) is no rotation
	if lastRot := lastStep(rotations, anySeries, func(prev, cur float64) bool { return cur > prev }); lastRot != nil && lastRot.After(*lastFail) {
		return CheckPass, "rotations counted after the last failure at " + fmtTime(*lastFail)
	}
	return CheckFail, fmt.Sprintf("%s grew %s, no rotation counted since", failed.Name, ago(t.now, *lastFail))
}
