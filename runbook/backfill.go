package runbook

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
)

// CounterSeries is one counter series as samples (raw, or the steps of a
// snapshot's history), oldest first.
type CounterSeries struct {
	Labels map[string]string `json:"labels"`
	Times  []time.Time       `json:"times"`
	Values []float64         `json:"values"`
}

// BackfillInput is what the audit records are rebuilt from (runbook
// Scenario 6 step 5).
type BackfillInput struct {
	From, To time.Time
	// RotationsMetric and FailuresMetric name the counters
	// (cmek_rotation_total, cmek_rotations_failed_total); Rotations and
	// Failures are their series, RotationsError and FailuresError why they
	// could not be read.
	RotationsMetric, FailuresMetric string
	Rotations, Failures             []CounterSeries
	RotationsError, FailuresError   string
	// Resolution says what the samples are ("raw samples", "the
	// snapshot's 5m steps").
	Resolution string
	// Tenants are Vault's key metadata for the cross-check; TenantsError
	// says why they were not read.
	Tenants      []collectors.Tenant
	TenantsError string
}

// AuditRecord is a rotation audit event rebuilt from the metrics, in the
// audit log's format (type, action, outcome, tenant, timestamp), always
// marked reconstructed with its evidence, so it is never taken for a real
// event.
type AuditRecord struct {
	Type      string    `json:"type"`
	Action    string    `json:"action"`
	Outcome   string    `json:"outcome"`
	Tenant    string    `json:"tenant,omitempty"`
	Timestamp time.Time `json:"timestamp"`
	// Count is how many rotations the increase counts (more than one when
	// several happened between two samples).
	Count         int              `json:"count"`
	Reconstructed bool             `json:"reconstructed"`
	Evidence      BackfillEvidence `json:"evidence"`
}

// BackfillEvidence is what a rebuilt record rests on.
type BackfillEvidence struct {
	Metric string `json:"metric"`
	Series string `json:"series"`
	// NotBefore and NotAfter bound when it happened: the sample before the
	// increase and the first sample that shows it.
	NotBefore time.Time `json:"notBefore"`
	NotAfter  time.Time `json:"notAfter"`
	From      float64   `json:"from"`
	To        float64   `json:"to"`
	// TimeFrom says where Timestamp comes from: "vault created_time" (the
	// tenant's key version dated within the bounds) or "first sample
	// after the increase".
	TimeFrom string `json:"timeFrom"`
	// Vault is the cross-check with the tenant's key versions, and
	// VaultCreated the version time it matched.
	Vault        string     `json:"vault"`
	VaultCreated *time.Time `json:"vaultCreated,omitempty"`
	Resolution   string     `json:"resolution"`
	// Caveats say what the metrics cannot tell about this record (a
	// counter reset, a scrape gap, no tenant label).
	Caveats []string `json:"caveats,omitempty"`
}

// Backfill note kinds: where the metrics cannot tell.
const (
	NoteNoTenantLabel = "no-tenant-label"
	NoteCounterReset  = "counter-reset"
	NoteScrapeGap     = "scrape-gap"
	NoteNotRead       = "not-read"
	NoteBeforeFirst   = "before-first-sample"
)

// BackfillNote is a place where the metrics cannot tell.
type BackfillNote struct {
	Kind   string     `json:"kind"`
	Series string     `json:"series,omitempty"`
	At     *time.Time `json:"at,omitempty"`
	Detail string     `json:"detail"`
}

// Backfill is the rebuilt audit history.
type Backfill struct {
	From       time.Time      `json:"from"`
	To         time.Time      `json:"to"`
	Resolution string         `json:"resolution"`
	Records    []AuditRecord  `json:"records"`
	Notes      []BackfillNote `json:"notes"`
}

// scrapeInterval is the median spacing of a series' samples (0 with fewer
// than two).
func scrapeInterval(ts []time.Time) time.Duration {
	if len(ts) < 2 {
		return 0
	}
	d := make([]time.Duration, 0, len(ts)-1)
	for i := 1; i < len(ts); i++ {
		d = append(d, ts[i].Sub(ts[i-1]))
	}
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return d[len(d)/2]
}

// RebuildAudit rebuilds per-tenant rotation records from the increases of
// the rotation and failure counters between consecutive samples,
// cross-checked against Vault's key version times. A record's Timestamp is
// the Vault version time when one tenant version is dated within the
// increase's bounds, else the first sample that shows the increase (so
// within one scrape interval of the truth). Counter resets, scrape gaps
// (more than twice the series' interval between samples), series without
// a tenant label and counters that could not be read are notes, never
// silently dropped. It is pure.
func RebuildAudit(in BackfillInput) Backfill {
	bf := Backfill{From: in.From.UTC(), To: in.To.UTC(), Resolution: in.Resolution, Records: []AuditRecord{}, Notes: []BackfillNote{}}
	created := map[string]*collectors.Tenant{}
	for i := range in.Tenants {
		created[in.Tenants[i].ID] = &in.Tenants[i]
	}
	for _, c := range []struct {
		metric, action, outcome, err string
		series                       []CounterSeries
	}{
		{in.RotationsMetric, "cmek.rotation.completed", "success", in.RotationsError, in.Rotations},
		{in.FailuresMetric, "cmek.rotation.failed", "failure", in.FailuresError, in.Failures},
	} {
		if c.err != "" {
			bf.Notes = append(bf.Notes, BackfillNote{Kind: NoteNotRead, Series: c.metric, Detail: c.metric + " could not be read: " + c.err + "; no " + c.outcome + " record can be rebuilt"})
			continue
		}
		late := map[time.Time][]string{} // first sample after the window's start → series
		if len(c.series) == 0 {
			bf.Notes = append(bf.Notes, BackfillNote{Kind: NoteNotRead, Series: c.metric, Detail: "no series of " + c.metric + " in the window: no " + c.outcome + " record can be rebuilt (never counted, or not scraped)"})
		}
		for _, se := range c.series {
			sel := c.metric + selector(se.Labels)
			tenant := collectors.TenantOf(se.Labels)
			var base []string
			if tenant == "" {
				base = append(base, "no tenant label: which tenant cannot be told")
				bf.Notes = append(bf.Notes, BackfillNote{Kind: NoteNoTenantLabel, Series: sel, Detail: sel + " has no tenant label: its increases are rebuilt without a tenant"})
			}
			if len(se.Times) > 0 && se.Times[0].After(in.From) {
				late[se.Times[0].UTC()] = append(late[se.Times[0].UTC()], sel)
			}
			iv := scrapeInterval(se.Times)
			for i := 1; i < len(se.Values); i++ {
				t0, t1, v0, v1 := se.Times[i-1].UTC(), se.Times[i].UTC(), se.Values[i-1], se.Values[i]
				caveats := append([]string(nil), base...)
				gap := iv > 0 && t1.Sub(t0) > 2*iv
				if gap {
					caveats = append(caveats, fmt.Sprintf("scrape gap: no sample for %s (interval %s), the time is known only within it", roundDur(t1.Sub(t0)), iv))
					bf.Notes = append(bf.Notes, BackfillNote{Kind: NoteScrapeGap, Series: sel, At: &t1,
						Detail: fmt.Sprintf("%s: no sample between %s and %s (%s, the interval is %s)", sel, fmtSec(t0), fmtSec(t1), roundDur(t1.Sub(t0)), iv)})
				}
				inc := v1 - v0
				if v1 < v0 {
					inc = v1 // counted since the reset; what was counted before it in the interval is lost
					caveats = append(caveats, fmt.Sprintf("counter reset (%s → %s): at least %s counted after the restart, any before it lost", fmtNum(v0), fmtNum(v1), fmtNum(v1)))
					bf.Notes = append(bf.Notes, BackfillNote{Kind: NoteCounterReset, Series: sel, At: &t1,
						Detail: fmt.Sprintf("%s reset between %s and %s (%s → %s): rotations counted before the restart in that interval cannot be told", sel, fmtSec(t0), fmtSec(t1), fmtNum(v0), fmtNum(v1))})
				}
				n := int(inc + 0.5)
				if n <= 0 {
					continue
				}
				r := AuditRecord{Type: "audit", Action: c.action, Outcome: c.outcome, Tenant: tenant, Timestamp: t1, Count: n, Reconstructed: true,
					Evidence: BackfillEvidence{Metric: c.metric, Series: sel, NotBefore: t0, NotAfter: t1, From: v0, To: v1, TimeFrom: "first sample after the increase", Resolution: in.Resolution, Caveats: caveats}}
				r.Evidence.Vault = vaultCheck(&r, created[tenant], in.TenantsError)
				bf.Records = append(bf.Records, r)
			}
		}
		for _, at := range sortedTimes(late) {
			at, ss := at, late[at]
			what := ss[0]
			if len(ss) > 1 {
				what = fmt.Sprintf("%d series of %s (%s, …)", len(ss), c.metric, ss[0])
			}
			bf.Notes = append(bf.Notes, BackfillNote{Kind: NoteBeforeFirst, Series: ss[0], At: &at,
				Detail: fmt.Sprintf("%s: the first sample in the window is at %s: what happened between %s and then cannot be told", what, fmtSec(at), fmtSec(in.From))})
		}
	}
	sort.SliceStable(bf.Records, func(i, j int) bool {
		a, b := bf.Records[i], bf.Records[j]
		if !a.Timestamp.Equal(b.Timestamp) {
			return a.Timestamp.Before(b.Timestamp)
		}
		if a.Tenant != b.Tenant {
			return a.Tenant < b.Tenant
		}
		return a.Action < b.Action
	})
	return bf
}

// vaultCheck cross-checks a rebuilt record with the tenant's key versions
// (the current and the oldest kept carry their created_time in the
// snapshot) and, when one success is confirmed, takes Vault's time.
func vaultCheck(r *AuditRecord, tn *collectors.Tenant, why string) string {
	switch {
	case why != "":
		return "not checked: Vault's key versions were not read (" + why + ")"
	case r.Tenant == "":
		return "not checked: no tenant"
	case tn == nil:
		return "not checked: no key for tenant " + r.Tenant + " in Vault"
	case tn.Error != "":
		return "not checked: " + tn.Error
	}
	e := &r.Evidence
	within := func(t *time.Time) bool { return t != nil && t.After(e.NotBefore) && !t.After(e.NotAfter) }
	for _, v := range []struct {
		n  int
		at *time.Time
	}{{tn.CurrentVersion, tn.CurrentCreated}, {tn.OldestLive(), tn.OldestCreated}} {
		if within(v.at) {
			at := v.at.UTC()
			e.VaultCreated = &at
			if r.Outcome == "success" && r.Count == 1 {
				r.Timestamp, e.TimeFrom = at, "vault created_time"
			}
			if r.Outcome == "failure" {
				return fmt.Sprintf("contradicts: version %d was created at %s, within a failure's bounds", v.n, fmtSec(at))
			}
			return fmt.Sprintf("confirmed: version %d created at %s", v.n, fmtSec(at))
		}
	}
	if r.Outcome == "failure" {
		return "consistent: no key version dated within the bounds"
	}
	cur := "unknown"
	if tn.CurrentCreated != nil {
		cur = fmtSec(*tn.CurrentCreated)
	}
	return fmt.Sprintf("not confirmed: Vault keeps the times of the current (version %d, %s) and oldest versions only, neither within the bounds", tn.CurrentVersion, cur)
}

func sortedTimes[V any](m map[time.Time]V) []time.Time {
	out := make([]time.Time, 0, len(m))
	for t := range m {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Before(out[j]) })
	return out
}

func fmtSec(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 MST") }

// SeriesFromHistory turns a snapshot metric's history into counter series
// (the snapshot's steps, not raw samples).
func SeriesFromHistory(m *collectors.Metric) []CounterSeries {
	var out []CounterSeries
	for _, se := range m.Series {
		times, vals := se.History.Points()
		if len(times) == 0 {
			continue
		}
		out = append(out, CounterSeries{Labels: se.Labels, Times: times, Values: vals})
	}
	return out
}

// WriteJSONL writes the records, one JSON object a line, and nothing else:
// the notes are the caller's to show apart.
func (bf Backfill) WriteJSONL(w io.Writer) error {
	enc := json.NewEncoder(w)
	for _, r := range bf.Records {
		if err := enc.Encode(r); err != nil {
			return err
		}
	}
	return nil
}

// WriteJSON writes records and notes as one indented document.
func (bf Backfill) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(bf)
}

// WriteText writes the records and the notes for a terminal.
func (bf Backfill) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Audit records rebuilt from metrics (reconstructed, not real audit events): %s to %s, %s\n", fmtTime(bf.From), fmtTime(bf.To), bf.Resolution)
	fmt.Fprintf(&b, "%d records\n\n", len(bf.Records))
	for _, r := range bf.Records {
		tn := r.Tenant
		if tn == "" {
			tn = "(tenant?)"
		}
		fmt.Fprintf(&b, "%s  %-10s %-24s %-7s ×%d  between %s and %s; time from %s; vault %s\n", fmtSec(r.Timestamp), tn, r.Action, r.Outcome, r.Count,
			r.Evidence.NotBefore.Format("15:04:05"), r.Evidence.NotAfter.Format("15:04:05"), r.Evidence.TimeFrom, r.Evidence.Vault)
		for _, c := range r.Evidence.Caveats {
			fmt.Fprintf(&b, "    ! %s\n", c)
		}
	}
	if len(bf.Notes) > 0 {
		b.WriteString("\nWHERE THE METRICS CANNOT TELL\n")
		for _, n := range bf.Notes {
			fmt.Fprintf(&b, "  %-19s %s\n", n.Kind, n.Detail)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
