package sink

import (
	"math"
	"strconv"
	"time"
)

// Forecast values are written as strconv.AppendFloat(dst, x, 'g', -1, 32)
// writes them: the shortest decimal that parses back to the float32 x (the
// closest one when several are as short), in %f form for decimal exponents
// -4..5 and in %e form outside. That call costs about 60 ns, and a forecast
// has H of them (the demo model: 24), which made it the largest cost of a
// record. appendShortF32 computes the same digits with 64-bit integer
// arithmetic for the range sensor values live in, 2^-7 ≤ |x| < 2^20, and
// leaves everything else (zero, tiny, huge, %e form) to strconv.
// TestAppendShortF32 compares the two on whole binades and on random
// values of every binade of the fast range; a one-off run over every
// float32 of the range found no difference.

// pow10 holds 10^0..10^11.
var pow10 = [12]uint64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11}

// Fast range, as float32 biased exponents: 2^-7 ≤ |x| < 2^20.
const (
	fastExpMin = 127 - 7
	fastExpMax = 127 + 19
)

// startQ[t] is the least q with 10^q > 2^(t-2): at q decimal places the
// round-trip interval of a float32 with denominator 2^t (4 units of 2^-t
// wide) is wider than one, so it holds a q-place decimal.
var startQ = func() (q [33]int) {
	for t := range q {
		for t >= 2 && pow10[q[t]] <= 1<<(t-2) {
			q[t]++
		}
	}
	return q
}()

// appendShortF32 appends x as strconv.AppendFloat(dst, float64(x), 'g', -1,
// 32) does.
func appendShortF32(dst []byte, x float32) []byte {
	bits := math.Float32bits(x)
	exp := int(bits>>23) & 0xff
	if exp < fastExpMin || exp > fastExpMax {
		return strconv.AppendFloat(dst, float64(x), 'g', -1, 32)
	}
	d, q, ok := shortDigits(bits&(1<<23-1), exp)
	if !ok {
		return strconv.AppendFloat(dst, float64(x), 'g', -1, 32)
	}
	// The digits of d from the right, two at a time, with the point q
	// digits from the end and at least one digit before it.
	var buf [24]byte
	i := len(buf)
	for d >= 100 {
		lo := d % 100
		d /= 100
		i -= 2
		buf[i], buf[i+1] = digitPairs[2*lo], digitPairs[2*lo+1]
	}
	if d >= 10 {
		i -= 2
		buf[i], buf[i+1] = digitPairs[2*d], digitPairs[2*d+1]
	} else {
		i--
		buf[i] = byte('0' + d)
	}
	if q > 0 {
		for len(buf)-i <= q { // a value under 1: leading zeros
			i--
			buf[i] = '0'
		}
		p := len(buf) - q // the point goes before buf[p]
		copy(buf[i-1:], buf[i:p])
		i--
		buf[p-1] = '.'
	}
	if bits>>31 != 0 {
		i--
		buf[i] = '-'
	}
	return append(dst, buf[i:]...)
}

// digitPairs holds "00" to "99".
const digitPairs = "00010203040506070809" + "10111213141516171819" + "20212223242526272829" +
	"30313233343536373839" + "40414243444546474849" + "50515253545556575859" + "60616263646566676869" +
	"70717273747576777879" + "80818283848586878889" + "90919293949596979899"

// shortDigits returns the shortest decimal d·10^-q (and the closest to the
// value among the shortest) that rounds to the positive normal float32 of
// fraction frac and biased exponent exp in the fast range. ok is false
// when strconv would print it in %e form (decimal exponent 6 or more).
func shortDigits(frac uint32, exp int) (d uint64, q int, ok bool) {
	m := uint64(frac) | 1<<23
	t := uint(150-exp) + 2 // the value is 4m / 2^t; t in 6..32
	lo, hi := 4*m-2, 4*m+2 // the round-trip interval's ends, in units of 2^-t
	if frac == 0 {
		lo = 4*m - 1 // the float32 below is half as far at a binade's start
	}
	even := m&1 == 0 // ties parse to the even mantissa: the ends are inside
	mask := uint64(1)<<t - 1
	q = startQ[t]
	l, h := ends(lo, hi, q, t, mask, even)
	// Fewer places while a decimal of fewer places is in the interval.
	for q > 0 {
		l1, h1 := (l+9)/10, h/10
		if l1 > h1 {
			break
		}
		l, h, q = l1, h1, q-1
	}
	// The closest q-place decimal, ties to even, kept inside the interval.
	n := 4 * m * pow10[q]
	d = n >> t
	if r, half := n&mask, uint64(1)<<(t-1); r > half || r == half && d&1 == 1 {
		d++
	}
	d = min(max(d, l), h)
	return d, q, d < pow10[6]*pow10[q]
}

// ends returns the least and greatest q-place decimals (in units of 10^-q)
// inside the interval (lo, hi)·2^-t, ends included when inclusive.
func ends(lo, hi uint64, q int, t uint, mask uint64, inclusive bool) (l, h uint64) {
	nl, nh := lo*pow10[q], hi*pow10[q]
	l, h = nl>>t, nh>>t
	if nl&mask != 0 || !inclusive {
		l++
	}
	if nh&mask == 0 && !inclusive {
		h--
	}
	return l, h
}

// appendTimestamp appends t in UTC as t.UTC().AppendFormat(dst,
// "2006-01-02T15:04:05.000Z") does (milliseconds truncated), without
// interpreting the layout: a forecast's ts costs a tenth of what it did.
func appendTimestamp(dst []byte, t time.Time) []byte {
	t = t.UTC()
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		return t.AppendFormat(dst, "2006-01-02T15:04:05.000Z")
	}
	hour, minute, sec := t.Clock()
	ms := t.Nanosecond() / int(time.Millisecond)
	return append(dst,
		byte('0'+year/1000), byte('0'+year/100%10), byte('0'+year/10%10), byte('0'+year%10), '-',
		byte('0'+int(month)/10), byte('0'+int(month)%10), '-', byte('0'+day/10), byte('0'+day%10), 'T',
		byte('0'+hour/10), byte('0'+hour%10), ':', byte('0'+minute/10), byte('0'+minute%10), ':',
		byte('0'+sec/10), byte('0'+sec%10), '.', byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10), 'Z')
}
