package main

import (
	"io"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"testing"
)

// TestRun_CPUProfile: --cpuprofile FILE writes the run's CPU profile (a
// gzipped protobuf, as pprof writes it) and stops it; the exit code is the
// same as without it; it is not
// in the help; an uncreatable file is a usage error.
func TestRun_CPUProfile(t *testing.T) {
	home := isolateEnv(t)
	t.Run("written", func(t *testing.T) {
		path := filepath.Join(home, "cpu.prof")
		code, out, _ := runArgs(t, "report", "--demo", "-o", "json", "--cpuprofile", path)
		wantCode, _, _ := runArgs(t, "report", "--demo", "-o", "json")
		if code != wantCode || !strings.HasPrefix(out, "{") {
			t.Errorf("exit %d, want %d as without the profile; output %.40q", code, wantCode, out)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
			t.Errorf("profile of %d bytes is not gzip", len(b))
		}
		if err := pprof.StartCPUProfile(io.Discard); err != nil { // the run's profile was stopped
			t.Errorf("the profile was left running: %v", err)
		} else {
			pprof.StopCPUProfile()
		}
	})
	t.Run("hidden", func(t *testing.T) {
		_, out, _ := runArgs(t, "report", "--help")
		if strings.Contains(out, "cpuprofile") {
			t.Error("--cpuprofile is in the help")
		}
	})
	t.Run("uncreatable", func(t *testing.T) {
		code, _, errOut := runArgs(t, "report", "--demo", "--cpuprofile", filepath.Join(home, "no", "such", "dir", "p"))
		if code != exitUsage || !strings.Contains(errOut, "--cpuprofile") {
			t.Errorf("exit %d %q, want %d naming --cpuprofile", code, errOut, exitUsage)
		}
	})
}
