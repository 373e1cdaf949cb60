package state

import (
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func sample(rng *rand.Rand, hidden, ring int) *Entry {
	e := &Entry{
		Offset:      rng.Int64N(1 << 40),
		LastSlot:    1_700_000_000_000 + rng.Int64N(1<<30),
		Steps:       rng.Int64N(10000),
		Fingerprint: "3f9a0c",
		Hidden:      make([]float32, hidden),
		Ring:        make([]float32, ring),
		HasSlot:     ring > 0,
		WindowSteps: rng.Int64N(10000),
		Seen:        rng.Uint64(),
		HasMaxTime:  true,
		MaxTime:     1_700_000_000_000 + rng.Int64N(1<<30),
	}
	for i := range rng.IntN(3) {
		e.Held = append(e.Held, Held{Time: e.MaxTime - int64(i)*60000, Offset: e.Offset + int64(i) + 1,
			Values: []float64{rng.NormFloat64(), rng.NormFloat64()}})
	}
	for i := range e.Hidden {
		e.Hidden[i] = rng.Float32()*2 - 1
	}
	for i := range e.Ring {
		e.Ring[i] = rng.Float32() * 40
	}
	return e
}

func TestRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	f := func(hidden, ring int) {
		t.Helper()
		in := sample(rng, hidden, ring)
		data := in.Append(nil)
		if len(data) != in.Size() {
			t.Fatalf("encoded %d bytes, Size says %d", len(data), in.Size())
		}
		out := &Entry{Hidden: []float32{math.Float32frombits(0x7fc00001)}} // poisoned, reused
		if err := out.Decode(data); err != nil {
			t.Fatalf("Decode: %v", err)
		}
		if !equal(out, in) {
			t.Fatalf("round trip: got %+v, want %+v", out, in)
		}
	}
	f(0, 0)
	f(64, 0)
	f(128, 64)
	f(1, 3*64)
}

func TestDecodeCorrupt(t *testing.T) {
	valid := sample(rand.New(rand.NewPCG(3, 4)), 8, 4).Append(nil)
	flip := func(i int) []byte { b := bytes.Clone(valid); b[i] ^= 0x40; return b }
	f := func(name string, data []byte) {
		t.Helper()
		var e Entry
		err := e.Decode(data)
		if !errors.Is(err, ErrCorrupt) {
			t.Fatalf("%s: got error %v, want ErrCorrupt", name, err)
		}
	}
	f("empty", nil)
	f("truncated", valid[:len(valid)-1])
	f("flipped body bit", flip(30))
	f("flipped checksum", flip(len(valid)-1))
	f("bad magic with fixed checksum", reseal(func(b []byte) { b[0] = 'X' }, valid))
	f("huge float count", reseal(func(b []byte) { b[headerSize+1+6+3] = 0xff }, valid))
	f("trailing bytes", reseal(func(b []byte) {}, append(bytes.Clone(valid[:len(valid)-4]), 0, 0, 0, 0, 0)))
}

// reseal applies mutate to a copy of the body and recomputes the checksum,
// so that only the structural checks can catch the damage.
func reseal(mutate func([]byte), data []byte) []byte {
	body := bytes.Clone(data[:len(data)-crcSize])
	mutate(body)
	sum := crc(body)
	return append(body, byte(sum), byte(sum>>8), byte(sum>>16), byte(sum>>24))
}

func FuzzDecode(f *testing.F) {
	rng := rand.New(rand.NewPCG(5, 6))
	f.Add(sample(rng, 0, 0).Append(nil))
	f.Add(sample(rng, 32, 48).Append(nil))
	f.Add([]byte("RNS1"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var e Entry
		if err := e.Decode(data); err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error does not wrap ErrCorrupt: %v", err)
			}
			return
		}
		again := e.Append(nil)
		if string(data[:4]) == magicV2 && !bytes.Equal(again, data) {
			t.Fatalf("accepted version 2 input does not re-encode to itself")
		}
		var back Entry
		if err := back.Decode(again); err != nil || !equal(&back, &e) {
			t.Fatalf("re-encoded entry does not decode to itself: %v", err)
		}
	})
}

func BenchmarkAppendDecode(b *testing.B) {
	in := sample(rand.New(rand.NewPCG(7, 8)), 64, 64)
	var buf []byte
	var out Entry
	b.ReportAllocs()
	for b.Loop() {
		buf = in.Append(buf[:0])
		if err := out.Decode(buf); err != nil {
			b.Fatal(err)
		}
	}
}

// equal compares entries bit for bit (NaN payloads included).
func equal(a, b *Entry) bool {
	same := a.Offset == b.Offset && a.LastSlot == b.LastSlot && a.Steps == b.Steps &&
		a.Fingerprint == b.Fingerprint && bitsEqual32(a.Hidden, b.Hidden) && bitsEqual32(a.Ring, b.Ring) &&
		a.HasSlot == b.HasSlot && a.WindowSteps == b.WindowSteps && a.Seen == b.Seen &&
		a.HasMaxTime == b.HasMaxTime && a.MaxTime == b.MaxTime && len(a.Held) == len(b.Held)
	for i := 0; same && i < len(a.Held); i++ {
		x, y := a.Held[i], b.Held[i]
		same = x.Time == y.Time && x.Offset == y.Offset && slices.EqualFunc(x.Values, y.Values,
			func(p, q float64) bool { return math.Float64bits(p) == math.Float64bits(q) })
	}
	return same
}

func bitsEqual32(a, b []float32) bool {
	return slices.EqualFunc(a, b, func(p, q float32) bool { return math.Float32bits(p) == math.Float32bits(q) })
}
