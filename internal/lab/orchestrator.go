package lab

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	vault "github.com/hashicorp/vault/api"
	authv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/testenv"
)

// Orchestrator simulates the orchestrator and its Jobs behind the harness
// kubelet, so the runbook's fixes, made with the tool, really change what the
// next collection sees:
//
//   - a rotation Job writes a new key version per tenant, but only where
//     Vault says the orchestrator's token may (sys/capabilities-accessor) —
//     the real job would get a 403 — and appends audit events to the
//     orchestrator's log when AUDIT_ENABLED is true on the Deployment;
//   - a cleanup Job lists (DRY_RUN=true) or destroys (DRY_RUN=false) the
//     versions beyond its RETENTION_VERSIONS;
//   - a new orchestrator pod (the deployment controller's, after kubectl
//     rollout restart or set env) logs in to Vault through Kubernetes auth,
//     which fails while the role is wrong, and keeps running;
//   - the metrics move: counters continue the seeded ones, the token expiry
//     is the live token's TTL, key versions are Vault's.
type Orchestrator struct {
	Kube      kubernetes.Interface
	Vault     *vault.Client // the dev root token: writes key versions, logs in
	Logs      *testenv.LogServer
	Namespace string
	Names     Names
	Tenants   []string

	Metrics    MetricSink // optional
	MetricsKey string

	mu       sync.Mutex
	accessor string // the orchestrator's current token
	samples  []testenv.Sample
	index    map[string]int  // sampleKey of a sample's non-namespace label → its index
	dirty    bool            // samples changed since published
	hot      map[string]bool // tenants over retention: their versions read every time
	sweep    int             // next tenant of the sweep
}

// NewOrchestrator returns the simulated orchestrator of a seeded lab. Its
// metrics continue s.Samples into t.Metrics (when set).
func NewOrchestrator(t Target, s *Seeded, n Names, logs *testenv.LogServer) *Orchestrator {
	return &Orchestrator{Kube: t.Kube, Vault: t.Vault, Logs: logs, Namespace: t.Namespace, Names: n, Tenants: s.Tenants,
		Metrics: t.Metrics, MetricsKey: t.MetricsKey, accessor: s.OrchestratorAccessor, samples: cloneSamples(s.Samples), dirty: true,
		hot: hotOf(s.OverRetention)}
}

func hotOf(tenants []string) map[string]bool {
	m := make(map[string]bool, len(tenants))
	for _, tn := range tenants {
		m[tn] = true
	}
	return m
}

// Accessor is the accessor of the orchestrator's current Vault token.
func (o *Orchestrator) Accessor() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.accessor
}

// Start runs the orchestrator behind the harness kubelet of kube for its
// namespace (the kubelet asks Outcome how each new pod ends) and refreshes
// its gauges every second. The returned func stops both.
func (o *Orchestrator) Start(kube *testenv.Kube) (stop func()) {
	stopKubelet := kube.RunKubelet(o.Namespace, o.Outcome)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); o.Run(ctx, time.Second) }()
	return func() { cancel(); <-done; stopKubelet() }
}

// Run refreshes the gauges (token expiry, key versions) every interval
// until ctx ends.
func (o *Orchestrator) Run(ctx context.Context, interval time.Duration) {
	for {
		o.refreshGauges(ctx)
		select {
		case <-ctx.Done():
			return
		case <-time.After(interval):
		}
	}
}

// Outcome is the kubelet policy: rotation Jobs rotate, cleanup Jobs clean,
// the orchestrator's own pods start (and log in to Vault) and keep running.
func (o *Orchestrator) Outcome(p *corev1.Pod) testenv.PodOutcome {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	name := p.Labels["app.kubernetes.io/name"]
	switch {
	case name == o.Names.OrchestratorDeployment:
		return o.start(ctx, p)
	case strings.Contains(name, o.Names.RotationCronJob):
		return o.rotate(ctx, p)
	case strings.Contains(name, o.Names.CleanupCronJob):
		return o.cleanup(ctx, p)
	}
	return testenv.PodOutcome{Log: "done\n"} // any other pod ends at once
}

func podEnv(p *corev1.Pod, name string) string {
	for _, c := range p.Spec.Containers {
		for _, e := range c.Env {
			if e.Name == name {
				return e.Value
			}
		}
	}
	return ""
}

func (o *Orchestrator) rotate(ctx context.Context, p *corev1.Pod) testenv.PodOutcome {
	targets := o.Tenants
	if tenant := podEnv(p, "TENANT_ID"); tenant != "" {
		targets = []string{tenant}
	}
	now := time.Now().UTC()
	var log strings.Builder
	var events []string
	failed := 0
	fmt.Fprintf(&log, "%s INFO Starting CMEK rotation for %d tenant(s)\n", now.Format(time.RFC3339), len(targets))
	kv := o.Vault.KVv2(o.Names.KVMount)
	acc := o.Accessor()
	for _, tn := range targets {
		path := o.Names.TenantPath(tn)
		ev := map[string]any{"type": "audit", "tenantId": tn, "timestamp": time.Now().UTC().Format(time.RFC3339Nano), "initiator": "job/" + p.Labels["batch.kubernetes.io/job-name"]}
		if !o.may(ctx, acc, o.Names.KVMount+"/data/"+path, "update") {
			failed++
			fmt.Fprintf(&log, "%s ERROR Failed to rotate key for tenant %s: Error making API request. Code: 403. Errors: * permission denied\n", now.Format(time.RFC3339), tn)
			ev["action"], ev["outcome"], ev["reason"] = "cmek.rotation.failed", "failure", "permission denied"
			o.add("cmek_rotations_failed_total", 1, "tenant", tn)
		} else if _, err := kv.Put(ctx, path, map[string]any{"key": "lab-secret-rotated-" + fmt.Sprint(time.Now().UnixNano()), "algorithm": "AES256_GCM"}); err != nil {
			failed++
			fmt.Fprintf(&log, "%s ERROR Failed to rotate key for tenant %s: %v\n", now.Format(time.RFC3339), tn, err)
			ev["action"], ev["outcome"], ev["reason"] = "cmek.rotation.failed", "failure", err.Error()
			o.add("cmek_rotations_failed_total", 1, "tenant", tn)
		} else {
			fmt.Fprintf(&log, "%s INFO Rotated key for tenant %s\n", now.Format(time.RFC3339), tn)
			ev["action"], ev["outcome"] = "cmek.rotation.completed", "success"
			o.add("cmek_rotation_total", 1, "tenant", tn)
		}
		b, _ := json.Marshal(ev)
		events = append(events, string(b))
	}
	fmt.Fprintf(&log, "%s INFO Rotation finished: %d rotated, %d failed\n", now.Format(time.RFC3339), len(targets)-failed, failed)
	if o.audit(ctx, events) {
		o.add("audit_events_total", float64(len(events)), "action", "cmek.rotation.completed")
	}
	o.refreshGauges(ctx, targets...)
	if failed > 0 {
		return testenv.PodOutcome{ExitCode: 1, Log: log.String()}
	}
	return testenv.PodOutcome{Log: log.String()}
}

// cleanup keeps RETENTION_VERSIONS live versions of every tenant's key and
// lists (DRY_RUN=true) or destroys the older ones.
func (o *Orchestrator) cleanup(ctx context.Context, p *corev1.Pod) testenv.PodOutcome {
	dry := !strings.EqualFold(podEnv(p, "DRY_RUN"), "false")
	keep, err := strconv.Atoi(podEnv(p, "RETENTION_VERSIONS"))
	if err != nil || keep <= 0 {
		keep = o.Names.RetentionVersions
	}
	var log strings.Builder
	fmt.Fprintf(&log, "Secret version cleanup (retentionVersions=%d, DRY_RUN=%t)\n", keep, dry)
	kv := o.Vault.KVv2(o.Names.KVMount)
	total, secrets := 0, 0
	var destroyed []string
	for _, tn := range o.Tenants {
		path := o.Names.TenantPath(tn)
		md, err := kv.GetMetadata(ctx, path)
		if err != nil {
			fmt.Fprintf(&log, "Error: read %s/metadata/%s: %v\n", o.Names.KVMount, path, err)
			return testenv.PodOutcome{ExitCode: 1, Log: log.String() + "Cleanup aborted after 1 error(s); exiting with status 1\n"}
		}
		old := liveBeyond(md, keep)
		if len(old) == 0 {
			continue
		}
		secrets++
		total += len(old)
		if dry {
			fmt.Fprintf(&log, "DRY RUN: would destroy %d versions of %s/%s (versions %v)\n", len(old), o.Names.KVMount, path, old)
			continue
		}
		if err := kv.Destroy(ctx, path, old); err != nil {
			fmt.Fprintf(&log, "Error: destroy versions of %s/%s: %v\n", o.Names.KVMount, path, err)
			return testenv.PodOutcome{ExitCode: 1, Log: log.String() + "Cleanup aborted after 1 error(s); exiting with status 1\n"}
		}
		destroyed = append(destroyed, tn)
		fmt.Fprintf(&log, "Destroyed %d versions of %s/%s\n", len(old), o.Names.KVMount, path)
	}
	if dry {
		fmt.Fprintf(&log, "Checked %d secrets: %d versions in %d secrets would be destroyed\nDry run complete: nothing deleted\n", len(o.Tenants), total, secrets)
	} else {
		fmt.Fprintf(&log, "Checked %d secrets, destroyed %d versions in %d secrets\nCleanup complete\n", len(o.Tenants), total, secrets)
		o.refreshGauges(ctx, destroyed...)
	}
	return testenv.PodOutcome{Log: log.String()}
}

// LiveVersions counts a key's live versions: neither deleted nor destroyed.
func LiveVersions(md *vault.KVMetadata) int { return len(liveBeyond(md, 0)) }

// liveBeyond is the live versions (neither deleted nor destroyed) older than
// the newest keep of them, oldest first.
func liveBeyond(md *vault.KVMetadata, keep int) []int {
	var live []int
	for k, v := range md.Versions {
		n, err := strconv.Atoi(k)
		if err != nil || v.Destroyed || !v.DeletionTime.IsZero() {
			continue
		}
		live = append(live, n)
	}
	sort.Ints(live)
	if len(live) <= keep {
		return nil
	}
	return live[:len(live)-keep]
}

// start is a new orchestrator pod starting: it logs in to Vault through
// Kubernetes auth with its service account's token, as the real one does.
func (o *Orchestrator) start(ctx context.Context, p *corev1.Pod) testenv.PodOutcome {
	now := time.Now().UTC()
	line := func(m map[string]any) string {
		m["time"] = now.Format(time.RFC3339)
		b, _ := json.Marshal(m)
		return string(b) + "\n"
	}
	log := "Server listening on :8080\n" + line(map[string]any{"level": "info", "msg": "Vault client initialised"})
	acc, ttl, err := o.login(ctx, p.Spec.ServiceAccountName)
	if err != nil {
		o.add("vault_token_renewals_total", 1, "outcome", "failure")
		o.publish()
		log += line(map[string]any{"level": "error", "component": "VaultTokenRenewal", "msg": "VaultTokenRenewal: login through Kubernetes auth failed: " + err.Error()})
		return testenv.PodOutcome{Running: true, Log: log}
	}
	o.mu.Lock()
	o.accessor = acc
	o.mu.Unlock()
	o.add("vault_token_renewals_total", 1, "outcome", "success")
	o.refreshGauges(ctx)
	log += line(map[string]any{"level": "info", "component": "VaultTokenRenewal", "msg": "VaultTokenRenewal: token renewed", "ttlSeconds": int(ttl.Seconds())})
	return testenv.PodOutcome{Running: true, Log: log}
}

// login is Kubernetes auth for the service account: a TokenRequest JWT,
// then auth/<mount>/login with the role. The token itself is dropped.
func (o *Orchestrator) login(ctx context.Context, sa string) (accessor string, ttl time.Duration, err error) {
	tr, err := o.Kube.CoreV1().ServiceAccounts(o.Namespace).CreateToken(ctx, sa,
		&authv1.TokenRequest{Spec: authv1.TokenRequestSpec{ExpirationSeconds: ptr.To[int64](3600)}}, metav1.CreateOptions{})
	if err != nil {
		return "", 0, fmt.Errorf("service account token: %w", err)
	}
	c, err := o.Vault.Clone()
	if err != nil {
		return "", 0, err
	}
	c.ClearToken()
	s, err := c.Logical().WriteWithContext(ctx, "auth/"+o.Names.AuthMount+"/login", map[string]any{"role": o.Names.AuthRole, "jwt": tr.Status.Token})
	if err != nil {
		if strings.Contains(err.Error(), "403") || strings.Contains(err.Error(), "permission denied") {
			return "", 0, fmt.Errorf("permission denied")
		}
		return "", 0, err
	}
	if s == nil || s.Auth == nil {
		return "", 0, fmt.Errorf("no auth in the login response")
	}
	return s.Auth.Accessor, time.Duration(s.Auth.LeaseDuration) * time.Second, nil
}

// may asks Vault whether the token of accessor has capability on path.
func (o *Orchestrator) may(ctx context.Context, accessor, path, capability string) bool {
	caps, err := o.Vault.Sys().CapabilitiesAccessorWithContext(ctx, accessor, path)
	if err != nil {
		return false
	}
	return slices.Contains(caps, capability) || slices.Contains(caps, "root")
}

// audit appends the events to an orchestrator pod's log when the Deployment
// has AUDIT_ENABLED=true (Scenario 6's switch); it reports whether it did.
func (o *Orchestrator) audit(ctx context.Context, events []string) bool {
	dep, err := o.Kube.AppsV1().Deployments(o.Namespace).Get(ctx, o.Names.OrchestratorDeployment, metav1.GetOptions{})
	if err != nil || len(dep.Spec.Template.Spec.Containers) == 0 {
		return false
	}
	enabled := false
	for _, e := range dep.Spec.Template.Spec.Containers[0].Env {
		if e.Name == "AUDIT_ENABLED" && strings.EqualFold(e.Value, "true") {
			enabled = true
		}
	}
	if !enabled || len(events) == 0 {
		return false
	}
	pods, err := o.Kube.CoreV1().Pods(o.Namespace).List(ctx, metav1.ListOptions{LabelSelector: "app.kubernetes.io/name=" + o.Names.OrchestratorDeployment})
	if err != nil {
		return false
	}
	// the newest running pod: during a rollout the old ones are going
	var newest *corev1.Pod
	for i := range pods.Items {
		p := &pods.Items[i]
		if p.DeletionTimestamp == nil && p.Status.Phase == corev1.PodRunning &&
			(newest == nil || newest.CreationTimestamp.Before(&p.CreationTimestamp)) {
			newest = p
		}
	}
	if newest == nil {
		return false
	}
	o.Logs.Append(o.Namespace, newest.Name, newest.Spec.Containers[0].Name, []byte(strings.Join(events, "\n")+"\n"))
	return true
}

// --- metrics ------------------------------------------------------------------

func cloneSamples(in []testenv.Sample) []testenv.Sample {
	out := make([]testenv.Sample, len(in))
	for i, s := range in {
		out[i] = testenv.Sample{Name: s.Name, Labels: maps.Clone(s.Labels), Value: s.Value}
	}
	return out
}

// Bounds of the gauge refresh: Vault is asked, every interval, for the key
// versions of at most sweepPerTick tenants (in turn, so a change made
// outside the orchestrator, such as a trim by the tool or a `vault kv`
// command, shows within tenants/sweepPerTick intervals) besides the hot
// ones: those over retention, whose count the alert and the tool's trim
// are about, at most hotPerTick of them. A lab of 48 tenants is read whole
// every time; one of 10,000 costs Vault about 40 reads a second instead of
// 10,000.
const (
	sweepPerTick = 32
	hotPerTick   = 64
)

func sampleKey(name, k, v string) string { return name + "\x00" + k + "\x00" + v }

// add grows the counter whose labels include kv (one label pair), creating
// it with the namespace label when missing. It publishes at the next
// refresh (publish publishes at once).
func (o *Orchestrator) add(name string, delta float64, k, v string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.setLocked(name, k, v, func(old float64) float64 { return old + delta })
}

func (o *Orchestrator) setLocked(name, k, v string, f func(float64) float64) {
	if o.index == nil {
		o.index = make(map[string]int, len(o.samples))
		for i, s := range o.samples {
			for lk, lv := range s.Labels {
				if lk != "namespace" {
					o.index[sampleKey(s.Name, lk, lv)] = i
				}
			}
		}
	}
	key := sampleKey(name, k, v)
	if i, ok := o.index[key]; ok {
		if nv := f(o.samples[i].Value); nv != o.samples[i].Value {
			o.samples[i].Value, o.dirty = nv, true
		}
		return
	}
	o.index[key] = len(o.samples)
	o.samples = append(o.samples, testenv.Sample{Name: name, Labels: map[string]string{"namespace": o.Namespace, k: v}, Value: f(0)})
	o.dirty = true
}

// publish hands the samples to the exporter when they changed.
func (o *Orchestrator) publish() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.publishLocked()
}

func (o *Orchestrator) publishLocked() {
	if o.Metrics != nil && o.dirty {
		o.Metrics.Set(o.MetricsKey, o.samples)
	}
	o.dirty = false
}

// refreshGauges sets the token expiry from the live token's TTL (0 once it
// is gone) and the key versions, from Vault, of the tenants named plus this
// interval's share: the hot tenants and the next of the sweep (see
// sweepPerTick). It publishes what changed.
func (o *Orchestrator) refreshGauges(ctx context.Context, tenants ...string) {
	if o.Metrics == nil {
		return
	}
	acc := o.Accessor()
	expiry := 0.0
	if s, err := o.Vault.Auth().Token().LookupAccessorWithContext(ctx, acc); err == nil && s != nil {
		if ttl, err := s.TokenTTL(); err == nil {
			expiry = ttl.Seconds()
		}
	}
	read := o.gaugeTenants(tenants)
	versions := make(map[string]float64, len(read))
	kv := o.Vault.KVv2(o.Names.KVMount)
	for _, tn := range read {
		md, err := kv.GetMetadata(ctx, o.Names.TenantPath(tn))
		if err != nil {
			continue
		}
		versions[tn] = float64(LiveVersions(md))
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.setLocked("vault_token_expiry_seconds", "service", o.Names.OrchestratorDeployment, func(float64) float64 { return expiry })
	for tn, n := range versions {
		o.setLocked("cmek_key_versions", "tenant", tn, func(float64) float64 { return n })
		if n > float64(o.Names.RetentionVersions) {
			o.hot[tn] = true
		} else {
			delete(o.hot, tn)
		}
	}
	o.publishLocked()
}

// gaugeTenants is whose key versions to read now: the named ones, the hot
// ones and the next of the sweep, each once; every tenant when they are
// fewer than sweepPerTick.
func (o *Orchestrator) gaugeTenants(named []string) []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.hot == nil {
		o.hot = map[string]bool{}
	}
	if len(o.Tenants) <= sweepPerTick {
		return o.Tenants
	}
	seen := make(map[string]bool, len(named)+hotPerTick+sweepPerTick)
	var out []string
	take := func(tn string) {
		if !seen[tn] {
			seen[tn] = true
			out = append(out, tn)
		}
	}
	for _, tn := range named {
		take(tn)
	}
	hot := slices.Sorted(maps.Keys(o.hot))
	if len(hot) > hotPerTick {
		hot = hot[:hotPerTick]
	}
	for _, tn := range hot {
		take(tn)
	}
	for range sweepPerTick {
		take(o.Tenants[o.sweep%len(o.Tenants)])
		o.sweep++
	}
	return out
}

// Samples returns a copy of the metric samples the orchestrator exports.
func (o *Orchestrator) Samples() []testenv.Sample {
	o.mu.Lock()
	defer o.mu.Unlock()
	return cloneSamples(o.samples)
}
