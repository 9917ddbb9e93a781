package lab

import (
	"bytes"
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	vault "github.com/hashicorp/vault/api"
	"google.golang.org/protobuf/encoding/protowire"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/testenv"
)

// keyMetadata encodes a KeyMetadata as the KV v2 plugin does, with an
// unknown field and a custom_metadata entry that must survive untouched.
func keyMetadata(key string, versions map[uint64][]byte, current uint64, created, updated time.Time) []byte {
	var b []byte
	b = appendBytesField(b, kmKey, []byte(key))
	for v := uint64(1); v <= current; v++ {
		vm, ok := versions[v]
		if !ok {
			continue
		}
		var e []byte
		e = protowire.AppendTag(e, mapKey, protowire.VarintType)
		e = protowire.AppendVarint(e, v)
		e = appendBytesField(e, mapValue, vm)
		b = appendBytesField(b, kmVersions, e)
	}
	b = protowire.AppendTag(b, kmCurrentVersion, protowire.VarintType)
	b = protowire.AppendVarint(b, current)
	b = protowire.AppendTag(b, 4, protowire.VarintType) // oldest_version
	b = protowire.AppendVarint(b, 2)
	b = appendBytesField(b, kmCreatedTime, timestamp(created))
	b = appendBytesField(b, kmUpdatedTime, timestamp(updated))
	b = protowire.AppendTag(b, 7, protowire.VarintType) // max_versions
	b = protowire.AppendVarint(b, 5)
	var cm []byte
	cm = appendBytesField(cm, 1, []byte("owner"))
	cm = appendBytesField(cm, 2, []byte("team-a"))
	b = appendBytesField(b, 10, cm)                       // custom_metadata
	b = protowire.AppendTag(b, 99, protowire.Fixed32Type) // a field this code does not know
	b = protowire.AppendFixed32(b, 0xdeadbeef)
	return b
}

// versionMetadata encodes a VersionMetadata: created_time, and when
// destroyed a deletion_time and destroyed = true.
func versionMetadata(created time.Time, destroyed bool) []byte {
	var b []byte
	b = appendBytesField(b, vmCreatedTime, timestamp(created))
	if destroyed {
		b = appendBytesField(b, 2, timestamp(created.Add(time.Hour)))
		b = protowire.AppendTag(b, 3, protowire.VarintType)
		b = protowire.AppendVarint(b, 1)
	}
	return b
}

// TestRetimeKeyMetadata checks the rewrite on an entry encoded by hand:
// only the timestamps change, every other field keeps its bytes, and an
// entry that is not what is expected is refused.
func TestRetimeKeyMetadata(t *testing.T) {
	now := time.Date(2026, 12, 4, 20, 0, 0, 123000000, time.UTC)
	in := keyMetadata("tenants/t-001/cmek", map[uint64][]byte{2: versionMetadata(now, true), 3: versionMetadata(now, false)}, 3, now, now)
	times := []time.Time{now.Add(-72 * time.Hour), now.Add(-48 * time.Hour), now.Add(-24 * time.Hour)}
	out, err := retimeKeyMetadata(in, "tenants/t-001/cmek", times)
	if err != nil {
		t.Fatal(err)
	}
	want := keyMetadata("tenants/t-001/cmek", map[uint64][]byte{
		2: append(appendBytesField(nil, vmCreatedTime, timestamp(times[1])), versionMetadata(now, true)[len(appendBytesField(nil, vmCreatedTime, timestamp(now))):]...),
		3: versionMetadata(times[2], false),
	}, 3, times[0], times[2])
	if !bytes.Equal(out, want) {
		t.Errorf("rewritten entry\n got %x\nwant %x", out, want)
	}
	if k, err := metadataKey(out); err != nil || k != "tenants/t-001/cmek" {
		t.Errorf("metadataKey = %q, %v", k, err)
	}

	for name, tt := range map[string]struct {
		in      []byte
		key     string
		times   []time.Time
		wantErr string
	}{
		"another key":         {in: in, key: "tenants/t-002/cmek", times: times, wantErr: "is not tenants/t-002/cmek's metadata"},
		"other version count": {in: in, key: "tenants/t-001/cmek", times: times[:2], wantErr: "current_version 3, want 2"},
		"not a protobuf":      {in: []byte("G\x1f\x8b garbage"), key: "tenants/t-001/cmek", times: times, wantErr: "not a KV v2 key metadata protobuf"},
		"no created_time": {in: keyMetadata("k", map[uint64][]byte{1: protowire.AppendVarint(protowire.AppendTag(nil, 3, protowire.VarintType), 1)}, 1, now, now),
			key: "k", times: times[:1], wantErr: "version 1 has no created_time"},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := retimeKeyMetadata(tt.in, tt.key, tt.times); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

// TestSeed_VaultHistory seeds every scenario into a Vault dev server with
// sys/raw (as the lab starts it) and checks, through the KV v2 API that
// `vault kv metadata get` uses, that the key versions are dated as the
// Jobs tell the story, and that Vault keeps working on the rewritten keys.
func TestSeed_VaultHistory(t *testing.T) {
	e := testenv.Get(t)
	ctx := context.Background()
	v, err := testenv.StartVaultWith(ctx, e.Bins.Vault, e.TempDir(t), testenv.VaultOptions{RawStorage: true})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Stop()
	root, err := v.Root()
	if err != nil {
		t.Fatal(err)
	}
	n := DefaultNames()
	ns := e.Namespace(t)
	key := t.Name()
	t.Cleanup(func() { e.Exporter.Set(key, nil) })
	s, err := Seed(ctx, Target{
		Kube: e.Kube.Client, Namespace: ns, NodeName: e.Kube.NodeName, Logs: e.Kube.Logs,
		Vault: root, VaultRawStorage: true, APIServerURL: e.Kube.APIServerURL(), APIServerCA: e.Kube.CACert(),
		Metrics: e.Exporter, MetricsKey: key, MetricsInstance: e.Exporter.Addr,
	}, Options{Scenarios: AllScenarios, Tenants: 48})
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
	seededAt := time.Now()

	// the rotation runs, from Kubernetes: each pod's run time and log
	pods, err := e.Kube.Client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app.kubernetes.io/component=cmek-rotation"})
	if err != nil {
		t.Fatal(err)
	}
	type runLog struct {
		start, end time.Time
		lines      []string
	}
	var runs []runLog
	for _, p := range pods.Items {
		if p.Status.StartTime == nil || len(p.Status.ContainerStatuses) == 0 || p.Status.ContainerStatuses[0].State.Terminated == nil {
			continue
		}
		raw, err := e.Kube.Client.CoreV1().Pods(ns).GetLogs(p.Name, &corev1.PodLogOptions{Container: p.Spec.Containers[0].Name}).DoRaw(ctx)
		if err != nil {
			t.Fatalf("log of %s: %v", p.Name, err)
		}
		runs = append(runs, runLog{p.Status.StartTime.Time, p.Status.ContainerStatuses[0].State.Terminated.FinishedAt.Time, strings.Split(string(raw), "\n")})
	}
	if len(runs) != historyRuns {
		t.Fatalf("%d finished rotation pods, want %d", len(runs), historyRuns)
	}
	logged := func(r runLog, suffix string) bool {
		return slices.ContainsFunc(r.lines, func(l string) bool { return strings.HasSuffix(l, suffix) || strings.Contains(l, suffix+":") })
	}
	// lastRotated is the newest run whose log says it rotated tn
	lastRotated := func(tn string) (r runLog, ok bool) {
		for _, x := range runs {
			if logged(x, "Rotated key for tenant "+tn) && (!ok || x.start.After(r.start)) {
				r, ok = x, true
			}
		}
		return r, ok
	}
	// firstFailed is the oldest run whose log says it failed to rotate tn
	firstFailed := func(tn string) (r runLog, ok bool) {
		for _, x := range runs {
			if logged(x, "Failed to rotate key for tenant "+tn) && (!ok || x.start.Before(r.start)) {
				r, ok = x, true
			}
		}
		return r, ok
	}
	inLastRotation := func(tn string, at time.Time) bool {
		r, ok := lastRotated(tn)
		return ok && !at.Before(r.start) && !at.After(r.end)
	}
	kv := root.KVv2(n.KVMount)
	current := func(tn string) (*vault.KVMetadata, time.Time) {
		t.Helper()
		md, err := kv.GetMetadata(ctx, n.TenantPath(tn))
		if err != nil {
			t.Fatalf("metadata of %s: %v", tn, err)
		}
		vm, ok := md.Versions[strconv.Itoa(md.CurrentVersion)]
		if !ok {
			t.Fatalf("%s: no metadata for current version %d: %+v", tn, md.CurrentVersion, md.Versions)
		}
		return md, vm.CreatedTime
	}

	t.Run("versions follow the successful runs", func(t *testing.T) {
		for _, tn := range []string{"t-001", "t-020", "t-048"} {
			md, at := current(tn)
			if !inLastRotation(tn, at) {
				t.Errorf("%s: current version %d created %s, not during the last run that rotated it", tn, md.CurrentVersion, at.Format(time.RFC3339))
			}
			for v := md.OldestVersion + 1; v <= md.CurrentVersion; v++ {
				older, newer := md.Versions[strconv.Itoa(v-1)].CreatedTime, md.Versions[strconv.Itoa(v)].CreatedTime
				if !older.Before(newer) {
					t.Errorf("%s: version %d created %s, not before version %d's %s", tn, v-1, older, v, newer)
				}
			}
			if !md.CreatedTime.Before(at) && md.CurrentVersion > 1 || !md.UpdatedTime.Equal(at) {
				t.Errorf("%s: key created %s, updated %s; want before and at the current version's %s", tn, md.CreatedTime, md.UpdatedTime, at)
			}
		}
	})

	t.Run("a failing tenant's current version predates its failure", func(t *testing.T) {
		if len(s.FailingTenants) == 0 {
			t.Fatal("no failing tenants seeded")
		}
		for _, tn := range s.FailingTenants {
			md, at := current(tn)
			failed, ok := firstFailed(tn)
			if !ok {
				t.Fatalf("no rotation log names %s failing", tn)
			}
			if !at.Before(failed.start) || !inLastRotation(tn, at) {
				t.Errorf("%s: current version %d created %s; want during the last run that rotated it, before the first that failed (%s)", tn, md.CurrentVersion, at.Format(time.RFC3339), failed.start.Format(time.RFC3339))
			}
		}
	})

	t.Run("a stale tenant's current version is over 8 days old", func(t *testing.T) {
		if len(s.StaleTenants) == 0 {
			t.Fatal("no stale tenants seeded")
		}
		for _, tn := range s.StaleTenants {
			md, at := current(tn)
			if _, ok := lastRotated(tn); ok {
				t.Errorf("a recorded run rotated stale tenant %s", tn)
			}
			if age := seededAt.Sub(at); age <= 8*24*time.Hour || age > 9*24*time.Hour {
				t.Errorf("%s: current version %d created %s (%s ago); want more than 8 days (the compliance limit) and inside the 9-day audit window", tn, md.CurrentVersion, at.Format(time.RFC3339), age.Round(time.Minute))
			}
		}
	})

	t.Run("writes, max_versions trimming and destroy still work", func(t *testing.T) {
		tn := "t-005" // 8 versions written, max_versions 5
		md, _ := current(tn)
		if md.MaxVersions != n.RetentionVersions || len(md.Versions) != n.RetentionVersions {
			t.Fatalf("%s: max_versions %d, %d versions kept; want %d", tn, md.MaxVersions, len(md.Versions), n.RetentionVersions)
		}
		before := md.Versions
		if _, err := kv.Put(ctx, n.TenantPath(tn), map[string]any{"key": s.SecretMarker + "-after-rewrite"}); err != nil {
			t.Fatalf("write after the rewrite: %v", err)
		}
		md, at := current(tn)
		if md.CurrentVersion != 9 || len(md.Versions) != n.RetentionVersions || md.OldestVersion != 5 {
			t.Errorf("after a write: current %d, oldest %d, %d versions; want 9, 5, %d (trimmed)", md.CurrentVersion, md.OldestVersion, len(md.Versions), n.RetentionVersions)
		}
		if d := time.Since(at); d < -time.Minute || d > time.Minute {
			t.Errorf("the new version is dated %s, want now", at.Format(time.RFC3339))
		}
		for v := 5; v <= 8; v++ {
			if got, want := md.Versions[strconv.Itoa(v)].CreatedTime, before[strconv.Itoa(v)].CreatedTime; !got.Equal(want) {
				t.Errorf("version %d created %s after the write, was %s", v, got, want)
			}
		}
		if sec, err := kv.Get(ctx, n.TenantPath(tn)); err != nil || sec.Data["key"] != s.SecretMarker+"-after-rewrite" {
			t.Errorf("read back the new version: %v", err)
		}
		if err := kv.Destroy(ctx, n.TenantPath(tn), []int{5}); err != nil {
			t.Fatalf("destroy after the rewrite: %v", err)
		}
		if md, _ = current(tn); !md.Versions["5"].Destroyed {
			t.Errorf("version 5 not destroyed: %+v", md.Versions["5"])
		}
		if _, err := kv.GetVersion(ctx, n.TenantPath(tn), 6); err != nil {
			t.Errorf("read version 6 after the rewrite: %v", err)
		}
	})
}
