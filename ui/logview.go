package ui

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
)

// logView shows a Job's log tail with the runbook's phrases highlighted and
// a search (/ then n, N). Only the visible lines are rendered.
type logView struct {
	job       collectors.Job
	keys      logKeys
	offset    int
	search    textinput.Model
	searching bool
	hits      []int
	hit       int
	// finding is the search whose hits a Cmd is looking for (a long log is
	// searched off the event loop); "" when none is.
	finding string
	wrap    bool // long lines wrapped instead of cut
	col     int  // first column shown when not wrapped
	widest  int  // the widest line's width
}

// logKeys scroll the log and search it.
type logKeys struct {
	listKeys
	field   fieldKeys
	Search  key.Binding
	NextHit key.Binding
	PrevHit key.Binding
	Wrap    key.Binding
	Left    key.Binding
	Right   key.Binding
	Scroll  key.Binding // ← and → in one footer entry
}

// ShortHelp implements help.KeyMap.
func (k logKeys) ShortHelp() []key.Binding {
	return []key.Binding{k.Search, k.NextHit, k.Wrap, k.Scroll}
}

// FullHelp implements help.KeyMap.
func (k logKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{k.help(), {k.Search, k.NextHit, k.PrevHit}, {k.Wrap, k.Left, k.Right}}
}

// newLogView opens j's log; widest is its widest line's width (jobIndex).
func newLogView(j collectors.Job, widest int) logView {
	ti := textinput.New()
	ti.Prompt = "/"
	ti.Placeholder = "search"
	v := logView{job: j, search: ti, keys: logKeys{listKeys: defaultListKeys(), field: defaultFieldKeys(),
		Search:  filterKey("search"),
		NextHit: key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "next match")),
		PrevHit: key.NewBinding(key.WithKeys("N"), key.WithHelp("N", "previous match")),
		Wrap:    key.NewBinding(key.WithKeys("w"), key.WithHelp("w", "wrap")),
		Left:    key.NewBinding(key.WithKeys("left", "h"), key.WithHelp("←/h", "left")),
		Right:   key.NewBinding(key.WithKeys("right", "l"), key.WithHelp("→/l", "right")),
		Scroll:  key.NewBinding(key.WithKeys("left", "right", "h", "l"), key.WithHelp("←/→", "scroll")),
	}, widest: widest}
	return v
}

// widestLine is the width of the widest of lines, in cells.
func widestLine(lines []string) int {
	w := 0
	for _, l := range lines {
		if len(l) <= w {
			continue // no line is wider than its bytes
		}
		if isPlainASCII(l) {
			w = len(l)
		} else {
			w = max(w, ansi.StringWidth(l))
		}
	}
	return w
}

// isPlainASCII reports whether s is printable ASCII only: one cell a byte.
func isPlainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return false
		}
	}
	return true
}

// Back implements backer: esc drops the search applied.
func (v logView) Back(*viewCtx) (view, bool) {
	if v.search.Value() == "" {
		return v, false
	}
	v.search.SetValue("")
	v.hits, v.finding = nil, ""
	return v, true
}

// KeyMap implements view.
func (v logView) KeyMap() help.KeyMap { return v.keys }

// Typing implements view.
func (v logView) Typing() bool { return v.searching }

func (v logView) lines() []string {
	if v.job.Log == nil {
		return nil
	}
	return v.job.Log.Lines
}

// syncSearchLines is the most lines searched in Update: a longer log is
// searched in a Cmd (a few milliseconds per 20,000 lines here).
const syncSearchLines = 20000

// logHitsMsg answers the search for query in the log of Job job.
type logHitsMsg struct {
	job, query string
	hits       []int
}

// answersView implements viewAnswer.
func (logHitsMsg) answersView() {}

// find searches the log for what was typed: at once when the log is short,
// else in a Cmd that takes the lines (never changed) and the query.
func (v *logView) find() tea.Cmd {
	q := v.search.Value()
	v.hits, v.hit, v.finding = nil, 0, ""
	if q == "" {
		return nil
	}
	lines := v.lines()
	if len(lines) <= syncSearchLines {
		v.found(findLines(lines, q))
		return nil
	}
	v.finding = q
	job := v.job.Name
	return func() tea.Msg { return logHitsMsg{job: job, query: q, hits: findLines(lines, q)} }
}

// found shows the hits of the search.
func (v *logView) found(hits []int) {
	v.hits, v.hit, v.finding = hits, 0, ""
	if len(hits) > 0 {
		v.offset = hits[0]
	}
}

// findLines returns the indices of the lines holding q, case ignored.
func findLines(lines []string, q string) []int {
	lq := strings.ToLower(q)
	var hits []int
	var buf []byte
	for i, l := range lines {
		if len(l) < len(lq) {
			continue
		}
		if isPlainASCII(l) {
			buf = append(buf[:0], l...)
			for k, c := range buf {
				if 'A' <= c && c <= 'Z' {
					buf[k] = c + 'a' - 'A'
				}
			}
			if bytes.Contains(buf, []byte(lq)) {
				hits = append(hits, i)
			}
		} else if strings.Contains(strings.ToLower(l), lq) {
			hits = append(hits, i)
		}
	}
	return hits
}

// Update scrolls and searches (/ then n, N).
func (v logView) Update(msg tea.Msg, c *viewCtx) (view, tea.Cmd) {
	var k tea.KeyMsg
	switch msg := msg.(type) {
	case logHitsMsg:
		if msg.job == v.job.Name && msg.query == v.finding {
			v.found(msg.hits)
		}
		return v, nil
	case tea.KeyMsg:
		k = msg
	default:
		return v, nil
	}
	page := max(1, c.h-3)
	n := len(v.lines())
	if v.searching {
		k = literal(k)
		switch {
		case key.Matches(k, v.keys.field.Accept):
			v.searching = false
			v.search.Blur()
			return v, v.find()
		case key.Matches(k, v.keys.field.Cancel):
			v.searching = false
			v.search.Blur()
			v.search.SetValue("")
			v.hits, v.finding = nil, ""
		default:
			v.search, _ = v.search.Update(k)
		}
		return v, nil
	}
	switch {
	case key.Matches(k, v.keys.Search):
		v.searching = true
		v.search.Focus()
	case key.Matches(k, v.keys.NextHit) && len(v.hits) > 0:
		v.hit = (v.hit + 1) % len(v.hits)
		v.offset = v.hits[v.hit]
	case key.Matches(k, v.keys.PrevHit) && len(v.hits) > 0:
		v.hit = (v.hit + len(v.hits) - 1) % len(v.hits)
		v.offset = v.hits[v.hit]
	case key.Matches(k, v.keys.Wrap):
		v.wrap, v.col = !v.wrap, 0
	case key.Matches(k, v.keys.Left) && !v.wrap:
		v.col = max(0, v.col-hstep(c.w))
	case key.Matches(k, v.keys.Right) && !v.wrap:
		// far enough to read the widest line's end, no further
		v.col = max(0, min(v.col+hstep(c.w), v.widest-(c.w-3)))
	default:
		if d, ok := v.keys.step(k, page, n); ok {
			if key.Matches(k, v.keys.Bottom) {
				v.offset = n - page
			} else {
				v.offset += d
			}
		}
	}
	v.offset = max(0, min(v.offset, n-1))
	return v, nil
}

// View implements view.
func (v logView) View(c *viewCtx, w, h int) string {
	st := c.state
	s := st.styles
	var b strings.Builder
	lt := v.job.Log
	title := fmt.Sprintf("Log of Job %s", v.job.Name)
	if lt != nil {
		title += fmt.Sprintf(" · pod %s container %s", lt.Pod, lt.Container)
	}
	b.WriteString(truncate(s.Section.Render(title), w) + "\n")
	switch {
	case lt == nil:
		b.WriteString(s.Muted.Render("no log was read for this Job (only failed Jobs and the newest Job of each CronJob are read)") + "\n")
		return b.String()
	case lt.Error != "":
		b.WriteString(s.Unknown.Render("Unknown: ") + lt.Error + "\n")
		return b.String()
	}
	info := fmt.Sprintf("%d lines", len(lt.Lines))
	switch {
	case lt.Truncated:
		info = fmt.Sprintf("last %d lines; the log is longer than kubernetes.logLimitBytes and its middle was not searched", len(lt.Lines))
	case lt.Searched > len(lt.Lines):
		info = fmt.Sprintf("last %d of %d lines, all searched", len(lt.Lines), lt.Searched)
	}
	if n := earlierMatches(lt); n > 0 {
		info += fmt.Sprintf(" · %d flagged line(s) before these", n)
	}
	switch {
	case v.finding != "":
		info += " · " + st.spin + " searching…"
	case len(v.hits) > 0:
		info += fmt.Sprintf(" · match %d/%d", v.hit+1, len(v.hits))
	case v.search.Value() != "" && !v.searching:
		info += " · no match"
	}
	if v.searching {
		b.WriteString(v.search.View() + "\n")
	} else {
		view := " · w wraps · ←/→ scroll"
		switch {
		case v.wrap:
			view = " · wrapped (w cuts)"
		case v.col > 0:
			view = fmt.Sprintf(" · from column %d (← back)", v.col+1)
		}
		b.WriteString(truncate(s.Muted.Render(info+view), w) + "\n")
	}
	page := max(1, h-3)
	flagged := map[int]bool{}
	for _, m := range lt.Matches {
		if m.Line >= 0 {
			flagged[m.Line] = true
		}
	}
	q := v.search.Value()
	mark := func(i int, l string) string {
		if flagged[i] {
			l = highlightPhrases(l, s.Highlight.Render)
		}
		if q != "" && !v.searching {
			l = highlight(l, q, s.Selected.Render)
		}
		return l
	}
	lw := max(10, w-2)
	shown := 0
	for i := v.offset; i < len(lt.Lines) && shown < page; i++ {
		gutter := "  "
		if flagged[i] {
			gutter = s.Critical.Render("! ")
		}
		line := lt.Lines[i]
		if v.wrap {
			// the whole line, wrapped under itself
			parts := strings.Split(wrapWords(line, lw-2), "\n")
			for j, p := range parts {
				if shown == page {
					break
				}
				if j > 0 {
					gutter, p = "    ", strings.TrimLeft(p, " ")
				}
				b.WriteString(gutter + mark(i, p) + "\n")
				shown++
			}
			continue
		}
		// cut at the columns in view, "…" where the line goes on
		l := line
		if v.col > 0 {
			l = "…" + ansi.Cut(line, v.col+1, v.col+lw)
		}
		b.WriteString(gutter + mark(i, truncate(l, lw)) + "\n")
		shown++
	}
	return b.String()
}

// hstep is how far ← and → move in a log w cells wide.
func hstep(w int) int { return max(8, (w-2)/2) }

// highlightPhrases marks the runbook's phrases in a line.
func highlightPhrases(line string, mark func(...string) string) string {
	for _, p := range collectors.Phrases {
		line = highlight(line, p, mark)
	}
	return line
}

// highlight marks every case-insensitive occurrence of q in line.
func highlight(line, q string, mark func(...string) string) string {
	if q == "" {
		return line
	}
	lower, lq := strings.ToLower(line), strings.ToLower(q)
	if len(lower) != len(line) || len(lq) != len(q) {
		return line // case folding changed byte offsets: do not risk cutting a rune
	}
	var b strings.Builder
	i := 0
	for {
		j := strings.Index(lower[i:], lq)
		if j < 0 {
			b.WriteString(line[i:])
			return b.String()
		}
		b.WriteString(line[i : i+j])
		b.WriteString(mark(line[i+j : i+j+len(q)]))
		i += j + len(q)
	}
}

// earlierMatches counts the matched lines before the lines shown.
func earlierMatches(lt *collectors.LogTail) int {
	n := 0
	for _, m := range lt.Matches {
		if m.Line < 0 {
			n++
		}
	}
	return n
}
