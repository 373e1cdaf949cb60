package pipeline

import (
	"errors"

	"github.com/rnncast/rnncast/model"
)

// SwapModel makes m the model every partition worker serves from its next
// micro-batch on, after checking that m fits the configuration as New
// does; on error the current model stays. Each worker then rebuilds its
// keys' hidden states by running m from a zero state over their window
// rings (in stateful mode; window mode needs only the windows), so keys go
// on without a second warm-up when their rings are long enough, and marks
// every key changed so its next checkpoint carries m's fingerprint. Live
// scoring starts afresh. SwapModel is safe to call while Run runs.
func (p *Pipeline) SwapModel(m *model.Model) error {
	if m == nil {
		return errors.New("pipeline: cannot swap model: nil model")
	}
	cfg := p.cfg
	if m.Meta.Window != p.model().Meta.Window && cfg.Mode == ModeWindow {
		return errors.New("pipeline: cannot swap model: window mode needs the same window length")
	}
	if err := checkModel(cfg, m); err != nil {
		return err
	}
	p.swapped.Store(m)
	return nil
}

// model returns the model served now.
func (p *Pipeline) model() *model.Model {
	if m := p.swapped.Load(); m != nil {
		return m
	}
	return p.m
}

// swapIfNew rebuilds the worker's stage for the model SwapModel installed,
// if it is not the stage's; it runs before each micro-batch is processed
// (after it is fetched, so a batch fetched after the swap uses the new
// model).
func (w *worker) swapIfNew() {
	m := w.models.model()
	old := w.st.stage
	if m == old.Model() {
		return
	}
	s := newStage(*w.cfg, m, w.obs, w.st.win)
	rw := NewRewarmer(m, w.cfg.Mode)
	old.DropAll()
	for k := range w.st.win.All() {
		ks := k.Value
		if !ks.Live() {
			continue
		}
		k.Value = keyState{}
		st := KeyState{Key: k.Name(), Steps: int(ks.Steps), LastOffset: ks.Last, Window: w.st.win.SnapshotOf(k)}
		rw.Rewarm(&st)
		_ = s.Set(k, &st) // the hidden state has m's length: rewarm made it
		n := s.Touch(k)   // changed: the next checkpoint writes m's state
		n.Added = ks.Added
	}
	w.st.stage = s
	w.fc.ModelName, w.fc.ModelVersion, w.fc.Horizon = m.Meta.Name, m.Meta.Version, m.Meta.Horizon
}
