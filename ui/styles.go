// Package ui is the Bubble Tea dashboard: an overview of the sources and the
// runbook's scenarios, a walkthrough per scenario, and views of tenants,
// jobs and logs, audit events and metrics. All I/O happens in tea.Cmds that
// call a Loader; Update and View never touch the network or the clock.
package ui

import (
	"github.com/charmbracelet/lipgloss"

	"github.com/oss-ai-agent-tool/kubectl-rotation/runbook"
)

// Styles are the dashboard's styles, named by meaning.
type Styles struct {
	Title     lipgloss.Style
	Header    lipgloss.Style
	Banner    lipgloss.Style
	Section   lipgloss.Style
	Tab       lipgloss.Style
	TabActive lipgloss.Style
	Critical  lipgloss.Style
	Warning   lipgloss.Style
	OK        lipgloss.Style
	Unknown   lipgloss.Style
	Muted     lipgloss.Style
	Selected  lipgloss.Style
	Command   lipgloss.Style
	Highlight lipgloss.Style
	Key       lipgloss.Style
	Footer    lipgloss.Style
}

// DefaultStyles are the colour styles; with noColor every style keeps only
// bold, reverse and underline, so the screen reads without colour
// (NO_COLOR).
func DefaultStyles(noColor bool) Styles {
	c := func(s lipgloss.Style, fg string) lipgloss.Style {
		if noColor {
			return s
		}
		return s.Foreground(lipgloss.Color(fg))
	}
	s := Styles{
		Title:     c(lipgloss.NewStyle().Bold(true), "39"),
		Header:    c(lipgloss.NewStyle(), "250"),
		Banner:    lipgloss.NewStyle().Bold(true).Reverse(true),
		Section:   c(lipgloss.NewStyle().Bold(true).Underline(true), "75"),
		Tab:       c(lipgloss.NewStyle(), "245"),
		TabActive: lipgloss.NewStyle().Bold(true).Reverse(true),
		Critical:  c(lipgloss.NewStyle().Bold(true), "196"),
		Warning:   c(lipgloss.NewStyle().Bold(true), "214"),
		OK:        c(lipgloss.NewStyle(), "42"),
		Unknown:   c(lipgloss.NewStyle().Bold(true), "135"),
		Muted:     c(lipgloss.NewStyle(), "244"),
		Selected:  lipgloss.NewStyle().Reverse(true),
		Command:   c(lipgloss.NewStyle(), "117"),
		Highlight: c(lipgloss.NewStyle().Bold(true).Underline(true), "226"),
		Key:       c(lipgloss.NewStyle().Bold(true), "111"),
		Footer:    c(lipgloss.NewStyle(), "244"),
	}
	if !noColor {
		s.Banner = s.Banner.Foreground(lipgloss.Color("214"))
	}
	return s
}

// ForStatus is the style of a scenario status.
func (s Styles) ForStatus(st runbook.Status) lipgloss.Style {
	switch st {
	case runbook.StatusActive:
		return s.Critical
	case runbook.StatusSuspected:
		return s.Warning
	case runbook.StatusUnknown:
		return s.Unknown
	}
	return s.OK
}

// ForSeverity is the style of a severity.
func (s Styles) ForSeverity(sv runbook.Severity) lipgloss.Style {
	switch sv {
	case runbook.SeverityCritical:
		return s.Critical
	case runbook.SeverityWarning:
		return s.Warning
	case runbook.SeverityInfo:
		return s.Unknown
	}
	return s.OK
}
