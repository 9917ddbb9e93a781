package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/demo"
)

// readSnapshot is loadSnapshot for a command: under a context that SIGINT
// and SIGTERM cancel, with the progress line on errOut while it collects.
// The context stays for the rest of the command's requests; stop releases
// it (defer it). Its errors are loadSnapshot's.
func (s Settings) readSnapshot(p progressOptions, errOut io.Writer) (ctx context.Context, snap *collectors.Snapshot, at time.Time, stop func(), err error) {
	ctx, stop = signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	progress, endProgress := p.start(errOut)
	snap, at, err = s.loadSnapshot(ctx, progress)
	endProgress()
	if err == nil {
		s.noteReplay(errOut)
	}
	return ctx, snap, at, stop, err
}

// loadSnapshot returns the snapshot to work on and the time to judge it at:
// the demo or a --from file (judged at the time it was taken, so verdicts do
// not drift with the clock), or a live collection judged now, reporting to
// progress (which may be nil). A replay takes the judgement settings of an
// explicit --config (judgeReplay). A --from file that cannot be read or is
// not a snapshot is a usage error.
func (s Settings) loadSnapshot(ctx context.Context, progress func(collectors.Progress)) (*collectors.Snapshot, time.Time, error) {
	switch {
	case s.Demo:
		snap, err := demo.Snapshot()
		if err != nil {
			return nil, time.Time{}, err
		}
		s.judgeReplay(snap)
		return snap, snap.CollectedAt, nil
	case s.From != "":
		f, err := os.Open(s.From)
		if err != nil {
			return nil, time.Time{}, usage(fmt.Errorf("--from: %w", err))
		}
		defer f.Close()
		snap, err := collectors.ReadSnapshot(f)
		if err != nil {
			return nil, time.Time{}, usage(fmt.Errorf("--from %s: %w", s.From, err))
		}
		s.judgeReplay(snap)
		return snap, snap.CollectedAt, nil
	}
	snap, err := s.collect(ctx, progress)
	if err != nil {
		return nil, time.Time{}, err
	}
	return snap, snap.CollectedAt, nil
}
