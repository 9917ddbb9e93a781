package runbook

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
)

// TestLoginRisk_Accounts: a service account the role binds that does not
// exist, or pod templates running as one the role does not bind, keep
// Scenario 2 from clear and say what fixes it: the missing account is
// created (no role write helps), the fix-role step binds the accounts the
// pods run as.
func TestLoginRisk_Accounts(t *testing.T) {
	t.Run("service account gone", func(t *testing.T) {
		s := healthySnapshot(t, func(s *collectors.Snapshot) { s.Kubernetes.ServiceAccounts[0].Found = false })
		risk := LoginRisk(s)
		if !strings.Contains(risk, "kubectl create serviceaccount oss-ai-orchestrator -n ns") || strings.Contains(risk, "fix the role first") {
			t.Errorf("loginRisk %q, want the account's creation, not a role write", risk)
		}
		a := Triage(s, testNow)
		f := finding(t, a, ScenarioVaultTokenExpired)
		if f.Status == StatusClear || a.ExitCode() == 0 {
			t.Errorf("Scenario 2 %s (%s), exit %d: want not clear while no pod can log in", f.Status, f.Summary, a.ExitCode())
		}
		if r := symptom(t, f, SymRoleMisconfigured); r.State != SymptomPresent {
			t.Errorf("role symptom %s, want present", r.State)
		}
	})
	t.Run("pods run as another account", func(t *testing.T) {
		s := healthySnapshot(t, func(s *collectors.Snapshot) { s.Kubernetes.Orchestrator.ServiceAccount = "vault-auth" })
		if got := RoleServiceAccounts(s); got != "oss-ai-orchestrator,vault-auth" {
			t.Errorf("role accounts %q, want the runbook's and the pods'", got)
		}
		v := NewVars(s, testNow)
		cmd := ""
		for _, text := range renderAll(MustDefault(), v) {
			if strings.HasPrefix(text, "vault write auth/kubernetes/role/") {
				cmd = text
			}
		}
		if !strings.Contains(cmd, "bound_service_account_names=oss-ai-orchestrator,vault-auth ") {
			t.Errorf("fix-role command %q, want it to bind vault-auth too", cmd)
		}
		if risk := LoginRisk(s); !strings.Contains(risk, "vault-auth") || !strings.Contains(risk, "fix the role first") {
			t.Errorf("loginRisk %q", risk)
		}
	})
}

// TestRole_Caps: a role that caps its tokens below the runbook's 24h
// (token_max_ttl, token_explicit_max_ttl) is not "matches the runbook":
// a restart only buys the same again, and the fix-role step lifts the caps.
func TestRole_Caps(t *testing.T) {
	s := healthySnapshot(t, func(s *collectors.Snapshot) {
		s.Vault.Role.MaxTTL, s.Vault.Role.ExplicitMaxTTL = collectors.Duration(15*time.Minute), collectors.Duration(20*time.Minute)
	})
	r := symptom(t, finding(t, Triage(s, testNow), ScenarioVaultTokenExpired), SymRoleMisconfigured)
	if r.State != SymptomPresent || len(r.Evidence) < 2 {
		t.Fatalf("role symptom %s %+v, want both caps as faults", r.State, r.Evidence)
	}
	v := NewVars(s, testNow)
	if v.RoleCapFix != " token_explicit_max_ttl=0 token_max_ttl=24h" || v.RoleCap != "token_max_ttl 15m, token_explicit_max_ttl 20m" {
		t.Errorf("cap fix %q, cap %q", v.RoleCapFix, v.RoleCap)
	}
	var restartNote, roleCmd string
	for _, text := range renderAll(MustDefault(), v) {
		if strings.HasPrefix(text, "A restart only buys the same again") {
			restartNote = text
		}
		if strings.HasPrefix(text, "vault write auth/kubernetes/role/") {
			roleCmd = text
		}
	}
	if restartNote == "" || strings.Contains(restartNote, "This is the fix now") {
		t.Errorf("restart note %q, want it to say a restart does not help", restartNote)
	}
	if !strings.HasSuffix(roleCmd, "ttl=24h token_explicit_max_ttl=0 token_max_ttl=24h") {
		t.Errorf("role command %q, want the caps lifted", roleCmd)
	}
}

// TestPolicyDecidedElsewhere: when the rule that denies a tenant path is
// another of the role's policies' (secret-read's), the fix-policy step says
// it cannot fix it (O14: it rewrote cmek-rotation to the text it had).
func TestPolicyDecidedElsewhere(t *testing.T) {
	s := healthySnapshot(t, func(s *collectors.Snapshot) {
		p := s.Vault.Policy
		p.Policies = []string{"cmek-rotation", "secret-read"}
		for i := range p.Checks {
			c := &p.Checks[i]
			if c.Kind == "data" && c.Tenant == "t04" {
				c.Granted, c.RoleGranted, c.RoleRule, c.RoleRulePolicies = []string{"deny"}, []string{"deny"}, "secret/data/tenants/t0*", []string{"secret-read"}
			}
		}
	})
	why := PolicyDecidedElsewhere(s)
	if !strings.Contains(why, `path "secret/data/tenants/t0*" of secret-read, not of cmek-rotation`) {
		t.Fatalf("why %q", why)
	}
	found := false
	for _, text := range renderAll(MustDefault(), NewVars(s, testNow)) {
		found = found || strings.HasPrefix(text, "This step cannot fix it: on secret/data/tenants/t04/cmek")
	}
	if !found {
		t.Error("the fix-policy step's note does not say it cannot fix it")
	}
	if PolicyDecidedElsewhere(healthySnapshot(t)) != "" {
		t.Error("said of a healthy snapshot")
	}
}

// TestVars_NoDeadline: the report's raise-deadline step says not to run it
// on a rotation CronJob without activeDeadlineSeconds (N3: the action
// refused, the report's command would have bounded the runs).
func TestVars_NoDeadline(t *testing.T) {
	s := healthySnapshot(t, func(s *collectors.Snapshot) { cronJobOf(t, s, collectors.RoleRotation).ActiveDeadlineSeconds = nil })
	found := false
	for _, text := range renderAll(MustDefault(), NewVars(s, testNow)) {
		found = found || strings.HasPrefix(text, "Do not run this now: CronJob cmek-rotation has no activeDeadlineSeconds")
	}
	if !found {
		t.Error("no note on the raise-deadline step")
	}
	if NewVars(healthySnapshot(t), testNow).NoDeadline {
		t.Error("NoDeadline with a deadline")
	}
}

// TestTriage_OverRetentionAtLeast: with some tenants' key versions not
// read, the count over retention is "at least" what was read (O2).
func TestTriage_OverRetentionAtLeast(t *testing.T) {
	s := healthySnapshot(t, func(s *collectors.Snapshot) {
		s.Vault.Tenants[2].LiveVersions, s.Vault.Tenants[2].MaxVersions = 12, 0
		s.Vault.Tenants[5].Error = "read metadata: permission denied (403)"
	})
	r := symptom(t, finding(t, Triage(s, testNow), ScenarioRetentionOverflow), SymTenantsOverRetention)
	if r.State != SymptomPresent || !strings.HasPrefix(r.Evidence[0].Observed, "at least 1 (1 of 10 tenants' key versions not read)") {
		t.Errorf("over retention %s %+v", r.State, r.Evidence)
	}
}

// TestReport_MarkdownNames: tenant ids holding "|" or HTML stay in their
// table cell and render as text (O9).
func TestReport_MarkdownNames(t *testing.T) {
	s := healthySnapshot(t, func(s *collectors.Snapshot) {
		for i, id := range []string{"pipe|x", "<b>html</b>"} {
			tn := &s.Vault.Tenants[i]
			tn.ID, tn.LiveVersions, tn.MaxVersions = id, 12, 0
		}
	})
	var b strings.Builder
	if err := mustDefault(t).NewReport(s, testNow, "test").WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, l := range strings.Split(out, "\n") {
		if (strings.HasPrefix(l, "|") || strings.HasPrefix(l, "Tenants:") || strings.HasPrefix(strings.TrimSpace(l), "- ")) && strings.Contains(l, "<b>") {
			t.Errorf("raw HTML in %q", l)
		}
	}
	if strings.Contains(out, "| pipe|x |") || !strings.Contains(out, `| pipe\|x |`) || !strings.Contains(out, "&lt;b&gt;html&lt;/b&gt;") {
		t.Errorf("markdown:\n%s", out)
	}
}

// TestTimeline_TenantUnknowns: the timeline of a tenant whose key versions
// could not be read says so, and that of an id no source names says it is
// unknown everywhere (O11: an empty story, as if nothing happened).
func TestTimeline_TenantUnknowns(t *testing.T) {
	s := healthySnapshot(t, func(s *collectors.Snapshot) { s.Vault.Tenants[3].Error = "read metadata: permission denied (403)" })
	tl := MustDefault().Timeline(s, testNow, TimelineOptions{Tenant: "t04"})
	if !slices.ContainsFunc(tl.Unknown, func(u string) bool {
		return strings.Contains(u, "key versions of tenant t04: read metadata: permission denied")
	}) {
		t.Errorf("unknown %v, want the denied key versions", tl.Unknown)
	}
	tl = MustDefault().Timeline(s, testNow, TimelineOptions{Tenant: "nosuchtenant"})
	if !slices.ContainsFunc(tl.Unknown, func(u string) bool { return strings.Contains(u, "tenant nosuchtenant: Vault does not list it") }) {
		t.Errorf("unknown %v, want the unknown id said", tl.Unknown)
	}
	tl = MustDefault().Timeline(s, testNow, TimelineOptions{Tenant: "t01"})
	if slices.ContainsFunc(tl.Unknown, func(u string) bool { return strings.Contains(u, "tenant t01") }) {
		t.Errorf("unknown %v for a tenant read whole", tl.Unknown)
	}
}

// TestComplianceChanges_UnknownPerKind: one tenant's unknown "failed
// access" does not make another kind's change "known now" or "cannot tell
// now" (O12: a newly destroyed current key shown as maybe always there).
func TestComplianceChanges_UnknownPerKind(t *testing.T) {
	unknown := []string{failedAccessUnknown + " whether the latest rotation of 1 tenant failed cannot be told (nokey)"}
	before := Assessment{Compliance: Compliance{Unknown: unknown, Findings: []ComplianceFinding{{Tenant: "vs-trim3", Kind: ComplianceOverRetention, Severity: SeverityWarning}}}}
	after := Assessment{Compliance: Compliance{Unknown: unknown, Findings: []ComplianceFinding{{Tenant: "vs-old", Kind: ComplianceKeyUnavailable, Severity: SeverityCritical}}}}
	got := map[string]string{}
	for _, c := range complianceChanges(before, after) {
		got[c.Tenant] = c.Change
	}
	if got["vs-old"] != ChangeAdded || got["vs-trim3"] != ChangeRemoved {
		t.Errorf("changes %v, want vs-old added and vs-trim3 removed", got)
	}
	before.Compliance.Findings = nil
	after.Compliance.Findings = []ComplianceFinding{{Tenant: "nokey", Kind: ComplianceFailedAccess, Severity: SeverityCritical}}
	if cs := complianceChanges(before, after); len(cs) != 1 || cs[0].Change != ChangeBecameKnown {
		t.Errorf("changes %+v, want a failed access known now", cs)
	}
}

// TestTimeline_SinceTheLastStep: growth after the history's last whole
// step, read in the counter's value now, is in the story (K5).
func TestTimeline_SinceTheLastStep(t *testing.T) {
	s := healthySnapshot(t, func(s *collectors.Snapshot) {
		m := metricOf(t, s, "rotationsFailed")
		m.At = testNow
		h := flatHistory(1)
		h.Start = h.Start.Add(-40 * time.Minute) // the last step 40 minutes ago
		m.Series[0].History, m.Series[0].Value = h, ptr(49.0)
	})
	tl := MustDefault().Timeline(s, testNow, TimelineOptions{})
	if !slices.ContainsFunc(tl.Entries, func(e TimelineEntry) bool {
		return e.Kind == EntryMetric && strings.Contains(e.Summary, "48 failed rotations counted") && strings.Contains(e.Summary, "between 11:20 and 12:00")
	}) {
		var got []string
		for _, e := range tl.Entries {
			if e.Kind == EntryMetric {
				got = append(got, e.Summary)
			}
		}
		t.Errorf("metric entries %q, want the 48 since the last step", got)
	}
}

// TestTriage_LowTokenSeriesNamed: a token expiry series lower than every
// live token Vault holds is named with its labels, its pod among them (L1).
func TestTriage_LowTokenSeriesNamed(t *testing.T) {
	s := healthySnapshot(t, func(s *collectors.Snapshot) {
		m := metricOf(t, s, "tokenExpirySeconds")
		se := m.Series[0]
		se.Labels = map[string]string{"namespace": "ns", "pod": "oss-ai-orchestrator-7d9f8c6b5-gone1"}
		se.Value = ptr(1500.0)
		m.Series = append(m.Series, se)
		s.Vault.OrchestratorTokens = []collectors.TokenInfo{*s.Vault.OrchestratorToken} // Vault's live tokens, all at 20h
	})
	r := symptom(t, finding(t, Triage(s, testNow), ScenarioVaultTokenExpired), SymTokenExpiring)
	if r.State != SymptomUnknown || !strings.Contains(r.Reason, `pod="oss-ai-orchestrator-7d9f8c6b5-gone1"`) {
		t.Errorf("token-expiring %s %q, want the low series named by its pod", r.State, r.Reason)
	}
}
