// Package lab seeds a realistic secret-rotation environment from the runbook
// into real servers: the two CronJobs and their Job history with pod logs,
// the orchestrator Deployment and its pods' JSON audit log, tenants in Vault
// KV v2 with version histories, the cmek-rotation policy, a Kubernetes-auth
// role and an orchestrator token obtained through it, and the runbook's
// Prometheus metrics with alert rules. Any of the runbook's six failure
// scenarios can be produced on demand. The integration tests and the lab
// command (cmd/rotation-lab) share it.
package lab

import (
	"fmt"
	"sort"
	"strings"
)

// Scenario is one of the runbook's six failure situations.
type Scenario string

// The runbook's scenarios, in its order.
const (
	RotationJobFailing Scenario = "rotation-job-failing" // Scenario 1
	VaultTokenExpired  Scenario = "vault-token-expired"  // Scenario 2
	CleanupFailing     Scenario = "cleanup-failing"      // Scenario 3
	RetentionOverflow  Scenario = "retention-overflow"   // Scenario 4
	BatchTimeout       Scenario = "batch-timeout"        // Scenario 5
	AuditMissing       Scenario = "audit-missing"        // Scenario 6
)

// AllScenarios lists the scenarios in the runbook's order.
var AllScenarios = []Scenario{RotationJobFailing, VaultTokenExpired, CleanupFailing, RetentionOverflow, BatchTimeout, AuditMissing}

// ParseScenarios reads a comma-separated list of scenario names or runbook
// numbers ("1,4", "cleanup-failing", "all", "none" or ""). It returns an error
// naming the valid choices.
func ParseScenarios(s string) ([]Scenario, error) {
	s = strings.TrimSpace(s)
	switch s {
	case "", "none", "healthy":
		return nil, nil
	case "all":
		return append([]Scenario(nil), AllScenarios...), nil
	}
	seen := map[Scenario]bool{}
	var out []Scenario
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		var sc Scenario
		for i, c := range AllScenarios {
			if part == string(c) || part == fmt.Sprint(i+1) {
				sc = c
			}
		}
		if sc == "" {
			names := make([]string, len(AllScenarios))
			for i, c := range AllScenarios {
				names[i] = fmt.Sprintf("%d=%s", i+1, c)
			}
			return nil, fmt.Errorf("unknown scenario %q: use all, none, or a comma-separated list of %s", part, strings.Join(names, ", "))
		}
		if !seen[sc] {
			seen[sc] = true
			out = append(out, sc)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Number() < out[j].Number() })
	return out, nil
}

// Number is the scenario's number in the runbook (1–6).
func (s Scenario) Number() int {
	for i, c := range AllScenarios {
		if c == s {
			return i + 1
		}
	}
	return 0
}

type scenarioSet map[Scenario]bool

func newSet(list []Scenario) scenarioSet {
	s := scenarioSet{}
	for _, c := range list {
		s[c] = true
	}
	return s
}
