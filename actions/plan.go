// Package actions performs the runbook's fixes. Every action is first a
// pure Plan (what changes, on which object, the equivalent kubectl or vault
// command, whether it destroys data); the Executor then checks permissions
// (Kubernetes SelfSubjectAccessReview, Vault sys/capabilities-self), runs a
// server-side dry run where the API has one, writes an intent line to the
// journal, executes, and writes the outcome line. In read-only mode the
// Executor refuses before anything else, and the clients it is given refuse
// any write below it (collectors.ReadOnlyTransport).
package actions

import (
	"fmt"
	"strings"
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
	Verb, Group, Resource, Subresource, Namespace, Name string
	// Vault: Path and the capability needed on it.
	Path, Capability string
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

// Plan is a pure description of an action. Building one reads nothing.
type Plan struct {
	// Action is the runbook action id (runbook.Action*).
	Action string `json:"action"`
	Title  string `json:"title"`
	Kind   Kind   `json:"kind"`
	// Target names the object changed: "cronjob/cmek-rotation in ns",
	// "vault policy cmek-rotation".
	Target string `json:"target"`
	// Changes says, line by line, what will change.
	Changes []string `json:"changes"`
	// Command is the equivalent shell command a person could run instead.
	Command string `json:"command"`
	// Destructive actions need the Target's name typed to confirm.
	Destructive bool   `json:"destructive"`
	ConfirmName string `json:"confirmName,omitempty"`
	// Warning is shown before confirming (e.g. data loss).
	Warning     string       `json:"warning,omitempty"`
	Permissions []Permission `json:"-"`

	run    func(ex *Executor, dryRun bool) (Result, error)
	verify []string // runbook verification check ids
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
	for _, c := range p.Changes {
		fmt.Fprintf(&b, "  • %s\n", c)
	}
	fmt.Fprintf(&b, "  $ %s\n", p.Command)
	if p.Warning != "" {
		fmt.Fprintf(&b, "  ! %s\n", p.Warning)
	}
	return b.String()
}
