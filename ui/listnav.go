package ui

import (
	"fmt"
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/key"
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

// scrollHelp is the footer's entry for the keys that scroll a text taller
// than the screen (listKeys does the scrolling): shown only while there is
// more than one screen, so the footer never names a key that does nothing.
func scrollHelp(keys string) key.Binding {
	return key.NewBinding(key.WithKeys("pgdown"), key.WithHelp(keys, "scroll"), key.WithDisabled())
}

// clampOffset keeps the first line shown of n lines in h within the text:
// the last screen is a full one.
func clampOffset(off, n, h int) int { return max(0, min(off, n-h)) }

// scrolled is h lines of lines from off (clamped): when more are below,
// the last says how many and the keys that bring them (keys).
func scrolled(st *state, lines []string, off, h int, keys string) string {
	off = clampOffset(off, len(lines), h)
	end := min(len(lines), off+h)
	out := slices.Clone(lines[off:end])
	if end < len(lines) && len(out) > 0 {
		out[len(out)-1] = st.styles.Muted.Render(fmt.Sprintf("… %d more line(s) below (%s)", len(lines)-end+1, keys))
	}
	return strings.Join(out, "\n")
}
