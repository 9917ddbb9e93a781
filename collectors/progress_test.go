package collectors

import (
	"context"
	"slices"
	"sync"
	"testing"
)

// TestCollector_CollectProgress: Collect reports each source's end once, as
// PartDone, even for a source that is not configured.
func TestCollector_CollectProgress(t *testing.T) {
	var mu sync.Mutex
	var done []string
	c := New(Clients{}, Options{Progress: func(p Progress) {
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
