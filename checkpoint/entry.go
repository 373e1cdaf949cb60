package checkpoint

import (
	"time"

	"github.com/rnncast/rnncast/pipeline"
	"github.com/rnncast/rnncast/state"
	"github.com/rnncast/rnncast/window"
)

// toEntry fills e from ks, stamped with fingerprint fp. e aliases ks's
// slices.
func toEntry(ks *pipeline.KeyState, fp string, e *state.Entry) {
	win := &ks.Window
	*e = state.Entry{Offset: ks.LastOffset, Steps: int64(ks.Steps), Fingerprint: fp, Hidden: ks.Hidden,
		Ring: win.Ring, HasSlot: !win.LastSlot.IsZero(), WindowSteps: win.Steps, Seen: win.Seen,
		HasMaxTime: !win.MaxTime.IsZero(), Held: e.Held[:0]}
	if e.HasSlot {
		e.LastSlot = win.LastSlot.UnixMilli()
	}
	if e.HasMaxTime {
		e.MaxTime = win.MaxTime.UnixMilli()
	}
	for _, h := range win.Held {
		e.Held = append(e.Held, state.Held{Time: h.Time.UnixMilli(), Offset: h.Offset, Values: h.Values})
	}
}

// fromEntry fills ks from e for key. ks aliases e's slices.
func fromEntry(key string, e *state.Entry, ks *pipeline.KeyState) {
	*ks = pipeline.KeyState{Key: key, Hidden: e.Hidden, Steps: int(e.Steps), LastOffset: e.Offset,
		Window: window.KeyState{Ring: e.Ring, Steps: e.WindowSteps, Seen: e.Seen, Held: ks.Window.Held[:0]}}
	if e.HasSlot {
		ks.Window.LastSlot = time.UnixMilli(e.LastSlot).UTC()
	}
	if e.HasMaxTime {
		ks.Window.MaxTime = time.UnixMilli(e.MaxTime).UTC()
	}
	for _, h := range e.Held {
		ks.Window.Held = append(ks.Window.Held, window.HeldReading{Time: time.UnixMilli(h.Time).UTC(), Offset: h.Offset, Values: h.Values})
	}
}
