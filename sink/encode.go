package sink

import (
	"math"
	"strconv"
	"time"
	"unicode/utf8"
)

// Forecast is one key's forecast of the next Horizon values, as written to
// the output topic.
type Forecast struct {
	Sensor   string        // the sensor id (record key)
	Time     time.Time     // event time of the last input (its grid slot)
	Interval time.Duration // the grid step between forecast values
	Horizon  int           // H; the number of Values
	Values   []float64     // H forecast values, in the input's original units

	ModelName, ModelVersion string

	// The input record the forecast follows from.
	Topic     string
	Partition int
	Offset    int64
}

// Header is one record header, independent of any Kafka client.
type Header struct {
	Key   string
	Value []byte
}

// AppendForecast appends f's JSON encoding to dst and returns the extended
// slice:
//
//	{"sensor":"s-1","ts":"2024-05-01T10:00:00.000Z","interval":"1h","horizon":2,
//	 "forecast":[21.5,21.75],"model":{"name":"m","version":"1"},
//	 "input":{"topic":"sensors","partition":0,"offset":42}}
//
// (on one line, without spaces). ts is f.Time in UTC with millisecond
// precision (truncated); forecast values are float32 in their shortest
// representation, since the model computes in float32; a non-finite value,
// which JSON cannot express, is written as null. Strings are escaped as
// encoding/json escapes them, without HTML escaping; invalid UTF-8 becomes
// U+FFFD. The output depends on f alone.
func AppendForecast(dst []byte, f *Forecast) []byte {
	dst = append(dst, `{"sensor":`...)
	dst = appendString(dst, f.Sensor)
	dst = append(dst, `,"ts":"`...)
	dst = appendTimestamp(dst, f.Time) // f.Time.UTC().AppendFormat(dst, "2006-01-02T15:04:05.000Z"), faster
	dst = append(dst, `","interval":"`...)
	dst = appendDuration(dst, f.Interval)
	dst = append(dst, `","horizon":`...)
	dst = strconv.AppendInt(dst, int64(f.Horizon), 10)
	dst = append(dst, `,"forecast":[`...)
	for i, v := range f.Values {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendFloat32(dst, v)
	}
	dst = append(dst, `],"model":{"name":`...)
	dst = appendString(dst, f.ModelName)
	dst = append(dst, `,"version":`...)
	dst = appendString(dst, f.ModelVersion)
	dst = append(dst, `},"input":{"topic":`...)
	dst = appendString(dst, f.Topic)
	dst = append(dst, `,"partition":`...)
	dst = strconv.AppendInt(dst, int64(f.Partition), 10)
	dst = append(dst, `,"offset":`...)
	dst = strconv.AppendInt(dst, f.Offset, 10)
	return append(dst, "}}"...)
}

// appendFloat32 appends v rounded to float32 in its shortest form, or null
// when it is not finite.
func appendFloat32(dst []byte, v float64) []byte {
	x := float32(v)
	if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
		return append(dst, "null"...)
	}
	return appendShortF32(dst, x) // strconv.AppendFloat(dst, float64(x), 'g', -1, 32), faster
}

// appendDuration appends d compactly in time.ParseDuration's syntax, without
// zero units: 1h, 15m, 1h30m, 90s, 500ms.
func appendDuration(dst []byte, d time.Duration) []byte {
	if d == 0 {
		return append(dst, "0s"...)
	}
	u := uint64(d)
	if d < 0 {
		dst = append(dst, '-')
		u = -u
	}
	h, m := u/uint64(time.Hour), u/uint64(time.Minute)%60
	rest := u % uint64(time.Minute)
	if h > 0 {
		dst = append(strconv.AppendUint(dst, h, 10), 'h')
	}
	if m > 0 {
		dst = append(strconv.AppendUint(dst, m, 10), 'm')
	}
	return appendSeconds(dst, rest, h == 0 && m == 0)
}

// appendSeconds appends ns (under a minute) as seconds with a fraction, or
// as whole milliseconds when alone and under a second.
func appendSeconds(dst []byte, ns uint64, alone bool) []byte {
	switch {
	case ns == 0:
		return dst
	case alone && ns < uint64(time.Second) && ns%uint64(time.Millisecond) == 0:
		return append(strconv.AppendUint(dst, ns/uint64(time.Millisecond), 10), "ms"...)
	}
	dst = strconv.AppendUint(dst, ns/uint64(time.Second), 10)
	if frac := ns % uint64(time.Second); frac > 0 {
		var buf [10]byte
		b := strconv.AppendUint(buf[:0], frac+uint64(time.Second), 10) // "1" + 9 digits
		for b[len(b)-1] == '0' {
			b = b[:len(b)-1]
		}
		dst = append(append(dst, '.'), b[1:]...)
	}
	return append(dst, 's')
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string, escaped as encoding/json does
// (without HTML escaping).
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = appendEscape(append(dst, s[start:i]...), c)
			i++
			start = i
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && n == 1) || r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = appendRuneEscape(dst, r)
			start = i + n
		}
		i += n
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// appendEscape appends the escape of an ASCII byte.
func appendEscape(dst []byte, c byte) []byte {
	switch c {
	case '"', '\\':
		return append(dst, '\\', c)
	case '\n':
		return append(dst, '\\', 'n')
	case '\r':
		return append(dst, '\\', 'r')
	case '\t':
		return append(dst, '\\', 't')
	case '\b':
		return append(dst, '\\', 'b')
	case '\f':
		return append(dst, '\\', 'f')
	}
	return append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
}

// appendRuneEscape appends invalid UTF-8 as \ufffd and U+2028/U+2029
// escaped, as encoding/json does.
func appendRuneEscape(dst []byte, r rune) []byte {
	switch r {
	case '\u2028':
		return append(dst, `\u2028`...)
	case '\u2029':
		return append(dst, `\u2029`...)
	}
	return append(dst, `\ufffd`...)
}
