package main

import (
	"fmt"
	"os"
	"runtime/pprof"

	"github.com/spf13/cobra"
)

// profiles are the hidden --cpuprofile FILE flag, whose whole command's
// CPU profile is written to FILE (go tool pprof reads it), to see where a run's
// time goes at a fleet's size (docs/PERFORMANCE.md). It is hidden: it is for
// whoever measures the tool, not part of its interface.
type profiles struct {
	path string
	f    *os.File
	// mem is the hidden --memprofile FILE: the heap profile at the end of
	// the run (what the last collection of garbage found live, and every
	// allocation), written by stop.
	mem string
}

// addTo registers the flags on root and starts the CPU profile before any
// command runs.
func (p *profiles) addTo(root *cobra.Command) {
	root.PersistentFlags().StringVar(&p.path, "cpuprofile", "", "Write a CPU profile of the run to FILE")
	_ = root.PersistentFlags().MarkHidden("cpuprofile")
	root.PersistentFlags().StringVar(&p.mem, "memprofile", "", "Write a heap profile at the end of the run to FILE")
	_ = root.PersistentFlags().MarkHidden("memprofile")
	root.PersistentPreRunE = func(*cobra.Command, []string) error {
		if p.path == "" {
			return nil
		}
		f, err := os.Create(p.path)
		if err != nil {
			return usage(fmt.Errorf("--cpuprofile: %w", err))
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return fmt.Errorf("--cpuprofile: %w", err)
		}
		p.f = f
		return nil
	}
}

// stop writes the heap profile, if one was asked for, and ends the CPU
// profile, if one was started, and closes its file.
func (p *profiles) stop() {
	if p.mem != "" {
		if f, err := os.Create(p.mem); err == nil {
			_ = pprof.Lookup("heap").WriteTo(f, 0)
			f.Close()
		}
		p.mem = ""
	}
	if p.f == nil {
		return
	}
	pprof.StopCPUProfile()
	p.f.Close()
	p.f = nil
}
