package ui

import (
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
)

// KeyMap are the keys the root model takes in every view: quit, help,
// refresh, the tabs, and esc (back one level). Each view has a KeyMap of its
// own for the rest (overviewKeys, tenantsKeys …).
type KeyMap struct {
	Quit key.Binding
	// Interrupt quits even while text is typed or an action runs.
	Interrupt key.Binding
	Help      key.Binding
	Next      key.Binding
	Prev      key.Binding
	Back      key.Binding
	Refresh   key.Binding
	// Jump opens the prompt that jumps to a view or a scenario by name.
	Jump key.Binding
	// Tabs are 1, 2 … one per tab of the registry, in its order.
	Tabs []key.Binding
}

// DefaultKeyMap returns the default global keys, with a number key for
// each of the tabs named.
func DefaultKeyMap(tabs []string) KeyMap {
	k := KeyMap{
		Quit:      key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
		Interrupt: key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit")),
		Help:      key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Next:      key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next")),
		Prev:      key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "previous")),
		Back:      key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		Refresh:   key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "refresh")),
		Jump:      key.NewBinding(key.WithKeys(":"), key.WithHelp(":", "jump")),
	}
	for i, name := range tabs {
		n := strconv.Itoa(i + 1)
		k.Tabs = append(k.Tabs, key.NewBinding(key.WithKeys(n), key.WithHelp(n, strings.ToLower(name))))
	}
	return k
}

// ShortHelp is the footer's global keys (after the view's own).
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Next, k.Back, k.Jump, k.Refresh, k.Help, k.Quit}
}

// FullHelp is every global key, in columns.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		append(append([]key.Binding(nil), k.Tabs...), k.Next, k.Prev),
		{k.Back, k.Jump, k.Refresh, k.Help, k.Quit},
	}
}

// listKeys move the cursor of a list (and scroll a text).
type listKeys struct {
	Up       key.Binding
	Down     key.Binding
	PageUp   key.Binding
	PageDown key.Binding
	HalfUp   key.Binding
	HalfDown key.Binding
	Top      key.Binding
	Bottom   key.Binding
}

func defaultListKeys() listKeys {
	return listKeys{
		Up:       key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:     key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		PageUp:   key.NewBinding(key.WithKeys("pgup", "b"), key.WithHelp("pgup", "page up")),
		PageDown: key.NewBinding(key.WithKeys("pgdown", "f", " "), key.WithHelp("pgdn", "page down")),
		HalfUp:   key.NewBinding(key.WithKeys("ctrl+u"), key.WithHelp("ctrl+u", "half page up")),
		HalfDown: key.NewBinding(key.WithKeys("ctrl+d"), key.WithHelp("ctrl+d", "half page down")),
		Top:      key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("g", "top")),
		Bottom:   key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("G", "bottom")),
	}
}

// help is the list keys as one column of the full help.
func (k listKeys) help() []key.Binding {
	return []key.Binding{k.Up, k.Down, k.PageUp, k.PageDown, k.HalfUp, k.HalfDown, k.Top, k.Bottom}
}

// step is how far a scroll key moves in a page of page lines, and whether
// msg is one (Top and Bottom move by n, the whole length).
func (k listKeys) step(msg tea.KeyMsg, page, n int) (int, bool) {
	page = max(1, page)
	switch {
	case key.Matches(msg, k.Up):
		return -1, true
	case key.Matches(msg, k.Down):
		return 1, true
	case key.Matches(msg, k.PageUp):
		return -page, true
	case key.Matches(msg, k.PageDown):
		return page, true
	case key.Matches(msg, k.HalfUp):
		return -max(1, page/2), true
	case key.Matches(msg, k.HalfDown):
		return max(1, page/2), true
	case key.Matches(msg, k.Top):
		return -n, true
	case key.Matches(msg, k.Bottom):
		return n, true
	}
	return 0, false
}

// fieldKeys end the typing of a filter or a search: enter keeps it, esc
// drops it.
type fieldKeys struct {
	Accept key.Binding
	Cancel key.Binding
}

func defaultFieldKeys() fieldKeys {
	return fieldKeys{
		Accept: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "apply")),
		Cancel: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear")),
	}
}

// edit answers a key typed into a list's filter field: Accept keeps the
// text and leaves the field, Cancel clears it and leaves, any other key
// edits it. It returns the field and whether it still has the focus.
func (f fieldKeys) edit(ti textinput.Model, k tea.KeyMsg) (textinput.Model, bool) {
	k = literal(k)
	switch {
	case key.Matches(k, f.Accept):
		ti.Blur()
		return ti, false
	case key.Matches(k, f.Cancel):
		ti.Blur()
		ti.SetValue("")
		return ti, false
	}
	ti, _ = ti.Update(k)
	return ti, true
}

func filterKey(help string) key.Binding {
	return key.NewBinding(key.WithKeys("/"), key.WithHelp("/", help))
}

func openKey(help string) key.Binding {
	return key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", help))
}

// literal marks several characters that arrived as one key message as
// pasted, so that no binding takes typed text for a key's name: Bubble
// Tea hands a burst of typing (an unbracketed paste, a fast typist over
// ssh) over a word at a time, and a word's String() is the word, so
// "left", "up", "enter" or "esc" typed into a field matched the keys of
// those names and were dropped, moved the cursor or submitted the field.
// A bracketed paste is marked so already; a single character is a key.
func literal(k tea.KeyMsg) tea.KeyMsg {
	if k.Type == tea.KeyRunes && len(k.Runes) > 1 {
		k.Paste = true
	}
	return k
}
