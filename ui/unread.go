package ui

import (
	"strings"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
)

// unreadPart says why a part of a source was not read: the source in
// error, skipped or not collected (its data may still be there, empty:
// a sealed Vault answers its health and nothing else), or a problem of
// that part ("tenants", "jobs", "token"); "" when it was read. A view whose
// list is empty says this instead of "none".
func unreadPart(snap *collectors.Snapshot, source string, parts ...string) string {
	st := snap.Source(source)
	switch st.State {
	case collectors.StateError, collectors.StateSkipped, collectors.StateMissing:
		if st.Error != "" {
			return st.Error
		}
		return string(st.State)
	}
	for _, p := range st.Problems {
		for _, part := range parts {
			if p.Part == part || strings.HasPrefix(p.Part, part+" ") {
				return p.Error
			}
		}
	}
	return ""
}

// unreadLine is a view's line for a list that could not be read.
func unreadLine(st *state, what, why string) string {
	return st.styles.Unknown.Render("Unknown: ") + what + " could not be read — " + why
}
