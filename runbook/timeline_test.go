package runbook

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors/auditlog"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/demo"
)

// TestBook_Timeline: a tenant that succeeded, then failed twice, then an
// operator's fix and a success: entries in order, the first failure and
// the last success marked, alert history turned into state changes, the
// filters and the window applied.
func TestBook_Timeline(t *testing.T) {
	at := func(d time.Duration) *time.Time { return before(d) }
	s := healthySnapshot(t, func(s *collectors.Snapshot) {
		a := &s.Logs.Audit
		a.RecentEvents = []auditlog.Event{
			{Time: at(30 * time.Hour), Action: "cmek.rotation.completed", Outcome: "success", Tenant: "t03", Source: "p"},
			{Time: at(20 * time.Hour), Action: "cmek.rotation.failed", Outcome: "failure", Tenant: "t03", Reason: "permission denied", Source: "p"},
			{Time: at(10 * time.Hour), Action: "cmek.rotation.failed", Outcome: "failed", Tenant: "t03", Reason: "permission denied", Source: "p"},
			{Time: at(2 * time.Hour), Action: "cmek.rotation.completed", Outcome: "success", Tenant: "t03", Source: "p"},
			{Time: nil, Action: "cmek.rotation.completed", Outcome: "success", Tenant: "t04", Source: "p"},
		}
		// ALERTS: CMEKRotationFailed pending 12h ago, firing 11h ago, resolved 1h ago
		h := &collectors.AlertHistory{Start: *at(24 * time.Hour), End: testNow, Step: collectors.Duration(time.Hour)}
		pend, fire := &collectors.History{Start: h.Start, Step: h.Step, Values: make([]*float64, 25)}, &collectors.History{Start: h.Start, Step: h.Step, Values: make([]*float64, 25)}
		pend.Values[12] = ptr(1.0)
		for i := 13; i < 23; i++ {
			fire.Values[i] = ptr(1.0)
		}
		h.Series = []collectors.Series{
			{Labels: map[string]string{"alertname": "CMEKRotationFailed", "alertstate": "pending", "namespace": "ns"}, History: pend},
			{Labels: map[string]string{"alertname": "CMEKRotationFailed", "alertstate": "firing", "namespace": "ns"}, History: fire},
		}
		s.Prometheus.AlertHistory = h
		// t01 counts one failed rotation 3h ago
		m := metricOf(t, s, "rotationsFailed")
		*m.Series[0].History.Values[21] = 2
		for i := 22; i < 25; i++ {
			*m.Series[0].History.Values[i] = 2
		}
	})
	journal := []JournalAction{{ID: "a1", Time: *at(3 * time.Hour), Action: ActionFixPolicy, Target: "vault policy cmek-rotation", Who: "kubernetes alice", Reason: "permission denied", Outcome: "ok", Result: "policy written", Before: "no update", After: "update"}}
	b := mustDefault(t)
	tl := b.Timeline(s, testNow, TimelineOptions{Journal: journal})
	if !slices.IsSortedFunc(tl.Entries, func(a, b TimelineEntry) int { return a.At.Compare(b.At) }) {
		t.Fatal("entries not in time order")
	}
	marked := map[string][]string{}
	var alerts, actions []string
	for _, e := range tl.Entries {
		for _, m := range e.Marks {
			marked[e.Tenant+" "+m] = append(marked[e.Tenant+" "+m], e.At.Format(time.RFC3339)+" "+e.Kind)
		}
		switch e.Kind {
		case EntryAlert:
			alerts = append(alerts, e.Outcome+"@"+e.At.Format("15:04"))
		case EntryAction:
			actions = append(actions, e.Summary)
		}
	}
	if got := marked["t03 "+MarkFirstFailure]; len(got) != 1 || got[0] != at(20*time.Hour).Format(time.RFC3339)+" audit" {
		t.Errorf("t03 first failure %v; want the audit failure 20h ago", got)
	}
	if got := marked["t03 "+MarkLastSuccess]; len(got) != 1 || got[0] != at(2*time.Hour).Format(time.RFC3339)+" audit" {
		t.Errorf("t03 last success %v; want the audit success 2h ago", got)
	}
	if got := marked["t01 "+MarkFirstFailure]; len(got) != 1 || !strings.HasSuffix(got[0], " metric") {
		t.Errorf("t01 first failure %v; want the failed-rotation counter's increase", got)
	}
	if want := []string{"pending@00:00", "firing@01:00", "resolved@11:00"}; !slices.Equal(alerts, want) {
		t.Errorf("alert changes %v; want %v", alerts, want)
	}
	if len(actions) != 1 || !strings.Contains(actions[0], `fix-policy on vault policy cmek-rotation by kubernetes alice, because "permission denied": ok — policy written (no update → update)`) {
		t.Errorf("actions %q", actions)
	}
	if !strings.Contains(strings.Join(tl.Unknown, "|"), "1 without a time, not placed") {
		t.Errorf("unknown %q: the undated event must be said", tl.Unknown)
	}

	t.Run("tenant", func(t *testing.T) {
		tl := b.Timeline(s, testNow, TimelineOptions{Tenant: "t03", Journal: journal})
		for _, e := range tl.Entries {
			if e.Tenant != "t03" && !(e.Kind == EntryJobStart || e.Kind == EntryJobEnd) {
				t.Errorf("entry of %q in t03's timeline: %s", e.Tenant, e.Summary)
			}
		}
		if len(tl.Entries) < 5 {
			t.Errorf("%d entries for t03", len(tl.Entries))
		}
	})
	// a key created by hand 49 s after the run ended, and a run whose pod
	// never ran, made before the key: neither is a run the tenant was in
	t.Run("a key created after a run ended is not in that run", func(t *testing.T) {
		s := healthySnapshot(t, func(s *collectors.Snapshot) {
			j := jobOfRole(s, collectors.RoleRotation)
			at := j.Finished.Add(49 * time.Second)
			s.Vault.Tenants = append(s.Vault.Tenants, collectors.Tenant{ID: "a.b.c", Path: s.Config.TenantPath("a.b.c"), CurrentVersion: 1, OldestVersion: 1,
				LiveVersions: 1, CurrentCreated: &at, OldestCreated: &at})
			pending := collectors.Job{Name: "bbh-pending", CronJob: j.CronJob, Role: collectors.RoleRotation, Manual: true, Outcome: collectors.OutcomeRunning,
				Created: at.Add(-10 * time.Second), Started: ptrTime(at.Add(-10 * time.Second)), Pods: []collectors.Pod{{Name: "bbh-pending-x", Phase: "Pending"}}}
			s.Kubernetes.Jobs = append([]collectors.Job{pending}, s.Kubernetes.Jobs...)
		})
		tl := b.Timeline(s, testNow, TimelineOptions{Tenant: "a.b.c"})
		for _, e := range tl.Entries {
			if e.Kind == EntryJobStart || e.Kind == EntryJobEnd {
				t.Errorf("a.b.c's timeline holds %s", e.Summary)
			}
		}
		if len(tl.Entries) == 0 {
			t.Error("a.b.c's timeline is empty: its key's creation is missing")
		}
	})
	t.Run("a tenant named only by a run's own log: that run is in its timeline", func(t *testing.T) {
		s := healthySnapshot(t, func(s *collectors.Snapshot) {
			j := jobOfRole(s, collectors.RoleRotation)
			j.Outcome, j.Reason = collectors.OutcomeFailed, "BackoffLimitExceeded"
			j.Log.Lines = append(j.Log.Lines, "ERROR Failed to rotate key for tenant t99: Error making API request")
			j.Log.Matches = []collectors.LogMatch{{Line: len(j.Log.Lines) - 1, Phrase: "Failed to rotate key for tenant", Tenant: "t99"}}
		})
		name := jobOfRole(s, collectors.RoleRotation).Name
		tl := b.Timeline(s, testNow, TimelineOptions{Tenant: "t99"})
		var kinds []string
		for _, e := range tl.Entries {
			if jobOfEntry(e) == name {
				kinds = append(kinds, e.Kind)
			}
		}
		if !slices.Contains(kinds, EntryJobEnd) || !slices.Contains(kinds, EntryJobStart) {
			t.Errorf("t99's timeline has %v of run %s, want its start and end:\n%+v", kinds, name, tl.Entries)
		}
		for _, e := range tl.Entries {
			if e.Kind == EntryJobEnd && jobOfEntry(e) == name && !slices.Contains(e.Marks, MarkFirstFailure) {
				t.Errorf("the run whose log names t99 failing is not its first failure: %+v", e)
			}
		}
	})
	t.Run("one tenant's counters, summed in the snapshot: its own series, or cannot tell", func(t *testing.T) {
		s := healthySnapshot(t, func(s *collectors.Snapshot) {
			m := metricOf(t, s, "rotationsFailed")
			m.SummedOver = []string{"tenant"}
		})
		own := *metricOf(t, s, "rotationsFailed")
		own.Series = []collectors.Series{own.Series[0]}
		own.Series[0].Labels = map[string]string{"namespace": "ns", "tenant": "t01"}
		h := *own.Series[0].History
		h.Values = append([]*float64(nil), h.Values...)
		for i := 20; i < len(h.Values); i++ {
			h.Values[i] = ptr(3.0) // +3 failed rotations at step 20
		}
		own.Series[0].History = &h
		detail := &collectors.TenantDetail{Tenant: "t01", Metrics: []collectors.Metric{own}}
		with := b.Timeline(s, testNow, TimelineOptions{Tenant: "t01", TenantDetail: detail})
		found := false
		for _, e := range with.Entries {
			found = found || (e.Kind == EntryMetric && e.Tenant == "t01" && e.Outcome == "failure")
		}
		if !found {
			t.Errorf("t01's own failed-rotation increase is not in its timeline: %+v", with.Entries)
		}
		without := b.Timeline(s, testNow, TimelineOptions{Tenant: "t01"})
		if !slices.ContainsFunc(without.Unknown, func(u string) bool { return strings.HasPrefix(u, "failed rotations of tenant t01: ") }) {
			t.Errorf("unknown %q: want the tenant's own series said unread", without.Unknown)
		}
	})
	t.Run("an alert active since the ALERTS history's last step is in the story", func(t *testing.T) {
		s := healthySnapshot(t, func(s *collectors.Snapshot) {
			s.Prometheus.AlertHistory = &collectors.AlertHistory{Start: *at(24 * time.Hour), End: testNow, Step: collectors.Duration(time.Minute), Series: []collectors.Series{}}
			s.Prometheus.Alerts = []collectors.Alert{{Name: "CMEKRotationFailed", State: "firing", ActiveAt: at(20 * time.Second),
				Labels: map[string]string{"alertname": "CMEKRotationFailed", "namespace": "ns", "severity": "critical"}}}
		})
		var got []string
		for _, e := range b.Timeline(s, testNow, TimelineOptions{}).Entries {
			if e.Kind == EntryAlert {
				got = append(got, e.Outcome+" "+e.Summary)
			}
		}
		if len(got) != 1 || !strings.HasPrefix(got[0], "firing CMEKRotationFailed active (firing now") {
			t.Errorf("alert entries %q, want the firing CMEKRotationFailed at its activeAt", got)
		}
		// active for hours, the history's last step without a sample: no
		// "active after the last step" at an older time
		s = healthySnapshot(t, func(s *collectors.Snapshot) {
			h := &collectors.AlertHistory{Start: *at(24 * time.Hour), End: testNow, Step: collectors.Duration(time.Hour)}
			fire := &collectors.History{Start: h.Start, Step: h.Step, Values: make([]*float64, 25)}
			for i := 10; i < 24; i++ {
				fire.Values[i] = ptr(1.0)
			}
			h.Series = []collectors.Series{{Labels: map[string]string{"alertname": "CMEKRotationFailed", "alertstate": "firing", "namespace": "ns", "severity": "critical"}, History: fire}}
			s.Prometheus.AlertHistory = h
			s.Prometheus.Alerts = []collectors.Alert{{Name: "CMEKRotationFailed", State: "firing", ActiveAt: at(15 * time.Hour),
				Labels: map[string]string{"alertname": "CMEKRotationFailed", "namespace": "ns", "severity": "critical"}}}
		})
		got = nil
		for _, e := range b.Timeline(s, testNow, TimelineOptions{}).Entries {
			if e.Kind == EntryAlert {
				got = append(got, e.Outcome+" "+e.Summary)
			}
		}
		if slices.ContainsFunc(got, func(g string) bool { return strings.Contains(g, "after the ALERTS history's last step") }) {
			t.Errorf("alert entries %q: an alert active for hours is not new after the last step", got)
		}
		if n := len(got); n == 0 || strings.Contains(got[n-1], "resolved") || !strings.Contains(got[n-1], "no sample in the ALERTS history from here; firing now") {
			t.Errorf("alert entries %q: the last word on an alert firing now is not 'resolved'", got)
		}
		// firing now, no ALERTS series of it at all: at its activeAt
		s.Prometheus.AlertHistory.Series = nil
		got = nil
		for _, e := range b.Timeline(s, testNow, TimelineOptions{}).Entries {
			if e.Kind == EntryAlert {
				got = append(got, e.Outcome+" "+e.Summary)
			}
		}
		if len(got) != 1 || !strings.Contains(got[0], "firing now; the ALERTS history does not show it") {
			t.Errorf("alert entries %q: want the firing alert at its activeAt", got)
		}
	})
	t.Run("scenario and since", func(t *testing.T) {
		tl := b.Timeline(s, testNow, TimelineOptions{Scenario: "1", Since: 12 * time.Hour, Journal: journal})
		if tl.Scenario != ScenarioRotationJobFailing || len(tl.Entries) == 0 {
			t.Fatalf("scenario %q, %d entries", tl.Scenario, len(tl.Entries))
		}
		for _, e := range tl.Entries {
			if e.At.Before(testNow.Add(-12*time.Hour)) || !slices.Contains(e.Scenarios, ScenarioRotationJobFailing) {
				t.Errorf("entry outside the filter: %s %s %v", e.At, e.Summary, e.Scenarios)
			}
		}
	})
	t.Run("sources down are unknown, not quiet", func(t *testing.T) {
		s := healthySnapshot(t, broken(collectors.SourceKubernetes), broken(collectors.SourcePrometheus))
		tl := b.Timeline(s, testNow, TimelineOptions{JournalNote: "no journal at /x"})
		u := strings.Join(tl.Unknown, "|")
		for _, want := range []string{"Jobs and Events:", "alerts and metrics:", "actions: no journal at /x"} {
			if !strings.Contains(u, want) {
				t.Errorf("unknown %q lacks %q", u, want)
			}
		}
	})
}

// TestTimelineEntry_JobName: the Job of a Job's start and end and of a
// warning Event on a Job, as the timeline writes them; none for an Event on
// another object or an entry of another kind.
func TestTimelineEntry_JobName(t *testing.T) {
	s := healthySnapshot(t, func(s *collectors.Snapshot) {
		s.Kubernetes.Jobs[1].Events = []collectors.Event{{Object: "Job/cmek-rotation-29033400", Type: "Warning", Reason: "BackoffLimitExceeded", Message: "Job has reached: the limit", Count: 1, Last: *before(9 * time.Hour)}}
		s.Kubernetes.Events = []collectors.Event{{Object: "Deployment/oss-ai-orchestrator", Type: "Warning", Reason: "Unhealthy", Message: "probe failed", Count: 1, Last: *before(time.Hour)}}
	})
	tl := MustDefault().Timeline(s, testNow, TimelineOptions{})
	got := map[string]int{}
	for _, e := range tl.Entries {
		name := e.JobName()
		switch {
		case e.Kind == EntryJobStart || e.Kind == EntryJobEnd:
			if !strings.HasPrefix(e.Summary, name+" ") || name == "" {
				t.Errorf("%s %q: JobName %q", e.Kind, e.Summary, name)
			}
		case e.Kind == EntryEvent && strings.Contains(e.Summary, "Job/"):
			if name != "cmek-rotation-29033400" {
				t.Errorf("event %q: JobName %q, want cmek-rotation-29033400", e.Summary, name)
			}
		case name != "":
			t.Errorf("%s %q: JobName %q, want none", e.Kind, e.Summary, name)
		}
		got[e.Kind+" "+name]++
	}
	for _, want := range []string{"job-end cmek-rotation-29033400", "job-start secret-cleanup-29033460", "event cmek-rotation-29033400", "event "} {
		if got[want] == 0 {
			t.Errorf("no %q entry in %v", want, got)
		}
	}
}

// TestJournalAction_OneLine: an action whose before and after are a
// policy's lines is one timeline entry line and one postmortem table row.
func TestJournalAction_OneLine(t *testing.T) {
	s, err := demo.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	at := s.CollectedAt.Add(-time.Minute)
	a := JournalAction{ID: "1", Time: at, Action: "fix-policy", Target: "vault policy cmek-rotation", Who: "me", Reason: "INC-1\nsecond line",
		Outcome: "ok", Result: "policy cmek-rotation written",
		Before: "path \"secret/data/tenants/+/cmek\" {\n  capabilities = [\"read\"]\n}\n",
		After:  "path \"secret/data/tenants/+/cmek\" {\n  capabilities = [\"create\", \"read\"]\n}\n"}
	if l := a.Line(); strings.Contains(l, "\n") || !strings.Contains(l, `capabilities = ["read"]; }`) {
		t.Errorf("Line: %q", l)
	}
	b := MustDefault()
	var md strings.Builder
	if err := b.Postmortem(nil, s, s.CollectedAt, TimelineOptions{Journal: []JournalAction{a}}).WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	rows := 0
	for _, l := range strings.Split(md.String(), "\n") {
		if strings.Contains(l, "fix-policy on") && strings.HasPrefix(l, "| ") { // the actions table
			rows++
			if !strings.HasSuffix(l, " |") || !strings.Contains(l, `capabilities = ["read"]<br>}`) {
				t.Errorf("the action's row: %q", l)
			}
		}
	}
	if rows == 0 {
		t.Errorf("no row names the action:\n%s", md.String())
	}
}

// TestBook_Timeline_PrometheusGaps: where Prometheus held no data at all
// (count(up) absent), an alert's absent series is no resolution: the gap
// is said once, and a change across it is placed "by then at the latest".
func TestBook_Timeline_PrometheusGaps(t *testing.T) {
	b := mustDefault(t)
	const steps = 25 // hourly, the last 24h
	series := func(vals map[int]bool) *collectors.History {
		h := &collectors.History{Start: *before(24 * time.Hour), Step: collectors.Duration(time.Hour), Values: make([]*float64, steps)}
		for i := range steps {
			if vals[i] {
				h.Values[i] = ptr(1.0)
			}
		}
		return h
	}
	span := func(from, to int) map[int]bool {
		m := map[int]bool{}
		for i := from; i < to; i++ {
			m[i] = true
		}
		return m
	}
	union := func(ms ...map[int]bool) map[int]bool {
		out := map[int]bool{}
		for _, m := range ms {
			for i := range m {
				out[i] = true
			}
		}
		return out
	}
	except := func(m map[int]bool) map[int]bool { // every step but m's
		out := span(0, steps)
		for i := range m {
			delete(out, i)
		}
		return out
	}
	for name, tc := range map[string]struct {
		firing   map[int]bool
		covered  map[int]bool // nil: coverage not read
		covErr   string
		want     []string // outcome@hour-index of the alert entries, in order
		contains []string // in the summaries, joined
		unknown  string   // in tl.Unknown
	}{
		"firing, then a gap, then inactive: resolved by the gap's end at the latest": {
			firing: span(10, 14), covered: except(span(14, 18)),
			want:     []string{"firing@10", "unknown@14", "resolved@18"},
			contains: []string{"Prometheus scraped no target from", "(4h00m without an up sample: down, or restarting)", "CMEKRotationFailed resolved (at some time from", "by 2025-03-12 06:00 UTC at the latest)"},
		},
		"the same gap without coverage read: resolved where the series stops, and said": {
			firing: span(10, 14), covErr: "read when Prometheus held data: timeout",
			want:    []string{"firing@10", "resolved@14"},
			unknown: "a gap in an alert's ALERTS history reads as resolved, though Prometheus may have held no data then: read when Prometheus held data: timeout",
		},
		"firing on both sides of a gap: no change told": {
			firing: except(union(span(0, 10), span(14, 18), span(20, steps))), covered: except(span(14, 18)),
			want: []string{"firing@10", "unknown@14", "resolved@20"},
		},
		"inactive, a gap, then firing: firing by the gap's end at the latest": {
			firing: span(18, 20), covered: except(span(14, 18)),
			want:     []string{"unknown@14", "firing@18", "resolved@20"},
			contains: []string{"CMEKRotationFailed firing (at some time from 2025-03-12 02:00 UTC, while Prometheus scraped nothing; by 2025-03-12 06:00 UTC at the latest)"},
		},
		"no data before Prometheus started, firing when it did": {
			firing: span(6, 9), covered: span(6, steps),
			want:     []string{"unknown@0", "firing@6", "resolved@9"},
			contains: []string{"Prometheus scraped no target before 2025-03-11 18:00 UTC", "(already when Prometheus's scrapes begin, 2025-03-11 18:00 UTC)"},
		},
		"covered throughout: as before": {
			firing: span(10, 14), covered: span(0, steps),
			want: []string{"firing@10", "resolved@14"},
		},
	} {
		t.Run(name, func(t *testing.T) {
			s := healthySnapshot(t, func(s *collectors.Snapshot) {
				h := &collectors.AlertHistory{Start: *before(24 * time.Hour), End: testNow, Step: collectors.Duration(time.Hour), CoverageError: tc.covErr}
				h.Series = []collectors.Series{{Labels: map[string]string{"alertname": "CMEKRotationFailed", "alertstate": "firing", "namespace": "ns"}, History: series(tc.firing)}}
				if tc.covered != nil {
					h.Coverage = series(tc.covered)
				}
				s.Prometheus.AlertHistory = h
				s.Prometheus.Alerts = nil
			})
			tl := b.Timeline(s, testNow, TimelineOptions{})
			var got, sums []string
			for _, e := range tl.Entries {
				if e.Kind == EntryAlert {
					got = append(got, fmt.Sprintf("%s@%d", e.Outcome, int(e.At.Sub(*before(24 * time.Hour))/time.Hour)))
					sums = append(sums, e.Summary)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("alert entries %v, want %v:\n%s", got, tc.want, strings.Join(sums, "\n"))
			}
			for _, c := range tc.contains {
				if !strings.Contains(strings.Join(sums, "\n"), c) {
					t.Errorf("no %q in:\n%s", c, strings.Join(sums, "\n"))
				}
			}
			if u := strings.Join(tl.Unknown, "|"); (tc.unknown == "") == strings.Contains(u, "reads as resolved") || !strings.Contains(u, tc.unknown) {
				t.Errorf("unknown %q, want %q", u, tc.unknown)
			}
		})
	}
}

func ptrTime(t time.Time) *time.Time { return &t }
