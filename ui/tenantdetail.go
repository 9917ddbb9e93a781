package ui

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors/auditlog"
	"github.com/oss-ai-agent-tool/kubectl-rotation/runbook"
)

// tenantDetail is one tenant, opened with enter from the tenants or the
// audit log: its key versions with their times, its compliance findings,
// its audit events and the Job log lines that name it — from the snapshot
// already read — and its own metric series, read when it opens.
type tenantDetail struct {
	id string
	// back names the view esc returns to ("the tenants"), as the header
	// says it
	back   string
	keys   tenantDetailKeys
	offset int
	// what the snapshot says of the tenant, gathered in Update
	t        *collectors.Tenant // nil: not in Vault's list (or Vault unread)
	findings []runbook.ComplianceFinding
	audit    *auditlog.TenantSummary
	events   []auditlog.Event // newest first
	logLines []tenantLogLine
	// metrics is the tenant's own counter series, read on demand in a Cmd
	// (TenantDetailLoader) when the view opens and after each load that
	// read Prometheus; nil until the first answer. metricsRead numbers the
	// last read started, metricsAnswered the one shown: one read at a
	// time, and a load that ends while one runs (metricsAgain) reads again
	// when it answers.
	metrics         *collectors.TenantDetail
	metricsRead     int64
	metricsAnswered int64
	metricsAgain    bool
	// metricsFor is the Prometheus data shown when the last read started:
	// a judgement without a new Prometheus part (another source's part,
	// a resize) reads nothing again
	metricsFor *collectors.PrometheusData
}

// tenantMetricsMsg answers a read of a tenant's own series.
type tenantMetricsMsg struct {
	tenant string
	read   int64
	detail collectors.TenantDetail
	ok     bool
}

// answersView implements viewAnswer.
func (tenantMetricsMsg) answersView() {}

// tenantMetricsReads numbers the reads of every tenant detail, so that an
// answer is taken only by the view that asked for it.
var tenantMetricsReads atomic.Int64

// readMetrics starts a read of the tenant's own series (nil: the loader
// cannot read them, or a read is running: it reads again when that one
// answers).
func (v *tenantDetail) readMetrics(c *viewCtx) tea.Cmd {
	d := c.details
	if d == nil {
		return nil
	}
	if v.metricsRead != v.metricsAnswered {
		v.metricsAgain = true
		return nil
	}
	v.metricsAgain = false
	v.metricsFor = c.snap.Prometheus
	v.metricsRead = tenantMetricsReads.Add(1)
	id, read, ctx := v.id, v.metricsRead, c.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	return func() tea.Msg {
		detail, ok := d.TenantDetail(ctx, id)
		return tenantMetricsMsg{tenant: id, read: read, detail: detail, ok: ok}
	}
}

// opened implements opener: the read of the tenant's own series starts.
func (v tenantDetail) opened(c *viewCtx) (view, tea.Cmd) {
	cmd := v.readMetrics(c)
	return v, cmd
}

type tenantLogLine struct {
	job, text string
}

// tenantDetailKeys scroll the detail.
type tenantDetailKeys struct {
	listKeys
	// Scroll is the footer's entry for them, enabled while the detail is
	// taller than the screen.
	Scroll key.Binding
}

// ShortHelp implements help.KeyMap.
func (k tenantDetailKeys) ShortHelp() []key.Binding { return []key.Binding{k.Scroll} }

// FullHelp implements help.KeyMap.
func (k tenantDetailKeys) FullHelp() [][]key.Binding { return [][]key.Binding{k.help()} }

// tenantDetailEvents is how many of the tenant's latest audit events are
// listed.
const tenantDetailEvents = 10

// newTenantDetail opens tenant id's detail over the view back names.
func newTenantDetail(c *viewCtx, id, back string) tenantDetail {
	v := tenantDetail{id: id, back: back, keys: tenantDetailKeys{listKeys: defaultListKeys(), Scroll: scrollHelp("↓/pgdn")}}
	v.gather(c.state)
	v.keys.Scroll.SetEnabled(len(v.lines(c.state, c.w)) > c.h)
	return v
}

// gather reads what the snapshot holds of the tenant.
func (v *tenantDetail) gather(st *state) {
	v.t, v.findings, v.audit, v.events, v.logLines = nil, nil, nil, nil, nil
	if st.snap.Vault != nil {
		for i := range st.snap.Vault.Tenants {
			if st.snap.Vault.Tenants[i].ID == v.id {
				t := st.snap.Vault.Tenants[i]
				v.t = &t
				break
			}
		}
	}
	for _, f := range st.assess.Compliance.Findings {
		if f.Tenant == v.id {
			v.findings = append(v.findings, f)
		}
	}
	if lg := st.snap.Logs; lg != nil {
		if a, ok := lg.Audit.Tenants[v.id]; ok {
			v.audit = &a
		}
		evs := lg.Audit.RecentEvents
		for i := len(evs) - 1; i >= 0 && len(v.events) < tenantDetailEvents; i-- {
			if evs[i].Tenant == v.id {
				v.events = append(v.events, evs[i])
			}
		}
	}
	if k := st.snap.Kubernetes; k != nil {
		for _, j := range k.Jobs {
			if j.Log == nil {
				continue
			}
			for _, m := range j.Log.Matches {
				if t := j.Log.MatchText(m); m.Tenant == v.id && t != "" {
					v.logLines = append(v.logLines, tenantLogLine{job: j.Name, text: t})
				}
			}
		}
	}
}

// KeyMap implements view.
func (v tenantDetail) KeyMap() help.KeyMap { return v.keys }

// Typing implements view.
func (v tenantDetail) Typing() bool { return false }

// Update scrolls, gathers the tenant again after every load, and reads its
// series again after a load that read Prometheus again; the footer names
// the scroll keys while the detail is taller than the screen.
func (v tenantDetail) Update(msg tea.Msg, c *viewCtx) (view, tea.Cmd) {
	next, cmd := v.update(msg, c)
	if td, ok := next.(tenantDetail); ok {
		td.keys.Scroll.SetEnabled(len(td.lines(c.state, c.w)) > c.h)
		next = td
	}
	return next, cmd
}

func (v tenantDetail) update(msg tea.Msg, c *viewCtx) (view, tea.Cmd) {
	switch msg := msg.(type) {
	case dataMsg:
		v.gather(c.state)
		if c.snap.Prometheus == v.metricsFor {
			return v, nil // Prometheus not read again since
		}
		cmd := v.readMetrics(c) // what was shown stays until it answers
		return v, cmd
	case tenantMetricsMsg:
		if msg.tenant != v.id || msg.read != v.metricsRead {
			return v, nil // another view's read
		}
		v.metricsAnswered = msg.read
		d := msg.detail
		if !msg.ok {
			d = collectors.TenantDetail{Tenant: v.id, Error: "no source here reads a tenant's own series"}
		}
		v.metrics = &d
		if v.metricsAgain {
			cmd := v.readMetrics(c)
			return v, cmd
		}
	case tea.KeyMsg:
		n := len(v.lines(c.state, c.w))
		if d, ok := v.keys.step(msg, c.h-1, n); ok {
			v.offset = max(0, min(v.offset+d, n-c.h))
		}
	}
	return v, nil
}

// View implements view.
func (v tenantDetail) View(c *viewCtx, w, h int) string {
	lines := v.lines(c.state, w)
	from := max(0, min(v.offset, len(lines)-h))
	out := lines[from:min(len(lines), from+h)]
	if end := from + len(out); end < len(lines) && len(out) > 0 {
		out[len(out)-1] = c.styles.Muted.Render(fmt.Sprintf("… %d more lines (↓ or pgdn)", len(lines)-end+1))
	}
	return strings.Join(out, "\n")
}

func (v tenantDetail) lines(st *state, w int) []string {
	s := st.styles
	var out []string
	add := func(l string) { out = append(out, truncate(l, w)) }
	wrapped := func(n int, text string) {
		for _, l := range strings.Split(wrapWords(text, max(20, w-n)), "\n") {
			out = append(out, strings.Repeat(" ", n)+l)
		}
	}
	at := func(t *time.Time) string {
		if t == nil {
			return s.Unknown.Render("unknown")
		}
		if t.After(st.judgedAt) { // a deletion time to come (delete_version_after)
			return t.UTC().Format("2006-01-02 15:04Z") + s.Muted.Render(" (in "+shortDur(t.Sub(st.judgedAt))+")")
		}
		return t.UTC().Format("2006-01-02 15:04Z") + s.Muted.Render(" ("+shortDur(st.judgedAt.Sub(*t))+" ago)")
	}
	head := s.Title.Render("Tenant " + v.id)
	if v.t != nil && v.t.Path != "" {
		head += s.Muted.Render(" · " + v.t.Path)
	}
	// where esc goes, whole: on a line of its own when it does not fit
	back := "esc: back to " + v.back
	if lipgloss.Width(head)+2+lipgloss.Width(back) <= w {
		add(head + s.Muted.Render("  "+back))
	} else {
		add(head)
		add(s.Muted.Render(back))
	}
	add("")
	add(s.Section.Render("Key versions"))
	switch {
	case st.snap.Vault == nil:
		add("  " + s.Unknown.Render("unknown: ") + "Vault was not read")
	case v.t == nil && unreadPart(st.snap, collectors.SourceVault, "tenants", "token") != "":
		wrapped(2, s.Unknown.Render("unknown: ")+"Vault's tenants were not read: "+unreadPart(st.snap, collectors.SourceVault, "tenants", "token"))
	case v.t == nil:
		add("  " + s.Critical.Render("no key in Vault") + " — the audit log or the metrics name this tenant")
	case v.t.Missing:
		add("  " + s.Critical.Render("no key in Vault") + " (its metadata answered 404)")
	case v.t.Error != "":
		add("  " + s.Unknown.Render("unreadable: ") + v.t.Error)
	default:
		t := v.t
		add(fmt.Sprintf("  current  v%-4d created %s", t.CurrentVersion, at(t.CurrentCreated)))
		switch n := t.OldestLive(); {
		case t.LiveVersions == 0:
			add("  oldest   none live")
		case n == 0:
			add(fmt.Sprintf("  oldest   v?    created %s", at(t.OldestCreated)))
		default:
			add(fmt.Sprintf("  oldest   v%-4d created %s", n, at(t.OldestCreated)))
		}
		maxV := "unset"
		if t.MaxVersions > 0 {
			maxV = fmt.Sprint(t.MaxVersions)
		}
		keep := st.snap.Config.Vault.RetentionVersions
		live := fmt.Sprint(t.LiveVersions)
		if t.LiveVersions > keep {
			live = s.Warning.Render(live)
		}
		add(fmt.Sprintf("  live %s · deleted %d · destroyed %d · max_versions %s · retention %d", live, t.DeletedVersions, t.DestroyedVersions, maxV, keep))
		if t.DeleteVersionAfter != nil { // the key's Vault settings were recorded
			dva := "unset"
			if d := t.DeleteVersionAfter.Duration(); d > 0 {
				dva = s.Warning.Render(shortDur(d))
			}
			mount := s.Unknown.Render("unknown") + s.Muted.Render(" ("+orDash(t.MountConfigError)+")")
			if t.MountMaxVersions != nil && t.MountDeleteVersionAfter != nil {
				mv, md := "unset", "unset"
				if *t.MountMaxVersions > 0 {
					mv = fmt.Sprint(*t.MountMaxVersions)
				}
				if d := t.MountDeleteVersionAfter.Duration(); d > 0 {
					md = shortDur(d)
				}
				mount = fmt.Sprintf("max_versions %s, delete_version_after %s", mv, md)
			}
			wrapped(2, fmt.Sprintf("delete_version_after %s · the mount's settings: %s", dva, mount))
		}
		if len(t.Deleted) > 0 {
			add("  soft-deleted versions: " + joinInts(t.Deleted) + s.Muted.Render(" (vault kv undelete restores them)"))
		}
		if len(t.Destroyed) > 0 {
			add("  destroyed versions: " + joinInts(t.Destroyed))
		}
		if t.CurrentDestroyed {
			add("  " + s.Critical.Render("the current version is destroyed"))
		}
		if t.CurrentDeletionTime != nil {
			add("  current version's deletion time: " + at(t.CurrentDeletionTime))
		}
	}
	add("")
	add(s.Section.Render("Compliance"))
	switch {
	case len(v.findings) == 0 && v.t != nil && v.t.Error != "":
		add("  " + s.Unknown.Render("unknown: ") + "its key versions were not read")
	case len(v.findings) == 0 && len(st.assess.Compliance.Unknown) > 0:
		wrapped(2, s.Unknown.Render("no finding among what could be judged; cannot tell: ")+strings.Join(st.assess.Compliance.Unknown, "; "))
	case len(v.findings) == 0:
		add("  " + s.OK.Render("no finding"))
	}
	for _, f := range v.findings {
		wrapped(2, s.ForSeverity(f.Severity).Render(f.Kind)+" "+f.Detail)
	}
	add("")
	add(s.Section.Render("Metrics") + s.Muted.Render(" (the tenant's own series, 24 h)"))
	v.metricLines(st, add, wrapped)
	add("")
	add(s.Section.Render("Audit events"))
	if cv := auditCaveat(st); cv != "" && st.snap.Logs != nil {
		wrapped(2, s.Unknown.Render("cannot tell all: ")+cv)
	}
	switch {
	case st.snap.Logs == nil:
		add("  " + s.Unknown.Render("unknown: ") + "the audit log was not read")
	case v.audit == nil:
		add("  " + s.Muted.Render("no audit event read names this tenant"))
	default:
		a := v.audit
		ls, lf := "never", "never"
		if cv := auditCaveat(st); cv != "" {
			ls, lf = "none read", "none read" // the log cannot show all: "never" would be a claim
		}
		if a.LastSuccess != nil {
			ls = at(a.LastSuccess)
		}
		if a.LastFailure != nil {
			lf = s.Critical.Render(a.LastFailure.UTC().Format("2006-01-02 15:04Z")) + s.Muted.Render(" ("+shortDur(st.judgedAt.Sub(*a.LastFailure))+" ago)")
		}
		add(fmt.Sprintf("  %s, %s", plural(a.Successes, "success", "successes"), plural(a.Failures, "failure", "failures")))
		add("  last success " + ls)
		add("  last failure " + lf)
		if a.LastFailureReason != "" {
			wrapped(4, s.Muted.Render("reason: "+a.LastFailureReason))
		}
		if len(v.events) > 0 {
			add(s.Muted.Render(fmt.Sprintf("  latest %d, newest first:", len(v.events))))
		}
		for _, e := range v.events {
			when := "undated"
			if e.Time != nil {
				when = e.Time.UTC().Format("01-02 15:04:05")
			}
			out := fmt.Sprintf("%-8s", e.Outcome)
			if e.Outcome != "success" {
				out = s.Critical.Render(out)
			}
			line := fmt.Sprintf("  %-14s %-30s %s", when, e.Action, out)
			if e.Reason != "" {
				line += " " + s.Muted.Render(e.Reason)
			}
			add(line)
		}
	}
	add("")
	add(s.Section.Render("Failures in Job logs"))
	switch {
	case st.snap.Kubernetes == nil:
		add("  " + s.Unknown.Render("unknown: ") + "Kubernetes was not read")
	case len(v.logLines) == 0:
		add("  " + s.Muted.Render("no line of the Job logs read names this tenant"))
	}
	for _, l := range v.logLines {
		add("  " + s.Muted.Render(l.job+":"))
		wrapped(4, highlightPhrases(l.text, s.Highlight.Render))
	}
	return out
}

// metricLines says, through lines's add and wrapped, what the tenant's own
// counter series show: each counter's growth over 24 h and when it last
// moved, or why it is unknown.
func (v tenantDetail) metricLines(st *state, add func(string), wrapped func(indent int, text string)) {
	s := st.styles
	switch {
	case st.details == nil:
		add("  " + s.Unknown.Render("unknown: ") + "nothing to read them from")
		return
	case v.metrics == nil:
		add("  " + s.Muted.Render(st.spin+" reading…"))
		return
	case v.metrics.Error != "":
		wrapped(2, s.Unknown.Render("unknown: ")+v.metrics.Error)
		return
	}
	ref := v.metrics.At
	for _, m := range v.metrics.Metrics {
		switch {
		case m.Error != "":
			wrapped(2, m.Name+" "+s.Unknown.Render("unknown: ")+m.Error)
			continue
		case len(m.Series) == 0:
			add("  " + m.Name + " " + s.Muted.Render("no series names this tenant"))
			continue
		}
		grew, last := runbook.CounterGrowth(&m)
		n := fmt.Sprintf("+%g", grew)
		if grew > 0 && m.Role == "rotationsFailed" {
			n = s.Critical.Render(n)
		}
		line := fmt.Sprintf("%s %s in 24h", m.Name, n)
		if last != nil {
			line += ", last moved " + last.UTC().Format("01-02 15:04Z") + s.Muted.Render(" ("+shortDur(ref.Sub(*last))+" ago)")
		}
		if cur := seriesSum(m.Series); cur != nil {
			line += s.Muted.Render(fmt.Sprintf(" · now %g", *cur))
		} else {
			line += " · " + s.Unknown.Render("no sample now")
		}
		wrapped(2, line)
	}
}

// seriesSum is the sum of the series' current values, nil when none has
// one.
func seriesSum(ss []collectors.Series) *float64 {
	var out *float64
	for _, se := range ss {
		if se.Value != nil {
			if out == nil {
				out = new(float64)
			}
			*out += *se.Value
		}
	}
	return out
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func joinInts(v []int) string {
	parts := make([]string, len(v))
	for i, n := range v {
		parts[i] = fmt.Sprint(n)
	}
	return strings.Join(parts, ", ")
}

// auditCaveat is what the audit log read cannot show (runbook's
// AuditLogStats.Caveat), "" when nothing.
func auditCaveat(st *state) string {
	if st.assess.AuditLog == nil {
		return ""
	}
	return st.assess.AuditLog.Caveat
}

// orDash is s, or "-" when it is empty.
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
