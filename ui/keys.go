package ui

import "github.com/charmbracelet/bubbles/key"

// KeyMap are the keys every view shares.
type KeyMap struct {
	Quit     key.Binding
	Help     key.Binding
	Next     key.Binding
	Prev     key.Binding
	View1    key.Binding
	View2    key.Binding
	View3    key.Binding
	View4    key.Binding
	View5    key.Binding
	Back     key.Binding
	Refresh  key.Binding
	Up       key.Binding
	Down     key.Binding
	PageUp   key.Binding
	PageDown key.Binding
	Top      key.Binding
	Bottom   key.Binding
	Enter    key.Binding
	Filter   key.Binding
	Sort     key.Binding
	Copy     key.Binding
	Outcome  key.Binding
	Events   key.Binding
	Action   key.Binding
	NextHit  key.Binding
	PrevHit  key.Binding
}

// DefaultKeyMap returns the default keys.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Quit:     key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
		Help:     key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Next:     key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next view")),
		Prev:     key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "previous view")),
		View1:    key.NewBinding(key.WithKeys("1"), key.WithHelp("1", "overview")),
		View2:    key.NewBinding(key.WithKeys("2"), key.WithHelp("2", "tenants")),
		View3:    key.NewBinding(key.WithKeys("3"), key.WithHelp("3", "jobs")),
		View4:    key.NewBinding(key.WithKeys("4"), key.WithHelp("4", "audit")),
		View5:    key.NewBinding(key.WithKeys("5"), key.WithHelp("5", "metrics")),
		Back:     key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		Refresh:  key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "refresh")),
		Up:       key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:     key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		PageUp:   key.NewBinding(key.WithKeys("pgup", "b"), key.WithHelp("pgup", "page up")),
		PageDown: key.NewBinding(key.WithKeys("pgdown", "f", " "), key.WithHelp("pgdn", "page down")),
		Top:      key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("g", "top")),
		Bottom:   key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("G", "bottom")),
		Enter:    key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open")),
		Filter:   key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		Sort:     key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "sort")),
		Copy:     key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "copy command")),
		Outcome:  key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "outcome filter")),
		Events:   key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "events / per tenant")),
		Action:   key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "run the step's action")),
		NextHit:  key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "next match")),
		PrevHit:  key.NewBinding(key.WithKeys("N"), key.WithHelp("N", "previous match")),
	}
}

// ShortHelp is the footer's keys.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Next, k.Enter, k.Back, k.Refresh, k.Help, k.Quit}
}

// FullHelp is every global key, in columns.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.View1, k.View2, k.View3, k.View4, k.View5, k.Next, k.Prev},
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom},
		{k.Enter, k.Back, k.Filter, k.Sort, k.Outcome, k.Events, k.NextHit, k.PrevHit},
		{k.Copy, k.Action, k.Refresh, k.Help, k.Quit},
	}
}
