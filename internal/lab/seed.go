package lab

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"time"

	vault "github.com/hashicorp/vault/api"
	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/testenv"
)

// LogSink receives container logs (the harness's LogServer).
type LogSink interface {
	Set(ns, pod, container string, data []byte)
}

// MetricSink receives the current metric samples (the harness's Exporter).
type MetricSink interface {
	Set(key string, samples []testenv.Sample)
}

// Target is where Seed writes.
type Target struct {
	Kube      kubernetes.Interface
	Namespace string // created if missing
	NodeName  string // a Node whose kubelet endpoint serves Logs
	Logs      LogSink
	// Vault holds a token allowed to write mounts, policies, auth methods
	// and KV data (the dev server's root token in the lab and tests).
	Vault        *vault.Client
	APIServerURL string // for Vault's Kubernetes auth method
	APIServerCA  []byte
	Metrics      MetricSink
	MetricsKey   string
	// MetricsInstance is the scraped exporter's host:port; the back-fill
	// carries it (with job="rotation") so history and live samples form one
	// series.
	MetricsInstance string
	// VaultRawStorage says Vault exposes sys/raw (raw_storage_endpoint,
	// testenv.VaultOptions.RawStorage) to the Vault token: Seed then dates
	// each tenant's key versions by the story (history.go) instead of
	// leaving them all created at seeding time, and fails if it cannot.
	VaultRawStorage bool
}

// Options choose what Seed produces.
type Options struct {
	Scenarios []Scenario
	Tenants   int       // number of tenants, t-001...; default 48
	Now       time.Time // history is dated before it; default time.Now()
	Names     Names     // default DefaultNames()
	// Jobs is how many more finished Jobs to seed, older than the recorded
	// history, split between the two CronJobs (a fleet's long history;
	// they succeeded, so the diagnosis is the same as without them).
	Jobs int
	// AuditLines is how many more audit lines to seed in the orchestrator
	// pods' log, spread over the days before now (other actions than
	// rotations, so the diagnosis is the same as without them).
	AuditLines int
	// BackfillFile, when set, is where the metric history is written
	// (Seeded.Backfill is then empty): a big lab's history is hundreds of
	// megabytes of text, better streamed to a file than held.
	BackfillFile string
}

// Seeded describes what Seed made, for tests to check the tool against.
type Seeded struct {
	Namespace string
	Tenants   []string
	// FailingTenants are named in "Failed to rotate key for tenant" lines.
	FailingTenants []string
	// OverRetention are tenants with more live versions than retention.
	OverRetention []string
	// StaleTenants have not been rotated successfully for weeks.
	StaleTenants []string
	// PartialRun are the tenants the timed-out run did reach (Scenario 5).
	PartialRun []string
	// LastRotation is when the newest seeded rotation run was scheduled
	// (the latest 02:00 UTC not after Options.Now): a Job a test adds as
	// the newest run must come after it.
	LastRotation time.Time
	// OrchestratorAccessor is the accessor of the orchestrator's Vault token
	// (obtained through Kubernetes auth); the token itself is discarded.
	OrchestratorAccessor string
	// SecretMarker starts every secret value written to Vault, so tests can
	// prove no secret value reaches a snapshot or report.
	SecretMarker string
	// Backfill is 24 h of metric history in OpenMetrics text, for a
	// Prometheus started after seeding (StartPrometheus Backfill); empty
	// when Options.BackfillFile was set, which holds it instead.
	Backfill string
	// Rules are the runbook's four alerts as Prometheus alerting rules.
	Rules string
	// Samples are the metric samples at seeding time; the Orchestrator
	// continues them.
	Samples []testenv.Sample
}

// Seed writes the environment. It fails on the first error, saying which
// object it was writing.
func Seed(ctx context.Context, t Target, o Options) (*Seeded, error) {
	if o.Tenants <= 0 {
		o.Tenants = 48
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	o.Now = o.Now.UTC().Truncate(time.Second)
	if o.Names.RotationCronJob == "" {
		o.Names = DefaultNames()
	}
	w := &world{t: t, o: o, n: o.Names, sc: newSet(o.Scenarios), marker: "lab-secret-" + randHex(6)}
	w.plan()
	steps := []struct {
		what string
		fn   func(context.Context) error
	}{
		{"kubernetes objects", w.seedKubernetes},
		{"job history", w.seedJobs},
		{"older jobs", w.seedOldJobs},
		{"orchestrator pods and audit log", w.seedOrchestratorPods},
		{"vault tenants", w.seedVaultTenants},
		{"vault key history", w.seedVaultHistory},
		{"vault policies", w.seedVaultPolicies},
		{"vault kubernetes auth", w.seedVaultAuth},
		{"metrics", w.seedMetrics},
	}
	for _, s := range steps {
		if err := s.fn(ctx); err != nil {
			return nil, fmt.Errorf("seed %s: %w", s.what, err)
		}
	}
	return &Seeded{
		Namespace:            t.Namespace,
		Tenants:              w.tenants,
		FailingTenants:       w.failing,
		OverRetention:        w.overRetention,
		StaleTenants:         w.stale,
		PartialRun:           w.partial,
		LastRotation:         w.runs[0].scheduled,
		OrchestratorAccessor: w.accessor,
		SecretMarker:         w.marker,
		Backfill:             w.backfill,
		Rules:                Rules(o.Names.RetentionVersions),
		Samples:              w.samplesAt(w.o.Now),
	}, nil
}

// world is the seeding plan: who rotated when, with what outcome.
type world struct {
	t      Target
	o      Options
	n      Names
	sc     scenarioSet
	marker string

	tenants       []string
	failing       []string // permission denied in the last runs (Scenario 1)
	stale         []string // failing for weeks (Scenario 1)
	overRetention []string // Scenario 4
	partial       []string // Scenario 5

	deployment *appsv1.Deployment // the orchestrator's, as created

	runs     []run // rotation runs, newest first
	cleanups []run // cleanup runs, newest first
	accessor string
	backfill string
}

// run is one scheduled Job.
type run struct {
	name      string
	scheduled time.Time
	start     time.Time
	end       time.Time
	outcome   string // Complete, BackoffLimitExceeded, DeadlineExceeded
	// per tenant: "" not reached, "success", or a failure reason
	tenants map[string]string
	log     []string
}

const (
	rotationHour, rotationMinute = 2, 0
	cleanupHour, cleanupMinute   = 3, 30
	rotationDeadline             = 600 // activeDeadlineSeconds of the rotation CronJob
	historyRuns                  = 4
)

// lastAt is the most recent time at hh:mm UTC not after now.
func lastAt(now time.Time, hh, mm int) time.Time {
	t := time.Date(now.Year(), now.Month(), now.Day(), hh, mm, 0, 0, time.UTC)
	if t.After(now) {
		t = t.AddDate(0, 0, -1)
	}
	return t
}

func (w *world) plan() {
	for i := 1; i <= w.o.Tenants; i++ {
		w.tenants = append(w.tenants, fmt.Sprintf("t-%03d", i))
	}
	has := func(name string) bool { return slices.Contains(w.tenants, name) }
	pick := func(names ...string) []string {
		var out []string
		for _, n := range names {
			if has(n) {
				out = append(out, n)
			}
		}
		return out
	}
	if w.sc[RotationJobFailing] {
		w.failing = pick("t-042", "t-017")
		if len(w.failing) == 0 && len(w.tenants) > 0 {
			// a small lab still has a tenant the failing run names (with 12
			// tenants the run failed with "0 failures", which no real run does)
			w.failing = []string{w.tenants[len(w.tenants)*2/3]}
		}
		w.stale = pick("t-031", "t-032")
	}
	if w.sc[RetentionOverflow] {
		w.overRetention = append(w.overRetention, pick("t-003", "t-011", "t-019")...)
	}
	slices.Sort(w.overRetention)

	last := lastAt(w.o.Now, rotationHour, rotationMinute)
	for r := 0; r < historyRuns; r++ {
		sched := last.AddDate(0, 0, -r)
		ru := run{
			name:      fmt.Sprintf("%s-%d", w.n.RotationCronJob, sched.Unix()/60),
			scheduled: sched,
			start:     sched.Add(2 * time.Second),
			outcome:   "Complete",
			tenants:   map[string]string{},
		}
		reach := len(w.tenants)
		if r == 0 && w.sc[BatchTimeout] {
			ru.outcome = "DeadlineExceeded"
			reach = len(w.tenants) * 3 / 5
			w.partial = append([]string(nil), w.tenants[:reach]...)
		} else if r <= 1 && w.sc[RotationJobFailing] {
			ru.outcome = "BackoffLimitExceeded"
		}
		ru.log = append(ru.log,
			`Starting CMEK rotation for all tenants (batchSize=100, rotateAllTenants=true)`,
			fmt.Sprintf(`Loaded %d tenants from tenant registry`, len(w.tenants)))
		for i, tn := range w.tenants {
			if i >= reach {
				break
			}
			switch {
			case slices.Contains(w.failing, tn) && r <= 1:
				ru.tenants[tn] = "permission denied"
				ru.log = append(ru.log, fmt.Sprintf(`Failed to rotate key for tenant %s: Error making API request. URL: PUT %s/data/%s Code: 403. Errors: * permission denied`, tn, w.n.KVMount, w.n.TenantPath(tn)))
			case slices.Contains(w.stale, tn):
				ru.tenants[tn] = "Encryption key not found"
				ru.log = append(ru.log, fmt.Sprintf(`Failed to rotate key for tenant %s: Encryption key not found at %s/%s`, tn, w.n.KVMount, w.n.TenantPath(tn)))
			default:
				ru.tenants[tn] = "success"
				ru.log = append(ru.log, fmt.Sprintf(`Rotated key for tenant %s`, tn))
			}
			if (i+1)%10 == 0 {
				ru.log = append(ru.log, fmt.Sprintf(`Processed batch %d (%d/%d tenants)`, (i+1)/10, i+1, len(w.tenants)))
			}
		}
		switch ru.outcome {
		case "DeadlineExceeded":
			ru.end = ru.start.Add(rotationDeadline * time.Second)
			ru.log = append(ru.log, `Received SIGTERM, shutting down (rotation incomplete)`)
		case "BackoffLimitExceeded":
			ru.end = ru.start.Add(3*time.Minute + 12*time.Second)
			ru.log = append(ru.log, fmt.Sprintf(`Rotation finished with %d failures; exiting with status 1`, countFailures(ru.tenants)))
		default:
			ru.end = ru.start.Add(4*time.Minute + time.Duration(r*7)*time.Second)
			ru.log = append(ru.log, fmt.Sprintf(`Rotation finished: %d rotated, %d failed`, len(ru.tenants)-countFailures(ru.tenants), countFailures(ru.tenants)))
		}
		w.runs = append(w.runs, ru)
	}

	lastClean := lastAt(w.o.Now, cleanupHour, cleanupMinute)
	for r := 0; r < historyRuns; r++ {
		sched := lastClean.AddDate(0, 0, -r)
		ru := run{
			name:      fmt.Sprintf("%s-%d", w.n.CleanupCronJob, sched.Unix()/60),
			scheduled: sched,
			start:     sched.Add(time.Second),
			outcome:   "Complete",
		}
		ru.log = append(ru.log, fmt.Sprintf(`Secret version cleanup (retentionVersions=%d, DRY_RUN=false)`, 10))
		if w.sc[CleanupFailing] && r <= 1 {
			ru.outcome = "BackoffLimitExceeded"
			for i, app := range []string{"apps/billing/db-password", "apps/search/api-key", "apps/ingest/signing-key"} {
				ru.log = append(ru.log, fmt.Sprintf(`WARN Too many versions for %s/%s: %d versions, retention 10`, w.n.KVMount, app, 14+9*i+3*r))
			}
			ru.log = append(ru.log,
				fmt.Sprintf(`Error: cleanup failed for %s/metadata/tenants: permission denied`, w.n.KVMount),
				`Cleanup aborted after 1 error(s); exiting with status 1`)
			ru.end = ru.start.Add(41 * time.Second)
		} else {
			ru.log = append(ru.log, fmt.Sprintf(`Checked %d secrets, deleted 0 versions`, len(w.tenants)), `Cleanup complete`)
			ru.end = ru.start.Add(38 * time.Second)
		}
		w.cleanups = append(w.cleanups, ru)
	}
}

// tenantAt is when run ru reached tenant i (its audit event): tenants are
// rotated in order, 4 s apart.
func (ru run) tenantAt(i int) time.Time { return ru.start.Add(time.Duration(i+1) * 4 * time.Second) }

func countFailures(m map[string]string) int {
	n := 0
	for _, v := range m {
		if v != "success" {
			n++
		}
	}
	return n
}

func randHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand: " + err.Error())
	}
	return hex.EncodeToString(b)
}
