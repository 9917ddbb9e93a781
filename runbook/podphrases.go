package runbook

import (
	"fmt"
	"time"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors/auditlog"
)

// The runbook's phrases the orchestrator writes in its own log, outside any
// Job (collectors.PodLogPhrases).
const (
	phraseTooManyVersions = "Too many versions"      // Scenario 3
	phraseVersionLimit    = "Version limit exceeded" // Scenario 4
)

// podLogPhrase is what the security and orchestrator pods' logs, as read
// over the audit window, say of phrase: its count and latest line when a
// line holds it; otherwise nil and why its absence cannot be told ("" when
// every pod's log of the window was read).
func (t *triage) podLogPhrase(phrase string) (*auditlog.PhraseCount, string) {
	a, why := t.audit()
	if why != "" {
		return nil, why
	}
	pc, ok := a.Phrase(phrase)
	if !ok {
		return nil, fmt.Sprintf("logs: the snapshot does not record the pods' log lines holding %q (taken before they were counted)", phrase)
	}
	if pc.Lines > 0 && pc.Last != nil {
		return &pc, ""
	}
	for _, role := range []string{collectors.LogRoleSecurity, collectors.LogRoleOrchestrator} {
		if g := t.logGap(role); g != "" {
			return nil, g
		}
	}
	for _, p := range t.s.Logs.Pods {
		if p.Truncated && p.Error == "" {
			return nil, fmt.Sprintf("logs: the log of pod %s stopped at the byte limit, and its newest lines were not searched for %q", p.Pod, phrase)
		}
	}
	return nil, ""
}

// podLogSymptom adds to symptom id what the pods' logs say of phrase,
// beside what the Jobs' logs said: a current line makes it present; a line
// that is not current (stale says why; "" when it is) is shown beside an
// absence; when the logs cannot show it absent, an absence becomes unknown.
func (t *triage) podLogSymptom(ss symptoms, id SymptomID, phrase string, stale func(at *time.Time) string) {
	pc, why := t.podLogPhrase(phrase)
	r := ss[id]
	switch {
	case pc != nil:
		e := Evidence{Source: collectors.SourceLogs, Fact: fmt.Sprintf("log of pod %s (%d line(s) in the pods' logs since the audit window began)", pc.Last.Source, pc.Lines), Observed: clip(pc.Last.Text, 160), At: pc.Last.Time}
		if s := stale(pc.Last.Time); s != "" {
			e.Fact += " (not current: " + s + ")"
			if r.State == SymptomAbsent {
				r.Evidence = append(r.Evidence, e)
			}
			return
		}
		ss.present(id, e)
	case why != "" && r.State == SymptomAbsent:
		r.State, r.Reason = SymptomUnknown, why
	}
}
