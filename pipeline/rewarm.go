package pipeline

import "github.com/rnncast/rnncast/model"

// Rewarmer rebuilds the hidden state of a key whose state came from
// another model: it runs the served model from a zero state over the key's
// window ring, oldest value first, so the key is as warm as its ring is
// long. SwapModel uses it for the keys a worker holds, and the checkpoint
// package's restore for states of another fingerprint. Owned by one
// goroutine.
type Rewarmer struct {
	m      *model.Model
	window bool
	run    *model.Runner
	hidden []float32
	out    []float32
}

// NewRewarmer returns a Rewarmer of model m served in mode (ModeStateful
// or ModeWindow).
func NewRewarmer(m *model.Model, mode string) *Rewarmer {
	return &Rewarmer{m: m, window: mode == ModeWindow}
}

// Rewarm replaces ks's hidden state and model step count with the served
// model's over ks.Window.Ring. In window mode only the step count changes
// (the window is all a window-mode key needs). A ring that does not fit the
// model is left for the window to reject.
func (r *Rewarmer) Rewarm(ks *KeyState) {
	f := r.m.Meta.Inputs
	ring := ks.Window.Ring
	n := len(ring) / f
	ks.Steps = n
	if r.window {
		ks.Hidden = nil
		return
	}
	if r.run == nil {
		r.run = r.m.NewRunner(1)
		r.hidden = make([]float32, r.m.StateLen())
		r.out = make([]float32, r.m.Meta.Horizon)
	}
	clear(r.hidden)
	ks.Hidden = r.hidden
	if len(ring)%f != 0 {
		return
	}
	states := [][]float32{r.hidden}
	for i := 0; i < n; i++ {
		r.run.Step(states, ring[i*f:(i+1)*f], r.out)
	}
}
