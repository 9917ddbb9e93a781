package auditlog

import (
	"math"
	"strconv"
	"time"
)

// Epoch values are accepted when they are positive and no later than the
// end of year 9999, the last year RFC 3339 can write.
const (
	maxEpochSeconds = 253402300799    // 9999-12-31T23:59:59Z
	maxEpochMillis  = 253402300799999 // the same, in milliseconds
	millisAbove     = 1e12            // a number above this is milliseconds
)

// when returns the event time of the current line's object: the first of
// timestamp, time and ts that parses.
func (a *Aggregator) when() (time.Time, bool) {
	for _, f := range [...]field{fTimestamp, fTime, fTs} {
		if t, ok := a.parseTime(a.obj.m[f]); ok {
			return t, true
		}
	}
	return time.Time{}, false
}

// parseTime reads a time member: an RFC 3339 string (with or without a
// fraction, any offset), or epoch seconds or milliseconds written as a JSON
// number or as a string holding one. The result is in UTC.
func (a *Aggregator) parseTime(m member) (time.Time, bool) {
	switch m.kind {
	case kindNumber:
		return parseEpoch(m.b)
	case kindString:
		s, _ := m.str(&a.arena)
		if len(s) == 0 {
			return time.Time{}, false
		}
		if end, ok := scanNumber(s, 0); ok && end == len(s) {
			return parseEpoch(s)
		}
		return parseRFC3339(s)
	}
	return time.Time{}, false
}

// parseRFC3339 parses s as time.RFC3339 (which also accepts a fraction).
func parseRFC3339(s []byte) (time.Time, bool) {
	if t, ok := parseRFC3339Fast(s); ok {
		return t, true
	}
	// time.Parse allocates its error: skip it when s cannot match the layout.
	if len(s) < len("2006-01-02T15:04:05Z") || s[4] != '-' {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339, string(s))
	if err != nil {
		return time.Time{}, false
	}
	return t.UTC(), true
}

// parseRFC3339Fast parses the common form YYYY-MM-DDTHH:MM:SS[.frac](Z|±hh:mm)
// without allocating. It refuses anything else (and some valid input, such
// as a leap second), leaving it to time.Parse; when it accepts, it agrees
// with time.Parse (checked by FuzzParseRFC3339).
func parseRFC3339Fast(s []byte) (time.Time, bool) {
	if len(s) < len("2006-01-02T15:04:05Z") || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' {
		return time.Time{}, false
	}
	year, ok1 := digits(s[0:4])
	month, ok2 := digits(s[5:7])
	day, ok3 := digits(s[8:10])
	hour, ok4 := digits(s[11:13])
	minute, ok5 := digits(s[14:16])
	sec, ok6 := digits(s[17:19])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) ||
		month < 1 || month > 12 || day < 1 || day > daysIn(time.Month(month), year) ||
		hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	i := 19
	nsec := 0
	if s[i] == '.' {
		i++
		start := i
		for i < len(s) && isDigit(s[i]) {
			if i-start < 9 {
				nsec = nsec*10 + int(s[i]-'0')
			}
			i++
		}
		n := i - start
		if n == 0 || n > 9 || i >= len(s) {
			return time.Time{}, false
		}
		for ; n < 9; n++ {
			nsec *= 10
		}
	}
	offset := 0
	switch rest := s[i:]; {
	case len(rest) == 1 && rest[0] == 'Z':
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		oh, ok1 := digits(rest[1:3])
		om, ok2 := digits(rest[4:6])
		if !ok1 || !ok2 || oh > 23 || om > 59 {
			return time.Time{}, false
		}
		offset = (oh*60 + om) * 60
		if rest[0] == '-' {
			offset = -offset
		}
	default:
		return time.Time{}, false
	}
	unix := daysFromCivil(year, month, day)*86400 + int64(hour*3600+minute*60+sec-offset)
	return time.Unix(unix, int64(nsec)).UTC(), true
}

// daysFromCivil returns the days from 1970-01-01 to the given proleptic
// Gregorian date (Howard Hinnant's algorithm); cheaper than time.Date.
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y
	if era < 0 {
		era -= 399
	}
	era /= 400
	yoe := y - era*400 // [0, 399]
	mp := m - 3
	if m <= 2 {
		mp = m + 9
	}
	doy := (153*mp+2)/5 + d - 1            // [0, 365]
	doe := yoe*365 + yoe/4 - yoe/100 + doy // [0, 146096]
	return int64(era)*146097 + int64(doe) - 719468
}

func digits(b []byte) (int, bool) {
	n := 0
	for _, c := range b {
		if !isDigit(c) {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func daysIn(m time.Month, year int) int {
	switch m {
	case time.February:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}

// parseEpoch reads a valid JSON number literal as epoch seconds, or as epoch
// milliseconds when it is above 1e12.
func parseEpoch(lit []byte) (time.Time, bool) {
	integer := true
	for _, c := range lit {
		if c == '.' || c == 'e' || c == 'E' {
			integer = false
			break
		}
	}
	if integer {
		// lit is a valid JSON integer: an optional '-', then digits.
		if lit[0] == '-' || len(lit) > len("253402300799999") {
			return time.Time{}, false
		}
		var n int64
		for _, c := range lit {
			n = n*10 + int64(c-'0')
		}
		switch {
		case n <= 0:
			return time.Time{}, false
		case n > millisAbove:
			if n > maxEpochMillis {
				return time.Time{}, false
			}
			return time.UnixMilli(n).UTC(), true
		case n > maxEpochSeconds:
			return time.Time{}, false
		}
		return time.Unix(n, 0).UTC(), true
	}
	f, err := strconv.ParseFloat(string(lit), 64)
	switch {
	case err != nil || !(f > 0) || math.IsInf(f, 0):
		return time.Time{}, false
	case f > millisAbove:
		if f > maxEpochMillis {
			return time.Time{}, false
		}
		ms := math.Floor(f)
		return time.UnixMilli(int64(ms)).Add(time.Duration(math.Round((f - ms) * 1e6))).UTC(), true
	case f > maxEpochSeconds:
		return time.Time{}, false
	}
	sec := math.Floor(f)
	return time.Unix(int64(sec), int64(math.Round((f-sec)*1e9))).UTC(), true
}
