package main

import (
	"fmt"
	"io"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/config"
)

// A replay (--demo, --from; postmortem's --after too) is judged with the
// configuration the snapshot was taken with: its names are what was read
// (the namespace, the CronJobs, the labels, the Vault mount and paths, the
// metrics and alerts), and a name of the user's config would match nothing
// in it. A --config FILE given explicitly still decides how what was read
// is judged: its judgement settings (judgement) replace the snapshot's.
// The default config file is not applied: it describes the user's own
// environment, and a snapshot taken elsewhere is judged as it was taken
// unless the user asks.

// judgement copies onto into the settings of from that judge what was read
// rather than name what to read: the thresholds section (the token expiry
// warning and critical limits, overdueDays, rotationInterval, staleAfter,
// jobStuckAfter) and vault.retentionVersions. Every other setting names
// something to collect, bounds a collection (timeouts, log limits, scan
// concurrency) or is the dashboard's refresh, and stays into's.
func judgement(into, from config.Config) config.Config {
	into.Thresholds = from.Thresholds
	into.Vault.RetentionVersions = from.Vault.RetentionVersions
	return into
}

// judgeReplay applies the judgement settings of an explicit --config onto
// the configuration of a replayed snapshot; without --config, or live, it
// changes nothing.
func (s Settings) judgeReplay(snap *collectors.Snapshot) {
	if s.ConfigGiven && s.Offline() && snap != nil {
		snap.Config = judgement(snap.Config, s.Config)
	}
}

// noteReplay says on errOut, in one line, which settings of an explicit
// --config a replay is judged with, and that the names are the
// snapshot's; without --config, or live, it says nothing.
func (s Settings) noteReplay(errOut io.Writer) {
	if !s.ConfigGiven || !s.Offline() {
		return
	}
	t := s.Config.Thresholds
	interval := t.RotationInterval.String()
	if t.RotationInterval == 0 {
		interval = "from the CronJob's schedule"
	}
	fmt.Fprintf(errOut, "note: --config %s: the snapshot is judged with its thresholds (tokenExpiryWarning %s, tokenExpiryCritical %s, overdueDays %d, rotationInterval %s, staleAfter %s, jobStuckAfter %s) and vault.retentionVersions %d; the names (namespace, CronJobs, labels, Vault mount and paths, metrics, alerts) and what was read are the snapshot's\n",
		s.ConfigPath, t.TokenExpiryWarning, t.TokenExpiryCritical, t.OverdueDays, interval, t.StaleAfter, t.JobStuckAfter, s.Config.Vault.RetentionVersions)
}
