package window

import (
	"errors"
	"fmt"
	"iter"
	"math"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/rnncast/rnncast/record"
)

// Windows holds the grid position, ring and reorder buffer of every key of
// one partition, and the steps ready for the next Flush. Each key has one
// slot, a Key[P], which also holds the caller's per-key state P: one hash
// lookup finds everything a key has. It is owned by one goroutine.
type Windows[P any] struct {
	cfg        Config
	intervalMs int64
	latenessMs int64

	keys      table[P]
	extra     int              // floats allocated after each key's ring (SetExtra)
	cached    *Key[P]          // the key Lookup or Intern found last
	forgotten map[string]int32 // queued rows of keys forgotten since the last Flush
	rows      rows[P]
	flushed   []*Key[P] // the key of each row of the last Flush, in row order
	conv      []float32 // a reading's values as float32
	fill      []float32 // a gap-fill step's values
	from      []float32 // the values a gap is filled from
	order     []int32   // Flush's row order, reused
	start     []int     // Flush's round starts, reused
	next      []int     // Flush's round cursors, reused

	b *builders
}

// New returns empty Windows whose keys carry a P each (struct{} when the
// caller keeps nothing per key). alloc allocates the Arrow memory of
// batches.
func New[P any](cfg Config, alloc memory.Allocator) (*Windows[P], error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if alloc == nil {
		return nil, errors.New("window: nil allocator")
	}
	cfg = cfg.withDefaults()
	return &Windows[P]{
		cfg:        cfg,
		intervalMs: cfg.Interval.Milliseconds(),
		latenessMs: cfg.AllowedLateness.Milliseconds(),
		keys:       newTable[P](),
		forgotten:  make(map[string]int32),
		rows:       rows[P]{f: cfg.Features, wf: cfg.Window * cfg.Features},
		conv:       make([]float32, cfg.Features),
		fill:       make([]float32, cfg.Features),
		from:       make([]float32, cfg.Features),
		b:          newBuilders(alloc, cfg),
	}, nil
}

// Config returns the configuration with defaults applied.
func (w *Windows[P]) Config() Config { return w.cfg }

// Len returns the number of keys held.
func (w *Windows[P]) Len() int { return w.keys.n }

// Pending returns the number of rows the next Flush would return.
func (w *Windows[P]) Pending() int { return len(w.rows.keys) }

// Held returns the number of readings waiting in reorder buffers.
func (w *Windows[P]) Held() int {
	n := 0
	for k := range w.All() {
		n += len(k.waiting())
	}
	return n
}

// MinHeldOffset returns the lowest input offset among held readings, and
// false when none is held. Held readings are in no Batch yet: a pipeline
// whose checkpoints do not include Snapshot's Held must not commit past
// this offset.
func (w *Windows[P]) MinHeldOffset() (int64, bool) {
	lowest, ok := int64(0), false
	for k := range w.All() {
		for _, h := range k.waiting() {
			if !ok || h.offset < lowest {
				lowest, ok = h.offset, true
			}
		}
	}
	return lowest, ok
}

// Forget drops a key's state and its P (TTL expiry, or a revoked
// partition). Rows it already queued stay in the next Batch, and their
// entries of Flushed are the forgotten Key.
func (w *Windows[P]) Forget(key string) {
	k := w.keys.remove(key)
	if k == nil {
		return
	}
	if k.queued > 0 {
		w.forgotten[key] = k.queued
	}
	if w.cached == k {
		w.cached = nil
	}
}

// Lookup returns key's slot, or nil when the key is not held. Looking up
// the key Intern or Lookup found last costs no hash.
func (w *Windows[P]) Lookup(key string) *Key[P] {
	if c := w.cached; c != nil && c.key == key {
		return c
	}
	k := w.keys.get(key)
	if k != nil {
		w.cached = k
	}
	return k
}

// Intern returns the key string Windows holds for key's bytes, and false
// when the key is not held. It is record.Decoder's interner
// (Decoder.InternWith): the decoder's lookup of a known key is then the
// one hash lookup of its reading, as Lookup and Put of the same key find
// it without hashing again.
func (w *Windows[P]) Intern(key []byte) (string, bool) {
	k := w.keys.getBytes(key)
	if k == nil {
		return "", false
	}
	w.cached = k
	return k.key, true
}

// All returns an iterator over the slots of every key held, in no
// particular order. The caller must not add or forget keys while
// iterating.
func (w *Windows[P]) All() iter.Seq[*Key[P]] {
	return func(yield func(*Key[P]) bool) {
		for _, k := range w.keys.slots {
			if k != nil && !yield(k) {
				return
			}
		}
	}
}

// Release frees the Arrow builders. Batches already returned stay valid
// until their own Release. w must not be used afterwards.
func (w *Windows[P]) Release() { w.b.release() }

// Earliest and latest event times Windows accepts (years 1 to 9999), so
// that grid arithmetic in milliseconds cannot overflow.
var (
	minTime = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	maxTime = time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)
)

// Add places a reading on its key's grid, as Put does.
func (w *Windows[P]) Add(r *record.Reading) error {
	_, err := w.Put(r)
	return err
}

// Put places a reading on its key's grid and returns the key's slot (nil
// when the reading is rejected); a key seen for the first time gets a slot
// with a zero P. A reading for a slot that
// already had a reading, or is held, is rejected with ReasonDuplicate; one
// for a slot the key has already passed with ReasonLate. Both are
// *record.RejectError, and Add then changes nothing. An accepted reading is
// held until the key's watermark reaches its slot (at once when
// AllowedLateness is 0) and then applied, after any gap fill, as a row of
// the next Batch. Put keeps no reference to r.
func (w *Windows[P]) Put(r *record.Reading) (*Key[P], error) {
	if err := w.check(r); err != nil {
		return nil, err
	}
	ms := r.Time.UnixMilli()
	slot := floorDiv(ms, w.intervalMs)
	k := w.key(r.Key)
	if k.started() && slot <= k.last {
		return nil, w.rejectPast(k, slot, r)
	}
	i, dup := k.heldAt(slot)
	if dup {
		return nil, record.Reject(record.ReasonDuplicate, fmt.Errorf("window: slot %v of key %q already has a held reading", w.slotTime(slot), r.Key))
	}
	k.maxMs = max(k.maxMs, ms)
	if len(k.waiting()) == 0 && slot <= floorDiv(k.maxMs-w.latenessMs, w.intervalMs) {
		// The watermark has passed the slot and nothing is held: apply at
		// once, as release would, without giving the key a reorder buffer
		// (with no lateness, no key ever needs one: ~100 bytes per key).
		for j, v := range r.Values {
			w.conv[j] = float32(v)
		}
		w.apply(k, slot, w.conv, r.Offset)
		return k, nil
	}
	k.hold(i, held{slot: slot, ms: ms, offset: r.Offset}, r.Values)
	w.release(k)
	return k, nil
}

// check validates a reading's shape and range (record.Decoder has done so
// for decoded readings; Add must not trust its caller to).
func (w *Windows[P]) check(r *record.Reading) error {
	if r.Key == "" {
		return record.Reject(record.ReasonInvalidKey, errors.New("window: empty key"))
	}
	if len(r.Values) != w.cfg.Features {
		return record.Reject(record.ReasonInvalidValue, fmt.Errorf("window: got %d values, want %d", len(r.Values), w.cfg.Features))
	}
	for _, v := range r.Values {
		if math.IsNaN(v) || math.Abs(v) > math.MaxFloat32 {
			return record.Reject(record.ReasonInvalidValue, fmt.Errorf("window: value %v is not a finite float32", v))
		}
	}
	if r.Time.Before(minTime) || r.Time.After(maxTime) {
		return record.Reject(record.ReasonInvalidTime, fmt.Errorf("window: event time %v is out of range", r.Time))
	}
	return nil
}

// rejectPast rejects a reading for a slot at or before the key's last
// applied slot.
func (w *Windows[P]) rejectPast(k *Key[P], slot int64, r *record.Reading) error {
	if k.wasRead(slot) {
		return record.Reject(record.ReasonDuplicate, fmt.Errorf("window: slot %v of key %q already had a reading", w.slotTime(slot), r.Key))
	}
	return record.Reject(record.ReasonLate, fmt.Errorf("window: slot %v of key %q is before its last applied slot %v", w.slotTime(slot), r.Key, w.slotTime(k.last)))
}

// key returns the slot of key, creating it.
func (w *Windows[P]) key(key string) *Key[P] {
	if k := w.Lookup(key); k != nil {
		return k
	}
	k := &Key[P]{keyState: keyState{
		key:     key,
		last:    noSlot,
		ring:    w.newRing(),
		maxMs:   minTime.UnixMilli(),
		queued:  w.forgotten[key],
		dictIdx: -1,
	}}
	w.keys.put(k)
	w.cached = k
	return k
}

// SetExtra gives each key n floats of the caller's (Key.Extra), allocated
// with the key's ring: the keys created from now on, and those held now
// whose Extra is shorter (their ring is copied; Extra's values are not).
// A caller that keeps numbers per key so spares an allocation and a slice
// header per key.
func (w *Windows[P]) SetExtra(n int) {
	w.extra = n
	for k := range w.All() {
		if cap(k.ring)-len(k.ring) < n {
			r := w.newRing()
			copy(r, k.ring)
			k.ring = r
		}
	}
}

// newRing returns a ring of W×F values with room for the extra floats.
func (w *Windows[P]) newRing() []float32 {
	n := w.cfg.Window * w.cfg.Features
	return make([]float32, n, n+w.extra)
}

// release applies, in slot order, every held reading whose slot the key's
// watermark has reached.
func (w *Windows[P]) release(k *Key[P]) {
	wm := floorDiv(k.maxMs-w.latenessMs, w.intervalMs)
	f := w.cfg.Features
	for len(k.waiting()) > 0 && k.rb.held[0].slot <= wm {
		h := k.rb.held[0]
		for j, v := range k.rb.vals[:f] {
			w.conv[j] = float32(v)
		}
		w.apply(k, h.slot, w.conv, h.offset)
		k.pop(f)
	}
}

// apply moves a key to slot: it fills a short gap or resets the key after
// a long one, and then steps it with the reading's values.
func (w *Windows[P]) apply(k *Key[P], slot int64, vals []float32, offset int64) {
	gap := slot - k.last - 1
	reset := !k.started() || k.n == 0 || gap > int64(w.cfg.MaxGap)
	if reset {
		k.clearRing()
	} else {
		w.fillGap(k, gap, vals, offset)
	}
	w.step(k, slot, vals, offset, reset, false)
}

// fillGap emits gap fill steps between the last applied slot and the next.
func (w *Windows[P]) fillGap(k *Key[P], gap int64, next []float32, offset int64) {
	copy(w.from, k.newest(w.cfg.Features, w.cfg.Window))
	for j := int64(1); j <= gap; j++ {
		for i, a := range w.from {
			w.fill[i] = a
			if w.cfg.Fill == FillLinear {
				frac := float64(j) / float64(gap+1)
				w.fill[i] = float32(float64(a) + (float64(next[i])-float64(a))*frac)
			}
		}
		w.step(k, k.last+1, w.fill, offset, false, true)
	}
}

// step pushes one step to the key's ring and queues it as a row.
func (w *Windows[P]) step(k *Key[P], slot int64, vals []float32, offset int64, reset, filled bool) {
	if k.started() {
		k.seen <<= uint64(slot - k.last)
	}
	if !filled {
		k.seen |= 1
	}
	k.last = slot
	k.push(vals, w.cfg.Window)
	k.steps++
	w.rows.add(k, slot, vals, offset, reset, filled, int(k.n) == w.cfg.Window)
	k.queued++
}

// slotTime returns the start of a slot.
func (w *Windows[P]) slotTime(slot int64) time.Time {
	return time.UnixMilli(slot * w.intervalMs).UTC()
}

// floorDiv returns a/b rounded toward negative infinity (b > 0).
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}
