// Package runbook holds the runbook "Secret Rotation Failures" as data
// (runbook.yaml: scenarios, symptoms, steps with the equivalent shell
// command, verification, prevention, related alerts, compliance notes) and
// the pure triage that maps a collectors.Snapshot to findings with evidence.
// It does no I/O and reads no clock: callers pass the time to judge at.
package runbook

import (
	"bytes"
	_ "embed"
	"fmt"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/shell"
)

//go:embed runbook.yaml
var runbookYAML []byte

// Book is the runbook.
type Book struct {
	Title         string      `yaml:"title" json:"title"`
	Impact        []string    `yaml:"impact" json:"impact"`
	Diagnosis     []Section   `yaml:"diagnosis" json:"diagnosis"`
	Scenarios     []Scenario  `yaml:"scenarios" json:"scenarios"`
	Mitigation    Section     `yaml:"mitigation" json:"mitigation"`
	Verification  []Check     `yaml:"verification" json:"verification"`
	Prevention    []string    `yaml:"prevention" json:"prevention"`
	RelatedAlerts []AlertLink `yaml:"related_alerts" json:"relatedAlerts"`
	Compliance    []string    `yaml:"compliance" json:"compliance"`
	// Causes are the steps that point at why a Job failed, shown before a
	// scenario's own when triage names that cause (see StepsFor).
	Causes []CauseSteps `yaml:"causes" json:"causes"`
}

// Section is a titled list of steps (a Diagnosis part, the mitigation).
type Section struct {
	ID    string `yaml:"id" json:"id,omitempty"`
	Title string `yaml:"title" json:"title"`
	Steps []Step `yaml:"steps" json:"steps"`
}

// Scenario is one of the runbook's resolution scenarios.
type Scenario struct {
	ID     string `yaml:"id" json:"id"`
	Number int    `yaml:"number" json:"number"`
	Title  string `yaml:"title" json:"title"`
	// Alerts are the roles (config.Alerts fields, e.g. rotationFailed) of
	// the related alerts that point at this scenario.
	Alerts       []string  `yaml:"alerts" json:"alerts"`
	Symptoms     []Symptom `yaml:"symptoms" json:"symptoms"`
	Steps        []Step    `yaml:"steps" json:"steps"`
	Verification []string  `yaml:"verification" json:"verification"`
}

// Symptom is a symptom the runbook lists; triage evaluates it by ID.
type Symptom struct {
	ID   SymptomID `yaml:"id" json:"id"`
	Text string    `yaml:"text" json:"text"`
}

// Step is one step: what to do, the equivalent shell command (a template
// over Vars), the live signal that shows its state (Check) and the action
// that performs it (Action), if any.
type Step struct {
	Title   string `yaml:"title" json:"title"`
	Command string `yaml:"command" json:"command,omitempty"`
	Note    string `yaml:"note" json:"note,omitempty"`
	Check   string `yaml:"check" json:"check,omitempty"`
	Action  string `yaml:"action" json:"action,omitempty"`
}

// Check is a verification check.
type Check struct {
	ID      string `yaml:"id" json:"id"`
	Title   string `yaml:"title" json:"title"`
	Command string `yaml:"command" json:"command"`
}

// AlertLink ties a related alert to its scenario.
type AlertLink struct {
	Role     string `yaml:"role" json:"role"`
	Text     string `yaml:"text" json:"text"`
	Scenario string `yaml:"scenario" json:"scenario"`
}

// Action ids: the one-key actions of the steps. They are stable: the
// actions package implements them and journals use them.
const (
	ActionTriggerRotation     = "trigger-rotation"
	ActionCleanupDryRun       = "cleanup-dry-run"
	ActionCleanupRun          = "cleanup-run"
	ActionRenewToken          = "renew-token"
	ActionRestartOrchestrator = "restart-orchestrator"
	ActionRaiseDeadline       = "raise-deadline"
	ActionFixPolicy           = "fix-policy"
	ActionFixRole             = "fix-role"
	ActionTrimVersions        = "trim-versions"
	ActionTrimVersionsAll     = "trim-versions-all"
	ActionEmergencyRotate     = "emergency-rotate"
	ActionEnableAudit         = "enable-audit"
	ActionCleanupDryRunOff    = "cleanup-dry-run-off"
)

// Actions lists every action id.
func Actions() []string {
	return []string{ActionTriggerRotation, ActionCleanupDryRun, ActionCleanupRun, ActionRenewToken, ActionRestartOrchestrator,
		ActionRaiseDeadline, ActionFixPolicy, ActionFixRole, ActionTrimVersions, ActionEmergencyRotate, ActionEnableAudit, ActionCleanupDryRunOff, ActionTrimVersionsAll}
}

var loadBook = sync.OnceValues(func() (*Book, error) { return Parse(runbookYAML) })

// Default returns the embedded runbook. The returned Book is shared: do not
// modify it. It returns an error only if the embedded file is broken (a test
// guards against that).
func Default() (*Book, error) { return loadBook() }

// MustDefault is Default for callers that cannot go on without the runbook.
func MustDefault() *Book {
	b, err := Default()
	if err != nil {
		panic(err)
	}
	return b
}

// Parse reads a runbook in the embedded file's format, rejecting unknown
// keys, and checks that it is consistent.
func Parse(data []byte) (*Book, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var b Book
	if err := dec.Decode(&b); err != nil {
		return nil, fmt.Errorf("runbook: %w", err)
	}
	if err := b.validate(); err != nil {
		return nil, err
	}
	return &b, nil
}

func (b *Book) validate() error {
	var problems []string
	checks := map[string]bool{}
	for _, c := range b.Verification {
		checks[c.ID] = true
	}
	actions := map[string]bool{}
	for _, a := range Actions() {
		actions[a] = true
	}
	seen := map[string]bool{}
	steps := func(where string, ss []Step) {
		for _, s := range ss {
			if s.Action != "" && !actions[s.Action] {
				problems = append(problems, fmt.Sprintf("%s: step %q names unknown action %q", where, s.Title, s.Action))
			}
			for _, text := range []string{s.Command, s.Note} {
				if _, err := commandTemplate(text); err != nil {
					problems = append(problems, fmt.Sprintf("%s: step %q: %v", where, s.Title, err))
				}
			}
		}
	}
	for i, s := range b.Scenarios {
		if s.Number != i+1 {
			problems = append(problems, fmt.Sprintf("scenario %s: number %d, want %d", s.ID, s.Number, i+1))
		}
		if seen[s.ID] {
			problems = append(problems, "duplicate scenario "+s.ID)
		}
		seen[s.ID] = true
		for _, v := range s.Verification {
			if !checks[v] {
				problems = append(problems, fmt.Sprintf("scenario %s: unknown verification %q", s.ID, v))
			}
		}
		steps("scenario "+s.ID, s.Steps)
	}
	for _, d := range b.Diagnosis {
		steps("diagnosis "+d.ID, d.Steps)
	}
	steps("mitigation", b.Mitigation.Steps)
	for _, cs := range b.Causes {
		steps("causes "+strings.Join(cs.Kinds, ","), cs.Steps)
	}
	problems = append(problems, b.causeProblems()...)
	for _, a := range b.RelatedAlerts {
		if !seen[a.Scenario] {
			problems = append(problems, fmt.Sprintf("related alert %s: unknown scenario %q", a.Role, a.Scenario))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("runbook: %s", strings.Join(problems, "; "))
	}
	return nil
}

// Scenario returns the scenario with the id.
func (b *Book) Scenario(id string) (Scenario, bool) {
	for _, s := range b.Scenarios {
		if s.ID == id {
			return s, true
		}
	}
	return Scenario{}, false
}

// VerificationCheck returns the verification check with the id.
func (b *Book) VerificationCheck(id string) (Check, bool) {
	for _, c := range b.Verification {
		if c.ID == id {
			return c, true
		}
	}
	return Check{}, false
}

// auditEventsCommand is the diagnosis step's command that lists the
// rotation audit events (check audit-events), for the namespace and label
// of s, as the diagnosis shows it.
func (b *Book) auditEventsCommand(s *collectors.Snapshot) string {
	for _, d := range b.Diagnosis {
		for _, st := range d.Steps {
			if st.Check == "audit-events" {
				v := Vars{Namespace: orPlaceholder(s.Namespace, "namespace"), SecurityLabel: s.Config.Kubernetes.SecurityLabel,
					Kubectl: shell.Kubectl(s.Connection.KubectlFlags), Vault: shell.Vault(s.Connection.VaultEnv)} // the connection flags given
				return v.Render(st.Command)
			}
		}
	}
	return ""
}
