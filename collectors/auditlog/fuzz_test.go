package auditlog

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors/auditlog/internal/corpus"
)

// refObject is what encoding/json makes of a line: its members, and whether
// the line is exactly one JSON object.
func refObject(line []byte) (map[string]json.RawMessage, bool) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(line, &m); err != nil || m == nil { // "null" decodes to a nil map
		return nil, false
	}
	return m, true
}

// refString decodes a raw member as encoding/json does, if it is a string.
func refString(tb testing.TB, raw json.RawMessage) (string, bool) {
	tb.Helper()
	if len(raw) == 0 || raw[0] != '"' {
		return "", false
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		tb.Fatalf("encoding/json accepted %q in an object but not alone: %v", raw, err)
	}
	return s, true
}

// checkScan fails tb unless scanObject agrees with encoding/json on line:
// same verdict, and for every member the aggregator reads, the same kind
// and the same decoded value; with and without the quote bitmap of plain
// lines, and with the bitmap made a byte at a time or 32 bytes at a time.
func checkScan(tb testing.TB, line []byte) {
	tb.Helper()
	m, want := refObject(line)
	for _, quoteMap := range []bool{false, true} {
		checkScanIn(tb, line, quoteMap, m, want)
	}
	checkQuotes(tb, trimSpaceRight(line))
}

// checkQuotes fails tb unless plainQuotes and classifyGeneric agree with
// a plain reading of s.
func checkQuotes(tb testing.TB, s []byte) {
	tb.Helper()
	plain := !bytes.ContainsFunc(s, func(r rune) bool { return r == '\\' || r < 0x20 || r >= 0x80 })
	want := make([]uint64, (len(s)+63)/64)
	for i, c := range s {
		if c == '"' {
			want[i/64] |= 1 << (i % 64)
		}
	}
	var sb scanBuf
	sb.quotes = []uint64{^uint64(0), ^uint64(0)} // stale bits must not survive
	got := sb.plainQuotes(s)
	if (got != nil) != plain || got != nil && !slices.Equal(got, want) {
		tb.Fatalf("plainQuotes(%q) = %x, want %x (plain %v)", s, got, want, plain)
	}
	gen := make([]uint64, len(want))
	if p := classifyGeneric(s, gen); p != plain || !slices.Equal(gen, want) {
		tb.Fatalf("classifyGeneric(%q) = %v, %x; want %v, %x", s, p, gen, plain, want)
	}
}

func checkScanIn(tb testing.TB, line []byte, quoteMap bool, m map[string]json.RawMessage, want bool) {
	tb.Helper()
	var o object
	var sb scanBuf
	var arena []byte
	got := scanObjectIn(line, &o, &sb, quoteMap)
	if got != want {
		tb.Fatalf("scanObjectIn(%q, quoteMap %v) = %v, encoding/json says %v", line, quoteMap, got, want)
	}
	if !got {
		return
	}
	for f := range numFields {
		name := fieldNames[f]
		raw, present := m[name]
		raw = bytes.TrimSpace(raw)
		mem := o.m[f]
		switch {
		case !present:
			if mem.kind != kindAbsent {
				tb.Fatalf("scanObject(%q): %s is kind %d, encoding/json has no such member", line, name, mem.kind)
			}
		case raw[0] == '"':
			want, _ := refString(tb, raw)
			got, ok := mem.str(&arena)
			if !ok || string(got) != want {
				tb.Fatalf("scanObject(%q): %s = %q (string %v), encoding/json says %q", line, name, got, ok, want)
			}
		case raw[0] == '-' || isDigit(raw[0]):
			if mem.kind != kindNumber || string(mem.b) != string(raw) {
				tb.Fatalf("scanObject(%q): %s = %q (kind %d), encoding/json says number %s", line, name, mem.b, mem.kind, raw)
			}
		default:
			if mem.kind != kindOther {
				tb.Fatalf("scanObject(%q): %s is kind %d, encoding/json says %s", line, name, mem.kind, raw)
			}
		}
	}
}

// checkRFC3339 fails tb unless parseRFC3339 agrees with time.Parse on s,
// and parseRFC3339Fast too when it accepts s.
func checkRFC3339(tb testing.TB, s []byte) {
	tb.Helper()
	want, err := time.Parse(time.RFC3339, string(s))
	if got, ok := parseRFC3339(s); ok != (err == nil) || ok && !got.Equal(want) {
		tb.Fatalf("parseRFC3339(%q) = %v, %v; time.Parse says %v, %v", s, got, ok, want, err)
	}
	if got, ok := parseRFC3339Fast(s); ok && (err != nil || !got.Equal(want)) {
		tb.Fatalf("parseRFC3339Fast(%q) = %v, time.Parse says %v, %v", s, got, want, err)
	}
}

func TestScanObject_matchesEncodingJSON(t *testing.T) {
	for _, in := range []string{
		`{}`, ` { } `, "\t{\r\n}\r", `{"a":1}`, `{"action":"x"}`, `{"action" : "x" , "outcome":"y"}`,
		`{"a":1,}`, `{,}`, `{"a" 1}`, `{"a":}`, `{a:1}`, `{"a":1}}`, `{"a":1`, `{"a":[}`, `{"a":{]}`, `{"a":[1,]}`,
		`{"a":{"b":1,}}`, `{"a":{"b"}}`, `{"a":{"b":1 "c":2}}`, `{"a":[1 2]}`, `{"a":[,1]}`,
		`{"ts":-0}`, `{"ts":1e5}`, `{"ts":1E+5}`, `{"ts":-}`, `{"ts":01}`, `{"ts":1.}`, `{"ts":.5}`, `{"ts":1e}`,
		`{"ts":-01}`, `{"ts":1.5e-07}`, `{"ts":+1}`, `{"ts":0x10}`, `{"ts":Infinity}`, `{"ts":NaN}`,
		`{"a":tru}`, `{"a":nul}`, `{"a":falsey}`, `{"a":true,"b":false,"c":null}`, `{"a":True}`,
		`{"action":"\x"}`, `{"action":"\u12"}`, `{"action":"\u12G4"}`, `{"action":"\'"}`, "{\"action\":\"a\tb\"}",
		"{\"action\":\"a\x7fb\"}", `{"action":"\ud800"}`, `{"action":"\udc00\ud800"}`, `{"action":"\ud800\u0041"}`,
		`{"action":"\ud83d\ude00"}`, `{"action":"\uD83D\uDE00"}`, `{"action":"\ud83d\\ude00"}`, `{"action":"\u0000"}`,
		"{\"action\":\"\xff\xfe\"}", "{\"action\":\"\xed\xa0\x80\"}", "{\"action\":\"\xc3\"}", "{\"action\":\"é\"}",
		`{"act\u0069on":"x"}`, `{"action":"a","action":1}`, `{"action":1,"action":"a"}`, `{"Action":"a"}`,
		`{"ACTION":"a"}`, `{"a\u0000ction":"a"}`, "{\"ac\xfftion\":\"a\"}", `{"type":{"action":"x"}}`,
		`[]`, `"x"`, `1`, `null`, `true`, ``, ` `, `{"a":1} {"b":2}`, "\ufeff{}", `{"a":"\/\b\f\n\r\t\"\\"}`,
		`{"a":` + strings.Repeat("[", 9999) + strings.Repeat("]", 9999) + `}`,
		`{"a":` + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + `}`,
		`{"a":` + strings.Repeat(`{"b":`, 9999) + "1" + strings.Repeat("}", 9999) + `}`,
		`{"a":` + strings.Repeat(`{"b":`, 10000) + "1" + strings.Repeat("}", 10000) + `}`,
	} {
		checkScan(t, []byte(in))
	}
}

func TestParseRFC3339_matchesTimeParse(t *testing.T) {
	for _, in := range []string{
		"2026-11-23T02:00:02Z", "2026-11-23T02:00:02.123456789Z", "2026-11-23T02:00:02.1234567891Z",
		"2026-11-23T02:00:02+02:00", "2026-11-23T02:00:02.5-05:30", "2026-02-29T00:00:00Z", "2024-02-29T00:00:00Z",
		"2000-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "2026-11-23T24:00:00Z", "2026-11-23T23:60:00Z",
		"2026-11-23T23:59:60Z", "2026-13-01T00:00:00Z", "2026-00-01T00:00:00Z", "2026-11-31T00:00:00Z",
		"2026-11-23T02:00:02+24:00", "2026-11-23T02:00:02+23:59", "2026-11-23T02:00:02.Z", "2026-11-23t02:00:02z",
		"0000-01-01T00:00:00Z", "0000-02-29T12:00:00Z", "0000-03-01T00:00:00-01:00", "1969-12-31T23:59:59.999Z", "9999-12-31T23:59:59.999999999-23:59", "2026-11-23T02:00:02", "2026-11-23 02:00:02Z",
	} {
		checkRFC3339(t, []byte(in))
	}
}

// checkFinder fails tb unless finder.index agrees with bytes.Index on s,
// whichever byte of the pattern it looks for, or pair of bytes.
func checkFinder(tb testing.TB, s []byte) {
	tb.Helper()
	for _, pat := range []string{DefaultActionPrefix, DefaultRenewalMarker, "audit", `\u`, "aa", "a"} {
		want := bytes.Index(s, []byte(pat))
		for rare := range len(pat) {
			f := finder{pat: []byte(pat), rare: rare}
			if got := f.indexRare(s); got != want {
				tb.Fatalf("finder{%q, rare: %d}.indexRare(%q) = %d, bytes.Index says %d", pat, rare, s, got, want)
			}
		}
		for p0 := range len(pat) {
			for p1 := p0 + 1; p1 < len(pat) && p1-p0 < maxPairDist; p1++ {
				f := finder{pat: []byte(pat), p0: p0, p1: p1}
				if got := f.indexPair(s); got != want {
					tb.Fatalf("finder{%q, p0: %d, p1: %d}.indexPair(%q) = %d, bytes.Index says %d", pat, p0, p1, s, got, want)
				}
			}
		}
		f := finder{pat: []byte(pat)}
		var h [256]int
		for _, c := range s {
			h[c]++
		}
		f.tune(&h)
		if got := f.index(s); got != want {
			tb.Fatalf("finder{%q} tuned on it .index(%q) = %d, bytes.Index says %d", pat, s, got, want)
		}
	}
}

// checkPairs fails tb unless indexPair agrees with indexPairGeneric on s,
// and pairSet.candidates with candidatesGeneric, for pairs of bytes of s
// and of the default patterns at several distances.
func checkPairs(tb testing.TB, s []byte) {
	tb.Helper()
	var ps pairSet
	for k, f := range []*finder{{pat: []byte(DefaultRenewalMarker)}, {pat: []byte(DefaultActionPrefix)}, {pat: []byte("audit")}, {pat: []byte(`\u`)}} {
		f.p0, f.p1 = k, len(f.pat)-1 // distances 16, 11, 2, 0... of the defaults
		if f.p0 >= f.p1 {
			f.p0 = 0
		}
		ps.set(k, f)
	}
	sets := []pairSet{ps}
	if len(s) > 0 {
		// Pairs taken from s itself, so that some are found, at the
		// distances the kernels treat differently.
		var q pairSet
		for k, d := range []int{0, 1, 17, maxPairDist - 1} {
			i := min(k*7, len(s)-1)
			q.c0[k], q.c1[k], q.d[k] = s[i], s[min(i+d, len(s)-1)], d
		}
		sets = append(sets, q)
	}
	for _, ps := range sets {
		want := ps.candidatesGeneric(s)
		if got := ps.candidates(s); got != want && got != 0xf {
			tb.Fatalf("%+v.candidates(%q) = %04b, candidatesGeneric says %04b", ps, s, got, want)
		}
		if useAVX2 && len(s) >= ps.minLen() {
			if got := candidatesAVX2(s, &ps); got != want {
				tb.Fatalf("candidatesAVX2(%q, %+v) = %04b, candidatesGeneric says %04b", s, ps, got, want)
			}
		}
		for k := range 4 {
			c0, c1, d := ps.c0[k], ps.c1[k], ps.d[k]
			if d > len(s) {
				continue
			}
			want := indexPairGeneric(s, c0, c1, d)
			if got := indexPair(s, c0, c1, d); got != want {
				tb.Fatalf("indexPair(%q, %q, %q, %d) = %d, indexPairGeneric says %d", s, c0, c1, d, got, want)
			}
		}
	}
}

// linesOf splits data as Read does: on "\n", the last line counted when
// it is not empty.
func linesOf(data []byte) [][]byte {
	lines := bytes.SplitAfter(data, []byte("\n"))
	if n := len(lines); n > 0 && len(lines[n-1]) == 0 {
		lines = lines[:n-1]
	}
	return lines
}

// checkInvariants fails tb unless s's counters add up for input data.
func checkInvariants(tb testing.TB, s Summary, data []byte, opt Options) {
	tb.Helper()
	opt = New(opt).opt // with defaults
	if sum := s.Blank + s.Oversized + s.NotJSON + s.Objects + s.Unexamined; s.Lines != sum {
		tb.Errorf("Lines = %d, but Blank+Oversized+NotJSON+Objects+Unexamined = %d", s.Lines, sum)
	}
	if s.Bytes != int64(len(data)) {
		tb.Errorf("Bytes = %d, want %d", s.Bytes, len(data))
	}
	lines := linesOf(data)
	if s.Lines != len(lines) {
		tb.Errorf("Lines = %d, want %d", s.Lines, len(lines))
	}
	counted := 0
	for _, outcomes := range s.Counts {
		for _, n := range outcomes {
			counted += n
		}
	}
	if counted != s.Events {
		tb.Errorf("Counts add up to %d, Events = %d", counted, s.Events)
	}
	perTenant := 0
	for _, ts := range s.Tenants {
		perTenant += ts.Successes + ts.Failures
	}
	if perTenant > s.Events || s.UndatedEvents > s.Events || s.Events+s.MissingAction > s.Objects || s.AuditTypeEvents > s.Objects {
		tb.Errorf("counters do not fit: %v, tenant successes+failures %d", s, perTenant)
	}
	if (s.FirstEvent == nil) != (s.Events == s.UndatedEvents) || (s.FirstEvent == nil) != (s.LastEvent == nil) ||
		s.FirstEvent != nil && s.FirstEvent.After(*s.LastEvent) {
		tb.Errorf("FirstEvent %v, LastEvent %v with %d events, %d undated", s.FirstEvent, s.LastEvent, s.Events, s.UndatedEvents)
	}
	if n := len(s.Renewals.RecentErrors); n > s.Renewals.Errors || n > opt.MaxRenewalErrors {
		tb.Errorf("%d recent renewal errors, of %d errors, keeping %d", n, s.Renewals.Errors, opt.MaxRenewalErrors)
	}

	// What encoding/json, reading every line, says.
	var events, audit, renewals, valid int
	counts := map[string]map[string]int{}
	for _, line := range lines {
		line = bytes.TrimSuffix(line, []byte("\n"))
		if len(line) > opt.MaxLineBytes {
			continue
		}
		if bytes.Contains(line, []byte(opt.RenewalMarker)) {
			renewals++
		}
		m, ok := refObject(line)
		if !ok {
			continue
		}
		valid++
		if typ, _ := refString(tb, bytes.TrimSpace(m["type"])); typ == "audit" {
			audit++
		}
		action, ok := refString(tb, bytes.TrimSpace(m["action"]))
		if !ok || !strings.HasPrefix(action, opt.ActionPrefix) {
			continue
		}
		events++
		outcome, _ := refString(tb, bytes.TrimSpace(m["outcome"]))
		if counts[action] == nil {
			counts[action] = map[string]int{}
		}
		counts[action][outcome]++
	}
	if s.Events != events || s.AuditTypeEvents != audit || s.Renewals.OK+s.Renewals.Errors != renewals {
		tb.Errorf("events %d, audit %d, renewals %d; encoding/json finds %d, %d, %d",
			s.Events, s.AuditTypeEvents, s.Renewals.OK+s.Renewals.Errors, events, audit, renewals)
	}
	if valid < s.Objects || valid > s.Objects+s.Unexamined {
		tb.Errorf("%d objects and %d unexamined lines, encoding/json finds %d objects", s.Objects, s.Unexamined, valid)
	}
	if g, w := mustJSON(tb, s.Counts), mustJSON(tb, counts); g != w {
		tb.Errorf("Counts = %s, encoding/json finds %s", g, w)
	}
}

func read(tb testing.TB, opt Options, bufSize int, parts ...[]byte) Summary {
	tb.Helper()
	a := New(opt)
	if bufSize > 0 {
		a.bufSize = bufSize
	}
	for _, p := range parts {
		if err := a.Read(context.Background(), "pod", bytes.NewReader(p)); err != nil {
			tb.Fatalf("Read: %v", err)
		}
	}
	return a.Result()
}

func FuzzAggregator_Read(f *testing.F) {
	for _, name := range []string{"lab.log", "merge.log"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	g := corpus.New(7, corpus.DefaultMix)
	for range 40 {
		var b []byte
		for range 5 {
			b = append(b, g.Line()...)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"act\u0069on":"cmek\u002erotation.x","tenant":"t-\ud83d","ts":"1795500014123"}` + "\r\n\n{"))
	f.Add([]byte("2026-11-23T02:00:02.5+01:00 VaultTokenRenewal error\n{\"type\":\"audit\"}"))

	f.Fuzz(func(t *testing.T, data []byte) {
		for _, line := range linesOf(data) {
			line = bytes.TrimSuffix(line, []byte("\n"))
			checkScan(t, line)
			checkRFC3339(t, line)
			checkFinder(t, line)
			checkPairs(t, line)
		}

		// A 4 KiB buffer behaves as the default 256 KiB one on inputs this
		// small, and spares the fuzzer allocating and clearing 256 KiB.
		const buf = 4 << 10
		opt := Options{MaxRenewalErrors: 3}
		whole := read(t, opt, buf, data)
		checkInvariants(t, whole, data, opt)

		// Lines longer than the read buffer are assembled to the same result.
		assertSummary(t, read(t, opt, 16, data), whole)

		// Two halves merged are the whole.
		lines := linesOf(data)
		cut := len(lines) / 2
		a := New(opt)
		a.Merge(read(t, opt, buf, bytes.Join(lines[:cut], nil)))
		a.Merge(read(t, opt, buf, bytes.Join(lines[cut:], nil)))
		merged := a.Result()
		merged.Sources = whole.Sources
		assertSummary(t, merged, whole)

		// Small MaxLineBytes: oversized lines are skipped, the rest adds up.
		small := Options{MaxLineBytes: 40, MaxRenewalErrors: 3}
		checkInvariants(t, read(t, small, 16, data), data, small)
	})
}
