package ui

import (
	"cmp"
	"fmt"
	"slices"
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
// rendered, so it stays smooth with tens of thousands of tenants; the rows
// are built and sorted with the judgement, in its Cmd (tenantIndex), and a
// filter or a sort here is one pass over a slice of indices.
type tenantsView struct {
	listNav
	keys      tenantsKeys
	sortBy    int
	filter    textinput.Model
	filtering bool

	idx   *tenantIndex // of the judgement shown; nil before the first
	shown []int32      // rows of idx, sorted and filtered (read only: it may be idx's own order)
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
	v.cursor, v.offset = 0, 0
	v.refilter(c.state)
	return v, true
}

// KeyMap implements view.
func (v tenantsView) KeyMap() help.KeyMap { return v.keys }

// Typing implements view.
func (v tenantsView) Typing() bool { return v.filtering }

// tenantIndex is every tenant's row in each of the view's orders, built
// off the event loop with the judgement it belongs to, and read only after.
type tenantIndex struct {
	rows []tenantRow
	// text is, per row, what the filter matches: the tenant id and the
	// flags, lower case.
	text []string
	// order is, per tenantSorts, the rows in that order, the tenants whose
	// key is lost first whatever the order.
	order [][]int32
}

// newTenantIndex builds the rows of s's tenants as a judged (they may
// change only with it): Vault's tenants, then the tenants whose key is
// gone while the audit log or the metrics name them (no row in Vault's
// list, so one of their own).
func newTenantIndex(s *collectors.Snapshot, a runbook.Assessment) *tenantIndex {
	x := &tenantIndex{order: make([][]int32, len(tenantSorts))}
	if s.Vault == nil {
		return x
	}
	flags := map[string]map[string]bool{}
	for _, c := range a.Compliance.Findings {
		if flags[c.Tenant] == nil {
			flags[c.Tenant] = map[string]bool{}
		}
		flags[c.Tenant][c.Kind] = true
	}
	keep := s.Config.Vault.RetentionVersions
	x.rows = make([]tenantRow, 0, len(s.Vault.Tenants))
	for _, t := range s.Vault.Tenants {
		x.rows = append(x.rows, tenantRow{t: t, last: t.CurrentCreated, over: t.LiveVersions > keep,
			overdue: flags[t.ID][runbook.ComplianceOverdue], failed: flags[t.ID][runbook.ComplianceFailedAccess],
			keyLost: flags[t.ID][runbook.ComplianceKeyUnavailable]})
		delete(flags[t.ID], runbook.ComplianceKeyUnavailable)
	}
	for _, c := range a.Compliance.Findings {
		if c.Kind == runbook.ComplianceKeyUnavailable && c.Tenant != "*" && flags[c.Tenant][c.Kind] {
			delete(flags[c.Tenant], c.Kind)
			x.rows = append(x.rows, tenantRow{t: collectors.Tenant{ID: c.Tenant, Missing: true}, keyLost: true})
		}
	}
	x.text = make([]string, len(x.rows))
	var b strings.Builder
	for i, r := range x.rows {
		b.Reset()
		b.WriteString(strings.ToLower(r.t.ID))
		for _, f := range r.flags() {
			b.WriteByte(0) // typed text never holds it: no match across two
			b.WriteString(strings.ToLower(f.text))
		}
		x.text[i] = b.String()
	}
	rows := x.rows
	byID := func(i, j int32) int { return strings.Compare(rows[i].t.ID, rows[j].t.ID) }
	cmps := []func(i, j int32) int{
		func(i, j int32) int { // most live versions
			if d := cmp.Compare(rows[j].t.LiveVersions, rows[i].t.LiveVersions); d != 0 {
				return d
			}
			return byID(i, j)
		},
		func(i, j int32) int { // oldest rotation, never rotated first
			a, b := rows[i].last, rows[j].last
			switch {
			case a == nil && b == nil:
				return byID(i, j)
			case a == nil:
				return -1
			case b == nil:
				return 1
			}
			return a.Compare(*b)
		},
		byID,
	}
	for o := range tenantSorts {
		ord := make([]int32, len(rows))
		for i := range ord {
			ord[i] = int32(i)
		}
		by := cmps[min(o, len(cmps)-1)]
		// a lost key is critical: such tenants lead whatever the order
		slices.SortStableFunc(ord, func(i, j int32) int {
			if rows[i].keyLost != rows[j].keyLost {
				if rows[i].keyLost {
					return -1
				}
				return 1
			}
			return by(i, j)
		})
		x.order[o] = ord
	}
	return x
}

// row is the i-th row shown.
func (v tenantsView) row(i int) tenantRow { return v.idx.rows[v.shown[i]] }

// refilter shows the rows of the judgement's index that the filter keeps,
// in the order chosen: one pass, no sort.
func (v *tenantsView) refilter(st *state) {
	v.idx = st.tenants
	ord := v.idx.order[v.sortBy]
	q := strings.ToLower(strings.TrimSpace(v.filter.Value()))
	if q == "" {
		v.shown = ord
	} else {
		v.shown = make([]int32, 0, len(ord)/4)
		for _, i := range ord {
			if strings.Contains(v.idx.text[i], q) {
				v.shown = append(v.shown, i)
			}
		}
	}
	if v.cursor >= len(v.shown) {
		v.cursor = max(0, len(v.shown)-1)
	}
}

// Update rebuilds the rows on new data, and answers the list, filter and
// sort keys.
func (v tenantsView) Update(msg tea.Msg, c *viewCtx) (view, tea.Cmd) {
	st, h := c.state, c.h
	var k tea.KeyMsg
	switch msg := msg.(type) {
	case dataMsg:
		v.refilter(st)
		return v, nil
	case tea.KeyMsg:
		k = msg
	default:
		return v, nil
	}
	if v.filtering {
		v.filter, v.filtering = v.keys.field.edit(v.filter, k)
		v.cursor, v.offset = 0, 0
		v.refilter(st)
		return v, nil
	}
	if v.idx != st.tenants {
		v.refilter(st)
	}
	page := h - 4
	if v.move(k, v.keys.listKeys, len(v.shown), page) {
		return v, nil
	}
	switch {
	case key.Matches(k, v.keys.Open):
		if v.cursor < len(v.shown) {
			c.open = newTenantDetail(c, v.row(v.cursor).t.ID, "the tenants")
		}
	case key.Matches(k, v.keys.Filter):
		v.filtering = true
		v.filter.Focus()
	case key.Matches(k, v.keys.Sort):
		v.sortBy = (v.sortBy + 1) % len(tenantSorts)
		v.refilter(st)
	}
	v.clamp(len(v.shown), page)
	return v, nil
}

// View implements view.
func (v tenantsView) View(c *viewCtx, w, h int) string {
	st := c.state
	s := st.styles
	if st.snap.Vault == nil {
		return emptySource(st, collectors.SourceVault, "tenants", w)
	}
	var b strings.Builder
	keep := st.snap.Config.Vault.RetentionVersions
	head := fmt.Sprintf("%d tenants", len(st.snap.Vault.Tenants))
	unread := unreadPart(st.snap, collectors.SourceVault, "tenants", "token")
	switch sc := st.snap.Vault.TenantScan; {
	case len(st.snap.Vault.Tenants) == 0 && (unread != "" || sc.Note != ""):
		head = s.Unknown.Render("tenants unknown") // not "0 tenants": none could be listed
	case sc.Listed > sc.Scanned:
		head = fmt.Sprintf("%d of %d listed tenants read", sc.Scanned-sc.Failed, sc.Listed)
	}
	if q := v.filter.Value(); q != "" {
		head = fmt.Sprintf("%d of %d tenants match %q", len(v.shown), len(st.snap.Vault.Tenants), q)
	}
	n := 0
	for i := range st.snap.Vault.Tenants {
		if st.snap.Vault.Tenants[i].Error != "" {
			n++
		}
	}
	if n > 0 {
		head += s.Unknown.Render(fmt.Sprintf(" (%d unreadable: ? below)", n))
	}
	b.WriteString(s.Section.Render("Tenants") + "  " + head + s.Muted.Render(fmt.Sprintf(" · retention %d · sorted by %s (s)", keep, tenantSorts[v.sortBy])) + "\n")
	if v.filtering || v.filter.Value() != "" {
		b.WriteString(v.filter.View() + "\n")
	} else {
		b.WriteString(s.Muted.Render("/ to filter") + "\n")
	}
	b.WriteString(s.Muted.Render(fmt.Sprintf("  %-14s %5s %6s %5s %5s  %-16s %s", "TENANT", "CUR", "OLDEST", "LIVE", "MAX", "LAST ROTATION", "FLAGS")) + "\n")
	from, to := v.visible(len(v.shown), h-4)
	for i := from; i < to; i++ {
		r := v.row(i)
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
		line := fmt.Sprintf("%-14s %5d %6s %5d %5s  %-16s %s", r.t.ID, r.t.CurrentVersion, oldestCell(r.t), r.t.LiveVersions, maxV, last, strings.Join(flags, " "))
		if r.t.Error != "" { // its metadata was not read: no count is known
			line = fmt.Sprintf("%-14s %5s %6s %5s %5s  %-16s %s", r.t.ID, "?", "?", "?", "?", "unknown", strings.Join(flags, " "))
		}
		b.WriteString(listRow(st, i == v.cursor, line, w))
	}
	switch {
	case len(st.snap.Vault.Tenants) == 0 && unread != "":
		b.WriteString(wrapHanging("  "+unreadLine(st, "the tenants", unread), w) + "\n")
	case len(st.snap.Vault.Tenants) == 0 && st.snap.Vault.TenantScan.Note != "":
		// none listed is not "no tenant": say why, and what to check
		b.WriteString(wrapHanging("  "+s.Unknown.Render("? ")+st.snap.Vault.TenantScan.Note, w) + "\n")
	case len(v.shown) == 0:
		b.WriteString(s.Muted.Render("  no tenant") + "\n")
	}
	return b.String()
}

// emptySource explains why a view has nothing to show.
func emptySource(st *state, source, what string, w int) string {
	s := st.styles
	if st.loading[source] {
		return st.spin + " loading " + what + "…"
	}
	src := st.snap.Source(source)
	msg := src.Error
	if msg == "" {
		msg = string(src.State)
	}
	// wrapped, not cut: a source's error ends with what to do about it
	return wrapHanging(s.Unknown.Render("Unknown: ")+what+" could not be read — "+msg, w)
}

// oldestCell is the tenant's oldest live version for its row: "-" when none
// is live, "?" when the snapshot does not say.
func oldestCell(t collectors.Tenant) string {
	switch n := t.OldestLive(); {
	case t.LiveVersions == 0:
		return "-"
	case n == 0:
		return "?"
	default:
		return fmt.Sprint(n)
	}
}
