package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
)

// jumpPrompt is the k9s-like ":" prompt: type the start of a view's or a
// scenario's name (or its number: "2", "s2", "scenario 2"), tab completes, enter jumps, esc
// cancels. It takes the footer's place while it is open.
type jumpPrompt struct {
	open  bool
	input textinput.Model
	keys  jumpKeys
}

// jumpKeys are the prompt's keys.
type jumpKeys struct {
	Accept, Cancel, Complete key.Binding
}

func newJumpPrompt() jumpPrompt {
	ti := textinput.New()
	ti.Prompt = ":"
	ti.Placeholder = "view or scenario"
	ti.CharLimit = 64
	return jumpPrompt{input: ti, keys: jumpKeys{
		Accept:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "jump")),
		Cancel:   key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
		Complete: key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "complete")),
	}}
}

// jumpTarget is a place the prompt can go: a tab, or a scenario's
// walkthrough (over the overview).
type jumpTarget struct {
	name     string // as matched and completed, lower case
	label    string // as shown
	tab      int
	scenario string // "" for a tab
}

// jumpTargets are the tabs, then the scenarios in the overview's order
// (overviewOrder): among scenarios a name matches, the prompt takes the
// one the overview lists first.
func (m Model) jumpTargets() []jumpTarget {
	var out []jumpTarget
	for i, t := range m.tabs {
		out = append(out, jumpTarget{name: strings.ToLower(t.name), label: t.name, tab: i})
	}
	for _, f := range overviewOrder(m.st.assess) {
		out = append(out, jumpTarget{name: strings.ToLower(f.Title), label: fmt.Sprintf("%d %s", f.Number, f.Title),
			scenario: f.ID, tab: 0})
	}
	return out
}

// matches are the targets for what is typed: the names it begins, else
// the names with a word it begins; "2", "s2" and "scenario 2" name
// Scenario 2, the number the overview shows beside it (the number keys
// alone are the tabs).
func (m Model) jumpMatches(typed string) []jumpTarget {
	q := strings.ToLower(strings.TrimSpace(typed))
	all := m.jumpTargets()
	if q == "" {
		return all
	}
	var prefix, word []jumpTarget
	for _, t := range all {
		number := ""
		if t.scenario != "" {
			number = strings.SplitN(t.label, " ", 2)[0]
		}
		switch {
		case strings.HasPrefix(t.name, q), number != "" && (q == number || q == "s"+number || q == "scenario "+number):
			prefix = append(prefix, t)
		case strings.Contains(" "+t.name, " "+q):
			word = append(word, t)
		}
	}
	return append(prefix, word...)
}

// updateJump answers a key while the prompt is open.
func (m Model) updateJump(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	j := &m.jump
	msg = literal(msg)
	switch {
	case key.Matches(msg, j.keys.Cancel):
		j.open = false
		j.input.Blur()
		return m, nil
	case key.Matches(msg, j.keys.Complete):
		if ts := m.jumpMatches(j.input.Value()); len(ts) > 0 {
			j.input.SetValue(ts[0].name)
			j.input.CursorEnd()
		}
		return m, nil
	case key.Matches(msg, j.keys.Accept):
		typed := j.input.Value()
		ts := m.jumpMatches(typed)
		j.open = false
		j.input.Blur()
		if len(ts) == 0 {
			m.st.message = fmt.Sprintf("no view or scenario is called %q (: then tab lists them)", typed)
			m.jumpMiss = m.st.message // the next key clears it
			return m, nil
		}
		t := ts[0]
		m.goTab(t.tab)
		if t.scenario == "" {
			return m, nil
		}
		f, _ := m.st.assess.Finding(t.scenario)
		c := m.viewCtx()
		cmd := openScenario(c, f)
		m.stack = []view{c.open}
		return m, cmd
	}
	var cmd tea.Cmd
	j.input, cmd = j.input.Update(msg)
	return m, cmd
}

// jumpFooter is the prompt and what it would jump to, in place of the
// footer.
func (m Model) jumpFooter(w int) string {
	s := m.st.styles
	ts := m.jumpMatches(m.jump.input.Value())
	var items []string
	for i, t := range ts {
		label := t.label
		if t.scenario != "" {
			label = "scenario " + label
		}
		if i == 0 {
			label = s.Selected.Render(label)
		}
		items = append(items, label)
	}
	if len(items) == 0 {
		items = []string{s.Warning.Render("no match")}
	}
	hint := s.Muted.Render("  tab completes · enter jumps · esc cancels")
	list := strings.Split(wrapItems(items, s.Muted.Render(" · "), w), "\n")
	if len(list) > 2 {
		list = append(list[:1], truncate(list[1]+" …", w)) // two lines at most: typing narrows it
	}
	return truncate(m.jump.input.View()+hint, w) + "\n" + strings.Join(list, "\n")
}
