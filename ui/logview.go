package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

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
}

// logKeys scroll the log and search it.
type logKeys struct {
	listKeys
	field   fieldKeys
	Search  key.Binding
	NextHit key.Binding
	PrevHit key.Binding
}

// ShortHelp implements help.KeyMap.
func (k logKeys) ShortHelp() []key.Binding { return []key.Binding{k.Search, k.NextHit} }

// FullHelp implements help.KeyMap.
func (k logKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{k.help(), {k.Search, k.NextHit, k.PrevHit}}
}

func newLogView(j collectors.Job) logView {
	ti := textinput.New()
	ti.Prompt = "/"
	ti.Placeholder = "search"
	return logView{job: j, search: ti, keys: logKeys{listKeys: defaultListKeys(), field: defaultFieldKeys(),
		Search:  filterKey("filter"),
		NextHit: key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "next match")),
		PrevHit: key.NewBinding(key.WithKeys("N"), key.WithHelp("N", "previous match")),
	}}
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

func (v *logView) find() {
	v.hits = v.hits[:0]
	q := strings.ToLower(v.search.Value())
	if q == "" {
		return
	}
	for i, l := range v.lines() {
		if strings.Contains(strings.ToLower(l), q) {
			v.hits = append(v.hits, i)
		}
	}
	v.hit = 0
}

// Update scrolls and searches (/ then n, N).
func (v logView) Update(msg tea.Msg, c *viewCtx) (view, tea.Cmd) {
	k, ok := msg.(tea.KeyMsg)
	if !ok {
		return v, nil
	}
	page := max(1, c.h-3)
	n := len(v.lines())
	if v.searching {
		switch {
		case key.Matches(k, v.keys.field.Accept):
			v.searching = false
			v.search.Blur()
			v.find()
			if len(v.hits) > 0 {
				v.offset = v.hits[0]
			}
		case key.Matches(k, v.keys.field.Cancel):
			v.searching = false
			v.search.Blur()
			v.search.SetValue("")
			v.hits = nil
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
	case key.Matches(k, v.keys.Up):
		v.offset--
	case key.Matches(k, v.keys.Down):
		v.offset++
	case key.Matches(k, v.keys.PageUp):
		v.offset -= page
	case key.Matches(k, v.keys.PageDown):
		v.offset += page
	case key.Matches(k, v.keys.Top):
		v.offset = 0
	case key.Matches(k, v.keys.Bottom):
		v.offset = n - page
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
	if lt.Truncated {
		info += " (tail; the log is longer)"
	}
	if len(v.hits) > 0 {
		info += fmt.Sprintf(" · match %d/%d", v.hit+1, len(v.hits))
	} else if v.search.Value() != "" && !v.searching {
		info += " · no match"
	}
	if v.searching {
		b.WriteString(v.search.View() + "\n")
	} else {
		b.WriteString(s.Muted.Render(info+" · / search, n/N next/previous") + "\n")
	}
	page := max(1, h-3)
	flagged := map[int]bool{}
	for _, m := range lt.Matches {
		flagged[m.Line] = true
	}
	q := v.search.Value()
	end := min(len(lt.Lines), v.offset+page)
	for i := v.offset; i < end; i++ {
		l := truncate(lt.Lines[i], w-2)
		if flagged[i] {
			l = highlightPhrases(l, s.Highlight.Render)
		}
		if q != "" && !v.searching {
			l = highlight(l, q, s.Selected.Render)
		}
		mark := "  "
		if flagged[i] {
			mark = s.Critical.Render("! ")
		}
		b.WriteString(mark + l + "\n")
	}
	return b.String()
}

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
