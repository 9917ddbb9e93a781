package auditlog

import (
	"bytes"
	"time"
)

// PhraseCount is how many lines held one of Options.Phrases, and the
// latest of them.
type PhraseCount struct {
	// Phrase is the phrase, as given.
	Phrase string `json:"phrase"`
	// Lines counts the lines holding it (a line holding it twice counts
	// once). Oversized lines are not searched.
	Lines int `json:"lines"`
	// Last is the last line holding it in the log it was read from (a log
	// is in time order); of several sources, the latest dated one. Nil when
	// Lines is 0.
	Last *PhraseLine `json:"last,omitempty"`
}

// PhraseLine is a line holding a phrase.
type PhraseLine struct {
	// Time is the line's time, read as a RenewalLine's; nil when it has none.
	Time *time.Time `json:"time,omitempty"`
	// Text is the line, trimmed, redacted with Options.Redact and cut to 1 KiB.
	Text string `json:"text"`
	// Source is the source it was read from.
	Source string `json:"source"`
}

// phraseState counts one phrase.
type phraseState struct {
	pat    []byte
	lines  int
	last   stamp
	have   bool // text and source hold a line
	text   string
	source string
}

// newPhrases keeps the phrases that can be found in a line: not empty, no
// line end, each once.
func newPhrases(ps []string) []phraseState {
	var out []phraseState
	for _, p := range ps {
		if p == "" || bytes.ContainsAny([]byte(p), "\n") {
			continue
		}
		dup := false
		for _, o := range out {
			dup = dup || string(o.pat) == p
		}
		if !dup {
			out = append(out, phraseState{pat: []byte(p)})
		}
	}
	return out
}

// findPhrases counts the lines of b (whole lines, as block takes them) that
// hold each phrase. It looks through the block, not line by line: a phrase
// is rare, and bytes.Index skips to it; only the block's last line holding
// it is read for its time and kept (a log is in time order).
func (a *Aggregator) findPhrases(b []byte) {
	for k := range a.phrases {
		ps := &a.phrases[k]
		last := -1
		lastEnd := 0
		for off := 0; off < len(b); {
			i := bytes.Index(b[off:], ps.pat)
			if i < 0 {
				break
			}
			p := off + i
			start := bytes.LastIndexByte(b[:p], '\n') + 1
			end := len(b)
			if j := bytes.IndexByte(b[p:], '\n'); j >= 0 {
				end = p + j
			}
			if end-start <= a.opt.MaxLineBytes {
				ps.lines++
				last, lastEnd = start, end
			}
			off = end + 1
		}
		if last >= 0 {
			a.phraseLine(ps, b[last:lastEnd])
		}
	}
}

// phraseLine keeps line, the latest line of the current source holding
// ps's phrase: it replaces a line kept from the same source (read before
// it), or from another when it is dated and not before that one (or that
// one is undated).
func (a *Aggregator) phraseLine(ps *phraseState, line []byte) {
	at := a.lineTime(line)
	if ps.have && ps.source != a.source && !(at.ok && ps.last.notAfter(at.t)) {
		return
	}
	ps.last = at
	ps.have, ps.text, ps.source = true, a.keep(bytes.TrimSpace(line)), a.source
}

// lineTime is a line's time: a JSON object's, read as an event's, or a
// plain line's leading RFC 3339 time.
func (a *Aggregator) lineTime(line []byte) stamp {
	line = bytes.TrimSpace(line)
	if len(line) > 0 && line[0] == '{' {
		if !scanObject(line, &a.obj, &a.scanBuf) {
			return stamp{}
		}
		a.arena = a.arena[:0]
		at, ok := a.when()
		return stamp{at, ok}
	}
	tok := line
	if i := bytes.IndexAny(tok, " \t"); i >= 0 {
		tok = tok[:i]
	}
	if t, ok := parseRFC3339(tok); ok {
		return stamp{t.UTC(), true}
	}
	return stamp{}
}

// phraseResult is the phrases' counts, in Options.Phrases' order.
func (a *Aggregator) phraseResult() []PhraseCount {
	if len(a.phrases) == 0 {
		return nil
	}
	out := make([]PhraseCount, len(a.phrases))
	for k, ps := range a.phrases {
		out[k] = PhraseCount{Phrase: string(ps.pat), Lines: ps.lines}
		if ps.have {
			out[k].Last = &PhraseLine{Time: ps.last.ptr(), Text: ps.text, Source: ps.source}
		}
	}
	return out
}

// mergePhrases adds other's counts; a phrase a does not count is added.
func (a *Aggregator) mergePhrases(other []PhraseCount) {
	for _, o := range other {
		k := -1
		for i := range a.phrases {
			if string(a.phrases[i].pat) == o.Phrase {
				k = i
			}
		}
		if k < 0 {
			a.phrases = append(a.phrases, phraseState{pat: []byte(o.Phrase)})
			k = len(a.phrases) - 1
		}
		ps := &a.phrases[k]
		ps.lines += o.Lines
		if o.Last == nil {
			continue
		}
		if at := stampOf(o.Last.Time); !ps.have || at.ok && ps.last.notAfter(at.t) {
			ps.last = at
			ps.have, ps.text, ps.source = true, o.Last.Text, o.Last.Source
		}
	}
}

// Phrase returns the count of phrase in s, and whether s counted it.
func (s Summary) Phrase(phrase string) (PhraseCount, bool) {
	for _, p := range s.Phrases {
		if p.Phrase == phrase {
			return p, true
		}
	}
	return PhraseCount{}, false
}
