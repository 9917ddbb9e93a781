package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
)

func TestFormatProgress(t *testing.T) {
	sources := collectors.Sources()
	tests := map[string]struct {
		done    []string
		parts   []collectors.Progress
		elapsed time.Duration
		want    string
	}{
		"start": {
			want: "collecting 0s: kubernetes … · logs … · vault … · prometheus …",
		},
		"some done, tenants counted": {
			done:    []string{collectors.SourceKubernetes, collectors.SourcePrometheus},
			parts:   []collectors.Progress{{Source: collectors.SourceVault, Part: "tenants", Done: 1200, Total: 4800}},
			elapsed: 3700 * time.Millisecond,
			want:    "collecting 3s: kubernetes done · logs … · vault tenants 1200/4800 · prometheus done",
		},
		"a count without a total": {
			parts:   []collectors.Progress{{Source: collectors.SourceLogs, Part: "lines", Done: 52}},
			elapsed: 61 * time.Second,
			want:    "collecting 1m1s: kubernetes … · logs lines 52 · vault … · prometheus …",
		},
		"done wins over the last count": {
			done:  []string{collectors.SourceVault},
			parts: []collectors.Progress{{Source: collectors.SourceVault, Part: "tenants", Done: 4800, Total: 4800}},
			want:  "collecting 0s: kubernetes … · logs … · vault done · prometheus …",
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			st := progressState{done: map[string]bool{}, parts: map[string]collectors.Progress{}}
			for _, s := range tt.done {
				st.done[s] = true
			}
			for _, p := range tt.parts {
				st.parts[p.Source] = p
			}
			if got := formatProgress(sources, st, tt.elapsed); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

// fakeClock is a clock the test moves.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// TestProgressLine: each draw rewrites the line with \r and erases what the
// last one left; tenant counts redraw at most every progressRedraw, a
// finished source at once; stop clears the line and later updates write
// nothing.
func TestProgressLine(t *testing.T) {
	var buf bytes.Buffer
	clock := &fakeClock{t: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}
	l := newProgressLine(&buf, 200, clock.now)
	vault := func(n int) collectors.Progress {
		return collectors.Progress{Source: collectors.SourceVault, Part: "tenants", Done: n, Total: 4800}
	}
	clock.add(progressRedraw)
	l.update(vault(100))
	l.update(vault(200)) // within progressRedraw of the last draw: not drawn
	l.update(collectors.Progress{Source: collectors.SourceKubernetes, Part: collectors.PartDone, Done: 1, Total: 1})
	clock.add(2 * time.Second)
	l.update(vault(150)) // older than 200, from another goroutine: ignored
	l.update(vault(300))
	l.stop()
	l.update(vault(400))
	l.stop()

	want := []string{
		"collecting 0s: kubernetes … · logs … · vault … · prometheus …",
		"collecting 0s: kubernetes … · logs … · vault tenants 100/4800 · prometheus …",
		"collecting 0s: kubernetes done · logs … · vault tenants 200/4800 · prometheus …",
		"collecting 2s: kubernetes done · logs … · vault tenants 300/4800 · prometheus …",
		"",
	}
	var got []string
	for _, d := range strings.Split(buf.String(), "\r")[1:] {
		line, ok := strings.CutSuffix(d, "\x1b[K")
		if !ok {
			t.Errorf("draw %q does not erase the rest of the line", d)
		}
		got = append(got, line)
	}
	// The once-a-second redraw may have run in between; drop its repeats.
	got = compactRepeats(got)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("draws:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func compactRepeats(s []string) []string {
	var out []string
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// TestProgressLine_Width: a line never wraps a narrow terminal.
func TestProgressLine_Width(t *testing.T) {
	var buf bytes.Buffer
	l := newProgressLine(&buf, 40, time.Now)
	l.stop()
	first, _, _ := strings.Cut(strings.TrimPrefix(buf.String(), "\r"), "\x1b[K")
	if w := len([]rune(first)); w > 39 || !strings.HasSuffix(first, "…") {
		t.Errorf("line %q is %d wide on a 40-column terminal, want at most 39, cut with …", first, w)
	}
}

// TestProgressOptions_Start: no progress unless stderr is a terminal, and
// none with -q.
func TestProgressOptions_Start(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for name, tt := range map[string]struct {
		opts   progressOptions
		errOut interface{ Write([]byte) (int, error) }
	}{
		"a buffer":           {progressOptions{}, &bytes.Buffer{}},
		"a file":             {progressOptions{}, f},
		"quiet, on a file":   {progressOptions{quiet: true}, f},
		"quiet, on a buffer": {progressOptions{quiet: true}, &bytes.Buffer{}},
	} {
		t.Run(name, func(t *testing.T) {
			progress, end := tt.opts.start(tt.errOut)
			if progress != nil {
				t.Error("got a progress callback, want none")
			}
			end()
		})
	}
	if info, _ := f.Stat(); info.Size() != 0 {
		t.Errorf("%d bytes written to a file that is not a terminal", info.Size())
	}
}

// TestRun_NoProgressWhenNotTerminal: a live report and snapshot (the
// sources unreachable, so each is read and fails fast) write no progress to
// a stderr that is not a terminal.
func TestRun_NoProgressWhenNotTerminal(t *testing.T) {
	home := isolateEnv(t)
	kc := writeFile(t, filepath.Join(home, "kubeconfig"), completionKubeconfig) // server at 127.0.0.1:1
	for _, args := range [][]string{
		{"snapshot", "--kubeconfig", kc, "--vault-addr", "http://127.0.0.1:1"},
		{"report", "--kubeconfig", kc, "--vault-addr", "http://127.0.0.1:1"},
	} {
		code, out, errOut := runArgs(t, args...)
		if code == exitUsage || out == "" {
			t.Fatalf("%v: exit %d, stdout %.200q, stderr %q: want a result", args, code, out, errOut)
		}
		if strings.ContainsAny(errOut, "\r\x1b") || strings.Contains(errOut, "collecting") {
			t.Errorf("%v: progress on a stderr that is not a terminal:\n%q", args, errOut)
		}
	}
}
