package runbook

import (
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/go-secure-stdlib/strutil"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
)

// roleBinds reports whether a Kubernetes-auth role's bound list admits
// name the way the Kubernetes auth plugin matches at login: each entry a
// glob in which "*" stands for any run of characters ("*" alone for all),
// strutil.StrListContainsGlob as the plugin calls it.
func roleBinds(bound []string, name string) bool {
	return strutil.StrListContainsGlob(bound, name)
}

// tokenPeriod is the period of the orchestrator's token when it is
// periodic (each renewal sets its TTL back to the period), and where that
// was read: the token's own lookup, or, with no token found, the role's
// token_period (the tokens of the role are periodic). 0 when not periodic
// or not known to be.
func (t *triage) tokenPeriod() (time.Duration, string) {
	if t.unreadable(collectors.SourceVault) != "" {
		return 0, ""
	}
	v := t.s.Vault
	if tok := v.OrchestratorToken; tok != nil {
		return tok.Period.Duration(), "the token's period"
	}
	if r := v.Role; r != nil && r.Found && r.Period > 0 {
		return r.Period.Duration(), "token_period of role " + r.Name
	}
	return 0, ""
}

// periodicThresholds are the TTL thresholds of a periodic token: a
// renewing client renews it once about a third of its period is left (the
// Vault API's lifetime watcher at two thirds elapsed), so a TTL under a
// quarter of the period means a renewal is overdue, under a tenth that it
// expires soon. They are never above the configured ones.
func periodicThresholds(period, warn, crit time.Duration) (time.Duration, time.Duration) {
	return min(warn, period/4), min(crit, period/10)
}

// periodicNote explains a periodic token's TTL: what renewal sets it back
// to, and how long ago that last happened.
func periodicNote(ttl, period time.Duration, src string) string {
	out := fmt.Sprintf("periodic (%s %s): each renewal sets the TTL back to %s", src, roundDur(period), roundDur(period))
	if ttl >= 0 && ttl <= period {
		out += fmt.Sprintf("; last renewed about %s ago", roundDur(period-ttl))
	}
	return out
}

// tokensNote says, when Vault showed more than one live token of the
// role, how many, that the lowest TTL is the one judged, and that a token
// of a pod gone may be among them (Vault's metadata names no pod).
func (t *triage) tokensNote() string {
	if t.unreadable(collectors.SourceVault) != "" {
		return ""
	}
	v := t.s.Vault
	if len(v.OrchestratorTokens) < 2 {
		if len(v.OrchestratorTokens) == 1 && v.OrchestratorTokenNote != "" {
			return v.OrchestratorTokenNote
		}
		return ""
	}
	ttls := make([]string, 0, 4)
	for i, tok := range v.OrchestratorTokens {
		if i == 4 {
			ttls = append(ttls, fmt.Sprintf("and %d more", len(v.OrchestratorTokens)-4))
			break
		}
		ttls = append(ttls, roundDur(tok.TTL.Duration()))
	}
	out := fmt.Sprintf("%d live tokens of role %s (TTLs %s): judged on the lowest, accessor %s; Vault's token metadata names no pod, so it may be the token of a pod gone, which no one renews",
		len(v.OrchestratorTokens), t.s.Config.Vault.KubernetesAuthRole, strings.Join(ttls, ", "), v.OrchestratorTokens[0].Accessor)
	if v.OrchestratorTokenNote != "" {
		out += " (" + v.OrchestratorTokenNote + ")"
	}
	return out
}
