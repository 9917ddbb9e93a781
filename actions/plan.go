// Package actions performs the runbook's fixes. Every action is first a
// pure Plan: plain data listing its typed Changes (create a Job from a
// CronJob, set an env variable, patch a deadline, write a Vault policy …),
// from which the equivalent kubectl or vault command and the permissions
// it needs are derived, one function per change type, plus what it needs
// from the person (a typed value, a typed name, a fallback plan, what to
// show before confirming). The Executor then checks permissions
// (Kubernetes SelfSubjectAccessReview, Vault sys/capabilities-self), runs a
// server-side dry run where the API has one, writes an intent line with
// the changes to the journal, applies the changes through small interfaces
// (JobCreator, EnvSetter, …) under the caller's context, and writes the
// outcome line. In read-only mode the Executor refuses before anything
// else, and the clients it is given refuse any write below it
// (collectors.ReadOnlyTransport).
package actions

import (
	"fmt"
	"strings"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
)

// Kind is what an action talks to.
type Kind string

// Kinds of actions.
const (
	KindKubernetes Kind = "kubernetes"
	KindVault      Kind = "vault"
)

// Permission is one thing the caller must be allowed to do.
type Permission struct {
	// Kubernetes: Verb, Group, Resource, Subresource, Namespace, Name.
	Verb        string `json:"verb,omitempty"`
	Group       string `json:"group,omitempty"`
	Resource    string `json:"resource,omitempty"`
	Subresource string `json:"subresource,omitempty"`
	Namespace   string `json:"namespace,omitempty"`
	Name        string `json:"name,omitempty"`
	// Vault: Path and the capability needed on it.
	Path       string `json:"path,omitempty"`
	Capability string `json:"capability,omitempty"`
}

func (p Permission) String() string {
	if p.Path != "" {
		return fmt.Sprintf("vault %s on %s", p.Capability, p.Path)
	}
	res := p.Resource
	if p.Group != "" {
		res += "." + p.Group
	}
	if p.Subresource != "" {
		res += "/" + p.Subresource
	}
	return fmt.Sprintf("%s %s %s in %s", p.Verb, res, p.Name, p.Namespace)
}

// Plan is a pure description of an action: plain data (JSON-serialisable,
// comparable with reflect.DeepEqual). Building one reads nothing.
type Plan struct {
	// Action is the runbook action id (runbook.Action*).
	Action string `json:"action"`
	Title  string `json:"title"`
	Kind   Kind   `json:"kind"`
	// Target names the object changed: "cronjob/cmek-rotation in ns",
	// "vault policy cmek-rotation".
	Target string `json:"target"`
	// Effects say, line by line and for a person, what will change.
	Effects []string `json:"effects"`
	// Changes are the writes, applied in order by the Executor.
	Changes []Change `json:"changes"`
	// Destructive actions need ConfirmName typed to confirm.
	Destructive bool   `json:"destructive"`
	ConfirmName string `json:"confirmName,omitempty"`
	// Warning is shown before confirming (e.g. data loss).
	Warning string `json:"warning,omitempty"`
	// Ask, when set, is a value the person types before the plan is
	// checked; the plan is then built again with it (PlanFor, Input.Value).
	Ask *Ask `json:"ask,omitempty"`
	// Fallback, when set, is the plan to offer instead when this one is
	// not permitted (ErrForbidden).
	Fallback *Fallback `json:"fallback,omitempty"`
	// Preview, when set, is what to show beside the confirmation.
	Preview *Preview `json:"preview,omitempty"`
	// Connection is how Command's kubectl and vault reach the servers the
	// plan was made from (the snapshot's: the flags the person gave).
	Connection collectors.Connection `json:"connection,omitzero"`
}

// Ask is a whole number the person types, with its default and its range
// (both ends included).
type Ask struct {
	// Prompt is shown before the input: "New activeDeadlineSeconds (the
	// runbook suggests 1800)".
	Prompt  string `json:"prompt"`
	Unit    string `json:"unit"` // "seconds"
	Default int64  `json:"default"`
	Min     int64  `json:"min"`
	Max     int64  `json:"max"`
	// Raises, when set, says why Min is what it is: the value now, which
	// the action only raises ("activeDeadlineSeconds is 600s now, and this
	// action only raises it").
	Raises string `json:"raises,omitempty"`
}

// Hint says what to type: "type a number of seconds from 60 to 86400".
func (a Ask) Hint() string {
	return fmt.Sprintf("type a number of %s from %d to %d", a.Unit, a.Min, a.Max)
}

// Check returns an error saying the range (Hint) when n is outside it.
func (a Ask) Check(n int64) error {
	if n < a.Min && a.Raises != "" {
		return fmt.Errorf("%d does not raise it: %s: %s", n, a.Raises, a.Hint())
	}
	if n < a.Min || n > a.Max {
		return fmt.Errorf("%d is out of range: %s", n, a.Hint())
	}
	return nil
}

// Fallback is the plan offered when the first one is not permitted.
type Fallback struct {
	Plan Plan `json:"plan"`
	// Note says, in the modal, why the fallback is offered; Short says it
	// beside the step's key.
	Note  string `json:"note"`
	Short string `json:"short"`
}

// Preview is what to read before confirming. LastJob: the newest Job of
// the role whose name starts with the prefix, and the end of its log.
type Preview struct {
	LastJob *JobPreview `json:"lastJob,omitempty"`
}

// JobPreview names the Job to show and the words to show it with.
type JobPreview struct {
	Role   string `json:"role"`   // collectors.Job.Role: "cleanup"
	Prefix string `json:"prefix"` // "test-cleanup-"
	What   string `json:"what"`   // "dry run"
	// Missing is shown when there is no such Job.
	Missing string `json:"missing"`
}

// AsShown is the plan as the person confirms it after its check (the
// dry run's result): each change that replaces a whole object the check
// showed as a diff of what is there against what will be written (a
// policy, a role) carries the "what is there" the diff showed, so that its
// run reads the object again just before the write and refuses — journaled,
// nothing changed — when it is other by then: a write never removes what
// the person did not see. Other plans are returned as they are.
func (p Plan) AsShown(check Result) Plan {
	if len(p.Changes) != 1 {
		return p
	}
	shown := check.Before
	switch c := p.Changes[0]; {
	case c.WritePolicy != nil:
		w := *c.WritePolicy
		w.Shown = &shown
		p.Changes = []Change{{WritePolicy: &w}}
	case c.WriteRole != nil:
		w := *c.WriteRole
		w.Shown = &shown
		p.Changes = []Change{{WriteRole: &w}}
	}
	return p
}

// Command is the equivalent shell command a person could run instead: the
// command of each change, one per line, through the plan's Connection.
func (p Plan) Command() string {
	cmds := make([]string, 0, len(p.Changes))
	for _, c := range p.Changes {
		cmds = append(cmds, c.CommandVia(p.Connection))
	}
	return strings.Join(cmds, "\n")
}

// Permissions are what the changes need, in order, without repeats.
func (p Plan) Permissions() []Permission {
	var out []Permission
	seen := map[Permission]bool{}
	for _, c := range p.Changes {
		for _, perm := range c.Permissions() {
			if !seen[perm] {
				seen[perm] = true
				out = append(out, perm)
			}
		}
	}
	return out
}

// Result is what an execution (or dry run) did.
type Result struct {
	// Summary is one line for the journal and the screen.
	Summary string `json:"summary"`
	// Object is the created or changed object's name (e.g. the Job), and
	// ObjectKind its Kubernetes kind when it is a Kubernetes object.
	Object     string `json:"object,omitempty"`
	ObjectKind string `json:"objectKind,omitempty"`
	// Event says whether a Kubernetes Event was recorded on the object.
	Event string `json:"event,omitempty"`
	// Before and After are the values the action changed, when it has them
	// (a TTL, a deadline, a policy text).
	Before string `json:"before,omitempty"`
	After  string `json:"after,omitempty"`
}

// String is the plan for a confirmation prompt.
func (p Plan) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s — %s\n", p.Title, p.Target)
	for _, c := range p.Effects {
		fmt.Fprintf(&b, "  • %s\n", c)
	}
	fmt.Fprintf(&b, "  $ %s\n", p.Command())
	if p.Warning != "" {
		fmt.Fprintf(&b, "  ! %s\n", p.Warning)
	}
	return b.String()
}
