package record

import (
	"errors"
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// maxDepth bounds the nesting of skipped JSON values.
const maxDepth = 64

var (
	errTrailing  = errors.New("data after the json object")
	errNotObject = errors.New("value is not a json object")
	errTooDeep   = errors.New("json nesting too deep")
)

// jsonFields is what decodeJSON has seen of the object so far.
type jsonFields struct {
	ts, value, values bool
	st                *stamp
}

// decodeJSON decodes a json value into r's Values and st. It is a small
// hand-written scanner: encoding/json would allocate per record.
func (d *Decoder) decodeJSON(v []byte, st *stamp, r *Reading) error {
	s := scanner{buf: v, d: d}
	if s.ws(); !s.eat('{') {
		return Reject(ReasonDecode, errNotObject)
	}
	f := jsonFields{st: st}
	if err := s.members(&f, r); err != nil {
		return err
	}
	if s.ws(); s.pos != len(s.buf) {
		return Reject(ReasonDecode, errTrailing)
	}
	if !f.value && !f.values {
		return Reject(ReasonInvalidValue, errors.New("missing value or values"))
	}
	return nil
}

// syntax returns the rejection of malformed JSON at the scanner's position.
func (s *scanner) syntax() error {
	return Reject(ReasonDecode, fmt.Errorf("malformed json at byte %d", s.pos))
}

// scanner reads JSON from buf at pos.
type scanner struct {
	buf []byte
	pos int
	d   *Decoder
}

// members reads the object's members after its '{' up to its '}'.
func (s *scanner) members(f *jsonFields, r *Reading) error {
	if s.ws(); s.eat('}') {
		return nil
	}
	for {
		if err := s.member(f, r); err != nil {
			return err
		}
		s.ws()
		if s.eat('}') {
			return nil
		}
		if !s.eat(',') {
			return s.syntax()
		}
		s.ws()
	}
}

// member reads one "name": value pair.
func (s *scanner) member(f *jsonFields, r *Reading) error {
	name, ok := s.str()
	if !ok {
		return s.syntax()
	}
	if s.ws(); !s.eat(':') {
		return s.syntax()
	}
	s.ws()
	switch string(name) {
	case "ts":
		return s.field(&f.ts, "ts", func() error { return s.ts(f) })
	case "value":
		return s.field(&f.value, "value", func() error { return s.value(f, r) })
	case "values":
		return s.field(&f.values, "values", func() error { return s.values(f, r) })
	}
	if s.d.cfg.RejectUnknown {
		return Reject(ReasonDecode, fmt.Errorf("unknown field %q", name))
	}
	if !s.skip(0) {
		return s.syntax()
	}
	return nil
}

// field marks a known field seen, rejecting a repeated one, and reads it.
func (s *scanner) field(seen *bool, name string, read func() error) error {
	if *seen {
		return Reject(ReasonDecode, fmt.Errorf("field %q given twice", name))
	}
	*seen = true
	return read()
}

// ts reads the value of the ts field.
func (s *scanner) ts(f *jsonFields) error {
	if s.peek() == '"' {
		b, ok := s.str()
		if !ok {
			return s.syntax()
		}
		t, ok := parseRFC3339(b)
		if !ok {
			return Reject(ReasonInvalidTime, fmt.Errorf("ts %q is not an RFC 3339 time", b))
		}
		f.st.t, f.st.has = t, true
		return nil
	}
	num, ok := s.number()
	if !ok {
		return Reject(ReasonInvalidTime, errors.New("ts is neither a string nor a number"))
	}
	dec, status := parseDecimal(num)
	return s.d.numericTime(num, dec, status, f.st)
}

// value reads the value of the value field: one number.
func (s *scanner) value(f *jsonFields, r *Reading) error {
	if f.values {
		return Reject(ReasonDecode, errors.New("both value and values given"))
	}
	return s.float(r)
}

// values reads the value of the values field: an array of numbers.
func (s *scanner) values(f *jsonFields, r *Reading) error {
	if f.value {
		return Reject(ReasonDecode, errors.New("both value and values given"))
	}
	if !s.eat('[') {
		return Reject(ReasonInvalidValue, errors.New("values is not an array"))
	}
	if s.ws(); s.eat(']') {
		return nil
	}
	for {
		if len(r.Values) == s.d.cfg.Features {
			return Reject(ReasonInvalidValue, fmt.Errorf("more than %d values", s.d.cfg.Features))
		}
		if err := s.float(r); err != nil {
			return err
		}
		s.ws()
		if s.eat(']') {
			return nil
		}
		if !s.eat(',') {
			return s.syntax()
		}
		s.ws()
	}
}

// float reads one JSON number and appends it to r.Values.
func (s *scanner) float(r *Reading) error {
	num, ok := s.number()
	if !ok {
		return Reject(ReasonInvalidValue, s.notNumber())
	}
	v, err := strconv.ParseFloat(string(num), 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return Reject(ReasonInvalidValue, fmt.Errorf("cannot parse number %s: %w", num, err))
	}
	return appendValue(r, v)
}

// notNumber describes what stands where a number was expected.
func (s *scanner) notNumber() error {
	if s.peek() == '"' {
		if b, ok := s.str(); ok {
			return fmt.Errorf("value %q is a string, not a number", b)
		}
	}
	return errors.New("value is not a number")
}

// ws skips JSON whitespace.
func (s *scanner) ws() {
	for s.pos < len(s.buf) {
		switch s.buf[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// peek returns the next byte, or 0 at the end.
func (s *scanner) peek() byte {
	if s.pos < len(s.buf) {
		return s.buf[s.pos]
	}
	return 0
}

// eat consumes c if it is the next byte.
func (s *scanner) eat(c byte) bool {
	if s.peek() == c && s.pos < len(s.buf) {
		s.pos++
		return true
	}
	return false
}

// number consumes a JSON number and returns its bytes.
func (s *scanner) number() (num []byte, ok bool) {
	start := s.pos
	s.eat('-')
	switch c := s.peek(); {
	case c == '0':
		s.pos++
	case c >= '1' && c <= '9':
		s.digits()
	default:
		s.pos = start
		return nil, false
	}
	if s.eat('.') && s.digits() == 0 {
		return nil, false
	}
	if c := s.peek(); c == 'e' || c == 'E' {
		s.pos++
		if !s.eat('+') {
			s.eat('-')
		}
		if s.digits() == 0 {
			return nil, false
		}
	}
	return s.buf[start:s.pos], true
}

// digits consumes decimal digits and returns how many.
func (s *scanner) digits() int {
	start := s.pos
	for s.pos < len(s.buf) && s.buf[s.pos] >= '0' && s.buf[s.pos] <= '9' {
		s.pos++
	}
	return s.pos - start
}

// str consumes a JSON string and returns its contents, unescaped. The
// bytes alias buf, or the decoder's scratch when the string had escapes;
// either is valid until the next call.
func (s *scanner) str() ([]byte, bool) {
	if !s.eat('"') {
		return nil, false
	}
	start := s.pos
	for s.pos < len(s.buf) {
		switch c := s.buf[s.pos]; {
		case c == '"':
			s.pos++
			return s.buf[start : s.pos-1], true
		case c == '\\':
			return s.escaped(start)
		case c < 0x20:
			return nil, false
		case c < utf8.RuneSelf:
			s.pos++
		default:
			if !s.rune() {
				return nil, false
			}
		}
	}
	return nil, false
}

// rune consumes one multi-byte UTF-8 sequence, failing on invalid UTF-8.
func (s *scanner) rune() bool {
	r, n := utf8.DecodeRune(s.buf[s.pos:])
	if r == utf8.RuneError && n <= 1 {
		return false
	}
	s.pos += n
	return true
}

// escaped continues str from the first backslash, unescaping into scratch.
func (s *scanner) escaped(start int) ([]byte, bool) {
	out := append(s.d.scratch[:0], s.buf[start:s.pos]...)
	defer func() { s.d.scratch = out[:0] }()
	for s.pos < len(s.buf) {
		c := s.buf[s.pos]
		switch {
		case c == '"':
			s.pos++
			return out, true
		case c == '\\':
			var ok bool
			if out, ok = s.escape(out); !ok {
				return nil, false
			}
		case c < 0x20:
			return nil, false
		case c < utf8.RuneSelf:
			out = append(out, c)
			s.pos++
		default:
			from := s.pos
			if !s.rune() {
				return nil, false
			}
			out = append(out, s.buf[from:s.pos]...)
		}
	}
	return nil, false
}

// escape consumes one backslash escape and appends what it stands for.
func (s *scanner) escape(out []byte) ([]byte, bool) {
	if s.pos+1 >= len(s.buf) {
		return nil, false
	}
	c := s.buf[s.pos+1]
	s.pos += 2
	switch c {
	case '"', '\\', '/':
		return append(out, c), true
	case 'b':
		return append(out, '\b'), true
	case 'f':
		return append(out, '\f'), true
	case 'n':
		return append(out, '\n'), true
	case 'r':
		return append(out, '\r'), true
	case 't':
		return append(out, '\t'), true
	case 'u':
		return s.unicode(out)
	}
	return nil, false
}

// unicode reads the hex digits of a \u escape (and a following low
// surrogate's) and appends the rune as UTF-8; unpaired surrogates become
// U+FFFD, as encoding/json does.
func (s *scanner) unicode(out []byte) ([]byte, bool) {
	r1, ok := s.hex4()
	if !ok {
		return nil, false
	}
	if !utf16.IsSurrogate(r1) {
		return utf8.AppendRune(out, r1), true
	}
	if s.pos+1 < len(s.buf) && s.buf[s.pos] == '\\' && s.buf[s.pos+1] == 'u' {
		save := s.pos
		s.pos += 2
		r2, ok := s.hex4()
		if !ok {
			return nil, false
		}
		if r := utf16.DecodeRune(r1, r2); r != utf8.RuneError {
			return utf8.AppendRune(out, r), true
		}
		s.pos = save
	}
	return utf8.AppendRune(out, utf8.RuneError), true
}

// hex4 consumes four hex digits.
func (s *scanner) hex4() (rune, bool) {
	if s.pos+4 > len(s.buf) {
		return 0, false
	}
	var r rune
	for _, c := range s.buf[s.pos : s.pos+4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	s.pos += 4
	return r, true
}

// skip consumes any JSON value, nested at most maxDepth deep.
func (s *scanner) skip(depth int) bool {
	if depth > maxDepth {
		return false
	}
	switch s.peek() {
	case '{':
		return s.skipContainer('}', depth, func() bool {
			_, ok := s.str()
			s.ws()
			return ok && s.eat(':') && s.skipWS(depth)
		})
	case '[':
		return s.skipContainer(']', depth, func() bool { return s.skip(depth + 1) })
	case '"':
		_, ok := s.str()
		return ok
	case 't':
		return s.literal("true")
	case 'f':
		return s.literal("false")
	case 'n':
		return s.literal("null")
	}
	_, ok := s.number()
	return ok
}

// skipWS skips whitespace and then a value one level deeper.
func (s *scanner) skipWS(depth int) bool {
	s.ws()
	return s.skip(depth + 1)
}

// skipContainer consumes an object or array whose elements item reads.
func (s *scanner) skipContainer(end byte, depth int, item func() bool) bool {
	s.pos++
	if s.ws(); s.eat(end) {
		return true
	}
	for {
		if !item() {
			return false
		}
		s.ws()
		if s.eat(end) {
			return true
		}
		if !s.eat(',') {
			return false
		}
		s.ws()
	}
}

// literal consumes the literal lit.
func (s *scanner) literal(lit string) bool {
	if len(s.buf)-s.pos < len(lit) || string(s.buf[s.pos:s.pos+len(lit)]) != lit {
		return false
	}
	s.pos += len(lit)
	return true
}
