package runbook

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
)

// Forecast kinds.
const (
	// ForecastTokenCeiling: the orchestrator's token reaches its max TTL;
	// no renewal extends it past that, only a new login.
	ForecastTokenCeiling = "token-ceiling"
	// ForecastRunDeadline: the next scheduled rotation run needs more time
	// than its activeDeadlineSeconds at the pace observed.
	ForecastRunDeadline = "run-deadline"
	// ForecastTokenExpiry: the orchestrator's token, its TTL already under
	// the warning threshold (renewal is not keeping it up), expires at the
	// end of that TTL unless it is renewed or the pods log in again.
	ForecastTokenExpiry = "token-expiry"
	// ForecastRunSkipped: the next scheduled rotation run will not start:
	// the CronJob's concurrencyPolicy is Forbid and a rotation Job is still
	// active past it.
	ForecastRunSkipped = "run-skipped"
	// ForecastTenantReportable: a tenant's rotation becomes overdue by more
	// than the compliance limit (the interval plus overdueDays).
	ForecastTenantReportable = "tenant-reportable"
)

// Forecast is when the next failure is expected, from what the snapshot
// holds: the orchestrator token's ceiling, whether the next scheduled
// rotation fits its deadline, and when each tenant becomes overdue and
// reportable. Nothing here is read again: it is pure arithmetic on the
// snapshot, judged at JudgedAt.
type Forecast struct {
	// Next is the earliest failure expected after the time of judgement;
	// nil when none of the forecasts foresees one (Unknown then says what
	// could not be told, so nil is not "never").
	Next *ForecastItem `json:"next,omitempty"`
	// TokenCeiling is when the orchestrator's token reaches its max TTL.
	TokenCeiling ForecastItem `json:"tokenCeiling"`
	// TokenExpiry is when the orchestrator's token expires when its TTL is
	// under the warning threshold (nil otherwise: renewal keeps it up, or
	// the TTL is unknown and Scenario 2 says so).
	TokenExpiry *ForecastItem `json:"tokenExpiry,omitempty"`
	// NextRun is whether the next scheduled rotation run fits its deadline.
	NextRun RunForecast `json:"nextRun"`
	// Tenants are, per tenant, when it becomes overdue and reportable,
	// soonest first.
	Tenants []TenantForecast `json:"tenants"`
	// Unknown says what could not be forecast, and why.
	Unknown []string `json:"unknown,omitempty"`
}

// ForecastItem is one expected failure.
type ForecastItem struct {
	Kind string `json:"kind"`
	// At is when it is expected; nil when it cannot be told (Unknown says
	// why) or when none is expected (Summary says so).
	At     *time.Time `json:"at,omitempty"`
	Tenant string     `json:"tenant,omitempty"`
	// Past is true when At is not after the time of judgement: it has
	// already happened, so it is a finding of now rather than a forecast.
	Past     bool       `json:"past,omitempty"`
	Summary  string     `json:"summary"`
	Unknown  string     `json:"unknown,omitempty"`
	Evidence []Evidence `json:"evidence,omitempty"`
}

// RunForecast is the next scheduled rotation run against its deadline.
type RunForecast struct {
	// At is when the next run is scheduled.
	At *time.Time `json:"at,omitempty"`
	// Deadline is the CronJob's activeDeadlineSeconds (0: none).
	Deadline collectors.Duration `json:"deadline,omitempty"`
	// PerTenant is the time one tenant took in the run it is observed from
	// (ObservedRun), and Tenants today's tenant count.
	PerTenant   collectors.Duration `json:"perTenant,omitempty"`
	ObservedRun string              `json:"observedRun,omitempty"`
	Tenants     int                 `json:"tenants,omitempty"`
	// Needs is PerTenant × Tenants.
	Needs collectors.Duration `json:"needs,omitempty"`
	// Fits is nil when it cannot be told (Unknown says why).
	Fits    *bool  `json:"fits,omitempty"`
	Summary string `json:"summary"`
	Unknown string `json:"unknown,omitempty"`
	// Skipped says why the next run will not start (concurrencyPolicy
	// Forbid and a Job still active then), "" when nothing stops it.
	Skipped string `json:"skipped,omitempty"`
}

// TenantForecast is when one tenant becomes overdue (its last rotation plus
// the policy interval) and reportable to compliance (plus overdueDays).
type TenantForecast struct {
	Tenant       string     `json:"tenant"`
	LastRotation *time.Time `json:"lastRotation,omitempty"`
	OverdueAt    *time.Time `json:"overdueAt,omitempty"`
	ReportableAt *time.Time `json:"reportableAt,omitempty"`
	// Unknown says why the dates cannot be told (no dated rotation, no
	// interval).
	Unknown string `json:"unknown,omitempty"`
}

// TokenCeilingAt forecasts when tok reaches its max TTL, judged at now. It
// returns an item with Unknown set when the token or its ceiling is not
// known, and none expected for a token without a ceiling.
func TokenCeilingAt(now time.Time, tok *collectors.TokenInfo) ForecastItem {
	it := ForecastItem{Kind: ForecastTokenCeiling}
	switch {
	case tok == nil:
		it.Unknown = "the orchestrator's token was not found in Vault"
	case tok.CeilingAt == nil && tok.CeilingNote != "":
		it.Unknown = "the orchestrator token's max TTL is unknown: " + tok.CeilingNote
	case tok.CeilingAt == nil && tok.Period > 0:
		it.Summary = "the orchestrator's token is periodic without a max TTL: renewal can keep it alive"
	case tok.CeilingAt == nil:
		it.Unknown = "the orchestrator token's max TTL was not read (a snapshot taken before it was, or no creation time)"
	default:
		at := tok.CeilingAt.UTC()
		it.At, it.Past = &at, !at.After(now)
		verb := "reaches"
		if it.Past {
			verb = "reached"
		}
		it.Summary = fmt.Sprintf("the orchestrator's Vault token %s its max TTL %s (%s) %s (%s): no renewal extends it, the orchestrator must log in again",
			verb, roundDur(tok.MaxTTL.Duration()), orDefault(tok.MaxTTLSource, "source unknown"), fmtTime(at), ago(now, at))
		it.Evidence = []Evidence{{Source: collectors.SourceVault, Fact: "orchestrator token ceiling", Observed: fmtTime(at), Threshold: "max TTL " + roundDur(tok.MaxTTL.Duration()), At: &at}}
	}
	return it
}

// RunNeeds is how long a run of tenants takes at perTenant each, and
// whether it fits deadline (a deadline of 0 is none: it always fits).
func RunNeeds(perTenant time.Duration, tenants int, deadline time.Duration) (time.Duration, bool) {
	need := perTenant * time.Duration(tenants)
	return need, deadline <= 0 || need <= deadline
}

// TenantDue is when a tenant last rotated at last becomes overdue (after
// the policy interval) and reportable (more than overdueDays beyond it).
func TenantDue(last time.Time, interval time.Duration, overdueDays int) (overdue, reportable time.Time) {
	overdue = last.Add(interval)
	return overdue, overdue.Add(time.Duration(overdueDays) * 24 * time.Hour)
}

// nextRun is the schedule's first run time after at.
func nextRun(schedule, tz string, at time.Time) (time.Time, error) {
	spec := strings.TrimSpace(schedule)
	if tz != "" && !strings.HasPrefix(spec, "CRON_TZ=") && !strings.HasPrefix(spec, "TZ=") {
		spec = "CRON_TZ=" + tz + " " + spec
	}
	sched, err := cronParser.Parse(spec)
	if err != nil {
		return time.Time{}, fmt.Errorf("cannot read the schedule %q: %v", schedule, err)
	}
	n := sched.Next(at)
	if n.IsZero() {
		return n, fmt.Errorf("the schedule %q never runs", schedule)
	}
	return n.UTC(), nil
}

// Forecast foresees the next failures of the snapshot judged at now (see
// Forecast). It never fails: what cannot be told is in Unknown.
func (b *Book) Forecast(s *collectors.Snapshot, now time.Time) Forecast {
	t := &triage{s: s, now: now.UTC(), book: b}
	f := Forecast{Tenants: []TenantForecast{}}
	if why := t.unreadable(collectors.SourceVault); why != "" {
		f.TokenCeiling = ForecastItem{Kind: ForecastTokenCeiling, Unknown: why}
	} else {
		tok, _ := judgedToken(s)
		f.TokenCeiling = TokenCeilingAt(t.now, tok)
		if tok == nil && s.Vault != nil && s.Vault.OrchestratorTokenNote != "" {
			// why it was not found, or not looked up (a lookup failed)
			f.TokenCeiling.Unknown = "the orchestrator's token: " + s.Vault.OrchestratorTokenNote
		}
	}
	f.NextRun = t.runForecast()
	f.Tenants = t.tenantForecasts(&f)
	if f.TokenCeiling.Unknown != "" {
		f.Unknown = append(f.Unknown, "token ceiling: "+f.TokenCeiling.Unknown)
	}
	if f.NextRun.Unknown != "" {
		f.Unknown = append(f.Unknown, "next rotation run: "+f.NextRun.Unknown)
	}
	var cands []ForecastItem
	if it := f.TokenCeiling; it.At != nil && !it.Past {
		cands = append(cands, it)
	}
	if f.TokenExpiry = t.tokenExpiry(); f.TokenExpiry != nil && !f.TokenExpiry.Past {
		cands = append(cands, *f.TokenExpiry)
	}
	if r := f.NextRun; r.Skipped != "" && r.At != nil {
		at := *r.At
		cands = append(cands, ForecastItem{Kind: ForecastRunSkipped, At: &at, Summary: r.Summary,
			Evidence: []Evidence{{Source: collectors.SourceKubernetes, Fact: "next rotation run", Observed: r.Skipped, At: r.At}}})
	}
	if r := f.NextRun; r.Fits != nil && !*r.Fits && r.At != nil {
		at := r.At.Add(r.Deadline.Duration())
		cands = append(cands, ForecastItem{Kind: ForecastRunDeadline, At: &at, Summary: r.Summary,
			Evidence: []Evidence{{Source: collectors.SourceKubernetes, Fact: "next rotation run", Observed: "needs " + roundDur(r.Needs.Duration()) + " (" + r.ObservedRun + ")", Threshold: "activeDeadlineSeconds " + roundDur(r.Deadline.Duration()), At: r.At}}})
	}
	for _, tf := range f.Tenants {
		if tf.ReportableAt != nil && tf.ReportableAt.After(t.now) {
			at := *tf.ReportableAt
			cands = append(cands, ForecastItem{Kind: ForecastTenantReportable, At: &at, Tenant: tf.Tenant,
				Summary:  fmt.Sprintf("tenant %s becomes reportable to compliance %s (%s): overdue since %s, last rotated %s", tf.Tenant, fmtTime(at), ago(t.now, at), fmtTime(*tf.OverdueAt), fmtTime(*tf.LastRotation)),
				Evidence: []Evidence{{Source: collectors.SourceVault, Fact: "last rotation of " + tf.Tenant, Observed: fmtTime(*tf.LastRotation), At: tf.LastRotation}}})
			break // sorted soonest first: the first future one is the next
		}
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].At.Before(*cands[j].At) })
	if len(cands) > 0 {
		n := cands[0]
		f.Next = &n
	}
	return f
}

// tokenExpiry foresees the orchestrator token's expiry when its TTL (as
// Scenario 2 judges it: the lower of Vault's and the metric's) is already
// under the warning threshold, a periodic token's under its share of the
// period: renewal is not keeping it up, so it ends when the TTL runs out.
// A TTL above the threshold is renewal working: no expiry is foreseen
// (the ceiling is, apart). The TTL was read when the snapshot was taken:
// the expiry is that time plus the TTL. Nil when there is none to foresee.
func (t *triage) tokenExpiry() *ForecastItem {
	ttl, src, gone, why := t.orchestratorTTL()
	if why != "" || gone {
		return nil // Scenario 2 says the TTL is unknown, or no live token
	}
	th := t.s.Config.Thresholds
	warn, crit := th.TokenExpiryWarning.Duration(), th.TokenExpiryCritical.Duration()
	if period, _ := t.tokenPeriod(); period > 0 {
		warn, _ = periodicThresholds(period, warn, crit)
	}
	if ttl > warn {
		return nil
	}
	read := t.s.CollectedAt.UTC()
	if read.IsZero() {
		read = t.now
	}
	at := read.Add(ttl)
	it := &ForecastItem{Kind: ForecastTokenExpiry, At: &at, Past: !at.After(t.now)}
	verb := "expires"
	if it.Past {
		verb = "expired"
	}
	it.Summary = fmt.Sprintf("the orchestrator's Vault token %s %s (%s) unless it is renewed: its TTL was %s when read, under the %s warning threshold, so renewal is not keeping it up (Scenario 2)",
		verb, fmtTime(at), ago(t.now, at), roundDur(ttl), roundDur(warn))
	it.Evidence = []Evidence{{Source: src, Fact: "orchestrator token TTL", Observed: roundDur(ttl), Threshold: "warning under " + roundDur(warn), At: &read}}
	return it
}

// runBlocked says why the CronJob will skip its run at next, "" when it
// will not: under concurrencyPolicy Forbid, a rotation Job of it that has
// not finished and that its own deadline does not end before next (a Job
// whose pods cannot run stays active until then, and every run is
// skipped meanwhile).
func (t *triage) runBlocked(cj *collectors.CronJob, next time.Time) string {
	if !strings.EqualFold(cj.ConcurrencyPolicy, "Forbid") {
		return ""
	}
	jobs, why := t.jobs(collectors.RoleRotation)
	if why != "" {
		return ""
	}
	for i := range jobs {
		j := &jobs[i]
		if j.Finished != nil || (j.Outcome != collectors.OutcomeRunning && j.Outcome != "") || j.CronJob != cj.Name {
			continue
		}
		start := j.When()
		if j.Started != nil {
			start = *j.Started
		}
		until := "no deadline ends it"
		if j.ActiveDeadlineSeconds != nil {
			end := start.Add(time.Duration(*j.ActiveDeadlineSeconds) * time.Second)
			if !end.After(next) {
				continue // its deadline ends it first
			}
			until = "its deadline ends it at " + fmtTime(end)
		}
		return fmt.Sprintf("Job %s, started %s, is still running (%s) and CronJob %s's concurrencyPolicy is Forbid, so the controller skips every run meanwhile", j.Name, fmtTime(start), until, cj.Name)
	}
	return ""
}

// runForecast judges the next scheduled rotation run against its deadline
// at the per-tenant pace of the newest finished run that reached tenants.
func (t *triage) runForecast() RunForecast {
	var r RunForecast
	cj, why := t.cronJob(collectors.RoleRotation)
	if why != "" {
		r.Unknown = why
		return r
	}
	if cj.Suspend {
		r.Summary = "the rotation CronJob " + cj.Name + " is suspended: no run is scheduled"
		return r
	}
	next, err := nextRun(cj.Schedule, cj.TimeZone, t.now)
	if err != nil {
		r.Unknown = err.Error()
		return r
	}
	r.At = &next
	if why := t.runBlocked(cj, next); why != "" {
		r.Skipped = why
		r.Summary = fmt.Sprintf("the next run (%s) will not start: %s", fmtTime(next), why)
		return r
	}
	if cj.ActiveDeadlineSeconds == nil {
		yes := true
		r.Fits, r.Summary = &yes, fmt.Sprintf("the next run (%s) has no activeDeadlineSeconds: no deadline to exceed", fmtTime(next))
		return r
	}
	deadline := time.Duration(*cj.ActiveDeadlineSeconds) * time.Second
	r.Deadline = collectors.Duration(deadline)
	jobs, why := t.jobs(collectors.RoleRotation)
	if why != "" {
		r.Unknown = why
		return r
	}
	a, _ := t.audit()
	var all []string
	if ts, why := t.tenants(); why == "" && len(ts) > 0 {
		for _, tn := range ts {
			all = append(all, tn.ID)
		}
	} else if a != nil {
		all = t.allTenants(a)
	}
	if len(all) == 0 {
		r.Unknown = "today's tenant count is unknown (Vault's tenants not read and no tenant in the audit log)"
		return r
	}
	r.Tenants = len(all)
	// a lower bound: the newest scheduled run, killed at its deadline while
	// it ran, needed more than it was given
	var floor time.Duration
	var floorRun string
	for i := range jobs { // newest first
		j := &jobs[i]
		if j.Manual || (j.Outcome != collectors.OutcomeSucceeded && j.Outcome != collectors.OutcomeFailed) {
			continue
		}
		if timedOut(j, t.now) && j.Started != nil && j.Finished != nil {
			floor = j.Finished.Sub(*j.Started) + time.Second
			if j.ActiveDeadlineSeconds != nil {
				floor = time.Duration(*j.ActiveDeadlineSeconds)*time.Second + time.Second
			}
			floorRun = fmt.Sprintf("run %s was killed at its deadline %s", j.Name, roundDur(floor-time.Second))
		}
		break
	}
	for i := range jobs { // newest first
		j := &jobs[i]
		if j.Started == nil || j.Finished == nil || (j.Outcome != collectors.OutcomeSucceeded && !timedOut(j, t.now)) {
			continue
		}
		ran := j.Finished.Sub(*j.Started)
		var n int
		if a != nil {
			reached, _ := t.reachedInRun(a, j)
			n = len(reached)
		} else if ts, why := t.tenants(); why == "" {
			for _, tn := range ts {
				if tn.CurrentCreated != nil && !tn.CurrentCreated.Before(*j.Started) && !tn.CurrentCreated.After(j.Finished.Add(time.Minute)) {
					n++
				}
			}
		}
		if n == 0 {
			continue // no evidence of the tenants it reached: try an older run
		}
		per := ran / time.Duration(n)
		need, fits := RunNeeds(per, len(all), deadline)
		r.ObservedRun = fmt.Sprintf("run %s: %d tenants in %s", j.Name, n, roundDur(ran))
		about := "about " + roundDur(need)
		mayFit := false
		if floor > need {
			// the killed run needed more than the pace says: a lower bound
			// only, so a deadline above it may fit, no more
			need, fits = floor, deadline <= 0 || floor <= deadline
			mayFit = fits
			r.ObservedRun += "; " + floorRun
			about = "more than " + roundDur(floor-time.Second)
		}
		r.PerTenant, r.Needs, r.Fits = collectors.Duration(per), collectors.Duration(need), &fits
		switch {
		case mayFit:
			r.Summary = fmt.Sprintf("the next run (%s) needs %s for %d tenants (%s): its deadline %ds is longer, so it may fit", fmtTime(next), about, len(all), r.ObservedRun, *cj.ActiveDeadlineSeconds)
		case fits:
			r.Summary = fmt.Sprintf("the next run (%s) needs %s for %d tenants at %s each (%s): fits its deadline %s", fmtTime(next), about, len(all), per.Round(time.Millisecond), r.ObservedRun, roundDur(deadline))
		default:
			r.Summary = fmt.Sprintf("the next run (%s) needs %s for %d tenants at %s each (%s): it will exceed its deadline %s at %s (Scenario 5)", fmtTime(next), about, len(all), per.Round(time.Millisecond), r.ObservedRun, roundDur(deadline), fmtTime(next.Add(deadline)))
		}
		return r
	}
	if floor > 0 {
		fits := floor <= deadline
		r.Needs, r.Fits, r.ObservedRun = collectors.Duration(floor), &fits, floorRun
		if fits {
			r.Summary = fmt.Sprintf("the next run (%s) gets %ds, more than the %s: it may fit", fmtTime(next), *cj.ActiveDeadlineSeconds, floorRun)
		} else {
			r.Summary = fmt.Sprintf("the next run (%s) needs more than %s (%s) and its deadline is still %s: it will exceed it at %s (Scenario 5)", fmtTime(next), roundDur(floor-time.Second), floorRun, roundDur(deadline), fmtTime(next.Add(deadline)))
		}
		return r
	}
	r.Unknown = "no finished rotation run with a known start, end and tenants reached (audit events or new key versions within it), so the pace per tenant is unknown"
	return r
}

// tenantForecasts dates each tenant's overdue and reportable times from its
// last rotation (the newer of Vault's current version and the last
// successful audit event, as the compliance section takes it).
func (t *triage) tenantForecasts(f *Forecast) []TenantForecast {
	interval, _, err := RotationInterval(t.s, t.now)
	if err != nil {
		f.Unknown = append(f.Unknown, "tenant due dates: rotation interval: "+err.Error())
	}
	last := map[string]*time.Time{}
	known := map[string]bool{}
	if ts, why := t.tenants(); why == "" {
		for _, tn := range ts {
			known[tn.ID] = true
			if tn.Error == "" && tn.CurrentCreated != nil {
				at := *tn.CurrentCreated
				last[tn.ID] = &at
			}
		}
	} else {
		f.Unknown = append(f.Unknown, "tenant due dates: Vault's key versions: "+why)
	}
	if why := t.tenantsUnread(); why != "" && len(t.s.Vault.Tenants) > 0 {
		// a tenant not read may fall due before the first one foreseen
		f.Unknown = append(f.Unknown, "tenant due dates: "+why)
	}
	if a, why := t.audit(); why == "" {
		for id, ts := range a.Tenants {
			known[id] = true
			if ts.LastSuccess != nil && (last[id] == nil || ts.LastSuccess.After(*last[id])) {
				at := *ts.LastSuccess
				last[id] = &at
			}
		}
	}
	out := []TenantForecast{}
	for id := range known {
		tf := TenantForecast{Tenant: id, LastRotation: last[id]}
		switch {
		case last[id] == nil:
			tf.Unknown = "no dated rotation (no key version time, no successful audit event)"
		case err != nil:
			tf.Unknown = "the rotation interval is unknown"
		default:
			o, rp := TenantDue(*last[id], interval, t.s.Config.Thresholds.OverdueDays)
			tf.OverdueAt, tf.ReportableAt = &o, &rp
		}
		out = append(out, tf)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		switch {
		case a.ReportableAt == nil || b.ReportableAt == nil:
			if (a.ReportableAt == nil) != (b.ReportableAt == nil) {
				return a.ReportableAt != nil
			}
		case !a.ReportableAt.Equal(*b.ReportableAt):
			return a.ReportableAt.Before(*b.ReportableAt)
		}
		return a.Tenant < b.Tenant
	})
	return out
}

// nextLine is the one line of "next failure expected".
func (f Forecast) nextLine() string {
	if f.Next == nil {
		if len(f.Unknown) > 0 {
			return "none foreseen from what could be read; cannot tell: " + strings.Join(f.Unknown, "; ")
		}
		return "none foreseen"
	}
	return f.Next.Summary
}

// writeForecast writes the "next failure expected" section.
func (r Report) writeForecast(b *strings.Builder, md bool) {
	f, now := r.Forecast, r.JudgedAt
	if md {
		b.WriteString("\n## Next failure expected\n\n")
		fmt.Fprintf(b, "**Next:** %s\n\n", mdEscape(f.nextLine()))
		b.WriteString("| forecast | expected |\n|---|---|\n")
	} else {
		b.WriteString("\nNEXT FAILURE EXPECTED\n")
		fmt.Fprintf(b, "  next: %s\n", f.nextLine())
	}
	rows := [][2]string{}
	if f.TokenExpiry != nil {
		rows = append(rows, [2]string{"orchestrator token expiry", itemText(*f.TokenExpiry)})
	}
	rows = append(rows, [][2]string{
		{"orchestrator token max TTL", itemText(f.TokenCeiling)},
		{"next rotation run vs deadline", runText(f.NextRun)},
		{"first tenant reportable", firstReportable(f.Tenants, now)},
	}...)
	for _, row := range rows {
		if md {
			fmt.Fprintf(b, "| %s | %s |\n", row[0], mdEscape(row[1]))
		} else {
			fmt.Fprintf(b, "  %-30s %s\n", row[0], row[1])
		}
	}
}

func itemText(it ForecastItem) string {
	if it.Unknown != "" {
		return "unknown: " + it.Unknown
	}
	return it.Summary
}

func runText(r RunForecast) string {
	if r.Unknown != "" {
		return "unknown: " + r.Unknown
	}
	return r.Summary
}

func firstReportable(ts []TenantForecast, now time.Time) string {
	past := 0
	for _, tf := range ts {
		if tf.ReportableAt != nil && !tf.ReportableAt.After(now) {
			past++
		}
	}
	for _, tf := range ts {
		if tf.ReportableAt != nil && tf.ReportableAt.After(now) {
			s := fmt.Sprintf("%s at %s (%s; overdue from %s)", tf.Tenant, fmtTime(*tf.ReportableAt), ago(now, *tf.ReportableAt), fmtTime(*tf.OverdueAt))
			if past > 0 {
				s = fmt.Sprintf("%d tenant(s) already reportable (see compliance); next: %s", past, s)
			}
			return s
		}
	}
	if past > 0 {
		return fmt.Sprintf("%d tenant(s) already reportable (see compliance); no other tenant has a due date", past)
	}
	if len(ts) == 0 {
		return "unknown: no tenant read"
	}
	return "unknown: " + orDefault(ts[0].Unknown, "no tenant has a due date")
}
