package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/oss-ai-agent-tool/kubectl-rotation/actions"
	"github.com/oss-ai-agent-tool/kubectl-rotation/runbook"
)

// journalActions reads the action journal for the timeline and the
// postmortem, as the runbook takes it (actions.ReadJournalActions, which
// the dashboard's timeline reads it with too). With --demo the user's own
// journal is not mixed in unless --journal names one. It returns the
// actions, a note saying why there are none when that should be said, and
// an error only when the file exists but cannot be read (exit code 3) or
// the file named by --journal does not exist (a usage error). Damaged
// lines are named on errOut and skipped, as `journal` does.
func (s Settings) journalActions(explicit string, errOut io.Writer) ([]runbook.JournalAction, string, error) {
	path := s.timelineJournal(explicit)
	if path == "" {
		return nil, "", nil // the demo has no journal of its own
	}
	acts, problems, err := actions.ReadJournalActions(path)
	if errors.Is(err, os.ErrNotExist) {
		if explicit != "" {
			return nil, "", usage(fmt.Errorf("--journal %s: no such file", path))
		}
		return nil, "no journal at " + path + ": no action was recorded there (pass --journal FILE if it was kept elsewhere)", nil
	}
	for _, p := range problems {
		fmt.Fprintf(errOut, "warning: %s: %s\n", path, p)
	}
	if err != nil {
		return nil, "", err
	}
	return acts, "", nil
}

// checkJournalFile returns an error when explicit, the journal named by
// --journal for a command that reads it, does not exist, is a directory or
// cannot be opened: a usage error found before anything is contacted. ""
// (the default journal) is not checked: a default journal that does not
// exist means that no action has been journaled yet.
func checkJournalFile(explicit string) error {
	if explicit == "" {
		return nil
	}
	f, err := os.Open(explicit)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("--journal %s: no such file: no action was recorded there (pass the journal the actions were recorded in)", explicit)
	case err != nil:
		return fmt.Errorf("--journal %s: cannot read it: %w", explicit, err)
	}
	defer f.Close()
	if info, err := f.Stat(); err != nil {
		return fmt.Errorf("--journal %s: cannot read it: %w", explicit, err)
	} else if info.IsDir() {
		return fmt.Errorf("--journal %s: is a directory; pass the journal file (journal.jsonl)", explicit)
	}
	return nil
}

// timelineJournal is the journal the timeline reads: the one of the
// settings, but none for --demo unless --journal (explicit) names one.
func (s Settings) timelineJournal(explicit string) string {
	if s.Demo && explicit == "" {
		return ""
	}
	return s.Journal
}
