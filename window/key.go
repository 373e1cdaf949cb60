package window

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

// Held returns the number of the key's readings waiting for the watermark.
func (k *Key[P]) Held() int { return len(k.held) }

// keyState is one key's grid position, ring and reorder buffer.
type keyState struct {
	key     string
	started bool  // a step has been applied since the key was created
	last    int64 // slot of the last applied step
	steps   int64 // steps applied since the last reset
	seen    uint64
	maxMs   int64 // latest event time seen, Unix milliseconds

	ring []float32 // W×F, circular by step
	head int       // the step slot the next push writes
	n    int       // steps in the ring, ≤ W

	held     []held    // readings waiting for the watermark, by slot
	heldVals []float64 // F values per held reading, in held's order

	queued  int32 // rows emitted since the last Flush: the next row's round
	dictIdx int32 // index in the current Flush's key dictionary, or -1
}

// held is a reading in the reorder buffer.
type held struct {
	slot   int64
	ms     int64 // event time, Unix milliseconds
	offset int64
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
	i := len(k.held)
	for i > 0 && k.held[i-1].slot >= slot {
		i--
	}
	return i, i < len(k.held) && k.held[i].slot == slot
}

// hold inserts a reading at position i of the reorder buffer.
func (k *keyState) hold(i int, h held, vals []float64) {
	f := len(vals)
	k.held = append(k.held, held{})
	copy(k.held[i+1:], k.held[i:])
	k.held[i] = h
	k.heldVals = append(k.heldVals, vals...)
	copy(k.heldVals[(i+1)*f:], k.heldVals[i*f:])
	copy(k.heldVals[i*f:], vals)
}

// pop removes the first held reading.
func (k *keyState) pop(f int) {
	copy(k.held, k.held[1:])
	k.held = k.held[:len(k.held)-1]
	copy(k.heldVals, k.heldVals[f:])
	k.heldVals = k.heldVals[:len(k.heldVals)-f]
}

// push appends one step's values (F of them) to the ring.
func (k *keyState) push(vals []float32, w int) {
	f := len(vals)
	copy(k.ring[k.head*f:(k.head+1)*f], vals)
	k.head = (k.head + 1) % w
	k.n = min(k.n+1, w)
}

// newest returns the last pushed step's values; the ring must not be empty.
func (k *keyState) newest(f, w int) []float32 {
	i := (k.head - 1 + w) % w
	return k.ring[i*f : (i+1)*f]
}

// windowInto writes the ring, oldest step first, into dst (W×F values),
// with zeros before the first step while the ring is not full.
func (k *keyState) windowInto(dst []float32, f, w int) {
	if k.n < w {
		clear(dst[:(w-k.n)*f])
		copy(dst[(w-k.n)*f:], k.ring[:k.n*f])
		return
	}
	m := copy(dst, k.ring[k.head*f:])
	copy(dst[m:], k.ring[:k.head*f])
}

// clearRing empties the ring and the step count: warm-up starts again.
// seen survives, so a reading for a slot read before the reset is still a
// duplicate rather than late.
func (k *keyState) clearRing() {
	k.head, k.n, k.steps = 0, 0, 0
}
