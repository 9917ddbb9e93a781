package actions

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Entry is one journal line. It never holds a token or a secret value.
type Entry struct {
	Time   time.Time `json:"time"`
	ID     string    `json:"id"`    // the same for an intent and its outcome
	Phase  string    `json:"phase"` // intent, outcome
	Action string    `json:"action"`
	Target string    `json:"target"`
	// Who: the Kubernetes user and the Vault token's accessor/entity.
	Who     Identity `json:"who"`
	Reason  string   `json:"reason,omitempty"`
	Command string   `json:"command,omitempty"`
	// Changes are the plan's typed changes (intent lines; absent from
	// lines written before they were journaled).
	Changes []Change `json:"changes,omitempty"`
	// Outcome is one of the Outcome* constants: ok, failed, refused (not
	// permitted: nothing was tried), unchecked (the permissions could not
	// be checked: nothing was tried), stale (changed since the plan:
	// nothing was changed), unknown (sent, no answer: it may have been
	// applied), interrupted (by the operator).
	Outcome string  `json:"outcome,omitempty"`
	Result  *Result `json:"result,omitempty"`
	Error   string  `json:"error,omitempty"`
}

// Identity says who acted, without any credential.
type Identity struct {
	KubeUser      string `json:"kubeUser,omitempty"`
	VaultAccessor string `json:"vaultAccessor,omitempty"`
	VaultEntity   string `json:"vaultEntity,omitempty"`
}

// String is who acted, as the journal's readers show it: "kubernetes
// USER · vault entity ID · vault accessor A", the parts known.
func (i Identity) String() string {
	var who []string
	if i.KubeUser != "" {
		who = append(who, "kubernetes "+i.KubeUser)
	}
	if i.VaultEntity != "" {
		who = append(who, "vault entity "+i.VaultEntity)
	}
	if i.VaultAccessor != "" {
		who = append(who, "vault accessor "+i.VaultAccessor)
	}
	return strings.Join(who, " · ")
}

// Journal is an append-only JSON-lines file, mode 0600, synced after every
// line.
type Journal struct {
	mu   sync.Mutex
	path string
}

// OpenJournal checks that the journal can be appended to (creating it and
// its folder when missing). It returns an error naming the path when it
// cannot: then no action may run.
func OpenJournal(path string) (*Journal, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("journal %s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, fmt.Errorf("journal %s: %w", path, err)
	}
	// an existing journal readable by others (made by hand, copied) is
	// tightened: its reasons, commands and accessors are the operator's
	if fi, err := f.Stat(); err == nil && fi.Mode().Perm()&0o077 != 0 {
		if err := f.Chmod(0o600); err != nil {
			f.Close()
			return nil, fmt.Errorf("journal %s is readable by others (%v) and cannot be made 0600: %w", path, fi.Mode().Perm(), err)
		}
	}
	return &Journal{path: path}, f.Close()
}

// Path is the journal's file.
func (j *Journal) Path() string { return j.path }

// Append writes one line and syncs it to disk.
func (j *Journal) Append(e Entry) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	b, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	f, err := os.OpenFile(j.path, os.O_APPEND|os.O_RDWR, 0o600)
	if err != nil {
		return fmt.Errorf("journal %s: %w", j.path, err)
	}
	line := append(b, '\n')
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("journal %s: %w", j.path, err)
	}
	size := fi.Size()
	if size > 0 {
		// a line torn by an earlier write that failed part way (a full
		// disk, a crash) is ended first: this one must be whole, not
		// glued to it and unreadable with it
		last := make([]byte, 1)
		if _, err := f.ReadAt(last, size-1); err == nil && last[0] != '\n' {
			line = append([]byte{'\n'}, line...)
		}
	}
	if _, err := f.Write(line); err != nil {
		// what was written of it is cut off again, where the file allows
		_ = f.Truncate(size)
		f.Close()
		return fmt.Errorf("journal %s: %w", j.path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("journal %s: sync: %w", j.path, err)
	}
	return f.Close()
}
