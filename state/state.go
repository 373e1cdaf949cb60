package state

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
)

// Entry is one key's checkpointed state.
type Entry struct {
	// Offset is the input offset of the last reading applied to the key;
	// a reading at or below it is skipped after a restore.
	Offset int64
	// LastSlot is the event time (Unix ms) of the key's last applied grid slot.
	LastSlot int64
	// Steps counts the steps applied since the key's last reset (warm-up).
	Steps int64
	// Fingerprint identifies the model that produced Hidden.
	Fingerprint string
	// Hidden is the carried recurrent state (model.StateLen values).
	Hidden []float32
	// Ring holds the key's recent values, oldest first (n×features).
	Ring []float32
}

const (
	magic      = "RNS1"
	headerSize = 4 + 1 + 8 + 8 + 8
	crcSize    = 4
	// MaxFloats bounds each float section so a corrupt count cannot make
	// Decode allocate without limit.
	MaxFloats = 1 << 20
)

// ErrCorrupt is wrapped by every error Decode returns for a malformed value.
var ErrCorrupt = errors.New("state: corrupt entry")

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Size returns the encoded size of e in bytes.
func (e *Entry) Size() int {
	return headerSize + 1 + len(e.Fingerprint) + 4 + 4*len(e.Hidden) + 4 + 4*len(e.Ring) + crcSize
}

// Append appends e's encoding to dst and returns the extended slice. It
// panics if the fingerprint is longer than 255 bytes or a section exceeds
// MaxFloats (a programmer's error: the model bounds both).
func (e *Entry) Append(dst []byte) []byte {
	if len(e.Fingerprint) > math.MaxUint8 || len(e.Hidden) > MaxFloats || len(e.Ring) > MaxFloats {
		panic("state: entry too large to encode")
	}
	start := len(dst)
	dst = append(dst, magic...)
	dst = append(dst, 0)
	dst = binary.LittleEndian.AppendUint64(dst, uint64(e.Offset))
	dst = binary.LittleEndian.AppendUint64(dst, uint64(e.LastSlot))
	dst = binary.LittleEndian.AppendUint64(dst, uint64(e.Steps))
	dst = append(dst, byte(len(e.Fingerprint)))
	dst = append(dst, e.Fingerprint...)
	dst = appendFloats(dst, e.Hidden)
	dst = appendFloats(dst, e.Ring)
	return binary.LittleEndian.AppendUint32(dst, crc32.Checksum(dst[start:], castagnoli))
}

func appendFloats(dst []byte, v []float32) []byte {
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(v)))
	for _, f := range v {
		dst = binary.LittleEndian.AppendUint32(dst, math.Float32bits(f))
	}
	return dst
}

// Decode parses data into e, reusing e's slices. Any malformed input returns
// an error wrapping ErrCorrupt and leaves e unspecified; it never panics.
func (e *Entry) Decode(data []byte) error {
	if len(data) < headerSize+1+4+4+crcSize {
		return fmt.Errorf("%w: %d bytes is shorter than the smallest entry", ErrCorrupt, len(data))
	}
	body, sum := data[:len(data)-crcSize], binary.LittleEndian.Uint32(data[len(data)-crcSize:])
	if got := crc32.Checksum(body, castagnoli); got != sum {
		return fmt.Errorf("%w: checksum %08x, want %08x", ErrCorrupt, got, sum)
	}
	if string(body[:4]) != magic {
		return fmt.Errorf("%w: unknown magic %q", ErrCorrupt, body[:4])
	}
	if body[4] != 0 {
		return fmt.Errorf("%w: unknown flags %#x", ErrCorrupt, body[4])
	}
	e.Offset = int64(binary.LittleEndian.Uint64(body[5:]))
	e.LastSlot = int64(binary.LittleEndian.Uint64(body[13:]))
	e.Steps = int64(binary.LittleEndian.Uint64(body[21:]))
	r := reader{b: body[headerSize:]}
	e.Fingerprint = r.str(e.Fingerprint)
	e.Hidden = r.floats(e.Hidden[:0])
	e.Ring = r.floats(e.Ring[:0])
	if r.err != nil {
		return r.err
	}
	if len(r.b) != 0 {
		return fmt.Errorf("%w: %d trailing bytes", ErrCorrupt, len(r.b))
	}
	return nil
}

// reader consumes length-prefixed sections; the first failure sticks.
type reader struct {
	b   []byte
	err error
}

// str returns the next length-prefixed string, reusing prev (no
// allocation) when the bytes equal it, as they do for every key of a model.
func (r *reader) str(prev string) string {
	if r.err != nil {
		return ""
	}
	if len(r.b) < 1 || len(r.b) < 1+int(r.b[0]) {
		r.err = fmt.Errorf("%w: fingerprint runs past the end", ErrCorrupt)
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
	if r.err != nil {
		return dst
	}
	if len(r.b) < 4 {
		r.err = fmt.Errorf("%w: float count runs past the end", ErrCorrupt)
		return dst
	}
	n := binary.LittleEndian.Uint32(r.b)
	if n > MaxFloats || uint64(len(r.b)-4) < 4*uint64(n) {
		r.err = fmt.Errorf("%w: %d floats do not fit in %d bytes", ErrCorrupt, n, len(r.b)-4)
		return dst
	}
	p := r.b[4:]
	for i := 0; i < int(n); i++ {
		dst = append(dst, math.Float32frombits(binary.LittleEndian.Uint32(p[4*i:])))
	}
	r.b = p[4*int(n):]
	return dst
}
