// Package auditlog reads the rotation audit trail out of pod logs: the
// runbook's
//
//	kubectl logs -l app.kubernetes.io/component=security | jq 'select(.action | contains("cmek.rotation"))'
//
// and its token-renewal check (grep VaultTokenRenewal), done in one
// streaming pass that never fails on what it reads.
//
// Logs are lines of JSON mixed with plain text. An Aggregator reads them a
// line at a time, with memory bounded by Options.MaxLineBytes whatever the
// input size, and counts what it finds in a Summary: rotation events per
// action and outcome, per-tenant history (last success, last failure and
// why), token renewals, and the lines it could not use. Field spellings
// found in the wild are accepted (tenant/tenantId/tenant_id,
// timestamp/time/ts as RFC 3339 or epoch seconds or milliseconds).
//
// To stay fast, a line is decoded only when it can matter (see
// Summary.Unexamined); decoding uses a small validating reader that agrees
// with encoding/json, checked by fuzzing.
package auditlog

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"time"
	"unicode/utf8"
)

// Defaults for the zero Options.
const (
	// DefaultActionPrefix selects the runbook's cmek.rotation.* events.
	DefaultActionPrefix = "cmek.rotation"
	// DefaultMaxLineBytes is 1 MiB.
	DefaultMaxLineBytes = 1 << 20
	// DefaultRenewalMarker is the runbook's token-renewal component.
	DefaultRenewalMarker = "VaultTokenRenewal"
	// DefaultMaxRenewalErrors is how many renewal error lines are kept.
	DefaultMaxRenewalErrors = 20
	// DefaultKeepEvents is how many of the latest events Summary.Events
	// keeps when Options.KeepEvents is zero.
	DefaultKeepEvents = 500
)

// maxKept caps the bytes kept of one message (failure reason, renewal
// line), so that memory stays bounded by the number of tenants.
const maxKept = 1024

// Options tune an Aggregator. The zero value follows the runbook.
type Options struct {
	// ActionPrefix selects the events: objects whose "action" starts with
	// it. Default "cmek.rotation".
	ActionPrefix string
	// MaxLineBytes is the longest line read, not counting the "\n"; longer
	// lines are counted in Summary.Oversized and skipped without being held
	// in memory. Default 1 MiB.
	MaxLineBytes int
	// RenewalMarker marks the token-renewal lines. Default
	// "VaultTokenRenewal".
	RenewalMarker string
	// MaxRenewalErrors is how many of the last renewal error lines are kept
	// (Summary.Renewals.RecentErrors). Zero means 20; negative keeps none.
	MaxRenewalErrors int
	// Redact, when set, is applied to every message kept (failure reasons,
	// renewal lines) before it is stored.
	Redact func(string) string
	// KeepEvents is how many of the latest events are kept whole
	// (Summary.RecentEvents), for a view of the event stream. Zero means
	// DefaultKeepEvents; negative keeps none.
	KeepEvents int
	// Phrases are counted: the lines holding each, anywhere, JSON or not
	// (Summary.Phrases), matched as given (case counts). Empty phrases and
	// phrases holding a line end are left out.
	Phrases []string
}

// Aggregator accumulates the Summary of one or more log streams.
//
// An Aggregator is not safe for concurrent use: call its methods from one
// goroutine at a time. To read several pods in parallel, give each
// goroutine its own Aggregator and Merge their Results into one.
type Aggregator struct {
	opt        Options
	prefix     []byte
	examineAll bool // the prefix could come from any escape: decode every object line

	// Patterns that make a line worth decoding; see Summary.Unexamined.
	fMarker, fPrefix, fAudit, fEsc finder
	pairs                          pairSet  // of the four finders, in that order
	hist                           [256]int // byte counts of the first tuneSample bytes read
	sampled                        int

	sum        Summary // counters only; maps and times are kept below
	first      stamp
	last       stamp
	counts     map[string]*actionStat
	fewActions []*actionStat // the first tallyFew of counts, searched first
	initiators tally
	tenants    map[string]*tenantState
	reasons    map[string]string // failure reason as read -> as kept
	renew      renewState
	sourceSeen map[string]bool
	recent     []keptEvent // the latest events, up to 2*KeepEvents before trimming
	phrases    []phraseState

	// Reading state and per-line scratch, reused.
	bufSize  int // of buf; tests make it small to exercise long lines
	buf      []byte
	inLong   bool   // reading a line longer than buf
	longOver bool   // that line is longer than MaxLineBytes: skipping it
	long     []byte // that line so far, unless longOver
	obj      object
	scanBuf  scanBuf
	arena    []byte // unescaped member values of the current line
	source   string
	scratch  []byte
}

// stamp is an optional time.
type stamp struct {
	t  time.Time
	ok bool
}

// notAfter reports whether s is unset or not after t, so that t replaces
// it: ties go to the line read last.
func (s stamp) notAfter(t time.Time) bool { return !s.ok || !t.Before(s.t) }

func (s stamp) ptr() *time.Time {
	if !s.ok {
		return nil
	}
	t := s.t
	return &t
}

func stampOf(p *time.Time) stamp {
	if p == nil {
		return stamp{}
	}
	return stamp{t: p.UTC(), ok: true}
}

type actionStat struct {
	name     string // the action, shared by every tenant's lastAction
	outcomes tally
}

type tenantState struct {
	id                                  string // the map key, shared by kept events
	lastSuccess, lastFailure, lastEvent stamp
	successes, failures                 int
	lastAction                          string
	reason                              string // redacted
}

type renewState struct {
	ok, errs        int
	lastOK, lastErr stamp
	// recent is a ring of the last MaxRenewalErrors error lines; once it is
	// full, next is the oldest, the one replaced next. Its slots' buffers
	// are reused, so that an error line allocates nothing.
	recent []recentLine
	next   int
}

type recentLine struct {
	at     stamp
	msg    []byte // as kept: redacted, cut to maxKept
	source string
}

// bufSize is the read buffer. Lines longer than it are assembled in
// Aggregator.long, up to MaxLineBytes.
const bufSize = 256 << 10

// tuneSample is how much of the input the finders are tuned on.
const tuneSample = 64 << 10

// maxEmptyReads is how many reads returning nothing in a row make Read give
// up with io.ErrNoProgress, as bufio does.
const maxEmptyReads = 100

// New returns an Aggregator with o's zero fields set to their defaults.
func New(o Options) *Aggregator {
	if o.ActionPrefix == "" {
		o.ActionPrefix = DefaultActionPrefix
	}
	if o.MaxLineBytes <= 0 {
		o.MaxLineBytes = DefaultMaxLineBytes
	}
	if o.RenewalMarker == "" {
		o.RenewalMarker = DefaultRenewalMarker
	}
	if o.MaxRenewalErrors == 0 {
		o.MaxRenewalErrors = DefaultMaxRenewalErrors
	}
	if o.MaxRenewalErrors < 0 {
		o.MaxRenewalErrors = 0
	}
	if o.KeepEvents == 0 {
		o.KeepEvents = DefaultKeepEvents
	}
	if o.KeepEvents < 0 {
		o.KeepEvents = 0
	}
	a := &Aggregator{
		opt:        o,
		prefix:     []byte(o.ActionPrefix),
		fMarker:    finder{pat: []byte(o.RenewalMarker)},
		fPrefix:    finder{pat: []byte(o.ActionPrefix)},
		fAudit:     finder{pat: []byte("audit")},
		fEsc:       finder{pat: []byte(`\u`)},
		counts:     map[string]*actionStat{},
		initiators: newTally(),
		tenants:    map[string]*tenantState{},
		reasons:    map[string]string{},
		sourceSeen: map[string]bool{},
		bufSize:    bufSize,
		phrases:    newPhrases(o.Phrases),
	}
	// Only a \u escape can write a printable ASCII character other than
	// '"', '\\' and '/'. A prefix with anything else could be spelled with
	// other escapes or come from invalid UTF-8: then every line starting
	// with '{' is decoded.
	for _, c := range a.prefix {
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '/' {
			a.examineAll = true
		}
	}
	a.tune(nil) // the finders' first choice, before any input
	return a
}

// Read adds the lines of r to the summary, naming them source (a pod, say).
// It reads r to its end, holding at most one line (Options.MaxLineBytes)
// and a 256 KiB buffer in memory. What it reads never makes it fail: bad
// lines are counted. It returns ctx.Err() when ctx is done (checked after
// every read from r; a Read blocked in r returns only when r does, so close
// r on cancellation), or r's error other than io.EOF, wrapped with source.
// The lines read before an error stay counted; a line cut short by an
// error is not counted.
func (a *Aggregator) Read(ctx context.Context, source string, r io.Reader) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if !a.sourceSeen[source] {
		a.sourceSeen[source] = true
		a.sum.Sources = append(a.sum.Sources, source)
	}
	a.source = source
	if a.buf == nil {
		a.buf = make([]byte, a.bufSize)
	}
	buf := a.buf
	a.inLong = false
	w := 0 // buf[:w] is the beginning of a line, read but not handled
	for empty := 0; ; {
		n, err := r.Read(buf[w:])
		if n < 0 || n > len(buf)-w {
			return fmt.Errorf("read log of %s: reader returned %d bytes for a %d-byte buffer", source, n, len(buf)-w)
		}
		a.sum.Bytes += int64(n)
		if n == 0 && err == nil {
			if empty++; empty >= maxEmptyReads {
				return fmt.Errorf("read log of %s: %w", source, io.ErrNoProgress)
			}
			continue
		}
		empty = 0
		start, end := 0, w+n
		if a.sampled < tuneSample {
			a.tune(buf[w:end])
		}
		if a.inLong { // w == 0
			if i := bytes.IndexByte(buf[:end], '\n'); i < 0 {
				a.longMore(buf[:end])
				start = end
			} else {
				a.longMore(buf[:i+1])
				a.longDone()
				start = i + 1
			}
		}
		if !a.inLong {
			if last := bytes.LastIndexByte(buf[start:end], '\n'); last >= 0 {
				a.block(buf[start : start+last+1])
				start += last + 1
			}
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				if a.inLong {
					a.longDone()
				} else if start < end {
					a.block(buf[start:end]) // the last line, without "\n"
				}
				return nil
			}
			if ctxErr := ctx.Err(); ctxErr != nil && errors.Is(err, ctxErr) {
				return ctxErr
			}
			return fmt.Errorf("read log of %s: %w", source, err)
		}
		w = copy(buf, buf[start:end])
		if w == len(buf) { // a line longer than the buffer
			a.inLong, a.longOver, a.long = true, false, a.long[:0]
			a.longMore(buf)
			w = 0
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}

// longMore adds b to the long line being read, or drops it once the line
// is known to be oversized.
func (a *Aggregator) longMore(b []byte) {
	if a.longOver {
		return
	}
	n := len(a.long) + len(b)
	if len(b) > 0 && b[len(b)-1] == '\n' {
		n--
	}
	if n > a.opt.MaxLineBytes {
		a.longOver, a.long = true, a.long[:0]
		return
	}
	a.long = append(a.long, b...)
}

// longDone counts the long line just read.
func (a *Aggregator) longDone() {
	a.inLong = false
	if a.longOver {
		a.sum.Lines++
		a.sum.Oversized++
	} else {
		a.block(a.long)
	}
	a.long = a.long[:0]
}

// finder finds a pattern in a line. It looks for the pattern's byte that
// is rarest in the input (see tune) with bytes.IndexByte, which then skips
// most of the text; bytes.Index looks for the first byte, and "audit"
// starts with a letter found every twenty bytes of a JSON log. With AVX2
// it looks for the pattern's pair of bytes rarest together instead (see
// indexPair): no byte of "audit" is rare, 'u' is found every 60 bytes.
type finder struct {
	pat  []byte
	rare int // index in pat of the byte searched for
	// p0 < p1 index in pat the two bytes searched for together, when
	// len(pat) >= 2.
	p0, p1 int
}

// tune picks the pattern byte least frequent in hist, a byte histogram of
// a sample of the input, and the pair of bytes whose frequencies have the
// least product.
func (f *finder) tune(hist *[256]int) {
	f.rare = 0
	for i, c := range f.pat {
		if hist[c] < hist[f.pat[f.rare]] {
			f.rare = i
		}
	}
	f.p0, f.p1 = 0, 1
	best := -1
	for i := range f.pat {
		for j := i + 1; j < len(f.pat) && j-i < maxPairDist; j++ {
			if w := hist[f.pat[i]] * hist[f.pat[j]]; best < 0 || w < best {
				f.p0, f.p1, best = i, j, w
			}
		}
	}
}

// index returns bytes.Index(s, f.pat).
func (f *finder) index(s []byte) int {
	n := len(f.pat)
	if n == 0 {
		return 0
	}
	if n >= 2 && useAVX2 {
		return f.indexPair(s)
	}
	return f.indexRare(s)
}

// indexRare is index looking for the byte at rare.
func (f *finder) indexRare(s []byte) int {
	n, r := len(f.pat), f.rare
	if n == 0 {
		return 0
	}
	c := f.pat[r]
	// A match starting at p has c at p+r, and p+n <= len(s).
	for lo, hi := r, len(s)-n+r+1; lo < hi; {
		j := bytes.IndexByte(s[lo:hi], c)
		if j < 0 {
			return -1
		}
		if p := lo + j - r; string(s[p:p+n]) == string(f.pat) {
			return p
		}
		lo += j + 1
	}
	return -1
}

// indexPair is index looking for the bytes at p0 and p1 together.
func (f *finder) indexPair(s []byte) int {
	n, r, d := len(f.pat), f.p0, f.p1-f.p0
	c0, c1 := f.pat[f.p0], f.pat[f.p1]
	// A match starting at p has c0 at p+r and c1 at p+r+d, and p+n <=
	// len(s): c0 is looked for in [lo, hi), and hi+d <= len(s).
	for lo, hi := r, len(s)-n+r+1; lo < hi; {
		j := indexPair(s[lo:hi+d], c0, c1, d)
		if j < 0 {
			return -1
		}
		if p := lo + j - r; string(s[p:p+n]) == string(f.pat) {
			return p
		}
		lo += j + 1
	}
	return -1
}

// in reports whether the pattern occurs in b.
func (f *finder) in(b []byte) bool { return f.index(b) >= 0 }

// tune adds b, newly read, to the sample of the input and chooses again,
// for each pattern, the byte to search for.
func (a *Aggregator) tune(b []byte) {
	for _, c := range b {
		a.hist[c]++
	}
	a.sampled += len(b)
	for k, f := range []*finder{&a.fMarker, &a.fPrefix, &a.fAudit, &a.fEsc} {
		f.tune(&a.hist)
		a.pairs.set(k, f)
	}
}

// block handles whole lines: each ends with "\n" but the last may not.
func (a *Aggregator) block(b []byte) {
	for start := 0; start < len(b); {
		end, next := len(b), len(b)
		if i := bytes.IndexByte(b[start:], '\n'); i >= 0 {
			end, next = start+i, start+i+1
		}
		a.line(b[start:end])
		start = next
	}
	if len(a.phrases) > 0 {
		a.findPhrases(b)
	}
}

// line classifies and counts the line b ("\n" excluded).
func (a *Aggregator) line(b []byte) {
	a.sum.Lines++
	if len(b) > a.opt.MaxLineBytes {
		a.sum.Oversized++
		return
	}
	i := 0
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	if i == len(b) {
		a.sum.Blank++
		return
	}
	if b[i] != '{' {
		a.sum.NotJSON++
		if a.fMarker.in(b) {
			a.plainRenewal(b)
		}
		return
	}
	// One pass over the line rules out most of the four patterns; the
	// finders look only for those it could not.
	maybe := a.pairs.candidates(b)
	renewal := maybe&1 != 0 && a.fMarker.in(b)
	if !renewal && !a.examineAll &&
		!(maybe&2 != 0 && a.fPrefix.in(b)) && !(maybe&4 != 0 && a.fAudit.in(b)) && !(maybe&8 != 0 && a.fEsc.in(b)) {
		a.sum.Unexamined++
		return
	}
	if !scanObject(b, &a.obj, &a.scanBuf) {
		a.sum.NotJSON++
		if renewal {
			a.plainRenewal(b)
		}
		return
	}
	a.sum.Objects++
	a.arena = a.arena[:0]
	o := &a.obj
	if t, ok := o.m[fType].str(&a.arena); ok && string(t) == "audit" {
		a.sum.AuditTypeEvents++
	}
	if renewal {
		a.jsonRenewal(b)
	}
	action, ok := o.m[fAction].str(&a.arena)
	if !ok {
		if !renewal {
			a.sum.MissingAction++
		}
		return
	}
	if bytes.HasPrefix(action, a.prefix) {
		a.event(action)
	}
}

// event counts the current object, an event with the given action.
func (a *Aggregator) event(action []byte) {
	o := &a.obj
	a.sum.Events++
	at, dated := a.when()
	if dated {
		if !a.first.ok || at.Before(a.first.t) {
			a.first = stamp{at, true}
		}
		if a.last.notAfter(at) {
			a.last = stamp{at, true}
		}
	} else {
		a.sum.UndatedEvents++
	}

	outcomeBytes, _ := o.m[fOutcome].str(&a.arena)
	st := a.action(action)
	outcome := st.outcomes.add(outcomeBytes, 1) // shared by every event with it
	if init, _ := o.m[fInitiator].str(&a.arena); len(init) > 0 {
		a.initiators.add(init, 1)
	}
	success := isSuccess(outcomeBytes)
	failure := !success && isFailure(outcomeBytes)

	tenant := a.tenant()
	var ts *tenantState
	if tenant != nil {
		ts = a.tenants[string(tenant)]
		if ts == nil {
			ts = &tenantState{id: string(tenant)}
			a.tenants[ts.id] = ts
		}
	}
	ev := keptEvent{e: Event{Action: st.name, Outcome: outcome, Source: a.source}, at: at}
	if ts != nil {
		ev.e.Tenant = ts.id
	}
	if !dated {
		ev.at = time.Time{}
	}
	// The failure's reason, kept once for the event and the tenant.
	reason, haveReason := "", false
	if a.opt.KeepEvents > 0 && failure {
		reason, haveReason = a.keepReason(a.reason()), true
		ev.e.Reason = reason // this event's own reason
	}
	a.pushEvent(ev)
	if ts == nil {
		return
	}
	if dated && ts.lastEvent.notAfter(at) || !dated && !ts.lastEvent.ok {
		if dated {
			ts.lastEvent = stamp{at, true}
		}
		ts.lastAction = st.name
	}
	switch {
	case success:
		ts.successes++
		if dated && ts.lastSuccess.notAfter(at) {
			ts.lastSuccess = stamp{at, true}
		}
	case failure:
		ts.failures++
		if dated && ts.lastFailure.notAfter(at) || !dated && !ts.lastFailure.ok {
			if dated {
				ts.lastFailure = stamp{at, true}
			}
			if !haveReason {
				reason = a.keepReason(a.reason())
			}
			ts.reason = reason
		}
	}
}

// action returns the counters of the action name, made when new.
func (a *Aggregator) action(name []byte) *actionStat {
	for _, st := range a.fewActions {
		if st.name == string(name) {
			return st
		}
	}
	st := a.counts[string(name)]
	if st == nil {
		st = &actionStat{name: string(name), outcomes: newTally()}
		a.counts[st.name] = st
	}
	if len(a.fewActions) < tallyFew {
		a.fewActions = append(a.fewActions, st)
	}
	return st
}

// tally counts occurrences of keys. A log holds a handful of distinct
// actions, outcomes and initiators, so the first tallyFew keys are also
// kept in a short slice searched before the map: comparing a few strings
// is cheaper than hashing the key.
type tally struct {
	m   map[string]*tallyEntry
	few []*tallyEntry // the first entries of m
}

type tallyEntry struct {
	key string
	n   int
}

// tallyFew is how many keys a tally, and Aggregator.fewActions, search
// before the map.
const tallyFew = 8

func newTally() tally { return tally{m: map[string]*tallyEntry{}} }

// add adds n to k's count and returns k as stored, one string shared by
// every caller with the same key.
func (t *tally) add(k []byte, n int) string {
	for _, e := range t.few {
		if e.key == string(k) {
			e.n += n
			return e.key
		}
	}
	e := t.m[string(k)]
	if e == nil {
		e = &tallyEntry{key: string(k)}
		t.m[e.key] = e
		if len(t.few) < tallyFew {
			t.few = append(t.few, e)
		}
	}
	e.n += n
	return e.key
}

// counts returns the tally as a plain map.
func (t *tally) counts() map[string]int {
	m := make(map[string]int, len(t.m))
	for k, e := range t.m {
		m[k] = e.n
	}
	return m
}

// keptEvent is an Event with its time held by value (no allocation per
// event); the zero time means undated.
type keptEvent struct {
	e  Event
	at time.Time
}

// pushEvent keeps ev among the latest events.
func (a *Aggregator) pushEvent(ev keptEvent) {
	keep := a.opt.KeepEvents
	if keep == 0 {
		return
	}
	if len(a.recent) >= 2*keep {
		n := copy(a.recent, a.recent[len(a.recent)-keep+1:])
		clear(a.recent[n:])
		a.recent = a.recent[:n]
	}
	a.recent = append(a.recent, ev)
}

// latestEvents sorts events by time, undated ones first, read order kept
// among equals, and returns the latest keep of them.
func latestEvents(evs []keptEvent, keep int) []keptEvent {
	out := append([]keptEvent(nil), evs...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].at.Before(out[j].at) })
	if len(out) > keep {
		out = out[len(out)-keep:]
	}
	return out
}

// events turns kept events into Events, each with its own time.
func events(kept []keptEvent) []Event {
	out := make([]Event, len(kept))
	for i, k := range kept {
		out[i] = k.e
		if !k.at.IsZero() {
			t := k.at
			out[i].Time = &t
		}
	}
	return out
}

// isSuccess reports whether a tenant's event is a success. (Any event with
// outcome "success" that names a tenant is one, whatever its action: a
// ".completed" is not required.)
func isSuccess(outcome []byte) bool {
	return bytes.EqualFold(outcome, []byte("success"))
}

// isFailure reports whether outcome says the event failed.
func isFailure(outcome []byte) bool {
	return bytes.EqualFold(outcome, []byte("failure")) ||
		bytes.EqualFold(outcome, []byte("failed")) ||
		bytes.EqualFold(outcome, []byte("error"))
}

// tenant returns the current object's tenant: the first non-empty of
// tenant, tenantId and tenant_id (a string, or a number's literal).
func (a *Aggregator) tenant() []byte {
	for _, f := range [...]field{fTenant, fTenantID, fTenantIDSnake} {
		m := a.obj.m[f]
		if m.kind == kindNumber {
			return m.b
		}
		if s, ok := m.str(&a.arena); ok && len(s) > 0 {
			return s
		}
	}
	return nil
}

// reason returns the current object's first non-empty string among reason,
// error and message.
func (a *Aggregator) reason() []byte {
	for _, f := range [...]field{fReason, fError, fMessage} {
		if s, ok := a.obj.m[f].str(&a.arena); ok && len(s) > 0 {
			return s
		}
	}
	return nil
}

// jsonRenewal counts a renewal line that is a JSON object (the current one).
func (a *Aggregator) jsonRenewal(line []byte) {
	o := &a.obj
	msg, ok := o.m[fMsg].str(&a.arena)
	if !ok || len(msg) == 0 {
		msg, _ = o.m[fMessage].str(&a.arena)
	}
	errText, _ := o.m[fError].str(&a.arena)
	switch {
	case len(errText) > 0 && len(msg) > 0 && !bytes.Contains(msg, errText):
		a.scratch = append(append(append(a.scratch[:0], msg...), ": "...), errText...)
		msg = a.scratch
	case len(msg) == 0 && len(errText) > 0:
		msg = errText
	case len(msg) == 0:
		msg = bytes.TrimSpace(line)
	}
	level, ok := o.m[fLevel].str(&a.arena)
	if !ok {
		level, _ = o.m[fSeverity].str(&a.arena)
	}
	at, dated := a.when()
	isErr := bytes.EqualFold(level, []byte("error")) || bytes.EqualFold(level, []byte("err")) ||
		bytes.EqualFold(level, []byte("fatal")) || mentionsFailure(msg)
	a.renewal(isErr, msg, stamp{at, dated})
}

// plainRenewal counts a renewal line that is not a JSON object.
func (a *Aggregator) plainRenewal(line []byte) {
	line = bytes.TrimSpace(line)
	var at stamp
	tok := line
	if i := bytes.IndexAny(tok, " \t"); i >= 0 {
		tok = tok[:i]
	}
	if t, ok := parseRFC3339(tok); ok {
		at = stamp{t, true}
	}
	a.renewal(mentionsFailure(line), line, at)
}

func (a *Aggregator) renewal(isErr bool, msg []byte, at stamp) {
	r := &a.renew
	if !isErr {
		r.ok++
		if at.ok && r.lastOK.notAfter(at.t) {
			r.lastOK = at
		}
		return
	}
	r.errs++
	if at.ok && r.lastErr.notAfter(at.t) {
		r.lastErr = at
	}
	if a.opt.MaxRenewalErrors == 0 {
		return
	}
	l := a.pushRecent(at, a.source)
	l.msg = a.keepAppend(l.msg[:0], msg)
}

// pushRecent returns the slot of a new recent renewal error, its message
// to be written over; MaxRenewalErrors must be positive.
func (a *Aggregator) pushRecent(at stamp, source string) *recentLine {
	r := &a.renew
	var l *recentLine
	if len(r.recent) < a.opt.MaxRenewalErrors {
		r.recent = append(r.recent, recentLine{})
		l = &r.recent[len(r.recent)-1]
	} else {
		l = &r.recent[r.next]
		r.next = (r.next + 1) % len(r.recent)
	}
	l.at, l.source = at, source
	return l
}

// mentionsFailure reports whether b contains "fail" or "error", in any case.
func mentionsFailure(b []byte) bool {
	return containsFoldASCII(b, "fail") || containsFoldASCII(b, "error")
}

// containsFoldASCII reports whether b contains the lower-case ASCII word w,
// ignoring ASCII case.
func containsFoldASCII(b []byte, w string) bool {
	for i := 0; i+len(w) <= len(b); i++ {
		if b[i]|0x20 != w[0] {
			continue
		}
		j := 1
		for j < len(w) && b[i+j]|0x20 == w[j] {
			j++
		}
		if j == len(w) {
			return true
		}
	}
	return false
}

// maxReasons bounds the cache of failure reasons.
const maxReasons = 1024

// keepReason is keep for failure reasons, which repeat: each distinct
// reason is kept once (up to maxReasons of them) and shared.
func (a *Aggregator) keepReason(r []byte) string {
	if k, ok := a.reasons[string(r)]; ok {
		return k
	}
	k := a.keep(r)
	if len(a.reasons) < maxReasons {
		a.reasons[string(r)] = k
	}
	return k
}

// keep turns a message into the string stored: redacted, then cut to
// maxKept bytes at a character boundary.
func (a *Aggregator) keep(b []byte) string {
	s := string(b)
	if a.opt.Redact != nil {
		s = a.opt.Redact(s)
	}
	if len(s) > maxKept {
		cut := maxKept
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

// keepAppend appends to dst what keep returns for b, without allocating
// when there is no Options.Redact.
func (a *Aggregator) keepAppend(dst, b []byte) []byte {
	if a.opt.Redact != nil {
		return append(dst, a.keep(b)...)
	}
	if len(b) > maxKept {
		cut := maxKept
		for cut > 0 && !utf8.RuneStart(b[cut]) {
			cut--
		}
		return append(append(dst, b[:cut]...), "…"...)
	}
	return append(dst, b...)
}

// LineCounts are the parse counters of what was read so far, for telling
// per source how much of it could be used.
type LineCounts struct {
	Lines     int `json:"lines"`
	NotJSON   int `json:"notJSON"`
	Oversized int `json:"oversized"`
	Events    int `json:"events"`
}

// Counts returns the parse counters of everything read so far; cheap
// (no copy of the maps), so it can be taken before and after each source.
func (a *Aggregator) Counts() LineCounts {
	return LineCounts{Lines: a.sum.Lines, NotJSON: a.sum.NotJSON, Oversized: a.sum.Oversized, Events: a.sum.Events}
}

// Sub is c minus an earlier reading.
func (c LineCounts) Sub(before LineCounts) LineCounts {
	return LineCounts{Lines: c.Lines - before.Lines, NotJSON: c.NotJSON - before.NotJSON, Oversized: c.Oversized - before.Oversized, Events: c.Events - before.Events}
}

// Result returns the summary of everything read so far. It is a copy: later
// Reads do not change it.
func (a *Aggregator) Result() Summary {
	s := a.sum
	s.Sources = append([]string{}, a.sum.Sources...)
	s.FirstEvent = a.first.ptr()
	s.LastEvent = a.last.ptr()
	s.Counts = make(map[string]map[string]int, len(a.counts))
	for action, st := range a.counts {
		s.Counts[action] = st.outcomes.counts()
	}
	s.Initiators = a.initiators.counts()
	s.Tenants = make(map[string]TenantSummary, len(a.tenants))
	for id, t := range a.tenants {
		s.Tenants[id] = TenantSummary{
			LastSuccess:       t.lastSuccess.ptr(),
			LastFailure:       t.lastFailure.ptr(),
			LastFailureReason: t.reason,
			Successes:         t.successes,
			Failures:          t.failures,
			LastAction:        t.lastAction,
			LastEvent:         t.lastEvent.ptr(),
		}
	}
	r := a.renew
	s.Renewals = RenewalSummary{
		OK:           r.ok,
		Errors:       r.errs,
		LastOK:       r.lastOK.ptr(),
		LastError:    r.lastErr.ptr(),
		RecentErrors: []RenewalLine{},
	}
	for _, l := range append(r.recent[r.next:len(r.recent):len(r.recent)], r.recent[:r.next]...) { // oldest first
		s.Renewals.RecentErrors = append(s.Renewals.RecentErrors, RenewalLine{Time: l.at.ptr(), Message: string(l.msg), Source: l.source})
	}
	s.RecentEvents = events(latestEvents(a.recent, a.opt.KeepEvents))
	s.Phrases = a.phraseResult()
	return s
}

// Merge adds other, the Result of another Aggregator, to a's summary, as if
// a had read other's input after its own: counts add up, the latest times
// win (other's on a tie), other's recent renewal errors come after a's.
// It never fails.
func (a *Aggregator) Merge(other Summary) {
	s := &a.sum
	s.Lines += other.Lines
	s.Bytes += other.Bytes
	s.Blank += other.Blank
	s.Oversized += other.Oversized
	s.NotJSON += other.NotJSON
	s.Objects += other.Objects
	s.Unexamined += other.Unexamined
	s.MissingAction += other.MissingAction
	s.Events += other.Events
	s.UndatedEvents += other.UndatedEvents
	s.AuditTypeEvents += other.AuditTypeEvents
	if keep := a.opt.KeepEvents; keep > 0 && len(other.RecentEvents) > 0 {
		all := a.recent
		for _, e := range other.RecentEvents {
			k := keptEvent{e: e}
			if e.Time != nil {
				k.at = *e.Time
			}
			k.e.Time = nil
			all = append(all, k)
		}
		a.recent = latestEvents(all, keep)
	}
	for _, src := range other.Sources {
		if !a.sourceSeen[src] {
			a.sourceSeen[src] = true
			s.Sources = append(s.Sources, src)
		}
	}
	if f := stampOf(other.FirstEvent); f.ok && (!a.first.ok || f.t.Before(a.first.t)) {
		a.first = f
	}
	if l := stampOf(other.LastEvent); l.ok && a.last.notAfter(l.t) {
		a.last = l
	}
	for action, outcomes := range other.Counts {
		st := a.action([]byte(action))
		for o, n := range outcomes {
			st.outcomes.add([]byte(o), n)
		}
	}
	for k, n := range other.Initiators {
		a.initiators.add([]byte(k), n)
	}
	for id, o := range other.Tenants {
		t := a.tenants[id]
		if t == nil {
			// its id too: events read after the merge name it
			t = &tenantState{id: id}
			a.tenants[id] = t
		}
		t.successes += o.Successes
		t.failures += o.Failures
		if s := stampOf(o.LastSuccess); s.ok && t.lastSuccess.notAfter(s.t) {
			t.lastSuccess = s
		}
		if e := stampOf(o.LastEvent); e.ok && t.lastEvent.notAfter(e.t) || !e.ok && !t.lastEvent.ok && o.LastAction != "" {
			if e.ok {
				t.lastEvent = e
			}
			t.lastAction = o.LastAction
		}
		if f := stampOf(o.LastFailure); f.ok && t.lastFailure.notAfter(f.t) || !f.ok && !t.lastFailure.ok && o.Failures > 0 {
			if f.ok {
				t.lastFailure = f
			}
			t.reason = o.LastFailureReason
		}
	}
	a.mergePhrases(other.Phrases)
	r := &a.renew
	r.ok += other.Renewals.OK
	r.errs += other.Renewals.Errors
	if t := stampOf(other.Renewals.LastOK); t.ok && r.lastOK.notAfter(t.t) {
		r.lastOK = t
	}
	if t := stampOf(other.Renewals.LastError); t.ok && r.lastErr.notAfter(t.t) {
		r.lastErr = t
	}
	if a.opt.MaxRenewalErrors > 0 {
		for _, l := range other.Renewals.RecentErrors {
			p := a.pushRecent(stampOf(l.Time), l.Source)
			p.msg = append(p.msg[:0], l.Message...)
		}
	}
}

// String returns a one-line digest of s, for logs and the command line.
func (s Summary) String() string {
	return fmt.Sprintf("lines=%d bytes=%d events=%d undated=%d tenants=%d audit=%d notJSON=%d missingAction=%d oversized=%d unexamined=%d renewals.ok=%d renewals.errors=%d",
		s.Lines, s.Bytes, s.Events, s.UndatedEvents, len(s.Tenants), s.AuditTypeEvents, s.NotJSON, s.MissingAction, s.Oversized, s.Unexamined, s.Renewals.OK, s.Renewals.Errors)
}
