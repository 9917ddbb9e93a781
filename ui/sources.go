package ui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
)

// sourcesView is every source's status in full, opened over the overview
// with s: its state, latency and time of reading, its error and every part
// it could not read, each wrapped whole (the overview's Sources lines name
// the first problem only).
type sourcesView struct {
	keys   sourcesKeys
	offset int
}

// sourcesKeys scroll the statuses.
type sourcesKeys struct {
	listKeys
	Scroll key.Binding
}

func sourcesKey() key.Binding {
	return key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "sources"))
}

func newSourcesView() sourcesView {
	return sourcesView{keys: sourcesKeys{listKeys: defaultListKeys(), Scroll: scrollHelp("↓/pgdn")}}
}

// ShortHelp implements help.KeyMap.
func (k sourcesKeys) ShortHelp() []key.Binding { return []key.Binding{k.Scroll} }

// FullHelp implements help.KeyMap.
func (k sourcesKeys) FullHelp() [][]key.Binding { return [][]key.Binding{k.help()} }

// KeyMap implements view.
func (v sourcesView) KeyMap() help.KeyMap { return v.keys }

// Typing implements view.
func (v sourcesView) Typing() bool { return false }

// Update scrolls; after a load it keeps the offset within the text.
func (v sourcesView) Update(msg tea.Msg, c *viewCtx) (view, tea.Cmd) {
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
func (v sourcesView) View(c *viewCtx, w, h int) string {
	return scrolled(c.state, v.lines(c.state, w), v.offset, h, "↓/pgdn")
}

func (v sourcesView) lines(st *state, w int) []string {
	s := st.styles
	var out []string
	wrapped := func(indent int, text string) {
		for _, l := range strings.Split(wrapWords(text, max(20, w-indent)), "\n") {
			out = append(out, strings.Repeat(" ", indent)+strings.TrimLeft(l, " "))
		}
	}
	out = append(out, truncate(s.Title.Render("Sources")+s.Muted.Render("  every source's status in full · esc back"), w), "")
	for _, name := range collectors.Sources() {
		src := st.snap.Source(name)
		style := s.OK
		switch src.State {
		case collectors.StatePartial:
			style = s.Warning
		case collectors.StateError:
			style = s.Critical
		case collectors.StateSkipped, collectors.StateMissing:
			style = s.Muted
		}
		state := string(src.State)
		if st.loading[name] {
			state += " (loading again)"
		}
		head := style.Render(stateMark[src.State]+" "+name) + "  " + style.Render(state)
		var facts []string
		if src.Latency.Duration() > 0 {
			facts = append(facts, "took "+src.Latency.Duration().Round(time.Millisecond).String())
		}
		if !src.CollectedAt.IsZero() {
			facts = append(facts, "read at "+src.CollectedAt.UTC().Format("2006-01-02 15:04:05Z"))
		}
		out = append(out, truncate(head, w))
		if len(facts) > 0 {
			wrapped(2, s.Muted.Render(strings.Join(facts, " · ")))
		}
		if src.Error != "" {
			wrapped(2, src.Error)
		}
		if len(src.Problems) > 0 {
			out = append(out, "  "+s.Warning.Render(fmt.Sprintf("%d part(s) could not be read:", len(src.Problems))))
			for _, p := range src.Problems {
				lines := strings.Split(wrapWords(p.Part+": "+p.Error, max(20, w-6)), "\n")
				for i, l := range lines {
					prefix := "    "
					if i == 0 {
						prefix = "  • "
					}
					out = append(out, prefix+strings.TrimLeft(l, " "))
				}
			}
		}
		out = append(out, "")
	}
	return out[:len(out)-1]
}

// opened implements opener: the footer names the scroll keys from the
// start when the statuses are taller than the screen.
func (v sourcesView) opened(c *viewCtx) (view, tea.Cmd) { return v.Update(dataMsg{}, c) }
