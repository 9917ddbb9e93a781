package vault

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/hcl"
	"github.com/hashicorp/hcl/hcl/ast"
)

// policyRule is one `path "..." { capabilities = [...] }` of a Vault policy.
type policyRule struct {
	Path         string
	Capabilities []string
}

// parsePolicy reads a Vault ACL policy's path rules with HashiCorp's HCL
// parser, item by item as Vault does (a path written twice is two rules,
// which Vault merges). It returns an error naming the problem when the
// text is not a policy. Templated paths ({{identity...}}, as the default
// policy has) are kept apart in templated: only Vault, knowing a token's
// entity, resolves them.
func parsePolicy(text string) (rules []policyRule, err error) {
	rules, _, err = parsePolicyTemplated(text)
	return rules, err
}

func parsePolicyTemplated(text string) (rules, templated []policyRule, err error) {
	root, err := hcl.Parse(text)
	if err != nil {
		return nil, nil, fmt.Errorf("parse policy: %w", err)
	}
	list, ok := root.Node.(*ast.ObjectList)
	if !ok {
		return nil, nil, errors.New("parse policy: the root is not an object")
	}
	for _, item := range list.Filter("path").Items {
		if len(item.Keys) == 0 {
			return nil, nil, errors.New("parse policy: a path block without its path")
		}
		key, _ := item.Keys[0].Token.Value().(string)
		var body struct {
			Capabilities []string `hcl:"capabilities"`
			Policy       string   `hcl:"policy"`
		}
		if err := hcl.DecodeObject(&body, item.Val); err != nil {
			return nil, nil, fmt.Errorf("parse policy: path %q: %w", key, err)
		}
		caps := body.Capabilities
		switch body.Policy { // the old shorthand, mapped as Vault maps it
		case "deny":
			caps = []string{"deny"}
		case "read":
			caps = append(caps, "read", "list")
		case "write":
			caps = append(caps, "create", "read", "update", "delete", "list")
		case "sudo":
			caps = append(caps, "create", "read", "update", "delete", "list", "sudo")
		}
		r := policyRule{Path: strings.TrimLeft(key, "/"), Capabilities: caps}
		if strings.Contains(key, "{{") {
			templated = append(templated, r)
			continue
		}
		rules = append(rules, r)
	}
	sort.SliceStable(rules, func(i, j int) bool { return rules[i].Path < rules[j].Path })
	return rules, templated, nil
}

// templatedMayMatch reports whether a templated rule could match path
// once Vault fills its templates: each {{...}} taken for any text, "+"
// for any segment, a trailing "*" for any suffix.
func templatedMayMatch(rule, path string) bool {
	var b strings.Builder
	b.WriteString("^")
	rest := rule
	glob := strings.HasSuffix(rest, "*")
	rest = strings.TrimSuffix(rest, "*")
	for rest != "" {
		i := strings.Index(rest, "{{")
		lit := rest
		if i >= 0 {
			lit = rest[:i]
		}
		segs := strings.Split(lit, "/")
		for k, sg := range segs {
			if k > 0 {
				b.WriteString("/")
			}
			if sg == "+" {
				b.WriteString("[^/]*")
			} else {
				b.WriteString(regexp.QuoteMeta(sg))
			}
		}
		if i < 0 {
			break
		}
		b.WriteString(".*")
		end := strings.Index(rest[i:], "}}")
		if end < 0 {
			break
		}
		rest = rest[i+end+2:]
	}
	if glob {
		b.WriteString(".*")
	}
	b.WriteString("$")
	re, err := regexp.Compile(b.String())
	return err != nil || re.MatchString(path)
}

// hasSegmentWildcards reports whether a rule path has "+" segments, as
// Vault tells them.
func hasSegmentWildcards(p string) bool {
	return p == "+" || strings.Contains(p, "/+") || strings.HasPrefix(p, "+/")
}

// aclEntry is the merged rule of one path pattern across the policies:
// the union of their capabilities, or deny alone when any denies.
type aclEntry struct {
	pattern  string // as written, with a trailing "*" for a glob
	caps     []string
	policies []string // the policies that hold the pattern
}

// acl is a token's policies combined the way Vault's ACL combines them:
// rules of the same pattern merged; for a request path an exact rule
// wins, else the highest-priority glob or segment-wildcard rule.
type acl struct {
	root    bool
	exact   map[string]*aclEntry
	prefix  map[string]*aclEntry // by the pattern without its "*"
	segment map[string]*aclEntry // patterns with "+"
}

// namedRules are one policy's parsed rules.
type namedRules struct {
	name  string
	rules []policyRule
}

func newACL(policies []namedRules) *acl {
	a := &acl{exact: map[string]*aclEntry{}, prefix: map[string]*aclEntry{}, segment: map[string]*aclEntry{}}
	for _, p := range policies {
		if p.name == "root" {
			a.root = true
		}
		for _, r := range p.rules {
			tree, key := a.exact, r.Path
			switch {
			case hasSegmentWildcards(r.Path):
				tree = a.segment
			case strings.HasSuffix(r.Path, "*"):
				tree, key = a.prefix, strings.TrimSuffix(r.Path, "*")
			}
			e, ok := tree[key]
			if !ok {
				e = &aclEntry{pattern: r.Path}
				tree[key] = e
			}
			if !slices.Contains(e.policies, p.name) {
				e.policies = append(e.policies, p.name)
			}
			switch {
			case slices.Contains(e.caps, "deny"):
			case slices.Contains(r.Capabilities, "deny"):
				e.caps = []string{"deny"}
			default:
				e.caps = append(e.caps, r.Capabilities...)
			}
		}
	}
	return a
}

// match is a matching non-exact rule with what Vault orders it by.
type match struct {
	e         *aclEntry
	firstWC   int  // where the first "+" or the glob is
	isPrefix  bool // ends in "*"
	wildcards int  // how many "+" segments
	wcPath    string
}

// less is Vault's priority order among matching non-exact rules: the one
// whose first wildcard comes later, then one without a trailing glob,
// then fewer "+" segments, then longer, then lexicographically larger
// wins.
func (m match) less(o match) bool {
	if m.firstWC != o.firstWC {
		return m.firstWC < o.firstWC
	}
	if m.isPrefix != o.isPrefix {
		return m.isPrefix
	}
	if m.wildcards != o.wildcards {
		return m.wildcards > o.wildcards
	}
	if len(m.wcPath) != len(o.wcPath) {
		return len(m.wcPath) < len(o.wcPath)
	}
	return m.wcPath < o.wcPath
}

// rule is the merged rule Vault applies to a request path, or nil.
func (a *acl) rule(path string) *aclEntry {
	path = strings.TrimLeft(path, "/")
	if e, ok := a.exact[path]; ok {
		return e
	}
	var best *match
	consider := func(m match) {
		if best == nil || best.less(m) {
			best = &m
		}
	}
	// the longest matching glob prefix (a radix tree's LongestPrefix in Vault)
	longest := ""
	var lp *aclEntry
	for p, e := range a.prefix {
		if strings.HasPrefix(path, p) && (lp == nil || len(p) > len(longest)) {
			longest, lp = p, e
		}
	}
	if lp != nil {
		consider(match{e: lp, firstWC: len(longest), isPrefix: true, wcPath: longest})
	}
	parts := strings.Split(path, "/")
SEGMENT:
	for full, e := range a.segment {
		m := match{e: e, firstWC: strings.Index(full, "+")}
		cur := full
		if strings.HasSuffix(cur, "*") {
			m.isPrefix, cur = true, strings.TrimSuffix(cur, "*")
		}
		m.wcPath = cur
		segs := strings.Split(cur, "/")
		if len(parts) < len(segs) || (!m.isPrefix && len(parts) != len(segs)) {
			continue
		}
		for i, s := range segs {
			switch {
			case s == "+":
				m.wildcards++
			case s == parts[i]:
			case m.isPrefix && i == len(segs)-1 && strings.HasPrefix(parts[i], s):
			default:
				continue SEGMENT
			}
		}
		consider(m)
	}
	if best == nil {
		return nil
	}
	return best.e
}

// capabilities are what the combined policies give on path (["deny"]
// when a rule denies; nil when no rule matches; ["root"] for the root
// policy), the pattern of the rule that gave them and the policies that
// hold it.
func (a *acl) capabilities(path string) (caps []string, rule string, policies []string) {
	if a.root {
		return []string{"root"}, "", []string{"root"}
	}
	e := a.rule(path)
	if e == nil {
		return nil, "", nil
	}
	pols := slices.Clone(e.policies)
	slices.Sort(pols)
	if slices.Contains(e.caps, "deny") {
		return []string{"deny"}, e.pattern, pols
	}
	caps = slices.Clone(e.caps)
	slices.Sort(caps)
	return slices.Compact(caps), e.pattern, pols
}

// grantedCapabilities are the capabilities one policy alone gives on path,
// and the rule that gave them.
func grantedCapabilities(rules []policyRule, path string) ([]string, string) {
	caps, rule, _ := newACL([]namedRules{{name: "policy", rules: rules}}).capabilities(path)
	return caps, rule
}
