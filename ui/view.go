package ui

import (
	"context"

	"github.com/charmbracelet/bubbles/help"
	tea "github.com/charmbracelet/bubbletea"
)

// view is one screen of the dashboard: a tab's (see tabs) or one opened
// over it (a scenario from the overview, a Job's log from the jobs). The
// root model sends it the keys it does not take itself, and a dataMsg after
// every load (rebuild what is derived from the data there, never in View).
// A view is a value: Update returns the changed copy.
type view interface {
	// Update answers a key or a dataMsg; what it asks of the root (open a
	// view over it, run an action) it sets on c.
	Update(msg tea.Msg, c *viewCtx) (view, tea.Cmd)
	// View draws the view in w×h cells. It only reads.
	View(c *viewCtx, w, h int) string
	// KeyMap is the view's own keys: the footer shows ShortHelp, ? shows
	// FullHelp, each beside the global keys.
	KeyMap() help.KeyMap
	// Typing reports whether the view is taking text (a filter): every
	// key but ctrl+c is then the view's.
	Typing() bool
}

// backer is a view with a level of its own that esc undoes first (a
// filter applied); Back reports false when there is none, and esc then
// closes the view (or, on a tab, goes to the first tab).
type backer interface {
	Back(c *viewCtx) (view, bool)
}

// opener is a view with work to start when it opens (a read in a Cmd):
// the root calls opened as it opens the view, and shows what it returns.
type opener interface {
	opened(c *viewCtx) (view, tea.Cmd)
}

// tab is a view of the tab row, reached with its number key; short is
// its name when the row is too narrow for every full name (tabRow).
type tab struct {
	name, short string
	view        view
}

// defaultTabs is the tab registry, in the tab row's order: a new view is
// its file and one line here.
func defaultTabs() []tab {
	return []tab{
		{"Overview", "Over", newOverviewView()},
		{"Tenants", "Ten", newTenantsView()},
		{"Jobs", "Jobs", newJobsView()},
		{"Audit", "Aud", newAuditView()},
		{"Metrics", "Met", newMetricsView()},
		{"Timeline", "Time", newTimelineView()},
	}
}

// viewCtx is what a view reads besides itself, and where it asks the root
// for what only the root can do.
type viewCtx struct {
	*state
	w, h  int // the body's size
	ctx   context.Context
	actor Actor // nil: actions are unavailable (state.noActor says why)

	// open is a view to open over the focused one (esc comes back).
	open view
	// act asks the root to open the action modal for a step's action.
	act *actionRequest
}

// actionRequest is the action of a scenario's step the person chose.
type actionRequest struct {
	scenario, action string
}

// dataMsg tells every view that a load's result was merged and judged.
type dataMsg struct{}

// viewAnswer is the answer of a Cmd a view started (a long log's search):
// the root gives it to every view open, and the one it answers takes it.
type viewAnswer interface{ answersView() }
