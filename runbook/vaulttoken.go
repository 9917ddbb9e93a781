package runbook

import (
	"fmt"
	"slices"
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

// roleFault is one thing the Kubernetes auth role does against the
// runbook's role, with its evidence. breaks says how it keeps a pod
// started now from getting a working token: "login" when the role refuses
// the login of the orchestrator's service account or namespace, "policy"
// when its tokens do not carry the rotation policy, "" when it does not
// (a short TTL).
type roleFault struct {
	ev     Evidence
	breaks string
}

// roleFaults judges a role that was found against the runbook's, matched
// as the Kubernetes auth plugin matches at login (globs). selector is
// set when the namespace is admitted only by
// bound_service_account_namespace_selector, which is not judged.
func roleFaults(role *collectors.AuthRole, s *collectors.Snapshot, warn time.Duration) (faults []roleFault, selector string) {
	cfg, ns := s.Config, s.Namespace
	check := func(fact string, got []string, want string) {
		if !roleBinds(got, want) {
			faults = append(faults, roleFault{breaks: "login", ev: Evidence{Source: collectors.SourceVault, Fact: "role " + role.Name + " " + fact,
				Observed: strings.Join(orNone(got), ","), Threshold: "must include " + want}})
		}
	}
	check("bound_service_account_names", role.BoundServiceAccounts, cfg.Kubernetes.VaultSA())
	// the accounts the pods really run as, where they differ from the
	// configured one: a role bound to the configured account refuses them
	for _, pa := range podAccounts(s) {
		if pa.name != cfg.Kubernetes.VaultSA() {
			check("bound_service_account_names, against "+pa.who+"'s service account "+pa.name, role.BoundServiceAccounts, pa.name)
		}
	}
	if role.NamespaceSelector != "" && !roleBinds(role.BoundNamespaces, ns) {
		// the plugin then admits the namespace by its labels
		selector = fmt.Sprintf("namespace %s is not in bound_service_account_namespaces (%s); whether its labels match bound_service_account_namespace_selector %s was not judged",
			ns, strings.Join(orNone(role.BoundNamespaces), ","), role.NamespaceSelector)
	} else {
		check("bound_service_account_namespaces", role.BoundNamespaces, ns)
	}
	if !slices.Contains(role.Policies, cfg.Vault.Policy) {
		faults = append(faults, roleFault{breaks: "policy", ev: Evidence{Source: collectors.SourceVault, Fact: "role " + role.Name + " policies",
			Observed: strings.Join(orNone(role.Policies), ","), Threshold: "must include " + cfg.Vault.Policy}})
	}
	for _, c := range roleCaps(role) {
		obs := roundDur(c.cap) + ": every token it issues ends by then, whatever renews it, and a restart only buys that again"
		if c.field == "token_type" {
			obs = role.TokenType + ": its tokens are batch tokens, which no renewal extends (each ends at its TTL) and which have no accessor, so Vault lists none of the pods' tokens"
		}
		faults = append(faults, roleFault{ev: Evidence{Source: collectors.SourceVault, Fact: "role " + role.Name + " " + c.field,
			Observed: obs, Threshold: "runbook: renewable tokens, ttl 24h; the fix-role step writes " + c.field + "=" + c.fix}})
	}
	if ttl := role.TTL.Duration(); ttl > 0 && ttl < warn {
		faults = append(faults, roleFault{ev: Evidence{Source: collectors.SourceVault, Fact: "role " + role.Name + " token TTL",
			Observed: roundDur(ttl), Threshold: "runbook: 24h; warning under " + roundDur(warn)}})
	}
	return faults, selector
}

// podAccount is a service account pods run as, and whose pods.
type podAccount struct{ who, name string }

// podAccounts are the service accounts the orchestrator Deployment's and
// the rotation CronJob's pod templates run as, where they were read.
func podAccounts(s *collectors.Snapshot) []podAccount {
	k := s.Kubernetes
	if k == nil {
		return nil
	}
	var out []podAccount
	if d := k.Orchestrator; d != nil && d.Found && d.ServiceAccount != "" {
		out = append(out, podAccount{"Deployment " + d.Name, d.ServiceAccount})
	}
	if cj := k.CronJobOf(collectors.RoleRotation); cj != nil && cj.Found && cj.ServiceAccount != "" &&
		!slices.ContainsFunc(out, func(p podAccount) bool { return p.name == cj.ServiceAccount }) {
		out = append(out, podAccount{"CronJob " + cj.Name, cj.ServiceAccount})
	}
	return out
}

// roleTTL is the runbook's role ttl (its step 6: ttl=24h).
const roleTTL = 24 * time.Hour

// roleCap is a cap the role puts on its tokens below the runbook's ttl, and
// the value the fix-role step writes to lift it.
type roleCap struct {
	field, fix string
	cap        time.Duration
}

// roleCaps are the role's token_max_ttl and token_explicit_max_ttl where
// they are below the runbook's 24h: every token ends by then (and with
// token_max_ttl the runbook's own role write, ttl=24h, is refused).
func roleCaps(role *collectors.AuthRole) []roleCap {
	var out []roleCap
	if role == nil || !role.Found {
		return nil
	}
	if m := role.MaxTTL.Duration(); m > 0 && m < roleTTL {
		out = append(out, roleCap{"token_max_ttl", "24h", m})
	}
	if m := role.ExplicitMaxTTL.Duration(); m > 0 && m < roleTTL {
		out = append(out, roleCap{"token_explicit_max_ttl", "0", m})
	}
	if batchTokens(role) {
		out = append(out, roleCap{"token_type", "service", role.TTL.Duration()})
	}
	return out
}

// batchTokens reports whether the role issues batch tokens: they have no
// accessor (Vault lists none of them) and cannot be renewed, so each ends
// at its TTL whatever the renewal service does.
func batchTokens(role *collectors.AuthRole) bool {
	return role != nil && (role.TokenType == "batch" || role.TokenType == "default-batch")
}

// RoleCapFields are the fields the fix-role step writes beside the
// runbook's to lift the role's caps below 24h (roleCaps): token_max_ttl=24h,
// token_explicit_max_ttl=0. Nil when there is none, or the role was not
// read.
func RoleCapFields(s *collectors.Snapshot) map[string]string {
	if s == nil || s.Vault == nil {
		return nil
	}
	var out map[string]string
	for _, c := range roleCaps(s.Vault.Role) {
		if out == nil {
			out = map[string]string{}
		}
		out[c.field] = c.fix
	}
	return out
}

// RoleServiceAccounts are the service accounts the Kubernetes auth role
// must bind, comma separated: the runbook's (kubernetes.vaultServiceAccount)
// and those the orchestrator Deployment's and the rotation CronJob's pod
// templates really run as, where they differ. The fix-role step writes
// them, so that the role it writes admits the pods that log in.
func RoleServiceAccounts(s *collectors.Snapshot) string {
	out := []string{s.Config.Kubernetes.VaultSA()}
	for _, pa := range podAccounts(s) {
		if !slices.Contains(out, pa.name) {
			out = append(out, pa.name)
		}
	}
	return strings.Join(out, ",")
}

// LoginRisk says why pods started now (a rolling restart, a new Job)
// would not get a working Vault token, by the Kubernetes auth role as the
// snapshot read it: the role does not exist, does not bind the
// orchestrator's service account or namespace (the login is refused), or
// its tokens lack the rotation policy (the pods' Vault calls are denied).
// It is "" when the role was read and does none of these, and when it
// could not be read (then nothing is known to warn of).
func LoginRisk(s *collectors.Snapshot) string {
	if s == nil || s.Vault == nil || s.Vault.Role == nil || (&triage{s: s}).unreadable(collectors.SourceVault) != "" {
		return ""
	}
	role := s.Vault.Role
	fix := fmt.Sprintf("fix the role first (Scenario 2, its fix-role step: vault write auth/%s/role/%s)", role.Mount, role.Name)
	if !role.Found {
		return fmt.Sprintf("role auth/%s/role/%s does not exist: pods started now cannot log in to Vault; %s", role.Mount, role.Name, fix)
	}
	faults, _ := roleFaults(role, s, 0)
	var login, policy []string
	for _, f := range faults {
		fact := "role " + role.Name + "'s " + strings.TrimPrefix(f.ev.Fact, "role "+role.Name+" ") + " is " + f.ev.Observed + " (" + f.ev.Threshold + ")"
		switch f.breaks {
		case "login":
			login = append(login, fact)
		case "policy":
			policy = append(policy, fact)
		}
	}
	if e := roleGrantGap(s); e != nil {
		policy = append(policy, "role "+role.Name+"'s policies as read together are "+e.Observed)
	}
	var gone []string
	for _, sa := range missingAccounts(s) {
		gone = append(gone, fmt.Sprintf("service account %s does not exist in %s (pods cannot run as it: create it, kubectl create serviceaccount %s -n %s, or set the pod templates' serviceAccountName to one the role binds)", sa, s.Namespace, sa, s.Namespace))
	}
	switch {
	case len(gone) > 0 && len(login) == 0:
		return "pods started now cannot log in to Vault: " + strings.Join(gone, ", ")
	case len(login) > 0:
		login = append(login, gone...)
		return fmt.Sprintf("pods started now cannot log in to Vault: %s; %s", strings.Join(login, ", "), fix)
	case len(policy) > 0:
		return fmt.Sprintf("pods started now get a Vault token that cannot rotate: %s; %s", strings.Join(policy, ", "), fix)
	}
	return ""
}

// roleGrantGap is, when the Kubernetes auth role's policies as read
// together (what a token it issues now gets) miss a capability the runbook
// requires on a tenant path that the orchestrator's token, issued before,
// has (Vault said so), that fault as evidence; nil otherwise. A policy
// added to the role that denies the path (or a policy taken off it) is
// seen here before any pod logs in again.
func roleGrantGap(s *collectors.Snapshot) *Evidence {
	if s.Vault == nil || s.Vault.Policy == nil || len(s.Vault.Policy.Policies) == 0 {
		return nil
	}
	p := s.Vault.Policy
	n, first := 0, collectors.PathCheck{}
	var firstMissing []string
	for _, c := range p.Checks {
		if !c.Effective || c.RoleGranted == nil {
			continue
		}
		required := RequiredCapabilities()[checkKind(c)]
		if len(missingCapabilities(required, c.Granted)) > 0 {
			continue // the token now lacks it too: Scenario 1 says so
		}
		if missing := missingCapabilities(required, c.RoleGranted); len(missing) > 0 {
			if n == 0 {
				first, firstMissing = c, missing
			}
			n++
		}
	}
	if n == 0 {
		return nil
	}
	rule := "no rule of theirs matches the path"
	if first.RoleRule != "" {
		rule = fmt.Sprintf("the rule Vault applies: path %q of %s", first.RoleRule, strings.Join(first.RoleRulePolicies, ", "))
	}
	return &Evidence{Source: collectors.SourceVault, Fact: fmt.Sprintf("capabilities a token of role %s gets now, by its policies %s read together", s.Vault.Role.Name, strings.Join(p.Policies, ", ")),
		Observed: fmt.Sprintf("missing %s on %s (%s), %d path(s) in all, though the orchestrator's token, issued before, has them", strings.Join(firstMissing, ", "), first.Path, rule, n)}
}

// PolicyDecidedElsewhere says, when a tenant path misses a capability the
// runbook requires and the rule Vault applies to it (the role's policies
// read together) is another policy's than the rotation policy's (a deny or
// a narrower glob in secret-read, say), that rewriting the rotation policy
// cannot change it, naming the rule and its policy; "" otherwise.
func PolicyDecidedElsewhere(s *collectors.Snapshot) string {
	if s == nil || s.Vault == nil || s.Vault.Policy == nil || len(s.Vault.Policy.Policies) == 0 {
		return ""
	}
	own := s.Config.Vault.Policy
	for _, c := range s.Vault.Policy.Checks {
		granted, rule, by := c.Granted, c.Rule, c.RulePolicies
		if c.Effective {
			if c.RoleGranted == nil {
				continue
			}
			granted, rule, by = c.RoleGranted, c.RoleRule, c.RoleRulePolicies
		}
		if rule == "" || slices.Contains(by, own) || len(missingCapabilities(RequiredCapabilities()[checkKind(c)], granted)) == 0 {
			continue
		}
		return fmt.Sprintf("on %s the rule Vault applies is path %q of %s, not of %s (granting %s): writing %s does not change it; change that rule, or take %s off the role's policies",
			c.Path, rule, strings.Join(by, ", "), own, strings.Join(orNone(granted), ", "), own, strings.Join(by, ", "))
	}
	return ""
}

// missingAccounts are the service accounts of the runbook's (the
// orchestrator's, the one the role binds) the snapshot read as not
// existing in the namespace.
func missingAccounts(s *collectors.Snapshot) []string {
	var out []string
	if k := s.Kubernetes; k != nil {
		for _, sa := range k.ServiceAccounts {
			if !sa.Found && sa.Error == "" && sa.Name != "" && !slices.Contains(out, sa.Name) {
				out = append(out, sa.Name)
			}
		}
	}
	return out
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
	if tok, _ := judgedToken(t.s); tok != nil {
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
func periodicNote(ttl, period time.Duration, src string, tok *collectors.TokenInfo, now time.Time) string {
	out := fmt.Sprintf("periodic (%s %s): each renewal sets the TTL back to %s", src, roundDur(period), roundDur(period))
	switch {
	case tok != nil && tok.LastRenewal != nil:
		out += fmt.Sprintf("; last renewed %s ago (Vault's last_renewal)", roundDur(now.Sub(*tok.LastRenewal)))
	case tok != nil && tok.IssueTime != nil:
		// Vault names no renewal: none since it was issued (O5: "last
		// renewed about 3m ago" was its age)
		out += fmt.Sprintf("; never renewed since it was issued %s ago", roundDur(now.Sub(*tok.IssueTime)))
	case ttl >= 0 && ttl <= period:
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
	tok, older := judgedToken(t.s)
	if tok == nil {
		return noCurrentToken(t.s)
	}
	out := fmt.Sprintf("%d live tokens of role %s (TTLs %s): judged on the lowest, accessor %s; Vault's token metadata names no pod, so it may be the token of a pod gone, which no one renews",
		len(v.OrchestratorTokens), t.s.Config.Vault.KubernetesAuthRole, strings.Join(ttls, ", "), tok.Accessor)
	if older > 0 {
		out = fmt.Sprintf("%d live tokens of role %s (TTLs %s): %d created before every orchestrator pod now running started, so of pods replaced since (no one renews them; they expire), not judged; judged on the lowest of the rest, accessor %s",
			len(v.OrchestratorTokens), t.s.Config.Vault.KubernetesAuthRole, strings.Join(ttls, ", "), older, tok.Accessor)
	}
	if v.OrchestratorTokenNote != "" {
		out += " (" + v.OrchestratorTokenNote + ")"
	}
	return out
}

// judgedToken is the orchestrator's token the triage judges: of the role's
// live tokens, the soonest expiring among those a current orchestrator pod
// may hold — created no earlier than the oldest running pod's container
// started (each pod logs in when it starts), less tokenStartSlack. A
// token older than every current pod is one of a pod replaced since (the
// runbook's restart leaves the old tokens live until they expire, and no
// one renews them): not judged, counted in the note; when every token is
// that old, none is judged (nil: the running pods hold no token Vault
// shows, noCurrentToken). With the pods' starts unknown, the soonest
// expiring of all (Vault's OrchestratorToken). It returns the token (nil when none) and
// how many older tokens were left out.
func judgedToken(s *collectors.Snapshot) (*collectors.TokenInfo, int) {
	v := s.Vault
	if v == nil {
		return nil, 0
	}
	since := oldestOrchestratorStart(s)
	if since == nil || len(v.OrchestratorTokens) == 0 {
		return v.OrchestratorToken, 0
	}
	from := since.Truncate(time.Second).Add(-tokenStartSlack)
	var pick *collectors.TokenInfo
	older := 0
	for i := range v.OrchestratorTokens { // soonest expiring first
		tok := &v.OrchestratorTokens[i]
		if tok.CreationTime != nil && tok.CreationTime.Before(from) {
			older++
			continue
		}
		if pick == nil {
			pick = tok
		}
	}
	if pick == nil && older == len(v.OrchestratorTokens) {
		// every live token is older than every running pod: of pods
		// replaced since; the running ones hold none Vault shows
		return nil, older
	}
	if pick == nil || (v.OrchestratorToken != nil && pick.Accessor == v.OrchestratorToken.Accessor) {
		return v.OrchestratorToken, older
	}
	return pick, older
}

// noCurrentToken says, when every live token of the role was created
// before every orchestrator pod now running started, that no token of the
// running pods is in Vault ("" otherwise).
func noCurrentToken(s *collectors.Snapshot) string {
	if tok, older := judgedToken(s); tok != nil || older == 0 {
		return ""
	}
	v := s.Vault
	if batchTokens(v.Role) {
		return fmt.Sprintf("the %d live token(s) of role %s listed were all created before every orchestrator pod now running started: the role issues batch tokens (token_type %s), which Vault lists by no accessor, so the running pods' tokens cannot be looked up; they cannot be renewed either, and each ends at its TTL (%s)",
			len(v.OrchestratorTokens), s.Config.Vault.KubernetesAuthRole, v.Role.TokenType, roundDur(v.Role.TTL.Duration()))
	}
	return fmt.Sprintf("the %d live token(s) of role %s were all created before every orchestrator pod now running started (of pods replaced since, which no one renews): Vault holds no token of the running pods — their login failed (see the orchestrator's log and the role), or they log in by another role",
		len(v.OrchestratorTokens), s.Config.Vault.KubernetesAuthRole)
}

// tokenStartSlack allows for the clocks of Vault and the nodes differing.
// None: both times are whole seconds, a pod logs in after its container
// started, and a token created in an earlier second than every current
// pod's start is none of theirs (after a restart, the replaced pods'
// tokens can be a second older than the new pods, as in the lab).
const tokenStartSlack = 0

// oldestOrchestratorStart is when the oldest orchestrator pod's container
// whose log was read started, or nil when no such pod is known.
func oldestOrchestratorStart(s *collectors.Snapshot) *time.Time {
	l := s.Logs
	if l == nil {
		return nil
	}
	var pods []string
	for _, ls := range l.Selectors {
		if ls.Role == collectors.LogRoleOrchestrator && ls.Error == "" {
			pods = append(pods, ls.Pods...)
		}
	}
	var out *time.Time
	for _, p := range l.Pods {
		if !slices.Contains(pods, p.Pod) || p.Started == nil {
			continue
		}
		if out == nil || p.Started.Before(*out) {
			out = p.Started
		}
	}
	return out
}
