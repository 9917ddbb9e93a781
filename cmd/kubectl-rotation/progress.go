package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/term"
	"github.com/spf13/pflag"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
)

// Progress of a live collection on the command line (report, snapshot): one
// line on stderr, rewritten in place with \r, saying which sources are done
// and how far the tenant scan has got:
//
//	collecting 3s: kubernetes done · logs done · vault tenants 1200/4800 · prometheus …
//
// It is shown only when stderr is a terminal, never with -q/--quiet, and
// the line is cleared before the command writes its result, so pipes, files
// and CI logs never see it.

// progressRedraw is the least time between two redraws prompted by the
// tenant scan (thousands of callbacks); a source finishing redraws at once.
const progressRedraw = 100 * time.Millisecond

// progressOptions is -q/--quiet.
type progressOptions struct {
	quiet bool
}

func (p *progressOptions) addFlags(fs *pflag.FlagSet) {
	fs.BoolVarP(&p.quiet, "quiet", "q", false, "Show no progress on stderr (progress is shown only when stderr is a terminal)")
}

// start returns the collector's progress callback and the function that
// ends the progress line (clearing it); call the latter before writing the
// result. When quiet, or when errOut is not a terminal, the callback is nil
// and nothing is ever written.
func (p progressOptions) start(errOut io.Writer) (func(collectors.Progress), func()) {
	f, ok := errOut.(*os.File)
	if p.quiet || !ok || !term.IsTerminal(f.Fd()) {
		return nil, func() {}
	}
	width := 80
	if w, _, err := term.GetSize(f.Fd()); err == nil && w > 0 {
		width = w
	}
	l := newProgressLine(f, width, time.Now)
	return l.update, l.stop
}

// progressLine draws the progress of one collection on w.
type progressLine struct {
	w     io.Writer
	width int
	now   func() time.Time

	mu      sync.Mutex
	state   progressState
	started time.Time
	drawn   time.Time
	stopped bool
	ticker  *time.Ticker
	done    chan struct{}
}

// progressState is what the line says: per source, done or the latest
// count of a part.
type progressState struct {
	done  map[string]bool
	parts map[string]collectors.Progress
}

// newProgressLine starts a line that redraws itself every second (so the
// elapsed time moves while a slow source answers) and on updates.
func newProgressLine(w io.Writer, width int, now func() time.Time) *progressLine {
	l := &progressLine{
		w: w, width: width, now: now, started: now(),
		state:  progressState{done: map[string]bool{}, parts: map[string]collectors.Progress{}},
		ticker: time.NewTicker(time.Second), done: make(chan struct{}),
	}
	l.draw()
	go func() {
		for {
			select {
			case <-l.ticker.C:
				l.mu.Lock()
				if !l.stopped {
					l.draw()
				}
				l.mu.Unlock()
			case <-l.done:
				return
			}
		}
	}()
	return l
}

// update records p (it is called from the collecting goroutines) and
// redraws: at once when a source is done, else at most every
// progressRedraw.
func (l *progressLine) update(p collectors.Progress) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.stopped {
		return
	}
	if p.Part == collectors.PartDone {
		l.state.done[p.Source] = true
		l.draw()
		return
	}
	if old, ok := l.state.parts[p.Source]; ok && old.Part == p.Part && old.Done > p.Done {
		return // an older count from another goroutine
	}
	l.state.parts[p.Source] = p
	if l.now().Sub(l.drawn) >= progressRedraw {
		l.draw()
	}
}

// stop clears the line; later updates are ignored.
func (l *progressLine) stop() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.stopped {
		return
	}
	l.stopped = true
	l.ticker.Stop()
	close(l.done)
	fmt.Fprint(l.w, "\r"+ansi.EraseLineRight)
}

// draw rewrites the line; the caller holds l.mu.
func (l *progressLine) draw() {
	l.drawn = l.now()
	line := formatProgress(collectors.Sources(), l.state, l.drawn.Sub(l.started))
	// Never wider than the terminal: a wrapped line cannot be rewritten
	// with \r.
	if l.width > 1 {
		line = ansi.Truncate(line, l.width-1, "…")
	}
	fmt.Fprint(l.w, "\r"+line+ansi.EraseLineRight)
}

// formatProgress returns the progress line for the sources in order:
// "collecting 3s: kubernetes done · logs … · vault tenants 1200/4800 ·
// prometheus done". A source shows "done" once it has finished, its latest
// count while it reports one, else "…".
func formatProgress(sources []string, st progressState, elapsed time.Duration) string {
	parts := make([]string, 0, len(sources))
	for _, s := range sources {
		switch p, ok := st.parts[s]; {
		case st.done[s]:
			parts = append(parts, s+" done")
		case ok && p.Total > 0:
			parts = append(parts, fmt.Sprintf("%s %s %d/%d", s, p.Part, p.Done, p.Total))
		case ok:
			parts = append(parts, fmt.Sprintf("%s %s %d", s, p.Part, p.Done))
		default:
			parts = append(parts, s+" …")
		}
	}
	return fmt.Sprintf("collecting %s: %s", elapsed.Truncate(time.Second), strings.Join(parts, " · "))
}
