package vault

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	vault "github.com/hashicorp/vault/api"
	"golang.org/x/sync/errgroup"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors/internal/source"
)

// policyPathKinds are the KV v2 API path kinds the runbook's Scenario 1
// step 4 writes rules for; what each must grant is the runbook's to say.
var policyPathKinds = []string{"data", "metadata"}

// maxAccessors bounds the token accessors looked up to find the
// orchestrator's token.
const maxAccessors = 5000

func (c *collector) collectVault(ctx context.Context) (*collectors.VaultData, collectors.Status) {
	st := collectors.Status{Source: collectors.SourceVault}
	if c.clients.Vault == nil {
		st.State, st.Error = collectors.StateSkipped, "no Vault address: set VAULT_ADDR or --vault-addr"
		return nil, st
	}
	vc := c.clients.Vault
	d := &collectors.VaultData{Tenants: []collectors.Tenant{}}
	var probs source.Problems

	t0 := time.Now()
	h, err := c.vaultHealth(ctx)
	if err != nil {
		st.State, st.Error = collectors.StateError, vaultErr("read sys/health at "+vc.Address(), err)
		if isAnswerError(err) {
			st.Error = fmt.Sprintf("read sys/health: Vault at %s %v", vc.Address(), err)
		}
		if u, perr := url.Parse(vc.Address()); perr == nil && strings.Trim(u.Path, "/") != "" && isStatus(err, http.StatusNotFound) {
			// the Vault CLI and vault/api add /v1/ to the address themselves
			st.Error += fmt.Sprintf(": the Vault address has a path (%s); give the server's address alone (%s://%s) in VAULT_ADDR or --vault-addr, /v1/ is added to it", u.Path, u.Scheme, u.Host)
		}
		return nil, st
	}
	h.Latency = collectors.Duration(time.Since(t0))
	d.Health = h
	switch {
	case !h.Initialized:
		st.State, st.Error = collectors.StateError, fmt.Sprintf("Vault at %s is not initialised (vault operator init)", vc.Address())
		return d, st
	case h.Sealed:
		st.State, st.Error = collectors.StateError, fmt.Sprintf("Vault at %s is sealed: unseal it (vault operator unseal); tokens, tenants, policy and role cannot be read until then", vc.Address())
		return d, st
	}
	if vc.Token() == "" {
		st.State, st.Error = collectors.StatePartial, "no Vault token: set VAULT_TOKEN or run `vault login` (which writes ~/.vault-token)"
		probs.Add("token", st.Error)
		st.Problems = probs.List
		return d, st
	}

	d.TokenSource = c.clients.VaultTokenSource
	if tok, err := c.lookupSelf(ctx); err != nil {
		if msg, ok := c.invalidToken(err); ok { // vaultcreds.go
			if !c.readsTenants(ctx) {
				return d, tokenInvalidStatus(d, st, msg)
			}
			// a valid token made without the default policy (which
			// grants lookup-self): what it may read is read
			probs.Add("token lookup-self", "Vault refused to let the operator's token look itself up, though it may list the tenants: it was made without the default policy (which grants auth/token/lookup-self), so its TTL is unknown")
		} else {
			probs.Add("token lookup-self", vaultErr("look up the operator's token", err))
		}
	} else {
		d.OperatorToken = tok
	}

	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	tunes := c.newTunes() // tokenceiling.go: the auth mounts' max TTLs, read beside the rest
	g.Go(func() error { tunes.prefetch(gctx, d.OperatorToken); return nil })
	g.Go(func() error {
		tenants, scan, err := c.scanTenants(gctx)
		mu.Lock()
		defer mu.Unlock()
		d.Tenants, d.TenantScan = tenants, scan
		if err != nil {
			probs.Add("tenants", err.Error())
		} else if scan.Failed > 0 {
			probs.Add("tenants", fmt.Sprintf("%d of %d tenants' metadata could not be read (see each tenant's error)", scan.Failed, scan.Listed))
		}
		return nil
	})
	g.Go(func() error {
		role, err := c.readRole(gctx)
		mu.Lock()
		defer mu.Unlock()
		d.Role = role
		if err != nil {
			probs.Add("kubernetes auth role", err.Error())
		}
		return nil
	})
	g.Go(func() error {
		toks, note, problem := c.findOrchestratorTokens(gctx)
		mu.Lock()
		defer mu.Unlock()
		d.OrchestratorTokens, d.OrchestratorTokenNote = toks, note
		if problem != "" {
			probs.Add("orchestrator token", problem)
		}
		if len(toks) > 0 {
			d.OrchestratorToken = &d.OrchestratorTokens[0]
		}
		return nil
	})
	_ = g.Wait()
	if fails := c.tokenCeilings(ctx, d, tunes); len(fails) > 0 { // tokenceiling.go
		probs.Add("token ceiling", strings.Join(fails, "; "))
	}

	pol, err := c.readPolicy(ctx, d, &probs)
	d.Policy = pol
	if err != nil {
		probs.Add("policy", err.Error())
	}
	st.Problems = probs.Sorted()
	st.State = collectors.StateOK
	if len(st.Problems) > 0 {
		st.State = collectors.StatePartial
	}
	return d, st
}

// vaultErr words a Vault error for a person: what was attempted, and for
// the usual status codes and connection faults (errtext.go) what to do.
// Connection errors show the address, not the request URL.
func vaultErr(what string, err error) string {
	var re *vault.ResponseError
	if errors.As(err, &re) {
		switch re.StatusCode {
		case http.StatusForbidden:
			return fmt.Sprintf("%s: permission denied (403): the token's policies do not allow it", what)
		case http.StatusServiceUnavailable:
			return fmt.Sprintf("%s: Vault is sealed or unavailable (503)", what)
		case http.StatusNotFound:
			if re.RawError {
				return fmt.Sprintf("%s: answered 404 without Vault's error body: not Vault's API (a proxy?)", what)
			}
			return fmt.Sprintf("%s: not found (404)", what)
		case http.StatusTooManyRequests:
			return fmt.Sprintf("%s: Vault answered 429 Too Many Requests: rate limited, retry later", what)
		}
		return fmt.Sprintf("%s: Vault answered %d: %s", what, re.StatusCode, strings.Join(re.Errors, "; "))
	}
	detail := source.ErrDetail(err)
	switch source.ClassifyNet(err) {
	case source.FaultTimeout:
		return fmt.Sprintf("%s: Vault did not answer in time (%s); it is overloaded or unreachable, or raise vault.requestTimeout in the config", what, detail)
	case source.FaultCanceled:
		return fmt.Sprintf("%s: cancelled", what)
	case source.FaultRefused:
		return fmt.Sprintf("%s: Vault refused the connection (%s): is it running, and are VAULT_ADDR / --vault-addr right?", what, detail)
	case source.FaultUntrusted:
		return fmt.Sprintf("%s: Vault's TLS certificate is not trusted (%s): pass --vault-cacert FILE or set VAULT_CACERT to the CA that signed it (VAULT_SKIP_VERIFY=true only in a lab)", what, detail)
	case source.FaultNotTLS:
		return fmt.Sprintf("%s: the scheme of the Vault address does not match the server (%s): use http:// or https:// as Vault listens, in VAULT_ADDR or --vault-addr", what, detail)
	case source.FaultReset:
		return fmt.Sprintf("%s: the connection to Vault broke off (%s); is a proxy or load balancer in between failing?", what, detail)
	case source.FaultNoHost, source.FaultUnreachable:
		return fmt.Sprintf("%s: cannot reach Vault (%s): check VAULT_ADDR / --vault-addr", what, detail)
	}
	return fmt.Sprintf("%s: %s", what, detail)
}

func isStatus(err error, code int) bool {
	var re *vault.ResponseError
	return errors.As(err, &re) && re.StatusCode == code
}

// vaultHealth reads sys/health, which answers with a status code per state
// (sealed 503, standby 429 ...) and the same body; asked, as vault/api
// asks, to answer 299 for each state that is not active, Vault answers 200
// or 299, always with its initialized and sealed fields. Any other answer
// (a rate limiter's 429, a proxy's {}) is an answerError naming it, never
// an uninitialised or unsealed Vault.
func (c *collector) vaultHealth(ctx context.Context) (*collectors.VaultHealth, error) {
	ctx, cancel := c.vaultCtx(ctx)
	defer cancel()
	params := url.Values{}
	for _, p := range []string{"uninitcode", "sealedcode", "standbycode", "drsecondarycode", "performancestandbycode", "removedcode", "haunhealthycode"} {
		params.Set(p, "299")
	}
	resp, err := c.clients.Vault.Logical().ReadRawWithDataWithContext(ctx, "sys/health", params)
	if resp != nil {
		defer resp.Body.Close()
	}
	if err != nil {
		return nil, err
	}
	return decodeHealth(resp)
}

// decodeHealth reads a sys/health answer that vault/api did not take for
// an error (below 400, or a 429).
func decodeHealth(resp *vault.Response) (*collectors.VaultHealth, error) {
	code := resp.StatusCode
	if code == http.StatusTooManyRequests {
		// Vault's own code for an unsealed standby (were the standbycode
		// asked for not honoured, by a proxy say): its body says so
		if top, err := decodeObject(resp.Body, code); err == nil {
			if h, ok := healthOf(top); ok && h.Standby {
				return h, nil
			}
		}
	}
	if code != http.StatusOK && code != 299 {
		what := fmt.Sprintf("answered %d %s", code, http.StatusText(code))
		if ra := resp.Header.Get("Retry-After"); ra != "" {
			if n, err := strconv.Atoi(ra); err == nil {
				ra = (time.Duration(n) * time.Second).String()
			}
			what += " (Retry-After " + ra + ")"
		}
		if code == http.StatusTooManyRequests {
			return nil, &answerError{what: what + ": rate limited, retry later"}
		}
		return nil, &answerError{what: what + " instead of Vault's health: not Vault's API (a proxy?)"}
	}
	top, err := decodeObject(resp.Body, code)
	if err != nil {
		return nil, err
	}
	h, ok := healthOf(top)
	if !ok {
		return nil, notVaultAPI(code, "without Vault's health fields (initialized, sealed)")
	}
	return h, nil
}

// healthOf reads a health answer's fields; false when initialized or
// sealed is not there (not Vault's health).
func healthOf(top map[string]any) (*collectors.VaultHealth, bool) {
	init, ok1 := top["initialized"].(bool)
	sealed, ok2 := top["sealed"].(bool)
	if !ok1 || !ok2 {
		return nil, false
	}
	h := &collectors.VaultHealth{Initialized: init, Sealed: sealed}
	h.Standby, _ = top["standby"].(bool)
	h.Version, _ = top["version"].(string)
	h.ClusterName, _ = top["cluster_name"].(string)
	return h, true
}

func (c *collector) vaultCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, c.cfg.Vault.RequestTimeout.Duration())
}

func (c *collector) lookupSelf(ctx context.Context) (*collectors.TokenInfo, error) {
	ctx, cancel := c.vaultCtx(ctx)
	defer cancel()
	data, err := c.readData(ctx, "auth/token/lookup-self", nil)
	if err == nil {
		err = checkLookup(data)
	}
	if err != nil {
		return nil, err
	}
	return tokenInfo(&vault.Secret{Data: data}, "lookup-self"), nil
}

// tokenLookupFields are fields Vault writes on every token lookup (meta
// null when the token has none): an answer without them is not a lookup,
// and never read as a token without a TTL or of no role.
var tokenLookupFields = []string{"accessor", "meta", "policies", "ttl"}

// tokenInfo keeps a token lookup's metadata; the "id" field (the token
// itself) is never read.
func tokenInfo(s *vault.Secret, source string) *collectors.TokenInfo {
	if s == nil || s.Data == nil {
		return nil
	}
	t := &collectors.TokenInfo{Source: source}
	t.Accessor, _ = s.Data["accessor"].(string)
	t.DisplayName, _ = s.Data["display_name"].(string)
	t.Policies, _ = s.TokenPolicies()
	if ttl, err := s.TokenTTL(); err == nil {
		t.TTL = collectors.Duration(ttl)
	}
	t.Renewable, _ = s.TokenIsRenewable()
	t.Orphan, _ = s.Data["orphan"].(bool)
	t.EntityID, _ = s.Data["entity_id"].(string)
	if m, ok := s.Data["meta"].(map[string]any); ok {
		t.Meta = map[string]string{}
		for k, v := range m {
			t.Meta[k] = fmt.Sprint(v)
		}
	}
	for key, dst := range map[string]**time.Time{"expire_time": &t.ExpireTime, "issue_time": &t.IssueTime, "last_renewal": &t.LastRenewal} {
		if v, ok := s.Data[key].(string); ok && v != "" {
			if tm, err := time.Parse(time.RFC3339Nano, v); err == nil {
				*dst = &tm
			}
		}
	}
	fillTokenLimits(t, s) // tokenceiling.go
	return t
}

// readsTenants reports whether the operator's token may list the tenants
// (a 404, no tenant yet, is allowed too): a token refused lookup-self that
// may is valid, made without the default policy.
func (c *collector) readsTenants(ctx context.Context) bool {
	prefix, _ := c.tenantTemplate()
	lctx, cancel := c.vaultCtx(ctx)
	defer cancel()
	_, err := c.listKeys(lctx, c.cfg.Vault.KVMount+"/metadata/"+prefix)
	return err == nil
}

// tenantListPath splits the tenant path template around {tenant}:
// "tenants/{tenant}/cmek" → "tenants/", "/cmek".
func (c *collector) tenantTemplate() (prefix, suffix string) {
	tmpl := c.cfg.Vault.TenantPathTemplate
	i := strings.Index(tmpl, "{tenant}")
	return tmpl[:i], tmpl[i+len("{tenant}"):]
}

// scanTenants lists the tenants under the template's prefix and reads each
// one's KV v2 metadata with bounded concurrency (never the data).
func (c *collector) scanTenants(ctx context.Context) ([]collectors.Tenant, collectors.TenantScan, error) {
	start := time.Now()
	mount := c.cfg.Vault.KVMount
	prefix, suffix := c.tenantTemplate()
	lctx, cancel := c.vaultCtx(ctx)
	keys, err := c.listKeys(lctx, mount+"/metadata/"+prefix)
	cancel()
	if err != nil {
		return []collectors.Tenant{}, collectors.TenantScan{}, errors.New(vaultErr(fmt.Sprintf("list tenants at %s/metadata/%s", mount, prefix), err))
	}
	var ids []string
	for _, s := range keys {
		id, isDir := strings.CutSuffix(s, "/")
		// with a suffix ("/cmek") tenants are folders; without, keys
		if (suffix != "") == isDir && id != "" {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		// nothing listed is no tenant within retention: the mount or the
		// template may be wrong, or the mount no KV v2 (whose LIST of a
		// path under metadata/ answers 404, as an empty folder does)
		return []collectors.Tenant{}, collectors.TenantScan{Note: c.noTenantListed(ctx, mount, prefix)}, nil
	}
	sort.Strings(ids)
	tenants := make([]collectors.Tenant, len(ids))
	scan := collectors.TenantScan{Listed: len(ids)}
	c.progress(collectors.Progress{Source: collectors.SourceVault, Part: "tenants", Done: 0, Total: len(ids)})

	conc := c.cfg.Vault.ScanConcurrency
	if conc < 1 {
		conc = 1
	}
	// the mount's own max_versions and delete_version_after, read beside
	// the keys (one request: a fault delays it no longer than a key's)
	mcfg := make(chan mountConfig, 1)
	go func() { mcfg <- c.readMountConfig(ctx, mount) }()
	// done counts the reads that were answered (failed: with an error);
	// cut, those the scan's end (the source timeout, a quit) left unread
	var done, failed, cut int
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(conc)
	notRead := func(t *collectors.Tenant) {
		t.Error = "not read: the tenant scan ended first (" + context.Cause(gctx).Error() + ")"
	}
	for i, id := range ids {
		path := prefix + id + suffix
		if gctx.Err() != nil { // no read is started once the scan has ended
			tenants[i] = collectors.Tenant{ID: id, Path: mount + "/" + path}
			notRead(&tenants[i])
			mu.Lock()
			cut++
			mu.Unlock()
			continue
		}
		g.Go(func() error {
			t := collectors.Tenant{ID: id, Path: mount + "/" + path}
			rctx, cancel := c.vaultCtx(gctx)
			md, err := c.readMetadata(rctx, mount+"/metadata/"+path)
			cancel()
			ended := err != nil && gctx.Err() != nil
			switch {
			case ended:
				notRead(&t)
			case vaultNotFound(err): // deleted since the list (keystate.go)
				t.Missing, err = true, nil
			case err != nil:
				t.Error = vaultErr("read metadata", err)
			default:
				fillTenant(&t, md, c.opts.Now())
			}
			tenants[i] = t
			mu.Lock()
			if ended {
				cut++
			} else {
				done++
			}
			if err != nil && !ended {
				failed++
			}
			n := done + cut
			mu.Unlock()
			if n%100 == 0 || n == len(ids) {
				c.progress(collectors.Progress{Source: collectors.SourceVault, Part: "tenants", Done: n, Total: len(ids)})
			}
			return gctx.Err()
		})
	}
	err = g.Wait()
	mc := <-mcfg
	for i := range tenants {
		mc.fill(&tenants[i])
	}
	if err == nil && cut > 0 {
		err = ctx.Err() // the scan ended between two reads
	}
	scan.Scanned, scan.Failed = done, failed
	if err != nil {
		scan.Duration = collectors.Duration(time.Since(start))
		return tenants, scan, fmt.Errorf("tenant scan stopped with %d of %d tenants read, %d not read: %w", done, len(ids), len(ids)-done, err)
	}
	scan.Duration = collectors.Duration(time.Since(start))
	return tenants, scan, nil
}

// noTenantListed says why Vault listed no tenant, and what to check: the
// mount's type and KV version, from sys/internal/ui/mounts (what the vault
// CLI asks before a kv command; any token with a capability on the mount
// may read it).
func (c *collector) noTenantListed(ctx context.Context, mount, prefix string) string {
	where := fmt.Sprintf("Vault lists no tenant under %s/metadata/%s", mount, prefix)
	rctx, cancel := c.vaultCtx(ctx)
	defer cancel()
	m, err := c.clients.Vault.Logical().ReadWithContext(rctx, "sys/internal/ui/mounts/"+mount)
	var typ, version string
	if err == nil && m != nil && m.Data != nil {
		typ, _ = m.Data["type"].(string)
		if o, ok := m.Data["options"].(map[string]any); ok {
			version, _ = o["version"].(string)
		}
	}
	switch {
	case err == nil && m != nil && typ != "" && typ != "kv" && typ != "generic":
		return fmt.Sprintf("%s: %s/ is a %s mount, not KV version 2: set vault.kvMount to the KV v2 mount that holds the tenant keys", where, mount, typ)
	case err == nil && m != nil && typ != "" && version != "2":
		return fmt.Sprintf("%s: %s/ is a KV version %s mount, and version counts need KV version 2 (vault kv enable-versioning %s/)", where, mount, orDefault(version, "1"), mount)
	case err != nil && (isStatus(err, http.StatusForbidden) || isStatus(err, http.StatusBadRequest) || isStatus(err, http.StatusNotFound)):
		// Vault answers 403 for a mount that is not there, to root too
		return fmt.Sprintf("%s: no secrets engine mounted at %s/ that this token can see: check vault.kvMount in the config", where, mount)
	}
	return fmt.Sprintf("%s: check vault.kvMount and vault.tenantPathTemplate (%s) in the config; whether each tenant is within retention cannot be judged with none listed", where, c.cfg.Vault.TenantPathTemplate)
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func fillTenant(t *collectors.Tenant, md *vault.KVMetadata, now time.Time) {
	t.CurrentVersion, t.OldestVersion, t.MaxVersions = md.CurrentVersion, md.OldestVersion, md.MaxVersions
	oldestLive, oldestKept := 0, 0 // OldestCreated is the oldest live's
	for k, v := range md.Versions {
		var n int
		if _, err := fmt.Sscan(k, &n); err != nil {
			continue
		}
		if oldestKept == 0 || n < oldestKept {
			oldestKept = n
		}
		switch {
		case v.Destroyed:
			t.DestroyedVersions++
		case !v.DeletionTime.IsZero() && !v.DeletionTime.After(now): // a future one is delete_version_after's
			t.DeletedVersions++
		default:
			t.LiveVersions++
			if oldestLive == 0 || n < oldestLive {
				oldestLive = n
				ct := v.CreatedTime
				t.OldestCreated = &ct
			}
		}
		if n == md.CurrentVersion {
			ct := v.CreatedTime
			t.CurrentCreated = &ct
		}
	}
	if t.OldestVersion == 0 { // Vault says 0 until max_versions first trims
		t.OldestVersion = oldestKept
	}
	fillKeyState(t, md, now)
}

func (c *collector) readRole(ctx context.Context) (*collectors.AuthRole, error) {
	mount, name := c.cfg.Vault.KubernetesAuthMount, c.cfg.Vault.KubernetesAuthRole
	r := &collectors.AuthRole{Mount: mount, Name: name}
	ctx, cancel := c.vaultCtx(ctx)
	defer cancel()
	data, err := c.readData(ctx, "auth/"+mount+"/role/"+name, nil)
	if vaultNotFound(err) {
		return r, nil // no such role, or no such mount: the role is absent
	}
	if err == nil {
		// Vault writes both on every role it reads, empty or not
		err = needFields(data, "bound_service_account_names", "bound_service_account_namespaces")
	}
	if err != nil {
		return nil, errors.New(vaultErr("read auth/"+mount+"/role/"+name, err))
	}
	s := &vault.Secret{Data: data}
	r.Found = true
	r.BoundServiceAccounts = stringList(s.Data["bound_service_account_names"])
	r.BoundNamespaces = stringList(s.Data["bound_service_account_namespaces"])
	r.Policies = stringList(s.Data["token_policies"])
	if len(r.Policies) == 0 {
		r.Policies = stringList(s.Data["policies"])
	}
	r.TTL = collectors.Duration(seconds(s.Data["token_ttl"], s.Data["ttl"]))
	r.MaxTTL = collectors.Duration(seconds(s.Data["token_max_ttl"], s.Data["max_ttl"]))
	r.ExplicitMaxTTL = collectors.Duration(seconds(s.Data["token_explicit_max_ttl"], nil))
	r.TokenType, _ = s.Data["token_type"].(string)
	r.Period = collectors.Duration(seconds(s.Data["token_period"], s.Data["period"]))
	r.NoDefaultPolicy, _ = s.Data["token_no_default_policy"].(bool)
	r.NamespaceSelector, _ = s.Data["bound_service_account_namespace_selector"].(string)
	return r, nil
}

func stringList(v any) []string {
	switch x := v.(type) {
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			out = append(out, fmt.Sprint(e))
		}
		return out
	case string:
		if x == "" {
			return nil
		}
		return strings.Split(x, ",")
	}
	return nil
}

// seconds reads the first present number of seconds (json.Number, float or int).
func seconds(vals ...any) time.Duration {
	for _, v := range vals {
		switch x := v.(type) {
		case json.Number:
			if n, err := x.Int64(); err == nil {
				return time.Duration(n) * time.Second
			}
		case float64:
			return time.Duration(x) * time.Second
		case int:
			return time.Duration(x) * time.Second
		case int64:
			return time.Duration(x) * time.Second
		}
	}
	return 0
}

// findOrchestratorTokens looks for the live tokens issued through the
// Kubernetes-auth role to the orchestrator's service account, by listing
// token accessors and looking each up, and returns them soonest expiring
// first. Both need privileges an operator may lack; the note says what
// happened. problem is set when a read failed for another reason than
// those privileges (an error of Vault's, a timeout, an answer that is not
// Vault's): what it would have told is not known, and "no live token" is
// then never said.
func (c *collector) findOrchestratorTokens(ctx context.Context) (toks []collectors.TokenInfo, note, problem string) {
	lctx, cancel := c.vaultCtx(ctx)
	accessors, err := c.listKeys(lctx, "auth/token/accessors")
	cancel()
	switch {
	case err != nil && denied(err):
		return nil, vaultErr("list token accessors (needs sudo on auth/token/accessors); the orchestrator's token is judged from Prometheus instead", err), ""
	case err != nil:
		msg := vaultErr("list token accessors (auth/token/accessors)", err)
		return nil, "not looked up: " + msg, msg
	}
	if len(accessors) > maxAccessors {
		note = fmt.Sprintf("%d token accessors; only the first %d were looked up", len(accessors), maxAccessors)
		accessors = accessors[:maxAccessors]
	}
	role, sa, ns := c.cfg.Vault.KubernetesAuthRole, c.cfg.Kubernetes.VaultSA(), c.namespace
	var mu sync.Mutex
	var found []collectors.TokenInfo
	var failed, refused int // not read: failed, and refused (403) of them
	var firstErr error
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(1, c.cfg.Vault.ScanConcurrency))
	for _, acc := range accessors {
		g.Go(func() error {
			rctx, cancel := c.vaultCtx(gctx)
			s, err := c.clients.Vault.Auth().Token().LookupAccessorWithContext(rctx, acc)
			cancel()
			if err == nil {
				var data map[string]any
				if data, err = secretData(s); err == nil {
					err = checkLookup(data)
				}
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				var re *vault.ResponseError
				if errors.As(err, &re) && re.StatusCode == http.StatusBadRequest && !re.RawError { // revoked meanwhile
					return nil
				}
				failed++
				if denied(err) {
					refused++
				}
				if firstErr == nil {
					firstErr = err
				}
				return nil
			}
			t := tokenInfo(s, "lookup-accessor")
			if t == nil || t.Meta["role"] != role || t.Meta["service_account_namespace"] != ns ||
				(sa != "" && t.Meta["service_account_name"] != sa) {
				return nil
			}
			found = append(found, *t)
			return nil
		})
	}
	_ = g.Wait()
	if failed > 0 {
		msg := vaultErr(fmt.Sprintf("%d of %d token accessors could not be looked up (auth/token/lookup-accessor), so a token of the role may be missing; the first", failed, len(accessors)), firstErr)
		if refused < failed {
			problem = msg
		}
		note = source.JoinNote(note, msg)
	}
	if len(found) == 0 {
		if failed > 0 {
			return nil, "not found: " + note, problem
		}
		return nil, source.JoinNote(note, fmt.Sprintf("no live token of role %q for service account %s/%s among %d accessors", role, ns, sa, len(accessors))), ""
	}
	sortTokens(found)
	return found, note, problem
}

// sortTokens orders tokens soonest expiring first (the lowest TTL), the
// newer first among equal TTLs, then by accessor.
func sortTokens(ts []collectors.TokenInfo) {
	sort.SliceStable(ts, func(i, j int) bool {
		a, b := ts[i], ts[j]
		if ea, eb := a.TTL == 0 && a.ExpireTime == nil, b.TTL == 0 && b.ExpireTime == nil; ea != eb {
			return eb // one that never expires goes last
		}
		if a.TTL != b.TTL {
			return a.TTL < b.TTL
		}
		if a.IssueTime != nil && b.IssueTime != nil && !a.IssueTime.Equal(*b.IssueTime) {
			return a.IssueTime.After(*b.IssueTime)
		}
		return a.Accessor < b.Accessor
	})
}

// capabilitiesBatch is how many paths one sys/capabilities-accessor
// request asks about.
const capabilitiesBatch = 64

// maxAskedPaths bounds the paths Vault is asked about when the role's
// policies judge the rest (readPolicy): 128 tenants' data and metadata.
const maxAskedPaths = 256

// newestToken is the orchestrator's token Vault is asked about: the one
// created last (a pod running now logged in with it; the soonest expiring
// may be a replaced pod's, which logged in before a role change), else
// OrchestratorToken.
func newestToken(d *collectors.VaultData) *collectors.TokenInfo {
	tok := d.OrchestratorToken
	for i := range d.OrchestratorTokens {
		t := &d.OrchestratorTokens[i]
		if t.Accessor != "" && t.CreationTime != nil && (tok == nil || tok.CreationTime == nil || t.CreationTime.After(*tok.CreationTime)) {
			tok = t
		}
	}
	return tok
}

// readPolicy reads the rotation policy and checks every listed tenant's
// data and metadata paths (an example tenant's when none is listed)
// against what the runbook requires. Each check is judged by reading the
// Kubernetes-auth role's policies and combining them as Vault does
// (roleACL); when the orchestrator's token is known, Vault itself is asked
// what its newest token may do (sys/capabilities-accessor), which also covers
// policies the tool cannot see (identity groups).
// A failed sys/capabilities-accessor request that is not a 403 is added to
// probs (the checks it would have answered are judged from the policies).
func (c *collector) readPolicy(ctx context.Context, d *collectors.VaultData, probs *source.Problems) (*collectors.Policy, error) {
	name := c.cfg.Vault.Policy
	p := &collectors.Policy{Name: name, Checks: []collectors.PathCheck{}}
	text, err := c.getPolicy(ctx, name)
	if err != nil {
		return nil, errors.New(vaultErr("read policy "+name, err))
	}
	if text == "" {
		return p, nil // GetPolicy answers "" for a policy that does not exist
	}
	p.Found, p.Text = true, text
	_, perr := parsePolicy(text)

	prefix, suffix := c.tenantTemplate()
	type tenantRef struct{ id, path string }
	var tenants []tenantRef
	for _, t := range d.Tenants {
		if t.ID != "" {
			tenants = append(tenants, tenantRef{id: t.ID, path: prefix + t.ID + suffix})
		}
	}
	if len(tenants) == 0 {
		tenants = []tenantRef{{path: prefix + "example-tenant" + suffix}}
	}
	var paths []string
	for _, t := range tenants {
		for _, kind := range policyPathKinds {
			paths = append(paths, c.cfg.Vault.KVMount+"/"+kind+"/"+t.path)
		}
	}
	acl, pols, why := c.roleACL(ctx, d.Role, name, text, paths, probs)
	p.Policies, p.Unjudged = pols, why
	for i, path := range paths {
		chk := collectors.PathCheck{Path: path, Kind: policyPathKinds[i%len(policyPathKinds)], Tenant: tenants[i/len(policyPathKinds)].id}
		if acl != nil {
			chk.Granted, chk.Rule, chk.RulePolicies = acl.capabilities(path)
		}
		p.Checks = append(p.Checks, chk)
	}
	switch tok := newestToken(d); {
	case tok == nil || tok.Accessor == "":
		p.EffectiveNote = "Vault was not asked what the orchestrator's token may do: the token was not found"
		if d.OrchestratorTokenNote != "" {
			p.EffectiveNote += " (" + d.OrchestratorTokenNote + ")"
		}
	default:
		// Vault's own answer costs it as much as a metadata read per path:
		// for every tenant it doubled the scan at 10,000 tenants. Where the
		// role's policies were read together (acl), those judge every
		// path, and Vault is asked for the first tenants' only (it also
		// sees policies the tool cannot: identity groups); where they
		// could not be, Vault is asked for every path.
		ask := paths
		if acl != nil && len(ask) > maxAskedPaths {
			ask = ask[:maxAskedPaths]
		}
		eff, err := c.capabilitiesAccessor(ctx, tok.Accessor, ask)
		if err != nil {
			p.EffectiveNote = vaultErr("ask Vault what the orchestrator's token may do (sys/capabilities-accessor)", err)
			if !denied(err) { // a 403 is the operator's privileges: the policies judge instead
				probs.Add("policy capabilities-accessor", p.EffectiveNote)
			}
		}
		for i := range p.Checks {
			if caps, ok := eff[p.Checks[i].Path]; ok {
				c := &p.Checks[i]
				if acl != nil { // what a token the role issues now gets
					c.RoleGranted, c.RoleRule, c.RoleRulePolicies = c.Granted, c.Rule, c.RulePolicies
					if c.RoleGranted == nil {
						c.RoleGranted = []string{}
					}
				}
				c.Granted, c.Effective = caps, true
				c.Rule, c.RulePolicies = "", nil
			}
		}
	}
	if perr != nil {
		return p, fmt.Errorf("policy %s: %w", name, perr)
	}
	return p, nil
}

func (c *collector) getPolicy(ctx context.Context, name string) (string, error) {
	ctx, cancel := c.vaultCtx(ctx)
	defer cancel()
	data, err := c.readData(ctx, "sys/policies/acl/"+name, nil)
	if vaultNotFound(err) {
		return "", nil // no such policy
	}
	if err != nil {
		return "", err
	}
	text, ok := data["policy"].(string)
	if !ok {
		return "", notVaultAPI(http.StatusOK, "without data.policy")
	}
	// Vault names the policy it answers with (lower-cased, as it keys them)
	if got, ok := data["name"].(string); ok && !strings.EqualFold(got, name) {
		return "", notVaultAPI(http.StatusOK, fmt.Sprintf("naming policy %q, not %q", got, name))
	}
	return text, nil
}

// roleACL reads every policy a token of the role carries (its token
// policies, and default unless token_no_default_policy) and combines them
// as Vault does. It returns the policies' names, or why they cannot be
// judged together: the role not read or absent, a policy that could not
// be read or parsed, or one with a templated path that may match one of
// paths once Vault fills it in (the default policy's do not: they are
// below identity/, sys/ and cubbyhole/). The rotation policy's text is
// passed in (already read).
func (c *collector) roleACL(ctx context.Context, role *collectors.AuthRole, name, text string, paths []string, probs *source.Problems) (*acl, []string, string) {
	switch {
	case role == nil:
		return nil, nil, "the Kubernetes auth role was not read, so which policies its tokens carry is unknown"
	case !role.Found:
		return nil, nil, fmt.Sprintf("the Kubernetes auth role auth/%s/role/%s does not exist, so no token of it carries policies to judge", role.Mount, role.Name)
	}
	names := slices.Clone(role.Policies)
	if !role.NoDefaultPolicy {
		names = append(names, "default")
	}
	slices.Sort(names)
	names = slices.Compact(names)
	var rules []namedRules
	var problems []string
	for _, n := range names {
		t, err := text, error(nil)
		if n != name {
			t, err = c.getPolicy(ctx, n)
		}
		if err != nil {
			msg := vaultErr("read policy "+n, err)
			problems = append(problems, msg)
			if !denied(err) { // Vault failed to answer: a part not read (a 403 is the operator's privileges)
				probs.Add("policy", msg)
			}
			continue
		}
		r, tmpl, err := parsePolicyTemplated(t) // "" (a policy that does not exist) has no rules, as in Vault
		if err != nil {
			problems = append(problems, fmt.Sprintf("policy %s: %v", n, err))
			continue
		}
	TEMPLATED:
		for _, tr := range tmpl {
			for _, p := range paths {
				if templatedMayMatch(tr.Path, p) {
					problems = append(problems, fmt.Sprintf("policy %s: its templated path %q may match %s once Vault fills it in for a token", n, tr.Path, p))
					break TEMPLATED
				}
			}
		}
		rules = append(rules, namedRules{name: n, rules: r})
	}
	if len(problems) > 0 {
		return nil, nil, fmt.Sprintf("what the policies of role %s (%s) grant together cannot be told: %s", role.Name, strings.Join(names, ", "), strings.Join(problems, "; "))
	}
	return newACL(rules), names, ""
}

// capabilitiesAccessor asks Vault what the token of accessor may do on
// each path, in batches; it returns what was answered, and the first
// error.
func (c *collector) capabilitiesAccessor(ctx context.Context, accessor string, paths []string) (map[string][]string, error) {
	out := map[string][]string{}
	var mu sync.Mutex
	var firstErr error
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(1, c.cfg.Vault.ScanConcurrency))
	for batch := range slices.Chunk(paths, capabilitiesBatch) {
		g.Go(func() error {
			rctx, cancel := c.vaultCtx(gctx)
			defer cancel()
			s, err := c.clients.Vault.Logical().WriteWithContext(rctx, "sys/capabilities-accessor", map[string]any{"accessor": accessor, "paths": batch})
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				// Vault answers every path asked, a list of capabilities
				_, err = secretData(s)
			}
			if err == nil {
				for _, p := range batch {
					if _, ok := s.Data[p].([]any); !ok {
						err = notVaultAPI(http.StatusOK, "without the capabilities of "+p+" (data."+p+")")
						break
					}
				}
			}
			if err != nil {
				if firstErr == nil {
					firstErr = err
				}
				return nil
			}
			for _, p := range batch {
				caps := stringList(s.Data[p])
				slices.Sort(caps)
				out[p] = caps
			}
			return nil
		})
	}
	_ = g.Wait()
	return out, firstErr
}
