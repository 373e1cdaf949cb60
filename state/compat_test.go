package state

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
	"math"
	"math/rand/v2"
	"testing"
)

// appendV1 encodes e as the lead's version 1 did (no version 2 fields).
func appendV1(e *Entry) []byte {
	b := []byte(magicV1)
	b = append(b, 0)
	b = binary.LittleEndian.AppendUint64(b, uint64(e.Offset))
	b = binary.LittleEndian.AppendUint64(b, uint64(e.LastSlot))
	b = binary.LittleEndian.AppendUint64(b, uint64(e.Steps))
	b = append(b, byte(len(e.Fingerprint)))
	b = append(b, e.Fingerprint...)
	b = appendFloats(b, e.Hidden)
	b = appendFloats(b, e.Ring)
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
}

// TestDecodeV1 reads version 1 entries: the shared fields as written, the
// version 2 fields derived (window steps = steps, a slot when the ring has
// values) or zero.
func TestDecodeV1(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, ring := range []int{0, 5} {
		in := sample(rng, 6, ring)
		var out Entry
		if err := out.Decode(appendV1(in)); err != nil {
			t.Fatalf("Decode of version 1: %v", err)
		}
		want := Entry{Offset: in.Offset, LastSlot: in.LastSlot, Steps: in.Steps, Fingerprint: in.Fingerprint,
			Hidden: in.Hidden, Ring: in.Ring, HasSlot: ring > 0, WindowSteps: in.Steps}
		if !equal(&out, &want) {
			t.Fatalf("version 1 decoded to %+v, want %+v", out, want)
		}
	}
}

// TestDecodeCorruptV2 damages the version 2 sections behind a valid
// checksum, so only the structural checks can catch it.
func TestDecodeCorruptV2(t *testing.T) {
	e := sample(rand.New(rand.NewPCG(11, 12)), 2, 2)
	e.Held = []Held{{Time: 1, Offset: 2, Values: []float64{3}}}
	valid := e.Append(nil)
	heldAt := headerSize + 1 + len(e.Fingerprint) + 4 + 8 + 4 + 8 + 24
	f := func(name string, mutate func(b []byte)) {
		t.Helper()
		var out Entry
		if err := out.Decode(reseal(mutate, valid)); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("%s: got %v, want ErrCorrupt", name, err)
		}
	}
	f("unknown flag", func(b []byte) { b[4] |= 0x80 })
	f("flags on version 1", func(b []byte) { copy(b, magicV1) })
	f("held count past the end", func(b []byte) { b[heldAt] = 2 })
	f("held count over the limit", func(b []byte) { binary.LittleEndian.PutUint32(b[heldAt:], math.MaxUint32) })
	f("held values past the end", func(b []byte) { b[heldAt+4+16] = 9 })
	var out Entry
	if err := out.Decode(valid); err != nil || !equal(&out, e) {
		t.Fatalf("undamaged entry: %v", err)
	}
}
