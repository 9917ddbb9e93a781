package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/oss-ai-agent-tool/kubectl-rotation/actions"
	"github.com/oss-ai-agent-tool/kubectl-rotation/runbook"
)

// journalActions reads the action journal for the timeline and the
// postmortem, as the runbook takes it. With --demo the user's own journal
// is not mixed in unless --journal names one. It returns the actions, a
// note saying why there are none when that should be said, and an error
// only when the file exists but cannot be read (exit code 3) or the file
// named by --journal does not exist (a usage error). Damaged lines are
// named on errOut and skipped, as `journal` does.
func (s Settings) journalActions(explicit string, errOut io.Writer) ([]runbook.JournalAction, string, error) {
	path := s.Journal
	if s.Demo && explicit == "" {
		return nil, "", nil // the demo has no journal of its own
	}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		if explicit != "" {
			return nil, "", usage(fmt.Errorf("--journal %s: no such file", path))
		}
		return nil, "no journal at " + path + ": no action was recorded there (pass --journal FILE if it was kept elsewhere)", nil
	}
	if err != nil {
		return nil, "", fmt.Errorf("open journal: %w", err)
	}
	defer f.Close()
	recs, problems, err := actions.ReadJournal(f)
	for _, p := range problems {
		fmt.Fprintf(errOut, "warning: %s: %s\n", path, p)
	}
	if err != nil {
		return nil, "", err
	}
	out := make([]runbook.JournalAction, 0, len(recs))
	for _, r := range recs {
		in := r.Intent
		var who []string
		if in.Who.KubeUser != "" {
			who = append(who, "kubernetes "+in.Who.KubeUser)
		}
		if in.Who.VaultEntity != "" {
			who = append(who, "vault entity "+in.Who.VaultEntity)
		}
		if in.Who.VaultAccessor != "" {
			who = append(who, "vault accessor "+in.Who.VaultAccessor)
		}
		a := runbook.JournalAction{ID: in.ID, Time: in.Time.UTC(), Action: in.Action, Target: in.Target, Who: strings.Join(who, " · "), Reason: in.Reason, Command: in.Command}
		if o := r.Outcome; o != nil {
			at := o.Time.UTC()
			a.Outcome, a.OutcomeAt, a.Error = o.Outcome, &at, o.Error
			if res := o.Result; res != nil {
				a.Result, a.Before, a.After = res.Summary, res.Before, res.After
			}
		}
		out = append(out, a)
	}
	return out, "", nil
}
