package auditlog

import (
	"encoding/binary"
	"math/bits"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// This file holds a minimal JSON reader for one log line. It validates the
// whole line with the grammar encoding/json uses (RFC 8259, nesting at most
// 10000 deep, invalid UTF-8 allowed inside strings) and keeps, without
// copying, the raw bytes of the few top-level members the aggregator reads.
// Everything else is only validated. FuzzAggregator_Read (checkScan) checks
// that it agrees with json.Unmarshal into map[string]json.RawMessage.
//
// Most lines are plain: no '\\', no control byte, no byte >= 0x80. Their
// strings end at the next '"', which a bitmap of the line's quotes, made 32
// bytes at a time (classifyAVX2), gives without reading the string.

// field identifies a top-level member the aggregator reads.
type field uint8

const (
	fAction field = iota
	fOutcome
	fType
	fTenant
	fTenantID
	fTenantIDSnake
	fTimestamp
	fTime
	fTs
	fReason
	fError
	fMessage
	fInitiator
	fLevel
	fSeverity
	fMsg
	numFields
	fNone = numFields
)

// fieldNames are the member names, exactly as they must appear (after
// unescaping) in the log line. Matching is case-sensitive, like jq and
// unlike encoding/json's struct decoding.
var fieldNames = [numFields]string{
	fAction:        "action",
	fOutcome:       "outcome",
	fType:          "type",
	fTenant:        "tenant",
	fTenantID:      "tenantId",
	fTenantIDSnake: "tenant_id",
	fTimestamp:     "timestamp",
	fTime:          "time",
	fTs:            "ts",
	fReason:        "reason",
	fError:         "error",
	fMessage:       "message",
	fInitiator:     "initiator",
	fLevel:         "level",
	fSeverity:      "severity",
	fMsg:           "msg",
}

// lookupField maps a member name to its field, or fNone.
func lookupField(k []byte) field {
	switch string(k) { // no allocation: the compiler compares in place
	case "action":
		return fAction
	case "outcome":
		return fOutcome
	case "type":
		return fType
	case "tenant":
		return fTenant
	case "tenantId":
		return fTenantID
	case "tenant_id":
		return fTenantIDSnake
	case "timestamp":
		return fTimestamp
	case "time":
		return fTime
	case "ts":
		return fTs
	case "reason":
		return fReason
	case "error":
		return fError
	case "message":
		return fMessage
	case "initiator":
		return fInitiator
	case "level":
		return fLevel
	case "severity":
		return fSeverity
	case "msg":
		return fMsg
	}
	return fNone
}

// Kinds of a member's value.
const (
	kindAbsent = iota
	kindString
	kindNumber
	kindOther // true, false, null, an object or an array
)

// member is the raw value of one top-level member.
type member struct {
	kind uint8
	// raw means the string's bytes between the quotes need unquoting
	// (an escape, a control byte cannot occur, or a byte >= 0x80 that may
	// be invalid UTF-8). When false the bytes are the value as is.
	raw bool
	// b is the string's bytes between the quotes, or the number's literal.
	b []byte
}

// object holds the members of one line's top-level object that the
// aggregator reads; a member given twice keeps its last value, as
// encoding/json and jq do.
type object struct {
	m   [numFields]member
	set uint32 // bit i set when m[i] was written; lets reset skip the rest
}

func (o *object) reset() {
	for s := o.set; s != 0; s &= s - 1 {
		o.m[bits.TrailingZeros32(s)] = member{}
	}
	o.set = 0
}

func (o *object) put(f field, m member) {
	if f == fNone {
		return
	}
	o.m[f] = m
	o.set |= 1 << f
}

// maxDepth is encoding/json's nesting limit: the top-level object is depth
// 1 and a value nested deeper than this is a syntax error.
const maxDepth = 10000

// Character classes inside a JSON string.
const (
	cPlain   = iota // printable ASCII other than '"' and '\\'
	cHigh           // >= 0x80: valid or invalid UTF-8, both allowed
	cQuote          // '"'
	cEscape         // '\\'
	cControl        // < 0x20: not allowed
)

var strClass = func() (t [256]uint8) {
	for i := range t {
		switch {
		case i < 0x20:
			t[i] = cControl
		case i == '"':
			t[i] = cQuote
		case i == '\\':
			t[i] = cEscape
		case i >= 0x80:
			t[i] = cHigh
		}
	}
	return t
}()

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func skipSpace(s []byte, i int) int {
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	return i
}

// scanBuf is scanObject's scratch, reused from line to line.
type scanBuf struct {
	names  []byte   // an unescaped member name
	quotes []uint64 // a plain line's '"' (see plainQuotes)
}

// scanObject reports whether s, apart from surrounding JSON white space, is
// exactly one valid JSON object, and records the members it reads in o
// (which it resets first).
func scanObject(s []byte, o *object, sb *scanBuf) bool {
	return scanObjectIn(s, o, sb, useAVX2)
}

// scanObjectIn is scanObject. With quoteMap, when s is plain (see
// plainQuotes) it finds where its strings end in a bitmap of its '"'
// instead of reading them byte by byte; it is set where the bitmap is
// made 32 bytes at a time (classifyAVX2).
func scanObjectIn(s []byte, o *object, sb *scanBuf, quoteMap bool) bool {
	o.reset()
	var q []uint64
	if quoteMap {
		q = sb.plainQuotes(trimSpaceRight(s))
	}
	i := skipSpace(s, 0)
	if i >= len(s) || s[i] != '{' {
		return false
	}
	i = skipSpace(s, i+1)
	if i < len(s) && s[i] == '}' {
		return skipSpace(s, i+1) == len(s)
	}
	for {
		// Member name.
		if i >= len(s) || s[i] != '"' {
			return false
		}
		// endString, inlined by hand here and below: the hot path.
		var end int
		var raw, ok bool
		if q != nil {
			j := nextQuote(q, i+1)
			end, ok = j+1, j >= 0
		} else {
			end, raw, ok = scanString(s, i+1)
		}
		if !ok {
			return false
		}
		f := fNone
		name := s[i+1 : end-1]
		if !raw {
			f = lookupField(name)
		} else if d, ok := unquote(name, sb.names[:0]); ok {
			sb.names = d
			f = lookupField(d)
		}
		i = skipSpace(s, end)
		if i >= len(s) || s[i] != ':' {
			return false
		}
		i = skipSpace(s, i+1)
		if i >= len(s) {
			return false
		}
		// Member value.
		switch c := s[i]; {
		case c == '"':
			var end int
			var raw, ok bool
			if q != nil {
				j := nextQuote(q, i+1)
				end, ok = j+1, j >= 0
			} else {
				end, raw, ok = scanString(s, i+1)
			}
			if !ok {
				return false
			}
			o.put(f, member{kind: kindString, raw: raw, b: s[i+1 : end-1]})
			i = end
		case c == '-' || c >= '0' && c <= '9':
			end, ok := scanNumber(s, i)
			if !ok {
				return false
			}
			o.put(f, member{kind: kindNumber, b: s[i:end]})
			i = end
		default:
			end, ok := skipValue(s, i, 1, q)
			if !ok {
				return false
			}
			o.put(f, member{kind: kindOther})
			i = end
		}
		i = skipSpace(s, i)
		if i >= len(s) {
			return false
		}
		switch s[i] {
		case ',':
			i = skipSpace(s, i+1)
		case '}':
			return skipSpace(s, i+1) == len(s)
		default:
			return false
		}
	}
}

// endString scans a string whose opening quote is at i-1, as scanString
// does, in the quote bitmap q of a plain line when q is not nil.
func endString(s []byte, i int, q []uint64) (end int, raw bool, ok bool) {
	if q != nil {
		j := nextQuote(q, i)
		return j + 1, false, j >= 0
	}
	return scanString(s, i)
}

// nextQuote returns the index of the first '"' at or after i in the line
// whose quote bitmap is q, or -1.
func nextQuote(q []uint64, i int) int {
	w := i >> 6
	if w >= len(q) {
		return -1
	}
	if m := q[w] >> (uint(i) & 63); m != 0 {
		return i + bits.TrailingZeros64(m)
	}
	for w++; w < len(q); w++ {
		if q[w] != 0 {
			return w<<6 + bits.TrailingZeros64(q[w])
		}
	}
	return -1
}

// plainQuotes returns, when s is plain, a bitmap of its '"': bit i%64 of
// word i/64 set when s[i] is one. A plain line holds no '\\', no byte
// below 0x20 and no byte >= 0x80, so each of its strings ends at the next
// '"' and needs no unquoting. It returns nil when s is not plain. The
// bitmap is sb's, valid until the next call.
func (sb *scanBuf) plainQuotes(s []byte) []uint64 {
	n := (len(s) + 63) / 64
	if cap(sb.quotes) < n {
		sb.quotes = make([]uint64, n)
	}
	q := sb.quotes[:n]
	var plain bool
	if useAVX2 && len(s) >= 32 {
		q[n-1] = 0 // classifyAVX2 may leave its upper half
		plain = classifyAVX2(s, q)
	} else {
		plain = classifyGeneric(s, q)
	}
	if !plain {
		return nil
	}
	return q
}

// classifyGeneric is classifyAVX2 a byte at a time, for any length.
func classifyGeneric(s []byte, q []uint64) bool {
	clear(q)
	plain := true
	for i, c := range s {
		switch {
		case c == '"':
			q[i>>6] |= 1 << (uint(i) & 63)
		case c == '\\' || c < 0x20 || c >= 0x80:
			plain = false
		}
	}
	return plain
}

// trimSpaceRight returns s without its trailing JSON white space, so that
// a line ending in "\r\n" can be plain.
func trimSpaceRight(s []byte) []byte {
	n := len(s)
	for n > 0 && isSpace(s[n-1]) {
		n--
	}
	return s[:n]
}

// SWAR ("SIMD within a register") constants: a byte repeated eight times.
const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// scanString scans a string whose opening quote is at i-1. It returns the
// index after the closing quote and whether the contents need unquoting.
//
// It looks at eight bytes at a time for a byte that ends the fast path
// ('"', '\\' or a control byte), with the classic has-zero-byte and
// has-less-than tricks: (x - ones*n) & ^x & highs is non-zero exactly
// when a byte of x is below n (n <= 0x80), and its lowest set bit marks
// the first such byte, since no borrow reaches the bytes below it.
func scanString(s []byte, i int) (end int, raw bool, ok bool) {
	for {
		for i+8 <= len(s) {
			x := binary.LittleEndian.Uint64(s[i:])
			q := x ^ (ones * '"')
			e := x ^ (ones * '\\')
			special := ((x - ones*0x20) & ^x) | ((q - ones) & ^q) | ((e - ones) & ^e)
			special &= highs
			if special == 0 {
				if x&highs != 0 {
					raw = true
				}
				i += 8
				continue
			}
			k := bits.TrailingZeros64(special) / 8
			if x&(highs>>(8*(8-k))) != 0 { // a byte >= 0x80 before the special one
				raw = true
			}
			i += k
			break
		}
		if i >= len(s) {
			return 0, false, false
		}
		switch strClass[s[i]] {
		case cPlain:
			i++
		case cHigh:
			raw = true
			i++
		case cQuote:
			return i + 1, raw, true
		case cEscape:
			raw = true
			if i+1 >= len(s) {
				return 0, false, false
			}
			switch s[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(s) || !isHex(s[i+2]) || !isHex(s[i+3]) || !isHex(s[i+4]) || !isHex(s[i+5]) {
					return 0, false, false
				}
				i += 6
			default:
				return 0, false, false
			}
		default: // cControl
			return 0, false, false
		}
	}
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// scanNumber scans a number starting at i:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func scanNumber(s []byte, i int) (end int, ok bool) {
	if s[i] == '-' {
		i++
	}
	switch {
	case i >= len(s):
		return 0, false
	case s[i] == '0':
		i++
	case s[i] >= '1' && s[i] <= '9':
		for i++; i < len(s) && isDigit(s[i]); i++ {
		}
	default:
		return 0, false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if i >= len(s) || !isDigit(s[i]) {
			return 0, false
		}
		for i++; i < len(s) && isDigit(s[i]); i++ {
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i >= len(s) || !isDigit(s[i]) {
			return 0, false
		}
		for i++; i < len(s) && isDigit(s[i]); i++ {
		}
	}
	return i, true
}

// skipValue validates the value starting at s[i] (not white space), nested
// inside depth containers, and returns the index after it. q is s's quote
// bitmap when s is plain, or nil.
func skipValue(s []byte, i, depth int, q []uint64) (int, bool) {
	switch c := s[i]; {
	case c == '"':
		end, _, ok := endString(s, i+1, q)
		return end, ok
	case c == '-' || isDigit(c):
		return scanNumber(s, i)
	case c == 't':
		return literal(s, i, "true")
	case c == 'f':
		return literal(s, i, "false")
	case c == 'n':
		return literal(s, i, "null")
	case c == '[':
		if depth+1 > maxDepth {
			return 0, false
		}
		i = skipSpace(s, i+1)
		if i < len(s) && s[i] == ']' {
			return i + 1, true
		}
		for {
			if i >= len(s) {
				return 0, false
			}
			var ok bool
			if i, ok = skipValue(s, i, depth+1, q); !ok {
				return 0, false
			}
			i = skipSpace(s, i)
			if i >= len(s) {
				return 0, false
			}
			switch s[i] {
			case ',':
				i = skipSpace(s, i+1)
			case ']':
				return i + 1, true
			default:
				return 0, false
			}
		}
	case c == '{':
		if depth+1 > maxDepth {
			return 0, false
		}
		i = skipSpace(s, i+1)
		if i < len(s) && s[i] == '}' {
			return i + 1, true
		}
		for {
			if i >= len(s) || s[i] != '"' {
				return 0, false
			}
			end, _, ok := endString(s, i+1, q)
			if !ok {
				return 0, false
			}
			i = skipSpace(s, end)
			if i >= len(s) || s[i] != ':' {
				return 0, false
			}
			i = skipSpace(s, i+1)
			if i >= len(s) {
				return 0, false
			}
			if i, ok = skipValue(s, i, depth+1, q); !ok {
				return 0, false
			}
			i = skipSpace(s, i)
			if i >= len(s) {
				return 0, false
			}
			switch s[i] {
			case ',':
				i = skipSpace(s, i+1)
			case '}':
				return i + 1, true
			default:
				return 0, false
			}
		}
	}
	return 0, false
}

func literal(s []byte, i int, lit string) (int, bool) {
	if len(s)-i < len(lit) || string(s[i:i+len(lit)]) != lit {
		return 0, false
	}
	return i + len(lit), true
}

// unquote appends to dst the value of the JSON string contents s (the bytes
// between the quotes, already validated by scanString), decoded as
// encoding/json does: escapes resolved, a lone or mismatched surrogate and
// each byte of invalid UTF-8 replaced by U+FFFD. ok is false only for input
// scanString would refuse.
func unquote(s, dst []byte) (_ []byte, ok bool) {
	for r := 0; r < len(s); {
		c := s[r]
		switch {
		case c == '\\':
			if r+1 >= len(s) {
				return dst, false
			}
			switch s[r+1] {
			case '"', '\\', '/':
				dst = append(dst, s[r+1])
			case 'b':
				dst = append(dst, '\b')
			case 'f':
				dst = append(dst, '\f')
			case 'n':
				dst = append(dst, '\n')
			case 'r':
				dst = append(dst, '\r')
			case 't':
				dst = append(dst, '\t')
			case 'u':
				rr := getu4(s[r:])
				if rr < 0 {
					return dst, false
				}
				r += 6
				if utf16.IsSurrogate(rr) {
					if dec := utf16.DecodeRune(rr, getu4(s[r:])); dec != unicode.ReplacementChar {
						r += 6
						dst = utf8.AppendRune(dst, dec)
						continue
					}
					rr = unicode.ReplacementChar
				}
				dst = utf8.AppendRune(dst, rr)
				continue
			default:
				return dst, false
			}
			r += 2
		case c == '"' || c < ' ':
			return dst, false
		case c < utf8.RuneSelf:
			dst = append(dst, c)
			r++
		default:
			rr, size := utf8.DecodeRune(s[r:])
			r += size
			dst = utf8.AppendRune(dst, rr)
		}
	}
	return dst, true
}

// getu4 decodes \uXXXX at the start of s, or returns -1.
func getu4(s []byte) rune {
	if len(s) < 6 || s[0] != '\\' || s[1] != 'u' {
		return -1
	}
	var r rune
	for _, c := range s[2:6] {
		switch {
		case '0' <= c && c <= '9':
			c = c - '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r*16 + rune(c)
	}
	return r
}

// str returns the string member m's decoded bytes and whether m is a
// string at all. When m needs unquoting the result is appended to *arena,
// which the caller empties once per line; earlier results stay valid.
func (m member) str(arena *[]byte) ([]byte, bool) {
	if m.kind != kindString {
		return nil, false
	}
	if !m.raw || !hasEscape(m.b) && utf8.Valid(m.b) {
		return m.b, true
	}
	n := len(*arena)
	d, _ := unquote(m.b, *arena)
	*arena = d
	return d[n:len(d):len(d)], true
}

func hasEscape(b []byte) bool {
	for _, c := range b {
		if c == '\\' {
			return true
		}
	}
	return false
}
