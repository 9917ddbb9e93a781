package vault

import (
	"slices"
	"testing"
)

func TestACL_RuleMatches(t *testing.T) {
	tests := map[string]struct {
		rule, path string
		want       bool
	}{
		"exact":                      {"secret/data/tenants/t-1/cmek", "secret/data/tenants/t-1/cmek", true},
		"exact other":                {"secret/data/tenants/t-1/cmek", "secret/data/tenants/t-2/cmek", false},
		"plus one segment":           {"secret/data/tenants/+/cmek", "secret/data/tenants/t-1/cmek", true},
		"plus is one segment only":   {"secret/data/tenants/+/cmek", "secret/data/tenants/a/b/cmek", false},
		"plus matches an empty one":  {"secret/data/tenants/+/cmek", "secret/data/tenants//cmek", true}, // as in Vault
		"star in the middle literal": {"secret/data/tenants/*/cmek", "secret/data/tenants/t-1/cmek", false},
		"star literal matches star":  {"secret/data/tenants/*/cmek", "secret/data/tenants/*/cmek", true},
		"trailing glob":              {"secret/data/tenants/*", "secret/data/tenants/t-1/cmek", true},
		"trailing glob prefix":       {"secret/data/ten*", "secret/data/tenants/t-1/cmek", true},
		"trailing glob no":           {"secret/metadata/*", "secret/data/tenants/t-1/cmek", false},
		"plus and glob":              {"secret/+/tenants/*", "secret/data/tenants/t-1/cmek", true},
		"plus and glob short":        {"secret/+/tenants/t*", "secret/data/tenants/t-1/cmek", true},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			a := newACL([]namedRules{{name: "p", rules: []policyRule{{Path: tt.rule, Capabilities: []string{"read"}}}}})
			if got := a.rule(tt.path) != nil; got != tt.want {
				t.Errorf("ruleMatches(%q, %q) = %v, want %v", tt.rule, tt.path, got, tt.want)
			}
		})
	}
}

func TestGrantedCapabilities(t *testing.T) {
	text := `
path "secret/data/*" {
  capabilities = ["read"]
}
path "secret/data/tenants/+/cmek" {
  capabilities = ["create", "read", "update", "delete"]
}
path "secret/data/tenants/t-9/cmek" {
  capabilities = ["deny"]
}
path "secret/metadata/tenants/*/cmek" {
  capabilities = ["list", "read", "delete"]
}
`
	rules, err := parsePolicy(text)
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct {
		path     string
		want     []string
		wantRule string
	}{
		"plus beats glob":         {"secret/data/tenants/t-1/cmek", []string{"create", "delete", "read", "update"}, "secret/data/tenants/+/cmek"},
		"exact deny":              {"secret/data/tenants/t-9/cmek", []string{"deny"}, "secret/data/tenants/t-9/cmek"},
		"glob only":               {"secret/data/other", []string{"read"}, "secret/data/*"},
		"runbook star is literal": {"secret/metadata/tenants/t-1/cmek", nil, ""},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			got, rule := grantedCapabilities(rules, tt.path)
			if !slices.Equal(got, tt.want) || rule != tt.wantRule {
				t.Errorf("granted(%q) = %v by %q, want %v by %q", tt.path, got, rule, tt.want, tt.wantRule)
			}
		})
	}
}

func TestParsePolicy_Errors(t *testing.T) {
	if _, err := parsePolicy(`path "x" { capabilities = [`); err == nil {
		t.Error("want an error for broken HCL")
	}
	rules, err := parsePolicy(`path "secret/*" { policy = "write" }`)
	if err != nil || len(rules) != 1 || !slices.Contains(rules[0].Capabilities, "update") {
		t.Errorf("old shorthand: %v, %v", rules, err)
	}
}

// TestACL_Capabilities: the token's policies judged together as Vault
// does: for each path the single highest-priority rule across all of
// them, rules of the same pattern merged (deny wins).
func TestACL_Capabilities(t *testing.T) {
	pol := func(name, text string) namedRules {
		t.Helper()
		r, err := parsePolicy(text)
		if err != nil {
			t.Fatal(err)
		}
		return namedRules{name: name, rules: r}
	}
	cmek := pol("cmek-rotation", `path "secret/+/tenants/+/cmek" { capabilities = ["create", "read", "update", "delete", "list"] }`)
	read := pol("secret-read", `path "secret/data/*" { capabilities = ["read"] }`)
	tests := map[string]struct {
		policies []namedRules
		path     string
		want     []string
		wantRule string
		wantPols []string
	}{
		"the later first wildcard of another policy wins": {[]namedRules{cmek, read}, "secret/data/tenants/t-1/cmek",
			[]string{"read"}, "secret/data/*", []string{"secret-read"}},
		"alone, the policy grants": {[]namedRules{cmek}, "secret/data/tenants/t-1/cmek",
			[]string{"create", "delete", "list", "read", "update"}, "secret/+/tenants/+/cmek", []string{"cmek-rotation"}},
		"metadata is not under secret/data/*": {[]namedRules{cmek, read}, "secret/metadata/tenants/t-1/cmek",
			[]string{"create", "delete", "list", "read", "update"}, "secret/+/tenants/+/cmek", []string{"cmek-rotation"}},
		"an exact deny in one policy": {[]namedRules{cmek, pol("deny-42", `path "secret/data/tenants/t-042/cmek" { capabilities = ["deny"] }`)},
			"secret/data/tenants/t-042/cmek", []string{"deny"}, "secret/data/tenants/t-042/cmek", []string{"deny-42"}},
		"the same pattern merged": {[]namedRules{
			pol("a", `path "secret/data/tenants/+/cmek" { capabilities = ["read"] }`),
			pol("b", `path "secret/data/tenants/+/cmek" { capabilities = ["update", "create"] }`),
		}, "secret/data/tenants/t-1/cmek", []string{"create", "read", "update"}, "secret/data/tenants/+/cmek", []string{"a", "b"}},
		"deny merged wins": {[]namedRules{
			pol("a", `path "secret/data/*" { capabilities = ["read", "update"] }`),
			pol("b", `path "secret/data/*" { capabilities = ["deny"] }`),
		}, "secret/data/tenants/t-1/cmek", []string{"deny"}, "secret/data/*", []string{"a", "b"}},
		"a path written twice in one policy is merged": {[]namedRules{
			pol("a", "path \"secret/data/x\" { capabilities = [\"read\"] }\npath \"secret/data/x\" { capabilities = [\"update\"] }"),
		}, "secret/data/x", []string{"read", "update"}, "secret/data/x", []string{"a"}},
		"no trailing glob beats one at the same place": {[]namedRules{
			pol("a", `path "secret/data/tenants/+/cmek" { capabilities = ["read"] }`),
			pol("b", `path "secret/data/tenants/+/cm*" { capabilities = ["update"] }`),
		}, "secret/data/tenants/t-1/cmek", []string{"read"}, "secret/data/tenants/+/cmek", []string{"a"}},
		"fewer plus segments win": {[]namedRules{
			pol("a", `path "secret/+/+/t-1/cmek" { capabilities = ["read"] }`),
			pol("b", `path "secret/+/tenants/t-1/cmek" { capabilities = ["update"] }`),
		}, "secret/data/tenants/t-1/cmek", []string{"update"}, "secret/+/tenants/t-1/cmek", []string{"b"}},
		"the longer glob wins": {[]namedRules{
			pol("a", `path "secret/data/*" { capabilities = ["read"] }`),
			pol("b", `path "secret/data/tenants/*" { capabilities = ["update"] }`),
		}, "secret/data/tenants/t-1/cmek", []string{"update"}, "secret/data/tenants/*", []string{"b"}},
		"an exact rule beats every wildcard": {[]namedRules{
			pol("a", `path "secret/data/tenants/t-1/*" { capabilities = ["deny"] }`),
			pol("b", `path "secret/data/tenants/t-1/cmek" { capabilities = ["read"] }`),
		}, "secret/data/tenants/t-1/cmek", []string{"read"}, "secret/data/tenants/t-1/cmek", []string{"b"}},
		"nothing matches": {[]namedRules{read}, "secret/metadata/tenants/t-1/cmek", nil, "", nil},
		"root":            {[]namedRules{{name: "root"}}, "secret/data/x", []string{"root"}, "", []string{"root"}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			got, rule, pols := newACL(tt.policies).capabilities(tt.path)
			if !slices.Equal(got, tt.want) || rule != tt.wantRule || !slices.Equal(pols, tt.wantPols) {
				t.Errorf("capabilities(%q) = %v by %q of %v, want %v by %q of %v", tt.path, got, rule, pols, tt.want, tt.wantRule, tt.wantPols)
			}
		})
	}
}

func TestParsePolicy_Templated(t *testing.T) {
	rules, tmpl, err := parsePolicyTemplated(`
path "secret/data/{{identity.entity.name}}/*" { capabilities = ["read"] }
path "identity/entity/id/{{identity.entity.id}}" { capabilities = ["read"] }
path "secret/data/x" { capabilities = ["read"] }`)
	if err != nil || len(rules) != 1 || len(tmpl) != 2 {
		t.Fatalf("rules %v, templated %v, %v", rules, tmpl, err)
	}
	for rule, want := range map[string]bool{tmpl[0].Path: true, tmpl[1].Path: false} {
		if got := templatedMayMatch(rule, "secret/data/tenants/t-1/cmek"); got != want {
			t.Errorf("templatedMayMatch(%q) = %v, want %v", rule, got, want)
		}
	}
}
