package record

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"time"
)

var errLines = errors.New("csv value has more than one line")

// decodeCSV decodes a csv line, ts,value[,value...], into r's Values and
// Time.
func (d *Decoder) decodeCSV(v []byte, recordTime time.Time, r *Reading) error {
	v = trimNewline(v)
	if bytes.IndexByte(v, '\n') >= 0 || bytes.IndexByte(v, '\r') >= 0 {
		return Reject(ReasonDecode, errLines)
	}
	tsField, rest, found := bytes.Cut(v, []byte{','})
	if !found {
		return Reject(ReasonInvalidValue, errors.New("csv value has no value field"))
	}
	t, has, err := csvTime(trimSpace(tsField))
	if err != nil {
		return err
	}
	if err := d.csvValues(rest, r); err != nil {
		return err
	}
	return d.eventTime(t, has, recordTime, r)
}

// csvValues parses the comma-separated values after ts.
func (d *Decoder) csvValues(rest []byte, r *Reading) error {
	for {
		field, tail, more := bytes.Cut(rest, []byte{','})
		if len(r.Values) == d.cfg.Features {
			return Reject(ReasonInvalidValue, fmt.Errorf("more than %d values", d.cfg.Features))
		}
		field = trimSpace(field)
		x, err := strconv.ParseFloat(string(field), 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return Reject(ReasonInvalidValue, fmt.Errorf("cannot parse value %q", field))
		}
		if err := appendValue(r, x); err != nil {
			return err
		}
		if !more {
			return nil
		}
		rest = tail
	}
}

// csvTime parses the ts field: empty (absent), epoch milliseconds or RFC
// 3339.
func csvTime(b []byte) (time.Time, bool, error) {
	if len(b) == 0 {
		return time.Time{}, false, nil
	}
	if ms, ok := parseMillis(b); ok {
		return time.UnixMilli(ms).UTC(), true, nil
	}
	if t, ok := parseRFC3339(b); ok {
		return t, true, nil
	}
	return time.Time{}, false, Reject(ReasonInvalidTime, fmt.Errorf("ts %q is neither RFC 3339 nor epoch milliseconds", b))
}

// trimNewline removes one trailing "\n" or "\r\n".
func trimNewline(b []byte) []byte {
	b, _ = bytes.CutSuffix(b, []byte{'\n'})
	b, _ = bytes.CutSuffix(b, []byte{'\r'})
	return b
}

// trimSpace removes spaces and tabs around a field.
func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}
