package vault

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	vault "github.com/hashicorp/vault/api"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
)

// fillTokenLimits reads the lookup fields that bound a token's life: where
// it was created, when, with which TTL, its explicit max TTL and period.
func fillTokenLimits(t *collectors.TokenInfo, s *vault.Secret) {
	t.Path, _ = s.Data["path"].(string)
	t.CreationTTL = collectors.Duration(seconds(s.Data["creation_ttl"]))
	t.ExplicitMaxTTL = collectors.Duration(seconds(s.Data["explicit_max_ttl"]))
	t.Period = collectors.Duration(seconds(s.Data["period"]))
	if ct := seconds(s.Data["creation_time"]); ct > 0 {
		at := time.Unix(int64(ct/time.Second), 0).UTC()
		t.CreationTime = &at
	} else if t.IssueTime != nil {
		at := t.IssueTime.UTC()
		t.CreationTime = &at
	}
}

// authMount is the auth mount a token was created on ("kubernetes" for
// auth/kubernetes/login, "token" for auth/token/create), or "".
func authMount(path string) string {
	rest, ok := strings.CutPrefix(path, "auth/")
	if !ok {
		return ""
	}
	mount, _, _ := strings.Cut(rest, "/")
	return mount
}

// mountMaxTTL reads an auth mount's effective max_lease_ttl (its own, else
// the system's): sys/mounts/auth/<mount>/tune, which needs no sudo, else
// sys/auth/<mount>/tune. Both are GETs. failures are the reads that failed
// for another reason than a 403 (Vault's error, a timeout, an answer
// without max_lease_ttl), even when the other path answered.
func (c *collector) mountMaxTTL(ctx context.Context, mount string) (time.Duration, []string, error) {
	var firstErr error
	var failures []string
	for _, p := range []string{"sys/mounts/auth/" + mount + "/tune", "sys/auth/" + mount + "/tune"} {
		rctx, cancel := c.vaultCtx(ctx)
		data, err := c.readData(rctx, p, nil)
		cancel()
		if err == nil {
			if d := seconds(data["max_lease_ttl"]); d > 0 {
				return d, failures, nil
			}
			err = notVaultAPI(http.StatusOK, "without data.max_lease_ttl")
		}
		msg := vaultErr("read "+p, err)
		if !denied(err) {
			failures = append(failures, msg)
		}
		if firstErr == nil {
			firstErr = errors.New(msg)
		}
	}
	return 0, failures, firstErr
}

// tunes caches the auth mounts' max_lease_ttl for one collection: each
// mount is read once, the likely ones beside the other Vault reads.
type tunes struct {
	c  *collector
	mu sync.Mutex
	m  map[string]*tuneRead
}

type tuneRead struct {
	once     sync.Once
	max      time.Duration
	err      error
	failures []string
}

func (c *collector) newTunes() *tunes { return &tunes{c: c, m: map[string]*tuneRead{}} }

// get reads a mount's max_lease_ttl once; concurrent callers wait for the
// one read.
func (tu *tunes) get(ctx context.Context, mount string) (time.Duration, error) {
	tu.mu.Lock()
	r, ok := tu.m[mount]
	if !ok {
		r = &tuneRead{}
		tu.m[mount] = r
	}
	tu.mu.Unlock()
	r.once.Do(func() { r.max, r.failures, r.err = tu.c.mountMaxTTL(ctx, mount) })
	return r.max, r.err
}

// failures are the failed reads (mountMaxTTL's) of the mounts asked for
// with get, in mount order: what the ceilings judged could not be read.
func (tu *tunes) failures(asked map[string]bool) []string {
	tu.mu.Lock()
	defer tu.mu.Unlock()
	var mounts []string
	for m := range asked {
		mounts = append(mounts, m)
	}
	sort.Strings(mounts)
	var out []string
	for _, m := range mounts {
		if r, ok := tu.m[m]; ok {
			out = append(out, r.failures...)
		}
	}
	return out
}

// prefetch reads, beside the other Vault reads, the mounts the tokens are
// likely from: the operator's token's, and the Kubernetes auth mount the
// orchestrator logs in through.
func (tu *tunes) prefetch(ctx context.Context, op *collectors.TokenInfo) {
	var wg sync.WaitGroup
	for _, mount := range []string{authMountOf(op), tu.c.cfg.Vault.KubernetesAuthMount} {
		if mount == "" {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _ = tu.get(ctx, mount)
		}()
	}
	wg.Wait()
}

func authMountOf(t *collectors.TokenInfo) string {
	if t == nil || (t.TTL == 0 && t.ExpireTime == nil) {
		return "" // no expiry: no ceiling to read
	}
	return authMount(t.Path)
}

// tokenCeilings works out, for the operator's and the orchestrator's
// tokens, the ceiling no renewal can pass (TokenInfo.MaxTTL, CeilingAt).
// It returns the reads of the mounts they needed that failed for another
// reason than a 403 (mountMaxTTL), as problems to report.
func (c *collector) tokenCeilings(ctx context.Context, d *collectors.VaultData, tu *tunes) []string {
	toks := []*collectors.TokenInfo{d.OperatorToken}
	for i := range d.OrchestratorTokens { // OrchestratorToken is the first
		toks = append(toks, &d.OrchestratorTokens[i])
	}
	if len(d.OrchestratorTokens) == 0 {
		toks = append(toks, d.OrchestratorToken)
	}
	asked := map[string]bool{}
	for _, t := range toks {
		if t != nil {
			tokenCeiling(t, d.Role, func(mount string) (time.Duration, error) {
				asked[mount] = true
				return tu.get(ctx, mount)
			})
		}
	}
	return tu.failures(asked)
}

// tokenCeiling sets t's ceiling as Vault computes it on renewal: the least
// of the auth mount's max_lease_ttl (the system's when the mount has none),
// the auth role's token_max_ttl and the token's explicit max TTL, counted
// from its creation. A periodic token has only its explicit max TTL.
func tokenCeiling(t *collectors.TokenInfo, role *collectors.AuthRole, mountMax func(string) (time.Duration, error)) {
	t.MaxTTL, t.MaxTTLSource, t.CeilingAt, t.CeilingNote = 0, "", nil, ""
	if t.TTL == 0 && t.ExpireTime == nil {
		t.CeilingNote = "the token does not expire"
		return
	}
	if !t.Renewable {
		// a batch token, or a service token made -renewable=false: no
		// renewal extends it, it ends at its expire time
		if t.ExpireTime != nil {
			at := *t.ExpireTime
			t.MaxTTL, t.MaxTTLSource, t.CeilingAt = t.TTL, "not renewable: it ends at its expire time", &at
			if t.CreationTime != nil {
				t.MaxTTL = collectors.Duration(at.Sub(*t.CreationTime).Round(time.Second))
			}
		} else {
			t.CeilingNote = "not renewable: it ends at its TTL"
		}
		return
	}
	if t.CreationTime == nil {
		t.CeilingNote = "the token's creation time is unknown"
		return
	}
	type limit struct {
		d   time.Duration
		src string
	}
	var limits []limit
	var notes []string
	if t.Period == 0 {
		if mount := authMount(t.Path); mount != "" {
			if m, err := mountMax(mount); err == nil {
				limits = append(limits, limit{m, fmt.Sprintf("max_lease_ttl %s of auth/%s (the mount's, else the system's)", roundSeconds(m), mount)})
			} else {
				notes = append(notes, err.Error())
			}
			if role != nil && role.Found && role.Mount == mount && t.Meta["role"] == role.Name && role.MaxTTL > 0 {
				limits = append(limits, limit{role.MaxTTL.Duration(), fmt.Sprintf("token_max_ttl %s of role auth/%s/role/%s", roundSeconds(role.MaxTTL.Duration()), mount, role.Name)})
			}
		} else {
			notes = append(notes, fmt.Sprintf("the token's auth path %q is not an auth mount", t.Path))
		}
	}
	if t.ExplicitMaxTTL > 0 {
		limits = append(limits, limit{t.ExplicitMaxTTL.Duration(), "explicit_max_ttl " + roundSeconds(t.ExplicitMaxTTL.Duration())})
	}
	if len(limits) == 0 {
		if t.Period > 0 {
			t.CeilingNote = "a periodic token without an explicit max TTL: renewal keeps it alive"
		} else {
			t.CeilingNote = "max TTL unknown: " + strings.Join(notes, "; ")
		}
		return
	}
	best := limits[0]
	for _, l := range limits[1:] {
		if l.d < best.d {
			best = l
		}
	}
	at := t.CreationTime.Add(best.d)
	if t.ExpireTime != nil && t.ExpireTime.After(at.Add(time.Minute)) {
		t.CeilingNote = fmt.Sprintf("the computed ceiling %s (%s) is before the token's expire time: Vault's limits changed since it was last renewed", at.Format(time.RFC3339), best.src)
		return
	}
	t.MaxTTL, t.MaxTTLSource, t.CeilingAt = collectors.Duration(best.d), best.src, &at
	if len(notes) > 0 && best.src != "" {
		t.CeilingNote = "possibly lower: " + strings.Join(notes, "; ")
	}
}

// roundSeconds prints a duration of whole seconds the way Vault's CLI does
// (768h, 2h30m, 45s).
func roundSeconds(d time.Duration) string {
	s := d.Round(time.Second).String()
	s = strings.Replace(s, "m0s", "m", 1)
	return strings.Replace(s, "h0m", "h", 1)
}
