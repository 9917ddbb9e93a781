package runbook

import (
	"fmt"
	"time"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
)

// ceilingText describes a token's ceiling: "max TTL 2h (explicit_max_ttl
// 2h), reached 2026-12-01 14:00 UTC (in 45m)"; "" when it has none known.
func ceilingText(now time.Time, tok *collectors.TokenInfo) string {
	if tok == nil || tok.CeilingAt == nil {
		return ""
	}
	return fmt.Sprintf("max TTL %s (%s), reached %s (%s)", roundDur(tok.MaxTTL.Duration()), tok.MaxTTLSource, fmtTime(*tok.CeilingAt), ago(now, *tok.CeilingAt))
}

// ceilingNear reports whether a token reaches its ceiling within the
// token expiry warning threshold: then no renewal can keep it alive past
// it, only a new login.
func ceilingNear(now time.Time, tok *collectors.TokenInfo, warn time.Duration) bool {
	return tok != nil && tok.CeilingAt != nil && tok.CeilingAt.Sub(now) <= warn
}

// orchestratorToken is the orchestrator's token as Vault reported it, or
// nil.
func (t *triage) orchestratorToken() *collectors.TokenInfo {
	if t.unreadable(collectors.SourceVault) != "" {
		return nil
	}
	tok, _ := judgedToken(t.s)
	return tok
}

// ceilingEvidence adds to Scenario 2's token-expiring evidence, when the
// orchestrator's token is near its ceiling too, that renewal cannot help:
// the fix is a new login (the rolling restart).
func (t *triage) ceilingEvidence(ss symptoms) {
	tok := t.orchestratorToken()
	r := ss[SymTokenExpiring]
	if r == nil || tok == nil || !ceilingNear(t.now, tok, t.s.Config.Thresholds.TokenExpiryWarning.Duration()) {
		return
	}
	fix := "restart the orchestrator"
	if t.s.Vault != nil && len(roleCaps(t.s.Vault.Role)) > 0 {
		// the role caps every token: a new login ends as soon
		fix = "and the role caps every token it issues, so a restart only buys the same again: fix the role (Scenario 2's fix-role step)"
	}
	what := ceilingText(t.now, tok) + ": renewal cannot extend it, only a new login — " + fix
	if r.State == SymptomPresent && len(r.Evidence) > 0 {
		r.Evidence[0].Observed += "; it reaches its " + what
		return
	}
	ss.present(SymTokenExpiring, Evidence{Source: collectors.SourceVault, Fact: "orchestrator token max TTL", Observed: what, At: tok.CeilingAt})
}

// ceilingFacts puts the tokens' ceilings beside their TTLs.
func (t *triage) ceilingFacts(f *Facts) {
	if t.unreadable(collectors.SourceVault) != "" {
		return
	}
	v := t.s.Vault
	if tok := v.OperatorToken; tok != nil && tok.CeilingAt != nil {
		at := *tok.CeilingAt
		f.OperatorTokenCeiling, f.OperatorTokenMaxTTL = &at, roundDur(tok.MaxTTL.Duration())+" ("+tok.MaxTTLSource+")"
	}
	if tok, _ := judgedToken(t.s); tok != nil && tok.CeilingAt != nil {
		at := *tok.CeilingAt
		f.OrchestratorTokenCeiling, f.OrchestratorTokenMaxTTL = &at, roundDur(tok.MaxTTL.Duration())+" ("+tok.MaxTTLSource+")"
	}
}

// tokenCeilingVar is Vars.TokenCeiling: when the orchestrator's token
// reaches its ceiling within the warning threshold, when and why ("2026-12-01
// 14:00 UTC (in 45m; explicit_max_ttl 2h)"); "" otherwise.
func tokenCeilingVar(s *collectors.Snapshot, at time.Time) string {
	if s.Vault == nil {
		return ""
	}
	tok, _ := judgedToken(s)
	if !ceilingNear(at, tok, s.Config.Thresholds.TokenExpiryWarning.Duration()) {
		return ""
	}
	return fmt.Sprintf("%s (%s; %s)", fmtTime(*tok.CeilingAt), ago(at, *tok.CeilingAt), tok.MaxTTLSource)
}

// CeilingText is the token's ceiling as the report and the dashboard show
// it beside the TTL ("max TTL 2h (explicit_max_ttl 2h), reached … (in
// 45m)"); "" when unknown.
func CeilingText(now time.Time, ceiling *time.Time, maxTTL string) string {
	if ceiling == nil {
		return ""
	}
	return fmt.Sprintf("max TTL %s, reached %s (%s)", maxTTL, fmtTime(*ceiling), ago(now, *ceiling))
}

// withCeiling puts a token's ceiling after its TTL in the key facts.
func withCeiling(ttl string, now time.Time, ceiling *time.Time, maxTTL string) string {
	if c := CeilingText(now, ceiling, maxTTL); c != "" {
		return ttl + "; " + c
	}
	return ttl
}
