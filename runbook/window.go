package runbook

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
)

// auditWindow is the span that the security pods' audit log, as read,
// covers in full: it begins at the latest beginning of a pod's log (a pod
// restarted or replaced since has lost what it logged before; the kubelet
// may have rotated a log's beginning away) and ends at the earliest end of
// a log cut by the byte limit. An event outside it may have been written
// and simply not be there to read.
type auditWindow struct {
	from    *time.Time
	fromWhy string
	until   *time.Time
	untilBy string
}

// auditWindow returns the window of the logs read; false when the logs
// were not read. Pods whose log could not be read are left out (the logs
// source is partial then and says so); a snapshot that does not record
// when logs begin gives an open window.
func (t *triage) auditWindow() (auditWindow, bool) {
	var w auditWindow
	if t.unreadable(collectors.SourceLogs) != "" {
		return w, false
	}
	for _, p := range t.s.Logs.Pods {
		if p.Error != "" || (p.NotRead != "" && p.Started == nil) {
			continue // unreadable (logGap says so), or over before the window
		}
		if s := p.Since(); s != nil && (w.from == nil || s.After(*w.from)) {
			at := *s
			w.from = &at
			switch {
			case p.Cut:
				w.fromWhy = fmt.Sprintf("the log of pod %s was read from %s on: the audit window since %s held more than the byte limit, and only its newest part was read", p.Pod, fmtTime(at), fmtTime(*p.Window))
			case p.Window != nil && p.Window.Equal(at):
				w.fromWhy = fmt.Sprintf("pod %s's log was read from the audit window's start, %s", p.Pod, fmtTime(at))
			case p.Window != nil && (p.Started == nil || at.After(p.Started.Add(time.Minute))):
				w.fromWhy = fmt.Sprintf("the log of pod %s read from the audit window (since %s) begins at %s", p.Pod, fmtTime(*p.Window), fmtTime(at))
			case p.FirstLine != nil && p.Started != nil && p.FirstLine.After(p.Started.Add(time.Minute)):
				w.fromWhy = fmt.Sprintf("the log of pod %s read from %s on: its beginning was rotated away", p.Pod, fmtTime(at))
			case p.Restarts > 0:
				w.fromWhy = fmt.Sprintf("pod %s's log begins at %s, when its container restarted (%s): what it logged before is gone", p.Pod, fmtTime(at), plural(int(p.Restarts), "restart"))
			default:
				w.fromWhy = fmt.Sprintf("pod %s's log begins at %s, when it started: what the pods before it logged is gone", p.Pod, fmtTime(at))
			}
		}
		if p.Truncated && p.LastEvent != nil && (w.until == nil || p.LastEvent.Before(*w.until)) {
			at := *p.LastEvent
			w.until = &at
			w.untilBy = fmt.Sprintf("the log of pod %s was read only up to the byte limit, its last event read at %s", p.Pod, fmtTime(at))
		}
	}
	return w, true
}

// misses says why the audit log read cannot hold every event of a run that
// started at start and ended at end (nil: not ended), or "" when it can.
func (w auditWindow) misses(start time.Time, end *time.Time) string {
	if w.from != nil && w.from.After(start) {
		return fmt.Sprintf("started %s, before the audit log's window (%s)", fmtTime(start), w.fromWhy)
	}
	if w.until != nil && (end == nil || w.until.Before(*end)) {
		return fmt.Sprintf("ended after the audit log's window (%s)", w.untilBy)
	}
	return ""
}

// runOutsideAuditWindow says why the audit log cannot tell about a Job's
// run, or "" when it can (or the logs were not read: that is unknown for
// its own reason).
func (t *triage) runOutsideAuditWindow(j *collectors.Job) string {
	if j == nil || j.Started == nil {
		return ""
	}
	w, ok := t.auditWindow()
	if !ok {
		return ""
	}
	if why := w.misses(*j.Started, j.Finished); why != "" {
		return "run " + j.Name + " " + why
	}
	return ""
}

// auditWindowStart is when the audit log's window begins, when that is
// after from; nil otherwise.
func (t *triage) auditWindowStart(from time.Time) (*time.Time, string) {
	w, ok := t.auditWindow()
	if !ok || w.from == nil || !w.from.After(from) {
		return nil, ""
	}
	return w.from, w.fromWhy
}

// rotationsInAuditWindow judges Scenario 6's "rotation succeeds but no
// audit trail" when the audit log's window began within the last day: only
// the rotations inside the window can be held against its events (absent
// when events were read inside it, present when none were). They are counted from the rotations metric, the rotation
// Jobs and Vault's version times; rotations counted only before the window
// make the symptom unknown, not present.
func (t *triage) rotationsInAuditWindow(ss symptoms, counted float64, lastOK *collectors.Job) {
	from, why := t.auditWindowStart(t.now.Add(-recentWindow))
	if from == nil {
		return
	}
	var inside []Evidence
	if m, mwhy := t.metric("rotations"); mwhy == "" && len(m.Series) > 0 {
		if n := counterIncreaseAfter(m, *from); n > 0 {
			inside = append(inside, Evidence{Source: collectors.SourcePrometheus, Fact: m.Name + " since the audit log's window began", Observed: fmt.Sprintf("+%g", n)})
		}
	}
	if lastOK != nil && lastOK.Started != nil && !lastOK.Started.Before(*from) {
		inside = append(inside, Evidence{Source: collectors.SourceKubernetes, Fact: "rotation Job " + lastOK.Name + " succeeded inside the audit log's window", Observed: "started " + fmtTime(*lastOK.Started), At: lastOK.Started})
	}
	if ts, twhy := t.tenants(); twhy == "" {
		n := 0
		for _, tn := range ts {
			if tn.Error == "" && tn.CurrentCreated != nil && !tn.CurrentCreated.Before(*from) {
				n++
			}
		}
		if n > 0 {
			inside = append(inside, Evidence{Source: collectors.SourceVault, Fact: "tenants with a key version created since the audit log's window began", Observed: fmt.Sprint(n)})
		}
	}
	if ok := t.lastSuccessEvent(); len(inside) > 0 && ok != nil && !ok.Before(*from) {
		ss.absent(SymRotationsWithoutAudit, append(inside, Evidence{Source: collectors.SourceLogs, Fact: "successful rotation audit events since the audit log's window began",
			Observed: "the latest " + fmtTime(*ok), Threshold: "window: " + why})...)
		return
	}
	if len(inside) > 0 {
		inside[0].Threshold = "an audit event per rotation"
		inside = append(inside, Evidence{Source: collectors.SourceLogs, Fact: "successful rotation audit events since the window began", Observed: "none", Threshold: "window: " + why})
		ss.present(SymRotationsWithoutAudit, inside...)
		return
	}
	ss.unknown(SymRotationsWithoutAudit, fmt.Sprintf("the rotations counted in the last 26h (%g) all happened before the audit log's window (%s), so the log cannot show their events; the metrics, the Jobs and Vault's version times show no rotation inside it (events read inside it are of later runs)", counted, why))
}

// counterIncreaseAfter is how much a counter grew after at (resets counted
// as growth from zero).
func counterIncreaseAfter(m *collectors.Metric, at time.Time) float64 {
	total := 0.0
	for _, s := range m.Series {
		ts, vals := seriesPoints(m, s)
		for i := 1; i < len(vals); i++ {
			if ts[i-1].Before(at) {
				continue // before the window, or straddling its start
			}
			if d := vals[i] - vals[i-1]; d > 0 {
				total += d
			} else if d < 0 {
				total += vals[i]
			}
		}
	}
	return total
}

// coverageFromVault judges Scenario 5's "only some tenants rotated" for a
// run the audit log cannot see whole (why): Vault's version times say
// which tenants got a new key version within the run. It returns the
// tenants missed.
func (t *triage) coverageFromVault(ss symptoms, j *collectors.Job, why string) []string {
	ts, twhy := t.tenants()
	if twhy != "" {
		ss.unknown(SymPartialCoverage, why+"; and Vault's version times could not be read: "+twhy)
		return nil
	}
	start, end := *j.Started, t.now
	if j.Finished != nil {
		end = j.Finished.Add(time.Minute)
	}
	var reached, missed []string
	for _, tn := range ts {
		if tn.Error != "" {
			continue
		}
		if tn.CurrentCreated != nil && !tn.CurrentCreated.Before(start) && !tn.CurrentCreated.After(end) {
			reached = append(reached, tn.ID)
		} else {
			missed = append(missed, tn.ID)
		}
	}
	all := len(reached) + len(missed)
	e := Evidence{Source: collectors.SourceVault, Fact: "tenants with a key version created in run " + j.Name + " (from Vault: the audit log cannot show the " + why + ")",
		Observed: fmt.Sprintf("%d of %d", len(reached), all), Threshold: fmt.Sprint(all)}
	switch {
	case all == 0:
		ss.unknown(SymPartialCoverage, why+"; and Vault lists no tenant")
		return nil
	case len(missed) > 0:
		ss.present(SymPartialCoverage, e)
		return missed
	}
	ss.absent(SymPartialCoverage, e)
	return nil
}

// auditWindowBeganAfter reports whether the audit log's window begins
// after at.
func (t *triage) auditWindowBeganAfter(at time.Time) bool {
	from, _ := t.auditWindowStart(at)
	return from != nil
}

// plural is "1 restart", "3 restarts".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// auditCut is when the security pods' audit log, as read, begins, when
// that is after the audit window asked for (a pod restarted or replaced
// since, a log rotated away or cut by the byte limit), and why; nil when
// the log covers the window asked for (or the snapshot does not record the
// window, or the logs were not read: that is unknown for its own reason).
func (t *triage) auditCut() (*time.Time, string) {
	w, ok := t.auditWindow()
	if !ok || w.from == nil {
		return nil, ""
	}
	var asked *time.Time
	for _, p := range t.s.Logs.Pods {
		if p.Window != nil && (asked == nil || p.Window.Before(*asked)) {
			asked = p.Window
		}
	}
	if asked == nil || !w.from.After(asked.Add(time.Minute)) {
		return nil, ""
	}
	return w.from, w.fromWhy
}

// failureMaybeLost says why it cannot be told whether the latest rotation
// of a tenant last rotated at last (nil: never, as far as read) failed, ""
// when it can: the audit log as read begins after the window asked for
// (auditCut), and a rotation run started after that last rotation and
// before the log begins, so what the run logged for the tenant is gone. A
// run that did not rotate it either failed it or passed it over; its Job
// log naming no failure does not tell which (a tenant the log names is
// failing already, jobLogFailing).
func (t *triage) failureMaybeLost(last *time.Time) string {
	l := t.lostRuns()
	switch {
	case l.cut == nil:
		return ""
	case l.jobsWhy != "":
		return fmt.Sprintf("the audit log begins at %s (%s), and the rotation Jobs that ran before it could not be read: %s", fmtTime(*l.cut), l.why, l.jobsWhy)
	case l.newest != nil && (last == nil || l.newest.Started.After(*last)):
		return fmt.Sprintf("rotation run %s started %s, after its last rotation, and what it logged for it is gone: %s", l.newest.Name, fmtTime(*l.newest.Started), l.why)
	case l.gone != nil && (last == nil || l.gone.After(*last)):
		// the run scheduled last is gone with its Job (a history limit, a TTL)
		return fmt.Sprintf("the rotation CronJob last ran %s, after its last rotation; that run's Job is gone and what it logged is gone too: %s", fmtTime(*l.gone), l.why)
	}
	return ""
}

// lostRuns is what failureMaybeLost weighs every tenant against, read
// once per judgement (it is asked for each of thousands of tenants): when
// the audit log begins after the window asked for (cut, and why), the
// newest rotation run started before it, and the CronJob's last scheduled
// run before it when that run's Job is gone.
type lostRuns struct {
	cut          *time.Time
	why, jobsWhy string
	newest       *collectors.Job
	gone         *time.Time
}

func (t *triage) lostRuns() *lostRuns {
	if t.lost != nil {
		return t.lost
	}
	l := &lostRuns{}
	t.lost = l
	if l.cut, l.why = t.auditCut(); l.cut == nil {
		return l
	}
	jobs, jwhy := t.runs(collectors.RoleRotation)
	if l.jobsWhy = jwhy; jwhy != "" {
		return l
	}
	for i := range jobs {
		if j := &jobs[i]; j.Started != nil && j.Started.Before(*l.cut) && (l.newest == nil || j.Started.After(*l.newest.Started)) {
			l.newest = j
		}
	}
	if cj, cwhy := t.cronJob(collectors.RoleRotation); cwhy == "" && cj.LastScheduleTime != nil && cj.LastScheduleTime.Before(*l.cut) &&
		!slices.ContainsFunc(jobs, func(j collectors.Job) bool { return j.Started != nil && !j.Started.Before(*cj.LastScheduleTime) }) {
		l.gone = cj.LastScheduleTime
	}
	return l
}

// lastSuccessEvent is the time of the latest dated successful rotation
// audit event read (of any tenant, or of none among the latest kept), nil
// when none: failures are the trail of failed rotations, not of the ones
// the rotations counter counts.
func (t *triage) lastSuccessEvent() *time.Time {
	a, why := t.audit()
	if why != "" {
		return nil
	}
	var last *time.Time
	later := func(at *time.Time) {
		if at != nil && (last == nil || at.After(*last)) {
			last = at
		}
	}
	for _, ts := range a.Tenants {
		later(ts.LastSuccess)
	}
	for _, e := range a.RecentEvents {
		if strings.EqualFold(e.Outcome, "success") {
			later(e.Time)
		}
	}
	return last
}
