package ui

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/NimbleMarkets/ntcharts/sparkline"
	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
)

// metricsView draws the runbook's metrics over the last 24 h as sparklines
// (summed over their series; counters as the increase per step) and lists
// the related alerts.
type metricsView struct {
	keys   metricsKeys
	offset int // first line shown
}

// metricsKeys scroll the charts when they are taller than the screen.
type metricsKeys struct {
	listKeys
	// Scroll is the footer's entry for them, enabled while the charts are
	// taller than the screen.
	Scroll key.Binding
}

// ShortHelp implements help.KeyMap.
func (k metricsKeys) ShortHelp() []key.Binding { return []key.Binding{k.Scroll} }

// FullHelp implements help.KeyMap.
func (k metricsKeys) FullHelp() [][]key.Binding { return [][]key.Binding{k.help()} }

func newMetricsView() metricsView {
	return metricsView{keys: metricsKeys{listKeys: defaultListKeys(), Scroll: scrollHelp("↓/pgdn")}}
}

// KeyMap implements view.
func (v metricsView) KeyMap() help.KeyMap { return v.keys }

// Typing implements view.
func (v metricsView) Typing() bool { return false }

// Update scrolls; after a load (or a resize) it keeps the offset within
// the charts and names the scroll keys in the footer when they scroll.
func (v metricsView) Update(msg tea.Msg, c *viewCtx) (view, tea.Cmd) {
	n := len(v.lines(c.state, c.w))
	switch msg := msg.(type) {
	case dataMsg:
		v.offset = clampOffset(v.offset, n, c.h)
	case tea.KeyMsg:
		if d, ok := v.keys.step(msg, c.h-1, n); ok {
			v.offset = clampOffset(v.offset+d, n, c.h)
		}
	}
	v.keys.Scroll.SetEnabled(n > c.h)
	return v, nil
}

// View implements view.
func (v metricsView) View(c *viewCtx, w, h int) string {
	return scrolled(c.state, v.lines(c.state, w), v.offset, h, "↓/pgdn")
}

func (v metricsView) lines(st *state, w int) []string {
	return strings.Split(strings.TrimRight(v.charts(st, w), "\n"), "\n")
}

// charts draws every metric and the alerts.
func (v metricsView) charts(st *state, w int) string {
	s := st.styles
	if st.snap.Prometheus == nil {
		return emptySource(st, collectors.SourcePrometheus, "metrics", w)
	}
	var b strings.Builder
	sparkW := max(10, min(w-4, 96))
	for _, m := range st.snap.Prometheus.Metrics {
		if m.Error != "" {
			// wrapped, not cut: what to do is at the end of the error
			b.WriteString(wrapHanging(s.Section.Render(m.Name)+"  "+s.Unknown.Render("unknown: ")+m.Error, w) + "\n")
			continue
		}
		counter := strings.HasSuffix(m.Name, "_total")
		vals, gaps, lead, now := aggregate(m, counter)
		label := "sum of " + fmt.Sprint(len(m.Series)) + " series"
		switch n := len(m.Tenants) + m.TenantsOmitted; {
		case len(m.SummedOver) > 0 && n > 0:
			label = fmt.Sprintf("sum of %d tenants", n)
		case len(m.SummedOver) > 0:
			label = "sum of its tenants"
		}
		if m.Role == "tokenExpirySeconds" {
			label = "lowest of " + fmt.Sprint(len(m.Series)) + " series"
		}
		unit := ""
		if counter {
			unit = ", increase per 5m"
		}
		cur := "no current value"
		if !math.IsNaN(now) {
			cur = "now " + fmtValue(m.Role, now)
		}
		span := "24h"
		if d := time.Duration(lead) * historyStep(m); d >= time.Hour {
			// (less than an hour is less than a column of the chart)
			span = "24h, no sample in its first " + shortDur(d)
		}
		b.WriteString(truncate(s.Section.Render(m.Name)+s.Muted.Render(fmt.Sprintf("  %s, %s%s · %s", span, label, unit, cur)), w) + "\n")
		if len(m.Series) == 0 {
			b.WriteString(s.Muted.Render("  no series") + "\n")
			continue
		}
		data := downsample(vals, sparkW, m.Role == "tokenExpirySeconds")
		sl := sparkline.New(sparkW, 2, sparkline.WithData(data))
		sl.Draw()
		for _, l := range strings.Split(sl.View(), "\n") {
			b.WriteString("  " + l + "\n")
		}
		if marks, n := gapMarks(gaps, len(data)); n > 0 {
			// a step no series answered is drawn at zero: say so under it,
			// so a gap never reads as "no rotations" or an expired token
			b.WriteString("  " + s.Unknown.Render(marks) + "\n")
			b.WriteString(truncate(s.Muted.Render(fmt.Sprintf("  ? no sample (%d of %d steps): drawn as 0, value unknown", n, len(gaps))), w) + "\n")
		}
	}
	b.WriteString(s.Section.Render("Alerts") + "\n")
	b.WriteString(strings.Join(alertLines(st, w), "\n") + "\n")
	if len(st.assess.Stale) > 0 {
		// what these signals say about now is unknown
		b.WriteString(s.Section.Render("Stale signals") + "\n")
		for _, sg := range st.assess.Stale {
			b.WriteString(wrapHanging("  "+s.Unknown.Render("? ")+sg.Detail, w) + "\n")
		}
	}
	return b.String()
}

func fmtValue(role string, v float64) string {
	if role == "tokenExpirySeconds" {
		return shortDur(secondsDur(v))
	}
	return fmt.Sprintf("%g", v)
}

// downsample folds v into at most n buckets: the sum of each bucket, or its
// minimum when min is set, so a spike is never lost between columns.
func downsample(v []float64, n int, min bool) []float64 {
	if len(v) <= n {
		return v
	}
	out := make([]float64, n)
	for i := range out {
		lo, hi := i*len(v)/n, (i+1)*len(v)/n
		acc := v[lo]
		for _, x := range v[lo+1 : hi] {
			if min {
				acc = math.Min(acc, x)
			} else {
				acc += x
			}
		}
		out[i] = acc
	}
	return out
}

// historyStep is the step of a metric's history (5 minutes when none says).
func historyStep(m collectors.Metric) time.Duration {
	for _, s := range m.Series {
		if s.History != nil && s.History.Step > 0 {
			return s.History.Step.Duration()
		}
	}
	return 5 * time.Minute
}

// gapMarks draws, over cols columns (the sparkline's buckets of the steps,
// as downsample folds them), a '?' under every column holding a step no
// series answered, and counts those steps.
func gapMarks(gaps []bool, cols int) (string, int) {
	n, ones := 0, make([]float64, len(gaps))
	for i, g := range gaps {
		if g {
			n, ones[i] = n+1, 1
		}
	}
	if n == 0 || cols == 0 {
		return "", 0
	}
	var b strings.Builder
	for _, c := range downsample(ones, cols, false) {
		if c > 0 {
			b.WriteByte('?')
		} else {
			b.WriteByte(' ')
		}
	}
	return strings.TrimRight(b.String(), " "), n
}

// aggregate folds a metric's series into one value per history step (sum,
// or min for the token expiry; for counters the increase since the previous
// step), says which steps no series answered (drawn as 0: their value is
// unknown), and returns the latest current value (NaN when none).
func aggregate(m collectors.Metric, counter bool) (vals []float64, gaps []bool, lead int, now float64) {
	steps := 0
	for _, s := range m.Series {
		if s.History != nil && len(s.History.Values) > steps {
			steps = len(s.History.Values)
		}
	}
	out := make([]float64, steps)
	gaps = make([]bool, steps)
	for i := range gaps {
		gaps[i] = true
	}
	isMin := m.Role == "tokenExpirySeconds"
	for i := range out {
		if isMin {
			out[i] = math.NaN()
		}
	}
	for _, s := range m.Series {
		if s.History == nil {
			continue
		}
		prev := math.NaN()
		for i, p := range s.History.Values {
			if p == nil {
				continue
			}
			v := *p
			if counter {
				if math.IsNaN(prev) {
					// no increase without a sample before it: this
					// series says nothing about this step
					prev = v
					continue
				}
				d := v - prev
				if d < 0 {
					d = v
				}
				prev = v
				v = d
			}
			gaps[i] = false
			if isMin {
				if math.IsNaN(out[i]) || v < out[i] {
					out[i] = v
				}
			} else {
				out[i] += v
			}
		}
	}
	for i := range out {
		if math.IsNaN(out[i]) {
			out[i] = 0
		}
	}
	if counter && steps > 0 {
		// the first step has no step before it: no increase to draw
		out, gaps = out[1:], gaps[1:]
	}
	// the steps before any series' first sample are before the metric's
	// history here: left off the chart, and said in its header
	lead = 0
	for lead < len(gaps) && gaps[lead] {
		lead++
	}
	out, gaps = out[lead:], gaps[lead:]
	now = math.NaN()
	for _, s := range m.Series {
		if s.Value == nil {
			continue
		}
		switch {
		case math.IsNaN(now):
			now = *s.Value
		case isMin:
			now = math.Min(now, *s.Value)
		default:
			now += *s.Value
		}
	}
	return out, gaps, lead, now
}
