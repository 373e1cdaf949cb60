package state

import (
	"encoding/binary"
	"fmt"
	"math"
)

// reader consumes fixed and length-prefixed sections; the first failure
// sticks and every later read returns zero values.
type reader struct {
	b   []byte
	err error
}

func (r *reader) fail(what string) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: %s runs past the end", ErrCorrupt, what)
	}
}

func (r *reader) u64() uint64 {
	if r.err != nil {
		return 0
	}
	if len(r.b) < 8 {
		r.fail("an integer")
		return 0
	}
	v := binary.LittleEndian.Uint64(r.b)
	r.b = r.b[8:]
	return v
}

// count reads a 4-byte count of items of at least minSize bytes each, at
// most limit, that must fit in what is left.
func (r *reader) count(limit int, minSize int) int {
	if r.err != nil {
		return 0
	}
	if len(r.b) < 4 {
		r.fail("a count")
		return 0
	}
	n := binary.LittleEndian.Uint32(r.b)
	if uint64(n) > uint64(limit) || uint64(len(r.b)-4) < uint64(minSize)*uint64(n) {
		r.err = fmt.Errorf("%w: %d items of %d bytes do not fit in %d bytes", ErrCorrupt, n, minSize, len(r.b)-4)
		return 0
	}
	r.b = r.b[4:]
	return int(n)
}

// str returns the next length-prefixed string, reusing prev (no
// allocation) when the bytes equal it, as they do for every key of a model.
func (r *reader) str(prev string) string {
	if r.err != nil {
		return ""
	}
	if len(r.b) < 1 || len(r.b) < 1+int(r.b[0]) {
		r.fail("the fingerprint")
		return ""
	}
	n := int(r.b[0])
	b := r.b[1 : 1+n]
	r.b = r.b[1+n:]
	if string(b) == prev {
		return prev
	}
	return string(b)
}

func (r *reader) floats(dst []float32) []float32 {
	n := r.count(MaxFloats, 4)
	for i := 0; i < n; i++ {
		dst = append(dst, math.Float32frombits(binary.LittleEndian.Uint32(r.b[4*i:])))
	}
	r.b = r.b[4*n:]
	return dst
}

func (r *reader) doubles() []float64 {
	n := r.count(MaxFloats, 8)
	if n == 0 {
		return nil
	}
	dst := make([]float64, n)
	for i := range dst {
		dst[i] = math.Float64frombits(binary.LittleEndian.Uint64(r.b[8*i:]))
	}
	r.b = r.b[8*n:]
	return dst
}
