package ui

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/runbook"
)

// tenantsView lists every tenant's key versions. Only the visible rows are
// rendered, so it stays smooth with tens of thousands of tenants.
type tenantsView struct {
	listNav
	keys      tenantsKeys
	sortBy    int
	filter    textinput.Model
	filtering bool

	rows  []tenantRow // sorted and filtered; nil means rebuild
	built bool
}

type tenantRow struct {
	t       collectors.Tenant
	overdue bool
	over    bool
	failed  bool
	last    *time.Time
	// keyLost: the current version, or one within retention, is deleted
	// or destroyed, or the key is gone ("Encryption key not found").
	keyLost bool
}

// tenantFlag is a word of the FLAGS column and how it is styled.
type tenantFlag struct {
	text  string
	style func(Styles) lipgloss.Style
}

// flags are the row's flags, worst first; the filter matches them too
// (/OVERDUE).
func (r tenantRow) flags() []tenantFlag {
	var out []tenantFlag
	add := func(ok bool, text string, style func(Styles) lipgloss.Style) {
		if ok {
			out = append(out, tenantFlag{text, style})
		}
	}
	critical := func(s Styles) lipgloss.Style { return s.Critical }
	warning := func(s Styles) lipgloss.Style { return s.Warning }
	add(r.keyLost, "KEY-LOST", critical)
	add(r.t.Missing, "no key in Vault", critical)
	add(r.overdue, "OVERDUE", critical)
	add(r.over, "OVER-RETENTION", warning)
	add(r.failed, "FAILING", warning)
	add(r.t.Error != "", "unreadable: "+r.t.Error, func(s Styles) lipgloss.Style { return s.Unknown })
	return out
}

// matches reports whether the row's tenant id or one of its flags holds
// q (lower case).
func (r tenantRow) matches(q string) bool {
	if q == "" || strings.Contains(strings.ToLower(r.t.ID), q) {
		return true
	}
	for _, f := range r.flags() {
		if strings.Contains(strings.ToLower(f.text), q) {
			return true
		}
	}
	return false
}

var tenantSorts = []string{"most live versions", "oldest rotation", "tenant id"}

// tenantsKeys move in the list, filter it, sort it.
type tenantsKeys struct {
	listKeys
	field  fieldKeys
	Open   key.Binding
	Filter key.Binding
	Sort   key.Binding
	Clear  key.Binding // esc: drop the filter applied
}

// ShortHelp implements help.KeyMap.
func (k tenantsKeys) ShortHelp() []key.Binding { return []key.Binding{k.Open, k.Filter, k.Sort} }

// FullHelp implements help.KeyMap.
func (k tenantsKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{k.help(), {k.Open, k.Filter, k.Sort, k.Clear}}
}

func newTenantsView() tenantsView {
	ti := textinput.New()
	ti.Prompt = "/"
	ti.Placeholder = "tenant id or flag (OVERDUE, KEY-LOST …)"
	ti.CharLimit = 64
	return tenantsView{filter: ti, keys: tenantsKeys{listKeys: defaultListKeys(), field: defaultFieldKeys(),
		Open:   openKey("details"),
		Filter: filterKey("filter"),
		Sort:   key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "sort")),
		Clear:  key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear the filter")),
	}}
}

// Back implements backer: esc drops the filter applied.
func (v tenantsView) Back(c *viewCtx) (view, bool) {
	if v.filter.Value() == "" {
		return v, false
	}
	v.filter.SetValue("")
	v.built, v.cursor, v.offset = false, 0, 0
	v.build(c.state)
	return v, true
}

// KeyMap implements view.
func (v tenantsView) KeyMap() help.KeyMap { return v.keys }

// Typing implements view.
func (v tenantsView) Typing() bool { return v.filtering }

func (v *tenantsView) build(st *state) {
	if v.built {
		return
	}
	v.built = true
	v.rows = v.rows[:0]
	if st.snap.Vault == nil {
		return
	}
	flags := map[string]map[string]bool{}
	for _, c := range st.assess.Compliance.Findings {
		if flags[c.Tenant] == nil {
			flags[c.Tenant] = map[string]bool{}
		}
		flags[c.Tenant][c.Kind] = true
	}
	q := strings.ToLower(strings.TrimSpace(v.filter.Value()))
	keep := st.snap.Config.Vault.RetentionVersions
	for _, t := range st.snap.Vault.Tenants {
		r := tenantRow{t: t, last: t.CurrentCreated, over: t.LiveVersions > keep,
			overdue: flags[t.ID][runbook.ComplianceOverdue], failed: flags[t.ID][runbook.ComplianceFailedAccess],
			keyLost: flags[t.ID][runbook.ComplianceKeyUnavailable]}
		delete(flags[t.ID], runbook.ComplianceKeyUnavailable)
		if r.matches(q) {
			v.rows = append(v.rows, r)
		}
	}
	// tenants whose key is gone while the audit log or the metrics name
	// them: no row in Vault's list, so one of their own
	for _, c := range st.assess.Compliance.Findings {
		if c.Kind == runbook.ComplianceKeyUnavailable && c.Tenant != "*" && flags[c.Tenant][c.Kind] {
			if r := (tenantRow{t: collectors.Tenant{ID: c.Tenant, Missing: true}, keyLost: true}); r.matches(q) {
				v.rows = append(v.rows, r)
			}
		}
	}
	switch v.sortBy {
	case 0:
		sort.SliceStable(v.rows, func(i, j int) bool {
			if v.rows[i].t.LiveVersions != v.rows[j].t.LiveVersions {
				return v.rows[i].t.LiveVersions > v.rows[j].t.LiveVersions
			}
			return v.rows[i].t.ID < v.rows[j].t.ID
		})
	case 1:
		sort.SliceStable(v.rows, func(i, j int) bool {
			a, b := v.rows[i].last, v.rows[j].last
			switch {
			case a == nil && b == nil:
				return v.rows[i].t.ID < v.rows[j].t.ID
			case a == nil:
				return true
			case b == nil:
				return false
			}
			return a.Before(*b)
		})
	default:
		sort.SliceStable(v.rows, func(i, j int) bool { return v.rows[i].t.ID < v.rows[j].t.ID })
	}
	// a lost key is critical: such tenants lead whatever the order
	sort.SliceStable(v.rows, func(i, j int) bool { return v.rows[i].keyLost && !v.rows[j].keyLost })
	if v.cursor >= len(v.rows) {
		v.cursor = max(0, len(v.rows)-1)
	}
}

// Update rebuilds the rows on new data, and answers the list, filter and
// sort keys.
func (v tenantsView) Update(msg tea.Msg, c *viewCtx) (view, tea.Cmd) {
	st, h := c.state, c.h
	var k tea.KeyMsg
	switch msg := msg.(type) {
	case dataMsg:
		v.built = false
		v.build(st)
		return v, nil
	case tea.KeyMsg:
		k = msg
	default:
		return v, nil
	}
	if v.filtering {
		switch {
		case key.Matches(k, v.keys.field.Accept):
			v.filtering = false
			v.filter.Blur()
		case key.Matches(k, v.keys.field.Cancel):
			v.filtering = false
			v.filter.Blur()
			v.filter.SetValue("")
		default:
			v.filter, _ = v.filter.Update(k)
		}
		v.built = false
		v.cursor, v.offset = 0, 0
		v.build(st)
		return v, nil
	}
	v.build(st)
	page := h - 4
	if v.move(k, v.keys.listKeys, len(v.rows), page) {
		return v, nil
	}
	switch {
	case key.Matches(k, v.keys.Open):
		if v.cursor < len(v.rows) {
			c.open = newTenantDetail(c, v.rows[v.cursor].t.ID)
		}
	case key.Matches(k, v.keys.Filter):
		v.filtering = true
		v.filter.Focus()
	case key.Matches(k, v.keys.Sort):
		v.sortBy = (v.sortBy + 1) % len(tenantSorts)
		v.built = false
	}
	v.build(st)
	v.clamp(len(v.rows), page)
	return v, nil
}

// View implements view.
func (v tenantsView) View(c *viewCtx, w, h int) string {
	st := c.state
	s := st.styles
	if st.snap.Vault == nil {
		return emptySource(st, collectors.SourceVault, "tenants")
	}
	var b strings.Builder
	keep := st.snap.Config.Vault.RetentionVersions
	head := fmt.Sprintf("%d tenants", len(st.snap.Vault.Tenants))
	if q := v.filter.Value(); q != "" {
		head = fmt.Sprintf("%d of %d tenants match %q", len(v.rows), len(st.snap.Vault.Tenants), q)
	}
	b.WriteString(s.Section.Render("Tenants") + "  " + head + s.Muted.Render(fmt.Sprintf(" · retention %d · sorted by %s (s)", keep, tenantSorts[v.sortBy])) + "\n")
	if v.filtering || v.filter.Value() != "" {
		b.WriteString(v.filter.View() + "\n")
	} else {
		b.WriteString(s.Muted.Render("/ to filter") + "\n")
	}
	b.WriteString(s.Muted.Render(fmt.Sprintf("  %-14s %5s %6s %5s %5s  %-16s %s", "TENANT", "CUR", "OLDEST", "LIVE", "MAX", "LAST ROTATION", "FLAGS")) + "\n")
	from, to := v.visible(len(v.rows), h-4)
	for i := from; i < to; i++ {
		r := v.rows[i]
		last := "unknown"
		if r.last != nil {
			last = shortDur(st.judgedAt.Sub(*r.last)) + " ago"
		}
		var flags []string
		for _, f := range r.flags() {
			flags = append(flags, f.style(s).Render(f.text))
		}
		maxV := "-"
		if r.t.MaxVersions > 0 {
			maxV = fmt.Sprint(r.t.MaxVersions)
		}
		line := fmt.Sprintf("%-14s %5d %6d %5d %5s  %-16s %s", r.t.ID, r.t.CurrentVersion, r.t.OldestVersion, r.t.LiveVersions, maxV, last, strings.Join(flags, " "))
		b.WriteString(listRow(st, i == v.cursor, line, w))
	}
	if len(v.rows) == 0 {
		b.WriteString(s.Muted.Render("  no tenant") + "\n")
	}
	return b.String()
}

// emptySource explains why a view has nothing to show.
func emptySource(st *state, source, what string) string {
	s := st.styles
	if st.loading[source] {
		return st.spin + " loading " + what + "…"
	}
	src := st.snap.Source(source)
	msg := src.Error
	if msg == "" {
		msg = string(src.State)
	}
	return s.Unknown.Render("Unknown: ") + what + " could not be read — " + msg
}
