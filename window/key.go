package window

import "math"

// Key is one key's slot in Windows: the window's state of the key and the
// caller's state P of it (Value), created together on the key's first
// reading or Restore and dropped together by Forget.
type Key[P any] struct {
	keyState
	// Value is the caller's state of the key; zero when the slot is
	// created. Windows never reads or writes it.
	Value P
}

// Name returns the key.
func (k *Key[P]) Name() string { return k.key }

// Extra returns the key's floats of the caller's (Windows.SetExtra),
// zero when the slot is created. They live with the key's ring: Windows
// never reads or writes them, and Forget drops them.
func (k *Key[P]) Extra() []float32 { return k.ring[len(k.ring):cap(k.ring)] }

// Latest returns the latest event time of the key's readings, Unix
// milliseconds (the watermark's base; year 1's when it has none).
func (k *Key[P]) Latest() int64 { return k.maxMs }

// Held returns the number of the key's readings waiting for the watermark.
func (k *Key[P]) Held() int { return len(k.waiting()) }

// keyState is one key's grid position, ring and reorder buffer. It is held
// per key (with the caller's P, in a Key), so its fields are packed: at a
// million keys each word is 8 MB (BenchmarkStateMemory in pipeline).
type keyState struct {
	key   string
	last  int64 // slot of the last applied step; noSlot before the first
	steps int64 // steps applied since the last reset
	seen  uint64
	maxMs int64 // latest event time seen, Unix milliseconds

	ring []float32 // W×F, circular by step; Extra's floats after its len
	rb   *reorder  // readings waiting for the watermark; nil until one waits
	head int32     // the step slot the next push writes
	n    int32     // steps in the ring, ≤ W

	queued  int32 // rows emitted since the last Flush: the next row's round
	dictIdx int32 // index in the current Flush's key dictionary, or -1
}

// noSlot is keyState.last of a key that has applied no step.
const noSlot = math.MinInt64

// held is a reading in the reorder buffer.
type held struct {
	slot   int64
	ms     int64 // event time, Unix milliseconds
	offset int64
}

// reorder is a key's reorder buffer.
type reorder struct {
	held []held    // by slot
	vals []float64 // F values per held reading, in held's order
}

// started reports whether a step has been applied since the key was
// created.
func (k *keyState) started() bool { return k.last != noSlot }

// waiting returns the readings held for the watermark, by slot.
func (k *keyState) waiting() []held {
	if k.rb == nil {
		return nil
	}
	return k.rb.held
}

// wasRead reports whether slot, at or before the last applied slot, held a
// reading (not a fill) within the 64 slots seen remembers.
func (k *keyState) wasRead(slot int64) bool {
	d := uint64(k.last - slot)
	return d < 64 && k.seen&(1<<d) != 0
}

// heldAt returns the reorder buffer position for slot and whether a reading
// for slot is already held there.
func (k *keyState) heldAt(slot int64) (int, bool) {
	h := k.waiting()
	i := len(h)
	for i > 0 && h[i-1].slot >= slot {
		i--
	}
	return i, i < len(h) && h[i].slot == slot
}

// hold inserts a reading at position i of the reorder buffer.
func (k *keyState) hold(i int, h held, vals []float64) {
	if k.rb == nil {
		k.rb = &reorder{}
	}
	rb, f := k.rb, len(vals)
	rb.held = append(rb.held, held{})
	copy(rb.held[i+1:], rb.held[i:])
	rb.held[i] = h
	rb.vals = append(rb.vals, vals...)
	copy(rb.vals[(i+1)*f:], rb.vals[i*f:])
	copy(rb.vals[i*f:], vals)
}

// pop removes the first held reading.
func (k *keyState) pop(f int) {
	rb := k.rb
	copy(rb.held, rb.held[1:])
	rb.held = rb.held[:len(rb.held)-1]
	copy(rb.vals, rb.vals[f:])
	rb.vals = rb.vals[:len(rb.vals)-f]
}

// push appends one step's values (F of them) to the ring.
func (k *keyState) push(vals []float32, w int) {
	f, head := len(vals), int(k.head)
	copy(k.ring[head*f:(head+1)*f], vals)
	k.head = int32((head + 1) % w)
	k.n = int32(min(int(k.n)+1, w))
}

// newest returns the last pushed step's values; the ring must not be empty.
func (k *keyState) newest(f, w int) []float32 {
	i := (int(k.head) - 1 + w) % w
	return k.ring[i*f : (i+1)*f]
}

// windowInto writes the ring, oldest step first, into dst (W×F values),
// with zeros before the first step while the ring is not full.
func (k *keyState) windowInto(dst []float32, f, w int) {
	n, head := int(k.n), int(k.head)
	if n < w {
		clear(dst[:(w-n)*f])
		copy(dst[(w-n)*f:], k.ring[:n*f])
		return
	}
	m := copy(dst, k.ring[head*f:])
	copy(dst[m:], k.ring[:head*f])
}

// clearRing empties the ring and the step count: warm-up starts again.
// seen survives, so a reading for a slot read before the reset is still a
// duplicate rather than late.
func (k *keyState) clearRing() {
	k.head, k.n, k.steps = 0, 0, 0
}
