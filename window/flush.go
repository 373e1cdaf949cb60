package window

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// Flush returns every step applied since the last Flush as one Batch, or
// nil when there is none. The caller owns the Batch and must Release it.
func (w *Windows[P]) Flush() (*Batch, error) {
	n := len(w.rows.keys)
	if n == 0 {
		return nil, nil
	}
	order, rounds := w.sortRows()
	b := &Batch{
		Rounds:  rounds,
		Resets:  make([]bool, n),
		Filled:  make([]bool, n),
		Ready:   make([]bool, n),
		Offsets: make([]int64, n),
		Steps:   make([]int64, n),
		Keys:    make([]string, n),
	}
	for i, r := range order {
		b.Resets[i], b.Filled[i], b.Ready[i] = w.rows.resets[r], w.rows.filled[r], w.rows.ready[r]
		b.Offsets[i], b.Steps[i], b.Keys[i] = w.rows.offsets[r], w.rows.steps[r], w.rows.keys[r].key
	}
	w.flushed = w.flushed[:0]
	for _, r := range order {
		w.flushed = append(w.flushed, w.rows.keys[r])
	}
	b.Record = w.record(order)
	w.endFlush()
	return b, nil
}

// Flushed returns the slot of each row of the Batch the last Flush
// returned, in row order: Flushed()[i].Name() == b.Keys[i]. The slice is
// Windows' own and valid until the next Flush. A row queued by a key
// forgotten before the Flush has the forgotten slot.
func (w *Windows[P]) Flushed() []*Key[P] { return w.flushed }

// sortRows returns the queued rows sorted by round (stably, so a round keeps
// the order in which keys were applied), and the rounds as row ranges of
// at most MaxBatch rows.
func (w *Windows[P]) sortRows() ([]int32, [][2]int) {
	nr := int32(0)
	for _, r := range w.rows.rounds {
		nr = max(nr, r+1)
	}
	// start[r]: first position of round r; next[r]: the next free one.
	start := append(w.start[:0], make([]int, nr+1)...)
	for _, r := range w.rows.rounds {
		start[r+1]++
	}
	for r := int32(1); r <= nr; r++ {
		start[r] += start[r-1]
	}
	next := append(w.next[:0], start[:nr]...)
	order := append(w.order[:0], make([]int32, len(w.rows.rounds))...)
	for i, r := range w.rows.rounds {
		order[next[r]] = int32(i)
		next[r]++
	}
	w.start, w.next, w.order = start, next, order
	return order, w.chunk(start)
}

// chunk splits the rounds [start[r], start[r+1]) into ranges of at most
// MaxBatch rows.
func (w *Windows[P]) chunk(start []int) [][2]int {
	var out [][2]int
	for r := 0; r+1 < len(start); r++ {
		for lo := start[r]; lo < start[r+1]; lo += w.cfg.MaxBatch {
			out = append(out, [2]int{lo, min(lo+w.cfg.MaxBatch, start[r+1])})
		}
	}
	return out
}

// record builds the Arrow record of the queued rows in the given order.
func (w *Windows[P]) record(order []int32) arrow.RecordBatch {
	b, rs, n := w.b, &w.rows, len(order)
	valsF := b.vals.ValueBuilder().(*array.Float32Builder)
	winF := b.win.ValueBuilder().(*array.Float32Builder)
	b.idx.Reserve(n)
	b.ts.Reserve(n)
	b.vals.Reserve(n)
	b.win.Reserve(n)
	valsF.Reserve(n * rs.f)
	winF.Reserve(n * rs.wf)
	for _, r := range order {
		k := rs.keys[r]
		if k.dictIdx < 0 {
			k.dictIdx = int32(b.dict.Len())
			b.dict.Append(k.key)
		}
		b.idx.UnsafeAppend(k.dictIdx)
		b.ts.UnsafeAppend(arrow.Timestamp(rs.slots[r] * w.intervalMs))
		b.vals.Append(true)
		valsF.AppendValues(rs.vals[int(r)*rs.f:int(r+1)*rs.f], nil)
		b.win.Append(true)
		winF.AppendValues(rs.win[int(r)*rs.wf:int(r+1)*rs.wf], nil)
	}
	return w.assemble(n)
}

// assemble turns the builders' contents into a record of n rows.
func (w *Windows[P]) assemble(n int) arrow.RecordBatch {
	b := w.b
	dict, idx := b.dict.NewArray(), b.idx.NewArray()
	cols := []arrow.Array{
		array.NewDictionaryArray(b.schema.Field(ColKey).Type, idx, dict),
		b.ts.NewArray(),
		b.vals.NewArray(),
		b.win.NewArray(),
	}
	dict.Release()
	idx.Release()
	rec := array.NewRecordBatch(b.schema, cols, int64(n))
	for _, c := range cols {
		c.Release()
	}
	return rec
}

// endFlush resets the per-Flush state of keys and the row queue.
func (w *Windows[P]) endFlush() {
	for _, k := range w.rows.keys {
		k.queued, k.dictIdx = 0, -1
	}
	for key := range w.forgotten {
		if k := w.keys.get(key); k != nil {
			k.queued = 0 // a key forgotten and created again
		}
	}
	clear(w.forgotten)
	w.rows.reset()
}
