package record

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
)

var errLines = errors.New("csv value has more than one line")

// decodeCSV decodes a csv line, ts,value[,value...], into r's Values and
// st.
func (d *Decoder) decodeCSV(v []byte, st *stamp, r *Reading) error {
	v = trimNewline(v)
	if bytes.IndexByte(v, '\n') >= 0 || bytes.IndexByte(v, '\r') >= 0 {
		return Reject(ReasonDecode, errLines)
	}
	tsField, rest, found := bytes.Cut(v, []byte{','})
	if !found {
		return Reject(ReasonInvalidValue, errors.New("csv value has no value field"))
	}
	if err := d.csvTime(trimSpace(tsField), st); err != nil {
		return err
	}
	return d.csvValues(rest, r)
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

// csvTime parses the ts field: empty (absent), a number in the decoder's
// unit or RFC 3339. An RFC 3339 time is not a number (its '-' after four
// digits is not number syntax), so the order of the attempts is no choice.
func (d *Decoder) csvTime(b []byte, st *stamp) error {
	if len(b) == 0 {
		return nil
	}
	if dec, status := parseDecimal(b); status != numSyntax {
		return d.numericTime(b, dec, status, st)
	}
	if t, ok := parseRFC3339(b); ok {
		st.t, st.has = t, true
		return nil
	}
	return Reject(ReasonInvalidTime, fmt.Errorf("ts %q is neither RFC 3339 nor a number of %s", b, d.unit.word))
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
