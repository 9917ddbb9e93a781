package podlogs

import (
	"strings"
	"testing"
	"time"
)

func TestFirstLineTime(t *testing.T) {
	want := time.Date(2025, 3, 12, 2, 0, 1, 0, time.UTC)
	cases := map[string]*time.Time{
		"2025-03-12T02:00:01Z Server listening on :8080":           &want,
		"2025-03-12T02:00:01.000Z INFO started":                    &want,
		`{"level":"info","time":"2025-03-12T02:00:01Z","msg":"x"}`: &want,
		`{"timestamp":"2025-03-12T03:00:01+01:00"}`:                &want,
		`{"ts":1741744801}`:                                        &want,
		`{"ts":1741744801000}`:                                     &want,
		"Server listening on :8080":                                nil,
		`{"type":"audit","action":"cmek.rotation.compl`:            nil,
		`{"time":"yesterday"}`:                                     nil,
		"":                                                         nil,
	}
	for line, w := range cases {
		got := firstLineTime([]byte(line))
		if (got == nil) != (w == nil) || got != nil && !got.Equal(*w) {
			t.Errorf("firstLineTime(%q) = %v, want %v", line, got, w)
		}
	}
}

func TestFirstLineReader(t *testing.T) {
	r := &firstLineReader{r: strings.NewReader(strings.Repeat("x", 10) + "\nsecond\n")}
	buf := make([]byte, 3)
	for {
		if _, err := r.Read(buf); err != nil {
			break
		}
	}
	if string(r.buf) != strings.Repeat("x", 10) {
		t.Errorf("first line = %q", r.buf)
	}
	long := &firstLineReader{r: strings.NewReader(strings.Repeat("y", maxFirstLine*2))}
	_, _ = long.Read(make([]byte, maxFirstLine*2))
	if len(long.buf) != maxFirstLine || !long.done {
		t.Errorf("kept %d bytes of a long first line, want %d", len(long.buf), maxFirstLine)
	}
}

// TestCollectKubernetes_JobPodEvidence goes through the collector with
// client-go's fake clientset: a Job whose pods cannot pull their image,
// with the kubelet's and the scheduler's warning Events, also of a pod
// since deleted.
