package actions

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
)

// Record is one action as the journal tells it: the intent written before
// it ran and the outcome written after (nil when none was written: the
// process stopped while the action ran, so its effect is unknown).
type Record struct {
	Intent  Entry  `json:"intent"`
	Outcome *Entry `json:"outcome"`
}

// ReadJournal reads a journal in its order and pairs each intent with its
// outcome by id. Lines that are not journal entries, and outcomes without
// an intent, are skipped and reported in problems ("line N: ..."), so a
// damaged journal still tells the rest. It returns an error only when r
// cannot be read.
func ReadJournal(r io.Reader) (records []Record, problems []string, err error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 4<<20)
	open := map[string]int{} // id → index in records, while waiting for its outcome
	for n := 1; sc.Scan(); n++ {
		if len(sc.Bytes()) == 0 {
			continue
		}
		var e Entry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			problems = append(problems, fmt.Sprintf("line %d: not a journal entry: %v", n, err))
			continue
		}
		switch e.Phase {
		case "intent":
			if _, dup := open[e.ID]; dup || e.ID == "" {
				problems = append(problems, fmt.Sprintf("line %d: intent %q of %s has an empty or repeated id", n, e.ID, e.Action))
			}
			open[e.ID] = len(records)
			records = append(records, Record{Intent: e})
		case "outcome":
			i, ok := open[e.ID]
			if !ok {
				problems = append(problems, fmt.Sprintf("line %d: outcome of %s (id %q) without its intent", n, e.Action, e.ID))
				continue
			}
			delete(open, e.ID)
			out := e
			records[i].Outcome = &out
		default:
			problems = append(problems, fmt.Sprintf("line %d: unknown phase %q", n, e.Phase))
		}
	}
	if err := sc.Err(); err != nil {
		return records, problems, fmt.Errorf("read journal: %w", err)
	}
	return records, problems, nil
}
