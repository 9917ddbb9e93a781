package runbook

import (
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
)

// ReportSchemaVersion is the version of the JSON report. It changes when a
// field changes meaning or is removed; new fields do not change it.
const ReportSchemaVersion = 1

// Report is the JSON report: the assessment, where it was taken, and the
// next steps of every scenario that is not clear, with the commands filled
// in. docs/report-schema.md documents it.
type Report struct {
	SchemaVersion int    `json:"schemaVersion"`
	Tool          string `json:"tool"`
	// ExitCode is the report command's exit code (0 ok, 1 warning, 2
	// critical, 3 could not tell).
	ExitCode         int    `json:"exitCode"`
	VaultAddr        string `json:"vaultAddr,omitempty"`
	PrometheusTarget string `json:"prometheusTarget,omitempty"`
	Assessment
	// NextSteps are, per scenario that is active, suspected or unknown, its
	// resolution steps with the commands filled in.
	NextSteps map[string][]RenderedStep `json:"nextSteps"`
	// Forecast is the next failure expected (forecast.go).
	Forecast Forecast `json:"forecast"`
}

// RenderedStep is a step with its command filled in.
type RenderedStep struct {
	Title   string `json:"title"`
	Command string `json:"command,omitempty"`
	Note    string `json:"note,omitempty"`
	Action  string `json:"action,omitempty"`
}

// NewReport builds the report of a snapshot judged at now.
func (b *Book) NewReport(s *collectors.Snapshot, now time.Time, tool string) Report {
	a := b.Triage(s, now)
	vars := NewVars(s, now)
	r := Report{
		SchemaVersion: ReportSchemaVersion, Tool: tool, ExitCode: a.ExitCode(),
		VaultAddr: s.VaultAddr, PrometheusTarget: s.PrometheusTarget,
		Assessment: a, NextSteps: map[string][]RenderedStep{},
		Forecast: b.Forecast(s, now),
	}
	for _, f := range a.Findings {
		if f.Status == StatusClear {
			continue
		}
		r.NextSteps[f.ID] = vars.ForFinding(f).RenderSteps(b.StepsFor(f))
	}
	return r
}

// RenderSteps fills the steps' commands and notes. A command still naming
// a placeholder (<tenant-id> when the evidence names no tenant, <image>
// the person must choose) says so first in its note: it does not run as is.
func (v Vars) RenderSteps(steps []Step) []RenderedStep {
	out := make([]RenderedStep, 0, len(steps))
	for _, s := range steps {
		rs := RenderedStep{Title: s.Title, Command: v.Render(s.Command), Note: v.Render(s.Note), Action: s.Action}
		if ph := Placeholders(rs.Command); len(ph) > 0 {
			rs.Note = strings.TrimSpace("Fill in " + strings.Join(ph, ", ") + " before running it: nothing read here names the value. " + rs.Note)
		}
		out = append(out, rs)
	}
	return out
}

var placeholderRe = regexp.MustCompile(`<[a-z][a-z0-9-]*>`)

// Placeholders are the <name> placeholders a rendered command still holds,
// each once, in order.
func Placeholders(command string) []string {
	var out []string
	for _, p := range placeholderRe.FindAllString(command, -1) {
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// WriteJSON writes the report as indented JSON.
func (r Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

var statusMark = map[Status]string{StatusActive: "ACTIVE", StatusSuspected: "suspected", StatusClear: "clear", StatusUnknown: "UNKNOWN"}

var symptomMark = map[SymptomState]string{SymptomPresent: "✓", SymptomAbsent: "✗", SymptomUnknown: "?"}

func exitMeaning(code int) string {
	switch code {
	case ExitOK:
		return "0 (all clear)"
	case ExitWarning:
		return "1 (warnings)"
	case ExitCritical:
		return "2 (critical)"
	}
	return "3 (could not tell: something the verdict needs could not be read)"
}

// overallText is the overall verdict in words: "info" alone would read as
// harmless while something could not be read.
func (a Assessment) overallText() string {
	if a.Overall == SeverityInfo && a.HasUnknown() {
		return "could not tell"
	}
	if a.Overall == SeverityNone {
		return "all clear"
	}
	return string(a.Overall)
}

func evidenceLine(e Evidence) string {
	s := fmt.Sprintf("%s: %s", e.Fact, e.Observed)
	if e.Threshold != "" {
		s += " (threshold: " + e.Threshold + ")"
	}
	return s + " [" + e.Source + "]"
}

func optDur(d *collectors.Duration) string {
	if d == nil {
		return "unknown"
	}
	return roundDur(d.Duration())
}

// cleanupText is the last successful cleanup, or that every cleanup that
// succeeded was a dry run.
func cleanupText(now time.Time, f Facts) string {
	if f.LastCleanupSuccess == nil && f.CleanupDryRunsOnly {
		return "none that deleted: every cleanup that succeeded was a dry run (DRY_RUN=true)"
	}
	return optTime(now, f.LastCleanupSuccess)
}

func optTime(now time.Time, t *time.Time) string {
	if t == nil {
		return "unknown"
	}
	return fmt.Sprintf("%s (%s)", fmtTime(*t), ago(now, *t))
}

func optInt(n *int) string {
	if n == nil {
		return "unknown"
	}
	return fmt.Sprint(*n)
}

func sourceLine(st collectors.Status) string {
	switch st.State {
	case collectors.StateOK:
		return fmt.Sprintf("ok (%s)", roundMS(st.Latency.Duration()))
	case collectors.StatePartial:
		parts := make([]string, 0, len(st.Problems))
		for _, p := range st.Problems {
			parts = append(parts, p.Part+": "+p.Error)
		}
		return "partial: " + strings.Join(parts, "; ")
	}
	return string(st.State) + ": " + st.Error
}

func roundMS(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%dms", d.Milliseconds())
	}
	return d.Round(100 * time.Millisecond).String()
}

// WriteText writes the report for a terminal: plain text, 80 columns where
// the evidence allows.
func (r Report) WriteText(w io.Writer) error {
	a := r.Assessment
	var b strings.Builder
	fmt.Fprintf(&b, "Secret rotation report — namespace %s", a.Namespace)
	if a.Context != "" {
		fmt.Fprintf(&b, ", context %s", a.Context)
	}
	fmt.Fprintf(&b, "\ntaken %s, judged at %s\noverall: %s, exit code %s\n\n", fmtTime(a.TakenAt), fmtTime(a.JudgedAt), a.overallText(), exitMeaning(r.ExitCode))
	for _, c := range a.Conditions {
		fmt.Fprintf(&b, "%s: %s\n", strings.ToUpper(string(c.Severity)), c.Summary)
	}
	if len(a.Conditions) > 0 {
		b.WriteString("\n")
	}
	b.WriteString("SOURCES\n")
	for _, st := range a.Sources {
		fmt.Fprintf(&b, "  %-11s %s\n", st.Source, sourceLine(st))
	}
	b.WriteString("\nSCENARIOS\n")
	for _, f := range a.Findings {
		fmt.Fprintf(&b, "  %d %-32s %-9s %s\n", f.Number, f.Title, statusMark[f.Status], f.Summary)
	}
	for _, f := range a.Findings {
		if f.Status == StatusClear {
			continue
		}
		fmt.Fprintf(&b, "\nScenario %d: %s — %s, %s\n", f.Number, f.Title, f.Status, f.Severity)
		for _, sy := range f.Symptoms {
			fmt.Fprintf(&b, "  %s %s\n", symptomMark[sy.State], sy.Text)
			for _, e := range sy.Evidence {
				fmt.Fprintf(&b, "      %s\n", evidenceLine(e))
			}
			if sy.State == SymptomUnknown && sy.Reason != "" {
				fmt.Fprintf(&b, "      cannot tell: %s\n", sy.Reason)
			}
		}
		if len(f.Alerts) > 0 {
			fmt.Fprintf(&b, "  alerts: %s\n", a.AlertsText(f))
		}
		b.WriteString("  next steps:\n")
		for i, s := range r.NextSteps[f.ID] {
			fmt.Fprintf(&b, "   %d. %s\n", i+1, s.Title)
			if s.Command != "" {
				for i, l := range strings.Split(s.Command, "\n") {
					if i > 0 && strings.Contains(s.Command, "<<") {
						// a heredoc's body and its EOF at the start of the
						// line, as the shell reads them: pasteable as is
						fmt.Fprintf(&b, "%s\n", l)
						continue
					}
					fmt.Fprintf(&b, "        $ %s\n", l)
				}
				if s.Note != "" {
					// what the command does beside the runbook's way, what
					// to check before it
					fmt.Fprintf(&b, "        note: %s\n", s.Note)
				}
			} else if s.Note != "" {
				// a step without a command says why (a Helm value, a sink
				// outside the tool's reach, nothing to undelete)
				fmt.Fprintf(&b, "        %s\n", s.Note)
			}
		}
	}
	b.WriteString("\nALERTS\n")
	if a.AlertsUnknown != "" {
		fmt.Fprintf(&b, "  unknown: the alerts could not be read (%s)\n", a.AlertsUnknown)
	} else if len(a.Alerts) == 0 && len(a.StaleRules()) == 0 {
		b.WriteString("  none firing or pending\n")
	}
	for _, al := range a.Alerts {
		fmt.Fprintf(&b, "  %-24s %-8s scenario %s %s\n", al.Name, al.State, al.Scenario, labelsText(al.Labels))
	}
	if rules := a.StaleRules(); a.AlertsUnknown == "" && len(rules) > 0 {
		fmt.Fprintf(&b, "  cannot tell: %d related alert rule(s) whose state is not current: %s\n", len(rules), strings.Join(rules, "; "))
	}
	r.writeStale(&b, false) // freshness.go
	r.writeCompliance(&b, false)
	r.writeForecast(&b, false) // forecast.go
	b.WriteString("\nKEY FACTS\n")
	r.writeFacts(&b, "  %-30s %s\n")
	r.writeAuditLog(&b, false)
	_, err := io.WriteString(w, b.String())
	return err
}

func labelsText(l map[string]string) string {
	var parts []string
	for _, k := range []string{"tenant", "namespace", "severity"} {
		if v, ok := l[k]; ok {
			parts = append(parts, k+"="+v)
		}
	}
	return strings.Join(parts, " ")
}

func (r Report) writeFacts(b *strings.Builder, format string) {
	f, now := r.Facts, r.JudgedAt
	orch := optDur(f.OrchestratorTokenTTL)
	if f.OrchestratorTokenSource != "" {
		orch += " (from " + f.OrchestratorTokenSource + ")"
	}
	op := optDur(f.OperatorTokenTTL)
	if f.OperatorTokenTTL != nil && *f.OperatorTokenTTL == 0 {
		op = "does not expire"
	}
	op, orch = withCeiling(op, now, f.OperatorTokenCeiling, f.OperatorTokenMaxTTL), withCeiling(orch, now, f.OrchestratorTokenCeiling, f.OrchestratorTokenMaxTTL) // ceiling.go
	rows := [][2]string{
		{"operator Vault token TTL", op},
		{"orchestrator Vault token TTL", orch},
		{"last successful rotation", optTime(now, f.LastRotationSuccess)},
		{"last successful cleanup", cleanupText(now, f)},
		{"tenants", optInt(f.Tenants)},
		{"tenants overdue", optInt(f.TenantsOverdue)},
		{"tenants over retention", optInt(f.TenantsOverRetention)},
		{"firing alerts", optInt(f.FiringAlerts)},
	}
	for _, row := range rows {
		fmt.Fprintf(b, format, row[0], row[1])
	}
}

func (r Report) writeCompliance(b *strings.Builder, md bool) {
	c := r.Compliance
	head := "\nCOMPLIANCE\n"
	if md {
		head = "\n## Compliance\n\n"
	}
	b.WriteString(head)
	interval := "unknown"
	if c.IntervalSource != "unknown" {
		interval = roundDur(c.Interval.Duration()) + " (" + c.IntervalSource + ")"
	}
	line := fmt.Sprintf("rotation interval %s; overdue after %d days beyond it; %d tenants checked", interval, c.OverdueDays, c.TenantsChecked)
	if md {
		fmt.Fprintf(b, "Rotation interval %s; overdue after %d days beyond it; %d tenants checked.\n", interval, c.OverdueDays, c.TenantsChecked)
	} else {
		fmt.Fprintf(b, "  %s\n", line)
	}
	for _, u := range c.Unknown {
		if md {
			fmt.Fprintf(b, "\n**Could not judge:** %s\n", mdEscape(u))
		} else {
			fmt.Fprintf(b, "  cannot tell: %s\n", u)
		}
	}
	if len(c.Findings) == 0 {
		// with something unjudged, none found is not none there
		switch {
		case md && len(c.Unknown) > 0:
			b.WriteString("\nNo compliance finding among what could be judged.\n")
		case md:
			b.WriteString("\nNo compliance finding.\n")
		case len(c.Unknown) > 0:
			b.WriteString("  no finding among what could be judged\n")
		default:
			b.WriteString("  no finding\n")
		}
		return
	}
	if md {
		b.WriteString("\n| tenant | finding | severity | detail |\n|---|---|---|---|\n")
	}
	for _, f := range c.Findings {
		if md {
			fmt.Fprintf(b, "| %s | %s | %s | %s |\n", mdName(f.Tenant), f.Kind, f.Severity, mdEscape(f.Detail))
		} else {
			fmt.Fprintf(b, "  %-10s %-18s %-8s %s\n", f.Tenant, f.Kind, f.Severity, f.Detail)
		}
	}
}

// writeAuditLog tells how much of the pods' logs could be used: lines read,
// not JSON, oversized, per pod, and the pods that could not be read.
func (r Report) writeAuditLog(b *strings.Builder, md bool) {
	l := r.AuditLog
	if md {
		b.WriteString("\n## Audit log read\n\n")
	} else {
		b.WriteString("\nAUDIT LOG READ\n")
	}
	if l == nil {
		if md {
			b.WriteString("Unknown: the logs were not read.\n")
		} else {
			b.WriteString("  unknown: the logs were not read\n")
		}
		return
	}
	total := fmt.Sprintf("%d lines, %d rotation events (%d undated), %d not JSON, %d oversized (skipped)", l.Lines, l.Events, l.Undated, l.NotJSON, l.Oversized)
	if md {
		fmt.Fprintf(b, "%s.\n\n| pod | lines | events | not JSON | oversized | note |\n|---|---|---|---|---|---|\n", total)
	} else {
		fmt.Fprintf(b, "  %s\n", total)
	}
	for _, p := range l.Pods {
		note := ""
		switch {
		case p.Error != "":
			note = "not read: " + p.Error
		case p.NotRead != "":
			note = "not read, nothing of the window in it: " + p.NotRead
		case p.Cut:
			// the window held more than the limit: its newest part was read
			note = fmt.Sprintf("window cut at %d bytes: read from %s on, not from the window's start %s", p.Bytes, fmtTime(*p.Since()), fmtTime(*p.Window))
			if p.Truncated {
				note += "; the newest lines did not fit either"
			}
		case p.Truncated:
			// the log is read from its beginning: a limit cuts its end
			note = fmt.Sprintf("cut at %d bytes: the newer lines were not read", p.Bytes)
			if p.LastEvent != nil {
				note += " (last event read " + fmtTime(*p.LastEvent) + ")"
			}
		case p.Since() != nil:
			note = "covers " + fmtTime(*p.Since()) + " on" // window.go: events before are not in it
			if p.Restarts > 0 {
				note += fmt.Sprintf(" (restarted %s)", plural(int(p.Restarts), "time"))
			}
		}
		lines, events, notJSON, oversized := "?", "?", "?", "?" // not read, or not recorded in this snapshot
		if c := p.Parsed; c != nil {
			lines, events, notJSON, oversized = fmt.Sprint(c.Lines), fmt.Sprint(c.Events), fmt.Sprint(c.NotJSON), fmt.Sprint(c.Oversized)
		} else if p.NotRead != "" {
			lines, events, notJSON, oversized = "-", "-", "-", "-" // nothing of the window to count
		}
		if md {
			fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s |\n", p.Pod, lines, events, notJSON, oversized, mdEscape(note))
		} else {
			fmt.Fprintf(b, "  %-40s %7s lines %6s events %5s not JSON %4s oversized  %s\n", p.Pod, lines, events, notJSON, oversized, note)
		}
	}
}

func mdEscape(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	if !strings.ContainsAny(s, "<>") {
		return s
	}
	// "<" and ">" as entities outside code spans (a name read from a
	// server may hold HTML); inside one, entities would show as typed
	var b strings.Builder
	code := false
	for _, r := range s {
		switch {
		case r == '`':
			code = !code
			b.WriteRune(r)
		case r == '<' && !code:
			b.WriteString("&lt;")
		case r == '>' && !code:
			b.WriteString("&gt;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// mdName is a name read from a server (a tenant id, a label value) for a
// Markdown table cell or line: "|" escaped, and "<" and ">" as entities, so
// that a name holding HTML renders as text and never opens a tag. Not for
// code spans, where entities show as typed.
func mdName(s string) string {
	return strings.NewReplacer("|", `\|`, "<", "&lt;", ">", "&gt;").Replace(s)
}

// mdNames is mdName of each.
func mdNames(ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = mdName(id)
	}
	return out
}

// mdFence is a code fence longer than any run of backticks in the code, so
// the code cannot close its block early.
func mdFence(code string) string {
	longest, run := 0, 0
	for _, r := range code {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return strings.Repeat("`", max(3, longest+1))
}

var mdStatus = map[Status]string{StatusActive: "🔴 active", StatusSuspected: "🟠 suspected", StatusClear: "🟢 clear", StatusUnknown: "⚪ unknown"}

// WriteMarkdown writes the report as Markdown, to file with a ticket or read
// beside the runbook.
func (r Report) WriteMarkdown(w io.Writer) error {
	a := r.Assessment
	var b strings.Builder
	fmt.Fprintf(&b, "# Secret rotation report: %s\n\n", a.Namespace)
	fmt.Fprintf(&b, "- **Overall:** %s — exit code %s\n", a.overallText(), exitMeaning(r.ExitCode))
	for _, c := range a.Conditions {
		fmt.Fprintf(&b, "- **%s:** %s\n", strings.ToUpper(string(c.Severity)), mdEscape(c.Summary))
	}
	if a.LoginRisk != "" {
		fmt.Fprintf(&b, "- **Before a fix that starts pods** (a Job, a restart): %s\n", mdEscape(a.LoginRisk))
	}
	if a.Context != "" {
		fmt.Fprintf(&b, "- **Context:** `%s`, namespace `%s`\n", a.Context, a.Namespace)
	}
	fmt.Fprintf(&b, "- **Taken:** %s; judged at %s\n", fmtTime(a.TakenAt), fmtTime(a.JudgedAt))
	if r.VaultAddr != "" {
		fmt.Fprintf(&b, "- **Vault:** %s\n", r.VaultAddr)
	}
	if r.PrometheusTarget != "" {
		fmt.Fprintf(&b, "- **Prometheus:** %s\n", r.PrometheusTarget)
	}
	b.WriteString("\n## Scenarios\n\n| # | scenario | status | severity | evidence |\n|---|---|---|---|---|\n")
	for _, f := range a.Findings {
		fmt.Fprintf(&b, "| %d | %s | %s | %s | %s |\n", f.Number, f.Title, mdStatus[f.Status], f.Severity, mdEscape(f.Summary))
	}
	for _, f := range a.Findings {
		if f.Status == StatusClear {
			continue
		}
		fmt.Fprintf(&b, "\n### Scenario %d: %s — %s\n\n", f.Number, f.Title, mdStatus[f.Status])
		for _, sy := range f.Symptoms {
			fmt.Fprintf(&b, "- %s %s\n", symptomMark[sy.State], mdEscape(sy.Text))
			for _, e := range sy.Evidence {
				fmt.Fprintf(&b, "  - %s\n", mdEscape(evidenceLine(e)))
			}
			if sy.State == SymptomUnknown && sy.Reason != "" {
				fmt.Fprintf(&b, "  - cannot tell: %s\n", mdEscape(sy.Reason))
			}
		}
		if len(f.Alerts) > 0 {
			fmt.Fprintf(&b, "\nRelated alerts: %s\n", a.AlertsText(f))
		}
		if len(f.Tenants) > 0 {
			fmt.Fprintf(&b, "\nTenants: %s\n", listSome(mdNames(f.Tenants), 20))
		}
		b.WriteString("\n**Next steps** (runbook order; the tool's one-key action in brackets):\n\n")
		for i, s := range r.NextSteps[f.ID] {
			act := ""
			if s.Action != "" {
				act = " [" + s.Action + "]"
			}
			item := fmt.Sprintf("%d. ", i+1)
			fmt.Fprintf(&b, "%s%s%s\n", item, mdEscape(s.Title), act)
			// the code block is indented as the item's text is ("10. " is
			// four wide), so it stays in the item and renders the command
			// exactly: a heredoc's EOF stays at the start of its line
			in := strings.Repeat(" ", len(item))
			if s.Command != "" {
				fence := mdFence(s.Command)
				fmt.Fprintf(&b, "%s%ssh\n%s%s\n%s%s\n", in, fence, in, strings.ReplaceAll(s.Command, "\n", "\n"+in), in, fence)
			}
			if s.Note != "" {
				fmt.Fprintf(&b, "%s> %s\n", in, s.Note)
			}
		}
	}
	b.WriteString("\n## Related alerts\n\n")
	if a.AlertsUnknown != "" {
		fmt.Fprintf(&b, "Unknown: the alerts could not be read (%s).\n", mdEscape(a.AlertsUnknown))
	} else if rules := a.StaleRules(); len(a.Alerts) == 0 && len(rules) > 0 {
		fmt.Fprintf(&b, "None firing or pending, but %d related alert rule(s) cannot tell: %s.\n", len(rules), mdEscape(strings.Join(rules, "; ")))
	} else if len(a.Alerts) == 0 {
		b.WriteString("None firing or pending.\n")
	} else {
		b.WriteString("| alert | state | scenario | labels |\n|---|---|---|---|\n")
		for _, al := range a.Alerts {
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", al.Name, al.State, al.Scenario, mdName(labelsText(al.Labels)))
		}
	}
	r.writeStale(&b, true) // freshness.go
	r.writeCompliance(&b, true)
	r.writeForecast(&b, true) // forecast.go
	b.WriteString("\n## Key facts\n\n| fact | value |\n|---|---|\n")
	r.writeFacts(&b, "| %s | %s |\n")
	r.writeAuditLog(&b, true)
	b.WriteString("\n## Sources\n\n| source | status |\n|---|---|\n")
	for _, st := range a.Sources {
		fmt.Fprintf(&b, "| %s | %s |\n", st.Source, mdEscape(sourceLine(st)))
	}
	_, err := io.WriteString(w, b.String())
	return err
}
