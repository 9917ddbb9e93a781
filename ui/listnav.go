package ui

import (
	tea "github.com/charmbracelet/bubbletea"
)

// listNav is the cursor and scroll position of a list that shows page rows
// at a time.
type listNav struct {
	cursor, offset int
}

// move applies the navigation keys for a list of n rows; it reports whether
// the key was one of them.
func (l *listNav) move(msg tea.KeyMsg, k listKeys, n, page int) bool {
	d, ok := k.step(msg, page, n)
	if ok {
		l.cursor += d
	}
	l.clamp(n, page)
	return ok
}

// clamp keeps the cursor on a row and on screen.
func (l *listNav) clamp(n, page int) {
	page = max(1, page)
	l.cursor = max(0, min(l.cursor, n-1))
	if l.cursor < l.offset {
		l.offset = l.cursor
	}
	if l.cursor >= l.offset+page {
		l.offset = l.cursor - page + 1
	}
}

// visible is the range of rows on screen.
func (l listNav) visible(n, page int) (from, to int) {
	return l.offset, min(n, l.offset+max(1, page))
}

// listRow renders one row of a list, marked when it is the selected one.
func listRow(st *state, selected bool, line string, w int) string {
	if selected {
		return st.styles.Selected.Render("▸ "+truncate(line, w-2)) + "\n"
	}
	return "  " + truncate(line, w-2) + "\n"
}
