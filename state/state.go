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
	// LastSlot is the start (Unix ms) of the key's last applied grid slot;
	// meaningful only when HasSlot.
	LastSlot int64
	// Steps counts the model steps applied since the key's last reset
	// (warm-up).
	Steps int64
	// Fingerprint identifies the model that produced Hidden.
	Fingerprint string
	// Hidden is the carried recurrent state (model.StateLen values).
	Hidden []float32
	// Ring holds the key's recent values, oldest first (n×features).
	Ring []float32

	// HasSlot reports that the key has applied a step (LastSlot is set).
	HasSlot bool
	// WindowSteps counts the window's steps since the key's last reset.
	WindowSteps int64
	// Seen has bit i set when the slot i intervals before LastSlot held a
	// reading (not a gap fill).
	Seen uint64
	// HasMaxTime reports that MaxTime is set.
	HasMaxTime bool
	// MaxTime is the latest event time the key has seen, Unix ms.
	MaxTime int64
	// Held are the readings waiting in the key's reorder buffer, in slot
	// order.
	Held []Held
}

// Held is a reading held for reordering.
type Held struct {
	Time   int64 // event time, Unix ms
	Offset int64 // input offset
	Values []float64
}

const (
	magicV1    = "RNS1"
	magicV2    = "RNS2"
	headerSize = 4 + 1 + 8 + 8 + 8
	v2Size     = 8 + 8 + 8 + 4
	crcSize    = 4
	// MaxFloats bounds each float section so a corrupt count cannot make
	// Decode allocate without limit.
	MaxFloats = 1 << 20
	// MaxHeld bounds the held readings of one entry, for the same reason.
	MaxHeld = 1 << 16

	flagSlot    = 1 << 0
	flagMaxTime = 1 << 1
)

// ErrCorrupt is wrapped by every error Decode returns for a malformed value.
var ErrCorrupt = errors.New("state: corrupt entry")

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Size returns the encoded size of e in bytes.
func (e *Entry) Size() int {
	n := headerSize + 1 + len(e.Fingerprint) + 4 + 4*len(e.Hidden) + 4 + 4*len(e.Ring) + v2Size + crcSize
	for _, h := range e.Held {
		n += 8 + 8 + 4 + 8*len(h.Values)
	}
	return n
}

// Append appends e's version 2 encoding to dst and returns the extended
// slice. It panics if the fingerprint is longer than 255 bytes or a section
// exceeds MaxFloats or MaxHeld (a programmer's error: the model and the
// window configuration bound them).
func (e *Entry) Append(dst []byte) []byte {
	if len(e.Fingerprint) > math.MaxUint8 || len(e.Hidden) > MaxFloats || len(e.Ring) > MaxFloats || len(e.Held) > MaxHeld {
		panic("state: entry too large to encode")
	}
	start := len(dst)
	dst = append(dst, magicV2...)
	dst = append(dst, e.flags())
	dst = binary.LittleEndian.AppendUint64(dst, uint64(e.Offset))
	dst = binary.LittleEndian.AppendUint64(dst, uint64(e.LastSlot))
	dst = binary.LittleEndian.AppendUint64(dst, uint64(e.Steps))
	dst = append(dst, byte(len(e.Fingerprint)))
	dst = append(dst, e.Fingerprint...)
	dst = appendFloats(dst, e.Hidden)
	dst = appendFloats(dst, e.Ring)
	dst = e.appendV2(dst)
	return binary.LittleEndian.AppendUint32(dst, crc32.Checksum(dst[start:], castagnoli))
}

func (e *Entry) flags() byte {
	var f byte
	if e.HasSlot {
		f |= flagSlot
	}
	if e.HasMaxTime {
		f |= flagMaxTime
	}
	return f
}

func (e *Entry) appendV2(dst []byte) []byte {
	dst = binary.LittleEndian.AppendUint64(dst, uint64(e.WindowSteps))
	dst = binary.LittleEndian.AppendUint64(dst, e.Seen)
	dst = binary.LittleEndian.AppendUint64(dst, uint64(e.MaxTime))
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(e.Held)))
	for _, h := range e.Held {
		if len(h.Values) > MaxFloats {
			panic("state: held reading too large to encode")
		}
		dst = binary.LittleEndian.AppendUint64(dst, uint64(h.Time))
		dst = binary.LittleEndian.AppendUint64(dst, uint64(h.Offset))
		dst = binary.LittleEndian.AppendUint32(dst, uint32(len(h.Values)))
		for _, v := range h.Values {
			dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(v))
		}
	}
	return dst
}

func appendFloats(dst []byte, v []float32) []byte {
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(v)))
	for _, f := range v {
		dst = binary.LittleEndian.AppendUint32(dst, math.Float32bits(f))
	}
	return dst
}

// Decode parses data (version 1 or 2) into e, reusing e's slices. Any
// malformed input returns an error wrapping ErrCorrupt and leaves e
// unspecified; it never panics.
func (e *Entry) Decode(data []byte) error {
	if len(data) < headerSize+1+4+4+crcSize {
		return fmt.Errorf("%w: %d bytes is shorter than the smallest entry", ErrCorrupt, len(data))
	}
	body, sum := data[:len(data)-crcSize], binary.LittleEndian.Uint32(data[len(data)-crcSize:])
	if got := crc32.Checksum(body, castagnoli); got != sum {
		return fmt.Errorf("%w: checksum %08x, want %08x", ErrCorrupt, got, sum)
	}
	v2 := string(body[:4]) == magicV2
	if !v2 && string(body[:4]) != magicV1 {
		return fmt.Errorf("%w: unknown magic %q", ErrCorrupt, body[:4])
	}
	if err := e.decodeFlags(body[4], v2); err != nil {
		return err
	}
	e.Offset = int64(binary.LittleEndian.Uint64(body[5:]))
	e.LastSlot = int64(binary.LittleEndian.Uint64(body[13:]))
	e.Steps = int64(binary.LittleEndian.Uint64(body[21:]))
	r := reader{b: body[headerSize:]}
	e.Fingerprint = r.str(e.Fingerprint)
	e.Hidden = r.floats(e.Hidden[:0])
	e.Ring = r.floats(e.Ring[:0])
	e.decodeV2(&r, v2)
	if r.err != nil {
		return r.err
	}
	if len(r.b) != 0 {
		return fmt.Errorf("%w: %d trailing bytes", ErrCorrupt, len(r.b))
	}
	return nil
}

func (e *Entry) decodeFlags(f byte, v2 bool) error {
	if (!v2 && f != 0) || f&^(flagSlot|flagMaxTime) != 0 {
		return fmt.Errorf("%w: unknown flags %#x", ErrCorrupt, f)
	}
	e.HasSlot, e.HasMaxTime = f&flagSlot != 0, f&flagMaxTime != 0
	return nil
}

// decodeV2 reads the version 2 fields, or zeroes them for version 1 (whose
// ring implies a slot).
func (e *Entry) decodeV2(r *reader, v2 bool) {
	e.Held = e.Held[:0]
	if !v2 {
		e.WindowSteps, e.Seen, e.MaxTime, e.HasMaxTime = e.Steps, 0, 0, false
		e.HasSlot = len(e.Ring) > 0
		return
	}
	e.WindowSteps = int64(r.u64())
	e.Seen = r.u64()
	e.MaxTime = int64(r.u64())
	n := r.count(MaxHeld, 20)
	for i := 0; i < n && r.err == nil; i++ {
		h := Held{Time: int64(r.u64()), Offset: int64(r.u64())}
		h.Values = r.doubles()
		e.Held = append(e.Held, h)
	}
}
