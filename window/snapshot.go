package window

import (
	"errors"
	"fmt"
	"time"
)

// KeyState is what a checkpoint needs to rebuild one key's window: the
// ring, the grid position and the readings held for reordering. It shares
// no memory with Windows.
type KeyState struct {
	// Ring is the key's last Count steps, oldest first: Count×Features
	// values, Count ≤ Window. Empty before the first step and after a
	// reset.
	Ring []float32
	// LastSlot is the start of the last applied slot; zero when the key
	// has not applied a step.
	LastSlot time.Time
	// Steps counts the steps applied since the key's last reset.
	Steps int64
	// Seen has bit i set when the slot i intervals before LastSlot had a
	// reading (not a fill); it tells a duplicate from a late reading.
	Seen uint64
	// MaxTime is the latest event time seen, the watermark's base; zero
	// when the key has seen none.
	MaxTime time.Time
	// Held are the readings waiting for the watermark, in slot order.
	Held []HeldReading
}

// HeldReading is a reading in a key's reorder buffer.
type HeldReading struct {
	Time   time.Time
	Values []float64
	Offset int64
}

// Snapshot returns a copy of key's state, and false when the key is not
// held.
func (w *Windows[P]) Snapshot(key string) (KeyState, bool) {
	k := w.Lookup(key)
	if k == nil {
		return KeyState{}, false
	}
	return w.SnapshotOf(k), true
}

// SnapshotOf returns a copy of the state of the key of slot k.
func (w *Windows[P]) SnapshotOf(k *Key[P]) KeyState {
	f, wn := w.cfg.Features, w.cfg.Window
	s := KeyState{Steps: k.steps, Seen: k.seen}
	if k.n > 0 {
		full := make([]float32, wn*f)
		k.windowInto(full, f, wn)
		s.Ring = full[(wn-int(k.n))*f:]
	}
	if k.started() {
		s.LastSlot = w.slotTime(k.last)
	}
	if k.maxMs != minTime.UnixMilli() {
		s.MaxTime = time.UnixMilli(k.maxMs).UTC()
	}
	for i, h := range k.waiting() {
		s.Held = append(s.Held, HeldReading{
			Time:   time.UnixMilli(h.ms).UTC(),
			Values: append([]float64(nil), k.rb.vals[i*f:(i+1)*f]...),
			Offset: h.offset,
		})
	}
	return s
}

// Restore replaces key's state with s (from Snapshot, possibly of an
// earlier process with the same Config), as Reset does.
func (w *Windows[P]) Restore(key string, s KeyState) error {
	_, err := w.Reset(key, s)
	return err
}

// Reset replaces key's state with s (from Snapshot, possibly of an earlier
// process with the same Config) and returns its new slot, whose P is zero.
// Rows the key queued before stay queued. Reset keeps no reference to s.
func (w *Windows[P]) Reset(key string, s KeyState) (*Key[P], error) {
	if err := w.validState(s); err != nil {
		return nil, fmt.Errorf("window: cannot restore key %q: %w", key, err)
	}
	w.Forget(key)
	k := w.key(key)
	f, wn := w.cfg.Features, w.cfg.Window
	n := len(s.Ring) / f
	k.n, k.head = int32(n), int32(n%wn)
	copy(k.ring, s.Ring)
	k.steps, k.seen = s.Steps, s.Seen
	if !s.LastSlot.IsZero() {
		k.last = floorDiv(s.LastSlot.UnixMilli(), w.intervalMs)
	}
	if !s.MaxTime.IsZero() {
		k.maxMs = s.MaxTime.UnixMilli()
	}
	for _, h := range s.Held {
		ms := h.Time.UnixMilli()
		if k.rb == nil {
			k.rb = &reorder{}
		}
		k.rb.held = append(k.rb.held, held{slot: floorDiv(ms, w.intervalMs), ms: ms, offset: h.Offset})
		k.rb.vals = append(k.rb.vals, h.Values...)
	}
	return k, nil
}

// validState checks a KeyState against the configuration.
func (w *Windows[P]) validState(s KeyState) error {
	f, wn := w.cfg.Features, w.cfg.Window
	switch {
	case len(s.Ring)%f != 0 || len(s.Ring) > wn*f:
		return fmt.Errorf("ring of %d values does not fit %d steps of %d features", len(s.Ring), wn, f)
	case len(s.Ring) > 0 && s.LastSlot.IsZero():
		return errors.New("ring without a last slot")
	case s.Steps < 0:
		return fmt.Errorf("negative step count %d", s.Steps)
	}
	prev := int64(0)
	for i, h := range s.Held {
		if len(h.Values) != f {
			return fmt.Errorf("held reading %d has %d values, want %d", i, len(h.Values), f)
		}
		slot := floorDiv(h.Time.UnixMilli(), w.intervalMs)
		if i > 0 && slot <= prev {
			return errors.New("held readings are not in slot order")
		}
		prev = slot
	}
	return nil
}
