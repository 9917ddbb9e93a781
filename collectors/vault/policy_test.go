package vault

import (
	"slices"
	"testing"
)

func TestRuleMatches(t *testing.T) {
	tests := map[string]struct {
		rule, path string
		want       bool
	}{
		"exact":                      {"secret/data/tenants/t-1/cmek", "secret/data/tenants/t-1/cmek", true},
		"exact other":                {"secret/data/tenants/t-1/cmek", "secret/data/tenants/t-2/cmek", false},
		"plus one segment":           {"secret/data/tenants/+/cmek", "secret/data/tenants/t-1/cmek", true},
		"plus is one segment only":   {"secret/data/tenants/+/cmek", "secret/data/tenants/a/b/cmek", false},
		"plus needs a segment":       {"secret/data/tenants/+/cmek", "secret/data/tenants//cmek", false},
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
			if got := ruleMatches(tt.rule, tt.path); got != tt.want {
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
