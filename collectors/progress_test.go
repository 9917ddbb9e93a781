package collectors

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeSource is a Source whose Collect is a function field.
type fakeSource struct {
	name    string
	collect func(ctx context.Context, env Env) Part
}

var _ Source = (*fakeSource)(nil)

func (f *fakeSource) Name() string { return f.name }

func (f *fakeSource) Collect(ctx context.Context, env Env) Part {
	if f.collect == nil {
		return Part{Status: Status{State: StateSkipped, Error: "not configured"}}
	}
	return f.collect(ctx, env)
}

func fakeSources() []Source {
	var out []Source
	for _, n := range Sources() {
		out = append(out, &fakeSource{name: n})
	}
	return out
}

// TestCollector_CollectProgress: Collect reports each source's end once, as
// PartDone, even for a source that is not configured.
func TestCollector_CollectProgress(t *testing.T) {
	var mu sync.Mutex
	var done []string
	c := New(fakeSources(), Options{Progress: func(p Progress) {
		mu.Lock()
		defer mu.Unlock()
		if p.Part == PartDone {
			if p.Done != 1 || p.Total != 1 {
				t.Errorf("%s done: got %d/%d, want 1/1", p.Source, p.Done, p.Total)
			}
			done = append(done, p.Source)
		}
	}})
	c.Collect(context.Background())
	slices.Sort(done)
	want := Sources()
	slices.Sort(want)
	if !slices.Equal(done, want) {
		t.Errorf("done reported for %v, want each of %v once", done, want)
	}
}

func TestCollector_CollectSource(t *testing.T) {
	at := time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC)
	t.Run("OK", func(t *testing.T) {
		var got Env
		src := &fakeSource{name: SourceVault, collect: func(_ context.Context, env Env) Part {
			got = env
			env.Progress(Progress{Source: SourceVault, Part: "tenants", Done: 1, Total: 2})
			return Part{Status: Status{State: StateOK}, Vault: &VaultData{}}
		}}
		var progress []Progress
		c := New([]Source{src}, Options{Namespace: "ns", Context: "ctx", Now: func() time.Time { return at }, Progress: func(p Progress) { progress = append(progress, p) }})
		p := c.CollectSource(context.Background(), SourceVault)
		if p.Status.Source != SourceVault || p.Status.State != StateOK || !p.Status.CollectedAt.Equal(at) || p.Vault == nil {
			t.Errorf("part: %+v", p)
		}
		if got.Namespace != "ns" || got.Context != "ctx" || !got.Now().Equal(at) {
			t.Errorf("env: %+v", got)
		}
		if len(progress) != 1 || progress[0].Part != "tenants" {
			t.Errorf("progress: %+v", progress)
		}
	})
	t.Run("ErrUnknown", func(t *testing.T) {
		p := New(nil, Options{}).CollectSource(context.Background(), "nope")
		if p.Status.State != StateError || p.Status.Error != "unknown source nope" {
			t.Errorf("got %+v", p.Status)
		}
	})
	t.Run("ErrTimeout", func(t *testing.T) {
		src := &fakeSource{name: SourceKubernetes, collect: func(ctx context.Context, _ Env) Part {
			<-ctx.Done()
			return Part{Status: Status{State: StateOK}}
		}}
		p := New([]Source{src}, Options{SourceTimeout: 10 * time.Millisecond}).CollectSource(context.Background(), SourceKubernetes)
		if p.Status.State != StatePartial || len(p.Status.Problems) != 1 || p.Status.Problems[0].Part != "timeout" {
			t.Errorf("got %+v", p.Status)
		}
	})
}

// TestCollector_CollectSource_Abandoned: a source that ignores its
// context is answered without, once its deadline and SourceGrace have
// passed (without the bound this test never ends), as an error that keeps
// nothing of it.
func TestCollector_CollectSource_Abandoned(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	src := &fakeSource{name: SourceVault, collect: func(context.Context, Env) Part {
		<-release // a call that never looks at its context
		return Part{Status: Status{State: StateOK}, Vault: &VaultData{}}
	}}
	p := New([]Source{src}, Options{SourceTimeout: 10 * time.Millisecond}).CollectSource(context.Background(), SourceVault)
	if p.Status.State != StateError || p.Vault != nil || !strings.Contains(p.Status.Error, "did not return within") {
		t.Errorf("got %+v (vault data %v)", p.Status, p.Vault != nil)
	}
	if p.Status.Source != SourceVault {
		t.Errorf("source %q", p.Status.Source)
	}
}

func TestSnapshot_Part(t *testing.T) {
	c := New([]Source{
		&fakeSource{name: SourceLogs, collect: func(context.Context, Env) Part {
			return Part{Status: Status{State: StateOK}, Logs: &LogsData{}}
		}},
		&fakeSource{name: SourceKubernetes},
	}, Options{})
	s := c.Collect(context.Background())
	if got := []string{s.Sources[0].Source, s.Sources[1].Source}; !slices.Equal(got, []string{SourceKubernetes, SourceLogs}) {
		t.Errorf("source order %v", got)
	}
	if !s.HasData(SourceLogs) || s.HasData(SourceKubernetes) || s.HasData(SourceVault) {
		t.Errorf("HasData: logs %v, kubernetes %v, vault %v", s.HasData(SourceLogs), s.HasData(SourceKubernetes), s.HasData(SourceVault))
	}
	p := s.Part(SourceLogs)
	if p.Logs != s.Logs || p.Status.State != StateOK || p.Kubernetes != nil {
		t.Errorf("Part(logs): %+v", p)
	}
	s.Merge(Part{Status: Status{Source: SourceLogs, State: StateError, Error: "gone"}})
	if s.Logs != nil || s.Source(SourceLogs).Error != "gone" || len(s.Sources) != 2 {
		t.Errorf("after Merge: %+v %+v", s.Logs, s.Sources)
	}
}
