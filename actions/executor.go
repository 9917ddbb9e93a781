package actions

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/config"
)

// Errors the Executor returns (wrapped with the details).
var (
	ErrReadOnly  = errors.New("read-only mode: actions are disabled")
	ErrForbidden = errors.New("not permitted")
	ErrNoJournal = errors.New("the journal cannot be written, so the action does not run")
	// ErrChanged: the object is not what the plan was made from (or what
	// its diff showed) by the time of the write; nothing was changed.
	ErrChanged = errors.New("changed since the plan was made")
)

// Executor runs Plans through Kube and Vault (actions/kubeops and
// actions/vaultops adapt the client libraries); either may be nil, and the
// changes that need it then fail saying so.
type Executor struct {
	Kube      Kube
	Vault     Vault
	Namespace string
	Config    config.Config
	// ReadOnly refuses every Execute and DryRun.
	ReadOnly bool
	Journal  *Journal
	// Now stamps journal lines and restarts (default time.Now).
	Now func() time.Time
	// Targets, when set, are what changes are applied through instead of
	// Kube and Vault (unit tests' fakes). Preflight still asks Kube and
	// Vault.
	Targets *Targets

	who     *Identity
	running sync.WaitGroup // the Executes not returned yet
}

// Wait waits, at most d, for every Execute running to return (its outcome
// journaled): the dashboard calls it after quitting cancelled them, so that
// an interrupted action's outcome line is written before the process ends.
// It reports whether they all returned.
func (e *Executor) Wait(d time.Duration) bool {
	done := make(chan struct{})
	go func() { e.running.Wait(); close(done) }()
	select {
	case <-done:
		return true
	case <-time.After(d):
		return false
	}
}

func (e *Executor) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

// Whoami resolves who the clients act as (Kubernetes SelfSubjectReview,
// Vault lookup-self's accessor and entity), once. Parts that cannot be read
// stay empty.
func (e *Executor) Whoami(ctx context.Context) Identity {
	if e.who != nil {
		return *e.who
	}
	var id Identity
	if e.Kube != nil {
		if u, err := e.Kube.User(ctx); err == nil {
			id.KubeUser = u
		}
	}
	if e.Vault != nil {
		if acc, ent, err := e.Vault.Self(ctx); err == nil {
			id.VaultAccessor, id.VaultEntity = acc, ent
		}
	}
	e.who = &id
	return id
}

// Preflight checks every permission the plan needs. It returns an error
// wrapping ErrForbidden that lists what is missing, or the error that kept
// it from asking.
func (e *Executor) Preflight(ctx context.Context, p Plan) error {
	perms := p.Permissions()
	caps, err := e.vaultCapabilities(ctx, perms)
	if err != nil {
		return e.uncheckedErr(ctx, KindVault, "Vault permissions (sys/capabilities-self)", err)
	}
	var missing []string
	for _, perm := range perms {
		ok := false
		if perm.Path != "" {
			ok = slices.Contains(caps[perm.Path], perm.Capability) || slices.Contains(caps[perm.Path], "root")
		} else if ok, err = e.kubeAllowed(ctx, perm); err != nil {
			return e.uncheckedErr(ctx, KindKubernetes, "permission "+perm.String()+" (SelfSubjectAccessReview)", err)
		}
		if !ok {
			missing = append(missing, perm.String())
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s: %w: %s", p.Title, ErrForbidden, strings.Join(missing, "; "))
	}
	return nil
}

// uncheckedErr words a permission check that got no answer: interrupted
// by the operator (ErrInterrupted), else ErrUnchecked naming the server
// and its timeout when it did not answer in time. Nothing was tried.
func (e *Executor) uncheckedErr(ctx context.Context, k Kind, what string, err error) error {
	switch {
	case errors.Is(ctx.Err(), context.Canceled):
		return fmt.Errorf("%w by the operator while checking %s: nothing was done (%w)", ErrInterrupted, what, err)
	case isTimeout(err):
		return fmt.Errorf("%w %s: %s; nothing was done", ErrUnchecked, what, e.late(k))
	}
	return fmt.Errorf("%w %s: %w; nothing was done", ErrUnchecked, what, err)
}

// vaultCapabilities asks Vault, in one sys/capabilities-self request, what
// the token may do on every Vault path among perms.
func (e *Executor) vaultCapabilities(ctx context.Context, perms []Permission) (map[string][]string, error) {
	var paths []string
	for _, p := range perms {
		if p.Path != "" && !slices.Contains(paths, p.Path) {
			paths = append(paths, p.Path)
		}
	}
	if len(paths) == 0 {
		return nil, nil
	}
	if e.Vault == nil {
		return nil, errors.New("no Vault client")
	}
	return e.Vault.Capabilities(ctx, paths)
}

// kubeAllowed asks the API server whether the user may (SelfSubjectAccessReview).
func (e *Executor) kubeAllowed(ctx context.Context, p Permission) (bool, error) {
	if e.Kube == nil {
		return false, errors.New("no Kubernetes client")
	}
	return e.Kube.Allowed(ctx, p)
}

// DryRun asks the server to validate the changes without making them,
// where the API has a dry run (Kubernetes); for Vault it returns the
// plan's before/after without writing. Every request runs under ctx. It
// returns ErrReadOnly in read-only mode, and an error when a change is
// invalid (a value out of its range).
func (e *Executor) DryRun(ctx context.Context, p Plan) (Result, error) {
	if e.ReadOnly {
		return Result{}, ErrReadOnly
	}
	if err := p.Validate(); err != nil {
		return Result{}, err
	}
	return e.apply(ctx, p, true)
}

// Validate returns an error when the plan has no change, or a change that
// cannot be applied as it is (no write set, a value out of its range).
func (p Plan) Validate() error {
	if len(p.Changes) == 0 {
		return fmt.Errorf("%s: the plan has no change", p.Title)
	}
	for _, c := range p.Changes {
		if err := c.Validate(); err != nil {
			return fmt.Errorf("%s: %w", p.Title, err)
		}
	}
	return nil
}

// apply applies the plan's changes in order, each under ctx with its own
// request timeout, and stops at the first that fails.
func (e *Executor) apply(ctx context.Context, p Plan, dry bool) (Result, error) {
	t := e.targets()
	var done []applied
	for i, c := range p.Changes {
		o, err := c.op()
		if err != nil {
			return Result{}, err
		}
		a, err := applyOne(ctx, o, t, dry)
		if err != nil {
			var na *noAnswer
			switch {
			case errors.Is(ctx.Err(), context.Canceled) && errors.As(err, &na) && !dry:
				err = fmt.Errorf("%s: %w by the operator while the request was in flight: it may have been applied; read it again before retrying (%w)", na.what, ErrInterrupted, err)
			case errors.Is(ctx.Err(), context.Canceled) && dry:
				err = fmt.Errorf("%w by the operator during the dry run: nothing was changed (%w)", ErrInterrupted, err)
			case errors.Is(ctx.Err(), context.Canceled):
				err = fmt.Errorf("%w by the operator before its write was sent: nothing was changed (%w)", ErrInterrupted, err)
			case errors.As(err, &na) && !dry:
				// no answer came: read the object again to tell
				a, err = e.afterNoAnswer(ctx, p.Kind, o, t, err)
			case isTimeout(err):
				err = fmt.Errorf("%w (%s); nothing was changed", err, e.late(p.Kind))
			}
		}
		if err != nil {
			if len(p.Changes) == 1 {
				return Result{}, err
			}
			return Result{}, fmt.Errorf("%s: %w; %s before it: %s", subject(c), err, pastVerb(p.Changes), strings.Join(orNone(subjects(p.Changes[:i])), ", "))
		}
		done = append(done, a)
	}
	return combine(p, done, dry), nil
}

func applyOne(ctx context.Context, o op, t Targets, dry bool) (applied, error) {
	ctx, cancel := context.WithTimeout(ctx, actionTimeout)
	defer cancel()
	return o.apply(ctx, t, dry)
}

// subject names a change of a plan of several: the tenant of a trim, else
// its command.
func subject(c Change) string {
	if c.TrimVersions != nil && c.TrimVersions.Tenant != "" {
		return c.TrimVersions.Tenant
	}
	return c.Command()
}

func subjects(cs []Change) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = subject(c)
	}
	return out
}

func allTrims(cs []Change) bool {
	for _, c := range cs {
		if c.TrimVersions == nil {
			return false
		}
	}
	return len(cs) > 0
}

func pastVerb(cs []Change) string {
	if allTrims(cs) {
		return "trimmed"
	}
	return "done"
}

// combine is a plan's result from its changes' results: the one change's,
// or a summary of several.
func combine(p Plan, done []applied, dry bool) Result {
	if len(done) == 1 {
		return done[0].res
	}
	if allTrims(p.Changes) {
		destroyed := 0
		for _, a := range done {
			destroyed += a.destroyed
		}
		keep, mount := p.Changes[0].TrimVersions.Keep, p.Changes[0].TrimVersions.Mount
		if dry {
			return Result{Summary: fmt.Sprintf("would destroy %d versions in %d tenants and set max_versions=%d", destroyed, len(done), keep)}
		}
		return Result{Summary: fmt.Sprintf("destroyed %d versions in %d tenants, max_versions=%d", destroyed, len(done), keep), Object: mount}
	}
	parts := make([]string, len(done))
	for i, a := range done {
		parts[i] = a.res.Summary
	}
	return Result{Summary: strings.Join(parts, "; ")}
}

func orNone(s []string) []string {
	if len(s) == 0 {
		return []string{"none"}
	}
	return s
}

// Execute runs the plan: read-only refusal, the journal's intent line (the
// action does not run if it cannot be written), the preflight (a refusal is
// journaled as the outcome "refused", a check that got no answer as
// "unchecked": who tried what stays on record), the change, and the
// outcome line (OutcomeOf: ok, failed, stale, unknown when a write was sent
// and no answer came — the object is read again to tell, and done when it
// holds what was sent — or interrupted).
func (e *Executor) Execute(ctx context.Context, p Plan, reason string) (Result, error) {
	if e.ReadOnly {
		return Result{}, ErrReadOnly
	}
	if e.Journal == nil {
		return Result{}, ErrNoJournal
	}
	if err := p.Validate(); err != nil {
		return Result{}, err
	}
	e.running.Add(1)
	defer e.running.Done()
	id := newID()
	who := e.Whoami(ctx)
	intent := Entry{Time: e.now().UTC(), ID: id, Phase: "intent", Action: p.Action, Target: p.Target, Who: who, Reason: reason,
		Command: p.Command(), Changes: p.Changes}
	if err := e.Journal.Append(intent); err != nil {
		return Result{}, fmt.Errorf("%w: %v", ErrNoJournal, err)
	}
	if err := e.Preflight(ctx, p); err != nil {
		// refused (RBAC, a Vault policy), unchecked (no answer) or
		// interrupted: nothing was tried
		out := Entry{Time: e.now().UTC(), ID: id, Phase: "outcome", Action: p.Action, Target: p.Target, Who: who, Outcome: OutcomeOf(err), Error: err.Error()}
		if jerr := e.Journal.Append(out); jerr != nil {
			return Result{}, fmt.Errorf("%w (and the refusal could not be journaled: %v)", err, jerr)
		}
		return Result{}, err
	}
	res, err := e.apply(ctx, p, false)
	if err == nil && res.ObjectKind != "" {
		res.Event = e.recordEvent(ctx, p, res, who, reason)
	}
	out := Entry{Time: e.now().UTC(), ID: id, Phase: "outcome", Action: p.Action, Target: p.Target, Who: who, Outcome: OutcomeOK, Result: &res}
	if err != nil {
		// failed, stale, unknown (sent, no answer) or interrupted
		out.Outcome, out.Error, out.Result = OutcomeOf(err), err.Error(), nil
	}
	if jerr := e.Journal.Append(out); jerr != nil && err == nil {
		err = fmt.Errorf("done, but the outcome could not be journaled: %w", jerr)
	}
	return res, err
}

// recordEvent leaves a Normal Event on the changed object, so `kubectl
// describe` shows who did what and why. A failure is reported in the result,
// never fails the action (the change is done and journaled).
func (e *Executor) recordEvent(ctx context.Context, p Plan, res Result, who Identity, reason string) string {
	if e.Kube == nil {
		return ""
	}
	msg := fmt.Sprintf("%s by %s", p.Title, orUnknown(who.KubeUser))
	if reason != "" {
		msg += ": " + reason
	}
	ev := Event{Namespace: e.Namespace, Kind: res.ObjectKind, Name: res.Object, Reason: "KubectlRotation", Message: msg, At: e.now()}
	if err := e.Kube.RecordEvent(ctx, ev); err != nil {
		return "not recorded: " + err.Error()
	}
	return "recorded"
}

func orUnknown(s string) string {
	if s == "" {
		return "an unknown user"
	}
	return s
}

func newID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
