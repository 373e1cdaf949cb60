package window

// rows queues the steps applied since the last Flush, in the order they
// were applied. Its slices keep their capacity across Flush calls.
type rows[P any] struct {
	f, wf int // values per row in vals and in win

	keys    []*Key[P]
	slots   []int64
	vals    []float32 // f per row
	win     []float32 // wf per row: the ring after the step, oldest first
	resets  []bool
	filled  []bool
	ready   []bool
	offsets []int64
	steps   []int64
	rounds  []int32 // the key's rows queued before this one
}

// add queues one step of key k, just pushed to its ring.
func (r *rows[P]) add(k *Key[P], slot int64, vals []float32, offset int64, reset, filled, ready bool) {
	r.keys = append(r.keys, k)
	r.slots = append(r.slots, slot)
	r.vals = append(r.vals, vals...)
	n := len(r.win)
	r.win = grow(r.win, r.wf)
	k.windowInto(r.win[n:], r.f, r.wf/r.f)
	r.resets = append(r.resets, reset)
	r.filled = append(r.filled, filled)
	r.ready = append(r.ready, ready)
	r.offsets = append(r.offsets, offset)
	r.steps = append(r.steps, k.steps)
	r.rounds = append(r.rounds, k.queued)
}

// reset empties the queue, keeping its memory.
func (r *rows[P]) reset() {
	for i := range r.keys {
		r.keys[i] = nil // let forgotten keys be collected
	}
	r.keys, r.slots, r.vals, r.win = r.keys[:0], r.slots[:0], r.vals[:0], r.win[:0]
	r.resets, r.filled, r.ready = r.resets[:0], r.filled[:0], r.ready[:0]
	r.offsets, r.steps, r.rounds = r.offsets[:0], r.steps[:0], r.rounds[:0]
}

// grow extends s by n elements, reusing its capacity.
func grow(s []float32, n int) []float32 {
	if len(s)+n <= cap(s) {
		return s[:len(s)+n]
	}
	return append(s, make([]float32, n)...)
}
