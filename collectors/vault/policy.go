package vault

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/hcl"
)

// policyRule is one `path "..." { capabilities = [...] }` of a Vault policy.
type policyRule struct {
	Path         string
	Capabilities []string
}

// parsePolicy reads a Vault ACL policy's path rules with HashiCorp's HCL
// parser (the one Vault uses). It returns an error naming the problem when
// the text is not a policy.
func parsePolicy(text string) ([]policyRule, error) {
	var file struct {
		Path map[string]struct {
			Capabilities []string `hcl:"capabilities"`
			Policy       string   `hcl:"policy"`
		} `hcl:"path"`
	}
	if err := hcl.Decode(&file, text); err != nil {
		return nil, fmt.Errorf("parse policy: %w", err)
	}
	rules := make([]policyRule, 0, len(file.Path))
	for p, r := range file.Path {
		caps := r.Capabilities
		switch r.Policy { // the old shorthand
		case "deny":
			caps = []string{"deny"}
		case "read":
			caps = []string{"read", "list"}
		case "write":
			caps = []string{"create", "read", "update", "delete", "list"}
		case "sudo":
			caps = []string{"create", "read", "update", "delete", "list", "sudo"}
		}
		rules = append(rules, policyRule{Path: strings.TrimPrefix(p, "/"), Capabilities: caps})
	}
	sort.Slice(rules, func(i, j int) bool { return rules[i].Path < rules[j].Path })
	return rules, nil
}

// ruleMatches reports whether a policy path rule matches a concrete request
// path, with Vault's semantics: "+" matches exactly one path segment, a
// trailing "*" matches any suffix, and "*" anywhere else is a literal
// character.
func ruleMatches(rule, path string) bool {
	glob := strings.HasSuffix(rule, "*")
	if glob {
		rule = strings.TrimSuffix(rule, "*")
	}
	if !strings.Contains(rule, "+") {
		if glob {
			return strings.HasPrefix(path, rule)
		}
		return path == rule
	}
	rs := strings.Split(rule, "/")
	ps := strings.Split(path, "/")
	if len(ps) < len(rs) || (!glob && len(ps) != len(rs)) {
		return false
	}
	for i, r := range rs {
		last := i == len(rs)-1
		switch {
		case r == "+":
			if ps[i] == "" && !(glob && last) {
				return false
			}
		case last && glob:
			// the last rule segment is a prefix of the path segment, and
			// the rest of the path follows
			if !strings.HasPrefix(ps[i], r) {
				return false
			}
		default:
			if ps[i] != r {
				return false
			}
		}
	}
	return true
}

// bestRule picks the rule Vault applies to path among the matching ones:
// an exact match wins; otherwise Vault's priority order (a later first
// wildcard, no trailing glob, fewer "+" segments, longer, then
// lexicographically larger wins). ok is false when no rule matches.
func bestRule(rules []policyRule, path string) (policyRule, bool) {
	var best policyRule
	found := false
	for _, r := range rules {
		if !ruleMatches(r.Path, path) {
			continue
		}
		if !found || higherPriority(r.Path, best.Path) {
			best, found = r, true
		}
	}
	return best, found
}

func higherPriority(a, b string) bool {
	exact := func(p string) bool { return !strings.ContainsAny(p, "+") && !strings.HasSuffix(p, "*") }
	if exact(a) != exact(b) {
		return exact(a)
	}
	first := func(p string) int {
		i := strings.IndexAny(p, "+")
		if strings.HasSuffix(p, "*") && (i < 0 || len(p)-1 < i) {
			i = len(p) - 1
		}
		if i < 0 {
			return len(p)
		}
		return i
	}
	if first(a) != first(b) {
		return first(a) > first(b)
	}
	if ga, gb := strings.HasSuffix(a, "*"), strings.HasSuffix(b, "*"); ga != gb {
		return !ga
	}
	if pa, pb := strings.Count(a, "+"), strings.Count(b, "+"); pa != pb {
		return pa < pb
	}
	if len(a) != len(b) {
		return len(a) > len(b)
	}
	return a > b
}

// grantedCapabilities are the capabilities the policy gives on path ("deny"
// removes all), and the rule that gave them.
func grantedCapabilities(rules []policyRule, path string) ([]string, string) {
	r, ok := bestRule(rules, path)
	if !ok {
		return nil, ""
	}
	if slices.Contains(r.Capabilities, "deny") {
		return []string{"deny"}, r.Path
	}
	caps := slices.Clone(r.Capabilities)
	slices.Sort(caps)
	return slices.Compact(caps), r.Path
}
