package runbook

import (
	"fmt"
	"slices"

	"go.yaml.in/yaml/v3"
)

// SymptomID names a symptom the runbook lists. The ids are constants, so
// that a misspelt symptom fails to compile instead of being evaluated as
// nothing at run time; runbook.yaml and the report spell them by name
// (String, MarshalText), and the parser refuses a name it does not know.
type SymptomID int

// The symptoms of runbook.yaml's scenarios.
const (
	symptomNone SymptomID = iota
	SymRotationJobFailed
	SymFailedToRotateLogged
	SymSpecificTenants
	SymPolicyMissingCapability
	SymRotationCronjobSuspended
	SymTokenExpiring
	SymRenewalFailures
	SymPermissionDeniedVault
	SymRoleMisconfigured
	SymCleanupJobFailed
	SymDryRunLeftOn
	SymVersionsGrowing
	SymTooManyVersionsLogged
	SymCleanupCronjobSuspended
	SymKeyVersionsLost
	SymTenantsOverRetention
	SymVersionLimitLogged
	SymNoMaxVersions
	SymDeadlineExceeded
	SymPartialCoverage
	SymPodKilled
	SymRotationsWithoutAudit
	SymAuditDisabled
	SymMissingRotationEvents
)

// symptomNames spell the ids as runbook.yaml does.
var symptomNames = [...]string{
	symptomNone:                 "",
	SymRotationJobFailed:        "rotation-job-failed",
	SymFailedToRotateLogged:     "failed-to-rotate-logged",
	SymSpecificTenants:          "specific-tenants",
	SymPolicyMissingCapability:  "policy-missing-capability",
	SymRotationCronjobSuspended: "rotation-cronjob-suspended",
	SymTokenExpiring:            "token-expiring",
	SymRenewalFailures:          "renewal-failures",
	SymPermissionDeniedVault:    "permission-denied-vault",
	SymRoleMisconfigured:        "role-misconfigured",
	SymCleanupJobFailed:         "cleanup-job-failed",
	SymDryRunLeftOn:             "dry-run-left-on",
	SymVersionsGrowing:          "versions-growing",
	SymTooManyVersionsLogged:    "too-many-versions-logged",
	SymCleanupCronjobSuspended:  "cleanup-cronjob-suspended",
	SymKeyVersionsLost:          "key-versions-lost",
	SymTenantsOverRetention:     "tenants-over-retention",
	SymVersionLimitLogged:       "version-limit-logged",
	SymNoMaxVersions:            "no-max-versions",
	SymDeadlineExceeded:         "deadline-exceeded",
	SymPartialCoverage:          "partial-coverage",
	SymPodKilled:                "pod-killed",
	SymRotationsWithoutAudit:    "rotations-without-audit",
	SymAuditDisabled:            "audit-disabled",
	SymMissingRotationEvents:    "missing-rotation-events",
}

// String is the id as runbook.yaml and the report spell it.
func (id SymptomID) String() string {
	if id < 0 || int(id) >= len(symptomNames) {
		return fmt.Sprintf("SymptomID(%d)", int(id))
	}
	return symptomNames[id]
}

// ParseSymptomID returns the SymptomID named s, or an error naming the
// known ones.
func ParseSymptomID(s string) (SymptomID, error) {
	if i := slices.Index(symptomNames[:], s); i > 0 {
		return SymptomID(i), nil
	}
	known := slices.Clone(symptomNames[1:])
	slices.Sort(known)
	return symptomNone, fmt.Errorf("unknown symptom id %q (known: %v)", s, known)
}

// MarshalText writes the id's name (JSON, YAML).
func (id SymptomID) MarshalText() ([]byte, error) { return []byte(id.String()), nil }

// UnmarshalText reads a known id's name.
func (id *SymptomID) UnmarshalText(b []byte) error {
	v, err := ParseSymptomID(string(b))
	if err != nil {
		return err
	}
	*id = v
	return nil
}

// UnmarshalYAML reads a known id's name, with its line on error.
func (id *SymptomID) UnmarshalYAML(n *yaml.Node) error {
	if err := id.UnmarshalText([]byte(n.Value)); err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	return nil
}
