package actions

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"
)

// Errors that say how an action ended when it did not end done, each its
// own outcome (OutcomeOf): a refusal (ErrForbidden) is only ever a server's
// or RBAC's answer.
var (
	// ErrUnchecked: the permissions could not be checked (the server did
	// not answer, or could not be reached); nothing was tried.
	ErrUnchecked = errors.New("could not check")
	// ErrInterrupted: the operator cancelled the action (ctrl+c, q) while
	// it ran.
	ErrInterrupted = errors.New("interrupted")
	// ErrNoAnswer: a write was sent and no answer came in time: it may
	// have been applied.
	ErrNoAnswer = errors.New("unknown: the request was sent and no answer came in time: it may have been applied")
)

// The outcomes the journal records (Entry.Outcome) and the dashboard says.
const (
	OutcomeOK          = "ok"
	OutcomeFailed      = "failed"      // the server answered with an error, or could not be reached; what was done before is said
	OutcomeRefused     = "refused"     // RBAC or a Vault policy does not permit it: nothing was tried
	OutcomeUnchecked   = "unchecked"   // the permissions could not be checked: nothing was tried
	OutcomeStale       = "stale"       // the object changed since the plan was made: nothing was changed
	OutcomeUnknown     = "unknown"     // a write was sent and no answer came: it may have been applied
	OutcomeInterrupted = "interrupted" // cancelled by the operator: what ran is said
)

// OutcomeOf is the outcome an action's error means (OutcomeOK for nil).
func OutcomeOf(err error) string {
	switch {
	case err == nil:
		return OutcomeOK
	case errors.Is(err, ErrInterrupted):
		return OutcomeInterrupted
	case errors.Is(err, ErrForbidden):
		return OutcomeRefused
	case errors.Is(err, ErrUnchecked):
		return OutcomeUnchecked
	case errors.Is(err, ErrChanged):
		return OutcomeStale
	case errors.Is(err, ErrNoAnswer):
		return OutcomeUnknown
	}
	return OutcomeFailed
}

// isTimeout reports whether err says no answer came in time: a context
// deadline, or a client's own timeout (net.Error, "Client.Timeout
// exceeded").
func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	s := err.Error()
	return strings.Contains(s, "context deadline exceeded") || strings.Contains(s, "Client.Timeout exceeded")
}

func isCanceled(err error) bool {
	return errors.Is(err, context.Canceled) || strings.Contains(err.Error(), "context canceled")
}

// noAnswer is the error of a write that was sent and got no answer: a
// timeout, or the operator's cancel while it was in flight.
type noAnswer struct {
	what string // "write policy cmek-rotation"
	err  error
}

func (e *noAnswer) Error() string {
	if strings.HasPrefix(e.err.Error(), e.what) { // the adapter named it already
		return e.err.Error()
	}
	return e.what + ": " + e.err.Error()
}
func (e *noAnswer) Unwrap() error { return e.err }

// sent wraps the error of a write request that was sent (what names it)
// as a noAnswer when no answer came in time or the wait was cancelled;
// any other error is the server's answer, or one from before the request
// left (BeforeWrite), and is wrapped with what as it is.
func sent(what string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, errBeforeWrite):
	case isTimeout(err) || isCanceled(err):
		return &noAnswer{what: what, err: err}
	}
	if strings.HasPrefix(err.Error(), what) { // the adapter named it already
		return err
	}
	return fmt.Errorf("%s: %w", what, err)
}

var errBeforeWrite = errors.New("before the write")

// beforeWrite marks an error from a request made before a write was sent
// (CreateJobFrom reads the CronJob first): a timeout there changed nothing.
type beforeWrite struct{ err error }

func (e beforeWrite) Error() string { return e.err.Error() }
func (e beforeWrite) Unwrap() []error {
	return []error{e.err, errBeforeWrite}
}

// BeforeWrite marks err, from a request an adapter makes before it sends
// the write (a read), so that a timeout in it is known to have changed
// nothing. Its message is err's.
func BeforeWrite(err error) error {
	if err == nil {
		return nil
	}
	return beforeWrite{err: err}
}

// server names the server a plan of kind k talks to, the setting that
// bounds one request to it, and that bound (0 when not configured).
func (e *Executor) server(k Kind) (name, knob string, timeout time.Duration) {
	if k == KindVault {
		name = "Vault"
		if a, ok := e.Vault.(interface{ Address() string }); ok && a.Address() != "" {
			name = "Vault at " + a.Address()
		}
		return name, "vault.requestTimeout", e.Config.Vault.RequestTimeout.Duration()
	}
	return "the API server", "--request-timeout (kubernetes.requestTimeout)", e.Config.Kubernetes.RequestTimeout.Duration()
}

// late says which server did not answer and within what: "Vault at ADDR
// did not answer within vault.requestTimeout (10s); it is overloaded or
// unreachable, or raise vault.requestTimeout".
func (e *Executor) late(k Kind) string {
	name, knob, d := e.server(k)
	switch {
	case d <= 0:
		return fmt.Sprintf("%s did not answer in time; it is overloaded or unreachable, or raise %s", name, knob)
	case d >= actionTimeout:
		return fmt.Sprintf("%s did not answer within %s, the bound of one change (%s is %s)", name, actionTimeout, knob, d)
	}
	return fmt.Sprintf("%s did not answer within %s (%s); it is overloaded or unreachable, or raise %s", name, knob, d, knob)
}

// confirmer is a change that can read its object again to tell whether a
// write whose answer never came was applied: done when the object now
// holds what the write sets; found says what was read.
type confirmer interface {
	confirm(ctx context.Context, t Targets) (res Result, done bool, found string, err error)
}

// afterNoAnswer words the error of a change whose write got no answer and,
// when the change can (confirmer) and the caller's context is still live,
// reads the object again to tell: applied, the change's result is
// returned as done, saying so; else the error says what was found.
func (e *Executor) afterNoAnswer(ctx context.Context, k Kind, o op, t Targets, err error) (applied, error) {
	late := err.Error()
	if isTimeout(err) {
		late = e.late(k)
	}
	na := &noAnswer{}
	errors.As(err, &na)
	c, ok := o.(confirmer)
	if ctx.Err() != nil || !ok { // cancelled, or nothing to read it again with
		return applied{}, fmt.Errorf("%s: %w (%s); read it again before retrying", na.what, ErrNoAnswer, late)
	}
	rctx, cancel := context.WithTimeout(ctx, actionTimeout)
	defer cancel()
	res, done, found, rerr := c.confirm(rctx, t)
	switch {
	case rerr != nil:
		return applied{}, fmt.Errorf("%s: %w (%s); reading it again failed too (%v): read it again before retrying", na.what, ErrNoAnswer, late, rerr)
	case !done:
		return applied{}, fmt.Errorf("%s: %w (%s); read again: %s (it may still be applied: read it again before retrying)", na.what, ErrNoAnswer, late, found)
	}
	res.Summary += fmt.Sprintf(" (no answer came in time: %s; read again, %s)", late, found)
	return applied{res: res}, nil
}

// JobReader tells whether a Job exists (kubeops.Client): after a create
// whose answer never came, the Job's existence says it was created.
type JobReader interface {
	JobExists(ctx context.Context, ns, name string) (bool, error)
}

func (c *CreateJob) confirm(ctx context.Context, t Targets) (Result, bool, string, error) {
	r, ok := t.Jobs.(JobReader)
	if !ok {
		return Result{}, false, "", errors.New("no client to read Jobs with")
	}
	exists, err := r.JobExists(ctx, c.Namespace, c.Name)
	if err != nil {
		return Result{}, false, "", fmt.Errorf("read job %s: %w", c.Name, err)
	}
	if !exists {
		return Result{}, false, "job " + c.Name + " does not exist", nil
	}
	return Result{Summary: "job " + c.Name + " created", Object: c.Name, ObjectKind: "Job"}, true, "job " + c.Name + " exists", nil
}

func (c *PatchDeadline) confirm(ctx context.Context, t Targets) (Result, bool, string, error) {
	d, err := t.Deadlines.Deadline(ctx, c.Namespace, c.CronJob)
	if err != nil {
		return Result{}, false, "", fmt.Errorf("read cronjob %s: %w", c.CronJob, err)
	}
	now := "none"
	if d != nil {
		now = fmt.Sprintf("%ds", *d)
	}
	found := "activeDeadlineSeconds is " + now
	if d == nil || *d != c.Seconds {
		return Result{}, false, found, nil
	}
	return Result{Summary: "activeDeadlineSeconds → " + now, Object: c.CronJob, ObjectKind: "CronJob", After: now}, true, found + ", as planned", nil
}

func (c *SetEnv) confirm(ctx context.Context, t Targets) (Result, bool, string, error) {
	rv, cs, err := t.Env.Containers(ctx, c.Kind, c.Namespace, c.Name)
	if err != nil {
		return Result{}, false, "", fmt.Errorf("read %s %s: %w", c.resource(), c.Name, err)
	}
	e, err := editEnv(c.containersPointer(), rv, cs, c.Env, c.Value)
	if err != nil {
		return Result{}, false, "", err
	}
	found := fmt.Sprintf("%s is %s (container %s)", c.Env, e.before, strings.Join(e.targets, ", "))
	if e.needed {
		return Result{}, false, found, nil
	}
	return Result{Summary: fmt.Sprintf("%s/%s (container %s): %s=%s; %s", c.resource(), c.Name, strings.Join(e.targets, ", "), c.Env, c.Value, c.Effect),
		Object: c.Name, ObjectKind: c.Kind, After: e.before}, true, found + ", as planned", nil
}

func (c *WritePolicy) confirm(ctx context.Context, t Targets) (Result, bool, string, error) {
	now, err := t.Policies.Policy(ctx, c.Name)
	if err != nil {
		return Result{}, false, "", fmt.Errorf("read policy %s: %w", c.Name, err)
	}
	if now != c.Text {
		return Result{}, false, "the policy's text is not the plan's", nil
	}
	res := Result{Summary: "policy " + c.Name + " written", Object: c.Name, After: now}
	if c.Shown != nil {
		res.Before = *c.Shown
	}
	return res, true, "the policy's text is the plan's", nil
}

func (c *WriteRole) confirm(ctx context.Context, t Targets) (Result, bool, string, error) {
	data, err := t.Roles.Read(ctx, c.Path)
	if err != nil {
		return Result{}, false, "", fmt.Errorf("read %s: %w", c.Path, err)
	}
	now := roleText(data)
	if now != c.text(data) {
		return Result{}, false, "the role is not the plan's", nil
	}
	res := Result{Summary: c.Path + " written", Object: c.Path, After: now}
	if c.Shown != nil {
		res.Before = *c.Shown
	}
	return res, true, "the role matches the plan", nil
}

func (c *TrimKeyVersions) confirm(ctx context.Context, t Targets) (Result, bool, string, error) {
	md, err := t.Versions.Metadata(ctx, c.Mount, c.Path)
	if err != nil {
		return Result{}, false, "", fmt.Errorf("read metadata of %s: %w", c.Path, err)
	}
	live, _ := md.beyond(c.Keep)
	found := fmt.Sprintf("%d live versions, max_versions %d", live, md.MaxVersions)
	if live > c.Keep || md.MaxVersions != c.Keep {
		return Result{}, false, found, nil
	}
	return Result{Summary: fmt.Sprintf("max_versions=%d, no live version beyond the newest %d", c.Keep, c.Keep), Object: c.Path, After: found},
		true, found + ", as planned", nil
}
