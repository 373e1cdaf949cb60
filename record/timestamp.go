package record

import "time"

// Time units of DecoderConfig.TimeUnit: how a numeric ts is read.
const (
	UnitSeconds      = "s"
	UnitMilliseconds = "ms"
	UnitMicroseconds = "us"
	UnitNanoseconds  = "ns"
)

// timeUnit is a unit of numeric ts: its name in the configuration, its word
// in messages, and its length as a power of ten nanoseconds.
type timeUnit struct {
	name, word string
	exp        int
}

// timeUnits are the units, coarsest first (the order of unit hints).
var timeUnits = [...]timeUnit{
	{UnitSeconds, "seconds", 9},
	{UnitMilliseconds, "milliseconds", 6},
	{UnitMicroseconds, "microseconds", 3},
	{UnitNanoseconds, "nanoseconds", 0},
}

// lookupUnit returns the unit named name.
func lookupUnit(name string) (timeUnit, bool) {
	for _, u := range timeUnits {
		if u.name == name {
			return u, true
		}
	}
	return timeUnit{}, false
}

// numStatus says whether a numeric ts is a time, and why not.
type numStatus uint8

const (
	numOK      numStatus = iota
	numSyntax            // not a decimal number
	numDigits            // more than maxSignificant significant digits
	numSubNano           // a fraction of a nanosecond
	numRange             // before the year 0000 or after the year 9999
)

// Numeric times are exact: a ts is mant × 10^exp units with an integer
// mantissa of at most maxSignificant digits (so it fits a uint64), and the
// time is computed in integer seconds and nanoseconds, never in floating
// point. They are bounded by the years RFC 3339 can write.
const (
	maxSignificant = 19
	maxExponent    = 1 << 20      // bigger exponents saturate: far out of range either way
	minNumericSec  = -62167219200 // 0000-01-01T00:00:00Z
	maxNumericSec  = 253402300799 // 9999-12-31T23:59:59Z
)

// pow10 holds 10^0 .. 10^9.
var pow10 = [...]uint64{1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9}

// decimal is a number as written: mant × 10^exp, negative when neg. mant
// has no trailing zeros (they are folded into exp), so a decimal with a
// non-zero mant and a negative exp is not an integer.
type decimal struct {
	mant uint64
	exp  int
	neg  bool
}

// decimalScan accumulates the digits of a decimal.
type decimalScan struct {
	d      decimal
	digits int // significant digits so far, trailing zeros included
	zeros  int // zeros after the last non-zero digit, not yet in mant
}

// add takes one digit, of the fraction when frac.
func (s *decimalScan) add(c byte, frac bool) {
	if frac {
		s.d.exp--
	}
	if c == '0' {
		if s.digits > 0 {
			s.digits++
			s.zeros++
		}
		return
	}
	s.digits++
	if s.digits > maxSignificant {
		s.zeros = 0 // they are not trailing: parseDecimal reports numDigits
		return
	}
	for ; s.zeros > 0; s.zeros-- {
		s.d.mant *= 10
	}
	s.d.mant = s.d.mant*10 + uint64(c-'0')
}

// parseDecimal parses -?digits[.digits][(e|E)[+|-]digits], the JSON number
// grammar with leading zeros allowed, exactly.
func parseDecimal(b []byte) (decimal, numStatus) {
	var s decimalScan
	i := 0
	if i < len(b) && b[i] == '-' {
		s.d.neg = true
		i++
	}
	start := i
	for ; i < len(b) && isDigit(b[i]); i++ {
		s.add(b[i], false)
	}
	if i == start {
		return decimal{}, numSyntax
	}
	if i < len(b) && b[i] == '.' {
		i++
		from := i
		for ; i < len(b) && isDigit(b[i]); i++ {
			s.add(b[i], true)
		}
		if i == from {
			return decimal{}, numSyntax
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		e, ok := exponent(b[i+1:])
		if !ok {
			return decimal{}, numSyntax
		}
		s.d.exp += e
		i = len(b)
	}
	if i != len(b) {
		return decimal{}, numSyntax
	}
	if s.digits-s.zeros > maxSignificant {
		return decimal{}, numDigits
	}
	s.d.exp += s.zeros
	return s.d, numOK
}

// exponent parses the [+|-]digits of an exponent, saturating at
// maxExponent.
func exponent(b []byte) (int, bool) {
	neg := len(b) > 0 && b[0] == '-'
	if len(b) > 0 && (b[0] == '+' || b[0] == '-') {
		b = b[1:]
	}
	if len(b) == 0 {
		return 0, false
	}
	e := 0
	for _, c := range b {
		if !isDigit(c) {
			return 0, false
		}
		if e < maxExponent {
			e = e*10 + int(c-'0')
		}
	}
	e = min(e, maxExponent)
	if neg {
		e = -e
	}
	return e, true
}

// isDigit reports whether c is an ASCII decimal digit.
func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// toTime converts d, counted in u, to a time.
func (d decimal) toTime(u timeUnit) (time.Time, numStatus) {
	if d.mant == 0 {
		return time.Unix(0, 0).UTC(), numOK
	}
	k := d.exp + u.exp // d is mant × 10^k nanoseconds
	if k < 0 {
		return time.Time{}, numSubNano
	}
	var sec, nsec uint64
	if k >= 9 {
		sec = d.mant
		for j := k - 9; j > 0; j-- {
			if sec > maxNumericSec {
				return time.Time{}, numRange
			}
			sec *= 10
		}
	} else {
		p := pow10[9-k]
		sec, nsec = d.mant/p, d.mant%p*pow10[k]
	}
	if !d.neg {
		if sec > maxNumericSec {
			return time.Time{}, numRange
		}
		return time.Unix(int64(sec), int64(nsec)).UTC(), numOK
	}
	if sec > -minNumericSec || sec == -minNumericSec && nsec > 0 {
		return time.Time{}, numRange
	}
	return time.Unix(-int64(sec), -int64(nsec)).UTC(), numOK
}

// parseRFC3339 parses an RFC 3339 date-time, YYYY-MM-DDTHH:MM:SS[.frac]
// followed by Z or ±HH:MM, and returns it in UTC. It accepts what
// time.Parse(time.RFC3339Nano, ...) accepts with at most nine fraction
// digits, and also a lower-case t and z (RFC 3339 §5.6 allows them; Go's
// layouts do not). It does not allocate.
func parseRFC3339(b []byte) (time.Time, bool) {
	if len(b) < len("2006-01-02T15:04:05Z") || b[4] != '-' || b[7] != '-' || (b[10] != 'T' && b[10] != 't') ||
		b[13] != ':' || b[16] != ':' {
		return time.Time{}, false
	}
	year, ok1 := num(b[0:4])
	month, ok2 := num(b[5:7])
	day, ok3 := num(b[8:10])
	hour, ok4 := num(b[11:13])
	minute, ok5 := num(b[14:16])
	sec, ok6 := num(b[17:19])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || month < 1 || month > 12 ||
		day < 1 || day > daysIn(month, year) || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	nsec, rest, ok := fraction(b[19:])
	if !ok {
		return time.Time{}, false
	}
	offset, ok := zone(rest)
	if !ok {
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC)
	return t.Add(-time.Duration(offset) * time.Second), true
}

// fraction parses an optional ".digits" (1 to 9 digits) into nanoseconds.
func fraction(b []byte) (nsec int, rest []byte, ok bool) {
	if len(b) == 0 || b[0] != '.' {
		return 0, b, true
	}
	i := 1
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	digits := i - 1
	if digits == 0 || digits > 9 {
		return 0, nil, false
	}
	n, _ := num(b[1:i])
	for k := digits; k < 9; k++ {
		n *= 10
	}
	return n, b[i:], true
}

// zone parses "Z" (or "z") or "±HH:MM" into an offset east of UTC in
// seconds.
func zone(b []byte) (int, bool) {
	if len(b) == 1 && (b[0] == 'Z' || b[0] == 'z') {
		return 0, true
	}
	if len(b) != 6 || (b[0] != '+' && b[0] != '-') || b[3] != ':' {
		return 0, false
	}
	h, ok1 := num(b[1:3])
	m, ok2 := num(b[4:6])
	if !ok1 || !ok2 || h > 23 || m > 59 {
		return 0, false
	}
	off := h*3600 + m*60
	if b[0] == '-' {
		off = -off
	}
	return off, true
}

// num parses a short run of decimal digits.
func num(b []byte) (int, bool) {
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, len(b) > 0
}

// daysIn returns the number of days of a month in the proleptic Gregorian
// calendar.
func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
